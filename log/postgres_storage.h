// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// PostgresStorage: LogStorage (and the CA's CertificateStore) in a PostgreSQL database, for
// deployments that outgrow one machine's SQLite file: the database runs elsewhere, is backed up
// and replicated by PostgreSQL's own tools, and several front ends share it (ClusterStore: one
// sequences at a time, under a lease with a fencing token every log write checks;
// log/cluster_store.h). It keeps SqliteStorage's guarantees, held to them by the same typed tests
// (storage_test.cc):
//   - a WriteTx that returned OK is durable: every session runs with synchronous_commit = on, and
//     Open refuses a server with fsync = off; one transaction per call (the log's group commit);
//   - a failed or refused transaction leaves nothing behind;
//   - ReadTx sees one consistent snapshot (REPEATABLE READ, READ ONLY) and never waits for a
//     commit;
//   - the entry row counter is kept by triggers on entries (statement triggers with transition
//     tables, and TRUNCATE), whoever changes the rows, so CountEntries is O(1) and sees a deleted
//     row;
//   - corrupted rows (wrong sizes) are DataLoss naming the row, never a crash.
//
// The tables live in one PostgreSQL schema (default "vouch"), so another log (a certificate
// transparency log) or other state can share the database under another schema. The schema is
// created and migrated by Open itself, under an advisory lock so that two processes starting
// together do not race; its version is kept in meta.schema_version (the same numbering as
// SqliteStorage's), and Open refuses a database whose version is newer than this code knows.
//
// One writer connection (serialized) and a pool of reader connections, created on demand. A
// connection that broke (server restart, network) is reset before its next transaction; the
// transaction it was in fails with Unavailable, nothing half-written.
//
// Thread-safe.
#ifndef VOUCH_LOG_POSTGRES_STORAGE_H_
#define VOUCH_LOG_POSTGRES_STORAGE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "log/certificate_store.h"
#include "log/cluster_store.h"
#include "log/storage.h"

namespace vouch::log {

class PgConnection;

struct PostgresOptions {
  // The PostgreSQL schema holding the tables (created if absent): lower-case letters, digits and
  // '_', starting with a letter, at most 63 characters.
  std::string schema = "vouch";
  // Most idle reader connections kept for reuse.
  size_t max_idle_readers = 16;
  // The server ends a session of this storage that sits idle inside a transaction longer than
  // this (idle_in_transaction_session_timeout), releasing its locks: a paused or cut-off
  // sequencer cannot hold the lease row against a takeover. Zero: the server's setting. vouchd
  // sets half the sequencer lease.
  absl::Duration idle_in_transaction_timeout = absl::ZeroDuration();
};

class PostgresStorage : public LogStorage, public CertificateStore, public ClusterStore {
 public:
  // The schema version this code creates and reads.
  // 3: the cluster's lease and pending queue (PostgreSQL only; SQLite stays at 2).
  static constexpr int kSchemaVersion = 3;

  // Connects to |url| (a libpq connection URI, "postgres://user@host:port/db?...", or key=value
  // string), creates or migrates the schema. InvalidArgument for a bad schema name;
  // Unavailable if the server cannot be reached; FailedPrecondition for a server with fsync
  // off, a schema version newer than this code knows, or a schema that cannot be created
  // (naming the problem; the password is never part of a message).
  static absl::StatusOr<std::unique_ptr<PostgresStorage>> Open(const std::string& url,
                                                               const PostgresOptions& options = {});
  // Connects without changing anything (no schema creation or migration; every transaction is
  // READ ONLY and WriteTx answers FailedPrecondition), e.g. for vouchd --verify-storage next to a
  // serving vouchd. FailedPrecondition if the schema holds no Vouch tables or a version this code
  // does not read.
  static absl::StatusOr<std::unique_ptr<PostgresStorage>> OpenReadOnly(
      const std::string& url, const PostgresOptions& options = {});
  ~PostgresStorage() override;

  absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) override;
  absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) override;

  absl::Status WriteCertificates(const std::vector<CertificateRecord>& records) override;
  absl::StatusOr<std::optional<CertificateRecord>> ReadCertificate(
      const std::string& serial_hex) override;

  // ClusterStore (log/cluster_store.h). The lease and queue statements run on connections of
  // their own, never behind a group commit; queue writes commit without waiting for fsync.
  absl::StatusOr<std::optional<LeaseGrant>> AcquireLease(const std::string& holder,
                                                         absl::Duration ttl) override;
  absl::Status ReleaseLease(const std::string& holder) override;
  void SetFence(std::optional<uint64_t> token) override;
  absl::StatusOr<std::vector<PendingTicket>> SubmitPending(
      const std::vector<std::pair<Hash, const NewEntry*>>& entries) override;
  absl::StatusOr<std::vector<int64_t>> ListUnresolved(size_t limit) override;
  absl::StatusOr<std::vector<PendingRow>> ReadPending(const std::vector<int64_t>& ids) override;
  absl::Status MarkDuplicates(const std::vector<int64_t>& ids) override;
  absl::StatusOr<std::vector<PendingOutcome>> ReadOutcomes(const std::vector<int64_t>& ids,
                                                           std::vector<int64_t>* gone) override;
  absl::Status DeletePending(const std::vector<std::pair<int64_t, Hash>>& rows) override;
  absl::StatusOr<uint64_t> DeleteStaleResolved(absl::Duration age) override;
  absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& leaf) override;

  // The URL with any password replaced by "***" (for messages and logs).
  const std::string& display_url() const { return display_url_; }

 private:
  PostgresStorage(std::string url, PostgresOptions options, bool read_only);
  // |reader|: a ReadTx connection (no idle-in-transaction timeout: reads hold no locks, and the
  // background verifier's may be slow).
  absl::StatusOr<std::unique_ptr<PgConnection>> Connect(bool async_commit = false,
                                                        bool reader = false);
  absl::Status WriteTxOn(const std::function<absl::Status(PgConnection&)>& f);
  // |s| naming this database if |c| lost its connection (Unavailable), else |s|.
  absl::Status NameLostConnection(absl::Status s, PgConnection& c) const;
  // |f| on a connection of the queue's pool (not the writer's): in a transaction whose commit
  // waits for the WAL flush if |synchronous|; else, if |one_statement|, as one autocommitted
  // statement (one round trip), else in a transaction committed without waiting for the flush.
  absl::Status SideTx(bool synchronous, bool one_statement,
                      const std::function<absl::Status(PgConnection&)>& f);

  const std::string url_;
  const std::string display_url_;
  const PostgresOptions options_;
  const bool read_only_;
  absl::Mutex write_mu_;
  std::unique_ptr<PgConnection> writer_ ABSL_GUARDED_BY(write_mu_);
  std::optional<uint64_t> fence_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<PgConnection>> readers_ ABSL_GUARDED_BY(pool_mu_);
  std::vector<std::unique_ptr<PgConnection>> side_ ABSL_GUARDED_BY(pool_mu_);
};

// Whether |spec| (a --storage value) names a PostgreSQL database: it starts with "postgres://"
// or "postgresql://".
bool IsPostgresUrl(const std::string& spec);

// |url| with the password of its user-info part and any "password=" parameter replaced by "***".
std::string RedactPostgresUrl(const std::string& url);

}  // namespace vouch::log

#endif  // VOUCH_LOG_POSTGRES_STORAGE_H_
