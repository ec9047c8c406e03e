// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/bundle.h"

#include <functional>

#include "client/fake_sigstore.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using BundleProto = dev::sigstore::bundle::v1::Bundle;

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
  }
  BundleProto Make(const FakeBundleOptions& o = {}) { return *fake_->MakeBundle("data", o); }
  std::unique_ptr<FakeSigstore> fake_;
};

TEST_F(BundleTest, RoundTripsThroughJson) {
  FakeBundleOptions o;
  o.dsse = true;
  auto json = fake_->MakeBundleJson("data", o);
  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json, HasSubstr("\"dsseEnvelope\""));
  EXPECT_THAT(*json, HasSubstr("\"tlogEntries\""));
  auto b = ParseBundle(*json);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->minor_version, 3);
  EXPECT_TRUE(b->is_dsse());
  EXPECT_TRUE(b->has_certificate());
  EXPECT_FALSE(b->signature().empty());
}

TEST_F(BundleTest, ReadsEveryMediaType) {
  const std::pair<const char*, int> types[] = {{kBundleMediaTypeV01, 1},
                                               {kBundleMediaTypeV02, 2},
                                               {kBundleMediaTypeV03, 3},
                                               {kBundleMediaTypeV03New, 3}};
  for (const auto& [mt, minor] : types) {
    FakeBundleOptions o;
    o.media_type = mt;
    auto b = ParseBundle(*BundleToJson(Make(o)));
    ASSERT_THAT(b, IsOk()) << mt;
    EXPECT_EQ(b->minor_version, minor);
  }
}

TEST_F(BundleTest, RejectsMalformedBundles) {
  const struct {
    const char* name;
    std::function<void(BundleProto*)> mutate;
    const char* why;
  } cases[] = {
      {"media type",
       [](BundleProto* b) {
         b->set_media_type("application/vnd.dev.sigstore.bundle+json;version=9");
       },
       "unsupported media type"},
      {"no content", [](BundleProto* b) { b->clear_message_signature(); }, "no messageSignature"},
      {"no tlog", [](BundleProto* b) { b->mutable_verification_material()->clear_tlog_entries(); },
       "no transparency log entries"},
      {"negative index",
       [](BundleProto* b) {
         b->mutable_verification_material()->mutable_tlog_entries(0)->set_log_index(-1);
       },
       "negative logIndex"},
      {"no proof",
       [](BundleProto* b) {
         b->mutable_verification_material()->mutable_tlog_entries(0)->clear_inclusion_proof();
       },
       "no inclusion proof"},
      {"no checkpoint",
       [](BundleProto* b) {
         b->mutable_verification_material()
             ->mutable_tlog_entries(0)
             ->mutable_inclusion_proof()
             ->clear_checkpoint();
       },
       "no checkpoint"},
      {"chain in v0.3",
       [](BundleProto* b) {
         b->mutable_verification_material()
             ->mutable_x509_certificate_chain()
             ->add_certificates()
             ->set_raw_bytes("x");
       },
       "not a chain"},
      {"no material",
       [](BundleProto* b) { b->mutable_verification_material()->clear_certificate(); },
       "no certificate or public key"},
  };
  for (const auto& c : cases) {
    BundleProto b = Make();
    c.mutate(&b);
    EXPECT_THAT(ParseBundle(*BundleToJson(b)),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.why)))
        << c.name;
  }
}

TEST_F(BundleTest, V01NeedsPromiseAndEmptyChainIsRejected) {
  FakeBundleOptions o;
  o.media_type = kBundleMediaTypeV01;
  BundleProto b = Make(o);
  b.mutable_verification_material()->mutable_tlog_entries(0)->clear_inclusion_proof();
  EXPECT_THAT(ParseBundle(*BundleToJson(b)), IsOk());  // v0.1: the SET alone is enough
  b.mutable_verification_material()->mutable_tlog_entries(0)->clear_inclusion_promise();
  EXPECT_THAT(ParseBundle(*BundleToJson(b)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("without inclusion promise")));
  b = Make(o);
  b.mutable_verification_material()->mutable_x509_certificate_chain()->clear_certificates();
  EXPECT_THAT(ParseBundle(*BundleToJson(b)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty certificate chain")));
}

TEST(ParseBundle, RejectsBadJsonAndBase64) {
  EXPECT_THAT(ParseBundle("{\"mediaType\": "),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed JSON")));
  EXPECT_THAT(ParseBundle(R"({"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
                              "messageSignature":{"signature":"!!!not base64!!!"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed JSON")));
}

}  // namespace
}  // namespace vouch::client
