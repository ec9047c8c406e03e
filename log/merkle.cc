// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/merkle.h"

#include <algorithm>
#include <utility>

#include "absl/numeric/bits.h"
#include "absl/strings/str_format.h"

namespace vouch::log {
namespace {

// Number of bits needed to represent |x| (0 for 0).
int BitLen(uint64_t x) { return 64 - absl::countl_zero(x); }

// x >> n, defined as 0 for n >= 64.
uint64_t Shr(uint64_t x, int n) { return n >= 64 ? 0 : x >> n; }

// Appends the perfect subtrees covering [begin, begin + count) to |out|, ordered from lower to
// upper levels (right to left). Requires that |begin| is aligned to the highest bit of |count|
// (true for both uses below).
void AppendRangeLowToHigh(uint64_t begin, uint64_t count, std::vector<NodeId>* out) {
  const size_t first = out->size();
  uint64_t pos = begin;
  for (int level = 63; level >= 0; --level) {
    const uint64_t bit = uint64_t{1} << level;
    if ((count & bit) == 0) continue;
    out->push_back(NodeId{static_cast<uint32_t>(level), pos >> level});
    pos += bit;
  }
  std::reverse(out->begin() + first, out->end());
}

// The nodes proving that perfect node (level, index) is in the tree of |size|, with the node
// itself first. Requires (index + 1) << level <= size and index < size >> level.
ProofNodes PathNodes(uint32_t level, uint64_t index, uint64_t size) {
  // |fork| is where the path from the root to (level, index) leaves the path to the right
  // border; its sibling is the ephemeral node over the incomplete right part of the tree.
  const int inner = BitLen(index ^ (size >> level)) - 1;
  const NodeId fork{level + static_cast<uint32_t>(inner), index >> inner};
  const uint64_t fork_begin = fork.Begin();
  const uint64_t fork_end = fork.End();

  ProofNodes out;
  out.ids.reserve(1 + inner + 2 * 64);
  NodeId node{level, index};
  out.ids.push_back(node);
  // Siblings along the path up to the fork.
  for (; node.level < fork.level; node = node.Parent()) out.ids.push_back(node.Sibling());
  // The right border [fork_end, size): hashed together into the ephemeral node.
  const size_t begin = out.ids.size();
  AppendRangeLowToHigh(fork_end, size - fork_end, &out.ids);
  const size_t end = out.ids.size();
  // Everything left of the fork: [0, fork_begin).
  AppendRangeLowToHigh(0, fork_begin, &out.ids);
  if (begin < end) {
    out.begin = begin;
    out.end = end;
  }
  out.ephem = fork.Sibling();
  return out;
}

ProofNodes SkipFirst(ProofNodes nodes) {
  nodes.ids.erase(nodes.ids.begin());
  if (nodes.begin < nodes.end) {
    --nodes.begin;
    --nodes.end;
  }
  return nodes;
}

// Hashes |seed| up the path of leaf/node |index| with the inner proof hashes.
Hash ChainInner(Hash seed, absl::Span<const Hash> proof, uint64_t index) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if ((Shr(index, static_cast<int>(i)) & 1) == 0) {
      seed = HashChildren(seed, proof[i]);
    } else {
      seed = HashChildren(proof[i], seed);
    }
  }
  return seed;
}

// As ChainInner, but only the steps where the proof hash is on the left (the old tree's part).
Hash ChainInnerRight(Hash seed, absl::Span<const Hash> proof, uint64_t index) {
  for (size_t i = 0; i < proof.size(); ++i) {
    if ((Shr(index, static_cast<int>(i)) & 1) == 1) seed = HashChildren(proof[i], seed);
  }
  return seed;
}

Hash ChainBorderRight(Hash seed, absl::Span<const Hash> proof) {
  for (const Hash& h : proof) seed = HashChildren(h, seed);
  return seed;
}

// Inner and border proof lengths for leaf |index| in the tree of |size| (index < size).
std::pair<int, int> DecomposeInclusion(uint64_t index, uint64_t size) {
  const int inner = BitLen(index ^ (size - 1));
  const int border = absl::popcount(Shr(index, inner));
  return {inner, border};
}

absl::Status IndexOutOfRange(uint64_t index, uint64_t size) {
  return absl::InvalidArgumentError(
      absl::StrFormat("index %d out of range for size %d", index, size));
}

absl::Status WrongProofSize(size_t got, size_t want) {
  return absl::InvalidArgumentError(absl::StrFormat("wrong proof size %d, want %d", got, want));
}

absl::Status RootMismatch(absl::string_view what, const Hash& calculated, const Hash& expected) {
  return absl::FailedPreconditionError(
      absl::StrFormat("%s: calculated root %s does not match expected root %s", what,
                      HashToHex(calculated), HashToHex(expected)));
}

}  // namespace

absl::StatusOr<ProofNodes> InclusionNodes(uint64_t index, uint64_t size) {
  if (index >= size) return IndexOutOfRange(index, size);
  return SkipFirst(PathNodes(0, index, size));
}

absl::StatusOr<ProofNodes> ConsistencyNodes(uint64_t size1, uint64_t size2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("size1 %d is greater than size2 %d", size1, size2));
  }
  if (size1 == size2 || size1 == 0) return ProofNodes{};
  // The largest perfect subtree that ends at size1, and the inclusion path of that node in the
  // new tree. When size1 is a power of two the node is the old root, which the verifier already
  // has, so it is left out.
  const uint32_t level = static_cast<uint32_t>(absl::countr_zero(size1));
  const uint64_t index = (size1 - 1) >> level;
  ProofNodes nodes = PathNodes(level, index, size2);
  if (index == 0) return SkipFirst(std::move(nodes));
  return nodes;
}

absl::StatusOr<std::vector<Hash>> Rehash(const ProofNodes& nodes, std::vector<Hash> fetched) {
  if (fetched.size() != nodes.ids.size()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("got %d hashes, want %d", fetched.size(), nodes.ids.size()));
  }
  if (nodes.begin > nodes.end || nodes.end > fetched.size()) {
    return absl::InvalidArgumentError(absl::StrFormat("ephemeral range [%d, %d) outside %d nodes",
                                                      nodes.begin, nodes.end, fetched.size()));
  }
  if (nodes.end - nodes.begin <= 1) return fetched;
  // Ranges are ordered from lower to upper levels, i.e. right to left.
  Hash ephem = fetched[nodes.begin];
  for (size_t i = nodes.begin + 1; i < nodes.end; ++i) ephem = HashChildren(fetched[i], ephem);
  fetched[nodes.begin] = ephem;
  fetched.erase(fetched.begin() + nodes.begin + 1, fetched.begin() + nodes.end);
  return fetched;
}

size_t InclusionProofSize(uint64_t index, uint64_t size) {
  if (index >= size) return 0;
  auto [inner, border] = DecomposeInclusion(index, size);
  return static_cast<size_t>(inner + border);
}

absl::StatusOr<Hash> RootFromInclusionProof(uint64_t index, uint64_t size, const Hash& leaf_hash,
                                            absl::Span<const Hash> proof) {
  if (index >= size) return IndexOutOfRange(index, size);
  auto [inner, border] = DecomposeInclusion(index, size);
  const size_t want = static_cast<size_t>(inner + border);
  if (proof.size() != want) return WrongProofSize(proof.size(), want);
  Hash h = ChainInner(leaf_hash, proof.subspan(0, inner), index);
  return ChainBorderRight(h, proof.subspan(inner));
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                             absl::Span<const Hash> proof, const Hash& root) {
  absl::StatusOr<Hash> calculated = RootFromInclusionProof(index, size, leaf_hash, proof);
  if (!calculated.ok()) return calculated.status();
  if (*calculated != root) return RootMismatch("inclusion proof", *calculated, root);
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t size1, uint64_t size2, absl::Span<const Hash> proof,
                               const Hash& root1, const Hash& root2) {
  if (size1 > size2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("size1 %d is greater than size2 %d", size1, size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) return WrongProofSize(proof.size(), 0);
    if (root1 != root2) return RootMismatch("equal sizes", root2, root1);
    // Two empty trees: equal roots are not enough, they must be the empty tree's.
    if (size1 == 0 && root1 != EmptyRoot()) return RootMismatch("empty tree", EmptyRoot(), root1);
    return absl::OkStatus();
  }
  if (size1 == 0) {
    if (!proof.empty()) return WrongProofSize(proof.size(), 0);
    if (root1 != EmptyRoot()) return RootMismatch("empty tree", EmptyRoot(), root1);
    return absl::OkStatus();
  }
  // 0 < size1 < size2. The proof is the inclusion path of the largest perfect subtree ending
  // at size1 (its hash first, unless size1 is a power of two and the hash is root1 itself).
  auto [inner, border] = DecomposeInclusion(size1 - 1, size2);
  const int shift = absl::countr_zero(size1);
  inner -= shift;  // shift < inner because size1 < size2.
  const bool power_of_two = (size1 & (size1 - 1)) == 0;
  const size_t start = power_of_two ? 0 : 1;
  const size_t want = start + static_cast<size_t>(inner + border);
  if (proof.size() != want) return WrongProofSize(proof.size(), want);
  const Hash seed = power_of_two ? root1 : proof[0];
  proof = proof.subspan(start);

  const uint64_t mask = (size1 - 1) >> shift;
  Hash hash1 = ChainInnerRight(seed, proof.subspan(0, inner), mask);
  hash1 = ChainBorderRight(hash1, proof.subspan(inner));
  if (hash1 != root1) return RootMismatch("consistency proof, old tree", hash1, root1);

  Hash hash2 = ChainInner(seed, proof.subspan(0, inner), mask);
  hash2 = ChainBorderRight(hash2, proof.subspan(inner));
  if (hash2 != root2) return RootMismatch("consistency proof, new tree", hash2, root2);
  return absl::OkStatus();
}

}  // namespace vouch::log
