// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/route_metrics.h"

#include <utility>

#include "absl/time/clock.h"

namespace vouch::server {

RouteMetrics::RouteMetrics(Metrics* metrics, std::string route, absl::string_view append_api)
    : metrics_(metrics),
      route_(std::move(route)),
      requests_(
          metrics->Counter("vouch_requests_total", "Requests by route.", {{"route", route_}})) {
  if (!append_api.empty()) {
    append_seconds_ =
        metrics->Histogram("vouch_append_seconds", "Append latency (accepted to durable).",
                           {{"api", std::string(append_api)}});
  }
}

void RouteMetrics::Count() const { requests_->Add(1); }

void RouteMetrics::Record(const absl::Status& status, absl::Time start) const {
  requests_->Add(1);
  if (append_seconds_ != nullptr) {
    append_seconds_->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  }
  if (!status.ok()) {
    // Errors are rare: a registry lookup per error is fine.
    metrics_
        ->Counter("vouch_request_errors_total", "Failed requests by route and code.",
                  {{"route", route_}, {"code", absl::StatusCodeToString(status.code())}})
        ->Add(1);
  }
}

}  // namespace vouch::server
