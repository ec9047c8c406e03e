// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/keys.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::tuf {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::StatusIs;

TEST(Keys, KeyidOfThePublicGoodNpmDelegationKey) {
  // sigstore/root-signing targets.json v8 lists this key under keyid a89d235e...: the keyid is
  // SHA-256 over the canonical JSON of the whole key object (newlines in the PEM written raw).
  nlohmann::json key = {{"keytype", "ecdsa-sha2-nistp256"},
                        {"scheme", "ecdsa-sha2-nistp256"},
                        {"keyid_hash_algorithms", {"sha256", "sha512"}},
                        {"keyval",
                         {{"public",
                           "-----BEGIN PUBLIC KEY-----\n"
                           "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEoLrh0jmOfHWLwsyo/4oGbldF91WV\n"
                           "fXvxVlDhW8fZwP/3vTnliBkDp5sH8/Dpm1SBOHkqENVt1+4Un/sFtl2zAQ==\n"
                           "-----END PUBLIC KEY-----\n"}}}};
  auto k = PublicKey::FromJson(key);
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->keyid(), "a89d235ee2f298d757438c7473b11b0b7b42ff1a45f1dfaac4c014183d6f8c45");
  EXPECT_TRUE(k->usable()) << k->unusable_reason();
}

TEST(Keys, SignAndVerifyEcdsaAndEd25519) {
  for (signer::KeyType type : {signer::KeyType::kEcdsaP256, signer::KeyType::kEd25519}) {
    auto key = PrivateKey::Generate(type);
    ASSERT_TRUE(key.ok());
    const PublicKey& pub = (*key)->public_key();
    EXPECT_EQ(pub.scheme(), type == signer::KeyType::kEd25519 ? "ed25519" : "ecdsa-sha2-nistp256");
    auto sig = (*key)->SignHex("message");
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(pub.Verify("message", *sig).ok());
    EXPECT_THAT(pub.Verify("massage", *sig), StatusIs(absl::StatusCode::kPermissionDenied));
    EXPECT_THAT(pub.Verify("message", "zz"), StatusIs(absl::StatusCode::kInvalidArgument));
    // The metadata form round-trips to the same keyid.
    auto again = PublicKey::FromJson(pub.json());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->keyid(), pub.keyid());
    // And the PEM of the private key gives the same public key.
    auto from_pem = PublicKey::FromPem((*key)->PrivateKeyPem());
    ASSERT_TRUE(from_pem.ok());
    EXPECT_EQ(from_pem->keyid(), pub.keyid());
  }
}

TEST(Keys, UnsupportedOrMismatchedKeysParseButVerifyNothing) {
  auto ed = PrivateKey::Generate(signer::KeyType::kEd25519);
  ASSERT_TRUE(ed.ok());
  nlohmann::json j = (*ed)->public_key().json();
  j["scheme"] = "rsassa-pss-sha256";
  auto k = PublicKey::FromJson(j);
  ASSERT_TRUE(k.ok());
  EXPECT_FALSE(k->usable());
  EXPECT_THAT(k->Verify("m", "00"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("unsupported scheme")));
  // An Ed25519 value under an ECDSA scheme.
  j["scheme"] = "ecdsa-sha2-nistp256";
  j["keytype"] = "ecdsa";
  EXPECT_FALSE(PublicKey::FromJson(j)->usable());
  // Missing members are errors.
  EXPECT_THAT(PublicKey::FromJson({{"keytype", "ed25519"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scheme")));
  EXPECT_THAT(PublicKey::FromJson({{"keytype", "ed25519"}, {"scheme", "ed25519"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("keyval.public")));
  EXPECT_THAT(PrivateKey::Generate(signer::KeyType::kEcdsaP384),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::tuf
