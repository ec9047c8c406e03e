// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/cache.h"

#include <fstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/test_source.h"
#include "tests/status_matchers.h"

namespace vouch::policy {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;

constexpr char kManifest[] = R"({"schemaVersion":2})";

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    const std::string root = ::testing::TempDir() + "/cache_root.json";
    std::ofstream(root) << fake_->TrustedRootJson();
    digest_ = DigestOf(kManifest);
    source_.tags["registry.example.com/app:1"] = digest_;
    auto a = MakeAttachment(*fake_, kManifest, {}, "signature");
    ASSERT_THAT(a, IsOk());
    source_.attached[digest_].push_back(*std::move(a));
    PolicySet::LoadOptions lo;
    lo.default_trusted_root = root;
    auto set = PolicySet::Parse(
        "c.yaml",
        absl::StrCat("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: p}\n"
                     "spec:\n  images: [{glob: 'registry.example.com/**'}]\n  authorities:\n"
                     "    - name: ci\n      keyless: {issuer: '",
                     client::kFakeIssuer, "', subject: '", client::kFakeIdentity, "'}\n"),
        lo);
    ASSERT_THAT(set, IsOk());
    set_ = *std::move(set);
    EngineOptions eo;
    eo.now = absl::FromUnixSeconds(1700000000) + absl::Hours(1);
    auto engine = Engine::New(set_.get(), &source_, eo);
    ASSERT_THAT(engine, IsOk());
    engine_ = *std::move(engine);
    options_.clock = &clock_;
    options_.resolve_ttl = absl::Seconds(30);
    options_.decision_ttl = absl::Minutes(10);
  }

  std::unique_ptr<client::FakeSigstore> fake_;
  std::unique_ptr<PolicySet> set_;
  std::unique_ptr<Engine> engine_;
  FakeSource source_;
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
  CacheOptions options_;
  std::string digest_;
};

TEST_F(CacheTest, SecondCheckIsAHitUntilTheTtl) {
  CachingEngine cache(engine_.get(), &source_, options_);
  bool cached = true;
  Decision d = cache.Evaluate({"registry.example.com/app:1", "default", {}}, &cached);
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  EXPECT_FALSE(cached);
  d = cache.Evaluate({"registry.example.com/app:1", "default", {}}, &cached);
  EXPECT_TRUE(d.allowed);
  EXPECT_TRUE(cached);
  EXPECT_EQ(d.image, "registry.example.com/app:1");
  EXPECT_EQ(source_.Fetches(), 1);
  // The same digest by digest reference is the same decision.
  d = cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}}, &cached);
  EXPECT_TRUE(cached);
  // Another namespace is another key.
  cache.Evaluate({"registry.example.com/app:1", "other", {}}, &cached);
  EXPECT_FALSE(cached);
  clock_.Advance(absl::Minutes(11));
  cache.Evaluate({"registry.example.com/app:1", "default", {}}, &cached);
  EXPECT_FALSE(cached);
  EXPECT_EQ(cache.stats().evaluations, 3u);
}

TEST_F(CacheTest, TagsAreResolvedAtMostOncePerResolveTtl) {
  CachingEngine cache(engine_.get(), &source_, options_);
  for (int i = 0; i < 5; ++i) cache.Evaluate({"registry.example.com/app:1", "", {}});
  EXPECT_EQ(source_.resolves, 1);
  // The tag moves to an unsigned image: seen after the resolve TTL.
  const std::string other = DigestOf("other manifest");
  source_.tags["registry.example.com/app:1"] = other;
  EXPECT_TRUE(cache.Evaluate({"registry.example.com/app:1", "", {}}).allowed);
  clock_.Advance(absl::Seconds(31));
  Decision d = cache.Evaluate({"registry.example.com/app:1", "", {}});
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.digest, other);
}

TEST_F(CacheTest, ConcurrentChecksOfOneImageAreCoalesced) {
  CachingEngine cache(engine_.get(), &source_, options_);
  source_.Block();
  std::vector<std::thread> threads;
  std::vector<Decision> decisions(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      decisions[i] = cache.Evaluate({"registry.example.com/app@" + digest_, "", {}});
    });
  }
  // Wait until one evaluation is fetching and the others wait for it.
  for (int i = 0; i < 500 && cache.stats().coalesced < 7; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  source_.Unblock();
  for (auto& t : threads) t.join();
  EXPECT_EQ(source_.Fetches(), 1);
  EXPECT_EQ(cache.stats().evaluations, 1u);
  EXPECT_EQ(cache.stats().coalesced, 7u);
  for (const Decision& d : decisions) EXPECT_TRUE(d.allowed);
}

TEST_F(CacheTest, InfrastructureErrorsAreNotCached) {
  CachingEngine cache(engine_.get(), &source_, options_);
  source_.down = absl::UnavailableError("connection refused");
  Decision d = cache.Evaluate({"registry.example.com/app@" + digest_, "", {}});
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("connection refused"));
  source_.down = absl::OkStatus();
  bool cached = true;
  d = cache.Evaluate({"registry.example.com/app@" + digest_, "", {}}, &cached);
  EXPECT_TRUE(d.allowed);
  EXPECT_FALSE(cached);
}

TEST_F(CacheTest, ImagesThePoliciesDoNotCoverCauseNoRegistryRequest) {
  // trustedRegistries and a policy for one repository only; other images allowed by default.
  PolicySet::LoadOptions lo;
  lo.default_trusted_root = ::testing::TempDir() + "/cache_root.json";
  auto set = PolicySet::Parse(
      "c.yaml",
      absl::StrCat("apiVersion: policy.vouch.dev/v1\nkind: PolicySettings\nspec:\n"
                   "  defaultAction: allow\n  trustedRegistries: ['registry.example.com/**']\n"
                   "---\napiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: p}\n"
                   "spec:\n  images: [{glob: 'registry.example.com/app'}]\n  authorities:\n"
                   "    - name: ci\n      keyless: {issuer: '",
                   client::kFakeIssuer, "', subject: '", client::kFakeIdentity, "'}\n"),
      lo);
  ASSERT_THAT(set, IsOk());
  auto engine = Engine::New(set->get(), &source_);
  ASSERT_THAT(engine, IsOk());
  CachingEngine cache(engine->get(), &source_, options_);
  // An attacker-chosen registry (here a link-local address) is refused by name alone: the
  // webhook makes no request to it.
  Decision d = cache.Evaluate({"169.254.169.254/latest/meta-data:1", "default", {}});
  EXPECT_FALSE(d.allowed);
  EXPECT_THAT(d.reasons[0], HasSubstr("not from a trusted registry"));
  // A trusted registry but no policy: the default action, no request either.
  d = cache.Evaluate({"registry.example.com/tools:1", "default", {}});
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  EXPECT_EQ(source_.resolves, 0);
  EXPECT_EQ(source_.Fetches(), 0);
  // The covered repository is resolved and checked.
  d = cache.Evaluate({"registry.example.com/app:1", "default", {}});
  EXPECT_TRUE(d.allowed) << ::testing::PrintToString(d.reasons);
  EXPECT_EQ(source_.resolves, 1);
}

TEST_F(CacheTest, AFailedTagResolutionIsAskedOnceAndFailsClosed) {
  CachingEngine cache(engine_.get(), &source_, options_);
  source_.down = absl::UnavailableError("connection refused");
  Decision d = cache.Evaluate({"registry.example.com/app:1", "default", {}});
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(d.infrastructure_error);
  EXPECT_THAT(d.reasons[0],
              HasSubstr("cannot check registry.example.com/app:1: connection refused"));
  // One request to the registry that is down, not one by the cache and another by the engine.
  EXPECT_EQ(source_.resolves, 1);
}

TEST_F(CacheTest, TryWithoutWaitingAnswersOnlyFromTheCacheOrWithoutTheRegistry) {
  CachingEngine cache(engine_.get(), &source_, options_);
  bool cached = true;
  // Not seen: nothing, and no registry request.
  EXPECT_FALSE(cache.TryWithoutWaiting({"registry.example.com/app:1", "default", {}}, &cached));
  EXPECT_FALSE(
      cache.TryWithoutWaiting({"registry.example.com/app@" + digest_, "default", {}}, &cached));
  EXPECT_EQ(source_.resolves, 0);
  EXPECT_EQ(source_.Fetches(), 0);
  EXPECT_EQ(cache.stats().misses, 0u);
  // A malformed name needs no registry: decided.
  auto d = cache.TryWithoutWaiting({"Bad Name", "default", {}}, &cached);
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(d->allowed);
  EXPECT_FALSE(cached);
  // Once evaluated: from the cache, by tag and by digest.
  EXPECT_TRUE(cache.Evaluate({"registry.example.com/app:1", "default", {}}).allowed);
  d = cache.TryWithoutWaiting({"registry.example.com/app:1", "default", {}}, &cached);
  ASSERT_TRUE(d.has_value());
  EXPECT_TRUE(d->allowed);
  EXPECT_TRUE(cached);
  EXPECT_EQ(d->image, "registry.example.com/app:1");
  EXPECT_TRUE(cache.TryWithoutWaiting({"registry.example.com/app@" + digest_, "default", {}}));
  EXPECT_EQ(source_.resolves, 1);
  EXPECT_EQ(source_.Fetches(), 1);
  // The tag's resolution expires: nothing again (Evaluate would ask the registry).
  clock_.Advance(absl::Seconds(31));
  EXPECT_FALSE(cache.TryWithoutWaiting({"registry.example.com/app:1", "default", {}}));
  EXPECT_EQ(source_.resolves, 1);
}

TEST_F(CacheTest, ReplacedPoliciesDecideTheNextCheckAndOldDecisionsAreNotServed) {
  CachingEngine cache(engine_.get(), &source_, options_);
  const std::string old_version = cache.policy_version();
  bool cached = false;
  EXPECT_TRUE(cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}}).allowed);
  EXPECT_TRUE(
      cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}}, &cached).allowed);
  EXPECT_TRUE(cached);
  // New policies: the image must now be signed by another identity, which it is not.
  PolicySet::LoadOptions lo;
  lo.default_trusted_root = ::testing::TempDir() + "/cache_root.json";
  auto set = PolicySet::Parse(
      "c2.yaml",
      absl::StrCat("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: p2}\n"
                   "spec:\n  images: [{glob: 'registry.example.com/**'}]\n  authorities:\n"
                   "    - name: release\n      keyless: {issuer: '",
                   client::kFakeIssuer, "', subject: 'release@example.com'}\n"),
      lo);
  ASSERT_THAT(set, IsOk());
  EngineOptions eo;
  eo.now = absl::FromUnixSeconds(1700000000) + absl::Hours(1);
  auto engine = Engine::New(std::shared_ptr<const PolicySet>(*std::move(set)), &source_, eo);
  ASSERT_THAT(engine, IsOk());
  cache.Replace(std::shared_ptr<const Engine>(*std::move(engine)));
  EXPECT_NE(cache.policy_version(), old_version);
  Decision d = cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}}, &cached);
  EXPECT_FALSE(cached) << "the old policy's decision is not served";
  EXPECT_FALSE(d.allowed);
  EXPECT_EQ(d.policy_version, cache.policy_version());
  EXPECT_THAT(::testing::PrintToString(d.reasons), HasSubstr("policy p2"));
  // Back to the first policies (same version string as before the first swap): still no
  // decision made before a swap is served.
  cache.Replace(std::shared_ptr<const Engine>(engine_.get(), [](const Engine*) {}));
  EXPECT_EQ(cache.policy_version(), old_version);
  d = cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}}, &cached);
  EXPECT_FALSE(cached);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(cache.stats().evaluations, 3u);
}

TEST_F(CacheTest, AnEvaluationThatEndsAfterAReplaceIsNotStored) {
  CachingEngine cache(engine_.get(), &source_, options_);
  source_.Block();
  Decision first;
  std::thread t([&] {
    first = cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}});
  });
  for (int i = 0; i < 500 && source_.Fetches() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The same policies again (a reload of unchanged files): the evaluation under way belongs to
  // the previous generation.
  cache.Replace(std::shared_ptr<const Engine>(engine_.get(), [](const Engine*) {}));
  source_.Unblock();
  t.join();
  EXPECT_TRUE(first.allowed);
  bool cached = true;
  cache.Evaluate({"registry.example.com/app@" + digest_, "default", {}}, &cached);
  EXPECT_FALSE(cached);
  EXPECT_EQ(cache.stats().evaluations, 2u);
}

TEST_F(CacheTest, UnknownNamespaceLabelsAreAnotherKey) {
  CachingEngine cache(engine_.get(), &source_, options_);
  bool cached = true;
  cache.Evaluate({"registry.example.com/app@" + digest_, "ns", {}, /*ns_labels_known=*/true});
  cache.Evaluate({"registry.example.com/app@" + digest_, "ns", {}, /*ns_labels_known=*/false},
                 &cached);
  EXPECT_FALSE(cached);
}

}  // namespace
}  // namespace vouch::policy
