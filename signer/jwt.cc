// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/jwt.h"

#include <memory>
#include <vector>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::signer {
namespace {

using json = nlohmann::json;

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::StatusOr<std::string> SpkiOf(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return absl::InternalError(absl::StrCat("encode key: ", OpenSslErrors()));
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::string BnBytes(const BIGNUM* bn, int pad) {
  const int n = pad > 0 ? pad : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(n), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(&out[0]), n);
  return out;
}

absl::StatusOr<std::string> GetString(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat("JWK: missing string member \"", name, "\""));
  }
  return it->get<std::string>();
}

absl::StatusOr<std::string> GetB64(const json& jwk, const char* name) {
  VOUCH_ASSIGN_OR_RETURN(std::string text, GetString(jwk, name));
  auto decoded = Base64UrlDecode(text);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("JWK: member \"", name, "\" is not base64url"));
  }
  return decoded;
}

absl::StatusOr<PkeyPtr> FromData(const char* type, OSSL_PARAM_BLD* bld) {
  OsslParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWK: unusable ", type, " key: ", OpenSslErrors()));
  }
  return PkeyPtr(pkey);
}

}  // namespace

std::string Base64UrlEncode(absl::string_view data) { return absl::WebSafeBase64Escape(data); }

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text) {
  for (char c : text) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '=';
    if (!ok) return absl::InvalidArgumentError("not base64url");
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(text, &out)) {
    return absl::InvalidArgumentError("not base64url");
  }
  return out;
}

absl::StatusOr<JwsParts> SplitJws(absl::string_view token) {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed token: ", parts.size(), " dot-separated parts, want 3"));
  }
  if (parts[0].empty() || parts[1].empty()) {
    return absl::InvalidArgumentError("malformed token: empty header or payload");
  }
  JwsParts out;
  auto header = Base64UrlDecode(parts[0]);
  auto payload = Base64UrlDecode(parts[1]);
  auto sig = Base64UrlDecode(parts[2]);
  if (!header.ok()) return absl::InvalidArgumentError("malformed token: header is not base64url");
  if (!payload.ok()) {
    return absl::InvalidArgumentError("malformed token: payload is not base64url");
  }
  if (!sig.ok()) return absl::InvalidArgumentError("malformed token: signature is not base64url");
  out.header_json = *std::move(header);
  out.payload_json = *std::move(payload);
  out.signature = *std::move(sig);
  out.signing_input = absl::StrCat(parts[0], ".", parts[1]);
  return out;
}

const char* JwsAlgorithm(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return "ES256";
    case KeyType::kEcdsaP384:
      return "ES384";
    case KeyType::kEcdsaP521:
      return "ES512";
    case KeyType::kEd25519:
      return "EdDSA";
    case KeyType::kRsaPkcs1:
      return "RS256";
    case KeyType::kRsaPss:
      return "PS256";
  }
  return "none";
}

absl::StatusOr<std::string> EcdsaDerToRaw(absl::string_view der, size_t coord_bytes) {
  const unsigned char* p = U(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr || p != U(der) + der.size()) {
    return absl::InvalidArgumentError("malformed ECDSA signature (DER)");
  }
  const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
  const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
  if (static_cast<size_t>(BN_num_bytes(r)) > coord_bytes ||
      static_cast<size_t>(BN_num_bytes(s)) > coord_bytes) {
    return absl::InvalidArgumentError("ECDSA signature too large for the curve");
  }
  return absl::StrCat(BnBytes(r, static_cast<int>(coord_bytes)),
                      BnBytes(s, static_cast<int>(coord_bytes)));
}

absl::StatusOr<std::string> EcdsaRawToDer(absl::string_view raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 2 * 66) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ECDSA signature: ", raw.size(), " bytes, want 2 equal halves"));
  }
  const size_t half = raw.size() / 2;
  BIGNUM* r = BN_bin2bn(U(raw), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(U(raw) + half, static_cast<int>(half), nullptr);
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (r == nullptr || s == nullptr || sig == nullptr || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    return absl::InternalError("ECDSA signature conversion failed");
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return absl::InternalError("ECDSA signature encoding failed");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

absl::StatusOr<std::string> SignJws(const Signer& signer, absl::string_view kid,
                                    absl::string_view payload_json) {
  json header = {{"alg", JwsAlgorithm(signer.key_type())}, {"typ", "JWT"}};
  if (!kid.empty()) header["kid"] = std::string(kid);
  const std::string input =
      absl::StrCat(Base64UrlEncode(header.dump()), ".", Base64UrlEncode(payload_json));
  VOUCH_ASSIGN_OR_RETURN(std::string sig, signer.Sign(input));
  switch (signer.key_type()) {
    case KeyType::kEcdsaP256: {
      VOUCH_ASSIGN_OR_RETURN(sig, EcdsaDerToRaw(sig, 32));
      break;
    }
    case KeyType::kEcdsaP384: {
      VOUCH_ASSIGN_OR_RETURN(sig, EcdsaDerToRaw(sig, 48));
      break;
    }
    case KeyType::kEcdsaP521: {
      VOUCH_ASSIGN_OR_RETURN(sig, EcdsaDerToRaw(sig, 66));
      break;
    }
    default:
      break;
  }
  return absl::StrCat(input, ".", Base64UrlEncode(sig));
}

absl::StatusOr<std::string> PublicKeyToJwk(absl::string_view spki_der, absl::string_view kid) {
  const unsigned char* p = U(spki_der);
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (pkey == nullptr) return absl::InvalidArgumentError("malformed public key");
  VOUCH_ASSIGN_OR_RETURN(auto verifier, OpenSslVerifier::FromDer(spki_der));
  json jwk;
  jwk["use"] = "sig";
  if (!kid.empty()) jwk["kid"] = std::string(kid);
  const KeyType type = verifier->key_type();
  jwk["alg"] = JwsAlgorithm(type);
  if (type == KeyType::kEd25519) {
    unsigned char raw[32];
    size_t len = sizeof(raw);
    if (EVP_PKEY_get_raw_public_key(pkey.get(), raw, &len) != 1) {
      return absl::InternalError("Ed25519 public key export failed");
    }
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = Base64UrlEncode(absl::string_view(reinterpret_cast<char*>(raw), len));
  } else if (type == KeyType::kRsaPkcs1 || type == KeyType::kRsaPss) {
    BIGNUM* n = nullptr;
    BIGNUM* e = nullptr;
    EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_RSA_E, &e);
    BignumPtr nn(n), ee(e);
    if (n == nullptr || e == nullptr) return absl::InternalError("RSA public key export failed");
    jwk["kty"] = "RSA";
    jwk["n"] = Base64UrlEncode(BnBytes(n, 0));
    jwk["e"] = Base64UrlEncode(BnBytes(e, 0));
  } else {
    BIGNUM* x = nullptr;
    BIGNUM* y = nullptr;
    EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x);
    EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y);
    BignumPtr xx(x), yy(y);
    if (x == nullptr || y == nullptr) return absl::InternalError("EC public key export failed");
    const int coord = type == KeyType::kEcdsaP256 ? 32 : type == KeyType::kEcdsaP384 ? 48 : 66;
    jwk["kty"] = "EC";
    jwk["crv"] = type == KeyType::kEcdsaP256   ? "P-256"
                 : type == KeyType::kEcdsaP384 ? "P-384"
                                               : "P-521";
    jwk["x"] = Base64UrlEncode(BnBytes(x, coord));
    jwk["y"] = Base64UrlEncode(BnBytes(y, coord));
  }
  return jwk.dump();
}

absl::StatusOr<std::string> JwkToPublicKeyDer(absl::string_view jwk_json) {
  json jwk = json::parse(jwk_json.begin(), jwk_json.end(), nullptr, false);
  if (jwk.is_discarded() || !jwk.is_object())
    return absl::InvalidArgumentError("JWK: not an object");
  if (jwk.contains("d")) return absl::InvalidArgumentError("JWK: private key material present");
  VOUCH_ASSIGN_OR_RETURN(std::string kty, GetString(jwk, "kty"));
  if (kty == "EC") {
    VOUCH_ASSIGN_OR_RETURN(std::string crv, GetString(jwk, "crv"));
    size_t coord = 0;
    const char* group = nullptr;
    if (crv == "P-256") {
      coord = 32, group = "prime256v1";
    } else if (crv == "P-384") {
      coord = 48, group = "secp384r1";
    } else if (crv == "P-521") {
      coord = 66, group = "secp521r1";
    } else {
      return absl::InvalidArgumentError(absl::StrCat("JWK: unsupported EC curve ", crv));
    }
    VOUCH_ASSIGN_OR_RETURN(std::string x, GetB64(jwk, "x"));
    VOUCH_ASSIGN_OR_RETURN(std::string y, GetB64(jwk, "y"));
    if (x.size() != coord || y.size() != coord) {
      return absl::InvalidArgumentError(
          absl::StrCat("JWK: ", crv, " coordinates must be ", coord, " bytes"));
    }
    const std::string point = absl::StrCat(std::string(1, '\x04'), x, y);
    OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    VOUCH_ASSIGN_OR_RETURN(PkeyPtr pkey, FromData("EC", bld.get()));
    return SpkiOf(pkey.get());
  }
  if (kty == "OKP") {
    VOUCH_ASSIGN_OR_RETURN(std::string crv, GetString(jwk, "crv"));
    if (crv != "Ed25519")
      return absl::InvalidArgumentError(absl::StrCat("JWK: unsupported OKP curve ", crv));
    VOUCH_ASSIGN_OR_RETURN(std::string x, GetB64(jwk, "x"));
    if (x.size() != 32) return absl::InvalidArgumentError("JWK: Ed25519 key must be 32 bytes");
    PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(x), x.size()));
    if (pkey == nullptr) return absl::InvalidArgumentError("JWK: unusable Ed25519 key");
    return SpkiOf(pkey.get());
  }
  if (kty == "RSA") {
    VOUCH_ASSIGN_OR_RETURN(std::string n, GetB64(jwk, "n"));
    VOUCH_ASSIGN_OR_RETURN(std::string e, GetB64(jwk, "e"));
    if (n.empty() || e.empty()) return absl::InvalidArgumentError("JWK: empty RSA member");
    BignumPtr bn_n(BN_bin2bn(U(n), static_cast<int>(n.size()), nullptr));
    BignumPtr bn_e(BN_bin2bn(U(e), static_cast<int>(e.size()), nullptr));
    OsslParamBldPtr bld(OSSL_PARAM_BLD_new());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
    VOUCH_ASSIGN_OR_RETURN(PkeyPtr pkey, FromData("RSA", bld.get()));
    return SpkiOf(pkey.get());
  }
  return absl::InvalidArgumentError(absl::StrCat("JWK: unsupported kty ", kty));
}

}  // namespace vouch::signer
