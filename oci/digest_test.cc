// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/digest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(Digest, ParsesAndPrintsSha256AndSha512) {
  const std::string hex(64, 'a');
  auto d = Digest::Parse("sha256:" + hex);
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(d->algorithm(), "sha256");
  EXPECT_EQ(d->ToString(), "sha256:" + hex);
  EXPECT_EQ(d->TagName(), "sha256-" + hex);
  EXPECT_THAT(Digest::Parse("sha512:" + std::string(128, '0')).status(), IsOk());
  EXPECT_EQ(Digest::Sha256("{}").ToString(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(Digest, RefusesMalformedDigests) {
  const std::string hex(64, 'a');
  for (const std::string& bad :
       {std::string(""), hex, "sha256:" + hex.substr(1), "sha256:" + std::string(64, 'A'),
        "sha256:" + std::string(63, 'a') + "g", "md5:" + std::string(32, 'a'), "SHA256:" + hex,
        "sha256+:" + hex, ":" + hex, "sha256:" + hex + "a"}) {
    EXPECT_THAT(Digest::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(Digest::Parse("md5:" + std::string(32, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported algorithm")));
}

TEST(DigestVerifier, NamesBothDigestsOnMismatch) {
  DigestVerifier good(Digest::Sha256("hello world"));
  good.Update("hello ");
  good.Update("world");
  EXPECT_THAT(good.Finish("blob"), IsOk());
  DigestVerifier bad(Digest::Sha256("hello world"));
  bad.Update("hello there");
  EXPECT_THAT(
      bad.Finish("blob x"),
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr("blob x"), HasSubstr(Digest::Sha256("hello there").ToString()),
                     HasSubstr(Digest::Sha256("hello world").ToString()))));
}

}  // namespace
}  // namespace vouch::oci
