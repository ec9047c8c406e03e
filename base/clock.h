// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Clock: the source of time for everything that signs or checks time (checkpoints, certificates,
// token expiry), so tests control it. Implementations are thread-safe.
#ifndef VOUCH_BASE_CLOCK_H_
#define VOUCH_BASE_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace vouch {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;

  // The process-wide real-time clock (never deleted).
  static Clock* Real();
};

// A clock that only moves when told to. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Advance(absl::Duration d);
  void Set(absl::Time t);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch

#endif  // VOUCH_BASE_CLOCK_H_
