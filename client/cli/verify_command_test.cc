// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/verify_command.h"

#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/cli/args.h"
#include "client/fake_sigstore.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::cli {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;

std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
}

std::string Write(const std::string& name, const std::string& data) {
  std::string path = TempPath(name);
  std::ofstream(path, std::ios::binary) << data;
  return path;
}

class VerifyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    root_ = Write("trusted_root.json", fake_->TrustedRootJson());
    artifact_ = Write("artifact.txt", "payload\n");
    auto b = fake_->MakeBundleJson("payload\n");
    ASSERT_THAT(b, IsOk());
    bundle_ = Write("artifact.txt.sigstore.json", *b);
    client::FakeBundleOptions o;
    o.dsse = true;
    auto att = fake_->MakeBundleJson("payload\n", o);
    ASSERT_THAT(att, IsOk());
    attestation_ = Write("attestation.sigstore.json", *att);
  }
  std::vector<std::string> Keyless(const std::string& bundle, const std::string& input) {
    return {"--bundle",
            bundle,
            "--certificate-identity",
            client::kFakeIdentity,
            "--certificate-oidc-issuer",
            client::kFakeIssuer,
            "--trusted-root",
            root_,
            input};
  }

  std::unique_ptr<client::FakeSigstore> fake_;
  std::string root_, artifact_, bundle_, attestation_;
};

TEST_F(VerifyCommandTest, VerifiesFileAndDigest) {
  EXPECT_EQ(VerifyBundleCommand(Keyless(bundle_, artifact_)), kExitOk);
  EXPECT_EQ(VerifyBlobCommand(Keyless(bundle_, artifact_)), kExitOk);
  const std::string digest = "sha256:" + absl::BytesToHexString(signer::Sha256("payload\n"));
  EXPECT_EQ(VerifyBundleCommand(Keyless(bundle_, digest)), kExitOk);
}

TEST_F(VerifyCommandTest, NotVerifiedIsExitOne) {
  const std::string other = Write("other.txt", "tampered\n");
  EXPECT_EQ(VerifyBundleCommand(Keyless(bundle_, other)), kExitFailed);
  auto args = Keyless(bundle_, artifact_);
  args[3] = "someone@else";
  EXPECT_EQ(VerifyBlobCommand(args), kExitFailed);
  EXPECT_EQ(VerifyBlobCommand(Keyless(Write("bad.json", "{"), artifact_)), kExitFailed);
  EXPECT_EQ(VerifyBlobCommand(Keyless(TempPath("missing.json"), artifact_)), kExitFailed);
  EXPECT_EQ(VerifyBlobCommand(Keyless(bundle_, TempPath("missing.txt"))), kExitFailed);
}

TEST_F(VerifyCommandTest, UsageErrorsAreExitTwo) {
  EXPECT_EQ(VerifyBundleCommand({"--bundle", bundle_, artifact_}), kExitUsage);  // no policy
  EXPECT_EQ(VerifyBundleCommand({"--nope"}), kExitUsage);
  auto both = Keyless(bundle_, artifact_);
  both.insert(both.begin(), {"--key", "k.pem"});
  EXPECT_EQ(VerifyBundleCommand(both), kExitUsage);
  auto bad_re = Keyless(bundle_, artifact_);
  bad_re[2] = "--certificate-identity-regexp";
  bad_re[3] = "(";
  EXPECT_EQ(VerifyBlobCommand(bad_re), kExitUsage);
  auto no_input = Keyless(bundle_, artifact_);
  no_input.pop_back();
  EXPECT_EQ(VerifyBlobCommand(no_input), kExitUsage);
  auto out = Keyless(bundle_, artifact_);
  out.insert(out.begin(), {"--output", "yaml"});
  EXPECT_EQ(VerifyBlobCommand(out), kExitUsage);
}

TEST_F(VerifyCommandTest, RegexpFlagsAndJsonOutput) {
  std::vector<std::string> args = {"--bundle",
                                   bundle_,
                                   "--certificate-identity-regexp",
                                   "https://github\\.com/acme/.*",
                                   "--certificate-oidc-issuer-regexp",
                                   ".*",
                                   "--trusted-root",
                                   root_,
                                   "--output",
                                   "json",
                                   artifact_};
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(VerifyBlobCommand(args), kExitOk);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("\"verified\":true"));
  EXPECT_THAT(out, HasSubstr(client::kFakeIdentity));
  // Printed from the structured result: every check that ran, the signer and the log entry.
  auto j = nlohmann::json::parse(out);
  ASSERT_TRUE(j["steps"].is_array());
  EXPECT_EQ(j["steps"][0]["step"], "certificate");
  for (const auto& step : j["steps"]) EXPECT_TRUE(step["ok"].get<bool>()) << step;
  EXPECT_EQ(j["signer"]["oidcIssuer"], client::kFakeIssuer);
  EXPECT_EQ(j["signer"]["extensions"]["issuer"], client::kFakeIssuer);
  ASSERT_EQ(j["tlogEntries"].size(), 1u);
  EXPECT_EQ(j["tlogEntries"][0]["kind"], "hashedrekord");
  EXPECT_TRUE(j["tlogEntries"][0]["inclusionProof"].get<bool>());
}

TEST_F(VerifyCommandTest, JsonOutputNamesFailingStep) {
  auto args = Keyless(bundle_, Write("other2.txt", "x"));
  args.insert(args.begin(), {"--output", "json"});
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(VerifyBlobCommand(args), kExitFailed);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("\"verified\":false"));
  EXPECT_THAT(out, HasSubstr("\"step\":\"artifact\""));
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["steps"].back()["step"], "artifact");
  EXPECT_FALSE(j["steps"].back()["ok"].get<bool>());
  // An unreadable bundle fails before any check, naming the input.
  auto bad = Keyless(Write("bad2.json", "{"), artifact_);
  bad.insert(bad.begin(), {"--output", "json"});
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(VerifyBlobCommand(bad), kExitFailed);
  auto j2 = nlohmann::json::parse(::testing::internal::GetCapturedStdout());
  EXPECT_EQ(j2["step"], "bundle");
  EXPECT_TRUE(j2["steps"].empty());
}

// With a trusted root that lists a CT log, a certificate without an SCT is not verified (step
// "SCT", exit 1) unless --insecure-ignore-sct is given, as with cosign.
TEST_F(VerifyCommandTest, SctRequiredWhenTheTrustedRootListsCtLogs) {
  nlohmann::json root = nlohmann::json::parse(fake_->TrustedRootJson());
  auto ct_key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(ct_key, IsOk());
  const std::string der = (*ct_key)->PublicKeyDer();
  auto b64 = [](const std::string& s) { return absl::Base64Escape(s); };
  root["ctlogs"] = nlohmann::json::array({{{"baseUrl", "http://ct.example"},
                                           {"hashAlgorithm", "SHA2_256"},
                                           {"publicKey",
                                            {{"rawBytes", b64(der)},
                                             {"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
                                             {"validFor", {{"start", "2000-01-01T00:00:00Z"}}}}},
                                           {"logId", {{"keyId", b64(signer::Sha256(der))}}}}});
  const std::string with_ct = Write("trusted_root_ct.json", root.dump());
  auto args = Keyless(bundle_, artifact_);
  args[7] = with_ct;
  args.insert(args.begin(), {"--output", "json"});
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(VerifyBlobCommand(args), kExitFailed);
  auto j = nlohmann::json::parse(::testing::internal::GetCapturedStdout());
  EXPECT_EQ(j["step"], "SCT");
  EXPECT_THAT(j["error"].get<std::string>(), HasSubstr("no embedded SCT"));
  EXPECT_EQ(VerifyBundleCommand(args), kExitFailed);
  args.insert(args.begin(), "--insecure-ignore-sct");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(VerifyBlobCommand(args), kExitOk);
  EXPECT_EQ(VerifyBundleCommand(args), kExitOk);
  ::testing::internal::GetCapturedStdout();
  auto att = Keyless(attestation_, artifact_);
  att[7] = with_ct;
  EXPECT_EQ(VerifyAttestationCommand(att), kExitFailed);
  att.insert(att.begin(), "--insecure-ignore-sct");
  EXPECT_EQ(VerifyAttestationCommand(att), kExitOk);
}

TEST_F(VerifyCommandTest, AttestationTypeAndPredicateConditions) {
  auto args = Keyless(attestation_, artifact_);
  args.insert(args.begin(),
              {"--type", "slsaprovenance1", "--slsa-builder-id", "https://vouch.test/builder",
               "--source-repository", "https://github.com/acme/app"});
  EXPECT_EQ(VerifyAttestationCommand(args), kExitOk);
  auto json_args = args;
  json_args.insert(json_args.begin(), {"--output", "json"});
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(VerifyAttestationCommand(json_args), kExitOk);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("\"predicateType\":\"https://slsa.dev/provenance/v1\""));
  EXPECT_THAT(out, HasSubstr("\"statement\":{"));
  args[1] = "spdxjson";
  EXPECT_EQ(VerifyAttestationCommand(args), kExitFailed);
  // verify-attestation refuses a plain message-signature bundle.
  EXPECT_EQ(VerifyAttestationCommand(Keyless(bundle_, artifact_)), kExitFailed);
  // verify-blob has no --type.
  EXPECT_EQ(VerifyBlobCommand({"--type", "x"}), kExitUsage);
}

TEST_F(VerifyCommandTest, KeyBasedBundle) {
  client::FakeBundleOptions o;
  o.with_key = true;
  auto b = fake_->MakeBundleJson("payload\n", o);
  ASSERT_THAT(b, IsOk());
  const std::string bundle = Write("key.sigstore.json", *b);
  const std::string key =
      Write("key.pub", signer::PublicKeyDerToPem(fake_->artifact_key().PublicKeyDer()));
  EXPECT_EQ(
      VerifyBundleCommand({"--bundle", bundle, "--key", key, "--trusted-root", root_, artifact_}),
      kExitOk);
  const std::string wrong =
      Write("wrong.pub", signer::PublicKeyDerToPem(fake_->log_key().PublicKeyDer()));
  EXPECT_EQ(
      VerifyBundleCommand({"--bundle", bundle, "--key", wrong, "--trusted-root", root_, artifact_}),
      kExitFailed);
}

}  // namespace
}  // namespace vouch::cli
