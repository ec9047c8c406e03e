// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's files in vouchd's data directory and the checks that keep them together:
// DATA_DIR/vouch.db (with -wal and -shm), the log key DATA_DIR/log_key.pem and the last published
// checkpoint DATA_DIR/published_checkpoint (log/checkpoint_file.h); the certificate transparency
// log's likewise: DATA_DIR/ct.db, DATA_DIR/ct_key.pem, DATA_DIR/ct_published_checkpoint. A log key
// whose database is gone must not start a new log (it would sign a tree contradicting the
// checkpoints it signed before); a deliberate new log moves the old files aside (--new-log). Also
// vouchd
// --verify-storage. Functions, no state; thread-compatible (one vouchd per data directory).
#ifndef VOUCH_SERVER_DATA_DIR_H_
#define VOUCH_SERVER_DATA_DIR_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/integrity.h"
#include "log/log.h"

namespace vouch::server {

// What to tell an operator whose log files do not fit together.
inline constexpr char kLogFilesAdvice[] =
    "restore vouch.db from a backup (vouchd --verify-storage checks one), or start a new log "
    "with --new-log, which moves the old key aside";
inline constexpr char kCtLogFilesAdvice[] =
    "restore ct.db from a backup (vouchd --verify-storage checks one), or retire the CT log key "
    "and start a new CT log (docs/ct.md, \"Rotating the CT log key\")";

struct LogFiles {
  std::string db;                    // DATA_DIR/vouch.db
  std::string key;                   // DATA_DIR/log_key.pem
  std::string published_checkpoint;  // DATA_DIR/published_checkpoint
  const char* advice = kLogFilesAdvice;

  // The artifact log's files.
  static LogFiles In(const std::string& data_dir);
  // The certificate transparency log's (ct.db, ct_key.pem, ct_published_checkpoint).
  static LogFiles Ct(const std::string& data_dir);
};

// Checks, before anything is created, that the log key and its database belong together, and
// returns whether the key is still to be generated (no key file). FailedPrecondition, saying which
// file is missing or empty and what to do, when the key exists but vouch.db is missing or empty.
// With |new_log|: first moves the key, whatever is left of the database (a missing, empty or
// unreadable one) and the published checkpoint aside, each renamed with the suffix
// ".retired-<UTC time>" (nothing is deleted); FailedPrecondition if vouch.db still holds a
// readable log (it is not set aside: move it yourself if you mean to retire that log).
absl::StatusOr<bool> PrepareLogFiles(const std::string& data_dir, bool new_log, absl::Time now);
// The same for any log's files (LogFiles::Ct: the CT log's).
absl::StatusOr<bool> PrepareLogFiles(const LogFiles& files, bool new_log, absl::Time now);

// Retires the certificate transparency log so that the next start creates a new one under a new
// key (vouchd --rotate-ct-key): writes the public half of DATA_DIR/ct_key.pem to
// DATA_DIR/retired/ct_key.<END>.pem, END = |now| in Unix seconds (the CA's trusted root then lists
// that key with validFor.end = END: SCTs it signed before keep verifying, signer/ca_service.h),
// and moves ct_key.pem, ct_published_checkpoint, ct.db, ct.db-wal and ct.db-shm aside with the
// suffix ".retired-<UTC time>" (nothing is deleted: the old log's entries stay readable). Run only
// while no vouchd serves |data_dir|. Returns the retired public key's path. FailedPrecondition
// when there is no ct_key.pem, it does not load, or the retired file already exists.
absl::StatusOr<std::string> RetireCtLog(const std::string& data_dir, absl::Time now);

// The identity the log signs with: |stored| (fixed when the log was created, whatever the
// addresses now) if the database holds a log, else the flags' values with their defaults (name:
// |http_host|; origin: "<name> - <first 16 hex of SHA-256(|key_der|)>"). FailedPrecondition naming
// both values (and |db|) for a --log-name or --log-origin that contradicts the stored one;
// InvalidArgument for a name that is empty or has spaces or '+'.
absl::StatusOr<log::LogIdentity> LogIdentityFor(const std::optional<log::LogIdentity>& stored,
                                                const std::string& log_name,
                                                const std::string& log_origin,
                                                const std::string& http_host,
                                                const std::string& key_der, const std::string& db);

// vouchd --verify-storage: opens the database read-only (vouchd may be serving from it meanwhile):
// |storage| (a PostgreSQL URL, as vouchd's --storage) or, when empty, the data directory's
// vouch.db; and the data directory's log key, and checks everything (log/integrity.h) using every
// core. FailedPrecondition if the database or the key is missing or unreadable; Unavailable if
// the PostgreSQL server cannot be reached.
absl::StatusOr<log::IntegrityReport> VerifyDataDir(const std::string& data_dir, size_t max_problems,
                                                   const std::string& storage = "");
// The same for one log's files (LogFiles::Ct: the CT log's; in PostgreSQL its schema is
// vouch_ct).
absl::StatusOr<log::IntegrityReport> VerifyDataDir(const LogFiles& files, size_t max_problems,
                                                   const std::string& storage = "",
                                                   const std::string& postgres_schema = "vouch");

}  // namespace vouch::server

#endif  // VOUCH_SERVER_DATA_DIR_H_
