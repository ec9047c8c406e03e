// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/dev_oidc/dev_oidc.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "signer/jwt.h"
#include "signer/x509.h"

namespace vouch::tools {

using json = nlohmann::json;

DevOidcIssuer::DevOidcIssuer(const DevOidcOptions& options,
                             std::unique_ptr<server::HttpServer> http,
                             std::unique_ptr<signer::OpenSslSigner> key)
    : options_(options), http_(std::move(http)), key_(std::move(key)) {
  kid_ = signer::HexEncode(signer::Sha256(key_->PublicKeyDer())).substr(0, 16);
}

DevOidcIssuer::~DevOidcIssuer() { Stop(); }

absl::StatusOr<std::unique_ptr<DevOidcIssuer>> DevOidcIssuer::New(const DevOidcOptions& options) {
  VOUCH_ASSIGN_OR_RETURN(auto key, signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256));
  server::HttpOptions http_options;
  http_options.max_body_bytes = 64 * 1024;
  http_options.threads = 16;
  VOUCH_ASSIGN_OR_RETURN(auto http,
                         server::HttpServer::New(options.host, options.port, http_options));
  std::unique_ptr<DevOidcIssuer> issuer(
      new DevOidcIssuer(options, std::move(http), std::move(key)));
  issuer->AddRoutes();
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
  httplib::Server& s = http_->routes();
  s.Get("/.well-known/openid-configuration",
        [this](const httplib::Request&, httplib::Response& res) {
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
          res.set_content(doc.dump(), "application/json");
        });
  auto jwks = [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(jwks_json(), "application/json");
  };
  s.Get("/jwks", jwks);
  s.Get("/.well-known/jwks.json", jwks);
  auto answer = [this](const TokenRequest& request, bool raw, httplib::Response& res) {
    auto token = Mint(request);
    if (!token.ok()) {
      res.status = 400;
      res.set_content(
          json{{"code", 400}, {"message", std::string(token.status().message())}}.dump(),
          "application/json");
      return;
    }
    if (raw) {
      res.set_content(*token + "\n", "text/plain");
      return;
    }
    const absl::Duration lifetime =
        request.lifetime > absl::ZeroDuration() ? request.lifetime : options_.token_lifetime;
    res.set_content(json{{"id_token", *token},
                         {"access_token", *token},
                         {"token_type", "Bearer"},
                         {"expires_in", absl::ToInt64Seconds(lifetime)}}
                        .dump(),
                    "application/json");
  };
  auto bad = [](httplib::Response& res, const std::string& message) {
    res.status = 400;
    res.set_content(json{{"code", 400}, {"message", message}}.dump(), "application/json");
  };
  s.Get("/token", [answer, bad](const httplib::Request& req, httplib::Response& res) {
    TokenRequest request;
    request.sub = req.get_param_value("sub");
    request.email = req.get_param_value("email");
    request.audience = req.get_param_value("aud");
    const std::string ttl = req.get_param_value("ttl_seconds");
    if (!ttl.empty()) {
      int64_t secs = 0;
      if (!absl::SimpleAtoi(ttl, &secs) || secs <= 0)
        return bad(res, "ttl_seconds must be positive");
      request.lifetime = absl::Seconds(secs);
    }
    answer(request, req.get_param_value("format") == "raw", res);
  });
  s.Post("/token", [answer, bad](const httplib::Request& req, httplib::Response& res) {
    TokenRequest request;
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return bad(res, "body must be a JSON object");
    auto str = [&](const char* name, std::string* out) {
      if (!body.contains(name)) return true;
      if (!body[name].is_string()) return false;
      *out = body[name].get<std::string>();
      return true;
    };
    if (!str("sub", &request.sub) || !str("email", &request.email) ||
        !str("aud", &request.audience)) {
      return bad(res, "sub, email and aud must be strings");
    }
    if (body.contains("ttl_seconds")) {
      if (!body["ttl_seconds"].is_number_integer() || body["ttl_seconds"].get<int64_t>() <= 0) {
        return bad(res, "ttl_seconds must be a positive integer");
      }
      request.lifetime = absl::Seconds(body["ttl_seconds"].get<int64_t>());
    }
    if (body.contains("claims")) request.extra_claims_json = body["claims"].dump();
    answer(request, req.get_param_value("format") == "raw", res);
  });
}

}  // namespace vouch::tools
