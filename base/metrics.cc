// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/metrics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace vouch {
namespace {

std::string Escape(const std::string& v) {
  return absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

std::string LabelText(const Labels& labels, const std::string& extra_key = "",
                      const std::string& extra_value = "") {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(absl::StrCat(k, "=\"", Escape(v), "\""));
  if (!extra_key.empty()) parts.push_back(absl::StrCat(extra_key, "=\"", extra_value, "\""));
  if (parts.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ",";
    out += parts[i];
  }
  return out + "}";
}

std::string Num(double v) {
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15) {
    return absl::StrCat(static_cast<int64_t>(v));
  }
  return absl::StrCat(v);
}

}  // namespace

HistogramCell::HistogramCell(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void HistogramCell::Observe(double v) {
  const size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  absl::MutexLock l(&mu_);
  counts_[i]++;
  sum_ += v;
  count_++;
}

void HistogramCell::Snapshot(std::vector<uint64_t>* cumulative, double* sum,
                             uint64_t* count) const {
  absl::MutexLock l(&mu_);
  cumulative->clear();
  uint64_t acc = 0;
  for (uint64_t c : counts_) {
    acc += c;
    cumulative->push_back(acc);
  }
  *sum = sum_;
  *count = count_;
}

std::vector<double> Metrics::LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   10};
}

CounterCell* Metrics::Counter(const std::string& name, const std::string& help,
                              const Labels& labels) {
  absl::MutexLock l(&mu_);
  Family& f = families_[name];
  if (f.help.empty()) {  // (Not copied on every lookup.)
    f.type = "counter";
    f.help = help;
  }
  auto& cell = f.counters[labels];
  if (cell == nullptr) cell = std::make_unique<CounterCell>();
  return cell.get();
}

HistogramCell* Metrics::Histogram(const std::string& name, const std::string& help,
                                  const Labels& labels, const std::vector<double>& bounds) {
  absl::MutexLock l(&mu_);
  Family& f = families_[name];
  if (f.help.empty()) {  // (Not copied on every lookup.)
    f.type = "histogram";
    f.help = help;
  }
  auto& cell = f.histograms[labels];
  if (cell == nullptr) cell = std::make_unique<HistogramCell>(bounds);
  return cell.get();
}

void Metrics::Gauge(const std::string& name, const std::string& help,
                    std::function<double()> value) {
  absl::MutexLock l(&mu_);
  Family& f = families_[name];
  f.type = "gauge";
  f.help = help;
  f.gauge = std::move(value);
}

std::string Metrics::Render() const {
  absl::MutexLock l(&mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n# TYPE ", name, " ", f.type, "\n");
    if (f.type == "gauge") {
      absl::StrAppend(&out, name, " ", Num(f.gauge ? f.gauge() : 0), "\n");
    }
    for (const auto& [labels, c] : f.counters) {
      absl::StrAppend(&out, name, LabelText(labels), " ", Num(c->value()), "\n");
    }
    for (const auto& [labels, h] : f.histograms) {
      std::vector<uint64_t> cum;
      double sum;
      uint64_t count;
      h->Snapshot(&cum, &sum, &count);
      for (size_t i = 0; i < h->bounds().size(); ++i) {
        absl::StrAppend(&out, name, "_bucket", LabelText(labels, "le", Num(h->bounds()[i])), " ",
                        cum[i], "\n");
      }
      absl::StrAppend(&out, name, "_bucket", LabelText(labels, "le", "+Inf"), " ", cum.back(), "\n",
                      name, "_sum", LabelText(labels), " ", sum, "\n", name, "_count",
                      LabelText(labels), " ", count, "\n");
    }
  }
  return out;
}

}  // namespace vouch
