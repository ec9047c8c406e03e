// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/tile_builder.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "log/tiles.h"

namespace vouch::log {

absl::StatusOr<StoredTileSlot> SlotForNode(NodeId node) {
  absl::StatusOr<TileSpan> span = TileForNode(node);
  if (!span.ok()) return span.status();
  StoredTileSlot slot;
  slot.tile_level = span->tile.level;
  slot.tile_index = span->tile.index;
  slot.row = node.level % kTileHeight;
  slot.pos = span->offset >> slot.row;
  return slot;
}

absl::StatusOr<Hash> HashInStoredTile(const StoredTile& tile, NodeId node) {
  absl::StatusOr<StoredTileSlot> slot = SlotForNode(node);
  if (!slot.ok()) return slot.status();
  if (slot->pos >= (tile.width >> slot->row) ||
      tile.hashes.size() < TileRowOffset(tile.width, slot->row) + (size_t{slot->pos} + 1) * 32) {
    return absl::NotFoundError(absl::StrCat("node (level ", node.level, ", index ", node.index,
                                            ") is not in tile ", tile.level, "/", tile.index));
  }
  Hash h;
  std::memcpy(h.data(),
              tile.hashes.data() + TileRowOffset(tile.width, slot->row) + size_t{slot->pos} * 32,
              32);
  return h;
}

absl::StatusOr<TileBuilder> TileBuilder::FromStored(const StoredTile& s) {
  if (s.width < 1 || s.width > 256 || s.hashes.size() != StoredTileBytes(s.width)) {
    return absl::DataLossError(absl::StrCat("tile ", s.level, "/", s.index, ": width ", s.width,
                                            " with ", s.hashes.size(), " bytes of hashes"));
  }
  TileBuilder t(s.level, s.index);
  for (uint32_t k = 0; k < 8; ++k) {
    const size_t off = TileRowOffset(s.width, k);
    const uint32_t n = s.width >> k;
    t.rows_[k].resize(n);
    for (uint32_t p = 0; p < n; ++p) {
      std::memcpy(t.rows_[k][p].data(), s.hashes.data() + off + size_t{p} * 32, 32);
    }
  }
  return t;
}

void TileBuilder::Set(const StoredTileSlot& slot, const Hash& hash) {
  std::vector<Hash>& row = rows_[slot.row];
  if (row.size() <= slot.pos) row.resize(slot.pos + 1);
  row[slot.pos] = hash;
}

StoredTile TileBuilder::ToStored() const {
  StoredTile t;
  t.level = level_;
  t.index = index_;
  t.width = width();
  t.hashes.reserve(StoredTileBytes(t.width));
  for (uint32_t k = 0; k < 8; ++k) {
    for (uint32_t p = 0; p < (t.width >> k); ++p) {
      t.hashes.append(reinterpret_cast<const char*>(rows_[k][p].data()), 32);
    }
  }
  return t;
}

}  // namespace vouch::log
