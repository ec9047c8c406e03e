// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <random>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace vouch::audit {
namespace {

std::once_flag curl_once;

void InitCurl() {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One request's transfer state.
struct Transfer {
  size_t index = 0;
  int attempt = 0;  // attempts made so far
  absl::Time not_before = absl::InfinitePast();
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::string body;
  bool too_large = false;
  size_t limit = 0;
  std::string last_error;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (t->body.size() + len > t->limit) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->body.append(data, len);
  return len;
}

bool Retryable(int status) { return status == 408 || status == 429 || status >= 500; }

}  // namespace

std::string JoinUrl(const std::string& base, const std::string& path) {
  std::string b = base;
  while (!b.empty() && b.back() == '/') b.pop_back();
  if (path.empty()) return b;
  return path[0] == '/' ? b + path : b + "/" + path;
}

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::New(HttpClientOptions options) {
  if (options.max_in_flight < 1) {
    return absl::InvalidArgumentError("max_in_flight: want at least 1");
  }
  if (options.max_attempts < 1) {
    return absl::InvalidArgumentError("max_attempts: want at least 1");
  }
  InitCurl();
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(options)));
}

HttpClient::~HttpClient() = default;

void HttpClient::Run(const std::vector<HttpRequest>& requests,
                     const std::function<void(size_t, absl::StatusOr<HttpResponse>)>& done) const {
  if (requests.empty()) return;
  CURLM* multi = curl_multi_init();
  if (multi == nullptr) {
    for (size_t i = 0; i < requests.size(); ++i) {
      done(i, absl::InternalError("curl_multi_init failed"));
    }
    return;
  }
  std::mt19937_64 rng(std::random_device{}());
  std::deque<std::unique_ptr<Transfer>> waiting;  // not started (or waiting to retry)
  for (size_t i = 0; i < requests.size(); ++i) {
    auto t = std::make_unique<Transfer>();
    t->index = i;
    t->limit = options_.max_response_bytes;
    waiting.push_back(std::move(t));
  }
  std::vector<std::unique_ptr<Transfer>> active;
  const long timeout_ms = static_cast<long>(absl::ToInt64Milliseconds(options_.timeout));
  const long connect_ms = static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout));

  auto start = [&](std::unique_ptr<Transfer> t) {
    const HttpRequest& r = requests[t->index];
    t->body.clear();
    t->too_large = false;
    ++t->attempt;
    CURL* e = curl_easy_init();
    t->easy = e;
    curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &WriteBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, options_.user_agent.c_str());
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    // Never follow redirects to another host silently: a log's read API does not redirect.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    if (r.method == "POST") {
      curl_easy_setopt(e, CURLOPT_POST, 1L);
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.data());
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
      std::string ct = absl::StrCat("Content-Type: ",
                                    r.content_type.empty() ? "application/json" : r.content_type);
      t->headers = curl_slist_append(nullptr, ct.c_str());
      t->headers = curl_slist_append(t->headers, "Expect:");
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    }
    curl_multi_add_handle(multi, e);
    active.push_back(std::move(t));
  };

  auto backoff = [&](int attempt) {
    absl::Duration d = options_.initial_backoff;
    for (int i = 1; i < attempt && d < options_.max_backoff; ++i) d *= 2;
    d = std::min(d, options_.max_backoff);
    std::uniform_real_distribution<double> jitter(0.75, 1.25);
    return d * jitter(rng);
  };

  size_t remaining = requests.size();
  while (remaining > 0) {
    // Start what may start.
    const absl::Time now = absl::Now();
    absl::Time next_ready = absl::InfiniteFuture();
    for (auto it = waiting.begin();
         it != waiting.end() && active.size() < static_cast<size_t>(options_.max_in_flight);) {
      if ((*it)->not_before <= now) {
        std::unique_ptr<Transfer> t = std::move(*it);
        it = waiting.erase(it);
        start(std::move(t));
      } else {
        next_ready = std::min(next_ready, (*it)->not_before);
        ++it;
      }
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int msgs = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &msgs)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* e = m->easy_handle;
      Transfer* raw = nullptr;
      curl_easy_getinfo(e, CURLINFO_PRIVATE, reinterpret_cast<char**>(&raw));
      auto it = std::find_if(active.begin(), active.end(),
                             [raw](const std::unique_ptr<Transfer>& p) { return p.get() == raw; });
      std::unique_ptr<Transfer> t = std::move(*it);
      active.erase(it);
      long status = 0;
      curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
      char* ct = nullptr;
      curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
      std::string content_type = ct != nullptr ? ct : "";
      const CURLcode code = m->data.result;
      curl_multi_remove_handle(multi, e);
      curl_easy_cleanup(e);
      t->easy = nullptr;
      if (t->headers != nullptr) {
        curl_slist_free_all(t->headers);
        t->headers = nullptr;
      }
      const std::string& url = requests[t->index].url;
      if (t->too_large) {
        --remaining;
        done(t->index, absl::ResourceExhaustedError(absl::StrCat(
                           url, ": response larger than ", options_.max_response_bytes, " bytes")));
        continue;
      }
      bool retry = false;
      if (code != CURLE_OK) {
        t->last_error = curl_easy_strerror(code);
        retry = true;
      } else if (Retryable(static_cast<int>(status))) {
        t->last_error = absl::StrCat("HTTP ", status);
        retry = true;
      }
      if (retry && t->attempt < options_.max_attempts) {
        t->not_before = absl::Now() + backoff(t->attempt);
        waiting.push_back(std::move(t));
        continue;
      }
      --remaining;
      if (retry && code != CURLE_OK) {
        done(t->index, absl::UnavailableError(absl::StrCat(url, ": ", t->last_error, " (after ",
                                                           t->attempt, " attempts)")));
        continue;
      }
      HttpResponse r;
      r.status = static_cast<int>(status);
      r.body = std::move(t->body);
      r.content_type = std::move(content_type);
      r.attempts = t->attempt;
      done(t->index, std::move(r));
    }
    if (remaining == 0) break;
    int wait_ms = 100;
    if (active.empty() && next_ready != absl::InfiniteFuture()) {
      wait_ms = static_cast<int>(
          std::clamp<int64_t>(absl::ToInt64Milliseconds(next_ready - absl::Now()) + 1, 1, 1000));
    } else if (next_ready != absl::InfiniteFuture()) {
      wait_ms = static_cast<int>(
          std::clamp<int64_t>(absl::ToInt64Milliseconds(next_ready - absl::Now()) + 1, 1, 100));
    }
    int numfds = 0;
    curl_multi_poll(multi, nullptr, 0, wait_ms, &numfds);
  }
  curl_multi_cleanup(multi);
}

absl::StatusOr<HttpResponse> HttpClient::Do(const HttpRequest& request) const {
  absl::StatusOr<HttpResponse> out = absl::InternalError("no answer");
  Run({request}, [&](size_t, absl::StatusOr<HttpResponse> r) { out = std::move(r); });
  return out;
}

absl::StatusOr<HttpResponse> HttpClient::Get(const std::string& url) const {
  HttpRequest r;
  r.url = url;
  return Do(r);
}

absl::StatusOr<HttpResponse> HttpClient::Post(const std::string& url, std::string body,
                                              std::string content_type) const {
  HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.body = std::move(body);
  r.content_type = std::move(content_type);
  return Do(r);
}

}  // namespace vouch::audit
