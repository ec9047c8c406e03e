// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/entry_check.h"

#include <cctype>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "client/fake_sigstore.h"
#include "client/trust_root.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/entry/entry.h"
#include "nlohmann/json.hpp"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vouch::testing::IsOk;
using vouch::testing::StatusIs;

std::string B64(const std::string& s) { return absl::Base64Escape(s); }

// A self-signed codeSigning certificate for |key| with an e-mail SAN, as anyone can make one.
std::string SelfSignedPem(const signer::OpenSslSigner& key, const std::string& email) {
  EVP_PKEY* pkey = static_cast<EVP_PKEY*>(key.evp_pkey());
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 600);
  X509_set_pubkey(x, pkey);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("self"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  const std::string san = "email:" + email;
  for (const auto& [nid, value] : {std::pair<int, const char*>{NID_subject_alt_name, san.c_str()},
                                   {NID_ext_key_usage, "codeSigning"},
                                   {NID_key_usage, "critical,digitalSignature"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free(bio);
  X509_free(x);
  return pem;
}

class EntryCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    fake_ = *client::FakeSigstore::New();
    auto root = client::TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<client::TrustRoot>(*std::move(root));
    options_.root = root_.get();
  }

  // The stored body the log makes of a hashedrekord signed by |key| with |pem| recorded.
  std::string HashedRekord(const std::string& artifact, const std::string& pem,
                           const signer::OpenSslSigner& key) {
    const std::string digest = signer::Sha256(artifact);
    const std::string sig = *key.SignDigest(signer::HashAlgorithm::kSha256, digest);
    json proposed = {
        {"apiVersion", "0.0.1"},
        {"kind", "hashedrekord"},
        {"spec",
         {{"signature", {{"content", B64(sig)}, {"publicKey", {{"content", B64(pem)}}}}},
          {"data",
           {{"hash", {{"algorithm", "sha256"}, {"value", absl::BytesToHexString(digest)}}}}}}}};
    auto e = log::CanonicalizeEntry(proposed.dump());
    EXPECT_THAT(e, IsOk());
    return e.ok() ? e->body : "";
  }

  std::string Dsse(int signatures) {
    const std::string payload = "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[]}";
    const std::string pae =
        absl::StrCat("DSSEv1 28 application/vnd.in-toto+json ", payload.size(), " ", payload);
    json sigs = json::array();
    json verifiers = json::array();
    for (int i = 0; i < signatures; ++i) {
      auto k = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
      sigs.push_back({{"sig", B64(*k->Sign(pae))}});
      verifiers.push_back(B64(signer::PublicKeyDerToPem(k->PublicKeyDer())));
    }
    json env = {{"payload", B64(payload)},
                {"payloadType", "application/vnd.in-toto+json"},
                {"signatures", sigs}};
    json proposed = {
        {"apiVersion", "0.0.1"},
        {"kind", "dsse"},
        {"spec", {{"proposedContent", {{"envelope", env.dump()}, {"verifiers", verifiers}}}}}};
    auto e = log::CanonicalizeEntry(proposed.dump());
    EXPECT_THAT(e, IsOk());
    return e.ok() ? e->body : "";
  }

  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<client::FakeSigstore> fake_;
  std::unique_ptr<client::TrustRoot> root_;
  EntryCheckOptions options_;
};

TEST_F(EntryCheckTest, KeySignedHashedRekordVerifiesAndGivesItsFacts) {
  const std::string body =
      HashedRekord("hello", signer::PublicKeyDerToPem(key_->PublicKeyDer()), *key_);
  EntryCheck c = CheckEntry(body, options_);
  ASSERT_THAT(c.status, IsOk());
  EXPECT_EQ(c.facts.kind, "hashedrekord");
  EXPECT_EQ(c.facts.api_version, "0.0.1");
  EXPECT_EQ(c.facts.signatures_verified, 1);
  EXPECT_FALSE(c.facts.keyless);
  EXPECT_THAT(c.facts.key_sha256,
              ElementsAre(absl::BytesToHexString(signer::Sha256(key_->PublicKeyDer()))));
  EXPECT_THAT(c.facts.digests, ElementsAre(absl::StrCat(
                                   "sha256:", absl::BytesToHexString(signer::Sha256("hello")))));
  EXPECT_THAT(c.facts.unchecked, IsEmpty());
}

TEST_F(EntryCheckTest, CertificateEntriesChainToTheTrustedRootAtIssuance) {
  const absl::Time issued = absl::FromUnixSeconds(1700000000);
  auto cert = fake_->IssueLeaf(*key_, "alice@example.com", client::kFakeIssuer, issued);
  ASSERT_THAT(cert, IsOk());
  const std::string pem =
      absl::StrCat("-----BEGIN CERTIFICATE-----\n", B64(*cert), "\n-----END CERTIFICATE-----\n");
  EntryCheck c = CheckEntry(HashedRekord("x", pem, *key_), options_);
  ASSERT_THAT(c.status, IsOk());
  EXPECT_TRUE(c.facts.keyless);
  EXPECT_EQ(c.facts.chains_verified, 1);
  EXPECT_THAT(c.facts.identities, Contains("alice@example.com"));
  EXPECT_EQ(c.facts.oidc_issuer, client::kFakeIssuer);
  EXPECT_EQ(c.facts.certificate_time, issued);
  EXPECT_TRUE(c.facts.trusted());
  // Another CA's certificate (the log accepts any CA's): the entry is valid, its certificate
  // untrusted, naming the identity; nothing of it is counted as verified.
  auto other = client::FakeSigstore::New();
  ASSERT_THAT(other, IsOk());
  auto foreign = (*other)->IssueLeaf(*key_, "mallory@example.com", client::kFakeIssuer, issued);
  const std::string foreign_pem =
      absl::StrCat("-----BEGIN CERTIFICATE-----\n", B64(*foreign), "\n-----END CERTIFICATE-----\n");
  c = CheckEntry(HashedRekord("x", foreign_pem, *key_), options_);
  EXPECT_THAT(c.status, IsOk());
  EXPECT_FALSE(c.facts.trusted());
  EXPECT_THAT(c.facts.untrusted,
              ElementsAre(::testing::AllOf(HasSubstr("chain"), HasSubstr("mallory@example.com"))));
  EXPECT_EQ(c.facts.chains_verified, 0);
  EXPECT_EQ(c.facts.signatures_verified, 1);
  EXPECT_THAT(c.facts.identities, Contains("mallory@example.com"));
  // An untrusted certificate does not hide what the log must never serve: a signature that
  // does not verify with the certificate it accepted.
  json wrong = json::parse(HashedRekord("x", foreign_pem, *key_));
  wrong["spec"]["data"]["hash"]["value"] = absl::BytesToHexString(signer::Sha256("y"));
  EXPECT_THAT(CheckEntry(wrong.dump(), options_).status,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("signature: ")));
  // With the integrated time known (Rekor v1 API), the chain is checked then: inside the
  // certificate's ten minutes it holds, an hour later (a certificate used after it expired) not.
  EntryCheckOptions at = options_;
  at.integrated_time = issued + absl::Minutes(5);
  c = CheckEntry(HashedRekord("x", pem, *key_), at);
  EXPECT_THAT(c.status, IsOk());
  EXPECT_TRUE(c.facts.trusted());
  at.integrated_time = issued + absl::Hours(1);
  c = CheckEntry(HashedRekord("x", pem, *key_), at);
  EXPECT_THAT(c.status, IsOk());
  EXPECT_THAT(c.facts.untrusted, ElementsAre(::testing::AllOf(
                                     HasSubstr("chain"), HasSubstr("at the integrated time"))));
  // Without a trusted root the chain is noted as unchecked.
  EntryCheckOptions no_root;
  c = CheckEntry(HashedRekord("x", foreign_pem, *key_), no_root);
  EXPECT_THAT(c.status, IsOk());
  EXPECT_THAT(c.facts.unchecked, Contains(HasSubstr("no trusted root")));
  EXPECT_TRUE(c.facts.trusted());
}

TEST_F(EntryCheckTest, AnSctNoTrustedCtLogSignedMakesTheCertificateUntrusted) {
  // The trusted root lists a CT log; the certificate's SCT was signed by no log.
  json root = json::parse(fake_->TrustedRootJson());
  auto ct_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  root["ctlogs"] = {{{"baseUrl", "http://ct.test"},
                     {"hashAlgorithm", "SHA2_256"},
                     {"publicKey",
                      {{"rawBytes", B64(ct_key->PublicKeyDer())},
                       {"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
                       {"validFor", {{"start", "2020-01-01T00:00:00Z"}}}}},
                     {"logId", {{"keyId", B64(signer::Sha256(ct_key->PublicKeyDer()))}}}}};
  auto with_ct = client::TrustRoot::FromJson(root.dump());
  ASSERT_THAT(with_ct, IsOk());
  EntryCheckOptions o = options_;
  o.root = &*with_ct;
  auto cert = fake_->IssueLeaf(*key_, "alice@example.com", client::kFakeIssuer,
                               absl::FromUnixSeconds(1700000000), /*with_sct_extension=*/true);
  ASSERT_THAT(cert, IsOk());
  const std::string pem =
      absl::StrCat("-----BEGIN CERTIFICATE-----\n", B64(*cert), "\n-----END CERTIFICATE-----\n");
  EntryCheck c = CheckEntry(HashedRekord("x", pem, *key_), o);
  EXPECT_THAT(c.status, IsOk());
  EXPECT_EQ(c.facts.chains_verified, 1);
  EXPECT_EQ(c.facts.scts_verified, 0);
  EXPECT_THAT(c.facts.untrusted, ElementsAre(HasSubstr("SCT: ")));
}

TEST_F(EntryCheckTest, SelfSignedCertificateIsUntrustedNotInvalid) {
  // What anyone can submit: a self-signed certificate claiming a watched identity.
  const std::string pem = SelfSignedPem(*key_, "alice@example.com");
  EntryCheck c = CheckEntry(HashedRekord("x", pem, *key_), options_);
  EXPECT_THAT(c.status, IsOk());
  EXPECT_THAT(c.facts.untrusted, ElementsAre(HasSubstr("chain")));
  EXPECT_EQ(c.facts.signatures_verified, 1);
  EXPECT_THAT(c.facts.identities, ElementsAre("alice@example.com"));
}

TEST_F(EntryCheckTest, WhatALogMustNeverServeIsCaught) {
  const std::string pem = signer::PublicKeyDerToPem(key_->PublicKeyDer());
  const std::string good = HashedRekord("hello", pem, *key_);
  json j = json::parse(good);
  // Another artifact's digest under the same signature.
  json wrong_digest = j;
  wrong_digest["spec"]["data"]["hash"]["value"] = absl::BytesToHexString(signer::Sha256("bye"));
  // A field outside the stored shape.
  json extra = j;
  extra["spec"]["data"]["content"] = "aGVsbG8=";
  json extra_top = j;
  extra_top["x"] = 1;
  const struct {
    std::string body;
    std::string want;
  } cases[] = {
      {wrong_digest.dump(), "signature: "},
      {extra.dump(), "kind rules"},
      {absl::StrReplaceAll(good, {{",", ", "}}), "not canonical"},
      {absl::StrReplaceAll(good, {{"\"hashedrekord\"", "\"rekord\""}}), "unknown kind"},
      {"{\"a\":1", "not JSON"},
      {"[]", "want a JSON object"},
      {"{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{}}", "spec.envelopeHash: missing"},
      {extra_top.dump(), "the body differs from what the log builds"},
      {"{\"apiVersion\":\"0.0.1\",\"kind\":\"dsse\",\"spec\":{},\"x\":1}", "entry.x: not a field"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(CheckEntry(c.body, options_).status,
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(c.want)))
        << c.body;
  }
  // Signatures are only checked when asked.
  EntryCheckOptions fast = options_;
  fast.signatures = false;
  EXPECT_THAT(CheckEntry(wrong_digest.dump(), fast).status, IsOk());
}

// The quick path for canonical P-256 hashedrekord bodies answers exactly as the full path: for
// good bodies, every single-byte change of one, and the near misses of the form it recognises.
TEST_F(EntryCheckTest, QuickPathAnswersAsTheFullPath) {
  EntryCheckOptions full = options_;
  full.quick_paths = false;
  const auto same = [&](const std::string& body) {
    for (bool signatures : {true, false}) {
      EntryCheckOptions q = options_, f = full;
      q.signatures = f.signatures = signatures;
      const EntryCheck a = CheckEntry(body, q);
      const EntryCheck b = CheckEntry(body, f);
      EXPECT_EQ(a.status, b.status) << body;
      EXPECT_EQ(a.facts.kind, b.facts.kind) << body;
      EXPECT_EQ(a.facts.api_version, b.facts.api_version) << body;
      EXPECT_EQ(a.facts.key_sha256, b.facts.key_sha256) << body;
      EXPECT_EQ(a.facts.digests, b.facts.digests) << body;
      EXPECT_EQ(a.facts.signatures_verified, b.facts.signatures_verified) << body;
      EXPECT_EQ(a.facts.identities, b.facts.identities) << body;
      EXPECT_EQ(a.facts.keyless, b.facts.keyless) << body;
      EXPECT_EQ(a.facts.unchecked, b.facts.unchecked) << body;
      EXPECT_EQ(a.facts.untrusted, b.facts.untrusted) << body;
    }
  };
  std::vector<std::string> bodies;
  for (int i = 0; i < 4; ++i) {
    auto k = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    bodies.push_back(HashedRekord(absl::StrCat("artifact ", i),
                                  signer::PublicKeyDerToPem(k->PublicKeyDer()), *k));
  }
  const std::string good = bodies[0];
  ASSERT_THAT(CheckEntry(good, options_).status, IsOk());
  // Every single-byte change of a good body (three replacement bytes at each position).
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'A', '0', '"'}) {
      if (good[i] == c) continue;
      std::string b = good;
      b[i] = c;
      bodies.push_back(b);
    }
  }
  // Near misses: another signature, another digest, upper-case hex, a certificate, other keys.
  json j = json::parse(good);
  json other_sig = j;
  other_sig["spec"]["signature"]["content"] =
      json::parse(bodies[1])["spec"]["signature"]["content"];
  json other_digest = j;
  other_digest["spec"]["data"]["hash"]["value"] = absl::BytesToHexString(signer::Sha256("bye"));
  json upper = j;
  std::string v = upper["spec"]["data"]["hash"]["value"];
  for (char& ch : v) ch = static_cast<char>(std::toupper(ch));
  upper["spec"]["data"]["hash"]["value"] = v;
  json unpadded = j;
  std::string sig_b64 = unpadded["spec"]["signature"]["content"];
  while (!sig_b64.empty() && sig_b64.back() == '=') sig_b64.pop_back();
  unpadded["spec"]["signature"]["content"] = sig_b64;
  for (const json& b : {other_sig, other_digest, upper, unpadded}) bodies.push_back(b.dump());
  bodies.push_back(HashedRekord("x", SelfSignedPem(*key_, "alice@example.com"), *key_));
  for (signer::KeyType t : {signer::KeyType::kEcdsaP384, signer::KeyType::kEd25519}) {
    auto k = *signer::OpenSslSigner::Generate(t);
    json proposed = j;
    proposed["spec"]["signature"]["publicKey"]["content"] =
        B64(signer::PublicKeyDerToPem(k->PublicKeyDer()));
    bodies.push_back(proposed.dump());  // the key does not match the signature
  }
  // A point off the curve under the canonical P-256 header.
  {
    std::string der = key_->PublicKeyDer();
    der[der.size() - 1] ^= 1;
    json off = j;
    off["spec"]["signature"]["publicKey"]["content"] =
        B64(absl::StrCat("-----BEGIN PUBLIC KEY-----\n", B64(der).substr(0, 64), "\n",
                         B64(der).substr(64), "\n-----END PUBLIC KEY-----\n"));
    bodies.push_back(off.dump());
  }
  int ok = 0;
  for (const std::string& b : bodies) {
    same(b);
    ok += CheckEntry(b, options_).status.ok();
  }
  EXPECT_GE(ok, 5);  // the good ones and the certificate
}

TEST_F(EntryCheckTest, DsseBodiesAreCheckedForWhatTheyHold) {
  const std::string body = Dsse(2);
  EntryCheck c = CheckEntry(body, options_);
  ASSERT_THAT(c.status, IsOk());
  EXPECT_EQ(c.facts.kind, "dsse");
  EXPECT_EQ(c.facts.key_sha256.size(), 2u);
  EXPECT_EQ(c.facts.digests.size(), 2u);  // payload and envelope hashes
  EXPECT_EQ(c.facts.signatures_verified, 0);
  EXPECT_THAT(c.facts.unchecked, Contains(HasSubstr("payload")));
  json j = json::parse(body);
  json unsorted = j;
  std::swap(unsorted["spec"]["signatures"][0], unsorted["spec"]["signatures"][1]);
  json upper = j;
  std::string v = upper["spec"]["payloadHash"]["value"];
  for (char& ch : v) ch = static_cast<char>(std::toupper(ch));
  upper["spec"]["payloadHash"]["value"] = v;
  json bad_key = j;
  bad_key["spec"]["signatures"][0]["verifier"] =
      B64("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  for (const json& bad : {unsorted, upper, bad_key}) {
    EXPECT_THAT(CheckEntry(bad.dump(), options_).status,
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("kind rules")))
        << bad.dump();
  }
}

TEST_F(EntryCheckTest, RealRekorEntriesOfEveryKindPass) {
  // The stored bodies of real public-Rekor entries (log/entry/testdata), as the log stores them.
  std::ifstream in("log/entry/testdata/rekor_entries.json");
  ASSERT_TRUE(in.good());
  json cases = json::parse(in);
  EntryCheckOptions no_root;  // their CA is not ours; the rest must hold
  int n = 0;
  for (const json& c : cases) {
    if (!c.contains("body")) continue;
    const std::string body = c["body"].get<std::string>();
    EntryCheck r = CheckEntry(body, no_root);
    EXPECT_THAT(r.status, IsOk()) << c.value("source", std::string());
    ++n;
  }
  EXPECT_GE(n, 20);
}

}  // namespace
}  // namespace vouch::audit
