// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/tsa.h"

#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class TsaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::Time start = absl::Now() - absl::Hours(1);
    root_key_ = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    root_ = *CreateRootCertificate(*root_key_, {"vouch", "root"}, start, absl::Hours(24 * 365));
    auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    tsa_cert_ = *CreateTsaCertificate(*root_key_, root_, key->PublicKeyDer(), {"vouch", "tsa"},
                                      start, absl::Hours(24 * 365));
    TsaOptions options;
    options.clock = &clock_;
    tsa_ = *TimestampAuthority::New(std::move(key), {tsa_cert_, root_}, options);
  }

  // Verifies |resp_der| for |req_der| against the root, as a relying party would.
  int VerifyResponse(const std::string& req_der, const std::string& resp_der) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(req_der.data());
    TS_REQ* req = d2i_TS_REQ(nullptr, &p, static_cast<long>(req_der.size()));
    p = reinterpret_cast<const unsigned char*>(resp_der.data());
    TS_RESP* resp = d2i_TS_RESP(nullptr, &p, static_cast<long>(resp_der.size()));
    TS_VERIFY_CTX* ctx = TS_REQ_to_TS_VERIFY_CTX(req, nullptr);
    X509_STORE* store = X509_STORE_new();
    const unsigned char* r = reinterpret_cast<const unsigned char*>(root_.data());
    X509* root = d2i_X509(nullptr, &r, static_cast<long>(root_.size()));
    X509_STORE_add_cert(store, root);
    X509_free(root);
    TS_VERIFY_CTX_set_store(ctx, store);
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    const unsigned char* t = reinterpret_cast<const unsigned char*>(tsa_cert_.data());
    sk_X509_push(untrusted, d2i_X509(nullptr, &t, static_cast<long>(tsa_cert_.size())));
    TS_VERIFY_CTX_set_certs(ctx, untrusted);
    const int ok = TS_RESP_verify_response(ctx, resp);
    TS_VERIFY_CTX_free(ctx);
    TS_RESP_free(resp);
    TS_REQ_free(req);
    return ok;
  }

  FakeClock clock_{absl::FromUnixSeconds(1800000000) + absl::Milliseconds(250)};
  std::unique_ptr<OpenSslSigner> root_key_;
  std::string root_, tsa_cert_;
  std::unique_ptr<TimestampAuthority> tsa_;
};

TEST_F(TsaTest, TimestampsJsonRequestsWithWholeSecondGenTime) {
  std::string hash_b64;
  absl::Base64Escape(Sha256("hello"), &hash_b64);
  auto req = TimestampRequestFromJson(absl::StrCat(R"({"artifactHash":")", hash_b64,
                                                   R"(","hashAlgorithm":"sha256","nonce":42,)",
                                                   R"("certificates":true})"));
  ASSERT_THAT(req, IsOk());
  auto resp = tsa_->Timestamp(*req);
  ASSERT_THAT(resp, IsOk());
  EXPECT_EQ(VerifyResponse(*req, *resp), 1);
  const unsigned char* p = reinterpret_cast<const unsigned char*>(resp->data());
  TS_RESP* r = d2i_TS_RESP(nullptr, &p, static_cast<long>(resp->size()));
  TS_TST_INFO* info = TS_RESP_get_tst_info(r);
  const ASN1_GENERALIZEDTIME* t = TS_TST_INFO_get_time(info);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(t)),
                        static_cast<size_t>(ASN1_STRING_length(t))),
            "20270115080000Z");
  EXPECT_EQ(ASN1_INTEGER_get(TS_TST_INFO_get_nonce(info)), 42);
  char policy[64];
  OBJ_obj2txt(policy, sizeof(policy), TS_TST_INFO_get_policy_id(info), 1);
  EXPECT_STREQ(policy, "1.3.6.1.4.1.57264.2");
  TS_RESP_free(r);
}

TEST_F(TsaTest, TimestampsDerRequestsAndOpenSslCliVerifies) {
  const std::string data = "artifact bytes\n";
  auto req = BuildTimestampRequest(HashAlgorithm::kSha384, Sha384(data), "", false);
  ASSERT_THAT(req, IsOk());
  auto resp = tsa_->Timestamp(*req);
  ASSERT_THAT(resp, IsOk());
  EXPECT_EQ(VerifyResponse(*req, *resp), 1);

  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir = tmp != nullptr ? tmp : "/tmp";
  auto write = [&](const std::string& name, const std::string& contents) {
    std::ofstream(dir + "/" + name, std::ios::binary) << contents;
    return dir + "/" + name;
  };
  const std::string cmd = absl::StrCat(
      "openssl ts -verify -data ", write("data.txt", data), " -in ", write("resp.tsr", *resp),
      " -CAfile ", write("root.pem", CertificateDerToPem(root_)), " -untrusted ",
      write("tsa.pem", CertificateDerToPem(tsa_cert_)), " 2>&1");
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  const int rc = pclose(pipe);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_THAT(out, HasSubstr("Verification: OK"));
}

TEST_F(TsaTest, RefusesBadRequests) {
  EXPECT_THAT(tsa_->Timestamp("not DER"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")));
  EXPECT_THAT(TimestampRequestFromJson(R"({"artifactHash":"AAAA","hashAlgorithm":"md5"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("md5")));
  EXPECT_THAT(TimestampRequestFromJson(R"({"artifactHash":"AAAA","hashAlgorithm":"sha256"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bytes, want 32")));
  EXPECT_THAT(TimestampRequestFromJson(R"({"hashAlgorithm":"sha256"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("artifactHash")));
  EXPECT_THAT(TimestampRequestFromJson("[1,2"), StatusIs(absl::StatusCode::kInvalidArgument));
  // SHA-1 imprints are refused by the TSA itself.
  TS_REQ* req = TS_REQ_new();
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* alg = X509_ALGOR_new();
  X509_ALGOR_set_md(alg, EVP_sha1());
  TS_MSG_IMPRINT_set_algo(imprint, alg);
  unsigned char digest[20] = {0};
  TS_MSG_IMPRINT_set_msg(imprint, digest, sizeof(digest));
  TS_REQ_set_version(req, 1);
  TS_REQ_set_msg_imprint(req, imprint);
  unsigned char* der = nullptr;
  const int len = i2d_TS_REQ(req, &der);
  const std::string sha1_req(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(imprint);
  TS_REQ_free(req);
  EXPECT_THAT(tsa_->Timestamp(sha1_req),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("refused")));
}

TEST(Tsa, RefusesCertificatesWithoutTimestampingEku) {
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  const std::string root = *CreateRootCertificate(*key, {"o", "r"}, absl::Now(), absl::Hours(1));
  EXPECT_THAT(TimestampAuthority::New(std::move(key), {root}, TsaOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timeStamping")));
}

}  // namespace
}  // namespace vouch::signer
