// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/tuf/vouch_tuf.h"

#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/postgres_testing.h"
#include "tuf/postgres_metadata_store.h"
#include "tuf/repository.h"

namespace vouch::tools {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

class VouchTufTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string t =
        absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp", "/vouchtufXXXXXX");
    dir_ = mkdtemp(t.data());
    repo_ = dir_ + "/repo";
  }
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunVouchTuf(args, kNow, out_, err_);
  }
  std::string Key(const std::string& name, const std::string& type = "ecdsa-p256") {
    const std::string path = dir_ + "/" + name + ".pem";
    EXPECT_EQ(Run({"keygen", "--out", path, "--type", type}), 0) << err_.str();
    return path;
  }
  std::string dir_, repo_;
  std::ostringstream out_, err_;
};

TEST_F(VouchTufTest, CeremonyOneSignatureAtATime) {
  const std::string r1 = Key("r1"), r2 = Key("r2", "ed25519"), r3 = Key("r3");
  const std::string t1 = Key("t1"), sn = Key("sn"), ts = Key("ts", "ed25519");
  // keygen refuses to overwrite.
  EXPECT_EQ(Run({"keygen", "--out", r1}), 1);
  // Root 2 of 3 (public keys only), targets 1 of 1; the conductor holds no root key.
  ASSERT_EQ(Run({"init", "--repo", repo_, "--root-key", r1 + ".pub", "--root-key", r2 + ".pub",
                 "--root-key", r3 + ".pub", "--root-threshold", "2", "--targets-key", t1,
                 "--snapshot-key", sn + ".pub", "--timestamp-key", ts + ".pub"}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("root v1: staged, signatures 0 of 2"));
  ASSERT_EQ(Run({"sign", "--repo", repo_, "--role", "root", "--key", r1}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("signatures 1 of 2"));
  ASSERT_EQ(Run({"sign", "--repo", repo_, "--role", "root", "--key", r3}), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("root v1: published"));
  // targets v1 was signed at init by t1 (a private key given as a role key): published now.
  EXPECT_THAT(out_.str(), HasSubstr("targets v1: published"));

  const std::string file = dir_ + "/trusted_root.json";
  std::ofstream(file) << "{\"mediaType\":\"x\"}";
  ASSERT_EQ(
      Run({"add-target", "--repo", repo_, "--target", "trusted_root.json=" + file, "--key", t1}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("targets v2: published"));
  ASSERT_EQ(Run({"publish", "--repo", repo_, "--snapshot-key", sn, "--timestamp-key", ts}), 0)
      << err_.str();
  ASSERT_EQ(Run({"status", "--repo", repo_}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("targets v2"));
  EXPECT_THAT(out_.str(), HasSubstr("timestamp v1"));

  // Rotation to a new timestamp key, signed by 2 of the 3 root keys.
  const std::string ts2 = Key("ts2");
  ASSERT_EQ(Run({"rotate-root", "--repo", repo_, "--timestamp-key", ts2 + ".pub", "--key", r2,
                 "--key", r3}),
            0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("root v2: published"));
  auto state = tuf::LoadRepository(repo_);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->root.version, 2);
  EXPECT_FALSE(state->timestamp.has_value());  // signed by the old key: no longer served
  ASSERT_EQ(Run({"publish", "--repo", repo_, "--snapshot-key", sn, "--timestamp-key", ts2}), 0)
      << err_.str();
  state = tuf::LoadRepository(repo_);
  ASSERT_TRUE(state->timestamp.has_value());
  EXPECT_EQ(state->timestamp->version, 2);
}

// --custom attaches target metadata (as the public-good instance's custom.sigstore on its
// per-key targets): signed into targets.json for the targets of that call only, kept when other
// targets are added later.
TEST_F(VouchTufTest, AddTargetWithCustomMetadata) {
  const std::string k = Key("k");
  ASSERT_EQ(Run({"init", "--repo", repo_, "--root-key", k, "--targets-key", k, "--snapshot-key",
                 k + ".pub", "--timestamp-key", k + ".pub"}),
            0)
      << err_.str();
  const std::string pub = dir_ + "/rekor.pub", root = dir_ + "/trusted_root.json";
  std::ofstream(pub) << "-----BEGIN PUBLIC KEY-----\n";
  std::ofstream(root) << "{}";
  const std::string custom = R"({"sigstore":{"status":"Active","usage":"Rekor"}})";
  ASSERT_EQ(Run({"add-target", "--repo", repo_, "--target", "rekor.pub=" + pub, "--custom", custom,
                 "--key", k}),
            0)
      << err_.str();
  ASSERT_EQ(
      Run({"add-target", "--repo", repo_, "--target", "trusted_root.json=" + root, "--key", k}), 0)
      << err_.str();
  auto state = tuf::LoadRepository(repo_);
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_TRUE(state->targets.has_value());
  EXPECT_EQ(state->targets->version, 3);
  ASSERT_EQ(state->targets->targets.count("rekor.pub"), 1u);
  EXPECT_EQ(state->targets->targets.at("rekor.pub").custom, nlohmann::json::parse(custom));
  EXPECT_TRUE(state->targets->targets.at("trusted_root.json").custom.is_null());
  // In the signed bytes clients fetch, for both versions.
  for (int64_t v : {2, 3}) {
    const nlohmann::json signed_targets =
        nlohmann::json::parse(state->targets_files.at(v))["signed"]["targets"];
    EXPECT_EQ(signed_targets["rekor.pub"]["custom"], nlohmann::json::parse(custom)) << v;
  }

  // Not a JSON object: a usage error, nothing signed.
  for (const char* bad : {"[1]", "\"Active\"", "{not json"}) {
    EXPECT_EQ(
        Run({"add-target", "--repo", repo_, "--target", "x=" + pub, "--custom", bad, "--key", k}),
        2)
        << bad;
    EXPECT_THAT(err_.str(), HasSubstr("--custom: want a JSON object"));
  }
  EXPECT_EQ(tuf::LoadRepository(repo_)->targets->version, 3);
}

TEST_F(VouchTufTest, UsageErrors) {
  EXPECT_EQ(Run({}), 2);
  EXPECT_EQ(Run({"frobnicate", "--repo", repo_}), 2);
  EXPECT_EQ(Run({"init", "--repo", repo_, "--bogus", "1"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("unknown flag --bogus"));
  EXPECT_EQ(Run({"init", "--root-key", "x"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--repo"));
  EXPECT_EQ(Run({"add-target", "--repo", repo_, "--target", "noequals"}), 2);
  EXPECT_EQ(Run({"add-target", "--repo", repo_, "--target", "../x=/etc/hostname"}), 2);
  EXPECT_EQ(Run({"publish", "--repo", repo_, "--timestamp-expires", "soon"}), 2);
  // Not a repository: a failure, not a usage error.
  const std::string k = Key("k");
  EXPECT_EQ(Run({"sign", "--repo", repo_, "--role", "root", "--key", k}), 1);
}

// The ceremony in a directory, then root, targets and target files published into the database
// vouchd front ends serve from (docs/trust.md).
TEST_F(VouchTufTest, PublishesIntoPostgres) {
  VOUCH_REQUIRE_TEST_POSTGRES();
  const std::string schema = log::NewTestSchema();
  const std::string root = Key("root"), t1 = Key("t1"), sn = Key("sn"), ts = Key("ts");
  ASSERT_EQ(Run({"init", "--repo", repo_, "--root-key", root, "--targets-key", t1, "--snapshot-key",
                 sn + ".pub", "--timestamp-key", ts + ".pub"}),
            0)
      << err_.str();
  std::ofstream(dir_ + "/tr.json") << "{\"trusted\":1}";
  ASSERT_EQ(Run({"add-target", "--repo", repo_, "--target",
                 "trusted_root.json=" + dir_ + "/tr.json", "--key", t1}),
            0)
      << err_.str();
  const std::string url = log::TestPostgresUrl();
  ASSERT_EQ(Run({"publish", "--repo", repo_, "--storage", url, "--schema", schema}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("published 1.root.json\npublished 1.targets.json\npublished "
                                    "2.targets.json\npublished targets/"));
  EXPECT_THAT(out_.str(), HasSubstr("root v1, targets v2 published; vouchd signs"));
  ASSERT_EQ(Run({"publish", "--repo", repo_, "--storage", url, "--schema", schema}), 0)
      << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("(nothing new)"));
  tuf::PostgresMetadataOptions po;
  po.schema = schema;
  auto store = tuf::PostgresMetadataStore::Open(url, po);
  ASSERT_TRUE(store.ok()) << store.status();
  auto files = (*store)->Load();
  ASSERT_TRUE(files.ok()) << files.status();
  auto state = tuf::VerifyRepository(*files, "db");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->targets->version, 2);
  EXPECT_EQ(state->target_files.size(), 1u);

  // Usage errors: not a database URL; online keys (vouchd's) with --storage; a bad schema.
  EXPECT_EQ(Run({"publish", "--repo", repo_, "--storage", "/var/lib/vouch/tuf"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("want a postgres:// URL"));
  EXPECT_EQ(Run({"publish", "--repo", repo_, "--storage", url, "--snapshot-key", sn}), 2);
  EXPECT_EQ(Run({"publish", "--repo", repo_, "--storage", url, "--schema", "Bad"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("postgres schema \"Bad\""));
  // An empty directory: nothing to publish.
  EXPECT_EQ(Run({"publish", "--repo", dir_ + "/none", "--storage", url, "--schema", schema}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("no TUF repository"));
}

}  // namespace
}  // namespace vouch::tools
