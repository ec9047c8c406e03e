// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/ct.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "formats/shared_testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::formats::ct {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using json = nlohmann::json;

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

TEST(Ct, X509LeafGoldenBytes) {
  Leaf leaf;
  leaf.timestamp = 0x0102030405060708;
  leaf.entry.type = EntryType::kX509;
  leaf.entry.certificate = "abc";
  auto bytes = MerkleTreeLeaf(leaf);
  ASSERT_THAT(bytes, IsOk());
  //           v  lt timestamp        type  len     cert    ext
  EXPECT_EQ(*bytes, Hex("0000"
                        "0102030405060708"
                        "0000"
                        "000003"
                        "616263"
                        "0000"));
  // An SCT signs the same bytes (v1 = certificate_timestamp = timestamped_entry = 0).
  EXPECT_EQ(*CertificateTimestampSignedData(leaf), *bytes);
  auto parsed = ParseMerkleTreeLeaf(*bytes);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->timestamp, leaf.timestamp);
  EXPECT_EQ(parsed->entry.type, EntryType::kX509);
  EXPECT_EQ(parsed->entry.certificate, "abc");
}

TEST(Ct, PrecertLeafGoldenBytes) {
  Leaf leaf;
  leaf.timestamp = 1700000000123;
  leaf.entry.type = EntryType::kPrecert;
  leaf.entry.issuer_key_hash = std::string(32, '\x11');
  leaf.entry.tbs_certificate = std::string("\x30\x00", 2);
  leaf.extensions = "x";
  auto bytes = MerkleTreeLeaf(leaf);
  ASSERT_THAT(bytes, IsOk());
  EXPECT_EQ(*bytes, Hex("0000"
                        "0000018bcfe5687b"
                        "0001") +
                        std::string(32, '\x11') +
                        Hex("000002"
                            "3000"
                            "0001"
                            "78"));
  auto parsed = ParseMerkleTreeLeaf(*bytes);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->entry.type, EntryType::kPrecert);
  EXPECT_EQ(parsed->entry.issuer_key_hash, leaf.entry.issuer_key_hash);
  EXPECT_EQ(parsed->entry.tbs_certificate, leaf.entry.tbs_certificate);
  EXPECT_EQ(parsed->extensions, "x");
}

TEST(Ct, RefusesUnencodableLeaves) {
  Leaf leaf;
  leaf.entry.type = EntryType::kPrecert;
  leaf.entry.issuer_key_hash = std::string(31, 'x');
  leaf.entry.tbs_certificate = "t";
  EXPECT_THAT(MerkleTreeLeaf(leaf), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("issuer_key_hash: 31 bytes, want 32")));
  leaf.entry.issuer_key_hash = std::string(32, 'x');
  leaf.entry.tbs_certificate = "";
  EXPECT_THAT(MerkleTreeLeaf(leaf),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tbs_certificate: 0 bytes")));
  leaf.entry.tbs_certificate = std::string(1 << 24, 'x');
  EXPECT_THAT(MerkleTreeLeaf(leaf), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("tbs_certificate: 16777216 bytes")));
  Leaf x509;
  x509.entry.certificate = "c";
  x509.extensions = std::string(65536, 'e');
  EXPECT_THAT(MerkleTreeLeaf(x509),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("extensions: 65536 bytes")));
}

TEST(Ct, RefusesMalformedLeaves) {
  const std::string good =
      Hex("0000"
          "0102030405060708"
          "0000"
          "000003"
          "616263"
          "0000");
  const struct {
    std::string bytes;
    const char* message;
  } cases[] = {
      {"", "truncated at version"},
      {Hex("01") + good.substr(1), "version 1, want 0"},
      {Hex("0001") + good.substr(2), "leaf_type 1, want 0"},
      {good.substr(0, 9), "truncated at timestamp"},
      {good.substr(0, 10) + Hex("0002") + good.substr(12), "entry_type 2"},
      {good.substr(0, 14), "truncated at certificate"},
      {good.substr(0, 12) + Hex("000000") + Hex("0000"), "certificate: length 0"},
      {good.substr(0, 12) + Hex("000009") + "abc" + Hex("0000"), "truncated at certificate"},
      {good.substr(0, good.size() - 1), "truncated at extensions"},
      {good + "!", "1 trailing bytes"},
      {Hex("0000"
           "0102030405060708"
           "0001") +
           std::string(20, 'h'),
       "truncated at issuer_key_hash"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::BytesToHexString(c.bytes));
    EXPECT_THAT(ParseMerkleTreeLeaf(c.bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)));
  }
}

TEST(Ct, TreeHeadSignedDataGoldenBytes) {
  auto bytes = TreeHeadSignedData(0x0a0b, 7, std::string(32, '\xee'));
  ASSERT_THAT(bytes, IsOk());
  EXPECT_EQ(*bytes, Hex("0001"
                        "0000000000000a0b"
                        "0000000000000007") +
                        std::string(32, '\xee'));
  EXPECT_THAT(TreeHeadSignedData(1, 1, "short"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("5 bytes, want 32")));
}

TEST(Ct, SctGoldenBytesAndRoundTrip) {
  SignedCertificateTimestamp sct;
  sct.log_id = std::string(32, '\x22');
  sct.timestamp = 0x0000018bcfe5687b;
  sct.signature.signature = "SIG";
  auto bytes = EncodeSct(sct);
  ASSERT_THAT(bytes, IsOk());
  EXPECT_EQ(*bytes, Hex("00") + std::string(32, '\x22') +
                        Hex("0000018bcfe5687b"
                            "0000"
                            "0403"
                            "0003"
                            "534947"));
  auto parsed = ParseSct(*bytes);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->log_id, sct.log_id);
  EXPECT_EQ(parsed->timestamp, sct.timestamp);
  EXPECT_EQ(parsed->signature.hash_algorithm, 4);
  EXPECT_EQ(parsed->signature.signature_algorithm, 3);
  EXPECT_EQ(parsed->signature.signature, "SIG");

  EXPECT_THAT(ParseSct(Hex("01") + bytes->substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("sct_version 1")));
  EXPECT_THAT(ParseSct(bytes->substr(0, 20)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("truncated at id")));
  EXPECT_THAT(ParseSct(*bytes + "x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  sct.log_id = "short";
  EXPECT_THAT(EncodeSct(sct), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want 32")));

  // The list: two-byte total length, then each SCT with a two-byte length; the extension value
  // wraps it in an OCTET STRING.
  auto list = EncodeSctList({"ab", "c"});
  ASSERT_THAT(list, IsOk());
  EXPECT_EQ(*list, Hex("0007"
                       "0002"
                       "6162"
                       "0001"
                       "63"));
  auto parsed_list = ParseSctList(*list);
  ASSERT_THAT(parsed_list, IsOk());
  EXPECT_EQ(*parsed_list, (std::vector<std::string>{"ab", "c"}));
  EXPECT_EQ(*SctListExtensionValue({"ab", "c"}), Hex("0409") + *list);
  EXPECT_THAT(EncodeSctList({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("serialized_sct_list: 0 bytes")));
  EXPECT_THAT(EncodeSctList({""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("SerializedSCT: 0 bytes")));
  EXPECT_THAT(ParseSctList(Hex("0000")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSctList(Hex("0003"
                               "0005"
                               "61")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ct, ChainEntriesRoundTrip) {
  auto x509 = X509ChainEntry({"ab", "c"});
  ASSERT_THAT(x509, IsOk());
  EXPECT_EQ(*x509, Hex("000009"
                       "000002"
                       "6162"
                       "000001"
                       "63"));
  auto chain = ParseX509ChainEntry(*x509);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ(*chain, (std::vector<std::string>{"ab", "c"}));
  EXPECT_EQ(*X509ChainEntry({}), Hex("000000"));
  auto pre = PrecertChainEntry("P", {"ab"});
  ASSERT_THAT(pre, IsOk());
  EXPECT_EQ(*pre, Hex("000001"
                      "50"
                      "000005"
                      "000002"
                      "6162"));
  auto parsed = ParsePrecertChainEntry(*pre);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->precertificate, "P");
  EXPECT_EQ(parsed->chain, std::vector<std::string>{"ab"});
  EXPECT_THAT(ParsePrecertChainEntry(pre->substr(0, pre->size() - 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseX509ChainEntry(*x509 + "z"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trailing")));
  EXPECT_THAT(X509ChainEntry({""}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ct, SignsAndVerifiesWithTheAlgorithmsRfc6962Allows) {
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(key, IsOk());
  auto verifier = signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  auto ds = Sign(**key, "data");
  ASSERT_THAT(ds, IsOk());
  EXPECT_EQ(ds->hash_algorithm, 4);
  EXPECT_EQ(ds->signature_algorithm, 3);
  EXPECT_THAT(Verify(**verifier, "data", *ds), IsOk());
  EXPECT_THAT(Verify(**verifier, "datA", *ds), StatusIs(absl::StatusCode::kPermissionDenied));
  DigitallySigned rsa = *ds;
  rsa.signature_algorithm = 1;
  EXPECT_THAT(Verify(**verifier, "data", rsa),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want (4, 3)")));
  auto ed = signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  ASSERT_THAT(ed, IsOk());
  EXPECT_THAT(Sign(**ed, "data"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not allowed")));
}

// A certificate with three extensions, the middle one critical.
std::string TestCertificate() {
  auto key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  return *signer::CreateRootCertificate(*key, {"o", "cn"}, absl::FromUnixSeconds(1700000000),
                                        absl::Hours(1));
}

TEST(Ct, FindsAndRemovesExtensions) {
  const std::string cert = TestCertificate();
  auto bc = FindExtension(cert, "2.5.29.19");  // basicConstraints, critical
  ASSERT_THAT(bc, IsOk());
  EXPECT_TRUE(bc->present);
  EXPECT_TRUE(bc->critical);
  auto none = FindExtension(cert, kPoisonOid);
  ASSERT_THAT(none, IsOk());
  EXPECT_FALSE(none->present);

  bool found = true;
  auto same = TbsWithoutExtension(cert, kPoisonOid, &found);
  ASSERT_THAT(same, IsOk());
  EXPECT_FALSE(found);
  // Nothing removed: the TBSCertificate exactly as signed, inside the certificate.
  EXPECT_NE(cert.find(*same), std::string::npos);
  auto without = TbsWithoutExtension(cert, "2.5.29.19", &found);
  ASSERT_THAT(without, IsOk());
  EXPECT_TRUE(found);
  EXPECT_LT(without->size(), same->size());
  EXPECT_EQ(without->find(Hex("0603551d13")), std::string::npos);  // the OID is gone

  EXPECT_THAT(FindExtension("not DER", kPoisonOid),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed DER")));
  EXPECT_THAT(TbsWithoutExtension(cert + "x", kPoisonOid),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed DER")));
  EXPECT_THAT(TbsWithoutExtension(cert.substr(0, cert.size() - 1), kPoisonOid),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed DER")));
}

// Every real Fulcio certificate (the 16 public-good npm provenance bundles): its embedded SCT
// parses with these functions, and verifies, over CertificateTimestampSignedData built from the
// TBSCertificate without the SCT list and the issuing CA's key hash, with the CT log key of the
// bundle's trusted root, named by the SCT's log id. A changed TBS byte no longer verifies.
TEST(CtRealData, RealFulcioSctsVerifyWithTheCtLogKey) {
  auto bundles = testdata::LoadRealBundles(testdata::SharedDir());
  ASSERT_THAT(bundles, IsOk());
  REQUIRE_SHARED_DATA(*bundles);
  int verified = 0;
  for (const testdata::RealBundle& b : *bundles) {
    if (b.must_fail) continue;
    std::string cert_b64 =
        testdata::GetString(b.bundle, {"verificationMaterial", "certificate", "rawBytes"});
    const json& chain = testdata::GetArray(
        b.bundle, {"verificationMaterial", "x509CertificateChain", "certificates"});
    if (cert_b64.empty() && !chain.empty()) cert_b64 = chain[0].value("rawBytes", "");
    if (cert_b64.empty()) continue;
    const std::string cert = testdata::Unbase64(cert_b64);
    auto ext = FindExtension(cert, kSctListOid);
    ASSERT_THAT(ext, IsOk()) << b.name;
    if (!ext->present) continue;  // conformance bundles from test CAs may have none
    SCOPED_TRACE(b.name);
    ASSERT_GE(ext->value.size(), 2u);
    ASSERT_EQ(ext->value[0], '\x04');  // the OCTET STRING around the TLS list
    const std::string tls =
        ext->value.substr(ext->value[1] & 0x80 ? 2 + (ext->value[1] & 0x7f) : 2);
    auto list = ParseSctList(tls);
    ASSERT_THAT(list, IsOk());
    ASSERT_FALSE(list->empty());
    auto sct = ParseSct((*list)[0]);
    ASSERT_THAT(sct, IsOk());
    auto tbs = TbsWithoutExtension(cert, kSctListOid);
    ASSERT_THAT(tbs, IsOk());
    // The CT log of the trusted root with the SCT's id.
    std::unique_ptr<signer::Verifier> log_key;
    for (const json& log : testdata::GetArray(b.trusted_root, {"ctlogs"})) {
      if (testdata::Unbase64(testdata::GetString(log, {"logId", "keyId"})) == sct->log_id) {
        log_key = testdata::VerifierFor(
            testdata::Unbase64(testdata::GetString(log, {"publicKey", "rawBytes"})));
      }
    }
    if (log_key == nullptr) continue;  // a conformance root without that log
    bool ok = false;
    for (const json& ca : testdata::GetArray(b.trusted_root, {"certificateAuthorities"})) {
      for (const json& c : testdata::GetArray(ca, {"certChain", "certificates"})) {
        auto spki = signer::CertificatePublicKeyDer(testdata::Unbase64(c.value("rawBytes", "")));
        if (!spki.ok()) continue;
        Leaf leaf;
        leaf.timestamp = sct->timestamp;
        leaf.entry.type = EntryType::kPrecert;
        leaf.entry.issuer_key_hash = signer::Sha256(*spki);
        leaf.entry.tbs_certificate = *tbs;
        leaf.extensions = sct->extensions;
        auto data = CertificateTimestampSignedData(leaf);
        ASSERT_THAT(data, IsOk());
        if (!Verify(*log_key, *data, sct->signature).ok()) continue;
        ok = true;
        leaf.entry.tbs_certificate[leaf.entry.tbs_certificate.size() / 2] ^= 1;
        EXPECT_FALSE(Verify(*log_key, *CertificateTimestampSignedData(leaf), sct->signature).ok());
      }
    }
    EXPECT_TRUE(ok) << "no CA of the trusted root makes the SCT verify";
    if (ok) ++verified;
  }
  RecordProperty("verified", verified);
  EXPECT_GE(verified, 16);
}

}  // namespace
}  // namespace vouch::formats::ct
