// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/canonical_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::tuf {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::StatusIs;

TEST(CanonicalJson, SortsMembersAndWritesNoWhitespace) {
  auto j = ParseJson(R"({"b": [1, -2, true, null], "a": {"d": "x", "c": false}})");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(*CanonicalJson(*j), R"({"a":{"c":false,"d":"x"},"b":[1,-2,true,null]})");
}

TEST(CanonicalJson, EscapesOnlyQuoteAndBackslash) {
  // securesystemslib and tuf-js write newlines, tabs and non-ASCII as raw bytes.
  nlohmann::json j = "a\"b\\c\nd\te\xc3\xa9";
  EXPECT_EQ(*CanonicalJson(j), "\"a\\\"b\\\\c\nd\te\xc3\xa9\"");
}

TEST(CanonicalJson, RefusesFloats) {
  auto j = ParseJson(R"({"version": 1.5})");
  ASSERT_TRUE(j.ok());
  EXPECT_THAT(CanonicalJson(*j), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float")));
}

TEST(CanonicalJson, ParseRefusesDuplicateMembers) {
  EXPECT_THAT(ParseJson(R"({"a": 1, "a": 2})"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseJson("{\"a\": 1} x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::tuf
