// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The TUF client against a repository built by //tuf:repository in a temporary directory (the
// mirror, read through FileFetcher), with one test per attack of the specification's section
// 1.5.2 that applies: arbitrary installation, rollback, indefinite freeze, endless data,
// mix-and-match, fast-forward, malicious mirrors, key compromise below threshold.
#include "client/tuf/updater.h"

#include <stdlib.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "client/tuf/http_fetcher.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/status_matchers.h"
#include "tuf/repository.h"

namespace vouch::client {
namespace {

using ::testing::HasSubstr;
using tuf::PrivateKey;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

const absl::Time kStart = absl::FromUnixSeconds(1800000000);
constexpr char kTrustedRoot[] =
    "{\"mediaType\":\"application/vnd.dev.sigstore.trustedroot.v0.2+json\"}";

std::string TempDir(const char* name) {
  std::string t =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/", name, "XXXXXX");
  return mkdtemp(t.data());
}

std::unique_ptr<PrivateKey> Key() { return *PrivateKey::Generate(signer::KeyType::kEcdsaP256); }

std::vector<const PrivateKey*> Ptrs(std::initializer_list<const PrivateKey*> l) { return l; }

class UpdaterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mirror_ = TempDir("mirror");
    cache_ = TempDir("cache");
    for (int i = 0; i < 3; ++i) targets_keys_.push_back(Key());
    tuf::InitOptions o;
    o.root_keys = {root_key_->public_key()};
    for (const auto& k : targets_keys_) o.targets_keys.push_back(k->public_key());
    o.targets_threshold = 2;
    o.snapshot_key = snapshot_key_->public_key();
    o.timestamp_key = timestamp_key_->public_key();
    ASSERT_THAT(
        tuf::Init(mirror_, o,
                  Ptrs({root_key_.get(), targets_keys_[0].get(), targets_keys_[1].get()}), kStart),
        IsOk());
    AddTarget("trusted_root.json", kTrustedRoot);
    ASSERT_THAT(Bootstrap(), IsOk());
  }

  void AddTarget(const std::string& name, const std::string& bytes) {
    ASSERT_THAT(tuf::UpdateTargets(mirror_, {{name, bytes}}, {}, nullptr,
                                   Ptrs({targets_keys_[0].get(), targets_keys_[2].get()}),
                                   absl::Hours(24 * 180), clock_.Now()),
                IsOk());
    Publish();
  }
  void Publish() {
    ASSERT_THAT(
        tuf::PublishOnline(mirror_, *snapshot_key_, *timestamp_key_, tuf::Expiries(), clock_.Now()),
        IsOk());
  }
  absl::Status Bootstrap() {
    return Updater::Bootstrap(cache_, *tuf::ReadWholeFile(mirror_ + "/1.root.json"));
  }
  std::unique_ptr<Updater> Client(Fetcher* fetcher) {
    UpdaterOptions o;
    o.metadata_url = "file://" + mirror_;
    o.cache_dir = cache_;
    o.fetcher = fetcher;
    o.clock = &clock_;
    auto u = Updater::New(o);
    EXPECT_THAT(u, IsOk());
    return u.ok() ? std::move(*u) : nullptr;
  }
  std::unique_ptr<Updater> Client() { return Client(&files_); }
  std::string Read(const std::string& name) { return *tuf::ReadWholeFile(mirror_ + "/" + name); }
  void Write(const std::string& name, const std::string& bytes) {
    ASSERT_THAT(tuf::WriteFileAtomic(mirror_ + "/" + name, bytes, 0644), IsOk());
  }
  // Signed metadata as an attacker holding |keys| would write it.
  std::string Signed(const nlohmann::json& signed_json,
                     std::initializer_list<const PrivateKey*> keys) {
    auto e = tuf::NewEnvelope(signed_json);
    EXPECT_THAT(e, IsOk());
    for (const PrivateKey* k : keys) EXPECT_THAT(tuf::AddSignature(&*e, *k), IsOk());
    return tuf::SerializeEnvelope(*e);
  }
  tuf::RepositoryState State() { return *tuf::LoadRepository(mirror_); }
  // A snapshot + timestamp (signed with the real online keys: they are assumed compromised in
  // the tests that use this) naming |targets_bytes| as targets version |version|.
  void ServeTargets(const std::string& targets_bytes, int64_t version) {
    const int64_t sv = State().max_snapshot_version + 1;
    tuf::Snapshot sn;
    sn.version = sv;
    sn.expires = clock_.Now() + absl::Hours(24);
    sn.meta["targets.json"] = {version, static_cast<int64_t>(targets_bytes.size()),
                               tuf::HashesOf(targets_bytes)};
    const std::string snap = Signed(tuf::SnapshotJson(sn), {snapshot_key_.get()});
    Write(absl::StrCat(version, ".targets.json"), targets_bytes);
    Write(absl::StrCat(sv, ".snapshot.json"), snap);
    tuf::Timestamp ts;
    ts.version = State().max_timestamp_version + 1;
    ts.expires = clock_.Now() + absl::Hours(24);
    ts.snapshot = {sv, static_cast<int64_t>(snap.size()), tuf::HashesOf(snap)};
    Write("timestamp.json", Signed(tuf::TimestampJson(ts), {timestamp_key_.get()}));
  }

  FakeClock clock_{kStart};
  FileFetcher files_;
  std::string mirror_, cache_;
  std::unique_ptr<PrivateKey> root_key_ = Key(), snapshot_key_ = Key(), timestamp_key_ = Key();
  std::vector<std::unique_ptr<PrivateKey>> targets_keys_;
};

TEST_F(UpdaterTest, RefreshThenOfflineFromTheCache) {
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  EXPECT_EQ(*u->GetTarget("trusted_root.json"), kTrustedRoot);
  EXPECT_THAT(u->GetTarget("other.json"), StatusIs(absl::StatusCode::kNotFound));
  // A new client without any mirror uses the cache while nothing has expired.
  auto offline = Client(nullptr);
  EXPECT_THAT(offline->GetTarget("trusted_root.json"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_THAT(offline->LoadCached(), IsOk());
  EXPECT_EQ(*offline->GetTarget("trusted_root.json", /*allow_download=*/false), kTrustedRoot);
  clock_.Advance(absl::Hours(25));
  EXPECT_THAT(offline->LoadCached(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("timestamp.json v")));
  // The repository keeps re-signing the timestamp; a refresh brings the cache up to date.
  Publish();
  auto again = Client();
  ASSERT_THAT(again->Refresh(), IsOk());
  EXPECT_THAT(again->LoadCached(), IsOk());
  EXPECT_EQ(again->timestamp_version(), 2);
}

TEST_F(UpdaterTest, RootChainWalkNeedsBothThresholds) {
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  // Two rotations, each to a fresh root key, signed by the old and the new key.
  std::unique_ptr<PrivateKey> k2 = Key(), k3 = Key();
  tuf::RootChange c;
  c.root_keys = {k2->public_key()};
  ASSERT_THAT(tuf::RotateRoot(mirror_, c, Ptrs({root_key_.get(), k2.get()}), absl::Hours(24 * 365),
                              clock_.Now()),
              IsOk());
  c.root_keys = {k3->public_key()};
  ASSERT_THAT(
      tuf::RotateRoot(mirror_, c, Ptrs({k2.get(), k3.get()}), absl::Hours(24 * 365), clock_.Now()),
      IsOk());
  ASSERT_EQ(State().root.version, 3);
  ASSERT_THAT(u->Refresh(), IsOk());
  EXPECT_EQ(u->root_version(), 3);
  EXPECT_EQ(Client()->root_version(), 3);  // persisted

  // A root v4 signed only by a new key (not by root v3's threshold) is refused...
  std::unique_ptr<PrivateKey> rogue = Key();
  tuf::Root r = State().root;
  r.version = 4;
  r.keys.clear();
  r.keys.emplace(rogue->keyid(), rogue->public_key());
  for (auto& [name, rk] : r.roles) {
    for (const std::string& id : rk.keyids) r.keys.emplace(id, State().root.keys.at(id));
  }
  r.roles[tuf::kRoot].keyids = {rogue->keyid()};
  Write("4.root.json", Signed(tuf::RootJson(r), {rogue.get()}));
  EXPECT_THAT(u->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("4.root.json by root v3")));
  // ... and one signed by root v3 but not by its own new key too.
  Write("4.root.json", Signed(tuf::RootJson(r), {k3.get()}));
  EXPECT_THAT(u->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("4.root.json by itself")));
  // A file named 4.root.json that says version 5.
  r.version = 5;
  r.roles[tuf::kRoot].keyids = {k3->keyid()};
  Write("4.root.json", Signed(tuf::RootJson(r), {k3.get()}));
  EXPECT_THAT(u->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("says version 5, want 4")));
  EXPECT_EQ(Client()->root_version(), 3);
}

TEST_F(UpdaterTest, ArbitraryInstallationTamperedTargetIsRefused) {
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  const tuf::TargetInfo info = State().targets->targets.at("trusted_root.json");
  const std::string file = "targets/" + info.hashes.at("sha256") + ".trusted_root.json";
  std::string evil = kTrustedRoot;
  evil[10] ^= 1;
  Write(file, evil);
  EXPECT_THAT(u->GetTarget("trusted_root.json"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("sha256")));
  // Nothing was cached: the next read still fails instead of returning the tampered bytes.
  EXPECT_THAT(u->GetTarget("trusted_root.json"), StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST_F(UpdaterTest, KeyCompromiseBelowThresholdIsRefused) {
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  // One of the three targets keys (threshold 2) and the online keys are compromised: the
  // attacker lists their own trusted root.
  tuf::Targets t = *State().targets;
  t.version += 1;
  t.targets["trusted_root.json"] = {5, tuf::HashesOf("evil!"), nullptr};
  ServeTargets(Signed(tuf::TargetsJson(t), {targets_keys_[1].get()}), t.version);
  EXPECT_THAT(u->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("1 of 2 required")));
  // Signed by a key that is no targets key at all: 0 of 2.
  ServeTargets(Signed(tuf::TargetsJson(t), {snapshot_key_.get()}), t.version);
  EXPECT_THAT(u->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("0 of 2 required")));
}

TEST_F(UpdaterTest, RollbackIsRefused) {
  const std::string old_timestamp = Read("timestamp.json");
  AddTarget("signing_config.v0.2.json", "{}");
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  ASSERT_EQ(u->targets_version(), 3);
  const tuf::Timestamp current = *State().timestamp;
  // An older, validly signed, unexpired timestamp.
  Write("timestamp.json", old_timestamp);
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kPermissionDenied,
                                     HasSubstr("version 1 < trusted 2 (rollback)")));
  // A newer timestamp naming an older snapshot.
  tuf::Timestamp ts = current;
  ts.version += 5;
  ts.snapshot.version -= 1;
  const std::string older_snapshot = Read(absl::StrCat(ts.snapshot.version, ".snapshot.json"));
  ts.snapshot.length = static_cast<int64_t>(older_snapshot.size());
  ts.snapshot.hashes = tuf::HashesOf(older_snapshot);
  Write("timestamp.json", Signed(tuf::TimestampJson(ts), {timestamp_key_.get()}));
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kPermissionDenied,
                                     HasSubstr("snapshot version 1 < trusted 2 (rollback)")));
  // A newer snapshot naming an older targets version (online keys compromised).
  ServeTargets(Read("2.targets.json"), 2);
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kPermissionDenied,
                                     HasSubstr("targets.json version 2 < trusted 3 (rollback)")));
}

TEST_F(UpdaterTest, IndefiniteFreezeIsRefused) {
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  // The mirror keeps serving the same (valid when signed) files; time passes.
  clock_.Advance(absl::Hours(24) + absl::Seconds(1));
  EXPECT_THAT(u->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("timestamp v1 expired")));
  // A fresh timestamp over a snapshot that expired is refused too.
  clock_.Advance(absl::Hours(24 * 7));
  tuf::Timestamp ts = *State().timestamp;
  ts.version += 1;
  ts.expires = clock_.Now() + absl::Hours(1);
  Write("timestamp.json", Signed(tuf::TimestampJson(ts), {timestamp_key_.get()}));
  EXPECT_THAT(Client()->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("snapshot v1 expired")));
  // And a root that expired.
  clock_.Advance(absl::Hours(24 * 365));
  EXPECT_THAT(Client()->Refresh(),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("root v1 expired")));
}

TEST_F(UpdaterTest, EndlessDataIsCutOff) {
  auto u = Client();
  // A timestamp.json of 20000 bytes (limit 16384): refused without reading it all.
  Write("timestamp.json", std::string(20000, ' '));
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("16384")));
  Publish();  // the repository replaces the unparsable file with a signed timestamp
  ASSERT_THAT(u->Refresh(), IsOk());
  // A target longer than its listed length.
  const tuf::TargetInfo info = State().targets->targets.at("trusted_root.json");
  Write("targets/" + info.hashes.at("sha256") + ".trusted_root.json",
        std::string(kTrustedRoot) + std::string(1 << 20, 'x'));
  EXPECT_THAT(u->GetTarget("trusted_root.json"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr(absl::StrCat("more than ", info.length))));
}

TEST(HttpFetcherTest, EndlessStreamIsCutOffAtTheLimit) {
  httplib::Server server;
  server.Get("/tuf/timestamp.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
      static const std::string chunk(4096, 'x');
      return sink.write(chunk.data(), chunk.size());  // never ends
    });
  });
  server.Get("/tuf/1.root.json",
             [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::yield();
  HttpFetcher fetcher(absl::Seconds(20));
  const std::string base = absl::StrCat("http://127.0.0.1:", port, "/tuf/");
  EXPECT_THAT(fetcher.Fetch(base + "timestamp.json", 16384),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("16384")));
  EXPECT_THAT(fetcher.Fetch(base + "2.root.json", 100), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(fetcher.Fetch(base + "1.root.json", 100),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("500")));
  server.stop();
  t.join();
}

TEST_F(UpdaterTest, MixAndMatchIsRefused) {
  AddTarget("signing_config.v0.2.json", "{}");
  // The mirror serves snapshot v1's bytes under the name timestamp v2 asks for (2.snapshot.json).
  Write("2.snapshot.json", Read("1.snapshot.json"));
  // (Refused for its length: longer is cut off at the listed length, shorter is a mismatch.)
  auto u = Client();
  absl::Status s = u->Refresh();
  EXPECT_TRUE(absl::IsPermissionDenied(s) || absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("2.snapshot.json"));
  // Targets v2 served where the snapshot names v3.
  Publish();
  clock_.Advance(absl::Hours(24 * 4));
  Publish();  // a new snapshot v3 naming targets v3, and its timestamp
  Write("3.targets.json", Read("2.targets.json"));
  s = Client()->Refresh();
  EXPECT_TRUE(absl::IsPermissionDenied(s) || absl::IsResourceExhausted(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("3.targets.json"));
}

TEST_F(UpdaterTest, FastForwardAttackRecoveryAfterKeyRotation) {
  auto u = Client();
  ASSERT_THAT(u->Refresh(), IsOk());
  // The timestamp key is compromised: a timestamp with version 1000 is accepted (the client
  // cannot tell), and then the legitimate timestamp looks like a rollback.
  tuf::Timestamp ts = *State().timestamp;
  ts.version = 1000;
  Write("timestamp.json", Signed(tuf::TimestampJson(ts), {timestamp_key_.get()}));
  ASSERT_THAT(u->Refresh(), IsOk());
  ASSERT_EQ(u->timestamp_version(), 1000);
  ::unlink((mirror_ + "/timestamp.json").c_str());
  clock_.Advance(absl::Hours(13));
  Publish();  // version 1001: the repository's counter follows the file it found
  ts = *State().timestamp;
  ts.version = 3;
  Write("timestamp.json", Signed(tuf::TimestampJson(ts), {timestamp_key_.get()}));
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("rollback")));
  // Recovery: the root rotates the timestamp key; the client forgets the inflated timestamp.
  std::unique_ptr<PrivateKey> new_ts = Key();
  tuf::RootChange c;
  c.timestamp_key = new_ts->public_key();
  ASSERT_THAT(
      tuf::RotateRoot(mirror_, c, Ptrs({root_key_.get()}), absl::Hours(24 * 365), clock_.Now()),
      IsOk());
  ts.version = 2;
  Write("timestamp.json", Signed(tuf::TimestampJson(ts), {new_ts.get()}));
  ASSERT_THAT(u->Refresh(), IsOk());
  EXPECT_EQ(u->timestamp_version(), 2);
  EXPECT_EQ(u->root_version(), 2);
}

TEST_F(UpdaterTest, MaliciousMirrorServingTheWrongFiles) {
  auto u = Client();
  // A snapshot served as the timestamp.
  Write("timestamp.json", Read("1.snapshot.json"));
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("_type")));
  // A timestamp signed by the snapshot key.
  ASSERT_FALSE(State().timestamp.has_value());
  tuf::Timestamp ts;
  ts.version = 7;
  ts.expires = clock_.Now() + absl::Hours(1);
  const std::string snap = Read("1.snapshot.json");
  ts.snapshot = {1, static_cast<int64_t>(snap.size()), tuf::HashesOf(snap)};
  Write("timestamp.json", Signed(tuf::TimestampJson(ts), {snapshot_key_.get()}));
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("0 of 1")));
  // Garbage instead of JSON, and a missing root file are errors, not crashes.
  Write("timestamp.json", std::string("\x00\xff{", 3));
  EXPECT_THAT(u->Refresh(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Updater::Bootstrap(cache_, "{\"signed\": 1}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::client
