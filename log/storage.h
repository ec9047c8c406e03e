// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// LogStorage: where the log keeps entries, tree tiles, the latest signed checkpoint, the search
// index and a few named values (the log's identity). Modelled on trillian's storage/log_storage.go:
// a read-only view, a read-write view, and transactions taken as closures. The closure MUST NOT
// keep state across calls: a write transaction that fails (or whose closure returns an error)
// leaves nothing behind, and a committed one is durable (fsynced) when WriteTx returns OK.
//
// No database types appear here; sqlite_storage.h and postgres_storage.h implement it, and the
// typed tests in storage_test.cc hold both to the same contract. Thread-safe: many ReadTx may run
// at once with one WriteTx. The CA's certificate records are another interface over the same
// database (certificate_store.h).
#ifndef VOUCH_LOG_STORAGE_H_
#define VOUCH_LOG_STORAGE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "log/hash.h"

namespace vouch::log {

// One log entry as stored.
struct StoredEntry {
  uint64_t index = 0;
  Hash leaf_hash{};             // HashLeaf(body); hex of it is the entry UUID.
  std::string body;             // RFC 8785 canonical JSON.
  int64_t integrated_time = 0;  // Unix seconds.
  std::string set;              // SignedEntryTimestamp (signature bytes).
  // Stored with the entry but not part of its leaf: RFC 6962's extra_data (the chain of a CT log
  // entry, log/ct_log.h). Empty for artifact log entries.
  std::string extra_data = std::string();
};

// A tile: the hashes of one 256-wide slice of tree level 8*level, plus the complete nodes above
// them inside the tile (rows 1..7), so proofs need no rehashing. |hashes| holds row 0 (width
// hashes), then row 1 (width/2), ..., row 7, each 32 bytes; see TileRowOffset().
struct StoredTile {
  uint32_t level = 0;
  uint64_t index = 0;
  uint32_t width = 0;  // 1..256 hashes in row 0.
  std::string hashes;
};

// Byte offset of row |row| (0..7) in a StoredTile of |width|; the row has width >> row hashes.
size_t TileRowOffset(uint32_t width, uint32_t row);
// Total bytes of a StoredTile's |hashes| for |width|.
size_t StoredTileBytes(uint32_t width);

// The tree as of the latest signed checkpoint.
struct TreeState {
  uint64_t size = 0;
  Hash root{};
  std::string checkpoint;           // Signed note text.
  int64_t timestamp = 0;            // Unix seconds when signed.
  std::vector<Hash> compact_range;  // Perfect subtree roots of [0, size), leftmost first.
};

class LogReader {
 public:
  virtual ~LogReader() = default;
  // The latest tree state; std::nullopt for a new, empty log.
  virtual absl::StatusOr<std::optional<TreeState>> ReadTreeState() = 0;
  // NotFound if |index| is not stored.
  virtual absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) = 0;
  // Entries [begin, end) in order (fewer if the log is shorter).
  virtual absl::StatusOr<std::vector<StoredEntry>> ReadEntries(uint64_t begin, uint64_t end) = 0;
  // The index of the entry with |leaf_hash|, or std::nullopt.
  virtual absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& leaf_hash) = 0;
  // Indices of entries indexed under |key| (e.g. "sha256:ab..", "email:a@b"), ascending, at most
  // |limit|.
  virtual absl::StatusOr<std::vector<uint64_t>> FindByKey(const std::string& key, size_t limit) = 0;
  // NotFound if the tile does not exist.
  virtual absl::StatusOr<StoredTile> ReadTile(uint32_t level, uint64_t index) = 0;
  // Number of stored entries without a scan (O(1); the start-up check): the database keeps a
  // row counter that triggers move on every insert and delete, whoever makes them. DataLoss (naming
  // the counter and the indices) if the rows visibly disagree with it: the lowest index is not 0
  // or the highest is not count - 1, e.g. a row deleted from the middle.
  virtual absl::StatusOr<uint64_t> CountEntries() = 0;
  // Number of stored entry rows, counted one by one (O(n): vouchd --verify-storage).
  virtual absl::StatusOr<uint64_t> CountEntryRows() = 0;
  // A small named value (e.g. "log_created"), or std::nullopt.
  virtual absl::StatusOr<std::optional<std::string>> ReadMeta(const std::string& key) = 0;
};

class LogWriter : public LogReader {
 public:
  // Adds entries with consecutive indices starting at the current count. AlreadyExists if a
  // leaf hash is already stored.
  virtual absl::Status WriteEntries(const std::vector<StoredEntry>& entries) = 0;
  virtual absl::Status WriteIndexKeys(uint64_t index, const std::vector<std::string>& keys) = 0;
  // Inserts or replaces the tile (level, index).
  virtual absl::Status WriteTile(const StoredTile& tile) = 0;
  virtual absl::Status WriteTreeState(const TreeState& state) = 0;
  virtual absl::Status WriteMeta(const std::string& key, const std::string& value) = 0;
  // Marks rows of the cluster's pending queue (log/cluster_store.h) as integrated: (row id,
  // index of its entry). Only storage that implements ClusterStore has the queue; the others
  // answer Unimplemented (the log never calls it for them).
  virtual absl::Status ResolvePending(const std::vector<std::pair<int64_t, uint64_t>>& integrated) {
    (void)integrated;
    return absl::UnimplementedError("this storage has no pending queue");
  }
};

class LogStorage {
 public:
  virtual ~LogStorage() = default;
  virtual absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) = 0;
  // Runs |f| in a transaction and commits it durably if |f| returns OK; rolls back otherwise
  // (returning |f|'s error). Internal/Unavailable if the commit fails (then nothing is stored).
  virtual absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) = 0;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_STORAGE_H_
