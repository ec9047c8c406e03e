// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "images/predicate.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace vouch::images {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Str(const ordered_json& j, std::initializer_list<const char*> path) {
  const ordered_json* at = &j;
  for (const char* key : path) {
    if (!at->is_object()) return "";
    auto it = at->find(key);
    if (it == at->end()) return "";
    at = &*it;
  }
  return at->is_string() ? at->get<std::string>() : "";
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<std::string> VulnPredicate(absl::string_view report, absl::Time now) {
  ordered_json r = ordered_json::parse(report.begin(), report.end(), nullptr, false);
  if (!r.is_object()) {
    return absl::InvalidArgumentError(
        "vuln report: not a JSON object (want Trivy JSON, Grype JSON, SARIF or a cosign vuln "
        "predicate)");
  }
  if (r.contains("scanner") && r["scanner"].is_object() && r["scanner"].contains("result") &&
      r["scanner"]["result"].is_object()) {
    return r.dump();
  }
  std::string uri, version, started, finished;
  if (r.contains("SchemaVersion") && r.contains("Results")) {
    uri = "pkg:github/aquasecurity/trivy";
    version = Str(r, {"Trivy", "Version"});
    started = finished = Str(r, {"CreatedAt"});
  } else if (r.contains("matches") && r["matches"].is_array()) {
    uri = "pkg:github/anchore/grype";
    version = Str(r, {"descriptor", "version"});
    started = finished = Str(r, {"descriptor", "timestamp"});
  } else if (r.contains("runs") && r["runs"].is_array() && !r["runs"].empty() &&
             (absl::StrContains(Str(r, {"$schema"}), "sarif") || Str(r, {"version"}) == "2.1.0")) {
    const ordered_json& run = r["runs"][0];
    uri = Str(run, {"tool", "driver", "informationUri"});
    if (uri.empty()) uri = Str(run, {"tool", "driver", "name"});
    version = Str(run, {"tool", "driver", "version"});
    if (run.contains("invocations") && run["invocations"].is_array() &&
        !run["invocations"].empty()) {
      started = Str(run["invocations"][0], {"startTimeUtc"});
      finished = Str(run["invocations"][0], {"endTimeUtc"});
    }
  } else {
    return absl::InvalidArgumentError(
        "vuln report: not a Trivy JSON report (SchemaVersion, Results), a Grype JSON report "
        "(matches), SARIF 2.1 (runs) or a cosign vuln predicate (scanner.result)");
  }
  if (!version.empty() && absl::StartsWith(uri, "pkg:")) absl::StrAppend(&uri, "@", version);
  if (started.empty()) started = Rfc3339(now);
  if (finished.empty()) finished = started;
  ordered_json p = ordered_json::object();
  p["invocation"] = {{"parameters", nullptr}, {"uri", ""}, {"event_id", ""}, {"builder.id", ""}};
  p["scanner"] = ordered_json::object();
  p["scanner"]["uri"] = uri;
  p["scanner"]["version"] = version;
  p["scanner"]["db"] = {{"uri", ""}, {"version", ""}};
  p["scanner"]["result"] = std::move(r);
  p["metadata"] = {{"scanStartedOn", started}, {"scanFinishedOn", finished}};
  return p.dump();
}

}  // namespace vouch::images
