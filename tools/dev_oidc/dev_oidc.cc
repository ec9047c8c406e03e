// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/dev_oidc/dev_oidc.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "signer/jwt.h"
#include "signer/x509.h"

namespace vouch::tools {

using json = nlohmann::json;

DevOidcIssuer::DevOidcIssuer(const DevOidcOptions& options,
                             std::unique_ptr<signer::OpenSslSigner> key)
    : options_(options), key_(std::move(key)) {
  kid_ = signer::HexEncode(signer::Sha256(key_->PublicKeyDer())).substr(0, 16);
}

DevOidcIssuer::~DevOidcIssuer() { Stop(); }

absl::StatusOr<std::unique_ptr<DevOidcIssuer>> DevOidcIssuer::New(const DevOidcOptions& options) {
  VOUCH_ASSIGN_OR_RETURN(auto key, signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256));
  std::unique_ptr<DevOidcIssuer> issuer(new DevOidcIssuer(options, std::move(key)));
  issuer->AddRoutes();
  http::ServerOptions http_options;
  http_options.max_body_bytes = 64 * 1024;
  http_options.worker_threads = 2;
  http_options.server_name = "vouch-dev-oidc";
  VOUCH_ASSIGN_OR_RETURN(
      issuer->http_, http::Server::New(options.host, options.port, &issuer->router_, http_options));
  return issuer;
}

void DevOidcIssuer::Start() { http_->Start(); }
void DevOidcIssuer::Stop() {
  if (http_ != nullptr) http_->Stop();
}

std::string DevOidcIssuer::issuer_url() const {
  const std::string& host = http_->host();
  if (host.find(':') != std::string::npos) return absl::StrCat("http://[", host, "]:", port());
  return absl::StrCat("http://", host, ":", port());
}

std::string DevOidcIssuer::jwks_json() const {
  auto jwk = signer::PublicKeyToJwk(key_->PublicKeyDer(), kid_);
  return json{{"keys", json::array({json::parse(jwk.ok() ? *jwk : "{}")})}}.dump();
}

absl::StatusOr<std::string> DevOidcIssuer::Mint(const TokenRequest& request) const {
  std::string sub = request.sub;
  std::string email = request.email;
  if (sub.empty() && email.empty()) email = "dev@vouch.local";
  if (sub.empty()) sub = email;
  if (email.empty() && sub.find('@') != std::string::npos) email = sub;
  const absl::Duration lifetime =
      request.lifetime > absl::ZeroDuration() ? request.lifetime : options_.token_lifetime;
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json claims = {{"iss", issuer_url()},
                 {"sub", sub},
                 {"aud", request.audience.empty() ? options_.audience : request.audience},
                 {"iat", now},
                 {"nbf", now},
                 {"exp", now + absl::ToInt64Seconds(lifetime)}};
  if (!email.empty()) {
    claims["email"] = email;
    claims["email_verified"] = true;
  }
  if (!request.extra_claims_json.empty()) {
    json extra = json::parse(request.extra_claims_json, nullptr, false);
    if (extra.is_discarded() || !extra.is_object()) {
      return absl::InvalidArgumentError("\"claims\" must be a JSON object");
    }
    for (auto it = extra.begin(); it != extra.end(); ++it) claims[it.key()] = it.value();
  }
  return signer::SignJws(*key_, kid_, claims.dump());
}

void DevOidcIssuer::AddRoutes() {
  router_.Handle(
      "GET", "/.well-known/openid-configuration",
      [this](const http::Request&) {
        const std::string base = issuer_url();
        json doc = {
            {"issuer", base},
            {"jwks_uri", base + "/jwks"},
            {"token_endpoint", base + "/token"},
            {"authorization_endpoint", base + "/authorize"},
            {"response_types_supported", {"id_token"}},
            {"subject_types_supported", {"public"}},
            {"id_token_signing_alg_values_supported", {"ES256"}},
            {"claims_supported", {"iss", "sub", "aud", "exp", "iat", "email", "email_verified"}}};
        return http::Response::Json(200, doc.dump());
      },
      http::Exec::kInline);
  auto jwks = [this](const http::Request&) { return http::Response::Json(200, jwks_json()); };
  router_.Handle("GET", "/jwks", jwks, http::Exec::kInline);
  router_.Handle("GET", "/.well-known/jwks.json", jwks, http::Exec::kInline);
  auto answer = [this](const TokenRequest& request, bool raw) {
    auto token = Mint(request);
    if (!token.ok()) return http::Response::Error(400, token.status().message());
    if (raw) return http::Response::Make(200, "text/plain", *token + "\n");
    const absl::Duration lifetime =
        request.lifetime > absl::ZeroDuration() ? request.lifetime : options_.token_lifetime;
    return http::Response::Json(200, json{{"id_token", *token},
                                          {"access_token", *token},
                                          {"token_type", "Bearer"},
                                          {"expires_in", absl::ToInt64Seconds(lifetime)}}
                                         .dump());
  };
  router_.Handle(
      "GET", "/token",
      [answer](const http::Request& req) {
        TokenRequest request;
        request.sub = req.Query("sub").value_or("");
        request.email = req.Query("email").value_or("");
        request.audience = req.Query("aud").value_or("");
        const std::string ttl = req.Query("ttl_seconds").value_or("");
        if (!ttl.empty()) {
          int64_t secs = 0;
          if (!absl::SimpleAtoi(ttl, &secs) || secs <= 0) {
            return http::Response::Error(400, "ttl_seconds must be positive");
          }
          request.lifetime = absl::Seconds(secs);
        }
        return answer(request, req.Query("format").value_or("") == "raw");
      },
      http::Exec::kInline);
  router_.Handle(
      "POST", "/token",
      [answer](const http::Request& req) {
        TokenRequest request;
        json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
          return http::Response::Error(400, "body must be a JSON object");
        }
        auto str = [&](const char* name, std::string* out) {
          if (!body.contains(name)) return true;
          if (!body[name].is_string()) return false;
          *out = body[name].get<std::string>();
          return true;
        };
        if (!str("sub", &request.sub) || !str("email", &request.email) ||
            !str("aud", &request.audience)) {
          return http::Response::Error(400, "sub, email and aud must be strings");
        }
        if (body.contains("ttl_seconds")) {
          if (!body["ttl_seconds"].is_number_integer() || body["ttl_seconds"].get<int64_t>() <= 0) {
            return http::Response::Error(400, "ttl_seconds must be a positive integer");
          }
          request.lifetime = absl::Seconds(body["ttl_seconds"].get<int64_t>());
        }
        if (body.contains("claims")) request.extra_claims_json = body["claims"].dump();
        return answer(request, req.Query("format").value_or("") == "raw");
      },
      http::Exec::kInline);
}

}  // namespace vouch::tools
