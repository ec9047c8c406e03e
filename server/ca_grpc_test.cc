// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The Fulcio v2 gRPC API (server/ca_grpc.h) over a real channel, including request bytes that do
// not decode.
#include "server/ca_grpc.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/fulcio/fulcio.grpc.pb.h"
#include "server/grpc_testing.h"
#include "signer/ca_service_testing.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"
#include "tools/dev_oidc/dev_oidc.h"

namespace vouch::server {
namespace {

namespace fulcio = ::dev::sigstore::fulcio::v2;
using ::testing::HasSubstr;
using ::vouch::server::testing::RawUnaryCall;
using ::vouch::signer::KeyType;
using ::vouch::signer::OpenSslSigner;
using ::vouch::signer::testing::kIssuer;
using ::vouch::signer::testing::TestCa;
using ::vouch::testing::IsOk;

constexpr char kCreate[] = "/dev.sigstore.fulcio.v2.CA/CreateSigningCertificate";

class CaGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ca = TestCa::New();
    ASSERT_THAT(ca, IsOk());
    ca_ = *std::move(ca);
    grpc_service_ = std::make_unique<CaGrpcService>(ca_->service.get());
    int port = 0;
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(grpc_service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    stub_ = fulcio::CA::NewStub(channel_);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  fulcio::CreateSigningCertificateRequest Ed25519Request(const OpenSslSigner& leaf_key) {
    fulcio::CreateSigningCertificateRequest req;
    req.mutable_public_key_request()->mutable_public_key()->set_algorithm(fulcio::ED25519);
    req.mutable_public_key_request()->mutable_public_key()->set_content(
        signer::PublicKeyDerToPem(leaf_key.PublicKeyDer()));
    req.mutable_public_key_request()->set_proof_of_possession(*leaf_key.Sign("dev@example.com"));
    return req;
  }

  std::unique_ptr<TestCa> ca_;
  std::unique_ptr<CaGrpcService> grpc_service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<fulcio::CA::Stub> stub_;
};

TEST_F(CaGrpcTest, ServesGrpc) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEd25519);
  fulcio::CreateSigningCertificateRequest req = Ed25519Request(*leaf_key);
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + ca_->Token());
    fulcio::SigningCertificate resp;
    grpc::Status s = stub_->CreateSigningCertificate(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    EXPECT_EQ(resp.signed_certificate_embedded_sct().chain().certificates_size(), 2);
  }
  {
    grpc::ClientContext ctx;
    req.mutable_credentials()->set_oidc_identity_token(ca_->Token({{"aud", "nope"}}));
    fulcio::SigningCertificate resp;
    grpc::Status s = stub_->CreateSigningCertificate(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), HasSubstr("wrong audience"));
  }
  {
    grpc::ClientContext ctx;
    req.mutable_credentials()->set_oidc_identity_token(ca_->Token());
    req.mutable_public_key_request()->set_proof_of_possession("bad");
    fulcio::SigningCertificate resp;
    EXPECT_EQ(stub_->CreateSigningCertificate(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    fulcio::TrustBundle bundle;
    ASSERT_TRUE(stub_->GetTrustBundle(&ctx, fulcio::GetTrustBundleRequest(), &bundle).ok());
    EXPECT_EQ(bundle.chains_size(), 1);
  }
  {
    grpc::ClientContext ctx;
    fulcio::Configuration config;
    ASSERT_TRUE(stub_->GetConfiguration(&ctx, fulcio::GetConfigurationRequest(), &config).ok());
    EXPECT_EQ(config.issuers(0).issuer_url(), kIssuer);
  }
  EXPECT_EQ(ca_->recorder.records().size(), 1u);
}

// Bytes that do not decode as the request message are INVALID_ARGUMENT naming the type (gRPC's
// own unary handler answers INTERNAL with an empty message), and issue nothing; the same for the
// other methods.
TEST_F(CaGrpcTest, UndecodableRequestIsInvalidArgumentNamingTheType) {
  for (const std::string& garbage :
       {std::string("\xff\xff\xff\xff", 4), std::string("\x0a\x05\x0a\x03", 4),  // truncated
        std::string("\x12\x02\x0a\xff", 4)}) {
    grpc::Status s = RawUnaryCall(channel_, kCreate, garbage);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(),
                HasSubstr("dev.sigstore.fulcio.v2.CreateSigningCertificateRequest"));
  }
  EXPECT_TRUE(ca_->recorder.records().empty());
  // The same path with valid bytes issues a certificate.
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEd25519);
  fulcio::CreateSigningCertificateRequest req = Ed25519Request(*leaf_key);
  req.mutable_credentials()->set_oidc_identity_token(ca_->Token());
  std::string out;
  grpc::Status s = RawUnaryCall(channel_, kCreate, req.SerializeAsString(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  fulcio::SigningCertificate cert;
  ASSERT_TRUE(cert.ParseFromString(out));
  EXPECT_EQ(cert.signed_certificate_embedded_sct().chain().certificates_size(), 2);

  for (const auto& [method, type] :
       {std::make_pair("/dev.sigstore.fulcio.v2.CA/GetTrustBundle",
                       "dev.sigstore.fulcio.v2.GetTrustBundleRequest"),
        std::make_pair("/dev.sigstore.fulcio.v2.CA/GetConfiguration",
                       "dev.sigstore.fulcio.v2.GetConfigurationRequest")}) {
    grpc::Status bad = RawUnaryCall(channel_, method, std::string("\xff\xff\xff\xff", 4));
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(bad.error_message(), HasSubstr(type)) << method;
  }
}

// Tokens minted by the real dev OIDC issuer (discovery and JWKS over HTTP), e-mail claims that
// must not become certificate identities: over gRPC, INVALID_ARGUMENT naming the claim, and
// nothing recorded; a well-formed address still gets its certificate.
TEST(CaGrpcDevOidc, RefusesForgedEmailClaimsNamingTheClaim) {
  auto oidc = tools::DevOidcIssuer::New(tools::DevOidcOptions());
  ASSERT_THAT(oidc, IsOk());
  (*oidc)->Start();
  signer::CaServiceOptions options;
  options.data_dir = ::testing::TempDir() + "/devoidc_ca";
  ASSERT_EQ(system(("rm -rf " + options.data_dir + " && mkdir -p " + options.data_dir).c_str()), 0);
  signer::IssuerConfig issuer;
  issuer.issuer_url = (*oidc)->issuer_url();  // keys by OIDC discovery
  options.issuers.push_back(issuer);
  signer::testing::RecordingRecorder recorder;
  auto service = signer::CaService::New(options, &recorder);
  ASSERT_THAT(service, IsOk());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  CaGrpcService grpc_service(service->get());
  builder.RegisterService(&grpc_service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = fulcio::CA::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto call = [&](const std::string& email) {
    tools::TokenRequest t;
    t.sub = "s";
    t.email = email;
    auto token = (*oidc)->Mint(t);
    EXPECT_THAT(token, IsOk());
    auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    fulcio::CreateSigningCertificateRequest req;
    req.mutable_credentials()->set_oidc_identity_token(*token);
    req.mutable_public_key_request()->mutable_public_key()->set_algorithm(fulcio::ECDSA);
    req.mutable_public_key_request()->mutable_public_key()->set_content(
        signer::PublicKeyDerToPem(key->PublicKeyDer()));
    req.mutable_public_key_request()->set_proof_of_possession(*key->Sign(email));
    grpc::ClientContext ctx;
    fulcio::SigningCertificate resp;
    return stub->CreateSigningCertificate(&ctx, req, &resp);
  };
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
  };
  for (const auto& c : cases) {
    grpc::Status s = call(c.email);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.email;
    EXPECT_THAT(s.error_message(),
                HasSubstr(absl::StrCat("identity token claim \"email\": ", c.message)))
        << c.email;
  }
  EXPECT_TRUE(recorder.records().empty());
  EXPECT_TRUE(call("dev@example.com").ok());
  ASSERT_EQ(recorder.records().size(), 1u);
  EXPECT_EQ(recorder.records()[0].identity, "dev@example.com");
  server->Shutdown();
  (*oidc)->Stop();
}

}  // namespace
}  // namespace vouch::server
