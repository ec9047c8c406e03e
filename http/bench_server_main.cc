// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// A bare http::Server for measuring the front alone (tools/bench/http_fronts.sh): GET /healthz
// answers a fixed JSON body, POST /echo echoes its body. Prints "PORT\n" on stdout once serving;
// stops on SIGINT/SIGTERM.
//
//   bench_server [--port N] [--io-threads N]
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "http/server.h"

int main(int argc, char** argv) {
  int port = 0;
  vouch::http::ServerOptions options;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--port") == 0) port = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--io-threads") == 0) options.io_threads = std::atoi(argv[i + 1]);
  }
  vouch::http::Router router;
  router.Handle(
      "GET", "/healthz",
      [](const vouch::http::Request&) {
        return vouch::http::Response::Json(200, "{\"status\":\"SERVING\"}");
      },
      vouch::http::Exec::kInline);
  router.Handle(
      "POST", "/echo",
      [](const vouch::http::Request& r) { return vouch::http::Response::Json(200, r.body); },
      vouch::http::Exec::kInline);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = vouch::http::Server::New("127.0.0.1", port, &router, options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  (*server)->Start();
  std::printf("%d\n", (*server)->port());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Stop();
  return 0;
}
