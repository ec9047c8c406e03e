// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/checkpoint.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/hash.h"
#include "signer/crypto.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::signer::KeyType;
using ::vouch::signer::OpenSslSigner;
using ::vouch::signer::OpenSslVerifier;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr absl::string_view kDash = "\xE2\x80\x94";  // U+2014

Hash RootFromBase64(absl::string_view b64) {
  std::string raw;
  EXPECT_TRUE(absl::Base64Unescape(b64, &raw));
  return *HashFromBytes(raw);
}

std::string FromBase64(absl::string_view b64) {
  std::string raw;
  EXPECT_TRUE(absl::Base64Unescape(b64, &raw));
  return raw;
}

Checkpoint Example() {
  Checkpoint c;
  c.origin = "vouch.example.com/log";
  c.size = 20852163;
  c.root = RootFromBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  return c;
}

// --- Body bytes ---

TEST(Checkpoint, GoldenBody) {
  EXPECT_EQ(MarshalCheckpointBody(Example()),
            "vouch.example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n");
  Checkpoint c = Example();
  c.origin = "rekor.sigstore.dev - 2605736670972794746";
  c.size = 0;
  c.root = EmptyRoot();
  c.extensions = {"Timestamp: 1689177396617352539", "other"};
  EXPECT_EQ(MarshalCheckpointBody(c),
            "rekor.sigstore.dev - 2605736670972794746\n0\n"
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
            "Timestamp: 1689177396617352539\nother\n");
}

TEST(Checkpoint, BodyRoundTrip) {
  Checkpoint c = Example();
  c.extensions = {"a", "b c"};
  absl::StatusOr<Checkpoint> back = ParseCheckpointBody(MarshalCheckpointBody(c));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, c);
  c.size = UINT64_MAX;
  back = ParseCheckpointBody(MarshalCheckpointBody(c));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->size, UINT64_MAX);
}

TEST(Checkpoint, RejectsMalformedBodies) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "does not end in a newline"},
      {"origin\n5\n" + root, "does not end in a newline"},
      {"origin\n5\n", "want at least 3"},
      {"\n5\n" + root + "\n", "empty origin"},
      {"origin\n\n" + root + "\n", "tree size"},
      {"origin\n05\n" + root + "\n", "tree size"},                    // leading zero
      {"origin\n00\n" + root + "\n", "tree size"},                    // leading zero
      {"origin\n+5\n" + root + "\n", "tree size"},                    // sign
      {"origin\n-5\n" + root + "\n", "tree size"},                    // sign
      {"origin\n 5\n" + root + "\n", "tree size"},                    // space
      {"origin\n5 \n" + root + "\n", "tree size"},                    // space
      {"origin\n0x5\n" + root + "\n", "tree size"},                   // hex
      {"origin\n1e3\n" + root + "\n", "tree size"},                   // exponent
      {"origin\n18446744073709551616\n" + root + "\n", "tree size"},  // 2^64
      {"origin\n99999999999999999999999\n" + root + "\n", "tree size"},
      {"origin\n5\n" + root.substr(0, 43) + "\n", "base64"},                       // unpadded
      {"origin\n5\n" + root.substr(0, 40) + "\n", "root hash has 30 bytes"},       // truncated
      {"origin\n5\n" + root + "=\n", "base64"},                                    // extra padding
      {"origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "base64"},     // bits
      {"origin\n5\n" + absl::StrReplaceAll(root, {{"/", "_"}}) + "\n", "base64"},  // URL alphabet
      {"origin\n5\nAAAA\n", "root hash has 3 bytes"},
      {"origin\n5\n\n", "base64"},
      {"origin\n5\n" + root + "\n\n", "empty extension"},
      {"origin\n5\n" + root + "\next\n\n", "empty extension"},
      {"ori\tgin\n5\n" + root + "\n", "control character"},
      {"origin\r\n5\n" + root + "\n", "control character"},
      {"ori\xffgin\n5\n" + root + "\n", "UTF-8"},
      {"ori\xc0\xafgin\n5\n" + root + "\n", "UTF-8"},  // overlong '/'
      {std::string(formats::kMaxNoteSize + 1, 'a'), "limit"},
  };
  for (const auto& [body, why] : cases) {
    EXPECT_THAT(ParseCheckpointBody(body),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(why)))
        << absl::CHexEscape(body.substr(0, 80));
  }
}

// --- Key hints ---

TEST(Checkpoint, KeyHintsMatchSigstoreLogIds) {
  // The public-good Rekor v1 key (ECDSA P-256): its log ID is SHA-256 of the DER SPKI,
  // c0d23d6a..., and its checkpoints carry the first four bytes as key hint.
  const std::string rekor_v1 = FromBase64(
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8"
      "Ur/iy55GhWP/9A/bY2LhC30M9+RYtw==");
  EXPECT_EQ(absl::BytesToHexString(formats::KeyHint(rekor_v1)), "c0d23d6a");
  // The Rekor v2 log log2025-alpha1.rekor.sigstage.dev (Ed25519): its log ID in the trusted root
  // is the C2SP key ID, f30d5a99..., not SHA-256 of its SPKI (47272b9d...).
  const std::string rekor_v2 =
      FromBase64("MCowBQYDK2VwAyEAPn+AREHoBaZ7wgS1zBqpxmLSGnyhxXj4lFxSdWVB8o8=");
  absl::StatusOr<std::string> raw = formats::Ed25519RawPublicKey(rekor_v2);
  ASSERT_THAT(raw, IsOk());
  EXPECT_EQ(absl::BytesToHexString(
                formats::C2spEd25519KeyHint("log2025-alpha1.rekor.sigstage.dev", *raw)),
            "f30d5a99");
  EXPECT_EQ(absl::BytesToHexString(formats::KeyHint(rekor_v2)), "47272b9d");
  EXPECT_EQ(*formats::KeyHintFor(formats::KeyHintKind::kC2sp, "log2025-alpha1.rekor.sigstage.dev",
                                 KeyType::kEd25519, rekor_v2),
            formats::C2spEd25519KeyHint("log2025-alpha1.rekor.sigstage.dev", *raw));
  EXPECT_EQ(*formats::KeyHintFor(formats::KeyHintKind::kLogId, "x", KeyType::kEd25519, rekor_v2),
            formats::KeyHint(rekor_v2));
  // C2SP ECDSA (type 0x02) hints are the same as the log-ID hint.
  EXPECT_EQ(*formats::KeyHintFor(formats::KeyHintKind::kC2sp, "x", KeyType::kEcdsaP256, rekor_v1),
            formats::KeyHint(rekor_v1));
  EXPECT_THAT(formats::Ed25519RawPublicKey(rekor_v1), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(formats::KeyHintFor(formats::KeyHintKind::kC2sp, "x", KeyType::kEd25519, rekor_v1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- Interop: real Sigstore checkpoints ---

TEST(Checkpoint, VerifiesPublicGoodRekorV1Checkpoint) {
  // From the npm provenance bundle of sigstore@2.3.1 (log index 94408136).
  const std::string note = absl::StrCat(
      "rekor.sigstore.dev - 2605736670972794746\n90244708\n"
      "COSIc1jqxpbuuTChPdiTqtZBBve7GAVJqTYjqAaM940=\n\n",
      kDash,
      " rekor.sigstore.dev wNI9ajBEAiAkKWVCpp/N5yF/GlQkAyKQxUsjc3Vpu04YyALJvrBsvAIgcZfXJsJdwLdgUAWw"
      "nekWg8YXS4gfz/DM1wVhhcouJBE=\n");
  auto verifier = OpenSslVerifier::FromDer(FromBase64(
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2G2Y+2tabdTV5BcGiBIx0a9fAFwrkBbmLSGtks4L3qX6yYY0zufBnhC8"
      "Ur/iy55GhWP/9A/bY2LhC30M9+RYtw=="));
  ASSERT_THAT(verifier, IsOk());
  absl::StatusOr<Checkpoint> c = VerifyCheckpoint(note, "rekor.sigstore.dev", **verifier);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->origin, "rekor.sigstore.dev - 2605736670972794746");
  EXPECT_EQ(c->size, 90244708u);
  EXPECT_EQ(c->root, RootFromBase64("COSIc1jqxpbuuTChPdiTqtZBBve7GAVJqTYjqAaM940="));
  EXPECT_TRUE(c->extensions.empty());
  // One changed digit in the size breaks it.
  std::string altered = absl::StrReplaceAll(note, {{"90244708", "90244709"}});
  EXPECT_THAT(VerifyCheckpoint(altered, "rekor.sigstore.dev", **verifier),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(Checkpoint, VerifiesRekorV2CheckpointWithWitnessCosignatures) {
  // From the sigstore-conformance case rekor2-dsse-happy-path: an Ed25519 log with C2SP key
  // hints, plus three witness cosignatures from keys we do not know (ignored).
  const std::string note = absl::StrCat(
      "log2025-alpha3.rekor.sigstage.dev\n4026479\n5iaX4xK6PMnp4ZFTP4iywMcwLgaTjzgRTkrTOUFIrfY="
      "\n\n",
      kDash,
      " log2025-alpha3.rekor.sigstage.dev 09OnDHwVrKeXjBYQ4NJ5EoENdtpBwZcV3X8n+cAZFIk+8LBPKEpZcKqo"
      "N2CfjGw0zlQwt+U2pLt5UyYEFv+STPHPmQg=\n",
      kDash,
      " witness.stagemole.eu Z/euoAAAAABqBM+21mV7JbHwWmLP20ZSpNWneHMkITOPopt+Vj1MoJSILqOIPpx93pbRf"
      "A0U+Eq5IiJjEUhG1JwGhPCJEUT5yDcFDg==\n",
      kDash,
      " staging.witness.transparency.goog/ring-any-bells LhqNyQAAAABqBM+2Ob9EtpF9h6IUMXc/LTRkkXiN"
      "AgbbohBxHekby1oASdDtPLkgZLmBHH73DF25f2L8xGgp/qVwoZK5thKXc6XnCw==\n",
      kDash,
      " witness.navigli.sunlight.geomys.org o+AP4gAAAABqBM+2NoYlK4g3lkC5QltDB6f2F9U8yF6+8kXKjLKHAYv"
      "SDJ3u5dZufSU3bz+AtJMdOoMixoFJBkQ397WY/mE0i9tlCg==\n");
  auto verifier = OpenSslVerifier::FromDer(
      FromBase64("MCowBQYDK2VwAyEAlD3dVc8yaP25mPtT/sJ59D3LLxGBgW/qYrM6x6KmOqk="));
  ASSERT_THAT(verifier, IsOk());
  absl::StatusOr<Checkpoint> c = VerifyCheckpoint(note, "log2025-alpha3.rekor.sigstage.dev",
                                                  **verifier, formats::KeyHintKind::kC2sp);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->size, 4026479u);
  // With Rekor v1 style hints the signature is not recognised as this key's.
  EXPECT_THAT(VerifyCheckpoint(note, "log2025-alpha3.rekor.sigstage.dev", **verifier),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("no signature")));
}

TEST(Checkpoint, VerifiesTheExampleInDocs) {
  // docs/merkle.md: an Ed25519 log key, log-ID key hint 28540946, the RFC 6962 test tree of 3.
  const std::string note = absl::StrCat(
      "vouch.example.com/log\n3\nrra8/idLcKFPsGel5VeCZNsPqbUa9eC6FZFY8yngbnc=\n\n", kDash,
      " vouch.example.com/log KFQJRiEsLTXyaKfwMKo13mjObdkYp6JztGgiJzch1PnI20mlHoeSJt89FAaRS2+HSm1P"
      "X8dT4NQU/IBG6/sJMeoNVgc=\n");
  const std::string der =
      FromBase64("MCowBQYDK2VwAyEAuRFsiDX2Bhap/V0i59wrauT213iRxD/0dd2hfnFmJL0=");
  EXPECT_EQ(absl::BytesToHexString(formats::KeyHint(der)), "28540946");
  auto verifier = OpenSslVerifier::FromDer(der);
  ASSERT_THAT(verifier, IsOk());
  absl::StatusOr<Checkpoint> c = VerifyCheckpoint(note, "vouch.example.com/log", **verifier);
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(HashToHex(c->root), "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
}

// --- Sign / verify ---

class SignVerify : public ::testing::TestWithParam<KeyType> {
 protected:
  void SetUp() override {
    auto s = OpenSslSigner::Generate(GetParam());
    ASSERT_THAT(s, IsOk());
    signer_ = *std::move(s);
    auto v = OpenSslVerifier::FromDer(signer_->PublicKeyDer());
    ASSERT_THAT(v, IsOk());
    verifier_ = *std::move(v);
    auto other = OpenSslSigner::Generate(GetParam());
    ASSERT_THAT(other, IsOk());
    auto ov = OpenSslVerifier::FromDer((*other)->PublicKeyDer());
    ASSERT_THAT(ov, IsOk());
    other_verifier_ = *std::move(ov);
  }
  std::unique_ptr<OpenSslSigner> signer_;
  std::unique_ptr<OpenSslVerifier> verifier_;
  std::unique_ptr<OpenSslVerifier> other_verifier_;
};

TEST_P(SignVerify, RoundTrip) {
  Checkpoint c = Example();
  c.extensions = {"Timestamp: 1700000000"};
  for (formats::KeyHintKind kind : {formats::KeyHintKind::kLogId, formats::KeyHintKind::kC2sp}) {
    absl::StatusOr<std::string> note = SignCheckpoint(c, "vouch.example.com", *signer_, kind);
    ASSERT_THAT(note, IsOk());
    const std::string body = MarshalCheckpointBody(c);
    // Layout: body, blank line, one signature line.
    ASSERT_TRUE(absl::StartsWith(*note, body + "\n" + std::string(kDash) + " vouch.example.com "));
    ASSERT_TRUE(absl::EndsWith(*note, "\n"));
    const std::string b64 = note->substr(body.size() + 1 + kDash.size() + 19);
    std::string raw = FromBase64(b64.substr(0, b64.size() - 1));
    EXPECT_EQ(raw.substr(0, 4),
              *formats::KeyHintFor(kind, "vouch.example.com", GetParam(), signer_->PublicKeyDer()));
    EXPECT_THAT(verifier_->Verify(body, raw.substr(4)), IsOk());

    absl::StatusOr<Checkpoint> back =
        VerifyCheckpoint(*note, "vouch.example.com", *verifier_, kind);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(*back, c);
  }
  // The default is the log-ID hint.
  absl::StatusOr<std::string> note = SignCheckpoint(c, "vouch.example.com", *signer_);
  ASSERT_THAT(note, IsOk());
  EXPECT_THAT(
      VerifyCheckpoint(*note, "vouch.example.com", *verifier_, formats::KeyHintKind::kLogId),
      IsOk());
}

TEST_P(SignVerify, RejectionTable) {
  const Checkpoint c = Example();
  absl::StatusOr<std::string> signed_note = SignCheckpoint(c, "vouch.example.com", *signer_);
  ASSERT_THAT(signed_note, IsOk());
  const std::string note = *signed_note;
  const std::string body = MarshalCheckpointBody(c);
  const std::string sig_line = note.substr(body.size() + 1);
  const std::string b64 = sig_line.substr(kDash.size() + 19, sig_line.size() - kDash.size() - 20);
  const std::string raw = FromBase64(b64);
  const auto line = [](absl::string_view name, absl::string_view sig_raw) {
    return absl::StrCat(kDash, " ", name, " ", absl::Base64Escape(sig_raw), "\n");
  };
  const auto with_body = [&](absl::string_view new_body) {
    return absl::StrCat(new_body, "\n", sig_line);
  };
  Checkpoint other = c;
  other.size += 1;
  const std::string body_size = MarshalCheckpointBody(other);
  other = c;
  other.root[0] ^= 1;
  const std::string body_root = MarshalCheckpointBody(other);
  other = c;
  other.origin = "vouch.example.com/other";
  const std::string body_origin = MarshalCheckpointBody(other);

  struct Case {
    std::string what;
    std::string note;
    std::string name;
    bool other_key;
    absl::StatusCode code;
  };
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  const absl::StatusCode kDenied = absl::StatusCode::kPermissionDenied;
  const std::vector<Case> cases = {
      {"wrong key", note, "vouch.example.com", true, kDenied},
      {"wrong name", note, "vouch.example.org", false, kDenied},
      {"altered size", with_body(body_size), "vouch.example.com", false, kDenied},
      {"altered root", with_body(body_root), "vouch.example.com", false, kDenied},
      {"altered origin", with_body(body_origin), "vouch.example.com", false, kDenied},
      {"extension added", with_body(body + "ext\n"), "vouch.example.com", false, kDenied},
      {"missing blank line", body + sig_line, "vouch.example.com", false, kInvalid},
      {"no signatures", body + "\n", "vouch.example.com", false, kInvalid},
      {"missing final newline", note.substr(0, note.size() - 1), "vouch.example.com", false,
       kInvalid},
      {"bad base64", absl::StrCat(body, "\n", kDash, " vouch.example.com ", b64.substr(1), "\n"),
       "vouch.example.com", false, kInvalid},
      {"base64 with a bad character",
       absl::StrCat(body, "\n", kDash, " vouch.example.com !", b64.substr(1), "\n"),
       "vouch.example.com", false, kInvalid},
      {"signature shorter than 5 bytes", body + "\n" + line("vouch.example.com", raw.substr(0, 4)),
       "vouch.example.com", false, kInvalid},
      {"truncated signature",
       body + "\n" + line("vouch.example.com", raw.substr(0, raw.size() - 1)), "vouch.example.com",
       false, kDenied},
      {"signature bit flipped",
       body + "\n" +
           line("vouch.example.com",
                raw.substr(0, raw.size() - 1) + std::string(1, raw.back() ^ 0x01)),
       "vouch.example.com", false, kDenied},
      {"hyphen instead of em dash", body + "\n- vouch.example.com " + b64 + "\n",
       "vouch.example.com", false, kInvalid},
      {"no space after the dash", absl::StrCat(body, "\n", kDash, "vouch.example.com ", b64, "\n"),
       "vouch.example.com", false, kInvalid},
      {"extra field", absl::StrCat(body, "\n", kDash, " vouch.example.com ", b64, " x\n"),
       "vouch.example.com", false, kInvalid},
      {"no signature field", absl::StrCat(body, "\n", kDash, " vouch.example.com\n"),
       "vouch.example.com", false, kInvalid},
      {"empty name", absl::StrCat(body, "\n", kDash, "  ", b64, "\n"), "vouch.example.com", false,
       kInvalid},
      {"good line then garbage", note + "garbage\n", "vouch.example.com", false, kInvalid},
      {"a bad matching signature next to a good one",
       note + line("vouch.example.com", raw.substr(0, 4) + std::string(raw.size() - 4, 'x')),
       "vouch.example.com", false, kDenied},
      {"control character", absl::StrCat("vouch\x01.example\n", note.substr(note.find('\n') + 1)),
       "vouch.example.com", false, kInvalid},
      {"CRLF line ends", absl::StrReplaceAll(note, {{"\n", "\r\n"}}), "vouch.example.com", false,
       kInvalid},
      {"invalid UTF-8", absl::StrCat("\xff", note), "vouch.example.com", false, kInvalid},
      {"oversize note", std::string(formats::kMaxNoteSize - note.size() + 1, 'a') + note,
       "vouch.example.com", false, kInvalid},
      {"non-canonical size (signed as such)", "", "", false, kInvalid},   // filled in below
      {"too many signatures", "", "vouch.example.com", false, kInvalid},  // filled in below
  };
  for (Case tc : cases) {
    if (tc.what == "non-canonical size (signed as such)") {
      // A correctly signed note whose body has a non-canonical size is still rejected.
      const std::string bad_body = absl::StrReplaceAll(body, {{"\n20852163\n", "\n020852163\n"}});
      absl::StatusOr<std::string> sig = signer_->Sign(bad_body);
      ASSERT_THAT(sig, IsOk());
      tc.note = bad_body + "\n" + line("vouch.example.com", raw.substr(0, 4) + *sig);
      tc.name = "vouch.example.com";
    } else if (tc.what == "too many signatures") {
      tc.note = note;
      for (size_t i = 0; i < formats::kMaxNoteSignatures; ++i)
        tc.note += line("w.example", "12345");
    }
    const OpenSslVerifier& v = tc.other_key ? *other_verifier_ : *verifier_;
    EXPECT_THAT(VerifyCheckpoint(tc.note, tc.name, v), StatusIs(tc.code)) << tc.what;
  }
  // Sanity: the unaltered note verifies, also next to unknown and same-name-other-key lines.
  EXPECT_THAT(VerifyCheckpoint(note, "vouch.example.com", *verifier_), IsOk());
  EXPECT_THAT(VerifyCheckpoint(note + line("witness.example", "\x01\x02\x03\x04sig") +
                                   line("vouch.example.com", std::string("\0\0\0\0other", 9)),
                               "vouch.example.com", *verifier_),
              IsOk());
  // A body containing a blank line: the last blank line separates the signatures, so the body
  // seen is "...\n\next\n"-free and fails to parse or verify.
  EXPECT_FALSE(
      VerifyCheckpoint(absl::StrCat(body, "\next\n\n", sig_line), "vouch.example.com", *verifier_)
          .ok());
}

INSTANTIATE_TEST_SUITE_P(Keys, SignVerify,
                         ::testing::Values(KeyType::kEcdsaP256, KeyType::kEd25519),
                         [](const ::testing::TestParamInfo<KeyType>& info) {
                           return info.param == KeyType::kEd25519 ? std::string("Ed25519")
                                                                  : std::string("EcdsaP256");
                         });

TEST(Checkpoint, SignRejectsInvalidInput) {
  auto signer = OpenSslSigner::Generate(KeyType::kEd25519);
  ASSERT_THAT(signer, IsOk());
  Checkpoint c = Example();
  for (const std::string& name : {std::string(""), std::string("a b"), std::string("a+b"),
                                  std::string("a\tb"), std::string("a\nb"),
                                  std::string("a\xC2\xA0"
                                              "b"),  // U+00A0 no-break space
                                  std::string("a\xE3\x80\x80"
                                              "b"),  // U+3000 ideographic space
                                  std::string("a\xff")}) {
    EXPECT_THAT(SignCheckpoint(c, name, **signer), StatusIs(absl::StatusCode::kInvalidArgument))
        << absl::CHexEscape(name);
  }
  c.origin = "";
  EXPECT_THAT(SignCheckpoint(c, "n", **signer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty origin")));
  c.origin = "two\nlines";
  EXPECT_THAT(SignCheckpoint(c, "n", **signer), StatusIs(absl::StatusCode::kInvalidArgument));
  c = Example();
  c.extensions = {""};
  EXPECT_THAT(SignCheckpoint(c, "n", **signer),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty extension")));
  c.extensions = {"a\nb"};
  EXPECT_THAT(SignCheckpoint(c, "n", **signer), StatusIs(absl::StatusCode::kInvalidArgument));
  c.extensions = {std::string(formats::kMaxNoteSize, 'e')};
  EXPECT_THAT(SignCheckpoint(c, "n", **signer), StatusIs(absl::StatusCode::kInvalidArgument));
  // Unicode in the origin is fine (Rekor v1 origins contain spaces).
  c = Example();
  c.origin = "rekor.sigstore.dev - 123 \xE2\x9C\x93";
  absl::StatusOr<std::string> note = SignCheckpoint(c, "rekor.sigstore.dev", **signer);
  ASSERT_THAT(note, IsOk());
  auto verifier = OpenSslVerifier::FromDer((*signer)->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  EXPECT_THAT(VerifyCheckpoint(*note, "rekor.sigstore.dev", **verifier), IsOk());
}

// A signer that always fails, to check errors pass through.
class FailingSigner : public signer::Signer {
 public:
  absl::StatusOr<std::string> Sign(absl::string_view) const override {
    return absl::UnavailableError("HSM session lost");
  }
  KeyType key_type() const override { return KeyType::kEcdsaP256; }
  std::string PublicKeyDer() const override { return "der"; }
};

TEST(Checkpoint, SignerErrorsPassThrough) {
  FailingSigner signer;
  EXPECT_THAT(SignCheckpoint(Example(), "n", signer),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("HSM session lost")));
}

}  // namespace
}  // namespace vouch::log
