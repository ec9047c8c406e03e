// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Benchmarks of the log over real SQLite storage at 1M and 10M entries: inclusion proofs served
// from tiles (cold and warm tile cache), entry reads with proofs, consistency proofs, and
// start-up (open + stored-tree check); and BM_Append, durable appends from N concurrent callers
// into a fresh log (the log core alone: no gRPC, no signature checks; entries shaped like real
// hashedrekord bodies with two search keys). The logs are built once with Log::AppendBulk and kept
// in $VOUCH_BENCH_DIR (default /tmp/vouch-bench) for later runs. BM_CountEntryRows is what a
// COUNT(*) of the entries would add to start-up (the row counter makes it unnecessary);
// BM_VerifyStorage the full check of a 100k-entry log:
//
//   bazel run -c opt //log:log_benchmark -- --benchmark_min_time=2
#include <sys/stat.h>
#include <atomic>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/health.h"
#include "benchmark/benchmark.h"
#include "log/integrity.h"
#include "log/log.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

struct Opened {
  std::unique_ptr<signer::OpenSslSigner> key;
  std::unique_ptr<SqliteStorage> storage;
  std::unique_ptr<Log> log;
};

std::string Dir(uint64_t size) {
  const char* env = std::getenv("VOUCH_BENCH_DIR");
  const std::string base = env ? env : "/tmp/vouch-bench";
  ::mkdir(base.c_str(), 0700);
  const std::string dir = absl::StrCat(base, "/log-", size);
  ::mkdir(dir.c_str(), 0700);
  return dir;
}

std::unique_ptr<Opened> Open(uint64_t size, LogOptions options = LogOptions()) {
  auto o = std::make_unique<Opened>();
  const std::string dir = Dir(size);
  o->key = *signer::OpenSslSigner::LoadOrCreate(dir + "/log_key.pem", signer::KeyType::kEcdsaP256);
  o->storage = *SqliteStorage::Open(dir + "/vouch.db");
  options.max_batch = 100000;
  options.published_checkpoint_path = dir + "/published_checkpoint";  // As vouchd has it.
  auto log = Log::Open(o->storage.get(), o->key.get(), options);
  if (!log.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), std::string(log.status().message()).c_str());
    std::exit(1);
  }
  o->log = std::move(*log);
  return o;
}

// The log of |size| entries, built on first use.
Opened& Get(uint64_t size) {
  static std::map<uint64_t, std::unique_ptr<Opened>>* logs =
      new std::map<uint64_t, std::unique_ptr<Opened>>();
  auto& slot = (*logs)[size];
  if (slot == nullptr) {
    slot = Open(size);
    const uint64_t have = slot->log->Latest().size;
    if (have < size) {
      std::fprintf(stderr, "building a log of %llu entries in %s (once) ...\n",
                   static_cast<unsigned long long>(size), Dir(size).c_str());
      const absl::Time start = absl::Now();
      for (uint64_t i = have; i < size;) {
        std::vector<NewEntry> chunk;
        for (; i < size && chunk.size() < 100000; ++i) {
          chunk.push_back(
              NewEntry{absl::StrCat("{\"apiVersion\":\"0.0.1\",\"kind\":\"bench\",\"i\":", i,
                                    ",\"pad\":\"0123456789abcdef0123456789abcdef\"}"),
                       {}});
        }
        absl::Status s = slot->log->AppendBulk(std::move(chunk));
        if (!s.ok()) {
          std::fprintf(stderr, "build: %s\n", std::string(s.message()).c_str());
          std::exit(1);
        }
      }
      std::fprintf(stderr, "built in %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
    }
  }
  return *slot;
}

void BM_InclusionProof(benchmark::State& state) {
  Opened& o = Get(state.range(0));
  const uint64_t size = o.log->Latest().size;
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    auto proof = o.log->InclusionProof(rng() % size, size);
    benchmark::DoNotOptimize(proof);
  }
  state.counters["proofs/s"] = benchmark::Counter(state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_InclusionProof)->Arg(1000000)->Arg(10000000)->Unit(benchmark::kMicrosecond);

// Cold: a fresh Log (empty tile cache) for every batch of 64 proofs.
void BM_InclusionProofColdCache(benchmark::State& state) {
  const uint64_t size = state.range(0);
  Get(size);  // Built.
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    state.PauseTiming();
    LogOptions options;
    options.tile_cache_size = 1;  // Every tile read comes from SQLite.
    options.startup_sample = 0;
    static std::unique_ptr<Opened> cold;
    if (cold == nullptr) cold = Open(size, options);
    state.ResumeTiming();
    auto proof = cold->log->InclusionProof(rng() % size, size);
    benchmark::DoNotOptimize(proof);
  }
}
BENCHMARK(BM_InclusionProofColdCache)->Arg(10000000)->Unit(benchmark::kMicrosecond);

void BM_GetByIndexWithProof(benchmark::State& state) {
  Opened& o = Get(state.range(0));
  const uint64_t size = o.log->Latest().size;
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    auto e = o.log->GetByIndex(rng() % size);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_GetByIndexWithProof)->Arg(10000000)->Unit(benchmark::kMicrosecond);

void BM_ConsistencyProof(benchmark::State& state) {
  Opened& o = Get(state.range(0));
  const uint64_t size = o.log->Latest().size;
  std::mt19937_64 rng(4);
  for (auto _ : state) {
    auto p = o.log->ConsistencyProof(1 + rng() % (size - 1), size);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_ConsistencyProof)->Arg(10000000)->Unit(benchmark::kMicrosecond);

// Start-up: open the database and check the stored tree against the signed checkpoint and the
// published checkpoint file.
void BM_Startup(benchmark::State& state) {
  const uint64_t size = state.range(0);
  Get(size);
  for (auto _ : state) {
    auto o = Open(size);
    benchmark::DoNotOptimize(o);
  }
}
BENCHMARK(BM_Startup)->Arg(10000000)->Unit(benchmark::kMillisecond)->Iterations(5);

// What counting the entry rows one by one (SELECT COUNT(*), --verify-storage) would cost at start
// instead of the row counter (SQLite walks the smallest index of entries).
void BM_CountEntryRows(benchmark::State& state) {
  Opened& o = Get(state.range(0));
  for (auto _ : state) {
    uint64_t rows = 0;
    absl::Status s = o.storage->ReadTx([&](LogReader& r) -> absl::Status {
      auto n = r.CountEntryRows();
      if (!n.ok()) return n.status();
      rows = *n;
      return absl::OkStatus();
    });
    if (!s.ok() || rows != static_cast<uint64_t>(state.range(0))) state.SkipWithError("count");
  }
}
BENCHMARK(BM_CountEntryRows)->Arg(10000000)->Unit(benchmark::kMillisecond)->Iterations(3);

// vouchd --verify-storage over a log of 100k entries on one thread (the background verifier's
// cost per entry: a SignedEntryTimestamp verification, the body's hash, the tree recomputed and
// compared with the tiles).
void BM_VerifyStorage(benchmark::State& state) {
  Opened& o = Get(state.range(0));
  auto verifier = signer::OpenSslVerifier::FromDer(o.key->PublicKeyDer());
  IntegrityOptions options;
  options.threads = 1;
  for (auto _ : state) {
    auto report = VerifyStorage(o.storage.get(), **verifier, "", options);
    if (!report.ok() || !report->ok()) state.SkipWithError("verify");
  }
  state.counters["entries/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0)), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_VerifyStorage)->Arg(100000)->Unit(benchmark::kMillisecond)->Iterations(2);

// What a read or an append answer adds to check its inclusion proof (Log::CheckServedProof): the
// leaf hash of a ~700-byte body and the root recomputed from a proof of a 10M-entry tree (24
// hashes; the proof's values do not change the cost).
void BM_ServedProofCheck(benchmark::State& state) {
  const std::string body(700, 'b');
  std::vector<Hash> proof(InclusionProofSize(1234567, 10000000));
  for (size_t i = 0; i < proof.size(); ++i) proof[i] = HashLeaf(absl::StrCat(i));
  for (auto _ : state) {
    const Hash leaf = HashLeaf(body);
    auto root = RootFromInclusionProof(1234567, 10000000, leaf, proof);
    benchmark::DoNotOptimize(root);
  }
}
BENCHMARK(BM_ServedProofCheck)->Unit(benchmark::kMicrosecond);

// One write of the published checkpoint file (temporary file, fsync, rename, directory fsync):
// the background thread does at most one per 100 ms, whatever the commit rate.
void BM_PublishedCheckpointWrite(benchmark::State& state) {
  char tmpl[] = "/tmp/vouch-cpfile-bench.XXXXXX";
  const std::string path = std::string(::mkdtemp(tmpl)) + "/published_checkpoint";
  const std::string note(300, 'n');
  for (auto _ : state) {
    if (!WriteFileAtomically(path, note, 0600).ok()) state.SkipWithError("write");
  }
}
BENCHMARK(BM_PublishedCheckpointWrite)->Unit(benchmark::kMillisecond);

// Durable appends (each waits for its group commit, SET and proof) from state.threads() callers
// into a fresh log in a temporary directory: the capacity of sequencer + writer + SQLite.
void BM_Append(benchmark::State& state) {
  static Opened* fresh = nullptr;
  static std::atomic<uint64_t> next{0};
  if (state.thread_index() == 0) {
    char tmpl[] = "/tmp/vouch-append-bench.XXXXXX";
    const std::string dir = ::mkdtemp(tmpl);
    fresh = new Opened();
    fresh->key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    fresh->storage = *SqliteStorage::Open(dir + "/vouch.db");
    // As vouchd runs it: the published checkpoint file written behind the commits, health.
    static Health* health = new Health();
    LogOptions options;
    options.published_checkpoint_path = dir + "/published_checkpoint";
    options.health = health;
    fresh->log = *Log::Open(fresh->storage.get(), fresh->key.get(), options);
  }
  // Google Benchmark starts the timed loop on all threads together, after set-up.
  const std::string pad(600, 'p');  // A hashedrekord body with a PEM key is ~700 bytes.
  for (auto _ : state) {
    const uint64_t i = next++;
    NewEntry e{absl::StrCat("{\"apiVersion\":\"0.0.1\",\"kind\":\"bench\",\"i\":", i, ",\"pad\":\"",
                            pad, "\"}"),
               {absl::StrCat("artifact:sha256:", i), absl::StrCat("pubkey:sha256:", i % 64)}};
    auto r = fresh->log->Append(std::move(e));
    if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Append)->Threads(16)->Threads(64)->UseRealTime()->MinTime(3);

}  // namespace
}  // namespace vouch::log

BENCHMARK_MAIN();
