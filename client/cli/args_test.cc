// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(ParseArgs, AcceptsEverySpelling) {
  auto a = ParseArgs({"--bundle", "b.json", "--trusted-root=t.json", "--certificate_identity", "x",
                      "--help", "file.txt"},
                     {"bundle", "trusted-root", "certificate-identity"}, {"help"});
  ASSERT_THAT(a, IsOk());
  EXPECT_EQ(a->Get("bundle"), "b.json");
  EXPECT_EQ(a->Get("trusted-root"), "t.json");
  EXPECT_EQ(a->Get("certificate-identity"), "x");
  EXPECT_TRUE(a->Has("help"));
  EXPECT_THAT(a->positional, ElementsAre("file.txt"));
}

TEST(ParseArgs, DoubleDashEndsFlags) {
  auto a = ParseArgs({"--", "--bundle"}, {"bundle"}, {});
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(a->positional, ElementsAre("--bundle"));
  EXPECT_FALSE(a->Has("bundle"));
}

TEST(ParseArgs, RejectsUnknownFlagAndMissingValue) {
  EXPECT_THAT(ParseArgs({"--nope"}, {"bundle"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown flag --nope")));
  EXPECT_THAT(ParseArgs({"--bundle"}, {"bundle"}, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a value")));
  EXPECT_THAT(ParseArgs({"--help=maybe"}, {}, {"help"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseArgs, DigestLooksPositional) {
  auto a = ParseArgs({"sha256:abcd", "-"}, {}, {});
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(a->positional, ElementsAre("sha256:abcd", "-"));
}

}  // namespace
}  // namespace vouch::cli
