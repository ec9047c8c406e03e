// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/ct_http.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "formats/ct.h"
#include "nlohmann/json.hpp"
#include "server/http_adapter.h"

namespace vouch::server {
namespace {

namespace ct = ::vouch::formats::ct;
using http::Request;
using http::Response;
using json = nlohmann::json;

std::string B64(absl::string_view bytes) {
  std::string out;
  absl::Base64Escape(bytes, &out);
  return out;
}

// Standard, padded base64 only (what Go's encoding/base64 and every CT client write).
bool Unbase64(absl::string_view in, std::string* out) {
  return absl::Base64Unescape(in, out) && B64(*out) == in;
}

json HashesJson(const std::vector<log::Hash>& hashes) {
  json out = json::array();
  for (const log::Hash& h : hashes) out.push_back(B64(log::HashBytes(h)));
  return out;
}

// A decimal query parameter; InvalidArgument naming it when missing or not a uint64.
absl::StatusOr<uint64_t> UintParam(const Request& req, absl::string_view name) {
  std::optional<std::string> v = req.Query(name);
  if (!v.has_value()) return absl::InvalidArgumentError(absl::StrCat(name, ": missing"));
  uint64_t n = 0;
  if (v->empty() || v->size() > 20 || v->find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(*v, &n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": want a non-negative decimal integer, got \"", v->substr(0, 32), "\""));
  }
  return n;
}

Response Sct(const absl::StatusOr<ct::SignedCertificateTimestamp>& sct) {
  if (!sct.ok()) return ErrorResponse(sct.status());
  absl::StatusOr<std::string> sig = ct::EncodeDigitallySigned(sct->signature);
  if (!sig.ok()) return ErrorResponse(sig.status());
  return JsonResponse(200, json{{"sct_version", 0},
                                {"id", B64(sct->log_id)},
                                {"timestamp", sct->timestamp},
                                {"extensions", B64(sct->extensions)},
                                {"signature", B64(*sig)}});
}

Response AddChain(log::CtLog* log, size_t limit, bool precertificate, const Request& req) {
  if (auto too_big = CheckBodySize(req, limit)) return *std::move(too_big);
  const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return ErrorResponse(absl::InvalidArgumentError("body: want a JSON object {\"chain\": [...]}"));
  }
  auto it = body.find("chain");
  if (it == body.end() || !it->is_array()) {
    return ErrorResponse(absl::InvalidArgumentError("chain: want an array of base64 certificates"));
  }
  std::vector<std::string> chain;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& c = (*it)[i];
    std::string der;
    if (!c.is_string() || !Unbase64(c.get<std::string>(), &der) || der.empty()) {
      return ErrorResponse(absl::InvalidArgumentError(
          absl::StrCat("chain[", i, "]: want a standard base64 DER certificate")));
    }
    chain.push_back(std::move(der));
  }
  return Sct(precertificate ? log->AddPreChain(chain) : log->AddChain(chain));
}

Response GetSth(log::CtLog* log) {
  absl::StatusOr<log::SignedTreeHead> sth = log->GetSth();
  if (!sth.ok()) return ErrorResponse(sth.status());
  absl::StatusOr<std::string> sig = ct::EncodeDigitallySigned(sth->signature);
  if (!sig.ok()) return ErrorResponse(sig.status());
  return JsonResponse(200, json{{"tree_size", sth->tree_size},
                                {"timestamp", sth->timestamp},
                                {"sha256_root_hash", B64(log::HashBytes(sth->root))},
                                {"tree_head_signature", B64(*sig)}});
}

Response GetConsistency(log::CtLog* log, const Request& req) {
  absl::StatusOr<uint64_t> first = UintParam(req, "first");
  if (!first.ok()) return ErrorResponse(first.status());
  absl::StatusOr<uint64_t> second = UintParam(req, "second");
  if (!second.ok()) return ErrorResponse(second.status());
  auto proof = log->GetSthConsistency(*first, *second);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return JsonResponse(200, json{{"consistency", HashesJson(*proof)}});
}

Response GetProofByHash(log::CtLog* log, const Request& req) {
  std::optional<std::string> hash_b64 = req.Query("hash");
  if (!hash_b64.has_value()) return ErrorResponse(absl::InvalidArgumentError("hash: missing"));
  // A '+' the client did not percent-encode arrives as a space; base64 has no spaces.
  std::string raw;
  if (!Unbase64(absl::StrReplaceAll(*hash_b64, {{" ", "+"}}), &raw) || raw.size() != 32) {
    return ErrorResponse(
        absl::InvalidArgumentError("hash: want the base64 of a 32-byte SHA-256 leaf hash"));
  }
  absl::StatusOr<uint64_t> tree_size = UintParam(req, "tree_size");
  if (!tree_size.ok()) return ErrorResponse(tree_size.status());
  auto proof = log->GetProofByHash(*log::HashFromBytes(raw), *tree_size);
  if (!proof.ok()) return ErrorResponse(proof.status());
  return JsonResponse(
      200, json{{"leaf_index", proof->leaf_index}, {"audit_path", HashesJson(proof->audit_path)}});
}

Response GetEntries(log::CtLog* log, const Request& req) {
  absl::StatusOr<uint64_t> start = UintParam(req, "start");
  if (!start.ok()) return ErrorResponse(start.status());
  absl::StatusOr<uint64_t> end = UintParam(req, "end");
  if (!end.ok()) return ErrorResponse(end.status());
  auto entries = log->GetEntries(*start, *end);
  if (!entries.ok()) return ErrorResponse(entries.status());
  json out = json::array();
  for (const log::CtEntry& e : *entries) {
    out.push_back(json{{"leaf_input", B64(e.leaf_input)}, {"extra_data", B64(e.extra_data)}});
  }
  return JsonResponse(200, json{{"entries", std::move(out)}});
}

Response GetEntryAndProof(log::CtLog* log, const Request& req) {
  absl::StatusOr<uint64_t> index = UintParam(req, "leaf_index");
  if (!index.ok()) return ErrorResponse(index.status());
  absl::StatusOr<uint64_t> tree_size = UintParam(req, "tree_size");
  if (!tree_size.ok()) return ErrorResponse(tree_size.status());
  auto got = log->GetEntryAndProof(*index, *tree_size);
  if (!got.ok()) return ErrorResponse(got.status());
  return JsonResponse(200, json{{"leaf_input", B64(got->first.leaf_input)},
                                {"extra_data", B64(got->first.extra_data)},
                                {"audit_path", HashesJson(got->second)}});
}

Response GetRoots(log::CtLog* log) {
  json certs = json::array();
  for (const std::string& der : log->GetRoots()) certs.push_back(B64(der));
  return JsonResponse(200, json{{"certificates", std::move(certs)}});
}

}  // namespace

void RegisterCtRoutes(log::CtLog* log, const CtHttpOptions& options, http::Router* router) {
  const size_t limit = options.max_body_bytes;
  router->Handle("POST", "/ct/v1/add-chain", [log, limit](const Request& req) {
    return AddChain(log, limit, /*precertificate=*/false, req);
  });
  router->Handle("POST", "/ct/v1/add-pre-chain", [log, limit](const Request& req) {
    return AddChain(log, limit, /*precertificate=*/true, req);
  });
  router->Handle("GET", "/ct/v1/get-sth", [log](const Request&) { return GetSth(log); });
  router->Handle("GET", "/ct/v1/get-sth-consistency",
                 [log](const Request& req) { return GetConsistency(log, req); });
  router->Handle("GET", "/ct/v1/get-proof-by-hash",
                 [log](const Request& req) { return GetProofByHash(log, req); });
  router->Handle("GET", "/ct/v1/get-entries",
                 [log](const Request& req) { return GetEntries(log, req); });
  router->Handle("GET", "/ct/v1/get-roots", [log](const Request&) { return GetRoots(log); });
  router->Handle("GET", "/ct/v1/get-entry-and-proof",
                 [log](const Request& req) { return GetEntryAndProof(log, req); });
}

}  // namespace vouch::server
