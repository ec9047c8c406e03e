// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/http_client.h"

#include <curl/curl.h>

#include <mutex>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace vouch::oci {
namespace {

constexpr size_t kErrorBodyLimit = 64 << 10;

struct Transfer {
  HttpResponse* response;
  uint64_t max_body;
  const BodyConsumer* consumer;
  uint64_t received = 0;
  absl::Status abort;  // why the transfer was aborted, if it was
  bool success() const { return response->status >= 200 && response->status < 300; }
};

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  Transfer* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  absl::string_view line(data, len);
  line = absl::StripTrailingAsciiWhitespace(line);
  if (absl::StartsWith(line, "HTTP/")) {
    // A new response (after a redirect or 100 Continue): start over.
    t->response->headers.clear();
    t->response->body.clear();
    const size_t sp = line.find(' ');
    int status = 0;
    if (sp != absl::string_view::npos && absl::SimpleAtoi(line.substr(sp + 1, 3), &status)) {
      t->response->status = status;
    }
    return len;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return len;
  std::string name = absl::AsciiStrToLower(line.substr(0, colon));
  std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  if (name == "content-length" && t->success()) {
    uint64_t length = 0;
    if (absl::SimpleAtoi(value, &length) && length > t->max_body) {
      t->abort = absl::ResourceExhaustedError(absl::StrCat(
          "answer of ", length, " bytes is larger than the limit of ", t->max_body, " bytes"));
      return 0;
    }
  }
  t->response->headers.emplace_back(std::move(name), std::move(value));
  return len;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  Transfer* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (!t->success()) {
    // Redirect bodies and error bodies: keep a prefix for messages.
    if (t->response->body.size() < kErrorBodyLimit) {
      t->response->body.append(data, std::min(len, kErrorBodyLimit - t->response->body.size()));
    }
    return len;
  }
  t->received += len;
  if (t->received > t->max_body) {
    t->abort = absl::ResourceExhaustedError(
        absl::StrCat("answer is larger than the limit of ", t->max_body, " bytes"));
    return 0;
  }
  if (t->consumer != nullptr) {
    absl::Status s = (*t->consumer)(absl::string_view(data, len));
    if (!s.ok()) {
      t->abort = s;
      return 0;
    }
  } else {
    t->response->body.append(data, len);
  }
  return len;
}

// Idle curl handles, reused by every HttpClient of the process. A reused handle keeps its
// connection cache (keep-alive connections to the registries it has talked to; curl reuses one
// only when host, port and TLS settings match) and its TLS sessions, so a request to a host
// seen before costs no TCP or TLS handshake; a new handle per request paid both every time.
// (It does not keep the parsed CA bundle with this libcurl, 7.88: every new TLS connection still
// reads the system's bundle, measured with strace.) A handle is used by one request at a time;
// curl_easy_reset clears its options when it comes back (not its connections).
class HandlePool {
 public:
  static HandlePool& Get() {
    static HandlePool* pool = new HandlePool();  // never destroyed: requests may run at exit
    return *pool;
  }
  CURL* Take() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* c = idle_.back();
        idle_.pop_back();
        return c;
      }
    }
    return curl_easy_init();
  }
  void Give(CURL* c) {
    // Forget the finished request's buffers and callbacks (they pointed into its stack frame).
    curl_easy_reset(c);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.size() < kMaxIdle) {
        idle_.push_back(c);
        return;
      }
    }
    curl_easy_cleanup(c);
  }

 private:
  static constexpr size_t kMaxIdle = 32;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // most recently used last
};

struct CurlDeleter {
  void operator()(CURL* c) const { HandlePool::Get().Give(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::New(const HttpClientOptions& options) {
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return absl::InternalError(absl::StrCat("curl_global_init: ", curl_easy_strerror(init)));
  }
  return std::unique_ptr<HttpClient>(new HttpClient(options));
}

absl::StatusOr<HttpResponse> HttpClient::Send(const HttpRequest& request, uint64_t max_body,
                                              const BodyConsumer* consumer) const {
  const bool https = absl::StartsWith(request.url, "https://");
  if (!https && !absl::StartsWith(request.url, "http://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("URL \"", request.url.substr(0, 200), "\": want http:// or https://"));
  }
  std::unique_ptr<CURL, CurlDeleter> curl(HandlePool::Get().Take());
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  CURL* c = curl.get();
  HttpResponse response;
  Transfer transfer{&response, max_body, consumer, 0, absl::OkStatus()};
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* raw = nullptr;
  for (const auto& [name, value] : request.headers) {
    raw = curl_slist_append(raw, absl::StrCat(name, ": ", value).c_str());
  }
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
                   options_.allow_http_redirects ? "http,https" : "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
  curl_easy_setopt(c, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &transfer);
  if (!options_.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, options_.ca_file.c_str());
  const std::string& m = request.method;
  if (m == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (m == "PUT" || m == "POST" || m == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (m != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
    // A redirected PUT/PATCH/POST stays what it is (no switch to GET).
    curl_easy_setopt(c, CURLOPT_POSTREDIR, static_cast<long>(CURL_REDIR_POST_ALL));
  } else if (m == "DELETE") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  } else if (m != "GET") {
    return absl::InvalidArgumentError(absl::StrCat("unsupported HTTP method ", m));
  }
  const CURLcode rc = curl_easy_perform(c);
  if (!transfer.abort.ok()) {
    return absl::Status(transfer.abort.code(),
                        absl::StrCat(m, " ", request.url, ": ", transfer.abort.message()));
  }
  if (rc != CURLE_OK) {
    const std::string why = error[0] != '\0' ? error : curl_easy_strerror(rc);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      return absl::DeadlineExceededError(absl::StrCat(m, " ", request.url, ": ", why));
    }
    if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
        rc == CURLE_SSL_CERTPROBLEM) {
      return absl::FailedPreconditionError(
          absl::StrCat(m, " ", request.url, ": TLS certificate not trusted: ", why));
    }
    return absl::UnavailableError(absl::StrCat(m, " ", request.url, ": ", why));
  }
  char* effective = nullptr;
  if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective) == CURLE_OK && effective) {
    response.url = effective;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace vouch::oci
