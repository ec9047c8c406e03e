// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/ca_grpc.h"

#include <string>
#include <utility>

#include "base/status_map.h"
#include "grpcpp/grpcpp.h"
#include "server/grpc_unary.h"

namespace vouch::server {

namespace fulcio = ::dev::sigstore::fulcio::v2;

grpc::Status CaGrpcService::StreamedCreateSigningCertificate(
    grpc::ServerContext* context,
    grpc::ServerUnaryStreamer<fulcio::CreateSigningCertificateRequest, fulcio::SigningCertificate>*
        stream) {
  return ServeUnary(stream, [this, context](const fulcio::CreateSigningCertificateRequest& request,
                                            fulcio::SigningCertificate* response) {
    std::string bearer;
    auto it = context->client_metadata().find("authorization");
    if (it != context->client_metadata().end()) {
      bearer = signer::BearerToken(absl::string_view(it->second.data(), it->second.size()));
    }
    auto result = service_->CreateSigningCertificate(request, bearer);
    if (!result.ok()) return ToGrpcStatus(result.status());
    *response = *std::move(result);
    return grpc::Status::OK;
  });
}

grpc::Status CaGrpcService::StreamedGetTrustBundle(
    grpc::ServerContext*,
    grpc::ServerUnaryStreamer<fulcio::GetTrustBundleRequest, fulcio::TrustBundle>* stream) {
  return ServeUnary(stream,
                    [this](const fulcio::GetTrustBundleRequest&, fulcio::TrustBundle* response) {
                      *response = service_->GetTrustBundle();
                      return grpc::Status::OK;
                    });
}

grpc::Status CaGrpcService::StreamedGetConfiguration(
    grpc::ServerContext*,
    grpc::ServerUnaryStreamer<fulcio::GetConfigurationRequest, fulcio::Configuration>* stream) {
  return ServeUnary(
      stream, [this](const fulcio::GetConfigurationRequest&, fulcio::Configuration* response) {
        *response = service_->GetConfiguration();
        return grpc::Status::OK;
      });
}

}  // namespace vouch::server
