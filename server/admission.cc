// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/admission.h"

#include <algorithm>
#include <future>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "base/status.h"
#include "yaml-cpp/yaml.h"

namespace vouch::server {

using nlohmann::json;

namespace {

constexpr char kApiVersion[] = "admission.k8s.io/v1";

absl::Status Bad(absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", what));
}

// The pod spec of |object| and its JSON pointer, by kind; null for kinds without one.
const json* PodSpec(const std::string& kind, const json& object, std::string* pointer) {
  auto at = [&](std::initializer_list<const char*> path) -> const json* {
    const json* cur = &object;
    std::string p;
    for (const char* k : path) {
      if (!cur->is_object()) return nullptr;
      auto it = cur->find(k);
      if (it == cur->end()) return nullptr;
      cur = &*it;
      absl::StrAppend(&p, "/", k);
    }
    *pointer = p;
    return cur;
  };
  if (kind == "Pod") return at({"spec"});
  if (kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet" ||
      kind == "DaemonSet" || kind == "Job" || kind == "ReplicationController") {
    return at({"spec", "template", "spec"});
  }
  if (kind == "CronJob") return at({"spec", "jobTemplate", "spec", "template", "spec"});
  return nullptr;
}

std::string AuditTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<std::vector<ContainerImage>> ImagesOf(const std::string& kind, const json& object) {
  std::vector<ContainerImage> out;
  std::string spec_ptr;
  const json* spec = PodSpec(kind, object, &spec_ptr);
  if (spec == nullptr) return out;
  if (!spec->is_object()) return Bad(absl::StrCat("request.object", spec_ptr), "not an object");
  for (const char* list : {"containers", "initContainers", "ephemeralContainers"}) {
    auto it = spec->find(list);
    if (it == spec->end() || it->is_null()) continue;
    const std::string field = absl::StrCat("request.object", spec_ptr, "/", list);
    if (!it->is_array()) return Bad(field, "not a list");
    for (size_t i = 0; i < it->size(); ++i) {
      const json& c = (*it)[i];
      if (!c.is_object()) return Bad(absl::StrCat(field, "/", i), "not an object");
      auto image = c.find("image");
      if (image == c.end()) continue;  // The API server rejects these itself.
      if (!image->is_string() || image->get<std::string>().empty()) {
        return Bad(absl::StrCat(field, "/", i, "/image"), "not a non-empty string");
      }
      out.push_back(
          {image->get<std::string>(), absl::StrCat(spec_ptr, "/", list, "/", i, "/image")});
    }
  }
  return out;
}

struct AdmissionWebhook::Review {
  std::string api_version;
  std::string uid;
  std::string kind;
  std::string ns;
  std::string name;
  std::string operation;
  std::vector<ContainerImage> images;
};

AdmissionWebhook::AdmissionWebhook(policy::CachingEngine* engine, Metrics* metrics,
                                   const AdmissionOptions& options)
    : engine_(engine), metrics_(metrics), options_(options) {}

AdmissionWebhook::~AdmissionWebhook() {
  if (audit_ != nullptr) std::fclose(audit_);
}

absl::StatusOr<std::unique_ptr<AdmissionWebhook>> AdmissionWebhook::New(
    policy::CachingEngine* engine, Metrics* metrics, const AdmissionOptions& options) {
  std::unique_ptr<AdmissionWebhook> w(new AdmissionWebhook(engine, metrics, options));
  if (!options.audit_log.empty()) {
    w->audit_ = std::fopen(options.audit_log.c_str(), "ae");
    if (w->audit_ == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("--admission-audit-log=", options.audit_log, ": cannot open for append"));
    }
  }
  if (!options.namespace_labels.empty()) {
    VOUCH_ASSIGN_OR_RETURN(auto labels, ReadNamespaceLabels(options.namespace_labels));
    absl::MutexLock lock(&w->labels_mu_);
    w->namespace_labels_ = std::move(labels);
  }
  return w;
}

absl::StatusOr<std::shared_ptr<const AdmissionWebhook::NamespaceLabels>>
AdmissionWebhook::ReadNamespaceLabels(const std::string& path) {
  auto out = std::make_shared<NamespaceLabels>();
  try {
    YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": want a map of namespace -> {label: value}"));
    }
    for (const auto& ns : root) {
      if (!ns.second.IsMap()) {
        return absl::InvalidArgumentError(absl::StrCat(path, ":", ns.first.Mark().line + 1, ": ",
                                                       ns.first.Scalar(), ": want a label map"));
      }
      auto& labels = (*out)[ns.first.Scalar()];
      for (const auto& l : ns.second) labels[l.first.Scalar()] = l.second.Scalar();
    }
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", e.mark.line + 1, ": ", e.msg));
  }
  return std::shared_ptr<const NamespaceLabels>(std::move(out));
}

absl::Status AdmissionWebhook::ReloadNamespaceLabels() {
  if (options_.namespace_labels.empty()) return absl::OkStatus();
  VOUCH_ASSIGN_OR_RETURN(auto labels, ReadNamespaceLabels(options_.namespace_labels));
  absl::MutexLock lock(&labels_mu_);
  namespace_labels_ = std::move(labels);
  return absl::OkStatus();
}

std::shared_ptr<const AdmissionWebhook::NamespaceLabels> AdmissionWebhook::namespace_labels()
    const {
  absl::MutexLock lock(&labels_mu_);
  return namespace_labels_;
}

absl::StatusOr<AdmissionWebhook::Review> AdmissionWebhook::Parse(
    absl::string_view review_json) const {
  if (review_json.size() > options_.max_review_bytes) {
    return Bad("body", absl::StrCat("larger than ", options_.max_review_bytes, " bytes"));
  }
  json j = json::parse(review_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Bad("body", "not JSON");
  if (!j.is_object()) return Bad("body", "not a JSON object");
  Review r;
  auto str = [](const json& o, const char* k) -> std::string {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  r.api_version = str(j, "apiVersion");
  if (r.api_version != kApiVersion) {
    return Bad("apiVersion", absl::StrCat("\"", r.api_version, "\", want ", kApiVersion));
  }
  if (str(j, "kind") != "AdmissionReview") return Bad("kind", "want AdmissionReview");
  auto req = j.find("request");
  if (req == j.end() || !req->is_object()) return Bad("request", "missing or not an object");
  r.uid = str(*req, "uid");
  if (r.uid.empty()) return Bad("request.uid", "missing");
  auto kind = req->find("kind");
  if (kind == req->end() || !kind->is_object()) return Bad("request.kind", "missing");
  r.kind = str(*kind, "kind");
  r.ns = str(*req, "namespace");
  r.name = str(*req, "name");
  r.operation = str(*req, "operation");
  auto object = req->find("object");
  if (r.operation == "DELETE" || r.operation == "CONNECT") return r;  // Nothing to run.
  if (object == req->end() || !object->is_object()) {
    return Bad("request.object", "missing or not an object");
  }
  if (r.name.empty()) {
    // CREATE of a generated name: use the object's metadata.
    auto meta = object->find("metadata");
    if (meta != object->end() && meta->is_object()) {
      r.name = str(*meta, "name");
      if (r.name.empty()) r.name = str(*meta, "generateName");
    }
  }
  VOUCH_ASSIGN_OR_RETURN(r.images, ImagesOf(r.kind, *object));
  if (r.images.size() > options_.max_images) {
    return Bad("request.object",
               absl::StrCat(r.images.size(), " images, more than ", options_.max_images));
  }
  return r;
}

void AdmissionWebhook::Audit(const Review& r, const policy::Decision& d, bool cached,
                             const char* webhook) {
  const char* decision = !d.allowed ? "deny" : d.warnings.empty() ? "allow" : "warn";
  metrics_
      ->Counter(
          "vouch_admission_decisions_total", "Admission image decisions.",
          {{"decision", decision}, {"cached", cached ? "true" : "false"}, {"webhook", webhook}})
      ->Add(1);
  if (audit_ == nullptr) return;
  json policies = json::array();
  for (const policy::PolicyResult& p : d.policies) {
    policies.push_back(
        {{"name", p.policy}, {"mode", p.enforce ? "enforce" : "warn"}, {"passed", p.passed}});
  }
  json line = {{"time", AuditTime(absl::Now())},
               {"webhook", webhook},
               {"uid", r.uid},
               {"namespace", r.ns},
               {"kind", r.kind},
               {"name", r.name},
               {"operation", r.operation},
               {"image", d.image},
               {"digest", d.digest},
               {"policyVersion", d.policy_version},
               {"decision", decision},
               {"cached", cached},
               {"policies", policies},
               {"reasons", d.reasons},
               {"warnings", d.warnings},
               {"assumedLabelPolicies", d.assumed_label_policies},
               {"logIndexes", d.log_indexes}};
  const std::string text = line.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard<std::mutex> lock(audit_mu_);
  std::fwrite(text.data(), 1, text.size(), audit_);
  std::fflush(audit_);
}

std::vector<policy::Decision> AdmissionWebhook::Decide(const Review& r, const char* webhook) {
  // Each distinct image once; several at once (their registry reads overlap).
  std::vector<std::string> unique;
  for (const ContainerImage& c : r.images) {
    if (std::find(unique.begin(), unique.end(), c.image) == unique.end()) unique.push_back(c.image);
  }
  std::map<std::string, std::string> labels;
  bool labels_known = false;
  std::shared_ptr<const NamespaceLabels> all_labels = namespace_labels();
  if (all_labels != nullptr) {
    auto it = all_labels->find(r.ns);
    if (it != all_labels->end()) {
      labels = it->second;
      labels_known = true;
    }
  }
  const policy::Request request_template{"", r.ns, labels, labels_known};
  std::vector<policy::Decision> decisions(unique.size());
  std::vector<char> cached(unique.size(), 0);
  auto decide = [&](size_t i) {
    if (absl::StartsWith(unique[i], "oci:")) {
      // The CLI's local layouts: not an image a node pulls, and the webhook must not read a
      // directory of its own file system named by whoever may create pods.
      policy::Decision& d = decisions[i];
      d.image = unique[i];
      d.policy_version = engine_->policy_version();
      d.reasons.push_back("\"oci:\" names a local OCI layout, not an image a node can pull");
      return;
    }
    bool c = false;
    policy::Request request = request_template;
    request.image = unique[i];
    decisions[i] = engine_->Evaluate(request, &c);
    cached[i] = c;
  };
  // Cached decisions (most, once a workload has been seen) are answered inline; threads only
  // for the images that need the registry, whose reads then overlap.
  std::vector<size_t> waiting;
  for (size_t i = 0; i < unique.size(); ++i) {
    bool c = false;
    std::optional<policy::Decision> d;
    if (!absl::StartsWith(unique[i], "oci:")) {
      policy::Request request = request_template;
      request.image = unique[i];
      d = engine_->TryWithoutWaiting(request, &c);
    }
    if (d.has_value()) {
      decisions[i] = *std::move(d);
      cached[i] = c;
    } else {
      waiting.push_back(i);
    }
  }
  if (!waiting.empty()) {
    std::vector<std::future<void>> futures;
    for (size_t k = 1; k < waiting.size(); ++k) {
      futures.push_back(std::async(std::launch::async, decide, waiting[k]));
    }
    decide(waiting[0]);
    for (auto& f : futures) f.get();
  }
  for (size_t i = 0; i < unique.size(); ++i) Audit(r, decisions[i], cached[i] != 0, webhook);
  return decisions;
}

std::string AdmissionWebhook::UnknownLabelsWarning(
    const Review& r, const std::vector<policy::Decision>& decisions) const {
  std::vector<std::string> assumed;
  for (const policy::Decision& d : decisions) {
    for (const std::string& p : d.assumed_label_policies) {
      if (std::find(assumed.begin(), assumed.end(), p) == assumed.end()) assumed.push_back(p);
    }
  }
  if (assumed.empty()) return "";
  return absl::StrCat("namespace ", r.ns, " has no labels in ",
                      options_.namespace_labels.empty()
                          ? "the namespace labels file (none is configured)"
                          : options_.namespace_labels,
                      ": policies selected by namespace labels (", absl::StrJoin(assumed, ", "),
                      ") were applied as if they matched");
}

absl::StatusOr<json> AdmissionWebhook::Validate(absl::string_view review_json) {
  const absl::Time start = absl::Now();
  VOUCH_ASSIGN_OR_RETURN(Review r, Parse(review_json));
  std::vector<policy::Decision> decisions = Decide(r, "validate");
  json response = {{"uid", r.uid}, {"allowed", true}};
  std::vector<std::string> denials;
  std::vector<std::string> warnings;
  for (const policy::Decision& d : decisions) {
    if (!d.allowed) {
      denials.push_back(
          absl::StrCat("image ", d.image, " denied: ", absl::StrJoin(d.reasons, "; ")));
    }
    for (const std::string& w : d.warnings) {
      warnings.push_back(absl::StrCat("image ", d.image, ": ", w));
    }
  }
  if (!denials.empty()) {
    response["allowed"] = false;
    response["status"] = {
        {"code", 403}, {"reason", "Forbidden"}, {"message", absl::StrJoin(denials, "\n")}};
  }
  const std::string unknown_labels = UnknownLabelsWarning(r, decisions);
  if (!unknown_labels.empty()) warnings.insert(warnings.begin(), unknown_labels);
  if (!warnings.empty()) {
    // Kubernetes shows each warning (max 120 characters recommended; they are not cut here).
    response["warnings"] = warnings;
  }
  metrics_
      ->Histogram("vouch_admission_review_seconds", "Time to answer an admission review.",
                  {{"webhook", "validate"}})
      ->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  return json{{"apiVersion", kApiVersion}, {"kind", "AdmissionReview"}, {"response", response}};
}

absl::StatusOr<json> AdmissionWebhook::Mutate(absl::string_view review_json) {
  const absl::Time start = absl::Now();
  VOUCH_ASSIGN_OR_RETURN(Review r, Parse(review_json));
  std::vector<policy::Decision> decisions = Decide(r, "mutate");
  json patch = json::array();
  for (const ContainerImage& c : r.images) {
    auto name = policy::ParseImageName(c.image);
    if (!name.ok() || !name->digest.empty()) continue;  // Already pinned (or not an image).
    for (const policy::Decision& d : decisions) {
      if (d.image != c.image || !d.allowed || d.digest.empty()) continue;
      patch.push_back({{"op", "replace"},
                       {"path", c.pointer},
                       {"value", absl::StrCat(c.image, "@", d.digest)}});
    }
  }
  json response = {{"uid", r.uid}, {"allowed", true}};
  const std::string unknown_labels = UnknownLabelsWarning(r, decisions);
  if (!unknown_labels.empty()) response["warnings"] = json::array({unknown_labels});
  if (!patch.empty()) {
    response["patchType"] = "JSONPatch";
    response["patch"] = absl::Base64Escape(patch.dump());
  }
  metrics_
      ->Histogram("vouch_admission_review_seconds", "Time to answer an admission review.",
                  {{"webhook", "mutate"}})
      ->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  return json{{"apiVersion", kApiVersion}, {"kind", "AdmissionReview"}, {"response", response}};
}

void AdmissionWebhook::Register(http::Router& router) {
  auto route = [this](bool validate) {
    return [this, validate](const http::Request& req) {
      auto ct = req.headers.Get("Content-Type");
      if (ct.has_value() && ct->find("json") == absl::string_view::npos) {
        return http::Response::Error(415, "Content-Type must be application/json");
      }
      auto out = validate ? Validate(req.body) : Mutate(req.body);
      if (!out.ok()) return http::Response::Error(400, out.status().message());
      return http::Response::Json(200, out->dump(-1, ' ', false, json::error_handler_t::replace));
    };
  };
  router.Handle("POST", "/validate", route(true), http::Exec::kWorker);
  router.Handle("POST", "/mutate", route(false), http::Exec::kWorker);
}

}  // namespace vouch::server
