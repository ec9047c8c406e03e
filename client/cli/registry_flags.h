// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The registry flags every command that talks to a container registry takes (the image
// commands, `vouch provenance --image`, `vouch policy`): credentials, TLS trust and plain http.
// Stateless; thread-safe except that RegistryOptionsFromFlags reads stdin.
#ifndef VOUCH_CLIENT_CLI_REGISTRY_FLAGS_H_
#define VOUCH_CLIENT_CLI_REGISTRY_FLAGS_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "client/cli/args.h"
#include "oci/registry_client.h"

namespace vouch::cli {

// Registry flags: --registry-username, --registry-password, --registry-cacert (values);
// --registry-password-stdin, --allow-insecure-registry (booleans).
const std::set<std::string>& RegistryValueFlags();
const std::set<std::string>& RegistryBoolFlags();

// Their usage text, for a command's --help.
const char* RegistryFlagsUsage();

// The registry options they describe; the password from stdin (one line) with
// --registry-password-stdin. Docker's config.json supplies credentials when no username is
// given. InvalidArgument for a password without a username and vice versa.
absl::StatusOr<oci::RegistryOptions> RegistryOptionsFromFlags(const ParsedArgs& args);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_REGISTRY_FLAGS_H_
