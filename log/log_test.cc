// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/health.h"
#include "base/status.h"
#include "formats/signed_entry_timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/log_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

// Wraps the real storage with faults: while |stall| is set every write transaction waits for
// |release|; while |fail| is set it runs (so partial writes happen) and then fails the commit.
class FaultyStorage : public LogStorage {
 public:
  explicit FaultyStorage(LogStorage* inner) : inner_(inner) {}
  absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) override {
    return inner_->ReadTx(f);
  }
  absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) override {
    if (stall) release.WaitForNotification();
    if (fail) {
      return inner_->WriteTx([&](LogWriter& w) -> absl::Status {
        absl::Status s = f(w);
        (void)s;
        return absl::UnavailableError("disk on fire");
      });
    }
    return inner_->WriteTx(f);
  }
  std::atomic<bool> fail{false};
  std::atomic<bool> stall{false};
  absl::Notification release;

 private:
  LogStorage* inner_;
};

// Storage whose tile reads come back with every hash zeroed while |corrupt| is set (a disk or
// cache returning bad data after the start-up check).
class CorruptTileStorage : public LogStorage {
 public:
  explicit CorruptTileStorage(LogStorage* inner) : inner_(inner) {}
  absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) override {
    return inner_->ReadTx([&](LogReader& r) {
      Reader wrapped(&r, corrupt.load());
      return f(wrapped);
    });
  }
  absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) override {
    return inner_->WriteTx(f);
  }
  std::atomic<bool> corrupt{false};

 private:
  class Reader : public LogReader {
   public:
    Reader(LogReader* r, bool corrupt) : r_(r), corrupt_(corrupt) {}
    absl::StatusOr<std::optional<TreeState>> ReadTreeState() override {
      return r_->ReadTreeState();
    }
    absl::StatusOr<StoredEntry> ReadEntry(uint64_t i) override { return r_->ReadEntry(i); }
    absl::StatusOr<std::vector<StoredEntry>> ReadEntries(uint64_t b, uint64_t e) override {
      return r_->ReadEntries(b, e);
    }
    absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& h) override {
      return r_->FindLeaf(h);
    }
    absl::StatusOr<std::vector<uint64_t>> FindByKey(const std::string& k, size_t n) override {
      return r_->FindByKey(k, n);
    }
    absl::StatusOr<StoredTile> ReadTile(uint32_t level, uint64_t index) override {
      auto t = r_->ReadTile(level, index);
      if (t.ok() && corrupt_) t->hashes.assign(t->hashes.size(), '\0');
      return t;
    }
    absl::StatusOr<uint64_t> CountEntries() override { return r_->CountEntries(); }
    absl::StatusOr<uint64_t> CountEntryRows() override { return r_->CountEntryRows(); }
    absl::StatusOr<std::optional<std::string>> ReadMeta(const std::string& k) override {
      return r_->ReadMeta(k);
    }

   private:
    LogReader* r_;
    bool corrupt_;
  };
  LogStorage* inner_;
};

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTempDir();
    auto key =
        signer::OpenSslSigner::LoadOrCreate(dir_ + "/log_key.pem", signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_ = std::move(*key);
    auto v = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
    ASSERT_THAT(v, IsOk());
    verifier_ = std::move(*v);
    Reopen();
  }

  void Reopen() {
    log_.reset();
    storage_.reset();
    auto s = SqliteStorage::Open(dir_ + "/vouch.db");
    ASSERT_THAT(s, IsOk());
    storage_ = std::move(*s);
    auto log = Log::Open(storage_.get(), key_.get(), options_);
    ASSERT_THAT(log, IsOk());
    log_ = std::move(*log);
  }

  absl::Status OpenStatus() {
    log_.reset();
    storage_.reset();
    auto s = SqliteStorage::Open(dir_ + "/vouch.db");
    if (!s.ok()) return s.status();
    storage_ = std::move(*s);
    return Log::Open(storage_.get(), key_.get(), options_).status();
  }

  // Deletes the database (the key stays).
  void RemoveDb() {
    log_.reset();
    storage_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      ::unlink((dir_ + "/vouch.db" + suffix).c_str());
    }
  }

  void Sql(const std::string& sql) {
    log_.reset();
    storage_.reset();
    const std::string cmd = absl::StrCat("sqlite3 ", dir_, "/vouch.db \"", sql, "\"");
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
  }

  void ExpectValid(const EntryWithProof& e, Log* log = nullptr) {
    if (log == nullptr) log = log_.get();
    EXPECT_THAT(
        VerifyInclusion(e.entry.index, e.tree_size, HashLeaf(e.entry.body), e.proof, e.root),
        IsOk());
    auto cp = VerifyCheckpoint(e.checkpoint, options_.signer_name, *verifier_);
    ASSERT_THAT(cp, IsOk());
    EXPECT_EQ(cp->size, e.tree_size);
    EXPECT_EQ(cp->root, e.root);
    EXPECT_THAT(
        verifier_->Verify(formats::SignedEntryTimestampPayload(
                              e.entry.body, e.entry.integrated_time, log->log_id(), e.entry.index),
                          e.entry.set),
        IsOk());
  }

  std::vector<EntryWithProof> AppendMany(int n, const std::string& prefix) {
    std::vector<EntryWithProof> out;
    for (int i = 0; i < n; ++i) {
      auto r = log_->Append(NewEntry{absl::StrCat(prefix, i), {"k:" + prefix}});
      EXPECT_THAT(r, IsOk());
      if (r.ok()) out.push_back(*r);
    }
    return out;
  }

  std::string dir_;
  LogOptions options_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<signer::OpenSslVerifier> verifier_;
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<Log> log_;
};

TEST_F(LogTest, NewLogPublishesSignedEmptyCheckpoint) {
  const TreeState s = log_->Latest();
  EXPECT_EQ(s.size, 0u);
  EXPECT_EQ(s.root, EmptyRoot());
  EXPECT_THAT(VerifyCheckpoint(s.checkpoint, options_.signer_name, *verifier_), IsOk());
  // The creation time is recorded with the first checkpoint (a minute before it).
  ASSERT_THAT(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    auto created = r.ReadMeta("log_created");
    EXPECT_THAT(created.status(), IsOk());
    if (created.ok()) {
      EXPECT_EQ(created->value_or(""), absl::StrCat(s.timestamp - 60));
    }
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(LogTest, ConcurrentAppendsAreDurableWithValidProofsAndSets) {
  constexpr int kThreads = 16, kPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<std::vector<EntryWithProof>> results(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = log_->Append(NewEntry{absl::StrCat("entry ", t, "/", i), {}});
        ASSERT_THAT(r, IsOk());
        results[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> indices;
  for (auto& rs : results) {
    for (auto& r : rs) {
      ExpectValid(r);
      indices.insert(r.entry.index);
    }
  }
  EXPECT_EQ(indices.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*indices.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  EXPECT_GT(log_->stats().last_batch_size, 0u);
  EXPECT_LT(log_->stats().batches, static_cast<uint64_t>(kThreads * kPerThread))
      << "group commit should batch concurrent appends";

  // Every entry is readable with a proof against the latest checkpoint.
  const uint64_t size = log_->Latest().size;
  for (uint64_t i = 0; i < size; i += 37) {
    auto e = log_->GetByIndex(i);
    ASSERT_THAT(e, IsOk());
    ExpectValid(*e);
  }
}

// Many appends in flight at once from ONE thread (as the gRPC callback server does): each callback
// runs exactly once, off the caller's thread, with a valid entry; a duplicate in flight and one
// already stored are both refused.
TEST_F(LogTest, AsyncAppendsAnswerEachCallbackOnceWithValidProofs) {
  constexpr int kEntries = 300;
  absl::Mutex mu;
  std::vector<absl::StatusOr<EntryWithProof>> results;
  std::atomic<int> on_caller_thread{0};
  const std::thread::id caller = std::this_thread::get_id();
  auto record = [&](absl::StatusOr<EntryWithProof> r) {
    if (std::this_thread::get_id() == caller) on_caller_thread++;
    absl::MutexLock l(&mu);
    results.push_back(std::move(r));
  };
  for (int i = 0; i < kEntries; ++i) {
    log_->AppendAsync(NewEntry{absl::StrCat("async ", i), {"k:async"}}, record);
  }
  log_->AppendAsync(NewEntry{"async 7", {}}, record);  // Duplicate of an entry in flight.
  std::vector<absl::StatusOr<EntryWithProof>> got;
  {
    absl::MutexLock l(&mu);
    mu.Await(absl::Condition(
        +[](std::vector<absl::StatusOr<EntryWithProof>>* r) { return r->size() >= kEntries + 1; },
        &results));
    got = results;
  }
  EXPECT_EQ(on_caller_thread.load(), 0);
  std::set<uint64_t> indices;
  int duplicates = 0;
  for (auto& r : got) {
    if (!r.ok()) {
      EXPECT_THAT(r, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("already exists")));
      duplicates++;
      continue;
    }
    ExpectValid(*r);
    indices.insert(r->entry.index);
  }
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(indices.size(), static_cast<size_t>(kEntries));
  EXPECT_EQ(*indices.rbegin(), static_cast<uint64_t>(kEntries - 1));
  EXPECT_THAT(log_->Search("k:async", 1000), IsOk());
  EXPECT_EQ(log_->Search("k:async", 1000)->size(), static_cast<size_t>(kEntries));

  absl::Notification stored_dup;
  log_->AppendAsync(NewEntry{"async 0", {}}, [&](absl::StatusOr<EntryWithProof> r) {
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("at index 0")));
    stored_dup.Notify();
  });
  stored_dup.WaitForNotification();
  // Nothing is answered twice: after shutdown (every callback has run) the count is exact.
  log_->Shutdown();
  absl::MutexLock l(&mu);
  EXPECT_EQ(results.size(), static_cast<size_t>(kEntries + 1));
}

// Shutdown answers every callback still queued (Unavailable) or in the batches already taken (a
// durable result), and an append after shutdown is refused at once; none is lost or answered
// twice. The disk is stalled so that entries are certainly queued when Shutdown starts.
TEST_F(LogTest, AsyncAppendsAreAllAnsweredAcrossShutdown) {
  FaultyStorage stalled(storage_.get());
  stalled.stall = true;
  log_.reset();
  auto log = Log::Open(&stalled, key_.get(), options_);
  ASSERT_THAT(log, IsOk());
  std::atomic<int> ok{0}, unavailable{0}, other{0};
  auto record = [&](absl::StatusOr<EntryWithProof> r) {
    if (r.ok()) {
      ok++;
    } else if (absl::IsUnavailable(r.status())) {
      unavailable++;
    } else {
      other++;
    }
  };
  // Wave 1 goes to the writer (stalled), wave 2 into the batch prepared behind it; wave 3 then
  // waits in the queue, since the sequencer takes nothing until the writer takes that batch.
  for (const char* wave : {"a", "b", "c"}) {
    for (int i = 0; i < 100; ++i) {
      (*log)->AppendAsync(NewEntry{absl::StrCat(wave, i), {}}, record);
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  std::thread stopper([&] { (*log)->Shutdown(); });
  // Once a probe is refused at once, Shutdown has begun (and waits for the stalled writer).
  int sent = 300;
  while (true) {
    // (A probe queued before Shutdown is answered later, after this iteration: it owns its flag.)
    auto refused = std::make_shared<std::atomic<bool>>(false);
    (*log)->AppendAsync(NewEntry{absl::StrCat("probe", sent), {}},
                        [&record, refused](absl::StatusOr<EntryWithProof> r) {
                          *refused = absl::IsUnavailable(r.status()) &&
                                     absl::StrContains(r.status().message(), "shutting");
                          record(std::move(r));
                        });
    ++sent;
    if (refused->load()) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  stalled.release.Notify();
  stopper.join();
  EXPECT_EQ(ok.load() + unavailable.load(), sent);
  EXPECT_GE(unavailable.load(), 100) << "entries still queued at shutdown are refused";
  EXPECT_GT(ok.load(), 0) << "the batch with the writer is committed";
  EXPECT_EQ(other.load(), 0);
  // What was acknowledged is what is stored.
  const int acknowledged = ok.load();
  log->reset();
  Reopen();
  EXPECT_EQ(log_->Latest().size, static_cast<uint64_t>(acknowledged));
}

// A failed commit answers async callers with Unavailable, like blocked ones.
TEST_F(LogTest, AsyncAppendSeesFailedCommit) {
  FaultyStorage flaky(storage_.get());
  log_.reset();
  auto log = Log::Open(&flaky, key_.get(), options_);
  ASSERT_THAT(log, IsOk());
  flaky.fail = true;
  absl::Notification done;
  (*log)->AppendAsync(NewEntry{"lost", {}}, [&](absl::StatusOr<EntryWithProof> r) {
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk on fire")));
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ((*log)->Latest().size, 0u);
}

// A duplicate of an entry that is sequenced but not yet durable is answered with that entry's
// outcome once its commit is done: never "already exists" for an entry the disk then refused.
TEST_F(LogTest, DuplicateOfAnInFlightEntryFollowsItsCommit) {
  FaultyStorage stalled(storage_.get());
  stalled.stall = true;
  stalled.fail = true;
  log_.reset();
  auto log = Log::Open(&stalled, key_.get(), options_);
  ASSERT_THAT(log, IsOk());
  absl::Mutex mu;
  std::vector<absl::Status> answers;
  auto record = [&](absl::StatusOr<EntryWithProof> r) {
    absl::MutexLock l(&mu);
    answers.push_back(r.status());
  };
  (*log)->AppendAsync(NewEntry{"twice", {}}, record);
  absl::SleepFor(absl::Milliseconds(50));  // Sequenced; its commit is stalled.
  (*log)->AppendAsync(NewEntry{"twice", {}}, record);
  absl::SleepFor(absl::Milliseconds(50));
  {
    absl::MutexLock l(&mu);
    EXPECT_TRUE(answers.empty()) << "answered before the original's commit: " << answers[0];
  }
  stalled.release.Notify();
  {
    absl::MutexLock l(&mu);
    auto both = [&] { return answers.size() == 2; };
    mu.Await(absl::Condition(&both));
    for (const absl::Status& s : answers) {
      EXPECT_THAT(s, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk on fire")));
    }
  }
  // Once the disk works, the entry is stored, and a duplicate names its index.
  stalled.fail = false;
  auto first = (*log)->Append(NewEntry{"twice", {}});
  ASSERT_THAT(first, IsOk());
  EXPECT_THAT((*log)->Append(NewEntry{"twice", {}}),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       HasSubstr(absl::StrCat("at index ", first->entry.index))));
}

// With the disk stalled, appends beyond max_pending are refused at once (not queued without
// bound); the ones accepted are all stored once the disk moves again.
TEST_F(LogTest, RefusesAppendsBeyondMaxPending) {
  FaultyStorage stalled(storage_.get());
  stalled.stall = true;
  log_.reset();
  LogOptions options = options_;
  options.max_pending = 4;
  auto log = Log::Open(&stalled, key_.get(), options);
  ASSERT_THAT(log, IsOk());
  constexpr int kEntries = 50;
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::atomic<int> answered{0};
  for (int i = 0; i < kEntries; ++i) {
    (*log)->AppendAsync(NewEntry{absl::StrCat("p", i), {}}, [&](absl::StatusOr<EntryWithProof> r) {
      if (r.ok()) {
        ok++;
      } else if (absl::IsResourceExhausted(r.status()) &&
                 absl::StrContains(r.status().message(), "overloaded")) {
        refused++;
      } else {
        other++;
      }
      answered++;
    });
  }
  // At most: one batch with the writer, one prepared behind it, max_pending in the queue.
  EXPECT_GE(refused.load(), kEntries - 3 * 4);
  EXPECT_EQ(ok.load(), 0) << "nothing is durable while the disk is stalled";
  stalled.release.Notify();
  while (answered.load() < kEntries) absl::SleepFor(absl::Milliseconds(1));
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(ok.load() + refused.load(), kEntries);
  EXPECT_EQ((*log)->Latest().size, static_cast<uint64_t>(ok.load()));
  EXPECT_THAT((*log)->Append(NewEntry{"after", {}}), IsOk());
}

TEST_F(LogTest, Ed25519LogKeySignsCheckpointsAndSets) {
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  ASSERT_THAT(key, IsOk());
  auto verifier = signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  const std::string dir = NewTempDir();
  auto storage = SqliteStorage::Open(dir + "/vouch.db");
  ASSERT_THAT(storage, IsOk());
  size_t committed = 0;
  LogOptions options = options_;
  options.on_commit = [&](size_t n, absl::Duration) { committed += n; };
  auto log = Log::Open(storage->get(), key->get(), options);
  ASSERT_THAT(log, IsOk());
  auto r = (*log)->Append(NewEntry{"ed25519 entry", {}});
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT(VerifyCheckpoint(r->checkpoint, options_.signer_name, **verifier), IsOk());
  EXPECT_THAT((*verifier)->Verify(
                  formats::SignedEntryTimestampPayload(r->entry.body, r->entry.integrated_time,
                                                       (*log)->log_id(), r->entry.index),
                  r->entry.set),
              IsOk());
  EXPECT_EQ(committed, 1u);
}

TEST_F(LogTest, RefusesDuplicatesNamingTheExistingIndex) {
  ASSERT_THAT(log_->Append(NewEntry{"a", {}}), IsOk());
  ASSERT_THAT(log_->Append(NewEntry{"b", {}}), IsOk());
  EXPECT_THAT(log_->Append(NewEntry{"a", {}}),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("at index 0")));
  EXPECT_EQ(log_->Latest().size, 2u);
}

// Every duplicate carries the existing entry's leaf hash (the HTTP API names it in the 409's
// Location header), whichever path found it: stored, a twin in the same batch, or a follower of
// an in-flight original.
TEST_F(LogTest, DuplicatesCarryTheExistingEntryLeafHash) {
  ASSERT_THAT(log_->Append(NewEntry{"a", {}}), IsOk());
  const absl::Status stored = log_->Append(NewEntry{"a", {}}).status();
  ASSERT_THAT(stored, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ExistingEntryLeaf(stored), HashLeaf("a"));

  // With the disk stalled the first copy is in flight while the others arrive (followers or
  // twins; stored duplicates if the machine is slow): every one names the same leaf.
  FaultyStorage stalled(storage_.get());
  stalled.stall = true;
  log_.reset();
  auto log = Log::Open(&stalled, key_.get(), options_);
  ASSERT_THAT(log, IsOk());
  absl::Mutex mu;
  std::vector<absl::Status> answers;
  auto record = [&](absl::StatusOr<EntryWithProof> r) {
    absl::MutexLock l(&mu);
    answers.push_back(r.status());
  };
  constexpr size_t kCopies = 8;
  for (size_t i = 0; i < kCopies; ++i) (*log)->AppendAsync(NewEntry{"b", {}}, record);
  stalled.release.Notify();
  absl::MutexLock l(&mu);
  auto all = [&] { return answers.size() == kCopies; };
  mu.Await(absl::Condition(&all));
  size_t ok = 0;
  for (const absl::Status& s : answers) {
    if (s.ok()) {
      ++ok;
      continue;
    }
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kAlreadyExists));
    EXPECT_EQ(ExistingEntryLeaf(s), HashLeaf("b")) << s;
  }
  EXPECT_EQ(ok, 1u);
  EXPECT_FALSE(ExistingEntryLeaf(absl::OkStatus()).has_value());
  EXPECT_FALSE(ExistingEntryLeaf(absl::UnavailableError("disk")).has_value());
  EXPECT_FALSE(ExistingEntryLeaf(absl::AlreadyExistsError("no payload")).has_value());
}

TEST_F(LogTest, ReopenKeepsTreeAndProofsStayConsistent) {
  auto first = AppendMany(300, "x");
  const TreeState before = log_->Latest();
  Reopen();
  const TreeState after = log_->Latest();
  EXPECT_EQ(after.size, before.size);
  EXPECT_EQ(after.root, before.root);
  auto more = AppendMany(600, "y");
  const TreeState later = log_->Latest();
  for (uint64_t m : {uint64_t{1}, uint64_t{255}, uint64_t{256}, uint64_t{300}, later.size}) {
    auto proof = log_->ConsistencyProof(m, later.size);
    ASSERT_THAT(proof, IsOk());
    auto old = log_->GetByIndex(0);
    ASSERT_THAT(old, IsOk());
  }
  auto proof = log_->ConsistencyProof(before.size, later.size);
  ASSERT_THAT(proof, IsOk());
  EXPECT_THAT(VerifyConsistency(before.size, later.size, *proof, before.root, later.root), IsOk());
  EXPECT_THAT(log_->ConsistencyProof(0, 5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log_->ConsistencyProof(5, later.size + 1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Lookups by UUID and search key.
  auto byhash = log_->GetByLeafHash(HashLeaf("y5"));
  ASSERT_THAT(byhash, IsOk());
  EXPECT_EQ(byhash->entry.body, "y5");
  auto found = log_->Search("k:x", 1000);
  ASSERT_THAT(found, IsOk());
  EXPECT_EQ(found->size(), 300u);
  EXPECT_THAT(log_->GetByIndex(later.size), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(LogTest, ServesC2spTilesAndEntryBundles) {
  AppendMany(300, "t");
  auto tile = log_->TileData(0, 0, 256);
  ASSERT_THAT(tile, IsOk());
  ASSERT_EQ(tile->size(), 256u * 32);
  EXPECT_EQ(tile->substr(5 * 32, 32), HashBytes(HashLeaf("t5")));
  auto partial = log_->TileData(0, 1, 44);
  ASSERT_THAT(partial, IsOk());
  EXPECT_EQ(partial->substr(0, 32), HashBytes(HashLeaf("t256")));
  EXPECT_THAT(log_->TileData(0, 1, 45), StatusIs(absl::StatusCode::kNotFound));
  auto upper = log_->TileData(1, 0, 1);
  ASSERT_THAT(upper, IsOk());
  auto bundle = log_->EntryBundle(1, 2);
  ASSERT_THAT(bundle, IsOk());
  EXPECT_EQ(*bundle, std::string("\0\4t256\0\4t257", 12));
}

TEST_F(LogTest, FailedCommitLeavesNothingAndLogRecovers) {
  AppendMany(3, "ok");
  FaultyStorage flaky(storage_.get());
  log_.reset();
  auto log = Log::Open(&flaky, key_.get(), options_);
  ASSERT_THAT(log, IsOk());
  flaky.fail = true;
  EXPECT_THAT((*log)->Append(NewEntry{"lost", {}}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("disk on fire")));
  EXPECT_EQ((*log)->Latest().size, 3u);
  flaky.fail = false;
  auto r = (*log)->Append(NewEntry{"lost", {}});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->entry.index, 3u);
  ExpectValid(*r, log->get());
}

TEST_F(LogTest, FailedCommitsUnderConcurrencyLeaveNothingAndLogRecovers) {
  AppendMany(5, "ok");
  FaultyStorage flaky(storage_.get());
  log_.reset();
  auto log = Log::Open(&flaky, key_.get(), options_);
  ASSERT_THAT(log, IsOk());
  flaky.fail = true;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        if (!(*log)->Append(NewEntry{absl::StrCat("f", t, "/", i), {}}).ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 40);
  EXPECT_EQ((*log)->Latest().size, 5u);
  flaky.fail = false;
  threads.clear();
  std::vector<EntryWithProof> results[8];
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto r = (*log)->Append(NewEntry{absl::StrCat("f", t, "/", i), {}});
        ASSERT_THAT(r, IsOk());
        results[t].push_back(*r);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ((*log)->Latest().size, 45u);
  for (auto& rs : results) {
    for (auto& r : rs) ExpectValid(r, log->get());
  }
  // The stored tree passes the start-up check.
  log->reset();
  Reopen();
  EXPECT_EQ(log_->Latest().size, 45u);
}

TEST_F(LogTest, RefusesAlteredEntryBody) {
  AppendMany(10, "e");
  Sql("UPDATE entries SET body = 'evil' WHERE idx = 7");
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 7")));
}

TEST_F(LogTest, RefusesAlteredLeafHashAndBody) {
  AppendMany(10, "e");
  // Change body and its stored leaf hash consistently: the tree still disagrees.
  Sql("UPDATE entries SET body = 'evil', leaf_hash = x'" + HashToHex(HashLeaf("evil")) +
      "' WHERE idx = 7");
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_F(LogTest, RefusesAlteredTile) {
  AppendMany(10, "e");
  Sql("UPDATE tiles SET hashes = zeroblob(length(hashes)) WHERE level = 0");
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("tree node")));
}

TEST_F(LogTest, RefusesDeletedEntries) {
  AppendMany(10, "e");
  Sql("DELETE FROM entries WHERE idx = 9");
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("9 entries")));
}

TEST_F(LogTest, RefusesForeignKeyOrForgedCheckpoint) {
  AppendMany(4, "e");
  Sql("UPDATE tree_state SET checkpoint = replace(checkpoint, char(10) || '4' || char(10), "
      "char(10) || '5' || char(10))");
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not verify")));
}

// A row deleted from the middle of an older tile (outside the newest 256 entries and the random
// sample) is seen at start-up: the row counter disagrees with the highest index.
TEST_F(LogTest, RefusesEntryDeletedFromTheMiddle) {
  options_.startup_sample = 0;
  Reopen();
  AppendMany(300, "e");
  Sql("DELETE FROM entries WHERE idx = 5");
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss,
                                     HasSubstr("indices run from 0 to 299 (a row is missing")));
}

// The origin and signer name are fixed when the log is created: reopening under other ones is
// refused naming both values; StoredIdentity tells what they are.
TEST_F(LogTest, IdentityIsFixedWhenTheLogIsCreated) {
  options_.origin = "rekor.example.com - 0123";
  options_.signer_name = "rekor.example.com";
  RemoveDb();
  Reopen();
  AppendMany(3, "e");
  auto id = Log::StoredIdentity(storage_.get());
  ASSERT_THAT(id, IsOk());
  ASSERT_TRUE(id->has_value());
  EXPECT_EQ((*id)->origin, "rekor.example.com - 0123");
  EXPECT_EQ((*id)->signer_name, "rekor.example.com");
  LogOptions original = options_;
  options_.signer_name = "127.0.0.2";
  EXPECT_THAT(OpenStatus(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("\"127.0.0.2\""), HasSubstr("\"rekor.example.com\""))));
  options_ = original;
  options_.origin = "127.0.0.2 - 0123";
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     AllOf(HasSubstr("\"127.0.0.2 - 0123\""),
                                           HasSubstr("\"rekor.example.com - 0123\""))));
  options_ = original;
  Reopen();
  auto r = log_->Append(NewEntry{"after", {}});
  ASSERT_THAT(r, IsOk());
  ExpectValid(*r);
  auto cp = VerifyCheckpoint(r->checkpoint, "rekor.example.com", *verifier_);
  ASSERT_THAT(cp, IsOk());
  EXPECT_EQ(cp->origin, "rekor.example.com - 0123");
}

// A log created before the identity was stored takes its latest checkpoint's, and keeps it.
TEST_F(LogTest, AdoptsTheIdentityOfItsCheckpointWhenNoneIsStored) {
  options_.origin = "old.example - 1";
  options_.signer_name = "old.example";
  RemoveDb();
  Reopen();
  AppendMany(3, "e");
  Sql("DELETE FROM meta WHERE key IN ('log_origin', 'log_name')");
  auto s = SqliteStorage::Open(dir_ + "/vouch.db");
  ASSERT_THAT(s, IsOk());
  auto id = Log::StoredIdentity(s->get());
  ASSERT_THAT(id, IsOk());
  ASSERT_TRUE(id->has_value());
  EXPECT_EQ((*id)->origin, "old.example - 1");
  EXPECT_EQ((*id)->signer_name, "old.example");
  s->reset();
  Reopen();  // Same identity as the checkpoint's: accepted and now stored.
  ASSERT_THAT(storage_->ReadTx([](LogReader& r) -> absl::Status {
    EXPECT_EQ(**r.ReadMeta("log_name"), "old.example");
    EXPECT_EQ(**r.ReadMeta("log_origin"), "old.example - 1");
    return absl::OkStatus();
  }),
              IsOk());
}

// An identity in meta that the signed checkpoint does not bear (meta edited) is refused.
TEST_F(LogTest, RefusesStoredIdentityThatItsCheckpointContradicts) {
  AppendMany(2, "e");
  Sql("UPDATE meta SET value = 'evil.example' WHERE key = 'log_name'");
  options_.signer_name = "evil.example";
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not verify")));
}

// Storage without a log is refused unless creating one is allowed (a key that signed before).
TEST_F(LogTest, RefusesToStartANewLogUnlessAllowed) {
  AppendMany(2, "e");
  RemoveDb();
  options_.create_if_missing = false;
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                     HasSubstr("the database holds no log")));
  options_.create_if_missing = true;
  EXPECT_THAT(OpenStatus(), IsOk());
}

class PublishedCheckpointTest : public LogTest {
 protected:
  void SetUp() override {
    options_.published_checkpoint_path = NewTempDir() + "/published_checkpoint";
    LogTest::SetUp();
  }
  std::string File() {
    auto s = ReadSmallFile(options_.published_checkpoint_path);
    return s.ok() ? *s : std::string(s.status().message());
  }
  void CopyDb(const std::string& from, const std::string& to) {
    const std::string cmd = absl::StrCat("sqlite3 ", from, " \".backup ", to, "\"");
    ASSERT_EQ(system(cmd.c_str()), 0) << cmd;
  }
};

// The file holds the newest checkpoint once the log stops, and is written when missing.
TEST_F(PublishedCheckpointTest, FileFollowsThePublishedCheckpoint) {
  EXPECT_EQ(File(), log_->Latest().checkpoint) << "a new log writes it at once";
  AppendMany(20, "e");
  log_->Shutdown();
  EXPECT_EQ(File(), log_->Latest().checkpoint);
  ASSERT_EQ(::unlink(options_.published_checkpoint_path.c_str()), 0);
  Reopen();
  EXPECT_EQ(File(), log_->Latest().checkpoint);
}

// A database restored from an older backup is refused: a checkpoint of a larger tree was already
// published. Copying the newer database back makes it start again.
TEST_F(PublishedCheckpointTest, RefusesDatabaseOlderThanThePublishedCheckpoint) {
  AppendMany(10, "e");
  const std::string backup = NewTempDir() + "/backup.db";
  CopyDb(dir_ + "/vouch.db", backup);
  AppendMany(5, "f");
  const std::string newer = NewTempDir() + "/newer.db";
  CopyDb(dir_ + "/vouch.db", newer);
  RemoveDb();
  CopyDb(backup, dir_ + "/vouch.db");
  EXPECT_THAT(OpenStatus(),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr("tree has 10 entries but this log already published a "
                                       "checkpoint of size 15"),
                             HasSubstr(options_.published_checkpoint_path))));
  RemoveDb();
  CopyDb(newer, dir_ + "/vouch.db");
  EXPECT_THAT(OpenStatus(), IsOk());
}

// An emptied or deleted database under a log that published is refused, even where creating a
// log would be allowed.
TEST_F(PublishedCheckpointTest, RefusesEmptiedDatabase) {
  AppendMany(4, "e");
  RemoveDb();
  EXPECT_THAT(OpenStatus(),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("holds no log but this log already published a checkpoint of "
                                 "size 4")));
}

// A tree under the same key that is not an extension of the published one (a fork) is refused,
// whether larger or the same size.
TEST_F(PublishedCheckpointTest, RefusesTreeInconsistentWithThePublishedCheckpoint) {
  AppendMany(5, "a");
  log_->Shutdown();
  const std::string published = File();
  for (int size : {5, 9}) {
    SCOPED_TRACE(size);
    RemoveDb();
    ASSERT_EQ(::unlink(options_.published_checkpoint_path.c_str()), 0);
    Reopen();  // A new log under the same key...
    AppendMany(size, "b");
    log_.reset();
    // ...next to the checkpoint of the first one.
    ASSERT_THAT(WriteFileAtomically(options_.published_checkpoint_path, published, 0600), IsOk());
    EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss,
                                       AllOf(HasSubstr("not consistent with the checkpoint this "
                                                       "log published at size 5"),
                                             HasSubstr("fork"))));
  }
}

// A file that is not this log's checkpoint is refused naming it.
TEST_F(PublishedCheckpointTest, RefusesFileNotSignedByTheLog) {
  AppendMany(2, "e");
  log_.reset();
  ASSERT_THAT(WriteFileAtomically(options_.published_checkpoint_path, "garbage\n", 0600), IsOk());
  EXPECT_THAT(OpenStatus(), StatusIs(absl::StatusCode::kDataLoss,
                                     AllOf(HasSubstr(options_.published_checkpoint_path),
                                           HasSubstr("not a checkpoint signed by this log"))));
}

// Reads check every proof they serve against its checkpoint, from the stored body: damage that
// the start-up check does not look at (an inner tile node, an old body, a time) is answered with
// DataLoss naming the entry, counted, and reported to health for good.
TEST_F(LogTest, ReadsRefuseProofsThatDoNotVerify) {
  options_.startup_sample = 0;
  Reopen();
  AppendMany(600, "e");
  // Node (level 1, index 129) (leaves 258-259) is row 1, position 1 of tile 0/1: in the proofs
  // of entries 256 and 257, in no compact range node and not a leaf.
  log_.reset();
  ASSERT_THAT(storage_->WriteTx([](LogWriter& w) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(StoredTile t, w.ReadTile(0, 1));
    t.hashes.replace(TileRowOffset(256, 1) + 32, 32, std::string(32, '\0'));
    return w.WriteTile(t);
  }),
              IsOk());
  Sql("UPDATE entries SET body = 'evil' WHERE idx = 5");
  Sql("UPDATE entries SET integrated_time = -5 WHERE idx = 6");
  Health health;
  options_.health = &health;
  Reopen();
  EXPECT_TRUE(health.Check().serving);
  EXPECT_THAT(log_->GetByIndex(256),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("entry 256: inclusion proof does not verify against the "
                                 "checkpoint of size 600")));
  EXPECT_THAT(log_->GetByLeafHash(HashLeaf("e257")),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 257: inclusion proof")));
  EXPECT_THAT(log_->GetByIndex(258), IsOk());
  EXPECT_THAT(log_->GetByIndex(5),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 5: body hashes to")));
  EXPECT_THAT(log_->GetByIndex(6),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 6: integratedTime -5")));
  EXPECT_EQ(log_->stats().integrity_failures, 4u);
  const HealthReport r = health.Check();
  EXPECT_FALSE(r.serving);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_THAT(r.reasons[0], HasSubstr("log.integrity: entry 256: inclusion proof"));
  // Appends still work (their own proofs verify) but the log stays unhealthy.
  EXPECT_THAT(log_->Append(NewEntry{"later", {}}), IsOk());
  EXPECT_FALSE(health.Check().serving);
}

// An append's answer is checked like a read: a proof built from bad tile data (here every tile
// read from storage comes back zeroed, and the cache holds one tile) is not handed out; the entry
// itself is durable.
TEST_F(LogTest, AppendAnswerWhoseProofDoesNotVerifyIsDataLoss) {
  AppendMany(300, "e");
  log_.reset();
  CorruptTileStorage corrupting(storage_.get());
  Health health;
  LogOptions options = options_;
  options.tile_cache_size = 1;
  options.health = &health;
  auto log = Log::Open(&corrupting, key_.get(), options);
  ASSERT_THAT(log, IsOk());
  corrupting.corrupt = true;
  EXPECT_THAT((*log)->Append(NewEntry{"new", {}}),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("entry 300: inclusion proof does not verify against the "
                                 "checkpoint of size 301")));
  EXPECT_EQ((*log)->Latest().size, 301u);
  EXPECT_FALSE(health.Check().serving);
  EXPECT_EQ((*log)->stats().integrity_failures, 1u);
}

// A row removed with the counter fixed up too (which the start-up check cannot see outside the
// newest entries) is DataLoss on read, not "not found".
TEST_F(LogTest, ReadOfAMissingEntryInsideTheTreeIsDataLoss) {
  options_.startup_sample = 0;
  Reopen();
  AppendMany(300, "e");
  Sql("DELETE FROM entries WHERE idx = 4; UPDATE entry_count SET n = n + 1");
  Reopen();
  EXPECT_THAT(log_->GetByIndex(4),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("entry 4 is missing from storage (the signed tree has 300")));
  EXPECT_EQ(log_->stats().integrity_failures, 1u);
}

// Failing commits turn health NOT_SERVING naming the storage error; a later successful commit
// turns it back.
TEST_F(LogTest, FailingAppendsAreUnhealthyUntilACommitSucceeds) {
  FaultyStorage flaky(storage_.get());
  Health health;
  LogOptions options = options_;
  options.health = &health;
  log_.reset();
  auto log = Log::Open(&flaky, key_.get(), options);
  ASSERT_THAT(log, IsOk());
  flaky.fail = true;
  EXPECT_THAT((*log)->Append(NewEntry{"x", {}}), StatusIs(absl::StatusCode::kUnavailable));
  HealthReport r = health.Check();
  EXPECT_FALSE(r.serving);
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0], "log.append: appends failing: storage: disk on fire");
  flaky.fail = false;
  EXPECT_THAT((*log)->Append(NewEntry{"x", {}}), IsOk());
  EXPECT_TRUE(health.Check().serving);
}

}  // namespace
}  // namespace vouch::log
