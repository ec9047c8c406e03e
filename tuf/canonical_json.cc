// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/canonical_json.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "log/entry/canonical_json.h"

namespace vouch::tuf {
namespace {

void AppendString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

absl::Status Append(const nlohmann::json& v, std::string* out) {
  switch (v.type()) {
    case nlohmann::json::value_t::null:
      out->append("null");
      return absl::OkStatus();
    case nlohmann::json::value_t::boolean:
      out->append(v.get<bool>() ? "true" : "false");
      return absl::OkStatus();
    case nlohmann::json::value_t::number_integer:
      absl::StrAppend(out, v.get<int64_t>());
      return absl::OkStatus();
    case nlohmann::json::value_t::number_unsigned:
      absl::StrAppend(out, v.get<uint64_t>());
      return absl::OkStatus();
    case nlohmann::json::value_t::number_float:
      return absl::InvalidArgumentError(absl::StrCat("canonical JSON has no floats: ", v.dump()));
    case nlohmann::json::value_t::string:
      AppendString(v.get_ref<const std::string&>(), out);
      return absl::OkStatus();
    case nlohmann::json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const auto& e : v) {
        if (!first) out->push_back(',');
        first = false;
        absl::Status s = Append(e, out);
        if (!s.ok()) return s;
      }
      out->push_back(']');
      return absl::OkStatus();
    }
    case nlohmann::json::value_t::object: {
      // nlohmann::json objects are std::map<std::string, ...>: iteration is in byte order.
      out->push_back('{');
      bool first = true;
      for (auto it = v.begin(); it != v.end(); ++it) {
        if (!first) out->push_back(',');
        first = false;
        AppendString(it.key(), out);
        out->push_back(':');
        absl::Status s = Append(it.value(), out);
        if (!s.ok()) return s;
      }
      out->push_back('}');
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError("canonical JSON: unsupported value (binary)");
  }
}

}  // namespace

absl::StatusOr<std::string> CanonicalJson(const nlohmann::json& value) {
  std::string out;
  absl::Status s = Append(value, &out);
  if (!s.ok()) return s;
  return out;
}

absl::StatusOr<nlohmann::json> ParseJson(absl::string_view text) { return log::ParseJson(text); }

}  // namespace vouch::tuf
