// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/oidc.h"

#include <unistd.h>

#include <cmath>
#include <initializer_list>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/file.h"
#include "base/status.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "signer/jwt.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {

using json = nlohmann::json;

struct OidcVerifier::Key {
  std::string kid;
  std::string alg;  // the JWK's "alg" member, may be empty
  std::shared_ptr<OpenSslVerifier> verifier;
  std::shared_ptr<OpenSslVerifier> pss_verifier;  // RSA keys only
};

struct OidcVerifier::KeySet {
  std::vector<Key> keys;
  absl::Time fetched = absl::InfinitePast();
};

namespace {

absl::Status Refuse(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid identity token: ", why));
}

struct AlgInfo {
  enum Family { kRsa, kPss, kEc, kEd } family;
  HashAlgorithm hash;
  KeyType ec_type;  // for kEc
  size_t coord;     // for kEc
};

absl::StatusOr<AlgInfo> LookupAlg(const std::string& alg) {
  if (alg == "RS256") return AlgInfo{AlgInfo::kRsa, HashAlgorithm::kSha256, KeyType::kRsaPkcs1, 0};
  if (alg == "RS384") return AlgInfo{AlgInfo::kRsa, HashAlgorithm::kSha384, KeyType::kRsaPkcs1, 0};
  if (alg == "RS512") return AlgInfo{AlgInfo::kRsa, HashAlgorithm::kSha512, KeyType::kRsaPkcs1, 0};
  if (alg == "PS256") return AlgInfo{AlgInfo::kPss, HashAlgorithm::kSha256, KeyType::kRsaPss, 0};
  if (alg == "PS384") return AlgInfo{AlgInfo::kPss, HashAlgorithm::kSha384, KeyType::kRsaPss, 0};
  if (alg == "PS512") return AlgInfo{AlgInfo::kPss, HashAlgorithm::kSha512, KeyType::kRsaPss, 0};
  if (alg == "ES256") return AlgInfo{AlgInfo::kEc, HashAlgorithm::kSha256, KeyType::kEcdsaP256, 32};
  if (alg == "ES384") return AlgInfo{AlgInfo::kEc, HashAlgorithm::kSha384, KeyType::kEcdsaP384, 48};
  if (alg == "ES512") return AlgInfo{AlgInfo::kEc, HashAlgorithm::kSha512, KeyType::kEcdsaP521, 66};
  if (alg == "EdDSA") return AlgInfo{AlgInfo::kEd, HashAlgorithm::kSha512, KeyType::kEd25519, 0};
  if (absl::EqualsIgnoreCase(alg, "none")) return Refuse("alg \"none\" (unsigned token) refused");
  if (absl::StartsWith(alg, "HS")) return Refuse(absl::StrCat("HMAC algorithm ", alg, " refused"));
  return Refuse(absl::StrCat("unsupported algorithm \"", alg, "\""));
}

// The key types an algorithm family accepts.
bool KeyFits(const AlgInfo& info, KeyType type) {
  switch (info.family) {
    case AlgInfo::kRsa:
    case AlgInfo::kPss:
      return type == KeyType::kRsaPkcs1 || type == KeyType::kRsaPss;
    case AlgInfo::kEc:
      return type == info.ec_type;
    case AlgInfo::kEd:
      return type == KeyType::kEd25519;
  }
  return false;
}

absl::StatusOr<std::vector<OidcVerifier::Key>> ParseJwks(absl::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("JWKS is not a JSON object");
  }
  auto it = doc.find("keys");
  if (it == doc.end() || !it->is_array()) {
    return absl::InvalidArgumentError("JWKS has no \"keys\" array");
  }
  std::vector<OidcVerifier::Key> keys;
  for (const json& jwk : *it) {
    if (!jwk.is_object()) continue;
    if (jwk.contains("use") && jwk["use"] != "sig") continue;  // encryption keys
    auto der = JwkToPublicKeyDer(jwk.dump());
    if (!der.ok()) continue;  // skip keys we cannot use (other curves, tiny RSA, ...)
    auto verifier = OpenSslVerifier::FromDer(*der);
    if (!verifier.ok()) continue;
    OidcVerifier::Key key;
    if (jwk.contains("kid") && jwk["kid"].is_string()) key.kid = jwk["kid"].get<std::string>();
    if (jwk.contains("alg") && jwk["alg"].is_string()) key.alg = jwk["alg"].get<std::string>();
    key.verifier = std::move(*verifier);
    const KeyType t = key.verifier->key_type();
    if (t == KeyType::kRsaPkcs1 || t == KeyType::kRsaPss) {
      auto pss = OpenSslVerifier::FromDer(*der, /*rsa_pss=*/true);
      if (pss.ok()) key.pss_verifier = std::move(*pss);
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

bool WildcardMatch(absl::string_view pattern, absl::string_view text) {
  size_t p = 0, t = 0;
  while (p < pattern.size()) {
    if (pattern[p] == '*') {
      size_t n = 0;
      while (t + n < text.size()) {
        const char c = text[t + n];
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) break;
        ++n;
      }
      if (n == 0) return false;
      t += n;
      ++p;
      continue;
    }
    if (t >= text.size() || pattern[p] != text[t]) return false;
    ++p;
    ++t;
  }
  return t == text.size();
}

// Optional string claim ("" when absent or not a string; numbers are printed).
std::string Claim(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  if (it->is_number_unsigned()) return std::to_string(it->get<uint64_t>());
  return "";
}

// A claim value that cannot be written into a certificate: 400, naming the claim.
absl::Status BadClaim(absl::string_view name, const absl::Status& why) {
  return absl::InvalidArgumentError(
      absl::StrCat("identity token claim \"", name, "\": ", why.message()));
}

// Every present claim of |names| must be certificate text (no control characters): they go into
// the CI extensions.
absl::Status CheckTextClaims(const json& claims, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    absl::Status s = CheckCertificateText(Claim(claims, name));
    if (!s.ok()) return BadClaim(name, s);
  }
  return absl::OkStatus();
}

// A URI SAN built from |claim|: it must parse as signer/san.h says.
absl::Status CheckUriClaim(absl::string_view claim, const std::string& uri) {
  absl::StatusOr<UriSan> parsed = ParseUriSan(uri);
  if (parsed.ok()) return absl::OkStatus();
  return BadClaim(claim, absl::InvalidArgumentError(
                             absl::StrCat("URI \"", absl::CHexEscape(uri.substr(0, 256)),
                                          "\" is malformed: ", parsed.status().message())));
}

// RFC 1123 label (Kubernetes namespace names): [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63.
absl::Status CheckDnsLabel(absl::string_view s) {
  if (s.empty() || s.size() > 63) {
    return absl::InvalidArgumentError(
        absl::StrCat("want an RFC 1123 label of 1 to 63 characters, got ", s.size()));
  }
  for (char c : s) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '-') {
      return absl::InvalidArgumentError(
          "want an RFC 1123 label (lower-case letters, digits and '-')");
    }
  }
  if (s.front() == '-' || s.back() == '-') {
    return absl::InvalidArgumentError("an RFC 1123 label does not start or end with '-'");
  }
  return absl::OkStatus();
}

// RFC 1123 subdomain (Kubernetes service account names): labels joined by '.', at most 253.
absl::Status CheckDnsSubdomain(absl::string_view s) {
  if (s.empty() || s.size() > 253) {
    return absl::InvalidArgumentError(
        absl::StrCat("want an RFC 1123 subdomain of 1 to 253 characters, got ", s.size()));
  }
  for (absl::string_view label : absl::StrSplit(s, '.'))
    VOUCH_RETURN_IF_ERROR(CheckDnsLabel(label));
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequiredClaim(const json& claims, const char* name) {
  std::string v = Claim(claims, name);
  if (v.empty()) return Refuse(absl::StrCat("missing claim \"", name, "\""));
  return v;
}

absl::StatusOr<double> TimeClaim(const json& claims, const char* name, bool required) {
  auto it = claims.find(name);
  if (it == claims.end()) {
    if (required) return Refuse(absl::StrCat("missing claim \"", name, "\""));
    return NAN;
  }
  if (!it->is_number()) return Refuse(absl::StrCat("claim \"", name, "\" is not a number"));
  const double v = it->get<double>();
  if (!std::isfinite(v)) return Refuse(absl::StrCat("claim \"", name, "\" is not finite"));
  return v;
}

std::string FormatUnix(double t) {
  if (!(t > -1e12 && t < 1e12)) return std::to_string(t);
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(static_cast<int64_t>(t)),
                          absl::UTCTimeZone());
}

struct ParsedUrl {
  std::string scheme_host_port;
  std::string path;
};

absl::StatusOr<ParsedUrl> ParseUrl(const std::string& url) {
  absl::string_view rest = url;
  std::string scheme;
  if (absl::ConsumePrefix(&rest, "http://")) {
    scheme = "http://";
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    scheme = "https://";
  } else {
    return absl::InvalidArgumentError(absl::StrCat("URL must be http(s): ", url));
  }
  const size_t slash = rest.find('/');
  ParsedUrl out;
  out.scheme_host_port = absl::StrCat(scheme, rest.substr(0, slash));
  out.path = slash == absl::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (out.scheme_host_port.size() == scheme.size()) {
    return absl::InvalidArgumentError(absl::StrCat("URL without host: ", url));
  }
  return out;
}

}  // namespace

const char* IdentityTypeName(IdentityType type) {
  switch (type) {
    case IdentityType::kEmail:
      return "email";
    case IdentityType::kUri:
      return "uri";
    case IdentityType::kUsername:
      return "username";
    case IdentityType::kGithubWorkflow:
      return "github-workflow";
    case IdentityType::kGitlabPipeline:
      return "gitlab-pipeline";
    case IdentityType::kSpiffe:
      return "spiffe";
    case IdentityType::kKubernetes:
      return "kubernetes";
  }
  return "unknown";
}

bool ParseIdentityType(absl::string_view name, IdentityType* type) {
  for (IdentityType t : {IdentityType::kEmail, IdentityType::kUri, IdentityType::kUsername,
                         IdentityType::kGithubWorkflow, IdentityType::kGitlabPipeline,
                         IdentityType::kSpiffe, IdentityType::kKubernetes}) {
    if (name == IdentityTypeName(t)) {
      *type = t;
      return true;
    }
  }
  return false;
}

absl::StatusOr<std::vector<IssuerConfig>> ParseIssuersConfig(absl::string_view json_text) {
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("issuer config: not a JSON object");
  }
  auto it = doc.find("issuers");
  if (it == doc.end() || !it->is_array()) {
    return absl::InvalidArgumentError("issuer config: missing \"issuers\" array");
  }
  std::vector<IssuerConfig> out;
  size_t index = 0;
  for (const json& entry : *it) {
    const std::string where = absl::StrCat("issuer config: issuers[", index++, "]");
    if (!entry.is_object())
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    IssuerConfig c;
    static const char* kStringMembers[] = {
        "issuer_url",     "wildcard_issuer_url", "audience",  "type",    "challenge_claim",
        "subject_domain", "spiffe_trust_domain", "jwks_file", "jwks_uri"};
    for (auto m = entry.begin(); m != entry.end(); ++m) {
      bool known = m.key() == "jwks";
      for (const char* name : kStringMembers) {
        if (m.key() == name) {
          known = true;
          if (!m.value().is_string()) {
            return absl::InvalidArgumentError(
                absl::StrCat(where, ": \"", name, "\" must be a string"));
          }
        }
      }
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": unknown member \"", m.key(), "\""));
      }
    }
    auto str = [&](const char* name) -> std::string {
      return entry.contains(name) ? entry[name].get<std::string>() : "";
    };
    c.issuer_url = str("issuer_url");
    c.wildcard_issuer_url = str("wildcard_issuer_url");
    if (c.issuer_url.empty() == c.wildcard_issuer_url.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": set exactly one of \"issuer_url\" and \"wildcard_issuer_url\""));
    }
    if (entry.contains("audience")) c.audience = str("audience");
    if (c.audience.empty())
      return absl::InvalidArgumentError(absl::StrCat(where, ": empty audience"));
    const std::string type = entry.contains("type") ? str("type") : "email";
    if (!ParseIdentityType(type, &c.type)) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown type \"", type,
          "\" (want email, uri, username, github-workflow, gitlab-pipeline, spiffe, kubernetes)"));
    }
    c.challenge_claim = str("challenge_claim");
    c.subject_domain = str("subject_domain");
    c.spiffe_trust_domain = str("spiffe_trust_domain");
    c.jwks_file = str("jwks_file");
    c.jwks_uri = str("jwks_uri");
    if (entry.contains("jwks")) {
      if (!entry["jwks"].is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": \"jwks\" must be an object"));
      }
      c.jwks_json = entry["jwks"].dump();
    }
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<std::vector<IssuerConfig>> LoadIssuersConfig(const std::string& path) {
  VOUCH_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseIssuersConfig(text);
}

absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout,
                                    size_t max_bytes) {
  VOUCH_ASSIGN_OR_RETURN(ParsedUrl parsed, ParseUrl(url));
  httplib::Client client(parsed.scheme_host_port);
  const int64_t us = absl::ToInt64Microseconds(timeout);
  client.set_connection_timeout(us / 1000000, us % 1000000);
  client.set_read_timeout(us / 1000000, us % 1000000);
  client.set_follow_location(false);
  if (absl::StartsWith(url, "https://")) {
    client.enable_server_certificate_verification(true);
    static const char kSystemCAs[] = "/etc/ssl/certs/ca-certificates.crt";
    if (::access(kSystemCAs, R_OK) == 0) client.set_ca_cert_path(kSystemCAs);
  }
  std::string body;
  bool too_big = false;
  auto res = client.Get(parsed.path.c_str(), [&](const char* data, size_t len) {
    if (body.size() + len > max_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, len);
    return true;
  });
  if (too_big)
    return absl::UnavailableError(absl::StrCat("GET ", url, ": larger than ", max_bytes, " bytes"));
  if (!res) {
    return absl::UnavailableError(absl::StrCat("GET ", url, ": ", httplib::to_string(res.error())));
  }
  if (res->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET ", url, ": HTTP ", res->status));
  }
  return body;
}

absl::StatusOr<Identity> IdentityFromClaims(const IssuerConfig& config,
                                            absl::string_view claims_json) {
  json claims = json::parse(claims_json.begin(), claims_json.end(), nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return Refuse("payload is not a JSON object");
  Identity id;
  id.type = config.type;
  id.issuer = Claim(claims, "iss");
  id.subject = Claim(claims, "sub");
  if (id.subject.empty()) return Refuse("missing claim \"sub\"");
  std::string challenge_claim = config.challenge_claim;
  switch (config.type) {
    case IdentityType::kEmail: {
      VOUCH_ASSIGN_OR_RETURN(id.san, RequiredClaim(claims, "email"));
      auto v = claims.find("email_verified");
      const bool verified = v != claims.end() && ((v->is_boolean() && v->get<bool>()) ||
                                                  (v->is_string() && *v == "true"));
      if (!verified) return Refuse("email not verified (\"email_verified\" is not true)");
      absl::StatusOr<SubjectAltName> san = EmailSan(id.san);
      if (!san.ok()) return BadClaim("email", san.status());
      id.san_type = san->type;
      id.san = san->value;
      if (challenge_claim.empty()) challenge_claim = "email";
      break;
    }
    case IdentityType::kUri: {
      VOUCH_RETURN_IF_ERROR(CheckUriClaim("sub", id.subject));
      // Under the configured domain: the same scheme and host (as Fulcio) and the prefix.
      const absl::StatusOr<UriSan> sub = ParseUriSan(id.subject);
      const absl::StatusOr<UriSan> domain = ParseUriSan(config.subject_domain);
      if (!domain.ok() || !absl::EqualsIgnoreCase(sub->scheme, domain->scheme) ||
          !absl::EqualsIgnoreCase(sub->host, domain->host) || sub->port != domain->port ||
          !absl::StartsWith(id.subject, config.subject_domain)) {
        return Refuse(
            absl::StrCat("subject ", id.subject, " is not under ", config.subject_domain));
      }
      id.san_type = SanType::kUri;
      id.san = id.subject;
      break;
    }
    case IdentityType::kUsername: {
      if (id.subject.find('!') != std::string::npos) return Refuse("subject contains '!'");
      id.san_type = SanType::kOtherName;
      id.san = absl::StrCat(id.subject, "!", config.subject_domain);
      absl::Status ok = CheckUsernameSan(id.san);
      if (!ok.ok()) return BadClaim("sub", ok);
      break;
    }
    case IdentityType::kSpiffe: {
      const std::string prefix = absl::StrCat("spiffe://", config.spiffe_trust_domain, "/");
      if (config.spiffe_trust_domain.empty() || !absl::StartsWith(id.subject, prefix) ||
          id.subject.size() == prefix.size()) {
        return Refuse(absl::StrCat("subject ", id.subject, " is not a SPIFFE ID in trust domain ",
                                   config.spiffe_trust_domain));
      }
      absl::Status ok = CheckSpiffeId(id.subject);
      if (!ok.ok()) return BadClaim("sub", ok);
      id.san_type = SanType::kUri;
      id.san = id.subject;
      break;
    }
    case IdentityType::kKubernetes: {
      auto k = claims.find("kubernetes.io");
      if (k == claims.end() || !k->is_object()) return Refuse("missing claim \"kubernetes.io\"");
      const std::string ns = Claim(*k, "namespace");
      std::string sa;
      auto s = k->find("serviceaccount");
      if (s != k->end() && s->is_object()) sa = Claim(*s, "name");
      if (ns.empty() || sa.empty()) {
        return Refuse("claim \"kubernetes.io\" lacks namespace or serviceaccount.name");
      }
      absl::Status ok = CheckDnsLabel(ns);
      if (!ok.ok()) return BadClaim("kubernetes.io.namespace", ok);
      ok = CheckDnsSubdomain(sa);
      if (!ok.ok()) return BadClaim("kubernetes.io.serviceaccount.name", ok);
      id.san_type = SanType::kUri;
      id.san = absl::StrCat("https://kubernetes.io/namespaces/", ns, "/serviceaccounts/", sa);
      break;
    }
    case IdentityType::kGithubWorkflow: {
      const std::string base =
          config.subject_domain.empty() ? "https://github.com" : config.subject_domain;
      VOUCH_ASSIGN_OR_RETURN(std::string job_workflow_ref,
                             RequiredClaim(claims, "job_workflow_ref"));
      VOUCH_ASSIGN_OR_RETURN(std::string repository, RequiredClaim(claims, "repository"));
      VOUCH_ASSIGN_OR_RETURN(std::string sha, RequiredClaim(claims, "sha"));
      VOUCH_ASSIGN_OR_RETURN(std::string ref, RequiredClaim(claims, "ref"));
      VOUCH_ASSIGN_OR_RETURN(std::string event_name, RequiredClaim(claims, "event_name"));
      const std::string workflow = Claim(claims, "workflow");
      VOUCH_RETURN_IF_ERROR(CheckTextClaims(
          claims, {"job_workflow_ref", "repository", "sha", "ref", "event_name", "workflow",
                   "job_workflow_sha", "runner_environment", "repository_id", "repository_owner",
                   "repository_owner_id", "workflow_ref", "workflow_sha", "run_id", "run_attempt",
                   "repository_visibility", "environment", "sub"}));
      id.san_type = SanType::kUri;
      id.san = absl::StrCat(base, "/", job_workflow_ref);
      VOUCH_RETURN_IF_ERROR(CheckUriClaim("job_workflow_ref", id.san));
      auto put = [&](int arc, const std::string& v) {
        if (!v.empty()) id.extensions[arc] = v;
      };
      put(2, event_name);
      put(3, sha);
      put(4, workflow);
      put(5, repository);
      put(6, ref);
      put(9, id.san);
      put(10, Claim(claims, "job_workflow_sha"));
      put(11, Claim(claims, "runner_environment"));
      put(12, absl::StrCat(base, "/", repository));
      put(13, sha);
      put(14, ref);
      put(15, Claim(claims, "repository_id"));
      const std::string owner = Claim(claims, "repository_owner");
      if (!owner.empty()) put(16, absl::StrCat(base, "/", owner));
      put(17, Claim(claims, "repository_owner_id"));
      const std::string workflow_ref = Claim(claims, "workflow_ref");
      if (!workflow_ref.empty()) put(18, absl::StrCat(base, "/", workflow_ref));
      put(19, Claim(claims, "workflow_sha"));
      put(20, event_name);
      const std::string run_id = Claim(claims, "run_id");
      const std::string attempt = Claim(claims, "run_attempt");
      if (!run_id.empty() && !attempt.empty()) {
        put(21,
            absl::StrCat(base, "/", repository, "/actions/runs/", run_id, "/attempts/", attempt));
      }
      put(22, Claim(claims, "repository_visibility"));
      put(23, Claim(claims, "environment"));
      put(24, id.subject);
      break;
    }
    case IdentityType::kGitlabPipeline: {
      const std::string base =
          config.subject_domain.empty() ? "https://gitlab.com" : config.subject_domain;
      VOUCH_ASSIGN_OR_RETURN(std::string config_ref_uri,
                             RequiredClaim(claims, "ci_config_ref_uri"));
      VOUCH_ASSIGN_OR_RETURN(std::string project_path, RequiredClaim(claims, "project_path"));
      VOUCH_ASSIGN_OR_RETURN(std::string sha, RequiredClaim(claims, "sha"));
      VOUCH_RETURN_IF_ERROR(CheckTextClaims(
          claims, {"ci_config_ref_uri", "project_path", "sha", "ci_config_sha",
                   "runner_environment", "ref", "ref_type", "project_id", "namespace_path",
                   "namespace_id", "pipeline_source", "job_id", "project_visibility", "sub"}));
      id.san_type = SanType::kUri;
      id.san = absl::StrCat("https://", config_ref_uri);
      VOUCH_RETURN_IF_ERROR(CheckUriClaim("ci_config_ref_uri", id.san));
      auto put = [&](int arc, const std::string& v) {
        if (!v.empty()) id.extensions[arc] = v;
      };
      put(9, id.san);
      put(10, Claim(claims, "ci_config_sha"));
      put(11, Claim(claims, "runner_environment"));
      put(12, absl::StrCat(base, "/", project_path));
      put(13, sha);
      const std::string ref = Claim(claims, "ref");
      const std::string ref_type = Claim(claims, "ref_type");
      if (!ref.empty()) {
        put(14,
            ref_type == "tag" ? absl::StrCat("refs/tags/", ref) : absl::StrCat("refs/heads/", ref));
      }
      put(15, Claim(claims, "project_id"));
      const std::string ns = Claim(claims, "namespace_path");
      if (!ns.empty()) put(16, absl::StrCat(base, "/", ns));
      put(17, Claim(claims, "namespace_id"));
      put(18, id.san);
      put(19, Claim(claims, "ci_config_sha"));
      put(20, Claim(claims, "pipeline_source"));
      const std::string job = Claim(claims, "job_id");
      if (!job.empty()) put(21, absl::StrCat(base, "/", project_path, "/-/jobs/", job));
      put(22, Claim(claims, "project_visibility"));
      put(24, id.subject);
      break;
    }
  }
  if (challenge_claim.empty()) challenge_claim = "sub";
  id.challenge = Claim(claims, challenge_claim.c_str());
  if (id.challenge.empty()) {
    return Refuse(absl::StrCat("missing challenge claim \"", challenge_claim, "\""));
  }
  return id;
}

OidcVerifier::OidcVerifier(OidcOptions options) : options_(std::move(options)) {}
OidcVerifier::~OidcVerifier() = default;

absl::StatusOr<std::unique_ptr<OidcVerifier>> OidcVerifier::New(OidcOptions options) {
  if (options.clock == nullptr) options.clock = Clock::Real();
  std::unique_ptr<OidcVerifier> v(new OidcVerifier(std::move(options)));
  for (size_t i = 0; i < v->options_.issuers.size(); ++i) {
    const IssuerConfig& c = v->options_.issuers[i];
    const std::string name = c.issuer_url.empty() ? c.wildcard_issuer_url : c.issuer_url;
    if (c.issuer_url.empty() == c.wildcard_issuer_url.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("issuer ", i, ": set exactly one of issuer_url and wildcard_issuer_url"));
    }
    if ((c.type == IdentityType::kUri || c.type == IdentityType::kUsername) &&
        c.subject_domain.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "issuer ", name, ": type ", IdentityTypeName(c.type), " needs subject_domain"));
    }
    if (c.type == IdentityType::kSpiffe && c.spiffe_trust_domain.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("issuer ", name, ": type spiffe needs spiffe_trust_domain"));
    }
    std::string text = c.jwks_json;
    if (text.empty() && !c.jwks_file.empty()) {
      auto read = ReadFile(c.jwks_file);
      if (!read.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat("issuer ", name, ": ", read.status().message()));
      }
      text = *std::move(read);
    }
    if (!text.empty()) {
      auto keys = ParseJwks(text);
      if (!keys.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("issuer ", name, ": ", keys.status().message()));
      }
      auto set = std::make_shared<KeySet>();
      set->keys = *std::move(keys);
      v->static_keys_[i] = std::move(set);
    }
  }
  return v;
}

int OidcVerifier::fetch_count() const {
  absl::MutexLock lock(&mu_);
  return fetch_count_;
}

const IssuerConfig* OidcVerifier::FindIssuer(const std::string& iss) const {
  for (const IssuerConfig& c : options_.issuers) {
    if (!c.issuer_url.empty() && c.issuer_url == iss) return &c;
  }
  for (const IssuerConfig& c : options_.issuers) {
    if (!c.wildcard_issuer_url.empty() && WildcardMatch(c.wildcard_issuer_url, iss)) return &c;
  }
  return nullptr;
}

absl::StatusOr<std::string> OidcVerifier::FetchJwks(const IssuerConfig& config,
                                                    const std::string& iss) const {
  std::string jwks_uri = config.jwks_uri;
  if (jwks_uri.empty()) {
    const std::string discovery =
        absl::StrCat(absl::StripSuffix(iss, "/"), "/.well-known/openid-configuration");
    VOUCH_ASSIGN_OR_RETURN(std::string text,
                           HttpGet(discovery, options_.fetch_timeout, options_.max_document_bytes));
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("jwks_uri") ||
        !doc["jwks_uri"].is_string()) {
      return absl::UnavailableError(absl::StrCat(discovery, ": no jwks_uri"));
    }
    if (doc.contains("issuer") && doc["issuer"] != iss) {
      return absl::UnavailableError(
          absl::StrCat(discovery, ": issuer ", doc["issuer"].dump(), " does not match ", iss));
    }
    jwks_uri = doc["jwks_uri"].get<std::string>();
  }
  return HttpGet(jwks_uri, options_.fetch_timeout, options_.max_document_bytes);
}

absl::StatusOr<std::shared_ptr<const OidcVerifier::KeySet>> OidcVerifier::GetKeys(
    const IssuerConfig& config, const std::string& iss, bool refetch) const {
  const size_t index = static_cast<size_t>(&config - options_.issuers.data());
  auto st = static_keys_.find(index);
  if (st != static_keys_.end()) return st->second;
  const absl::Time now = options_.clock->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = fetched_.find(iss);
    const bool fresh = it != fetched_.end() && now - it->second->fetched < options_.jwks_cache_ttl;
    if (it != fetched_.end() && fresh && !refetch) return it->second;
    // Rate limit: at most one fetch per min_refetch_interval per issuer.
    auto last = last_fetch_.find(iss);
    if (last != last_fetch_.end() && now - last->second < options_.min_refetch_interval) {
      if (it != fetched_.end()) return it->second;
      return absl::UnavailableError(
          absl::StrCat("keys of issuer ", iss, " unavailable (refetch rate-limited)"));
    }
    last_fetch_[iss] = now;
    ++fetch_count_;
  }
  auto text = FetchJwks(config, iss);
  absl::StatusOr<std::vector<Key>> keys =
      text.ok() ? ParseJwks(*text) : absl::StatusOr<std::vector<Key>>(text.status());
  if (!keys.ok()) {
    // Keep serving with the keys we had (an issuer outage must not stop signing).
    absl::MutexLock lock(&mu_);
    auto it = fetched_.find(iss);
    if (it != fetched_.end()) return it->second;
    if (!text.ok()) return text.status();
    return absl::UnavailableError(absl::StrCat("JWKS of ", iss, ": ", keys.status().message()));
  }
  auto set = std::make_shared<KeySet>();
  set->keys = *std::move(keys);
  set->fetched = now;
  absl::MutexLock lock(&mu_);
  fetched_[iss] = set;
  return std::shared_ptr<const KeySet>(set);
}

absl::StatusOr<Identity> OidcVerifier::Verify(absl::string_view token) const {
  if (token.empty()) return Refuse("empty token");
  if (token.size() > options_.max_token_bytes) {
    return Refuse(
        absl::StrCat("token is ", token.size(), " bytes, limit ", options_.max_token_bytes));
  }
  auto parts = SplitJws(token);
  if (!parts.ok()) return Refuse(parts.status().message());
  json header = json::parse(parts->header_json, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return Refuse("header is not a JSON object");
  if (!header.contains("alg") || !header["alg"].is_string()) return Refuse("header has no alg");
  const std::string alg = header["alg"].get<std::string>();
  VOUCH_ASSIGN_OR_RETURN(AlgInfo info, LookupAlg(alg));
  if (header.contains("crit")) return Refuse("unsupported critical header parameters");
  std::string kid;
  if (header.contains("kid")) {
    if (!header["kid"].is_string()) return Refuse("kid is not a string");
    kid = header["kid"].get<std::string>();
  }
  json claims = json::parse(parts->payload_json, nullptr, false);
  if (claims.is_discarded() || !claims.is_object()) return Refuse("payload is not a JSON object");
  if (!claims.contains("iss") || !claims["iss"].is_string()) return Refuse("missing claim \"iss\"");
  const std::string iss = claims["iss"].get<std::string>();
  const IssuerConfig* config = FindIssuer(iss);
  if (config == nullptr) return Refuse(absl::StrCat("untrusted issuer \"", iss, "\""));

  // Signature first: nothing else in the token is trusted before it verifies.
  if (parts->signature.empty()) return Refuse("empty signature");
  std::string signature = parts->signature;
  if (info.family == AlgInfo::kEc) {
    if (signature.size() != 2 * info.coord) {
      return Refuse(
          absl::StrCat(alg, " signature is ", signature.size(), " bytes, want ", 2 * info.coord));
    }
    auto der = EcdsaRawToDer(signature);
    if (!der.ok()) return Refuse(der.status().message());
    signature = *std::move(der);
  }
  bool refetched = false;
  bool found_kid = false;
  absl::Status last_error = Refuse(absl::StrCat("no key of issuer ", iss, " fits ", alg));
  for (;;) {
    auto keys_or = GetKeys(*config, iss, refetched);
    if (!keys_or.ok()) return keys_or.status();
    const KeySet& keys = **keys_or;
    for (const Key& key : keys.keys) {
      if (!kid.empty() && key.kid != kid) continue;
      found_kid = true;
      if (!key.alg.empty() && key.alg != alg) {
        last_error = Refuse(absl::StrCat("key/algorithm mismatch: key ", key.kid, " is for ",
                                         key.alg, ", token says ", alg));
        continue;
      }
      if (!KeyFits(info, key.verifier->key_type())) {
        last_error = Refuse(absl::StrCat("key/algorithm mismatch: ", alg, " with a ",
                                         KeyTypeName(key.verifier->key_type()), " key"));
        continue;
      }
      absl::Status s;
      if (info.family == AlgInfo::kEd) {
        s = key.verifier->Verify(parts->signing_input, signature);
      } else {
        const OpenSslVerifier* v =
            info.family == AlgInfo::kPss ? key.pss_verifier.get() : key.verifier.get();
        if (v == nullptr) continue;
        s = v->VerifyDigest(info.hash, Digest(info.hash, parts->signing_input), signature);
      }
      if (s.ok()) {
        last_error = absl::OkStatus();
        break;
      }
      last_error = Refuse("signature does not verify");
    }
    if (last_error.ok()) break;
    // An unknown kid may mean the issuer rotated its keys: refetch once.
    if (!kid.empty() && !found_kid && !refetched &&
        static_keys_.count(static_cast<size_t>(config - options_.issuers.data())) == 0) {
      refetched = true;
      continue;
    }
    if (!kid.empty() && !found_kid) {
      return Refuse(absl::StrCat("no key with kid \"", kid, "\" for issuer ", iss));
    }
    return last_error;
  }

  // Claims.
  const double now = static_cast<double>(absl::ToUnixMicros(options_.clock->Now())) / 1e6;
  const double skew = absl::ToDoubleSeconds(options_.clock_skew);
  VOUCH_ASSIGN_OR_RETURN(double exp, TimeClaim(claims, "exp", true));
  VOUCH_ASSIGN_OR_RETURN(double nbf, TimeClaim(claims, "nbf", false));
  VOUCH_ASSIGN_OR_RETURN(double iat, TimeClaim(claims, "iat", false));
  if (now > exp + skew) return Refuse(absl::StrCat("token expired at ", FormatUnix(exp)));
  if (!std::isnan(nbf) && now + skew < nbf) {
    return Refuse(absl::StrCat("token not valid before ", FormatUnix(nbf)));
  }
  if (!std::isnan(iat) && now + skew < iat) {
    return Refuse(absl::StrCat("token issued in the future (iat ", FormatUnix(iat), ")"));
  }
  bool aud_ok = false;
  auto aud = claims.find("aud");
  if (aud != claims.end()) {
    if (aud->is_string()) {
      aud_ok = *aud == config->audience;
    } else if (aud->is_array()) {
      for (const json& a : *aud) aud_ok = aud_ok || (a.is_string() && a == config->audience);
    }
  }
  if (!aud_ok) {
    return Refuse(absl::StrCat("wrong audience ", aud == claims.end() ? "(none)" : aud->dump(),
                               ", want \"", config->audience, "\""));
  }
  return IdentityFromClaims(*config, parts->payload_json);
}

}  // namespace vouch::signer
