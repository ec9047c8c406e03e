// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Verification that requires witness cosignatures on the bundle's checkpoint.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/bundle.h"
#include "client/cosignature.h"
#include "client/fake_sigstore.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr char kArtifact[] = "hello, vouch\n";

struct TestWitness {
  std::string name;
  std::unique_ptr<signer::OpenSslSigner> key;
  WitnessKey verifier;

  // A cosignature line over the checkpoint body of |note|.
  std::string Cosign(const std::string& note) const {
    const std::string text = note.substr(0, note.rfind("\n\n") + 1);
    return CosignatureLine(name, verifier.key_id, 1700000000,
                           *key->Sign(CosignatureMessage(text, 1700000000)));
  }
};

TestWitness NewWitness(const std::string& name) {
  TestWitness w;
  w.name = name;
  w.key = *signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  w.verifier = *ParseVkey(FormatVkey(name, w.key->PublicKeyDer().substr(12)));
  return w;
}

class VerifyWitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = *FakeSigstore::New();
    root_ = std::make_unique<TrustRoot>(*TrustRoot::FromJson(fake_->TrustedRootJson()));
    options_.identity.identity = kFakeIdentity;
    options_.identity.issuer = kFakeIssuer;
    options_.now = absl::FromUnixSeconds(1700000000) + absl::Hours(24);
    a_ = NewWitness("a.example/w");
    b_ = NewWitness("b.example/w");
    options_.witnesses = {a_.verifier, b_.verifier};
    auto proto = fake_->MakeBundle(kArtifact);
    ASSERT_THAT(proto, IsOk());
    proto_ = *std::move(proto);
  }

  absl::StatusOr<VerificationResult> Run(const std::vector<std::string>& lines) {
    auto proto = proto_;
    auto* cp = proto.mutable_verification_material()
                   ->mutable_tlog_entries(0)
                   ->mutable_inclusion_proof()
                   ->mutable_checkpoint();
    const std::string note = cp->envelope();
    std::string cosigned = note;
    for (const std::string& l : lines) cosigned += l;
    cp->set_envelope(cosigned);
    auto json = BundleToJson(proto);
    if (!json.ok()) return json.status();
    auto bundle = ParseBundle(*json);
    if (!bundle.ok()) return bundle.status();
    return Verify(*bundle, Artifact::FromBytes(kArtifact), *root_, options_);
  }

  std::string Note() {
    return proto_.verification_material().tlog_entries(0).inclusion_proof().checkpoint().envelope();
  }

  std::unique_ptr<FakeSigstore> fake_;
  std::unique_ptr<TrustRoot> root_;
  VerifyOptions options_;
  TestWitness a_, b_;
  dev::sigstore::bundle::v1::Bundle proto_;
};

TEST_F(VerifyWitnessTest, RequiresTheThresholdOfCosignatures) {
  const std::string note = Note();
  options_.witness_threshold = 1;
  EXPECT_THAT(Run({}), StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("inclusion proof: checkpoint: 0 of the 1 required")));
  EXPECT_THAT(Run({a_.Cosign(note)}), IsOk());
  options_.witness_threshold = 2;
  EXPECT_THAT(Run({a_.Cosign(note)}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("1 of the 2 required")));
  EXPECT_THAT(Run({a_.Cosign(note), b_.Cosign(note)}), IsOk());
  // Without the requirement the cosignatures are ignored.
  options_.witness_threshold = 0;
  EXPECT_THAT(Run({}), IsOk());
}

TEST_F(VerifyWitnessTest, ACosignatureOfAnotherViewFails) {
  options_.witness_threshold = 1;
  // The witness cosigned a checkpoint of the same size with another root: it does not verify
  // on this bundle's checkpoint.
  std::string other = Note();
  const size_t root_line = other.find('\n', other.find('\n') + 1) + 1;
  other[root_line] = other[root_line] == 'A' ? 'B' : 'A';
  EXPECT_THAT(Run({a_.Cosign(other)}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("does not verify")));
}

}  // namespace
}  // namespace vouch::client
