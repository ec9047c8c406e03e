// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/registry_flags.h"

#include <iostream>

#include "absl/strings/strip.h"

namespace vouch::cli {

const std::set<std::string>& RegistryValueFlags() {
  static const std::set<std::string> kFlags = {"registry-username", "registry-password",
                                               "registry-cacert"};
  return kFlags;
}

const std::set<std::string>& RegistryBoolFlags() {
  static const std::set<std::string> kFlags = {"registry-password-stdin",
                                               "allow-insecure-registry"};
  return kFlags;
}

const char* RegistryFlagsUsage() {
  return "registry flags:\n"
         "  --registry-username U --registry-password P | --registry-password-stdin\n"
         "      (default: ~/.docker/config.json or $DOCKER_CONFIG/config.json)\n"
         "  --registry-cacert PEM: trust these CAs for the registry instead of the system store\n"
         "  --allow-insecure-registry: plain http to registries that are not on a loopback "
         "address\n";
}

absl::StatusOr<oci::RegistryOptions> RegistryOptionsFromFlags(const ParsedArgs& args) {
  oci::RegistryOptions o;
  o.ca_file = args.Get("registry-cacert");
  o.allow_insecure = args.Has("allow-insecure-registry");
  const bool has_password = args.Has("registry-password") || args.Has("registry-password-stdin");
  if (args.Has("registry-password") && args.Has("registry-password-stdin")) {
    return absl::InvalidArgumentError(
        "--registry-password and --registry-password-stdin exclude each other");
  }
  if (has_password != args.Has("registry-username")) {
    return absl::InvalidArgumentError(
        "--registry-username and a password (--registry-password or --registry-password-stdin) "
        "go together");
  }
  if (args.Has("registry-username")) {
    oci::Credentials c;
    c.username = args.Get("registry-username");
    if (args.Has("registry-password-stdin")) {
      std::string line;
      std::getline(std::cin, line);
      c.password = std::string(absl::StripTrailingAsciiWhitespace(line));
    } else {
      c.password = args.Get("registry-password");
    }
    o.credentials = c;
  }
  return o;
}

}  // namespace vouch::cli
