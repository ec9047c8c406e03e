// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/reference.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

struct Case {
  std::string in, registry, repository, tag;
};

TEST(Reference, ParsesWithDockerHubDefaults) {
  const std::string hex(64, 'b');
  for (const Case& c : std::vector<Case>{
           {"alpine", "docker.io", "library/alpine", ""},
           {"alpine:3.19", "docker.io", "library/alpine", "3.19"},
           {"acme/app:v1", "docker.io", "acme/app", "v1"},
           {"index.docker.io/library/alpine", "docker.io", "library/alpine", ""},
           {"ghcr.io/acme/app/sub:tag_1.0-x", "ghcr.io", "acme/app/sub", "tag_1.0-x"},
           {"127.0.0.1:5000/test/app:v1", "127.0.0.1:5000", "test/app", "v1"},
           {"localhost/app", "localhost", "app", ""},
           {"[::1]:5000/app:v2", "[::1]:5000", "app", "v2"},
           {"Registry.Example.com/a__b.c--d/e", "Registry.Example.com", "a__b.c--d/e", ""}}) {
    auto r = Reference::Parse(c.in);
    ASSERT_THAT(r.status(), IsOk()) << c.in;
    EXPECT_EQ(r->registry, c.registry) << c.in;
    EXPECT_EQ(r->repository, c.repository) << c.in;
    EXPECT_EQ(r->tag, c.tag) << c.in;
  }
  auto hub = Reference::Parse("alpine");
  EXPECT_EQ(hub->ApiHost(), "registry-1.docker.io");
  EXPECT_EQ(hub->Identifier(), "latest");
  auto pinned = Reference::Parse("127.0.0.1:5000/app:v1@sha256:" + hex);
  ASSERT_THAT(pinned.status(), IsOk());
  EXPECT_EQ(pinned->Identifier(), "sha256:" + hex);
  EXPECT_EQ(pinned->ToString(), "127.0.0.1:5000/app:v1@sha256:" + hex);
  EXPECT_EQ(pinned->Name(), "127.0.0.1:5000/app");
}

TEST(Reference, RefusesWhatDistributionRefuses) {
  for (const std::string& bad :
       {std::string(""), std::string("Acme/App"), std::string("ghcr.io/Acme/app"),
        std::string("app:"), std::string("app:-tag"), std::string("app:" + std::string(129, 'a')),
        std::string("a//b"), std::string("a/-b"), std::string("a/b_"), std::string("a/b___c"),
        std::string("app@sha256:abc"), std::string("ex ample.com/app"), std::string("host:/app"),
        std::string("ghcr.io/" + std::string(250, 'a'))}) {
    EXPECT_THAT(Reference::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
  EXPECT_THAT(Reference::Parse("ghcr.io/Acme/app"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must be lowercase")));
}

TEST(LayoutReference, ParsesOciDirectories) {
  auto plain = LayoutReference::Parse("oci:/tmp/layout");
  ASSERT_THAT(plain.status(), IsOk());
  EXPECT_EQ(plain->path, "/tmp/layout");
  EXPECT_EQ(plain->tag, "");
  auto tagged = LayoutReference::Parse("oci:out/img:v1.2");
  ASSERT_THAT(tagged.status(), IsOk());
  EXPECT_EQ(tagged->path, "out/img");
  EXPECT_EQ(tagged->tag, "v1.2");
  auto pinned = LayoutReference::Parse("oci:dir@sha256:" + std::string(64, 'c'));
  ASSERT_THAT(pinned.status(), IsOk());
  EXPECT_TRUE(pinned->digest.has_value());
  EXPECT_THAT(LayoutReference::Parse("oci:"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LayoutReference::Parse("oci:dir:bad tag"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(LayoutReference::Parse("docker://x"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::oci
