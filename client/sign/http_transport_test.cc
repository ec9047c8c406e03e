// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/sign/http_transport.h"

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class HttpTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("hello " + req.get_param_value("who"), "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content(req.body, req.get_header_value("Content-Type"));
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(100000, 'x'), "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    auto t = HttpTransport::New();
    ASSERT_THAT(t, IsOk());
    transport_ = *std::move(t);
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string Url(const std::string& path) {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::unique_ptr<HttpTransport> transport_;
};

TEST_F(HttpTransportTest, GetAndPost) {
  HttpRequest get;
  get.url = Url("/hello?who=vouch");
  auto r = transport_->Send(get);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello vouch");
  EXPECT_THAT(r->content_type, HasSubstr("text/plain"));

  HttpRequest post;
  post.method = "POST";
  post.url = Url("/echo");
  post.headers = {{"Content-Type", "application/timestamp-query"}};
  post.body = std::string("\x30\x00\x01binary", 9);
  r = transport_->Send(post);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->body, post.body);
  EXPECT_EQ(r->content_type, "application/timestamp-query");
}

TEST_F(HttpTransportTest, ErrorStatusesAreAnswersNotErrors) {
  HttpRequest get;
  get.url = Url("/missing");
  auto r = transport_->Send(get);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 404);
}

TEST_F(HttpTransportTest, RefusesOversizedAnswersAndBadUrls) {
  HttpTransportOptions options;
  options.max_response_bytes = 1000;
  auto small = HttpTransport::New(options);
  ASSERT_THAT(small, IsOk());
  HttpRequest get;
  get.url = Url("/big");
  EXPECT_THAT((*small)->Send(get), StatusIs(absl::StatusCode::kResourceExhausted));
  get.url = "file:///etc/passwd";
  EXPECT_THAT(transport_->Send(get), StatusIs(absl::StatusCode::kInvalidArgument));
  get.url = Url("/hello");
  get.method = "DELETE";
  EXPECT_THAT(transport_->Send(get), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HttpTransport, UnreachableServerIsUnavailable) {
  // Port 1 (tcpmux) is not served on test machines: connection refused, or the timeout.
  const int port = 1;
  HttpTransportOptions options;
  options.timeout = absl::Seconds(5);
  auto t = HttpTransport::New(options);
  ASSERT_THAT(t, IsOk());
  HttpRequest get;
  get.url = absl::StrCat("http://127.0.0.1:", port, "/x");
  EXPECT_THAT((*t)->Send(get), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1")));
}

}  // namespace
}  // namespace vouch::client
