// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/predicate_types.h"

#include "absl/strings/str_join.h"

namespace vouch::formats {
namespace {

constexpr PredicateShortName kShortNames[] = {
    {"slsaprovenance", "https://slsa.dev/provenance/v0.2"},
    {"slsaprovenance02", "https://slsa.dev/provenance/v0.2"},
    {"slsaprovenance1", "https://slsa.dev/provenance/v1"},
    {"link", "https://in-toto.io/Link/v1"},
    {"spdx", "https://spdx.dev/Document"},
    {"spdxjson", "https://spdx.dev/Document"},
    {"cyclonedx", "https://cyclonedx.org/bom"},
    {"vuln", "https://cosign.sigstore.dev/attestation/vuln/v1"},
    {"openvex", "https://openvex.dev/ns"},
    {"custom", "https://cosign.sigstore.dev/attestation/v1"},
};

}  // namespace

absl::Span<const PredicateShortName> PredicateShortNames() { return kShortNames; }

std::string PredicateTypeUri(absl::string_view name_or_uri) {
  for (const PredicateShortName& p : kShortNames) {
    if (name_or_uri == p.name) return p.uri;
  }
  return std::string(name_or_uri);
}

std::string PredicateShortNameList() {
  return absl::StrJoin(kShortNames, ", ",
                       [](std::string* out, const PredicateShortName& p) { out->append(p.name); });
}

}  // namespace vouch::formats
