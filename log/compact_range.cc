// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/compact_range.h"

#include <utility>

#include "absl/numeric/bits.h"
#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace vouch::log {

absl::StatusOr<CompactRange> CompactRange::FromHashes(uint64_t size, std::vector<Hash> hashes) {
  const size_t want = static_cast<size_t>(absl::popcount(size));
  if (hashes.size() != want) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "compact range of size %d needs %d hashes, got %d", size, want, hashes.size()));
  }
  return CompactRange(size, std::move(hashes));
}

void CompactRange::Append(const Hash& leaf_hash, const Visitor& visitor) {
  NodeId node{0, size_};
  Hash hash = leaf_hash;
  if (visitor) visitor(node, hash);
  // Each set low bit of size_ is a perfect subtree immediately to the left that the new node
  // now completes into one of twice the size.
  for (uint64_t s = size_; (s & 1) != 0; s >>= 1) {
    hash = HashChildren(hashes_.back(), hash);
    hashes_.pop_back();
    node = node.Parent();
    if (visitor) visitor(node, hash);
  }
  hashes_.push_back(hash);
  ++size_;
}

Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyRoot();
  Hash root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) root = HashChildren(hashes_[i], root);
  return root;
}

std::vector<NodeId> CompactRange::NodeIds() const {
  std::vector<NodeId> ids;
  ids.reserve(hashes_.size());
  uint64_t pos = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t bit = uint64_t{1} << level;
    if ((size_ & bit) == 0) continue;
    ids.push_back(NodeId{static_cast<uint32_t>(level), pos >> level});
    pos += bit;
  }
  return ids;
}

}  // namespace vouch::log
