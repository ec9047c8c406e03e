// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// AdmissionWebhook: the Kubernetes admission webhook, a thin adapter from AdmissionReview v1
// (admission.k8s.io/v1) to the policy engine (policy/cache.h over policy/engine.h).
//
//   POST /validate  every image of containers, initContainers and ephemeralContainers of a Pod,
//                   or of the pod template of a Deployment, ReplicaSet, StatefulSet, DaemonSet,
//                   Job, ReplicationController or CronJob, is decided by the policies; the review
//                   is denied (status.code 403, status.message = the reasons, what `kubectl
//                   apply` prints) if any image is denied; warn-mode failures become warnings.
//   POST /mutate    replaces each allowed image given by tag with the digest that was verified
//                   ("name:tag" -> "name:tag@sha256:..."), as a base64 JSONPatch, so what runs is
//                   what was checked. Always allowed (enforcement is /validate's).
//
// The answer is an AdmissionReview v1 with the request's uid. A malformed review (not JSON, not
// AdmissionReview v1, no uid, an object that is not one) is answered HTTP 400 naming the field;
// the API server then applies the webhook's failurePolicy. Every image decision is one JSON line
// in the audit log (time, uid, namespace, object kind and name, image, digest, policy version,
// decision, policies, reasons, warnings, log indexes of the bundles used) and is counted in
// metrics (vouch_admission_decisions_total{decision, cached}, vouch_admission_review_seconds).
//
// Namespace label selectors need the namespace's labels, which an AdmissionReview does not
// carry: they come from a labels file (namespace -> labels). A namespace the file does not list
// (or any namespace, with no file) has UNKNOWN labels, and the webhook fails safe
// (policy::Request::ns_labels_known): policies selected by namespace labels are applied as if
// they matched, an image only they match is denied under defaultAction deny, and the answer
// carries a warning naming the namespace and the file. ReloadNamespaceLabels re-reads the file.
// Thread-safe.
#ifndef VOUCH_SERVER_ADMISSION_H_
#define VOUCH_SERVER_ADMISSION_H_

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/metrics.h"
#include "http/router.h"
#include "nlohmann/json.hpp"
#include "policy/cache.h"

namespace vouch::server {

struct AdmissionOptions {
  // Audit log (JSON lines, appended); empty = none.
  std::string audit_log;
  // Namespace labels (JSON or YAML map: namespace -> {label: value}); empty = none.
  std::string namespace_labels;
  // Most images in one review (beyond: denied as malformed).
  size_t max_images = 1000;
  // Largest review body accepted (the HTTP front enforces it too).
  size_t max_review_bytes = 4 << 20;
};

// One container image found in an admitted object, with the JSON pointer of its field.
struct ContainerImage {
  std::string image;
  std::string pointer;  // e.g. "/spec/template/spec/containers/0/image"
};

// The images of |object| of |kind| (Pod, Deployment, ...). Unknown kinds have none.
// InvalidArgument naming the field when a container list or image has the wrong type.
absl::StatusOr<std::vector<ContainerImage>> ImagesOf(const std::string& kind,
                                                     const nlohmann::json& object);

class AdmissionWebhook {
 public:
  // |engine| and |metrics| must outlive the webhook.
  static absl::StatusOr<std::unique_ptr<AdmissionWebhook>> New(policy::CachingEngine* engine,
                                                               Metrics* metrics,
                                                               const AdmissionOptions& options);
  ~AdmissionWebhook();

  // POST /validate and POST /mutate (run on the worker pool: registry reads may block).
  void Register(http::Router& router);

  // Re-reads the namespace labels file (AdmissionOptions::namespace_labels) and, if it is valid,
  // makes it the one reviews use from now on (atomically). InvalidArgument "FILE:LINE: what"
  // when it is not, and the labels in use stay. OK and nothing done when there is no file.
  absl::Status ReloadNamespaceLabels();

  // The operations behind the routes: an AdmissionReview JSON text in, the answering
  // AdmissionReview out. InvalidArgument (HTTP 400) naming the field for a malformed review.
  absl::StatusOr<nlohmann::json> Validate(absl::string_view review_json);
  absl::StatusOr<nlohmann::json> Mutate(absl::string_view review_json);

 private:
  struct Review;
  AdmissionWebhook(policy::CachingEngine* engine, Metrics* metrics,
                   const AdmissionOptions& options);
  absl::StatusOr<Review> Parse(absl::string_view review_json) const;
  // Decides every image of |review| (concurrently), auditing and counting each decision.
  std::vector<policy::Decision> Decide(const Review& review, const char* webhook);
  void Audit(const Review& review, const policy::Decision& d, bool cached, const char* webhook);
  // The warning for decisions that applied policies because |review|'s namespace has no labels
  // in the labels file; "" when none did.
  std::string UnknownLabelsWarning(const Review& review,
                                   const std::vector<policy::Decision>& decisions) const;

  policy::CachingEngine* engine_;
  Metrics* metrics_;
  const AdmissionOptions options_;
  using NamespaceLabels = std::map<std::string, std::map<std::string, std::string>>;
  static absl::StatusOr<std::shared_ptr<const NamespaceLabels>> ReadNamespaceLabels(
      const std::string& path);
  std::shared_ptr<const NamespaceLabels> namespace_labels() const;

  mutable absl::Mutex labels_mu_;
  std::shared_ptr<const NamespaceLabels> namespace_labels_ ABSL_GUARDED_BY(labels_mu_);
  std::mutex audit_mu_;
  std::FILE* audit_ = nullptr;
};

}  // namespace vouch::server

#endif  // VOUCH_SERVER_ADMISSION_H_
