// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The tree as the log stores it: a StoredTile (log/storage.h) is the C2SP tile (level L, index N)
// of log/tiles.h, whose bottom row holds the hashes at tree level 8L, plus the complete nodes of
// the 7 tree levels above that row inside the tile, so a proof needs no rehashing. This file says
// where a node lives in a stored tile (with log/tiles.h's TileForNode, the one place that maps
// nodes to tiles), reads it back, and builds stored tiles from the nodes an append completes
// (TileBuilder, used by the integrator; the reader, the start-up check and the integrity checks
// read what it builds).
//
// Free functions are thread-safe; TileBuilder is thread-compatible.
#ifndef VOUCH_LOG_TILE_BUILDER_H_
#define VOUCH_LOG_TILE_BUILDER_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "log/hash.h"
#include "log/merkle.h"
#include "log/storage.h"

namespace vouch::log {

// Tile levels the log stores: 8 levels of 8 tree levels each cover every tree of up to 2^64
// leaves.
inline constexpr uint32_t kStoredTileLevels = 8;

// Where node (level, index) lives: stored tile (tile_level, tile_index), row |row| (its tree
// level is 8 * tile_level + row), position |pos| in that row.
struct StoredTileSlot {
  uint32_t tile_level = 0;
  uint64_t tile_index = 0;
  uint32_t row = 0;
  uint32_t pos = 0;
};

// The slot of |node|. InvalidArgument for a node outside a tree of 2^64 leaves.
absl::StatusOr<StoredTileSlot> SlotForNode(NodeId node);

// The hash of |node| in |tile| (which must be the tile SlotForNode names). NotFound, naming the
// node and the tile, if the tile is not wide enough to hold it yet; InvalidArgument as
// SlotForNode.
absl::StatusOr<Hash> HashInStoredTile(const StoredTile& tile, NodeId node);

// A tile's complete nodes while a batch is integrated: rows[k] holds the nodes at tree level
// 8 * level + k, left to right.
class TileBuilder {
 public:
  TileBuilder(uint32_t level, uint64_t index) : level_(level), index_(index) {}

  // The tile in |stored|, to extend. DataLoss naming the tile if its width or size is wrong.
  static absl::StatusOr<TileBuilder> FromStored(const StoredTile& stored);

  // Sets the node at |slot| (whose tile must be this one), growing the row as needed.
  void Set(const StoredTileSlot& slot, const Hash& hash);

  uint32_t level() const { return level_; }
  uint64_t index() const { return index_; }
  // Hashes in the bottom row (1..256 once any is set).
  uint32_t width() const { return static_cast<uint32_t>(rows_[0].size()); }
  bool full() const { return width() == 256; }

  // The stored form: row 0, then row 1, ..., row 7 (see TileRowOffset).
  StoredTile ToStored() const;

 private:
  uint32_t level_;
  uint64_t index_;
  std::array<std::vector<Hash>, 8> rows_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_TILE_BUILDER_H_
