// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Fetch: dispatches one request to an http::Router the way a front does and waits for its
// answer, for tests of the HTTP adapters without sockets. testonly.
#ifndef VOUCH_SERVER_ROUTER_TESTING_H_
#define VOUCH_SERVER_ROUTER_TESTING_H_

#include <string>
#include <utility>
#include <vector>

#include "http/router.h"

namespace vouch::server::testing {

// Builds a request for |method| |target| (parsed with http::ParseTarget; a malformed target
// fails the test and answers 400) with |body| and |headers|, dispatches it, and waits until the
// handler (possibly asynchronous, answering from another thread) responds.
http::Response Fetch(const http::Router& router, const std::string& method,
                     const std::string& target, std::string body = "",
                     std::vector<std::pair<std::string, std::string>> headers = {});

}  // namespace vouch::server::testing

#endif  // VOUCH_SERVER_ROUTER_TESTING_H_
