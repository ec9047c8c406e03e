// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/registry_hosts.h"

#include <utility>

namespace vouch::oci {

RegistryHosts& RegistryHosts::Global() {
  static RegistryHosts* const hosts = new RegistryHosts();
  return *hosts;
}

std::optional<RegistryHostState> RegistryHosts::Get(absl::string_view host) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(host);
  if (it == entries_.end()) return std::nullopt;
  if (absl::Now() - it->second.added >= ttl_) {
    entries_.erase(it);
    return std::nullopt;
  }
  it->second.used = ++tick_;
  return it->second.state;
}

void RegistryHosts::Put(absl::string_view host, RegistryHostState state) {
  if (capacity_ == 0) return;
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(host);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity_) {
      auto oldest = entries_.begin();
      for (auto e = entries_.begin(); e != entries_.end(); ++e) {
        if (e->second.used < oldest->second.used) oldest = e;
      }
      entries_.erase(oldest);
    }
    it = entries_.emplace(std::string(host), Entry{}).first;
  }
  it->second.state = std::move(state);
  it->second.added = absl::Now();
  it->second.used = ++tick_;
}

void RegistryHosts::SetChallenge(absl::string_view host, absl::string_view base,
                                 const Challenge& challenge) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(host);
  if (it != entries_.end() && it->second.state.base == base) it->second.state.challenge = challenge;
}

void RegistryHosts::Forget(absl::string_view host, absl::string_view base) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(host);
  if (it != entries_.end() && it->second.state.base == base) entries_.erase(it);
}

void RegistryHosts::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

size_t RegistryHosts::size() const {
  absl::MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace vouch::oci
