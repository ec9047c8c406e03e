// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/ed25519ph.h"

#include <memory>
#include <random>
#include <string>

#include <openssl/bn.h>
#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string H(absl::string_view hex) { return absl::HexStringToBytes(hex); }

struct Vector {
  const char* pk;
  const char* msg;
  const char* sig;
};

// RFC 8032 section 7.3 (the "abc" vector) and further published Ed25519ph vectors (empty
// context), as used by the RustCrypto/sp1 ed25519 tests.
constexpr Vector kPh[] = {
    {"ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", "616263",
     "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062"
     "adf5aaa10b8c61e636062aaad11c2a26083406"},
    {"6c6193110409068064bc7986acbc3c96449dfe32891e6c2fb3fc33ad7655ba0b",
     "4023e5edbfde97998cea65ee971c8cb24526596044f1216fa2c0d8c8ec8df95ef237bdd314022a2780dd09b9dc"
     "b8ba1df76d6ac7f0d7bf4374ef6405979dad73490d2b363545a2c0f5eddb965705a565f44a371d5cf58004d683"
     "4e0271c5e674",
     "5ac8ece6e00341bb1bc10403837f2f59fc0a3cbcd352e9101dccb5af2ad41da9199758ad606679bd2dc4af5a1d"
     "89c73c36365ae5455b725c6a2cea8d06399501"},
    {"a166560aa0d208bf06c93a2a7f64748e503def9407ca8ee81687d7e6ee21efa7",
     "62dba7573793c7fa9908c4feb690c0b61b136d5c744b69b343a61bdc",
     "c4bd72c7935dc4d3784abfcb7f20124429b73925d01ec48673bd37ab26c2cc159089ade51df1eb7ce175abf43a"
     "fd6c23c7bb39ad2d6476acb3a04ce7339f2e0f"},
    {"83a53511df806437a5c3e72c1fd43d448e217da4cc789d817fa2b12d9628128b",
     "96d3dd0d9df5160827ad62c96dc04ff1621e50b3c7a2bcba53e6e2c83b6939",
     "5f6d536c7cb27391f7a274fd7f72e258b49f511476e5a0cd562c3f52a050694734c7251434bde23fe14977094a"
     "482fe5ff14a237fc24804cab5e595916240401"},
};

TEST(Ed25519ph, VerifiesPublishedVectorsAndRejectsAlterations) {
  for (const Vector& v : kPh) {
    SCOPED_TRACE(v.pk);
    const std::string pk = H(v.pk), sig = H(v.sig), digest = signer::Sha512(H(v.msg));
    EXPECT_THAT(VerifyEd25519(pk, digest, sig, /*prehashed=*/true), IsOk());
    // Not a pure Ed25519 signature over the digest or the message.
    EXPECT_THAT(VerifyEd25519(pk, digest, sig, false),
                StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_THAT(VerifyEd25519(pk, H(v.msg), sig, false),
                StatusIs(absl::StatusCode::kPermissionDenied));
    std::string other = digest;
    other[0] ^= 1;
    EXPECT_THAT(VerifyEd25519(pk, other, sig, true), StatusIs(absl::StatusCode::kPermissionDenied));
    for (size_t i : {size_t{0}, size_t{31}, size_t{32}, size_t{63}}) {
      std::string bad = sig;
      bad[i] ^= 0x04;
      EXPECT_FALSE(VerifyEd25519(pk, digest, bad, true).ok()) << i;
    }
    EXPECT_THAT(VerifyEd25519(pk, digest.substr(1), sig, true),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("digest length")));
  }
}

// RFC 8032 section 7.1, TEST 1 (pure Ed25519, empty message).
TEST(Ed25519ph, PureRfcVector) {
  EXPECT_THAT(
      VerifyEd25519(H("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"), "",
                    H("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e0652249015"
                      "55fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
                    false),
      IsOk());
}

// The group arithmetic agrees with OpenSSL's Ed25519 on random keys and messages.
TEST(Ed25519ph, PureModeAgreesWithOpenSsl) {
  std::mt19937 rng(8032);
  for (int i = 0; i < 24; ++i) {
    auto signer = signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
    ASSERT_THAT(signer, IsOk());
    std::string msg(rng() % 200, '\0');
    for (char& c : msg) c = static_cast<char>(rng());
    auto sig = (*signer)->Sign(msg);
    ASSERT_THAT(sig, IsOk());
    auto v = Ed25519Verifier::FromDer((*signer)->PublicKeyDer());
    ASSERT_THAT(v, IsOk());
    EXPECT_THAT((*v)->Verify(msg, *sig), IsOk());
    std::string bad = *sig;
    bad[rng() % 64] ^= static_cast<char>(1 << (rng() % 8));
    EXPECT_FALSE((*v)->Verify(msg, bad).ok());
    EXPECT_THAT((*v)->Verify(msg + "x", *sig), StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

TEST(Ed25519ph, RejectsMalleableAndMalformedInput) {
  const Vector& v = kPh[0];
  const std::string pk = H(v.pk), sig = H(v.sig), digest = signer::Sha512("abc");
  // S + L is the same scalar but not canonical: refused (RFC 8032 requires S < L).
  BIGNUM* s = BN_lebin2bn(reinterpret_cast<const unsigned char*>(sig.data()) + 32, 32, nullptr);
  BIGNUM* l = BN_new();
  BN_set_bit(l, 252);
  BIGNUM* c = nullptr;
  BN_dec2bn(&c, "27742317777372353535851937790883648493");
  BN_add(l, l, c);
  BN_add(s, s, l);
  std::string malleable = sig;
  BN_bn2lebinpad(s, reinterpret_cast<unsigned char*>(malleable.data()) + 32, 32);
  BN_free(s);
  BN_free(l);
  BN_free(c);
  EXPECT_THAT(VerifyEd25519(pk, digest, malleable, true),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // y >= p is not a point encoding.
  EXPECT_THAT(VerifyEd25519(std::string(32, '\xff'), digest, sig, true),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("public key")));
  EXPECT_THAT(VerifyEd25519(pk.substr(1), digest, sig, true),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyEd25519(pk, digest, sig.substr(1), true),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Ed25519Verifier::FromDer("short"), StatusIs(absl::StatusCode::kInvalidArgument));
  auto ver = Ed25519Verifier::FromDer(H("302a300506032b6570032100") + pk);
  ASSERT_THAT(ver, IsOk());
  EXPECT_THAT((*ver)->VerifyDigest(signer::HashAlgorithm::kSha512, digest, sig), IsOk());
  EXPECT_THAT((*ver)->VerifyDigest(signer::HashAlgorithm::kSha256, digest.substr(0, 32), sig),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::log
