// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// ClusterStore: what several vouchd front ends sharing one database need besides LogStorage, so
// that all of them accept appends and exactly one sequences (docs/operations.md "Several front
// ends"):
//
//   - the sequencer lease: one row naming the holder, a fencing token and an expiry in the
//     database's own clock. The holder renews it; anyone takes it once it expired, and the token
//     then grows. While a fence is set (SetFence), every LogStorage::WriteTx first reads the
//     lease row (locking it against a takeover until the commit) and refuses to write unless the
//     token is still ours: a sequencer that lost its lease (paused, partitioned, slow) can never
//     write again, whatever its clock says.
//   - the pending queue: entries a front end verified and hands to whichever process sequences.
//     Rows are unique by leaf hash. The sequencer marks each row it sequenced (integrated at
//     index N) in the SAME transaction that makes the entry durable
//     (LogWriter::ResolvePending), so a row is unresolved exactly until its entry is durable; a
//     row whose entry was already in the log is marked a duplicate. The front end that inserted
//     the row reads the outcome, answers its client and deletes the row.
//
// Nothing here is trusted more than the log's tables: a row in the pending queue becomes an entry
// only through the sequencer (which re-checks duplicates), and every checkpoint a front end
// serves is verified against its key and proved consistent with the previous one.
//
// Thread-safe.
#ifndef VOUCH_LOG_CLUSTER_STORE_H_
#define VOUCH_LOG_CLUSTER_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/append.h"
#include "log/hash.h"

namespace vouch::log {

// A row of the pending queue as the sequencer reads it.
struct PendingRow {
  int64_t id = 0;
  Hash leaf{};
  NewEntry entry;
};

// What SubmitPending made of one entry.
struct PendingTicket {
  // The queue row to wait for (0 if |existing| is set).
  int64_t id = 0;
  // Whether this call inserted the row (false: another front end's row for the same entry was
  // already queued; its outcome is "already exists" for us).
  bool owner = false;
  // The entry is already in the log at this index (nothing was queued).
  std::optional<uint64_t> existing;
};

// The outcome of a resolved row.
struct PendingOutcome {
  int64_t id = 0;
  // The row's leaf hash (a waiter matches on id and leaf: ids of rows lost in a database crash
  // before their commit was flushed may be handed out again).
  Hash leaf{};
  // False: the row's entry was integrated at |index| by this row. True: it was already in the
  // log at |index| (a duplicate).
  bool duplicate = false;
  uint64_t index = 0;
};

// The lease as a holder sees it after AcquireLease.
struct LeaseGrant {
  // The fencing token: grows each time the lease changes hands.
  uint64_t token = 0;
  // The lease's remaining time when granted (database clock).
  absl::Duration remaining;
};

class ClusterStore {
 public:
  virtual ~ClusterStore() = default;

  // Takes the sequencer lease for |holder| (unique per process run) for |ttl| if it is free,
  // expired or already |holder|'s (then renews it, keeping the token). std::nullopt if another
  // holder's lease has not expired.
  virtual absl::StatusOr<std::optional<LeaseGrant>> AcquireLease(const std::string& holder,
                                                                 absl::Duration ttl) = 0;
  // Ends |holder|'s lease now (a clean stop: another front end takes over at its next attempt).
  // OK if |holder| does not hold it.
  virtual absl::Status ReleaseLease(const std::string& holder) = 0;
  // From now on every LogStorage::WriteTx checks that the lease token is still |token| and fails
  // with FailedPrecondition ("sequencer lease lost ...") otherwise; std::nullopt: no check.
  virtual void SetFence(std::optional<uint64_t> token) = 0;

  // Queues entries (leaf hash, entry) for the sequencer, in one transaction; a ticket per entry,
  // in order. Entries already in the log are not queued (ticket.existing).
  virtual absl::StatusOr<std::vector<PendingTicket>> SubmitPending(
      const std::vector<std::pair<Hash, const NewEntry*>>& entries) = 0;
  // Ids of unresolved rows, oldest first, at most |limit|.
  virtual absl::StatusOr<std::vector<int64_t>> ListUnresolved(size_t limit) = 0;
  // The unresolved rows among |ids| (resolved or deleted ones are left out).
  virtual absl::StatusOr<std::vector<PendingRow>> ReadPending(const std::vector<int64_t>& ids) = 0;
  // Marks rows |ids| whose entries are already in the log as duplicates of them (rows whose
  // leaf is not in the log are left as they are).
  virtual absl::Status MarkDuplicates(const std::vector<int64_t>& ids) = 0;
  // The outcomes of the resolved rows among |ids|, and the ids that no longer exist.
  virtual absl::StatusOr<std::vector<PendingOutcome>> ReadOutcomes(const std::vector<int64_t>& ids,
                                                                   std::vector<int64_t>* gone) = 0;
  // Deletes the rows (id, leaf hash) whose outcome was read (a row with that id but another leaf
  // is left alone).
  virtual absl::Status DeletePending(const std::vector<std::pair<int64_t, Hash>>& rows) = 0;
  // Deletes rows resolved more than |age| ago (their front end did not collect them: it died).
  virtual absl::StatusOr<uint64_t> DeleteStaleResolved(absl::Duration age) = 0;
  // The index of the entry with |leaf|, or std::nullopt (outside any transaction).
  virtual absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& leaf) = 0;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_CLUSTER_STORE_H_
