// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// AdmissionReview documents as POST /validate and /mutate receive them (4 MiB, the front's
// body limit): server::AdmissionWebhook::Validate and Mutate with a real policy, engine and
// decision cache over an in-memory attachment source (no registry), as server/admission_test
// sets them up. Invariant: a review that parses is answered with an AdmissionReview whose
// response.uid is the request's uid.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/metrics.h"
#include "client/fake_sigstore.h"
#include "policy/cache.h"
#include "policy/engine.h"
#include "policy/policy.h"
#include "policy/test_source.h"
#include "server/admission.h"

namespace {

struct Fixture {
  std::unique_ptr<vouch::client::FakeSigstore> fake;
  vouch::policy::FakeSource source;
  std::unique_ptr<vouch::policy::PolicySet> set;
  std::unique_ptr<vouch::policy::Engine> engine;
  vouch::Metrics metrics;
};

Fixture& Get() {
  static Fixture* fixture = [] {
    auto* f = new Fixture;
    auto fake = vouch::client::FakeSigstore::New();
    if (!fake.ok()) abort();
    f->fake = *std::move(fake);
    const char* tmp = std::getenv("TEST_TMPDIR");
    std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/vouch-admission-fuzz-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) abort();
    const std::string root = dir + "/root.json";
    std::ofstream(root) << f->fake->TrustedRootJson();
    f->source.tags["registry.example.com/app/web:1.0"] =
        "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    vouch::policy::PolicySet::LoadOptions lo;
    lo.default_trusted_root = root;
    auto set = vouch::policy::PolicySet::Parse(
        "adm.yaml",
        absl::StrCat("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: prod}\n"
                     "spec:\n  mode: enforce\n  images: [{glob: 'registry.example.com/**'}]\n"
                     "  authorities:\n    - name: ci\n      keyless: {issuer: '",
                     vouch::client::kFakeIssuer, "', subject: '", vouch::client::kFakeIdentity,
                     "'}\n---\napiVersion: policy.vouch.dev/v1\nkind: PolicySettings\n"
                     "spec: {defaultAction: allow}\n"),
        lo);
    if (!set.ok()) abort();
    f->set = *std::move(set);
    vouch::policy::EngineOptions eo;
    eo.now = absl::FromUnixSeconds(1700000000);
    auto engine = vouch::policy::Engine::New(f->set.get(), &f->source, eo);
    if (!engine.ok()) abort();
    f->engine = *std::move(engine);
    return f;
  }();
  return *fixture;
}

void CheckAnswer(const absl::StatusOr<nlohmann::json>& out, absl::string_view review) {
  if (!out.ok()) return;
  const nlohmann::json in = nlohmann::json::parse(review, nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded() || !in.is_object()) __builtin_trap();  // accepted a non-object
  const auto req = in.find("request");
  if (req == in.end() || !req->is_object() || !req->contains("uid")) __builtin_trap();
  const nlohmann::json& resp = (*out)["response"];
  if (!resp.is_object() || resp.value("uid", nlohmann::json()) != (*req)["uid"]) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4 << 20)) return 0;
  Fixture& f = Get();
  const absl::string_view review(reinterpret_cast<const char*>(data), size);
  vouch::policy::CachingEngine cache(f.engine.get(), &f.source);
  auto webhook = vouch::server::AdmissionWebhook::New(&cache, &f.metrics, {});
  if (!webhook.ok()) abort();
  CheckAnswer((*webhook)->Validate(review), review);
  CheckAnswer((*webhook)->Mutate(review), review);
  return 0;
}
