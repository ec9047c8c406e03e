// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// OIDC identity tokens: verification of a JWT against the configured issuers, and the mapping from
// a verified token's claims to the identity a certificate carries (Fulcio's rules: email ->
// rfc822Name SAN, workflow tokens -> URI SAN plus the 1.3.6.1.4.1.57264.1.x CI extensions).
//
// Accepted: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA (Ed25519), each only with a key
// of the matching type. Refused: "none", HMAC (HS*), unknown algorithms, "crit" headers, key/alg
// mismatches, tokens over the size limit. Claims: `iss` must be a configured issuer (exact or
// wildcard URL), `aud` must contain its audience, `exp` is required, `exp`/`nbf`/`iat` are checked
// with a configurable skew. Keys come per issuer from an inline JWKS, a JWKS file (air-gapped), a
// jwks_uri, or OIDC discovery (`<iss>/.well-known/openid-configuration` -> `jwks_uri`); fetched
// key sets are cached and an unknown `kid` triggers at most one refetch per `min_refetch_interval`.
//
// OidcVerifier is thread-safe.
#ifndef VOUCH_SIGNER_OIDC_H_
#define VOUCH_SIGNER_OIDC_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "signer/san.h"

namespace vouch::signer {

// How a token's claims become a certificate identity (Fulcio's issuer types).
enum class IdentityType {
  kEmail,           // SAN rfc822Name (or SmtpUTF8Mailbox, RFC 9598) = email (email_verified
                    // must be true; signer/san.h's rules); challenge = email
  kUri,             // SAN URI = sub, which must start with subject_domain; challenge = sub
  kUsername,        // SAN otherName (1.3.6.1.4.1.57264.1.7) = sub "!" subject_domain
  kGithubWorkflow,  // SAN URI = https://github.com/ + job_workflow_ref, CI extensions .2-.6, .9-.24
  kGitlabPipeline,  // SAN URI = https:// + ci_config_ref_uri, CI extensions .9-.22
  kSpiffe,          // SAN URI = sub, a spiffe:// ID inside spiffe_trust_domain
  kKubernetes,      // SAN URI = https://kubernetes.io/namespaces/NS/serviceaccounts/SA
};

// "email", "uri", "username", "github-workflow", "gitlab-pipeline", "spiffe", "kubernetes".
const char* IdentityTypeName(IdentityType type);
bool ParseIdentityType(absl::string_view name, IdentityType* type);

// One trusted issuer. Exactly one of issuer_url / wildcard_issuer_url is set.
struct IssuerConfig {
  std::string issuer_url;  // exact `iss`, e.g. "https://token.actions.githubusercontent.com"
  std::string wildcard_issuer_url;  // '*' matches one run of [A-Za-z0-9_-], e.g. ".../id/*"
  std::string audience = "sigstore";
  IdentityType type = IdentityType::kEmail;
  std::string challenge_claim;      // default: "email" for kEmail, else "sub"
  std::string subject_domain;       // kUri / kUsername (required); kGithubWorkflow base URL
  std::string spiffe_trust_domain;  // kSpiffe (required)
  // Key source, first set wins; none set = OIDC discovery from the token's `iss`.
  std::string jwks_json;  // inline JWKS document
  std::string jwks_file;  // path to a JWKS document
  std::string jwks_uri;   // URL of a JWKS document (http or https)
};

// Parses the issuer configuration file (JSON, documented in docs/ca.md):
//   {"issuers": [{"issuer_url": "...", "type": "email", "audience": "sigstore",
//                 "challenge_claim": "...", "subject_domain": "...", "spiffe_trust_domain": "...",
//                 "jwks_file": "...", "jwks_uri": "...", "jwks": {...}}, ...]}
// InvalidArgument naming the entry and member on any problem (unknown type, missing URL, ...).
absl::StatusOr<std::vector<IssuerConfig>> ParseIssuersConfig(absl::string_view json_text);
// Reads and parses |path|. ReadFile's errors (NotFound, PermissionDenied, ...) naming the path,
// InvalidArgument for the content.
absl::StatusOr<std::vector<IssuerConfig>> LoadIssuersConfig(const std::string& path);

// What a verified token says about its holder, ready for the certificate.
struct Identity {
  IdentityType type = IdentityType::kEmail;
  std::string issuer;                  // the token's `iss` (extensions .1 and .8)
  std::string subject;                 // the token's `sub`
  SanType san_type = SanType::kEmail;  // signer/san.h
  std::string san;                     // the SubjectAltName value, checked by signer/san.h
  std::string challenge;               // the bytes the proof of possession must sign
  // Fulcio extensions by last OID arc under 1.3.6.1.4.1.57264.1: arcs 2-6 are written as raw
  // bytes (deprecated encoding), arcs 9-24 as DER UTF8String. (.1/.8 come from |issuer|.)
  std::map<int, std::string> extensions;
};

struct OidcOptions {
  std::vector<IssuerConfig> issuers;
  // Allowed clock difference for exp/nbf/iat.
  absl::Duration clock_skew = absl::Minutes(1);
  // Larger tokens are refused before parsing.
  size_t max_token_bytes = 16 * 1024;
  // Fetched key sets are reused this long.
  absl::Duration jwks_cache_ttl = absl::Minutes(10);
  // An unknown kid refetches the key set at most once per this interval (per issuer).
  absl::Duration min_refetch_interval = absl::Seconds(30);
  absl::Duration fetch_timeout = absl::Seconds(5);
  // Largest accepted discovery or JWKS document.
  size_t max_document_bytes = 1 << 20;
  Clock* clock = Clock::Real();
};

class OidcVerifier {
 public:
  // InvalidArgument for an unusable issuer configuration (bad inline JWKS, missing domain, ...).
  // Key files are read here (FailedPrecondition if unreadable); URLs are fetched lazily.
  static absl::StatusOr<std::unique_ptr<OidcVerifier>> New(OidcOptions options);
  ~OidcVerifier();

  // Verifies |token| and maps its claims to an Identity. Every refusal is Unauthenticated with a
  // message naming the reason ("invalid identity token: token expired at ...", "...: untrusted
  // issuer ...", "...: wrong audience ...", "...: signature does not verify", ...), except an
  // unreachable key source, which is Unavailable, and a verified token whose claims cannot become
  // a certificate identity (IdentityFromClaims), which is InvalidArgument naming the claim.
  absl::StatusOr<Identity> Verify(absl::string_view token) const;

  const std::vector<IssuerConfig>& issuers() const { return options_.issuers; }

  // Number of JWKS fetches performed so far (tests check caching).
  int fetch_count() const;

  // Implementation details (defined in oidc.cc).
  struct Key;
  struct KeySet;

 private:
  explicit OidcVerifier(OidcOptions options);
  const IssuerConfig* FindIssuer(const std::string& iss) const;
  absl::StatusOr<std::shared_ptr<const KeySet>> GetKeys(const IssuerConfig& config,
                                                        const std::string& iss, bool refetch) const;
  absl::StatusOr<std::string> FetchJwks(const IssuerConfig& config, const std::string& iss) const;

  OidcOptions options_;
  // Key sets that never change (inline / file), by index into options_.issuers.
  std::map<size_t, std::shared_ptr<const KeySet>> static_keys_;
  mutable absl::Mutex mu_;
  // Fetched key sets by `iss`.
  mutable std::map<std::string, std::shared_ptr<const KeySet>> fetched_ ABSL_GUARDED_BY(mu_);
  mutable std::map<std::string, absl::Time> last_fetch_ ABSL_GUARDED_BY(mu_);
  mutable int fetch_count_ ABSL_GUARDED_BY(mu_) = 0;
};

// Maps verified |claims_json| (the token payload) of an issuer configured as |config| to an
// Identity. Unauthenticated for a missing claim, an unverified e-mail or a subject outside the
// issuer's domain; InvalidArgument ("identity token claim \"email\": want exactly one '@',
// found 2") when a claim's value cannot be written into a certificate: an e-mail, URI, SPIFFE ID,
// Kubernetes name or username that signer/san.h refuses, or a control character in a claim that
// goes into a CI extension. Exposed for tests.
absl::StatusOr<Identity> IdentityFromClaims(const IssuerConfig& config,
                                            absl::string_view claims_json);

// Fetches |url| (http or https) with a timeout and a size limit. Unavailable when unreachable or
// not 200; InvalidArgument for a malformed URL.
absl::StatusOr<std::string> HttpGet(const std::string& url, absl::Duration timeout,
                                    size_t max_bytes);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_OIDC_H_
