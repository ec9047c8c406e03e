// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "http/router.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace vouch::http {

void Headers::Add(std::string name, std::string value) {
  fields_.emplace_back(std::move(name), std::move(value));
}

void Headers::Set(std::string name, std::string value) {
  fields_.erase(
      std::remove_if(fields_.begin(), fields_.end(),
                     [&](const auto& f) { return absl::EqualsIgnoreCase(f.first, name); }),
      fields_.end());
  Add(std::move(name), std::move(value));
}

std::optional<absl::string_view> Headers::Get(absl::string_view name) const {
  for (const auto& f : fields_) {
    if (absl::EqualsIgnoreCase(f.first, name)) return absl::string_view(f.second);
  }
  return std::nullopt;
}

size_t Headers::Count(absl::string_view name) const {
  return std::count_if(fields_.begin(), fields_.end(),
                       [&](const auto& f) { return absl::EqualsIgnoreCase(f.first, name); });
}

std::optional<std::string> Request::Query(absl::string_view name) const {
  for (const auto& q : query) {
    if (q.first == name) return q.second;
  }
  return std::nullopt;
}

Response Response::Make(int status, std::string content_type, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

Response Response::Json(int status, std::string body) {
  return Make(status, "application/json", std::move(body));
}

Response Response::Error(int status, absl::string_view message) {
  nlohmann::json body = {{"code", status}, {"message", std::string(message)}};
  return Json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

namespace {

std::vector<std::string> PatternSegments(absl::string_view pattern) {
  std::vector<std::string> out;
  for (absl::string_view s : absl::StrSplit(pattern.substr(1), '/')) {
    if (s.size() >= 2 && s.front() == '{' && s.back() == '}') {
      out.push_back("{}");
    } else {
      out.emplace_back(s);
    }
  }
  return out;
}

// Whether |segments| matches |path|; fills |params|. |literal_score| counts literal segments
// (more literals = more specific).
bool MatchSegments(const std::vector<std::string>& segments, absl::string_view path,
                   std::vector<std::string>* params, int* literal_score) {
  if (path.empty() || path[0] != '/') return false;
  std::vector<absl::string_view> parts = absl::StrSplit(path.substr(1), '/');
  params->clear();
  *literal_score = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& seg = segments[i];
    if (seg == "*" && i + 1 == segments.size()) {
      // The rest of the path, possibly empty.
      std::vector<absl::string_view> rest(parts.begin() + std::min(i, parts.size()), parts.end());
      params->push_back(absl::StrJoin(rest, "/"));
      return true;
    }
    if (i >= parts.size()) return false;
    if (seg == "{}") {
      if (parts[i].empty()) return false;
      params->emplace_back(parts[i]);
    } else {
      if (parts[i] != seg) return false;
      ++*literal_score;
    }
  }
  return parts.size() == segments.size();
}

}  // namespace

void Router::Handle(absl::string_view method, absl::string_view pattern, Handler handler,
                    Exec exec) {
  HandleAsync(
      method, pattern,
      [handler = std::move(handler)](const Request& req, Respond respond) {
        respond(handler(req));
      },
      exec);
}

void Router::HandleAsync(absl::string_view method, absl::string_view pattern, AsyncHandler handler,
                         Exec exec) {
  Route r{std::string(method), PatternSegments(pattern), std::move(handler), exec};
  for (Route& existing : routes_) {
    if (existing.method == r.method && existing.segments == r.segments) {
      existing = std::move(r);
      return;
    }
  }
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(absl::string_view method, absl::string_view path) const {
  Match m;
  const absl::string_view want = method == "HEAD" ? absl::string_view("GET") : method;
  int best = -1;
  std::vector<std::string> allow;
  std::vector<std::string> params;
  for (const Route& r : routes_) {
    int score = 0;
    if (!MatchSegments(r.segments, path, &params, &score)) continue;
    if (r.method != want) {
      if (std::find(allow.begin(), allow.end(), r.method) == allow.end()) {
        allow.push_back(r.method);
      }
      continue;
    }
    if (score > best) {
      best = score;
      m.handler = &r.handler;
      m.exec = r.exec;
      m.path_params = params;
    }
  }
  if (m.handler != nullptr) {
    m.status = 200;
    return m;
  }
  if (!allow.empty()) {
    if (std::find(allow.begin(), allow.end(), "GET") != allow.end()) allow.push_back("HEAD");
    std::sort(allow.begin(), allow.end());
    m.status = 405;
    m.allow = absl::StrJoin(allow, ", ");
  }
  return m;
}

void Router::Dispatch(Request request, Respond respond) const {
  Match m = Find(request.method, request.path);
  if (m.handler == nullptr) {
    if (m.status == 405) {
      Response r = Response::Error(405, "method " + request.method + " not allowed for " +
                                            request.path + " (allowed: " + m.allow + ")");
      r.headers.Set("Allow", m.allow);
      respond(std::move(r));
      return;
    }
    respond(Response::Error(404, "no such path: " + request.path));
    return;
  }
  request.path_params = std::move(m.path_params);
  (*m.handler)(request, std::move(respond));
}

std::optional<std::string> PercentDecode(absl::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const char h = in[i + 1], l = in[i + 2];
      if (!absl::ascii_isxdigit(h) || !absl::ascii_isxdigit(l)) return std::nullopt;
      auto v = [](char x) {
        return absl::ascii_isdigit(x) ? x - '0' : absl::ascii_tolower(x) - 'a' + 10;
      };
      c = static_cast<char>(v(h) * 16 + v(l));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    out.push_back(c);
  }
  return out;
}

bool ParseTarget(absl::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query) {
  if (target.empty() || target[0] != '/') return false;
  const size_t q = target.find('?');
  auto p = PercentDecode(target.substr(0, q), /*plus_is_space=*/false);
  if (!p) return false;
  *path = std::move(*p);
  query->clear();
  if (q == absl::string_view::npos) return true;
  for (absl::string_view kv : absl::StrSplit(target.substr(q + 1), '&', absl::SkipEmpty())) {
    const size_t eq = kv.find('=');
    auto k = PercentDecode(kv.substr(0, eq), true);
    auto v = PercentDecode(eq == absl::string_view::npos ? "" : kv.substr(eq + 1), true);
    if (!k || !v) return false;
    query->emplace_back(std::move(*k), std::move(*v));
  }
  return true;
}

}  // namespace vouch::http
