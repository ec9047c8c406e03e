// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/trusted_root_source.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "client/cli/trust_command.h"

namespace vouch::cli {
namespace {

bool IsRegularFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string TrustedRootSource::Describe() const {
  switch (kind) {
    case Kind::kFile:
      return path;
    case Kind::kTufCache:
      return absl::StrCat("TUF cache ", path);
    case Kind::kNone:
      break;
  }
  return "";
}

TrustedRootSource FindTrustedRoot(const ParsedArgs& args) {
  using Kind = TrustedRootSource::Kind;
  if (args.Has("trusted-root")) return {Kind::kFile, args.Get("trusted-root")};
  const char* env = std::getenv("VOUCH_TRUSTED_ROOT");
  if (env != nullptr && *env != '\0') return {Kind::kFile, env};
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home != '\0') {
    std::string p = absl::StrCat(home, "/.vouch/trusted_root.json");
    if (IsRegularFile(p)) return {Kind::kFile, std::move(p)};
  }
  std::string cache = DefaultTufCache();
  if (TufCacheInitialized(cache)) return {Kind::kTufCache, std::move(cache)};
  return {};
}

absl::StatusOr<client::TrustRoot> LoadTrustedRoot(const TrustedRootSource& source) {
  switch (source.kind) {
    case TrustedRootSource::Kind::kFile:
      return client::TrustRoot::FromFile(source.path);
    case TrustedRootSource::Kind::kTufCache: {
      auto json = TrustedRootFromTuf(source.path);
      if (!json.ok()) return Annotate(json.status(), source.Describe());
      auto root = client::TrustRoot::FromJson(*json);
      if (!root.ok()) return Annotate(root.status(), source.Describe() + ": trusted_root.json");
      return root;
    }
    case TrustedRootSource::Kind::kNone:
      break;
  }
  return absl::FailedPreconditionError(kNoTrustedRoot);
}

}  // namespace vouch::cli
