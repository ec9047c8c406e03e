// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Registry authentication building blocks: credentials, WWW-Authenticate challenges (RFC 7235,
// as distribution sends them: `Bearer realm="...",service="...",scope="..."` or `Basic
// realm="..."`), token-server answers, and credentials from Docker's config.json (`auths` entries
// with a base64 `auth` or `username`/`password`, or an `identitytoken`). Stateless and
// thread-safe; the token flow itself is in registry_client.h.
#ifndef VOUCH_OCI_AUTH_H_
#define VOUCH_OCI_AUTH_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vouch::oci {

struct Credentials {
  std::string username;
  std::string password;
  // An OAuth2 refresh token (docker config "identitytoken"): exchanged at the token realm with
  // grant_type=refresh_token instead of sending username and password.
  std::string identity_token;

  bool empty() const { return username.empty() && password.empty() && identity_token.empty(); }
};

struct Challenge {
  std::string scheme;                         // lowercased: "bearer", "basic", ...
  std::map<std::string, std::string> params;  // names lowercased: realm, service, scope, error

  std::string Param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
};

// Parses a WWW-Authenticate header value: one or more challenges, each a scheme followed by
// comma-separated name=value or name="quoted \"value\"" parameters. InvalidArgument for
// unterminated quotes, missing '=' or values over 4 KiB.
absl::StatusOr<std::vector<Challenge>> ParseWwwAuthenticate(absl::string_view header);

// A token server's answer: {"token": T} or {"access_token": T}, optional "expires_in" seconds
// (default 60, as the distribution token spec says) and "refresh_token".
struct Token {
  std::string token;
  absl::Duration expires_in = absl::Seconds(60);
  std::string refresh_token;
};
absl::StatusOr<Token> ParseTokenResponse(absl::string_view body);

// The Docker config file: $DOCKER_CONFIG/config.json if DOCKER_CONFIG is set, else
// $HOME/.docker/config.json ("" when neither variable is set).
std::string DefaultDockerConfigPath();

// Credentials for |registry| (host[:port] as in a reference; "docker.io" also matches Docker's
// "https://index.docker.io/v1/" key) from the text of a config.json. Keys are compared after
// dropping a scheme and any path ("https://ghcr.io/v2/" matches "ghcr.io"). nullopt when there
// is no entry; InvalidArgument when the file or the entry is malformed (names the key), and
// Unimplemented when a credential helper is named for this registry ("credHelpers"; a global
// "credsStore" alone is ignored, as anonymous access may still work).
absl::StatusOr<std::optional<Credentials>> CredentialsFromDockerConfig(
    absl::string_view config_json, absl::string_view registry);

// The same from the file at |path|; nullopt if the file does not exist.
absl::StatusOr<std::optional<Credentials>> LoadDockerCredentials(const std::string& path,
                                                                 absl::string_view registry);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_AUTH_H_
