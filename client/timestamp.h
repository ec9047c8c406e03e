// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RFC 3161 signed timestamps (TimeStampResp DER, as in a bundle's timestampVerificationData),
// verified offline against the timestamp authorities of a trusted root. Thread-safe.
#ifndef VOUCH_CLIENT_TIMESTAMP_H_
#define VOUCH_CLIENT_TIMESTAMP_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "client/x509.h"

namespace vouch::client {

// Verifies |response| (a DER TimeStampResp, or a bare TimeStampToken) over |data| (the message
// imprint must be the token's hash of |data|) against |authorities|: the token's signer must
// chain to an authority (leaf first, root last) at the token's time, and that time must fall in
// the authority's window (inclusive). Returns the token's genTime.
// InvalidArgument for undecodable input; FailedPrecondition when no authority verifies it or the
// imprint does not match.
absl::StatusOr<absl::Time> VerifyRfc3161Timestamp(absl::string_view response,
                                                  absl::string_view data,
                                                  absl::Span<const TrustedChain> authorities);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TIMESTAMP_H_
