// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RegistryClient against the real CNCF registry (docker-registry 2.8) started by the test:
// plain, htpasswd basic auth, bearer tokens, TLS; images built by umoci and pushed by skopeo.
// A proxy in front of it injects failures and altered bytes where a real registry cannot.
#include "oci/registry_client.h"

#include <fstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "oci/media_types.h"
#include "oci/registry_hosts.h"
#include "tests/registry/registry_fixture.h"
#include "tests/status_matchers.h"

namespace vouch::oci {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::RegistryConfig;
using ::vouch::testing::RegistryProxy;
using ::vouch::testing::StatusIs;
using ::vouch::testing::TempDir;
using ::vouch::testing::TestRegistry;

MATCHER_P(IsOkAndHolds, inner, "") {
  return arg.ok() && ::testing::ExplainMatchResult(inner, *arg, result_listener);
}

RegistryOptions Anonymous() {
  RegistryOptions o;
  o.use_docker_config = false;
  o.initial_backoff = absl::Milliseconds(1);
  o.max_backoff = absl::Milliseconds(5);
  return o;
}

RegistryOptions WithCredentials(const RegistryConfig& c) {
  RegistryOptions o = Anonymous();
  o.credentials = Credentials{c.username, c.password, ""};
  return o;
}

// One registry with one umoci image pushed by skopeo, shared by the plain tests.
class PlainRegistryTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto r = TestRegistry::Start();
    ASSERT_THAT(r.status(), IsOk());
    registry_ = r->release();
    dir_ = new TempDir();
    auto digest = testing::UmociImage(dir_->path() + "/layout", "v1", "hello from umoci\n");
    ASSERT_THAT(digest.status(), IsOk());
    image_digest_ = new std::string(*digest);
    ASSERT_THAT(registry_->PushLayout(dir_->path() + "/layout", "v1", "test/app", "v1"), IsOk());
  }
  // Each test starts with a process that has contacted no registry yet (request counts).
  void SetUp() override { RegistryHosts::Global().Clear(); }
  static void TearDownTestSuite() {
    delete registry_;
    delete dir_;
    delete image_digest_;
  }
  std::unique_ptr<RegistryClient> Client(RegistryOptions o = Anonymous()) {
    auto c = RegistryClient::New(registry_->host(), o);
    EXPECT_THAT(c.status(), IsOk());
    return *std::move(c);
  }

  static TestRegistry* registry_;
  static TempDir* dir_;
  static std::string* image_digest_;
};
TestRegistry* PlainRegistryTest::registry_ = nullptr;
TempDir* PlainRegistryTest::dir_ = nullptr;
std::string* PlainRegistryTest::image_digest_ = nullptr;

TEST_F(PlainRegistryTest, ResolvesTagAndReadsVerifiedManifestAndConfig) {
  auto client = Client();
  auto desc = client->Resolve("test/app", "v1");
  ASSERT_THAT(desc.status(), IsOk());
  EXPECT_EQ(desc->digest.ToString(), *image_digest_);
  EXPECT_EQ(desc->media_type, kOciManifest);
  EXPECT_EQ(client->base_url(), "http://" + registry_->host());  // loopback: plain http allowed

  auto by_tag = client->GetManifest("test/app", "v1");
  ASSERT_THAT(by_tag.status(), IsOk());
  auto by_digest = client->GetManifest("test/app", desc->digest.ToString());
  ASSERT_THAT(by_digest.status(), IsOk());
  EXPECT_EQ(by_tag->bytes, by_digest->bytes);
  EXPECT_EQ(by_digest->descriptor.digest, desc->digest);
  EXPECT_EQ(by_digest->descriptor.size, desc->size);

  auto manifest = ParseImageManifest(by_digest->bytes);
  ASSERT_THAT(manifest.status(), IsOk());
  auto config = client->GetBlob("test/app", manifest->config);
  ASSERT_THAT(config.status(), IsOk());
  EXPECT_EQ(Digest::Sha256(*config), manifest->config.digest);
  EXPECT_THAT(client->BlobExists("test/app", manifest->config.digest), IsOkAndHolds(true));
  EXPECT_THAT(client->BlobExists("test/app", Digest::Sha256("nope")), IsOkAndHolds(false));
}

TEST_F(PlainRegistryTest, ErrorsSayWhatTheRegistrySaid) {
  auto client = Client();
  EXPECT_THAT(client->GetManifest("test/app", "nosuchtag"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("404"), HasSubstr("MANIFEST_UNKNOWN"),
                             HasSubstr("manifest unknown"), HasSubstr("nosuchtag"))));
  Descriptor missing;
  missing.media_type = kOctetStream;
  missing.digest = Digest::Sha256("missing blob");
  missing.size = 12;
  EXPECT_THAT(client->GetBlob("test/app", missing),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("BLOB_UNKNOWN")));
  EXPECT_THAT(client->GetManifest("test/app", "bad tag!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Counts the requests |proxy| saw that start with |prefix| ("PATCH /v2/test/up/blobs/uploads/").
int Count(const RegistryProxy& proxy, const std::string& prefix) {
  int n = 0;
  for (const std::string& r : proxy.requests()) n += absl::StartsWith(r, prefix) ? 1 : 0;
  return n;
}

TEST_F(PlainRegistryTest, UploadsMonolithicAndChunkedAndMounts) {
  // Through a proxy that records every request, so the test sees how each blob was sent.
  auto proxy = RegistryProxy::Start(registry_->host(), {});
  ASSERT_THAT(proxy.status(), IsOk());
  RegistryOptions o = Anonymous();
  o.chunk_size = 1000;
  auto made = RegistryClient::New((*proxy)->host(), o);
  ASSERT_THAT(made.status(), IsOk());
  auto client = *std::move(made);
  const std::string patch = "PATCH /v2/test/up/blobs/uploads/";
  const std::string put = "PUT /v2/test/up/blobs/uploads/";
  const std::string small = "a small blob";
  std::string big;
  for (int i = 0; i < 4321; ++i) big.push_back(static_cast<char>('a' + i % 26));
  ASSERT_THAT(client->PushBlob("test/up", Digest::Sha256(small), small), IsOk());
  EXPECT_EQ(Count(**proxy, patch), 0) << "the small blob goes in one PUT";
  EXPECT_EQ(Count(**proxy, put), 1);
  ASSERT_THAT(client->PushBlob("test/up", Digest::Sha256(big), big), IsOk());
  EXPECT_EQ(Count(**proxy, patch), 5) << "4321 bytes in chunks of 1000: 4 whole, 1 of 321";
  EXPECT_EQ(Count(**proxy, put), 2) << "then one PUT with the digest closes the upload";
  for (const std::string* data : std::vector<const std::string*>{&small, &big}) {
    Descriptor d = DescriptorOf(kOctetStream, *data);
    EXPECT_THAT(client->GetBlob("test/up", d), IsOkAndHolds(*data));
  }
  // Pushing again is a HEAD and nothing else.
  const uint64_t before = client->stats().requests;
  ASSERT_THAT(client->PushBlob("test/up", Digest::Sha256(big), big), IsOk());
  EXPECT_EQ(client->stats().requests - before, 1u);
  EXPECT_EQ(Count(**proxy, patch), 5);
  // Cross-repository mount: one POST, no upload.
  (*proxy)->ClearRequests();
  EXPECT_THAT(client->MountBlob("test/other", Digest::Sha256(big), "test/up"), IsOkAndHolds(true));
  EXPECT_THAT((*proxy)->requests(), ElementsAre("POST /v2/test/other/blobs/uploads/"));
  EXPECT_THAT(client->BlobExists("test/other", Digest::Sha256(big)), IsOkAndHolds(true));
  // Wrong digest is refused before anything is sent.
  EXPECT_THAT(client->PushBlob("test/up", Digest::Sha256("other"), small),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PlainRegistryTest, UploadsAFileInChunks) {
  TempDir tmp;
  std::string data(10000, 'z');
  data += "end";
  const std::string path = tmp.path() + "/blob";
  std::ofstream(path, std::ios::binary) << data;
  RegistryOptions o = Anonymous();
  o.chunk_size = 4096;
  auto client = Client(o);
  Descriptor d = DescriptorOf(kOctetStream, data);
  ASSERT_THAT(client->PushBlobFromFile("test/file", d, path), IsOk());
  std::string read;
  ASSERT_THAT(client->ReadBlob("test/file", d,
                               [&](absl::string_view c) {
                                 read.append(c.data(), c.size());
                                 return absl::OkStatus();
                               }),
              IsOk());
  EXPECT_EQ(read, data);
}

TEST_F(PlainRegistryTest, PutsManifestsAndListsTags) {
  auto client = Client();
  const std::string empty = kEmptyJson;
  ASSERT_THAT(client->PushBlob("test/m", Digest::Sha256(empty), empty), IsOk());
  ImageManifest m;
  m.media_type = kOciManifest;
  m.config = DescriptorOf(kOciEmpty, empty);
  m.layers.push_back(DescriptorOf(kOciEmpty, empty));
  const std::string bytes = m.Serialize();
  auto put = client->PutManifest("test/m", "t1", kOciManifest, bytes);
  ASSERT_THAT(put.status(), IsOk());
  EXPECT_EQ(put->digest, Digest::Sha256(bytes));
  EXPECT_EQ(put->oci_subject, "");  // distribution 2.8 knows no referrers
  EXPECT_THAT(client->ListTags("test/m"), IsOkAndHolds(ElementsAre("t1")));
  EXPECT_THAT(client->PutManifest("test/m", Digest::Sha256("x").ToString(), kOciManifest, bytes),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(PlainRegistryTest, ReferrersApiAbsentOnDistribution28) {
  auto client = Client();
  auto digest = Digest::Parse(*image_digest_);
  ASSERT_THAT(digest.status(), IsOk());
  auto referrers = client->Referrers("test/app", *digest);
  ASSERT_THAT(referrers.status(), IsOk());
  EXPECT_FALSE(referrers->has_value());
}

TEST_F(PlainRegistryTest, LyingRegistryIsCaughtNamingBothDigests) {
  RegistryProxy::Options options;
  options.rewrite = [](const std::string& path, std::string* body) {
    if (!body->empty()) (*body)[body->size() / 2] ^= 1;
  };
  auto proxy = RegistryProxy::Start(registry_->host(), options);
  ASSERT_THAT(proxy.status(), IsOk());
  auto client = RegistryClient::New((*proxy)->host(), Anonymous());
  ASSERT_THAT(client.status(), IsOk());
  auto real = Client()->GetManifest("test/app", *image_digest_);
  ASSERT_THAT(real.status(), IsOk());
  EXPECT_THAT((*client)->GetManifest("test/app", *image_digest_),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(*image_digest_), HasSubstr("hash to sha256:"))));
  // By tag: the bytes disagree with the registry's own Docker-Content-Digest.
  EXPECT_THAT((*client)->GetManifest("test/app", "v1"),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("Docker-Content-Digest " + *image_digest_),
                             HasSubstr("hash to sha256:"))));
  auto manifest = ParseImageManifest(real->bytes);
  ASSERT_THAT(manifest.status(), IsOk());
  EXPECT_THAT(
      (*client)->GetBlob("test/app", manifest->config),
      StatusIs(absl::StatusCode::kDataLoss, AllOf(HasSubstr(manifest->config.digest.ToString()),
                                                  HasSubstr("hashes to sha256:"))));
}

TEST_F(PlainRegistryTest, SizeLimitsAreEnforcedWhileReading) {
  RegistryOptions o = Anonymous();
  o.limits.max_manifest_bytes = 100;
  o.limits.max_blob_bytes = 10;
  auto client = Client(o);
  EXPECT_THAT(client->GetManifest("test/app", "v1"),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("100 bytes")));
  const std::string data = "0123456789abcdef";
  ASSERT_THAT(Client()->PushBlob("test/lim", Digest::Sha256(data), data), IsOk());
  Descriptor d = DescriptorOf(kOctetStream, data);
  const uint64_t before = client->stats().requests;
  EXPECT_THAT(client->GetBlob("test/lim", d),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("limit of 10")));
  EXPECT_EQ(client->stats().requests, before);  // refused before asking
  // A registry sending more bytes than the descriptor says is cut off.
  RegistryProxy::Options longer;
  longer.rewrite = [](const std::string&, std::string* body) { *body += "trailing junk"; };
  auto proxy = RegistryProxy::Start(registry_->host(), longer);
  ASSERT_THAT(proxy.status(), IsOk());
  auto lying = RegistryClient::New((*proxy)->host(), Anonymous());
  ASSERT_THAT(lying.status(), IsOk());
  EXPECT_THAT((*lying)->GetBlob("test/lim", d),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("more than the descriptor's 16")));
}

TEST_F(PlainRegistryTest, RetriesOn503And429ThenGivesUp) {
  RegistryProxy::Options flaky;
  flaky.fail_first = 3;  // the ping, then two manifest attempts
  flaky.fail_status = 503;
  auto proxy = RegistryProxy::Start(registry_->host(), flaky);
  ASSERT_THAT(proxy.status(), IsOk());
  auto client = RegistryClient::New((*proxy)->host(), Anonymous());
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_THAT((*client)->GetManifest("test/app", "v1").status(), IsOk());
  EXPECT_EQ((*proxy)->requests().size(), 4u);

  RegistryProxy::Options limited;
  limited.fail_first = 100;
  limited.fail_status = 429;
  limited.retry_after = "0";
  auto proxy2 = RegistryProxy::Start(registry_->host(), limited);
  ASSERT_THAT(proxy2.status(), IsOk());
  RegistryOptions o = Anonymous();
  o.max_attempts = 3;
  auto client2 = RegistryClient::New((*proxy2)->host(), o);
  ASSERT_THAT(client2.status(), IsOk());
  EXPECT_THAT((*client2)->GetManifest("test/app", "v1"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("429"), HasSubstr("injected failure"))));
  EXPECT_EQ((*proxy2)->requests().size(), 4u);  // ping + 3 attempts
}

TEST_F(PlainRegistryTest, ForbiddenIsPermissionDeniedNamingTheRegistryAndNotRetried) {
  RegistryProxy::Options forbidden;
  forbidden.fail_first = 100;
  forbidden.fail_status = 403;
  auto proxy = RegistryProxy::Start(registry_->host(), forbidden);
  ASSERT_THAT(proxy.status(), IsOk());
  auto client = RegistryClient::New((*proxy)->host(), Anonymous());
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_THAT((*client)->GetManifest("test/app", "v1"),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       AllOf(HasSubstr((*proxy)->host()), HasSubstr("403"),
                             HasSubstr("injected failure"))));
  EXPECT_LE((*proxy)->requests().size(), 2u);  // no retries of a refusal
}

TEST_F(PlainRegistryTest, TotalTimeoutEndsAStalledRequest) {
  RegistryProxy::Options stall;
  stall.stall_path = "/manifests/";
  auto proxy = RegistryProxy::Start(registry_->host(), stall);
  ASSERT_THAT(proxy.status(), IsOk());
  RegistryOptions o = Anonymous();
  o.timeout = absl::Milliseconds(300);
  o.max_attempts = 1;
  auto client = RegistryClient::New((*proxy)->host(), o);
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_THAT((*client)->GetManifest("test/app", "v1"),
              StatusIs(absl::StatusCode::kDeadlineExceeded, HasSubstr("/manifests/v1")));
}

TEST_F(PlainRegistryTest, ConnectionRefusedIsUnavailable) {
  RegistryOptions o = Anonymous();
  o.max_attempts = 2;
  auto client = RegistryClient::New("127.0.0.1:1", o);
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_THAT((*client)->Ping(), StatusIs(absl::StatusCode::kUnavailable,
                                          AllOf(HasSubstr("https"), HasSubstr("http"))));
}

TEST_F(PlainRegistryTest, NonLoopbackPlainHttpNeedsAllowInsecure) {
  // "127.1" is 127.0.0.1 to the resolver (inet_aton's short form), so it reaches the test
  // registry, but it is not a name IsLoopbackHost accepts (127.a.b.c, localhost, ::1): it stands
  // for a plain-http registry elsewhere on the network.
  ASSERT_FALSE(IsLoopbackHost("127.1:5000"));
  const std::string host = "127.1" + registry_->host().substr(registry_->host().find(':'));
  RegistryOptions o = Anonymous();
  o.max_attempts = 1;
  auto refused = RegistryClient::New(host, o);
  ASSERT_THAT(refused.status(), IsOk());
  // https gets no answer (the registry speaks http) and plain http is not tried.
  EXPECT_THAT((*refused)->Ping(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("--allow-insecure-registry")));
  EXPECT_EQ((*refused)->base_url(), "");
  // With allow_insecure the same registry is used over plain http.
  o.allow_insecure = true;
  auto allowed = RegistryClient::New(host, o);
  ASSERT_THAT(allowed.status(), IsOk());
  EXPECT_THAT((*allowed)->Ping(), IsOk());
  EXPECT_EQ((*allowed)->base_url(), "http://" + host);
  auto d = (*allowed)->Resolve("test/app", "v1");
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(d->digest.ToString(), *image_digest_);
  // The process now remembers plain http for this host; a client without allow_insecure does not
  // take it: it tries https itself (no answer) and refuses, as before.
  o.allow_insecure = false;
  auto again = RegistryClient::New(host, o);
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_THAT((*again)->Resolve("test/app", "v1"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("--allow-insecure-registry")));
  EXPECT_EQ((*again)->base_url(), "");
  EXPECT_EQ((*again)->stats().requests, 1u);  // the https attempt only
}

// Requests to |proxy| that are exactly |request| ("GET /v2/").
int CountExactly(const RegistryProxy& proxy, const std::string& request) {
  int n = 0;
  for (const std::string& r : proxy.requests()) n += r == request ? 1 : 0;
  return n;
}

TEST_F(PlainRegistryTest, ClientsOfAKnownHostSkipTheHttpsAttemptAndThePing) {
  auto proxy = RegistryProxy::Start(registry_->host(), {});
  ASSERT_THAT(proxy.status(), IsOk());
  const std::string host = (*proxy)->host();
  // First contact: the https attempt (no TLS on this loopback proxy: no answer), GET /v2/ over
  // http, then the HEAD.
  auto first = RegistryClient::New(host, Anonymous());
  ASSERT_THAT(first.status(), IsOk());
  ASSERT_THAT((*first)->Resolve("test/app", "v1").status(), IsOk());
  EXPECT_EQ((*first)->stats().requests, 3u);
  EXPECT_EQ(CountExactly(**proxy, "GET /v2/"), 1);
  // A new client of the same host (as for another repository: one client per repository): the
  // HEAD only, over the scheme the first one chose. 2 requests fewer.
  auto second = RegistryClient::New(host, Anonymous());
  ASSERT_THAT(second.status(), IsOk());
  ASSERT_THAT((*second)->Resolve("test/app", "v1").status(), IsOk());
  EXPECT_EQ((*second)->stats().requests, 1u);
  EXPECT_EQ((*second)->base_url(), "http://" + host);
  EXPECT_THAT((*second)->Resolve("test/nosuchrepo", "v1"), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_EQ((*second)->stats().requests, 2u);
  EXPECT_EQ(CountExactly(**proxy, "GET /v2/"), 1);
  // Ping still asks (GET /v2/), but without probing the scheme.
  auto pinging = RegistryClient::New(host, Anonymous());
  ASSERT_THAT(pinging.status(), IsOk());
  EXPECT_THAT((*pinging)->Ping(), IsOk());
  EXPECT_EQ((*pinging)->stats().requests, 1u);

  // Another host:port (a second proxy in front of the same registry) is probed on its own.
  auto proxy2 = RegistryProxy::Start(registry_->host(), {});
  ASSERT_THAT(proxy2.status(), IsOk());
  auto other = RegistryClient::New((*proxy2)->host(), Anonymous());
  ASSERT_THAT(other.status(), IsOk());
  ASSERT_THAT((*other)->Resolve("test/app", "v1").status(), IsOk());
  EXPECT_EQ((*other)->stats().requests, 3u);
  EXPECT_EQ(CountExactly(**proxy2, "GET /v2/"), 1);
  // So is the same port under another name: the key is the host as the client reaches it.
  const std::string port = host.substr(host.find(':'));
  auto renamed = RegistryClient::New("localhost" + port, Anonymous());
  ASSERT_THAT(renamed.status(), IsOk());
  ASSERT_THAT((*renamed)->Resolve("test/app", "v1").status(), IsOk());
  EXPECT_EQ((*renamed)->stats().requests, 3u);
  EXPECT_EQ(CountExactly(**proxy, "GET /v2/"), 3);  // first, pinging, renamed
}

TEST(RegistryHostsTest, BoundedLeastRecentlyUsedAndExpiring) {
  RegistryHosts hosts(2, absl::Hours(1));
  hosts.Put("a:1", {"http://a:1", std::nullopt});
  hosts.Put("b:1", {"https://b:1", Challenge{"basic", {{"realm", "r"}}}});
  ASSERT_TRUE(hosts.Get("a:1").has_value());  // a is now the more recently used
  hosts.Put("c:1", {"https://c:1", std::nullopt});
  EXPECT_EQ(hosts.size(), 2u);
  EXPECT_FALSE(hosts.Get("b:1").has_value());
  EXPECT_EQ(hosts.Get("a:1")->base, "http://a:1");
  EXPECT_FALSE(hosts.Get("a:2").has_value());  // another port is another host
  // A challenge update applies only to the entry with the same base.
  hosts.SetChallenge("c:1", "http://c:1", Challenge{"bearer", {}});
  EXPECT_FALSE(hosts.Get("c:1")->challenge.has_value());
  hosts.SetChallenge("c:1", "https://c:1", Challenge{"bearer", {}});
  EXPECT_EQ(hosts.Get("c:1")->challenge->scheme, "bearer");
  hosts.Forget("c:1", "http://c:1");
  EXPECT_TRUE(hosts.Get("c:1").has_value());
  hosts.Forget("c:1", "https://c:1");
  EXPECT_FALSE(hosts.Get("c:1").has_value());

  RegistryHosts expiring(2, absl::ZeroDuration());
  expiring.Put("a:1", {"http://a:1", std::nullopt});
  EXPECT_FALSE(expiring.Get("a:1").has_value());
}

TEST(RegistryHostsTest, AHostThatStopsAnsweringIsForgotten) {
  RegistryHosts::Global().Clear();
  std::string host;
  {
    auto registry = TestRegistry::Start();
    ASSERT_THAT(registry.status(), IsOk());
    host = (*registry)->host();
    auto client = RegistryClient::New(host, Anonymous());
    ASSERT_THAT(client.status(), IsOk());
    ASSERT_THAT((*client)->Ping(), IsOk());
    ASSERT_TRUE(RegistryHosts::Global().Get(host).has_value());
  }
  // The registry is gone: no answer at the remembered address, and the process forgets it.
  RegistryOptions o = Anonymous();
  o.max_attempts = 1;
  auto client = RegistryClient::New(host, o);
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_THAT((*client)->Ping(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(RegistryHosts::Global().Get(host).has_value());
}

TEST(BasicAuthRegistry, NeedsCredentialsAndTakesThemFromDockerConfig) {
  RegistryConfig config;
  config.auth = RegistryConfig::Auth::kBasic;
  auto registry = TestRegistry::Start(config);
  ASSERT_THAT(registry.status(), IsOk());
  TempDir dir;
  ASSERT_THAT(testing::UmociImage(dir.path() + "/l", "v1", "basic").status(), IsOk());
  ASSERT_THAT((*registry)->PushLayout(dir.path() + "/l", "v1", "sec/app", "v1"), IsOk());

  auto anonymous = RegistryClient::New((*registry)->host(), Anonymous());
  ASSERT_THAT(anonymous.status(), IsOk());
  EXPECT_THAT((*anonymous)->Resolve("sec/app", "v1"),
              StatusIs(absl::StatusCode::kUnauthenticated,
                       AllOf(HasSubstr("Basic realm=\"vouch-test-realm\""),
                             HasSubstr("requires authentication"))));
  // The anonymous client's first contact taught the process the scheme and the Basic challenge:
  // this client sends its credentials with its first request (no https attempt, no GET /v2/).
  auto good = RegistryClient::New((*registry)->host(), WithCredentials(config));
  ASSERT_THAT(good.status(), IsOk());
  EXPECT_THAT((*good)->Resolve("sec/app", "v1").status(), IsOk());
  EXPECT_EQ((*good)->stats().requests, 1u);
  // Credentials are not shared: another anonymous client is still refused (one request: no
  // probe, the 401 names the challenge).
  auto anonymous2 = RegistryClient::New((*registry)->host(), Anonymous());
  ASSERT_THAT(anonymous2.status(), IsOk());
  EXPECT_THAT((*anonymous2)->Resolve("sec/app", "v1"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("requires authentication")));
  EXPECT_EQ((*anonymous2)->stats().requests, 1u);
  RegistryConfig wrong = config;
  wrong.password = "wrong";
  auto bad = RegistryClient::New((*registry)->host(), WithCredentials(wrong));
  ASSERT_THAT(bad.status(), IsOk());
  EXPECT_THAT((*bad)->Resolve("sec/app", "v1"),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("credentials given")));
  // ~/.docker/config.json style: {"auths": {"host": {"auth": base64(user:pass)}}}.
  const std::string path = dir.path() + "/config.json";
  std::ofstream(path) << "{\"auths\":{\"http://" << (*registry)->host() << "\":{\"auth\":\""
                      << absl::Base64Escape(config.username + ":" + config.password) << "\"}}}";
  RegistryOptions from_file = Anonymous();
  from_file.use_docker_config = true;
  from_file.docker_config_path = path;
  auto configured = RegistryClient::New((*registry)->host(), from_file);
  ASSERT_THAT(configured.status(), IsOk());
  EXPECT_THAT((*configured)->Resolve("sec/app", "v1").status(), IsOk());
}

TEST(TokenAuthRegistry, BearerFlowWithScopesAndCachedTokens) {
  RegistryConfig config;
  config.auth = RegistryConfig::Auth::kToken;
  auto registry = TestRegistry::Start(config);
  ASSERT_THAT(registry.status(), IsOk());
  TempDir dir;
  ASSERT_THAT(testing::UmociImage(dir.path() + "/l", "v1", "token").status(), IsOk());
  ASSERT_THAT((*registry)->PushLayout(dir.path() + "/l", "v1", "tok/app", "v1"), IsOk());

  auto anonymous = RegistryClient::New((*registry)->host(), Anonymous());
  ASSERT_THAT(anonymous.status(), IsOk());
  EXPECT_THAT(
      (*anonymous)->Resolve("tok/app", "v1"),
      StatusIs(absl::StatusCode::kUnauthenticated,
               AllOf(HasSubstr((*registry)->token_realm()), HasSubstr("without credentials"),
                     HasSubstr("wrong or no credentials"))));

  auto client = RegistryClient::New((*registry)->host(), WithCredentials(config));
  ASSERT_THAT(client.status(), IsOk());
  auto desc = (*client)->Resolve("tok/app", "v1");
  ASSERT_THAT(desc.status(), IsOk());
  ASSERT_THAT((*client)->GetManifest("tok/app", desc->digest.ToString()).status(), IsOk());
  EXPECT_EQ((*client)->stats().token_requests, 1u);  // one pull token, reused
  const std::string blob = "pushed with a token";
  ASSERT_THAT((*client)->PushBlob("tok/app", Digest::Sha256(blob), blob), IsOk());
  EXPECT_EQ((*client)->stats().token_requests, 2u);  // plus one pull,push token
  EXPECT_THAT((*registry)->token_scopes(), Contains("repository:tok/app:pull,push"));
  EXPECT_THAT((*registry)->token_scopes(), Contains("repository:tok/app:pull"));
}

TEST(TlsRegistry, TrustsTheGivenCaOnly) {
  RegistryConfig config;
  config.tls = true;
  auto registry = TestRegistry::Start(config);
  ASSERT_THAT(registry.status(), IsOk());
  TempDir dir;
  ASSERT_THAT(testing::UmociImage(dir.path() + "/l", "v1", "tls").status(), IsOk());
  ASSERT_THAT((*registry)->PushLayout(dir.path() + "/l", "v1", "tls/app", "v1"), IsOk());

  RegistryOptions o = Anonymous();
  o.ca_file = (*registry)->ca_file();
  auto client = RegistryClient::New((*registry)->host(), o);
  ASSERT_THAT(client.status(), IsOk());
  EXPECT_THAT((*client)->Resolve("tls/app", "v1").status(), IsOk());
  EXPECT_EQ((*client)->base_url(), "https://" + (*registry)->host());
  auto second = RegistryClient::New((*registry)->host(), o);
  ASSERT_THAT(second.status(), IsOk());
  EXPECT_THAT((*second)->Resolve("tls/app", "v1").status(), IsOk());
  EXPECT_EQ((*second)->stats().requests, 1u);  // https known: no GET /v2/

  // The system store does not know the test CA; no fallback to plain http either.
  RegistryOptions system = Anonymous();
  system.max_attempts = 1;
  auto untrusting = RegistryClient::New((*registry)->host(), system);
  ASSERT_THAT(untrusting.status(), IsOk());
  EXPECT_THAT((*untrusting)->Resolve("tls/app", "v1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not trusted")));
}

TEST_F(PlainRegistryTest, ReferrersApiThroughAnOci11Proxy) {
  RegistryProxy::Options options;
  options.referrers_api = true;
  auto proxy = RegistryProxy::Start(registry_->host(), options);
  ASSERT_THAT(proxy.status(), IsOk());
  auto client = RegistryClient::New((*proxy)->host(), Anonymous());
  ASSERT_THAT(client.status(), IsOk());
  auto subject = Digest::Parse(*image_digest_);
  ASSERT_THAT(subject.status(), IsOk());
  const std::string empty = kEmptyJson;
  ASSERT_THAT((*client)->PushBlob("test/app", Digest::Sha256(empty), empty), IsOk());
  ImageManifest m;
  m.media_type = kOciManifest;
  m.artifact_type = "application/example";
  m.config = DescriptorOf(kOciEmpty, empty);
  m.layers.push_back(m.config);
  m.subject = MakeDescriptor(kOciManifest, *subject, 1);
  const std::string bytes = m.Serialize();
  auto put =
      (*client)->PutManifest("test/app", Digest::Sha256(bytes).ToString(), kOciManifest, bytes);
  ASSERT_THAT(put.status(), IsOk());
  EXPECT_EQ(put->oci_subject, *image_digest_);
  auto all = (*client)->Referrers("test/app", *subject);
  ASSERT_THAT(all.status(), IsOk());
  ASSERT_TRUE(all->has_value());
  ASSERT_EQ((*all)->size(), 1u);
  EXPECT_EQ((**all)[0].digest, put->digest);
  auto none = (*client)->Referrers("test/app", *subject, "application/other");
  ASSERT_THAT(none.status(), IsOk());
  EXPECT_TRUE((*none)->empty());
}

}  // namespace
}  // namespace vouch::oci
