// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Offline verification of Sigstore bundles (no network, ever): the steps of
// docs/client.md "Verification steps". Every failure is a non-OK status whose message starts
// with the step that failed ("certificate: ...", "inclusion proof: ...", "signature: ...").
// Verify() is thread-safe; a TrustRoot may be shared by concurrent calls.
#ifndef VOUCH_CLIENT_VERIFY_H_
#define VOUCH_CLIENT_VERIFY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/bundle.h"
#include "client/trust_root.h"
#include "signer/crypto.h"

namespace vouch::client {

// The artifact being verified: its bytes, or only a digest ("sha256:HEX", "sha512:HEX").
class Artifact {
 public:
  static Artifact FromBytes(std::string data);
  // InvalidArgument unless |spec| is "sha256:", "sha384:" or "sha512:" followed by the right
  // number of hex digits.
  static absl::StatusOr<Artifact> FromDigest(absl::string_view spec);

  bool has_bytes() const { return has_bytes_; }
  const std::string& bytes() const { return data_; }
  // The digest under |hash| (computed from the bytes, or the given digest). NotFound if only a
  // digest under another algorithm is known.
  absl::StatusOr<std::string> Digest(signer::HashAlgorithm hash) const;

 private:
  bool has_bytes_ = false;
  std::string data_;
  std::map<signer::HashAlgorithm, std::string> digests_;
};

// Who must have signed (keyless bundles). Empty fields do not constrain. The regexps are ECMAScript
// regular expressions matched against the whole value (anchored).
struct IdentityPolicy {
  std::string identity;         // exact SAN (URI, email or username)
  std::string identity_regexp;  // anchored regular expression over each SAN
  std::string issuer;           // exact OIDC issuer (extension .1.8, else .1.1)
  std::string issuer_regexp;
};

// Conditions on an in-toto attestation (DSSE bundles). Empty fields do not constrain.
struct AttestationPolicy {
  // Predicate type URI, or cosign's short names: slsaprovenance (v0.2), slsaprovenance02,
  // slsaprovenance1, link, spdx, spdxjson, cyclonedx, vuln, openvex, custom.
  std::string predicate_type;
  // SLSA builder id (v1 runDetails.builder.id, v0.2 builder.id), exact.
  std::string builder_id;
  // Source repository, e.g. "https://github.com/org/repo" (SLSA v1 externalParameters.workflow
  // .repository or a resolvedDependencies uri; v0.2 invocation.configSource.uri), compared
  // without a "git+" prefix and an "@ref" suffix.
  std::string source_repository;
};

struct VerifyOptions {
  // Key-based bundles: the expected signing key. When set, certificate bundles are rejected.
  std::shared_ptr<const signer::Verifier> key;
  // When the key may have signed (inclusive): every verified signing time must fall inside.
  absl::Time key_valid_from = absl::InfinitePast();
  absl::Time key_valid_until = absl::InfiniteFuture();
  IdentityPolicy identity;
  AttestationPolicy attestation;
  // The bundle must carry a DSSE in-toto attestation (verify-attestation).
  bool require_attestation = false;
  // "Now" for rejecting timestamps from the future; InfinitePast means absl::Now().
  absl::Time now = absl::InfinitePast();
};

struct VerificationResult {
  // Keyless: the certificate's SANs and OIDC issuer.
  std::vector<std::string> subject_alternative_names;
  std::string oidc_issuer;
  // The verified signing times (SETs and RFC 3161 timestamps), and the entries' log indexes.
  std::vector<absl::Time> signing_times;
  std::vector<int64_t> log_indexes;
  // DSSE bundles: the payload type and, for in-toto statements, the predicate type and the
  // statement JSON.
  std::string payload_type;
  std::string predicate_type;
  std::string statement;
};

// Verifies |bundle| for |artifact| against |root| under |options|. See the file comment.
absl::StatusOr<VerificationResult> Verify(const Bundle& bundle, const Artifact& artifact,
                                          const TrustRoot& root, const VerifyOptions& options);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_VERIFY_H_
