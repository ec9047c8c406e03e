// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tuf/http_fetcher.h"

#include "absl/strings/str_cat.h"
#include "client/sign/http_transport.h"

namespace vouch::client {

absl::StatusOr<std::string> HttpFetcher::Fetch(const std::string& url, size_t max_bytes) {
  HttpTransportOptions options;
  options.timeout = timeout_;
  options.max_response_bytes = max_bytes;
  options.user_agent = "vouch-tuf";
  auto transport = HttpTransport::New(options);
  if (!transport.ok()) return transport.status();
  HttpRequest request;
  request.url = url;
  auto response = (*transport)->Send(request);
  if (!response.ok()) return response.status();
  if (response->status == 404) return absl::NotFoundError(absl::StrCat(url, ": 404"));
  if (response->status != 200) {
    return absl::UnavailableError(absl::StrCat(url, ": HTTP status ", response->status));
  }
  return std::move(response->body);
}

}  // namespace vouch::client
