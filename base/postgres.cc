// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/postgres.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace vouch {

absl::Status PgError(PGconn* conn, const PGresult* r, absl::string_view what) {
  const char* state = r != nullptr ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string message = r != nullptr ? PQresultErrorMessage(r) : "";
  if (message.empty() && conn != nullptr) message = PQerrorMessage(conn);
  message = std::string(absl::StripAsciiWhitespace(message));
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string msg = absl::StrCat("postgres ", what, ": ", message,
                                       sqlstate.empty() ? "" : absl::StrCat(" (", sqlstate, ")"));
  if (conn != nullptr && PQstatus(conn) == CONNECTION_BAD) return absl::UnavailableError(msg);
  if (sqlstate == "23505") return absl::AlreadyExistsError(msg);  // unique_violation
  if (sqlstate == "40001" || sqlstate == "40P01") return absl::AbortedError(msg);
  if (sqlstate == "25006") return absl::FailedPreconditionError(msg);  // read-only transaction
  if (sqlstate == "XX001" || sqlstate == "XX002") return absl::DataLossError(msg);  // corrupted
  if (absl::StartsWith(sqlstate, "08") ||  // connection exception
      absl::StartsWith(sqlstate, "53") ||  // insufficient resources (disk full, memory)
      absl::StartsWith(sqlstate, "57") ||  // operator intervention (shutdown)
      absl::StartsWith(sqlstate, "58") || sqlstate.empty()) {  // system error (I/O); no answer
    return absl::UnavailableError(msg);
  }
  return absl::InternalError(msg);
}

bool ValidPostgresSchemaName(absl::string_view s) {
  if (s.empty() || s.size() > 63 || !absl::ascii_islower(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  for (char c : s) {
    if (!absl::ascii_islower(static_cast<unsigned char>(c)) &&
        !absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

}  // namespace vouch
