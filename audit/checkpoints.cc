// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/checkpoints.h"

#include "formats/signed_note.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace vouch::audit {
namespace {

constexpr absl::string_view kDash = "\xe2\x80\x94 ";

struct Line {
  std::string name;
  std::string hint;
};

absl::StatusOr<std::vector<Line>> SignatureLines(absl::string_view note) {
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError("checkpoint: no blank line before the signatures");
  }
  std::vector<Line> out;
  for (absl::string_view line : absl::StrSplit(note.substr(split + 2), '\n')) {
    if (line.empty()) continue;
    if (!absl::ConsumePrefix(&line, kDash)) {
      return absl::InvalidArgumentError("checkpoint: signature line does not start with \"— \"");
    }
    const size_t space = line.rfind(' ');
    if (space == absl::string_view::npos) {
      return absl::InvalidArgumentError("checkpoint: malformed signature line");
    }
    std::string raw;
    if (!absl::Base64Unescape(line.substr(space + 1), &raw) || raw.size() < 5) {
      return absl::InvalidArgumentError("checkpoint: malformed signature");
    }
    out.push_back(Line{std::string(line.substr(0, space)), raw.substr(0, 4)});
  }
  return out;
}

std::string TrimUrl(std::string u) {
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

}  // namespace

absl::StatusOr<std::string> NoteText(absl::string_view note) {
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) {
    return absl::InvalidArgumentError("checkpoint: no blank line before the signatures");
  }
  return std::string(note.substr(0, split + 1));
}

absl::StatusOr<log::Checkpoint> ParseUnverified(absl::string_view note) {
  auto text = NoteText(note);
  if (!text.ok()) return text.status();
  return log::ParseCheckpointBody(*text);
}

absl::StatusOr<log::Checkpoint> VerifyLogCheckpoint(absl::string_view note,
                                                    const client::TransparencyLog& tlog) {
  if (tlog.verifier == nullptr) {
    return absl::FailedPreconditionError("checkpoint: the trusted root's log key is not usable");
  }
  auto body = ParseUnverified(note);
  if (!body.ok()) return body.status();
  auto lines = SignatureLines(note);
  if (!lines.ok()) return lines.status();
  absl::Status last = absl::PermissionDeniedError(
      absl::StrCat("checkpoint: no signature by the log (origin \"", body->origin, "\", key hint ",
                   absl::BytesToHexString(tlog.log_id.substr(0, 4)), ")"));
  for (const Line& l : *lines) {
    const bool name_ok =
        l.name == body->origin || absl::StartsWith(body->origin, absl::StrCat(l.name, " - "));
    if (!name_ok) continue;
    formats::KeyHintKind kind;
    if (l.hint == tlog.log_id.substr(0, 4)) {
      kind = formats::KeyHintKind::kLogId;
    } else if (tlog.checkpoint_key_id.size() >= 4 &&
               l.hint == tlog.checkpoint_key_id.substr(0, 4)) {
      kind = formats::KeyHintKind::kC2sp;
    } else {
      continue;
    }
    auto cp = log::VerifyCheckpoint(note, l.name, *tlog.verifier, kind);
    if (cp.ok()) return cp;
    last = cp.status();
  }
  return last;
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
