// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log_service.h"

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status.h"
#include "log/entry/entry.h"
#include "log/entry/rekor_v2.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

std::vector<std::string> SearchKeys(const IndexKeys& keys) {
  std::vector<std::string> out;
  for (const auto& h : keys.artifact_hashes) out.push_back("artifact:" + h);
  for (const auto& h : keys.public_key_hashes) out.push_back("pubkey:" + h);
  for (const auto& i : keys.identities) out.push_back("identity:" + i);
  return out;
}

// Collects |e| unless it is NotFound (an entry not in the log is left out of a batch read).
absl::Status AddFound(absl::StatusOr<EntryWithProof> e, std::vector<EntryWithProof>* out) {
  if (e.ok()) {
    out->push_back(*std::move(e));
    return absl::OkStatus();
  }
  return absl::IsNotFound(e.status()) ? absl::OkStatus() : e.status();
}

}  // namespace

absl::StatusOr<Hash> ParseEntryUuid(absl::string_view text, absl::string_view field) {
  if (text.size() == 80) text.remove_prefix(16);
  if (text.size() != 64) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": UUID must be 64 hex characters, got ", text.size()));
  }
  auto h = HashFromHex(absl::AsciiStrToLower(text));
  if (!h.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": not hex"));
  return *h;
}

absl::StatusOr<SearchKey> SearchKey::ArtifactHash(absl::string_view text, absl::string_view field) {
  std::string hash = absl::AsciiStrToLower(text);
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
  return SearchKey{"artifact:" + hash};
}

absl::StatusOr<SearchKey> SearchKey::PublicKey(absl::string_view pem, absl::string_view field) {
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
  return SearchKey{"pubkey:sha256:" + absl::BytesToHexString(signer::Sha256(der))};
}

SearchKey SearchKey::Identity(absl::string_view identity) {
  return SearchKey{"identity:" + (absl::StrContains(identity, '@') ? absl::AsciiStrToLower(identity)
                                                                   : std::string(identity))};
}

LogService::LogService(Log* log, const LogServiceOptions& options) : log_(log), options_(options) {}

LogService::~LogService() = default;

absl::StatusOr<std::unique_ptr<LogService>> LogService::New(Log* log, Metrics* metrics,
                                                            const LogServiceOptions& options) {
  if (log == nullptr || metrics == nullptr) {
    return absl::InvalidArgumentError("LogService: log and metrics are required");
  }
  std::unique_ptr<LogService> s(new LogService(log, options));
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

const std::string& LogService::log_id() const { return log_->log_id(); }

const std::string& LogService::log_id_hex() const { return log_->log_id_hex(); }

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

absl::StatusOr<NewEntry> LogService::CheckProposedV2(absl::string_view request_json,
                                                     std::string* kind) {
  if (request_json.size() > options_.max_entry_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("create request is ", request_json.size(),
                                                   " bytes, larger than the limit of ",
                                                   options_.max_entry_bytes));
  }
  VOUCH_ASSIGN_OR_RETURN(PreparedEntry prepared, PrepareV2Entry(request_json));
  VOUCH_RETURN_IF_ERROR(VerifyEntry(prepared));
  *kind = EntryKindName(prepared.entry.kind);
  NewEntry e;
  e.keys = SearchKeys(prepared.entry.keys);
  e.body = std::move(prepared.entry.body);
  return e;
}

absl::StatusOr<EntryWithProof> LogService::CreateEntry(const CreateEntryRequest& request) {
  VOUCH_ASSIGN_OR_RETURN(NewEntry e, CheckProposed(request.proposed_entry));
  return log_->Append(std::move(e));
}

void LogService::CreateEntryAsync(const CreateEntryRequest& request, Log::AppendCallback done) {
  absl::StatusOr<NewEntry> e = CheckProposed(request.proposed_entry);
  if (!e.ok()) {
    done(e.status());
    return;
  }
  log_->AppendAsync(*std::move(e), std::move(done));
}

absl::StatusOr<CreatedV2Entry> LogService::CreateEntryV2(const CreateEntryV2Request& request) {
  CreatedV2Entry out;
  VOUCH_ASSIGN_OR_RETURN(NewEntry e, CheckProposedV2(request.request, &out.kind));
  VOUCH_ASSIGN_OR_RETURN(out.entry, log_->Append(std::move(e)));
  return out;
}

void LogService::CreateEntryV2Async(const CreateEntryV2Request& request,
                                    CreateEntryV2Callback done) {
  std::string kind;
  absl::StatusOr<NewEntry> e = CheckProposedV2(request.request, &kind);
  if (!e.ok()) {
    done(e.status());
    return;
  }
  log_->AppendAsync(*std::move(e), [kind = std::move(kind),
                                    done = std::move(done)](absl::StatusOr<EntryWithProof> r) {
    if (!r.ok()) {
      done(r.status());
      return;
    }
    done(CreatedV2Entry{*std::move(r), kind});
  });
}

absl::StatusOr<EntryWithProof> LogService::GetEntry(const GetEntryRequest& request) {
  if (request.log_index.has_value() == request.uuid.has_value()) {
    return absl::InvalidArgumentError("key: set log_index or uuid");
  }
  if (request.uuid.has_value()) return log_->GetByLeafHash(*request.uuid);
  return log_->GetByIndex(*request.log_index);
}

absl::StatusOr<RetrieveEntriesResponse> LogService::RetrieveEntries(
    const RetrieveEntriesRequest& request) {
  const auto too_many = [this] {
    return absl::InvalidArgumentError(
        absl::StrCat("at most ", options_.max_results, " entries per request"));
  };
  size_t total = request.uuids.size() + request.log_indexes.size();
  if (total > options_.max_results) return too_many();
  RetrieveEntriesResponse out;
  for (const Hash& uuid : request.uuids) {
    VOUCH_RETURN_IF_ERROR(AddFound(log_->GetByLeafHash(uuid), &out.entries));
  }
  for (uint64_t index : request.log_indexes) {
    VOUCH_RETURN_IF_ERROR(AddFound(log_->GetByIndex(index), &out.entries));
  }
  for (size_t i = 0; i < request.entries.size(); ++i) {
    if (++total > options_.max_results) return too_many();
    auto prepared = PrepareEntry(request.entries[i]);
    if (!prepared.ok()) return Annotate(prepared.status(), absl::StrCat("entries[", i, "]"));
    VOUCH_RETURN_IF_ERROR(
        AddFound(log_->GetByLeafHash(HashLeaf(prepared->entry.body)), &out.entries));
  }
  return out;
}

absl::StatusOr<SearchResponse> LogService::Search(const SearchRequest& request) {
  if (request.keys.empty()) return absl::InvalidArgumentError("search: no criterion given");
  const size_t limit =
      request.limit == 0 ? options_.max_results : std::min(request.limit, options_.max_results);
  // Several criteria: the entries matching all of them (Rekor's default "and").
  std::vector<uint64_t> result;
  for (size_t i = 0; i < request.keys.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(std::vector<uint64_t> found,
                           log_->Search(request.keys[i].index_key, limit));
    if (i == 0) {
      result = std::move(found);
    } else {
      std::vector<uint64_t> both;
      std::set_intersection(result.begin(), result.end(), found.begin(), found.end(),
                            std::back_inserter(both));
      result = std::move(both);
    }
  }
  SearchResponse out;
  for (uint64_t i : result) {
    auto e = log_->GetByIndex(i);
    if (e.ok()) out.uuids.push_back(e->entry.leaf_hash);
  }
  return out;
}

LogInfo LogService::GetLogInfo() const {
  const TreeState s = log_->Latest();
  LogInfo info;
  info.tree_size = s.size;
  info.root = s.root;
  info.checkpoint = s.checkpoint;
  info.log_id = log_->log_id();
  return info;
}

absl::StatusOr<ConsistencyProofResponse> LogService::GetConsistencyProof(
    const ConsistencyProofRequest& request) {
  const TreeState s = log_->Latest();
  ConsistencyProofResponse out;
  VOUCH_ASSIGN_OR_RETURN(
      out.hashes, log_->ConsistencyProof(request.first_size, request.last_size.value_or(s.size)));
  out.root = s.root;
  return out;
}

std::string LogService::GetPublicKeyPem() const {
  return signer::PublicKeyDerToPem(log_->key().PublicKeyDer());
}

std::string LogService::GetCheckpoint() const { return log_->Latest().checkpoint; }

absl::StatusOr<std::string> LogService::GetTile(const TileRequest& request) {
  return request.entry_bundle
             ? log_->EntryBundle(request.tile.index, request.tile.width)
             : log_->TileData(request.tile.level, request.tile.index, request.tile.width);
}

}  // namespace vouch::log
