// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/sqlite_storage.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/logging.h"
#include "base/status.h"

namespace vouch::log {
namespace {

// 2: the entry row counter (entry_count, kept by triggers). Version 1 databases are migrated on
// open.
constexpr int kSchemaVersion = 2;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL UNIQUE,
  body BLOB NOT NULL,
  integrated_time INTEGER NOT NULL,
  sets BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS entry_extra_data(
  idx INTEGER PRIMARY KEY,
  data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS index_keys(
  key TEXT NOT NULL,
  idx INTEGER NOT NULL,
  PRIMARY KEY(key, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tiles(
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  width INTEGER NOT NULL,
  hashes BLOB NOT NULL,
  PRIMARY KEY(level, idx)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tree_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size INTEGER NOT NULL,
  root BLOB NOT NULL,
  checkpoint TEXT NOT NULL,
  timestamp INTEGER NOT NULL,
  compact_range BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS certificates(
  serial TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  issuer TEXT NOT NULL,
  key_sha256 TEXT NOT NULL,
  not_before INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_identity ON certificates(identity);
CREATE TABLE IF NOT EXISTS entry_count(
  id INTEGER PRIMARY KEY CHECK (id = 0),
  n INTEGER NOT NULL);
)sql";

// The row counter: every INSERT and DELETE on entries, by vouchd or anything else that opens the
// file (sqlite3, a script), moves entry_count.n in the same transaction, so the start-up check can
// see a deleted row without counting 10M rows. Created with the counter set from COUNT(*).
constexpr char kCountTriggers[] = R"sql(
CREATE TRIGGER entries_counted_insert AFTER INSERT ON entries
  BEGIN UPDATE entry_count SET n = n + 1 WHERE id = 0; END;
CREATE TRIGGER entries_counted_delete AFTER DELETE ON entries
  BEGIN UPDATE entry_count SET n = n - 1 WHERE id = 0; END;
)sql";

absl::Status SqliteError(sqlite3* db, int rc, absl::string_view what) {
  const std::string msg = absl::StrCat("sqlite ", what, ": ", db ? sqlite3_errmsg(db) : "", " (",
                                       sqlite3_errstr(rc), ")");
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return absl::UnavailableError(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(msg);
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(msg);
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return absl::UnavailableError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::StatusOr<Hash> BlobHash(sqlite3_stmt* st, int col, absl::string_view what) {
  const void* p = sqlite3_column_blob(st, col);
  const int n = sqlite3_column_bytes(st, col);
  if (n != 32 || p == nullptr) {
    return absl::DataLossError(absl::StrCat(what, ": stored hash has ", n, " bytes, want 32"));
  }
  Hash h;
  std::memcpy(h.data(), p, 32);
  return h;
}

std::string BlobString(sqlite3_stmt* st, int col) {
  const void* p = sqlite3_column_blob(st, col);
  const int n = sqlite3_column_bytes(st, col);
  return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
}

}  // namespace

// One sqlite3 handle with its cached prepared statements. Not thread-safe (used by one
// transaction at a time).
class SqliteConnection : public LogWriter {
 public:
  // |extra_data|: the database has the entry_extra_data table (created when a database from
  // before it is opened for writing; a read-only one from before it reads none).
  SqliteConnection(sqlite3* db, std::string path, bool extra_data)
      : db_(db), path_(std::move(path)), extra_data_(extra_data) {}
  ~SqliteConnection() override {
    for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
    sqlite3_close(db_);
  }

  absl::Status Exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      absl::Status s = SqliteError(db_, rc, absl::StrCat("exec ", err ? err : ""));
      sqlite3_free(err);
      return s;
    }
    return absl::OkStatus();
  }

  // A reset statement for |sql|, prepared once per connection.
  absl::StatusOr<sqlite3_stmt*> Stmt(const char* sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* st = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    stmts_.emplace(sql, st);
    return st;
  }

  // Runs a parameterless statement (BEGIN, COMMIT, ...) through the statement cache.
  absl::Status ExecCached(const char* sql) {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st, Stmt(sql));
    const int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return SqliteError(db_, rc, sql);
    return absl::OkStatus();
  }

  absl::Status Done(int rc, absl::string_view what) {
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return absl::OkStatus();
    return SqliteError(db_, rc, what);
  }

  // ---- LogReader
  absl::StatusOr<std::optional<TreeState>> ReadTreeState() override {
    VOUCH_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        Stmt("SELECT size, root, checkpoint, timestamp, compact_range FROM tree_state "
             "WHERE id = 1"));
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return std::optional<TreeState>();
    VOUCH_RETURN_IF_ERROR(Done(rc, "read tree_state"));
    TreeState t;
    t.size = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    VOUCH_ASSIGN_OR_RETURN(t.root, BlobHash(st, 1, "tree_state.root"));
    const unsigned char* text = sqlite3_column_text(st, 2);
    t.checkpoint = text ? reinterpret_cast<const char*>(text) : "";
    t.timestamp = sqlite3_column_int64(st, 3);
    const std::string cr = BlobString(st, 4);
    if (cr.size() % 32 != 0) {
      return absl::DataLossError(
          absl::StrCat("tree_state.compact_range: ", cr.size(), " bytes, not a multiple of 32"));
    }
    for (size_t i = 0; i < cr.size(); i += 32) {
      Hash h;
      std::memcpy(h.data(), cr.data() + i, 32);
      t.compact_range.push_back(h);
    }
    return std::optional<TreeState>(std::move(t));
  }

  absl::StatusOr<StoredEntry> EntryFromRow(sqlite3_stmt* st) {
    StoredEntry e;
    e.index = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    VOUCH_ASSIGN_OR_RETURN(e.leaf_hash,
                           BlobHash(st, 1, absl::StrCat("entries[", e.index, "].leaf_hash")));
    e.body = BlobString(st, 2);
    e.integrated_time = sqlite3_column_int64(st, 3);
    e.set = BlobString(st, 4);
    if (extra_data_) e.extra_data = BlobString(st, 5);
    return e;
  }

  absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) override {
    VOUCH_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        Stmt(extra_data_ ? "SELECT e.idx, leaf_hash, body, integrated_time, sets, x.data FROM "
                           "entries e LEFT JOIN entry_extra_data x ON x.idx = e.idx "
                           "WHERE e.idx = ?"
                         : "SELECT idx, leaf_hash, body, integrated_time, sets FROM entries "
                           "WHERE idx = ?"));
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(index));
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return absl::NotFoundError(absl::StrCat("no entry at index ", index));
    VOUCH_RETURN_IF_ERROR(Done(rc, "read entry"));
    return EntryFromRow(st);
  }

  absl::StatusOr<std::vector<StoredEntry>> ReadEntries(uint64_t begin, uint64_t end) override {
    VOUCH_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        Stmt(extra_data_ ? "SELECT e.idx, leaf_hash, body, integrated_time, sets, x.data FROM "
                           "entries e LEFT JOIN entry_extra_data x ON x.idx = e.idx "
                           "WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx"
                         : "SELECT idx, leaf_hash, body, integrated_time, sets FROM entries "
                           "WHERE idx >= ? AND idx < ? ORDER BY idx"));
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(begin));
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(end));
    std::vector<StoredEntry> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      VOUCH_ASSIGN_OR_RETURN(StoredEntry e, EntryFromRow(st));
      out.push_back(std::move(e));
    }
    VOUCH_RETURN_IF_ERROR(Done(rc, "read entries"));
    return out;
  }

  absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& leaf_hash) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st, Stmt("SELECT idx FROM entries WHERE leaf_hash = ?"));
    sqlite3_bind_blob(st, 1, leaf_hash.data(), 32, SQLITE_STATIC);
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return std::optional<uint64_t>();
    VOUCH_RETURN_IF_ERROR(Done(rc, "find leaf"));
    return std::optional<uint64_t>(static_cast<uint64_t>(sqlite3_column_int64(st, 0)));
  }

  absl::StatusOr<std::vector<uint64_t>> FindByKey(const std::string& key, size_t limit) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("SELECT idx FROM index_keys WHERE key = ? ORDER BY idx LIMIT ?"));
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(limit));
    std::vector<uint64_t> out;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      out.push_back(static_cast<uint64_t>(sqlite3_column_int64(st, 0)));
    }
    VOUCH_RETURN_IF_ERROR(Done(rc, "find by key"));
    return out;
  }

  absl::StatusOr<StoredTile> ReadTile(uint32_t level, uint64_t index) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("SELECT width, hashes FROM tiles WHERE level = ? AND idx = ?"));
    sqlite3_bind_int64(st, 1, level);
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(index));
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
      return absl::NotFoundError(absl::StrCat("no tile ", level, "/", index));
    }
    VOUCH_RETURN_IF_ERROR(Done(rc, "read tile"));
    StoredTile t;
    t.level = level;
    t.index = index;
    const int64_t width = sqlite3_column_int64(st, 0);
    t.hashes = BlobString(st, 1);
    if (width < 1 || width > 256 ||
        t.hashes.size() != StoredTileBytes(static_cast<uint32_t>(width))) {
      return absl::DataLossError(absl::StrCat("tile ", level, "/", index, ": width ", width,
                                              " with ", t.hashes.size(), " bytes of hashes"));
    }
    t.width = static_cast<uint32_t>(width);
    return t;
  }

  absl::StatusOr<uint64_t> CountEntries() override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("SELECT (SELECT n FROM entry_count WHERE id = 0), "
                                "(SELECT MIN(idx) FROM entries), (SELECT MAX(idx) FROM entries)"));
    const int rc = sqlite3_step(st);
    VOUCH_RETURN_IF_ERROR(Done(rc, "count entries"));
    if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
      return absl::DataLossError("entry_count: the row counter is missing");
    }
    const int64_t n = sqlite3_column_int64(st, 0);
    const bool empty = sqlite3_column_type(st, 1) == SQLITE_NULL;
    const int64_t lo = sqlite3_column_int64(st, 1), hi = sqlite3_column_int64(st, 2);
    if (n < 0 || (empty && n != 0) || (!empty && (lo != 0 || hi != n - 1))) {
      const std::string span = empty ? std::string("there are none")
                                     : absl::StrCat("their indices run from ", lo, " to ", hi);
      return absl::DataLossError(
          absl::StrCat("entries: the row counter says ", n, " entries but ", span,
                       !empty && lo == 0 && hi > n - 1 ? " (a row is missing: deleted?)"
                                                       : " (rows were added, deleted or moved)",
                       "; vouchd --verify-storage names the entries"));
    }
    return static_cast<uint64_t>(n);
  }

  absl::StatusOr<uint64_t> CountEntryRows() override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st, Stmt("SELECT COUNT(*) FROM entries"));
    const int rc = sqlite3_step(st);
    VOUCH_RETURN_IF_ERROR(Done(rc, "count entry rows"));
    return static_cast<uint64_t>(sqlite3_column_int64(st, 0));
  }

  // The index the next entry gets: one past the highest stored (O(log n)).
  absl::StatusOr<uint64_t> NextIndex() {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries"));
    const int rc = sqlite3_step(st);
    VOUCH_RETURN_IF_ERROR(Done(rc, "next entry index"));
    return static_cast<uint64_t>(sqlite3_column_int64(st, 0));
  }

  // ---- CertificateStore (through SqliteStorage)
  absl::StatusOr<std::optional<CertificateRecord>> ReadCertificate(const std::string& serial_hex) {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("SELECT identity, issuer, key_sha256, not_before FROM "
                                "certificates WHERE serial = ?"));
    sqlite3_bind_text(st, 1, serial_hex.data(), static_cast<int>(serial_hex.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return std::optional<CertificateRecord>();
    VOUCH_RETURN_IF_ERROR(Done(rc, "read certificate"));
    CertificateRecord r;
    r.serial_hex = serial_hex;
    auto text = [&](int col) {
      const unsigned char* t = sqlite3_column_text(st, col);
      return t ? std::string(reinterpret_cast<const char*>(t)) : std::string();
    };
    r.identity = text(0);
    r.issuer = text(1);
    r.key_sha256_hex = text(2);
    r.not_before = sqlite3_column_int64(st, 3);
    return std::optional<CertificateRecord>(std::move(r));
  }

  absl::StatusOr<std::optional<std::string>> ReadMeta(const std::string& key) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st, Stmt("SELECT value FROM meta WHERE key = ?"));
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    VOUCH_RETURN_IF_ERROR(Done(rc, "read meta"));
    const unsigned char* v = sqlite3_column_text(st, 0);
    return std::optional<std::string>(v ? reinterpret_cast<const char*>(v) : "");
  }

  // ---- LogWriter
  absl::Status WriteMeta(const std::string& key, const std::string& value) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"));
    sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    return Done(sqlite3_step(st), "write meta");
  }

  absl::Status WriteEntries(const std::vector<StoredEntry>& entries) override {
    if (entries.empty()) return absl::OkStatus();
    VOUCH_ASSIGN_OR_RETURN(uint64_t next, NextIndex());
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("INSERT INTO entries(idx, leaf_hash, body, integrated_time, "
                                "sets) VALUES(?, ?, ?, ?, ?)"));
    for (const StoredEntry& e : entries) {
      if (e.index != next) {
        return absl::InvalidArgumentError(
            absl::StrCat("entry index ", e.index, " is not the next index ", next));
      }
      sqlite3_reset(st);
      sqlite3_bind_int64(st, 1, static_cast<int64_t>(e.index));
      sqlite3_bind_blob(st, 2, e.leaf_hash.data(), 32, SQLITE_STATIC);
      sqlite3_bind_blob(st, 3, e.body.data(), static_cast<int>(e.body.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 4, e.integrated_time);
      sqlite3_bind_blob(st, 5, e.set.data(), static_cast<int>(e.set.size()), SQLITE_STATIC);
      const int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE) {
        return SqliteError(db_, rc, absl::StrCat("insert entry ", e.index));
      }
      if (!e.extra_data.empty()) {
        VOUCH_ASSIGN_OR_RETURN(
            sqlite3_stmt * x,
            Stmt("INSERT OR REPLACE INTO entry_extra_data(idx, data) VALUES(?, ?)"));
        sqlite3_bind_int64(x, 1, static_cast<int64_t>(e.index));
        sqlite3_bind_blob(x, 2, e.extra_data.data(), static_cast<int>(e.extra_data.size()),
                          SQLITE_STATIC);
        VOUCH_RETURN_IF_ERROR(Done(sqlite3_step(x), absl::StrCat("insert extra data ", e.index)));
      }
      ++next;
    }
    return absl::OkStatus();
  }

  absl::Status WriteIndexKeys(uint64_t index, const std::vector<std::string>& keys) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("INSERT OR IGNORE INTO index_keys(key, idx) VALUES(?, ?)"));
    for (const std::string& k : keys) {
      sqlite3_reset(st);
      sqlite3_bind_text(st, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 2, static_cast<int64_t>(index));
      const int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE) return SqliteError(db_, rc, "insert index key");
    }
    return absl::OkStatus();
  }

  absl::Status WriteTile(const StoredTile& tile) override {
    if (tile.width < 1 || tile.width > 256 || tile.hashes.size() != StoredTileBytes(tile.width)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tile ", tile.level, "/", tile.index, ": bad width ", tile.width));
    }
    VOUCH_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        Stmt("INSERT OR REPLACE INTO tiles(level, idx, width, hashes) VALUES(?, ?, ?, ?)"));
    sqlite3_bind_int64(st, 1, tile.level);
    sqlite3_bind_int64(st, 2, static_cast<int64_t>(tile.index));
    sqlite3_bind_int64(st, 3, tile.width);
    sqlite3_bind_blob(st, 4, tile.hashes.data(), static_cast<int>(tile.hashes.size()),
                      SQLITE_STATIC);
    return Done(sqlite3_step(st), "write tile");
  }

  absl::Status WriteTreeState(const TreeState& t) override {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("INSERT OR REPLACE INTO tree_state(id, size, root, checkpoint, "
                                "timestamp, compact_range) VALUES(1, ?, ?, ?, ?, ?)"));
    std::string cr;
    for (const Hash& h : t.compact_range) cr.append(reinterpret_cast<const char*>(h.data()), 32);
    sqlite3_bind_int64(st, 1, static_cast<int64_t>(t.size));
    sqlite3_bind_blob(st, 2, t.root.data(), 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, t.checkpoint.data(), static_cast<int>(t.checkpoint.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, t.timestamp);
    sqlite3_bind_blob(st, 5, cr.data(), static_cast<int>(cr.size()), SQLITE_STATIC);
    return Done(sqlite3_step(st), "write tree_state");
  }

  absl::Status WriteCertificate(const CertificateRecord& r) {
    VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                           Stmt("INSERT INTO certificates(serial, identity, issuer, key_sha256, "
                                "not_before) VALUES(?, ?, ?, ?, ?)"));
    sqlite3_bind_text(st, 1, r.serial_hex.data(), static_cast<int>(r.serial_hex.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r.identity.data(), static_cast<int>(r.identity.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r.issuer.data(), static_cast<int>(r.issuer.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r.key_sha256_hex.data(), static_cast<int>(r.key_sha256_hex.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, r.not_before);
    return Done(sqlite3_step(st), "write certificate");
  }

  // The entry_extra_data table exists (now).
  void set_extra_data() { extra_data_ = true; }

  // Resets every cached statement so none keeps a read snapshot open past the transaction.
  void ResetAll() {
    for (auto& [sql, st] : stmts_) sqlite3_reset(st);
  }

  sqlite3* db() { return db_; }

 private:
  sqlite3* db_;
  std::string path_;
  bool extra_data_;
  std::map<const char*, sqlite3_stmt*> stmts_;
};

SqliteStorage::SqliteStorage(std::string path, int checkpoint_frames, bool read_only)
    : path_(std::move(path)),
      checkpoint_frames_(std::max(1, checkpoint_frames)),
      read_only_(read_only) {}

SqliteStorage::~SqliteStorage() {
  {
    absl::MutexLock l(&checkpoint_mu_);
    stopping_ = true;
  }
  if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
  // The hook points at this object, which is going away.
  absl::MutexLock l(&write_mu_);
  if (writer_ != nullptr) sqlite3_wal_hook(writer_->db(), nullptr, nullptr);
}

void SqliteStorage::OnWalCommit(int wal_frames) {
  if (wal_frames < checkpoint_frames_) return;
  absl::MutexLock l(&checkpoint_mu_);
  checkpoint_wanted_ = true;
}

void SqliteStorage::CheckpointLoop() {
  while (true) {
    {
      absl::MutexLock l(&checkpoint_mu_);
      // Also once a second, so a WAL left over from a burst is folded in while idle.
      checkpoint_mu_.AwaitWithTimeout(
          absl::Condition(
              +[](SqliteStorage* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->checkpoint_mu_) {
                return s->checkpoint_wanted_ || s->stopping_;
              },
              this),
          absl::Seconds(1));
      if (stopping_) return;
      checkpoint_wanted_ = false;
    }
    int log_frames = 0, done = 0;
    const absl::Time t0 = absl::Now();
    int rc = sqlite3_wal_checkpoint_v2(checkpointer_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       &log_frames, &done);
    const double passive_ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    if (passive_ms >= 500) {
      VLOG_WARNING << path_ << ": WAL checkpoint (passive, appends go on) took " << passive_ms
                   << " ms (" << done << " of " << log_frames << " frames)";
    } else {
      VLOG_DEBUG << "WAL checkpoint (passive): " << done << " of " << log_frames << " frames in "
                 << passive_ms << " ms";
    }
    if (rc == SQLITE_OK && log_frames > 4 * checkpoint_frames_) {
      // Commits keep coming and the WAL cannot restart: hold our writer off (SQLite's own busy
      // wait would lose every race against back-to-back commits), copy what PASSIVE left, reset
      // and truncate the WAL. Readers are waited for with busy_timeout.
      absl::MutexLock w(&write_mu_);
      const absl::Time t1 = absl::Now();
      rc = sqlite3_wal_checkpoint_v2(checkpointer_->db(), nullptr, SQLITE_CHECKPOINT_TRUNCATE,
                                     &log_frames, &done);
      const double ms = absl::ToDoubleMilliseconds(absl::Now() - t1);
      // Appends wait for this one: say so when it is long enough to show in their latency
      // (tools/bench/soak.sh counts these lines).
      if (ms >= 100) {
        VLOG_WARNING << path_ << ": WAL checkpoint (truncate) held appends off for " << ms
                     << " ms (" << done << " of " << log_frames << " frames)";
      } else {
        VLOG_DEBUG << "WAL checkpoint (truncate, writer held off): " << done << " of " << log_frames
                   << " frames in " << ms << " ms";
      }
    }
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      // Not fatal: the WAL keeps every commit durable; the next attempt retries.
      VLOG_WARNING << path_ << ": WAL checkpoint failed: " << sqlite3_errstr(rc);
    }
  }
}

absl::StatusOr<std::unique_ptr<SqliteConnection>> SqliteStorage::NewConnection(bool writer) {
  sqlite3* db = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | (read_only_ ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = absl::FailedPreconditionError(
        absl::StrCat(path_, ": cannot open database: ", db ? sqlite3_errmsg(db) : "out of memory"));
    sqlite3_close(db);
    return s;
  }
  auto conn = std::make_unique<SqliteConnection>(db, path_, extra_data_table_);
  sqlite3_busy_timeout(db, 10000);
  absl::Status s = conn->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
      "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;");
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, ": not a usable SQLite database: ", s.message()));
  }
  if (read_only_) {
    // Not even the WAL checkpoint SQLite runs when the last connection closes.
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    VOUCH_RETURN_IF_ERROR(conn->Exec("PRAGMA query_only=ON;"));
  }
  if (writer) {
    // Checkpoints run on the background thread instead (see the header).
    // After a WAL reset the file is cut back to 64 MiB.
    VOUCH_RETURN_IF_ERROR(
        conn->Exec("PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit=67108864;"));
  }
  return conn;
}

namespace {

// Creates |path| empty with mode 0600 if it does not exist (SQLite gives its -wal and -shm files
// the database file's mode), and takes group and other access away from it and its -wal and -shm
// files if they have it. FailedPrecondition if that is not possible.
absl::Status PrepareDatabaseFiles(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  }
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    struct stat st;
    if (::stat(file.c_str(), &st) != 0) continue;  // No -wal/-shm while the database is closed.
    if ((st.st_mode & 077) == 0) continue;
    const mode_t mode = st.st_mode & 0700;
    if (::chmod(file.c_str(), mode) != 0) {
      return absl::FailedPreconditionError(
          absl::StrFormat("%s: mode %o gives group/others access and chmod %o failed: %s", file,
                          st.st_mode & 0777, mode, std::strerror(errno)));
    }
    VLOG_WARNING << file << ": mode " << absl::StrFormat("%o", st.st_mode & 0777)
                 << " gave group/others access; changed to " << absl::StrFormat("%o", mode);
  }
  return absl::OkStatus();
}

// Whether the entry_extra_data table exists.
absl::StatusOr<bool> HasExtraDataTable(SqliteConnection& c) {
  VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                         c.Stmt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = 'entry_extra_data'"));
  VOUCH_RETURN_IF_ERROR(c.Done(sqlite3_step(st), "read the schema"));
  const bool has = sqlite3_column_int64(st, 0) == 1;
  sqlite3_reset(st);
  return has;
}

absl::StatusOr<std::optional<std::string>> SchemaVersion(SqliteConnection& c) {
  VOUCH_ASSIGN_OR_RETURN(sqlite3_stmt * st,
                         c.Stmt("SELECT value FROM meta WHERE key = 'schema_version'"));
  const int rc = sqlite3_step(st);
  std::optional<std::string> out;
  if (rc == SQLITE_ROW) {
    const unsigned char* v = sqlite3_column_text(st, 0);
    out = v ? reinterpret_cast<const char*>(v) : "";
  } else {
    VOUCH_RETURN_IF_ERROR(c.Done(rc, "read schema version"));
  }
  sqlite3_reset(st);
  return out;
}

// Creates the entry row counter and its triggers if they are missing (a new or version 1
// database, or triggers someone dropped), with the counter set to the rows present, and records
// the schema version. One transaction.
absl::Status EnsureRowCounter(SqliteConnection& c, const std::string& path, bool new_database) {
  VOUCH_RETURN_IF_ERROR(c.Exec("BEGIN IMMEDIATE"));
  auto body = [&]() -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(
        sqlite3_stmt * st,
        c.Stmt("SELECT (SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
               "('entries_counted_insert', 'entries_counted_delete')), "
               "(SELECT COUNT(*) FROM entry_count WHERE id = 0)"));
    VOUCH_RETURN_IF_ERROR(c.Done(sqlite3_step(st), "read the row counter"));
    const bool present = sqlite3_column_int64(st, 0) == 2 && sqlite3_column_int64(st, 1) == 1;
    sqlite3_reset(st);
    if (!present) {
      VOUCH_RETURN_IF_ERROR(
          c.Exec("DROP TRIGGER IF EXISTS entries_counted_insert; "
                 "DROP TRIGGER IF EXISTS entries_counted_delete; "
                 "INSERT OR REPLACE INTO entry_count(id, n) "
                 "SELECT 0, COUNT(*) FROM entries;"));
      VOUCH_RETURN_IF_ERROR(c.Exec(kCountTriggers));
      if (!new_database) {
        VLOG_WARNING << path
                     << ": the entry row counter or its triggers were missing (a version 1 "
                        "database, or dropped); counted the entry rows and recreated them";
      }
    }
    return c.Exec(absl::StrCat("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', '",
                               kSchemaVersion, "')")
                      .c_str());
  };
  absl::Status s = body();
  if (!s.ok()) {
    absl::Status rb = c.Exec("ROLLBACK");
    (void)rb;
    return s;
  }
  return c.Exec("COMMIT");
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStorage>> SqliteStorage::Open(const std::string& path,
                                                                   int checkpoint_frames) {
  VOUCH_RETURN_IF_ERROR(PrepareDatabaseFiles(path));
  std::unique_ptr<SqliteStorage> s(new SqliteStorage(path, checkpoint_frames, false));
  VOUCH_ASSIGN_OR_RETURN(auto writer, s->NewConnection(true));
  // Check the schema version before creating anything in a database we might not understand.
  absl::StatusOr<std::optional<std::string>> version = std::optional<std::string>();
  VOUCH_ASSIGN_OR_RETURN(
      sqlite3_stmt * has_meta,
      writer->Stmt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'"));
  VOUCH_RETURN_IF_ERROR(writer->Done(sqlite3_step(has_meta), "read the schema"));
  const bool new_database = sqlite3_column_int64(has_meta, 0) == 0;
  sqlite3_reset(has_meta);
  if (!new_database) version = SchemaVersion(*writer);
  if (!version.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot read the schema version: ", version.status().message()));
  }
  if (version->has_value() && **version != "1" && **version != std::to_string(kSchemaVersion)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": database schema version ", **version,
                                                      ", this vouchd needs ", kSchemaVersion));
  }
  absl::Status schema = writer->Exec(kSchema);
  if (!schema.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot create the schema: ", schema.message()));
  }
  VOUCH_RETURN_IF_ERROR(EnsureRowCounter(*writer, path, new_database));
  // entry_extra_data came after schema version 2 without changing it (kSchema creates it in an
  // older database; older vouchds never read it).
  s->extra_data_table_ = true;
  writer->set_extra_data();
  VOUCH_ASSIGN_OR_RETURN(s->checkpointer_, s->NewConnection(false));
  sqlite3_wal_hook(
      writer->db(),
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<SqliteStorage*>(self)->OnWalCommit(frames);
        return SQLITE_OK;
      },
      s.get());
  {
    absl::MutexLock l(&s->write_mu_);
    s->writer_ = std::move(writer);
  }
  s->checkpoint_thread_ = std::thread([p = s.get()] {
    pthread_setname_np(pthread_self(), "vouch-walckpt");  // Named for top/perf.
    p->CheckpointLoop();
  });
  return s;
}

absl::StatusOr<std::unique_ptr<SqliteStorage>> SqliteStorage::OpenReadOnly(
    const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (st.st_size == 0) return absl::FailedPreconditionError(absl::StrCat(path, ": empty file"));
  std::unique_ptr<SqliteStorage> s(new SqliteStorage(path, 0, true));
  VOUCH_ASSIGN_OR_RETURN(auto conn, s->NewConnection(false));
  absl::StatusOr<std::optional<std::string>> version = SchemaVersion(*conn);
  absl::StatusOr<bool> has_extra_data = HasExtraDataTable(*conn);
  if (has_extra_data.ok() && *has_extra_data) {
    s->extra_data_table_ = true;
    conn->set_extra_data();
  }
  if (!version.ok() || !version->has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a Vouch database (no schema version): ",
                     version.ok() ? "meta has no schema_version" : version.status().message()));
  }
  if (**version != "1" && **version != std::to_string(kSchemaVersion)) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": database schema version ", **version,
                                                      ", this vouchd reads 1 and ",
                                                      kSchemaVersion));
  }
  absl::MutexLock l(&s->pool_mu_);
  s->readers_.push_back(std::move(conn));
  return s;
}

absl::Status SqliteStorage::ReadTx(const std::function<absl::Status(LogReader&)>& f) {
  std::unique_ptr<SqliteConnection> conn;
  {
    absl::MutexLock l(&pool_mu_);
    if (!readers_.empty()) {
      conn = std::move(readers_.back());
      readers_.pop_back();
    }
  }
  if (conn == nullptr) {
    VOUCH_ASSIGN_OR_RETURN(conn, NewConnection(false));
  }
  absl::Status s = conn->ExecCached("BEGIN");
  if (s.ok()) {
    s = f(*conn);
    conn->ResetAll();
    absl::Status end = conn->ExecCached("COMMIT");
    if (s.ok()) s = end;
  }
  absl::MutexLock l(&pool_mu_);
  if (readers_.size() < 64) readers_.push_back(std::move(conn));
  return s;
}

absl::Status SqliteStorage::WriteTx(const std::function<absl::Status(LogWriter&)>& f) {
  return WriteTxOn([&](SqliteConnection& c) { return f(c); });
}

absl::Status SqliteStorage::WriteTxOn(const std::function<absl::Status(SqliteConnection&)>& f) {
  absl::MutexLock l(&write_mu_);
  if (writer_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": opened read-only"));
  }
  VOUCH_RETURN_IF_ERROR(writer_->Exec("BEGIN IMMEDIATE"));
  absl::Status s = f(*writer_);
  writer_->ResetAll();
  if (!s.ok()) {
    absl::Status rb = writer_->Exec("ROLLBACK");
    (void)rb;
    return s;
  }
  s = writer_->Exec("COMMIT");
  if (!s.ok()) {
    absl::Status rb = writer_->Exec("ROLLBACK");
    (void)rb;
  }
  return s;
}

absl::Status SqliteStorage::WriteCertificates(const std::vector<CertificateRecord>& records) {
  return WriteTxOn([&](SqliteConnection& c) -> absl::Status {
    for (const CertificateRecord& r : records) VOUCH_RETURN_IF_ERROR(c.WriteCertificate(r));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<CertificateRecord>> SqliteStorage::ReadCertificate(
    const std::string& serial_hex) {
  std::optional<CertificateRecord> out;
  VOUCH_RETURN_IF_ERROR(ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, static_cast<SqliteConnection&>(r).ReadCertificate(serial_hex));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace vouch::log
