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
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/bundle.h"
#include "client/cosignature.h"
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

// Who must have signed (keyless bundles). Empty fields do not constrain. The regular expressions
// are RE2 (linear time: a SAN is attacker-controlled input) matched against the whole value
// (anchored), compiled once by BundleVerifier::New.
struct IdentityPolicy {
  std::string identity;         // exact SAN (URI, email or username)
  std::string identity_regexp;  // anchored regular expression over each SAN
  std::string issuer;           // exact OIDC issuer (extension .1.8, else .1.1)
  std::string issuer_regexp;
  // Fulcio extensions that must be present with these exact values, by the names of
  // Certificate::FulcioExtensions ("sourceRepositoryURI", "githubWorkflowRepository", ...).
  std::vector<std::pair<std::string, std::string>> extensions;
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
  // Witnesses (C2SP tlog-cosignature/v1): when |witness_threshold| > 0, every inclusion proof's
  // checkpoint must carry valid cosignatures of at least that many of |witnesses|, and the
  // bundle must have an inclusion proof (step "inclusion proof"). A log that shows different
  // views to different users cannot get both cosigned by honest witnesses.
  std::vector<WitnessKey> witnesses;
  int witness_threshold = 0;
  // Skip the SCT check even when the trusted root lists CT logs (cosign's
  // --insecure-ignore-sct).
  bool ignore_sct = false;
  // "Now" for rejecting timestamps from the future; InfinitePast means absl::Now().
  absl::Time now = absl::InfinitePast();
};

// The named checks, in the order they run. Each failure message starts with the check's
// traditional prefix ("certificate: ...", "inclusion proof: ...", "checkpoint: ...").
enum class Step {
  kPolicy,          // the options fit the bundle (a key for key bundles, none for keyless)
  kCertificate,     // the leaf parses, is not a CA, the bundle adds no certificate of its own
  kArtifact,        // what was signed: the message digest matches the artifact
  kTlogEntry,       // each entry's log is trusted and its body records this signature
  kInclusionProof,  // each proof recomputes the root of a checkpoint signed by the log
  kSet,             // each SignedEntryTimestamp verifies; integrated times are sane
  kTimestamp,       // RFC 3161 timestamps verify; there is at least one signing time
  kKey,             // key bundles: signing times inside the key's validity window
  kChain,           // the leaf chains to a trusted CA at every signing time; codeSigning
  kSct,             // embedded SCTs verify against the trusted CT logs (when it lists any)
  kIdentity,        // SAN, issuer and extensions satisfy the identity policy
  kSignature,       // the signature verifies over the artifact digest or DSSE PAE
  kAttestation,     // the in-toto statement's subject matches; predicate policy holds
};
// "policy", "certificate", "artifact", "tlog entry", "inclusion proof", "SET", "timestamp",
// "key", "chain", "SCT", "identity", "signature", "attestation".
const char* StepName(Step step);

struct StepOutcome {
  Step step;
  absl::Status status;  // OK: the check passed
};

// One transparency log entry of a verified bundle.
struct TlogEntryInfo {
  int64_t log_index = 0;
  std::string log_id_hex;
  std::string kind;     // "hashedrekord", "dsse", "intoto"
  std::string version;  // "0.0.1", "0.0.2"
  // The SET-verified integrated time; InfinitePast without an inclusion promise.
  absl::Time integrated_time = absl::InfinitePast();
  bool inclusion_proof = false;  // a proof against a signed checkpoint verified
  uint64_t checkpoint_size = 0;  // its tree size
};

struct VerificationResult {
  // Every check that ran, in order; when verification failed, the last one is the failure and
  // later checks did not run.
  std::vector<StepOutcome> steps;
  bool verified() const;
  // The failed check, if any.
  const StepOutcome* failure() const;
  // OK, or the failed check's status (its message starts with the step, see Step).
  absl::Status status() const;

  // Who signed. Keyless: the certificate's SANs, OIDC issuer and Fulcio extensions; key bundles:
  // the SHA-256 of the key's SubjectPublicKeyInfo (hex). Filled as far as the checks got.
  bool keyless = false;
  std::vector<std::string> subject_alternative_names;
  std::string oidc_issuer;
  std::vector<std::pair<std::string, std::string>> certificate_extensions;
  std::string public_key_sha256;
  // The log entries, the verified signing times (SETs and RFC 3161 timestamps), the RFC 3161
  // times alone, and the entries' log indexes.
  std::vector<TlogEntryInfo> tlog_entries;
  std::vector<absl::Time> signing_times;
  std::vector<absl::Time> timestamps;
  std::vector<int64_t> log_indexes;
  // DSSE bundles: the payload type and, for in-toto statements, the predicate type and the
  // statement JSON.
  std::string payload_type;
  std::string predicate_type;
  std::string statement;
};

// Verifies bundles against one trusted root under one set of options. The identity policy's
// regular expressions are compiled once here, so verifying many bundles (an image's attachments,
// an admission review's images) pays for them once. Thread-safe; |root| must outlive it.
class BundleVerifier {
 public:
  // InvalidArgument naming the field for a regular expression that does not compile.
  static absl::StatusOr<std::unique_ptr<BundleVerifier>> New(const TrustRoot* root,
                                                             VerifyOptions options);
  ~BundleVerifier();

  // Runs the checks of the file comment, stopping at the first failure; never fails otherwise.
  VerificationResult Verify(const Bundle& bundle, const Artifact& artifact) const;

  const VerifyOptions& options() const { return options_; }

 private:
  struct Compiled;
  BundleVerifier(const TrustRoot* root, VerifyOptions options, std::unique_ptr<Compiled> c);
  const TrustRoot* const root_;
  const VerifyOptions options_;
  std::unique_ptr<Compiled> compiled_;
  friend class VerifyRun;
};

// Verifies |bundle| for |artifact| against |root| under |options|: BundleVerifier::New and
// Verify in one call. The error is the failed check's status (see Step).
absl::StatusOr<VerificationResult> Verify(const Bundle& bundle, const Artifact& artifact,
                                          const TrustRoot& root, const VerifyOptions& options);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_VERIFY_H_
