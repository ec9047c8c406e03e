// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/glob.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "re2/re2.h"

namespace vouch::policy {

absl::StatusOr<Glob> Glob::New(absl::string_view pattern) {
  if (pattern.empty()) return absl::InvalidArgumentError("empty glob");
  if (pattern.size() > 1024) return absl::InvalidArgumentError("glob longer than 1024 characters");
  std::string re = "^";
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat("glob \"", pattern, "\" has whitespace or control characters"));
    }
    if (c == '*') {
      if (i + 1 < pattern.size() && pattern[i + 1] == '*') {
        re += ".*";
        ++i;
      } else {
        re += "[^/]*";
      }
    } else if (c == '?') {
      re += "[^/]";
    } else {
      re += RE2::QuoteMeta(re2::StringPiece(&pattern[i], 1));
    }
  }
  re += "$";
  RE2::Options o;
  o.set_log_errors(false);
  auto compiled = std::make_shared<const RE2>(re, o);
  if (!compiled->ok()) {
    return absl::InvalidArgumentError(absl::StrCat("glob \"", pattern, "\": ", compiled->error()));
  }
  return Glob(std::string(pattern), std::move(compiled));
}

bool Glob::Matches(absl::string_view s) const {
  return RE2::FullMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

std::string ImageName::Name() const { return absl::StrCat(registry, "/", repository); }

std::string ImageName::Reference() const {
  std::string out = Name();
  if (!tag.empty()) absl::StrAppend(&out, ":", tag);
  if (!digest.empty()) absl::StrAppend(&out, "@", digest);
  return out;
}

namespace {

bool IsRepoChar(char c) {
  return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '.' || c == '_' || c == '-' ||
         c == '/';
}

}  // namespace

absl::StatusOr<ImageName> ParseImageName(absl::string_view ref) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("image reference \"", ref, "\": ", why));
  };
  if (ref.empty()) return bad("empty");
  if (ref.size() > 4096) return bad("longer than 4096 characters");
  ImageName out;
  if (absl::StartsWith(ref, "oci:")) {
    // oci:DIR[:tag][@sha256:hex]: the digest first (its "sha256:" is not a tag), then a tag
    // after the directory's last '/'.
    absl::string_view rest = ref.substr(4);
    out.registry = "oci";
    const size_t at = rest.rfind('@');
    if (at != absl::string_view::npos) {
      absl::string_view d = rest.substr(at + 1);
      if (!absl::StartsWith(d, "sha256:") || d.size() != 71)
        return bad("digest must be sha256:<64 hex>");
      for (char c : d.substr(7)) {
        if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c))
          return bad("digest must be lower-case hex");
      }
      out.digest = std::string(d);
      rest = rest.substr(0, at);
    }
    const size_t slash = rest.rfind('/');
    const size_t colon = rest.rfind(':');
    if (colon != absl::string_view::npos && (slash == absl::string_view::npos || colon > slash)) {
      out.tag = std::string(rest.substr(colon + 1));
      rest = rest.substr(0, colon);
    }
    out.repository = std::string(rest);
    if (out.repository.empty()) return bad("no directory");
    return out;
  }
  absl::string_view rest = ref;
  const size_t at = rest.find('@');
  if (at != absl::string_view::npos) {
    absl::string_view d = rest.substr(at + 1);
    if (!absl::StartsWith(d, "sha256:") || d.size() != 71)
      return bad("digest must be sha256:<64 hex>");
    for (char c : d.substr(7)) {
      if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c))
        return bad("digest must be lower-case hex");
    }
    out.digest = std::string(d);
    rest = rest.substr(0, at);
  }
  // The registry is the first component when it looks like a host (has '.' or ':' or is
  // "localhost"); otherwise Docker Hub.
  const size_t slash = rest.find('/');
  absl::string_view first = slash == absl::string_view::npos ? "" : rest.substr(0, slash);
  auto is_host = [](absl::string_view h) {
    const size_t c = h.find(':');
    absl::string_view host = h.substr(0, c);
    if (host.empty()) return false;
    for (char ch : host) {
      if (!absl::ascii_isalnum(ch) && ch != '.' && ch != '-') return false;
    }
    if (c != absl::string_view::npos) {
      absl::string_view port = h.substr(c + 1);
      if (port.empty() || port.size() > 5) return false;
      for (char ch : port) {
        if (!absl::ascii_isdigit(ch)) return false;
      }
      return true;
    }
    return absl::StrContains(host, ".") || host == "localhost";
  };
  if (!first.empty() && is_host(first)) {
    out.registry = absl::AsciiStrToLower(first);
    rest = rest.substr(slash + 1);
  } else {
    out.registry = "index.docker.io";
  }
  if (out.registry == "docker.io" || out.registry == "registry-1.docker.io") {
    out.registry = "index.docker.io";
  }
  const size_t last_slash = rest.rfind('/');
  const size_t colon = rest.find(':', last_slash == absl::string_view::npos ? 0 : last_slash);
  if (colon != absl::string_view::npos) {
    out.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (out.tag.empty() || out.tag.size() > 128) return bad("tag must be 1-128 characters");
    for (char c : out.tag) {
      if (!absl::ascii_isalnum(c) && c != '_' && c != '.' && c != '-') return bad("bad tag");
    }
  }
  if (rest.empty()) return bad("no repository");
  for (char c : rest) {
    if (!IsRepoChar(c)) return bad("repository must be lower-case [a-z0-9._-/]");
  }
  if (absl::StartsWith(rest, "/") || absl::EndsWith(rest, "/") || absl::StrContains(rest, "//")) {
    return bad("empty path component");
  }
  out.repository = std::string(rest);
  if (out.registry == "index.docker.io" && !absl::StrContains(out.repository, "/")) {
    out.repository = absl::StrCat("library/", out.repository);
  }
  return out;
}

bool GlobMatchesImage(const Glob& glob, const ImageName& image) {
  const std::string& p = glob.pattern();
  const size_t last = p.rfind('/');
  const absl::string_view tail = last == std::string::npos ? p : absl::string_view(p).substr(last);
  if (absl::StrContains(tail, ":") || absl::StrContains(tail, "@")) {
    return glob.Matches(image.Reference());
  }
  return glob.Matches(image.Name());
}

}  // namespace vouch::policy
