// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/engine.h"

#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/bundle.h"
#include "client/fake_sigstore.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::policy {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr char kManifest[] =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})";
constexpr char kImage[] = "registry.example.com/app/web:1.0";

// Attachments by digest; tags resolved from a map; can be told to fail like a registry down.
class FakeSource : public AttachmentSource {
 public:
  absl::StatusOr<std::string> Resolve(const ImageName& image) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++resolves;
    if (!down.ok()) return down;
    if (!image.digest.empty()) return image.digest;
    auto it = tags.find(image.Name() + ":" + image.tag);
    if (it == tags.end()) return absl::NotFoundError("MANIFEST_UNKNOWN");
    return it->second;
  }
  absl::StatusOr<std::vector<Attachment>> Attachments(const ImageName&,
                                                      const std::string& digest) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!down.ok()) return down;
    return attached[digest];
  }
  std::map<std::string, std::string> tags;
  std::map<std::string, std::vector<Attachment>> attached;
  absl::Status down;
  int resolves = 0;
  std::mutex mu_;
};

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    root_ = ::testing::TempDir() + "/engine_root.json";
    std::ofstream(root_) << fake_->TrustedRootJson();
    digest_ = "sha256:" + absl::BytesToHexString(signer::Sha256(kManifest));
    source_.tags["registry.example.com/app/web:1.0"] = digest_;
  }

  // Attaches a bundle over the image manifest made with |o|.
  void Attach(const client::FakeBundleOptions& o, const std::string& what,
              const client::FakeSigstore* by = nullptr) {
    auto proto = (by != nullptr ? by : fake_.get())->MakeBundle(kManifest, o);
    ASSERT_THAT(proto, IsOk());
    auto json = client::BundleToJson(*proto);
    ASSERT_THAT(json, IsOk());
    auto bundle = client::ParseBundle(*json);
    ASSERT_THAT(bundle, IsOk());
    auto artifact = client::Artifact::FromDigest(digest_);
    ASSERT_THAT(artifact, IsOk());
    Attachment a;
    a.bundle = *std::move(bundle);
    a.artifact = *std::move(artifact);
    a.description = what;
    source_.attached[digest_].push_back(std::move(a));
  }
  void Sign(const std::string& identity = client::kFakeIdentity) {
    client::FakeBundleOptions o;
    o.identity = identity;
    Attach(o, "signature by " + identity);
  }
  void Attest(const std::string& type, const std::string& predicate,
              const std::string& identity = client::kFakeIdentity) {
    client::FakeBundleOptions o;
    o.dsse = true;
    o.predicate_type = type;
    o.predicate_json = predicate;
    o.identity = identity;
    Attach(o, "attestation " + type);
  }

  Decision Check(const std::string& policy_yaml, const Request& request) {
    PolicySet::LoadOptions lo;
    lo.default_trusted_root = root_;
    auto set = PolicySet::Parse("test.yaml", policy_yaml, lo);
    EXPECT_THAT(set, IsOk());
    if (!set.ok()) return {};
    set_ = *std::move(set);
    EngineOptions eo;
    eo.now = absl::FromUnixSeconds(1700000000) + absl::Hours(24);
    auto engine = Engine::New(set_.get(), &source_, eo);
    EXPECT_THAT(engine, IsOk());
    return (*engine)->Evaluate(request);
  }
  Decision Check(const std::string& policy_yaml, const std::string& image = kImage) {
    return Check(policy_yaml, Request{image, "", {}});
  }

  std::unique_ptr<client::FakeSigstore> fake_;
  std::unique_ptr<PolicySet> set_;
  std::string root_;
  std::string digest_;
  FakeSource source_;
};

std::string PolicyYaml(const std::string& spec_rest, const std::string& name = "p") {
  return absl::StrCat(
      "apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata:\n  name: ", name,
      "\nspec:\n  images: [{glob: \"registry.example.com/app/**\"}]\n", spec_rest);
}

const std::string kCi = absl::StrCat(
    "  authorities:\n    - name: ci\n      keyless:\n        issuer: ", client::kFakeIssuer,
    "\n        subjectRegExp: 'https://github\\.com/acme/.*'\n");

TEST_F(EngineTest, SignedImageIsAllowedUnsignedDenied) {
  Decision d = Check(PolicyYaml(kCi));
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.digest, digest_);
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_THAT(d.reasons[0], HasSubstr("policy p: 0 of 1 authorities passed, 1 required"));
  EXPECT_THAT(d.reasons[0], HasSubstr("no signature is attached to " + digest_));
  Sign();
  d = Check(PolicyYaml(kCi));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  EXPECT_THAT(d.reasons, IsEmpty());
  EXPECT_THAT(d.log_indexes, ElementsAre(1005));  // the fake log numbers entries from 1000
  ASSERT_EQ(d.policies.size(), 1u);
  EXPECT_TRUE(d.policies[0].authorities[0].passed);
  EXPECT_EQ(d.policy_version.size(), 16u);
}

TEST_F(EngineTest, WrongIdentityIsDeniedWithTheIdentityThatSigned) {
  Sign("https://github.com/evil/app/.github/workflows/ci.yml@refs/heads/main");
  Decision d = Check(PolicyYaml(kCi));
  EXPECT_FALSE(d.allowed);
  ASSERT_EQ(d.reasons.size(), 1u);
  EXPECT_THAT(d.reasons[0], HasSubstr("none of 1 signatures verifies"));
  EXPECT_THAT(d.reasons[0], HasSubstr("identity: certificate identity [https://github.com/evil/"));
}

TEST_F(EngineTest, DigestReferencesAreUsedAsTheyAreAndTagsResolvedOnce) {
  Sign();
  Decision d = Check(PolicyYaml(kCi), "registry.example.com/app/web@" + digest_);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.digest, digest_);
  const int before = source_.resolves;
  d = Check(PolicyYaml(kCi));
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(source_.resolves, before + 1);  // the tag, once; the digest reference not at all
  d = Check(PolicyYaml(kCi), "registry.example.com/app/web:unknown");
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.infrastructure_error);
  EXPECT_THAT(d.reasons[0], HasSubstr("MANIFEST_UNKNOWN"));
}

TEST_F(EngineTest, ProvenanceBuilderAndSourceAreChecked) {
  Sign();
  const std::string prov = R"({"buildDefinition":{"buildType":"https://vouch.test/build",
      "externalParameters":{"workflow":{"repository":"https://github.com/acme/app","ref":"refs/heads/main"}},
      "resolvedDependencies":[{"uri":"git+https://github.com/acme/app@refs/heads/main"}]},
      "runDetails":{"builder":{"id":"https://vouch.test/builder"}}})";
  const std::string att = R"(  attestations:
    - name: provenance
      predicateType: slsaprovenance1
      slsa:
        builderId: BUILDER
        sourceRepository: REPO
        sourceRef: refs/heads/main
)";
  auto with = [&](const std::string& builder, const std::string& repo) {
    std::string a = att;
    a.replace(a.find("BUILDER"), 7, builder);
    a.replace(a.find("REPO"), 4, repo);
    return PolicyYaml(kCi + a);
  };
  Decision d = Check(with("https://vouch.test/builder", "https://github.com/acme/app"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("attestation provenance: no attestation of type "
                                      "https://slsa.dev/provenance/v1"));
  Attest("https://slsa.dev/provenance/v1", prov);
  d = Check(with("https://vouch.test/builder", "https://github.com/acme/app"));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  d = Check(with("https://other.test/builder", "https://github.com/acme/app"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("SLSA builder id is \"https://vouch.test/builder\", want "
                                      "\"https://other.test/builder\""));
  d = Check(with("https://vouch.test/builder", "https://github.com/acme/other"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0],
              HasSubstr("SLSA source is [https://github.com/acme/app@refs/heads/main"));
}

TEST_F(EngineTest, AttestationByAnotherIdentityDoesNotCount) {
  Sign();
  Attest("https://slsa.dev/provenance/v1", R"({"runDetails":{"builder":{"id":"b"}}})",
         "https://github.com/evil/app/.github/workflows/ci.yml@refs/heads/main");
  Decision d = Check(PolicyYaml(kCi + "  attestations:\n    - predicateType: slsaprovenance1\n"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("not signed by an authority of the policy"));
}

std::string TrivyPredicate(const std::string& severity, const std::string& finished) {
  return absl::StrCat(
      R"({"scanner":{"uri":"pkg:github/aquasecurity/trivy","version":"0.50.0","result":{"Results":[{"Target":"app","Vulnerabilities":[{"VulnerabilityID":"CVE-1","Severity":")",
      severity, R"("}]}]}},"metadata":{"scanStartedOn":")", finished, R"(","scanFinishedOn":")",
      finished, R"("}})");
}

TEST_F(EngineTest, VulnerabilityScanSeverityAndAge) {
  Sign();
  const std::string policy =
      PolicyYaml(kCi +
                 "  attestations:\n    - predicateType: vuln\n      vuln: {maxSeverity: "
                 "CRITICAL, maxAge: 7d}\n");
  // now = 2023-11-15T22:13:20Z.
  Attest("https://cosign.sigstore.dev/attestation/vuln/v1",
         TrivyPredicate("CRITICAL", "2023-11-14T10:00:00Z"));
  Decision d = Check(policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("vulnerability scan found 1 CRITICAL"));
  source_.attached[digest_].pop_back();
  Attest("https://cosign.sigstore.dev/attestation/vuln/v1",
         TrivyPredicate("HIGH", "2023-10-01T10:00:00Z"));
  d = Check(policy);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("older than"));
  source_.attached[digest_].pop_back();
  Attest("https://cosign.sigstore.dev/attestation/vuln/v1",
         TrivyPredicate("HIGH", "2023-11-14T10:00:00Z"));
  d = Check(policy);
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
}

TEST(VulnSeverities, ReadsTrivyGrypeAndSarif) {
  auto trivy = nlohmann::json::parse(TrivyPredicate("HIGH", "x"));
  auto t = VulnSeverities(trivy);
  ASSERT_THAT(t, IsOk());
  EXPECT_THAT(*t, ElementsAre("HIGH"));
  auto grype = nlohmann::json::parse(
      R"({"scanner":{"result":{"matches":[{"vulnerability":{"id":"CVE-2","severity":"Critical"}},{"vulnerability":{"severity":"Low"}}]}}})");
  auto g = VulnSeverities(grype);
  ASSERT_THAT(g, IsOk());
  EXPECT_THAT(*g, ElementsAre("CRITICAL", "LOW"));
  auto sarif = nlohmann::json::parse(
      R"({"scanner":{"result":{"runs":[{"tool":{"driver":{"rules":[{"id":"CVE-3","properties":{"security-severity":"9.8"}}]}},"results":[{"ruleId":"CVE-3"},{"ruleId":"x","level":"note"}]}]}}})");
  auto sa = VulnSeverities(sarif);
  ASSERT_THAT(sa, IsOk());
  EXPECT_THAT(*sa, ElementsAre("CRITICAL", "LOW"));
  EXPECT_THAT(VulnSeverities(nlohmann::json::parse(R"({"scanner":{"result":{"foo":1}}})")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(EngineTest, ThresholdCountsAuthorities) {
  Sign();
  const std::string two =
      kCi +
      absl::StrCat("    - name: release\n      keyless:\n        issuer: ", client::kFakeIssuer,
                   "\n        subject: https://release.example/signer\n");
  Decision d = Check(PolicyYaml(two));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("1 of 2 authorities passed, 2 required"));
  d = Check(PolicyYaml(two + "  count: 1\n"));
  EXPECT_TRUE(d.allowed);
}

TEST_F(EngineTest, WarnModeAllowsWithWarnings) {
  Decision d = Check(PolicyYaml(kCi + "  mode: warn\n"));
  EXPECT_TRUE(d.allowed);
  EXPECT_THAT(d.reasons, IsEmpty());
  ASSERT_EQ(d.warnings.size(), 1u);
  EXPECT_THAT(d.warnings[0], HasSubstr("no signature is attached"));
}

TEST_F(EngineTest, NamespaceSelectionAndDefaultAction) {
  const std::string policy =
      PolicyYaml(kCi + "  namespaces:\n    selector:\n      matchLabels: {env: prod}\n") +
      "---\napiVersion: policy.vouch.dev/v1\nkind: PolicySettings\nspec:\n  defaultAction: allow\n";
  // Unsigned: denied in a prod namespace, allowed (default) elsewhere.
  EXPECT_FALSE(Check(policy, Request{kImage, "shop", {{"env", "prod"}}}).allowed);
  Decision d = Check(policy, Request{kImage, "dev", {{"env", "dev"}}});
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(d.policies.empty());
  // Default deny.
  d = Check(PolicyYaml(kCi), "other.example.com/x:1");
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("no policy matches other.example.com/x:1"));
}

TEST_F(EngineTest, UnknownNamespaceLabelsApplyLabelSelectedPoliciesFailingSafe) {
  const std::string selected =
      PolicyYaml(kCi + "  namespaces:\n    selector:\n      matchLabels: {env: prod}\n");
  const std::string allow =
      "---\napiVersion: policy.vouch.dev/v1\nkind: PolicySettings\nspec:\n  defaultAction: allow\n";
  const std::string deny =
      "---\napiVersion: policy.vouch.dev/v1\nkind: PolicySettings\nspec:\n  defaultAction: deny\n";
  Request unknown{kImage, "staging", {}, /*ns_labels_known=*/false};
  // Unsigned, default allow: with known (no) labels the policy does not apply and the image is
  // allowed; with unknown labels the policy applies and denies it.
  EXPECT_TRUE(Check(selected + allow, Request{kImage, "staging", {}}).allowed);
  Decision d = Check(selected + allow, unknown);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.assumed_label_policies, ElementsAre("p"));
  EXPECT_THAT(d.reasons[0], HasSubstr("policy p: 0 of 1 authorities passed"));
  // matchExpressions (NotIn: "every namespace but the exempt ones") are assumed to match too.
  const std::string not_in =
      PolicyYaml(kCi +
                 "  namespaces:\n    selector:\n      matchExpressions:\n"
                 "        - {key: exempt, operator: NotIn, values: ['true']}\n");
  EXPECT_FALSE(Check(not_in + allow, unknown).allowed);
  // Names still select: a policy for other namespaces by name is not applied.
  const std::string named = PolicyYaml(
      kCi + "  namespaces:\n    names: [prod]\n    selector:\n      matchLabels: {env: prod}\n");
  d = Check(named + allow, unknown);
  EXPECT_TRUE(d.allowed);
  EXPECT_THAT(d.assumed_label_policies, IsEmpty());
  // Signed, default deny: the policy would pass, but with the namespace's real labels it might
  // not apply and the default (deny) would: denied, saying why, without a registry request.
  Sign();
  const int resolves = source_.resolves;
  d = Check(selected + deny, unknown);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("the labels of namespace staging are unknown"));
  EXPECT_THAT(d.reasons[0], HasSubstr("default action is deny"));
  EXPECT_EQ(source_.resolves, resolves);
  // ... and allowed when a policy that selects the namespace for certain passes too.
  d = Check(selected + "---\n" + PolicyYaml(kCi, "all") + deny, unknown);
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  EXPECT_EQ(d.policies.size(), 2u);
  // Known labels: as before.
  EXPECT_TRUE(Check(selected + deny, Request{kImage, "prod", {{"env", "prod"}}}).allowed);
  // The CLI (no namespace) is unaffected.
  EXPECT_TRUE(Check(selected + deny, Request{kImage, "", {}, false}).allowed);
}

TEST_F(EngineTest, RegistryErrorsFailClosedUnlessThePolicySaysOpen) {
  Sign();
  source_.down = absl::UnavailableError("registry.example.com: connection refused");
  Decision d = Check(PolicyYaml(kCi));
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.infrastructure_error);
  EXPECT_THAT(d.reasons[0], HasSubstr("connection refused"));
  d = Check(PolicyYaml(kCi + "  failurePolicy: open\n"));
  EXPECT_TRUE(d.allowed);
  EXPECT_THAT(d.warnings[0], HasSubstr("allowed: failurePolicy open"));
}

TEST_F(EngineTest, TrustedRegistriesDenyImagesFromElsewhere) {
  const std::string settings =
      "---\napiVersion: policy.vouch.dev/v1\nkind: PolicySettings\nspec:\n  defaultAction: allow\n"
      "  trustedRegistries: [\"registry.example.com/**\"]\n";
  Decision d = Check(PolicyYaml(kCi) + settings, "evil.example.com/app/web:1.0");
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("not from a trusted registry"));
}

TEST_F(EngineTest, AllMatchingPoliciesMustPass) {
  Sign();
  const std::string second = PolicyYaml(
      "  authorities:\n    - name: nope\n      static: {action: fail, message: frozen}\n",
      "freeze");
  Decision d = Check(PolicyYaml(kCi) + "---\n" + second);
  EXPECT_FALSE(d.allowed);
  ASSERT_EQ(d.policies.size(), 2u);
  EXPECT_TRUE(d.policies[0].passed);
  EXPECT_FALSE(d.policies[1].passed);
  EXPECT_THAT(d.reasons[0], HasSubstr("policy freeze: 0 of 1 authorities passed"));
  EXPECT_THAT(d.reasons[0], HasSubstr("frozen"));
}

TEST_F(EngineTest, KeyAuthorities) {
  client::FakeBundleOptions o;
  o.with_key = true;
  Attach(o, "key signature");
  const std::string pem = signer::PublicKeyDerToPem(fake_->artifact_key().PublicKeyDer());
  std::ofstream(::testing::TempDir() + "/release.pub") << pem;
  Decision d = Check(PolicyYaml(absl::StrCat("  authorities:\n    - name: k\n      key:\n",
                                             "        publicKeyFiles: [", ::testing::TempDir(),
                                             "/release.pub]\n")));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  const std::string other = signer::PublicKeyDerToPem(fake_->log_key().PublicKeyDer());
  std::ofstream(::testing::TempDir() + "/other.pub") << other;
  d = Check(
      PolicyYaml(absl::StrCat("  authorities:\n    - name: k\n      key:\n",
                              "        publicKeyFiles: [", ::testing::TempDir(), "/other.pub]\n")));
  EXPECT_FALSE(d.allowed);
}

TEST_F(EngineTest, ExtensionConditions) {
  client::FakeBundleOptions o;
  o.fulcio_extensions = {{12, "https://github.com/acme/app"}, {14, "refs/heads/main"}};
  Attach(o, "signature with extensions");
  const std::string base = kCi + "        extensions:\n";
  EXPECT_TRUE(Check(PolicyYaml(base + "          sourceRepositoryURI: https://github.com/acme/app\n"
                                      "          sourceRepositoryRef: {regexp: 'refs/heads/.*'}\n"))
                  .allowed);
  Decision d = Check(PolicyYaml(base + "          sourceRepositoryRef: refs/tags/v1\n"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("sourceRepositoryRef is \"refs/heads/main\""));
  d = Check(PolicyYaml(base + "          buildSignerURI: x\n"));
  EXPECT_THAT(d.reasons[0], HasSubstr("has no buildSignerURI extension"));
}

TEST_F(EngineTest, CosignSignDsseCountsAsASignature) {
  Attest(kCosignSignPredicate, "{}");
  EXPECT_TRUE(Check(PolicyYaml(kCi)).allowed);
}

TEST_F(EngineTest, TlogAndTimestampThresholds) {
  const std::string auth =
      absl::StrCat("  authorities:\n    - name: ci\n      keyless: {issuer: ", client::kFakeIssuer,
                   ", subject: ", client::kFakeIdentity, "}\n");
  auto with = [&](const std::string& thresholds) {
    return PolicyYaml(auth + "      thresholds: " + thresholds + "\n");
  };
  // A Rekor v1 bundle: a log entry (inclusion proof and SET), no RFC 3161 timestamp.
  Sign(client::kFakeIdentity);
  EXPECT_TRUE(Check(with("{tlog: 1}")).allowed);
  Decision d = Check(with("{tlog: 1, timestamps: 1}"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0],
              HasSubstr("timestamp: 0 verified RFC 3161 timestamps, the policy wants 1"));
  d = Check(with("{tlog: 2}"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("tlog: 1 verified log entries, the policy wants 2"));
  // A Rekor v2 bundle: the signing time from a timestamp by the trusted TSA.
  source_.attached.clear();
  client::FakeBundleOptions v2;
  v2.rekor_v2 = true;
  Attach(v2, "rekor v2 signature");
  d = Check(with("{tlog: 1, timestamps: 1}"));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  d = Check(with("{tlog: 0, timestamps: 2}"));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0],
              HasSubstr("timestamp: 1 verified RFC 3161 timestamps, the policy wants 2"));
}

TEST_F(EngineTest, SctThresholdWhenTheTrustedRootListsCtLogs) {
  // The same trusted root plus a CT log: a certificate without an SCT then fails unless the
  // authority says sct: false.
  json root = json::parse(fake_->TrustedRootJson());
  root["ctlogs"] = root["tlogs"];
  const std::string ct_root = ::testing::TempDir() + "/engine_ct_root.json";
  std::ofstream(ct_root) << root.dump();
  Sign();
  auto with = [&](const std::string& extra) {
    return PolicyYaml(absl::StrCat(
        "  authorities:\n    - name: ci\n      keyless: {issuer: ", client::kFakeIssuer,
        ", subject: ", client::kFakeIdentity, ", trustedRoot: ", ct_root, "}\n", extra));
  };
  Decision d = Check(with(""));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("SCT"));
  d = Check(with("      thresholds: {sct: false}\n"));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
}

TEST_F(EngineTest, AuthoritiesWithDifferentTrustedRoots) {
  // A private instance and another (say the public-good one), each authority trusting its own.
  auto other = client::FakeSigstore::New();
  ASSERT_THAT(other, IsOk());
  const std::string other_root = ::testing::TempDir() + "/engine_other_root.json";
  std::ofstream(other_root) << (*other)->TrustedRootJson();
  const std::string two = PolicyYaml(absl::StrCat(
      "  authorities:\n    - name: private\n      keyless: {issuer: ", client::kFakeIssuer,
      ", subject: ", client::kFakeIdentity, ", trustedRoot: ", root_,
      "}\n    - name: public\n      keyless: {issuer: ", client::kFakeIssuer,
      ", subject: ", client::kFakeIdentity, ", trustedRoot: ", other_root, "}\n"));
  // Signed by the private instance only: the public authority does not accept it (its root
  // does not chain the certificate), so 1 of 2.
  Sign();
  Decision d = Check(two);
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("1 of 2 authorities passed, 2 required"));
  ASSERT_EQ(d.policies[0].authorities.size(), 2u);
  EXPECT_TRUE(d.policies[0].authorities[0].passed);
  EXPECT_FALSE(d.policies[0].authorities[1].passed);
  EXPECT_THAT(d.policies[0].authorities[1].reason, HasSubstr("none of 1 signatures verifies"));
  EXPECT_TRUE(Check(two + "  count: 1\n").allowed);
  // Signed by the other instance too: both pass, each with its own bundle.
  client::FakeBundleOptions o;
  o.log_index = 7;
  Attach(o, "signature by the other instance", other->get());
  d = Check(two);
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  EXPECT_THAT(d.log_indexes, ElementsAre(1005, 1007));
}

TEST_F(EngineTest, SeveralPemKeysAnyOfWhichMaySign) {
  client::FakeBundleOptions o;
  o.with_key = true;
  Attach(o, "key signature");
  const std::string signer_pem = signer::PublicKeyDerToPem(fake_->artifact_key().PublicKeyDer());
  const std::string other_pem = signer::PublicKeyDerToPem(fake_->log_key().PublicKeyDer());
  const std::string dir = ::testing::TempDir();
  std::ofstream(dir + "/several-signer.pub") << signer_pem;
  std::ofstream(dir + "/several-other.pub") << other_pem;
  // Files: the signer's key second.
  Decision d = Check(PolicyYaml(
      absl::StrCat("  authorities:\n    - name: k\n      key:\n", "        publicKeyFiles: [", dir,
                   "/several-other.pub, ", dir, "/several-signer.pub]\n")));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  // Inline PEMs (YAML block scalars), the signer's key first, then only the other key.
  auto inline_keys = [](const std::vector<std::string>& pems) {
    std::string y = "  authorities:\n    - name: k\n      key:\n        publicKeys:\n";
    for (const std::string& pem : pems) {
      y += "          - |\n";
      for (absl::string_view line : absl::StrSplit(pem, '\n', absl::SkipEmpty())) {
        absl::StrAppend(&y, "            ", line, "\n");
      }
    }
    return y;
  };
  d = Check(PolicyYaml(inline_keys({signer_pem, other_pem})));
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  d = Check(PolicyYaml(inline_keys({other_pem})));
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("0 of 1 authorities passed"));
}

TEST(CheckCondition, Operators) {
  auto st = nlohmann::json::parse(R"({"predicate":{"a":"x","n":7,"list":[{"u":"p"},{"u":"q"}],
      "flag":true}})");
  auto cond = [](const std::string& yaml) {
    auto set = PolicySet::Parse(
        "c.yaml",
        absl::StrCat(
            "apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: c}\n"
            "spec:\n  images: [{glob: '**'}]\n  authorities: [{name: s, static: {action: pass}}]\n"
            "  attestations:\n    - predicateType: x\n      conditions: [",
            yaml, "]\n"),
        {});
    EXPECT_THAT(set, IsOk()) << yaml;
    return (*set)->policies()[0].attestations[0].conditions[0];
  };
  EXPECT_THAT(CheckCondition(cond("{path: predicate.a, equals: x}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: predicate.a, equals: y}"), st),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("predicate.a is \"x\"")));
  EXPECT_THAT(CheckCondition(cond("{path: predicate.a, notEquals: y}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: predicate.n, equals: 7}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: predicate.n, equals: '7'}"), st),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckCondition(cond("{path: predicate.flag, equals: true}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: 'predicate.list[*].u', oneOf: [q, z]}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: 'predicate.list[*].u', oneOf: [q, z], all: true}"), st),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckCondition(cond("{path: 'predicate.list[1].u', matches: '[pq]'}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: predicate.missing, exists: false}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: predicate.missing, exists: true}"), st),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("does not exist")));
  EXPECT_THAT(CheckCondition(cond("{path: predicate.n, greaterThan: 6}"), st), IsOk());
  EXPECT_THAT(CheckCondition(cond("{path: predicate.n, lessOrEqual: 6.5}"), st),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(CheckCondition(cond("{path: predicate.a, greaterThan: 1}"), st),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace vouch::policy
