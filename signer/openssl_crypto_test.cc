// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/openssl_crypto.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class AllKeyTypes : public ::testing::TestWithParam<KeyType> {};

TEST_P(AllKeyTypes, SignVerifyRoundTripAndTamperDetection) {
  auto signer = OpenSslSigner::Generate(GetParam());
  ASSERT_THAT(signer, IsOk());
  auto sig = (*signer)->Sign("hello");
  ASSERT_THAT(sig, IsOk());
  auto verifier =
      OpenSslVerifier::FromDer((*signer)->PublicKeyDer(), GetParam() == KeyType::kRsaPss);
  ASSERT_THAT(verifier, IsOk());
  EXPECT_EQ((*verifier)->key_type(), GetParam());
  EXPECT_THAT((*verifier)->Verify("hello", *sig), IsOk());
  EXPECT_THAT((*verifier)->Verify("hellO", *sig), StatusIs(absl::StatusCode::kPermissionDenied));
  std::string flipped = *sig;
  flipped[flipped.size() / 2] ^= 1;
  EXPECT_FALSE((*verifier)->Verify("hello", flipped).ok());
  EXPECT_FALSE((*verifier)->Verify("hello", "").ok());
  EXPECT_EQ((*verifier)->PublicKeyDer(), (*signer)->PublicKeyDer());
}

TEST_P(AllKeyTypes, DigestSignaturesMatchMessageSignatures) {
  if (GetParam() == KeyType::kEd25519) GTEST_SKIP() << "Ed25519 has no digest form";
  auto signer = OpenSslSigner::Generate(GetParam());
  ASSERT_THAT(signer, IsOk());
  auto verifier =
      OpenSslVerifier::FromDer((*signer)->PublicKeyDer(), GetParam() == KeyType::kRsaPss);
  ASSERT_THAT(verifier, IsOk());
  const HashAlgorithm h = DigestForKeyType(GetParam());
  const std::string digest = Digest(h, "artifact");
  // A signature over the message verifies as a signature over its digest, and vice versa.
  auto sig = (*signer)->Sign("artifact");
  ASSERT_THAT(sig, IsOk());
  EXPECT_THAT((*verifier)->VerifyDigest(h, digest, *sig), IsOk());
  auto dsig = (*signer)->SignDigest(h, digest);
  ASSERT_THAT(dsig, IsOk());
  EXPECT_THAT((*verifier)->Verify("artifact", *dsig), IsOk());
  EXPECT_THAT((*verifier)->VerifyDigest(h, digest.substr(1), *sig),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("digest length")));
}

INSTANTIATE_TEST_SUITE_P(Crypto, AllKeyTypes,
                         ::testing::Values(KeyType::kEcdsaP256, KeyType::kEcdsaP384,
                                           KeyType::kEcdsaP521, KeyType::kEd25519,
                                           KeyType::kRsaPkcs1, KeyType::kRsaPss));

// ECDSA runs on the EC_KEY functions; they must agree with OpenSSL's EVP interface both ways,
// refuse non-canonical DER, and be safe to share across threads.
TEST(Crypto, EcdsaFastPathAgreesWithEvp) {
  for (KeyType type : {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEcdsaP521}) {
    auto signer = OpenSslSigner::Generate(type);
    ASSERT_THAT(signer, IsOk());
    auto verifier = OpenSslVerifier::FromDer((*signer)->PublicKeyDer());
    ASSERT_THAT(verifier, IsOk());
    auto* pkey = static_cast<EVP_PKEY*>((*signer)->evp_pkey());
    const EVP_MD* md = type == KeyType::kEcdsaP256   ? EVP_sha256()
                       : type == KeyType::kEcdsaP384 ? EVP_sha384()
                                                     : EVP_sha512();
    const std::string msg = "interop";
    // EVP signs, we verify.
    unsigned char buf[160];
    size_t len = sizeof(buf);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestSignInit(ctx, nullptr, md, nullptr, pkey), 1);
    ASSERT_EQ(EVP_DigestSign(ctx, buf, &len, reinterpret_cast<const unsigned char*>(msg.data()),
                             msg.size()),
              1);
    EVP_MD_CTX_free(ctx);
    const std::string evp_sig(reinterpret_cast<char*>(buf), len);
    EXPECT_THAT((*verifier)->Verify(msg, evp_sig), IsOk()) << KeyTypeName(type);
    // We sign, EVP verifies.
    auto ours = (*signer)->Sign(msg);
    ASSERT_THAT(ours, IsOk());
    ctx = EVP_MD_CTX_new();
    ASSERT_EQ(EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, pkey), 1);
    EXPECT_EQ(
        EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(ours->data()), ours->size(),
                         reinterpret_cast<const unsigned char*>(msg.data()), msg.size()),
        1)
        << KeyTypeName(type);
    EVP_MD_CTX_free(ctx);
    // Trailing garbage after the DER SEQUENCE, and a truncated one: malformed, not "valid".
    EXPECT_THAT((*verifier)->Verify(msg, *ours + std::string(1, '\0')),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")));
    EXPECT_FALSE((*verifier)->Verify(msg, ours->substr(0, ours->size() - 1)).ok());
  }
}

TEST(Crypto, SharedEcdsaKeysAreThreadSafe) {
  auto signer = OpenSslSigner::Generate(KeyType::kEcdsaP256);
  ASSERT_THAT(signer, IsOk());
  auto verifier = OpenSslVerifier::FromDer((*signer)->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string msg = std::to_string(t * 1000 + i);
        auto sig = (*signer)->Sign(msg);
        if (!sig.ok() || !(*verifier)->Verify(msg, *sig).ok() ||
            (*verifier)->Verify(msg + "x", *sig).ok()) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

// VerifyEcdsaDigestWithPoint (a per-thread key, its point replaced per call) answers as a
// Verifier built from the point, keys alternating on one thread and across threads.
TEST(Crypto, VerifyWithPointAgreesWithVerifier) {
  const struct {
    KeyType type;
    size_t point_len;
    HashAlgorithm hash;
  } curves[] = {{KeyType::kEcdsaP256, 65, HashAlgorithm::kSha256},
                {KeyType::kEcdsaP384, 97, HashAlgorithm::kSha384},
                {KeyType::kEcdsaP521, 133, HashAlgorithm::kSha512}};
  for (const auto& c : curves) {
    std::vector<std::string> points, sigs;
    const std::string digest = Digest(c.hash, "artifact");
    for (int i = 0; i < 3; ++i) {
      auto signer = OpenSslSigner::Generate(c.type);
      ASSERT_THAT(signer, IsOk());
      const std::string der = (*signer)->PublicKeyDer();
      points.push_back(der.substr(der.size() - c.point_len));
      sigs.push_back(*(*signer)->SignDigest(c.hash, digest));
    }
    std::string off_curve = points[0];
    off_curve.back() ^= 1;
    for (int round = 0; round < 2; ++round) {
      for (size_t k = 0; k < points.size(); ++k) {
        auto v = OpenSslVerifier::FromEcPoint(c.type, points[k]);
        ASSERT_THAT(v, IsOk());
        for (size_t s = 0; s < sigs.size(); ++s) {
          const absl::Status want = (*v)->VerifyDigest(c.hash, digest, sigs[s]);
          EXPECT_EQ(VerifyEcdsaDigestWithPoint(c.type, points[k], c.hash, digest, sigs[s]), want);
          EXPECT_EQ(want.ok(), k == s);
        }
        EXPECT_THAT(CheckEcPoint(c.type, points[k]), IsOk());
        // A point off the curve, then the good key again: no trace of the failed decode.
        EXPECT_THAT(VerifyEcdsaDigestWithPoint(c.type, off_curve, c.hash, digest, sigs[0]),
                    StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a point")));
        EXPECT_FALSE(OpenSslVerifier::FromEcPoint(c.type, off_curve).ok());
        EXPECT_THAT(CheckEcPoint(c.type, off_curve), StatusIs(absl::StatusCode::kInvalidArgument));
        EXPECT_THAT(VerifyEcdsaDigestWithPoint(c.type, points[k], c.hash, digest, sigs[k]), IsOk());
        EXPECT_THAT(VerifyEcdsaDigestWithPoint(c.type, points[k], c.hash, digest, sigs[k] + "x"),
                    StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed")));
        EXPECT_THAT(
            VerifyEcdsaDigestWithPoint(c.type, points[k], c.hash, digest.substr(1), sigs[k]),
            StatusIs(absl::StatusCode::kInvalidArgument));
      }
    }
  }
  EXPECT_THAT(CheckEcPoint(KeyType::kEd25519, std::string(32, 'x')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported key")));
  // Threads with keys of their own, each its own scratch key.
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto signer = OpenSslSigner::Generate(KeyType::kEcdsaP256);
        const std::string der = (*signer)->PublicKeyDer();
        const std::string point = der.substr(der.size() - 65);
        const std::string digest = Sha256(std::to_string(t * 1000 + i));
        auto sig = (*signer)->SignDigest(HashAlgorithm::kSha256, digest);
        if (!sig.ok() ||
            !VerifyEcdsaDigestWithPoint(KeyType::kEcdsaP256, point, HashAlgorithm::kSha256, digest,
                                        *sig)
                 .ok() ||
            VerifyEcdsaDigestWithPoint(KeyType::kEcdsaP256, point, HashAlgorithm::kSha256,
                                       Sha256("other"), *sig)
                .ok()) {
          ++failures[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(Crypto, PublicKeyDetailsNamesFollowProtobufSpecs) {
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kEcdsaP256, 256), "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kEcdsaP384, 384), "PKIX_ECDSA_P384_SHA_384");
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kEcdsaP521, 521), "PKIX_ECDSA_P521_SHA_512");
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kEd25519, 256), "PKIX_ED25519");
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kEd25519, 256, true), "PKIX_ED25519_PH");
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kRsaPkcs1, 3072), "PKIX_RSA_PKCS1V15_3072_SHA256");
  EXPECT_EQ(*PublicKeyDetailsName(KeyType::kRsaPss, 4096), "PKIX_RSA_PSS_4096_SHA256");
  EXPECT_THAT(PublicKeyDetailsName(KeyType::kRsaPkcs1, 1024),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RSA-1024")));
  auto rsa = OpenSslSigner::Generate(KeyType::kRsaPkcs1);
  ASSERT_THAT(rsa, IsOk());
  EXPECT_EQ((*rsa)->bits(), 3072);
  auto v = OpenSslVerifier::FromDer((*rsa)->PublicKeyDer());
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ((*v)->bits(), 3072);
}

TEST(Crypto, PemRoundTrips) {
  auto signer = OpenSslSigner::Generate(KeyType::kEcdsaP256);
  ASSERT_THAT(signer, IsOk());
  auto again = OpenSslSigner::FromPem((*signer)->PrivateKeyPem());
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->PublicKeyDer(), (*signer)->PublicKeyDer());
  const std::string pem = PublicKeyDerToPem((*signer)->PublicKeyDer());
  EXPECT_THAT(pem, HasSubstr("BEGIN PUBLIC KEY"));
  auto v = OpenSslVerifier::FromPem(pem);
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ((*v)->PublicKeyDer(), (*signer)->PublicKeyDer());
  auto der = PemToDer(pem, "PUBLIC KEY");
  ASSERT_THAT(der, IsOk());
  EXPECT_EQ(*der, (*signer)->PublicKeyDer());
  EXPECT_THAT(PemToDer(pem, "CERTIFICATE"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Crypto, RejectsUnsupportedAndMalformedKeys) {
  EVP_PKEY* p224 = EVP_EC_gen("P-224");
  ASSERT_NE(p224, nullptr);
  EXPECT_THAT(OpenSslVerifier::FromEvpPkey(p224),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("curve")));
  EVP_PKEY* rsa1024 = EVP_RSA_gen(1024);
  ASSERT_NE(rsa1024, nullptr);
  EXPECT_THAT(OpenSslVerifier::FromEvpPkey(rsa1024),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RSA-1024")));
  EXPECT_THAT(OpenSslVerifier::FromDer("garbage"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      OpenSslVerifier::FromPem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenSslVerifier::FromCertificate("not a cert"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenSslSigner::FromPem("nope"), StatusIs(absl::StatusCode::kInvalidArgument));
  // Trailing bytes after the SPKI are refused.
  auto signer = OpenSslSigner::Generate(KeyType::kEcdsaP256);
  ASSERT_THAT(signer, IsOk());
  EXPECT_THAT(OpenSslVerifier::FromDer((*signer)->PublicKeyDer() + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Crypto, LoadOrCreateWritesMode0600AndReloadsSameKey) {
  std::string tmpl = std::string(::testing::TempDir()) + "/crypto_test.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  const std::string path = tmpl + "/log_key.pem";
  auto first = OpenSslSigner::LoadOrCreate(path, KeyType::kEcdsaP256);
  ASSERT_THAT(first, IsOk());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = OpenSslSigner::LoadOrCreate(path, KeyType::kEd25519);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ((*second)->PublicKeyDer(), (*first)->PublicKeyDer());
  EXPECT_EQ((*second)->key_type(), KeyType::kEcdsaP256);

  ::chmod(path.c_str(), 0644);
  EXPECT_THAT(OpenSslSigner::LoadOrCreate(path, KeyType::kEcdsaP256),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("chmod 600")));
  const std::string junk = tmpl + "/junk.pem";
  { std::ofstream(junk) << "junk"; }
  ::chmod(junk.c_str(), 0600);
  EXPECT_THAT(OpenSslSigner::LoadOrCreate(junk, KeyType::kEcdsaP256),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(junk)));
}

TEST(Crypto, DigestsHaveKnownValues) {
  // SHA-256("abc") from FIPS 180-2.
  const std::string d = Sha256("abc");
  ASSERT_EQ(d.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(d[0]), 0xba);
  EXPECT_EQ(static_cast<unsigned char>(d[31]), 0xad);
  EXPECT_EQ(Sha384("abc").size(), 48u);
  EXPECT_EQ(Sha512("abc").size(), 64u);
}

}  // namespace
}  // namespace vouch::signer
