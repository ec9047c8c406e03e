// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The 16 real public-good bundles of ../shared/interop/npm-provenance verify offline with the
// public-good trusted root (subject = the tarball's sha512), and each is rejected after a one-byte
// change to the artifact, the signature, an inclusion proof hash, the checkpoint or the SET.
// Without $VOUCH_SHARED the tests are skipped (failed under CI=true).
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/interop/npm_cases.h"
#include "tests/status_matchers.h"

namespace vouch::interop {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;

constexpr int kCases = 16;

const NpmData* Data() {
  static const NpmData* data = []() -> const NpmData* {
    std::string dir = NpmDataDir();
    if (dir.empty()) return nullptr;
    auto loaded = LoadNpmData(dir);
    if (!loaded.ok()) {
      ADD_FAILURE() << loaded.status();
      return nullptr;
    }
    return loaded->release();
  }();
  return data;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

#define REQUIRE_DATA()                                                                 \
  if (Data() == nullptr) {                                                             \
    if (InCi()) FAIL() << "npm-provenance data not found ($VOUCH_SHARED) and CI=true"; \
    GTEST_SKIP() << "npm-provenance data not found ($VOUCH_SHARED unset or absent)";   \
  }                                                                                    \
  ASSERT_LT(GetParam(), static_cast<int>(Data()->cases.size()))

void Flip(std::string* s, size_t i) { (*s)[i] = static_cast<char>((*s)[i] ^ 0x01); }

class NpmProvenance : public ::testing::TestWithParam<int> {
 protected:
  const NpmCase& Case() const { return Data()->cases[GetParam()]; }
  absl::StatusOr<client::VerificationResult> VerifyWith(const client::Bundle& bundle,
                                                        const client::Artifact& artifact) const {
    return client::Verify(bundle, artifact, Data()->root, Case().options);
  }
};

TEST(NpmProvenanceData, HasSixteenBundles) {
  if (Data() == nullptr) {
    if (InCi()) FAIL() << "npm-provenance data not found ($VOUCH_SHARED) and CI=true";
    GTEST_SKIP() << "npm-provenance data not found";
  }
  EXPECT_EQ(Data()->cases.size(), static_cast<size_t>(kCases));
}

TEST_P(NpmProvenance, Verifies) {
  REQUIRE_DATA();
  auto result = VerifyWith(Case().bundle, Case().artifact);
  ASSERT_THAT(result, IsOk()) << Case().name;
  EXPECT_EQ(result->predicate_type, Case().options.attestation.predicate_type);
}

TEST_P(NpmProvenance, RejectsModifiedArtifact) {
  REQUIRE_DATA();
  std::string bytes = Case().artifact.bytes();
  Flip(&bytes, bytes.size() / 2);
  auto result = VerifyWith(Case().bundle, client::Artifact::FromBytes(bytes));
  EXPECT_THAT(result.status().message(), HasSubstr("attestation: no subject digest matches"))
      << Case().name;
}

TEST_P(NpmProvenance, RejectsModifiedSignature) {
  REQUIRE_DATA();
  for (size_t pos : {size_t{0}, size_t{10}, size_t{40}}) {
    client::Bundle b = Case().bundle;
    std::string* sig = b.proto.mutable_dsse_envelope()->mutable_signatures(0)->mutable_sig();
    Flip(sig, pos);
    EXPECT_FALSE(VerifyWith(b, Case().artifact).ok()) << Case().name << " byte " << pos;
  }
}

TEST_P(NpmProvenance, RejectsModifiedPayload) {
  REQUIRE_DATA();
  client::Bundle b = Case().bundle;
  std::string* payload = b.proto.mutable_dsse_envelope()->mutable_payload();
  Flip(payload, payload->size() / 2);
  EXPECT_FALSE(VerifyWith(b, Case().artifact).ok()) << Case().name;
}

TEST_P(NpmProvenance, RejectsModifiedSet) {
  REQUIRE_DATA();
  client::Bundle b = Case().bundle;
  auto* entry = b.proto.mutable_verification_material()->mutable_tlog_entries(0);
  Flip(entry->mutable_inclusion_promise()->mutable_signed_entry_timestamp(), 20);
  EXPECT_THAT(VerifyWith(b, Case().artifact).status().message(), HasSubstr("SET"));
  b = Case().bundle;
  entry = b.proto.mutable_verification_material()->mutable_tlog_entries(0);
  entry->set_integrated_time(entry->integrated_time() + 1);
  EXPECT_THAT(VerifyWith(b, Case().artifact).status().message(), HasSubstr("SET"));
}

TEST_P(NpmProvenance, RejectsModifiedInclusionProofHash) {
  REQUIRE_DATA();
  if (!Case().bundle.proto.verification_material().tlog_entries(0).has_inclusion_proof()) {
    GTEST_SKIP() << Case().name << ": v0.1 bundle, no inclusion proof to modify";
  }
  const int n =
      Case().bundle.proto.verification_material().tlog_entries(0).inclusion_proof().hashes_size();
  for (int h = 0; h < n; ++h) {
    client::Bundle b = Case().bundle;
    auto* proof =
        b.proto.mutable_verification_material()->mutable_tlog_entries(0)->mutable_inclusion_proof();
    Flip(proof->mutable_hashes(h), 31);
    EXPECT_THAT(VerifyWith(b, Case().artifact).status().message(), HasSubstr("inclusion proof"))
        << Case().name << " hash " << h;
  }
}

TEST_P(NpmProvenance, RejectsModifiedCheckpoint) {
  REQUIRE_DATA();
  if (!Case().bundle.proto.verification_material().tlog_entries(0).has_inclusion_proof()) {
    GTEST_SKIP() << Case().name << ": v0.1 bundle, no checkpoint to modify";
  }
  const std::string envelope = Case()
                                   .bundle.proto.verification_material()
                                   .tlog_entries(0)
                                   .inclusion_proof()
                                   .checkpoint()
                                   .envelope();
  // One byte in the origin, the size, the root hash, and the signature.
  const size_t sig = envelope.find("\n\n") + 30;
  for (size_t pos : {size_t{1}, envelope.find('\n') + 1, envelope.find('\n') + 5, sig}) {
    client::Bundle b = Case().bundle;
    std::string* env = b.proto.mutable_verification_material()
                           ->mutable_tlog_entries(0)
                           ->mutable_inclusion_proof()
                           ->mutable_checkpoint()
                           ->mutable_envelope();
    Flip(env, pos);
    EXPECT_THAT(VerifyWith(b, Case().artifact).status().message(), HasSubstr("checkpoint"))
        << Case().name << " byte " << pos;
  }
}

INSTANTIATE_TEST_SUITE_P(All, NpmProvenance, ::testing::Range(0, kCases));

}  // namespace
}  // namespace vouch::interop
