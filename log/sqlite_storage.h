// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// SqliteStorage: LogStorage (and the CA's CertificateStore) in one SQLite file, WAL mode with
// synchronous=FULL, so a WriteTx that returned OK survives kill -9 and power loss. One writer
// connection (serialized) and a pool of reader connections, so reads never wait for the group
// commit. Corrupted rows (wrong blob sizes, missing fields) are reported as DataLoss naming the
// row, never a crash. Thread-safe.
//
// WAL checkpoints run on a background thread with their own connection (PASSIVE: they never block
// the writer or readers), started when the WAL passes |checkpoint_frames| pages, instead of
// SQLite's automatic checkpoint inside the committing transaction, which stalled group commits
// for the time it took to copy the WAL into the database (the p99 append latency spikes). Under
// back-to-back commits a PASSIVE checkpoint never catches up and SQLite can never restart the
// WAL, so past 4x that size the thread runs a TRUNCATE checkpoint, which briefly holds off the
// writer, resets the WAL and shrinks the file: the WAL stays bounded under sustained load.
//
// The database file is created with mode 0600 (SQLite gives its -wal and -shm files the same
// mode); existing files with group or other access are tightened to owner-only on open. The
// number of entry rows is kept in entry_count by triggers on entries, so CountEntries() sees a
// deleted row in O(1) (schema version 2; version 1 databases are migrated on open, counting their
// rows once).
#ifndef VOUCH_LOG_SQLITE_STORAGE_H_
#define VOUCH_LOG_SQLITE_STORAGE_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "log/certificate_store.h"
#include "log/storage.h"

namespace vouch::log {

class SqliteConnection;

class SqliteStorage : public LogStorage, public CertificateStore {
 public:
  // Opens (creating if absent) the database at |path| and its schema. FailedPrecondition if the
  // file is not a Vouch database or cannot be opened.
  // |checkpoint_frames|: WAL pages (4 KiB) that start a background checkpoint (tests use less).
  // Creates the file with mode 0600 and tightens existing database files (see the file comment;
  // FailedPrecondition if chmod fails). Migrates a version 1 database.
  static absl::StatusOr<std::unique_ptr<SqliteStorage>> Open(const std::string& path,
                                                             int checkpoint_frames = 4000);
  // Opens an existing database to read it without changing it (no schema creation, migration or
  // background checkpoints; WriteTx answers FailedPrecondition), e.g. for vouchd --verify-storage
  // next to a serving vouchd. FailedPrecondition if the file is missing, empty or not a Vouch
  // database of a version this code reads.
  static absl::StatusOr<std::unique_ptr<SqliteStorage>> OpenReadOnly(const std::string& path);
  ~SqliteStorage() override;

  absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) override;
  absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) override;

  // CertificateStore, in the same file (table certificates).
  absl::Status WriteCertificates(const std::vector<CertificateRecord>& records) override;
  absl::StatusOr<std::optional<CertificateRecord>> ReadCertificate(
      const std::string& serial_hex) override;

 private:
  absl::Status WriteTxOn(const std::function<absl::Status(SqliteConnection&)>& f);
  SqliteStorage(std::string path, int checkpoint_frames, bool read_only);
  absl::StatusOr<std::unique_ptr<SqliteConnection>> NewConnection(bool writer);

  const std::string path_;
  const int checkpoint_frames_;
  const bool read_only_;
  // The entry_extra_data table exists (set while opening, before any other connection exists).
  bool extra_data_table_ = false;
  absl::Mutex write_mu_;
  std::unique_ptr<SqliteConnection> writer_ ABSL_GUARDED_BY(write_mu_);
  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_ ABSL_GUARDED_BY(pool_mu_);

  // Background WAL checkpoints (see the file comment).
  void OnWalCommit(int wal_frames);  // From the writer's WAL hook.
  void CheckpointLoop();
  absl::Mutex checkpoint_mu_;
  bool checkpoint_wanted_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(checkpoint_mu_) = false;
  std::unique_ptr<SqliteConnection> checkpointer_;
  std::thread checkpoint_thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_SQLITE_STORAGE_H_
