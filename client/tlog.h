// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Transparency log evidence in a bundle, verified offline: signed-note checkpoints (Rekor v1 and
// v2 / C2SP tlog-checkpoint), inclusion proofs (RFC 6962) and signed entry timestamps (SET). The
// bytes (note envelope, SET payload) are formats/'s, the checkpoint body log/checkpoint.h's: the
// same code the log signs them with. Pure functions; thread-safe.
#ifndef VOUCH_CLIENT_TLOG_H_
#define VOUCH_CLIENT_TLOG_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/trust_root.h"
#include "log/checkpoint.h"
#include "proto/sigstore/sigstore_rekor.pb.h"

namespace vouch::client {

// Verifies that |envelope| is a checkpoint signed by |log| and returns it: at least one
// signature line whose key hint names the log's key (the first 4 bytes of its log id or of its
// checkpoint key id) and whose name is the checkpoint origin (or, Rekor v1, the NAME of an
// origin "NAME - TREEID") verifies, and none such fails; other lines (witnesses) are ignored.
// formats/signed_note.h's convention, messages prefixed "checkpoint: ": InvalidArgument for a
// malformed note or body, PermissionDenied when the log's signature is missing or does not
// verify (also when the log's key could not be loaded).
absl::StatusOr<log::Checkpoint> VerifyCheckpointNote(absl::string_view envelope,
                                                     const TransparencyLog& log);

// Verifies |proof| for the leaf |body|: the RFC 6962 inclusion proof recomputes root_hash, and
// the proof's checkpoint is signed by |log| and carries the same size and root.
// FailedPrecondition naming the failing part, whatever went wrong.
absl::Status VerifyInclusionProof(const dev::sigstore::rekor::v1::InclusionProof& proof,
                                  absl::string_view body, const TransparencyLog& log);

// Verifies the entry's SET (formats::SignedEntryTimestampPayload) with |log|'s key.
// FailedPrecondition if absent or invalid.
absl::Status VerifySignedEntryTimestamp(const dev::sigstore::rekor::v1::TransparencyLogEntry& entry,
                                        const TransparencyLog& log);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TLOG_H_
