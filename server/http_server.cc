// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "nlohmann/json.hpp"

namespace vouch::server {

absl::Status ParseHostPort(const std::string& addr, const std::string& flag, std::string* host,
                           int* port) {
  const size_t colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", addr, ": want HOST:PORT, e.g. 127.0.0.1:0"));
  }
  int p = 0;
  if (!absl::SimpleAtoi(addr.substr(colon + 1), &p) || p < 0 || p > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, "=", addr, ": port must be a number from 0 to 65535"));
  }
  std::string h = addr.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  *host = h;
  *port = p;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::New(const std::string& host, int port,
                                                            const HttpOptions& options) {
  auto server = std::make_unique<httplib::Server>();
  const int threads = options.threads;
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second server
  // silently share (and split) our port.
  // The callback also remembers the socket (the last one tried is the one bound) so the listen
  // backlog can be raised below.
  auto last_socket = std::make_shared<int>(-1);
  server->set_socket_options([last_socket](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *last_socket = sock;
  });
  server->set_keep_alive_max_count(1 << 30);
  server->set_keep_alive_timeout(30);
  server->set_read_timeout(30, 0);
  server->set_write_timeout(30, 0);
  server->set_payload_max_length(options.max_body_bytes);
  const size_t limit = options.max_body_bytes;
  server->set_error_handler([limit](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;  // A handler already wrote a specific error.
    std::string message;
    if (res.status == 413) {
      message = absl::StrCat("request body larger than the limit of ", limit,
                             " bytes (--max-body-bytes)");
    } else if (res.status == 404) {
      message = "no such path";
    } else {
      message = absl::StrCat("HTTP status ", res.status);
    }
    nlohmann::json body = {{"code", res.status}, {"message", message}};
    res.set_content(body.dump(), "application/json");
  });
  int bound = port;
  if (port == 0) {
    bound = server->bind_to_any_port(host);
    if (bound < 0) bound = 0;
  } else if (!server->bind_to_port(host, port)) {
    bound = 0;
  }
  if (bound <= 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen for HTTP on ", host, ":", port));
  }
  // Debian's libcpp-httplib listens with a backlog of 5 (compiled in): 64 clients connecting at
  // once overflowed it (TcpExtListenOverflows) and waited out 1 s SYN retransmits or failed.
  // Linux lets listen() on a listening socket change its backlog.
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (*last_socket >= 0 &&
      ::getsockname(*last_socket, reinterpret_cast<sockaddr*>(&addr), &len) == 0 &&
      ntohs(addr.ss_family == AF_INET6
                ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                : reinterpret_cast<sockaddr_in*>(&addr)->sin_port) == bound) {
    ::listen(*last_socket, options.listen_backlog);
  }
  return std::unique_ptr<HttpServer>(new HttpServer(host, bound, std::move(server)));
}

HttpServer::HttpServer(std::string host, int port, std::unique_ptr<httplib::Server> server)
    : host_(std::move(host)), port_(port), server_(std::move(server)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Start() {
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the accept loop has marked itself running, so a Stop()
  // right after Start() used to leave the loop running and join() hanging (seen once as a
  // ca_service_test timeout). Return only once the loop runs.
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void HttpServer::Stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

}  // namespace vouch::server
