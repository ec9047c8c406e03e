// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tlog.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/status.h"
#include "formats/signed_entry_timestamp.h"
#include "formats/signed_note.h"
#include "log/checkpoint.h"
#include "log/hash.h"
#include "log/merkle.h"

namespace vouch::client {
namespace {

absl::Status Prefixed(const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("checkpoint: ", s.message()));
}

}  // namespace

absl::StatusOr<log::Checkpoint> VerifyCheckpointNote(absl::string_view envelope,
                                                     const TransparencyLog& log) {
  absl::StatusOr<formats::SignedNote> note = formats::ParseSignedNote(envelope);
  if (!note.ok()) return Prefixed(note.status());
  absl::StatusOr<log::Checkpoint> checkpoint = log::ParseCheckpointBody(note->text);
  if (!checkpoint.ok()) return Prefixed(checkpoint.status());
  if (log.verifier == nullptr) {
    return absl::PermissionDeniedError("checkpoint: the log's key is not usable");
  }
  formats::NoteVerifier key;
  key.verifier = log.verifier.get();
  // The origin itself (Rekor v2, C2SP), or for Rekor v1 "NAME - TREEID" the NAME.
  const std::string& origin = checkpoint->origin;
  key.names.push_back(origin);
  for (size_t at = origin.find(" - "); at != std::string::npos; at = origin.find(" - ", at + 1)) {
    key.names.push_back(origin.substr(0, at));
  }
  key.key_hints.push_back(log.log_id.substr(0, 4));
  if (log.checkpoint_key_id.size() >= 4) {
    key.key_hints.push_back(log.checkpoint_key_id.substr(0, 4));
  }
  absl::Status s = formats::VerifyNoteSignatures(*note, key);
  if (!s.ok()) return Prefixed(s);
  return checkpoint;
}

absl::Status VerifyInclusionProof(const dev::sigstore::rekor::v1::InclusionProof& proof,
                                  absl::string_view body, const TransparencyLog& log) {
  if (proof.tree_size() <= 0 || proof.log_index() < 0 || proof.log_index() >= proof.tree_size()) {
    return absl::FailedPreconditionError(absl::StrCat("inclusion proof: index ", proof.log_index(),
                                                      " outside tree of size ", proof.tree_size()));
  }
  auto root = log::HashFromBytes(proof.root_hash());
  if (!root.ok()) return Annotate(root.status(), "inclusion proof: root hash");
  std::vector<log::Hash> hashes;
  hashes.reserve(proof.hashes_size());
  for (const std::string& h : proof.hashes()) {
    auto hash = log::HashFromBytes(h);
    if (!hash.ok()) return Annotate(hash.status(), "inclusion proof: hash");
    hashes.push_back(*hash);
  }
  absl::Status s = log::VerifyInclusion(static_cast<uint64_t>(proof.log_index()),
                                        static_cast<uint64_t>(proof.tree_size()),
                                        log::HashLeaf(body), hashes, *root);
  if (!s.ok()) {
    absl::string_view msg = s.message();
    absl::ConsumePrefix(&msg, "inclusion proof: ");
    return absl::FailedPreconditionError(absl::StrCat("inclusion proof: ", msg));
  }
  auto checkpoint = VerifyCheckpointNote(proof.checkpoint().envelope(), log);
  if (!checkpoint.ok()) {
    return absl::FailedPreconditionError(std::string(checkpoint.status().message()));
  }
  if (checkpoint->size != static_cast<uint64_t>(proof.tree_size())) {
    return absl::FailedPreconditionError(absl::StrCat("checkpoint: tree size ", checkpoint->size,
                                                      ", inclusion proof has ", proof.tree_size()));
  }
  if (log::HashBytes(checkpoint->root) != proof.root_hash()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint: root hash ", log::HashToHex(checkpoint->root),
        " differs from the inclusion proof's ", absl::BytesToHexString(proof.root_hash())));
  }
  return absl::OkStatus();
}

absl::Status VerifySignedEntryTimestamp(const dev::sigstore::rekor::v1::TransparencyLogEntry& entry,
                                        const TransparencyLog& log) {
  const std::string& set = entry.inclusion_promise().signed_entry_timestamp();
  if (set.empty()) return absl::FailedPreconditionError("SET: entry has no inclusion promise");
  if (log.verifier == nullptr) return absl::FailedPreconditionError("SET: log key is not usable");
  std::string payload =
      formats::SignedEntryTimestampPayload(entry.canonicalized_body(), entry.integrated_time(),
                                           entry.log_id().key_id(), entry.log_index());
  absl::Status s = log.verifier->Verify(payload, set);
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("SET: signature does not verify: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace vouch::client
