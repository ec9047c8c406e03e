// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/tuf_http.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/logging.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"
#include "tuf/directory_metadata_store.h"

namespace vouch::server {
namespace {

absl::StatusOr<std::unique_ptr<tuf::PrivateKey>> OnlineKey(const std::string& path) {
  auto key = tuf::PrivateKey::LoadOrCreate(path, signer::KeyType::kEcdsaP256);
  if (!key.ok()) return Annotate(key.status(), path);
  const std::string pub = signer::PublicKeyDerToPem((*key)->public_key().spki_der());
  auto existing = tuf::ReadWholeFile(path + ".pub");
  if (!existing.ok() || *existing != pub) {
    VOUCH_RETURN_IF_ERROR(tuf::WriteFileAtomic(path + ".pub", pub, 0644));
  }
  return key;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TufService>> TufService::New(const TufServiceOptions& options) {
  std::unique_ptr<TufService> s(new TufService(options));
  s->store_ =
      options.store != nullptr
          ? options.store
          : std::shared_ptr<tuf::MetadataStore>(tuf::DirectoryMetadataStore::New(options.repo_dir));
  if (options.metrics != nullptr) {
    std::shared_ptr<std::atomic<int>> stale = s->stale_gauge_;
    options.metrics->Gauge("vouch_tuf_targets_stale",
                           "1 while the published TUF targets do not list this vouchd's current "
                           "trusted_root.json / signing_config.v0.2.json (sign them offline).",
                           [stale] { return static_cast<double>(stale->load()); });
  }
  VOUCH_ASSIGN_OR_RETURN(s->snapshot_key_, OnlineKey(options.snapshot_key_path));
  VOUCH_ASSIGN_OR_RETURN(s->timestamp_key_, OnlineKey(options.timestamp_key_path));
  {
    absl::MutexLock l(&s->mu_);
    s->files_ = std::make_shared<const std::map<std::string, std::string>>();
  }
  absl::Status r = s->Refresh();
  if (!r.ok() && !absl::IsNotFound(r)) VLOG_WARNING << "TUF: " << r;
  return s;
}

TufService::~TufService() { Stop(); }

std::vector<std::string> TufService::stale_targets() const {
  absl::MutexLock l(&mu_);
  return stale_targets_;
}

std::shared_ptr<const std::map<std::string, std::string>> TufService::served() const {
  absl::MutexLock l(&mu_);
  return files_;
}

absl::Status TufService::Refresh() {
  absl::MutexLock refresh(&refresh_mu_);
  absl::Status publish = absl::OkStatus();
  auto wrote = tuf::PublishOnline(*store_, *snapshot_key_, *timestamp_key_, options_.expiries,
                                  options_.clock->Now());
  if (absl::IsAlreadyExists(wrote.status())) {
    // Another front end signed this version first: serve theirs (loaded below).
    VLOG_INFO << "TUF: " << wrote.status().message();
  } else if (!wrote.ok()) {
    publish = wrote.status();
  } else if (*wrote) {
    VLOG_INFO << "TUF: signed a new snapshot/timestamp in " << store_->name();
  }
  auto loaded = store_->Load();
  if (absl::IsUnavailable(loaded.status())) return loaded.status();  // keep serving what we have
  absl::StatusOr<tuf::RepositoryState> state =
      loaded.ok() ? tuf::VerifyRepository(*loaded, store_->name())
                  : absl::StatusOr<tuf::RepositoryState>(loaded.status());
  auto files = std::make_shared<std::map<std::string, std::string>>();
  if (state.ok()) {
    for (size_t i = 0; i < state->root_files.size(); ++i) {
      (*files)[absl::StrCat(i + 1, ".root.json")] = state->root_files[i];
    }
    for (const auto& [v, bytes] : state->targets_files) {
      (*files)[absl::StrCat(v, ".targets.json")] = bytes;
    }
    for (const auto& [v, bytes] : state->snapshot_files) {
      (*files)[absl::StrCat(v, ".snapshot.json")] = bytes;
    }
    if (state->timestamp_file.has_value()) (*files)["timestamp.json"] = *state->timestamp_file;
    for (const auto& [name, bytes] : state->target_files) (*files)["targets/" + name] = bytes;
    for (const std::string& w : state->warnings) VLOG_WARNING << "TUF: " << w;
  }
  // Which of vouchd's own targets the published targets miss or list with other bytes.
  std::vector<std::string> stale;
  std::vector<std::string> problems;
  if (state.ok() && state->targets.has_value()) {
    for (const auto& [name, want] : options_.expected_targets) {
      auto t = state->targets->targets.find(name);
      if (t == state->targets->targets.end()) {
        stale.push_back(name);
        problems.push_back(absl::StrCat(name, " is not listed"));
      } else if (!tuf::CheckLengthAndHashes(want, t->second.length, t->second.hashes, name).ok()) {
        stale.push_back(name);
        problems.push_back(absl::StrCat(name, " differs from this vouchd's"));
      }
    }
  }
  if (state.ok() || absl::IsNotFound(state.status())) {
    std::string warning;
    if (!stale.empty()) {
      std::vector<std::string> saves, flags;
      for (const std::string& name : stale) {
        const char* source = name == "trusted_root.json"          ? "GET /api/v1/trustedRoot"
                             : name == "signing_config.v0.2.json" ? "GET /api/v1/signingConfig"
                                                                  : "vouchd's current bytes";
        saves.push_back(absl::StrCat(source, " as ", name));
        flags.push_back(absl::StrCat("--target ", name, "=", name));
      }
      warning = absl::StrCat(
          "targets v", state->targets->version, ": ", absl::StrJoin(problems, ", "),
          " (after a key rotation?); TUF clients keep the old trust material until the new "
          "targets are signed offline: save ",
          absl::StrJoin(saves, ", "), ", then vouch-tuf add-target --repo ",
          options_.store == nullptr ? options_.repo_dir : "OFFLINE_DIR", " ",
          absl::StrJoin(flags, " "), " --key TARGETS_KEY",
          options_.store == nullptr
              ? ""
              : absl::StrCat(" and vouch-tuf publish --repo OFFLINE_DIR --storage URL (into ",
                             store_->name(), ")"),
          " (docs/trust.md#rotation)");
      if (state->targets->version != warned_targets_version_) {
        warned_targets_version_ = state->targets->version;
        VLOG_WARNING << "TUF: " << warning;
      }
    }
    if (options_.health != nullptr) {
      if (stale.empty()) {
        options_.health->ClearWarning("tuf.targets");
      } else {
        options_.health->SetWarning("tuf.targets", warning);
      }
    }
    stale_gauge_->store(stale.empty() ? 0 : 1);
    absl::MutexLock l(&mu_);
    stale_targets_ = std::move(stale);
  }
  {
    absl::MutexLock l(&mu_);
    files_ = std::move(files);
    generation_ = loaded.ok() ? loaded->generation : std::string();
  }
  if (!state.ok()) return state.status();
  if (!publish.ok() && absl::IsFailedPrecondition(publish) &&
      absl::StrContains(publish.message(), "no published targets")) {
    return absl::OkStatus();  // root published, targets still in a ceremony
  }
  return publish;
}

void TufService::RefreshIfChanged() {
  auto generation = store_->Generation();
  if (!generation.ok()) {
    VLOG_WARNING << "TUF: " << generation.status();  // serve what was loaded before
    return;
  }
  {
    absl::MutexLock l(&mu_);
    if (*generation == generation_) return;
  }
  absl::Status s = Refresh();
  if (!s.ok() && !absl::IsNotFound(s)) VLOG_WARNING << "TUF: " << s;
}

http::Response TufService::Serve(const std::string& path) {
  RefreshIfChanged();
  auto files = served();
  if (files->empty()) {
    return http::Response::Error(
        404, "no TUF repository yet: create one with vouch-tuf init (docs/trust.md)");
  }
  auto it = files->find(path);
  if (it == files->end())
    return http::Response::Error(404, absl::StrCat("/tuf/", path, ": not found"));
  http::Response r = http::Response::Make(
      200, absl::StartsWith(path, "targets/") ? "application/octet-stream" : "application/json",
      it->second);
  // Versioned and hash-named files never change; timestamp.json does.
  r.headers.Set("Cache-Control",
                path == "timestamp.json" ? "no-cache" : "public, max-age=31536000, immutable");
  return r;
}

void TufService::RegisterHttp(http::Router& router) {
  router.Handle("GET", "/tuf/{file}",
                [this](const http::Request& req) { return Serve(req.path_params.at(0)); });
  router.Handle("GET", "/tuf/targets/{file}", [this](const http::Request& req) {
    return Serve("targets/" + req.path_params.at(0));
  });
}

void TufService::Start() {
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] {
    while (!stop_.WaitForNotificationWithTimeout(options_.refresh_interval)) {
      absl::Status s = Refresh();
      if (!s.ok() && !absl::IsNotFound(s)) VLOG_WARNING << "TUF: " << s;
    }
  });
}

void TufService::Stop() {
  if (!started_) return;
  if (!stop_.HasBeenNotified()) stop_.Notify();
  if (thread_.joinable()) thread_.join();
}

}  // namespace vouch::server
