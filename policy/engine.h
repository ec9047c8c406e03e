// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The policy engine: decides whether an image may run under a PolicySet, with every reason.
// One library for `vouch policy check` and the admission webhook alike.
//
// For an image (and, at admission, its namespace):
//   1. Trusted registries (PolicySettings): an image from elsewhere is denied.
//   2. The policies whose image globs and namespace selector match. None: the default action.
//   3. The tag is resolved to a digest ONCE (AttachmentSource); everything after is by digest.
//   4. Each matching policy: its authorities are checked against the image's attachments
//      (signatures: message signatures over the digest, or DSSE statements of predicate type
//      https://sigstore.dev/cosign/sign/v1 naming the digest), each with its own trusted root,
//      identity and thresholds; at least `count` (default: all) must pass. Each required
//      attestation needs one attestation of its predicate type, signed by one of its authorities,
//      whose predicate satisfies its conditions.
//   5. All matching enforce policies must pass (policy-controller's rule); a failing warn-mode
//      policy allows with a warning. Registry or attachment errors deny (fail closed) unless every
//      matching policy says failurePolicy: open.
//
// Bundles are verified lazily and at most once per (authority, attachment) per evaluation.
// Engine is thread-safe; the AttachmentSource must be too.
#ifndef VOUCH_POLICY_ENGINE_H_
#define VOUCH_POLICY_ENGINE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/bundle.h"
#include "client/verify.h"
#include "images/attachments.h"
#include "policy/glob.h"
#include "policy/policy.h"

namespace vouch::policy {

// The predicate type cosign v3 and `vouch sign-image` give image signatures made as DSSE.
inline constexpr const char* kCosignSignPredicate = images::kCosignSignPredicate;

// One signed thing attached to an image: the bundle, what its signature covers (the image
// digest; for legacy cosign signatures the simple-signing payload), a description for reasons,
// and a post check (legacy: the payload names this image). images/attachments.h.
using Attachment = images::Attachment;

// Where the engine gets digests and attachments (a registry or an oci: layout; tests: a fake).
class AttachmentSource {
 public:
  virtual ~AttachmentSource() = default;
  // The digest ("sha256:...") |image| refers to: its digest if it has one, else its tag
  // resolved.
  virtual absl::StatusOr<std::string> Resolve(const ImageName& image) = 0;
  // The signatures and attestations attached to |digest| in |image|'s repository.
  virtual absl::StatusOr<std::vector<Attachment>> Attachments(const ImageName& image,
                                                              const std::string& digest) = 0;
};

struct Request {
  std::string image;  // as written in the pod spec / on the command line
  // Admission: the namespace and its labels. Empty namespace: every policy's namespace
  // selector is taken to match (the CLI checks an image for all namespaces).
  std::string ns;
  std::map<std::string, std::string> ns_labels;
  // False when the caller does not know |ns|'s labels (the admission webhook's labels file does
  // not list it). Failing safe, a policy whose namespace selector has label conditions is then
  // applied as if they matched (its names, if any, must still match), and an image that only
  // such policies match is denied when the default action is deny (the namespace may well have
  // no matching labels): the decision is never weaker than with the real labels.
  bool ns_labels_known = true;
};

struct CheckResult {
  std::string name;
  bool passed = false;
  std::string reason;                // why it failed, or what satisfied it
  std::vector<int64_t> log_indexes;  // of the bundles that satisfied it
};

struct PolicyResult {
  std::string policy;
  bool enforce = true;
  bool passed = false;
  std::vector<CheckResult> authorities;
  std::vector<CheckResult> attestations;
  std::vector<std::string> reasons;  // why it failed
};

struct Decision {
  std::string image;   // as requested
  std::string digest;  // resolved ("" if not reached)
  ImageName name;
  bool allowed = false;
  // Why it was denied (or, when allowed, nothing) and what was only warned about.
  std::vector<std::string> reasons;
  std::vector<std::string> warnings;
  std::vector<PolicyResult> policies;
  // Log indexes of the bundles the decision rests on.
  std::vector<int64_t> log_indexes;
  std::string policy_version;
  // The policies applied only because the namespace's labels were unknown
  // (Request::ns_labels_known false), in policy order.
  std::vector<std::string> assumed_label_policies;
  // True when the decision came from an infrastructure error (registry down, bad answer).
  bool infrastructure_error = false;
};

struct EngineOptions {
  // "Now" for scan ages and verification; InfinitePast = the real time.
  absl::Time now = absl::InfinitePast();
};

class Engine {
 public:
  // |set| and |source| must outlive the engine. Builds the verifiers of every authority once.
  static absl::StatusOr<std::unique_ptr<Engine>> New(const PolicySet* set, AttachmentSource* source,
                                                     const EngineOptions& options = {});
  // As above, the engine owning |set| (for engines swapped at run time: CachingEngine::Replace).
  static absl::StatusOr<std::unique_ptr<Engine>> New(std::shared_ptr<const PolicySet> set,
                                                     AttachmentSource* source,
                                                     const EngineOptions& options = {});
  ~Engine();

  Decision Evaluate(const Request& request) const;

  // As Evaluate, with the tag of |request|'s image already resolved by the caller: |resolved| is
  // its digest, or the registry's error (decided as Evaluate decides a failed resolution: fail
  // closed or open by the policies). Ignored when the image is given by digest.
  Decision EvaluateResolved(const Request& request,
                            const absl::StatusOr<std::string>& resolved) const;

  // Whether deciding |request| reads the registry: false when its image name is malformed, is
  // not from a trusted registry, or no policy applies to it (Evaluate then decides without the
  // AttachmentSource). Callers that resolve tags themselves (CachingEngine) ask this first, so
  // an image from anywhere else causes no request to its registry.
  bool NeedsRegistry(const Request& request) const;

  const PolicySet& policies() const { return *set_; }

 private:
  Engine(const PolicySet* set, AttachmentSource* source, const EngineOptions& options);
  const PolicySet* set_;
  std::shared_ptr<const PolicySet> owned_set_;  // null when the caller owns set_
  AttachmentSource* source_;
  EngineOptions options_;
  // Per policy, per authority: one verifier per key (keyless: one).
  std::vector<std::vector<std::vector<std::unique_ptr<client::BundleVerifier>>>> verifiers_;
  friend class Evaluation;
};

// The severities found in a cosign vuln predicate's scanner.result (Trivy JSON, Grype JSON or
// SARIF), upper-case ("CRITICAL", "HIGH", ...), one per finding. InvalidArgument when the
// result is in none of these formats.
absl::StatusOr<std::vector<std::string>> VulnSeverities(const nlohmann::json& predicate);

// Evaluates |c| against an in-toto |statement|. OK, or FailedPrecondition saying why.
absl::Status CheckCondition(const Condition& c, const nlohmann::json& statement);

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_ENGINE_H_
