// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Helpers for C2SP tlog-tiles (https://c2sp.org/tlog-tiles): the tree's hashes stored and served
// as tiles of 256 consecutive hashes (tile height 8). Tile level L holds the hashes at tree level
// 8L; tree levels 8L+1 .. 8L+7 are recomputed from the tile's row. Pure functions; thread-safe.
//
// Paths (relative to the log's URL prefix, with a leading slash):
//   /tile/<L>/<N>[.p/<W>]       Merkle tree tile L (0..63), index N, partial width W (1..255)
//   /tile/entries/<N>[.p/<W>]   entry bundle N
// N is written in 3-digit groups, all but the last prefixed with 'x': 1234067 is x001/x234/067.
// Numbers have no extra leading zeros; the encoding is canonical (one path per tile).
#ifndef VOUCH_LOG_TILES_H_
#define VOUCH_LOG_TILES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "log/hash.h"
#include "log/merkle.h"

namespace vouch::log {

inline constexpr uint32_t kTileHeight = 8;
inline constexpr uint32_t kTileWidth = 256;    // hashes in a full tile
inline constexpr uint32_t kMaxTileLevel = 63;  // per the spec's path grammar

// One tile: level L, index N within the level, and width (number of hashes, 1..256; 256 is a
// full tile, anything less is partial). For entry bundles |level| is 0.
struct TileId {
  uint32_t level = 0;
  uint64_t index = 0;
  uint32_t width = kTileWidth;

  bool operator==(const TileId& o) const {
    return level == o.level && index == o.index && width == o.width;
  }
  bool operator!=(const TileId& o) const { return !(*this == o); }
  bool partial() const { return width < kTileWidth; }
};

// "/tile/<L>/<N>[.p/<W>]". Requires level <= 63 and 1 <= width <= 256.
std::string TilePath(const TileId& tile);
// "/tile/entries/<N>[.p/<W>]" for tile.index and tile.width (tile.level is ignored).
std::string EntriesPath(const TileId& tile);

// Parses a Merkle tree tile path. InvalidArgument (naming the problem) for anything that
// TilePath would not produce: missing "/tile/" prefix, level > 63 or with leading zeros, bad N
// groups (missing 'x', not 3 digits, non-canonical leading "x000/", overflow), width 0, >= 256 or
// with leading zeros, trailing parts.
absl::StatusOr<TileId> ParseTilePath(absl::string_view path);
// Parses an entry bundle path, with the same rules; the result has level 0.
absl::StatusOr<TileId> ParseEntriesPath(absl::string_view path);

// The N path component alone ("x001/x234/067").
std::string FormatTileIndex(uint64_t index);

// Where a perfect node lives: tile (level, index) at tree level 8*level holds the node's
// 2^k descendants (k = node.level - 8*level, 0..7) at positions [offset, offset + count).
// tile.width is the minimum width the tile must have (offset + count).
struct TileSpan {
  TileId tile;
  uint32_t offset = 0;
  uint32_t count = 1;
};

// The tile holding node (level, index) (or its descendants at the tile's level).
// InvalidArgument for level >= 64 or a node beyond 2^64 leaves.
absl::StatusOr<TileSpan> TileForNode(NodeId node);

// The width of tile (level, index) in the tree of |tree_size| leaves: 256 for full tiles, the
// partial width otherwise, 0 if the tile does not exist yet at that size.
uint32_t TileWidthForSize(uint32_t level, uint64_t index, uint64_t tree_size);

// The tile ids (with widths) that make up the tree of |tree_size|, for level L; every full
// tile and at most one partial tile. Full tiles are listed from |first_index| on.
std::vector<TileId> TilesAtLevel(uint32_t level, uint64_t tree_size, uint64_t first_index = 0);

// The hash of |node| computed from |tile_row|, the hashes of tile |span.tile| at tree level
// 8*span.tile.level (as many as the tile has). InvalidArgument if the row is too narrow.
absl::StatusOr<Hash> NodeHashFromTile(NodeId node, absl::Span<const Hash> tile_row);

// The hash of the perfect subtree whose bottom row is |row| (size a power of two, >= 1).
// InvalidArgument otherwise.
absl::StatusOr<Hash> PerfectSubtreeHash(absl::Span<const Hash> row);

// Tile contents on the wire: concatenated 32-byte hashes.
std::string TileBytes(absl::Span<const Hash> row);
// InvalidArgument unless |data| is a whole number (1..256) of hashes, and, when |width| is not
// 0, exactly |width| of them.
absl::StatusOr<std::vector<Hash>> TileFromBytes(absl::string_view data, uint32_t width = 0);

// Reads one tile's row; may return fewer hashes than kTileWidth for partial tiles.
using TileReader = std::function<absl::StatusOr<std::vector<Hash>>(const TileId&)>;

// Fetches the hashes of |ids| (all perfect nodes inside the tree of |tree_size|, e.g.
// ProofNodes::ids) from tiles, reading each needed tile once with the width it has at
// |tree_size|. The result feeds Rehash(). Errors from |read| are returned as they are;
// InvalidArgument for a node outside the tree; DataLoss if a tile row is too short.
absl::StatusOr<std::vector<Hash>> HashesFromTiles(absl::Span<const NodeId> ids, uint64_t tree_size,
                                                  const TileReader& read);

}  // namespace vouch::log

#endif  // VOUCH_LOG_TILES_H_
