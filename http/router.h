// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The transport-neutral half of Vouch's HTTP front: a parsed request, the response a handler
// builds, and a Router that maps (method, path) to handlers. The event-driven server
// (http/server.h) parses bytes into a Request and writes the Response; services are adapted to
// HTTP by registering handlers here (server/*_http.cc), so they can be tested without sockets.
//
// A Router is thread-compatible while routes are added and thread-safe once serving (Dispatch is
// const and handlers are called concurrently).
#ifndef VOUCH_HTTP_ROUTER_H_
#define VOUCH_HTTP_ROUTER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace vouch::http {

// Header fields in arrival order; names compared case-insensitively.
class Headers {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field named |name| with one.
  void Set(std::string name, std::string value);
  // The first field named |name|, if any.
  std::optional<absl::string_view> Get(absl::string_view name) const;
  size_t Count(absl::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  std::string method;  // "GET", "POST", ... as sent (case-sensitive, RFC 9110).
  std::string target;  // The request target as sent ("/a/b?x=1").
  std::string path;    // Percent-decoded path without the query ("/a/b").
  // Query parameters in order, percent- and '+'-decoded.
  std::vector<std::pair<std::string, std::string>> query;
  Headers headers;
  std::string body;
  std::string peer;  // "IP:PORT" of the client.
  bool tls = false;  // Arrived over HTTPS.
  // Values captured by "{name}" segments and a trailing "*" ("*" is the rest of the path), in
  // pattern order; set by the Router before the handler runs.
  std::vector<std::string> path_params;

  // The first query parameter named |name|.
  std::optional<std::string> Query(absl::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  // Sets status, Content-Type and body.
  static Response Make(int status, std::string content_type, std::string body);
  static Response Json(int status, std::string body);
  // {"code": <status>, "message": "<message>"}: the error body every Vouch HTTP API returns.
  static Response Error(int status, absl::string_view message);
};

// Called exactly once per request, from any thread.
using Respond = std::function<void(Response)>;
// An asynchronous handler: answers through |respond|, now or later from another thread.
using AsyncHandler = std::function<void(const Request&, Respond respond)>;
// A synchronous handler: returns the response.
using Handler = std::function<Response(const Request&)>;

// Where the server runs a handler.
enum class Exec {
  // On the connection's event-loop thread: the handler MUST NOT block (no disk waits, no
  // network); used for cheap CPU work that hands off to another thread (log appends).
  kInline,
  // On the server's bounded worker pool: may block (database reads, OIDC JWKS fetches).
  kWorker,
};

class Router {
 public:
  Router() = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;
  Router(Router&&) = default;
  Router& operator=(Router&&) = default;

  // Registers |method| |pattern|. A pattern is an absolute path whose segments are literals or
  // "{name}" (one non-empty segment); a final "*" matches the rest of the path (possibly empty).
  // Literal routes win over parameter routes. Registering the same (method, pattern) twice
  // replaces the first.
  void Handle(absl::string_view method, absl::string_view pattern, Handler handler,
              Exec exec = Exec::kWorker);
  void HandleAsync(absl::string_view method, absl::string_view pattern, AsyncHandler handler,
                   Exec exec = Exec::kWorker);

  struct Match {
    // Null when no route matched; then |status| is 404 (no such path) or 405 (path known,
    // method not: |allow| lists the methods for the Allow header, e.g. "GET, HEAD").
    const AsyncHandler* handler = nullptr;
    Exec exec = Exec::kWorker;
    std::vector<std::string> path_params;
    int status = 404;
    std::string allow;
  };
  // Finds the route for |method| and |path| (decoded, no query). HEAD matches GET routes.
  Match Find(absl::string_view method, absl::string_view path) const;

  // Finds and runs the handler on the calling thread (ignoring Exec), or answers 404/405 (with
  // Allow) as an error body. For tests and for servers that have already chosen a thread.
  void Dispatch(Request request, Respond respond) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" for a parameter, "*" for the rest.
    AsyncHandler handler;
    Exec exec;
  };
  std::vector<Route> routes_;
};

// Percent-decodes |in| ('+' becomes ' ' when |plus_is_space|). Returns nullopt on a malformed
// escape or a decoded NUL.
std::optional<std::string> PercentDecode(absl::string_view in, bool plus_is_space);
// Splits a request target into decoded path and query. False if malformed (not starting with
// '/', bad escapes, NUL).
bool ParseTarget(absl::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query);

}  // namespace vouch::http

#endif  // VOUCH_HTTP_ROUTER_H_
