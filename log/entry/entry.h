// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's entry kinds (Rekor v1 "proposed entries"): hashedrekord 0.0.1, dsse 0.0.1 and
// intoto 0.0.2. PrepareEntry parses and validates a proposed entry (the body of
// POST /api/v1/log/entries) and builds the body the log stores: RFC 8785 canonical JSON in the
// exact shape Rekor stores for that kind, which is the Merkle leaf. Signature checks are
// returned, not performed: the caller runs the CPU-heavy VerifyEntry where it likes (LogService
// runs it on the request's own thread, before the entry reaches the log's sequencer, so the
// sequencer never verifies anything). Formats, decisions and every error message:
// docs/entries.md.
//
// Every function is thread-safe; a PreparedEntry is immutable once built and may be verified
// from any thread. Nothing here throws; all errors are InvalidArgument naming the JSON field path
// ("spec.signature.content: bad base64") unless stated otherwise.
#ifndef VOUCH_LOG_ENTRY_ENTRY_H_
#define VOUCH_LOG_ENTRY_ENTRY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signer/crypto.h"

namespace vouch::log {

enum class EntryKind { kHashedRekord, kDsse, kIntoto };

// "hashedrekord", "dsse", "intoto".
const char* EntryKindName(EntryKind kind);

// Limits on proposed entries (all InvalidArgument when exceeded).
inline constexpr size_t kMaxProposedEntryBytes = 4 << 20;  // the whole POST body
inline constexpr size_t kMaxEnvelopeBytes = 1 << 20;       // a DSSE envelope / payload
inline constexpr size_t kMaxKeyBytes = 64 << 10;           // one PEM public key or certificate
inline constexpr size_t kMaxSignatureBytes = 16 << 10;     // one signature (base64 text)
inline constexpr size_t kMaxSignatures = 16;               // signatures in one envelope
inline constexpr size_t kMaxVerifiers = 16;                // dsse proposedContent.verifiers
inline constexpr size_t kMaxArtifactIndexKeys = 1024;      // in-toto subjects/materials indexed

// What the search index (POST /api/v1/index/retrieve) maps to the entry. No duplicates; order
// is stable (the order the fields appear in the entry).
struct IndexKeys {
  // "<alg>:<lower-case hex>": hashedrekord data.hash; dsse payloadHash and envelopeHash;
  // intoto payloadHash; for in-toto statement payloads also every subject digest and SLSA
  // provenance material digest ("sha256:...", "sha512:...", as the statement names them).
  std::vector<std::string> artifact_hashes;
  // "sha256:<hex>" of the DER SubjectPublicKeyInfo of every signing key (for a certificate: of
  // the key it certifies).
  std::vector<std::string> public_key_hashes;
  // Subject alternative names of every signing certificate: e-mail addresses (lower-cased) and
  // URIs (as written).
  std::vector<std::string> identities;
};

struct CanonicalEntry {
  EntryKind kind;
  std::string api_version;
  std::string body;  // RFC 8785 canonical JSON bytes: the leaf
  IndexKeys keys;
};

// One signature VerifyEntry checks.
struct SignatureCheck {
  std::shared_ptr<const signer::Verifier> verifier;
  // true: verifier->VerifyDigest(hash, *data, signature); false: verifier->Verify(*data, ...).
  bool prehashed = true;
  signer::HashAlgorithm hash = signer::HashAlgorithm::kSha256;
  std::shared_ptr<const std::string> data;  // the digest, or the message (DSSE PAE for Ed25519)
  std::string signature;                    // raw signature bytes
  std::string failure;                      // the InvalidArgument message if it does not verify
};

// A validated proposed entry: its stored form plus the signatures still to be checked.
struct PreparedEntry {
  CanonicalEntry entry;
  std::vector<SignatureCheck> checks;
};

// Parses |proposed_json| ({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{...}}), validates
// every field (base64, hex, digest lengths, key types and sizes, PEM, DSSE envelope) and builds
// the canonical stored body and index keys, WITHOUT verifying signatures (except that a dsse
// entry with several verifiers is matched signature-to-key here, which needs verification).
// Supported keys: ECDSA P-256/P-384/P-521, RSA 2048-4096 (PKCS#1 v1.5) and Ed25519 (pure over
// the DSSE PAE for dsse/intoto; Ed25519ph over a sha512 digest for hashedrekord, as Rekor).
absl::StatusOr<PreparedEntry> PrepareEntry(absl::string_view proposed_json);

// Verifies every signature of |e|. InvalidArgument naming the field when one does not verify
// ("spec.signature.content: signature does not verify against the public key"); Internal only
// for a crypto library failure. CPU heavy; safe to call concurrently.
absl::Status VerifyEntry(const PreparedEntry& e);

// PrepareEntry then VerifyEntry.
absl::StatusOr<CanonicalEntry> CanonicalizeEntry(absl::string_view proposed_json);

// The entry's UUID: lower-case hex of SHA-256(0x00 || body) (the RFC 6962 leaf hash).
absl::StatusOr<std::string> EntryUuid(absl::string_view body);

// ------------------------------------------------------------------ shared with log/entry/rekor_v2

// A signing key given as DER (Rekor v2 requests carry DER, not PEM).
struct DerKey {
  std::shared_ptr<const signer::Verifier> verifier;
  std::string spki_der;                 // the SubjectPublicKeyInfo (a certificate's key)
  std::vector<std::string> identities;  // certificate SAN e-mails (lower-cased) and URIs
};

// Parses |der|: a SubjectPublicKeyInfo, or (|certificate|) an X.509 certificate whose key is
// used, with the same key rules and fast paths as PEM keys in PrepareEntry; nothing may follow
// the DER element. |ed25519ph|: an Ed25519 key's verifier checks Ed25519ph digests
// (VerifyDigest(kSha512, ...), as hashedrekord) besides pure messages. InvalidArgument starting
// with "<path>: " ("malformed public key: ...", "malformed X.509 certificate", "unsupported key:
// ...", "too large: ...").
absl::StatusOr<DerKey> ParseDerKey(absl::string_view der, bool certificate, bool ed25519ph,
                                   absl::string_view path);

// Appends to |keys->artifact_hashes| the subject (and SLSA material) digests of the in-toto
// statement |payload|, as PrepareEntry does for DSSE payloads; keys already present are not
// repeated. Best effort: a payload that is not a statement adds nothing.
void AddInTotoIndexKeys(absl::string_view payload, IndexKeys* keys);

}  // namespace vouch::log

#endif  // VOUCH_LOG_ENTRY_ENTRY_H_
