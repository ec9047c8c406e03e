// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The server is tested over real sockets with the raw bytes a client (or an attacker) sends.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "openssl/err.h"
#include "openssl/ssl.h"
#include "tests/status_matchers.h"

namespace vouch::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

// A client socket with a receive timeout (so a test fails instead of hanging).
class RawConn {
 public:
  explicit RawConn(int port, int timeout_ms = 5000) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }
  bool Send(absl::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads until the peer closes (or the timeout); returns everything read.
  std::string ReadAll() {
    std::string out;
    char buf[65536];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = n == 0;
        return out;
      }
      out.append(buf, static_cast<size_t>(n));
    }
  }
  // Reads one complete response (head + Content-Length body).
  std::string ReadResponse() {
    std::string out;
    char c;
    while (!absl::EndsWith(out, "\r\n\r\n")) {
      ssize_t n = ::recv(fd_, &c, 1, 0);
      if (n <= 0) {
        closed_ = n == 0;
        return out;
      }
      out.push_back(c);
    }
    size_t len = 0;
    for (absl::string_view line : absl::StrSplit(out, "\r\n")) {
      if (absl::StartsWithIgnoreCase(line, "content-length:")) {
        (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line.substr(15)), &len);
      }
    }
    if (absl::StartsWith(out, "HTTP/1.1 100")) return out;
    std::string body(len, '\0');
    size_t got = 0;
    while (got < len) {
      ssize_t n = ::recv(fd_, body.data() + got, len - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    body.resize(got);
    return out + body;
  }
  // True if the server closed the connection (EOF, not a timeout).
  bool ClosedByPeer() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
  int fd() const { return fd_; }
  bool closed() const { return closed_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
};

int StatusOf(absl::string_view response) {
  int status = 0;
  if (response.size() < 12 || !absl::SimpleAtoi(response.substr(9, 3), &status)) return -1;
  return status;
}

std::string BodyOf(absl::string_view response) {
  const size_t p = response.find("\r\n\r\n");
  return p == absl::string_view::npos ? "" : std::string(response.substr(p + 4));
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Handle("GET", "/hello",
                   [](const Request&) { return Response::Make(200, "text/plain", "hi"); });
    router_.Handle(
        "POST", "/echo", [](const Request& r) { return Response::Make(200, "text/plain", r.body); },
        Exec::kInline);
    router_.Handle("POST", "/echo-worker",
                   [](const Request& r) { return Response::Make(200, "text/plain", r.body); });
    // Answers after a moment from another thread (as the log's append does).
    router_.HandleAsync(
        "GET", "/slow",
        [](const Request&, Respond respond) {
          std::thread([respond] {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            respond(Response::Make(200, "text/plain", "slow"));
          }).detach();
        },
        Exec::kInline);
    router_.Handle("GET", "/inject", [](const Request&) {
      Response r = Response::Make(200, "text/plain", "x");
      r.headers.Add("X-Evil", "a\r\nSet-Cookie: pwned=1");
      r.headers.Add("X-Good", "fine");
      return r;
    });
    router_.Handle("GET", "/query", [](const Request& r) {
      return Response::Make(200, "text/plain",
                            absl::StrCat(r.path, "|", r.Query("a").value_or("-")));
    });
    router_.Handle("GET", "/block", [this](const Request&) {
      std::unique_lock<std::mutex> lock(mu_);
      ++blocked_;
      cv_.notify_all();
      cv_.wait(lock, [this] { return released_; });
      return Response::Make(200, "text/plain", "released");
    });
  }
  void TearDown() override {
    Release();
    if (server_ != nullptr) server_->Stop();
  }

  void Start(ServerOptions options = {}) {
    auto s = Server::New("127.0.0.1", 0, &router_, options);
    ASSERT_THAT(s, IsOk());
    server_ = std::move(*s);
    server_->Start();
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  void WaitBlocked(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return blocked_ >= n; });
  }

  // Sends |bytes| on a new connection and returns the first response.
  std::string Exchange(absl::string_view bytes) {
    RawConn c(server_->port());
    EXPECT_TRUE(c.connected());
    EXPECT_TRUE(c.Send(bytes));
    return c.ReadResponse();
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  int blocked_ = 0;
  bool released_ = false;
};

TEST_F(ServerTest, ServesAGetWithLengthDateAndKeepAlive) {
  Start();
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string r = c.ReadResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(r, HasSubstr("Content-Length: 2\r\n"));
  EXPECT_THAT(r, HasSubstr("Date: "));
  EXPECT_THAT(r, ::testing::Not(HasSubstr("Connection: close")));
  EXPECT_EQ(BodyOf(r), "hi");
  // The same connection serves the next request.
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(BodyOf(c.ReadResponse()), "hi");
}

TEST_F(ServerTest, AnswersPipelinedRequestsInOrder) {
  Start();
  RawConn c(server_->port());
  // The first answer comes later from another thread; the second is immediate: order must hold.
  ASSERT_TRUE(
      c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  EXPECT_EQ(BodyOf(c.ReadResponse()), "slow");
  EXPECT_EQ(BodyOf(c.ReadResponse()), "hi");
  EXPECT_EQ(BodyOf(c.ReadResponse()), "abc");
}

TEST_F(ServerTest, EchoesBodiesInlineAndOnWorkers) {
  Start();
  const std::string body(100000, 'z');
  for (const char* path : {"/echo", "/echo-worker"}) {
    std::string r = Exchange(absl::StrCat(
        "POST ", path, " HTTP/1.1\r\nHost: x\r\nContent-Length: ", body.size(), "\r\n\r\n", body));
    EXPECT_EQ(StatusOf(r), 200) << path;
    EXPECT_EQ(BodyOf(r), body) << path;
  }
}

TEST_F(ServerTest, BodyBytesSentWithTheHeadAreNotCheckedAsHead) {
  Start();
  // Line feeds, CRs and NULs are fine in a body, even when it arrives in the same packet.
  const std::string body("{\n  \"a\": 1\r\x00\n}\n", 16);
  std::string r = Exchange(absl::StrCat(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ", body.size(), "\r\n\r\n", body));
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), body);
}

TEST_F(ServerTest, DecodesChunkedBodiesWithExtensionsAndTrailers) {
  Start();
  std::string r = Exchange(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_EQ(BodyOf(r), "abc0123456789");
}

struct FramingCase {
  const char* name;
  std::string request;
  int status;
  const char* message;
};

TEST_F(ServerTest, RefusesBadFramingNamingTheProblemAndCloses) {
  Start();
  const std::vector<FramingCase> cases = {
      {"CL+TE",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       400, "both Content-Length and Transfer-Encoding"},
      {"TE+CL",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
       400, "both Content-Length and Transfer-Encoding"},
      {"two different CL",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400,
       "conflicting Content-Length values 5 and 6"},
      {"CL list differing", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 7\r\n\r\nhello",
       400, "conflicting Content-Length"},
      {"negative CL", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n", 400,
       "Content-Length '-5' is not a decimal"},
      {"CL with junk", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n", 400,
       "Content-Length '12abc' is not a decimal"},
      {"CL too long",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
       "not a decimal"},
      {"TE not ending in chunked",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
       "does not end with chunked"},
      {"TE gzip only", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
       "does not end with chunked"},
      {"bad chunk size",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
       400, "malformed chunk"},
      {"chunk without CRLF after data",
       "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX0\r\n\r\n",
       400, "malformed chunk"},
      {"bare LF in request line", "GET /hello HTTP/1.1\nHost: x\r\n\r\n", 400, "bare LF"},
      {"bare LF between fields", "GET /hello HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400, "bare LF"},
      {"bare CR", "GET /hello HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", 400, "bare CR"},
      {"NUL in field", std::string("GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n", 42), 400,
       "NUL byte"},
      {"obs-fold", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400,
       "obsolete line folding"},
      {"space before colon", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n", 400,
       "malformed header field name"},
      {"no colon", "GET /hello HTTP/1.1\r\nHost: x\r\nJunk\r\n\r\n", 400, "without a colon"},
      {"control char in value", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\x01z\r\n\r\n", 400,
       "control character"},
      {"missing Host", "GET /hello HTTP/1.1\r\n\r\n", 400, "missing Host"},
      {"two Hosts", "GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
      {"bad method", "G(T /hello HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request line"},
      {"bad version", "GET /hello HTTP/x.y\r\nHost: x\r\n\r\n", 400, "version"},
      {"HTTP/2.0", "GET /hello HTTP/2.0\r\nHost: x\r\n\r\n", 505, "not supported"},
      {"POST without length", "POST /echo HTTP/1.1\r\nHost: x\r\n\r\n", 411,
       "needs a Content-Length"},
      {"bad percent-encoding", "GET /he%zzllo HTTP/1.1\r\nHost: x\r\n\r\n", 400,
       "malformed request target"},
      {"encoded NUL", "GET /he%00llo HTTP/1.1\r\nHost: x\r\n\r\n", 400, "malformed request target"},
      {"unsupported Expect",
       "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: something\r\n\r\n", 417,
       "Expect"},
  };
  for (const FramingCase& c : cases) {
    RawConn conn(server_->port());
    ASSERT_TRUE(conn.Send(c.request)) << c.name;
    std::string r = conn.ReadResponse();
    EXPECT_EQ(StatusOf(r), c.status) << c.name << ": " << r;
    EXPECT_THAT(BodyOf(r), HasSubstr(c.message)) << c.name;
    EXPECT_THAT(r, HasSubstr("Connection: close")) << c.name;
    EXPECT_TRUE(conn.ClosedByPeer()) << c.name << ": the connection must be closed";
  }
  EXPECT_GE(server_->stats().framing_errors, cases.size() - 3);
}

TEST_F(ServerTest, IdenticalDuplicateContentLengthsAreAccepted) {
  Start();
  std::string r = Exchange(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_EQ(BodyOf(r), "abc");
}

TEST_F(ServerTest, DeclaredLengthOverTheLimitIsRefusedBeforeTheBodyIsSent) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  Start(o);
  RawConn c(server_->port());
  // Only the head is sent: the answer must come without the server waiting for the body.
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n"));
  std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 413);
  EXPECT_THAT(BodyOf(r), HasSubstr("larger than the limit of 1000 bytes"));
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIsRefusedWithoutBufferingIt) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  Start(o);
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
  // 600 + 600 bytes: the second chunk crosses the limit.
  const std::string chunk = absl::StrCat("258\r\n", std::string(600, 'a'), "\r\n");
  ASSERT_TRUE(c.Send(chunk));
  ASSERT_TRUE(c.Send(chunk));
  std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 413);
  EXPECT_THAT(BodyOf(r), HasSubstr("larger than the limit of 1000 bytes"));
  // The client may keep sending; the server does not hold it.
  c.Send(std::string(100000, 'b'));
  EXPECT_LE(server_->stats().buffered_bytes, 2000u);
}

TEST_F(ServerTest, ExpectContinueGetsAnInterimAnswerOr413AtOnce) {
  ServerOptions o;
  o.max_body_bytes = 1000;
  Start(o);
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.Send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    EXPECT_THAT(c.ReadResponse(), StartsWith("HTTP/1.1 100 Continue\r\n\r\n"));
    ASSERT_TRUE(c.Send("hello"));
    std::string r = c.ReadResponse();
    EXPECT_EQ(StatusOf(r), 200);
    EXPECT_EQ(BodyOf(r), "hello");
  }
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.Send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n"));
    EXPECT_EQ(StatusOf(c.ReadResponse()), 413);
  }
}

TEST_F(ServerTest, OversizeRequestLineIs414AndOversizeHeadIs431) {
  ServerOptions o;
  o.max_request_line_bytes = 1024;
  o.max_head_bytes = 4096;
  Start(o);
  std::string r = Exchange(absl::StrCat("GET /", std::string(2000, 'a'), " HTTP/1.1\r\n"));
  EXPECT_EQ(StatusOf(r), 414);
  EXPECT_THAT(BodyOf(r), HasSubstr("request line longer than 1024 bytes"));
  // Without a line end at all (the line is still being sent).
  r = Exchange(absl::StrCat("GET /", std::string(2000, 'a')));
  EXPECT_EQ(StatusOf(r), 414);
  r = Exchange(absl::StrCat("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ", std::string(8000, 'b'),
                            "\r\n\r\n"));
  EXPECT_EQ(StatusOf(r), 431);
  EXPECT_THAT(BodyOf(r), HasSubstr("request head larger than 4096 bytes"));
  // Many small fields count too.
  std::string many = "GET /hello HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 400; ++i) absl::StrAppend(&many, "X-F", i, ": v\r\n");
  EXPECT_EQ(StatusOf(Exchange(absl::StrCat(many, "\r\n"))), 431);
}

TEST_F(ServerTest, WrongMethodIs405WithAllowAndUnknownPathIs404) {
  Start();
  std::string r = Exchange("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 405);
  EXPECT_THAT(r, HasSubstr("Allow: GET, HEAD\r\n"));
  r = Exchange("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 404);
  EXPECT_THAT(BodyOf(r), HasSubstr("no such path: /nope"));
}

TEST_F(ServerTest, HeadAnswersTheLengthWithoutABody) {
  Start();
  RawConn c(server_->port());
  ASSERT_TRUE(
      c.Send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  // Read the HEAD answer's head only (it has no body), then the GET's full answer.
  std::string head;
  char ch;
  while (!absl::EndsWith(head, "\r\n\r\n") && ::recv(c.fd(), &ch, 1, 0) == 1) head.push_back(ch);
  EXPECT_THAT(head, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(head, HasSubstr("Content-Length: 2\r\n"));
  std::string r = c.ReadResponse();
  EXPECT_THAT(r, StartsWith("HTTP/1.1 200 OK"));
  EXPECT_EQ(BodyOf(r), "hi");
}

TEST_F(ServerTest, Http10ClosesAfterTheAnswerUnlessKeepAlive) {
  Start();
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.0\r\n\r\n"));
    std::string r = c.ReadResponse();
    EXPECT_EQ(StatusOf(r), 200);
    EXPECT_THAT(r, HasSubstr("Connection: close"));
    EXPECT_TRUE(c.ClosedByPeer());
  }
  {
    RawConn c(server_->port());
    ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    EXPECT_THAT(c.ReadResponse(), HasSubstr("Connection: close"));
    EXPECT_TRUE(c.ClosedByPeer());
  }
}

TEST_F(ServerTest, AbsoluteFormTargetsAndQueriesAreDecoded) {
  Start();
  EXPECT_EQ(BodyOf(Exchange("GET http://x/query?a=b%20c HTTP/1.1\r\nHost: x\r\n\r\n")),
            "/query|b c");
  EXPECT_EQ(BodyOf(Exchange("GET /qu%65ry?a=1+2 HTTP/1.1\r\nHost: x\r\n\r\n")), "/query|1 2");
}

TEST_F(ServerTest, HeaderValuesThatWouldSplitTheResponseAreDropped) {
  Start();
  std::string r = Exchange("GET /inject HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200);
  EXPECT_THAT(r, ::testing::Not(HasSubstr("Set-Cookie")));
  EXPECT_THAT(r, HasSubstr("X-Good: fine\r\n"));
}

TEST_F(ServerTest, SlowHeadIsCutOffAtTheHeadDeadlineNotPerByte) {
  ServerOptions o;
  o.head_timeout = absl::Milliseconds(500);
  Start(o);
  RawConn c(server_->port(), 10000);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\n"));
  // A byte every 100 ms would restart a per-byte timeout forever; the head deadline still ends it.
  // The answer must come while the client is still sending: with a per-byte timeout it would
  // only come after the last byte (the loop would run to its end).
  bool answered_while_sending = false;
  for (int i = 0; i < 60; ++i) {
    if (!c.Send("X")) {
      answered_while_sending = true;  // Closed by the server after its answer.
      break;
    }
    pollfd p{c.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) {
      answered_while_sending = true;
      break;
    }
  }
  EXPECT_TRUE(answered_while_sending) << "no answer during 6 s of trickled bytes";
  std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 408);
  EXPECT_THAT(BodyOf(r), HasSubstr("request head not received in time"));
  EXPECT_GE(server_->stats().timeouts, 1u);
}

TEST_F(ServerTest, SlowBodyIsCutOffAtTheBodyDeadline) {
  ServerOptions o;
  o.body_timeout = absl::Milliseconds(300);
  Start(o);
  RawConn c(server_->port(), 10000);
  ASSERT_TRUE(c.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc"));
  std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 408);
  EXPECT_THAT(BodyOf(r), HasSubstr("request body not received in time"));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosed) {
  ServerOptions o;
  o.idle_timeout = absl::Milliseconds(300);
  Start(o);
  RawConn c(server_->port(), 10000);
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(StatusOf(c.ReadResponse()), 200);
  EXPECT_TRUE(c.ClosedByPeer());
}

TEST_F(ServerTest, ConnectionCapRefusesNewConnectionsWithoutStallingOpenOnes) {
  ServerOptions o;
  o.max_connections = 3;
  Start(o);
  std::vector<std::unique_ptr<RawConn>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<RawConn>(server_->port()));
    // A served request proves the connection was accepted and counted.
    ASSERT_TRUE(open.back()->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(StatusOf(open.back()->ReadResponse()), 200);
  }
  RawConn extra(server_->port());
  std::string r = extra.ReadAll();
  EXPECT_EQ(StatusOf(r), 503);
  EXPECT_THAT(BodyOf(r), HasSubstr("too many connections"));
  EXPECT_GE(server_->stats().connections_refused, 1u);
  // The open ones are still served.
  for (auto& c : open) {
    ASSERT_TRUE(c->Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_EQ(BodyOf(c->ReadResponse()), "hi");
  }
  // Closing one makes room again.
  open.pop_back();
  for (int i = 0; i < 100 && server_->stats().connections_open >= 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(BodyOf(Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")), "hi");
}

TEST_F(ServerTest, HalfSentRequestsDoNotStopOthersBeingServed) {
  Start();
  // cpp-httplib stopped answering with 128 of these open (one pool thread each).
  std::vector<std::unique_ptr<RawConn>> slow;
  for (int i = 0; i < 300; ++i) {
    slow.push_back(std::make_unique<RawConn>(server_->port()));
    ASSERT_TRUE(slow.back()->Send("GET / HTTP/1.1\r\n"));
  }
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(BodyOf(Exchange("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")), "hi");
  }
  EXPECT_GE(server_->stats().connections_open, 300u);
}

TEST_F(ServerTest, FullWorkerQueueAnswers503) {
  ServerOptions o;
  o.worker_threads = 1;
  o.max_worker_queue = 1;
  Start(o);
  RawConn a(server_->port()), b(server_->port()), c(server_->port());
  ASSERT_TRUE(a.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));
  WaitBlocked(1);                                                 // The only worker is busy.
  ASSERT_TRUE(b.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));  // Queued.
  for (int i = 0; i < 100 && server_->stats().requests < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(c.Send("GET /block HTTP/1.1\r\nHost: x\r\n\r\n"));  // Queue full.
  std::string r = c.ReadResponse();
  EXPECT_EQ(StatusOf(r), 503);
  EXPECT_THAT(r, HasSubstr("Retry-After: 1"));
  Release();
  EXPECT_EQ(BodyOf(a.ReadResponse()), "released");
  EXPECT_EQ(BodyOf(b.ReadResponse()), "released");
}

TEST_F(ServerTest, BufferedBytesAcrossConnectionsAreBounded) {
  ServerOptions o;
  o.max_body_bytes = 60000;
  o.max_buffered_bytes = 100000;
  Start(o);
  RawConn a(server_->port()), b(server_->port());
  // Each declares 60,000 bytes and sends a little: together over the 100,000 byte budget.
  ASSERT_TRUE(a.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\nabc"));
  for (int i = 0; i < 100 && server_->stats().buffered_bytes < 60000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(b.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 60000\r\n\r\nabc"));
  std::string r = b.ReadResponse();
  EXPECT_EQ(StatusOf(r), 503);
  EXPECT_THAT(BodyOf(r), HasSubstr("too many request bytes in flight"));
  // The first one completes.
  ASSERT_TRUE(a.Send(std::string(60000 - 3, 'x')));
  EXPECT_EQ(StatusOf(a.ReadResponse()), 200);
}

TEST_F(ServerTest, AnswerAfterStopIsDropped) {
  Respond saved;
  std::mutex mu;
  std::condition_variable cv;
  router_.HandleAsync(
      "GET", "/hold",
      [&](const Request&, Respond respond) {
        std::lock_guard<std::mutex> lock(mu);
        saved = std::move(respond);
        cv.notify_all();
      },
      Exec::kInline);
  Start();
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return saved != nullptr; });
  }
  server_->Stop();
  saved(Response::Make(200, "text/plain", "late"));  // Must not crash or write.
  server_.reset();
  saved = nullptr;
}

TEST(ServerNew, RefusesAPortInUseAndBadAddresses) {
  Router router;
  auto a = Server::New("127.0.0.1", 0, &router, {});
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(Server::New("127.0.0.1", (*a)->port(), &router, {}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot listen")));
  EXPECT_THAT(Server::New("localhost", 0, &router, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an IP address")));
  ServerOptions tls;
  tls.tls_cert_file = "/nonexistent/cert.pem";
  tls.tls_key_file = "/nonexistent/key.pem";
  EXPECT_THAT(Server::New("127.0.0.1", 0, &router, tls),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("/nonexistent/cert.pem")));
}

TEST(ServerNew, QueuesABurstOfConnectionsBeforeAccepting) {
  Router router;
  auto server = Server::New("127.0.0.1", 0, &router, {});  // Not started: no accept().
  ASSERT_THAT(server, IsOk());
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>((*server)->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  constexpr int kConnections = 64;  // a listen backlog of 5 (cpp-httplib's) refused some
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

TEST(ServerNew, StopRightAfterStartReturns) {
  Router router;
  for (int i = 0; i < 50; ++i) {
    auto server = Server::New("127.0.0.1", 0, &router, {});
    ASSERT_THAT(server, IsOk());
    (*server)->Start();
    (*server)->Stop();
  }
}

TEST(ParseHostPort, ParsesAndNamesTheFlag) {
  std::string host;
  int port = -1;
  ASSERT_THAT(ParseHostPort("[::1]:8080", "http-addr", &host, &port), IsOk());
  EXPECT_EQ(host, "::1");
  EXPECT_EQ(port, 8080);
  EXPECT_THAT(ParseHostPort("localhost", "grpc-addr", &host, &port),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--grpc-addr")));
  EXPECT_THAT(ParseHostPort("h:99999", "http-addr", &host, &port),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 to 65535")));
}

// TLS: a self-signed P-256 certificate made with the openssl command for the test.
class TlsServerTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    dir_ = ::testing::TempDir() + "/tls" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("mkdir -p " + dir_).c_str()), 0);
    const std::string cmd = absl::StrCat(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
        "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout ",
        dir_, "/key.pem -out ", dir_, "/cert.pem 2>/dev/null");
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  // Does a TLS handshake with protocol versions [min, max] and one request; returns the
  // response, or "" if the handshake failed.
  std::string TlsExchange(int min_version, int max_version, absl::string_view request) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(ctx, min_version);
    SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL_CTX_set_security_level(ctx, 0);
    SSL_CTX_load_verify_locations(ctx, (dir_ + "/cert.pem").c_str(), nullptr);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    RawConn c(server_->port());
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, c.fd());
    SSL_set1_host(ssl, "127.0.0.1");
    std::string out;
    if (SSL_connect(ssl) == 1) {
      SSL_write(ssl, request.data(), static_cast<int>(request.size()));
      char buf[4096];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0) {
        out.append(buf, static_cast<size_t>(n));
        if (out.find("\r\n\r\n") != std::string::npos && absl::EndsWith(out, "hi")) break;
      }
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return out;
  }
  std::string dir_;
};

TEST_F(TlsServerTest, ServesHttpsAndRefusesTlsOlderThan12) {
  ServerOptions o;
  o.tls_cert_file = dir_ + "/cert.pem";
  o.tls_key_file = dir_ + "/key.pem";
  Start(o);
  EXPECT_TRUE(server_->tls());
  std::string r =
      TlsExchange(TLS1_2_VERSION, TLS1_3_VERSION, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << r;
  EXPECT_EQ(BodyOf(r), "hi");
  r = TlsExchange(TLS1_2_VERSION, TLS1_2_VERSION, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 200) << "TLS 1.2 works";
  EXPECT_EQ(TlsExchange(TLS1_VERSION, TLS1_1_VERSION, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"),
            "");
  // Framing rules hold over TLS too.
  r = TlsExchange(TLS1_2_VERSION, TLS1_3_VERSION,
                  "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(StatusOf(r), 400);
}

TEST_F(TlsServerTest, PlainBytesOnTheTlsPortAreDropped) {
  ServerOptions o;
  o.tls_cert_file = dir_ + "/cert.pem";
  o.tls_key_file = dir_ + "/key.pem";
  Start(o);
  RawConn c(server_->port());
  ASSERT_TRUE(c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(c.ReadAll().find("200 OK"), std::string::npos);
  EXPECT_TRUE(c.closed());
}

TEST_F(TlsServerTest, KeyThatDoesNotMatchTheCertificateIsRefused) {
  const std::string other = dir_ + "/other.pem";
  ASSERT_EQ(std::system(("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " +
                         other + " 2>/dev/null")
                            .c_str()),
            0);
  ServerOptions o;
  o.tls_cert_file = dir_ + "/cert.pem";
  o.tls_key_file = other;
  EXPECT_THAT(Server::New("127.0.0.1", 0, &router_, o),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The DER of the certificate the server presents to a new TLS connection ("" if none).
std::string PeerCertificate(int port, SSL** keep = nullptr, int* keep_fd = nullptr) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  SSL* ssl = SSL_new(ctx);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      X509* cert = SSL_get_peer_certificate(ssl);
      if (cert != nullptr) {
        unsigned char* der = nullptr;
        int n = i2d_X509(cert, &der);
        if (n > 0) out.assign(reinterpret_cast<char*>(der), static_cast<size_t>(n));
        OPENSSL_free(der);
        X509_free(cert);
      }
    }
  }
  SSL_CTX_free(ctx);  // |ssl| holds its own reference.
  if (keep != nullptr) {
    *keep = ssl;
    *keep_fd = fd;
  } else {
    SSL_free(ssl);
    ::close(fd);
  }
  return out;
}

TEST_F(TlsServerTest, ReloadTlsServesTheNewCertificateToNewConnectionsOnly) {
  ServerOptions o;
  o.tls_cert_file = dir_ + "/cert.pem";
  o.tls_key_file = dir_ + "/key.pem";
  Start(o);
  const std::string first = PeerCertificate(server_->port());
  ASSERT_FALSE(first.empty());
  // A connection opened before the rotation keeps being served.
  SSL* old_conn = nullptr;
  int old_fd = -1;
  ASSERT_EQ(PeerCertificate(server_->port(), &old_conn, &old_fd), first);
  // Rotate: a new key and certificate in the same files (as cert-manager does).
  ASSERT_EQ(std::system(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt "
                                     "ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=rotated "
                                     "-keyout ",
                                     dir_, "/key.pem -out ", dir_, "/cert.pem 2>/dev/null")
                            .c_str()),
            0);
  EXPECT_EQ(PeerCertificate(server_->port()), first) << "nothing changes before the reload";
  ASSERT_THAT(server_->ReloadTls(), IsOk());
  const std::string second = PeerCertificate(server_->port());
  ASSERT_FALSE(second.empty());
  EXPECT_NE(second, first);
  const std::string request = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(SSL_write(old_conn, request.data(), static_cast<int>(request.size())),
            static_cast<int>(request.size()));
  std::string answer;
  char buf[4096];
  int n;
  while (!absl::EndsWith(answer, "hi") && (n = SSL_read(old_conn, buf, sizeof(buf))) > 0) {
    answer.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(StatusOf(answer), 200) << answer;
  SSL_free(old_conn);
  ::close(old_fd);
  // Unusable new files are refused naming the file; the certificate in use stays: a key that
  // does not match the certificate (read between the two writes of a rotation), then a file
  // that is not a certificate.
  ASSERT_EQ(std::system(absl::StrCat("openssl genpkey -algorithm EC -pkeyopt "
                                     "ec_paramgen_curve:P-256 -out ",
                                     dir_, "/key.pem 2>/dev/null")
                            .c_str()),
            0);
  EXPECT_THAT(
      server_->ReloadTls(),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               HasSubstr(dir_ + "/key.pem: cannot use as a PEM private key: key values mismatch")));
  EXPECT_EQ(PeerCertificate(server_->port()), second);
  std::ofstream(dir_ + "/cert.pem") << "not a certificate";
  EXPECT_THAT(server_->ReloadTls(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(dir_ + "/cert.pem")));
  EXPECT_EQ(PeerCertificate(server_->port()), second);
}

TEST_F(ServerTest, ReloadTlsOfAPlainServerIsRefused) {
  Start(ServerOptions{});
  EXPECT_THAT(server_->ReloadTls(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace vouch::http
