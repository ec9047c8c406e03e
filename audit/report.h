// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Report: the audit report for a time range, from a replay state directory (docs/audit.md
// "Report"): entries by identity and issuer, artifacts signed, attestations, certificates seen,
// key-signed entries, invalid entries, admission decisions (when the admission audit log is
// given, each cross-checked against the verified log) and the log's consistency status with
// its evidence. Written as JSON and as one self-contained HTML page (inline CSS and SVG, no
// external resource, no script). Pure functions over files; thread-safe.
#ifndef VOUCH_AUDIT_REPORT_H_
#define VOUCH_AUDIT_REPORT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace vouch::audit {

struct ReportOptions {
  std::string state_dir;
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();  // exclusive
  // Admission controller audit log (JSON lines: time, namespace, kind, name, image, digest,
  // decision, reasons, logIndexes); empty for none.
  std::string admission_log;
  // Most rows listed per table (the counts always cover everything).
  size_t max_rows = 200;
};

// Builds the report. NotFound when DIR has no state; DataLoss naming the line for an
// entries.jsonl or admission line that does not parse.
absl::StatusOr<nlohmann::json> BuildReport(const ReportOptions& options);

// The report as one HTML page (every value HTML-escaped).
std::string ReportHtml(const nlohmann::json& report);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_REPORT_H_
