// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// What every libpq user here shares: owned results, the SQLSTATE-to-status mapping and the rule
// for schema names. The log's storage (log/postgres_storage.h) and the TUF metadata store
// (tuf/postgres_metadata_store.h) build their connections on it. Thread-compatible.
#ifndef VOUCH_BASE_POSTGRES_H_
#define VOUCH_BASE_POSTGRES_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "postgresql/libpq-fe.h"

namespace vouch {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// The status for a failed result |r| (or, without one, the connection's error), named "postgres
// |what|: message (SQLSTATE)" and mapped by SQLSTATE: a broken connection, connection and
// resource errors Unavailable; unique violation AlreadyExists; serialization failure and
// deadlock Aborted; read-only transaction FailedPrecondition; data corruption DataLoss; the rest
// Internal.
absl::Status PgError(PGconn* conn, const PGresult* r, absl::string_view what);

// Whether |s| is a schema name we accept (and quote without escaping): lower-case letters, digits
// and '_', starting with a letter, at most 63 characters.
bool ValidPostgresSchemaName(absl::string_view s);

}  // namespace vouch

#endif  // VOUCH_BASE_POSTGRES_H_
