// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
// The ENGINE API is deprecated in OpenSSL 3 but is how libp11 0.4 plugs in.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "signer/pkcs11_crypto.h"

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {
namespace {

ENGINE* E(void* e) { return static_cast<ENGINE*>(e); }
EVP_PKEY* P(void* p) { return static_cast<EVP_PKEY*>(p); }

absl::StatusOr<ENGINE*> LoadEngine(const Pkcs11Options& options) {
  ENGINE_load_dynamic();
  ENGINE* e = nullptr;
  if (absl::StrContains(options.engine, "/")) {
    e = ENGINE_by_id("dynamic");
    if (e != nullptr && (!ENGINE_ctrl_cmd_string(e, "SO_PATH", options.engine.c_str(), 0) ||
                         !ENGINE_ctrl_cmd_string(e, "ID", "pkcs11", 0) ||
                         !ENGINE_ctrl_cmd_string(e, "LOAD", nullptr, 0))) {
      ENGINE_free(e);
      e = nullptr;
    }
  } else {
    e = ENGINE_by_id(options.engine.c_str());
  }
  if (e == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("PKCS#11: cannot load OpenSSL engine ", options.engine,
                     " (install libengine-pkcs11-openssl): ", OpenSslErrors()));
  }
  if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", options.module_path.c_str(), 0)) {
    ENGINE_free(e);
    return absl::FailedPreconditionError(
        absl::StrCat("PKCS#11: engine refused MODULE_PATH ", options.module_path));
  }
  if (!options.pin.empty() && !ENGINE_ctrl_cmd_string(e, "PIN", options.pin.c_str(), 0)) {
    ENGINE_free(e);
    return absl::FailedPreconditionError("PKCS#11: engine refused the PIN");
  }
  if (!ENGINE_init(e)) {
    ENGINE_free(e);
    return absl::FailedPreconditionError(absl::StrCat("PKCS#11: cannot initialise module ",
                                                      options.module_path, ": ", OpenSslErrors()));
  }
  return e;
}

std::string Spki(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) {
    ERR_clear_error();
    return "";
  }
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string WithType(const std::string& uri, const char* type) {
  if (absl::StrContains(uri, "type=")) return uri;
  return absl::StrCat(uri, absl::StrContains(uri, ";") || uri.size() > 7 ? ";" : "", "type=", type);
}

}  // namespace

Pkcs11Signer::Pkcs11Signer(void* engine, void* pkey, KeyType type, std::string public_der)
    : engine_(engine), pkey_(pkey), type_(type), public_der_(std::move(public_der)) {}

Pkcs11Signer::~Pkcs11Signer() {
  EVP_PKEY_free(P(pkey_));
  ENGINE_finish(E(engine_));
  ENGINE_free(E(engine_));
}

absl::StatusOr<std::unique_ptr<Pkcs11Signer>> Pkcs11Signer::New(const Pkcs11Options& options) {
  if (!absl::StartsWith(options.key_uri, "pkcs11:")) {
    return absl::InvalidArgumentError("PKCS#11 key URI must start with \"pkcs11:\"");
  }
  VOUCH_ASSIGN_OR_RETURN(ENGINE * e, LoadEngine(options));
  const std::string priv_uri = WithType(options.key_uri, "private");
  EVP_PKEY* pkey = ENGINE_load_private_key(e, priv_uri.c_str(), nullptr, nullptr);
  if (pkey == nullptr) {
    const std::string errors = OpenSslErrors();
    ENGINE_finish(e);
    ENGINE_free(e);
    return absl::FailedPreconditionError(
        absl::StrCat("PKCS#11: no private key at ", options.key_uri, ": ", errors));
  }
  std::string pub = Spki(pkey);
  if (pub.empty()) {
    std::string pub_uri = options.key_uri;
    if (absl::StrContains(pub_uri, "type=private")) {
      pub_uri.replace(pub_uri.find("type=private"), 12, "type=public");
    } else {
      pub_uri = WithType(pub_uri, "public");
    }
    EVP_PKEY* pubkey = ENGINE_load_public_key(e, pub_uri.c_str(), nullptr, nullptr);
    if (pubkey != nullptr) pub = Spki(pubkey);
    EVP_PKEY_free(pubkey);
  }
  auto fail = [&](absl::Status s) {
    EVP_PKEY_free(pkey);
    ENGINE_finish(e);
    ENGINE_free(e);
    return s;
  };
  if (pub.empty())
    return fail(absl::FailedPreconditionError("PKCS#11: cannot read the public key"));
  auto verifier = OpenSslVerifier::FromDer(pub);
  if (!verifier.ok()) return fail(verifier.status());
  const KeyType type = (*verifier)->key_type();
  if (type == KeyType::kEd25519) {
    return fail(absl::UnimplementedError("PKCS#11: Ed25519 keys are not supported by libp11 0.4"));
  }
  std::unique_ptr<Pkcs11Signer> signer(
      new Pkcs11Signer(e, pkey, type == KeyType::kRsaPss ? KeyType::kRsaPkcs1 : type, pub));
  // One signature to check that the key is usable (PIN, permissions) before serving.
  auto probe = signer->Sign("vouch pkcs11 probe");
  if (!probe.ok()) return probe.status();
  if (!(*verifier)->Verify("vouch pkcs11 probe", *probe).ok()) {
    return absl::FailedPreconditionError("PKCS#11: the token's signature does not verify");
  }
  return signer;
}

absl::StatusOr<std::string> Pkcs11Signer::Sign(absl::string_view message) const {
  absl::MutexLock lock(&mu_);
  const EVP_MD* md = EVP_sha256();
  if (type_ == KeyType::kEcdsaP384) md = EVP_sha384();
  if (type_ == KeyType::kEcdsaP521) md = EVP_sha512();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestSignInit(ctx, &pctx, md, nullptr, P(pkey_)) == 1;
  if (ok && type_ == KeyType::kRsaPkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
  }
  size_t len = 0;
  ok = ok &&
       EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(message.data()),
                      message.size()) == 1;
  std::string sig(len, '\0');
  ok = ok &&
       EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(&sig[0]), &len,
                      reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) return absl::UnavailableError(absl::StrCat("PKCS#11 signing failed: ", OpenSslErrors()));
  sig.resize(len);
  return sig;
}

}  // namespace vouch::signer
