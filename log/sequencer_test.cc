// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The sequencer and the durable writer together over real SQLite storage, without the Log
// front: what is answered when (never before the writer's transaction commits), and what a
// failure to sequence leaves behind (nothing). The Log-level behaviour (duplicates in flight,
// failed commits, shutdown) is in log_test.cc.
#include "log/sequencer.h"

#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "formats/signed_entry_timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/durable_writer.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

// Storage whose write transactions report that they started and then wait for |release|.
class GatedStorage : public LogStorage {
 public:
  explicit GatedStorage(LogStorage* inner) : inner_(inner) {}
  absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) override {
    return inner_->ReadTx(f);
  }
  absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) override {
    if (!entered.HasBeenNotified()) entered.Notify();
    release.WaitForNotification();
    return inner_->WriteTx(f);
  }
  absl::Notification entered;
  absl::Notification release;

 private:
  LogStorage* inner_;
};

// A signer that fails while |fail| is set.
class FlakySigner : public signer::Signer {
 public:
  explicit FlakySigner(const signer::Signer* inner) : inner_(inner) {}
  absl::StatusOr<std::string> Sign(absl::string_view message) const override {
    if (fail) return absl::UnavailableError("HSM session lost");
    return inner_->Sign(message);
  }
  signer::KeyType key_type() const override { return inner_->key_type(); }
  std::string PublicKeyDer() const override { return inner_->PublicKeyDer(); }
  bool fail = false;

 private:
  const signer::Signer* inner_;
};

class SequencerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = std::string(::testing::TempDir()) + "/sequencer_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    auto storage = SqliteStorage::Open(tmpl + "/vouch.db");
    ASSERT_THAT(storage, IsOk());
    storage_ = std::move(*storage);
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    key_ = std::move(*key);
    auto verifier = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
    ASSERT_THAT(verifier, IsOk());
    verifier_ = std::move(*verifier);
    log_id_ = signer::Sha256(key_->PublicKeyDer());
  }

  void Start(LogStorage* storage, const signer::Signer* key) {
    writer_ = DurableWriter::Start(storage, [this](auto& batches, const auto& outcome) {
      for (auto& b : batches) sequencer_->Resolve(*b, outcome.status);
    });
    SequencerOptions options;
    options.origin = "test origin";
    options.signer_name = "test";
    options.answer = [this](const std::shared_ptr<PendingAppend>& p) {
      absl::MutexLock l(&mu_);
      answered_.push_back(p);
    };
    options.on_failure = [this](const absl::Status& s) {
      absl::MutexLock l(&mu_);
      failures_.push_back(s);
    };
    sequencer_ =
        Sequencer::Start(storage, key, log_id_, Integrator(), 0, writer_.get(), std::move(options));
  }

  void TearDown() override {
    if (sequencer_ != nullptr) sequencer_->Stop();
    if (writer_ != nullptr) writer_->Stop();
  }

  std::shared_ptr<PendingAppend> Pending(const std::string& body) {
    auto p = std::make_shared<PendingAppend>();
    p->entry = NewEntry{body, {"key:" + body}};
    p->leaf = HashLeaf(body);
    return p;
  }

  size_t Answered() {
    absl::MutexLock l(&mu_);
    return answered_.size();
  }

  void AwaitAnswered(size_t n) {
    std::pair<SequencerTest*, size_t> arg(this, n);
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(
        +[](std::pair<SequencerTest*, size_t>* a)
             ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->first->answered_.size() >= a->second; },
        &arg));
  }

  uint64_t StoredCount() {
    uint64_t n = 0;
    EXPECT_THAT(storage_->ReadTx([&](LogReader& r) -> absl::Status {
      auto c = r.CountEntries();
      if (c.ok()) n = *c;
      return c.status();
    }),
                IsOk());
    return n;
  }

  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::unique_ptr<signer::OpenSslVerifier> verifier_;
  std::string log_id_;
  std::unique_ptr<DurableWriter> writer_;
  std::unique_ptr<Sequencer> sequencer_;
  absl::Mutex mu_;
  std::vector<std::shared_ptr<PendingAppend>> answered_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Status> failures_ ABSL_GUARDED_BY(mu_);
};

// Sequenced, integrated and with its checkpoint signed, a batch is still not answered while its
// transaction has not committed; once it has, every append gets its index, SET and checkpoint.
TEST_F(SequencerTest, NothingIsAnsweredBeforeTheWriterCommits) {
  GatedStorage gated(storage_.get());
  Start(&gated, key_.get());
  std::vector<std::shared_ptr<PendingAppend>> ps = {Pending("a"), Pending("b"), Pending("a")};
  ASSERT_THAT(sequencer_->EnqueueAll(ps), IsOk());
  gated.entered.WaitForNotification();  // The writer holds the batch in its transaction.
  EXPECT_EQ(Answered(), 0u);
  EXPECT_EQ(StoredCount(), 0u);
  gated.release.Notify();
  AwaitAnswered(3);
  ASSERT_THAT(ps[0]->status, IsOk());
  ASSERT_THAT(ps[1]->status, IsOk());
  // The same body twice in one batch: the second is told where the first went.
  EXPECT_THAT(ps[2]->status, StatusIs(absl::StatusCode::kAlreadyExists,
                                      HasSubstr("entry already exists at index 0")));
  EXPECT_EQ(ExistingEntryLeaf(ps[2]->status), HashLeaf("a"));
  for (int i = 0; i < 2; ++i) {
    const StoredEntry& e = ps[i]->stored;
    EXPECT_EQ(e.index, static_cast<uint64_t>(i));
    EXPECT_THAT(verifier_->Verify(formats::SignedEntryTimestampPayload(e.body, e.integrated_time,
                                                                       log_id_, e.index),
                                  e.set),
                IsOk());
    auto cp = VerifyCheckpoint(ps[i]->state.checkpoint, "test", *verifier_);
    ASSERT_THAT(cp, IsOk());
    EXPECT_EQ(cp->size, 2u);
    EXPECT_EQ(cp->origin, "test origin");
    EXPECT_TRUE(ps[i]->state.compact_range.empty());
  }
  EXPECT_EQ(StoredCount(), 2u);
}

// A batch that cannot be sequenced (its SETs cannot be signed) is answered Unavailable, reported
// once, and leaves nothing in storage; the next batch goes on from the same tree.
TEST_F(SequencerTest, FailureToSequenceAnswersTheBatchAndWritesNothing) {
  FlakySigner signer(key_.get());
  signer.fail = true;
  Start(storage_.get(), &signer);
  auto a = Pending("a");
  ASSERT_THAT(sequencer_->Enqueue(a), IsOk());
  AwaitAnswered(1);
  EXPECT_THAT(a->status, StatusIs(absl::StatusCode::kUnavailable,
                                  HasSubstr("signing entry timestamp: HSM session lost")));
  {
    absl::MutexLock l(&mu_);
    ASSERT_EQ(failures_.size(), 1u);
  }
  EXPECT_EQ(StoredCount(), 0u);
  signer.fail = false;
  auto b = Pending("b");
  ASSERT_THAT(sequencer_->Enqueue(b), IsOk());
  AwaitAnswered(2);
  ASSERT_THAT(b->status, IsOk());
  EXPECT_EQ(b->stored.index, 0u);
  EXPECT_EQ(StoredCount(), 1u);
}

TEST_F(SequencerTest, RefusesAppendsBeyondMaxPendingAndAfterStop) {
  GatedStorage gated(storage_.get());
  writer_ = DurableWriter::Start(&gated, [this](auto& batches, const auto& outcome) {
    for (auto& b : batches) sequencer_->Resolve(*b, outcome.status);
  });
  SequencerOptions options;
  options.origin = "test origin";
  options.signer_name = "test";
  options.max_pending = 2;
  options.answer = [this](const std::shared_ptr<PendingAppend>& p) {
    absl::MutexLock l(&mu_);
    answered_.push_back(p);
  };
  options.on_failure = [](const absl::Status&) {};
  sequencer_ = Sequencer::Start(&gated, key_.get(), log_id_, Integrator(), 0, writer_.get(),
                                std::move(options));
  ASSERT_THAT(sequencer_->Enqueue(Pending("first")), IsOk());
  gated.entered.WaitForNotification();  // "first" is in the writer; the queue is empty again.
  // The sequencer's next batch waits for the writer, so these stay queued.
  ASSERT_THAT(sequencer_->Enqueue(Pending("x")), IsOk());
  absl::Status third;
  for (int i = 0; i < 100 && third.ok(); ++i) third = sequencer_->Enqueue(Pending(absl::StrCat(i)));
  EXPECT_THAT(third, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("the limit")));
  gated.release.Notify();
  sequencer_->Stop();
  EXPECT_THAT(sequencer_->Enqueue(Pending("late")),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting down")));
}

}  // namespace
}  // namespace vouch::log
