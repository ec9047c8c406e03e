// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// UTF-8 decoding for the parsers that must refuse ill-formed text (canonical JSON, signed notes,
// certificate identities). RFC 3629: overlong forms, surrogates (U+D800..U+DFFF), code points
// above U+10FFFF and truncated sequences are ill-formed. Pure functions; thread-safe.
#ifndef VOUCH_BASE_UTF8_H_
#define VOUCH_BASE_UTF8_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace vouch {

// Decodes the UTF-8 sequence starting at s[*i] (requires *i < s.size()) into *cp and advances *i
// past it. Returns false, leaving *i and *cp unchanged, if the sequence is ill-formed.
bool NextCodePoint(absl::string_view s, size_t* i, uint32_t* cp);

// True if |s| is well-formed UTF-8 throughout. On false, *bad_offset (if not null) is set to the
// byte offset of the first ill-formed sequence.
bool IsValidUtf8(absl::string_view s, size_t* bad_offset = nullptr);

// Unicode white space as Go's unicode.IsSpace defines it (the signed-note packages use it): the
// ASCII spaces \t \n \v \f \r and ' ', U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029,
// U+202F, U+205F, U+3000.
bool IsUnicodeSpace(uint32_t cp);

}  // namespace vouch

#endif  // VOUCH_BASE_UTF8_H_
