// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/sign/statement.h"

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string TempFile(const std::string& name, const std::string& content) {
  const char* dir = std::getenv("TEST_TMPDIR");
  std::string path = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

constexpr char kHelloSha256[] = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

TEST(Statement, Sha256OfFile) {
  EXPECT_EQ(*Sha256FileHex(TempFile("hello", "hello")), kHelloSha256);
  // Larger than one read chunk.
  const std::string big(200000, 'x');
  auto hex = Sha256FileHex(TempFile("big", big));
  ASSERT_THAT(hex, IsOk());
  EXPECT_EQ(hex->size(), 64u);
  EXPECT_THAT(Sha256FileHex("/nonexistent/file"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/file")));
}

TEST(Statement, InTotoStatementV1) {
  auto subject = SubjectForFile(TempFile("a.txt", "hello"));
  ASSERT_THAT(subject, IsOk());
  auto text = MakeStatement({*subject}, "https://example.com/p/v1", R"({"k":[1,2]})");
  ASSERT_THAT(text, IsOk());
  json st = json::parse(*text);
  EXPECT_EQ(st["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(st["predicateType"], "https://example.com/p/v1");
  EXPECT_EQ(st["predicate"], json::parse(R"({"k":[1,2]})"));
  ASSERT_EQ(st["subject"].size(), 1u);
  EXPECT_EQ(st["subject"][0]["digest"]["sha256"], kHelloSha256);
  EXPECT_THAT(st["subject"][0]["name"].get<std::string>(), HasSubstr("a.txt"));
}

TEST(Statement, RejectsBadInput) {
  ResourceDescriptor s{"a", "", {{"sha256", kHelloSha256}}};
  EXPECT_THAT(MakeStatement({}, "t", "{}"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeStatement({s}, "", "{}"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeStatement({s}, "t", "[1]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON object")));
  EXPECT_THAT(MakeStatement({s}, "t", "{bad"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MakeStatement({ResourceDescriptor{"a", "", {}}}, "t", "{}"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no digest")));
  // Invalid UTF-8 in a name does not throw.
  EXPECT_THAT(MakeStatement({ResourceDescriptor{"\xff", "", {{"sha256", "00"}}}}, "t", "{}"),
              IsOk());
}

TEST(Statement, Dependencies) {
  auto d = DependencyFromSpec("git+https://x/y@sha256:" + std::string(64, 'A'));
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->uri, "git+https://x/y");
  EXPECT_EQ(d->digest.at("sha256"), std::string(64, 'a'));
  const std::string file = TempFile("dep.txt", "hello");
  d = DependencyFromSpec(file);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->uri, "file:" + file);
  EXPECT_EQ(d->digest.at("sha256"), kHelloSha256);
  EXPECT_THAT(DependencyFromSpec("https://x@sha256:abc"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("URI@sha256:HEX")));
  EXPECT_THAT(DependencyFromSpec("/nonexistent"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Provenance, PredicateHasSlsaV1Shape) {
  BuildDescription b;
  b.external_parameters = {{"command", {"make", "all"}}, {"cwd", "/src"}};
  b.resolved_dependencies.push_back({"", "git+https://x", {{"sha256", std::string(64, 'b')}}});
  b.invocation_id = RandomUuid();
  b.started_on = absl::FromUnixSeconds(1700000000);
  b.finished_on = absl::FromUnixSeconds(1700000005);
  auto text = MakeProvenancePredicate(b);
  ASSERT_THAT(text, IsOk());
  json p = json::parse(*text);
  EXPECT_EQ(p["buildDefinition"]["buildType"], kCommandBuildType);
  EXPECT_EQ(p["buildDefinition"]["externalParameters"]["command"], json({"make", "all"}));
  EXPECT_TRUE(p["buildDefinition"]["internalParameters"].is_object());
  EXPECT_EQ(p["buildDefinition"]["resolvedDependencies"][0]["uri"], "git+https://x");
  EXPECT_EQ(p["runDetails"]["builder"]["id"], kDefaultBuilderId);
  EXPECT_EQ(p["runDetails"]["metadata"]["startedOn"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(p["runDetails"]["metadata"]["finishedOn"], "2023-11-14T22:13:25Z");
  EXPECT_EQ(p["runDetails"]["metadata"]["invocationId"], b.invocation_id);
}

TEST(Provenance, DescriptionFile) {
  auto b = ParseBuildDescription(R"({
    "buildType": "https://example.com/bt", "builderId": "https://ci.example.com",
    "externalParameters": {"workflow": {"repository": "https://github.com/a/b"}},
    "resolvedDependencies": [{"uri": "git+https://github.com/a/b", "digest": {"sha1": "AB"}}],
    "startedOn": "2026-01-02T03:04:05Z", "finishedOn": "2026-01-02T03:05:05.5Z",
    "subject": [{"name": "out.bin", "digest": {"sha256": "00"}}]})");
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->build_type, "https://example.com/bt");
  EXPECT_EQ(b->builder_id, "https://ci.example.com");
  EXPECT_EQ(b->resolved_dependencies[0].digest.at("sha1"), "ab");
  EXPECT_EQ(b->subjects[0].name, "out.bin");
  EXPECT_EQ(FormatRfc3339(b->finished_on), "2026-01-02T03:05:05.5Z");
  // Defaults.
  b = ParseBuildDescription("{}");
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->builder_id, kDefaultBuilderId);
  for (const char* bad :
       {"[]", R"({"buildType": 1})", R"({"externalParameters": []})",
        R"({"startedOn": "yesterday"})", R"({"subject": {}})", R"({"subject": [1]})",
        R"({"resolvedDependencies": [{"digest": {"sha256": 1}}]})"}) {
    EXPECT_THAT(ParseBuildDescription(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("description")))
        << bad;
  }
}

TEST(Provenance, RandomUuidIsV4) {
  const std::string a = RandomUuid(), b = RandomUuid();
  EXPECT_NE(a, b);
  EXPECT_TRUE(std::regex_match(
      a, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << a;
}

}  // namespace
}  // namespace vouch::client
