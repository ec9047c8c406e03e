// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/keys.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tuf/canonical_json.h"

namespace vouch::tuf {
namespace {

// SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410): SEQUENCE { SEQUENCE { OID
// 1.3.101.112 }, BIT STRING (33 bytes: 0 unused bits + 32-byte key) }.
constexpr unsigned char kEd25519SpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                                0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

std::string Ed25519Prefix() {
  return std::string(reinterpret_cast<const char*>(kEd25519SpkiPrefix), sizeof(kEd25519SpkiPrefix));
}

bool IsHex(absl::string_view s) {
  if (s.size() % 2 != 0) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string Hex(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

}  // namespace

absl::StatusOr<PublicKey> PublicKey::FromJson(const nlohmann::json& key) {
  if (!key.is_object()) return absl::InvalidArgumentError("key: not an object");
  for (const char* field : {"keytype", "scheme"}) {
    auto it = key.find(field);
    if (it == key.end() || !it->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("key: ", field, " missing or not a string"));
    }
  }
  auto keyval = key.find("keyval");
  if (keyval == key.end() || !keyval->is_object() || !keyval->contains("public") ||
      !(*keyval)["public"].is_string()) {
    return absl::InvalidArgumentError("key: keyval.public missing or not a string");
  }
  PublicKey k;
  k.json_ = key;
  auto canonical = CanonicalJson(key);
  if (!canonical.ok()) return canonical.status();
  k.keyid_ = Hex(signer::Sha256(*canonical));
  const std::string keytype = key["keytype"].get<std::string>();
  k.scheme_ = key["scheme"].get<std::string>();
  const std::string value = (*keyval)["public"].get<std::string>();

  signer::KeyType want;
  if (k.scheme_ == "ecdsa-sha2-nistp256" || k.scheme_ == "ecdsa-sha2-nistp384") {
    want = k.scheme_ == "ecdsa-sha2-nistp256" ? signer::KeyType::kEcdsaP256
                                              : signer::KeyType::kEcdsaP384;
    if (keytype != "ecdsa" && keytype != k.scheme_) {
      k.unusable_reason_ =
          absl::StrCat("keytype \"", keytype, "\" does not fit scheme ", k.scheme_);
      return k;
    }
  } else if (k.scheme_ == "ed25519") {
    want = signer::KeyType::kEd25519;
    if (keytype != "ed25519") {
      k.unusable_reason_ = absl::StrCat("keytype \"", keytype, "\" does not fit scheme ed25519");
      return k;
    }
  } else {
    k.unusable_reason_ = absl::StrCat("unsupported scheme \"", k.scheme_, "\"");
    return k;
  }
  absl::StatusOr<std::unique_ptr<signer::OpenSslVerifier>> verifier;
  if (absl::StartsWith(value, "-----BEGIN PUBLIC KEY-----")) {
    verifier = signer::OpenSslVerifier::FromPem(value);
  } else if (want == signer::KeyType::kEd25519 && value.size() == 64 && IsHex(value)) {
    verifier = signer::OpenSslVerifier::FromDer(Ed25519Prefix() + absl::HexStringToBytes(value));
  } else {
    k.unusable_reason_ = "keyval.public is neither a PEM public key nor (Ed25519) 64 hex digits";
    return k;
  }
  if (!verifier.ok()) {
    k.unusable_reason_ = std::string(verifier.status().message());
    return k;
  }
  if ((*verifier)->key_type() != want) {
    k.unusable_reason_ = absl::StrCat("key is ", signer::KeyTypeName((*verifier)->key_type()),
                                      ", scheme says ", k.scheme_);
    return k;
  }
  k.spki_der_ = (*verifier)->PublicKeyDer();
  k.verifier_ = std::move(*verifier);
  return k;
}

absl::StatusOr<PublicKey> PublicKey::FromSpki(absl::string_view spki_der) {
  auto verifier = signer::OpenSslVerifier::FromDer(spki_der);
  if (!verifier.ok()) return verifier.status();
  nlohmann::json j;
  switch ((*verifier)->key_type()) {
    case signer::KeyType::kEcdsaP256:
      j = {{"keytype", "ecdsa"},
           {"scheme", "ecdsa-sha2-nistp256"},
           {"keyval", {{"public", signer::PublicKeyDerToPem((*verifier)->PublicKeyDer())}}}};
      break;
    case signer::KeyType::kEd25519: {
      const std::string der = (*verifier)->PublicKeyDer();
      if (der.size() != sizeof(kEd25519SpkiPrefix) + 32) {
        return absl::InvalidArgumentError("Ed25519 key: unexpected SubjectPublicKeyInfo size");
      }
      j = {{"keytype", "ed25519"},
           {"scheme", "ed25519"},
           {"keyval", {{"public", Hex(der.substr(sizeof(kEd25519SpkiPrefix)))}}}};
      break;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("TUF keys are ECDSA P-256 or Ed25519, not ",
                                                     signer::KeyTypeName((*verifier)->key_type())));
  }
  return FromJson(j);
}

absl::StatusOr<PublicKey> PublicKey::FromPem(absl::string_view pem) {
  if (absl::StrContains(pem, "-----BEGIN PUBLIC KEY-----")) {
    auto der = signer::PemToDer(pem, "PUBLIC KEY");
    if (!der.ok()) return der.status();
    return FromSpki(*der);
  }
  auto key = PrivateKey::FromPem(pem);
  if (!key.ok()) return key.status();
  return (*key)->public_key();
}

absl::Status PublicKey::Verify(absl::string_view message, absl::string_view sig_hex) const {
  if (verifier_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("key ", keyid_.substr(0, 16), ": ", unusable_reason_));
  }
  if (sig_hex.empty() || !IsHex(sig_hex)) {
    return absl::InvalidArgumentError("sig: not hex");
  }
  return verifier_->Verify(message, absl::HexStringToBytes(sig_hex));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::Wrap(
    std::unique_ptr<signer::OpenSslSigner> signer) {
  if (signer->key_type() != signer::KeyType::kEcdsaP256 &&
      signer->key_type() != signer::KeyType::kEd25519) {
    return absl::InvalidArgumentError(absl::StrCat("TUF keys are ECDSA P-256 or Ed25519, not ",
                                                   signer::KeyTypeName(signer->key_type())));
  }
  auto pub = PublicKey::FromSpki(signer->PublicKeyDer());
  if (!pub.ok()) return pub.status();
  return std::unique_ptr<PrivateKey>(new PrivateKey(std::move(signer), std::move(*pub)));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::Generate(signer::KeyType type) {
  if (type != signer::KeyType::kEcdsaP256 && type != signer::KeyType::kEd25519) {
    return absl::InvalidArgumentError(
        absl::StrCat("TUF keys are ECDSA P-256 or Ed25519, not ", signer::KeyTypeName(type)));
  }
  auto s = signer::OpenSslSigner::Generate(type);
  if (!s.ok()) return s.status();
  return Wrap(std::move(*s));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::FromPem(absl::string_view pem) {
  auto s = signer::OpenSslSigner::FromPem(pem);
  if (!s.ok()) return s.status();
  return Wrap(std::move(*s));
}

absl::StatusOr<std::unique_ptr<PrivateKey>> PrivateKey::LoadOrCreate(const std::string& path,
                                                                     signer::KeyType type) {
  auto s = signer::OpenSslSigner::LoadOrCreate(path, type);
  if (!s.ok()) return s.status();
  return Wrap(std::move(*s));
}

absl::StatusOr<std::string> PrivateKey::SignHex(absl::string_view message) const {
  auto sig = signer_->Sign(message);
  if (!sig.ok()) return sig.status();
  return Hex(*sig);
}

}  // namespace vouch::tuf
