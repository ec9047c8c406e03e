// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signed notes (https://c2sp.org/signed-note), the envelope of every checkpoint Vouch signs and
// every checkpoint a bundle carries (Rekor v1, Rekor v2 / tessera logs, witness cosignatures).
// The log (log/checkpoint.h, log/log.cc) and the verifier (client/tlog.h) parse, sign and verify
// notes only here. A note is
//
//   <text, ending in "\n">            the signed bytes: any lines (a checkpoint body, ...)
//   "\n"                              one blank line: the text ends at the note's LAST blank line
//   "— <name> <base64(hint || sig)>\n" one or more signature lines ("—" is U+2014 EM DASH)
//
// where hint is a 4-byte key hint (KeyHint, C2spEd25519KeyHint) and sig the signature over the
// text (at least 1 byte). The whole note is valid UTF-8 without control characters other than
// newline; a name is non-empty, without spaces, '+' or control characters; base64 is standard,
// padded and canonical (as Go's encoding/base64 writes it).
//
// Error convention (every function here, and log::VerifyCheckpoint on top):
//   InvalidArgument   the note is malformed: its message starts "malformed note: " and names
//                     the problem. Nothing is verified.
//   PermissionDenied  the note is well formed but not signed by the expected key: no signature
//                     line has its name and key hint, or one that has does not verify (a
//                     malformed signature encoding included). The same code signer::Verifier
//                     gives for a signature that does not verify.
// Pure functions; thread-safe as far as the Signer/Verifier passed in are.
#ifndef VOUCH_FORMATS_SIGNED_NOTE_H_
#define VOUCH_FORMATS_SIGNED_NOTE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signer/crypto.h"

namespace vouch::formats {

// Notes larger than this are refused unread (and never produced).
inline constexpr size_t kMaxNoteSize = 1 << 20;
// At most this many signature lines are accepted in a note (C2SP requires accepting 16).
inline constexpr size_t kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string name;       // the key name, e.g. "rekor.sigstore.dev"
  std::string key_hint;   // 4 bytes
  std::string signature;  // the bytes after the hint
};

struct SignedNote {
  std::string text;                       // the signed text, ending in "\n"
  std::vector<NoteSignature> signatures;  // in note order, at least one
};

// Parses |note|. InvalidArgument ("malformed note: ...") for: more than kMaxNoteSize bytes,
// invalid UTF-8 or a control character other than newline, no blank line, an empty text, no
// signature line, a last line without newline, a line not starting with "— ", a bad name, a
// missing or extra field, base64 that is not canonical standard base64, a decoded signature
// shorter than 5 bytes, more than kMaxNoteSignatures lines.
absl::StatusOr<SignedNote> ParseSignedNote(absl::string_view note);

// Checks note text: valid UTF-8 without C0 control characters other than newline.
// InvalidArgument ("invalid UTF-8 at byte N", "control character 0x0d at byte N").
absl::Status CheckNoteText(absl::string_view text);

// Checks a key name: non-empty, valid UTF-8, no Unicode space, '+' or control character.
// InvalidArgument naming the problem.
absl::Status CheckNoteKeyName(absl::string_view name);

// One signature line: "— " name " " base64(key_hint || signature) "\n". Does not validate.
std::string NoteSignatureLine(absl::string_view name, absl::string_view key_hint,
                              absl::string_view signature);

// Signs |text| as |name| with |signer| and returns the whole note: text, blank line, one
// signature line with |key_hint| (4 bytes). InvalidArgument for an unusable text (empty, not
// ending in newline, invalid UTF-8 or control characters) or name (CheckNoteKeyName), a hint
// that is not 4 bytes, or a note that would exceed kMaxNoteSize; errors of |signer| as they are.
absl::StatusOr<std::string> SignNote(absl::string_view text, const std::string& name,
                                     absl::string_view key_hint, const signer::Signer& signer);

// The key that must have signed a note, and the signature lines that are its own: those whose
// name is one of |names| and whose key hint is one of |key_hints|. Other lines (witness
// cosignatures, other keys of the same name) are ignored, as c2sp.org/signed-note requires.
struct NoteVerifier {
  std::vector<std::string> names;
  std::vector<std::string> key_hints;  // 4 bytes each
  const signer::Verifier* verifier = nullptr;
};

// Verifies that |note| is signed by |key|: at least one signature line is the key's, and every
// line that is the key's verifies over note.text. PermissionDenied otherwise ("note signature by
// NAME does not verify: ...", "note has no signature by NAME with key hint HEX");
// InvalidArgument if |key| has no verifier.
absl::Status VerifyNoteSignatures(const SignedNote& note, const NoteVerifier& key);

// ParseSignedNote, then VerifyNoteSignatures. Returns the parsed note.
absl::StatusOr<SignedNote> OpenSignedNote(absl::string_view note, const NoteVerifier& key);

// ----------------------------------------------------------------------------- key hints

// How the 4-byte key hint in front of each signature is derived from the key.
enum class KeyHintKind {
  // Rekor v1 and sigstore-js: SHA-256(DER SubjectPublicKeyInfo)[:4] for every key type, i.e. the
  // first four bytes of the Rekor v1 log ID. sigstore-js matches the hint against the first four
  // bytes of the log ID in the trusted root. The default.
  kLogId,
  // c2sp.org/signed-note: Ed25519 keys (signature type 0x01) use
  // SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4] (Rekor v2 / tessera logs and
  // witnesses); ECDSA keys (type 0x02) use SHA-256(DER SPKI)[:4], the same as kLogId; RSA has
  // no C2SP type and falls back to kLogId.
  kC2sp,
};

// The Rekor v1 / sigstore-js key hint: SHA-256(spki_der)[:4] (4 raw bytes).
std::string KeyHint(absl::string_view spki_der);

// The C2SP Ed25519 key hint: SHA-256(name || "\n" || 0x01 || ed25519_public_key)[:4], where
// |ed25519_public_key| is the raw 32-byte key (RFC 8032).
std::string C2spEd25519KeyHint(absl::string_view name, absl::string_view ed25519_public_key);

// The key hint of |kind| for a key (|type|, |spki_der|) signing as |name|. InvalidArgument if an
// Ed25519 SPKI is malformed.
absl::StatusOr<std::string> KeyHintFor(KeyHintKind kind, absl::string_view name,
                                       signer::KeyType type, absl::string_view spki_der);

// The raw 32-byte public key inside an Ed25519 SubjectPublicKeyInfo; InvalidArgument otherwise.
absl::StatusOr<std::string> Ed25519RawPublicKey(absl::string_view spki_der);

}  // namespace vouch::formats

#endif  // VOUCH_FORMATS_SIGNED_NOTE_H_
