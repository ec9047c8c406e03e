// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// LogService: the operations the log's APIs offer, independent of any transport. Each takes a
// typed request and returns a typed response or an absl::Status whose message names the field at
// fault; appends also have an asynchronous form that answers through a callback. The transports
// are thin adapters in server/: server/log_http.h (Rekor v1 and v2 JSON, C2SP tlog-tiles) and
// server/log_grpc.h (vouch.log.v1.Log) parse the wire format into these requests and render the
// responses, and do no log work themselves. Values that arrive as text on the wire (UUIDs, search
// criteria) are parsed into typed values by the functions below, which the adapters share, so
// both transports accept and refuse exactly the same things.
//
// Thread-safe: every operation may be called concurrently.
#ifndef VOUCH_LOG_LOG_SERVICE_H_
#define VOUCH_LOG_LOG_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/metrics.h"
#include "log/hash.h"
#include "log/log.h"
#include "log/tiles.h"

namespace vouch::log {

struct LogServiceOptions {
  // Largest Rekor v1 proposed entry or Rekor v2 create request accepted, in bytes; a larger one is
  // InvalidArgument naming the limit. (The HTTP front refuses larger whole bodies with 413.)
  size_t max_entry_bytes = 4 << 20;
  // Most entries one RetrieveEntries request may name, and most results of one Search.
  size_t max_results = 1000;
};

// ---- Wire text to typed values. |field| is the wire name used in error messages.

// An entry UUID: 64 hex digits, or Rekor's 80-hex "<tree ID><UUID>" form (either case).
// InvalidArgument "<field>: UUID must be 64 hex characters, got N" or "<field>: not hex".
absl::StatusOr<Hash> ParseEntryUuid(absl::string_view text, absl::string_view field);

// One search criterion: a key of the log's search index (docs/log.md).
struct SearchKey {
  // An artifact digest "[ALG:]HEX" (ALG sha256, the default, sha384 or sha512; either case).
  // InvalidArgument naming |field| for another algorithm or the wrong number of hex digits.
  static absl::StatusOr<SearchKey> ArtifactHash(absl::string_view hash, absl::string_view field);
  // Entries signed with a key: a PEM public key or a PEM certificate (its key). InvalidArgument
  // naming |field| when it does not parse.
  static absl::StatusOr<SearchKey> PublicKey(absl::string_view pem, absl::string_view field);
  // Entries whose certificate names |identity|; an e-mail address (containing '@') is lower-cased,
  // other subjects are kept as they are.
  static SearchKey Identity(absl::string_view identity);

  // The index key: "artifact:sha256:HEX", "pubkey:sha256:HEX" or "identity:...".
  std::string index_key;
};

// ---- Requests and responses.

struct CreateEntryRequest {
  // A Rekor v1 proposed entry, JSON text ({"apiVersion":"0.0.1","kind":"hashedrekord",...}).
  // Read only during the call, never by the callback of the asynchronous form.
  absl::string_view proposed_entry;
};

struct CreateEntryV2Request {
  // A Rekor v2 CreateEntryRequest, proto3 JSON text ({"hashedRekordRequestV002": {...}} or
  // {"dsseRequestV002": {...}}). Read only during the call.
  absl::string_view request;
};

struct CreatedV2Entry {
  EntryWithProof entry;
  std::string kind;  // "hashedrekord" or "dsse" (the Rekor v2 kindVersion.kind).
};

struct GetEntryRequest {
  // Exactly one of the two.
  std::optional<uint64_t> log_index;
  std::optional<Hash> uuid;
};

struct RetrieveEntriesRequest {
  std::vector<Hash> uuids;
  std::vector<uint64_t> log_indexes;
  // Rekor v1 proposed entries (JSON text), found by the canonical body they would be stored as.
  std::vector<std::string> entries;
};

struct RetrieveEntriesResponse {
  // The entries found, each with a proof against the latest checkpoint, in request order (uuids,
  // then log_indexes, then entries); those not in the log are left out.
  std::vector<EntryWithProof> entries;
};

struct SearchRequest {
  // At least one; the result is the entries that match all of them.
  std::vector<SearchKey> keys;
  // Most results; 0 (or more than LogServiceOptions::max_results) means max_results.
  size_t limit = 0;
};

struct SearchResponse {
  std::vector<Hash> uuids;  // In log order.
};

struct LogInfo {
  uint64_t tree_size = 0;
  Hash root{};
  std::string checkpoint;  // The latest signed checkpoint (C2SP signed note).
  std::string log_id;      // SHA-256 of the log key's DER SubjectPublicKeyInfo, raw 32 bytes.
};

struct ConsistencyProofRequest {
  uint64_t first_size = 0;
  std::optional<uint64_t> last_size;  // Unset: the latest tree size.
};

struct ConsistencyProofResponse {
  Hash root{};  // Root of the latest tree.
  std::vector<Hash> hashes;
};

struct TileRequest {
  TileId tile;
  bool entry_bundle = false;  // The entry bundle of tile.index instead of the Merkle tile.
};

class LogService {
 public:
  // |log| and |metrics| must outlive the service; |metrics| gets the log's gauges (tree size,
  // checkpoint age, batches).
  static absl::StatusOr<std::unique_ptr<LogService>> New(Log* log, Metrics* metrics,
                                                         const LogServiceOptions& options);
  ~LogService();
  LogService(const LogService&) = delete;
  LogService& operator=(const LogService&) = delete;

  // Validates, verifies and appends a Rekor v1 proposed entry; answers when it is durable, with
  // its SET and an inclusion proof. InvalidArgument naming the field (or the size limit) for a
  // refused entry, which leaves nothing in the log; AlreadyExists for an entry already in the log,
  // carrying its leaf hash (ExistingEntryLeaf, log/log.h); otherwise as Log::Append.
  absl::StatusOr<EntryWithProof> CreateEntry(const CreateEntryRequest& request);
  // The same without blocking: the entry is checked and verified on the calling thread, then
  // |done| is called exactly once: on this thread if the entry is refused before it is queued,
  // else on a log completion thread.
  void CreateEntryAsync(const CreateEntryRequest& request, Log::AppendCallback done);

  // CreateEntry for a Rekor v2 create request, with the same limits and errors.
  absl::StatusOr<CreatedV2Entry> CreateEntryV2(const CreateEntryV2Request& request);
  using CreateEntryV2Callback = std::function<void(absl::StatusOr<CreatedV2Entry>)>;
  void CreateEntryV2Async(const CreateEntryV2Request& request, CreateEntryV2Callback done);

  // The entry at log_index or with uuid, with a proof against the latest checkpoint.
  // InvalidArgument "key: set log_index or uuid" unless exactly one is set; NotFound if absent.
  absl::StatusOr<EntryWithProof> GetEntry(const GetEntryRequest& request);

  // Several entries at once. InvalidArgument "at most N entries per request" for more than
  // max_results in all, or naming "entries[i]" for a proposed entry that does not parse.
  absl::StatusOr<RetrieveEntriesResponse> RetrieveEntries(const RetrieveEntriesRequest& request);

  // The UUIDs of the entries matching every key. InvalidArgument if no key is given.
  absl::StatusOr<SearchResponse> Search(const SearchRequest& request);

  // The latest signed tree head.
  LogInfo GetLogInfo() const;

  // A consistency proof from first_size to last_size, with the latest root. InvalidArgument
  // unless 1 <= first_size <= last_size <= the latest size (the message names the sizes).
  absl::StatusOr<ConsistencyProofResponse> GetConsistencyProof(
      const ConsistencyProofRequest& request);

  // The log's public key, PEM.
  std::string GetPublicKeyPem() const;
  // The latest checkpoint (C2SP signed note).
  std::string GetCheckpoint() const;
  // A C2SP tile's bytes: the Merkle tile's hashes, or the entry bundle. NotFound if the tree is
  // not (yet) that wide.
  absl::StatusOr<std::string> GetTile(const TileRequest& request);

  // LogInfo::log_id (raw 32 bytes) and its hex (the Rekor logID).
  const std::string& log_id() const;
  const std::string& log_id_hex() const;
  const LogServiceOptions& options() const { return options_; }

 private:
  LogService(Log* log, const LogServiceOptions& options);

  // Size limit, parse, verify: the entry the log is to append.
  absl::StatusOr<NewEntry> CheckProposed(absl::string_view proposed_json);
  absl::StatusOr<NewEntry> CheckProposedV2(absl::string_view request_json, std::string* kind);

  Log* const log_;
  const LogServiceOptions options_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_LOG_SERVICE_H_
