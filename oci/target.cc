// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/target.h"

#include "nlohmann/json.hpp"
#include "oci/media_types.h"

namespace vouch::oci {

absl::StatusOr<std::string> AddToReferrersIndex(absl::string_view existing, const Descriptor& entry,
                                                bool* changed) {
  using ordered_json = nlohmann::ordered_json;
  *changed = false;
  ordered_json index;
  if (existing.empty()) {
    index = ordered_json::object();
    index["schemaVersion"] = 2;
    index["mediaType"] = kOciIndex;
    index["manifests"] = ordered_json::array();
  } else {
    auto parsed = ParseImageIndex(existing);  // validates every entry
    if (!parsed.ok()) return parsed.status();
    index = ordered_json::parse(existing.begin(), existing.end(), nullptr, false);
    for (const Descriptor& d : parsed->manifests) {
      if (d.digest == entry.digest) return std::string(existing);
    }
  }
  index["manifests"].push_back(entry.ToJson());
  *changed = true;
  return index.dump();
}

}  // namespace vouch::oci
