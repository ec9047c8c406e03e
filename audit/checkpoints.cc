// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/checkpoints.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/tlog.h"
#include "formats/signed_note.h"

namespace vouch::audit {
namespace {

std::string TrimUrl(std::string u) {
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

}  // namespace

absl::StatusOr<std::string> NoteText(absl::string_view note) {
  absl::StatusOr<formats::SignedNote> parsed = formats::ParseSignedNote(note);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", parsed.status().message()));
  }
  return std::move(parsed->text);
}

absl::StatusOr<log::Checkpoint> ParseUnverified(absl::string_view note) {
  auto text = NoteText(note);
  if (!text.ok()) return text.status();
  return log::ParseCheckpointBody(*text);
}

// The client's checkpoint verification (client/tlog.h): one parser of signed notes
// (formats/signed_note.h) and one convention for errors, whether vouch or vouch-audit reads the
// checkpoint.
absl::StatusOr<log::Checkpoint> VerifyLogCheckpoint(absl::string_view note,
                                                    const client::TransparencyLog& tlog) {
  return client::VerifyCheckpointNote(note, tlog);
}

absl::StatusOr<const client::TransparencyLog*> FindTrustedLog(const client::TrustRoot& root,
                                                              const std::string& url,
                                                              absl::string_view note) {
  for (const client::TransparencyLog& l : root.tlogs()) {
    if (TrimUrl(l.base_url) == TrimUrl(url)) return &l;
  }
  if (root.tlogs().size() == 1) return &root.tlogs()[0];
  for (const client::TransparencyLog& l : root.tlogs()) {
    if (VerifyLogCheckpoint(note, l).ok()) return &l;
  }
  return absl::NotFoundError(
      absl::StrCat("the trusted root has no log for ", url, " whose key signs its checkpoint"));
}

}  // namespace vouch::audit
