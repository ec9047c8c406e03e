// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Differential: the log's RFC 8785 canonical JSON (log::CanonicalizeText, the bytes every
// stored entry and its leaf hash are made of) against a straightforward re-encoding written here
// from RFC 8785 and ECMAScript's Number::toString: the document parsed by nlohmann::json's own
// parser, numbers through the shortest round-tripping printf precision, strings with JCS's
// escapes, members sorted by UTF-16 code units. Invariants: whatever we accept, the reference
// encodes to the same bytes; and the canonical form is a fixed point.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "log/entry/canonical_json.h"
#include "nlohmann/json.hpp"

namespace {

using nlohmann::json;

// ECMAScript Number::toString(v) for finite v (ES2015 7.1.12.1).
std::string Es6(double v) {
  if (v == 0) return "0";
  if (v < 0) return "-" + Es6(-v);
  char buf[64];
  int p = 0;
  for (; p < 17; ++p) {
    std::snprintf(buf, sizeof(buf), "%.*e", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  // buf = d[.ddd]e[+-]XX
  std::string s(buf);
  const size_t e_at = s.find('e');
  std::string digits;
  for (size_t i = 0; i < e_at; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  const int exp = std::atoi(s.c_str() + e_at + 1);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  const int k = static_cast<int>(digits.size());
  const int n = exp + 1;
  if (k <= n && n <= 21) return digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return "0." + std::string(-n, '0') + digits;
  const int e = n - 1;
  const std::string es = absl::StrCat(e < 0 ? "-" : "+", e < 0 ? -e : e);
  if (k == 1) return digits + "e" + es;
  return digits.substr(0, 1) + "." + digits.substr(1) + "e" + es;
}

std::u16string Utf16(const std::string& s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    int len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if (c < 0xe0) {
      cp = c & 0x1f, len = 2;
    } else if (c < 0xf0) {
      cp = c & 0x0f, len = 3;
    } else {
      cp = c & 0x07, len = 4;
    }
    for (int j = 1; j < len && i + j < s.size(); ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3f);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xd800 + (cp >> 10));
      out += static_cast<char16_t>(0xdc00 + (cp & 0x3ff));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// false when the value has no JCS form (a non-finite number, binary).
bool Encode(const json& v, std::string* out) {
  switch (v.type()) {
    case json::value_t::null:
      *out += "null";
      return true;
    case json::value_t::boolean:
      *out += v.get<bool>() ? "true" : "false";
      return true;
    case json::value_t::number_integer:
      *out += Es6(static_cast<double>(v.get<int64_t>()));
      return true;
    case json::value_t::number_unsigned:
      *out += Es6(static_cast<double>(v.get<uint64_t>()));
      return true;
    case json::value_t::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) return false;
      *out += Es6(d);
      return true;
    }
    case json::value_t::string:
      *out += Quote(v.get<std::string>());
      return true;
    case json::value_t::array: {
      *out += "[";
      bool first = true;
      for (const json& e : v) {
        if (!first) *out += ",";
        first = false;
        if (!Encode(e, out)) return false;
      }
      *out += "]";
      return true;
    }
    case json::value_t::object: {
      std::vector<std::pair<std::u16string, std::string>> keys;
      for (auto it = v.begin(); it != v.end(); ++it) keys.emplace_back(Utf16(it.key()), it.key());
      std::sort(keys.begin(), keys.end());
      *out += "{";
      bool first = true;
      for (const auto& [u16, key] : keys) {
        if (!first) *out += ",";
        first = false;
        *out += Quote(key) + ":";
        if (!Encode(v.at(key), out)) return false;
      }
      *out += "}";
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto ours = vouch::log::CanonicalizeText(text);
  if (!ours.ok()) return 0;
  // We accepted it (so it is strict JSON of depth <= 64): nlohmann parses it too.
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::string ref;
  if (doc.is_discarded() || !Encode(doc, &ref)) {
    std::fprintf(stderr, "canonical_json_fuzzer: accepted what the reference cannot encode\n");
    __builtin_trap();
  }
  if (ref != *ours) {
    std::fprintf(stderr, "canonical_json_fuzzer: ours  %s\nreference %s\n", ours->c_str(),
                 ref.c_str());
    __builtin_trap();
  }
  auto again = vouch::log::CanonicalizeText(*ours);
  if (!again.ok() || *again != *ours) __builtin_trap();
  return 0;
}
