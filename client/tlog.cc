// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tlog.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/status.h"
#include "log/checkpoint.h"
#include "log/hash.h"
#include "log/merkle.h"

namespace vouch::client {
namespace {

constexpr absl::string_view kSigPrefix = "\xe2\x80\x94 ";  // "— "

absl::Status Bad(absl::string_view what) { return absl::InvalidArgumentError(std::string(what)); }

}  // namespace

absl::StatusOr<SignedNote> ParseSignedNote(absl::string_view envelope) {
  size_t split = envelope.find("\n\n");
  if (split == absl::string_view::npos) return Bad("checkpoint: no blank line before signatures");
  SignedNote note;
  note.text = std::string(envelope.substr(0, split + 1));
  absl::string_view rest = envelope.substr(split + 2);
  for (absl::string_view line : absl::StrSplit(rest, '\n')) {
    if (line.empty()) continue;
    if (!absl::ConsumePrefix(&line, kSigPrefix)) {
      return Bad("checkpoint: signature line does not start with an em dash");
    }
    size_t space = line.rfind(' ');
    if (space == absl::string_view::npos || space == 0) {
      return Bad("checkpoint: signature line has no key name");
    }
    std::string raw;
    if (!absl::Base64Unescape(line.substr(space + 1), &raw) || raw.size() < 5) {
      return Bad("checkpoint: signature is not base64 of key hint and signature");
    }
    note.signatures.push_back(
        NoteSignature{std::string(line.substr(0, space)), raw.substr(0, 4), raw.substr(4)});
  }
  return note;
}

absl::StatusOr<CheckpointBody> ParseCheckpointText(absl::string_view text) {
  // The body grammar (and its strictness: canonical decimal size, canonical base64 root, no
  // control characters) is the log's own, so what Vouch signs and what it accepts agree.
  auto parsed = log::ParseCheckpointBody(text);
  if (!parsed.ok()) {
    absl::string_view msg = parsed.status().message();
    absl::ConsumePrefix(&msg, "checkpoint: ");
    return Bad(absl::StrCat("checkpoint: ", msg));
  }
  CheckpointBody body;
  body.origin = parsed->origin;
  body.size = parsed->size;
  body.root_hash = log::HashBytes(parsed->root);
  return body;
}

absl::StatusOr<CheckpointBody> VerifyCheckpointNote(absl::string_view envelope,
                                                    const TransparencyLog& log) {
  VOUCH_ASSIGN_OR_RETURN(SignedNote note, ParseSignedNote(envelope));
  VOUCH_ASSIGN_OR_RETURN(CheckpointBody body, ParseCheckpointText(note.text));
  if (log.verifier == nullptr) {
    return absl::FailedPreconditionError("checkpoint: the log's key is not usable");
  }
  int good = 0;
  for (const NoteSignature& sig : note.signatures) {
    bool key_match =
        sig.key_hint == log.log_id.substr(0, 4) ||
        (log.checkpoint_key_id.size() >= 4 && sig.key_hint == log.checkpoint_key_id.substr(0, 4));
    if (!key_match) continue;
    bool name_match =
        sig.name == body.origin || absl::StartsWith(body.origin, absl::StrCat(sig.name, " - "));
    if (!name_match) continue;
    absl::Status s = log.verifier->Verify(note.text, sig.signature);
    if (!s.ok()) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint: signature by ", sig.name, " does not verify: ", s.message()));
    }
    ++good;
  }
  if (good == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("checkpoint: no signature by the log (origin \"", body.origin, "\", key hint ",
                     absl::BytesToHexString(log.log_id.substr(0, 4)), ")"));
  }
  return body;
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
  if (checkpoint->root_hash != proof.root_hash()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint: root hash ", absl::BytesToHexString(checkpoint->root_hash),
        " differs from the inclusion proof's ", absl::BytesToHexString(proof.root_hash())));
  }
  return absl::OkStatus();
}

std::string SignedEntryTimestampPayload(absl::string_view body, int64_t integrated_time,
                                        absl::string_view log_id, int64_t log_index) {
  // Keys in RFC 8785 order; base64 and hex need no JSON escaping.
  return absl::StrCat("{\"body\":\"", absl::Base64Escape(body),
                      "\",\"integratedTime\":", integrated_time, ",\"logID\":\"",
                      absl::BytesToHexString(log_id), "\",\"logIndex\":", log_index, "}");
}

absl::Status VerifySignedEntryTimestamp(const dev::sigstore::rekor::v1::TransparencyLogEntry& entry,
                                        const TransparencyLog& log) {
  const std::string& set = entry.inclusion_promise().signed_entry_timestamp();
  if (set.empty()) return absl::FailedPreconditionError("SET: entry has no inclusion promise");
  if (log.verifier == nullptr) return absl::FailedPreconditionError("SET: log key is not usable");
  std::string payload =
      SignedEntryTimestampPayload(entry.canonicalized_body(), entry.integrated_time(),
                                  entry.log_id().key_id(), entry.log_index());
  absl::Status s = log.verifier->Verify(payload, set);
  if (!s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("SET: signature does not verify: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace vouch::client
