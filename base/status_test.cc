// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  VOUCH_ASSIGN_OR_RETURN(int h, Half(x));
  VOUCH_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int x) {
  VOUCH_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(Status, AssignOrReturnPropagatesErrors) {
  EXPECT_THAT(Quarter(8), IsOk());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
}

TEST(Status, ReturnIfErrorPropagatesErrors) {
  EXPECT_THAT(CheckEven(4), IsOk());
  EXPECT_THAT(CheckEven(3), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Status, AnnotatePrependsContextAndKeepsCode) {
  absl::Status s = Annotate(absl::NotFoundError("no entry"), "logIndex 7");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kNotFound, "logIndex 7: no entry"));
  EXPECT_THAT(Annotate(absl::OkStatus(), "x"), IsOk());
}

TEST(StatusMatchers, StatusIsRejectsWrongCodeAndMessage) {
  absl::Status s = absl::InternalError("boom");
  EXPECT_THAT(s, ::testing::Not(StatusIs(absl::StatusCode::kNotFound)));
  EXPECT_THAT(s, ::testing::Not(StatusIs(absl::StatusCode::kInternal, "bang")));
  EXPECT_THAT(s, ::testing::Not(IsOk()));
}

}  // namespace
}  // namespace vouch
