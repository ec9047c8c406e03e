// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/signed_entry_timestamp.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace vouch::formats {

std::string SignedEntryTimestampPayload(absl::string_view body, int64_t integrated_time,
                                        absl::string_view log_id, int64_t log_index) {
  // Keys in RFC 8785 order (body, integratedTime, logID, logIndex).
  return absl::StrCat("{\"body\":\"", absl::Base64Escape(body),
                      "\",\"integratedTime\":", integrated_time, ",\"logID\":\"",
                      absl::BytesToHexString(log_id), "\",\"logIndex\":", log_index, "}");
}

}  // namespace vouch::formats
