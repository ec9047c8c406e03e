// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Updater: the TUF 1.0 client workflow (specification section 5, "Detailed client workflow")
// over one mirror and a local cache directory, as `vouch trust init` and `vouch verify-*` use it
// to obtain a deployment's trusted_root.json.
//
//   5.3 root: walk N -> N+1 (N+1.root.json must be signed by N's root threshold AND its own,
//       and say version N+1), at most max_root_rotations steps, persisting each; refuse an
//       expired final root; when the timestamp or snapshot keys changed, forget the cached
//       timestamp and snapshot (and the targets when its keys changed): fast-forward recovery.
//   5.4 timestamp: signed by the root's timestamp threshold; version and snapshot version never
//       below the trusted ones (rollback); not expired (freeze).
//   5.5 snapshot: the version the timestamp names (N.snapshot.json), its length and hashes as the
//       timestamp lists them (mix-and-match), the snapshot threshold, no targets version below
//       the trusted snapshot's (rollback), not expired.
//   5.6 targets: the version the snapshot names, length and hashes from the snapshot, the
//       targets threshold, not expired.
//   5.7 target files: HASH.NAME under the targets URL, at most the listed length, every listed
//       hash checked.
// Every fetch is bounded (root 512000, timestamp 16384, snapshot 2000000, targets 5000000 bytes,
// or the length the parent metadata lists): python-tuf's and tuf-js's limits.
//
// Cache layout (cache_dir): root.json (the trusted root), timestamp.json, snapshot.json,
// targets.json, targets/NAME (percent-encoded). Everything is written atomically.
// Delegated targets roles are not consulted (Vouch's repositories have none).
//
// Thread-compatible: one Updater per cache directory at a time.
#ifndef VOUCH_CLIENT_TUF_UPDATER_H_
#define VOUCH_CLIENT_TUF_UPDATER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/clock.h"
#include "client/tuf/fetcher.h"
#include "tuf/metadata.h"

namespace vouch::client {

struct UpdaterOptions {
  // The mirror: N.root.json, timestamp.json, N.snapshot.json, N.targets.json below it.
  std::string metadata_url;
  // Target files; default metadata_url + "/targets".
  std::string targets_url;
  // Holds root.json (required: see Bootstrap) and the other cached files.
  std::string cache_dir;
  Fetcher* fetcher = nullptr;  // not owned; may be null for cache-only use
  Clock* clock = Clock::Real();
  size_t root_max_bytes = 512000;
  size_t timestamp_max_bytes = 16384;
  size_t snapshot_max_bytes = 2000000;
  size_t targets_max_bytes = 5000000;
  int max_root_rotations = 256;
};

class Updater {
 public:
  // Starts a cache: checks that |root_json| is a root signed by its own root threshold and
  // writes it as cache_dir/root.json (the directory is created with mode 0700), replacing any
  // cached metadata. InvalidArgument/PermissionDenied for a root that does not parse or verify.
  static absl::Status Bootstrap(const std::string& cache_dir, absl::string_view root_json);

  // Loads the cached root (FailedPrecondition when the cache has none: run Bootstrap) and the
  // cached timestamp, snapshot and targets that verify with it (kept for rollback checks even
  // when expired).
  static absl::StatusOr<std::unique_ptr<Updater>> New(const UpdaterOptions& options);

  // The online update (5.3-5.6). Errors name the file and the check: PermissionDenied for
  // signatures, hashes, rollbacks, expiry ("... expired ...") and version mismatches;
  // ResourceExhausted for a file over its limit; Unavailable/NotFound when the mirror fails.
  // Nothing that failed a check is cached.
  absl::Status Refresh();

  // Offline: OK when the cached timestamp, snapshot and targets chain up (signatures, versions,
  // hashes) and neither they nor the root are expired. FailedPrecondition naming what is
  // missing or expired otherwise (the caller then Refreshes).
  absl::Status LoadCached();

  // The bytes of target |name| after Refresh or LoadCached: from the cache when its length and
  // hashes match the trusted targets, else (when |allow_download|) fetched and cached.
  // NotFound when the targets metadata does not list |name|; FailedPrecondition before
  // Refresh/LoadCached or when a download is needed and not allowed.
  absl::StatusOr<std::string> GetTarget(const std::string& name, bool allow_download = true);

  int64_t root_version() const { return root_.version; }
  std::optional<int64_t> timestamp_version() const;
  std::optional<int64_t> targets_version() const;
  // Expiry of the trusted timestamp (InfinitePast when none).
  absl::Time timestamp_expires() const;

 private:
  explicit Updater(const UpdaterOptions& options) : options_(options) {}
  absl::Status LoadLocal();
  absl::Status UpdateRoot(absl::Time now);
  absl::Status UpdateTimestamp(absl::Time now);
  absl::Status UpdateSnapshot(absl::Time now);
  absl::Status UpdateTargets(absl::Time now);
  absl::Status Persist(const std::string& name, absl::string_view bytes) const;
  void Forget(const std::string& name) const;
  std::string Url(const std::string& name) const;

  UpdaterOptions options_;
  tuf::Root root_;
  struct Held {
    tuf::Envelope envelope;
    std::string bytes;
  };
  std::optional<Held> timestamp_env_, snapshot_env_, targets_env_;
  std::optional<tuf::Timestamp> timestamp_;
  std::optional<tuf::Snapshot> snapshot_;
  std::optional<tuf::Targets> targets_;
  bool ready_ = false;  // Refresh or LoadCached succeeded
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TUF_UPDATER_H_
