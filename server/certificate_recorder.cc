// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/certificate_recorder.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "base/status.h"

namespace vouch::server {

struct CertificateRecorder::Pending {
  log::CertificateRecord record;
  absl::Notification done;
  absl::Status status;
};

CertificateRecorder::CertificateRecorder(log::CertificateStore* store)
    : store_(store), thread_([this] { Loop(); }) {}

CertificateRecorder::~CertificateRecorder() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

absl::Status CertificateRecorder::Record(const signer::IssuedCertificate& c) {
  auto p = std::make_shared<Pending>();
  p->record.serial_hex = c.serial_hex;
  p->record.identity = c.identity;
  p->record.issuer = c.issuer;
  p->record.key_sha256_hex = c.key_fingerprint;
  p->record.not_before = absl::ToUnixSeconds(c.not_before);
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return absl::UnavailableError("server is shutting down");
    queue_.push_back(p);
  }
  p->done.WaitForNotification();
  return p->status;
}

void CertificateRecorder::Loop() {
  while (true) {
    std::vector<std::shared_ptr<Pending>> batch;
    {
      absl::MutexLock l(&mu_);
      mu_.Await(absl::Condition(
          +[](CertificateRecorder* r)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) { return !r->queue_.empty() || r->stopping_; },
          this));
      batch.assign(queue_.begin(), queue_.end());
      queue_.clear();
      if (batch.empty() && stopping_) return;
    }
    std::vector<log::CertificateRecord> records;
    records.reserve(batch.size());
    for (const auto& p : batch) records.push_back(p->record);
    absl::Status s = store_->WriteCertificates(records);
    if (!s.ok() && batch.size() > 1) {
      // One bad record (e.g. a duplicate serial) must not fail the others: retry one by one.
      for (auto& p : batch) {
        p->status = store_->WriteCertificates({p->record});
        if (!p->status.ok()) {
          p->status = absl::UnavailableError(absl::StrCat(
              "recording certificate ", p->record.serial_hex, ": ", p->status.message()));
        }
        p->done.Notify();
      }
      continue;
    }
    for (auto& p : batch) {
      if (!s.ok()) {
        p->status = absl::UnavailableError(
            absl::StrCat("recording certificate ", p->record.serial_hex, ": ", s.message()));
      }
      p->done.Notify();
    }
  }
}

}  // namespace vouch::server
