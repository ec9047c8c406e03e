// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/checkpoint.h"

#include <openssl/sha.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace vouch::log {
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

absl::Status BadCheckpoint(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("malformed checkpoint: ", what));
}

// Decodes the UTF-8 sequence at s[*i], advancing *i; false if it is not valid (overlong forms,
// surrogates and code points above U+10FFFF are invalid).
bool NextCodePoint(absl::string_view s, size_t* i, uint32_t* cp) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t b0 = byte(*i);
  size_t n;
  uint32_t min;
  if (b0 < 0x80) {
    *cp = b0;
    *i += 1;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return false;
  }
  if (*i + n > s.size()) return false;
  for (size_t k = 1; k < n; ++k) {
    const uint8_t b = byte(*i + k);
    if ((b & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return false;
  *i += n;
  return true;
}

// Valid UTF-8 with no control characters other than newline (c2sp.org/signed-note).
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

// Unicode white space (Go's unicode.IsSpace, which the note packages use).
bool IsUnicodeSpace(uint32_t cp) {
  switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// A C2SP key name: non-empty, valid UTF-8, no spaces, '+' or control characters.
absl::Status CheckKeyName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("signer name is empty");
  for (size_t i = 0; i < name.size();) {
    uint32_t cp;
    if (!NextCodePoint(name, &i, &cp)) {
      return absl::InvalidArgumentError("signer name is not valid UTF-8");
    }
    if (cp < 0x20 || cp == 0x7F || cp == '+' || IsUnicodeSpace(cp)) {
      return absl::InvalidArgumentError(
          absl::StrCat("signer name \"", absl::CHexEscape(name),
                       "\" contains a space, '+' or control character"));
    }
  }
  return absl::OkStatus();
}

// Standard base64 with padding, exactly as Base64Escape writes it.
bool DecodeCanonicalBase64(absl::string_view in, std::string* out) {
  if (in.empty() || !absl::Base64Unescape(in, out)) return false;
  return absl::Base64Escape(*out) == in;
}

struct SignatureLine {
  absl::string_view name;
  std::string hint;       // 4 bytes
  std::string signature;  // the rest
};

absl::StatusOr<SignatureLine> ParseSignatureLine(absl::string_view line) {
  if (!absl::ConsumePrefix(&line, kEmDashSpace)) {
    return Malformed("signature line does not start with \"\xE2\x80\x94 \"");
  }
  const size_t space = line.find(' ');
  if (space == absl::string_view::npos) return Malformed("signature line has no signature");
  SignatureLine out;
  out.name = line.substr(0, space);
  const absl::string_view b64 = line.substr(space + 1);
  absl::Status name_ok = CheckKeyName(out.name);
  if (!name_ok.ok()) return Malformed(name_ok.message());
  if (absl::StrContains(b64, ' ')) return Malformed("signature line has extra fields");
  std::string raw;
  if (!DecodeCanonicalBase64(b64, &raw)) return Malformed("signature is not standard base64");
  if (raw.size() < 5) {
    return Malformed(absl::StrFormat("signature of %d bytes is too short", raw.size()));
  }
  out.hint = raw.substr(0, 4);
  out.signature = raw.substr(4);
  return out;
}

absl::Status CheckCheckpointForSigning(const Checkpoint& c) {
  if (c.origin.empty()) return BadCheckpoint("empty origin");
  absl::Status s = CheckText(c.origin, /*allow_newline=*/false);
  if (!s.ok()) return BadCheckpoint(absl::StrCat("origin: ", s.message()));
  for (const std::string& ext : c.extensions) {
    if (ext.empty()) return BadCheckpoint("empty extension line");
    s = CheckText(ext, /*allow_newline=*/false);
    if (!s.ok()) return BadCheckpoint(absl::StrCat("extension line: ", s.message()));
  }
  return absl::OkStatus();
}

}  // namespace

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

std::string MarshalCheckpointBody(const Checkpoint& c) {
  std::string out =
      absl::StrCat(c.origin, "\n", c.size, "\n", absl::Base64Escape(HashBytes(c.root)), "\n");
  for (const std::string& ext : c.extensions) absl::StrAppend(&out, ext, "\n");
  return out;
}

absl::StatusOr<Checkpoint> ParseCheckpointBody(absl::string_view body) {
  if (body.size() > kMaxNoteSize) {
    return BadCheckpoint(absl::StrFormat("%d bytes, limit %d", body.size(), kMaxNoteSize));
  }
  absl::Status text_ok = CheckText(body, /*allow_newline=*/true);
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
                                           const signer::Signer& signer, KeyHintKind kind) {
  absl::Status s = CheckCheckpointForSigning(checkpoint);
  if (!s.ok()) return s;
  s = CheckKeyName(signer_name);
  if (!s.ok()) return s;
  absl::StatusOr<std::string> hint =
      KeyHintFor(kind, signer_name, signer.key_type(), signer.PublicKeyDer());
  if (!hint.ok()) return hint.status();
  const std::string body = MarshalCheckpointBody(checkpoint);
  absl::StatusOr<std::string> sig = signer.Sign(body);
  if (!sig.ok()) return sig.status();
  std::string note = absl::StrCat(body, "\n", kEmDashSpace, signer_name, " ",
                                  absl::Base64Escape(absl::StrCat(*hint, *sig)), "\n");
  if (note.size() > kMaxNoteSize) {
    return BadCheckpoint(absl::StrFormat("note of %d bytes exceeds %d", note.size(), kMaxNoteSize));
  }
  return note;
}

absl::StatusOr<Checkpoint> VerifyCheckpoint(absl::string_view note, const std::string& signer_name,
                                            const signer::Verifier& verifier, KeyHintKind kind) {
  if (note.size() > kMaxNoteSize) {
    return Malformed(absl::StrFormat("%d bytes, limit %d", note.size(), kMaxNoteSize));
  }
  absl::Status s = CheckText(note, /*allow_newline=*/true);
  if (!s.ok()) return Malformed(s.message());
  // The text ends at the last blank line; the signature block follows.
  const size_t split = note.rfind("\n\n");
  if (split == absl::string_view::npos) return Malformed("no blank line before the signatures");
  const absl::string_view body = note.substr(0, split + 1);
  absl::string_view sigs = note.substr(split + 2);
  if (sigs.empty()) return Malformed("no signatures");
  if (!absl::ConsumeSuffix(&sigs, "\n")) return Malformed("signatures do not end in a newline");

  absl::StatusOr<std::string> want_hint =
      KeyHintFor(kind, signer_name, verifier.key_type(), verifier.PublicKeyDer());
  if (!want_hint.ok()) return want_hint.status();

  size_t count = 0, verified = 0;
  for (absl::string_view line : absl::StrSplit(sigs, '\n')) {
    if (++count > kMaxNoteSignatures) {
      return Malformed(absl::StrFormat("more than %d signatures", kMaxNoteSignatures));
    }
    absl::StatusOr<SignatureLine> sig = ParseSignatureLine(line);
    if (!sig.ok()) return sig.status();
    if (sig->name != signer_name || sig->hint != *want_hint) continue;  // another key's
    absl::Status v = verifier.Verify(body, sig->signature);
    if (!v.ok()) {
      return absl::PermissionDeniedError(
          absl::StrCat("checkpoint signature by ", signer_name, " does not verify: ", v.message()));
    }
    ++verified;
  }
  if (verified == 0) {
    return absl::PermissionDeniedError(absl::StrCat("checkpoint has no signature by ", signer_name,
                                                    " with key hint ",
                                                    absl::BytesToHexString(*want_hint)));
  }
  absl::StatusOr<Checkpoint> c = ParseCheckpointBody(body);
  if (!c.ok()) return c.status();
  return c;
}

}  // namespace vouch::log
