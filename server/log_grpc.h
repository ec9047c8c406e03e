// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// LogGrpcService: the log's gRPC API (vouch.log.v1.Log, proto/vouch/log.proto) over a LogService
// (log/log_service.h): converts each message to the service's typed request and the typed
// response back, and maps errors with base/status_map.h; nothing else.
//
// CreateEntry uses gRPC's callback API and receives the request as raw bytes: the request is
// parsed and the entry checked on the gRPC thread that read it, handed to the sequencer, and
// answered from the log's completion threads, so no thread is parked per pending append (the
// sync API held one thread per pending append and spent much of an append's CPU in thread
// hand-offs; the figures are in docs/benchmarks.md, "Log appends"). The read methods use the sync
// API as streamed unary methods (server/grpc_unary.h). Every method decodes its request itself:
// gRPC's handlers answer a request they cannot decode with UNIMPLEMENTED (callback) or INTERNAL
// (sync) and no message; here it is INVALID_ARGUMENT naming the request type.
//
// Thread-safe. Register it with a grpc::ServerBuilder; it must outlive the server.
#ifndef VOUCH_SERVER_LOG_GRPC_H_
#define VOUCH_SERVER_LOG_GRPC_H_

#include <memory>

#include "base/metrics.h"
#include "log/log_service.h"
#include "proto/vouch/log.grpc.pb.h"
#include "server/route_metrics.h"

namespace vouch::server {

class LogGrpcService final
    : public log::v1::Log::WithRawCallbackMethod_CreateEntry<
          log::v1::Log::WithStreamedUnaryMethod_GetEntry<
              log::v1::Log::WithStreamedUnaryMethod_GetLogInfo<
                  log::v1::Log::WithStreamedUnaryMethod_GetConsistencyProof<
                      log::v1::Log::WithStreamedUnaryMethod_Search<log::v1::Log::Service>>>>> {
 public:
  // |service| and |metrics| must outlive this (metrics: the "grpc:CreateEntry" route).
  LogGrpcService(log::LogService* service, Metrics* metrics);

  grpc::ServerUnaryReactor* CreateEntry(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::Status StreamedGetEntry(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<log::v1::GetEntryRequest, log::v1::LogEntry>* stream) override;
  grpc::Status StreamedGetLogInfo(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<log::v1::GetLogInfoRequest, log::v1::LogInfo>* stream) override;
  grpc::Status StreamedGetConsistencyProof(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<log::v1::GetConsistencyProofRequest, log::v1::ConsistencyProof>*
          stream) override;
  grpc::Status StreamedSearch(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<log::v1::SearchRequest, log::v1::SearchResponse>* stream) override;

 private:
  void FillEntry(const log::EntryWithProof& e, log::v1::LogEntry* out) const;
  grpc::Status GetEntry(const log::v1::GetEntryRequest& request, log::v1::LogEntry* response);
  grpc::Status GetLogInfo(log::v1::LogInfo* response);
  grpc::Status GetConsistencyProof(const log::v1::GetConsistencyProofRequest& request,
                                   log::v1::ConsistencyProof* response);
  grpc::Status Search(const log::v1::SearchRequest& request, log::v1::SearchResponse* response);

  log::LogService* const service_;
  const std::shared_ptr<const RouteMetrics> create_metrics_;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_LOG_GRPC_H_
