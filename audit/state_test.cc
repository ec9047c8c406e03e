// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/state.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

using ::testing::HasSubstr;
using vouch::testing::IsOk;
using vouch::testing::StatusIs;

std::string TempDir() {
  std::string t = absl::StrCat(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp",
                               "/stateXXXXXX");
  return mkdtemp(t.data());
}

TEST(StateDir, SavesLoadsAndLocks) {
  const std::string dir = TempDir() + "/s";
  auto d = StateDir::Open(dir);
  ASSERT_THAT(d, IsOk());
  auto empty = (*d)->Load();
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->size, 0u);
  EXPECT_EQ(empty->root, log::EmptyRoot());
  AuditState s;
  s.log_url = "http://x";
  s.origin = "o";
  s.log_id_hex = "ab";
  s.size = 5;
  s.root = log::HashLeaf("r");
  s.checkpoint = "note";
  s.compact_range = {log::HashLeaf("a"), log::HashLeaf("b")};
  s.tile_rows[0] = {log::HashLeaf("c")};
  s.index_bytes = 42;
  s.updated = absl::FromUnixSeconds(1700000000);
  ASSERT_THAT((*d)->Save(s), IsOk());
  auto back = (*d)->Load();
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(StateToJson(*back), StateToJson(s));
  // A second opener is refused while the first holds the lock.
  EXPECT_THAT(StateDir::Open(dir), StatusIs(absl::StatusCode::kFailedPrecondition,
                                            HasSubstr("in use by another vouch-audit")));
  // Evidence files get unique names.
  auto e1 = (*d)->WriteEvidence({{"kind", "split-view"}});
  auto e2 = (*d)->WriteEvidence({{"kind", "split-view"}});
  ASSERT_THAT(e1, IsOk());
  ASSERT_THAT(e2, IsOk());
  EXPECT_NE(*e1, *e2);
  // Checkpoints: unparsable lines are skipped.
  ASSERT_THAT((*d)->RecordCheckpoint({{"size", 1}, {"root", "aa"}, {"note", "n"}}), IsOk());
  ASSERT_THAT(AppendLine(dir + "/checkpoints.jsonl", "garbage"), IsOk());
  EXPECT_EQ((*d)->Checkpoints().size(), 1u);
}

TEST(StateDir, CorruptStateIsDataLossNamingTheField) {
  const std::string dir = TempDir();
  auto d = StateDir::Open(dir);
  ASSERT_THAT(d, IsOk());
  for (const auto& [text, want] : std::vector<std::pair<std::string, std::string>>{
           {"not json", "not JSON"},
           {"{\"version\":2}", "not a version 1 state"},
           {"{\"version\":1}", "state.json"},
       }) {
    std::ofstream(dir + "/state.json") << text;
    EXPECT_THAT((*d)->Load(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(want))) << text;
  }
  AuditState s;
  s.root = log::EmptyRoot();
  nlohmann::json j = StateToJson(s);
  j["compact_range"] = {"zz"};
  std::ofstream(dir + "/state.json") << j.dump();
  EXPECT_THAT((*d)->Load(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("compact_range[0]: not a hash")));
}

}  // namespace
}  // namespace vouch::audit
