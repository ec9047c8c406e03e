// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/tuf_http.h"

#include <stdlib.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/tuf/updater.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/postgres_testing.h"
#include "tests/status_matchers.h"
#include "tuf/postgres_metadata_store.h"

namespace vouch::server {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

const absl::Time kStart = absl::FromUnixSeconds(1800000000);

std::string TempDir() {
  std::string t =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/tufhttpXXXXXX");
  return mkdtemp(t.data());
}

// The TUF client reading through the router (no sockets; the HTTP front is tested elsewhere).
class RouterFetcher : public client::Fetcher {
 public:
  explicit RouterFetcher(const http::Router* router) : router_(router) {}
  absl::StatusOr<std::string> Fetch(const std::string& url, size_t max_bytes) override {
    http::Request req;
    req.method = "GET";
    req.path = url.substr(url.find("/tuf/"));
    req.target = req.path;
    http::Response res;
    router_->Dispatch(req, [&](http::Response r) { res = std::move(r); });
    if (res.status == 404) return absl::NotFoundError(url);
    if (res.status != 200) return absl::UnavailableError(absl::StrCat(url, ": ", res.status));
    if (res.body.size() > max_bytes) return absl::ResourceExhaustedError(url);
    return res.body;
  }

 private:
  const http::Router* router_;
};

class TufServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = TempDir();
    TufServiceOptions o;
    o.repo_dir = data_ + "/tuf";
    o.snapshot_key_path = data_ + "/tuf_snapshot_key.pem";
    o.timestamp_key_path = data_ + "/tuf_timestamp_key.pem";
    o.clock = &clock_;
    o.expected_targets["trusted_root.json"] = "{\"current\":true}";
    o.health = &health_;
    o.metrics = &metrics_;
    auto s = TufService::New(o);
    ASSERT_THAT(s, IsOk());
    service_ = std::move(*s);
    service_->RegisterHttp(router_);
  }
  http::Response Get(const std::string& path) {
    http::Request req;
    req.method = "GET";
    req.path = path;
    req.target = path;
    http::Response res;
    router_.Dispatch(req, [&](http::Response r) { res = std::move(r); });
    return res;
  }
  // The operator's side: root and targets keys offline, the online keys' .pub files from vouchd.
  void InitRepository() {
    tuf::InitOptions o;
    o.root_keys = {root_key_->public_key()};
    o.targets_keys = {targets_key_->public_key()};
    o.snapshot_key =
        *tuf::PublicKey::FromPem(*tuf::ReadWholeFile(data_ + "/tuf_snapshot_key.pem.pub"));
    o.timestamp_key =
        *tuf::PublicKey::FromPem(*tuf::ReadWholeFile(data_ + "/tuf_timestamp_key.pem.pub"));
    const tuf::PrivateKey* signers[] = {root_key_.get(), targets_key_.get()};
    ASSERT_THAT(tuf::Init(data_ + "/tuf", o, signers, clock_.Now()), IsOk());
  }
  void AddTarget(const std::string& bytes) {
    const tuf::PrivateKey* signers[] = {targets_key_.get()};
    ASSERT_THAT(tuf::UpdateTargets(data_ + "/tuf", {{"trusted_root.json", bytes}}, {}, nullptr,
                                   signers, absl::Hours(24 * 180), clock_.Now()),
                IsOk());
  }

  // The gauge vouch_tuf_targets_stale as /metrics renders it.
  std::string StaleGauge() {
    const std::string text = metrics_.Render();
    const size_t at = text.find("\nvouch_tuf_targets_stale ");
    if (at == std::string::npos) return "absent";
    const size_t start = at + std::string("\nvouch_tuf_targets_stale ").size();
    return text.substr(start, text.find('\n', start) - start);
  }

  FakeClock clock_{kStart};
  std::string data_;
  Health health_;
  Metrics metrics_;
  http::Router router_;
  std::unique_ptr<TufService> service_;
  std::unique_ptr<tuf::PrivateKey> root_key_ =
      *tuf::PrivateKey::Generate(signer::KeyType::kEd25519);
  std::unique_ptr<tuf::PrivateKey> targets_key_ =
      *tuf::PrivateKey::Generate(signer::KeyType::kEcdsaP256);
};

TEST_F(TufServiceTest, ServesNothingBeforeTheRepositoryExists) {
  http::Response r = Get("/tuf/1.root.json");
  EXPECT_EQ(r.status, 404);
  EXPECT_THAT(r.body, HasSubstr("vouch-tuf init"));
  EXPECT_THAT(service_->Refresh(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(TufServiceTest, PicksUpOfflineFilesSignsOnlineAndAClientFollows) {
  InitRepository();
  AddTarget("{\"old\":true}");
  // The next request sees the new files and signs snapshot + timestamp with the online keys.
  http::Response ts = Get("/tuf/timestamp.json");
  ASSERT_EQ(ts.status, 200) << ts.body;
  EXPECT_EQ(*ts.headers.Get("Cache-Control"), "no-cache");
  // Versioned metadata and hash-named targets never change: cacheable for good.
  for (const char* path : {"/tuf/1.root.json", "/tuf/2.targets.json", "/tuf/1.snapshot.json"}) {
    http::Response r = Get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.headers.Get("Cache-Control").value_or(""), "public, max-age=31536000, immutable")
        << path;
  }
  const auto served = service_->served();
  for (const auto& [path, bytes] : *served) {
    if (!absl::StartsWith(path, "targets/")) continue;
    http::Response r = Get("/tuf/" + path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, bytes);
    EXPECT_EQ(r.headers.Get("Cache-Control").value_or(""), "public, max-age=31536000, immutable")
        << path;
  }
  EXPECT_EQ(Get("/tuf/2.root.json").status, 404);
  EXPECT_EQ(Get("/tuf/../vouch.db").status, 404);

  const std::string cache = TempDir();
  ASSERT_THAT(client::Updater::Bootstrap(cache, Get("/tuf/1.root.json").body), IsOk());
  RouterFetcher fetcher(&router_);
  client::UpdaterOptions o;
  o.metadata_url = "http://vouchd/tuf";
  o.cache_dir = cache;
  o.fetcher = &fetcher;
  o.clock = &clock_;
  auto u = client::Updater::New(o);
  ASSERT_THAT(u, IsOk());
  ASSERT_THAT((*u)->Refresh(), IsOk());
  EXPECT_EQ(*(*u)->GetTarget("trusted_root.json"), "{\"old\":true}");

  // A newly signed targets file is served at the next request, with a new snapshot.
  AddTarget("{\"current\":true}");
  ASSERT_THAT((*u)->Refresh(), IsOk());
  EXPECT_EQ(*(*u)->GetTarget("trusted_root.json"), "{\"current\":true}");
  EXPECT_EQ((*u)->targets_version(), 3);

  // The timestamp is re-signed before it expires: after 13 of its 24 hours.
  const int64_t before = *(*u)->timestamp_version();
  clock_.Advance(absl::Hours(13));
  ASSERT_THAT(service_->Refresh(), IsOk());
  clock_.Advance(absl::Hours(12));  // past the first timestamp's expiry
  ASSERT_THAT((*u)->Refresh(), IsOk());
  EXPECT_EQ(*(*u)->timestamp_version(), before + 1);
}

// After a key rotation vouchd's trusted root is not the one the targets list: the log still works
// (SERVING), but /healthz warns naming the target and the offline step, and the gauge
// vouch_tuf_targets_stale is 1, until the new targets are signed.
TEST_F(TufServiceTest, StaleTargetsAreAHealthWarningAndAGaugeUntilSignedAgain) {
  // No repository yet: nothing is stale.
  EXPECT_EQ(StaleGauge(), "0");
  EXPECT_TRUE(health_.Check().warnings.empty());
  InitRepository();  // targets v1 lists nothing
  ASSERT_THAT(service_->Refresh(), IsOk());
  EXPECT_EQ(service_->stale_targets(), std::vector<std::string>{"trusted_root.json"});
  EXPECT_EQ(StaleGauge(), "1");
  ASSERT_EQ(health_.Check().warnings.size(), 1u);
  EXPECT_THAT(health_.Check().warnings[0],
              HasSubstr("tuf.targets: targets v1: trusted_root.json is not listed"));

  AddTarget("{\"before-rotation\":true}");  // targets v2: another trusted root
  ASSERT_THAT(service_->Refresh(), IsOk());
  EXPECT_EQ(service_->stale_targets(), std::vector<std::string>{"trusted_root.json"});
  EXPECT_EQ(StaleGauge(), "1");
  const HealthReport h = health_.Check();
  EXPECT_TRUE(h.serving);
  ASSERT_EQ(h.warnings.size(), 1u);
  EXPECT_THAT(h.warnings[0],
              HasSubstr("tuf.targets: targets v2: trusted_root.json differs from this vouchd's"));
  EXPECT_THAT(h.warnings[0], HasSubstr("save GET /api/v1/trustedRoot as trusted_root.json"));
  EXPECT_THAT(h.warnings[0],
              HasSubstr("vouch-tuf add-target --repo " + data_ +
                        "/tuf --target trusted_root.json=trusted_root.json --key TARGETS_KEY"));
  EXPECT_THAT(h.Json(), HasSubstr("\"warnings\""));

  AddTarget("{\"current\":true}");  // signed offline: targets v3 lists vouchd's trusted root
  Get("/tuf/timestamp.json");       // picked up at the next request
  EXPECT_TRUE(service_->stale_targets().empty());
  EXPECT_EQ(StaleGauge(), "0");
  EXPECT_TRUE(health_.Check().warnings.empty());
}

TEST_F(TufServiceTest, TamperedOrUnderSignedFilesAreNotServed) {
  InitRepository();
  AddTarget("{\"a\":1}");
  ASSERT_THAT(service_->Refresh(), IsOk());
  auto files = service_->served();
  std::string target;
  for (const auto& [path, bytes] : *files) {
    if (absl::StartsWith(path, "targets/")) target = path;
  }
  ASSERT_FALSE(target.empty());
  EXPECT_EQ(Get("/tuf/" + target).status, 200);
  ASSERT_THAT(tuf::WriteFileAtomic(data_ + "/tuf/" + target, "{\"a\":2}", 0644), IsOk());
  ASSERT_THAT(service_->Refresh(), IsOk());
  EXPECT_EQ(Get("/tuf/" + target).status, 404);
  // A root v2 signed by a key the root does not list.
  auto rogue = *tuf::PrivateKey::Generate(signer::KeyType::kEcdsaP256);
  tuf::Root r = tuf::LoadRepository(data_ + "/tuf")->root;
  r.version = 2;
  auto e = tuf::NewEnvelope(tuf::RootJson(r));
  ASSERT_THAT(tuf::AddSignature(&*e, *rogue), IsOk());
  ASSERT_THAT(tuf::WriteFileAtomic(data_ + "/tuf/2.root.json", tuf::SerializeEnvelope(*e), 0644),
              IsOk());
  EXPECT_EQ(Get("/tuf/2.root.json").status, 404);
}

TEST_F(TufServiceTest, OnlineKeysAreStableAcrossRestarts) {
  const std::string keyid = service_->timestamp_key().keyid();
  TufServiceOptions o;
  o.repo_dir = data_ + "/tuf";
  o.snapshot_key_path = data_ + "/tuf_snapshot_key.pem";
  o.timestamp_key_path = data_ + "/tuf_timestamp_key.pem";
  auto again = TufService::New(o);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ((*again)->timestamp_key().keyid(), keyid);
}

// ---- Front ends sharing one PostgreSQL database (tuf/postgres_metadata_store.h)

// A router per front end, and a TUF client whose every fetch goes to the next front end (a load
// balancer spreading one client's requests).
class RoundRobinFetcher : public client::Fetcher {
 public:
  explicit RoundRobinFetcher(std::vector<const http::Router*> routers) : routers_(routers) {}
  absl::StatusOr<std::string> Fetch(const std::string& url, size_t max_bytes) override {
    RouterFetcher f(routers_[next_++ % routers_.size()]);
    return f.Fetch(url, max_bytes);
  }

 private:
  std::vector<const http::Router*> routers_;
  size_t next_ = 0;
};

class TufServicePostgresTest : public ::testing::Test {
 protected:
  struct FrontEnd {
    std::unique_ptr<TufService> service;
    http::Router router;
    Health health;
    http::Response Get(const std::string& path) {
      http::Request req;
      req.method = "GET";
      req.path = path;
      req.target = path;
      http::Response res;
      router.Dispatch(req, [&](http::Response r) { res = std::move(r); });
      return res;
    }
  };

  void SetUp() override {
    VOUCH_REQUIRE_TEST_POSTGRES();
    data_ = TempDir();
    schema_ = log::NewTestSchema();
  }
  // A vouchd front end on the shared database, with the online key files every front end has.
  std::unique_ptr<FrontEnd> NewFrontEnd() {
    auto f = std::make_unique<FrontEnd>();
    tuf::PostgresMetadataOptions po;
    po.schema = schema_;
    auto store = tuf::PostgresMetadataStore::Open(log::TestPostgresUrl(), po);
    EXPECT_THAT(store, IsOk());
    if (!store.ok()) return nullptr;
    TufServiceOptions o;
    o.store = std::move(*store);
    o.snapshot_key_path = data_ + "/tuf_snapshot_key.pem";
    o.timestamp_key_path = data_ + "/tuf_timestamp_key.pem";
    o.clock = &clock_;
    o.expected_targets["trusted_root.json"] = "{\"current\":true}";
    o.health = &f->health;
    auto s = TufService::New(o);
    EXPECT_THAT(s, IsOk());
    if (!s.ok()) return nullptr;
    f->service = std::move(*s);
    f->service->RegisterHttp(f->router);
    return f;
  }
  // The operator: signs root and targets offline in a directory, then imports them.
  void PublishOffline(const std::string& target) {
    const std::string dir = data_ + "/offline";
    if (!tuf::LoadRepository(dir).ok()) {
      tuf::InitOptions o;
      o.root_keys = {root_key_->public_key()};
      o.targets_keys = {targets_key_->public_key()};
      o.snapshot_key =
          *tuf::PublicKey::FromPem(*tuf::ReadWholeFile(data_ + "/tuf_snapshot_key.pem.pub"));
      o.timestamp_key =
          *tuf::PublicKey::FromPem(*tuf::ReadWholeFile(data_ + "/tuf_timestamp_key.pem.pub"));
      const tuf::PrivateKey* signers[] = {root_key_.get(), targets_key_.get()};
      ASSERT_THAT(tuf::Init(dir, o, signers, clock_.Now()), IsOk());
    }
    const tuf::PrivateKey* signers[] = {targets_key_.get()};
    ASSERT_THAT(tuf::UpdateTargets(dir, {{"trusted_root.json", target}}, {}, nullptr, signers,
                                   absl::Hours(24 * 180), clock_.Now()),
                IsOk());
    tuf::PostgresMetadataOptions po;
    po.schema = schema_;
    auto store = tuf::PostgresMetadataStore::Open(log::TestPostgresUrl(), po);
    ASSERT_THAT(store, IsOk());
    ASSERT_THAT((*store)->PublishOffline(*tuf::LoadRepository(dir)), IsOk());
  }
  static int64_t VersionOf(const std::string& timestamp) {
    auto e = tuf::ParseEnvelope(timestamp, tuf::kTimestamp);
    return e.ok() ? e->version : -1;
  }

  FakeClock clock_{kStart};
  std::string data_, schema_;
  std::unique_ptr<tuf::PrivateKey> root_key_ =
      *tuf::PrivateKey::Generate(signer::KeyType::kEd25519);
  std::unique_ptr<tuf::PrivateKey> targets_key_ =
      *tuf::PrivateKey::Generate(signer::KeyType::kEcdsaP256);
};

TEST_F(TufServicePostgresTest, FrontEndsServeTheSameTimestampAndAClientMovesBetweenThem) {
  auto a = NewFrontEnd(), b = NewFrontEnd();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->Get("/tuf/1.root.json").status, 404);
  PublishOffline("{\"old\":true}");
  // Both see the import at their next request; one signs timestamp v1, the other serves it.
  http::Response ta = a->Get("/tuf/timestamp.json"), tb = b->Get("/tuf/timestamp.json");
  ASSERT_EQ(ta.status, 200) << ta.body;
  ASSERT_EQ(tb.status, 200) << tb.body;
  EXPECT_EQ(ta.body, tb.body);
  EXPECT_EQ(VersionOf(ta.body), 1);
  EXPECT_EQ(*a->service->served(), *b->service->served());

  const std::string cache = TempDir();
  ASSERT_THAT(client::Updater::Bootstrap(cache, a->Get("/tuf/1.root.json").body), IsOk());
  RoundRobinFetcher fetcher({&a->router, &b->router});
  client::UpdaterOptions uo;
  uo.metadata_url = "http://vouchd/tuf";
  uo.cache_dir = cache;
  uo.fetcher = &fetcher;
  uo.clock = &clock_;
  auto u = client::Updater::New(uo);
  ASSERT_THAT(u, IsOk());
  ASSERT_THAT((*u)->Refresh(), IsOk());
  EXPECT_EQ(*(*u)->GetTarget("trusted_root.json"), "{\"old\":true}");

  // Front end a re-signs the timestamp; b serves a's new version at its next request (no
  // rollback for a client that saw it from a).
  clock_.Advance(absl::Hours(13));
  ASSERT_THAT(a->service->Refresh(), IsOk());
  ta = a->Get("/tuf/timestamp.json");
  tb = b->Get("/tuf/timestamp.json");
  EXPECT_EQ(VersionOf(ta.body), 2);
  EXPECT_EQ(ta.body, tb.body);
  // New targets signed offline and imported: both serve them, with one new snapshot.
  PublishOffline("{\"current\":true}");
  ASSERT_THAT((*u)->Refresh(), IsOk());
  EXPECT_EQ(*(*u)->GetTarget("trusted_root.json"), "{\"current\":true}");
  EXPECT_EQ(a->Get("/tuf/timestamp.json").body, b->Get("/tuf/timestamp.json").body);
  EXPECT_EQ(VersionOf(b->Get("/tuf/timestamp.json").body), 3);
  EXPECT_EQ(a->Get("/tuf/3.snapshot.json").status, 404);
  EXPECT_EQ(b->Get("/tuf/2.snapshot.json").status, 200);
}

TEST_F(TufServicePostgresTest, StaleTargetsWarningSaysHowToPublishIntoTheDatabase) {
  auto a = NewFrontEnd();
  ASSERT_TRUE(a);
  PublishOffline("{\"before-rotation\":true}");
  EXPECT_EQ(a->Get("/tuf/timestamp.json").status, 200);
  ASSERT_EQ(a->health.Check().warnings.size(), 1u);
  EXPECT_THAT(a->health.Check().warnings[0],
              HasSubstr("vouch-tuf add-target --repo OFFLINE_DIR --target "
                        "trusted_root.json=trusted_root.json --key TARGETS_KEY and vouch-tuf "
                        "publish --repo OFFLINE_DIR --storage URL (into "));
  EXPECT_THAT(a->health.Check().warnings[0], HasSubstr("schema " + schema_));
}

// Four front ends re-signing at the same moment, six times: each time exactly one of them signs
// (one new version), and afterwards all four serve the same bytes.
TEST_F(TufServicePostgresTest, ConcurrentRefreshesSignOneVersionPerRound) {
  std::vector<std::unique_ptr<FrontEnd>> fronts;
  for (int i = 0; i < 4; ++i) {
    fronts.push_back(NewFrontEnd());
    ASSERT_TRUE(fronts.back());
  }
  PublishOffline("{\"current\":true}");
  int64_t version = VersionOf(fronts[0]->Get("/tuf/timestamp.json").body);
  EXPECT_EQ(version, 1);
  for (int round = 0; round < 6; ++round) {
    clock_.Advance(absl::Hours(13));
    std::vector<std::thread> threads;
    std::vector<absl::Status> results(fronts.size());
    for (size_t i = 0; i < fronts.size(); ++i) {
      threads.emplace_back([&, i] { results[i] = fronts[i]->service->Refresh(); });
    }
    for (auto& t : threads) t.join();
    for (const absl::Status& s : results) EXPECT_THAT(s, IsOk());
    const std::string first = fronts[0]->Get("/tuf/timestamp.json").body;
    EXPECT_EQ(VersionOf(first), ++version) << "round " << round;
    for (auto& f : fronts) EXPECT_EQ(f->Get("/tuf/timestamp.json").body, first);
  }
}

TEST_F(TufServicePostgresTest, TamperedRowIsNotServed) {
  auto a = NewFrontEnd();
  ASSERT_TRUE(a);
  PublishOffline("{\"a\":1}");
  ASSERT_THAT(a->service->Refresh(), IsOk());
  std::string target;
  for (const auto& [path, bytes] : *a->service->served()) {
    if (absl::StartsWith(path, "targets/")) target = path;
  }
  ASSERT_FALSE(target.empty());
  EXPECT_EQ(a->Get("/tuf/" + target).status, 200);
  ASSERT_THAT(log::ExecTestPostgres(schema_, "UPDATE target_files SET bytes = '\\x00'"), IsOk());
  ASSERT_THAT(a->service->Refresh(), IsOk());
  EXPECT_EQ(a->Get("/tuf/" + target).status, 404);
  auto b = NewFrontEnd();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->Get("/tuf/" + target).status, 404);
  EXPECT_EQ(b->Get("/tuf/timestamp.json").status, 200);
}

}  // namespace
}  // namespace vouch::server
