// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch trust` over a file:// mirror made by //tuf:repository: the cache is used offline while
// it is unexpired (the mirror may be gone), and an expired timestamp is never used.
#include "client/cli/trust_command.h"

#include <stdlib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/cli/args.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"
#include "tuf/repository.h"

namespace vouch::cli {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string TempDir(const char* name) {
  std::string t =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/", name, "XXXXXX");
  return mkdtemp(t.data());
}

// A one-key repository at |dir| listing trusted_root.json; the timestamp lives |timestamp_life|.
void MakeMirror(const std::string& dir, absl::Duration timestamp_life) {
  auto key = *tuf::PrivateKey::Generate(signer::KeyType::kEd25519);
  tuf::InitOptions o;
  o.root_keys = o.targets_keys = {key->public_key()};
  o.snapshot_key = o.timestamp_key = key->public_key();
  const tuf::PrivateKey* signers[] = {key.get()};
  ASSERT_THAT(tuf::Init(dir, o, signers, absl::Now()), IsOk());
  ASSERT_THAT(tuf::UpdateTargets(dir, {{"trusted_root.json", "{\"tr\":1}"}}, {}, nullptr, signers,
                                 absl::Hours(24), absl::Now()),
              IsOk());
  tuf::Expiries ex;
  ex.timestamp = timestamp_life;
  ASSERT_THAT(tuf::PublishOnline(dir, *key, *key, ex, absl::Now()), IsOk());
}

TEST(TrustCommand, InitThenOfflineFromTheCache) {
  const std::string mirror = TempDir("mirror"), cache = TempDir("cache") + "/tuf";
  MakeMirror(mirror, absl::Hours(24));
  EXPECT_FALSE(TufCacheInitialized(cache));
  ASSERT_EQ(TrustCommand({"init", "--mirror", "file://" + mirror, "--root", mirror + "/1.root.json",
                          "--cache", cache}),
            kExitOk);
  EXPECT_TRUE(TufCacheInitialized(cache));
  // The mirror disappears: the unexpired cache still answers, with no fetch.
  ASSERT_EQ(system(("rm -rf " + mirror).c_str()), 0);
  auto root = TrustedRootFromTuf(cache);
  ASSERT_THAT(root, IsOk());
  EXPECT_EQ(*root, "{\"tr\":1}");
  // An explicit update needs the mirror.
  EXPECT_EQ(TrustCommand({"update", "--cache", cache}), kExitFailed);
}

TEST(TrustCommand, ExpiredTimestampIsNeverUsed) {
  const std::string mirror = TempDir("mirror"), cache = TempDir("cache") + "/tuf";
  MakeMirror(mirror, -absl::Hours(1));
  EXPECT_EQ(TrustCommand({"init", "--mirror", "file://" + mirror, "--root", mirror + "/1.root.json",
                          "--cache", cache}),
            kExitFailed);
  EXPECT_THAT(TrustedRootFromTuf(cache),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("expired")));
}

TEST(TrustCommand, UsageErrors) {
  EXPECT_EQ(TrustCommand({}), kExitUsage);
  EXPECT_EQ(TrustCommand({"init", "--cache", "/tmp/x"}), kExitUsage);
  EXPECT_EQ(TrustCommand({"update", "extra", "--cache", "/tmp/x"}), kExitUsage);
  EXPECT_EQ(TrustCommand({"frob"}), kExitUsage);
  EXPECT_THAT(TrustedRootFromTuf(TempDir("empty")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("vouch trust init")));
}

}  // namespace
}  // namespace vouch::cli
