// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Under --config=tsan: data guarded by absl::Mutex, CondVar, Notification and passed through
// absl::Status is not reported (absl_sync.cc makes the uninstrumented Abseil visible to TSan),
// and a real race still is (in a child process, which TSan ends with exit code 66). Skipped in
// other builds.
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr bool kTsan = true;
#else
constexpr bool kTsan = false;
#endif

TEST(AbslSync, GuardedDataIsNotReported) {
  if (!kTsan) GTEST_SKIP() << "only meaningful under --config=tsan";
  absl::Mutex mu;
  absl::CondVar cv;
  int counter = 0;  // guarded by mu
  bool ready = false;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        absl::MutexLock l(&mu);
        ++counter;
      }
    });
  }
  std::thread waiter([&] {
    absl::MutexLock l(&mu);
    mu.Await(absl::Condition(
        +[](int* c) { return *c == 4000; }, &counter));
    ready = true;
    cv.Signal();
  });
  for (auto& th : threads) th.join();
  {
    absl::MutexLock l(&mu);
    while (!ready) cv.Wait(&mu);
    EXPECT_EQ(counter, 4000);
  }
  waiter.join();

  // A Notification publishes what was written before Notify; a Status's message travels with it.
  std::string payload;
  absl::Status status;
  absl::Notification done;
  std::thread producer([&] {
    payload = "written before Notify";
    status = absl::UnavailableError("storage: disk on fire");
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ(payload, "written before Notify");
  absl::Status copy = status;
  producer.join();
  status = absl::OkStatus();
  EXPECT_EQ(copy.message(), "storage: disk on fire");
}

TEST(AbslSync, ARealRaceIsStillReported) {
  if (!kTsan) GTEST_SKIP() << "only meaningful under --config=tsan";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int unguarded = 0;
    absl::Mutex mu;
    std::thread a([&] {
      absl::MutexLock l(&mu);  // a lock the other thread does not take
      unguarded = 1;
    });
    std::thread b([&] { unguarded = 2; });
    a.join();
    b.join();
    _exit(unguarded == 0 ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 66) << "TSan did not report the race";
}

}  // namespace
