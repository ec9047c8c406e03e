// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/tuf_http.h"

#include <stdlib.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/tuf/updater.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

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

}  // namespace
}  // namespace vouch::server
