// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Image policies: which container images may run, as data (docs/policy.md; JSON Schema in
// policy/image-policy.schema.json). A PolicySet is loaded from YAML or JSON files (one or more
// documents each, `---` separated): `kind: ImagePolicy` documents (image globs, namespaces,
// authorities with a threshold, required attestations with conditions, enforce/warn) and at most
// one `kind: PolicySettings` document (what happens to images no policy matches, trusted
// registries). Everything is checked when the set loads: a malformed policy is refused with the
// file, line and field, every regular expression is compiled (RE2) and every trusted root and key
// is read, so evaluation (policy/engine.h) cannot fail on the policy itself.
//
// A loaded PolicySet is immutable and thread-safe.
#ifndef VOUCH_POLICY_POLICY_H_
#define VOUCH_POLICY_POLICY_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "nlohmann/json.hpp"
#include "policy/glob.h"
#include "re2/re2.h"
#include "signer/crypto.h"

namespace vouch::policy {

// Where a value came from, for messages: "prod.yaml:12:5".
struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 unknown
  int column = 0;  // 1-based
  std::string ToString() const;
};

// A string condition: exact value or RE2 regular expression (anchored), as written.
struct StringMatch {
  std::string exact;
  std::string regexp;
  std::shared_ptr<const RE2> compiled;  // set when regexp is
  bool empty() const { return exact.empty() && regexp.empty(); }
  bool Matches(absl::string_view value) const;
  std::string ToString() const;  // "\"x\"" or "/re/"
};

// One condition on an attestation's in-toto statement: the values at |path| (dotted field
// names from the statement root, "[N]" or "[*]" for array elements, e.g.
// "predicate.buildDefinition.resolvedDependencies[*].uri") satisfy the operator. With "[*]" the
// condition holds if ANY value at the path does (|all| = true: every value, and at least one).
struct Condition {
  enum class Op {
    kEquals,
    kNotEquals,
    kOneOf,
    kMatches,
    kExists,
    kGreater,
    kGreaterOrEqual,
    kLess,
    kLessOrEqual
  };
  std::string path;
  std::vector<std::string> segments;  // parsed path: names, "[N]" as "#N", "[*]" as "*"
  Op op = Op::kEquals;
  nlohmann::json value;               // equals/notEquals: any JSON scalar; oneOf: array
  std::shared_ptr<const RE2> regexp;  // matches
  bool exists = true;                 // exists
  double number = 0;                  // comparisons
  bool all = false;
  Location where;
  std::string ToString() const;  // "predicate.x equals \"y\""
};

// SLSA provenance (v1, and v0.2 where it has the field) conditions.
struct SlsaConditions {
  std::string builder_id;         // runDetails.builder.id (v0.2: builder.id), exact
  std::string build_type;         // buildDefinition.buildType (v0.2: buildType), exact
  std::string source_repository;  // externalParameters.workflow.repository or a
                                  // resolvedDependencies uri, without "git+" and "@ref"
  std::string source_ref;         // externalParameters.workflow.ref or a resolvedDependencies
                                  // uri's "@ref" (e.g. "refs/heads/main")
  bool empty() const {
    return builder_id.empty() && build_type.empty() && source_repository.empty() &&
           source_ref.empty();
  }
};

// cosign vuln predicate (https://cosign.sigstore.dev/attestation/vuln/v1) conditions.
struct VulnConditions {
  // No finding at or above this severity (LOW < MEDIUM < HIGH < CRITICAL); empty = any.
  std::string max_severity;  // upper-case
  int max_severity_rank = 0;
  // metadata.scanFinishedOn no older than this; zero = any age.
  absl::Duration max_age = absl::ZeroDuration();
};

// How a bundle must be verified beyond its signature: transparency log entries, SCTs, RFC 3161
// timestamps.
struct Thresholds {
  int tlog = 1;        // verified tlog entries (0: none needed, e.g. with timestamps)
  int timestamps = 0;  // verified RFC 3161 timestamps
  bool sct = true;     // an SCT when the trusted root lists CT logs
};

struct Authority {
  enum class Type { kKeyless, kKey, kStatic };
  std::string name;
  Type type = Type::kKeyless;
  // Keyless: who must have signed. Issuer and subject exact or regexp; extensions by Fulcio name.
  StringMatch issuer;
  StringMatch subject;
  std::vector<std::pair<std::string, StringMatch>> extensions;
  // Key: public keys (any of them).
  std::vector<std::shared_ptr<const signer::Verifier>> keys;
  // Static: pass or fail with a message.
  bool static_pass = false;
  std::string static_message;
  // The trusted root for this authority (its own file, or the set's default).
  std::shared_ptr<const client::TrustRoot> trusted_root;
  std::string trusted_root_path;
  Thresholds thresholds;
  Location where;
};

struct AttestationRequirement {
  std::string name;
  std::string predicate_type;  // full URI (short names resolved)
  // Authorities (by name) whose signature on the attestation counts; empty = any of the policy.
  std::vector<std::string> authorities;
  SlsaConditions slsa;
  std::optional<VulnConditions> vuln;
  std::vector<Condition> conditions;
  Location where;
};

struct LabelRequirement {
  std::string key;
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist } op = Op::kIn;
  std::vector<std::string> values;
};

struct NamespaceSelector {
  std::vector<std::string> names;  // empty = any name
  std::map<std::string, std::string> match_labels;
  std::vector<LabelRequirement> match_expressions;
  bool Matches(const std::string& ns, const std::map<std::string, std::string>& labels) const;
  // Whether |ns| is one of |names| (or names is empty).
  bool MatchesName(const std::string& ns) const;
  // Whether the selector has label conditions (matchLabels or matchExpressions).
  bool SelectsByLabels() const { return !match_labels.empty() || !match_expressions.empty(); }
  bool empty() const { return names.empty() && match_labels.empty() && match_expressions.empty(); }
};

struct ImagePolicy {
  std::string name;
  bool enforce = true;  // mode: enforce (false: warn)
  std::vector<Glob> images;
  std::optional<NamespaceSelector> namespaces;  // absent: every namespace
  std::vector<Authority> authorities;
  // How many authorities must pass; 0 = all of them.
  int count = 0;
  std::vector<AttestationRequirement> attestations;
  // Registry or verification infrastructure errors: deny (false) or allow with a warning.
  bool fail_open = false;
  Location where;
};

struct PolicySettings {
  // Images that no policy matches: allowed or denied.
  bool default_allow = false;
  // When non-empty, images from elsewhere are denied (globs over the repository name).
  std::vector<Glob> trusted_registries;
  Location where;
};

class PolicySet {
 public:
  struct LoadOptions {
    // Default trusted root file for authorities that name none.
    std::string default_trusted_root;
    // When default_trusted_root is empty: the default trusted root, loaded once on first use by
    // an authority that names none (`vouch policy` passes the TUF cache of `vouch trust init`
    // here). Its error is reported at that authority's trustedRoot field. Unset: none.
    std::function<absl::StatusOr<client::TrustRoot>()> default_trust_root_loader;
    // What the loader's root is called in messages and Authority::trusted_root_path.
    std::string default_trust_root_name;
  };
  // Loads every *.yaml, *.yml and *.json file of |path| (a file or a directory, not recursive,
  // in name order). InvalidArgument "FILE:LINE:COL: FIELD: what is wrong" for the first problem.
  static absl::StatusOr<std::unique_ptr<PolicySet>> Load(const std::string& path,
                                                         const LoadOptions& options);
  // From text (|name| is used in messages).
  static absl::StatusOr<std::unique_ptr<PolicySet>> Parse(const std::string& name,
                                                          const std::string& text,
                                                          const LoadOptions& options);

  const std::vector<ImagePolicy>& policies() const { return policies_; }
  const PolicySettings& settings() const { return settings_; }
  // SHA-256 (hex, first 16) over the files' bytes: changes whenever a policy changes (caches).
  const std::string& version() const { return version_; }

 private:
  PolicySet() = default;
  std::vector<ImagePolicy> policies_;
  PolicySettings settings_;
  std::string version_;
  friend class Loader;
};

// The predicate type URI for cosign's short names (slsaprovenance, slsaprovenance1, vuln, spdx,
// cyclonedx, ...); other strings are returned as they are.
std::string PredicateTypeFor(const std::string& type);

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_POLICY_H_
