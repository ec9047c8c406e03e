// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/checkpoint_file.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;

std::string TempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/checkpoint_file_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

std::string Contents(const std::string& path) {
  auto s = ReadSmallFile(path);
  return s.ok() ? *s : "";
}

// The writer thread writes a published checkpoint without being asked (no Flush, no Stop).
TEST(CheckpointFile, WritesPublishedCheckpointInTheBackground) {
  const std::string path = TempDir() + "/published_checkpoint";
  auto f = CheckpointFile::Start(path, absl::Milliseconds(1), std::nullopt, nullptr);
  f->Publish(3, "note 3\n");
  for (int i = 0; i < 10000 && f->written_size() != 3u; ++i) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(f->written_size(), 3u);
  EXPECT_EQ(Contents(path), "note 3\n");
  // A file that did not exist is written even for the empty tree (size 0).
  const std::string empty = path + ".empty";
  auto g = CheckpointFile::Start(empty, absl::Hours(1), std::nullopt, nullptr);
  g->Publish(0, "note 0\n");
  EXPECT_THAT(g->Flush(), IsOk());
  EXPECT_EQ(Contents(empty), "note 0\n");
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

// Checkpoints published faster than the interval are coalesced (not one fsync each), older ones
// are ignored, and Stop leaves the newest in the file.
TEST(CheckpointFile, CoalescesWithinTheIntervalAndStopWritesTheNewest) {
  const std::string path = TempDir() + "/published_checkpoint";
  auto f = CheckpointFile::Start(path, absl::Hours(1), std::nullopt, nullptr);
  for (uint64_t size = 1; size <= 500; ++size) f->Publish(size, absl::StrCat("note ", size, "\n"));
  f->Publish(7, "older\n");
  f->Stop();
  EXPECT_EQ(Contents(path), "note 500\n");
  EXPECT_EQ(f->written_size(), 500u);
  // The thread wrote at most once before its hour-long pause, Stop once more.
  EXPECT_LE(f->writes(), 2u);
  f->Stop();  // Idempotent.
  EXPECT_LE(f->writes(), 2u);
}

// A size the file already holds (given at Start) is not written again.
TEST(CheckpointFile, DoesNotRewriteWhatTheFileHolds) {
  const std::string path = TempDir() + "/published_checkpoint";
  auto f = CheckpointFile::Start(path, absl::Milliseconds(1), 10, nullptr);
  f->Publish(10, "same size\n");
  EXPECT_THAT(f->Flush(), IsOk());
  f->Stop();
  EXPECT_EQ(f->writes(), 0u);
  EXPECT_EQ(::access(path.c_str(), F_OK), -1);
}

// A failed write is reported to health (NOT_SERVING naming the file) and cleared by the next
// successful one.
TEST(CheckpointFile, WriteFailureIsReportedUntilAWriteSucceeds) {
  const std::string dir = TempDir() + "/not-yet";
  Health health;
  auto f =
      CheckpointFile::Start(dir + "/published_checkpoint", absl::Hours(1), std::nullopt, &health);
  f->Publish(1, "note 1\n");
  EXPECT_FALSE(f->Flush().ok());
  HealthReport r = health.Check();
  EXPECT_FALSE(r.serving);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_THAT(r.reasons[0], HasSubstr("log.checkpoint_file: cannot write " + dir));
  ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
  EXPECT_THAT(f->Flush(), IsOk());
  EXPECT_TRUE(health.Check().serving);
  EXPECT_EQ(Contents(dir + "/published_checkpoint"), "note 1\n");
}

}  // namespace
}  // namespace vouch::log
