// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::vouch::testing::IsOk;

// A keep-alive HTTP/1.1 server on 127.0.0.1 that answers every request "200 ok" and counts the
// connections it accepted. Serves one connection at a time (enough for one client at a time).
class CountingServer {
 public:
  CountingServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~CountingServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    // The client keeps its connection open (that is the point): end it from this side.
    const int conn = conn_.load();
    if (conn >= 0) ::shutdown(conn, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  int accepted() const { return accepted_; }
  int requests() const { return requests_; }

 private:
  void Run() {
    while (!stop_) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      conn_ = c;
      ++accepted_;
      std::string buf;
      char chunk[4096];
      for (;;) {
        const size_t end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
          buf.erase(0, end + 4);
          ++requests_;
          const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          if (::send(c, answer.data(), answer.size(), MSG_NOSIGNAL) < 0) break;
          continue;
        }
        const ssize_t n = ::recv(c, chunk, sizeof(chunk), 0);
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
      }
      conn_ = -1;
      ::close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> conn_{-1};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

TEST(HttpClient, ConnectionsAreKeptAliveAcrossRequestsAndClients) {
  CountingServer server;
  // Two clients (as two repositories of one registry have): every request on one connection.
  auto a = HttpClient::New({});
  auto b = HttpClient::New({});
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  for (int i = 0; i < 5; ++i) {
    for (HttpClient* c : {a->get(), b->get()}) {
      auto r = c->Send({"GET", server.url(absl::StrCat("/v2/r", i)), {}, {}}, 1024);
      ASSERT_THAT(r, IsOk());
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, "ok");
    }
  }
  EXPECT_EQ(server.requests(), 10);
  EXPECT_EQ(server.accepted(), 1) << "each request opened a new connection";
}

}  // namespace
}  // namespace vouch::oci
