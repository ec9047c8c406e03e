// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/tuf/fetcher.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace vouch::client {

absl::StatusOr<std::string> FileFetcher::Fetch(const std::string& url, size_t max_bytes) {
  std::string path = url;
  if (absl::StartsWith(path, "file://")) path = path.substr(7);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(url, ": not found"));
    return absl::UnavailableError(absl::StrCat(url, ": ", std::strerror(errno)));
  }
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return absl::UnavailableError(absl::StrCat(url, ": ", std::strerror(err)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return absl::ResourceExhaustedError(absl::StrCat(url, ": more than ", max_bytes, " bytes"));
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace vouch::client
