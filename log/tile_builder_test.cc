// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/tile_builder.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/tiles.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

Hash H(int i) { return HashLeaf(std::to_string(i)); }

TEST(TileBuilder, SlotsAreWhereTheC2spTileHoldsTheNodesDescendants) {
  struct Case {
    NodeId node;
    StoredTileSlot want;
  } cases[] = {
      {{0, 0}, {0, 0, 0, 0}},    {{0, 255}, {0, 0, 0, 255}}, {{0, 256}, {0, 1, 0, 0}},
      {{1, 0}, {0, 0, 1, 0}},    {{1, 127}, {0, 0, 1, 127}}, {{1, 128}, {0, 1, 1, 0}},
      {{7, 1}, {0, 0, 7, 1}},    {{7, 2}, {0, 1, 7, 0}},     {{8, 0}, {1, 0, 0, 0}},
      {{9, 300}, {1, 2, 1, 44}}, {{63, 1}, {7, 0, 7, 1}},    {{16, 70000}, {2, 273, 0, 112}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "node (" << c.node.level << ", " << c.node.index << ")");
    auto slot = SlotForNode(c.node);
    ASSERT_THAT(slot, IsOk());
    EXPECT_EQ(slot->tile_level, c.want.tile_level);
    EXPECT_EQ(slot->tile_index, c.want.tile_index);
    EXPECT_EQ(slot->row, c.want.row);
    EXPECT_EQ(slot->pos, c.want.pos);
    // The same tile as log/tiles.h names, and the position of its leftmost descendant there.
    auto span = TileForNode(c.node);
    ASSERT_THAT(span, IsOk());
    EXPECT_EQ(span->tile.level, slot->tile_level);
    EXPECT_EQ(span->tile.index, slot->tile_index);
    EXPECT_EQ(span->offset, slot->pos << slot->row);
  }
  EXPECT_THAT(SlotForNode(NodeId{64, 0}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SlotForNode(NodeId{63, 2}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TileBuilder, StoredFormRoundTripsAndAnswersEveryNode) {
  TileBuilder t(0, 3);
  // A tile of width 6: leaves 0..5, row 1 nodes 0..2, row 2 node 0.
  for (uint32_t p = 0; p < 6; ++p) t.Set(*SlotForNode(NodeId{0, 3 * 256 + p}), H(p));
  for (uint32_t p = 0; p < 3; ++p) t.Set(*SlotForNode(NodeId{1, 3 * 128 + p}), H(100 + p));
  t.Set(*SlotForNode(NodeId{2, 3 * 64}), H(200));
  EXPECT_EQ(t.width(), 6u);
  EXPECT_FALSE(t.full());
  const StoredTile stored = t.ToStored();
  EXPECT_EQ(stored.level, 0u);
  EXPECT_EQ(stored.index, 3u);
  EXPECT_EQ(stored.width, 6u);
  ASSERT_EQ(stored.hashes.size(), StoredTileBytes(6));
  EXPECT_THAT(HashInStoredTile(stored, NodeId{0, 3 * 256 + 5}), IsOk());
  EXPECT_EQ(*HashInStoredTile(stored, NodeId{0, 3 * 256 + 5}), H(5));
  EXPECT_EQ(*HashInStoredTile(stored, NodeId{1, 3 * 128 + 2}), H(102));
  EXPECT_EQ(*HashInStoredTile(stored, NodeId{2, 3 * 64}), H(200));
  // Not (yet) in the tile: a wider position, a higher row.
  EXPECT_THAT(HashInStoredTile(stored, NodeId{0, 3 * 256 + 6}),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("is not in tile 0/3")));
  EXPECT_THAT(HashInStoredTile(stored, NodeId{3, 3 * 32}), StatusIs(absl::StatusCode::kNotFound));

  auto back = TileBuilder::FromStored(stored);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->ToStored().hashes, stored.hashes);
  EXPECT_EQ(back->width(), 6u);
}

TEST(TileBuilder, MalformedStoredTileIsDataLoss) {
  StoredTile t;
  t.level = 1;
  t.index = 2;
  t.width = 4;
  t.hashes = std::string(StoredTileBytes(4) - 1, 'x');
  EXPECT_THAT(TileBuilder::FromStored(t),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("tile 1/2: width 4")));
  t.width = 0;
  t.hashes.clear();
  EXPECT_THAT(TileBuilder::FromStored(t), StatusIs(absl::StatusCode::kDataLoss));
  t.width = 257;
  t.hashes = std::string(StoredTileBytes(257), 'x');
  EXPECT_THAT(TileBuilder::FromStored(t), StatusIs(absl::StatusCode::kDataLoss));
  // A short hash string never reads past its end.
  t.width = 8;
  t.hashes = std::string(32, 'x');
  EXPECT_THAT(HashInStoredTile(t, NodeId{0, 7}), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vouch::log
