// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// DirectoryMetadataStore: a MetadataStore over a repository directory written by `vouch-tuf`
// (the layout in tuf/repository.h). The online roles are written as files: N.snapshot.json, then
// timestamp.json replaced atomically. A directory has ONE online writer (one vouchd, or
// `vouch-tuf publish`); several vouchd front ends share a PostgresMetadataStore instead.
//
// Thread-safe (it only touches the directory; the file system orders the writes).
#ifndef VOUCH_TUF_DIRECTORY_METADATA_STORE_H_
#define VOUCH_TUF_DIRECTORY_METADATA_STORE_H_

#include <atomic>
#include <memory>
#include <string>

#include "tuf/metadata_store.h"

namespace vouch::tuf {

class DirectoryMetadataStore : public MetadataStore {
 public:
  // |dir| need not exist yet (Load then finds no files).
  static std::unique_ptr<DirectoryMetadataStore> New(const std::string& dir);

  std::string name() const override { return dir_; }
  absl::StatusOr<RepositoryFiles> Load() override;
  // The directory's modification time; a new token on every call while it was modified within
  // the last two seconds (a change within the same clock tick keeps the time).
  absl::StatusOr<std::string> Generation() override;
  // Writes the files (no compare-and-set: one writer per directory).
  absl::Status PublishOnline(const OnlineWrite& w) override;

 private:
  explicit DirectoryMetadataStore(std::string dir) : dir_(std::move(dir)) {}
  const std::string dir_;
  std::atomic<int64_t> recent_{0};
};

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_DIRECTORY_METADATA_STORE_H_
