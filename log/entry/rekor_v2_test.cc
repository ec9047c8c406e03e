// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/rekor_v2.h"

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/file.h"
#include "base/openssl_ptr.h"
#include "formats/dsse.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/entry/canonical_json.h"
#include "log/entry/entry.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::vouch::signer::HashAlgorithm;
using ::vouch::signer::OpenSslSigner;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using json = nlohmann::json;

std::string B64(absl::string_view s) { return absl::Base64Escape(s); }
std::string Hex(absl::string_view s) { return absl::BytesToHexString(s); }
std::string Unb64(absl::string_view s) {
  std::string out;
  EXPECT_TRUE(absl::Base64Unescape(s, &out)) << s;
  return out;
}

// A key pair: its signer, its DER SubjectPublicKeyInfo and (if made so) a self-signed DER
// certificate.
struct Key {
  std::unique_ptr<OpenSslSigner> signer;
  std::string spki;
  std::string cert;

  // Signs |message| hashed with the key type's digest (P-256: SHA-256, P-384: SHA-384, P-521:
  // SHA-512, RSA: SHA-256; Ed25519 pure), which is how rekor-tiles verifies DSSE signatures
  // and, over the artifact, hashedrekord signatures.
  std::string Sign(absl::string_view message) const {
    auto s = signer->Sign(message);
    EXPECT_THAT(s, IsOk());
    return s.ok() ? *s : "";
  }
};

Key NewKey(const std::string& alg, const std::string& param = "", int bits = 0,
           const std::string& sans = "") {
  PkeyPtr k(alg == "RSA"  ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))
            : alg == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", param.c_str())
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, alg.c_str()));
  EXPECT_NE(k, nullptr);
  Key key;
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* p;
  long n = BIO_get_mem_data(b, &p);
  auto s = OpenSslSigner::FromPem(std::string(p, static_cast<size_t>(n)));
  BIO_free(b);
  EXPECT_THAT(s, IsOk());
  key.signer = std::move(*s);
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(k.get(), &der);
  key.spki.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  if (!sans.empty()) {
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
    X509_EXTENSION_free(ext);
    EXPECT_GT(X509_sign(x, k.get(), alg == "ED25519" ? nullptr : EVP_sha256()), 0);
    der = nullptr;
    len = i2d_X509(x, &der);
    key.cert.assign(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    X509_free(x);
  }
  return key;
}

const Key& P256() {
  static const Key* k = new Key(NewKey("EC", "P-256"));
  return *k;
}

json Verifier(const Key& k, const std::string& details, bool cert = false) {
  if (cert) return {{"x509Certificate", {{"rawBytes", B64(k.cert)}}}, {"keyDetails", details}};
  return {{"publicKey", {{"rawBytes", B64(k.spki)}}}, {"keyDetails", details}};
}

json HashedRequest(absl::string_view digest, absl::string_view sig, json verifier) {
  return {
      {"hashedRekordRequestV002",
       {{"digest", B64(digest)}, {"signature", {{"content", B64(sig)}, {"verifier", verifier}}}}}};
}

// A valid hashedrekord request by |k| over "artifact" with digest |h|.
json SignedHashed(const Key& k, const std::string& details,
                  HashAlgorithm h = HashAlgorithm::kSha256, bool cert = false) {
  const std::string digest = signer::Digest(h, "artifact");
  return HashedRequest(digest, k.Sign("artifact"), Verifier(k, details, cert));
}

using formats::DssePae;

json DsseRequest(absl::string_view payload, absl::string_view type,
                 const std::vector<std::string>& sigs, const std::vector<json>& verifiers) {
  json s = json::array();
  for (const std::string& sig : sigs) s.push_back({{"sig", B64(sig)}, {"keyid", ""}});
  return {{"dsseRequestV002",
           {{"envelope", {{"payload", B64(payload)}, {"payloadType", type}, {"signatures", s}}},
            {"verifiers", verifiers}}}};
}

absl::StatusOr<CanonicalEntry> PrepareAndVerify(const std::string& req) {
  auto p = PrepareV2Entry(req);
  if (!p.ok()) return p.status();
  absl::Status v = VerifyEntry(*p);
  if (!v.ok()) return v;
  return p->entry;
}

// ----------------------------------------------------------------------------- hashedrekord

TEST(RekorV2HashedRekord, GoldenBodyWithPublicKey) {
  const Key& k = P256();
  const std::string digest = signer::Sha256("artifact");
  const std::string sig = k.Sign("artifact");
  auto e =
      PrepareAndVerify(HashedRequest(digest, sig, Verifier(k, "PKIX_ECDSA_P256_SHA_256")).dump());
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->kind, EntryKind::kHashedRekord);
  EXPECT_EQ(e->api_version, "0.0.2");
  EXPECT_EQ(
      e->body,
      absl::StrCat(R"({"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":)",
                   R"({"data":{"algorithm":"SHA2_256","digest":")", B64(digest),
                   R"("},"signature":{"content":")", B64(sig),
                   R"(","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","publicKey":)",
                   R"({"rawBytes":")", B64(k.spki), R"("}}}}}})"));
  EXPECT_THAT(e->keys.artifact_hashes, ElementsAre("sha256:" + Hex(digest)));
  EXPECT_THAT(e->keys.public_key_hashes, ElementsAre("sha256:" + Hex(signer::Sha256(k.spki))));
  EXPECT_TRUE(e->keys.identities.empty());
}

TEST(RekorV2HashedRekord, EveryKeyDetailsWithItsDigest) {
  struct Case {
    Key key;
    std::string details;
    HashAlgorithm hash;
    std::string proto_hash;
    std::string hash_name;
  };
  std::vector<Case> cases;
  cases.push_back({NewKey("EC", "P-256"), "PKIX_ECDSA_P256_SHA_256", HashAlgorithm::kSha256,
                   "SHA2_256", "sha256"});
  cases.push_back({NewKey("EC", "P-384"), "PKIX_ECDSA_P384_SHA_384", HashAlgorithm::kSha384,
                   "SHA2_384", "sha384"});
  cases.push_back({NewKey("EC", "P-521"), "PKIX_ECDSA_P521_SHA_512", HashAlgorithm::kSha512,
                   "SHA2_512", "sha512"});
  cases.push_back({NewKey("RSA", "", 2048), "PKIX_RSA_PKCS1V15_2048_SHA256", HashAlgorithm::kSha256,
                   "SHA2_256", "sha256"});
  cases.push_back({NewKey("RSA", "", 3072), "PKIX_RSA_PKCS1V15_3072_SHA256", HashAlgorithm::kSha256,
                   "SHA2_256", "sha256"});
  for (const Case& c : cases) {
    SCOPED_TRACE(c.details);
    auto e = PrepareAndVerify(SignedHashed(c.key, c.details, c.hash).dump());
    ASSERT_THAT(e, IsOk());
    const json body = json::parse(e->body);
    EXPECT_EQ(body["spec"]["hashedRekordV002"]["data"]["algorithm"], c.proto_hash);
    EXPECT_EQ(e->keys.artifact_hashes[0],
              c.hash_name + ":" + Hex(signer::Digest(c.hash, "artifact")));
    // A digest of another length is refused naming the field and the wanted size.
    const HashAlgorithm other =
        c.hash == HashAlgorithm::kSha256 ? HashAlgorithm::kSha384 : HashAlgorithm::kSha256;
    json req = SignedHashed(c.key, c.details, c.hash);
    req["hashedRekordRequestV002"]["digest"] = B64(signer::Digest(other, "artifact"));
    EXPECT_THAT(PrepareV2Entry(req.dump()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith(absl::StrCat("hashedRekordRequestV002.digest: want ",
                                                 signer::DigestSize(c.hash), " bytes for ",
                                                 c.hash_name, " (keyDetails ", c.details))));
  }
}

// Ed25519 is accepted as PKIX_ED25519_PH (rekor-tiles' default set): Ed25519ph over the SHA-512
// digest. RFC 8032 section 7.3's vector (message "abc").
TEST(RekorV2HashedRekord, Ed25519phOverSha512) {
  const std::string spki = absl::HexStringToBytes(
      "302a300506032b6570032100ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf");
  const std::string sig = absl::HexStringToBytes(
      "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062"
      "adf5aaa10b8c61e636062aaad11c2a26083406");
  const json v = {{"publicKey", {{"rawBytes", B64(spki)}}}, {"keyDetails", "PKIX_ED25519_PH"}};
  auto e = PrepareAndVerify(HashedRequest(signer::Sha512("abc"), sig, v).dump());
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(json::parse(e->body)["spec"]["hashedRekordV002"]["data"]["algorithm"], "SHA2_512");
  auto other = PrepareV2Entry(HashedRequest(signer::Sha512("abd"), sig, v).dump());
  ASSERT_THAT(other, IsOk());
  EXPECT_THAT(VerifyEntry(*other),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "hashedRekordRequestV002.signature.content: signature does not verify "
                       "against hashedRekordRequestV002.signature.verifier"));
  json pure = v;
  pure["keyDetails"] = "PKIX_ED25519";
  EXPECT_THAT(PrepareV2Entry(HashedRequest(signer::Sha512("abc"), sig, pure).dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("hashedRekordRequestV002.signature.verifier.keyDetails: "
                                        "unsupported keyDetails PKIX_ED25519"),
                             HasSubstr("accepted as PKIX_ED25519_PH"))));
}

TEST(RekorV2HashedRekord, CertificateVerifierIndexesIdentities) {
  const Key k = NewKey("EC", "P-256", 0, "email:Dev@Example.COM,URI:https://ci.example/wf");
  auto e = PrepareAndVerify(SignedHashed(k, "PKIX_ECDSA_P256_SHA_256", HashAlgorithm::kSha256,
                                         /*cert=*/true)
                                .dump());
  ASSERT_THAT(e, IsOk());
  const json body = json::parse(e->body);
  EXPECT_EQ(body["spec"]["hashedRekordV002"]["signature"]["verifier"],
            json({{"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
                  {"x509Certificate", {{"rawBytes", B64(k.cert)}}}}));
  EXPECT_THAT(e->keys.identities, ElementsAre("dev@example.com", "https://ci.example/wf"));
  EXPECT_THAT(e->keys.public_key_hashes, ElementsAre("sha256:" + Hex(signer::Sha256(k.spki))));
}

// protojson accepts .proto field names, enum numbers and URL-safe or unpadded base64; the body
// is the same as for the lowerCamelCase, padded standard form.
TEST(RekorV2HashedRekord, ProtoJsonSpellingsGiveTheSameBody) {
  const Key& k = P256();
  const json camel = SignedHashed(k, "PKIX_ECDSA_P256_SHA_256");
  auto want = PrepareV2Entry(camel.dump());
  ASSERT_THAT(want, IsOk());
  const json& hr = camel["hashedRekordRequestV002"];
  auto url = [](const std::string& b64) {
    std::string s = absl::StrReplaceAll(b64, {{"+", "-"}, {"/", "_"}});
    while (!s.empty() && s.back() == '=') s.pop_back();
    return s;
  };
  const json snake = {
      {"hashed_rekord_request_v002",
       {{"digest", url(hr["digest"].get<std::string>())},
        {"signature",
         {{"content", url(hr["signature"]["content"].get<std::string>())},
          {"verifier",
           {{"public_key", {{"raw_bytes", url(B64(k.spki))}}}, {"key_details", 5}}}}}}}};
  auto got = PrepareV2Entry(snake.dump());
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->entry.body, want->entry.body);
  EXPECT_THAT(VerifyEntry(*got), IsOk());
}

// ----------------------------------------------------------------------------- dsse

TEST(RekorV2Dsse, GoldenBodyOneVerifier) {
  const Key& k = P256();
  const std::string payload = R"({"_type":"https://in-toto.io/Statement/v1","subject":[)"
                              R"({"name":"a","digest":{"sha256":"AB12"}}]})";
  const std::string type = "application/vnd.in-toto+json";
  const std::string sig = k.Sign(DssePae(type, payload));
  auto e = PrepareAndVerify(
      DsseRequest(payload, type, {sig}, {Verifier(k, "PKIX_ECDSA_P256_SHA_256")}).dump());
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->kind, EntryKind::kDsse);
  EXPECT_EQ(e->api_version, "0.0.2");
  EXPECT_EQ(
      e->body,
      absl::StrCat(R"({"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":)",
                   R"({"algorithm":"SHA2_256","digest":")", B64(signer::Sha256(payload)),
                   R"("},"signatures":[{"content":")", B64(sig),
                   R"(","verifier":{"keyDetails":"PKIX_ECDSA_P256_SHA_256","publicKey":)",
                   R"({"rawBytes":")", B64(k.spki), R"("}}}]}}})"));
  EXPECT_THAT(e->keys.artifact_hashes,
              ElementsAre("sha256:" + Hex(signer::Sha256(payload)), "sha256:ab12"));
  EXPECT_THAT(e->keys.public_key_hashes, ElementsAre("sha256:" + Hex(signer::Sha256(k.spki))));
}

// ECDSA signatures are over keyDetails' hash of the PAE (SHA-384 for P-384), Ed25519 pure.
TEST(RekorV2Dsse, SignatureHashFollowsKeyDetails) {
  const std::string pae = DssePae("text/plain", "hello");
  const Key p384 = NewKey("EC", "P-384");
  EXPECT_THAT(PrepareAndVerify(DsseRequest("hello", "text/plain", {p384.Sign(pae)},
                                           {Verifier(p384, "PKIX_ECDSA_P384_SHA_384")})
                                   .dump()),
              IsOk());
  auto sha256_sig = p384.signer->SignDigest(HashAlgorithm::kSha256, signer::Sha256(pae));
  ASSERT_THAT(sha256_sig, IsOk());
  auto p = PrepareV2Entry(
      DsseRequest("hello", "text/plain", {*sha256_sig}, {Verifier(p384, "PKIX_ECDSA_P384_SHA_384")})
          .dump());
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("dsseRequestV002.envelope.signatures[0].sig: signature "),
                             HasSubstr("does not verify against dsseRequestV002.verifiers[0]"))));
  const Key ed = NewKey("ED25519");
  EXPECT_THAT(PrepareAndVerify(DsseRequest("hello", "text/plain", {ed.Sign(pae)},
                                           {Verifier(ed, "PKIX_ED25519_PH")})
                                   .dump()),
              IsOk());
  const Key rsa = NewKey("RSA", "", 2048);
  EXPECT_THAT(PrepareAndVerify(DsseRequest("hello", "text/plain", {rsa.Sign(pae)},
                                           {Verifier(rsa, "PKIX_RSA_PKCS1V15_2048_SHA256")})
                                   .dump()),
              IsOk());
}

// Several verifiers: each signature is matched to the verifier that made it; signatures are
// stored once each, sorted by their bytes.
TEST(RekorV2Dsse, SeveralVerifiersMatchedAndSignaturesSorted) {
  const Key a = NewKey("EC", "P-256");
  const Key b = NewKey("EC", "P-384", 0, "email:b@example.com");
  const std::string pae = DssePae("text/plain", "hello");
  const std::string sa = a.Sign(pae);
  const std::string sb = b.Sign(pae);
  const std::vector<json> vs = {Verifier(b, "PKIX_ECDSA_P384_SHA_384", /*cert=*/true),
                                Verifier(a, "PKIX_ECDSA_P256_SHA_256")};
  auto e = PrepareAndVerify(DsseRequest("hello", "text/plain", {sa, sb, sa}, vs).dump());
  ASSERT_THAT(e, IsOk());
  const json sigs = json::parse(e->body)["spec"]["dsseV002"]["signatures"];
  ASSERT_EQ(sigs.size(), 2u);
  const bool a_first = sa < sb;
  EXPECT_EQ(sigs[0]["content"], B64(a_first ? sa : sb));
  EXPECT_EQ(sigs[0]["verifier"], a_first ? vs[1] : vs[0]);
  EXPECT_EQ(sigs[1]["verifier"], a_first ? vs[0] : vs[1]);
  EXPECT_THAT(e->keys.identities, ElementsAre("b@example.com"));
  // A verifier that signed nothing, and a signature no verifier made, are refused.
  const Key c = NewKey("EC", "P-256");
  EXPECT_THAT(PrepareV2Entry(DsseRequest("hello", "text/plain", {sa},
                                         {Verifier(a, "PKIX_ECDSA_P256_SHA_256"),
                                          Verifier(c, "PKIX_ECDSA_P256_SHA_256")})
                                 .dump()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "dsseRequestV002.verifiers[1]: verifies no signature of the envelope"));
  EXPECT_THAT(
      PrepareV2Entry(DsseRequest("hello", "text/plain", {c.Sign(pae)}, vs).dump()),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(StartsWith("dsseRequestV002.envelope.signatures[0].sig: signature "),
                     HasSubstr("does not verify against any of dsseRequestV002.verifiers"))));
}

// ----------------------------------------------------------------------------- hostile inputs

TEST(RekorV2, HostileRequestsAreRefusedNamingTheField) {
  const Key& k = P256();
  const json good = SignedHashed(k, "PKIX_ECDSA_P256_SHA_256");
  const std::string pae = DssePae("text/plain", "hello");
  const json good_dsse =
      DsseRequest("hello", "text/plain", {k.Sign(pae)}, {Verifier(k, "PKIX_ECDSA_P256_SHA_256")});
  ASSERT_THAT(PrepareAndVerify(good.dump()), IsOk());
  ASSERT_THAT(PrepareAndVerify(good_dsse.dump()), IsOk());
  const Key p384 = NewKey("EC", "P-384");
  const Key rsa = NewKey("RSA", "", 2048);
  PkeyPtr p224(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-224"));
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(p224.get(), &der);
  const std::string p224_spki(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);

  auto hr = [&](auto mutate) {
    json j = good;
    mutate(j["hashedRekordRequestV002"]);
    return j.dump();
  };
  auto ds = [&](auto mutate) {
    json j = good_dsse;
    mutate(j["dsseRequestV002"]);
    return j.dump();
  };
  const std::string hv = "hashedRekordRequestV002.signature.verifier";
  struct Case {
    std::string name;
    std::string request;
    std::string message;  // the error message starts with this
  };
  std::vector<Case> cases = {
      {"not JSON", "{\"hashedRekordRequestV002\": ", "invalid JSON at byte"},
      {"trailing data", good.dump() + "x", "invalid JSON at byte"},
      {"duplicate member", R"({"dsseRequestV002":{},"dsseRequestV002":{}})", "duplicate key"},
      {"array", "[]", "request: want a JSON object, got array"},
      {"neither kind", "{}", "request: missing hashedRekordRequestV002 or dsseRequestV002"},
      {"both kinds",
       json({{"hashedRekordRequestV002", good["hashedRekordRequestV002"]},
             {"dsseRequestV002", good_dsse["dsseRequestV002"]}})
           .dump(),
       "request: both hashedRekordRequestV002 and dsseRequestV002 given"},
      {"unknown kind", R"({"rekordRequestV002":{}})", "rekordRequestV002: unknown field"},
      {"v1 entry", R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}})",
       "apiVersion: unknown field"},
      {"kind not object", R"({"hashedRekordRequestV002":"x"})",
       "hashedRekordRequestV002: want an object, got string"},
      {"both spellings", hr([&](json& h) {
         h["signature"]["verifier"]["public_key"] = {{"rawBytes", B64(k.spki)}};
       }),
       hv + ".publicKey: given twice (as publicKey and public_key)"},
      {"unknown field", hr([](json& h) { h["data"] = json::object(); }),
       "hashedRekordRequestV002.data: unknown field"},
      {"digest missing", hr([](json& h) { h.erase("digest"); }),
       "hashedRekordRequestV002.digest: missing"},
      {"digest null", hr([](json& h) { h["digest"] = nullptr; }),
       "hashedRekordRequestV002.digest: missing"},
      {"digest empty", hr([](json& h) { h["digest"] = ""; }),
       "hashedRekordRequestV002.digest: missing"},
      {"digest number", hr([](json& h) { h["digest"] = 7; }),
       "hashedRekordRequestV002.digest: want a base64 string, got number"},
      {"digest bad base64", hr([](json& h) { h["digest"] = "!!!!"; }),
       "hashedRekordRequestV002.digest: bad base64"},
      {"digest hex", hr([](json& h) { h["digest"] = Hex(signer::Sha256("artifact")); }),
       "hashedRekordRequestV002.digest: want 32 bytes for sha256"},
      {"digest 31 bytes", hr([](json& h) { h["digest"] = B64(std::string(31, 'a')); }),
       "hashedRekordRequestV002.digest: want 32 bytes for sha256 (keyDetails "
       "PKIX_ECDSA_P256_SHA_256), got 31"},
      {"signature missing", hr([](json& h) { h.erase("signature"); }),
       "hashedRekordRequestV002.signature: missing"},
      {"signature array", hr([](json& h) { h["signature"] = json::array(); }),
       "hashedRekordRequestV002.signature: want an object, got array"},
      {"content missing", hr([](json& h) { h["signature"].erase("content"); }),
       "hashedRekordRequestV002.signature.content: missing"},
      {"content bad base64", hr([](json& h) { h["signature"]["content"] = "MEU=CI"; }),
       "hashedRekordRequestV002.signature.content: bad base64"},
      {"content too large",
       hr([](json& h) { h["signature"]["content"] = std::string(20000, 'A'); }),
       "hashedRekordRequestV002.signature.content: too large"},
      {"signature unknown field", hr([](json& h) { h["signature"]["format"] = "x509"; }),
       "hashedRekordRequestV002.signature.format: unknown field"},
      {"verifier missing", hr([](json& h) { h["signature"].erase("verifier"); }), hv + ": missing"},
      {"verifier without key", hr([](json& h) { h["signature"]["verifier"].erase("publicKey"); }),
       hv + ": missing publicKey or x509Certificate"},
      {"verifier with both", hr([&](json& h) {
         h["signature"]["verifier"]["x509Certificate"] = {{"rawBytes", B64(k.spki)}};
       }),
       hv + ": both publicKey and x509Certificate given"},
      {"rawBytes missing",
       hr([](json& h) { h["signature"]["verifier"]["publicKey"] = json::object(); }),
       hv + ".publicKey.rawBytes: missing"},
      {"rawBytes bad base64",
       hr([](json& h) { h["signature"]["verifier"]["publicKey"]["rawBytes"] = "a b c d"; }),
       hv + ".publicKey.rawBytes: bad base64"},
      {"rawBytes garbage",
       hr([](json& h) { h["signature"]["verifier"]["publicKey"]["rawBytes"] = B64("garbage!"); }),
       hv + ".publicKey.rawBytes: malformed public key"},
      {"rawBytes PEM", hr([&](json& h) {
         h["signature"]["verifier"]["publicKey"]["rawBytes"] =
             B64("-----BEGIN PUBLIC KEY-----\n" + B64(k.spki) + "\n-----END PUBLIC KEY-----\n");
       }),
       hv + ".publicKey.rawBytes: malformed public key"},
      {"rawBytes trailing data", hr([&](json& h) {
         h["signature"]["verifier"]["publicKey"]["rawBytes"] = B64(k.spki + "x");
       }),
       hv + ".publicKey.rawBytes: malformed public key"},
      {"certificate garbage", hr([&](json& h) {
         h["signature"]["verifier"].erase("publicKey");
         h["signature"]["verifier"]["x509Certificate"] = {{"rawBytes", B64(k.spki)}};
       }),
       hv + ".x509Certificate.rawBytes: malformed X.509 certificate"},
      {"SPKI as certificate (sigstore-js with a bare key)", hr([&](json& h) {
         h["signature"]["verifier"].erase("publicKey");
         h["signature"]["verifier"]["x509Certificate"] = {{"rawBytes", B64(k.spki)}};
       }),
       hv + ".x509Certificate.rawBytes: malformed X.509 certificate (it is a "
            "SubjectPublicKeyInfo: send it as publicKey)"},
      {"unsupported key P-224",
       hr([&](json& h) { h["signature"]["verifier"]["publicKey"]["rawBytes"] = B64(p224_spki); }),
       hv + ".publicKey.rawBytes: unsupported key"},
      {"keyDetails missing", hr([](json& h) { h["signature"]["verifier"].erase("keyDetails"); }),
       hv + ".keyDetails: missing"},
      {"keyDetails unspecified", hr([](json& h) { h["signature"]["verifier"]["keyDetails"] = 0; }),
       hv + ".keyDetails: missing (unspecified)"},
      {"keyDetails unknown",
       hr([](json& h) { h["signature"]["verifier"]["keyDetails"] = "PKIX_ECDSA_P257"; }),
       hv + ".keyDetails: unknown PublicKeyDetails \"PKIX_ECDSA_P257\""},
      {"keyDetails unknown number",
       hr([](json& h) { h["signature"]["verifier"]["keyDetails"] = 99; }),
       hv + ".keyDetails: unknown PublicKeyDetails value 99"},
      {"keyDetails object",
       hr([](json& h) { h["signature"]["verifier"]["keyDetails"] = json::object(); }),
       hv + ".keyDetails: want an enum name or number, got object"},
      {"keyDetails RSA-PSS",
       hr([](json& h) { h["signature"]["verifier"]["keyDetails"] = "PKIX_RSA_PSS_2048_SHA256"; }),
       hv + ".keyDetails: unsupported keyDetails PKIX_RSA_PSS_2048_SHA256"},
      {"keyDetails P-384 for a P-256 key",
       hr([](json& h) { h["signature"]["verifier"]["keyDetails"] = "PKIX_ECDSA_P384_SHA_384"; }),
       hv + ".keyDetails: PKIX_ECDSA_P384_SHA_384 does not match the key (ECDSA P-256; want "
            "PKIX_ECDSA_P256_SHA_256)"},
      {"keyDetails RSA for an EC key", hr([](json& h) {
         h["signature"]["verifier"]["keyDetails"] = "PKIX_RSA_PKCS1V15_2048_SHA256";
       }),
       hv + ".keyDetails: PKIX_RSA_PKCS1V15_2048_SHA256 does not match the key (ECDSA P-256"},
      {"keyDetails P-256 for a P-384 key",
       hr([&](json& h) { h["signature"]["verifier"] = Verifier(p384, "PKIX_ECDSA_P256_SHA_256"); }),
       hv + ".keyDetails: PKIX_ECDSA_P256_SHA_256 does not match the key (ECDSA P-384; want "
            "PKIX_ECDSA_P384_SHA_384)"},
      {"keyDetails RSA-3072 for an RSA-2048 key", hr([&](json& h) {
         h["signature"]["verifier"] = Verifier(rsa, "PKIX_RSA_PKCS1V15_3072_SHA256");
       }),
       hv + ".keyDetails: PKIX_RSA_PKCS1V15_3072_SHA256 does not match the key (RSA-2048; want "
            "PKIX_RSA_PKCS1V15_2048_SHA256)"},
      // dsse
      {"dsse not object", R"({"dsseRequestV002":[]})",
       "dsseRequestV002: want an object, got array"},
      {"envelope missing", ds([](json& d) { d.erase("envelope"); }),
       "dsseRequestV002.envelope: missing"},
      {"envelope string", ds([](json& d) { d["envelope"] = "{}"; }),
       "dsseRequestV002.envelope: want an object, got string"},
      {"payload missing", ds([](json& d) { d["envelope"].erase("payload"); }),
       "dsseRequestV002.envelope.payload: missing"},
      {"payload bad base64", ds([](json& d) { d["envelope"]["payload"] = "a===="; }),
       "dsseRequestV002.envelope.payload: bad base64"},
      {"payloadType number", ds([](json& d) { d["envelope"]["payloadType"] = 1; }),
       "dsseRequestV002.envelope.payloadType: want a string, got number"},
      {"envelope unknown field", ds([](json& d) { d["envelope"]["payloadHash"] = "x"; }),
       "dsseRequestV002.envelope.payloadHash: unknown field"},
      {"signatures missing", ds([](json& d) { d["envelope"].erase("signatures"); }),
       "dsseRequestV002.envelope.signatures: missing"},
      {"no signatures", ds([](json& d) { d["envelope"]["signatures"] = json::array(); }),
       "dsseRequestV002.envelope.signatures: DSSE envelope has no signatures"},
      {"11 signatures", ds([](json& d) {
         for (int i = 0; i < 10; ++i) {
           d["envelope"]["signatures"].push_back(d["envelope"]["signatures"][0]);
         }
       }),
       "dsseRequestV002.envelope.signatures: 11 signatures, limit 10"},
      {"signature not object", ds([](json& d) { d["envelope"]["signatures"][0] = "MEU="; }),
       "dsseRequestV002.envelope.signatures[0]: want an object, got string"},
      {"sig missing", ds([](json& d) { d["envelope"]["signatures"][0].erase("sig"); }),
       "dsseRequestV002.envelope.signatures[0].sig: missing"},
      {"sig bad base64", ds([](json& d) { d["envelope"]["signatures"][0]["sig"] = "*"; }),
       "dsseRequestV002.envelope.signatures[0].sig: bad base64"},
      {"keyid number", ds([](json& d) { d["envelope"]["signatures"][0]["keyid"] = 1; }),
       "dsseRequestV002.envelope.signatures[0].keyid: want a string, got number"},
      {"verifiers missing", ds([](json& d) { d.erase("verifiers"); }),
       "dsseRequestV002.verifiers: missing"},
      {"verifiers object", ds([](json& d) { d["verifiers"] = json::object(); }),
       "dsseRequestV002.verifiers: want an array, got object"},
      {"no verifiers", ds([](json& d) { d["verifiers"] = json::array(); }),
       "dsseRequestV002.verifiers: no verifiers"},
      {"11 verifiers", ds([](json& d) {
         for (int i = 0; i < 10; ++i) d["verifiers"].push_back(d["verifiers"][0]);
       }),
       "dsseRequestV002.verifiers: 11 verifiers, limit 10"},
      {"verifier string", ds([](json& d) { d["verifiers"][0] = "MFkw"; }),
       "dsseRequestV002.verifiers[0]: want an object, got string"},
      {"dsse keyDetails mismatch",
       ds([](json& d) { d["verifiers"][0]["keyDetails"] = "PKIX_ECDSA_P521_SHA_512"; }),
       "dsseRequestV002.verifiers[0].keyDetails: PKIX_ECDSA_P521_SHA_512 does not match"},
      {"dsse PKIX_ED25519", ds([](json& d) { d["verifiers"][0]["keyDetails"] = "PKIX_ED25519"; }),
       "dsseRequestV002.verifiers[0].keyDetails: unsupported keyDetails PKIX_ED25519"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(PrepareV2Entry(c.request),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith(c.message)));
  }
  EXPECT_THAT(PrepareV2Entry(std::string(kMaxProposedEntryBytes + 1, ' ')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       StartsWith("request: too large: 4194305 bytes")));

  // Well-formed requests whose signature does not verify: refused by VerifyEntry.
  json wrong = good;
  wrong["hashedRekordRequestV002"]["digest"] = B64(signer::Sha256("other artifact"));
  auto p = PrepareV2Entry(wrong.dump());
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "hashedRekordRequestV002.signature.content: signature does not verify "
                       "against hashedRekordRequestV002.signature.verifier"));
  json not_der_sig = good;
  not_der_sig["hashedRekordRequestV002"]["signature"]["content"] = B64("not a DER signature");
  p = PrepareV2Entry(not_der_sig.dump());
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p), StatusIs(absl::StatusCode::kInvalidArgument,
                                        StartsWith("hashedRekordRequestV002.signature.content")));
  json other_payload = good_dsse;
  other_payload["dsseRequestV002"]["envelope"]["payload"] = B64("hellO");
  p = PrepareV2Entry(other_payload.dump());
  ASSERT_THAT(p, IsOk());
  EXPECT_THAT(VerifyEntry(*p),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("dsseRequestV002.envelope.signatures[0].sig: signature "),
                             HasSubstr("does not verify against dsseRequestV002.verifiers[0]"))));
}

// Random byte flips, truncations and insertions of valid requests fail cleanly or verify.
TEST(RekorV2, MutatedRequestsFailCleanly) {
  const Key& k = P256();
  const std::string pae = DssePae("text/plain", "hello");
  const std::vector<std::string> seeds = {
      SignedHashed(k, "PKIX_ECDSA_P256_SHA_256").dump(),
      DsseRequest("hello", "text/plain", {k.Sign(pae)}, {Verifier(k, "PKIX_ECDSA_P256_SHA_256")})
          .dump()};
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (const std::string& seed : seeds) {
    for (int i = 0; i < 400; ++i) {
      std::string s = seed;
      const size_t pos = next() % s.size();
      switch (next() % 3) {
        case 0:
          s[pos] = static_cast<char>(next() & 0xFF);
          break;
        case 1:
          s.resize(pos);
          break;
        default:
          s.insert(pos, 1, static_cast<char>(next() & 0xFF));
      }
      auto p = PrepareV2Entry(s);
      if (!p.ok()) {
        EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << p.status();
        continue;
      }
      absl::Status v = VerifyEntry(*p);
      EXPECT_TRUE(v.ok() || v.code() == absl::StatusCode::kInvalidArgument) << v;
    }
  }
}

// ----------------------------------------------------------------------------- real bodies

// The directory of the sigstore-conformance bundles: $VOUCH_SHARED or /work/shared.
std::string BundleDir() {
  const char* shared = std::getenv("VOUCH_SHARED");
  const std::string root = shared != nullptr && *shared != '\0' ? shared : "/work/shared";
  return root + "/conformance/assets/bundle-verify";
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

struct RealEntry {
  std::string name;
  json bundle;
  json tlog;
};

std::vector<RealEntry> RealV2HashedRekords() {
  std::vector<RealEntry> out;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(BundleDir(), ec)) {
    const std::string f = d.path().string() + "/bundle.sigstore.json";
    json b = json::parse(ReadFile(f).value_or(""), nullptr, /*allow_exceptions=*/false);
    if (!b.is_object()) continue;
    const json* entries = nullptr;
    if (auto vm = b.find("verificationMaterial"); vm != b.end() && vm->is_object()) {
      if (auto t = vm->find("tlogEntries"); t != vm->end() && t->is_array()) entries = &*t;
    }
    if (entries == nullptr) continue;
    for (const json& e : *entries) {
      if (e.is_object() && e.value("kindVersion", json::object()) ==
                               json({{"kind", "hashedrekord"}, {"version", "0.0.2"}})) {
        out.push_back({d.path().filename().string(), b, e});
      }
    }
  }
  return out;
}

// Every Rekor v2 hashedrekord entry in the conformance bundles: the request rebuilt from the
// stored body's fields reproduces the body byte for byte; for the valid bundles the request is
// rebuilt from the bundle itself (its message digest or DSSE PAE, signature and certificate),
// reproduces the body and the real signature verifies.
TEST(RekorV2RealEntries, ConformanceBodiesReproducedByteForByte) {
  const std::vector<RealEntry> entries = RealV2HashedRekords();
  if (entries.empty()) {
    if (InCi()) FAIL() << "no Rekor v2 bundles under " << BundleDir();
    GTEST_SKIP() << "no Rekor v2 bundles under " << BundleDir() << " (set VOUCH_SHARED)";
  }
  int from_bundle = 0;
  for (const RealEntry& r : entries) {
    SCOPED_TRACE(r.name);
    const std::string body = Unb64(r.tlog["canonicalizedBody"].get<std::string>());
    const json spec = json::parse(body)["spec"]["hashedRekordV002"];
    const json from_body = {
        {"hashedRekordRequestV002",
         {{"digest", spec["data"]["digest"]}, {"signature", spec["signature"]}}}};
    auto p = PrepareV2Entry(from_body.dump());
    ASSERT_THAT(p, IsOk());
    EXPECT_EQ(p->entry.body, body);

    if (absl::EndsWith(r.name, "_fail")) continue;
    const json& vm = r.bundle["verificationMaterial"];
    std::string digest, sig;
    if (r.bundle.contains("messageSignature")) {
      digest = Unb64(r.bundle["messageSignature"]["messageDigest"]["digest"].get<std::string>());
      sig = Unb64(r.bundle["messageSignature"]["signature"].get<std::string>());
    } else {
      // hashedrekord over DSSE: the digest is SHA-256 of the envelope's PAE.
      const json& env = r.bundle["dsseEnvelope"];
      digest = signer::Sha256(
          DssePae(env["payloadType"].get<std::string>(), Unb64(env["payload"].get<std::string>())));
      sig = Unb64(env["signatures"][0]["sig"].get<std::string>());
    }
    const std::string cert =
        Unb64(vm.contains("certificate")
                  ? vm["certificate"]["rawBytes"].get<std::string>()
                  : vm["x509CertificateChain"]["certificates"][0]["rawBytes"].get<std::string>());
    const json req = HashedRequest(digest, sig,
                                   {{"x509Certificate", {{"rawBytes", B64(cert)}}},
                                    {"keyDetails", "PKIX_ECDSA_P256_SHA_256"}});
    auto e = PrepareAndVerify(req.dump());
    ASSERT_THAT(e, IsOk());
    EXPECT_EQ(e->body, body);
    EXPECT_FALSE(e->keys.identities.empty());
    ++from_bundle;
  }
  EXPECT_GE(from_bundle, 12);
}

// -----------------------------------------------------------------------------
// TransparencyLogEntry

TEST(TransparencyLogEntryV2Json, Golden) {
  V2EntryView v;
  v.index = 735;
  v.body = R"({"apiVersion":"0.0.2"})";
  v.log_id = std::string("\x01\x02\x03\xff", 4);
  v.tree_size = 736;
  v.root = std::string(32, '\x11');
  v.proof = {std::string(32, '\x22'), std::string(32, '\x33')};
  v.checkpoint =
      "log.example\n736\nERERERERERERERERERERERERERERERERERERERERERE=\n\n\xe2\x80\x94 log.example "
      "AQID/w==\n";
  v.kind = "hashedrekord";
  EXPECT_EQ(
      TransparencyLogEntryV2Json(v),
      absl::StrCat(
          R"({"logIndex":"735","logId":{"keyId":"AQID/w=="},)",
          R"("kindVersion":{"kind":"hashedrekord","version":"0.0.2"},)",
          R"("inclusionProof":{"logIndex":"735","rootHash":")", B64(v.root),
          R"(","treeSize":"736","hashes":[")", B64(v.proof[0]), R"(",")", B64(v.proof[1]),
          R"("],"checkpoint":{"envelope":"log.example\n736\nERERERERERERERERERERERERERERERERERERERERERE=\n\n)",
          "\xe2\x80\x94", R"( log.example AQID/w==\n"}},)", R"("canonicalizedBody":")", B64(v.body),
          R"("})"));
  // An empty proof (tree of one) is an empty array; invalid UTF-8 does not throw.
  v.proof.clear();
  v.checkpoint = "bad \xff utf-8";
  const json j = json::parse(TransparencyLogEntryV2Json(v));
  EXPECT_EQ(j["inclusionProof"]["hashes"], json::array());
  EXPECT_FALSE(j.contains("integratedTime"));
  EXPECT_FALSE(j.contains("inclusionPromise"));
}

// The entry of a real Rekor v2 bundle, rendered from its parts, is the bundle's tlog entry.
TEST(TransparencyLogEntryV2Json, MatchesRealRekorV2Entry) {
  const std::string f = BundleDir() + "/rekor2-happy-path/bundle.sigstore.json";
  json b = json::parse(ReadFile(f).value_or(""), nullptr, /*allow_exceptions=*/false);
  if (!b.is_object()) {
    if (InCi()) FAIL() << "cannot read " << f;
    GTEST_SKIP() << "cannot read " << f << " (set VOUCH_SHARED)";
  }
  const json& t = b["verificationMaterial"]["tlogEntries"][0];
  V2EntryView v;
  v.index = std::stoull(t["logIndex"].get<std::string>());
  v.body = Unb64(t["canonicalizedBody"].get<std::string>());
  v.log_id = Unb64(t["logId"]["keyId"].get<std::string>());
  v.tree_size = std::stoull(t["inclusionProof"]["treeSize"].get<std::string>());
  v.root = Unb64(t["inclusionProof"]["rootHash"].get<std::string>());
  for (const json& h : t["inclusionProof"]["hashes"])
    v.proof.push_back(Unb64(h.get<std::string>()));
  v.checkpoint = t["inclusionProof"]["checkpoint"]["envelope"].get<std::string>();
  v.kind = "hashedrekord";
  EXPECT_EQ(json::parse(TransparencyLogEntryV2Json(v)), t);
}

}  // namespace
}  // namespace vouch::log
