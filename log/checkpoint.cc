// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/checkpoint.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace vouch::log {
namespace {

absl::Status BadCheckpoint(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed checkpoint: ", what));
}

// One body line: note text without newlines.
absl::Status CheckLine(absl::string_view line) {
  if (absl::StrContains(line, '\n')) return absl::InvalidArgumentError("contains a newline");
  return formats::CheckNoteText(line);
}

// Standard base64 with padding, exactly as Base64Escape writes it.
bool DecodeCanonicalBase64(absl::string_view in, std::string* out) {
  if (in.empty() || !absl::Base64Unescape(in, out)) return false;
  return absl::Base64Escape(*out) == in;
}

absl::Status CheckCheckpointForSigning(const Checkpoint& c) {
  if (c.origin.empty()) return BadCheckpoint("empty origin");
  absl::Status s = CheckLine(c.origin);
  if (!s.ok()) return BadCheckpoint(absl::StrCat("origin: ", s.message()));
  for (const std::string& ext : c.extensions) {
    if (ext.empty()) return BadCheckpoint("empty extension line");
    s = CheckLine(ext);
    if (!s.ok()) return BadCheckpoint(absl::StrCat("extension line: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string MarshalCheckpointBody(const Checkpoint& c) {
  std::string out =
      absl::StrCat(c.origin, "\n", c.size, "\n", absl::Base64Escape(HashBytes(c.root)), "\n");
  for (const std::string& ext : c.extensions) absl::StrAppend(&out, ext, "\n");
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpointBody(absl::string_view body) {
  if (body.size() > formats::kMaxNoteSize) {
    return BadCheckpoint(absl::StrFormat("%d bytes, limit %d", body.size(), formats::kMaxNoteSize));
  }
  absl::Status text_ok = formats::CheckNoteText(body);
  if (!text_ok.ok()) return BadCheckpoint(text_ok.message());
  if (!absl::ConsumeSuffix(&body, "\n")) return BadCheckpoint("body does not end in a newline");
  std::vector<absl::string_view> lines = absl::StrSplit(body, '\n');
  if (lines.size() < 3) {
    return BadCheckpoint(absl::StrFormat("%d lines, want at least 3", lines.size()));
  }
  Checkpoint c;
  if (lines[0].empty()) return BadCheckpoint("empty origin");
  c.origin = std::string(lines[0]);

  const absl::string_view size = lines[1];
  bool digits = !size.empty() && size.size() <= 20;
  for (char ch : size) digits = digits && ch >= '0' && ch <= '9';
  if (!digits || (size.size() > 1 && size[0] == '0') || !absl::SimpleAtoi(size, &c.size)) {
    return BadCheckpoint(absl::StrCat("tree size \"", absl::CHexEscape(size.substr(0, 32)),
                                      "\" is not a canonical decimal uint64"));
  }

  std::string root;
  if (!DecodeCanonicalBase64(lines[2], &root)) {
    return BadCheckpoint("root hash is not standard base64");
  }
  absl::StatusOr<Hash> hash = HashFromBytes(root);
  if (!hash.ok()) return BadCheckpoint(absl::StrCat("root ", hash.status().message()));
  c.root = *hash;

  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return BadCheckpoint("empty extension line");
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

absl::StatusOr<std::string> SignCheckpoint(const Checkpoint& checkpoint,
                                           const std::string& signer_name,
                                           const signer::Signer& signer,
                                           formats::KeyHintKind kind) {
  absl::Status s = CheckCheckpointForSigning(checkpoint);
  if (!s.ok()) return s;
  s = formats::CheckNoteKeyName(signer_name);
  if (!s.ok()) return s;
  absl::StatusOr<std::string> hint =
      formats::KeyHintFor(kind, signer_name, signer.key_type(), signer.PublicKeyDer());
  if (!hint.ok()) return hint.status();
  return formats::SignNote(MarshalCheckpointBody(checkpoint), signer_name, *hint, signer);
}

absl::StatusOr<Checkpoint> VerifyCheckpoint(absl::string_view note, const std::string& signer_name,
                                            const signer::Verifier& verifier,
                                            formats::KeyHintKind kind) {
  absl::StatusOr<formats::SignedNote> parsed = formats::ParseSignedNote(note);
  if (!parsed.ok()) return parsed.status();
  absl::StatusOr<std::string> hint =
      formats::KeyHintFor(kind, signer_name, verifier.key_type(), verifier.PublicKeyDer());
  if (!hint.ok()) return hint.status();
  absl::Status s = formats::VerifyNoteSignatures(
      *parsed, formats::NoteVerifier{{signer_name}, {*hint}, &verifier});
  if (!s.ok()) return s;
  return ParseCheckpointBody(parsed->text);
}

}  // namespace vouch::log
