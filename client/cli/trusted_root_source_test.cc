// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Where the verify commands get their trusted root (trusted_root_source.h): one order for all of
// them. The TUF cases use a real file:// TUF mirror made by //tuf:repository and a cache made by
// `vouch trust init`; the images are real OCI layouts signed by `vouch sign-image` against the
// in-process fake CA/log (client/sign/fake_services.h).
#include "client/cli/trusted_root_source.h"

#include <stdlib.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cli/args.h"
#include "client/cli/image_command.h"
#include "client/cli/policy_command.h"
#include "client/cli/sign_command.h"
#include "client/cli/trust_command.h"
#include "client/cli/verify_command.h"
#include "client/fake_sigstore.h"
#include "client/sign/fake_services.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oci/layout.h"
#include "oci/manifest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"
#include "tuf/repository.h"

namespace vouch::cli {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using Kind = TrustedRootSource::Kind;

std::string TempDir(const std::string& name) {
  std::string t =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/", name, "XXXXXX");
  return mkdtemp(t.data());
}

std::string Write(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// A one-key TUF repository at |dir| whose trusted_root.json target is |trusted_root|.
void MakeMirror(const std::string& dir, const std::string& trusted_root) {
  auto key = *tuf::PrivateKey::Generate(signer::KeyType::kEd25519);
  tuf::InitOptions o;
  o.root_keys = o.targets_keys = {key->public_key()};
  o.snapshot_key = o.timestamp_key = key->public_key();
  const tuf::PrivateKey* signers[] = {key.get()};
  ASSERT_THAT(tuf::Init(dir, o, signers, absl::Now()), IsOk());
  ASSERT_THAT(tuf::UpdateTargets(dir, {{"trusted_root.json", trusted_root}}, {}, nullptr, signers,
                                 absl::Hours(24), absl::Now()),
              IsOk());
  ASSERT_THAT(tuf::PublishOnline(dir, *key, *key, tuf::Expiries{}, absl::Now()), IsOk());
}

// An image in an OCI layout at |dir| tagged v1.
void LayoutImage(const std::string& dir) {
  auto layout = oci::LayoutTarget::Open(dir, /*create=*/true);
  ASSERT_THAT(layout, IsOk());
  const std::string config =
      R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})";
  oci::Descriptor c = oci::DescriptorOf("application/vnd.oci.image.config.v1+json", config);
  ASSERT_THAT((*layout)->PushBlob(c, config), IsOk());
  const std::string manifest = absl::StrCat(
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")",
      c.digest.ToString(), R"(","size":)", c.size, R"(},"layers":[]})");
  ASSERT_THAT((*layout)->PushManifest(manifest, "application/vnd.oci.image.manifest.v1+json", "v1"),
              IsOk());
}

// Every test starts with no trusted root anywhere: HOME is an empty directory and neither
// $VOUCH_TRUSTED_ROOT nor $VOUCH_TUF_CACHE is set.
class TrustedRootSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = TempDir("home");
    setenv("HOME", home_.c_str(), 1);
    unsetenv("VOUCH_TRUSTED_ROOT");
    unsetenv("VOUCH_TUF_CACHE");
    unsetenv("VOUCH_SERVER");
    unsetenv("SIGSTORE_ID_TOKEN");
  }

  // Fake CA/log whose trusted root is served by a TUF mirror and cached by `vouch trust init`
  // (at ~/.vouch/tuf, the default cache); a second, unrelated deployment's trusted root in a file.
  void SetUpDeployments() {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto other = client::FakeSigstore::New();
    ASSERT_THAT(other, IsOk());
    const std::string dir = TempDir("deploy");
    good_root_ = Write(dir + "/good_root.json", fake_->TrustedRootJson());
    other_root_ = Write(dir + "/other_root.json", (*other)->TrustedRootJson());
    const std::string mirror = dir + "/mirror";
    MakeMirror(mirror, fake_->TrustedRootJson());
    ::testing::internal::CaptureStdout();
    ASSERT_EQ(
        TrustCommand({"init", "--mirror", "file://" + mirror, "--root", mirror + "/1.root.json"}),
        kExitOk);
    ::testing::internal::GetCapturedStdout();
    ASSERT_TRUE(TufCacheInitialized(home_ + "/.vouch/tuf"));
    // The mirror goes away: the unexpired cache is all there is.
    ASSERT_EQ(system(("rm -rf " + mirror).c_str()), 0);

    services_ = std::make_unique<client::FakeServices>(fake_.get());
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_ = Write(dir + "/key.pem", (*key)->PrivateKeyPem());
    pub_ = Write(dir + "/key.pub", signer::PublicKeyDerToPem((*key)->PublicKeyDer()));
    artifact_ = Write(dir + "/artifact.txt", "hello");
    ASSERT_EQ(
        RunSignBlob({"--rekor-url", "https://log.test", "--key", key_, artifact_}, services_.get()),
        kExitOk);
    layout_ = dir + "/layout";
    LayoutImage(layout_);
    image_ = "oci:" + layout_ + ":v1";
    ASSERT_EQ(
        RunSignImage({"--rekor-url", "https://log.test", "--key", key_, image_}, services_.get()),
        kExitOk);
    const std::string predicate = Write(dir + "/predicate.json", R"({"reviewed":true})");
    ASSERT_EQ(RunAttestImage({"--rekor-url", "https://log.test", "--key", key_, "--type",
                              "https://acme.test/review/v1", "--predicate", predicate, image_},
                             services_.get()),
              kExitOk);
    policy_ = Write(dir + "/policy.yaml", absl::StrCat(R"(apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {name: signed}
spec:
  images: [{glob: "**"}]
  authorities:
    - name: release-key
      key: {publicKeyFiles: [")",
                                                       pub_, R"("]}
)"));
  }

  // The exit codes of every verify command, with |extra| flags, quietly.
  struct Exits {
    int blob, image, image_attestation, policy;
  };
  Exits RunAll(const std::vector<std::string>& extra) {
    auto with = [&](std::vector<std::string> a) {
      a.insert(a.end(), extra.begin(), extra.end());
      return a;
    };
    ::testing::internal::CaptureStderr();
    ::testing::internal::CaptureStdout();
    Exits e;
    e.blob = VerifyBlobCommand(
        with({"--bundle", artifact_ + ".sigstore.json", "--key", pub_, artifact_}));
    e.image = VerifyImageCommand(with({"--key", pub_, image_}));
    e.image_attestation = VerifyImageAttestationCommand(
        with({"--key", pub_, "--type", "https://acme.test/review/v1", image_}));
    e.policy = PolicyCommand(with({"check", image_, "--policy", policy_}));
    ::testing::internal::GetCapturedStdout();
    stderr_ = ::testing::internal::GetCapturedStderr();
    return e;
  }

  std::string home_;
  std::unique_ptr<client::FakeSigstore> fake_;
  std::unique_ptr<client::FakeServices> services_;
  std::string good_root_, other_root_, key_, pub_, artifact_, layout_, image_, policy_, stderr_;
};

TEST_F(TrustedRootSourceTest, PrecedenceFlagThenEnvironmentThenHomeFileThenTufCache) {
  auto find = [](std::vector<std::string> argv) {
    auto args = ParseArgs(argv, {"trusted-root"}, {});
    EXPECT_THAT(args, IsOk());
    return FindTrustedRoot(*args);
  };
  EXPECT_EQ(find({}).kind, Kind::kNone);
  EXPECT_EQ(find({}).Describe(), "");
  EXPECT_THAT(LoadTrustedRoot(find({})),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("vouch trust init")));

  // 4: an initialized TUF cache ($VOUCH_TUF_CACHE, else ~/.vouch/tuf).
  const std::string cache = home_ + "/.vouch/tuf";
  ASSERT_EQ(system(("mkdir -p " + cache).c_str()), 0);
  EXPECT_EQ(find({}).kind, Kind::kNone) << "a directory without config.json is not a cache";
  Write(cache + "/config.json", R"({"mirror":"file:///nonexistent"})");
  EXPECT_EQ(find({}).kind, Kind::kTufCache);
  EXPECT_EQ(find({}).path, cache);
  EXPECT_EQ(find({}).Describe(), "TUF cache " + cache);
  // A cache whose metadata cannot be loaded or refreshed: the error names the cache.
  auto loaded = LoadTrustedRoot(find({}));
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("TUF cache " + cache));
  const std::string other_cache = TempDir("othercache");
  Write(other_cache + "/config.json", R"({"mirror":"file:///nonexistent"})");
  setenv("VOUCH_TUF_CACHE", other_cache.c_str(), 1);
  EXPECT_EQ(find({}).path, other_cache);

  // 3: ~/.vouch/trusted_root.json beats the cache (a directory there does not count).
  ASSERT_EQ(system(("mkdir -p " + home_ + "/.vouch/trusted_root.json").c_str()), 0);
  EXPECT_EQ(find({}).kind, Kind::kTufCache);
  ASSERT_EQ(system(("rmdir " + home_ + "/.vouch/trusted_root.json").c_str()), 0);
  const std::string home_file = Write(home_ + "/.vouch/trusted_root.json", "{}");
  EXPECT_EQ(find({}).kind, Kind::kFile);
  EXPECT_EQ(find({}).path, home_file);

  // 2: $VOUCH_TRUSTED_ROOT beats both (even if it does not exist: an error, not a fallback).
  setenv("VOUCH_TRUSTED_ROOT", "/nonexistent/env_root.json", 1);
  EXPECT_EQ(find({}).path, "/nonexistent/env_root.json");
  loaded = LoadTrustedRoot(find({}));
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("env_root.json"));

  // 1: --trusted-root beats everything.
  EXPECT_EQ(find({"--trusted-root", "/x/flag.json"}).kind, Kind::kFile);
  EXPECT_EQ(find({"--trusted-root", "/x/flag.json"}).path, "/x/flag.json");
}

// verify-image, verify-image-attestation and `vouch policy check` verify with the trusted root of
// the TUF cache alone, as verify-blob does (before the shared helper, the image commands and
// policy answered "no trusted root").
TEST_F(TrustedRootSourceTest, EveryVerifyCommandWorksFromTheTufCacheAlone) {
  SetUpDeployments();
  Exits e = RunAll({});
  EXPECT_EQ(e.blob, kExitOk) << stderr_;
  EXPECT_EQ(e.image, kExitOk) << stderr_;
  EXPECT_EQ(e.image_attestation, kExitOk) << stderr_;
  EXPECT_EQ(e.policy, kExitOk) << stderr_;

  // Without the cache there is no trusted root: a usage error for the verify commands; for
  // policy, the key authority needs one.
  setenv("VOUCH_TUF_CACHE", "/nonexistent/cache", 1);
  e = RunAll({});
  EXPECT_EQ(e.blob, kExitUsage);
  EXPECT_EQ(e.image, kExitUsage);
  EXPECT_EQ(e.image_attestation, kExitUsage);
  EXPECT_EQ(e.policy, kExitFailed);
  EXPECT_THAT(stderr_, HasSubstr("vouch trust init"));
  EXPECT_THAT(stderr_, HasSubstr("trustedRoot"));
}

// The same precedence in every command: a file source beats the TUF cache, --trusted-root beats
// the environment. Another deployment's trusted root makes every command fail, so which root each
// one used shows in its exit code.
TEST_F(TrustedRootSourceTest, EveryVerifyCommandHasTheSamePrecedence) {
  SetUpDeployments();
  // ~/.vouch/trusted_root.json (the other deployment's) beats the TUF cache.
  const std::string home_file = home_ + "/.vouch/trusted_root.json";
  ASSERT_EQ(system(("cp " + other_root_ + " " + home_file).c_str()), 0);
  Exits e = RunAll({});
  EXPECT_EQ(e.blob, kExitFailed);
  EXPECT_EQ(e.image, kExitFailed);
  EXPECT_EQ(e.image_attestation, kExitFailed);
  EXPECT_EQ(e.policy, kExitFailed);
  // $VOUCH_TRUSTED_ROOT (the right one) beats ~/.vouch/trusted_root.json.
  setenv("VOUCH_TRUSTED_ROOT", good_root_.c_str(), 1);
  e = RunAll({});
  EXPECT_EQ(e.blob, kExitOk) << stderr_;
  EXPECT_EQ(e.image, kExitOk) << stderr_;
  EXPECT_EQ(e.image_attestation, kExitOk) << stderr_;
  EXPECT_EQ(e.policy, kExitOk) << stderr_;
  // --trusted-root (the other one) beats $VOUCH_TRUSTED_ROOT.
  e = RunAll({"--trusted-root", other_root_});
  EXPECT_EQ(e.blob, kExitFailed);
  EXPECT_EQ(e.image, kExitFailed);
  EXPECT_EQ(e.image_attestation, kExitFailed);
  EXPECT_EQ(e.policy, kExitFailed);
  // And the right one given by flag verifies while the environment names the wrong one.
  setenv("VOUCH_TRUSTED_ROOT", other_root_.c_str(), 1);
  e = RunAll({"--trusted-root", good_root_});
  EXPECT_EQ(e.blob, kExitOk) << stderr_;
  EXPECT_EQ(e.image, kExitOk) << stderr_;
  EXPECT_EQ(e.image_attestation, kExitOk) << stderr_;
  EXPECT_EQ(e.policy, kExitOk) << stderr_;
}

}  // namespace
}  // namespace vouch::cli
