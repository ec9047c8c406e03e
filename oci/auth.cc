// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/auth.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "nlohmann/json.hpp"

namespace vouch::oci {
namespace {

using json = nlohmann::json;

constexpr size_t kMaxParamValue = 4096;

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) || absl::StrContains("!#$%&'*+-.^_`|~/", c);
}

void SkipSpace(absl::string_view s, size_t* i) {
  while (*i < s.size() && (s[*i] == ' ' || s[*i] == '\t')) ++*i;
}

absl::string_view ReadToken(absl::string_view s, size_t* i) {
  const size_t start = *i;
  while (*i < s.size() && IsTokenChar(s[*i])) ++*i;
  return s.substr(start, *i - start);
}

// Drops "scheme://" and anything from the first '/' on.
std::string HostOfKey(absl::string_view key) {
  const size_t scheme = key.find("://");
  if (scheme != absl::string_view::npos) key = key.substr(scheme + 3);
  key = key.substr(0, key.find('/'));
  return absl::AsciiStrToLower(key);
}

}  // namespace

absl::StatusOr<std::vector<Challenge>> ParseWwwAuthenticate(absl::string_view header) {
  std::vector<Challenge> out;
  size_t i = 0;
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("WWW-Authenticate \"", header.substr(0, 200), "\": ", why));
  };
  while (true) {
    SkipSpace(header, &i);
    while (i < header.size() && header[i] == ',') {
      ++i;
      SkipSpace(header, &i);
    }
    if (i >= header.size()) break;
    absl::string_view scheme = ReadToken(header, &i);
    if (scheme.empty()) return bad("want an authentication scheme");
    Challenge challenge;
    challenge.scheme = absl::AsciiStrToLower(scheme);
    // Parameters until the next challenge (a token not followed by '=').
    while (true) {
      SkipSpace(header, &i);
      if (i >= header.size()) break;
      const size_t mark = i;
      absl::string_view name = ReadToken(header, &i);
      SkipSpace(header, &i);
      if (name.empty() || i >= header.size() || header[i] != '=') {
        if (name.empty() && i < header.size() && header[i] == ',') {
          ++i;
          continue;
        }
        i = mark;  // the start of the next challenge
        break;
      }
      ++i;  // '='
      SkipSpace(header, &i);
      std::string value;
      if (i < header.size() && header[i] == '"') {
        ++i;
        bool closed = false;
        while (i < header.size()) {
          char c = header[i++];
          if (c == '\\' && i < header.size()) {
            value.push_back(header[i++]);
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value.push_back(c);
          }
          if (value.size() > kMaxParamValue) return bad("parameter value too long");
        }
        if (!closed) return bad("unterminated quoted string");
      } else {
        value = std::string(ReadToken(header, &i));
        // token68 forms (e.g. "Basic abc==") end up here too; keep them as they are.
        while (i < header.size() && header[i] == '=') value.push_back(header[i++]);
      }
      if (value.size() > kMaxParamValue) return bad("parameter value too long");
      challenge.params[absl::AsciiStrToLower(name)] = value;
      SkipSpace(header, &i);
      if (i < header.size() && header[i] == ',') ++i;
    }
    out.push_back(std::move(challenge));
  }
  if (out.empty()) return bad("no challenge");
  return out;
}

absl::StatusOr<Token> ParseTokenResponse(absl::string_view body) {
  json j = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("token answer: not a JSON object");
  }
  Token t;
  for (const char* key : {"token", "access_token"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      t.token = it->get<std::string>();
      break;
    }
  }
  if (t.token.empty()) {
    return absl::InvalidArgumentError("token answer: no \"token\" or \"access_token\"");
  }
  auto exp = j.find("expires_in");
  if (exp != j.end() && exp->is_number_integer() && exp->get<int64_t>() > 0) {
    t.expires_in = absl::Seconds(std::min<int64_t>(exp->get<int64_t>(), 86400));
  }
  auto refresh = j.find("refresh_token");
  if (refresh != j.end() && refresh->is_string()) t.refresh_token = refresh->get<std::string>();
  return t;
}

std::string DefaultDockerConfigPath() {
  if (const char* dir = std::getenv("DOCKER_CONFIG"); dir != nullptr && *dir != '\0') {
    return absl::StrCat(dir, "/config.json");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    return absl::StrCat(home, "/.docker/config.json");
  }
  return "";
}

absl::StatusOr<std::optional<Credentials>> CredentialsFromDockerConfig(
    absl::string_view config_json, absl::string_view registry) {
  json j = json::parse(config_json.begin(), config_json.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("docker config: not a JSON object");
  }
  const std::string want = absl::AsciiStrToLower(registry);
  const bool hub =
      want == "docker.io" || want == "index.docker.io" || want == "registry-1.docker.io";
  auto auths = j.find("auths");
  if (auths != j.end() && !auths->is_null()) {
    if (!auths->is_object())
      return absl::InvalidArgumentError("docker config: auths: want an object");
    for (auto& [key, entry] : auths->items()) {
      const std::string host = HostOfKey(key);
      const bool match =
          host == want || (hub && (host == "index.docker.io" || host == "docker.io" ||
                                   host == "registry-1.docker.io"));
      if (!match) continue;
      const std::string where = absl::StrCat("docker config: auths[\"", key.substr(0, 100), "\"]");
      if (!entry.is_object()) return absl::InvalidArgumentError(where + ": want an object");
      Credentials c;
      const json& fields = entry;  // clang 14 cannot capture a structured binding
      const auto str = [&](const char* name, std::string* out) -> absl::Status {
        auto it = fields.find(name);
        if (it == fields.end() || it->is_null()) return absl::OkStatus();
        if (!it->is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ".", name, ": want a string"));
        }
        *out = it->get<std::string>();
        return absl::OkStatus();
      };
      std::string auth;
      for (auto [name, out] : {std::pair<const char*, std::string*>{"auth", &auth},
                               {"username", &c.username},
                               {"password", &c.password},
                               {"identitytoken", &c.identity_token}}) {
        if (auto s = str(name, out); !s.ok()) return s;
      }
      if (!auth.empty()) {
        std::string decoded;
        if (!absl::Base64Unescape(auth, &decoded)) {
          return absl::InvalidArgumentError(where + ".auth: not base64");
        }
        const size_t colon = decoded.find(':');
        if (colon == std::string::npos) {
          return absl::InvalidArgumentError(where + ".auth: want base64(\"user:password\")");
        }
        c.username = decoded.substr(0, colon);
        c.password = decoded.substr(colon + 1);
      }
      if (c.empty()) continue;  // e.g. {"auth": ""} next to a credential helper
      return std::optional<Credentials>(c);
    }
  }
  // A credential helper named for this registry is the only place its credentials are; a global
  // "credsStore" is only a default, so anonymous access goes on without it.
  auto helpers = j.find("credHelpers");
  if (helpers != j.end() && helpers->is_object()) {
    for (auto& [key, _] : helpers->items()) {
      if (HostOfKey(key) == want) {
        return absl::UnimplementedError(absl::StrCat(
            "docker config: credentials for ", registry,
            " are kept by a credential helper (credHelpers), which vouch does not run; give "
            "the username and password explicitly"));
      }
    }
  }
  return std::optional<Credentials>();
}

absl::StatusOr<std::optional<Credentials>> LoadDockerCredentials(const std::string& path,
                                                                 absl::string_view registry) {
  if (path.empty()) return std::optional<Credentials>();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return std::optional<Credentials>();
    return absl::FailedPreconditionError(absl::StrCat("docker config ", path, ": cannot read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto c = CredentialsFromDockerConfig(text.str(), registry);
  if (!c.ok())
    return absl::Status(c.status().code(), absl::StrCat(path, ": ", c.status().message()));
  return c;
}

}  // namespace vouch::oci
