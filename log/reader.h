// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Reader: the log's read side. It serves what is *published* (Tessera's word: covered by a signed
// checkpoint, here also durable): entries with inclusion proofs, consistency proofs, C2SP tiles
// and entry bundles, search by key. Proof hashes come from the stored tiles (log/tile_builder.h)
// through an in-memory tile cache. The writer hands it each newly durable tree state and the
// tiles written with it (Publish); nothing past the latest published tree is served.
//
// Nothing served is taken on trust: every entry answered with a proof is checked against the
// checkpoint from its stored body (O(log n) hashes), and a mismatch is answered with DataLoss
// naming the entry, counted and reported to Health as a lasting integrity failure.
//
// Thread-safe, and without threads of its own: tests drive it directly over storage.
#ifndef VOUCH_LOG_READER_H_
#define VOUCH_LOG_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/health.h"
#include "log/append.h"
#include "log/hash.h"
#include "log/merkle.h"
#include "log/storage.h"
#include "log/tile_builder.h"

namespace vouch::log {

struct ReaderOptions {
  // In-memory tiles kept for proofs (each up to 16 KiB).
  size_t tile_cache_size = 4096;
  // Where integrity failures are reported ("log.integrity", for good). Null: nowhere. Must
  // outlive the Reader.
  Health* health = nullptr;
};

class Reader {
 public:
  // Health key of integrity failures.
  static constexpr char kIntegrityHealthKey[] = "log.integrity";

  // Reads |storage| (which must outlive the Reader). Nothing is published until Publish().
  Reader(LogStorage* storage, const ReaderOptions& options);
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Makes |state| the latest published tree and |tiles| servable. Both MUST be durable (the
  // writer calls this after its transaction commits; Log::Open with the checked stored tree).
  // |state|'s compact range is not kept.
  void Publish(const TreeState& state, const std::vector<std::shared_ptr<const StoredTile>>& tiles);

  // Publish(state, {}) if the latest published tree is still |expected| (same size, root and
  // checkpoint); false, publishing nothing, if another Publish came first.
  bool PublishIfLatest(const TreeState& expected, const TreeState& state);

  // The latest published tree state (without compact range).
  TreeState Latest() const;

  // An inclusion proof for |index| in the tree of |size| (index < size <= the published size is
  // the caller's to ensure). NotFound if a tile it needs is not stored; DataLoss for a malformed
  // tile.
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size);
  // Consistency proof between tree sizes; InvalidArgument unless 1 <= first <= last <= the
  // published size.
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t last);
  // The hash of tree node (level, index) from the stored tiles (the start-up check). NotFound
  // if no stored tile holds it.
  absl::StatusOr<Hash> NodeHash(uint32_t level, uint64_t index);

  // |entry| with a proof against the tree of |state| (a published state at least as large as
  // index + 1), checked: DataLoss (an integrity failure: counted and reported) if its body does not
  // hash to its UUID, its integratedTime is not positive or the proof does not verify.
  absl::StatusOr<EntryWithProof> WithProofAt(StoredEntry entry, const TreeState& state);

  // OK if the tree of |to| extends the tree of |from| (a consistency proof from the stored tiles,
  // which must hold |to|'s, verified against both roots); DataLoss naming both sizes otherwise.
  // For a tree another process grew (several front ends), before Publish(to).
  absl::Status CheckGrowth(const TreeState& from, const TreeState& to);

  // The entry at |index| with a proof against the latest checkpoint. NotFound past the end;
  // DataLoss as WithProofAt, and if storage lacks an entry inside the tree.
  absl::StatusOr<EntryWithProof> GetByIndex(uint64_t index);
  // The entry whose leaf hash is |leaf_hash|. NotFound if absent; DataLoss as GetByIndex.
  absl::StatusOr<EntryWithProof> GetByLeafHash(const Hash& leaf_hash);
  // Indices of entries with search key |key| (at most |limit|).
  absl::StatusOr<std::vector<uint64_t>> Search(const std::string& key, size_t limit);
  // C2SP tile: row 0 of tile (level, index), |width| hashes. InvalidArgument for a width outside
  // 1..256; NotFound if not that wide in the published tree.
  absl::StatusOr<std::string> TileData(uint32_t level, uint64_t index, uint32_t width);
  // C2SP entry bundle: entries [index*256, index*256+width), each as uint16 big-endian length +
  // body. NotFound if the published tree has not that many; DataLoss if storage lacks some.
  absl::StatusOr<std::string> EntryBundle(uint64_t index, uint32_t width);

  // Records an integrity failure: logged, counted and reported to health for good. Returns
  // |failure|.
  absl::Status ReportIntegrityFailure(const absl::Status& failure);
  uint64_t integrity_failures() const;

 private:
  using TileKey = std::pair<uint32_t, uint64_t>;

  // The tile, from the cache if it is there at least |min_width| wide, else from storage.
  absl::StatusOr<std::shared_ptr<const StoredTile>> GetTile(uint32_t level, uint64_t index,
                                                            uint32_t min_width);
  // The least width of a tile that holds the node at |slot|.
  static uint32_t WidthHolding(const StoredTileSlot& slot) { return (slot.pos + 1) << slot.row; }
  // The hashes of |ids| (perfect nodes), reading all missing tiles in one transaction.
  absl::StatusOr<std::vector<Hash>> NodeHashes(const std::vector<NodeId>& ids);
  void CacheTile(std::shared_ptr<const StoredTile> tile) ABSL_EXCLUSIVE_LOCKS_REQUIRED(cache_mu_);
  // DataLoss (reported) unless |proof| proves |entry|, hashed from its stored body, is in the tree
  // of |size| with |root|.
  absl::Status CheckServedProof(const StoredEntry& entry, uint64_t size, const Hash& root,
                                const std::vector<Hash>& proof);

  LogStorage* const storage_;
  const ReaderOptions options_;

  mutable absl::Mutex state_mu_;
  TreeState state_ ABSL_GUARDED_BY(state_mu_);
  uint64_t integrity_failures_ ABSL_GUARDED_BY(state_mu_) = 0;

  absl::Mutex cache_mu_;
  absl::flat_hash_map<TileKey, std::shared_ptr<const StoredTile>> cache_ ABSL_GUARDED_BY(cache_mu_);
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_READER_H_
