// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// in-toto predicate types by cosign's short names (`cosign attest --type`, `cosign
// verify-attestation --type`), for `vouch attest` and `vouch verify-attestation`. The table is
// cosign's PredicateTypeMap (cmd/cosign/cli/options/predicate.go). Pure; thread-safe.
#ifndef VOUCH_FORMATS_PREDICATE_TYPES_H_
#define VOUCH_FORMATS_PREDICATE_TYPES_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vouch::formats {

struct PredicateShortName {
  const char* name;  // e.g. "slsaprovenance1"
  const char* uri;   // e.g. "https://slsa.dev/provenance/v1"
};

// Every short name, in the order usage texts list them:
//   slsaprovenance (v0.2), slsaprovenance02, slsaprovenance1, link, spdx, spdxjson, cyclonedx,
//   vuln, openvex, custom.
absl::Span<const PredicateShortName> PredicateShortNames();

// The predicate type URI for |name_or_uri|: the URI of a short name (exact, case-sensitive
// match), else |name_or_uri| unchanged (it is taken to be a URI already).
std::string PredicateTypeUri(absl::string_view name_or_uri);

// The short names joined by ", " for usage texts.
std::string PredicateShortNameList();

}  // namespace vouch::formats

#endif  // VOUCH_FORMATS_PREDICATE_TYPES_H_
