// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tlog.h"

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "client/fake_sigstore.h"
#include "formats/signed_note.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

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
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("does not verify")));
  // Only a witness signature: no signature by the log.
  const std::string witness =
      absl::StrCat(text, "\n\xe2\x80\x94 witness.test ", absl::Base64Escape("WXYZ" + *sig), "\n");
  EXPECT_THAT(VerifyCheckpointNote(witness, log()),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       HasSubstr("checkpoint: note has no signature by log.vouch.test - 42 or "
                                 "log.vouch.test")));
  // Inside an inclusion proof, every failure is FailedPrecondition.
  auto proof = entry_.inclusion_proof();
  proof.mutable_checkpoint()->set_envelope(witness);
  EXPECT_THAT(VerifyInclusionProof(proof, entry_.canonicalized_body(), log()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no signature by")));
}

// The Rekor v1 rule: the note is signed as NAME for an origin "NAME - TREEID", or as the whole
// origin (Rekor v2, C2SP); a name that is merely a prefix of the origin is not the log's.
TEST_F(TlogTest, SignerNameIsTheOriginOrItsRekorV1Name) {
  const std::string root = entry_.inclusion_proof().root_hash();
  for (const auto& [origin, name, ok] : std::vector<std::tuple<std::string, std::string, bool>>{
           {"log.vouch.test - 42", "log.vouch.test", true},
           {"log.vouch.test - 42", "log.vouch.test - 42", false},  // spaces: not a key name
           {"log.vouch.test", "log.vouch.test", true},
           {"log.vouch.test/v2", "log.vouch.test", false},
           {"log.vouch.test-42", "log.vouch.test", false},
       }) {
    const std::string text = absl::StrCat(origin, "\n11\n", absl::Base64Escape(root), "\n");
    auto note = formats::SignNote(text, "x", fake_->log_id().substr(0, 4), fake_->log_key());
    ASSERT_THAT(note, IsOk());
    std::string env = *note;
    env.replace(env.find("\xe2\x80\x94 x ") + 4, 1, name);
    auto cp = VerifyCheckpointNote(env, log());
    if (ok) {
      ASSERT_THAT(cp, IsOk()) << origin;
      EXPECT_EQ(cp->size, 11u);
      EXPECT_EQ(log::HashBytes(cp->root), root);
    } else {
      EXPECT_FALSE(cp.ok()) << origin << " / " << name;
    }
  }
}

TEST_F(TlogTest, MalformedCheckpointsAreInvalidArgument) {
  EXPECT_THAT(
      VerifyCheckpointNote("origin\n5\n", log()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint: malformed note")));
  const std::string body_without_root = "origin\n5\n\n";
  auto note = formats::SignNote(body_without_root, "origin", fake_->log_id().substr(0, 4),
                                fake_->log_key());
  ASSERT_THAT(note, IsOk());
  EXPECT_THAT(
      VerifyCheckpointNote(*note, log()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint: malformed checkpoint")));
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
