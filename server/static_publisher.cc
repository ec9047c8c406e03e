// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/static_publisher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/files.h"
#include "base/logging.h"
#include "base/status.h"
#include "log/checkpoint.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"

namespace vouch::server {
namespace {

constexpr char kCheckpoint[] = "/checkpoint";

std::string Errno(int err) { return std::strerror(err); }

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

absl::Status WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(Errno(errno));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

// Tree levels that have tiles in the tree of |size| (level L exists once size >> 8L >= 1).
uint32_t TileLevels(uint64_t size) {
  uint32_t levels = 0;
  while (levels <= log::kMaxTileLevel && (size >> (log::kTileHeight * levels)) > 0) ++levels;
  return levels;
}

}  // namespace

absl::StatusOr<std::unique_ptr<StaticPublisher>> StaticPublisher::New(
    log::Log* log, const StaticPublisherOptions& options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("publish dir: empty path");
  struct stat st;
  if (::stat(options.dir.c_str(), &st) != 0) {
    if (errno != ENOENT || ::mkdir(options.dir.c_str(), 0755) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("publish dir ", options.dir, ": cannot create: ", Errno(errno)));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("publish dir ", options.dir, ": not a directory"));
  }
  if (::access(options.dir.c_str(), R_OK | W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("publish dir ", options.dir, ": not writable: ", Errno(errno)));
  }
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<signer::OpenSslVerifier> key,
                         signer::OpenSslVerifier::FromDer(log->key().PublicKeyDer()));
  std::unique_ptr<StaticPublisher> p(new StaticPublisher(log, options, std::move(key)));
  {
    absl::MutexLock io(&p->io_mu_);
    VOUCH_RETURN_IF_ERROR(p->Resume());
  }
  return p;
}

StaticPublisher::StaticPublisher(log::Log* log, const StaticPublisherOptions& options,
                                 std::unique_ptr<signer::Verifier> key)
    : log_(log), options_(options), dir_(options.dir), key_(std::move(key)) {
  if (options_.metrics != nullptr) {
    files_metric_ = options_.metrics->Counter(
        "vouch_static_files_written_total",
        "Tiles, entry bundles and checkpoints written to the static publish directory.", {});
    failures_metric_ = options_.metrics->Counter(
        "vouch_static_publish_failures_total",
        "Failed attempts to publish a checkpoint to the static publish directory.", {});
    // The gauge may be rendered after the publisher is gone: it reads a value it shares.
    options_.metrics->Gauge("vouch_static_published_tree_size",
                            "Tree size of the checkpoint in the static publish directory.",
                            [size = published_size_] { return static_cast<double>(size->load()); });
  }
}

StaticPublisher::~StaticPublisher() { Stop(); }

absl::Status StaticPublisher::Resume() {
  auto note = ReadSmallFile(dir_ + kCheckpoint, 1 << 16);
  if (absl::IsNotFound(note.status())) {  // A new directory.
    resumed_ = true;
    return absl::OkStatus();
  }
  if (!note.ok()) return note.status();
  const std::string path = dir_ + kCheckpoint;
  auto cp = log::VerifyCheckpoint(*note, log_->options().signer_name, *key_);
  if (!cp.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a checkpoint of this log (signer ", log_->options().signer_name,
                     "): ", cp.status().message()));
  }
  if (cp->origin != log_->options().origin) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": origin \"", cp->origin, "\", want \"", log_->options().origin, "\""));
  }
  const log::TreeState latest = log_->Latest();
  if (cp->size > latest.size) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "%s: tree size %d is ahead of the log's %d (is the database an older backup?); the "
        "directory is left as it is",
        path, cp->size, latest.size));
  }
  if (cp->size > 0) {
    std::vector<log::Hash> proof;
    if (cp->size < latest.size) {
      VOUCH_ASSIGN_OR_RETURN(proof, log_->ConsistencyProof(cp->size, latest.size));
    }
    absl::Status s = log::VerifyConsistency(cp->size, latest.size, proof, cp->root, latest.root);
    if (!s.ok()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "%s: tree of size %d (root %s) is not consistent with the log's of size %d (root %s): "
          "%s; the directory is left as it is",
          path, cp->size, log::HashToHex(cp->root), latest.size, log::HashToHex(latest.root),
          s.message()));
    }
  }
  // Tiles and bundles the checkpoint commits to: a crash cannot lose them (they were durable
  // before it was written), but the directory may have been copied or edited since.
  VOUCH_RETURN_IF_ERROR(WriteTiles(0, cp->size, /*check_only=*/true));
  VOUCH_RETURN_IF_ERROR(SyncDirs());
  published_note_ = *note;
  published_size_->store(cp->size);
  resumed_ = true;
  absl::MutexLock l(&mu_);
  progress_.published_size = cp->size;
  if (progress_.files_repaired > 0) {
    VLOG_WARNING << "publish dir " << dir_ << ": " << progress_.files_repaired
                 << " tiles or bundles were missing or wrong and were written again";
  }
  return absl::OkStatus();
}

bool StaticPublisher::FileMatches(const std::string& rel, const std::string& data, bool compare) {
  const std::string path = dir_ + rel;
  if (!compare) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           static_cast<uint64_t>(st.st_size) == data.size();
  }
  auto got = ReadSmallFile(path, data.size() + 1);
  return got.ok() && *got == data;
}

absl::Status StaticPublisher::WriteTiles(uint64_t from, uint64_t size, bool check_only) {
  const uint32_t levels = TileLevels(size);
  for (uint32_t level = 0; level < levels; ++level) {
    const uint64_t first = (from >> (log::kTileHeight * level)) / log::kTileWidth;
    const std::vector<log::TileId> tiles = log::TilesAtLevel(level, size, first);
    for (size_t i = 0; i < tiles.size(); ++i) {
      const log::TileId& t = tiles[i];
      // Unchanged since |from| (a partial tile that did not grow): already published.
      if (!check_only && from > 0 && log::TileWidthForSize(level, t.index, from) == t.width) {
        continue;
      }
      const bool newest = i + 1 == tiles.size();
      if (!check_only && from > 0 && t.width == log::kTileWidth) {
        const uint32_t before = log::TileWidthForSize(level, t.index, from);
        if (before > 0 && before < log::kTileWidth) completed_.push_back(t);
      }
      struct Item {
        std::string rel;
        bool bundle;
      };
      std::vector<Item> items = {{log::TilePath(t), false}};
      if (level == 0) items.push_back({log::EntriesPath(t), true});
      for (const Item& item : items) {
        if (check_only && !newest) {
          // Present with its exact size: the common case, checked without reading the log. A
          // bundle's size depends on its entries; only tree tiles are checked this way.
          if (!item.bundle) {
            struct stat st;
            const std::string path = dir_ + item.rel;
            if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
                static_cast<uint64_t>(st.st_size) == uint64_t{t.width} * 32) {
              continue;
            }
          } else {
            struct stat st;
            const std::string path = dir_ + item.rel;
            if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) continue;
          }
        }
        absl::StatusOr<std::string> data = item.bundle ? log_->EntryBundle(t.index, t.width)
                                                       : log_->TileData(t.level, t.index, t.width);
        if (!data.ok()) {
          return absl::Status(
              data.status().code(),
              absl::StrCat("reading ", item.rel, " from the log: ", data.status().message()));
        }
        if (check_only) {
          if (FileMatches(item.rel, *data, /*compare=*/true)) continue;
          VLOG_WARNING << "publish dir " << dir_ << ": " << item.rel
                       << " is missing or differs from the log; writing it again";
          absl::MutexLock l(&mu_);
          ++progress_.files_repaired;
        }
        VOUCH_RETURN_IF_ERROR(WriteFile(item.rel, *data));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status StaticPublisher::MakeParents(const std::string& path) {
  const std::string parent = DirName(path);
  if (parent.size() <= dir_.size() || made_dirs_.count(parent) > 0) return absl::OkStatus();
  struct stat st;
  if (::stat(parent.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      return absl::InternalError(absl::StrCat(parent, ": not a directory"));
    }
    made_dirs_.insert(parent);
    return absl::OkStatus();
  }
  VOUCH_RETURN_IF_ERROR(MakeParents(parent));
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    return absl::InternalError(absl::StrCat(parent, ": mkdir: ", Errno(errno)));
  }
  // The new directory's entry is durable once its parent is.
  dirty_dirs_.insert(DirName(parent));
  made_dirs_.insert(parent);
  return absl::OkStatus();
}

absl::Status StaticPublisher::WriteFile(const std::string& rel, const std::string& data) {
  const std::string path = dir_ + rel;
  VOUCH_RETURN_IF_ERROR(MakeParents(path));
  const std::string parent = DirName(path);
  // Hidden (web servers are configured not to serve dot files) and fixed, so a temporary file
  // left by a crash is overwritten by the next attempt.
  const std::string tmp = absl::StrCat(parent, "/.", path.substr(parent.size() + 1), ".tmp");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat(tmp, ": cannot create: ", Errno(errno)));
  absl::Status s = WriteAll(fd, data);
  if (!s.ok()) s = absl::InternalError(absl::StrCat(tmp, ": write: ", s.message()));
  if (s.ok() && ::fsync(fd) != 0)
    s = absl::InternalError(absl::StrCat(tmp, ": fsync: ", Errno(errno)));
  if (::close(fd) != 0 && s.ok())
    s = absl::InternalError(absl::StrCat(tmp, ": close: ", Errno(errno)));
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    s = absl::InternalError(absl::StrCat(path, ": rename: ", Errno(errno)));
  }
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  dirty_dirs_.insert(parent);
  absl::MutexLock l(&mu_);
  ++progress_.files_written;
  if (files_metric_ != nullptr) files_metric_->Add(1);
  return absl::OkStatus();
}

absl::Status StaticPublisher::SyncDirs() {
  for (auto it = dirty_dirs_.begin(); it != dirty_dirs_.end();) {
    const int fd = ::open(it->c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return absl::InternalError(absl::StrCat(*it, ": open: ", Errno(errno)));
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return absl::InternalError(absl::StrCat(*it, ": fsync: ", Errno(err)));
    it = dirty_dirs_.erase(it);
  }
  return absl::OkStatus();
}

void StaticPublisher::RemovePartials() {
  for (const log::TileId& t : completed_) {
    std::vector<std::string> dirs = {dir_ + log::TilePath(t) + ".p"};
    if (t.level == 0) dirs.push_back(dir_ + log::EntriesPath(t) + ".p");
    for (const std::string& d : dirs) {
      DIR* dp = ::opendir(d.c_str());
      if (dp == nullptr) continue;
      while (struct dirent* e = ::readdir(dp)) {
        const std::string name = e->d_name;
        if (name == "." || name == "..") continue;
        if (::unlink((d + "/" + name).c_str()) != 0) {
          VLOG_WARNING << d << "/" << name << ": cannot remove: " << Errno(errno);
        }
      }
      ::closedir(dp);
      if (::rmdir(d.c_str()) != 0) {
        VLOG_WARNING << d << ": cannot remove: " << Errno(errno);
      }
      made_dirs_.erase(d);
    }
  }
}

absl::Status StaticPublisher::PublishOnce() {
  absl::MutexLock io(&io_mu_);
  // Never over a directory that was refused.
  if (!resumed_) return absl::FailedPreconditionError("publish dir " + dir_ + ": not verified");
  const log::TreeState latest = log_->Latest();
  if (latest.checkpoint == published_note_) return absl::OkStatus();
  uint64_t from = 0;
  {
    absl::MutexLock l(&mu_);
    from = progress_.published_size;
  }
  absl::Status s =
      from > latest.size
          ? absl::FailedPreconditionError(absl::StrFormat(
                "the log's tree size %d is behind the published %d", latest.size, from))
          : WriteTiles(from, latest.size, /*check_only=*/false);
  // Every tile and bundle durable before the checkpoint that commits to them.
  if (s.ok()) s = SyncDirs();
  if (s.ok()) s = WriteFile(kCheckpoint, latest.checkpoint);
  if (s.ok()) s = SyncDirs();
  if (s.ok()) RemovePartials();
  completed_.clear();
  if (!s.ok()) {
    s = absl::Status(s.code(), absl::StrCat("publishing the checkpoint of size ", latest.size,
                                            " to ", dir_, ": ", s.message()));
    Failed(s);
    return s;
  }
  published_note_ = latest.checkpoint;
  published_size_->store(latest.size);
  absl::MutexLock l(&mu_);
  const bool recovered = !progress_.last_error.empty();
  progress_.published_size = latest.size;
  progress_.last_error.clear();
  if (recovered) {
    VLOG_INFO << "publish dir " << dir_ << ": publishing again (tree size " << latest.size << ")";
  }
  if (options_.health != nullptr) options_.health->ClearProblem(kHealthKey);
  return absl::OkStatus();
}

void StaticPublisher::Failed(const absl::Status& s) {
  {
    absl::MutexLock l(&mu_);
    ++progress_.failures;
    progress_.last_error = std::string(s.message());
  }
  if (failures_metric_ != nullptr) failures_metric_->Add(1);
  VLOG_ERROR << s.message();
  if (options_.health != nullptr) {
    options_.health->SetProblem(kHealthKey, std::string(s.message()));
  }
}

void StaticPublisher::Start() {
  absl::MutexLock l(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void StaticPublisher::Loop() {
  while (true) {
    const bool ok = PublishOnce().ok();
    absl::MutexLock l(&mu_);
    const absl::Duration wait = ok ? options_.poll_interval : options_.retry_interval;
    if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), wait)) return;
  }
}

void StaticPublisher::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (!thread_.joinable()) return;
  thread_.join();
  // The last checkpoint the log published (Log::Shutdown has run or is about to).
  if (absl::Status s = PublishOnce(); !s.ok()) {
    VLOG_ERROR << "publish dir " << dir_ << ": last publish before stopping: " << s.message();
  }
}

StaticPublisher::Progress StaticPublisher::progress() const {
  absl::MutexLock l(&mu_);
  return progress_;
}

}  // namespace vouch::server
