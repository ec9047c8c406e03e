// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Sequencer: the first stage of an append. Its thread ("vouch-sequencer") takes everything
// pending as one batch (at most max_batch, waiting up to linger for more), refuses duplicates,
// gives the rest consecutive indices and the batch's integrated time, signs their
// SignedEntryTimestamps, folds them into the tree (log/integrator.h), signs the checkpoint that
// covers them and hands the batch to the durable writer (log/durable_writer.h).
//
// In Tessera's words the batch is then *sequenced* (each entry has an index), *integrated* (in
// the tree) and *published* (covered by a signed checkpoint) as far as this process is concerned,
// but none of it is durable yet: the writer makes all three durable in one transaction, and the
// sequencer MUST NOT resolve a fresh entry before that. It answers on its own only what needs no
// commit: a duplicate of a stored entry (AlreadyExists naming its index), and the whole batch
// when sequencing fails (storage unreadable, signing failed: Unavailable, nothing written).
//
// In-flight de-duplication: an entry sequenced but not yet durable is "in flight". A duplicate of
// it follows it: answered when its commit is (AlreadyExists naming the index) or failed (the same
// error), never "already exists" about an entry the disk then refused. Resolve() is how the
// writer's outcome reaches the in-flight set and the waiters.
//
// Every answer goes through |answer| (see SequencerOptions), exactly once per PendingAppend.
//
// Thread-safe: Enqueue from any thread; Resolve from the writer's thread.
#ifndef VOUCH_LOG_SEQUENCER_H_
#define VOUCH_LOG_SEQUENCER_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "log/append.h"
#include "log/durable_writer.h"
#include "log/integrator.h"
#include "log/storage.h"
#include "signer/crypto.h"

namespace vouch::log {

struct SequencerOptions {
  // The checkpoint's origin line and signer name.
  std::string origin;
  std::string signer_name;
  // Largest batch (must be positive).
  size_t max_batch = 1024;
  // How long to wait for more entries before sequencing a batch that is not full. Zero: as soon
  // as the writer has taken the previous batch.
  absl::Duration linger = absl::ZeroDuration();
  // Most appends waiting to be sequenced (must be positive); Enqueue refuses more.
  size_t max_pending = 65536;
  Clock* clock = Clock::Real();
  // Called exactly once per PendingAppend with its outcome set (status, and when OK stored and
  // state), from the sequencer's or the writer's thread (or Enqueue's caller's for appends
  // refused at shutdown). Must not block.
  std::function<void(const std::shared_ptr<PendingAppend>&)> answer;
  // Called when sequencing fails (storage unreadable, signing failed) with the Unavailable status
  // every append of the batch is answered with.
  std::function<void(const absl::Status&)> on_failure;
};

class Sequencer {
 public:
  // Starts the sequencer thread on the tree of |integrator| (the durable tree). |storage|, |key|
  // and |writer| must outlive the Sequencer. |log_id| is the SHA-256 of the key's SPKI;
  // |last_signed_time| the durable checkpoint's timestamp (no checkpoint is signed with an
  // earlier one).
  static std::unique_ptr<Sequencer> Start(LogStorage* storage, const signer::Signer* key,
                                          std::string log_id, Integrator integrator,
                                          int64_t last_signed_time, DurableWriter* writer,
                                          SequencerOptions options);
  ~Sequencer();  // Stop().
  Sequencer(const Sequencer&) = delete;
  Sequencer& operator=(const Sequencer&) = delete;

  // Queues |p| (its entry and leaf set). Unavailable if stopping, ResourceExhausted if
  // max_pending appends are already waiting; |p| is then not queued and not answered.
  absl::Status Enqueue(std::shared_ptr<PendingAppend> p);
  // Queues all of |ps| whatever their number (bulk import). Unavailable if stopping.
  absl::Status EnqueueAll(const std::vector<std::shared_ptr<PendingAppend>>& ps);

  // The writer's outcome for |batch|: durable (OK) or not. Ends the batch's entries being in
  // flight and answers its waiters, their duplicates and followers. Call from the writer's
  // on_written, once per batch.
  void Resolve(SequencedBatch& batch, const absl::Status& outcome);

  // Stops the thread after the batch it is sequencing, if any, is handed to the writer; appends
  // still queued are answered Unavailable. Idempotent.
  void Stop();

 private:
  struct InFlight {
    uint64_t index = 0;
    std::vector<std::shared_ptr<PendingAppend>> followers;
  };

  Sequencer(LogStorage* storage, const signer::Signer* key, std::string log_id,
            Integrator integrator, int64_t last_signed_time, DurableWriter* writer,
            SequencerOptions options);
  void Loop();
  // Sequences, integrates and publishes |batch| and hands it to the writer, or answers it.
  void SequenceBatch(std::vector<std::shared_ptr<PendingAppend>>& batch);
  // Answers |p| with its status set (adds the existing entry's leaf to AlreadyExists).
  void Answer(const std::shared_ptr<PendingAppend>& p);
  // Removes |entries| from the in-flight set and answers their followers: AlreadyExists if
  // |failure| is OK (the entries are durable), else |failure|.
  void EndInFlight(const std::vector<StoredEntry>& entries, const absl::Status& failure);
  // After a failed commit: restarts from the durable tree state.
  absl::Status ReloadDurableTree();

  LogStorage* const storage_;
  const signer::Signer* const key_;
  const std::string log_id_;
  DurableWriter* const writer_;
  const SequencerOptions options_;

  // Sequencer thread only.
  Integrator integrator_;
  int64_t last_signed_time_;

  absl::Mutex inflight_mu_;
  absl::flat_hash_map<Hash, InFlight> inflight_ ABSL_GUARDED_BY(inflight_mu_);

  absl::Mutex queue_mu_;
  std::deque<std::shared_ptr<PendingAppend>> queue_ ABSL_GUARDED_BY(queue_mu_);
  bool stopping_ ABSL_GUARDED_BY(queue_mu_) = false;
  std::thread thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_SEQUENCER_H_
