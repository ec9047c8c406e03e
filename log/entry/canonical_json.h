// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RFC 8785 JSON Canonicalization Scheme (JCS) over nlohmann::json: the byte form every stored log
// entry body and every SignedEntryTimestamp payload takes. Object members are sorted by the
// UTF-16 code units of their names, there is no whitespace, strings use the minimal RFC 8785
// escaping (\" \\ \b \f \n \r \t, other controls as \u00xx, everything else literal UTF-8) and
// numbers are written as ECMAScript's Number.prototype.toString does (shortest round-trip form).
//
// Decisions (docs/entries.md):
//  - Duplicate object member names are refused (RFC 8785 requires I-JSON, RFC 7493, which
//    forbids them); nlohmann would otherwise keep the last one silently.
//  - Integers outside +/-2^53 are refused: they cannot be represented exactly as IEEE 754 doubles,
//    and JCS would silently change their value.
//  - Non-integers are formatted exactly as ES6 does (1e+21, 1e-7, 0.000001, 123.456, -0 -> 0).
//    NaN and infinities are refused.
//  - Strings must be valid UTF-8 (nlohmann's parser already guarantees this for parsed text).
//  - Nesting deeper than kMaxJsonDepth is refused (the serializer is recursive).
//  - Binary values (nlohmann's extension) are refused.
//
// All functions are thread-safe (stateless) and never throw: every error is an absl::Status.
#ifndef VOUCH_LOG_ENTRY_CANONICAL_JSON_H_
#define VOUCH_LOG_ENTRY_CANONICAL_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace vouch::log {

// The deepest nesting of arrays/objects accepted by ParseJson and Canonicalize.
inline constexpr int kMaxJsonDepth = 64;

// Parses |json_text| strictly: one JSON value (RFC 8259), nothing but whitespace after it,
// valid UTF-8, no duplicate member names in any object, nesting at most kMaxJsonDepth.
// InvalidArgument on any violation; parse errors name the byte offset
// ("invalid JSON at byte 12: syntax error ..."), duplicates the member ("duplicate key \"a\"").
absl::StatusOr<nlohmann::json> ParseJson(absl::string_view json_text);

// The RFC 8785 canonical form of |value|. InvalidArgument for values JCS cannot represent
// (non-finite or out-of-range numbers, invalid UTF-8, binary values, nesting too deep).
absl::StatusOr<std::string> Canonicalize(const nlohmann::json& value);

// ECMAScript's Number.prototype.toString (ES2015 7.1.12.1) of a finite |v|: what Canonicalize
// writes for non-integers ("1e+21", "1e-7", "0.000001", "-0" -> "0"). Requires isfinite(v).
std::string FormatEs6Number(double v);

// ParseJson then Canonicalize.
absl::StatusOr<std::string> CanonicalizeText(absl::string_view json_text);

}  // namespace vouch::log

#endif  // VOUCH_LOG_ENTRY_CANONICAL_JSON_H_
