// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signing and verifying images end to end against a real registry (docker-registry 2.8, one per
// test binary) and real OCI layouts (umoci, skopeo): the signing services are in-process
// (client/sign/fake_services.h: FakeSigstore's CA and a log over the real entry code), so the
// bundles verify against FakeSigstore's trusted root. Tamper cases change the registry's state
// the way an attacker with push access (or a lying registry) would, and each must fail naming
// why.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/bundle.h"
#include "client/fake_sigstore.h"
#include "client/sign/fake_services.h"
#include "client/sign/sign.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "images/attachments.h"
#include "images/image_ref.h"
#include "images/sign_image.h"
#include "images/verify_image.h"
#include "nlohmann/json.hpp"
#include "oci/attach.h"
#include "oci/cosign.h"
#include "oci/media_types.h"
#include "oci/registry_hosts.h"
#include "oci/registry_target.h"
#include "oci/target.h"
#include "signer/openssl_crypto.h"
#include "tests/registry/registry_fixture.h"
#include "tests/status_matchers.h"

namespace vouch::images {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::vouch::testing::IsOk;
using ::vouch::testing::RegistryProxy;
using ::vouch::testing::StatusIs;
using ::vouch::testing::TempDir;
using ::vouch::testing::TestRegistry;
using json = nlohmann::json;

oci::RegistryOptions Options() {
  oci::RegistryOptions o;
  o.use_docker_config = false;
  o.initial_backoff = absl::Milliseconds(1);
  o.max_attempts = 2;
  return o;
}

class ImageSigningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = TestRegistry::Start();
    ASSERT_THAT(r.status(), IsOk());
    registry_ = r->release();
    dir_ = new TempDir();
    layout_ = new std::string(dir_->path() + "/umoci");
    ASSERT_THAT(testing::UmociImage(*layout_, "v1", "image one\n").status(), IsOk());
    ASSERT_THAT(testing::UmociImage(*layout_, "v2", "image two\n").status(), IsOk());
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete layout_;
    delete dir_;
  }

  void SetUp() override {
    auto f = client::FakeSigstore::New();
    ASSERT_THAT(f.status(), IsOk());
    fake_ = *std::move(f);
    auto root = client::TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root.status(), IsOk());
    root_ = std::make_unique<client::TrustRoot>(*std::move(root));
    services_ = std::make_unique<client::FakeServices>(fake_.get());
    urls_ = {"https://ca.test", "https://log.test", ""};
  }

  std::unique_ptr<client::BundleSigner> Keyless() {
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    EXPECT_THAT(key.status(), IsOk());
    services_->certify = key->get();
    auto s = client::BundleSigner::Keyless(
        client::FakeToken(
            {{"iss", client::kFakeIssuer}, {"sub", "1"}, {"email", "builder@example.com"}}),
        urls_, services_.get(), *std::move(key));
    EXPECT_THAT(s.status(), IsOk());
    return *std::move(s);
  }

  std::unique_ptr<client::BundleSigner> WithKey() {
    auto key = signer::OpenSslSigner::FromPem(fake_->artifact_key().PrivateKeyPem());
    EXPECT_THAT(key.status(), IsOk());
    auto s = client::BundleSigner::WithKey(*std::move(key), urls_, services_.get());
    EXPECT_THAT(s.status(), IsOk());
    return *std::move(s);
  }

  std::unique_ptr<client::BundleVerifier> IdentityVerifier(
      const std::string& identity = client::kFakeIdentity, bool attestation = false) {
    client::VerifyOptions o;
    o.identity.identity = identity;
    o.identity.issuer = client::kFakeIssuer;
    o.require_attestation = attestation;
    auto v = client::BundleVerifier::New(root_.get(), o);
    EXPECT_THAT(v.status(), IsOk());
    return *std::move(v);
  }

  std::unique_ptr<client::BundleVerifier> KeyVerifier(bool attestation = false) {
    client::VerifyOptions o;
    auto key = signer::OpenSslVerifier::FromDer(fake_->artifact_key().PublicKeyDer());
    EXPECT_THAT(key.status(), IsOk());
    o.key = std::shared_ptr<const signer::Verifier>(*std::move(key));
    o.require_attestation = attestation;
    auto v = client::BundleVerifier::New(root_.get(), o);
    EXPECT_THAT(v.status(), IsOk());
    return *std::move(v);
  }

  // Pushes umoci's |tag| to |repo| and opens REGISTRY/repo:tag.
  ImageRef Push(const std::string& repo, const std::string& tag = "v1") {
    EXPECT_THAT(registry_->PushLayout(*layout_, tag, repo, tag), IsOk());
    return Open(absl::StrCat(registry_->host(), "/", repo, ":", tag));
  }
  static ImageRef Open(const std::string& text) {
    auto ref = OpenImage(text, Options());
    EXPECT_THAT(ref.status(), IsOk());
    return *std::move(ref);
  }
  static oci::Descriptor ResolveOk(ImageRef& ref) {
    auto d = Resolve(ref);
    EXPECT_THAT(d.status(), IsOk());
    return *d;
  }

  static TestRegistry* registry_;
  static TempDir* dir_;
  static std::string* layout_;
  std::unique_ptr<client::FakeSigstore> fake_;
  std::unique_ptr<client::TrustRoot> root_;
  std::unique_ptr<client::FakeServices> services_;
  client::SigningServices urls_;
};
TestRegistry* ImageSigningTest::registry_ = nullptr;
TempDir* ImageSigningTest::dir_ = nullptr;
std::string* ImageSigningTest::layout_ = nullptr;

TEST_F(ImageSigningTest, KeylessSignatureIsACosignV3ReferrerThatVerifiesByTagAndDigest) {
  ImageRef ref = Push("keyless/app");
  const oci::Descriptor image = ResolveOk(ref);
  auto signed_image = SignImage(*ref.target, image, *Keyless());
  ASSERT_THAT(signed_image.status(), IsOk());
  EXPECT_EQ(signed_image->image, image.digest);
  // The signed statement is cosign v3's.
  const auto& env = signed_image->bundle.dsse_envelope();
  EXPECT_EQ(env.payloadtype(), client::kInTotoPayloadType);
  json st = json::parse(env.payload());
  EXPECT_EQ(st["predicateType"], kCosignSignPredicate);
  EXPECT_EQ(st["subject"][0]["digest"]["sha256"], image.digest.hex());
  EXPECT_EQ(st["predicate"], json::object());
  EXPECT_EQ(env.payload(), CosignSignStatement(image.digest));
  // Stored as a bundle referrer with the Sigstore annotations.
  auto referrers = ref.target->Referrers(image.digest, oci::kSigstoreBundleV03);
  ASSERT_THAT(referrers.status(), IsOk());
  ASSERT_THAT(*referrers, SizeIs(1));
  EXPECT_EQ((*referrers)[0].digest, signed_image->stored.digest);
  EXPECT_EQ((*referrers)[0].annotations.at(oci::kAnnotationBundlePredicateType),
            kCosignSignPredicate);

  // By tag (resolved once) and by digest: one signature, verified.
  for (const std::string& text :
       {absl::StrCat(registry_->host(), "/keyless/app:v1"),
        absl::StrCat(registry_->host(), "/keyless/app@", image.digest.ToString())}) {
    ImageRef again = Open(text);
    const oci::Descriptor d = ResolveOk(again);
    EXPECT_EQ(d.digest, image.digest);
    auto v = VerifyImage(*again.target, d.digest, *IdentityVerifier());
    ASSERT_THAT(v.status(), IsOk());
    ASSERT_THAT(v->attachments, SizeIs(1)) << text;
    EXPECT_TRUE(v->ok()) << v->Reason();
    EXPECT_EQ(v->attachments[0].source, kSourceReferrer);
    EXPECT_EQ(v->attachments[0].result.predicate_type, kCosignSignPredicate);
    EXPECT_THAT(v->attachments[0].description,
                HasSubstr(absl::StrCat("referrer ", ShortDigest(signed_image->stored.digest))));
  }

  // The signature is not an attestation: verify-image-attestation finds none.
  auto att = VerifyImage(*ref.target, image.digest, *IdentityVerifier(client::kFakeIdentity, true),
                         VerifyImageOptions{true, "", {}});
  ASSERT_THAT(att.status(), IsOk());
  EXPECT_THAT(att->attachments, SizeIs(0));
  EXPECT_FALSE(att->ok());
}

TEST_F(ImageSigningTest, ABundleForAnotherIdentityFailsAtTheIdentityStep) {
  ImageRef ref = Push("identity/app");
  const oci::Descriptor image = ResolveOk(ref);
  ASSERT_THAT(SignImage(*ref.target, image, *Keyless()).status(), IsOk());
  auto v = VerifyImage(*ref.target, image.digest,
                       *IdentityVerifier("https://github.com/mallory/app/.github/workflows/x.yml"));
  ASSERT_THAT(v.status(), IsOk());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_FALSE(v->ok());
  EXPECT_EQ(v->attachments[0].failed_step(), "identity");
  EXPECT_THAT(v->Reason(), HasSubstr("at step \"identity\""));
}

TEST_F(ImageSigningTest, KeySignedLegacySignatureAndAttestationVerifyWithTheKey) {
  ImageRef ref = Push("legacy/app");
  const oci::Descriptor image = ResolveOk(ref);
  SignImageOptions legacy;
  legacy.legacy_format = true;
  legacy.docker_reference = ref.name;
  auto sig = SignImage(*ref.target, image, *WithKey(), legacy);
  ASSERT_THAT(sig.status(), IsOk());
  EXPECT_EQ(sig->where, oci::CosignSignatureTag(image.digest));
  auto att = AttestImage(*ref.target, image, *WithKey(), "https://example.com/review/v1",
                         R"({"result":"approved"})", legacy);
  ASSERT_THAT(att.status(), IsOk());
  EXPECT_EQ(att->where, oci::CosignAttestationTag(image.digest));

  // The layers carry cosign's annotations.
  auto layers = oci::ReadCosignSignatures(*ref.target, image.digest);
  ASSERT_THAT(layers.status(), IsOk());
  ASSERT_THAT(*layers, SizeIs(1));
  auto ss = oci::ParseSimpleSigning((*layers)[0].payload);
  ASSERT_THAT(ss.status(), IsOk());
  EXPECT_EQ(ss->docker_manifest_digest, image.digest.ToString());
  EXPECT_EQ(ss->docker_reference, ref.name);
  json rekor_bundle = json::parse((*layers)[0].bundle);
  EXPECT_TRUE(rekor_bundle["SignedEntryTimestamp"].is_string());
  EXPECT_EQ(rekor_bundle["Payload"]["logID"], absl::BytesToHexString(fake_->log_id()));
  EXPECT_EQ((*layers)[0].certificate, "");  // key-signed

  DiscoverOptions options;
  options.repository = ref.name;
  auto v = VerifyImage(*ref.target, image.digest, *KeyVerifier(), {false, "", options});
  ASSERT_THAT(v.status(), IsOk());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_TRUE(v->ok()) << v->Reason();
  EXPECT_EQ(v->attachments[0].description, "cosign .sig layer 0");
  EXPECT_EQ(v->attachments[0].result.tlog_entries[0].kind, "hashedrekord");
  auto a = VerifyImage(*ref.target, image.digest, *KeyVerifier(true),
                       {true, "https://example.com/review/v1", options});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(a->attachments, SizeIs(1));
  EXPECT_TRUE(a->ok()) << a->Reason();
  EXPECT_EQ(a->attachments[0].source, kSourceCosignAttestation);
  EXPECT_EQ(a->attachments[0].result.predicate_type, "https://example.com/review/v1");
  // Another predicate type is not there.
  auto none = VerifyImage(*ref.target, image.digest, *KeyVerifier(true),
                          {true, "https://slsa.dev/provenance/v1", options});
  ASSERT_THAT(none.status(), IsOk());
  EXPECT_THAT(none->attachments, SizeIs(0));
  // A keyless verifier does not accept the key-signed signature.
  auto keyless = VerifyImage(*ref.target, image.digest, *IdentityVerifier(), {false, "", options});
  ASSERT_THAT(keyless.status(), IsOk());
  EXPECT_FALSE(keyless->ok());
}

TEST_F(ImageSigningTest, KeylessLegacySignatureCarriesTheCertificateAndVerifies) {
  ImageRef ref = Push("legacykeyless/app");
  const oci::Descriptor image = ResolveOk(ref);
  SignImageOptions legacy;
  legacy.legacy_format = true;
  legacy.docker_reference = ref.name;
  ASSERT_THAT(SignImage(*ref.target, image, *Keyless(), legacy).status(), IsOk());
  auto layers = oci::ReadCosignSignatures(*ref.target, image.digest);
  ASSERT_THAT(layers.status(), IsOk());
  ASSERT_THAT(*layers, SizeIs(1));
  EXPECT_THAT((*layers)[0].certificate, HasSubstr("-----BEGIN CERTIFICATE-----"));
  DiscoverOptions options;
  options.repository = ref.name;
  auto v = VerifyImage(*ref.target, image.digest, *IdentityVerifier(), {false, "", options});
  ASSERT_THAT(v.status(), IsOk());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_TRUE(v->ok()) << v->Reason();
  EXPECT_EQ(v->attachments[0].result.subject_alternative_names,
            std::vector<std::string>{client::kFakeIdentity});
  // The repository check: the payload names legacykeyless/app, not another repository.
  options.repository = absl::StrCat(registry_->host(), "/other/app");
  auto other = VerifyImage(*ref.target, image.digest, *IdentityVerifier(), {false, "", options});
  ASSERT_THAT(other.status(), IsOk());
  EXPECT_FALSE(other->ok());
  EXPECT_EQ(other->attachments[0].failed_step(), "claims");
  EXPECT_THAT(other->Reason(), HasSubstr("docker-reference"));
}

TEST_F(ImageSigningTest, RetaggingTheTagToAnotherImageLeavesItUnsigned) {
  ImageRef ref = Push("retag/app");
  const oci::Descriptor signed_image = ResolveOk(ref);
  ASSERT_THAT(SignImage(*ref.target, signed_image, *Keyless()).status(), IsOk());
  // An attacker with push access moves v1 to another image.
  ASSERT_THAT(registry_->PushLayout(*layout_, "v2", "retag/app", "v1"), IsOk());
  ImageRef again = Open(absl::StrCat(registry_->host(), "/retag/app:v1"));
  const oci::Descriptor now = ResolveOk(again);
  EXPECT_NE(now.digest, signed_image.digest);
  auto v = VerifyImage(*again.target, now.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_FALSE(v->ok());
  EXPECT_THAT(v->attachments, SizeIs(0));
  // The signed digest still verifies.
  auto old = VerifyImage(*again.target, signed_image.digest, *IdentityVerifier());
  ASSERT_THAT(old.status(), IsOk());
  EXPECT_TRUE(old->ok());
}

TEST_F(ImageSigningTest, AReplacedBundleBlobIsCaughtByItsDigest) {
  ImageRef ref = Push("blob/app");
  const oci::Descriptor image = ResolveOk(ref);
  auto s = SignImage(*ref.target, image, *Keyless());
  ASSERT_THAT(s.status(), IsOk());
  auto m = ref.target->FetchManifest(s->stored.digest.ToString());
  ASSERT_THAT(m.status(), IsOk());
  const std::string blob_hex =
      json::parse(m->bytes)["layers"][0]["digest"].get<std::string>().substr(7);
  // Rewrite the blob in the registry's storage: same size, other bytes (a bundle for another
  // image would do the same).
  const std::string path = absl::StrCat(registry_->dir(), "/data/docker/registry/v2/blobs/sha256/",
                                        blob_hex.substr(0, 2), "/", blob_hex, "/data");
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    ASSERT_TRUE(in.good()) << path;
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x01;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  auto v = VerifyImage(*ref.target, image.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_FALSE(v->ok());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_TRUE(v->attachments[0].unusable);
  EXPECT_EQ(v->attachments[0].failed_step(), "read");
  EXPECT_THAT(v->attachments[0].status, StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(ImageSigningTest, AnAttestationWhoseSubjectIsAnotherDigestFails) {
  ImageRef a = Push("subject/app", "v1");
  ImageRef b = Push("subject/app", "v2");
  const oci::Descriptor image_a = ResolveOk(a);
  const oci::Descriptor image_b = ResolveOk(b);
  // A valid signature of B, attached (by someone with push access) to A.
  auto bundle =
      Keyless()->SignDsse(client::kInTotoPayloadType, CosignSignStatement(image_b.digest));
  ASSERT_THAT(bundle.status(), IsOk());
  auto text = client::BundleToJson(*bundle);
  ASSERT_THAT(text.status(), IsOk());
  ASSERT_THAT(oci::AttachBundle(*a.target, image_a, *text).status(), IsOk());
  auto v = VerifyImage(*a.target, image_a.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_FALSE(v->ok());
  EXPECT_EQ(v->attachments[0].failed_step(), "attestation");
  EXPECT_THAT(v->Reason(), HasSubstr("no subject digest matches the artifact"));
}

TEST_F(ImageSigningTest, AReferrerWhoseManifestSubjectIsAnotherImageIsRefused) {
  ImageRef a = Push("refsubject/app", "v1");
  ImageRef b = Push("refsubject/app", "v2");
  const oci::Descriptor image_a = ResolveOk(a);
  const oci::Descriptor image_b = ResolveOk(b);
  // A valid signature of A, but in a referrer manifest whose subject is B ...
  auto bundle =
      Keyless()->SignDsse(client::kInTotoPayloadType, CosignSignStatement(image_a.digest));
  ASSERT_THAT(bundle.status(), IsOk());
  auto text = client::BundleToJson(*bundle);
  ASSERT_THAT(text.status(), IsOk());
  auto stored = oci::AttachBundle(*b.target, image_b, *text);
  ASSERT_THAT(stored.status(), IsOk());
  // ... listed (by someone with push access) in A's referrers tag schema index.
  auto listed = b.target->Referrers(image_b.digest, "");
  ASSERT_THAT(listed.status(), IsOk());
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].digest, stored->digest);
  bool changed = false;
  auto index = oci::AddToReferrersIndex("", (*listed)[0], &changed);
  ASSERT_THAT(index.status(), IsOk());
  ASSERT_THAT(a.target->PushManifest(*index, oci::kOciIndex, image_a.digest.TagName()).status(),
              IsOk());
  // The bundle alone would verify for A; the manifest's subject says it is B's, so it is refused
  // before its bundle is looked at.
  auto v = VerifyImage(*a.target, image_a.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_FALSE(v->ok());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_TRUE(v->attachments[0].unusable);
  EXPECT_EQ(v->attachments[0].failed_step(), "read");
  EXPECT_THAT(v->attachments[0].status,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("listed as a referrer of ", image_a.digest.ToString(),
                                              " but its subject is ", image_b.digest.ToString()))));
}

TEST_F(ImageSigningTest, ALegacySignatureWhosePayloadNamesAnotherDigestFailsTheClaims) {
  ImageRef a = Push("payload/app", "v1");
  ImageRef b = Push("payload/app", "v2");
  const oci::Descriptor image_a = ResolveOk(a);
  const oci::Descriptor image_b = ResolveOk(b);
  SignImageOptions legacy;
  legacy.legacy_format = true;
  legacy.docker_reference = b.name;
  ASSERT_THAT(SignImage(*b.target, image_b, *Keyless(), legacy).status(), IsOk());
  // Copy B's signature manifest to A's .sig tag (its blobs are in the same repository).
  auto m = b.target->FetchManifest(oci::CosignSignatureTag(image_b.digest));
  ASSERT_THAT(m.status(), IsOk());
  ASSERT_THAT(
      a.target->PushManifest(m->bytes, oci::kOciManifest, oci::CosignSignatureTag(image_a.digest))
          .status(),
      IsOk());
  auto v = VerifyImage(*a.target, image_a.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_FALSE(v->ok());
  // The signature itself is fine; the claims are not.
  EXPECT_TRUE(v->attachments[0].result.verified());
  EXPECT_EQ(v->attachments[0].failed_step(), "claims");
  EXPECT_THAT(v->attachments[0].status,
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(absl::StrCat("docker-manifest-digest ", image_b.digest.ToString(),
                                              ", not this image ", image_a.digest.ToString()))));
}

TEST_F(ImageSigningTest, ARegistryServingWrongBytesIsCaught) {
  ImageRef direct = Push("lying/app");
  const oci::Descriptor image = ResolveOk(direct);
  auto s = SignImage(*direct.target, image, *Keyless());
  ASSERT_THAT(s.status(), IsOk());
  RegistryProxy::Options po;
  po.rewrite = [](const std::string& path, std::string* body) {
    if (path.find("/blobs/") != std::string::npos &&
        body->find("dsseEnvelope") != std::string::npos) {
      (*body)[body->size() / 2] ^= 0x20;
    }
  };
  auto proxy = RegistryProxy::Start(registry_->host(), po);
  ASSERT_THAT(proxy.status(), IsOk());
  ImageRef ref = Open(absl::StrCat((*proxy)->host(), "/lying/app@", image.digest.ToString()));
  auto v = VerifyImage(*ref.target, ResolveOk(ref).digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_FALSE(v->ok());
  ASSERT_THAT(v->attachments, SizeIs(1));
  EXPECT_THAT(v->attachments[0].status,
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("hashes to")));
}

TEST_F(ImageSigningTest, VerifyingThreeSignaturesTakesTheseRegistryRequests) {
  ImageRef direct = Push("trips/app");
  const oci::Descriptor image = ResolveOk(direct);
  auto signer = Keyless();
  for (int i = 0; i < 3; ++i)
    ASSERT_THAT(SignImage(*direct.target, image, *signer).status(), IsOk());
  auto proxy = RegistryProxy::Start(registry_->host(), {});
  ASSERT_THAT(proxy.status(), IsOk());
  oci::RegistryHosts::Global().Clear();  // as in a new process: no registry known yet
  // A new client, as in one `vouch verify-image` process: resolve once, then by digest.
  ImageRef ref = Open(absl::StrCat((*proxy)->host(), "/trips/app:v1"));
  const oci::Descriptor d = ResolveOk(ref);
  auto v = VerifyImage(*ref.target, d.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_EQ(v->verified, 3);
  std::vector<std::string> requests = (*proxy)->requests();
  const std::string tag_schema =
      absl::StrCat("GET /v2/trips/app/manifests/", image.digest.TagName());
  // cosign's legacy tag (404) is looked up while the referrers are: anywhere after the HEAD.
  const auto sig = std::find(requests.begin(), requests.end(), absl::StrCat(tag_schema, ".sig"));
  ASSERT_NE(sig, requests.end()) << absl::StrJoin(requests, "\n");
  EXPECT_GE(sig - requests.begin(), 2);
  requests.erase(sig);
  std::vector<std::string> want = {
      "GET /v2/",                         // first contact (http)
      "HEAD /v2/trips/app/manifests/v1",  // the tag, resolved once
      absl::StrCat("GET /v2/trips/app/referrers/", image.digest.ToString()),  // 404: no API
      tag_schema,                                                             // the referrers index
  };
  for (size_t i = 4; i + 1 < requests.size() && i < 10; i += 2) {
    EXPECT_THAT(requests[i], HasSubstr("GET /v2/trips/app/manifests/sha256:"));  // referrer
    EXPECT_THAT(requests[i + 1], HasSubstr("GET /v2/trips/app/blobs/sha256:"));  // its bundle
  }
  ASSERT_EQ(requests.size(), 10u) << absl::StrJoin(requests, "\n");
  EXPECT_EQ(std::vector<std::string>(requests.begin(), requests.begin() + 4), want);
  // The client also counts its refused https attempt on this plain-http loopback registry.
  EXPECT_EQ(ref.client->stats().requests, 12u);
}

TEST_F(ImageSigningTest, MultiArchRecursiveSigningAndPlatformVerification) {
  const std::string layout = dir_->path() + "/multi";
  ASSERT_THAT(testing::WriteMultiArchLayout(layout, "m", {"linux/amd64", "linux/arm64"}).status(),
              IsOk());
  ASSERT_THAT(registry_->PushLayout(layout, "m", "multi/app", "m", /*all=*/true), IsOk());
  ImageRef ref = Open(absl::StrCat(registry_->host(), "/multi/app:m"));
  const oci::Descriptor index = ResolveOk(ref);
  ASSERT_TRUE(oci::IsIndexMediaType(index.media_type));
  auto amd64 = SelectPlatform(*ref.target, index, *ParsePlatform("linux/amd64"));
  ASSERT_THAT(amd64.status(), IsOk());
  auto arm64 = SelectPlatform(*ref.target, index, *ParsePlatform("linux/arm64"));
  ASSERT_THAT(arm64.status(), IsOk());
  EXPECT_THAT(SelectPlatform(*ref.target, index, *ParsePlatform("linux/s390x")),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("linux/amd64, linux/arm64")));

  // Only the index signed: the amd64 image verifies when the index's signature counts.
  auto signer = Keyless();
  ASSERT_THAT(SignImage(*ref.target, index, *signer).status(), IsOk());
  auto only_platform = VerifyImage(*ref.target, amd64->digest, *IdentityVerifier());
  ASSERT_THAT(only_platform.status(), IsOk());
  EXPECT_FALSE(only_platform->ok());
  auto with_index =
      VerifyImage(*ref.target, amd64->digest, *IdentityVerifier(), {}, {index.digest});
  ASSERT_THAT(with_index.status(), IsOk());
  EXPECT_TRUE(with_index->ok()) << with_index->Reason();
  EXPECT_THAT(with_index->attachments[0].description, HasSubstr(index.digest.ToString()));

  // Recursive: every platform manifest signed too.
  auto platforms = PlatformManifests(*ref.target, index);
  ASSERT_THAT(platforms.status(), IsOk());
  ASSERT_THAT(*platforms, SizeIs(2));
  for (const oci::Descriptor& p : *platforms) {
    ASSERT_THAT(SignImage(*ref.target, p, *signer).status(), IsOk());
  }
  for (const oci::Descriptor* p : {&*amd64, &*arm64}) {
    auto v = VerifyImage(*ref.target, p->digest, *IdentityVerifier());
    ASSERT_THAT(v.status(), IsOk());
    EXPECT_TRUE(v->ok()) << v->Reason();
  }
}

TEST_F(ImageSigningTest, SignedInALayoutAndCopiedWithSkopeoStillVerifies) {
  // Sign in an oci: layout (no registry at all).
  const std::string layout = dir_->path() + "/signed-layout";
  ASSERT_THAT(testing::UmociImage(layout, "v1", "layout image\n").status(), IsOk());
  ImageRef ref = Open("oci:" + layout + ":v1");
  const oci::Descriptor image = ResolveOk(ref);
  ASSERT_THAT(SignImage(*ref.target, image, *Keyless()).status(), IsOk());
  ASSERT_THAT(AttestImage(*ref.target, image, *Keyless(), "https://slsa.dev/provenance/v1",
                          R"({"buildDefinition":{"buildType":"x"}})")
                  .status(),
              IsOk());
  auto local = VerifyImage(*ref.target, image.digest, *IdentityVerifier());
  ASSERT_THAT(local.status(), IsOk());
  EXPECT_TRUE(local->ok()) << local->Reason();

  // skopeo copies the image and, as an index of manifests, the referrers tag schema index
  // (`sha256-<hex>`): the attachments travel with plain skopeo.
  std::string out;
  const std::string tag_schema = image.digest.TagName();
  for (const std::string& t : {std::string("v1"), tag_schema}) {
    ASSERT_EQ(testing::RunCommand({"skopeo", "--insecure-policy", "copy", "--quiet", "--all",
                                   "--dest-tls-verify=false", absl::StrCat("oci:", layout, ":", t),
                                   absl::StrCat("docker://", registry_->host(), "/copied/app:", t)},
                                  &out),
              0)
        << out;
  }
  ImageRef copied = Open(absl::StrCat(registry_->host(), "/copied/app:v1"));
  const oci::Descriptor there = ResolveOk(copied);
  EXPECT_EQ(there.digest, image.digest);
  auto v = VerifyImage(*copied.target, there.digest, *IdentityVerifier());
  ASSERT_THAT(v.status(), IsOk());
  EXPECT_TRUE(v->ok()) << v->Reason();
  auto a = VerifyImage(*copied.target, there.digest, *IdentityVerifier(client::kFakeIdentity, true),
                       {true, "https://slsa.dev/provenance/v1", {}});
  ASSERT_THAT(a.status(), IsOk());
  EXPECT_TRUE(a->ok()) << a->Reason();

  // And from the registry into another oci: layout, again with skopeo alone.
  const std::string back = dir_->path() + "/copied-back";
  for (const std::string& t : {std::string("v1"), tag_schema}) {
    ASSERT_EQ(testing::RunCommand({"skopeo", "--insecure-policy", "copy", "--quiet", "--all",
                                   "--src-tls-verify=false",
                                   absl::StrCat("docker://", registry_->host(), "/copied/app:", t),
                                   absl::StrCat("oci:", back, ":", t)},
                                  &out),
              0)
        << out;
  }
  ImageRef offline = Open("oci:" + back + ":v1");
  auto o = VerifyImage(*offline.target, ResolveOk(offline).digest, *IdentityVerifier());
  ASSERT_THAT(o.status(), IsOk());
  EXPECT_TRUE(o->ok()) << o->Reason();
}

TEST(CosignLayout, BundleAndLayerRoundTrip) {
  auto fake = client::FakeSigstore::New();
  ASSERT_THAT(fake.status(), IsOk());
  const std::string payload = oci::SimpleSigningPayload(
      "r.example/app", *oci::Digest::Parse("sha256:" + std::string(64, 'a')));
  auto bundle = (*fake)->MakeBundle(payload);
  ASSERT_THAT(bundle.status(), IsOk());
  auto layer = CosignLayerFromBundle(*bundle, payload);
  ASSERT_THAT(layer.status(), IsOk());
  auto back = BundleFromCosignSignature(*layer);
  ASSERT_THAT(back.status(), IsOk());
  auto root = client::TrustRoot::FromJson((*fake)->TrustedRootJson());
  ASSERT_THAT(root.status(), IsOk());
  client::VerifyOptions o;
  o.identity.identity = client::kFakeIdentity;
  o.identity.issuer = client::kFakeIssuer;
  auto r = client::Verify(*back, client::Artifact::FromBytes(payload), *root, o);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(back->minor_version, 1);
  // Malformed annotations are named.
  oci::CosignLayer bad = *layer;
  bad.bundle = R"({"SignedEntryTimestamp":"AAAA","Payload":{"body":"e30="}})";
  EXPECT_THAT(BundleFromCosignSignature(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                                       HasSubstr("dev.sigstore.cosign/bundle")));
  bad = *layer;
  bad.signature = "not base64!";
  EXPECT_THAT(BundleFromCosignSignature(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signature")));
  bad = *layer;
  bad.bundle.clear();  // never logged: no tlog entry, which a bundle must have
  EXPECT_THAT(BundleFromCosignSignature(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  bad = *layer;
  bad.certificate = "not a PEM block";
  EXPECT_THAT(BundleFromCosignSignature(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("certificate")));
}

TEST(CosignLayout, SimpleSigningClaims) {
  const oci::Digest d = *oci::Digest::Parse("sha256:" + std::string(64, 'b'));
  const oci::Digest other = *oci::Digest::Parse("sha256:" + std::string(64, 'c'));
  const std::string payload = oci::SimpleSigningPayload("r.example:5000/acme/app:v1", d);
  EXPECT_THAT(CheckSimpleSigning(payload, d, ""), IsOk());
  EXPECT_THAT(CheckSimpleSigning(payload, d, "r.example:5000/acme/app"), IsOk());
  EXPECT_THAT(CheckSimpleSigning(payload, d, "r.example:5000/acme/other"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("docker-reference")));
  EXPECT_THAT(CheckSimpleSigning(payload, other, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("docker-manifest-digest")));
  EXPECT_THAT(CheckSimpleSigning(R"({"critical":{"image":{"docker-manifest-digest":")" +
                                     d.ToString() + R"("},"type":"something else"}})",
                                 d, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("critical.type")));
  EXPECT_THAT(CheckSimpleSigning("[]", d, ""), StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace vouch::images
