// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(HttpServer, ParsesHostPort) {
  std::string host;
  int port = -1;
  ASSERT_THAT(ParseHostPort("127.0.0.1:0", "http-addr", &host, &port), IsOk());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 0);
  ASSERT_THAT(ParseHostPort("[::1]:8080", "http-addr", &host, &port), IsOk());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
}

TEST(HttpServer, RejectsMalformedAddressNamingTheFlag) {
  std::string host;
  int port;
  EXPECT_THAT(ParseHostPort("localhost", "grpc-addr", &host, &port),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--grpc-addr")));
  EXPECT_THAT(ParseHostPort("h:99999", "http-addr", &host, &port),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 to 65535")));
  EXPECT_THAT(ParseHostPort("h:x1", "http-addr", &host, &port),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HttpServer, ServesRoutesAndRefusesOversizeBodiesWith413) {
  HttpOptions options;
  options.max_body_bytes = 1024;
  auto server = HttpServer::New("127.0.0.1", 0, options);
  ASSERT_THAT(server, IsOk());
  (*server)->routes().Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
    res.set_content(req.body, "text/plain");
  });
  (*server)->Start();
  httplib::Client client("127.0.0.1", (*server)->port());
  auto ok = client.Post("/echo", std::string(1000, 'a'), "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body.size(), 1000u);
  auto big = client.Post("/echo", std::string(2000, 'a'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_THAT(big->body, HasSubstr("limit of 1024 bytes"));
  auto missing = client.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  (*server)->Stop();
}

// A burst of connections before the server accepts any must all complete their handshake: the
// kernel queues them up to the listen backlog (Debian's httplib would allow 5; we raise it).
TEST(HttpServer, QueuesABurstOfConnectionsBeforeAccepting) {
  auto server = HttpServer::New("127.0.0.1", 0, HttpOptions());  // Not started: no accept().
  ASSERT_THAT(server, IsOk());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>((*server)->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kConnections = 64;
  std::vector<int> fds;
  for (int i = 0; i < kConnections; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(fd, 0);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fds.push_back(fd);
  }
  int established = 0;
  for (int fd : fds) {
    pollfd p{fd, POLLOUT, 0};
    int err = -1;
    socklen_t len = sizeof(err);
    if (::poll(&p, 1, 500) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
        err == 0) {
      ++established;
    }
    ::close(fd);
  }
  EXPECT_EQ(established, kConnections);
}

// Stop() right after Start() must not hang (httplib ignores stop() until its loop runs).
TEST(HttpServer, StopRightAfterStartReturns) {
  for (int i = 0; i < 50; ++i) {
    auto server = HttpServer::New("127.0.0.1", 0, HttpOptions());
    ASSERT_THAT(server, IsOk());
    (*server)->Start();
    (*server)->Stop();
  }
}

TEST(HttpServer, SecondBindOnSamePortIsUnavailable) {
  auto first = HttpServer::New("127.0.0.1", 0, HttpOptions());
  ASSERT_THAT(first, IsOk());
  auto second = HttpServer::New("127.0.0.1", (*first)->port(), HttpOptions());
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace vouch::server
