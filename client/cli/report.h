// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// How verification commands print a client::VerificationResult: JSON for --output json (the
// same fields for blobs, attestations and images) and text lines. Thread-compatible.
#ifndef VOUCH_CLIENT_CLI_REPORT_H_
#define VOUCH_CLIENT_CLI_REPORT_H_

#include <string>

#include "absl/status/status.h"
#include "client/verify.h"
#include "nlohmann/json.hpp"

namespace vouch::cli {

// {"verified": true, "steps": [{"step": "certificate", "ok": true}, ...], "signer": {...},
//  "tlogEntries": [...], "signingTimes": [...], "predicateType", "statement"} or, when a check
// failed, the same with "verified": false, "step" (the failed check) and "error" (its message).
nlohmann::json VerificationJson(const client::VerificationResult& result);

// For failures before any check ran (unreadable trusted root, bundle, key or artifact):
// {"verified": false, "step": step, "error": message}.
nlohmann::json InputErrorJson(absl::string_view step, const absl::Status& status);

// RFC 3339 UTC, seconds precision.
std::string FormatUtc(absl::Time t);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_REPORT_H_
