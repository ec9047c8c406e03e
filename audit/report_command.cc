// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "audit/commands.h"
#include "audit/flags.h"
#include "audit/report.h"
#include "audit/state.h"

namespace vouch::audit {
namespace {

constexpr char kUsage[] =
    "usage: vouch-audit report --state DIR [--from T] [--to T] [--admission-log FILE]\n"
    "       [--json FILE] [--html FILE]\n"
    "T is RFC 3339 (2026-12-01T00:00:00Z) or a date (2026-12-01). Writes the report as JSON\n"
    "(default DIR/report.json) and HTML (default DIR/report.html). Exit 0 when the log was\n"
    "consistent, 1 when the state holds findings.\n";

bool ParseWhen(const std::string& s, absl::Time* t) {
  std::string err;
  return absl::ParseTime(absl::RFC3339_full, s, t, &err) ||
         absl::ParseTime("%Y-%m-%d", s, absl::UTCTimeZone(), t, &err);
}

}  // namespace

int ReportCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"state", "from", "to", "admission-log", "json", "html"}, {"help"});
  if (!flags.ok() || flags->Has("help") || !flags->Has("state") || !flags->positional.empty()) {
    if (!flags.ok()) std::fprintf(stderr, "%s\n", std::string(flags.status().message()).c_str());
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  ReportOptions o;
  o.state_dir = flags->Get("state");
  o.admission_log = flags->Get("admission-log");
  if (flags->Has("from") && !ParseWhen(flags->Get("from"), &o.from)) {
    std::fprintf(stderr, "--from: want RFC 3339 or YYYY-MM-DD\n%s", kUsage);
    return kExitUsage;
  }
  if (flags->Has("to") && !ParseWhen(flags->Get("to"), &o.to)) {
    std::fprintf(stderr, "--to: want RFC 3339 or YYYY-MM-DD\n%s", kUsage);
    return kExitUsage;
  }
  auto report = BuildReport(o);
  if (!report.ok()) {
    std::fprintf(stderr, "vouch-audit report: %s\n",
                 std::string(report.status().message()).c_str());
    return kExitError;
  }
  const std::string json_path = flags->Get("json", o.state_dir + "/report.json");
  const std::string html_path = flags->Get("html", o.state_dir + "/report.html");
  for (const auto& [path, text] :
       {std::pair<std::string, std::string>{json_path, report->dump(2) + "\n"},
        {html_path, ReportHtml(*report)}}) {
    if (absl::Status s = WriteFileAtomically(path, text); !s.ok()) {
      std::fprintf(stderr, "vouch-audit report: %s\n", std::string(s.message()).c_str());
      return kExitError;
    }
  }
  const bool ok = (*report)["consistency"]["status"] == "consistent";
  std::printf("report  %s\n        %s\nentries %llu in the period; log %s\n", json_path.c_str(),
              html_path.c_str(),
              static_cast<unsigned long long>((*report)["entries"]["total"].get<uint64_t>()),
              ok ? "CONSISTENT" : "INCONSISTENT (see findings)");
  return ok ? kExitOk : kExitFindings;
}

}  // namespace vouch::audit
