// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Verifies the 16 npm provenance bundles in-process (items/s = bundles/s):
//   VOUCH_SHARED=../shared bazel run -c opt //tests/interop:npm_verify_benchmark
// BM_Verify: parsed bundles, full verification. BM_ParseAndVerify: from the bundle JSON text.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "benchmark/benchmark.h"
#include "tests/interop/npm_cases.h"

namespace vouch::interop {
namespace {

const NpmData* data = nullptr;

void BM_Verify(benchmark::State& state) {
  for (auto _ : state) {
    for (const NpmCase& c : data->cases) {
      auto r = client::Verify(c.bundle, c.artifact, data->root, c.options);
      if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data->cases.size()));
}
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond);
// Verify() is thread-safe and shares the TrustRoot: both cores.
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond)->Threads(2)->UseRealTime();

void BM_ParseAndVerify(benchmark::State& state) {
  for (auto _ : state) {
    for (const NpmCase& c : data->cases) {
      auto b = client::ParseBundle(c.bundle_json);
      if (!b.ok()) state.SkipWithError("parse");
      auto r = client::Verify(*b, c.artifact, data->root, c.options);
      if (!r.ok()) state.SkipWithError(std::string(r.status().message()).c_str());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(data->cases.size()));
}
BENCHMARK(BM_ParseAndVerify)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vouch::interop

int main(int argc, char** argv) {
  std::string dir = vouch::interop::NpmDataDir();
  if (dir.empty()) {
    std::fprintf(stderr, "npm-provenance data not found: set VOUCH_SHARED\n");
    return 0;
  }
  auto loaded = vouch::interop::LoadNpmData(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", std::string(loaded.status().message()).c_str());
    return 1;
  }
  vouch::interop::data = loaded->release();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
