// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Log: the transparency log over a LogStorage, a thin front over its stages (Tessera's words:
// an entry is *sequenced* when it has an index, *integrated* when it is in the tree and
// *published* when a signed checkpoint covers it):
//
//   Append ──> Sequencer ──────────────> DurableWriter ──> (answer)  ──> CompletionPool
//              log/sequencer.h           log/durable_writer.h             log/completion_pool.h
//              dedup, indices, SETs,     ONE transaction per group
//              Integrator (the tree),    commit; only then is any
//              checkpoint signature      batch resolved
//   reads ───> Reader (log/reader.h): tile cache, proofs, entries; serves only what is durable
//
// Appends go through group commit: pending entries are batched, sequenced, integrated and
// published with a new signed checkpoint, and written in ONE durable transaction; only then is
// each waiter answered, with its index, integrated time, SignedEntryTimestamp and an inclusion
// proof against that checkpoint. Reads never wait for a commit.
//
// On Open the stored tree is checked against the last signed checkpoint without a full rebuild
// and against the last checkpoint published before (log/startup_check.h): a database that was
// altered, or is older than what clients have seen, is refused with DataLoss naming what differs.
// The log's identity (checkpoint origin and signer name) is fixed when it is created and stored
// with it.
//
// Reads never serve an inclusion proof that does not verify: each answer is checked against its
// checkpoint from the stored body (O(log n) hashes) and a mismatch is answered with DataLoss
// naming the entry, counted (stats().integrity_failures) and reported to the Health object as a
// lasting integrity failure. Failing commits are reported there too, until one succeeds.
//
// Several front ends on one database (LogOptions::cluster, log/cluster_store.h): every Log
// accepts appends and serves reads, and exactly one sequences at a time, the one holding the
// sequencer lease (a thread "vouch-lease" renews it, or tries to take it). The others hand their
// appends to it through the database's pending queue (log/follower.h); the sequencer reads that
// queue beside its local appends (log/pending_pump.h). Every write of the sequencer checks the
// lease's fencing token, so one that lost its lease never writes again; every front end verifies
// each checkpoint it serves (signature, and a consistency proof from the one it served before),
// so not even a database with a fork in it makes one front end serve two views. When the
// sequencer dies, another takes the lease once it expires (lease_ttl) and continues from the
// durable tree; appends its predecessor had not made durable were never answered, and are read
// again from the queue or retried by their clients.
//
// Thread-safe.
#ifndef VOUCH_LOG_LOG_H_
#define VOUCH_LOG_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/health.h"
#include "log/append.h"
#include "log/checkpoint_file.h"
#include "log/cluster_store.h"
#include "log/completion_pool.h"
#include "log/durable_writer.h"
#include "log/follower.h"
#include "log/hash.h"
#include "log/integrator.h"
#include "log/pending_pump.h"
#include "log/reader.h"
#include "log/sequencer.h"
#include "log/startup_check.h"
#include "log/storage.h"
#include "signer/crypto.h"

namespace vouch::log {

// How a Log shares its database with other front ends (see the file comment).
struct ClusterOptions {
  // Names this process run in the lease row: unique per run (vouchd: host, pid and random bytes).
  std::string holder;
  // How long a lease lasts without renewal: the takeover time after a sequencer dies. The holder
  // renews it every lease_ttl / 3 and stops sequencing if it could not renew for 2/3 of it.
  absl::Duration lease_ttl = absl::Seconds(3);
  // How often a front end that does not sequence tries to take the lease.
  absl::Duration lease_retry = absl::Milliseconds(500);
  // Polls of the pending queue (the sequencer) and of outcomes (the others) while busy.
  absl::Duration poll = absl::Milliseconds(2);
  // How far reads of a front end that does not sequence may trail the sequencer.
  absl::Duration idle_refresh = absl::Milliseconds(50);
  // Longest wait of a queued append for its entry to be logged (then Unavailable).
  absl::Duration wait_timeout = absl::Seconds(30);
  // Called (on the lease thread, or in Open) when this Log starts or stops sequencing.
  std::function<void(bool sequencing)> on_role;
};

struct LogOptions {
  // The log's identity, fixed when it is created and stored with it (meta log_origin, log_name):
  // a new log takes these; an existing log must have been created with them, else Open fails with
  // FailedPrecondition naming both values (Log::StoredIdentity reads them first).
  // First line of every checkpoint (C2SP origin).
  std::string origin = "vouch.local";
  // The signed-note signer name: no spaces; sigstore-js requires the trusted root's log baseUrl
  // to contain it, so use the log's host name (e.g. "rekor.example.com" or "127.0.0.1").
  std::string signer_name = "vouch.local";
  // Whether Open may create a new log when |storage| holds none. Without it such storage is
  // refused (FailedPrecondition): vouchd allows it only with a log key it has just generated, so
  // a key whose log is gone never signs a second tree (a fork of what it signed before).
  bool create_if_missing = true;
  // The file that keeps the last published checkpoint (log/checkpoint_file.h), e.g.
  // DATA_DIR/published_checkpoint; empty: none. Open refuses a tree smaller than, or not
  // consistent with, the checkpoint in it, and writes it if it is missing.
  std::string published_checkpoint_path;
  // Least time between two writes of that file (its largest lag behind the newest checkpoint,
  // plus one write; none after Shutdown).
  absl::Duration published_checkpoint_interval = absl::Milliseconds(100);
  // Where failing appends ("log.append", until a commit succeeds) and integrity failures
  // ("log.integrity", for good) are reported. Null: nowhere. Must outlive the Log.
  Health* health = nullptr;
  // Largest batch committed at once.
  size_t max_batch = 1024;
  // How long the sequencer waits for more entries before committing a batch that is not full.
  // Zero: commit whatever is pending as soon as the previous commit is done (lowest latency;
  // batches still form under load because entries queue during each fsync).
  absl::Duration linger = absl::ZeroDuration();
  // Entries sampled at start-up to check body hashes against the tree (besides the newest).
  int startup_sample = 64;
  // In-memory tiles kept for proofs (each up to 16 KiB).
  size_t tile_cache_size = 4096;
  Clock* clock = Clock::Real();
  // Called on the writer thread after each durable commit, once per batch, with the batch size
  // and its latency from sequencing to durable (metrics), before the batch's appends are
  // answered. Must be cheap and thread-safe.
  std::function<void(size_t batch_size, absl::Duration commit_time)> on_commit;
  // Threads that answer AppendAsync callers (inclusion proof + callback); 0 = one per core.
  size_t completion_threads = 0;
  // Most appends waiting to be sequenced; beyond it Append/AppendAsync answer ResourceExhausted
  // at once (the callback API holds no thread per append, so this is what bounds the memory an
  // overload or a flood of calls can take).
  size_t max_pending = 65536;
  // The database's cluster side (the same object as |storage|, e.g. PostgresStorage), or null
  // for a log that is its storage's only writer. Must outlive the Log.
  ClusterStore* cluster = nullptr;
  ClusterOptions cluster_options;
};

// Counters for metrics, a snapshot returned by Log::stats(): the commit counters and the tree are
// updated by the writer thread after each durable commit, integrity_failures by whichever thread
// finds one.
struct LogStats {
  uint64_t batches = 0;
  // Integrity failures found by reads or reported by a verifier (ReportIntegrityFailure).
  uint64_t integrity_failures = 0;
  uint64_t appended = 0;
  uint64_t last_batch_size = 0;
  uint64_t tree_size = 0;
  int64_t checkpoint_time = 0;
  // With LogOptions::cluster: whether this Log sequences (holds the lease), the lease's fencing
  // token while it does, and how many times it took the lease.
  bool sequencing = false;
  uint64_t lease_token = 0;
  uint64_t takeovers = 0;
};

class Log {
 public:
  // Health keys the log reports under (see LogOptions::health).
  static constexpr char kAppendHealthKey[] = "log.append";
  static constexpr char kIntegrityHealthKey[] = "log.integrity";

  // The identity of the log in |storage|: as stored when it was created, or for a log created
  // before identities were stored, as its latest signed checkpoint shows (unverified here; Open
  // verifies it). std::nullopt for storage without a log.
  static absl::StatusOr<std::optional<LogIdentity>> StoredIdentity(LogStorage* storage);

  // Opens the log in |storage| signed by |key| (both must outlive the Log), checking the stored
  // tree (see the file comment). A new log gets a signed checkpoint of size 0. DataLoss (naming
  // what differs) for storage that was altered or is behind the published checkpoint file;
  // FailedPrecondition for an identity other than the stored one, or for storage without a log
  // when !create_if_missing.
  static absl::StatusOr<std::unique_ptr<Log>> Open(LogStorage* storage, const signer::Signer* key,
                                                   const LogOptions& options);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends |entry| and blocks until it is durable and covered by a signed checkpoint.
  // AlreadyExists (message "entry already exists at index N") for a duplicate body, carrying the
  // existing entry's leaf hash (read it with ExistingEntryLeaf);
  // Unavailable if the log is shutting down or storage failed (nothing was written);
  // ResourceExhausted if max_pending appends are already waiting; DataLoss if the entry is
  // durable but the inclusion proof for the answer does not verify (an integrity failure).
  absl::StatusOr<EntryWithProof> Append(NewEntry entry);

  // Append without blocking the caller: |done| is called exactly once with what Append would
  // have returned: on one of the log's completion threads, or at once on the calling thread if
  // the entry is refused before it is queued (shutting down: Unavailable; max_pending reached:
  // ResourceExhausted), so the caller must not hold a lock that |done| takes. For servers that
  // answer from a callback (gRPC's callback API) instead of parking a thread per request. |done|
  // should not block.
  using AppendCallback = std::function<void(absl::StatusOr<EntryWithProof>)>;
  void AppendAsync(NewEntry entry, AppendCallback done);

  // Appends many entries (bulk import, benchmarks) and waits until all are durable; answers no
  // proofs. The first error is returned; entries before it in the same batch may be stored.
  absl::Status AppendBulk(std::vector<NewEntry> entries);

  // An inclusion proof for |index| in the tree of |size| (size <= the published size).
  absl::StatusOr<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size);

  // The entry at |index| with a proof against the latest checkpoint. NotFound past the end;
  // DataLoss naming the entry (an integrity failure: counted and reported) if storage lacks it,
  // its body does not hash to its UUID, its integratedTime is not positive or the proof does not
  // verify against the checkpoint.
  absl::StatusOr<EntryWithProof> GetByIndex(uint64_t index);
  // The entry whose leaf hash is |leaf_hash| (the UUID). NotFound if absent; DataLoss as
  // GetByIndex.
  absl::StatusOr<EntryWithProof> GetByLeafHash(const Hash& leaf_hash);
  // Indices of entries with search key |key| (at most |limit|).
  absl::StatusOr<std::vector<uint64_t>> Search(const std::string& key, size_t limit);
  // Consistency proof between tree sizes; InvalidArgument unless 1 <= first <= last <= size.
  absl::StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t first, uint64_t last);
  // The latest published tree state.
  TreeState Latest() const;
  // C2SP tile: row 0 of tile (level, index), |width| hashes (width <= stored width).
  // NotFound if not (yet) that wide.
  absl::StatusOr<std::string> TileData(uint32_t level, uint64_t index, uint32_t width);
  // C2SP entry bundle: entries [index*256, index*256+width), each as uint16 big-endian length +
  // body. NotFound if not that many entries yet.
  absl::StatusOr<std::string> EntryBundle(uint64_t index, uint32_t width);

  // SHA-256 of the log key's DER SubjectPublicKeyInfo (raw 32 bytes) and its hex.
  const std::string& log_id() const { return log_id_; }
  const std::string& log_id_hex() const { return log_id_hex_; }
  const signer::Signer& key() const { return *key_; }
  const LogOptions& options() const { return options_; }
  LogStats stats() const;

  // Records an integrity failure found outside the log (the background verifier): logged,
  // counted in stats().integrity_failures and reported to options().health for good. Returns
  // |failure|.
  absl::Status ReportIntegrityFailure(const absl::Status& failure);

  // Stops the sequencer; pending appends fail with Unavailable. Writes the published checkpoint
  // file up to date. With a cluster, hands the lease back (another front end takes over at its
  // next attempt).
  void Shutdown();

  // With a cluster: reads the tree state another front end published, verifies it (signature,
  // consistency with the published tree) and publishes it here. Returns the published tree.
  // Followers call it on their own every ClusterOptions::idle_refresh.
  absl::StatusOr<TreeState> Refresh();

 private:
  Log(LogStorage* storage, const signer::Signer* key, const LogOptions& options);
  // Checks the stored log (or creates it, if |may_create|) and publishes it to the reader.
  absl::Status Init(bool may_create);
  // What the sequencer resumes from: the durable tree (verified, with a cluster).
  struct Prepared {
    std::unique_ptr<Integrator> integrator;
    int64_t last_signed_time = 0;
  };
  // Reads and checks the durable tree (storage I/O; no role_mu_ held).
  absl::StatusOr<Prepared> PrepareSequencing() ABSL_LOCKS_EXCLUDED(role_mu_);
  // Starts the sequencer, writer and (with a cluster) the pump on the durable tree: prepares it,
  // then installs the stages under role_mu_ (appends wait only for that).
  absl::Status StartSequencing() ABSL_LOCKS_EXCLUDED(role_mu_);
  void InstallSequencing(Prepared prepared) ABSL_EXCLUSIVE_LOCKS_REQUIRED(role_mu_);
  // Stops them (takes role_mu_ itself: appends do not wait for the stop).
  void StopSequencing() ABSL_LOCKS_EXCLUDED(role_mu_);
  void LeaseLoop();
  // |token|: the lease just taken. False if sequencing could not start (the lease is handed
  // back).
  bool Promote(uint64_t token);
  void Demote(const std::string& why);
  absl::StatusOr<TreeState> RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(refresh_mu_);
  // Writes the empty tree of a new log with its first checkpoint and identity.
  absl::StatusOr<TreeState> PublishEmpty();
  void StartCheckpointFile(const std::optional<Checkpoint>& published, const TreeState& state);
  // DurableWriter::OnWritten: publishes what became durable and resolves the batches.
  void OnWritten(std::vector<std::unique_ptr<SequencedBatch>>& batches,
                 const DurableWriter::Outcome& outcome);
  // Hands |p| to the sequencer, or with a cluster to the follower while another front end
  // sequences.
  absl::Status Enqueue(std::shared_ptr<PendingAppend> p);
  // SequencerOptions::answer: wakes a blocked Append or queues the callback of an AppendAsync.
  void Answer(const std::shared_ptr<PendingAppend>& p);
  // What Append returns for an answered |p|.
  absl::StatusOr<EntryWithProof> Result(PendingAppend& p);
  // Appends fail (storage, signing): reported to health until a commit succeeds.
  void AppendsFailing(const absl::Status& s);
  void AppendsSucceeded();

  LogStorage* const storage_;
  const signer::Signer* const key_;
  const LogOptions options_;
  std::string log_id_;
  std::string log_id_hex_;

  std::atomic<bool> appends_failing_{false};
  absl::Mutex health_mu_;  // Orders the appends' health reports.

  mutable absl::Mutex stats_mu_;
  LogStats stats_ ABSL_GUARDED_BY(stats_mu_);

  std::unique_ptr<signer::Verifier> verifier_;  // The log key's public half.

  // The stages, in the order they are started (and destroyed in reverse).
  std::unique_ptr<Reader> reader_;
  std::unique_ptr<CheckpointFile> checkpoint_file_;
  std::unique_ptr<CompletionPool> completions_;
  std::unique_ptr<Follower> follower_;  // With a cluster.

  // Whether this Log sequences, and its sequencing stages. Appends read them under a reader
  // lock; the lease thread switches them under the writer lock. The writer's and sequencer's
  // own threads use the pointers without it: they are replaced only after both stopped.
  absl::Mutex role_mu_;
  bool sequencing_ ABSL_GUARDED_BY(role_mu_) = false;
  bool retiring_ ABSL_GUARDED_BY(role_mu_) = false;  // The stages are being stopped.
  std::unique_ptr<DurableWriter> writer_;
  std::unique_ptr<Sequencer> sequencer_;
  std::unique_ptr<PendingPump> pump_;  // With a cluster, while sequencing.

  absl::Mutex refresh_mu_;  // One Refresh at a time.

  absl::Mutex lease_mu_;
  bool stopping_ ABSL_GUARDED_BY(lease_mu_) = false;
  bool recheck_lease_ ABSL_GUARDED_BY(lease_mu_) = false;  // A commit was fenced.
  std::thread lease_thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_LOG_H_
