// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/engine.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status.h"

namespace vouch::policy {

using nlohmann::json;

namespace {

constexpr size_t kMaxReasonsPerCheck = 3;

const json* At(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string StrAt(const json& j, std::initializer_list<const char*> path) {
  const json* v = At(j, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::string NormalizeRepo(absl::string_view v) {
  absl::ConsumePrefix(&v, "git+");
  const size_t at = v.find('@');
  if (at != absl::string_view::npos) v = v.substr(0, at);
  while (absl::ConsumeSuffix(&v, "/")) {
  }
  absl::ConsumeSuffix(&v, ".git");
  return std::string(v);
}

int SeverityRank(absl::string_view s) {
  const std::string u = absl::AsciiStrToUpper(s);
  if (u == "LOW" || u == "NEGLIGIBLE") return u == "LOW" ? 1 : 0;
  if (u == "MEDIUM" || u == "MODERATE") return 2;
  if (u == "HIGH") return 3;
  if (u == "CRITICAL") return 4;
  return 0;
}

// The values at |segments| under |j| (a "*" segment fans out over an array's elements).
void Collect(const json& j, const std::vector<std::string>& segments, size_t i,
             std::vector<const json*>* out) {
  if (out->size() > 10000) return;
  if (i == segments.size()) {
    out->push_back(&j);
    return;
  }
  const std::string& s = segments[i];
  if (s == "*") {
    if (!j.is_array()) return;
    for (const json& e : j) Collect(e, segments, i + 1, out);
  } else if (s[0] == '#') {
    size_t n = 0;
    if (!j.is_array() || !absl::SimpleAtoi(s.substr(1), &n) || n >= j.size()) return;
    Collect(j[n], segments, i + 1, out);
  } else {
    if (!j.is_object()) return;
    auto it = j.find(s);
    if (it == j.end()) return;
    Collect(*it, segments, i + 1, out);
  }
}

bool ScalarEquals(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  return a == b;
}

std::string Short(const std::string& s, size_t n = 120) {
  return s.size() <= n ? s : s.substr(0, n) + "...";
}

}  // namespace

absl::Status CheckCondition(const Condition& c, const json& statement) {
  std::vector<const json*> values;
  Collect(statement, c.segments, 0, &values);
  if (c.op == Condition::Op::kExists) {
    if (c.exists == !values.empty()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat(c.path, c.exists ? " does not exist" : " exists"));
  }
  if (values.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(c.path, " does not exist (want ", c.ToString(), ")"));
  }
  auto one = [&](const json& v) -> bool {
    switch (c.op) {
      case Condition::Op::kEquals:
        return ScalarEquals(v, c.value);
      case Condition::Op::kNotEquals:
        return !ScalarEquals(v, c.value);
      case Condition::Op::kOneOf:
        for (const json& w : c.value) {
          if (ScalarEquals(v, w)) return true;
        }
        return false;
      case Condition::Op::kMatches:
        return v.is_string() && RE2::FullMatch(v.get<std::string>(), *c.regexp);
      case Condition::Op::kGreater:
      case Condition::Op::kGreaterOrEqual:
      case Condition::Op::kLess:
      case Condition::Op::kLessOrEqual: {
        double d;
        if (v.is_number()) {
          d = v.get<double>();
        } else if (!v.is_string() || !absl::SimpleAtod(v.get<std::string>(), &d)) {
          return false;
        }
        if (c.op == Condition::Op::kGreater) return d > c.number;
        if (c.op == Condition::Op::kGreaterOrEqual) return d >= c.number;
        if (c.op == Condition::Op::kLess) return d < c.number;
        return d <= c.number;
      }
      case Condition::Op::kExists:
        return true;
    }
    return false;
  };
  bool any = false, all = true;
  std::string first_bad;
  for (const json* v : values) {
    if (one(*v)) {
      any = true;
    } else {
      all = false;
      if (first_bad.empty()) first_bad = Short(v->dump());
    }
  }
  if (c.all ? all : any) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(c.path, " is ", first_bad,
                   values.size() > 1 ? absl::StrCat(" (", values.size(), " values)") : "",
                   "; want ", c.all ? "every value: " : "", c.ToString()));
}

absl::StatusOr<std::vector<std::string>> VulnSeverities(const json& predicate) {
  const json* result = At(predicate, {"scanner", "result"});
  if (result == nullptr || !result->is_object()) {
    return absl::InvalidArgumentError("vuln predicate has no scanner.result object");
  }
  std::vector<std::string> out;
  // Trivy: Results[].Vulnerabilities[].Severity.
  if (const json* results = At(*result, {"Results"}); results != nullptr && results->is_array()) {
    for (const json& r : *results) {
      const json* vulns = At(r, {"Vulnerabilities"});
      if (vulns == nullptr || !vulns->is_array()) continue;
      for (const json& v : *vulns) out.push_back(absl::AsciiStrToUpper(StrAt(v, {"Severity"})));
    }
    return out;
  }
  // Grype: matches[].vulnerability.severity.
  if (const json* matches = At(*result, {"matches"}); matches != nullptr && matches->is_array()) {
    for (const json& m : *matches) {
      out.push_back(absl::AsciiStrToUpper(StrAt(m, {"vulnerability", "severity"})));
    }
    return out;
  }
  // SARIF: runs[].results[]: the rule's properties.security-severity (CVSS), else the level.
  if (const json* runs = At(*result, {"runs"}); runs != nullptr && runs->is_array()) {
    for (const json& run : *runs) {
      std::map<std::string, double> rule_score;
      if (const json* rules = At(run, {"tool", "driver", "rules"}); rules && rules->is_array()) {
        for (const json& rule : *rules) {
          double score;
          if (absl::SimpleAtod(StrAt(rule, {"properties", "security-severity"}), &score)) {
            rule_score[StrAt(rule, {"id"})] = score;
          }
        }
      }
      const json* results = At(run, {"results"});
      if (results == nullptr || !results->is_array()) continue;
      for (const json& r : *results) {
        auto it = rule_score.find(StrAt(r, {"ruleId"}));
        if (it != rule_score.end()) {
          const double s = it->second;
          out.push_back(s >= 9.0 ? "CRITICAL" : s >= 7.0 ? "HIGH" : s >= 4.0 ? "MEDIUM" : "LOW");
          continue;
        }
        const std::string level = StrAt(r, {"level"});
        out.push_back(level == "error" ? "HIGH" : level == "note" ? "LOW" : "MEDIUM");
      }
    }
    return out;
  }
  return absl::InvalidArgumentError(
      "vuln predicate's scanner.result is not a Trivy, Grype or SARIF report");
}

Engine::Engine(const PolicySet* set, AttachmentSource* source, const EngineOptions& options)
    : set_(set), source_(source), options_(options) {}

Engine::~Engine() = default;

absl::StatusOr<std::unique_ptr<Engine>> Engine::New(const PolicySet* set, AttachmentSource* source,
                                                    const EngineOptions& options) {
  std::unique_ptr<Engine> e(new Engine(set, source, options));
  for (const ImagePolicy& p : set->policies()) {
    std::vector<std::vector<std::unique_ptr<client::BundleVerifier>>> per_authority;
    for (const Authority& a : p.authorities) {
      std::vector<std::unique_ptr<client::BundleVerifier>> vs;
      client::VerifyOptions o;
      o.now = options.now;
      o.ignore_sct = !a.thresholds.sct;
      if (a.type == Authority::Type::kKeyless) {
        o.identity.identity = a.subject.exact;
        o.identity.identity_regexp = a.subject.regexp;
        o.identity.issuer = a.issuer.exact;
        o.identity.issuer_regexp = a.issuer.regexp;
        VOUCH_ASSIGN_OR_RETURN(auto v, client::BundleVerifier::New(a.trusted_root.get(), o));
        vs.push_back(std::move(v));
      } else if (a.type == Authority::Type::kKey) {
        for (const auto& key : a.keys) {
          client::VerifyOptions ko = o;
          ko.key = key;
          VOUCH_ASSIGN_OR_RETURN(auto v, client::BundleVerifier::New(a.trusted_root.get(), ko));
          vs.push_back(std::move(v));
        }
      }
      per_authority.push_back(std::move(vs));
    }
    e->verifiers_.push_back(std::move(per_authority));
  }
  return e;
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::New(std::shared_ptr<const PolicySet> set,
                                                    AttachmentSource* source,
                                                    const EngineOptions& options) {
  if (set == nullptr) return absl::InvalidArgumentError("policy engine: no policy set");
  VOUCH_ASSIGN_OR_RETURN(std::unique_ptr<Engine> e, New(set.get(), source, options));
  e->owned_set_ = std::move(set);
  return e;
}

// One Evaluate call: the attachments and the verification results it has computed so far.
class Evaluation {
 public:
  Evaluation(const Engine& engine, const Request& request) : e_(engine), request_(request) {
    now_ = e_.options_.now == absl::InfinitePast() ? absl::Now() : e_.options_.now;
  }

  // Steps 1 and 2 (no registry call): the name, trusted registries and the matching policies.
  // False when that already decides (a malformed name, an untrusted registry, no policy: the
  // default action); the decision is then d_.
  bool Select() {
    d_.image = request_.image;
    d_.policy_version = e_.set_->version();
    auto name = ParseImageName(request_.image);
    if (!name.ok()) {
      d_.reasons.push_back(std::string(name.status().message()));
      return false;
    }
    d_.name = *name;
    const PolicySettings& settings = e_.set_->settings();
    if (!settings.trusted_registries.empty()) {
      bool trusted = false;
      for (const Glob& g : settings.trusted_registries)
        trusted = trusted || g.Matches(d_.name.Name());
      if (!trusted) {
        d_.reasons.push_back(absl::StrCat("image ", d_.name.Name(),
                                          " is not from a trusted registry (trustedRegistries)"));
        return false;
      }
    }
    for (size_t i = 0; i < e_.set_->policies().size(); ++i) {
      const ImagePolicy& p = e_.set_->policies()[i];
      bool glob = false;
      for (const Glob& g : p.images) glob = glob || GlobMatchesImage(g, d_.name);
      if (!glob) continue;
      if (p.namespaces.has_value() && !request_.ns.empty()) {
        if (!request_.ns_labels_known && p.namespaces->SelectsByLabels()) {
          // Unknown labels: applied (stricter), if its names (if any) select the namespace.
          if (!p.namespaces->MatchesName(request_.ns)) continue;
          d_.assumed_label_policies.push_back(p.name);
        } else if (!p.namespaces->Matches(request_.ns, request_.ns_labels)) {
          continue;
        }
      }
      matching_.push_back(i);
    }
    if (!matching_.empty() && matching_.size() == d_.assumed_label_policies.size() &&
        !settings.default_allow) {
      // Only label-selected policies match, and with the namespace's real labels none might:
      // the default action (deny) is the stricter of the two possible decisions.
      d_.reasons.push_back(absl::StrCat(
          "the labels of namespace ", request_.ns, " are unknown, so policies ",
          absl::StrJoin(d_.assumed_label_policies, ", "), " may or may not apply to ",
          d_.name.Reference(), "; no other policy matches and the default action is deny"));
      return false;
    }
    if (matching_.empty()) {
      d_.allowed = settings.default_allow;
      if (!d_.allowed) {
        d_.reasons.push_back(absl::StrCat("no policy matches ", d_.name.Reference(),
                                          " and the default action is deny"));
      }
      return false;
    }
    return true;
  }

  // |resolved|: the tag already resolved by the caller (its digest or the registry's error), or
  // null to resolve it here.
  Decision Run(const absl::StatusOr<std::string>* resolved = nullptr) && {
    if (!Select()) return std::move(d_);
    const std::vector<size_t>& matching = matching_;
    bool all_fail_open = true;
    for (size_t i : matching) all_fail_open = all_fail_open && e_.set_->policies()[i].fail_open;
    auto infra = [&](const absl::Status& s) {
      d_.infrastructure_error = true;
      const std::string msg = absl::StrCat("cannot check ", request_.image, ": ", s.message());
      if (all_fail_open) {
        d_.allowed = true;
        d_.warnings.push_back(msg + " (allowed: failurePolicy open)");
      } else {
        d_.reasons.push_back(msg);
      }
      return std::move(d_);
    };
    if (!d_.name.digest.empty()) {
      d_.digest = d_.name.digest;  // By digest: nothing to resolve.
    } else if (resolved != nullptr) {
      if (!resolved->ok()) return infra(resolved->status());
      d_.digest = **resolved;
    } else {
      auto digest = e_.source_->Resolve(d_.name);
      if (!digest.ok()) return infra(digest.status());
      d_.digest = *digest;
    }
    auto attachments = e_.source_->Attachments(d_.name, d_.digest);
    if (!attachments.ok()) return infra(attachments.status());
    attachments_ = *std::move(attachments);
    statements_.resize(attachments_.size());
    d_.allowed = true;
    for (size_t i : matching) {
      PolicyResult r = Policy(i);
      if (!r.passed) {
        for (const std::string& reason : r.reasons) {
          (r.enforce ? d_.reasons : d_.warnings)
              .push_back(absl::StrCat("policy ", r.policy, ": ", reason));
        }
        if (r.enforce) d_.allowed = false;
      }
      d_.policies.push_back(std::move(r));
    }
    std::sort(d_.log_indexes.begin(), d_.log_indexes.end());
    d_.log_indexes.erase(std::unique(d_.log_indexes.begin(), d_.log_indexes.end()),
                         d_.log_indexes.end());
    return std::move(d_);
  }

 private:
  // The statement of attachment |i| if it is a DSSE in-toto statement (parsed once), else null.
  const json* Statement(size_t i) {
    auto& s = statements_[i];
    if (!s.has_value()) {
      s = json();
      const client::Bundle& b = attachments_[i].bundle;
      if (b.is_dsse()) {
        json j = json::parse(b.proto.dsse_envelope().payload(), nullptr, false);
        if (!j.is_discarded() && j.is_object()) s = std::move(j);
      }
    }
    return s->is_object() ? &*s : nullptr;
  }
  std::string PredicateType(size_t i) {
    const json* st = Statement(i);
    return st == nullptr ? "" : StrAt(*st, {"predicateType"});
  }
  bool IsSignature(size_t i) {
    const client::Bundle& b = attachments_[i].bundle;
    return !b.is_dsse() || PredicateType(i) == kCosignSignPredicate;
  }

  // Verifies attachment |i| as authority |a| of policy |p| (cached). OK with the result, or the
  // reason it does not count for this authority.
  const absl::StatusOr<client::VerificationResult>& Verified(size_t p, size_t a, size_t i) {
    auto key = std::make_tuple(p, a, i);
    auto it = verified_.find(key);
    if (it != verified_.end()) return it->second;
    absl::StatusOr<client::VerificationResult> out = Verify(p, a, i);
    return verified_.emplace(key, std::move(out)).first->second;
  }

  absl::StatusOr<client::VerificationResult> Verify(size_t p, size_t a, size_t i) {
    const Authority& auth = e_.set_->policies()[p].authorities[a];
    const Attachment& att = attachments_[i];
    absl::Status last = absl::FailedPreconditionError("no verifier");
    for (const auto& v : e_.verifiers_[p][a]) {
      client::VerificationResult r = v->Verify(att.bundle, att.artifact);
      if (!r.verified()) {
        last = r.status();
        continue;
      }
      if (att.post_check) {
        absl::Status s = att.post_check();
        if (!s.ok()) return s;
      }
      // Extensions (exact or regexp) beyond what the verifier checked.
      for (const auto& [name, match] : auth.extensions) {
        const std::string* got = nullptr;
        for (const auto& [n, value] : r.certificate_extensions) {
          if (n == name) got = &value;
        }
        if (got == nullptr) {
          return absl::FailedPreconditionError(
              absl::StrCat("identity: certificate has no ", name, " extension"));
        }
        if (!match.Matches(*got)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "identity: certificate ", name, " is \"", *got, "\", want ", match.ToString()));
        }
      }
      int tlog = 0;
      for (const auto& e : r.tlog_entries) {
        if (e.inclusion_proof || e.integrated_time != absl::InfinitePast()) ++tlog;
      }
      if (tlog < auth.thresholds.tlog) {
        return absl::FailedPreconditionError(absl::StrCat(
            "tlog: ", tlog, " verified log entries, the policy wants ", auth.thresholds.tlog));
      }
      if (static_cast<int>(r.timestamps.size()) < auth.thresholds.timestamps) {
        return absl::FailedPreconditionError(absl::StrCat(
            "timestamp: ", r.timestamps.size(), " verified RFC 3161 timestamps, the policy wants ",
            auth.thresholds.timestamps));
      }
      return r;
    }
    return last;
  }

  CheckResult AuthorityCheck(size_t p, size_t a) {
    const Authority& auth = e_.set_->policies()[p].authorities[a];
    CheckResult c;
    c.name = auth.name;
    if (auth.type == Authority::Type::kStatic) {
      c.passed = auth.static_pass;
      c.reason = auth.static_message.empty() ? (auth.static_pass ? "static pass" : "static fail")
                                             : auth.static_message;
      return c;
    }
    std::vector<std::string> failures;
    int signatures = 0;
    for (size_t i = 0; i < attachments_.size(); ++i) {
      if (!IsSignature(i)) continue;
      ++signatures;
      const auto& r = Verified(p, a, i);
      if (r.ok()) {
        c.passed = true;
        c.reason = absl::StrCat("signed (", attachments_[i].description, ")");
        c.log_indexes = r->log_indexes;
        return c;
      }
      if (failures.size() < kMaxReasonsPerCheck) {
        failures.push_back(absl::StrCat(attachments_[i].description, ": ", r.status().message()));
      }
    }
    if (signatures == 0) {
      c.reason = absl::StrCat("authority ", auth.name, ": no signature is attached to ", d_.digest);
    } else {
      c.reason = absl::StrCat("authority ", auth.name, ": none of ", signatures,
                              " signatures verifies: ", absl::StrJoin(failures, "; "));
    }
    return c;
  }

  // Whether the statement of attachment |i| satisfies |req|.
  absl::Status PredicateConditions(const AttestationRequirement& req, size_t i) {
    const json& st = *Statement(i);
    const json* predicate = At(st, {"predicate"});
    if (predicate == nullptr || !predicate->is_object()) {
      return absl::FailedPreconditionError("statement has no predicate object");
    }
    const SlsaConditions& s = req.slsa;
    if (!s.builder_id.empty()) {
      std::string id = StrAt(*predicate, {"runDetails", "builder", "id"});
      if (id.empty()) id = StrAt(*predicate, {"builder", "id"});
      if (id != s.builder_id) {
        return absl::FailedPreconditionError(
            absl::StrCat("SLSA builder id is \"", id, "\", want \"", s.builder_id, "\""));
      }
    }
    if (!s.build_type.empty()) {
      std::string bt = StrAt(*predicate, {"buildDefinition", "buildType"});
      if (bt.empty()) bt = StrAt(*predicate, {"buildType"});
      if (bt != s.build_type) {
        return absl::FailedPreconditionError(
            absl::StrCat("SLSA build type is \"", bt, "\", want \"", s.build_type, "\""));
      }
    }
    if (!s.source_repository.empty() || !s.source_ref.empty()) {
      // Candidates: (repository, ref) pairs the provenance names.
      std::vector<std::pair<std::string, std::string>> sources;
      const std::string wf_repo =
          StrAt(*predicate, {"buildDefinition", "externalParameters", "workflow", "repository"});
      if (!wf_repo.empty()) {
        sources.emplace_back(wf_repo, StrAt(*predicate, {"buildDefinition", "externalParameters",
                                                         "workflow", "ref"}));
      }
      if (const json* deps = At(*predicate, {"buildDefinition", "resolvedDependencies"});
          deps != nullptr && deps->is_array()) {
        for (const json& d : *deps) {
          const std::string uri = StrAt(d, {"uri"});
          if (uri.empty()) continue;
          const size_t at = uri.find('@');
          sources.emplace_back(uri, at == std::string::npos ? "" : uri.substr(at + 1));
        }
      }
      const std::string v02 = StrAt(*predicate, {"invocation", "configSource", "uri"});
      if (!v02.empty()) {
        const size_t at = v02.find('@');
        sources.emplace_back(v02, at == std::string::npos ? "" : v02.substr(at + 1));
      }
      bool found = false;
      for (const auto& [repo, ref] : sources) {
        const bool repo_ok = s.source_repository.empty() ||
                             NormalizeRepo(repo) == NormalizeRepo(s.source_repository);
        const bool ref_ok = s.source_ref.empty() || ref == s.source_ref;
        found = found || (repo_ok && ref_ok);
      }
      if (!found) {
        std::vector<std::string> seen;
        for (const auto& [repo, ref] : sources) {
          seen.push_back(ref.empty() ? NormalizeRepo(repo)
                                     : absl::StrCat(NormalizeRepo(repo), "@", ref));
        }
        return absl::FailedPreconditionError(absl::StrCat(
            "SLSA source is [", absl::StrJoin(seen, ", "), "], want ",
            s.source_repository.empty() ? "any repository" : NormalizeRepo(s.source_repository),
            s.source_ref.empty() ? "" : absl::StrCat(" at ", s.source_ref)));
      }
    }
    if (req.vuln.has_value()) {
      const VulnConditions& v = *req.vuln;
      if (v.max_severity_rank > 0) {
        auto sev = VulnSeverities(*predicate);
        if (!sev.ok()) return absl::FailedPreconditionError(sev.status().message());
        std::map<std::string, int> counts;
        for (const std::string& x : *sev) {
          if (SeverityRank(x) >= v.max_severity_rank) ++counts[x];
        }
        if (!counts.empty()) {
          std::vector<std::string> parts;
          for (const char* level : {"CRITICAL", "HIGH", "MEDIUM", "LOW"}) {
            if (counts.count(level)) parts.push_back(absl::StrCat(counts[level], " ", level));
          }
          return absl::FailedPreconditionError(
              absl::StrCat("vulnerability scan found ", absl::StrJoin(parts, ", "),
                           " (none at or above ", v.max_severity, " allowed)"));
        }
      }
      if (v.max_age > absl::ZeroDuration()) {
        const std::string finished = StrAt(*predicate, {"metadata", "scanFinishedOn"});
        absl::Time t;
        std::string err;
        if (!absl::ParseTime(absl::RFC3339_full, finished, &t, &err)) {
          return absl::FailedPreconditionError(absl::StrCat("vuln metadata.scanFinishedOn \"",
                                                            Short(finished), "\" is not RFC 3339"));
        }
        if (now_ - t > v.max_age) {
          return absl::FailedPreconditionError(absl::StrCat("vulnerability scan finished ",
                                                            finished, ", older than ",
                                                            absl::FormatDuration(v.max_age)));
        }
      }
    }
    for (const Condition& c : req.conditions) {
      VOUCH_RETURN_IF_ERROR(CheckCondition(c, st));
    }
    return absl::OkStatus();
  }

  CheckResult AttestationCheck(size_t p, const AttestationRequirement& req) {
    const ImagePolicy& policy = e_.set_->policies()[p];
    CheckResult c;
    c.name = req.name;
    std::vector<size_t> allowed;
    for (size_t a = 0; a < policy.authorities.size(); ++a) {
      const Authority& auth = policy.authorities[a];
      if (auth.type == Authority::Type::kStatic) continue;
      if (req.authorities.empty() || std::find(req.authorities.begin(), req.authorities.end(),
                                               auth.name) != req.authorities.end()) {
        allowed.push_back(a);
      }
    }
    std::vector<std::string> failures;
    int candidates = 0;
    for (size_t i = 0; i < attachments_.size(); ++i) {
      if (Statement(i) == nullptr || PredicateType(i) != req.predicate_type) continue;
      ++candidates;
      bool signed_by_one = false;
      std::string sig_failure;
      for (size_t a : allowed) {
        const auto& r = Verified(p, a, i);
        if (!r.ok()) {
          if (sig_failure.empty()) {
            sig_failure =
                absl::StrCat("authority ", policy.authorities[a].name, ": ", r.status().message());
          }
          continue;
        }
        signed_by_one = true;
        absl::Status cond = PredicateConditions(req, i);
        if (cond.ok()) {
          c.passed = true;
          c.reason = absl::StrCat("attested by ", policy.authorities[a].name, " (",
                                  attachments_[i].description, ")");
          c.log_indexes = r->log_indexes;
          return c;
        }
        if (failures.size() < kMaxReasonsPerCheck) {
          failures.push_back(absl::StrCat(attachments_[i].description, ": ", cond.message()));
        }
        break;  // The predicate is the same whoever signed it.
      }
      if (!signed_by_one && failures.size() < kMaxReasonsPerCheck) {
        failures.push_back(absl::StrCat(attachments_[i].description, ": not signed by ",
                                        req.authorities.empty()
                                            ? "an authority of the policy"
                                            : absl::StrJoin(req.authorities, " or "),
                                        " (", sig_failure, ")"));
      }
    }
    if (candidates == 0) {
      c.reason = absl::StrCat("attestation ", req.name, ": no attestation of type ",
                              req.predicate_type, " is attached to ", d_.digest);
    } else {
      c.reason = absl::StrCat("attestation ", req.name, ": ", absl::StrJoin(failures, "; "));
    }
    return c;
  }

  PolicyResult Policy(size_t p) {
    const ImagePolicy& policy = e_.set_->policies()[p];
    PolicyResult r;
    r.policy = policy.name;
    r.enforce = policy.enforce;
    int passed = 0;
    for (size_t a = 0; a < policy.authorities.size(); ++a) {
      CheckResult c = AuthorityCheck(p, a);
      if (c.passed) {
        ++passed;
        d_.log_indexes.insert(d_.log_indexes.end(), c.log_indexes.begin(), c.log_indexes.end());
      }
      r.authorities.push_back(std::move(c));
    }
    const int need = policy.count > 0 ? policy.count : static_cast<int>(policy.authorities.size());
    if (passed < need) {
      std::vector<std::string> why;
      for (const CheckResult& c : r.authorities) {
        if (!c.passed) why.push_back(c.reason);
      }
      r.reasons.push_back(absl::StrCat(passed, " of ", policy.authorities.size(),
                                       " authorities passed, ", need,
                                       " required: ", absl::StrJoin(why, "; ")));
    }
    for (const AttestationRequirement& req : policy.attestations) {
      CheckResult c = AttestationCheck(p, req);
      if (c.passed) {
        d_.log_indexes.insert(d_.log_indexes.end(), c.log_indexes.begin(), c.log_indexes.end());
      } else {
        r.reasons.push_back(c.reason);
      }
      r.attestations.push_back(std::move(c));
    }
    r.passed = r.reasons.empty();
    return r;
  }

  const Engine& e_;
  const Request& request_;
  absl::Time now_;
  Decision d_;
  std::vector<size_t> matching_;  // the policies that apply (Select)
  std::vector<Attachment> attachments_;
  std::vector<std::optional<json>> statements_;
  std::map<std::tuple<size_t, size_t, size_t>, absl::StatusOr<client::VerificationResult>>
      verified_;
};

Decision Engine::Evaluate(const Request& request) const { return Evaluation(*this, request).Run(); }

Decision Engine::EvaluateResolved(const Request& request,
                                  const absl::StatusOr<std::string>& resolved) const {
  return Evaluation(*this, request).Run(&resolved);
}

bool Engine::NeedsRegistry(const Request& request) const {
  return Evaluation(*this, request).Select();
}

}  // namespace vouch::policy
