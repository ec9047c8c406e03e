// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The MetadataStore contract over both stores (a directory; PostgreSQL, in the server tools/test
// starts), then what only the shared database does: one writer per version (compare-and-set),
// the offline import, and its errors.
#include "tuf/metadata_store.h"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/postgres_testing.h"
#include "tests/status_matchers.h"
#include "tuf/directory_metadata_store.h"
#include "tuf/postgres_metadata_store.h"
#include "tuf/repository.h"

namespace vouch::tuf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string TempDir() {
  std::string t =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/tufstoreXXXXXX");
  return mkdtemp(t.data());
}

std::unique_ptr<PrivateKey> Key(signer::KeyType t = signer::KeyType::kEcdsaP256) {
  return *PrivateKey::Generate(t);
}

// The offline side: a repository directory with root and targets signed, and the online keys.
struct Offline {
  std::string dir = TempDir() + "/repo";
  std::unique_ptr<PrivateKey> root = Key(signer::KeyType::kEd25519), targets = Key(),
                              snapshot = Key(), timestamp = Key();

  void Init() {
    InitOptions o;
    o.root_keys = {root->public_key()};
    o.targets_keys = {targets->public_key()};
    o.snapshot_key = snapshot->public_key();
    o.timestamp_key = timestamp->public_key();
    const PrivateKey* signers[] = {root.get(), targets.get()};
    ASSERT_THAT(tuf::Init(dir, o, signers, kNow), IsOk());
  }
  void AddTarget(const std::string& bytes) {
    const PrivateKey* signers[] = {targets.get()};
    ASSERT_THAT(UpdateTargets(dir, {{"trusted_root.json", bytes}}, {}, nullptr, signers,
                              absl::Hours(24 * 180), kNow),
                IsOk());
  }
};

absl::StatusOr<RepositoryState> Verified(MetadataStore& store) {
  auto files = store.Load();
  if (!files.ok()) return files.status();
  return VerifyRepository(*files, store.name());
}

absl::StatusOr<std::unique_ptr<PostgresMetadataStore>> OpenTestStore(const std::string& schema) {
  PostgresMetadataOptions o;
  o.schema = schema;
  return PostgresMetadataStore::Open(log::TestPostgresUrl(), o);
}

// Typed over the stores: "directory" serves the offline directory itself; "postgres" is a
// fresh schema into which the offline repository is imported.
class MetadataStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      VOUCH_REQUIRE_TEST_POSTGRES();
      schema_ = log::NewTestSchema();
      auto s = OpenTestStore(schema_);
      ASSERT_THAT(s, IsOk());
      pg_ = s->get();
      store_ = std::move(*s);
    } else {
      store_ = DirectoryMetadataStore::New(offline_.dir);
    }
  }
  // Makes what the offline tool signed visible in the store.
  void Publish() {
    if (pg_ == nullptr) return;  // the directory store is the offline directory
    auto state = LoadRepository(offline_.dir);
    ASSERT_THAT(state, IsOk());
    ASSERT_THAT(pg_->PublishOffline(*state), IsOk());
  }
  absl::StatusOr<bool> SignOnline(absl::Time now) {
    return PublishOnline(*store_, *offline_.snapshot, *offline_.timestamp, Expiries(), now);
  }

  Offline offline_;
  std::string schema_;
  std::unique_ptr<MetadataStore> store_;
  PostgresMetadataStore* pg_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreTest, ::testing::Values("directory", "postgres"),
                         [](const auto& info) { return info.param; });

TEST_P(MetadataStoreTest, EmptyStoreHoldsNoRepository) {
  auto files = store_->Load();
  ASSERT_THAT(files, IsOk());
  EXPECT_TRUE(files->files.empty());
  EXPECT_THAT(VerifyRepository(*files, store_->name()), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(SignOnline(kNow), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(MetadataStoreTest, ServesWhatTheOfflineDirectoryHoldsAndSignsOnline) {
  offline_.Init();
  offline_.AddTarget("{\"a\":1}");
  Publish();
  auto signed_now = SignOnline(kNow);
  ASSERT_THAT(signed_now, IsOk());
  EXPECT_TRUE(*signed_now);
  auto s = Verified(*store_);
  ASSERT_THAT(s, IsOk());
  auto offline = LoadRepository(offline_.dir);
  ASSERT_THAT(offline, IsOk());
  EXPECT_EQ(s->root_files, offline->root_files);
  EXPECT_EQ(s->targets_files, offline->targets_files);
  EXPECT_EQ(s->target_files, offline->target_files);
  EXPECT_EQ(s->target_files.size(), 1u);
  ASSERT_TRUE(s->timestamp.has_value());
  EXPECT_EQ(s->timestamp->version, 1);
  ASSERT_TRUE(s->snapshot.has_value());
  EXPECT_EQ(s->snapshot->meta.at("targets.json").version, 2);
  EXPECT_TRUE(s->warnings.empty()) << s->warnings[0];

  // Current: nothing to sign. Past half the timestamp's life: version 2.
  EXPECT_THAT(SignOnline(kNow + absl::Hours(1)), IsOk());
  EXPECT_FALSE(*SignOnline(kNow + absl::Hours(1)));
  EXPECT_TRUE(*SignOnline(kNow + absl::Hours(13)));
  s = Verified(*store_);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->timestamp->version, 2);
  EXPECT_EQ(s->snapshot->version, 1);
}

// ---- PostgreSQL only

class PostgresMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VOUCH_REQUIRE_TEST_POSTGRES();
    schema_ = log::NewTestSchema();
    auto s = OpenTestStore(schema_);
    ASSERT_THAT(s, IsOk());
    store_ = std::move(*s);
    offline_.Init();
    offline_.AddTarget("{\"a\":1}");
    auto state = LoadRepository(offline_.dir);
    ASSERT_THAT(state, IsOk());
    ASSERT_THAT(store_->PublishOffline(*state), IsOk());
  }
  absl::StatusOr<bool> SignOnline(PostgresMetadataStore& store, absl::Time now) {
    return PublishOnline(store, *offline_.snapshot, *offline_.timestamp, Expiries(), now);
  }
  absl::Status Sql(const std::string& sql) { return log::ExecTestPostgres(schema_, sql); }

  Offline offline_;
  std::string schema_;
  std::unique_ptr<PostgresMetadataStore> store_;
};

TEST_F(PostgresMetadataStoreTest, OpenIsIdempotentAndChecksTheSchemaVersion) {
  auto again = OpenTestStore(schema_);
  ASSERT_THAT(again, IsOk());
  auto s = Verified(**again);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->targets->version, 2);
  ASSERT_THAT(Sql("UPDATE meta SET value = '99' WHERE key = 'schema_version'"), IsOk());
  auto newer = OpenTestStore(schema_);
  EXPECT_THAT(newer, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("version 99")));
}

TEST_F(PostgresMetadataStoreTest, OpenErrorsNameTheProblemWithoutThePassword) {
  PostgresMetadataOptions bad;
  bad.schema = "Vouch; DROP";
  EXPECT_THAT(PostgresMetadataStore::Open(log::TestPostgresUrl(), bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("schema")));
  auto down = PostgresMetadataStore::Open("postgres://vouch:s3cret@127.0.0.1:1/vouch");
  EXPECT_THAT(down, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot connect")));
  EXPECT_THAT(down.status().message(), Not(HasSubstr("s3cret")));
}

TEST_F(PostgresMetadataStoreTest, GenerationChangesWithEveryWriteOnly) {
  auto before = store_->Load();
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(*store_->Generation(), before->generation);
  ASSERT_TRUE(*SignOnline(*store_, kNow));
  EXPECT_NE(*store_->Generation(), before->generation);
  auto after = store_->Load();
  EXPECT_EQ(*store_->Generation(), after->generation);
  // An import that adds nothing changes nothing.
  ASSERT_THAT(store_->PublishOffline(*LoadRepository(offline_.dir)), IsOk());
  EXPECT_EQ(*store_->Generation(), after->generation);
}

// Two front ends that decided from the same state to sign the same versions: the first
// commits, the second is refused and nothing of it is written.
TEST_F(PostgresMetadataStoreTest, SecondWriterOfAVersionIsRefused) {
  auto state = Verified(*store_);
  ASSERT_THAT(state, IsOk());
  auto first = PlanOnline(*state, *offline_.snapshot, *offline_.timestamp, Expiries(), kNow);
  auto second = PlanOnline(*state, *offline_.snapshot, *offline_.timestamp, Expiries(),
                           kNow + absl::Seconds(1));
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  ASSERT_TRUE(first->has_value() && second->has_value());
  EXPECT_EQ((*first)->timestamp_version, (*second)->timestamp_version);
  auto other = OpenTestStore(schema_);
  ASSERT_THAT(other, IsOk());
  ASSERT_THAT(store_->PublishOnline(**first), IsOk());
  EXPECT_THAT((*other)->PublishOnline(**second),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("v1 is published")));
  // A timestamp-only write below the newest is refused too.
  OnlineWrite stale = **second;
  stale.snapshot_version.reset();
  EXPECT_THAT((*other)->PublishOnline(stale), StatusIs(absl::StatusCode::kAlreadyExists));
  auto files = (*other)->Load();
  ASSERT_THAT(files, IsOk());
  EXPECT_EQ(files->files.at("timestamp.json"), (*first)->timestamp);
  EXPECT_EQ(files->files.at("1.snapshot.json"), (*first)->snapshot);
  EXPECT_EQ(files->max_timestamp_version, 1);
}

// Front ends (each with its own connection) signing concurrently while time moves on: each
// version is signed once, versions have no gaps and no duplicates, and no front end ever loads
// a timestamp older than one it loaded before.
TEST_F(PostgresMetadataStoreTest, ConcurrentSignersProduceOneIncreasingSequence) {
  constexpr int kFrontEnds = 4, kAttempts = 15;
  std::vector<std::unique_ptr<PostgresMetadataStore>> stores;
  for (int i = 0; i < kFrontEnds; ++i) {
    auto s = OpenTestStore(schema_);
    ASSERT_THAT(s, IsOk());
    stores.push_back(std::move(*s));
  }
  std::atomic<int> tick{0};
  absl::Mutex mu;
  std::vector<int64_t> signed_versions;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int i = 0; i < kFrontEnds; ++i) {
    threads.emplace_back([&, i] {
      int64_t last_seen = 0;
      for (int a = 0; a < kAttempts; ++a) {
        // Every attempt is 7 hours later: about every second one finds the timestamp past half
        // its life, and the snapshot too now and then.
        const absl::Time now = kNow + absl::Hours(7) * tick.fetch_add(1);
        auto wrote = SignOnline(*stores[i], now);
        auto s = Verified(*stores[i]);
        absl::MutexLock l(&mu);
        if (!wrote.ok() && !absl::IsAlreadyExists(wrote.status())) {
          errors.push_back(wrote.status().ToString());
        }
        if (!s.ok() || !s->timestamp.has_value()) {
          errors.push_back(s.ok() ? "no timestamp" : s.status().ToString());
          continue;
        }
        if (s->timestamp->version < last_seen) {
          errors.push_back(absl::StrCat("front end ", i, " saw v", s->timestamp->version,
                                        " after v", last_seen));
        }
        last_seen = s->timestamp->version;
        if (wrote.ok() && *wrote) signed_versions.push_back(last_seen);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(errors.empty()) << errors[0];
  // Each version was signed by one front end only.
  std::sort(signed_versions.begin(), signed_versions.end());
  EXPECT_TRUE(std::adjacent_find(signed_versions.begin(), signed_versions.end()) ==
              signed_versions.end());
  // The rows: versions 1..N, each once (the primary key and the refusal), N > 1.
  auto s = Verified(*store_);
  ASSERT_THAT(s, IsOk());
  const int64_t newest = s->timestamp->version;
  EXPECT_GT(newest, 5);
  EXPECT_THAT(
      Sql(absl::StrCat("DO $$ BEGIN IF (SELECT count(*) FROM metadata WHERE role = 'timestamp') "
                       "<> ",
                       newest,
                       " OR (SELECT count(DISTINCT version) FROM metadata WHERE role = "
                       "'timestamp') <> ",
                       newest, " THEN RAISE EXCEPTION 'gaps or duplicates'; END IF; END $$")),
      IsOk());
  EXPECT_GT(s->snapshot->version, 1);
  EXPECT_TRUE(s->warnings.empty()) << s->warnings[0];
}

TEST_F(PostgresMetadataStoreTest, TamperedRowsAreNotServed) {
  ASSERT_TRUE(*SignOnline(*store_, kNow));
  auto good = Verified(*store_);
  ASSERT_THAT(good, IsOk());
  ASSERT_EQ(good->target_files.size(), 1u);
  const std::string target = good->target_files.begin()->first;
  // A target file with other bytes, a timestamp with a changed byte, a root v2 signed by a key
  // the root does not list.
  ASSERT_THAT(Sql("UPDATE target_files SET bytes = convert_to('{\"a\":2}', 'UTF8')"), IsOk());
  ASSERT_THAT(Sql("UPDATE metadata SET bytes = overlay(bytes PLACING 'X'::bytea FROM 60) "
                  "WHERE role = 'timestamp'"),
              IsOk());
  auto rogue = Key();
  Root r = good->root;
  r.version = 2;
  auto e = NewEnvelope(RootJson(r));
  ASSERT_THAT(AddSignature(&*e, *rogue), IsOk());
  ASSERT_THAT(Sql(absl::StrCat("INSERT INTO metadata(role, version, bytes) VALUES ('root', 2, "
                               "convert_to('",
                               SerializeEnvelope(*e), "', 'UTF8'))")),
              IsOk());
  auto s = Verified(*store_);
  ASSERT_THAT(s, IsOk());
  EXPECT_TRUE(s->target_files.empty());
  EXPECT_FALSE(s->timestamp_file.has_value());
  EXPECT_EQ(s->root_files.size(), 1u);
  EXPECT_EQ(s->warnings.size(), 3u);
  // The next timestamp goes above the tampered row's version, and is served.
  ASSERT_TRUE(*SignOnline(*store_, kNow));
  s = Verified(*store_);
  ASSERT_THAT(s, IsOk());
  ASSERT_TRUE(s->timestamp.has_value());
  EXPECT_EQ(s->timestamp->version, 2);
  // A timestamp filed under another version than it says is not served either.
  ASSERT_THAT(Sql("INSERT INTO metadata(role, version, bytes) SELECT 'timestamp', 7, bytes FROM "
                  "metadata WHERE role = 'timestamp' AND version = 2"),
              IsOk());
  s = Verified(*store_);
  EXPECT_FALSE(s->timestamp_file.has_value());
  EXPECT_THAT(s->warnings, ::testing::Contains(HasSubstr("filed as 7")));
  ASSERT_TRUE(*SignOnline(*store_, kNow));
  EXPECT_EQ(Verified(*store_)->timestamp->version, 8);
  // A root the offline directory does not have stops the import (someone must look at it).
  EXPECT_THAT(store_->PublishOffline(*LoadRepository(offline_.dir)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("has root v2")));
  ASSERT_THAT(Sql("DELETE FROM metadata WHERE role = 'root' AND version = 2"), IsOk());
  // Importing the offline repository again puts back the target file (its name is its hash).
  ASSERT_THAT(store_->PublishOffline(*LoadRepository(offline_.dir)), IsOk());
  EXPECT_EQ(Verified(*store_)->target_files.count(target), 1u);
}

TEST_F(PostgresMetadataStoreTest, ImportRefusesAnotherOrAnOutOfDateRepository) {
  auto before = store_->Generation();
  Offline other;
  other.Init();
  EXPECT_THAT(store_->PublishOffline(*LoadRepository(other.dir)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("another 1.root.json")));
  EXPECT_EQ(*store_->Generation(), *before);
  // Root v2 published from the directory; an older copy of the directory is then refused.
  const std::string copy = TempDir();
  ASSERT_EQ(system(absl::StrCat("cp -a ", offline_.dir, " ", copy, "/repo").c_str()), 0);
  const PrivateKey* signers[] = {offline_.root.get()};
  ASSERT_THAT(RotateRoot(offline_.dir, {}, signers, absl::Hours(24 * 365), kNow), IsOk());
  auto out = store_->PublishOffline(*LoadRepository(offline_.dir));
  ASSERT_THAT(out, IsOk());
  EXPECT_EQ(out->written, std::vector<std::string>{"2.root.json"});
  EXPECT_THAT(store_->PublishOffline(*LoadRepository(copy + "/repo")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("only root v1")));
  EXPECT_EQ(Verified(*store_)->root_files.size(), 2u);
}

}  // namespace
}  // namespace vouch::tuf
