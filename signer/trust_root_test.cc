// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/trust_root.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using json = nlohmann::json;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string B64(const std::string& s) {
  std::string out;
  absl::Base64Escape(s, &out);
  return out;
}

TEST(TrustRoot, WritesTrustedRootV02) {
  const absl::Time start = absl::FromUnixSeconds(1800000000);
  auto log_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto ca_key = *OpenSslSigner::Generate(KeyType::kEcdsaP384);
  const std::string root =
      *CreateRootCertificate(*ca_key, {"vouch", "root"}, start, absl::Hours(10));
  TrustedRootSpec spec;
  spec.tlogs.push_back(
      {"http://127.0.0.1:8080", log_key->PublicKeyDer(), start, start + absl::Hours(1), "vouch"});
  spec.certificate_authorities.push_back(
      {"vouch", "root", "http://127.0.0.1:8080", {root}, {}, {}, ""});
  spec.timestamp_authorities.push_back(
      {"vouch", "tsa", "http://127.0.0.1:8080/api/v1/timestamp", {root}, start, {}, ""});
  auto text = TrustedRootJson(spec);
  ASSERT_THAT(text, IsOk());
  json doc = json::parse(*text);
  EXPECT_EQ(doc["mediaType"], "application/vnd.dev.sigstore.trustedroot.v0.2+json");
  const json& tlog = doc["tlogs"][0];
  EXPECT_EQ(tlog["baseUrl"], "http://127.0.0.1:8080");
  EXPECT_EQ(tlog["hashAlgorithm"], "SHA2_256");
  EXPECT_EQ(tlog["publicKey"]["rawBytes"], B64(log_key->PublicKeyDer()));
  EXPECT_EQ(tlog["publicKey"]["keyDetails"], "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(tlog["publicKey"]["validFor"]["start"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(tlog["publicKey"]["validFor"]["end"], "2027-01-15T09:00:00Z");
  EXPECT_EQ(tlog["logId"]["keyId"], B64(Sha256(log_key->PublicKeyDer())));
  const json& ca = doc["certificateAuthorities"][0];
  EXPECT_EQ(ca["subject"]["organization"], "vouch");
  EXPECT_EQ(ca["subject"]["commonName"], "root");
  EXPECT_EQ(ca["certChain"]["certificates"][0]["rawBytes"], B64(root));
  EXPECT_EQ(ca["validFor"]["start"], "2027-01-15T08:00:00Z");  // from the certificate
  EXPECT_EQ(doc["timestampAuthorities"][0]["uri"], "http://127.0.0.1:8080/api/v1/timestamp");
  EXPECT_TRUE(doc["ctlogs"].is_array());
  EXPECT_TRUE(doc["ctlogs"].empty());
}

// CT logs: the same TransparencyLogInstance as a tlog, under "ctlogs" (a retired one with its
// closed window first).
TEST(TrustRoot, ListsCtLogs) {
  const absl::Time start = absl::FromUnixSeconds(1800000000);
  auto old_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto ct_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  TrustedRootSpec spec;
  spec.ctlogs.push_back(
      {"http://127.0.0.1:8080", old_key->PublicKeyDer(), absl::UnixEpoch(), start, "vouch"});
  spec.ctlogs.push_back({"http://127.0.0.1:8080", ct_key->PublicKeyDer(), start, {}, "vouch"});
  auto text = TrustedRootJson(spec);
  ASSERT_THAT(text, IsOk());
  json doc = json::parse(*text);
  ASSERT_EQ(doc["ctlogs"].size(), 2u);
  EXPECT_TRUE(doc["tlogs"].empty());
  const json& old_log = doc["ctlogs"][0];
  EXPECT_EQ(old_log["publicKey"]["validFor"]["start"], "1970-01-01T00:00:00Z");
  EXPECT_EQ(old_log["publicKey"]["validFor"]["end"], "2027-01-15T08:00:00Z");
  const json& ct = doc["ctlogs"][1];
  EXPECT_EQ(ct["baseUrl"], "http://127.0.0.1:8080");
  EXPECT_EQ(ct["hashAlgorithm"], "SHA2_256");
  EXPECT_EQ(ct["publicKey"]["rawBytes"], B64(ct_key->PublicKeyDer()));
  EXPECT_EQ(ct["publicKey"]["keyDetails"], "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(ct["publicKey"]["validFor"]["start"], "2027-01-15T08:00:00Z");
  EXPECT_FALSE(ct["publicKey"]["validFor"].contains("end"));
  EXPECT_EQ(ct["logId"]["keyId"], B64(Sha256(ct_key->PublicKeyDer())));
}

TEST(TrustRoot, KeyDetails) {
  EXPECT_EQ(*KeyDetailsFor((*OpenSslSigner::Generate(KeyType::kEd25519))->PublicKeyDer()),
            "PKIX_ED25519");
  EXPECT_EQ(*KeyDetailsFor((*OpenSslSigner::Generate(KeyType::kEcdsaP521))->PublicKeyDer()),
            "PKIX_ECDSA_P521_SHA_512");
  EXPECT_EQ(*KeyDetailsFor((*OpenSslSigner::Generate(KeyType::kRsaPkcs1))->PublicKeyDer()),
            "PKIX_RSA_PKCS1V15_3072_SHA256");
  EXPECT_THAT(KeyDetailsFor("junk"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TrustRoot, WritesSigningConfigV02) {
  const absl::Time start = absl::FromUnixSeconds(1800000000);
  SigningConfigSpec spec;
  spec.ca_urls.push_back({"http://127.0.0.1:8080", 1, start, {}, "vouch"});
  spec.rekor_tlog_urls.push_back({"http://127.0.0.1:8080", 1, start, {}, "vouch"});
  spec.tsa_urls.push_back({"http://127.0.0.1:8080/api/v1/timestamp", 1, start, {}, "vouch"});
  auto text = SigningConfigJson(spec);
  ASSERT_THAT(text, IsOk());
  json doc = json::parse(*text);
  EXPECT_EQ(doc["mediaType"], "application/vnd.dev.sigstore.signingconfig.v0.2+json");
  EXPECT_EQ(doc["caUrls"][0]["url"], "http://127.0.0.1:8080");
  EXPECT_EQ(doc["caUrls"][0]["majorApiVersion"], 1);
  EXPECT_EQ(doc["caUrls"][0]["validFor"]["start"], "2027-01-15T08:00:00Z");
  EXPECT_EQ(doc["tsaUrls"][0]["url"], "http://127.0.0.1:8080/api/v1/timestamp");
  EXPECT_EQ(doc["rekorTlogConfig"]["selector"], "ANY");
  EXPECT_EQ(doc["tsaConfig"]["selector"], "ANY");
  EXPECT_TRUE(doc["oidcUrls"].is_array());
}

}  // namespace
}  // namespace vouch::signer
