// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/report.h"

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "audit/state.h"
#include "base/status.h"

namespace vouch::audit {
namespace {

using nlohmann::json;

std::string Time(absl::Time t) {
  if (t == absl::InfinitePast()) return "beginning";
  if (t == absl::InfiniteFuture()) return "now";
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

// Counter keyed by strings, listed largest first.
struct Counts {
  std::map<std::string, uint64_t> n;
  void Add(const std::string& k) { ++n[k]; }
  json Top(size_t max, const char* key_name) const {
    std::vector<std::pair<std::string, uint64_t>> v(n.begin(), n.end());
    std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second > b.second; });
    json out = json::array();
    for (size_t i = 0; i < v.size() && i < max; ++i) {
      out.push_back({{key_name, v[i].first}, {"entries", v[i].second}});
    }
    return out;
  }
};

std::vector<std::string> Strings(const json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const json& v : j[key]) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

absl::Time ParseRfc3339(const json& v) {
  absl::Time t = absl::InfinitePast();
  std::string err;
  if (v.is_string()) absl::ParseTime(absl::RFC3339_full, v.get<std::string>(), &t, &err);
  return t;
}

std::vector<json> Evidence(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir((dir + "/evidence").c_str())) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 5 && n.substr(n.size() - 5) == ".json") names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  std::vector<json> out;
  for (const std::string& n : names) {
    auto text = ReadFileContents(dir + "/evidence/" + n);
    if (!text.ok()) continue;
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) continue;
    out.push_back({{"file", dir + "/evidence/" + n},
                   {"kind", j.value("kind", std::string())},
                   {"summary", j.value("summary", std::string())},
                   {"detected", j.value("detected", std::string())}});
  }
  return out;
}

}  // namespace

absl::StatusOr<json> BuildReport(const ReportOptions& o) {
  auto state_text = ReadFileContents(o.state_dir + "/state.json");
  if (!state_text.ok()) {
    return absl::NotFoundError(absl::StrCat(o.state_dir, ": no state.json (run replay first)"));
  }
  json state_json = json::parse(*state_text, nullptr, false);
  VOUCH_ASSIGN_OR_RETURN(AuditState state, StateFromJson(state_json));

  // Entries in range, with per-bucket counts for the chart.
  const bool by_hour = o.to != absl::InfiniteFuture() && o.from != absl::InfinitePast() &&
                       o.to - o.from <= absl::Hours(72);
  const int64_t bucket = by_hour ? 3600 : 86400;
  std::map<int64_t, std::map<std::string, uint64_t>> buckets;  // start -> kind -> n
  Counts kinds, identities, issuers, identity_issuer, keys, artifacts, payload_types, builders,
      repositories, time_sources;
  std::set<std::string> cert_keys;
  uint64_t entries = 0, attestations = 0, keyless = 0, key_signed = 0;
  json invalid = json::array();
  uint64_t invalid_count = 0;
  std::map<uint64_t, json> by_index;  // entries the admission log names
  std::set<uint64_t> wanted;
  std::vector<json> admission;
  if (!o.admission_log.empty()) {
    auto text = ReadFileContents(o.admission_log);
    if (!text.ok()) return text.status();
    size_t line_no = 0, pos = 0;
    const std::string& t = *text;
    while (pos < t.size()) {
      size_t end = t.find('\n', pos);
      if (end == std::string::npos) end = t.size();
      const std::string line = t.substr(pos, end - pos);
      pos = end + 1;
      ++line_no;
      if (line.empty()) continue;
      json j = json::parse(line, nullptr, false);
      if (!j.is_object()) {
        return absl::DataLossError(
            absl::StrCat(o.admission_log, ":", line_no, ": not a JSON object"));
      }
      const absl::Time when = ParseRfc3339(j.value("time", json()));
      if (when < o.from || when >= o.to) continue;
      if (j.contains("logIndexes") && j["logIndexes"].is_array()) {
        for (const json& i : j["logIndexes"]) {
          if (i.is_number_unsigned()) wanted.insert(i.get<uint64_t>());
        }
      }
      admission.push_back(std::move(j));
    }
  }
  {
    std::ifstream in(o.state_dir + "/entries.jsonl");
    std::string line;
    uint64_t read = 0, line_no = 0;
    while (read < state.index_bytes && std::getline(in, line)) {
      read += line.size() + 1;
      ++line_no;
      json e = json::parse(line, nullptr, false);
      if (!e.is_object() || !e.contains("i") || !e.contains("t")) {
        return absl::DataLossError(absl::StrCat("entries.jsonl:", line_no, ": not an entry line"));
      }
      const uint64_t index = e["i"].get<uint64_t>();
      if (wanted.count(index) > 0) by_index[index] = e;
      const absl::Time t = absl::FromUnixSeconds(e["t"].get<int64_t>());
      if (t < o.from || t >= o.to) continue;
      ++entries;
      const std::string kind = e.value("kind", std::string("?"));
      kinds.Add(absl::StrCat(kind, " ", e.value("v", std::string())));
      time_sources.Add(e.value("ts", std::string("?")));
      buckets[absl::ToUnixSeconds(t) / bucket * bucket][kind]++;
      const std::string issuer = e.value("iss", std::string());
      const std::vector<std::string> sans = Strings(e, "san");
      for (const std::string& s : sans) {
        identities.Add(s);
        identity_issuer.Add(absl::StrCat(s, "\t", issuer));
      }
      if (!issuer.empty()) issuers.Add(issuer);
      const std::vector<std::string> key = Strings(e, "key");
      if (!sans.empty()) {
        ++keyless;
        for (const std::string& k : key) cert_keys.insert(k);
      } else {
        ++key_signed;
        for (const std::string& k : key) keys.Add(k);
      }
      if (kind == "hashedrekord") {
        for (const std::string& d : Strings(e, "dig")) artifacts.Add(d);
      } else {
        ++attestations;
        payload_types.Add(e.value("pt", std::string(kind == "dsse" ? "(not logged)" : "?")));
      }
      if (e.contains("ext") && e["ext"].is_object()) {
        const json& x = e["ext"];
        if (x.contains("buildSignerURI")) builders.Add(x["buildSignerURI"].get<std::string>());
        if (x.contains("sourceRepositoryURI")) {
          repositories.Add(x["sourceRepositoryURI"].get<std::string>());
        }
      }
      if (!e.value("ok", true)) {
        ++invalid_count;
        if (invalid.size() < o.max_rows) {
          invalid.push_back({{"index", index}, {"problem", e.value("err", std::string())}});
        }
      }
    }
  }

  json ii = json::array();
  for (const json& row : identity_issuer.Top(o.max_rows, "key")) {
    const std::string k = row["key"];
    const size_t tab = k.find('\t');
    ii.push_back({{"identity", k.substr(0, tab)},
                  {"issuer", k.substr(tab + 1)},
                  {"entries", row["entries"]}});
  }
  json chart = json::array();
  for (const auto& [start, per_kind] : buckets) {
    json b = {{"start", Time(absl::FromUnixSeconds(start))}, {"total", 0}};
    uint64_t total = 0;
    for (const auto& [k, n] : per_kind) {
      b[k] = n;
      total += n;
    }
    b["total"] = total;
    chart.push_back(b);
  }

  // Admission decisions, each cross-checked against the verified log.
  Counts decisions;
  json denied = json::array();
  json unverified = json::array();
  for (const json& a : admission) {
    const std::string decision = a.value("decision", std::string("?"));
    decisions.Add(decision);
    json row = {{"time", a.value("time", std::string())},
                {"namespace", a.value("namespace", std::string())},
                {"kind", a.value("kind", std::string())},
                {"name", a.value("name", std::string())},
                {"image", a.value("image", std::string())},
                {"digest", a.value("digest", std::string())},
                {"decision", decision},
                {"reasons", a.contains("reasons") ? a["reasons"] : json::array()}};
    if (decision == "deny" && denied.size() < o.max_rows) denied.push_back(row);
    if (decision != "deny" && a.contains("logIndexes") && a["logIndexes"].is_array()) {
      for (const json& i : a["logIndexes"]) {
        if (!i.is_number_unsigned()) continue;
        const uint64_t idx = i.get<uint64_t>();
        std::string problem;
        if (idx >= state.size) {
          problem = absl::StrCat("log index ", idx, " is beyond the verified tree (size ",
                                 state.size, ")");
        } else if (by_index.count(idx) == 0) {
          problem = absl::StrCat("log index ", idx, " was not replayed by this auditor");
        } else if (!by_index[idx].value("ok", true)) {
          problem = absl::StrCat("log index ", idx,
                                 " failed its checks: ", by_index[idx].value("err", std::string()));
        }
        if (!problem.empty() && unverified.size() < o.max_rows) {
          json u = row;
          u["problem"] = problem;
          unverified.push_back(u);
        }
      }
    }
  }

  std::vector<json> findings = Evidence(o.state_dir);
  json report = {
      {"generated", Time(absl::Now())},
      {"period", {{"from", Time(o.from)}, {"to", Time(o.to)}}},
      {"log",
       {{"url", state.log_url},
        {"origin", state.origin},
        {"log_id", state.log_id_hex},
        {"verified_size", state.size},
        {"verified_root", log::HashToHex(state.root)},
        {"checkpoint", state.checkpoint},
        {"verified_at", Time(state.updated)}}},
      {"consistency",
       {{"status", findings.empty() ? "consistent" : "inconsistent"},
        {"statement",
         findings.empty()
             ? absl::StrCat("every checkpoint seen verified, and the tree rebuilt from all ",
                            state.size, " entries matches the log's checkpoint and tiles")
             : absl::StrCat(findings.size(), findings.size() == 1 ? " finding" : " findings",
                            "; see the evidence files")},
        {"findings", findings}}},
      {"entries",
       {{"total", entries},
        {"by_kind", kinds.Top(o.max_rows, "kind")},
        {"time_sources", time_sources.Top(10, "source")},
        {"keyless", keyless},
        {"key_signed", key_signed},
        {"attestations", attestations},
        {"invalid", invalid_count},
        {"invalid_entries", invalid}}},
      {"identities", identities.Top(o.max_rows, "identity")},
      {"issuers", issuers.Top(o.max_rows, "issuer")},
      {"identity_issuer", ii},
      {"certificates", {{"distinct_keys", cert_keys.size()}, {"entries", keyless}}},
      {"keys", keys.Top(o.max_rows, "key_sha256")},
      {"artifacts", artifacts.Top(o.max_rows, "digest")},
      {"attestations",
       {{"payload_types", payload_types.Top(o.max_rows, "payload_type")},
        {"builders", builders.Top(o.max_rows, "builder")},
        {"source_repositories", repositories.Top(o.max_rows, "repository")},
        {"slsa_provenance_note",
         "the log stores DSSE and in-toto entries without their payload: predicate types and SLSA "
         "builder ids are not in the log; builders here come from the signing certificates' "
         "Fulcio extensions (buildSignerURI)"}}},
      {"chart", {{"bucket", by_hour ? "hour" : "day"}, {"series", chart}}},
  };
  if (!o.admission_log.empty()) {
    report["admission"] = {{"decisions", decisions.Top(10, "decision")},
                           {"total", admission.size()},
                           {"denied", denied},
                           {"allowed_without_verified_entry", unverified}};
  }
  return report;
}

namespace {

std::string Esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Str(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "";
  return j.dump();
}

std::string Table(const json& rows, const std::vector<std::pair<std::string, std::string>>& cols) {
  if (!rows.is_array() || rows.empty()) return "<p class=\"none\">none</p>\n";
  std::string h = "<table><tr>";
  for (const auto& c : cols) absl::StrAppend(&h, "<th>", Esc(c.second), "</th>");
  h += "</tr>\n";
  for (const json& r : rows) {
    h += "<tr>";
    for (const auto& c : cols) {
      std::string v = r.contains(c.first) ? Str(r[c.first]) : "";
      absl::StrAppend(&h, "<td>", Esc(v), "</td>");
    }
    h += "</tr>\n";
  }
  return h + "</table>\n";
}

// A stacked bar chart of entries per bucket, as inline SVG.
std::string Chart(const json& chart) {
  const json& series = chart["series"];
  if (!series.is_array() || series.empty())
    return "<p class=\"none\">no entries in this period</p>\n";
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"hashedrekord", "#3b6fb6"}, {"dsse", "#d9822b"}, {"intoto", "#2e9d5b"}};
  uint64_t max = 1;
  for (const json& b : series) max = std::max<uint64_t>(max, b["total"].get<uint64_t>());
  max = (max + 3) / 4 * 4;  // four whole-number grid steps
  const int w = 860, h = 260, left = 50, bottom = 40, top = 20;
  const double bw = static_cast<double>(w - left - 10) / series.size();
  std::string s = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" role=\"img\" "
      "aria-label=\"entries per %s\">\n",
      w, h + 30, Esc(chart["bucket"].get<std::string>()));
  absl::StrAppendFormat(&s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
                        left, h - bottom, w - 10, h - bottom);
  absl::StrAppendFormat(&s, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n",
                        left, top, left, h - bottom);
  for (int k = 0; k <= 4; ++k) {
    const double v = static_cast<double>(max) * k / 4;
    const double y = h - bottom - (h - bottom - top) * k / 4.0;
    absl::StrAppendFormat(
        &s,
        "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.0f</text>\n"
        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
        left - 4, y + 4, v, left + 1, y, w - 10, y);
  }
  for (size_t i = 0; i < series.size(); ++i) {
    const json& b = series[i];
    double y = h - bottom;
    const double x = left + i * bw + bw * 0.1;
    for (const auto& [kind, color] : kinds) {
      if (!b.contains(kind)) continue;
      const double bh = (h - bottom - top) * b[kind].get<double>() / max;
      y -= bh;
      absl::StrAppendFormat(
          &s,
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
          "<title>%s %s: %d</title></rect>\n",
          x, y, bw * 0.8, bh, color, Esc(Str(b["start"])), kind, b[kind].get<int64_t>());
    }
    // At most 8 labels: "MM-DD" per day, "MM-DD HH:00" per hour.
    if (series.size() <= 8 || i % ((series.size() + 7) / 8) == 0) {
      const std::string start = Str(b["start"]);
      const std::string label =
          chart["bucket"] == "hour" && start.size() >= 13
              ? absl::StrCat(start.substr(5, 5), " ", start.substr(11, 2), ":00")
              : start.substr(5, 5);
      absl::StrAppendFormat(
          &s, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
          x + bw * 0.4, h - bottom + 14, Esc(label));
    }
  }
  int lx = left;
  for (const auto& [kind, color] : kinds) {
    absl::StrAppendFormat(&s,
                          "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
                          lx, h + 5, color, lx + 16, h + 15, kind);
    lx += 130;
  }
  return s + "</svg>\n";
}

}  // namespace

std::string ReportHtml(const json& r) {
  const bool ok = r["consistency"]["status"] == "consistent";
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<title>Vouch log audit report</title>\n<style>\n"
      "body{font-family:sans-serif;margin:24px;color:#222;max-width:960px}\n"
      "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}\n"
      "table{border-collapse:collapse;font-size:12px;margin:6px 0}\n"
      "td,th{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top;"
      "word-break:break-all}\nth{background:#f3f3f3}\n"
      ".status{padding:10px 14px;font-weight:bold;border-radius:4px}\n"
      ".ok{background:#e3f4e8;color:#17632f}.bad{background:#fbe4e4;color:#8a1c1c}\n"
      ".none{color:#777;font-style:italic}.kv td:first-child{font-weight:bold;width:180px}\n"
      "pre{font-size:11px;background:#f7f7f7;padding:8px;white-space:pre-wrap}\n"
      "</style></head><body>\n";
  absl::StrAppend(&h, "<h1>Transparency log audit report</h1>\n<table class=\"kv\">\n",
                  "<tr><td>Period</td><td>", Esc(Str(r["period"]["from"])), " to ",
                  Esc(Str(r["period"]["to"])), "</td></tr>\n<tr><td>Log</td><td>",
                  Esc(Str(r["log"]["url"])), "</td></tr>\n<tr><td>Origin</td><td>",
                  Esc(Str(r["log"]["origin"])), "</td></tr>\n<tr><td>Verified tree</td><td>",
                  Esc(Str(r["log"]["verified_size"])), " entries, root ",
                  Esc(Str(r["log"]["verified_root"])), "</td></tr>\n<tr><td>Verified at</td><td>",
                  Esc(Str(r["log"]["verified_at"])), "</td></tr>\n<tr><td>Generated</td><td>",
                  Esc(Str(r["generated"])), "</td></tr>\n</table>\n");
  absl::StrAppend(&h, "<h2>Consistency</h2>\n<p class=\"status ", ok ? "ok" : "bad", "\">",
                  ok ? "CONSISTENT" : "INCONSISTENT", ": ", Esc(Str(r["consistency"]["statement"])),
                  "</p>\n",
                  Table(r["consistency"]["findings"], {{"detected", "detected"},
                                                       {"kind", "finding"},
                                                       {"summary", "summary"},
                                                       {"file", "evidence file"}}));
  absl::StrAppend(&h, "<h2>Signed checkpoint</h2>\n<pre>", Esc(Str(r["log"]["checkpoint"])),
                  "</pre>\n");
  const json& e = r["entries"];
  absl::StrAppend(&h, "<h2>Entries over time</h2>\n", Chart(r["chart"]));
  absl::StrAppend(
      &h, "<h2>Entries</h2>\n<table class=\"kv\"><tr><td>Total</td><td>", Esc(Str(e["total"])),
      "</td></tr><tr><td>Signed with certificates</td><td>", Esc(Str(e["keyless"])),
      "</td></tr><tr><td>Signed with keys</td><td>", Esc(Str(e["key_signed"])),
      "</td></tr><tr><td>Attestations</td><td>", Esc(Str(e["attestations"])),
      "</td></tr><tr><td>Failing their checks</td><td>", Esc(Str(e["invalid"])),
      "</td></tr></table>\n", Table(e["by_kind"], {{"kind", "kind"}, {"entries", "entries"}}),
      Table(e["time_sources"], {{"source", "time taken from"}, {"entries", "entries"}}));
  absl::StrAppend(
      &h, "<h2>Identities and issuers</h2>\n",
      Table(r["identity_issuer"],
            {{"identity", "identity"}, {"issuer", "OIDC issuer"}, {"entries", "entries"}}),
      "<p>Certificates: ", Esc(Str(r["certificates"]["entries"])),
      " entries signed with certificates, ", Esc(Str(r["certificates"]["distinct_keys"])),
      " distinct certified keys.</p>\n");
  absl::StrAppend(
      &h, "<h2>Keys (key-signed entries)</h2>\n",
      Table(r["keys"], {{"key_sha256", "SHA-256 of the public key"}, {"entries", "entries"}}));
  absl::StrAppend(&h, "<h2>Artifacts signed</h2>\n",
                  Table(r["artifacts"], {{"digest", "digest"}, {"entries", "entries"}}));
  absl::StrAppend(
      &h, "<h2>Attestations</h2>\n",
      Table(r["attestations"]["payload_types"],
            {{"payload_type", "payload type"}, {"entries", "entries"}}),
      Table(r["attestations"]["builders"],
            {{"builder", "builder (certificate)"}, {"entries", "entries"}}),
      Table(r["attestations"]["source_repositories"],
            {{"repository", "source repository (certificate)"}, {"entries", "entries"}}),
      "<p class=\"none\">", Esc(Str(r["attestations"]["slsa_provenance_note"])), "</p>\n");
  if (r.contains("admission")) {
    const json& a = r["admission"];
    absl::StrAppend(&h, "<h2>Admission decisions</h2>\n",
                    Table(a["decisions"], {{"decision", "decision"}, {"entries", "count"}}),
                    "<h3>Denied</h3>\n",
                    Table(a["denied"], {{"time", "time"},
                                        {"namespace", "namespace"},
                                        {"name", "name"},
                                        {"image", "image"},
                                        {"reasons", "reasons"}}),
                    "<h3>Admitted without a verified log entry</h3>\n",
                    Table(a["allowed_without_verified_entry"], {{"time", "time"},
                                                                {"namespace", "namespace"},
                                                                {"name", "name"},
                                                                {"image", "image"},
                                                                {"problem", "problem"}}));
  }
  absl::StrAppend(&h, "<h2>Entries failing their checks</h2>\n",
                  Table(e["invalid_entries"], {{"index", "index"}, {"problem", "problem"}}));
  return h + "</body></html>\n";
}

}  // namespace vouch::audit
