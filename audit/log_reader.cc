// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/log_reader.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "nlohmann/json.hpp"

namespace vouch::audit {
namespace {

using nlohmann::json;

constexpr uint64_t kRetrieveBatch = 1000;

absl::StatusOr<json> ParseBody(const std::string& what, const HttpResponse& r) {
  json j = json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::FailedPreconditionError(absl::StrCat(what, ": not JSON"));
  return j;
}

absl::StatusOr<log::Hash> HexHash(const json& v, const std::string& what) {
  if (!v.is_string()) return absl::FailedPreconditionError(absl::StrCat(what, ": not a string"));
  auto h = log::HashFromHex(v.get<std::string>());
  if (!h.ok()) return absl::FailedPreconditionError(absl::StrCat(what, ": ", h.status().message()));
  return *h;
}

}  // namespace

absl::Status HttpError(const std::string& what, const HttpResponse& r) {
  std::string start = r.body.substr(0, 200);
  for (char& c : start) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  const std::string msg = absl::StrCat(what, ": HTTP ", r.status, " ", start);
  if (r.status == 404) return absl::NotFoundError(msg);
  return absl::FailedPreconditionError(msg);
}

absl::StatusOr<std::vector<std::string>> ParseEntryBundle(absl::string_view data,
                                                          size_t max_entries) {
  std::vector<std::string> out;
  size_t p = 0;
  while (p < data.size()) {
    if (data.size() - p < 2) {
      return absl::InvalidArgumentError(absl::StrCat("entry bundle: truncated length at byte ", p));
    }
    const size_t len = (static_cast<uint8_t>(data[p]) << 8) | static_cast<uint8_t>(data[p + 1]);
    p += 2;
    if (len == 0)
      return absl::InvalidArgumentError(absl::StrCat("entry bundle: empty entry ", out.size()));
    if (data.size() - p < len) {
      return absl::InvalidArgumentError(absl::StrCat("entry bundle: entry ", out.size(),
                                                     " truncated (", data.size() - p, " of ", len,
                                                     " bytes)"));
    }
    if (out.size() == max_entries) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry bundle: more than ", max_entries, " entries"));
    }
    out.emplace_back(data.substr(p, len));
    p += len;
  }
  return out;
}

std::string EntryBundleBytes(const std::vector<std::string>& entries) {
  std::string out;
  for (const std::string& e : entries) {
    out.push_back(static_cast<char>((e.size() >> 8) & 0xff));
    out.push_back(static_cast<char>(e.size() & 0xff));
    out += e;
  }
  return out;
}

absl::StatusOr<std::unique_ptr<LogReader>> LogReader::New(const std::string& base_url,
                                                          HttpClientOptions options) {
  if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("log URL \"", base_url, "\": want http:// or https://"));
  }
  VOUCH_ASSIGN_OR_RETURN(auto http, HttpClient::New(std::move(options)));
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return std::unique_ptr<LogReader>(new LogReader(url, std::move(http)));
}

absl::StatusOr<std::string> LogReader::Checkpoint() const {
  VOUCH_ASSIGN_OR_RETURN(HttpResponse r, http_->Get(JoinUrl(base_url_, "/checkpoint")));
  if (r.status == 200) return r.body;
  if (r.status != 404) return HttpError("GET /checkpoint", r);
  VOUCH_ASSIGN_OR_RETURN(r, http_->Get(JoinUrl(base_url_, "/api/v1/log")));
  if (r.status != 200) return HttpError("GET /api/v1/log", r);
  VOUCH_ASSIGN_OR_RETURN(json j, ParseBody("GET /api/v1/log", r));
  if (!j.is_object() || !j.contains("signedTreeHead") || !j["signedTreeHead"].is_string()) {
    return absl::FailedPreconditionError("GET /api/v1/log: no signedTreeHead");
  }
  return j["signedTreeHead"].get<std::string>();
}

std::string LogReader::TileUrl(const log::TileId& tile) const {
  return JoinUrl(base_url_, log::TilePath(tile));
}

std::string LogReader::BundleUrl(const log::TileId& tile) const {
  return JoinUrl(base_url_, log::EntriesPath(tile));
}

absl::StatusOr<std::vector<log::Hash>> LogReader::Tile(const log::TileId& tile) const {
  const std::string path = log::TilePath(tile);
  VOUCH_ASSIGN_OR_RETURN(HttpResponse r, http_->Get(JoinUrl(base_url_, path)));
  if (r.status != 200) return HttpError(absl::StrCat("GET ", path), r);
  auto row = log::TileFromBytes(r.body, tile.width);
  if (!row.ok()) return Annotate(row.status(), absl::StrCat("GET ", path));
  return row;
}

absl::StatusOr<std::vector<log::Hash>> LogReader::ConsistencyProof(uint64_t size1,
                                                                   uint64_t size2) const {
  const std::string path = absl::StrCat("/api/v1/log/proof?firstSize=", size1, "&lastSize=", size2);
  VOUCH_ASSIGN_OR_RETURN(HttpResponse r, http_->Get(JoinUrl(base_url_, path)));
  if (r.status != 200) return HttpError(absl::StrCat("GET ", path), r);
  VOUCH_ASSIGN_OR_RETURN(json j, ParseBody(path, r));
  if (!j.is_object() || !j.contains("hashes") || !j["hashes"].is_array()) {
    return absl::FailedPreconditionError(absl::StrCat("GET ", path, ": no hashes"));
  }
  std::vector<log::Hash> out;
  for (const json& h : j["hashes"]) {
    VOUCH_ASSIGN_OR_RETURN(log::Hash hash, HexHash(h, absl::StrCat("GET ", path, ": hashes")));
    out.push_back(hash);
  }
  return out;
}

absl::StatusOr<std::vector<V1Entry>> LogReader::EntriesByIndex(uint64_t first,
                                                               uint64_t count) const {
  std::vector<HttpRequest> requests;
  for (uint64_t b = 0; b < count; b += kRetrieveBatch) {
    json idx = json::array();
    for (uint64_t i = b; i < std::min(count, b + kRetrieveBatch); ++i) idx.push_back(first + i);
    HttpRequest req;
    req.method = "POST";
    req.url = JoinUrl(base_url_, "/api/v1/log/entries/retrieve");
    req.body = json{{"logIndexes", idx}}.dump();
    req.content_type = "application/json";
    requests.push_back(std::move(req));
  }
  std::map<uint64_t, V1Entry> got;
  absl::Status error;
  http_->Run(requests, [&](size_t, absl::StatusOr<HttpResponse> r) {
    if (!error.ok()) return;
    if (!r.ok()) {
      error = r.status();
      return;
    }
    if (r->status != 200) {
      error = HttpError("POST /api/v1/log/entries/retrieve", *r);
      return;
    }
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_array()) {
      error = absl::FailedPreconditionError("POST /api/v1/log/entries/retrieve: not an array");
      return;
    }
    for (const json& item : j) {
      if (!item.is_object() || item.size() != 1) {
        error = absl::FailedPreconditionError(
            "POST /api/v1/log/entries/retrieve: want {uuid: entry} items");
        return;
      }
      const json& e = item.begin().value();
      V1Entry v;
      if (!e.is_object() || !e.contains("logIndex") || !e["logIndex"].is_number_unsigned() ||
          !e.contains("body") || !e["body"].is_string() ||
          !absl::Base64Unescape(e["body"].get<std::string>(), &v.body)) {
        error = absl::FailedPreconditionError(
            "POST /api/v1/log/entries/retrieve: entry without logIndex or base64 body");
        return;
      }
      v.index = e["logIndex"].get<uint64_t>();
      if (e.contains("integratedTime") && e["integratedTime"].is_number_integer()) {
        v.integrated_time = e["integratedTime"].get<int64_t>();
      }
      if (e.contains("logID") && e["logID"].is_string()) v.log_id_hex = e["logID"];
      const json* set = nullptr;
      if (e.contains("verification") && e["verification"].is_object() &&
          e["verification"].contains("signedEntryTimestamp")) {
        set = &e["verification"]["signedEntryTimestamp"];
      }
      if (set != nullptr && set->is_string()) absl::Base64Unescape(set->get<std::string>(), &v.set);
      if (v.index < first || v.index >= first + count || got.count(v.index) > 0) {
        error = absl::FailedPreconditionError(absl::StrCat(
            "POST /api/v1/log/entries/retrieve: unexpected or repeated entry ", v.index));
        return;
      }
      got[v.index] = std::move(v);
    }
  });
  if (!error.ok()) return error;
  std::vector<V1Entry> out;
  out.reserve(count);
  for (uint64_t i = first; i < first + count; ++i) {
    auto it = got.find(i);
    if (it == got.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat("POST /api/v1/log/entries/retrieve: entry ", i, " is missing"));
    }
    out.push_back(std::move(it->second));
  }
  return out;
}

absl::StatusOr<std::vector<uint64_t>> LogReader::MissingIndexes(uint64_t first,
                                                                uint64_t count) const {
  json idx = json::array();
  for (uint64_t i = 0; i < std::min<uint64_t>(count, kRetrieveBatch); ++i) idx.push_back(first + i);
  VOUCH_ASSIGN_OR_RETURN(HttpResponse r,
                         http_->Post(JoinUrl(base_url_, "/api/v1/log/entries/retrieve"),
                                     json{{"logIndexes", idx}}.dump(), "application/json"));
  if (r.status != 200) {
    // The batch fails as a whole (a log that answers 5xx for a missing row): ask entry by
    // entry, once each, every answer but 200 counting as missing.
    HttpClientOptions once = http_->options();
    once.max_attempts = 1;
    VOUCH_ASSIGN_OR_RETURN(auto probe, HttpClient::New(once));
    std::vector<HttpRequest> requests;
    for (const json& i : idx) {
      HttpRequest req;
      req.url =
          JoinUrl(base_url_, absl::StrCat("/api/v1/log/entries?logIndex=", i.get<uint64_t>()));
      requests.push_back(std::move(req));
    }
    std::vector<uint64_t> out;
    probe->Run(requests, [&](size_t k, absl::StatusOr<HttpResponse> res) {
      if (!res.ok() || res->status != 200) out.push_back(first + k);
    });
    std::sort(out.begin(), out.end());
    return out;
  }
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_array()) {
    return absl::FailedPreconditionError("POST /api/v1/log/entries/retrieve: not an array");
  }
  std::vector<bool> present(idx.size(), false);
  for (const json& item : j) {
    if (!item.is_object() || item.size() != 1) continue;
    const json& e = item.begin().value();
    if (e.is_object() && e.contains("logIndex") && e["logIndex"].is_number_unsigned()) {
      const uint64_t i = e["logIndex"].get<uint64_t>();
      if (i >= first && i - first < present.size()) present[i - first] = true;
    }
  }
  std::vector<uint64_t> out;
  for (size_t k = 0; k < present.size(); ++k) {
    if (!present[k]) out.push_back(first + k);
  }
  return out;
}

absl::StatusOr<std::vector<std::string>> LogReader::Search(const std::string& field,
                                                           const std::string& value) const {
  VOUCH_ASSIGN_OR_RETURN(HttpResponse r,
                         http_->Post(JoinUrl(base_url_, "/api/v1/index/retrieve"),
                                     json{{field, value}}.dump(), "application/json"));
  if (r.status != 200) return HttpError("POST /api/v1/index/retrieve", r);
  json j = json::parse(r.body, nullptr, false);
  if (!j.is_array()) {
    return absl::FailedPreconditionError("POST /api/v1/index/retrieve: not an array");
  }
  std::vector<std::string> out;
  for (const json& u : j) {
    if (!u.is_string()) continue;
    std::string s = u.get<std::string>();
    if (s.size() > 64) s = s.substr(s.size() - 64);
    out.push_back(s);
  }
  return out;
}

}  // namespace vouch::audit
