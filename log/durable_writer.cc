// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/durable_writer.h"

#include <pthread.h>

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/logging.h"
#include "base/status.h"

namespace vouch::log {

std::unique_ptr<DurableWriter> DurableWriter::Start(LogStorage* storage, OnWritten on_written) {
  std::unique_ptr<DurableWriter> w(new DurableWriter(storage, std::move(on_written)));
  w->thread_ = std::thread([p = w.get()] {
    pthread_setname_np(pthread_self(), "vouch-writer");  // Named for top/perf.
    p->Loop();
  });
  return w;
}

DurableWriter::DurableWriter(LogStorage* storage, OnWritten on_written)
    : storage_(storage), on_written_(std::move(on_written)) {}

DurableWriter::~DurableWriter() { Stop(); }

void DurableWriter::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void DurableWriter::Submit(std::unique_ptr<SequencedBatch> batch) {
  absl::MutexLock l(&mu_);
  queue_.push_back(std::move(batch));
  mu_.Await(absl::Condition(
      +[](DurableWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return w->queue_.empty(); },
      this));
}

bool DurableWriter::AwaitDrainedIfFailed() {
  absl::MutexLock l(&mu_);
  if (!failed_) return false;
  mu_.Await(absl::Condition(
      +[](DurableWriter* w)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return w->queue_.empty() && !w->busy_; },
      this));
  return true;
}

void DurableWriter::ResumeAfterFailure() {
  absl::MutexLock l(&mu_);
  failed_ = false;
}

void DurableWriter::Loop() {
  while (true) {
    std::vector<std::unique_ptr<SequencedBatch>> batches;
    bool failed;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](DurableWriter* w)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return !w->queue_.empty() || w->stopping_; },
          this));
      if (queue_.empty()) return;  // Stopping and drained.
      while (!queue_.empty()) {
        batches.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      busy_ = true;
      failed = failed_;
    }
    const absl::Time t_write = absl::Now();
    Outcome outcome;
    outcome.skipped = failed;
    absl::Status written =
        failed ? absl::AbortedError("an earlier commit failed; retry") : absl::OkStatus();
    if (written.ok()) {
      // Every batch's rows in ONE transaction; the last batch's tree state is the new head.
      written = storage_->WriteTx([&](LogWriter& w) -> absl::Status {
        // A tile that several batches changed is written once, in its newest version.
        std::map<std::pair<uint32_t, uint64_t>, const StoredTile*> tiles;
        for (const auto& batch : batches) {
          VOUCH_RETURN_IF_ERROR(w.WriteEntries(batch->entries));
          for (size_t i = 0; i < batch->keys.size(); ++i) {
            if (!batch->keys[i].empty()) {
              VOUCH_RETURN_IF_ERROR(w.WriteIndexKeys(batch->entries[i].index, batch->keys[i]));
            }
          }
          for (const auto& tile : batch->tiles) tiles[{tile->level, tile->index}] = tile.get();
        }
        for (const auto& [key, tile] : tiles) VOUCH_RETURN_IF_ERROR(w.WriteTile(*tile));
        // Rows of the cluster's pending queue become resolved exactly when their entries are
        // durable (log/cluster_store.h).
        std::vector<std::pair<int64_t, uint64_t>> remote;
        for (const auto& batch : batches) {
          for (size_t i = 0; i < batch->waiters.size(); ++i) {
            if (batch->waiters[i]->remote_id != 0) {
              remote.emplace_back(batch->waiters[i]->remote_id, batch->entries[i].index);
            }
          }
        }
        if (!remote.empty()) VOUCH_RETURN_IF_ERROR(w.ResolvePending(remote));
        return w.WriteTreeState(batches.back()->state);
      });
    }
    outcome.written = absl::Now();
    if (written.ok()) {
      VLOG_DEBUG << "wrote " << batches.size() << " batches in "
                 << absl::ToDoubleMilliseconds(outcome.written - t_write) << " ms";
    } else {
      if (!failed) VLOG_ERROR << "commit of " << batches.size() << " batches failed: " << written;
      outcome.status = absl::UnavailableError(absl::StrCat("storage: ", written.message()));
      // Flag the failure before anything is answered, so a retry is sequenced on the durable tree.
      absl::MutexLock l(&mu_);
      failed_ = true;
    }
    on_written_(batches, outcome);
    absl::MutexLock l(&mu_);
    busy_ = false;
  }
}

}  // namespace vouch::log
