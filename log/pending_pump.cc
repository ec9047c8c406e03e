// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/pending_pump.h"

#include <utility>

#include "base/logging.h"

namespace vouch::log {

PendingPump::PendingPump(ClusterStore* cluster, PendingPumpOptions options)
    : cluster_(cluster), options_(options) {}

std::unique_ptr<PendingPump> PendingPump::New(ClusterStore* cluster, PendingPumpOptions options) {
  return std::unique_ptr<PendingPump>(new PendingPump(cluster, options));
}

void PendingPump::Start(Sequencer* sequencer) {
  sequencer_ = sequencer;
  thread_ = std::thread([this] { Loop(); });
}

PendingPump::~PendingPump() { Stop(); }

void PendingPump::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void PendingPump::Done(const std::shared_ptr<PendingAppend>& p) {
  absl::MutexLock l(&mu_);
  pulled_.erase(p->remote_id);
  // OK: resolved in the commit. AlreadyExists: mark. Anything else: read again later.
  if (absl::IsAlreadyExists(p->status)) duplicates_.push_back(p->remote_id);
}

void PendingPump::Loop() {
  absl::Time next_cleanup = absl::Now() + absl::Minutes(1);
  while (true) {
    const size_t pumped = PumpOnce();
    std::vector<int64_t> duplicates;
    {
      absl::MutexLock l(&mu_);
      duplicates.swap(duplicates_);
    }
    if (!duplicates.empty()) {
      absl::Status s = cluster_->MarkDuplicates(duplicates);
      if (!s.ok()) {
        VLOG_WARNING << "marking " << duplicates.size() << " queued duplicates: " << s;
        // Unmarked rows are read again and found to be duplicates again.
      }
    }
    if (absl::Now() >= next_cleanup) {
      absl::StatusOr<uint64_t> n = cluster_->DeleteStaleResolved(options_.stale_after);
      if (!n.ok()) {
        VLOG_WARNING << "deleting stale queue rows: " << n.status();
      } else if (*n > 0) {
        VLOG_INFO << "deleted " << *n << " resolved queue rows no front end collected";
      }
      next_cleanup = absl::Now() + absl::Minutes(1);
    }
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    if (pumped == 0) {
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.poll);
      if (stopping_) return;
    }
  }
}

size_t PendingPump::PumpOnce() {
  absl::StatusOr<std::vector<int64_t>> ids = cluster_->ListUnresolved(options_.max_rows);
  if (!ids.ok()) {
    VLOG_WARNING << "reading the pending queue: " << ids.status();
    return 0;
  }
  std::vector<int64_t> fresh;
  {
    absl::MutexLock l(&mu_);
    for (int64_t id : *ids) {
      if (!pulled_.contains(id)) fresh.push_back(id);
    }
  }
  if (fresh.empty()) return 0;
  absl::StatusOr<std::vector<PendingRow>> rows = cluster_->ReadPending(fresh);
  if (!rows.ok()) {
    VLOG_WARNING << "reading " << fresh.size() << " queued entries: " << rows.status();
    return 0;
  }
  size_t handed = 0;
  for (PendingRow& row : *rows) {
    auto p = std::make_shared<PendingAppend>();
    p->remote_id = row.id;
    p->leaf = row.leaf;
    p->entry = std::move(row.entry);
    {
      absl::MutexLock l(&mu_);
      pulled_.insert(row.id);
    }
    absl::Status s = sequencer_->Enqueue(p);
    if (!s.ok()) {
      // Full or stopping: the row stays queued for the next read.
      absl::MutexLock l(&mu_);
      pulled_.erase(row.id);
      break;
    }
    ++handed;
  }
  return handed;
}

}  // namespace vouch::log
