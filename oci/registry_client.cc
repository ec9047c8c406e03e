// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/registry_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <fstream>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"
#include "oci/media_types.h"
#include "oci/reference.h"
#include "oci/registry_hosts.h"

namespace vouch::oci {

using json = nlohmann::json;

// The access a request needs: repository:<name>:pull[,push], plus pull on a mount's source.
struct RegistryClient::Scope {
  std::string repository;
  bool push = false;
  std::string mount_from;

  std::vector<std::string> Strings() const {
    std::vector<std::string> out;
    if (!repository.empty()) {
      out.push_back(absl::StrCat("repository:", repository, push ? ":pull,push" : ":pull"));
    }
    if (!mount_from.empty()) out.push_back(absl::StrCat("repository:", mount_from, ":pull"));
    return out;
  }
  std::string Key() const { return absl::StrJoin(Strings(), " "); }

  static Scope None() { return Scope{"", false, ""}; }
  static Scope Pull(absl::string_view repository) {
    return Scope{std::string(repository), false, ""};
  }
  static Scope Push(absl::string_view repository, absl::string_view mount_from = "") {
    return Scope{std::string(repository), true, std::string(mount_from)};
  }
};

// One logical request: what to send and how to receive it.
struct RegistryClient::Call {
  HttpRequest request;  // url: absolute, or a path ("/v2/...") under the registry's base
  uint64_t max_body = 64 << 10;
  const BodyConsumer* consumer = nullptr;
  bool retry = true;  // retry on 429/5xx/no answer (off for steps of an upload session)
};

namespace {

std::string UrlEscape(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::BytesToHexString(std::string(1, static_cast<char>(c))));
    }
  }
  return out;
}

bool Retryable(int status) { return status == 429 || status == 408 || status >= 500; }

bool TransportError(const absl::Status& s) {
  return s.code() == absl::StatusCode::kUnavailable ||
         s.code() == absl::StatusCode::kDeadlineExceeded;
}

absl::StatusCode CodeForStatus(int status) {
  switch (status) {
    case 400:
      return absl::StatusCode::kInvalidArgument;
    case 401:
      return absl::StatusCode::kUnauthenticated;
    case 403:
      return absl::StatusCode::kPermissionDenied;
    case 404:
      return absl::StatusCode::kNotFound;
    case 405:
      return absl::StatusCode::kUnimplemented;
    case 408:
      return absl::StatusCode::kDeadlineExceeded;
    case 409:
    case 412:
      return absl::StatusCode::kAborted;
    case 413:
    case 429:
      return absl::StatusCode::kResourceExhausted;
    default:
      return status >= 500 ? absl::StatusCode::kUnavailable : absl::StatusCode::kFailedPrecondition;
  }
}

// "CODE: message (detail)" for each error in a distribution error body, else the body's start.
std::string RegistryMessage(const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> parts;
  if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
    for (const json& e : j["errors"]) {
      if (!e.is_object()) continue;
      std::string part;
      if (e.contains("code") && e["code"].is_string()) part = e["code"].get<std::string>();
      if (e.contains("message") && e["message"].is_string()) {
        absl::StrAppend(&part, part.empty() ? "" : ": ", e["message"].get<std::string>());
      }
      if (e.contains("detail") && !e["detail"].is_null()) {
        std::string detail =
            e["detail"].is_string() ? e["detail"].get<std::string>() : e["detail"].dump();
        if (detail.size() > 300) detail = detail.substr(0, 300) + "...";
        absl::StrAppend(&part, " (", detail, ")");
      }
      if (!part.empty()) parts.push_back(part);
      if (parts.size() == 4) break;
    }
  }
  if (!parts.empty()) return absl::StrJoin(parts, "; ");
  std::string body(absl::StripAsciiWhitespace(r.body.substr(0, 300)));
  for (char& c : body) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return body;
}

std::string StatusText(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";
  }
}

// The URL in a Link header with rel="next", or "".
std::string NextLink(const HttpResponse& r) {
  const std::string link = r.Header("link");
  if (link.empty() || !absl::StrContains(link, "rel=\"next\"")) return "";
  const size_t open = link.find('<');
  const size_t close = link.find('>');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return link.substr(open + 1, close - open - 1);
}

std::string HostOfUrl(absl::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == absl::string_view::npos) return "";
  url = url.substr(scheme + 3);
  return std::string(url.substr(0, url.find_first_of("/?#")));
}

std::string WithQuery(absl::string_view url, absl::string_view query) {
  return absl::StrCat(url, absl::StrContains(url, '?') ? "&" : "?", query);
}

// Use a token until shortly before it expires (clock skew, request time).
absl::Time TokenExpiry(const Token& token) {
  return absl::Now() + std::max(token.expires_in - absl::Seconds(10), token.expires_in / 2);
}

}  // namespace

bool IsLoopbackHost(absl::string_view host) {
  // Strip the port.
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    host = host.substr(1, close == absl::string_view::npos ? absl::string_view::npos : close - 1);
    return host == "::1";
  }
  host = host.substr(0, host.find(':'));
  if (absl::EqualsIgnoreCase(host, "localhost")) return true;
  if (!absl::StartsWith(host, "127.")) return false;
  std::vector<absl::string_view> parts = absl::StrSplit(host, '.');
  if (parts.size() != 4) return false;
  for (absl::string_view p : parts) {
    int v = 0;
    if (p.empty() || p.size() > 3 || !absl::SimpleAtoi(p, &v) || v < 0 || v > 255) return false;
  }
  return true;
}

absl::StatusOr<std::unique_ptr<RegistryClient>> RegistryClient::New(
    absl::string_view registry, const RegistryOptions& options) {
  if (registry.empty()) return absl::InvalidArgumentError("registry: empty");
  std::string host(registry == kDockerHubDomain ? absl::string_view(kDockerHubHost) : registry);
  std::optional<Credentials> credentials = options.credentials;
  if (!credentials.has_value() && options.use_docker_config) {
    const std::string path =
        options.docker_config_path.empty() ? DefaultDockerConfigPath() : options.docker_config_path;
    auto loaded = LoadDockerCredentials(path, registry);
    if (!loaded.ok()) return loaded.status();
    credentials = *loaded;
  }
  HttpClientOptions http_options;
  http_options.connect_timeout = options.connect_timeout;
  http_options.timeout = options.timeout;
  http_options.ca_file = options.ca_file;
  http_options.user_agent = options.user_agent;
  http_options.allow_http_redirects = options.allow_insecure;
  auto http = HttpClient::New(http_options);
  if (!http.ok()) return http.status();
  return std::unique_ptr<RegistryClient>(new RegistryClient(
      std::string(registry), std::move(host), options, *std::move(http), credentials));
}

RegistryClient::RegistryClient(std::string registry, std::string host, RegistryOptions options,
                               std::unique_ptr<HttpClient> http,
                               std::optional<Credentials> credentials)
    : registry_(std::move(registry)),
      host_(std::move(host)),
      options_(std::move(options)),
      http_(std::move(http)),
      credentials_(std::move(credentials)) {}

std::string RegistryClient::base_url() const {
  absl::MutexLock lock(&mu_);
  return base_;
}

bool RegistryClient::PlainHttpAllowed(absl::string_view host) const {
  return options_.allow_insecure || IsLoopbackHost(host);
}

std::string RegistryClient::Url(absl::string_view base, absl::string_view location) const {
  if (absl::StartsWith(location, "http://") || absl::StartsWith(location, "https://")) {
    return std::string(location);
  }
  if (absl::StartsWith(location, "/")) return absl::StrCat(base, location);
  return absl::StrCat(base, "/", location);
}

absl::StatusOr<std::string> RegistryClient::Base() {
  {
    absl::MutexLock lock(&mu_);
    if (!base_.empty()) return base_;
  }
  // What an earlier client of this process learned at this host:port. A plain-http choice is
  // taken only by a client that may use plain http itself; otherwise it probes as below.
  if (std::optional<RegistryHostState> known = RegistryHosts::Global().Get(host_);
      known.has_value() &&
      (absl::StartsWith(known->base, "https://") ||
       (absl::StartsWith(known->base, "http://") && PlainHttpAllowed(host_)))) {
    absl::MutexLock lock(&mu_);
    if (base_.empty()) base_ = known->base;
    if (!challenge_.has_value()) challenge_ = known->challenge;
    return base_;
  }
  // https first; plain http only when https got no answer at all and it is allowed.
  std::string chosen;
  HttpRequest ping{"GET", absl::StrCat("https://", host_, "/v2/"), {}, {}};
  requests_++;
  auto response = http_->Send(ping, 64 << 10);
  if (response.ok()) {
    chosen = absl::StrCat("https://", host_);
  } else if (PlainHttpAllowed(host_) && TransportError(response.status())) {
    ping.url = absl::StrCat("http://", host_, "/v2/");
    requests_++;
    auto plain = http_->Send(ping, 64 << 10);
    if (!plain.ok()) {
      return absl::UnavailableError(absl::StrCat("registry ", registry_, ": no answer over https (",
                                                 response.status().message(), ") nor http (",
                                                 plain.status().message(), ")"));
    }
    response = std::move(plain);
    chosen = absl::StrCat("http://", host_);
  } else {
    return absl::Status(response.status().code(),
                        absl::StrCat("registry ", registry_, ": ", response.status().message(),
                                     " (plain http is used only for loopback registries or with "
                                     "--allow-insecure-registry)"));
  }
  std::optional<Challenge> seen;
  if (response->status == 401) {
    auto challenges = ParseWwwAuthenticate(response->Header("www-authenticate"));
    if (challenges.ok()) {
      for (const Challenge& c : *challenges) {
        if (c.scheme == "bearer" || c.scheme == "basic") {
          seen = c;
          break;
        }
      }
    }
  }
  RegistryHosts::Global().Put(host_, RegistryHostState{chosen, seen});
  absl::MutexLock lock(&mu_);
  if (base_.empty()) base_ = chosen;
  if (seen.has_value() && !challenge_.has_value()) challenge_ = seen;
  return base_;
}

absl::Status RegistryClient::Ping() {
  auto base = Base();
  if (!base.ok()) return base.status();
  Call call;
  call.request.url = "/v2/";
  auto r = Do(Scope::None(), call);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Error(*r, "GET", absl::StrCat(*base, "/v2/"));
  return absl::OkStatus();
}

std::optional<std::string> RegistryClient::AuthorizationFor(const Scope& scope) {
  absl::MutexLock lock(&mu_);
  if (!challenge_.has_value()) return std::nullopt;
  if (challenge_->scheme == "basic") {
    if (!credentials_.has_value() || credentials_->username.empty()) return std::nullopt;
    return absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(credentials_->username, ":",
                                                                  credentials_->password)));
  }
  auto it = tokens_.find(scope.Key());
  if (it == tokens_.end() || it->second.expires <= absl::Now()) return std::nullopt;
  return absl::StrCat("Bearer ", it->second.token);
}

absl::StatusOr<Token> RegistryClient::FetchToken(const Challenge& challenge,
                                                 const std::vector<std::string>& scopes) {
  const std::string realm = challenge.Param("realm");
  if (!absl::StartsWith(realm, "https://") && !absl::StartsWith(realm, "http://")) {
    return absl::UnauthenticatedError(absl::StrCat("registry ", registry_, ": token realm \"",
                                                   realm.substr(0, 200),
                                                   "\" is not an http(s) URL"));
  }
  if (absl::StartsWith(realm, "http://") && !PlainHttpAllowed(HostOfUrl(realm))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "registry ", registry_, ": token realm ", realm,
        " is plain http (allowed only on loopback or with --allow-insecure-registry)"));
  }
  HttpRequest request;
  std::string form;
  const std::string service = challenge.Param("service");
  if (credentials_.has_value() && !credentials_->identity_token.empty()) {
    request.method = "POST";
    request.url = realm;
    form = absl::StrCat("grant_type=refresh_token&client_id=vouch&refresh_token=",
                        UrlEscape(credentials_->identity_token));
    if (!service.empty()) absl::StrAppend(&form, "&service=", UrlEscape(service));
    absl::StrAppend(&form, "&scope=", UrlEscape(absl::StrJoin(scopes, " ")));
    request.body = form;
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  } else {
    std::string url = realm;
    if (!service.empty()) url = WithQuery(url, absl::StrCat("service=", UrlEscape(service)));
    for (const std::string& s : scopes) url = WithQuery(url, absl::StrCat("scope=", UrlEscape(s)));
    request.url = url;
    if (credentials_.has_value() && !credentials_->username.empty()) {
      request.headers.emplace_back(
          "Authorization",
          absl::StrCat("Basic ", absl::Base64Escape(absl::StrCat(credentials_->username, ":",
                                                                 credentials_->password))));
    }
  }
  absl::StatusOr<HttpResponse> response;
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    token_requests_++;
    response = http_->Send(request, options_.limits.max_manifest_bytes);
    const bool again =
        response.ok() ? Retryable(response->status) : TransportError(response.status());
    if (!again || attempt >= options_.max_attempts) break;
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  if (!response.ok()) {
    return absl::Status(response.status().code(),
                        absl::StrCat("token realm ", realm, ": ", response.status().message()));
  }
  if (response->status != 200) {
    const bool anonymous = !credentials_.has_value() || credentials_->empty();
    return absl::Status(
        response->status == 401 || response->status == 403 ? absl::StatusCode::kUnauthenticated
                                                           : CodeForStatus(response->status),
        absl::StrCat("registry ", registry_, ": token realm ", realm, " answered ",
                     response->status, " for ", absl::StrJoin(scopes, " "),
                     anonymous ? " without credentials" : " with the given credentials", ": ",
                     RegistryMessage(*response)));
  }
  auto token = ParseTokenResponse(response->body);
  if (!token.ok()) {
    return absl::Status(token.status().code(),
                        absl::StrCat("token realm ", realm, ": ", token.status().message()));
  }
  return *token;
}

absl::Status RegistryClient::Authorize(const Scope& scope, const HttpResponse& response) {
  auto challenges = ParseWwwAuthenticate(response.Header("www-authenticate"));
  if (!challenges.ok()) {
    return absl::UnauthenticatedError(absl::StrCat("registry ", registry_, ": 401 ",
                                                   RegistryMessage(response), "; ",
                                                   challenges.status().message()));
  }
  const Challenge* chosen = nullptr;
  for (const Challenge& c : *challenges) {
    if (c.scheme == "bearer" || c.scheme == "basic") {
      chosen = &c;
      break;
    }
  }
  if (chosen == nullptr) {
    return absl::UnauthenticatedError(
        absl::StrCat("registry ", registry_, ": 401 with unsupported authentication scheme \"",
                     (*challenges)[0].scheme, "\""));
  }
  {
    absl::MutexLock lock(&mu_);
    challenge_ = *chosen;
    if (!base_.empty()) RegistryHosts::Global().SetChallenge(host_, base_, *chosen);
  }
  const bool anonymous = !credentials_.has_value() || credentials_->empty();
  if (chosen->scheme == "basic") {
    if (anonymous) {
      return absl::UnauthenticatedError(
          absl::StrCat("registry ", registry_, " requires authentication (Basic realm=\"",
                       chosen->Param("realm"), "\"): ", RegistryMessage(response),
                       "; give a username and password or log in with docker login"));
    }
    return absl::OkStatus();
  }
  // Bearer: the scopes we need plus any the registry named.
  std::vector<std::string> scopes = scope.Strings();
  for (absl::string_view s : absl::StrSplit(chosen->Param("scope"), ' ', absl::SkipEmpty())) {
    if (std::find(scopes.begin(), scopes.end(), s) == scopes.end()) scopes.emplace_back(s);
  }
  auto token = FetchToken(*chosen, scopes);
  if (!token.ok()) return token.status();
  absl::MutexLock lock(&mu_);
  tokens_[scope.Key()] = CachedToken{token->token, TokenExpiry(*token)};
  return absl::OkStatus();
}

absl::StatusOr<HttpResponse> RegistryClient::Do(const Scope& scope, Call& call) {
  auto base = Base();
  if (!base.ok()) return base.status();
  HttpRequest request = call.request;
  request.url = Url(*base, call.request.url);
  const bool own_host = HostOfUrl(request.url) == host_;
  bool authorized_once = false;
  absl::Duration backoff = options_.initial_backoff;
  std::mt19937_64 rng(std::random_device{}());
  for (int attempt = 1;;) {
    HttpRequest sent = request;
    if (own_host) {
      std::optional<std::string> auth = AuthorizationFor(scope);
      if (!auth.has_value()) {
        // A bearer registry whose challenge we know: get the token before asking.
        std::optional<Challenge> known;
        {
          absl::MutexLock lock(&mu_);
          known = challenge_;
        }
        if (known.has_value() && known->scheme == "bearer" && !scope.repository.empty()) {
          auto token = FetchToken(*known, scope.Strings());
          if (!token.ok()) return token.status();
          absl::MutexLock lock(&mu_);
          tokens_[scope.Key()] = CachedToken{token->token, TokenExpiry(*token)};
          auth = absl::StrCat("Bearer ", token->token);
          authorized_once = true;
        }
      }
      if (auth.has_value()) sent.headers.emplace_back("Authorization", *auth);
    }
    requests_++;
    bool delivered = false;
    BodyConsumer tracking;
    const BodyConsumer* consumer = call.consumer;
    if (consumer != nullptr) {
      tracking = [&](absl::string_view chunk) {
        delivered = true;
        return (*call.consumer)(chunk);
      };
      consumer = &tracking;
    }
    auto response = http_->Send(sent, call.max_body, consumer);
    absl::Duration wait = backoff;
    if (!response.ok() && own_host && TransportError(response.status())) {
      // No answer where the process thought the registry was: the next client probes again.
      RegistryHosts::Global().Forget(host_, *base);
    }
    if (!response.ok()) {
      if (!call.retry || !TransportError(response.status()) || delivered ||
          attempt >= options_.max_attempts) {
        return response.status();
      }
    } else if (response->status == 401 && own_host) {
      if (authorized_once) {
        return absl::UnauthenticatedError(absl::StrCat(
            "registry ", registry_, ": ", sent.method, " ", request.url,
            ": 401 Unauthorized with the credentials given: ", RegistryMessage(*response)));
      }
      absl::Status s = Authorize(scope, *response);
      if (!s.ok()) return s;
      authorized_once = true;
      continue;  // not counted as an attempt
    } else if (!call.retry || !Retryable(response->status) || attempt >= options_.max_attempts) {
      return response;
    } else {
      int64_t seconds = 0;
      if (absl::SimpleAtoi(response->Header("retry-after"), &seconds) && seconds > 0) {
        wait = std::min(absl::Seconds(seconds), options_.max_backoff);
      }
    }
    // Full jitter on [wait/2, wait].
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    absl::SleepFor(wait * jitter(rng));
    backoff = std::min(backoff * 2, options_.max_backoff);
    ++attempt;
  }
}

absl::Status RegistryClient::Error(const HttpResponse& response, absl::string_view method,
                                   absl::string_view url) const {
  const std::string text = StatusText(response.status);
  std::string message = absl::StrCat("registry ", registry_, ": ", method, " ", url, ": ",
                                     response.status, text.empty() ? "" : " ", text);
  const std::string detail = RegistryMessage(response);
  if (!detail.empty()) absl::StrAppend(&message, ": ", detail);
  return absl::Status(CodeForStatus(response.status), message);
}

absl::StatusOr<Descriptor> RegistryClient::Resolve(absl::string_view repository,
                                                   absl::string_view reference) {
  Call call;
  call.request.method = "HEAD";
  call.request.url = absl::StrCat("/v2/", repository, "/manifests/", reference);
  call.request.headers.emplace_back("Accept", kManifestAccept);
  auto r = Do(Scope::Pull(repository), call);
  if (!r.ok()) return r.status();
  if (r->status != 200) return Error(*r, "HEAD", call.request.url);
  Descriptor d;
  d.media_type = std::string(absl::StripAsciiWhitespace(
      absl::string_view(r->Header("content-type")).substr(0, r->Header("content-type").find(';'))));
  auto digest = Digest::Parse(r->Header("docker-content-digest"));
  int64_t size = -1;
  if (!digest.ok() || !absl::SimpleAtoi(r->Header("content-length"), &size) || size < 0 ||
      !IsManifestMediaType(d.media_type)) {
    // No usable headers: fetch the manifest and hash it.
    auto m = GetManifest(repository, reference);
    if (!m.ok()) return m.status();
    return m->descriptor;
  }
  auto want = Digest::Parse(reference);
  if (want.ok() && *want != *digest) {
    return absl::DataLossError(absl::StrCat("registry ", registry_, ": HEAD ", call.request.url,
                                            " answered Docker-Content-Digest ", digest->ToString(),
                                            ", want ", want->ToString()));
  }
  d.digest = *digest;
  d.size = size;
  return d;
}

absl::StatusOr<FetchedManifest> RegistryClient::GetManifest(absl::string_view repository,
                                                            absl::string_view reference) {
  auto want = Digest::Parse(reference);
  const bool by_digest = want.ok();
  if (!by_digest && !IsValidTag(reference)) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest reference \"", reference.substr(0, 200),
                     "\": want a tag or a digest (", want.status().message(), ")"));
  }
  Call call;
  call.request.url = absl::StrCat("/v2/", repository, "/manifests/", reference);
  call.request.headers.emplace_back("Accept", kManifestAccept);
  call.max_body = options_.limits.max_manifest_bytes;
  auto r = Do(Scope::Pull(repository), call);
  if (!r.ok()) {
    if (r.status().code() == absl::StatusCode::kResourceExhausted) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "registry ", registry_, ": manifest ", repository, "@", reference, " is larger than ",
          options_.limits.max_manifest_bytes, " bytes (", r.status().message(), ")"));
    }
    return r.status();
  }
  if (r->status != 200) return Error(*r, "GET", call.request.url);
  FetchedManifest out;
  out.bytes = std::move(r->body);
  const Digest actual = by_digest && want->algorithm() == "sha512" ? Digest::Sha512(out.bytes)
                                                                   : Digest::Sha256(out.bytes);
  if (by_digest && actual != *want) {
    return absl::DataLossError(absl::StrCat("registry ", registry_, ": manifest ", repository, "@",
                                            want->ToString(), " answered bytes that hash to ",
                                            actual.ToString(), ", want ", want->ToString(),
                                            " (refusing them)"));
  }
  if (!by_digest) {
    auto claimed = Digest::Parse(r->Header("docker-content-digest"));
    if (claimed.ok() && claimed->algorithm() == "sha256" && *claimed != actual) {
      return absl::DataLossError(absl::StrCat("registry ", registry_, ": manifest ", repository,
                                              ":", reference, " answered Docker-Content-Digest ",
                                              claimed->ToString(), " but its bytes hash to ",
                                              actual.ToString(), " (refusing them)"));
    }
  }
  std::string content_type = r->Header("content-type");
  content_type = std::string(absl::StripAsciiWhitespace(
      absl::string_view(content_type).substr(0, content_type.find(';'))));
  auto kind = DetectManifestKind(out.bytes, content_type);
  if (!kind.ok()) {
    return absl::Status(kind.status().code(),
                        absl::StrCat("registry ", registry_, ": manifest ", repository, "@",
                                     actual.ToString(), ": ", kind.status().message()));
  }
  if (!IsManifestMediaType(content_type)) {
    json j = json::parse(out.bytes, nullptr, false);
    content_type = j.is_object() && j.contains("mediaType") && j["mediaType"].is_string()
                       ? j["mediaType"].get<std::string>()
                       : (*kind == ManifestKind::kIndex ? kOciIndex : kOciManifest);
  }
  out.descriptor.media_type = content_type;
  out.descriptor.digest = actual;
  out.descriptor.size = static_cast<int64_t>(out.bytes.size());
  out.etag = r->Header("etag");
  return out;
}

absl::StatusOr<std::string> RegistryClient::GetBlob(absl::string_view repository,
                                                    const Descriptor& descriptor) {
  if (static_cast<uint64_t>(descriptor.size) > options_.limits.max_blob_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "registry ", registry_, ": blob ", descriptor.digest.ToString(), " has ", descriptor.size,
        " bytes, more than the limit of ", options_.limits.max_blob_bytes));
  }
  std::string out;
  absl::Status s = ReadBlob(repository, descriptor, [&](absl::string_view chunk) {
    out.append(chunk.data(), chunk.size());
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return out;
}

absl::Status RegistryClient::ReadBlob(absl::string_view repository, const Descriptor& descriptor,
                                      const BodyConsumer& consumer) {
  if (!descriptor.digest.ok() || descriptor.size < 0) {
    return absl::InvalidArgumentError("ReadBlob: descriptor without digest or size");
  }
  DigestVerifier verifier(descriptor.digest);
  BodyConsumer hashing = [&](absl::string_view chunk) {
    verifier.Update(chunk);
    return consumer(chunk);
  };
  Call call;
  call.request.url = absl::StrCat("/v2/", repository, "/blobs/", descriptor.digest.ToString());
  call.max_body = static_cast<uint64_t>(descriptor.size);
  call.consumer = &hashing;
  auto r = Do(Scope::Pull(repository), call);
  const std::string what = absl::StrCat("registry ", registry_, ": blob ", repository, "@",
                                        descriptor.digest.ToString());
  if (!r.ok()) {
    if (r.status().code() == absl::StatusCode::kResourceExhausted) {
      return absl::DataLossError(absl::StrCat(what, ": more than the descriptor's ",
                                              descriptor.size, " bytes (", r.status().message(),
                                              ")"));
    }
    return r.status();
  }
  if (r->status != 200) return Error(*r, "GET", call.request.url);
  if (verifier.bytes() != static_cast<uint64_t>(descriptor.size)) {
    return absl::DataLossError(absl::StrCat(what, ": ", verifier.bytes(),
                                            " bytes, the descriptor says ", descriptor.size));
  }
  return verifier.Finish(what);
}

absl::StatusOr<bool> RegistryClient::BlobExists(absl::string_view repository,
                                                const Digest& digest) {
  Call call;
  call.request.method = "HEAD";
  call.request.url = absl::StrCat("/v2/", repository, "/blobs/", digest.ToString());
  auto r = Do(Scope::Pull(repository), call);
  if (!r.ok()) return r.status();
  if (r->status == 200) return true;
  if (r->status == 404) return false;
  return Error(*r, "HEAD", call.request.url);
}

absl::StatusOr<bool> RegistryClient::MountBlob(absl::string_view repository, const Digest& digest,
                                               absl::string_view from_repository) {
  Scope scope{std::string(repository), true, std::string(from_repository)};
  Call call;
  call.request.method = "POST";
  call.request.url =
      absl::StrCat("/v2/", repository, "/blobs/uploads/?mount=", UrlEscape(digest.ToString()),
                   "&from=", UrlEscape(from_repository));
  auto r = Do(scope, call);
  if (!r.ok()) return r.status();
  if (r->status == 201) return true;
  if (r->status == 202) {
    // The registry started an upload session instead; leave it to expire.
    return false;
  }
  return Error(*r, "POST", call.request.url);
}

absl::StatusOr<std::string> RegistryClient::Upload(
    const Scope& scope, absl::string_view repository, const Digest& digest, uint64_t size,
    const std::function<absl::StatusOr<std::string>(uint64_t, uint64_t)>& read,
    absl::string_view mount_from) {
  auto exists = BlobExists(repository, digest);
  if (!exists.ok()) return exists.status();
  if (*exists) return std::string("exists");
  if (!mount_from.empty() && mount_from != repository) {
    auto mounted = MountBlob(repository, digest, mount_from);
    if (mounted.ok() && *mounted) return std::string("mounted");
  }
  auto base = Base();
  if (!base.ok()) return base.status();
  absl::Status last;
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) {
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
    // One whole upload session; any failure starts a new one.
    last = [&]() -> absl::Status {
      Call start;
      start.request.method = "POST";
      start.request.url = absl::StrCat("/v2/", repository, "/blobs/uploads/");
      start.retry = false;
      auto r = Do(scope, start);
      if (!r.ok()) return r.status();
      if (r->status != 202) return Error(*r, "POST", start.request.url);
      std::string location = r->Header("location");
      if (location.empty()) {
        return absl::UnavailableError(
            absl::StrCat("registry ", registry_, ": upload started without a Location"));
      }
      location = Url(*base, location);
      uint64_t offset = 0;
      if (size > options_.chunk_size) {
        while (offset < size) {
          const uint64_t n = std::min<uint64_t>(options_.chunk_size, size - offset);
          auto chunk = read(offset, n);
          if (!chunk.ok()) return chunk.status();
          Call patch;
          patch.request.method = "PATCH";
          patch.request.url = location;
          patch.request.headers = {{"Content-Type", kOctetStream},
                                   {"Content-Range", absl::StrCat(offset, "-", offset + n - 1)}};
          patch.request.body = *chunk;
          patch.retry = false;
          auto p = Do(scope, patch);
          if (!p.ok()) return p.status();
          if (p->status != 202) return Error(*p, "PATCH", location);
          if (!p->Header("location").empty()) location = Url(*base, p->Header("location"));
          offset += n;
        }
      }
      std::string rest;
      if (offset < size) {
        auto all = read(offset, size - offset);
        if (!all.ok()) return all.status();
        rest = *std::move(all);
      }
      Call put;
      put.request.method = "PUT";
      put.request.url = WithQuery(location, absl::StrCat("digest=", UrlEscape(digest.ToString())));
      put.request.headers = {{"Content-Type", kOctetStream}};
      put.request.body = rest;
      put.retry = false;
      auto p = Do(scope, put);
      if (!p.ok()) return p.status();
      if (p->status != 201) return Error(*p, "PUT", location);
      return absl::OkStatus();
    }();
    if (last.ok()) return std::string("uploaded");
    if (!TransportError(last)) return last;
  }
  return last;
}

absl::Status RegistryClient::PushBlob(absl::string_view repository, const Digest& digest,
                                      absl::string_view data) {
  const Digest actual =
      digest.algorithm() == "sha512" ? Digest::Sha512(data) : Digest::Sha256(data);
  if (actual != digest) {
    return absl::InvalidArgumentError(
        absl::StrCat("PushBlob: data hashes to ", actual.ToString(), ", not ", digest.ToString()));
  }
  auto r = Upload(
      Scope::Push(repository), repository, digest, data.size(),
      [&](uint64_t offset, uint64_t n) -> absl::StatusOr<std::string> {
        return std::string(data.substr(offset, n));
      },
      "");
  return r.status();
}

absl::Status RegistryClient::PushBlobFromFile(absl::string_view repository,
                                              const Descriptor& descriptor, const std::string& path,
                                              absl::string_view mount_from) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("blob file ", path, ": cannot open"));
  auto r = Upload(
      Scope::Push(repository, mount_from), repository, descriptor.digest,
      static_cast<uint64_t>(descriptor.size),
      [&](uint64_t offset, uint64_t n) -> absl::StatusOr<std::string> {
        std::string buf(n, '\0');
        in.clear();
        in.seekg(static_cast<std::streamoff>(offset));
        in.read(buf.data(), static_cast<std::streamsize>(n));
        if (static_cast<uint64_t>(in.gcount()) != n) {
          return absl::DataLossError(
              absl::StrCat("blob file ", path, ": shorter than ", descriptor.size, " bytes"));
        }
        return buf;
      },
      mount_from);
  return r.status();
}

absl::StatusOr<PutManifestResult> RegistryClient::PutManifest(absl::string_view repository,
                                                              absl::string_view reference,
                                                              absl::string_view media_type,
                                                              absl::string_view bytes,
                                                              const PutConditions& conditions) {
  if (bytes.size() > options_.limits.max_manifest_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("manifest of ", bytes.size(),
                                                     " bytes is over the limit of ",
                                                     options_.limits.max_manifest_bytes));
  }
  const Digest digest = Digest::Sha256(bytes);
  auto want = Digest::Parse(reference);
  if (want.ok() && *want != digest) {
    return absl::InvalidArgumentError(
        absl::StrCat("PutManifest: bytes hash to ", digest.ToString(), ", not ", reference));
  }
  Call call;
  call.request.method = "PUT";
  call.request.url = absl::StrCat("/v2/", repository, "/manifests/", reference);
  call.request.headers = {{"Content-Type", std::string(media_type)}};
  if (!conditions.if_match.empty())
    call.request.headers.emplace_back("If-Match", conditions.if_match);
  if (conditions.if_none_match) call.request.headers.emplace_back("If-None-Match", "*");
  call.request.body = bytes;
  auto r = Do(Scope::Push(repository), call);
  if (!r.ok()) return r.status();
  if (r->status == 412) {
    return absl::FailedPreconditionError(absl::StrCat(
        "registry ", registry_, ": PUT ", call.request.url,
        ": 412 Precondition Failed: the tag changed since it was read (",
        conditions.if_match.empty() ? "If-None-Match: *" : "If-Match: " + conditions.if_match,
        ")"));
  }
  if (r->status != 201 && r->status != 200) return Error(*r, "PUT", call.request.url);
  PutManifestResult out;
  out.digest = digest;
  auto claimed = Digest::Parse(r->Header("docker-content-digest"));
  if (claimed.ok() && *claimed != digest) {
    return absl::DataLossError(absl::StrCat("registry ", registry_, ": PUT ", call.request.url,
                                            " stored ", claimed->ToString(), ", sent ",
                                            digest.ToString()));
  }
  out.oci_subject = r->Header("oci-subject");
  return out;
}

absl::StatusOr<std::optional<std::vector<Descriptor>>> RegistryClient::Referrers(
    absl::string_view repository, const Digest& subject, absl::string_view artifact_type) {
  std::string url = absl::StrCat("/v2/", repository, "/referrers/", subject.ToString());
  if (!artifact_type.empty())
    url = WithQuery(url, absl::StrCat("artifactType=", UrlEscape(artifact_type)));
  std::vector<Descriptor> out;
  ParseLimits limits{options_.limits.max_index_entries};
  for (int page = 0; !url.empty(); ++page) {
    if (page == 16) {
      return absl::ResourceExhaustedError(absl::StrCat("registry ", registry_, ": referrers of ",
                                                       subject.ToString(), ": over 16 pages"));
    }
    Call call;
    call.request.url = url;
    call.request.headers.emplace_back("Accept", kOciIndex);
    call.max_body = options_.limits.max_manifest_bytes;
    auto r = Do(Scope::Pull(repository), call);
    if (!r.ok()) return r.status();
    if (r->status == 404 && page == 0) return std::optional<std::vector<Descriptor>>();
    if (r->status != 200) return Error(*r, "GET", url);
    auto index = ParseImageIndex(r->body, limits);
    if (!index.ok()) {
      return absl::Status(index.status().code(),
                          absl::StrCat("registry ", registry_, ": referrers of ",
                                       subject.ToString(), ": ", index.status().message()));
    }
    const bool filtered = absl::StrContains(r->Header("oci-filters-applied"), "artifactType");
    for (Descriptor& d : index->manifests) {
      if (!artifact_type.empty() && !filtered && d.artifact_type != artifact_type) continue;
      out.push_back(std::move(d));
      if (out.size() > options_.limits.max_index_entries) {
        return absl::ResourceExhaustedError(absl::StrCat("registry ", registry_, ": referrers of ",
                                                         subject.ToString(), ": more than ",
                                                         options_.limits.max_index_entries));
      }
    }
    url = NextLink(*r);
  }
  return std::optional<std::vector<Descriptor>>(std::move(out));
}

absl::StatusOr<std::vector<std::string>> RegistryClient::ListTags(absl::string_view repository) {
  std::string url = absl::StrCat("/v2/", repository, "/tags/list");
  std::vector<std::string> out;
  for (int page = 0; !url.empty(); ++page) {
    if (page == 64) {
      return absl::ResourceExhaustedError(
          absl::StrCat("registry ", registry_, ": tags of ", repository, ": over 64 pages"));
    }
    Call call;
    call.request.url = url;
    call.max_body = options_.limits.max_manifest_bytes;
    auto r = Do(Scope::Pull(repository), call);
    if (!r.ok()) return r.status();
    if (r->status != 200) return Error(*r, "GET", url);
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("registry ", registry_, ": tags of ", repository, ": not a JSON object"));
    }
    auto tags = j.find("tags");
    if (tags != j.end() && tags->is_array()) {
      for (const json& t : *tags) {
        if (t.is_string()) out.push_back(t.get<std::string>());
      }
    }
    url = NextLink(*r);
  }
  return out;
}

}  // namespace vouch::oci
