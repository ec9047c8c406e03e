// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status.h"
#include "grpcpp/grpcpp.h"
#include "httplib.h"
#include "log/entry/entry.h"
#include "log/entry/rekor_v2.h"
#include "log/tiles.h"
#include "nlohmann/json.hpp"
#include "proto/vouch/log.grpc.pb.h"
#include "server/status_map.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

using json = nlohmann::json;

std::vector<std::string> SearchKeys(const IndexKeys& keys) {
  std::vector<std::string> out;
  for (const auto& h : keys.artifact_hashes) out.push_back("artifact:" + h);
  for (const auto& h : keys.public_key_hashes) out.push_back("pubkey:" + h);
  for (const auto& i : keys.identities) out.push_back("identity:" + i);
  return out;
}

// Accepts a 64-hex UUID or Rekor's 80-hex "<treeID><uuid>" form.
absl::StatusOr<Hash> ParseUuid(absl::string_view text, absl::string_view field) {
  if (text.size() == 80) text.remove_prefix(16);
  if (text.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": UUID must be 64 hex characters, got ", text.size()));
  }
  auto h = HashFromHex(absl::AsciiStrToLower(text));
  if (!h.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": not hex"));
  return *h;
}

absl::StatusOr<uint64_t> ParseUint(const std::string& text, absl::string_view field) {
  uint64_t v = 0;
  if (text.empty() || !absl::SimpleAtoi(text, &v) || text[0] == '-' || text[0] == '+') {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": want a non-negative integer, got \"", text.substr(0, 40), "\""));
  }
  return v;
}

void SendError(httplib::Response& res, const absl::Status& s) {
  const int code = server::HttpStatusFor(s);
  res.status = code;
  res.set_content(server::ErrorJson(code, std::string(s.message())), "application/json");
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

std::vector<std::string> HexHashes(const std::vector<Hash>& hashes) {
  std::vector<std::string> out;
  out.reserve(hashes.size());
  for (const Hash& h : hashes) out.push_back(HashToHex(h));
  return out;
}

// The search index key for a /api/v1/index/retrieve or gRPC search request.
absl::StatusOr<std::string> HashKey(std::string hash, absl::string_view field) {
  hash = absl::AsciiStrToLower(hash);
  if (!absl::StrContains(hash, ':')) hash = "sha256:" + hash;
  const size_t colon = hash.find(':');
  const std::string alg = hash.substr(0, colon);
  const std::string hex = hash.substr(colon + 1);
  const size_t want = alg == "sha256" ? 64 : alg == "sha384" ? 96 : alg == "sha512" ? 128 : 0;
  if (want == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": unsupported algorithm \"", alg, "\""));
  }
  if (hex.size() != want || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": want ", want, " hex characters for ", alg));
  }
  return "artifact:" + hash;
}

absl::StatusOr<std::string> PublicKeyKey(absl::string_view pem, absl::string_view field) {
  std::string der;
  if (absl::StrContains(pem, "CERTIFICATE")) {
    auto v = signer::OpenSslVerifier::FromCertificate(pem);
    if (!v.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", v.status().message()));
    der = (*v)->PublicKeyDer();
  } else {
    auto d = signer::PemToDer(pem, "PUBLIC KEY");
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", d.status().message()));
    der = *d;
  }
  return "pubkey:sha256:" + absl::BytesToHexString(signer::Sha256(der));
}

// Every route RecordRequest is called with (others still work, through a registry lookup).
constexpr const char* kRoutes[] = {"grpc:CreateEntry",
                                   "POST /api/v1/log/entries",
                                   "POST /api/v2/log/entries",
                                   "GET /api/v1/log/entries",
                                   "GET /api/v1/log/entries/{uuid}",
                                   "POST /api/v1/log/entries/retrieve",
                                   "POST /api/v1/index/retrieve",
                                   "GET /api/v1/log",
                                   "GET /api/v1/log/proof",
                                   "GET /tile"};

}  // namespace

// CreateEntry uses gRPC's callback API: the request is checked on the gRPC thread that read it,
// handed to the sequencer, and answered from the log's completion threads, so no thread is parked
// per pending append (with the sync API, 64 concurrent appends held 64 threads and cost ~230 us
// of CPU per append in thread hand-offs; docs/benchmarks.md). The read methods stay synchronous.
class LogService::GrpcImpl final
    : public vouch::log::v1::Log::WithCallbackMethod_CreateEntry<vouch::log::v1::Log::Service> {
 public:
  explicit GrpcImpl(LogService* service) : service_(service) {}

  void FillEntry(const EntryWithProof& e, v1::LogEntry* out) {
    out->set_uuid(HashToHex(e.entry.leaf_hash));
    out->set_log_index(e.entry.index);
    out->set_integrated_time(e.entry.integrated_time);
    out->set_log_id(service_->log_->log_id());
    out->set_body(e.entry.body);
    out->set_signed_entry_timestamp(e.entry.set);
    auto* p = out->mutable_inclusion_proof();
    p->set_log_index(e.entry.index);
    p->set_root_hash(HashBytes(e.root));
    p->set_tree_size(e.tree_size);
    for (const Hash& h : e.proof) p->add_hashes(HashBytes(h));
    p->set_checkpoint(e.checkpoint);
  }

  grpc::ServerUnaryReactor* CreateEntry(grpc::CallbackServerContext* ctx,
                                        const v1::CreateEntryRequest* req,
                                        v1::LogEntry* resp) override {
    const absl::Time start = absl::Now();
    grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
    service_->CreateEntryAsync(req->proposed_entry(),
                               [this, reactor, resp, start](absl::StatusOr<EntryWithProof> e) {
                                 service_->RecordRequest("grpc:CreateEntry", e.status(), start);
                                 if (!e.ok()) {
                                   reactor->Finish(server::ToGrpcStatus(e.status()));
                                   return;
                                 }
                                 FillEntry(*e, resp);
                                 reactor->Finish(grpc::Status::OK);
                               });
    return reactor;
  }

  grpc::Status GetEntry(grpc::ServerContext*, const v1::GetEntryRequest* req,
                        v1::LogEntry* resp) override {
    absl::StatusOr<EntryWithProof> e;
    if (req->key_case() == v1::GetEntryRequest::kUuid) {
      auto h = ParseUuid(req->uuid(), "uuid");
      if (!h.ok()) return server::ToGrpcStatus(h.status());
      e = service_->log_->GetByLeafHash(*h);
    } else if (req->key_case() == v1::GetEntryRequest::kLogIndex) {
      e = service_->log_->GetByIndex(req->log_index());
    } else {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "key: set log_index or uuid");
    }
    if (!e.ok()) return server::ToGrpcStatus(e.status());
    FillEntry(*e, resp);
    return grpc::Status::OK;
  }

  grpc::Status GetLogInfo(grpc::ServerContext*, const v1::GetLogInfoRequest*,
                          v1::LogInfo* resp) override {
    const TreeState s = service_->log_->Latest();
    resp->set_tree_size(s.size);
    resp->set_root_hash(HashBytes(s.root));
    resp->set_checkpoint(s.checkpoint);
    resp->set_log_id(service_->log_->log_id());
    return grpc::Status::OK;
  }

  grpc::Status GetConsistencyProof(grpc::ServerContext*, const v1::GetConsistencyProofRequest* req,
                                   v1::ConsistencyProof* resp) override {
    const TreeState s = service_->log_->Latest();
    const uint64_t last = req->last_size() == 0 ? s.size : req->last_size();
    auto proof = service_->log_->ConsistencyProof(req->first_size(), last);
    if (!proof.ok()) return server::ToGrpcStatus(proof.status());
    for (const Hash& h : *proof) resp->add_hashes(HashBytes(h));
    resp->set_root_hash(HashBytes(s.root));
    return grpc::Status::OK;
  }

  grpc::Status Search(grpc::ServerContext*, const v1::SearchRequest* req,
                      v1::SearchResponse* resp) override {
    absl::StatusOr<std::string> key;
    if (!req->artifact_hash().empty()) {
      key = HashKey(req->artifact_hash(), "artifact_hash");
    } else if (!req->public_key_pem().empty()) {
      key = PublicKeyKey(req->public_key_pem(), "public_key_pem");
    } else if (!req->identity().empty()) {
      key = "identity:" + (absl::StrContains(req->identity(), '@')
                               ? absl::AsciiStrToLower(req->identity())
                               : req->identity());
    } else {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "set one of artifact_hash, public_key_pem, identity");
    }
    if (!key.ok()) return server::ToGrpcStatus(key.status());
    const size_t limit = req->limit() == 0
                             ? service_->options_.max_results
                             : std::min<size_t>(req->limit(), service_->options_.max_results);
    auto found = service_->log_->Search(*key, limit);
    if (!found.ok()) return server::ToGrpcStatus(found.status());
    for (uint64_t i : *found) {
      auto e = service_->log_->GetByIndex(i);
      if (e.ok()) resp->add_uuids(HashToHex(e->entry.leaf_hash));
    }
    return grpc::Status::OK;
  }

 private:
  LogService* service_;
};

LogService::LogService(Log* log, Metrics* metrics, const LogServiceOptions& options)
    : log_(log), metrics_(metrics), options_(options), grpc_(new GrpcImpl(this)) {}

LogService::~LogService() = default;

absl::StatusOr<std::unique_ptr<LogService>> LogService::New(Log* log, Metrics* metrics,
                                                            const LogServiceOptions& options) {
  std::unique_ptr<LogService> s(new LogService(log, metrics, options));
  for (const char* route : kRoutes) {
    RouteCells& cells = s->routes_[route];
    cells.requests =
        metrics->Counter("vouch_requests_total", "Requests by route.", {{"route", route}});
    const absl::string_view r = route;
    if (r == "grpc:CreateEntry" || r == "POST /api/v1/log/entries") {
      cells.append_seconds =
          metrics->Histogram("vouch_append_seconds", "Append latency (accepted to durable).",
                             {{"api", r == "grpc:CreateEntry" ? "grpc" : "http"}});
    }
  }
  metrics->Gauge("vouch_log_tree_size", "Entries in the log (latest checkpoint).",
                 [log] { return static_cast<double>(log->stats().tree_size); });
  metrics->Gauge("vouch_log_checkpoint_age_seconds", "Age of the latest signed checkpoint.", [log] {
    return static_cast<double>(absl::ToUnixSeconds(absl::Now()) - log->stats().checkpoint_time);
  });
  metrics->Gauge("vouch_log_batches_total", "Group commits.",
                 [log] { return static_cast<double>(log->stats().batches); });
  metrics->Gauge("vouch_log_last_batch_size", "Entries in the latest group commit.",
                 [log] { return static_cast<double>(log->stats().last_batch_size); });
  metrics->Gauge(
      "vouch_log_integrity_failures_total",
      "Stored entries, tiles or proofs found not to match the signed tree (reads, verifier).",
      [log] { return static_cast<double>(log->stats().integrity_failures); });
  return s;
}

grpc::Service* LogService::grpc_service() { return grpc_.get(); }

void LogService::RecordRequest(const std::string& route, const absl::Status& status,
                               absl::Time start) {
  // Known routes use the cells resolved in New(): a registry lookup takes its lock and builds
  // label maps, which showed at thousands of appends per second.
  auto it = routes_.find(route);
  const RouteCells cells =
      it != routes_.end() ? it->second
                          : RouteCells{metrics_->Counter("vouch_requests_total",
                                                         "Requests by route.", {{"route", route}}),
                                       nullptr};
  cells.requests->Add(1);
  if (cells.append_seconds != nullptr) {
    cells.append_seconds->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  }
  if (!status.ok()) {
    metrics_
        ->Counter("vouch_request_errors_total", "Failed requests by route and code.",
                  {{"route", route}, {"code", absl::StatusCodeToString(status.code())}})
        ->Add(1);
  }
}

absl::StatusOr<NewEntry> LogService::CheckProposed(absl::string_view proposed_json) {
  if (proposed_json.size() > options_.max_entry_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("proposed entry is ", proposed_json.size(),
                                                   " bytes, larger than the limit of ",
                                                   options_.max_entry_bytes));
  }
  VOUCH_ASSIGN_OR_RETURN(PreparedEntry prepared, PrepareEntry(proposed_json));
  VOUCH_RETURN_IF_ERROR(VerifyEntry(prepared));
  NewEntry e;
  e.keys = SearchKeys(prepared.entry.keys);
  e.body = std::move(prepared.entry.body);
  return e;
}

absl::StatusOr<EntryWithProof> LogService::CreateEntry(absl::string_view proposed_json) {
  VOUCH_ASSIGN_OR_RETURN(NewEntry e, CheckProposed(proposed_json));
  return log_->Append(std::move(e));
}

void LogService::CreateEntryAsync(absl::string_view proposed_json, Log::AppendCallback done) {
  absl::StatusOr<NewEntry> e = CheckProposed(proposed_json);
  if (!e.ok()) {
    done(e.status());
    return;
  }
  log_->AppendAsync(*std::move(e), std::move(done));
}

std::string LogService::EntryJson(const EntryWithProof& e) const {
  json entry = {{"body", absl::Base64Escape(e.entry.body)},
                {"integratedTime", e.entry.integrated_time},
                {"logID", log_->log_id_hex()},
                {"logIndex", e.entry.index},
                {"verification",
                 {{"inclusionProof",
                   {{"checkpoint", e.checkpoint},
                    {"hashes", HexHashes(e.proof)},
                    {"logIndex", e.entry.index},
                    {"rootHash", HashToHex(e.root)},
                    {"treeSize", e.tree_size}}},
                  {"signedEntryTimestamp", absl::Base64Escape(e.entry.set)}}}};
  json out = {{HashToHex(e.entry.leaf_hash), entry}};
  return out.dump();
}

void LogService::RegisterHttp(httplib::Server& server) {
  // POST /api/v1/log/entries: append a proposed entry.
  server.Post("/api/v1/log/entries", [this](const httplib::Request& req, httplib::Response& res) {
    const absl::Time start = absl::Now();
    auto e = CreateEntry(req.body);
    RecordRequest("POST /api/v1/log/entries", e.status(), start);
    if (e.ok()) {
      const std::string uuid = HashToHex(e->entry.leaf_hash);
      res.status = 201;
      res.set_header("Location", "/api/v1/log/entries/" + uuid);
      res.set_header("ETag", uuid);
      res.set_content(EntryJson(*e), "application/json");
      return;
    }
    if (e.status().code() == absl::StatusCode::kAlreadyExists) {
      // Name the existing entry, as Rekor does.
      auto prepared = PrepareEntry(req.body);
      if (prepared.ok()) {
        const std::string uuid = HashToHex(HashLeaf(prepared->entry.body));
        res.status = 409;
        res.set_header("Location", "/api/v1/log/entries/" + uuid);
        res.set_content(
            server::ErrorJson(409, absl::StrCat("an equivalent entry already exists in the "
                                                "transparency log with UUID ",
                                                uuid)),
            "application/json");
        return;
      }
    }
    SendError(res, e.status());
  });

  // POST /api/v2/log/entries: Rekor v2 (rekor-tiles) CreateEntryRequest, answered with a
  // proto3-JSON TransparencyLogEntry.
  server.Post("/api/v2/log/entries", [this](const httplib::Request& req, httplib::Response& res) {
    const absl::Time start = absl::Now();
    absl::StatusOr<EntryWithProof> e;
    std::string kind;
    auto prepared = PrepareV2Entry(req.body);
    if (!prepared.ok()) {
      e = prepared.status();
    } else {
      kind = EntryKindName(prepared->entry.kind);
      absl::Status verified = VerifyEntry(*prepared);
      if (!verified.ok()) {
        e = verified;
      } else {
        NewEntry ne;
        ne.keys = SearchKeys(prepared->entry.keys);
        ne.body = prepared->entry.body;
        e = log_->Append(std::move(ne));
      }
    }
    RecordRequest("POST /api/v2/log/entries", e.status(), start);
    if (!e.ok()) return SendError(res, e.status());
    V2EntryView v;
    v.index = e->entry.index;
    v.body = e->entry.body;
    v.log_id = log_->log_id();
    v.tree_size = e->tree_size;
    v.root = HashBytes(e->root);
    for (const Hash& h : e->proof) v.proof.push_back(HashBytes(h));
    v.checkpoint = e->checkpoint;
    v.kind = kind;
    res.status = 201;
    res.set_content(TransparencyLogEntryV2Json(v), "application/json");
  });

  // GET /api/v1/log/entries?logIndex=N
  server.Get("/api/v1/log/entries", [this](const httplib::Request& req, httplib::Response& res) {
    RecordRequest("GET /api/v1/log/entries", absl::OkStatus(), absl::Now());
    if (!req.has_param("logIndex")) {
      SendError(res, absl::InvalidArgumentError("logIndex: query parameter is required"));
      return;
    }
    auto index = ParseUint(req.get_param_value("logIndex"), "logIndex");
    if (!index.ok()) return SendError(res, index.status());
    auto e = log_->GetByIndex(*index);
    if (!e.ok()) return SendError(res, e.status());
    res.set_content(EntryJson(*e), "application/json");
  });

  // GET /api/v1/log/entries/{uuid}
  server.Get(R"(/api/v1/log/entries/([^/]+))",
             [this](const httplib::Request& req, httplib::Response& res) {
               RecordRequest("GET /api/v1/log/entries/{uuid}", absl::OkStatus(), absl::Now());
               auto h = ParseUuid(req.matches[1].str(), "entryUUID");
               if (!h.ok()) return SendError(res, h.status());
               auto e = log_->GetByLeafHash(*h);
               if (!e.ok()) return SendError(res, e.status());
               res.set_content(EntryJson(*e), "application/json");
             });

  // POST /api/v1/log/entries/retrieve {entryUUIDs, logIndexes, entries}
  server.Post("/api/v1/log/entries/retrieve", [this](const httplib::Request& req,
                                                     httplib::Response& res) {
    RecordRequest("POST /api/v1/log/entries/retrieve", absl::OkStatus(), absl::Now());
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return SendError(res, absl::InvalidArgumentError("body: not a JSON object"));
    }
    json out = json::array();
    size_t total = 0;
    if (body.contains("entryUUIDs")) {
      const json& uuids = body["entryUUIDs"];
      if (!uuids.is_array())
        return SendError(res, absl::InvalidArgumentError("entryUUIDs: not an array"));
      for (size_t i = 0; i < uuids.size(); ++i) {
        if (++total > options_.max_results) {
          return SendError(res, absl::InvalidArgumentError(absl::StrCat(
                                    "at most ", options_.max_results, " entries per request")));
        }
        if (!uuids[i].is_string()) {
          return SendError(
              res, absl::InvalidArgumentError(absl::StrCat("entryUUIDs[", i, "]: not a string")));
        }
        auto h = ParseUuid(uuids[i].get<std::string>(), absl::StrCat("entryUUIDs[", i, "]"));
        if (!h.ok()) return SendError(res, h.status());
        auto e = log_->GetByLeafHash(*h);
        if (e.ok()) out.push_back(json::parse(EntryJson(*e)));
      }
    }
    if (body.contains("logIndexes")) {
      const json& idx = body["logIndexes"];
      if (!idx.is_array())
        return SendError(res, absl::InvalidArgumentError("logIndexes: not an array"));
      for (size_t i = 0; i < idx.size(); ++i) {
        if (++total > options_.max_results) {
          return SendError(res, absl::InvalidArgumentError(absl::StrCat(
                                    "at most ", options_.max_results, " entries per request")));
        }
        if (!idx[i].is_number_unsigned()) {
          return SendError(res, absl::InvalidArgumentError(absl::StrCat(
                                    "logIndexes[", i, "]: not a non-negative integer")));
        }
        auto e = log_->GetByIndex(idx[i].get<uint64_t>());
        if (e.ok()) out.push_back(json::parse(EntryJson(*e)));
      }
    }
    if (body.contains("entries")) {
      const json& entries = body["entries"];
      if (!entries.is_array())
        return SendError(res, absl::InvalidArgumentError("entries: not an array"));
      for (size_t i = 0; i < entries.size(); ++i) {
        if (++total > options_.max_results) {
          return SendError(res, absl::InvalidArgumentError(absl::StrCat(
                                    "at most ", options_.max_results, " entries per request")));
        }
        auto prepared = PrepareEntry(entries[i].dump());
        if (!prepared.ok()) {
          return SendError(res, Annotate(prepared.status(), absl::StrCat("entries[", i, "]")));
        }
        auto e = log_->GetByLeafHash(HashLeaf(prepared->entry.body));
        if (e.ok()) out.push_back(json::parse(EntryJson(*e)));
      }
    }
    SendJson(res, 200, out);
  });

  // POST /api/v1/index/retrieve {hash | publicKey{format,content} | email}
  server.Post("/api/v1/index/retrieve", [this](const httplib::Request& req,
                                               httplib::Response& res) {
    RecordRequest("POST /api/v1/index/retrieve", absl::OkStatus(), absl::Now());
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return SendError(res, absl::InvalidArgumentError("body: not a JSON object"));
    }
    std::vector<std::string> keys;
    if (body.contains("hash")) {
      if (!body["hash"].is_string())
        return SendError(res, absl::InvalidArgumentError("hash: not a string"));
      auto k = HashKey(body["hash"].get<std::string>(), "hash");
      if (!k.ok()) return SendError(res, k.status());
      keys.push_back(*k);
    }
    if (body.contains("publicKey")) {
      const json& pk = body["publicKey"];
      if (!pk.is_object() || !pk.contains("content") || !pk["content"].is_string()) {
        return SendError(res, absl::InvalidArgumentError("publicKey.content: required string"));
      }
      if (pk.contains("format") &&
          (!pk["format"].is_string() || (pk["format"] != "x509" && pk["format"] != "pkix"))) {
        return SendError(res,
                         absl::InvalidArgumentError(
                             "publicKey.format: only x509 (PEM key or certificate) is supported"));
      }
      std::string pem;
      if (!absl::Base64Unescape(pk["content"].get<std::string>(), &pem)) {
        return SendError(res, absl::InvalidArgumentError("publicKey.content: bad base64"));
      }
      auto k = PublicKeyKey(pem, "publicKey.content");
      if (!k.ok()) return SendError(res, k.status());
      keys.push_back(*k);
    }
    if (body.contains("email")) {
      if (!body["email"].is_string())
        return SendError(res, absl::InvalidArgumentError("email: not a string"));
      keys.push_back("identity:" + absl::AsciiStrToLower(body["email"].get<std::string>()));
    }
    if (keys.empty()) {
      return SendError(res, absl::InvalidArgumentError("body: set one of hash, publicKey, email"));
    }
    // Several criteria: entries matching all of them (Rekor's default "and").
    std::vector<uint64_t> result;
    for (size_t i = 0; i < keys.size(); ++i) {
      auto found = log_->Search(keys[i], options_.max_results);
      if (!found.ok()) return SendError(res, found.status());
      if (i == 0) {
        result = *found;
      } else {
        std::vector<uint64_t> both;
        std::set_intersection(result.begin(), result.end(), found->begin(), found->end(),
                              std::back_inserter(both));
        result = both;
      }
    }
    json out = json::array();
    for (uint64_t i : result) {
      auto e = log_->GetByIndex(i);
      if (e.ok()) out.push_back(HashToHex(e->entry.leaf_hash));
    }
    SendJson(res, 200, out);
  });

  // GET /api/v1/log
  server.Get("/api/v1/log", [this](const httplib::Request&, httplib::Response& res) {
    RecordRequest("GET /api/v1/log", absl::OkStatus(), absl::Now());
    const TreeState s = log_->Latest();
    json out = {{"rootHash", HashToHex(s.root)},
                {"treeSize", s.size},
                {"signedTreeHead", s.checkpoint},
                {"treeID", log_->log_id_hex().substr(0, 16)},
                {"inactiveShards", json::array()}};
    SendJson(res, 200, out);
  });

  // GET /api/v1/log/proof?firstSize=M&lastSize=N
  server.Get("/api/v1/log/proof", [this](const httplib::Request& req, httplib::Response& res) {
    RecordRequest("GET /api/v1/log/proof", absl::OkStatus(), absl::Now());
    const TreeState s = log_->Latest();
    uint64_t first = 1, last = s.size;
    if (req.has_param("firstSize")) {
      auto v = ParseUint(req.get_param_value("firstSize"), "firstSize");
      if (!v.ok()) return SendError(res, v.status());
      first = *v;
    }
    if (req.has_param("lastSize")) {
      auto v = ParseUint(req.get_param_value("lastSize"), "lastSize");
      if (!v.ok()) return SendError(res, v.status());
      last = *v;
    }
    auto proof = log_->ConsistencyProof(first, last);
    if (!proof.ok()) return SendError(res, proof.status());
    json out = {{"rootHash", HashToHex(s.root)}, {"hashes", HexHashes(*proof)}};
    SendJson(res, 200, out);
  });

  // GET /api/v1/log/publicKey
  server.Get("/api/v1/log/publicKey", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(signer::PublicKeyDerToPem(log_->key().PublicKeyDer()),
                    "application/x-pem-file");
  });

  // C2SP tlog-tiles: /checkpoint, /tile/L/N[.p/W], /tile/entries/N[.p/W].
  server.Get("/checkpoint", [this](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(log_->Latest().checkpoint, "text/plain; charset=utf-8");
  });
  server.Get(R"(/tile/.*)", [this](const httplib::Request& req, httplib::Response& res) {
    RecordRequest("GET /tile", absl::OkStatus(), absl::Now());
    const bool entries = absl::StartsWith(req.path, "/tile/entries/");
    auto tile = entries ? ParseEntriesPath(req.path) : ParseTilePath(req.path);
    if (!tile.ok()) return SendError(res, tile.status());
    auto data = entries ? log_->EntryBundle(tile->index, tile->width)
                        : log_->TileData(tile->level, tile->index, tile->width);
    if (!data.ok()) return SendError(res, data.status());
    // Full and partial tiles never change once served.
    res.set_header("Cache-Control", "public, max-age=31536000, immutable");
    res.set_content(*data, "application/octet-stream");
  });

  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_->Render(), "text/plain; version=0.0.4");
  });
}

}  // namespace vouch::log
