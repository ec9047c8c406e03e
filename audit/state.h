// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The auditor's state directory (docs/audit.md "State"):
//
//   DIR/state.json         the last verified tree: size, root, signed checkpoint, compact range,
//                          the unfinished tile rows, the length of entries.jsonl it covers;
//                          replaced atomically (write, fsync, rename, fsync DIR)
//   DIR/checkpoints.jsonl  every checkpoint seen and verified, from the log or from gossip
//                          (append-only; split-view detection compares new ones with these)
//   DIR/entries.jsonl      one line of facts per verified entry (reports and monitors read it);
//                          cut back to state.json's length on start, so a crash never leaves
//                          lines for entries the state does not cover
//   DIR/evidence/*.json    one file per finding (EvidenceWriter)
//   DIR/untrusted/*.json   valid entries whose certificate the trusted root does not vouch
//                          for, one file per run that saw some (not findings)
//   DIR/lock               flock'ed while a command works on DIR
//
// Memory is O(log n): the compact range (one hash per set bit of the size) and at most 255
// hashes per tile level. Thread-compatible.
#ifndef VOUCH_AUDIT_STATE_H_
#define VOUCH_AUDIT_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "log/hash.h"
#include "nlohmann/json.hpp"

namespace vouch::audit {

struct AuditState {
  std::string log_url;
  std::string origin;
  std::string log_id_hex;
  uint64_t size = 0;
  log::Hash root{};                      // EmptyRoot() for size 0
  std::string checkpoint;                // the signed note of |size| (empty for size 0)
  std::vector<log::Hash> compact_range;  // CompactRange::hashes() at |size|
  // Per tile level: the hashes of the level's last, unfinished tile (fewer than 256).
  std::map<uint32_t, std::vector<log::Hash>> tile_rows;
  uint64_t index_bytes = 0;  // bytes of entries.jsonl that belong to [0, size)
  absl::Time updated = absl::InfinitePast();
};

// Writes |contents| to |path| atomically: a temporary file in the same directory, fsync,
// rename, fsync of the directory. Internal naming the path on failure.
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);

// The contents of |path|: NotFound, or Internal naming the path.
absl::StatusOr<std::string> ReadFileContents(const std::string& path);

// Appends |line| (no newline) and a newline to |path| and fsyncs.
absl::Status AppendLine(const std::string& path, const std::string& line);

// A locked state directory. Created (mode 0700) if missing.
class StateDir {
 public:
  // FailedPrecondition when another process holds the lock or DIR is unusable.
  static absl::StatusOr<std::unique_ptr<StateDir>> Open(const std::string& dir);
  ~StateDir();

  // The state, or an empty one (size 0) when there is none. DataLoss naming the field for a
  // state file that does not parse.
  absl::StatusOr<AuditState> Load() const;
  absl::Status Save(const AuditState& state) const;

  // Every checkpoint line recorded (JSON objects with "size", "root", "note", "source",
  // "seen"); unparsable lines are skipped.
  std::vector<nlohmann::json> Checkpoints() const;
  absl::Status RecordCheckpoint(const nlohmann::json& line) const;

  // Writes one evidence document to DIR/<subdir>/<UTC time>-<kind>.json; returns the path.
  absl::StatusOr<std::string> WriteEvidence(const nlohmann::json& evidence,
                                            const std::string& subdir = "evidence") const;

  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  StateDir(std::string dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  std::string dir_;
  int lock_fd_;
};

nlohmann::json StateToJson(const AuditState& s);
absl::StatusOr<AuditState> StateFromJson(const nlohmann::json& j);

// Hex helpers for state and evidence.
nlohmann::json HashesToJson(const std::vector<log::Hash>& hashes);
absl::StatusOr<std::vector<log::Hash>> HashesFromJson(const nlohmann::json& j,
                                                      const std::string& field);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_STATE_H_
