// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/log_http.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "log/entry/rekor_v2.h"
#include "log/hash.h"
#include "log/tiles.h"
#include "nlohmann/json.hpp"
#include "server/http_adapter.h"
#include "server/route_metrics.h"

namespace vouch::server {
namespace {

using json = nlohmann::json;
using http::Exec;
using http::Request;
using http::Respond;
using http::Response;

absl::StatusOr<uint64_t> ParseUint(const std::string& text, absl::string_view field) {
  uint64_t v = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &v) || text[0] == '-' || text[0] == '+') {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": want a non-negative integer, got \"", text.substr(0, 40), "\""));
  }
  return v;
}

Response BadRequest(absl::string_view message) {
  return ErrorResponse(absl::InvalidArgumentError(message));
}

std::vector<std::string> HexHashes(const std::vector<log::Hash>& hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const log::Hash& h : hashes) out.push_back(log::HashToHex(h));
  return out;
}

// The value of a Rekor v1 LogEntry: {"body", "integratedTime", "logID", "logIndex",
// "verification": {"inclusionProof", "signedEntryTimestamp"}}.
json EntryValue(const log::EntryWithProof& e, const std::string& log_id_hex) {
  return {{"body", absl::Base64Escape(e.entry.body)},
          {"integratedTime", e.entry.integrated_time},
          {"logID", log_id_hex},
          {"logIndex", e.entry.index},
          {"verification",
           {{"inclusionProof",
             {{"checkpoint", e.checkpoint},
              {"hashes", HexHashes(e.proof)},
              {"logIndex", e.entry.index},
              {"rootHash", log::HashToHex(e.root)},
              {"treeSize", e.tree_size}}},
            {"signedEntryTimestamp", absl::Base64Escape(e.entry.set)}}}};
}

// A Rekor v1 LogEntry: {"<uuid>": EntryValue}.
json EntryObject(const log::EntryWithProof& e, const std::string& log_id_hex) {
  return {{log::HashToHex(e.entry.leaf_hash), EntryValue(e, log_id_hex)}};
}

Response EntryResponse(int status, const log::EntryWithProof& e, const std::string& log_id_hex) {
  return Response::Json(status, EntryObject(e, log_id_hex).dump());
}

// POST /api/v1/log/entries: append a Rekor v1 proposed entry.
void AppendV1(log::LogService* service, std::shared_ptr<const RouteMetrics> metrics,
              size_t max_body_bytes, const Request& req, Respond respond) {
  const absl::Time start = absl::Now();
  if (auto too_big = CheckBodySize(req, max_body_bytes)) {
    respond(*std::move(too_big));
    return;
  }
  service->CreateEntryAsync(
      log::CreateEntryRequest{req.body},
      [service, metrics = std::move(metrics), start,
       respond = std::move(respond)](absl::StatusOr<log::EntryWithProof> e) {
        metrics->Record(e.status(), start);
        if (e.ok()) {
          const std::string uuid = log::HashToHex(e->entry.leaf_hash);
          Response res = EntryResponse(201, *e, service->log_id_hex());
          res.headers.Set("Location", "/api/v1/log/entries/" + uuid);
          res.headers.Set("ETag", uuid);
          respond(std::move(res));
          return;
        }
        if (std::optional<log::Hash> existing = log::ExistingEntryLeaf(e.status())) {
          // Name the existing entry, as Rekor does.
          const std::string uuid = log::HashToHex(*existing);
          Response res = Response::Error(
              409, absl::StrCat("an equivalent entry already exists in the transparency log "
                                "with UUID ",
                                uuid));
          res.headers.Set("Location", "/api/v1/log/entries/" + uuid);
          respond(std::move(res));
          return;
        }
        respond(ErrorResponse(e.status()));
      });
}

// POST /api/v2/log/entries: Rekor v2 (rekor-tiles) CreateEntryRequest, answered with a
// proto3-JSON TransparencyLogEntry.
void AppendV2(log::LogService* service, std::shared_ptr<const RouteMetrics> metrics,
              size_t max_body_bytes, const Request& req, Respond respond) {
  const absl::Time start = absl::Now();
  if (auto too_big = CheckBodySize(req, max_body_bytes)) {
    respond(*std::move(too_big));
    return;
  }
  service->CreateEntryV2Async(
      log::CreateEntryV2Request{req.body},
      [service, metrics = std::move(metrics), start,
       respond = std::move(respond)](absl::StatusOr<log::CreatedV2Entry> created) {
        metrics->Record(created.status(), start);
        if (!created.ok()) {
          respond(ErrorResponse(created.status()));
          return;
        }
        const log::EntryWithProof& e = created->entry;
        log::V2EntryView v;
        v.index = e.entry.index;
        v.body = e.entry.body;
        v.log_id = service->log_id();
        v.tree_size = e.tree_size;
        v.root = log::HashBytes(e.root);
        for (const log::Hash& h : e.proof) v.proof.push_back(log::HashBytes(h));
        v.checkpoint = e.checkpoint;
        v.kind = created->kind;
        respond(Response::Json(201, log::TransparencyLogEntryV2Json(v)));
      });
}

// POST /api/v1/log/entries/retrieve {entryUUIDs, logIndexes, entries}
Response Retrieve(log::LogService* service, const Request& req) {
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return BadRequest("body: not a JSON object");
  const size_t max = service->options().max_results;
  const auto too_many = [max] {
    return BadRequest(absl::StrCat("at most ", max, " entries per request"));
  };
  log::RetrieveEntriesRequest r;
  size_t total = 0;
  if (body.contains("entryUUIDs")) {
    const json& uuids = body["entryUUIDs"];
    if (!uuids.is_array()) return BadRequest("entryUUIDs: not an array");
    for (size_t i = 0; i < uuids.size(); ++i) {
      if (++total > max) return too_many();
      if (!uuids[i].is_string()) {
        return BadRequest(absl::StrCat("entryUUIDs[", i, "]: not a string"));
      }
      auto h =
          log::ParseEntryUuid(uuids[i].get<std::string>(), absl::StrCat("entryUUIDs[", i, "]"));
      if (!h.ok()) return ErrorResponse(h.status());
      r.uuids.push_back(*h);
    }
  }
  if (body.contains("logIndexes")) {
    const json& indexes = body["logIndexes"];
    if (!indexes.is_array()) return BadRequest("logIndexes: not an array");
    for (size_t i = 0; i < indexes.size(); ++i) {
      if (++total > max) return too_many();
      if (!indexes[i].is_number_unsigned()) {
        return BadRequest(absl::StrCat("logIndexes[", i, "]: not a non-negative integer"));
      }
      r.log_indexes.push_back(indexes[i].get<uint64_t>());
    }
  }
  if (body.contains("entries")) {
    const json& entries = body["entries"];
    if (!entries.is_array()) return BadRequest("entries: not an array");
    // Counted against the limit, and parsed, by the service.
    for (const json& e : entries) r.entries.push_back(e.dump());
  }
  auto found = service->RetrieveEntries(r);
  if (!found.ok()) return ErrorResponse(found.status());
  json out = json::array();
  for (const log::EntryWithProof& e : found->entries) {
    out.push_back(EntryObject(e, service->log_id_hex()));
  }
  return JsonResponse(200, out);
}

// POST /api/v1/index/retrieve {hash | publicKey{format,content} | email}
Response IndexRetrieve(log::LogService* service, const Request& req) {
  const json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return BadRequest("body: not a JSON object");
  log::SearchRequest search;
  if (body.contains("hash")) {
    if (!body["hash"].is_string()) return BadRequest("hash: not a string");
    auto k = log::SearchKey::ArtifactHash(body["hash"].get<std::string>(), "hash");
    if (!k.ok()) return ErrorResponse(k.status());
    search.keys.push_back(*std::move(k));
  }
  if (body.contains("publicKey")) {
    const json& pk = body["publicKey"];
    if (!pk.is_object() || !pk.contains("content") || !pk["content"].is_string()) {
      return BadRequest("publicKey.content: required string");
    }
    if (pk.contains("format") &&
        (!pk["format"].is_string() || (pk["format"] != "x509" && pk["format"] != "pkix"))) {
      return BadRequest("publicKey.format: only x509 (PEM key or certificate) is supported");
    }
    std::string pem;
    if (!absl::Base64Unescape(pk["content"].get<std::string>(), &pem)) {
      return BadRequest("publicKey.content: bad base64");
    }
    auto k = log::SearchKey::PublicKey(pem, "publicKey.content");
    if (!k.ok()) return ErrorResponse(k.status());
    search.keys.push_back(*std::move(k));
  }
  if (body.contains("email")) {
    if (!body["email"].is_string()) return BadRequest("email: not a string");
    search.keys.push_back(
        log::SearchKey::Identity(absl::AsciiStrToLower(body["email"].get<std::string>())));
  }
  if (search.keys.empty()) return BadRequest("body: set one of hash, publicKey, email");
  auto found = service->Search(search);
  if (!found.ok()) return ErrorResponse(found.status());
  return JsonResponse(200, HexHashes(found->uuids));
}

// GET /api/v1/log/proof?firstSize=M&lastSize=N
Response Proof(log::LogService* service, const Request& req) {
  log::ConsistencyProofRequest r;
  r.first_size = 1;
  if (auto first = req.Query("firstSize")) {
    auto v = ParseUint(*first, "firstSize");
    if (!v.ok()) return ErrorResponse(v.status());
    r.first_size = *v;
  }
  if (auto last = req.Query("lastSize")) {
    auto v = ParseUint(*last, "lastSize");
    if (!v.ok()) return ErrorResponse(v.status());
    r.last_size = *v;
  }
  auto proof = service->GetConsistencyProof(r);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return JsonResponse(
      200, {{"rootHash", log::HashToHex(proof->root)}, {"hashes", HexHashes(proof->hashes)}});
}

// GET /tile/L/N[.p/W] and /tile/entries/N[.p/W]
Response Tile(log::LogService* service, const Request& req) {
  if (!absl::StartsWith(req.path, "/tile/"))
    return Response::Error(404, "no such path: " + req.path);
  log::TileRequest r;
  r.entry_bundle = absl::StartsWith(req.path, "/tile/entries/");
  auto tile = r.entry_bundle ? log::ParseEntriesPath(req.path) : log::ParseTilePath(req.path);
  if (!tile.ok()) return ErrorResponse(tile.status());
  r.tile = *tile;
  auto data = service->GetTile(r);
  if (!data.ok()) return ErrorResponse(data.status());
  Response res = Response::Make(200, "application/octet-stream", *std::move(data));
  // Full and partial tiles never change once served.
  res.headers.Set("Cache-Control", "public, max-age=31536000, immutable");
  return res;
}

}  // namespace

void RegisterLogRoutes(log::LogService* service, Metrics* metrics, const LogHttpOptions& options,
                       http::Router* router) {
  {
    const size_t limit = options.max_body_bytes;
    router->HandleAsync(
        "POST", "/api/v1/log/entries",
        [service, limit,
         m = std::make_shared<const RouteMetrics>(metrics, "POST /api/v1/log/entries", "http")](
            const Request& req, Respond respond) {
          AppendV1(service, m, limit, req, std::move(respond));
        },
        Exec::kInline);
  }
  {
    const size_t limit = options.max_body_bytes;
    router->HandleAsync(
        "POST", "/api/v2/log/entries",
        [service, limit,
         m = std::make_shared<const RouteMetrics>(metrics, "POST /api/v2/log/entries", "http")](
            const Request& req, Respond respond) {
          AppendV2(service, m, limit, req, std::move(respond));
        },
        Exec::kInline);
  }
  {
    const RouteMetrics m(metrics, "GET /api/v1/log/entries");
    router->Handle("GET", "/api/v1/log/entries", [service, m](const Request& req) {
      m.Count();
      std::optional<std::string> text = req.Query("logIndex");
      if (!text.has_value()) return BadRequest("logIndex: query parameter is required");
      auto index = ParseUint(*text, "logIndex");
      if (!index.ok()) return ErrorResponse(index.status());
      log::GetEntryRequest r;
      r.log_index = *index;
      auto e = service->GetEntry(r);
      if (!e.ok()) return ErrorResponse(e.status());
      return EntryResponse(200, *e, service->log_id_hex());
    });
  }
  {
    const RouteMetrics m(metrics, "GET /api/v1/log/entries/{uuid}");
    router->Handle("GET", "/api/v1/log/entries/{uuid}", [service, m](const Request& req) {
      m.Count();
      auto uuid = log::ParseEntryUuid(req.path_params[0], "entryUUID");
      if (!uuid.ok()) return ErrorResponse(uuid.status());
      log::GetEntryRequest r;
      r.uuid = *uuid;
      auto e = service->GetEntry(r);
      if (!e.ok()) return ErrorResponse(e.status());
      return EntryResponse(200, *e, service->log_id_hex());
    });
  }
  {
    const RouteMetrics m(metrics, "POST /api/v1/log/entries/retrieve");
    const size_t limit = options.max_body_bytes;
    router->Handle("POST", "/api/v1/log/entries/retrieve", [service, m, limit](const Request& req) {
      m.Count();
      if (auto too_big = CheckBodySize(req, limit)) return *std::move(too_big);
      return Retrieve(service, req);
    });
  }
  {
    const RouteMetrics m(metrics, "POST /api/v1/index/retrieve");
    const size_t limit = options.max_body_bytes;
    router->Handle("POST", "/api/v1/index/retrieve", [service, m, limit](const Request& req) {
      m.Count();
      if (auto too_big = CheckBodySize(req, limit)) return *std::move(too_big);
      return IndexRetrieve(service, req);
    });
  }
  {
    const RouteMetrics m(metrics, "GET /api/v1/log");
    router->Handle(
        "GET", "/api/v1/log",
        [service, m](const Request&) {
          m.Count();
          const log::LogInfo info = service->GetLogInfo();
          return JsonResponse(200, {{"rootHash", log::HashToHex(info.root)},
                                    {"treeSize", info.tree_size},
                                    {"signedTreeHead", info.checkpoint},
                                    {"treeID", service->log_id_hex().substr(0, 16)},
                                    {"inactiveShards", json::array()}});
        },
        Exec::kInline);
  }
  {
    const RouteMetrics m(metrics, "GET /api/v1/log/proof");
    router->Handle("GET", "/api/v1/log/proof", [service, m](const Request& req) {
      m.Count();
      return Proof(service, req);
    });
  }
  router->Handle(
      "GET", "/api/v1/log/publicKey",
      [service](const Request&) {
        return Response::Make(200, "application/x-pem-file", service->GetPublicKeyPem());
      },
      Exec::kInline);
  // C2SP tlog-tiles.
  router->Handle(
      "GET", "/checkpoint",
      [service](const Request&) {
        Response res = Response::Make(200, "text/plain; charset=utf-8", service->GetCheckpoint());
        res.headers.Set("Cache-Control", "no-cache");
        return res;
      },
      Exec::kInline);
  {
    const RouteMetrics m(metrics, "GET /tile");
    router->Handle("GET", "/tile/*", [service, m](const Request& req) {
      m.Count();
      return Tile(service, req);
    });
  }
}

}  // namespace vouch::server
