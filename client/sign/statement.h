// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Builders for what `vouch attest` and `vouch provenance` sign: in-toto Statement v1
// (https://in-toto.io/Statement/v1) and SLSA provenance v1 predicates
// (https://slsa.dev/provenance/v1). Pure functions over values (thread-safe); JSON is produced
// with nlohmann's non-throwing calls.
#ifndef VOUCH_CLIENT_SIGN_STATEMENT_H_
#define VOUCH_CLIENT_SIGN_STATEMENT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"

namespace vouch::client {

inline constexpr char kInTotoStatementV1[] = "https://in-toto.io/Statement/v1";
inline constexpr char kSlsaProvenanceV1[] = "https://slsa.dev/provenance/v1";
inline constexpr char kDefaultBuilderId[] = "https://vouch.dev/local-builder";
inline constexpr char kCommandBuildType[] = "https://vouch.dev/build-types/command/v1";

// An in-toto ResourceDescriptor with a name or uri and digests (algorithm -> lower-case hex).
struct ResourceDescriptor {
  std::string name;
  std::string uri;
  std::map<std::string, std::string> digest;
};

// SHA-256 of a file's contents, read in chunks (lower-case hex). NotFound / PermissionDenied /
// Internal naming the path when it cannot be read.
absl::StatusOr<std::string> Sha256FileHex(const std::string& path);

// A subject for a file: name = |path| as given, digest {sha256}.
absl::StatusOr<ResourceDescriptor> SubjectForFile(const std::string& path);

// A resolved dependency from "URI@sha256:HEX" (HEX: 64 hex digits) or, when |spec| names an
// existing file, that file (uri = "file:" + path as given, digest {sha256}). InvalidArgument
// otherwise.
absl::StatusOr<ResourceDescriptor> DependencyFromSpec(const std::string& spec);

// The Statement v1 JSON text: {"_type", "subject", "predicateType", "predicate"}. |predicate_json|
// must be a JSON object. InvalidArgument for no subjects, a subject without a digest, an empty
// predicate type or a predicate that is not a JSON object.
absl::StatusOr<std::string> MakeStatement(const std::vector<ResourceDescriptor>& subjects,
                                          absl::string_view predicate_type,
                                          absl::string_view predicate_json);

// What SLSA provenance v1 records about a build.
struct BuildDescription {
  std::string build_type = kCommandBuildType;
  nlohmann::json external_parameters = nlohmann::json::object();  // e.g. command, cwd
  nlohmann::json internal_parameters = nlohmann::json::object();
  std::vector<ResourceDescriptor> resolved_dependencies;
  std::string builder_id = kDefaultBuilderId;
  std::string invocation_id;                     // empty: none recorded
  absl::Time started_on = absl::InfinitePast();  // InfinitePast: not recorded
  absl::Time finished_on = absl::InfinitePast();
  std::vector<ResourceDescriptor> subjects;
};

// A build described as JSON (`vouch provenance --description FILE`):
//   {"buildType": URI, "externalParameters": {...}, "internalParameters": {...},
//    "resolvedDependencies": [{"uri", "digest": {"sha256": HEX}}, ...], "builderId": URI,
//    "invocationId": ID, "startedOn": RFC3339, "finishedOn": RFC3339,
//    "subject": [{"name", "digest": {"sha256": HEX}}, ...]}
// Every member is optional; absent ones keep BuildDescription's defaults. InvalidArgument
// ("description: FIELD ...") for a member of the wrong type or a bad time.
absl::StatusOr<BuildDescription> ParseBuildDescription(absl::string_view json);

// The SLSA provenance v1 predicate (JSON text) of |build|.
absl::StatusOr<std::string> MakeProvenancePredicate(const BuildDescription& build);

// A random UUID v4 (for invocation ids).
std::string RandomUuid();

// RFC 3339 UTC with seconds ("2026-01-02T03:04:05Z"; fractional seconds if any).
std::string FormatRfc3339(absl::Time t);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_SIGN_STATEMENT_H_
