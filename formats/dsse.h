// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// DSSE (Dead Simple Signing Envelope, https://github.com/secure-systems-lab/dsse, protocol v1):
// the Pre-Authentication Encoding every DSSE signature is made over. The log (dsse and intoto
// entries, Rekor v1 and v2), the signer and the verifier all build it here. Pure functions;
// thread-safe.
#ifndef VOUCH_FORMATS_DSSE_H_
#define VOUCH_FORMATS_DSSE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace vouch::formats {

// The payload type of an in-toto statement in a DSSE envelope.
inline constexpr char kInTotoPayloadType[] = "application/vnd.in-toto+json";

// PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, where LEN is the byte
// length in ASCII decimal without leading zeros and |payload| is the decoded payload (not its
// base64). Any bytes are allowed in both arguments; the lengths frame them.
// Example: DssePae("http://example.com/HelloWorld", "hello world") ==
//          "DSSEv1 29 http://example.com/HelloWorld 11 hello world".
std::string DssePae(absl::string_view payload_type, absl::string_view payload);

}  // namespace vouch::formats

#endif  // VOUCH_FORMATS_DSSE_H_
