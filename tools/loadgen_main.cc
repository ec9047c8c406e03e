// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-loadgen: N concurrent clients append real signed hashedrekord entries to a running vouchd
// over gRPC or HTTP for a fixed time, then print appends/s, latency percentiles, and the machine's
// ECDSA P-256 verify ceiling measured in the same run (1 core and all cores) with the ratio.
//
//   vouch-loadgen --grpc 127.0.0.1:8081 --clients 64 --duration 10s
//   vouch-loadgen --http 127.0.0.1:8080 --clients 64 --duration 10s --rate 5000
//
// Entries are signed before the timed run so the client spends no CPU on signing while it is
// measured. Output ends with one JSON line for scripts.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/flags.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "proto/vouch/log.grpc.pb.h"
#include "signer/openssl_crypto.h"

ABSL_FLAG(std::string, grpc, "", "vouchd gRPC address HOST:PORT (append over gRPC).");
ABSL_FLAG(std::string, http, "", "vouchd HTTP address HOST:PORT (append over HTTP).");
ABSL_FLAG(int, clients, 64, "Concurrent clients.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "How long to append.");
ABSL_FLAG(double, rate, 0, "Target appends/s across all clients (0 = as fast as possible).");
ABSL_FLAG(int, max_entries, 400000, "Entries signed in advance (the run stops when used up).");
ABSL_FLAG(absl::Duration, ceiling_time, absl::Seconds(1),
          "Time spent measuring the verify ceiling.");

namespace {

using json = nlohmann::json;
using vouch::signer::HashAlgorithm;
using vouch::signer::OpenSslSigner;

// Signs |n| distinct hashedrekord entries with |threads| threads.
std::vector<std::string> MakeEntries(int n, int threads) {
  std::vector<std::string> out(n);
  auto key = OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
  if (!key.ok()) {
    std::fprintf(stderr, "key generation failed\n");
    std::exit(1);
  }
  const std::string pem_b64 =
      absl::Base64Escape(vouch::signer::PublicKeyDerToPem((*key)->PublicKeyDer()));
  const uint64_t salt = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&, t] {
      for (int i = t; i < n; i += threads) {
        const std::string digest = vouch::signer::Sha256(absl::StrCat(salt, "/", i));
        auto sig = (*key)->SignDigest(HashAlgorithm::kSha256, digest);
        json j = {
            {"apiVersion", "0.0.1"},
            {"kind", "hashedrekord"},
            {"spec",
             {{"signature",
               {{"content", absl::Base64Escape(*sig)}, {"publicKey", {{"content", pem_b64}}}}},
              {"data",
               {{"hash", {{"algorithm", "sha256"}, {"value", absl::BytesToHexString(digest)}}}}}}}};
        out[i] = j.dump();
      }
    });
  }
  for (auto& t : ts) t.join();
  return out;
}

// ECDSA P-256 verifications per second with |threads| threads (the `openssl speed ecdsap256`
// verify figure, measured through the same OpenSslVerifier calls the server uses).
double VerifyCeiling(int threads, absl::Duration d) {
  auto key = OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
  auto verifier = vouch::signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  const std::string digest = vouch::signer::Sha256("ceiling");
  const std::string sig = *(*key)->SignDigest(HashAlgorithm::kSha256, digest);
  std::atomic<uint64_t> total{0};
  const absl::Time end = absl::Now() + d;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t) {
    ts.emplace_back([&] {
      uint64_t n = 0;
      while (absl::Now() < end) {
        for (int i = 0; i < 64; ++i) {
          if (!(*verifier)->VerifyDigest(HashAlgorithm::kSha256, digest, sig).ok()) std::abort();
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
  vouch::ParseFlags(argc, argv,
                    "Appends signed entries to vouchd concurrently and reports throughput.\n"
                    "usage: vouch-loadgen (--grpc HOST:PORT | --http HOST:PORT) [--clients N] "
                    "[--duration 10s] [--rate R]",
                    "tools/loadgen_main.cc");
  const std::string grpc_addr = absl::GetFlag(FLAGS_grpc);
  const std::string http_addr = absl::GetFlag(FLAGS_http);
  if (grpc_addr.empty() == http_addr.empty()) {
    std::fprintf(stderr, "vouch-loadgen: give exactly one of --grpc or --http\n");
    return 2;
  }
  const int clients = absl::GetFlag(FLAGS_clients);
  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const double rate = absl::GetFlag(FLAGS_rate);
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (clients < 1 || clients > 4096) {
    std::fprintf(stderr, "vouch-loadgen: --clients must be 1..4096\n");
    return 2;
  }

  std::fprintf(stderr, "measuring the ECDSA P-256 verify ceiling ...\n");
  const double ceiling1 = VerifyCeiling(1, absl::GetFlag(FLAGS_ceiling_time));
  const double ceilingN = VerifyCeiling(cores, absl::GetFlag(FLAGS_ceiling_time));

  int n = absl::GetFlag(FLAGS_max_entries);
  if (rate > 0)
    n = std::min<int>(n, static_cast<int>(rate * absl::ToDoubleSeconds(duration) * 1.2) + clients);
  std::fprintf(stderr, "signing %d entries in advance ...\n", n);
  const std::vector<std::string> entries = MakeEntries(n, cores);

  std::atomic<int> next{0};
  std::atomic<uint64_t> errors{0};
  std::vector<std::vector<double>> latencies(clients);
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  if (!grpc_addr.empty()) {
    for (int i = 0; i < std::min(clients, 8); ++i) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", i);  // Distinct channels, not one shared subchannel.
      channels.push_back(
          grpc::CreateCustomChannel(grpc_addr, grpc::InsecureChannelCredentials(), args));
    }
  }
  std::string first_error;
  absl::Mutex error_mu;
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;
  std::vector<std::thread> ts;
  for (int c = 0; c < clients; ++c) {
    ts.emplace_back([&, c] {
      std::unique_ptr<vouch::log::v1::Log::Stub> stub;
      std::unique_ptr<httplib::Client> http;
      if (!grpc_addr.empty()) {
        stub = vouch::log::v1::Log::NewStub(channels[c % channels.size()]);
      } else {
        const size_t colon = http_addr.rfind(':');
        http = std::make_unique<httplib::Client>(http_addr.substr(0, colon),
                                                 std::stoi(http_addr.substr(colon + 1)));
        http->set_tcp_nodelay(true);
        http->set_keep_alive(true);
      }
      const absl::Duration interval =
          rate > 0 ? absl::Seconds(clients / rate) : absl::ZeroDuration();
      absl::Time next_send = start + interval * c / clients;
      while (true) {
        if (interval > absl::ZeroDuration()) {
          const absl::Time now = absl::Now();
          if (next_send > now) absl::SleepFor(next_send - now);
          next_send += interval;
        }
        if (absl::Now() >= end) break;
        const int i = next++;
        if (i >= static_cast<int>(entries.size())) break;
        const absl::Time t0 = absl::Now();
        bool ok;
        std::string err;
        if (stub != nullptr) {
          grpc::ClientContext ctx;
          vouch::log::v1::CreateEntryRequest req;
          req.set_proposed_entry(entries[i]);
          vouch::log::v1::LogEntry resp;
          grpc::Status s = stub->CreateEntry(&ctx, req, &resp);
          ok = s.ok();
          if (!ok) err = s.error_message();
        } else {
          auto res = http->Post("/api/v1/log/entries", entries[i], "application/json");
          ok = res && res->status == 201;
          if (!ok) err = res ? absl::StrCat(res->status, " ", res->body) : "connection failed";
        }
        if (ok) {
          latencies[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        } else {
          errors++;
          absl::MutexLock l(&error_mu);
          if (first_error.empty()) first_error = err;
        }
      }
    });
  }
  for (auto& t : ts) t.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  const double rate_done = all.size() / elapsed;
  std::printf("transport        %s\n", grpc_addr.empty() ? "http" : "grpc");
  std::printf("clients          %d\n", clients);
  std::printf("appends          %zu in %.2f s (%llu errors)\n", all.size(), elapsed,
              static_cast<unsigned long long>(errors.load()));
  std::printf("appends/s        %.0f\n", rate_done);
  std::printf("latency ms       p50 %.2f  p99 %.2f  max %.2f\n", pct(0.5), pct(0.99),
              all.empty() ? 0.0 : all.back());
  std::printf("verify ceiling   %.0f/s on 1 core, %.0f/s on %d cores (ECDSA P-256)\n", ceiling1,
              ceilingN, cores);
  std::printf("ratio            %.2f of the all-core verify ceiling\n", rate_done / ceilingN);
  if (!first_error.empty()) std::printf("first error      %s\n", first_error.c_str());
  json summary = {{"transport", grpc_addr.empty() ? "http" : "grpc"},
                  {"clients", clients},
                  {"appends", all.size()},
                  {"errors", errors.load()},
                  {"seconds", elapsed},
                  {"appends_per_second", rate_done},
                  {"p50_ms", pct(0.5)},
                  {"p99_ms", pct(0.99)},
                  {"max_ms", all.empty() ? 0.0 : all.back()},
                  {"verify_ceiling_1core", ceiling1},
                  {"verify_ceiling_all_cores", ceilingN},
                  {"ratio", rate_done / ceilingN}};
  std::printf("%s\n", summary.dump().c_str());
  return errors.load() > 0 && all.empty() ? 1 : 0;
}
