// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Typed tests run against every LogStorage implementation (CT's DBTest, trillian's
// RunLogStorageTests): SQLite in a temporary file, PostgreSQL in a schema of its own in the server
// tools/test starts (log/postgres_testing.h; skipped without it, failed under CI=true). Add an
// implementation by adding a factory to Factories. Tests of what only one backend has (SQLite's
// files and WAL, PostgreSQL's connections) follow the typed ones.
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
#include "log/certificate_store.h"
#include "log/postgres_storage.h"
#include "log/postgres_testing.h"
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

void Shell(const std::string& cmd) { ASSERT_EQ(system(cmd.c_str()), 0) << cmd; }

// A backend for the typed tests: where a fresh database lives (|place|), how to open it, and how
// to change it behind the storage's back (raw SQL, as an operator's tool would).
struct SqliteFactory {
  using Storage = SqliteStorage;
  static constexpr bool kNeedsServer = false;
  static constexpr char kDropDeleteTrigger[] = "DROP TRIGGER entries_counted_delete";
  static std::string NewPlace() { return NewTempDir(); }
  static absl::StatusOr<std::unique_ptr<SqliteStorage>> Make(const std::string& place) {
    return SqliteStorage::Open(place + "/vouch.db");
  }
  static void Sql(const std::string& place, const std::string& sql) {
    Shell("sqlite3 " + place + "/vouch.db \"" + sql + "\"");
  }
  static void Drop(const std::string&) {}
};

struct PostgresFactory {
  using Storage = PostgresStorage;
  static constexpr bool kNeedsServer = true;
  static constexpr char kDropDeleteTrigger[] = "DROP TRIGGER entries_counted_delete ON entries";
  static std::string NewPlace() { return NewTestSchema(); }
  static absl::StatusOr<std::unique_ptr<PostgresStorage>> Make(const std::string& place) {
    PostgresOptions options;
    options.schema = place;
    return PostgresStorage::Open(TestPostgresUrl(), options);
  }
  static void Sql(const std::string& place, const std::string& sql) {
    ASSERT_THAT(ExecTestPostgres(place, sql), IsOk());
  }
  static void Drop(const std::string& place) {
    absl::Status s = ExecTestPostgres(place, absl::StrCat("DROP SCHEMA \"", place, "\" CASCADE"));
    (void)s;
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

template <typename Factory>
class StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Factory::kNeedsServer) VOUCH_REQUIRE_TEST_POSTGRES();
    place_ = Factory::NewPlace();
    Reopen();
  }
  void TearDown() override {
    Close();
    if (!place_.empty()) Factory::Drop(place_);
  }
  void Close() {
    storage_ = nullptr;
    certificates_ = nullptr;
    owned_.reset();
  }
  void Reopen() {
    Close();
    auto s = Factory::Make(place_);
    ASSERT_THAT(s, IsOk());
    owned_ = std::move(*s);
    storage_ = owned_.get();
    certificates_ = owned_.get();
  }
  // Changes the database with raw SQL while it is closed, as an operator's tool would.
  void Sql(const std::string& sql) {
    Close();
    Factory::Sql(place_, sql);
  }

  std::string place_;
  std::unique_ptr<typename Factory::Storage> owned_;
  LogStorage* storage_ = nullptr;
  CertificateStore* certificates_ = nullptr;
};

using Factories = ::testing::Types<SqliteFactory, PostgresFactory>;
class FactoryNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same<T, SqliteFactory>::value ? "Sqlite" : "Postgres";
  }
};
TYPED_TEST_SUITE(StorageTest, Factories, FactoryNames);

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

TYPED_TEST(StorageTest, MetaRoundTrips) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteMeta("log_created", "123"), IsOk());
    EXPECT_THAT(w.WriteMeta("log_name", "a"), IsOk());
    return w.WriteMeta("log_name", "b");  // Replaced.
  }),
              IsOk());
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(**r.ReadMeta("log_created"), "123");
    EXPECT_EQ(**r.ReadMeta("log_name"), "b");
    EXPECT_FALSE(r.ReadMeta("nope")->has_value());
    return absl::OkStatus();
  }),
              IsOk());
}

CertificateRecord Certificate(const std::string& serial) {
  CertificateRecord c;
  c.serial_hex = serial;
  c.identity = "a@b";
  c.issuer = "https://issuer";
  c.key_sha256_hex = "ff";
  c.not_before = 7;
  return c;
}

// The CA's records live in the same database, with the same all-or-nothing transactions.
TYPED_TEST(StorageTest, CertificatesRoundTripAllOrNothing) {
  CertificateStore& certs = *this->certificates_;
  ASSERT_THAT(certs.WriteCertificates({Certificate("0a"), Certificate("0c")}), IsOk());
  EXPECT_THAT(certs.WriteCertificates({Certificate("0d"), Certificate("0a")}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  auto c = certs.ReadCertificate("0a");
  ASSERT_THAT(c, IsOk());
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->identity, "a@b");
  EXPECT_EQ((*c)->issuer, "https://issuer");
  EXPECT_EQ((*c)->key_sha256_hex, "ff");
  EXPECT_EQ((*c)->not_before, 7);
  EXPECT_FALSE(certs.ReadCertificate("0b")->has_value());
  EXPECT_FALSE(certs.ReadCertificate("0d")->has_value()) << "half of a failed write was kept";
  EXPECT_THAT(certs.WriteCertificates({}), IsOk());
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
  ASSERT_THAT(this->certificates_->WriteCertificates({Certificate("0e")}), IsOk());
  this->Reopen();
  EXPECT_THAT(Count(*this->storage_), IsOk());
  EXPECT_EQ(*Count(*this->storage_), 2u);
  EXPECT_TRUE(this->certificates_->ReadCertificate("0e")->has_value());
}

// Reads in one ReadTx see one snapshot; a write committed meanwhile shows in the next ReadTx.
TYPED_TEST(StorageTest, ReadTransactionSeesOneSnapshot) {
  ASSERT_THAT(WriteEntries(*this->storage_, 0, 3), IsOk());
  ASSERT_THAT(this->storage_->ReadTx([&](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntries(), 3u);
    EXPECT_THAT(WriteEntries(*this->storage_, 3, 5), IsOk());  // Commits meanwhile.
    EXPECT_EQ(*r.CountEntries(), 3u);
    EXPECT_EQ(r.ReadEntries(0, 10)->size(), 3u);
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_EQ(*Count(*this->storage_), 5u);
}

// What a write transaction wrote is visible to its own reads before it commits (the writer reads
// while it writes), and a tile written twice in one transaction keeps the newer version.
TYPED_TEST(StorageTest, WriteTransactionReadsItsOwnWrites) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteEntries({Entry(0, "a")}), IsOk());
    EXPECT_THAT(w.WriteIndexKeys(0, {"k", "k"}), IsOk());  // A repeated key is stored once.
    EXPECT_THAT(w.WriteTile(Tile(0, 0, 1, 'a')), IsOk());
    EXPECT_THAT(w.WriteTile(Tile(0, 0, 2, 'b')), IsOk());
    EXPECT_EQ(**w.FindLeaf(HashLeaf("a")), 0u);
    EXPECT_THAT(*w.FindByKey("k", 10), ElementsAre(0u));
    EXPECT_EQ(w.ReadTile(0, 0)->width, 2u);
    return w.WriteEntries({Entry(1, "b")});
  }),
              IsOk());
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(r.ReadTile(0, 0)->hashes, std::string(StoredTileBytes(2), 'b'));
    EXPECT_THAT(*r.FindByKey("k", 10), ElementsAre(0u));
    EXPECT_EQ(*r.CountEntries(), 2u);
    return absl::OkStatus();
  }),
              IsOk());
}

// A transaction that writes a tile and keys and then fails leaves none of them, also when the
// failure comes from the database at the end (a duplicate leaf after the tiles).
TYPED_TEST(StorageTest, FailedTransactionLeavesNoTilesOrKeysEither) {
  ASSERT_THAT(WriteEntries(*this->storage_, 0, 1), IsOk());
  EXPECT_THAT(this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteTile(Tile(0, 0, 2, 'z')), IsOk());
    EXPECT_THAT(w.WriteIndexKeys(1, {"gone"}), IsOk());
    return w.WriteEntries({Entry(1, "e0")});  // e0 is stored at 0.
  }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_THAT(r.ReadTile(0, 0), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_TRUE(r.FindByKey("gone", 10)->empty());
    EXPECT_EQ(*r.CountEntries(), 1u);
    return absl::OkStatus();
  }),
              IsOk());
  // And the storage goes on.
  EXPECT_THAT(WriteEntries(*this->storage_, 1, 2), IsOk());
}

TYPED_TEST(StorageTest, ReportsCorruptedRowsAsDataLoss) {
  ASSERT_THAT(this->storage_->WriteTx([](LogWriter& w) -> absl::Status {
    EXPECT_THAT(w.WriteEntries({Entry(0, "a")}), IsOk());
    TreeState t;
    t.size = 1;
    t.root = HashLeaf("a");
    t.checkpoint = "note";
    t.compact_range = {HashLeaf("a")};
    EXPECT_THAT(w.WriteTreeState(t), IsOk());
    return w.WriteTile(Tile(0, 0, 4, 'x'));
  }),
              IsOk());
  // Corrupt the rows behind the storage's back.
  this->Sql(
      "UPDATE tiles SET hashes = substr(hashes, 1, 2) WHERE level = 0; "
      "UPDATE entries SET leaf_hash = substr(leaf_hash, 1, 31) WHERE idx = 0; "
      "UPDATE tree_state SET compact_range = substr(compact_range, 1, 31);");
  this->Reopen();
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_THAT(r.ReadTile(0, 0), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("tile 0/0")));
    EXPECT_THAT(r.ReadEntry(0), StatusIs(absl::StatusCode::kDataLoss,
                                         HasSubstr("entries[0].leaf_hash: stored hash has 31")));
    EXPECT_THAT(r.ReadTreeState(),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not a multiple of 32")));
    return absl::OkStatus();
  }),
              IsOk());
}

// The row counter is kept by triggers, so a row deleted, added or moved by anything that changes
// the database (the sqlite3 shell, psql) is seen without a scan.
TYPED_TEST(StorageTest, RowCounterSeesRowsDeletedAddedOrMovedBehindItsBack) {
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
      {"INSERT INTO entries SELECT -5, leaf_hash || leaf_hash, body, integrated_time, sets "
       "FROM entries WHERE idx = 0",
       "says 11 entries but their indices run from -5 to 9 (rows were added"},
      {"DELETE FROM entries", "says 0 entries but there are none"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sql);
    this->Close();
    TypeParam::Drop(this->place_);
    this->place_ = TypeParam::NewPlace();
    this->Reopen();
    ASSERT_THAT(WriteEntries(*this->storage_, 0, 10), IsOk());
    EXPECT_THAT(Count(*this->storage_), IsOk());
    this->Sql(c.sql);
    this->Reopen();
    if (absl::string_view(c.sql) == "DELETE FROM entries") {
      // Consistent (all gone), like a row added at the end: the log's start-up check compares
      // the count with the signed tree size.
      EXPECT_THAT(Count(*this->storage_), IsOk());
      EXPECT_EQ(*Count(*this->storage_), 0u);
      continue;
    }
    EXPECT_THAT(Count(*this->storage_), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(c.want)));
  }
}

// Dropping the triggers does not blind the check: on open the counter is rebuilt from COUNT(*).
TYPED_TEST(StorageTest, DroppedCounterTriggersAreRecreatedFromACountOnOpen) {
  ASSERT_THAT(WriteEntries(*this->storage_, 0, 10), IsOk());
  this->Sql(absl::StrCat(TypeParam::kDropDeleteTrigger, "; DELETE FROM entries WHERE idx = 5;"));
  this->Reopen();
  EXPECT_THAT(Count(*this->storage_),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("a row is missing")));
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntryRows(), 9u);
    return absl::OkStatus();
  }),
              IsOk());
  // The triggers are back: a later delete is counted.
  this->Sql("DELETE FROM entries WHERE idx = 9");
  this->Reopen();
  ASSERT_THAT(this->storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(*r.CountEntryRows(), 8u);
    EXPECT_THAT(r.CountEntries(),
                StatusIs(absl::StatusCode::kDataLoss,
                         HasSubstr("says 8 entries but their indices run from 0 to 8")));
    return absl::OkStatus();
  }),
              IsOk());
}

// A database written by a newer vouchd (a schema version this code does not know) is refused,
// not changed.
TYPED_TEST(StorageTest, RefusesANewerSchemaVersion) {
  // SQLite is at version 2; PostgreSQL at 3 (the cluster's tables).
  const std::string current = std::is_same<TypeParam, PostgresFactory>::value ? "3" : "2";
  const std::string newer = std::is_same<TypeParam, PostgresFactory>::value ? "4" : "3";
  ASSERT_THAT(WriteEntries(*this->storage_, 0, 2), IsOk());
  ASSERT_THAT(this->storage_->ReadTx([&](LogReader& r) -> absl::Status {
    EXPECT_EQ(**r.ReadMeta("schema_version"), current);
    return absl::OkStatus();
  }),
              IsOk());
  this->Sql(absl::StrCat("UPDATE meta SET value = '", newer, "' WHERE key = 'schema_version'"));
  EXPECT_THAT(TypeParam::Make(this->place_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("schema version ", newer))));
  this->Sql(absl::StrCat("UPDATE meta SET value = '", current, "' WHERE key = 'schema_version'"));
  this->Reopen();
  EXPECT_EQ(*Count(*this->storage_), 2u);
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

off_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

void Sql(const std::string& db, const std::string& sql) {
  Shell("sqlite3 " + db + " \"" + sql + "\"");
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

TEST(PostgresStorage, RedactsPasswordsInUrls) {
  EXPECT_EQ(RedactPostgresUrl("postgres://vouch:s3cret@db.example:5432/vouch?sslmode=require"),
            "postgres://vouch:***@db.example:5432/vouch?sslmode=require");
  EXPECT_EQ(RedactPostgresUrl("postgresql://db/vouch?user=v&password=s3cret&sslmode=verify-full"),
            "postgresql://db/vouch?user=v&password=***&sslmode=verify-full");
  EXPECT_EQ(RedactPostgresUrl("host=db password=s3cret dbname=vouch"),
            "host=db password=*** dbname=vouch");
  EXPECT_EQ(RedactPostgresUrl("postgres://vouch@db/vouch"), "postgres://vouch@db/vouch");
  EXPECT_TRUE(IsPostgresUrl("postgres://db/x"));
  EXPECT_TRUE(IsPostgresUrl("postgresql://db/x"));
  EXPECT_FALSE(IsPostgresUrl("/var/lib/vouch/vouch.db"));
  EXPECT_FALSE(IsPostgresUrl("sqlite:///x"));
}

TEST(PostgresStorage, RefusesABadSchemaNameAndNamesAnUnreachableServerWithoutItsPassword) {
  PostgresOptions bad;
  bad.schema = "Robert'); DROP TABLE entries;--";
  EXPECT_THAT(PostgresStorage::Open("postgres://127.0.0.1:1/x", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("postgres schema")));
  // Port 1 on the loopback: nothing listens there.
  auto unreachable = PostgresStorage::Open("postgres://u:s3cret@127.0.0.1:1/x?connect_timeout=2");
  EXPECT_THAT(unreachable, StatusIs(absl::StatusCode::kUnavailable,
                                    HasSubstr("postgres://u:***@127.0.0.1:1/x")));
  EXPECT_THAT(std::string(unreachable.status().message()), ::testing::Not(HasSubstr("s3cret")));
}

class PostgresOnlyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VOUCH_REQUIRE_TEST_POSTGRES();
    schema_ = NewTestSchema();
    options_.schema = schema_;
  }
  void TearDown() override {
    if (!schema_.empty()) {
      absl::Status s = ExecTestPostgres(schema_, absl::StrCat("DROP SCHEMA ", schema_, " CASCADE"));
      (void)s;
    }
  }
  // The test server's URL with this test's application_name, so it can drop its own
  // connections and nobody else's.
  std::string Url() const {
    const std::string url = TestPostgresUrl();
    return absl::StrCat(url, url.find('?') == std::string::npos ? "?" : "&",
                        "application_name=", schema_);
  }
  void DropConnections() {
    ASSERT_THAT(
        ExecTestPostgres(schema_, absl::StrCat("SELECT pg_terminate_backend(pid) FROM "
                                               "pg_stat_activity WHERE application_name = '",
                                               schema_, "'")),
        IsOk());
  }
  std::string schema_;
  PostgresOptions options_;
};

// A server restart or a dropped connection fails the transaction it hits (Unavailable, nothing
// half-written); the next one reconnects.
TEST_F(PostgresOnlyTest, ReconnectsAfterTheServerDroppedItsConnections) {
  auto s = PostgresStorage::Open(Url(), options_);
  ASSERT_THAT(s, IsOk());
  ASSERT_THAT(WriteEntries(**s, 0, 2), IsOk());
  ASSERT_THAT(Count(**s), IsOk());  // A pooled reader connection now exists.
  DropConnections();
  EXPECT_THAT(WriteEntries(**s, 2, 4), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(Count(**s), StatusIs(absl::StatusCode::kUnavailable));
  ASSERT_THAT(WriteEntries(**s, 2, 4), IsOk());
  ASSERT_THAT(Count(**s), IsOk());
  EXPECT_EQ(*Count(**s), 4u);
}

TEST_F(PostgresOnlyTest, ReadOnlyOpenChangesNothing) {
  EXPECT_THAT(PostgresStorage::OpenReadOnly(Url(), options_),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a Vouch database")));
  {
    auto s = PostgresStorage::Open(Url(), options_);
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT(WriteEntries(**s, 0, 3), IsOk());
  }
  auto ro = PostgresStorage::OpenReadOnly(Url(), options_);
  ASSERT_THAT(ro, IsOk());
  EXPECT_EQ(*Count(**ro), 3u);
  EXPECT_THAT(WriteEntries(**ro, 3, 4),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read-only")));
  EXPECT_THAT((*ro)->ReadTx([](LogReader& r) -> absl::Status {
    return static_cast<LogWriter&>(r).WriteMeta("x", "y");  // (It is a PgConnection.)
  }),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("read-only")));
}

// Two logs (the transparency log and a certificate transparency log) in one database, each in
// its own schema, never see each other's rows.
TEST_F(PostgresOnlyTest, SchemasKeepLogsInOneDatabaseApart) {
  PostgresOptions other = options_;
  other.schema = schema_ + "_ct";
  auto a = PostgresStorage::Open(Url(), options_);
  auto b = PostgresStorage::Open(Url(), other);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  ASSERT_THAT(WriteEntries(**a, 0, 5), IsOk());
  ASSERT_THAT(WriteEntries(**b, 0, 2), IsOk());
  EXPECT_EQ(*Count(**a), 5u);
  EXPECT_EQ(*Count(**b), 2u);
  absl::Status s =
      ExecTestPostgres(other.schema, absl::StrCat("DROP SCHEMA ", other.schema, " CASCADE"));
  EXPECT_THAT(s, IsOk());
}

}  // namespace
}  // namespace vouch::log
