// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// HttpClient: the auditor's HTTP client over libcurl's multi interface. Many requests are in
// flight at once on one thread (no thread per request), each retried with jittered exponential
// backoff when the network fails or the server answers 408, 429 or 5xx. Everything else (2xx,
// 3xx, other 4xx) is returned to the caller as it came; a response larger than the limit is an
// error, never buffered beyond it.
//
// Thread-safe: each call uses its own curl handles, so calls may run concurrently.
#ifndef VOUCH_AUDIT_HTTP_CLIENT_H_
#define VOUCH_AUDIT_HTTP_CLIENT_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vouch::audit {

struct HttpClientOptions {
  // Requests in flight at once in GetMany.
  int max_in_flight = 16;
  // Attempts per request (the first included) before giving up with Unavailable.
  int max_attempts = 6;
  // Backoff before the second attempt; doubled (with +-25% jitter) up to max_backoff.
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(10);
  // Whole-request deadline of one attempt, and the connect deadline.
  absl::Duration timeout = absl::Seconds(60);
  absl::Duration connect_timeout = absl::Seconds(10);
  // Largest response body accepted (ResourceExhausted beyond, not retried).
  size_t max_response_bytes = 64 << 20;
  std::string user_agent = "vouch-audit";
};

struct HttpResponse {
  int status = 0;
  std::string body;
  std::string content_type;
  int attempts = 1;  // how many attempts it took
};

struct HttpRequest {
  std::string method = "GET";  // GET or POST
  std::string url;             // absolute
  std::string body;            // POST only
  std::string content_type;    // POST only
};

class HttpClient {
 public:
  // InvalidArgument for nonsensical options (no attempts, nothing in flight).
  static absl::StatusOr<std::unique_ptr<HttpClient>> New(HttpClientOptions options);
  ~HttpClient();

  // Runs |requests| with up to max_in_flight at once and calls |done(i, result)| on the calling
  // thread as each one finishes (in completion order, not request order). A result is an
  // HttpResponse for any final HTTP answer (check its status), Unavailable naming the URL and
  // the last failure after max_attempts, or ResourceExhausted for an oversized body.
  void Run(const std::vector<HttpRequest>& requests,
           const std::function<void(size_t, absl::StatusOr<HttpResponse>)>& done) const;

  // One request, with the same retries.
  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) const;
  absl::StatusOr<HttpResponse> Get(const std::string& url) const;
  absl::StatusOr<HttpResponse> Post(const std::string& url, std::string body,
                                    std::string content_type) const;

  const HttpClientOptions& options() const { return options_; }

 private:
  explicit HttpClient(HttpClientOptions options) : options_(std::move(options)) {}
  HttpClientOptions options_;
};

// |base| + |path| with exactly one slash between them ("http://h:1/x/" + "/checkpoint").
std::string JoinUrl(const std::string& base, const std::string& path);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_HTTP_CLIENT_H_
