// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/commands.h"
#include "audit/flags.h"
#include "audit/replay.h"
#include "audit/state.h"
#include "client/trust_root.h"
#include "nlohmann/json.hpp"

namespace vouch::audit {

namespace {

constexpr char kUsage[] =
    "usage: vouch-audit replay URL --trusted-root FILE --state DIR [--gossip FILE]...\n"
    "       [--full] [--start N] [--v1-api] [--no-signatures] [--no-chains]\n"
    "       [--threads N] [--in-flight N] [--window N] [--attempts N] [--output text|json]\n"
    "Replays the log at URL from its public read API, rebuilds its tree from the entries and\n"
    "checks every entry; continues from the state in DIR. Exit 0: consistent; 1: findings\n"
    "(evidence in DIR/evidence); 2: usage; 3: could not complete.\n";

}  // namespace

int ReplayCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args,
                          {"trusted-root", "state", "gossip", "threads", "in-flight", "window",
                           "start", "attempts", "output"},
                          {"full", "v1-api", "no-signatures", "no-chains", "help"});
  if (!flags.ok() || flags->Has("help") || flags->positional.size() != 1 ||
      !flags->Has("trusted-root") || !flags->Has("state")) {
    std::fprintf(stderr, "%s%s",
                 flags.ok() ? "" : (std::string(flags.status().message()) + "\n").c_str(), kUsage);
    return kExitUsage;
  }
  auto threads = flags->Uint("threads", 0);
  auto in_flight = flags->Uint("in-flight", 16);
  auto window = flags->Uint("window", 32);
  auto start = flags->Uint("start", 0);
  auto attempts = flags->Uint("attempts", HttpClientOptions().max_attempts);
  for (const auto* s : {&threads, &in_flight, &window, &start, &attempts}) {
    if (!s->ok()) {
      std::fprintf(stderr, "%s\n%s", std::string(s->status().message()).c_str(), kUsage);
      return kExitUsage;
    }
  }
  const std::string output = flags->Get("output", "text");
  if (output != "text" && output != "json") {
    std::fprintf(stderr, "--output: want text or json\n%s", kUsage);
    return kExitUsage;
  }
  auto root = client::TrustRoot::FromFile(flags->Get("trusted-root"));
  if (!root.ok()) {
    std::fprintf(stderr, "vouch-audit: %s\n", std::string(root.status().message()).c_str());
    return kExitUsage;
  }
  auto dir = StateDir::Open(flags->Get("state"));
  if (!dir.ok()) {
    std::fprintf(stderr, "vouch-audit: %s\n", std::string(dir.status().message()).c_str());
    return kExitError;
  }
  ReplayOptions o;
  o.log_url = flags->positional[0];
  o.trust_root = &*root;
  o.gossip_files = flags->All("gossip");
  o.threads = static_cast<int>(*threads);
  o.http.max_in_flight = static_cast<int>(std::max<uint64_t>(1, *in_flight));
  o.window_bundles = static_cast<int>(std::max<uint64_t>(1, *window));
  o.http.max_attempts = static_cast<int>(std::clamp<uint64_t>(*attempts, 1, 100));
  o.start = *start;
  o.full = flags->Has("full");
  o.v1_api = flags->Has("v1-api");
  o.check_signatures = !flags->Has("no-signatures");
  o.check_chains = !flags->Has("no-chains");
  o.progress = stderr;
  o.progress_terminal = ::isatty(2) != 0;
  auto r = Replay(**dir, o);
  if (!r.ok()) {
    std::fprintf(stderr, "vouch-audit: replay: %s\n", std::string(r.status().message()).c_str());
    return kExitError;
  }
  const double tree_rate = r->tree_seconds > 0 ? r->entries / r->tree_seconds : 0;
  const double check_rate = r->check_seconds > 0 ? r->entries / r->check_seconds : 0;
  if (output == "json") {
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& f : r->findings) {
      findings.push_back({{"kind", f.kind}, {"summary", f.summary}, {"evidence", f.evidence_path}});
    }
    nlohmann::json untrusted = nlohmann::json::array();
    for (const UntrustedEntry& u : r->untrusted) {
      untrusted.push_back({{"index", u.index}, {"uuid", u.uuid}, {"reason", u.reason}});
    }
    nlohmann::json j = {{"log", o.log_url},
                        {"consistent", r->clean()},
                        {"old_size", r->old_size},
                        {"size", r->size},
                        {"root", log::HashToHex(r->root)},
                        {"entries", r->entries},
                        {"invalid_entries", r->invalid_entries},
                        {"untrusted_entries", r->untrusted_entries},
                        {"untrusted", untrusted},
                        {"untrusted_record", r->untrusted_record},
                        {"signatures_verified", r->signatures},
                        {"chains_verified", r->chains},
                        {"scts_verified", r->scts},
                        {"tiles_compared", r->tiles_compared},
                        {"gossip_verified", r->gossip_verified},
                        {"v1_api", r->used_v1_api},
                        {"seconds", r->seconds},
                        {"tree_entries_per_second", tree_rate},
                        {"check_entries_per_second", check_rate},
                        {"findings", findings},
                        {"warnings", r->warnings}};
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    for (const std::string& w : r->warnings) std::printf("warning: %s\n", w.c_str());
    std::printf("log          %s\n", o.log_url.c_str());
    std::printf("tree         %llu -> %llu entries, root %s\n",
                static_cast<unsigned long long>(r->old_size),
                static_cast<unsigned long long>(r->size), log::HashToHex(r->root).c_str());
    std::printf("replayed     %llu entries in %.2fs (%s)\n",
                static_cast<unsigned long long>(r->entries), r->seconds,
                r->used_v1_api ? "Rekor v1 API" : "tlog-tiles");
    std::printf(
        "checked      %llu signatures, %llu certificate chains, %llu SCTs; %llu invalid "
        "entries\n",
        static_cast<unsigned long long>(r->signatures), static_cast<unsigned long long>(r->chains),
        static_cast<unsigned long long>(r->scts),
        static_cast<unsigned long long>(r->invalid_entries));
    if (r->untrusted_entries > 0) {
      std::printf(
          "untrusted    %llu entries signed with a certificate the trusted root does not "
          "vouch for (not findings; listed in %s)\n",
          static_cast<unsigned long long>(r->untrusted_entries), r->untrusted_record.c_str());
      for (const UntrustedEntry& u : r->untrusted) {
        std::printf("             index %llu: %s\n", static_cast<unsigned long long>(u.index),
                    u.reason.c_str());
      }
    }
    std::printf(
        "rates        tree %.0f entries/s (one thread), checks %.0f entries/s (all threads)\n",
        tree_rate, check_rate);
    std::printf("gossip       %llu checkpoints verified\n",
                static_cast<unsigned long long>(r->gossip_verified));
    if (r->clean()) {
      std::printf("result       CONSISTENT\n");
    } else {
      for (const Finding& f : r->findings) {
        std::printf("FINDING      %s: %s\n             evidence: %s\n", f.kind.c_str(),
                    f.summary.c_str(), f.evidence_path.c_str());
      }
    }
  }
  return r->clean() ? kExitOk : kExitFindings;
}

}  // namespace vouch::audit
