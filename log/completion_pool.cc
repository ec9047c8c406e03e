// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/completion_pool.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

namespace vouch::log {

std::unique_ptr<CompletionPool> CompletionPool::Start(size_t threads, const std::string& name) {
  std::unique_ptr<CompletionPool> pool(new CompletionPool());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const std::string thread_name = name.substr(0, 15);
  for (size_t i = 0; i < threads; ++i) {
    pool->threads_.emplace_back([p = pool.get(), thread_name] {
      pthread_setname_np(pthread_self(), thread_name.c_str());  // Named for top/perf.
      p->Loop();
    });
  }
  return pool;
}

CompletionPool::~CompletionPool() { Stop(); }

void CompletionPool::Run(std::function<void()> task) {
  {
    absl::MutexLock l(&mu_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      return;
    }
  }
  task();
}

void CompletionPool::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void CompletionPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](CompletionPool* p)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) { return !p->tasks_.empty() || p->stopping_; },
          this));
      if (tasks_.empty()) return;  // Stopping and drained.
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace vouch::log
