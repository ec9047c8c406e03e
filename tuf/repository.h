// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// A TUF repository directory as Vouch keeps it (consistent snapshots, the layout Sigstore
// clients fetch from a mirror URL):
//
//   DIR/N.root.json          published roots 1..N (each signed by its own root threshold and,
//                            from 2 on, by the previous root's threshold)
//   DIR/N.targets.json       published targets (signed offline by the targets threshold)
//   DIR/N.snapshot.json      snapshots (online key; vouchd signs them)
//   DIR/timestamp.json       the timestamp (online key; vouchd re-signs it before it expires)
//   DIR/targets/H.NAME       target files by SHA-256 hash prefix (H = hex SHA-256)
//   DIR/staged/N.ROLE.json   root or targets metadata still short of signatures (a key
//                            ceremony in progress); promoted to DIR/ once every threshold it
//                            needs is met
//
// The offline operations (Init, UpdateTargets, RotateRoot, Sign) never write snapshot or
// timestamp metadata; PublishOnline does, with the online keys. Every file is written atomically
// (temporary file + rename) and a target file before the metadata naming it, so a reader never
// sees a half-written file. One writer per role at a time: the offline tool writes root and
// targets, vouchd (or PublishOnline from the tool) snapshot and timestamp.
//
// Functions are thread-compatible (they touch only |dir|).
#ifndef VOUCH_TUF_REPOSITORY_H_
#define VOUCH_TUF_REPOSITORY_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "tuf/keys.h"
#include "tuf/metadata.h"
#include "tuf/metadata_store.h"

namespace vouch::tuf {

struct Expiries {
  absl::Duration root = absl::Hours(24 * 365);
  absl::Duration targets = absl::Hours(24 * 180);
  absl::Duration snapshot = absl::Hours(24 * 7);
  absl::Duration timestamp = absl::Hours(24);
};

// What a repository directory holds that verifies, as vouchd serves it.
struct RepositoryState {
  // Roots 1..N: each verified against its predecessor and itself. Index i is version i+1.
  std::vector<std::string> root_files;
  Root root;  // the newest
  // Targets metadata that verifies with the newest root, by version.
  std::map<int64_t, std::string> targets_files;
  std::optional<Targets> targets;  // the newest of them
  // Snapshots that verify with the newest root, by version; the newest parsed.
  std::map<int64_t, std::string> snapshot_files;
  std::optional<Snapshot> snapshot;
  int64_t max_snapshot_version = 0;           // over every parsable snapshot file, verified or not
  std::optional<std::string> timestamp_file;  // when it verifies with the newest root
  std::optional<Timestamp> timestamp;
  int64_t max_timestamp_version = 0;  // of timestamp.json even if it no longer verifies
  // Target files listed by any served targets metadata whose bytes match: "H.NAME" -> bytes.
  std::map<std::string, std::string> target_files;
  // Files that exist but are not served, with the reason (unsigned, staged, tampered...).
  std::vector<std::string> warnings;
};

// Reads |dir|. NotFound when it holds no 1.root.json; a broken chain stops at the last root
// that verifies (a warning names the first that does not). Unreadable files: Internal.
absl::StatusOr<RepositoryState> LoadRepository(const std::string& dir);

// The files of |dir| that LoadRepository reads (roots 1..N while they exist, N.targets.json,
// N.snapshot.json, timestamp.json, targets/*), unverified; generation = the directory's
// modification time, taken before reading. Unreadable files: Internal.
absl::StatusOr<RepositoryFiles> ReadRepositoryDirectory(const std::string& dir);

// Verifies |files| as LoadRepository does (it is LoadRepository over the files of a store):
// only what verifies is in the result, everything else is a warning. |where| names the store in
// messages. NotFound when there is no valid 1.root.json.
absl::StatusOr<RepositoryState> VerifyRepository(const RepositoryFiles& files,
                                                 const std::string& where);

struct InitOptions {
  std::vector<PublicKey> root_keys;
  int64_t root_threshold = 1;
  std::vector<PublicKey> targets_keys;
  int64_t targets_threshold = 1;
  PublicKey snapshot_key;
  PublicKey timestamp_key;
  Expiries expiries;
};

// What an offline operation did, for the tool to print.
struct Outcome {
  std::vector<std::string> written;  // paths relative to |dir|
  std::vector<std::string> notes;    // e.g. "root v2: 1 of 2 signatures (old root), staged"
};

// Creates root v1 and an empty targets v1 in |dir| (created if absent), signed by every key of
// |signers| that the roles list; each is published if its threshold is met, else staged.
// AlreadyExists if |dir| already has a root; InvalidArgument for thresholds above the number
// of keys or no keys.
absl::StatusOr<Outcome> Init(const std::string& dir, const InitOptions& options,
                             absl::Span<const PrivateKey* const> signers, absl::Time now);

// Writes targets version N+1 (N = the newest published, or the staged one's base) after |edit|
// changed the list, with expiry now + |expiry|, signed by the |signers| that the newest root's
// targets role lists. Target files given in |files| ("NAME" -> bytes) are written to
// targets/H.NAME first and added to the list with |custom| metadata (null = none).
// FailedPrecondition if the repository has no published root.
absl::StatusOr<Outcome> UpdateTargets(const std::string& dir,
                                      const std::map<std::string, std::string>& files,
                                      const std::vector<std::string>& remove,
                                      const nlohmann::json& custom,
                                      absl::Span<const PrivateKey* const> signers,
                                      absl::Duration expiry, absl::Time now);

// Changes for the next root; unset members keep the current root's.
struct RootChange {
  std::optional<std::vector<PublicKey>> root_keys;
  std::optional<int64_t> root_threshold;
  std::optional<std::vector<PublicKey>> targets_keys;
  std::optional<int64_t> targets_threshold;
  std::optional<PublicKey> snapshot_key;
  std::optional<PublicKey> timestamp_key;
};

// Writes root N+1 from the newest published root N with |change| (no change = only a new
// version and expiry), signed by the |signers| listed by the root role of root N or N+1;
// published when both thresholds are met (staged otherwise, replacing any staged root).
absl::StatusOr<Outcome> RotateRoot(const std::string& dir, const RootChange& change,
                                   absl::Span<const PrivateKey* const> signers,
                                   absl::Duration expiry, absl::Time now);

// Adds the signatures of |signers| to the staged |role| ("root" or "targets") metadata and
// publishes it when complete. NotFound when nothing is staged for |role|; PermissionDenied when
// none of the signers is a key the staged file needs.
absl::StatusOr<Outcome> Sign(const std::string& dir, const std::string& role,
                             absl::Span<const PrivateKey* const> signers);

// Signs a new snapshot when the newest targets is not the one the current snapshot lists, the
// snapshot does not verify (keys rotated) or has less than half of |expiries.snapshot| left;
// signs a new timestamp when a new snapshot was written, or the timestamp does not verify or has
// less than half of |expiries.timestamp| left. Returns whether anything was written.
// FailedPrecondition when there is no published root or targets, or a key is not the one the
// newest root lists for its role.
absl::StatusOr<bool> PublishOnline(const std::string& dir, const PrivateKey& snapshot_key,
                                   const PrivateKey& timestamp_key, const Expiries& expiries,
                                   absl::Time now);

// What PublishOnline would sign for |state| (nullopt: snapshot and timestamp are current), with
// versions above every version |state| has seen. Errors as PublishOnline.
absl::StatusOr<std::optional<OnlineWrite>> PlanOnline(const RepositoryState& state,
                                                      const PrivateKey& snapshot_key,
                                                      const PrivateKey& timestamp_key,
                                                      const Expiries& expiries, absl::Time now);

// PublishOnline over a store: loads and verifies |store|, and publishes what PlanOnline says.
// AlreadyExists when another writer published those versions first (nothing written; load the
// store again to serve theirs). Other errors as PublishOnline, or the store's.
absl::StatusOr<bool> PublishOnline(MetadataStore& store, const PrivateKey& snapshot_key,
                                   const PrivateKey& timestamp_key, const Expiries& expiries,
                                   absl::Time now);

// A human-readable summary: versions, expiries, thresholds and keyids, staged files with their
// signature counts, warnings.
absl::StatusOr<std::string> Describe(const std::string& dir, absl::Time now);

// Writes |contents| to |path| atomically (temporary file in the same directory, fsync, rename).
absl::Status WriteFileAtomic(const std::string& path, absl::string_view contents, int mode);
// Reads a whole file (NotFound when absent, Internal otherwise).
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_REPOSITORY_H_
