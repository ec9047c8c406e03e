// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/clock.h"

#include "absl/time/clock.h"

namespace vouch {
namespace {

class RealClock : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* Clock::Real() {
  static Clock* const clock = new RealClock();
  return clock;
}

absl::Time FakeClock::Now() const {
  absl::MutexLock l(&mu_);
  return now_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock l(&mu_);
  now_ += d;
}

void FakeClock::Set(absl::Time t) {
  absl::MutexLock l(&mu_);
  now_ = t;
}

absl::Time MonotonicClock::Now() const {
  const absl::Time t = inner_->Now();
  absl::MutexLock l(&mu_);
  if (t > floor_) floor_ = t;
  return floor_;
}

void MonotonicClock::AtLeast(absl::Time t) {
  absl::MutexLock l(&mu_);
  if (t > floor_) floor_ = t;
}

}  // namespace vouch
