// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for everything that talks to container registries (the oci/ library now; the image
// commands, policy and admission tests later): a real CNCF distribution registry
// (`docker-registry serve`, Debian's docker-registry 2.8) started on 127.0.0.1 with a free port
// and storage in a temporary directory, optionally with htpasswd basic auth, bearer tokens from
// an in-process token server (distribution's `auth: token:` with a test certificate whose key
// signs the JWTs) and TLS from a test CA; test images built with umoci or written directly as
// OCI layouts and pushed with skopeo; and a proxy in front of a registry that can add the OCI
// 1.1 referrers API (distribution 2.8 has none), fail requests, or alter answers.
//
// Processes are stopped by their pid (SIGTERM, then SIGKILL) in the destructors. testonly.
// Each object is thread-compatible; the proxy and token server serve from their own threads.
#ifndef VOUCH_TESTS_REGISTRY_REGISTRY_FIXTURE_H_
#define VOUCH_TESTS_REGISTRY_REGISTRY_FIXTURE_H_

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace httplib {
class Server;
}

namespace vouch::testing {

// Runs |argv| (no shell) and waits; returns its exit status and puts stdout+stderr in |output|.
int RunCommand(const std::vector<std::string>& argv, std::string* output);

// A fresh temporary directory, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct RegistryConfig {
  enum class Auth { kNone, kBasic, kToken };
  Auth auth = Auth::kNone;
  std::string username = "alice";
  std::string password = "s3cret pass";
  bool tls = false;
};

class TokenServer;

class TestRegistry {
 public:
  // Starts docker-registry with |config|; waits until it logs its address.
  static absl::StatusOr<std::unique_ptr<TestRegistry>> Start(const RegistryConfig& config = {});
  ~TestRegistry();

  const std::string& host() const { return host_; }          // "127.0.0.1:PORT"
  const std::string& ca_file() const { return ca_file_; }    // TLS only: the test CA (PEM)
  const std::string& cert_dir() const { return cert_dir_; }  // TLS only: skopeo --*-cert-dir
  const std::string& dir() const { return dir_.path(); }
  const RegistryConfig& config() const { return config_; }
  pid_t pid() const { return pid_; }
  // Token realm URL and the requests it received (scopes as asked), kToken only.
  std::string token_realm() const;
  std::vector<std::string> token_scopes() const;

  // skopeo copy oci:LAYOUT:TAG docker://HOST/REPO:DEST_TAG (with this registry's credentials
  // and CA). |all| copies every image of an index (--all).
  absl::Status PushLayout(const std::string& layout, const std::string& tag,
                          const std::string& repo, const std::string& dest_tag, bool all = false);
  // skopeo copy docker://HOST/REPO:TAG oci:LAYOUT:DEST_TAG.
  absl::Status PullToLayout(const std::string& repo, const std::string& tag,
                            const std::string& layout, const std::string& dest_tag);

 private:
  TestRegistry() = default;
  std::vector<std::string> SkopeoFlags(bool dest) const;

  RegistryConfig config_;
  TempDir dir_;
  std::string host_;
  std::string ca_file_;
  std::string cert_dir_;
  pid_t pid_ = -1;
  std::unique_ptr<TokenServer> token_server_;
};

// An OCI image layout directory with one image under |tag| made by umoci (init, new, unpack,
// a file /hello.txt holding |content|, repack). Returns the image manifest digest.
absl::StatusOr<std::string> UmociImage(const std::string& layout, const std::string& tag,
                                       const std::string& content);

// Writes, without any tool, an OCI image layout holding a multi-platform index under |tag| whose
// entries are one small image per platform ("linux/amd64", "linux/arm64", ...). Returns the
// index digest. Each image's layer is a distinct gzip'ed tar-like byte string.
absl::StatusOr<std::string> WriteMultiArchLayout(const std::string& layout, const std::string& tag,
                                                 const std::vector<std::string>& platforms);

// A proxy in front of a registry (plain http on 127.0.0.1). Forwards every request, rewriting
// Location headers to itself. Options add behaviour a test needs.
class RegistryProxy {
 public:
  struct Options {
    // Serve GET /v2/<repo>/referrers/<digest> from the manifests with a subject PUT through this
    // proxy, and answer such PUTs with OCI-Subject, as OCI 1.1 registries do.
    bool referrers_api = false;
    // Answer the first |fail_first| requests with |fail_status| (and Retry-After when set)
    // instead of forwarding them.
    int fail_first = 0;
    int fail_status = 503;
    std::string retry_after;
    // Called with the path and the body of every 200 GET answer before it is sent; may change
    // the body (a lying registry). Headers (Docker-Content-Digest) stay the upstream's.
    std::function<void(const std::string& path, std::string* body)> rewrite;
    // Never answer requests whose path contains this (a stalled registry), when not empty.
    std::string stall_path;
    // Honour If-Match / If-None-Match: * on manifest PUTs by tag as RFC 9110 says (412 when the
    // tag's current digest, as its ETag "\"sha256:...\"", does not match), which distribution
    // 2.8 does not; the check and the PUT are atomic with respect to each other.
    bool honour_conditions = false;
    // Answer the first |reject_conditional| conditional manifest PUTs with 412 whatever they
    // say (a concurrent writer got in between).
    int reject_conditional = 0;
  };
  static absl::StatusOr<std::unique_ptr<RegistryProxy>> Start(const std::string& upstream_host,
                                                              Options options);
  ~RegistryProxy();

  const std::string& host() const { return host_; }
  // Requests received, by "METHOD path" (path without query).
  std::vector<std::string> requests() const;
  void ClearRequests();
  // Every manifest PUT: "PUT path If-Match=<value> If-None-Match=<value> -> status".
  std::vector<std::string> manifest_puts() const;

 private:
  RegistryProxy() = default;
  std::string upstream_;
  Options options_;
  std::string host_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<int> failed_{0};
  std::atomic<int> rejected_{0};
  absl::Mutex put_mu_;  // makes a conditional check and its PUT one step
  std::atomic<bool> stopping_{false};
  mutable absl::Mutex mu_;
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> manifest_puts_ ABSL_GUARDED_BY(mu_);
  // repo + "@" + subject digest -> referrer descriptors (JSON text)
  std::map<std::string, std::vector<std::string>> referrers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch::testing

#endif  // VOUCH_TESTS_REGISTRY_REGISTRY_FIXTURE_H_
