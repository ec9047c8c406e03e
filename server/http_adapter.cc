// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/http_adapter.h"

#include "absl/strings/str_cat.h"
#include "base/status_map.h"

namespace vouch::server {

http::Response ErrorResponse(const absl::Status& status) {
  return http::Response::Error(HttpStatusFor(status), status.message());
}

http::Response JsonResponse(int status, const nlohmann::json& body) {
  return http::Response::Json(status,
                              body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<http::Response> CheckBodySize(const http::Request& request, size_t limit) {
  if (request.body.size() <= limit) return std::nullopt;
  return http::Response::Error(
      413, absl::StrCat("request body is ", request.body.size(), " bytes, limit ", limit));
}

}  // namespace vouch::server
