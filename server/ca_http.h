// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The CA's, the timestamp authority's and the trust-root documents' HTTP API as http::Router
// handlers over a CaService (signer/ca_service.h): parses each request into the service's typed
// request and renders the typed response, nothing else. Errors are {"code": N, "message": "..."}
// with the status from base/status_map.h.
//
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
//   GET  /api/v1/timestamp/certchain  TSA chain, PEM (404 when the TSA is disabled)
//   GET  /api/v1/trustedRoot          Sigstore TrustedRoot v0.2 JSON
//   GET  /api/v1/signingConfig        Sigstore SigningConfig v0.2 JSON
//
// Status codes: 401 bad/expired/misaddressed token or untrusted issuer, 400 bad proof,
// unsupported key, malformed CSR or request, 413 body over max_body_bytes, 503 key source or
// recorder unavailable. Certificates and timestamps are issued on workers (they may wait for
// an OIDC provider, a PKCS#11 token or the database); the documents are answered inline.
#ifndef VOUCH_SERVER_CA_HTTP_H_
#define VOUCH_SERVER_CA_HTTP_H_

#include <cstddef>

#include "http/router.h"
#include "signer/ca_service.h"

namespace vouch::server {

struct CaHttpOptions {
  // POST bodies larger than this are answered 413 naming the limit.
  size_t max_body_bytes = 4 << 20;
};

// Adds the routes above to |router|. |service| must outlive the router.
void RegisterCaRoutes(const signer::CaService* service, const CaHttpOptions& options,
                      http::Router* router);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_CA_HTTP_H_
