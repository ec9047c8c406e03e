// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// ServeUnary: serves a unary gRPC method on the sync API as a "streamed unary" method (the
// generated WithStreamedUnaryMethod_X), so that the adapter, not gRPC, decodes the request. gRPC's
// own unary handler answers a request it cannot decode with INTERNAL and an empty message (on the
// callback API, UNIMPLEMENTED); ServeUnary answers INVALID_ARGUMENT naming the request type.
// Header-only; thread-safe.
#ifndef VOUCH_SERVER_GRPC_UNARY_H_
#define VOUCH_SERVER_GRPC_UNARY_H_

#include <string>

#include "grpcpp/grpcpp.h"

namespace vouch::server {

// The status for request bytes that do not decode as |type_name| (or no request at all).
inline grpc::Status UndecodableRequest(const std::string& type_name) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      "request: not a valid " + type_name +
                          " (the bytes do not decode as protobuf, or a string field is not UTF-8)");
}

// Reads the one request, calls handle(const Request&, Response*) -> grpc::Status and, if that is
// OK, writes the response (buffered with the status, as a unary call sends it).
template <typename Request, typename Response, typename Handler>
grpc::Status ServeUnary(grpc::ServerUnaryStreamer<Request, Response>* stream, Handler&& handle) {
  Request request;
  if (!stream->Read(&request)) return UndecodableRequest(request.GetTypeName());
  Response response;
  grpc::Status status = handle(request, &response);
  if (!status.ok()) return status;
  if (!stream->Write(response, grpc::WriteOptions().set_last_message())) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "the client went away");
  }
  return grpc::Status::OK;
}

}  // namespace vouch::server

#endif  // VOUCH_SERVER_GRPC_UNARY_H_
