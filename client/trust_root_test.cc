// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/trust_root.h"

#include "absl/strings/str_cat.h"
#include "client/fake_sigstore.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string ToJson(const dev::sigstore::trustroot::v1::TrustedRoot& tr) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(tr, &out);
  return out;
}

TEST(TrustRoot, ReadsLogsAndAuthorities) {
  auto fake = FakeSigstore::New();
  ASSERT_THAT(fake, IsOk());
  auto root = TrustRoot::FromJson((*fake)->TrustedRootJson());
  ASSERT_THAT(root, IsOk());
  ASSERT_EQ(root->tlogs().size(), 1u);
  EXPECT_EQ(root->tlogs()[0].Host(), "log.vouch.test");
  EXPECT_NE(root->tlogs()[0].verifier, nullptr);
  EXPECT_EQ(root->tlogs()[0].valid_until, absl::InfiniteFuture());
  EXPECT_EQ(root->FindLog((*fake)->log_id()), &root->tlogs()[0]);
  EXPECT_EQ(root->FindLog("nope"), nullptr);
  ASSERT_EQ(root->certificate_authorities().size(), 1u);
  EXPECT_EQ(root->certificate_authorities()[0].certificates.size(), 2u);
  EXPECT_TRUE(root->ctlogs().empty());
  ASSERT_EQ(root->timestamp_authorities().size(), 1u);
  EXPECT_EQ(root->timestamp_authorities()[0].certificates.size(), 2u);
}

TEST(TrustRoot, IgnoresUnknownFieldsAndAcceptsKnownMediaTypes) {
  EXPECT_THAT(
      TrustRoot::FromJson(
          R"({"mediaType":"application/vnd.dev.sigstore.trustedroot.v0.2+json","future":1})"),
      IsOk());
  for (const char* mt : {"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
                         "application/vnd.dev.sigstore.trustedroot.v0.1+json",
                         "application/vnd.dev.sigstore.trustedroot+json;version=0.2"}) {
    EXPECT_THAT(TrustRoot::FromJson(absl::StrCat(R"({"mediaType":")", mt, R"("})")), IsOk()) << mt;
  }
  EXPECT_THAT(TrustRoot::FromJson(
                  R"({"mediaType":"application/vnd.dev.sigstore.trustedroot+json;version=9"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown media type")));
  EXPECT_THAT(TrustRoot::FromJson("{"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TrustRoot, ReadsClientTrustConfig) {
  auto fake = FakeSigstore::New();
  ASSERT_THAT(fake, IsOk());
  dev::sigstore::trustroot::v1::ClientTrustConfig config;
  config.set_media_type("application/vnd.dev.sigstore.clienttrustconfig.v0.1+json");
  *config.mutable_trusted_root() = (*fake)->trusted_root();
  config.mutable_signing_config()->set_media_type(
      "application/vnd.dev.sigstore.signingconfig.v0.2+json");
  config.mutable_signing_config()->add_ca_urls()->set_url("https://ca.vouch.test");
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(config, &json);
  auto root = TrustRoot::FromJson(json);
  ASSERT_THAT(root, IsOk());
  EXPECT_EQ(root->tlogs().size(), 1u);
  EXPECT_EQ(root->certificate_authorities().size(), 1u);
  EXPECT_THAT(TrustRoot::FromJson(
                  R"({"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no trustedRoot")));
}

TEST(TrustRoot, RejectsWindowWithoutStart) {
  auto fake = FakeSigstore::New();
  ASSERT_THAT(fake, IsOk());
  auto tr = (*fake)->trusted_root();
  tr.mutable_tlogs(0)->mutable_public_key()->mutable_valid_for()->clear_start();
  EXPECT_THAT(TrustRoot::FromJson(ToJson(tr)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("validFor has no start")));
  tr = (*fake)->trusted_root();
  tr.mutable_certificate_authorities(0)->clear_valid_for();
  EXPECT_THAT(TrustRoot::FromJson(ToJson(tr)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("validFor has no start")));
}

TEST(TrustRoot, RejectsUndecodableCertificate) {
  auto fake = FakeSigstore::New();
  ASSERT_THAT(fake, IsOk());
  auto tr = (*fake)->trusted_root();
  tr.mutable_certificate_authorities(0)
      ->mutable_cert_chain()
      ->mutable_certificates(0)
      ->set_raw_bytes("junk");
  EXPECT_THAT(TrustRoot::FromJson(ToJson(tr)), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TrustRootFile, NamesMissingFile) {
  EXPECT_THAT(TrustRoot::FromFile("/nonexistent/vouch"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/vouch")));
}

}  // namespace
}  // namespace vouch::client
