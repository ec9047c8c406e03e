// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CheckpointFile: the last published checkpoint, kept in a file next to the log's keys
// (DATA_DIR/published_checkpoint) rather than in the database, so that a database restored from
// an older backup, emptied or replaced can be told apart from the log that clients have seen: the
// log refuses to start on a tree smaller than, or inconsistent with, the checkpoint in this file.
//
// Writes happen on a background thread, never on the commit path: Publish() only records the
// newest checkpoint; the thread replaces the file atomically (temporary file, fsync, rename,
// directory fsync) at most once per |interval|. So the file lags the newest published checkpoint
// by at most |interval| plus one write (a few milliseconds), and not at all after Stop(). That lag
// is safe: the file only needs to be at least as new as any checkpoint an older copy of the
// database could be behind; a copy taken within the last |interval| before a crash could go
// unnoticed, and with it at most the entries of that |interval| (docs/log.md).
//
// Thread-safe.
#ifndef VOUCH_LOG_CHECKPOINT_FILE_H_
#define VOUCH_LOG_CHECKPOINT_FILE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/health.h"

namespace vouch::log {

class CheckpointFile {
 public:
  // The health key write failures are reported under (cleared by the next successful write).
  static constexpr char kHealthKey[] = "log.checkpoint_file";

  // Starts the writer thread for |path|. |written_size| is the tree size of the checkpoint the
  // file already holds, if it exists (Publish of that size or smaller is not written again).
  // Write failures are logged, reported to |health| (may be null) and retried after at least a
  // second.
  static std::unique_ptr<CheckpointFile> Start(std::string path, absl::Duration interval,
                                               std::optional<uint64_t> written_size,
                                               Health* health);
  ~CheckpointFile();  // Stop().
  CheckpointFile(const CheckpointFile&) = delete;
  CheckpointFile& operator=(const CheckpointFile&) = delete;

  // Records |note| (a signed checkpoint of tree size |size|) as the newest; the thread writes it
  // within |interval| plus one write. Never blocks on IO. A size not larger than the newest
  // recorded one is ignored (checkpoints only grow).
  void Publish(uint64_t size, std::string note);
  // Writes the newest recorded checkpoint now if the file does not hold it yet. The write error,
  // if any.
  absl::Status Flush();
  // Writes what is pending and stops the thread. Idempotent.
  void Stop();

  const std::string& path() const { return path_; }
  // Tree size of the checkpoint the file holds (std::nullopt before the first write if it did
  // not exist).
  std::optional<uint64_t> written_size() const;
  // Files written so far (tests, metrics).
  uint64_t writes() const;

 private:
  CheckpointFile(std::string path, absl::Duration interval, std::optional<uint64_t> written_size,
                 Health* health);
  void Loop();
  bool NeedsWrite() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return pending_size_.has_value() &&
           (!written_size_.has_value() || *pending_size_ > *written_size_);
  }
  // Writes the pending checkpoint if newer than the file's. Takes io_mu_.
  absl::Status WritePending();

  const std::string path_;
  const absl::Duration interval_;
  Health* const health_;

  mutable absl::Mutex mu_;
  std::optional<uint64_t> pending_size_ ABSL_GUARDED_BY(mu_);  // The newest published.
  std::string pending_note_ ABSL_GUARDED_BY(mu_);
  std::optional<uint64_t> written_size_ ABSL_GUARDED_BY(mu_);
  uint64_t writes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Serializes writers of the file (the thread and Flush).
  absl::Mutex io_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::thread thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_CHECKPOINT_FILE_H_
