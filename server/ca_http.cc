// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/ca_http.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "proto/fulcio/fulcio.pb.h"
#include "server/http_adapter.h"
#include "signer/tsa.h"
#include "signer/x509.h"

namespace vouch::server {
namespace {

namespace fulcio = ::dev::sigstore::fulcio::v2;
using http::Exec;
using http::Request;
using http::Response;

// A Fulcio message as proto3 JSON (protobuf's default options, as Fulcio answers).
Response ProtoJsonResponse(int status, const google::protobuf::Message& msg) {
  std::string out;
  const auto printed = google::protobuf::util::MessageToJsonString(
      msg, &out, google::protobuf::util::JsonPrintOptions());
  if (!printed.ok()) return ErrorResponse(absl::InternalError(std::string(printed.message())));
  return Response::Json(status, std::move(out));
}

Response SigningCert(const signer::CaService* service, size_t limit, const Request& req) {
  if (auto too_big = CheckBodySize(req, limit)) return *std::move(too_big);
  fulcio::CreateSigningCertificateRequest request;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  const auto parsed = google::protobuf::util::JsonStringToMessage(req.body, &request, parse);
  if (!parsed.ok()) {
    return ErrorResponse(absl::InvalidArgumentError(
        absl::StrCat("malformed request: ", std::string(parsed.message()))));
  }
  auto result = service->CreateSigningCertificate(
      request, signer::BearerToken(req.headers.Get("Authorization").value_or("")));
  if (!result.ok()) return ErrorResponse(result.status());
  return ProtoJsonResponse(201, *result);
}

Response Timestamp(const signer::CaService* service, size_t limit, const Request& req) {
  if (auto too_big = CheckBodySize(req, limit)) return *std::move(too_big);
  const std::string type = absl::AsciiStrToLower(req.headers.Get("Content-Type").value_or(""));
  const bool is_json = absl::StartsWith(type, "application/json") ||
                       (!absl::StartsWith(type, "application/timestamp-query") &&
                        !req.body.empty() && req.body[0] == '{');
  std::string der;
  if (is_json) {
    auto built = signer::TimestampRequestFromJson(req.body);
    if (!built.ok()) return ErrorResponse(built.status());
    der = *std::move(built);
  }
  auto resp = service->Timestamp(is_json ? absl::string_view(der) : absl::string_view(req.body));
  if (!resp.ok()) return ErrorResponse(resp.status());
  return Response::Make(is_json ? 201 : 200, "application/timestamp-reply", *std::move(resp));
}

}  // namespace

void RegisterCaRoutes(const signer::CaService* service, const CaHttpOptions& options,
                      http::Router* router) {
  const size_t limit = options.max_body_bytes;
  router->Handle("POST", "/api/v2/signingCert",
                 [service, limit](const Request& req) { return SigningCert(service, limit, req); });
  router->Handle(
      "GET", "/api/v2/trustBundle",
      [service](const Request&) { return ProtoJsonResponse(200, service->GetTrustBundle()); },
      Exec::kInline);
  router->Handle(
      "GET", "/api/v2/configuration",
      [service](const Request&) { return ProtoJsonResponse(200, service->GetConfiguration()); },
      Exec::kInline);
  router->Handle("POST", "/api/v1/timestamp",
                 [service, limit](const Request& req) { return Timestamp(service, limit, req); });
  router->Handle(
      "GET", "/api/v1/timestamp/certchain",
      [service](const Request&) {
        auto chain = service->GetTimestampCertChain();
        if (!chain.ok()) return ErrorResponse(chain.status());
        return Response::Make(200, "application/pem-certificate-chain", signer::ChainToPem(*chain));
      },
      Exec::kInline);
  router->Handle(
      "GET", "/api/v1/trustedRoot",
      [service](const Request&) { return Response::Json(200, service->trusted_root_json()); },
      Exec::kInline);
  router->Handle(
      "GET", "/api/v1/signingConfig",
      [service](const Request&) { return Response::Json(200, service->signing_config_json()); },
      Exec::kInline);
}

}  // namespace vouch::server
