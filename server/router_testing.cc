// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/router_testing.h"

#include <memory>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace vouch::server::testing {

http::Response Fetch(const http::Router& router, const std::string& method,
                     const std::string& target, std::string body,
                     std::vector<std::pair<std::string, std::string>> headers) {
  http::Request req;
  req.method = method;
  req.target = target;
  if (!http::ParseTarget(target, &req.path, &req.query)) {
    ADD_FAILURE() << "malformed target " << target;
    return http::Response::Error(400, "malformed request target");
  }
  for (auto& [name, value] : headers) req.headers.Add(std::move(name), std::move(value));
  req.body = std::move(body);
  req.peer = "127.0.0.1:1";
  struct Answer {
    absl::Notification done;
    http::Response response;
    int calls = 0;
  };
  auto answer = std::make_shared<Answer>();
  router.Dispatch(std::move(req), [answer](http::Response r) {
    answer->response = std::move(r);
    ++answer->calls;
    answer->done.Notify();
  });
  answer->done.WaitForNotification();
  EXPECT_EQ(answer->calls, 1) << method << " " << target;
  return answer->response;
}

}  // namespace vouch::server::testing
