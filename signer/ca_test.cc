// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/ca.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/openssl_ptr.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

X509Ptr Parse(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

std::string Text(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_print(bio, cert);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

std::string ExtensionValue(X509* cert, const char* oid) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  const int idx = X509_get_ext_by_OBJ(cert, obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return "<absent>";
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<size_t>(ASN1_STRING_length(data)));
}

bool ExtensionCritical(X509* cert, int nid) {
  const int idx = X509_get_ext_by_NID(cert, nid, -1);
  return idx >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, idx)) == 1;
}

// Verifies |leaf| against |chain| (issuing first, root last) at |when|.
absl::Status VerifyChain(const std::string& leaf, const std::vector<std::string>& chain,
                         absl::Time when) {
  X509Ptr leaf_cert = Parse(leaf);
  X509_STORE* store = X509_STORE_new();
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  std::vector<X509Ptr> keep;
  for (size_t i = 0; i < chain.size(); ++i) {
    keep.push_back(Parse(chain[i]));
    if (i + 1 == chain.size()) {
      X509_STORE_add_cert(store, keep.back().get());
    } else {
      sk_X509_push(untrusted, keep.back().get());
    }
  }
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf_cert.get(), untrusted);
  X509_STORE_CTX_set_time(ctx, 0, absl::ToTimeT(when));
  X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
  const int ok = X509_verify_cert(ctx);
  const int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
  if (ok == 1) return absl::OkStatus();
  return absl::PermissionDeniedError(X509_verify_cert_error_string(err));
}

class CaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    root_ = *CreateRootCertificate(*key, {"vouch", "vouch test root"}, kNow - absl::Hours(1),
                                   absl::Hours(24 * 365));
    CaOptions options;
    options.clock = &clock_;
    ca_ = *CertificateAuthority::New(std::move(key), {root_}, options);
    email_.type = IdentityType::kEmail;
    email_.issuer = "https://issuer.example";
    email_.subject = "user-1";
    email_.san_type = SanType::kEmail;
    email_.san = "dev@example.com";
    email_.challenge = "dev@example.com";
  }

  FakeClock clock_{kNow};
  std::string root_;
  std::unique_ptr<CertificateAuthority> ca_;
  Identity email_;
};

TEST_F(CaTest, IssuesFulcioProfile) {
  auto leaf_key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto issued = ca_->Issue(email_, leaf_key->PublicKeyDer());
  ASSERT_THAT(issued, IsOk());
  X509Ptr cert = Parse(issued->certificate_der);
  ASSERT_NE(cert, nullptr);
  EXPECT_EQ(X509_get_version(cert.get()), 2);
  // Serial: positive, 20 octets, matches the record.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  EXPECT_EQ(ASN1_STRING_length(serial), 20);
  EXPECT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);  // not V_ASN1_NEG_INTEGER
  EXPECT_EQ(issued->serial_hex.size(), 40u);
  // Empty subject, issuer = root subject.
  EXPECT_EQ(X509_NAME_entry_count(X509_get_subject_name(cert.get())), 0);
  X509Ptr root = Parse(root_);
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(cert.get()), X509_get_subject_name(root.get())), 0);
  // 10 minutes.
  int days = 0, secs = 0;
  ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(cert.get()), X509_get0_notAfter(cert.get()));
  EXPECT_EQ(days, 0);
  EXPECT_EQ(secs, 600);
  EXPECT_EQ(issued->not_before, kNow);
  EXPECT_EQ(issued->not_after, kNow + absl::Minutes(10));
  // Extensions.
  EXPECT_TRUE(ExtensionCritical(cert.get(), NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_CODE_SIGN));
  EXPECT_TRUE(ExtensionCritical(cert.get(), NID_subject_alt_name));
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(cert.get()),
                                  X509_get0_subject_key_id(root.get())),
            0);
  EXPECT_EQ(ExtensionValue(cert.get(), "1.3.6.1.4.1.57264.1.1"), "https://issuer.example");
  EXPECT_EQ(ExtensionValue(cert.get(), "1.3.6.1.4.1.57264.1.8"),
            std::string("\x0c\x16https://issuer.example", 24));
  const std::string text = Text(cert.get());
  EXPECT_THAT(text, HasSubstr("email:dev@example.com"));
  EXPECT_THAT(text, HasSubstr("Code Signing"));
  EXPECT_THAT(text, HasSubstr("Digital Signature"));
  EXPECT_EQ(issued->identity, "dev@example.com");
  EXPECT_EQ(issued->issuer, "https://issuer.example");
  EXPECT_EQ(issued->key_fingerprint, HexEncode(Sha256(leaf_key->PublicKeyDer())));
  EXPECT_THAT(VerifyChain(issued->certificate_der, {root_}, kNow + absl::Minutes(1)), IsOk());
  EXPECT_THAT(VerifyChain(issued->certificate_der, {root_}, kNow + absl::Minutes(11)),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("expired")));
  // Two certificates never share a serial.
  auto again = ca_->Issue(email_, leaf_key->PublicKeyDer());
  ASSERT_THAT(again, IsOk());
  EXPECT_NE(again->serial_hex, issued->serial_hex);
}

TEST_F(CaTest, WritesCiExtensionsAndUriAndOtherNameSans) {
  Identity gh;
  gh.type = IdentityType::kGithubWorkflow;
  gh.issuer = "https://token.actions.githubusercontent.com";
  gh.san_type = SanType::kUri;
  gh.san = "https://github.com/octo/app/.github/workflows/r.yml@refs/heads/main";
  gh.extensions = {{2, "push"},
                   {3, "cccc"},
                   {9, gh.san},
                   {12, "https://github.com/octo/app"},
                   {24, "repo:octo/app"}};
  auto leaf = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto issued = ca_->Issue(gh, leaf->PublicKeyDer());
  ASSERT_THAT(issued, IsOk());
  X509Ptr cert = Parse(issued->certificate_der);
  EXPECT_EQ(ExtensionValue(cert.get(), "1.3.6.1.4.1.57264.1.2"), "push");
  EXPECT_EQ(ExtensionValue(cert.get(), "1.3.6.1.4.1.57264.1.3"), "cccc");
  EXPECT_EQ(ExtensionValue(cert.get(), "1.3.6.1.4.1.57264.1.12"),
            "\x0c\x1bhttps://github.com/octo/app");
  EXPECT_EQ(ExtensionValue(cert.get(), "1.3.6.1.4.1.57264.1.13"), "<absent>");
  EXPECT_THAT(Text(cert.get()), HasSubstr("URI:https://github.com/octo/app/.github"));

  Identity user = email_;
  user.san_type = SanType::kOtherName;
  user.san = "alice!example.com";
  issued = ca_->Issue(user, leaf->PublicKeyDer());
  ASSERT_THAT(issued, IsOk());
  cert = Parse(issued->certificate_der);
  GENERAL_NAMES* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  ASSERT_EQ(sk_GENERAL_NAME_num(names), 1);
  EXPECT_EQ(sk_GENERAL_NAME_value(names, 0)->type, GEN_OTHERNAME);
  GENERAL_NAMES_free(names);
}

// RFC 9598: a non-ASCII local part is an otherName SmtpUTF8Mailbox (1.3.6.1.5.5.7.8.9) holding a
// UTF8String, never an rfc822Name (IA5String). Exact DER of the SAN extension value.
TEST_F(CaTest, WritesSmtpUtf8MailboxAsOtherName) {
  Identity id = email_;
  id.san_type = SanType::kSmtpUtf8Mailbox;
  id.san = "j\xC3\xB6rg@xn--bcher-kva.example";
  auto leaf = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto issued = ca_->Issue(id, leaf->PublicKeyDer());
  ASSERT_THAT(issued, IsOk());
  X509Ptr cert = Parse(issued->certificate_der);
  // SEQUENCE { [0] { OID 1.3.6.1.5.5.7.8.9, [0] { UTF8String } } }
  const std::string value = id.san;
  const std::string oid("\x06\x08\x2b\x06\x01\x05\x05\x07\x08\x09", 10);
  const std::string utf8 =
      absl::StrCat("\x0c", std::string(1, static_cast<char>(value.size())), value);
  const std::string explicit0 =
      absl::StrCat("\xa0", std::string(1, static_cast<char>(utf8.size())), utf8);
  const std::string other = absl::StrCat(
      "\xa0", std::string(1, static_cast<char>(oid.size() + explicit0.size())), oid, explicit0);
  EXPECT_EQ(ExtensionValue(cert.get(), "2.5.29.17"),
            absl::StrCat("\x30", std::string(1, static_cast<char>(other.size())), other));
  GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  ASSERT_EQ(sk_GENERAL_NAME_num(names.get()), 1);
  const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), 0);
  ASSERT_EQ(gn->type, GEN_OTHERNAME);
  char oid_text[64];
  OBJ_obj2txt(oid_text, sizeof(oid_text), gn->d.otherName->type_id, 1);
  EXPECT_STREQ(oid_text, "1.3.6.1.5.5.7.8.9");
  ASSERT_EQ(gn->d.otherName->value->type, V_ASN1_UTF8STRING);
  const ASN1_UTF8STRING* s = gn->d.otherName->value->value.utf8string;
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                        static_cast<size_t>(ASN1_STRING_length(s))),
            value);
}

// Whatever hands the CA an identity, a malformed SAN or control characters in an extension are
// refused before anything is signed.
TEST_F(CaTest, RefusesMalformedIdentitiesWhateverBuiltThem) {
  auto leaf = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  const struct {
    SanType type;
    std::string san;
    const char* message;
  } cases[] = {
      {SanType::kEmail, std::string("me@example.com\0@evil.com", 24), "U+0000"},
      {SanType::kEmail, "m\xC3\xA9@example.com", "needs SmtpUTF8Mailbox"},  // IA5String
      {SanType::kEmail, "a@b@c", "exactly one '@'"},
      {SanType::kEmail, "me@Example.com", "not normalized"},
      {SanType::kSmtpUtf8Mailbox, "me@example.com", "needs rfc822Name"},
      {SanType::kUri, "https://github.com@evil.com/x", "user information"},
      {SanType::kUri, "https://github.com/a\nb", "control character"},
      {SanType::kOtherName, std::string("alice\0!example.com", 18), "U+0000"},
  };
  for (const auto& c : cases) {
    Identity id = email_;
    id.san_type = c.type;
    id.san = c.san;
    EXPECT_THAT(ca_->Issue(id, leaf->PublicKeyDer()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("identity: "), HasSubstr(c.message))))
        << c.san;
  }
  Identity gh = email_;
  gh.extensions = {{14, std::string("refs/heads/main\0evil", 20)}};
  EXPECT_THAT(ca_->Issue(gh, leaf->PublicKeyDer()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("identity extension 1.3.6.1.4.1.57264.1.14")));
}

TEST_F(CaTest, AcceptsThePolicyKeyTypesAndRefusesOthers) {
  for (KeyType t : {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEcdsaP521,
                    KeyType::kEd25519, KeyType::kRsaPkcs1}) {
    auto leaf = *OpenSslSigner::Generate(t);
    auto issued = ca_->Issue(email_, leaf->PublicKeyDer());
    ASSERT_THAT(issued, IsOk()) << KeyTypeName(t);
    EXPECT_THAT(VerifyChain(issued->certificate_der, {root_}, kNow), IsOk());
  }
  auto spki = [](EVP_PKEY* k) {
    unsigned char* der = nullptr;
    const int len = i2d_PUBKEY(k, &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    EVP_PKEY_free(k);
    return out;
  };
  EXPECT_THAT(ca_->Issue(email_, spki(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported key")));
  EXPECT_THAT(ca_->Issue(email_, spki(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported key")));
  EXPECT_THAT(ca_->Issue(email_, spki(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unsupported key")));
  std::string off_curve = (*OpenSslSigner::Generate(KeyType::kEcdsaP256))->PublicKeyDer();
  off_curve[off_curve.size() - 1] ^= 0x01;
  EXPECT_THAT(ParseLeafPublicKey(off_curve),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed public key")));
  EXPECT_THAT(ca_->Issue(email_, "garbage"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed public key")));
  EXPECT_THAT(ca_->Issue(email_, ca_->signer().PublicKeyDer()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CA's own key")));
}

// OpenSSL reads an RSA key whose NULL parameters carry another tag; the CA would have put
// those bytes into the certificate (found by fuzz/der_fuzzer, input in fuzz/regressions).
TEST(ParseLeafKey, RefusesBerVariantsOfAnRsaKey) {
  EVP_PKEY* raw = EVP_RSA_gen(2048);
  ASSERT_NE(raw, nullptr);
  unsigned char* buf = nullptr;
  const int len = i2d_PUBKEY(raw, &buf);
  EVP_PKEY_free(raw);
  ASSERT_GT(len, 0);
  const std::string der(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  std::string spki;
  ASSERT_THAT(ParseLeafKey(der, &spki), vouch::testing::IsOk());
  EXPECT_EQ(spki, der);
  std::string ber = der;
  const size_t at = ber.find(std::string("\x01\x01\x01\x05\x00", 5));
  ASSERT_NE(at, std::string::npos);
  ber[at + 3] = '\x45';
  using vouch::testing::StatusIs;
  EXPECT_THAT(ParseLeafKey(ber, &spki),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("malformed")));
  EXPECT_THAT(CheckLeafKeyEncoding(ber),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("malformed")));
  ber[at + 3] = '\x02';  // an empty INTEGER, which OpenSSL refuses
  EXPECT_THAT(CheckLeafKeyEncoding(ber),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("malformed")));
}

TEST(ProofOfPossession, VerifiesSignaturesOverTheChallenge) {
  for (KeyType t : {KeyType::kEcdsaP256, KeyType::kEcdsaP384, KeyType::kEcdsaP521,
                    KeyType::kEd25519, KeyType::kRsaPkcs1}) {
    auto key = *OpenSslSigner::Generate(t);
    const std::string proof = *key->Sign("dev@example.com");
    EXPECT_THAT(VerifyProofOfPossession(key->PublicKeyDer(), "dev@example.com", proof), IsOk())
        << KeyTypeName(t);
    EXPECT_THAT(VerifyProofOfPossession(key->PublicKeyDer(), "someone@else.com", proof),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  }
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP384);
  // P-384 proofs hashed with SHA-256 (as some clients do) are accepted too.
  EXPECT_THAT(VerifyProofOfPossession(key->PublicKeyDer(), "sub",
                                      *key->SignDigest(HashAlgorithm::kSha256, Sha256("sub"))),
              IsOk());
  auto other = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto mine = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  EXPECT_THAT(VerifyProofOfPossession(mine->PublicKeyDer(), "sub", *other->Sign("sub")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not verify")));
  EXPECT_THAT(VerifyProofOfPossession(mine->PublicKeyDer(), "sub", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing proof")));
}

std::string MakeCsr(const OpenSslSigner& key, bool tamper) {
  X509_REQ* req = X509_REQ_new();
  X509_REQ_set_version(req, 0);
  EVP_PKEY* pkey = static_cast<EVP_PKEY*>(key.evp_pkey());
  X509_REQ_set_pubkey(req, pkey);
  X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("x"), -1, -1, 0);
  X509_REQ_sign(req, pkey, EVP_sha256());
  if (tamper) {
    X509_NAME_add_entry_by_txt(X509_REQ_get_subject_name(req), "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("y"), -1, -1, 0);
  }
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509_REQ(bio, req);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_REQ_free(req);
  return pem;
}

TEST(Csr, AcceptsSelfSignedRequestsAndRefusesOthers) {
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto spki = VerifyCsr(MakeCsr(*key, false));
  ASSERT_THAT(spki, IsOk());
  EXPECT_EQ(*spki, key->PublicKeyDer());
  EXPECT_THAT(VerifyCsr(MakeCsr(*key, true)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CSR signature")));
  EXPECT_THAT(VerifyCsr("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE "
                        "REQUEST-----\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("malformed CSR")));
  EXPECT_THAT(VerifyCsr("junk"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CaChain, IssuesUnderAnIntermediateWithAnyCaKeyType) {
  for (KeyType t : {KeyType::kEcdsaP384, KeyType::kEd25519, KeyType::kRsaPkcs1}) {
    FakeClock clock(kNow);
    auto root_key = *OpenSslSigner::Generate(KeyType::kEcdsaP384);
    auto inter_key = *OpenSslSigner::Generate(t);
    const std::string root = *CreateRootCertificate(*root_key, {"vouch", "root"},
                                                    kNow - absl::Hours(1), absl::Hours(1000));
    auto inter = CreateIntermediateCertificate(*root_key, root, inter_key->PublicKeyDer(),
                                               {"vouch", "intermediate"}, kNow - absl::Hours(1),
                                               absl::Hours(500));
    ASSERT_THAT(inter, IsOk());
    CaOptions options;
    options.clock = &clock;
    auto ca = CertificateAuthority::New(std::move(inter_key), {*inter, root}, options);
    ASSERT_THAT(ca, IsOk());
    Identity id;
    id.issuer = "https://i";
    id.san = "a@b.c";
    auto leaf = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
    auto issued = (*ca)->Issue(id, leaf->PublicKeyDer());
    ASSERT_THAT(issued, IsOk()) << KeyTypeName(t);
    EXPECT_THAT(VerifyChain(issued->certificate_der, {*inter, root}, kNow), IsOk())
        << KeyTypeName(t);
  }
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto other = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  const std::string root = *CreateRootCertificate(*other, {"", "r"}, kNow, absl::Hours(1));
  EXPECT_THAT(CertificateAuthority::New(std::move(key), {root}, CaOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not match")));
}

TEST(X509, PemRoundTrip) {
  auto key = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  const std::string a = *CreateRootCertificate(*key, {"o", "a"}, kNow, absl::Hours(1));
  const std::string b = *CreateRootCertificate(*key, {"o", "b"}, kNow, absl::Hours(1));
  auto parsed = ParsePemCertificates(ChainToPem({a, b}));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, (std::vector<std::string>{a, b}));
  EXPECT_THAT(ParsePemCertificates("nothing"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::signer
