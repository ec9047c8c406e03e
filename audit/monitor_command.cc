// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/commands.h"
#include "audit/flags.h"
#include "audit/monitor.h"
#include "audit/state.h"
#include "client/trust_root.h"

namespace vouch::audit {
namespace {

constexpr char kUsage[] =
    "usage: vouch-audit monitor URL --config FILE --trusted-root FILE --state DIR\n"
    "       [--once] [--interval D] [--start N] [--gossip FILE]... [--no-signatures]\n"
    "Follows the log at URL and prints a JSON line (and POSTs it to the config's webhook) for\n"
    "every new entry matching a watch rule. Exit 0; 1 when the log misbehaved (evidence in\n"
    "DIR/evidence); 2 usage; 3 error.\n";

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "vouch-audit monitor: %s\n", msg.c_str());
  return code;
}

}  // namespace

int MonitorCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(
      args, {"config", "trusted-root", "state", "interval", "start", "gossip", "in-flight"},
      {"once", "no-signatures", "help"});
  if (!flags.ok() || flags->Has("help") || flags->positional.size() != 1 || !flags->Has("config") ||
      !flags->Has("trusted-root") || !flags->Has("state")) {
    if (!flags.ok()) std::fprintf(stderr, "%s\n", std::string(flags.status().message()).c_str());
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto text = ReadFileContents(flags->Get("config"));
  if (!text.ok()) return Fail(std::string(text.status().message()), kExitUsage);
  auto config = ParseMonitorConfig(*text);
  if (!config.ok()) return Fail(std::string(config.status().message()), kExitUsage);
  auto interval = flags->Duration("interval", config->interval);
  auto start = flags->Uint("start", 0);
  auto in_flight = flags->Uint("in-flight", 16);
  if (!interval.ok() || !start.ok() || !in_flight.ok()) {
    return Fail("bad --interval, --start or --in-flight", kExitUsage);
  }
  auto root = client::TrustRoot::FromFile(flags->Get("trusted-root"));
  if (!root.ok()) return Fail(std::string(root.status().message()), kExitUsage);
  auto matcher = Matcher::New(config->rules);
  if (!matcher.ok()) return Fail(std::string(matcher.status().message()), kExitUsage);
  auto dir = StateDir::Open(flags->Get("state"));
  if (!dir.ok()) return Fail(std::string(dir.status().message()), kExitError);

  MonitorOptions o;
  o.config = *config;
  o.replay.log_url = flags->positional[0];
  o.replay.trust_root = &*root;
  o.replay.gossip_files = flags->All("gossip");
  o.replay.start = *start;
  o.replay.check_signatures = !flags->Has("no-signatures");
  o.replay.http.max_in_flight = static_cast<int>(std::max<uint64_t>(1, *in_flight));

  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  while (true) {
    auto cycle = RunMonitorCycle(**dir, o, **matcher);
    if (!cycle.ok()) {
      std::fprintf(stderr, "vouch-audit monitor: %s\n",
                   std::string(cycle.status().message()).c_str());
      if (flags->Has("once")) return kExitError;
    } else {
      std::fprintf(
          stderr,
          "vouch-audit monitor: tree %llu -> %llu, %llu entries, %d alerts, %d delivered%s\n",
          static_cast<unsigned long long>(cycle->replay.old_size),
          static_cast<unsigned long long>(cycle->replay.size),
          static_cast<unsigned long long>(cycle->replay.entries), cycle->alerts, cycle->delivered,
          cycle->webhook_failed ? " (webhook failed; retried next cycle)" : "");
      for (const Finding& f : cycle->replay.findings) {
        std::fprintf(stderr, "FINDING %s: %s (evidence: %s)\n", f.kind.c_str(), f.summary.c_str(),
                     f.evidence_path.c_str());
      }
      if (!cycle->replay.clean()) return kExitFindings;
      if (flags->Has("once")) return cycle->webhook_failed ? kExitError : kExitOk;
    }
    timespec ts;
    ts.tv_sec = static_cast<time_t>(absl::ToInt64Seconds(*interval));
    ts.tv_nsec = static_cast<long>(absl::ToInt64Nanoseconds(*interval % absl::Seconds(1)));
    if (sigtimedwait(&set, nullptr, &ts) > 0) return kExitOk;
  }
}

}  // namespace vouch::audit
