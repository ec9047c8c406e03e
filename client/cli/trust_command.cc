// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/trust_command.h"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "client/cli/args.h"
#include "client/tuf/http_fetcher.h"
#include "client/tuf/updater.h"
#include "nlohmann/json.hpp"
#include "tuf/repository.h"

namespace vouch::cli {
namespace {

constexpr char kTrustedRoot[] = "trusted_root.json";
constexpr char kSigningConfig[] = "signing_config.v0.2.json";

struct Client {
  std::unique_ptr<client::Fetcher> fetcher;
  std::unique_ptr<client::Updater> updater;
};

absl::StatusOr<Client> Open(const std::string& cache_dir) {
  auto config_text = tuf::ReadWholeFile(cache_dir + "/config.json");
  if (!config_text.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(cache_dir,
                     ": not initialized (run vouch trust init --mirror URL --root "
                     "root.json)"));
  }
  nlohmann::json config = nlohmann::json::parse(*config_text, nullptr, false);
  if (!config.is_object() || !config.contains("mirror") || !config["mirror"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(cache_dir, "/config.json: no mirror"));
  }
  const std::string mirror = config["mirror"].get<std::string>();
  Client c;
  if (absl::StartsWith(mirror, "http://") || absl::StartsWith(mirror, "https://")) {
    c.fetcher = std::make_unique<client::HttpFetcher>();
  } else {
    c.fetcher = std::make_unique<client::FileFetcher>();
  }
  client::UpdaterOptions o;
  o.metadata_url = mirror;
  o.cache_dir = cache_dir;
  o.fetcher = c.fetcher.get();
  VOUCH_ASSIGN_OR_RETURN(c.updater, client::Updater::New(o));
  return c;
}

// Refreshes and downloads the Sigstore targets; a summary line.
absl::StatusOr<std::string> Update(Client& c) {
  VOUCH_RETURN_IF_ERROR(Annotate(c.updater->Refresh(), "TUF refresh"));
  VOUCH_ASSIGN_OR_RETURN(std::string root, c.updater->GetTarget(kTrustedRoot));
  std::string summary = absl::StrCat("root v", c.updater->root_version(), ", targets v",
                                     c.updater->targets_version().value_or(0), ", ", kTrustedRoot,
                                     " (", root.size(), " bytes)");
  auto sc = c.updater->GetTarget(kSigningConfig);
  if (sc.ok()) {
    absl::StrAppend(&summary, ", ", kSigningConfig, " (", sc->size(), " bytes)");
  } else if (!absl::IsNotFound(sc.status())) {
    return sc.status();
  }
  return summary;
}

}  // namespace

std::string DefaultTufCache() {
  const char* env = std::getenv("VOUCH_TUF_CACHE");
  if (env != nullptr && *env != '\0') return env;
  const char* home = std::getenv("HOME");
  return home != nullptr ? absl::StrCat(home, "/.vouch/tuf") : "";
}

bool TufCacheInitialized(const std::string& cache_dir) {
  struct stat st;
  return !cache_dir.empty() && ::stat((cache_dir + "/config.json").c_str(), &st) == 0;
}

absl::StatusOr<std::string> TrustedRootFromTuf(const std::string& cache_dir) {
  VOUCH_ASSIGN_OR_RETURN(Client c, Open(cache_dir));
  if (c.updater->LoadCached().ok()) {
    auto cached = c.updater->GetTarget(kTrustedRoot, /*allow_download=*/false);
    if (cached.ok()) return cached;
  }
  VOUCH_RETURN_IF_ERROR(Annotate(c.updater->Refresh(), "TUF refresh"));
  return c.updater->GetTarget(kTrustedRoot);
}

int TrustCommand(const std::vector<std::string>& args) {
  const char kUsage[] =
      "usage: vouch trust init --mirror URL --root ROOT.json [--cache DIR]\n"
      "       vouch trust update [--cache DIR]\n"
      "The cache defaults to $VOUCH_TUF_CACHE, then ~/.vouch/tuf (docs/trust.md).\n";
  if (args.empty() || (args[0] != "init" && args[0] != "update")) {
    std::cerr << kUsage;
    return kExitUsage;
  }
  auto parsed = ParseArgs(std::vector<std::string>(args.begin() + 1, args.end()),
                          {"mirror", "root", "cache"}, {});
  if (!parsed.ok() || !parsed->positional.empty()) {
    std::cerr << "vouch trust: "
              << (parsed.ok() ? "unexpected argument " + parsed->positional[0]
                              : std::string(parsed.status().message()))
              << "\n"
              << kUsage;
    return kExitUsage;
  }
  const std::string cache = parsed->Has("cache") ? parsed->Get("cache") : DefaultTufCache();
  if (cache.empty()) {
    std::cerr << "vouch trust: no cache directory: give --cache (or set $HOME)\n";
    return kExitUsage;
  }
  if (args[0] == "init") {
    if (!parsed->Has("mirror") || !parsed->Has("root")) {
      std::cerr << "vouch trust init: --mirror and --root are required\n" << kUsage;
      return kExitUsage;
    }
    std::string mirror = parsed->Get("mirror");
    while (absl::EndsWith(mirror, "/")) mirror.pop_back();
    auto root = tuf::ReadWholeFile(parsed->Get("root"));
    if (!root.ok()) {
      std::cerr << "vouch trust init: --root: " << root.status().message() << "\n";
      return kExitFailed;
    }
    absl::Status s = client::Updater::Bootstrap(cache, *root);
    if (s.ok()) {
      s = tuf::WriteFileAtomic(cache + "/config.json",
                               nlohmann::json({{"mirror", mirror}}).dump() + "\n", 0644);
    }
    if (!s.ok()) {
      std::cerr << "vouch trust init: " << s.message() << "\n";
      return kExitFailed;
    }
  }
  auto c = Open(cache);
  absl::StatusOr<std::string> summary = c.ok() ? Update(*c) : c.status();
  if (!summary.ok()) {
    std::cerr << "vouch trust " << args[0] << ": " << summary.status().message() << "\n";
    return kExitFailed;
  }
  std::cout << "trusted: " << *summary << "\ncache: " << cache << "\n";
  return kExitOk;
}

}  // namespace vouch::cli
