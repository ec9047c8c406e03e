// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The attachment layouts end to end against the real registry (docker-registry 2.8) and real
// OCI layouts made by umoci and skopeo: Sigstore bundle referrers through the referrers tag schema
// (and through the referrers API of an OCI 1.1 proxy), concurrent attachers, cosign's legacy
// tags, copies between registry and layout with attachments, and the walk limits.
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "oci/attach.h"
#include "oci/copy.h"
#include "oci/cosign.h"
#include "oci/layout.h"
#include "oci/media_types.h"
#include "oci/registry_hosts.h"
#include "oci/registry_target.h"
#include "tests/registry/registry_fixture.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;
using ::vouch::testing::IsOk;
using ::vouch::testing::RegistryProxy;
using ::vouch::testing::StatusIs;
using ::vouch::testing::TempDir;
using ::vouch::testing::TestRegistry;
using json = nlohmann::json;

MATCHER(IsOkAndHoldsEmpty, "") { return arg.ok() && arg->empty(); }

RegistryOptions Options() {
  RegistryOptions o;
  o.use_docker_config = false;
  o.initial_backoff = absl::Milliseconds(1);
  return o;
}

std::shared_ptr<RegistryClient> Client(const std::string& host) {
  auto c = RegistryClient::New(host, Options());
  EXPECT_THAT(c.status(), IsOk());
  return std::shared_ptr<RegistryClient>(*std::move(c));
}

std::string MessageBundle(const std::string& tag) {
  return json({{"mediaType", kSigstoreBundleV03},
               {"verificationMaterial", {{"publicKey", {{"hint", tag}}}}},
               {"messageSignature",
                {{"messageDigest", {{"algorithm", "SHA2_256"}, {"digest", "AAAA"}}},
                 {"signature", absl::Base64Escape(tag)}}}})
      .dump();
}

std::string DsseBundle(const std::string& predicate_type, const std::string& tag) {
  const std::string statement = json({{"_type", "https://in-toto.io/Statement/v1"},
                                      {"subject", json::array()},
                                      {"predicateType", predicate_type},
                                      {"predicate", {{"tag", tag}}}})
                                    .dump();
  return json({{"mediaType", kSigstoreBundleV03},
               {"verificationMaterial", {{"publicKey", {{"hint", tag}}}}},
               {"dsseEnvelope",
                {{"payload", absl::Base64Escape(statement)},
                 {"payloadType", "application/vnd.in-toto+json"},
                 {"signatures", {{{"sig", "AAAA"}}}}}}})
      .dump();
}

class ImagesTest : public ::testing::Test {
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
  // Pushes umoci's |tag| to a fresh repository; returns the image descriptor there.
  Descriptor Push(const std::string& repo, const std::string& tag = "v1") {
    EXPECT_THAT(registry_->PushLayout(*layout_, tag, repo, tag), IsOk());
    RegistryTarget target(Client(registry_->host()), repo);
    auto d = target.Resolve(tag);
    EXPECT_THAT(d.status(), IsOk());
    return *d;
  }

  static TestRegistry* registry_;
  static TempDir* dir_;
  static std::string* layout_;
};
TestRegistry* ImagesTest::registry_ = nullptr;
TempDir* ImagesTest::dir_ = nullptr;
std::string* ImagesTest::layout_ = nullptr;

TEST_F(ImagesTest, BundleReferrerHasTheSigstoreShape) {
  const Descriptor image = Push("shape/app");
  const std::string bundle = DsseBundle("https://slsa.dev/provenance/v1", "a");
  auto built = BuildBundleManifest(image, bundle, absl::FromUnixMillis(1709921900406));
  ASSERT_THAT(built.status(), IsOk());
  json m = json::parse(built->bytes);
  EXPECT_EQ(m["schemaVersion"], 2);
  EXPECT_EQ(m["mediaType"], kOciManifest);
  EXPECT_EQ(m["artifactType"], kSigstoreBundleV03);
  EXPECT_EQ(m["config"],
            json({{"mediaType", kOciEmpty}, {"digest", kEmptyJsonDigest}, {"size", 2}}));
  ASSERT_EQ(m["layers"].size(), 1u);
  EXPECT_EQ(m["layers"][0]["mediaType"], kSigstoreBundleV03);
  EXPECT_EQ(m["layers"][0]["digest"], Digest::Sha256(bundle).ToString());
  EXPECT_EQ(m["subject"], json({{"mediaType", kOciManifest},
                                {"digest", image.digest.ToString()},
                                {"size", image.size}}));
  EXPECT_EQ(m["annotations"],
            json({{"dev.sigstore.bundle.content", "dsse-envelope"},
                  {"dev.sigstore.bundle.predicateType", "https://slsa.dev/provenance/v1"},
                  {"org.opencontainers.image.created", "2024-03-08T18:18:20.406Z"}}));
  auto message = BundleAnnotations(MessageBundle("b"), absl::UnixEpoch());
  ASSERT_THAT(message.status(), IsOk());
  EXPECT_EQ(message->at(kAnnotationBundleContent), "message-signature");
  EXPECT_EQ(message->count(kAnnotationBundlePredicateType), 0u);
  EXPECT_THAT(BundleAnnotations("{}", absl::UnixEpoch()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Digest::Sha256(kEmptyJson).ToString(), kEmptyJsonDigest);
}

TEST_F(ImagesTest, ThreeBundlesThroughTheTagSchemaAndTheirRoundTrips) {
  RegistryHosts::Global().Clear();  // the writer below makes this process's first contact
  const Descriptor image = Push("tags/app");
  RegistryTarget target(Client(registry_->host()), "tags/app");
  const std::vector<std::string> bundles = {MessageBundle("one"),
                                            DsseBundle("https://slsa.dev/provenance/v1", "two"),
                                            DsseBundle("https://spdx.dev/Document", "three")};
  for (const std::string& b : bundles) ASSERT_THAT(AttachBundle(target, image, b).status(), IsOk());
  // The tag schema index lists all three with artifactType and annotations.
  auto index = target.FetchManifest(image.digest.TagName());
  ASSERT_THAT(index.status(), IsOk());
  auto parsed = ParseImageIndex(index->bytes);
  ASSERT_THAT(parsed.status(), IsOk());
  ASSERT_THAT(parsed->manifests, SizeIs(3));
  for (const Descriptor& d : parsed->manifests) {
    EXPECT_EQ(d.artifact_type, kSigstoreBundleV03);
    EXPECT_EQ(d.annotations.count(kAnnotationBundleContent), 1u);
    EXPECT_EQ(d.annotations.count(kAnnotationCreated), 1u);
  }
  // A fresh reader: discover and fetch them, counting round trips.
  auto reader_client = Client(registry_->host());
  RegistryTarget reader(reader_client, "tags/app");
  auto fetched = FetchBundles(reader, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  std::vector<std::string> got;
  for (const AttachedBundle& a : *fetched) got.push_back(a.bundle);
  EXPECT_THAT(got, UnorderedElementsAreArray(bundles));
  // No first contact (the https attempt and GET /v2/): the writer's client made it and the
  // process remembers the registry's scheme. 1 referrers API probe (404), 1 tag schema index,
  // 3 x (manifest + blob).
  EXPECT_EQ(reader_client->stats().requests, 0u + 1 + 1 + 6);
  // Once the client knows there is no referrers API: 1 + 2 per attachment.
  const uint64_t before = reader_client->stats().requests;
  ASSERT_THAT(FetchBundles(reader, image.digest).status(), IsOk());
  EXPECT_EQ(reader_client->stats().requests - before, 7u);
}

TEST_F(ImagesTest, ReferrersApiRegistryNeedsNoTagSchema) {
  RegistryHosts::Global().Clear();
  const Descriptor image = Push("api/app");
  RegistryProxy::Options options;
  options.referrers_api = true;
  auto proxy = RegistryProxy::Start(registry_->host(), options);
  ASSERT_THAT(proxy.status(), IsOk());
  RegistryTarget target(Client((*proxy)->host()), "api/app");
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(AttachBundle(target, image, MessageBundle(absl::StrCat("api", i))).status(),
                IsOk());
  }
  auto tags = target.ListTags();
  ASSERT_THAT(tags.status(), IsOk());
  EXPECT_THAT(*tags, ::testing::ElementsAre("v1"));  // no sha256-... index, no markers
  auto reader_client = Client((*proxy)->host());
  RegistryTarget reader(reader_client, "api/app");
  auto fetched = FetchBundles(reader, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  EXPECT_THAT(*fetched, SizeIs(3));
  // The attacher made the first contact with the proxy; 1 referrers API call, 3 x (manifest +
  // blob).
  EXPECT_EQ(reader_client->stats().requests, 0u + 1 + 6);
  const uint64_t before = reader_client->stats().requests;
  ASSERT_THAT(FetchBundles(reader, image.digest).status(), IsOk());
  EXPECT_EQ(reader_client->stats().requests - before, 7u);
}

TEST_F(ImagesTest, Distribution28IgnoresIfMatchOnManifestPut) {
  // Why the tag schema update cannot rely on If-Match here: a PUT with an If-Match that matches
  // nothing is still accepted.
  const Descriptor image = Push("ifmatch/app");
  auto http = HttpClient::New({});
  ASSERT_THAT(http.status(), IsOk());
  const std::string index =
      R"({"schemaVersion":2,"mediaType":")" + std::string(kOciIndex) + R"(","manifests":[]})";
  HttpRequest put;
  put.method = "PUT";
  put.url = absl::StrCat("http://", registry_->host(), "/v2/ifmatch/app/manifests/",
                         image.digest.TagName());
  put.headers = {{"Content-Type", kOciIndex},
                 {"If-Match", "\"sha256:" + std::string(64, '0') + "\""}};
  put.body = index;
  auto r = (*http)->Send(put, 1 << 16);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->status, 201);  // a registry honouring If-Match answers 412
}

TEST_F(ImagesTest, TagSchemaIndexIsWrittenConditionallyAndA412IsReadAgain) {
  // A registry that honours If-Match / If-None-Match (the proxy, in front of distribution 2.8
  // which does not) and refuses the first conditional write as if another signer got in between.
  const Descriptor image = Push("cond/app");
  RegistryProxy::Options options;
  options.honour_conditions = true;
  options.reject_conditional = 1;
  auto proxy = RegistryProxy::Start(registry_->host(), options);
  ASSERT_THAT(proxy.status(), IsOk());
  auto client = Client((*proxy)->host());
  RegistryTarget target(client, "cond/app");
  ASSERT_THAT(AttachBundle(target, image, MessageBundle("one")).status(), IsOk());
  auto first = client->GetManifest("cond/app", image.digest.TagName());
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_THAT(AttachBundle(target, image, MessageBundle("two")).status(), IsOk());
  auto fetched = FetchBundles(target, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  EXPECT_THAT(*fetched, SizeIs(2));

  const std::string index_path = "/v2/cond/app/manifests/" + image.digest.TagName();
  std::vector<std::string> index_puts;
  for (const std::string& put : (*proxy)->manifest_puts()) {
    if (absl::StartsWith(put, "PUT " + index_path + " ")) index_puts.push_back(put);
  }
  const std::string first_etag = "\"" + first->descriptor.digest.ToString() + "\"";
  EXPECT_THAT(index_puts,
              ::testing::ElementsAre(
                  "PUT " + index_path + " If-Match= If-None-Match=* -> 412",  // refused: again
                  "PUT " + index_path + " If-Match= If-None-Match=* -> 201",
                  "PUT " + index_path + " If-Match=" + first_etag + " If-None-Match= -> 201"));

  // A write made from a stale read is refused, naming the condition.
  auto stale = client->PutManifest("cond/app", image.digest.TagName(), kOciIndex, first->bytes,
                                   PutConditions{first_etag, false});
  EXPECT_THAT(stale.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       ::testing::HasSubstr("412 Precondition Failed")));

  // Concurrent attachers against this registry: 412s are read again, nothing is lost.
  constexpr int kThreads = 3;
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RegistryTarget own(Client((*proxy)->host()), "cond/app");
      for (int i = 0; i < 2 && results[t].ok(); ++i) {
        results[t] = AttachBundle(own, image, MessageBundle(absl::StrCat("c", t, i))).status();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const absl::Status& s : results) ASSERT_THAT(s, IsOk());
  fetched = FetchBundles(target, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  EXPECT_THAT(*fetched, SizeIs(2 + kThreads * 2));
}

TEST_F(ImagesTest, ConcurrentAttachersDoNotLoseEntries) {
  const Descriptor image = Push("race/app");
  constexpr int kThreads = 4;
  constexpr int kEach = 3;
  std::vector<std::thread> threads;
  std::vector<absl::Status> results(kThreads);
  std::atomic<int> ready{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      RegistryTarget target(Client(registry_->host()), "race/app");  // one client per signer
      ready++;
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kEach && results[t].ok(); ++i) {
        results[t] = AttachBundle(target, image, MessageBundle(absl::StrCat(t, "-", i))).status();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const absl::Status& s : results) ASSERT_THAT(s, IsOk());
  RegistryTarget reader(Client(registry_->host()), "race/app");
  auto fetched = FetchBundles(reader, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  EXPECT_THAT(*fetched, SizeIs(kThreads * kEach));
}

TEST_F(ImagesTest, AStaleIndexWriteIsRepairedByTheNextAttach) {
  const Descriptor image = Push("stale/app");
  RegistryTarget target(Client(registry_->host()), "stale/app");
  ASSERT_THAT(AttachBundle(target, image, MessageBundle("first")).status(), IsOk());
  ASSERT_THAT(AttachBundle(target, image, MessageBundle("second")).status(), IsOk());
  // Another tool (or a stale writer) overwrites the index with an empty one.
  const std::string empty =
      R"({"schemaVersion":2,"mediaType":")" + std::string(kOciIndex) + R"(","manifests":[]})";
  ASSERT_THAT(target.PushManifest(empty, kOciIndex, image.digest.TagName()).status(), IsOk());
  ASSERT_THAT(AttachBundle(target, image, MessageBundle("third")).status(), IsOk());
  auto fetched = FetchBundles(target, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  EXPECT_THAT(*fetched, SizeIs(3));
}

TEST_F(ImagesTest, LayoutAttachmentsRoundTripThroughTheRegistry) {
  TempDir tmp;
  // A copy of umoci's layout to attach to.
  const std::string src = tmp.path() + "/src";
  std::filesystem::copy(*layout_, src, std::filesystem::copy_options::recursive);
  auto layout = LayoutTarget::Open(src, false);
  ASSERT_THAT(layout.status(), IsOk());
  auto image = (*layout)->Resolve("v1");
  ASSERT_THAT(image.status(), IsOk());
  const std::vector<std::string> bundles = {MessageBundle("L1"),
                                            DsseBundle("https://slsa.dev/provenance/v1", "L2")};
  for (const std::string& b : bundles) {
    ASSERT_THAT(AttachBundle(**layout, *image, b).status(), IsOk());
  }
  // umoci still reads the layout we wrote to.
  std::string out;
  EXPECT_EQ(testing::RunCommand({"umoci", "ls", "--layout", src}, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("v1"));
  EXPECT_THAT(out, HasSubstr(image->digest.TagName()));
  // Layout -> registry -> another layout, attachments included.
  RegistryTarget registry(Client(registry_->host()), "layout/app");
  auto up = CopyImage(**layout, "v1", registry, "v1");
  ASSERT_THAT(up.status(), IsOk());
  EXPECT_EQ(up->attachments, 2);
  auto dest = LayoutTarget::Open(tmp.path() + "/dest", true);
  ASSERT_THAT(dest.status(), IsOk());
  auto down = CopyImage(registry, "v1", **dest, "copied");
  ASSERT_THAT(down.status(), IsOk());
  EXPECT_EQ(down->root.digest, image->digest);
  for (Target* t : std::vector<Target*>{layout->get(), &registry, dest->get()}) {
    auto fetched = FetchBundles(*t, image->digest);
    ASSERT_THAT(fetched.status(), IsOk()) << t->Name();
    std::vector<std::string> got;
    for (const AttachedBundle& a : *fetched) got.push_back(a.bundle);
    EXPECT_THAT(got, UnorderedElementsAreArray(bundles)) << t->Name();
  }
  // skopeo reads the destination layout (the image we copied into it).
  EXPECT_EQ(testing::RunCommand(
                {"skopeo", "inspect", "--raw", "oci:" + tmp.path() + "/dest:copied"}, &out),
            0)
      << out;
}

TEST_F(ImagesTest, SkopeoCopiedImagePlusAttachmentsForAnAirGappedVerifier) {
  const Descriptor image = Push("airgap/app");
  RegistryTarget registry(Client(registry_->host()), "airgap/app");
  ASSERT_THAT(AttachBundle(registry, image, MessageBundle("air")).status(), IsOk());
  CosignLayer sig;
  sig.payload = SimpleSigningPayload(registry_->host() + "/airgap/app", image.digest);
  sig.signature = "MEUCIQ==";
  sig.certificate = "-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n";
  ASSERT_THAT(WriteCosignSignature(registry, image.digest, sig).status(), IsOk());
  // skopeo copies the image (not its attachments) ...
  TempDir tmp;
  const std::string dir = tmp.path() + "/airgap";
  ASSERT_THAT(registry_->PullToLayout("airgap/app", "v1", dir, "v1"), IsOk());
  auto layout = LayoutTarget::Open(dir, false);
  ASSERT_THAT(layout.status(), IsOk());
  auto before = FetchBundles(**layout, image.digest);
  ASSERT_THAT(before.status(), IsOk());
  EXPECT_THAT(*before, SizeIs(0));
  // ... CopyImage adds them, finding the image blobs already there.
  auto copied = CopyImage(registry, "v1", **layout, "v1");
  ASSERT_THAT(copied.status(), IsOk());
  EXPECT_EQ(copied->attachments, 2);  // the referrer and the .sig tag
  EXPECT_GE(copied->blobs_skipped, 2);
  auto after = FetchBundles(**layout, image.digest);
  ASSERT_THAT(after.status(), IsOk());
  ASSERT_THAT(*after, SizeIs(1));
  EXPECT_EQ((*after)[0].bundle, MessageBundle("air"));
  auto sigs = ReadCosignSignatures(**layout, image.digest);
  ASSERT_THAT(sigs.status(), IsOk());
  ASSERT_THAT(*sigs, SizeIs(1));
  auto payload = ParseSimpleSigning((*sigs)[0].payload);
  ASSERT_THAT(payload.status(), IsOk());
  EXPECT_EQ(payload->docker_manifest_digest, image.digest.ToString());
  EXPECT_EQ(payload->docker_reference, registry_->host() + "/airgap/app");
}

TEST_F(ImagesTest, CosignLegacySignaturesAndAttestations) {
  const Descriptor image = Push("legacy/app");
  RegistryTarget target(Client(registry_->host()), "legacy/app");
  EXPECT_THAT(ReadCosignSignatures(target, image.digest), IsOkAndHoldsEmpty());
  for (const char* s : {"c2lnMQ==", "c2lnMg=="}) {
    CosignLayer sig;
    sig.payload = SimpleSigningPayload("127.0.0.1/legacy/app", image.digest);
    sig.signature = s;
    sig.bundle = R"({"SignedEntryTimestamp":"AA==","Payload":{"logIndex":1}})";
    ASSERT_THAT(WriteCosignSignature(target, image.digest, sig).status(), IsOk());
  }
  // Writing the same signature again adds nothing.
  CosignLayer again;
  again.payload = SimpleSigningPayload("127.0.0.1/legacy/app", image.digest);
  again.signature = "c2lnMQ==";
  again.bundle = R"({"SignedEntryTimestamp":"AA==","Payload":{"logIndex":1}})";
  ASSERT_THAT(WriteCosignSignature(target, image.digest, again).status(), IsOk());
  auto sigs = ReadCosignSignatures(target, image.digest);
  ASSERT_THAT(sigs.status(), IsOk());
  ASSERT_THAT(*sigs, SizeIs(2));
  EXPECT_EQ((*sigs)[0].signature, "c2lnMQ==");
  EXPECT_EQ((*sigs)[1].signature, "c2lnMg==");
  EXPECT_THAT((*sigs)[0].bundle, HasSubstr("SignedEntryTimestamp"));
  auto manifest = target.FetchManifest(CosignSignatureTag(image.digest));
  ASSERT_THAT(manifest.status(), IsOk());
  EXPECT_THAT(manifest->bytes, HasSubstr(kCosignSimpleSigning));
  EXPECT_THAT(manifest->bytes, HasSubstr("dev.cosignproject.cosign/signature"));

  CosignLayer att;
  att.payload =
      R"({"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]})";
  att.predicate_type = "https://slsa.dev/provenance/v0.2";
  ASSERT_THAT(WriteCosignAttestation(target, image.digest, att).status(), IsOk());
  auto atts = ReadCosignAttestations(target, image.digest);
  ASSERT_THAT(atts.status(), IsOk());
  ASSERT_THAT(*atts, SizeIs(1));
  EXPECT_EQ((*atts)[0].predicate_type, "https://slsa.dev/provenance/v0.2");
  EXPECT_EQ((*atts)[0].layer.media_type, kDsseEnvelope);
  EXPECT_EQ((*atts)[0].payload, att.payload);

  EXPECT_THAT(ParseSimpleSigning(R"({"critical":{"Image":{"Docker-manifest-digest":"sha256:ab"},)"
                                 R"("type":"cosign container image signature"}})"),
              IsOk());
  EXPECT_THAT(ParseSimpleSigning(R"({"critical":{"type":"x"}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("docker-manifest-digest")));
}

TEST_F(ImagesTest, MultiArchIndexCopiesEveryPlatform) {
  TempDir tmp;
  const std::string src = tmp.path() + "/multi";
  auto index_digest = testing::WriteMultiArchLayout(src, "multi", {"linux/amd64", "linux/arm64"});
  ASSERT_THAT(index_digest.status(), IsOk());
  ASSERT_THAT(registry_->PushLayout(src, "multi", "multi/app", "multi", /*all=*/true), IsOk());
  RegistryTarget registry(Client(registry_->host()), "multi/app");
  auto root = registry.Resolve("multi");
  ASSERT_THAT(root.status(), IsOk());
  EXPECT_EQ(root->media_type, kOciIndex);  // (skopeo rewrites the index, so not *index_digest)
  auto pushed = registry.FetchManifest(root->digest.ToString());
  ASSERT_THAT(pushed.status(), IsOk());
  auto platforms = ParseImageIndex(pushed->bytes);
  ASSERT_THAT(platforms.status(), IsOk());
  ASSERT_THAT(platforms->manifests, SizeIs(2));
  EXPECT_EQ(platforms->manifests[1].platform->architecture, "arm64");
  ASSERT_THAT(AttachBundle(registry, *root, MessageBundle("multi")).status(), IsOk());
  auto dest = LayoutTarget::Open(tmp.path() + "/copy", true);
  ASSERT_THAT(dest.status(), IsOk());
  auto copied = CopyImage(registry, "multi", **dest, "multi");
  ASSERT_THAT(copied.status(), IsOk());
  EXPECT_EQ(copied->manifests, 4);         // the index, two platform images, the referrer
  EXPECT_EQ(copied->blobs_copied, 4 + 2);  // 2 configs + 2 layers, empty config + bundle
  EXPECT_EQ(copied->attachments, 1);
  EXPECT_THAT((*dest)->FetchManifest(root->digest.ToString()).status(), IsOk());

  // A platform image's own attachment travels only with |recursive|.
  const Descriptor platform = platforms->manifests[1];
  ASSERT_THAT(AttachBundle(registry, platform, MessageBundle("arm64")).status(), IsOk());
  for (bool recursive : {false, true}) {
    auto to = LayoutTarget::Open(tmp.path() + (recursive ? "/recursive" : "/flat"), true);
    ASSERT_THAT(to.status(), IsOk());
    CopyOptions options;
    options.recursive = recursive;
    auto again = CopyImage(registry, "multi", **to, "multi", options);
    ASSERT_THAT(again.status(), IsOk());
    ASSERT_THAT(again->copied_attachments, SizeIs(recursive ? 2 : 1));
    EXPECT_EQ(again->copied_attachments[0].subject, root->digest);
    auto found = FetchBundles(**to, platform.digest);
    ASSERT_THAT(found.status(), IsOk());
    ASSERT_THAT(*found, SizeIs(recursive ? 1 : 0));
    if (recursive) {
      EXPECT_EQ(again->copied_attachments[1].subject, platform.digest);
      EXPECT_EQ((*found)[0].bundle, MessageBundle("arm64"));
    }
  }
}

// An OCI 1.1 registry indexes referrers itself, so nothing writes the referrers tag schema index
// there and a tag-only copy (skopeo) leaves the attachments behind. CopyImage finds them through
// the API and writes the tag schema index where the destination has no API; within one registry
// every blob is mounted, not copied.
TEST_F(ImagesTest, CopyFromAReferrersApiRegistryWritesTheTagSchemaAndMounts) {
  const Descriptor image = Push("oci11/app");
  RegistryProxy::Options api;
  api.referrers_api = true;
  auto proxy = RegistryProxy::Start(registry_->host(), api);
  ASSERT_THAT(proxy.status(), IsOk());
  RegistryTarget source(Client((*proxy)->host()), "oci11/app");
  const std::vector<std::string> bundles = {MessageBundle("oci11-a"),
                                            DsseBundle("https://slsa.dev/provenance/v1", "b")};
  for (const std::string& b : bundles) {
    ASSERT_THAT(AttachBundle(source, image, b).status(), IsOk());
  }
  RegistryTarget plain_source(Client(registry_->host()), "oci11/app");
  auto source_tags = plain_source.ListTags();
  ASSERT_THAT(source_tags.status(), IsOk());
  EXPECT_THAT(*source_tags, ::testing::ElementsAre("v1"));
  EXPECT_THAT(FetchBundles(plain_source, image.digest), IsOkAndHoldsEmpty());

  RegistryTarget dest(Client(registry_->host()), "oci11/copy");  // no referrers API
  auto copied = CopyImage(source, "v1", dest, "v1");
  ASSERT_THAT(copied.status(), IsOk());
  EXPECT_EQ(copied->root.digest, image.digest);
  ASSERT_THAT(copied->copied_attachments, SizeIs(2));
  EXPECT_EQ(copied->copied_attachments[0].descriptor.artifact_type, kSigstoreBundleV03);
  EXPECT_EQ(copied->blobs_mounted, 0);  // through the proxy: another registry name
  auto tags = dest.ListTags();
  ASSERT_THAT(tags.status(), IsOk());
  EXPECT_THAT(*tags, ::testing::Contains(image.digest.TagName()));
  auto fetched = FetchBundles(dest, image.digest);
  ASSERT_THAT(fetched.status(), IsOk());
  std::vector<std::string> got;
  for (const AttachedBundle& a : *fetched) got.push_back(a.bundle);
  EXPECT_THAT(got, UnorderedElementsAreArray(bundles));

  // Same registry, another repository: every blob mounted.
  RegistryTarget mirror(Client(registry_->host()), "oci11/mirror");
  auto mounted = CopyImage(dest, "v1", mirror, "v1");
  ASSERT_THAT(mounted.status(), IsOk());
  EXPECT_EQ(mounted->blobs_copied, 0);
  EXPECT_EQ(mounted->blobs_skipped + mounted->blobs_mounted,
            copied->blobs_copied + copied->blobs_skipped);
  // Image config and layer, the empty config once and both bundle layers.
  EXPECT_EQ(mounted->blobs_mounted, 5);
  auto mirrored = FetchBundles(mirror, image.digest);
  ASSERT_THAT(mirrored.status(), IsOk());
  EXPECT_THAT(*mirrored, SizeIs(2));

  // Back to an OCI 1.1 registry: it indexes the referrers itself, so no tag schema index there.
  RegistryTarget api_dest(Client((*proxy)->host()), "oci11/api-dest");
  auto back = CopyImage(mirror, "v1", api_dest, "v1");
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_THAT(back->copied_attachments, SizeIs(2));
  auto api_tags = api_dest.ListTags();
  ASSERT_THAT(api_tags.status(), IsOk());
  EXPECT_THAT(*api_tags, ::testing::ElementsAre("v1"));
  auto through_api = FetchBundles(api_dest, image.digest);
  ASSERT_THAT(through_api.status(), IsOk());
  EXPECT_THAT(*through_api, SizeIs(2));
}

TEST(LayoutLimits, NestedIndexesAndFanOutAreRefused) {
  TempDir tmp;
  auto layout = LayoutTarget::Open(tmp.path() + "/deep", true);
  ASSERT_THAT(layout.status(), IsOk());
  // An image, wrapped in 6 levels of indexes.
  ImageManifest image;
  image.media_type = kOciManifest;
  image.config = DescriptorOf(kOciEmpty, kEmptyJson);
  ASSERT_THAT((*layout)->PushBlob(image.config, kEmptyJson), IsOk());
  auto child = (*layout)->PushManifest(image.Serialize(), kOciManifest, "");
  ASSERT_THAT(child.status(), IsOk());
  Descriptor top = *child;
  for (int level = 0; level < 6; ++level) {
    ImageIndex index;
    index.media_type = kOciIndex;
    index.manifests = {top};
    auto d = (*layout)->PushManifest(index.Serialize(), kOciIndex, level == 5 ? "deep" : "");
    ASSERT_THAT(d.status(), IsOk());
    top = *d;
  }
  auto dest = LayoutTarget::Open(tmp.path() + "/dest", true);
  ASSERT_THAT(dest.status(), IsOk());
  EXPECT_THAT(CopyImage(**layout, "deep", **dest, "deep"),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("nested deeper than 4")));
  // Fan-out: an index of 1025 entries is refused before any of them is read.
  ImageIndex wide;
  wide.media_type = kOciIndex;
  for (int i = 0; i < 1025; ++i) {
    wide.manifests.push_back(MakeDescriptor(kOciManifest, Digest::Sha256(absl::StrCat(i)), 10));
  }
  ASSERT_THAT((*layout)->PushManifest(wide.Serialize(), kOciIndex, "wide").status(), IsOk());
  EXPECT_THAT(CopyImage(**layout, "wide", **dest, "wide"),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("1025 entries")));
  // A corrupted blob in a layout is refused by digest.
  const std::string blob = tmp.path() + "/deep/blobs/sha256/" + child->digest.hex();
  std::filesystem::permissions(blob, std::filesystem::perms::owner_write,
                               std::filesystem::perm_options::add);
  std::string bytes = image.Serialize();
  bytes[5] ^= 1;
  std::ofstream(blob, std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_THAT((*layout)->FetchManifest(child->digest.ToString()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(child->digest.ToString())));
}

TEST(LayoutConcurrency, TwoWritersKeepEveryReferrer) {
  TempDir tmp;
  auto layout = LayoutTarget::Open(tmp.path() + "/l", true);
  ASSERT_THAT(layout.status(), IsOk());
  ImageManifest image;
  image.media_type = kOciManifest;
  image.config = DescriptorOf(kOciEmpty, kEmptyJson);
  ASSERT_THAT((*layout)->PushBlob(image.config, kEmptyJson), IsOk());
  auto subject = (*layout)->PushManifest(image.Serialize(), kOciManifest, "v1");
  ASSERT_THAT(subject.status(), IsOk());
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      // Each writer opens the layout itself, as two processes would.
      auto mine = LayoutTarget::Open(tmp.path() + "/l", false);
      ASSERT_THAT(mine.status(), IsOk());
      for (int i = 0; i < 10; ++i) {
        ASSERT_THAT(
            AttachBundle(**mine, *subject, MessageBundle(absl::StrCat("w", t, "-", i))).status(),
            IsOk());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto fetched = FetchBundles(**layout, subject->digest);
  ASSERT_THAT(fetched.status(), IsOk());
  EXPECT_THAT(*fetched, SizeIs(20));
  auto tagged = (*layout)->FetchManifest(subject->digest.TagName());
  ASSERT_THAT(tagged.status(), IsOk());
  auto index = ParseImageIndex(tagged->bytes);
  ASSERT_THAT(index.status(), IsOk());
  EXPECT_THAT(index->manifests, SizeIs(20));
}

}  // namespace
}  // namespace vouch::oci
