// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Merkle inclusion and consistency proofs for RFC 6962 / RFC 9162 trees, after
// transparency-dev/merkle's proof package. Pure functions with no IO and no state; thread-safe.
//
// Serving a proof takes three separate steps:
//   1. which nodes are needed:   InclusionNodes(index, size) / ConsistencyNodes(size1, size2);
//   2. fetching their hashes:    storage (e.g. from tiles, log/tiles.h), one hash per id;
//   3. turning them into a proof: Rehash(nodes, fetched).
// Verifying a proof needs only the Verify* functions below.
//
// Node coordinates: a NodeId {level, index} is the root of the perfect subtree over leaves
// [index << level, (index + 1) << level). Leaves are level 0. Indices are 0-based, sizes are
// leaf counts.
#ifndef VOUCH_LOG_MERKLE_H_
#define VOUCH_LOG_MERKLE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "log/hash.h"

namespace vouch::log {

// The root of a perfect subtree: leaves [index << level, (index + 1) << level).
struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;

  bool operator==(const NodeId& o) const { return level == o.level && index == o.index; }
  bool operator!=(const NodeId& o) const { return !(*this == o); }

  // Leaves covered: [begin, end). Requires level < 64.
  uint64_t Begin() const { return index << level; }
  uint64_t End() const { return (index + 1) << level; }
  NodeId Parent() const { return NodeId{level + 1, index >> 1}; }
  NodeId Sibling() const { return NodeId{level, index ^ 1}; }
};

// The perfect-subtree nodes whose hashes make up a proof.
struct ProofNodes {
  // Nodes to fetch, in proof order; every one is a perfect subtree inside the tree.
  std::vector<NodeId> ids;
  // ids[begin, end) (ordered from lower to upper levels) are hashed together, right to left,
  // into the single ephemeral node |ephem| (the right border of the tree, not a perfect
  // subtree). begin == end == 0 when there is nothing to combine.
  size_t begin = 0, end = 0;
  NodeId ephem;
};

// The nodes of the inclusion proof for leaf |index| in the tree of |size| leaves.
// InvalidArgument ("index %d out of range for size %d") unless index < size.
absl::StatusOr<ProofNodes> InclusionNodes(uint64_t index, uint64_t size);

// The nodes of the consistency proof from the tree of |size1| leaves to the tree of |size2|.
// Empty when size1 == 0 or size1 == size2 (RFC 9162 2.1.4). InvalidArgument if size1 > size2.
absl::StatusOr<ProofNodes> ConsistencyNodes(uint64_t size1, uint64_t size2);

// Turns |fetched| (one hash per nodes.ids, same order) into the final proof by hashing
// ids[begin, end) into the ephemeral node. InvalidArgument ("got %d hashes, want %d") when the
// count does not match.
absl::StatusOr<std::vector<Hash>> Rehash(const ProofNodes& nodes, std::vector<Hash> fetched);

// The number of hashes in a correct inclusion proof for (index, size) (index < size).
size_t InclusionProofSize(uint64_t index, uint64_t size);

// Recomputes the root of the tree of |size| from leaf |index|'s hash and its inclusion proof.
// InvalidArgument for index >= size ("index %d out of range for size %d") or a proof of the
// wrong length ("wrong proof size %d, want %d").
absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                            absl::Span<const Hash> proof);

// Verifies that |proof| proves leaf |index| (with |leaf_hash|) is in the tree of |size| with
// |root|. Requires index < size. Returns InvalidArgument for malformed input and
// FailedPrecondition (with both roots, hex, in the message) on mismatch.
absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root);

// Verifies that the tree of |size2| with |root2| extends the tree of |size1| with |root1|.
// Per RFC 9162: size1 == size2 needs an empty proof and root1 == root2; size1 == 0 needs an
// empty proof and root1 == EmptyRoot() (every tree extends the empty one; so two empty trees
// both need the empty root). InvalidArgument for size1 > size2 or a malformed proof ("wrong
// proof size %d, want %d"); FailedPrecondition with both roots (hex) when a recomputed root does
// not match.
absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const Hash> proof,
                               const Hash& root1, const Hash& root2);

}  // namespace vouch::log

#endif  // VOUCH_LOG_MERKLE_H_
