// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch attest --predicate FILE --type URI SUBJECT...`: an in-toto Statement v1 over the
// SUBJECT files (sha256 digests) with the predicate, signed as a DSSE envelope
// (application/vnd.in-toto+json) and logged as a dsse 0.0.1 entry; writes a bundle with a
// dsseEnvelope. Returns the exit code: 0 signed, 1 failed, 2 usage error.
#ifndef VOUCH_CLIENT_CLI_ATTEST_COMMAND_H_
#define VOUCH_CLIENT_CLI_ATTEST_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "client/cli/args.h"
#include "client/sign/transport.h"

namespace vouch::cli {

int AttestCommand(const std::vector<std::string>& args);
int RunAttest(const std::vector<std::string>& args, client::Transport* transport);

// Signs |statement| (in-toto Statement JSON) as DSSE with the signer the signing flags in |args|
// describe, writes the bundle to |bundle_path| and, if --statement-out is set, the statement.
// Prints a progress line on stderr.
absl::Status SignStatement(const ParsedArgs& args, const std::string& statement,
                           const std::string& bundle_path, client::Transport* transport);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_ATTEST_COMMAND_H_
