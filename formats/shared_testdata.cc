// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/shared_testdata.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/file.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"

namespace vouch::formats::testdata {
namespace {

using json = nlohmann::json;

absl::StatusOr<json> ReadJson(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(path, ": not JSON"));
  return j;
}

// The DER SPKI of the bundle's signing certificate, or "".
std::string CertificateKey(const json& bundle) {
  const json& vm = bundle.value("verificationMaterial", json::object());
  std::string cert_b64;
  if (vm.contains("certificate")) {
    cert_b64 = vm["certificate"].value("rawBytes", "");
  } else if (vm.contains("x509CertificateChain")) {
    const json& certs = vm["x509CertificateChain"].value("certificates", json::array());
    if (!certs.empty()) cert_b64 = certs[0].value("rawBytes", "");
  }
  if (cert_b64.empty()) return "";
  absl::StatusOr<std::string> spki = signer::CertificatePublicKeyDer(Unbase64(cert_b64));
  return spki.ok() ? *spki : "";
}

}  // namespace

std::string SharedDir() {
  const char* shared = std::getenv("VOUCH_SHARED");
  if (shared == nullptr || *shared == '\0') return "";
  return shared;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

const json& Get(const json& j, std::initializer_list<const char*> path) {
  static const json* null = new json();
  const json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return *null;
    auto it = cur->find(k);
    if (it == cur->end()) return *null;
    cur = &*it;
  }
  return *cur;
}

std::string GetString(const json& j, std::initializer_list<const char*> path) {
  const json& v = Get(j, path);
  return v.is_string() ? v.get<std::string>() : "";
}

const json& GetArray(const json& j, std::initializer_list<const char*> path) {
  static const json* empty = new json(json::array());
  const json& v = Get(j, path);
  return v.is_array() ? v : *empty;
}

std::string Unbase64(const std::string& s) {
  std::string out;
  if (!absl::Base64Unescape(s, &out)) return "";
  return out;
}

std::unique_ptr<signer::Verifier> VerifierFor(const std::string& spki) {
  auto v = signer::OpenSslVerifier::FromDer(spki);
  if (!v.ok()) return nullptr;
  return *std::move(v);
}

bool FindLog(const json& trusted_root, const std::string& log_id, std::string* spki,
             std::string* host) {
  for (const json& t : trusted_root.value("tlogs", json::array())) {
    if (Unbase64(t.value("logId", json::object()).value("keyId", "")) != log_id) continue;
    *spki = Unbase64(t.value("publicKey", json::object()).value("rawBytes", ""));
    const std::string url = t.value("baseUrl", "");
    absl::string_view rest = url;
    const size_t scheme = rest.find("://");
    if (scheme != absl::string_view::npos) rest.remove_prefix(scheme + 3);
    *host = std::string(rest.substr(0, rest.find('/')));
    return true;
  }
  return false;
}

absl::StatusOr<std::vector<RealBundle>> LoadRealBundles(const std::string& shared_dir) {
  std::vector<RealBundle> out;
  if (shared_dir.empty()) return out;
  // npm provenance: provenance bundles are keyless, publish bundles signed by npm's key.
  const std::string npm = shared_dir + "/interop/npm-provenance";
  absl::StatusOr<json> npm_root = ReadJson(npm + "/public-good-trusted_root.json");
  if (!npm_root.ok()) return npm_root.status();
  absl::StatusOr<json> npm_keys = ReadJson(npm + "/npm-registry-keys.json");
  if (!npm_keys.ok()) return npm_keys.status();
  absl::StatusOr<json> index = ReadJson(npm + "/index.json");
  if (!index.ok()) return index.status();
  for (const json& c : index->value("cases", json::array())) {
    RealBundle b;
    b.name = absl::StrCat("npm ", c.value("package", ""), " ", c.value("kind", ""));
    absl::StatusOr<json> bundle =
        ReadJson(absl::StrCat(npm, "/", c.value("dir", ""), "/", c.value("bundle", "")));
    if (!bundle.ok()) return bundle.status();
    b.bundle = *std::move(bundle);
    b.trusted_root = *npm_root;
    b.signing_key_spki = CertificateKey(b.bundle);
    const std::string hint = b.bundle.value("verificationMaterial", json::object())
                                 .value("publicKey", json::object())
                                 .value("hint", "");
    for (const json& k : npm_keys->value("keys", json::array())) {
      if (!hint.empty() && k.value("keyId", "") == hint) {
        b.signing_key_spki = Unbase64(k["publicKey"].value("rawBytes", ""));
      }
    }
    out.push_back(std::move(b));
  }
  // The conformance cases, each with its own trusted root or the production one.
  const std::string conf = shared_dir + "/conformance";
  absl::StatusOr<json> production = ReadJson(conf + "/roots/production_trusted_root.json");
  if (!production.ok()) return production.status();
  std::vector<std::filesystem::path> dirs;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(conf + "/assets/bundle-verify", ec)) {
    if (d.is_directory()) dirs.push_back(d.path());
  }
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    absl::StatusOr<json> bundle = ReadJson(d.string() + "/bundle.sigstore.json");
    if (!bundle.ok() || !bundle->is_object()) continue;  // bundle-malformed-json_fail
    RealBundle b;
    b.name = absl::StrCat("conformance ", d.filename().string());
    b.must_fail = absl::EndsWith(d.filename().string(), "_fail");
    b.bundle = *std::move(bundle);
    absl::StatusOr<json> root = ReadJson(d.string() + "/trusted_root.json");
    b.trusted_root = root.ok() ? *root : *production;
    b.signing_key_spki = CertificateKey(b.bundle);
    absl::StatusOr<std::string> pem = ReadFile(d.string() + "/key.pub");
    if (pem.ok()) {
      auto v = signer::OpenSslVerifier::FromPem(*pem);
      if (v.ok()) b.signing_key_spki = (*v)->PublicKeyDer();
    }
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace vouch::formats::testdata
