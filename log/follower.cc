// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/follower.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"

namespace vouch::log {
namespace {

// Most appends queued in the database in one statement.
constexpr size_t kMaxSubmit = 1024;

absl::Status Exists(uint64_t index, const Hash& leaf) {
  return WithExistingEntryLeaf(
      absl::AlreadyExistsError(absl::StrCat("entry already exists at index ", index)), leaf);
}

}  // namespace

Follower::Follower(ClusterStore* cluster, LogStorage* storage, FollowerOptions options)
    : cluster_(cluster), storage_(storage), options_(std::move(options)) {}

std::unique_ptr<Follower> Follower::Start(ClusterStore* cluster, LogStorage* storage,
                                          FollowerOptions options) {
  std::unique_ptr<Follower> f(new Follower(cluster, storage, std::move(options)));
  f->thread_ = std::thread([p = f.get()] { p->Loop(); });
  return f;
}

Follower::~Follower() { Stop(); }

absl::Status Follower::Enqueue(std::shared_ptr<PendingAppend> p) {
  absl::MutexLock l(&mu_);
  if (stopping_) return absl::UnavailableError("log is shutting down");
  if (queue_.size() + waiting_count_ >= options_.max_pending) {
    return absl::ResourceExhaustedError(
        absl::StrCat("too many appends waiting (", options_.max_pending, "); retry later"));
  }
  queue_.push_back(std::move(p));
  return absl::OkStatus();
}

absl::Status Follower::EnqueueAll(const std::vector<std::shared_ptr<PendingAppend>>& ps) {
  absl::MutexLock l(&mu_);
  if (stopping_) return absl::UnavailableError("log is shutting down");
  queue_.insert(queue_.end(), ps.begin(), ps.end());
  return absl::OkStatus();
}

size_t Follower::waiting() const {
  absl::MutexLock l(&mu_);
  return queue_.size() + waiting_count_;
}

void Follower::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Follower::Fail(const std::shared_ptr<PendingAppend>& p, absl::Status s) {
  p->status = std::move(s);
  p->completed = true;
  options_.answer(p);
}

void Follower::Loop() {
  absl::Time next_refresh = absl::InfinitePast();
  while (true) {
    std::vector<std::shared_ptr<PendingAppend>> batch;
    bool stopping;
    {
      absl::MutexLock l(&mu_);
      const absl::Duration wait = waiting_.empty() ? options_.idle_refresh : options_.poll;
      mu_.AwaitWithTimeout(absl::Condition(
                               +[](Follower* f) ABSL_EXCLUSIVE_LOCKS_REQUIRED(f->mu_) {
                                 return !f->queue_.empty() || f->stopping_;
                               },
                               this),
                           wait);
      stopping = stopping_;
      while (!queue_.empty() && batch.size() < kMaxSubmit) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      waiting_count_ += batch.size();
    }
    if (stopping) {
      // Queued entries were never handed on; the waiting ones may still be logged.
      for (auto& p : batch) Fail(p, absl::UnavailableError("log is shutting down"));
      for (auto& [id, waiters] : waiting_) {
        for (Waiter& w : waiters) {
          Fail(w.p, absl::UnavailableError(
                        "log is shutting down; the entry may still be logged: retry (a retry "
                        "answers 409 with it if it was)"));
        }
      }
      waiting_.clear();
      absl::MutexLock l(&mu_);
      for (auto& p : queue_) Fail(p, absl::UnavailableError("log is shutting down"));
      queue_.clear();
      waiting_count_ = 0;
      return;
    }
    if (!batch.empty()) Submit(batch);
    if (!waiting_.empty()) Collect();
    // Also while appends wait without outcomes (no sequencer yet): reads stay fresh.
    if (absl::Now() >= next_refresh) {
      absl::StatusOr<TreeState> s = options_.refresh();
      if (!s.ok()) VLOG_WARNING << "refreshing the published tree: " << s.status();
      next_refresh = absl::Now() + options_.idle_refresh;
    }
  }
}

void Follower::Submit(std::vector<std::shared_ptr<PendingAppend>>& batch) {
  std::vector<std::pair<Hash, const NewEntry*>> entries;
  entries.reserve(batch.size());
  for (const auto& p : batch) entries.emplace_back(p->leaf, &p->entry);
  absl::StatusOr<std::vector<PendingTicket>> tickets = cluster_->SubmitPending(entries);
  if (absl::IsAborted(tickets.status())) tickets = cluster_->SubmitPending(entries);  // Once.
  size_t answered = 0;
  if (!tickets.ok()) {
    VLOG_WARNING << "queueing " << batch.size() << " entries: " << tickets.status();
    if (options_.on_failure) options_.on_failure(tickets.status());
    for (auto& p : batch) {
      Fail(p, absl::UnavailableError(absl::StrCat("storage: ", tickets.status().message())));
    }
    answered = batch.size();
  } else {
    if (options_.on_success) options_.on_success();
    const absl::Time deadline = absl::Now() + options_.wait_timeout;
    for (size_t i = 0; i < batch.size(); ++i) {
      const PendingTicket& t = (*tickets)[i];
      if (t.existing.has_value()) {
        Fail(batch[i], Exists(*t.existing, batch[i]->leaf));
        ++answered;
        continue;
      }
      waiting_[t.id].push_back(Waiter{std::move(batch[i]), t.owner, deadline});
    }
  }
  absl::MutexLock l(&mu_);
  waiting_count_ -= answered;
}

void Follower::Collect() {
  std::vector<int64_t> ids;
  ids.reserve(waiting_.size());
  for (const auto& [id, w] : waiting_) ids.push_back(id);
  std::vector<int64_t> gone;
  absl::StatusOr<std::vector<PendingOutcome>> outcomes = cluster_->ReadOutcomes(ids, &gone);
  if (!outcomes.ok()) {
    VLOG_WARNING << "reading the outcomes of " << ids.size()
                 << " queued entries: " << outcomes.status();
    outcomes = std::vector<PendingOutcome>();
    gone.clear();
  }
  size_t answered = 0;
  std::vector<std::pair<int64_t, Hash>> collected;  // Rows inserted here and answered.
  if (!outcomes->empty()) {
    absl::StatusOr<TreeState> state = options_.refresh();
    if (!state.ok()) {
      VLOG_WARNING << "refreshing the published tree: " << state.status();
    } else {
      // The fresh entries, read in one transaction.
      std::vector<const PendingOutcome*> ready;
      for (const PendingOutcome& o : *outcomes) {
        if (o.index < state->size) ready.push_back(&o);  // Else: answered after the next refresh.
      }
      absl::flat_hash_map<uint64_t, StoredEntry> entries;
      absl::Status read = storage_->ReadTx([&](LogReader& r) -> absl::Status {
        for (const PendingOutcome* o : ready) {
          if (o->duplicate) continue;
          VOUCH_ASSIGN_OR_RETURN(entries[o->index], r.ReadEntry(o->index));
        }
        return absl::OkStatus();
      });
      if (!read.ok()) {
        VLOG_WARNING << "reading integrated entries: " << read;
        ready.clear();
      }
      for (const PendingOutcome* o : ready) {
        auto it = waiting_.find(o->id);
        if (it == waiting_.end()) continue;
        if (it->second.front().p->leaf != o->leaf) {
          // The id now names another entry's row (ours was lost in a database crash): ours is
          // gone.
          gone.push_back(o->id);
          continue;
        }
        bool owned = false;
        for (Waiter& w : it->second) {
          owned = owned || w.owner;
          if (w.owner && !o->duplicate) {
            StoredEntry e = entries[o->index];
            if (e.leaf_hash != w.p->leaf) {
              Fail(w.p,
                   absl::DataLossError(absl::StrCat("pending row ", o->id, " resolved to index ",
                                                    o->index, " whose entry is another one")));
            } else {
              w.p->stored = std::move(e);
              w.p->state = *state;
              w.p->status = absl::OkStatus();
              w.p->completed = true;
              options_.answer(w.p);
            }
          } else {
            Fail(w.p, Exists(o->index, w.p->leaf));
          }
          ++answered;
        }
        if (owned) collected.emplace_back(o->id, o->leaf);
        waiting_.erase(it);
      }
    }
  }
  // Rows deleted meanwhile: another front end's row for the same entry, collected by it.
  for (int64_t id : gone) {
    auto it = waiting_.find(id);
    if (it == waiting_.end()) continue;
    for (Waiter& w : it->second) {
      absl::StatusOr<std::optional<uint64_t>> index = cluster_->FindLeaf(w.p->leaf);
      if (index.ok() && index->has_value()) {
        Fail(w.p, Exists(**index, w.p->leaf));
      } else {
        Fail(w.p,
             absl::UnavailableError("the queued entry was dropped before it was logged; retry"));
      }
      ++answered;
    }
    waiting_.erase(it);
  }
  // Timeouts.
  const absl::Time now = absl::Now();
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    auto& waiters = it->second;
    const size_t before = waiters.size();
    waiters.erase(std::remove_if(waiters.begin(), waiters.end(),
                                 [&](Waiter& w) {
                                   if (w.deadline > now) return false;
                                   Fail(w.p, absl::UnavailableError(absl::StrCat(
                                                 "no sequencer logged the entry within ",
                                                 absl::FormatDuration(options_.wait_timeout),
                                                 "; it may still be logged: retry (a retry "
                                                 "answers 409 with it if it was)")));
                                   return true;
                                 }),
                  waiters.end());
    answered += before - waiters.size();
    if (waiters.empty()) {
      waiting_.erase(it++);
    } else {
      ++it;
    }
  }
  if (!collected.empty()) {
    absl::Status s = cluster_->DeletePending(collected);
    if (!s.ok()) VLOG_WARNING << "deleting " << collected.size() << " collected rows: " << s;
  }
  absl::MutexLock l(&mu_);
  waiting_count_ -= answered;
}

}  // namespace vouch::log
