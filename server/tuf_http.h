// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// TufService: vouchd's TUF mirror (docs/trust.md). It serves the TUF metadata of a store
// (tuf/metadata_store.h) under /tuf/: a repository directory written by `vouch-tuf`
// (tuf/repository.h), or, with PostgreSQL storage, tables in the database the vouchd front ends
// share (tuf/postgres_metadata_store.h). It holds the two ONLINE keys, snapshot and timestamp,
// with which it signs a new snapshot when a newly signed targets file appears and re-signs
// timestamp.json before it expires; in a shared database one front end signs each new version
// (compare-and-set) and every front end serves the newest. Root and targets are signed offline;
// vouchd only serves what verifies (an under-signed or tampered file or row is not served).
//
// HTTP routes (RegisterHttp), what Sigstore clients fetch from a mirror URL `<public>/tuf`:
//   GET /tuf/N.root.json            every root of the verified chain
//   GET /tuf/timestamp.json         (Cache-Control: no-cache)
//   GET /tuf/N.snapshot.json        snapshots that verify with the newest root
//   GET /tuf/N.targets.json         targets that verify with the newest root
//   GET /tuf/targets/H.NAME         target files by SHA-256 prefix, as listed
// 404 ({"code":404,"message":...}) for anything else, and for every path while the directory
// holds no repository yet.
//
// Freshness: each request first checks the store's generation (a directory: one stat of its
// modification time; PostgreSQL: one query of a counter every write increments) and reloads when
// it changed, so a file the offline tool just published, or a timestamp another front end just
// signed, is served at once; a background thread (Start) re-signs the timestamp/snapshot when
// half their lifetime has passed.
//
// Key files (generated on first start, PKCS#8 PEM, 0600; the public halves as .pub, 0644, to give
// `vouch-tuf init --snapshot-key/--timestamp-key`): DATA_DIR/tuf_snapshot_key.pem,
// DATA_DIR/tuf_timestamp_key.pem. Front ends sharing a database need the same two key files (the
// root lists one key per online role).
//
// Thread-safe.
#ifndef VOUCH_SERVER_TUF_HTTP_H_
#define VOUCH_SERVER_TUF_HTTP_H_

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/health.h"
#include "base/metrics.h"
#include "http/router.h"
#include "tuf/keys.h"
#include "tuf/metadata_store.h"
#include "tuf/repository.h"

namespace vouch::server {

struct TufServiceOptions {
  // The repository directory (default in vouchd: DATA_DIR/tuf). Need not exist yet. Used when
  // |store| is null.
  std::string repo_dir;
  // Where the metadata is (e.g. a tuf::PostgresMetadataStore); null: a DirectoryMetadataStore
  // over |repo_dir|.
  std::shared_ptr<tuf::MetadataStore> store;
  // Online key files; generated (ECDSA P-256) when absent.
  std::string snapshot_key_path;
  std::string timestamp_key_path;
  tuf::Expiries expiries;
  // How often the background thread checks expiries.
  absl::Duration refresh_interval = absl::Minutes(1);
  vouch::Clock* clock = vouch::Clock::Real();
  // Targets vouchd can compare with what the repository lists (e.g. "trusted_root.json" -> the
  // /api/v1/trustedRoot bytes). After a key rotation they differ until the new targets are
  // signed offline: each reload that sees a difference sets the gauge vouch_tuf_targets_stale
  // to 1 and the health warning "tuf.targets" naming each target that differs and what to do
  // (logged once per targets version); both clear when the published targets match again.
  std::map<std::string, std::string> expected_targets;
  // Where the stale-targets warning goes (a warning: vouchd stays SERVING). Null: logged only.
  // Must outlive the service.
  vouch::Health* health = nullptr;
  // Where the gauge vouch_tuf_targets_stale is registered (may outlive the service). Null: none.
  vouch::Metrics* metrics = nullptr;
};

class TufService {
 public:
  // Loads or generates the online keys and loads the repository if there is one.
  // FailedPrecondition for unusable key files.
  static absl::StatusOr<std::unique_ptr<TufService>> New(const TufServiceOptions& options);
  ~TufService();

  void RegisterHttp(http::Router& router);

  // Signs snapshot/timestamp when needed (tuf::PublishOnline; when another front end signed
  // that version first, nothing is signed here), reloads the store and swaps in what is served.
  // NotFound when there is no repository yet; FailedPrecondition when the online keys are not
  // the ones the root lists (then the verified files are still served); Unavailable when the
  // store cannot be reached (then the files loaded before are still served).
  absl::Status Refresh();

  // Starts / stops the background refresh thread. Stop is idempotent.
  void Start();
  void Stop();

  const tuf::PrivateKey& snapshot_key() const { return *snapshot_key_; }
  const tuf::PrivateKey& timestamp_key() const { return *timestamp_key_; }

  // The expected_targets that the published targets do not list with the same bytes, in name
  // order, as of the last reload; empty when all match or no targets are published yet.
  std::vector<std::string> stale_targets() const;

  // The files served now, by path below /tuf/ ("1.root.json", "targets/H.NAME").
  std::shared_ptr<const std::map<std::string, std::string>> served() const;

 private:
  explicit TufService(const TufServiceOptions& options) : options_(options) {}
  http::Response Serve(const std::string& path);
  void RefreshIfChanged();

  TufServiceOptions options_;
  std::unique_ptr<tuf::PrivateKey> snapshot_key_, timestamp_key_;
  mutable absl::Mutex mu_;
  std::shared_ptr<const std::map<std::string, std::string>> files_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<tuf::MetadataStore> store_;
  // The store's generation when files_ was loaded.
  std::string generation_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> stale_targets_ ABSL_GUARDED_BY(mu_);
  // 1 while stale_targets_ is not empty; shared with the metrics gauge.
  std::shared_ptr<std::atomic<int>> stale_gauge_ = std::make_shared<std::atomic<int>>(0);
  absl::Mutex refresh_mu_;  // one Refresh at a time
  // The targets version last warned about (expected_targets), so each is logged once.
  int64_t warned_targets_version_ ABSL_GUARDED_BY(refresh_mu_) = 0;
  std::thread thread_;
  absl::Notification stop_;
  bool started_ = false;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_TUF_HTTP_H_
