// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The `vouch` verify commands (offline; docs/client.md):
//   verify-bundle       the Sigstore conformance protocol
//   verify-blob         cosign verify-blob's flags
//   verify-attestation  cosign verify-blob-attestation's flags plus predicate conditions
// Each returns the process exit code: 0 verified, 1 not verified, 2 usage error.
#ifndef VOUCH_CLIENT_CLI_VERIFY_COMMAND_H_
#define VOUCH_CLIENT_CLI_VERIFY_COMMAND_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli/args.h"
#include "client/verify.h"

namespace vouch::cli {

int VerifyBundleCommand(const std::vector<std::string>& args);
int VerifyBlobCommand(const std::vector<std::string>& args);
int VerifyAttestationCommand(const std::vector<std::string>& args);

// ---- shared with the image verify commands (image_command.cc) ----

// The identity/key policy flags: --key, --certificate-identity[-regexp],
// --certificate-oidc-issuer[-regexp], --trusted-root, --witness-key, --witness-threshold,
// --output.
const std::set<std::string>& VerifyPolicyFlags();
// The boolean ones: --insecure-ignore-sct (cosign's: no SCT check even when the trusted root
// lists CT logs).
const std::set<std::string>& VerifyPolicyBoolFlags();

// The identity policy from the flags, its regular expressions compiled once to check them.
// InvalidArgument (a usage error) for a bad regular expression, --key together with an
// identity, keyless verification without both an identity and an issuer flag, or unusable
// witness flags (an unreadable or malformed --witness-key file, a bad threshold).
absl::StatusOr<client::VerifyOptions> VerifyOptionsFromFlags(const ParsedArgs& args);

// Sets options->key from --key (a public key or certificate PEM), if given. An error (not
// verified, exit 1) names the key file's problem with the prefix "key: ".
absl::Status LoadVerifyKey(const ParsedArgs& args, client::VerifyOptions* options);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_VERIFY_COMMAND_H_
