// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/x509.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "base/clock.h"
#include "client/fake_sigstore.h"
#include "client/trust_root.h"
#include "formats/ct.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/ca.h"
#include "signer/ct_log.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
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

// A CT log as RFC 6962 defines its SCT: it signs (formats/ct.h) the precertificate entry the real
// CA (signer/ca.h) hands it, at |time|, with |signing_key|, under the log id of |id_key| (the two
// differ only to forge a signature).
class TestCtLog : public signer::CertificateTransparencyLog {
 public:
  TestCtLog(const signer::OpenSslSigner* id_key, const signer::OpenSslSigner* signing_key,
            absl::Time time)
      : id_key_(id_key), signing_key_(signing_key), time_(time) {}
  absl::StatusOr<std::string> AddPrecertificate(const signer::Precertificate& p) override {
    namespace ct = ::vouch::formats::ct;
    ct::Leaf leaf;
    leaf.timestamp = static_cast<uint64_t>(absl::ToUnixMillis(time_));
    leaf.entry.type = ct::EntryType::kPrecert;
    leaf.entry.issuer_key_hash = p.issuer_key_hash;
    leaf.entry.tbs_certificate = p.tbs_without_poison;
    auto data = ct::CertificateTimestampSignedData(leaf);
    if (!data.ok()) return data.status();
    ct::SignedCertificateTimestamp sct;
    sct.log_id = signer::Sha256(id_key_->PublicKeyDer());
    sct.timestamp = leaf.timestamp;
    auto sig = ct::Sign(*signing_key_, *data);
    if (!sig.ok()) return sig.status();
    sct.signature = *std::move(sig);
    return ct::EncodeSct(sct);
  }

 private:
  const signer::OpenSslSigner* id_key_;
  const signer::OpenSslSigner* signing_key_;
  absl::Time time_;
};

// Certificates issued by a real CA (self-signed root) with an SCT embedded from TestCtLog, and
// the CtLogKey a trusted root would list for that log.
class EmbeddedSctTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    other_key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    auto ca_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    root_der_ = *signer::CreateRootCertificate(*ca_key, {"vouch", "SCT test CA"},
                                               sct_time_ - absl::Hours(1), absl::Hours(24));
    ca_key_ = std::move(ca_key);
    log_.log_id = signer::Sha256(log_key_->PublicKeyDer());
    log_.public_key_der = log_key_->PublicKeyDer();
    log_.valid_from = sct_time_ - absl::Hours(1);
    log_.valid_until = sct_time_ + absl::Hours(1);
  }

  // A certificate from the CA whose precertificate |ct| logged.
  Certificate Issue(TestCtLog* ct) {
    auto ca_key = *signer::OpenSslSigner::FromPem(ca_key_->PrivateKeyPem());
    signer::CaOptions o;
    o.ct_log = ct;
    o.clock = &clock_;
    auto ca = signer::CertificateAuthority::New(std::move(ca_key), {root_der_}, o);
    EXPECT_THAT(ca, IsOk());
    signer::Identity id;
    id.issuer = "https://issuer.test";
    id.san = "dev@acme.test";
    auto leaf_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    auto issued = (*ca)->Issue(id, leaf_key->PublicKeyDer());
    EXPECT_THAT(issued, IsOk());
    auto cert = Certificate::FromDer(issued->certificate_der);
    EXPECT_THAT(cert, IsOk());
    return *std::move(cert);
  }
  Certificate Issuer() { return *Certificate::FromDer(root_der_); }

  const absl::Time sct_time_ = absl::FromUnixSeconds(1800000000);
  FakeClock clock_{sct_time_};
  std::unique_ptr<signer::OpenSslSigner> log_key_, other_key_, ca_key_;
  std::string root_der_;
  CtLogKey log_;
};

TEST_F(EmbeddedSctTest, ValidSctVerifies) {
  TestCtLog ct(log_key_.get(), log_key_.get(), sct_time_);
  const Certificate cert = Issue(&ct);
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {log_}), IsOk());
  // The same with the verifier loaded once, as TrustRoot does.
  CtLogKey loaded = log_;
  loaded.verifier = *signer::OpenSslVerifier::FromDer(log_.public_key_der);
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {loaded}), IsOk());
  // Over the issuer's key hash: another issuer makes it a signature over other bytes.
  auto other_issuer = Certificate::FromDer(*signer::CreateRootCertificate(
      *other_key_, {"vouch", "another CA"}, sct_time_ - absl::Hours(1), absl::Hours(24)));
  ASSERT_THAT(other_issuer, IsOk());
  EXPECT_THAT(
      VerifyEmbeddedScts(cert, *other_issuer, {log_}),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("SCT signature does not verify")));
}

TEST_F(EmbeddedSctTest, WrongSignatureFails) {
  // The SCT names the trusted log but another key signed it.
  TestCtLog forger(log_key_.get(), other_key_.get(), sct_time_);
  EXPECT_THAT(
      VerifyEmbeddedScts(Issue(&forger), Issuer(), {log_}),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("SCT signature does not verify")));
}

TEST_F(EmbeddedSctTest, SctFromALogNotInTheTrustedRootFails) {
  TestCtLog unknown(other_key_.get(), other_key_.get(), sct_time_);
  const Certificate cert = Issue(&unknown);
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {log_}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no SCT is from a CT log in the trusted root")));
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no SCT is from a CT log in the trusted root")));
}

TEST_F(EmbeddedSctTest, SctOutsideTheLogsValidityWindowFails) {
  TestCtLog ct(log_key_.get(), log_key_.get(), sct_time_);
  const Certificate cert = Issue(&ct);
  CtLogKey ended = log_;  // the log's key was retired before the SCT's time
  ended.valid_until = sct_time_ - absl::Milliseconds(1);
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {ended}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("SCT time is outside the CT log's validity window")));
  CtLogKey not_started = log_;  // the log's key starts after the SCT's time
  not_started.valid_from = sct_time_ + absl::Milliseconds(1);
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {not_started}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("SCT time is outside the CT log's validity window")));
  // The window's ends are inside it.
  CtLogKey exact = log_;
  exact.valid_from = exact.valid_until = sct_time_;
  EXPECT_THAT(VerifyEmbeddedScts(cert, Issuer(), {exact}), IsOk());
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
