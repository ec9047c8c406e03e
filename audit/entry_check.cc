// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/entry_check.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "base/status.h"
#include "client/x509.h"
#include "log/entry/canonical_json.h"
#include "log/entry/entry.h"
#include "log/entry/rekor_v2.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::audit {
namespace {

using nlohmann::json;

constexpr char kSctOid[] = "1.3.6.1.4.1.11129.2.4.2";

absl::Status Fail(absl::string_view check, absl::string_view msg) {
  return absl::FailedPreconditionError(absl::StrCat(check, ": ", msg));
}

// The member |key| of object |j|, or null.
const json* Member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

// |obj| is an object holding exactly |required| (all present) plus any of |optional|.
absl::Status Shape(const json* obj, absl::string_view path,
                   std::initializer_list<const char*> required,
                   std::initializer_list<const char*> optional = {}) {
  if (obj == nullptr) return Fail("kind rules", absl::StrCat(path, ": missing"));
  if (!obj->is_object()) return Fail("kind rules", absl::StrCat(path, ": want an object"));
  for (const char* k : required) {
    if (obj->find(k) == obj->end()) {
      return Fail("kind rules", absl::StrCat(path, ".", k, ": missing"));
    }
  }
  for (auto it = obj->begin(); it != obj->end(); ++it) {
    bool known = false;
    for (const char* k : required) known = known || it.key() == k;
    for (const char* k : optional) known = known || it.key() == k;
    if (!known) {
      return Fail("kind rules", absl::StrCat(path, ".", it.key(),
                                             ": not a field of the stored body of this kind"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> String(const json* obj, const char* key, absl::string_view path) {
  const json* v = Member(*obj, key);
  if (v == nullptr || !v->is_string() || v->get_ref<const std::string&>().empty()) {
    return Fail("kind rules", absl::StrCat(path, ".", key, ": want a non-empty string"));
  }
  return v->get<std::string>();
}

// Standard, padded, canonical base64 (what Go's encoding/base64 writes).
absl::StatusOr<std::string> Base64(const std::string& s, absl::string_view path) {
  std::string out;
  if (!absl::Base64Unescape(s, &out) || absl::Base64Escape(out) != s) {
    return Fail("kind rules", absl::StrCat(path, ": not canonical standard base64"));
  }
  return out;
}

bool LowerHex(absl::string_view s, size_t bytes) {
  if (s.size() != 2 * bytes) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(c) && !(c >= 'a' && c <= 'f')) return false;
  }
  return true;
}

// {"algorithm":"sha256","value":"<64 lower-case hex>"}; returns "sha256:<hex>".
absl::StatusOr<std::string> Sha256Hash(const json* obj, absl::string_view path) {
  if (absl::Status s = Shape(obj, path, {"algorithm", "value"}); !s.ok()) return s;
  const json& a = (*obj)["algorithm"];
  const json& v = (*obj)["value"];
  if (!a.is_string() || a.get<std::string>() != "sha256") {
    return Fail("kind rules", absl::StrCat(path, ".algorithm: want \"sha256\""));
  }
  if (!v.is_string() || !LowerHex(v.get<std::string>(), 32)) {
    return Fail("kind rules", absl::StrCat(path, ".value: want 64 lower-case hex digits"));
  }
  return absl::StrCat("sha256:", v.get<std::string>());
}

// Go's pem.EncodeToMemory: 64-column base64 lines, trailing newline.
std::string PemEncode(absl::string_view type, absl::string_view der) {
  const std::string b64 = absl::Base64Escape(der);
  std::string out = absl::StrCat("-----BEGIN ", type, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) {
    absl::StrAppend(&out, absl::string_view(b64).substr(i, 64), "\n");
  }
  absl::StrAppend(&out, "-----END ", type, "-----\n");
  return out;
}

void AddUnique(std::vector<std::string>* v, const std::string& s) {
  if (std::find(v->begin(), v->end(), s) == v->end()) v->push_back(s);
}

// Records why a certificate is not trusted; the entry itself stays valid (the log accepts any
// certificate, so this is not the log's doing).
absl::Status Untrusted(EntryFacts* f, absl::string_view check, absl::string_view msg) {
  AddUnique(&f->untrusted, absl::StrCat(check, ": ", msg));
  return absl::OkStatus();
}

// Identity, chain, codeSigning and SCT checks of a signing certificate. Failures of these are
// recorded in f->untrusted, never returned.
absl::Status CheckCertificate(absl::string_view der, const EntryCheckOptions& o, EntryFacts* f) {
  auto cert = client::Certificate::FromDer(der);
  if (!cert.ok()) return Untrusted(f, "certificate", cert.status().message());
  f->keyless = true;
  for (const std::string& san : cert->SubjectAlternativeNames()) AddUnique(&f->identities, san);
  if (f->oidc_issuer.empty()) {
    auto issuer = cert->OidcIssuer();
    if (issuer.ok()) f->oidc_issuer = *issuer;
    f->extensions = cert->FulcioExtensions();
  }
  const absl::Time t = cert->not_before();
  f->certificate_time =
      std::min(f->certificate_time == absl::InfinitePast() ? t : f->certificate_time, t);
  if (o.root == nullptr || !o.chains) {
    AddUnique(&f->unchecked, "certificate chain: no trusted root given");
    return absl::OkStatus();
  }
  const bool integrated = o.integrated_time != absl::InfinitePast();
  const absl::Time at = integrated ? o.integrated_time : t;
  auto issuer = client::VerifyChainAt(*cert, o.root->certificate_authorities(), at);
  if (!issuer.ok()) {
    return Untrusted(
        f, "chain",
        absl::StrCat("certificate for [", absl::StrJoin(cert->SubjectAlternativeNames(), ", "),
                     "] ", integrated ? "at the integrated time " : "issued ",
                     absl::FormatTime(at, absl::UTCTimeZone()), ": ", issuer.status().message()));
  }
  if (cert->IsCa()) return Untrusted(f, "chain", "the signing certificate is a CA certificate");
  if (!cert->HasCodeSigningUsage()) {
    return Untrusted(f, "chain", "the signing certificate lacks the codeSigning usage");
  }
  ++f->chains_verified;
  const bool has_sct = cert->ExtensionValue(kSctOid).ok();
  if (!has_sct) return absl::OkStatus();
  if (o.root->ctlogs().empty()) {
    AddUnique(&f->unchecked, "SCT: the trusted root lists no CT log");
    return absl::OkStatus();
  }
  absl::Status s = client::VerifyEmbeddedScts(*cert, *issuer, o.root->ctlogs());
  if (!s.ok()) return Untrusted(f, "SCT", s.message());
  ++f->scts_verified;
  return absl::OkStatus();
}

// A key or certificate given as base64 of PEM; |canonical|: it must be Go's canonical PEM of
// the key (as Rekor stores dsse verifiers); otherwise one PEM block as sent (intoto).
absl::Status CheckPemKey(const std::string& b64, bool canonical, absl::string_view path,
                         const EntryCheckOptions& o, EntryFacts* f) {
  std::string pem;
  if (!absl::Base64Unescape(b64, &pem))
    return Fail("kind rules", absl::StrCat(path, ": bad base64"));
  const bool is_cert = absl::StrContains(pem, "-----BEGIN CERTIFICATE-----");
  auto der = signer::PemToDer(pem, is_cert ? "CERTIFICATE" : "PUBLIC KEY");
  if (!der.ok()) return Fail("kind rules", absl::StrCat(path, ": ", der.status().message()));
  auto key = log::ParseDerKey(*der, is_cert, /*ed25519ph=*/false, path);
  if (!key.ok()) return Fail("kind rules", key.status().message());
  if (canonical) {
    const std::string want =
        is_cert ? PemEncode("CERTIFICATE", *der) : PemEncode("PUBLIC KEY", key->spki_der);
    if (want != pem) {
      return Fail("kind rules",
                  absl::StrCat(path, ": not the canonical PEM encoding the log stores"));
    }
  }
  AddUnique(&f->key_sha256, absl::BytesToHexString(signer::Sha256(key->spki_der)));
  if (is_cert) return CheckCertificate(*der, o, f);
  return absl::OkStatus();
}

// Facts and checks common to the two hashedrekord versions once PrepareEntry* accepted the body.
absl::Status FinishPrepared(absl::string_view body, const log::PreparedEntry& p,
                            const EntryCheckOptions& o, EntryFacts* f) {
  if (p.entry.body != body) {
    auto canonical = log::CanonicalizeText(body);
    if (canonical.ok() && *canonical != body) {
      return Fail("not canonical", "the body is not RFC 8785 canonical JSON");
    }
    return Fail("kind rules",
                "the body differs from what the log builds from its own fields (a field outside "
                "the stored shape, a key not canonically encoded, or upper-case hex)");
  }
  for (const std::string& k : p.entry.keys.public_key_hashes) {
    absl::string_view v = k;
    absl::ConsumePrefix(&v, "sha256:");
    AddUnique(&f->key_sha256, std::string(v));
  }
  for (const std::string& d : p.entry.keys.artifact_hashes) AddUnique(&f->digests, d);
  if (o.signatures) {
    absl::Status s = log::VerifyEntry(p);
    if (!s.ok()) return Fail("signature", s.message());
    f->signatures_verified += static_cast<int>(p.checks.size());
  }
  return absl::OkStatus();
}

// base64 of "-----BEGIN CERTIFICATE-----": a hashedrekord body whose key is a certificate.
constexpr absl::string_view kCertificatePemBase64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t";

// The quick path for the form nearly every key-signed entry has: the canonical stored body of a
// hashedrekord 0.0.1 entry with a sha256 digest and a P-256 public key (no certificate),
//   {"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256",
//   "value":"<64 lower-case hex>"}},"signature":{"content":"<base64>","publicKey":{"content":
//   "<base64 of PEM>"}}}}
// recognised without parsing JSON or building a key object. It answers only when the body is
// byte for byte what PrepareEntry builds from it (the fields in that canonical form, the
// signature and key in canonical padded base64, the key Go's canonical PEM of a named-curve
// P-256 SubjectPublicKeyInfo whose point is on the curve) and the signature verifies: then the
// full path would accept it with the same facts. Everything else, failures included, returns
// false and goes the full path, which does every check again and words the failure.
bool QuickHashedRekord1(absl::string_view body, const EntryCheckOptions& o, EntryFacts* f) {
  // The DER header of a named-curve P-256 SubjectPublicKeyInfo with a 65-byte point.
  static constexpr absl::string_view kP256Spki(
      "\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08\x2a\x86\x48\xce\x3d\x03"
      "\x01\x07\x03\x42\x00",
      26);
  absl::string_view rest = body;
  if (body.size() > log::kMaxProposedEntryBytes ||
      !absl::ConsumePrefix(
          &rest,
          "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":{\"data\":{"
          "\"hash\":{\"algorithm\":\"sha256\",\"value\":\"")) {
    return false;
  }
  const absl::string_view value = rest.substr(0, 64);
  rest.remove_prefix(value.size());
  if (!LowerHex(value, 32) || !absl::ConsumePrefix(&rest, "\"}},\"signature\":{\"content\":\"")) {
    return false;
  }
  const absl::string_view sig_b64 = rest.substr(0, rest.find('"'));
  rest.remove_prefix(sig_b64.size());
  if (!absl::ConsumePrefix(&rest, "\",\"publicKey\":{\"content\":\"")) return false;
  const absl::string_view key_b64 = rest.substr(0, rest.find('"'));
  rest.remove_prefix(key_b64.size());
  if (rest != "\"}}}}") return false;
  // Canonical padded standard base64 (what the log re-encodes), within the log's limits.
  std::string sig, pem, spki;
  if (sig_b64.size() > log::kMaxSignatureBytes || key_b64.size() > 4 * 128 ||
      !absl::Base64Unescape(sig_b64, &sig) || sig.empty() || absl::Base64Escape(sig) != sig_b64 ||
      !absl::Base64Unescape(key_b64, &pem) || absl::Base64Escape(pem) != key_b64) {
    return false;
  }
  // Go's canonical PEM of a P-256 key with an uncompressed point (as the log re-encodes keys).
  absl::string_view lines = pem;
  if (!absl::ConsumePrefix(&lines, "-----BEGIN PUBLIC KEY-----\n") ||
      !absl::ConsumeSuffix(&lines, "-----END PUBLIC KEY-----\n") ||
      !absl::Base64Unescape(absl::StrReplaceAll(lines, {{"\n", ""}}), &spki) ||
      spki.size() != kP256Spki.size() + 65 || !absl::StartsWith(spki, kP256Spki) ||
      spki[kP256Spki.size()] != 0x04 || PemEncode("PUBLIC KEY", spki) != pem) {
    return false;
  }
  const absl::string_view point = absl::string_view(spki).substr(kP256Spki.size());
  const absl::Status key_or_signature =
      o.signatures ? signer::VerifyEcdsaDigestWithPoint(signer::KeyType::kEcdsaP256, point,
                                                        signer::HashAlgorithm::kSha256,
                                                        absl::HexStringToBytes(value), sig)
                   : signer::CheckEcPoint(signer::KeyType::kEcdsaP256, point);
  if (!key_or_signature.ok()) return false;
  // The facts FinishPrepared records from the prepared entry.
  AddUnique(&f->key_sha256, absl::BytesToHexString(signer::Sha256(spki)));
  AddUnique(&f->digests, absl::StrCat("sha256:", value));
  if (o.signatures) ++f->signatures_verified;
  return true;
}

absl::Status HashedRekord1(absl::string_view body, const EntryCheckOptions& o, EntryFacts* f) {
  if (o.quick_paths && QuickHashedRekord1(body, o, f)) return absl::OkStatus();
  auto p = log::PrepareEntry(body);
  if (!p.ok()) return Fail("kind rules", p.status().message());
  VOUCH_RETURN_IF_ERROR(FinishPrepared(body, *p, o, f));
  // The key: a certificate gets the chain checks (the JSON is parsed again only then).
  if (!absl::StrContains(body, kCertificatePemBase64)) return absl::OkStatus();
  auto parsed = log::ParseJson(body);
  if (!parsed.ok()) return Fail("not JSON", parsed.status().message());
  const json& root = *parsed;
  const json* key = Member(root["spec"]["signature"]["publicKey"], "content");
  std::string pem;
  if (key != nullptr && key->is_string() && absl::Base64Unescape(key->get<std::string>(), &pem) &&
      absl::StrContains(pem, "-----BEGIN CERTIFICATE-----")) {
    auto der = signer::PemToDer(pem, "CERTIFICATE");
    if (!der.ok()) return Fail("kind rules", der.status().message());
    return CheckCertificate(*der, o, f);
  }
  return absl::OkStatus();
}

absl::Status HashedRekord2(absl::string_view body, const json& root, const EntryCheckOptions& o,
                           EntryFacts* f) {
  const json* spec = Member(root, "spec");
  VOUCH_RETURN_IF_ERROR(Shape(spec, "spec", {"hashedRekordV002"}));
  const json& v = (*spec)["hashedRekordV002"];
  VOUCH_RETURN_IF_ERROR(Shape(&v, "spec.hashedRekordV002", {"data", "signature"}));
  VOUCH_RETURN_IF_ERROR(Shape(&v["data"], "spec.hashedRekordV002.data", {"algorithm", "digest"}));
  VOUCH_RETURN_IF_ERROR(
      Shape(&v["signature"], "spec.hashedRekordV002.signature", {"content", "verifier"}));
  json request = {
      {"hashedRekordRequestV002",
       {{"digest", v["data"]["digest"]},
        {"signature",
         {{"content", v["signature"]["content"]}, {"verifier", v["signature"]["verifier"]}}}}}};
  auto p = log::PrepareV2Entry(request.dump());
  if (!p.ok()) return Fail("kind rules", p.status().message());
  VOUCH_RETURN_IF_ERROR(FinishPrepared(body, *p, o, f));
  const json* cert = Member(v["signature"]["verifier"], "x509Certificate");
  if (cert != nullptr) {
    std::string der;
    const json* raw = Member(*cert, "rawBytes");
    if (raw == nullptr || !raw->is_string() ||
        !absl::Base64Unescape(raw->get<std::string>(), &der)) {
      return Fail("kind rules", "spec.hashedRekordV002.signature.verifier.x509Certificate: bad");
    }
    return CheckCertificate(der, o, f);
  }
  return absl::OkStatus();
}

absl::Status Dsse1(const json& root, const EntryCheckOptions& o, EntryFacts* f) {
  const json* spec = Member(root, "spec");
  VOUCH_RETURN_IF_ERROR(Shape(spec, "spec", {"envelopeHash", "payloadHash", "signatures"}));
  VOUCH_ASSIGN_OR_RETURN(std::string payload,
                         Sha256Hash(Member(*spec, "payloadHash"), "spec.payloadHash"));
  VOUCH_ASSIGN_OR_RETURN(std::string envelope,
                         Sha256Hash(Member(*spec, "envelopeHash"), "spec.envelopeHash"));
  AddUnique(&f->digests, payload);
  AddUnique(&f->digests, envelope);
  const json& sigs = (*spec)["signatures"];
  if (!sigs.is_array() || sigs.empty() || sigs.size() > log::kMaxSignatures) {
    return Fail("kind rules", "spec.signatures: want 1 to 16 signatures");
  }
  std::string previous;
  for (size_t i = 0; i < sigs.size(); ++i) {
    const std::string path = absl::StrCat("spec.signatures[", i, "]");
    VOUCH_RETURN_IF_ERROR(Shape(&sigs[i], path, {"signature", "verifier"}));
    VOUCH_ASSIGN_OR_RETURN(std::string sig, String(&sigs[i], "signature", path));
    std::string raw;
    if (!absl::Base64Unescape(sig, &raw) || raw.empty()) {
      return Fail("kind rules", absl::StrCat(path, ".signature: bad base64"));
    }
    if (i > 0 && !(previous < sig)) {
      return Fail("kind rules", absl::StrCat(path, ": signatures not sorted and unique"));
    }
    previous = sig;
    VOUCH_ASSIGN_OR_RETURN(std::string verifier, String(&sigs[i], "verifier", path));
    VOUCH_RETURN_IF_ERROR(CheckPemKey(verifier, /*canonical=*/true, path + ".verifier", o, f));
  }
  AddUnique(&f->unchecked, "dsse signatures: the stored body does not hold the payload");
  return absl::OkStatus();
}

absl::Status Dsse2(const json& root, const EntryCheckOptions& o, EntryFacts* f) {
  const json* spec = Member(root, "spec");
  VOUCH_RETURN_IF_ERROR(Shape(spec, "spec", {"dsseV002"}));
  const json& v = (*spec)["dsseV002"];
  VOUCH_RETURN_IF_ERROR(Shape(&v, "spec.dsseV002", {"payloadHash", "signatures"}));
  const json& ph = v["payloadHash"];
  VOUCH_RETURN_IF_ERROR(Shape(&ph, "spec.dsseV002.payloadHash", {"algorithm", "digest"}));
  if (!ph["algorithm"].is_string() || ph["algorithm"].get<std::string>() != "SHA2_256") {
    return Fail("kind rules", "spec.dsseV002.payloadHash.algorithm: want SHA2_256");
  }
  VOUCH_ASSIGN_OR_RETURN(std::string digest_b64,
                         String(&ph, "digest", "spec.dsseV002.payloadHash"));
  VOUCH_ASSIGN_OR_RETURN(std::string digest,
                         Base64(digest_b64, "spec.dsseV002.payloadHash.digest"));
  if (digest.size() != 32) {
    return Fail("kind rules", "spec.dsseV002.payloadHash.digest: want 32 bytes");
  }
  AddUnique(&f->digests, absl::StrCat("sha256:", absl::BytesToHexString(digest)));
  const json& sigs = v["signatures"];
  if (!sigs.is_array() || sigs.empty() || sigs.size() > 10) {
    return Fail("kind rules", "spec.dsseV002.signatures: want 1 to 10 signatures");
  }
  std::string previous;
  for (size_t i = 0; i < sigs.size(); ++i) {
    const std::string path = absl::StrCat("spec.dsseV002.signatures[", i, "]");
    VOUCH_RETURN_IF_ERROR(Shape(&sigs[i], path, {"content", "verifier"}));
    VOUCH_ASSIGN_OR_RETURN(std::string content, String(&sigs[i], "content", path));
    VOUCH_ASSIGN_OR_RETURN(std::string raw, Base64(content, path + ".content"));
    if (i > 0 && !(previous < raw)) {
      return Fail("kind rules", absl::StrCat(path, ": signatures not sorted and unique"));
    }
    previous = raw;
    const json& verifier = sigs[i]["verifier"];
    const bool cert = Member(verifier, "x509Certificate") != nullptr;
    VOUCH_RETURN_IF_ERROR(Shape(&verifier, path + ".verifier",
                                {"keyDetails", cert ? "x509Certificate" : "publicKey"}));
    const json& holder = verifier[cert ? "x509Certificate" : "publicKey"];
    VOUCH_RETURN_IF_ERROR(Shape(&holder, path + ".verifier.key", {"rawBytes"}));
    VOUCH_ASSIGN_OR_RETURN(std::string b64, String(&holder, "rawBytes", path + ".verifier.key"));
    VOUCH_ASSIGN_OR_RETURN(std::string der, Base64(b64, path + ".verifier.key.rawBytes"));
    auto key = log::ParseDerKey(der, cert, false, path + ".verifier");
    if (!key.ok()) return Fail("kind rules", key.status().message());
    AddUnique(&f->key_sha256, absl::BytesToHexString(signer::Sha256(key->spki_der)));
    if (cert) VOUCH_RETURN_IF_ERROR(CheckCertificate(der, o, f));
  }
  AddUnique(&f->unchecked, "dsse signatures: the stored body does not hold the payload");
  return absl::OkStatus();
}

absl::Status Intoto2(const json& root, const EntryCheckOptions& o, EntryFacts* f) {
  const json* spec = Member(root, "spec");
  VOUCH_RETURN_IF_ERROR(Shape(spec, "spec", {"content"}));
  const json& c = (*spec)["content"];
  VOUCH_RETURN_IF_ERROR(Shape(&c, "spec.content", {"envelope", "hash", "payloadHash"}));
  VOUCH_ASSIGN_OR_RETURN(std::string hash, Sha256Hash(&c["hash"], "spec.content.hash"));
  VOUCH_ASSIGN_OR_RETURN(std::string payload,
                         Sha256Hash(&c["payloadHash"], "spec.content.payloadHash"));
  AddUnique(&f->digests, payload);
  const json& env = c["envelope"];
  VOUCH_RETURN_IF_ERROR(Shape(&env, "spec.content.envelope", {"payloadType", "signatures"}));
  VOUCH_ASSIGN_OR_RETURN(f->payload_type, String(&env, "payloadType", "spec.content.envelope"));
  const json& sigs = env["signatures"];
  if (!sigs.is_array() || sigs.empty() || sigs.size() > log::kMaxSignatures) {
    return Fail("kind rules", "spec.content.envelope.signatures: want 1 to 16 signatures");
  }
  for (size_t i = 0; i < sigs.size(); ++i) {
    const std::string path = absl::StrCat("spec.content.envelope.signatures[", i, "]");
    VOUCH_RETURN_IF_ERROR(Shape(&sigs[i], path, {"publicKey", "sig"}, {"keyid"}));
    if (const json* keyid = Member(sigs[i], "keyid");
        keyid != nullptr && (!keyid->is_string() || keyid->get<std::string>().empty())) {
      return Fail("kind rules", absl::StrCat(path, ".keyid: want a non-empty string when present"));
    }
    VOUCH_ASSIGN_OR_RETURN(std::string sig, String(&sigs[i], "sig", path));
    std::string once, twice;
    if (!absl::Base64Unescape(sig, &once) || !absl::Base64Unescape(once, &twice) || twice.empty()) {
      return Fail("kind rules", absl::StrCat(path, ".sig: want base64 of the base64 signature"));
    }
    VOUCH_ASSIGN_OR_RETURN(std::string key, String(&sigs[i], "publicKey", path));
    VOUCH_RETURN_IF_ERROR(CheckPemKey(key, /*canonical=*/false, path + ".publicKey", o, f));
  }
  AddUnique(&f->unchecked, "intoto signatures: the stored body does not hold the payload");
  return absl::OkStatus();
}

absl::Status Check(absl::string_view body, const EntryCheckOptions& o, EntryFacts* f) {
  // The common case, a canonical hashedrekord 0.0.1 body (members sorted: apiVersion, kind,
  // spec), goes straight to PrepareEntry, which parses it once.
  if (absl::StartsWith(body, "{\"apiVersion\":\"0.0.1\",\"kind\":\"hashedrekord\",\"spec\":")) {
    f->kind = "hashedrekord";
    f->api_version = "0.0.1";
    return HashedRekord1(body, o, f);
  }
  auto parsed = log::ParseJson(body);
  if (!parsed.ok()) return Fail("not JSON", parsed.status().message());
  const json& root = *parsed;
  if (!root.is_object()) return Fail("kind rules", "entry: want a JSON object");
  const json* kind = Member(root, "kind");
  const json* version = Member(root, "apiVersion");
  if (kind == nullptr || !kind->is_string()) return Fail("kind rules", "kind: missing");
  if (version == nullptr || !version->is_string()) return Fail("kind rules", "apiVersion: missing");
  f->kind = kind->get<std::string>();
  f->api_version = version->get<std::string>();
  const bool hashedrekord = f->kind == "hashedrekord";
  if (!hashedrekord) {
    // hashedrekord bodies are compared with what PrepareEntry builds, which is canonical.
    auto canonical = log::CanonicalizeText(body);
    if (!canonical.ok()) return Fail("not canonical", canonical.status().message());
    if (*canonical != body) return Fail("not canonical", "the body is not RFC 8785 canonical JSON");
  }
  VOUCH_RETURN_IF_ERROR(Shape(&root, "entry", {"apiVersion", "kind", "spec"}));
  if (hashedrekord && f->api_version == "0.0.1") return HashedRekord1(body, o, f);
  if (hashedrekord && f->api_version == "0.0.2") return HashedRekord2(body, root, o, f);
  if (f->kind == "dsse" && f->api_version == "0.0.1") return Dsse1(root, o, f);
  if (f->kind == "dsse" && f->api_version == "0.0.2") return Dsse2(root, o, f);
  if (f->kind == "intoto" && f->api_version == "0.0.2") return Intoto2(root, o, f);
  return Fail("kind rules", absl::StrCat("unknown kind ", absl::CHexEscape(f->kind.substr(0, 64)),
                                         " ", absl::CHexEscape(f->api_version.substr(0, 16))));
}

}  // namespace

EntryCheck CheckEntry(absl::string_view body, const EntryCheckOptions& options) {
  EntryCheck out;
  try {
    out.status = Check(body, options, &out.facts);
  } catch (const std::exception& e) {  // Defensive: every access above is type-checked.
    out.status = Fail("kind rules", e.what());
  }
  return out;
}

}  // namespace vouch::audit
