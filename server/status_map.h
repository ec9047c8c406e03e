// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The one place where absl::Status becomes an HTTP status or a grpc::Status, and the JSON error
// body every HTTP API returns: {"code": <http status>, "message": "..."}.
#ifndef VOUCH_SERVER_STATUS_MAP_H_
#define VOUCH_SERVER_STATUS_MAP_H_

#include <string>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace vouch::server {

int HttpStatusFor(const absl::Status& status);
grpc::Status ToGrpcStatus(const absl::Status& status);
// {"code":N,"message":"..."} for |http_status|.
std::string ErrorJson(int http_status, const std::string& message);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_STATUS_MAP_H_
