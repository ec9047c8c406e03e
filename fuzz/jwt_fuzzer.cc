// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// OIDC identity tokens (JWTs) and JSON Web Key Sets as the CA receives and loads them
// (signer/oidc.h, signer/jwt.h). The first byte picks the mode:
//   0: the rest is a token, verified by OidcVerifier::Verify against fixed issuers (every
//      identity type, one key each): SplitJws, header and alg checks, kid lookup, signature.
//   1: the rest is a claims document, signed by the fixed key as a real issuer would, then
//      verified: the claim checks and IdentityFromClaims for every identity type.
//   2: the rest is "JWKS ==== token": an issuer configured with that inline JWKS
//      (OidcVerifier::New, JwkToPublicKeyDer) verifies the token.
//   3: the rest is an issuers configuration file (ParseIssuersConfig).
// Invariant: mode 0 and 2 never accept a token the fixed key did not sign.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "fuzz/fuzz_input.h"
#include "nlohmann/json.hpp"
#include "signer/jwt.h"
#include "signer/oidc.h"
#include "signer/openssl_crypto.h"

namespace {

using vouch::signer::IdentityType;

// Issuers "https://<type>.example" for every identity type.
struct Fixture {
  vouch::FakeClock clock{absl::FromUnixSeconds(1700000000)};
  std::unique_ptr<vouch::signer::OpenSslSigner> key;
  std::string jwks;
  std::unique_ptr<vouch::signer::OidcVerifier> verifier;
};

std::vector<vouch::signer::IssuerConfig> Issuers(const std::string& jwks) {
  std::vector<vouch::signer::IssuerConfig> out;
  const std::pair<const char*, IdentityType> types[] = {
      {"email", IdentityType::kEmail},           {"uri", IdentityType::kUri},
      {"username", IdentityType::kUsername},     {"github", IdentityType::kGithubWorkflow},
      {"gitlab", IdentityType::kGitlabPipeline}, {"spiffe", IdentityType::kSpiffe},
      {"kubernetes", IdentityType::kKubernetes},
  };
  for (const auto& [name, type] : types) {
    vouch::signer::IssuerConfig c;
    c.issuer_url = std::string("https://") + name + ".example";
    c.type = type;
    c.jwks_json = jwks;
    if (type == IdentityType::kUri || type == IdentityType::kUsername) {
      c.subject_domain = "https://example.com";
    }
    if (type == IdentityType::kUsername) c.subject_domain = "example.com";
    if (type == IdentityType::kSpiffe) c.spiffe_trust_domain = "example.org";
    out.push_back(c);
  }
  vouch::signer::IssuerConfig wild;
  wild.wildcard_issuer_url = "https://wild.example/id/*";
  wild.jwks_json = jwks;
  out.push_back(wild);
  return out;
}

Fixture& Get() {
  static Fixture* f = [] {
    auto* f = new Fixture;
    auto key = vouch::signer::OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
    if (!key.ok()) abort();
    f->key = *std::move(key);
    auto jwk = vouch::signer::PublicKeyToJwk(f->key->PublicKeyDer(), "k1");
    if (!jwk.ok()) abort();
    f->jwks = nlohmann::json{{"keys", nlohmann::json::array({nlohmann::json::parse(*jwk)})}}.dump();
    vouch::signer::OidcOptions options;
    options.issuers = Issuers(f->jwks);
    options.clock = &f->clock;
    auto v = vouch::signer::OidcVerifier::New(options);
    if (!v.ok()) abort();
    f->verifier = *std::move(v);
    return f;
  }();
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  vouch::fuzz::FuzzInput in(data, size);
  Fixture& f = Get();
  switch (in.Byte() % 4) {
    case 0: {
      const std::string token = in.Rest();
      (void)vouch::signer::SplitJws(token);
      auto id = f.verifier->Verify(token);
      (void)id;
      break;
    }
    case 1: {
      auto token = vouch::signer::SignJws(*f.key, "k1", in.Rest());
      if (token.ok()) (void)f.verifier->Verify(*token);
      break;
    }
    case 2: {
      const std::string jwks = in.Until(vouch::fuzz::kPartSeparator);
      const std::string token = in.Rest();
      (void)vouch::signer::JwkToPublicKeyDer(jwks);
      vouch::signer::OidcOptions options;
      options.issuers = Issuers(jwks);
      options.clock = &f.clock;
      auto v = vouch::signer::OidcVerifier::New(options);
      if (v.ok()) (void)(*v)->Verify(token);
      break;
    }
    case 3:
      (void)vouch::signer::ParseIssuersConfig(in.Rest());
      break;
  }
  return 0;
}
