// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Vouchd: the server process's parts wired together: the data directory (locked against a second
// server), the HTTP front, the gRPC front and the services hosted on them. tools/vouchd_main.cc
// parses flags into Options; tests start it in-process the same way. Thread-safe.
#ifndef VOUCH_SERVER_VOUCHD_H_
#define VOUCH_SERVER_VOUCHD_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/http_server.h"

namespace grpc {
class Server;
}

namespace vouch::server {

inline constexpr char kVersion[] = "0.1.0";

struct Options {
  // Holds the SQLite database and key files; created (mode 0700) if absent.
  std::string data_dir;
  std::string http_addr = "127.0.0.1:8080";
  std::string grpc_addr = "127.0.0.1:8081";
  // When set, written once serving: {"http": "H:P", "grpc": "H:P", "pid": N, "data_dir": ...}.
  std::string ready_file;
  HttpOptions http;
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

  std::string http_address() const;
  std::string grpc_address() const;

 private:
  class HealthService;
  explicit Vouchd(const Options& options);
  absl::Status Init();
  absl::Status WriteReadyFile() const;
  void AddBaseRoutes();

  Options options_;
  int lock_fd_ = -1;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<HealthService> health_;
  std::unique_ptr<grpc::Server> grpc_;
  std::string grpc_host_;
  int grpc_port_ = 0;
  bool stopped_ = false;
};

// Creates |dir| (mode 0700) if it does not exist and checks that it is a writable directory.
absl::Status PrepareDataDir(const std::string& dir);

// Writes |contents| to |path| atomically (temporary file, fsync, rename) with |mode|.
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents, int mode);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_VOUCHD_H_
