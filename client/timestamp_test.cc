// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/timestamp.h"

#include <memory>

#include "client/fake_sigstore.h"
#include "client/trust_root.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class TimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto root = TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<TrustRoot>(*std::move(root));
  }
  std::unique_ptr<FakeSigstore> fake_;
  std::unique_ptr<TrustRoot> root_;
  const absl::Time when_ = absl::FromUnixSeconds(1700000000);
};

TEST_F(TimestampTest, VerifiesAndReturnsGenTime) {
  auto ts = fake_->Timestamp("signature bytes", when_);
  ASSERT_THAT(ts, IsOk());
  auto t = VerifyRfc3161Timestamp(*ts, "signature bytes", root_->timestamp_authorities());
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(*t, when_);
}

TEST_F(TimestampTest, RejectsOtherData) {
  auto ts = fake_->Timestamp("signature bytes", when_);
  ASSERT_THAT(ts, IsOk());
  EXPECT_THAT(VerifyRfc3161Timestamp(*ts, "other bytes", root_->timestamp_authorities()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("imprint")));
}

TEST_F(TimestampTest, RejectsUntrustedTsaAndWindow) {
  auto other = FakeSigstore::New();
  ASSERT_THAT(other, IsOk());
  auto ts = (*other)->Timestamp("sig", when_);
  ASSERT_THAT(ts, IsOk());
  EXPECT_THAT(VerifyRfc3161Timestamp(*ts, "sig", root_->timestamp_authorities()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  auto mine = fake_->Timestamp("sig", when_);
  std::vector<TrustedChain> tsas = root_->timestamp_authorities();
  tsas[0].valid_until = when_;  // inclusive
  EXPECT_THAT(VerifyRfc3161Timestamp(*mine, "sig", tsas), IsOk());
  tsas[0].valid_until = when_ - absl::Seconds(1);
  EXPECT_THAT(VerifyRfc3161Timestamp(*mine, "sig", tsas),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("outside the validity")));
  EXPECT_THAT(VerifyRfc3161Timestamp(*mine, "sig", {}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(TimestampTest, RejectsTimeOutsideTsaCertificate) {
  auto ts = fake_->Timestamp("sig", absl::FromUnixSeconds(1900000000));  // after 2030
  ASSERT_THAT(ts, IsOk());
  EXPECT_THAT(VerifyRfc3161Timestamp(*ts, "sig", root_->timestamp_authorities()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(Timestamp, RejectsGarbage) {
  EXPECT_THAT(VerifyRfc3161Timestamp("not DER", "x", {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::client
