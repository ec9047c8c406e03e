// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/repository.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status.h"

namespace vouch::tuf {
namespace {

constexpr char kStaged[] = "staged";
constexpr char kTargetsDir[] = "targets";

std::string Join(const std::string& dir, absl::string_view name) {
  return absl::StrCat(dir, "/", name);
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

absl::Status MakeDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

// Names in |dir| (empty when it does not exist).
std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// "N.<role>.json" -> N; 0 if |name| is not of that form.
int64_t VersionOf(absl::string_view name, absl::string_view role) {
  const std::string suffix = absl::StrCat(".", role, ".json");
  if (!absl::EndsWith(name, suffix)) return 0;
  absl::string_view digits = name.substr(0, name.size() - suffix.size());
  int64_t v = 0;
  if (digits.empty() || digits[0] == '0' || !absl::SimpleAtoi(digits, &v) || v < 1) return 0;
  return v;
}

std::string Name(int64_t version, absl::string_view role) {
  return absl::StrCat(version, ".", role, ".json");
}

// Signs |e| with each signer whose keyid is in |keyids|; returns how many signed.
absl::StatusOr<int> SignWith(Envelope* e, absl::Span<const PrivateKey* const> signers,
                             const std::set<std::string>& keyids) {
  int n = 0;
  for (const PrivateKey* k : signers) {
    if (!keyids.count(k->keyid())) continue;
    VOUCH_RETURN_IF_ERROR(AddSignature(e, *k));
    ++n;
  }
  return n;
}

std::set<std::string> KeyidsOf(const Root& root, absl::string_view role) {
  auto it = root.roles.find(std::string(role));
  if (it == root.roles.end()) return {};
  return std::set<std::string>(it->second.keyids.begin(), it->second.keyids.end());
}

std::string Short(const std::string& keyid) { return keyid.substr(0, 12); }

// Publishes staged root N+1 and staged targets when their thresholds are met; notes otherwise.
absl::Status Promote(const std::string& dir, Outcome* out) {
  VOUCH_ASSIGN_OR_RETURN(RepositoryState state, LoadRepository(dir));
  const std::string staged = Join(dir, kStaged);
  const int64_t root_next = static_cast<int64_t>(state.root_files.size()) + 1;
  const std::string root_path = Join(staged, Name(root_next, kRoot));
  if (Exists(root_path)) {
    VOUCH_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(root_path));
    VOUCH_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(bytes, kRoot));
    VOUCH_ASSIGN_OR_RETURN(Root next, ParseRoot(e));
    const int64_t by_old = CountValidSignatures(e, state.root, kRoot);
    const int64_t by_new = CountValidSignatures(e, next, kRoot);
    const int64_t need_old = state.root.roles.at(kRoot).threshold;
    const int64_t need_new = next.roles.at(kRoot).threshold;
    if (by_old >= need_old && by_new >= need_new) {
      VOUCH_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, Name(root_next, kRoot)), bytes, 0644));
      ::unlink(root_path.c_str());
      out->written.push_back(Name(root_next, kRoot));
      out->notes.push_back(absl::StrCat("root v", root_next, ": published (", by_old, "/", need_old,
                                        " of root v", root_next - 1, ", ", by_new, "/", need_new,
                                        " of itself)"));
      VOUCH_ASSIGN_OR_RETURN(state, LoadRepository(dir));
    } else {
      out->notes.push_back(absl::StrCat("root v", root_next, ": staged, signatures ", by_old,
                                        " of ", need_old, " (root v", root_next - 1, "), ", by_new,
                                        " of ", need_new, " (itself)"));
    }
  }
  const int64_t targets_published = state.targets.has_value() ? state.targets->version : 0;
  for (const std::string& name : ListDir(staged)) {
    const int64_t v = VersionOf(name, kTargets);
    if (v == 0) continue;
    const std::string path = Join(staged, name);
    if (v <= targets_published) {
      ::unlink(path.c_str());  // superseded
      continue;
    }
    VOUCH_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
    VOUCH_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(bytes, kTargets));
    const int64_t n = CountValidSignatures(e, state.root, kTargets);
    const int64_t need = state.root.roles.at(kTargets).threshold;
    if (n >= need) {
      VOUCH_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, name), bytes, 0644));
      ::unlink(path.c_str());
      out->written.push_back(name);
      out->notes.push_back(
          absl::StrCat("targets v", v, ": published (", n, " of ", need, " signatures)"));
    } else {
      out->notes.push_back(absl::StrCat("targets v", v, ": staged, signatures ", n, " of ", need));
    }
  }
  return absl::OkStatus();
}

absl::Status Stage(const std::string& dir, const std::string& name, const Envelope& e,
                   Outcome* out) {
  VOUCH_RETURN_IF_ERROR(MakeDir(Join(dir, kStaged)));
  VOUCH_RETURN_IF_ERROR(
      WriteFileAtomic(Join(Join(dir, kStaged), name), SerializeEnvelope(e), 0644));
  out->written.push_back(absl::StrCat(kStaged, "/", name));
  return absl::OkStatus();
}

absl::Status CheckKeys(const std::vector<PublicKey>& keys, int64_t threshold,
                       absl::string_view role) {
  if (keys.empty()) return absl::InvalidArgumentError(absl::StrCat(role, ": no keys"));
  if (threshold < 1 || threshold > static_cast<int64_t>(keys.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat(role, ": threshold ", threshold, " with ", keys.size(), " keys"));
  }
  std::set<std::string> ids;
  for (const PublicKey& k : keys) {
    if (!ids.insert(k.keyid()).second) {
      return absl::InvalidArgumentError(absl::StrCat(role, ": key ", k.keyid(), " twice"));
    }
  }
  return absl::OkStatus();
}

void SetRole(Root* root, const std::string& role, const std::vector<PublicKey>& keys,
             int64_t threshold) {
  RoleKeys rk;
  rk.threshold = threshold;
  for (const PublicKey& k : keys) {
    rk.keyids.push_back(k.keyid());
    root->keys.emplace(k.keyid(), k);
  }
  root->roles[role] = rk;
}

// Drops keys no role lists.
void PruneKeys(Root* root) {
  std::set<std::string> used;
  for (const auto& [name, rk] : root->roles) used.insert(rk.keyids.begin(), rk.keyids.end());
  for (auto it = root->keys.begin(); it != root->keys.end();) {
    it = used.count(it->first) ? std::next(it) : root->keys.erase(it);
  }
}

}  // namespace

absl::Status WriteFileAtomic(const std::string& path, absl::string_view contents, int mode) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat(tmp, ": write: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(tmp, ": fsync: ", std::strerror(errno)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": rename: ", std::strerror(err)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return absl::InternalError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::InternalError(absl::StrCat(path, ": read error"));
  return ss.str();
}

absl::StatusOr<RepositoryFiles> ReadRepositoryDirectory(const std::string& dir) {
  RepositoryFiles f;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) {
    f.generation = absl::StrCat(st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
  }
  for (int64_t v = 1;; ++v) {
    const std::string name = Name(v, kRoot);
    auto bytes = ReadWholeFile(Join(dir, name));
    if (absl::IsNotFound(bytes.status())) break;
    if (!bytes.ok()) return bytes.status();
    f.files[name] = std::move(*bytes);
  }
  for (const std::string& name : ListDir(dir)) {
    const int64_t snapshot = VersionOf(name, kSnapshot);
    if (VersionOf(name, kTargets) == 0 && snapshot == 0) continue;
    VOUCH_ASSIGN_OR_RETURN(f.files[name], ReadWholeFile(Join(dir, name)));
    f.max_snapshot_version = std::max(f.max_snapshot_version, snapshot);
  }
  auto ts = ReadWholeFile(Join(dir, "timestamp.json"));
  if (ts.ok()) {
    f.files["timestamp.json"] = std::move(*ts);
  } else if (!absl::IsNotFound(ts.status())) {
    return ts.status();
  }
  for (const std::string& name : ListDir(Join(dir, kTargetsDir))) {
    auto data = ReadWholeFile(Join(Join(dir, kTargetsDir), name));
    if (absl::IsNotFound(data.status())) continue;  // removed meanwhile
    if (!data.ok()) return data.status();
    f.files[absl::StrCat(kTargetsDir, "/", name)] = std::move(*data);
  }
  return f;
}

absl::StatusOr<RepositoryState> LoadRepository(const std::string& dir) {
  VOUCH_ASSIGN_OR_RETURN(RepositoryFiles files, ReadRepositoryDirectory(dir));
  return VerifyRepository(files, dir);
}

absl::StatusOr<RepositoryState> VerifyRepository(const RepositoryFiles& files,
                                                 const std::string& where) {
  RepositoryState s;
  auto find = [&](const std::string& name) -> const std::string* {
    auto it = files.files.find(name);
    return it == files.files.end() ? nullptr : &it->second;
  };
  // Roots: 1..N, each verified by its predecessor and itself.
  for (int64_t v = 1;; ++v) {
    const std::string name = Name(v, kRoot);
    const std::string* bytes = find(name);
    if (bytes == nullptr) break;
    absl::Status st;
    auto e = ParseEnvelope(*bytes, kRoot);
    absl::StatusOr<Root> root = e.ok() ? ParseRoot(*e) : absl::StatusOr<Root>(e.status());
    if (!root.ok()) {
      st = root.status();
    } else if (root->version != v) {
      st = absl::InvalidArgumentError(absl::StrCat("version is ", root->version));
    } else {
      st = VerifyRole(*e, *root, kRoot);
      if (st.ok() && v > 1) st = VerifyRole(*e, s.root, kRoot);
    }
    if (!st.ok()) {
      s.warnings.push_back(absl::StrCat(name, ": not served: ", st.message()));
      break;
    }
    s.root = std::move(*root);
    s.root_files.push_back(*bytes);
  }
  if (s.root_files.empty()) {
    return absl::NotFoundError(absl::StrCat(where, ": no TUF repository (no valid 1.root.json)"));
  }
  s.max_snapshot_version = files.max_snapshot_version;
  for (const auto& [name, file] : files.files) {
    int64_t v = VersionOf(name, kTargets);
    const bool is_targets = v != 0;
    if (!is_targets) v = VersionOf(name, kSnapshot);
    if (v == 0) continue;
    const char* role = is_targets ? kTargets : kSnapshot;
    std::string bytes = file;
    auto e = ParseEnvelope(bytes, role);
    absl::Status st = e.ok() ? absl::OkStatus() : e.status();
    if (st.ok() && e->version != v) {
      st = absl::InvalidArgumentError(absl::StrCat("version is ", e->version));
    }
    if (st.ok() && !is_targets) s.max_snapshot_version = std::max(s.max_snapshot_version, v);
    if (st.ok()) st = VerifyRole(*e, s.root, role);
    if (st.ok() && is_targets) {
      auto t = ParseTargets(*e);
      if (!t.ok()) {
        st = t.status();
      } else {
        if (!s.targets.has_value() || t->version > s.targets->version) s.targets = *t;
        s.targets_files[v] = std::move(bytes);
      }
    } else if (st.ok()) {
      auto sn = ParseSnapshot(*e);
      if (!sn.ok()) {
        st = sn.status();
      } else {
        if (!s.snapshot.has_value() || sn->version > s.snapshot->version) s.snapshot = *sn;
        s.snapshot_files[v] = std::move(bytes);
      }
    }
    if (!st.ok()) s.warnings.push_back(absl::StrCat(name, ": not served: ", st.message()));
  }
  s.max_timestamp_version = files.max_timestamp_version;
  if (const std::string* ts = find("timestamp.json")) {
    auto e = ParseEnvelope(*ts, kTimestamp);
    absl::Status st = e.ok() ? absl::OkStatus() : e.status();
    if (st.ok()) {
      s.max_timestamp_version = std::max(s.max_timestamp_version, e->version);
      if (files.timestamp_version.has_value() && e->version != *files.timestamp_version) {
        st = absl::InvalidArgumentError(
            absl::StrCat("version is ", e->version, ", filed as ", *files.timestamp_version));
      }
    }
    if (st.ok()) st = VerifyRole(*e, s.root, kTimestamp);
    absl::StatusOr<Timestamp> t = st.ok() ? ParseTimestamp(*e) : absl::StatusOr<Timestamp>(st);
    if (t.ok()) {
      s.timestamp = *t;
      s.timestamp_file = *ts;
    } else {
      s.warnings.push_back(absl::StrCat("timestamp.json: not served: ", t.status().message()));
    }
  }
  // Target files of every served targets version, checked against their hashes.
  for (const auto& [v, bytes] : s.targets_files) {
    auto e = ParseEnvelope(bytes, kTargets);
    if (!e.ok()) continue;
    auto t = ParseTargets(*e);
    if (!t.ok()) continue;
    for (const auto& [name, info] : t->targets) {
      auto h = info.hashes.find("sha256");
      if (h == info.hashes.end()) continue;
      const std::string file = absl::StrCat(h->second, ".", name);
      if (s.target_files.count(file)) continue;
      const std::string* data = find(absl::StrCat(kTargetsDir, "/", file));
      absl::Status st = data != nullptr
                            ? CheckLengthAndHashes(*data, info.length, info.hashes, file)
                            : absl::NotFoundError(absl::StrCat(where, "/", kTargetsDir, "/", file,
                                                               ": no such file"));
      if (!st.ok()) {
        s.warnings.push_back(absl::StrCat("targets/", file, ": not served: ", st.message()));
        continue;
      }
      s.target_files[file] = *data;
    }
  }
  return s;
}

absl::StatusOr<Outcome> Init(const std::string& dir, const InitOptions& o,
                             absl::Span<const PrivateKey* const> signers, absl::Time now) {
  VOUCH_RETURN_IF_ERROR(CheckKeys(o.root_keys, o.root_threshold, "root"));
  VOUCH_RETURN_IF_ERROR(CheckKeys(o.targets_keys, o.targets_threshold, "targets"));
  if (Exists(Join(dir, Name(1, kRoot))) || Exists(Join(Join(dir, kStaged), Name(1, kRoot)))) {
    return absl::AlreadyExistsError(absl::StrCat(dir, ": already has a root"));
  }
  VOUCH_RETURN_IF_ERROR(MakeDir(dir));
  VOUCH_RETURN_IF_ERROR(MakeDir(Join(dir, kTargetsDir)));
  Root root;
  root.version = 1;
  root.expires = now + o.expiries.root;
  root.consistent_snapshot = true;
  SetRole(&root, kRoot, o.root_keys, o.root_threshold);
  SetRole(&root, kTargets, o.targets_keys, o.targets_threshold);
  SetRole(&root, kSnapshot, {o.snapshot_key}, 1);
  SetRole(&root, kTimestamp, {o.timestamp_key}, 1);
  VOUCH_ASSIGN_OR_RETURN(Envelope re, NewEnvelope(RootJson(root)));
  VOUCH_ASSIGN_OR_RETURN(int n, SignWith(&re, signers, KeyidsOf(root, kRoot)));
  (void)n;
  Targets targets;
  targets.version = 1;
  targets.expires = now + o.expiries.targets;
  VOUCH_ASSIGN_OR_RETURN(Envelope te, NewEnvelope(TargetsJson(targets)));
  VOUCH_ASSIGN_OR_RETURN(n, SignWith(&te, signers, KeyidsOf(root, kTargets)));
  Outcome out;
  if (CountValidSignatures(re, root, kRoot) >= o.root_threshold) {
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, Name(1, kRoot)), SerializeEnvelope(re), 0644));
    out.written.push_back(Name(1, kRoot));
    out.notes.push_back("root v1: published");
  } else {
    VOUCH_RETURN_IF_ERROR(Stage(dir, Name(1, kRoot), re, &out));
    out.notes.push_back(absl::StrCat("root v1: staged, signatures ",
                                     CountValidSignatures(re, root, kRoot), " of ",
                                     o.root_threshold));
  }
  VOUCH_RETURN_IF_ERROR(Stage(dir, Name(1, kTargets), te, &out));
  if (Exists(Join(dir, Name(1, kRoot)))) VOUCH_RETURN_IF_ERROR(Promote(dir, &out));
  return out;
}

absl::StatusOr<Outcome> UpdateTargets(const std::string& dir,
                                      const std::map<std::string, std::string>& files,
                                      const std::vector<std::string>& remove,
                                      const nlohmann::json& custom,
                                      absl::Span<const PrivateKey* const> signers,
                                      absl::Duration expiry, absl::Time now) {
  auto state = LoadRepository(dir);
  if (!state.ok()) return absl::FailedPreconditionError(state.status().message());
  // Base: a staged targets newer than the published one (a ceremony in progress), else the
  // published one.
  Targets base;
  base.version = state->targets.has_value() ? state->targets->version : 0;
  if (state->targets.has_value()) base = *state->targets;
  const std::string staged = Join(dir, kStaged);
  for (const std::string& name : ListDir(staged)) {
    const int64_t v = VersionOf(name, kTargets);
    if (v == 0 || v <= base.version) continue;
    VOUCH_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(Join(staged, name)));
    VOUCH_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(bytes, kTargets));
    VOUCH_ASSIGN_OR_RETURN(Targets t, ParseTargets(e));
    base = t;
    base.version = v - 1;
    ::unlink(Join(staged, name).c_str());
  }
  Outcome out;
  VOUCH_RETURN_IF_ERROR(MakeDir(Join(dir, kTargetsDir)));
  for (const auto& [name, bytes] : files) {
    VOUCH_RETURN_IF_ERROR(CheckTargetPath(name));
    TargetInfo info;
    info.length = static_cast<int64_t>(bytes.size());
    info.hashes = HashesOf(bytes);
    info.custom = custom;
    const std::string file = absl::StrCat(info.hashes["sha256"], ".", name);
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(Join(Join(dir, kTargetsDir), file), bytes, 0644));
    out.written.push_back(absl::StrCat(kTargetsDir, "/", file));
    base.targets[name] = info;
  }
  for (const std::string& name : remove) {
    if (base.targets.erase(name) == 0) {
      return absl::NotFoundError(absl::StrCat("target \"", name, "\" is not listed"));
    }
  }
  base.version += 1;
  base.expires = now + expiry;
  VOUCH_ASSIGN_OR_RETURN(Envelope e, NewEnvelope(TargetsJson(base)));
  VOUCH_ASSIGN_OR_RETURN(int n, SignWith(&e, signers, KeyidsOf(state->root, kTargets)));
  if (n == 0 && !signers.empty()) {
    out.notes.push_back("none of the given keys is a targets key of the newest root");
  }
  VOUCH_RETURN_IF_ERROR(Stage(dir, Name(base.version, kTargets), e, &out));
  VOUCH_RETURN_IF_ERROR(Promote(dir, &out));
  return out;
}

absl::StatusOr<Outcome> RotateRoot(const std::string& dir, const RootChange& change,
                                   absl::Span<const PrivateKey* const> signers,
                                   absl::Duration expiry, absl::Time now) {
  auto state = LoadRepository(dir);
  if (!state.ok()) return absl::FailedPreconditionError(state.status().message());
  const Root& old = state->root;
  Root next;
  next.version = old.version + 1;
  next.expires = now + expiry;
  next.consistent_snapshot = true;
  auto keys_of = [&](const char* role) { return old.RoleKeysOf(role); };
  const std::vector<PublicKey> root_keys = change.root_keys.value_or(keys_of(kRoot));
  const int64_t root_threshold = change.root_threshold.value_or(old.roles.at(kRoot).threshold);
  const std::vector<PublicKey> targets_keys = change.targets_keys.value_or(keys_of(kTargets));
  const int64_t targets_threshold =
      change.targets_threshold.value_or(old.roles.at(kTargets).threshold);
  VOUCH_RETURN_IF_ERROR(CheckKeys(root_keys, root_threshold, "root"));
  VOUCH_RETURN_IF_ERROR(CheckKeys(targets_keys, targets_threshold, "targets"));
  SetRole(&next, kRoot, root_keys, root_threshold);
  SetRole(&next, kTargets, targets_keys, targets_threshold);
  SetRole(&next, kSnapshot,
          change.snapshot_key.has_value() ? std::vector<PublicKey>{*change.snapshot_key}
                                          : keys_of(kSnapshot),
          change.snapshot_key.has_value() ? 1 : old.roles.at(kSnapshot).threshold);
  SetRole(&next, kTimestamp,
          change.timestamp_key.has_value() ? std::vector<PublicKey>{*change.timestamp_key}
                                           : keys_of(kTimestamp),
          change.timestamp_key.has_value() ? 1 : old.roles.at(kTimestamp).threshold);
  PruneKeys(&next);
  VOUCH_ASSIGN_OR_RETURN(Envelope e, NewEnvelope(RootJson(next)));
  std::set<std::string> ids = KeyidsOf(old, kRoot);
  for (const std::string& id : KeyidsOf(next, kRoot)) ids.insert(id);
  VOUCH_ASSIGN_OR_RETURN(int n, SignWith(&e, signers, ids));
  Outcome out;
  if (n == 0 && !signers.empty()) {
    out.notes.push_back("none of the given keys is a root key of the old or the new root");
  }
  VOUCH_RETURN_IF_ERROR(Stage(dir, Name(next.version, kRoot), e, &out));
  VOUCH_RETURN_IF_ERROR(Promote(dir, &out));
  return out;
}

absl::StatusOr<Outcome> Sign(const std::string& dir, const std::string& role,
                             absl::Span<const PrivateKey* const> signers) {
  if (role != kRoot && role != kTargets) {
    return absl::InvalidArgumentError(
        absl::StrCat("role \"", role, "\": only root and targets are signed offline"));
  }
  auto state = LoadRepository(dir);
  // A staged 1.root.json has no published root yet.
  const bool fresh = absl::IsNotFound(state.status());
  if (!state.ok() && !fresh) return state.status();
  const std::string staged = Join(dir, kStaged);
  std::string name;
  int64_t newest = 0;
  for (const std::string& n : ListDir(staged)) {
    const int64_t v = VersionOf(n, role);
    if (v > newest) {
      newest = v;
      name = n;
    }
  }
  if (name.empty()) {
    return absl::NotFoundError(absl::StrCat(dir, ": no staged ", role, " metadata to sign"));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(Join(staged, name)));
  VOUCH_ASSIGN_OR_RETURN(Envelope e, ParseEnvelope(bytes, role));
  std::set<std::string> ids;
  if (role == kRoot) {
    VOUCH_ASSIGN_OR_RETURN(Root next, ParseRoot(e));
    ids = KeyidsOf(next, kRoot);
    if (!fresh) {
      for (const std::string& id : KeyidsOf(state->root, kRoot)) ids.insert(id);
    }
  } else {
    if (fresh) {
      // Targets v1 of a repository whose root v1 is still staged: sign with the staged root's
      // targets keys.
      VOUCH_ASSIGN_OR_RETURN(std::string rb, ReadWholeFile(Join(staged, Name(1, kRoot))));
      VOUCH_ASSIGN_OR_RETURN(Envelope re, ParseEnvelope(rb, kRoot));
      VOUCH_ASSIGN_OR_RETURN(Root r, ParseRoot(re));
      ids = KeyidsOf(r, kTargets);
    } else {
      ids = KeyidsOf(state->root, kTargets);
    }
  }
  VOUCH_ASSIGN_OR_RETURN(int n, SignWith(&e, signers, ids));
  if (n == 0) {
    return absl::PermissionDeniedError(absl::StrCat("none of the given keys signs staged/", name));
  }
  Outcome out;
  VOUCH_RETURN_IF_ERROR(Stage(dir, name, e, &out));
  if (fresh && role == kRoot) {
    VOUCH_ASSIGN_OR_RETURN(Root r, ParseRoot(e));
    const int64_t have = CountValidSignatures(e, r, kRoot);
    if (have >= r.roles.at(kRoot).threshold) {
      VOUCH_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, name), SerializeEnvelope(e), 0644));
      ::unlink(Join(staged, name).c_str());
      out.written.push_back(name);
      out.notes.push_back("root v1: published");
    } else {
      out.notes.push_back(
          absl::StrCat("root v1: staged, signatures ", have, " of ", r.roles.at(kRoot).threshold));
      return out;
    }
  } else if (fresh) {
    out.notes.push_back("targets v1: staged until root v1 is published");
    return out;
  }
  VOUCH_RETURN_IF_ERROR(Promote(dir, &out));
  return out;
}

absl::StatusOr<std::optional<OnlineWrite>> PlanOnline(const RepositoryState& state,
                                                      const PrivateKey& snapshot_key,
                                                      const PrivateKey& timestamp_key,
                                                      const Expiries& expiries, absl::Time now) {
  if (!state.targets.has_value()) {
    return absl::FailedPreconditionError("no published targets metadata");
  }
  if (!KeyidsOf(state.root, kSnapshot).count(snapshot_key.keyid())) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot key ", Short(snapshot_key.keyid()),
                                                      " is not a snapshot key of root v",
                                                      state.root.version));
  }
  if (!KeyidsOf(state.root, kTimestamp).count(timestamp_key.keyid())) {
    return absl::FailedPreconditionError(
        absl::StrCat("timestamp key ", Short(timestamp_key.keyid()),
                     " is not a timestamp key of root v", state.root.version));
  }
  const int64_t targets_version = state.targets->version;
  const std::string& targets_bytes = state.targets_files.at(targets_version);
  auto listed = state.snapshot.has_value() ? state.snapshot->meta.find("targets.json")
                                           : std::map<std::string, MetaInfo>::const_iterator();
  const bool new_snapshot = !state.snapshot.has_value() || listed == state.snapshot->meta.end() ||
                            listed->second.version != targets_version ||
                            state.snapshot->expires - now < expiries.snapshot / 2;
  int64_t snapshot_version = state.snapshot.has_value() ? state.snapshot->version : 0;
  std::string snapshot_bytes =
      state.snapshot.has_value() ? state.snapshot_files.at(snapshot_version) : "";
  OnlineWrite w;
  if (new_snapshot) {
    Snapshot sn;
    sn.version = std::max(state.max_snapshot_version, snapshot_version) + 1;
    sn.expires = now + expiries.snapshot;
    MetaInfo m;
    m.version = targets_version;
    m.length = static_cast<int64_t>(targets_bytes.size());
    m.hashes = HashesOf(targets_bytes);
    sn.meta["targets.json"] = m;
    VOUCH_ASSIGN_OR_RETURN(Envelope e, NewEnvelope(SnapshotJson(sn)));
    VOUCH_RETURN_IF_ERROR(AddSignature(&e, snapshot_key));
    snapshot_bytes = SerializeEnvelope(e);
    snapshot_version = sn.version;
    w.snapshot_version = snapshot_version;
    w.snapshot = snapshot_bytes;
  }
  const bool new_timestamp = new_snapshot || !state.timestamp.has_value() ||
                             state.timestamp->snapshot.version != snapshot_version ||
                             state.timestamp->expires - now < expiries.timestamp / 2;
  if (!new_timestamp) return std::optional<OnlineWrite>();
  Timestamp ts;
  ts.version = state.max_timestamp_version + 1;
  ts.expires = now + expiries.timestamp;
  ts.snapshot.version = snapshot_version;
  ts.snapshot.length = static_cast<int64_t>(snapshot_bytes.size());
  ts.snapshot.hashes = HashesOf(snapshot_bytes);
  VOUCH_ASSIGN_OR_RETURN(Envelope e, NewEnvelope(TimestampJson(ts)));
  VOUCH_RETURN_IF_ERROR(AddSignature(&e, timestamp_key));
  w.timestamp_version = ts.version;
  w.timestamp = SerializeEnvelope(e);
  return std::optional<OnlineWrite>(std::move(w));
}

absl::StatusOr<bool> PublishOnline(const std::string& dir, const PrivateKey& snapshot_key,
                                   const PrivateKey& timestamp_key, const Expiries& expiries,
                                   absl::Time now) {
  auto state = LoadRepository(dir);
  if (!state.ok()) return absl::FailedPreconditionError(state.status().message());
  auto plan = PlanOnline(*state, snapshot_key, timestamp_key, expiries, now);
  if (!plan.ok()) {
    return absl::Status(plan.status().code(), absl::StrCat(dir, ": ", plan.status().message()));
  }
  if (!plan->has_value()) return false;
  const OnlineWrite& w = **plan;
  if (w.snapshot_version.has_value()) {
    VOUCH_RETURN_IF_ERROR(
        WriteFileAtomic(Join(dir, Name(*w.snapshot_version, kSnapshot)), w.snapshot, 0644));
  }
  VOUCH_RETURN_IF_ERROR(WriteFileAtomic(Join(dir, "timestamp.json"), w.timestamp, 0644));
  return true;
}

absl::StatusOr<bool> PublishOnline(MetadataStore& store, const PrivateKey& snapshot_key,
                                   const PrivateKey& timestamp_key, const Expiries& expiries,
                                   absl::Time now) {
  VOUCH_ASSIGN_OR_RETURN(RepositoryFiles files, store.Load());
  auto state = VerifyRepository(files, store.name());
  if (!state.ok()) return absl::FailedPreconditionError(state.status().message());
  auto plan = PlanOnline(*state, snapshot_key, timestamp_key, expiries, now);
  if (!plan.ok()) {
    return absl::Status(plan.status().code(),
                        absl::StrCat(store.name(), ": ", plan.status().message()));
  }
  if (!plan->has_value()) return false;
  VOUCH_RETURN_IF_ERROR(store.PublishOnline(**plan));
  return true;
}

absl::StatusOr<std::string> Describe(const std::string& dir, absl::Time now) {
  std::string out;
  auto state = LoadRepository(dir);
  if (state.ok()) {
    const Root& r = state->root;
    absl::StrAppend(&out, "root v", r.version, " expires ", TufTime(r.expires),
                    r.expires <= now ? " (EXPIRED)" : "", "\n");
    for (const auto& [name, rk] : r.roles) {
      std::vector<std::string> ids;
      for (const std::string& id : rk.keyids) ids.push_back(Short(id));
      absl::StrAppend(&out, "  ", name, ": threshold ", rk.threshold, " of [",
                      absl::StrJoin(ids, ", "), "]\n");
    }
    if (state->targets.has_value()) {
      absl::StrAppend(&out, "targets v", state->targets->version, " expires ",
                      TufTime(state->targets->expires), "\n");
      for (const auto& [name, info] : state->targets->targets) {
        absl::StrAppend(&out, "  ", name, " ", info.length, " bytes sha256:",
                        info.hashes.count("sha256") ? info.hashes.at("sha256") : "-", "\n");
      }
    }
    if (state->snapshot.has_value()) {
      absl::StrAppend(&out, "snapshot v", state->snapshot->version, " expires ",
                      TufTime(state->snapshot->expires), "\n");
    }
    if (state->timestamp.has_value()) {
      absl::StrAppend(&out, "timestamp v", state->timestamp->version, " expires ",
                      TufTime(state->timestamp->expires), "\n");
    }
    for (const std::string& w : state->warnings) absl::StrAppend(&out, "warning: ", w, "\n");
  } else if (!absl::IsNotFound(state.status())) {
    return state.status();
  } else {
    absl::StrAppend(&out, "no published root\n");
  }
  for (const std::string& name : ListDir(Join(dir, kStaged))) {
    absl::StrAppend(&out, "staged/", name, "\n");
  }
  return out;
}

}  // namespace vouch::tuf
