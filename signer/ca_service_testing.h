// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for the CA service and its adapters (signer/ca_service_test.cc,
// server/ca_http_test.cc, server/ca_grpc_test.cc): a CaService on a fresh data directory that
// trusts one issuer whose tokens the test mints, and a recorder the test can inspect or fail.
// testonly.
#ifndef VOUCH_SIGNER_CA_SERVICE_TESTING_H_
#define VOUCH_SIGNER_CA_SERVICE_TESTING_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "nlohmann/json.hpp"
#include "signer/ca_service.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer::testing {

inline constexpr char kIssuer[] = "https://dev-oidc.example";

// A new directory under the test's temporary directory.
std::string TempDir();

class RecordingRecorder : public IssuedCertificateRecorder {
 public:
  absl::Status Record(const IssuedCertificate& c) override;
  std::vector<IssuedCertificate> records();
  // While set, Record fails with Unavailable "database is locked".
  void set_fail(bool fail);

 private:
  absl::Mutex mu_;
  std::vector<IssuedCertificate> records_ ABSL_GUARDED_BY(mu_);
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
};

// A CaService (TSA on) trusting kIssuer (e-mail identities, audience "sigstore") with the
// issuer's key given inline, and a log key for the trusted root.
struct TestCa {
  static absl::StatusOr<std::unique_ptr<TestCa>> New();

  // A token from kIssuer for dev@example.com, valid for 5 minutes, with |changes| applied to the
  // claims; signed by |key| (default: the issuer's key).
  std::string Token(nlohmann::json changes = nlohmann::json::object(),
                    const Signer* key = nullptr) const;
  // The Fulcio v2 JSON body sigstore-js's FulcioSigner sends for |key|, proving possession by
  // signing |challenge|.
  nlohmann::json SigstoreJsBody(const std::string& token, const OpenSslSigner& key,
                                absl::string_view challenge = "dev@example.com") const;

  std::unique_ptr<OpenSslSigner> issuer_key;
  std::unique_ptr<OpenSslSigner> log_key;
  CaServiceOptions options;
  RecordingRecorder recorder;
  std::unique_ptr<CaService> service;
};

}  // namespace vouch::signer::testing

#endif  // VOUCH_SIGNER_CA_SERVICE_TESTING_H_
