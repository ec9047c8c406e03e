// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CaService: the CA, the timestamp authority and the trust-root documents as vouchd serves them,
// over HTTP (cpp-httplib) and gRPC (dev.sigstore.fulcio.v2.CA). Glue only: tokens are verified by
// oidc.h, certificates built by ca.h, timestamps by tsa.h, documents by trust_root.h.
//
// HTTP routes (RegisterHttp), errors as {"code": N, "message": "..."}:
//   POST /api/v2/signingCert          Fulcio v2 JSON CreateSigningCertificateRequest (token in
//                                     credentials.oidcIdentityToken or Authorization: Bearer);
//                                     201 {"signedCertificateEmbeddedSct":{"chain":{"certificates":
//                                     [leaf PEM, ..., root PEM]}}}
//   GET  /api/v2/trustBundle          {"chains":[{"certificates":[PEM...]}]}
//   GET  /api/v2/configuration        {"issuers":[{"issuerUrl"|"wildcardIssuerUrl","audience",
//                                     "challengeClaim","spiffeTrustDomain"}]}
//   POST /api/v1/timestamp            JSON {artifactHash, hashAlgorithm, nonce, certificates}
//                                     (201) or application/timestamp-query DER (200); answers
//                                     application/timestamp-reply DER
//   GET  /api/v1/timestamp/certchain  TSA chain, PEM
//   GET  /api/v1/trustedRoot          Sigstore TrustedRoot v0.2 JSON
//   GET  /api/v1/signingConfig        Sigstore SigningConfig v0.2 JSON
// Status codes: 401 bad/expired/misaddressed token or untrusted issuer, 400 bad proof,
// unsupported key, malformed CSR or request, 413 body over max_body_bytes, 503 key source or
// recorder unavailable.
//
// Key files in data_dir, generated on first start when absent (mode 0600):
//   ca_key.pem, ca_chain.pem   CA key (unless PKCS#11) and chain (issuing cert first, root last;
//                              default: a self-signed root "vouch CA", 10 years)
//   tsa_key.pem, tsa_chain.pem TSA key and chain (TSA cert issued by the CA key, then the CA chain)
// tools/ca_setup writes the same files for a root + intermediate deployment.
//
// Rotation: a rotated-out chain moves to data_dir/retired/ as ca_chain.<END>.pem or
// tsa_chain.<END>.pem (END = Unix seconds when it stopped signing); the trusted root then lists
// it with validFor.end = END before the current chain, so bundles signed before END still verify
// and none signed after it do. A malformed retired file refuses the start, naming it.
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
#include "signer/oidc.h"
#include "signer/trust_root.h"

namespace httplib {
class Server;
}
namespace grpc {
class Service;
}

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
  vouch::Clock* clock = vouch::Clock::Real();
  // Larger request bodies are answered 413.
  size_t max_body_bytes = 4 << 20;
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

  // Adds the routes listed above to |server|.
  void RegisterHttp(httplib::Server& server);
  // The dev.sigstore.fulcio.v2.CA service, to register with a grpc::ServerBuilder. Owned by this.
  grpc::Service* grpc_service();

  // The operation behind both fronts. |bearer_token| is used when the request has no
  // credentials. Errors as described above.
  absl::StatusOr<dev::sigstore::fulcio::v2::SigningCertificate> CreateSigningCertificate(
      const dev::sigstore::fulcio::v2::CreateSigningCertificateRequest& request,
      absl::string_view bearer_token) const;
  dev::sigstore::fulcio::v2::TrustBundle GetTrustBundle() const;
  dev::sigstore::fulcio::v2::Configuration GetConfiguration() const;
  // A DER TimeStampResp for a DER TimeStampReq. FailedPrecondition when the TSA is disabled.
  absl::StatusOr<std::string> Timestamp(absl::string_view request_der) const;

  const std::string& trusted_root_json() const { return trusted_root_json_; }
  const std::string& signing_config_json() const { return signing_config_json_; }
  // CA chain (issuing cert first, root last) and TSA chain (TSA cert first), DER.
  const std::vector<std::string>& ca_chain_der() const;
  std::vector<std::string> tsa_chain_der() const;

 private:
  class GrpcService;
  explicit CaService(const CaServiceOptions& options, IssuedCertificateRecorder* recorder);
  absl::Status Init();

  CaServiceOptions options_;
  IssuedCertificateRecorder* recorder_;
  std::unique_ptr<OidcVerifier> oidc_;
  std::unique_ptr<CertificateAuthority> ca_;
  std::unique_ptr<TimestampAuthority> tsa_;
  std::unique_ptr<GrpcService> grpc_;
  std::string trusted_root_json_;
  std::string signing_config_json_;
};

// Writes |contents| to |path| atomically (temporary file, fsync, rename) with |mode|.
absl::Status WriteFileAtomic(const std::string& path, absl::string_view contents, int mode);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_CA_SERVICE_H_
