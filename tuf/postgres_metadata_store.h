// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// PostgresMetadataStore: the TUF metadata vouchd serves, in the PostgreSQL database that the
// log and the CA already use (`vouchd --storage postgres://...`), under its own schema (default
// "vouch_tuf"), so that one database backup holds the whole state and every vouchd front end
// sharing the database serves the same files.
//
// Tables (created by Open under an advisory lock, so front ends starting together take turns):
//   metadata(role, version, bytes)   root, targets, snapshot and timestamp metadata; primary key
//                                    (role, version): a version is written once and never changed
//   target_files(name, bytes)        target files by "H.NAME" (H = hex SHA-256)
//   generation(n)                    incremented by every write, read per request to see changes
//   meta(key, value)                 schema_version
//
// Root and targets are signed offline (`vouch-tuf` in a directory) and imported with
// PublishOffline (`vouch-tuf publish --repo DIR --storage URL`). Snapshot and timestamp are
// signed online by the front ends: PublishOnline inserts version N+1 in one transaction under an
// advisory lock, and refuses (AlreadyExists) when version N+1 or a newer one is there, so
// exactly one front end signs each version, versions strictly increase, and the others load and
// serve the winner's. Load returns the newest timestamp; readers verify everything they load
// (tuf::VerifyRepository), so a tampered row is not served.
//
// One connection, serialized (TUF traffic is a few small reads per client update); a connection
// that broke is reset before the next call, whose failure is Unavailable.
//
// Thread-safe.
#ifndef VOUCH_TUF_POSTGRES_METADATA_STORE_H_
#define VOUCH_TUF_POSTGRES_METADATA_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "tuf/metadata_store.h"
#include "tuf/repository.h"

namespace vouch::tuf {

class TufPgConnection;

struct PostgresMetadataOptions {
  // The PostgreSQL schema holding the tables (created if absent): lower-case letters, digits and
  // '_', starting with a letter, at most 63 characters. Not the log's schema ("vouch").
  std::string schema = "vouch_tuf";
};

// What PublishOffline did, for the tool to print.
struct ImportOutcome {
  std::vector<std::string> written;  // names inserted ("2.root.json", "targets/H.NAME")
  std::vector<std::string> notes;
};

class PostgresMetadataStore : public MetadataStore {
 public:
  // The schema version this code creates and reads.
  static constexpr int kSchemaVersion = 1;

  // Connects to |url| (a libpq URI or key=value string) and creates the tables if absent.
  // InvalidArgument for a bad schema name; Unavailable when the server cannot be reached;
  // FailedPrecondition for a schema version newer than this code knows or tables that cannot be
  // created. Messages name the URL with its password redacted.
  static absl::StatusOr<std::unique_ptr<PostgresMetadataStore>> Open(
      const std::string& url, const PostgresMetadataOptions& options = {});
  ~PostgresMetadataStore() override;

  std::string name() const override;
  absl::StatusOr<RepositoryFiles> Load() override;
  absl::StatusOr<std::string> Generation() override;
  absl::Status PublishOnline(const OnlineWrite& w) override;

  // Imports the root and targets metadata and target files of |offline| (a verified repository:
  // LoadRepository of the directory the offline tool writes) in one transaction. Rows already
  // present with the same bytes are kept. FailedPrecondition, with nothing written, when the
  // database holds a root or targets version with other bytes (published metadata never
  // changes: the directory is not the one the database was published from), or more roots than
  // the directory (an out-of-date copy).
  absl::StatusOr<ImportOutcome> PublishOffline(const RepositoryState& offline);

 private:
  PostgresMetadataStore(std::string url, PostgresMetadataOptions options);
  // Runs |f| in a transaction on the connection (reconnecting first if it broke).
  absl::Status Tx(bool write, const std::function<absl::Status(TufPgConnection&)>& f);

  const std::string url_;
  const std::string display_url_;
  const PostgresMetadataOptions options_;
  absl::Mutex mu_;
  std::unique_ptr<TufPgConnection> conn_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_POSTGRES_METADATA_STORE_H_
