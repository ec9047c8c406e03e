// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/metrics.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vouch {
namespace {

using ::testing::HasSubstr;

TEST(Metrics, RendersCountersGaugesAndHistogramsInPrometheusFormat) {
  Metrics m;
  m.Counter("req_total", "Requests.", {{"route", "/a"}})->Add(2);
  m.Counter("req_total", "Requests.", {{"route", "/b\"x"}})->Add(1);
  m.Gauge("tree_size", "Size.", [] { return 42.0; });
  auto* h = m.Histogram("lat_seconds", "Latency.", {}, {0.01, 0.1});
  h->Observe(0.005);
  h->Observe(0.05);
  h->Observe(5);
  const std::string text = m.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE req_total counter\n"));
  EXPECT_THAT(text, HasSubstr("req_total{route=\"/a\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("req_total{route=\"/b\\\"x\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("tree_size 42\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"0.01\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"0.1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("lat_seconds_count 3\n"));
}

TEST(Metrics, CountersAreExactUnderConcurrency) {
  Metrics m;
  CounterCell* c = m.Counter("n", "N.", {});
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([c] {
      for (int i = 0; i < 10000; ++i) c->Add(1);
    });
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(c->value(), 80000);
}

}  // namespace
}  // namespace vouch
