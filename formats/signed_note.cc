// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/signed_note.h"

#include <openssl/sha.h>

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/utf8.h"

namespace vouch::formats {
namespace {

constexpr absl::string_view kEmDashSpace = "\xE2\x80\x94 ";  // U+2014 EM DASH, space
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32-byte key.
constexpr absl::string_view kEd25519SpkiPrefix("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00",
                                               12);

std::string Sha256(absl::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

absl::Status Malformed(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed note: ", what));
}

// Valid UTF-8 with no C0 control characters other than (if allowed) newline (Go's note.Open).
absl::Status CheckText(absl::string_view s, bool allow_newline) {
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    uint32_t cp;
    if (!NextCodePoint(s, &i, &cp)) {
      return absl::InvalidArgumentError(absl::StrFormat("invalid UTF-8 at byte %d", at));
    }
    if (cp < 0x20 && !(allow_newline && cp == '\n')) {
      return absl::InvalidArgumentError(
          absl::StrFormat("control character 0x%02x at byte %d", cp, at));
    }
  }
  return absl::OkStatus();
}

// Standard base64 with padding, exactly as Base64Escape writes it.
bool DecodeCanonicalBase64(absl::string_view in, std::string* out) {
  if (in.empty() || !absl::Base64Unescape(in, out)) return false;
  return absl::Base64Escape(*out) == in;
}

absl::StatusOr<NoteSignature> ParseSignatureLine(absl::string_view line) {
  if (!absl::ConsumePrefix(&line, kEmDashSpace)) {
    return Malformed("signature line does not start with \"\xE2\x80\x94 \"");
  }
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return Malformed("signature line has no signature");
  const absl::string_view name = line.substr(0, space);
  const absl::string_view b64 = line.substr(space + 1);
  absl::Status name_ok = CheckNoteKeyName(name);
  if (!name_ok.ok()) return Malformed(name_ok.message());
  if (absl::StrContains(b64, ' ')) return Malformed("signature line has extra fields");
  std::string raw;
  if (!DecodeCanonicalBase64(b64, &raw)) return Malformed("signature is not standard base64");
  if (raw.size() < 5) {
    return Malformed(absl::StrFormat("signature of %d bytes is too short", raw.size()));
  }
  return NoteSignature{std::string(name), raw.substr(0, 4), raw.substr(4)};
}

bool Contains(const std::vector<std::string>& v, absl::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

absl::Status CheckNoteText(absl::string_view text) {
  return CheckText(text, /*allow_newline=*/true);
}

absl::Status CheckNoteKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("key name is empty");
  for (size_t i = 0; i < name.size();) {
    uint32_t cp;
    if (!NextCodePoint(name, &i, &cp)) {
      return absl::InvalidArgumentError("key name is not valid UTF-8");
    }
    if (cp < 0x20 || cp == 0x7F || cp == '+' || IsUnicodeSpace(cp)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key name \"", absl::CHexEscape(name), "\" contains a space, '+' or control character"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SignedNote> ParseSignedNote(absl::string_view note) {
  if (note.size() > kMaxNoteSize) {
    return Malformed(absl::StrFormat("%d bytes, limit %d", note.size(), kMaxNoteSize));
  }
  absl::Status s = CheckText(note, /*allow_newline=*/true);
  if (!s.ok()) return Malformed(s.message());
  // The text ends at the last blank line; the signature block follows.
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) return Malformed("no blank line before the signatures");
  absl::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Malformed("no signatures");
  if (!absl::ConsumeSuffix(&sigs, "\n")) return Malformed("signatures do not end in a newline");
  SignedNote out;
  out.text = std::string(note.substr(0, split + 1));
  for (absl::string_view line : absl::StrSplit(sigs, '\n')) {
    if (out.signatures.size() == kMaxNoteSignatures) {
      return Malformed(absl::StrFormat("more than %d signatures", kMaxNoteSignatures));
    }
    absl::StatusOr<NoteSignature> sig = ParseSignatureLine(line);
    if (!sig.ok()) return sig.status();
    out.signatures.push_back(*std::move(sig));
  }
  return out;
}

std::string NoteSignatureLine(absl::string_view name, absl::string_view key_hint,
                              absl::string_view signature) {
  return absl::StrCat(kEmDashSpace, name, " ",
                      absl::Base64Escape(absl::StrCat(key_hint, signature)), "\n");
}

absl::StatusOr<std::string> SignNote(absl::string_view text, const std::string& name,
                                     absl::string_view key_hint, const signer::Signer& signer) {
  if (text.empty() || !absl::EndsWith(text, "\n")) {
    return absl::InvalidArgumentError("note text is empty or does not end in a newline");
  }
  absl::Status s = CheckText(text, /*allow_newline=*/true);
  if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("note text: ", s.message()));
  s = CheckNoteKeyName(name);
  if (!s.ok()) return s;
  if (key_hint.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("key hint of %d bytes, want 4", key_hint.size()));
  }
  absl::StatusOr<std::string> sig = signer.Sign(text);
  if (!sig.ok()) return sig.status();
  std::string note = absl::StrCat(text, "\n", NoteSignatureLine(name, key_hint, *sig));
  if (note.size() > kMaxNoteSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("note of %d bytes exceeds %d", note.size(), kMaxNoteSize));
  }
  return note;
}

absl::Status VerifyNoteSignatures(const SignedNote& note, const NoteVerifier& key) {
  if (key.verifier == nullptr) return absl::InvalidArgumentError("note verifier has no key");
  size_t verified = 0;
  for (const NoteSignature& sig : note.signatures) {
    if (!Contains(key.names, sig.name) || !Contains(key.key_hints, sig.key_hint)) continue;
    absl::Status v = key.verifier->Verify(note.text, sig.signature);
    if (!v.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat("note signature by ", sig.name, " does not verify: ", v.message()));
    }
    ++verified;
  }
  if (verified == 0) {
    std::vector<std::string> hints;
    for (const std::string& h : key.key_hints) hints.push_back(absl::BytesToHexString(h));
    return absl::PermissionDeniedError(
        absl::StrCat("note has no signature by ", absl::StrJoin(key.names, " or "),
                     " with key hint ", absl::StrJoin(hints, " or ")));
  }
  return absl::OkStatus();
}

absl::StatusOr<SignedNote> OpenSignedNote(absl::string_view note, const NoteVerifier& key) {
  absl::StatusOr<SignedNote> parsed = ParseSignedNote(note);
  if (!parsed.ok()) return parsed.status();
  absl::Status s = VerifyNoteSignatures(*parsed, key);
  if (!s.ok()) return s;
  return parsed;
}

std::string KeyHint(absl::string_view spki_der) { return Sha256(spki_der).substr(0, 4); }

std::string C2spEd25519KeyHint(absl::string_view name, absl::string_view ed25519_public_key) {
  return Sha256(absl::StrCat(name, "\n", absl::string_view("\x01", 1), ed25519_public_key))
      .substr(0, 4);
}

absl::StatusOr<std::string> Ed25519RawPublicKey(absl::string_view spki_der) {
  if (spki_der.size() != kEd25519SpkiPrefix.size() + 32 ||
      !absl::StartsWith(spki_der, kEd25519SpkiPrefix)) {
    return absl::InvalidArgumentError("not an Ed25519 SubjectPublicKeyInfo");
  }
  return std::string(spki_der.substr(kEd25519SpkiPrefix.size()));
}

absl::StatusOr<std::string> KeyHintFor(KeyHintKind kind, absl::string_view name,
                                       signer::KeyType type, absl::string_view spki_der) {
  if (kind == KeyHintKind::kC2sp && type == signer::KeyType::kEd25519) {
    absl::StatusOr<std::string> raw = Ed25519RawPublicKey(spki_der);
    if (!raw.ok()) return raw.status();
    return C2spEd25519KeyHint(name, *raw);
  }
  return KeyHint(spki_der);
}

}  // namespace vouch::formats
