// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/ca_service.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "proto/fulcio/fulcio.grpc.pb.h"
#include "server/http_server.h"
#include "signer/jwt.h"
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
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr char kIssuer[] = "https://dev-oidc.example";

std::string TempDir() {
  static std::atomic<int> n{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/ca-service-", getpid(), "-", n++);
  mkdir(dir.c_str(), 0700);
  return dir;
}

std::string B64(absl::string_view s) {
  std::string out;
  absl::Base64Escape(s, &out);
  return out;
}

class RecordingRecorder : public IssuedCertificateRecorder {
 public:
  absl::Status Record(const IssuedCertificate& c) override {
    absl::MutexLock lock(&mu_);
    if (fail_) return absl::UnavailableError("database is locked");
    records_.push_back(c);
    return absl::OkStatus();
  }
  std::vector<IssuedCertificate> records() {
    absl::MutexLock lock(&mu_);
    return records_;
  }
  void set_fail(bool fail) {
    absl::MutexLock lock(&mu_);
    fail_ = fail;
  }

 private:
  absl::Mutex mu_;
  std::vector<IssuedCertificate> records_ ABSL_GUARDED_BY(mu_);
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
};

class CaServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    issuer_key_ = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    log_key_ = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    options_.data_dir = TempDir();
    IssuerConfig issuer;
    issuer.issuer_url = kIssuer;
    issuer.type = IdentityType::kEmail;
    issuer.jwks_json =
        json{
            {"keys", json::array({json::parse(*PublicKeyToJwk(issuer_key_->PublicKeyDer(), "k"))})}}
            .dump();
    options_.issuers.push_back(issuer);
    options_.log_public_key_der = log_key_->PublicKeyDer();
    options_.log_key_valid_from = absl::FromUnixSeconds(1700000000);
    options_.max_body_bytes = 64 * 1024;
    auto service = CaService::New(options_, &recorder_);
    ASSERT_THAT(service, IsOk());
    service_ = *std::move(service);
    http_ = *server::HttpServer::New("127.0.0.1", 0, server::HttpOptions());
    options_.public_url = absl::StrCat("http://127.0.0.1:", http_->port());
    service_->RegisterHttp(http_->routes());
    http_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
  }

  void TearDown() override {
    if (http_ != nullptr) http_->Stop();
  }

  std::string Token(json changes = json::object(), const Signer* key = nullptr) {
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    json claims = {{"iss", kIssuer},         {"sub", "dev@example.com"},
                   {"aud", "sigstore"},      {"email", "dev@example.com"},
                   {"email_verified", true}, {"iat", now},
                   {"exp", now + 300}};
    for (auto it = changes.begin(); it != changes.end(); ++it) claims[it.key()] = it.value();
    return *SignJws(key != nullptr ? *key : *issuer_key_, "k", claims.dump());
  }

  // The body sigstore-js's FulcioSigner sends.
  json SigstoreJsBody(const std::string& token, const OpenSslSigner& key,
                      absl::string_view challenge = "dev@example.com") {
    return json{{"credentials", {{"oidcIdentityToken", token}}},
                {"publicKeyRequest",
                 {{"publicKey",
                   {{"algorithm", "ECDSA"}, {"content", PublicKeyDerToPem(key.PublicKeyDer())}}},
                  {"proofOfPossession", B64(*key.Sign(challenge))}}}};
  }

  httplib::Result Post(const json& body, const std::string& bearer = "") {
    httplib::Headers headers;
    if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
    return client_->Post("/api/v2/signingCert", headers, body.dump(), "application/json");
  }

  std::unique_ptr<OpenSslSigner> issuer_key_, log_key_;
  CaServiceOptions options_;
  RecordingRecorder recorder_;
  std::unique_ptr<CaService> service_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(CaServiceTest, CreatesKeyFilesOnceWithMode0600) {
  for (const char* name : {"ca_key.pem", "ca_chain.pem", "tsa_key.pem", "tsa_chain.pem"}) {
    struct stat st;
    ASSERT_EQ(stat((options_.data_dir + "/" + name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << name;
  }
  auto again = CaService::New(options_, nullptr);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->ca_chain_der(), service_->ca_chain_der());
  EXPECT_EQ((*again)->tsa_chain_der(), service_->tsa_chain_der());
}

TEST_F(CaServiceTest, IssuesForTheSigstoreJsRequestShape) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto res = Post(SigstoreJsBody(Token(), *leaf_key));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json body = json::parse(res->body);
  const json& certs = body["signedCertificateEmbeddedSct"]["chain"]["certificates"];
  ASSERT_EQ(certs.size(), 2u);
  auto leaf = ParsePemCertificates(certs[0].get<std::string>());
  ASSERT_THAT(leaf, IsOk());
  EXPECT_EQ(*CertificatePublicKeyDer((*leaf)[0]), leaf_key->PublicKeyDer());
  EXPECT_EQ(*ParsePemCertificates(certs[1].get<std::string>()), service_->ca_chain_der());
  auto records = recorder_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].identity, "dev@example.com");
  EXPECT_EQ(records[0].issuer, kIssuer);
  EXPECT_EQ(records[0].key_fingerprint, HexEncode(Sha256(leaf_key->PublicKeyDer())));
  EXPECT_EQ(records[0].certificate_der, (*leaf)[0]);
}

TEST_F(CaServiceTest, AcceptsBearerTokensAndCsrs) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  json body = SigstoreJsBody("", *leaf_key);
  body.erase("credentials");
  auto res = Post(body, Token());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;

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
  res = Post(json{{"credentials", {{"oidcIdentityToken", Token()}}},
                  {"certificateSigningRequest", B64(pem)}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
}

TEST_F(CaServiceTest, RefusesBadRequestsNamingTheReason) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto other_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto forger = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json bad_proof = SigstoreJsBody(Token(), *leaf_key);
  bad_proof["publicKeyRequest"]["proofOfPossession"] = B64(*other_key->Sign("dev@example.com"));
  json wrong_challenge = SigstoreJsBody(Token(), *leaf_key, "someone-else");
  json weak_key = SigstoreJsBody(Token(), *leaf_key);
  {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1");
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(k, &der);
    weak_key["publicKeyRequest"]["publicKey"]["content"] =
        PublicKeyDerToPem(std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)));
    OPENSSL_free(der);
    EVP_PKEY_free(k);
  }
  json no_key = {{"credentials", {{"oidcIdentityToken", Token()}}}};
  json bad_csr = {{"credentials", {{"oidcIdentityToken", Token()}}},
                  {"certificateSigningRequest", B64("-----BEGIN CERTIFICATE REQUEST-----\nAA==\n"
                                                    "-----END CERTIFICATE REQUEST-----\n")}};
  struct Case {
    const char* name;
    std::string body;
    int status;
    const char* reason;
  } cases[] = {
      {"no token", SigstoreJsBody("", *leaf_key).dump(), 401, "missing identity token"},
      {"garbage token", SigstoreJsBody("abc.def.ghi", *leaf_key).dump(), 401,
       "invalid identity token"},
      {"forged token", SigstoreJsBody(Token({}, forger.get()), *leaf_key).dump(), 401,
       "signature does not verify"},
      {"untrusted issuer", SigstoreJsBody(Token({{"iss", "https://evil"}}), *leaf_key).dump(), 401,
       "untrusted issuer"},
      {"expired token", SigstoreJsBody(Token({{"exp", now - 3600}}), *leaf_key).dump(), 401,
       "expired"},
      {"wrong audience", SigstoreJsBody(Token({{"aud", "other"}}), *leaf_key).dump(), 401,
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
    auto res = client_->Post("/api/v2/signingCert", c.body, "application/json");
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, c.status) << c.name << ": " << res->body;
    json err = json::parse(res->body, nullptr, false);
    ASSERT_FALSE(err.is_discarded()) << c.name;
    EXPECT_EQ(err["code"], c.status) << c.name;
    EXPECT_THAT(err["message"].get<std::string>(), HasSubstr(c.reason)) << c.name;
  }
  EXPECT_TRUE(recorder_.records().empty());
}

TEST_F(CaServiceTest, DoesNotHandOutCertificatesThatWereNotRecorded) {
  recorder_.set_fail(true);
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto res = Post(SigstoreJsBody(Token(), *leaf_key));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_THAT(res->body, HasSubstr("could not be recorded"));
}

TEST_F(CaServiceTest, ServesTrustBundleConfigurationAndTrustDocuments) {
  auto res = client_->Get("/api/v2/trustBundle");
  ASSERT_TRUE(res);
  json bundle = json::parse(res->body);
  EXPECT_EQ(*ParsePemCertificates(bundle["chains"][0]["certificates"][0].get<std::string>()),
            service_->ca_chain_der());
  res = client_->Get("/api/v2/configuration");
  ASSERT_TRUE(res);
  json config = json::parse(res->body);
  EXPECT_EQ(config["issuers"][0]["issuerUrl"], kIssuer);
  EXPECT_EQ(config["issuers"][0]["audience"], "sigstore");
  EXPECT_EQ(config["issuers"][0]["challengeClaim"], "email");

  res = client_->Get("/api/v1/trustedRoot");
  ASSERT_TRUE(res);
  json root = json::parse(res->body);
  EXPECT_EQ(root["mediaType"], "application/vnd.dev.sigstore.trustedroot.v0.2+json");
  EXPECT_EQ(root["tlogs"][0]["publicKey"]["rawBytes"], B64(log_key_->PublicKeyDer()));
  EXPECT_EQ(root["tlogs"][0]["logId"]["keyId"], B64(Sha256(log_key_->PublicKeyDer())));
  EXPECT_EQ(root["tlogs"][0]["publicKey"]["validFor"]["start"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(root["certificateAuthorities"][0]["certChain"]["certificates"][0]["rawBytes"],
            B64(service_->ca_chain_der()[0]));
  EXPECT_EQ(root["timestampAuthorities"][0]["certChain"]["certificates"].size(), 2u);
  EXPECT_TRUE(root["ctlogs"].empty());
  res = client_->Get("/api/v1/signingConfig");
  ASSERT_TRUE(res);
  json signing = json::parse(res->body);
  EXPECT_EQ(signing["mediaType"], "application/vnd.dev.sigstore.signingconfig.v0.2+json");
  EXPECT_THAT(signing["tsaUrls"][0]["url"].get<std::string>(), HasSubstr("/api/v1/timestamp"));
}

TEST_F(CaServiceTest, ServesTimestamps) {
  auto res =
      client_->Post("/api/v1/timestamp",
                    json{{"artifactHash", B64(Sha256("sig"))}, {"hashAlgorithm", "sha256"}}.dump(),
                    "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/timestamp-reply");
  const std::string der_req = *BuildTimestampRequest(HashAlgorithm::kSha256, Sha256("x"), "", true);
  res = client_->Post("/api/v1/timestamp", der_req, "application/timestamp-query");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(res->body.data());
  TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(res->body.size()));
  ASSERT_NE(resp, nullptr);
  TS_RESP_free(resp);
  res = client_->Post("/api/v1/timestamp", "{\"artifactHash\":\"AA\"}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("artifactHash"));
  res = client_->Get("/api/v1/timestamp/certchain");
  ASSERT_TRUE(res);
  EXPECT_EQ(*ParsePemCertificates(res->body), service_->tsa_chain_der());
}

TEST_F(CaServiceTest, ServesGrpc) {
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(service_->grpc_service());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = fulcio::CA::NewStub(
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEd25519);
  fulcio::CreateSigningCertificateRequest req;
  req.mutable_public_key_request()->mutable_public_key()->set_algorithm(fulcio::ED25519);
  req.mutable_public_key_request()->mutable_public_key()->set_content(
      PublicKeyDerToPem(leaf_key->PublicKeyDer()));
  req.mutable_public_key_request()->set_proof_of_possession(*leaf_key->Sign("dev@example.com"));
  {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + Token());
    fulcio::SigningCertificate resp;
    grpc::Status s = stub->CreateSigningCertificate(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message() << " port " << port;
    EXPECT_EQ(resp.signed_certificate_embedded_sct().chain().certificates_size(), 2);
  }
  {
    grpc::ClientContext ctx;
    req.mutable_credentials()->set_oidc_identity_token(Token({{"aud", "nope"}}));
    fulcio::SigningCertificate resp;
    grpc::Status s = stub->CreateSigningCertificate(&ctx, req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), HasSubstr("wrong audience"));
  }
  {
    grpc::ClientContext ctx;
    req.mutable_credentials()->set_oidc_identity_token(Token());
    req.mutable_public_key_request()->set_proof_of_possession("bad");
    fulcio::SigningCertificate resp;
    EXPECT_EQ(stub->CreateSigningCertificate(&ctx, req, &resp).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
  {
    grpc::ClientContext ctx;
    fulcio::TrustBundle bundle;
    ASSERT_TRUE(stub->GetTrustBundle(&ctx, fulcio::GetTrustBundleRequest(), &bundle).ok());
    EXPECT_EQ(bundle.chains_size(), 1);
  }
  {
    grpc::ClientContext ctx;
    fulcio::Configuration config;
    ASSERT_TRUE(stub->GetConfiguration(&ctx, fulcio::GetConfigurationRequest(), &config).ok());
    EXPECT_EQ(config.issuers(0).issuer_url(), kIssuer);
  }
  server->Shutdown();
}

// Tokens minted by the real dev OIDC issuer (discovery and JWKS over HTTP), e-mail claims that
// must not become certificate identities: over gRPC, INVALID_ARGUMENT naming the claim, and
// nothing recorded; a well-formed address still gets its certificate.
TEST(CaServiceDevOidc, GrpcRefusesForgedEmailClaimsNamingTheClaim) {
  auto oidc = tools::DevOidcIssuer::New(tools::DevOidcOptions());
  ASSERT_THAT(oidc, IsOk());
  (*oidc)->Start();
  CaServiceOptions options;
  options.data_dir = TempDir();
  IssuerConfig issuer;
  issuer.issuer_url = (*oidc)->issuer_url();  // keys by OIDC discovery
  options.issuers.push_back(issuer);
  RecordingRecorder recorder;
  auto service = CaService::New(options, &recorder);
  ASSERT_THAT(service, IsOk());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService((*service)->grpc_service());
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
        PublicKeyDerToPem(key->PublicKeyDer()));
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

TEST(CaServiceConfig, TsaCanBeDisabled) {
  CaServiceOptions options;
  options.data_dir = TempDir();
  options.enable_tsa = false;
  auto service = CaService::New(options, nullptr);
  ASSERT_THAT(service, IsOk());
  EXPECT_THAT((*service)->Timestamp("x"), StatusIs(absl::StatusCode::kFailedPrecondition));
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
