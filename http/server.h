// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Server: Vouch's event-driven HTTP/1.1 front (Boost.Asio, with Boost.Beast's request parser),
// over plain TCP or TLS (OpenSSL). It parses bytes into http::Request, dispatches them through a
// Router and writes the handlers' Responses. Built for hostile clients on a public port:
//
//  - No thread per connection: a few event-loop threads serve every connection, so idle,
//    slowly-sent or slowly-read connections cost a socket and a few hundred bytes, never a
//    thread (handlers that may block run on a bounded worker pool, Exec::kWorker).
//  - Deadlines for the WHOLE request head (not per byte), for the whole body, for writing the
//    response, for an idle keep-alive connection and for the TLS handshake.
//  - Strict framing (RFC 9112), each refused with a status and a message naming what was wrong,
//    then the connection is closed: Content-Length together with Transfer-Encoding, differing
//    or malformed Content-Length values, a Transfer-Encoding that does not end in chunked, bad
//    chunk sizes, bare CR or LF, NUL, obsolete line folding, a missing Host (400); a request line
//    over the limit (414); a head over the limit (431); a body over the limit (413 as soon as the
//    declared length or the chunks read so far exceed it, before the bytes are buffered); POST,
//    PUT or PATCH with neither Content-Length nor chunked (411); HTTP versions other than 1.0 and
//    1.1 (505).
//  - Keep-alive with pipelining: requests on one connection are answered in order.
//  - A connection cap: beyond it a new connection gets "503 too many connections" and is
//    closed; connections already open are never stalled by it. A cap on the request bytes
//    buffered across all connections (503 beyond).
//
// Thread-safe. Handlers may answer from any thread, exactly once; answers for a connection that
// has gone away are dropped.
#ifndef VOUCH_HTTP_SERVER_H_
#define VOUCH_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "http/router.h"

namespace vouch::http {

struct ServerOptions {
  // Largest request body (any framing); larger: 413 naming the limit.
  size_t max_body_bytes = 4 << 20;
  // Largest request line (method, target, version); larger: 414.
  size_t max_request_line_bytes = 8 << 10;
  // Largest request head (request line and header fields); larger: 431.
  size_t max_head_bytes = 16 << 10;
  // Request bytes (heads and bodies being received) buffered across all connections; a request
  // that would go beyond is answered 503 and its connection closed. Bounds what slow senders
  // can make the server hold.
  size_t max_buffered_bytes = 256 << 20;
  // Time allowed for a whole request head, from its first byte (408 and close when exceeded).
  absl::Duration head_timeout = absl::Seconds(10);
  // Time allowed for a whole body, from the end of the head (408 and close).
  absl::Duration body_timeout = absl::Seconds(30);
  // Time allowed to write a whole response (the connection is closed when exceeded).
  absl::Duration write_timeout = absl::Seconds(30);
  // An open connection with no request in progress is closed after this long.
  absl::Duration idle_timeout = absl::Seconds(60);
  // TLS handshake deadline.
  absl::Duration handshake_timeout = absl::Seconds(10);
  // Most open connections; beyond: 503 and close.
  size_t max_connections = 20000;
  // Event-loop threads (0 = 1).
  int io_threads = 1;
  // Threads that run Exec::kWorker handlers, and how many such requests may wait for one
  // (beyond: 503).
  int worker_threads = 16;
  size_t max_worker_queue = 4096;
  // Pending connections the kernel queues before accept (capped by net.core.somaxconn).
  int listen_backlog = 1024;
  // TLS: PEM certificate chain (leaf first) and private key files; both empty = plain HTTP.
  // TLS 1.2 or newer only.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Value of the Server header (empty = none).
  std::string server_name = "vouchd";
};

// Counters since the server started (a snapshot; each field is read atomically).
struct ServerStats {
  uint64_t connections_open = 0;
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;  // over max_connections
  uint64_t requests = 0;             // dispatched to the router
  uint64_t framing_errors = 0;       // 400/411/413/414/431/505 from the parser
  uint64_t timeouts = 0;             // head, body, write, handshake deadlines
  uint64_t overloaded = 0;           // 503: worker queue or buffered bytes full
  uint64_t buffered_bytes = 0;       // request bytes held right now
};

class Server {
 public:
  // Binds |host|:|port| (0 = a free port) and prepares to serve |router|, which must outlive
  // the server. InvalidArgument for a bad address or options, Unavailable if the address cannot
  // be bound, FailedPrecondition for unusable TLS files.
  static absl::StatusOr<std::unique_ptr<Server>> New(const std::string& host, int port,
                                                     const Router* router,
                                                     const ServerOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts the event-loop and worker threads; returns once the server accepts connections.
  void Start();
  // Stops accepting, closes every connection and joins the threads. Idempotent. Handlers still
  // running may answer later; their answers are dropped.
  void Stop();

  // Re-reads the TLS certificate chain and key files (ServerOptions::tls_cert_file,
  // tls_key_file; e.g. after cert-manager rotated them) and serves them to connections accepted
  // from now on; connections already open keep theirs. FailedPrecondition naming the file when
  // the new files cannot be used (the old certificate stays), or when the server is not TLS.
  absl::Status ReloadTls();

  int port() const;
  const std::string& host() const;
  bool tls() const;
  ServerStats stats() const;

  struct Core;  // Internal.

 private:
  explicit Server(std::shared_ptr<Core> core);
  std::shared_ptr<Core> core_;
};

// Splits "HOST:PORT" (port 0..65535; "[v6]:PORT" for IPv6). InvalidArgument naming |flag| when
// malformed.
absl::Status ParseHostPort(const std::string& addr, const std::string& flag, std::string* host,
                           int* port);

// The reason phrase for an HTTP status code ("OK", "Not Found", ...; "Unknown" otherwise).
const char* StatusReason(int status);

}  // namespace vouch::http

#endif  // VOUCH_HTTP_SERVER_H_
