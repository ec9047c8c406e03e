// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/health.h"

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace vouch {

std::string HealthReport::Json() const {
  nlohmann::json j = {{"status", status()}};
  if (!serving) j["reasons"] = reasons;
  if (!warnings.empty()) j["warnings"] = warnings;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Health::SetProblem(const std::string& key, const std::string& reason, bool sticky) {
  absl::MutexLock l(&mu_);
  Problem& p = problems_[key];
  // A sticky problem stays sticky (and keeps its first reason: the first failure found).
  if (!p.sticky) p.reason = reason;
  p.sticky = p.sticky || sticky;
  ++reported_;
}

void Health::ClearProblem(const std::string& key) {
  absl::MutexLock l(&mu_);
  auto it = problems_.find(key);
  if (it != problems_.end() && !it->second.sticky) problems_.erase(it);
}

void Health::SetWarning(const std::string& key, const std::string& reason) {
  absl::MutexLock l(&mu_);
  warnings_[key] = reason;
}

void Health::ClearWarning(const std::string& key) {
  absl::MutexLock l(&mu_);
  warnings_.erase(key);
}

HealthReport Health::Check() const {
  absl::MutexLock l(&mu_);
  HealthReport r;
  r.serving = problems_.empty();
  for (const auto& [key, p] : problems_) r.reasons.push_back(absl::StrCat(key, ": ", p.reason));
  for (const auto& [key, w] : warnings_) r.warnings.push_back(absl::StrCat(key, ": ", w));
  return r;
}

uint64_t Health::problems_reported() const {
  absl::MutexLock l(&mu_);
  return reported_;
}

}  // namespace vouch
