// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/witness.h"

#include <dirent.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "audit/http_client.h"
#include "client/cosignature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "log/checkpoint.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

using ::testing::HasSubstr;
using vouch::testing::IsOk;

std::string TempDir() {
  std::string t = absl::StrCat(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp",
                               "/witnessXXXXXX");
  return mkdtemp(t.data());
}

int CountFiles(const std::string& dir) {
  int n = 0;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// A log in memory: leaves, roots, proofs and checkpoints signed with its own key.
class TestLog {
 public:
  explicit TestLog(std::string origin = "test.log - 0011223344556677")
      : origin_(std::move(origin)),
        key_(*signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256)) {}

  void Append(int n, const std::string& tag = "") {
    for (int i = 0; i < n; ++i) {
      leaves_.push_back(log::HashLeaf(absl::StrCat("entry ", leaves_.size(), tag)));
    }
  }
  uint64_t size() const { return leaves_.size(); }

  log::Hash Node(log::NodeId id) const {
    if (id.level == 0) return leaves_[id.index];
    return log::HashChildren(Node({id.level - 1, id.index * 2}),
                             Node({id.level - 1, id.index * 2 + 1}));
  }
  log::Hash Root(uint64_t size) const {
    log::CompactRange r;
    for (uint64_t i = 0; i < size; ++i) r.Append(leaves_[i], nullptr);
    return r.Root();
  }
  std::vector<log::Hash> Proof(uint64_t a, uint64_t b) const {
    auto nodes = *log::ConsistencyNodes(a, b);
    std::vector<log::Hash> fetched;
    for (const log::NodeId& id : nodes.ids) fetched.push_back(Node(id));
    return *log::Rehash(nodes, fetched);
  }
  std::string Checkpoint(uint64_t size) const {
    log::Checkpoint cp{origin_, size, Root(size), {}};
    return *log::SignCheckpoint(cp, "test.log", *key_);
  }
  std::string Request(uint64_t old, uint64_t size) const {
    return RequestWith(old, Proof(old, size), Checkpoint(size));
  }
  static std::string RequestWith(uint64_t old, const std::vector<log::Hash>& proof,
                                 const std::string& note) {
    std::string r = absl::StrCat("old ", old, "\n");
    for (const log::Hash& h : proof)
      absl::StrAppend(&r, absl::Base64Escape(log::HashBytes(h)), "\n");
    return absl::StrCat(r, "\n", note);
  }
  std::string LogsFile() const {
    return absl::StrCat("{\"logs\":[{\"origin\":\"", origin_, "\",\"public_key\":\"",
                        absl::CEscape(signer::PublicKeyDerToPem(key_->PublicKeyDer())), "\"}]}");
  }
  const std::string& origin() const { return origin_; }

  std::vector<log::Hash> leaves_;

 private:
  std::string origin_;
  std::shared_ptr<signer::OpenSslSigner> key_;
};

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
    log_.Append(10);
    witness_ = NewWitness();
  }
  std::unique_ptr<Witness> NewWitness() {
    WitnessOptions o;
    o.name = "witness.example/w1";
    o.key = key_.get();
    o.logs = *ParseWitnessedLogs(log_.LogsFile());
    o.state_dir = dir_;
    auto w = Witness::New(std::move(o));
    EXPECT_THAT(w, IsOk());
    return w.ok() ? *std::move(w) : nullptr;
  }
  // The cosignature in |a| verifies on |note| with the witness' vkey.
  void ExpectCosigned(const Witness::Answer& a, const std::string& note) {
    ASSERT_EQ(a.status, 200) << a.body;
    auto vkey = client::ParseVkey(witness_->vkey());
    ASSERT_THAT(vkey, IsOk());
    std::vector<client::WitnessKey> keys = {*vkey};
    EXPECT_EQ(client::CountCosignatures(note + a.body, keys).value_or(-1), 1) << a.body;
  }

  std::string dir_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  TestLog log_;
  std::unique_ptr<Witness> witness_;
};

TEST_F(WitnessTest, CosignsTheFirstCheckpointThenOnlyConsistentOnes) {
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(0, 10)), log_.Checkpoint(10));
  log_.Append(7);
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(10, 17)), log_.Checkpoint(17));
  // The same checkpoint again: same size, same root.
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(17, 17)), log_.Checkpoint(17));
  EXPECT_THAT(witness_->Latest(log_.origin()), HasSubstr("\n17\n"));
}

TEST_F(WitnessTest, AnswersEachRefusalWithTheSpecsStatus) {
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(0, 10)), log_.Checkpoint(10));
  log_.Append(6);
  // 409 text/x.tlog.size: the client's old size is not the witness' size.
  Witness::Answer a = witness_->AddCheckpoint(log_.Request(3, 16));
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(a.content_type, "text/x.tlog.size");
  EXPECT_EQ(a.body, "10\n");
  // 400: old larger than the checkpoint.
  EXPECT_EQ(witness_->AddCheckpoint(TestLog::RequestWith(20, {}, log_.Checkpoint(16))).status, 400);
  // 404: unknown origin.
  TestLog other("other.log - 99");
  other.Append(3);
  EXPECT_EQ(witness_->AddCheckpoint(other.Request(0, 3)).status, 404);
  // 403: the right origin signed by another key.
  TestLog impostor(log_.origin());
  impostor.Append(16);
  EXPECT_EQ(witness_->AddCheckpoint(impostor.Request(10, 16)).status, 403);
  // 422: a proof with one bit flipped.
  std::vector<log::Hash> proof = log_.Proof(10, 16);
  proof[0][5] ^= 1;
  EXPECT_EQ(witness_->AddCheckpoint(TestLog::RequestWith(10, proof, log_.Checkpoint(16))).status,
            422);
  // 422: a proof from size 0 must be empty.
  EXPECT_EQ(witness_->AddCheckpoint(TestLog::RequestWith(10, {}, log_.Checkpoint(16))).status, 422);
  // Nothing of the above moved the witness.
  EXPECT_THAT(witness_->Latest(log_.origin()), HasSubstr("\n10\n"));
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(10, 16)), log_.Checkpoint(16));
}

TEST_F(WitnessTest, MalformedRequestsAre400) {
  const std::string note = log_.Checkpoint(10);
  const std::string good_line = absl::Base64Escape(std::string(32, 'x'));
  std::string many = "old 0\n";
  for (int i = 0; i < 64; ++i) absl::StrAppend(&many, good_line, "\n");
  const std::vector<std::string> bad = {
      "",
      "old 0",
      "new 0\n\n" + note,
      "old 01\n\n" + note,
      "old -1\n\n" + note,
      "old 18446744073709551616\n\n" + note,
      "old 0\n" + note,  // no empty line: the note's lines are proof
      "old 0\nnot base64!\n\n" + note,
      "old 0\n" + absl::Base64Escape(std::string(31, 'x')) + "\n\n" + note,
      many + "\n" + note,
      "old 0\n\nnot a checkpoint\n",
  };
  for (const std::string& b : bad) {
    EXPECT_EQ(witness_->AddCheckpoint(b).status, 400) << absl::CEscape(b);
  }
}

TEST_F(WitnessTest, AForkedCheckpointIsRefusedAndKeptAsEvidence) {
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(0, 10)), log_.Checkpoint(10));
  // The log shows another view: same size 10 with other leaves.
  TestLog fork = log_;
  fork.leaves_[4] = log::HashLeaf("rewritten");
  Witness::Answer a = witness_->AddCheckpoint(fork.Request(10, 10));
  EXPECT_EQ(a.status, 409);
  EXPECT_NE(a.content_type, "text/x.tlog.size");
  // And a larger fork whose proof cannot start at the cosigned root.
  fork.Append(5, "fork");
  EXPECT_EQ(witness_->AddCheckpoint(fork.Request(10, 15)).status, 422);
  EXPECT_EQ(CountFiles(dir_ + "/evidence"), 2);
}

TEST_F(WitnessTest, ConcurrentRequestsNeverRollTheWitnessBack) {
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(0, 10)), log_.Checkpoint(10));
  uint64_t size = 10;
  for (int round = 0; round < 20; ++round) {
    log_.Append(5);
    const uint64_t small = size + 2, large = size + 5;
    const std::string a = log_.Request(size, small), b = log_.Request(size, large);
    std::atomic<int> go{0};
    Witness::Answer ra, rb;
    std::thread ta([&] {
      ++go;
      while (go < 2) {
      }
      ra = witness_->AddCheckpoint(a);
    });
    std::thread tb([&] {
      ++go;
      while (go < 2) {
      }
      rb = witness_->AddCheckpoint(b);
    });
    ta.join();
    tb.join();
    // Both started from |size|: exactly one wins, the other is told the new size.
    ASSERT_EQ((ra.status == 200) + (rb.status == 200), 1) << ra.body << rb.body;
    const Witness::Answer& lost = ra.status == 200 ? rb : ra;
    const uint64_t won = ra.status == 200 ? small : large;
    EXPECT_EQ(lost.status, 409);
    EXPECT_EQ(lost.body, absl::StrCat(won, "\n"));
    EXPECT_THAT(witness_->Latest(log_.origin()), HasSubstr(absl::StrCat("\n", won, "\n")));
    // Catch up to the large size for the next round.
    if (won == small)
      ExpectCosigned(witness_->AddCheckpoint(log_.Request(small, large)), log_.Checkpoint(large));
    size = large;
  }
}

TEST_F(WitnessTest, StateSurvivesARestartAndTheDirectoryIsLocked) {
  ExpectCosigned(witness_->AddCheckpoint(log_.Request(0, 10)), log_.Checkpoint(10));
  WitnessOptions o;
  o.name = "witness.example/w1";
  o.key = key_.get();
  o.logs = *ParseWitnessedLogs(log_.LogsFile());
  o.state_dir = dir_;
  EXPECT_FALSE(Witness::New(o).ok());  // locked by the running witness
  witness_.reset();
  witness_ = NewWitness();
  Witness::Answer a = witness_->AddCheckpoint(log_.Request(0, 10));
  EXPECT_EQ(a.status, 409);
  EXPECT_EQ(a.body, "10\n");
}

TEST_F(WitnessTest, ServesAddCheckpointOverHttp) {
  http::Router router;
  witness_->Register(&router);
  auto server = http::Server::New("127.0.0.1", 0, &router, http::ServerOptions());
  ASSERT_THAT(server, IsOk());
  (*server)->Start();
  auto client = HttpClient::New(HttpClientOptions());
  ASSERT_THAT(client, IsOk());
  const std::string url = absl::StrCat("http://127.0.0.1:", (*server)->port(), "/add-checkpoint");
  auto r = (*client)->Post(url, log_.Request(0, 10), "text/plain");
  ASSERT_THAT(r, IsOk());
  ExpectCosigned(Witness::Answer{r->status, r->content_type, r->body}, log_.Checkpoint(10));
  r = (*client)->Post(url, log_.Request(3, 10), "text/plain");
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(r->content_type, "text/x.tlog.size");
  EXPECT_EQ(r->body, "10\n");
  (*server)->Stop();
}

TEST(WitnessedLogs, BadFilesAreRefusedNamingTheEntry) {
  EXPECT_FALSE(ParseWitnessedLogs("[]").ok());
  EXPECT_THAT(ParseWitnessedLogs("{\"logs\":[{\"public_key\":\"x\"}]}").status().message(),
              HasSubstr("logs[0].origin"));
  EXPECT_THAT(
      ParseWitnessedLogs("{\"logs\":[{\"origin\":\"a\",\"public_key\":\"x\"}]}").status().message(),
      HasSubstr("logs[0].public_key"));
}

}  // namespace
}  // namespace vouch::audit
