// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The canonical JSON that TUF signs (OLPC canonical JSON as python-tuf's securesystemslib
// `encode_canonical` and tuf-js's `@tufjs/canonical-json` write it): object members sorted by
// name (byte order of the UTF-8 names, which is code point order), no whitespace, strings with
// only `"` and `\` escaped (every other character, control characters included, written as its
// UTF-8 bytes), integers only (no floats), true/false/null.
//
// This is NOT RFC 8785 (log/entry/canonical_json.h): TUF's form escapes less and has no floats.
// Stateless and thread-safe.
#ifndef VOUCH_TUF_CANONICAL_JSON_H_
#define VOUCH_TUF_CANONICAL_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace vouch::tuf {

// The canonical bytes of |value|. InvalidArgument for a floating-point number anywhere in it
// ("canonical JSON has no floats: ...") or a binary value.
absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& value);

// Parses metadata text strictly (one JSON value, valid UTF-8, no duplicate member names, nesting
// at most 64). InvalidArgument naming the byte offset or the duplicate member.
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text);

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_CANONICAL_JSON_H_
