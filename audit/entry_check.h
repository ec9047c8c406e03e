// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckEntry: everything an auditor can check about one stored log entry (its leaf bytes) with
// nothing but the entry and a trusted root, and the facts monitors and reports need from it.
//
// What is checked (docs/audit.md "What replay checks"):
//  - the body is RFC 8785 canonical JSON of a known kind: hashedrekord 0.0.1 and 0.0.2, dsse
//    0.0.1 and 0.0.2, intoto 0.0.2;
//  - hashedrekord (both versions): the body is exactly what the log builds from it
//    (log/entry PrepareEntry / PrepareV2Entry, so every kind rule: fields, base64, digest
//    lengths, canonical key encoding, key types) and the signature verifies over the recorded
//    digest with the recorded key or certificate;
//  - dsse and intoto: the stored bodies do not carry the payload, so the signatures cannot be
//    verified; the shape, the hashes (algorithm, length, lower-case hex), the signature
//    encodings, the sort order and uniqueness of dsse signatures and every key or certificate
//    (it parses and is a supported key) are checked instead;
//  - every signing certificate chains to a CA of the trusted root valid at the entry's
//    integrated time when it is known (the Rekor v1 API gives it; the certificate must then be
//    valid too), else at the certificate's own issuance time (notBefore: tiles carry no
//    integrated time); it has the codeSigning usage, and its embedded SCTs verify against the
//    trusted root's CT logs when it has any.
//
// The log accepts certificates from any CA (self-signed ones included, as public Rekor does):
// a certificate that does not verify against the trusted root (chain, validity, usage, SCT) is
// a fact about whoever signed, not a misbehaviour of the log. It is recorded in
// EntryFacts::untrusted and leaves EntryCheck::status OK. status fails only for what the log
// itself must never serve: a body that is not canonical or breaks the kind rules, a signature
// that does not verify with the key or certificate the log accepted.
//
// Thread-safe (stateless but for a per-thread scratch EC key in signer/; the TrustRoot is only
// read).
#ifndef VOUCH_AUDIT_ENTRY_CHECK_H_
#define VOUCH_AUDIT_ENTRY_CHECK_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/trust_root.h"

namespace vouch::audit {

struct EntryCheckOptions {
  // Null: no chain or SCT checks.
  const client::TrustRoot* root = nullptr;
  // Verify hashedrekord signatures (the costly part).
  bool signatures = true;
  // Verify certificate chains and SCTs (needs |root|).
  bool chains = true;
  // The entry's integrated time when known (InfinitePast: unknown): chains are verified at it
  // instead of at the certificate's notBefore.
  absl::Time integrated_time = absl::InfinitePast();
  // Let the commonest form (a canonical key-signed hashedrekord 0.0.1 body with a P-256 key) be
  // recognised without the JSON parser and key objects; any other body, and any failure, takes
  // the full path. The answer is the same either way; false (tests) always takes the full path.
  bool quick_paths = true;
};

// What an entry says, for monitors and reports. Filled as far as parsing got.
struct EntryFacts {
  std::string kind;         // "hashedrekord", "dsse", "intoto"
  std::string api_version;  // "0.0.1", "0.0.2"
  // Subject alternative names of the signing certificates (URI, e-mail, otherName usernames).
  std::vector<std::string> identities;
  // OIDC issuer of the (first) signing certificate; empty for keys.
  std::string oidc_issuer;
  // Fulcio extensions of the (first) signing certificate, by sigstore-go's names.
  std::vector<std::pair<std::string, std::string>> extensions;
  // Lower-case hex SHA-256 of each signing key's DER SubjectPublicKeyInfo.
  std::vector<std::string> key_sha256;
  // "<alg>:<hex>": the hashedrekord artifact digest; the DSSE payload and envelope hashes.
  std::vector<std::string> digests;
  std::string payload_type;  // intoto
  bool keyless = false;      // signed with a certificate
  // The earliest notBefore of the signing certificates (the signing time, to the minute);
  // InfinitePast for key-signed entries.
  absl::Time certificate_time = absl::InfinitePast();
  // Signatures verified, certificate chains verified, SCTs verified.
  int signatures_verified = 0;
  int chains_verified = 0;
  int scts_verified = 0;
  // What could not be checked for this entry (e.g. "dsse signatures: payload not logged").
  std::vector<std::string> unchecked;
  // Why a signing certificate does not verify against the trusted root ("chain: certificate
  // for [mallory@example.com] issued ...: ...", "SCT: ..."); empty when every certificate
  // verified or chains were not checked. Not an error of the log (see above); its identities,
  // issuer and extensions are claims nobody vouches for.
  std::vector<std::string> untrusted;
  bool trusted() const { return untrusted.empty(); }
};

struct EntryCheck {
  EntryFacts facts;
  // OK, or FailedPrecondition naming the check and field ("signature: spec.signature.content:
  // signature does not verify against the public key", "not canonical: ..."). OK for an entry
  // whose certificate is untrusted (facts.untrusted says why).
  absl::Status status;
};

// Checks the stored body of one entry. Never fails otherwise; never throws.
EntryCheck CheckEntry(absl::string_view body, const EntryCheckOptions& options);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_ENTRY_CHECK_H_
