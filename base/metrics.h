// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Metrics: counters, gauges and histograms rendered in the Prometheus text format (version
// 0.0.4) for GET /metrics. Thread-safe; updates take a short lock per metric family.
//
//   Metrics m;
//   m.Counter("vouch_http_requests_total", "HTTP requests.", {{"route", "/api/v1/log"}})->Add(1);
//   m.Histogram("vouch_append_seconds", "Append latency.", {})->Observe(0.003);
//   std::string text = m.Render();
#ifndef VOUCH_BASE_METRICS_H_
#define VOUCH_BASE_METRICS_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace vouch {

using Labels = std::vector<std::pair<std::string, std::string>>;

class CounterCell {
 public:
  void Add(double v) {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
  }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class HistogramCell {
 public:
  explicit HistogramCell(std::vector<double> bounds);
  void Observe(double v);
  // Cumulative counts per bound (+Inf last), sum and count.
  void Snapshot(std::vector<uint64_t>* cumulative, double* sum, uint64_t* count) const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double> bounds_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> counts_ ABSL_GUARDED_BY(mu_);
  double sum_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

class Metrics {
 public:
  // Latency buckets in seconds: 100us .. 10s.
  static std::vector<double> LatencyBuckets();

  // The cell for |name| with |labels| (created on first use; the pointer stays valid).
  CounterCell* Counter(const std::string& name, const std::string& help, const Labels& labels);
  HistogramCell* Histogram(const std::string& name, const std::string& help, const Labels& labels,
                           const std::vector<double>& bounds = LatencyBuckets());
  // A gauge computed when rendering.
  void Gauge(const std::string& name, const std::string& help, std::function<double()> value);

  std::string Render() const;

 private:
  struct Family {
    std::string type;
    std::string help;
    std::map<Labels, std::unique_ptr<CounterCell>> counters;
    std::map<Labels, std::unique_ptr<HistogramCell>> histograms;
    std::function<double()> gauge;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Family> families_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch

#endif  // VOUCH_BASE_METRICS_H_
