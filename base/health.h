// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Health: the one place that says whether the server is SERVING or NOT_SERVING, and why.
// Components report problems into it under a key of their own (e.g. "log.append",
// "log.integrity") and clear them when they recover; the HTTP /healthz route and the gRPC health
// service answer from Check(). A problem is either transient (cleared by its component, e.g.
// appends failing until a later commit succeeds) or sticky (an integrity failure: nothing clears
// it but a restart, which runs the start-up check again).
//
//   Health health;
//   health.SetProblem("log.append", "appends failing: storage: disk full");
//   HealthReport r = health.Check();   // r.serving == false, r.reasons names the problem
//   health.ClearProblem("log.append");
//
// A warning (SetWarning) is reported next to the status but does not change it: the server
// works, an operator should still act (e.g. "tuf.targets": the TUF targets no longer list this
// server's trusted root after a key rotation).
//
// Thread-safe. SetProblem/ClearProblem take a short lock; callers on hot paths should call them
// only when their state changes.
#ifndef VOUCH_BASE_HEALTH_H_
#define VOUCH_BASE_HEALTH_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace vouch {

// What Health::Check answers.
struct HealthReport {
  bool serving = true;
  // One line per problem, "<key>: <reason>", in key order; empty when serving.
  std::vector<std::string> reasons;
  // One line per warning, "<key>: <reason>", in key order (whether serving or not).
  std::vector<std::string> warnings;

  // "SERVING" or "NOT_SERVING".
  const char* status() const { return serving ? "SERVING" : "NOT_SERVING"; }
  // 200 when serving, 503 otherwise.
  int http_status() const { return serving ? 200 : 503; }
  // {"status":"SERVING"} or {"status":"NOT_SERVING","reasons":["...", ...]}, with
  // "warnings":["...", ...] added when there are any.
  std::string Json() const;
};

class Health {
 public:
  Health() = default;
  Health(const Health&) = delete;
  Health& operator=(const Health&) = delete;

  // Records (or replaces) the problem under |key|: NOT_SERVING until it is cleared. |sticky|
  // problems are kept by ClearProblem (they need a restart).
  void SetProblem(const std::string& key, const std::string& reason, bool sticky = false);
  // Removes the problem under |key| unless it is sticky; no-op if there is none.
  void ClearProblem(const std::string& key);
  // Records (or replaces) the warning under |key|; the status is unchanged.
  void SetWarning(const std::string& key, const std::string& reason);
  // Removes the warning under |key|; no-op if there is none.
  void ClearWarning(const std::string& key);
  HealthReport Check() const;
  // How many times SetProblem was called (problems reported, including repeats).
  uint64_t problems_reported() const;

 private:
  struct Problem {
    std::string reason;
    bool sticky = false;
  };
  mutable absl::Mutex mu_;
  std::map<std::string, Problem> problems_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> warnings_ ABSL_GUARDED_BY(mu_);
  uint64_t reported_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vouch

#endif  // VOUCH_BASE_HEALTH_H_
