// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// PendingPump: the sequencing front end's side of the pending queue (log/cluster_store.h). While
// this process holds the sequencer lease, its thread ("vouch-pump") reads the rows other front
// ends queued and hands them to the local Sequencer like local appends, marked with their row id
// (PendingAppend::remote_id): the durable writer resolves the row in the same transaction that
// makes the entry durable, so a row is resolved exactly when its entry is. Rows whose entry was
// already in the log are marked duplicates (Done). A row whose append failed (a failed commit, a
// lost lease) stays unresolved and is read again, by this process or by the next sequencer.
//
// Resolved rows that their front end never collected (it died) are deleted after stale_after.
//
// Thread-safe.
#ifndef VOUCH_LOG_PENDING_PUMP_H_
#define VOUCH_LOG_PENDING_PUMP_H_

#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "log/append.h"
#include "log/cluster_store.h"
#include "log/sequencer.h"

namespace vouch::log {

struct PendingPumpOptions {
  // Time between two reads of the queue while it is empty (it is read again at once while rows
  // keep coming).
  absl::Duration poll = absl::Milliseconds(2);
  // Most rows read at once.
  size_t max_rows = 1024;
  // Resolved rows older than this are deleted.
  absl::Duration stale_after = absl::Minutes(10);
};

class PendingPump {
 public:
  // A pump that does nothing until Start. |cluster| must outlive it.
  static std::unique_ptr<PendingPump> New(ClusterStore* cluster, PendingPumpOptions options);
  // Starts the thread, handing rows to |sequencer| (which must outlive the pump). Once.
  void Start(Sequencer* sequencer);
  ~PendingPump();  // Stop().
  PendingPump(const PendingPump&) = delete;
  PendingPump& operator=(const PendingPump&) = delete;

  // The outcome of an append the pump handed to the sequencer (|p|->remote_id != 0): called
  // once per such append, from whichever thread answers it.
  void Done(const std::shared_ptr<PendingAppend>& p);

  // Stops reading the queue (Done may still be called afterwards). Idempotent.
  void Stop();

 private:
  PendingPump(ClusterStore* cluster, PendingPumpOptions options);
  void Loop();
  // Reads new rows and hands them to the sequencer; the number handed on.
  size_t PumpOnce();

  ClusterStore* const cluster_;
  Sequencer* sequencer_ = nullptr;  // Set by Start, before the thread.
  const PendingPumpOptions options_;

  absl::Mutex mu_;
  // Rows handed to the sequencer and not yet answered.
  absl::flat_hash_set<int64_t> pulled_ ABSL_GUARDED_BY(mu_);
  // Rows answered AlreadyExists, to mark.
  std::vector<int64_t> duplicates_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_PENDING_PUMP_H_
