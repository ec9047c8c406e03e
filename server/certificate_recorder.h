// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CertificateRecorder: records the CA's issued certificates in a CertificateStore (the log's
// database) with group commit: concurrent Record() calls are written together in one durable
// transaction, and each returns only once its record is durable. Thread-safe.
#ifndef VOUCH_SERVER_CERTIFICATE_RECORDER_H_
#define VOUCH_SERVER_CERTIFICATE_RECORDER_H_

#include <deque>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "log/certificate_store.h"
#include "signer/ca_service.h"

namespace vouch::server {

class CertificateRecorder : public signer::IssuedCertificateRecorder {
 public:
  // |store| must outlive the recorder.
  explicit CertificateRecorder(log::CertificateStore* store);
  ~CertificateRecorder() override;

  // Durable when it returns OK; Unavailable if storage failed (then nothing was recorded).
  absl::Status Record(const signer::IssuedCertificate& c) override;

 private:
  struct Pending;
  void Loop();

  log::CertificateStore* const store_;
  absl::Mutex mu_;
  std::deque<std::shared_ptr<Pending>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_CERTIFICATE_RECORDER_H_
