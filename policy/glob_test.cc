// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/glob.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::policy {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

bool M(const char* glob, const char* s) {
  auto g = Glob::New(glob);
  EXPECT_THAT(g, IsOk()) << glob;
  return g.ok() && g->Matches(s);
}

TEST(Glob, StarStaysInASegmentDoubleStarCrossesThem) {
  EXPECT_TRUE(M("registry.example.com/app/*", "registry.example.com/app/web"));
  EXPECT_FALSE(M("registry.example.com/app/*", "registry.example.com/app/web/v2"));
  EXPECT_TRUE(M("registry.example.com/app/**", "registry.example.com/app/web/v2"));
  EXPECT_TRUE(M("registry.example.com/**", "registry.example.com/a"));
  EXPECT_FALSE(M("registry.example.com/**", "registry.example.comX/a"));
  EXPECT_TRUE(M("*.example.com/app", "eu.example.com/app"));
  EXPECT_TRUE(M("registry.example.com/ap?", "registry.example.com/app"));
  EXPECT_FALSE(M("registry.example.com/ap?", "registry.example.com/ap/"));
  // Everything else is literal, regular-expression characters included.
  EXPECT_FALSE(M("registry.example.com/a.p", "registry.example.com/axp"));
  EXPECT_TRUE(M("registry.example.com/a+(b)", "registry.example.com/a+(b)"));
  EXPECT_TRUE(M("**", "anything/at/all"));
}

TEST(Glob, RefusesEmptyAndWhitespace) {
  EXPECT_THAT(Glob::New(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Glob::New("a b"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whitespace")));
  EXPECT_THAT(Glob::New(std::string(2000, 'a')), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ImageName, NormalizesDockerHubAndSplitsTagAndDigest) {
  auto n = ParseImageName("nginx");
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->Name(), "index.docker.io/library/nginx");
  n = ParseImageName("docker.io/org/app:1.2");
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->Name(), "index.docker.io/org/app");
  EXPECT_EQ(n->tag, "1.2");
  const std::string d = "sha256:" + std::string(64, 'a');
  n = ParseImageName("localhost:5000/team/app:v1@" + d);
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->registry, "localhost:5000");
  EXPECT_EQ(n->repository, "team/app");
  EXPECT_EQ(n->tag, "v1");
  EXPECT_EQ(n->digest, d);
  EXPECT_EQ(n->Reference(), "localhost:5000/team/app:v1@" + d);
  n = ParseImageName("oci:/tmp/layout:v1");
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->registry, "oci");
  EXPECT_EQ(n->repository, "/tmp/layout");
  EXPECT_EQ(n->tag, "v1");
  // A layout by digest: "sha256:" is not a tag (it was: repository "/tmp/layout@sha256").
  n = ParseImageName("oci:/tmp/layout@" + d);
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->repository, "/tmp/layout");
  EXPECT_EQ(n->tag, "");
  EXPECT_EQ(n->digest, d);
  n = ParseImageName("oci:/tmp/lay:out/dir:v2@" + d);
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->repository, "/tmp/lay:out/dir");
  EXPECT_EQ(n->tag, "v2");
  EXPECT_EQ(n->digest, d);
  n = ParseImageName("oci:rel");
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(n->repository, "rel");
  EXPECT_EQ(n->tag, "");
  EXPECT_THAT(ParseImageName("oci:/tmp/layout@sha256:abc"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ImageName, RefusesMalformedReferences) {
  for (const char* bad : {"", "UPPER/case", "a//b", "host:5000/", "app@sha256:abc",
                          "app@sha256:"
                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                          "app:", "app:bad/tag", "a b"}) {
    EXPECT_THAT(ParseImageName(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(GlobMatchesImage, RepositoryUnlessTheGlobNamesATagOrDigest) {
  auto img = ParseImageName("registry.example.com/app/web:1.0");
  ASSERT_THAT(img, IsOk());
  auto g = Glob::New("registry.example.com/app/*");
  ASSERT_THAT(g, IsOk());
  EXPECT_TRUE(GlobMatchesImage(*g, *img));
  auto tagged = Glob::New("registry.example.com/app/web:1.*");
  ASSERT_THAT(tagged, IsOk());
  EXPECT_TRUE(GlobMatchesImage(*tagged, *img));
  auto other = Glob::New("registry.example.com/app/web:2.*");
  ASSERT_THAT(other, IsOk());
  EXPECT_FALSE(GlobMatchesImage(*other, *img));
}

}  // namespace
}  // namespace vouch::policy
