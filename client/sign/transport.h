// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Transport: the one HTTP operation the signing flow needs (client/sign/sign.h), so that tests
// can answer in-process and the signing library stays free of any HTTP implementation.
// Implementations are thread-safe.
#ifndef VOUCH_CLIENT_SIGN_TRANSPORT_H_
#define VOUCH_CLIENT_SIGN_TRANSPORT_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace vouch::client {

struct HttpRequest {
  std::string method = "GET";  // "GET" or "POST"
  std::string url;             // absolute: http://host:port/path?query
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. {"Content-Type", "..."}
  std::string body;
};

struct HttpResponse {
  int status = 0;  // the HTTP status code, whatever it is
  std::string content_type;
  std::string body;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Sends |request| and returns the answer, whatever its status code. Unavailable when no answer
  // was received (connection refused, timeout, TLS failure), naming the URL.
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_SIGN_TRANSPORT_H_
