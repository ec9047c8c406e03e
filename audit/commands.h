// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-audit's subcommands. Each takes the arguments after its name and returns the process
// exit code (kExit*); output goes to stdout, diagnostics and progress to stderr.
#ifndef VOUCH_AUDIT_COMMANDS_H_
#define VOUCH_AUDIT_COMMANDS_H_

#include <string>
#include <vector>

namespace vouch::audit {

inline constexpr int kExitOk = 0;        // done, the log checked out
inline constexpr int kExitFindings = 1;  // the log misbehaved: evidence written
inline constexpr int kExitUsage = 2;     // bad command line
inline constexpr int kExitError = 3;     // could not do the work (network, files)

int ReplayCommand(const std::vector<std::string>& args);
int WitnessCommand(const std::vector<std::string>& args);
int MonitorCommand(const std::vector<std::string>& args);
int ReportCommand(const std::vector<std::string>& args);
int WitnessedBundleCommand(const std::vector<std::string>& args);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_COMMANDS_H_
