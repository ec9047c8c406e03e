// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Several Logs (front ends) on one PostgreSQL database: one sequences, the others hand their
// appends through the pending queue; the lease moves on a clean stop and on expiry; a sequencer
// that lost its lease cannot write (fencing); a front end refuses a stored tree that does not
// extend the one it served. Against the real PostgreSQL server tools/test starts.
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/log.h"
#include "log/merkle.h"
#include "log/postgres_storage.h"
#include "log/postgres_testing.h"
#include "postgresql/libpq-fe.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    VOUCH_REQUIRE_TEST_POSTGRES();
    schema_ = NewTestSchema();
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key.status(), IsOk());
    key_ = std::move(*key);
  }
  void TearDown() override {
    logs_.clear();
    storages_.clear();
    if (!schema_.empty()) {
      (void)ExecTestPostgres(schema_, absl::StrCat("DROP SCHEMA \"", schema_, "\" CASCADE"));
    }
  }

  // A front end: its own storage (connections) on the shared schema and its own Log.
  Log* Start(const std::string& name, absl::Duration ttl = absl::Milliseconds(900)) {
    PostgresOptions po;
    po.schema = schema_;
    po.idle_in_transaction_timeout = ttl / 2;  // As vouchd sets it.
    auto storage = PostgresStorage::Open(TestPostgresUrl(), po);
    EXPECT_THAT(storage.status(), IsOk());
    if (!storage.ok()) return nullptr;
    LogOptions lo;
    lo.origin = "cluster.test";
    lo.signer_name = "cluster.test";
    lo.cluster = storage->get();
    lo.cluster_options.holder = absl::StrCat(name, "-", storages_.size());
    lo.cluster_options.lease_ttl = ttl;
    lo.cluster_options.lease_retry = absl::Milliseconds(100);
    lo.cluster_options.idle_refresh = absl::Milliseconds(20);
    lo.cluster_options.wait_timeout = absl::Seconds(20);
    auto log = Log::Open(storage->get(), key_.get(), lo);
    EXPECT_THAT(log.status(), IsOk());
    if (!log.ok()) return nullptr;
    storages_.push_back(std::move(*storage));
    logs_.push_back(std::move(*log));
    return logs_.back().get();
  }

  static NewEntry Entry(const std::string& body) {
    NewEntry e;
    e.body = absl::StrCat("{\"n\":\"", body, "\"}");
    e.keys = {absl::StrCat("k:", body), "k:all"};
    return e;
  }

  // |e| verifies against its own checkpoint, signed by the log key.
  void ExpectProved(const EntryWithProof& e) {
    EXPECT_THAT(
        VerifyInclusion(e.entry.index, e.tree_size, HashLeaf(e.entry.body), e.proof, e.root),
        IsOk());
    auto verifier = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
    ASSERT_THAT(verifier.status(), IsOk());
    auto cp = VerifyCheckpoint(e.checkpoint, "cluster.test", **verifier);
    ASSERT_THAT(cp.status(), IsOk());
    EXPECT_EQ(cp->size, e.tree_size);
    EXPECT_EQ(cp->root, e.root);
  }

  // Waits until |log| sequences (or not).
  static bool AwaitRole(Log* log, bool sequencing, absl::Duration limit = absl::Seconds(10)) {
    const absl::Time end = absl::Now() + limit;
    while (absl::Now() < end) {
      if (log->stats().sequencing == sequencing) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return false;
  }

  std::string schema_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::vector<std::unique_ptr<PostgresStorage>> storages_;
  std::vector<std::unique_ptr<Log>> logs_;
};

TEST_F(ClusterTest, OneSequencesOthersHandOverThroughTheQueue) {
  Log* a = Start("a");
  ASSERT_NE(a, nullptr);
  Log* b = Start("b");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(a->stats().sequencing);
  EXPECT_FALSE(b->stats().sequencing);
  EXPECT_EQ(a->stats().lease_token, 1u);

  auto on_b = b->Append(Entry("from-b"));
  ASSERT_THAT(on_b.status(), IsOk());
  ExpectProved(*on_b);
  auto on_a = a->Append(Entry("from-a"));
  ASSERT_THAT(on_a.status(), IsOk());
  ExpectProved(*on_a);
  EXPECT_NE(on_a->entry.index, on_b->entry.index);

  // The creation time was recorded once, by the front end that created the log, and both read
  // the same.
  std::string created_a, created_b;
  for (auto [storage, out] :
       {std::pair{storages_[0].get(), &created_a}, std::pair{storages_[1].get(), &created_b}}) {
    ASSERT_THAT(storage->ReadTx([&, out = out](LogReader& r) -> absl::Status {
      auto v = r.ReadMeta("log_created");
      if (!v.ok()) return v.status();
      *out = v->value_or("");
      return absl::OkStatus();
    }),
                IsOk());
  }
  EXPECT_FALSE(created_a.empty());
  EXPECT_EQ(created_a, created_b);

  // A duplicate is a duplicate wherever it arrives.
  EXPECT_THAT(a->Append(Entry("from-b")).status(),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat("index ", on_b->entry.index))));
  EXPECT_THAT(b->Append(Entry("from-a")).status(),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat("index ", on_a->entry.index))));
  // The follower reads what the sequencer wrote, search keys included.
  auto read = b->GetByLeafHash(HashLeaf(on_a->entry.body));
  ASSERT_THAT(read.status(), IsOk());
  ExpectProved(*read);
  auto found = b->Search("k:from-b", 10);
  ASSERT_THAT(found.status(), IsOk());
  EXPECT_EQ(*found, std::vector<uint64_t>{on_b->entry.index});
}

TEST_F(ClusterTest, ConcurrentAppendsOnThreeFrontEndsGetDistinctIndices) {
  std::vector<Log*> fronts = {Start("a"), Start("b"), Start("c")};
  for (Log* f : fronts) ASSERT_NE(f, nullptr);
  constexpr int kPerFront = 150;
  absl::Mutex mu;
  std::set<uint64_t> indices;
  std::atomic<int> ok{0}, exists{0}, failed{0};
  std::vector<std::thread> threads;
  for (size_t f = 0; f < fronts.size(); ++f) {
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, f, t] {
        for (int i = t; i < kPerFront; i += 4) {
          // Every third body is also sent to the next front end: duplicates across front ends.
          const std::string body = i % 3 == 0 ? absl::StrCat("shared-", (f + 1) % 3 * 1000 + i)
                                              : absl::StrCat("f", f, "-", i);
          auto r = fronts[f]->Append(Entry(body));
          if (r.ok()) {
            absl::MutexLock l(&mu);
            EXPECT_TRUE(indices.insert(r->entry.index).second) << r->entry.index;
            ok++;
          } else if (absl::IsAlreadyExists(r.status())) {
            exists++;
          } else {
            ADD_FAILURE() << r.status();
            failed++;
          }
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load() + exists.load(), 3 * kPerFront);
  // Indices 0..n-1, each given once; every front end's published tree reaches them.
  ASSERT_FALSE(indices.empty());
  EXPECT_EQ(*indices.rbegin(), indices.size() - 1);
  for (Log* f : fronts) {
    auto state = f->Refresh();
    ASSERT_THAT(state.status(), IsOk());
    EXPECT_EQ(state->size, indices.size());
  }
}

TEST_F(ClusterTest, CleanStopHandsTheLeaseOver) {
  Log* a = Start("a");
  Log* b = Start("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_THAT(a->Append(Entry("before")).status(), IsOk());
  const uint64_t size_before = a->Latest().size;
  a->Shutdown();
  ASSERT_TRUE(AwaitRole(b, true, absl::Seconds(5)));
  EXPECT_EQ(b->stats().lease_token, 2u);
  auto r = b->Append(Entry("after"));
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->entry.index, size_before);
  ExpectProved(*r);
}

TEST_F(ClusterTest, ExpiredLeaseIsTakenAndTheOldSequencerIsFenced) {
  Log* a = Start("a", absl::Seconds(60));
  ASSERT_NE(a, nullptr);
  ASSERT_TRUE(a->stats().sequencing);
  ASSERT_THAT(a->Append(Entry("one")).status(), IsOk());
  // |a| is "paused": its lease runs out while it still thinks it sequences, and another process
  // takes it (as a front end that saw the expiry would).
  ASSERT_THAT(ExecTestPostgres(schema_,
                               "UPDATE sequencer_lease SET expires = clock_timestamp() - "
                               "interval '1 second'"),
              IsOk());
  auto thief = PostgresStorage::Open(TestPostgresUrl(), [&] {
    PostgresOptions po;
    po.schema = schema_;
    return po;
  }());
  ASSERT_THAT(thief.status(), IsOk());
  auto grant = (*thief)->AcquireLease("thief", absl::Seconds(60));
  ASSERT_THAT(grant.status(), IsOk());
  ASSERT_TRUE(grant->has_value());
  EXPECT_EQ((*grant)->token, 2u);
  const uint64_t size = a->Latest().size;
  // |a|'s next commit is refused by the fence: nothing is written, the client hears Unavailable.
  auto r = a->Append(Entry("two"));
  EXPECT_THAT(r.status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("sequencer lease lost")));
  std::optional<TreeState> stored;
  ASSERT_THAT(storages_[0]->ReadTx([&](LogReader& rd) -> absl::Status {
    auto t = rd.ReadTreeState();
    if (!t.ok()) return t.status();
    stored = *t;
    return absl::OkStatus();
  }),
              IsOk());
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->size, size);
  // |a| notices at its next renewal and hands its appends to the queue instead.
  ASSERT_TRUE(AwaitRole(a, false, absl::Seconds(30)));
  // The thief releases; |a| takes the lease back with a new token and continues the same tree.
  ASSERT_THAT((*thief)->ReleaseLease("thief"), IsOk());
  ASSERT_TRUE(AwaitRole(a, true, absl::Seconds(5)));
  EXPECT_EQ(a->stats().lease_token, 3u);
  auto again = a->Append(Entry("two"));
  ASSERT_THAT(again.status(), IsOk());
  EXPECT_EQ(again->entry.index, size);
  ExpectProved(*again);
}

TEST_F(ClusterTest, FollowerAnswersOnceTheNextSequencerLogsItsEntry) {
  Log* a = Start("a", absl::Seconds(60));
  Log* b = Start("b", absl::Milliseconds(600));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::atomic<bool> answered{false};
  absl::StatusOr<EntryWithProof> result = absl::UnknownError("unset");
  absl::Notification done;
  // |a| dies: its lease is still valid for another second and nobody sequences until then.
  logs_[0]->Shutdown();
  ASSERT_THAT(ExecTestPostgres(schema_,
                               "UPDATE sequencer_lease SET holder = 'dead', "
                               "expires = clock_timestamp() + interval '1 second'"),
              IsOk());
  b->AppendAsync(Entry("waits"), [&](absl::StatusOr<EntryWithProof> r) {
    result = std::move(r);
    answered = true;
    done.Notify();
  });
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(answered.load());  // Nobody sequences yet: the row waits in the queue.
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
  ASSERT_THAT(result.status(), IsOk());
  ExpectProved(*result);
  EXPECT_TRUE(b->stats().sequencing);
}

TEST_F(ClusterTest, FollowerRefusesAStoredTreeThatDoesNotExtendItsOwn) {
  Log* a = Start("a");
  Log* b = Start("b");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_THAT(a->Append(Entry("x")).status(), IsOk());
  ASSERT_THAT(b->Append(Entry("y")).status(), IsOk());
  auto served = b->Refresh();
  ASSERT_THAT(served.status(), IsOk());
  // A second view of the same size, validly signed by the log key (a compromised sequencer or a
  // restored backup that diverged): stored in the database's tree state.
  Checkpoint fork;
  fork.origin = "cluster.test";
  fork.size = served->size;
  fork.root = HashLeaf("another tree");
  auto note = SignCheckpoint(fork, "cluster.test", *key_);
  ASSERT_THAT(note.status(), IsOk());
  a->Shutdown();
  ASSERT_THAT(storages_[0]->WriteTx([&](LogWriter& w) {
    TreeState t;
    t.size = fork.size;
    t.root = fork.root;
    t.checkpoint = *note;
    t.timestamp = served->timestamp + 1;
    return w.WriteTreeState(t);
  }),
              IsOk());
  EXPECT_THAT(b->Refresh().status(),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("contradicts the tree")));
  EXPECT_EQ(b->Latest().root, served->root);  // Still serves the view it had.
  EXPECT_GE(b->stats().integrity_failures, 1u);
}

TEST_F(ClusterTest, AStalledTransactionOnTheLeaseRowDoesNotBlockATakeover) {
  Log* a = Start("a", absl::Milliseconds(900));
  ASSERT_NE(a, nullptr);
  a->Shutdown();  // Hands the lease back: it is free from now on.
  // A sequencer that stopped inside its fenced commit (paused, cut off): its session holds the
  // lease row, and sits idle in the transaction with vouchd's session timeout (half the lease).
  PGconn* stalled = PQconnectdb(TestPostgresUrl().c_str());
  ASSERT_EQ(PQstatus(stalled), CONNECTION_OK);
  PGresult* r = PQexec(stalled, absl::StrCat("SET search_path TO \"", schema_,
                                             "\"; SET idle_in_transaction_session_timeout = 450; "
                                             "BEGIN; SELECT token FROM sequencer_lease FOR SHARE")
                                    .c_str());
  ASSERT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << PQerrorMessage(stalled);
  PQclear(r);
  PostgresOptions po;
  po.schema = schema_;
  auto b = PostgresStorage::Open(TestPostgresUrl(), po);
  ASSERT_THAT(b.status(), IsOk());
  // A takeover attempt waits at most a third of the lease for the row, never for ever...
  const absl::Time t0 = absl::Now();
  auto first = (*b)->AcquireLease("b", absl::Milliseconds(900));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(2));
  if (first.ok()) {
    EXPECT_FALSE(first->has_value());
  }
  // ...and once the server has ended the stalled session, the lease is taken.
  absl::StatusOr<std::optional<LeaseGrant>> grant = absl::UnknownError("unset");
  const absl::Time end = absl::Now() + absl::Seconds(10);
  while (absl::Now() < end) {
    grant = (*b)->AcquireLease("b", absl::Milliseconds(900));
    if (grant.ok() && grant->has_value()) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_THAT(grant.status(), IsOk());
  ASSERT_TRUE(grant->has_value());
  EXPECT_EQ((*grant)->token, 2u);
  // The stalled session is gone: whatever it would commit now fails.
  r = PQexec(stalled, "COMMIT");
  EXPECT_NE(PQresultStatus(r), PGRES_COMMAND_OK);
  PQclear(r);
  PQfinish(stalled);
}

TEST_F(ClusterTest, SecondFrontEndDoesNotCreateALog) {
  // A holds the lease on an empty database without having created the log yet: B must not.
  PostgresOptions po;
  po.schema = schema_;
  auto holder = PostgresStorage::Open(TestPostgresUrl(), po);
  ASSERT_THAT(holder.status(), IsOk());
  ASSERT_THAT((*holder)->AcquireLease("starting", absl::Seconds(30)).status(), IsOk());
  auto storage = PostgresStorage::Open(TestPostgresUrl(), po);
  ASSERT_THAT(storage.status(), IsOk());
  LogOptions lo;
  lo.origin = "cluster.test";
  lo.signer_name = "cluster.test";
  lo.cluster = storage->get();
  lo.cluster_options.holder = "b";
  EXPECT_THAT(Log::Open(storage->get(), key_.get(), lo).status(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("holds no log yet")));
  lo.cluster_options.holder = "";
  EXPECT_THAT(Log::Open(storage->get(), key_.get(), lo).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("holder")));
}

}  // namespace
}  // namespace vouch::log
