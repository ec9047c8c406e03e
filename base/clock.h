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

// A clock that never goes backwards: Now() is the larger of |inner|'s time and the latest time
// it returned (or was raised to with AtLeast). When the system clock is set back, it holds at the
// newest time it gave out until the system clock passes it again; it follows jumps forwards.
// vouchd gives one to everything whose signed times must agree (the log's integrated times and
// checkpoints, the CA's certificate validity, the TSA's genTime), so a certificate issued after
// an entry was integrated never starts before it. Thread-safe; |inner| must outlive it.
class MonotonicClock : public Clock {
 public:
  explicit MonotonicClock(Clock* inner) : inner_(inner) {}
  absl::Time Now() const override;
  // Raises the floor to |t| (e.g. the newest checkpoint's time at start-up). Never lowers it.
  void AtLeast(absl::Time t);

 private:
  Clock* const inner_;
  mutable absl::Mutex mu_;
  mutable absl::Time floor_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace vouch

#endif  // VOUCH_BASE_CLOCK_H_
