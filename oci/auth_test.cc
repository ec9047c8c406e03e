// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/auth.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(Challenge, ParsesDistributionsBearerAndBasic) {
  auto c = ParseWwwAuthenticate(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push")");
  ASSERT_THAT(c.status(), IsOk());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].scheme, "bearer");
  EXPECT_EQ((*c)[0].Param("realm"), "https://auth.example.com/token");
  EXPECT_EQ((*c)[0].Param("scope"), "repository:a/b:pull,push");
  auto two = ParseWwwAuthenticate(
      R"(Basic realm="a \"quoted\" realm", Bearer realm="r",error=insufficient_scope)");
  ASSERT_THAT(two.status(), IsOk());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].Param("realm"), "a \"quoted\" realm");
  EXPECT_EQ((*two)[1].Param("error"), "insufficient_scope");
  EXPECT_THAT(ParseWwwAuthenticate(R"(Bearer realm="unterminated)"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unterminated")));
  EXPECT_THAT(ParseWwwAuthenticate(""), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Token, ParsesTokenOrAccessToken) {
  auto t = ParseTokenResponse(R"({"token":"abc","expires_in":300})");
  ASSERT_THAT(t.status(), IsOk());
  EXPECT_EQ(t->token, "abc");
  EXPECT_EQ(t->expires_in, absl::Seconds(300));
  EXPECT_EQ(ParseTokenResponse(R"({"access_token":"x"})")->expires_in, absl::Seconds(60));
  EXPECT_THAT(ParseTokenResponse(R"({"token":""})"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DockerConfig, FindsCredentialsByHost) {
  const std::string config = R"({"auths":{
      "https://index.docker.io/v1/":{"auth":"aHViOnNlY3JldDpjb2xvbg=="},
      "http://127.0.0.1:5000":{"username":"u","password":"p"},
      "ghcr.io":{"identitytoken":"refresh"}},
    "credHelpers":{"gcr.io":"gcloud"}, "credsStore":"desktop"})";
  auto hub = CredentialsFromDockerConfig(config, "docker.io");
  ASSERT_THAT(hub.status(), IsOk());
  ASSERT_TRUE(hub->has_value());
  EXPECT_EQ((*hub)->username, "hub");
  EXPECT_EQ((*hub)->password, "secret:colon");
  auto local = CredentialsFromDockerConfig(config, "127.0.0.1:5000");
  ASSERT_TRUE(local.ok() && local->has_value());
  EXPECT_EQ((*local)->password, "p");
  EXPECT_EQ((*CredentialsFromDockerConfig(config, "ghcr.io"))->identity_token, "refresh");
  auto none = CredentialsFromDockerConfig(config, "quay.io");
  ASSERT_THAT(none.status(), IsOk());
  EXPECT_FALSE(none->has_value());
  EXPECT_THAT(CredentialsFromDockerConfig(config, "gcr.io"),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("credential helper")));
  EXPECT_THAT(CredentialsFromDockerConfig(R"({"auths":{"x":{"auth":"!!"}}})", "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("auths[\"x\"].auth")));
  EXPECT_THAT(CredentialsFromDockerConfig("[", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::oci
