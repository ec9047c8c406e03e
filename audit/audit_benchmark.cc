// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-audit's throughput targets, measured in one run (a benchmark, not a test):
//   tree part       leaf hashing + compact range + tile-row bookkeeping, one thread, in entries/s
//                   (target: at least 200,000/s)
//   signature part  CheckEntry (canonical form, kind rules, key parse, ECDSA P-256 signature) on
//                   all cores, in entries/s, against the ECDSA P-256 verify ceiling measured in
//                   the same run on all cores as tools/loadgen does (target: at least 0.70)
// Usage: bazel run -c opt //audit:audit_benchmark -- [--entries N] [--seconds S]
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "audit/entry_check.h"
#include "log/compact_range.h"
#include "log/entry/entry.h"
#include "log/hash.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace {

using vouch::signer::HashAlgorithm;
using vouch::signer::OpenSslSigner;

double OpsPerSecond(int threads, absl::Duration d, const std::function<bool()>& op) {
  std::atomic<uint64_t> total{0};
  const absl::Time end = absl::Now() + d;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      uint64_t n = 0;
      while (absl::Now() < end) {
        for (int i = 0; i < 64; ++i) {
          if (!op()) std::abort();
        }
        n += 64;
      }
      total += n;
    });
  }
  for (auto& t : ts) t.join();
  return total / absl::ToDoubleSeconds(d);
}

}  // namespace

int main(int argc, char** argv) {
  int entries = 20000;
  double seconds = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--entries") == 0) entries = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  // Real stored bodies: key-signed hashedrekord entries, each with its own key (as clients do).
  std::fprintf(stderr, "signing %d entries ...\n", entries);
  std::vector<std::string> bodies(entries);
  {
    std::atomic<int> next{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < cores; ++t) {
      ts.emplace_back([&] {
        for (int i; (i = next++) < entries;) {
          auto key = *OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
          const std::string digest = vouch::signer::Sha256(absl::StrCat("artifact ", i));
          const std::string sig = *key->SignDigest(HashAlgorithm::kSha256, digest);
          nlohmann::json p = {
              {"apiVersion", "0.0.1"},
              {"kind", "hashedrekord"},
              {"spec",
               {{"signature",
                 {{"content", absl::Base64Escape(sig)},
                  {"publicKey",
                   {{"content",
                     absl::Base64Escape(vouch::signer::PublicKeyDerToPem(key->PublicKeyDer()))}}}}},
                {"data",
                 {{"hash",
                   {{"algorithm", "sha256"}, {"value", absl::BytesToHexString(digest)}}}}}}}};
          bodies[i] = vouch::log::PrepareEntry(p.dump())->entry.body;
        }
      });
    }
    for (auto& t : ts) t.join();
  }

  // Tree part: one thread, as in replay (leaf hash, append, level-0 row kept, rows compared).
  const int tree_entries = 1000000;
  vouch::log::CompactRange range;
  std::vector<vouch::log::Hash> row;
  row.reserve(256);
  uint64_t compared = 0;
  const absl::Time t0 = absl::Now();
  for (int i = 0; i < tree_entries; ++i) {
    const vouch::log::Hash leaf = vouch::log::HashLeaf(bodies[i % entries]);
    if (leaf == row.data()[0] && i % 256 == 1) ++compared;  // the served-tile comparison
    range.Append(leaf, [&](vouch::log::NodeId id, const vouch::log::Hash& h) {
      if (id.level % 8 != 0) return;
      row.push_back(h);
      if (row.size() == 256) row.clear();
    });
  }
  const double tree_rate = tree_entries / absl::ToDoubleSeconds(absl::Now() - t0);

  // Signature part (CheckEntry on every core) and the ceiling (ECDSA P-256 verify on every
  // core, the same way as tools/loadgen), measured in alternating slices so that a change in the
  // machine's load during the run affects both alike.
  vouch::audit::EntryCheckOptions options;
  std::atomic<int> failures{0};
  std::atomic<uint64_t> cursor{0};
  auto key = OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
  auto verifier = vouch::signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  const std::string digest = vouch::signer::Sha256("ceiling");
  const std::string sig = *(*key)->SignDigest(HashAlgorithm::kSha256, digest);
  const int slices = 6;
  const absl::Duration slice = absl::Seconds(seconds) / slices;
  double check_rate = 0, ceiling = 0;
  for (int s = 0; s < slices; ++s) {
    check_rate += OpsPerSecond(cores, slice,
                               [&] {
                                 const uint64_t i = cursor++ % entries;
                                 auto c = vouch::audit::CheckEntry(bodies[i], options);
                                 if (!c.status.ok() || c.facts.signatures_verified != 1) ++failures;
                                 return true;
                               }) /
                  slices;
    ceiling +=
        OpsPerSecond(
            cores, slice,
            [&] { return (*verifier)->VerifyDigest(HashAlgorithm::kSha256, digest, sig).ok(); }) /
        slices;
  }

  // Attribution: the checks without the signature, one thread.
  vouch::audit::EntryCheckOptions no_sig;
  no_sig.signatures = false;
  std::atomic<uint64_t> c2{0};
  const double nosig_rate = OpsPerSecond(1, absl::Seconds(1), [&] {
    return vouch::audit::CheckEntry(bodies[c2++ % entries], no_sig).status.ok();
  });
  std::printf(
      "without sigs     %.0f entries/s on 1 thread (%.1f us per entry besides the signature)\n",
      nosig_rate, 1e6 / nosig_rate);
  std::printf("tree part        %.0f entries/s on 1 thread (target 200000): %s\n", tree_rate,
              tree_rate >= 200000 ? "met" : "NOT met");
  std::printf("signature part   %.0f entries/s on %d cores (CheckEntry, one ECDSA P-256 each)\n",
              check_rate, cores);
  std::printf("verify ceiling   %.0f/s on %d cores (ECDSA P-256)\n", ceiling, cores);
  std::printf("ratio            %.2f of the ceiling (target 0.70): %s\n", check_rate / ceiling,
              check_rate / ceiling >= 0.70 ? "met" : "NOT met");
  std::printf("check failures   %d\n", failures.load());
  std::printf(
      "{\"tree_entries_per_second\":%.0f,\"check_entries_per_second\":%.0f,"
      "\"verify_ceiling_all_cores\":%.0f,\"ratio\":%.3f,\"cores\":%d,\"compared\":%llu}\n",
      tree_rate, check_rate, ceiling, check_rate / ceiling, cores,
      static_cast<unsigned long long>(compared));
  return failures.load() == 0 ? 0 : 1;
}
