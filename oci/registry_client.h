// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RegistryClient speaks the OCI distribution protocol to one registry: manifests (GET/HEAD/PUT,
// tag -> digest resolution), blobs (GET, HEAD, monolithic and chunked uploads, cross-repository
// mounts), the OCI 1.1 referrers API and tag listing.
//
// Authentication follows the registry's WWW-Authenticate challenge: Basic with the credentials,
// or Bearer through the token realm (GET realm?service=..&scope=.. with Basic credentials, or a
// refresh-token POST for docker "identitytoken" entries), tokens cached per scope until they
// expire. Credentials are the explicit ones, else those in Docker's config.json.
//
// Transport: https with the system store or RegistryOptions::ca_file. Plain http is used only
// when https gets no answer at all and the registry is on a loopback address (127.0.0.0/8,
// ::1, localhost) or RegistryOptions::allow_insecure is set. Token realms follow the same rule.
// The scheme chosen and the registry's challenge are remembered per host[:port] for the process
// (RegistryHosts, oci/registry_hosts.h), so a later client of a known host (another repository)
// makes neither the https attempt nor GET /v2/; a remembered plain-http choice is used only by a
// client that is allowed plain http to that host by the rule above, any other client probes
// (https first) itself. Credentials and tokens stay in each client, never shared.
//
// Integrity: everything read is checked against the digest it was asked for while it streams
// in (a mismatch is DataLoss naming both digests), and bounded (RegistryLimits) before the bytes
// are buffered. Retries with exponential backoff and jitter on 429, 5xx and no answer (honouring
// Retry-After up to max_backoff).
//
// Thread-safe.
#ifndef VOUCH_OCI_REGISTRY_CLIENT_H_
#define VOUCH_OCI_REGISTRY_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "oci/auth.h"
#include "oci/digest.h"
#include "oci/http_client.h"
#include "oci/manifest.h"

namespace vouch::oci {

struct RegistryLimits {
  // Largest manifest or index read (also referrers and tag-list pages).
  uint64_t max_manifest_bytes = 4 << 20;
  // Largest blob read into memory (Sigstore bundles, signature payloads). Streaming reads
  // (ReadBlob) are bounded by the descriptor's size instead.
  uint64_t max_blob_bytes = 16 << 20;
  // Most descriptors in one manifest or index (fan-out).
  size_t max_index_entries = 1024;
  // Most levels of nested indexes followed by walks over an image (copy).
  int max_index_depth = 4;
};

struct RegistryOptions {
  // Used when set; else Docker's config.json (if use_docker_config); else anonymous.
  std::optional<Credentials> credentials;
  bool use_docker_config = true;
  // Default: DefaultDockerConfigPath().
  std::string docker_config_path;
  // PEM CA certificates trusted instead of the system store (--registry-cacert).
  std::string ca_file;
  // Allow plain http to registries (and token realms) that are not on a loopback address.
  bool allow_insecure = false;
  absl::Duration connect_timeout = absl::Seconds(10);
  // Per request (a whole blob transfer is one request).
  absl::Duration timeout = absl::Minutes(5);
  // Attempts per request (or per blob upload) on 429, 5xx and no answer; 1 = no retries.
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(10);
  // Blobs up to this size are uploaded with one PUT, larger ones in PATCH chunks of this size.
  uint64_t chunk_size = 8 << 20;
  RegistryLimits limits;
  std::string user_agent = "vouch";
};

struct FetchedManifest {
  Descriptor descriptor;  // media type, verified digest and size of |bytes|
  std::string bytes;
  // The registry's ETag for it (distribution: "\"sha256:...\""), empty when it sent none;
  // for a conditional PutManifest of the same tag.
  std::string etag;
};

// Conditions of a manifest PUT (RFC 9110 section 13.1), for read-modify-write of a tag such as
// the referrers tag schema index. Registries that honour them refuse a PUT whose condition fails
// with 412; distribution 2.8 ignores both (docs/images.md).
struct PutConditions {
  // If-Match: the ETag of the manifest the new one was made from (the tag must still hold it).
  std::string if_match;
  // If-None-Match: * (the tag must not exist yet).
  bool if_none_match = false;
};

struct PutManifestResult {
  Digest digest;
  // The registry's OCI-Subject header: set by registries that index referrers themselves.
  std::string oci_subject;
};

struct RegistryStats {
  uint64_t requests = 0;        // HTTP requests to the registry, every attempt counted
  uint64_t token_requests = 0;  // HTTP requests to token realms
};

class RegistryClient {
 public:
  // |registry| is a reference's registry ("docker.io", "ghcr.io", "127.0.0.1:5000"); docker.io
  // is reached at registry-1.docker.io. Reads Docker's config when needed: InvalidArgument for a
  // malformed one, Unimplemented when only a credential helper holds this registry's
  // credentials. Makes no request.
  static absl::StatusOr<std::unique_ptr<RegistryClient>> New(absl::string_view registry,
                                                             const RegistryOptions& options = {});

  const std::string& registry() const { return registry_; }
  // "https://host" or "http://host" once the first request chose it (or took it from
  // RegistryHosts), else "".
  std::string base_url() const;
  const RegistryOptions& options() const { return options_; }

  // GET /v2/: OK when the registry answers 200, or 401 (the challenge is remembered). Probes
  // the scheme first unless RegistryHosts knows this host.
  absl::Status Ping();

  // HEAD the manifest at |reference| (a tag or "sha256:..."): its descriptor (media type,
  // Docker-Content-Digest, size). Falls back to GET (and hashes the bytes) when the registry
  // sends no digest. NotFound (with the registry's error message) when there is none.
  absl::StatusOr<Descriptor> Resolve(absl::string_view repository, absl::string_view reference);

  // GET the manifest at |reference|. By digest: the bytes must hash to it. By tag: the digest is
  // computed from the bytes and must equal Docker-Content-Digest when the registry sends one.
  // DataLoss naming both digests otherwise; ResourceExhausted over max_manifest_bytes.
  absl::StatusOr<FetchedManifest> GetManifest(absl::string_view repository,
                                              absl::string_view reference);

  // GET a blob into memory. ResourceExhausted (before any request) when descriptor.size is over
  // max_blob_bytes; DataLoss when the bytes do not hash to descriptor.digest or their count is
  // not descriptor.size.
  absl::StatusOr<std::string> GetBlob(absl::string_view repository, const Descriptor& descriptor);

  // GET a blob and hand it to |consumer| as it arrives; at most descriptor.size bytes are read.
  // Returns DataLoss after the last chunk when the digest or size is wrong, so the consumer must
  // not commit anything before this returns OK.
  absl::Status ReadBlob(absl::string_view repository, const Descriptor& descriptor,
                        const BodyConsumer& consumer);

  // HEAD a blob: whether the repository has it.
  absl::StatusOr<bool> BlobExists(absl::string_view repository, const Digest& digest);

  // Uploads |data| as a blob with this digest unless the repository has it already (HEAD first).
  // InvalidArgument (before any request) when |data| does not hash to |digest|.
  absl::Status PushBlob(absl::string_view repository, const Digest& digest, absl::string_view data);
  // The same from a file (descriptor gives digest and size), in chunks when it is larger than
  // chunk_size; first tries to mount it from |mount_from| (another repository of this registry)
  // when that is not empty.
  absl::Status PushBlobFromFile(absl::string_view repository, const Descriptor& descriptor,
                                const std::string& path, absl::string_view mount_from = "");
  // POST ?mount=&from=: true when the registry mounted the blob (201), false when it did not.
  absl::StatusOr<bool> MountBlob(absl::string_view repository, const Digest& digest,
                                 absl::string_view from_repository);

  // PUT a manifest at |reference| (a tag, or its digest). |bytes| are sent as they are, with
  // |conditions| as headers. FailedPrecondition when the registry answers 412 (a condition
  // failed: the tag changed since it was read).
  absl::StatusOr<PutManifestResult> PutManifest(absl::string_view repository,
                                                absl::string_view reference,
                                                absl::string_view media_type,
                                                absl::string_view bytes,
                                                const PutConditions& conditions = {});

  // GET /v2/<repository>/referrers/<digest>[?artifactType=]: the referrer descriptors (filtered
  // by |artifact_type| here when the registry did not), following Link pages. nullopt when the
  // registry does not implement the API (404).
  absl::StatusOr<std::optional<std::vector<Descriptor>>> Referrers(
      absl::string_view repository, const Digest& subject, absl::string_view artifact_type = "");

  // GET /v2/<repository>/tags/list, following Link pages.
  absl::StatusOr<std::vector<std::string>> ListTags(absl::string_view repository);

  RegistryStats stats() const { return RegistryStats{requests_.load(), token_requests_.load()}; }

 private:
  struct Scope;
  struct Call;
  RegistryClient(std::string registry, std::string host, RegistryOptions options,
                 std::unique_ptr<HttpClient> http, std::optional<Credentials> credentials);

  absl::StatusOr<std::string> Base();
  absl::StatusOr<HttpResponse> Do(const Scope& scope, Call& call);
  absl::Status Authorize(const Scope& scope, const HttpResponse& challenge_response);
  absl::StatusOr<Token> FetchToken(const Challenge& challenge,
                                   const std::vector<std::string>& scopes);
  std::optional<std::string> AuthorizationFor(const Scope& scope);
  absl::Status Error(const HttpResponse& response, absl::string_view method,
                     absl::string_view url) const;
  absl::StatusOr<std::string> Upload(
      const Scope& scope, absl::string_view repository, const Digest& digest, uint64_t size,
      const std::function<absl::StatusOr<std::string>(uint64_t offset, uint64_t n)>& read,
      absl::string_view mount_from);
  std::string Url(absl::string_view base, absl::string_view location) const;
  bool PlainHttpAllowed(absl::string_view host) const;

  const std::string registry_;
  const std::string host_;
  const RegistryOptions options_;
  const std::unique_ptr<HttpClient> http_;
  const std::optional<Credentials> credentials_;

  mutable absl::Mutex mu_;
  std::string base_ ABSL_GUARDED_BY(mu_);
  // The registry's challenge once seen: scheme "basic" or "bearer" with realm/service.
  std::optional<Challenge> challenge_ ABSL_GUARDED_BY(mu_);
  struct CachedToken {
    std::string token;
    absl::Time expires;
  };
  std::map<std::string, CachedToken> tokens_ ABSL_GUARDED_BY(mu_);  // by scope string
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> token_requests_{0};
};

// Whether |host| (host[:port], [v6]:port) names a loopback address.
bool IsLoopbackHost(absl::string_view host);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_REGISTRY_CLIENT_H_
