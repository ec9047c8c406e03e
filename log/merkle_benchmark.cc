// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Merkle proof generation/verification and CompactRange::Append throughput.
//   bazel run -c opt //log:merkle_benchmark
// Trees of 1M and 10M leaves are built once into an in-memory store of every perfect node
// (what tiles hold), so proof generation = node ids + lookups + Rehash, with no IO.
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "log/compact_range.h"
#include "log/hash.h"
#include "log/merkle.h"

namespace vouch::log {
namespace {

Hash LeafHash(uint64_t i) {
  char buf[8];
  std::memcpy(buf, &i, sizeof(buf));
  return HashLeaf(absl::string_view(buf, sizeof(buf)));
}

// Every perfect node of a tree, by level: levels[l][i] is node (l, i).
class HashStore {
 public:
  explicit HashStore(uint64_t size) : size_(size) {
    CompactRange range;
    for (uint64_t i = 0; i < size; ++i) {
      range.Append(LeafHash(i), [this](NodeId id, const Hash& h) {
        if (levels_.size() <= id.level) levels_.resize(id.level + 1);
        levels_[id.level].push_back(h);
      });
    }
  }
  uint64_t size() const { return size_; }
  const Hash& Node(NodeId id) const { return levels_[id.level][id.index]; }
  Hash Root(uint64_t size) const {
    std::vector<Hash> hashes;
    uint64_t pos = 0;
    for (int level = 63; level >= 0; --level) {
      const uint64_t bit = uint64_t{1} << level;
      if ((size & bit) == 0) continue;
      hashes.push_back(Node(NodeId{static_cast<uint32_t>(level), pos >> level}));
      pos += bit;
    }
    return CompactRange::FromHashes(size, std::move(hashes))->Root();
  }
  std::vector<Hash> Fetch(const ProofNodes& nodes) const {
    std::vector<Hash> out;
    out.reserve(nodes.ids.size());
    for (const NodeId& id : nodes.ids) out.push_back(Node(id));
    return out;
  }

 private:
  uint64_t size_;
  std::vector<std::vector<Hash>> levels_;
};

const HashStore& Store(uint64_t size) {
  static auto* stores = new std::map<uint64_t, std::unique_ptr<HashStore>>();
  auto it = stores->find(size);
  if (it == stores->end()) it = stores->emplace(size, std::make_unique<HashStore>(size)).first;
  return *it->second;
}

void BM_InclusionProof(benchmark::State& state) {
  const HashStore& store = Store(static_cast<uint64_t>(state.range(0)));
  std::mt19937_64 rng(1);
  size_t hashes = 0;
  for (auto _ : state) {
    const uint64_t index = rng() % store.size();
    absl::StatusOr<ProofNodes> nodes = InclusionNodes(index, store.size());
    absl::StatusOr<std::vector<Hash>> proof = Rehash(*nodes, store.Fetch(*nodes));
    hashes += proof->size();
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proof_len"] = static_cast<double>(hashes) / state.iterations();
}

void BM_ConsistencyProof(benchmark::State& state) {
  const HashStore& store = Store(static_cast<uint64_t>(state.range(0)));
  std::mt19937_64 rng(2);
  size_t hashes = 0;
  for (auto _ : state) {
    const uint64_t size1 = 1 + rng() % (store.size() - 1);
    absl::StatusOr<ProofNodes> nodes = ConsistencyNodes(size1, store.size());
    absl::StatusOr<std::vector<Hash>> proof = Rehash(*nodes, store.Fetch(*nodes));
    hashes += proof->size();
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proof_len"] = static_cast<double>(hashes) / state.iterations();
}

void BM_VerifyInclusion(benchmark::State& state) {
  const HashStore& store = Store(static_cast<uint64_t>(state.range(0)));
  const Hash root = store.Root(store.size());
  struct Item {
    uint64_t index;
    std::vector<Hash> proof;
  };
  std::vector<Item> items;
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1024; ++i) {
    const uint64_t index = rng() % store.size();
    absl::StatusOr<ProofNodes> nodes = InclusionNodes(index, store.size());
    items.push_back({index, *Rehash(*nodes, store.Fetch(*nodes))});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Item& item = items[i++ % items.size()];
    absl::Status s = VerifyInclusion(item.index, store.size(), store.Node(NodeId{0, item.index}),
                                     item.proof, root);
    if (!s.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(s);
  }
}

void BM_VerifyConsistency(benchmark::State& state) {
  const HashStore& store = Store(static_cast<uint64_t>(state.range(0)));
  const Hash root2 = store.Root(store.size());
  struct Item {
    uint64_t size1;
    Hash root1;
    std::vector<Hash> proof;
  };
  std::vector<Item> items;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 1024; ++i) {
    const uint64_t size1 = 1 + rng() % (store.size() - 1);
    absl::StatusOr<ProofNodes> nodes = ConsistencyNodes(size1, store.size());
    items.push_back({size1, store.Root(size1), *Rehash(*nodes, store.Fetch(*nodes))});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Item& item = items[i++ % items.size()];
    absl::Status s = VerifyConsistency(item.size1, store.size(), item.proof, item.root1, root2);
    if (!s.ok()) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(s);
  }
}

void BM_CompactRangeAppend(benchmark::State& state) {
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < 4096; ++i) leaves.push_back(LeafHash(i));
  CompactRange range;
  uint64_t visited = 0;
  const CompactRange::Visitor visitor = [&visited](NodeId, const Hash&) { ++visited; };
  size_t i = 0;
  for (auto _ : state) {
    range.Append(leaves[i++ & 4095], state.range(0) ? visitor : CompactRange::Visitor());
  }
  benchmark::DoNotOptimize(range.Root());
  state.SetItemsProcessed(state.iterations());
}

void BM_HashLeaf(benchmark::State& state) {
  const std::string data(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) benchmark::DoNotOptimize(HashLeaf(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_HashChildren(benchmark::State& state) {
  Hash h = LeafHash(0);
  for (auto _ : state) {
    h = HashChildren(h, h);
    benchmark::DoNotOptimize(h);
  }
}

BENCHMARK(BM_InclusionProof)->Arg(1000000)->Arg(10000000);
BENCHMARK(BM_ConsistencyProof)->Arg(1000000)->Arg(10000000);
BENCHMARK(BM_VerifyInclusion)->Arg(1000000)->Arg(10000000);
BENCHMARK(BM_VerifyConsistency)->Arg(1000000)->Arg(10000000);
BENCHMARK(BM_CompactRangeAppend)->Arg(0)->Arg(1);
BENCHMARK(BM_HashLeaf)->Arg(64)->Arg(1024)->Arg(16384);
BENCHMARK(BM_HashChildren);

}  // namespace
}  // namespace vouch::log
