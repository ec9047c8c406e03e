// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// TUF keys as metadata lists them (TUF 1.0 section 4.2, python-tuf's/securesystemslib's forms):
//   ECDSA P-256: {"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
//                 "keyval": {"public": "-----BEGIN PUBLIC KEY-----\n..."}}   (also keytype
//                 "ecdsa-sha2-nistp256", and P-384 with "ecdsa-sha2-nistp384"; verify only)
//   Ed25519:     {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "<64 hex>"}}
// The keyid is the hex SHA-256 of the key object's canonical JSON (tuf/canonical_json.h), as
// the specification and securesystemslib compute it. Signatures are hex: DER ECDSA over
// SHA-256 (SHA-384) of the canonical bytes, or the 64-byte pure Ed25519 signature.
//
// PublicKey is a copyable value; PrivateKey is thread-safe. Both are immutable.
#ifndef VOUCH_TUF_KEYS_H_
#define VOUCH_TUF_KEYS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "signer/crypto.h"
#include "signer/openssl_crypto.h"

namespace vouch::tuf {

class PublicKey {
 public:
  // From a metadata key object; other members are kept (they are part of the keyid and of the
  // re-serialized metadata). InvalidArgument when keytype, scheme or keyval.public is missing or
  // not a string. A key of an unsupported scheme or with an unusable value still parses (a root
  // may list keys this client cannot use); it verifies nothing (usable() is false).
  static absl::StatusOr<PublicKey> FromJson(const nlohmann::json& key);
  // The metadata form of an ECDSA P-256 or Ed25519 SubjectPublicKeyInfo (DER).
  // InvalidArgument for any other key.
  static absl::StatusOr<PublicKey> FromSpki(absl::string_view spki_der);
  // From a PEM file's text holding a PUBLIC KEY, or a private key (its public half).
  static absl::StatusOr<PublicKey> FromPem(absl::string_view pem);

  const nlohmann::json& json() const { return json_; }
  // Hex SHA-256 of the canonical JSON of json().
  const std::string& keyid() const { return keyid_; }
  const std::string& scheme() const { return scheme_; }
  bool usable() const { return verifier_ != nullptr; }
  // Why the key cannot verify (empty when usable).
  const std::string& unusable_reason() const { return unusable_reason_; }
  // SubjectPublicKeyInfo DER (empty when unusable): two keyids naming the same key material
  // count once toward a threshold.
  const std::string& spki_der() const { return spki_der_; }

  // Verifies the hex signature |sig_hex| over |message|. FailedPrecondition for an unusable
  // key, InvalidArgument for malformed hex or signature encoding, PermissionDenied when it does
  // not verify.
  absl::Status Verify(absl::string_view message, absl::string_view sig_hex) const;

 private:
  nlohmann::json json_;
  std::string keyid_;
  std::string scheme_;
  std::string spki_der_;
  std::string unusable_reason_;
  std::shared_ptr<const signer::Verifier> verifier_;
};

// A signing key: ECDSA P-256 or Ed25519.
class PrivateKey {
 public:
  // A fresh key (kEcdsaP256 or kEd25519; InvalidArgument otherwise).
  static absl::StatusOr<std::unique_ptr<PrivateKey>> Generate(signer::KeyType type);
  // From PEM (PKCS#8 "PRIVATE KEY" or SEC1 "EC PRIVATE KEY"). InvalidArgument for other key
  // types or unparsable text.
  static absl::StatusOr<std::unique_ptr<PrivateKey>> FromPem(absl::string_view pem);
  // Loads |path|, or generates a key of |type| there (PKCS#8 PEM, mode 0600, atomically).
  // FailedPrecondition for an unreadable or group/world-readable file.
  static absl::StatusOr<std::unique_ptr<PrivateKey>> LoadOrCreate(const std::string& path,
                                                                  signer::KeyType type);

  const PublicKey& public_key() const { return public_key_; }
  const std::string& keyid() const { return public_key_.keyid(); }
  // The hex signature over |message| (the canonical bytes of a "signed" object).
  absl::StatusOr<std::string> SignHex(absl::string_view message) const;
  std::string PrivateKeyPem() const { return signer_->PrivateKeyPem(); }

 private:
  PrivateKey(std::unique_ptr<signer::OpenSslSigner> signer, PublicKey public_key)
      : signer_(std::move(signer)), public_key_(std::move(public_key)) {}
  static absl::StatusOr<std::unique_ptr<PrivateKey>> Wrap(
      std::unique_ptr<signer::OpenSslSigner> signer);
  std::unique_ptr<signer::OpenSslSigner> signer_;
  PublicKey public_key_;
};

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_KEYS_H_
