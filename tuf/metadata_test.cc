// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/metadata.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::tuf {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

std::unique_ptr<PrivateKey> Key(signer::KeyType t = signer::KeyType::kEcdsaP256) {
  return *PrivateKey::Generate(t);
}

Root TwoOfThreeRoot(const std::vector<std::unique_ptr<PrivateKey>>& keys) {
  Root r;
  r.version = 1;
  r.expires = kNow + absl::Hours(24);
  for (const char* role : {kRoot, kTargets, kSnapshot, kTimestamp}) {
    RoleKeys rk;
    rk.threshold = 2;
    for (const auto& k : keys) {
      rk.keyids.push_back(k->keyid());
      r.keys.emplace(k->keyid(), k->public_key());
    }
    r.roles[role] = rk;
  }
  return r;
}

TEST(Metadata, RoundTripAndThreshold) {
  std::vector<std::unique_ptr<PrivateKey>> keys;
  keys.push_back(Key());
  keys.push_back(Key(signer::KeyType::kEd25519));
  keys.push_back(Key());
  Root root = TwoOfThreeRoot(keys);
  auto e = NewEnvelope(RootJson(root));
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_TRUE(AddSignature(&*e, *keys[0]).ok());
  EXPECT_THAT(VerifyRole(*e, root, kRoot),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("1 of 2")));
  // Signing twice with one key replaces its signature: still one.
  ASSERT_TRUE(AddSignature(&*e, *keys[0]).ok());
  EXPECT_EQ(CountValidSignatures(*e, root, kRoot), 1);
  ASSERT_TRUE(AddSignature(&*e, *keys[1]).ok());
  EXPECT_TRUE(VerifyRole(*e, root, kRoot).ok());

  auto parsed = ParseEnvelope(SerializeEnvelope(*e), kRoot);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->canonical, e->canonical);
  auto r2 = ParseRoot(*parsed);
  ASSERT_TRUE(r2.ok()) << r2.status();
  EXPECT_EQ(r2->version, 1);
  EXPECT_TRUE(r2->consistent_snapshot);
  EXPECT_EQ(r2->roles.at(kTargets).threshold, 2);
  EXPECT_TRUE(VerifyRole(*parsed, *r2, kRoot).ok());

  // One changed byte in "signed" breaks both signatures.
  nlohmann::json changed = parsed->signed_json;
  changed["expires"] = TufTime(kNow + absl::Hours(48));
  auto tampered = NewEnvelope(changed);
  tampered->signatures = parsed->signatures;
  EXPECT_EQ(CountValidSignatures(*tampered, *r2, kRoot), 0);
}

TEST(Metadata, OneKeyUnderTwoKeyidsCountsOnce) {
  std::vector<std::unique_ptr<PrivateKey>> keys;
  keys.push_back(Key());
  keys.push_back(Key());
  Root root = TwoOfThreeRoot(keys);
  // A second keyid for key 0 (an extra member changes the keyid, not the key).
  nlohmann::json alias = keys[0]->public_key().json();
  alias["x-alias"] = true;
  PublicKey a = *PublicKey::FromJson(alias);
  root.keys.emplace(a.keyid(), a);
  root.roles[kRoot].keyids.push_back(a.keyid());
  auto e = NewEnvelope(RootJson(root));
  ASSERT_TRUE(AddSignature(&*e, *keys[0]).ok());
  e->signatures.push_back({a.keyid(), e->signatures[0].sig});
  EXPECT_EQ(CountValidSignatures(*e, root, kRoot), 1);
  EXPECT_FALSE(VerifyRole(*e, root, kRoot).ok());
}

TEST(Metadata, StrictParsing) {
  const std::string ok_signed =
      R"({"_type":"timestamp","spec_version":"1.0.31","version":3,"expires":"2030-01-01T00:00:00Z",)"
      R"("meta":{"snapshot.json":{"version":2}}})";
  auto wrap = [](const std::string& s) {
    return absl::StrCat(R"({"signatures":[],"signed":)", s, "}");
  };
  ASSERT_TRUE(ParseEnvelope(wrap(ok_signed), kTimestamp).ok());
  EXPECT_THAT(ParseEnvelope(wrap(ok_signed), kSnapshot),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("_type")));
  struct Case {
    std::string from, to, want;
  } cases[] = {
      {R"("version":3)", R"("version":0)", "version"},
      {R"("version":3)", R"("version":3.0)", "version"},
      {R"("version":3)", R"("version":"3")", "version"},
      {R"("spec_version":"1.0.31")", R"("spec_version":"2.0")", "spec_version"},
      {R"("2030-01-01T00:00:00Z")", R"("2030-01-01 00:00:00")", "expires"},
      {R"("2030-01-01T00:00:00Z")", R"("2030-01-01T00:00:00+01:00")", "expires"},
  };
  for (const Case& c : cases) {
    std::string s = ok_signed;
    s.replace(s.find(c.from), c.from.size(), c.to);
    EXPECT_THAT(ParseEnvelope(wrap(s), kTimestamp),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.want)))
        << s;
  }
  EXPECT_THAT(ParseEnvelope(R"({"signatures":[{"keyid":"a","sig":"00"},{"keyid":"a","sig":"01"}],)"
                            R"("signed":)" +
                                ok_signed + "}",
                            kTimestamp),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  // Snapshot meta without targets.json, targets with a path escaping the directory.
  auto sn = NewEnvelope(nlohmann::json::parse(
      R"({"_type":"snapshot","spec_version":"1.0","version":1,"expires":"2030-01-01T00:00:00Z","meta":{}})"));
  EXPECT_THAT(ParseSnapshot(*sn),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("targets.json")));
  for (const char* path : {"../x", "/etc/passwd", "a\\b", ""}) {
    nlohmann::json t = nlohmann::json::parse(
        R"({"_type":"targets","spec_version":"1.0","version":1,"expires":"2030-01-01T00:00:00Z","targets":{}})");
    t["targets"][path] = {{"length", 1}, {"hashes", {{"sha256", std::string(64, 'a')}}}};
    EXPECT_THAT(ParseTargets(*NewEnvelope(t)), StatusIs(absl::StatusCode::kInvalidArgument))
        << path;
  }
  nlohmann::json t = nlohmann::json::parse(
      R"({"_type":"targets","spec_version":"1.0","version":1,"expires":"2030-01-01T00:00:00Z","targets":{"a":{"length":1,"hashes":{"md5":"00"}}}})");
  EXPECT_THAT(ParseTargets(*NewEnvelope(t)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no sha256")));
}

TEST(Metadata, LengthAndHashChecks) {
  const std::string data = "trusted root";
  auto hashes = HashesOf(data);
  EXPECT_TRUE(CheckLengthAndHashes(data, 12, hashes, "f").ok());
  EXPECT_THAT(CheckLengthAndHashes(data, 11, hashes, "f"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("length 12, want 11")));
  EXPECT_THAT(CheckLengthAndHashes("trusted rooT", 12, hashes, "f"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("sha256")));
}

TEST(Metadata, Times) {
  EXPECT_EQ(TufTime(absl::FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(*ParseTufTime("2030-01-02T03:04:05Z"), absl::FromUnixSeconds(1893553445));
}

}  // namespace
}  // namespace vouch::tuf
