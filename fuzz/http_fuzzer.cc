// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Raw bytes on a connection to the HTTP front: a real http::Server (the event-driven front
// vouchd serves on, with its production limits) on 127.0.0.1 in this process, with a Router of
// an inline and a worker route that echo what they parsed. Each input is written to a new
// connection as it is (a request head with CheckHead's checks, Beast's parser, Content-Length
// and chunked bodies, pipelined requests, garbage), the write side is shut down, and the answer
// is read to the end. Invariants: the server answers every connection and closes it (a connection
// still open 20 s after the client's EOF is a hang), and every answer starts with a status line
// "HTTP/1.1 NNN ". Sanitizer reports from the server's threads end the run like any other.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http/router.h"
#include "http/server.h"

namespace {

struct Fixture {
  vouch::http::Router router;
  std::unique_ptr<vouch::http::Server> server;
};

Fixture& Get() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    auto echo = [](const vouch::http::Request& r) {
      return vouch::http::Response::Make(
          200, "text/plain",
          absl::StrCat(r.method, " ", r.path, " ", r.query.size(), " ", r.headers.fields().size(),
                       " ", r.body.size()));
    };
    f->router.Handle("GET", "/inline/{x}", echo, vouch::http::Exec::kInline);
    f->router.Handle("POST", "/inline/{x}", echo, vouch::http::Exec::kInline);
    f->router.Handle("GET", "/worker/*", echo, vouch::http::Exec::kWorker);
    f->router.Handle("POST", "/worker/*", echo, vouch::http::Exec::kWorker);
    f->router.Handle("PUT", "/worker/*", echo, vouch::http::Exec::kWorker);
    vouch::http::ServerOptions options;  // production limits and timeouts
    options.worker_threads = 2;
    auto server = vouch::http::Server::New("127.0.0.1", 0, &f->router, options);
    if (!server.ok()) abort();
    f->server = *std::move(server);
    f->server->Start();
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  Fixture& f = Get();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) abort();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(f.server->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // The client side can run out of ephemeral ports on a long run (the 10-minute run of
  // docs/fuzzing.md made ~1,300 connections a second): wait for ports then, fail on anything else.
  for (int tries = 0; ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0;) {
    if ((errno == EADDRNOTAVAIL || errno == EAGAIN || errno == EINTR) && ++tries < 600) {
      ::usleep(100 * 1000);
      continue;
    }
    std::fprintf(stderr, "http_fuzzer: connect to the server failed: %s\n", std::strerror(errno));
    __builtin_trap();
  }
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server refused and closed early: fine
    sent += static_cast<size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      answer.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || errno == ECONNRESET) break;
    if (errno == EINTR) continue;
    std::fprintf(stderr, "http_fuzzer: connection not closed 20 s after EOF (errno %d)\n", errno);
    __builtin_trap();
  }
  ::close(fd);
  if (!answer.empty()) {
    if (answer.size() < 13 || !absl::StartsWith(answer, "HTTP/1.1 ") || answer[12] != ' ') {
      std::fprintf(stderr, "http_fuzzer: answer without a status line: %.*s\n",
                   static_cast<int>(std::min<size_t>(answer.size(), 200)), answer.data());
      __builtin_trap();
    }
  }
  return 0;
}
