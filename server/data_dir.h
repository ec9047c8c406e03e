// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's files in vouchd's data directory and the checks that keep them together:
// DATA_DIR/vouch.db (with -wal and -shm), the log key DATA_DIR/log_key.pem and the last published
// checkpoint DATA_DIR/published_checkpoint (log/checkpoint_file.h). A log key whose database is
// gone must not start a new log (it would sign a tree contradicting the checkpoints it signed
// before); a deliberate new log moves the old files aside (--new-log). Also vouchd
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

struct LogFiles {
  std::string db;                    // DATA_DIR/vouch.db
  std::string key;                   // DATA_DIR/log_key.pem
  std::string published_checkpoint;  // DATA_DIR/published_checkpoint

  static LogFiles In(const std::string& data_dir);
};

// What to tell an operator whose log files do not fit together.
inline constexpr char kLogFilesAdvice[] =
    "restore vouch.db from a backup (vouchd --verify-storage checks one), or start a new log "
    "with --new-log, which moves the old key aside";

// Checks, before anything is created, that the log key and its database belong together, and
// returns whether the key is still to be generated (no key file). FailedPrecondition, saying which
// file is missing or empty and what to do, when the key exists but vouch.db is missing or empty.
// With |new_log|: first moves the key, whatever is left of the database (a missing, empty or
// unreadable one) and the published checkpoint aside, each renamed with the suffix
// ".retired-<UTC time>" (nothing is deleted); FailedPrecondition if vouch.db still holds a
// readable log (it is not set aside: move it yourself if you mean to retire that log).
absl::StatusOr<bool> PrepareLogFiles(const std::string& data_dir, bool new_log, absl::Time now);

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

}  // namespace vouch::server

#endif  // VOUCH_SERVER_DATA_DIR_H_
