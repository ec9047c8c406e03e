// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Follower: how a front end that does not hold the sequencer lease appends (log/cluster_store.h).
// Its thread ("vouch-follow") queues what callers hand it in the database's pending queue (all
// that arrived meanwhile in one statement), then polls the outcomes of the rows it waits for and
// answers each append once the sequencer (another process, or this one after a takeover) made
// its entry durable: with the entry and an inclusion proof against a published checkpoint this
// front end has verified (|refresh|), or AlreadyExists naming the index. In Tessera's words an
// append is never answered before it is sequenced, integrated and published, wherever that
// happened.
//
// An append whose row is not resolved within wait_timeout is answered Unavailable (its entry may
// still be logged later: a retry then answers AlreadyExists with it). Between polls the thread
// refreshes the published tree every idle_refresh, so reads on this front end trail the
// sequencer by at most that.
//
// Thread-safe.
#ifndef VOUCH_LOG_FOLLOWER_H_
#define VOUCH_LOG_FOLLOWER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "log/append.h"
#include "log/cluster_store.h"
#include "log/storage.h"

namespace vouch::log {

struct FollowerOptions {
  // Time between two polls of the outcomes while appends wait.
  absl::Duration poll = absl::Milliseconds(2);
  // Time between two tree refreshes while nothing waits.
  absl::Duration idle_refresh = absl::Milliseconds(50);
  // Longest wait for a queued entry's outcome.
  absl::Duration wait_timeout = absl::Seconds(30);
  // Most appends queued or waiting; beyond it Enqueue answers ResourceExhausted.
  size_t max_pending = 65536;
  // Refreshes the published tree from storage (verified) and returns it: called on the
  // follower's thread before answers and every idle_refresh.
  std::function<absl::StatusOr<TreeState>()> refresh;
  // Answers an append whose outcome is set (as SequencerOptions::answer). Must not block.
  std::function<void(const std::shared_ptr<PendingAppend>&)> answer;
  // Called when queueing entries fails (the database is unreachable: the appends are answered
  // Unavailable with the reason) and when it succeeds again. May be empty.
  std::function<void(const absl::Status&)> on_failure;
  std::function<void()> on_success;
};

class Follower {
 public:
  // Starts the thread. |cluster| and |storage| (the same database) must outlive the Follower.
  static std::unique_ptr<Follower> Start(ClusterStore* cluster, LogStorage* storage,
                                         FollowerOptions options);
  ~Follower();  // Stop().
  Follower(const Follower&) = delete;
  Follower& operator=(const Follower&) = delete;

  // Queues |p|. Unavailable if stopping, ResourceExhausted beyond max_pending (|p| is then not
  // queued and not answered).
  absl::Status Enqueue(std::shared_ptr<PendingAppend> p);
  // Queues all of |ps| whatever their number. Unavailable if stopping.
  absl::Status EnqueueAll(const std::vector<std::shared_ptr<PendingAppend>>& ps);
  // Appends queued or waiting for their outcome.
  size_t waiting() const;

  // Answers everything queued or waiting Unavailable and stops the thread. Idempotent.
  void Stop();

 private:
  struct Waiter {
    std::shared_ptr<PendingAppend> p;
    bool owner = false;
    absl::Time deadline;
  };

  Follower(ClusterStore* cluster, LogStorage* storage, FollowerOptions options);
  void Loop();
  // Queues |batch| in the database and moves it to waiting_ (or answers it).
  void Submit(std::vector<std::shared_ptr<PendingAppend>>& batch);
  // Reads the outcomes of the waiting rows and answers what is resolved; times out the rest.
  void Collect();
  void Fail(const std::shared_ptr<PendingAppend>& p, absl::Status s);

  ClusterStore* const cluster_;
  LogStorage* const storage_;
  const FollowerOptions options_;

  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<PendingAppend>> queue_ ABSL_GUARDED_BY(mu_);
  size_t waiting_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // The follower's thread only.
  absl::flat_hash_map<int64_t, std::vector<Waiter>> waiting_;
  std::thread thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_FOLLOWER_H_
