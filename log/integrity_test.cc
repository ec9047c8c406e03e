// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/integrity.h"

#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/health.h"
#include "base/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::vouch::testing::IsOk;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/integrity_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

// A log of 600 entries (two full tiles and a partial one) built once; each test works on a copy.
class IntegrityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir0_ = new std::string(NewTempDir());
    auto key =
        signer::OpenSslSigner::LoadOrCreate(*dir0_ + "/log_key.pem", signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    auto storage = SqliteStorage::Open(*dir0_ + "/vouch.db");
    ASSERT_THAT(storage, IsOk());
    LogOptions options;
    options.published_checkpoint_path = *dir0_ + "/published_checkpoint";
    auto log = Log::Open(storage->get(), key->get(), options);
    ASSERT_THAT(log, IsOk());
    std::vector<NewEntry> entries;
    for (int i = 0; i < 600; ++i) entries.push_back(NewEntry{absl::StrCat("entry ", i), {}});
    ASSERT_THAT((*log)->AppendBulk(std::move(entries)), IsOk());
  }

  void SetUp() override {
    dir_ = NewTempDir();
    const std::string cmd = absl::StrCat("cp -a ", *dir0_, "/. ", dir_, "/");
    ASSERT_EQ(system(cmd.c_str()), 0);
    auto key =
        signer::OpenSslSigner::LoadOrCreate(dir_ + "/log_key.pem", signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_ = std::move(*key);
    auto v = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
    ASSERT_THAT(v, IsOk());
    verifier_ = std::move(*v);
  }

  void Sql(const std::string& sql) {
    const std::string cmd = absl::StrCat("sqlite3 ", dir_, "/vouch.db \"", sql, "\"");
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
  }

  // Zeroes the hash at |row|, |pos| of tile |level|/|index| (through the storage API).
  void ZeroTileHash(uint32_t level, uint64_t index, uint32_t row, uint32_t pos) {
    auto s = SqliteStorage::Open(dir_ + "/vouch.db");
    ASSERT_THAT(s, IsOk());
    ASSERT_THAT((*s)->WriteTx([&](LogWriter& w) -> absl::Status {
      VOUCH_ASSIGN_OR_RETURN(StoredTile t, w.ReadTile(level, index));
      t.hashes.replace(TileRowOffset(t.width, row) + size_t{pos} * 32, 32, std::string(32, '\0'));
      return w.WriteTile(t);
    }),
                IsOk());
  }

  IntegrityReport Verify(size_t max_problems = 20) {
    auto s = SqliteStorage::OpenReadOnly(dir_ + "/vouch.db");
    EXPECT_THAT(s, IsOk());
    if (!s.ok()) return {};
    IntegrityOptions options;
    options.max_problems = max_problems;
    options.threads = 2;
    auto r = VerifyStorage(s->get(), *verifier_, dir_ + "/published_checkpoint", options);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? *r : IntegrityReport{};
  }

  static std::string* dir0_;
  std::string dir_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<signer::OpenSslVerifier> verifier_;
};

std::string* IntegrityTest::dir0_ = nullptr;

TEST_F(IntegrityTest, CleanLogVerifies) {
  const IntegrityReport r = Verify();
  EXPECT_TRUE(r.ok()) << r.ToString();
  EXPECT_EQ(r.tree_size, 600u);
  EXPECT_EQ(r.entries_checked, 600u);
  // Every leaf, and every completed inner node of the two full tiles and the level-1 tile.
  EXPECT_GE(r.nodes_checked, 600u + 2 * 255);
  EXPECT_THAT(r.ToString(), HasSubstr("OK: 600 entries"));
}

// Each kind of damage is named by entry index or tree node, once: what it changes higher up the
// tree is not reported again.
TEST_F(IntegrityTest, NamesEachKindOfDamageOnce) {
  struct Case {
    std::string name;
    std::function<void()> damage;
    std::vector<std::string> want;  // One substring per problem, in order.
  };
  const std::string now_plus_day = absl::StrCat(absl::ToUnixSeconds(absl::Now()) + 86400);
  std::vector<Case> cases = {
      {"deleted middle row",
       [&] { Sql("DELETE FROM entries WHERE idx = 5"); },
       {"row counter says 599 entries but their indices run from 0 to 599",
        "entries: 599 rows, but the signed checkpoint covers 600",
        "entry 5: missing from storage"}},
      {"altered old body",
       [&] { Sql("UPDATE entries SET body = 'evil' WHERE idx = 7"); },
       {"entry 7: body hashes to"}},
      {"altered body and UUID",
       [&] {
         Sql("UPDATE entries SET body = 'evil', leaf_hash = x'" + HashToHex(HashLeaf("evil")) +
             "' WHERE idx = 7");
       },
       {"entry 7: SignedEntryTimestamp does not verify", "entry 7: the tree's leaf (tile 0/0) is"}},
      {"zeroed inner tile hash",
       [&] { ZeroTileHash(0, 1, 1, 1); },
       {"tree node (level 1, index 129; entries 258-259) in tile 0/1 is 0000"}},
      {"zeroed leaf in a tile",
       [&] { ZeroTileHash(0, 1, 0, 44); },
       {"entry 300: the tree's leaf (tile 0/1) is 0000"}},
      {"zeroed level-1 tile hash",
       [&] { ZeroTileHash(1, 0, 0, 1); },
       {"tree node (level 8, index 1; entries 256-511) in tile 1/0 is 0000"}},
      {"missing tile",
       [&] { Sql("DELETE FROM tiles WHERE level = 0 AND idx = 1"); },
       {"tile 0/1 is missing"}},
      {"garbage SET",
       [&] { Sql("UPDATE entries SET sets = x'00112233' WHERE idx = 9"); },
       {"entry 9: SignedEntryTimestamp does not verify"}},
      {"negative integratedTime",
       [&] { Sql("UPDATE entries SET integrated_time = -5 WHERE idx = 11"); },
       {"entry 11: SignedEntryTimestamp does not verify",
        "entry 11: integratedTime -5 is not positive"}},
      {"integratedTime in the future",
       [&] { Sql("UPDATE entries SET integrated_time = " + now_plus_day + " WHERE idx = 12"); },
       {"entry 12: SignedEntryTimestamp does not verify",
        "s in the future (allowed clock skew 600 s)"}},
      {"forged checkpoint",
       [&] {
         Sql("UPDATE tree_state SET checkpoint = replace(checkpoint, char(10) || '600' || "
             "char(10), char(10) || '601' || char(10))");
       },
       {"the signed checkpoint does not verify with the log key"}},
      {"published checkpoint of a larger tree",
       [&] {
         Checkpoint cp;
         cp.origin = "vouch.local";
         cp.size = 700;
         cp.root = HashLeaf("x");
         auto note = SignCheckpoint(cp, "vouch.local", *key_);
         ASSERT_THAT(note, IsOk());
         ASSERT_THAT(WriteFileAtomically(dir_ + "/published_checkpoint", *note, 0600), IsOk());
       },
       {"this log already published a checkpoint of size 700 but the database's tree has 600"}},
      {"published checkpoint of another tree",
       [&] {
         Checkpoint cp;
         cp.origin = "vouch.local";
         cp.size = 300;
         cp.root = HashLeaf("x");
         auto note = SignCheckpoint(cp, "vouch.local", *key_);
         ASSERT_THAT(note, IsOk());
         ASSERT_THAT(WriteFileAtomically(dir_ + "/published_checkpoint", *note, 0600), IsOk());
       },
       {"at size 300, the published checkpoint"}},
      {"tree state of another tree",
       [&] {
         Checkpoint cp;
         cp.origin = "vouch.local";
         cp.size = 600;
         cp.root = HashLeaf("x");
         auto note = SignCheckpoint(cp, "vouch.local", *key_);
         ASSERT_THAT(note, IsOk());
         Sql("UPDATE tree_state SET root = x'" + HashToHex(cp.root) + "', checkpoint = '" + *note +
             "'");
       },
       {"tree_state: the stored compact range does not hash to the signed root",
        "the tree recomputed from the entries has root"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    SetUp();  // A fresh copy of the log.
    c.damage();
    const IntegrityReport r = Verify();
    ASSERT_EQ(r.problems.size(), c.want.size()) << r.ToString();
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_THAT(r.problems[i], HasSubstr(c.want[i])) << r.ToString();
    }
    EXPECT_EQ(r.problem_count, c.want.size());
    EXPECT_THAT(r.ToString(), HasSubstr(absl::StrCat(c.want.size(), " problem")));
  }
}

TEST_F(IntegrityTest, ReportNamesTheFirstProblemsAndCountsAll) {
  Sql("UPDATE entries SET sets = x'00' WHERE idx < 30");
  const IntegrityReport r = Verify(/*max_problems=*/5);
  EXPECT_EQ(r.problem_count, 30u);
  ASSERT_THAT(r.problems, SizeIs(5));
  EXPECT_THAT(r.problems[0], HasSubstr("entry 0:"));
  EXPECT_THAT(r.problems[4], HasSubstr("entry 4:"));
  EXPECT_THAT(r.ToString(), HasSubstr("30 problems in 600 entries (signed checkpoint of size "
                                      "600), the first 5:"));
}

TEST_F(IntegrityTest, StorageWithoutALogIsAProblem) {
  ::unlink((dir_ + "/vouch.db").c_str());
  auto s = SqliteStorage::Open(dir_ + "/vouch.db");
  ASSERT_THAT(s, IsOk());
  auto r = VerifyStorage(s->get(), *verifier_, "", IntegrityOptions());
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(r->problems, ElementsAre(HasSubstr("the database holds no log")));
}

// The background verifier walks the log inside the server: damage that no read touched is found,
// counted, and turns health NOT_SERVING; a clean log stays SERVING.
TEST_F(IntegrityTest, BackgroundVerifierReportsDamageToHealth) {
  for (bool damaged : {false, true}) {
    SCOPED_TRACE(damaged);
    SetUp();
    if (damaged) ZeroTileHash(0, 1, 1, 1);
    auto storage = SqliteStorage::Open(dir_ + "/vouch.db");
    ASSERT_THAT(storage, IsOk());
    Health health;
    LogOptions lo;
    lo.health = &health;
    lo.startup_sample = 0;
    auto log = Log::Open(storage->get(), key_.get(), lo);
    ASSERT_THAT(log, IsOk());
    BackgroundVerifierOptions vo;
    vo.entries_per_second = 1e9;
    auto v = BackgroundVerifier::Start(log->get(), storage->get(), vo);
    ASSERT_THAT(v, IsOk());
    while ((*v)->progress().passes < 1) absl::SleepFor(absl::Milliseconds(5));
    const BackgroundVerifier::Progress p = (*v)->progress();
    EXPECT_EQ(p.entries_checked, 600u);
    const HealthReport h = health.Check();
    if (!damaged) {
      EXPECT_EQ(p.problems, 0u);
      EXPECT_TRUE(h.serving);
      continue;
    }
    EXPECT_EQ(p.problems, 1u);
    EXPECT_EQ((*log)->stats().integrity_failures, 1u);
    EXPECT_FALSE(h.serving);
    EXPECT_THAT(h.reasons, ElementsAre(HasSubstr("log.integrity: background verifier: tree node "
                                                 "(level 1, index 129; entries 258-259)")));
  }
}

// The rate is an upper bound: entries checked never run ahead of rate * time by more than one
// tile's worth (whatever the machine's speed; a slow one checks fewer).
TEST_F(IntegrityTest, BackgroundVerifierKeepsToItsRate) {
  auto storage = SqliteStorage::Open(dir_ + "/vouch.db");
  ASSERT_THAT(storage, IsOk());
  auto log = Log::Open(storage->get(), key_.get(), LogOptions());
  ASSERT_THAT(log, IsOk());
  BackgroundVerifierOptions vo;
  vo.entries_per_second = 1000;
  const absl::Time start = absl::Now();
  auto v = BackgroundVerifier::Start(log->get(), storage->get(), vo);
  ASSERT_THAT(v, IsOk());
  for (int i = 0; i < 20; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
    const uint64_t checked = (*v)->progress().entries_checked;
    const double allowed = 256 + 1000 * absl::ToDoubleSeconds(absl::Now() - start);
    EXPECT_LE(static_cast<double>(checked), allowed);
  }
  EXPECT_THAT(BackgroundVerifier::Start(log->get(), storage->get(),
                                        BackgroundVerifierOptions{0, absl::Seconds(1), {}})
                  .status(),
              vouch::testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::log
