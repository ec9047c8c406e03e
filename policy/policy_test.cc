// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/policy.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/fake_sigstore.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::policy {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class PolicyLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    dir_ = ::testing::TempDir();
    root_ = dir_ + "/trusted_root.json";
    std::ofstream(root_) << (*f)->TrustedRootJson();
    options_.default_trusted_root = root_;
  }
  absl::StatusOr<std::unique_ptr<PolicySet>> Parse(const std::string& text) {
    return PolicySet::Parse(dir_ + "/p.yaml", text, options_);
  }
  std::string dir_, root_;
  PolicySet::LoadOptions options_;
};

constexpr char kGood[] = R"(apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata:
  name: prod
spec:
  mode: warn
  images:
    - glob: "registry.example.com/app/**"
  namespaces:
    names: [prod]
    selector:
      matchLabels: {env: prod}
      matchExpressions:
        - {key: tier, operator: In, values: [web, api]}
  authorities:
    - name: ci
      keyless:
        issuer: https://token.actions.githubusercontent.com
        subjectRegExp: 'https://github\.com/acme/.*'
        extensions:
          sourceRepositoryURI: https://github.com/acme/app
          buildSignerURI: {regexp: 'https://github\.com/acme/.*'}
      thresholds: {tlog: 1, timestamps: 0, sct: false}
    - name: release-key
      key:
        publicKeys:
          - |
            KEY_PEM
    - name: break-glass
      static: {action: fail, message: "only signed images"}
  count: 1
  failurePolicy: open
  attestations:
    - name: provenance
      predicateType: slsaprovenance1
      authorities: [ci]
      slsa:
        builderId: https://github.com/actions/runner
        sourceRepository: https://github.com/acme/app
        sourceRef: refs/heads/main
      conditions:
        - {path: predicate.buildDefinition.buildType, matches: 'https://.*'}
        - {path: "predicate.buildDefinition.resolvedDependencies[*].uri", exists: true}
        - {path: predicate.runDetails.metadata.invocationId, oneOf: ["1", "2"], all: true}
        - {path: predicate.x, greaterOrEqual: 3}
    - predicateType: vuln
      vuln: {maxSeverity: high, maxAge: 7d}
---
apiVersion: policy.vouch.dev/v1
kind: PolicySettings
spec:
  defaultAction: allow
  trustedRegistries: ["registry.example.com/**"]
)";

TEST_F(PolicyLoadTest, LoadsEveryField) {
  auto f = client::FakeSigstore::New();
  ASSERT_THAT(f, IsOk());
  std::string pem = signer::PublicKeyDerToPem((*f)->artifact_key().PublicKeyDer());
  std::string indented;
  for (absl::string_view line : absl::StrSplit(pem, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&indented, indented.empty() ? "" : "\n            ", line);
  }
  std::string text = kGood;
  text.replace(text.find("KEY_PEM"), 7, indented);
  auto set = Parse(text);
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ((*set)->policies().size(), 1u);
  const ImagePolicy& p = (*set)->policies()[0];
  EXPECT_EQ(p.name, "prod");
  EXPECT_FALSE(p.enforce);
  EXPECT_TRUE(p.fail_open);
  EXPECT_EQ(p.count, 1);
  ASSERT_EQ(p.authorities.size(), 3u);
  EXPECT_EQ(p.authorities[0].issuer.exact, "https://token.actions.githubusercontent.com");
  EXPECT_TRUE(p.authorities[0].subject.Matches("https://github.com/acme/x"));
  EXPECT_FALSE(p.authorities[0].subject.Matches("https://github.com/evil/x"));
  EXPECT_FALSE(p.authorities[0].thresholds.sct);
  ASSERT_EQ(p.authorities[0].extensions.size(), 2u);
  EXPECT_TRUE(p.authorities[0].extensions[1].second.Matches("https://github.com/acme/wf"));
  EXPECT_NE(p.authorities[0].trusted_root, nullptr);
  EXPECT_EQ(p.authorities[1].keys.size(), 1u);
  EXPECT_EQ(p.authorities[2].type, Authority::Type::kStatic);
  EXPECT_FALSE(p.authorities[2].static_pass);
  ASSERT_EQ(p.attestations.size(), 2u);
  EXPECT_EQ(p.attestations[0].predicate_type, "https://slsa.dev/provenance/v1");
  EXPECT_EQ(p.attestations[0].conditions.size(), 4u);
  EXPECT_EQ(p.attestations[1].predicate_type, "https://cosign.sigstore.dev/attestation/vuln/v1");
  EXPECT_EQ(p.attestations[1].vuln->max_severity, "HIGH");
  EXPECT_EQ(p.attestations[1].vuln->max_age, absl::Hours(24 * 7));
  ASSERT_TRUE(p.namespaces.has_value());
  EXPECT_TRUE(p.namespaces->Matches("prod", {{"env", "prod"}, {"tier", "web"}}));
  EXPECT_FALSE(p.namespaces->Matches("prod", {{"env", "prod"}, {"tier", "db"}}));
  EXPECT_FALSE(p.namespaces->Matches("dev", {{"env", "prod"}, {"tier", "web"}}));
  EXPECT_TRUE((*set)->settings().default_allow);
  EXPECT_EQ((*set)->settings().trusted_registries.size(), 1u);
  EXPECT_EQ((*set)->version().size(), 16u);
}

struct Bad {
  const char* name;
  std::string yaml;
  const char* where;  // "p.yaml:LINE:"
  const char* field_and_message;
};

std::string Policy(const std::string& spec) {
  return absl::StrCat("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: p\n",
                      "spec:\n", spec);
}
constexpr char kImages[] = "  images: [{glob: \"r.example/**\"}]\n";
constexpr char kAuth[] =
    "  authorities:\n    - name: a\n      keyless: {issuer: https://i, subject: s}\n";

// The default trusted root from a loader (vouch policy: the TUF cache): loaded once, only when an
// authority without its own trustedRoot needs it; its error is reported at that authority.
TEST_F(PolicyLoadTest, DefaultTrustRootLoaderIsCalledOnceAndOnlyWhenNeeded) {
  options_.default_trusted_root = "";
  int calls = 0;
  absl::Status fail = absl::OkStatus();
  options_.default_trust_root_loader = [&]() -> absl::StatusOr<client::TrustRoot> {
    ++calls;
    if (!fail.ok()) return fail;
    return client::TrustRoot::FromFile(root_);
  };
  options_.default_trust_root_name = "TUF cache /c";
  const std::string two_keyless = R"(apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {name: p}
spec:
  images: [{glob: "**"}]
  authorities:
    - name: a
      keyless: {issuer: https://i, subject: a@example.com}
    - name: b
      keyless: {issuer: https://i, subject: b@example.com}
    - name: own
      keyless: {issuer: https://i, subject: c@example.com, trustedRoot: trusted_root.json}
)";
  auto set = Parse(two_keyless);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(calls, 1);
  const auto& auths = (*set)->policies()[0].authorities;
  EXPECT_EQ(auths[0].trusted_root, auths[1].trusted_root);
  EXPECT_EQ(auths[0].trusted_root_path, "TUF cache /c");
  EXPECT_EQ(auths[2].trusted_root_path, "trusted_root.json");  // as written
  // Only a static authority: never called.
  calls = 0;
  ASSERT_THAT(Parse(R"(apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {name: p}
spec:
  images: [{glob: "**"}]
  authorities:
    - name: s
      static: {action: pass}
)"),
              IsOk());
  EXPECT_EQ(calls, 0);
  // A failing loader: the authority's trustedRoot field names the error.
  fail = absl::PermissionDeniedError("TUF cache /c: timestamp.json: expired");
  EXPECT_THAT(Parse(two_keyless),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("trustedRoot"), HasSubstr("timestamp.json: expired"))));
}

TEST_F(PolicyLoadTest, RefusesMalformedPoliciesNamingFileLineAndField) {
  const std::vector<Bad> cases = {
      {"not yaml", "a: [", "p.yaml:", "not valid YAML"},
      // yaml-cpp alone never returns on these (fuzzing finding): refused with the position.
      {"stray comma", ",\xa2", "p.yaml:1:1:", "not valid YAML/JSON: unexpected ','"},
      {"comma after a scalar", "\"a\",", "p.yaml:1:4:", "unexpected ','"},
      {"comma on line 3", "# policy\n\n  ,x\n", "p.yaml:3:3:", "unexpected ','"},
      {"wrong api", "apiVersion: v2\nkind: ImagePolicy\nspec: {}\n",
       "p.yaml:1:", "apiVersion: must be"},
      {"wrong kind", "apiVersion: policy.vouch.dev/v1\nkind: Pod\nspec: {}\n",
       "p.yaml:2:", "kind: must be ImagePolicy or PolicySettings"},
      {"typo field", Policy(absl::StrCat(kImages, kAuth, "  moed: warn\n")),
       "p.yaml:10:", "spec.moed: unknown field"},
      {"bad mode", Policy(absl::StrCat(kImages, kAuth, "  mode: audit\n")),
       "p.yaml:10:", "spec.mode: must be enforce or warn"},
      {"no images", Policy(kAuth), "p.yaml:", "spec.images: required"},
      {"empty glob", Policy(absl::StrCat("  images: [{glob: \"\"}]\n", kAuth)),
       "p.yaml:6:", "spec.images[0].glob: must not be empty"},
      {"no authorities", Policy(kImages), "p.yaml:", "spec.authorities: required"},
      {"two kinds",
       Policy(absl::StrCat(kImages,
                           "  authorities:\n    - name: a\n      static: {action: pass}\n"
                           "      keyless: {issuer: i, subject: s}\n")),
       "p.yaml:8:", "spec.authorities[0]: give exactly one of keyless, key or static"},
      {"bad regexp",
       Policy(
           absl::StrCat(kImages,
                        "  authorities:\n    - name: a\n      keyless: {issuer: i, subjectRegExp: "
                        "'(unclosed'}\n")),
       "p.yaml:9:", "spec.authorities[0].keyless.subjectRegExp: bad regular expression"},
      {"issuer and regexp",
       Policy(
           absl::StrCat(kImages,
                        "  authorities:\n    - name: a\n      keyless: {issuer: i, issuerRegExp: "
                        "x, subject: s}\n")),
       "p.yaml:9:", "give issuer or issuerRegExp, not both"},
      {"unknown extension",
       Policy(absl::StrCat(kImages,
                           "  authorities:\n    - name: a\n      keyless: {issuer: i, subject: s, "
                           "extensions: {repo: x}}\n")),
       "p.yaml:9:", "extensions.repo: unknown Fulcio extension"},
      {"bad key",
       Policy(absl::StrCat(kImages,
                           "  authorities:\n    - name: a\n      key: {publicKeys: [nope]}\n")),
       "p.yaml:9:", "publicKeys[0]: not a PEM public key"},
      {"missing key file",
       Policy(absl::StrCat(
           kImages, "  authorities:\n    - name: a\n      key: {publicKeyFiles: [nope.pem]}\n")),
       "p.yaml:9:", "publicKeyFiles[0]: "},
      {"missing trusted root",
       Policy(absl::StrCat(kImages,
                           "  authorities:\n    - name: a\n      keyless: {issuer: i, subject: s, "
                           "trustedRoot: /nonexistent.json}\n")),
       "p.yaml:", "trustedRoot: trusted root: "},
      {"count too big", Policy(absl::StrCat(kImages, kAuth, "  count: 2\n")),
       "p.yaml:10:", "spec.count: must be from 1 to 1"},
      {"duplicate authority",
       Policy(absl::StrCat(kImages, kAuth, "    - name: a\n      static: {action: pass}\n")),
       "p.yaml:", "a second authority named \"a\""},
      {"unknown attestation authority",
       Policy(absl::StrCat(kImages, kAuth,
                           "  attestations:\n    - predicateType: vuln\n      authorities: [b]\n")),
       "p.yaml:12:", "spec.attestations[0].authorities[0]: no authority named \"b\""},
      {"slsa on vuln",
       Policy(absl::StrCat(
           kImages, kAuth,
           "  attestations:\n    - predicateType: vuln\n      slsa: {builderId: x}\n")),
       "p.yaml:12:", "slsa conditions need a SLSA provenance predicateType"},
      {"bad severity",
       Policy(absl::StrCat(kImages, kAuth,
                           "  attestations:\n    - predicateType: vuln\n      vuln: {maxSeverity: "
                           "bad}\n")),
       "p.yaml:12:", "maxSeverity: must be LOW, MEDIUM, HIGH or CRITICAL"},
      {"bad age",
       Policy(absl::StrCat(
           kImages, kAuth,
           "  attestations:\n    - predicateType: vuln\n      vuln: {maxAge: soon}\n")),
       "p.yaml:12:", "maxAge: must be a duration"},
      {"two operators",
       Policy(absl::StrCat(kImages, kAuth,
                           "  attestations:\n    - predicateType: x\n      conditions:\n        - "
                           "{path: a, equals: 1, exists: true}\n")),
       "p.yaml:13:", "conditions[0]: give exactly one of"},
      {"bad path",
       Policy(absl::StrCat(kImages, kAuth,
                           "  attestations:\n    - predicateType: x\n      conditions:\n        - "
                           "{path: \"a[x]\", exists: true}\n")),
       "p.yaml:13:", "path: bad index"},
      {"not a number",
       Policy(absl::StrCat(kImages, kAuth,
                           "  attestations:\n    - predicateType: x\n      conditions:\n        - "
                           "{path: a, lessThan: many}\n")),
       "p.yaml:13:", "lessThan: must be a number"},
      {"duplicate name",
       absl::StrCat(Policy(absl::StrCat(kImages, kAuth)), "---\n",
                    Policy(absl::StrCat(kImages, kAuth))),
       "p.yaml:", "a second ImagePolicy named \"p\""},
      {"bad selector op",
       Policy(absl::StrCat(kImages, kAuth,
                           "  namespaces:\n    selector:\n      matchExpressions: [{key: a, "
                           "operator: Has}]\n")),
       "p.yaml:12:", "operator: must be In, NotIn, Exists or DoesNotExist"},
      {"settings default",
       "apiVersion: policy.vouch.dev/v1\nkind: PolicySettings\nspec:\n  defaultAction: maybe\n",
       "p.yaml:4:", "spec.defaultAction: must be allow or deny"},
  };
  for (const Bad& c : cases) {
    auto set = Parse(c.yaml);
    EXPECT_THAT(set, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field_and_message)))
        << c.name;
    EXPECT_THAT(std::string(set.status().message()), HasSubstr(c.where)) << c.name;
  }
}

TEST_F(PolicyLoadTest, JsonPoliciesLoadToo) {
  auto set = Parse(R"({"apiVersion": "policy.vouch.dev/v1", "kind": "ImagePolicy",
    "metadata": {"name": "j"},
    "spec": {"images": [{"glob": "**"}],
             "authorities": [{"name": "s", "static": {"action": "pass"}}]}})");
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ((*set)->policies()[0].name, "j");
  EXPECT_THAT(Parse(R"({"apiVersion": "policy.vouch.dev/v1", "kind": "ImagePolicy",
    "metadata": {"name": "j"},
    "spec": {"images": [{"glob": "**"}], "authorities": [{"name": "s", "static": {"action": "x"}}]}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("p.yaml:3:")));
}

TEST_F(PolicyLoadTest, LoadsADirectoryInNameOrderAndVersionsIt) {
  const std::string d = dir_ + "/policies";
  ASSERT_EQ(system(("rm -rf " + d + " && mkdir -p " + d).c_str()), 0);
  std::ofstream(d + "/a.yaml") << Policy(absl::StrCat(kImages, kAuth));
  std::ofstream(d + "/b.json") << R"({"apiVersion": "policy.vouch.dev/v1", "kind": "PolicySettings",
    "spec": {"defaultAction": "allow"}})";
  std::ofstream(d + "/README.md") << "not a policy";
  auto set = PolicySet::Load(d, options_);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ((*set)->policies().size(), 1u);
  EXPECT_TRUE((*set)->settings().default_allow);
  const std::string v1 = (*set)->version();
  std::ofstream(d + "/a.yaml") << Policy(absl::StrCat(kImages, kAuth, "  mode: warn\n"));
  auto set2 = PolicySet::Load(d, options_);
  ASSERT_THAT(set2, IsOk());
  EXPECT_NE((*set2)->version(), v1);
  std::ofstream(d + "/c.yaml") << "apiVersion: nope\n";
  EXPECT_THAT(PolicySet::Load(d, options_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("c.yaml:1:")));
}

TEST_F(PolicyLoadTest, TheExamplesLoad) {
  auto set = PolicySet::Load("policy/examples", options_);
  ASSERT_THAT(set, IsOk());
  ASSERT_EQ((*set)->policies().size(), 2u);
  EXPECT_EQ((*set)->policies()[0].name, "acme-release");
  EXPECT_EQ((*set)->policies()[1].count, 2);
  EXPECT_FALSE((*set)->settings().default_allow);
  EXPECT_EQ((*set)->settings().trusted_registries.size(), 2u);
}

}  // namespace
}  // namespace vouch::policy
