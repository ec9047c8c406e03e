// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The certificate transparency log's HTTP API (RFC 6962 section 4) as http::Router handlers over
// a log::CtLog: parses each request, calls the log, renders RFC 6962's JSON, nothing else.
// Binary values are standard base64; TLS structures (signatures, leaves, extra data) are encoded
// as RFC 6962 defines them (formats/ct.h).
//
//   POST /ct/v1/add-chain            {"chain": [base64 DER, ...]} (end-entity first) ->
//                                    {"sct_version":0, "id", "timestamp", "extensions",
//                                     "signature": base64 DigitallySigned}
//   POST /ct/v1/add-pre-chain        the same for a precertificate
//   GET  /ct/v1/get-sth              {"tree_size", "timestamp", "sha256_root_hash",
//                                     "tree_head_signature": base64 DigitallySigned}
//   GET  /ct/v1/get-sth-consistency?first=M&second=N      {"consistency": [base64, ...]}
//   GET  /ct/v1/get-proof-by-hash?hash=B64&tree_size=N    {"leaf_index", "audit_path": [...]}
//   GET  /ct/v1/get-entries?start=M&end=N                 {"entries": [{"leaf_input",
//                                                          "extra_data"}, ...]}
//   GET  /ct/v1/get-roots            {"certificates": [base64 DER, ...]}
//   GET  /ct/v1/get-entry-and-proof?leaf_index=I&tree_size=N
//                                    {"leaf_input", "extra_data", "audit_path": [...]}
//
// Errors are {"code": N, "message": "..."} naming the field: 400 for a malformed request or a
// chain the log does not accept, 404 for a leaf hash the log does not hold, 413 for a body over
// max_body_bytes, 503 when the log cannot append. Everything runs on the server's workers (adds
// wait for the group commit; reads read the database).
#ifndef VOUCH_SERVER_CT_HTTP_H_
#define VOUCH_SERVER_CT_HTTP_H_

#include <cstddef>

#include "http/router.h"
#include "log/ct_log.h"

namespace vouch::server {

struct CtHttpOptions {
  // POST bodies larger than this are answered 413 naming the limit.
  size_t max_body_bytes = 4 << 20;
};

// Adds the routes above to |router|. |log| must outlive the router.
void RegisterCtRoutes(log::CtLog* log, const CtHttpOptions& options, http::Router* router);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_CT_HTTP_H_
