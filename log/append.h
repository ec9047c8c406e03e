// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The values an append passes through the log's stages (log/log.h): the entry as the caller
// hands it in (NewEntry), the append while it waits for its answer (PendingAppend), a batch on
// its way from the sequencer to the durable writer (SequencedBatch), and the answer
// (EntryWithProof). Plain structs: their thread-safety is stated per field.
#ifndef VOUCH_LOG_APPEND_H_
#define VOUCH_LOG_APPEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "log/hash.h"
#include "log/storage.h"

namespace vouch::log {

// An entry to append: the canonical body and the search keys; signatures already verified.
// |extra_data| is stored with the entry (StoredEntry::extra_data) but is not hashed into the tree.
struct NewEntry {
  std::string body;
  std::vector<std::string> keys;
  std::string extra_data = std::string();
};

// What the log returns for an entry: the stored entry and an inclusion proof against a signed
// checkpoint.
struct EntryWithProof {
  StoredEntry entry;
  uint64_t tree_size = 0;
  Hash root{};
  std::string checkpoint;
  std::vector<Hash> proof;
};

// The leaf hash (UUID) of the existing entry that an AlreadyExists status from Log::Append or
// Log::AppendAsync carries as a payload; nullopt for any other status.
std::optional<Hash> ExistingEntryLeaf(const absl::Status& status);
// |status| with |leaf| attached as the payload ExistingEntryLeaf reads, if it is AlreadyExists.
absl::Status WithExistingEntryLeaf(absl::Status status, const Hash& leaf);

// One append from the moment it is queued until it is answered. Created by the caller's thread,
// then owned by the sequencer until it hands the append to the writer or answers it; the fields
// below |leaf| are written by exactly one stage at a time (sequencer, then writer) and read by
// the waiter only after |done| is notified or |callback| is invoked.
struct PendingAppend {
  NewEntry entry;
  Hash leaf{};
  // Non-zero: the row of the cluster's pending queue this append came from (another front end
  // waits for it; log/cluster_store.h). The writer marks the row in the commit that makes the
  // entry durable.
  int64_t remote_id = 0;
  // For Log::AppendAsync: called once with the answer on a completion thread. Empty: the caller
  // waits on |done| (Log::Append, Log::AppendBulk).
  std::function<void(absl::StatusOr<EntryWithProof>)> callback;
  // Set when the append is answered. Read only by the sequencer, for appends it has not handed to
  // the writer or to an in-flight original (|follower|), which only the sequencer can answer.
  bool completed = false;
  // A duplicate of an entry sequenced but not yet durable: answered when that entry's commit is
  // (set and read on the sequencer thread).
  bool follower = false;

  absl::Notification done;
  absl::Status status;
  StoredEntry stored;  // With its index, integrated time and SET once durable.
  TreeState state;     // The published checkpoint that covers it (no compact range).
};

// One batch as the sequencer prepared it: sequenced (indices, integrated time, SETs), integrated
// (the tree's new size, root, compact range and every tile the batch changed) and with the signed
// checkpoint that publishes it. Nothing in it is durable until the writer's transaction commits.
struct SequencedBatch {
  // The fresh entries' appends, in index order: waiters[i] is answered with entries[i].
  std::vector<std::shared_ptr<PendingAppend>> waiters;
  // Duplicates of a fresh entry of the same batch: (duplicate, index into |waiters|).
  std::vector<std::pair<std::shared_ptr<PendingAppend>, size_t>> twins;
  std::vector<StoredEntry> entries;
  std::vector<std::vector<std::string>> keys;  // Search keys of entries[i].
  std::vector<std::shared_ptr<const StoredTile>> tiles;
  TreeState state;  // With the signed checkpoint and the compact range.
  absl::Time started;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_APPEND_H_
