// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/oidc.h"

#include <openssl/hmac.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "signer/jwt.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using json = nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr char kIssuer[] = "https://issuer.example";
const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string Raw(const json& header, const json& payload, absl::string_view sig) {
  return absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload.dump()), ".",
                      Base64UrlEncode(sig));
}

// Signs |payload| with |signer| under an arbitrary header (alg forced).
std::string SignWithHeader(const Signer& signer, const json& header, const json& payload) {
  const std::string input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload.dump()));
  std::string sig = *signer.Sign(input);
  if (signer.key_type() == KeyType::kEcdsaP256) sig = *EcdsaDerToRaw(sig, 32);
  if (signer.key_type() == KeyType::kEcdsaP384) sig = *EcdsaDerToRaw(sig, 48);
  return absl::StrCat(input, ".", Base64UrlEncode(sig));
}

class OidcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    es_ = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    es384_ = *OpenSslSigner::Generate(KeyType::kEcdsaP384);
    rs_ = *OpenSslSigner::Generate(KeyType::kRsaPkcs1);
    ed_ = *OpenSslSigner::Generate(KeyType::kEd25519);
    other_ = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    json keys = json::array();
    keys.push_back(json::parse(*PublicKeyToJwk(es_->PublicKeyDer(), "es")));
    keys.push_back(json::parse(*PublicKeyToJwk(es384_->PublicKeyDer(), "es384")));
    json rsa = json::parse(*PublicKeyToJwk(rs_->PublicKeyDer(), "rs"));
    rsa.erase("alg");  // lets PS256 use it too
    keys.push_back(rsa);
    keys.push_back(json::parse(*PublicKeyToJwk(ed_->PublicKeyDer(), "ed")));
    IssuerConfig config;
    config.issuer_url = kIssuer;
    config.type = IdentityType::kEmail;
    config.jwks_json = json{{"keys", keys}}.dump();
    OidcOptions options;
    options.issuers.push_back(config);
    options.clock = &clock_;
    verifier_ = *OidcVerifier::New(options);
  }

  json Claims() const {
    const int64_t now = absl::ToUnixSeconds(kNow);
    return json{{"iss", kIssuer},         {"sub", "user-123"},
                {"aud", "sigstore"},      {"email", "dev@example.com"},
                {"email_verified", true}, {"iat", now - 10},
                {"nbf", now - 10},        {"exp", now + 600}};
  }

  FakeClock clock_{kNow};
  std::unique_ptr<OpenSslSigner> es_, es384_, rs_, ed_, other_;
  std::unique_ptr<OidcVerifier> verifier_;
};

TEST_F(OidcTest, AcceptsEveryAlgorithmWithItsKey) {
  struct Case {
    const Signer* signer;
    const char* kid;
  } cases[] = {{es_.get(), "es"}, {es384_.get(), "es384"}, {rs_.get(), "rs"}, {ed_.get(), "ed"}};
  for (const Case& c : cases) {
    auto token = SignJws(*c.signer, c.kid, Claims().dump());
    ASSERT_THAT(token, IsOk());
    auto id = verifier_->Verify(*token);
    ASSERT_THAT(id, IsOk()) << c.kid;
    EXPECT_EQ(id->san, "dev@example.com");
    EXPECT_EQ(id->san_type, SanType::kEmail);
    EXPECT_EQ(id->challenge, "dev@example.com");
    EXPECT_EQ(id->issuer, kIssuer);
    EXPECT_EQ(id->subject, "user-123");
  }
}

// A correctly signed token whose e-mail claim cannot be a certificate identity is 400, not 401.
TEST_F(OidcTest, SignedTokenWithForgedEmailIsInvalidArgument) {
  json c = Claims();
  c["email"] = std::string("dev@example.com\0@evil.com", 25);
  EXPECT_THAT(verifier_->Verify(*SignJws(*es_, "es", c.dump())),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("identity token claim \"email\": control character U+0000")));
}

TEST_F(OidcTest, AcceptsPs256AndAudienceArraysAndTokensWithoutKid) {
  auto pss = *OpenSslSigner::FromPem(rs_->PrivateKeyPem(), /*rsa_pss=*/true);
  json c = Claims();
  c["aud"] = json::array({"other", "sigstore"});
  EXPECT_THAT(verifier_->Verify(*SignJws(*pss, "rs", c.dump())), IsOk());
  EXPECT_THAT(verifier_->Verify(*SignJws(*es_, "", c.dump())), IsOk());
}

TEST_F(OidcTest, AcceptsWithinClockSkew) {
  json c = Claims();
  c["exp"] = absl::ToUnixSeconds(kNow) - 30;  // expired 30 s ago, skew is 60 s
  c["iat"] = absl::ToUnixSeconds(kNow) + 30;
  c["nbf"] = absl::ToUnixSeconds(kNow) + 30;
  EXPECT_THAT(verifier_->Verify(*SignJws(*es_, "es", c.dump())), IsOk());
}

// The table of forged, expired and misaddressed tokens: each must be refused with the reason.
TEST_F(OidcTest, RefusesForgedExpiredAndMisaddressedTokens) {
  const int64_t now = absl::ToUnixSeconds(kNow);
  const json claims = Claims();
  auto with = [&](const char* key, const json& value) {
    json c = claims;
    c[key] = value;
    return c;
  };
  auto without = [&](const char* key) {
    json c = claims;
    c.erase(key);
    return c;
  };
  const std::string good = *SignJws(*es_, "es", claims.dump());
  // HMAC with the RSA public key as the secret: the classic algorithm-confusion forgery.
  const json hs_header = {{"alg", "HS256"}, {"kid", "rs"}};
  const std::string hs_input =
      absl::StrCat(Base64UrlEncode(hs_header.dump()), ".", Base64UrlEncode(claims.dump()));
  const std::string secret = rs_->PublicKeyDer();
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(hs_input.data()), hs_input.size(), mac, &mac_len);
  const std::string hs_token = absl::StrCat(
      hs_input, ".", Base64UrlEncode(absl::string_view(reinterpret_cast<char*>(mac), mac_len)));
  std::string flipped = good;
  flipped[flipped.size() - 5] = flipped[flipped.size() - 5] == 'A' ? 'B' : 'A';
  // Payload swapped after signing.
  const size_t dot1 = good.find('.');
  const size_t dot2 = good.find('.', dot1 + 1);
  const std::string swapped = absl::StrCat(
      good.substr(0, dot1 + 1), Base64UrlEncode(with("sub", "admin").dump()), good.substr(dot2));
  // An ECDSA signature in DER instead of the JWS raw form.
  const std::string es_input = good.substr(0, dot2);
  const std::string der_sig_token =
      absl::StrCat(es_input, ".", Base64UrlEncode(*es_->Sign(es_input)));

  struct Case {
    const char* name;
    std::string token;
    const char* reason;
  } cases[] = {
      {"alg none, no signature", Raw({{"alg", "none"}}, claims, ""), "alg \"none\""},
      {"alg none, with signature", Raw({{"alg", "none"}, {"kid", "es"}}, claims, "sig"),
       "alg \"none\""},
      {"HS256 keyed with the public key", hs_token, "HMAC algorithm HS256"},
      {"ES256 header, RSA key", SignWithHeader(*es_, {{"alg", "ES256"}, {"kid", "rs"}}, claims),
       "mismatch"},
      {"RS256 header, EC key", SignWithHeader(*rs_, {{"alg", "RS256"}, {"kid", "es"}}, claims),
       "mismatch"},
      {"EdDSA header, ECDSA key", SignWithHeader(*ed_, {{"alg", "EdDSA"}, {"kid", "es"}}, claims),
       "mismatch"},
      {"signature bit flipped", flipped, "signature does not verify"},
      {"payload swapped after signing", swapped, "signature does not verify"},
      {"signed by an impostor key under a trusted kid", *SignJws(*other_, "es", claims.dump()),
       "signature does not verify"},
      {"DER signature for ES256", der_sig_token, "ES256 signature is"},
      {"unknown kid", *SignJws(*other_, "nope", claims.dump()), "no key with kid \"nope\""},
      {"expired", *SignJws(*es_, "es", with("exp", now - 3600).dump()), "token expired at"},
      {"not yet valid", *SignJws(*es_, "es", with("nbf", now + 3600).dump()), "not valid before"},
      {"issued in the future", *SignJws(*es_, "es", with("iat", now + 3600).dump()),
       "issued in the future"},
      {"missing exp", *SignJws(*es_, "es", without("exp").dump()), "missing claim \"exp\""},
      {"exp not a number", *SignJws(*es_, "es", with("exp", "tomorrow").dump()),
       "\"exp\" is not a number"},
      {"wrong audience", *SignJws(*es_, "es", with("aud", "someone-else").dump()),
       "wrong audience"},
      {"no audience", *SignJws(*es_, "es", without("aud").dump()), "wrong audience"},
      {"untrusted issuer", *SignJws(*es_, "es", with("iss", "https://evil.example").dump()),
       "untrusted issuer"},
      {"issuer with trailing slash",
       *SignJws(*es_, "es", with("iss", "https://issuer.example/").dump()), "untrusted issuer"},
      {"email not verified", *SignJws(*es_, "es", with("email_verified", false).dump()),
       "email not verified"},
      {"crit header",
       SignWithHeader(*es_, {{"alg", "ES256"}, {"kid", "es"}, {"crit", {"exp"}}}, claims),
       "critical"},
      {"two parts", good.substr(0, dot2), "3"},
      {"garbage", "not a token at all", "malformed token"},
      {"oversize", std::string(20000, 'a'), "limit"},
      {"empty", "", "empty token"},
  };
  ASSERT_GE(sizeof(cases) / sizeof(cases[0]), 12u);
  for (const Case& c : cases) {
    EXPECT_THAT(verifier_->Verify(c.token),
                StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr(c.reason)))
        << c.name;
  }
  EXPECT_THAT(verifier_->Verify(good), IsOk());
}

TEST(IdentityFromClaims, MapsGithubWorkflowTokensLikeFulcio) {
  IssuerConfig config;
  config.issuer_url = "https://token.actions.githubusercontent.com";
  config.type = IdentityType::kGithubWorkflow;
  json claims = {
      {"iss", config.issuer_url},
      {"sub", "repo:octo/app:ref:refs/heads/main"},
      {"job_workflow_ref", "octo/app/.github/workflows/release.yml@refs/heads/main"},
      {"job_workflow_sha", "aaaa"},
      {"repository", "octo/app"},
      {"repository_id", "42"},
      {"repository_owner", "octo"},
      {"repository_owner_id", "7"},
      {"repository_visibility", "public"},
      {"workflow", "Release"},
      {"workflow_ref", "octo/app/.github/workflows/release.yml@refs/heads/main"},
      {"workflow_sha", "bbbb"},
      {"sha", "cccc"},
      {"ref", "refs/heads/main"},
      {"event_name", "push"},
      {"run_id", "1001"},
      {"run_attempt", "2"},
      {"runner_environment", "github-hosted"},
      {"environment", "prod"},
  };
  auto id = IdentityFromClaims(config, claims.dump());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->san_type, SanType::kUri);
  EXPECT_EQ(id->san, "https://github.com/octo/app/.github/workflows/release.yml@refs/heads/main");
  EXPECT_EQ(id->challenge, "repo:octo/app:ref:refs/heads/main");
  EXPECT_EQ(id->extensions.at(2), "push");
  EXPECT_EQ(id->extensions.at(3), "cccc");
  EXPECT_EQ(id->extensions.at(9), id->san);
  EXPECT_EQ(id->extensions.at(10), "aaaa");
  EXPECT_EQ(id->extensions.at(11), "github-hosted");
  EXPECT_EQ(id->extensions.at(12), "https://github.com/octo/app");
  EXPECT_EQ(id->extensions.at(15), "42");
  EXPECT_EQ(id->extensions.at(16), "https://github.com/octo");
  EXPECT_EQ(id->extensions.at(19), "bbbb");
  EXPECT_EQ(id->extensions.at(21), "https://github.com/octo/app/actions/runs/1001/attempts/2");
  EXPECT_EQ(id->extensions.at(22), "public");
  EXPECT_EQ(id->extensions.at(23), "prod");
  EXPECT_EQ(id->extensions.at(24), "repo:octo/app:ref:refs/heads/main");
  claims.erase("job_workflow_ref");
  EXPECT_THAT(IdentityFromClaims(config, claims.dump()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("job_workflow_ref")));
}

TEST(IdentityFromClaims, MapsOtherIssuerTypes) {
  IssuerConfig k8s;
  k8s.type = IdentityType::kKubernetes;
  auto id = IdentityFromClaims(
      k8s, json{{"sub", "system:serviceaccount:ns:sa"},
                {"kubernetes.io", {{"namespace", "ns"}, {"serviceaccount", {{"name", "sa"}}}}}}
               .dump());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->san, "https://kubernetes.io/namespaces/ns/serviceaccounts/sa");

  IssuerConfig spiffe;
  spiffe.type = IdentityType::kSpiffe;
  spiffe.spiffe_trust_domain = "example.org";
  EXPECT_THAT(IdentityFromClaims(spiffe, json{{"sub", "spiffe://example.org/ci"}}.dump()), IsOk());
  EXPECT_THAT(IdentityFromClaims(spiffe, json{{"sub", "spiffe://evil.org/ci"}}.dump()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("trust domain")));

  IssuerConfig uri;
  uri.type = IdentityType::kUri;
  uri.subject_domain = "https://ci.example.com/";
  EXPECT_THAT(IdentityFromClaims(uri, json{{"sub", "https://ci.example.com/jobs/1"}}.dump()),
              IsOk());
  EXPECT_THAT(IdentityFromClaims(uri, json{{"sub", "https://evil.com/jobs/1"}}.dump()),
              StatusIs(absl::StatusCode::kUnauthenticated));

  IssuerConfig user;
  user.type = IdentityType::kUsername;
  user.subject_domain = "example.com";
  id = IdentityFromClaims(user, json{{"sub", "alice"}}.dump());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->san, "alice!example.com");
  EXPECT_EQ(id->san_type, SanType::kOtherName);

  IssuerConfig email;
  email.challenge_claim = "sub";
  id = IdentityFromClaims(email,
                          json{{"sub", "s"}, {"email", "a@b.c"}, {"email_verified", true}}.dump());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->challenge, "s");
}

// E-mail claims that must never become a certificate identity (each once made it into a SAN):
// 400 (InvalidArgument) naming the claim and the problem; nothing is written.
TEST(IdentityFromClaims, RefusesForgedEmailClaims) {
  IssuerConfig email;
  const struct {
    std::string email;
    const char* message;
  } cases[] = {
      {std::string("me@example.com\0@evil.com", 24), "control character U+0000 at byte 14"},
      {"@", "empty local part"},
      {"a@b@c", "want exactly one '@', found 2"},
      {"<x@y>", "character \"<\" is not allowed in the local part"},
      {"a@b.com,c@d", "want exactly one '@', found 2"},
      {"a@b.com\nx", "control character U+000A at byte 7"},
      {"admin\xE2\x80\xAEmoc.elgoog@example.com", "U+202E"},
      {"me@[127.0.0.1]", "address literals"},
      {"me@localhost", "not fully qualified"},
      {std::string(65, 'a') + "@example.com", "local part of 65 bytes, limit 64"},
  };
  for (const auto& c : cases) {
    const json claims = {{"sub", "s"}, {"email", c.email}, {"email_verified", true}};
    EXPECT_THAT(
        IdentityFromClaims(email, claims.dump()),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr("identity token claim \"email\": "), HasSubstr(c.message))))
        << c.email;
  }
}

// Non-ASCII: an SmtpUTF8Mailbox for a UTF-8 local part (RFC 9598), A-labels for the domain.
TEST(IdentityFromClaims, InternationalizedEmail) {
  IssuerConfig email;
  auto id = IdentityFromClaims(email, json{{"sub", "s"},
                                           {"email",
                                            "j\xC3\xB6rg@B\xC3\xBC"
                                            "cher.example"},
                                           {"email_verified", true}}
                                          .dump());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->san_type, SanType::kSmtpUtf8Mailbox);
  EXPECT_EQ(id->san, "j\xC3\xB6rg@xn--bcher-kva.example");
  // The proof of possession is over the claim as the token says it.
  EXPECT_EQ(id->challenge,
            "j\xC3\xB6rg@B\xC3\xBC"
            "cher.example");
  id = IdentityFromClaims(email, json{{"sub", "s"},
                                      {"email",
                                       "joerg@b\xC3\xBC"
                                       "cher.example"},
                                      {"email_verified", true}}
                                     .dump());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->san_type, SanType::kEmail);
  EXPECT_EQ(id->san, "joerg@xn--bcher-kva.example");
}

TEST(IdentityFromClaims, RefusesMalformedUriIdentities) {
  IssuerConfig uri;
  uri.type = IdentityType::kUri;
  uri.subject_domain = "https://ci.example.com";
  IssuerConfig spiffe;
  spiffe.type = IdentityType::kSpiffe;
  spiffe.spiffe_trust_domain = "example.org";
  IssuerConfig k8s;
  k8s.type = IdentityType::kKubernetes;
  IssuerConfig github;
  github.type = IdentityType::kGithubWorkflow;
  IssuerConfig gitlab;
  gitlab.type = IdentityType::kGitlabPipeline;
  const json gh = {{"sub", "repo:octo/app:ref:refs/heads/main"},
                   {"job_workflow_ref", "octo/app/.github/workflows/ci.yml@refs/heads/main"},
                   {"repository", "octo/app"},
                   {"sha", "cccc"},
                   {"ref", "refs/heads/main"},
                   {"event_name", "push"}};
  const json gl = {{"sub", "project_path:g/p:ref_type:branch:ref:main"},
                   {"ci_config_ref_uri", "gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main"},
                   {"project_path", "g/p"},
                   {"sha", "cccc"}};
  ASSERT_THAT(IdentityFromClaims(github, gh.dump()), IsOk());
  ASSERT_THAT(IdentityFromClaims(gitlab, gl.dump()), IsOk());
  auto with = [](json claims, const char* name, const json& value) {
    claims[name] = value;
    return claims.dump();
  };
  const struct {
    const char* what;
    const IssuerConfig& config;
    std::string claims;
    const char* claim;
    const char* message;
  } cases[] = {
      {"uri: NUL", uri, json{{"sub", std::string("https://ci.example.com/a\0b", 26)}}.dump(), "sub",
       "control character U+0000"},
      {"uri: space", uri, json{{"sub", "https://ci.example.com/a b"}}.dump(), "sub", "space"},
      {"uri: user info", uri, json{{"sub", "https://ci.example.com@evil.com/x"}}.dump(), "sub",
       "user information"},
      {"uri: dot segment", uri, json{{"sub", "https://ci.example.com/jobs/../admin"}}.dump(), "sub",
       "path segments"},
      {"uri: non-ASCII", uri,
       json{{"sub",
             "https://ci.example.com/j\xC3\xB6"
             "b"}}
           .dump(),
       "sub", "non-ASCII"},
      {"spiffe: empty segment", spiffe, json{{"sub", "spiffe://example.org/a//b"}}.dump(), "sub",
       "empty path segment"},
      {"spiffe: query", spiffe, json{{"sub", "spiffe://example.org/a?x=1"}}.dump(), "sub",
       "no query"},
      {"k8s: slash in namespace", k8s,
       json{{"sub", "x"},
            {"kubernetes.io",
             {{"namespace", "ns/serviceaccounts/admin"}, {"serviceaccount", {{"name", "sa"}}}}}}
           .dump(),
       "kubernetes.io.namespace", "RFC 1123 label"},
      {"k8s: upper case service account", k8s,
       json{{"sub", "x"},
            {"kubernetes.io", {{"namespace", "ns"}, {"serviceaccount", {{"name", "Admin"}}}}}}
           .dump(),
       "kubernetes.io.serviceaccount.name", "RFC 1123"},
      {"github: space in workflow ref", github,
       with(gh, "job_workflow_ref", "octo/app/.github/workflows/ci.yml@refs/heads/a b"),
       "job_workflow_ref", "space"},
      {"github: fragment", github,
       with(gh, "job_workflow_ref", "octo/app/.github/workflows/ci.yml@refs/heads/x#y"),
       "job_workflow_ref", "fragments"},
      {"github: NUL in ref (extension)", github, with(gh, "ref", std::string("refs/heads/\0x", 13)),
       "ref", "control character U+0000"},
      {"github: escape in workflow (extension)", github, with(gh, "workflow", "CI\x1b[2J"),
       "workflow", "control character U+001B"},
      {"gitlab: user info", gitlab,
       with(gl, "ci_config_ref_uri", "gitlab.com@evil.com/g/p//.gitlab-ci.yml@refs/heads/main"),
       "ci_config_ref_uri", "user information"},
      {"gitlab: newline in project path (extension)", gitlab, with(gl, "project_path", "g/p\n"),
       "project_path", "control character U+000A"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(IdentityFromClaims(c.config, c.claims),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr(absl::StrCat("identity token claim \"", c.claim, "\"")),
                               HasSubstr(c.message))))
        << c.what;
  }
}

TEST(IssuersConfig, ParsesTheDocumentedFormat) {
  auto issuers = ParseIssuersConfig(R"({"issuers": [
      {"issuer_url": "https://accounts.example", "type": "email"},
      {"wildcard_issuer_url": "https://oidc.eks.*.amazonaws.com/id/*", "type": "kubernetes",
       "audience": "vouch"},
      {"issuer_url": "https://spire.example", "type": "spiffe", "spiffe_trust_domain": "example.org",
       "jwks_file": "/etc/vouch/spire-jwks.json"}]})");
  ASSERT_THAT(issuers, IsOk());
  ASSERT_EQ(issuers->size(), 3u);
  EXPECT_EQ((*issuers)[0].audience, "sigstore");
  EXPECT_EQ((*issuers)[1].type, IdentityType::kKubernetes);
  EXPECT_EQ((*issuers)[1].audience, "vouch");
  EXPECT_EQ((*issuers)[2].jwks_file, "/etc/vouch/spire-jwks.json");

  EXPECT_THAT(ParseIssuersConfig(R"({"issuers": [{"issuer_url": "x", "type": "magic"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown type")));
  EXPECT_THAT(ParseIssuersConfig(R"({"issuers": [{"type": "email"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("issuers[0]")));
  EXPECT_THAT(ParseIssuersConfig(R"({"issuers": [{"issuer_url": "x", "colour": "red"}]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("colour")));
  EXPECT_THAT(ParseIssuersConfig("{"), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A loopback OIDC provider on a plain cpp-httplib server (signer/ may not use server/).
class LocalIssuer {
 public:
  LocalIssuer() { port_ = server_.bind_to_any_port("127.0.0.1"); }
  ~LocalIssuer() { Stop(); }
  httplib::Server& routes() { return server_; }
  int port() const { return port_; }
  void Start() {
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is ignored until the accept loop runs.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void Stop() {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST(OidcDiscovery, FetchesCachesAndRefetchesOnceOnUnknownKid) {
  auto server = std::make_unique<LocalIssuer>();
  ASSERT_GT(server->port(), 0);
  const std::string issuer = absl::StrCat("http://127.0.0.1:", server->port());
  auto key1 = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto key2 = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  absl::Mutex mu;
  json keys = json::array({json::parse(*PublicKeyToJwk(key1->PublicKeyDer(), "k1"))});
  int jwks_hits = 0;
  server->routes().Get(
      "/.well-known/openid-configuration", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(json{{"issuer", issuer}, {"jwks_uri", issuer + "/jwks"}}.dump(),
                        "application/json");
      });
  server->routes().Get("/jwks", [&](const httplib::Request&, httplib::Response& res) {
    absl::MutexLock lock(&mu);
    ++jwks_hits;
    res.set_content(json{{"keys", keys}}.dump(), "application/json");
  });
  server->Start();

  FakeClock clock(kNow);
  IssuerConfig config;
  config.issuer_url = issuer;
  config.challenge_claim = "sub";
  OidcOptions options;
  options.issuers.push_back(config);
  options.clock = &clock;
  auto verifier = *OidcVerifier::New(options);
  const int64_t now = absl::ToUnixSeconds(kNow);
  json claims = {{"iss", issuer},          {"sub", "s"},
                 {"aud", "sigstore"},      {"email", "a@b.c"},
                 {"email_verified", true}, {"exp", now + 3600}};
  EXPECT_THAT(verifier->Verify(*SignJws(*key1, "k1", claims.dump())), IsOk());
  EXPECT_THAT(verifier->Verify(*SignJws(*key1, "k1", claims.dump())), IsOk());
  EXPECT_EQ(verifier->fetch_count(), 1);

  // The issuer rotates to k2; the first k2 token refetches (after the rate-limit interval).
  {
    absl::MutexLock lock(&mu);
    keys.push_back(json::parse(*PublicKeyToJwk(key2->PublicKeyDer(), "k2")));
  }
  clock.Advance(absl::Seconds(31));
  EXPECT_THAT(verifier->Verify(*SignJws(*key2, "k2", claims.dump())), IsOk());
  EXPECT_EQ(verifier->fetch_count(), 2);
  // An unknown kid right after: no new fetch (rate-limited), refused.
  EXPECT_THAT(verifier->Verify(*SignJws(*key2, "k3", claims.dump())),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("no key with kid")));
  EXPECT_EQ(verifier->fetch_count(), 2);
  // The issuer goes away after the cache expired: the keys it had keep working.
  server->Stop();
  clock.Advance(absl::Minutes(11));
  EXPECT_THAT(verifier->Verify(*SignJws(*key1, "k1", claims.dump())), IsOk());
  EXPECT_EQ(verifier->fetch_count(), 3);
}

TEST(OidcDiscovery, UnreachableIssuerIsUnavailable) {
  IssuerConfig config;
  config.issuer_url = "http://127.0.0.1:1";
  OidcOptions options;
  options.issuers.push_back(config);
  options.fetch_timeout = absl::Seconds(1);
  auto verifier = *OidcVerifier::New(options);
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  json claims = {{"iss", config.issuer_url}, {"sub", "s"}, {"aud", "sigstore"}, {"exp", 4e9}};
  EXPECT_THAT(verifier->Verify(*SignJws(*key, "k", claims.dump())),
              StatusIs(absl::StatusCode::kUnavailable));
}

}  // namespace
}  // namespace vouch::signer
