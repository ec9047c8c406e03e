// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Monitor: follows a log and reports every new entry that matches a watch rule: an identity
// (certificate SAN exact or RE2, OIDC issuer exact or RE2, any Fulcio extension), a signing key
// (SHA-256 of its SubjectPublicKeyInfo), or an artifact / image digest, for hashedrekord, dsse
// and intoto entries alike. The stored dsse/intoto bodies hold only payload hashes, so digests of
// in-toto subjects are matched through the log's search index (entries it maps to the digest),
// the entry itself being verified in the tree like every other.
//
// Each cycle is a Replay (the monitor cannot be shown entries outside the signed tree, nor a
// tree inconsistent with what it saw before or what its gossip says); matches become alerts,
// written to an outbox before the state advances and delivered (a JSON line on stdout and,
// if configured, a POST to a webhook with retries) after, so across restarts no entry is missed
// and none is reported twice.
#ifndef VOUCH_AUDIT_MONITOR_H_
#define VOUCH_AUDIT_MONITOR_H_

#include <cstdio>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "audit/ct_follow.h"
#include "audit/replay.h"
#include "nlohmann/json.hpp"

namespace re2 {
class RE2;
}

namespace vouch::audit {

// One watch rule; every condition given must hold (an empty rule matches nothing). Identity
// conditions (identity, issuer, extensions) never hold for an entry whose certificate the
// trusted root does not vouch for (EntryFacts::untrusted): anyone can put any SAN in a
// self-signed certificate the log accepts. Key and digest conditions do not depend on it.
struct WatchRule {
  std::string name;
  std::string identity;         // exact SAN
  std::string identity_regexp;  // RE2, anchored
  std::string issuer;
  std::string issuer_regexp;
  std::vector<std::pair<std::string, std::string>> extensions;  // exact values
  std::string key_sha256;                                       // lower-case hex
  std::string digest;                                           // "sha256:<hex>"
};

struct MonitorConfig {
  std::vector<WatchRule> rules;
  std::string webhook_url;
  int webhook_attempts = 5;
  absl::Duration interval = absl::Seconds(60);
};

// Parses a config file:
//   {"rules": [{"name": "...", "identity": "...", "identity_regexp": "...", "issuer": "...",
//               "issuer_regexp": "...", "extensions": {"sourceRepositoryURI": "..."},
//               "key_sha256": "<hex>", "digest": "sha256:<hex>"}, ...],
//    "webhook": {"url": "http://...", "attempts": 5}, "interval": "60s"}
// InvalidArgument naming the field (bad regexp, unknown field, rule without a condition).
absl::StatusOr<MonitorConfig> ParseMonitorConfig(absl::string_view json_text);

// The compiled rules. Thread-safe once built.
class Matcher {
 public:
  static absl::StatusOr<std::unique_ptr<Matcher>> New(std::vector<WatchRule> rules);
  ~Matcher();
  // The names of the rules |rec| matches; |indexed| holds the UUIDs the log's search index
  // maps to each digest rule's digest (rule index -> UUIDs).
  std::vector<std::string> Match(const EntryRecord& rec,
                                 const std::vector<std::set<std::string>>& indexed) const;
  const std::vector<WatchRule>& rules() const { return rules_; }

 private:
  struct Compiled;
  explicit Matcher(std::vector<WatchRule> rules);
  std::vector<WatchRule> rules_;
  std::unique_ptr<Compiled> c_;
};

// The alert line for an entry that matched |rules|.
nlohmann::json AlertJson(const std::string& log_url, const EntryRecord& rec,
                         const std::vector<std::string>& rules);

struct MonitorOptions {
  ReplayOptions replay;  // log_url, trust_root, gossip, ...; on_entry is the monitor's
  MonitorConfig config;
  std::FILE* out = stdout;  // alert lines
};

struct MonitorCycle {
  ReplayResult replay;
  int alerts = 0;               // new alerts this cycle
  int delivered = 0;            // alerts delivered (printed and, with a webhook, posted)
  bool webhook_failed = false;  // some alert waits in the outbox for the next cycle
};

// One cycle: deliver what the outbox still holds, replay the new entries, match, deliver.
absl::StatusOr<MonitorCycle> RunMonitorCycle(const StateDir& dir, const MonitorOptions& options,
                                             const Matcher& matcher);

// The alert line for a certificate of the CT log that matched |rules|: kind "ct-certificate",
// the CT log's URL, the entry's index and leaf hash, its type (x509, precert), the identities,
// issuer, extensions and key of the certificate, and the certificate (or precertificate), DER
// base64.
nlohmann::json CtAlertJson(const std::string& ct_url, const CtCertificate& c,
                           const std::vector<std::string>& rules);

struct CtMonitorCycle {
  CtFollowResult follow;
  int alerts = 0;
  int delivered = 0;
  bool webhook_failed = false;
};

// One cycle over the CA's CT log (docs/audit.md "The CT log"), with its own state and outbox
// (DIR/ct_state.json, DIR/ct_outbox.json; delivered alerts go to DIR/alerts.jsonl too): deliver
// what the CT outbox still holds, follow the CT log from |source| (audit/ct_follow.h), match
// every new certificate with the rules (identity, issuer, extension and key conditions; digest
// rules never match a certificate), deliver. Exactly once across restarts, as RunMonitorCycle.
// Findings of the CT log are in the result's follow.findings (nothing advanced then).
absl::StatusOr<CtMonitorCycle> RunCtMonitorCycle(const StateDir& dir, const MonitorOptions& options,
                                                 const Matcher& matcher, CtSource* source);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_MONITOR_H_
