// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CachingEngine: an Engine in front of a decision cache, for the admission webhook (where the
// same images are checked again and again, often by many pods at once).
//  - A tag is resolved to a digest at most once per resolve_ttl (tags move; digests do not),
//    and only for images the engine needs the registry for (Engine::NeedsRegistry): an image
//    from an untrusted registry, or one no policy applies to, is decided with no registry
//    request. A failed resolution is decided from that one error (no second attempt).
//  - Decisions are cached by (repository, digest, policy version, namespace and its labels) for
//    decision_ttl; a new policy version misses the cache. Decisions that came from an
//    infrastructure error (registry down) are not cached.
//  - Concurrent checks of one key are coalesced: one evaluation, every caller gets its decision.
// Thread-safe.
#ifndef VOUCH_POLICY_CACHE_H_
#define VOUCH_POLICY_CACHE_H_

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "base/clock.h"
#include "policy/engine.h"

namespace vouch::policy {

struct CacheOptions {
  absl::Duration resolve_ttl = absl::Seconds(30);
  absl::Duration decision_ttl = absl::Minutes(10);
  size_t max_entries = 100000;  // beyond: the oldest half is dropped
  vouch::Clock* clock = vouch::Clock::Real();
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t coalesced = 0;  // callers that waited for another's evaluation
  uint64_t evaluations = 0;
};

class CachingEngine {
 public:
  // |engine| and |source| (the engine's source) must outlive this.
  CachingEngine(const Engine* engine, AttachmentSource* source, const CacheOptions& options = {});

  // The decision for |request|, from the cache when fresh. |cached| (optional) says whether it
  // came from the cache or another caller's evaluation.
  Decision Evaluate(const Request& request, bool* cached = nullptr);

  // The decision for |request| if it can be had without waiting: from the cache (its tag
  // resolved within resolve_ttl and its decision fresh), or made by the engine with no registry
  // request (a malformed name, an untrusted registry, no policy). nullopt when Evaluate would
  // ask the registry or wait for another caller's evaluation. Lets a caller with several images
  // answer the cached ones inline and spend threads only on the others.
  std::optional<Decision> TryWithoutWaiting(const Request& request, bool* cached = nullptr);

  CacheStats stats() const;

  const PolicySet& policies() const { return engine_->policies(); }

 private:
  std::optional<Decision> Decide(const Request& request, bool* cached, bool may_wait);

  struct Entry {
    Decision decision;
    absl::Time expires;
  };
  struct InFlight {
    bool done = false;
    Decision decision;
    std::condition_variable cv;
  };
  const Engine* engine_;
  AttachmentSource* source_;
  const CacheOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::pair<std::string, absl::Time>> resolved_;  // reference -> digest
  std::map<std::string, Entry> decisions_;
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_;
  CacheStats stats_;
};

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_CACHE_H_
