// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RawUnaryCall: sends arbitrary bytes as the request of a unary gRPC method over a real channel
// (grpc::GenericStub), for tests of how the gRPC adapters treat requests that do not decode.
// testonly.
#ifndef VOUCH_SERVER_GRPC_TESTING_H_
#define VOUCH_SERVER_GRPC_TESTING_H_

#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"

namespace vouch::server::testing {

// Calls |method| ("/package.Service/Method") with |request| as the raw message bytes and waits
// for the status; the response bytes go to |response| when it is not null.
grpc::Status RawUnaryCall(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                          const std::string& request, std::string* response = nullptr);

}  // namespace vouch::server::testing

#endif  // VOUCH_SERVER_GRPC_TESTING_H_
