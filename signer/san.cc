// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/san.h"

#include <idn2.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/utf8.h"

namespace vouch::signer {
namespace {

absl::Status Bad(absl::string_view what) { return absl::InvalidArgumentError(std::string(what)); }

bool IsControl(uint32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F); }

// Characters that render as nothing or change the rendering of their neighbours (Unicode
// category Cf: bidi controls, zero-width characters, the BOM, tags, ...) and noncharacters.
bool IsInvisibleOrNoncharacter(uint32_t cp) {
  if (cp == 0xAD || cp == 0x61C || cp == 0x180E || cp == 0xFEFF) return true;
  if (cp >= 0x200B && cp <= 0x200F) return true;  // zero-width space/joiners, LRM, RLM
  if (cp >= 0x202A && cp <= 0x202E) return true;  // bidi embeddings and overrides
  if (cp >= 0x2060 && cp <= 0x206F) return true;  // word joiner, invisible operators, isolates
  if (cp >= 0xFFF9 && cp <= 0xFFFB) return true;  // interlinear annotations
  if (cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F)) return true;  // tags
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;                       // noncharacters
  return (cp & 0xFFFE) == 0xFFFE;
}

std::string CodePointName(uint32_t cp) { return absl::StrFormat("U+%04X", cp); }

// Valid UTF-8 without control characters; the first problem named with its byte offset.
absl::Status CheckTextAt(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    uint32_t cp;
    if (!NextCodePoint(s, &i, &cp)) {
      return Bad(absl::StrFormat("invalid UTF-8 at byte %d", at));
    }
    if (IsControl(cp)) {
      return Bad(absl::StrFormat("control character %s at byte %d", CodePointName(cp), at));
    }
  }
  return absl::OkStatus();
}

bool IsAtext(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != absl::string_view::npos;
}

std::string Quote(absl::string_view s) { return absl::StrCat("\"", absl::CHexEscape(s), "\""); }

// RFC 5321 Dot-string with RFC 6531 UTF-8: atoms of atext or non-ASCII characters.
absl::Status CheckLocalPart(absl::string_view local, bool* ascii) {
  if (local.empty()) return Bad("empty local part");
  if (local[0] == '"') return Bad("quoted local parts are not accepted");
  if (local.size() > kMaxEmailLocalPartBytes) {
    return Bad(
        absl::StrFormat("local part of %d bytes, limit %d", local.size(), kMaxEmailLocalPartBytes));
  }
  if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, "..")) {
    return Bad("dots in the local part must separate atoms (no leading, trailing or double dot)");
  }
  *ascii = true;
  for (size_t i = 0; i < local.size();) {
    uint32_t cp;
    if (!NextCodePoint(local, &i, &cp)) return Bad("local part is not valid UTF-8");
    if (cp < 0x80) {
      if (cp != '.' && !IsAtext(static_cast<char>(cp))) {
        return Bad(absl::StrCat("character ", Quote(std::string(1, static_cast<char>(cp))),
                                " is not allowed in the local part"));
      }
      continue;
    }
    *ascii = false;
    if (IsUnicodeSpace(cp) || IsInvisibleOrNoncharacter(cp)) {
      return Bad(absl::StrCat(CodePointName(cp), " is not allowed in the local part"));
    }
  }
  return absl::OkStatus();
}

// An "xn--" label must be a valid A-label: it decodes to a valid U-label that encodes back to it.
bool IsValidALabel(const std::string& label) {
  char* unicode = nullptr;
  if (idn2_to_unicode_8z8z(label.c_str(), &unicode, 0) != IDN2_OK) return false;
  char* back = nullptr;
  const int rc = idn2_to_ascii_8z(unicode, &back, IDN2_NO_TR46);
  const bool ok = rc == IDN2_OK && back != nullptr && label == back;
  idn2_free(unicode);
  idn2_free(back);
  return ok;
}

// One domain label, lower-cased and as an LDH label (A-label if it had non-ASCII characters).
absl::StatusOr<std::string> DomainLabel(absl::string_view raw) {
  if (raw.empty()) return Bad("empty label in the domain");
  std::string label = absl::AsciiStrToLower(raw);
  bool ascii = true;
  for (char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (!ascii) {
    for (size_t i = 0; i < label.size();) {
      uint32_t cp;
      if (!NextCodePoint(label, &i, &cp)) return Bad("domain is not valid UTF-8");
      if (cp >= 0x80 && (IsUnicodeSpace(cp) || IsInvisibleOrNoncharacter(cp))) {
        return Bad(absl::StrCat(CodePointName(cp), " is not allowed in the domain"));
      }
    }
    char* out = nullptr;
    const int rc = idn2_to_ascii_8z(label.c_str(), &out, IDN2_NO_TR46);
    if (rc != IDN2_OK) {
      return Bad(absl::StrCat("domain label ", Quote(raw), " is not a valid IDNA2008 U-label (",
                              idn2_strerror(rc), ")"));
    }
    label = out;
    idn2_free(out);
  }
  for (char c : label) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-') {
      return Bad(absl::StrCat("character ", Quote(std::string(1, c)),
                              " is not allowed in the domain (letters, digits, '-' and '.')"));
    }
  }
  if (label.size() > 63) {
    return Bad(absl::StrFormat("domain label of %d bytes, limit 63", label.size()));
  }
  if (label.front() == '-' || label.back() == '-') {
    return Bad(absl::StrCat("domain label ", Quote(label), " starts or ends with '-'"));
  }
  if (label.size() >= 4 && label[2] == '-' && label[3] == '-') {
    if (!absl::StartsWith(label, "xn--")) {
      return Bad(absl::StrCat("domain label ", Quote(label),
                              " is reserved (\"--\" in positions 3 and 4 is for A-labels)"));
    }
    if (!IsValidALabel(label)) {
      return Bad(absl::StrCat("domain label ", Quote(label), " is not a valid A-label"));
    }
  }
  return label;
}

absl::StatusOr<std::string> EmailDomain(absl::string_view domain) {
  if (domain.empty()) return Bad("empty domain");
  if (domain.front() == '[') return Bad("address literals ([...]) are not accepted");
  if (domain.back() == '.') return Bad("the domain ends with a dot");
  std::vector<std::string> labels;
  for (absl::string_view raw : absl::StrSplit(domain, '.')) {
    absl::StatusOr<std::string> label = DomainLabel(raw);
    if (!label.ok()) return label.status();
    labels.push_back(*std::move(label));
  }
  if (labels.size() < 2) {
    return Bad(absl::StrCat("domain ", Quote(domain),
                            " is not fully qualified (want at least two labels)"));
  }
  bool numeric = true;
  for (char c : labels.back())
    numeric = numeric && absl::ascii_isdigit(static_cast<unsigned char>(c));
  if (numeric) return Bad("the top-level domain label is all digits");
  std::string out = absl::StrJoin(labels, ".");
  if (out.size() > kMaxEmailDomainBytes) {
    return Bad(absl::StrFormat("domain of %d bytes, limit %d", out.size(), kMaxEmailDomainBytes));
  }
  return out;
}

bool IsHex(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
}

// RFC 3986's characters: unreserved, gen-delims, sub-delims and '%'.
bool IsUriChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::string_view("-._~:/?#[]@!$&'()*+,;=%").find(c) != absl::string_view::npos;
}

// The path segment |seg| percent-decoded equals "." or "..".
bool IsDotSegment(absl::string_view seg) {
  std::string decoded;
  for (size_t i = 0; i < seg.size(); ++i) {
    if (seg[i] == '%' && i + 2 < seg.size()) {  // well formed: checked before
      decoded.push_back(static_cast<char>(HexValue(seg[i + 1]) * 16 + HexValue(seg[i + 2])));
      i += 2;
    } else {
      decoded.push_back(seg[i]);
    }
  }
  return decoded == "." || decoded == "..";
}

}  // namespace

const char* SanTypeName(SanType type) {
  switch (type) {
    case SanType::kEmail:
      return "rfc822Name";
    case SanType::kUri:
      return "URI";
    case SanType::kOtherName:
      return "otherName";
    case SanType::kSmtpUtf8Mailbox:
      return "SmtpUTF8Mailbox";
  }
  return "?";
}

absl::StatusOr<SubjectAltName> EmailSan(absl::string_view address) {
  if (address.size() > 4 * kMaxEmailBytes) {
    return Bad(absl::StrFormat("%d bytes, limit %d", address.size(), kMaxEmailBytes));
  }
  absl::Status text = CheckTextAt(address);
  if (!text.ok()) return text;
  const size_t ats = static_cast<size_t>(std::count(address.begin(), address.end(), '@'));
  if (ats != 1) return Bad(absl::StrFormat("want exactly one '@', found %d", ats));
  const size_t at = address.find('@');
  bool ascii_local = true;
  absl::Status local = CheckLocalPart(address.substr(0, at), &ascii_local);
  if (!local.ok()) return local;
  absl::StatusOr<std::string> domain = EmailDomain(address.substr(at + 1));
  if (!domain.ok()) return domain.status();
  SubjectAltName san;
  san.type = ascii_local ? SanType::kEmail : SanType::kSmtpUtf8Mailbox;
  san.value = absl::StrCat(address.substr(0, at), "@", *domain);
  if (san.value.size() > kMaxEmailBytes) {
    return Bad(absl::StrFormat("address of %d bytes, limit %d", san.value.size(), kMaxEmailBytes));
  }
  return san;
}

absl::StatusOr<UriSan> ParseUriSan(absl::string_view uri) {
  if (uri.size() > kMaxUriSanBytes) {
    return Bad(absl::StrFormat("URI of %d bytes, limit %d", uri.size(), kMaxUriSanBytes));
  }
  for (size_t i = 0; i < uri.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(uri[i]);
    if (c < 0x20 || c == 0x7F) {
      return Bad(absl::StrFormat("control character U+%04X at byte %d", c, i));
    }
    if (c == ' ') return Bad(absl::StrFormat("space at byte %d", i));
    if (c >= 0x80) {
      return Bad(absl::StrFormat(
          "non-ASCII byte at %d (a URI SAN is an IA5String: percent-encode it)", i));
    }
    if (!IsUriChar(static_cast<char>(c))) {
      return Bad(absl::StrCat("character ", Quote(std::string(1, static_cast<char>(c))),
                              " is not allowed in a URI"));
    }
    if (c == '%') {
      if (i + 2 >= uri.size() || !IsHex(uri[i + 1]) || !IsHex(uri[i + 2])) {
        return Bad(absl::StrFormat("bad percent-encoding at byte %d", i));
      }
      const int v = HexValue(uri[i + 1]) * 16 + HexValue(uri[i + 2]);
      if (v < 0x20 || v == 0x7F) {
        return Bad(absl::StrFormat("percent-encoded control character %s at byte %d",
                                   uri.substr(i, 3), i));
      }
    }
  }
  UriSan out;
  const size_t colon = uri.find(':');
  if (colon == absl::string_view::npos || colon == 0) return Bad("no scheme");
  out.scheme = std::string(uri.substr(0, colon));
  if (!absl::ascii_isalpha(static_cast<unsigned char>(out.scheme[0]))) {
    return Bad(absl::StrCat("scheme ", Quote(out.scheme), " does not start with a letter"));
  }
  for (char c : out.scheme) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return Bad(absl::StrCat("scheme ", Quote(out.scheme),
                              " has a character other than "
                              "letters, digits, '+', '-' and '.'"));
    }
  }
  absl::string_view rest = uri.substr(colon + 1);
  if (!absl::ConsumePrefix(&rest, "//")) return Bad("want scheme://authority");
  if (absl::StrContains(rest, '#')) return Bad("fragments (#...) are not accepted");
  const size_t authority_end = rest.find_first_of("/?");
  absl::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == absl::string_view::npos ? "" : rest.substr(authority_end);
  if (absl::StrContains(authority, '@')) {
    return Bad("user information (\"user@\") in the authority is not accepted");
  }
  absl::string_view host = authority, port;
  if (absl::StartsWith(authority, "[")) {
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) return Bad("unterminated IP literal");
    host = authority.substr(0, close + 1);
    for (char c : host.substr(1, host.size() - 2)) {
      if (!IsHex(c) && c != ':' && c != '.') return Bad("malformed IP literal");
    }
    if (host.size() == 2) return Bad("empty IP literal");
    absl::string_view after = authority.substr(close + 1);
    if (!after.empty() && !absl::ConsumePrefix(&after, ":")) return Bad("junk after IP literal");
    port = after;
    if (port.empty() && authority.size() > close + 1) return Bad("empty port");
  } else {
    const size_t pc = authority.find(':');
    if (pc != absl::string_view::npos) {
      host = authority.substr(0, pc);
      port = authority.substr(pc + 1);
      if (port.empty()) return Bad("empty port");
    }
    if (host.empty()) return Bad("empty host");
    if (host.front() == '.' || host.back() == '.' || absl::StrContains(host, "..")) {
      return Bad(absl::StrCat("host ", Quote(host), " has an empty label"));
    }
    for (char c : host) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_') {
        return Bad(absl::StrCat("host ", Quote(host),
                                " has a character other than letters, digits, '-', '.', '_'"));
      }
    }
  }
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) || port.size() > 5) {
        return Bad(absl::StrCat("port ", Quote(port), " is not a decimal number up to 65535"));
      }
      value = value * 10 + (c - '0');
    }
    if (value > 65535) return Bad(absl::StrCat("port ", port, " is above 65535"));
  }
  out.host = std::string(host);
  out.port = std::string(port);
  const size_t q = rest.find('?');
  out.path = std::string(rest.substr(0, q));
  if (q != absl::string_view::npos) out.query = std::string(rest.substr(q + 1));
  for (absl::string_view seg : absl::StrSplit(out.path, '/')) {
    if (IsDotSegment(seg)) return Bad("\".\" and \"..\" path segments are not accepted");
  }
  return out;
}

absl::Status CheckSpiffeId(absl::string_view id) {
  absl::StatusOr<UriSan> uri = ParseUriSan(id);
  if (!uri.ok()) return uri.status();
  if (uri->scheme != "spiffe")
    return Bad(absl::StrCat("scheme ", Quote(uri->scheme), ", want spiffe"));
  if (!uri->port.empty()) return Bad("a SPIFFE ID has no port");
  if (!uri->query.empty() || absl::StrContains(id, '?')) return Bad("a SPIFFE ID has no query");
  if (uri->host.size() > 255) return Bad("trust domain longer than 255 bytes");
  for (char c : uri->host) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return Bad(absl::StrCat("trust domain ", Quote(uri->host),
                              " has a character other than a-z, 0-9, '.', '-', '_'"));
    }
  }
  if (uri->path.empty() || uri->path == "/") return Bad("a workload SPIFFE ID needs a path");
  absl::string_view path = uri->path;
  path.remove_prefix(1);
  for (absl::string_view seg : absl::StrSplit(path, '/')) {
    if (seg.empty()) return Bad("empty path segment (\"//\" or a trailing '/')");
    for (char c : seg) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
        return Bad(absl::StrCat("path segment ", Quote(seg),
                                " has a character other than a-z, A-Z, 0-9, '.', '-', '_'"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUsernameSan(absl::string_view value) {
  if (value.empty()) return Bad("empty username");
  if (value.size() > kMaxUsernameSanBytes) {
    return Bad(absl::StrFormat("%d bytes, limit %d", value.size(), kMaxUsernameSanBytes));
  }
  return CheckTextAt(value);
}

absl::Status CheckCertificateText(absl::string_view value) { return CheckTextAt(value); }

absl::Status CheckSan(const SubjectAltName& san) {
  switch (san.type) {
    case SanType::kEmail:
    case SanType::kSmtpUtf8Mailbox: {
      absl::StatusOr<SubjectAltName> normal = EmailSan(san.value);
      if (!normal.ok()) return normal.status();
      if (normal->type != san.type) {
        return Bad(absl::StrCat(SanTypeName(san.type), " ", Quote(san.value), " needs ",
                                SanTypeName(normal->type)));
      }
      if (normal->value != san.value) {
        return Bad(
            absl::StrCat(Quote(san.value), " is not normalized (want ", Quote(normal->value), ")"));
      }
      return absl::OkStatus();
    }
    case SanType::kUri:
      return ParseUriSan(san.value).status();
    case SanType::kOtherName:
      return CheckUsernameSan(san.value);
  }
  return Bad("unknown SAN type");
}

}  // namespace vouch::signer
