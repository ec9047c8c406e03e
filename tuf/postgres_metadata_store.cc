// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/postgres_metadata_store.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/postgres.h"
#include "base/status.h"
#include "log/postgres_storage.h"
#include "postgresql/libpq-fe.h"

namespace vouch::tuf {
namespace {

using Result = PgResult;

// A query parameter: text (integers, names) or binary (bytea).
struct Param {
  std::string value;
  bool binary = false;
};
Param Text(absl::string_view v) { return Param{std::string(v), false}; }
Param Int(int64_t v) { return Param{absl::StrCat(v), false}; }
Param Bytes(absl::string_view v) { return Param{std::string(v), true}; }

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS metadata(
  role TEXT NOT NULL CHECK (role IN ('root', 'targets', 'snapshot', 'timestamp')),
  version BIGINT NOT NULL CHECK (version >= 1),
  bytes BYTEA NOT NULL,
  published_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (role, version));
CREATE TABLE IF NOT EXISTS target_files(
  name TEXT PRIMARY KEY,
  bytes BYTEA NOT NULL);
CREATE TABLE IF NOT EXISTS generation(
  id INTEGER PRIMARY KEY CHECK (id = 1),
  n BIGINT NOT NULL);
INSERT INTO generation(id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
)sql";

}  // namespace

// One libpq connection. Not thread-safe (PostgresMetadataStore serializes its use).
class TufPgConnection {
 public:
  TufPgConnection(PGconn* conn, std::string display_url, std::string schema)
      : conn_(conn), display_url_(std::move(display_url)), schema_(std::move(schema)) {}
  ~TufPgConnection() { PQfinish(conn_); }

  absl::Status SetUpSession() {
    return Exec(
        absl::StrCat("SET synchronous_commit = on; SET client_min_messages = warning; "
                     "SET search_path TO \"",
                     schema_, "\";"));
  }

  absl::Status EnsureConnected() {
    if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    VLOG_WARNING << display_url_ << ": TUF metadata connection lost; reconnecting";
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return absl::UnavailableError(absl::StrCat(
          display_url_, ": cannot reconnect: ", absl::StripAsciiWhitespace(PQerrorMessage(conn_))));
    }
    return SetUpSession();
  }

  // Runs |sql| (one or more statements, no parameters).
  absl::Status Exec(const std::string& sql) {
    Result r(PQexec(conn_, sql.c_str()));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(r.get(), sql);
    return absl::OkStatus();
  }

  // Runs |sql| with |params|; results in binary format.
  absl::StatusOr<Result> Query(const std::string& sql, const std::vector<Param>& params) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    for (const Param& p : params) {
      values.push_back(p.value.c_str());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                          values.data(), lengths.data(), formats.data(), /*resultFormat=*/1));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Error(r.get(), sql);
    return r;
  }

  void Rollback() {
    if (PQstatus(conn_) != CONNECTION_OK || PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    absl::Status s = Exec("ROLLBACK");
    (void)s;
  }

  PGconn* conn() { return conn_; }

 private:
  absl::Status Error(const PGresult* r, absl::string_view sql) {
    return PgError(conn_, r, absl::StrCat(display_url_, " \"", sql.substr(0, 60), "\""));
  }

  PGconn* conn_;
  const std::string display_url_;
  const std::string schema_;
};

namespace {

std::string Value(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

// A binary BIGINT column; DataLoss for anything else.
absl::StatusOr<int64_t> Int8(const PGresult* r, int row, int col) {
  if (PQgetisnull(r, row, col)) return int64_t{0};
  if (PQgetlength(r, row, col) != 8) {
    return absl::DataLossError(absl::StrCat("column ", col, ": not a BIGINT"));
  }
  const char* p = PQgetvalue(r, row, col);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<int64_t>(v);
}

std::string MetadataName(const std::string& role, int64_t version) {
  return absl::StrCat(version, ".", role, ".json");
}

}  // namespace

PostgresMetadataStore::PostgresMetadataStore(std::string url, PostgresMetadataOptions options)
    : url_(std::move(url)),
      display_url_(log::RedactPostgresUrl(url_)),
      options_(std::move(options)) {}

PostgresMetadataStore::~PostgresMetadataStore() = default;

std::string PostgresMetadataStore::name() const {
  return absl::StrCat(display_url_, " schema ", options_.schema);
}

absl::StatusOr<std::unique_ptr<PostgresMetadataStore>> PostgresMetadataStore::Open(
    const std::string& url, const PostgresMetadataOptions& options) {
  if (!ValidPostgresSchemaName(options.schema)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "postgres schema \"", options.schema,
        "\": want lower-case letters, digits and '_', starting with a letter, at most 63"));
  }
  std::unique_ptr<PostgresMetadataStore> s(new PostgresMetadataStore(url, options));
  PGconn* pg = PQconnectdb(url.c_str());
  if (pg == nullptr) return absl::UnavailableError(absl::StrCat(s->display_url_, ": no memory"));
  auto conn = std::make_unique<TufPgConnection>(pg, s->display_url_, options.schema);
  if (PQstatus(pg) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StrCat(
        s->display_url_, ": cannot connect: ", absl::StripAsciiWhitespace(PQerrorMessage(pg))));
  }
  VOUCH_RETURN_IF_ERROR(conn->SetUpSession());
  // The tables, created or checked in one transaction under an advisory lock.
  VOUCH_RETURN_IF_ERROR(conn->Exec("BEGIN"));
  absl::Status schema = [&]() -> absl::Status {
    VOUCH_RETURN_IF_ERROR(conn->Exec(absl::StrCat(
        "SELECT pg_advisory_xact_lock(hashtext('vouch schema ", options.schema, "'))")));
    VOUCH_RETURN_IF_ERROR(
        conn->Exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS \"", options.schema, "\"")));
    VOUCH_ASSIGN_OR_RETURN(Result has_meta,
                           conn->Query("SELECT to_regclass('meta') IS NOT NULL", {}));
    if (PQgetvalue(has_meta.get(), 0, 0)[0] != 0) {
      VOUCH_ASSIGN_OR_RETURN(
          Result v, conn->Query("SELECT value FROM meta WHERE key = 'schema_version'", {}));
      if (PQntuples(v.get()) > 0) {
        const std::string stored = Value(v.get(), 0, 0);
        int n = 0;
        if (!absl::SimpleAtoi(stored, &n) || n > kSchemaVersion || n < 1) {
          return absl::FailedPreconditionError(
              absl::StrCat(s->name(), ": TUF schema version ", stored, ", this vouchd knows 1 to ",
                           kSchemaVersion, " (a newer vouchd created it?)"));
        }
      }
    }
    VOUCH_RETURN_IF_ERROR(conn->Exec(kSchema));
    return conn
        ->Query(
            "INSERT INTO meta(key, value) VALUES ('schema_version', $1) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            {Int(kSchemaVersion)})
        .status();
  }();
  if (schema.ok()) schema = conn->Exec("COMMIT");
  if (!schema.ok()) {
    conn->Rollback();
    if (absl::IsFailedPrecondition(schema) || absl::IsUnavailable(schema)) return schema;
    return absl::FailedPreconditionError(
        absl::StrCat(s->name(), ": cannot create the TUF tables: ", schema.message()));
  }
  absl::MutexLock l(&s->mu_);
  s->conn_ = std::move(conn);
  return s;
}

absl::Status PostgresMetadataStore::Tx(bool write,
                                       const std::function<absl::Status(TufPgConnection&)>& f) {
  absl::MutexLock l(&mu_);
  VOUCH_RETURN_IF_ERROR(conn_->EnsureConnected());
  VOUCH_RETURN_IF_ERROR(
      conn_->Exec(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  absl::Status s = f(*conn_);
  if (s.ok()) s = conn_->Exec("COMMIT");
  if (!s.ok()) conn_->Rollback();
  return s;
}

absl::StatusOr<std::string> PostgresMetadataStore::Generation() {
  absl::MutexLock l(&mu_);
  VOUCH_RETURN_IF_ERROR(conn_->EnsureConnected());
  VOUCH_ASSIGN_OR_RETURN(Result r, conn_->Query("SELECT n FROM generation WHERE id = 1", {}));
  if (PQntuples(r.get()) != 1) return absl::DataLossError(absl::StrCat(name(), ": no generation"));
  VOUCH_ASSIGN_OR_RETURN(int64_t n, Int8(r.get(), 0, 0));
  return absl::StrCat("pg ", n);
}

absl::StatusOr<RepositoryFiles> PostgresMetadataStore::Load() {
  RepositoryFiles out;
  VOUCH_RETURN_IF_ERROR(Tx(false, [&](TufPgConnection& c) -> absl::Status {
    out = RepositoryFiles();
    VOUCH_ASSIGN_OR_RETURN(Result g, c.Query("SELECT n FROM generation WHERE id = 1", {}));
    if (PQntuples(g.get()) != 1)
      return absl::DataLossError(absl::StrCat(name(), ": no generation"));
    VOUCH_ASSIGN_OR_RETURN(int64_t n, Int8(g.get(), 0, 0));
    out.generation = absl::StrCat("pg ", n);
    VOUCH_ASSIGN_OR_RETURN(
        Result m,
        c.Query("SELECT role, version, bytes FROM metadata WHERE role <> 'timestamp'", {}));
    for (int i = 0; i < PQntuples(m.get()); ++i) {
      const std::string role = Value(m.get(), i, 0);
      VOUCH_ASSIGN_OR_RETURN(int64_t version, Int8(m.get(), i, 1));
      out.files[MetadataName(role, version)] = Value(m.get(), i, 2);
      if (role == "snapshot")
        out.max_snapshot_version = std::max(out.max_snapshot_version, version);
    }
    VOUCH_ASSIGN_OR_RETURN(Result t, c.Query("SELECT version, bytes FROM metadata WHERE role = "
                                             "'timestamp' ORDER BY version DESC LIMIT 1",
                                             {}));
    if (PQntuples(t.get()) == 1) {
      VOUCH_ASSIGN_OR_RETURN(int64_t version, Int8(t.get(), 0, 0));
      out.max_timestamp_version = version;
      out.timestamp_version = version;
      out.files["timestamp.json"] = Value(t.get(), 0, 1);
    }
    VOUCH_ASSIGN_OR_RETURN(Result f, c.Query("SELECT name, bytes FROM target_files", {}));
    for (int i = 0; i < PQntuples(f.get()); ++i) {
      out.files[absl::StrCat("targets/", Value(f.get(), i, 0))] = Value(f.get(), i, 1);
    }
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// Serializes the writers of one schema (front ends signing, the offline import) for the
// duration of a transaction.
absl::Status LockWriters(TufPgConnection& c, const std::string& schema) {
  return c.Exec(
      absl::StrCat("SELECT pg_advisory_xact_lock(hashtext('vouch tuf write ", schema, "'))"));
}

absl::Status BumpGeneration(TufPgConnection& c) {
  return c.Exec("UPDATE generation SET n = n + 1 WHERE id = 1");
}

absl::StatusOr<int64_t> MaxVersion(TufPgConnection& c, const char* role) {
  VOUCH_ASSIGN_OR_RETURN(
      Result r, c.Query("SELECT max(version) FROM metadata WHERE role = $1", {Text(role)}));
  return Int8(r.get(), 0, 0);
}

}  // namespace

absl::Status PostgresMetadataStore::PublishOnline(const OnlineWrite& w) {
  if (w.timestamp_version < 1 || (w.snapshot_version.has_value() && *w.snapshot_version < 1)) {
    return absl::InvalidArgumentError("online metadata versions start at 1");
  }
  return Tx(true, [&](TufPgConnection& c) -> absl::Status {
    VOUCH_RETURN_IF_ERROR(LockWriters(c, options_.schema));
    if (w.snapshot_version.has_value()) {
      VOUCH_ASSIGN_OR_RETURN(int64_t have, MaxVersion(c, "snapshot"));
      if (have >= *w.snapshot_version) {
        return absl::AlreadyExistsError(absl::StrCat(
            name(), ": snapshot v", have, " is published; not signing v", *w.snapshot_version));
      }
      VOUCH_RETURN_IF_ERROR(
          c.Query("INSERT INTO metadata(role, version, bytes) VALUES ('snapshot', $1, $2)",
                  {Int(*w.snapshot_version), Bytes(w.snapshot)})
              .status());
    }
    VOUCH_ASSIGN_OR_RETURN(int64_t have, MaxVersion(c, "timestamp"));
    if (have >= w.timestamp_version) {
      return absl::AlreadyExistsError(absl::StrCat(
          name(), ": timestamp v", have, " is published; not signing v", w.timestamp_version));
    }
    VOUCH_RETURN_IF_ERROR(
        c.Query("INSERT INTO metadata(role, version, bytes) VALUES ('timestamp', $1, $2)",
                {Int(w.timestamp_version), Bytes(w.timestamp)})
            .status());
    return BumpGeneration(c);
  });
}

absl::StatusOr<ImportOutcome> PostgresMetadataStore::PublishOffline(
    const RepositoryState& offline) {
  ImportOutcome out;
  VOUCH_RETURN_IF_ERROR(Tx(true, [&](TufPgConnection& c) -> absl::Status {
    out = ImportOutcome();
    VOUCH_RETURN_IF_ERROR(LockWriters(c, options_.schema));
    // What the database holds of each offline role.
    std::map<std::pair<std::string, int64_t>, std::string> have;
    VOUCH_ASSIGN_OR_RETURN(
        Result m, c.Query("SELECT role, version, bytes FROM metadata WHERE role IN ('root', "
                          "'targets')",
                          {}));
    int64_t db_roots = 0;
    for (int i = 0; i < PQntuples(m.get()); ++i) {
      VOUCH_ASSIGN_OR_RETURN(int64_t v, Int8(m.get(), i, 1));
      const std::string role = Value(m.get(), i, 0);
      if (role == "root") db_roots = std::max(db_roots, v);
      have[{role, v}] = Value(m.get(), i, 2);
    }
    const int64_t dir_roots = static_cast<int64_t>(offline.root_files.size());
    if (db_roots > dir_roots) {
      return absl::FailedPreconditionError(
          absl::StrCat(name(), " has root v", db_roots, " but the directory only root v", dir_roots,
                       ": publish from an up-to-date copy of the repository"));
    }
    std::vector<std::pair<std::pair<std::string, int64_t>, const std::string*>> rows;
    for (int64_t v = 1; v <= dir_roots; ++v)
      rows.push_back({{"root", v}, &offline.root_files[v - 1]});
    for (const auto& [v, bytes] : offline.targets_files) rows.push_back({{"targets", v}, &bytes});
    for (const auto& [key, bytes] : rows) {
      auto it = have.find(key);
      const std::string file = MetadataName(key.first, key.second);
      if (it != have.end()) {
        if (it->second != *bytes) {
          return absl::FailedPreconditionError(absl::StrCat(
              name(), " holds another ", file,
              " (published metadata never changes): is this the repository it was published "
              "from?"));
        }
        continue;
      }
      VOUCH_RETURN_IF_ERROR(
          c.Query("INSERT INTO metadata(role, version, bytes) VALUES ($1, $2, $3)",
                  {Text(key.first), Int(key.second), Bytes(*bytes)})
              .status());
      out.written.push_back(file);
    }
    for (const auto& [name, bytes] : offline.target_files) {
      VOUCH_ASSIGN_OR_RETURN(Result r,
                             c.Query("INSERT INTO target_files(name, bytes) VALUES ($1, $2) "
                                     "ON CONFLICT (name) DO UPDATE SET bytes = EXCLUDED.bytes "
                                     "WHERE target_files.bytes <> EXCLUDED.bytes",
                                     {Text(name), Bytes(bytes)}));
      if (std::string(PQcmdTuples(r.get())) == "1") out.written.push_back("targets/" + name);
    }
    if (!out.written.empty()) VOUCH_RETURN_IF_ERROR(BumpGeneration(c));
    return absl::OkStatus();
  }));
  out.notes.push_back(absl::StrCat(name(), ": root v", offline.root_files.size(), ", targets v",
                                   offline.targets.has_value() ? offline.targets->version : 0,
                                   " published", out.written.empty() ? " (nothing new)" : "",
                                   "; vouchd signs snapshot and timestamp"));
  return out;
}

}  // namespace vouch::tuf
