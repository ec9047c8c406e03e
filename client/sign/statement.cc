// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/sign/statement.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/openssl_ptr.h"

namespace vouch::client {
namespace {

using nlohmann::json;

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

bool IsHex(absl::string_view s, size_t len) {
  if (s.size() != len) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

json DescriptorJson(const ResourceDescriptor& d) {
  json out = json::object();
  if (!d.uri.empty()) out["uri"] = d.uri;
  if (!d.name.empty()) out["name"] = d.name;
  json digest = json::object();
  for (const auto& [alg, hex] : d.digest) digest[alg] = hex;
  out["digest"] = digest;
  return out;
}

absl::StatusOr<ResourceDescriptor> DescriptorFromJson(const json& j, absl::string_view where) {
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": want an object"));
  ResourceDescriptor d;
  for (const char* field : {"name", "uri"}) {
    if (!j.contains(field)) continue;
    if (!j[field].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".", field, ": want a string"));
    }
    (std::string(field) == "name" ? d.name : d.uri) = j[field].get<std::string>();
  }
  if (j.contains("digest")) {
    if (!j["digest"].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".digest: want an object"));
    }
    for (const auto& [alg, value] : j["digest"].items()) {
      if (!value.is_string()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ".digest.", alg, ": want a string"));
      }
      d.digest[alg] = absl::AsciiStrToLower(value.get<std::string>());
    }
  }
  return d;
}

absl::StatusOr<absl::Time> ParseTime(const json& j, absl::string_view where) {
  absl::Time t;
  std::string err;
  if (!j.is_string() || !absl::ParseTime(absl::RFC3339_full, j.get<std::string>(), &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": want an RFC 3339 time ", err));
  }
  return t;
}

struct FileCloser {
  void operator()(FILE* f) const { fclose(f); }
};

}  // namespace

absl::StatusOr<std::string> Sha256FileHex(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> f(fopen(path.c_str(), "rb"));
  if (f == nullptr) {
    const int e = errno;
    const std::string msg = absl::StrCat(path, ": ", strerror(e));
    if (e == ENOENT) return absl::NotFoundError(msg);
    if (e == EACCES) return absl::PermissionDeniedError(msg);
    return absl::InternalError(msg);
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    return absl::InternalError("SHA-256 init failed");
  }
  std::string buf(1 << 16, '\0');
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    EVP_DigestUpdate(ctx.get(), buf.data(), n);
  }
  if (ferror(f.get())) return absl::InternalError(absl::StrCat(path, ": read error"));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    return absl::InternalError("SHA-256 final failed");
  }
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(md), len));
}

absl::StatusOr<ResourceDescriptor> SubjectForFile(const std::string& path) {
  auto hex = Sha256FileHex(path);
  if (!hex.ok()) return hex.status();
  ResourceDescriptor d;
  d.name = path;
  d.digest["sha256"] = *hex;
  return d;
}

absl::StatusOr<ResourceDescriptor> DependencyFromSpec(const std::string& spec) {
  const size_t at = spec.rfind("@sha256:");
  if (at != std::string::npos && at > 0) {
    const std::string hex = spec.substr(at + 8);
    if (IsHex(hex, 64)) {
      ResourceDescriptor d;
      d.uri = spec.substr(0, at);
      d.digest["sha256"] = absl::AsciiStrToLower(hex);
      return d;
    }
  }
  auto hex = Sha256FileHex(spec);
  if (hex.ok()) {
    ResourceDescriptor d;
    d.uri = absl::StrCat("file:", spec);
    d.digest["sha256"] = *hex;
    return d;
  }
  if (absl::IsNotFound(hex.status())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dependency \"", spec, "\": neither an existing file nor URI@sha256:HEX (64 hex digits)"));
  }
  return hex.status();
}

absl::StatusOr<std::string> MakeStatement(const std::vector<ResourceDescriptor>& subjects,
                                          absl::string_view predicate_type,
                                          absl::string_view predicate_json) {
  if (subjects.empty()) return absl::InvalidArgumentError("statement: no subjects");
  if (predicate_type.empty()) return absl::InvalidArgumentError("statement: no predicate type");
  json predicate = json::parse(predicate_json.begin(), predicate_json.end(), nullptr, false);
  if (!predicate.is_object()) {
    return absl::InvalidArgumentError("statement: the predicate is not a JSON object");
  }
  json subject = json::array();
  for (const ResourceDescriptor& s : subjects) {
    if (s.digest.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("statement: subject \"", s.name, "\" has no digest"));
    }
    subject.push_back(DescriptorJson(s));
  }
  json statement = {{"_type", kInTotoStatementV1},
                    {"subject", subject},
                    {"predicateType", std::string(predicate_type)},
                    {"predicate", predicate}};
  return Dump(statement);
}

absl::StatusOr<BuildDescription> ParseBuildDescription(absl::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (!j.is_object()) return absl::InvalidArgumentError("description: not a JSON object");
  BuildDescription b;
  auto str = [&](const char* field, std::string* out) -> absl::Status {
    if (!j.contains(field)) return absl::OkStatus();
    if (!j[field].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("description: ", field, ": want a string"));
    }
    *out = j[field].get<std::string>();
    return absl::OkStatus();
  };
  for (auto [field, out] : {std::pair<const char*, std::string*>{"buildType", &b.build_type},
                            {"builderId", &b.builder_id},
                            {"invocationId", &b.invocation_id}}) {
    absl::Status s = str(field, out);
    if (!s.ok()) return s;
  }
  for (auto [field, out] :
       {std::pair<const char*, json*>{"externalParameters", &b.external_parameters},
        {"internalParameters", &b.internal_parameters}}) {
    if (!j.contains(field)) continue;
    if (!j[field].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("description: ", field, ": want an object"));
    }
    *out = j[field];
  }
  for (auto [field, out] : {std::pair<const char*, absl::Time*>{"startedOn", &b.started_on},
                            {"finishedOn", &b.finished_on}}) {
    if (!j.contains(field)) continue;
    auto t = ParseTime(j[field], absl::StrCat("description: ", field));
    if (!t.ok()) return t.status();
    *out = *t;
  }
  for (auto [field, out] : {std::pair<const char*, std::vector<ResourceDescriptor>*>{
                                "resolvedDependencies", &b.resolved_dependencies},
                            {"subject", &b.subjects}}) {
    if (!j.contains(field)) continue;
    if (!j[field].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("description: ", field, ": want an array"));
    }
    for (size_t i = 0; i < j[field].size(); ++i) {
      auto d = DescriptorFromJson(j[field][i], absl::StrCat("description: ", field, "[", i, "]"));
      if (!d.ok()) return d.status();
      out->push_back(*std::move(d));
    }
  }
  return b;
}

absl::StatusOr<std::string> MakeProvenancePredicate(const BuildDescription& b) {
  if (b.build_type.empty()) return absl::InvalidArgumentError("provenance: empty buildType");
  if (b.builder_id.empty()) return absl::InvalidArgumentError("provenance: empty builder id");
  if (!b.external_parameters.is_object() || !b.internal_parameters.is_object()) {
    return absl::InvalidArgumentError("provenance: parameters must be JSON objects");
  }
  json deps = json::array();
  for (const ResourceDescriptor& d : b.resolved_dependencies) deps.push_back(DescriptorJson(d));
  json build_definition = {{"buildType", b.build_type},
                           {"externalParameters", b.external_parameters}};
  build_definition["internalParameters"] = b.internal_parameters;
  if (!deps.empty()) build_definition["resolvedDependencies"] = deps;
  json metadata = json::object();
  if (!b.invocation_id.empty()) metadata["invocationId"] = b.invocation_id;
  if (b.started_on != absl::InfinitePast()) metadata["startedOn"] = FormatRfc3339(b.started_on);
  if (b.finished_on != absl::InfinitePast()) metadata["finishedOn"] = FormatRfc3339(b.finished_on);
  json run_details = {{"builder", {{"id", b.builder_id}}}};
  if (!metadata.empty()) run_details["metadata"] = metadata;
  json predicate = {{"buildDefinition", build_definition}, {"runDetails", run_details}};
  return Dump(predicate);
}

std::string RandomUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof(b)) != 1) return "";
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const std::string h = absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(b), 16));
  return absl::StrCat(h.substr(0, 8), "-", h.substr(8, 4), "-", h.substr(12, 4), "-",
                      h.substr(16, 4), "-", h.substr(20));
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

}  // namespace vouch::client
