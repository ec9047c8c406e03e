// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/monitor.h"

#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vouch::testing::IsOk;
using vouch::testing::StatusIs;

TEST(MonitorConfig, ParsesRulesAndRefusesBadOnes) {
  auto c = ParseMonitorConfig(R"({"rules":[{"name":"bot","identity_regexp":"ci-.*@example\\.com",
      "issuer":"https://i"},{"digest":"SHA256:ABCD"}],"webhook":{"url":"http://h/x","attempts":3},
      "interval":"5s"})");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->rules.size(), 2u);
  EXPECT_EQ(c->rules[1].digest, "sha256:abcd");
  EXPECT_EQ(c->webhook_attempts, 3);
  EXPECT_EQ(c->interval, absl::Seconds(5));
  const struct {
    std::string json;
    std::string want;
  } bad[] = {
      {"[]", "not a JSON object"},
      {R"({"rules":[]})", "config.rules: want a non-empty array"},
      {R"({"rules":[{"name":"x"}]})", "needs a condition"},
      {R"({"rules":[{"identity_regexp":"("}]})", "bad regular expression"},
      {R"({"rules":[{"identity":"a","color":"red"}]})", "config.rules[0].color: unknown field"},
      {R"({"rules":[{"key_sha256":"abc"}]})", "64 hex digits"},
      {R"({"rules":[{"identity":"a"}],"webhook":{}})", "config.webhook.url"},
      {R"({"rules":[{"identity":"a"}],"interval":"soon"})", "config.interval"},
      {R"({"rules":[{"identity":"a"}],"extra":1})", "config.extra: unknown field"},
  };
  for (const auto& b : bad) {
    EXPECT_THAT(ParseMonitorConfig(b.json),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(b.want)))
        << b.json;
  }
}

TEST(Matcher, EveryConditionOfARuleMustHold) {
  auto c = ParseMonitorConfig(R"({"rules":[
      {"name":"regexp","identity_regexp":"https://github\\.com/acme/.*","issuer":"https://gh"},
      {"name":"ext","extensions":{"sourceRepositoryOwnerURI":"https://github.com/acme"}},
      {"name":"key","key_sha256":"00000000000000000000000000000000000000000000000000000000000000aa"},
      {"name":"digest","digest":"sha256:0123"}]})");
  ASSERT_THAT(c, IsOk());
  auto m = Matcher::New(c->rules);
  ASSERT_THAT(m, IsOk());
  EntryCheck check;
  EntryRecord rec;
  rec.check = &check;
  rec.uuid = "u1";
  std::vector<std::set<std::string>> indexed(4);
  EXPECT_THAT((*m)->Match(rec, indexed), IsEmpty());
  check.facts.identities = {"https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main"};
  EXPECT_THAT((*m)->Match(rec, indexed), IsEmpty());  // issuer missing
  check.facts.oidc_issuer = "https://gh";
  EXPECT_THAT((*m)->Match(rec, indexed), ElementsAre("regexp"));
  // Anchored: a prefix elsewhere in the SAN does not match.
  check.facts.identities = {"https://evil.example/https://github.com/acme/x"};
  EXPECT_THAT((*m)->Match(rec, indexed), IsEmpty());
  check.facts.extensions = {{"sourceRepositoryOwnerURI", "https://github.com/acme"}};
  check.facts.key_sha256 = {"00000000000000000000000000000000000000000000000000000000000000aa"};
  EXPECT_THAT((*m)->Match(rec, indexed), ElementsAre("ext", "key"));
  // Digests: in the body, or through the log's search index (in-toto subjects).
  indexed[3] = {"u1"};
  EXPECT_THAT((*m)->Match(rec, indexed), ElementsAre("ext", "key", "digest"));
  indexed[3].clear();
  check.facts.digests = {"sha256:0123"};
  EXPECT_THAT((*m)->Match(rec, indexed), ElementsAre("ext", "key", "digest"));
  // A certificate the trusted root does not vouch for (self-signed, another CA): its identity
  // and extensions are claims, so identity rules do not match it; key and digest rules do.
  check.facts.identities = {"https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main"};
  EXPECT_THAT((*m)->Match(rec, indexed), ElementsAre("regexp", "ext", "key", "digest"));
  check.facts.untrusted = {"chain: self-signed"};
  EXPECT_THAT((*m)->Match(rec, indexed), ElementsAre("key", "digest"));
  const nlohmann::json alert = AlertJson("http://log", rec, {"key"});
  EXPECT_EQ(alert["certificate_trusted"], false);
  EXPECT_EQ(alert["untrusted"][0], "chain: self-signed");
}

}  // namespace
}  // namespace vouch::audit
