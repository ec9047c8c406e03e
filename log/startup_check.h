// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The checks Log::Open runs before it serves or extends a stored log, so that a database that was
// altered, or is older than what clients have seen, is refused instead of being signed on top of
// (which would fork the log under its own key):
//   - the log's identity (checkpoint origin and signer name), fixed when the log was created;
//   - the stored tree against its signed checkpoint, without a rebuild: the signature, origin,
//     size and root, the compact range, the entry count, the tiles behind the compact range, the
//     newest 256 entries and a random sample (CheckStoredTree);
//   - the stored tree against the last checkpoint published before, kept in a file next to the
//     keys (log/checkpoint_file.h; ReadPublishedCheckpoint, CheckPublished).
// Each refusal is DataLoss (FailedPrecondition for an identity) with a message naming what
// differs. Functions without state; thread-safe as far as the Reader they are given is.
#ifndef VOUCH_LOG_STARTUP_CHECK_H_
#define VOUCH_LOG_STARTUP_CHECK_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "log/checkpoint.h"
#include "log/reader.h"
#include "log/storage.h"
#include "signer/crypto.h"

namespace vouch::log {

// A log's identity: its checkpoints' origin line and signer name.
struct LogIdentity {
  std::string origin;
  std::string signer_name;
};

// The identity of the log |r| reads: as stored when it was created (meta log_origin, log_name),
// or for a log created before identities were stored, as its latest signed checkpoint shows
// (unverified here). std::nullopt for storage without a log; DataLoss for a malformed checkpoint.
absl::StatusOr<std::optional<LogIdentity>> ReadIdentity(LogReader& r);

// Checks |state| (read from storage) against its signed checkpoint and the stored entries and
// tiles (see the file comment), reading through |reader|. |key| is the log's key, |identity| the
// log's, |sample| the number of random entries hashed besides the newest 256.
absl::Status CheckStoredTree(LogStorage* storage, Reader& reader, const TreeState& state,
                             const signer::Verifier& key, const LogIdentity& identity, int sample);

// The checkpoint in the published checkpoint file |path|, verified with |key| and |identity|;
// std::nullopt if there is no such file. DataLoss if it is not a checkpoint this log signed.
absl::StatusOr<std::optional<Checkpoint>> ReadPublishedCheckpoint(const std::string& path,
                                                                  const signer::Verifier& key,
                                                                  const LogIdentity& identity);

// Checks the stored tree |state| (already published to |reader|, whose consistency proofs it
// uses) against |published|, the checkpoint in the published checkpoint file |path|. DataLoss if
// the stored tree is smaller or not consistent with it.
absl::Status CheckPublished(const std::optional<Checkpoint>& published, const TreeState& state,
                            Reader& reader, const std::string& path);

}  // namespace vouch::log

#endif  // VOUCH_LOG_STARTUP_CHECK_H_
