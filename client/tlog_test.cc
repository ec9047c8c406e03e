// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tlog.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/fake_sigstore.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(SignedEntryTimestamp, PayloadIsCanonicalJson) {
  // Golden bytes: keys sorted (RFC 8785), no spaces, body as standard base64, log id as hex.
  EXPECT_EQ(SignedEntryTimestampPayload("{}", 1700000000, std::string("\x01\xab", 2), 7),
            R"({"body":"e30=","integratedTime":1700000000,"logID":"01ab","logIndex":7})");
}

TEST(Checkpoint, ParsesRekorV1Note) {
  const std::string root(32, '\x11');
  const std::string env =
      absl::StrCat("rekor.sigstore.dev - 2605736670972794746\n23083062\n", absl::Base64Escape(root),
                   "\nTimestamp: 1689177396617352539\n\n\xe2\x80\x94 rekor.sigstore.dev ",
                   absl::Base64Escape("HINTsignature"), "\n");
  auto note = ParseSignedNote(env);
  ASSERT_THAT(note, IsOk());
  ASSERT_EQ(note->signatures.size(), 1u);
  EXPECT_EQ(note->signatures[0].name, "rekor.sigstore.dev");
  EXPECT_EQ(note->signatures[0].key_hint, "HINT");
  EXPECT_EQ(note->signatures[0].signature, "signature");
  auto body = ParseCheckpointText(note->text);
  ASSERT_THAT(body, IsOk());
  EXPECT_EQ(body->origin, "rekor.sigstore.dev - 2605736670972794746");
  EXPECT_EQ(body->size, 23083062u);
  EXPECT_EQ(body->root_hash, root);
}

TEST(Checkpoint, RejectsMalformedBodies) {
  const std::string root = absl::Base64Escape(std::string(32, 'x'));
  const std::string cases[] = {
      absl::StrCat("5\n", root, "\n"),           // missing origin
      absl::StrCat("origin\n", root, "\n"),      // missing size
      "origin\n5\n\n",                           // missing root
      absl::StrCat("origin\n-5\n", root, "\n"),  // negative size
      absl::StrCat("origin\n05\n", root, "\n"),  // non-canonical size
      "origin\n5\nAAAA\n",                       // short root
      absl::StrCat("\n5\n", root, "\n"),         // empty origin
  };
  for (const std::string& text : cases) {
    EXPECT_THAT(ParseCheckpointText(text),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint: ")))
        << text;
  }
  EXPECT_THAT(ParseSignedNote("origin\n5\n"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSignedNote("a\n\nno dash line\n"), StatusIs(absl::StatusCode::kInvalidArgument));
}

class TlogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto root = TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<TrustRoot>(*std::move(root));
    auto b = fake_->MakeBundle("artifact");
    ASSERT_THAT(b, IsOk());
    entry_ = b->verification_material().tlog_entries(0);
  }
  const TransparencyLog& log() { return root_->tlogs()[0]; }

  std::unique_ptr<FakeSigstore> fake_;
  std::unique_ptr<TrustRoot> root_;
  dev::sigstore::rekor::v1::TransparencyLogEntry entry_;
};

TEST_F(TlogTest, VerifiesProofCheckpointAndSet) {
  EXPECT_THAT(VerifyInclusionProof(entry_.inclusion_proof(), entry_.canonicalized_body(), log()),
              IsOk());
  EXPECT_THAT(VerifySignedEntryTimestamp(entry_, log()), IsOk());
}

TEST_F(TlogTest, RejectsCheckpointFromAnotherKey) {
  // Same note, signed by a key whose hint matches but is not the log's.
  auto other = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(other, IsOk());
  const std::string text = absl::StrCat(
      "log.vouch.test - 42\n11\n", absl::Base64Escape(entry_.inclusion_proof().root_hash()), "\n");
  auto sig = (*other)->Sign(text);
  ASSERT_THAT(sig, IsOk());
  const std::string env =
      absl::StrCat(text, "\n\xe2\x80\x94 log.vouch.test ",
                   absl::Base64Escape(fake_->log_id().substr(0, 4) + *sig), "\n");
  EXPECT_THAT(VerifyCheckpointNote(env, log()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("does not verify")));
  // Only a witness signature: no signature by the log.
  const std::string witness =
      absl::StrCat(text, "\n\xe2\x80\x94 witness.test ", absl::Base64Escape("WXYZ" + *sig), "\n");
  EXPECT_THAT(VerifyCheckpointNote(witness, log()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                             HasSubstr("no signature by the log")));
}

TEST_F(TlogTest, ProofOfOtherLeafFails) {
  EXPECT_THAT(VerifyInclusionProof(entry_.inclusion_proof(), "another body", log()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("inclusion proof:")));
  auto proof = entry_.inclusion_proof();
  proof.set_tree_size(proof.log_index());
  EXPECT_THAT(VerifyInclusionProof(proof, entry_.canonicalized_body(), log()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("outside tree")));
  proof = entry_.inclusion_proof();
  proof.mutable_hashes()->RemoveLast();
  EXPECT_THAT(VerifyInclusionProof(proof, entry_.canonicalized_body(), log()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("inclusion proof:")));
}

}  // namespace
}  // namespace vouch::client
