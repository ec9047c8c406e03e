// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/health.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vouch {
namespace {

using ::testing::ElementsAre;

TEST(Health, ServingUntilAProblemIsReportedAndAgainWhenItClears) {
  Health h;
  HealthReport r = h.Check();
  EXPECT_TRUE(r.serving);
  EXPECT_EQ(r.http_status(), 200);
  EXPECT_EQ(r.Json(), R"({"status":"SERVING"})");

  h.SetProblem("log.append", "appends failing: storage: disk full");
  r = h.Check();
  EXPECT_FALSE(r.serving);
  EXPECT_EQ(r.http_status(), 503);
  EXPECT_THAT(r.reasons, ElementsAre("log.append: appends failing: storage: disk full"));
  const nlohmann::json j = nlohmann::json::parse(r.Json());
  EXPECT_EQ(j["status"], "NOT_SERVING");
  EXPECT_EQ(j["reasons"][0], "log.append: appends failing: storage: disk full");

  h.SetProblem("log.append", "appends failing: storage: I/O error");  // Replaces the reason.
  EXPECT_THAT(h.Check().reasons, ElementsAre("log.append: appends failing: storage: I/O error"));
  h.ClearProblem("log.append");
  EXPECT_TRUE(h.Check().serving);
  h.ClearProblem("log.append");  // No-op.
  EXPECT_EQ(h.problems_reported(), 2u);
}

TEST(Health, StickyProblemsSurviveClearAndKeepTheFirstReason) {
  Health h;
  h.SetProblem("log.integrity", "entry 7: body altered", /*sticky=*/true);
  h.SetProblem("log.integrity", "entry 9: body altered", /*sticky=*/true);
  h.SetProblem("log.append", "disk full");
  h.ClearProblem("log.integrity");
  h.ClearProblem("log.append");
  const HealthReport r = h.Check();
  EXPECT_FALSE(r.serving);
  EXPECT_THAT(r.reasons, ElementsAre("log.integrity: entry 7: body altered"));
}

TEST(Health, WarningsAreReportedWithoutChangingTheStatus) {
  Health h;
  h.SetWarning("tuf.targets", "trusted_root.json differs");
  HealthReport r = h.Check();
  EXPECT_TRUE(r.serving);
  EXPECT_EQ(r.http_status(), 200);
  EXPECT_THAT(r.warnings, ElementsAre("tuf.targets: trusted_root.json differs"));
  EXPECT_EQ(r.Json(),
            R"({"status":"SERVING","warnings":["tuf.targets: trusted_root.json differs"]})");
  h.SetProblem("log.append", "disk full");
  r = h.Check();
  EXPECT_FALSE(r.serving);
  const nlohmann::json j = nlohmann::json::parse(r.Json());
  EXPECT_EQ(j["reasons"][0], "log.append: disk full");
  EXPECT_EQ(j["warnings"][0], "tuf.targets: trusted_root.json differs");
  h.ClearProblem("log.append");
  h.SetWarning("tuf.targets", "signing_config.v0.2.json differs");  // Replaces the reason.
  EXPECT_THAT(h.Check().warnings, ElementsAre("tuf.targets: signing_config.v0.2.json differs"));
  h.ClearWarning("tuf.targets");
  h.ClearWarning("tuf.targets");  // No-op.
  EXPECT_EQ(h.Check().Json(), R"({"status":"SERVING"})");
  EXPECT_EQ(h.problems_reported(), 1u);
}

TEST(Health, ReasonsAreEscapedInJson) {
  Health h;
  h.SetProblem("k", "quote \" backslash \\ newline \n bad utf-8 \xff");
  const nlohmann::json j = nlohmann::json::parse(h.Check().Json());
  ASSERT_EQ(j["reasons"].size(), 1u);
  EXPECT_EQ(j["reasons"][0].get<std::string>().substr(0, 20), "k: quote \" backslash");
}

}  // namespace
}  // namespace vouch
