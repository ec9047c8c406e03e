// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// MetadataStore: where the TUF metadata that vouchd serves (server/tuf_http.h) lives, and where
// the online roles (snapshot, timestamp) are written. Two implementations:
//   - DirectoryMetadataStore (tuf/directory_metadata_store.h): a repository directory written by
//     `vouch-tuf` (tuf/repository.h); one vouchd writes the online roles. For SQLite deployments.
//   - PostgresMetadataStore (tuf/postgres_metadata_store.h): tables in the PostgreSQL database
//     that several vouchd front ends share; the online roles are written with a compare-and-set,
//     so the front ends sign ONE sequence of versions and serve the same newest one.
// A store holds bytes and does not verify them: readers verify what they load
// (tuf::VerifyRepository), so a tampered file or row is never served.
//
// Implementations are thread-safe.
#ifndef VOUCH_TUF_METADATA_STORE_H_
#define VOUCH_TUF_METADATA_STORE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"

namespace vouch::tuf {

// A repository's files as a store holds them, by the names a mirror serves them under:
// "N.root.json", "N.targets.json", "N.snapshot.json", "timestamp.json" (the newest timestamp),
// "targets/H.NAME". Unverified.
struct RepositoryFiles {
  std::map<std::string, std::string> files;
  // The highest snapshot / timestamp version the store has filed, whatever the bytes say (even
  // if they do not parse): a new version must be above it. 0 when the store files the timestamp
  // by content only (a directory's timestamp.json).
  int64_t max_snapshot_version = 0;
  int64_t max_timestamp_version = 0;
  // The version the store filed "timestamp.json" under (checked against its contents); unset for
  // a directory.
  std::optional<int64_t> timestamp_version;
  // Equal to Generation()'s answer while nothing changed since these files were read.
  std::string generation;
};

// What the online roles sign in one step: a new snapshot (optional) and a new timestamp.
struct OnlineWrite {
  std::optional<int64_t> snapshot_version;
  std::string snapshot;  // its bytes, when snapshot_version is set
  int64_t timestamp_version = 0;
  std::string timestamp;
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Where the metadata is, for messages: the directory, or the redacted URL and the schema.
  virtual std::string name() const = 0;

  // Every file, as one consistent view. Unavailable when the store cannot be reached; Internal
  // for unreadable files.
  virtual absl::StatusOr<RepositoryFiles> Load() = 0;

  // A token that equals the generation of the last Load while nothing changed; cheaper than a
  // Load (one stat, one query). It may also change when nothing did (a directory written within
  // the last two seconds). Errors as Load.
  virtual absl::StatusOr<std::string> Generation() = 0;

  // Publishes |w|: the snapshot (when set) and the timestamp, both or neither. AlreadyExists
  // when another writer already published that snapshot or timestamp version or a newer one:
  // then nothing was written, and the caller loads and serves the other writer's versions.
  virtual absl::Status PublishOnline(const OnlineWrite& w) = 0;
};

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_METADATA_STORE_H_
