// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Typed tests run against every LogStorage implementation (CT's DBTest, trillian's
// RunLogStorageTests). Add an implementation by adding a factory to StorageFactories().
#include "log/storage.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

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

// An entry's extra_data (a CT log entry's chain) is stored and read back with it, binary and
// empty alike.
TYPED_TEST(StorageTest, ExtraDataRoundTrips) {
  StoredEntry with = Entry(0, "a");
  with.extra_data = std::string("\0chain\xff", 7);
  ASSERT_THAT(this->storage_->WriteTx([&](LogWriter& w) -> absl::Status {
    return w.WriteEntries({with, Entry(1, "b")});
  }),
              IsOk());
  ASSERT_THAT(this->storage_->ReadTx([&](LogReader& r) -> absl::Status {
    EXPECT_EQ(r.ReadEntry(0)->extra_data, with.extra_data);
    EXPECT_EQ(r.ReadEntry(1)->extra_data, "");
    auto all = r.ReadEntries(0, 2);
    EXPECT_THAT(all, IsOk());
    EXPECT_EQ((*all)[0].extra_data, with.extra_data);
    EXPECT_EQ((*all)[1].extra_data, "");
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

void Sql(const std::string& db, const std::string& sql) {
  const std::string cmd = "sqlite3 " + db + " \"" + sql + "\"";
  ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
}

absl::StatusOr<uint64_t> Count(LogStorage& s) {
  absl::StatusOr<uint64_t> n;
  absl::Status tx = s.ReadTx([&](LogReader& r) -> absl::Status {
    n = r.CountEntries();
    return absl::OkStatus();
  });
  if (!tx.ok()) return tx;
  return n;
}

absl::Status WriteEntries(LogStorage& s, uint64_t begin, uint64_t end) {
  return s.WriteTx([&](LogWriter& w) {
    std::vector<StoredEntry> entries;
    for (uint64_t i = begin; i < end; ++i) entries.push_back(Entry(i, absl::StrCat("e", i)));
    return w.WriteEntries(entries);
  });
}

// The row counter is kept by triggers, so a row deleted, added or moved by anything that opens
// the file (here the sqlite3 shell) is seen without a scan.
TEST(SqliteStorage, RowCounterSeesRowsDeletedAddedOrMovedBehindItsBack) {
  const std::string dir = NewTempDir();
  const std::string db = dir + "/vouch.db";
  struct Case {
    const char* sql;
    const char* want;
  } cases[] = {
      {"DELETE FROM entries WHERE idx = 4",
       "says 9 entries but their indices run from 0 to 9 (a row is missing"},
      {"DELETE FROM entries WHERE idx = 0", "says 9 entries but their indices run from 1 to 9"},
      {"UPDATE entries SET idx = 12 WHERE idx = 3",
       "says 10 entries but their indices run from 0 to 12"},
      {"UPDATE entries SET idx = -1 WHERE idx = 3",
       "says 10 entries but their indices run from -1 to 9"},
      {"INSERT INTO entries VALUES(-5, x'00', x'00', 1, x'00')",
       "says 11 entries but their indices run from -5 to 9 (rows were added"},
      {"DELETE FROM entries", "says 0 entries but there are none"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    ::unlink(db.c_str());
    {
      auto s = SqliteStorage::Open(db);
      ASSERT_THAT(s, IsOk());
      ASSERT_THAT(WriteEntries(**s, 0, 10), IsOk());
      EXPECT_THAT(Count(**s), IsOk());
    }
    Sql(db, c.sql);
    auto s = SqliteStorage::Open(db);
    ASSERT_THAT(s, IsOk());
    if (absl::string_view(c.sql) == "DELETE FROM entries") {
      // Consistent (all gone), like a row added at the end: the log's start-up check compares
      // the count with the signed tree size.
      EXPECT_THAT(Count(**s), IsOk());
      EXPECT_EQ(*Count(**s), 0u);
      continue;
    }
    EXPECT_THAT(Count(**s), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(c.want)));
  }
}

// Dropping the triggers does not blind the check: on open the counter is rebuilt from COUNT(*).
TEST(SqliteStorage, DroppedCounterTriggersAreRecreatedFromACountOnOpen) {
  const std::string dir = NewTempDir();
  const std::string db = dir + "/vouch.db";
  {
    auto s = SqliteStorage::Open(db);
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT(WriteEntries(**s, 0, 10), IsOk());
  }
  Sql(db, "DROP TRIGGER entries_counted_delete; DELETE FROM entries WHERE idx = 5;");
  auto s = SqliteStorage::Open(db);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT(Count(**s), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("a row is missing")));
  ASSERT_THAT((*s)->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntryRows(), 9u);
    return absl::OkStatus();
  }),
              IsOk());
  s->reset();
  // The triggers are back: a later delete is counted.
  Sql(db, "DELETE FROM entries WHERE idx = 9");
  auto again = SqliteStorage::Open(db);
  ASSERT_THAT(again, IsOk());
  ASSERT_THAT((*again)->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntryRows(), 8u);
    EXPECT_THAT(r.CountEntries(),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("says 8 entries but their indices run from 0 to 8")));
    return absl::OkStatus();
  }),
              IsOk());
}

// A version 1 database (no row counter) is migrated on open: its rows are counted once.
TEST(SqliteStorage, MigratesVersionOneDatabase) {
  const std::string dir = NewTempDir();
  const std::string db = dir + "/vouch.db";
  {
    auto s = SqliteStorage::Open(db);
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT(WriteEntries(**s, 0, 7), IsOk());
  }
  Sql(db,
      "DROP TRIGGER entries_counted_insert; DROP TRIGGER entries_counted_delete; "
      "DROP TABLE entry_count; UPDATE meta SET value = '1' WHERE key = 'schema_version';");
  auto s = SqliteStorage::Open(db);
  ASSERT_THAT(s, IsOk());
  EXPECT_THAT(Count(**s), IsOk());
  EXPECT_EQ(*Count(**s), 7u);
  ASSERT_THAT(WriteEntries(**s, 7, 9), IsOk());
  EXPECT_EQ(*Count(**s), 9u);
  ASSERT_THAT((*s)->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(**r.ReadMeta("schema_version"), "2");
    return absl::OkStatus();
  }),
              IsOk());
  s->reset();
  Sql(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
  EXPECT_THAT(SqliteStorage::Open(db),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("schema version 3, this vouchd needs 2")));
}

// A database from before entry_extra_data: opened read-only it reads its entries (without extra
// data) and is not changed; opened for writing it gets the table, keeping schema version 2 (older
// vouchds never read it, so they still open it).
TEST(SqliteStorage, AddsTheExtraDataTableToAnOlderDatabase) {
  const std::string dir = NewTempDir();
  const std::string db = dir + "/vouch.db";
  {
    auto s = SqliteStorage::Open(db);
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT(WriteEntries(**s, 0, 3), IsOk());
  }
  Sql(db, "DROP TABLE entry_extra_data");
  {
    auto ro = SqliteStorage::OpenReadOnly(db);
    ASSERT_THAT(ro, IsOk());
    ASSERT_THAT((*ro)->ReadTx([](LogReader& r) -> absl::Status {
      EXPECT_THAT(r.ReadEntry(2), IsOk());
      EXPECT_EQ(r.ReadEntries(0, 3)->size(), 3u);
      return absl::OkStatus();
    }),
                IsOk());
  }
  auto s = SqliteStorage::Open(db);
  ASSERT_THAT(s, IsOk());
  StoredEntry e = Entry(3, "3");
  e.extra_data = "x";
  ASSERT_THAT((*s)->WriteTx([&](LogWriter& w) { return w.WriteEntries({e}); }), IsOk());
  ASSERT_THAT((*s)->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(r.ReadEntry(3)->extra_data, "x");
    EXPECT_EQ(r.ReadEntry(0)->extra_data, "");
    EXPECT_EQ(**r.ReadMeta("schema_version"), "2");
    return absl::OkStatus();
  }),
              IsOk());
}

mode_t Mode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

TEST(SqliteStorage, DatabaseFilesAreOwnerOnly) {
  const std::string dir = NewTempDir();
  const std::string db = dir + "/vouch.db";
  const mode_t old_umask = ::umask(022);
  {
    auto s = SqliteStorage::Open(db);
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT(WriteEntries(**s, 0, 1), IsOk());
    EXPECT_EQ(Mode(db), 0600u);
    EXPECT_EQ(Mode(db + "-wal"), 0600u);
    EXPECT_EQ(Mode(db + "-shm"), 0600u);
  }
  // Loosened behind its back: tightened again on open.
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  auto s = SqliteStorage::Open(db);
  ::umask(old_umask);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(Mode(db), 0600u);
  EXPECT_EQ(Mode(db + "-wal"), 0600u);
  EXPECT_EQ(*Count(**s), 1u);
}

TEST(SqliteStorage, ReadOnlyOpenChangesNothingAndRefusesMissingOrEmptyFiles) {
  const std::string dir = NewTempDir();
  const std::string db = dir + "/vouch.db";
  EXPECT_THAT(SqliteStorage::OpenReadOnly(db), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(::access(db.c_str(), F_OK), -1) << "created the file";
  FILE* f = fopen(db.c_str(), "w");
  fclose(f);
  EXPECT_THAT(SqliteStorage::OpenReadOnly(db),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("empty")));
  ::unlink(db.c_str());
  auto s = SqliteStorage::Open(db);
  ASSERT_THAT(s, IsOk());
  ASSERT_THAT(WriteEntries(**s, 0, 3), IsOk());
  auto ro = SqliteStorage::OpenReadOnly(db);
  ASSERT_THAT(ro, IsOk());
  s->reset();  // Not the last connection: the WAL stays.
  const off_t wal = FileSize(db + "-wal");
  ASSERT_GT(wal, 0);
  EXPECT_EQ(*Count(**ro), 3u);
  EXPECT_THAT(WriteEntries(**ro, 3, 4),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read-only")));
  EXPECT_THAT((*ro)->ReadTx([](LogReader& r) -> absl::Status {
    return static_cast<LogWriter&>(r).WriteMeta("x", "y");  // (It is a SqliteConnection.)
  }),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("readonly")));
  // The last connection closing does not fold the WAL into the database either.
  ro->reset();
  EXPECT_EQ(FileSize(db + "-wal"), wal);
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
