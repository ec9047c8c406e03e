// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/rekor_v2.h"

#include <algorithm>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "base/status.h"
#include "formats/dsse.h"
#include "log/entry/canonical_json.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

using json = nlohmann::json;
using signer::HashAlgorithm;
using signer::KeyType;

constexpr absl::string_view kApiVersion = "0.0.2";
constexpr absl::string_view kHr = "hashedRekordRequestV002";
constexpr absl::string_view kDsse = "dsseRequestV002";

absl::Status Bad(absl::string_view path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

std::string Join(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string At(absl::string_view path, size_t i) { return absl::StrCat(path, "[", i, "]"); }

std::string B64(absl::string_view raw) { return absl::Base64Escape(raw); }

// Text quoted in a message: at most 64 bytes, C-escaped.
std::string Quote(absl::string_view s) { return absl::CHexEscape(s.substr(0, 64)); }

// ------------------------------------------------------------------------- proto3 JSON fields

// A message field: its lowerCamelCase JSON name and its name in the .proto. protojson accepts
// either spelling (but not both at once).
struct FieldName {
  absl::string_view json;
  absl::string_view proto;
};

constexpr FieldName kDigest{"digest", "digest"};
constexpr FieldName kSignature{"signature", "signature"};
constexpr FieldName kContent{"content", "content"};
constexpr FieldName kVerifier{"verifier", "verifier"};
constexpr FieldName kPublicKey{"publicKey", "public_key"};
constexpr FieldName kX509Certificate{"x509Certificate", "x509_certificate"};
constexpr FieldName kRawBytes{"rawBytes", "raw_bytes"};
constexpr FieldName kKeyDetails{"keyDetails", "key_details"};
constexpr FieldName kEnvelope{"envelope", "envelope"};
constexpr FieldName kVerifiers{"verifiers", "verifiers"};
constexpr FieldName kPayload{"payload", "payload"};
constexpr FieldName kPayloadType{"payloadType", "payloadType"};
constexpr FieldName kSignatures{"signatures", "signatures"};
constexpr FieldName kSig{"sig", "sig"};
constexpr FieldName kKeyid{"keyid", "keyid"};
constexpr FieldName kHrField{"hashedRekordRequestV002", "hashed_rekord_request_v002"};
constexpr FieldName kDsseField{"dsseRequestV002", "dsse_request_v002"};

// Refuses members of |obj| that are not among |known| (rekor-tiles unmarshals strictly) and
// fields given under both spellings.
absl::Status CheckMembers(const json& obj, absl::string_view path,
                          std::initializer_list<FieldName> known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool found = false;
    for (const FieldName& f : known) {
      if (it.key() == f.json || it.key() == f.proto) found = true;
    }
    if (!found) return Bad(Join(path, Quote(it.key())), "unknown field");
  }
  for (const FieldName& f : known) {
    if (f.json != f.proto && obj.contains(std::string(f.json)) &&
        obj.contains(std::string(f.proto))) {
      return Bad(Join(path, f.json),
                 absl::StrCat("given twice (as ", f.json, " and ", f.proto, ")"));
    }
  }
  return absl::OkStatus();
}

// The field's value, or nullptr when absent or null (proto3 JSON: null means unset).
const json* Find(const json& obj, const FieldName& f) {
  auto it = obj.find(std::string(f.json));
  if (it == obj.end()) it = obj.find(std::string(f.proto));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::StatusOr<const json*> ObjectField(const json& obj, absl::string_view path,
                                        const FieldName& f) {
  const json* v = Find(obj, f);
  const std::string p = Join(path, f.json);
  if (v == nullptr) return Bad(p, "missing");
  if (!v->is_object()) return Bad(p, absl::StrCat("want an object, got ", v->type_name()));
  return v;
}

absl::StatusOr<const json*> ArrayField(const json& obj, absl::string_view path,
                                       const FieldName& f) {
  const json* v = Find(obj, f);
  const std::string p = Join(path, f.json);
  if (v == nullptr) return Bad(p, "missing");
  if (!v->is_array()) return Bad(p, absl::StrCat("want an array, got ", v->type_name()));
  return v;
}

int B64Value(char c, bool url) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == (url ? '-' : '+')) return 62;
  if (c == (url ? '_' : '/')) return 63;
  return -1;
}

// Base64 as protojson decodes bytes fields: the URL alphabet if '-' or '_' occurs, else the
// standard one; padded, or unpadded when the length is not a multiple of 4; '\r' and '\n'
// skipped (as Go's decoder does).
bool ProtoB64Decode(absl::string_view in, std::string* out) {
  std::string s;
  s.reserve(in.size() + 3);
  bool url = false;
  for (char c : in) {
    if (c == '\r' || c == '\n') continue;
    if (c == '-' || c == '_') url = true;
    s.push_back(c);
  }
  if (s.size() % 4 != 0) {
    if (s.find('=') != std::string::npos || s.size() % 4 == 1) return false;
    s.append(4 - s.size() % 4, '=');
  }
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
    const uint32_t n = (static_cast<uint32_t>(v[0]) << 18) | (static_cast<uint32_t>(v[1]) << 12) |
                       (static_cast<uint32_t>(v[2]) << 6) | static_cast<uint32_t>(v[3]);
    out->push_back(static_cast<char>(n >> 16));
    if (pad < 2) out->push_back(static_cast<char>((n >> 8) & 0xFF));
    if (pad < 1) out->push_back(static_cast<char>(n & 0xFF));
  }
  return true;
}

// A required bytes field (proto3: empty bytes are indistinguishable from unset, so "missing").
// |max_text| bounds the base64 text.
absl::StatusOr<std::string> BytesField(const json& obj, absl::string_view path, const FieldName& f,
                                       size_t max_text) {
  const json* v = Find(obj, f);
  const std::string p = Join(path, f.json);
  if (v == nullptr) return Bad(p, "missing");
  if (!v->is_string()) return Bad(p, absl::StrCat("want a base64 string, got ", v->type_name()));
  const std::string& text = v->get_ref<const std::string&>();
  if (text.size() > max_text) {
    return Bad(p,
               absl::StrFormat("too large: %d bytes of base64, limit %d", text.size(), max_text));
  }
  std::string raw;
  if (!ProtoB64Decode(text, &raw)) return Bad(p, "bad base64");
  if (raw.empty()) return Bad(p, "missing (empty)");
  return raw;
}

// An optional string field ("" when unset).
absl::StatusOr<std::string> OptionalString(const json& obj, absl::string_view path,
                                           const FieldName& f) {
  const json* v = Find(obj, f);
  if (v == nullptr) return std::string();
  if (!v->is_string()) {
    return Bad(Join(path, f.json), absl::StrCat("want a string, got ", v->type_name()));
  }
  return v->get<std::string>();
}

// ------------------------------------------------------------------------- keyDetails

// dev.sigstore.common.v1.PublicKeyDetails values rekor-tiles accepts by default
// (AllowedClientSigningAlgorithms), with what each requires of the key.
struct KeyDetail {
  absl::string_view name;
  int number;
  KeyType type;
  int rsa_bits;                 // RSA modulus size; 0 otherwise
  HashAlgorithm hash;           // the digest hashedrekord carries and ECDSA/RSA DSSE signatures use
  absl::string_view hash_name;  // "sha256": in index keys and messages
  absl::string_view proto_hash;  // dev.sigstore.common.v1.HashAlgorithm: in the stored body
  absl::string_view key_name;    // for messages
};

constexpr KeyDetail kSupported[] = {
    {"PKIX_ECDSA_P256_SHA_256", 5, KeyType::kEcdsaP256, 0, HashAlgorithm::kSha256, "sha256",
     "SHA2_256", "ECDSA P-256"},
    {"PKIX_ECDSA_P384_SHA_384", 12, KeyType::kEcdsaP384, 0, HashAlgorithm::kSha384, "sha384",
     "SHA2_384", "ECDSA P-384"},
    {"PKIX_ECDSA_P521_SHA_512", 13, KeyType::kEcdsaP521, 0, HashAlgorithm::kSha512, "sha512",
     "SHA2_512", "ECDSA P-521"},
    {"PKIX_RSA_PKCS1V15_2048_SHA256", 9, KeyType::kRsaPkcs1, 2048, HashAlgorithm::kSha256, "sha256",
     "SHA2_256", "RSA-2048"},
    {"PKIX_RSA_PKCS1V15_3072_SHA256", 10, KeyType::kRsaPkcs1, 3072, HashAlgorithm::kSha256,
     "sha256", "SHA2_256", "RSA-3072"},
    {"PKIX_RSA_PKCS1V15_4096_SHA256", 11, KeyType::kRsaPkcs1, 4096, HashAlgorithm::kSha256,
     "sha256", "SHA2_256", "RSA-4096"},
    {"PKIX_ED25519_PH", 8, KeyType::kEd25519, 0, HashAlgorithm::kSha512, "sha512", "SHA2_512",
     "Ed25519"},
};

// The other PublicKeyDetails values (known, refused).
struct KnownDetail {
  absl::string_view name;
  int number;
};
constexpr KnownDetail kRefused[] = {
    {"PUBLIC_KEY_DETAILS_UNSPECIFIED", 0},
    {"PKCS1_RSA_PKCS1V5", 1},
    {"PKCS1_RSA_PSS", 2},
    {"PKIX_RSA_PKCS1V5", 3},
    {"PKIX_RSA_PSS", 4},
    {"PKIX_ECDSA_P256_HMAC_SHA_256", 6},
    {"PKIX_ED25519", 7},
    {"LMS_SHA256", 14},
    {"LMOTS_SHA256", 15},
    {"PKIX_RSA_PSS_2048_SHA256", 16},
    {"PKIX_RSA_PSS_3072_SHA256", 17},
    {"PKIX_RSA_PSS_4096_SHA256", 18},
    {"PKIX_ECDSA_P384_SHA_256", 19},
    {"PKIX_ECDSA_P521_SHA_256", 20},
    {"ML_DSA_65", 21},
    {"ML_DSA_87", 22},
    {"ML_DSA_44", 23},
};

std::string SupportedList() {
  std::vector<absl::string_view> names;
  for (const KeyDetail& d : kSupported) names.push_back(d.name);
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<const KeyDetail*> ParseKeyDetails(const json& verifier, absl::string_view path) {
  const std::string p = Join(path, kKeyDetails.json);
  const json* v = Find(verifier, kKeyDetails);
  if (v == nullptr) return Bad(p, "missing");
  std::string name;
  if (v->is_string()) {
    name = v->get<std::string>();
  } else if (v->is_number_integer()) {
    const int64_t n = v->get<int64_t>();
    for (const KeyDetail& d : kSupported) {
      if (d.number == n) return &d;
    }
    for (const KnownDetail& d : kRefused) {
      if (d.number == n) name = std::string(d.name);
    }
    if (name.empty()) return Bad(p, absl::StrFormat("unknown PublicKeyDetails value %d", n));
  } else {
    return Bad(p, absl::StrCat("want an enum name or number, got ", v->type_name()));
  }
  for (const KeyDetail& d : kSupported) {
    if (d.name == name) return &d;
  }
  if (name == "PUBLIC_KEY_DETAILS_UNSPECIFIED") return Bad(p, "missing (unspecified)");
  bool known = false;
  for (const KnownDetail& d : kRefused) known = known || d.name == name;
  if (!known) return Bad(p, absl::StrFormat("unknown PublicKeyDetails \"%s\"", Quote(name)));
  std::string hint;
  if (name == "PKIX_ED25519") hint = "; Ed25519 keys are accepted as PKIX_ED25519_PH";
  return Bad(p, absl::StrFormat("unsupported keyDetails %s (want one of %s%s)", name,
                                SupportedList(), hint));
}

// The RSA modulus size in bits, rounded up to whole bytes (as Go's rsa.PublicKey.Size() * 8,
// which rekor-tiles compares with the keyDetails' size); 0 if |spki| is not an RSA key.
int RsaModulusBits(absl::string_view spki) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(spki.data());
  EVP_PKEY* k = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()));
  int bits = 0;
  if (k != nullptr) bits = EVP_PKEY_get_size(k) * 8;
  EVP_PKEY_free(k);
  ERR_clear_error();
  return bits;
}

std::string KeyName(const DerKey& key) {
  switch (key.verifier->key_type()) {
    case KeyType::kEcdsaP256:
      return "ECDSA P-256";
    case KeyType::kEcdsaP384:
      return "ECDSA P-384";
    case KeyType::kEcdsaP521:
      return "ECDSA P-521";
    case KeyType::kEd25519:
      return "Ed25519";
    case KeyType::kRsaPkcs1:
    case KeyType::kRsaPss:
      return absl::StrCat("RSA-", RsaModulusBits(key.spki_der));
  }
  return "unknown";
}

// ------------------------------------------------------------------------- verifiers

struct V2Verifier {
  json stored;  // the verifier as the body records it
  DerKey key;
  const KeyDetail* details = nullptr;
  std::string path;
};

// A Verifier message at |path|. |hashedrekord|: an Ed25519 key verifies Ed25519ph digests.
absl::StatusOr<V2Verifier> ParseVerifier(const json& v, absl::string_view path, bool hashedrekord) {
  if (!v.is_object()) return Bad(path, absl::StrCat("want an object, got ", v.type_name()));
  VOUCH_RETURN_IF_ERROR(CheckMembers(v, path, {kPublicKey, kX509Certificate, kKeyDetails}));
  const json* pk = Find(v, kPublicKey);
  const json* cert = Find(v, kX509Certificate);
  if (pk == nullptr && cert == nullptr) {
    return Bad(path, "missing publicKey or x509Certificate");
  }
  if (pk != nullptr && cert != nullptr) {
    return Bad(path, "both publicKey and x509Certificate given (want one)");
  }
  const FieldName& which = pk != nullptr ? kPublicKey : kX509Certificate;
  VOUCH_ASSIGN_OR_RETURN(const json* holder, ObjectField(v, path, which));
  const std::string hp = Join(path, which.json);
  VOUCH_RETURN_IF_ERROR(CheckMembers(*holder, hp, {kRawBytes}));
  VOUCH_ASSIGN_OR_RETURN(std::string raw,
                         BytesField(*holder, hp, kRawBytes, kMaxKeyBytes * 4 / 3 + 4));
  VOUCH_ASSIGN_OR_RETURN(const KeyDetail* details, ParseKeyDetails(v, path));

  V2Verifier out;
  out.path = std::string(path);
  out.details = details;
  const std::string rp = Join(hp, kRawBytes.json);
  absl::StatusOr<DerKey> key = ParseDerKey(raw, /*certificate=*/cert != nullptr,
                                           /*ed25519ph=*/hashedrekord, rp);
  if (!key.ok() && cert != nullptr && ParseDerKey(raw, false, false, rp).ok()) {
    // sigstore-js sends a bare key's SubjectPublicKeyInfo as x509Certificate; rekor-tiles refuses
    // it too (x509.ParseCertificate), but say what would work.
    return Bad(rp,
               "malformed X.509 certificate (it is a SubjectPublicKeyInfo: send it as "
               "publicKey)");
  }
  if (!key.ok()) return key.status();
  out.key = std::move(*key);
  const KeyType kt = out.key.verifier->key_type();
  bool match = kt == details->type;
  if (match && kt == KeyType::kRsaPkcs1) {
    match = RsaModulusBits(out.key.spki_der) == details->rsa_bits;
  }
  if (!match) {
    std::string want;
    const std::string key_name = KeyName(out.key);
    for (const KeyDetail& d : kSupported) {
      if (d.key_name == key_name) want = absl::StrCat("; want ", d.name);
    }
    return Bad(Join(path, kKeyDetails.json),
               absl::StrFormat("%s does not match the key (%s%s)", details->name, key_name, want));
  }
  out.stored = {{"keyDetails", std::string(details->name)},
                {std::string(which.json), {{"rawBytes", B64(raw)}}}};
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

void AddKey(IndexKeys* keys, KeySet* seen, const DerKey& k) {
  seen->Add(&keys->public_key_hashes,
            absl::StrCat("sha256:", absl::BytesToHexString(signer::Sha256(k.spki_der))));
  for (const std::string& id : k.identities) seen->Add(&keys->identities, id);
}

absl::StatusOr<std::string> Finish(const json& body) {
  absl::StatusOr<std::string> s = Canonicalize(body);
  if (!s.ok()) return absl::InternalError(absl::StrCat("canonicalize: ", s.status().message()));
  return s;
}

// A signature named in a message: its first base64 characters.
std::string SigRef(absl::string_view raw) {
  const std::string b = B64(raw);
  return absl::StrCat(b.substr(0, 16), b.size() > 16 ? "..." : "");
}

// ------------------------------------------------------------------------- hashedrekord 0.0.2

absl::StatusOr<PreparedEntry> PrepareHashedRekord(const json& hr) {
  const std::string p(kHr);
  VOUCH_RETURN_IF_ERROR(CheckMembers(hr, p, {kDigest, kSignature}));
  VOUCH_ASSIGN_OR_RETURN(std::string digest, BytesField(hr, p, kDigest, 1024));
  VOUCH_ASSIGN_OR_RETURN(const json* sig, ObjectField(hr, p, kSignature));
  const std::string sp = Join(p, kSignature.json);
  VOUCH_RETURN_IF_ERROR(CheckMembers(*sig, sp, {kContent, kVerifier}));
  VOUCH_ASSIGN_OR_RETURN(std::string content, BytesField(*sig, sp, kContent, kMaxSignatureBytes));
  VOUCH_ASSIGN_OR_RETURN(const json* vj, ObjectField(*sig, sp, kVerifier));
  VOUCH_ASSIGN_OR_RETURN(V2Verifier v,
                         ParseVerifier(*vj, Join(sp, kVerifier.json), /*hashedrekord=*/true));
  const size_t want = signer::DigestSize(v.details->hash);
  if (digest.size() != want) {
    return Bad(Join(p, kDigest.json),
               absl::StrFormat("want %d bytes for %s (keyDetails %s), got %d", want,
                               v.details->hash_name, v.details->name, digest.size()));
  }

  json body = {
      {"apiVersion", std::string(kApiVersion)},
      {"kind", "hashedrekord"},
      {"spec",
       {{"hashedRekordV002",
         {{"data", {{"algorithm", std::string(v.details->proto_hash)}, {"digest", B64(digest)}}},
          {"signature", {{"content", B64(content)}, {"verifier", v.stored}}}}}}}};
  PreparedEntry out;
  out.entry.kind = EntryKind::kHashedRekord;
  out.entry.api_version = std::string(kApiVersion);
  VOUCH_ASSIGN_OR_RETURN(out.entry.body, Finish(body));
  KeySet seen;
  seen.Add(&out.entry.keys.artifact_hashes,
           absl::StrCat(v.details->hash_name, ":", absl::BytesToHexString(digest)));
  AddKey(&out.entry.keys, &seen, v.key);

  SignatureCheck c;
  c.verifier = v.key.verifier;
  c.prehashed = true;
  c.hash = v.details->hash;
  c.data = std::make_shared<const std::string>(std::move(digest));
  c.signature = std::move(content);
  c.failure = absl::StrCat(Join(sp, kContent.json), ": signature does not verify against ", v.path);
  out.checks.push_back(std::move(c));
  return out;
}

// ------------------------------------------------------------------------- dsse 0.0.2

struct EnvelopeSig {
  std::string raw;
  size_t index;  // first position in the envelope
};

// How rekor-tiles verifies a DSSE signature by |v|: signature.LoadVerifier(key, keyDetails'
// hash), i.e. ECDSA and RSA over that hash of the PAE, Ed25519 pure over the PAE itself.
SignatureCheck DsseCheck(const V2Verifier& v, const std::shared_ptr<const std::string>& pae,
                         std::map<HashAlgorithm, std::shared_ptr<const std::string>>* digests,
                         std::string sig, std::string failure) {
  SignatureCheck c;
  c.verifier = v.key.verifier;
  c.prehashed = v.key.verifier->key_type() != KeyType::kEd25519;
  c.hash = v.details->hash;
  if (c.prehashed) {
    auto& d = (*digests)[c.hash];
    if (d == nullptr) d = std::make_shared<const std::string>(signer::Digest(c.hash, *pae));
    c.data = d;
  } else {
    c.data = pae;
  }
  c.signature = std::move(sig);
  c.failure = std::move(failure);
  return c;
}

absl::StatusOr<PreparedEntry> PrepareDsse(const json& ds) {
  const std::string p(kDsse);
  VOUCH_RETURN_IF_ERROR(CheckMembers(ds, p, {kEnvelope, kVerifiers}));
  VOUCH_ASSIGN_OR_RETURN(const json* env, ObjectField(ds, p, kEnvelope));
  const std::string ep = Join(p, kEnvelope.json);
  VOUCH_RETURN_IF_ERROR(CheckMembers(*env, ep, {kPayload, kPayloadType, kSignatures}));
  VOUCH_ASSIGN_OR_RETURN(std::string payload,
                         BytesField(*env, ep, kPayload, kMaxEnvelopeBytes * 4 / 3 + 4));
  VOUCH_ASSIGN_OR_RETURN(std::string payload_type, OptionalString(*env, ep, kPayloadType));
  VOUCH_ASSIGN_OR_RETURN(const json* sigs, ArrayField(*env, ep, kSignatures));
  const std::string sp = Join(ep, kSignatures.json);
  if (sigs->empty()) return Bad(sp, "DSSE envelope has no signatures");
  if (sigs->size() > kMaxV2Signatures) {
    return Bad(sp, absl::StrFormat("%d signatures, limit %d", sigs->size(), kMaxV2Signatures));
  }
  std::vector<EnvelopeSig> env_sigs;
  for (size_t i = 0; i < sigs->size(); ++i) {
    const json& s = (*sigs)[i];
    const std::string ip = At(sp, i);
    if (!s.is_object()) return Bad(ip, absl::StrCat("want an object, got ", s.type_name()));
    VOUCH_RETURN_IF_ERROR(CheckMembers(s, ip, {kSig, kKeyid}));
    VOUCH_ASSIGN_OR_RETURN(std::string raw, BytesField(s, ip, kSig, kMaxSignatureBytes));
    VOUCH_RETURN_IF_ERROR(OptionalString(s, ip, kKeyid).status());
    env_sigs.push_back({std::move(raw), i});
  }

  VOUCH_ASSIGN_OR_RETURN(const json* vs, ArrayField(ds, p, kVerifiers));
  const std::string vp = Join(p, kVerifiers.json);
  if (vs->empty()) return Bad(vp, "no verifiers");
  if (vs->size() > kMaxV2Verifiers) {
    return Bad(vp, absl::StrFormat("%d verifiers, limit %d", vs->size(), kMaxV2Verifiers));
  }
  std::vector<V2Verifier> verifiers;
  for (size_t i = 0; i < vs->size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(V2Verifier v,
                           ParseVerifier((*vs)[i], At(vp, i), /*hashedrekord=*/false));
    verifiers.push_back(std::move(v));
  }

  // Identical signatures count once; stored sorted by their raw bytes (as rekor-tiles).
  std::stable_sort(env_sigs.begin(), env_sigs.end(),
                   [](const EnvelopeSig& a, const EnvelopeSig& b) { return a.raw < b.raw; });
  env_sigs.erase(
      std::unique(env_sigs.begin(), env_sigs.end(),
                  [](const EnvelopeSig& a, const EnvelopeSig& b) { return a.raw == b.raw; }),
      env_sigs.end());

  auto pae = std::make_shared<const std::string>(formats::DssePae(payload_type, payload));
  std::map<HashAlgorithm, std::shared_ptr<const std::string>> digests;
  // Which verifier signed which signature. With one verifier it signed all of them (VerifyEntry
  // checks); with several, the match is found here by trial verification, first verifier in
  // list order that verifies.
  std::vector<size_t> signer_of(env_sigs.size(), 0);
  if (verifiers.size() > 1) {
    std::vector<bool> used(verifiers.size(), false);
    for (size_t s = 0; s < env_sigs.size(); ++s) {
      bool found = false;
      for (size_t k = 0; k < verifiers.size() && !found; ++k) {
        PreparedEntry trial;
        trial.checks.push_back(DsseCheck(verifiers[k], pae, &digests, env_sigs[s].raw, "no"));
        absl::Status st = VerifyEntry(trial);
        if (st.ok()) {
          signer_of[s] = k;
          used[k] = true;
          found = true;
        } else if (st.code() != absl::StatusCode::kInvalidArgument) {
          return st;
        }
      }
      if (!found) {
        return Bad(Join(At(sp, env_sigs[s].index), kSig.json),
                   absl::StrFormat("signature %s does not verify against any of %s",
                                   SigRef(env_sigs[s].raw), vp));
      }
    }
    for (size_t k = 0; k < verifiers.size(); ++k) {
      if (!used[k]) return Bad(At(vp, k), "verifies no signature of the envelope");
    }
  }

  PreparedEntry out;
  IndexKeys& ik = out.entry.keys;
  KeySet seen;
  const std::string payload_hash = signer::Sha256(payload);
  seen.Add(&ik.artifact_hashes, absl::StrCat("sha256:", absl::BytesToHexString(payload_hash)));
  json stored = json::array();
  for (size_t s = 0; s < env_sigs.size(); ++s) {
    const V2Verifier& v = verifiers[signer_of[s]];
    stored.push_back({{"content", B64(env_sigs[s].raw)}, {"verifier", v.stored}});
    AddKey(&ik, &seen, v.key);
    out.checks.push_back(DsseCheck(v, pae, &digests, env_sigs[s].raw,
                                   absl::StrFormat("%s: signature %s does not verify against %s",
                                                   Join(At(sp, env_sigs[s].index), kSig.json),
                                                   SigRef(env_sigs[s].raw), v.path)));
  }
  if (payload_type == formats::kInTotoPayloadType) AddInTotoIndexKeys(payload, &ik);

  json body = {{"apiVersion", std::string(kApiVersion)},
               {"kind", "dsse"},
               {"spec",
                {{"dsseV002",
                  {{"payloadHash", {{"algorithm", "SHA2_256"}, {"digest", B64(payload_hash)}}},
                   {"signatures", stored}}}}}};
  out.entry.kind = EntryKind::kDsse;
  out.entry.api_version = std::string(kApiVersion);
  VOUCH_ASSIGN_OR_RETURN(out.entry.body, Finish(body));
  return out;
}

absl::StatusOr<PreparedEntry> PrepareParsed(const json& root) {
  constexpr absl::string_view kReq = "request";
  if (!root.is_object()) {
    return Bad(kReq, absl::StrCat("want a JSON object, got ", root.type_name()));
  }
  VOUCH_RETURN_IF_ERROR(CheckMembers(root, "", {kHrField, kDsseField}));
  const json* hr = Find(root, kHrField);
  const json* ds = Find(root, kDsseField);
  if (hr != nullptr && ds != nullptr) {
    return Bad(kReq, "both hashedRekordRequestV002 and dsseRequestV002 given (want one)");
  }
  if (hr == nullptr && ds == nullptr) {
    return Bad(kReq, "missing hashedRekordRequestV002 or dsseRequestV002");
  }
  if (hr != nullptr) {
    if (!hr->is_object()) return Bad(kHr, absl::StrCat("want an object, got ", hr->type_name()));
    return PrepareHashedRekord(*hr);
  }
  if (!ds->is_object()) return Bad(kDsse, absl::StrCat("want an object, got ", ds->type_name()));
  return PrepareDsse(*ds);
}

// A JSON string literal; invalid UTF-8 is replaced, never thrown on.
std::string JsonString(absl::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

absl::StatusOr<PreparedEntry> PrepareV2Entry(absl::string_view create_entry_request_json) {
  if (create_entry_request_json.size() > kMaxProposedEntryBytes) {
    return absl::InvalidArgumentError(absl::StrFormat("request: too large: %d bytes, limit %d",
                                                      create_entry_request_json.size(),
                                                      kMaxProposedEntryBytes));
  }
  VOUCH_ASSIGN_OR_RETURN(json root, ParseJson(create_entry_request_json));
  try {
    return PrepareParsed(root);
  } catch (const std::exception& e) {  // Defensive: every access above is type-checked.
    return absl::InvalidArgumentError(absl::StrCat("request: ", e.what()));
  }
}

std::string TransparencyLogEntryV2Json(const V2EntryView& v) {
  std::vector<std::string> hashes;
  hashes.reserve(v.proof.size());
  for (const std::string& h : v.proof) hashes.push_back(absl::StrCat("\"", B64(h), "\""));
  return absl::StrCat("{\"logIndex\":\"", v.index, "\",\"logId\":{\"keyId\":\"", B64(v.log_id),
                      "\"},\"kindVersion\":{\"kind\":", JsonString(v.kind), ",\"version\":\"",
                      kApiVersion, "\"},\"inclusionProof\":{\"logIndex\":\"", v.index,
                      "\",\"rootHash\":\"", B64(v.root), "\",\"treeSize\":\"", v.tree_size,
                      "\",\"hashes\":[", absl::StrJoin(hashes, ","),
                      "],\"checkpoint\":{\"envelope\":", JsonString(v.checkpoint),
                      "}},\"canonicalizedBody\":\"", B64(v.body), "\"}");
}

}  // namespace vouch::log
