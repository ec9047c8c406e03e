// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Vouchd: the server process's parts wired together: the data directory (locked against a second
// server), the HTTP front, the gRPC front and the services hosted on them. tools/vouchd_main.cc
// parses flags into Options; tests start it in-process the same way. Thread-safe.
#ifndef VOUCH_SERVER_VOUCHD_H_
#define VOUCH_SERVER_VOUCHD_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/health.h"
#include "base/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "signer/crypto.h"

namespace grpc {
class Server;
}
namespace vouch::log {
class BackgroundVerifier;
class CtLog;
class Log;
class LogService;
class LogStorage;
class CertificateStore;
class SqliteStorage;
class PostgresStorage;
struct ClusterOptions;
}  // namespace vouch::log
namespace vouch::signer {
class OpenSslSigner;
class CaService;
}  // namespace vouch::signer
namespace vouch::policy {
class CachingEngine;
class Engine;
class ImageSource;
class PolicySet;
}  // namespace vouch::policy
namespace vouch::server {
class AdmissionWebhook;
class CaGrpcService;
class CertificateRecorder;
class WitnessCollector;
class LogGrpcService;
class StaticPublisher;
class TufService;
}  // namespace vouch::server

namespace vouch::server {

inline constexpr char kVersion[] = "0.1.0";

struct Options {
  // Holds the key files (and the SQLite database unless |storage| names another); created
  // (mode 0700) if absent.
  std::string data_dir;
  // Where the log and the CA's records live: empty, a path or a "file:" URL for SQLite (default
  // DATA_DIR/vouch.db), or a PostgreSQL URL ("postgres://user@host:port/db?...",
  // log/postgres_storage.h), whose schema vouchd creates and migrates itself.
  std::string storage;
  std::string http_addr = "127.0.0.1:8080";
  std::string grpc_addr = "127.0.0.1:8081";
  // When set, written once serving: {"http": "H:P", "grpc": "H:P", "pid": N, "data_dir": ...}.
  std::string ready_file;
  // The event-driven HTTP front (http/server.h): body limit, deadlines, connection cap, threads.
  http::ServerOptions http;
  // Most threads the gRPC front runs its synchronous (read) methods on; more concurrent calls
  // than this wait or get RESOURCE_EXHAUSTED. Appends use gRPC's callback API and hold no thread
  // while they wait to be durable (server/log_grpc.h). Idle threads are kept (up to this many)
  // instead of being exited and re-created per request.
  int grpc_max_threads = 512;

  // The log: checkpoint origin (default "<log name> - <first 16 hex of the log id>"), the key
  // type generated on first start (ecdsa-p256 or ed25519), group-commit batch size and linger.
  // Origin and name are fixed when the log is created and stored with it: a restart keeps them
  // whatever the addresses, and a value here that contradicts the stored one is refused.
  std::string log_origin;
  // The checkpoint signer name (no spaces); default for a new log: the HTTP host. sigstore-js
  // requires the trusted root's log baseUrl to contain it.
  std::string log_name;
  // Start a new log although a log key exists (its database being gone, empty or unreadable):
  // the old key, database remains and published checkpoint are moved aside
  // (server/data_dir.h). Refused while vouch.db holds a readable log.
  bool new_log = false;
  // Entries per second the background verifier checks (log/integrity.h); 0: off.
  double verify_rate = 1000;
  signer::KeyType log_key_type = signer::KeyType::kEcdsaP256;
  size_t log_max_batch = 1024;
  absl::Duration log_linger = absl::ZeroDuration();
  size_t log_max_pending = 65536;  // LogOptions::max_pending
  // With PostgreSQL storage, front ends share the database and one sequences at a time under a
  // lease of this length (log/log.h ClusterOptions::lease_ttl: the takeover time after a
  // sequencer dies).
  absl::Duration sequencer_lease = absl::Seconds(3);

  // The CA, timestamp authority and trust-root endpoints (signer/ca_service.h).
  bool enable_ca = true;
  // With the CA: its certificate transparency log (log/ct_log.h, RFC 6962 at /ct/v1/; files
  // DATA_DIR/ct.db, ct_key.pem, ct_published_checkpoint): every certificate carries an SCT and
  // the trusted root lists the CT log. Off: certificates without SCTs, no ctlogs.
  bool enable_ct = true;
  // Before starting: retire the CT log and its key (server/data_dir.h RetireCtLog) and start a new
  // CT log under a new key; the trusted root lists the old key until the retirement time.
  bool rotate_ct_key = false;
  // Issuer configuration file (docs/ca.md); empty = only |oidc_issuers|.
  std::string issuers_config;
  // Extra trusted OIDC issuers by URL (discovery; email identities; audience "sigstore"),
  // e.g. the vouch-dev-oidc that tools/run starts.
  std::vector<std::string> oidc_issuers;
  // How clients reach this server (trustedRoot, signingConfig); default http://<HTTP address>.
  std::string public_url;
  // CA key in a PKCS#11 token (module path, key URI, PIN); empty URI = key file.
  std::string pkcs11_module;
  std::string pkcs11_key_uri;
  std::string pkcs11_pin;

  // The Kubernetes admission webhook (docs/policy.md): served when admission_policy is set, on
  // admission_addr over HTTPS with the given certificate chain and key (TLS 1.2+).
  std::string admission_policy;  // a policy file or directory
  std::string admission_addr = "127.0.0.1:8443";
  std::string admission_tls_cert;
  std::string admission_tls_key;
  // Default trusted root for policies that name none; empty: this vouchd's own (with the CA).
  std::string admission_trusted_root;
  std::string admission_audit_log;
  std::string admission_namespace_labels;
  // --witness URL,VKEY pairs (server/witness_collector.h): checkpoints sent to these C2SP
  // witnesses, the cosigned one served at GET /checkpoint/witnessed.
  std::vector<std::string> witnesses;

  // The TUF mirror at /tuf/ (server/tuf_http.h, docs/trust.md): the repository directory
  // (default DATA_DIR/tuf) written by vouch-tuf, or with PostgreSQL |storage| the schema
  // "vouch_tuf" of that database (|tuf_dir| must then be empty); online keys
  // DATA_DIR/tuf_{snapshot,timestamp}_key.pem.
  bool enable_tuf = true;
  std::string tuf_dir;

  // Static reads (server/static_publisher.h, docs/operations.md): when set, the checkpoint, tiles
  // and entry bundles are published to this directory for a plain web server to serve.
  std::string publish_dir;

  // The system clock (tests: a FakeClock); must outlive the Vouchd. What vouchd signs (the log's
  // integrated times and checkpoints, certificate validity, TSA genTime) takes its time from one
  // MonotonicClock over it, raised at start to the newest checkpoint's time: the signed times
  // never run backwards and agree with each other when this clock is set back.
  Clock* clock = Clock::Real();
};

class Vouchd {
 public:
  // Prepares the data directory and binds both ports; serves after Start().
  // InvalidArgument for bad addresses, FailedPrecondition for an unusable or locked data
  // directory, Unavailable for a port that cannot be bound.
  static absl::StatusOr<std::unique_ptr<Vouchd>> New(const Options& options);
  ~Vouchd();

  // Serves on background threads and writes the ready file.
  absl::Status Start();
  // Stops serving; idempotent.
  void Stop();

  // Re-reads what the admission webhook was started with (tools/vouchd_main.cc calls it on
  // SIGHUP): the policies (--admission-policy, with their trusted roots and keys), the namespace
  // labels file and the TLS certificate and key. Each is validated first and swapped atomically
  // on success; on failure the one in use stays, the error is logged and counted in
  // vouch_admission_reloads_total{what, result="error"}. New policies take effect for the next
  // review (no decision of the old policies is served from the cache); the new certificate for
  // new TLS connections. The first error, naming the flag; OK when all reloaded (or there is no
  // webhook).
  absl::Status Reload();

  std::string http_address() const;
  std::string grpc_address() const;
  // "HOST:PORT" of the admission webhook's HTTPS listener; "" when not serving one.
  std::string admission_address() const;
  log::Log* transparency_log() const { return log_.get(); }
  // The certificate transparency log; null without the CA or with enable_ct off.
  log::CtLog* ct_log() const { return ct_log_.get(); }
  // Where the artifact log reports (the CT log reports to ct_health(); /healthz and the gRPC
  // health service answer from both, the CT log's reasons prefixed "ct.").
  Health& health() { return health_; }
  Health& ct_health() { return ct_health_; }
  HealthReport CheckHealth() const;
  signer::CaService* ca() const { return ca_.get(); }

 private:
  class HealthService;
  explicit Vouchd(const Options& options);
  absl::Status Init();
  absl::Status WriteReadyFile() const;
  // Every HTTP route, in one Router: /healthz, /api/v1/version, /metrics, the log's, the CA's.
  void AddRoutes();
  absl::Status OpenLog(const std::string& http_host);
  // The cluster options of a log on PostgreSQL, with gauges <metric_prefix>_sequencing and
  // <metric_prefix>_sequencer_takeovers.
  log::ClusterOptions ClusterOptionsFor(const std::string& metric_prefix);
  absl::Status OpenCtLog(const std::string& http_host);
  absl::Status OpenCa();
  absl::Status OpenAdmission();
  absl::Status OpenTuf();

  Options options_;
  int lock_fd_ = -1;
  Metrics metrics_;
  Health health_;
  std::unique_ptr<MonotonicClock> signing_clock_;
  std::unique_ptr<log::LogStorage> storage_;
  log::CertificateStore* certificates_ = nullptr;  // The same object as storage_.
  // With PostgreSQL storage: the same object as storage_, shared with other front ends.
  log::PostgresStorage* cluster_ = nullptr;
  std::string cluster_holder_;  // This process run's lease holder name.
  // The PostgreSQL schema of the CT log (the artifact log's is "vouch").
  static constexpr char kCtSchema[] = "vouch_ct";
  std::string storage_name_;  // The database for messages: a path or a redacted URL.
  std::unique_ptr<signer::OpenSslSigner> log_key_;
  std::unique_ptr<log::Log> log_;
  std::unique_ptr<log::BackgroundVerifier> verifier_;
  std::unique_ptr<log::LogService> log_service_;
  std::unique_ptr<StaticPublisher> publisher_;  // With --publish-dir.
  std::unique_ptr<CertificateRecorder> recorder_;
  std::unique_ptr<WitnessCollector> witnesses_;
  // The certificate transparency log, on its own storage and key.
  Health ct_health_;
  std::unique_ptr<log::LogStorage> ct_storage_;
  std::unique_ptr<signer::OpenSslSigner> ct_key_;
  std::unique_ptr<log::CtLog> ct_log_;
  std::unique_ptr<log::BackgroundVerifier> ct_verifier_;
  absl::Time ct_created_;
  std::unique_ptr<signer::CaService> ca_;
  http::Router router_;
  std::unique_ptr<http::Server> http_;  // Serves router_.
  // The admission webhook (docs/policy.md), on its own HTTPS listener.
  std::string admission_default_trusted_root_;  // for policies that name none
  std::unique_ptr<policy::ImageSource> admission_source_;
  std::unique_ptr<policy::CachingEngine> admission_cache_;
  std::unique_ptr<AdmissionWebhook> admission_;
  http::Router admission_router_;
  std::unique_ptr<http::Server> admission_http_;
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<LogGrpcService> log_grpc_;
  std::unique_ptr<CaGrpcService> ca_grpc_;
  std::unique_ptr<TufService> tuf_;
  std::unique_ptr<grpc::Server> grpc_;
  std::string grpc_host_;
  int grpc_port_ = 0;
  bool stopped_ = false;
};

// Creates |dir| (mode 0700) if it does not exist and checks that it is a writable directory. An
// existing directory that group or others can access is changed to owner-only (logged);
// FailedPrecondition if that fails.
absl::Status PrepareDataDir(const std::string& dir);

// Writes |contents| to |path| atomically (temporary file, fsync, rename) with |mode|.
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents, int mode);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_VOUCHD_H_
