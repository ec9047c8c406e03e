// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RFC 3161 timestamping as POST /api/v1/timestamp receives it and the verifier checks answers.
// The first byte picks the mode:
//   0: the rest is a DER TimeStampReq for the TSA (signer::TimestampAuthority::Timestamp, with a
//      fixed ECDSA TSA chain); a granted response must then verify with the client's
//      VerifyRfc3161Timestamp against that chain.
//   1: the rest is Sigstore's JSON request form (signer::TimestampRequestFromJson), then stamped.
//   2: the rest is a TimeStampResp / TimeStampToken for client::VerifyRfc3161Timestamp.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/timestamp.h"
#include "client/x509.h"
#include "fuzz/fuzz_input.h"
#include "signer/openssl_crypto.h"
#include "signer/tsa.h"
#include "signer/x509.h"

namespace {

struct Fixture {
  std::unique_ptr<vouch::signer::TimestampAuthority> tsa;
  std::vector<vouch::client::TrustedChain> authorities;
};

const Fixture& Get() {
  static const Fixture* fixture = [] {
    using vouch::signer::KeyType;
    using vouch::signer::OpenSslSigner;
    auto* f = new Fixture;
    const absl::Time start = absl::FromUnixSeconds(1600000000);
    auto root_key = OpenSslSigner::Generate(KeyType::kEcdsaP256);
    auto key = OpenSslSigner::Generate(KeyType::kEcdsaP256);
    if (!root_key.ok() || !key.ok()) abort();
    auto root = vouch::signer::CreateRootCertificate(**root_key, {"vouch", "fuzz root"}, start,
                                                     absl::Hours(24 * 365 * 30));
    if (!root.ok()) abort();
    auto cert = vouch::signer::CreateTsaCertificate(**root_key, *root, (*key)->PublicKeyDer(),
                                                    {"vouch", "fuzz tsa"}, start,
                                                    absl::Hours(24 * 365 * 30));
    if (!cert.ok()) abort();
    auto tsa = vouch::signer::TimestampAuthority::New(*std::move(key), {*cert, *root},
                                                      vouch::signer::TsaOptions());
    if (!tsa.ok()) abort();
    f->tsa = *std::move(tsa);
    vouch::client::TrustedChain chain;
    for (const std::string& der : {*cert, *root}) {
      auto c = vouch::client::Certificate::FromDer(der);
      if (!c.ok()) abort();
      chain.certificates.push_back(*std::move(c));
    }
    f->authorities.push_back(std::move(chain));
    return f;
  }();
  return *fixture;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  vouch::fuzz::FuzzInput in(data, size);
  const Fixture& f = Get();
  switch (in.Byte() % 3) {
    case 0:
      (void)f.tsa->Timestamp(in.Rest());
      break;
    case 1: {
      auto req = vouch::signer::TimestampRequestFromJson(in.Rest());
      if (req.ok()) {
        auto resp = f.tsa->Timestamp(*req);
        if (!resp.ok()) __builtin_trap();  // a request we built ourselves must be granted
      }
      break;
    }
    case 2:
      (void)vouch::client::VerifyRfc3161Timestamp(in.Rest(), "", f.authorities);
      break;
  }
  return 0;
}
