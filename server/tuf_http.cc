// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/tuf_http.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"

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

bool SameTime(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TufService>> TufService::New(const TufServiceOptions& options) {
  std::unique_ptr<TufService> s(new TufService(options));
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

std::shared_ptr<const std::map<std::string, std::string>> TufService::served() const {
  absl::MutexLock l(&mu_);
  return files_;
}

absl::Status TufService::Refresh() {
  absl::MutexLock refresh(&refresh_mu_);
  struct stat st;
  struct timespec mtime = {0, 0};
  if (::stat(options_.repo_dir.c_str(), &st) == 0) mtime = st.st_mtim;
  absl::Status publish = absl::OkStatus();
  auto wrote = tuf::PublishOnline(options_.repo_dir, *snapshot_key_, *timestamp_key_,
                                  options_.expiries, options_.clock->Now());
  if (!wrote.ok()) {
    publish = wrote.status();
  } else if (*wrote) {
    VLOG_INFO << "TUF: signed a new snapshot/timestamp in " << options_.repo_dir;
    if (::stat(options_.repo_dir.c_str(), &st) == 0) mtime = st.st_mtim;
  }
  auto state = tuf::LoadRepository(options_.repo_dir);
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
    if (state->targets.has_value() && state->targets->version != warned_targets_version_) {
      warned_targets_version_ = state->targets->version;
      for (const auto& [name, want] : options_.expected_targets) {
        auto t = state->targets->targets.find(name);
        if (t == state->targets->targets.end() ||
            !tuf::CheckLengthAndHashes(want, t->second.length, t->second.hashes, name).ok()) {
          VLOG_WARNING << "TUF: targets v" << state->targets->version << " does not list this "
                       << "vouchd's current " << name
                       << ": sign it with `vouch-tuf add-target` (docs/trust.md)";
        }
      }
    }
  }
  {
    absl::MutexLock l(&mu_);
    files_ = std::move(files);
    dir_mtime_ = mtime;
  }
  if (!state.ok()) return state.status();
  if (!publish.ok() && absl::IsFailedPrecondition(publish) &&
      absl::StrContains(publish.message(), "no published targets")) {
    return absl::OkStatus();  // root published, targets still in a ceremony
  }
  return publish;
}

void TufService::RefreshIfChanged() {
  struct stat st;
  if (::stat(options_.repo_dir.c_str(), &st) != 0) return;
  {
    absl::MutexLock l(&mu_);
    // A change within the same clock tick as the last load would keep the same mtime: treat a
    // directory modified in the last two seconds as changed.
    const bool recent = absl::Now() - absl::TimeFromTimespec(st.st_mtim) < absl::Seconds(2);
    if (SameTime(st.st_mtim, dir_mtime_) && !recent) return;
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
