// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Replay: reads a log through its public read API and proves, from the entries alone, that what
// it serves is one append-only tree (docs/audit.md "Replay"):
//
//  1. the latest checkpoint is signed by the log's key from the trusted root;
//  2. it agrees with every checkpoint seen before at its size (split view) and, through a
//     consistency proof, with the last verified one (and with gossiped checkpoints);
//  3. every new entry is fetched (tlog-tiles entry bundles, or the Rekor v1 API), checked
//     (audit/entry_check.h) and hashed into the tree, which is rebuilt from the entries and
//     compared with every tile the log serves and with the checkpoint's root.
//
// A failed check of the log is a Finding with an evidence file, not an error: Replay returns an
// error only when it could not do its work (network, state directory, bad options).
// State lives in a StateDir and is advanced only after a run without findings.
//
// An entry whose signing certificate does not verify against the trusted root (the log accepts
// any CA's certificates, so anyone can submit one) is not a finding: it is counted and listed
// in ReplayResult::untrusted, written to DIR/untrusted/, and the state advances over it.
#ifndef VOUCH_AUDIT_REPLAY_H_
#define VOUCH_AUDIT_REPLAY_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/entry_check.h"
#include "audit/http_client.h"
#include "audit/state.h"
#include "client/trust_root.h"
#include "log/hash.h"

namespace vouch::audit {

// One replayed entry, handed to ReplayOptions::on_entry in index order.
struct EntryRecord {
  uint64_t index = 0;
  const std::string* body = nullptr;
  const EntryCheck* check = nullptr;
  std::string uuid;  // leaf hash, hex
  // The entry's time: the integrated time (Rekor v1 API), else the signing certificate's
  // notBefore, else the time the auditor first saw a checkpoint covering it.
  absl::Time time;
  const char* time_source = "observed";  // "integrated", "certificate", "observed"
};

struct ReplayOptions {
  std::string log_url;
  const client::TrustRoot* trust_root = nullptr;
  // Checkpoint notes from other observers, by file name.
  std::vector<std::string> gossip_files;
  HttpClientOptions http;
  // Threads checking entries (0 = all cores).
  int threads = 0;
  // Entry bundles (256 entries each) fetched per window; two windows are in flight.
  int window_bundles = 32;
  // Per-entry checks (EntryCheckOptions): signatures, chains and SCTs.
  bool check_signatures = true;
  bool check_chains = true;
  // Read entries through the Rekor v1 API (integrated times, SETs verified) instead of tiles.
  // Also used automatically when the log serves no entry bundles.
  bool v1_api = false;
  // Rebuild the tree from entry 0 even when the state has a verified tree, and require the
  // rebuilt tree to match the verified root at the verified size (catches entries altered since).
  bool full = false;
  // With an empty state: start at this index, taking the tree of [0, start) from the log's
  // tiles (still bound by the checkpoint: a wrong prefix fails the root check).
  uint64_t start = 0;
  // Append facts to DIR/entries.jsonl.
  bool write_index = true;
  // Called for each entry in index order; an error stops the replay (and is returned).
  std::function<absl::Status(const EntryRecord&)> on_entry;
  // Called after a clean replay, before the state advances (an error keeps the old state).
  std::function<absl::Status()> before_save;
  // Progress: a rewritten line on a terminal, plain lines (every |progress_every|) otherwise;
  // null for none.
  std::FILE* progress = nullptr;
  bool progress_terminal = false;
  absl::Duration progress_every = absl::Seconds(10);
};

// A misbehaviour of the log, with the evidence file written for it.
struct Finding {
  // "bad-checkpoint-signature", "log-shrank", "split-view", "inconsistent-checkpoint",
  // "altered-entry", "reordered-entries", "removed-entry", "rewritten-tree", "root-mismatch",
  // "altered-history", "invalid-entries", "unserved-entries".
  std::string kind;
  std::string summary;
  std::string evidence_path;
};

// Records one finding: adds "kind", "summary" and "detected" (now) to |evidence|, writes it to
// |dir|'s evidence directory and appends the finding (with the file's path) to |findings|. A file
// that cannot be written becomes a warning; the finding is recorded all the same.
void RecordFinding(const StateDir& dir, const std::string& kind, const std::string& summary,
                   nlohmann::json evidence, std::vector<Finding>* findings,
                   std::vector<std::string>* warnings);

// A valid entry whose signing certificate the trusted root does not vouch for.
struct UntrustedEntry {
  uint64_t index = 0;
  std::string uuid;
  std::string reason;  // EntryFacts::untrusted, joined with "; "
};

struct ReplayResult {
  uint64_t old_size = 0;
  uint64_t size = 0;
  log::Hash root{};
  std::string checkpoint;
  uint64_t entries = 0;          // replayed this run
  uint64_t invalid_entries = 0;  // failed CheckEntry
  // Valid entries with an untrusted certificate (not findings), the first 100 of them listed,
  // and the record file listing them (DIR/untrusted/<time>-untrusted-entries.json; empty when
  // there were none).
  uint64_t untrusted_entries = 0;
  std::vector<UntrustedEntry> untrusted;
  std::string untrusted_record;
  uint64_t signatures = 0, chains = 0, scts = 0;
  uint64_t tiles_compared = 0;
  uint64_t gossip_verified = 0;
  bool used_v1_api = false;
  double seconds = 0;        // wall time
  double tree_seconds = 0;   // hashing, compact range and tile comparison (one thread)
  double check_seconds = 0;  // wall time of the per-entry checks (all threads)
  std::vector<Finding> findings;
  std::vector<std::string> warnings;
  bool clean() const { return findings.empty(); }
};

// Runs one replay against |dir| (which it reads and, when clean, advances).
absl::StatusOr<ReplayResult> Replay(const StateDir& dir, const ReplayOptions& options);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_REPLAY_H_
