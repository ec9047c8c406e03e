// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "images/predicate.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/status_matchers.h"

namespace vouch::images {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using json = nlohmann::json;

const absl::Time kNow = absl::FromUnixSeconds(1796601600);  // 2026-12-07T00:00:00Z

json Wrap(const json& report) {
  auto p = VulnPredicate(report.dump(), kNow);
  EXPECT_THAT(p.status(), IsOk());
  return p.ok() ? json::parse(*p) : json();
}

TEST(VulnPredicate, TrivyReport) {
  const json report = {{"SchemaVersion", 2},
                       {"CreatedAt", "2026-12-01T10:00:00.123Z"},
                       {"Trivy", {{"Version", "0.50.1"}}},
                       {"Results", {{{"Vulnerabilities", {{{"Severity", "HIGH"}}}}}}}};
  const json p = Wrap(report);
  EXPECT_EQ(p["scanner"]["uri"], "pkg:github/aquasecurity/trivy@0.50.1");
  EXPECT_EQ(p["scanner"]["version"], "0.50.1");
  EXPECT_EQ(p["scanner"]["result"], report);
  EXPECT_EQ(p["scanner"]["db"], json({{"uri", ""}, {"version", ""}}));
  EXPECT_EQ(p["metadata"]["scanStartedOn"], "2026-12-01T10:00:00.123Z");
  EXPECT_EQ(p["metadata"]["scanFinishedOn"], "2026-12-01T10:00:00.123Z");
  EXPECT_TRUE(p["invocation"]["parameters"].is_null());
}

TEST(VulnPredicate, GrypeReportAndMissingTimesAreNow) {
  const json report = {{"matches", {{{"vulnerability", {{"severity", "Critical"}}}}}},
                       {"descriptor", {{"name", "grype"}, {"version", "0.74.0"}}}};
  const json p = Wrap(report);
  EXPECT_EQ(p["scanner"]["uri"], "pkg:github/anchore/grype@0.74.0");
  EXPECT_EQ(p["scanner"]["result"], report);
  EXPECT_EQ(p["metadata"]["scanFinishedOn"], "2026-12-07T00:00:00Z");
}

TEST(VulnPredicate, SarifReport) {
  const json report = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       {{{"tool",
          {{"driver",
            {{"name", "Trivy"},
             {"version", "0.50.1"},
             {"informationUri", "https://github.com/aquasecurity/trivy"}}}}},
         {"invocations",
          {{{"startTimeUtc", "2026-12-01T10:00:00Z"}, {"endTimeUtc", "2026-12-01T10:01:00Z"}}}},
         {"results", json::array()}}}}};
  const json p = Wrap(report);
  EXPECT_EQ(p["scanner"]["uri"], "https://github.com/aquasecurity/trivy");
  EXPECT_EQ(p["scanner"]["version"], "0.50.1");
  EXPECT_EQ(p["metadata"]["scanStartedOn"], "2026-12-01T10:00:00Z");
  EXPECT_EQ(p["metadata"]["scanFinishedOn"], "2026-12-01T10:01:00Z");
}

TEST(VulnPredicate, AnExistingCosignPredicateIsKept) {
  const std::string predicate =
      R"({"scanner":{"uri":"x","result":{"matches":[]}},"metadata":{"scanFinishedOn":"2026-01-01T00:00:00Z"}})";
  auto p = VulnPredicate(predicate, kNow);
  ASSERT_THAT(p.status(), IsOk());
  EXPECT_EQ(json::parse(*p), json::parse(predicate));
}

TEST(VulnPredicate, OtherDocumentsAreRefused) {
  EXPECT_THAT(VulnPredicate("[1,2]", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a JSON object")));
  EXPECT_THAT(VulnPredicate("{\"bomFormat\":\"CycloneDX\"}", kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Trivy")));
  EXPECT_THAT(VulnPredicate("not json", kNow), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VulnPredicate(R"({"runs":[]})", kNow), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::images
