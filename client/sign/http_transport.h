// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// HttpTransport: a Transport (client/sign/transport.h) over libcurl, for http:// and https://
// URLs (system CA certificates, HTTPS proxies from the usual environment variables). Thread-safe:
// each Send uses its own curl handle.
#ifndef VOUCH_CLIENT_SIGN_HTTP_TRANSPORT_H_
#define VOUCH_CLIENT_SIGN_HTTP_TRANSPORT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/sign/transport.h"

namespace vouch::client {

struct HttpTransportOptions {
  // Whole-request limit (connect + send + receive).
  absl::Duration timeout = absl::Seconds(60);
  // Answers larger than this are refused (ResourceExhausted).
  size_t max_response_bytes = 64 << 20;
  // User-Agent header.
  std::string user_agent = "vouch";
};

class HttpTransport : public Transport {
 public:
  static absl::StatusOr<std::unique_ptr<HttpTransport>> New(
      const HttpTransportOptions& options = {});
  ~HttpTransport() override = default;

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override;

 private:
  explicit HttpTransport(const HttpTransportOptions& options) : options_(options) {}
  HttpTransportOptions options_;
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_SIGN_HTTP_TRANSPORT_H_
