// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/policy_command.h"

#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cli/args.h"
#include "client/cli/image_command.h"
#include "client/cli/trusted_root_source.h"
#include "client/cli/verify_command.h"
#include "nlohmann/json.hpp"
#include "policy/engine.h"
#include "policy/image_source.h"
#include "policy/policy.h"

namespace vouch::cli {
namespace {

using nlohmann::json;

void Usage(std::ostream& os) {
  os << "usage: vouch policy lint FILE|DIR [--trusted-root FILE]\n"
        "       vouch policy check REF... --policy FILE|DIR [--trusted-root FILE]\n"
        "           [--namespace NS] [--namespace-labels k=v,...] [--output text|json]\n"
        "           [--registry-username U --registry-password P | --registry-password-stdin]\n"
        "           [--registry-cacert PEM] [--allow-insecure-registry]\n"
        "lint: loads the policies as the webhook does; exit 0 valid, 1 invalid (file:line:col: "
        "field: problem).\n"
        "check: the decision for each image with every reason; exit 0 all allowed, 1 any denied, "
        "2 usage.\nREF: host[:port]/repo[:tag][@sha256:...] or oci:DIR[:tag]. Docs: "
        "docs/policy.md.\n";
}

absl::StatusOr<std::unique_ptr<policy::PolicySet>> Load(const std::string& path,
                                                        const ParsedArgs& args) {
  policy::PolicySet::LoadOptions o;
  // The same order as every verify command (trusted_root_source.h); the TUF cache is read only if
  // an authority needs the default.
  const TrustedRootSource source = FindTrustedRoot(args);
  if (source.kind == TrustedRootSource::Kind::kFile) {
    o.default_trusted_root = source.path;
  } else if (source.kind == TrustedRootSource::Kind::kTufCache) {
    o.default_trust_root_loader = [source] { return LoadTrustedRoot(source); };
    o.default_trust_root_name = source.Describe();
  }
  return policy::PolicySet::Load(path, o);
}

int Lint(const std::vector<std::string>& argv) {
  auto args = ParseArgs(argv, {"trusted-root"}, {"help"});
  if (!args.ok() || args->positional.size() != 1) {
    std::cerr << "vouch policy lint: "
              << (args.ok() ? "want exactly one FILE or DIR" : args.status().message()) << "\n";
    Usage(std::cerr);
    return kExitUsage;
  }
  auto set = Load(args->positional[0], *args);
  if (!set.ok()) {
    std::cerr << set.status().message() << "\n";
    return kExitFailed;
  }
  for (const policy::ImagePolicy& p : (*set)->policies()) {
    std::cout << "ImagePolicy " << p.name << ": " << (p.enforce ? "enforce" : "warn") << ", "
              << p.images.size() << " image pattern(s), " << p.authorities.size() << " authorit"
              << (p.authorities.size() == 1 ? "y" : "ies") << ", " << p.attestations.size()
              << " attestation requirement(s)\n";
  }
  std::cout << "PolicySettings: default " << ((*set)->settings().default_allow ? "allow" : "deny")
            << ", " << (*set)->settings().trusted_registries.size() << " trusted registr"
            << ((*set)->settings().trusted_registries.size() == 1 ? "y" : "ies") << "\n";
  std::cout << "OK (version " << (*set)->version() << ")\n";
  return kExitOk;
}

json CheckJson(const policy::CheckResult& c) {
  return {
      {"name", c.name}, {"passed", c.passed}, {"reason", c.reason}, {"logIndexes", c.log_indexes}};
}

json DecisionJson(const policy::Decision& d) {
  json policies = json::array();
  for (const policy::PolicyResult& p : d.policies) {
    json auths = json::array(), atts = json::array();
    for (const auto& c : p.authorities) auths.push_back(CheckJson(c));
    for (const auto& c : p.attestations) atts.push_back(CheckJson(c));
    policies.push_back({{"name", p.policy},
                        {"mode", p.enforce ? "enforce" : "warn"},
                        {"passed", p.passed},
                        {"authorities", auths},
                        {"attestations", atts},
                        {"reasons", p.reasons}});
  }
  return {{"image", d.image},
          {"digest", d.digest},
          {"allowed", d.allowed},
          {"reasons", d.reasons},
          {"warnings", d.warnings},
          {"policies", policies},
          {"logIndexes", d.log_indexes},
          {"policyVersion", d.policy_version}};
}

int Check(const std::vector<std::string>& argv) {
  std::set<std::string> values = {"policy", "trusted-root", "namespace", "namespace-labels",
                                  "output"};
  values.insert(RegistryValueFlags().begin(), RegistryValueFlags().end());
  std::set<std::string> bools = {"help"};
  bools.insert(RegistryBoolFlags().begin(), RegistryBoolFlags().end());
  auto args = ParseArgs(argv, values, bools);
  auto usage = [](absl::string_view msg) {
    std::cerr << "vouch policy check: " << msg << "\n";
    Usage(std::cerr);
    return kExitUsage;
  };
  if (!args.ok()) return usage(args.status().message());
  if (args->positional.empty()) return usage("want at least one image REF");
  if (!args->Has("policy")) return usage("--policy FILE|DIR is required");
  const std::string output = args->Has("output") ? args->Get("output") : "text";
  if (output != "text" && output != "json") return usage("--output must be text or json");
  std::map<std::string, std::string> labels;
  if (args->Has("namespace-labels")) {
    for (absl::string_view kv :
         absl::StrSplit(args->Get("namespace-labels"), ',', absl::SkipEmpty())) {
      const size_t eq = kv.find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return usage("--namespace-labels wants key=value[,key=value...]");
      }
      labels[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
    }
  }
  auto registry = RegistryOptionsFromFlags(*args);
  if (!registry.ok()) return usage(registry.status().message());
  auto set = Load(args->Get("policy"), *args);
  if (!set.ok()) {
    std::cerr << "vouch policy check: " << set.status().message() << "\n";
    return kExitFailed;
  }
  policy::ImageSource source(*registry);
  auto engine = policy::Engine::New(set->get(), &source);
  if (!engine.ok()) {
    std::cerr << "vouch policy check: " << engine.status().message() << "\n";
    return kExitFailed;
  }
  bool all_allowed = true;
  json out = json::array();
  for (const std::string& image : args->positional) {
    policy::Decision d =
        (*engine)->Evaluate(policy::Request{image, args->Get("namespace"), labels});
    all_allowed = all_allowed && d.allowed;
    if (output == "json") {
      out.push_back(DecisionJson(d));
      continue;
    }
    std::cout << (d.allowed ? "ALLOW " : "DENY  ") << image;
    if (!d.digest.empty()) std::cout << " (" << d.digest << ")";
    std::cout << "\n";
    for (const policy::PolicyResult& p : d.policies) {
      std::cout << "  policy " << p.policy << " (" << (p.enforce ? "enforce" : "warn")
                << "): " << (p.passed ? "passed" : "failed") << "\n";
      for (const auto& c : p.authorities) {
        std::cout << "    authority " << c.name << ": " << (c.passed ? "ok" : "FAILED") << ": "
                  << c.reason << "\n";
      }
      for (const auto& c : p.attestations) {
        std::cout << "    attestation " << c.name << ": " << (c.passed ? "ok" : "FAILED") << ": "
                  << c.reason << "\n";
      }
    }
    for (const std::string& r : d.reasons) std::cout << "  denied: " << r << "\n";
    for (const std::string& w : d.warnings) std::cout << "  warning: " << w << "\n";
  }
  if (output == "json") std::cout << out.dump() << "\n";
  return all_allowed ? kExitOk : kExitFailed;
}

}  // namespace

int PolicyCommand(const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "help") {
    Usage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? kExitUsage : kExitOk;
  }
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "lint") return Lint(rest);
  if (args[0] == "check") return Check(rest);
  std::cerr << "vouch policy: unknown subcommand \"" << args[0] << "\" (lint or check)\n";
  Usage(std::cerr);
  return kExitUsage;
}

}  // namespace vouch::cli
