// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Rekor v2 entries (the rekor-tiles API, `POST /api/v2/log/entries`): PrepareV2Entry parses a
// proto3-JSON `CreateEntryRequest` (`{"hashedRekordRequestV002": {...}}` or
// `{"dsseRequestV002": {...}}`), validates every field and builds the canonical log entry body
// exactly as rekor-tiles stores it (protojson of its `Entry` message, RFC 8785 canonicalized):
// kind "hashedrekord" or "dsse", apiVersion "0.0.2". TransparencyLogEntryV2Json renders the
// proto3-JSON `TransparencyLogEntry` rekor-tiles answers with. Formats, decisions and every error
// message: docs/entries.md ("Rekor v2 entries").
//
// Every function is thread-safe and never throws. Errors are InvalidArgument naming the JSON path
// of the field at fault ("hashedRekordRequestV002.digest: want 32 bytes for sha256 ...").
#ifndef VOUCH_LOG_ENTRY_REKOR_V2_H_
#define VOUCH_LOG_ENTRY_REKOR_V2_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "log/entry/entry.h"

namespace vouch::log {

// Limits of Rekor v2 requests (rekor-tiles refuses more than 10 of each).
inline constexpr size_t kMaxV2Signatures = 10;  // dsseRequestV002.envelope.signatures
inline constexpr size_t kMaxV2Verifiers = 10;   // dsseRequestV002.verifiers

// Parses and validates a Rekor v2 CreateEntryRequest (proto3 JSON; field names in lowerCamelCase
// or as in the .proto; bytes as base64, standard or URL alphabet, padded or not; enums by name or
// number; unknown fields refused, as rekor-tiles' strict unmarshaler does):
//
//   {"hashedRekordRequestV002": {"digest": b64, "signature": {"content": b64, "verifier": V}}}
//   {"dsseRequestV002": {"envelope": {"payload": b64, "payloadType": s,
//                                     "signatures": [{"sig": b64, "keyid": s}]},
//                        "verifiers": [V, ...]}}
//   V = {"publicKey": {"rawBytes": b64 DER SPKI}} or {"x509Certificate": {"rawBytes": b64 DER}},
//       plus "keyDetails": one of PKIX_ECDSA_P256_SHA_256, PKIX_ECDSA_P384_SHA_384,
//       PKIX_ECDSA_P521_SHA_512, PKIX_RSA_PKCS1V15_{2048,3072,4096}_SHA256, PKIX_ED25519_PH
//       (rekor-tiles' default algorithm set), which must describe the key exactly.
//
// The hashedrekord digest must have the length of keyDetails' hash (sha256, sha384 for P-384,
// sha512 for P-521 and Ed25519ph). Returns the PreparedEntry: entry.kind kHashedRekord or kDsse,
// entry.api_version "0.0.2", entry.body the canonical body, entry.keys the index keys, and the
// signature checks for VerifyEntry. Signatures are not verified here, except that a DSSE request
// with several verifiers is matched signature-to-verifier by trial verification (the body records
// which verifier signed each signature).
absl::StatusOr<PreparedEntry> PrepareV2Entry(absl::string_view create_entry_request_json);

// What TransparencyLogEntryV2Json renders.
struct V2EntryView {
  uint64_t index = 0;              // log index
  std::string body;                // canonical entry body (raw, not base64)
  std::string log_id;              // raw log ID bytes
  uint64_t tree_size = 0;          // size of the checkpoint the proof is against
  std::string root;                // raw root hash (32 bytes)
  std::vector<std::string> proof;  // raw inclusion proof hashes (32 bytes each), leaf to root
  std::string checkpoint;          // the signed checkpoint note
  std::string kind;                // "hashedrekord" or "dsse"
};

// The proto3-JSON TransparencyLogEntry rekor-tiles answers a CreateEntry with, fields in proto
// field order, int64 values as decimal strings, bytes as padded standard base64:
//   {"logIndex":"N","logId":{"keyId":b64},"kindVersion":{"kind":K,"version":"0.0.2"},
//    "inclusionProof":{"logIndex":"N","rootHash":b64,"treeSize":"S","hashes":[b64,...],
//                      "checkpoint":{"envelope":note}},"canonicalizedBody":b64}
// No integratedTime and no inclusionPromise: Rekor v2 has neither (clients take the signing time
// from an RFC 3161 timestamp). Strings that are not valid UTF-8 have the bad bytes replaced by
// U+FFFD rather than failing.
std::string TransparencyLogEntryV2Json(const V2EntryView& v);

}  // namespace vouch::log

#endif  // VOUCH_LOG_ENTRY_REKOR_V2_H_
