// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RegistryHosts: what this process learned about a registry host (host[:port]) at its first
// contact, shared by every RegistryClient of the process: the scheme chosen (https, or plain
// http under the loopback / allow_insecure rule of registry_client.h) and the registry's
// authentication challenge (scheme, realm, service). A client for another repository of a known
// host then makes neither the https attempt (nor, for a plain-http registry, the TLS setup that
// parses the CA bundle) nor GET /v2/.
//
// Keyed by the host exactly as clients reach it (host[:port], "registry-1.docker.io" for
// docker.io): a scheme learned for one host:port is never used for another. Holds no
// credentials and no tokens (those stay in each client: a token's scope is one repository, and
// credentials differ between clients). The client decides whether it may use an entry (a
// remembered plain-http choice only when plain http would be allowed to it, see
// RegistryClient::Base). Entries expire after |ttl| and are forgotten when their host stops
// answering; at most |capacity| hosts (the least recently used goes first). Thread-safe.
#ifndef VOUCH_OCI_REGISTRY_HOSTS_H_
#define VOUCH_OCI_REGISTRY_HOSTS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "oci/auth.h"

namespace vouch::oci {

struct RegistryHostState {
  std::string base;  // "https://host[:port]" or "http://host[:port]"
  // The challenge of the registry's 401 answers; nullopt when none was seen (GET /v2/ was 200).
  std::optional<Challenge> challenge;
};

class RegistryHosts {
 public:
  // The process's instance, used by every RegistryClient.
  static RegistryHosts& Global();

  explicit RegistryHosts(size_t capacity = 256, absl::Duration ttl = absl::Minutes(30))
      : capacity_(capacity), ttl_(ttl) {}

  std::optional<RegistryHostState> Get(absl::string_view host);
  // Remembers |state| for |host| (replacing what was there).
  void Put(absl::string_view host, RegistryHostState state);
  // Updates the challenge of |host| when its entry still has |base| (a 401 with a new challenge).
  void SetChallenge(absl::string_view host, absl::string_view base, const Challenge& challenge);
  // Forgets |host| when its entry still has |base| (it stopped answering there).
  void Forget(absl::string_view host, absl::string_view base);
  void Clear();
  size_t size() const;

 private:
  struct Entry {
    RegistryHostState state;
    absl::Time added;
    uint64_t used = 0;  // a tick of the last Get or Put, for least-recently-used eviction
  };
  const size_t capacity_;
  const absl::Duration ttl_;
  mutable absl::Mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t tick_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace vouch::oci

#endif  // VOUCH_OCI_REGISTRY_HOSTS_H_
