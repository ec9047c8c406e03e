// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/compact_range.h"

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/hash.h"
#include "log/merkle.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr uint64_t kMaxSize = 1000;

// Naive RFC 6962 MTH over explicit leaves, memoised by range.
class ReferenceTree {
 public:
  explicit ReferenceTree(uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) leaves_.push_back(HashLeaf(absl::StrCat("entry ", i)));
  }
  const Hash& leaf(uint64_t i) const { return leaves_[i]; }
  Hash Mth(uint64_t begin, uint64_t end) {
    const uint64_t n = end - begin;
    if (n == 0) return EmptyRoot();
    if (n == 1) return leaves_[begin];
    auto it = memo_.find({begin, end});
    if (it != memo_.end()) return it->second;
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    const Hash h = HashChildren(Mth(begin, begin + k), Mth(begin + k, end));
    memo_[{begin, end}] = h;
    return h;
  }

 private:
  std::vector<Hash> leaves_;
  std::map<std::pair<uint64_t, uint64_t>, Hash> memo_;
};

ReferenceTree& Tree() {
  static ReferenceTree* tree = new ReferenceTree(kMaxSize);
  return *tree;
}

TEST(CompactRange, EmptyRange) {
  CompactRange r;
  EXPECT_EQ(r.size(), 0u);
  EXPECT_TRUE(r.hashes().empty());
  EXPECT_EQ(r.Root(), EmptyRoot());
}

TEST(CompactRange, RootsMatchReferenceForAllSizesUpTo1000) {
  ReferenceTree& tree = Tree();
  CompactRange r;
  for (uint64_t n = 0; n < kMaxSize; ++n) {
    r.Append(tree.leaf(n), nullptr);
    ASSERT_EQ(r.size(), n + 1);
    ASSERT_EQ(r.hashes().size(), static_cast<size_t>(__builtin_popcountll(n + 1)));
    ASSERT_EQ(r.Root(), tree.Mth(0, n + 1)) << "size " << n + 1;
  }
}

TEST(CompactRange, VisitorReportsExactlyThePerfectNodes) {
  ReferenceTree& tree = Tree();
  CompactRange r;
  std::set<std::pair<uint32_t, uint64_t>> seen;
  for (uint64_t n = 0; n < kMaxSize; ++n) {
    std::vector<NodeId> order;
    r.Append(tree.leaf(n), [&](NodeId id, const Hash& h) {
      order.push_back(id);
      EXPECT_TRUE(seen.insert({id.level, id.index}).second)
          << "node (" << id.level << ", " << id.index << ") reported twice";
      EXPECT_EQ(h, tree.Mth(id.Begin(), id.End()))
          << "node (" << id.level << ", " << id.index << ")";
    });
    // The leaf first, then its completed ancestors lowest first, all ending at the new size.
    ASSERT_FALSE(order.empty());
    EXPECT_EQ(order[0], (NodeId{0, n}));
    for (size_t i = 0; i < order.size(); ++i) {
      EXPECT_EQ(order[i].level, i);
      EXPECT_EQ(order[i].End(), n + 1);
    }
    // Exactly the perfect nodes inside [0, n + 1): trailing ones of n, plus the leaf.
    EXPECT_EQ(order.size(), 1u + static_cast<size_t>(__builtin_ctzll(~n)));
  }
  // Every perfect node of the 1000-leaf tree was reported.
  size_t perfect = 0;
  for (uint32_t level = 0; (uint64_t{1} << level) <= kMaxSize; ++level) {
    perfect += kMaxSize >> level;
  }
  EXPECT_EQ(seen.size(), perfect);
}

TEST(CompactRange, FromHashesResumesAnywhere) {
  ReferenceTree& tree = Tree();
  CompactRange grown;
  for (uint64_t n = 0; n <= 300; ++n) {
    // Resume from the stored subtree roots and carry on appending.
    std::vector<Hash> hashes;
    CompactRange expected = grown;
    for (const NodeId& id : expected.NodeIds()) hashes.push_back(tree.Mth(id.Begin(), id.End()));
    absl::StatusOr<CompactRange> resumed = CompactRange::FromHashes(n, hashes);
    ASSERT_THAT(resumed, IsOk());
    ASSERT_EQ(*resumed, expected) << n;
    ASSERT_EQ(resumed->Root(), tree.Mth(0, n));
    for (uint64_t i = n; i < n + 20; ++i) resumed->Append(tree.leaf(i), nullptr);
    ASSERT_EQ(resumed->Root(), tree.Mth(0, n + 20));
    grown.Append(tree.leaf(n), nullptr);
  }
}

TEST(CompactRange, NodeIdsAreTheDecompositionLargestFirst) {
  absl::StatusOr<CompactRange> r = CompactRange::FromHashes(13, std::vector<Hash>(3));
  ASSERT_THAT(r, IsOk());
  const std::vector<NodeId> want = {{3, 0}, {2, 2}, {0, 12}};
  EXPECT_EQ(r->NodeIds(), want);
  EXPECT_TRUE(CompactRange().NodeIds().empty());
}

TEST(CompactRange, FromHashesRejectsWrongCount) {
  EXPECT_THAT(CompactRange::FromHashes(13, std::vector<Hash>(2)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("compact range of size 13 needs 3 hashes, got 2")));
  EXPECT_THAT(CompactRange::FromHashes(0, std::vector<Hash>(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CompactRange::FromHashes(8, std::vector<Hash>(0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<CompactRange> empty = CompactRange::FromHashes(0, {});
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->Root(), EmptyRoot());
}

TEST(CompactRange, LargeSizeFromHashes) {
  // A range near 2^63 leaves: Append folds all 63 lower subtrees into one.
  const uint64_t size = (uint64_t{1} << 63) - 1;
  std::vector<Hash> hashes;
  for (int i = 0; i < 63; ++i) hashes.push_back(HashLeaf(absl::StrCat("subtree ", i)));
  absl::StatusOr<CompactRange> r = CompactRange::FromHashes(size, hashes);
  ASSERT_THAT(r, IsOk());
  int visits = 0;
  r->Append(HashLeaf("last"), [&](NodeId id, const Hash&) {
    EXPECT_EQ(id.End(), uint64_t{1} << 63);
    ++visits;
  });
  EXPECT_EQ(visits, 64);
  ASSERT_EQ(r->hashes().size(), 1u);
  EXPECT_EQ(r->NodeIds(), std::vector<NodeId>({NodeId{63, 0}}));
}

}  // namespace
}  // namespace vouch::log
