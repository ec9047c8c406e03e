// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/integrator.h"

#include <functional>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/tile_builder.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

// The reference: every perfect node of the tree over |leaves|, computed level by level.
std::map<std::pair<uint32_t, uint64_t>, Hash> ReferenceNodes(const std::vector<Hash>& leaves) {
  std::map<std::pair<uint32_t, uint64_t>, Hash> nodes;
  std::vector<Hash> row = leaves;
  for (uint32_t level = 0; !row.empty(); ++level) {
    std::vector<Hash> up;
    for (uint64_t i = 0; i < row.size(); ++i) {
      nodes[{level, i}] = row[i];
      if (i % 2 == 1) up.push_back(HashChildren(row[i - 1], row[i]));
    }
    row = std::move(up);
  }
  return nodes;
}

Hash ReferenceRoot(std::vector<Hash> row) {
  if (row.empty()) return EmptyRoot();
  // RFC 6962: split at the largest power of two below n.
  std::function<Hash(size_t, size_t)> root = [&](size_t b, size_t e) -> Hash {
    if (e - b == 1) return row[b];
    size_t k = 1;
    while (k * 2 < e - b) k *= 2;
    return HashChildren(root(b, b + k), root(b + k, e));
  };
  return root(0, row.size());
}

// Storage as a map, for Resume (the integrator reads only edge tiles through it).
class MapReader : public LogReader {
 public:
  std::map<std::pair<uint32_t, uint64_t>, StoredTile> tiles;
  absl::StatusOr<StoredTile> ReadTile(uint32_t level, uint64_t index) override {
    auto it = tiles.find({level, index});
    if (it == tiles.end()) return absl::NotFoundError("no tile");
    return it->second;
  }
  absl::StatusOr<std::optional<TreeState>> ReadTreeState() override { return Unused(); }
  absl::StatusOr<StoredEntry> ReadEntry(uint64_t) override { return Unused(); }
  absl::StatusOr<std::vector<StoredEntry>> ReadEntries(uint64_t, uint64_t) override {
    return Unused();
  }
  absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash&) override { return Unused(); }
  absl::StatusOr<std::vector<uint64_t>> FindByKey(const std::string&, size_t) override {
    return Unused();
  }
  absl::StatusOr<uint64_t> CountEntries() override { return Unused(); }
  absl::StatusOr<uint64_t> CountEntryRows() override { return Unused(); }
  absl::StatusOr<std::optional<std::string>> ReadMeta(const std::string&) override {
    return Unused();
  }

 private:
  static absl::Status Unused() { return absl::UnimplementedError("not used by the integrator"); }
};

// Integrates 1,300 leaves (five level-0 tiles, the last one partial, and a level-1 tile of five
// hashes) in batches of random sizes, keeping every tile it returns as storage would, and checks
// the root after every batch and every stored node against the reference tree.
TEST(Integrator, TilesAndRootsMatchAReferenceTreeWhateverTheBatches) {
  std::mt19937 rng(7);
  std::vector<Hash> leaves;
  for (int i = 0; i < 1300; ++i) leaves.push_back(HashLeaf(absl::StrCat("e", i)));
  Integrator integrator;
  MapReader stored;
  size_t done = 0;
  while (done < leaves.size()) {
    const size_t n = std::min<size_t>(leaves.size() - done, 1 + rng() % 300);
    std::vector<Hash> batch(leaves.begin() + done, leaves.begin() + done + n);
    Integrator::Integration in = integrator.Integrate(batch);
    done += n;
    EXPECT_EQ(in.size, done);
    EXPECT_EQ(in.root, ReferenceRoot({leaves.begin(), leaves.begin() + done}));
    for (const auto& t : in.tiles) stored.tiles[{t->level, t->index}] = *t;
    integrator.Advance(std::move(in));
    EXPECT_EQ(integrator.size(), done);
  }
  const auto want = ReferenceNodes(leaves);
  size_t checked = 0;
  for (const auto& [id, hash] : want) {
    const NodeId node{id.first, id.second};
    auto slot = SlotForNode(node);
    ASSERT_THAT(slot, IsOk());
    auto tile = stored.tiles.find({slot->tile_level, slot->tile_index});
    ASSERT_NE(tile, stored.tiles.end()) << "no tile for node " << id.first << "/" << id.second;
    auto got = HashInStoredTile(tile->second, node);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(*got, hash) << "node " << id.first << "/" << id.second;
    ++checked;
  }
  EXPECT_EQ(checked, want.size());
  // Level-1 tile 0 holds tree level 8: five nodes for 1,300 leaves.
  EXPECT_EQ(stored.tiles.at({1, 0}).width, 5u);
}

TEST(Integrator, IntegrateProposesAndOnlyAdvanceMovesTheTree) {
  Integrator integrator;
  const std::vector<Hash> a = {HashLeaf("a"), HashLeaf("b"), HashLeaf("c")};
  Integrator::Integration first = integrator.Integrate(a);
  EXPECT_EQ(integrator.size(), 0u);
  EXPECT_EQ(integrator.Root(), EmptyRoot());
  // Proposing again (a retry after a failed commit) gives the same tree.
  Integrator::Integration again = integrator.Integrate(a);
  EXPECT_EQ(again.root, first.root);
  ASSERT_EQ(again.tiles.size(), 1u);
  EXPECT_EQ(again.tiles[0]->hashes, first.tiles[0]->hashes);
  integrator.Advance(std::move(first));
  EXPECT_EQ(integrator.size(), 3u);
  EXPECT_EQ(integrator.Root(), ReferenceRoot(a));
}

// A resumed integrator (the durable tree state and its edge tiles) continues exactly as the one
// that never stopped.
TEST(Integrator, ResumedFromStorageContinuesTheSameTree) {
  std::vector<Hash> leaves;
  for (int i = 0; i < 600; ++i) leaves.push_back(HashLeaf(absl::StrCat("r", i)));
  Integrator running;
  MapReader stored;
  Integrator::Integration in = running.Integrate({leaves.data(), 517});
  for (const auto& t : in.tiles) stored.tiles[{t->level, t->index}] = *t;
  TreeState state;
  state.size = in.size;
  state.root = in.root;
  state.compact_range = in.compact_range;
  running.Advance(std::move(in));

  auto resumed = Integrator::Resume(state, stored);
  ASSERT_THAT(resumed, IsOk());
  EXPECT_EQ(resumed->size(), 517u);
  EXPECT_EQ(resumed->Root(), running.Root());
  Integrator::Integration a = running.Integrate({leaves.data() + 517, 83});
  Integrator::Integration b = resumed->Integrate({leaves.data() + 517, 83});
  EXPECT_EQ(a.root, b.root);
  EXPECT_EQ(a.root, ReferenceRoot(leaves));
  ASSERT_EQ(a.tiles.size(), b.tiles.size());
  for (size_t i = 0; i < a.tiles.size(); ++i) EXPECT_EQ(a.tiles[i]->hashes, b.tiles[i]->hashes);

  // The edge tile gone, or a compact range that does not fit the size: DataLoss, no integrator.
  MapReader missing = stored;
  missing.tiles.erase({0, 2});
  EXPECT_THAT(Integrator::Resume(state, missing),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("edge tile 0/2")));
  TreeState short_range = state;
  short_range.compact_range.pop_back();
  EXPECT_THAT(Integrator::Resume(short_range, stored),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("compact range")));
}

}  // namespace
}  // namespace vouch::log
