// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/integrator.h"

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace vouch::log {

absl::StatusOr<Integrator> Integrator::Resume(const TreeState& state, LogReader& r) {
  Integrator out;
  auto range = CompactRange::FromHashes(state.size, state.compact_range);
  if (!range.ok()) {
    return absl::DataLossError(
        absl::StrCat("tree_state compact range: ", range.status().message()));
  }
  if (range->Root() != state.root) {
    return absl::DataLossError(absl::StrCat("tree_state compact range hashes to ",
                                            HashToHex(range->Root()), ", not to the tree's root ",
                                            HashToHex(state.root)));
  }
  out.range_ = *std::move(range);
  // The right-edge (partial) tile of every level.
  for (uint32_t level = 0; level < kStoredTileLevels; ++level) {
    const uint64_t n = state.size >> (8 * level);
    if (n == 0) break;
    if (n % 256 == 0) continue;
    absl::StatusOr<StoredTile> stored = r.ReadTile(level, n / 256);
    if (absl::IsNotFound(stored.status())) {
      return absl::DataLossError(absl::StrCat("edge tile ", level, "/", n / 256,
                                              " of the tree of size ", state.size,
                                              " is missing from storage"));
    }
    if (!stored.ok()) return stored.status();
    VOUCH_ASSIGN_OR_RETURN(TileBuilder tile, TileBuilder::FromStored(*stored));
    out.edge_tiles_[{level, n / 256}] = std::make_shared<const TileBuilder>(std::move(tile));
  }
  return out;
}

Integrator::Integration Integrator::Integrate(absl::Span<const Hash> leaves) const {
  Integration out;
  out.range_ = range_;
  std::map<TileKey, std::shared_ptr<TileBuilder>> dirty;
  auto visitor = [&](NodeId node, const Hash& hash) {
    absl::StatusOr<StoredTileSlot> slot = SlotForNode(node);
    // Nodes outside stored tiles belong to trees beyond 2^64 leaves, which do not exist.
    if (!slot.ok() || slot->tile_level >= kStoredTileLevels) return;
    const TileKey key{slot->tile_level, slot->tile_index};
    auto it = dirty.find(key);
    if (it == dirty.end()) {
      auto edge = edge_tiles_.find(key);
      auto tile = edge != edge_tiles_.end()
                      ? std::make_shared<TileBuilder>(*edge->second)
                      : std::make_shared<TileBuilder>(slot->tile_level, slot->tile_index);
      it = dirty.emplace(key, std::move(tile)).first;
    }
    it->second->Set(*slot, hash);
  };
  for (const Hash& leaf : leaves) out.range_.Append(leaf, visitor);
  out.size = out.range_.size();
  out.root = out.range_.Root();
  out.compact_range = out.range_.hashes();
  out.tiles.reserve(dirty.size());
  for (auto& [key, tile] : dirty) {
    out.tiles.push_back(std::make_shared<const StoredTile>(tile->ToStored()));
    out.changed_.emplace(key, std::move(tile));
  }
  return out;
}

void Integrator::Advance(Integration&& integration) {
  range_ = std::move(integration.range_);
  for (auto& [key, tile] : integration.changed_) {
    if (tile->full()) {
      edge_tiles_.erase(key);
    } else {
      edge_tiles_[key] = std::move(tile);
    }
  }
}

}  // namespace vouch::log
