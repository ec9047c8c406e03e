// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/router_bridge.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"

namespace vouch::server {
namespace {

// Header fields httplib adds to a request itself; not sent by the client.
bool IsHttplibPseudoHeader(const std::string& name) {
  return name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
         name == "LOCAL_PORT";
}

// An answer a handler gives, possibly from another thread, that the httplib thread waits for.
struct Answer {
  absl::Mutex mu;
  bool done ABSL_GUARDED_BY(mu) = false;
  http::Response response ABSL_GUARDED_BY(mu);
};

void Write(http::Response r, httplib::Response& res) {
  res.status = r.status;
  for (auto& [name, value] : r.headers.fields()) {
    // httplib computes Content-Length itself.
    if (absl::EqualsIgnoreCase(name, "Content-Length")) continue;
    res.set_header(name, value);
  }
  res.body = std::move(r.body);
}

void Serve(const http::Router* router, const httplib::Request& in, httplib::Response& res) {
  http::Request req;
  req.method = in.method;
  req.target = in.target;
  if (!http::ParseTarget(req.target, &req.path, &req.query)) {
    Write(http::Response::Error(400, "malformed request target"), res);
    return;
  }
  for (const auto& [name, value] : in.headers) {
    if (!IsHttplibPseudoHeader(name)) req.headers.Add(name, value);
  }
  req.body = in.body;
  req.peer = absl::StrContains(in.remote_addr, ':')
                 ? absl::StrCat("[", in.remote_addr, "]:", in.remote_port)
                 : absl::StrCat(in.remote_addr, ":", in.remote_port);
  auto answer = std::make_shared<Answer>();
  router->Dispatch(std::move(req), [answer](http::Response r) {
    absl::MutexLock l(&answer->mu);
    answer->response = std::move(r);
    answer->done = true;
  });
  http::Response r;
  {
    absl::MutexLock l(&answer->mu);
    answer->mu.Await(absl::Condition(&answer->done));
    r = std::move(answer->response);
  }
  Write(std::move(r), res);
}

}  // namespace

void ServeRouter(const http::Router* router, httplib::Server* server) {
  auto handler = [router](const httplib::Request& req, httplib::Response& res) {
    Serve(router, req, res);
  };
  // httplib matches patterns against the decoded path; ".*" takes every path (the Router
  // decides between 404 and 405).
  server->Get(".*", handler);
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Patch(".*", handler);
  server->Delete(".*", handler);
  server->Options(".*", handler);
}

}  // namespace vouch::server
