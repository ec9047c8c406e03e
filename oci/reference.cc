// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/reference.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace vouch::oci {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*
bool IsValidPathComponent(absl::string_view c) {
  if (c.empty() || !IsLowerAlnum(c.front()) || !IsLowerAlnum(c.back())) return false;
  size_t i = 0;
  while (i < c.size()) {
    if (IsLowerAlnum(c[i])) {
      ++i;
      continue;
    }
    // A separator run: ".", "_", "__" or "-+", followed by an alphanumeric.
    size_t j = i;
    if (c[i] == '.') {
      j = i + 1;
    } else if (c[i] == '_') {
      j = (i + 1 < c.size() && c[i + 1] == '_') ? i + 2 : i + 1;
    } else if (c[i] == '-') {
      while (j < c.size() && c[j] == '-') ++j;
    } else {
      return false;
    }
    if (j >= c.size() || !IsLowerAlnum(c[j])) return false;
    i = j;
  }
  return true;
}

bool IsValidDomainComponent(absl::string_view c) {
  if (c.empty() || !absl::ascii_isalnum(c.front()) || !absl::ascii_isalnum(c.back())) return false;
  for (char ch : c) {
    if (!absl::ascii_isalnum(ch) && ch != '-') return false;
  }
  return true;
}

// domain-component ('.' domain-component)* (':' port)?, or [IPv6](:port)?
bool IsValidDomain(absl::string_view d) {
  absl::string_view host = d;
  absl::string_view port;
  bool has_port = false;
  if (!d.empty() && d.front() == '[') {
    const size_t close = d.find(']');
    if (close == absl::string_view::npos || close == 1) return false;
    for (char ch : d.substr(1, close - 1)) {
      if (!absl::ascii_isxdigit(ch) && ch != ':' && ch != '.') return false;
    }
    const absl::string_view rest = d.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    port = rest.substr(1);
    has_port = true;
  } else {
    const size_t colon = d.find(':');
    if (colon != absl::string_view::npos) {
      host = d.substr(0, colon);
      port = d.substr(colon + 1);
      has_port = true;
    }
    for (absl::string_view c : absl::StrSplit(host, '.')) {
      if (!IsValidDomainComponent(c)) return false;
    }
  }
  if (has_port) {
    if (port.empty() || port.size() > 5) return false;
    for (char ch : port) {
      if (!absl::ascii_isdigit(ch)) return false;
    }
  }
  return true;
}

std::string Printable(absl::string_view s) {
  std::string out(s.substr(0, 300));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return out;
}

}  // namespace

bool IsValidTag(absl::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLength) return false;
  for (size_t i = 0; i < tag.size(); ++i) {
    const char c = tag[i];
    const bool word = absl::ascii_isalnum(c) || c == '_';
    if (!word && (i == 0 || (c != '.' && c != '-'))) return false;
  }
  return true;
}

bool IsValidRepository(absl::string_view repository) {
  if (repository.empty()) return false;
  for (absl::string_view c : absl::StrSplit(repository, '/')) {
    if (!IsValidPathComponent(c)) return false;
  }
  return true;
}

absl::StatusOr<Reference> Reference::Parse(absl::string_view text) {
  const std::string quoted = absl::StrCat("image reference \"", Printable(text), "\"");
  if (text.empty()) return absl::InvalidArgumentError("image reference is empty");
  Reference ref;
  absl::string_view rest = text;
  const size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    auto digest = Digest::Parse(rest.substr(at + 1));
    if (!digest.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(quoted, ": ", digest.status().message()));
    }
    ref.digest = *digest;
    rest = rest.substr(0, at);
  }
  // The tag follows the last ':' after the last '/' (a ':' before it is the domain's port).
  const size_t last_slash = rest.rfind('/');
  const size_t last_colon = rest.rfind(':');
  if (last_colon != absl::string_view::npos &&
      (last_slash == absl::string_view::npos || last_colon > last_slash)) {
    ref.tag = std::string(rest.substr(last_colon + 1));
    rest = rest.substr(0, last_colon);
    if (!IsValidTag(ref.tag)) {
      return absl::InvalidArgumentError(absl::StrCat(
          quoted, ": tag \"", Printable(ref.tag),
          "\" must match [A-Za-z0-9_][A-Za-z0-9_.-]* and have at most 128 characters"));
    }
  }
  if (rest.empty()) return absl::InvalidArgumentError(absl::StrCat(quoted, ": no repository"));
  if (rest.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: name has %d characters, at most %d",
                                                      quoted, rest.size(), kMaxNameLength));
  }
  const size_t slash = rest.find('/');
  absl::string_view first = rest.substr(0, slash);
  if (slash != absl::string_view::npos &&
      (absl::StrContains(first, '.') || absl::StrContains(first, ':') || first == "localhost" ||
       absl::AsciiStrToLower(first) != first)) {
    if (!IsValidDomain(first)) {
      return absl::InvalidArgumentError(
          absl::StrCat(quoted, ": registry \"", Printable(first), "\" is not host[:port]"));
    }
    ref.registry = std::string(first);
    ref.repository = std::string(rest.substr(slash + 1));
  } else {
    ref.registry = kDockerHubDomain;
    ref.repository = std::string(rest);
  }
  if (ref.registry == "index.docker.io") ref.registry = kDockerHubDomain;
  if (ref.registry == kDockerHubDomain && !absl::StrContains(ref.repository, '/')) {
    ref.repository = absl::StrCat("library/", ref.repository);
  }
  if (!IsValidRepository(ref.repository)) {
    if (absl::AsciiStrToLower(ref.repository) != ref.repository) {
      return absl::InvalidArgumentError(absl::StrCat(
          quoted, ": repository \"", Printable(ref.repository), "\" must be lowercase"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        quoted, ": repository \"", Printable(ref.repository),
        "\": each '/'-separated component must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*"));
  }
  return ref;
}

std::string Reference::ApiHost() const {
  return registry == kDockerHubDomain ? std::string(kDockerHubHost) : registry;
}

std::string Reference::ToString() const {
  std::string out = Name();
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (digest.has_value()) absl::StrAppend(&out, "@", digest->ToString());
  return out;
}

std::string Reference::Identifier() const {
  if (digest.has_value()) return digest->ToString();
  return tag.empty() ? std::string(kDefaultTag) : tag;
}

absl::StatusOr<LayoutReference> LayoutReference::Parse(absl::string_view text) {
  if (!Matches(text)) {
    return absl::InvalidArgumentError(
        absl::StrCat("layout reference \"", Printable(text), "\": want oci:DIR[:tag]"));
  }
  LayoutReference ref;
  absl::string_view rest = text.substr(4);
  const size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    auto digest = Digest::Parse(rest.substr(at + 1));
    if (!digest.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("layout reference \"", Printable(text), "\": ", digest.status().message()));
    }
    ref.digest = *digest;
    rest = rest.substr(0, at);
  }
  const size_t colon = rest.find(':');
  if (colon != absl::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!IsValidTag(ref.tag)) {
      return absl::InvalidArgumentError(absl::StrCat("layout reference \"", Printable(text),
                                                     "\": tag \"", Printable(ref.tag),
                                                     "\" must match [A-Za-z0-9_][A-Za-z0-9_.-]*"));
    }
    if (ref.digest.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("layout reference \"", Printable(text),
                                                     "\": give a tag or a digest, not both"));
    }
  }
  if (rest.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("layout reference \"", Printable(text), "\": no directory"));
  }
  ref.path = std::string(rest);
  return ref;
}

std::string LayoutReference::ToString() const {
  std::string out = absl::StrCat("oci:", path);
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (digest.has_value()) absl::StrAppend(&out, "@", digest->ToString());
  return out;
}

}  // namespace vouch::oci
