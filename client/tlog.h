// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Transparency log evidence in a bundle, verified offline: signed-note checkpoints (Rekor v1 and
// v2 / C2SP tlog-checkpoint), inclusion proofs (RFC 6962) and signed entry timestamps (SET).
// Pure functions; thread-safe.
#ifndef VOUCH_CLIENT_TLOG_H_
#define VOUCH_CLIENT_TLOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/trust_root.h"
#include "proto/sigstore/sigstore_rekor.pb.h"

namespace vouch::client {

// A checkpoint body: origin line, tree size, root hash, then optional extension lines.
struct CheckpointBody {
  std::string origin;
  uint64_t size = 0;
  std::string root_hash;  // raw 32 bytes
};

struct NoteSignature {
  std::string name;
  std::string key_hint;   // 4 bytes
  std::string signature;  // after the hint
};

struct SignedNote {
  std::string text;  // the signed text, ending in "\n"
  std::vector<NoteSignature> signatures;
};

// Parses a signed note ("text\n\n— name base64(hint||sig)\n..."). InvalidArgument if malformed.
absl::StatusOr<SignedNote> ParseSignedNote(absl::string_view envelope);
// Parses a checkpoint body. InvalidArgument naming the missing or malformed line.
absl::StatusOr<CheckpointBody> ParseCheckpointText(absl::string_view text);

// Verifies that |envelope| is a checkpoint signed by |log|: at least one signature line whose
// key hint names the log's key (first 4 bytes of its log id or checkpoint key id) and whose name
// is the checkpoint origin (or, Rekor v1, the origin's "NAME - TREEID" name) verifies, and none
// such fails. Returns the body. FailedPrecondition on a bad or missing signature.
absl::StatusOr<CheckpointBody> VerifyCheckpointNote(absl::string_view envelope,
                                                    const TransparencyLog& log);

// Verifies |proof| for the leaf |body|: the RFC 6962 inclusion proof recomputes root_hash, and
// the proof's checkpoint is signed by |log| and carries the same size and root.
// FailedPrecondition naming the failing part.
absl::Status VerifyInclusionProof(const dev::sigstore::rekor::v1::InclusionProof& proof,
                                  absl::string_view body, const TransparencyLog& log);

// The bytes a SET signs: RFC 8785 canonical JSON
// {"body":B64(body),"integratedTime":T,"logID":HEX(log_id),"logIndex":I}.
std::string SignedEntryTimestampPayload(absl::string_view body, int64_t integrated_time,
                                        absl::string_view log_id, int64_t log_index);

// Verifies the entry's SET with |log|'s key. FailedPrecondition if absent or invalid.
absl::Status VerifySignedEntryTimestamp(const dev::sigstore::rekor::v1::TransparencyLogEntry& entry,
                                        const TransparencyLog& log);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TLOG_H_
