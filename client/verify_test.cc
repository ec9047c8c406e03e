// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/verify.h"

#include <functional>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "client/bundle.h"
#include "client/fake_sigstore.h"
#include "client/trust_root.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;
using BundleProto = dev::sigstore::bundle::v1::Bundle;

constexpr char kArtifact[] = "hello, vouch\n";

class VerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto root = TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<TrustRoot>(*std::move(root));
    options_.identity.identity = kFakeIdentity;
    options_.identity.issuer = kFakeIssuer;
    options_.now = absl::FromUnixSeconds(1700000000) + absl::Hours(24);
  }

  BundleProto Make(const FakeBundleOptions& o = {}) {
    auto b = fake_->MakeBundle(kArtifact, o);
    EXPECT_THAT(b, IsOk());
    return *b;
  }

  absl::StatusOr<VerificationResult> Run(
      const BundleProto& proto, const Artifact& artifact = Artifact::FromBytes(kArtifact)) {
    // Round-trip through JSON so every test also covers reading.
    auto json = BundleToJson(proto);
    if (!json.ok()) return json.status();
    auto bundle = ParseBundle(*json);
    if (!bundle.ok()) return bundle.status();
    return Verify(*bundle, artifact, *root_, options_);
  }

  std::unique_ptr<FakeSigstore> fake_;
  std::unique_ptr<TrustRoot> root_;
  VerifyOptions options_;
};

TEST_F(VerifyTest, AcceptsMessageSignatureBundle) {
  auto r = Run(Make());
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->subject_alternative_names, ::testing::ElementsAre(kFakeIdentity));
  EXPECT_EQ(r->oidc_issuer, kFakeIssuer);
  EXPECT_EQ(r->signing_times.size(), 1u);
  EXPECT_EQ(r->log_indexes, std::vector<int64_t>{1005});
}

TEST_F(VerifyTest, AcceptsEveryMediaType) {
  for (const char* mt :
       {kBundleMediaTypeV01, kBundleMediaTypeV02, kBundleMediaTypeV03, kBundleMediaTypeV03New}) {
    FakeBundleOptions o;
    o.media_type = mt;
    EXPECT_THAT(Run(Make(o)), IsOk()) << mt;
  }
}

TEST_F(VerifyTest, AcceptsDigestInsteadOfArtifact) {
  auto a = Artifact::FromDigest("sha256:" + absl::BytesToHexString(signer::Sha256(kArtifact)));
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(Run(Make(), *a), IsOk());
}

TEST_F(VerifyTest, AcceptsIdentityRegexpAnchored) {
  options_.identity.identity.clear();
  options_.identity.identity_regexp = "https://github\\.com/acme/.*";
  options_.identity.issuer.clear();
  options_.identity.issuer_regexp = "https://token\\.actions\\..*";
  EXPECT_THAT(Run(Make()), IsOk());
  options_.identity.identity_regexp = "acme";  // anchored: must match the whole SAN
  EXPECT_THAT(Run(Make()),
              StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("identity:")));
}

// E-mail identities: an rfc822Name, and an RFC 9598 SmtpUTF8Mailbox otherName (what vouchd's CA
// writes for a non-ASCII local part) match --certificate-identity as they are written; an
// otherName of another type is no identity.
TEST_F(VerifyTest, MatchesRfc822NameAndSmtpUtf8MailboxIdentities) {
  const std::string mailbox = "j\xC3\xB6rg@xn--bcher-kva.example";
  FakeBundleOptions o;
  o.identity = "otherName:1.3.6.1.5.5.7.8.9;UTF8:" + mailbox;
  options_.identity.identity = mailbox;
  auto r = Run(Make(o));
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->subject_alternative_names, ::testing::ElementsAre(mailbox));
  options_.identity.identity =
      "j\xC3\xB6rg@b\xC3\xBC"
      "cher.example";  // not as written
  EXPECT_THAT(Run(Make(o)),
              StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("identity:")));
  options_.identity.identity.clear();
  options_.identity.identity_regexp = "j\xC3\xB6rg@.*";
  EXPECT_THAT(Run(Make(o)), IsOk());

  o.identity = "email:dev@example.com";
  options_.identity.identity_regexp.clear();
  options_.identity.identity = "dev@example.com";
  EXPECT_THAT(Run(Make(o)), IsOk());

  o.identity = "otherName:1.2.3.4;UTF8:" + mailbox;
  options_.identity.identity = mailbox;
  r = Run(Make(o));
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("identity:")));
}

TEST_F(VerifyTest, AcceptsDsseAttestationAndChecksPolicy) {
  FakeBundleOptions o;
  o.dsse = true;
  options_.require_attestation = true;
  options_.attestation.predicate_type = "slsaprovenance1";
  options_.attestation.builder_id = "https://vouch.test/builder";
  options_.attestation.source_repository = "git+https://github.com/acme/app@refs/heads/main";
  auto r = Run(Make(o));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->predicate_type, "https://slsa.dev/provenance/v1");

  options_.attestation.builder_id = "https://evil.test/builder";
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("attestation: SLSA builder id")));
  options_.attestation.builder_id.clear();
  options_.attestation.predicate_type = "https://spdx.dev/Document";
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("attestation: predicate type")));
  options_.attestation.predicate_type.clear();
  options_.attestation.source_repository = "https://github.com/other/app";
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("attestation: source repository")));
}

TEST_F(VerifyTest, RejectsAttestationForOtherArtifact) {
  FakeBundleOptions o;
  o.dsse = true;
  EXPECT_THAT(Run(Make(o), Artifact::FromBytes("other")),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("attestation: no subject digest matches")));
}

TEST_F(VerifyTest, RequireAttestationRejectsMessageSignature) {
  options_.require_attestation = true;
  EXPECT_THAT(Run(Make()),
              StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("attestation:")));
}

TEST_F(VerifyTest, AcceptsKeyBundleWithKey) {
  FakeBundleOptions o;
  o.with_key = true;
  auto key = signer::OpenSslVerifier::FromDer(fake_->artifact_key().PublicKeyDer());
  ASSERT_THAT(key, IsOk());
  options_.key = std::shared_ptr<const signer::Verifier>(*std::move(key));
  EXPECT_THAT(Run(Make(o)), IsOk());
  options_.key_valid_until = absl::FromUnixSeconds(1600000000);
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("key:")));
}

TEST_F(VerifyTest, RejectsKeyBundleWithoutOrWithWrongKey) {
  FakeBundleOptions o;
  o.with_key = true;
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("policy:")));
  auto other = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(other, IsOk());
  auto key = signer::OpenSslVerifier::FromDer((*other)->PublicKeyDer());
  options_.key = std::shared_ptr<const signer::Verifier>(*std::move(key));
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("tlog entry: certificate or key")));
}

// Each mutation of a valid bundle, and the step its failure must name.
struct Mutation {
  const char* name;
  std::function<void(BundleProto*, VerifyOptions*)> apply;
  const char* step;  // the message prefix
  Step failed;       // the structured step
};

void FlipByte(std::string* s, size_t i) { (*s)[i % s->size()] ^= 0x01; }

dev::sigstore::rekor::v1::TransparencyLogEntry* Entry(BundleProto* b) {
  return b->mutable_verification_material()->mutable_tlog_entries(0);
}

TEST_F(VerifyTest, EachMutationFailsAtItsStep) {
  const Mutation mutations[] = {
      {"signature byte",
       [](BundleProto* b, VerifyOptions*) {
         FlipByte(b->mutable_message_signature()->mutable_signature(), 10);
       },
       "tlog entry:", Step::kTlogEntry},
      {"message digest",
       [](BundleProto* b, VerifyOptions*) {
         FlipByte(b->mutable_message_signature()->mutable_message_digest()->mutable_digest(), 3);
       },
       "artifact:", Step::kArtifact},
      {"identity", [](BundleProto*, VerifyOptions* o) { o->identity.identity = "someone else"; },
       "identity:", Step::kIdentity},
      {"issuer", [](BundleProto*, VerifyOptions* o) { o->identity.issuer = "https://evil.test"; },
       "identity:", Step::kIdentity},
      {"unknown log",
       [](BundleProto* b, VerifyOptions*) {
         FlipByte(Entry(b)->mutable_log_id()->mutable_key_id(), 0);
       },
       "tlog entry: log id", Step::kTlogEntry},
      {"body",
       [](BundleProto* b, VerifyOptions*) { FlipByte(Entry(b)->mutable_canonicalized_body(), 40); },
       "", Step::kTlogEntry},
      {"kind",
       [](BundleProto* b, VerifyOptions*) { Entry(b)->mutable_kind_version()->set_kind("intoto"); },
       "tlog entry:", Step::kTlogEntry},
      {"proof hash",
       [](BundleProto* b, VerifyOptions*) {
         FlipByte(Entry(b)->mutable_inclusion_proof()->mutable_hashes(1), 31);
       },
       "inclusion proof:", Step::kInclusionProof},
      {"proof index",
       [](BundleProto* b, VerifyOptions*) {
         Entry(b)->mutable_inclusion_proof()->set_log_index(4);
       },
       "inclusion proof:", Step::kInclusionProof},
      {"proof root",
       [](BundleProto* b, VerifyOptions*) {
         FlipByte(Entry(b)->mutable_inclusion_proof()->mutable_root_hash(), 0);
       },
       "inclusion proof:", Step::kInclusionProof},
      {"checkpoint signature",
       [](BundleProto* b, VerifyOptions*) {
         std::string* env =
             Entry(b)->mutable_inclusion_proof()->mutable_checkpoint()->mutable_envelope();
         (*env)[env->size() - 5] = (*env)[env->size() - 5] == 'A' ? 'B' : 'A';
       },
       "checkpoint:", Step::kInclusionProof},
      {"checkpoint size",
       [](BundleProto* b, VerifyOptions*) {
         std::string* env =
             Entry(b)->mutable_inclusion_proof()->mutable_checkpoint()->mutable_envelope();
         (*env)[env->find('\n') + 1] = '9';
       },
       "checkpoint:", Step::kInclusionProof},
      {"SET",
       [](BundleProto* b, VerifyOptions*) {
         FlipByte(Entry(b)->mutable_inclusion_promise()->mutable_signed_entry_timestamp(), 12);
       },
       "SET:", Step::kSet},
      {"integrated time",
       [](BundleProto* b, VerifyOptions*) {
         Entry(b)->set_integrated_time(Entry(b)->integrated_time() + 1);
       },
       "SET:", Step::kSet},
      {"future", [](BundleProto*, VerifyOptions* o) { o->now = absl::FromUnixSeconds(1600000000); },
       "SET:", Step::kSet},
  };
  for (const Mutation& m : mutations) {
    BundleProto b = Make();
    VerifyOptions saved = options_;
    m.apply(&b, &options_);
    auto r = Run(b);
    options_ = saved;
    EXPECT_FALSE(r.ok()) << m.name;
    EXPECT_THAT(std::string(r.status().message()), StartsWith(m.step))
        << m.name << ": " << r.status();
    // The structured result names the same check, last in its list of steps.
    auto json = BundleToJson(b);
    ASSERT_THAT(json, IsOk());
    auto bundle = ParseBundle(*json);
    ASSERT_THAT(bundle, IsOk());
    BundleProto scratch = b;
    m.apply(&scratch, &options_);  // for the options' half of the mutation
    auto verifier = BundleVerifier::New(root_.get(), options_);
    options_ = saved;
    ASSERT_THAT(verifier, IsOk());
    VerificationResult result = (*verifier)->Verify(*bundle, Artifact::FromBytes(kArtifact));
    ASSERT_FALSE(result.verified()) << m.name;
    EXPECT_EQ(result.failure()->step, m.failed)
        << m.name << ": " << StepName(result.failure()->step);
    EXPECT_EQ(result.status(), r.status()) << m.name;
    for (size_t i = 0; i + 1 < result.steps.size(); ++i) {
      EXPECT_TRUE(result.steps[i].status.ok()) << m.name;
    }
  }
}

TEST_F(VerifyTest, ResultListsEveryCheckAndWhatItFound) {
  auto json = BundleToJson(Make());
  ASSERT_THAT(json, IsOk());
  auto bundle = ParseBundle(*json);
  ASSERT_THAT(bundle, IsOk());
  auto verifier = BundleVerifier::New(root_.get(), options_);
  ASSERT_THAT(verifier, IsOk());
  VerificationResult r = (*verifier)->Verify(*bundle, Artifact::FromBytes(kArtifact));
  ASSERT_TRUE(r.verified()) << r.status();
  std::vector<Step> steps;
  for (const StepOutcome& s : r.steps) steps.push_back(s.step);
  // A keyless message signature with a proof and a SET: no key window, no attestation, and no
  // SCT check (the fake trusted root lists no CT log).
  EXPECT_THAT(steps, ::testing::ElementsAre(Step::kCertificate, Step::kArtifact, Step::kTlogEntry,
                                            Step::kInclusionProof, Step::kSet, Step::kTimestamp,
                                            Step::kChain, Step::kIdentity, Step::kSignature));
  EXPECT_TRUE(r.keyless);
  ASSERT_EQ(r.tlog_entries.size(), 1u);
  EXPECT_EQ(r.tlog_entries[0].log_index, 1005);
  EXPECT_EQ(r.tlog_entries[0].kind, "hashedrekord");
  EXPECT_TRUE(r.tlog_entries[0].inclusion_proof);
  EXPECT_GT(r.tlog_entries[0].checkpoint_size, 0u);
  EXPECT_NE(r.tlog_entries[0].integrated_time, absl::InfinitePast());
  EXPECT_EQ(r.public_key_sha256.size(), 64u);
  bool issuer_ext = false;
  for (const auto& [name, value] : r.certificate_extensions) {
    if (name == "issuer" && value == kFakeIssuer) issuer_ext = true;
  }
  EXPECT_TRUE(issuer_ext);
}

TEST_F(VerifyTest, ExtensionConditionsAreChecked) {
  options_.identity.extensions = {{"issuer", kFakeIssuer}};
  EXPECT_THAT(Run(Make()), IsOk());
  options_.identity.extensions = {{"issuer", "https://other.test"}};
  EXPECT_THAT(Run(Make()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("identity: certificate issuer is")));
  options_.identity.extensions = {{"sourceRepositoryURI", "https://github.com/acme/app"}};
  EXPECT_THAT(Run(Make()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("has no sourceRepositoryURI extension")));
}

TEST_F(VerifyTest, RegularExpressionsAreRe2CompiledOnceAndRefusedWhenMalformed) {
  options_.identity.identity.clear();
  options_.identity.identity_regexp = "(unclosed";
  EXPECT_THAT(BundleVerifier::New(root_.get(), options_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("certificate-identity-regexp: bad regular expression")));
  // Backreferences (exponential in backtracking engines) are not RE2 syntax.
  options_.identity.identity_regexp = "(a*)\\1";
  EXPECT_THAT(BundleVerifier::New(root_.get(), options_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A pattern that is catastrophic for a backtracking engine runs in linear time under RE2;
  // the SAN does not match, and the answer comes back.
  options_.identity.identity_regexp = "(x+x+)+y";
  auto r = Run(Make());
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("identity:")));
}

TEST_F(VerifyTest, RejectsWrongArtifact) {
  EXPECT_THAT(Run(Make(), Artifact::FromBytes("tampered")),
              StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("artifact:")));
  auto digest = Artifact::FromDigest("sha256:" + std::string(64, '0'));
  ASSERT_THAT(digest, IsOk());
  EXPECT_THAT(Run(Make(), *digest), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_F(VerifyTest, RejectsCertificateNotValidAtIntegratedTime) {
  FakeBundleOptions o;
  o.cert_age = absl::Minutes(11);  // expired 1 minute before the entry was integrated
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("certificate: certificate has expired")));
  o.cert_age = -absl::Minutes(1);  // not yet valid
  EXPECT_THAT(Run(Make(o)), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("certificate: certificate is not yet valid")));
}

TEST_F(VerifyTest, EnforcesTrustedRootWindows) {
  auto tr = fake_->trusted_root();
  tr.mutable_tlogs(0)->mutable_public_key()->mutable_valid_for()->mutable_end()->set_seconds(
      1700000000);  // inclusive: still fine
  auto root = TrustRoot::FromJson([&] {
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(tr, &out);
    return out;
  }());
  ASSERT_THAT(root, IsOk());
  root_ = std::make_unique<TrustRoot>(*std::move(root));
  EXPECT_THAT(Run(Make()), IsOk());

  tr.mutable_tlogs(0)->mutable_public_key()->mutable_valid_for()->mutable_end()->set_seconds(
      1699999999);
  tr.mutable_certificate_authorities(0)->mutable_valid_for()->mutable_end()->set_seconds(
      1699999999);
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(tr, &json);
  root_ = std::make_unique<TrustRoot>(*TrustRoot::FromJson(json));
  EXPECT_THAT(Run(Make()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("outside the log key's validity window")));
}

TEST_F(VerifyTest, RejectsChainWithUntrustedExtraCertificate) {
  FakeBundleOptions o;
  o.media_type = kBundleMediaTypeV02;
  BundleProto b = Make(o);
  auto* chain = b.mutable_verification_material()->mutable_x509_certificate_chain();
  chain->add_certificates()->set_raw_bytes(fake_->ca_intermediate_der());
  EXPECT_THAT(Run(b), IsOk());  // repeating the trusted intermediate adds nothing
  auto other = FakeSigstore::New();
  ASSERT_THAT(other, IsOk());
  chain->add_certificates()->set_raw_bytes((*other)->ca_root_der());
  EXPECT_THAT(Run(b), StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("not in the trusted root")));
}

TEST_F(VerifyTest, RejectsWhenTrustedRootListsCtLogsButNoSct) {
  auto tr = fake_->trusted_root();
  auto* ct = tr.add_ctlogs();
  ct->mutable_public_key()->set_raw_bytes(fake_->log_key().PublicKeyDer());
  ct->mutable_public_key()->mutable_valid_for()->mutable_start()->set_seconds(0);
  ct->mutable_log_id()->set_key_id(fake_->log_id());
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(tr, &json);
  root_ = std::make_unique<TrustRoot>(*TrustRoot::FromJson(json));
  EXPECT_THAT(Run(Make()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("SCT: certificate has no embedded SCT")));
}

TEST_F(VerifyTest, AcceptsRekorV2StyleBundleWithTimestamp) {
  FakeBundleOptions o;
  o.rekor_v2 = true;
  auto r = Run(Make(o));
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->signing_times, std::vector<absl::Time>{absl::FromUnixSeconds(1700000000)});
}

TEST_F(VerifyTest, RekorV2StyleBundleNeedsAValidTimestamp) {
  FakeBundleOptions o;
  o.rekor_v2 = true;
  BundleProto b = Make(o);
  b.mutable_verification_material()->clear_timestamp_verification_data();
  EXPECT_THAT(Run(b), StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("timestamp: no verified signing time")));
  b = Make(o);
  auto other = fake_->Timestamp("not the signature", absl::FromUnixSeconds(1700000000));
  ASSERT_THAT(other, IsOk());
  b.mutable_verification_material()
      ->mutable_timestamp_verification_data()
      ->mutable_rfc3161_timestamps(0)
      ->set_signed_timestamp(*other);
  EXPECT_THAT(Run(b), StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("timestamp:")));
  o.cert_age = absl::Minutes(20);  // timestamp after the certificate expired
  EXPECT_THAT(Run(Make(o)),
              StatusIs(absl::StatusCode::kFailedPrecondition, StartsWith("certificate:")));
}

TEST(Artifact, ParsesDigests) {
  EXPECT_THAT(Artifact::FromDigest("sha256:" + std::string(64, 'a')), IsOk());
  EXPECT_THAT(Artifact::FromDigest("sha512:" + std::string(128, 'a')), IsOk());
  EXPECT_THAT(Artifact::FromDigest("sha256:abc"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Artifact::FromDigest("md5:" + std::string(32, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Artifact::FromDigest(std::string(64, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  auto a = Artifact::FromDigest("sha256:" + std::string(64, 'a'));
  EXPECT_THAT(a->Digest(signer::HashAlgorithm::kSha512), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vouch::client

namespace vouch::client {
namespace {

// Every single-byte change of a bundle's JSON text must parse or fail cleanly (no crash under the
// sanitizers); the changes that still verify may only touch what verification ignores.
TEST_F(VerifyTest, SurvivesEveryByteFlipOfTheJson) {
  for (bool dsse : {false, true}) {
    FakeBundleOptions o;
    o.dsse = dsse;
    auto json = fake_->MakeBundleJson(kArtifact, o);
    ASSERT_THAT(json, IsOk());
    int verified = 0;
    for (size_t i = 0; i < json->size(); i += 3) {
      std::string mutated = *json;
      mutated[i] ^= 0x20;
      auto bundle = ParseBundle(mutated);
      if (!bundle.ok()) continue;
      if (Verify(*bundle, Artifact::FromBytes(kArtifact), *root_, options_).ok()) ++verified;
    }
    // Only a changed "messageDigest" key verifies: the key becomes unknown and the optional,
    // unauthenticated digest hint is dropped (5 of the sampled positions fall in that key).
    EXPECT_LE(verified, dsse ? 0 : 5) << "dsse=" << dsse;
  }
}

}  // namespace
}  // namespace vouch::client
