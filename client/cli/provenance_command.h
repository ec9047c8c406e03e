// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch provenance`: SLSA provenance v1 (https://slsa.dev/provenance/v1) for a build, signed as
// an in-toto attestation like `vouch attest`:
//   vouch provenance [flags] --subject FILE... -- COMMAND ARGS...   runs the build (no shell),
//       records startedOn/finishedOn, the command and working directory, then hashes the
//       subjects (--subject files and every file under --output-dir) after it ran;
//   vouch provenance [flags] --description FILE [--subject FILE...]  a build described as JSON
//       (client/sign/statement.h, ParseBuildDescription).
// Returns the exit code: 0 signed, 1 failed (including a failed build), 2 usage error.
#ifndef VOUCH_CLIENT_CLI_PROVENANCE_COMMAND_H_
#define VOUCH_CLIENT_CLI_PROVENANCE_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/sign/transport.h"

namespace vouch::cli {

int ProvenanceCommand(const std::vector<std::string>& args);
int RunProvenance(const std::vector<std::string>& args, client::Transport* transport);

// Runs |argv| (PATH lookup, no shell) with this process's stdio and environment and waits.
// Returns the exit status; Internal if it could not be started, Aborted if killed by a signal.
absl::StatusOr<int> RunBuildCommand(const std::vector<std::string>& argv);

// Every regular file under |dir| (recursively; symbolic links not followed), sorted, as
// paths starting with |dir|.
absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_PROVENANCE_COMMAND_H_
