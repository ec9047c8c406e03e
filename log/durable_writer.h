// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// DurableWriter: the stage that makes a batch durable. The sequencer hands it batches that are
// sequenced, integrated and carry the signed checkpoint that publishes them (SequencedBatch); its
// thread ("vouch-writer") writes every batch queued meanwhile in ONE storage transaction (entries,
// search keys, each changed tile once in its newest version, the newest tree state) and then
// reports the outcome, for all of them at once, to |on_written| on the same thread. Only then
// are they sequenced, integrated and published in Tessera's sense, and only then may anything
// be answered: a batch MUST NOT resolve before its transaction commits, and on_written is the
// only place that learns it did.
//
// Pipeline depth two: Submit() returns once the writer has taken the batch, so the sequencer
// prepares the next batch while one transaction is on its way to disk, and entries that arrive
// meanwhile join the next batch instead of making many small ones.
//
// After a failed transaction every batch already queued behind it is failed too (it was built on
// the tree that did not become durable) and the writer stays failed until the sequencer has
// reloaded the durable tree (AwaitDrainedIfFailed, ResumeAfterFailure).
//
// Thread-safe.
#ifndef VOUCH_LOG_DURABLE_WRITER_H_
#define VOUCH_LOG_DURABLE_WRITER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "log/append.h"
#include "log/storage.h"

namespace vouch::log {

class DurableWriter {
 public:
  // What became of the batches of one transaction.
  struct Outcome {
    // OK: durable. Otherwise nothing of them is stored: Unavailable("storage: ...").
    absl::Status status;
    // Not attempted because an earlier transaction failed (status says so).
    bool skipped = false;
    // When the transaction committed (or failed).
    absl::Time written;
  };
  // Called on the writer thread after each transaction with its batches, in submission order.
  using OnWritten =
      std::function<void(std::vector<std::unique_ptr<SequencedBatch>>& batches, const Outcome&)>;

  // Starts the writer thread over |storage| (which must outlive it).
  static std::unique_ptr<DurableWriter> Start(LogStorage* storage, OnWritten on_written);
  ~DurableWriter();  // Stop().
  DurableWriter(const DurableWriter&) = delete;
  DurableWriter& operator=(const DurableWriter&) = delete;

  // Queues |batch| and returns once the writer thread has taken it into a transaction.
  void Submit(std::unique_ptr<SequencedBatch> batch);

  // False if no transaction failed since the last ResumeAfterFailure(). Otherwise waits until
  // every batch submitted before this call is failed too and the writer is idle, and returns true:
  // the caller must restart from the durable tree state and then call ResumeAfterFailure().
  bool AwaitDrainedIfFailed();
  void ResumeAfterFailure();

  // Writes what was submitted, then stops the thread. Idempotent; Submit() must not be called
  // after it.
  void Stop();

 private:
  DurableWriter(LogStorage* storage, OnWritten on_written);
  void Loop();

  LogStorage* const storage_;
  const OnWritten on_written_;

  absl::Mutex mu_;
  std::deque<std::unique_ptr<SequencedBatch>> queue_ ABSL_GUARDED_BY(mu_);
  bool busy_ ABSL_GUARDED_BY(mu_) = false;
  bool failed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_DURABLE_WRITER_H_
