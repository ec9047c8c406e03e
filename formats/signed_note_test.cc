// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/signed_note.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "formats/shared_testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::formats {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using json = nlohmann::json;

constexpr absl::string_view kDash = "\xE2\x80\x94";  // U+2014

// RFC 8032 section 7.1 test 1 key (Ed25519 signatures are deterministic: golden bytes).
constexpr char kRfc8032Key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
constexpr char kText[] = "example.com/log\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
// Computed independently (Python `cryptography`): SHA-256("example.com/log\n\x01" || pub)[:4]
// = cc714670, then the Ed25519 signature over kText.
constexpr char kGoldenNote[] =
    "example.com/log\n5\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n\n"
    "\xE2\x80\x94 example.com/log "
    "zHFGcDEXAoObWAxEoyYqbMlmlqneGj0O14IyY0OYafeBaSJpljVuJF1jldFU3/BfvPPU8NUyzzwsRFm89yyCYHpc/"
    "Ag=\n";

class SignedNoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto key = signer::OpenSslSigner::FromPem(kRfc8032Key);
    ASSERT_THAT(key, IsOk());
    key_ = *std::move(key);
    auto verifier = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
    ASSERT_THAT(verifier, IsOk());
    verifier_ = *std::move(verifier);
    hint_ = *KeyHintFor(KeyHintKind::kC2sp, "example.com/log", signer::KeyType::kEd25519,
                        key_->PublicKeyDer());
  }
  NoteVerifier Key(std::vector<std::string> names = {"example.com/log"}) const {
    return NoteVerifier{std::move(names), {hint_}, verifier_.get()};
  }
  std::string Line(absl::string_view name, absl::string_view raw) const {
    return absl::StrCat(kDash, " ", name, " ", absl::Base64Escape(raw), "\n");
  }

  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<signer::OpenSslVerifier> verifier_;
  std::string hint_;
};

TEST_F(SignedNoteTest, KeyHintsGolden) {
  EXPECT_EQ(absl::BytesToHexString(hint_), "cc714670");
  EXPECT_EQ(absl::BytesToHexString(KeyHint(key_->PublicKeyDer())), "06e3fd8f");
  EXPECT_EQ(*KeyHintFor(KeyHintKind::kLogId, "example.com/log", signer::KeyType::kEd25519,
                        key_->PublicKeyDer()),
            KeyHint(key_->PublicKeyDer()));
  EXPECT_THAT(KeyHintFor(KeyHintKind::kC2sp, "n", signer::KeyType::kEd25519, "not an spki"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SignedNoteTest, SignsGoldenBytes) {
  auto note = SignNote(kText, "example.com/log", hint_, *key_);
  ASSERT_THAT(note, IsOk());
  EXPECT_EQ(*note, kGoldenNote);
  EXPECT_EQ(NoteSignatureLine("example.com/log", hint_, *key_->Sign(kText)),
            std::string(kGoldenNote).substr(sizeof(kText)));
}

TEST_F(SignedNoteTest, ParsesAndVerifiesGoldenNote) {
  auto note = ParseSignedNote(kGoldenNote);
  ASSERT_THAT(note, IsOk());
  EXPECT_EQ(note->text, kText);
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].name, "example.com/log");
  EXPECT_EQ(note->signatures[0].key_hint, hint_);
  EXPECT_EQ(note->signatures[0].signature.size(), 64u);
  EXPECT_THAT(OpenSignedNote(kGoldenNote, Key()), IsOk());
}

// The text ends at the LAST blank line (c2sp.org/signed-note, Go's note.Open): a text may hold
// blank lines itself; every signature line is listed in order.
TEST_F(SignedNoteTest, TextEndsAtTheLastBlankLine) {
  const std::string text = "a\n\nb\n";
  auto signed_note = SignNote(text, "example.com/log", hint_, *key_);
  ASSERT_THAT(signed_note, IsOk());
  const std::string note = *signed_note + Line("witness.example", "WXYZ-cosignature");
  auto parsed = OpenSignedNote(note, Key());
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->text, text);
  ASSERT_EQ(parsed->signatures.size(), 2u);
  EXPECT_EQ(parsed->signatures[1].name, "witness.example");
  EXPECT_EQ(parsed->signatures[1].key_hint, "WXYZ");
  EXPECT_EQ(parsed->signatures[1].signature, "-cosignature");
}

TEST_F(SignedNoteTest, RefusesMalformedNotes) {
  const std::string good = kGoldenNote;
  const std::string text = kText;
  const std::string raw = "abcd" + std::string(64, 's');
  struct {
    const char* what;
    std::string note;
    const char* message;
  } cases[] = {
      {"empty", "", "no blank line"},
      {"no blank line", text + Line("n", raw), "no blank line"},
      {"no signatures", text + "\n", "no signatures"},
      {"last line without newline", good.substr(0, good.size() - 1), "do not end in a newline"},
      {"hyphen instead of em dash", text + "\n- n " + absl::Base64Escape(raw) + "\n", "start with"},
      {"no signature field", text + "\n" + std::string(kDash) + " name\n", "no signature"},
      {"extra field", text + "\n" + std::string(kDash) + " n AAAA AAAA\n", "extra fields"},
      {"empty name", text + "\n" + std::string(kDash) + "  " + absl::Base64Escape(raw) + "\n",
       "key name is empty"},
      {"'+' in name", text + "\n" + Line("a+b", raw), "'+'"},
      {"non-breaking space in name",
       text + "\n" +
           Line("a\xC2\xA0"
                "b",
                raw),
       "space"},
      {"unpadded base64", text + "\n" + std::string(kDash) + " n YWJjZGVm\n" + "x", "newline"},
      {"base64 without padding", text + "\n" + std::string(kDash) + " n YWJjZGVmZw\n",
       "standard base64"},
      {"URL-safe base64", text + "\n" + std::string(kDash) + " n YWJj_-_-\n", "standard base64"},
      {"non-canonical base64", text + "\n" + std::string(kDash) + " n YWJjZGVmZh==\n",
       "standard base64"},
      {"signature of 4 bytes", text + "\n" + Line("n", "abcd"), "too short"},
      {"CRLF line ends", absl::StrReplaceAll(good, {{"\n", "\r\n"}}), "control character 0x0d"},
      {"NUL in the text", std::string("a\0b\n", 4) + "\n" + Line("n", raw),
       "control character 0x00 at byte 1"},
      {"invalid UTF-8", "\xff" + good, "invalid UTF-8 at byte 0"},
      {"overlong UTF-8", "\xC0\xAF\n\n" + Line("n", raw), "invalid UTF-8"},
      {"oversize", std::string(kMaxNoteSize - good.size() + 1, 'a') + good, "limit"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseSignedNote(c.note),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         ::testing::AllOf(StartsWith("malformed note: "), HasSubstr(c.message))))
        << c.what;
    EXPECT_THAT(OpenSignedNote(c.note, Key()), StatusIs(absl::StatusCode::kInvalidArgument))
        << c.what;
  }
  std::string many = good;
  for (size_t i = 1; i < kMaxNoteSignatures; ++i) many += Line("w.example", raw);
  EXPECT_THAT(ParseSignedNote(many), IsOk());
  EXPECT_THAT(ParseSignedNote(many + Line("w.example", raw)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than 100 signatures")));
}

// Not signed by the expected key is PermissionDenied (whatever the reason); malformed is
// InvalidArgument (above).
TEST_F(SignedNoteTest, PermissionDeniedUnlessSignedByTheKey) {
  const std::string good = kGoldenNote;
  auto parsed = ParseSignedNote(good);
  ASSERT_THAT(parsed, IsOk());
  const std::string sig = parsed->signatures[0].signature;
  auto other = signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  ASSERT_THAT(other, IsOk());
  auto other_verifier = signer::OpenSslVerifier::FromDer((*other)->PublicKeyDer());
  ASSERT_THAT(other_verifier, IsOk());
  std::string flipped = sig;
  flipped[10] ^= 0x01;
  const std::string text = kText;
  struct {
    const char* what;
    std::string note;
    NoteVerifier key;
    const char* message;
  } cases[] = {
      {"another name", good, Key({"example.org/log"}), "no signature by example.org/log"},
      {"another key (its hint differs)", good,
       NoteVerifier{
           {"example.com/log"}, {KeyHint((*other)->PublicKeyDer())}, other_verifier->get()},
       "with key hint"},
      {"right hint, wrong key", good,
       NoteVerifier{{"example.com/log"}, {hint_}, other_verifier->get()}, "does not verify"},
      {"altered text", absl::StrReplaceAll(good, {{"\n5\n", "\n6\n"}}), Key(), "does not verify"},
      {"one bit of the signature", text + "\n" + Line("example.com/log", hint_ + flipped), Key(),
       "does not verify"},
      {"truncated signature", text + "\n" + Line("example.com/log", hint_ + sig.substr(0, 63)),
       Key(), "does not verify"},
      {"a second line by the key that fails", good + Line("example.com/log", hint_ + flipped),
       Key(), "does not verify"},
      {"only a witness signs", text + "\n" + Line("witness.example", "WXYZsig"), Key(),
       "no signature"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(OpenSignedNote(c.note, c.key),
                StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr(c.message)))
        << c.what;
  }
  // Lines of other names, or of the same name under another key hint, are ignored.
  EXPECT_THAT(OpenSignedNote(good + Line("witness.example", "WXYZsig") +
                                 Line("example.com/log", "QRST" + flipped),
                             Key()),
              IsOk());
  // Any of several names or hints may match.
  EXPECT_THAT(OpenSignedNote(good, Key({"a.example", "example.com/log"})), IsOk());
  EXPECT_THAT(VerifyNoteSignatures(*parsed, NoteVerifier{{"example.com/log"}, {hint_}, nullptr}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SignedNoteTest, SignNoteRefusesUnusableInput) {
  EXPECT_THAT(SignNote("", "n", hint_, *key_), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("no newline", "n", hint_, *key_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(SignNote("tab\there\n", "n", hint_, *key_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control character")));
  EXPECT_THAT(SignNote("\xff\n", "n", hint_, *key_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  for (const char* name : {"", "has space", "a+b", "tab\tname"}) {
    EXPECT_THAT(SignNote(kText, name, hint_, *key_), StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
  EXPECT_THAT(SignNote(kText, "n", "abc", *key_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key hint of 3 bytes")));
  EXPECT_THAT(SignNote(std::string(kMaxNoteSize, 'a') + "\n", "n", hint_, *key_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exceeds")));
}

// Every real checkpoint (public-good Rekor v1 in the 4 npm bundles that carry one, Rekor v1 and v2
// in the conformance bundles, with witness cosignatures) parses and verifies under the key of its
// log in the bundle's trusted root, named by the log's host, with the C2SP key hint (which for the
// ECDSA Rekor v1 key is the log ID's first four bytes); one altered text byte and it does not.
// The conformance cases whose checkpoint signature is bad must be PermissionDenied.
TEST(SignedNoteRealData, RealCheckpointsVerify) {
  auto bundles = testdata::LoadRealBundles(testdata::SharedDir());
  ASSERT_THAT(bundles, IsOk());
  REQUIRE_SHARED_DATA(*bundles);
  const std::set<std::string> bad_signature = {
      "conformance invalid-checkpoint-signature_fail",
      "conformance checkpoint-bad-keyhint_fail",
      "conformance rekor2-checkpoint-no-matching-signature_fail",
  };
  int verified = 0, npm = 0, cosigned = 0, refused = 0;
  for (const testdata::RealBundle& b : *bundles) {
    for (const json& e : testdata::GetArray(b.bundle, {"verificationMaterial", "tlogEntries"})) {
      const std::string note = testdata::GetString(e, {"inclusionProof", "checkpoint", "envelope"});
      if (note.empty()) continue;
      SCOPED_TRACE(b.name);
      const std::string log_id = testdata::Unbase64(testdata::GetString(e, {"logId", "keyId"}));
      std::string spki, host;
      if (!testdata::FindLog(b.trusted_root, log_id, &spki, &host)) {
        EXPECT_TRUE(b.must_fail);
        continue;
      }
      auto key = testdata::VerifierFor(spki);
      ASSERT_NE(key, nullptr);
      auto hint = KeyHintFor(KeyHintKind::kC2sp, host, key->key_type(), spki);
      ASSERT_THAT(hint, IsOk());
      const NoteVerifier verifier{{host}, {*hint}, key.get()};
      auto opened = OpenSignedNote(note, verifier);
      if (bad_signature.count(b.name) != 0) {
        EXPECT_THAT(opened, StatusIs(absl::StatusCode::kPermissionDenied));
        ++refused;
        continue;
      }
      if (b.must_fail) continue;
      ASSERT_THAT(opened, IsOk());
      EXPECT_EQ(*hint, log_id.substr(0, 4));
      if (opened->signatures.size() > 1) ++cosigned;
      std::string altered = note;
      altered[opened->text.size() / 2] ^= 0x01;
      EXPECT_FALSE(OpenSignedNote(altered, verifier).ok());
      ++verified;
      if (b.name.rfind("npm ", 0) == 0) ++npm;
    }
  }
  EXPECT_EQ(npm, 4);  // the v0.2 npm bundles; the 12 older ones carry no inclusion proof
  EXPECT_GE(verified, 25);
  EXPECT_GE(cosigned, 3);
  EXPECT_EQ(refused, 3);
  RecordProperty("verified", verified);
  RecordProperty("cosigned", cosigned);
}

}  // namespace
}  // namespace vouch::formats
