// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log on real SQLite files under disk and file-system faults (log/fault_vfs.h) and a moving
// clock. Each test checks the same promises: no acknowledged entry is lost, no checkpoint
// contradicts one handed out before, the client gets a clear error, and the log recovers by
// itself once the fault is gone (without a restart; after a crash, by reopening).
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/health.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/fault_vfs.h"
#include "log/hash.h"
#include "log/log.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/fault_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

// What a client was told: an acknowledged entry and the checkpoint it came with.
struct Ack {
  uint64_t index = 0;
  std::string body;
  std::string checkpoint;
};

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    vfs_ = FaultVfs::Install();
    vfs_->Clear();
    injected_before_ = vfs_->injected();
    dir_ = NewTempDir();
    auto key =
        signer::OpenSslSigner::LoadOrCreate(dir_ + "/log_key.pem", signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_ = std::move(*key);
    auto v = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
    ASSERT_THAT(v, IsOk());
    verifier_ = std::move(*v);
    options_.health = &health_;
    options_.published_checkpoint_path = dir_ + "/published_checkpoint";
    options_.published_checkpoint_interval = absl::ZeroDuration();
    ASSERT_THAT(Reopen(), IsOk());
  }
  void TearDown() override {
    vfs_->Clear();
    log_.reset();
    storage_.reset();
  }

  absl::Status Reopen() {
    log_.reset();
    storage_.reset();
    auto s = SqliteStorage::Open(dir_ + "/vouch.db");
    if (!s.ok()) return s.status();
    storage_ = std::move(*s);
    auto log = Log::Open(storage_.get(), key_.get(), options_);
    if (!log.ok()) return log.status();
    log_ = std::move(*log);
    return absl::OkStatus();
  }

  absl::StatusOr<EntryWithProof> Append(const std::string& body) {
    auto r = log_->Append(NewEntry{body, {"k:" + body}});
    if (r.ok()) acks_.push_back(Ack{r->entry.index, body, r->checkpoint});
    return r;
  }

  void AppendOk(int n, const std::string& prefix) {
    for (int i = 0; i < n; ++i) ASSERT_THAT(Append(absl::StrCat(prefix, i)), IsOk());
  }

  // Every acknowledged entry is in the log at its index, and the latest checkpoint is consistent
  // with every checkpoint handed out (checked after reopening from the files, like a restart).
  void ExpectNothingLostNoFork() {
    ASSERT_THAT(Reopen(), IsOk());
    const TreeState latest = log_->Latest();
    for (const Ack& a : acks_) {
      auto e = log_->GetByIndex(a.index);
      ASSERT_THAT(e, IsOk()) << "acknowledged entry " << a.index << " lost";
      EXPECT_EQ(e->entry.body, a.body) << "index " << a.index;
      auto cp = VerifyCheckpoint(a.checkpoint, options_.signer_name, *verifier_);
      ASSERT_THAT(cp, IsOk());
      ASSERT_LE(cp->size, latest.size);
      std::vector<Hash> proof;
      if (cp->size > 0) {
        auto p = log_->ConsistencyProof(cp->size, latest.size);
        ASSERT_THAT(p, IsOk());
        proof = *p;
      }
      EXPECT_THAT(VerifyConsistency(cp->size, latest.size, proof, cp->root, latest.root), IsOk())
          << "checkpoint of size " << cp->size << " contradicted";
    }
  }

  // Faults injected by this test.
  uint64_t Injected() const { return vfs_->injected() - injected_before_; }

  FaultVfs* vfs_ = nullptr;
  uint64_t injected_before_ = 0;
  std::string dir_;
  Health health_;
  LogOptions options_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<signer::OpenSslVerifier> verifier_;
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<Log> log_;
  std::vector<Ack> acks_;
};

TEST_F(FaultTest, FsyncFailingOnceFailsThatCommitOnlyAndTheLogGoesOn) {
  AppendOk(3, "a");
  vfs_->FailSync(1, "-wal");
  EXPECT_THAT(Append("lost"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk I/O error")));
  EXPECT_EQ(Injected(), 1u);
  EXPECT_EQ(log_->Latest().size, 3u);
  EXPECT_FALSE(health_.Check().serving);
  // The next commit works without a restart; the client's retry of the failed entry too.
  ASSERT_THAT(Append("lost"), IsOk());
  AppendOk(3, "b");
  EXPECT_TRUE(health_.Check().serving);
  ExpectNothingLostNoFork();
  EXPECT_EQ(log_->Latest().size, 7u);
}

TEST_F(FaultTest, FsyncFailingForeverFailsAppendsUntilFixedWhileReadsGoOn) {
  AppendOk(4, "a");
  vfs_->FailSync(FaultVfs::kForever, "-wal");
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(Append(absl::StrCat("x", i)),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk I/O error")));
  }
  HealthReport r = health_.Check();
  EXPECT_FALSE(r.serving);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_THAT(r.reasons[0], HasSubstr("log.append: appends failing"));
  // Reads are still served, with proofs.
  auto e = log_->GetByIndex(2);
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->entry.body, "a2");
  EXPECT_EQ(log_->Latest().size, 4u);
  vfs_->Clear();
  AppendOk(2, "b");
  EXPECT_TRUE(health_.Check().serving);
  ExpectNothingLostNoFork();
}

TEST_F(FaultTest, DiskFullFailsCommitsNamingItAndRecoversWhenSpaceReturns) {
  AppendOk(2, "a");
  vfs_->FailWriteFull(FaultVfs::kForever, "-wal");
  EXPECT_THAT(Append("x"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("database or disk is full")));
  EXPECT_THAT(Append("y"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log_->Latest().size, 2u);
  vfs_->Clear();
  ASSERT_THAT(Append("x"), IsOk());
  ExpectNothingLostNoFork();
  EXPECT_EQ(log_->Latest().size, 3u);
}

TEST_F(FaultTest, ShortWriteFailsTheCommitAndLeavesNoTornEntry) {
  AppendOk(3, "a");
  vfs_->ShortWrite(1, "-wal");
  EXPECT_THAT(Append("torn"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Injected(), 1u);
  AppendOk(3, "b");
  ExpectNothingLostNoFork();
  EXPECT_EQ(log_->Latest().size, 6u);
  EXPECT_THAT(log_->Search("k:torn", 10), IsOk());
  EXPECT_TRUE(log_->Search("k:torn", 10)->empty());
}

TEST_F(FaultTest, BusyWriteLockIsWaitedOut) {
  AppendOk(1, "a");
  vfs_->Busy(5, "vouch.db");
  ASSERT_THAT(Append("b"), IsOk());
  EXPECT_EQ(Injected(), 5u);
  ExpectNothingLostNoFork();
}

TEST_F(FaultTest, FileSystemTurningReadOnlyFailsAppendsServesReadsAndRecovers) {
  AppendOk(3, "a");
  vfs_->ReadOnly();
  EXPECT_THAT(Append("x"), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk I/O error")));
  auto e = log_->GetByIndex(1);
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->entry.body, "a1");
  auto p = log_->ConsistencyProof(1, 3);
  EXPECT_THAT(p, IsOk());
  EXPECT_FALSE(health_.Check().serving);
  vfs_->Clear();
  ASSERT_THAT(Append("x"), IsOk());
  EXPECT_TRUE(health_.Check().serving);
  ExpectNothingLostNoFork();
}

// A child process appends one entry at a time, reporting each acknowledgement (index, body,
// checkpoint) on a pipe, and is killed (SIGKILL) at its |nth| WAL sync: in the middle of a
// commit, after the batch and its signed checkpoint were written to the WAL and before they are
// durable. The parent then reopens the files as a restarted vouchd would.
void AppendUntilKilled(const std::string& dir, const signer::Signer* key, LogOptions options,
                       int nth, int fd) {
  auto storage = SqliteStorage::Open(dir + "/vouch.db");
  if (!storage.ok()) _exit(2);
  auto log = Log::Open(storage->get(), key, options);
  if (!log.ok()) _exit(3);
  FaultVfs::Install()->KillAtSync(nth, "-wal");
  for (int i = 0; i < 1000; ++i) {
    const std::string body = absl::StrCat("c", nth, "-", i);
    auto r = (*log)->Append(NewEntry{body, {}});
    if (!r.ok()) _exit(4);
    std::string cp = r->checkpoint;
    for (char& c : cp) {
      if (c == '\n') c = '|';
    }
    const std::string line = absl::StrCat(r->entry.index, " ", body, " ", cp, "\n");
    if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(5);
  }
  _exit(0);
}

TEST_F(FaultTest, KillMinus9MidCommitLosesNoAcknowledgedEntryAndReopensByItself) {
  AppendOk(2, "a");
  for (int nth : {1, 2, 5, 9}) {
    log_.reset();
    storage_.reset();
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      AppendUntilKilled(dir_, key_.get(), options_, nth, fds[1]);
    }
    ::close(fds[1]);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) out.append(buf, n);
    ::close(fds[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    int acked = 0;
    for (absl::string_view line : absl::StrSplit(out, '\n', absl::SkipEmpty())) {
      std::vector<std::string> f = absl::StrSplit(line, absl::MaxSplits(' ', 2));
      ASSERT_EQ(f.size(), 3u) << line;
      Ack a;
      ASSERT_TRUE(absl::SimpleAtoi(f[0], &a.index));
      a.body = f[1];
      a.checkpoint = f[2];
      for (char& c : a.checkpoint) {
        if (c == '|') c = '\n';
      }
      acks_.push_back(a);
      ++acked;
    }
    // Each commit syncs the WAL once (the background WAL checkpoint may sync it too): at most
    // nth-1 commits were acknowledged.
    EXPECT_LE(acked, nth - 1) << "kill at sync " << nth;
    ExpectNothingLostNoFork();
    AppendOk(1, absl::StrCat("after", nth, "-"));
  }
  ExpectNothingLostNoFork();
}

// The log takes its time from options.clock, and never lets it run backwards: integrated times
// and checkpoint timestamps stay monotonic when the clock goes back (they hold at the newest
// time signed), follow it forwards, and hold across a restart with the clock still behind.
TEST_F(FaultTest, ClockGoingBackwardsOrJumpingKeepsSignedTimesMonotonic) {
  const absl::Time t0 = absl::FromUnixSeconds(1800000000);
  FakeClock clock(t0);
  options_.clock = &clock;
  ASSERT_THAT(Reopen(), IsOk());
  int64_t last_time = 0;
  int64_t last_checkpoint = 0;
  auto append = [&](const std::string& body) -> int64_t {
    auto r = Append(body);
    EXPECT_THAT(r, IsOk());
    if (!r.ok()) return 0;
    EXPECT_GE(r->entry.integrated_time, last_time) << body;
    EXPECT_GE(log_->Latest().timestamp, last_checkpoint) << body;
    EXPECT_EQ(log_->Latest().timestamp, r->entry.integrated_time) << body;
    last_time = r->entry.integrated_time;
    last_checkpoint = log_->Latest().timestamp;
    return r->entry.integrated_time;
  };
  EXPECT_EQ(append("t0"), absl::ToUnixSeconds(t0));
  clock.Set(t0 - absl::Hours(1));
  EXPECT_EQ(append("back"), absl::ToUnixSeconds(t0));
  clock.Set(t0 + absl::Hours(24 * 365));
  EXPECT_EQ(append("year"), absl::ToUnixSeconds(t0 + absl::Hours(24 * 365)));
  clock.Set(t0 + absl::Seconds(5));
  EXPECT_EQ(append("back2"), absl::ToUnixSeconds(t0 + absl::Hours(24 * 365)));
  // A restart with the clock still behind keeps the newest time signed.
  ASSERT_THAT(Reopen(), IsOk());
  EXPECT_EQ(append("restart"), absl::ToUnixSeconds(t0 + absl::Hours(24 * 365)));
  clock.Set(t0 + absl::Hours(24 * 365) + absl::Seconds(1));
  EXPECT_EQ(append("caught-up"), absl::ToUnixSeconds(t0 + absl::Hours(24 * 365)) + 1);
  ExpectNothingLostNoFork();
}

}  // namespace
}  // namespace vouch::log
