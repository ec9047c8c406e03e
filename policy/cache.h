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
//  - The engine (and so the policies) can be replaced while serving (Replace): evaluations in
//    progress finish with the engine they started with, later ones use the new one, and no
//    decision made by an earlier engine is served after the swap (the cache is emptied and
//    decisions that finish afterwards under an older engine are not stored).
// Thread-safe.
#ifndef VOUCH_POLICY_CACHE_H_
#define VOUCH_POLICY_CACHE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
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
  // As above, sharing ownership of |engine| (which must not be null).
  CachingEngine(std::shared_ptr<const Engine> engine, AttachmentSource* source,
                const CacheOptions& options = {});

  // Makes |engine| (same AttachmentSource; not null) decide from now on, atomically: a request
  // that starts after Replace returns is decided by |engine|, never from a decision the
  // previous engine made. The previous engine is released once its evaluations in progress end.
  void Replace(std::shared_ptr<const Engine> engine);

  // The engine deciding now (kept alive while the caller holds it).
  std::shared_ptr<const Engine> engine() const;

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

  // The version of the policies deciding now (PolicySet::version).
  std::string policy_version() const;

 private:
  std::optional<Decision> Decide(const Request& request, bool* cached, bool may_wait);

  struct Entry {
    Decision decision;
    absl::Time expires;
  };
  struct InFlight {
    bool done = false;
    Decision decision;
  };
  AttachmentSource* source_;
  const CacheOptions options_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const Engine> engine_ ABSL_GUARDED_BY(mu_);
  // Counts Replace calls; part of every decision key, so an evaluation that started under an
  // earlier engine neither coalesces with nor is stored for later requests.
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // reference -> digest
  std::map<std::string, std::pair<std::string, absl::Time>> resolved_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Entry> decisions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<InFlight>> in_flight_ ABSL_GUARDED_BY(mu_);
  CacheStats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_CACHE_H_
