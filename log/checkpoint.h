// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signed checkpoints: C2SP tlog-checkpoint bodies (https://c2sp.org/tlog-checkpoint) in C2SP
// signed notes (https://c2sp.org/signed-note), byte-compatible with Rekor v1 and the Sigstore
// clients. A signed checkpoint looks like this (the dash is U+2014 EM DASH):
//
//   rekor.example.com - 1234\n               origin
//   20852163\n                               tree size, decimal, no leading zeros
//   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n   root hash, standard base64
//   [extension line\n]...                    optional, non-empty
//   \n                                       blank line
//   — rekor.example.com wNI9a...\n            "— <name> <base64(key hint(4) || signature)>"
//
// The signature covers the body bytes (everything before the blank line, including the last
// newline). The note envelope, key hints and the error convention are formats/signed_note.h's;
// Vouch signs with formats::KeyHintKind::kLogId (docs/merkle.md, docs/formats.md).
// Pure functions; thread-safe as far as the Signer/Verifier passed in are.
#ifndef VOUCH_LOG_CHECKPOINT_H_
#define VOUCH_LOG_CHECKPOINT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "formats/signed_note.h"
#include "log/hash.h"
#include "signer/crypto.h"

namespace vouch::log {

struct Checkpoint {
  std::string origin;                   // non-empty, one line
  uint64_t size = 0;                    // tree size
  Hash root{};                          // RFC 6962 root hash at |size|
  std::vector<std::string> extensions;  // optional extra body lines, each non-empty

  bool operator==(const Checkpoint& o) const {
    return origin == o.origin && size == o.size && root == o.root && extensions == o.extensions;
  }
  bool operator!=(const Checkpoint& o) const { return !(*this == o); }
};

// The checkpoint body: "<origin>\n<size>\n<base64 root>\n" followed by "<extension>\n" for each
// extension. Does not validate; SignCheckpoint does.
std::string MarshalCheckpointBody(const Checkpoint& checkpoint);

// Parses a checkpoint body (the note text, ending in a newline). InvalidArgument (naming the
// problem) for: fewer than three lines, an empty origin, a size that is not canonical decimal
// (leading zeros, sign, spaces, > 2^64-1), a root that is not canonical standard base64 of 32
// bytes, empty extension lines, a missing final newline, control characters, invalid UTF-8,
// or more than formats::kMaxNoteSize bytes.
absl::StatusOr<Checkpoint> ParseCheckpointBody(absl::string_view body);

// Signs |checkpoint| as |signer_name| and returns the whole note text (body, blank line, one
// signature line with the key hint of |kind|; formats::SignNote). InvalidArgument for an invalid
// checkpoint (empty origin, newlines or control characters in origin or extensions, empty
// extensions) or signer name (empty, containing spaces, '+' or control characters: C2SP key
// names; sigstore-js also requires no whitespace). Errors of |signer| are returned as they are.
absl::StatusOr<std::string> SignCheckpoint(
    const Checkpoint& checkpoint, const std::string& signer_name, const signer::Signer& signer,
    formats::KeyHintKind kind = formats::KeyHintKind::kLogId);

// Verifies a signed note and returns its checkpoint. The signature lines whose name is
// |signer_name| and whose key hint is |verifier|'s (per |kind|) must all verify over the body;
// other signature lines (e.g. witness cosignatures) are ignored, as c2sp.org/signed-note
// requires. formats/signed_note.h's convention: InvalidArgument for a malformed note
// (formats::ParseSignedNote) or an invalid body (ParseCheckpointBody), PermissionDenied when no
// signature line matches the key or a matching one does not verify (including a malformed
// signature encoding, e.g. a truncated ECDSA signature). The caller checks the origin and size
// it expects.
absl::StatusOr<Checkpoint> VerifyCheckpoint(
    absl::string_view note, const std::string& signer_name, const signer::Verifier& verifier,
    formats::KeyHintKind kind = formats::KeyHintKind::kLogId);

}  // namespace vouch::log

#endif  // VOUCH_LOG_CHECKPOINT_H_
