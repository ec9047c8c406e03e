// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/logging.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vouch {
namespace {

int Touch(int* counter) { return ++*counter; }

TEST(Logging, ParsesLevels) {
  LogLevel level;
  ASSERT_TRUE(ParseLogLevel("debug", &level));
  EXPECT_EQ(level, LogLevel::kDebug);
  ASSERT_TRUE(ParseLogLevel("error", &level));
  EXPECT_EQ(level, LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("loud", &level));
}

TEST(Logging, WritesOneLinePerEventWithLevelAndLocation) {
  SetMinLogLevel(LogLevel::kInfo);
  ::testing::internal::CaptureStderr();
  VLOG_INFO << "two\nlines " << 42;
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(
      out, ::testing::MatchesRegex(
               "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z I logging_test.cc:[0-9]+\\] two lines 42\n"));
}

TEST(Logging, DisabledLevelsAreNotEvaluated) {
  SetMinLogLevel(LogLevel::kWarning);
  int counter = 0;
  ::testing::internal::CaptureStderr();
  VLOG_INFO << Touch(&counter);
  VLOG_DEBUG << Touch(&counter);
  VLOG_WARNING << Touch(&counter);
  const std::string out = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(counter, 1);
  EXPECT_THAT(out, ::testing::HasSubstr(" W "));
  SetMinLogLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace vouch
