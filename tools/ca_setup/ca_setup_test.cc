// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/ca_setup/ca_setup.h"

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "signer/ca_service.h"
#include "signer/jwt.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string Dir(const char* name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/", name, "-", getpid());
}

// Issues a certificate through a CaService on |dir| and verifies it against the chain's root.
void IssueAndVerify(const std::string& dir, size_t chain_size) {
  auto issuer_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  signer::CaServiceOptions options;
  options.data_dir = dir;
  signer::IssuerConfig issuer;
  issuer.issuer_url = "https://i.example";
  issuer.challenge_claim = "sub";
  issuer.jwks_json =
      json{{"keys",
            json::array({json::parse(*signer::PublicKeyToJwk(issuer_key->PublicKeyDer(), "k"))})}}
          .dump();
  options.issuers.push_back(issuer);
  auto service = signer::CaService::New(options, nullptr);
  ASSERT_THAT(service, IsOk());
  ASSERT_EQ((*service)->ca_chain_der().size(), chain_size);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  const std::string token = *signer::SignJws(*issuer_key, "k",
                                             json{{"iss", "https://i.example"},
                                                  {"sub", "s"},
                                                  {"aud", "sigstore"},
                                                  {"email", "a@b.c"},
                                                  {"email_verified", true},
                                                  {"exp", now + 60}}
                                                 .dump());
  auto leaf = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  dev::sigstore::fulcio::v2::CreateSigningCertificateRequest req;
  req.mutable_public_key_request()->mutable_public_key()->set_content(
      signer::PublicKeyDerToPem(leaf->PublicKeyDer()));
  req.mutable_public_key_request()->set_proof_of_possession(*leaf->Sign("s"));
  auto cert = (*service)->CreateSigningCertificate(req, token);
  ASSERT_THAT(cert, IsOk());
  const auto& pems = cert->signed_certificate_embedded_sct().chain().certificates();
  ASSERT_EQ(static_cast<size_t>(pems.size()), chain_size + 1);
  std::vector<std::string> ders;
  for (const std::string& pem : pems) ders.push_back((*signer::ParsePemCertificates(pem))[0]);
  X509_STORE* store = X509_STORE_new();
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  std::vector<X509*> certs;
  for (const std::string& d : ders) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(d.data());
    certs.push_back(d2i_X509(nullptr, &p, static_cast<long>(d.size())));
  }
  X509_STORE_add_cert(store, certs.back());
  for (size_t i = 1; i + 1 < certs.size(); ++i) sk_X509_push(untrusted, certs[i]);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, certs[0], untrusted);
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  for (X509* c : certs) X509_free(c);
  // The TSA chain ends at the same root.
  EXPECT_EQ((*service)->tsa_chain_der().back(), ders.back());
}

TEST(CaSetup, RootModeServesAndRefusesToOverwrite) {
  CaSetupOptions options;
  options.out_dir = Dir("root");
  std::vector<std::string> written;
  ASSERT_THAT(SetUpCa(options, &written), IsOk());
  EXPECT_EQ(written.size(), 4u);
  for (const std::string& path : written) {
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << path;
  }
  IssueAndVerify(options.out_dir, 1);
  auto sample = SampleLeaf(options.out_dir, "dev@example.com", "https://issuer.example");
  ASSERT_THAT(sample, IsOk());
  EXPECT_THAT(*sample, HasSubstr("BEGIN CERTIFICATE"));
  EXPECT_THAT(SetUpCa(options, nullptr),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not overwriting")));
  options.force = true;
  EXPECT_THAT(SetUpCa(options, nullptr), IsOk());
}

TEST(CaSetup, IntermediateModeServesLeavesChainingToTheRoot) {
  CaSetupOptions options;
  options.out_dir = Dir("intermediate");
  options.mode = CaSetupMode::kIntermediate;
  options.key_type = signer::KeyType::kEcdsaP384;
  ASSERT_THAT(SetUpCa(options, nullptr), IsOk());
  IssueAndVerify(options.out_dir, 2);
}

}  // namespace
}  // namespace vouch::tools
