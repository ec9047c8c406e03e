// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/vouchd.h"
#include "server/witness_collector.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/logging.h"
#include "base/status.h"
#include "grpcpp/grpcpp.h"
#include "log/ct_log.h"
#include "log/integrity.h"
#include "log/log.h"
#include "log/log_service.h"
#include "log/postgres_storage.h"
#include "log/sqlite_storage.h"
#include "nlohmann/json.hpp"
#include "openssl/rand.h"
#include "policy/cache.h"
#include "policy/engine.h"
#include "policy/image_source.h"
#include "policy/policy.h"
#include "proto/health.grpc.pb.h"
#include "server/admission.h"
#include "server/ca_grpc.h"
#include "server/ca_http.h"
#include "server/certificate_recorder.h"
#include "server/ct_http.h"
#include "server/data_dir.h"
#include "server/log_grpc.h"
#include "server/log_http.h"
#include "server/static_publisher.h"
#include "server/tuf_http.h"
#include "signer/ca_service.h"
#include "signer/openssl_crypto.h"
#include "tuf/postgres_metadata_store.h"

namespace vouch::server {

class Vouchd::HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(const Vouchd* vouchd) : vouchd_(vouchd) {}
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    if (!request->service().empty()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("service: unknown service '", request->service(), "'"));
    }
    response->set_status(vouchd_->CheckHealth().serving
                             ? grpc::health::v1::HealthCheckResponse::SERVING
                             : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }

 private:
  const Vouchd* vouchd_;
};

HealthReport Vouchd::CheckHealth() const {
  HealthReport report = health_.Check();
  const HealthReport ct = ct_health_.Check();
  if (!ct.serving) {
    report.serving = false;
    for (const std::string& reason : ct.reasons) report.reasons.push_back("ct." + reason);
  }
  for (const std::string& warning : ct.warnings) report.warnings.push_back("ct." + warning);
  return report;
}

absl::Status PrepareDataDir(const std::string& dir) {
  if (dir.empty()) return absl::InvalidArgumentError("--data-dir is required");
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || ::mkdir(dir.c_str(), 0700) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("--data-dir=", dir, ": cannot create: ", std::strerror(errno)));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("--data-dir=", dir, ": not a directory"));
  } else if ((st.st_mode & 077) != 0) {
    // The database and keys are owner-only; so is the directory that holds them.
    if (::chmod(dir.c_str(), st.st_mode & 0700) != 0) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "--data-dir=%s: mode %o gives group/others access and chmod %o failed: %s", dir,
          st.st_mode & 0777, st.st_mode & 0700, std::strerror(errno)));
    }
    VLOG_WARNING << "--data-dir=" << dir << ": mode " << absl::StrFormat("%o", st.st_mode & 0777)
                 << " gave group/others access; changed to "
                 << absl::StrFormat("%o", st.st_mode & 0700);
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data-dir=", dir, ": not writable: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents, int mode) {
  return vouch::WriteFileAtomically(path, contents, mode);
}

absl::StatusOr<std::unique_ptr<Vouchd>> Vouchd::New(const Options& options) {
  std::unique_ptr<Vouchd> d(new Vouchd(options));
  VOUCH_RETURN_IF_ERROR(d->Init());
  return d;
}

Vouchd::Vouchd(const Options& options) : options_(options) {}

Vouchd::~Vouchd() {
  Stop();
  ca_.reset();
  ct_verifier_.reset();
  ct_log_.reset();
  ct_storage_.reset();
  recorder_.reset();
  log_service_.reset();
  publisher_.reset();
  verifier_.reset();
  log_.reset();
  storage_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::Status Vouchd::Init() {
  std::string http_host, grpc_host;
  int http_port = 0, grpc_port = 0;
  VOUCH_RETURN_IF_ERROR(
      http::ParseHostPort(options_.http_addr, "http-addr", &http_host, &http_port));
  VOUCH_RETURN_IF_ERROR(
      http::ParseHostPort(options_.grpc_addr, "grpc-addr", &grpc_host, &grpc_port));
  VOUCH_RETURN_IF_ERROR(PrepareDataDir(options_.data_dir));

  const std::string lock_path = options_.data_dir + "/vouchd.lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(lock_path, ": cannot open: ", std::strerror(errno)));
  }
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return absl::FailedPreconditionError(absl::StrCat("--data-dir=", options_.data_dir,
                                                      ": in use by another vouchd (", lock_path,
                                                      " is locked)"));
  }

  VOUCH_RETURN_IF_ERROR(OpenLog(http_host));
  // Bound first (the CA's public URL names the actual port); routes are added before Start().
  VOUCH_ASSIGN_OR_RETURN(http_, http::Server::New(http_host, http_port, &router_, options_.http));
  if (options_.enable_ca && options_.enable_ct) VOUCH_RETURN_IF_ERROR(OpenCtLog(http_host));
  if (options_.enable_ca) VOUCH_RETURN_IF_ERROR(OpenCa());
  AddRoutes();
  VOUCH_ASSIGN_OR_RETURN(witnesses_, NewVouchdWitnessing(options_.witnesses, log_.get(), &router_));
  if (options_.enable_tuf) VOUCH_RETURN_IF_ERROR(OpenTuf());
  VOUCH_RETURN_IF_ERROR(OpenAdmission());

  health_service_ = std::make_unique<HealthService>(this);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      absl::StrCat(
          grpc_host.find(':') != std::string::npos ? absl::StrCat("[", grpc_host, "]") : grpc_host,
          ":", grpc_port),
      grpc::InsecureServerCredentials(), &grpc_port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.http.max_body_bytes));
  // The sync server exits a worker thread after each call once more than MAX_POLLERS (default 2)
  // are idle, so many concurrent calls meant a thread created and destroyed per request, much of
  // the CPU in clone/mmap/munmap (docs/benchmarks.md, "Log appends"). Keep them.
  grpc::ResourceQuota quota("vouchd");
  quota.SetMaxThreads(options_.grpc_max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options_.grpc_max_threads);
  builder.RegisterService(health_service_.get());
  log_grpc_ = std::make_unique<LogGrpcService>(log_service_.get(), &metrics_);
  builder.RegisterService(log_grpc_.get());
  if (ca_ != nullptr) {
    ca_grpc_ = std::make_unique<CaGrpcService>(ca_.get());
    builder.RegisterService(ca_grpc_.get());
  }
  grpc_ = builder.BuildAndStart();
  if (grpc_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options_.grpc_addr));
  }
  grpc_host_ = grpc_host;
  return absl::OkStatus();
}

namespace {

// The lease holder name of this process run: host, pid and random bytes (a restarted process is
// another holder, so its lease token is a new one).
std::string ClusterHolder() {
  char host[256] = {0};
  if (::gethostname(host, sizeof(host) - 1) != 0) std::strcpy(host, "unknown");
  std::string random(6, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), random.size()) != 1) {
    random = absl::StrCat(absl::ToUnixNanos(absl::Now()));
  }
  return absl::StrCat(host, ":", ::getpid(), ":", absl::BytesToHexString(random));
}

}  // namespace

log::ClusterOptions Vouchd::ClusterOptionsFor(const std::string& metric_prefix) {
  log::ClusterOptions co;
  if (cluster_holder_.empty()) cluster_holder_ = ClusterHolder();
  co.holder = cluster_holder_;
  co.lease_ttl = options_.sequencer_lease;
  co.lease_retry = std::min(absl::Milliseconds(500), options_.sequencer_lease / 4);
  // Shared with the gauge, which may be rendered after the log is gone.
  auto sequencing = std::make_shared<std::atomic<int>>(0);
  auto takeovers = std::make_shared<std::atomic<uint64_t>>(0);
  metrics_.Gauge(metric_prefix + "_sequencing",
                 "1 while this front end sequences the log (holds the sequencer lease).",
                 [sequencing] { return static_cast<double>(sequencing->load()); });
  metrics_.Gauge(metric_prefix + "_sequencer_takeovers",
                 "Times this front end took the sequencer lease.",
                 [takeovers] { return static_cast<double>(takeovers->load()); });
  co.on_role = [sequencing, takeovers](bool now) {
    sequencing->store(now ? 1 : 0);
    if (now) takeovers->fetch_add(1);
  };
  return co;
}

absl::Status Vouchd::OpenLog(const std::string& http_host) {
  const LogFiles files = LogFiles::In(options_.data_dir);
  bool new_key = false;
  if (options_.storage.empty()) {
    // A key without its log (vouch.db gone or empty) never starts a new tree under that key.
    VOUCH_ASSIGN_OR_RETURN(new_key,
                           PrepareLogFiles(options_.data_dir, options_.new_log, absl::Now()));
    auto storage = log::SqliteStorage::Open(files.db);
    if (!storage.ok()) {
      return new_key ? storage.status()
                     : absl::FailedPreconditionError(
                           absl::StrCat(storage.status().message(), "; ", kLogFilesAdvice));
    }
    certificates_ = storage->get();
    storage_ = std::move(*storage);
    storage_name_ = files.db;
  } else if (log::IsPostgresUrl(options_.storage)) {
    storage_name_ = log::RedactPostgresUrl(options_.storage);
    if (options_.new_log) {
      return absl::InvalidArgumentError(
          "--new-log works on DATA_DIR/vouch.db only; for PostgreSQL start the new log in a new "
          "database or schema (?options=... or another database in --storage)");
    }
    struct stat st;
    if (::stat(files.key.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return absl::FailedPreconditionError(absl::StrCat(files.key, ": ", std::strerror(errno)));
      }
      new_key = true;
    }
    log::PostgresOptions po;
    // A paused or cut-off sequencer's open transaction (holding the lease row) is ended by the
    // server well within the lease, so another front end can take over.
    po.idle_in_transaction_timeout = options_.sequencer_lease / 2;
    auto storage = log::PostgresStorage::Open(options_.storage, po);
    if (!storage.ok()) return Annotate(storage.status(), "--storage " + storage_name_);
    certificates_ = storage->get();
    cluster_ = storage->get();
    storage_ = std::move(*storage);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--storage=\"", options_.storage,
                     "\": want a postgres:// or postgresql:// URL (leave it empty for SQLite in "
                     "DATA_DIR/vouch.db)"));
  }
  VOUCH_ASSIGN_OR_RETURN(std::optional<log::LogIdentity> stored,
                         log::Log::StoredIdentity(storage_.get()));
  if (new_key && stored.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        storage_name_, " holds a log but its key ", files.key,
        " is missing: restore the key file from your backup (a new key cannot continue the log)"));
  }
  if (!new_key && !stored.has_value() && !options_.storage.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(
        files.key, " exists but ", storage_name_,
        " holds no log: the log this key signed is gone, and a new log under the same key would "
        "contradict every checkpoint it signed; restore the database from a backup, or move the "
        "key aside to start a new log"));
  }
  VOUCH_ASSIGN_OR_RETURN(log_key_,
                         signer::OpenSslSigner::LoadOrCreate(files.key, options_.log_key_type));
  log::LogOptions lo;
  VOUCH_ASSIGN_OR_RETURN(log::LogIdentity identity,
                         LogIdentityFor(stored, options_.log_name, options_.log_origin, http_host,
                                        log_key_->PublicKeyDer(), storage_name_));
  lo.origin = identity.origin;
  lo.signer_name = identity.signer_name;
  lo.create_if_missing = new_key;
  lo.published_checkpoint_path = files.published_checkpoint;
  lo.health = &health_;
  lo.max_batch = options_.log_max_batch;
  HistogramCell* batch_sizes =
      metrics_.Histogram("vouch_log_batch_size", "Entries per group commit.", {},
                         {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096});
  HistogramCell* commit_seconds = metrics_.Histogram(
      "vouch_log_commit_seconds", "Group commit time (sequence to durable).", {});
  lo.on_commit = [batch_sizes, commit_seconds](size_t n, absl::Duration d) {
    batch_sizes->Observe(static_cast<double>(n));
    commit_seconds->Observe(absl::ToDoubleSeconds(d));
  };
  lo.linger = options_.log_linger;
  lo.max_pending = options_.log_max_pending;
  signing_clock_ = std::make_unique<MonotonicClock>(options_.clock);
  lo.clock = signing_clock_.get();
  if (cluster_ != nullptr) {
    lo.cluster = cluster_;
    lo.cluster_options = ClusterOptionsFor("vouch_log");
  } else {
    // With SQLite this one vouchd always sequences (the same gauges, so alerts work for both).
    metrics_.Gauge("vouch_log_sequencing",
                   "1 while this front end sequences the log (holds the sequencer lease).",
                   [] { return 1.0; });
    metrics_.Gauge("vouch_log_sequencer_takeovers",
                   "Times this front end took the sequencer lease.", [] { return 0.0; });
  }
  auto log = log::Log::Open(storage_.get(), log_key_.get(), lo);
  if (!log.ok()) {
    const absl::Status& s = log.status();
    if (!absl::IsDataLoss(s) && !absl::IsFailedPrecondition(s)) return Annotate(s, storage_name_);
    return absl::Status(s.code(),
                        absl::StrCat(storage_name_, ": ", s.message(), "; ", kLogFilesAdvice));
  }
  log_ = std::move(*log);
  signing_clock_->AtLeast(absl::FromUnixSeconds(log_->Latest().timestamp));
  if (options_.verify_rate > 0) {
    log::BackgroundVerifierOptions vo;
    vo.entries_per_second = options_.verify_rate;
    VOUCH_ASSIGN_OR_RETURN(verifier_,
                           log::BackgroundVerifier::Start(log_.get(), storage_.get(), vo));
  }
  log::LogServiceOptions so;
  so.max_entry_bytes = options_.http.max_body_bytes;
  VOUCH_ASSIGN_OR_RETURN(log_service_, log::LogService::New(log_.get(), &metrics_, so));
  if (!options_.publish_dir.empty()) {
    StaticPublisherOptions po;
    po.dir = options_.publish_dir;
    po.health = &health_;
    po.metrics = &metrics_;
    auto publisher = StaticPublisher::New(log_.get(), po);
    if (!publisher.ok()) return Annotate(publisher.status(), "--publish-dir");
    publisher_ = *std::move(publisher);
  }
  return absl::OkStatus();
}

namespace {

// Reads (or on first start records) when the log in |storage| was created: the start of its key's
// validity window in the trusted root.
absl::StatusOr<absl::Time> LogCreated(log::LogStorage* storage) {
  std::optional<std::string> created;
  VOUCH_RETURN_IF_ERROR(storage->ReadTx([&](log::LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(created, r.ReadMeta("log_created"));
    return absl::OkStatus();
  }));
  int64_t created_unix = 0;
  // Log::Open records it when it creates a log; only a log created before that lacks it.
  if (!created.has_value() || !absl::SimpleAtoi(*created, &created_unix)) {
    created_unix = absl::ToUnixSeconds(absl::Now()) - 60;
    VOUCH_RETURN_IF_ERROR(storage->WriteTx(
        [&](log::LogWriter& w) { return w.WriteMeta("log_created", absl::StrCat(created_unix)); }));
  }
  return absl::FromUnixSeconds(created_unix);
}

}  // namespace

absl::Status Vouchd::OpenCtLog(const std::string& http_host) {
  const LogFiles files = LogFiles::Ct(options_.data_dir);
  if (options_.rotate_ct_key && cluster_ != nullptr) {
    return absl::InvalidArgumentError(
        "--rotate-ct-key works on DATA_DIR/ct.db only: with PostgreSQL the CT log is the "
        "database's vouch_ct schema; to start a new CT log, move ct_key.pem aside and drop or "
        "rename that schema on every front end's database first (docs/ct.md)");
  }
  if (options_.rotate_ct_key) {
    VOUCH_RETURN_IF_ERROR(RetireCtLog(options_.data_dir, absl::Now()).status());
  }
  // As for the artifact log: a CT key whose log is gone never starts a second tree.
  bool new_key = false;
  std::string ct_name = files.db;
  log::PostgresStorage* ct_cluster = nullptr;
  if (cluster_ == nullptr) {
    VOUCH_ASSIGN_OR_RETURN(new_key, PrepareLogFiles(files, false, absl::Now()));
    auto storage = log::SqliteStorage::Open(files.db);
    if (!storage.ok()) {
      return new_key ? storage.status()
                     : absl::FailedPreconditionError(
                           absl::StrCat(storage.status().message(), "; ", files.advice));
    }
    ct_storage_ = std::move(*storage);
  } else {
    // With PostgreSQL the CT log lives in the same database (schema vouch_ct), so one backup is
    // the whole state, and its front ends share it as they share the artifact log.
    ct_name = absl::StrCat(storage_name_, " schema ", kCtSchema);
    struct stat st;
    if (::stat(files.key.c_str(), &st) != 0) {
      if (errno != ENOENT) {
        return absl::FailedPreconditionError(absl::StrCat(files.key, ": ", std::strerror(errno)));
      }
      new_key = true;
    }
    log::PostgresOptions po;
    po.schema = kCtSchema;
    po.idle_in_transaction_timeout = options_.sequencer_lease / 2;
    auto storage = log::PostgresStorage::Open(options_.storage, po);
    if (!storage.ok()) return Annotate(storage.status(), "--storage " + ct_name);
    ct_cluster = storage->get();
    ct_storage_ = std::move(*storage);
  }
  VOUCH_ASSIGN_OR_RETURN(std::optional<log::LogIdentity> stored,
                         log::Log::StoredIdentity(ct_storage_.get()));
  if (new_key && stored.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        ct_name, " holds a CT log but its key ", files.key,
        " is missing: restore the key file from your backup (a new key cannot continue the log)"));
  }
  if (ct_cluster != nullptr && !new_key && !stored.has_value()) {
    return absl::FailedPreconditionError(absl::StrCat(
        files.key, " exists but ", ct_name,
        " holds no CT log: the log this key signed is gone; restore the database from a backup, "
        "or move the key aside to start a new CT log"));
  }
  // RFC 6962 allows ECDSA P-256 (or RSA) log keys.
  VOUCH_ASSIGN_OR_RETURN(
      ct_key_, signer::OpenSslSigner::LoadOrCreate(files.key, signer::KeyType::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(
      log::LogIdentity identity,
      LogIdentityFor(stored, "", "", http_host, ct_key_->PublicKeyDer(), ct_name));
  log::CtLogOptions co;
  co.log.origin = identity.origin;
  co.log.signer_name = identity.signer_name;
  co.log.create_if_missing = new_key;
  co.log.published_checkpoint_path = files.published_checkpoint;
  co.log.health = &ct_health_;
  co.log.max_batch = options_.log_max_batch;
  co.log.linger = options_.log_linger;
  co.log.max_pending = options_.log_max_pending;
  // SCT timestamps come from the clock certificates and the log sign with (never backwards).
  co.log.clock = signing_clock_.get();
  if (ct_cluster != nullptr) {
    co.log.cluster = ct_cluster;
    co.log.cluster_options = ClusterOptionsFor("vouch_ct");
  }
  HistogramCell* batch_sizes =
      metrics_.Histogram("vouch_ct_batch_size", "Precertificates per CT log group commit.", {},
                         {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096});
  HistogramCell* commit_seconds = metrics_.Histogram(
      "vouch_ct_commit_seconds", "CT log group commit time (sequence to durable).", {});
  co.log.on_commit = [batch_sizes, commit_seconds](size_t n, absl::Duration d) {
    batch_sizes->Observe(static_cast<double>(n));
    commit_seconds->Observe(absl::ToDoubleSeconds(d));
  };
  auto ct = log::CtLog::Open(ct_storage_.get(), ct_key_.get(), co);
  if (!ct.ok()) {
    const absl::Status& s = ct.status();
    if (!absl::IsDataLoss(s) && !absl::IsFailedPrecondition(s)) return Annotate(s, ct_name);
    return absl::Status(s.code(), absl::StrCat(ct_name, ": ", s.message(), "; ", files.advice));
  }
  ct_log_ = std::move(*ct);
  signing_clock_->AtLeast(absl::FromUnixSeconds(ct_log_->log()->Latest().timestamp));
  VOUCH_ASSIGN_OR_RETURN(ct_created_, LogCreated(ct_storage_.get()));
  if (options_.verify_rate > 0) {
    log::BackgroundVerifierOptions vo;
    vo.entries_per_second = options_.verify_rate;
    VOUCH_ASSIGN_OR_RETURN(ct_verifier_,
                           log::BackgroundVerifier::Start(ct_log_->log(), ct_storage_.get(), vo));
  }
  return absl::OkStatus();
}

absl::Status Vouchd::OpenCa() {
  signer::CaServiceOptions co;
  co.data_dir = options_.data_dir;
  co.clock = options_.clock;
  co.signing_clock = signing_clock_.get();
  co.issuers_config_path = options_.issuers_config;
  for (const std::string& url : options_.oidc_issuers) {
    signer::IssuerConfig ic;
    ic.issuer_url = url;
    ic.type = signer::IdentityType::kEmail;
    co.issuers.push_back(ic);
  }
  co.public_url =
      options_.public_url.empty() ? absl::StrCat("http://", http_address()) : options_.public_url;
  co.log_public_key_der = log_key_->PublicKeyDer();
  // The log key's window starts when the log was created (recorded on first start).
  VOUCH_ASSIGN_OR_RETURN(co.log_key_valid_from, LogCreated(storage_.get()));
  if (ct_log_ != nullptr) {
    co.ct_log = ct_log_.get();
    co.ct_log_public_key_der = ct_key_->PublicKeyDer();
    co.ct_log_key_valid_from = ct_created_;
  }
  if (!options_.pkcs11_module.empty()) co.pkcs11_module = options_.pkcs11_module;
  co.pkcs11_key_uri = options_.pkcs11_key_uri;
  co.pkcs11_pin = options_.pkcs11_pin;
  recorder_ = std::make_unique<CertificateRecorder>(certificates_);
  auto ca = signer::CaService::New(co, recorder_.get());
  if (!ca.ok()) return Annotate(ca.status(), "CA");
  ca_ = std::move(*ca);
  // The CT log takes chains to this CA's roots (current and retired) only.
  if (ct_log_ != nullptr) {
    VOUCH_RETURN_IF_ERROR(ct_log_->SetAcceptedChains(ca_->certificate_authority_chains()));
  }
  return absl::OkStatus();
}

absl::Status Vouchd::OpenTuf() {
  TufServiceOptions to;
  to.repo_dir = options_.tuf_dir.empty() ? options_.data_dir + "/tuf" : options_.tuf_dir;
  if (log::IsPostgresUrl(options_.storage)) {
    // Front ends sharing the database serve (and sign) the same metadata (docs/trust.md).
    if (!options_.tuf_dir.empty()) {
      return absl::InvalidArgumentError(
          "--tuf_dir: with --storage postgres://... the TUF metadata lives in the database "
          "(schema vouch_tuf); publish into it with vouch-tuf publish --repo DIR --storage URL "
          "(docs/trust.md)");
    }
    auto store = tuf::PostgresMetadataStore::Open(options_.storage);
    if (!store.ok()) return Annotate(store.status(), "TUF");
    to.store = std::move(*store);
  }
  to.snapshot_key_path = options_.data_dir + "/tuf_snapshot_key.pem";
  to.timestamp_key_path = options_.data_dir + "/tuf_timestamp_key.pem";
  to.health = &health_;
  to.metrics = &metrics_;
  if (ca_ != nullptr) {
    to.expected_targets["trusted_root.json"] = ca_->trusted_root_json();
    to.expected_targets["signing_config.v0.2.json"] = ca_->signing_config_json();
  }
  auto tuf = TufService::New(to);
  if (!tuf.ok()) return Annotate(tuf.status(), "TUF");
  tuf_ = std::move(*tuf);
  tuf_->RegisterHttp(router_);
  return absl::OkStatus();
}

void Vouchd::AddRoutes() {
  router_.Handle(
      "GET", "/healthz",
      [this](const http::Request&) {
        const HealthReport h = CheckHealth();
        return http::Response::Json(h.http_status(), h.Json());
      },
      http::Exec::kInline);
  router_.Handle(
      "GET", "/api/v1/version",
      [](const http::Request&) {
        nlohmann::json body = {{"name", "vouchd"}, {"version", kVersion}};
        return http::Response::Json(200, body.dump());
      },
      http::Exec::kInline);
  metrics_.Gauge(
      "vouch_health_serving",
      "1 while /healthz answers SERVING, 0 while it answers NOT_SERVING (reasons there).",
      [this] { return health_.Check().serving ? 1.0 : 0.0; });
  router_.Handle("GET", "/metrics", [this](const http::Request&) {
    return http::Response::Make(200, "text/plain; version=0.0.4", metrics_.Render());
  });
  LogHttpOptions log_http;
  log_http.max_body_bytes = options_.http.max_body_bytes;
  RegisterLogRoutes(log_service_.get(), &metrics_, log_http, &router_);
  if (ca_ != nullptr) {
    CaHttpOptions ca_http;
    ca_http.max_body_bytes = options_.http.max_body_bytes;
    RegisterCaRoutes(ca_.get(), ca_http, &router_);
  }
  if (ct_log_ != nullptr) {
    CtHttpOptions ct_http;
    ct_http.max_body_bytes = options_.http.max_body_bytes;
    RegisterCtRoutes(ct_log_.get(), ct_http, &router_);
  }
}

std::string Vouchd::http_address() const { return absl::StrCat(http_->host(), ":", http_->port()); }

std::string Vouchd::grpc_address() const { return absl::StrCat(grpc_host_, ":", grpc_port_); }

std::string Vouchd::admission_address() const {
  if (admission_http_ == nullptr) return "";
  return absl::StrCat(admission_http_->host(), ":", admission_http_->port());
}

absl::Status Vouchd::OpenAdmission() {
  if (options_.admission_policy.empty()) return absl::OkStatus();
  if (options_.admission_tls_cert.empty() || options_.admission_tls_key.empty()) {
    return absl::InvalidArgumentError(
        "--admission-policy needs --admission-tls-cert and --admission-tls-key (the API server "
        "calls webhooks over HTTPS only)");
  }
  policy::PolicySet::LoadOptions lo;
  lo.default_trusted_root = options_.admission_trusted_root;
  if (lo.default_trusted_root.empty() && ca_ != nullptr) {
    // Policies that name no trusted root trust this vouchd.
    lo.default_trusted_root = options_.data_dir + "/trusted_root.json";
    VOUCH_RETURN_IF_ERROR(
        WriteFileAtomically(lo.default_trusted_root, ca_->trusted_root_json(), 0644));
  }
  admission_default_trusted_root_ = lo.default_trusted_root;
  auto set = policy::PolicySet::Load(options_.admission_policy, lo);
  if (!set.ok()) return Annotate(set.status(), "--admission-policy");
  std::shared_ptr<const policy::PolicySet> policies = *std::move(set);
  // The API server waits timeoutSeconds (10 s by default) for an answer; a registry that does
  // not answer is given up on well before that, so the review is denied with the registry's
  // error rather than timing out (the defaults, for the CLI, allow 4 attempts of 5 minutes).
  // Credentials: Docker's config.json ($DOCKER_CONFIG or ~/.docker).
  oci::RegistryOptions ro;
  ro.connect_timeout = absl::Seconds(2);
  ro.timeout = absl::Seconds(5);
  ro.max_attempts = 2;
  ro.initial_backoff = absl::Milliseconds(100);
  ro.user_agent = "vouchd-admission";
  admission_source_ = std::make_unique<policy::ImageSource>(ro);
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<policy::Engine> engine,
                         policy::Engine::New(policies, admission_source_.get()));
  admission_cache_ = std::make_unique<policy::CachingEngine>(
      std::shared_ptr<const policy::Engine>(std::move(engine)), admission_source_.get());
  AdmissionOptions ao;
  ao.audit_log = options_.admission_audit_log;
  ao.namespace_labels = options_.admission_namespace_labels;
  ao.max_review_bytes = options_.http.max_body_bytes;
  VOUCH_ASSIGN_OR_RETURN(admission_, AdmissionWebhook::New(admission_cache_.get(), &metrics_, ao));
  admission_->Register(admission_router_);
  admission_router_.Handle(
      "GET", "/healthz",
      [](const http::Request&) { return http::Response::Json(200, "{\"status\":\"SERVING\"}"); },
      http::Exec::kInline);
  std::string host;
  int port = 0;
  VOUCH_RETURN_IF_ERROR(
      http::ParseHostPort(options_.admission_addr, "admission-addr", &host, &port));
  http::ServerOptions so = options_.http;
  so.tls_cert_file = options_.admission_tls_cert;
  so.tls_key_file = options_.admission_tls_key;
  auto server = http::Server::New(host, port, &admission_router_, so);
  if (!server.ok()) return Annotate(server.status(), "admission webhook");
  admission_http_ = *std::move(server);
  VLOG_INFO << "admission webhook: " << policies->policies().size() << " policies (version "
            << policies->version() << ") from " << options_.admission_policy;
  return absl::OkStatus();
}

absl::Status Vouchd::Reload() {
  if (admission_ == nullptr) return absl::OkStatus();
  absl::Status first;
  auto count = [&](const char* what, const absl::Status& s) {
    metrics_
        .Counter("vouch_admission_reloads_total",
                 "Admission webhook reloads (SIGHUP) of policies, namespace labels and TLS.",
                 {{"what", what}, {"result", s.ok() ? "ok" : "error"}})
        ->Add(1);
    if (!s.ok()) {
      VLOG_ERROR << "reload refused, still serving the previous " << what << ": " << s.message();
      if (first.ok()) first = s;
    }
  };
  // 1. Policies: loaded and compiled in full before anything is swapped.
  policy::PolicySet::LoadOptions lo;
  lo.default_trusted_root = admission_default_trusted_root_;
  absl::Status policy_status;
  auto set = policy::PolicySet::Load(options_.admission_policy, lo);
  if (!set.ok()) {
    policy_status = Annotate(set.status(), "--admission-policy");
  } else {
    std::shared_ptr<const policy::PolicySet> policies = *std::move(set);
    auto engine = policy::Engine::New(policies, admission_source_.get());
    if (!engine.ok()) {
      policy_status = Annotate(engine.status(), "--admission-policy");
    } else {
      const std::string old_version = admission_cache_->policy_version();
      admission_cache_->Replace(std::shared_ptr<const policy::Engine>(*std::move(engine)));
      VLOG_INFO << "admission webhook: reloaded " << policies->policies().size()
                << " policies (version " << old_version << " -> " << policies->version()
                << ") from " << options_.admission_policy;
    }
  }
  count("policy", policy_status);
  // 2. Namespace labels.
  if (!options_.admission_namespace_labels.empty()) {
    absl::Status labels = admission_->ReloadNamespaceLabels();
    count("namespace_labels", Annotate(labels, "--admission-namespace-labels"));
  }
  // 3. The TLS certificate and key, for new connections.
  if (admission_http_ != nullptr) {
    count("tls",
          Annotate(admission_http_->ReloadTls(), "--admission-tls-cert/--admission-tls-key"));
  }
  return first;
}

absl::Status Vouchd::WriteReadyFile() const {
  if (options_.ready_file.empty()) return absl::OkStatus();
  nlohmann::json ready = {{"http", http_address()},        {"admission", admission_address()},
                          {"grpc", grpc_address()},        {"pid", static_cast<int>(::getpid())},
                          {"data_dir", options_.data_dir}, {"version", kVersion}};
  return WriteFileAtomically(options_.ready_file, ready.dump() + "\n", 0644);
}

absl::Status Vouchd::Start() {
  http_->Start();
  if (witnesses_ != nullptr) witnesses_->Start();
  if (admission_http_ != nullptr) admission_http_->Start();
  if (tuf_ != nullptr) tuf_->Start();
  if (publisher_ != nullptr) publisher_->Start();
  VLOG_INFO << "vouchd " << kVersion << " serving HTTP on " << http_address() << ", gRPC on "
            << grpc_address() << ", data in " << options_.data_dir;
  return WriteReadyFile();
}

void Vouchd::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (witnesses_ != nullptr) witnesses_->Stop();
  if (admission_http_ != nullptr) admission_http_->Stop();
  if (http_ != nullptr) http_->Stop();
  if (tuf_ != nullptr) tuf_->Stop();
  if (grpc_ != nullptr) grpc_->Shutdown();
  if (verifier_ != nullptr) verifier_->Stop();
  if (ct_verifier_ != nullptr) ct_verifier_->Stop();
  if (log_ != nullptr) log_->Shutdown();
  if (ct_log_ != nullptr) ct_log_->Shutdown();
  // After the log's last checkpoint: the directory ends up with it.
  if (publisher_ != nullptr) publisher_->Stop();
}

}  // namespace vouch::server
