// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The bridge that serves an http::Router (http/router.h) on the cpp-httplib HttpServer
// (server/http_server.h), until the event-driven front (http/server.h) replaces it. It is the
// only code that knows both: vouchd builds one Router with every route and hands it here, so
// swapping the front means changing vouchd's wiring and deleting this file.
//
// One catch-all handler per method (GET, which httplib also uses for HEAD, POST, PUT, PATCH,
// DELETE, OPTIONS) builds an http::Request from httplib's (the raw target is parsed with
// http::ParseTarget, so paths and queries decode exactly as they will on the new front; a
// malformed target is answered 400), dispatches it on the httplib worker thread whatever the
// route's Exec (httplib's threads may block), waits for an asynchronous handler's answer, and
// writes the http::Response. Unknown paths are the Router's 404, known paths with another method
// its 405 with Allow. Body limits, timeouts and keep-alive stay the HttpServer's.
//
// Thread-safe once serving, like the Router.
#ifndef VOUCH_SERVER_ROUTER_BRIDGE_H_
#define VOUCH_SERVER_ROUTER_BRIDGE_H_

#include "http/router.h"

namespace httplib {
class Server;
}

namespace vouch::server {

// Routes every request |server| receives to |router|. Call before the server starts; |router|
// must outlive the server's serving (until HttpServer::Stop returns).
void ServeRouter(const http::Router* router, httplib::Server* server);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_ROUTER_BRIDGE_H_
