// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RouteMetrics: the request metrics of one API route (an HTTP route such as
// "POST /api/v1/log/entries" or a gRPC method such as "grpc:CreateEntry"), with its metric cells
// resolved once when the route is registered: a registry lookup takes the registry's lock and
// builds label maps, which showed at thousands of appends per second.
//
//   vouch_requests_total{route}               every request
//   vouch_request_errors_total{route,code}    failed requests, by absl status code name
//   vouch_append_seconds{api}                 append latency, accepted to durable (append routes)
//
// Thread-safe; cheap to copy (it holds pointers into the registry, which must outlive it).
#ifndef VOUCH_SERVER_ROUTE_METRICS_H_
#define VOUCH_SERVER_ROUTE_METRICS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/metrics.h"

namespace vouch::server {

class RouteMetrics {
 public:
  // Creates the route's cells in |metrics| (so they are rendered, at zero, before the first
  // request). A non-empty |append_api| ("http" or "grpc") also observes
  // vouch_append_seconds{api=append_api}.
  RouteMetrics(Metrics* metrics, std::string route, absl::string_view append_api = "");

  // Counts a request.
  void Count() const;
  // Counts a request that started at |start| and ended with |status|: its latency (append routes)
  // and, if it failed, its error code.
  void Record(const absl::Status& status, absl::Time start) const;

 private:
  Metrics* metrics_;
  std::string route_;
  CounterCell* requests_;
  HistogramCell* append_seconds_ = nullptr;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_ROUTE_METRICS_H_
