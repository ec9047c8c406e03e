// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/reader.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"
#include "log/tile_builder.h"

namespace vouch::log {

Reader::Reader(LogStorage* storage, const ReaderOptions& options)
    : storage_(storage), options_(options) {}

void Reader::Publish(const TreeState& state,
                     const std::vector<std::shared_ptr<const StoredTile>>& tiles) {
  {
    absl::MutexLock l(&cache_mu_);
    for (const auto& tile : tiles) CacheTile(tile);
  }
  absl::MutexLock l(&state_mu_);
  state_ = state;
  state_.compact_range.clear();
}

bool Reader::PublishIfLatest(const TreeState& expected, const TreeState& state) {
  absl::MutexLock l(&state_mu_);
  if (state_.size != expected.size || state_.root != expected.root ||
      state_.checkpoint != expected.checkpoint) {
    return false;
  }
  state_ = state;
  state_.compact_range.clear();
  return true;
}

TreeState Reader::Latest() const {
  absl::MutexLock l(&state_mu_);
  return state_;
}

uint64_t Reader::integrity_failures() const {
  absl::MutexLock l(&state_mu_);
  return integrity_failures_;
}

void Reader::CacheTile(std::shared_ptr<const StoredTile> tile) {
  const TileKey key{tile->level, tile->index};
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    // A read that raced a commit may bring back an older, narrower version of an edge tile than
    // the one the writer just published: keep the wider one (tiles only grow).
    if (it->second->width <= tile->width) it->second = std::move(tile);
    return;
  }
  if (cache_.size() >= options_.tile_cache_size) cache_.erase(cache_.begin());
  cache_.emplace(key, std::move(tile));
}

absl::StatusOr<std::shared_ptr<const StoredTile>> Reader::GetTile(uint32_t level, uint64_t index,
                                                                  uint32_t min_width) {
  {
    absl::MutexLock l(&cache_mu_);
    auto it = cache_.find(TileKey{level, index});
    // A cached edge tile narrower than needed is from before the tree grew (another front end
    // sequenced the growth): read the stored one.
    if (it != cache_.end() && it->second->width >= min_width) return it->second;
  }
  auto stored = std::make_shared<StoredTile>();
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(*stored, r.ReadTile(level, index));
    return absl::OkStatus();
  }));
  absl::MutexLock l(&cache_mu_);
  CacheTile(stored);
  return std::shared_ptr<const StoredTile>(stored);
}

absl::StatusOr<Hash> Reader::NodeHash(uint32_t level, uint64_t index) {
  const NodeId node{level, index};
  VOUCH_ASSIGN_OR_RETURN(StoredTileSlot slot, SlotForNode(node));
  VOUCH_ASSIGN_OR_RETURN(auto tile, GetTile(slot.tile_level, slot.tile_index, WidthHolding(slot)));
  return HashInStoredTile(*tile, node);
}

absl::StatusOr<std::vector<Hash>> Reader::NodeHashes(const std::vector<NodeId>& ids) {
  std::vector<TileKey> keys(ids.size());
  absl::flat_hash_map<TileKey, std::shared_ptr<const StoredTile>> tiles;
  absl::flat_hash_map<TileKey, uint32_t> min_width;  // Width each tile must have.
  std::vector<TileKey> missing;
  for (size_t i = 0; i < ids.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(StoredTileSlot slot, SlotForNode(ids[i]));
    keys[i] = TileKey{slot.tile_level, slot.tile_index};
    uint32_t& w = min_width[keys[i]];
    w = std::max(w, WidthHolding(slot));
  }
  {
    absl::MutexLock l(&cache_mu_);
    for (const TileKey& key : keys) {
      if (tiles.contains(key)) continue;
      auto it = cache_.find(key);
      // A cached edge tile narrower than needed predates growth another front end sequenced.
      if (it != cache_.end() && it->second->width >= min_width[key]) {
        tiles[key] = it->second;
      } else {
        tiles[key] = nullptr;
        missing.push_back(key);
      }
    }
  }
  if (!missing.empty()) {
    VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
      for (const TileKey& key : missing) {
        auto stored = std::make_shared<StoredTile>();
        VOUCH_ASSIGN_OR_RETURN(*stored, r.ReadTile(key.first, key.second));
        tiles[key] = stored;
      }
      return absl::OkStatus();
    }));
    absl::MutexLock l(&cache_mu_);
    for (const TileKey& key : missing) CacheTile(tiles[key]);
  }
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(Hash h, HashInStoredTile(*tiles[keys[i]], ids[i]));
    out.push_back(h);
  }
  return out;
}

absl::Status Reader::CheckGrowth(const TreeState& from, const TreeState& to) {
  if (to.size < from.size) {
    return absl::DataLossError(
        absl::StrCat("the stored tree shrank from ", from.size, " to ", to.size, " entries"));
  }
  std::vector<Hash> proof;
  if (from.size > 0 && to.size > from.size) {
    VOUCH_ASSIGN_OR_RETURN(ProofNodes nodes, ConsistencyNodes(from.size, to.size));
    VOUCH_ASSIGN_OR_RETURN(std::vector<Hash> fetched, NodeHashes(nodes.ids));
    VOUCH_ASSIGN_OR_RETURN(proof, Rehash(nodes, std::move(fetched)));
  }
  absl::Status s = VerifyConsistency(from.size, to.size, proof, from.root, to.root);
  if (!s.ok()) {
    return absl::DataLossError(absl::StrCat("the stored tree of ", to.size,
                                            " entries does not extend the published tree of ",
                                            from.size, ": ", s.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Hash>> Reader::InclusionProof(uint64_t index, uint64_t size) {
  VOUCH_ASSIGN_OR_RETURN(ProofNodes nodes, InclusionNodes(index, size));
  VOUCH_ASSIGN_OR_RETURN(std::vector<Hash> fetched, NodeHashes(nodes.ids));
  return Rehash(nodes, std::move(fetched));
}

absl::StatusOr<std::vector<Hash>> Reader::ConsistencyProof(uint64_t first, uint64_t last) {
  const uint64_t size = Latest().size;
  if (first < 1 || first > last || last > size) {
    return absl::InvalidArgumentError(absl::StrCat("consistency proof from ", first, " to ", last,
                                                   ": want 1 <= firstSize <= lastSize <= ", size));
  }
  VOUCH_ASSIGN_OR_RETURN(ProofNodes nodes, ConsistencyNodes(first, last));
  VOUCH_ASSIGN_OR_RETURN(std::vector<Hash> fetched, NodeHashes(nodes.ids));
  return Rehash(nodes, std::move(fetched));
}

absl::StatusOr<EntryWithProof> Reader::WithProofAt(StoredEntry entry, const TreeState& state) {
  EntryWithProof out;
  VOUCH_ASSIGN_OR_RETURN(out.proof, InclusionProof(entry.index, state.size));
  VOUCH_RETURN_IF_ERROR(CheckServedProof(entry, state.size, state.root, out.proof));
  out.entry = std::move(entry);
  out.tree_size = state.size;
  out.root = state.root;
  out.checkpoint = state.checkpoint;
  return out;
}

absl::StatusOr<EntryWithProof> Reader::GetByIndex(uint64_t index) {
  const TreeState latest = Latest();
  if (index >= latest.size) {
    return absl::NotFoundError(
        absl::StrCat("logIndex ", index, " is past the end of the log (size ", latest.size, ")"));
  }
  StoredEntry e;
  absl::Status read = storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(e, r.ReadEntry(index));
    return absl::OkStatus();
  });
  if (absl::IsNotFound(read)) {
    return ReportIntegrityFailure(absl::DataLossError(
        absl::StrCat("entry ", index, " is missing from storage (the signed tree has ", latest.size,
                     " entries)")));
  }
  VOUCH_RETURN_IF_ERROR(read);
  return WithProofAt(std::move(e), latest);
}

absl::StatusOr<EntryWithProof> Reader::GetByLeafHash(const Hash& leaf_hash) {
  std::optional<uint64_t> index;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(index, r.FindLeaf(leaf_hash));
    return absl::OkStatus();
  }));
  if (!index.has_value()) {
    return absl::NotFoundError(absl::StrCat("no entry with UUID ", HashToHex(leaf_hash)));
  }
  return GetByIndex(*index);
}

absl::StatusOr<std::vector<uint64_t>> Reader::Search(const std::string& key, size_t limit) {
  std::vector<uint64_t> out;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, r.FindByKey(key, limit));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> Reader::TileData(uint32_t level, uint64_t index, uint32_t width) {
  if (width < 1 || width > 256) return absl::InvalidArgumentError("tile width must be 1..256");
  // Serve only what a published checkpoint covers.
  const uint64_t size = Latest().size;
  const uint64_t level_nodes = level >= kStoredTileLevels ? 0 : (size >> (8 * level));
  if (index >= level_nodes / 256 + 1 || index * 256 + width > level_nodes) {
    return absl::NotFoundError(
        absl::StrCat("tile ", level, "/", index, ".p/", width, " is past the published tree"));
  }
  VOUCH_ASSIGN_OR_RETURN(auto tile, GetTile(level, index, width));
  if (tile->width < width) {
    return absl::NotFoundError(
        absl::StrCat("tile ", level, "/", index, " has only ", tile->width, " hashes"));
  }
  return tile->hashes.substr(0, size_t{width} * 32);
}

absl::StatusOr<std::string> Reader::EntryBundle(uint64_t index, uint32_t width) {
  if (width < 1 || width > 256) return absl::InvalidArgumentError("bundle width must be 1..256");
  const uint64_t size = Latest().size;
  if (index > size / 256 || index * 256 + width > size) {
    return absl::NotFoundError(
        absl::StrCat("entry bundle ", index, " of width ", width, " is past the published tree"));
  }
  const uint64_t begin = index * 256;
  std::vector<StoredEntry> entries;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(entries, r.ReadEntries(begin, begin + width));
    return absl::OkStatus();
  }));
  if (entries.size() != width) {
    return ReportIntegrityFailure(
        absl::DataLossError(absl::StrCat("entry bundle ", index, ": ", width - entries.size(),
                                         " of its ", width, " entries are missing from storage")));
  }
  std::string out;
  for (const StoredEntry& e : entries) {
    if (e.body.size() > 0xffff) {
      return absl::InternalError(absl::StrCat("entry ", e.index, " is larger than 65535 bytes"));
    }
    out.push_back(static_cast<char>(e.body.size() >> 8));
    out.push_back(static_cast<char>(e.body.size() & 0xff));
    out.append(e.body);
  }
  return out;
}

absl::Status Reader::CheckServedProof(const StoredEntry& entry, uint64_t size, const Hash& root,
                                      const std::vector<Hash>& proof) {
  const Hash leaf = HashLeaf(entry.body);
  if (leaf != entry.leaf_hash) {
    return ReportIntegrityFailure(absl::DataLossError(
        absl::StrCat("entry ", entry.index, ": body hashes to ", HashToHex(leaf),
                     " but its stored UUID (leaf hash) is ", HashToHex(entry.leaf_hash))));
  }
  if (entry.integrated_time <= 0) {
    return ReportIntegrityFailure(absl::DataLossError(absl::StrCat(
        "entry ", entry.index, ": integratedTime ", entry.integrated_time, " is not positive")));
  }
  absl::StatusOr<Hash> got = RootFromInclusionProof(entry.index, size, leaf, proof);
  if (!got.ok() || *got != root) {
    return ReportIntegrityFailure(absl::DataLossError(absl::StrCat(
        "entry ", entry.index, ": inclusion proof does not verify against the checkpoint of size ",
        size, ": ",
        got.ok() ? absl::StrCat("the stored body and proof lead to root ", HashToHex(*got),
                                ", the checkpoint's is ", HashToHex(root))
                 : std::string(got.status().message()))));
  }
  return absl::OkStatus();
}

absl::Status Reader::ReportIntegrityFailure(const absl::Status& failure) {
  VLOG_ERROR << "integrity failure: " << failure.message();
  {
    absl::MutexLock l(&state_mu_);
    integrity_failures_++;
  }
  if (options_.health != nullptr) {
    options_.health->SetProblem(kIntegrityHealthKey, std::string(failure.message()),
                                /*sticky=*/true);
  }
  return failure;
}

}  // namespace vouch::log
