// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for the PostgreSQL server that tools/test starts once per run (tools/test_postgres)
// and names in $VOUCH_TEST_POSTGRES (a connection URL, passed with --test_env). Each test takes a
// schema of its own in that server, so tests and test binaries running in parallel never see
// each other's tables and no test starts a server. Without the variable the PostgreSQL cases skip
// themselves, or fail when $CI is "true". Thread-compatible.
#ifndef VOUCH_LOG_POSTGRES_TESTING_H_
#define VOUCH_LOG_POSTGRES_TESTING_H_

#include <string>

#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace vouch::log {

// $VOUCH_TEST_POSTGRES, or "".
std::string TestPostgresUrl();
// Whether $CI is "true".
bool UnderCi();
// A schema name no other test in any process has used: "t_<pid>_<counter>_<random>".
std::string NewTestSchema();
// Runs |sql| (one or more statements, no parameters) in the test server with |schema| first on
// the search path.
absl::Status ExecTestPostgres(const std::string& schema, const std::string& sql);

}  // namespace vouch::log

// In a test body or SetUp: skips the test without a test server (fails it under CI=true).
#define VOUCH_REQUIRE_TEST_POSTGRES()                                                           \
  do {                                                                                          \
    if (::vouch::log::TestPostgresUrl().empty()) {                                              \
      if (::vouch::log::UnderCi()) {                                                            \
        FAIL() << "CI=true but VOUCH_TEST_POSTGRES is not set: run the tests with tools/test, " \
                  "which starts a PostgreSQL server for them";                                  \
      }                                                                                         \
      GTEST_SKIP() << "VOUCH_TEST_POSTGRES is not set (tools/test starts a PostgreSQL server "  \
                      "and sets it)";                                                           \
    }                                                                                           \
  } while (0)

#endif  // VOUCH_LOG_POSTGRES_TESTING_H_
