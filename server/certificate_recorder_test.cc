// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/certificate_recorder.h"

#include <stdlib.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "log/sqlite_storage.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

TEST(CertificateRecorder, RecordsConcurrentCertificatesDurably) {
  std::string tmpl = std::string(::testing::TempDir()) + "/recorder.XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  auto storage = log::SqliteStorage::Open(tmpl + "/vouch.db");
  ASSERT_THAT(storage, IsOk());
  {
    CertificateRecorder recorder(storage->get());
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < 25; ++i) {
          signer::IssuedCertificate c;
          c.serial_hex = absl::StrCat(t, "-", i);
          c.identity = "ci@example.com";
          c.issuer = "https://issuer";
          c.key_fingerprint = "00";
          c.not_before = absl::FromUnixSeconds(1700000000);
          EXPECT_THAT(recorder.Record(c), IsOk());
        }
      });
    }
    for (auto& t : threads) t.join();
    // A duplicate serial fails alone.
    signer::IssuedCertificate dup;
    dup.serial_hex = "0-0";
    EXPECT_THAT(recorder.Record(dup), StatusIs(absl::StatusCode::kUnavailable));
  }
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 25; ++i) {
      auto c = (*storage)->ReadCertificate(absl::StrCat(t, "-", i));
      ASSERT_THAT(c, IsOk());
      ASSERT_TRUE(c->has_value());
      EXPECT_EQ((*c)->identity, "ci@example.com");
    }
  }
}

}  // namespace
}  // namespace vouch::server
