// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/jwt.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(Jwt, JwkRoundTripsEveryKeyType) {
  for (KeyType t : {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEcdsaP521,
                    KeyType::kEd25519, KeyType::kRsaPkcs1}) {
    auto key = OpenSslSigner::Generate(t);
    ASSERT_THAT(key, IsOk());
    auto jwk = PublicKeyToJwk((*key)->PublicKeyDer(), "kid1");
    ASSERT_THAT(jwk, IsOk()) << KeyTypeName(t);
    auto der = JwkToPublicKeyDer(*jwk);
    ASSERT_THAT(der, IsOk()) << *jwk;
    EXPECT_EQ(*der, (*key)->PublicKeyDer()) << KeyTypeName(t);
  }
}

TEST(Jwt, RefusesPrivateAndUnknownJwks) {
  EXPECT_THAT(JwkToPublicKeyDer(R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA","d":"AA"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("private")));
  EXPECT_THAT(JwkToPublicKeyDer(R"({"kty":"oct","k":"AA"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kty")));
  EXPECT_THAT(JwkToPublicKeyDer(R"({"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("curve")));
  EXPECT_THAT(JwkToPublicKeyDer("[1"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Jwt, SignsAndSplits) {
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto token = SignJws(*key, "k", R"({"sub":"x"})");
  ASSERT_THAT(token, IsOk());
  auto parts = SplitJws(*token);
  ASSERT_THAT(parts, IsOk());
  EXPECT_EQ(parts->payload_json, R"({"sub":"x"})");
  EXPECT_EQ(parts->signature.size(), 64u);
  auto header = nlohmann::json::parse(parts->header_json);
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], "k");
  auto der = EcdsaRawToDer(parts->signature);
  ASSERT_THAT(der, IsOk());
  EXPECT_THAT(key->Sign("x"), IsOk());
  auto verifier = *OpenSslVerifier::FromDer(key->PublicKeyDer());
  EXPECT_THAT(verifier->Verify(parts->signing_input, *der), IsOk());
  EXPECT_THAT(SplitJws("a.b"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SplitJws("a.b.c!"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::signer
