// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/admission.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "policy/test_source.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr char kSignedManifest[] = R"({"schemaVersion":2,"signed":true})";
constexpr char kUnsignedManifest[] = R"({"schemaVersion":2,"signed":false})";

std::string ReadTestdata(const std::string& name) {
  std::ifstream f("server/testdata/admission/" + name);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class AdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    dir_ = ::testing::TempDir();
    std::ofstream(dir_ + "/adm_root.json") << fake_->TrustedRootJson();
    signed_ = policy::DigestOf(kSignedManifest);
    unsigned_ = policy::DigestOf(kUnsignedManifest);
    source_.tags["registry.example.com/app/web:1.0"] = signed_;
    source_.tags["registry.example.com/app/sidecar:2"] = signed_;
    source_.tags["registry.example.com/app/rogue:1"] = unsigned_;
    auto a = policy::MakeAttachment(*fake_, kSignedManifest, {}, "signature");
    ASSERT_THAT(a, IsOk());
    source_.attached[signed_].push_back(*std::move(a));
  }

  void Start(const std::string& mode = "enforce", AdmissionOptions options = {}) {
    policy::PolicySet::LoadOptions lo;
    lo.default_trusted_root = dir_ + "/adm_root.json";
    auto set = policy::PolicySet::Parse(
        "adm.yaml",
        absl::StrCat("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: prod}\n"
                     "spec:\n  mode: ",
                     mode,
                     "\n  images: [{glob: 'registry.example.com/**'}]\n"
                     "  namespaces: {selector: {matchLabels: {env: prod}}}\n  authorities:\n"
                     "    - name: ci\n      keyless: {issuer: '",
                     client::kFakeIssuer, "', subject: '", client::kFakeIdentity,
                     "'}\n---\napiVersion: policy.vouch.dev/v1\nkind: PolicySettings\n"
                     "spec: {defaultAction: allow}\n"),
        lo);
    ASSERT_THAT(set, IsOk());
    set_ = *std::move(set);
    policy::EngineOptions eo;
    eo.now = absl::FromUnixSeconds(1700000000) + absl::Hours(1);
    auto engine = policy::Engine::New(set_.get(), &source_, eo);
    ASSERT_THAT(engine, IsOk());
    engine_ = *std::move(engine);
    cache_ = std::make_unique<policy::CachingEngine>(engine_.get(), &source_);
    options.namespace_labels = dir_ + "/ns_labels.yaml";
    std::ofstream(options.namespace_labels) << "prod: {env: prod}\ndev: {env: dev}\n";
    if (options.audit_log.empty()) {
      options.audit_log = dir_ + "/audit.jsonl";
      std::remove(options.audit_log.c_str());
    }
    audit_ = options.audit_log;
    auto w = AdmissionWebhook::New(cache_.get(), &metrics_, options);
    ASSERT_THAT(w, IsOk());
    webhook_ = *std::move(w);
  }

  static std::string Review(const std::string& file, const std::string& main,
                            const std::string& sidecar = "registry.example.com/app/sidecar:2",
                            const std::string& init = "registry.example.com/app/sidecar:2") {
    return absl::StrReplaceAll(
        ReadTestdata(file),
        {{"IMAGE_MAIN", main}, {"IMAGE_SIDECAR", sidecar}, {"IMAGE_INIT", init}});
  }

  std::vector<json> AuditLines() {
    std::ifstream f(audit_);
    std::vector<json> out;
    std::string line;
    while (std::getline(f, line)) out.push_back(json::parse(line));
    return out;
  }

  std::unique_ptr<client::FakeSigstore> fake_;
  std::string dir_, signed_, unsigned_, audit_;
  policy::FakeSource source_;
  std::unique_ptr<policy::PolicySet> set_;
  std::unique_ptr<policy::Engine> engine_;
  std::unique_ptr<policy::CachingEngine> cache_;
  Metrics metrics_;
  std::unique_ptr<AdmissionWebhook> webhook_;
};

TEST_F(AdmissionTest, AllowsASignedPodAndAnswersWithItsUid) {
  Start();
  auto out = webhook_->Validate(Review("pod.json", "registry.example.com/app/web:1.0"));
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ((*out)["apiVersion"], "admission.k8s.io/v1");
  EXPECT_EQ((*out)["kind"], "AdmissionReview");
  EXPECT_EQ((*out)["response"]["uid"], "b1f2c3d4-0000-4000-8000-000000000001");
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>()) << out->dump();
  // One audit line per distinct image (web and sidecar; init is the sidecar image).
  std::vector<json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0]["namespace"], "prod");
  EXPECT_EQ(audit[0]["kind"], "Pod");
  EXPECT_EQ(audit[0]["name"], "web");
  EXPECT_EQ(audit[0]["decision"], "allow");
  EXPECT_EQ(audit[0]["digest"], signed_);
  EXPECT_THAT(audit[0]["logIndexes"], ElementsAre(1005));
  EXPECT_EQ(audit[0]["policies"][0]["name"], "prod");
}

TEST_F(AdmissionTest, DeniesAnUnsignedImageWithTheReasonKubectlPrints) {
  Start();
  auto out = webhook_->Validate(Review("pod.json", "registry.example.com/app/rogue:1"));
  ASSERT_THAT(out, IsOk());
  const json& r = (*out)["response"];
  EXPECT_FALSE(r["allowed"].get<bool>());
  EXPECT_EQ(r["status"]["code"], 403);
  const std::string msg = r["status"]["message"];
  EXPECT_THAT(msg, HasSubstr("image registry.example.com/app/rogue:1 denied: policy prod"));
  EXPECT_THAT(msg, HasSubstr("no signature is attached to " + unsigned_));
  std::vector<json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0]["image"], "registry.example.com/app/rogue:1");
  EXPECT_EQ(audit[0]["decision"], "deny");
  EXPECT_THAT(audit[0]["reasons"][0].get<std::string>(), HasSubstr("no signature is attached"));
  EXPECT_EQ(audit[1]["decision"], "allow");
}

TEST_F(AdmissionTest, PodTemplatesOfEveryWorkloadKindAreChecked) {
  Start();
  auto out = webhook_->Validate(Review("deployment.json", "registry.example.com/app/rogue:1"));
  ASSERT_THAT(out, IsOk());
  EXPECT_FALSE((*out)["response"]["allowed"].get<bool>());
  out = webhook_->Validate(Review("cronjob.json", "registry.example.com/app/web:1.0",
                                  "registry.example.com/app/rogue:1"));
  ASSERT_THAT(out, IsOk());
  EXPECT_FALSE((*out)["response"]["allowed"].get<bool>()) << "the ephemeral container is checked";
  for (const std::string kind : {"ReplicaSet", "StatefulSet", "DaemonSet", "Job"}) {
    json obj = {{"spec", {{"template", {{"spec", {{"containers", {{{"image", "x"}}}}}}}}}}};
    auto images = ImagesOf(kind, obj);
    ASSERT_THAT(images, IsOk());
    ASSERT_EQ(images->size(), 1u) << kind;
    EXPECT_EQ((*images)[0].pointer, "/spec/template/spec/containers/0/image");
  }
}

TEST_F(AdmissionTest, LocalLayoutsAreDeniedWithoutReadingThem) {
  // No policy matches an oci: name and the default action is allow: without the check the
  // webhook would allow it (and, with a policy that matched, read that directory).
  const std::string layout = dir_ + "/layout";
  source_.tags["oci:" + layout + ":1"] = signed_;
  Start();
  auto out = webhook_->Validate(Review("pod.json", "oci:" + layout + ":1"));
  ASSERT_THAT(out, IsOk());
  EXPECT_FALSE((*out)["response"]["allowed"].get<bool>());
  EXPECT_THAT((*out)["response"]["status"]["message"].get<std::string>(),
              HasSubstr("image oci:" + layout +
                        ":1 denied: \"oci:\" names a local OCI layout, not an image a node can "
                        "pull"));
  EXPECT_EQ(source_.resolves, 1);  // the other image (init and sidecar) only
  std::vector<json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0]["decision"], "deny");
  EXPECT_EQ(audit[0]["image"], "oci:" + layout + ":1");
}

TEST_F(AdmissionTest, WarnModeAllowsWithWarnings) {
  Start("warn");
  auto out = webhook_->Validate(Review("pod.json", "registry.example.com/app/rogue:1"));
  ASSERT_THAT(out, IsOk());
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>());
  ASSERT_EQ((*out)["response"]["warnings"].size(), 1u);
  EXPECT_THAT((*out)["response"]["warnings"][0].get<std::string>(),
              HasSubstr("registry.example.com/app/rogue:1"));
  EXPECT_EQ(AuditLines()[0]["decision"], "warn");
}

TEST_F(AdmissionTest, NamespaceLabelsSelectPolicies) {
  Start();
  std::string review = Review("pod.json", "registry.example.com/app/rogue:1");
  review = absl::StrReplaceAll(review, {{"\"namespace\": \"prod\"", "\"namespace\": \"dev\""}});
  auto out = webhook_->Validate(review);
  ASSERT_THAT(out, IsOk());
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>()) << "dev is not env=prod: default allow";
}

TEST_F(AdmissionTest, NamespaceMissingFromTheLabelsFileFailsSafeWithAWarning) {
  Start();
  const std::string labels_file = dir_ + "/ns_labels.yaml";
  std::string review = Review("pod.json", "registry.example.com/app/rogue:1");
  review = absl::StrReplaceAll(review, {{"\"namespace\": \"prod\"", "\"namespace\": \"staging\""}});
  // staging is not in the file: the env=prod policy is applied (before: silently skipped, and
  // the default action allowed the unsigned image).
  auto out = webhook_->Validate(review);
  ASSERT_THAT(out, IsOk());
  const json& r = (*out)["response"];
  EXPECT_FALSE(r["allowed"].get<bool>()) << out->dump();
  EXPECT_THAT(r["status"]["message"].get<std::string>(), HasSubstr("policy prod"));
  ASSERT_TRUE(r.contains("warnings")) << out->dump();
  EXPECT_THAT(r["warnings"][0].get<std::string>(),
              HasSubstr("namespace staging has no labels in " + labels_file +
                        ": policies selected by namespace labels (prod) were applied"));
  EXPECT_EQ(AuditLines()[0]["assumedLabelPolicies"], json::array({"prod"}));
  // /mutate says so too.
  out = webhook_->Mutate(review);
  ASSERT_THAT(out, IsOk());
  EXPECT_THAT((*out)["response"]["warnings"][0].get<std::string>(),
              HasSubstr("namespace staging has no labels"));
  // The file lists staging now (not env=prod): after a reload the policy does not apply.
  std::ofstream(labels_file) << "prod: {env: prod}\nstaging: {env: staging}\n";
  ASSERT_THAT(webhook_->ReloadNamespaceLabels(), IsOk());
  out = webhook_->Validate(review);
  ASSERT_THAT(out, IsOk());
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>()) << out->dump();
  EXPECT_FALSE((*out)["response"].contains("warnings"));
  // A broken file is refused naming it; the labels in use stay.
  std::ofstream(labels_file) << "prod: {env: prod}\nstaging: [not, a, map]\n";
  EXPECT_THAT(webhook_->ReloadNamespaceLabels(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(labels_file + ":2: staging: want a label map")));
  out = webhook_->Validate(review);
  ASSERT_THAT(out, IsOk());
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>()) << out->dump();
}

TEST_F(AdmissionTest, MutateReplacesTagsWithTheVerifiedDigest) {
  Start();
  auto out = webhook_->Mutate(Review("pod.json", "registry.example.com/app/web:1.0",
                                     "registry.example.com/app/sidecar:2@" + signed_));
  ASSERT_THAT(out, IsOk());
  const json& r = (*out)["response"];
  EXPECT_TRUE(r["allowed"].get<bool>());
  EXPECT_EQ(r["patchType"], "JSONPatch");
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(r["patch"].get<std::string>(), &decoded));
  json patch = json::parse(decoded);
  // init (sidecar:2 by tag) and web by tag are patched; the sidecar given by digest is not.
  ASSERT_EQ(patch.size(), 2u) << patch.dump();
  json want_web = {{"op", "replace"},
                   {"path", "/spec/containers/0/image"},
                   {"value", "registry.example.com/app/web:1.0@" + signed_}};
  EXPECT_TRUE(std::find(patch.begin(), patch.end(), want_web) != patch.end()) << patch.dump();
  // The patch applies to the object: every path exists.
  json object = json::parse(Review("pod.json", "a", "b", "c"))["request"]["object"];
  EXPECT_NO_THROW(object.patch(patch));
}

TEST_F(AdmissionTest, SecondReviewIsServedFromTheCache) {
  Start();
  ASSERT_THAT(webhook_->Validate(Review("pod.json", "registry.example.com/app/web:1.0")), IsOk());
  const int fetches = source_.Fetches();
  ASSERT_THAT(webhook_->Validate(Review("pod.json", "registry.example.com/app/web:1.0")), IsOk());
  EXPECT_EQ(source_.Fetches(), fetches);
  EXPECT_TRUE(AuditLines().back()["cached"].get<bool>());
  EXPECT_THAT(metrics_.Render(), HasSubstr("vouch_admission_decisions_total{decision=\"allow\","
                                           "cached=\"true\",webhook=\"validate\"} 2"));
}

TEST_F(AdmissionTest, FailsClosedWhenTheRegistryIsDown) {
  Start();
  source_.down = absl::UnavailableError("registry.example.com: connection refused");
  auto out = webhook_->Validate(Review("deployment.json", "registry.example.com/app/web:1.0"));
  ASSERT_THAT(out, IsOk());
  EXPECT_FALSE((*out)["response"]["allowed"].get<bool>());
  EXPECT_THAT((*out)["response"]["status"]["message"].get<std::string>(),
              HasSubstr("connection refused"));
}

TEST_F(AdmissionTest, FiftyContainersAndDocsExamplesAreAnswered) {
  Start();
  json review = json::parse(Review("pod.json", "registry.example.com/app/web:1.0"));
  json& containers = review["request"]["object"]["spec"]["containers"];
  for (int i = 0; i < 48; ++i) {
    containers.push_back({{"name", absl::StrCat("c", i)},
                          {"image", i % 2 ? "registry.example.com/app/web:1.0"
                                          : "registry.example.com/app/sidecar:2"}});
  }
  auto out = webhook_->Validate(review.dump());
  ASSERT_THAT(out, IsOk());
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>());
  // The Kubernetes documentation's example (a Scale subresource: no images) is allowed.
  out = webhook_->Validate(ReadTestdata("scale_from_k8s_docs.json"));
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ((*out)["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
  EXPECT_TRUE((*out)["response"]["allowed"].get<bool>());
}

TEST_F(AdmissionTest, FiftyContainersWithTheDeniedImageLastAreDenied) {
  Start();
  json review = json::parse(Review("pod.json", "registry.example.com/app/web:1.0"));
  json& containers = review["request"]["object"]["spec"]["containers"];
  for (int i = 2; i < 50; ++i) {
    containers.push_back({{"name", absl::StrCat("c", i)},
                          {"image", i == 49 ? "registry.example.com/app/rogue:1"
                                    : i % 2 ? "registry.example.com/app/web:1.0"
                                            : "registry.example.com/app/sidecar:2"}});
  }
  ASSERT_EQ(containers.size(), 50u);
  auto out = webhook_->Validate(review.dump());
  ASSERT_THAT(out, IsOk());
  const json& r = (*out)["response"];
  EXPECT_FALSE(r["allowed"].get<bool>());
  const std::string msg = r["status"]["message"];
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_THAT(msg, HasSubstr("image registry.example.com/app/rogue:1 denied: policy prod"));
  // One decision (and audit line) per distinct image, not per container.
  std::vector<json> audit = AuditLines();
  ASSERT_EQ(audit.size(), 3u);
  int denied = 0;
  for (const json& a : audit) denied += a["decision"] == "deny";
  EXPECT_EQ(denied, 1);
  // /mutate pins the 49 allowed containers and the init container, not the denied one.
  out = webhook_->Mutate(review.dump());
  ASSERT_THAT(out, IsOk());
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape((*out)["response"]["patch"].get<std::string>(), &decoded));
  json patch = json::parse(decoded);
  EXPECT_EQ(patch.size(), 50u);
  for (const json& op : patch) EXPECT_NE(op["path"], "/spec/containers/49/image");
  EXPECT_EQ(review["request"]["object"].patch(patch)["spec"]["containers"][48]["image"],
            "registry.example.com/app/sidecar:2@" + signed_);
}

TEST_F(AdmissionTest, MalformedReviewsAre400NamingTheField) {
  AdmissionOptions o;
  o.max_images = 10;
  Start("enforce", o);
  const std::string pod = Review("pod.json", "registry.example.com/app/web:1.0");
  struct Case {
    std::string body;
    const char* field;
  };
  json no_uid = json::parse(pod);
  no_uid["request"].erase("uid");
  json bad_list = json::parse(pod);
  bad_list["request"]["object"]["spec"]["containers"] = "web";
  json bad_image = json::parse(pod);
  bad_image["request"]["object"]["spec"]["containers"][0]["image"] = 42;
  json many = json::parse(pod);
  for (int i = 0; i < 20; ++i) {
    many["request"]["object"]["spec"]["containers"].push_back({{"image", absl::StrCat("x", i)}});
  }
  json v1beta1 = json::parse(pod);
  v1beta1["apiVersion"] = "admission.k8s.io/v1beta1";
  const std::vector<Case> cases = {
      {"not json", "body: not JSON"},
      {"[1,2]", "body: not a JSON object"},
      {v1beta1.dump(), "apiVersion: \"admission.k8s.io/v1beta1\", want admission.k8s.io/v1"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"Pod"})", "kind: want AdmissionReview"},
      {R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"})", "request: missing"},
      {no_uid.dump(), "request.uid: missing"},
      {bad_list.dump(), "request.object/spec/containers: not a list"},
      {bad_image.dump(), "request.object/spec/containers/0/image: not a non-empty string"},
      {many.dump(), "more than 10"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(webhook_->Validate(c.body),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.body.substr(0, 80);
  }
}

TEST_F(AdmissionTest, ServedOverHttpsThroughTheRouter) {
  Start();
  ASSERT_EQ(std::system(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt "
                                     "ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 "
                                     "-addext subjectAltName=IP:127.0.0.1 -keyout ",
                                     dir_, "/wk.pem -out ", dir_, "/wc.pem 2>/dev/null")
                            .c_str()),
            0);
  http::Router router;
  webhook_->Register(router);
  http::ServerOptions so;
  so.tls_cert_file = dir_ + "/wc.pem";
  so.tls_key_file = dir_ + "/wk.pem";
  auto server = http::Server::New("127.0.0.1", 0, &router, so);
  ASSERT_THAT(server, IsOk());
  (*server)->Start();
  const std::string body_file = dir_ + "/review.json";
  std::ofstream(body_file) << Review("pod.json", "registry.example.com/app/rogue:1");
  const std::string out_file = dir_ + "/answer.json";
  const std::string cmd = absl::StrCat(
      "curl -sS --cacert ", dir_, "/wc.pem -H 'Content-Type: application/json' --data-binary @",
      body_file, " https://127.0.0.1:", (*server)->port(), "/validate -o ", out_file,
      " -w '%{http_code}' > ", dir_, "/code.txt");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream code(dir_ + "/code.txt");
  std::string c;
  code >> c;
  EXPECT_EQ(c, "200");
  std::ifstream answer(out_file);
  json j = json::parse(answer);
  ASSERT_TRUE(j.contains("response")) << j.dump();
  EXPECT_FALSE(j["response"]["allowed"].get<bool>()) << j.dump();
  (*server)->Stop();
}

}  // namespace
}  // namespace vouch::server
