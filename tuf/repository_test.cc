// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/repository.h"

#include <stdlib.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::tuf {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::vouch::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::string TempDir() {
  std::string t =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/tufrepoXXXXXX");
  return mkdtemp(t.data());
}

std::unique_ptr<PrivateKey> Key(signer::KeyType t = signer::KeyType::kEcdsaP256) {
  return *PrivateKey::Generate(t);
}

struct Keys {
  std::vector<std::unique_ptr<PrivateKey>> root, targets;
  std::unique_ptr<PrivateKey> snapshot = Key(), timestamp = Key(signer::KeyType::kEd25519);
  InitOptions Options(int64_t root_threshold, int64_t targets_threshold) const {
    InitOptions o;
    for (const auto& k : root) o.root_keys.push_back(k->public_key());
    for (const auto& k : targets) o.targets_keys.push_back(k->public_key());
    o.root_threshold = root_threshold;
    o.targets_threshold = targets_threshold;
    o.snapshot_key = snapshot->public_key();
    o.timestamp_key = timestamp->public_key();
    return o;
  }
};

std::vector<const PrivateKey*> Ptrs(std::initializer_list<const PrivateKey*> l) { return l; }

TEST(Repository, OneKeyRepositoryPublishesAtOnce) {
  const std::string dir = TempDir();
  Keys k;
  k.root.push_back(Key());
  k.targets.push_back(Key(signer::KeyType::kEd25519));
  auto out = Init(dir, k.Options(1, 1), Ptrs({k.root[0].get(), k.targets[0].get()}), kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  auto s = LoadRepository(dir);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->root.version, 1);
  ASSERT_TRUE(s->targets.has_value());
  EXPECT_EQ(s->targets->version, 1);
  EXPECT_FALSE(s->timestamp.has_value());
  EXPECT_THAT(Init(dir, k.Options(1, 1), {}, kNow), StatusIs(absl::StatusCode::kAlreadyExists));

  // Targets: the file goes to targets/SHA256.NAME and targets v2 lists it.
  auto t = UpdateTargets(dir, {{"trusted_root.json", "{\"a\":1}"}}, {}, nullptr,
                         Ptrs({k.targets[0].get()}), absl::Hours(24 * 30), kNow);
  ASSERT_TRUE(t.ok()) << t.status();
  s = LoadRepository(dir);
  ASSERT_EQ(s->targets->version, 2);
  const TargetInfo& info = s->targets->targets.at("trusted_root.json");
  EXPECT_EQ(info.length, 7);
  EXPECT_EQ(s->target_files.at(absl::StrCat(info.hashes.at("sha256"), ".trusted_root.json")),
            "{\"a\":1}");

  // Online: snapshot v1 + timestamp v1, then nothing until half the timestamp lifetime passed.
  Expiries ex;
  ASSERT_TRUE(*PublishOnline(dir, *k.snapshot, *k.timestamp, ex, kNow));
  EXPECT_FALSE(*PublishOnline(dir, *k.snapshot, *k.timestamp, ex, kNow + absl::Hours(11)));
  ASSERT_TRUE(*PublishOnline(dir, *k.snapshot, *k.timestamp, ex, kNow + absl::Hours(13)));
  s = LoadRepository(dir);
  EXPECT_EQ(s->timestamp->version, 2);
  EXPECT_EQ(s->timestamp->expires, kNow + absl::Hours(13 + 24));
  EXPECT_EQ(s->snapshot->version, 1);  // the snapshot had 6.5 of 7 days left
  EXPECT_EQ(s->timestamp->snapshot.version, 1);
  // A new targets version makes a new snapshot and timestamp.
  ASSERT_TRUE(UpdateTargets(dir, {}, {"trusted_root.json"}, nullptr, Ptrs({k.targets[0].get()}),
                            absl::Hours(24), kNow)
                  .ok());
  ASSERT_TRUE(*PublishOnline(dir, *k.snapshot, *k.timestamp, ex, kNow + absl::Hours(14)));
  s = LoadRepository(dir);
  EXPECT_EQ(s->snapshot->version, 2);
  EXPECT_EQ(s->snapshot->meta.at("targets.json").version, 3);
  EXPECT_EQ(s->timestamp->version, 3);
  // Wrong online keys are refused.
  EXPECT_THAT(PublishOnline(dir, *k.timestamp, *k.snapshot, ex, kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("snapshot key")));
}

TEST(Repository, TwoOfThreeCeremonyAndRotationNeedBothThresholds) {
  const std::string dir = TempDir();
  Keys k;
  for (int i = 0; i < 3; ++i)
    k.root.push_back(Key(i == 1 ? signer::KeyType::kEd25519 : signer::KeyType::kEcdsaP256));
  k.targets.push_back(Key());
  k.targets.push_back(Key());
  // One root key signs at init: root v1 stays staged, and so does targets v1.
  auto out = Init(dir, k.Options(2, 2), Ptrs({k.root[0].get(), k.targets[0].get()}), kNow);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_THAT(LoadRepository(dir), StatusIs(absl::StatusCode::kNotFound));
  // A key that is no root key cannot sign the staged root.
  EXPECT_THAT(Sign(dir, "root", Ptrs({k.snapshot.get()})),
              StatusIs(absl::StatusCode::kPermissionDenied));
  ASSERT_TRUE(Sign(dir, "root", Ptrs({k.root[2].get()})).ok());
  auto s = LoadRepository(dir);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE(s->targets.has_value());  // targets v1 has 1 of 2
  auto t = Sign(dir, "targets", Ptrs({k.targets[1].get()}));
  ASSERT_TRUE(t.ok()) << t.status();
  s = LoadRepository(dir);
  ASSERT_TRUE(s->targets.has_value());

  // Rotate: replace root key 0 by a new key; the new root is signed by two NEW-root keys only.
  auto fresh = Key();
  RootChange change;
  change.root_keys = {fresh->public_key(), k.root[1]->public_key(), k.root[2]->public_key()};
  auto r =
      RotateRoot(dir, change, Ptrs({fresh.get(), k.root[1].get()}), absl::Hours(24 * 365), kNow);
  ASSERT_TRUE(r.ok()) << r.status();
  s = LoadRepository(dir);
  // Old root's threshold: only root[1] of the old keys signed -> 1 of 2: not published.
  EXPECT_EQ(s->root.version, 1);
  ASSERT_TRUE(Sign(dir, "root", Ptrs({k.root[0].get()})).ok());
  s = LoadRepository(dir);
  EXPECT_EQ(s->root.version, 2);
  EXPECT_EQ(s->root_files.size(), 2u);
  EXPECT_FALSE(s->root.keys.count(k.root[0]->keyid()));
}

TEST(Repository, UnsignedOrTamperedFilesAreNotServed) {
  const std::string dir = TempDir();
  Keys k;
  k.root.push_back(Key());
  k.targets.push_back(Key());
  ASSERT_TRUE(Init(dir, k.Options(1, 1), Ptrs({k.root[0].get(), k.targets[0].get()}), kNow).ok());
  ASSERT_TRUE(UpdateTargets(dir, {{"t.json", "payload"}}, {}, nullptr, Ptrs({k.targets[0].get()}),
                            absl::Hours(24), kNow)
                  .ok());
  auto s = LoadRepository(dir);
  const std::string file =
      absl::StrCat(s->targets->targets.at("t.json").hashes.at("sha256"), ".t.json");
  ASSERT_TRUE(WriteFileAtomic(dir + "/targets/" + file, "paylo4d", 0644).ok());
  // A root v2 written by someone without root keys.
  auto rogue = Key();
  Root r = s->root;
  r.version = 2;
  auto e = NewEnvelope(RootJson(r));
  ASSERT_TRUE(AddSignature(&*e, *rogue).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/2.root.json", SerializeEnvelope(*e), 0644).ok());
  // A targets v3 signed by the snapshot key.
  Targets t = *s->targets;
  t.version = 3;
  auto te = NewEnvelope(TargetsJson(t));
  ASSERT_TRUE(AddSignature(&*te, *k.snapshot).ok());
  ASSERT_TRUE(WriteFileAtomic(dir + "/3.targets.json", SerializeEnvelope(*te), 0644).ok());

  s = LoadRepository(dir);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->root.version, 1);
  EXPECT_EQ(s->targets->version, 2);
  EXPECT_FALSE(s->target_files.count(file));
  EXPECT_THAT(s->warnings, Contains(HasSubstr("2.root.json: not served")));
  EXPECT_THAT(s->warnings, Contains(HasSubstr("3.targets.json: not served")));
  EXPECT_THAT(s->warnings, Contains(HasSubstr("sha256")));
}

}  // namespace
}  // namespace vouch::tuf
