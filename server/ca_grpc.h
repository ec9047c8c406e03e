// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CaGrpcService: the Fulcio v2 gRPC API (dev.sigstore.fulcio.v2.CA) over a CaService
// (signer/ca_service.h): passes each message (and the "authorization: Bearer" metadata) to the
// service and maps errors with base/status_map.h; nothing else.
//
// Every method is served as a streamed unary method on the sync API (server/grpc_unary.h) so
// that it decodes its request itself: a request gRPC cannot decode is answered INVALID_ARGUMENT
// naming the request type, where gRPC's own unary handler answers INTERNAL with an empty message.
// CreateSigningCertificate stays on the sync thread pool (not the callback API the log's appends
// use) because issuing may wait for an OIDC provider, a PKCS#11 token or the database, which
// must not block gRPC's callback threads.
//
// Thread-safe. Register it with a grpc::ServerBuilder; it must outlive the server.
#ifndef VOUCH_SERVER_CA_GRPC_H_
#define VOUCH_SERVER_CA_GRPC_H_

#include "proto/fulcio/fulcio.grpc.pb.h"
#include "signer/ca_service.h"

namespace vouch::server {

class CaGrpcService final
    : public dev::sigstore::fulcio::v2::CA::WithStreamedUnaryMethod_CreateSigningCertificate<
          dev::sigstore::fulcio::v2::CA::WithStreamedUnaryMethod_GetTrustBundle<
              dev::sigstore::fulcio::v2::CA::WithStreamedUnaryMethod_GetConfiguration<
                  dev::sigstore::fulcio::v2::CA::Service>>> {
 public:
  // |service| must outlive this.
  explicit CaGrpcService(const signer::CaService* service) : service_(service) {}

  grpc::Status StreamedCreateSigningCertificate(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<dev::sigstore::fulcio::v2::CreateSigningCertificateRequest,
                                dev::sigstore::fulcio::v2::SigningCertificate>* stream) override;
  grpc::Status StreamedGetTrustBundle(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<dev::sigstore::fulcio::v2::GetTrustBundleRequest,
                                dev::sigstore::fulcio::v2::TrustBundle>* stream) override;
  grpc::Status StreamedGetConfiguration(
      grpc::ServerContext* context,
      grpc::ServerUnaryStreamer<dev::sigstore::fulcio::v2::GetConfigurationRequest,
                                dev::sigstore::fulcio::v2::Configuration>* stream) override;

 private:
  const signer::CaService* const service_;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_CA_GRPC_H_
