// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/manifest.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oci/media_types.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

const std::string kD = "sha256:" + std::string(64, 'a');

TEST(Manifest, RoundTripsAnImageManifest) {
  ImageManifest m;
  m.media_type = kOciManifest;
  m.artifact_type = kSigstoreBundleV03;
  m.config = DescriptorOf(kOciEmpty, kEmptyJson);
  m.layers = {DescriptorOf(kSigstoreBundleV03, "{\"a\":1}")};
  m.subject = DescriptorOf(kOciManifest, "x");
  m.annotations["k"] = "v";
  const std::string bytes = m.Serialize();
  EXPECT_EQ(bytes.substr(0, 79),
            R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","ar)");
  auto parsed = ParseImageManifest(bytes);
  ASSERT_THAT(parsed.status(), IsOk());
  EXPECT_EQ(parsed->Serialize(), bytes);
  EXPECT_THAT(DetectManifestKind(bytes, ""), IsOk());
}

TEST(Manifest, RefusesHostileInputNamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[]", "not a JSON object"},
      {"{", "not JSON"},
      {R"({"schemaVersion":1,"config":{}})", "schemaVersion"},
      {R"({"schemaVersion":2})", "manifest.config"},
      {R"({"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:zz","size":1}})",
       "manifest.config.digest"},
      {R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kD + R"(","size":-1}})",
       "manifest.config.size"},
      {R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + kD +
           R"(","size":1},"layers":[{"mediaType":"x","digest":")" + kD +
           R"(","size":1,"annotations":{"a":1}}]})",
       "manifest.layers[0].annotations"},
      {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","config":{}})",
       "manifest.mediaType"},
  };
  for (const auto& [bytes, field] : cases) {
    EXPECT_THAT(ParseImageManifest(bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(field)))
        << bytes;
  }
  // Deep nesting is just malformed, not a crash.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(ParseImageManifest(deep), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Index, LimitsFanOut) {
  ImageIndex x;
  x.media_type = kOciIndex;
  for (int i = 0; i < 5; ++i) x.manifests.push_back(DescriptorOf(kOciManifest, std::to_string(i)));
  EXPECT_THAT(ParseImageIndex(x.Serialize(), ParseLimits{5}).status(), IsOk());
  EXPECT_THAT(ParseImageIndex(x.Serialize(), ParseLimits{4}),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("5 entries")));
  EXPECT_THAT(ParseImageIndex(R"({"schemaVersion":2})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("index.manifests")));
}

TEST(Manifest, DetectsKinds) {
  EXPECT_THAT(DetectManifestKind("", kOciIndex), IsOk());
  EXPECT_EQ(*DetectManifestKind(R"({"manifests":[]})", ""), ManifestKind::kIndex);
  EXPECT_EQ(*DetectManifestKind("{}", "application/vnd.oci.image.manifest.v1+json; x=y"),
            ManifestKind::kImage);
  EXPECT_THAT(DetectManifestKind(R"({"schemaVersion":1,"fsLayers":[]})", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schema 1")));
}

}  // namespace
}  // namespace vouch::oci
