// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-audit: replays, witnesses, monitors and reports on Vouch (and Rekor-compatible) logs
// from their public read API (docs/audit.md).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "audit/commands.h"

namespace {

constexpr char kUsage[] =
    "usage: vouch-audit COMMAND ...\n"
    "  replay URL --trusted-root FILE --state DIR   rebuild and verify the log, continue later\n"
    "  monitor URL --config FILE                    watch new entries for identities, keys, "
    "digests\n"
    "  witness --key FILE --logs FILE               C2SP tlog-witness: cosign consistent "
    "checkpoints\n"
    "  report --state DIR [--from T] [--to T]       audit report (JSON and HTML)\n"
    "  witnessed-bundle BUNDLE --log URL            re-prove a bundle against the witnessed "
    "checkpoint\n"
    "Run a command with --help for its flags. Exit codes: 0 ok, 1 findings, 2 usage, 3 error.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? vouch::audit::kExitUsage : vouch::audit::kExitOk;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (cmd == "replay") return vouch::audit::ReplayCommand(args);
  if (cmd == "witness") return vouch::audit::WitnessCommand(args);
  if (cmd == "monitor") return vouch::audit::MonitorCommand(args);
  if (cmd == "report") return vouch::audit::ReportCommand(args);
  if (cmd == "witnessed-bundle") return vouch::audit::WitnessedBundleCommand(args);
  std::fprintf(stderr, "vouch-audit: unknown command \"%s\"\n%s", cmd.c_str(), kUsage);
  return vouch::audit::kExitUsage;
}
