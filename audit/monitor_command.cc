// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/commands.h"
#include "audit/flags.h"
#include "audit/monitor.h"
#include "audit/state.h"
#include "client/trust_root.h"
#include "nlohmann/json.hpp"

namespace vouch::audit {
namespace {

constexpr char kUsage[] =
    "usage: vouch-audit monitor URL --config FILE --trusted-root FILE --state DIR\n"
    "       [--once] [--interval D] [--start N] [--gossip FILE]... [--no-signatures]\n"
    "       [--ct-url URL | --no-ct]\n"
    "Follows the log at URL and prints a JSON line (and POSTs it to the config's webhook) for\n"
    "every new entry matching a watch rule; and follows the CA's CT log (the trusted root's\n"
    "ctlogs baseUrl, or --ct-url) for certificates issued to watched identities. Exit 0; 1 when\n"
    "a log misbehaved (evidence in DIR/evidence); 2 usage; 3 error.\n";

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "vouch-audit monitor: %s\n", msg.c_str());
  return code;
}

}  // namespace

int MonitorCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(
      args,
      {"config", "trusted-root", "state", "interval", "start", "gossip", "in-flight", "ct-url"},
      {"once", "no-signatures", "no-ct", "help"});
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
  // The CT log: --ct-url, else the base URL of the trusted root's last (newest) ctlog.
  std::string ct_url = flags->Get("ct-url");
  const bool ct_explicit = !ct_url.empty();
  if (flags->Has("no-ct")) {
    if (ct_explicit) return Fail("--ct-url and --no-ct exclude each other", kExitUsage);
  } else if (!ct_explicit && !root->ctlogs().empty()) {
    auto text = ReadFileContents(flags->Get("trusted-root"));
    nlohmann::json j = text.ok() ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
    if (j.is_object() && j.contains("ctlogs") && j["ctlogs"].is_array()) {
      for (const nlohmann::json& l : j["ctlogs"]) {
        if (l.is_object() && l.contains("baseUrl") && l["baseUrl"].is_string()) {
          ct_url = l["baseUrl"].get<std::string>();
        }
      }
    }
  }
  if (!ct_url.empty() && root->ctlogs().empty()) {
    return Fail("--ct-url: the trusted root lists no CT log key to verify it with", kExitUsage);
  }
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
  std::unique_ptr<CtSource> ct;
  if (!ct_url.empty()) {
    HttpClientOptions ho = o.replay.http;
    if (!ct_explicit) ho.max_attempts = 2;  // found in the trusted root: may be unreachable
    auto source = NewHttpCtSource(ct_url, ho);
    if (!source.ok()) return Fail(std::string(source.status().message()), kExitUsage);
    ct = *std::move(source);
  }
  while (true) {
    auto cycle = RunMonitorCycle(**dir, o, **matcher);
    int ct_exit = kExitOk;
    if (ct != nullptr) {
      auto c = RunCtMonitorCycle(**dir, o, **matcher, ct.get());
      if (!c.ok()) {
        std::fprintf(stderr, "vouch-audit monitor: CT log %s%s: %s\n", ct->url().c_str(),
                     ct_explicit ? "" : " (from the trusted root; not followed this cycle)",
                     std::string(c.status().message()).c_str());
        if (ct_explicit) ct_exit = kExitError;
      } else {
        std::fprintf(stderr,
                     "vouch-audit monitor: CT log %s: tree %llu -> %llu, %llu entries, %d "
                     "alerts, %d delivered%s\n",
                     ct->url().c_str(), static_cast<unsigned long long>(c->follow.old_size),
                     static_cast<unsigned long long>(c->follow.size),
                     static_cast<unsigned long long>(c->follow.entries), c->alerts, c->delivered,
                     c->webhook_failed ? " (webhook failed; retried next cycle)" : "");
        for (const std::string& w : c->follow.warnings) {
          std::fprintf(stderr, "warning: %s\n", w.c_str());
        }
        for (const Finding& f : c->follow.findings) {
          std::fprintf(stderr, "FINDING %s: %s (evidence: %s)\n", f.kind.c_str(), f.summary.c_str(),
                       f.evidence_path.c_str());
        }
        if (!c->follow.clean()) {
          ct_exit = kExitFindings;
        } else if (c->webhook_failed) {
          ct_exit = kExitError;
        }
      }
    }
    if (!cycle.ok()) {
      std::fprintf(stderr, "vouch-audit monitor: %s\n",
                   std::string(cycle.status().message()).c_str());
      if (ct_exit == kExitFindings) return kExitFindings;
      if (flags->Has("once")) return kExitError;
    } else {
      std::fprintf(stderr,
                   "vouch-audit monitor: tree %llu -> %llu, %llu entries (%llu with an untrusted "
                   "certificate), %d alerts, %d delivered%s\n",
                   static_cast<unsigned long long>(cycle->replay.old_size),
                   static_cast<unsigned long long>(cycle->replay.size),
                   static_cast<unsigned long long>(cycle->replay.entries),
                   static_cast<unsigned long long>(cycle->replay.untrusted_entries), cycle->alerts,
                   cycle->delivered,
                   cycle->webhook_failed ? " (webhook failed; retried next cycle)" : "");
      for (const Finding& f : cycle->replay.findings) {
        std::fprintf(stderr, "FINDING %s: %s (evidence: %s)\n", f.kind.c_str(), f.summary.c_str(),
                     f.evidence_path.c_str());
      }
      if (!cycle->replay.clean() || ct_exit == kExitFindings) return kExitFindings;
      if (flags->Has("once")) {
        return cycle->webhook_failed || ct_exit == kExitError ? kExitError : kExitOk;
      }
    }
    timespec ts;
    ts.tv_sec = static_cast<time_t>(absl::ToInt64Seconds(*interval));
    ts.tv_nsec = static_cast<long>(absl::ToInt64Nanoseconds(*interval % absl::Seconds(1)));
    if (sigtimedwait(&set, nullptr, &ts) > 0) return kExitOk;
  }
}

}  // namespace vouch::audit
