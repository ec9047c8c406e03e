// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace vouch {
namespace {

absl::Status OsError(const std::string& path, int err) {
  const std::string msg = absl::StrCat(path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    case EISDIR:
      return absl::FailedPreconditionError(msg);
    default:
      return absl::InternalError(msg);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return OsError(path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return OsError(path, errno);
  if (S_ISDIR(st.st_mode)) return OsError(path, EISDIR);
  const auto too_large = [&] {
    return absl::FailedPreconditionError(absl::StrCat(path, ": larger than ", max_bytes, " bytes"));
  };
  std::string out;
  if (S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) return too_large();
    out.reserve(static_cast<size_t>(st.st_size));
  }
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return OsError(path, errno);
    }
    if (n == 0) break;
    if (static_cast<size_t>(n) > max_bytes - out.size()) return too_large();
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace vouch
