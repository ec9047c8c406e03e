// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/report.h"

#include <utility>
#include <vector>

namespace vouch::cli {

using nlohmann::json;

std::string FormatUtc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

json VerificationJson(const client::VerificationResult& r) {
  json out;
  out["verified"] = r.verified();
  json steps = json::array();
  for (const client::StepOutcome& s : r.steps) {
    json step = {{"step", client::StepName(s.step)}, {"ok", s.status.ok()}};
    if (!s.status.ok()) step["error"] = std::string(s.status.message());
    steps.push_back(std::move(step));
  }
  out["steps"] = std::move(steps);
  if (const client::StepOutcome* f = r.failure()) {
    out["step"] = client::StepName(f->step);
    out["error"] = std::string(f->status.message());
  }
  json signer;
  signer["keyless"] = r.keyless;
  if (r.keyless) {
    signer["subjectAlternativeNames"] = r.subject_alternative_names;
    signer["oidcIssuer"] = r.oidc_issuer;
    json ext = json::object();
    for (const auto& [name, value] : r.certificate_extensions) ext[name] = value;
    signer["extensions"] = std::move(ext);
  }
  if (!r.public_key_sha256.empty()) signer["publicKeySha256"] = r.public_key_sha256;
  out["signer"] = std::move(signer);
  // Compatibility with earlier output: the SANs and issuer at the top level too.
  out["subjectAlternativeNames"] = r.subject_alternative_names;
  out["oidcIssuer"] = r.oidc_issuer;
  json entries = json::array();
  for (const client::TlogEntryInfo& e : r.tlog_entries) {
    json j = {{"logIndex", e.log_index},
              {"logId", e.log_id_hex},
              {"kind", e.kind},
              {"version", e.version},
              {"inclusionProof", e.inclusion_proof}};
    if (e.inclusion_proof) j["checkpointSize"] = e.checkpoint_size;
    if (e.integrated_time != absl::InfinitePast()) {
      j["integratedTime"] = FormatUtc(e.integrated_time);
    }
    entries.push_back(std::move(j));
  }
  out["tlogEntries"] = std::move(entries);
  std::vector<std::string> times;
  for (absl::Time t : r.signing_times) times.push_back(FormatUtc(t));
  out["signingTimes"] = times;
  std::vector<std::string> timestamps;
  for (absl::Time t : r.timestamps) timestamps.push_back(FormatUtc(t));
  out["timestamps"] = timestamps;
  out["logIndexes"] = r.log_indexes;
  if (!r.payload_type.empty()) out["payloadType"] = r.payload_type;
  if (!r.predicate_type.empty()) out["predicateType"] = r.predicate_type;
  if (!r.statement.empty()) {
    json statement = json::parse(r.statement, nullptr, false);
    if (!statement.is_discarded()) out["statement"] = std::move(statement);
  }
  return out;
}

json InputErrorJson(absl::string_view step, const absl::Status& status) {
  return {{"verified", false},
          {"step", std::string(step)},
          {"error", std::string(status.message())},
          {"steps", json::array()}};
}

}  // namespace vouch::cli
