// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/ca.h"

#include <utility>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "formats/ct.h"
#include "signer/openssl_crypto.h"
#include "signer/san.h"
#include "signer/x509.h"

namespace vouch::signer {
namespace {

constexpr char kFulcioArc[] = "1.3.6.1.4.1.57264.1.";

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool IsPem(absl::string_view s) { return absl::StrContains(s, "-----BEGIN"); }

struct OidTable {
  std::string key_usage = DerOid("2.5.29.15");
  std::string ext_key_usage = DerOid("2.5.29.37");
  std::string ski = DerOid("2.5.29.14");
  std::string aki = DerOid("2.5.29.35");
  std::string san = DerOid("2.5.29.17");
  std::string code_signing = DerOid("1.3.6.1.5.5.7.3.3");
  std::string ct_poison = DerOid(formats::ct::kPoisonOid);
  std::string ct_poison_value =
      std::string(formats::ct::kPoisonValue, formats::ct::kPoisonValueSize);
  std::string ct_sct_list = DerOid(formats::ct::kSctListOid);
  std::string fulcio[25];
  OidTable() {
    for (int i = 1; i <= 24; ++i) fulcio[i] = DerOid(absl::StrCat(kFulcioArc, i));
  }
};

const OidTable& Oids() {
  static const OidTable* table = new OidTable();
  return *table;
}

std::string Extension(const std::string& oid, bool critical, absl::string_view value) {
  return DerTlv(
      0x30, absl::StrCat(oid, critical ? std::string("\x01\x01\xff", 3) : "", DerTlv(0x04, value)));
}

// UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5).
std::string DerTime(absl::Time t) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
  if (c.year() >= 1950 && c.year() < 2050) {
    return DerTlv(0x17, absl::FormatTime("%y%m%d%H%M%SZ", t, absl::UTCTimeZone()));
  }
  return DerTlv(0x18, absl::FormatTime("%Y%m%d%H%M%SZ", t, absl::UTCTimeZone()));
}

// A minimal strict DER reader (definite, minimal lengths up to 3 octets).
class DerReader {
 public:
  explicit DerReader(absl::string_view data) : data_(data) {}
  bool Next(unsigned char* tag, absl::string_view* value) {
    if (data_.size() < 2) return false;
    *tag = static_cast<unsigned char>(data_[0]);
    size_t len = static_cast<unsigned char>(data_[1]);
    size_t header = 2;
    if (len & 0x80) {
      const size_t n = len & 0x7f;
      if (n == 0 || n > 3 || data_.size() < 2 + n) return false;
      len = 0;
      for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<unsigned char>(data_[2 + i]);
      if (len < 0x80) return false;
      header += n;
    }
    if (data_.size() - header < len) return false;
    *value = data_.substr(header, len);
    data_.remove_prefix(header + len);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  absl::string_view data_;
};

struct SpkiParts {
  enum Kind { kEcdsa, kEd25519, kRsa } kind = kEcdsa;
  KeyType curve = KeyType::kEcdsaP256;  // for kEcdsa
  std::string key;                      // the subjectPublicKey bits (point, raw key, RSAPublicKey)
};

absl::Status Malformed() { return absl::InvalidArgumentError("malformed public key"); }

absl::StatusOr<SpkiParts> ParseSpki(absl::string_view der) {
  DerReader outer(der);
  unsigned char tag = 0;
  absl::string_view spki, alg, bits;
  if (!outer.Next(&tag, &spki) || tag != 0x30 || !outer.done()) return Malformed();
  DerReader inner(spki);
  if (!inner.Next(&tag, &alg) || tag != 0x30) return Malformed();
  if (!inner.Next(&tag, &bits) || tag != 0x03 || !inner.done()) return Malformed();
  if (bits.empty() || bits[0] != 0) return Malformed();
  DerReader alg_reader(alg);
  absl::string_view oid, params;
  if (!alg_reader.Next(&tag, &oid) || tag != 0x06) return Malformed();
  unsigned char params_tag = 0;
  const bool has_params = alg_reader.Next(&params_tag, &params);
  if (!alg_reader.done()) return Malformed();
  SpkiParts parts;
  parts.key = std::string(bits.substr(1));
  static const absl::string_view kEcOid("\x2a\x86\x48\xce\x3d\x02\x01", 7);
  static const absl::string_view kP256("\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
  static const absl::string_view kP384("\x2b\x81\x04\x00\x22", 5);
  static const absl::string_view kP521("\x2b\x81\x04\x00\x23", 5);
  static const absl::string_view kEd25519Oid("\x2b\x65\x70", 3);
  static const absl::string_view kRsaOid("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
  if (oid == kEcOid) {
    if (!has_params || params_tag != 0x06) {
      return absl::InvalidArgumentError("unsupported key: ECDSA without a named curve");
    }
    size_t point = 0;
    if (params == kP256) {
      parts.curve = KeyType::kEcdsaP256;
      point = 65;
    } else if (params == kP384) {
      parts.curve = KeyType::kEcdsaP384;
      point = 97;
    } else if (params == kP521) {
      parts.curve = KeyType::kEcdsaP521;
      point = 133;
    } else {
      return absl::InvalidArgumentError(
          "unsupported key: ECDSA curve (want P-256, P-384 or P-521)");
    }
    if (parts.key.size() != point || parts.key[0] != '\x04') {
      return absl::InvalidArgumentError("malformed public key: want an uncompressed EC point");
    }
    parts.kind = SpkiParts::kEcdsa;
    return parts;
  }
  if (oid == kEd25519Oid) {
    if (has_params || parts.key.size() != 32) return Malformed();
    parts.kind = SpkiParts::kEd25519;
    return parts;
  }
  if (oid == kRsaOid) {
    // RFC 3279 2.3.1: the parameters MUST be NULL (05 00). OpenSSL also reads other tags here
    // (found by fuzz/der_fuzzer; inputs in fuzz/regressions), Go's x509 does not.
    if (!has_params || params_tag != 0x05 || !params.empty()) return Malformed();
    parts.kind = SpkiParts::kRsa;
    return parts;
  }
  return absl::InvalidArgumentError(
      "unsupported key: algorithm (want ECDSA P-256/P-384/P-521, Ed25519 or RSA 2048-4096)");
}

// RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
absl::Status CheckRsaKey(absl::string_view key) {
  DerReader outer(key);
  unsigned char tag = 0;
  absl::string_view seq, n, e;
  if (!outer.Next(&tag, &seq) || tag != 0x30 || !outer.done()) return Malformed();
  DerReader inner(seq);
  if (!inner.Next(&tag, &n) || tag != 0x02 || !inner.Next(&tag, &e) || tag != 0x02 ||
      !inner.done()) {
    return Malformed();
  }
  while (!n.empty() && n[0] == 0) n.remove_prefix(1);
  size_t bits = n.size() * 8;
  if (!n.empty()) {
    unsigned char top = static_cast<unsigned char>(n[0]);
    while (!(top & 0x80)) {
      top = static_cast<unsigned char>(top << 1);
      --bits;
    }
  }
  if (bits < 2048 || bits > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported key: RSA-", bits, " (want 2048 to 4096 bits)"));
  }
  if (e != absl::string_view("\x01\x00\x01", 3)) {
    return absl::InvalidArgumentError("unsupported key: RSA exponent must be 65537");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SubjectPublicKeyBits(absl::string_view spki_der) {
  VOUCH_ASSIGN_OR_RETURN(SpkiParts parts, ParseSpki(spki_der));
  return parts.key;
}

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
  VOUCH_ASSIGN_OR_RETURN(ca->sig_alg_der_, SignatureAlgorithmDer(ca->signer_->key_type()));
  ca->ca_public_key_hash_ = Sha256(spki);
  ca->ca_public_key_der_ = std::move(spki);
  ca->issuer_name_der_ = std::move(name_der);
  ca->issuer_key_id_ = std::move(key_id);
  return ca;
}

absl::StatusOr<IssuedCertificate> CertificateAuthority::Issue(
    const Identity& identity, absl::string_view leaf_spki_der) const {
  VOUCH_RETURN_IF_ERROR(CheckLeafKeyEncoding(leaf_spki_der));
  if (leaf_spki_der == ca_public_key_der_) {
    return absl::InvalidArgumentError("unsupported key: the submitted key is the CA's own key");
  }
  if (identity.san.empty()) return absl::InvalidArgumentError("identity without a SAN");
  if (identity.issuer.empty()) return absl::InvalidArgumentError("identity without an issuer");
  // Whatever built |identity|, nothing malformed is signed (signer/san.h).
  absl::Status san_ok = CheckSan(SubjectAltName{identity.san_type, identity.san});
  if (!san_ok.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("identity: ", SanTypeName(identity.san_type), " SAN: ", san_ok.message()));
  }
  san_ok = CheckCertificateText(identity.issuer);
  if (!san_ok.ok())
    return absl::InvalidArgumentError(absl::StrCat("identity issuer: ", san_ok.message()));
  for (const auto& [arc, value] : identity.extensions) {
    absl::Status ok = CheckCertificateText(value);
    if (!ok.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("identity extension ", kFulcioArc, arc, ": ", ok.message()));
    }
  }
  // The TBSCertificate is written directly in DER: OpenSSL 3's X509 objects decode the public key
  // through its generic decoders, which costs more than the signature.
  const absl::Time now = absl::FromUnixSeconds(absl::ToUnixSeconds(options_.clock->Now()));
  const absl::Time not_after = now + options_.validity;
  const std::string serial = RandomSerial();
  VOUCH_ASSIGN_OR_RETURN(std::string key_bits, SubjectPublicKeyBits(leaf_spki_der));
  unsigned char ski[SHA_DIGEST_LENGTH];
  SHA1(U(key_bits), key_bits.size(), ski);
  const std::string ski_str(reinterpret_cast<char*>(ski), sizeof(ski));

  std::string exts;
  exts += Extension(Oids().key_usage, true, std::string("\x03\x02\x07\x80", 4));
  exts += Extension(Oids().ext_key_usage, false, DerTlv(0x30, Oids().code_signing));
  exts += Extension(Oids().ski, false, DerTlv(0x04, ski_str));
  exts += Extension(Oids().aki, false, DerTlv(0x30, DerTlv(0x80, issuer_key_id_)));
  std::string name;
  switch (identity.san_type) {
    case SanType::kEmail:
      name = DerTlv(0x81, identity.san);
      break;
    case SanType::kUri:
      name = DerTlv(0x86, identity.san);
      break;
    case SanType::kOtherName:
      name = DerTlv(
          0xa0, absl::StrCat(DerOid(kOidFulcioUsername), DerTlv(0xa0, DerTlv(0x0c, identity.san))));
      break;
    case SanType::kSmtpUtf8Mailbox:  // RFC 9598: otherName, UTF8String
      name = DerTlv(0xa0, absl::StrCat(DerOid(kOidSmtpUtf8Mailbox),
                                       DerTlv(0xa0, DerTlv(0x0c, identity.san))));
      break;
  }
  exts += Extension(Oids().san, true, DerTlv(0x30, name));
  exts += Extension(Oids().fulcio[1], false, identity.issuer);
  for (const auto& [arc, value] : identity.extensions) {
    if (arc >= 2 && arc <= 6) exts += Extension(Oids().fulcio[arc], false, value);
  }
  exts += Extension(Oids().fulcio[8], false, DerTlv(0x0c, identity.issuer));
  for (const auto& [arc, value] : identity.extensions) {
    if (arc >= 9 && arc <= 24) exts += Extension(Oids().fulcio[arc], false, DerTlv(0x0c, value));
  }
  std::string tbs_head;
  tbs_head += std::string("\xa0\x03\x02\x01\x02", 5);  // version v3
  tbs_head += DerTlv(0x02, serial);
  tbs_head += sig_alg_der_;
  tbs_head += issuer_name_der_;
  tbs_head += DerTlv(0x30, absl::StrCat(DerTime(now), DerTime(not_after)));
  tbs_head += std::string("\x30\x00", 2);  // empty subject
  tbs_head += std::string(leaf_spki_der);
  // The TBSCertificate with |last| appended to the extensions.
  auto tbs_with = [&](absl::string_view last) {
    return DerTlv(0x30,
                  absl::StrCat(tbs_head, DerTlv(0xa3, DerTlv(0x30, absl::StrCat(exts, last)))));
  };
  IssuedCertificate out;
  std::string final_extension;
  if (options_.ct_log != nullptr) {
    // RFC 6962 section 3.1: log the precertificate, then embed its SCT.
    Precertificate pre;
    VOUCH_ASSIGN_OR_RETURN(
        pre.der,
        SignTbsCertificate(tbs_with(Extension(Oids().ct_poison, true, Oids().ct_poison_value)),
                           sig_alg_der_, *signer_));
    pre.tbs_without_poison = tbs_with("");
    pre.issuer_key_hash = ca_public_key_hash_;
    pre.chain = chain_der_;
    absl::StatusOr<std::string> sct = options_.ct_log->AddPrecertificate(pre);
    if (!sct.ok()) {
      return absl::UnavailableError(
          absl::StrCat("certificate transparency log: ", sct.status().message()));
    }
    VOUCH_ASSIGN_OR_RETURN(std::string list, formats::ct::SctListExtensionValue({*sct}));
    final_extension = Extension(Oids().ct_sct_list, false, list);
    out.precertificate_der = std::move(pre.der);
    out.sct = *std::move(sct);
  }
  VOUCH_ASSIGN_OR_RETURN(std::string der,
                         SignTbsCertificate(tbs_with(final_extension), sig_alg_der_, *signer_));
  out.serial_hex = HexEncode(serial);
  out.identity = identity.san;
  out.issuer = identity.issuer;
  out.key_fingerprint = HexEncode(Sha256(leaf_spki_der));
  out.not_before = now;
  out.not_after = not_after;
  out.certificate_der = std::move(der);
  return out;
}

absl::Status CheckLeafKeyEncoding(absl::string_view spki_der) {
  VOUCH_ASSIGN_OR_RETURN(SpkiParts parts, ParseSpki(spki_der));
  if (parts.kind == SpkiParts::kRsa) return CheckRsaKey(parts.key);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<OpenSslVerifier>> ParseLeafKey(absl::string_view content,
                                                              std::string* spki_der) {
  std::string der;
  if (IsPem(content)) {
    auto d = PemToDer(content, "PUBLIC KEY");
    if (!d.ok()) return absl::InvalidArgumentError("malformed public key (PEM)");
    der = *std::move(d);
  } else {
    der = std::string(content);
  }
  VOUCH_ASSIGN_OR_RETURN(SpkiParts parts, ParseSpki(der));
  EVP_PKEY* pkey = nullptr;
  if (parts.kind == SpkiParts::kEd25519) {
    pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, U(parts.key), parts.key.size());
  } else if (parts.kind == SpkiParts::kEcdsa) {
    // Straight to an EC_KEY; refuses points that are not on the curve.
    auto v = OpenSslVerifier::FromEcPoint(parts.curve, parts.key);
    if (!v.ok()) return absl::InvalidArgumentError("malformed public key");
    *spki_der = std::move(der);
    return v;
  } else {
    VOUCH_RETURN_IF_ERROR(CheckRsaKey(parts.key));
    auto v = OpenSslVerifier::FromDer(der);
    if (!v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("unsupported key: ", v.status().message()));
    }
    // OpenSSL also reads BER variants (NULL parameters with another tag: fuzz/der_fuzzer,
    // fuzz/regressions); the certificate would carry them and Go's x509 refuses such a key.
    if ((*v)->PublicKeyDer() != der) {
      return absl::InvalidArgumentError("malformed public key: not DER");
    }
    *spki_der = std::move(der);
    return v;
  }
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed public key");
  }
  auto v = OpenSslVerifier::FromEvpPkey(pkey);
  if (!v.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("unsupported key: ", v.status().message()));
  }
  *spki_der = std::move(der);
  return v;
}

absl::StatusOr<std::string> ParseLeafPublicKey(absl::string_view content) {
  std::string der;
  VOUCH_ASSIGN_OR_RETURN(auto verifier, ParseLeafKey(content, &der));
  return der;
}

absl::Status VerifyProofOfPossession(const OpenSslVerifier& v, absl::string_view challenge,
                                     absl::string_view proof) {
  if (proof.empty()) return absl::InvalidArgumentError("missing proof of possession");
  if (v.Verify(challenge, proof).ok()) return absl::OkStatus();
  const KeyType t = v.key_type();
  if (t == KeyType::kEcdsaP384 || t == KeyType::kEcdsaP521) {
    if (v.VerifyDigest(HashAlgorithm::kSha256, Sha256(challenge), proof).ok()) {
      return absl::OkStatus();
    }
  }
  if (t == KeyType::kRsaPkcs1) {
    auto pss = OpenSslVerifier::FromDer(v.PublicKeyDer(), /*rsa_pss=*/true);
    if (pss.ok() && (*pss)->Verify(challenge, proof).ok()) return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      "proof of possession does not verify: it must be the submitted key's signature over the "
      "token's challenge claim (sub, or email for email issuers)");
}

absl::Status VerifyProofOfPossession(absl::string_view spki_der, absl::string_view challenge,
                                     absl::string_view proof) {
  std::string der;
  VOUCH_ASSIGN_OR_RETURN(auto v, ParseLeafKey(spki_der, &der));
  return VerifyProofOfPossession(*v, challenge, proof);
}

absl::StatusOr<std::string> VerifyCsr(absl::string_view csr) {
  X509ReqPtr req;
  if (IsPem(csr)) {
    BioPtr bio(BIO_new_mem_buf(csr.data(), static_cast<int>(csr.size())));
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
