// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/sign_command.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "client/bundle.h"
#include "client/cli/attest_command.h"
#include "client/cli/provenance_command.h"
#include "client/fake_sigstore.h"
#include "client/sign/fake_services.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "oci/attach.h"
#include "oci/layout.h"
#include "oci/manifest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::cli {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string Tmp(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string Write(const std::string& name, const std::string& content) {
  const std::string path = Tmp(name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

std::string Read(const std::string& path) { return ReadFile(path).value_or(""); }

class SignCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("SIGSTORE_ID_TOKEN");
    unsetenv("VOUCH_SERVER");
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto root = client::TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<client::TrustRoot>(*std::move(root));
    services_ = std::make_unique<client::FakeServices>(fake_.get());
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_pem_ = Write("key.pem", (*key)->PrivateKeyPem());
    auto verifier = signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
    ASSERT_THAT(verifier, IsOk());
    key_verifier_ = std::shared_ptr<const signer::Verifier>(std::move(*verifier));
  }

  // Runs |command| and captures its stderr.
  int Run(int (*command)(const std::vector<std::string>&, client::Transport*),
          const std::vector<std::string>& args) {
    ::testing::internal::CaptureStderr();
    const int rc = command(args, services_.get());
    stderr_ = ::testing::internal::GetCapturedStderr();
    return rc;
  }

  absl::StatusOr<client::VerificationResult> VerifyWithKey(const std::string& bundle_path,
                                                           const std::string& artifact,
                                                           bool attestation = false) {
    auto bundle = client::ParseBundle(Read(bundle_path));
    if (!bundle.ok()) return bundle.status();
    client::VerifyOptions o;
    o.key = key_verifier_;
    o.require_attestation = attestation;
    return client::Verify(*bundle, client::Artifact::FromBytes(artifact), *root_, o);
  }

  std::unique_ptr<client::FakeSigstore> fake_;
  std::unique_ptr<client::TrustRoot> root_;
  std::unique_ptr<client::FakeServices> services_;
  std::string key_pem_;
  std::shared_ptr<const signer::Verifier> key_verifier_;
  std::string stderr_;
};

TEST_F(SignCommandTest, SignBlobWithKeyWritesOneBundlePerFile) {
  const std::string a = Write("a.txt", "aaa"), b = Write("b.txt", "bbb");
  ASSERT_EQ(Run(RunSignBlob, {"--rekor-url", "https://log.test", "--key", key_pem_, a, b}), 0)
      << stderr_;
  EXPECT_THAT(stderr_, HasSubstr("signed " + a + " -> " + a + ".sigstore.json (log index 0)"));
  EXPECT_THAT(stderr_, HasSubstr("signed " + b));
  EXPECT_THAT(VerifyWithKey(a + ".sigstore.json", "aaa"), IsOk());
  EXPECT_THAT(VerifyWithKey(b + ".sigstore.json", "bbb"), IsOk());
  EXPECT_THAT(VerifyWithKey(a + ".sigstore.json", "bbb"), ::testing::Not(IsOk()));
  // --bundle for one file.
  const std::string out = Tmp("custom.json");
  ASSERT_EQ(Run(RunSignBlob, {"--server", "https://vouch.test", "--no-timestamp", "--key", key_pem_,
                              "--bundle", out, a}),
            0)
      << stderr_;
  EXPECT_THAT(VerifyWithKey(out, "aaa"), IsOk());
}

TEST_F(SignCommandTest, UsageErrorsExitTwo) {
  const std::string a = Write("u.txt", "u");
  const std::vector<std::vector<std::string>> cases = {
      {"--key", key_pem_, a},                                      // no services
      {"--server", "https://v", a},                                // no identity
      {"--server", "https://v", "--key", key_pem_},                // no file
      {"--server", "https://v", "--key", key_pem_, "--bogus", a},  // unknown flag
      {"--server", "https://v", "--key", key_pem_, "--identity-token", "t", a},
      {"--server", "https://v", "--key", key_pem_, "--bundle", "x", a, a},
      {"--server", "https://v", "--oidc-email", "e@x", "--identity-token", "t", a},
  };
  for (const auto& args : cases) {
    EXPECT_EQ(Run(RunSignBlob, args), kExitUsage) << args.size() << " " << stderr_;
  }
  EXPECT_EQ(services_->requests.size(), 0u);
}

TEST_F(SignCommandTest, FailuresExitOneNamingTheStep) {
  const std::string a = Write("f.txt", "f");
  services_->handlers.push_back({"/api/v2/signingCert", [](const client::HttpRequest&) {
                                   return client::Answer(401, {{"message", "token expired"}});
                                 }});
  const std::string token = client::FakeToken({{"iss", "https://i"}, {"sub", "s"}});
  EXPECT_EQ(Run(RunSignBlob, {"--server", "https://v", "--identity-token", token, a}), kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("signing certificate: 401 token expired"));
  EXPECT_EQ(Run(RunSignBlob, {"--server", "https://v", "--identity-token", token, Tmp("missing")}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("missing"));
  EXPECT_EQ(Run(RunSignBlob, {"--server", "https://v", "--key", Write("bad.pem", "x"), a}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("key"));
}

TEST_F(SignCommandTest, IdentityTokenSources) {
  const std::string token = client::FakeToken({{"iss", "https://i"}, {"sub", "s"}});
  std::vector<std::string> seen;
  services_->handlers.push_back(
      {"/api/v2/signingCert", [&](const client::HttpRequest& r) {
         seen.push_back(json::parse(r.body)["credentials"]["oidcIdentityToken"].get<std::string>());
         return client::Answer(401, {{"message", "no"}});
       }});
  services_->handlers.push_back(
      {"/token?format=raw&email=a%40b.c", [&](const client::HttpRequest& r) {
         return client::HttpResponse{200, "text/plain", token + "\n"};
       }});
  const std::string a = Write("t.txt", "t");
  Run(RunSignBlob, {"--server", "https://v", "--identity-token", token, a});
  Run(RunSignBlob,
      {"--server", "https://v", "--identity-token-file", Write("tok", token + "\n"), a});
  Run(RunSignBlob,
      {"--server", "https://v", "--oidc-url", "http://oidc.test/", "--oidc-email", "a@b.c", a});
  setenv("SIGSTORE_ID_TOKEN", token.c_str(), 1);
  Run(RunSignBlob, {"--server", "https://v", a});
  unsetenv("SIGSTORE_ID_TOKEN");
  EXPECT_EQ(seen, std::vector<std::string>(4, token));
}

TEST_F(SignCommandTest, AttestSignsAnInTotoStatement) {
  const std::string subject = Write("s.bin", "subject");
  const std::string pred = Write("pred.json", R"({"ok":true})");
  const std::string out = Tmp("s.att.json");
  const std::string statement_out = Tmp("s.statement.json");
  ASSERT_EQ(Run(RunAttest, {"--rekor-url", "https://log.test", "--key", key_pem_, "--predicate",
                            pred, "--type", "slsaprovenance1", "--bundle", out, "--statement-out",
                            statement_out, subject}),
            0)
      << stderr_;
  auto result = VerifyWithKey(out, "subject", /*attestation=*/true);
  ASSERT_THAT(result, IsOk());
  EXPECT_EQ(result->predicate_type, "https://slsa.dev/provenance/v1");
  json st = json::parse(Read(statement_out));
  EXPECT_EQ(st["predicate"], json({{"ok", true}}));
  EXPECT_EQ(Run(RunAttest, {"--rekor-url", "https://l", "--key", key_pem_, "--type", "t", subject}),
            kExitUsage);  // no --predicate
  EXPECT_EQ(Run(RunAttest, {"--rekor-url", "https://l", "--key", key_pem_, "--predicate",
                            Write("bad.json", "[1]"), "--type", "t", subject}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("not a JSON object"));
}

TEST_F(SignCommandTest, ProvenanceRunsTheBuildAndAttestsItsOutputs) {
  const std::string outdir = Tmp("outdir");
  const std::string bundle = Tmp("prov.json");
  const std::string statement_out = Tmp("prov.statement.json");
  ASSERT_EQ(
      Run(RunProvenance, {"--rekor-url", "https://log.test", "--key", key_pem_, "--bundle", bundle,
                          "--statement-out", statement_out, "--output-dir", outdir, "--builder-id",
                          "https://ci.test", "--dependency", "pkg:x@sha256:" + std::string(64, '0'),
                          "--", "sh", "-c", "mkdir -p \"$0\" && echo hi > \"$0/out.txt\"", outdir}),
      0)
      << stderr_;
  EXPECT_THAT(VerifyWithKey(bundle, "hi\n", true), IsOk());
  json st = json::parse(Read(statement_out));
  EXPECT_EQ(st["subject"][0]["name"], outdir + "/out.txt");
  const json& p = st["predicate"];
  EXPECT_EQ(p["buildDefinition"]["externalParameters"]["command"][0], "sh");
  EXPECT_EQ(p["buildDefinition"]["resolvedDependencies"][0]["uri"], "pkg:x");
  EXPECT_EQ(p["runDetails"]["builder"]["id"], "https://ci.test");
  EXPECT_TRUE(p["runDetails"]["metadata"].contains("startedOn"));

  // Trailing --subject after the command belongs to vouch.
  const std::string out2 = Tmp("out2.txt");
  ASSERT_EQ(Run(RunProvenance, {"--rekor-url", "https://log.test", "--key", key_pem_, "--bundle",
                                bundle, "--statement-out", statement_out, "--", "sh", "-c",
                                "echo ho > \"$0\"", out2, "--subject", out2}),
            0)
      << stderr_;
  st = json::parse(Read(statement_out));
  EXPECT_EQ(st["subject"][0]["name"], out2);
  EXPECT_EQ(st["predicate"]["buildDefinition"]["externalParameters"]["command"].size(), 4u);

  // A failed build attests nothing.
  const std::string failed = Tmp("failed.json");
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--bundle", failed,
                                "--subject", out2, "--", "sh", "-c", "exit 7"}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("exited with status 7"));
  EXPECT_TRUE(Read(failed).empty());
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--", "true"}),
            kExitUsage);  // no subjects
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--description", "x",
                                "--", "true"}),
            kExitUsage);
}

TEST_F(SignCommandTest, ProvenanceFromDescription) {
  const std::string desc =
      Write("desc.json", R"({"buildType": "https://bt.test",
      "externalParameters": {"workflow": {"repository": "https://github.com/a/b"}},
      "subject": [{"name": "x.bin", "digest": {"sha256": ")" +
                             absl::BytesToHexString(signer::Sha256("x")) + R"("}}]})");
  const std::string bundle = Tmp("desc.sigstore.json");
  ASSERT_EQ(Run(RunProvenance, {"--rekor-url", "https://log.test", "--key", key_pem_,
                                "--description", desc, "--bundle", bundle}),
            0)
      << stderr_;
  auto bundle_parsed = client::ParseBundle(Read(bundle));
  ASSERT_THAT(bundle_parsed, IsOk());
  client::VerifyOptions o;
  o.key = key_verifier_;
  o.attestation.source_repository = "https://github.com/a/b";
  o.attestation.predicate_type = "slsaprovenance1";
  EXPECT_THAT(client::Verify(*bundle_parsed, client::Artifact::FromBytes("x"), *root_, o), IsOk());
}

// An image in an OCI layout (what a build could have written), its descriptor.
oci::Descriptor LayoutImage(const std::string& dir, const std::string& tag) {
  auto layout = oci::LayoutTarget::Open(dir, /*create=*/true);
  EXPECT_THAT(layout, IsOk());
  const std::string config =
      absl::StrCat(R"({"architecture":"amd64","os":"linux","config":{"Labels":{"tag":")", tag,
                   R"("}},"rootfs":{"type":"layers","diff_ids":[]}})");
  oci::Descriptor c = oci::DescriptorOf("application/vnd.oci.image.config.v1+json", config);
  EXPECT_THAT((*layout)->PushBlob(c, config), IsOk());
  const std::string manifest = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
      c.digest.ToString(), R"(","size":)", c.size, R"(},"layers":[]})");
  auto pushed =
      (*layout)->PushManifest(manifest, "application/vnd.oci.image.manifest.v1+json", tag);
  EXPECT_THAT(pushed, IsOk());
  return pushed.value_or(oci::Descriptor{});
}

TEST_F(SignCommandTest, ProvenanceForAnImageTheBuildPushed) {
  const std::string dir = Tmp("prov-image-layout");
  const oci::Descriptor image = LayoutImage(dir, "v1");
  const std::string statement_out = Tmp("prov-image.statement.json");
  // The build "pushes" the image (here: it is already in the layout); the tag is resolved after
  // it ran and the provenance is attached to the image as a bundle referrer.
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(Run(RunProvenance, {"--rekor-url", "https://log.test", "--key", key_pem_, "--image",
                                "oci:" + dir + ":v1", "--statement-out", statement_out,
                                "--builder-id", "https://ci.test", "--", "true"}),
            0)
      << stderr_;
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            absl::StrCat("oci:", dir, "@", image.digest.ToString(), "\n"));
  EXPECT_THAT(stderr_, HasSubstr("-> referrer sha256:"));
  auto layout = oci::LayoutTarget::Open(dir, false);
  ASSERT_THAT(layout, IsOk());
  auto attached = oci::FetchBundles(**layout, image.digest);
  ASSERT_THAT(attached, IsOk());
  ASSERT_EQ(attached->size(), 1u);
  EXPECT_EQ((*attached)[0].manifest.annotations.at("dev.sigstore.bundle.predicateType"),
            "https://slsa.dev/provenance/v1");
  auto bundle = client::ParseBundle((*attached)[0].bundle);
  ASSERT_THAT(bundle, IsOk());
  client::VerifyOptions o;
  o.key = key_verifier_;
  o.attestation.predicate_type = "slsaprovenance1";
  o.attestation.builder_id = "https://ci.test";
  auto digest = client::Artifact::FromDigest(image.digest.ToString());
  ASSERT_THAT(digest, IsOk());
  EXPECT_THAT(client::Verify(*bundle, *digest, *root_, o), IsOk());
  json st = json::parse(Read(statement_out));
  EXPECT_EQ(st["subject"][0]["name"], "oci:" + dir);
  EXPECT_EQ(st["subject"][0]["digest"]["sha256"], image.digest.hex());
  EXPECT_EQ(st["predicate"]["buildDefinition"]["externalParameters"]["command"][0], "true");

  // --image-digest-file: the digest the build wrote (skopeo --digestfile, docker --iidfile)
  // names the image; the tag is not resolved (here it moved to another image meanwhile).
  const oci::Descriptor other = LayoutImage(dir, "v2");
  const std::string digest_file = Write("digestfile", other.digest.ToString() + "\n");
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(
      Run(RunProvenance, {"--rekor-url", "https://log.test", "--key", key_pem_, "--image",
                          "oci:" + dir + ":v1", "--image-digest-file", digest_file, "--", "true"}),
      0)
      << stderr_;
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            absl::StrCat("oci:", dir, "@", other.digest.ToString(), "\n"));
  auto other_attached = oci::FetchBundles(**layout, other.digest);
  ASSERT_THAT(other_attached, IsOk());
  EXPECT_EQ(other_attached->size(), 1u);

  // A digest file that disagrees with a digest in --image, or holds no digest: nothing attached.
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--image",
                                absl::StrCat("oci:", dir, "@", image.digest.ToString()),
                                "--image-digest-file", digest_file, "--", "true"}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("holds " + other.digest.ToString()));
  EXPECT_EQ(Run(RunProvenance,
                {"--rekor-url", "https://l", "--key", key_pem_, "--image", "oci:" + dir + ":v1",
                 "--image-digest-file", Write("bad-digestfile", "latest\n"), "--", "true"}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("--image-digest-file"));
  // The tag the build should have pushed is not there: the build ran, nothing is attested.
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--image",
                                "oci:" + dir + ":v9", "--", "true"}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("--image: "));
  attached = oci::FetchBundles(**layout, image.digest);
  ASSERT_THAT(attached, IsOk());
  EXPECT_EQ(attached->size(), 1u);
  // The build writes the oci: layout itself: it is opened after the build.
  const std::string built = Tmp("prov-built-layout");
  ::testing::internal::CaptureStdout();
  ASSERT_EQ(Run(RunProvenance, {"--rekor-url", "https://log.test", "--key", key_pem_, "--image",
                                "oci:" + built + ":v1", "--", "cp", "-r", dir, built}),
            0)
      << stderr_;
  EXPECT_EQ(::testing::internal::GetCapturedStdout(),
            absl::StrCat("oci:", built, "@", image.digest.ToString(), "\n"));
  // Usage: a digest file without --image; a malformed reference (refused before the build).
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--subject",
                                digest_file, "--image-digest-file", digest_file, "--", "true"}),
            kExitUsage);
  EXPECT_EQ(Run(RunProvenance, {"--rekor-url", "https://l", "--key", key_pem_, "--image",
                                "Upper/Case:v1", "--", "sh", "-c", "exit 3"}),
            kExitUsage);
}

TEST_F(SignCommandTest, SignBundleConformanceProtocol) {
  const std::string a = Write("c.txt", "conformance");
  const std::string out = Tmp("c.sigstore.json");
  ASSERT_EQ(Run(RunSignBundle,
                {"--key", key_pem_, "--rekor-url", "https://log.test", "--bundle", out, a}),
            0)
      << stderr_;
  EXPECT_THAT(VerifyWithKey(out, "conformance"), IsOk());
  const std::string statement =
      Write("st.json", absl::StrCat(R"({"_type":"https://in-toto.io/Statement/v1","subject":[)",
                                    R"({"name":"c.txt","digest":{"sha256":")",
                                    absl::BytesToHexString(signer::Sha256("conformance")),
                                    R"("}}],"predicateType":"https://p.test","predicate":{}})"));
  ASSERT_EQ(Run(RunSignBundle, {"--in-toto", "--key", key_pem_, "--rekor-url", "https://log.test",
                                "--bundle", out, statement}),
            0)
      << stderr_;
  EXPECT_THAT(VerifyWithKey(out, "conformance", true), IsOk());
  EXPECT_EQ(Run(RunSignBundle, {"--identity-token", "t", "--server", "https://v", a}),
            kExitUsage);  // no --bundle
}

TEST(SignFlags, ServicesFromSigningConfigAndOverrides) {
  const std::string sc = Write("sc.json", R"({
    "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
    "caUrls": [{"url": "https://ca.test", "majorApiVersion": 1}],
    "rekorTlogUrls": [{"url": "https://rekor.test", "majorApiVersion": 1}],
    "tsaUrls": [{"url": "https://tsa.test/ts", "majorApiVersion": 1}]})");
  auto args = ParseArgs({"--signing-config", sc, "--rekor-url", "https://other/"},
                        SigningValueFlags(), SigningBoolFlags());
  ASSERT_THAT(args, IsOk());
  auto s = ServicesFromFlags(*args, true);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->ca_url, "https://ca.test");
  EXPECT_EQ(s->rekor_url, "https://other");
  EXPECT_EQ(s->tsa_url, "https://tsa.test/ts");
  args = ParseArgs({"--server", "http://v:1", "--no-timestamp"}, SigningValueFlags(),
                   SigningBoolFlags());
  s = ServicesFromFlags(*args, true);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->tsa_url, "");
  args = ParseArgs({"--fulcio-url", "https://ca"}, SigningValueFlags(), SigningBoolFlags());
  EXPECT_THAT(ServicesFromFlags(*args, true), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SignCommandTest, RekorVersionFlag) {
  const std::string a = Write("rv.txt", "rekor version");
  const std::string pred = Write("rv-pred.json", "{}");
  // Anything but 1 or 2, and 2 without a timestamp, are usage errors in every signing command.
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--rekor-version", "3"},
                                              {"--rekor-version", "v2"},
                                              {"--rekor-version="},
                                              {"--rekor-version", "2", "--no-timestamp"}}) {
    std::vector<std::string> args = {"--server", "https://v", "--key",
                                     key_pem_,   "--bundle",  Tmp("rv.sigstore.json")};
    args.insert(args.end(), bad.begin(), bad.end());
    std::vector<std::string> blob = args;
    blob.push_back(a);
    EXPECT_EQ(Run(RunSignBlob, blob), kExitUsage) << bad[0] << " " << stderr_;
    EXPECT_THAT(stderr_, HasSubstr("--rekor-version"));
    EXPECT_EQ(Run(RunSignBundle, blob), kExitUsage) << stderr_;
    std::vector<std::string> attest = args;
    attest.insert(attest.end(), {"--predicate", pred, "--type", "https://t", a});
    EXPECT_EQ(Run(RunAttest, attest), kExitUsage) << stderr_;
    std::vector<std::string> prov = args;
    prov.insert(prov.end(), {"--subject", a, "--", "true"});
    EXPECT_EQ(Run(RunProvenance, prov), kExitUsage) << stderr_;
  }
  EXPECT_EQ(services_->requests.size(), 0u);

  // 2 without any TSA: refused before any request, naming the fix.
  EXPECT_EQ(Run(RunSignBlob,
                {"--rekor-url", "https://log.test", "--rekor-version", "2", "--key", key_pem_, a}),
            kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("--tsa-url"));
  EXPECT_EQ(services_->requests.size(), 0u);

  // 2: the v2 API and request forms (this log refuses, so no TSA is asked).
  services_->handlers.push_back({"/api/v2/log/entries", [](const client::HttpRequest&) {
                                   return client::Answer(400, {{"message", "refused"}});
                                 }});
  EXPECT_EQ(
      Run(RunSignBlob, {"--server", "https://v", "--rekor-version", "2", "--key", key_pem_, a}),
      kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("log: 400 refused"));
  ASSERT_EQ(services_->requests.size(), 1u);
  EXPECT_EQ(services_->requests[0].url, "https://v/api/v2/log/entries");
  json req = json::parse(services_->requests[0].body);
  EXPECT_EQ(req["hashedRekordRequestV002"]["signature"]["verifier"]["keyDetails"],
            "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(Run(RunAttest,
                {"--server", "https://v", "--rekor-version=2", "--key", key_pem_, "--predicate",
                 pred, "--type", "https://t", "--bundle", Tmp("rv.att.json"), a}),
            kExitFailed);
  ASSERT_EQ(services_->requests.size(), 2u);
  EXPECT_EQ(services_->requests[1].url, "https://v/api/v2/log/entries");
  EXPECT_TRUE(json::parse(services_->requests[1].body).contains("dsseRequestV002"));
  // A P-384 key signs the file's SHA-384, as Rekor v2 wants.
  auto p384 = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP384);
  ASSERT_THAT(p384, IsOk());
  const std::string p384_pem = Write("p384.pem", (*p384)->PrivateKeyPem());
  EXPECT_EQ(
      Run(RunSignBlob, {"--server", "https://v", "--rekor-version", "2", "--key", p384_pem, a}),
      kExitFailed);
  ASSERT_EQ(services_->requests.size(), 3u);
  req = json::parse(services_->requests[2].body);
  EXPECT_EQ(req["hashedRekordRequestV002"]["digest"],
            absl::Base64Escape(signer::Sha384("rekor version")));
  EXPECT_EQ(req["hashedRekordRequestV002"]["signature"]["verifier"]["keyDetails"],
            "PKIX_ECDSA_P384_SHA_384");
}

TEST(SignFlags, RekorVersion) {
  auto args = ParseArgs({"--server", "http://v:1"}, SigningValueFlags(), SigningBoolFlags());
  ASSERT_THAT(args, IsOk());
  auto s = ServicesFromFlags(*args, true);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_version, 1);
  args = ParseArgs({"--server", "http://v:1", "--rekor-version", "2"}, SigningValueFlags(),
                   SigningBoolFlags());
  s = ServicesFromFlags(*args, true);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_version, 2);
  EXPECT_EQ(s->rekor_url, "http://v:1");
  EXPECT_EQ(s->tsa_url, "http://v:1/api/v1/timestamp");
  // A signing config with only a v2 log selects v2; --rekor-version 1 then finds no log.
  const std::string sc = Write("sc-v2.json", R"({
    "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
    "caUrls": [{"url": "https://ca.test", "majorApiVersion": 1}],
    "rekorTlogUrls": [{"url": "https://rekor2.test", "majorApiVersion": 2}],
    "tsaUrls": [{"url": "https://tsa.test/ts", "majorApiVersion": 1}]})");
  args = ParseArgs({"--signing-config", sc}, SigningValueFlags(), SigningBoolFlags());
  s = ServicesFromFlags(*args, true);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_url, "https://rekor2.test");
  EXPECT_EQ(s->rekor_version, 2);
  args = ParseArgs({"--signing-config", sc, "--rekor-version", "1"}, SigningValueFlags(),
                   SigningBoolFlags());
  EXPECT_THAT(ServicesFromFlags(*args, true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("API v1")));
  // v2 with the TSA dropped.
  args =
      ParseArgs({"--signing-config", sc, "--tsa-url", ""}, SigningValueFlags(), SigningBoolFlags());
  EXPECT_THAT(ServicesFromFlags(*args, true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RFC 3161")));
}

TEST(SignFlags, ExtractRepeatedFlags) {
  std::vector<std::string> args = {"--subject",      "a",  "--key", "k",         "--subject=b",
                                   "--dependency_x", "--", "cmd",   "--subject", "c"};
  auto r = ExtractRepeatedFlags(&args, {"subject"});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ((*r)["subject"], (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(args, (std::vector<std::string>{"--key", "k", "--dependency_x", "--", "cmd",
                                            "--subject", "c"}));
  args = {"--subject"};
  EXPECT_THAT(ExtractRepeatedFlags(&args, {"subject"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::cli
