// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// HttpClient: the HTTP/1.1 requests the registry client makes, over libcurl: any method, request
// headers, response headers, bodies buffered up to a limit or streamed to a consumer that may
// abort, connect and total timeouts, TLS with the system store or a CA file. Redirects are
// followed (at most 5, https only unless plain HTTP is allowed; libcurl drops our Authorization
// header when a redirect leaves the host). Connections are kept alive and reused, across
// HttpClients of the process too (idle curl handles are pooled; a handle keeps its connections
// and TLS sessions). Thread-safe: a Send has a curl handle to itself.
#ifndef VOUCH_OCI_HTTP_CLIENT_H_
#define VOUCH_OCI_HTTP_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vouch::oci {

struct HttpClientOptions {
  // Time to establish the TCP (and TLS) connection.
  absl::Duration connect_timeout = absl::Seconds(10);
  // Whole-request limit (connect + send + receive), per request.
  absl::Duration timeout = absl::Minutes(5);
  // PEM file of CA certificates to trust instead of the system store; empty: system store.
  std::string ca_file;
  // Whether redirects may go to http:// URLs.
  bool allow_http_redirects = false;
  std::string user_agent = "vouch";
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, POST, PATCH, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  absl::string_view body;  // not owned; sent for PUT, POST and PATCH
};

struct HttpResponse {
  int status = 0;
  // Response headers of the final response, names lowercased, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string url;  // the URL that answered (after redirects)

  // The first value of header |name| (any case), or "".
  std::string Header(absl::string_view name) const;
};

// Receives a 2xx response body as it arrives; a non-OK status aborts the transfer and is what
// Send returns.
using BodyConsumer = std::function<absl::Status(absl::string_view chunk)>;

class HttpClient {
 public:
  static absl::StatusOr<std::unique_ptr<HttpClient>> New(const HttpClientOptions& options);

  // Sends |request|. The body of a 2xx answer goes to |consumer| if given, else into
  // response.body; either way a body (or Content-Length) over |max_body| bytes aborts with
  // ResourceExhausted naming the limit. Bodies of other statuses are kept (first 64 KiB) for
  // error messages. Returns the answer whatever its status; Unavailable when there was none
  // (refused, reset, TLS handshake failure), DeadlineExceeded on timeout, FailedPrecondition when
  // the server's certificate is not trusted, each naming method and URL.
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request, uint64_t max_body,
                                    const BodyConsumer* consumer = nullptr) const;

  const HttpClientOptions& options() const { return options_; }

 private:
  explicit HttpClient(const HttpClientOptions& options) : options_(options) {}
  HttpClientOptions options_;
};

}  // namespace vouch::oci

#endif  // VOUCH_OCI_HTTP_CLIENT_H_
