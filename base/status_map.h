// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The one place where an absl::Status becomes an HTTP status code or a grpc::Status. The HTTP
// and gRPC adapters in server/ use it; the services themselves (log/, signer/) only return
// absl::Status. The error body every HTTP API returns is http::Response::Error (http/router.h).
// Pure functions; thread-safe.
#ifndef VOUCH_BASE_STATUS_MAP_H_
#define VOUCH_BASE_STATUS_MAP_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace vouch {

// 200 for OK; 400 InvalidArgument/FailedPrecondition/OutOfRange, 401 Unauthenticated,
// 403 PermissionDenied, 404 NotFound, 409 AlreadyExists/Aborted, 429 ResourceExhausted,
// 501 Unimplemented, 503 Unavailable, 504 DeadlineExceeded, 500 anything else.
int HttpStatusFor(const absl::Status& status);

// The same code (absl and gRPC codes share their numbers) and message; payloads are dropped.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace vouch

#endif  // VOUCH_BASE_STATUS_MAP_H_
