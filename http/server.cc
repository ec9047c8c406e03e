// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// How a connection runs (all on its event loop's thread, except handlers on the worker pool):
//
//   [TLS handshake] -> idle -> head -> [100 Continue] -> body -> handling -> writing -> idle ...
//                                                                            \-> lingering ->
//                                                                            closed
//
// Bytes are read only while a request is being received; a connection waiting for its handler
// reads nothing more, so pipelined requests wait in the kernel's buffer (or in |in_|) and are
// answered in order. Plain TCP connections wait for readability without a buffer and read into
// the loop's scratch buffer, so an idle connection holds no buffer at all. Deadlines are checked
// by a sweep every 250 ms on each loop (no timer per connection).
#include "http/server.h"

#include <signal.h>
#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/http/error.hpp"
#include "boost/beast/http/parser.hpp"
#include "boost/beast/http/string_body.hpp"
#include "openssl/ssl.h"

namespace vouch::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyTime = std::chrono::steady_clock::time_point;
using boost::system::error_code;

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

const char* StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 406:
      return "Not Acceptable";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 416:
      return "Range Not Satisfiable";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

namespace {

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      absl::ToChronoNanoseconds(d));
}

// "Sun, 06 Nov 1994 08:49:37 GMT", recomputed at most once a second per thread.
const std::string& HttpDate() {
  thread_local time_t cached_at = 0;
  thread_local std::string cached;
  const time_t now = ::time(nullptr);
  if (now != cached_at) {
    struct tm tm;
    ::gmtime_r(&now, &tm);
    char buf[64];
    const size_t n = ::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached.assign(buf, n);
    cached_at = now;
  }
  return cached;
}

bool IsTchar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// A framing error: the status to answer and what was wrong.
struct Refusal {
  int status;
  std::string message;
};

// Checks a complete request head (request line, fields, the empty line) for what Beast's parser
// accepts or reports too coarsely to name: bare CR/LF, NUL, obsolete folding, Content-Length and
// Transfer-Encoding conflicts, a Transfer-Encoding that does not end in chunked, a missing Host.
std::optional<Refusal> CheckHead(absl::string_view head) {
  for (size_t i = 0; i < head.size(); ++i) {
    const char c = head[i];
    if (c == '\0') return Refusal{400, "NUL byte in the request head"};
    if (c == '\n' && (i == 0 || head[i - 1] != '\r')) {
      return Refusal{400, "bare LF in the request head (lines must end with CRLF)"};
    }
    if (c == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) {
      return Refusal{400, "bare CR in the request head"};
    }
  }
  std::vector<absl::string_view> lines = absl::StrSplit(head, "\r\n");
  // lines: request line, fields..., "", "" (the head ends with CRLFCRLF).
  std::optional<std::string> content_length;
  int content_length_fields = 0;
  int transfer_encoding_fields = 0;
  std::string transfer_encoding;
  int host_fields = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    absl::string_view line = lines[i];
    if (line.empty()) continue;
    if (line[0] == ' ' || line[0] == '\t') {
      return Refusal{400, "obsolete line folding in header field (a line starting with a space)"};
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return Refusal{400, absl::StrCat("header line without a colon: '",
                                       absl::CEscape(line.substr(0, 64)), "'")};
    }
    absl::string_view name = line.substr(0, colon);
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTchar)) {
      return Refusal{
          400, absl::StrCat("malformed header field name '", absl::CEscape(name.substr(0, 64)),
                            "' (no spaces or separators allowed)")};
    }
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    for (char c : value) {
      const unsigned char u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        return Refusal{400, absl::StrCat("control character in the value of header field ", name)};
      }
    }
    if (absl::EqualsIgnoreCase(name, "Content-Length")) {
      ++content_length_fields;
      for (absl::string_view v : absl::StrSplit(value, ',')) {
        v = absl::StripAsciiWhitespace(v);
        if (v.empty() || v.size() > 19 ||
            !std::all_of(v.begin(), v.end(), [](char c) { return absl::ascii_isdigit(c); })) {
          return Refusal{400, absl::StrCat("Content-Length '", absl::CEscape(value.substr(0, 32)),
                                           "' is not a decimal number of bytes")};
        }
        if (content_length.has_value() && *content_length != v) {
          return Refusal{
              400, absl::StrCat("conflicting Content-Length values ", *content_length, " and ", v)};
        }
        content_length = std::string(v);
      }
    } else if (absl::EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ++transfer_encoding_fields;
      if (!transfer_encoding.empty()) transfer_encoding += ",";
      transfer_encoding += std::string(value);
    } else if (absl::EqualsIgnoreCase(name, "Host")) {
      ++host_fields;
    }
  }
  if (content_length_fields > 0 && transfer_encoding_fields > 0) {
    return Refusal{400, "both Content-Length and Transfer-Encoding (ambiguous framing)"};
  }
  if (transfer_encoding_fields > 0) {
    std::vector<absl::string_view> codings =
        absl::StrSplit(transfer_encoding, ',', absl::SkipWhitespace());
    if (codings.empty() ||
        !absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(codings.back()), "chunked")) {
      return Refusal{400, absl::StrCat("Transfer-Encoding '", absl::CEscape(transfer_encoding),
                                       "' does not end with chunked")};
    }
    for (size_t i = 0; i + 1 < codings.size(); ++i) {
      if (absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(codings[i]), "chunked")) {
        return Refusal{400, "Transfer-Encoding applies chunked more than once"};
      }
    }
  }
  // The version: HTTP/1.0 and 1.1 only (Beast refuses other majors as malformed).
  const absl::string_view request_line = lines[0];
  const size_t sp = request_line.rfind(' ');
  if (sp != absl::string_view::npos) {
    const absl::string_view v = request_line.substr(sp + 1);
    if (v.size() == 8 && absl::StartsWith(v, "HTTP/") && absl::ascii_isdigit(v[5]) && v[6] == '.' &&
        absl::ascii_isdigit(v[7]) && v != "HTTP/1.1" && v != "HTTP/1.0") {
      return Refusal{
          505, absl::StrCat("HTTP version ", v.substr(5), " not supported (1.0 and 1.1 are)")};
    }
  }
  // HTTP/1.1 requires exactly one Host.
  if (absl::EndsWith(request_line, " HTTP/1.1") && host_fields != 1) {
    return Refusal{400, host_fields == 0 ? "missing Host header (required in HTTP/1.1)"
                                         : "more than one Host header"};
  }
  return std::nullopt;
}

// The message for a Beast parser error that CheckHead did not already name.
Refusal BeastRefusal(const error_code& ec, size_t max_body) {
  if (ec == bhttp::error::body_limit) {
    return {413, absl::StrCat("request body larger than the limit of ", max_body, " bytes")};
  }
  if (ec == bhttp::error::header_limit) return {431, "request head too large"};
  if (ec == bhttp::error::bad_method) return {400, "malformed method in the request line"};
  if (ec == bhttp::error::bad_target) return {400, "malformed request target"};
  if (ec == bhttp::error::bad_version) return {400, "malformed HTTP version in the request line"};
  if (ec == bhttp::error::bad_field) return {400, "malformed header field name"};
  if (ec == bhttp::error::bad_value) return {400, "malformed header field value"};
  if (ec == bhttp::error::bad_content_length) return {400, "malformed Content-Length"};
  if (ec == bhttp::error::bad_transfer_encoding) return {400, "malformed Transfer-Encoding"};
  if (ec == bhttp::error::bad_chunk) return {400, "malformed chunk (size must be hex, then CRLF)"};
  if (ec == bhttp::error::bad_chunk_extension) return {400, "malformed chunk extension"};
  if (ec == bhttp::error::bad_line_ending) return {400, "malformed line ending"};
  if (ec == bhttp::error::bad_obs_fold) return {400, "obsolete line folding"};
  return {400, absl::StrCat("malformed request: ", ec.message())};
}

// A fixed-size pool running blocking handlers, with a bounded queue.
class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queue) : threads_(std::max(1, threads)), max_(max_queue) {}
  ~WorkerPool() { Stop(); }

  void Start() {
    for (int i = 0; i < threads_; ++i) {
      workers_.emplace_back([this] { Run(); });
    }
  }
  // False (and |fn| not run) when the queue is full or the pool stopped.
  bool Submit(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || queue_.size() >= max_) return false;
      queue_.push_back(std::move(fn));
    }
    cv_.notify_one();
    return true;
  }
  void Stop() {
    std::deque<std::function<void()>> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      dropped.swap(queue_);
    }
    cv_.notify_all();
    for (std::thread& t : workers_) {
      if (t.joinable()) t.join();
    }
    workers_.clear();
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> fn;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        fn = std::move(queue_.front());
        queue_.pop_front();
      }
      fn();
    }
  }

  const int threads_;
  const size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

class ConnBase;

// One event loop: an io_context run by one thread, and the connections it serves.
struct Loop {
  asio::io_context ctx{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard;
  std::unique_ptr<asio::steady_timer> sweep;
  std::thread thread;
  // Open connections; only touched on this loop's thread. Owning: a connection leaves the list
  // when it is closed.
  std::list<std::shared_ptr<ConnBase>> conns;
  std::vector<char> scratch = std::vector<char>(64 << 10);
};

class ConnBase {
 public:
  virtual ~ConnBase() = default;
  // Closes the connection if its deadline passed (answering 408 where a request was being
  // received).
  virtual void Sweep(SteadyTime now) = 0;
  // Closes at once (server stopping).
  virtual void Abort() = 0;
  std::list<std::shared_ptr<ConnBase>>::iterator self_in_loop;
};

}  // namespace

struct Server::Core : std::enable_shared_from_this<Server::Core> {
  ServerOptions options;
  const Router* router = nullptr;
  std::string host;
  int port = 0;
  std::vector<std::unique_ptr<Loop>> loops;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_retry;
  // TLS: the context new connections use (replaced by ReloadTls; each connection keeps the one
  // it started with). tls is fixed at New.
  bool tls = false;
  absl::Mutex ssl_mu;
  std::shared_ptr<asio::ssl::context> ssl ABSL_GUARDED_BY(ssl_mu);
  std::unique_ptr<WorkerPool> workers;

  std::shared_ptr<asio::ssl::context> TlsContext() {
    absl::MutexLock lock(&ssl_mu);
    return ssl;
  }
  size_t next_loop = 0;

  std::atomic<uint64_t> connections_open{0};
  std::atomic<uint64_t> connections_accepted{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> framing_errors{0};
  std::atomic<uint64_t> timeouts{0};
  std::atomic<uint64_t> overloaded{0};
  std::atomic<int64_t> buffered{0};

  // Guards posting answers to the loops once Stop() has begun.
  std::mutex post_mu;
  bool stopped = false;
  bool started = false;

  // Runs |fn| on |loop|'s thread unless the server has stopped.
  void PostTo(Loop* loop, std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(post_mu);
    if (stopped) return;
    asio::post(loop->ctx, std::move(fn));
  }

  void Accept();
  void OnAccept(const error_code& ec, tcp::socket socket, Loop* loop);
  void ScheduleSweep(Loop* loop);
};

namespace {

using Core = Server::Core;

template <bool kTls>
class Connection : public ConnBase, public std::enable_shared_from_this<Connection<kTls>> {
 public:
  using Stream = std::conditional_t<kTls, asio::ssl::stream<tcp::socket>, tcp::socket>;

  Connection(std::shared_ptr<Core> core, Loop* loop, tcp::socket socket)
      : core_(std::move(core)),
        loop_(loop),
        ssl_(kTls ? core_->TlsContext() : nullptr),
        stream_(MakeStream(std::move(socket), ssl_.get())) {
    error_code ec;
    const tcp::endpoint ep = Socket().remote_endpoint(ec);
    if (!ec) peer_ = absl::StrCat(ep.address().to_string(), ":", ep.port());
    Socket().set_option(tcp::no_delay(true), ec);
    if constexpr (!kTls) Socket().non_blocking(true, ec);
    core_->connections_open.fetch_add(1, std::memory_order_relaxed);
  }
  ~Connection() override {
    Release();
    core_->connections_open.fetch_sub(1, std::memory_order_relaxed);
  }

  void Begin() {
    if constexpr (kTls) {
      state_ = State::kHandshake;
      SetDeadline(core_->options.handshake_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](const error_code& ec) {
                                if (ec || self->state_ == State::kClosed) {
                                  self->Close();
                                  return;
                                }
                                self->BeginIdle();
                              });
    } else {
      BeginIdle();
    }
  }

  void Sweep(SteadyTime now) override {
    if (state_ == State::kClosed || state_ == State::kHandling || now < deadline_) return;
    switch (state_) {
      case State::kHead:
      case State::kBody:
        core_->timeouts.fetch_add(1, std::memory_order_relaxed);
        Refuse(408, state_ == State::kHead ? "request head not received in time"
                                           : "request body not received in time");
        return;
      case State::kIdle:
        Close();
        return;
      default:  // handshake, writing, lingering
        if (state_ != State::kLingering) core_->timeouts.fetch_add(1, std::memory_order_relaxed);
        Close();
        return;
    }
  }

  void Abort() override { Close(); }

 private:
  enum class State { kHandshake, kIdle, kHead, kBody, kHandling, kWriting, kLingering, kClosed };

  static Stream MakeStream(tcp::socket socket, asio::ssl::context* ssl);

  tcp::socket& Socket() {
    if constexpr (kTls) {
      return stream_.next_layer();
    } else {
      return stream_;
    }
  }

  void SetDeadline(absl::Duration d) { deadline_ = std::chrono::steady_clock::now() + ToChrono(d); }

  // Adjusts the server-wide count of buffered request bytes to what this connection holds now.
  // False if that would exceed the server's limit.
  bool Account() {
    const int64_t held = static_cast<int64_t>(in_.size()) + static_cast<int64_t>(reserved_body_);
    const int64_t delta = held - accounted_;
    if (delta > 0) {
      const int64_t now = core_->buffered.fetch_add(delta, std::memory_order_relaxed) + delta;
      accounted_ = held;
      if (now > static_cast<int64_t>(core_->options.max_buffered_bytes)) return false;
    } else if (delta < 0) {
      core_->buffered.fetch_add(delta, std::memory_order_relaxed);
      accounted_ = held;
    }
    return true;
  }
  void Release() {
    if (accounted_ != 0) {
      core_->buffered.fetch_sub(accounted_, std::memory_order_relaxed);
      accounted_ = 0;
    }
  }

  void BeginIdle() {
    state_ = State::kIdle;
    parser_.reset();
    reserved_body_ = 0;
    head_scan_ = 0;
    scanned_ = 0;
    first_eol_ = std::string::npos;
    SetDeadline(core_->options.idle_timeout);
    Process();
  }

  // Parses what is buffered; reads more when needed.
  void Process() {
    if (state_ == State::kClosed) return;
    if (state_ == State::kIdle) {
      // Empty lines before a request line are ignored (RFC 9112 section 2.2).
      size_t skip = 0;
      while (skip + 1 < in_.size() && in_[skip] == '\r' && in_[skip + 1] == '\n') skip += 2;
      if (skip > 0) in_.erase(0, skip);
      if (in_.empty() || (in_.size() == 1 && in_[0] == '\r')) {
        Read();
        return;
      }
      state_ = State::kHead;
      SetDeadline(core_->options.head_timeout);
    }
    if (state_ == State::kHead && !ParseHead()) return;
    if (state_ == State::kBody && !ParseBody()) return;
  }

  // In kHead: waits for the whole head, checks it and hands it to the parser. True when the
  // head is done and the body (if any) may be parsed.
  bool ParseHead() {
    const ServerOptions& o = core_->options;
    // Scan only the head's bytes that arrived since the last call (a head sent a byte at a time
    // must not cost quadratic time), never the body after it.
    const size_t end = in_.find("\r\n\r\n", head_scan_);
    const size_t scan_end = end == std::string::npos ? in_.size() : end + 4;
    for (size_t i = scanned_; i < scan_end; ++i) {
      const char c = in_[i];
      if (c == '\0') {
        Refuse(400, "NUL byte in the request head");
        return false;
      }
      if (c == '\n') {
        if (i == 0 || in_[i - 1] != '\r') {
          Refuse(400, "bare LF in the request head (lines must end with CRLF)");
          return false;
        }
        if (first_eol_ == std::string::npos) first_eol_ = i - 1;
      }
    }
    scanned_ = scan_end;
    if (end == std::string::npos) {
      head_scan_ = in_.size() >= 3 ? in_.size() - 3 : 0;
      const size_t line_len = first_eol_ == std::string::npos ? in_.size() : first_eol_;
      if (line_len > o.max_request_line_bytes) {
        Refuse(414, absl::StrCat("request line longer than ", o.max_request_line_bytes, " bytes"));
        return false;
      }
      if (in_.size() > o.max_head_bytes) {
        Refuse(431, absl::StrCat("request head larger than ", o.max_head_bytes, " bytes"));
        return false;
      }
      if (!Account()) {
        Overloaded();
        return false;
      }
      Read();
      return false;
    }
    const size_t head_len = end + 4;
    if (first_eol_ > o.max_request_line_bytes) {
      Refuse(414, absl::StrCat("request line longer than ", o.max_request_line_bytes, " bytes"));
      return false;
    }
    if (head_len > o.max_head_bytes) {
      Refuse(431, absl::StrCat("request head larger than ", o.max_head_bytes, " bytes"));
      return false;
    }
    if (auto refusal = CheckHead(absl::string_view(in_.data(), head_len))) {
      Refuse(refusal->status, refusal->message);
      return false;
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(o.max_head_bytes + 4));
    parser_->body_limit(o.max_body_bytes);
    parser_->eager(false);
    error_code ec;
    const size_t n = parser_->put(asio::buffer(in_.data(), head_len), ec);
    if (ec && ec != bhttp::error::need_more) {
      Refuse(BeastRefusal(ec, o.max_body_bytes));
      return false;
    }
    if (!parser_->is_header_done() || n != head_len) {
      Refuse(400, "malformed request head");
      return false;
    }
    in_.erase(0, head_len);
    const auto& h = parser_->get();
    if (h.version() != 11 && h.version() != 10) {
      Refuse(505, absl::StrCat("HTTP version ", h.version() / 10, ".", h.version() % 10,
                               " not supported (1.0 and 1.1 are)"));
      return false;
    }
    const bool has_length = parser_->content_length().has_value() || parser_->chunked();
    const std::string method(h.method_string());
    if (!has_length && (method == "POST" || method == "PUT" || method == "PATCH")) {
      Refuse(411, absl::StrCat(method, " needs a Content-Length or chunked Transfer-Encoding"));
      return false;
    }
    if (parser_->content_length().has_value()) {
      reserved_body_ = static_cast<size_t>(*parser_->content_length());
    }
    if (!Account()) {
      Overloaded();
      return false;
    }
    state_ = State::kBody;
    SetDeadline(o.body_timeout);
    if (!parser_->is_done()) {
      auto expect = h.find(bhttp::field::expect);
      if (expect != h.end()) {
        if (!absl::EqualsIgnoreCase(
                absl::string_view(expect->value().data(), expect->value().size()),
                "100-continue")) {
          Refuse(417, "unsupported Expect (only 100-continue is)");
          return false;
        }
        if (in_.empty()) {
          SendContinue();
          return false;
        }
      }
    }
    parser_->eager(true);
    return true;
  }

  void SendContinue() {
    static const char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    writing_interim_ = true;
    asio::async_write(stream_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                      [self = this->shared_from_this()](const error_code& ec, size_t) {
                        self->writing_interim_ = false;
                        if (ec || self->state_ == State::kClosed) {
                          self->Close();
                          return;
                        }
                        if (self->pending_refusal_.has_value()) {
                          Response r = std::move(*self->pending_refusal_);
                          self->pending_refusal_.reset();
                          self->Write(std::move(r));
                          return;
                        }
                        self->parser_->eager(true);
                        self->Process();
                      });
  }

  // In kBody: feeds buffered bytes to the parser. True only when the request was dispatched.
  bool ParseBody() {
    while (!parser_->is_done()) {
      if (in_.empty()) {
        Read();
        return false;
      }
      error_code ec;
      const size_t n = parser_->put(asio::buffer(in_.data(), in_.size()), ec);
      in_.erase(0, n);
      if (ec == bhttp::error::need_more) {
        if (n == 0) {
          // A chunk header not complete yet; bound what a never-ending one can make us hold.
          if (in_.size() > 4096) {
            Refuse(400, "malformed chunk (chunk size line too long)");
            return false;
          }
          Read();
          return false;
        }
        continue;
      }
      if (ec) {
        Refuse(BeastRefusal(ec, core_->options.max_body_bytes));
        return false;
      }
      if (parser_->chunked()) {
        reserved_body_ = parser_->get().body().size();
        if (!Account()) {
          Overloaded();
          return false;
        }
      }
    }
    Dispatch();
    return true;
  }

  // Waits for more bytes, then appends them to |in_| and continues processing.
  void Read() {
    if (reading_ || state_ == State::kClosed) return;
    reading_ = true;
    if constexpr (kTls) {
      if (tls_buf_ == nullptr) tls_buf_.reset(new char[kTlsBuf]);
      stream_.async_read_some(asio::buffer(tls_buf_.get(), kTlsBuf),
                              [self = this->shared_from_this()](const error_code& ec, size_t n) {
                                self->reading_ = false;
                                self->OnRead(ec, self->tls_buf_.get(), n);
                              });
    } else {
      stream_.async_wait(tcp::socket::wait_read,
                         [self = this->shared_from_this()](const error_code& ec) {
                           self->reading_ = false;
                           if (ec) {
                             self->OnRead(ec, nullptr, 0);
                             return;
                           }
                           error_code rec;
                           std::vector<char>& buf = self->loop_->scratch;
                           const size_t n = self->stream_.read_some(asio::buffer(buf), rec);
                           if (rec == asio::error::would_block) {
                             self->Read();
                             return;
                           }
                           self->OnRead(rec, buf.data(), n);
                         });
    }
  }

  void OnRead(const error_code& ec, const char* data, size_t n) {
    if (state_ == State::kClosed) return;
    if (state_ == State::kLingering) {
      // Discarding what the client still sends after our final answer.
      if (ec || (lingered_ += n) > kMaxLinger) {
        Close();
      } else {
        Read();
      }
      return;
    }
    if (ec) {
      // EOF or reset: nothing to answer (a partial request is simply dropped).
      Close();
      return;
    }
    in_.append(data, n);
    Process();
  }

  void Dispatch() {
    state_ = State::kHandling;
    Request req;
    {
      auto msg = parser_->release();
      req.method = std::string(msg.method_string());
      req.target = std::string(msg.target());
      for (const auto& f : msg) {
        req.headers.Add(std::string(f.name_string()), std::string(f.value()));
      }
      req.body = std::move(msg.body());
      keep_alive_ = msg.keep_alive();
    }
    parser_.reset();
    reserved_body_ = 0;
    Account();
    req.peer = peer_;
    req.tls = kTls;
    absl::string_view target = req.target;
    // Absolute form (RFC 9112 section 3.2.2): use the path and query.
    if (absl::StartsWithIgnoreCase(target, "http://") ||
        absl::StartsWithIgnoreCase(target, "https://")) {
      const size_t slash = target.find('/', target.find("//") + 2);
      target = slash == absl::string_view::npos ? absl::string_view("/") : target.substr(slash);
    }
    if (!ParseTarget(target, &req.path, &req.query)) {
      Refuse(400, "malformed request target (bad percent-encoding, NUL, or not a path)");
      return;
    }
    core_->requests.fetch_add(1, std::memory_order_relaxed);
    head_request_ = req.method == "HEAD";
    const uint64_t seq = ++seq_;
    Router::Match m = core_->router->Find(req.method, req.path);
    if (m.handler == nullptr) {
      // The router answers 404/405 (with Allow) itself.
      core_->router->Dispatch(std::move(req), MakeRespond(seq));
      return;
    }
    req.path_params = std::move(m.path_params);
    if (m.exec == Exec::kInline) {
      (*m.handler)(req, MakeRespond(seq));
      return;
    }
    const AsyncHandler* handler = m.handler;
    auto shared_req = std::make_shared<Request>(std::move(req));
    Respond respond = MakeRespond(seq);
    if (!core_->workers->Submit([handler, shared_req, respond]() mutable {
          (*handler)(*shared_req, std::move(respond));
        })) {
      core_->overloaded.fetch_add(1, std::memory_order_relaxed);
      Response r = Response::Error(503, "server busy: too many requests waiting; retry later");
      r.headers.Set("Retry-After", "1");
      OnResponse(seq, std::move(r));
    }
  }

  Respond MakeRespond(uint64_t seq) {
    auto self = this->shared_from_this();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    return [self, seq, answered](Response r) {
      if (answered->exchange(true)) return;  // A second answer is a handler bug: ignored.
      if (self->loop_->ctx.get_executor().running_in_this_thread()) {
        self->OnResponse(seq, std::move(r));
        return;
      }
      auto shared = std::make_shared<Response>(std::move(r));
      self->core_->PostTo(self->loop_,
                          [self, seq, shared] { self->OnResponse(seq, std::move(*shared)); });
    };
  }

  void OnResponse(uint64_t seq, Response r) {
    if (state_ != State::kHandling || seq != seq_) return;
    if (!keep_alive_) close_after_ = true;
    Write(std::move(r));
  }

  // Answers a framing error (or timeout) and closes the connection after the answer.
  void Refuse(const Refusal& r) { Refuse(r.status, r.message); }
  void Refuse(int status, const std::string& message) {
    if (status != 408 && status != 503) {
      core_->framing_errors.fetch_add(1, std::memory_order_relaxed);
    }
    close_after_ = true;
    head_request_ = false;
    parser_.reset();
    reserved_body_ = 0;
    in_.clear();
    in_.shrink_to_fit();
    Account();
    if (writing_interim_) {
      // A 100 Continue is still being written: the final answer follows it.
      pending_refusal_ = Response::Error(status, message);
      return;
    }
    Write(Response::Error(status, message));
  }

  void Overloaded() {
    core_->overloaded.fetch_add(1, std::memory_order_relaxed);
    Refuse(503, "server busy: too many request bytes in flight; retry later");
  }

  void Write(Response r) {
    if (state_ == State::kClosed) return;
    state_ = State::kWriting;
    SetDeadline(core_->options.write_timeout);
    const bool no_body = r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200);
    std::string& out = out_;
    out.clear();
    out.reserve(256 + r.body.size());
    absl::StrAppend(&out, "HTTP/1.1 ", r.status, " ", StatusReason(r.status), "\r\n");
    for (const auto& [name, value] : r.headers.fields()) {
      if (absl::EqualsIgnoreCase(name, "Content-Length") ||
          absl::EqualsIgnoreCase(name, "Transfer-Encoding") ||
          absl::EqualsIgnoreCase(name, "Connection") || absl::EqualsIgnoreCase(name, "Date")) {
        continue;
      }
      // Never let a value split the response (handlers may echo client input).
      if (name.find_first_of("\r\n:\0", 0, 4) != std::string::npos ||
          value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos) {
        continue;
      }
      absl::StrAppend(&out, name, ": ", value, "\r\n");
    }
    if (!core_->options.server_name.empty()) {
      absl::StrAppend(&out, "Server: ", core_->options.server_name, "\r\n");
    }
    absl::StrAppend(&out, "Date: ", HttpDate(), "\r\n");
    if (!no_body) absl::StrAppend(&out, "Content-Length: ", r.body.size(), "\r\n");
    if (close_after_) absl::StrAppend(&out, "Connection: close\r\n");
    out.append("\r\n");
    if (!no_body && !head_request_) out.append(r.body);
    head_request_ = false;
    asio::async_write(
        stream_, asio::buffer(out_),
        [self = this->shared_from_this()](const error_code& ec, size_t) { self->OnWritten(ec); });
  }

  void OnWritten(const error_code& ec) {
    if (state_ == State::kClosed) return;
    if (out_.capacity() > (64 << 10)) {
      std::string().swap(out_);
    } else {
      out_.clear();
    }
    if (ec) {
      Close();
      return;
    }
    if (close_after_) {
      Linger();
      return;
    }
    BeginIdle();
  }

  // After a final answer on a connection that closes: stop sending, then read and discard for a
  // moment so the client sees our answer instead of a reset caused by its unread bytes.
  void Linger() {
    state_ = State::kLingering;
    SetDeadline(absl::Seconds(2));
    in_.clear();
    in_.shrink_to_fit();
    Account();
    error_code ec;
    if constexpr (kTls) {
      // close_notify, then close (TLS clients read the answer before the alert).
      stream_.async_shutdown(
          [self = this->shared_from_this()](const error_code&) { self->Close(); });
      return;
    } else {
      Socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec) {
        Close();
        return;
      }
      Read();
    }
  }

  void Close() {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    error_code ec;
    Socket().shutdown(tcp::socket::shutdown_both, ec);
    Socket().close(ec);
    in_.clear();
    in_.shrink_to_fit();
    parser_.reset();
    reserved_body_ = 0;
    Release();
    // Leave the loop's list last: it may hold the last reference to this.
    auto keep = this->shared_from_this();
    loop_->conns.erase(self_in_loop);
  }

  static constexpr size_t kTlsBuf = 16 << 10;
  static constexpr size_t kMaxLinger = 1 << 20;

  std::shared_ptr<Core> core_;
  Loop* loop_;
  std::shared_ptr<asio::ssl::context> ssl_;  // outlives stream_
  Stream stream_;
  std::string peer_;
  State state_ = State::kIdle;
  SteadyTime deadline_{};
  std::string in_;
  size_t head_scan_ = 0;                  // where to resume looking for the end of the head
  size_t scanned_ = 0;                    // bytes of the head checked for NUL and bare LF
  size_t first_eol_ = std::string::npos;  // length of the request line, once known
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  size_t reserved_body_ = 0;
  int64_t accounted_ = 0;
  bool reading_ = false;
  bool writing_interim_ = false;
  std::optional<Response> pending_refusal_;
  bool keep_alive_ = true;
  bool close_after_ = false;
  bool head_request_ = false;
  uint64_t seq_ = 0;
  size_t lingered_ = 0;
  std::string out_;
  std::unique_ptr<char[]> tls_buf_;
};

template <>
Connection<false>::Stream Connection<false>::MakeStream(tcp::socket socket, asio::ssl::context*) {
  return socket;
}
template <>
Connection<true>::Stream Connection<true>::MakeStream(tcp::socket socket, asio::ssl::context* ssl) {
  return Stream(std::move(socket), *ssl);
}

void RefuseOverCap(tcp::socket& socket) {
  static const char kBusy[] =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: 58\r\nConnection: close\r\nRetry-After: 1\r\n\r\n"
      "{\"code\":503,\"message\":\"too many connections; retry later\"}";
  static_assert(sizeof("{\"code\":503,\"message\":\"too many connections; retry later\"}") - 1 ==
                58);
  // One non-blocking attempt: a new connection's send buffer is empty, so this fits.
  (void)::send(socket.native_handle(), kBusy, sizeof(kBusy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace

namespace {

// A TLS 1.2+ server context with |options|' certificate chain and key. FailedPrecondition naming
// the file that cannot be used.
absl::StatusOr<std::shared_ptr<asio::ssl::context>> MakeTlsContext(const ServerOptions& options) {
  error_code ec;
  auto ssl = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* raw = ssl->native_handle();
  SSL_CTX_set_min_proto_version(raw, TLS1_2_VERSION);
  SSL_CTX_set_options(
      raw, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  ssl->use_certificate_chain_file(options.tls_cert_file, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat(
        options.tls_cert_file, ": cannot use as a PEM certificate chain: ", ec.message()));
  }
  ssl->use_private_key_file(options.tls_key_file, asio::ssl::context::pem, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat(options.tls_key_file, ": cannot use as a PEM private key: ", ec.message()));
  }
  if (SSL_CTX_check_private_key(raw) != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        options.tls_key_file, ": does not match the certificate in ", options.tls_cert_file));
  }
  return ssl;
}

}  // namespace

void Server::Core::Accept() {
  Loop* loop = loops[next_loop++ % loops.size()].get();
  acceptor->async_accept(loop->ctx,
                         [self = shared_from_this(), loop](const error_code& ec, tcp::socket s) {
                           self->OnAccept(ec, std::move(s), loop);
                         });
}

void Server::Core::OnAccept(const error_code& ec, tcp::socket socket, Loop* loop) {
  if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
  if (ec) {
    // Out of file descriptors or memory: try again shortly instead of spinning.
    accept_retry->expires_after(std::chrono::milliseconds(100));
    accept_retry->async_wait([self = shared_from_this()](const error_code& e) {
      if (!e) self->Accept();
    });
    return;
  }
  connections_accepted.fetch_add(1, std::memory_order_relaxed);
  if (connections_open.load(std::memory_order_relaxed) >= options.max_connections) {
    connections_refused.fetch_add(1, std::memory_order_relaxed);
    RefuseOverCap(socket);
  } else {
    std::shared_ptr<ConnBase> conn;
    std::function<void()> begin;
    if (tls) {
      auto c = std::make_shared<Connection<true>>(shared_from_this(), loop, std::move(socket));
      conn = c;
      begin = [c] { c->Begin(); };
    } else {
      auto c = std::make_shared<Connection<false>>(shared_from_this(), loop, std::move(socket));
      conn = c;
      begin = [c] { c->Begin(); };
    }
    asio::post(loop->ctx, [loop, conn, begin] {
      loop->conns.push_front(conn);
      conn->self_in_loop = loop->conns.begin();
      begin();
    });
  }
  Accept();
}

void Server::Core::ScheduleSweep(Loop* loop) {
  loop->sweep->expires_after(std::chrono::milliseconds(250));
  loop->sweep->async_wait([self = shared_from_this(), loop](const error_code& ec) {
    if (ec) return;  // Cancelled: stopping.
    const SteadyTime now = std::chrono::steady_clock::now();
    for (auto it = loop->conns.begin(); it != loop->conns.end();) {
      auto cur = it++;
      (*cur)->Sweep(now);  // May remove |cur| (only).
    }
    self->ScheduleSweep(loop);
  });
}

absl::StatusOr<std::unique_ptr<Server>> Server::New(const std::string& host, int port,
                                                    const Router* router,
                                                    const ServerOptions& options) {
  if (router == nullptr) return absl::InvalidArgumentError("http server: no router");
  if (options.max_head_bytes < options.max_request_line_bytes || options.max_head_bytes < 64) {
    return absl::InvalidArgumentError(
        "http server: max_head_bytes must be at least max_request_line_bytes and 64");
  }
  auto core = std::make_shared<Core>();
  core->options = options;
  core->router = router;
  core->host = host;
  const int loops = std::max(1, options.io_threads);
  for (int i = 0; i < loops; ++i) core->loops.push_back(std::make_unique<Loop>());
  asio::io_context& ctx = core->loops[0]->ctx;

  error_code ec;
  const asio::ip::address addr = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("http server: \"", host, "\" is not an IP address"));
  }
  core->acceptor = std::make_unique<tcp::acceptor>(ctx);
  const tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  core->acceptor->open(ep.protocol(), ec);
  if (!ec) core->acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) core->acceptor->bind(ep, ec);
  if (!ec) core->acceptor->listen(options.listen_backlog, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen for HTTP on ", host, ":", port, ": ", ec.message()));
  }
  core->port = core->acceptor->local_endpoint(ec).port();
  core->accept_retry = std::make_unique<asio::steady_timer>(ctx);

  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
      return absl::InvalidArgumentError("TLS needs both a certificate file and a key file");
    }
    auto ssl = MakeTlsContext(options);
    if (!ssl.ok()) return ssl.status();
    core->tls = true;
    absl::MutexLock lock(&core->ssl_mu);
    core->ssl = *std::move(ssl);
  }
  core->workers = std::make_unique<WorkerPool>(options.worker_threads, options.max_worker_queue);
  return std::unique_ptr<Server>(new Server(std::move(core)));
}

Server::Server(std::shared_ptr<Core> core) : core_(std::move(core)) {}

Server::~Server() { Stop(); }

void Server::Start() {
  {
    std::lock_guard<std::mutex> lock(core_->post_mu);
    if (core_->started || core_->stopped) return;
    core_->started = true;
  }
  core_->workers->Start();
  for (auto& loop : core_->loops) {
    loop->guard.emplace(loop->ctx.get_executor());
    loop->sweep = std::make_unique<asio::steady_timer>(loop->ctx);
    core_->ScheduleSweep(loop.get());
  }
  core_->Accept();
  for (size_t i = 0; i < core_->loops.size(); ++i) {
    Loop* loop = core_->loops[i].get();
    loop->thread = std::thread([loop, i] {
      const std::string name = absl::StrCat("vouch-http-", i);
      ::pthread_setname_np(::pthread_self(), name.c_str());
      loop->ctx.run();
    });
  }
}

void Server::Stop() {
  {
    std::lock_guard<std::mutex> lock(core_->post_mu);
    if (core_->stopped) return;
    core_->stopped = true;
    if (!core_->started) return;
  }
  for (size_t i = 0; i < core_->loops.size(); ++i) {
    Loop* loop = core_->loops[i].get();
    Core* core = core_.get();
    asio::post(loop->ctx, [core, loop, i] {
      error_code ec;
      if (i == 0) {
        core->acceptor->close(ec);
        core->accept_retry->cancel();
      }
      loop->sweep->cancel();
      while (!loop->conns.empty()) {
        std::shared_ptr<ConnBase> c = loop->conns.front();
        c->Abort();  // Removes it from the list.
        if (!loop->conns.empty() && loop->conns.front() == c) loop->conns.pop_front();
      }
    });
    loop->guard.reset();
  }
  for (auto& loop : core_->loops) {
    if (loop->thread.joinable()) loop->thread.join();
  }
  core_->workers->Stop();
}

int Server::port() const { return core_->port; }
const std::string& Server::host() const { return core_->host; }
bool Server::tls() const { return core_->tls; }

absl::Status Server::ReloadTls() {
  if (!core_->tls) return absl::FailedPreconditionError("http server: not serving TLS");
  auto ssl = MakeTlsContext(core_->options);
  if (!ssl.ok()) return ssl.status();
  absl::MutexLock lock(&core_->ssl_mu);
  core_->ssl = *std::move(ssl);
  return absl::OkStatus();
}

ServerStats Server::stats() const {
  ServerStats s;
  s.connections_open = core_->connections_open.load(std::memory_order_relaxed);
  s.connections_accepted = core_->connections_accepted.load(std::memory_order_relaxed);
  s.connections_refused = core_->connections_refused.load(std::memory_order_relaxed);
  s.requests = core_->requests.load(std::memory_order_relaxed);
  s.framing_errors = core_->framing_errors.load(std::memory_order_relaxed);
  s.timeouts = core_->timeouts.load(std::memory_order_relaxed);
  s.overloaded = core_->overloaded.load(std::memory_order_relaxed);
  const int64_t b = core_->buffered.load(std::memory_order_relaxed);
  s.buffered_bytes = b > 0 ? static_cast<uint64_t>(b) : 0;
  return s;
}

}  // namespace vouch::http
