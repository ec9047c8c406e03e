// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/x509.h"

#include <openssl/asn1.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"

namespace vouch::client {
namespace {

absl::Time Asn1ToTime(const ASN1_TIME* t) {
  struct tm tm = {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfinitePast();
  return absl::FromTimeT(timegm(&tm));
}

std::string Asn1StringBytes(const ASN1_STRING* s) {
  if (s == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     ASN1_STRING_length(s));
}

absl::StatusOr<Certificate> Wrap(X509* x) {
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  if (len <= 0) {
    X509_free(x);
    return absl::InvalidArgumentError("certificate does not encode");
  }
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  X509_free(x);
  return Certificate::FromDer(out);  // re-parse keeps one construction path
}

void PutUint(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Minimal DER walking for PrecertificateTbs (single-byte tags, definite lengths).
bool ReadTlv(absl::string_view in, size_t pos, uint8_t* tag, size_t* header, size_t* len) {
  if (pos + 2 > in.size()) return false;
  *tag = static_cast<uint8_t>(in[pos]);
  uint8_t b = static_cast<uint8_t>(in[pos + 1]);
  if (b < 0x80) {
    *len = b;
    *header = 2;
  } else {
    size_t n = b & 0x7f;
    if (n == 0 || n > 4 || pos + 2 + n > in.size()) return false;
    size_t l = 0;
    for (size_t i = 0; i < n; ++i) l = (l << 8) | static_cast<uint8_t>(in[pos + 2 + i]);
    *len = l;
    *header = 2 + n;
  }
  return *len <= in.size() - pos - *header;
}

std::string DerWrap(uint8_t tag, absl::string_view content) {
  std::string out(1, static_cast<char>(tag));
  size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<char>(len));
  } else {
    std::string bytes;
    for (size_t l = len; l > 0; l >>= 8) bytes.insert(bytes.begin(), static_cast<char>(l & 0xff));
    out.push_back(static_cast<char>(0x80 | bytes.size()));
    out += bytes;
  }
  out.append(content.data(), content.size());
  return out;
}

// The children of a constructed element's content, as whole TLVs.
bool Children(absl::string_view content, std::vector<absl::string_view>* out) {
  for (size_t pos = 0; pos < content.size();) {
    uint8_t tag;
    size_t header, len;
    if (!ReadTlv(content, pos, &tag, &header, &len)) return false;
    out->push_back(content.substr(pos, header + len));
    pos += header + len;
  }
  return true;
}

absl::string_view Content(absl::string_view tlv) {
  uint8_t tag;
  size_t header, len;
  if (!ReadTlv(tlv, 0, &tag, &header, &len)) return {};
  return tlv.substr(header, len);
}

}  // namespace

absl::StatusOr<std::string> PrecertificateTbs(absl::string_view cert_der) {
  // DER OID 1.3.6.1.4.1.11129.2.4.2 (embedded SCT list).
  static constexpr char kSctOid[] = "\x06\x0a\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x02";
  const absl::string_view sct_oid(kSctOid, sizeof(kSctOid) - 1);
  auto bad = [] { return absl::InvalidArgumentError("certificate: malformed DER"); };
  uint8_t tag;
  size_t header, len;
  if (!ReadTlv(cert_der, 0, &tag, &header, &len) || tag != 0x30) return bad();
  absl::string_view cert = cert_der.substr(header, len);
  if (!ReadTlv(cert, 0, &tag, &header, &len) || tag != 0x30) return bad();
  std::vector<absl::string_view> fields;
  if (!Children(cert.substr(header, len), &fields)) return bad();
  std::string tbs;
  bool removed = false;
  for (absl::string_view field : fields) {
    if (static_cast<uint8_t>(field[0]) != 0xa3) {
      tbs.append(field.data(), field.size());
      continue;
    }
    absl::string_view seq = Content(field);
    std::vector<absl::string_view> exts;
    if (seq.empty() || static_cast<uint8_t>(seq[0]) != 0x30 || !Children(Content(seq), &exts)) {
      return bad();
    }
    std::string kept;
    for (absl::string_view ext : exts) {
      if (absl::StartsWith(Content(ext), sct_oid)) {
        removed = true;
        continue;
      }
      kept.append(ext.data(), ext.size());
    }
    if (!kept.empty()) tbs += DerWrap(0xa3, DerWrap(0x30, kept));
  }
  if (!removed) return absl::FailedPreconditionError("certificate has no embedded SCT");
  return DerWrap(0x30, tbs);
}

absl::StatusOr<Certificate> Certificate::FromDer(absl::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("certificate is not DER X.509");
  }
  if (p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    X509_free(x);
    return absl::InvalidArgumentError("certificate has trailing bytes");
  }
  return Certificate(std::shared_ptr<x509_st>(x, OpenSslFree()), std::string(der));
}

absl::StatusOr<Certificate> Certificate::FromPem(absl::string_view pem) {
  VOUCH_ASSIGN_OR_RETURN(std::string der, signer::PemToDer(pem, "CERTIFICATE"));
  return FromDer(der);
}

std::string Certificate::PublicKeyDer() const {
  unsigned char* der = nullptr;
  int len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x509_.get()), &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  return out;
}

absl::StatusOr<std::unique_ptr<signer::Verifier>> Certificate::NewVerifier() const {
  EVP_PKEY* pkey = X509_get_pubkey(x509_.get());  // a new reference, owned by the verifier
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("certificate has no usable public key");
  }
  VOUCH_ASSIGN_OR_RETURN(auto verifier, signer::OpenSslVerifier::FromEvpPkey(pkey));
  return std::unique_ptr<signer::Verifier>(std::move(verifier));
}

absl::Time Certificate::not_before() const { return Asn1ToTime(X509_get0_notBefore(x509_.get())); }
absl::Time Certificate::not_after() const { return Asn1ToTime(X509_get0_notAfter(x509_.get())); }

bool Certificate::IsCa() const { return X509_check_ca(x509_.get()) != 0; }

bool Certificate::HasCodeSigningUsage() const {
  return (X509_get_extension_flags(x509_.get()) & EXFLAG_XKUSAGE) != 0 &&
         (X509_get_extended_key_usage(x509_.get()) & XKU_CODE_SIGN) != 0;
}

bool Certificate::IsSelfSigned() const {
  return X509_check_issued(x509_.get(), x509_.get()) == X509_V_OK;
}

std::vector<std::string> Certificate::SubjectAlternativeNames() const {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x509_.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    switch (gn->type) {
      case GEN_URI:
      case GEN_EMAIL:
      case GEN_DNS:
        out.push_back(Asn1StringBytes(gn->d.ia5));
        break;
      case GEN_OTHERNAME: {
        // Only the two otherName forms that name an identity: Fulcio's username and RFC 9598's
        // SmtpUTF8Mailbox; an otherName of any other type says nothing we could match.
        char oid[64];
        const int n = OBJ_obj2txt(oid, sizeof(oid), gn->d.otherName->type_id, 1);
        const absl::string_view type(oid, n > 0 ? static_cast<size_t>(n) : 0);
        const ASN1_TYPE* v = gn->d.otherName->value;
        if ((type == kOidFulcioUsername || type == kOidSmtpUtf8Mailbox) && v != nullptr &&
            v->type == V_ASN1_UTF8STRING) {
          out.push_back(Asn1StringBytes(v->value.utf8string));
        }
        break;
      }
      default:
        break;
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

absl::StatusOr<std::string> Certificate::ExtensionValue(absl::string_view oid) const {
  char buf[128];
  for (int i = 0; i < X509_get_ext_count(x509_.get()); ++i) {
    X509_EXTENSION* ext = X509_get_ext(x509_.get(), i);
    int n = OBJ_obj2txt(buf, sizeof(buf), X509_EXTENSION_get_object(ext), 1);
    if (n > 0 && absl::string_view(buf, n) == oid) {
      return Asn1StringBytes(X509_EXTENSION_get_data(ext));
    }
  }
  return absl::NotFoundError(absl::StrCat("no extension ", oid));
}

absl::StatusOr<std::string> Certificate::OidcIssuer() const {
  auto v2 = ExtensionValue(kOidFulcioIssuerV2);
  if (v2.ok()) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(v2->data());
    ASN1_UTF8STRING* s = d2i_ASN1_UTF8STRING(nullptr, &p, static_cast<long>(v2->size()));
    if (s == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError("issuer extension 1.3.6.1.4.1.57264.1.8 is not UTF8String");
    }
    std::string out = Asn1StringBytes(s);
    ASN1_UTF8STRING_free(s);
    return out;
  }
  auto v1 = ExtensionValue(kOidFulcioIssuerV1);
  if (v1.ok()) return *v1;
  return absl::NotFoundError("certificate has no OIDC issuer extension");
}

std::vector<std::pair<std::string, std::string>> Certificate::FulcioExtensions() const {
  // github.com/sigstore/fulcio docs/oid-info.md.
  static const char* const kNames[] = {
      nullptr,
      "issuer",                    // .1 (deprecated, raw)
      "githubWorkflowTrigger",     // .2 (deprecated, raw)
      "githubWorkflowSHA",         // .3
      "githubWorkflowName",        // .4
      "githubWorkflowRepository",  // .5
      "githubWorkflowRef",         // .6
      nullptr,                     // .7 is the otherName SAN type, not an extension
      "issuer",                    // .8
      "buildSignerURI",
      "buildSignerDigest",
      "runnerEnvironment",
      "sourceRepositoryURI",
      "sourceRepositoryDigest",
      "sourceRepositoryRef",
      "sourceRepositoryIdentifier",
      "sourceRepositoryOwnerURI",
      "sourceRepositoryOwnerIdentifier",
      "buildConfigURI",
      "buildConfigDigest",
      "buildTrigger",
      "runInvocationURI",
      "sourceRepositoryVisibilityAtSigning",  // .22
  };
  std::vector<std::pair<std::string, std::string>> out;
  const bool have_v2_issuer = ExtensionValue(kOidFulcioIssuerV2).ok();
  for (int i = 1; i < 23; ++i) {
    if (kNames[i] == nullptr) continue;
    if (i == 1 && have_v2_issuer) continue;
    auto raw = ExtensionValue(absl::StrCat("1.3.6.1.4.1.57264.1.", i));
    if (!raw.ok()) continue;
    if (i < 8) {
      out.emplace_back(kNames[i], *raw);
      continue;
    }
    const unsigned char* p = reinterpret_cast<const unsigned char*>(raw->data());
    ASN1_UTF8STRING* s = d2i_ASN1_UTF8STRING(nullptr, &p, static_cast<long>(raw->size()));
    if (s == nullptr) {
      ERR_clear_error();
      continue;
    }
    out.emplace_back(kNames[i], Asn1StringBytes(s));
    ASN1_UTF8STRING_free(s);
  }
  return out;
}

std::string Certificate::SubjectString() const {
  char buf[512];
  X509_NAME_oneline(X509_get_subject_name(x509_.get()), buf, sizeof(buf));
  return buf;
}

absl::StatusOr<Certificate> VerifyChainAt(const Certificate& leaf,
                                          absl::Span<const TrustedChain> authorities,
                                          absl::Time time) {
  std::string last = "no certificate authority in the trusted root";
  for (const TrustedChain& ca : authorities) {
    if (ca.certificates.empty()) continue;
    if (time < ca.valid_from || time > ca.valid_until) {
      last = absl::StrCat("signing time ", absl::FormatTime(time),
                          " is outside the validity window of CA ",
                          ca.certificates.back().SubjectString());
      continue;
    }
    X509StorePtr store(X509_STORE_new());
    X509StackView untrusted(sk_X509_new_null());
    X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    if (!store || !untrusted || !ctx) return absl::ResourceExhaustedError("out of memory");
    // Every certificate the trusted root lists is trust material, so the chain may end at the
    // first one reached (PARTIAL_CHAIN): links inside the trusted root need no re-verification.
    for (const Certificate& c : ca.certificates) X509_STORE_add_cert(store.get(), c.get());
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    if (X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), untrusted.get()) != 1) {
      ERR_clear_error();
      return absl::InternalError("X509_STORE_CTX_init failed");
    }
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), absl::ToTimeT(time));
    if (X509_verify_cert(ctx.get()) == 1) {
      STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx.get());
      X509* issuer = sk_X509_num(chain) >= 2 ? sk_X509_value(chain, 1) : leaf.get();
      for (const Certificate& c : ca.certificates) {
        if (c.get() == issuer) return c;  // the store holds the trusted root's own objects
      }
      X509_up_ref(issuer);
      return Wrap(issuer);
    }
    last = absl::StrCat(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())), " (CA ",
                        ca.certificates.back().SubjectString(), ", at ",
                        absl::FormatTime(time, absl::UTCTimeZone()), ")");
    ERR_clear_error();
  }
  return absl::FailedPreconditionError(last);
}

absl::Status VerifyEmbeddedScts(const Certificate& leaf, const Certificate& issuer,
                                absl::Span<const CtLogKey> logs) {
  SctListPtr scts(static_cast<STACK_OF(SCT)*>(
      X509_get_ext_d2i(leaf.get(), NID_ct_precert_scts, nullptr, nullptr)));
  if (!scts || sk_SCT_num(scts.get()) == 0) {
    ERR_clear_error();
    return absl::FailedPreconditionError("certificate has no embedded SCT");
  }
  VOUCH_ASSIGN_OR_RETURN(const std::string tbs_der, PrecertificateTbs(leaf.der()));
  const std::string issuer_key_hash = signer::Sha256(issuer.PublicKeyDer());

  std::string last = "no SCT is from a CT log in the trusted root";
  for (int i = 0; i < sk_SCT_num(scts.get()); ++i) {
    const SCT* sct = sk_SCT_value(scts.get(), i);
    if (SCT_get_version(sct) != SCT_VERSION_V1) continue;
    unsigned char* id = nullptr;
    size_t id_len = SCT_get0_log_id(sct, &id);
    std::string log_id(reinterpret_cast<char*>(id), id_len);
    const uint64_t ts_ms = SCT_get_timestamp(sct);
    const absl::Time ts = absl::FromUnixMillis(static_cast<int64_t>(ts_ms));
    for (const CtLogKey& log : logs) {
      if (log.log_id != log_id) continue;
      if (ts < log.valid_from || ts > log.valid_until) {
        last = "SCT time is outside the CT log's validity window";
        continue;
      }
      std::shared_ptr<const signer::Verifier> verifier = log.verifier;
      if (verifier == nullptr) {
        auto loaded = signer::OpenSslVerifier::FromDer(log.public_key_der);
        if (!loaded.ok()) {
          last = absl::StrCat("CT log key unusable: ", loaded.status().message());
          continue;
        }
        verifier = std::shared_ptr<const signer::Verifier>(*std::move(loaded));
      }
      unsigned char* ext = nullptr;
      size_t ext_len = SCT_get0_extensions(sct, &ext);
      unsigned char* sig = nullptr;
      size_t sig_len = SCT_get0_signature(sct, &sig);
      std::string signed_data;
      signed_data.push_back(0);  // version v1
      signed_data.push_back(0);  // signature_type certificate_timestamp
      PutUint(&signed_data, ts_ms, 8);
      PutUint(&signed_data, 1, 2);  // entry_type precert_entry
      signed_data += issuer_key_hash;
      PutUint(&signed_data, tbs_der.size(), 3);
      signed_data += tbs_der;
      PutUint(&signed_data, ext_len, 2);
      signed_data.append(reinterpret_cast<char*>(ext), ext_len);
      absl::Status s =
          verifier->Verify(signed_data, absl::string_view(reinterpret_cast<char*>(sig), sig_len));
      if (s.ok()) return absl::OkStatus();
      last = absl::StrCat("SCT signature does not verify: ", s.message());
    }
  }
  return absl::FailedPreconditionError(last);
}

}  // namespace vouch::client
