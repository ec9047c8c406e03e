// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The CA service's operations, called directly (the HTTP and gRPC adapters are tested in
// server/ca_http_test.cc and server/ca_grpc_test.cc), and its key files and configuration.
#include "signer/ca_service.h"

#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "proto/fulcio/fulcio.pb.h"
#include "signer/ca_service_testing.h"
#include "signer/openssl_crypto.h"
#include "signer/tsa.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"
#include "tools/dev_oidc/dev_oidc.h"

namespace vouch::signer {
namespace {

using json = nlohmann::json;
namespace fulcio = ::dev::sigstore::fulcio::v2;
using ::testing::HasSubstr;
using ::vouch::signer::testing::kIssuer;
using ::vouch::signer::testing::TempDir;
using ::vouch::signer::testing::TestCa;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class CaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = TestCa::New();
    ASSERT_THAT(ca, IsOk());
    ca_ = *std::move(ca);
  }

  // The typed request sigstore-js's FulcioSigner sends (a public key and a proof of possession).
  fulcio::CreateSigningCertificateRequest Request(const std::string& token,
                                                  const OpenSslSigner& key,
                                                  absl::string_view challenge = "dev@example.com") {
    fulcio::CreateSigningCertificateRequest req;
    if (!token.empty()) req.mutable_credentials()->set_oidc_identity_token(token);
    auto* pk = req.mutable_public_key_request();
    pk->mutable_public_key()->set_algorithm(fulcio::ECDSA);
    pk->mutable_public_key()->set_content(PublicKeyDerToPem(key.PublicKeyDer()));
    pk->set_proof_of_possession(*key.Sign(challenge));
    return req;
  }

  std::unique_ptr<TestCa> ca_;
};

TEST_F(CaServiceTest, CreatesKeyFilesOnceWithMode0600) {
  for (const char* name : {"ca_key.pem", "ca_chain.pem", "tsa_key.pem", "tsa_chain.pem"}) {
    struct stat st;
    ASSERT_EQ(stat((ca_->options.data_dir + "/" + name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  auto again = CaService::New(ca_->options, nullptr);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->ca_chain_der(), ca_->service->ca_chain_der());
  EXPECT_EQ((*again)->tsa_chain_der(), ca_->service->tsa_chain_der());
}

TEST_F(CaServiceTest, IssuesAndRecordsACertificateForTheTokenIdentity) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto issued = ca_->service->CreateSigningCertificate(Request(ca_->Token(), *leaf_key), "");
  ASSERT_THAT(issued, IsOk());
  const auto& certs = issued->signed_certificate_embedded_sct().chain().certificates();
  ASSERT_EQ(certs.size(), 2);
  auto leaf = ParsePemCertificates(certs[0]);
  ASSERT_THAT(leaf, IsOk());
  EXPECT_EQ(*CertificatePublicKeyDer((*leaf)[0]), leaf_key->PublicKeyDer());
  EXPECT_EQ(*ParsePemCertificates(certs[1]), ca_->service->ca_chain_der());
  auto records = ca_->recorder.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].identity, "dev@example.com");
  EXPECT_EQ(records[0].issuer, kIssuer);
  EXPECT_EQ(records[0].certificate_der, (*leaf)[0]);
}

TEST_F(CaServiceTest, TakesTheBearerTokenWhenTheRequestHasNone) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  EXPECT_THAT(ca_->service->CreateSigningCertificate(Request("", *leaf_key), ca_->Token()), IsOk());
  EXPECT_THAT(ca_->service->CreateSigningCertificate(Request("", *leaf_key), ""),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("missing identity token")));
  // The request's own token wins over the bearer token.
  EXPECT_THAT(ca_->service->CreateSigningCertificate(
                  Request(ca_->Token({{"aud", "other"}}), *leaf_key), ca_->Token()),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("wrong audience")));
}

TEST_F(CaServiceTest, RefusesBadProofsAndMissingKeys) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  EXPECT_THAT(
      ca_->service->CreateSigningCertificate(Request(ca_->Token(), *leaf_key, "someone-else"), ""),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("proof of possession")));
  fulcio::CreateSigningCertificateRequest no_key;
  no_key.mutable_credentials()->set_oidc_identity_token(ca_->Token());
  EXPECT_THAT(ca_->service->CreateSigningCertificate(no_key, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing key")));
  EXPECT_TRUE(ca_->recorder.records().empty());
}

TEST_F(CaServiceTest, DoesNotHandOutCertificatesThatWereNotRecorded) {
  ca_->recorder.set_fail(true);
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  EXPECT_THAT(ca_->service->CreateSigningCertificate(Request(ca_->Token(), *leaf_key), ""),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("could not be recorded")));
}

TEST_F(CaServiceTest, ServesTrustBundleConfigurationTimestampsAndChains) {
  fulcio::TrustBundle bundle = ca_->service->GetTrustBundle();
  ASSERT_EQ(bundle.chains_size(), 1);
  std::string pem;
  for (const std::string& c : bundle.chains(0).certificates()) pem += c;
  EXPECT_EQ(*ParsePemCertificates(pem), ca_->service->ca_chain_der());
  fulcio::Configuration config = ca_->service->GetConfiguration();
  ASSERT_EQ(config.issuers_size(), 1);
  EXPECT_EQ(config.issuers(0).issuer_url(), kIssuer);
  EXPECT_EQ(config.issuers(0).challenge_claim(), "email");

  auto chain = ca_->service->GetTimestampCertChain();
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ(*chain, ca_->service->tsa_chain_der());
  const std::string req = *BuildTimestampRequest(HashAlgorithm::kSha256, Sha256("x"), "", true);
  EXPECT_THAT(ca_->service->Timestamp(req), IsOk());
  EXPECT_THAT(ca_->service->Timestamp("not DER"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CaServiceBearer, ParsesAuthorizationValues) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("  bearer   abc  "), "abc");
  EXPECT_EQ(BearerToken("BEARER x.y.z"), "x.y.z");
  EXPECT_EQ(BearerToken("Basic abc"), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(CaServiceConfig, TsaCanBeDisabled) {
  CaServiceOptions options;
  options.data_dir = TempDir();
  options.enable_tsa = false;
  auto service = CaService::New(options, nullptr);
  ASSERT_THAT(service, IsOk());
  EXPECT_THAT((*service)->Timestamp("x"), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT((*service)->GetTimestampCertChain(),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("disabled")));
  EXPECT_TRUE((*service)->tsa_chain_der().empty());
  json root = json::parse((*service)->trusted_root_json());
  EXPECT_TRUE(root["timestampAuthorities"].empty());
  struct stat st;
  EXPECT_NE(stat((options.data_dir + "/tsa_key.pem").c_str(), &st), 0);
}

TEST(CaServiceConfig, RefusesBadIssuerFilesAndMismatchedChains) {
  CaServiceOptions options;
  options.data_dir = TempDir();
  options.issuers_config_path = options.data_dir + "/issuers.json";
  ASSERT_THAT(WriteFileAtomic(options.issuers_config_path, R"({"issuers":[{"type":"x"}]})", 0600),
              IsOk());
  EXPECT_THAT(CaService::New(options, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("issuers.json")));
  options.issuers_config_path.clear();
  ASSERT_THAT(CaService::New(options, nullptr), IsOk());
  // Replace the key: the stored chain no longer matches.
  unlink((options.data_dir + "/ca_key.pem").c_str());
  EXPECT_THAT(CaService::New(options, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ca_chain.pem")));
}

}  // namespace
}  // namespace vouch::signer
