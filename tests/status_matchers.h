// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// gMock matchers for absl::Status and absl::StatusOr<T> (after CT's util/status_test_util.h):
//   EXPECT_THAT(f(), IsOk());
//   EXPECT_THAT(f(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("logIndex")));
#ifndef VOUCH_TESTS_STATUS_MATCHERS_H_
#define VOUCH_TESTS_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"

namespace vouch {
namespace testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace internal

MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& s = internal::GetStatus(arg);
  if (!s.ok()) *result_listener << "status is " << s;
  return s.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string(negation ? "has not" : "has") + " code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = internal::GetStatus(arg);
  *result_listener << "status is " << s;
  if (s.code() != code) return false;
  return ::testing::SafeMatcherCast<const std::string&>(message_matcher)
      .MatchAndExplain(std::string(s.message()), result_listener);
}

MATCHER_P(StatusIs, code,
          std::string(negation ? "has not" : "has") + " code " + absl::StatusCodeToString(code)) {
  const absl::Status& s = internal::GetStatus(arg);
  *result_listener << "status is " << s;
  return s.code() == code;
}

}  // namespace testing
}  // namespace vouch

#endif  // VOUCH_TESTS_STATUS_MATCHERS_H_
