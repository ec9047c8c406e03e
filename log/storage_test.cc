// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Typed tests run against every LogStorage implementation (CT's DBTest, trillian's
// RunLogStorageTests). Add an implementation by adding a factory to StorageFactories().
#include "log/storage.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/sqlite_storage.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/storage_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

struct SqliteFactory {
  static absl::StatusOr<std::unique_ptr<LogStorage>> Make(const std::string& dir) {
    auto s = SqliteStorage::Open(dir + "/vouch.db");
    if (!s.ok()) return s.status();
    return std::unique_ptr<LogStorage>(std::move(*s));
  }
};

StoredEntry Entry(uint64_t index, const std::string& body) {
  StoredEntry e;
  e.index = index;
  e.body = body;
  e.leaf_hash = HashLeaf(body);
  e.integrated_time = 1700000000 + static_cast<int64_t>(index);
  e.set = "set-" + body;
  return e;
}

StoredTile Tile(uint32_t level, uint64_t index, uint32_t width, char fill) {
  StoredTile t;
  t.level = level;
  t.index = index;
  t.width = width;
  t.hashes = std::string(StoredTileBytes(width), fill);
  return t;
}

template <typename Factory>
class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTempDir();
    auto s = Factory::Make(dir_);
    ASSERT_THAT(s, IsOk());
    storage_ = std::move(*s);
  }
  std::string dir_;
  std::unique_ptr<LogStorage> storage_;
};

using Factories = ::testing::Types<SqliteFactory>;
TYPED_TEST_SUITE(StorageTest, Factories);

TYPED_TEST(StorageTest, NewLogIsEmpty) {
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    auto state = r.ReadTreeState();
    if (!state.ok()) return state.status();
    EXPECT_FALSE(state->has_value());
    auto count = r.CountEntries();
    EXPECT_THAT(count, IsOk());
    EXPECT_EQ(*count, 0u);
    EXPECT_THAT(r.ReadEntry(0), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(r.ReadTile(0, 0), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }),
              IsOk());
}

TYPED_TEST(StorageTest, WritesAndReadsEntriesTilesStateAndKeys) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteEntries({Entry(0, "a"), Entry(1, "b")}), IsOk());
    EXPECT_THAT(w.WriteIndexKeys(0, {"sha256:aa", "email:x@y"}), IsOk());
    EXPECT_THAT(w.WriteIndexKeys(1, {"sha256:aa"}), IsOk());
    EXPECT_THAT(w.WriteTile(Tile(0, 0, 2, 'h')), IsOk());
    TreeState t;
    t.size = 2;
    t.root = HashLeaf("root");
    t.checkpoint = "note";
    t.timestamp = 5;
    t.compact_range = {HashLeaf("x")};
    return w.WriteTreeState(t);
  }),
              IsOk());
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    auto e = r.ReadEntry(1);
    EXPECT_THAT(e, IsOk());
    EXPECT_EQ(e->body, "b");
    EXPECT_EQ(e->leaf_hash, HashLeaf("b"));
    EXPECT_EQ(e->set, "set-b");
    auto all = r.ReadEntries(0, 10);
    EXPECT_THAT(all, IsOk());
    EXPECT_EQ(all->size(), 2u);
    auto found = r.FindLeaf(HashLeaf("a"));
    EXPECT_THAT(found, IsOk());
    EXPECT_EQ(**found, 0u);
    EXPECT_FALSE(r.FindLeaf(HashLeaf("zz"))->has_value());
    EXPECT_THAT(*r.FindByKey("sha256:aa", 10), ElementsAre(0u, 1u));
    EXPECT_THAT(*r.FindByKey("sha256:aa", 1), ElementsAre(0u));
    EXPECT_THAT(*r.FindByKey("email:x@y", 10), ElementsAre(0u));
    auto tile = r.ReadTile(0, 0);
    EXPECT_THAT(tile, IsOk());
    EXPECT_EQ(tile->width, 2u);
    EXPECT_EQ(tile->hashes, std::string(StoredTileBytes(2), 'h'));
    auto state = r.ReadTreeState();
    EXPECT_THAT(state, IsOk());
    EXPECT_EQ((*state)->size, 2u);
    EXPECT_EQ((*state)->checkpoint, "note");
    EXPECT_EQ((*state)->compact_range.size(), 1u);
    EXPECT_EQ(*r.CountEntries(), 2u);
    return absl::OkStatus();
  }),
              IsOk());
}

TYPED_TEST(StorageTest, MetaAndCertificatesRoundTrip) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteMeta("log_created", "123"), IsOk());
    CertificateRecord c;
    c.serial_hex = "0a";
    c.identity = "a@b";
    c.issuer = "https://issuer";
    c.key_sha256_hex = "ff";
    c.not_before = 7;
    return w.WriteCertificate(c);
  }),
              IsOk());
  EXPECT_THAT(this->storage_->WriteTx([](LogWriter& w) {
    CertificateRecord c;
    c.serial_hex = "0a";
    return w.WriteCertificate(c);
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(**r.ReadMeta("log_created"), "123");
    EXPECT_FALSE(r.ReadMeta("nope")->has_value());
    auto c = r.ReadCertificate("0a");
    EXPECT_THAT(c, IsOk());
    EXPECT_EQ((*c)->identity, "a@b");
    EXPECT_EQ((*c)->not_before, 7);
    EXPECT_FALSE(r.ReadCertificate("0b")->has_value());
    return absl::OkStatus();
  }),
              IsOk());
}

TYPED_TEST(StorageTest, FailedTransactionLeavesNothingBehind) {
  absl::Status s = this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteEntries({Entry(0, "a")}), IsOk());
    return absl::AbortedError("changed my mind");
  });
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntries(), 0u);
    return absl::OkStatus();
  }),
              IsOk());
}

TYPED_TEST(StorageTest, RejectsDuplicateLeafAndGapsInIndices) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) { return w.WriteEntries({Entry(0, "a")}); }),
              IsOk());
  EXPECT_THAT(this->storage_->WriteTx([](LogWriter& w) {
    StoredEntry dup = Entry(1, "a");
    return w.WriteEntries({dup});
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(this->storage_->WriteTx([](LogWriter& w) { return w.WriteEntries({Entry(5, "c")}); }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not the next index 1")));
  EXPECT_THAT(this->storage_->WriteTx([](LogWriter& w) { return w.WriteTile(Tile(0, 0, 0, 'x')); }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST(StorageTest, DataSurvivesReopen) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) {
    return w.WriteEntries({Entry(0, "a"), Entry(1, "b")});
  }),
              IsOk());
  this->storage_.reset();
  auto again = TypeParam::Make(this->dir_);
  ASSERT_THAT(again, IsOk());
  ASSERT_THAT((*again)->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntries(), 2u);
    return absl::OkStatus();
  }),
              IsOk());
}

TEST(SqliteStorage, RefusesFileThatIsNotADatabase) {
  const std::string dir = NewTempDir();
  FILE* f = fopen((dir + "/vouch.db").c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not sqlite, this is a text file that is long enough to have a header", f);
  fclose(f);
  EXPECT_THAT(SqliteStorage::Open(dir + "/vouch.db"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SqliteStorage, ReportsCorruptedTileRowAsDataLoss) {
  const std::string dir = NewTempDir();
  auto s = SqliteStorage::Open(dir + "/vouch.db");
  ASSERT_THAT(s, IsOk());
  ASSERT_THAT((*s)->WriteTx([](LogWriter& w) { return w.WriteTile(Tile(0, 0, 4, 'x')); }), IsOk());
  s->reset();
  // Corrupt the row behind the storage's back.
  const std::string cmd =
      "sqlite3 " + dir + "/vouch.db \"UPDATE tiles SET hashes = x'0102' WHERE level = 0\"";
  ASSERT_EQ(system(cmd.c_str()), 0);
  auto again = SqliteStorage::Open(dir + "/vouch.db");
  ASSERT_THAT(again, IsOk());
  ASSERT_THAT((*again)->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_THAT(r.ReadTile(0, 0), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("tile 0/0")));
    return absl::OkStatus();
  }),
              IsOk());
}

off_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

// Commit number |commit|: |n| full level-0 tiles (16 KiB each), filled with 'a', 'b', ...
absl::Status WriteFullTiles(LogStorage& storage, uint64_t commit, uint64_t n) {
  return storage.WriteTx([&](LogWriter& w) -> absl::Status {
    for (uint64_t j = 0; j < n; ++j) {
      absl::Status st = w.WriteTile(Tile(0, commit * n + j, 256, static_cast<char>('a' + j)));
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  });
}

// Commits never checkpoint the WAL themselves (autocheckpoint off); the background thread copies
// it into the database file once it passes its threshold, while writes go on.
TEST(SqliteStorage, CheckpointsTheWalInTheBackground) {
  const std::string dir = NewTempDir();
  auto s = SqliteStorage::Open(dir + "/vouch.db");
  ASSERT_THAT(s, IsOk());
  const off_t empty = FileSize(dir + "/vouch.db");
  // ~24 MiB of tiles in 48 commits: well past the threshold (4,000 pages = 16 MiB of WAL).
  for (uint64_t i = 0; i < 48; ++i) {
    ASSERT_THAT(WriteFullTiles(**s, i, 32), IsOk());
  }
  off_t db = 0;
  for (int tries = 0; tries < 100 && db < 8 * 1024 * 1024; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    db = FileSize(dir + "/vouch.db");
  }
  EXPECT_GE(db, 8 * 1024 * 1024) << "database file still " << db << " bytes (was " << empty
                                 << "): the WAL was not checkpointed";
  // Everything reads back after the checkpoint, through fresh connections too.
  s->reset();
  auto again = SqliteStorage::Open(dir + "/vouch.db");
  ASSERT_THAT(again, IsOk());
  ASSERT_THAT((*again)->ReadTx([](LogReader& r) -> absl::Status {
    auto t = r.ReadTile(0, 47 * 32 + 31);
    EXPECT_THAT(t, IsOk());
    if (t.ok()) {
      EXPECT_EQ(t->hashes, std::string(StoredTileBytes(256), 'a' + 31));
    }
    return absl::OkStatus();
  }),
              IsOk());
}

// Back-to-back commits (no idle moment for SQLite to restart the WAL): the background thread must
// still reset the WAL again and again instead of letting it grow with everything ever written,
// and fold it away completely once writes stop. ~150 MiB go through a storage whose checkpoint
// starts at 64 pages.
TEST(SqliteStorage, WalStaysBoundedUnderSustainedWrites) {
  const std::string dir = NewTempDir();
  auto s = SqliteStorage::Open(dir + "/vouch.db", /*checkpoint_frames=*/64);
  ASSERT_THAT(s, IsOk());
  const std::string wal_path = dir + "/vouch.db-wal";
  off_t max_wal = 0, last_wal = 0, written = 0;
  int resets = 0;
  for (uint64_t i = 0; i < 1152; ++i) {
    ASSERT_THAT(WriteFullTiles(**s, i, 8), IsOk());
    written += 8 * static_cast<off_t>(StoredTileBytes(256));
    const off_t wal = FileSize(wal_path);
    if (wal < last_wal) ++resets;
    last_wal = wal;
    max_wal = std::max(max_wal, wal);
  }
  EXPECT_GE(resets, 3) << "the WAL was never reset while writes went on";
  EXPECT_LT(max_wal, written / 2) << "WAL peaked at " << max_wal << " of " << written
                                  << " bytes written";
  // Idle: the rest is checkpointed and the file truncated within a few seconds.
  off_t idle_wal = FileSize(wal_path);
  for (int tries = 0; tries < 60 && idle_wal > 1024 * 1024; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    idle_wal = FileSize(wal_path);
  }
  EXPECT_LE(idle_wal, 1024 * 1024) << "WAL still " << idle_wal << " bytes after writes stopped";
}

}  // namespace
}  // namespace vouch::log
