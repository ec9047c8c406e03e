// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Cost of preparing and verifying entries (bazel run -c opt //log/entry:entry_benchmark).
#include <memory>
#include <string>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "absl/strings/escaping.h"
#include "benchmark/benchmark.h"
#include "log/entry/canonical_json.h"
#include "log/entry/entry.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

std::string Pem(absl::string_view type, absl::string_view der) {
  const std::string b = absl::Base64Escape(der);
  std::string out = "-----BEGIN " + std::string(type) + "-----\n";
  for (size_t i = 0; i < b.size(); i += 64) out += b.substr(i, 64) + "\n";
  return out + "-----END " + std::string(type) + "-----\n";
}

// A hashedrekord entry signed by a fresh P-256 key; with |cert|, the key is in a self-signed
// certificate (as with Fulcio).
std::string Entry(bool cert) {
  EVP_PKEY* k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  std::string pem = Pem("PUBLIC KEY", std::string(reinterpret_cast<char*>(der), n));
  OPENSSL_free(der);
  if (cert) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 600);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    der = nullptr;
    n = i2d_X509(x, &der);
    pem = Pem("CERTIFICATE", std::string(reinterpret_cast<char*>(der), n));
    OPENSSL_free(der);
    X509_free(x);
  }
  const std::string digest = signer::Sha256("artifact");
  unsigned char sig[128];
  size_t sig_len = sizeof(sig);
  EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new(k, nullptr);
  EVP_PKEY_sign_init(pc);
  EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256());
  EVP_PKEY_sign(pc, sig, &sig_len, reinterpret_cast<const unsigned char*>(digest.data()),
                digest.size());
  EVP_PKEY_CTX_free(pc);
  EVP_PKEY_free(k);
  nlohmann::json j = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"signature",
         {{"content", absl::Base64Escape(std::string(reinterpret_cast<char*>(sig), sig_len))},
          {"publicKey", {{"content", absl::Base64Escape(pem)}}}}},
        {"data",
         {{"hash", {{"algorithm", "sha256"}, {"value", absl::BytesToHexString(digest)}}}}}}}};
  return j.dump();
}

void BM_PrepareHashedRekordKey(benchmark::State& state) {
  const std::string e = Entry(false);
  for (auto _ : state) benchmark::DoNotOptimize(PrepareEntry(e));
}
BENCHMARK(BM_PrepareHashedRekordKey);

void BM_PrepareHashedRekordCert(benchmark::State& state) {
  const std::string e = Entry(true);
  for (auto _ : state) benchmark::DoNotOptimize(PrepareEntry(e));
}
BENCHMARK(BM_PrepareHashedRekordCert);

void BM_VerifyHashedRekordP256(benchmark::State& state) {
  auto p = PrepareEntry(Entry(false));
  if (!p.ok() || !VerifyEntry(*p).ok()) state.SkipWithError("bad entry");
  for (auto _ : state) benchmark::DoNotOptimize(VerifyEntry(*p));
}
BENCHMARK(BM_VerifyHashedRekordP256);

void BM_CanonicalizeText(benchmark::State& state) {
  const std::string e = Entry(true);
  for (auto _ : state) benchmark::DoNotOptimize(CanonicalizeText(e));
}
BENCHMARK(BM_CanonicalizeText);

}  // namespace
}  // namespace vouch::log
