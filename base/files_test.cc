// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/files.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string TempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/files_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

int CountFiles(const std::string& dir) {
  int n = 0;
  DIR* d = ::opendir(dir.c_str());
  while (struct dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
  ::closedir(d);
  return n;
}

TEST(Files, WriteAtomicallyReplacesWholeFileWithModeAndLeavesNoTemporary) {
  const std::string dir = TempDir();
  const std::string path = dir + "/state";
  ASSERT_THAT(WriteFileAtomically(path, "first version, longer", 0600), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "second", 0600), IsOk());
  auto got = ReadSmallFile(path);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, "second");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(Files, WriteAtomicallyNamesTheFileOnFailure) {
  const std::string dir = TempDir();
  EXPECT_THAT(WriteFileAtomically(dir + "/missing/state", "x", 0600),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("missing/state.tmp.")));
  ::mkdir((dir + "/adir").c_str(), 0700);
  ::mkdir((dir + "/adir/sub").c_str(), 0700);
  // Renaming a file over a non-empty directory fails; nothing is left behind.
  EXPECT_THAT(WriteFileAtomically(dir + "/adir", "x", 0600),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("rename")));
  EXPECT_EQ(CountFiles(dir), 1);
}

TEST(Files, ReadSmallFileRefusesMissingAndOversizedFiles) {
  const std::string dir = TempDir();
  EXPECT_THAT(ReadSmallFile(dir + "/nope"), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_THAT(WriteFileAtomically(dir + "/big", std::string(100, 'x'), 0600), IsOk());
  EXPECT_THAT(ReadSmallFile(dir + "/big", 99),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("larger than 99")));
  EXPECT_THAT(ReadSmallFile(dir + "/big", 100), IsOk());
}

}  // namespace
}  // namespace vouch
