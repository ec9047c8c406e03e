// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signer and Verifier: the signature interfaces every part of Vouch uses (checkpoints, SETs, the
// CA, the client). No OpenSSL types here; implementations live in openssl_crypto.h (key files, in
// memory) and pkcs11_crypto.h (HSM). Implementations are thread-safe.
//
// Algorithms and the digest each one signs:
//   ECDSA P-256 / SHA-256, ECDSA P-384 / SHA-384, ECDSA P-521 / SHA-512 (DER-encoded signatures),
//   Ed25519 (pure, over the message), RSA PKCS#1 v1.5 or PSS with SHA-256 (2048-4096 bits).
#ifndef VOUCH_SIGNER_CRYPTO_H_
#define VOUCH_SIGNER_CRYPTO_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vouch::signer {

enum class KeyType {
  kEcdsaP256,
  kEcdsaP384,
  kEcdsaP521,
  kEd25519,
  kRsaPkcs1,  // RSA PKCS#1 v1.5
  kRsaPss,    // RSA-PSS (salt length = digest length)
};

enum class HashAlgorithm { kSha256, kSha384, kSha512 };

// "ecdsa-p256", "ed25519", ... for messages.
const char* KeyTypeName(KeyType type);

class Verifier {
 public:
  virtual ~Verifier() = default;

  // Verifies |signature| over |message| (hashed with the key type's digest; Ed25519 pure).
  // InvalidArgument for a malformed signature encoding, PermissionDenied ("signature does not
  // verify") when it is well formed but wrong.
  virtual absl::Status Verify(absl::string_view message, absl::string_view signature) const = 0;

  // Verifies |signature| over a precomputed |digest| of |hash| (hashedrekord entries carry only
  // the artifact's digest). Unimplemented for Ed25519 (pure EdDSA cannot verify a digest);
  // InvalidArgument when the digest length does not fit |hash|.
  virtual absl::Status VerifyDigest(HashAlgorithm hash, absl::string_view digest,
                                    absl::string_view signature) const = 0;

  virtual KeyType key_type() const = 0;
  // SubjectPublicKeyInfo, DER.
  virtual std::string PublicKeyDer() const = 0;
};

class Signer {
 public:
  virtual ~Signer() = default;

  // Signs |message| (hashed with the key type's digest; Ed25519 pure). Internal/Unavailable on
  // backend failure (e.g. an HSM session lost).
  virtual absl::StatusOr<std::string> Sign(absl::string_view message) const = 0;

  virtual KeyType key_type() const = 0;
  // SubjectPublicKeyInfo, DER.
  virtual std::string PublicKeyDer() const = 0;
};

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_CRYPTO_H_
