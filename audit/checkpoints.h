// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Checkpoints as the auditor handles them: verified against a log of the trusted root (Rekor v1
// key hints and signer names as Vouch and Rekor write them, or C2SP key IDs), parsed without
// verification for evidence, and remembered per size so two different roots for one size (a
// split view) are caught whoever handed them in. Pure functions; thread-safe.
#ifndef VOUCH_AUDIT_CHECKPOINTS_H_
#define VOUCH_AUDIT_CHECKPOINTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/trust_root.h"
#include "log/checkpoint.h"

namespace vouch::audit {

// The signed text of |note| (formats::ParseSignedNote), or InvalidArgument naming the problem.
absl::StatusOr<std::string> NoteText(absl::string_view note);

// Parses the checkpoint body of |note| WITHOUT verifying any signature.
absl::StatusOr<log::Checkpoint> ParseUnverified(absl::string_view note);

// Verifies that |note| is signed by |tlog|'s key: some signature line whose key hint is the
// first four bytes of the log ID (or of the trusted root's checkpoint key ID) and whose name is
// the origin or the origin's "<name> - <tree id>" prefix verifies. Returns the checkpoint.
// client::VerifyCheckpointNote: InvalidArgument for a malformed note, PermissionDenied when no
// such line verifies or the log's key is not usable.
absl::StatusOr<log::Checkpoint> VerifyLogCheckpoint(absl::string_view note,
                                                    const client::TransparencyLog& tlog);

// The trusted root's log for |url|: the one whose baseUrl equals it (ignoring a trailing
// slash), else the only log there is, else the one whose key verifies |note|. NotFound when
// none fits.
absl::StatusOr<const client::TransparencyLog*> FindTrustedLog(const client::TrustRoot& root,
                                                              const std::string& url,
                                                              absl::string_view note);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_CHECKPOINTS_H_
