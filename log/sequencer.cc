// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/sequencer.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "formats/signed_entry_timestamp.h"
#include "log/checkpoint.h"

namespace vouch::log {

std::unique_ptr<Sequencer> Sequencer::Start(LogStorage* storage, const signer::Signer* key,
                                            std::string log_id, Integrator integrator,
                                            int64_t last_signed_time, DurableWriter* writer,
                                            SequencerOptions options) {
  std::unique_ptr<Sequencer> s(new Sequencer(storage, key, std::move(log_id), std::move(integrator),
                                             last_signed_time, writer, std::move(options)));
  s->thread_ = std::thread([p = s.get()] {
    pthread_setname_np(pthread_self(), "vouch-sequencer");  // Named for top/perf.
    p->Loop();
  });
  return s;
}

Sequencer::Sequencer(LogStorage* storage, const signer::Signer* key, std::string log_id,
                     Integrator integrator, int64_t last_signed_time, DurableWriter* writer,
                     SequencerOptions options)
    : storage_(storage),
      key_(key),
      log_id_(std::move(log_id)),
      writer_(writer),
      options_(std::move(options)),
      integrator_(std::move(integrator)),
      last_signed_time_(last_signed_time) {}

Sequencer::~Sequencer() { Stop(); }

void Sequencer::Stop() {
  {
    absl::MutexLock l(&queue_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status Sequencer::Enqueue(std::shared_ptr<PendingAppend> p) {
  absl::MutexLock l(&queue_mu_);
  if (stopping_) return absl::UnavailableError("log is shutting down");
  if (queue_.size() >= options_.max_pending) {
    return absl::ResourceExhaustedError(
        absl::StrCat("log overloaded: ", queue_.size(),
                     " appends are waiting to be sequenced (the limit); retry later"));
  }
  queue_.push_back(std::move(p));
  return absl::OkStatus();
}

absl::Status Sequencer::EnqueueAll(const std::vector<std::shared_ptr<PendingAppend>>& ps) {
  absl::MutexLock l(&queue_mu_);
  if (stopping_) return absl::UnavailableError("log is shutting down");
  queue_.insert(queue_.end(), ps.begin(), ps.end());
  return absl::OkStatus();
}

void Sequencer::Answer(const std::shared_ptr<PendingAppend>& p) {
  // Every duplicate is answered here: name the existing entry (its leaf hash is this one's).
  p->status = WithExistingEntryLeaf(std::move(p->status), p->leaf);
  p->completed = true;
  options_.answer(p);
}

void Sequencer::Loop() {
  while (true) {
    std::vector<std::shared_ptr<PendingAppend>> batch;
    {
      absl::MutexLock l(&queue_mu_);
      queue_mu_.Await(absl::Condition(
          +[](Sequencer* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->queue_mu_) {
            return !s->queue_.empty() || s->stopping_;
          },
          this));
      if (stopping_) {
        for (auto& p : queue_) {
          p->status = absl::UnavailableError("log is shutting down");
          Answer(p);
        }
        queue_.clear();
        return;
      }
      if (options_.linger > absl::ZeroDuration() && queue_.size() < options_.max_batch) {
        queue_mu_.AwaitWithTimeout(
            absl::Condition(
                +[](Sequencer* s) ABSL_EXCLUSIVE_LOCKS_REQUIRED(s->queue_mu_) {
                  return s->queue_.size() >= s->options_.max_batch || s->stopping_;
                },
                this),
            options_.linger);
      }
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<long>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
    }
    SequenceBatch(batch);
  }
}

void Sequencer::EndInFlight(const std::vector<StoredEntry>& entries, const absl::Status& failure) {
  std::vector<std::pair<std::shared_ptr<PendingAppend>, uint64_t>> followers;
  {
    absl::MutexLock l(&inflight_mu_);
    for (const StoredEntry& e : entries) {
      auto node = inflight_.extract(e.leaf_hash);
      if (node.empty()) continue;
      for (auto& f : node.mapped().followers) followers.emplace_back(std::move(f), e.index);
    }
  }
  for (auto& [f, index] : followers) {
    f->status =
        failure.ok()
            ? absl::AlreadyExistsError(absl::StrCat("entry already exists at index ", index))
            : failure;
    Answer(f);
  }
}

void Sequencer::Resolve(SequencedBatch& batch, const absl::Status& outcome) {
  if (!outcome.ok()) {
    for (auto& p : batch.waiters) {
      p->status = outcome;
      Answer(p);
    }
    for (auto& [dup, first] : batch.twins) {
      dup->status = outcome;
      Answer(dup);
    }
    EndInFlight(batch.entries, outcome);
    return;
  }
  TreeState published = batch.state;
  published.compact_range.clear();
  EndInFlight(batch.entries, absl::OkStatus());
  for (size_t i = 0; i < batch.waiters.size(); ++i) {
    batch.waiters[i]->stored = std::move(batch.entries[i]);
    batch.waiters[i]->state = published;
  }
  for (auto& [dup, first] : batch.twins) {
    dup->status = absl::AlreadyExistsError(
        absl::StrCat("entry already exists at index ", batch.waiters[first]->stored.index));
    Answer(dup);
  }
  for (auto& p : batch.waiters) Answer(p);
}

absl::Status Sequencer::ReloadDurableTree() {
  absl::StatusOr<Integrator> resumed = absl::UnavailableError("not read");
  int64_t timestamp = 0;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(std::optional<TreeState> stored, r.ReadTreeState());
    if (!stored.has_value()) return absl::DataLossError("tree state vanished from storage");
    timestamp = stored->timestamp;
    resumed = Integrator::Resume(*stored, r);
    return resumed.status();
  }));
  integrator_ = *std::move(resumed);
  last_signed_time_ = std::max(last_signed_time_, timestamp);
  return absl::OkStatus();
}

void Sequencer::SequenceBatch(std::vector<std::shared_ptr<PendingAppend>>& batch) {
  auto fail_all = [&](const absl::Status& s) {
    options_.on_failure(s);
    for (auto& p : batch) {
      if (p->follower || p->completed) continue;  // (A follower is answered by its original.)
      p->status = s;
      Answer(p);
    }
  };
  // A commit failed: wait until the writer has failed everything queued after it, then restart
  // from what is durable.
  if (writer_->AwaitDrainedIfFailed()) {
    absl::Status reloaded = ReloadDurableTree();
    if (!reloaded.ok()) {
      fail_all(absl::UnavailableError(absl::StrCat("storage: ", reloaded.message())));
      return;
    }
    writer_->ResumeAfterFailure();
  }

  auto job = std::make_unique<SequencedBatch>();
  job->started = absl::Now();
  // Never a checkpoint older than the last one signed.
  const int64_t now = std::max(absl::ToUnixSeconds(options_.clock->Now()), last_signed_time_);

  // Duplicates: in flight (sequenced, not yet durable), already stored, or twice in this batch.
  // The in-flight set is checked before storage: an entry leaves it only after its commit, so an
  // entry missing from both is really new.
  std::vector<std::shared_ptr<PendingAppend>> maybe;
  {
    absl::MutexLock l(&inflight_mu_);
    for (auto& p : batch) {
      auto it = inflight_.find(p->leaf);
      if (it != inflight_.end()) {
        p->follower = true;
        it->second.followers.push_back(p);  // Answered when that entry's commit is done.
      } else {
        maybe.push_back(p);
      }
    }
  }
  auto& fresh = job->waiters;
  absl::Status read = storage_->ReadTx([&](LogReader& r) -> absl::Status {
    absl::flat_hash_map<Hash, size_t> seen;
    for (auto& p : maybe) {
      VOUCH_ASSIGN_OR_RETURN(std::optional<uint64_t> existing, r.FindLeaf(p->leaf));
      if (existing.has_value()) {
        p->status =
            absl::AlreadyExistsError(absl::StrCat("entry already exists at index ", *existing));
        Answer(p);
        continue;
      }
      auto [it, inserted] = seen.emplace(p->leaf, fresh.size());
      if (!inserted) {
        job->twins.emplace_back(p, it->second);
        continue;
      }
      fresh.push_back(p);
    }
    return absl::OkStatus();
  });
  if (!read.ok()) {
    fail_all(absl::UnavailableError(absl::StrCat("storage: ", read.message())));
    return;
  }
  if (fresh.empty()) {
    for (auto& [dup, first] : job->twins) {
      dup->status = absl::AlreadyExistsError("entry already exists");
      Answer(dup);
    }
    return;
  }
  const absl::Time t_dedup = absl::Now();

  // Sequence: indices and integrated time; SETs, on helper threads for large batches (below 64
  // entries a thread costs more than it saves).
  const uint64_t base = integrator_.size();
  std::vector<StoredEntry>& stored = job->entries;
  stored.resize(fresh.size());
  job->keys.resize(fresh.size());
  std::vector<Hash> leaves(fresh.size());
  for (size_t i = 0; i < fresh.size(); ++i) {
    stored[i].index = base + i;
    stored[i].leaf_hash = fresh[i]->leaf;
    stored[i].body = std::move(fresh[i]->entry.body);  // The waiter gets |stored| back.
    stored[i].extra_data = std::move(fresh[i]->entry.extra_data);
    stored[i].integrated_time = now;
    job->keys[i] = std::move(fresh[i]->entry.keys);
    leaves[i] = fresh[i]->leaf;
  }
  std::vector<absl::Status> sign_status(fresh.size());
  auto sign_range = [&](size_t begin, size_t step) {
    for (size_t i = begin; i < stored.size(); i += step) {
      auto sig = key_->Sign(
          formats::SignedEntryTimestampPayload(stored[i].body, now, log_id_, stored[i].index));
      if (sig.ok()) {
        stored[i].set = std::move(*sig);
      } else {
        sign_status[i] = sig.status();
      }
    }
  };
  const size_t workers =
      stored.size() >= 64 ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(sign_range, w, workers);
  sign_range(0, workers);
  for (auto& t : threads) t.join();
  for (const absl::Status& s : sign_status) {
    if (!s.ok()) {
      fail_all(absl::UnavailableError(absl::StrCat("signing entry timestamp: ", s.message())));
      return;
    }
  }
  const absl::Time t_signed = absl::Now();

  // Integrate, then publish: sign the checkpoint that covers the batch.
  Integrator::Integration integration = integrator_.Integrate(leaves);
  TreeState& state = job->state;
  state.size = integration.size;
  state.root = integration.root;
  state.timestamp = now;
  state.compact_range = integration.compact_range;
  Checkpoint cp;
  cp.origin = options_.origin;
  cp.size = state.size;
  cp.root = state.root;
  auto note = SignCheckpoint(cp, options_.signer_name, *key_);
  if (!note.ok()) {
    fail_all(absl::UnavailableError(absl::StrCat("signing checkpoint: ", note.status().message())));
    return;
  }
  state.checkpoint = std::move(*note);
  job->tiles = std::move(integration.tiles);  // (Advance needs only the tree and builders.)
  const absl::Time t_integrated = absl::Now();
  VLOG_DEBUG << "batch " << stored.size() << ": dedup "
             << absl::ToDoubleMilliseconds(t_dedup - job->started) << " ms, sets "
             << absl::ToDoubleMilliseconds(t_signed - t_dedup) << " ms, integrate "
             << absl::ToDoubleMilliseconds(t_integrated - t_signed) << " ms";

  // The sequencer moves on with the tree as if the batch were durable; a failed commit resets it
  // (above). In flight from now until the writer resolves it.
  integrator_.Advance(std::move(integration));
  last_signed_time_ = now;
  {
    absl::MutexLock l(&inflight_mu_);
    for (const StoredEntry& e : stored) inflight_.emplace(e.leaf_hash, InFlight{e.index, {}});
  }
  writer_->Submit(std::move(job));
}

}  // namespace vouch::log
