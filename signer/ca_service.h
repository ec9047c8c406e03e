// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CaService: the CA, the timestamp authority and the trust-root documents as vouchd serves them,
// independent of any transport: each operation takes a typed request (the Fulcio v2 protobuf
// messages, a DER TimeStampReq) and returns a typed response or an absl::Status. Glue only:
// tokens are verified by oidc.h, certificates built by ca.h, timestamps by tsa.h, documents by
// trust_root.h. The transports are thin adapters in server/: server/ca_http.h (Fulcio v2 JSON,
// the timestamp and trust-root routes) and server/ca_grpc.h (dev.sigstore.fulcio.v2.CA).
//
// Errors: Unauthenticated for a bad, expired or misaddressed token or an untrusted issuer;
// InvalidArgument for a bad proof of possession, an unsupported key, a malformed CSR or request;
// Unavailable when the key source or the recorder is unavailable.
//
// Key files in data_dir, generated on first start when absent (mode 0600):
//   ca_key.pem, ca_chain.pem   CA key (unless PKCS#11) and chain (issuing cert first, root last;
//                              default: a self-signed root "vouch CA", 10 years)
//   tsa_key.pem, tsa_chain.pem TSA key and chain (TSA cert issued by the CA key, then the CA chain)
// tools/ca_setup writes the same files for a root + intermediate deployment.
//
// Certificate transparency: with a CT log (CaServiceOptions::ct_log) every certificate carries
// an SCT for its precertificate (signer/ca.h), and the trusted root lists the CT log's key.
//
// Rotation: a rotated-out chain moves to data_dir/retired/ as ca_chain.<END>.pem or
// tsa_chain.<END>.pem (END = Unix seconds when it stopped signing); the trusted root then lists
// it with validFor.end = END before the current chain, so bundles signed before END still verify
// and none signed after it do. A rotated-out CT log key is listed the same way from
// retired/ct_key.<END>.pem, its PUBLIC key (PEM), with validFor [Unix epoch, END]. A malformed
// retired file refuses the start, naming it.
//
// CaService is thread-safe; the recorder must be too.
#ifndef VOUCH_SIGNER_CA_SERVICE_H_
#define VOUCH_SIGNER_CA_SERVICE_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "proto/fulcio/fulcio.pb.h"
#include "signer/ca.h"
#include "signer/crypto.h"
#include "signer/ct_log.h"
#include "signer/oidc.h"
#include "signer/trust_root.h"

namespace vouch::signer {

class TimestampAuthority;

struct CaServiceOptions {
  // Holds the key and chain files (see above). Must exist.
  std::string data_dir;
  // Issuer configuration file (JSON, docs/ca.md); empty = none.
  std::string issuers_config_path;
  // More issuers, added after the file's (tools/run adds vouch-dev-oidc; tests).
  std::vector<IssuerConfig> issuers;
  // How clients reach this server, e.g. "http://127.0.0.1:8080" (signingConfig, trustedRoot).
  std::string public_url = "http://127.0.0.1:8080";
  // The log's SubjectPublicKeyInfo DER for trustedRoot; empty = no tlog entry.
  std::string log_public_key_der;
  absl::Time log_key_valid_from = absl::UnixEpoch();
  // Rotated-out log keys and CA/TSA chains, listed in trustedRoot with their closed windows.
  std::vector<TlogKey> previous_log_keys;
  std::vector<AuthorityChain> previous_certificate_authorities;
  std::vector<AuthorityChain> previous_timestamp_authorities;
  // OIDC provider URL for signingConfig's oidcUrls; empty = none listed.
  std::string oidc_url;
  // CA key in a PKCS#11 token when pkcs11_key_uri is set (ca_key.pem is then not used; ca_chain.pem
  // is created for the token key if absent).
  std::string pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
  std::string pkcs11_key_uri;
  std::string pkcs11_pin;
  // Type of a generated ca_key.pem / tsa_key.pem.
  KeyType ca_key_type = KeyType::kEcdsaP256;
  // Leaf certificate lifetime.
  absl::Duration cert_validity = absl::Minutes(10);
  // Allowed clock difference for token exp/nbf/iat.
  absl::Duration token_clock_skew = absl::Minutes(1);
  // Serve the timestamp authority.
  bool enable_tsa = true;
  // The certificate transparency log every precertificate goes to before its certificate is
  // issued (null: certificates without SCTs), and its key for trustedRoot's ctlogs (its base URL
  // is public_url: the log answers RFC 6962's API at public_url/ct/v1/). Must outlive the service.
  CertificateTransparencyLog* ct_log = nullptr;
  std::string ct_log_public_key_der;
  absl::Time ct_log_key_valid_from = absl::UnixEpoch();
  // Rotated-out CT log keys, listed in trustedRoot with their closed windows.
  std::vector<TlogKey> previous_ct_log_keys;
  // The time for token checks (exp/nbf/iat) and key-file creation.
  vouch::Clock* clock = vouch::Clock::Real();
  // The time written into what is signed: certificate validity and TSA genTime. Null: |clock|.
  // vouchd passes the MonotonicClock its log signs with (base/clock.h), so a certificate never
  // starts before an integrated time the log already handed out, even after the system clock was
  // set back.
  vouch::Clock* signing_clock = nullptr;
};

// Where issued certificates are recorded; vouchd implements it on its storage. Record must be
// durable before it returns OK: a certificate whose record failed is not handed out.
class IssuedCertificateRecorder {
 public:
  virtual ~IssuedCertificateRecorder() = default;
  virtual absl::Status Record(const IssuedCertificate& c) = 0;
};

class CaService {
 public:
  // Loads or creates the key files, reads the issuer configuration, prepares the documents.
  // |recorder| may be null (nothing recorded) and must outlive the service.
  // InvalidArgument for a bad issuer configuration or chain, FailedPrecondition for unusable
  // files or a PKCS#11 token that cannot be used.
  static absl::StatusOr<std::unique_ptr<CaService>> New(const CaServiceOptions& options,
                                                        IssuedCertificateRecorder* recorder);
  ~CaService();

  // Issues a short-lived certificate (Fulcio v2 CreateSigningCertificate) for the identity in the
  // request's OIDC token, or |bearer_token| when the request has no credentials, and records it
  // before handing it out. Errors as described above; Unavailable if it could not be recorded.
  absl::StatusOr<dev::sigstore::fulcio::v2::SigningCertificate> CreateSigningCertificate(
      const dev::sigstore::fulcio::v2::CreateSigningCertificateRequest& request,
      absl::string_view bearer_token) const;
  // The CA chain (Fulcio v2 GetTrustBundle) and the trusted issuers (GetConfiguration).
  dev::sigstore::fulcio::v2::TrustBundle GetTrustBundle() const;
  dev::sigstore::fulcio::v2::Configuration GetConfiguration() const;
  // A DER TimeStampResp for a DER TimeStampReq. FailedPrecondition when the TSA is disabled,
  // InvalidArgument for a malformed request.
  absl::StatusOr<std::string> Timestamp(absl::string_view request_der) const;
  // The TSA chain, TSA certificate first, DER. NotFound when the TSA is disabled.
  absl::StatusOr<std::vector<std::string>> GetTimestampCertChain() const;

  // The Sigstore TrustedRoot v0.2 and SigningConfig v0.2 JSON documents (fixed until restart).
  const std::string& trusted_root_json() const { return trusted_root_json_; }
  const std::string& signing_config_json() const { return signing_config_json_; }
  // CA chain (issuing cert first, root last) and TSA chain (TSA cert first), DER.
  const std::vector<std::string>& ca_chain_der() const;
  // Every CA chain the trusted root lists (previous, retired and current; issuing certificate
  // first, root last): the chains a CT log for this CA accepts.
  const std::vector<std::vector<std::string>>& certificate_authority_chains() const {
    return ca_chains_;
  }
  std::vector<std::string> tsa_chain_der() const;

 private:
  explicit CaService(const CaServiceOptions& options, IssuedCertificateRecorder* recorder);
  absl::Status Init();

  CaServiceOptions options_;
  IssuedCertificateRecorder* recorder_;
  std::unique_ptr<OidcVerifier> oidc_;
  std::unique_ptr<CertificateAuthority> ca_;
  std::unique_ptr<TimestampAuthority> tsa_;
  std::string trusted_root_json_;
  std::string signing_config_json_;
  std::vector<std::vector<std::string>> ca_chains_;
};

// The token of an HTTP Authorization header or gRPC "authorization" metadata value
// "Bearer <token>" (scheme case-insensitive, whitespace trimmed); "" for anything else.
std::string BearerToken(absl::string_view authorization);

// Writes |contents| to |path| atomically (temporary file, fsync, rename) with |mode|.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view contents, int mode);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_CA_SERVICE_H_
