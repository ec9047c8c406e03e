// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/canonical_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "base/utf8.h"

namespace vouch::log {
namespace {

using json = nlohmann::json;

// ----------------------------------------------------------------------------- strict parsing

// Forwards SAX events to nlohmann's own DOM builder after checking for duplicate member names
// and excessive nesting, and records the first error with its byte position.
class StrictSax {
 public:
  explicit StrictSax(json& result) : dom_(result, /*allow_exceptions=*/false) {}

  bool null() { return dom_.null(); }
  bool boolean(bool v) { return dom_.boolean(v); }
  bool number_integer(json::number_integer_t v) { return dom_.number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return dom_.number_unsigned(v); }
  bool number_float(json::number_float_t v, const json::string_t& s) {
    return dom_.number_float(v, s);
  }
  bool string(json::string_t& v) { return dom_.string(v); }
  bool binary(json::binary_t& v) {
    error_ = "binary values are not JSON";
    return false;
  }
  bool start_object(std::size_t n) {
    if (!Push()) return false;
    keys_.emplace_back();
    return dom_.start_object(n);
  }
  bool key(json::string_t& k) {
    if (!keys_.back().insert(k).second) {
      error_ = absl::StrFormat("duplicate key \"%s\"", absl::CHexEscape(k.substr(0, 200)));
      return false;
    }
    return dom_.key(k);
  }
  bool end_object() {
    keys_.pop_back();
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    if (!Push()) return false;
    return dom_.start_array(n);
  }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) {
    // ex.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...".
    absl::string_view what = ex.what();
    const size_t colon = what.find(": ");
    if (colon != absl::string_view::npos && absl::StartsWith(what, "[json.exception")) {
      what.remove_prefix(colon + 2);
    }
    error_ = absl::StrFormat("invalid JSON at byte %d: %s", position, what);
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool Push() {
    if (++depth_ > kMaxJsonDepth) {
      error_ = absl::StrFormat("JSON nested deeper than %d levels", kMaxJsonDepth);
      return false;
    }
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  std::vector<absl::flat_hash_set<std::string>> keys_;
  int depth_ = 0;
  std::string error_;
};

// ----------------------------------------------------------------------------- serialization

// |s| as UTF-16 code units, the order RFC 8785 sorts member names by.
absl::StatusOr<std::u16string> Utf16(absl::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    if (!NextCodePoint(s, &i, &cp)) return absl::InvalidArgumentError("string is not UTF-8");
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

absl::Status AppendString(absl::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    uint32_t cp;
    if (!NextCodePoint(s, &i, &cp)) {
      return absl::InvalidArgumentError(absl::StrFormat("string is not UTF-8 (byte %d)", start));
    }
    switch (cp) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (cp < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", cp);
        } else {
          out->append(s.data() + start, i - start);
        }
    }
  }
  out->push_back('"');
  return absl::OkStatus();
}

// 2^53: the largest magnitude up to which every integer is an IEEE 754 double.
constexpr uint64_t kMaxSafe = uint64_t{1} << 53;

}  // namespace

std::string FormatEs6Number(double v) {
  if (v == 0) return "0";  // Also -0.
  std::string out;
  if (v < 0) {
    out.push_back('-');
    v = -v;
  }
  // Shortest round-trip digits, as "d.ddde[+-]xx".
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  const absl::string_view sci(buf, res.ptr - buf);
  const size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c != '.') digits.push_back(c);
  }
  const int exp10 = std::atoi(std::string(sci.substr(e + 1)).c_str());
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // v = 0.digits * 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(n - k, '0');
  } else if (0 < n && n <= 21) {
    out += digits.substr(0, n);
    out.push_back('.');
    out += digits.substr(n);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(-n, '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out += digits.substr(1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

namespace {

absl::Status Append(const json& v, int depth, std::string* out) {
  if (depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError(
        absl::StrFormat("JSON nested deeper than %d levels", kMaxJsonDepth));
  }
  switch (v.type()) {
    case json::value_t::null:
      out->append("null");
      return absl::OkStatus();
    case json::value_t::boolean:
      out->append(v.get<bool>() ? "true" : "false");
      return absl::OkStatus();
    case json::value_t::number_integer: {
      const int64_t i = v.get<int64_t>();
      const uint64_t mag = i < 0 ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
      if (mag > kMaxSafe) {
        // Beyond 2^53 only the integers that are exactly a double are numbers RFC 8785 can
        // keep (the canonical form of 8.6231e18 is "8623100000000000000", which must read back
        // as itself); the others would silently change value.
        // Kept when it is exactly a double, or when it already is its double's canonical
        // digits (the canonical form of a double near 2^63 rounds the last digits to zeros).
        const double d = static_cast<double>(i);
        const bool exact = d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
                           static_cast<int64_t>(d) == i;
        if (!exact && FormatEs6Number(d) != absl::StrCat(i)) {
          return absl::InvalidArgumentError(
              absl::StrFormat("integer %d is not exactly an IEEE 754 double (beyond +/-2^53)", i));
        }
        out->append(FormatEs6Number(d));
        return absl::OkStatus();
      }
      absl::StrAppend(out, i);
      return absl::OkStatus();
    }
    case json::value_t::number_unsigned: {
      const uint64_t u = v.get<uint64_t>();
      if (u > kMaxSafe) {
        const double d = static_cast<double>(u);
        const bool exact = d < 18446744073709551616.0 && static_cast<uint64_t>(d) == u;
        if (!exact && FormatEs6Number(d) != absl::StrCat(u)) {
          return absl::InvalidArgumentError(
              absl::StrFormat("integer %d is not exactly an IEEE 754 double (beyond +/-2^53)", u));
        }
        out->append(FormatEs6Number(d));
        return absl::OkStatus();
      }
      absl::StrAppend(out, u);
      return absl::OkStatus();
    }
    case json::value_t::number_float: {
      const double d = v.get<double>();
      if (!std::isfinite(d)) return absl::InvalidArgumentError("number is not finite");
      out->append(FormatEs6Number(d));
      return absl::OkStatus();
    }
    case json::value_t::string:
      return AppendString(v.get_ref<const std::string&>(), out);
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->push_back(',');
        first = false;
        absl::Status s = Append(e, depth + 1, out);
        if (!s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case json::value_t::object: {
      std::vector<std::pair<std::u16string, json::const_iterator>> members;
      members.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) {
        absl::StatusOr<std::u16string> k = Utf16(it.key());
        if (!k.ok()) return absl::InvalidArgumentError("member name is not UTF-8");
        members.emplace_back(*std::move(k), it);
      }
      std::sort(members.begin(), members.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      out->push_back('{');
      bool first = true;
      for (const auto& [unused, it] : members) {
        if (!first) out->push_back(',');
        first = false;
        absl::Status s = AppendString(it.key(), out);
        if (!s.ok()) return s;
        out->push_back(':');
        s = Append(it.value(), depth + 1, out);
        if (!s.ok()) return s;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
    case json::value_t::binary:
      return absl::InvalidArgumentError("binary values are not JSON");
    case json::value_t::discarded:
      return absl::InvalidArgumentError("discarded (invalid) JSON value");
  }
  return absl::InvalidArgumentError("unknown JSON value type");
}

}  // namespace

absl::StatusOr<nlohmann::json> ParseJson(absl::string_view json_text) {
  json result;
  StrictSax sax(result);
  bool ok = false;
  try {
    const char* begin = json_text.data();
    ok = json::sax_parse(begin, begin + json_text.size(), &sax, json::input_format_t::json,
                         /*strict=*/true);
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", e.what()));
  }
  if (!ok || result.is_discarded()) {
    return absl::InvalidArgumentError(sax.error().empty() ? "invalid JSON" : sax.error());
  }
  return result;
}

absl::StatusOr<std::string> Canonicalize(const nlohmann::json& value) {
  std::string out;
  try {
    absl::Status s = Append(value, 0, &out);
    if (!s.ok()) return s;
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot canonicalize: ", e.what()));
  }
  return out;
}

absl::StatusOr<std::string> CanonicalizeText(absl::string_view json_text) {
  absl::StatusOr<json> v = ParseJson(json_text);
  if (!v.ok()) return v.status();
  return Canonicalize(*v);
}

}  // namespace vouch::log
