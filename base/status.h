// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// absl::Status helpers shared by every part of Vouch. Thread-safe (stateless).
#ifndef VOUCH_BASE_STATUS_H_
#define VOUCH_BASE_STATUS_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

// Evaluates |expr| (an absl::Status); returns it from the enclosing function if not OK.
#define VOUCH_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status vouch_status_ = (expr);         \
    if (!vouch_status_.ok()) return vouch_status_; \
  } while (0)

#define VOUCH_STATUS_CONCAT_INNER_(a, b) a##b
#define VOUCH_STATUS_CONCAT_(a, b) VOUCH_STATUS_CONCAT_INNER_(a, b)

// Evaluates |rexpr| (an absl::StatusOr<T>); on error returns its status, else moves the value
// into |lhs| (which may be a declaration, e.g. `auto x`).
#define VOUCH_ASSIGN_OR_RETURN(lhs, rexpr) \
  VOUCH_ASSIGN_OR_RETURN_IMPL_(VOUCH_STATUS_CONCAT_(vouch_statusor_, __LINE__), lhs, rexpr)

#define VOUCH_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace vouch {

// Returns |status| with |context| prepended to its message ("context: message"); OK stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace vouch

#endif  // VOUCH_BASE_STATUS_H_
