// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/tiles.h"

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/compact_range.h"
#include "log/hash.h"
#include "log/merkle.h"
#include "tests/status_matchers.h"

namespace vouch::log {

void PrintTo(const TileId& t, std::ostream* os) {
  *os << "{level " << t.level << ", index " << t.index << ", width " << t.width << "}";
}

namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(Tiles, FormatsIndexInThreeDigitGroups) {
  EXPECT_EQ(FormatTileIndex(0), "000");
  EXPECT_EQ(FormatTileIndex(5), "005");
  EXPECT_EQ(FormatTileIndex(999), "999");
  EXPECT_EQ(FormatTileIndex(1000), "x001/000");
  EXPECT_EQ(FormatTileIndex(1234067), "x001/x234/067");
  EXPECT_EQ(FormatTileIndex(UINT64_MAX), "x018/x446/x744/x073/x709/x551/615");
}

TEST(Tiles, FormatsPaths) {
  EXPECT_EQ(TilePath({0, 0, 256}), "/tile/0/000");
  EXPECT_EQ(TilePath({0, 1234067, 256}), "/tile/0/x001/x234/067");
  EXPECT_EQ(TilePath({2, 1, 17}), "/tile/2/001.p/17");
  EXPECT_EQ(TilePath({63, 1000, 1}), "/tile/63/x001/000.p/1");
  EXPECT_EQ(EntriesPath({0, 273, 112}), "/tile/entries/273.p/112");
  EXPECT_EQ(EntriesPath({0, 1234067, 256}), "/tile/entries/x001/x234/067");
}

struct GoodPath {
  std::string path;
  TileId want;
};

TEST(Tiles, ParsesValidPaths) {
  const std::vector<GoodPath> cases = {
      {"/tile/0/000", {0, 0, 256}},
      {"/tile/0/001", {0, 1, 256}},
      {"/tile/1/999", {1, 999, 256}},
      {"/tile/0/x001/000", {0, 1000, 256}},
      {"/tile/8/x001/x234/067", {8, 1234067, 256}},
      {"/tile/63/000.p/1", {63, 0, 1}},
      {"/tile/1/067.p/255", {1, 67, 255}},
      {"/tile/2/x001/x000/000.p/9", {2, 1000000, 9}},
      {"/tile/0/x018/x446/x744/x073/x709/x551/615", {0, UINT64_MAX, 256}},
  };
  for (const GoodPath& c : cases) {
    absl::StatusOr<TileId> got = ParseTilePath(c.path);
    ASSERT_THAT(got, IsOk()) << c.path;
    EXPECT_EQ(*got, c.want) << c.path;
    EXPECT_EQ(TilePath(*got), c.path);
  }
  absl::StatusOr<TileId> e = ParseEntriesPath("/tile/entries/x001/234.p/17");
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(*e, (TileId{0, 1234, 17}));
  e = ParseEntriesPath("/tile/entries/000");
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(*e, (TileId{0, 0, 256}));
}

TEST(Tiles, RejectsMalformedTilePaths) {
  const std::vector<std::string> bad = {
      "",
      "/",
      "tile/0/000",                                      // no leading slash
      "/tiles/0/000",                                    // wrong prefix
      "/tile/",                                          // nothing
      "/tile/0",                                         // no index
      "/tile/0/",                                        // empty index
      "/tile//000",                                      // empty level
      "/tile/00/000",                                    // level with a leading zero
      "/tile/01/000",                                    // level with a leading zero
      "/tile/64/000",                                    // level > 63
      "/tile/100/000",                                   // level > 63
      "/tile/-1/000",                                    // sign
      "/tile/+1/000",                                    // sign
      "/tile/a/000",                                     // not a number
      "/tile/entries/000",                               // entries path is not a tree tile
      "/tile/0/0",                                       // short group
      "/tile/0/00",                                      // short group
      "/tile/0/0000",                                    // long group
      "/tile/0/00a",                                     // non-digit
      "/tile/0/+01",                                     // sign
      "/tile/0/ 000",                                    // space
      "/tile/0/000 ",                                    // trailing space
      "/tile/0/x000/001",                                // non-canonical leading zero group
      "/tile/0/x000/x001/001",                           // non-canonical leading zero group
      "/tile/0/x001",                                    // no final group
      "/tile/0/x001/",                                   // empty final group
      "/tile/0/001/002",                                 // missing 'x' on an upper group
      "/tile/0/x01/000",                                 // short x group
      "/tile/0/X001/000",                                // capital X
      "/tile/0/x001/x234/067/",                          // trailing slash
      "/tile/0/000/",                                    // trailing slash
      "/tile/0/000.p",                                   // partial without width
      "/tile/0/000.p/",                                  // empty width
      "/tile/0/000.p/0",                                 // zero width
      "/tile/0/000.p/256",                               // full width written as partial
      "/tile/0/000.p/300",                               // width too large
      "/tile/0/000.p/01",                                // width with a leading zero
      "/tile/0/000.p/1/2",                               // extra component
      "/tile/0/000.p/1a",                                // non-digit width
      "/tile/0/000.q/1",                                 // wrong suffix
      "/tile/0/000.P/1",                                 // wrong suffix case
      "/tile/0/x000.p/1",                                // partial marker on an upper group
      "/tile/0/x001.p/1/000",                            // partial marker on an upper group
      "/tile/0/x018/x446/x744/x073/x709/x551/616",       // 2^64: overflow
      "/tile/0/x999/x999/x999/x999/x999/x999/x999/999",  // overflow
      std::string("/tile/0/00\0", 11),                   // NUL
      "/tile/0/" + std::string(200, '0'),                // too long
  };
  for (const std::string& path : bad) {
    EXPECT_THAT(ParseTilePath(path),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed tile path")))
        << "\"" << path << "\"";
  }
}

TEST(Tiles, RejectsMalformedEntriesPaths) {
  const std::vector<std::string> bad = {
      "/tile/entries/",          "/tile/entries",          "/tile/0/000",
      "/tile/entries/0",         "/tile/entries/x000/001", "/tile/entries/000.p/0",
      "/tile/entries/000.p/256", "/tile/entries/000/",     "tile/entries/000",
      "/tile/entries/000.p/1/",  "/tile/entries//000",
  };
  for (const std::string& path : bad) {
    EXPECT_THAT(ParseEntriesPath(path), StatusIs(absl::StatusCode::kInvalidArgument)) << path;
  }
}

TEST(Tiles, RandomPathsRoundTrip) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 5000; ++i) {
    TileId t;
    t.level = static_cast<uint32_t>(rng() % 64);
    t.index = rng() >> (rng() % 64);
    t.width = 1 + static_cast<uint32_t>(rng() % 256);
    absl::StatusOr<TileId> back = ParseTilePath(TilePath(t));
    ASSERT_THAT(back, IsOk()) << TilePath(t);
    ASSERT_EQ(*back, t);
    absl::StatusOr<TileId> entries = ParseEntriesPath(EntriesPath(t));
    ASSERT_THAT(entries, IsOk()) << EntriesPath(t);
    ASSERT_EQ(*entries, (TileId{0, t.index, t.width}));
  }
}

TEST(Tiles, TileForNode) {
  struct Case {
    NodeId node;
    TileId tile;
    uint32_t offset, count;
  };
  const std::vector<Case> cases = {
      {{0, 5}, {0, 0, 6}, 5, 1},        // a leaf hash, in level-0 tile 0
      {{0, 256}, {0, 1, 1}, 0, 1},      // first leaf of tile 1
      {{3, 5}, {0, 0, 48}, 40, 8},      // level 3: 8 leaves of tile 0
      {{7, 2}, {0, 1, 128}, 0, 128},    // level 7: half of tile 1
      {{7, 3}, {0, 1, 256}, 128, 128},  // level 7: the other half
      {{8, 3}, {1, 0, 4}, 3, 1},        // level 8 is stored in level-1 tiles
      {{10, 70}, {1, 1, 28}, 24, 4},    // level 10: 4 hashes of level-1 tile 1
      {{16, 0}, {2, 0, 1}, 0, 1},      {{63, 1}, {7, 0, 256}, 128, 128},  // the top of a 2^64 tree
  };
  for (const Case& c : cases) {
    absl::StatusOr<TileSpan> span = TileForNode(c.node);
    ASSERT_THAT(span, IsOk());
    EXPECT_EQ(span->tile, c.tile) << c.node.level << "," << c.node.index;
    EXPECT_EQ(span->offset, c.offset) << c.node.level << "," << c.node.index;
    EXPECT_EQ(span->count, c.count) << c.node.level << "," << c.node.index;
  }
  EXPECT_THAT(TileForNode({64, 0}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TileForNode({63, 2}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TileForNode({1, uint64_t{1} << 63}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Tiles, WidthsFollowTheSpecExample) {
  // c2sp.org/tlog-tiles: a tree of size 70,000 has 273 full level-0 tiles, one partial level-0
  // tile of width 112, one full level-1 tile, one partial level-1 tile of width 17 and one
  // partial level-2 tile of width 1.
  EXPECT_EQ(TileWidthForSize(0, 272, 70000), 256u);
  EXPECT_EQ(TileWidthForSize(0, 273, 70000), 112u);
  EXPECT_EQ(TileWidthForSize(0, 274, 70000), 0u);
  EXPECT_EQ(TileWidthForSize(1, 0, 70000), 256u);
  EXPECT_EQ(TileWidthForSize(1, 1, 70000), 17u);
  EXPECT_EQ(TileWidthForSize(2, 0, 70000), 1u);
  EXPECT_EQ(TileWidthForSize(3, 0, 70000), 0u);
  EXPECT_EQ(TilesAtLevel(0, 70000).size(), 274u);
  EXPECT_EQ(TilesAtLevel(0, 70000).back(), (TileId{0, 273, 112}));
  EXPECT_EQ(TilesAtLevel(1, 70000), (std::vector<TileId>{{1, 0, 256}, {1, 1, 17}}));
  EXPECT_EQ(TilesAtLevel(2, 70000), (std::vector<TileId>{{2, 0, 1}}));
  EXPECT_TRUE(TilesAtLevel(3, 70000).empty());
  EXPECT_EQ(TilesAtLevel(0, 70000, 273), (std::vector<TileId>{{0, 273, 112}}));
  // A tree of size 256: a full level-0 tile and a partial level-1 tile of width 1.
  EXPECT_EQ(TilesAtLevel(0, 256), (std::vector<TileId>{{0, 0, 256}}));
  EXPECT_EQ(TilesAtLevel(1, 256), (std::vector<TileId>{{1, 0, 1}}));
  EXPECT_TRUE(TilesAtLevel(0, 0).empty());
  EXPECT_EQ(TileWidthForSize(8, 0, UINT64_MAX), 0u);
  EXPECT_EQ(TileWidthForSize(7, 0, UINT64_MAX), 255u);
}

TEST(Tiles, BytesRoundTrip) {
  std::vector<Hash> row;
  for (int i = 0; i < 17; ++i) row.push_back(HashLeaf(absl::StrCat(i)));
  const std::string bytes = TileBytes(row);
  EXPECT_EQ(bytes.size(), 17u * 32);
  absl::StatusOr<std::vector<Hash>> back = TileFromBytes(bytes, 17);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, row);
  EXPECT_THAT(TileFromBytes(bytes), IsOk());
  EXPECT_THAT(TileFromBytes(bytes, 16), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TileFromBytes(bytes.substr(1)), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TileFromBytes(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TileFromBytes(std::string(257 * 32, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Tiles, PerfectSubtreeHash) {
  const Hash a = HashLeaf("a"), b = HashLeaf("b"), c = HashLeaf("c"), d = HashLeaf("d");
  EXPECT_EQ(*PerfectSubtreeHash({a}), a);
  EXPECT_EQ(*PerfectSubtreeHash({a, b}), HashChildren(a, b));
  EXPECT_EQ(*PerfectSubtreeHash({a, b, c, d}),
            HashChildren(HashChildren(a, b), HashChildren(c, d)));
  EXPECT_THAT(PerfectSubtreeHash({}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PerfectSubtreeHash({a, b, c}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(NodeHashFromTile({2, 1}, {a, b, c, d}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs 8 hashes")));
}

// A log stored as tiles, filled from CompactRange's visitor the way storage would.
class TiledLog {
 public:
  void Append(const Hash& leaf) {
    range_.Append(leaf, [this](NodeId id, const Hash& h) {
      if (id.level % kTileHeight != 0) return;  // levels 8L only; the rest is recomputed
      std::vector<Hash>& row = tiles_[{id.level / kTileHeight, id.index / kTileWidth}];
      ASSERT_EQ(row.size(), id.index % kTileWidth);  // nodes arrive in order
      row.push_back(h);
    });
    roots_.push_back(range_.Root());
  }
  Hash Root(uint64_t size) const { return size == 0 ? EmptyRoot() : roots_[size - 1]; }

  // The tile as served for a tree of |t.width| hashes wide (a prefix of the stored row).
  absl::StatusOr<std::vector<Hash>> Read(const TileId& t) {
    ++reads_;
    auto it = tiles_.find({t.level, t.index});
    if (it == tiles_.end()) return absl::NotFoundError(TilePath(t));
    if (it->second.size() < t.width) return absl::NotFoundError(TilePath(t));
    return std::vector<Hash>(it->second.begin(), it->second.begin() + t.width);
  }
  int reads_ = 0;

 private:
  CompactRange range_;
  std::vector<Hash> roots_;
  std::map<std::pair<uint32_t, uint64_t>, std::vector<Hash>> tiles_;
};

TEST(Tiles, ServesProofsFromTiles) {
  constexpr uint64_t kSize = 70000;
  TiledLog log;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < kSize; ++i) {
    leaves.push_back(HashLeaf(absl::StrCat("entry ", i)));
    log.Append(leaves.back());
  }
  const TileReader read = [&](const TileId& t) { return log.Read(t); };
  std::mt19937_64 rng(3);
  std::vector<uint64_t> sizes = {1, 2, 255, 256, 257, 65535, 65536, 65537, 69999, kSize};
  for (int i = 0; i < 40; ++i) sizes.push_back(1 + rng() % kSize);
  for (uint64_t size : sizes) {
    for (uint64_t index : {uint64_t{0}, size - 1, rng() % size}) {
      absl::StatusOr<ProofNodes> nodes = InclusionNodes(index, size);
      ASSERT_THAT(nodes, IsOk());
      log.reads_ = 0;
      absl::StatusOr<std::vector<Hash>> fetched = HashesFromTiles(nodes->ids, size, read);
      ASSERT_THAT(fetched, IsOk()) << index << "/" << size;
      EXPECT_LE(log.reads_, 6) << "tiles read once each";
      absl::StatusOr<std::vector<Hash>> proof = Rehash(*nodes, *fetched);
      ASSERT_THAT(proof, IsOk());
      ASSERT_THAT(VerifyInclusion(index, size, leaves[index], *proof, log.Root(size)), IsOk())
          << index << "/" << size;
    }
    const uint64_t size1 = 1 + rng() % size;
    absl::StatusOr<ProofNodes> nodes = ConsistencyNodes(size1, size);
    ASSERT_THAT(nodes, IsOk());
    absl::StatusOr<std::vector<Hash>> fetched = HashesFromTiles(nodes->ids, size, read);
    ASSERT_THAT(fetched, IsOk()) << size1 << "->" << size;
    absl::StatusOr<std::vector<Hash>> proof = Rehash(*nodes, *fetched);
    ASSERT_THAT(proof, IsOk());
    ASSERT_THAT(VerifyConsistency(size1, size, *proof, log.Root(size1), log.Root(size)), IsOk())
        << size1 << "->" << size;
  }
}

TEST(Tiles, HashesFromTilesReportsProblems) {
  TiledLog log;
  for (int i = 0; i < 300; ++i) log.Append(HashLeaf(absl::StrCat(i)));
  const TileReader read = [&](const TileId& t) { return log.Read(t); };
  // A node outside the tree.
  EXPECT_THAT(HashesFromTiles({NodeId{0, 300}}, 300, read),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not inside the tree")));
  EXPECT_THAT(HashesFromTiles({NodeId{9, 0}}, 300, read),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Reader errors pass through.
  const TileReader failing = [](const TileId&) -> absl::StatusOr<std::vector<Hash>> {
    return absl::UnavailableError("disk on fire");
  };
  EXPECT_THAT(HashesFromTiles({NodeId{0, 1}}, 300, failing),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk on fire")));
  // A short row is data loss.
  const TileReader short_row = [](const TileId&) -> absl::StatusOr<std::vector<Hash>> {
    return std::vector<Hash>(2);
  };
  EXPECT_THAT(HashesFromTiles({NodeId{0, 5}}, 300, short_row),
              StatusIs(absl::StatusCode::kDataLoss));
  // Tiles are read with the width they have at the requested size.
  std::vector<TileId> asked;
  const TileReader record = [&](const TileId& t) {
    asked.push_back(t);
    return log.Read(t);
  };
  ASSERT_THAT(HashesFromTiles({NodeId{8, 0}, NodeId{0, 260}, NodeId{2, 64}}, 300, record), IsOk());
  // (8, 0) is stored in level-1 tile 0; (0, 260) and (2, 64) share level-0 tile 1.
  EXPECT_EQ(asked, (std::vector<TileId>{{1, 0, 1}, {0, 1, 44}}));
}

}  // namespace
}  // namespace vouch::log
