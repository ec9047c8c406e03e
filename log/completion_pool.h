// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CompletionPool: threads that answer asynchronous appends (Log::AppendAsync): each task builds an
// answer (inclusion proof, its check) and calls the caller's callback, off the sequencer's and
// the writer's threads, so neither waits for a proof or for a gRPC send. Tasks run in the order
// they were queued, on whichever thread is free.
//
// Thread-safe.
#ifndef VOUCH_LOG_COMPLETION_POOL_H_
#define VOUCH_LOG_COMPLETION_POOL_H_

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace vouch::log {

class CompletionPool {
 public:
  // Starts |threads| threads (0: one per core) named |name| (at most 15 characters, for top).
  static std::unique_ptr<CompletionPool> Start(size_t threads, const std::string& name);
  ~CompletionPool();  // Stop().
  CompletionPool(const CompletionPool&) = delete;
  CompletionPool& operator=(const CompletionPool&) = delete;

  // Queues |task|. After Stop() it runs on the calling thread instead.
  void Run(std::function<void()> task);
  // Runs every queued task, then joins the threads. Idempotent.
  void Stop();

 private:
  CompletionPool() = default;
  void Loop();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_COMPLETION_POOL_H_
