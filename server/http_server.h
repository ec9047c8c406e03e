// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// HttpServer: the HTTP/1.1 front of vouchd over cpp-httplib, configured for throughput
// (TCP_NODELAY, long keep-alive, a thread per connection up to `threads`) and hostile input (a body
// limit answered with 413, read/write timeouts). Routes are registered on `routes()` before
// Start(). Thread-safe after Start().
#ifndef VOUCH_SERVER_HTTP_SERVER_H_
#define VOUCH_SERVER_HTTP_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace vouch::server {

struct HttpOptions {
  // Largest accepted request body; larger ones get 413 naming the limit.
  size_t max_body_bytes = 4 << 20;
  // Worker threads; cpp-httplib holds one per open keep-alive connection.
  int threads = 128;
  // Pending connections the kernel queues before accept (capped by net.core.somaxconn).
  int listen_backlog = 1024;
};

// Splits "HOST:PORT" (port 0..65535). InvalidArgument naming |flag| when malformed.
absl::Status ParseHostPort(const std::string& addr, const std::string& flag, std::string* host,
                           int* port);

class HttpServer {
 public:
  // Binds |host|:|port| (0 = a free port). Unavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> New(const std::string& host, int port,
                                                         const HttpOptions& options);
  ~HttpServer();

  httplib::Server& routes() { return *server_; }
  int port() const { return port_; }
  const std::string& host() const { return host_; }

  // Serves on a background thread until Stop().
  void Start();
  void Stop();

 private:
  HttpServer(std::string host, int port, std::unique_ptr<httplib::Server> server);
  std::string host_;
  int port_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_HTTP_SERVER_H_
