// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Helpers the HTTP adapters (server/log_http.h, server/ca_http.h) share to turn typed results
// into http::Responses the same way: errors as {"code": N, "message": "..."} with the status
// mapped by base/status_map.h, JSON bodies that survive invalid UTF-8, and the body limit.
// Pure functions; thread-safe.
#ifndef VOUCH_SERVER_HTTP_ADAPTER_H_
#define VOUCH_SERVER_HTTP_ADAPTER_H_

#include <cstddef>
#include <optional>

#include "absl/status/status.h"
#include "http/router.h"
#include "nlohmann/json.hpp"

namespace vouch::server {

// The error response for a non-OK |status|: HttpStatusFor(status), the message as the body's
// "message".
http::Response ErrorResponse(const absl::Status& status);

// |body| as application/json with |status|; invalid UTF-8 in strings is replaced, not thrown.
http::Response JsonResponse(int status, const nlohmann::json& body);

// 413 "request body is N bytes, limit L" if |request|'s body is larger than |limit|, else
// nullopt. The front refuses such bodies before reading them; adapters check again so that a
// Router served by any front (or dispatched directly) keeps the limit.
std::optional<http::Response> CheckBodySize(const http::Request& request, size_t limit);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_HTTP_ADAPTER_H_
