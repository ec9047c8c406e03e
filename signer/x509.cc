// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/x509.h"

#include <memory>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {
namespace {

std::string DerLength(size_t n) {
  if (n < 0x80) return std::string(1, static_cast<char>(n));
  std::string bytes;
  while (n > 0) {
    bytes.insert(bytes.begin(), static_cast<char>(n & 0xff));
    n >>= 8;
  }
  return absl::StrCat(std::string(1, static_cast<char>(0x80 | bytes.size())), bytes);
}

absl::StatusOr<X509Ptr> ParseDer(absl::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (cert == nullptr || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return absl::InvalidArgumentError("malformed certificate");
  }
  return cert;
}

absl::Status SetName(X509* cert, const CertName& name, bool subject) {
  X509NamePtr n(X509_NAME_new());
  auto add = [&](const char* field, const std::string& value) {
    if (value.empty()) return true;
    return X509_NAME_add_entry_by_txt(n.get(), field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (!add("O", name.organization) || !add("CN", name.common_name)) {
    return absl::InvalidArgumentError(absl::StrCat("bad name: ", OpenSslErrors()));
  }
  const int ok =
      subject ? X509_set_subject_name(cert, n.get()) : X509_set_issuer_name(cert, n.get());
  if (ok != 1) return absl::InternalError("set name failed");
  return absl::OkStatus();
}

absl::Status AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) {
    return absl::InternalError(absl::StrCat("extension ", OBJ_nid2sn(nid), ": ", OpenSslErrors()));
  }
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return absl::InternalError("add extension failed");
  return absl::OkStatus();
}

absl::Status SetCommon(X509* cert, absl::string_view spki_der, absl::Time not_before,
                       absl::Duration validity) {
  X509_set_version(cert, 2);
  const std::string serial = RandomSerial();
  ASN1_INTEGER* sn = X509_get_serialNumber(cert);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()),
                         static_cast<int>(serial.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, sn);
  BN_free(bn);
  ASN1_TIME_set(X509_getm_notBefore(cert), absl::ToTimeT(not_before));
  ASN1_TIME_set(X509_getm_notAfter(cert), absl::ToTimeT(not_before + validity));
  const unsigned char* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  PkeyPtr pkey(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size())));
  if (pkey == nullptr) return absl::InvalidArgumentError("malformed public key");
  if (X509_set_pubkey(cert, pkey.get()) != 1) return absl::InternalError("set public key failed");
  return absl::OkStatus();
}

absl::StatusOr<std::string> IssuedCert(const Signer& issuer_key, absl::string_view issuer_der,
                                       absl::string_view spki_der, const CertName& subject,
                                       absl::Time not_before, absl::Duration validity, bool ca,
                                       bool tsa) {
  VOUCH_ASSIGN_OR_RETURN(X509Ptr issuer, ParseDer(issuer_der));
  VOUCH_ASSIGN_OR_RETURN(std::string issuer_spki, CertificatePublicKeyDer(issuer_der));
  if (issuer_spki != issuer_key.PublicKeyDer()) {
    return absl::InvalidArgumentError("issuer certificate does not match the issuer key");
  }
  X509Ptr cert(X509_new());
  VOUCH_RETURN_IF_ERROR(SetCommon(cert.get(), spki_der, not_before, validity));
  VOUCH_RETURN_IF_ERROR(SetName(cert.get(), subject, true));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer.get())) != 1) {
    return absl::InternalError("set issuer failed");
  }
  if (ca) {
    VOUCH_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
    VOUCH_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
    VOUCH_RETURN_IF_ERROR(AddExt(cert.get(), issuer.get(), NID_ext_key_usage, "codeSigning"));
  } else if (tsa) {
    VOUCH_RETURN_IF_ERROR(AddExt(cert.get(), issuer.get(), NID_basic_constraints, "CA:FALSE"));
    VOUCH_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer.get(), NID_key_usage, "critical,digitalSignature"));
    VOUCH_RETURN_IF_ERROR(
        AddExt(cert.get(), issuer.get(), NID_ext_key_usage, "critical,timeStamping"));
  }
  VOUCH_RETURN_IF_ERROR(AddKeyIdentifiers(cert.get(), issuer.get()));
  return SignCertificate(cert.get(), issuer_key);
}

}  // namespace

std::string DerTlv(unsigned char tag, absl::string_view content) {
  return absl::StrCat(std::string(1, static_cast<char>(tag)), DerLength(content.size()), content);
}

std::string DerOid(absl::string_view dotted) {
  std::vector<uint64_t> arcs;
  uint64_t v = 0;
  for (char c : dotted) {
    if (c == '.') {
      arcs.push_back(v);
      v = 0;
    } else {
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
  }
  arcs.push_back(v);
  std::string body;
  auto base128 = [&](uint64_t x) {
    std::string bytes(1, static_cast<char>(x & 0x7f));
    while ((x >>= 7) > 0) bytes.insert(bytes.begin(), static_cast<char>(0x80 | (x & 0x7f)));
    body += bytes;
  };
  base128(arcs.size() >= 2 ? arcs[0] * 40 + arcs[1] : 0);
  for (size_t i = 2; i < arcs.size(); ++i) base128(arcs[i]);
  return DerTlv(0x06, body);
}

absl::StatusOr<std::string> SignatureAlgorithmDer(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return DerTlv(0x30, DerOid("1.2.840.10045.4.3.2"));
    case KeyType::kEcdsaP384:
      return DerTlv(0x30, DerOid("1.2.840.10045.4.3.3"));
    case KeyType::kEcdsaP521:
      return DerTlv(0x30, DerOid("1.2.840.10045.4.3.4"));
    case KeyType::kEd25519:
      return DerTlv(0x30, DerOid("1.3.101.112"));
    case KeyType::kRsaPkcs1:
      return DerTlv(0x30,
                    absl::StrCat(DerOid("1.2.840.113549.1.1.11"), std::string("\x05\x00", 2)));
    case KeyType::kRsaPss:
      break;
  }
  return absl::UnimplementedError("RSA-PSS CA keys are not supported; use PKCS#1 v1.5");
}

absl::StatusOr<std::string> SignTbsCertificate(absl::string_view tbs_der,
                                               absl::string_view sig_alg_der,
                                               const Signer& signer) {
  VOUCH_ASSIGN_OR_RETURN(std::string sig, signer.Sign(tbs_der));
  const std::string bits = DerTlv(0x03, absl::StrCat(std::string(1, '\0'), sig));
  return DerTlv(0x30, absl::StrCat(tbs_der, sig_alg_der, bits));
}

std::string HexEncode(absl::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string RandomSerial() {
  unsigned char buf[20];
  RAND_bytes(buf, sizeof(buf));
  buf[0] &= 0x7f;
  if (buf[0] == 0) buf[0] = 0x01;
  return std::string(reinterpret_cast<char*>(buf), sizeof(buf));
}

absl::Status AddKeyIdentifiers(X509* cert, X509* issuer) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_pubkey_digest(cert, EVP_sha1(), md, &len) != 1) {
    return absl::InternalError("subject key id digest failed");
  }
  ASN1_OCTET_STRING* ski = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(ski, md, static_cast<int>(len));
  const int ok = X509_add1_ext_i2d(cert, NID_subject_key_identifier, ski, 0, X509V3_ADD_DEFAULT);
  if (ok != 1) {
    ASN1_OCTET_STRING_free(ski);
    return absl::InternalError("add subjectKeyIdentifier failed");
  }
  AUTHORITY_KEYID* akid = AUTHORITY_KEYID_new();
  const ASN1_OCTET_STRING* issuer_ski = issuer != nullptr ? X509_get0_subject_key_id(issuer) : ski;
  if (issuer_ski != nullptr) {
    akid->keyid = ASN1_OCTET_STRING_dup(issuer_ski);
  } else {
    if (X509_pubkey_digest(issuer, EVP_sha1(), md, &len) != 1) {
      AUTHORITY_KEYID_free(akid);
      ASN1_OCTET_STRING_free(ski);
      return absl::InternalError("authority key id digest failed");
    }
    akid->keyid = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(akid->keyid, md, static_cast<int>(len));
  }
  const int ok2 =
      X509_add1_ext_i2d(cert, NID_authority_key_identifier, akid, 0, X509V3_ADD_DEFAULT);
  AUTHORITY_KEYID_free(akid);
  ASN1_OCTET_STRING_free(ski);
  if (ok2 != 1) return absl::InternalError("add authorityKeyIdentifier failed");
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignCertificate(X509* cert, const Signer& signer) {
  int nid = NID_undef;
  int param_type = V_ASN1_UNDEF;
  switch (signer.key_type()) {
    case KeyType::kEcdsaP256:
      nid = NID_ecdsa_with_SHA256;
      break;
    case KeyType::kEcdsaP384:
      nid = NID_ecdsa_with_SHA384;
      break;
    case KeyType::kEcdsaP521:
      nid = NID_ecdsa_with_SHA512;
      break;
    case KeyType::kEd25519:
      nid = NID_ED25519;
      break;
    case KeyType::kRsaPkcs1:
      nid = NID_sha256WithRSAEncryption;
      param_type = V_ASN1_NULL;
      break;
    case KeyType::kRsaPss:
      return absl::UnimplementedError("RSA-PSS CA keys are not supported; use PKCS#1 v1.5");
  }
  // The TBSCertificate's signature field; OpenSSL has no setter, the object is ours.
  X509_ALGOR* tbs_alg = const_cast<X509_ALGOR*>(X509_get0_tbs_sigalg(cert));
  if (X509_ALGOR_set0(tbs_alg, OBJ_nid2obj(nid), param_type, nullptr) != 1) {
    return absl::InternalError("set signature algorithm failed");
  }
  unsigned char* tbs = nullptr;
  const int tbs_len = i2d_re_X509_tbs(cert, &tbs);
  if (tbs_len <= 0) return absl::InternalError(absl::StrCat("encode TBS: ", OpenSslErrors()));
  const std::string tbs_der(reinterpret_cast<char*>(tbs), static_cast<size_t>(tbs_len));
  OPENSSL_free(tbs);
  VOUCH_ASSIGN_OR_RETURN(std::string sig, signer.Sign(tbs_der));
  X509_ALGOR* alg = X509_ALGOR_new();
  X509_ALGOR_set0(alg, OBJ_nid2obj(nid), param_type, nullptr);
  unsigned char* alg_der = nullptr;
  const int alg_len = i2d_X509_ALGOR(alg, &alg_der);
  X509_ALGOR_free(alg);
  if (alg_len <= 0) return absl::InternalError("encode algorithm failed");
  const std::string alg_str(reinterpret_cast<char*>(alg_der), static_cast<size_t>(alg_len));
  OPENSSL_free(alg_der);
  const std::string bits = DerTlv(0x03, absl::StrCat(std::string(1, '\0'), sig));
  return DerTlv(0x30, absl::StrCat(tbs_der, alg_str, bits));
}

absl::StatusOr<std::string> CreateRootCertificate(const Signer& key, const CertName& subject,
                                                  absl::Time not_before, absl::Duration validity) {
  X509Ptr cert(X509_new());
  VOUCH_RETURN_IF_ERROR(SetCommon(cert.get(), key.PublicKeyDer(), not_before, validity));
  VOUCH_RETURN_IF_ERROR(SetName(cert.get(), subject, true));
  VOUCH_RETURN_IF_ERROR(SetName(cert.get(), subject, false));
  VOUCH_RETURN_IF_ERROR(AddExt(cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE"));
  VOUCH_RETURN_IF_ERROR(AddExt(cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign"));
  VOUCH_RETURN_IF_ERROR(AddKeyIdentifiers(cert.get(), nullptr));
  return SignCertificate(cert.get(), key);
}

absl::StatusOr<std::string> CreateIntermediateCertificate(
    const Signer& issuer_key, absl::string_view issuer_der, absl::string_view subject_spki_der,
    const CertName& subject, absl::Time not_before, absl::Duration validity) {
  return IssuedCert(issuer_key, issuer_der, subject_spki_der, subject, not_before, validity,
                    /*ca=*/true, /*tsa=*/false);
}

absl::StatusOr<std::string> CreateTsaCertificate(const Signer& issuer_key,
                                                 absl::string_view issuer_der,
                                                 absl::string_view subject_spki_der,
                                                 const CertName& subject, absl::Time not_before,
                                                 absl::Duration validity) {
  return IssuedCert(issuer_key, issuer_der, subject_spki_der, subject, not_before, validity,
                    /*ca=*/false, /*tsa=*/true);
}

std::string CertificateDerToPem(absl::string_view der) {
  std::string b64;
  absl::Base64Escape(der, &b64);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) absl::StrAppend(&out, b64.substr(i, 64), "\n");
  absl::StrAppend(&out, "-----END CERTIFICATE-----\n");
  return out;
}

std::string ChainToPem(const std::vector<std::string>& ders) {
  std::string out;
  for (const std::string& d : ders) out += CertificateDerToPem(d);
  return out;
}

absl::StatusOr<std::vector<std::string>> ParsePemCertificates(absl::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  std::vector<std::string> out;
  for (;;) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (x == nullptr) break;
    X509Ptr owned(x);
    unsigned char* der = nullptr;
    const int len = i2d_X509(x, &der);
    if (len <= 0) return absl::InvalidArgumentError("malformed certificate in PEM");
    out.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  ERR_clear_error();
  if (out.empty()) return absl::InvalidArgumentError("no CERTIFICATE block in PEM");
  return out;
}

absl::StatusOr<std::string> CertificatePublicKeyDer(absl::string_view cert_der) {
  VOUCH_ASSIGN_OR_RETURN(X509Ptr cert, ParseDer(cert_der));
  unsigned char* der = nullptr;
  const int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert.get()), &der);
  if (len <= 0) return absl::InvalidArgumentError("certificate without public key");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace vouch::signer
