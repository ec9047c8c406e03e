// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// A Signer (signer/crypto.h) whose private key stays in a PKCS#11 token (an HSM, or SoftHSM2 for
// development), reached through libp11's OpenSSL engine ("pkcs11", Debian package
// libengine-pkcs11-openssl) and the token's PKCS#11 module. Keys: ECDSA P-256/P-384/P-521 and RSA
// (PKCS#1 v1.5, SHA-256); libp11 0.4 cannot sign with Ed25519. The key is named by an RFC 7512 URI,
// e.g. "pkcs11:token=vouch;object=ca-key". Create one with
//   softhsm2-util --init-token --free --label vouch --pin 1234 --so-pin 123456
//   pkcs11-tool --module /usr/lib/softhsm/libsofthsm2.so --token-label vouch --login --pin 1234
//       --keypairgen --key-type EC:prime256v1 --label ca-key --id 01   (one line)
// Thread-safe: signing is serialised (one PKCS#11 session).
#ifndef VOUCH_SIGNER_PKCS11_CRYPTO_H_
#define VOUCH_SIGNER_PKCS11_CRYPTO_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "signer/crypto.h"

namespace vouch::signer {

struct Pkcs11Options {
  // The token's PKCS#11 module.
  std::string module_path = "/usr/lib/softhsm/libsofthsm2.so";
  // RFC 7512 URI of the private key ("type=private" is implied).
  std::string key_uri;
  // The user PIN (alternatively "pin-value=" in the URI).
  std::string pin;
  // libp11's engine: an engine id known to OpenSSL, or a path to the shared object.
  std::string engine = "pkcs11";
};

class Pkcs11Signer : public Signer {
 public:
  // Loads the engine and the key. FailedPrecondition when the engine or module cannot be loaded
  // or the key is not found (with OpenSSL's errors), Unimplemented for key types the engine cannot
  // sign with, InvalidArgument for an empty URI.
  static absl::StatusOr<std::unique_ptr<Pkcs11Signer>> New(const Pkcs11Options& options);
  ~Pkcs11Signer() override;

  absl::StatusOr<std::string> Sign(absl::string_view message) const override;
  KeyType key_type() const override { return type_; }
  std::string PublicKeyDer() const override { return public_der_; }
  // The engine-backed EVP_PKEY* (for OpenSSL APIs that need one, e.g. the TSA); not owned.
  void* evp_pkey() const { return pkey_; }

 private:
  Pkcs11Signer(void* engine, void* pkey, KeyType type, std::string public_der);
  void* engine_;  // ENGINE*
  void* pkey_;    // EVP_PKEY*
  KeyType type_;
  std::string public_der_;
  mutable absl::Mutex mu_;
};

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_PKCS11_CRYPTO_H_
