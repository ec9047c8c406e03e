// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// LogService: the log's HTTP JSON API (Rekor v1 compatible, C2SP tlog-tiles reads, metrics) and
// gRPC API (vouch.log.v1.Log) over a Log. Glue only: parsing, limits, error mapping; the log does
// the work. Every input is validated; errors are 4xx / gRPC statuses whose message names the
// field. Thread-safe.
#ifndef VOUCH_LOG_LOG_SERVICE_H_
#define VOUCH_LOG_LOG_SERVICE_H_

#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "base/metrics.h"
#include "log/log.h"

namespace grpc {
class Service;
}
namespace httplib {
class Server;
}

namespace vouch::log {

struct LogServiceOptions {
  // Largest proposed entry accepted (also enforced by the HTTP server for whole bodies).
  size_t max_entry_bytes = 4 << 20;
  // Largest number of results for search and batch retrieve.
  size_t max_results = 1000;
};

class LogService {
 public:
  // |log| and |metrics| must outlive the service.
  static absl::StatusOr<std::unique_ptr<LogService>> New(Log* log, Metrics* metrics,
                                                         const LogServiceOptions& options);
  ~LogService();

  void RegisterHttp(httplib::Server& server);
  grpc::Service* grpc_service();

  // The operations behind both APIs (exposed for tests and the gRPC service).
  // Validates, verifies and appends a Rekor v1 proposed entry (JSON text).
  absl::StatusOr<EntryWithProof> CreateEntry(absl::string_view proposed_json);
  // The same without blocking: checks and verifies on the calling thread, then |done| is called
  // once (on this thread if the entry is refused before sequencing, else on a log completion
  // thread).
  void CreateEntryAsync(absl::string_view proposed_json, Log::AppendCallback done);
  // Rekor v1 LogEntry JSON: {"<uuid>": {"body", "integratedTime", "logID", "logIndex",
  // "verification": {"inclusionProof", "signedEntryTimestamp"}}}.
  std::string EntryJson(const EntryWithProof& e) const;

 private:
  class GrpcImpl;
  LogService(Log* log, Metrics* metrics, const LogServiceOptions& options);

  absl::StatusOr<NewEntry> CheckProposed(absl::string_view proposed_json);

  Log* const log_;
  Metrics* const metrics_;
  const LogServiceOptions options_;
  void RecordRequest(const std::string& route, const absl::Status& status, absl::Time start);
  // Each known route's metric cells, resolved in New() and read-only afterwards.
  struct RouteCells {
    CounterCell* requests = nullptr;
    HistogramCell* append_seconds = nullptr;  // Append routes only.
  };
  absl::flat_hash_map<std::string, RouteCells> routes_;
  std::unique_ptr<GrpcImpl> grpc_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_LOG_SERVICE_H_
