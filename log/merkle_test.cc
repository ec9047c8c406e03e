// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/merkle.h"

#include <cstdint>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/hash.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr uint64_t kMaxSize = 256;

// Largest power of two strictly less than n (n >= 2), as in RFC 6962 2.1.
uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (63 - __builtin_clzll(n - 1)); }

}  // namespace

// Readable NodeIds in gtest failure messages.
void PrintTo(const NodeId& id, std::ostream* os) {
  *os << "(" << id.level << ", " << id.index << ")";
}

namespace {

// A naive RFC 6962 tree over explicit leaves, written straight from the RFC's recursive
// definitions (MTH, PATH, PROOF/SUBPROOF), memoising MTH of ranges.
class ReferenceTree {
 public:
  explicit ReferenceTree(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) leaves_.push_back(HashLeaf(absl::StrCat("leaf ", i)));
  }

  const Hash& leaf(uint64_t i) const { return leaves_[i]; }

  // MTH(D[begin:end]).
  Hash Mth(uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 0) return EmptyRoot();
    if (n == 1) return leaves_[begin];
    auto it = memo_.find({begin, end});
    if (it != memo_.end()) return it->second;
    const uint64_t k = SplitPoint(n);
    const Hash h = HashChildren(Mth(begin, begin + k), Mth(begin + k, end));
    memo_[{begin, end}] = h;
    return h;
  }
  Hash Root(uint64_t size) { return Mth(0, size); }

  // PATH(m, D[begin:end]).
  std::vector<Hash> Path(uint64_t m, uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n <= 1) return {};
    const uint64_t k = SplitPoint(n);
    std::vector<Hash> out;
    if (m < k) {
      out = Path(m, begin, begin + k);
      out.push_back(Mth(begin + k, end));
    } else {
      out = Path(m - k, begin + k, end);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }

  // SUBPROOF(m, D[begin:end], b).
  std::vector<Hash> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool b) {
    const uint64_t n = end - begin;
    if (m == n) {
      if (b) return {};
      return {Mth(begin, end)};
    }
    const uint64_t k = SplitPoint(n);
    std::vector<Hash> out;
    if (m <= k) {
      out = Subproof(m, begin, begin + k, b);
      out.push_back(Mth(begin + k, end));
    } else {
      out = Subproof(m - k, begin + k, end, false);
      out.push_back(Mth(begin, begin + k));
    }
    return out;
  }
  std::vector<Hash> Consistency(uint64_t m, uint64_t n) {
    if (m == 0 || m == n) return {};
    return Subproof(m, 0, n, true);
  }

  // The hash store proofs are served from: perfect nodes only.
  Hash Node(NodeId id) { return Mth(id.Begin(), id.End()); }

 private:
  std::vector<Hash> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> memo_;
};

ReferenceTree& Tree() {
  static ReferenceTree* tree = new ReferenceTree(kMaxSize);
  return *tree;
}

// Fetches every id's hash from |node| and rehashes: steps 2 and 3 of serving a proof.
template <typename NodeFn>
absl::StatusOr<std::vector<Hash>> Serve(const absl::StatusOr<ProofNodes>& nodes, NodeFn node) {
  if (!nodes.ok()) return nodes.status();
  std::vector<Hash> fetched;
  for (const NodeId& id : nodes->ids) fetched.push_back(node(id));
  return Rehash(*nodes, std::move(fetched));
}

absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size) {
  return Serve(InclusionNodes(index, size), [](NodeId id) { return Tree().Node(id); });
}

absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) {
  return Serve(ConsistencyNodes(size1, size2), [](NodeId id) { return Tree().Node(id); });
}

Hash FlipBit(Hash h, int bit) {
  h[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return h;
}

// --- Known answers ---

TEST(Merkle, ReferenceTreeMatchesRfc6962TestVectors) {
  // The eight-leaf test tree used by RFC 6962 implementations (CT, transparency-dev/merkle).
  const std::vector<std::string> leaves = {
      "",
      std::string("\x00", 1),
      "\x10",
      "\x20\x21",
      "\x30\x31",
      "\x40\x41\x42\x43",
      "\x50\x51\x52\x53\x54\x55\x56\x57",
      "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  const std::vector<std::string> roots = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  std::vector<Hash> hashes;
  for (const std::string& l : leaves) hashes.push_back(HashLeaf(l));
  // An independent MTH over these leaves.
  std::function<Hash(size_t, size_t)> mth = [&](size_t b, size_t e) -> Hash {
    if (e - b == 1) return hashes[b];
    const size_t k = SplitPoint(e - b);
    return HashChildren(mth(b, b + k), mth(b + k, e));
  };
  for (size_t n = 1; n <= leaves.size(); ++n) EXPECT_EQ(HashToHex(mth(0, n)), roots[n - 1]) << n;

  // And proofs computed from node ids verify against them.
  for (size_t n = 1; n <= leaves.size(); ++n) {
    for (size_t i = 0; i < n; ++i) {
      absl::StatusOr<std::vector<Hash>> proof =
          Serve(InclusionNodes(i, n), [&](NodeId id) { return mth(id.Begin(), id.End()); });
      ASSERT_THAT(proof, IsOk());
      EXPECT_THAT(VerifyInclusion(i, n, hashes[i], *proof, mth(0, n)), IsOk()) << i << "/" << n;
    }
  }
}

TEST(Merkle, KnownProofShapes) {
  // Leaf 0 in a tree of 1: empty proof.
  absl::StatusOr<ProofNodes> n = InclusionNodes(0, 1);
  ASSERT_THAT(n, IsOk());
  EXPECT_TRUE(n->ids.empty());
  // Leaf 2 of 7 (RFC 6962 2.1.3: PATH(2, D[7]) = [d, a_b, i], where i = MTH(e, f, g) is
  // the ephemeral node): siblings (0,3) and (1,0) up to the fork (2,0), then the right border
  // (0,6) and (1,2), lowest first, which Rehash combines into the ephemeral node (2,1).
  n = InclusionNodes(2, 7);
  ASSERT_THAT(n, IsOk());
  const std::vector<NodeId> want = {{0, 3}, {1, 0}, {0, 6}, {1, 2}};
  EXPECT_EQ(n->ids, want);
  EXPECT_EQ(n->begin, 2u);
  EXPECT_EQ(n->end, 4u);
  EXPECT_EQ(n->ephem, (NodeId{2, 1}));
  // RFC 6962 2.1.3: PROOF(3, D[7]) = [c, d, g, l]; PROOF(4, D[7]) = [l]; PROOF(6, D[7]) =
  // [i, j, k].
  EXPECT_EQ(ConsistencyProof(3, 7)->size(), 4u);
  EXPECT_EQ(ConsistencyProof(4, 7)->size(), 1u);
  EXPECT_EQ(ConsistencyProof(6, 7)->size(), 3u);
}

// --- Exhaustive against the reference tree ---

TEST(Merkle, InclusionProofsMatchReferenceForAllPairsUpTo256) {
  ReferenceTree& tree = Tree();
  for (uint64_t size = 1; size <= kMaxSize; ++size) {
    const Hash root = tree.Root(size);
    for (uint64_t index = 0; index < size; ++index) {
      absl::StatusOr<std::vector<Hash>> proof = InclusionProof(index, size);
      ASSERT_THAT(proof, IsOk()) << index << "/" << size;
      ASSERT_EQ(*proof, tree.Path(index, 0, size)) << index << "/" << size;
      ASSERT_EQ(proof->size(), InclusionProofSize(index, size));
      ASSERT_THAT(VerifyInclusion(index, size, tree.leaf(index), *proof, root), IsOk())
          << index << "/" << size;
      absl::StatusOr<Hash> calculated =
          RootFromInclusionProof(index, size, tree.leaf(index), *proof);
      ASSERT_THAT(calculated, IsOk());
      ASSERT_EQ(*calculated, root);
    }
  }
}

TEST(Merkle, ConsistencyProofsMatchReferenceForAllPairsUpTo256) {
  ReferenceTree& tree = Tree();
  for (uint64_t size2 = 0; size2 <= kMaxSize; ++size2) {
    const Hash root2 = tree.Root(size2);
    for (uint64_t size1 = 0; size1 <= size2; ++size1) {
      absl::StatusOr<std::vector<Hash>> proof = ConsistencyProof(size1, size2);
      ASSERT_THAT(proof, IsOk()) << size1 << "->" << size2;
      ASSERT_EQ(*proof, tree.Consistency(size1, size2)) << size1 << "->" << size2;
      ASSERT_THAT(VerifyConsistency(size1, size2, *proof, tree.Root(size1), root2), IsOk())
          << size1 << "->" << size2;
    }
  }
}

TEST(Merkle, EphemeralNodeHashesToTheRightBorder) {
  // ids[begin, end) hashed together must equal MTH over the ephemeral node's in-tree leaves.
  ReferenceTree& tree = Tree();
  for (uint64_t size = 1; size <= kMaxSize; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      absl::StatusOr<ProofNodes> nodes = InclusionNodes(index, size);
      ASSERT_THAT(nodes, IsOk());
      if (nodes->begin == nodes->end) continue;
      Hash h = tree.Node(nodes->ids[nodes->begin]);
      for (size_t i = nodes->begin + 1; i < nodes->end; ++i) {
        h = HashChildren(tree.Node(nodes->ids[i]), h);
      }
      const uint64_t b = nodes->ephem.Begin();
      ASSERT_EQ(h, tree.Mth(b, std::min<uint64_t>(nodes->ephem.End(), size)))
          << index << "/" << size;
      // Every fetched node is a perfect subtree inside the tree.
      for (const NodeId& id : nodes->ids) ASSERT_LE(id.End(), size);
    }
  }
}

// --- Large trees ---

// A consistent virtual tree of any size: a perfect subtree with none of the |cuts| strictly
// inside it gets a made-up hash (as if its leaves existed); everything else is computed from
// its children. Every root, node and proof the test asks for stays consistent, at O(log^2 n).
class VirtualTree {
 public:
  explicit VirtualTree(std::vector<uint64_t> cuts) : cuts_(std::move(cuts)) {}

  Hash Mth(uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 0) return EmptyRoot();
    const bool perfect = (n & (n - 1)) == 0 && begin % n == 0;
    bool cut = false;
    for (uint64_t c : cuts_) cut |= begin < c && c < end;
    if (perfect && !cut) return HashLeaf(absl::StrCat("virtual ", begin, "-", end));
    const uint64_t k = SplitPoint(n);
    return HashChildren(Mth(begin, begin + k), Mth(begin + k, end));
  }
  Hash Node(NodeId id) { return Mth(id.Begin(), id.End()); }

 private:
  std::vector<uint64_t> cuts_;
};

TEST(Merkle, RandomLargeInclusionProofs) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 2000; ++i) {
    const int bits = 1 + static_cast<int>(rng() % 62);
    const uint64_t size = 1 + (rng() >> (64 - bits));
    const uint64_t index = (i % 4 == 0) ? size - 1 : rng() % size;
    VirtualTree tree({index, index + 1});
    const Hash root = tree.Mth(0, size);
    absl::StatusOr<std::vector<Hash>> proof =
        Serve(InclusionNodes(index, size), [&](NodeId id) { return tree.Node(id); });
    ASSERT_THAT(proof, IsOk());
    ASSERT_THAT(VerifyInclusion(index, size, tree.Mth(index, index + 1), *proof, root), IsOk())
        << index << "/" << size;
    ASSERT_THAT(VerifyInclusion(index, size, HashLeaf("other"), *proof, root),
                StatusIs(absl::StatusCode::kFailedPrecondition));
  }
}

TEST(Merkle, RandomLargeConsistencyProofs) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const int bits = 1 + static_cast<int>(rng() % 62);
    const uint64_t size2 = 1 + (rng() >> (64 - bits));
    uint64_t size1 = 1 + rng() % size2;
    if (i % 5 == 0) size1 = uint64_t{1} << (63 - __builtin_clzll(size1));  // a power of two
    VirtualTree tree({size1});
    const Hash root1 = tree.Mth(0, size1);
    const Hash root2 = tree.Mth(0, size2);
    absl::StatusOr<std::vector<Hash>> proof =
        Serve(ConsistencyNodes(size1, size2), [&](NodeId id) { return tree.Node(id); });
    ASSERT_THAT(proof, IsOk());
    ASSERT_THAT(VerifyConsistency(size1, size2, *proof, root1, root2), IsOk())
        << size1 << "->" << size2;
    if (size1 < size2) {
      ASSERT_THAT(VerifyConsistency(size1, size2, *proof, root2, root1),
                  StatusIs(absl::StatusCode::kFailedPrecondition));
    }
  }
}

TEST(Merkle, ProofsNearTheTopOfTheIndexSpace) {
  // Sizes close to 2^63 exercise shifts by up to 63 bits.
  for (uint64_t size : {uint64_t{1} << 62, (uint64_t{1} << 63) - 1, (uint64_t{1} << 63) + 5}) {
    for (uint64_t index : {uint64_t{0}, size / 2, size - 1}) {
      VirtualTree tree({index, index + 1});
      absl::StatusOr<std::vector<Hash>> proof =
          Serve(InclusionNodes(index, size), [&](NodeId id) { return tree.Node(id); });
      ASSERT_THAT(proof, IsOk());
      EXPECT_THAT(
          VerifyInclusion(index, size, tree.Mth(index, index + 1), *proof, tree.Mth(0, size)),
          IsOk())
          << index << "/" << size;
    }
  }
}

// --- Altered proofs must be rejected, with a reason ---

struct InclusionCase {
  uint64_t index, size;
};

TEST(Merkle, RejectsAlteredInclusionProofs) {
  ReferenceTree& tree = Tree();
  const std::vector<InclusionCase> cases = {{0, 2},   {1, 2},     {2, 3},   {5, 7},     {0, 8},
                                            {7, 8},   {6, 13},    {12, 13}, {100, 201}, {255, 256},
                                            {0, 256}, {128, 255}, {64, 65}, {3, 100}};
  for (const InclusionCase& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.index, "/", c.size));
    const Hash root = tree.Root(c.size);
    const Hash leaf = tree.leaf(c.index);
    const std::vector<Hash> proof = *InclusionProof(c.index, c.size);
    ASSERT_THAT(VerifyInclusion(c.index, c.size, leaf, proof, root), IsOk());

    // Wrong leaf.
    EXPECT_THAT(VerifyInclusion(c.index, c.size, tree.leaf((c.index + 1) % c.size), proof, root),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(HashToHex(root))));
    // Wrong root: both roots named.
    const Hash other_root = tree.Root(c.size - 1 == 0 ? 2 : c.size - 1);
    absl::Status s = VerifyInclusion(c.index, c.size, leaf, proof, other_root);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kFailedPrecondition,
                            AllOf(HasSubstr(HashToHex(root)), HasSubstr(HashToHex(other_root)))));
    // Truncated.
    if (!proof.empty()) {
      std::vector<Hash> truncated(proof.begin(), proof.end() - 1);
      EXPECT_THAT(VerifyInclusion(c.index, c.size, leaf, truncated, root),
                  StatusIs(absl::StatusCode::kInvalidArgument,
                           HasSubstr(absl::StrCat("wrong proof size ", proof.size() - 1, ", want ",
                                                  proof.size()))));
    }
    // Extended, with a copy of the last element and with the root.
    for (const Hash& extra : {proof.empty() ? root : proof.back(), root}) {
      std::vector<Hash> extended = proof;
      extended.push_back(extra);
      EXPECT_THAT(VerifyInclusion(c.index, c.size, leaf, extended, root),
                  StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wrong proof size")));
    }
    // One bit flipped anywhere in the proof.
    for (size_t i = 0; i < proof.size(); ++i) {
      for (int bit : {0, 7, 100, 255}) {
        std::vector<Hash> flipped = proof;
        flipped[i] = FlipBit(flipped[i], bit);
        EXPECT_THAT(VerifyInclusion(c.index, c.size, leaf, flipped, root),
                    StatusIs(absl::StatusCode::kFailedPrecondition))
            << "element " << i << " bit " << bit;
      }
    }
    // One bit flipped in the leaf and in the root.
    EXPECT_THAT(VerifyInclusion(c.index, c.size, FlipBit(leaf, 3), proof, root),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(VerifyInclusion(c.index, c.size, leaf, proof, FlipBit(root, 200)),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    // Proof elements swapped.
    if (proof.size() >= 2) {
      std::vector<Hash> swapped = proof;
      std::swap(swapped[0], swapped[1]);
      EXPECT_THAT(VerifyInclusion(c.index, c.size, leaf, swapped, root),
                  StatusIs(absl::StatusCode::kFailedPrecondition));
    }
    // The proof presented for a neighbouring index or a different size.
    for (uint64_t other : {c.index + 1, c.index == 0 ? c.size - 1 : c.index - 1}) {
      if (other >= c.size || other == c.index) continue;
      EXPECT_THAT(VerifyInclusion(other, c.size, leaf, proof, root), Not(IsOk()));
    }
    // (A proof for (index, size) can also verify for another size with the same proof shape, e.g.
    // 5/7 and 5/8: the signed checkpoint binds the size to the root, not the proof.)
    // Index out of range.
    EXPECT_THAT(
        VerifyInclusion(c.size, c.size, leaf, proof, root),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(absl::StrCat("index ", c.size, " out of range for size ", c.size))));
    EXPECT_THAT(VerifyInclusion(c.size + 10, c.size, leaf, proof, root),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of range")));
  }
}

TEST(Merkle, InclusionInputValidation) {
  EXPECT_THAT(InclusionNodes(0, 0), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("index 0 out of range for size 0")));
  EXPECT_THAT(InclusionNodes(5, 5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyInclusion(0, 0, EmptyRoot(), {}, EmptyRoot()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RootFromInclusionProof(0, 0, EmptyRoot(), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A single-leaf tree: the proof is empty and the root is the leaf hash.
  const Hash leaf = HashLeaf("only");
  EXPECT_THAT(VerifyInclusion(0, 1, leaf, {}, leaf), IsOk());
  EXPECT_THAT(
      VerifyInclusion(0, 1, leaf, {leaf}, leaf),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wrong proof size 1, want 0")));
}

struct ConsistencyCase {
  uint64_t size1, size2;
};

TEST(Merkle, RejectsAlteredConsistencyProofs) {
  ReferenceTree& tree = Tree();
  const std::vector<ConsistencyCase> cases = {
      {1, 2}, {1, 8},    {2, 3},    {3, 7},     {4, 7},     {6, 7},   {4, 8},    {5, 8},
      {7, 8}, {13, 200}, {64, 256}, {100, 255}, {255, 256}, {1, 256}, {127, 129}};
  for (const ConsistencyCase& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.size1, "->", c.size2));
    const Hash root1 = tree.Root(c.size1);
    const Hash root2 = tree.Root(c.size2);
    const std::vector<Hash> proof = *ConsistencyProof(c.size1, c.size2);
    ASSERT_FALSE(proof.empty());
    ASSERT_THAT(VerifyConsistency(c.size1, c.size2, proof, root1, root2), IsOk());

    // Swapped roots: the calculated and the expected root are named in the message.
    EXPECT_THAT(VerifyConsistency(c.size1, c.size2, proof, root2, root1),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr("does not match expected root"),
                               AnyOf(HasSubstr(HashToHex(root1)), HasSubstr(HashToHex(root2))))));
    // Wrong old root, wrong new root.
    EXPECT_THAT(VerifyConsistency(c.size1, c.size2, proof, FlipBit(root1, 9), root2),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(VerifyConsistency(c.size1, c.size2, proof, root1, FlipBit(root2, 9)),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    // Truncated and extended.
    std::vector<Hash> truncated(proof.begin(), proof.end() - 1);
    EXPECT_THAT(VerifyConsistency(c.size1, c.size2, truncated, root1, root2),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(absl::StrCat("wrong proof size ", proof.size() - 1, ", want ",
                                                proof.size()))));
    std::vector<Hash> extended = proof;
    extended.push_back(proof.back());
    EXPECT_THAT(VerifyConsistency(c.size1, c.size2, extended, root1, root2),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wrong proof size")));
    EXPECT_THAT(VerifyConsistency(c.size1, c.size2, {}, root1, root2),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wrong proof size 0")));
    // One bit flipped anywhere.
    for (size_t i = 0; i < proof.size(); ++i) {
      for (int bit : {0, 31, 128, 255}) {
        std::vector<Hash> flipped = proof;
        flipped[i] = FlipBit(flipped[i], bit);
        EXPECT_THAT(VerifyConsistency(c.size1, c.size2, flipped, root1, root2),
                    StatusIs(absl::StatusCode::kFailedPrecondition))
            << "element " << i << " bit " << bit;
      }
    }
    // The proof presented for other sizes.
    // (As for inclusion, another size2 with the same proof shape can verify.)
    for (const ConsistencyCase& o :
         {ConsistencyCase{c.size1 + 1, c.size2}, ConsistencyCase{c.size1 - 1, c.size2}}) {
      if (o.size1 == 0 || o.size1 >= o.size2) continue;
      EXPECT_THAT(VerifyConsistency(o.size1, o.size2, proof, root1, root2), Not(IsOk()))
          << o.size1 << "->" << o.size2;
    }
    // size1 > size2.
    EXPECT_THAT(VerifyConsistency(c.size2, c.size1, proof, root2, root1),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("greater than")));
  }
}

TEST(Merkle, ConsistencyEdgeCasesPerRfc9162) {
  ReferenceTree& tree = Tree();
  const Hash r5 = tree.Root(5);
  // Equal sizes: empty proof, equal roots.
  EXPECT_THAT(VerifyConsistency(5, 5, {}, r5, r5), IsOk());
  EXPECT_THAT(VerifyConsistency(5, 5, {}, r5, tree.Root(4)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(HashToHex(r5))));
  EXPECT_THAT(
      VerifyConsistency(5, 5, {r5}, r5, r5),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("wrong proof size 1, want 0")));
  // From the empty tree: empty proof, and the old root must be the empty root.
  EXPECT_THAT(VerifyConsistency(0, 5, {}, EmptyRoot(), r5), IsOk());
  EXPECT_THAT(VerifyConsistency(0, 0, {}, EmptyRoot(), EmptyRoot()), IsOk());
  EXPECT_THAT(VerifyConsistency(0, 5, {r5}, EmptyRoot(), r5),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyConsistency(0, 5, {}, r5, r5), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Two empty trees: equal roots that are not the empty root do not pass (found by
  // fuzz/merkle_fuzzer: the equal-sizes case used to accept any pair of equal roots at size 0).
  EXPECT_THAT(VerifyConsistency(0, 0, {}, r5, r5),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("empty tree")));
  // Node sets for the trivial cases are empty; size1 > size2 is rejected.
  EXPECT_TRUE(ConsistencyNodes(0, 9)->ids.empty());
  EXPECT_TRUE(ConsistencyNodes(9, 9)->ids.empty());
  EXPECT_THAT(ConsistencyNodes(10, 9), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Merkle, RehashRejectsWrongHashCount) {
  absl::StatusOr<ProofNodes> nodes = InclusionNodes(2, 7);
  ASSERT_THAT(nodes, IsOk());
  EXPECT_THAT(Rehash(*nodes, std::vector<Hash>(3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 3 hashes, want 4")));
  ProofNodes bad = *nodes;
  bad.end = 10;
  EXPECT_THAT(Rehash(bad, std::vector<Hash>(4)), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Merkle, NodeIdHelpers) {
  const NodeId n{3, 5};
  EXPECT_EQ(n.Begin(), 40u);
  EXPECT_EQ(n.End(), 48u);
  EXPECT_EQ(n.Parent(), (NodeId{4, 2}));
  EXPECT_EQ(n.Sibling(), (NodeId{3, 4}));
  EXPECT_NE(n, n.Sibling());
}

}  // namespace
}  // namespace vouch::log
