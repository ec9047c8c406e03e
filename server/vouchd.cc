// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/vouchd.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/logging.h"
#include "base/status.h"
#include "grpcpp/grpcpp.h"
#include "http/router.h"
#include "httplib.h"
#include "log/log.h"
#include "log/log_service.h"
#include "log/sqlite_storage.h"
#include "nlohmann/json.hpp"
#include "proto/health.grpc.pb.h"
#include "server/certificate_recorder.h"
#include "server/tuf_http.h"
#include "signer/ca_service.h"
#include "signer/openssl_crypto.h"

namespace vouch::server {

class Vouchd::HealthService final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override {
    if (!request->service().empty()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat("service: unknown service '", request->service(), "'"));
    }
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

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
  }
  if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("--data-dir=", dir, ": not writable: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents, int mode) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat(tmp, ": write: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(tmp, ": fsync: ", std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": rename: ", std::strerror(errno)));
  }
  return absl::OkStatus();
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
  recorder_.reset();
  log_service_.reset();
  log_.reset();
  storage_.reset();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::Status Vouchd::Init() {
  std::string http_host, grpc_host;
  int http_port = 0, grpc_port = 0;
  VOUCH_RETURN_IF_ERROR(ParseHostPort(options_.http_addr, "http-addr", &http_host, &http_port));
  VOUCH_RETURN_IF_ERROR(ParseHostPort(options_.grpc_addr, "grpc-addr", &grpc_host, &grpc_port));
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
  VOUCH_ASSIGN_OR_RETURN(http_, HttpServer::New(http_host, http_port, options_.http));
  AddBaseRoutes();
  log_service_->RegisterHttp(http_->routes());
  if (options_.enable_ca) {
    VOUCH_RETURN_IF_ERROR(OpenCa());
    ca_->RegisterHttp(http_->routes());
  }
  if (options_.enable_tuf) VOUCH_RETURN_IF_ERROR(OpenTuf());

  health_ = std::make_unique<HealthService>();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(
      absl::StrCat(
          grpc_host.find(':') != std::string::npos ? absl::StrCat("[", grpc_host, "]") : grpc_host,
          ":", grpc_port),
      grpc::InsecureServerCredentials(), &grpc_port_);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.http.max_body_bytes));
  // The sync server exits a worker thread after each call once more than MAX_POLLERS (default 2)
  // are idle, so 64 clients blocked in appends meant a thread created and destroyed per request
  // (measured: ~3,000 appends/s, much of the CPU in clone/mmap/munmap). Keep them.
  grpc::ResourceQuota quota("vouchd");
  quota.SetMaxThreads(options_.grpc_max_threads);
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 2);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              options_.grpc_max_threads);
  builder.RegisterService(health_.get());
  builder.RegisterService(log_service_->grpc_service());
  if (ca_ != nullptr) builder.RegisterService(ca_->grpc_service());
  grpc_ = builder.BuildAndStart();
  if (grpc_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for gRPC on ", options_.grpc_addr));
  }
  grpc_host_ = grpc_host;
  return absl::OkStatus();
}

absl::Status Vouchd::OpenLog(const std::string& http_host) {
  const std::string db_path = options_.data_dir + "/vouch.db";
  VOUCH_ASSIGN_OR_RETURN(storage_, log::SqliteStorage::Open(db_path));
  VOUCH_ASSIGN_OR_RETURN(log_key_, signer::OpenSslSigner::LoadOrCreate(
                                       options_.data_dir + "/log_key.pem", options_.log_key_type));
  log::LogOptions lo;
  lo.signer_name = options_.log_name.empty() ? http_host : options_.log_name;
  if (lo.signer_name.empty() || lo.signer_name.find_first_of(" +\t\n") != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--log-name=\"", lo.signer_name,
                                                   "\": must be non-empty without spaces or '+'"));
  }
  lo.origin = options_.log_origin;
  if (lo.origin.empty()) {
    lo.origin = absl::StrCat(
        lo.signer_name, " - ",
        absl::BytesToHexString(signer::Sha256(log_key_->PublicKeyDer())).substr(0, 16));
  }
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
  auto log = log::Log::Open(storage_.get(), log_key_.get(), lo);
  if (!log.ok()) return Annotate(log.status(), db_path);
  log_ = std::move(*log);
  log::LogServiceOptions so;
  so.max_entry_bytes = options_.http.max_body_bytes;
  VOUCH_ASSIGN_OR_RETURN(log_service_, log::LogService::New(log_.get(), &metrics_, so));
  return absl::OkStatus();
}

absl::Status Vouchd::OpenCa() {
  signer::CaServiceOptions co;
  co.data_dir = options_.data_dir;
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
  std::optional<std::string> created;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](log::LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(created, r.ReadMeta("log_created"));
    return absl::OkStatus();
  }));
  int64_t created_unix = 0;
  if (!created.has_value() || !absl::SimpleAtoi(*created, &created_unix)) {
    created_unix = absl::ToUnixSeconds(absl::Now()) - 60;
    VOUCH_RETURN_IF_ERROR(storage_->WriteTx(
        [&](log::LogWriter& w) { return w.WriteMeta("log_created", absl::StrCat(created_unix)); }));
  }
  co.log_key_valid_from = absl::FromUnixSeconds(created_unix);
  if (!options_.pkcs11_module.empty()) co.pkcs11_module = options_.pkcs11_module;
  co.pkcs11_key_uri = options_.pkcs11_key_uri;
  co.pkcs11_pin = options_.pkcs11_pin;
  co.max_body_bytes = options_.http.max_body_bytes;
  recorder_ = std::make_unique<CertificateRecorder>(storage_.get());
  auto ca = signer::CaService::New(co, recorder_.get());
  if (!ca.ok()) return Annotate(ca.status(), "CA");
  ca_ = std::move(*ca);
  return absl::OkStatus();
}

absl::Status Vouchd::OpenTuf() {
  TufServiceOptions to;
  to.repo_dir = options_.tuf_dir.empty() ? options_.data_dir + "/tuf" : options_.tuf_dir;
  to.snapshot_key_path = options_.data_dir + "/tuf_snapshot_key.pem";
  to.timestamp_key_path = options_.data_dir + "/tuf_timestamp_key.pem";
  if (ca_ != nullptr) {
    to.expected_targets["trusted_root.json"] = ca_->trusted_root_json();
    to.expected_targets["signing_config.v0.2.json"] = ca_->signing_config_json();
  }
  auto tuf = TufService::New(to);
  if (!tuf.ok()) return Annotate(tuf.status(), "TUF");
  tuf_ = std::move(*tuf);
  tuf_routes_ = std::make_unique<http::Router>();
  tuf_->RegisterHttp(*tuf_routes_);
  // Bridge from the httplib front until vouchd's routes all live on an http::Router.
  http::Router* routes = tuf_routes_.get();
  http_->routes().Get(R"(/tuf/.*)", [routes](const httplib::Request& req, httplib::Response& res) {
    http::Request r;
    r.method = req.method;
    r.target = req.target;
    r.path = req.path;
    r.peer = req.remote_addr;
    routes->Dispatch(std::move(r), [&res](http::Response out) {
      res.status = out.status;
      for (const auto& [name, value] : out.headers.fields()) {
        if (name != "Content-Type") res.set_header(name, value);
      }
      auto type = out.headers.Get("Content-Type");
      res.set_content(out.body, type.has_value() ? std::string(*type) : "application/json");
    });
  });
  return absl::OkStatus();
}

void Vouchd::AddBaseRoutes() {
  auto& r = http_->routes();
  r.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\":\"SERVING\"}", "application/json");
  });
  r.Get("/api/v1/version", [](const httplib::Request&, httplib::Response& res) {
    nlohmann::json body = {{"name", "vouchd"}, {"version", kVersion}};
    res.set_content(body.dump(), "application/json");
  });
}

std::string Vouchd::http_address() const { return absl::StrCat(http_->host(), ":", http_->port()); }

std::string Vouchd::grpc_address() const { return absl::StrCat(grpc_host_, ":", grpc_port_); }

absl::Status Vouchd::WriteReadyFile() const {
  if (options_.ready_file.empty()) return absl::OkStatus();
  nlohmann::json ready = {{"http", http_address()},
                          {"grpc", grpc_address()},
                          {"pid", static_cast<int>(::getpid())},
                          {"data_dir", options_.data_dir},
                          {"version", kVersion}};
  return WriteFileAtomically(options_.ready_file, ready.dump() + "\n", 0644);
}

absl::Status Vouchd::Start() {
  http_->Start();
  if (tuf_ != nullptr) tuf_->Start();
  VLOG_INFO << "vouchd " << kVersion << " serving HTTP on " << http_address() << ", gRPC on "
            << grpc_address() << ", data in " << options_.data_dir;
  return WriteReadyFile();
}

void Vouchd::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (http_ != nullptr) http_->Stop();
  if (tuf_ != nullptr) tuf_->Stop();
  if (grpc_ != nullptr) grpc_->Shutdown();
  if (log_ != nullptr) log_->Shutdown();
}

}  // namespace vouch::server
