// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/ca.h"

#include <utility>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"

namespace vouch::signer {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct NameFree {
  void operator()(X509_NAME* n) const { X509_NAME_free(n); }
};
struct ObjFree {
  void operator()(ASN1_OBJECT* o) const { ASN1_OBJECT_free(o); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

constexpr char kFulcioArc[] = "1.3.6.1.4.1.57264.1.";

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

std::string DerLength(size_t n) {
  if (n < 0x80) return std::string(1, static_cast<char>(n));
  std::string bytes;
  while (n > 0) {
    bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
    n >>= 8;
  }
  return absl::StrCat(std::string(1, static_cast<char>(0x80 | bytes.size())), bytes);
}

std::string Utf8StringDer(absl::string_view s) {
  return absl::StrCat(std::string(1, '\x0c'), DerLength(s.size()), s);
}

absl::Status AddRawExtension(X509* cert, int arc, absl::string_view value) {
  std::unique_ptr<ASN1_OBJECT, ObjFree> obj(OBJ_txt2obj(absl::StrCat(kFulcioArc, arc).c_str(), 1));
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, U(value), static_cast<int>(value.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, os);
  ASN1_OCTET_STRING_free(os);
  if (ext == nullptr) return absl::InternalError("create extension failed");
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return absl::InternalError("add extension failed");
  return absl::OkStatus();
}

absl::Status AddSan(X509* cert, const Identity& id) {
  GENERAL_NAME* gen = GENERAL_NAME_new();
  if (id.san_type == SanType::kOtherName) {
    ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.4.1.57264.1.7", 1);
    ASN1_TYPE* value = ASN1_TYPE_new();
    ASN1_UTF8STRING* str = ASN1_UTF8STRING_new();
    ASN1_STRING_set(str, id.san.data(), static_cast<int>(id.san.size()));
    ASN1_TYPE_set(value, V_ASN1_UTF8STRING, str);
    if (GENERAL_NAME_set0_othername(gen, oid, value) != 1) {
      GENERAL_NAME_free(gen);
      return absl::InternalError("otherName SAN failed");
    }
  } else {
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    ASN1_STRING_set(ia5, id.san.data(), static_cast<int>(id.san.size()));
    GENERAL_NAME_set0_value(gen, id.san_type == SanType::kEmail ? GEN_EMAIL : GEN_URI, ia5);
  }
  GENERAL_NAMES* names = sk_GENERAL_NAME_new_null();
  sk_GENERAL_NAME_push(names, gen);
  const int ok = X509_add1_ext_i2d(cert, NID_subject_alt_name, names, 1, X509V3_ADD_DEFAULT);
  GENERAL_NAMES_free(names);
  if (ok != 1) return absl::InternalError("add subjectAltName failed");
  return absl::OkStatus();
}

absl::Status AddBitsExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, nullptr, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return absl::InternalError(absl::StrCat("extension: ", OpenSslErrors()));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return absl::InternalError("add extension failed");
  return absl::OkStatus();
}

bool IsPem(absl::string_view s) { return absl::StrContains(s, "-----BEGIN"); }

}  // namespace

CertificateAuthority::CertificateAuthority(std::unique_ptr<Signer> signer,
                                           std::vector<std::string> chain_der, CaOptions options)
    : signer_(std::move(signer)), chain_der_(std::move(chain_der)), options_(options) {}

absl::StatusOr<std::unique_ptr<CertificateAuthority>> CertificateAuthority::New(
    std::unique_ptr<Signer> signer, std::vector<std::string> chain_der, CaOptions options) {
  if (signer == nullptr) return absl::InvalidArgumentError("no CA key");
  if (chain_der.empty()) return absl::InvalidArgumentError("empty CA chain");
  if (options.clock == nullptr) options.clock = Clock::Real();
  if (options.validity <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("certificate validity must be positive");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string spki, CertificatePublicKeyDer(chain_der[0]));
  if (spki != signer->PublicKeyDer()) {
    return absl::InvalidArgumentError("the CA chain's first certificate does not match the CA key");
  }
  const unsigned char* p = U(chain_der[0]);
  X509Ptr issuer(d2i_X509(nullptr, &p, static_cast<long>(chain_der[0].size())));
  if (issuer == nullptr) return absl::InvalidArgumentError("malformed CA certificate");
  unsigned char* name = nullptr;
  const int name_len = i2d_X509_NAME(X509_get_subject_name(issuer.get()), &name);
  if (name_len <= 0) return absl::InternalError("encode CA name failed");
  std::string name_der(reinterpret_cast<char*>(name), static_cast<size_t>(name_len));
  OPENSSL_free(name);
  std::string key_id;
  const ASN1_OCTET_STRING* ski = X509_get0_subject_key_id(issuer.get());
  if (ski != nullptr) {
    key_id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(ski)),
                  static_cast<size_t>(ASN1_STRING_length(ski)));
  } else {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_pubkey_digest(issuer.get(), EVP_sha1(), md, &len);
    key_id.assign(reinterpret_cast<char*>(md), len);
  }
  std::unique_ptr<CertificateAuthority> ca(
      new CertificateAuthority(std::move(signer), std::move(chain_der), options));
  ca->issuer_name_der_ = std::move(name_der);
  ca->issuer_key_id_ = std::move(key_id);
  return ca;
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::Issue(const Identity& identity,
                                                              absl::string_view leaf_spki_der) const {
  VOUCH_ASSIGN_OR_RETURN(std::string spki, ParseLeafPublicKey(leaf_spki_der));
  if (spki == signer_->PublicKeyDer()) {
    return absl::InvalidArgumentError("unsupported key: the submitted key is the CA's own key");
  }
  if (identity.san.empty()) return absl::InvalidArgumentError("identity without a SAN");
  if (identity.issuer.empty()) return absl::InvalidArgumentError("identity without an issuer");
  // The time is truncated to whole seconds, as X.509 encodes it.
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(options_.clock->Now()));
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  const std::string serial = RandomSerial();
  BIGNUM* bn = BN_bin2bn(U(serial), static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  const unsigned char* np = U(issuer_name_der_);
  std::unique_ptr<X509_NAME, NameFree> issuer_name(
      d2i_X509_NAME(nullptr, &np, static_cast<long>(issuer_name_der_.size())));
  X509_set_issuer_name(cert.get(), issuer_name.get());
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), absl::ToTimeT(now));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), absl::ToTimeT(now + options_.validity));
  const unsigned char* kp = U(spki);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(d2i_PUBKEY(nullptr, &kp, static_cast<long>(spki.size())));
  if (pkey == nullptr || X509_set_pubkey(cert.get(), pkey.get()) != 1) {
    return absl::InvalidArgumentError("malformed public key");
  }
  VOUCH_RETURN_IF_ERROR(AddBitsExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  VOUCH_RETURN_IF_ERROR(AddBitsExtension(cert.get(), NID_ext_key_usage, "codeSigning"));
  // SKI over the leaf key, AKI = the issuing certificate's key id.
  {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_pubkey_digest(cert.get(), EVP_sha1(), md, &len);
    ASN1_OCTET_STRING* ski = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(ski, md, static_cast<int>(len));
    X509_add1_ext_i2d(cert.get(), NID_subject_key_identifier, ski, 0, X509V3_ADD_DEFAULT);
    ASN1_OCTET_STRING_free(ski);
    AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
    akid->keyid = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(akid->keyid, U(issuer_key_id_), static_cast<int>(issuer_key_id_.size()));
    X509_add1_ext_i2d(cert.get(), NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT);
    AUTHORITY_KEYID_free(akid);
  }
  VOUCH_RETURN_IF_ERROR(AddSan(cert.get(), identity));
  VOUCH_RETURN_IF_ERROR(AddRawExtension(cert.get(), 1, identity.issuer));
  for (const auto& [arc, value] : identity.extensions) {
    if (arc >= 2 && arc <= 6) VOUCH_RETURN_IF_ERROR(AddRawExtension(cert.get(), arc, value));
  }
  VOUCH_RETURN_IF_ERROR(AddRawExtension(cert.get(), 8, Utf8StringDer(identity.issuer)));
  for (const auto& [arc, value] : identity.extensions) {
    if (arc >= 9 && arc <= 24) {
      VOUCH_RETURN_IF_ERROR(AddRawExtension(cert.get(), arc, Utf8StringDer(value)));
    }
  }
  VOUCH_ASSIGN_OR_RETURN(std::string der, SignCertificate(cert.get(), *signer_));
  IssuedCertificate out;
  out.serial_hex = HexEncode(serial);
  out.identity = identity.san;
  out.issuer = identity.issuer;
  out.key_fingerprint = HexEncode(Sha256(spki));
  out.not_before = now;
  out.not_after = now + options_.validity;
  out.certificate_der = std::move(der);
  return out;
}

absl::StatusOr<std::string> ParseLeafPublicKey(absl::string_view content) {
  std::string der;
  if (IsPem(content)) {
    auto d = PemToDer(content, "PUBLIC KEY");
    if (!d.ok()) return absl::InvalidArgumentError("malformed public key (PEM)");
    der = *std::move(d);
  } else {
    der = std::string(content);
  }
  if (der.empty()) return absl::InvalidArgumentError("malformed public key: empty");
  const unsigned char* p = U(der);
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (pkey == nullptr || p != U(der) + der.size()) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed public key");
  }
  auto v = OpenSslVerifier::FromDer(der);
  if (!v.ok()) {
    const std::string msg(v.status().message());
    return absl::InvalidArgumentError(absl::StartsWith(msg, "unsupported key")
                                           ? msg
                                           : absl::StrCat("unsupported key: ", msg));
  }
  return der;
}

absl::Status VerifyProofOfPossession(absl::string_view spki_der, absl::string_view challenge,
                                     absl::string_view proof) {
  if (proof.empty()) return absl::InvalidArgumentError("missing proof of possession");
  VOUCH_ASSIGN_OR_RETURN(auto v, OpenSslVerifier::FromDer(spki_der));
  if (v->Verify(challenge, proof).ok()) return absl::OkStatus();
  const KeyType t = v->key_type();
  if (t == KeyType::kEcdsaP384 || t == KeyType::kEcdsaP521) {
    if (v->VerifyDigest(HashAlgorithm::kSha256, Sha256(challenge), proof).ok()) {
      return absl::OkStatus();
    }
  }
  if (t == KeyType::kRsaPkcs1) {
    auto pss = OpenSslVerifier::FromDer(spki_der, /*rsa_pss=*/true);
    if (pss.ok() && (*pss)->Verify(challenge, proof).ok()) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "proof of possession does not verify: it must be the submitted key's signature over the "
      "token's challenge claim (sub, or email for email issuers)");
}

absl::StatusOr<std::string> VerifyCsr(absl::string_view csr) {
  std::unique_ptr<X509_REQ, ReqFree> req;
  if (IsPem(csr)) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(csr.data(), static_cast<int>(csr.size())));
    req.reset(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = U(csr);
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(csr.size())));
  }
  if (req == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed CSR");
  }
  EVP_PKEY* pkey = X509_REQ_get0_pubkey(req.get());
  if (pkey == nullptr) return absl::InvalidArgumentError("malformed CSR: no public key");
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return absl::InvalidArgumentError("malformed CSR: bad public key");
  std::string spki(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  VOUCH_ASSIGN_OR_RETURN(spki, ParseLeafPublicKey(spki));
  if (X509_REQ_verify(req.get(), pkey) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError("CSR signature does not verify");
  }
  return spki;
}

}  // namespace vouch::signer
