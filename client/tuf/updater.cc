// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tuf/updater.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status.h"
#include "tuf/repository.h"

namespace vouch::client {
namespace {

using tuf::Envelope;

absl::Status Denied(absl::string_view what, absl::string_view why) {
  return absl::PermissionDeniedError(absl::StrCat(what, ": ", why));
}

// Whether |role|'s keys or threshold differ between two roots.
bool RoleChanged(const tuf::Root& a, const tuf::Root& b, const char* role) {
  auto ra = a.roles.find(role), rb = b.roles.find(role);
  if (ra == a.roles.end() || rb == b.roles.end()) return true;
  if (ra->second.threshold != rb->second.threshold) return true;
  std::vector<std::string> ka = ra->second.keyids, kb = rb->second.keyids;
  std::sort(ka.begin(), ka.end());
  std::sort(kb.begin(), kb.end());
  return ka != kb;
}

std::string PercentEncode(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

absl::Status MkdirP(const std::string& dir) {
  std::string path;
  for (absl::string_view part : absl::StrSplit(dir, '/')) {
    absl::StrAppend(&path, part, "/");
    if (part.empty()) continue;
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

std::string Expired(absl::string_view what, const Envelope& e) {
  return absl::StrCat(what, " v", e.version, " expired at ", tuf::TufTime(e.expires),
                      " (a stale mirror, or a freeze attack)");
}

}  // namespace

absl::Status Updater::Bootstrap(const std::string& cache_dir, absl::string_view root_json) {
  VOUCH_ASSIGN_OR_RETURN(Envelope e, tuf::ParseEnvelope(root_json, tuf::kRoot));
  VOUCH_ASSIGN_OR_RETURN(tuf::Root root, tuf::ParseRoot(e));
  VOUCH_RETURN_IF_ERROR(Annotate(tuf::VerifyRole(e, root, tuf::kRoot), "initial root"));
  VOUCH_RETURN_IF_ERROR(MkdirP(cache_dir));
  for (const char* name : {"timestamp.json", "snapshot.json", "targets.json"}) {
    ::unlink(absl::StrCat(cache_dir, "/", name).c_str());
  }
  return tuf::WriteFileAtomic(absl::StrCat(cache_dir, "/root.json"), root_json, 0644);
}

absl::StatusOr<std::unique_ptr<Updater>> Updater::New(const UpdaterOptions& options) {
  std::unique_ptr<Updater> u(new Updater(options));
  if (u->options_.targets_url.empty()) {
    u->options_.targets_url = absl::StrCat(options.metadata_url, "/targets");
  }
  while (absl::EndsWith(u->options_.metadata_url, "/")) u->options_.metadata_url.pop_back();
  while (absl::EndsWith(u->options_.targets_url, "/")) u->options_.targets_url.pop_back();
  VOUCH_RETURN_IF_ERROR(u->LoadLocal());
  return u;
}

absl::Status Updater::LoadLocal() {
  const std::string dir = options_.cache_dir;
  auto root_bytes = tuf::ReadWholeFile(dir + "/root.json");
  if (!root_bytes.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, ": no trusted root.json (initialize the cache with an out-of-band root first)"));
  }
  VOUCH_ASSIGN_OR_RETURN(Envelope re, tuf::ParseEnvelope(*root_bytes, tuf::kRoot));
  VOUCH_ASSIGN_OR_RETURN(root_, tuf::ParseRoot(re));
  VOUCH_RETURN_IF_ERROR(Annotate(tuf::VerifyRole(re, root_, tuf::kRoot), "cached root.json"));
  // Cached metadata that no longer verifies (keys rotated) is simply not trusted.
  auto load = [&](const char* file, const char* role) -> std::optional<Held> {
    auto bytes = tuf::ReadWholeFile(absl::StrCat(dir, "/", file));
    if (!bytes.ok()) return std::nullopt;
    auto e = tuf::ParseEnvelope(*bytes, role);
    if (!e.ok() || !tuf::VerifyRole(*e, root_, role).ok()) return std::nullopt;
    return Held{std::move(*e), std::move(*bytes)};
  };
  timestamp_env_ = load("timestamp.json", tuf::kTimestamp);
  if (timestamp_env_.has_value()) {
    auto t = tuf::ParseTimestamp(timestamp_env_->envelope);
    if (t.ok())
      timestamp_ = *t;
    else
      timestamp_env_.reset();
  }
  snapshot_env_ = load("snapshot.json", tuf::kSnapshot);
  if (snapshot_env_.has_value()) {
    auto s = tuf::ParseSnapshot(snapshot_env_->envelope);
    if (s.ok())
      snapshot_ = *s;
    else
      snapshot_env_.reset();
  }
  targets_env_ = load("targets.json", tuf::kTargets);
  if (targets_env_.has_value()) {
    auto t = tuf::ParseTargets(targets_env_->envelope);
    if (t.ok())
      targets_ = *t;
    else
      targets_env_.reset();
  }
  return absl::OkStatus();
}

std::string Updater::Url(const std::string& name) const {
  return absl::StrCat(options_.metadata_url, "/", name);
}

absl::Status Updater::Persist(const std::string& name, absl::string_view bytes) const {
  return tuf::WriteFileAtomic(absl::StrCat(options_.cache_dir, "/", name), bytes, 0644);
}

void Updater::Forget(const std::string& name) const {
  ::unlink(absl::StrCat(options_.cache_dir, "/", name).c_str());
}

absl::Status Updater::Refresh() {
  if (options_.fetcher == nullptr)
    return absl::FailedPreconditionError("no mirror to refresh from");
  ready_ = false;
  const absl::Time now = options_.clock->Now();  // 5.1: one reference time for the update
  VOUCH_RETURN_IF_ERROR(UpdateRoot(now));
  VOUCH_RETURN_IF_ERROR(UpdateTimestamp(now));
  VOUCH_RETURN_IF_ERROR(UpdateSnapshot(now));
  VOUCH_RETURN_IF_ERROR(UpdateTargets(now));
  ready_ = true;
  return absl::OkStatus();
}

absl::Status Updater::UpdateRoot(absl::Time now) {
  const tuf::Root original = root_;
  Envelope last;
  for (int i = 0; i < options_.max_root_rotations; ++i) {
    const int64_t v = root_.version + 1;
    const std::string name = absl::StrCat(v, ".root.json");
    auto bytes = options_.fetcher->Fetch(Url(name), options_.root_max_bytes);
    if (absl::IsNotFound(bytes.status())) break;
    if (!bytes.ok()) return bytes.status();
    auto e = tuf::ParseEnvelope(*bytes, tuf::kRoot);
    if (!e.ok()) return Annotate(e.status(), name);
    auto next = tuf::ParseRoot(*e);
    if (!next.ok()) return Annotate(next.status(), name);
    // Signed by the trusted root's threshold AND by its own.
    VOUCH_RETURN_IF_ERROR(Annotate(tuf::VerifyRole(*e, root_, tuf::kRoot),
                                   absl::StrCat(name, " by root v", root_.version)));
    VOUCH_RETURN_IF_ERROR(
        Annotate(tuf::VerifyRole(*e, *next, tuf::kRoot), absl::StrCat(name, " by itself")));
    if (next->version != v) {
      return Denied(name, absl::StrCat("says version ", next->version, ", want ", v));
    }
    root_ = std::move(*next);
    VOUCH_RETURN_IF_ERROR(Persist("root.json", *bytes));
  }
  if (now >= root_.expires) {
    return Denied("root.json",
                  absl::StrCat("root v", root_.version, " expired at ", tuf::TufTime(root_.expires),
                               " (a stale mirror, or a freeze attack)"));
  }
  // Fast-forward attack recovery (5.3.11): metadata signed by rotated-out keys is forgotten,
  // so a version inflated by a compromised key does not block the legitimate one.
  if (RoleChanged(original, root_, tuf::kTimestamp) ||
      RoleChanged(original, root_, tuf::kSnapshot)) {
    timestamp_.reset();
    timestamp_env_.reset();
    snapshot_.reset();
    snapshot_env_.reset();
    Forget("timestamp.json");
    Forget("snapshot.json");
  }
  if (RoleChanged(original, root_, tuf::kTargets)) {
    targets_.reset();
    targets_env_.reset();
    Forget("targets.json");
  }
  return absl::OkStatus();
}

absl::Status Updater::UpdateTimestamp(absl::Time now) {
  VOUCH_ASSIGN_OR_RETURN(std::string bytes, options_.fetcher->Fetch(Url("timestamp.json"),
                                                                    options_.timestamp_max_bytes));
  auto e = tuf::ParseEnvelope(bytes, tuf::kTimestamp);
  if (!e.ok()) return Annotate(e.status(), "timestamp.json");
  VOUCH_RETURN_IF_ERROR(Annotate(tuf::VerifyRole(*e, root_, tuf::kTimestamp), "timestamp.json"));
  auto t = tuf::ParseTimestamp(*e);
  if (!t.ok()) return Annotate(t.status(), "timestamp.json");
  bool keep_trusted = false;
  if (timestamp_.has_value()) {
    if (t->version < timestamp_->version) {
      return Denied("timestamp.json", absl::StrCat("version ", t->version, " < trusted ",
                                                   timestamp_->version, " (rollback)"));
    }
    if (t->snapshot.version < timestamp_->snapshot.version) {
      return Denied("timestamp.json",
                    absl::StrCat("snapshot version ", t->snapshot.version, " < trusted ",
                                 timestamp_->snapshot.version, " (rollback)"));
    }
    keep_trusted = t->version == timestamp_->version;
  }
  if (!keep_trusted) {
    timestamp_ = *t;
    timestamp_env_ = Held{std::move(*e), std::move(bytes)};
  }
  if (now >= timestamp_env_->envelope.expires) {
    return Denied("timestamp.json", Expired("timestamp", timestamp_env_->envelope));
  }
  if (!keep_trusted) VOUCH_RETURN_IF_ERROR(Persist("timestamp.json", timestamp_env_->bytes));
  return absl::OkStatus();
}

absl::Status Updater::UpdateSnapshot(absl::Time now) {
  const tuf::MetaInfo& meta = timestamp_->snapshot;
  // The cached snapshot, when it is the one the timestamp names.
  if (snapshot_env_.has_value() && snapshot_->version == meta.version &&
      tuf::CheckLengthAndHashes(snapshot_env_->bytes, meta.length, meta.hashes, "").ok()) {
    if (now >= snapshot_env_->envelope.expires) {
      return Denied("snapshot.json", Expired("snapshot", snapshot_env_->envelope));
    }
    return absl::OkStatus();
  }
  const std::string name = root_.consistent_snapshot ? absl::StrCat(meta.version, ".snapshot.json")
                                                     : std::string("snapshot.json");
  const size_t max =
      meta.length.has_value() ? static_cast<size_t>(*meta.length) : options_.snapshot_max_bytes;
  VOUCH_ASSIGN_OR_RETURN(std::string bytes, options_.fetcher->Fetch(Url(name), max));
  VOUCH_RETURN_IF_ERROR(tuf::CheckLengthAndHashes(bytes, meta.length, meta.hashes, name));
  auto e = tuf::ParseEnvelope(bytes, tuf::kSnapshot);
  if (!e.ok()) return Annotate(e.status(), name);
  VOUCH_RETURN_IF_ERROR(Annotate(tuf::VerifyRole(*e, root_, tuf::kSnapshot), name));
  auto s = tuf::ParseSnapshot(*e);
  if (!s.ok()) return Annotate(s.status(), name);
  if (s->version != meta.version) {
    return Denied(name, absl::StrCat("version ", s->version, ", timestamp says ", meta.version));
  }
  if (snapshot_.has_value()) {
    for (const auto& [file, old] : snapshot_->meta) {
      auto it = s->meta.find(file);
      if (it == s->meta.end()) {
        return Denied(name, absl::StrCat(file, " is no longer listed (rollback)"));
      }
      if (it->second.version < old.version) {
        return Denied(name, absl::StrCat(file, " version ", it->second.version, " < trusted ",
                                         old.version, " (rollback)"));
      }
    }
  }
  if (now >= e->expires) return Denied(name, Expired("snapshot", *e));
  snapshot_ = *s;
  snapshot_env_ = Held{std::move(*e), std::move(bytes)};
  return Persist("snapshot.json", snapshot_env_->bytes);
}

absl::Status Updater::UpdateTargets(absl::Time now) {
  auto m = snapshot_->meta.find("targets.json");
  if (m == snapshot_->meta.end()) return Denied("snapshot.json", "lists no targets.json");
  const tuf::MetaInfo& meta = m->second;
  if (targets_env_.has_value() && targets_->version == meta.version &&
      tuf::CheckLengthAndHashes(targets_env_->bytes, meta.length, meta.hashes, "").ok()) {
    if (now >= targets_env_->envelope.expires) {
      return Denied("targets.json", Expired("targets", targets_env_->envelope));
    }
    return absl::OkStatus();
  }
  const std::string name = root_.consistent_snapshot ? absl::StrCat(meta.version, ".targets.json")
                                                     : std::string("targets.json");
  const size_t max =
      meta.length.has_value() ? static_cast<size_t>(*meta.length) : options_.targets_max_bytes;
  VOUCH_ASSIGN_OR_RETURN(std::string bytes, options_.fetcher->Fetch(Url(name), max));
  VOUCH_RETURN_IF_ERROR(tuf::CheckLengthAndHashes(bytes, meta.length, meta.hashes, name));
  auto e = tuf::ParseEnvelope(bytes, tuf::kTargets);
  if (!e.ok()) return Annotate(e.status(), name);
  VOUCH_RETURN_IF_ERROR(Annotate(tuf::VerifyRole(*e, root_, tuf::kTargets), name));
  auto t = tuf::ParseTargets(*e);
  if (!t.ok()) return Annotate(t.status(), name);
  if (t->version != meta.version) {
    return Denied(name, absl::StrCat("version ", t->version, ", snapshot says ", meta.version));
  }
  if (targets_.has_value() && t->version < targets_->version) {
    return Denied(name, absl::StrCat("version ", t->version, " < trusted ", targets_->version,
                                     " (rollback)"));
  }
  if (now >= e->expires) return Denied(name, Expired("targets", *e));
  targets_ = *t;
  targets_env_ = Held{std::move(*e), std::move(bytes)};
  return Persist("targets.json", targets_env_->bytes);
}

absl::Status Updater::LoadCached() {
  ready_ = false;
  const absl::Time now = options_.clock->Now();
  if (now >= root_.expires) {
    return absl::FailedPreconditionError(
        absl::StrCat("cached root v", root_.version, " expired at ", tuf::TufTime(root_.expires)));
  }
  if (!timestamp_.has_value() || !snapshot_.has_value() || !targets_.has_value()) {
    return absl::FailedPreconditionError(
        "the cache holds no verified timestamp, snapshot and "
        "targets (never refreshed, or keys rotated)");
  }
  const tuf::MetaInfo& sm = timestamp_->snapshot;
  if (snapshot_->version != sm.version ||
      !tuf::CheckLengthAndHashes(snapshot_env_->bytes, sm.length, sm.hashes, "").ok()) {
    return absl::FailedPreconditionError("cached snapshot.json is not the one the timestamp names");
  }
  auto tm = snapshot_->meta.find("targets.json");
  if (tm == snapshot_->meta.end() || targets_->version != tm->second.version ||
      !tuf::CheckLengthAndHashes(targets_env_->bytes, tm->second.length, tm->second.hashes, "")
           .ok()) {
    return absl::FailedPreconditionError("cached targets.json is not the one the snapshot names");
  }
  for (const Held* h : {&*timestamp_env_, &*snapshot_env_, &*targets_env_}) {
    if (now >= h->envelope.expires) {
      return absl::FailedPreconditionError(absl::StrCat("cached ", h->envelope.type, ".json v",
                                                        h->envelope.version, " expired at ",
                                                        tuf::TufTime(h->envelope.expires)));
    }
  }
  ready_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::string> Updater::GetTarget(const std::string& name, bool allow_download) {
  if (!ready_) return absl::FailedPreconditionError("TUF metadata not loaded: refresh first");
  auto it = targets_->targets.find(name);
  if (it == targets_->targets.end()) {
    return absl::NotFoundError(
        absl::StrCat("target \"", name, "\" is not listed in targets v", targets_->version,
                     targets_->has_delegations ? " (delegated roles are not consulted)" : ""));
  }
  const tuf::TargetInfo& info = it->second;
  const std::string dir = absl::StrCat(options_.cache_dir, "/targets");
  const std::string local = absl::StrCat(dir, "/", PercentEncode(name));
  auto cached = tuf::ReadWholeFile(local);
  if (cached.ok() && tuf::CheckLengthAndHashes(*cached, info.length, info.hashes, name).ok()) {
    return *cached;
  }
  if (!allow_download || options_.fetcher == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("target \"", name, "\" is not in the cache"));
  }
  std::string path = name;
  if (root_.consistent_snapshot) {
    const std::string hash =
        info.hashes.count("sha256") ? info.hashes.at("sha256") : info.hashes.begin()->second;
    const size_t slash = name.rfind('/');
    path = slash == std::string::npos
               ? absl::StrCat(hash, ".", name)
               : absl::StrCat(name.substr(0, slash + 1), hash, ".", name.substr(slash + 1));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string bytes,
                         options_.fetcher->Fetch(absl::StrCat(options_.targets_url, "/", path),
                                                 static_cast<size_t>(info.length)));
  VOUCH_RETURN_IF_ERROR(tuf::CheckLengthAndHashes(bytes, info.length, info.hashes, name));
  VOUCH_RETURN_IF_ERROR(MkdirP(dir));
  VOUCH_RETURN_IF_ERROR(tuf::WriteFileAtomic(local, bytes, 0644));
  return bytes;
}

std::optional<int64_t> Updater::timestamp_version() const {
  if (!timestamp_.has_value()) return std::nullopt;
  return timestamp_->version;
}

std::optional<int64_t> Updater::targets_version() const {
  if (!targets_.has_value()) return std::nullopt;
  return targets_->version;
}

absl::Time Updater::timestamp_expires() const {
  return timestamp_.has_value() ? timestamp_->expires : absl::InfinitePast();
}

}  // namespace vouch::client
