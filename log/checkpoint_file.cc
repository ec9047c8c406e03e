// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/checkpoint_file.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/logging.h"

namespace vouch::log {

std::unique_ptr<CheckpointFile> CheckpointFile::Start(std::string path, absl::Duration interval,
                                                      std::optional<uint64_t> written_size,
                                                      Health* health) {
  std::unique_ptr<CheckpointFile> f(
      new CheckpointFile(std::move(path), interval, written_size, health));
  f->thread_ = std::thread([p = f.get()] {
    pthread_setname_np(pthread_self(), "vouch-cpfile");  // Named for top/perf.
    p->Loop();
  });
  return f;
}

CheckpointFile::CheckpointFile(std::string path, absl::Duration interval,
                               std::optional<uint64_t> written_size, Health* health)
    : path_(std::move(path)), interval_(interval), health_(health) {
  absl::MutexLock l(&mu_);
  pending_size_ = written_size;
  written_size_ = written_size;
}

CheckpointFile::~CheckpointFile() { Stop(); }

void CheckpointFile::Publish(uint64_t size, std::string note) {
  absl::MutexLock l(&mu_);
  if (pending_size_.has_value() && size <= *pending_size_) return;
  pending_size_ = size;
  pending_note_ = std::move(note);
}

absl::Status CheckpointFile::WritePending() {
  absl::MutexLock io(&io_mu_);
  uint64_t size;
  std::string note;
  {
    absl::MutexLock l(&mu_);
    if (!NeedsWrite()) return absl::OkStatus();
    size = *pending_size_;
    note = pending_note_;
  }
  absl::Status s = WriteFileAtomically(path_, note, 0600);
  if (!s.ok()) {
    VLOG_ERROR << "cannot write the published checkpoint (size " << size << "): " << s;
    if (health_ != nullptr) {
      health_->SetProblem(kHealthKey, absl::StrCat("cannot write ", path_, ": ", s.message()));
    }
    return s;
  }
  {
    absl::MutexLock l(&mu_);
    written_size_ = std::max(written_size_.value_or(0), size);
    ++writes_;
  }
  if (health_ != nullptr) health_->ClearProblem(kHealthKey);
  return absl::OkStatus();
}

absl::Status CheckpointFile::Flush() { return WritePending(); }

void CheckpointFile::Loop() {
  while (true) {
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](CheckpointFile* f)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) { return f->NeedsWrite() || f->stopping_; },
          this));
      if (stopping_) return;  // Stop() writes what is pending.
    }
    // A failure is logged and reported; it is retried after at least a second.
    const absl::Status s = WritePending();
    // At most one write per interval: checkpoints published meanwhile are coalesced.
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](CheckpointFile* f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) { return f->stopping_; },
            this),
        s.ok() ? interval_ : std::max(interval_, absl::Seconds(1)));
  }
}

void CheckpointFile::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  absl::Status s = WritePending();
  (void)s;
}

std::optional<uint64_t> CheckpointFile::written_size() const {
  absl::MutexLock l(&mu_);
  return written_size_;
}

uint64_t CheckpointFile::writes() const {
  absl::MutexLock l(&mu_);
  return writes_;
}

}  // namespace vouch::log
