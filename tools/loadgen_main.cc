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
// measured. Over gRPC the client uses gRPC's callback API (one slot per client, no thread per
// call), so the load generator takes as little of the shared cores as it can. Without --rate
// each client sends its next append as soon as the last one is answered (closed loop); with
// --rate appends are started on a fixed schedule with at most --clients in flight, and latency
// counts from the scheduled start (open loop: a slow server cannot hide its queueing delay).
//
// Besides the verify ceiling, the run measures in-process the two other per-append costs no
// server can avoid on this machine: one ECDSA P-256 signature (the SignedEntryTimestamp) and
// one gRPC unary call carrying the same entries through the same client code to a server that
// answers at once (the transport ceiling). Their combined bound, 1 / (1/verify + 1/sign +
// 1/transport), all measured on all cores, is printed next to the result.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
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
ABSL_FLAG(std::string, write_entries, "",
          "Only sign --max_entries distinct entries and write them to this file, one proposed "
          "entry JSON per line (for wrk: tools/bench/wrk_append.lua), then exit.");
ABSL_FLAG(std::string, acks, "",
          "Write one line \"<logIndex> <uuid>\" per acknowledged append to this file, as each "
          "answer arrives (for durability checks: kill the server mid-run, restart, compare).");
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

// Calls of |op| per second on |threads| threads for |d| (aborts if |op| fails).
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

// ECDSA P-256 verifications per second with |threads| threads (the `openssl speed ecdsap256`
// verify figure, measured through the same OpenSslVerifier calls the server uses).
double VerifyCeiling(int threads, absl::Duration d) {
  auto key = OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
  auto verifier = vouch::signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  const std::string digest = vouch::signer::Sha256("ceiling");
  const std::string sig = *(*key)->SignDigest(HashAlgorithm::kSha256, digest);
  return OpsPerSecond(threads, d, [&] {
    return (*verifier)->VerifyDigest(HashAlgorithm::kSha256, digest, sig).ok();
  });
}

// ECDSA P-256 signatures per second with |threads| threads (the SET every append needs).
double SignCeiling(int threads, absl::Duration d) {
  auto key = OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
  const std::string digest = vouch::signer::Sha256("ceiling");
  return OpsPerSecond(threads, d,
                      [&] { return (*key)->SignDigest(HashAlgorithm::kSha256, digest).ok(); });
}

// What one load run saw.
struct RunResult {
  absl::Mutex mu;
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);
  uint64_t errors ABSL_GUARDED_BY(mu) = 0;
  std::string first_error ABSL_GUARDED_BY(mu);
  double seconds = 0;
  std::FILE* acks = nullptr;  // --acks

  // |ack| is "<logIndex> <uuid>" of an acknowledged append.
  void Record(bool ok, const std::string& err, absl::Time t0, const std::string& ack = "") {
    const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
    absl::MutexLock l(&mu);
    if (ok) {
      latencies_ms.push_back(ms);
      if (acks != nullptr) {
        std::fprintf(acks, "%s\n", ack.c_str());
        std::fflush(acks);  // On disk before the next answer, in case this run is killed too.
      }
    } else {
      errors++;
      if (first_error.empty()) first_error = err;
    }
  }
};

// Appends entries[0..] over gRPC with the callback API: |clients| slots, each holding at most one
// call. Closed loop when |rate| is 0, else open loop at |rate| calls/s (see the file comment).
// With |reuse| the entries are sent round and round until |duration| is over (the null server
// stores nothing); otherwise the run also ends when they are used up.
void RunGrpc(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
             const std::vector<std::string>& entries, int clients, absl::Duration duration,
             double rate, RunResult* result, bool reuse = false) {
  struct Slot {
    std::unique_ptr<vouch::log::v1::Log::Stub> stub;
    std::unique_ptr<grpc::ClientContext> ctx;
    vouch::log::v1::CreateEntryRequest req;
    vouch::log::v1::LogEntry resp;
    absl::Time t0;
  };
  std::vector<Slot> slots(clients);
  for (int c = 0; c < clients; ++c) {
    slots[c].stub = vouch::log::v1::Log::NewStub(channels[c % channels.size()]);
  }
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  int idle = 0;                  // Slots with no call in flight.
  std::deque<Slot*> free_slots;  // Open loop only.
  const absl::Time start = absl::Now();
  const absl::Time end = start + duration;

  // Starts entry |i| on |s|; |done| runs when the answer is in (on a gRPC thread).
  auto call = [&](Slot* s, size_t i, absl::Time t0, std::function<void(Slot*)> done) {
    s->ctx = std::make_unique<grpc::ClientContext>();
    // A server that hangs without closing the connection must not hang the load generator.
    s->ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    s->req.set_proposed_entry(entries[i % entries.size()]);
    s->resp.Clear();
    s->t0 = t0;
    s->stub->async()->CreateEntry(
        s->ctx.get(), &s->req, &s->resp, [result, s, done](grpc::Status st) {
          result->Record(st.ok(), st.error_message(), s->t0,
                         result->acks == nullptr
                             ? std::string()
                             : absl::StrCat(s->resp.log_index(), " ", s->resp.uuid()));
          done(s);
        });
  };
  // Live until every call is answered (the callbacks hold references to them).
  std::function<void(Slot*)> again, release;
  if (rate <= 0) {
    again = [&](Slot* s) {
      const size_t i = next++;
      if (absl::Now() >= end || (!reuse && i >= entries.size())) {
        absl::MutexLock l(&mu);
        idle++;
        return;
      }
      call(s, i, absl::Now(), again);
    };
    for (Slot& s : slots) again(&s);
  } else {
    for (Slot& s : slots) free_slots.push_back(&s);
    release = [&](Slot* s) {
      absl::MutexLock l(&mu);
      free_slots.push_back(s);
    };
    for (uint64_t k = 0;; ++k) {
      const absl::Time due = start + absl::Seconds(k / rate);
      if (due >= end || k >= entries.size()) break;
      const absl::Time now = absl::Now();
      if (due > now) absl::SleepFor(due - now);
      Slot* s;
      {
        absl::MutexLock l(&mu);
        auto some_free = [&] { return !free_slots.empty(); };
        mu.Await(absl::Condition(&some_free));
        s = free_slots.front();
        free_slots.pop_front();
      }
      call(s, k, due, release);
    }
    absl::MutexLock l(&mu);
    auto all_free = [&] { return static_cast<int>(free_slots.size()) == clients; };
    mu.Await(absl::Condition(&all_free));
    idle = clients;
  }
  {
    absl::MutexLock l(&mu);
    auto all_idle = [&] { return idle == clients; };
    mu.Await(absl::Condition(&all_idle));
  }
  result->seconds = absl::ToDoubleSeconds(absl::Now() - start);
}

// A Log service whose CreateEntry answers at once with an empty entry: the cost of the gRPC call
// alone.
class NullLog final : public vouch::log::v1::Log::CallbackService {
  grpc::ServerUnaryReactor* CreateEntry(grpc::CallbackServerContext* ctx,
                                        const vouch::log::v1::CreateEntryRequest*,
                                        vouch::log::v1::LogEntry*) override {
    grpc::ServerUnaryReactor* r = ctx->DefaultReactor();
    r->Finish(grpc::Status::OK);
    return r;
  }
};

// gRPC unary calls per second, client and server in this process on all cores, with |clients|
// calls in flight carrying |entries|.
double TransportCeiling(const std::vector<std::string>& entries, int clients, absl::Duration d) {
  NullLog service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) return 0;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < std::min(clients, 8); ++i) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", i);
    channels.push_back(grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                                 grpc::InsecureChannelCredentials(), args));
  }
  RunResult r;
  RunGrpc(channels, entries, clients, d, 0, &r, /*reuse=*/true);
  server->Shutdown();
  absl::MutexLock l(&r.mu);
  return r.latencies_ms.size() / r.seconds;
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
  if (!absl::GetFlag(FLAGS_write_entries).empty()) {
    const int n = absl::GetFlag(FLAGS_max_entries);
    const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const std::vector<std::string> entries = MakeEntries(n, threads);
    std::FILE* f = std::fopen(absl::GetFlag(FLAGS_write_entries).c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "vouch-loadgen: cannot write %s\n",
                   absl::GetFlag(FLAGS_write_entries).c_str());
      return 2;
    }
    for (const std::string& e : entries) {
      std::fwrite(e.data(), 1, e.size(), f);
      std::fputc('\n', f);
    }
    std::fclose(f);
    std::fprintf(stderr, "wrote %d entries to %s\n", n, absl::GetFlag(FLAGS_write_entries).c_str());
    return 0;
  }
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

  std::fprintf(stderr,
               "measuring the ECDSA P-256 sign ceiling and the gRPC transport ceiling ...\n");
  const double sign_ceilingN = SignCeiling(cores, absl::GetFlag(FLAGS_ceiling_time));
  double transport = 0;
  if (!grpc_addr.empty()) {
    transport = TransportCeiling(entries, clients, absl::GetFlag(FLAGS_ceiling_time));
  }

  RunResult result;
  if (!absl::GetFlag(FLAGS_acks).empty()) {
    result.acks = std::fopen(absl::GetFlag(FLAGS_acks).c_str(), "w");
    if (result.acks == nullptr) {
      std::fprintf(stderr, "vouch-loadgen: cannot write %s\n", absl::GetFlag(FLAGS_acks).c_str());
      return 2;
    }
  }
  if (!grpc_addr.empty()) {
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int i = 0; i < std::min(clients, 8); ++i) {
      grpc::ChannelArguments args;
      args.SetInt("grpc.channel_id", i);  // Distinct channels, not one shared subchannel.
      channels.push_back(
          grpc::CreateCustomChannel(grpc_addr, grpc::InsecureChannelCredentials(), args));
    }
    RunGrpc(channels, entries, clients, duration, rate, &result);
  } else {
    // HTTP: one thread and keep-alive connection per client (cpp-httplib is synchronous).
    std::atomic<size_t> next{0};
    const absl::Time start = absl::Now();
    const absl::Time end = start + duration;
    std::vector<std::thread> ts;
    for (int c = 0; c < clients; ++c) {
      ts.emplace_back([&, c] {
        const size_t colon = http_addr.rfind(':');
        httplib::Client http(http_addr.substr(0, colon), std::stoi(http_addr.substr(colon + 1)));
        http.set_tcp_nodelay(true);
        http.set_keep_alive(true);
        const absl::Duration interval =
            rate > 0 ? absl::Seconds(clients / rate) : absl::ZeroDuration();
        absl::Time next_send = start + interval * c / clients;
        while (true) {
          absl::Time t0 = absl::Now();
          if (interval > absl::ZeroDuration()) {
            if (next_send > t0) absl::SleepFor(next_send - t0);
            t0 = next_send;  // Latency counts from the scheduled start.
            next_send += interval;
          }
          if (absl::Now() >= end) break;
          const size_t i = next++;
          if (i >= entries.size()) break;
          auto res = http.Post("/api/v1/log/entries", entries[i], "application/json");
          const bool ok = res && res->status == 201;
          std::string ack;
          if (ok && result.acks != nullptr) {
            const json body = json::parse(res->body, nullptr, false);
            if (body.is_object() && !body.empty()) {
              ack =
                  absl::StrCat(body.begin().value().value("logIndex", -1), " ", body.begin().key());
            }
          }
          result.Record(ok,
                        ok    ? ""
                        : res ? absl::StrCat(res->status, " ", res->body)
                              : "connection failed",
                        t0, ack);
        }
      });
    }
    for (auto& t : ts) t.join();
    result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  }
  absl::MutexLock l(&result.mu);
  if (result.acks != nullptr) std::fclose(result.acks);
  const double elapsed = result.seconds;
  std::vector<double>& all = result.latencies_ms;
  const uint64_t errors = result.errors;
  const std::string& first_error = result.first_error;
  std::sort(all.begin(), all.end());
  auto pct = [&](double p) {
    return all.empty() ? 0.0 : all[std::min(all.size() - 1, static_cast<size_t>(p * all.size()))];
  };
  const double rate_done = all.size() / elapsed;
  std::printf("transport        %s\n", grpc_addr.empty() ? "http" : "grpc");
  std::printf("clients          %d\n", clients);
  std::printf("appends          %zu in %.2f s (%llu errors)\n", all.size(), elapsed,
              static_cast<unsigned long long>(errors));
  std::printf("appends/s        %.0f\n", rate_done);
  std::printf("latency ms       p50 %.2f  p99 %.2f  max %.2f\n", pct(0.5), pct(0.99),
              all.empty() ? 0.0 : all.back());
  std::printf("verify ceiling   %.0f/s on 1 core, %.0f/s on %d cores (ECDSA P-256)\n", ceiling1,
              ceilingN, cores);
  std::printf("ratio            %.2f of the all-core verify ceiling\n", rate_done / ceilingN);
  std::printf("sign ceiling     %.0f/s on %d cores (ECDSA P-256, one SET per append)\n",
              sign_ceilingN, cores);
  if (transport > 0) {
    // Every append costs at least one verify, one signature and one gRPC call, all sharing the
    // same cores: their times per append add up.
    const double bound = 1 / (1 / ceilingN + 1 / sign_ceilingN + 1 / transport);
    std::printf(
        "grpc ceiling     %.0f empty CreateEntry calls/s (client and server here, %d in flight)\n",
        transport, clients);
    std::printf(
        "bound            %.0f appends/s = 1/(1/verify + 1/sign + 1/grpc); result is %.2f of it\n",
        bound, rate_done / bound);
  }
  if (!first_error.empty()) std::printf("first error      %s\n", first_error.c_str());
  json summary = {{"transport", grpc_addr.empty() ? "http" : "grpc"},
                  {"clients", clients},
                  {"appends", all.size()},
                  {"errors", errors},
                  {"first_error", first_error},
                  {"seconds", elapsed},
                  {"appends_per_second", rate_done},
                  {"p50_ms", pct(0.5)},
                  {"p99_ms", pct(0.99)},
                  {"max_ms", all.empty() ? 0.0 : all.back()},
                  {"verify_ceiling_1core", ceiling1},
                  {"verify_ceiling_all_cores", ceilingN},
                  {"ratio", rate_done / ceilingN},
                  {"sign_ceiling_all_cores", sign_ceilingN},
                  {"grpc_ceiling", transport}};
  std::printf("%s\n", summary.dump().c_str());
  return errors > 0 && all.empty() ? 1 : 0;
}
