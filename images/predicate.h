// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Predicates for `vouch attest-image`: the cosign vulnerability predicate
// (https://cosign.sigstore.dev/attestation/vuln/v1) made from a scanner's report. Pure functions
// (thread-safe).
#ifndef VOUCH_IMAGES_PREDICATE_H_
#define VOUCH_IMAGES_PREDICATE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vouch::images {

inline constexpr char kVulnPredicateType[] = "https://cosign.sigstore.dev/attestation/vuln/v1";

// The cosign vuln predicate for |report|:
//   {"invocation": {"parameters": null, "uri": "", "event_id": "", "builder.id": ""},
//    "scanner": {"uri", "version", "db": {"uri": "", "version": ""}, "result": REPORT},
//    "metadata": {"scanStartedOn", "scanFinishedOn"}}
// REPORT is the report as it is: a Trivy JSON report (SchemaVersion + Results; scanner
// pkg:github/aquasecurity/trivy, version from Trivy.Version, time from CreatedAt), a Grype JSON
// report (matches; pkg:github/anchore/grype, descriptor.version, descriptor.timestamp) or SARIF
// 2.1 (runs; the first run's tool.driver name/informationUri and version, invocation
// start/end times). Times missing from the report are |now| (RFC 3339 UTC). A document that
// already is a cosign vuln predicate (an object whose "scanner" holds a "result" object) is
// returned as it is. InvalidArgument for anything else, saying what was expected.
absl::StatusOr<std::string> VulnPredicate(absl::string_view report, absl::Time now);

}  // namespace vouch::images

#endif  // VOUCH_IMAGES_PREDICATE_H_
