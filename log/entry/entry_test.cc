// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/entry.h"

#include <atomic>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/file.h"
#include "base/openssl_ptr.h"
#include "formats/dsse.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/entry/canonical_json.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using ::vouch::signer::HashAlgorithm;
using ::vouch::signer::KeyType;
using ::vouch::signer::OpenSslSigner;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using json = nlohmann::json;

std::string B64(absl::string_view s) { return absl::Base64Escape(s); }
std::string Hex(absl::string_view s) { return absl::BytesToHexString(s); }

// Go's pem.EncodeToMemory layout (64 columns), as the stored bodies use.
std::string Pem(absl::string_view type, absl::string_view der) {
  const std::string b = B64(der);
  std::string out = absl::StrCat("-----BEGIN ", type, "-----\n");
  for (size_t i = 0; i < b.size(); i += 64) absl::StrAppend(&out, b.substr(i, 64), "\n");
  return absl::StrCat(out, "-----END ", type, "-----\n");
}

std::string PrivatePem(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* p;
  long n = BIO_get_mem_data(b, &p);
  std::string out(p, n);
  BIO_free(b);
  return out;
}

std::string SpkiDer(EVP_PKEY* k) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k, &der);
  std::string out(reinterpret_cast<char*>(der), n);
  OPENSSL_free(der);
  return out;
}

// A key pair; |pem| is the PEM the entry carries (public key, or a certificate if made so).
struct Key {
  std::unique_ptr<OpenSslSigner> signer;
  std::string pem;
  std::string spki;

  // Signs a precomputed digest (hashedrekord).
  std::string SignDigest(HashAlgorithm h, absl::string_view digest) const {
    auto s = signer->SignDigest(h, digest);
    EXPECT_THAT(s, IsOk());
    return s.ok() ? *s : "";
  }
  // Signs a DSSE PAE the way Rekor verifies it: SHA-256 for ECDSA/RSA, pure Ed25519.
  std::string SignPae(absl::string_view pae) const {
    if (signer->key_type() == KeyType::kEd25519) {
      auto s = signer->Sign(pae);
      EXPECT_THAT(s, IsOk());
      return *s;
    }
    return SignDigest(HashAlgorithm::kSha256, signer::Sha256(pae));
  }
};

Key FromPkey(EVP_PKEY* k) {
  Key key;
  auto s = OpenSslSigner::FromPem(PrivatePem(k));
  EXPECT_THAT(s, IsOk());
  key.signer = std::move(*s);
  key.spki = SpkiDer(k);
  key.pem = Pem("PUBLIC KEY", key.spki);
  return key;
}

Key NewKey(const char* alg, int param = 0) {
  PkeyPtr k;
  if (std::string(alg) == "EC") {
    k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC",
                              param == 384   ? "P-384"
                              : param == 521 ? "P-521"
                                             : "P-256"));
  } else if (std::string(alg) == "RSA") {
    k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(param)));
  } else {
    k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, alg));
  }
  EXPECT_NE(k, nullptr);
  return FromPkey(k.get());
}

// A public key PEM of a key type the log refuses.
std::string UnsupportedPem(const char* what) {
  PkeyPtr k;
  const std::string w = what;
  if (w == "P-224") k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-224"));
  if (w == "RSA-1024") k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  if (w == "X25519") k.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (w == "DSA") {
    EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new_from_name(nullptr, "DSA", nullptr);
    EVP_PKEY* params = nullptr;
    EVP_PKEY_paramgen_init(pc);
    EVP_PKEY_CTX_set_dsa_paramgen_bits(pc, 1024);
    EVP_PKEY_paramgen(pc, &params);
    EVP_PKEY_CTX_free(pc);
    EVP_PKEY_CTX* kc = EVP_PKEY_CTX_new(params, nullptr);
    EVP_PKEY* key = nullptr;
    EVP_PKEY_keygen_init(kc);
    EVP_PKEY_keygen(kc, &key);
    EVP_PKEY_CTX_free(kc);
    EVP_PKEY_free(params);
    k.reset(key);
  }
  EXPECT_NE(k, nullptr) << what;
  return Pem("PUBLIC KEY", SpkiDer(k.get()));
}

// A P-256 key whose |pem| is a self-signed certificate with the given SANs.
Key NewCertKey(const std::string& sans, bool rsa = false, bool two_sans = false) {
  PkeyPtr k(rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Key key = FromPkey(k.get());
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 600);
  X509_set_pubkey(x, k.get());
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("vouch test"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, sans.c_str());
  EXPECT_NE(ext, nullptr);
  X509_add_ext(x, ext, -1);
  if (two_sans) X509_add_ext(x, ext, -1);
  X509_EXTENSION_free(ext);
  EXPECT_GT(X509_sign(x, k.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  key.pem = Pem("CERTIFICATE", std::string(reinterpret_cast<char*>(der), n));
  OPENSSL_free(der);
  X509_free(x);
  return key;
}

// ----------------------------------------------------------------------------- builders

std::string HashedRekordJson(const std::string& alg, const std::string& hex,
                             const std::string& sig_b64, const std::string& key_b64) {
  return json{{"apiVersion", "0.0.1"},
              {"kind", "hashedrekord"},
              {"spec",
               {{"signature", {{"content", sig_b64}, {"publicKey", {{"content", key_b64}}}}},
                {"data", {{"hash", {{"algorithm", alg}, {"value", hex}}}}}}}}
      .dump();
}

struct HashedRekord {
  std::string json;
  std::string digest_hex;
  std::string sig;
};

HashedRekord MakeHashedRekord(const Key& key, HashAlgorithm h = HashAlgorithm::kSha256,
                              const std::string& artifact = "artifact bytes") {
  const char* alg = h == HashAlgorithm::kSha256   ? "sha256"
                    : h == HashAlgorithm::kSha384 ? "sha384"
                                                  : "sha512";
  const std::string digest = signer::Digest(h, artifact);
  HashedRekord r;
  r.sig = key.SignDigest(h, digest);
  r.digest_hex = Hex(digest);
  r.json = HashedRekordJson(alg, r.digest_hex, B64(r.sig), B64(key.pem));
  return r;
}

using formats::DssePae;

constexpr char kInToto[] = "application/vnd.in-toto+json";

std::string Statement() {
  return json{
      {"_type", "https://in-toto.io/Statement/v1"},
      {"subject",
       json::array(
           {{{"name", "a.tgz"},
             {"digest", {{"sha256", std::string(64, 'A')}, {"sha512", std::string(128, 'b')}}}},
            {{"name", "b.tgz"}, {"digest", {{"sha256", std::string(64, 'c')}}}}})},
      {"predicateType", "https://slsa.dev/provenance/v0.2"},
      {"predicate",
       {{"materials",
         json::array({{{"uri", "git+https://x"}, {"digest", {{"sha1", std::string(40, 'd')}}}}})}}}}
      .dump();
}

// A DSSE envelope over |payload| signed by every key in |signers|.
std::string Envelope(const std::string& type, const std::string& payload,
                     const std::vector<const Key*>& signers, std::vector<std::string>* sigs_b64) {
  json sigs = json::array();
  for (const Key* k : signers) {
    const std::string s = B64(k->SignPae(DssePae(type, payload)));
    if (sigs_b64 != nullptr) sigs_b64->push_back(s);
    sigs.push_back({{"keyid", ""}, {"sig", s}});
  }
  return json{{"payloadType", type}, {"payload", B64(payload)}, {"signatures", sigs}}.dump();
}

std::string DsseJson(const std::string& envelope, const std::vector<const Key*>& verifiers) {
  json vs = json::array();
  for (const Key* k : verifiers) vs.push_back(B64(k->pem));
  return json{{"apiVersion", "0.0.1"},
              {"kind", "dsse"},
              {"spec", {{"proposedContent", {{"envelope", envelope}, {"verifiers", vs}}}}}}
      .dump();
}

// intoto 0.0.2: payload and sig are base64 of the envelope's own base64 text.
std::string IntotoJson(const std::string& type, const std::string& payload,
                       const std::vector<const Key*>& signers, const std::string& keyid,
                       const std::string& envelope_hash) {
  json sigs = json::array();
  for (const Key* k : signers) {
    json s = {{"sig", B64(B64(k->SignPae(DssePae(type, payload))))}, {"publicKey", B64(k->pem)}};
    if (!keyid.empty()) s["keyid"] = keyid;
    sigs.push_back(s);
  }
  return json{{"apiVersion", "0.0.2"},
              {"kind", "intoto"},
              {"spec",
               {{"content",
                 {{"envelope",
                   {{"payloadType", type}, {"payload", B64(B64(payload))}, {"signatures", sigs}}},
                  {"hash", {{"algorithm", "sha256"}, {"value", envelope_hash}}}}}}}}
      .dump();
}

absl::StatusOr<CanonicalEntry> PrepareAndVerify(const std::string& j) {
  return CanonicalizeEntry(j);
}

// ----------------------------------------------------------------------------- hashedrekord

TEST(HashedRekord, EcdsaP256GoldenBodyKeysAndUuid) {
  const Key key = NewKey("EC", 256);
  const HashedRekord r = MakeHashedRekord(key);
  auto p = PrepareEntry(r.json);
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p), IsOk());
  EXPECT_EQ(p->entry.kind, EntryKind::kHashedRekord);
  EXPECT_EQ(p->entry.api_version, "0.0.1");
  EXPECT_EQ(p->entry.body,
            absl::StrCat(R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":)",
                         R"({"algorithm":"sha256","value":")", r.digest_hex,
                         R"("}},"signature":{"content":")", B64(r.sig),
                         R"(","publicKey":{"content":")", B64(key.pem), R"("}}}})"));
  EXPECT_THAT(p->entry.keys.artifact_hashes, ElementsAre("sha256:" + r.digest_hex));
  EXPECT_THAT(p->entry.keys.public_key_hashes,
              ElementsAre("sha256:" + Hex(signer::Sha256(key.spki))));
  EXPECT_TRUE(p->entry.keys.identities.empty());
  auto uuid = EntryUuid(p->entry.body);
  ASSERT_THAT(uuid, IsOk());
  EXPECT_EQ(*uuid, Hex(signer::Sha256(std::string(1, '\0') + p->entry.body)));
  // The body is already canonical.
  EXPECT_EQ(*CanonicalizeText(p->entry.body), p->entry.body);
}

TEST(HashedRekord, EveryKeyTypeAndDigest) {
  const struct {
    const char* alg;
    int param;
    HashAlgorithm h;
  } kCases[] = {
      {"EC", 256, HashAlgorithm::kSha256},   {"EC", 256, HashAlgorithm::kSha512},
      {"EC", 384, HashAlgorithm::kSha384},   {"EC", 384, HashAlgorithm::kSha256},
      {"EC", 521, HashAlgorithm::kSha512},   {"RSA", 2048, HashAlgorithm::kSha256},
      {"RSA", 3072, HashAlgorithm::kSha384}, {"RSA", 4096, HashAlgorithm::kSha512},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(absl::StrCat(c.alg, "-", c.param, " hash ", static_cast<int>(c.h)));
    const Key key = NewKey(c.alg, c.param);
    const HashedRekord r = MakeHashedRekord(key, c.h);
    auto e = PrepareAndVerify(r.json);
    ASSERT_THAT(e, IsOk());
    // Signature over a different artifact: prepared fine, refused by VerifyEntry.
    const HashedRekord other = MakeHashedRekord(key, c.h, "other artifact");
    auto bad = PrepareEntry(HashedRekordJson(
        json::parse(r.json)["spec"]["data"]["hash"]["algorithm"].get<std::string>(), r.digest_hex,
        B64(other.sig), B64(key.pem)));
    ASSERT_THAT(bad, IsOk());
    EXPECT_THAT(VerifyEntry(*bad),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "spec.signature.content: signature does not verify against the "
                         "public key"));
  }
}

TEST(HashedRekord, CertificateIdentitiesAndCanonicalPem) {
  const Key key = NewCertKey(
      "email:Alice@Example.COM,URI:https://github.com/org/repo/.github/workflows/"
      "release.yml@refs/heads/main,DNS:example.com");
  const HashedRekord r = MakeHashedRekord(key);
  auto e = PrepareAndVerify(r.json);
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(e->keys.identities, ElementsAre("alice@example.com",
                                              "https://github.com/org/repo/.github/workflows/"
                                              "release.yml@refs/heads/main"));
  EXPECT_THAT(e->keys.public_key_hashes, ElementsAre("sha256:" + Hex(signer::Sha256(key.spki))));
  EXPECT_THAT(e->body, HasSubstr(B64(key.pem)));
  // An RFC 9598 SmtpUTF8Mailbox (what vouchd's CA writes for a non-ASCII local part) is an
  // e-mail identity too; another otherName is not.
  const Key smtp = NewCertKey(
      "otherName:1.3.6.1.5.5.7.8.9;UTF8:Mailbox@Example.com,otherName:1.2.3.4;UTF8:x@y.com");
  e = PrepareAndVerify(MakeHashedRekord(smtp).json);
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(e->keys.identities, ElementsAre("mailbox@example.com"));
}

TEST(HashedRekord, KeyEncodingsOffTheFastPath) {
  // A compressed EC point (parsed by OpenSSL's generic decoder, not the fast path).
  PkeyPtr k(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_EQ(EVP_PKEY_set_utf8_string_param(k.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                           "compressed"),
            1);
  Key compressed = FromPkey(k.get());
  ASSERT_EQ(compressed.spki.size(), 59u);
  EXPECT_THAT(CanonicalizeEntry(MakeHashedRekord(compressed).json), IsOk());
  // A certificate for an RSA key, with identities.
  const Key rsa = NewCertKey("email:Carol@Example.net", /*rsa=*/true);
  auto e = CanonicalizeEntry(MakeHashedRekord(rsa).json);
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(e->keys.identities, ElementsAre("carol@example.net"));
  EXPECT_THAT(e->keys.public_key_hashes, ElementsAre("sha256:" + Hex(signer::Sha256(rsa.spki))));
}

TEST(HashedRekord, RefusesBrokenKeysAndCertificates) {
  const Key key = NewKey("EC", 256);
  const HashedRekord r = MakeHashedRekord(key);
  auto with_pem = [&](const std::string& pem) {
    return PrepareEntry(HashedRekordJson("sha256", r.digest_hex, B64(r.sig), B64(pem)));
  };
  // A point off the curve, in the fast-path encoding.
  std::string off = key.spki;
  off.back() ^= 1;
  EXPECT_THAT(with_pem(Pem("PUBLIC KEY", off)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("spec.signature.publicKey.content: garbage PEM")));
  // Trailing bytes after the key.
  EXPECT_THAT(with_pem(Pem("PUBLIC KEY", key.spki + "x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("garbage PEM")));
  // Certificates: truncated, with trailing bytes, with a corrupted public key, with two SAN
  // extensions.
  const Key cert = NewCertKey("email:a@b.c");
  std::string der;
  ASSERT_TRUE(absl::Base64Unescape(
      absl::StrReplaceAll(
          cert.pem,
          {{"-----BEGIN CERTIFICATE-----", ""}, {"-----END CERTIFICATE-----", ""}, {"\n", ""}}),
      &der));
  for (const std::string& bad :
       {der.substr(0, der.size() - 1), der + std::string(1, '\0'), der.substr(0, 40)}) {
    EXPECT_THAT(with_pem(Pem("CERTIFICATE", bad)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "spec.signature.publicKey.content: garbage PEM: malformed X.509 "
                         "certificate"));
  }
  const size_t at = der.find(cert.spki);
  ASSERT_NE(at, std::string::npos);
  std::string bad_key = der;
  bad_key[at + cert.spki.size() - 1] ^= 1;
  EXPECT_THAT(with_pem(Pem("CERTIFICATE", bad_key)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("garbage PEM")));
  EXPECT_THAT(with_pem(NewCertKey("email:a@b.c", false, /*two_sans=*/true).pem),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed X.509")));
}

TEST(HashedRekord, PemIsReencodedCanonically) {
  const Key key = NewKey("EC", 256);
  const HashedRekord r = MakeHashedRekord(key);
  // The same key as 76-column PEM with CRLF, no trailing newline and surrounding blank lines.
  std::string odd = absl::StrCat("\n-----BEGIN PUBLIC KEY-----\r\n", B64(key.spki).substr(0, 76),
                                 "\r\n", B64(key.spki).substr(76), "\r\n-----END PUBLIC KEY-----");
  auto e = PrepareAndVerify(HashedRekordJson("sha256", r.digest_hex, B64(r.sig), B64(odd)));
  ASSERT_THAT(e, IsOk());
  auto want = PrepareAndVerify(r.json);
  ASSERT_THAT(want, IsOk());
  EXPECT_EQ(e->body, want->body);
  // Upper-case hex is stored lower-case; unknown extra fields are dropped.
  json j = json::parse(r.json);
  j["spec"]["data"]["hash"]["value"] = absl::AsciiStrToUpper(r.digest_hex);
  j["spec"]["signature"]["format"] = "x509";
  j["spec"]["extra"] = {1, 2};
  auto e2 = PrepareAndVerify(j.dump());
  ASSERT_THAT(e2, IsOk());
  EXPECT_EQ(e2->body, want->body);
}

// Rekor verifies Ed25519 hashedrekord signatures as Ed25519ph over the sha512 digest. RFC 8032
// section 7.3's vector (message "abc") as an entry.
TEST(HashedRekord, Ed25519phOverSha512Digest) {
  const std::string spki = absl::HexStringToBytes(
      "302a300506032b6570032100ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf");
  const std::string sig = absl::HexStringToBytes(
      "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062"
      "adf5aaa10b8c61e636062aaad11c2a26083406");
  const std::string pem = Pem("PUBLIC KEY", spki);
  const std::string digest = Hex(signer::Sha512("abc"));
  auto e = CanonicalizeEntry(HashedRekordJson("sha512", digest, B64(sig), B64(pem)));
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(e->keys.artifact_hashes, ElementsAre("sha512:" + digest));
  EXPECT_THAT(e->keys.public_key_hashes, ElementsAre("sha256:" + Hex(signer::Sha256(spki))));
  // Another artifact's digest: refused by VerifyEntry.
  auto other =
      PrepareEntry(HashedRekordJson("sha512", Hex(signer::Sha512("abd")), B64(sig), B64(pem)));
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(VerifyEntry(*other),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.signature.content: signature does not verify against the public "
                       "key"));
  // A pure Ed25519 signature over the artifact is not an Ed25519ph signature.
  const Key key = NewKey("ED25519");
  auto pure = key.signer->Sign("artifact");
  ASSERT_THAT(pure, IsOk());
  auto p = PrepareEntry(
      HashedRekordJson("sha512", Hex(signer::Sha512("artifact")), B64(*pure), B64(key.pem)));
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p), StatusIs(absl::StatusCode::kInvalidArgument));
  // Ed25519ph is defined over SHA-512 only.
  EXPECT_THAT(
      PrepareEntry(HashedRekordJson("sha256", Hex(signer::Sha256("abc")), B64(sig), B64(pem))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               "spec.data.hash.algorithm: Ed25519 keys sign sha512 digests (Ed25519ph), "
               "got sha256"));
}

// ----------------------------------------------------------------------------- dsse

TEST(Dsse, GoldenBodyAndIndexKeysForEveryKeyType) {
  for (const auto& [alg, param] : std::vector<std::pair<const char*, int>>{
           {"EC", 256}, {"EC", 384}, {"ED25519", 0}, {"RSA", 2048}}) {
    SCOPED_TRACE(absl::StrCat(alg, param));
    const Key key = NewKey(alg, param);
    const std::string payload = Statement();
    std::vector<std::string> sigs;
    const std::string env = Envelope(kInToto, payload, {&key}, &sigs);
    auto p = PrepareEntry(DsseJson(env, {&key}));
    ASSERT_THAT(p, IsOk());
    EXPECT_THAT(VerifyEntry(*p), IsOk());
    EXPECT_EQ(p->entry.kind, EntryKind::kDsse);
    const std::string env_hash = Hex(signer::Sha256(env));
    const std::string payload_hash = Hex(signer::Sha256(payload));
    EXPECT_EQ(p->entry.body,
              absl::StrCat(R"({"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":)",
                           R"({"algorithm":"sha256","value":")", env_hash,
                           R"("},"payloadHash":{"algorithm":"sha256","value":")", payload_hash,
                           R"("},"signatures":[{"signature":")", sigs[0], R"(","verifier":")",
                           B64(key.pem), R"("}]}})"));
    EXPECT_THAT(p->entry.keys.artifact_hashes,
                ElementsAre("sha256:" + payload_hash, "sha256:" + env_hash,
                            "sha256:" + std::string(64, 'a'), "sha512:" + std::string(128, 'b'),
                            "sha256:" + std::string(64, 'c'), "sha1:" + std::string(40, 'd')));
    EXPECT_THAT(p->entry.keys.public_key_hashes,
                ElementsAre("sha256:" + Hex(signer::Sha256(key.spki))));
  }
}

TEST(Dsse, SeveralSignaturesAreMatchedSortedAndDeduplicated) {
  const Key a = NewKey("EC", 256);
  const Key b = NewKey("ED25519");
  std::vector<std::string> sigs;
  // a signs twice (ECDSA is randomized, so two distinct signatures), b once; plus a duplicate.
  json env = json::parse(Envelope("text/plain", "hello", {&a, &b, &a}, &sigs));
  env["signatures"].push_back(env["signatures"][0]);
  auto p = PrepareEntry(DsseJson(env.dump(), {&b, &a}));
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p), IsOk());
  json body = json::parse(p->entry.body);
  ASSERT_EQ(body["spec"]["signatures"].size(), 3u);
  std::vector<std::string> got;
  for (const auto& s : body["spec"]["signatures"]) {
    got.push_back(s["signature"]);
    EXPECT_EQ(s["verifier"], B64(s["signature"] == sigs[1] ? b.pem : a.pem));
  }
  EXPECT_TRUE(std::is_sorted(got.begin(), got.end()));
  EXPECT_THAT(got, UnorderedElementsAre(sigs[0], sigs[1], sigs[2]));
  EXPECT_THAT(p->entry.keys.public_key_hashes,
              UnorderedElementsAre("sha256:" + Hex(signer::Sha256(a.spki)),
                                   "sha256:" + Hex(signer::Sha256(b.spki))));
}

TEST(Dsse, SignatureByAKeyNotInVerifiers) {
  const Key a = NewKey("EC", 256);
  const Key b = NewKey("EC", 256);
  const Key c = NewKey("EC", 256);
  const std::string env = Envelope(kInToto, Statement(), {&a}, nullptr);
  // One verifier: found by VerifyEntry.
  auto p = PrepareEntry(DsseJson(env, {&b}));
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("spec.proposedContent.envelope: signature ")));
  // Several verifiers: found while matching.
  EXPECT_THAT(PrepareEntry(DsseJson(env, {&b, &c})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not verify against any of spec.proposedContent."
                                 "verifiers")));
  // A verifier that signed nothing is refused (as Rekor does).
  EXPECT_THAT(PrepareEntry(DsseJson(env, {&a, &c})),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.proposedContent.verifiers[1]: verifies no signature of the "
                       "envelope"));
  // The payload changed after signing.
  json tampered = json::parse(env);
  tampered["payload"] = B64(Statement() + " ");
  auto t = PrepareEntry(DsseJson(tampered.dump(), {&a}));
  ASSERT_THAT(t, IsOk());
  EXPECT_THAT(VerifyEntry(*t), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Dsse, CertificateVerifierGivesIdentities) {
  const Key key = NewCertKey("email:Bob@example.org");
  const std::string env = Envelope(kInToto, Statement(), {&key}, nullptr);
  auto e = PrepareAndVerify(DsseJson(env, {&key}));
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(e->keys.identities, ElementsAre("bob@example.org"));
}

// ----------------------------------------------------------------------------- intoto

TEST(Intoto, GoldenBody) {
  const Key key = NewKey("EC", 256);
  const std::string payload = Statement();
  const std::string env_hash(64, 'e');
  const std::string j = IntotoJson(kInToto, payload, {&key}, "key-1", env_hash);
  auto p = PrepareEntry(j);
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p), IsOk());
  EXPECT_EQ(p->entry.kind, EntryKind::kIntoto);
  EXPECT_EQ(p->entry.api_version, "0.0.2");
  const std::string sig = json::parse(j)["spec"]["content"]["envelope"]["signatures"][0]["sig"];
  EXPECT_EQ(p->entry.body,
            absl::StrCat(R"({"apiVersion":"0.0.2","kind":"intoto","spec":{"content":{"envelope":)",
                         R"({"payloadType":"application/vnd.in-toto+json","signatures":[)",
                         R"({"keyid":"key-1","publicKey":")", B64(key.pem), R"(","sig":")", sig,
                         R"("}]},"hash":{"algorithm":"sha256","value":")", env_hash,
                         R"("},"payloadHash":{"algorithm":"sha256","value":")",
                         Hex(signer::Sha256(payload)), R"("}}}})"));
  EXPECT_EQ(p->entry.keys.artifact_hashes[0], "sha256:" + Hex(signer::Sha256(payload)));
  EXPECT_THAT(p->entry.keys.artifact_hashes, ::testing::Contains("sha256:" + std::string(64, 'c')));
  // Without a keyid the field is omitted, as Rekor's model does.
  auto q = PrepareAndVerify(IntotoJson(kInToto, payload, {&key}, "", env_hash));
  ASSERT_THAT(q, IsOk());
  EXPECT_THAT(q->body, Not(HasSubstr("keyid")));
}

TEST(Intoto, EveryKeyTypeAndTamperedSignature) {
  for (const auto& [alg, param] :
       std::vector<std::pair<const char*, int>>{{"EC", 384}, {"ED25519", 0}, {"RSA", 3072}}) {
    SCOPED_TRACE(alg);
    const Key key = NewKey(alg, param);
    const Key other = NewKey("EC", 256);
    EXPECT_THAT(PrepareAndVerify(IntotoJson("text/plain", "x", {&key}, "", std::string(64, '0'))),
                IsOk());
    // The signature of |other| presented with |key|.
    json j = json::parse(IntotoJson("text/plain", "x", {&other}, "", std::string(64, '0')));
    j["spec"]["content"]["envelope"]["signatures"][0]["publicKey"] = B64(key.pem);
    auto p = PrepareEntry(j.dump());
    ASSERT_THAT(p, IsOk());
    EXPECT_THAT(VerifyEntry(*p),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         "spec.content.envelope.signatures[0].sig: signature does not verify "
                         "against spec.content.envelope.signatures[0].publicKey"));
  }
}

TEST(Intoto, StoresThePublicKeyAsSent) {
  // sigstore-js sends PEM without a trailing newline; Rekor stores it as is (see the real bodies).
  Key key = NewKey("EC", 256);
  key.pem.pop_back();
  auto e = CanonicalizeEntry(IntotoJson("text/plain", "x", {&key}, "", std::string(64, 'F')));
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(e->body, HasSubstr(absl::StrCat("\"publicKey\":\"", B64(key.pem), "\"")));
  EXPECT_THAT(e->body, HasSubstr(std::string(64, 'f')));
  // Text before the block is not a key.
  key.pem = "junk\n" + key.pem;
  EXPECT_THAT(PrepareEntry(IntotoJson("text/plain", "x", {&key}, "", std::string(64, 'F'))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "spec.content.envelope.signatures[0].publicKey: garbage PEM: text before "
                       "the PEM block"));
}

TEST(Entry, VerifyEntryWithoutChecksIsAnInternalError) {
  EXPECT_THAT(VerifyEntry(PreparedEntry{}), StatusIs(absl::StatusCode::kInternal));
}

// Prepared entries are verified concurrently by the sequencer.
TEST(Entry, VerifiesConcurrently) {
  const Key key = NewKey("EC", 256);
  std::vector<PreparedEntry> batch;
  for (int i = 0; i < 64; ++i) {
    auto p = PrepareEntry(MakeHashedRekord(key, HashAlgorithm::kSha256, absl::StrCat(i)).json);
    ASSERT_THAT(p, IsOk());
    batch.push_back(*std::move(p));
  }
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < batch.size(); i += 4) ok += VerifyEntry(batch[i]).ok();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 64);
}

// ----------------------------------------------------------------------------- hostile inputs

TEST(Entry, HostileInputsAreRefusedNamingTheField) {
  const Key key = NewKey("EC", 256);
  const HashedRekord r = MakeHashedRekord(key);
  const std::string sig = B64(r.sig);
  const std::string pk = B64(key.pem);
  const std::string env = Envelope(kInToto, Statement(), {&key}, nullptr);
  const std::string hex = r.digest_hex;
  auto hr = [&](const std::function<void(json&)>& f) {
    json j = json::parse(r.json);
    f(j);
    return j.dump();
  };
  auto ds = [&](const std::function<void(json&)>& f) {
    json j = json::parse(DsseJson(env, {&key}));
    f(j);
    return j.dump();
  };
  auto de = [&](const std::function<void(json&)>& f) {  // edits the DSSE envelope itself
    json e = json::parse(env);
    f(e);
    return DsseJson(e.dump(), {&key});
  };
  auto it = [&](const std::function<void(json&)>& f) {
    json j = json::parse(IntotoJson(kInToto, Statement(), {&key}, "", std::string(64, 'e')));
    f(j);
    return j.dump();
  };
  auto key_b64 = [&](const std::string& pem) {
    return hr([&](json& j) { j["spec"]["signature"]["publicKey"]["content"] = B64(pem); });
  };
  const struct {
    std::string input;
    std::string want;
  } kCases[] = {
      {"", "invalid JSON at byte"},
      {"{", "invalid JSON at byte"},
      {"{\"kind\":\"hashedrekord\",}", "invalid JSON at byte"},
      {"[1,2]", "entry: want a JSON object, got array"},
      {R"({"kind":"hashedrekord","kind":"dsse"})", "duplicate key \"kind\""},
      {"{}", "kind: missing"},
      {R"({"kind":7})", "kind: want a string, got number"},
      {R"({"kind":"foo","apiVersion":"0.0.1","spec":{}})", "kind: unknown kind \"foo\""},
      {R"({"kind":"rekord","apiVersion":"0.0.1","spec":{}})", "kind: unknown kind \"rekord\""},
      {R"({"kind":"hashedrekord","spec":{}})", "apiVersion: missing"},
      {R"({"kind":"hashedrekord","apiVersion":"0.0.2","spec":{}})",
       "apiVersion: unsupported version \"0.0.2\" for hashedrekord (want 0.0.1)"},
      {R"({"kind":"intoto","apiVersion":"0.0.1","spec":{}})",
       "apiVersion: unsupported version \"0.0.1\" for intoto (want 0.0.2)"},
      {R"({"kind":"dsse","apiVersion":"0.0.1"})", "spec: missing"},
      {R"({"kind":"dsse","apiVersion":"0.0.1","spec":"x"})", "spec: want an object, got string"},
      // hashedrekord
      {hr([](json& j) { j["spec"].erase("signature"); }), "spec.signature: missing"},
      {hr([](json& j) { j["spec"]["signature"]["content"] = 5; }),
       "spec.signature.content: want a string, got number"},
      {hr([](json& j) { j["spec"]["signature"]["content"] = ""; }),
       "spec.signature.content: empty"},
      {hr([](json& j) { j["spec"]["signature"]["content"] = "not base64!"; }),
       "spec.signature.content: bad base64"},
      {hr([](json& j) { j["spec"]["signature"]["content"] = "QUJD"; }),  // valid, but "ABC"
       ""},
      {hr([](json& j) { j["spec"]["signature"]["content"] = "QUJ"; }),
       "spec.signature.content: bad base64"},
      {hr([](json& j) { j["spec"]["signature"]["publicKey"] = nullptr; }),
       "spec.signature.publicKey: missing"},
      {hr([](json& j) { j["spec"]["signature"]["publicKey"] = {1}; }),
       "spec.signature.publicKey: want an object, got array"},
      {hr([](json& j) { j["spec"]["signature"]["publicKey"]["content"] = "@@@@"; }),
       "spec.signature.publicKey.content: bad base64"},
      {hr([](json& j) { j["spec"].erase("data"); }), "spec.data: missing"},
      {hr([](json& j) { j["spec"]["data"].erase("hash"); }), "spec.data.hash: missing"},
      {hr([](json& j) { j["spec"]["data"]["hash"].erase("algorithm"); }),
       "spec.data.hash.algorithm: missing"},
      {hr([](json& j) { j["spec"]["data"]["hash"]["algorithm"] = "md5"; }),
       "spec.data.hash.algorithm: unsupported hash algorithm \"md5\""},
      {hr([](json& j) { j["spec"]["data"]["hash"]["algorithm"] = "sha1"; }),
       "spec.data.hash.algorithm: unsupported hash algorithm \"sha1\""},
      {hr([](json& j) { j["spec"]["data"]["hash"]["value"] = true; }),
       "spec.data.hash.value: want a string, got boolean"},
      {hr([&](json& j) { j["spec"]["data"]["hash"]["value"] = hex.substr(2); }),
       "spec.data.hash.value: wrong digest length 31 for sha256, want 32"},
      {hr([&](json& j) { j["spec"]["data"]["hash"]["value"] = hex + "00"; }),
       "spec.data.hash.value: wrong digest length 33 for sha256, want 32"},
      {hr([&](json& j) { j["spec"]["data"]["hash"]["algorithm"] = "sha512"; }),
       "spec.data.hash.value: wrong digest length 32 for sha512, want 64"},
      {hr([&](json& j) { j["spec"]["data"]["hash"]["value"] = hex.substr(1); }),
       "spec.data.hash.value: odd number of hex digits"},
      {hr([&](json& j) { j["spec"]["data"]["hash"]["value"] = "zz" + hex.substr(2); }),
       "spec.data.hash.value: not hex"},
      {key_b64("hello, not a key"), "spec.signature.publicKey.content: garbage PEM"},
      {key_b64("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
       "spec.signature.publicKey.content: garbage PEM"},
      {key_b64("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
       "spec.signature.publicKey.content: garbage PEM"},
      {key_b64(Pem("PRIVATE KEY", "xyz")),
       "spec.signature.publicKey.content: unsupported key: PEM block \"PRIVATE KEY\""},
      {key_b64(key.pem + key.pem),
       "spec.signature.publicKey.content: unsupported key: more than one PEM block"},
      {key_b64(UnsupportedPem("P-224")), "spec.signature.publicKey.content: unsupported key"},
      {key_b64(UnsupportedPem("RSA-1024")),
       "spec.signature.publicKey.content: unsupported key: RSA-1024"},
      {key_b64(UnsupportedPem("DSA")), "spec.signature.publicKey.content: unsupported key"},
      {key_b64(UnsupportedPem("X25519")), "spec.signature.publicKey.content: unsupported key"},
      {key_b64(std::string(kMaxKeyBytes + 1, 'A')), "spec.signature.publicKey.content: too large"},
      {hr([](json& j) { j["spec"]["signature"]["content"] = std::string(20000, 'A'); }),
       "spec.signature.content: too large"},
      // dsse
      {ds([](json& j) { j["spec"].erase("proposedContent"); }), "spec.proposedContent: missing"},
      {ds([](json& j) {
         j["spec"]["payloadHash"] = {{"algorithm", "sha256"}};
       }),
       "spec.payloadHash: computed by the log"},
      {ds([](json& j) { j["spec"]["proposedContent"]["envelope"] = "{not json"; }),
       "spec.proposedContent.envelope: invalid JSON at byte"},
      {ds([](json& j) { j["spec"]["proposedContent"]["envelope"] = "[]"; }),
       "spec.proposedContent.envelope: want a JSON object, got array"},
      {ds([](json& j) { j["spec"]["proposedContent"]["envelope"] = json::object(); }),
       "spec.proposedContent.envelope: want a string, got object"},
      {ds([](json& j) {
         j["spec"]["proposedContent"]["envelope"] = std::string(kMaxEnvelopeBytes + 1, ' ');
       }),
       "spec.proposedContent.envelope: too large"},
      {ds([](json& j) { j["spec"]["proposedContent"]["verifiers"] = json::array(); }),
       "spec.proposedContent.verifiers: no verifiers"},
      {ds([](json& j) { j["spec"]["proposedContent"].erase("verifiers"); }),
       "spec.proposedContent.verifiers: missing"},
      {ds([](json& j) { j["spec"]["proposedContent"]["verifiers"] = {"%%%"}; }),
       "spec.proposedContent.verifiers[0]: bad base64"},
      {ds([](json& j) { j["spec"]["proposedContent"]["verifiers"] = {1}; }),
       "spec.proposedContent.verifiers[0]: want a string, got number"},
      {ds([](json& j) { j["spec"]["proposedContent"]["verifiers"] = {B64("junk")}; }),
       "spec.proposedContent.verifiers[0]: garbage PEM"},
      {ds([](json& j) {
         j["spec"]["proposedContent"]["verifiers"] = {B64(UnsupportedPem("RSA-1024"))};
       }),
       "spec.proposedContent.verifiers[0]: unsupported key: RSA-1024"},
      {de([](json& e) { e["signatures"] = json::array(); }),
       "spec.proposedContent.envelope.signatures: DSSE envelope has no signatures"},
      {de([](json& e) { e.erase("signatures"); }),
       "spec.proposedContent.envelope.signatures: missing"},
      {de([](json& e) { e["signatures"][0]["sig"] = "a b"; }),
       "spec.proposedContent.envelope.signatures[0].sig: bad base64"},
      {de([](json& e) { e["signatures"][0]["keyid"] = 3; }),
       "spec.proposedContent.envelope.signatures[0].keyid: want a string"},
      {de([](json& e) { e["signatures"][0] = "sig"; }),
       "spec.proposedContent.envelope.signatures[0]: want an object, got string"},
      {de([](json& e) { e["payload"] = "!!"; }),
       "spec.proposedContent.envelope.payload: bad base64"},
      {de([](json& e) { e.erase("payloadType"); }),
       "spec.proposedContent.envelope.payloadType: missing"},
      {de([](json& e) {
         for (int i = 0; i < 17; ++i) e["signatures"].push_back(e["signatures"][0]);
       }),
       "spec.proposedContent.envelope.signatures: 18 signatures, limit 16"},
      // intoto
      {it([](json& j) { j["spec"].erase("content"); }), "spec.content: missing"},
      {it([](json& j) { j["spec"]["content"].erase("hash"); }), "spec.content.hash: missing"},
      {it([](json& j) { j["spec"]["content"]["hash"]["algorithm"] = "sha512"; }),
       "spec.content.hash.algorithm: unsupported hash algorithm \"sha512\""},
      {it([](json& j) { j["spec"]["content"]["hash"]["value"] = "abc"; }),
       "spec.content.hash.value: wrong digest length 3 hex digits for sha256, want 64"},
      {it([](json& j) { j["spec"]["content"]["envelope"]["payload"] = "$$$$"; }),
       "spec.content.envelope.payload: bad base64"},
      {it([](json& j) { j["spec"]["content"]["envelope"]["payload"] = B64("not base64 !"); }),
       "spec.content.envelope.payload: bad base64 (inner"},
      {it([](json& j) { j["spec"]["content"]["envelope"]["signatures"] = json::array(); }),
       "spec.content.envelope.signatures: DSSE envelope has no signatures"},
      {it([](json& j) { j["spec"]["content"]["envelope"]["signatures"][0].erase("publicKey"); }),
       "spec.content.envelope.signatures[0].publicKey: missing"},
      {it([](json& j) {
         j["spec"]["content"]["envelope"]["signatures"][0]["publicKey"] =
             B64(UnsupportedPem("P-224"));
       }),
       "spec.content.envelope.signatures[0].publicKey: unsupported key"},
      {it([](json& j) { j["spec"]["content"]["envelope"]["signatures"][0]["sig"] = B64("?"); }),
       "spec.content.envelope.signatures[0].sig: bad base64 (inner"},
      // size
      {std::string(kMaxProposedEntryBytes + 1, ' '), "entry: too large"},
      {std::string(100000, '['), "nested deeper than"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.input.substr(0, 300));
    auto p = PrepareEntry(c.input);
    if (c.want.empty()) {  // Well-formed, but the signature cannot verify.
      ASSERT_THAT(p, IsOk());
      EXPECT_THAT(VerifyEntry(*p),
                  StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
      continue;
    }
    EXPECT_THAT(p, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)));
  }
}

// Random byte flips, insertions and truncations of valid entries never crash: each either
// prepares (and then verifies or fails cleanly) or fails with InvalidArgument.
TEST(Entry, RandomMutationsFailCleanly) {
  const Key key = NewKey("EC", 256);
  const Key ed = NewKey("ED25519");
  const std::vector<std::string> seeds = {
      MakeHashedRekord(key).json,
      DsseJson(Envelope(kInToto, Statement(), {&key, &ed}, nullptr), {&key, &ed}),
      IntotoJson(kInToto, Statement(), {&ed}, "k", std::string(64, 'e')),
  };
  std::mt19937 rng(20261123);
  int prepared = 0, verified = 0, refused = 0;
  for (const std::string& seed : seeds) {
    ASSERT_THAT(PrepareAndVerify(seed), IsOk());
    for (int iter = 0; iter < 1500; ++iter) {
      std::string m = seed;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t pos = rng() % m.size();
        switch (rng() % 4) {
          case 0:
            m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8)));
            break;
          case 1:
            m[pos] = static_cast<char>(rng() % 256);
            break;
          case 2:
            m.insert(pos, 1, "{}[]\",:\\0a="[rng() % 12]);
            break;
          default:
            m.resize(pos);
            if (m.empty()) m = "x";
        }
      }
      auto p = PrepareEntry(m);
      if (!p.ok()) {
        ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
        ++refused;
        continue;
      }
      ++prepared;
      absl::Status v = VerifyEntry(*p);
      if (v.ok()) {
        ++verified;
        EXPECT_THAT(CanonicalizeText(p->entry.body), IsOk());
      } else {
        ASSERT_EQ(v.code(), absl::StatusCode::kInvalidArgument) << v;
      }
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(prepared, 0);
  RecordProperty("prepared", prepared);
  RecordProperty("verified", verified);
}

// Real entries of the public Rekor (from the sigstore-conformance suite and npm provenance
// bundles; testdata/rekor_entries.json, see docs/entries.md): each proposed entry, rebuilt from
// its bundle, must give Rekor's stored body byte for byte, and its real signature must verify.
TEST(Entry, ReproducesRealRekorBodiesByteForByte) {
  auto text = ReadFile("log/entry/testdata/rekor_entries.json");
  ASSERT_THAT(text, IsOk());
  const json cases = json::parse(*text);
  ASSERT_GE(cases.size(), 20u);
  std::map<std::string, int> kinds;
  for (const json& c : cases) {
    SCOPED_TRACE(c["source"].get<std::string>());
    auto e = CanonicalizeEntry(c["proposed"].get<std::string>());
    ASSERT_THAT(e, IsOk());
    EXPECT_EQ(e->body, c["body"].get<std::string>());
    ++kinds[EntryKindName(e->kind)];
    EXPECT_FALSE(e->keys.public_key_hashes.empty());
    EXPECT_FALSE(e->keys.artifact_hashes.empty());
  }
  EXPECT_GE(kinds["hashedrekord"], 3);
  EXPECT_GE(kinds["dsse"], 1);
  EXPECT_GE(kinds["intoto"], 16);
}

// Hostile DER inside well-formed JSON: random edits of a certificate and of a public key (the
// hand-written certificate walk and the fast key path) never crash and fail cleanly.
TEST(Entry, RandomDerMutationsFailCleanly) {
  const Key cert = NewCertKey("email:fuzz@example.com,URI:https://example.com/x");
  const Key key = NewKey("EC", 384);
  std::string cert_der;
  ASSERT_TRUE(absl::Base64Unescape(
      absl::StrReplaceAll(
          cert.pem,
          {{"-----BEGIN CERTIFICATE-----", ""}, {"-----END CERTIFICATE-----", ""}, {"\n", ""}}),
      &cert_der));
  std::mt19937 rng(5280);
  int accepted = 0;
  for (const auto& [type, der, signer] : {std::make_tuple("CERTIFICATE", cert_der, &cert),
                                          std::make_tuple("PUBLIC KEY", key.spki, &key)}) {
    const HashedRekord r = MakeHashedRekord(*signer);
    for (int iter = 0; iter < 1500; ++iter) {
      std::string m = der;
      const int edits = 1 + static_cast<int>(rng() % 3);
      for (int e = 0; e < edits && !m.empty(); ++e) {
        const size_t pos = rng() % m.size();
        switch (rng() % 4) {
          case 0:
            m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8)));
            break;
          case 1:
            m[pos] = static_cast<char>(rng() % 256);
            break;
          case 2:
            m.insert(pos, 1, static_cast<char>(rng() % 256));
            break;
          default:
            m.resize(pos);
        }
      }
      if (m.empty()) continue;
      auto p =
          PrepareEntry(HashedRekordJson("sha256", r.digest_hex, B64(r.sig), B64(Pem(type, m))));
      if (!p.ok()) {
        ASSERT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
        EXPECT_THAT(std::string(p.status().message()),
                    HasSubstr("spec.signature.publicKey.content: "));
        continue;
      }
      absl::Status v = VerifyEntry(*p);
      if (v.ok()) {
        ++accepted;  // An edit that left the key intact (e.g. in the certificate's signature).
      } else {
        ASSERT_EQ(v.code(), absl::StatusCode::kInvalidArgument) << v;
      }
    }
  }
  RecordProperty("accepted", accepted);
}

TEST(Entry, UuidIsTheRfc6962LeafHash) {
  auto empty = EntryUuid("");
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(*empty, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(EntryKindName(EntryKind::kHashedRekord), std::string("hashedrekord"));
  EXPECT_EQ(EntryKindName(EntryKind::kDsse), std::string("dsse"));
  EXPECT_EQ(EntryKindName(EntryKind::kIntoto), std::string("intoto"));
}

}  // namespace
}  // namespace vouch::log

namespace vouch::log {
namespace {

// OpenSSL reads an RSA SubjectPublicKeyInfo whose NULL parameters carry another tag and
// re-encodes it with 05 00; a bare key must be DER (one encoding per key, as Go requires).
// Found by fuzz/der_fuzzer (input in fuzz/regressions/der_fuzzer).
TEST(ParseDerKey, RefusesBerVariantsOfAKeyOpenSslWouldRead) {
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  ASSERT_NE(raw, nullptr);
  unsigned char* buf = nullptr;
  const int len = i2d_PUBKEY(raw, &buf);
  EVP_PKEY_free(raw);
  ASSERT_GT(len, 0);
  const std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  EXPECT_THAT(ParseDerKey(der, /*certificate=*/false, /*ed25519ph=*/false, "k"), IsOk());
  // rsaEncryption's parameters "05 00" (NULL) become "2e 00".
  std::string ber = der;
  const size_t at = ber.find(std::string("\x01\x01\x01\x05\x00", 5));
  ASSERT_NE(at, std::string::npos);
  ber[at + 3] = '\x2e';
  EXPECT_THAT(ParseDerKey(ber, false, false, "k"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("k: malformed public key")));
}

}  // namespace
}  // namespace vouch::log
