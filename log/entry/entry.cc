// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/entry.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "formats/dsse.h"
#include "log/entry/canonical_json.h"
#include "log/entry/ed25519ph.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

using json = nlohmann::json;
using signer::HashAlgorithm;
using signer::KeyType;

absl::Status Bad(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string Join(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string At(absl::string_view path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

const char* TypeName(const json& v) { return v.type_name(); }

// ------------------------------------------------------------------------- typed field access

absl::StatusOr<const json*> Field(const json& obj, absl::string_view path, absl::string_view key) {
  const std::string p = Join(path, key);
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return Bad(p, "missing");
  return &*it;
}

absl::StatusOr<const json*> ObjectField(const json& obj, absl::string_view path,
                                        absl::string_view key) {
  VOUCH_ASSIGN_OR_RETURN(const json* v, Field(obj, path, key));
  if (!v->is_object()) {
    return Bad(Join(path, key), absl::StrCat("want an object, got ", TypeName(*v)));
  }
  return v;
}

absl::StatusOr<const json*> ArrayField(const json& obj, absl::string_view path,
                                       absl::string_view key) {
  VOUCH_ASSIGN_OR_RETURN(const json* v, Field(obj, path, key));
  if (!v->is_array()) {
    return Bad(Join(path, key), absl::StrCat("want an array, got ", TypeName(*v)));
  }
  return v;
}

absl::StatusOr<std::string> StringValue(const json& v, absl::string_view p) {
  if (!v.is_string()) return Bad(p, absl::StrCat("want a string, got ", TypeName(v)));
  const std::string& s = v.get_ref<const std::string&>();
  if (s.empty()) return Bad(p, "empty");
  return s;
}

absl::StatusOr<std::string> StringField(const json& obj, absl::string_view path,
                                        absl::string_view key) {
  VOUCH_ASSIGN_OR_RETURN(const json* v, Field(obj, path, key));
  return StringValue(*v, Join(path, key));
}

// ------------------------------------------------------------------------- encodings

int B64Value(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

// Padded base64 (RFC 4648 section 4, or section 5 if |url|), as Go's base64.StdEncoding decodes
// it: '\r' and '\n' are skipped, anything else outside the alphabet is an error.
bool B64Decode(absl::string_view in, bool url, std::string* out) {
  std::string s;
  s.reserve(in.size());
  for (char c : in) {
    if (c != '\r' && c != '\n') s.push_back(c);
  }
  if (s.size() % 4 != 0) return false;
  out->clear();
  out->reserve(s.size() / 4 * 3);
  for (size_t i = 0; i < s.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = s[i + k];
      if (c == '=') {
        if (i + 4 != s.size() || k < 2) return false;
        ++pad;
        v[k] = 0;
      } else {
        if (pad > 0) return false;
        v[k] = B64Value(c, url);
        if (v[k] < 0) return false;
      }
    }
    const uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out->push_back(static_cast<char>(n >> 16));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(n & 0xFF));
  }
  return true;
}

absl::StatusOr<std::string> Base64Field(const json& obj, absl::string_view path,
                                        absl::string_view key, size_t max_len) {
  VOUCH_ASSIGN_OR_RETURN(std::string text, StringField(obj, path, key));
  const std::string p = Join(path, key);
  if (text.size() > max_len) {
    return Bad(p, absl::StrFormat("too large: %d bytes, limit %d", text.size(), max_len));
  }
  std::string raw;
  if (!B64Decode(text, /*url=*/false, &raw)) return Bad(p, "bad base64");
  if (raw.empty()) return Bad(p, "empty");
  return raw;
}

std::string B64(absl::string_view raw) { return absl::Base64Escape(raw); }

std::string Hex(absl::string_view raw) { return absl::BytesToHexString(raw); }

std::string Sha256Hex(absl::string_view data) { return Hex(signer::Sha256(data)); }

// ------------------------------------------------------------------------- keys

struct ParsedKey {
  std::shared_ptr<const signer::Verifier> verifier;
  std::string canonical_pem;  // what Rekor stores: the key or certificate re-encoded as PEM
  std::string spki_sha256;    // "sha256:<hex>" of the DER SubjectPublicKeyInfo
  std::vector<std::string> identities;
};

// Go's pem.EncodeToMemory: 64-column base64 lines, trailing newline.
std::string PemEncode(absl::string_view type, absl::string_view der) {
  const std::string b64 = B64(der);
  std::string out = absl::StrCat("-----BEGIN ", type, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, absl::string_view(b64).substr(i, 64), "\n");
  }
  absl::StrAppend(&out, "-----END ", type, "-----\n");
  return out;
}

// E-mail (lower-cased; rfc822Name and RFC 9598 SmtpUTF8Mailbox otherName) and URI names of a DER
// GeneralNames (the subjectAltName extension value).
bool SubjectAltNames(absl::string_view der, std::vector<std::string>* out) {
  const unsigned char* q = reinterpret_cast<const unsigned char*>(der.data());
  GENERAL_NAMES* names = d2i_GENERAL_NAMES(nullptr, &q, static_cast<long>(der.size()));
  if (names == nullptr || q != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    GENERAL_NAMES_free(names);
    ERR_clear_error();
    return false;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_OTHERNAME &&
        OBJ_obj2nid(n->d.otherName->type_id) == NID_id_on_SmtpUTF8Mailbox &&
        n->d.otherName->value != nullptr && n->d.otherName->value->type == V_ASN1_UTF8STRING) {
      const ASN1_UTF8STRING* str = n->d.otherName->value->value.utf8string;
      std::string v(reinterpret_cast<const char*>(ASN1_STRING_get0_data(str)),
                    static_cast<size_t>(ASN1_STRING_length(str)));
      if (!v.empty()) out->push_back(absl::AsciiStrToLower(v));
      continue;
    }
    if (n->type != GEN_EMAIL && n->type != GEN_URI) continue;
    const ASN1_IA5STRING* str =
        n->type == GEN_EMAIL ? n->d.rfc822Name : n->d.uniformResourceIdentifier;
    std::string v(reinterpret_cast<const char*>(ASN1_STRING_get0_data(str)),
                  static_cast<size_t>(ASN1_STRING_length(str)));
    if (v.empty()) continue;
    if (n->type == GEN_EMAIL) v = absl::AsciiStrToLower(v);
    out->push_back(std::move(v));
  }
  GENERAL_NAMES_free(names);
  return true;
}

// One DER element read from the front of |*in|.
struct Der {
  int tag = 0;
  int cls = 0;
  bool constructed = false;
  absl::string_view content;  // the value
  absl::string_view whole;    // tag, length and value
};

bool NextDer(absl::string_view* in, Der* out) {
  if (in->empty()) return false;
  const unsigned char* start = reinterpret_cast<const unsigned char*>(in->data());
  const unsigned char* q = start;
  long len = 0;
  const int r = ASN1_get_object(&q, &len, &out->tag, &out->cls, static_cast<long>(in->size()));
  if ((r & 0x80) != 0 || r == 0x21) {  // Error, or indefinite length (not DER).
    ERR_clear_error();
    return false;
  }
  const size_t header = static_cast<size_t>(q - start);
  if (len < 0 || header + static_cast<size_t>(len) > in->size()) return false;
  out->constructed = (r & V_ASN1_CONSTRUCTED) != 0;
  out->content = in->substr(header, static_cast<size_t>(len));
  out->whole = in->substr(0, header + static_cast<size_t>(len));
  in->remove_prefix(out->whole.size());
  return true;
}

bool IsSeq(const Der& d) {
  return d.cls == V_ASN1_UNIVERSAL && d.tag == V_ASN1_SEQUENCE && d.constructed;
}

bool IsContext(const Der& d, int tag) {
  return d.cls == V_ASN1_CONTEXT_SPECIFIC && d.tag == tag && d.constructed;
}

// Walks an X.509 certificate's DER structure (RFC 5280 4.1) and returns its
// SubjectPublicKeyInfo and its subject alternative names. Far cheaper than d2i_X509 on OpenSSL
// 3.0 (which decodes the public key through the slow decoder framework); the key is parsed
// separately. Field contents other than the key and the SANs are not interpreted.
bool WalkCertificate(absl::string_view der, absl::string_view* spki,
                     std::vector<std::string>* identities) {
  Der cert, tbs, alg, sig, e;
  absl::string_view in = der;
  if (!NextDer(&in, &cert) || !IsSeq(cert) || !in.empty()) return false;
  absl::string_view c = cert.content;
  if (!NextDer(&c, &tbs) || !IsSeq(tbs) || !NextDer(&c, &alg) || !IsSeq(alg) ||
      !NextDer(&c, &sig) || sig.cls != V_ASN1_UNIVERSAL || sig.tag != V_ASN1_BIT_STRING ||
      !c.empty()) {
    return false;
  }
  absl::string_view t = tbs.content;
  if (!NextDer(&t, &e)) return false;
  if (IsContext(e, 0) && !NextDer(&t, &e)) return false;                   // version
  if (e.cls != V_ASN1_UNIVERSAL || e.tag != V_ASN1_INTEGER) return false;  // serialNumber
  for (int i = 0; i < 5; ++i) {  // signature, issuer, validity, subject, subjectPublicKeyInfo
    if (!NextDer(&t, &e) || !IsSeq(e)) return false;
  }
  *spki = e.whole;
  bool have_san = false;
  while (!t.empty()) {
    if (!NextDer(&t, &e) || e.cls != V_ASN1_CONTEXT_SPECIFIC) return false;
    if (e.tag != 3) continue;  // issuerUniqueID, subjectUniqueID
    absl::string_view x = e.content;
    Der exts;
    if (!NextDer(&x, &exts) || !IsSeq(exts) || !x.empty()) return false;
    absl::string_view list = exts.content;
    while (!list.empty()) {
      Der ext, oid, f;
      if (!NextDer(&list, &ext) || !IsSeq(ext)) return false;
      absl::string_view fields = ext.content;
      if (!NextDer(&fields, &oid) || oid.tag != V_ASN1_OBJECT || !NextDer(&fields, &f)) {
        return false;
      }
      if (f.cls == V_ASN1_UNIVERSAL && f.tag == V_ASN1_BOOLEAN && !NextDer(&fields, &f)) {
        return false;
      }
      if (f.cls != V_ASN1_UNIVERSAL || f.tag != V_ASN1_OCTET_STRING || !fields.empty()) {
        return false;
      }
      if (oid.content == absl::string_view("\x55\x1d\x11", 3)) {  // 2.5.29.17 subjectAltName
        if (have_san) return false;  // RFC 5280: an extension appears at most once.
        have_san = true;
        if (!SubjectAltNames(f.content, identities)) return false;
      }
    }
  }
  return true;
}

// The DER prefixes of the SubjectPublicKeyInfo encodings most entries carry: named-curve ECDSA
// keys with uncompressed points, and Ed25519. On OpenSSL 3.0, d2i_PUBKEY costs several ECDSA
// verifications; these are turned into keys directly.
struct FastSpki {
  absl::string_view prefix;
  size_t key_len;
  signer::KeyType type;
};
constexpr FastSpki kFastSpkis[] = {
    {absl::string_view("\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48"
                       "\xce\x3d\x03\x01\x07\x03\x42\x00",
                       26),
     65, signer::KeyType::kEcdsaP256},
    {absl::string_view("\x30\x76\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81\x04"
                       "\x00\x22\x03\x62\x00",
                       23),
     97, signer::KeyType::kEcdsaP384},
    {absl::string_view("\x30\x81\x9b\x30\x10\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x05\x2b\x81"
                       "\x04\x00\x23\x03\x81\x86\x00",
                       25),
     133, signer::KeyType::kEcdsaP521},
    {absl::string_view("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12), 32,
     signer::KeyType::kEd25519},
};

// A verifier for DER SubjectPublicKeyInfo |spki|; |*canonical_spki| receives its canonical DER
// (the input itself on the fast path, OpenSSL's re-encoding otherwise).
absl::StatusOr<std::unique_ptr<signer::OpenSslVerifier>> VerifierForSpki(
    absl::string_view spki, std::string* canonical_spki) {
  for (const FastSpki& f : kFastSpkis) {
    if (spki.size() != f.prefix.size() + f.key_len || spki.substr(0, f.prefix.size()) != f.prefix) {
      continue;
    }
    const absl::string_view key = spki.substr(f.prefix.size());
    absl::StatusOr<std::unique_ptr<signer::OpenSslVerifier>> v;
    if (f.type == signer::KeyType::kEd25519) {
      EVP_PKEY* pkey = EVP_PKEY_new_raw_public_key(
          EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key.data()),
          key.size());
      ERR_clear_error();
      if (pkey == nullptr) break;  // Let the generic decoder name the problem.
      v = signer::OpenSslVerifier::FromEvpPkey(pkey);
    } else {
      if (key[0] != 0x04) break;  // Compressed points: the generic decoder.
      // Straight to an EC_KEY (validated on the curve).
      v = signer::OpenSslVerifier::FromEcPoint(f.type, key);
    }
    if (v.ok()) *canonical_spki = std::string(spki);
    return v;
  }
  absl::StatusOr<std::unique_ptr<signer::OpenSslVerifier>> v =
      signer::OpenSslVerifier::FromDer(spki);
  if (v.ok()) *canonical_spki = (*v)->PublicKeyDer();
  return v;
}

// |pem| is one PEM "PUBLIC KEY" or "CERTIFICATE" block (whitespace around it is allowed).
// |hashedrekord|: Ed25519 keys verify Ed25519ph digests (as Rekor's hashedrekord does) instead
// of pure Ed25519 messages.
absl::StatusOr<ParsedKey> ParseKey(absl::string_view pem, absl::string_view p, bool hashedrekord) {
  if (pem.size() > kMaxKeyBytes) {
    return Bad(p, absl::StrFormat("too large: %d bytes, limit %d", pem.size(), kMaxKeyBytes));
  }
  // Only whitespace may surround the block (Go's pem.Decode would skip any text before it).
  const size_t begin = pem.find("-----BEGIN ");
  if (begin == absl::string_view::npos) return Bad(p, "garbage PEM: no PEM block found");
  for (char c : pem.substr(0, begin)) {
    if (!absl::ascii_isspace(static_cast<unsigned char>(c))) {
      return Bad(p, "garbage PEM: text before the PEM block");
    }
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (bio == nullptr || PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
    ERR_clear_error();
    return Bad(p, "garbage PEM: no PEM block found");
  }
  const std::string type = name;
  const std::string der(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  // Anything after the block other than whitespace (a second block: a chain) is refused.
  char rest[256];
  int n;
  while ((n = BIO_read(bio.get(), rest, sizeof(rest))) > 0) {
    for (int i = 0; i < n; ++i) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(rest[i]))) {
        return Bad(p,
                   "unsupported key: more than one PEM block (certificate chains are not "
                   "accepted; send the signing certificate alone)");
      }
    }
  }
  ERR_clear_error();

  ParsedKey out;
  absl::StatusOr<std::unique_ptr<signer::OpenSslVerifier>> v;
  std::string spki;
  if (type == "PUBLIC KEY") {
    v = VerifierForSpki(der, &spki);
  } else if (type == "CERTIFICATE") {
    absl::string_view cert_spki;
    if (!WalkCertificate(der, &cert_spki, &out.identities)) {
      return Bad(p, "garbage PEM: malformed X.509 certificate");
    }
    v = VerifierForSpki(cert_spki, &spki);
  } else {
    return Bad(p, absl::StrFormat("unsupported key: PEM block \"%s\" (want PUBLIC KEY or "
                                  "CERTIFICATE)",
                                  absl::CHexEscape(type.substr(0, 64))));
  }
  ERR_clear_error();
  if (!v.ok()) {
    absl::string_view msg = v.status().message();
    if (absl::StartsWith(msg, "unsupported key")) return Bad(p, msg);
    return Bad(p, absl::StrCat("garbage PEM: ", msg));
  }
  const KeyType kt = (*v)->key_type();
  if (kt == KeyType::kRsaPss) {
    return Bad(p, "unsupported key: RSA-PSS (want RSA PKCS#1 v1.5, ECDSA or Ed25519)");
  }
  if (kt == KeyType::kEd25519 && hashedrekord) {
    absl::StatusOr<std::unique_ptr<Ed25519Verifier>> ph = Ed25519Verifier::FromDer(spki);
    if (!ph.ok()) return Bad(p, absl::StrCat("garbage PEM: ", ph.status().message()));
    out.verifier = std::shared_ptr<const signer::Verifier>(std::move(*ph));
  } else {
    out.verifier = std::shared_ptr<const signer::Verifier>(std::move(*v));
  }
  out.spki_sha256 = absl::StrCat("sha256:", Sha256Hex(spki));
  out.canonical_pem =
      type == "PUBLIC KEY" ? PemEncode("PUBLIC KEY", spki) : PemEncode("CERTIFICATE", der);
  return out;
}

// ------------------------------------------------------------------------- index keys

class KeySet {
 public:
  void Add(std::vector<std::string>* list, std::string key) {
    if (seen_.insert(key).second) list->push_back(std::move(key));
  }

 private:
  absl::flat_hash_set<std::string> seen_;
};

void AddKey(IndexKeys* keys, KeySet* seen, const ParsedKey& k) {
  seen->Add(&keys->public_key_hashes, k.spki_sha256);
  for (const std::string& id : k.identities) seen->Add(&keys->identities, id);
}

// Subject digests (and SLSA provenance material digests) of an in-toto statement payload.
// Best effort, as Rekor: a payload that is not a statement adds nothing.
void AddInTotoDigests(absl::string_view payload, IndexKeys* keys, KeySet* seen) {
  absl::StatusOr<json> st = ParseJson(payload);
  if (!st.ok() || !st->is_object()) return;
  const auto add_digests = [&](const json& list) {
    if (!list.is_array()) return;
    for (const json& item : list) {
      if (!item.is_object()) continue;
      auto d = item.find("digest");
      if (d == item.end() || !d->is_object()) continue;
      for (auto it = d->begin(); it != d->end(); ++it) {
        if (!it.value().is_string()) continue;
        if (keys->artifact_hashes.size() >= kMaxArtifactIndexKeys) return;
        seen->Add(&keys->artifact_hashes,
                  absl::AsciiStrToLower(
                      absl::StrCat(it.key(), ":", it.value().get_ref<const std::string&>())));
      }
    }
  };
  if (auto s = st->find("subject"); s != st->end()) add_digests(*s);
  if (auto pr = st->find("predicate"); pr != st->end() && pr->is_object()) {
    if (auto m = pr->find("materials"); m != pr->end()) add_digests(*m);
  }
}

// ------------------------------------------------------------------------- shared pieces

absl::StatusOr<std::string> Finish(const json& body) {
  absl::StatusOr<std::string> s = Canonicalize(body);
  if (!s.ok()) return absl::InternalError(absl::StrCat("canonicalize: ", s.status().message()));
  return s;
}

// A signature named in a message: its first base64 characters.
std::string SigRef(absl::string_view sig_text) {
  return absl::StrCat(sig_text.substr(0, 16), sig_text.size() > 16 ? "..." : "");
}

// A check of DSSE signature |sig| over |pae| by |key|, as Rekor does it: ECDSA and RSA over
// SHA-256(PAE) whatever the curve, Ed25519 over the PAE itself.
SignatureCheck DsseCheck(const ParsedKey& key, const std::shared_ptr<const std::string>& pae,
                         const std::shared_ptr<const std::string>& pae_sha256, std::string sig,
                         std::string failure) {
  SignatureCheck c;
  c.verifier = key.verifier;
  c.prehashed = key.verifier->key_type() != KeyType::kEd25519;
  c.hash = HashAlgorithm::kSha256;
  c.data = c.prehashed ? pae_sha256 : pae;
  c.signature = std::move(sig);
  c.failure = std::move(failure);
  return c;
}

absl::Status RunCheck(const SignatureCheck& c) {
  if (c.verifier == nullptr || c.data == nullptr) {
    return absl::InternalError("signature check not initialized");
  }
  absl::Status s = c.prehashed ? c.verifier->VerifyDigest(c.hash, *c.data, c.signature)
                               : c.verifier->Verify(*c.data, c.signature);
  if (s.ok()) return s;
  if (s.code() == absl::StatusCode::kPermissionDenied ||
      s.code() == absl::StatusCode::kInvalidArgument ||
      s.code() == absl::StatusCode::kUnimplemented) {
    return absl::InvalidArgumentError(c.failure);
  }
  return s;
}

// ------------------------------------------------------------------------- hashedrekord 0.0.1

absl::StatusOr<PreparedEntry> PrepareHashedRekord(const json& spec) {
  VOUCH_ASSIGN_OR_RETURN(const json* sig, ObjectField(spec, "spec", "signature"));
  VOUCH_ASSIGN_OR_RETURN(std::string sig_raw,
                         Base64Field(*sig, "spec.signature", "content", kMaxSignatureBytes));
  VOUCH_ASSIGN_OR_RETURN(const json* pk, ObjectField(*sig, "spec.signature", "publicKey"));
  VOUCH_ASSIGN_OR_RETURN(std::string pem, Base64Field(*pk, "spec.signature.publicKey", "content",
                                                      kMaxKeyBytes * 4 / 3 + 4));
  VOUCH_ASSIGN_OR_RETURN(const json* data, ObjectField(spec, "spec", "data"));
  VOUCH_ASSIGN_OR_RETURN(const json* hash, ObjectField(*data, "spec.data", "hash"));
  VOUCH_ASSIGN_OR_RETURN(std::string alg, StringField(*hash, "spec.data.hash", "algorithm"));
  VOUCH_ASSIGN_OR_RETURN(std::string value, StringField(*hash, "spec.data.hash", "value"));

  HashAlgorithm ha;
  if (alg == "sha256") {
    ha = HashAlgorithm::kSha256;
  } else if (alg == "sha384") {
    ha = HashAlgorithm::kSha384;
  } else if (alg == "sha512") {
    ha = HashAlgorithm::kSha512;
  } else {
    return Bad("spec.data.hash.algorithm",
               absl::StrFormat("unsupported hash algorithm \"%s\" (want sha256, sha384 or sha512)",
                               absl::CHexEscape(alg.substr(0, 64))));
  }
  const size_t want = signer::DigestSize(ha);
  if (value.size() > 2 * 512) {
    return Bad("spec.data.hash.value",
               absl::StrFormat("wrong digest length %d hex digits for %s, want %d", value.size(),
                               alg, 2 * want));
  }
  for (char c : value) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return Bad("spec.data.hash.value", "not hex");
    }
  }
  if (value.size() % 2 != 0) {
    return Bad("spec.data.hash.value",
               absl::StrFormat("odd number of hex digits (%d)", value.size()));
  }
  if (value.size() / 2 != want) {
    return Bad("spec.data.hash.value", absl::StrFormat("wrong digest length %d for %s, want %d",
                                                       value.size() / 2, alg, want));
  }
  value = absl::AsciiStrToLower(value);
  VOUCH_ASSIGN_OR_RETURN(ParsedKey key,
                         ParseKey(pem, "spec.signature.publicKey.content", /*hashedrekord=*/true));
  if (key.verifier->key_type() == KeyType::kEd25519 && ha != HashAlgorithm::kSha512) {
    return Bad("spec.data.hash.algorithm",
               absl::StrFormat("Ed25519 keys sign sha512 digests (Ed25519ph), got %s", alg));
  }

  json body = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"data", {{"hash", {{"algorithm", alg}, {"value", value}}}}},
        {"signature",
         {{"content", B64(sig_raw)}, {"publicKey", {{"content", B64(key.canonical_pem)}}}}}}}};

  PreparedEntry out;
  out.entry.kind = EntryKind::kHashedRekord;
  out.entry.api_version = "0.0.1";
  VOUCH_ASSIGN_OR_RETURN(out.entry.body, Finish(body));
  KeySet seen;
  seen.Add(&out.entry.keys.artifact_hashes, absl::StrCat(alg, ":", value));
  AddKey(&out.entry.keys, &seen, key);

  SignatureCheck c;
  c.verifier = key.verifier;
  c.prehashed = true;
  c.hash = ha;
  c.data = std::make_shared<const std::string>(absl::HexStringToBytes(value));
  c.signature = std::move(sig_raw);
  c.failure = "spec.signature.content: signature does not verify against the public key";
  out.checks.push_back(std::move(c));
  return out;
}

// ------------------------------------------------------------------------- DSSE envelopes

struct EnvelopeSig {
  std::string keyid;
  std::string sig_text;  // as in the envelope (standard base64)
  std::string sig_raw;
};

struct Envelope {
  std::string payload_type;
  std::string payload;  // decoded
  std::vector<EnvelopeSig> sigs;
};

// A DSSE envelope object at |p|: payloadType, payload (base64, standard or URL alphabet, as
// go-securesystemslib accepts) and signatures [{keyid?, sig}] (standard base64).
absl::StatusOr<Envelope> ParseEnvelope(const json& env, absl::string_view p) {
  Envelope out;
  VOUCH_ASSIGN_OR_RETURN(out.payload_type, StringField(env, p, "payloadType"));
  VOUCH_ASSIGN_OR_RETURN(std::string payload_text, StringField(env, p, "payload"));
  if (!B64Decode(payload_text, false, &out.payload) &&
      !B64Decode(payload_text, true, &out.payload)) {
    return Bad(Join(p, "payload"), "bad base64");
  }
  if (out.payload.empty()) return Bad(Join(p, "payload"), "empty");
  VOUCH_ASSIGN_OR_RETURN(const json* sigs, ArrayField(env, p, "signatures"));
  const std::string sp = Join(p, "signatures");
  if (sigs->empty()) return Bad(sp, "DSSE envelope has no signatures");
  if (sigs->size() > kMaxSignatures) {
    return Bad(sp, absl::StrFormat("%d signatures, limit %d", sigs->size(), kMaxSignatures));
  }
  for (size_t i = 0; i < sigs->size(); ++i) {
    const json& s = (*sigs)[i];
    const std::string ip = At(sp, i);
    if (!s.is_object()) return Bad(ip, absl::StrCat("want an object, got ", TypeName(s)));
    EnvelopeSig es;
    if (auto k = s.find("keyid"); k != s.end() && !k->is_null()) {
      if (!k->is_string()) return Bad(Join(ip, "keyid"), "want a string");
      es.keyid = k->get<std::string>();
    }
    VOUCH_ASSIGN_OR_RETURN(es.sig_raw, Base64Field(s, ip, "sig", kMaxSignatureBytes));
    es.sig_text = s["sig"].get<std::string>();
    out.sigs.push_back(std::move(es));
  }
  return out;
}

// ------------------------------------------------------------------------- dsse 0.0.1

absl::StatusOr<PreparedEntry> PrepareDsse(const json& spec) {
  for (const char* server_side : {"envelopeHash", "payloadHash", "signatures"}) {
    if (spec.contains(server_side)) {
      return Bad(Join("spec", server_side), "computed by the log; send only spec.proposedContent");
    }
  }
  VOUCH_ASSIGN_OR_RETURN(const json* pc, ObjectField(spec, "spec", "proposedContent"));
  constexpr absl::string_view kPc = "spec.proposedContent";
  VOUCH_ASSIGN_OR_RETURN(std::string env_text, StringField(*pc, kPc, "envelope"));
  const std::string ep = "spec.proposedContent.envelope";
  if (env_text.size() > kMaxEnvelopeBytes) {
    return Bad(
        ep, absl::StrFormat("too large: %d bytes, limit %d", env_text.size(), kMaxEnvelopeBytes));
  }
  absl::StatusOr<json> env_json = ParseJson(env_text);
  if (!env_json.ok()) return Bad(ep, env_json.status().message());
  if (!env_json->is_object()) {
    return Bad(ep, absl::StrCat("want a JSON object, got ", TypeName(*env_json)));
  }
  VOUCH_ASSIGN_OR_RETURN(Envelope env, ParseEnvelope(*env_json, ep));

  VOUCH_ASSIGN_OR_RETURN(const json* vs, ArrayField(*pc, kPc, "verifiers"));
  const std::string vp = "spec.proposedContent.verifiers";
  if (vs->empty()) return Bad(vp, "no verifiers");
  if (vs->size() > kMaxVerifiers) {
    return Bad(vp, absl::StrFormat("%d verifiers, limit %d", vs->size(), kMaxVerifiers));
  }
  std::vector<ParsedKey> keys;
  for (size_t i = 0; i < vs->size(); ++i) {
    const std::string ip = At(vp, i);
    VOUCH_ASSIGN_OR_RETURN(std::string b64, StringValue((*vs)[i], ip));
    if (b64.size() > kMaxKeyBytes * 4 / 3 + 4) return Bad(ip, "too large");
    std::string pem;
    if (!B64Decode(b64, false, &pem)) return Bad(ip, "bad base64");
    VOUCH_ASSIGN_OR_RETURN(ParsedKey k, ParseKey(pem, ip, /*hashedrekord=*/false));
    keys.push_back(std::move(k));
  }

  // Identical signatures count once (Rekor keys them by their text); stored sorted.
  std::sort(env.sigs.begin(), env.sigs.end(),
            [](const EnvelopeSig& a, const EnvelopeSig& b) { return a.sig_text < b.sig_text; });
  env.sigs.erase(std::unique(env.sigs.begin(), env.sigs.end(),
                             [](const EnvelopeSig& a, const EnvelopeSig& b) {
                               return a.sig_text == b.sig_text;
                             }),
                 env.sigs.end());

  auto pae = std::make_shared<const std::string>(formats::DssePae(env.payload_type, env.payload));
  auto pae_sha256 = std::make_shared<const std::string>(signer::Sha256(*pae));
  PreparedEntry out;
  // Which verifier signed which signature. With one verifier it signed all of them (VerifyEntry
  // checks); with several, the match is found here by trial verification.
  std::vector<size_t> signer_of(env.sigs.size(), 0);
  if (keys.size() > 1) {
    std::vector<bool> used(keys.size(), false);
    for (size_t s = 0; s < env.sigs.size(); ++s) {
      bool found = false;
      for (size_t k = 0; k < keys.size() && !found; ++k) {
        SignatureCheck c = DsseCheck(keys[k], pae, pae_sha256, env.sigs[s].sig_raw, "");
        absl::Status st = RunCheck(c);
        if (st.ok()) {
          signer_of[s] = k;
          used[k] = true;
          found = true;
        } else if (st.code() != absl::StatusCode::kInvalidArgument) {
          return st;
        }
      }
      if (!found) {
        return Bad(ep, absl::StrFormat("signature %s does not verify against any of "
                                       "spec.proposedContent.verifiers",
                                       SigRef(env.sigs[s].sig_text)));
      }
    }
    for (size_t k = 0; k < keys.size(); ++k) {
      if (!used[k]) return Bad(At(vp, k), "verifies no signature of the envelope");
    }
  }

  json sigs = json::array();
  KeySet seen;
  IndexKeys& ik = out.entry.keys;
  const std::string payload_hash = Sha256Hex(env.payload);
  const std::string envelope_hash = Sha256Hex(env_text);
  seen.Add(&ik.artifact_hashes, absl::StrCat("sha256:", payload_hash));
  seen.Add(&ik.artifact_hashes, absl::StrCat("sha256:", envelope_hash));
  for (size_t s = 0; s < env.sigs.size(); ++s) {
    const ParsedKey& key = keys[signer_of[s]];
    sigs.push_back({{"signature", env.sigs[s].sig_text}, {"verifier", B64(key.canonical_pem)}});
    AddKey(&ik, &seen, key);
    out.checks.push_back(
        DsseCheck(key, pae, pae_sha256, env.sigs[s].sig_raw,
                  keys.size() == 1
                      ? absl::StrCat(ep, ": signature ", SigRef(env.sigs[s].sig_text),
                                     " does not verify against spec.proposedContent.verifiers[0]")
                      : absl::StrCat(ep, ": signature does not verify against the public key")));
  }
  if (env.payload_type == formats::kInTotoPayloadType) AddInTotoDigests(env.payload, &ik, &seen);

  json body = {{"apiVersion", "0.0.1"},
               {"kind", "dsse"},
               {"spec",
                {{"envelopeHash", {{"algorithm", "sha256"}, {"value", envelope_hash}}},
                 {"payloadHash", {{"algorithm", "sha256"}, {"value", payload_hash}}},
                 {"signatures", sigs}}}};
  out.entry.kind = EntryKind::kDsse;
  out.entry.api_version = "0.0.1";
  VOUCH_ASSIGN_OR_RETURN(out.entry.body, Finish(body));
  return out;
}

// ------------------------------------------------------------------------- intoto 0.0.2

absl::StatusOr<PreparedEntry> PrepareIntoto(const json& spec) {
  VOUCH_ASSIGN_OR_RETURN(const json* content, ObjectField(spec, "spec", "content"));
  constexpr absl::string_view kC = "spec.content";
  VOUCH_ASSIGN_OR_RETURN(const json* envj, ObjectField(*content, kC, "envelope"));
  const std::string ep = "spec.content.envelope";

  // Rekor's intoto 0.0.2 model holds the envelope's payload and each sig as "format: byte":
  // base64 of the envelope's own base64 text.
  VOUCH_ASSIGN_OR_RETURN(std::string payload_type, StringField(*envj, ep, "payloadType"));
  VOUCH_ASSIGN_OR_RETURN(std::string payload_b64,
                         Base64Field(*envj, ep, "payload", kMaxEnvelopeBytes * 2));
  std::string payload;
  if (!B64Decode(payload_b64, false, &payload)) {
    return Bad(Join(ep, "payload"), "bad base64 (inner: the envelope's payload text)");
  }
  if (payload.empty()) return Bad(Join(ep, "payload"), "empty");
  if (payload.size() > kMaxEnvelopeBytes) {
    return Bad(Join(ep, "payload"),
               absl::StrFormat("too large: %d bytes, limit %d", payload.size(), kMaxEnvelopeBytes));
  }

  VOUCH_ASSIGN_OR_RETURN(const json* sigs, ArrayField(*envj, ep, "signatures"));
  const std::string sp = Join(ep, "signatures");
  if (sigs->empty()) return Bad(sp, "DSSE envelope has no signatures");
  if (sigs->size() > kMaxSignatures) {
    return Bad(sp, absl::StrFormat("%d signatures, limit %d", sigs->size(), kMaxSignatures));
  }

  VOUCH_ASSIGN_OR_RETURN(const json* hash, ObjectField(*content, kC, "hash"));
  VOUCH_ASSIGN_OR_RETURN(std::string halg, StringField(*hash, "spec.content.hash", "algorithm"));
  if (halg != "sha256") {
    return Bad("spec.content.hash.algorithm",
               absl::StrFormat("unsupported hash algorithm \"%s\" (want sha256)",
                               absl::CHexEscape(halg.substr(0, 64))));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string hval, StringField(*hash, "spec.content.hash", "value"));
  for (char c : hval) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return Bad("spec.content.hash.value", "not hex");
    }
  }
  if (hval.size() != 64) {
    return Bad(
        "spec.content.hash.value",
        absl::StrFormat("wrong digest length %d hex digits for sha256, want 64", hval.size()));
  }
  hval = absl::AsciiStrToLower(hval);

  auto pae = std::make_shared<const std::string>(formats::DssePae(payload_type, payload));
  auto pae_sha256 = std::make_shared<const std::string>(signer::Sha256(*pae));
  PreparedEntry out;
  IndexKeys& ik = out.entry.keys;
  KeySet seen;
  const std::string payload_hash = Sha256Hex(payload);
  seen.Add(&ik.artifact_hashes, absl::StrCat("sha256:", payload_hash));
  json stored_sigs = json::array();
  for (size_t i = 0; i < sigs->size(); ++i) {
    const json& s = (*sigs)[i];
    const std::string ip = At(sp, i);
    if (!s.is_object()) return Bad(ip, absl::StrCat("want an object, got ", TypeName(s)));
    std::string keyid;
    if (auto k = s.find("keyid"); k != s.end() && !k->is_null()) {
      if (!k->is_string()) return Bad(Join(ip, "keyid"), "want a string");
      keyid = k->get<std::string>();
    }
    VOUCH_ASSIGN_OR_RETURN(std::string sig_text, Base64Field(s, ip, "sig", kMaxSignatureBytes * 2));
    std::string sig_raw;
    if (!B64Decode(sig_text, false, &sig_raw) || sig_raw.empty()) {
      return Bad(Join(ip, "sig"), "bad base64 (inner: the envelope's signature text)");
    }
    VOUCH_ASSIGN_OR_RETURN(std::string pem,
                           Base64Field(s, ip, "publicKey", kMaxKeyBytes * 4 / 3 + 4));
    VOUCH_ASSIGN_OR_RETURN(ParsedKey key,
                           ParseKey(pem, Join(ip, "publicKey"), /*hashedrekord=*/false));
    // Rekor stores intoto public keys as the client sent them (not re-encoded; the PEM was
    // checked above to be exactly one block with only whitespace around it).
    json stored = {{"sig", B64(sig_text)}, {"publicKey", B64(pem)}};
    if (!keyid.empty()) stored["keyid"] = keyid;
    stored_sigs.push_back(std::move(stored));
    AddKey(&ik, &seen, key);
    out.checks.push_back(
        DsseCheck(key, pae, pae_sha256, std::move(sig_raw),
                  absl::StrCat(Join(ip, "sig"), ": signature does not verify against ",
                               Join(ip, "publicKey"))));
  }
  if (payload_type == formats::kInTotoPayloadType) AddInTotoDigests(payload, &ik, &seen);

  json body = {{"apiVersion", "0.0.2"},
               {"kind", "intoto"},
               {"spec",
                {{"content",
                  {{"envelope", {{"payloadType", payload_type}, {"signatures", stored_sigs}}},
                   {"hash", {{"algorithm", "sha256"}, {"value", hval}}},
                   {"payloadHash", {{"algorithm", "sha256"}, {"value", payload_hash}}}}}}}};
  out.entry.kind = EntryKind::kIntoto;
  out.entry.api_version = "0.0.2";
  VOUCH_ASSIGN_OR_RETURN(out.entry.body, Finish(body));
  return out;
}

absl::StatusOr<PreparedEntry> PrepareParsed(const json& root) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry: want a JSON object, got ", TypeName(root)));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string kind, StringField(root, "", "kind"));
  VOUCH_ASSIGN_OR_RETURN(std::string version, StringField(root, "", "apiVersion"));
  const char* want;
  if (kind == "hashedrekord" || kind == "dsse") {
    want = "0.0.1";
  } else if (kind == "intoto") {
    want = "0.0.2";
  } else {
    return Bad("kind", absl::StrFormat("unknown kind \"%s\" (want hashedrekord, dsse or intoto)",
                                       absl::CHexEscape(kind.substr(0, 64))));
  }
  if (version != want) {
    return Bad("apiVersion", absl::StrFormat("unsupported version \"%s\" for %s (want %s)",
                                             absl::CHexEscape(version.substr(0, 64)), kind, want));
  }
  VOUCH_ASSIGN_OR_RETURN(const json* spec, ObjectField(root, "", "spec"));
  if (kind == "hashedrekord") return PrepareHashedRekord(*spec);
  if (kind == "dsse") return PrepareDsse(*spec);
  return PrepareIntoto(*spec);
}

}  // namespace

const char* EntryKindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kHashedRekord:
      return "hashedrekord";
    case EntryKind::kDsse:
      return "dsse";
    case EntryKind::kIntoto:
      return "intoto";
  }
  return "unknown";
}

absl::StatusOr<PreparedEntry> PrepareEntry(absl::string_view proposed_json) {
  if (proposed_json.size() > kMaxProposedEntryBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "entry: too large: %d bytes, limit %d", proposed_json.size(), kMaxProposedEntryBytes));
  }
  VOUCH_ASSIGN_OR_RETURN(json root, ParseJson(proposed_json));
  try {
    return PrepareParsed(root);
  } catch (const std::exception& e) {  // Defensive: every access above is type-checked.
    return absl::InvalidArgumentError(absl::StrCat("entry: ", e.what()));
  }
}

absl::Status VerifyEntry(const PreparedEntry& e) {
  if (e.checks.empty()) return absl::InternalError("entry has no signature to check");
  for (const SignatureCheck& c : e.checks) VOUCH_RETURN_IF_ERROR(RunCheck(c));
  return absl::OkStatus();
}

absl::StatusOr<CanonicalEntry> CanonicalizeEntry(absl::string_view proposed_json) {
  VOUCH_ASSIGN_OR_RETURN(PreparedEntry p, PrepareEntry(proposed_json));
  VOUCH_RETURN_IF_ERROR(VerifyEntry(p));
  return std::move(p.entry);
}

absl::StatusOr<std::string> EntryUuid(absl::string_view body) {
  std::string leaf;
  leaf.reserve(body.size() + 1);
  leaf.push_back('\0');
  leaf.append(body.data(), body.size());
  return Sha256Hex(leaf);
}

absl::StatusOr<DerKey> ParseDerKey(absl::string_view der, bool certificate, bool ed25519ph,
                                   absl::string_view path) {
  if (der.size() > kMaxKeyBytes) {
    return Bad(path, absl::StrFormat("too large: %d bytes, limit %d", der.size(), kMaxKeyBytes));
  }
  DerKey out;
  absl::string_view spki = der;
  if (certificate) {
    if (!WalkCertificate(der, &spki, &out.identities)) {
      return Bad(path, "malformed X.509 certificate");
    }
  } else {
    absl::string_view in = der;
    Der d;
    if (!NextDer(&in, &d) || !IsSeq(d) || !in.empty()) {
      return Bad(path, "malformed public key: not one DER SubjectPublicKeyInfo");
    }
  }
  std::string canonical;
  absl::StatusOr<std::unique_ptr<signer::OpenSslVerifier>> v = VerifierForSpki(spki, &canonical);
  ERR_clear_error();
  if (!v.ok()) {
    absl::string_view msg = v.status().message();
    if (absl::StartsWith(msg, "unsupported key")) return Bad(path, msg);
    return Bad(path, absl::StrCat("malformed public key: ", msg));
  }
  if ((*v)->key_type() == KeyType::kRsaPss) {
    return Bad(path, "unsupported key: RSA-PSS (want RSA PKCS#1 v1.5, ECDSA or Ed25519)");
  }
  // A bare key must be DER, as Go's x509.ParsePKIXPublicKey requires: OpenSSL also reads BER
  // variants (an RSA key whose NULL parameters carry another tag; found by fuzz/der_fuzzer,
  // input in fuzz/regressions), which would give one key two encodings.
  if (!certificate && canonical != spki) {
    return Bad(path,
               "malformed public key: not DER (the SubjectPublicKeyInfo re-encodes "
               "differently)");
  }
  if ((*v)->key_type() == KeyType::kEd25519 && ed25519ph) {
    absl::StatusOr<std::unique_ptr<Ed25519Verifier>> ph = Ed25519Verifier::FromDer(canonical);
    if (!ph.ok()) return Bad(path, absl::StrCat("malformed public key: ", ph.status().message()));
    out.verifier = std::shared_ptr<const signer::Verifier>(std::move(*ph));
  } else {
    out.verifier = std::shared_ptr<const signer::Verifier>(std::move(*v));
  }
  out.spki_der = std::move(canonical);
  return out;
}

void AddInTotoIndexKeys(absl::string_view payload, IndexKeys* keys) {
  KeySet seen;
  for (const std::string& k : keys->artifact_hashes) {
    std::vector<std::string> scratch;
    seen.Add(&scratch, k);
  }
  AddInTotoDigests(payload, keys, &seen);
}

}  // namespace vouch::log
