// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cosignature.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using vouch::testing::IsOk;
using vouch::testing::StatusIs;

constexpr char kBody[] =
    "example.com/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
constexpr char kLogLine[] = "\xe2\x80\x94 example.com/log AAAAAGxvZ3NpZ25hdHVyZQ==\n";

struct Witness {
  std::string name;
  std::unique_ptr<signer::OpenSslSigner> key;
  std::string raw;
  WitnessKey verifier;

  std::string Cosign(const std::string& body, uint64_t t) const {
    auto sig = key->Sign(CosignatureMessage(body, t));
    return CosignatureLine(name, verifier.key_id, t, *sig);
  }
};

Witness NewWitness(const std::string& name) {
  Witness w;
  w.name = name;
  w.key = *signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  w.raw = w.key->PublicKeyDer().substr(12);
  w.verifier = *ParseVkey(FormatVkey(name, w.raw));
  return w;
}

std::string Note(const std::vector<std::string>& lines) {
  std::string n = absl::StrCat(kBody, "\n", kLogLine);
  for (const std::string& l : lines) n += l;
  return n;
}

TEST(Cosignature, KeyIdIsTheSpecsHash) {
  const std::string raw(32, '\x07');
  std::string data = "w.example/1\n";
  data.push_back('\x04');
  data += raw;
  EXPECT_EQ(CosignatureKeyId("w.example/1", raw), signer::Sha256(data).substr(0, 4));
  EXPECT_EQ(CosignatureMessage(kBody, 1679315147),
            absl::StrCat("cosignature/v1\ntime 1679315147\n", kBody));
}

TEST(Cosignature, VkeyRoundTripsAndBadOnesAreRefused) {
  Witness w = NewWitness("witness.example/w1");
  const std::string vkey = FormatVkey(w.name, w.raw);
  auto parsed = ParseVkey(vkey);
  ASSERT_THAT(parsed, IsOk());
  const WitnessKey& k = *parsed;
  EXPECT_EQ(k.name, "witness.example/w1");
  EXPECT_EQ(k.raw_key, w.raw);
  const std::string typed = absl::Base64Escape(std::string("\x04", 1) + w.raw);
  const std::string id = absl::BytesToHexString(k.key_id);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "want <name>"},
      {"a+b", "want <name>"},
      {absl::StrCat("has space+", id, "+", typed), "bad name"},
      {absl::StrCat("witness.example/w1+", id.substr(1), "+", typed), "8 hex"},
      {absl::StrCat("witness.example/w1+zzzzzzzz+", typed), "8 hex"},
      {absl::StrCat("witness.example/w1+00000000+", typed), "does not match"},
      {absl::StrCat("other/w2+", id, "+", typed), "does not match"},
      {absl::StrCat("witness.example/w1+", id, "+!!"), "bad base64"},
      {absl::StrCat("witness.example/w1+", id, "+",
                    absl::Base64Escape(std::string("\x01", 1) + w.raw)),
       "type byte 0x04"},
      {absl::StrCat("witness.example/w1+", id, "+",
                    absl::Base64Escape(std::string("\x04", 1) + w.raw.substr(1))),
       "32 bytes"},
  };
  for (const auto& [in, msg] : bad) {
    EXPECT_THAT(ParseVkey(in), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(msg))) << in;
  }
  auto keys = ParseVkeys(absl::StrCat("# witnesses\n\n", vkey, "\n"));
  ASSERT_THAT(keys, IsOk());
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_THAT(ParseVkeys(absl::StrCat(vkey, "\nnonsense\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
}

TEST(Cosignature, CountsEachTrustedWitnessOnceAndIgnoresUnknownKeys) {
  Witness a = NewWitness("a.example/w"), b = NewWitness("b.example/w"),
          stranger = NewWitness("c.example/w");
  const std::vector<WitnessKey> trusted = {a.verifier, b.verifier};
  EXPECT_EQ(CountCosignatures(Note({}), trusted).value_or(-1), 0);
  const std::string one = Note({a.Cosign(kBody, 100), stranger.Cosign(kBody, 100)});
  EXPECT_EQ(CountCosignatures(one, trusted).value_or(-1), 1);
  EXPECT_EQ(
      CountCosignatures(Note({a.Cosign(kBody, 1), a.Cosign(kBody, 2), b.Cosign(kBody, 3)}), trusted)
          .value_or(-1),
      2);
  EXPECT_THAT(VerifyCosignatures(one, trusted, 1), IsOk());
  EXPECT_THAT(VerifyCosignatures(one, trusted, 2),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("1 of the 2 required witness cosignatures")));
}

TEST(Cosignature, AlteredCheckpointsAndSignaturesFail) {
  Witness a = NewWitness("a.example/w");
  const std::vector<WitnessKey> trusted = {a.verifier};
  // Signed over another body (a split view's second root).
  const std::string other =
      "example.com/log\n20852163\nAAAAapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
  EXPECT_THAT(CountCosignatures(Note({a.Cosign(other, 5)}), trusted),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("does not verify")));
  // The timestamp is signed: changing it breaks the signature.
  std::string line = a.Cosign(kBody, 5);
  std::string raw;
  ASSERT_TRUE(
      absl::Base64Unescape(line.substr(4 + a.name.size(), line.size() - 5 - a.name.size()), &raw));
  raw[11] ^= 1;
  EXPECT_THAT(CountCosignatures(
                  Note({absl::StrCat("\xe2\x80\x94 ", a.name, " ", absl::Base64Escape(raw), "\n")}),
                  trusted),
              StatusIs(absl::StatusCode::kPermissionDenied));
  // Truncated.
  EXPECT_THAT(CountCosignatures(Note({absl::StrCat("\xe2\x80\x94 ", a.name, " ",
                                                   absl::Base64Escape(raw.substr(0, 40)), "\n")}),
                                trusted),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("wrong length")));
  // Malformed notes.
  EXPECT_THAT(CountCosignatures(kBody, trusted), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CountCosignatures(absl::StrCat(kBody, "\n- x y\n"), trusted),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::client
