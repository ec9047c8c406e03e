// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/flags.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vouch {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Normalize(std::vector<std::string> in) {
  std::vector<char*> argv;
  for (auto& s : in) argv.push_back(s.data());
  std::vector<std::string> storage;
  std::vector<char*> out = NormalizeFlagNames(static_cast<int>(argv.size()), argv.data(), &storage);
  return std::vector<std::string>(out.begin(), out.end());
}

TEST(Flags, TurnsDashesInFlagNamesIntoUnderscores) {
  EXPECT_THAT(Normalize({"prog", "--data-dir=/a-b", "--http-addr", "x-y", "-log-level=info"}),
              ElementsAre("prog", "--data_dir=/a-b", "--http_addr", "x-y", "-log_level=info"));
}

TEST(Flags, LeavesPositionalsAndEverythingAfterDoubleDashAlone) {
  EXPECT_THAT(Normalize({"prog", "file-name", "--", "--not-a-flag", "-"}),
              ElementsAre("prog", "file-name", "--", "--not-a-flag", "-"));
}

}  // namespace
}  // namespace vouch
