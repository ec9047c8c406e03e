// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CompactRange: the O(log n) summary of a Merkle tree over leaves [0, size): the roots of the
// perfect subtrees of size's binary decomposition (after transparency-dev/merkle's compact
// package). The sequencer folds new leaves into it and learns every node hash that becomes
// final, so storage can record the tree (e.g. as tiles) without re-reading it.
//
// Thread-compatible: const methods may run concurrently; Append needs exclusive access.
#ifndef VOUCH_LOG_COMPACT_RANGE_H_
#define VOUCH_LOG_COMPACT_RANGE_H_

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "log/hash.h"
#include "log/merkle.h"

namespace vouch::log {

class CompactRange {
 public:
  // Called with each node whose hash becomes known: the new leaf (level 0) and every perfect
  // node the append completes, lowest level first.
  using Visitor = std::function<void(NodeId, const Hash&)>;

  // The empty range (size 0).
  CompactRange() = default;

  // A range over [0, size) from |hashes|: the perfect subtree roots of size's binary
  // decomposition, largest (leftmost) first. InvalidArgument if hashes.size() != popcount(size).
  static absl::StatusOr<CompactRange> FromHashes(uint64_t size, std::vector<Hash> hashes);

  // Appends a leaf with |leaf_hash| (HashLeaf of the entry). |visitor| may be empty. O(log n).
  // Requires size() < 2^64 - 1.
  void Append(const Hash& leaf_hash, const Visitor& visitor);

  // The RFC 6962 root hash of [0, size); EmptyRoot() for size 0. O(log n).
  Hash Root() const;

  // The NodeIds of hashes(), in the same order.
  std::vector<NodeId> NodeIds() const;

  uint64_t size() const { return size_; }
  const std::vector<Hash>& hashes() const { return hashes_; }

  bool operator==(const CompactRange& o) const { return size_ == o.size_ && hashes_ == o.hashes_; }

 private:
  CompactRange(uint64_t size, std::vector<Hash> hashes) : size_(size), hashes_(std::move(hashes)) {}

  uint64_t size_ = 0;
  std::vector<Hash> hashes_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_COMPACT_RANGE_H_
