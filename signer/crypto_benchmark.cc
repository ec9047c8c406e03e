// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// ECDSA P-256 sign/verify throughput through OpenSslSigner/OpenSslVerifier (the EC_KEY path every
// part of Vouch uses) against OpenSSL 3's EVP_DigestSign/Verify on the same key, on 1 and 2
// threads (8 = oversubscribed, as under gRPC). The evidence for using ECDSA_sign/ECDSA_verify
// (docs/benchmarks.md).
//
//   bazel run -c opt //signer:crypto_benchmark
#include <memory>
#include <string>

#include <openssl/evp.h>

#include "benchmark/benchmark.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {
namespace {

struct Fixture {
  std::unique_ptr<OpenSslSigner> signer;
  std::unique_ptr<OpenSslVerifier> verifier;
  std::string message = std::string(100, 'm');
  std::string signature;

  Fixture() {
    signer = std::move(OpenSslSigner::Generate(KeyType::kEcdsaP256).value());
    verifier = std::move(OpenSslVerifier::FromDer(signer->PublicKeyDer()).value());
    signature = signer->Sign(message).value();
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();
  return *f;
}

void BM_VerifyP256(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) {
    if (!f.verifier->Verify(f.message, f.signature).ok()) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyP256)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

void BM_VerifyP256Evp(benchmark::State& state) {
  Fixture& f = F();
  auto* pkey = static_cast<EVP_PKEY*>(f.signer->evp_pkey());
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int rc = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    if (rc == 1) {
      rc = EVP_DigestVerify(
          ctx, reinterpret_cast<const unsigned char*>(f.signature.data()), f.signature.size(),
          reinterpret_cast<const unsigned char*>(f.message.data()), f.message.size());
    }
    EVP_MD_CTX_free(ctx);
    if (rc != 1) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyP256Evp)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

void BM_SignP256(benchmark::State& state) {
  Fixture& f = F();
  for (auto _ : state) {
    if (!f.signer->Sign(f.message).ok()) state.SkipWithError("sign failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignP256)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

void BM_SignP256Evp(benchmark::State& state) {
  Fixture& f = F();
  auto* pkey = static_cast<EVP_PKEY*>(f.signer->evp_pkey());
  unsigned char sig[80];
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = sizeof(sig);
    int rc = EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    if (rc == 1) {
      rc = EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(f.message.data()),
                          f.message.size());
    }
    EVP_MD_CTX_free(ctx);
    if (rc != 1) state.SkipWithError("sign failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SignP256Evp)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

}  // namespace
}  // namespace vouch::signer

BENCHMARK_MAIN();
