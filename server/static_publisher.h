// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// StaticPublisher: writes the log's public read API as static files to a directory that any
// plain web server (nginx, a CDN origin, object storage) can serve: the signed checkpoint
// (DIR/checkpoint), every full and partial C2SP tlog-tiles tree tile (DIR/tile/L/N[.p/W]) and
// every entry bundle (DIR/tile/entries/N[.p/W]), byte for byte what vouchd serves at /checkpoint
// and /tile/... (docs/operations.md "Static reads").
//
// It follows the log: a thread polls Log::Latest() and publishes each new checkpoint. Each file
// is written to a hidden temporary file next to it (".NAME.tmp"), fsynced and renamed into place,
// so a reader sees a whole old file or a whole new one, never a part. The checkpoint comes last:
// it is renamed into place only after every tile and bundle it commits to is durable (files and
// their directories fsynced), so the directory never holds a checkpoint ahead of its tiles, even
// after a crash or a failed write. Tiles are immutable once written (partial tiles keep their
// own paths, as the spec requires), so only new ones are written. Once a checkpoint that commits
// to a full tile is durable, the tile's partial versions (N.p/) are removed, as Tessera's
// garbage collection does: a client holding an older checkpoint reads the full tile's prefix.
//
// Restarts resume from what the directory holds: its checkpoint is verified (the log's signature
// and origin, no larger than the log, consistent with the log's tree by a consistency proof) and
// the tiles and bundles it commits to are checked (every file present with its exact size, the
// newest tile of each level and the newest bundle byte for byte against the log); missing or
// wrong files are written again. A directory whose checkpoint belongs to another log, is ahead of
// the log (a database restored from an older backup) or contradicts it (a fork) is refused and
// left untouched.
//
// Write failures (an unwritable directory, a full disk) are logged, reported to the Health object
// under kHealthKey (NOT_SERVING, naming the file and the system error) and retried every
// |retry_interval| until a publish succeeds, which clears the problem. Nothing newer than the last
// complete publish is ever visible as the checkpoint.
//
// Thread-safe.
#ifndef VOUCH_SERVER_STATIC_PUBLISHER_H_
#define VOUCH_SERVER_STATIC_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/health.h"
#include "base/metrics.h"
#include "log/log.h"
#include "log/tiles.h"
#include "signer/crypto.h"

namespace vouch::server {

struct StaticPublisherOptions {
  // The directory to publish to; created (mode 0755) if missing. Required.
  std::string dir;
  // How often the thread looks for a new checkpoint (the static copy's largest lag behind the
  // log, plus the time to write the new tiles).
  absl::Duration poll_interval = absl::Milliseconds(200);
  // Least time between two attempts after a failed publish.
  absl::Duration retry_interval = absl::Seconds(1);
  // Where write failures are reported (kHealthKey). Null: nowhere. Must outlive the publisher.
  Health* health = nullptr;
  // Where vouch_static_* metrics go. Null: nowhere. Must outlive the publisher.
  Metrics* metrics = nullptr;
};

class StaticPublisher {
 public:
  static constexpr char kHealthKey[] = "publish.static";

  // Prepares |options.dir| for |log| (which must outlive the publisher) and verifies what it
  // already holds (see the file comment); does not start the thread and writes nothing yet.
  // InvalidArgument for an empty dir; FailedPrecondition naming the path for a directory that
  // cannot be created, is not a directory or is not writable, and for a checkpoint in it that is
  // not this log's, is ahead of the log or is not consistent with it; errors reading the log are
  // returned as they are.
  static absl::StatusOr<std::unique_ptr<StaticPublisher>> New(
      log::Log* log, const StaticPublisherOptions& options);
  ~StaticPublisher();  // Stop().
  StaticPublisher(const StaticPublisher&) = delete;
  StaticPublisher& operator=(const StaticPublisher&) = delete;

  // Starts the thread that follows the log. Idempotent.
  void Start();
  // Publishes the log's latest checkpoint now (tiles, bundles, then the checkpoint), if the
  // directory does not hold it yet. Internal naming the file and the system error when a write
  // fails (reported to health; nothing published past the last complete checkpoint). Called by
  // the thread; tests call it directly.
  absl::Status PublishOnce();
  // Stops the thread, if it was started, after one last PublishOnce (its error is logged).
  // Idempotent.
  void Stop();

  struct Progress {
    uint64_t published_size = 0;  // Tree size of the checkpoint in the directory.
    uint64_t files_written = 0;   // Tiles, bundles and checkpoints written by this process.
    uint64_t files_repaired = 0;  // Found missing or wrong on start-up and written again.
    uint64_t failures = 0;        // Failed PublishOnce calls.
    std::string last_error;       // Of the last failed PublishOnce; empty after a success.
  };
  Progress progress() const;
  const std::string& dir() const { return dir_; }

 private:
  StaticPublisher(log::Log* log, const StaticPublisherOptions& options,
                  std::unique_ptr<signer::Verifier> key);
  // Reads and verifies DIR/checkpoint and the files it commits to (see New).
  absl::Status Resume() ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_);
  // Writes the tiles and bundles of the tree of |size| that are new since |from|: all of them
  // if |from| is 0 and |all|; with |check_only|, only those missing or wrong (the resume check).
  absl::Status WriteTiles(uint64_t from, uint64_t size, bool check_only)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_);
  // Writes |data| to DIR|rel| through a temporary file (fsynced, renamed); the directory is
  // fsynced later by SyncDirs().
  absl::Status WriteFile(const std::string& rel, const std::string& data)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_);
  // Whether DIR|rel| exists with exactly |data| (|compare|) or |data|'s size.
  bool FileMatches(const std::string& rel, const std::string& data, bool compare);
  absl::Status MakeParents(const std::string& path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_);
  absl::Status SyncDirs() ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_);
  // Removes the partial tiles and bundles (N.p/) of the tiles in completed_, now that a durable
  // checkpoint commits to their full versions. Failures are logged (the files are harmless).
  void RemovePartials() ABSL_EXCLUSIVE_LOCKS_REQUIRED(io_mu_);
  void Loop();
  void Failed(const absl::Status& s);

  log::Log* const log_;
  const StaticPublisherOptions options_;
  const std::string dir_;
  const std::unique_ptr<signer::Verifier> key_;
  CounterCell* files_metric_ = nullptr;
  CounterCell* failures_metric_ = nullptr;
  const std::shared_ptr<std::atomic<uint64_t>> published_size_ =
      std::make_shared<std::atomic<uint64_t>>(0);

  // Serializes publishing (the thread, PublishOnce, Stop).
  absl::Mutex io_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // Set once Resume() accepted the directory; nothing is written before.
  bool resumed_ ABSL_GUARDED_BY(io_mu_) = false;
  std::string published_note_ ABSL_GUARDED_BY(io_mu_);
  std::set<std::string> dirty_dirs_ ABSL_GUARDED_BY(io_mu_);
  std::set<std::string> made_dirs_ ABSL_GUARDED_BY(io_mu_);
  // Tiles that became full in the publish under way (their partial versions go after it).
  std::vector<log::TileId> completed_ ABSL_GUARDED_BY(io_mu_);

  mutable absl::Mutex mu_;
  Progress progress_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_STATIC_PUBLISHER_H_
