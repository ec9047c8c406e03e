// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Differential: Vouch's RFC 6962 / 9162 proof code (log/merkle.h) against a reference written
// here straight from RFC 6962 section 2.1's recursive definitions (MTH, PATH, SUBPROOF, and a
// verifier that walks the same recursion). The first byte picks the mode:
//   even: a real tree of 1-64 leaves from the input. The proofs the server builds
//         (InclusionNodes/ConsistencyNodes + Rehash over the tree's node hashes) must equal the
//         reference PATH/PROOF; then, optionally mutated by the input (a flipped bit, a hash
//         dropped or added, another index or size), VerifyInclusion/VerifyConsistency must accept
//         exactly when the reference verifier does (and the unmutated proofs must verify).
//   odd:  arbitrary 64-bit indexes and sizes, proof hashes and roots from the input: both
//         verifiers must agree on every one (no crash, no accept the reference refuses).
#include <cstdint>
#include <cstdio>
#include <optional>
#include <utility>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "log/hash.h"
#include "log/merkle.h"

namespace {

using vouch::log::Hash;
using vouch::log::HashChildren;
using Proof = std::vector<Hash>;

uint64_t SplitPoint(uint64_t n) {  // the largest power of two smaller than n (n >= 2)
  uint64_t k = 1;
  while (k < n - k) k <<= 1;
  return k;
}

// ---- Reference over an explicit tree (RFC 6962 2.1).
struct Tree {
  std::vector<Hash> leaves;
  Hash Mth(uint64_t lo, uint64_t hi) const {  // MTH(D[lo:hi]), hi > lo
    if (hi - lo == 1) return leaves[lo];
    const uint64_t k = SplitPoint(hi - lo);
    return HashChildren(Mth(lo, lo + k), Mth(lo + k, hi));
  }
  // PATH(m, D[lo:hi])
  void Path(uint64_t m, uint64_t lo, uint64_t hi, Proof* out) const {
    if (hi - lo == 1) return;
    const uint64_t k = SplitPoint(hi - lo);
    if (m < k) {
      Path(m, lo, lo + k, out);
      out->push_back(Mth(lo + k, hi));
    } else {
      Path(m - k, lo + k, hi, out);
      out->push_back(Mth(lo, lo + k));
    }
  }
  // SUBPROOF(m, D[lo:hi], b)
  void Subproof(uint64_t m, uint64_t lo, uint64_t hi, bool b, Proof* out) const {
    const uint64_t n = hi - lo;
    if (m == n) {
      if (!b) out->push_back(Mth(lo, hi));
      return;
    }
    const uint64_t k = SplitPoint(n);
    if (m <= k) {
      Subproof(m, lo, lo + k, b, out);
      out->push_back(Mth(lo + k, hi));
    } else {
      Subproof(m - k, lo + k, hi, false, out);
      out->push_back(Mth(lo, lo + k));
    }
  }
};

// ---- Reference verifiers: the same recursion, consuming the proof from its end.
std::optional<Hash> RefInclusionRoot(uint64_t index, uint64_t size, const Hash& leaf,
                                     const Hash* proof, size_t len) {
  if (size == 1) {
    if (len != 0) return std::nullopt;
    return leaf;
  }
  if (len == 0) return std::nullopt;
  const uint64_t k = SplitPoint(size);
  const Hash& last = proof[len - 1];
  if (index < k) {
    auto sub = RefInclusionRoot(index, k, leaf, proof, len - 1);
    if (!sub) return std::nullopt;
    return HashChildren(*sub, last);
  }
  auto sub = RefInclusionRoot(index - k, size - k, leaf, proof, len - 1);
  if (!sub) return std::nullopt;
  return HashChildren(last, *sub);
}

bool RefVerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf, const Proof& proof,
                        const Hash& root) {
  if (index >= size) return false;
  auto r = RefInclusionRoot(index, size, leaf, proof.data(), proof.size());
  return r && *r == root;
}

// (old root, new root) of SUBPROOF(m, D[n], b) given |root1| for b's known old subtree.
std::optional<std::pair<Hash, Hash>> RefSub(uint64_t m, uint64_t n, const Hash* proof, size_t len,
                                            bool b, const Hash& root1) {
  if (m == n) {
    if (b) {
      if (len != 0) return std::nullopt;
      return std::make_pair(root1, root1);
    }
    if (len != 1) return std::nullopt;
    return std::make_pair(proof[0], proof[0]);
  }
  if (len == 0) return std::nullopt;
  const uint64_t k = SplitPoint(n);
  const Hash& last = proof[len - 1];
  if (m <= k) {
    auto sub = RefSub(m, k, proof, len - 1, b, root1);
    if (!sub) return std::nullopt;
    return std::make_pair(sub->first, HashChildren(sub->second, last));
  }
  auto sub = RefSub(m - k, n - k, proof, len - 1, false, root1);
  if (!sub) return std::nullopt;
  return std::make_pair(HashChildren(last, sub->first), HashChildren(last, sub->second));
}

bool RefVerifyConsistency(uint64_t m, uint64_t n, const Proof& proof, const Hash& root1,
                          const Hash& root2) {
  if (m > n) return false;
  // Every tree extends the empty one; two empty trees both have the empty root.
  if (m == 0)
    return proof.empty() && root1 == vouch::log::EmptyRoot() && (n != 0 || root2 == root1);
  if (m == n) return proof.empty() && root1 == root2;
  auto r = RefSub(m, n, proof.data(), proof.size(), true, root1);
  return r && r->first == root1 && r->second == root2;
}

Hash HashFrom(vouch::fuzz::FuzzInput& in) {
  Hash h{};
  const std::string b = in.Bytes(32);
  for (size_t i = 0; i < b.size(); ++i) h[i] = static_cast<uint8_t>(b[i]);
  return h;
}

[[noreturn]] void Fail(const char* what, uint64_t a, uint64_t b) {
  std::fprintf(stderr, "merkle_fuzzer: %s (%llu, %llu)\n", what, static_cast<unsigned long long>(a),
               static_cast<unsigned long long>(b));
  __builtin_trap();
}

void CheckInclusion(uint64_t index, uint64_t size, const Hash& leaf, const Proof& proof,
                    const Hash& root) {
  const bool ours = vouch::log::VerifyInclusion(index, size, leaf, proof, root).ok();
  if (ours != RefVerifyInclusion(index, size, leaf, proof, root)) {
    Fail(ours ? "inclusion accepted, reference refuses" : "inclusion refused, reference accepts",
         index, size);
  }
}

void CheckConsistency(uint64_t m, uint64_t n, const Proof& proof, const Hash& root1,
                      const Hash& root2) {
  const bool ours = vouch::log::VerifyConsistency(m, n, proof, root1, root2).ok();
  if (ours != RefVerifyConsistency(m, n, proof, root1, root2)) {
    Fail(
        ours ? "consistency accepted, reference refuses" : "consistency refused, reference accepts",
        m, n);
  }
}

void Mutate(vouch::fuzz::FuzzInput& in, Proof* proof, uint64_t* a, uint64_t* b) {
  switch (in.Byte() % 6) {
    case 0:
      break;
    case 1:
      if (!proof->empty()) {
        const size_t i = in.Byte() % proof->size();
        (*proof)[i][in.Byte() % 32] ^= static_cast<uint8_t>(1u << (in.Byte() % 8));
      }
      break;
    case 2:
      if (!proof->empty()) proof->erase(proof->begin() + in.Byte() % proof->size());
      break;
    case 3:
      proof->insert(proof->begin() + in.Byte() % (proof->size() + 1), HashFrom(in));
      break;
    case 4:
      *a += static_cast<int8_t>(in.Byte());
      break;
    case 5:
      *b += static_cast<int8_t>(in.Byte());
      break;
  }
}

void RealTree(vouch::fuzz::FuzzInput& in) {
  Tree t;
  const uint64_t n = 1 + in.Byte() % 64;
  for (uint64_t i = 0; i < n; ++i) {
    t.leaves.push_back(vouch::log::HashLeaf(std::string(1, static_cast<char>(i)) + in.Bytes(1)));
  }
  auto node_hashes = [&](const vouch::log::ProofNodes& nodes) {
    std::vector<Hash> out;
    for (const auto& id : nodes.ids) out.push_back(t.Mth(id.Begin(), id.End()));
    return out;
  };
  // Inclusion.
  {
    const uint64_t size = 1 + in.Byte() % n;
    const uint64_t index = in.Byte() % size;
    Proof want;
    t.Path(index, 0, size, &want);
    auto nodes = vouch::log::InclusionNodes(index, size);
    if (!nodes.ok()) Fail("InclusionNodes refused a valid index", index, size);
    auto got = vouch::log::Rehash(*nodes, node_hashes(*nodes));
    if (!got.ok() || *got != want) Fail("served inclusion proof differs from PATH", index, size);
    const Hash root = t.Mth(0, size);
    if (!vouch::log::VerifyInclusion(index, size, t.leaves[index], want, root).ok()) {
      Fail("a correct inclusion proof does not verify", index, size);
    }
    Proof p = want;
    uint64_t i2 = index, s2 = size;
    Mutate(in, &p, &i2, &s2);
    CheckInclusion(i2, s2, i2 < n ? t.leaves[i2] : t.leaves[index], p, root);
  }
  // Consistency.
  {
    const uint64_t size2 = 1 + in.Byte() % n;
    const uint64_t size1 = in.Byte() % (size2 + 1);
    Proof want;
    if (size1 != 0 && size1 != size2) t.Subproof(size1, 0, size2, true, &want);
    auto nodes = vouch::log::ConsistencyNodes(size1, size2);
    if (!nodes.ok()) Fail("ConsistencyNodes refused valid sizes", size1, size2);
    auto got = vouch::log::Rehash(*nodes, node_hashes(*nodes));
    if (!got.ok() || *got != want)
      Fail("served consistency proof differs from PROOF", size1, size2);
    const Hash root1 = size1 == 0 ? vouch::log::EmptyRoot() : t.Mth(0, size1);
    const Hash root2 = t.Mth(0, size2);
    if (!vouch::log::VerifyConsistency(size1, size2, want, root1, root2).ok()) {
      Fail("a correct consistency proof does not verify", size1, size2);
    }
    Proof p = want;
    uint64_t m = size1, s = size2;
    Mutate(in, &p, &m, &s);
    CheckConsistency(m, s, p, root1, root2);
  }
}

void Arbitrary(vouch::fuzz::FuzzInput& in) {
  const uint64_t a = in.U64(), b = in.U64();
  const Hash leaf = HashFrom(in), r1 = HashFrom(in), r2 = HashFrom(in);
  Proof proof;
  const size_t len = in.Byte() % 72;
  for (size_t i = 0; i < len && !in.empty(); ++i) proof.push_back(HashFrom(in));
  CheckInclusion(a, b, leaf, proof, r1);
  CheckConsistency(a, b, proof, r1, r2);
  (void)vouch::log::InclusionNodes(a, b);
  (void)vouch::log::ConsistencyNodes(a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vouch::fuzz::FuzzInput in(data, size);
  if (in.Byte() % 2 == 0) {
    RealTree(in);
  } else {
    Arbitrary(in);
  }
  return 0;
}
