// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/postgres_storage.h"

#include <cstring>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/postgres.h"
#include "base/status.h"
#include "log/hash.h"
#include "postgresql/libpq-fe.h"

namespace vouch::log {
namespace {

// Type OIDs (pg_type.dat), for binary parameters.
constexpr Oid kInt4 = 23;
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kBytea = 17;
constexpr Oid kInt4Array = 1007;
constexpr Oid kInt8Array = 1016;
constexpr Oid kTextArray = 1009;
constexpr Oid kByteaArray = 1001;

void PutBe32(std::string* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

void PutBe64(std::string* out, uint64_t v) {
  PutBe32(out, static_cast<uint32_t>(v >> 32));
  PutBe32(out, static_cast<uint32_t>(v));
}

uint64_t GetBe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint32_t GetBe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Query parameters, all in binary format.
class Params {
 public:
  void Int8(int64_t v) {
    std::string b;
    PutBe64(&b, static_cast<uint64_t>(v));
    Add(std::move(b), kInt8);
  }
  void Int4(int32_t v) {
    std::string b;
    PutBe32(&b, static_cast<uint32_t>(v));
    Add(std::move(b), kInt4);
  }
  void Text(absl::string_view v) { Add(std::string(v), kText); }
  void Bytes(absl::string_view v) { Add(std::string(v), kBytea); }
  // One-dimensional arrays (PostgreSQL's binary array format: ndim, flags, element type, then
  // per dimension its size and lower bound, then each element as length + bytes).
  void Int8Array(const std::vector<int64_t>& v) {
    std::string b = ArrayHeader(v.size(), kInt8);
    for (int64_t x : v) {
      PutBe32(&b, 8);
      PutBe64(&b, static_cast<uint64_t>(x));
    }
    Add(std::move(b), kInt8Array);
  }
  void Int4Array(const std::vector<int32_t>& v) {
    std::string b = ArrayHeader(v.size(), kInt4);
    for (int32_t x : v) {
      PutBe32(&b, 4);
      PutBe32(&b, static_cast<uint32_t>(x));
    }
    Add(std::move(b), kInt4Array);
  }
  void BytesArray(const std::vector<absl::string_view>& v, bool text) {
    std::string b = ArrayHeader(v.size(), text ? kText : kBytea);
    size_t total = b.size();
    for (absl::string_view x : v) total += 4 + x.size();
    b.reserve(total);
    for (absl::string_view x : v) {
      PutBe32(&b, static_cast<uint32_t>(x.size()));
      b.append(x.data(), x.size());
    }
    Add(std::move(b), text ? kTextArray : kByteaArray);
  }

  int size() const { return static_cast<int>(values_.size()); }
  const Oid* types() const { return types_.data(); }
  // Pointers into the values; valid until the next Add.
  void Pointers(std::vector<const char*>* values, std::vector<int>* lengths,
                std::vector<int>* formats) const {
    for (const std::string& v : values_) {
      values->push_back(v.data());
      lengths->push_back(static_cast<int>(v.size()));
      formats->push_back(1);
    }
  }

 private:
  static std::string ArrayHeader(size_t n, Oid element) {
    std::string b;
    PutBe32(&b, n == 0 ? 0 : 1);  // ndim
    PutBe32(&b, 0);               // no NULLs
    PutBe32(&b, element);
    if (n > 0) {
      PutBe32(&b, static_cast<uint32_t>(n));
      PutBe32(&b, 1);  // lower bound
    }
    return b;
  }
  void Add(std::string v, Oid type) {
    values_.push_back(std::move(v));
    types_.push_back(type);
  }
  std::vector<std::string> values_;
  std::vector<Oid> types_;
};

using Result = PgResult;

// A search key list as one bytea: each key as a 4-byte big-endian length and its bytes.
std::string EncodeKeys(const std::vector<std::string>& keys) {
  std::string out;
  for (const std::string& k : keys) {
    PutBe32(&out, static_cast<uint32_t>(k.size()));
    out += k;
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> DecodeKeys(absl::string_view b, int64_t row) {
  std::vector<std::string> out;
  while (!b.empty()) {
    if (b.size() < 4 || GetBe32(b.data()) > b.size() - 4) {
      return absl::DataLossError(absl::StrCat("pending[", row, "].keys: truncated"));
    }
    const uint32_t n = GetBe32(b.data());
    out.emplace_back(b.substr(4, n));
    b.remove_prefix(4 + n);
  }
  return out;
}

// The tables, as SqliteStorage has them (schema version 2), in PostgreSQL types, and the
// cluster's (version 3, PostgreSQL only).
constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
  idx BIGINT PRIMARY KEY,
  leaf_hash BYTEA NOT NULL UNIQUE,
  body BYTEA NOT NULL,
  integrated_time BIGINT NOT NULL,
  sets BYTEA NOT NULL);
-- RFC 6962's extra_data of a CT log entry (StoredEntry::extra_data); empty for artifact entries.
ALTER TABLE entries ADD COLUMN IF NOT EXISTS extra_data BYTEA NOT NULL DEFAULT ''::bytea;
CREATE TABLE IF NOT EXISTS index_keys(
  key TEXT NOT NULL,
  idx BIGINT NOT NULL,
  PRIMARY KEY(key, idx));
CREATE TABLE IF NOT EXISTS tiles(
  level INTEGER NOT NULL,
  idx BIGINT NOT NULL,
  width INTEGER NOT NULL,
  hashes BYTEA NOT NULL,
  PRIMARY KEY(level, idx));
CREATE TABLE IF NOT EXISTS tree_state(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL,
  root BYTEA NOT NULL,
  checkpoint TEXT NOT NULL,
  timestamp BIGINT NOT NULL,
  compact_range BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS certificates(
  serial TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  issuer TEXT NOT NULL,
  key_sha256 TEXT NOT NULL,
  not_before BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS certificates_identity ON certificates(identity);
-- Version 3: several front ends (log/cluster_store.h). The sequencer lease with its fencing
-- token, and the queue of entries front ends hand to the sequencer.
CREATE TABLE IF NOT EXISTS sequencer_lease(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  holder TEXT NOT NULL,
  token BIGINT NOT NULL,
  expires TIMESTAMPTZ NOT NULL);
CREATE TABLE IF NOT EXISTS pending(
  id BIGSERIAL PRIMARY KEY,
  leaf_hash BYTEA NOT NULL UNIQUE,
  body BYTEA NOT NULL,
  keys BYTEA NOT NULL,
  extra_data BYTEA NOT NULL,
  submitted TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
  outcome SMALLINT,
  idx BIGINT,
  resolved TIMESTAMPTZ);
CREATE INDEX IF NOT EXISTS pending_unresolved ON pending(id) WHERE outcome IS NULL;
CREATE TABLE IF NOT EXISTS entry_count(
  id INTEGER PRIMARY KEY CHECK (id = 0),
  n BIGINT NOT NULL);
CREATE OR REPLACE FUNCTION entries_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN UPDATE entry_count SET n = n + (SELECT COUNT(*) FROM new_rows) WHERE id = 0;
  RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION entries_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN UPDATE entry_count SET n = n - (SELECT COUNT(*) FROM old_rows) WHERE id = 0;
  RETURN NULL; END $$;
CREATE OR REPLACE FUNCTION entries_counted_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN UPDATE entry_count SET n = 0 WHERE id = 0; RETURN NULL; END $$;
)sql";

// The row counter's triggers: every INSERT, DELETE and TRUNCATE on entries, by vouchd or anyone
// else with access (psql, a script), moves entry_count.n in the same transaction. Statement
// triggers with transition tables: one UPDATE per statement, not per row.
constexpr char kCountTriggers[] = R"sql(
CREATE TRIGGER entries_counted_insert AFTER INSERT ON entries
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_counted_insert();
CREATE TRIGGER entries_counted_delete AFTER DELETE ON entries
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION entries_counted_delete();
CREATE TRIGGER entries_counted_truncate AFTER TRUNCATE ON entries
  FOR EACH STATEMENT EXECUTE FUNCTION entries_counted_truncate();
)sql";

}  // namespace

// One libpq connection with its prepared statements, and the writes a transaction has queued.
// Not thread-safe (used by one transaction at a time).
class PgConnection : public LogWriter {
 public:
  PgConnection(PGconn* conn, std::string display_url, std::string schema, bool read_only,
               bool async_commit = false, int64_t idle_tx_timeout_ms = 0)
      : conn_(conn),
        display_url_(std::move(display_url)),
        schema_(std::move(schema)),
        read_only_(read_only),
        async_commit_(async_commit),
        idle_tx_timeout_ms_(idle_tx_timeout_ms) {}
  ~PgConnection() override { PQfinish(conn_); }

  // Session settings, run after every (re)connect.
  absl::Status SetUpSession() {
    prepared_.clear();
    std::string sql =
        absl::StrCat("SET synchronous_commit = ", async_commit_ ? "off" : "on",
                     "; SET client_min_messages = warning; SET search_path TO \"", schema_, "\";");
    if (read_only_) absl::StrAppend(&sql, " SET default_transaction_read_only = on;");
    if (idle_tx_timeout_ms_ > 0) {
      absl::StrAppend(&sql, " SET idle_in_transaction_session_timeout = ", idle_tx_timeout_ms_,
                      ";");
    }
    return Exec(sql.c_str());
  }

  // Reconnects a connection that broke (server restart, network) before a new transaction.
  absl::Status EnsureConnected() {
    if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    VLOG_WARNING << display_url_ << ": connection lost; reconnecting";
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return absl::UnavailableError(absl::StrCat(
          display_url_, ": cannot reconnect: ", absl::StripAsciiWhitespace(PQerrorMessage(conn_))));
    }
    return SetUpSession();
  }

  absl::Status Exec(const char* sql) {
    Result r(PQexec(conn_, sql));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return PgError(conn_, r.get(),
                     absl::StrCat("\"", absl::string_view(sql).substr(0, 60), "\""));
    }
    return absl::OkStatus();
  }

  // Runs |sql| (prepared once per connection) with |p|; results in binary format.
  absl::StatusOr<Result> Query(const char* sql, const Params& p, absl::string_view what) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      const std::string name = absl::StrCat("v", prepared_.size());
      Result r(PQprepare(conn_, name.c_str(), sql, p.size(), p.types()));
      if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        return PgError(conn_, r.get(), absl::StrCat("prepare ", what));
      }
      it = prepared_.emplace(sql, name).first;
    }
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    p.Pointers(&values, &lengths, &formats);
    Result r(PQexecPrepared(conn_, it->second.c_str(), p.size(), values.data(), lengths.data(),
                            formats.data(), /*resultFormat=*/1));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return PgError(conn_, r.get(), what);
    return r;
  }

  absl::Status Begin(bool write) {
    pending_keys_.clear();
    pending_tiles_.clear();
    return Exec(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  absl::Status Commit() {
    VOUCH_RETURN_IF_ERROR(Flush());
    return Exec("COMMIT");
  }
  void Rollback() {
    pending_keys_.clear();
    pending_tiles_.clear();
    if (PQstatus(conn_) != CONNECTION_OK) return;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    absl::Status s = Exec("ROLLBACK");
    (void)s;
  }

  // ---- LogReader
  absl::StatusOr<std::optional<TreeState>> ReadTreeState() override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    VOUCH_ASSIGN_OR_RETURN(
        Result r, Query("SELECT size, root, checkpoint, timestamp, compact_range FROM tree_state "
                        "WHERE id = 1",
                        p, "read tree_state"));
    if (PQntuples(r.get()) == 0) return std::optional<TreeState>();
    TreeState t;
    VOUCH_ASSIGN_OR_RETURN(int64_t size, Int8(r.get(), 0, 0, "tree_state.size"));
    t.size = static_cast<uint64_t>(size);
    VOUCH_ASSIGN_OR_RETURN(t.root, HashAt(r.get(), 0, 1, "tree_state.root"));
    t.checkpoint = Bytes(r.get(), 0, 2);
    VOUCH_ASSIGN_OR_RETURN(t.timestamp, Int8(r.get(), 0, 3, "tree_state.timestamp"));
    const std::string cr = Bytes(r.get(), 0, 4);
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

  absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    p.Int8(static_cast<int64_t>(index));
    VOUCH_ASSIGN_OR_RETURN(
        Result r,
        Query("SELECT idx, leaf_hash, body, integrated_time, sets, extra_data FROM entries "
              "WHERE idx = $1",
              p, "read entry"));
    if (PQntuples(r.get()) == 0) {
      return absl::NotFoundError(absl::StrCat("no entry at index ", index));
    }
    return EntryAt(r.get(), 0);
  }

  absl::StatusOr<std::vector<StoredEntry>> ReadEntries(uint64_t begin, uint64_t end) override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    p.Int8(static_cast<int64_t>(std::min<uint64_t>(begin, INT64_MAX)));
    p.Int8(static_cast<int64_t>(std::min<uint64_t>(end, INT64_MAX)));
    VOUCH_ASSIGN_OR_RETURN(Result r,
                           Query("SELECT idx, leaf_hash, body, integrated_time, sets, extra_data "
                                 "FROM entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                                 p, "read entries"));
    std::vector<StoredEntry> out;
    out.reserve(PQntuples(r.get()));
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      VOUCH_ASSIGN_OR_RETURN(StoredEntry e, EntryAt(r.get(), i));
      out.push_back(std::move(e));
    }
    return out;
  }

  absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& leaf_hash) override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    p.Bytes(absl::string_view(reinterpret_cast<const char*>(leaf_hash.data()), 32));
    VOUCH_ASSIGN_OR_RETURN(Result r,
                           Query("SELECT idx FROM entries WHERE leaf_hash = $1", p, "find leaf"));
    if (PQntuples(r.get()) == 0) return std::optional<uint64_t>();
    VOUCH_ASSIGN_OR_RETURN(int64_t idx, Int8(r.get(), 0, 0, "entries.idx"));
    return std::optional<uint64_t>(static_cast<uint64_t>(idx));
  }

  absl::StatusOr<std::vector<uint64_t>> FindByKey(const std::string& key, size_t limit) override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    p.Text(key);
    p.Int8(static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    VOUCH_ASSIGN_OR_RETURN(
        Result r,
        Query("SELECT idx FROM index_keys WHERE key = $1 ORDER BY idx LIMIT $2", p, "find by key"));
    std::vector<uint64_t> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      VOUCH_ASSIGN_OR_RETURN(int64_t idx, Int8(r.get(), i, 0, "index_keys.idx"));
      out.push_back(static_cast<uint64_t>(idx));
    }
    return out;
  }

  absl::StatusOr<StoredTile> ReadTile(uint32_t level, uint64_t index) override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    p.Int4(static_cast<int32_t>(level));
    p.Int8(static_cast<int64_t>(std::min<uint64_t>(index, INT64_MAX)));
    VOUCH_ASSIGN_OR_RETURN(
        Result r,
        Query("SELECT width, hashes FROM tiles WHERE level = $1 AND idx = $2", p, "read tile"));
    if (PQntuples(r.get()) == 0) {
      return absl::NotFoundError(absl::StrCat("no tile ", level, "/", index));
    }
    StoredTile t;
    t.level = level;
    t.index = index;
    VOUCH_ASSIGN_OR_RETURN(int32_t width, Int4(r.get(), 0, 0, "tiles.width"));
    t.hashes = Bytes(r.get(), 0, 1);
    if (width < 1 || width > 256 ||
        t.hashes.size() != StoredTileBytes(static_cast<uint32_t>(width))) {
      return absl::DataLossError(absl::StrCat("tile ", level, "/", index, ": width ", width,
                                              " with ", t.hashes.size(), " bytes of hashes"));
    }
    t.width = static_cast<uint32_t>(width);
    return t;
  }

  absl::StatusOr<uint64_t> CountEntries() override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    VOUCH_ASSIGN_OR_RETURN(Result r,
                           Query("SELECT (SELECT n FROM entry_count WHERE id = 0), "
                                 "(SELECT MIN(idx) FROM entries), (SELECT MAX(idx) FROM entries)",
                                 p, "count entries"));
    if (PQgetisnull(r.get(), 0, 0)) {
      return absl::DataLossError("entry_count: the row counter is missing");
    }
    VOUCH_ASSIGN_OR_RETURN(const int64_t n, Int8(r.get(), 0, 0, "entry_count.n"));
    const bool empty = PQgetisnull(r.get(), 0, 1);
    int64_t lo = 0, hi = 0;
    if (!empty) {
      VOUCH_ASSIGN_OR_RETURN(lo, Int8(r.get(), 0, 1, "MIN(entries.idx)"));
      VOUCH_ASSIGN_OR_RETURN(hi, Int8(r.get(), 0, 2, "MAX(entries.idx)"));
    }
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
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    VOUCH_ASSIGN_OR_RETURN(Result r, Query("SELECT COUNT(*) FROM entries", p, "count entry rows"));
    VOUCH_ASSIGN_OR_RETURN(int64_t n, Int8(r.get(), 0, 0, "COUNT(*)"));
    return static_cast<uint64_t>(n);
  }

  absl::StatusOr<std::optional<std::string>> ReadMeta(const std::string& key) override {
    VOUCH_RETURN_IF_ERROR(Flush());
    Params p;
    p.Text(key);
    VOUCH_ASSIGN_OR_RETURN(Result r,
                           Query("SELECT value FROM meta WHERE key = $1", p, "read meta"));
    if (PQntuples(r.get()) == 0) return std::optional<std::string>();
    return std::optional<std::string>(Bytes(r.get(), 0, 0));
  }

  absl::StatusOr<std::optional<CertificateRecord>> ReadCertificate(const std::string& serial) {
    Params p;
    p.Text(serial);
    VOUCH_ASSIGN_OR_RETURN(Result r, Query("SELECT identity, issuer, key_sha256, not_before FROM "
                                           "certificates WHERE serial = $1",
                                           p, "read certificate"));
    if (PQntuples(r.get()) == 0) return std::optional<CertificateRecord>();
    CertificateRecord c;
    c.serial_hex = serial;
    c.identity = Bytes(r.get(), 0, 0);
    c.issuer = Bytes(r.get(), 0, 1);
    c.key_sha256_hex = Bytes(r.get(), 0, 2);
    VOUCH_ASSIGN_OR_RETURN(c.not_before, Int8(r.get(), 0, 3, "certificates.not_before"));
    return std::optional<CertificateRecord>(std::move(c));
  }

  // ---- LogWriter
  absl::Status WriteMeta(const std::string& key, const std::string& value) override {
    Params p;
    p.Text(key);
    p.Text(value);
    return Query(
               "INSERT INTO meta(key, value) VALUES($1, $2) "
               "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
               p, "write meta")
        .status();
  }

  absl::Status WriteEntries(const std::vector<StoredEntry>& entries) override {
    if (entries.empty()) return absl::OkStatus();
    VOUCH_RETURN_IF_ERROR(Flush());
    std::vector<int64_t> idx, times;
    std::vector<absl::string_view> leaves, bodies, sets, extras;
    for (size_t i = 0; i < entries.size(); ++i) {
      const StoredEntry& e = entries[i];
      if (i > 0 && e.index != entries[i - 1].index + 1) {
        return absl::InvalidArgumentError(absl::StrCat(
            "entry index ", e.index, " is not the next index ", entries[i - 1].index + 1));
      }
      if (e.index > static_cast<uint64_t>(INT64_MAX)) {
        return absl::InvalidArgumentError(absl::StrCat("entry index ", e.index, " is too large"));
      }
      idx.push_back(static_cast<int64_t>(e.index));
      times.push_back(e.integrated_time);
      leaves.emplace_back(reinterpret_cast<const char*>(e.leaf_hash.data()), 32);
      bodies.emplace_back(e.body);
      sets.emplace_back(e.set);
      extras.emplace_back(e.extra_data);
    }
    Params p;
    p.Int8Array(idx);
    p.BytesArray(leaves, false);
    p.BytesArray(bodies, false);
    p.Int8Array(times);
    p.BytesArray(sets, false);
    p.BytesArray(extras, false);
    p.Int8(idx[0]);
    // Inserted only if the first index is the next one (one round trip; the gap is rare).
    VOUCH_ASSIGN_OR_RETURN(
        Result r,
        Query(
            "INSERT INTO entries(idx, leaf_hash, body, integrated_time, sets, extra_data) "
            "SELECT * FROM unnest($1::int8[], $2::bytea[], $3::bytea[], $4::int8[], "
            "$5::bytea[], $6::bytea[]) WHERE (SELECT COALESCE(MAX(idx) + 1, 0) FROM entries) = $7",
            p, absl::StrCat("insert entries ", entries.front().index, "..", entries.back().index)));
    if (std::string(PQcmdTuples(r.get())) == "0") {
      Params none;
      VOUCH_ASSIGN_OR_RETURN(
          Result next, Query("SELECT COALESCE(MAX(idx) + 1, 0) FROM entries", none, "next index"));
      VOUCH_ASSIGN_OR_RETURN(int64_t n, Int8(next.get(), 0, 0, "next index"));
      return absl::InvalidArgumentError(
          absl::StrCat("entry index ", entries.front().index, " is not the next index ", n));
    }
    return absl::OkStatus();
  }

  absl::Status WriteIndexKeys(uint64_t index, const std::vector<std::string>& keys) override {
    for (const std::string& k : keys) pending_keys_.emplace_back(k, static_cast<int64_t>(index));
    return absl::OkStatus();
  }

  absl::Status WriteTile(const StoredTile& tile) override {
    if (tile.width < 1 || tile.width > 256 || tile.hashes.size() != StoredTileBytes(tile.width)) {
      return absl::InvalidArgumentError(
          absl::StrCat("tile ", tile.level, "/", tile.index, ": bad width ", tile.width));
    }
    pending_tiles_[{tile.level, tile.index}] = tile;
    return absl::OkStatus();
  }

  absl::Status WriteTreeState(const TreeState& t) override {
    std::string cr;
    for (const Hash& h : t.compact_range) cr.append(reinterpret_cast<const char*>(h.data()), 32);
    Params p;
    p.Int8(static_cast<int64_t>(t.size));
    p.Bytes(absl::string_view(reinterpret_cast<const char*>(t.root.data()), 32));
    p.Text(t.checkpoint);
    p.Int8(t.timestamp);
    p.Bytes(cr);
    return Query(
               "INSERT INTO tree_state(id, size, root, checkpoint, timestamp, compact_range) "
               "VALUES(1, $1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET size = "
               "EXCLUDED.size, root = EXCLUDED.root, checkpoint = EXCLUDED.checkpoint, "
               "timestamp = EXCLUDED.timestamp, compact_range = EXCLUDED.compact_range",
               p, "write tree_state")
        .status();
  }

  absl::Status WriteCertificates(const std::vector<CertificateRecord>& records) {
    if (records.empty()) return absl::OkStatus();
    std::vector<absl::string_view> serials, identities, issuers, keys;
    std::vector<int64_t> not_before;
    for (const CertificateRecord& c : records) {
      serials.emplace_back(c.serial_hex);
      identities.emplace_back(c.identity);
      issuers.emplace_back(c.issuer);
      keys.emplace_back(c.key_sha256_hex);
      not_before.push_back(c.not_before);
    }
    Params p;
    p.BytesArray(serials, true);
    p.BytesArray(identities, true);
    p.BytesArray(issuers, true);
    p.BytesArray(keys, true);
    p.Int8Array(not_before);
    return Query(
               "INSERT INTO certificates(serial, identity, issuer, key_sha256, not_before) "
               "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])",
               p, "write certificates")
        .status();
  }

  absl::Status ResolvePending(
      const std::vector<std::pair<int64_t, uint64_t>>& integrated) override {
    if (integrated.empty()) return absl::OkStatus();
    VOUCH_RETURN_IF_ERROR(Flush());
    std::vector<int64_t> ids, idx;
    for (const auto& [id, index] : integrated) {
      ids.push_back(id);
      idx.push_back(static_cast<int64_t>(index));
    }
    Params p;
    p.Int8Array(ids);
    p.Int8Array(idx);
    return Query(
               "UPDATE pending SET outcome = 1, idx = u.idx, resolved = clock_timestamp() "
               "FROM unnest($1::int8[], $2::int8[]) AS u(id, idx) "
               "WHERE pending.id = u.id AND pending.outcome IS NULL",
               p, "resolve pending rows")
        .status();
  }

  // ---- The cluster (ClusterStore, through PostgresStorage).

  // FailedPrecondition unless the lease row still carries |token| (and locks it against a
  // takeover until this transaction ends).
  absl::Status CheckFence(uint64_t token) {
    Params p;
    VOUCH_ASSIGN_OR_RETURN(
        Result r, Query("SELECT holder, token FROM sequencer_lease WHERE id = 1 FOR SHARE", p,
                        "read the sequencer lease"));
    if (PQntuples(r.get()) == 0) {
      return absl::FailedPreconditionError("sequencer lease lost: the lease row is gone");
    }
    VOUCH_ASSIGN_OR_RETURN(int64_t now, Int8(r.get(), 0, 1, "sequencer_lease.token"));
    if (static_cast<uint64_t>(now) != token) {
      return absl::FailedPreconditionError(
          absl::StrCat("sequencer lease lost: ", Bytes(r.get(), 0, 0), " holds it with token ", now,
                       ", this front end's token is ", token));
    }
    return absl::OkStatus();
  }

  // Whether another holder's lease is still valid (one autocommitted read, no row lock: the
  // front ends that only try the lease never hold up the sequencer's fenced commits).
  absl::StatusOr<bool> LeaseHeldByOther(const std::string& holder) {
    Params p;
    p.Text(holder);
    VOUCH_ASSIGN_OR_RETURN(Result r, Query("SELECT holder <> $1 AND expires > clock_timestamp() "
                                           "FROM sequencer_lease WHERE id = 1",
                                           p, "read the sequencer lease"));
    return PQntuples(r.get()) > 0 && PQgetvalue(r.get(), 0, 0)[0] != 0;
  }

  absl::StatusOr<std::optional<LeaseGrant>> AcquireLease(const std::string& holder,
                                                         absl::Duration ttl) {
    // A lease row locked by a stalled transaction is not waited for beyond a third of the lease.
    VOUCH_RETURN_IF_ERROR(
        Exec(absl::StrCat("SET LOCAL lock_timeout = ",
                          std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl / 3)))
                 .c_str()));
    Params p;
    p.Text(holder);
    p.Int8(absl::ToInt64Milliseconds(ttl));
    VOUCH_ASSIGN_OR_RETURN(
        Result r,
        Query("INSERT INTO sequencer_lease(id, holder, token, expires) "
              "VALUES(1, $1, 1, clock_timestamp() + $2::int8 * interval '1 millisecond') "
              "ON CONFLICT (id) DO UPDATE SET token = CASE WHEN sequencer_lease.holder = "
              "EXCLUDED.holder THEN sequencer_lease.token ELSE sequencer_lease.token + 1 END, "
              "holder = EXCLUDED.holder, expires = EXCLUDED.expires "
              "WHERE sequencer_lease.holder = EXCLUDED.holder OR "
              "sequencer_lease.expires <= clock_timestamp() "
              "RETURNING token, "
              "(EXTRACT(EPOCH FROM (expires - clock_timestamp())) * 1000)::int8",
              p, "take the sequencer lease"));
    if (PQntuples(r.get()) == 0) return std::optional<LeaseGrant>();
    LeaseGrant g;
    VOUCH_ASSIGN_OR_RETURN(int64_t token, Int8(r.get(), 0, 0, "sequencer_lease.token"));
    VOUCH_ASSIGN_OR_RETURN(int64_t ms, Int8(r.get(), 0, 1, "sequencer_lease.expires"));
    g.token = static_cast<uint64_t>(token);
    g.remaining = absl::Milliseconds(ms);
    return std::optional<LeaseGrant>(g);
  }

  absl::Status ReleaseLease(const std::string& holder) {
    Params p;
    p.Text(holder);
    return Query(
               "UPDATE sequencer_lease SET expires = clock_timestamp() "
               "WHERE id = 1 AND holder = $1",
               p, "release the sequencer lease")
        .status();
  }

  absl::StatusOr<std::vector<PendingTicket>> SubmitPending(
      const std::vector<std::pair<Hash, const NewEntry*>>& entries) {
    std::vector<PendingTicket> out(entries.size());
    std::vector<absl::string_view> leaves;
    for (const auto& [leaf, entry] : entries) {
      leaves.emplace_back(reinterpret_cast<const char*>(leaf.data()), 32);
    }
    auto leaf_key = [](const char* p) { return std::string(p, 32); };
    // Entries already in the log are not queued.
    absl::flat_hash_map<std::string, int64_t> existing;
    {
      Params p;
      p.BytesArray(leaves, false);
      VOUCH_ASSIGN_OR_RETURN(Result r, Query("SELECT leaf_hash, idx FROM entries "
                                             "WHERE leaf_hash = ANY($1::bytea[])",
                                             p, "find submitted entries"));
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        if (PQgetlength(r.get(), i, 0) != 32) continue;
        VOUCH_ASSIGN_OR_RETURN(int64_t idx, Int8(r.get(), i, 1, "entries.idx"));
        existing[leaf_key(PQgetvalue(r.get(), i, 0))] = idx;
      }
    }
    std::vector<absl::string_view> q_leaves, q_bodies, q_keys, q_extras;
    std::vector<std::string> keys(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      auto it = existing.find(std::string(leaves[i]));
      if (it != existing.end()) {
        out[i].existing = static_cast<uint64_t>(it->second);
        continue;
      }
      keys[i] = EncodeKeys(entries[i].second->keys);
      q_leaves.push_back(leaves[i]);
      q_bodies.emplace_back(entries[i].second->body);
      q_keys.emplace_back(keys[i]);
      q_extras.emplace_back(entries[i].second->extra_data);
    }
    if (q_leaves.empty()) return out;
    absl::flat_hash_map<std::string, int64_t> owned, queued;
    {
      Params p;
      p.BytesArray(q_leaves, false);
      p.BytesArray(q_bodies, false);
      p.BytesArray(q_keys, false);
      p.BytesArray(q_extras, false);
      VOUCH_ASSIGN_OR_RETURN(
          Result r, Query("INSERT INTO pending(leaf_hash, body, keys, extra_data) SELECT * FROM "
                          "unnest($1::bytea[], $2::bytea[], $3::bytea[], $4::bytea[]) "
                          "ON CONFLICT (leaf_hash) DO NOTHING RETURNING id, leaf_hash",
                          p, "queue entries"));
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        VOUCH_ASSIGN_OR_RETURN(int64_t id, Int8(r.get(), i, 0, "pending.id"));
        if (PQgetlength(r.get(), i, 1) == 32) owned[leaf_key(PQgetvalue(r.get(), i, 1))] = id;
      }
    }
    if (owned.size() < q_leaves.size()) {
      // Queued by another front end (or twice in this call): wait for that row.
      Params p;
      p.BytesArray(q_leaves, false);
      VOUCH_ASSIGN_OR_RETURN(Result r, Query("SELECT leaf_hash, id FROM pending "
                                             "WHERE leaf_hash = ANY($1::bytea[])",
                                             p, "find queued entries"));
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        if (PQgetlength(r.get(), i, 0) != 32) continue;
        VOUCH_ASSIGN_OR_RETURN(int64_t id, Int8(r.get(), i, 1, "pending.id"));
        queued[leaf_key(PQgetvalue(r.get(), i, 0))] = id;
      }
    }
    for (size_t i = 0; i < entries.size(); ++i) {
      if (out[i].existing.has_value()) continue;
      const std::string key(leaves[i]);
      auto it = owned.find(key);
      if (it != owned.end()) {
        out[i].id = it->second;
        out[i].owner = true;
        owned.erase(it);  // A second copy in this call waits for the first.
        queued[key] = out[i].id;
        continue;
      }
      auto q = queued.find(key);
      if (q == queued.end()) {
        // The other front end's row was resolved and deleted meanwhile: retry sees the entry.
        return absl::AbortedError("the pending queue changed while entries were queued; retry");
      }
      out[i].id = q->second;
    }
    return out;
  }

  absl::StatusOr<std::vector<int64_t>> ListUnresolved(size_t limit) {
    Params p;
    p.Int8(static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
    VOUCH_ASSIGN_OR_RETURN(
        Result r, Query("SELECT id FROM pending WHERE outcome IS NULL ORDER BY id LIMIT $1", p,
                        "list pending rows"));
    std::vector<int64_t> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      VOUCH_ASSIGN_OR_RETURN(int64_t id, Int8(r.get(), i, 0, "pending.id"));
      out.push_back(id);
    }
    return out;
  }

  absl::StatusOr<std::vector<PendingRow>> ReadPending(const std::vector<int64_t>& ids) {
    Params p;
    p.Int8Array(ids);
    VOUCH_ASSIGN_OR_RETURN(Result r,
                           Query("SELECT id, body, keys, extra_data FROM pending "
                                 "WHERE id = ANY($1::int8[]) AND outcome IS NULL ORDER BY id",
                                 p, "read pending rows"));
    std::vector<PendingRow> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      PendingRow row;
      VOUCH_ASSIGN_OR_RETURN(row.id, Int8(r.get(), i, 0, "pending.id"));
      row.entry.body = Bytes(r.get(), i, 1);
      VOUCH_ASSIGN_OR_RETURN(row.entry.keys, DecodeKeys(Bytes(r.get(), i, 2), row.id));
      row.entry.extra_data = Bytes(r.get(), i, 3);
      // The leaf is the body's hash, whatever the row's leaf_hash column says.
      row.leaf = HashLeaf(row.entry.body);
      out.push_back(std::move(row));
    }
    return out;
  }

  absl::Status MarkDuplicates(const std::vector<int64_t>& ids) {
    Params p;
    p.Int8Array(ids);
    return Query(
               "UPDATE pending SET outcome = 2, idx = e.idx, resolved = clock_timestamp() "
               "FROM entries e WHERE pending.id = ANY($1::int8[]) AND pending.outcome IS NULL "
               "AND e.leaf_hash = pending.leaf_hash",
               p, "mark duplicate pending rows")
        .status();
  }

  absl::StatusOr<std::vector<PendingOutcome>> ReadOutcomes(const std::vector<int64_t>& ids,
                                                           std::vector<int64_t>* gone) {
    Params p;
    p.Int8Array(ids);
    VOUCH_ASSIGN_OR_RETURN(Result r, Query("SELECT id, outcome, idx, leaf_hash FROM pending "
                                           "WHERE id = ANY($1::int8[])",
                                           p, "read pending outcomes"));
    std::vector<PendingOutcome> out;
    absl::flat_hash_set<int64_t> present;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      VOUCH_ASSIGN_OR_RETURN(int64_t id, Int8(r.get(), i, 0, "pending.id"));
      present.insert(id);
      if (PQgetisnull(r.get(), i, 1)) continue;
      if (PQgetlength(r.get(), i, 1) != 2) {
        return absl::DataLossError(absl::StrCat("pending[", id, "].outcome: not a smallint"));
      }
      const int outcome = static_cast<int16_t>(
          (static_cast<uint16_t>(static_cast<uint8_t>(PQgetvalue(r.get(), i, 1)[0])) << 8) |
          static_cast<uint8_t>(PQgetvalue(r.get(), i, 1)[1]));
      VOUCH_ASSIGN_OR_RETURN(int64_t idx,
                             Int8(r.get(), i, 2, absl::StrCat("pending[", id, "].idx")));
      if ((outcome != 1 && outcome != 2) || idx < 0) {
        return absl::DataLossError(
            absl::StrCat("pending[", id, "]: outcome ", outcome, " at index ", idx));
      }
      VOUCH_ASSIGN_OR_RETURN(Hash leaf,
                             HashAt(r.get(), i, 3, absl::StrCat("pending[", id, "].leaf_hash")));
      out.push_back(PendingOutcome{id, leaf, outcome == 2, static_cast<uint64_t>(idx)});
    }
    if (gone != nullptr) {
      for (int64_t id : ids) {
        if (!present.contains(id)) gone->push_back(id);
      }
    }
    return out;
  }

  absl::Status DeletePending(const std::vector<std::pair<int64_t, Hash>>& rows) {
    std::vector<int64_t> ids;
    std::vector<absl::string_view> leaves;
    for (const auto& [id, leaf] : rows) {
      ids.push_back(id);
      leaves.emplace_back(reinterpret_cast<const char*>(leaf.data()), 32);
    }
    Params p;
    p.Int8Array(ids);
    p.BytesArray(leaves, false);
    return Query(
               "DELETE FROM pending USING unnest($1::int8[], $2::bytea[]) AS u(id, leaf) "
               "WHERE pending.id = u.id AND pending.leaf_hash = u.leaf",
               p, "delete pending rows")
        .status();
  }

  absl::StatusOr<uint64_t> DeleteStaleResolved(absl::Duration age) {
    Params p;
    p.Int8(absl::ToInt64Milliseconds(age));
    VOUCH_ASSIGN_OR_RETURN(
        Result r, Query("DELETE FROM pending WHERE outcome IS NOT NULL AND "
                        "resolved < clock_timestamp() - $1::int8 * interval '1 millisecond'",
                        p, "delete stale pending rows"));
    uint64_t n = 0;
    (void)absl::SimpleAtoi(PQcmdTuples(r.get()), &n);
    return n;
  }

  PGconn* conn() { return conn_; }

 private:
  // Writes what WriteIndexKeys and WriteTile queued: one statement each (the group commit's
  // search keys and tiles in two round trips, not one per key and tile).
  absl::Status Flush() {
    if (!pending_keys_.empty()) {
      std::vector<absl::string_view> keys;
      std::vector<int64_t> idx;
      for (const auto& [k, i] : pending_keys_) {
        keys.emplace_back(k);
        idx.push_back(i);
      }
      Params p;
      p.BytesArray(keys, true);
      p.Int8Array(idx);
      absl::Status s = Query(
                           "INSERT INTO index_keys(key, idx) SELECT * FROM "
                           "unnest($1::text[], $2::int8[]) ON CONFLICT DO NOTHING",
                           p, "insert index keys")
                           .status();
      pending_keys_.clear();
      VOUCH_RETURN_IF_ERROR(s);
    }
    if (!pending_tiles_.empty()) {
      std::vector<int32_t> levels, widths;
      std::vector<int64_t> idx;
      std::vector<absl::string_view> hashes;
      for (const auto& [key, t] : pending_tiles_) {
        levels.push_back(static_cast<int32_t>(t.level));
        idx.push_back(static_cast<int64_t>(t.index));
        widths.push_back(static_cast<int32_t>(t.width));
        hashes.emplace_back(t.hashes);
      }
      Params p;
      p.Int4Array(levels);
      p.Int8Array(idx);
      p.Int4Array(widths);
      p.BytesArray(hashes, false);
      absl::Status s =
          Query(
              "INSERT INTO tiles(level, idx, width, hashes) SELECT * FROM "
              "unnest($1::int4[], $2::int8[], $3::int4[], $4::bytea[]) ON CONFLICT (level, idx) "
              "DO UPDATE SET width = EXCLUDED.width, hashes = EXCLUDED.hashes",
              p, "write tiles")
              .status();
      pending_tiles_.clear();
      VOUCH_RETURN_IF_ERROR(s);
    }
    return absl::OkStatus();
  }

  static std::string Bytes(const PGresult* r, int row, int col) {
    if (PQgetisnull(r, row, col)) return "";
    return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
  }
  static absl::StatusOr<int64_t> Int8(const PGresult* r, int row, int col, absl::string_view what) {
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8) {
      return absl::DataLossError(absl::StrCat(what, ": not a 64-bit integer"));
    }
    return static_cast<int64_t>(GetBe64(PQgetvalue(r, row, col)));
  }
  static absl::StatusOr<int32_t> Int4(const PGresult* r, int row, int col, absl::string_view what) {
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 4) {
      return absl::DataLossError(absl::StrCat(what, ": not a 32-bit integer"));
    }
    return static_cast<int32_t>(GetBe32(PQgetvalue(r, row, col)));
  }
  static absl::StatusOr<Hash> HashAt(const PGresult* r, int row, int col, absl::string_view what) {
    const int n = PQgetisnull(r, row, col) ? 0 : PQgetlength(r, row, col);
    if (n != 32) {
      return absl::DataLossError(absl::StrCat(what, ": stored hash has ", n, " bytes, want 32"));
    }
    Hash h;
    std::memcpy(h.data(), PQgetvalue(r, row, col), 32);
    return h;
  }
  static absl::StatusOr<StoredEntry> EntryAt(const PGresult* r, int row) {
    StoredEntry e;
    VOUCH_ASSIGN_OR_RETURN(int64_t idx, Int8(r, row, 0, "entries.idx"));
    e.index = static_cast<uint64_t>(idx);
    VOUCH_ASSIGN_OR_RETURN(e.leaf_hash,
                           HashAt(r, row, 1, absl::StrCat("entries[", e.index, "].leaf_hash")));
    e.body = Bytes(r, row, 2);
    VOUCH_ASSIGN_OR_RETURN(e.integrated_time,
                           Int8(r, row, 3, absl::StrCat("entries[", e.index, "].integrated_time")));
    e.set = Bytes(r, row, 4);
    e.extra_data = Bytes(r, row, 5);
    return e;
  }

  PGconn* conn_;
  const std::string display_url_;
  const std::string schema_;
  const bool read_only_;
  // The pending queue's connections: commits do not wait for the WAL flush (nothing on them is
  // acknowledged to anyone; see PostgresStorage::SubmitPending).
  const bool async_commit_;
  const int64_t idle_tx_timeout_ms_;
  std::map<const char*, std::string> prepared_;  // SQL text (a literal) -> statement name
  std::vector<std::pair<std::string, int64_t>> pending_keys_;
  std::map<std::pair<uint32_t, uint64_t>, StoredTile> pending_tiles_;
};

bool IsPostgresUrl(const std::string& spec) {
  return absl::StartsWith(spec, "postgres://") || absl::StartsWith(spec, "postgresql://");
}

std::string RedactPostgresUrl(const std::string& url) {
  std::string out = url;
  // postgres://user:password@host/...: the password in the user-info part.
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t begin = scheme + 3;
    const size_t end = out.find_first_of("/?", begin);
    const size_t at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > begin) {
      const size_t colon = out.find(':', begin);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... as a URI parameter or key=value.
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    const size_t begin = pos + 9;
    const size_t end = out.find_first_of("& ", begin);
    out.replace(begin, (end == std::string::npos ? out.size() : end) - begin, "***");
  }
  return out;
}

PostgresStorage::PostgresStorage(std::string url, PostgresOptions options, bool read_only)
    : url_(std::move(url)),
      display_url_(RedactPostgresUrl(url_)),
      options_(std::move(options)),
      read_only_(read_only) {}

PostgresStorage::~PostgresStorage() = default;

absl::StatusOr<std::unique_ptr<PgConnection>> PostgresStorage::Connect(bool async_commit,
                                                                       bool reader) {
  PGconn* conn = PQconnectdb(url_.c_str());
  if (conn == nullptr) return absl::UnavailableError(absl::StrCat(display_url_, ": out of memory"));
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status s = absl::UnavailableError(absl::StrCat(
        display_url_, ": cannot connect: ", absl::StripAsciiWhitespace(PQerrorMessage(conn))));
    PQfinish(conn);
    return s;
  }
  auto c = std::make_unique<PgConnection>(
      conn, display_url_, options_.schema, read_only_, async_commit,
      reader ? 0 : absl::ToInt64Milliseconds(options_.idle_in_transaction_timeout));
  absl::Status s = c->SetUpSession();
  if (!s.ok()) return Annotate(s, display_url_);
  return c;
}

namespace {

// Creates or migrates the schema in one transaction, under an advisory lock (processes starting
// together take turns). |display| names the database in messages.
absl::Status PrepareSchema(PgConnection& c, const std::string& schema, const std::string& display,
                           int version) {
  VOUCH_RETURN_IF_ERROR(c.Exec("BEGIN"));
  auto body = [&]() -> absl::Status {
    VOUCH_RETURN_IF_ERROR(
        c.Exec(absl::StrCat("SELECT pg_advisory_xact_lock(hashtext('vouch schema ", schema, "'))")
                   .c_str()));
    VOUCH_RETURN_IF_ERROR(
        c.Exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS \"", schema, "\"").c_str()));
    Params none;
    VOUCH_ASSIGN_OR_RETURN(Result has_meta, c.Query("SELECT to_regclass('meta') IS NOT NULL", none,
                                                    "read the schema"));
    const bool existing = PQgetvalue(has_meta.get(), 0, 0)[0] != 0;
    if (existing) {
      Params key;
      key.Text("schema_version");
      VOUCH_ASSIGN_OR_RETURN(Result v, c.Query("SELECT value FROM meta WHERE key = $1", key,
                                               "read the schema version"));
      if (PQntuples(v.get()) > 0) {
        const std::string stored(PQgetvalue(v.get(), 0, 0), PQgetlength(v.get(), 0, 0));
        int stored_version = 0;
        if (!absl::SimpleAtoi(stored, &stored_version) || stored_version > version ||
            stored_version < 2) {
          return absl::FailedPreconditionError(absl::StrCat(
              display, " schema \"", schema, "\": database schema version ", stored,
              ", this vouchd knows versions 2 to ", version, " (a newer vouchd created it?)"));
        }
      }
    }
    VOUCH_RETURN_IF_ERROR(c.Exec(kSchema));
    // The row counter and its triggers; recreated from a count if someone dropped them.
    Params names;
    VOUCH_ASSIGN_OR_RETURN(
        Result present,
        c.Query("SELECT (SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'entries'::regclass AND "
                "tgname IN ('entries_counted_insert', 'entries_counted_delete', "
                "'entries_counted_truncate')), (SELECT COUNT(*) FROM entry_count WHERE id = 0)",
                names, "read the row counter"));
    const int64_t triggers = static_cast<int64_t>(GetBe64(PQgetvalue(present.get(), 0, 0)));
    const int64_t counters = static_cast<int64_t>(GetBe64(PQgetvalue(present.get(), 0, 1)));
    if (triggers != 3 || counters != 1) {
      VOUCH_RETURN_IF_ERROR(
          c.Exec("DROP TRIGGER IF EXISTS entries_counted_insert ON entries; "
                 "DROP TRIGGER IF EXISTS entries_counted_delete ON entries; "
                 "DROP TRIGGER IF EXISTS entries_counted_truncate ON entries; "
                 "INSERT INTO entry_count(id, n) SELECT 0, COUNT(*) FROM entries "
                 "ON CONFLICT (id) DO UPDATE SET n = EXCLUDED.n;"));
      VOUCH_RETURN_IF_ERROR(c.Exec(kCountTriggers));
      if (existing) {
        VLOG_WARNING << display << " schema \"" << schema
                     << "\": the entry row counter or its triggers were missing (dropped?); "
                        "counted the entry rows and recreated them";
      }
    }
    Params v;
    v.Text(absl::StrCat(version));
    return c
        .Query(
            "INSERT INTO meta(key, value) VALUES('schema_version', $1) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            v, "write the schema version")
        .status();
  };
  absl::Status s = body();
  if (!s.ok()) {
    c.Rollback();
    return s;
  }
  return c.Exec("COMMIT");
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresStorage>> PostgresStorage::Open(
    const std::string& url, const PostgresOptions& options) {
  if (!ValidPostgresSchemaName(options.schema)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "postgres schema \"", options.schema,
        "\": want lower-case letters, digits and '_', starting with a letter, at most 63"));
  }
  std::unique_ptr<PostgresStorage> s(new PostgresStorage(url, options, false));
  VOUCH_ASSIGN_OR_RETURN(auto writer, s->Connect());
  // Durability is the server's too: with fsync off a "committed" group commit can be lost.
  {
    Params none;
    VOUCH_ASSIGN_OR_RETURN(Result fsync, writer->Query("SELECT current_setting('fsync')", none,
                                                       "read the fsync setting"));
    const std::string value(PQgetvalue(fsync.get(), 0, 0), PQgetlength(fsync.get(), 0, 0));
    if (value != "on") {
      return absl::FailedPreconditionError(
          absl::StrCat(s->display_url_, ": the server runs with fsync = ", value,
                       ", so an acknowledged entry could be lost in a crash; set fsync = on"));
    }
  }
  absl::Status schema = PrepareSchema(*writer, options.schema, s->display_url_, kSchemaVersion);
  if (!schema.ok()) {
    if (absl::IsFailedPrecondition(schema) || absl::IsUnavailable(schema)) return schema;
    return absl::FailedPreconditionError(
        absl::StrCat(s->display_url_, " schema \"", options.schema,
                     "\": cannot create the tables: ", schema.message()));
  }
  absl::MutexLock l(&s->write_mu_);
  s->writer_ = std::move(writer);
  return s;
}

absl::StatusOr<std::unique_ptr<PostgresStorage>> PostgresStorage::OpenReadOnly(
    const std::string& url, const PostgresOptions& options) {
  if (!ValidPostgresSchemaName(options.schema)) {
    return absl::InvalidArgumentError(
        absl::StrCat("postgres schema \"", options.schema, "\": not a valid name"));
  }
  std::unique_ptr<PostgresStorage> s(new PostgresStorage(url, options, true));
  VOUCH_ASSIGN_OR_RETURN(auto conn, s->Connect(false, /*reader=*/true));
  Params none;
  VOUCH_ASSIGN_OR_RETURN(Result has_meta, conn->Query("SELECT to_regclass('meta') IS NOT NULL",
                                                      none, "read the schema"));
  if (PQgetvalue(has_meta.get(), 0, 0)[0] == 0) {
    return absl::FailedPreconditionError(absl::StrCat(s->display_url_, " schema \"", options.schema,
                                                      "\": not a Vouch database (no meta table)"));
  }
  Params key;
  key.Text("schema_version");
  VOUCH_ASSIGN_OR_RETURN(Result v, conn->Query("SELECT value FROM meta WHERE key = $1", key,
                                               "read the schema version"));
  const std::string version =
      PQntuples(v.get()) > 0 ? std::string(PQgetvalue(v.get(), 0, 0), PQgetlength(v.get(), 0, 0))
                             : "";
  if (version != absl::StrCat(kSchemaVersion)) {
    return absl::FailedPreconditionError(absl::StrCat(s->display_url_, " schema \"", options.schema,
                                                      "\": database schema version \"", version,
                                                      "\", this vouchd reads ", kSchemaVersion));
  }
  absl::MutexLock l(&s->pool_mu_);
  s->readers_.push_back(std::move(conn));
  return s;
}

absl::Status PostgresStorage::ReadTx(const std::function<absl::Status(LogReader&)>& f) {
  std::unique_ptr<PgConnection> conn;
  {
    absl::MutexLock l(&pool_mu_);
    if (!readers_.empty()) {
      conn = std::move(readers_.back());
      readers_.pop_back();
    }
  }
  if (conn == nullptr) {
    VOUCH_ASSIGN_OR_RETURN(conn, Connect(/*async_commit=*/false, /*reader=*/true));
  }
  absl::Status s = conn->EnsureConnected();
  if (s.ok()) s = conn->Begin(/*write=*/false);
  if (s.ok()) {
    s = f(*conn);
    if (s.ok()) {
      s = conn->Commit();
    } else {
      conn->Rollback();
    }
  }
  if (!s.ok()) conn->Rollback();
  s = NameLostConnection(std::move(s), *conn);
  absl::MutexLock l(&pool_mu_);
  if (readers_.size() < options_.max_idle_readers && PQstatus(conn->conn()) == CONNECTION_OK) {
    readers_.push_back(std::move(conn));
  }
  return s;
}

absl::Status PostgresStorage::NameLostConnection(absl::Status s, PgConnection& c) const {
  if (s.ok() || PQstatus(c.conn()) == CONNECTION_OK) return s;
  // The connection broke (server restart, network): say which database, so that an operator
  // reading the 503 knows what to look at. It is reset before its next transaction.
  return absl::UnavailableError(absl::StrCat(display_url_, ": connection lost (", s.message(),
                                             "); reconnecting on the next request"));
}

absl::Status PostgresStorage::WriteTx(const std::function<absl::Status(LogWriter&)>& f) {
  return WriteTxOn([&](PgConnection& c) -> absl::Status {
    // The caller holds write_mu_ (WriteTxOn); fence_ changes only under it.
    if (fence_.has_value()) VOUCH_RETURN_IF_ERROR(c.CheckFence(*fence_));
    return f(c);
  });
}

void PostgresStorage::SetFence(std::optional<uint64_t> token) {
  absl::MutexLock l(&write_mu_);
  fence_ = token;
}

absl::Status PostgresStorage::SideTx(bool synchronous, bool one_statement,
                                     const std::function<absl::Status(PgConnection&)>& f) {
  if (read_only_) {
    return absl::FailedPreconditionError(absl::StrCat(display_url_, ": opened read-only"));
  }
  std::unique_ptr<PgConnection> conn;
  {
    absl::MutexLock l(&pool_mu_);
    if (!side_.empty()) {
      conn = std::move(side_.back());
      side_.pop_back();
    }
  }
  if (conn == nullptr) {
    VOUCH_ASSIGN_OR_RETURN(conn, Connect(/*async_commit=*/true));
  }
  absl::Status s = conn->EnsureConnected();
  if (one_statement && !synchronous) {
    // Autocommit: one round trip (the queue's polls run every few milliseconds).
    if (s.ok()) s = f(*conn);
  } else {
    if (s.ok()) s = conn->Begin(/*write=*/true);
    if (s.ok() && synchronous) s = conn->Exec("SET LOCAL synchronous_commit = on");
    if (s.ok()) s = f(*conn);
    if (s.ok()) s = conn->Commit();
    if (!s.ok()) conn->Rollback();
  }
  s = NameLostConnection(std::move(s), *conn);
  absl::MutexLock l(&pool_mu_);
  if (side_.size() < 4 && PQstatus(conn->conn()) == CONNECTION_OK) side_.push_back(std::move(conn));
  return s;
}

absl::StatusOr<std::optional<LeaseGrant>> PostgresStorage::AcquireLease(const std::string& holder,
                                                                        absl::Duration ttl) {
  bool held = false;
  VOUCH_RETURN_IF_ERROR(SideTx(false, true, [&](PgConnection& c) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(held, c.LeaseHeldByOther(holder));
    return absl::OkStatus();
  }));
  if (held) return std::optional<LeaseGrant>();
  std::optional<LeaseGrant> out;
  VOUCH_RETURN_IF_ERROR(
      SideTx(/*synchronous=*/true, /*one_statement=*/false, [&](PgConnection& c) -> absl::Status {
        VOUCH_ASSIGN_OR_RETURN(out, c.AcquireLease(holder, ttl));
        return absl::OkStatus();
      }));
  return out;
}

absl::Status PostgresStorage::ReleaseLease(const std::string& holder) {
  return SideTx(/*synchronous=*/true, /*one_statement=*/false,
                [&](PgConnection& c) { return c.ReleaseLease(holder); });
}

absl::StatusOr<std::vector<PendingTicket>> PostgresStorage::SubmitPending(
    const std::vector<std::pair<Hash, const NewEntry*>>& entries) {
  std::vector<PendingTicket> out;
  // Not synchronous: a queued entry is not acknowledged to anyone until the sequencer's commit
  // (which is) resolves it; a row lost in a crash is an append the client retries.
  VOUCH_RETURN_IF_ERROR(SideTx(false, false, [&](PgConnection& c) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, c.SubmitPending(entries));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<int64_t>> PostgresStorage::ListUnresolved(size_t limit) {
  std::vector<int64_t> out;
  VOUCH_RETURN_IF_ERROR(SideTx(false, true, [&](PgConnection& c) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, c.ListUnresolved(limit));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<PendingRow>> PostgresStorage::ReadPending(
    const std::vector<int64_t>& ids) {
  std::vector<PendingRow> out;
  VOUCH_RETURN_IF_ERROR(SideTx(false, true, [&](PgConnection& c) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, c.ReadPending(ids));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStorage::MarkDuplicates(const std::vector<int64_t>& ids) {
  return SideTx(false, true, [&](PgConnection& c) { return c.MarkDuplicates(ids); });
}

absl::StatusOr<std::vector<PendingOutcome>> PostgresStorage::ReadOutcomes(
    const std::vector<int64_t>& ids, std::vector<int64_t>* gone) {
  std::vector<PendingOutcome> out;
  VOUCH_RETURN_IF_ERROR(SideTx(false, true, [&](PgConnection& c) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, c.ReadOutcomes(ids, gone));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStorage::DeletePending(const std::vector<std::pair<int64_t, Hash>>& rows) {
  return SideTx(false, true, [&](PgConnection& c) { return c.DeletePending(rows); });
}

absl::StatusOr<uint64_t> PostgresStorage::DeleteStaleResolved(absl::Duration age) {
  uint64_t n = 0;
  VOUCH_RETURN_IF_ERROR(SideTx(false, true, [&](PgConnection& c) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(n, c.DeleteStaleResolved(age));
    return absl::OkStatus();
  }));
  return n;
}

absl::StatusOr<std::optional<uint64_t>> PostgresStorage::FindLeaf(const Hash& leaf) {
  std::optional<uint64_t> out;
  VOUCH_RETURN_IF_ERROR(ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, r.FindLeaf(leaf));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PostgresStorage::WriteTxOn(const std::function<absl::Status(PgConnection&)>& f) {
  absl::MutexLock l(&write_mu_);
  if (read_only_ || writer_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(display_url_, ": opened read-only"));
  }
  VOUCH_RETURN_IF_ERROR(writer_->EnsureConnected());
  VOUCH_RETURN_IF_ERROR(writer_->Begin(/*write=*/true));
  absl::Status s = f(*writer_);
  if (s.ok()) s = writer_->Commit();
  if (!s.ok()) writer_->Rollback();
  return NameLostConnection(std::move(s), *writer_);
}

absl::Status PostgresStorage::WriteCertificates(const std::vector<CertificateRecord>& records) {
  return WriteTxOn([&](PgConnection& c) { return c.WriteCertificates(records); });
}

absl::StatusOr<std::optional<CertificateRecord>> PostgresStorage::ReadCertificate(
    const std::string& serial_hex) {
  std::optional<CertificateRecord> out;
  VOUCH_RETURN_IF_ERROR(ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, static_cast<PgConnection&>(r).ReadCertificate(serial_hex));
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace vouch::log
