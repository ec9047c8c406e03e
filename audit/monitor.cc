// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/monitor.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "audit/http_client.h"
#include "audit/log_reader.h"
#include "audit/state.h"
#include "base/status.h"
#include "re2/re2.h"

namespace vouch::audit {
namespace {

using nlohmann::json;

absl::StatusOr<std::unique_ptr<re2::RE2>> Compile(const std::string& re, const std::string& field) {
  if (re.empty()) return nullptr;
  re2::RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);
  auto r = std::make_unique<re2::RE2>(absl::StrCat("^(?:", re, ")$"), o);
  if (!r->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": bad regular expression: ", r->error()));
  }
  return r;
}

bool Full(absl::string_view v, const re2::RE2& re) {
  return re2::RE2::FullMatch(re2::StringPiece(v.data(), v.size()), re);
}

}  // namespace

absl::StatusOr<MonitorConfig> ParseMonitorConfig(absl::string_view json_text) {
  json j = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return absl::InvalidArgumentError("config: not a JSON object");
  MonitorConfig c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "rules" && it.key() != "webhook" && it.key() != "interval") {
      return absl::InvalidArgumentError(absl::StrCat("config.", it.key(), ": unknown field"));
    }
  }
  if (!j.contains("rules") || !j["rules"].is_array() || j["rules"].empty()) {
    return absl::InvalidArgumentError("config.rules: want a non-empty array");
  }
  for (size_t i = 0; i < j["rules"].size(); ++i) {
    const json& r = j["rules"][i];
    const std::string where = absl::StrCat("config.rules[", i, "]");
    if (!r.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, ": want an object"));
    WatchRule w;
    w.name = absl::StrCat("rule ", i);
    for (auto f = r.begin(); f != r.end(); ++f) {
      const std::string field = absl::StrCat(where, ".", f.key());
      if (f.key() == "extensions") {
        if (!f.value().is_object()) return absl::InvalidArgumentError(field + ": want an object");
        for (auto e = f.value().begin(); e != f.value().end(); ++e) {
          if (!e.value().is_string()) {
            return absl::InvalidArgumentError(absl::StrCat(field, ".", e.key(), ": want a string"));
          }
          w.extensions.emplace_back(e.key(), e.value().get<std::string>());
        }
        continue;
      }
      if (!f.value().is_string()) return absl::InvalidArgumentError(field + ": want a string");
      const std::string v = f.value().get<std::string>();
      if (f.key() == "name") {
        w.name = v;
      } else if (f.key() == "identity") {
        w.identity = v;
      } else if (f.key() == "identity_regexp") {
        w.identity_regexp = v;
      } else if (f.key() == "issuer") {
        w.issuer = v;
      } else if (f.key() == "issuer_regexp") {
        w.issuer_regexp = v;
      } else if (f.key() == "key_sha256") {
        w.key_sha256 = absl::AsciiStrToLower(v);
        if (w.key_sha256.size() != 64)
          return absl::InvalidArgumentError(field + ": want 64 hex digits");
      } else if (f.key() == "digest") {
        w.digest = absl::AsciiStrToLower(v);
        if (w.digest.find(':') == std::string::npos) {
          return absl::InvalidArgumentError(field + ": want <algorithm>:<hex>");
        }
      } else {
        return absl::InvalidArgumentError(field + ": unknown field");
      }
    }
    if (w.identity.empty() && w.identity_regexp.empty() && w.issuer.empty() &&
        w.issuer_regexp.empty() && w.extensions.empty() && w.key_sha256.empty() &&
        w.digest.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": a rule needs a condition"));
    }
    c.rules.push_back(std::move(w));
  }
  if (j.contains("webhook")) {
    const json& h = j["webhook"];
    if (!h.is_object() || !h.contains("url") || !h["url"].is_string()) {
      return absl::InvalidArgumentError("config.webhook.url: missing");
    }
    c.webhook_url = h["url"].get<std::string>();
    if (h.contains("attempts")) {
      if (!h["attempts"].is_number_unsigned() || h["attempts"].get<int>() < 1) {
        return absl::InvalidArgumentError("config.webhook.attempts: want a positive integer");
      }
      c.webhook_attempts = h["attempts"].get<int>();
    }
  }
  if (j.contains("interval")) {
    if (!j["interval"].is_string() ||
        !absl::ParseDuration(j["interval"].get<std::string>(), &c.interval) ||
        c.interval <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("config.interval: want a duration like \"60s\"");
    }
  }
  // Regular expressions are checked here so a bad config fails at start.
  auto m = Matcher::New(c.rules);
  if (!m.ok()) return m.status();
  return c;
}

struct Matcher::Compiled {
  std::vector<std::unique_ptr<re2::RE2>> identity, issuer;
};

Matcher::Matcher(std::vector<WatchRule> rules)
    : rules_(std::move(rules)), c_(std::make_unique<Compiled>()) {}

Matcher::~Matcher() = default;

absl::StatusOr<std::unique_ptr<Matcher>> Matcher::New(std::vector<WatchRule> rules) {
  auto m = std::unique_ptr<Matcher>(new Matcher(std::move(rules)));
  for (size_t i = 0; i < m->rules_.size(); ++i) {
    const WatchRule& r = m->rules_[i];
    VOUCH_ASSIGN_OR_RETURN(auto id, Compile(r.identity_regexp, r.name + ".identity_regexp"));
    VOUCH_ASSIGN_OR_RETURN(auto iss, Compile(r.issuer_regexp, r.name + ".issuer_regexp"));
    m->c_->identity.push_back(std::move(id));
    m->c_->issuer.push_back(std::move(iss));
  }
  return m;
}

std::vector<std::string> Matcher::Match(const EntryRecord& rec,
                                        const std::vector<std::set<std::string>>& indexed) const {
  std::vector<std::string> out;
  const EntryFacts& f = rec.check->facts;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const WatchRule& r = rules_[i];
    bool ok = true;
    // The identity, issuer and extensions of a certificate the trusted root does not vouch for
    // are claims anyone can make: identity conditions never hold for them.
    const bool identity_rule = !r.identity.empty() || c_->identity[i] != nullptr ||
                               !r.issuer.empty() || c_->issuer[i] != nullptr ||
                               !r.extensions.empty();
    if (identity_rule && !f.trusted()) continue;
    if (!r.identity.empty() || c_->identity[i] != nullptr) {
      bool any = false;
      for (const std::string& san : f.identities) {
        if ((r.identity.empty() || san == r.identity) &&
            (c_->identity[i] == nullptr || Full(san, *c_->identity[i]))) {
          any = true;
        }
      }
      ok = ok && any;
    }
    if (!r.issuer.empty()) ok = ok && f.oidc_issuer == r.issuer;
    if (c_->issuer[i] != nullptr)
      ok = ok && !f.oidc_issuer.empty() && Full(f.oidc_issuer, *c_->issuer[i]);
    for (const auto& [name, want] : r.extensions) {
      bool found = false;
      for (const auto& [n, v] : f.extensions) found = found || (n == name && v == want);
      ok = ok && found;
    }
    if (!r.key_sha256.empty()) {
      ok = ok &&
           std::find(f.key_sha256.begin(), f.key_sha256.end(), r.key_sha256) != f.key_sha256.end();
    }
    if (!r.digest.empty()) {
      const bool in_body =
          std::find(f.digests.begin(), f.digests.end(), r.digest) != f.digests.end();
      const bool in_index = i < indexed.size() && indexed[i].count(rec.uuid) > 0;
      ok = ok && (in_body || in_index);
    }
    if (ok) out.push_back(r.name);
  }
  return out;
}

json AlertJson(const std::string& log_url, const EntryRecord& rec,
               const std::vector<std::string>& rules) {
  const EntryFacts& f = rec.check->facts;
  json ext = json::object();
  for (const auto& [k, v] : f.extensions) ext[k] = v;
  json a = {{"rules", rules},
            {"log", log_url},
            {"index", rec.index},
            {"uuid", rec.uuid},
            {"kind", f.kind},
            {"api_version", f.api_version},
            {"time", absl::FormatTime(absl::RFC3339_sec, rec.time, absl::UTCTimeZone())},
            {"time_source", rec.time_source},
            {"identities", f.identities},
            {"issuer", f.oidc_issuer},
            {"extensions", ext},
            {"key_sha256", f.key_sha256},
            {"digests", f.digests},
            {"entry_valid", rec.check->status.ok()},
            {"certificate_trusted", f.trusted()}};
  if (!rec.check->status.ok()) a["problem"] = std::string(rec.check->status.message());
  if (!f.trusted()) a["untrusted"] = f.untrusted;
  return a;
}

namespace {

// The outbox: alerts whose delivery is not finished. {"alerts": [...], "printed": N}.
struct Outbox {
  json alerts = json::array();
  size_t printed = 0;
};

constexpr char kOutbox[] = "outbox.json";
constexpr char kCtOutbox[] = "ct_outbox.json";

absl::StatusOr<Outbox> LoadOutbox(const StateDir& dir, const char* name) {
  Outbox o;
  auto text = ReadFileContents(dir.path(name));
  if (absl::IsNotFound(text.status())) return o;
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("alerts") || !j["alerts"].is_array()) {
    return absl::DataLossError(absl::StrCat(name, ": not an outbox"));
  }
  o.alerts = j["alerts"];
  o.printed = j.value("printed", size_t{0});
  return o;
}

absl::Status SaveOutbox(const StateDir& dir, const char* name, const Outbox& o) {
  return WriteFileAtomically(dir.path(name),
                             json{{"alerts", o.alerts}, {"printed", o.printed}}.dump() + "\n");
}

// Prints what was not printed, posts everything to the webhook; clears the outbox when done.
absl::Status Deliver(const StateDir& dir, const char* name, const MonitorOptions& options,
                     Outbox* o, int* delivered, bool* webhook_failed) {
  if (o->alerts.empty()) return absl::OkStatus();
  for (; o->printed < o->alerts.size(); ++o->printed) {
    std::fprintf(options.out, "%s\n", o->alerts[o->printed].dump().c_str());
  }
  std::fflush(options.out);
  VOUCH_RETURN_IF_ERROR(SaveOutbox(dir, name, *o));
  json left = json::array();
  if (!options.config.webhook_url.empty()) {
    HttpClientOptions ho;
    ho.max_attempts = options.config.webhook_attempts;
    ho.initial_backoff = absl::Milliseconds(200);
    VOUCH_ASSIGN_OR_RETURN(auto http, HttpClient::New(ho));
    for (const json& a : o->alerts) {
      auto r = http->Post(options.config.webhook_url, a.dump(), "application/json");
      if (!r.ok() || r->status / 100 != 2) {
        left.push_back(a);
        *webhook_failed = true;
      }
    }
  }
  for (const json& a : o->alerts) {
    if (std::find(left.begin(), left.end(), a) == left.end()) {
      VOUCH_RETURN_IF_ERROR(AppendLine(dir.path("alerts.jsonl"), a.dump()));
      ++*delivered;
    }
  }
  o->alerts = left;
  o->printed = left.size();
  return SaveOutbox(dir, name, *o);
}

// Drops alerts for entries |covered| does not reach: the cycle's run makes them again.
void DropUncovered(uint64_t covered, Outbox* o) {
  json kept = json::array();
  for (const json& a : o->alerts) {
    if (a.value("index", uint64_t{0}) < covered) kept.push_back(a);
  }
  o->printed = std::min(o->printed, kept.size());
  o->alerts = kept;
}

}  // namespace

absl::StatusOr<MonitorCycle> RunMonitorCycle(const StateDir& dir, const MonitorOptions& options,
                                             const Matcher& matcher) {
  MonitorCycle cycle;
  VOUCH_ASSIGN_OR_RETURN(Outbox outbox, LoadOutbox(dir, kOutbox));
  // Alerts for entries the state does not cover yet (a stop between writing the outbox and
  // advancing the state) are made again by this cycle's replay: drop them here.
  VOUCH_ASSIGN_OR_RETURN(AuditState state, dir.Load());
  DropUncovered(state.size, &outbox);
  VOUCH_RETURN_IF_ERROR(
      Deliver(dir, kOutbox, options, &outbox, &cycle.delivered, &cycle.webhook_failed));
  // Digest rules: the entries the log's search index maps to each digest.
  std::vector<std::set<std::string>> indexed(matcher.rules().size());
  {
    VOUCH_ASSIGN_OR_RETURN(auto reader,
                           LogReader::New(options.replay.log_url, options.replay.http));
    for (size_t i = 0; i < matcher.rules().size(); ++i) {
      if (matcher.rules()[i].digest.empty()) continue;
      auto uuids = reader->Search("hash", matcher.rules()[i].digest);
      if (uuids.ok()) indexed[i].insert(uuids->begin(), uuids->end());
    }
  }
  json fresh = json::array();
  ReplayOptions ro = options.replay;
  ro.on_entry = [&](const EntryRecord& rec) -> absl::Status {
    std::vector<std::string> rules = matcher.Match(rec, indexed);
    if (!rules.empty()) fresh.push_back(AlertJson(ro.log_url, rec, rules));
    return absl::OkStatus();
  };
  ro.before_save = [&]() -> absl::Status {
    for (const json& a : fresh) outbox.alerts.push_back(a);
    return SaveOutbox(dir, kOutbox, outbox);
  };
  VOUCH_ASSIGN_OR_RETURN(cycle.replay, Replay(dir, ro));
  if (!cycle.replay.clean()) return cycle;  // nothing advanced, nothing to deliver
  cycle.alerts = static_cast<int>(fresh.size());
  VOUCH_RETURN_IF_ERROR(
      Deliver(dir, kOutbox, options, &outbox, &cycle.delivered, &cycle.webhook_failed));
  return cycle;
}

json CtAlertJson(const std::string& ct_url, const CtCertificate& c,
                 const std::vector<std::string>& rules) {
  const EntryFacts& f = c.facts;
  json ext = json::object();
  for (const auto& [k, v] : f.extensions) ext[k] = v;
  return {{"rules", rules},
          {"kind", "ct-certificate"},
          {"ct_log", ct_url},
          {"index", c.index},
          {"leaf_hash", c.leaf_hash},
          {"entry_type", c.entry_type},
          {"timestamp", absl::FormatTime(absl::RFC3339_full,
                                         absl::FromUnixMillis(static_cast<int64_t>(c.timestamp)),
                                         absl::UTCTimeZone())},
          {"not_before", absl::FormatTime(absl::RFC3339_sec, c.not_before, absl::UTCTimeZone())},
          {"not_after", absl::FormatTime(absl::RFC3339_sec, c.not_after, absl::UTCTimeZone())},
          {"identities", f.identities},
          {"issuer", f.oidc_issuer},
          {"extensions", ext},
          {"key_sha256", f.key_sha256},
          {"certificate", absl::Base64Escape(c.certificate)}};
}

absl::StatusOr<CtMonitorCycle> RunCtMonitorCycle(const StateDir& dir, const MonitorOptions& options,
                                                 const Matcher& matcher, CtSource* source) {
  CtMonitorCycle cycle;
  VOUCH_ASSIGN_OR_RETURN(Outbox outbox, LoadOutbox(dir, kCtOutbox));
  VOUCH_ASSIGN_OR_RETURN(uint64_t covered, CtStateSize(dir));
  DropUncovered(covered, &outbox);
  VOUCH_RETURN_IF_ERROR(
      Deliver(dir, kCtOutbox, options, &outbox, &cycle.delivered, &cycle.webhook_failed));
  json fresh = json::array();
  const std::vector<std::set<std::string>> none(matcher.rules().size());
  CtFollowOptions fo;
  fo.trust_root = options.replay.trust_root;
  fo.source = source;
  fo.on_certificate = [&](const CtCertificate& c) -> absl::Status {
    EntryCheck check;
    check.facts = c.facts;
    EntryRecord rec;
    rec.index = c.index;
    rec.check = &check;
    rec.uuid = c.leaf_hash;
    std::vector<std::string> rules = matcher.Match(rec, none);
    if (!rules.empty()) fresh.push_back(CtAlertJson(source->url(), c, rules));
    return absl::OkStatus();
  };
  fo.before_save = [&]() -> absl::Status {
    for (const json& a : fresh) outbox.alerts.push_back(a);
    return SaveOutbox(dir, kCtOutbox, outbox);
  };
  VOUCH_ASSIGN_OR_RETURN(cycle.follow, FollowCtLog(dir, fo));
  if (!cycle.follow.clean()) return cycle;
  cycle.alerts = static_cast<int>(fresh.size());
  VOUCH_RETURN_IF_ERROR(
      Deliver(dir, kCtOutbox, options, &outbox, &cycle.delivered, &cycle.webhook_failed));
  return cycle;
}

}  // namespace vouch::audit
