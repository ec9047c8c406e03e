// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string TempDir() {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return tmp != nullptr ? tmp : "/tmp";
}

std::string WriteTemp(const std::string& name, const std::string& content, mode_t mode = 0600) {
  const std::string path = absl::StrCat(TempDir(), "/", name);
  unlink(path.c_str());
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fd);
  chmod(path.c_str(), mode);
  return path;
}

TEST(ReadFile, ReadsBinaryContentExactly) {
  std::string content("a\0b\xff\n", 5);
  content += std::string(200 * 1024, 'x');  // more than one read buffer
  const std::string path = WriteTemp("read_file_binary", content);
  auto read = ReadFile(path);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, content);
  EXPECT_THAT(ReadFile(WriteTemp("read_file_empty", "")), IsOk());
}

TEST(ReadFile, MissingFileIsNotFoundNamingThePath) {
  EXPECT_THAT(ReadFile("/nonexistent/vouch/file"),
              StatusIs(absl::StatusCode::kNotFound, StartsWith("/nonexistent/vouch/file: ")));
  // A path through a regular file (ENOTDIR) is NotFound too.
  const std::string file = WriteTemp("read_file_notdir", "x");
  EXPECT_THAT(ReadFile(file + "/below"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ReadFile, DirectoryIsFailedPrecondition) {
  EXPECT_THAT(ReadFile(TempDir()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("directory")));
}

TEST(ReadFile, UnreadableFileIsPermissionDenied) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
  const std::string path = WriteTemp("read_file_unreadable", "secret", 0000);
  EXPECT_THAT(ReadFile(path), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(path)));
}

TEST(ReadFile, RefusesFilesOverTheLimit) {
  const std::string path = WriteTemp("read_file_limit", std::string(100, 'a'));
  EXPECT_THAT(ReadFile(path, 100), IsOk());
  EXPECT_THAT(ReadFile(path, 99),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("larger than 99 bytes")));
}

TEST(ReadFile, ReadsPipesToTheEnd) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const std::string content = "from a pipe\n";
  ASSERT_EQ(write(fds[1], content.data(), content.size()), static_cast<ssize_t>(content.size()));
  close(fds[1]);
  auto read = ReadFile(absl::StrCat("/proc/self/fd/", fds[0]));
  close(fds[0]);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, content);
}

TEST(ReadFile, LimitAppliesToPipesToo) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "0123456789", 10), 10);
  close(fds[1]);
  EXPECT_THAT(ReadFile(absl::StrCat("/proc/self/fd/", fds[0]), 9),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  close(fds[0]);
}

}  // namespace
}  // namespace vouch
