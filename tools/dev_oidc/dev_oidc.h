// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// DevOidcIssuer: a loopback OpenID Connect issuer for the quickstart and tests (vouch-dev-oidc).
// It generates an ES256 key at start and serves
//   GET  /.well-known/openid-configuration  discovery ({"issuer", "jwks_uri", ...})
//   GET  /jwks (also /.well-known/jwks.json) the public key as a JWKS
//   POST /token  JSON {"sub", "email", "aud", "ttl_seconds", "claims": {...}}  (all optional)
//   GET  /token?sub=...&email=...&aud=...&ttl_seconds=...
//        -> {"id_token": JWT, "access_token": JWT, "token_type": "Bearer", "expires_in": N};
//           with format=raw (query) the bare JWT as text/plain.
// Tokens: iss = the issuer URL, aud = --audience (default "sigstore"), iat/nbf = now, exp = now +
// lifetime, sub (default: the email, or "dev@vouch.local"), email + email_verified: true when an
// email is given (default email = sub when sub looks like an email), plus any extra claims (e.g.
// GitHub Actions claims for CI tests). It performs no authentication: loopback development only.
// Thread-safe after Start().
#ifndef VOUCH_TOOLS_DEV_OIDC_DEV_OIDC_H_
#define VOUCH_TOOLS_DEV_OIDC_DEV_OIDC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "http/router.h"
#include "http/server.h"
#include "signer/openssl_crypto.h"

namespace vouch::tools {

struct DevOidcOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0 = a free port
  std::string audience = "sigstore";
  absl::Duration token_lifetime = absl::Minutes(10);
};

// What a minted token says.
struct TokenRequest {
  std::string sub;
  std::string email;
  std::string audience;           // empty = the default audience
  absl::Duration lifetime;        // zero = the default lifetime
  std::string extra_claims_json;  // a JSON object merged into the claims; may be empty
};

class DevOidcIssuer {
 public:
  // Binds the port and generates the key. Unavailable if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<DevOidcIssuer>> New(const DevOidcOptions& options);
  ~DevOidcIssuer();

  void Start();
  void Stop();

  // "http://HOST:PORT".
  std::string issuer_url() const;
  int port() const { return http_->port(); }
  std::string jwks_json() const;

  // Mints a signed ID token. InvalidArgument for malformed extra claims.
  absl::StatusOr<std::string> Mint(const TokenRequest& request) const;

 private:
  DevOidcIssuer(const DevOidcOptions& options, std::unique_ptr<signer::OpenSslSigner> key);
  void AddRoutes();

  DevOidcOptions options_;
  http::Router router_;
  std::unique_ptr<http::Server> http_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::string kid_;
};

}  // namespace vouch::tools

#endif  // VOUCH_TOOLS_DEV_OIDC_DEV_OIDC_H_
