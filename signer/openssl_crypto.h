// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// OpenSSL implementations of Signer and Verifier (signer/crypto.h): keys generated in memory or
// loaded from PEM/DER, and key files created on first use (mode 0600). Thread-safe: each
// operation uses its own context.
//
// ECDSA goes through the low-level EC_KEY functions (ECDSA_sign/ECDSA_verify) rather than
// EVP_DigestSign/Verify: OpenSSL 3.0's EVP path fetches the algorithm and builds a provider
// context on every call; the EC_KEY path is faster for both signing and verification
// (signer:crypto_benchmark; the figures are in docs/benchmarks.md).
#ifndef VOUCH_SIGNER_OPENSSL_CRYPTO_H_
#define VOUCH_SIGNER_OPENSSL_CRYPTO_H_

#include <memory>
#include <string>

#include "absl/base/call_once.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signer/crypto.h"

namespace vouch::signer {

// A Signer whose private key is in this process (generated or loaded from a file).
class OpenSslSigner : public Signer {
 public:
  // A fresh key of |type| (RSA: 3072 bits, PKCS#1 v1.5).
  static absl::StatusOr<std::unique_ptr<OpenSslSigner>> Generate(KeyType type);
  // From a PEM private key ("PRIVATE KEY", "EC PRIVATE KEY" or "RSA PRIVATE KEY"). RSA keys sign
  // PKCS#1 v1.5 unless |rsa_pss|. InvalidArgument for anything else.
  static absl::StatusOr<std::unique_ptr<OpenSslSigner>> FromPem(absl::string_view pem,
                                                                bool rsa_pss = false);
  // Loads |path| if it exists, else generates a key of |type| and writes it there as PKCS#8 PEM
  // with mode 0600 (atomically). FailedPrecondition if the file is unreadable or group/world
  // readable, InvalidArgument if it holds no usable key.
  static absl::StatusOr<std::unique_ptr<OpenSslSigner>> LoadOrCreate(const std::string& path,
                                                                     KeyType type);
  ~OpenSslSigner() override;

  absl::StatusOr<std::string> Sign(absl::string_view message) const override;
  // Signs a precomputed |digest| (ECDSA and RSA only; Unimplemented for Ed25519).
  absl::StatusOr<std::string> SignDigest(HashAlgorithm hash, absl::string_view digest) const;
  KeyType key_type() const override { return type_; }
  std::string PublicKeyDer() const override;
  // The key size in bits (RSA modulus, EC field).
  int bits() const;
  // PKCS#8 PEM of the private key.
  std::string PrivateKeyPem() const;
  // The underlying EVP_PKEY* (for X.509 and timestamp signing inside signer/); not owned.
  void* evp_pkey() const { return pkey_; }

 private:
  OpenSslSigner(void* pkey, KeyType type);
  void* pkey_;  // EVP_PKEY*
  void* ec_;    // EC_KEY* for ECDSA keys (owned), else null
  KeyType type_;
  // PublicKeyDer, encoded once (OpenSSL 3.0's encoder costs about a signature per call, and
  // every checkpoint's key hint needs it).
  mutable absl::once_flag spki_once_;
  mutable std::string spki_;
};

// A Verifier over a public key in this process.
class OpenSslVerifier : public Verifier {
 public:
  // From SubjectPublicKeyInfo DER / PEM ("PUBLIC KEY"). The key type is detected; RSA keys verify
  // PKCS#1 v1.5 unless |rsa_pss|. ECDSA curves other than P-256/384/521, RSA outside 2048-4096
  // bits or with e != 65537, and other algorithms: InvalidArgument naming the key.
  static absl::StatusOr<std::unique_ptr<OpenSslVerifier>> FromDer(absl::string_view spki_der,
                                                                  bool rsa_pss = false);
  static absl::StatusOr<std::unique_ptr<OpenSslVerifier>> FromPem(absl::string_view pem,
                                                                  bool rsa_pss = false);
  // From the public key of an X.509 certificate (DER or PEM, detected).
  static absl::StatusOr<std::unique_ptr<OpenSslVerifier>> FromCertificate(absl::string_view cert,
                                                                          bool rsa_pss = false);
  // From an uncompressed/compressed EC point (SEC 1) on the curve of |type| (kEcdsaP256/384/521),
  // validated on the curve. The fast path for the named-curve keys nearly every entry and
  // certificate carries: OpenSSL 3.0's generic decoders cost more than a verification.
  static absl::StatusOr<std::unique_ptr<OpenSslVerifier>> FromEcPoint(KeyType type,
                                                                      absl::string_view point);
  // Takes ownership of an EVP_PKEY* (checked as in FromDer).
  static absl::StatusOr<std::unique_ptr<OpenSslVerifier>> FromEvpPkey(void* pkey,
                                                                      bool rsa_pss = false);
  ~OpenSslVerifier() override;

  absl::Status Verify(absl::string_view message, absl::string_view signature) const override;
  absl::Status VerifyDigest(HashAlgorithm hash, absl::string_view digest,
                            absl::string_view signature) const override;
  KeyType key_type() const override { return type_; }
  std::string PublicKeyDer() const override;
  // The key size in bits (RSA modulus, EC field).
  int bits() const;

 private:
  OpenSslVerifier(void* pkey, KeyType type);
  void* pkey_;  // EVP_PKEY*
  void* ec_;    // EC_KEY* for ECDSA keys (owned), else null
  KeyType type_;
  mutable absl::once_flag spki_once_;  // PublicKeyDer, encoded once (see OpenSslSigner)
  mutable std::string spki_;
};

// Verifies the ECDSA |signature| (DER) over |digest| with the public key |point| (SEC 1, as
// FromEcPoint takes it) on the curve of |type|, without building a Verifier: the point is decoded
// into a key kept per thread and curve, and checked to be on the curve as FromEcPoint does. For
// keys used once (an auditor checking entries that each carry their own key). OK,
// PermissionDenied (does not verify), or InvalidArgument (a point not on the curve, a malformed
// signature, a digest of the wrong size, a key type that is not ECDSA), as
// FromEcPoint(type, point)->VerifyDigest(hash, digest, signature) would answer.
absl::Status VerifyEcdsaDigestWithPoint(KeyType type, absl::string_view point, HashAlgorithm hash,
                                        absl::string_view digest, absl::string_view signature);
// OK if |point| is a public key on the curve of |type| (as FromEcPoint checks it), else
// InvalidArgument; nothing is built (the per-thread key above is used).
absl::Status CheckEcPoint(KeyType type, absl::string_view point);

// Digests (one-shot).
std::string Sha256(absl::string_view data);
std::string Sha384(absl::string_view data);
std::string Sha512(absl::string_view data);
std::string Digest(HashAlgorithm hash, absl::string_view data);
size_t DigestSize(HashAlgorithm hash);
// The digest a key type signs with (Ed25519: kSha512, by convention only).
HashAlgorithm DigestForKeyType(KeyType type);

// The Sigstore PublicKeyDetails name (protobuf-specs dev.sigstore.common.v1) of a key: e.g.
// "PKIX_ECDSA_P256_SHA_256", "PKIX_RSA_PKCS1V15_3072_SHA256", "PKIX_ED25519" (or
// "PKIX_ED25519_PH" with |ed25519_prehash|, as Rekor v2 hashedrekord entries name it).
// InvalidArgument for RSA sizes other than 2048, 3072 and 4096 bits.
absl::StatusOr<std::string> PublicKeyDetailsName(KeyType type, int rsa_bits,
                                                 bool ed25519_prehash = false);

// PEM <-> DER for "PUBLIC KEY" and "CERTIFICATE" blocks.
std::string PublicKeyDerToPem(absl::string_view der);
absl::StatusOr<std::string> PemToDer(absl::string_view pem, absl::string_view label);

// The most recent OpenSSL error queue entries as text, and clears the queue.
std::string OpenSslErrors();

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_OPENSSL_CRYPTO_H_
