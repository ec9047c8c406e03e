// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tests/interop/npm_cases.h"

#include <sys/stat.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::interop {

std::string NpmDataDir() {
  const char* shared = std::getenv("VOUCH_SHARED");
  if (shared == nullptr || *shared == '\0') return "";
  std::string dir = absl::StrCat(shared, "/interop/npm-provenance");
  struct stat st;
  if (stat(absl::StrCat(dir, "/index.json").c_str(), &st) != 0) return "";
  return dir;
}

absl::StatusOr<std::unique_ptr<NpmData>> LoadNpmData(const std::string& dir) {
  auto data = std::make_unique<NpmData>();
  VOUCH_ASSIGN_OR_RETURN(data->root,
                         client::TrustRoot::FromFile(dir + "/public-good-trusted_root.json"));
  VOUCH_ASSIGN_OR_RETURN(std::string keys_json, ReadFile(dir + "/npm-registry-keys.json"));
  nlohmann::json keys = nlohmann::json::parse(keys_json, nullptr, false);
  VOUCH_ASSIGN_OR_RETURN(std::string index_json, ReadFile(dir + "/index.json"));
  nlohmann::json index = nlohmann::json::parse(index_json, nullptr, false);
  if (keys.is_discarded() || index.is_discarded() || !index.contains("cases")) {
    return absl::InvalidArgumentError("npm-provenance: index.json or npm-registry-keys.json");
  }
  for (const auto& c : index["cases"]) {
    NpmCase nc;
    const std::string case_dir = dir + "/" + c["dir"].get<std::string>();
    nc.kind = c["kind"].get<std::string>();
    nc.name = absl::StrCat(c["package"].get<std::string>(), " ", nc.kind);
    VOUCH_ASSIGN_OR_RETURN(nc.bundle_json,
                           ReadFile(case_dir + "/" + c["bundle"].get<std::string>()));
    auto bundle = client::ParseBundle(nc.bundle_json);
    if (!bundle.ok()) return Annotate(bundle.status(), nc.name);
    nc.bundle = *std::move(bundle);
    VOUCH_ASSIGN_OR_RETURN(std::string tgz,
                           ReadFile(case_dir + "/" + c["artifact"].get<std::string>()));
    nc.artifact = client::Artifact::FromBytes(std::move(tgz));
    nc.options.require_attestation = true;
    nc.options.attestation.predicate_type = c["predicateType"].get<std::string>();
    const auto& vm = nc.bundle.proto.verification_material();
    if (vm.has_public_key()) {
      // npm's registry key, chosen by the bundle's key hint.
      for (const auto& k : keys["keys"]) {
        if (k["keyId"].get<std::string>() != vm.public_key().hint()) continue;
        std::string der;
        absl::Base64Unescape(k["publicKey"]["rawBytes"].get<std::string>(), &der);
        auto verifier = signer::OpenSslVerifier::FromDer(der);
        if (!verifier.ok()) return Annotate(verifier.status(), nc.name);
        nc.options.key = std::shared_ptr<const signer::Verifier>(*std::move(verifier));
        const auto& valid = k["publicKey"]["validFor"];
        std::string err;
        if (valid.contains("start")) {
          absl::ParseTime(absl::RFC3339_full, valid["start"].get<std::string>(),
                          &nc.options.key_valid_from, &err);
        }
        if (valid.contains("end")) {
          absl::ParseTime(absl::RFC3339_full, valid["end"].get<std::string>(),
                          &nc.options.key_valid_until, &err);
        }
      }
      if (nc.options.key == nullptr) {
        return absl::NotFoundError(absl::StrCat(nc.name, ": no npm key ", vm.public_key().hint()));
      }
    } else {
      nc.options.identity.identity_regexp = "https://github\\.com/.+";
      nc.options.identity.issuer = "https://token.actions.githubusercontent.com";
    }
    data->cases.push_back(std::move(nc));
  }
  return data;
}

}  // namespace vouch::interop
