// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/postgres_testing.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "postgresql/libpq-fe.h"

namespace vouch::log {

std::string TestPostgresUrl() {
  const char* url = std::getenv("VOUCH_TEST_POSTGRES");
  return url != nullptr ? url : "";
}

bool UnderCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

std::string NewTestSchema() {
  static std::atomic<int> counter{0};
  static const uint32_t salt = std::random_device{}() % 100000;
  return absl::StrCat("t_", ::getpid(), "_", counter++, "_", salt);
}

absl::Status ExecTestPostgres(const std::string& schema, const std::string& sql) {
  PGconn* conn = PQconnectdb(TestPostgresUrl().c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    absl::Status s = absl::UnavailableError(PQerrorMessage(conn));
    PQfinish(conn);
    return s;
  }
  const std::string all =
      absl::StrCat("SET client_min_messages = warning; SET search_path TO \"", schema, "\"; ", sql);
  PGresult* r = PQexec(conn, all.c_str());
  const ExecStatusType st = PQresultStatus(r);
  absl::Status s = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                       ? absl::OkStatus()
                       : absl::InternalError(absl::StrCat(
                             sql, ": ", absl::StripAsciiWhitespace(PQresultErrorMessage(r))));
  PQclear(r);
  PQfinish(conn);
  return s;
}

}  // namespace vouch::log
