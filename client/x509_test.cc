// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/x509.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "client/fake_sigstore.h"
#include "client/trust_root.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class X509Test : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto root = TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<TrustRoot>(*std::move(root));
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_ = *std::move(key);
    auto der = fake_->IssueLeaf(*key_, "mailto:dev@acme.test", "https://issuer.test", start_);
    ASSERT_THAT(der, IsOk());
    auto leaf = Certificate::FromDer(*der);
    ASSERT_THAT(leaf, IsOk());
    leaf_ = std::make_unique<Certificate>(*std::move(leaf));
  }
  std::unique_ptr<FakeSigstore> fake_;
  std::unique_ptr<TrustRoot> root_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<Certificate> leaf_;
  const absl::Time start_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(X509Test, ReadsFulcioFields) {
  EXPECT_THAT(leaf_->SubjectAlternativeNames(), ElementsAre("mailto:dev@acme.test"));
  EXPECT_THAT(leaf_->OidcIssuer(), IsOk());
  EXPECT_EQ(*leaf_->OidcIssuer(), "https://issuer.test");
  EXPECT_EQ(leaf_->not_before(), start_);
  EXPECT_EQ(leaf_->not_after(), start_ + absl::Minutes(10));
  EXPECT_FALSE(leaf_->IsCa());
  EXPECT_TRUE(leaf_->HasCodeSigningUsage());
  EXPECT_FALSE(leaf_->IsSelfSigned());
  EXPECT_EQ(leaf_->PublicKeyDer(), key_->PublicKeyDer());
  EXPECT_THAT(leaf_->ExtensionValue("1.2.3.4"), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(X509Test, ChainVerifiesOnlyInsideValidity) {
  auto issuer = VerifyChainAt(*leaf_, root_->certificate_authorities(), start_ + absl::Minutes(5));
  ASSERT_THAT(issuer, IsOk());
  EXPECT_EQ(issuer->der(), fake_->ca_intermediate_der());
  EXPECT_THAT(VerifyChainAt(*leaf_, root_->certificate_authorities(), start_ + absl::Minutes(11)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("expired")));
  EXPECT_THAT(VerifyChainAt(*leaf_, root_->certificate_authorities(), start_ - absl::Seconds(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not yet valid")));
  std::vector<TrustedChain> cas = root_->certificate_authorities();
  cas[0].valid_until = start_;
  EXPECT_THAT(VerifyChainAt(*leaf_, cas, start_ + absl::Minutes(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("validity window")));
}

TEST_F(X509Test, ChainFailsForOtherCa) {
  auto other = FakeSigstore::New();
  ASSERT_THAT(other, IsOk());
  auto root = TrustRoot::FromJson((*other)->TrustedRootJson());
  ASSERT_THAT(root, IsOk());
  EXPECT_THAT(VerifyChainAt(*leaf_, root->certificate_authorities(), start_ + absl::Minutes(1)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(X509Test, CaCertificatesAreCas) {
  auto root = Certificate::FromDer(fake_->ca_root_der());
  ASSERT_THAT(root, IsOk());
  EXPECT_TRUE(root->IsCa());
  EXPECT_TRUE(root->IsSelfSigned());
  EXPECT_THAT(root->OidcIssuer(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(X509Test, NoSctMeansFailure) {
  auto issuer = Certificate::FromDer(fake_->ca_intermediate_der());
  ASSERT_THAT(issuer, IsOk());
  EXPECT_THAT(VerifyEmbeddedScts(*leaf_, *issuer, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no embedded SCT")));
}

TEST_F(X509Test, PrecertificateTbsMatchesOpenSsl) {
  // A leaf with an (unverifiable) SCT list extension between others.
  auto der = fake_->IssueLeaf(*key_, "https://ci.test/x", "https://issuer.test", start_,
                              /*with_sct_extension=*/true);
  ASSERT_THAT(der, IsOk());
  auto tbs = PrecertificateTbs(*der);
  ASSERT_THAT(tbs, IsOk());
  // What OpenSSL's own CT code does: delete the extension, re-encode the TBS.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der->size()));
  ASSERT_NE(x, nullptr);
  int idx = X509_get_ext_by_NID(x, NID_ct_precert_scts, -1);
  ASSERT_GE(idx, 0);
  X509_EXTENSION_free(X509_delete_ext(x, idx));
  unsigned char* out = nullptr;
  int len = i2d_re_X509_tbs(x, &out);
  ASSERT_GT(len, 0);
  EXPECT_EQ(*tbs, std::string(reinterpret_cast<char*>(out), len));
  OPENSSL_free(out);
  X509_free(x);
  EXPECT_THAT(PrecertificateTbs(leaf_->der()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no embedded SCT")));
  EXPECT_THAT(PrecertificateTbs("\x30\x05junk"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Certificate, RejectsGarbageAndTrailingBytes) {
  EXPECT_THAT(Certificate::FromDer("junk"), StatusIs(absl::StatusCode::kInvalidArgument));
  auto fake = FakeSigstore::New();
  ASSERT_THAT(fake, IsOk());
  EXPECT_THAT(Certificate::FromDer((*fake)->ca_root_der() + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
}

}  // namespace
}  // namespace vouch::client
