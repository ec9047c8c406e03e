// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cosignature.h"

#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "formats/signed_note.h"
#include "signer/openssl_crypto.h"

namespace vouch::client {
namespace {

constexpr absl::string_view kDash = "\xe2\x80\x94 ";  // "— "
// DER SubjectPublicKeyInfo prefix of an Ed25519 key (RFC 8410), followed by the 32-byte key.
constexpr char kEd25519SpkiPrefix[] = "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00";

bool ValidName(absl::string_view name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f || c == '+') return false;
  }
  return true;
}

void PutUint64(uint64_t v, std::string* out) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetUint64(absl::string_view b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

}  // namespace

std::string CosignatureKeyId(absl::string_view name, absl::string_view raw_key) {
  std::string data = absl::StrCat(name, "\n");
  data.push_back(static_cast<char>(kCosignatureV1Type));
  data.append(raw_key.data(), raw_key.size());
  return signer::Sha256(data).substr(0, 4);
}

std::string FormatVkey(absl::string_view name, absl::string_view raw_key) {
  std::string typed(1, static_cast<char>(kCosignatureV1Type));
  typed.append(raw_key.data(), raw_key.size());
  return absl::StrCat(name, "+", absl::BytesToHexString(CosignatureKeyId(name, raw_key)), "+",
                      absl::Base64Escape(typed));
}

absl::StatusOr<WitnessKey> ParseVkey(absl::string_view vkey) {
  vkey = absl::StripAsciiWhitespace(vkey);
  std::vector<absl::string_view> parts = absl::StrSplit(vkey, absl::MaxSplits('+', 2));
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("vkey: want <name>+<key ID hex>+<base64 key>");
  }
  if (!ValidName(parts[0])) return absl::InvalidArgumentError("vkey: bad name");
  if (parts[1].size() != 8) return absl::InvalidArgumentError("vkey: key ID is not 8 hex digits");
  for (char c : parts[1]) {
    if (!absl::ascii_isxdigit(c)) {
      return absl::InvalidArgumentError("vkey: key ID is not 8 hex digits");
    }
  }
  std::string typed;
  if (!absl::Base64Unescape(parts[2], &typed))
    return absl::InvalidArgumentError("vkey: bad base64");
  if (typed.empty() || static_cast<uint8_t>(typed[0]) != kCosignatureV1Type) {
    return absl::InvalidArgumentError("vkey: not an Ed25519 cosignature/v1 key (type byte 0x04)");
  }
  if (typed.size() != 33) return absl::InvalidArgumentError("vkey: key is not 32 bytes");
  WitnessKey k;
  k.name = std::string(parts[0]);
  k.raw_key = typed.substr(1);
  k.key_id = CosignatureKeyId(k.name, k.raw_key);
  if (absl::BytesToHexString(k.key_id) != absl::AsciiStrToLower(parts[1])) {
    return absl::InvalidArgumentError("vkey: key ID does not match the name and key");
  }
  std::string spki(kEd25519SpkiPrefix, sizeof(kEd25519SpkiPrefix) - 1);
  spki += k.raw_key;
  auto v = signer::OpenSslVerifier::FromDer(spki);
  if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat("vkey: ", v.status().message()));
  k.verifier = std::shared_ptr<const signer::Verifier>(*std::move(v));
  return k;
}

absl::StatusOr<std::vector<WitnessKey>> ParseVkeys(absl::string_view text) {
  std::vector<WitnessKey> out;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    auto k = ParseVkey(line);
    if (!k.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", n, ": ", k.status().message()));
    }
    out.push_back(*std::move(k));
  }
  return out;
}

std::string CosignatureMessage(absl::string_view checkpoint_body, uint64_t timestamp) {
  return absl::StrCat("cosignature/v1\ntime ", timestamp, "\n", checkpoint_body);
}

std::string CosignatureLine(absl::string_view name, absl::string_view key_id, uint64_t timestamp,
                            absl::string_view signature) {
  std::string raw(key_id);
  PutUint64(timestamp, &raw);
  raw.append(signature.data(), signature.size());
  return absl::StrCat(kDash, name, " ", absl::Base64Escape(raw), "\n");
}

absl::StatusOr<int> CountCosignatures(absl::string_view note,
                                      absl::Span<const WitnessKey> witnesses) {
  // One parser of signed notes for the log's signature and the witnesses' (formats/).
  absl::StatusOr<formats::SignedNote> parsed = formats::ParseSignedNote(note);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("checkpoint: ", parsed.status().message()));
  }
  std::set<size_t> counted;
  for (const formats::NoteSignature& l : parsed->signatures) {
    for (size_t w = 0; w < witnesses.size(); ++w) {
      const WitnessKey& k = witnesses[w];
      if (l.name != k.name || l.key_hint != k.key_id) continue;
      // timestamp (8 bytes) || Ed25519 signature (64 bytes) after the key ID.
      if (l.signature.size() != 8 + 64) {
        return absl::PermissionDeniedError(
            absl::StrCat("checkpoint: cosignature by ", k.name, " has the wrong length"));
      }
      const uint64_t t = GetUint64(absl::string_view(l.signature).substr(0, 8));
      absl::Status s =
          k.verifier->Verify(CosignatureMessage(parsed->text, t), l.signature.substr(8));
      if (!s.ok()) {
        return absl::PermissionDeniedError(
            absl::StrCat("checkpoint: cosignature by ", k.name, " does not verify"));
      }
      counted.insert(w);
    }
  }
  return static_cast<int>(counted.size());
}

absl::Status VerifyCosignatures(absl::string_view note, absl::Span<const WitnessKey> witnesses,
                                int threshold) {
  auto n = CountCosignatures(note, witnesses);
  if (!n.ok()) return n.status();
  if (*n < threshold) {
    std::vector<std::string> names;
    for (const WitnessKey& k : witnesses) names.push_back(k.name);
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint: ", *n, " of the ", threshold,
        " required witness cosignatures (witnesses: ", absl::StrJoin(names, ", "), ")"));
  }
  return absl::OkStatus();
}

}  // namespace vouch::client
