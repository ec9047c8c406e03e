// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/cache.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace vouch::policy {

CachingEngine::CachingEngine(const Engine* engine, AttachmentSource* source,
                             const CacheOptions& options)
    : CachingEngine(std::shared_ptr<const Engine>(engine, [](const Engine*) {}), source, options) {}

CachingEngine::CachingEngine(std::shared_ptr<const Engine> engine, AttachmentSource* source,
                             const CacheOptions& options)
    : source_(source), options_(options), engine_(std::move(engine)) {}

void CachingEngine::Replace(std::shared_ptr<const Engine> engine) {
  std::shared_ptr<const Engine> old;
  std::map<std::string, Entry> dropped;
  {
    absl::MutexLock lock(&mu_);
    old = std::move(engine_);
    engine_ = std::move(engine);
    ++generation_;
    dropped.swap(decisions_);
  }
  // |old| and |dropped| are released here, outside the lock.
}

std::shared_ptr<const Engine> CachingEngine::engine() const {
  absl::MutexLock lock(&mu_);
  return engine_;
}

std::string CachingEngine::policy_version() const { return engine()->policies().version(); }

CacheStats CachingEngine::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

Decision CachingEngine::Evaluate(const Request& request, bool* cached) {
  return *Decide(request, cached, /*may_wait=*/true);
}

std::optional<Decision> CachingEngine::TryWithoutWaiting(const Request& request, bool* cached) {
  return Decide(request, cached, /*may_wait=*/false);
}

std::optional<Decision> CachingEngine::Decide(const Request& request, bool* cached, bool may_wait) {
  if (cached != nullptr) *cached = false;
  std::shared_ptr<const Engine> engine;
  uint64_t generation = 0;
  {
    absl::MutexLock lock(&mu_);
    engine = engine_;
    generation = generation_;
  }
  auto name = ParseImageName(request.image);
  // A malformed name, an untrusted registry or no policy: decided without the registry (and
  // with no request to a registry the policies do not trust).
  if (!name.ok() || !engine->NeedsRegistry(request)) return engine->Evaluate(request);
  const absl::Time now = options_.clock->Now();
  // 1. The digest: given, or the tag resolved at most once per resolve_ttl.
  std::string digest = name->digest;
  if (digest.empty()) {
    const std::string ref = name->Reference();
    {
      absl::MutexLock lock(&mu_);
      auto it = resolved_.find(ref);
      if (it != resolved_.end() && it->second.second > now) digest = it->second.first;
    }
    if (digest.empty()) {
      if (!may_wait) return std::nullopt;
      auto d = source_->Resolve(*name);
      if (!d.ok()) {
        // The engine reports it (fail closed or open by the policies) without asking again.
        return engine->EvaluateResolved(request, d.status());
      }
      digest = *d;
      absl::MutexLock lock(&mu_);
      resolved_[ref] = {digest, now + options_.resolve_ttl};
    }
  }
  // 2. The decision for this digest, policy version and namespace.
  std::string key =
      absl::StrCat(name->Name(), "@", digest, "\n", generation, "\n", engine->policies().version(),
                   "\n", request.ns, request.ns_labels_known ? "" : "\n?");
  for (const auto& [k, v] : request.ns_labels) absl::StrAppend(&key, "\n", k, "=", v);
  std::shared_ptr<InFlight> flight;
  bool owner = false;
  {
    absl::MutexLock lock(&mu_);
    auto it = decisions_.find(key);
    if (it != decisions_.end() && it->second.expires > now) {
      ++stats_.hits;
      if (cached != nullptr) *cached = true;
      Decision d = it->second.decision;
      d.image = request.image;
      return d;
    }
    if (!may_wait) return std::nullopt;
    auto f = in_flight_.find(key);
    if (f != in_flight_.end()) {
      flight = f->second;
      ++stats_.coalesced;
      // Whoever finishes it sets done under mu_, which wakes this Await.
      mu_.Await(absl::Condition(&flight->done));
      if (cached != nullptr) *cached = true;
      Decision d = flight->decision;
      d.image = request.image;
      return d;
    }
    ++stats_.misses;
    ++stats_.evaluations;
    flight = std::make_shared<InFlight>();
    in_flight_[key] = flight;
    owner = true;
  }
  Request by_digest = request;
  by_digest.image =
      absl::StrCat(name->Name(), name->tag.empty() ? "" : ":" + name->tag, "@", digest);
  Decision d = engine->Evaluate(by_digest);
  d.image = request.image;
  {
    absl::MutexLock lock(&mu_);
    if (!d.infrastructure_error && generation == generation_) {
      if (decisions_.size() >= options_.max_entries) {
        // Drop the entries that expire first (a simple bound, not an LRU).
        std::vector<std::pair<absl::Time, std::string>> order;
        for (const auto& [k, e] : decisions_) order.emplace_back(e.expires, k);
        std::sort(order.begin(), order.end());
        for (size_t i = 0; i < order.size() / 2; ++i) decisions_.erase(order[i].second);
      }
      decisions_[key] = Entry{d, now + options_.decision_ttl};
    }
    if (owner) {
      flight->decision = d;
      flight->done = true;
      in_flight_.erase(key);
    }
  }
  return d;
}

}  // namespace vouch::policy
