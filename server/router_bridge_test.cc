// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// A Router served over real sockets by the cpp-httplib HttpServer through the bridge.
#include "server/router_bridge.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "server/http_server.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;

// Sends |raw| on a new connection and returns everything the server answers until it closes.
std::string RawExchange(int port, const std::string& raw) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return "";
  }
  ::send(fd, raw.data(), raw.size(), 0);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

class RouterBridgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Handle("GET", "/echo/{name}", [](const http::Request& req) {
      nlohmann::json j = {{"method", req.method},
                          {"path", req.path},
                          {"target", req.target},
                          {"name", req.path_params[0]},
                          {"q", req.Query("q").value_or("-")},
                          {"agent", std::string(req.headers.Get("x-agent").value_or("-"))},
                          {"peer", req.peer}};
      http::Response r = http::Response::Json(200, j.dump());
      r.headers.Set("X-Extra", "yes");
      return r;
    });
    // Answers from another thread, after the handler has returned.
    router_.HandleAsync(
        "POST", "/later",
        [](const http::Request& req, http::Respond respond) {
          std::thread([body = req.body, respond = std::move(respond)] {
            respond(http::Response::Make(201, "text/plain", "got " + body));
          }).detach();
        },
        http::Exec::kInline);
    HttpOptions options;
    options.max_body_bytes = 1024;
    auto http = HttpServer::New("127.0.0.1", 0, options);
    ASSERT_THAT(http, IsOk());
    http_ = *std::move(http);
    ServeRouter(&router_, &http_->routes());
    http_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
  }

  void TearDown() override { http_->Stop(); }

  http::Router router_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(RouterBridgeTest, PassesRequestsAndResponsesThrough) {
  auto res = client_->Get("/echo/a%20b?q=1%202&q=3", {{"X-Agent", "test"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-Extra"), "yes");
  nlohmann::json j = nlohmann::json::parse(res->body);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/echo/a b");
  EXPECT_EQ(j["target"], "/echo/a%20b?q=1%202&q=3");
  EXPECT_EQ(j["name"], "a b");
  EXPECT_EQ(j["q"], "1 2");
  EXPECT_EQ(j["agent"], "test");
  EXPECT_THAT(j["peer"].get<std::string>(), HasSubstr("127.0.0.1:"));

  // '+' in a query is a space (httplib's client would send it as %2B).
  const std::string raw = RawExchange(
      http_->port(), "GET /echo/x?q=c+d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(raw, HasSubstr("\"q\":\"c d\""));

  auto head = client_->Head("/echo/x");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(RouterBridgeTest, WaitsForAsynchronousHandlers) {
  for (int i = 0; i < 20; ++i) {
    auto res = client_->Post("/later", absl::StrCat("n", i), "text/plain");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 201);
    EXPECT_EQ(res->body, absl::StrCat("got n", i));
  }
}

TEST_F(RouterBridgeTest, AnswersTheRoutersNotFoundAndMethodNotAllowed) {
  auto missing = client_->Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(nlohmann::json::parse(missing->body)["code"], 404);
  auto wrong = client_->Delete("/later");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "POST");
  auto put = client_->Put("/echo/x", "", "text/plain");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 405);
  EXPECT_EQ(put->get_header_value("Allow"), "GET, HEAD");
}

TEST_F(RouterBridgeTest, KeepsTheFrontsBodyLimitAndRefusesMalformedTargets) {
  auto big = client_->Post("/later", std::string(2000, 'a'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("limit of 1024 bytes"));
  const std::string answer =
      RawExchange(http_->port(), "GET /echo/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(answer, HasSubstr("HTTP/1.1 400"));
  EXPECT_THAT(answer, HasSubstr("malformed request target"));
}

}  // namespace
}  // namespace vouch::server
