// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/hash.h"

#include <openssl/sha.h>

#include <cctype>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(Hash, EmptyRootIsSha256OfNothing) {
  EXPECT_EQ(HashToHex(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Hash, LeafHashOfEmptyLeaf) {
  // RFC 6962 test vector: the root of the tree with the single empty leaf.
  EXPECT_EQ(HashToHex(HashLeaf("")),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
}

TEST(Hash, LeafHashIsSha256OfPrefixedData) {
  // Leaves on both sides of HashLeaf's stack-buffer threshold.
  for (size_t n : {0, 1, 1022, 1023, 1024, 1025, 100000}) {
    const std::string data(n, 'a');
    const std::string prefixed = std::string(1, '\0') + data;
    Hash want;
    SHA256(reinterpret_cast<const uint8_t*>(prefixed.data()), prefixed.size(), want.data());
    EXPECT_EQ(HashLeaf(data), want) << n;
  }
}

TEST(Hash, ChildrenHashKnownVector) {
  // RFC 6962 test vector: root of the two-leaf tree {"", "\x00"}.
  const Hash l = HashLeaf("");
  const Hash r = HashLeaf(std::string(1, '\0'));
  EXPECT_EQ(HashToHex(HashChildren(l, r)),
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
}

TEST(Hash, DomainSeparation) {
  // A leaf whose contents look like two child hashes does not collide with the interior node.
  const Hash l = HashLeaf("l");
  const Hash r = HashLeaf("r");
  EXPECT_NE(HashLeaf(HashBytes(l) + HashBytes(r)), HashChildren(l, r));
}

TEST(Hash, BytesRoundTrip) {
  const Hash h = HashLeaf("x");
  const std::string raw = HashBytes(h);
  ASSERT_EQ(raw.size(), 32u);
  absl::StatusOr<Hash> back = HashFromBytes(raw);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, h);
}

TEST(Hash, RejectsWrongLength) {
  EXPECT_THAT(HashFromBytes(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hash has 0 bytes, want 32")));
  EXPECT_THAT(HashFromBytes(std::string(31, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HashFromBytes(std::string(33, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Hash, HexRoundTrip) {
  const Hash h = HashLeaf("y");
  absl::StatusOr<Hash> back = HashFromHex(HashToHex(h));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, h);
  std::string upper = HashToHex(h);
  for (char& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_THAT(HashFromHex(upper), IsOk());
}

TEST(Hash, RejectsBadHex) {
  EXPECT_THAT(HashFromHex("00"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HashFromHex(std::string(64, 'g')), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HashFromHex(std::string(65, '0')), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::log
