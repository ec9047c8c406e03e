// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Differential: Vouch's own DER reading of public keys (signer/ca.cc's DerReader behind
// CheckLeafKeyEncoding, ParseLeafKey's fast paths that skip OpenSSL's decoders, and log/entry's
// ParseDerKey) against OpenSSL's d2i_PUBKEY. Invariants for SubjectPublicKeyInfo bytes:
//   - what our reader accepts (CheckLeafKeyEncoding, ParseLeafKey), OpenSSL decodes too, using
//     every byte, to a key of the same type; and it is DER, i.e. OpenSSL re-encodes (i2d) the
//     decoded key to exactly the input bytes: one key, one encoding (stored keys and search
//     keys are compared as bytes);
//   - ParseLeafKey's SPKI output is the input (PEM and DER forms name the same key).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "log/entry/entry.h"
#include "signer/ca.h"
#include "signer/openssl_crypto.h"

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "der_fuzzer: %s\n", what);
  __builtin_trap();
}

// OpenSSL's reading: the key and its canonical DER, or null when OpenSSL refuses or leaves bytes.
std::unique_ptr<EVP_PKEY, PkeyFree> OpenSslRead(const std::string& der, std::string* reencoded) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<EVP_PKEY, PkeyFree> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (key == nullptr) return nullptr;
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) return nullptr;
  unsigned char* out = nullptr;
  const int len = i2d_PUBKEY(key.get(), &out);
  if (len <= 0) return nullptr;
  reencoded->assign(reinterpret_cast<char*>(out), static_cast<size_t>(len));
  OPENSSL_free(out);
  return key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string der(reinterpret_cast<const char*>(data), size);
  std::string reencoded;
  auto ossl = OpenSslRead(der, &reencoded);

  std::string spki;
  auto leaf = vouch::signer::ParseLeafKey(der, &spki);
  if (leaf.ok()) {
    if (ossl == nullptr) Fail("ParseLeafKey accepted a key OpenSSL cannot read");
    if (reencoded != der) Fail("ParseLeafKey accepted a key that is not DER");
    if (spki != der) Fail("ParseLeafKey's SPKI differs from its input");
    using vouch::signer::KeyType;
    const KeyType t = (*leaf)->key_type();
    const int want = t == KeyType::kEd25519                               ? EVP_PKEY_ED25519
                     : (t == KeyType::kRsaPkcs1 || t == KeyType::kRsaPss) ? EVP_PKEY_RSA
                                                                          : EVP_PKEY_EC;
    if (EVP_PKEY_base_id(ossl.get()) != want)
      Fail("ParseLeafKey's key type differs from OpenSSL's");
    if ((*leaf)->PublicKeyDer() != der) Fail("ParseLeafKey's verifier holds another key");
  }
  if (vouch::signer::CheckLeafKeyEncoding(der).ok() && leaf.ok() == false) {
    // The encoding check does not validate points; it must still only pass real SPKIs.
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    X509_PUBKEY* xpk = d2i_X509_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
    const bool whole =
        xpk != nullptr && p == reinterpret_cast<const unsigned char*>(der.data()) + der.size();
    X509_PUBKEY_free(xpk);
    if (!whole) Fail("CheckLeafKeyEncoding passed what OpenSSL does not read as an SPKI");
  }
  auto entry_key = vouch::log::ParseDerKey(der, /*certificate=*/false, /*ed25519ph=*/false, "k");
  if (entry_key.ok()) {
    if (ossl == nullptr) Fail("ParseDerKey accepted a key OpenSSL cannot read");
    if (reencoded != der) Fail("ParseDerKey accepted a key that is not DER");
  }
  return 0;
}
