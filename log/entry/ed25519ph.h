// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Ed25519 signature verification (RFC 8032 section 5.1.7), including the pre-hashed variant
// Ed25519ph that Rekor uses for Ed25519 keys in hashedrekord entries (the signature covers the
// artifact's SHA-512 digest). Debian bookworm's OpenSSL 3.0 verifies only pure Ed25519, so this is
// a small, verification-only implementation over OpenSSL's BIGNUM arithmetic (public inputs only:
// not constant time, and need not be). It checks [S]B - [k]A == R by re-encoding, with S < L, as
// Go's crypto/ed25519 does. Thread-safe (stateless). Could move to signer/ later.
#ifndef VOUCH_LOG_ENTRY_ED25519PH_H_
#define VOUCH_LOG_ENTRY_ED25519PH_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signer/crypto.h"

namespace vouch::log {

// Verifies the 64-byte |signature| by the 32-byte |public_key| (RFC 8032 encoding). With
// |prehashed|, Ed25519ph with an empty context: |message| must be PH(M) = SHA-512(M), 64 bytes;
// else pure Ed25519 over |message|. InvalidArgument for malformed key, signature or digest
// length; PermissionDenied ("signature does not verify") when well formed but wrong.
absl::Status VerifyEd25519(absl::string_view public_key, absl::string_view message,
                           absl::string_view signature, bool prehashed);

// A signer::Verifier for an Ed25519 SubjectPublicKeyInfo whose VerifyDigest(kSha512, ...)
// verifies Ed25519ph (other digests: InvalidArgument) and whose Verify is pure Ed25519.
class Ed25519Verifier : public signer::Verifier {
 public:
  // From a 44-byte Ed25519 SubjectPublicKeyInfo; InvalidArgument otherwise.
  static absl::StatusOr<std::unique_ptr<Ed25519Verifier>> FromDer(absl::string_view spki_der);

  absl::Status Verify(absl::string_view message, absl::string_view signature) const override;
  absl::Status VerifyDigest(signer::HashAlgorithm hash, absl::string_view digest,
                            absl::string_view signature) const override;
  signer::KeyType key_type() const override { return signer::KeyType::kEd25519; }
  std::string PublicKeyDer() const override { return spki_; }

 private:
  explicit Ed25519Verifier(std::string spki) : spki_(std::move(spki)) {}
  std::string spki_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_ENTRY_ED25519PH_H_
