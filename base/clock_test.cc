// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/clock.h"

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace vouch {
namespace {

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(5));
  clock.Set(start);
  EXPECT_EQ(clock.Now(), start);
}

TEST(Clock, RealClockFollowsWallTime) {
  const absl::Time before = absl::Now();
  const absl::Time now = Clock::Real()->Now();
  EXPECT_GE(now, before);
  EXPECT_LE(now - before, absl::Seconds(5));
}

TEST(Clock, MonotonicClockHoldsWhenTheClockGoesBackAndFollowsItForwards) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  FakeClock inner(start);
  MonotonicClock clock(&inner);
  EXPECT_EQ(clock.Now(), start);
  inner.Set(start - absl::Hours(1));
  EXPECT_EQ(clock.Now(), start);
  inner.Set(start + absl::Hours(24));
  EXPECT_EQ(clock.Now(), start + absl::Hours(24));
  inner.Set(start);
  EXPECT_EQ(clock.Now(), start + absl::Hours(24));
  clock.AtLeast(start + absl::Hours(48));
  EXPECT_EQ(clock.Now(), start + absl::Hours(48));
  clock.AtLeast(start);
  EXPECT_EQ(clock.Now(), start + absl::Hours(48));
  inner.Set(start + absl::Hours(49));
  EXPECT_EQ(clock.Now(), start + absl::Hours(49));
}

}  // namespace
}  // namespace vouch
