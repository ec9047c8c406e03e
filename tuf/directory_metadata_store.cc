// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/directory_metadata_store.h"

#include <sys/stat.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status.h"
#include "tuf/repository.h"

namespace vouch::tuf {

std::unique_ptr<DirectoryMetadataStore> DirectoryMetadataStore::New(const std::string& dir) {
  return std::unique_ptr<DirectoryMetadataStore>(new DirectoryMetadataStore(dir));
}

absl::StatusOr<RepositoryFiles> DirectoryMetadataStore::Load() {
  return ReadRepositoryDirectory(dir_);
}

absl::StatusOr<std::string> DirectoryMetadataStore::Generation() {
  struct stat st;
  if (::stat(dir_.c_str(), &st) != 0) return std::string();
  if (absl::Now() - absl::TimeFromTimespec(st.st_mtim) < absl::Seconds(2)) {
    return absl::StrCat("recent ", recent_.fetch_add(1));
  }
  return absl::StrCat(st.st_mtim.tv_sec, ".", st.st_mtim.tv_nsec);
}

absl::Status DirectoryMetadataStore::PublishOnline(const OnlineWrite& w) {
  if (w.snapshot_version.has_value()) {
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(
        absl::StrCat(dir_, "/", *w.snapshot_version, ".snapshot.json"), w.snapshot, 0644));
  }
  return WriteFileAtomic(absl::StrCat(dir_, "/timestamp.json"), w.timestamp, 0644);
}

}  // namespace vouch::tuf
