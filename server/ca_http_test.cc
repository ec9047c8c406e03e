// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The CA's HTTP routes (server/ca_http.h), dispatched through the Router as the HTTP front does.
#include "server/ca_http.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/router_testing.h"
#include "signer/ca_service_testing.h"
#include "signer/openssl_crypto.h"
#include "signer/tsa.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::server::testing::Fetch;
using ::vouch::signer::HashAlgorithm;
using ::vouch::signer::KeyType;
using ::vouch::signer::OpenSslSigner;
using ::vouch::signer::testing::kIssuer;
using ::vouch::signer::testing::TestCa;
using ::vouch::testing::IsOk;

std::string B64(absl::string_view s) { return absl::Base64Escape(s); }

class CaHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = TestCa::New();
    ASSERT_THAT(ca, IsOk());
    ca_ = *std::move(ca);
    CaHttpOptions options;
    options.max_body_bytes = 64 * 1024;
    RegisterCaRoutes(ca_->service.get(), options, &router_);
  }

  http::Response Post(const json& body, const std::string& bearer = "") {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
    return Fetch(router_, "POST", "/api/v2/signingCert", body.dump(), headers);
  }

  std::unique_ptr<TestCa> ca_;
  http::Router router_;
};

TEST_F(CaHttpTest, IssuesForTheSigstoreJsRequestShape) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  http::Response res = Post(ca_->SigstoreJsBody(ca_->Token(), *leaf_key));
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.headers.Get("Content-Type").value_or(""), "application/json");
  json body = json::parse(res.body);
  const json& certs = body["signedCertificateEmbeddedSct"]["chain"]["certificates"];
  ASSERT_EQ(certs.size(), 2u);
  auto leaf = signer::ParsePemCertificates(certs[0].get<std::string>());
  ASSERT_THAT(leaf, IsOk());
  EXPECT_EQ(*signer::CertificatePublicKeyDer((*leaf)[0]), leaf_key->PublicKeyDer());
  EXPECT_EQ(*signer::ParsePemCertificates(certs[1].get<std::string>()),
            ca_->service->ca_chain_der());
  auto records = ca_->recorder.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].identity, "dev@example.com");
  EXPECT_EQ(records[0].issuer, kIssuer);
  EXPECT_EQ(records[0].key_fingerprint,
            signer::HexEncode(signer::Sha256(leaf_key->PublicKeyDer())));
  EXPECT_EQ(records[0].certificate_der, (*leaf)[0]);
}

TEST_F(CaHttpTest, AcceptsBearerTokensAndCsrs) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  json body = ca_->SigstoreJsBody("", *leaf_key);
  body.erase("credentials");
  http::Response res = Post(body, ca_->Token());
  EXPECT_EQ(res.status, 201) << res.body;

  X509_REQ* req = X509_REQ_new();
  EVP_PKEY* pkey = static_cast<EVP_PKEY*>(leaf_key->evp_pkey());
  X509_REQ_set_pubkey(req, pkey);
  X509_REQ_sign(req, pkey, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_REQ_free(req);
  res = Post(json{{"credentials", {{"oidcIdentityToken", ca_->Token()}}},
                  {"certificateSigningRequest", B64(pem)}});
  EXPECT_EQ(res.status, 201) << res.body;
}

TEST_F(CaHttpTest, RefusesBadRequestsNamingTheReason) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto other_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto forger = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json bad_proof = ca_->SigstoreJsBody(ca_->Token(), *leaf_key);
  bad_proof["publicKeyRequest"]["proofOfPossession"] = B64(*other_key->Sign("dev@example.com"));
  json wrong_challenge = ca_->SigstoreJsBody(ca_->Token(), *leaf_key, "someone-else");
  json weak_key = ca_->SigstoreJsBody(ca_->Token(), *leaf_key);
  {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(k, &der);
    weak_key["publicKeyRequest"]["publicKey"]["content"] = signer::PublicKeyDerToPem(
        std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
    OPENSSL_free(der);
    EVP_PKEY_free(k);
  }
  json no_key = {{"credentials", {{"oidcIdentityToken", ca_->Token()}}}};
  json bad_csr = {{"credentials", {{"oidcIdentityToken", ca_->Token()}}},
                  {"certificateSigningRequest", B64("-----BEGIN CERTIFICATE REQUEST-----\nAA==\n"
                                                    "-----END CERTIFICATE REQUEST-----\n")}};
  struct Case {
    const char* name;
    std::string body;
    int status;
    const char* reason;
  } cases[] = {
      {"no token", ca_->SigstoreJsBody("", *leaf_key).dump(), 401, "missing identity token"},
      {"garbage token", ca_->SigstoreJsBody("abc.def.ghi", *leaf_key).dump(), 401,
       "invalid identity token"},
      {"forged token", ca_->SigstoreJsBody(ca_->Token({}, forger.get()), *leaf_key).dump(), 401,
       "signature does not verify"},
      {"untrusted issuer",
       ca_->SigstoreJsBody(ca_->Token({{"iss", "https://evil"}}), *leaf_key).dump(), 401,
       "untrusted issuer"},
      {"expired token", ca_->SigstoreJsBody(ca_->Token({{"exp", now - 3600}}), *leaf_key).dump(),
       401, "expired"},
      {"wrong audience", ca_->SigstoreJsBody(ca_->Token({{"aud", "other"}}), *leaf_key).dump(), 401,
       "wrong audience"},
      {"bad proof", bad_proof.dump(), 400, "proof of possession does not verify"},
      {"proof over another challenge", wrong_challenge.dump(), 400, "proof of possession"},
      {"unsupported key", weak_key.dump(), 400, "unsupported key"},
      {"no key", no_key.dump(), 400, "missing key"},
      {"malformed CSR", bad_csr.dump(), 400, "malformed CSR"},
      {"malformed JSON", "{\"credentials\":", 400, "malformed request"},
      {"oversize body", std::string(70 * 1024, ' '), 413, "limit"},
  };
  for (const Case& c : cases) {
    http::Response res = Fetch(router_, "POST", "/api/v2/signingCert", c.body,
                               {{"Content-Type", "application/json"}});
    EXPECT_EQ(res.status, c.status) << c.name << ": " << res.body;
    json err = json::parse(res.body, nullptr, false);
    ASSERT_FALSE(err.is_discarded()) << c.name;
    EXPECT_EQ(err["code"], c.status) << c.name;
    EXPECT_THAT(err["message"].get<std::string>(), HasSubstr(c.reason)) << c.name;
  }
  EXPECT_TRUE(ca_->recorder.records().empty());
}

TEST_F(CaHttpTest, DoesNotHandOutCertificatesThatWereNotRecorded) {
  ca_->recorder.set_fail(true);
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  http::Response res = Post(ca_->SigstoreJsBody(ca_->Token(), *leaf_key));
  EXPECT_EQ(res.status, 503);
  EXPECT_THAT(res.body, HasSubstr("could not be recorded"));
}

TEST_F(CaHttpTest, ServesTrustBundleConfigurationAndTrustDocuments) {
  http::Response res = Fetch(router_, "GET", "/api/v2/trustBundle");
  ASSERT_EQ(res.status, 200);
  json bundle = json::parse(res.body);
  EXPECT_EQ(
      *signer::ParsePemCertificates(bundle["chains"][0]["certificates"][0].get<std::string>()),
      ca_->service->ca_chain_der());
  res = Fetch(router_, "GET", "/api/v2/configuration");
  ASSERT_EQ(res.status, 200);
  json config = json::parse(res.body);
  EXPECT_EQ(config["issuers"][0]["issuerUrl"], kIssuer);
  EXPECT_EQ(config["issuers"][0]["audience"], "sigstore");
  EXPECT_EQ(config["issuers"][0]["challengeClaim"], "email");

  res = Fetch(router_, "GET", "/api/v1/trustedRoot");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.headers.Get("Content-Type").value_or(""), "application/json");
  json root = json::parse(res.body);
  EXPECT_EQ(root["mediaType"], "application/vnd.dev.sigstore.trustedroot.v0.2+json");
  EXPECT_EQ(root["tlogs"][0]["publicKey"]["rawBytes"], B64(ca_->log_key->PublicKeyDer()));
  EXPECT_EQ(root["tlogs"][0]["logId"]["keyId"], B64(signer::Sha256(ca_->log_key->PublicKeyDer())));
  EXPECT_EQ(root["tlogs"][0]["publicKey"]["validFor"]["start"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"],
            B64(ca_->service->ca_chain_der()[0]));
  EXPECT_EQ(root["timestampAuthorities"][0]["certChain"]["certificates"].size(), 2u);
  EXPECT_TRUE(root["ctlogs"].empty());
  res = Fetch(router_, "GET", "/api/v1/signingConfig");
  ASSERT_EQ(res.status, 200);
  json signing = json::parse(res.body);
  EXPECT_EQ(signing["mediaType"], "application/vnd.dev.sigstore.signingconfig.v0.2+json");
  EXPECT_THAT(signing["tsaUrls"][0]["url"].get<std::string>(), HasSubstr("/api/v1/timestamp"));
}

TEST_F(CaHttpTest, ServesTimestamps) {
  http::Response res =
      Fetch(router_, "POST", "/api/v1/timestamp",
            json{{"artifactHash", B64(signer::Sha256("sig"))}, {"hashAlgorithm", "sha256"}}.dump(),
            {{"Content-Type", "application/json"}});
  EXPECT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.headers.Get("Content-Type").value_or(""), "application/timestamp-reply");
  const std::string der_req =
      *signer::BuildTimestampRequest(HashAlgorithm::kSha256, signer::Sha256("x"), "", true);
  res = Fetch(router_, "POST", "/api/v1/timestamp", der_req,
              {{"Content-Type", "application/timestamp-query"}});
  EXPECT_EQ(res.status, 200);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(res.body.data());
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(res.body.size()));
  ASSERT_NE(resp, nullptr);
  TS_RESP_free(resp);
  res = Fetch(router_, "POST", "/api/v1/timestamp", "{\"artifactHash\":\"AA\"}",
              {{"Content-Type", "application/json"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("artifactHash"));
  res = Fetch(router_, "POST", "/api/v1/timestamp", std::string(70 * 1024, 'x'),
              {{"Content-Type", "application/timestamp-query"}});
  EXPECT_EQ(res.status, 413);
  res = Fetch(router_, "GET", "/api/v1/timestamp/certchain");
  EXPECT_EQ(res.headers.Get("Content-Type").value_or(""), "application/pem-certificate-chain");
  EXPECT_EQ(*signer::ParsePemCertificates(res.body), ca_->service->tsa_chain_der());
}

TEST(CaHttpConfig, TimestampRoutesWithTheTsaDisabled) {
  signer::CaServiceOptions options;
  options.data_dir = signer::testing::TempDir();
  options.enable_tsa = false;
  auto service = signer::CaService::New(options, nullptr);
  ASSERT_THAT(service, IsOk());
  http::Router router;
  RegisterCaRoutes(service->get(), CaHttpOptions(), &router);
  http::Response res = Fetch(router, "GET", "/api/v1/timestamp/certchain");
  EXPECT_EQ(res.status, 404);
  EXPECT_THAT(res.body, HasSubstr("disabled"));
  const std::string der_req =
      *signer::BuildTimestampRequest(HashAlgorithm::kSha256, signer::Sha256("x"), "", true);
  res = Fetch(router, "POST", "/api/v1/timestamp", der_req,
              {{"Content-Type", "application/timestamp-query"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("disabled"));
}

}  // namespace
}  // namespace vouch::server
