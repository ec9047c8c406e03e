// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Certificates per second, and the ceilings that bound it, measured in one binary:
//   BM_EcdsaP256Sign / BM_EcdsaP256Verify  the raw OpenSSL operations (a certificate costs one
//                                          CA sign and two verifies: token + proof)
//   BM_VerifyToken                         OIDC ES256 token verification (cached JWKS)
//   BM_Issue                               building and signing one certificate
//   BM_CreateSigningCertificate            the whole operation in-process (token, proof, issue)
//   BM_GrpcCreateSigningCertificate        the same over gRPC with concurrent clients
// The last two run twice in the same binary: ct:0 without a certificate transparency log, ct:1
// with vouchd's (log/ct_log.h over SQLite in a temporary directory on disk, synchronous=FULL):
// each certificate's precertificate is logged and its SCT embedded, precertificates of concurrent
// requests share a group commit. Counters: per_commit, precertificates per CT commit (fsync);
// commit_ms, the mean commit time (sequence to durable).
// Run: bazel run -c opt //server:ca_benchmark -- --benchmark_min_time=2
// (In server/ because the gRPC benchmark needs the gRPC adapter, server/ca_grpc.h.)
#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "grpcpp/grpcpp.h"
#include "log/ct_log.h"
#include "log/sqlite_storage.h"
#include "nlohmann/json.hpp"
#include "proto/fulcio/fulcio.grpc.pb.h"
#include "server/ca_grpc.h"
#include "signer/ca.h"
#include "signer/ca_service.h"
#include "signer/jwt.h"
#include "signer/oidc.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"

namespace vouch::signer {
namespace {

using json = nlohmann::json;
namespace fulcio = ::dev::sigstore::fulcio::v2;

constexpr char kIssuer[] = "https://bench.example";

// Everything the benchmarks share, built once.
struct Fixture {
  std::unique_ptr<OpenSslSigner> issuer_key;
  std::unique_ptr<OpenSslSigner> sign_key;
  std::unique_ptr<OpenSslVerifier> verify_key;
  std::string signature;
  std::vector<fulcio::CreateSigningCertificateRequest> requests;
  std::vector<std::string> leaf_spkis;
  std::unique_ptr<OidcVerifier> oidc;
  std::unique_ptr<CertificateAuthority> ca;
  // The CT log of services[1].
  std::unique_ptr<OpenSslSigner> ct_key;
  std::unique_ptr<log::SqliteStorage> ct_storage;
  std::unique_ptr<log::CtLog> ct_log;
  std::atomic<uint64_t> ct_commits{0};
  std::atomic<uint64_t> ct_entries{0};
  std::atomic<uint64_t> ct_commit_us{0};
  // [0]: without a CT log, [1]: with one; each served over gRPC on ports[i].
  std::unique_ptr<CaService> services[2];
  std::unique_ptr<server::CaGrpcService> grpc_services[2];
  std::unique_ptr<grpc::Server> servers[2];
  int ports[2] = {0, 0};

  Fixture() {
    issuer_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    sign_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    verify_key = *OpenSslVerifier::FromDer(sign_key->PublicKeyDer());
    signature = *sign_key->Sign("message");
    IssuerConfig issuer;
    issuer.issuer_url = kIssuer;
    issuer.jwks_json =
        json{{"keys", json::array({json::parse(*PublicKeyToJwk(issuer_key->PublicKeyDer(), "k"))})}}
            .dump();
    OidcOptions oidc_options;
    oidc_options.issuers.push_back(issuer);
    oidc = *OidcVerifier::New(oidc_options);
    auto ca_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    const std::string root =
        *CreateRootCertificate(*ca_key, {"bench", "root"}, absl::Now(), absl::Hours(24));
    ca = *CertificateAuthority::New(std::move(ca_key), {root}, CaOptions());
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    for (int i = 0; i < 64; ++i) {
      auto leaf = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
      const std::string email = absl::StrCat("user", i, "@example.com");
      fulcio::CreateSigningCertificateRequest req;
      req.mutable_credentials()->set_oidc_identity_token(*SignJws(*issuer_key, "k",
                                                                  json{{"iss", kIssuer},
                                                                       {"sub", email},
                                                                       {"aud", "sigstore"},
                                                                       {"email", email},
                                                                       {"email_verified", true},
                                                                       {"iat", now},
                                                                       {"exp", now + 3600}}
                                                                      .dump()));
      req.mutable_public_key_request()->mutable_public_key()->set_algorithm(fulcio::ECDSA);
      req.mutable_public_key_request()->mutable_public_key()->set_content(
          PublicKeyDerToPem(leaf->PublicKeyDer()));
      req.mutable_public_key_request()->set_proof_of_possession(*leaf->Sign(email));
      requests.push_back(req);
      leaf_spkis.push_back(leaf->PublicKeyDer());
    }
    char dir[] = "/var/tmp/vouch-ca-bench-XXXXXX";
    const std::string data_dir = mkdtemp(dir);
    ct_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    ct_storage = *log::SqliteStorage::Open(data_dir + "/ct.db");
    log::CtLogOptions ct_options;
    ct_options.log.on_commit = [this](size_t n, absl::Duration d) {
      ct_commits.fetch_add(1);
      ct_entries.fetch_add(n);
      ct_commit_us.fetch_add(static_cast<uint64_t>(absl::ToInt64Microseconds(d)));
    };
    ct_log = *log::CtLog::Open(ct_storage.get(), ct_key.get(), ct_options);
    for (int ct = 0; ct < 2; ++ct) {
      CaServiceOptions options;
      options.data_dir = data_dir;
      options.issuers.push_back(issuer);
      options.enable_tsa = false;
      if (ct == 1) {
        options.ct_log = ct_log.get();
        options.ct_log_public_key_der = ct_key->PublicKeyDer();
      }
      services[ct] = *CaService::New(options, nullptr);
      grpc::ServerBuilder builder;
      builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &ports[ct]);
      grpc_services[ct] = std::make_unique<server::CaGrpcService>(services[ct].get());
      builder.RegisterService(grpc_services[ct].get());
      servers[ct] = builder.BuildAndStart();
    }
    // CaService generated the CA key into data_dir on first use: both share it.
    if (!ct_log->SetAcceptedChains({services[1]->ca_chain_der()}).ok()) std::abort();
  }
};

Fixture& F() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

// Reports, on thread 0, the precertificates per CT log commit during the benchmark (ct:1).
class CommitCounter {
 public:
  explicit CommitCounter(benchmark::State& state)
      : state_(state),
        commits_(F().ct_commits.load()),
        entries_(F().ct_entries.load()),
        commit_us_(F().ct_commit_us.load()),
        on_(state.range(0) == 1 && state.thread_index() == 0) {}
  ~CommitCounter() {
    if (!on_) return;
    const uint64_t commits = F().ct_commits.load() - commits_;
    const uint64_t entries = F().ct_entries.load() - entries_;
    const uint64_t commit_us = F().ct_commit_us.load() - commit_us_;
    if (commits > 0) {
      state_.counters["per_commit"] = static_cast<double>(entries) / static_cast<double>(commits);
      state_.counters["commit_ms"] =
          static_cast<double>(commit_us) / 1000.0 / static_cast<double>(commits);
    }
  }

 private:
  benchmark::State& state_;
  const uint64_t commits_;
  const uint64_t entries_;
  const uint64_t commit_us_;
  const bool on_;
};

void BM_EcdsaP256Sign(benchmark::State& state) {
  const OpenSslSigner& key = *F().sign_key;
  for (auto _ : state) benchmark::DoNotOptimize(key.Sign("message"));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EcdsaP256Sign)->ThreadRange(1, 2)->UseRealTime();

void BM_EcdsaP256Verify(benchmark::State& state) {
  const OpenSslVerifier& key = *F().verify_key;
  const std::string& sig = F().signature;
  for (auto _ : state) benchmark::DoNotOptimize(key.Verify("message", sig));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EcdsaP256Verify)->ThreadRange(1, 2)->UseRealTime();

void BM_ParseLeafPublicKey(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) benchmark::DoNotOptimize(ParseLeafPublicKey(f.leaf_spkis[0]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseLeafPublicKey);

void BM_VerifyToken(benchmark::State& state) {
  Fixture& f = F();
  size_t i = 0;
  for (auto _ : state) {
    auto id =
        f.oidc->Verify(f.requests[i++ % f.requests.size()].credentials().oidc_identity_token());
    if (!id.ok()) state.SkipWithError(std::string(id.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyToken)->ThreadRange(1, 2)->UseRealTime();

void BM_Issue(benchmark::State& state) {
  Fixture& f = F();
  Identity id;
  id.issuer = kIssuer;
  id.san = "user@example.com";
  size_t i = 0;
  for (auto _ : state) {
    auto cert = f.ca->Issue(id, f.leaf_spkis[i++ % f.leaf_spkis.size()]);
    if (!cert.ok()) state.SkipWithError(std::string(cert.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Issue)->ThreadRange(1, 2)->UseRealTime();

void BM_CreateSigningCertificate(benchmark::State& state) {
  Fixture& f = F();
  CaService* service = f.services[state.range(0)].get();
  size_t i = static_cast<size_t>(state.thread_index()) * 7;
  CommitCounter counter(state);
  for (auto _ : state) {
    auto cert = service->CreateSigningCertificate(f.requests[i++ % f.requests.size()], "");
    if (!cert.ok()) state.SkipWithError(std::string(cert.status().message()).c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CreateSigningCertificate)
    ->ArgName("ct")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(2)
    ->Threads(16)
    ->UseRealTime();

void BM_GrpcCreateSigningCertificate(benchmark::State& state) {
  Fixture& f = F();
  auto stub = fulcio::CA::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", f.ports[state.range(0)]), grpc::InsecureChannelCredentials(), [&] {
        grpc::ChannelArguments args;  // one connection per client thread
        args.SetInt("grpc.channel_id", state.thread_index());
        return args;
      }()));
  size_t i = static_cast<size_t>(state.thread_index()) * 7;
  CommitCounter counter(state);
  for (auto _ : state) {
    grpc::ClientContext ctx;
    fulcio::SigningCertificate resp;
    grpc::Status s =
        stub->CreateSigningCertificate(&ctx, f.requests[i++ % f.requests.size()], &resp);
    if (!s.ok()) state.SkipWithError(s.error_message().c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GrpcCreateSigningCertificate)
    ->ArgName("ct")
    ->Arg(0)
    ->Arg(1)
    ->Threads(1)
    ->Threads(4)
    ->Threads(16)
    ->UseRealTime();

}  // namespace
}  // namespace vouch::signer

BENCHMARK_MAIN();
