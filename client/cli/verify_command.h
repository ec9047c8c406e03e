// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The `vouch` verify commands (offline; docs/client.md):
//   verify-bundle       the Sigstore conformance protocol
//   verify-blob         cosign verify-blob's flags
//   verify-attestation  cosign verify-blob-attestation's flags plus predicate conditions
// Each returns the process exit code: 0 verified, 1 not verified, 2 usage error.
#ifndef VOUCH_CLIENT_CLI_VERIFY_COMMAND_H_
#define VOUCH_CLIENT_CLI_VERIFY_COMMAND_H_

#include <string>
#include <vector>

namespace vouch::cli {

int VerifyBundleCommand(const std::vector<std::string>& args);
int VerifyBlobCommand(const std::vector<std::string>& args);
int VerifyAttestationCommand(const std::vector<std::string>& args);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_VERIFY_COMMAND_H_
