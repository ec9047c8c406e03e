// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status.h"

namespace vouch::audit {
namespace {

using nlohmann::json;

absl::Status Errno(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, const std::string& data, const std::string& path) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno(absl::StrCat("write ", path));
    }
    off += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

absl::StatusOr<std::string> Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return absl::NotFoundError(path);
    return Errno(absl::StrCat("open ", path));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(absl::StrCat("create ", tmp));
  absl::Status s = WriteAll(fd, contents, tmp);
  if (s.ok() && ::fsync(fd) != 0) s = Errno(absl::StrCat("fsync ", tmp));
  ::close(fd);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = Errno(absl::StrCat("rename ", tmp));
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  int dfd = ::open(DirOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFileContents(const std::string& path) { return Slurp(path); }

absl::Status AppendLine(const std::string& path, const std::string& line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(absl::StrCat("open ", path));
  absl::Status s = WriteAll(fd, line + "\n", path);
  if (s.ok() && ::fsync(fd) != 0) s = Errno(absl::StrCat("fsync ", path));
  ::close(fd);
  return s;
}

json HashesToJson(const std::vector<log::Hash>& hashes) {
  json out = json::array();
  for (const log::Hash& h : hashes) out.push_back(log::HashToHex(h));
  return out;
}

absl::StatusOr<std::vector<log::Hash>> HashesFromJson(const json& j, const std::string& field) {
  if (!j.is_array()) return absl::DataLossError(absl::StrCat(field, ": not an array"));
  std::vector<log::Hash> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_string()) return absl::DataLossError(absl::StrCat(field, "[", i, "]: not hex"));
    auto h = log::HashFromHex(j[i].get<std::string>());
    if (!h.ok()) return absl::DataLossError(absl::StrCat(field, "[", i, "]: not a hash"));
    out.push_back(*h);
  }
  return out;
}

json StateToJson(const AuditState& s) {
  json rows = json::object();
  for (const auto& [level, row] : s.tile_rows) rows[std::to_string(level)] = HashesToJson(row);
  return json{{"version", 1},
              {"log_url", s.log_url},
              {"origin", s.origin},
              {"log_id", s.log_id_hex},
              {"size", s.size},
              {"root", log::HashToHex(s.root)},
              {"checkpoint", s.checkpoint},
              {"compact_range", HashesToJson(s.compact_range)},
              {"tile_rows", rows},
              {"index_bytes", s.index_bytes},
              {"updated", absl::FormatTime(absl::RFC3339_sec, s.updated, absl::UTCTimeZone())}};
}

absl::StatusOr<AuditState> StateFromJson(const json& j) {
  if (!j.is_object() || j.value("version", 0) != 1) {
    return absl::DataLossError("state.json: not a version 1 state");
  }
  AuditState s;
  try {
    s.log_url = j.at("log_url").get<std::string>();
    s.origin = j.at("origin").get<std::string>();
    s.log_id_hex = j.at("log_id").get<std::string>();
    s.size = j.at("size").get<uint64_t>();
    auto root = log::HashFromHex(j.at("root").get<std::string>());
    if (!root.ok()) return absl::DataLossError("state.json: root is not a hash");
    s.root = *root;
    s.checkpoint = j.at("checkpoint").get<std::string>();
    VOUCH_ASSIGN_OR_RETURN(s.compact_range,
                           HashesFromJson(j.at("compact_range"), "state.json: compact_range"));
    for (auto it = j.at("tile_rows").begin(); it != j.at("tile_rows").end(); ++it) {
      uint32_t level = static_cast<uint32_t>(std::stoul(it.key()));
      VOUCH_ASSIGN_OR_RETURN(s.tile_rows[level],
                             HashesFromJson(it.value(), "state.json: tile_rows"));
    }
    s.index_bytes = j.at("index_bytes").get<uint64_t>();
    absl::Time t;
    std::string err;
    if (absl::ParseTime(absl::RFC3339_full, j.at("updated").get<std::string>(), &t, &err)) {
      s.updated = t;
    }
  } catch (const std::exception& e) {
    return absl::DataLossError(absl::StrCat("state.json: ", e.what()));
  }
  return s;
}

absl::StatusOr<std::unique_ptr<StateDir>> StateDir::Open(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("state directory ", dir, ": ", std::strerror(errno)));
  }
  if (::mkdir((dir + "/evidence").c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::FailedPreconditionError(
        absl::StrCat("state directory ", dir, "/evidence: ", std::strerror(errno)));
  }
  const std::string lock = dir + "/lock";
  int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(lock, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return absl::FailedPreconditionError(
        absl::StrCat("state directory ", dir, " is in use by another vouch-audit"));
  }
  return std::unique_ptr<StateDir>(new StateDir(dir, fd));
}

StateDir::~StateDir() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

absl::StatusOr<AuditState> StateDir::Load() const {
  auto text = Slurp(path("state.json"));
  if (absl::IsNotFound(text.status())) {
    AuditState s;
    s.root = log::EmptyRoot();
    return s;
  }
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return absl::DataLossError("state.json: not JSON");
  return StateFromJson(j);
}

absl::Status StateDir::Save(const AuditState& state) const {
  return WriteFileAtomically(path("state.json"), StateToJson(state).dump(2) + "\n");
}

std::vector<json> StateDir::Checkpoints() const {
  std::vector<json> out;
  auto text = Slurp(path("checkpoints.jsonl"));
  if (!text.ok()) return out;
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (line.empty()) continue;
    json j = json::parse(line.begin(), line.end(), nullptr, false);
    if (j.is_object() && j.contains("size") && j.contains("root") && j.contains("note")) {
      out.push_back(std::move(j));
    }
  }
  return out;
}

absl::Status StateDir::RecordCheckpoint(const json& line) const {
  return AppendLine(path("checkpoints.jsonl"), line.dump());
}

absl::StatusOr<std::string> StateDir::WriteEvidence(const json& evidence,
                                                    const std::string& subdir) const {
  const absl::Time now = absl::Now();
  const std::string d = absl::StrCat(dir_, "/", subdir);
  if (::mkdir(d.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat("mkdir ", d));
  }
  std::string base =
      absl::StrCat(d, "/", absl::FormatTime("%Y%m%dT%H%M%E3SZ", now, absl::UTCTimeZone()), "-",
                   evidence.value("kind", std::string("finding")));
  std::string p = base + ".json";
  for (int i = 2; ::access(p.c_str(), F_OK) == 0; ++i) p = absl::StrCat(base, "-", i, ".json");
  VOUCH_RETURN_IF_ERROR(WriteFileAtomically(p, evidence.dump(2) + "\n"));
  return p;
}

}  // namespace vouch::audit
