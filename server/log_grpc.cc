// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/log_grpc.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status_map.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "log/hash.h"
#include "server/grpc_unary.h"

namespace vouch::server {

namespace v1 = log::v1;

LogGrpcService::LogGrpcService(log::LogService* service, Metrics* metrics)
    : service_(service),
      create_metrics_(std::make_shared<const RouteMetrics>(metrics, "grpc:CreateEntry", "grpc")) {}

void LogGrpcService::FillEntry(const log::EntryWithProof& e, v1::LogEntry* out) const {
  out->set_uuid(log::HashToHex(e.entry.leaf_hash));
  out->set_log_index(e.entry.index);
  out->set_integrated_time(e.entry.integrated_time);
  out->set_log_id(service_->log_id());
  out->set_body(e.entry.body);
  out->set_signed_entry_timestamp(e.entry.set);
  auto* p = out->mutable_inclusion_proof();
  p->set_log_index(e.entry.index);
  p->set_root_hash(log::HashBytes(e.root));
  p->set_tree_size(e.tree_size);
  for (const log::Hash& h : e.proof) p->add_hashes(log::HashBytes(h));
  p->set_checkpoint(e.checkpoint);
}

grpc::ServerUnaryReactor* LogGrpcService::CreateEntry(grpc::CallbackServerContext* context,
                                                      const grpc::ByteBuffer* request,
                                                      grpc::ByteBuffer* response) {
  const absl::Time start = absl::Now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  v1::CreateEntryRequest req;
  grpc::ByteBuffer bytes(*request);  // Shares the slices.
  bool parsed = false;
  {
    grpc::ProtoBufferReader reader(&bytes);
    parsed = req.ParseFromZeroCopyStream(&reader);
  }
  if (!parsed) {
    const grpc::Status bad = UndecodableRequest(req.GetTypeName());
    create_metrics_->Record(absl::InvalidArgumentError(bad.error_message()), start);
    reactor->Finish(bad);
    return reactor;
  }
  service_->CreateEntryAsync(
      log::CreateEntryRequest{req.proposed_entry()},
      [this, reactor, response, start](absl::StatusOr<log::EntryWithProof> e) {
        create_metrics_->Record(e.status(), start);
        if (!e.ok()) {
          reactor->Finish(ToGrpcStatus(e.status()));
          return;
        }
        v1::LogEntry entry;
        FillEntry(*e, &entry);
        bool own_buffer = false;
        reactor->Finish(
            grpc::SerializationTraits<v1::LogEntry>::Serialize(entry, response, &own_buffer));
      });
  return reactor;
}

grpc::Status LogGrpcService::StreamedGetEntry(
    grpc::ServerContext*, grpc::ServerUnaryStreamer<v1::GetEntryRequest, v1::LogEntry>* stream) {
  return ServeUnary(stream, [this](const v1::GetEntryRequest& request, v1::LogEntry* response) {
    return GetEntry(request, response);
  });
}

grpc::Status LogGrpcService::StreamedGetLogInfo(
    grpc::ServerContext*, grpc::ServerUnaryStreamer<v1::GetLogInfoRequest, v1::LogInfo>* stream) {
  return ServeUnary(stream, [this](const v1::GetLogInfoRequest&, v1::LogInfo* response) {
    return GetLogInfo(response);
  });
}

grpc::Status LogGrpcService::StreamedGetConsistencyProof(
    grpc::ServerContext*,
    grpc::ServerUnaryStreamer<v1::GetConsistencyProofRequest, v1::ConsistencyProof>* stream) {
  return ServeUnary(stream, [this](const v1::GetConsistencyProofRequest& request,
                                   v1::ConsistencyProof* response) {
    return GetConsistencyProof(request, response);
  });
}

grpc::Status LogGrpcService::StreamedSearch(
    grpc::ServerContext*,
    grpc::ServerUnaryStreamer<v1::SearchRequest, v1::SearchResponse>* stream) {
  return ServeUnary(stream, [this](const v1::SearchRequest& request, v1::SearchResponse* response) {
    return Search(request, response);
  });
}

grpc::Status LogGrpcService::GetEntry(const v1::GetEntryRequest& request, v1::LogEntry* response) {
  log::GetEntryRequest r;
  if (request.key_case() == v1::GetEntryRequest::kUuid) {
    auto uuid = log::ParseEntryUuid(request.uuid(), "uuid");
    if (!uuid.ok()) return ToGrpcStatus(uuid.status());
    r.uuid = *uuid;
  } else if (request.key_case() == v1::GetEntryRequest::kLogIndex) {
    r.log_index = request.log_index();
  }
  auto e = service_->GetEntry(r);
  if (!e.ok()) return ToGrpcStatus(e.status());
  FillEntry(*e, response);
  return grpc::Status::OK;
}

grpc::Status LogGrpcService::GetLogInfo(v1::LogInfo* response) {
  const log::LogInfo info = service_->GetLogInfo();
  response->set_tree_size(info.tree_size);
  response->set_root_hash(log::HashBytes(info.root));
  response->set_checkpoint(info.checkpoint);
  response->set_log_id(info.log_id);
  return grpc::Status::OK;
}

grpc::Status LogGrpcService::GetConsistencyProof(const v1::GetConsistencyProofRequest& request,
                                                 v1::ConsistencyProof* response) {
  log::ConsistencyProofRequest r;
  r.first_size = request.first_size();
  if (request.last_size() != 0) r.last_size = request.last_size();
  auto proof = service_->GetConsistencyProof(r);
  if (!proof.ok()) return ToGrpcStatus(proof.status());
  for (const log::Hash& h : proof->hashes) response->add_hashes(log::HashBytes(h));
  response->set_root_hash(log::HashBytes(proof->root));
  return grpc::Status::OK;
}

grpc::Status LogGrpcService::Search(const v1::SearchRequest& request,
                                    v1::SearchResponse* response) {
  log::SearchRequest r;
  // The first criterion set is the one searched.
  if (!request.artifact_hash().empty()) {
    auto k = log::SearchKey::ArtifactHash(request.artifact_hash(), "artifact_hash");
    if (!k.ok()) return ToGrpcStatus(k.status());
    r.keys.push_back(*std::move(k));
  } else if (!request.public_key_pem().empty()) {
    auto k = log::SearchKey::PublicKey(request.public_key_pem(), "public_key_pem");
    if (!k.ok()) return ToGrpcStatus(k.status());
    r.keys.push_back(*std::move(k));
  } else if (!request.identity().empty()) {
    r.keys.push_back(log::SearchKey::Identity(request.identity()));
  } else {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "set one of artifact_hash, public_key_pem, identity");
  }
  r.limit = request.limit();
  auto found = service_->Search(r);
  if (!found.ok()) return ToGrpcStatus(found.status());
  for (const log::Hash& uuid : found->uuids) response->add_uuids(log::HashToHex(uuid));
  return grpc::Status::OK;
}

}  // namespace vouch::server
