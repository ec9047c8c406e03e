// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Integrator: the second stage of an append, in Tessera's words: sequenced entries become
// *integrated*, i.e. part of the Merkle tree. It holds the tree's compact range and its right-edge
// (partial) tile of every level, folds a batch's leaves into a copy of them and returns the new
// size, root, compact range and every tile the batch completed or changed (built with
// log/tile_builder.h), ready to be written in the batch's transaction. It does no IO except
// reading the edge tiles once when resumed from storage, and has no threads: tests drive it
// directly and compare it with a reference tree.
//
// Integrate() proposes; the tree moves on only with Advance(). The sequencer advances as soon as
// it hands a batch to the writer (so the next batch integrates on top of it while the first is
// written) and, after a failed commit, resumes from the durable tree state instead.
//
// Thread-compatible: one owner (the sequencer thread).
#ifndef VOUCH_LOG_INTEGRATOR_H_
#define VOUCH_LOG_INTEGRATOR_H_

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/compact_range.h"
#include "log/hash.h"
#include "log/storage.h"
#include "log/tile_builder.h"

namespace vouch::log {

class Integrator {
 public:
  // What a batch makes of the tree.
  struct Integration {
    uint64_t size = 0;
    Hash root{};
    std::vector<Hash> compact_range;
    // Every tile the batch changed, in its new version, ordered by (level, index).
    std::vector<std::shared_ptr<const StoredTile>> tiles;

   private:
    friend class Integrator;
    CompactRange range_;
    std::map<std::pair<uint32_t, uint64_t>, std::shared_ptr<const TileBuilder>> changed_;
  };

  // The empty tree.
  Integrator() = default;

  // The tree of |state| (the durable tree state), with its edge tiles read through |r|.
  // DataLoss naming the problem if the compact range does not fit the size or an edge tile is
  // missing or malformed; storage errors as they are.
  static absl::StatusOr<Integrator> Resume(const TreeState& state, LogReader& r);

  // Folds |leaves| (leaf hashes, in index order from size()) into a copy of the tree. Does not
  // change the integrator.
  Integration Integrate(absl::Span<const Hash> leaves) const;

  // Moves on to the tree of |integration|, which must come from Integrate() on this integrator's
  // current tree.
  void Advance(Integration&& integration);

  uint64_t size() const { return range_.size(); }
  Hash Root() const { return range_.Root(); }

 private:
  using TileKey = std::pair<uint32_t, uint64_t>;

  CompactRange range_;
  // The partial tile of each level (full tiles never change again).
  std::map<TileKey, std::shared_ptr<const TileBuilder>> edge_tiles_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_INTEGRATOR_H_
