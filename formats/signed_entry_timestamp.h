// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The Rekor v1 SignedEntryTimestamp (SET, a bundle's "inclusion promise"): the log's signature
// over a small JSON document naming the entry. The log signs it when it sequences an entry and
// the verifier checks it, both over the bytes built here. Pure functions; thread-safe.
#ifndef VOUCH_FORMATS_SIGNED_ENTRY_TIMESTAMP_H_
#define VOUCH_FORMATS_SIGNED_ENTRY_TIMESTAMP_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace vouch::formats {

// The bytes a SET signs: RFC 8785 canonical JSON (members in code-unit order, no white space)
//   {"body":"<base64 of |body|>","integratedTime":<decimal>,"logID":"<lower-case hex of
//   |log_id|>","logIndex":<decimal>}
// |body| is the entry's canonicalized body, |log_id| the raw log ID (SHA-256 of the log key's
// SubjectPublicKeyInfo, 32 bytes), |integrated_time| Unix seconds. Base64 is standard, padded;
// neither base64 nor hex needs JSON escaping, so any bytes are accepted. Rekor signs exactly
// these bytes (sigstore-js's and cosign's verifiers rebuild them the same way).
std::string SignedEntryTimestampPayload(absl::string_view body, int64_t integrated_time,
                                        absl::string_view log_id, int64_t log_index);

}  // namespace vouch::formats

#endif  // VOUCH_FORMATS_SIGNED_ENTRY_TIMESTAMP_H_
