// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// LogReader: a transparency log's public read API as the auditor uses it, over HttpClient:
// the checkpoint and C2SP tlog-tiles (/checkpoint, /tile/L/N[.p/W], /tile/entries/N[.p/W]),
// consistency proofs (/api/v1/log/proof) and, for logs that serve no tiles, the Rekor v1 entry
// API (/api/v1/log, POST /api/v1/log/entries/retrieve). Every answer is parsed strictly and
// nothing in it is trusted: callers verify.
//
// Thread-safe (HttpClient is).
#ifndef VOUCH_AUDIT_LOG_READER_H_
#define VOUCH_AUDIT_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "audit/http_client.h"
#include "log/hash.h"
#include "log/tiles.h"

namespace vouch::audit {

// Most bytes of one stored entry in an entry bundle (big-endian uint16 length).
inline constexpr size_t kMaxBundleEntryBytes = 65535;

// Parses a C2SP entry bundle: each entry as a big-endian uint16 length and that many bytes.
// InvalidArgument for a truncated entry, an empty entry or more than |max_entries| entries.
absl::StatusOr<std::vector<std::string>> ParseEntryBundle(absl::string_view data,
                                                          size_t max_entries = 256);
// The bundle bytes of |entries| (for tests and fixtures).
std::string EntryBundleBytes(const std::vector<std::string>& entries);

// One entry as the Rekor v1 API returns it.
struct V1Entry {
  uint64_t index = 0;
  std::string body;             // decoded
  int64_t integrated_time = 0;  // Unix seconds
  std::string set;              // SignedEntryTimestamp, raw
  std::string log_id_hex;
};

class LogReader {
 public:
  // |base_url| is the log's URL prefix ("http://127.0.0.1:8080").
  static absl::StatusOr<std::unique_ptr<LogReader>> New(const std::string& base_url,
                                                        HttpClientOptions options);

  // The latest signed checkpoint note: GET /checkpoint, or the signedTreeHead of GET
  // /api/v1/log when /checkpoint is 404. Unavailable/errors of HttpClient; FailedPrecondition
  // for another HTTP status.
  absl::StatusOr<std::string> Checkpoint() const;

  // A tile's or bundle's URL.
  std::string TileUrl(const log::TileId& tile) const;
  std::string BundleUrl(const log::TileId& tile) const;

  // The hashes of a tree tile at its width: NotFound for 404, InvalidArgument for a wrong
  // length.
  absl::StatusOr<std::vector<log::Hash>> Tile(const log::TileId& tile) const;

  // The consistency proof from |size1| to |size2| (GET /api/v1/log/proof).
  absl::StatusOr<std::vector<log::Hash>> ConsistencyProof(uint64_t size1, uint64_t size2) const;

  // Entries |first| .. |first| + |count| - 1 through POST /api/v1/log/entries/retrieve (at most
  // 1000 a request; several requests in flight). Each must come back exactly once, in any
  // order; FailedPrecondition naming the index otherwise.
  absl::StatusOr<std::vector<V1Entry>> EntriesByIndex(uint64_t first, uint64_t count) const;

  // The indexes in [first, first + count) (count <= 1000) that POST
  // /api/v1/log/entries/retrieve does not return: one request.
  absl::StatusOr<std::vector<uint64_t>> MissingIndexes(uint64_t first, uint64_t count) const;

  // UUIDs (leaf hash hex) of the entries the log's search index maps to |query| (POST
  // /api/v1/index/retrieve {"hash": "sha256:..."} or {"email": "..."}).
  absl::StatusOr<std::vector<std::string>> Search(const std::string& field,
                                                  const std::string& value) const;

  const HttpClient& http() const { return *http_; }
  const std::string& base_url() const { return base_url_; }

 private:
  LogReader(std::string base_url, std::unique_ptr<HttpClient> http)
      : base_url_(std::move(base_url)), http_(std::move(http)) {}
  std::string base_url_;
  std::unique_ptr<HttpClient> http_;
};

// An HTTP status as a Status for |what|: NotFound for 404, FailedPrecondition otherwise
// (naming the status and the start of the body).
absl::Status HttpError(const std::string& what, const HttpResponse& r);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_LOG_READER_H_
