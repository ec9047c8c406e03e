// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's HTTP API as http::Router handlers over a LogService (log/log_service.h): parses each
// request into the service's typed request and renders the typed response (Rekor v1 JSON, Rekor
// v2 proto3 JSON, C2SP tlog-tiles), nothing else. Errors are {"code": N, "message": "..."} with
// the status from base/status_map.h; the message names the field.
//
//   POST /api/v1/log/entries            Rekor v1 proposed entry -> 201 {"<uuid>": LogEntry},
//                                       Location and ETag; 409 naming the existing entry's UUID
//                                       in the message and Location for a duplicate
//   POST /api/v2/log/entries            Rekor v2 CreateEntryRequest -> 201 TransparencyLogEntry
//   GET  /api/v1/log/entries?logIndex=N, /api/v1/log/entries/{uuid}
//   POST /api/v1/log/entries/retrieve   {entryUUIDs, logIndexes, entries} -> [LogEntry...]
//   POST /api/v1/index/retrieve         {hash | publicKey{format,content} | email} -> [uuid...]
//   GET  /api/v1/log, /api/v1/log/proof?firstSize=M&lastSize=N, /api/v1/log/publicKey
//   GET  /checkpoint (Cache-Control: no-cache), /tile/L/N[.p/W], /tile/entries/N[.p/W]
//        (Cache-Control: public, max-age=31536000, immutable)
//
// The two appends are asynchronous handlers run inline (Exec::kInline: the entry is checked and
// verified on the calling thread, then answered from the log's completion thread once durable);
// the reads run on workers. Request metrics: server/route_metrics.h.
#ifndef VOUCH_SERVER_LOG_HTTP_H_
#define VOUCH_SERVER_LOG_HTTP_H_

#include <cstddef>

#include "base/metrics.h"
#include "http/router.h"
#include "log/log_service.h"

namespace vouch::server {

struct LogHttpOptions {
  // POST bodies larger than this are answered 413 naming the limit.
  size_t max_body_bytes = 4 << 20;
};

// Adds the routes above to |router|. |service| and |metrics| must outlive the router.
void RegisterLogRoutes(log::LogService* service, Metrics* metrics, const LogHttpOptions& options,
                       http::Router* router);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_LOG_HTTP_H_
