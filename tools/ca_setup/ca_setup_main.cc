// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-ca-setup: creates the CA (and TSA) key and certificate files for a new vouchd deployment
// (tools/ca_setup/ca_setup.h lists them; docs/ca.md explains the choices).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/time/time.h"
#include "base/flags.h"
#include "tools/ca_setup/ca_setup.h"

ABSL_FLAG(std::string, out, "", "Directory to write the files to (vouchd's --data-dir).");
ABSL_FLAG(std::string, mode, "root",
          "root (self-signed root issues leaves) or intermediate "
          "(root + intermediate; take root_key.pem offline).");
ABSL_FLAG(std::string, key_type, "ecdsa-p256",
          "Generated keys: ecdsa-p256, ecdsa-p384, "
          "ecdsa-p521, ed25519 or rsa.");
ABSL_FLAG(std::string, organization, "vouch", "Organization (O) of the CA names.");
ABSL_FLAG(std::string, common_name, "vouch", "Common name (CN) prefix of the CA names.");
ABSL_FLAG(absl::Duration, root_validity, absl::Hours(24 * 365 * 10), "Root certificate lifetime.");
ABSL_FLAG(absl::Duration, intermediate_validity, absl::Hours(24 * 365 * 5),
          "Intermediate (and TSA) certificate lifetime.");
ABSL_FLAG(std::string, pkcs11_uri, "", "Issuing CA key in a PKCS#11 token (RFC 7512 URI).");
ABSL_FLAG(std::string, pkcs11_module, "/usr/lib/softhsm/libsofthsm2.so", "PKCS#11 module.");
ABSL_FLAG(std::string, pkcs11_pin, "", "PKCS#11 user PIN.");
ABSL_FLAG(bool, tsa, true, "Also create the timestamp authority's key and certificate.");
ABSL_FLAG(bool, force, false, "Overwrite existing files.");
ABSL_FLAG(std::string, sample_leaf, "",
          "Instead of setting up: print a sample leaf for this email from the CA in --out "
          "(check it with openssl x509 -text).");
ABSL_FLAG(std::string, sample_issuer, "https://oauth2.example.com",
          "OIDC issuer written into the sample leaf.");

int main(int argc, char** argv) {
  std::vector<std::string> rest = vouch::ParseFlags(
      argc, argv,
      "Creates CA and TSA keys and certificates for a vouchd data directory.\n\n"
      "usage: vouch-ca-setup --out DIR [--mode root|intermediate] [--key-type ecdsa-p256]",
      "tools/ca_setup/");
  if (rest.size() > 1) {
    std::fprintf(stderr, "vouch-ca-setup: unexpected argument '%s'\n", rest[1].c_str());
    return 2;
  }
  if (!absl::GetFlag(FLAGS_sample_leaf).empty()) {
    auto pem = vouch::tools::SampleLeaf(absl::GetFlag(FLAGS_out), absl::GetFlag(FLAGS_sample_leaf),
                                        absl::GetFlag(FLAGS_sample_issuer));
    if (!pem.ok()) {
      std::fprintf(stderr, "vouch-ca-setup: %s\n", std::string(pem.status().message()).c_str());
      return 1;
    }
    std::fputs(pem->c_str(), stdout);
    return 0;
  }
  vouch::tools::CaSetupOptions options;
  options.out_dir = absl::GetFlag(FLAGS_out);
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "root") {
    options.mode = vouch::tools::CaSetupMode::kRoot;
  } else if (mode == "intermediate") {
    options.mode = vouch::tools::CaSetupMode::kIntermediate;
  } else {
    std::fprintf(stderr, "vouch-ca-setup: --mode must be root or intermediate\n");
    return 2;
  }
  const std::string type = absl::GetFlag(FLAGS_key_type);
  using vouch::signer::KeyType;
  if (type == "ecdsa-p256") {
    options.key_type = KeyType::kEcdsaP256;
  } else if (type == "ecdsa-p384") {
    options.key_type = KeyType::kEcdsaP384;
  } else if (type == "ecdsa-p521") {
    options.key_type = KeyType::kEcdsaP521;
  } else if (type == "ed25519") {
    options.key_type = KeyType::kEd25519;
  } else if (type == "rsa") {
    options.key_type = KeyType::kRsaPkcs1;
  } else {
    std::fprintf(stderr, "vouch-ca-setup: unknown --key-type %s\n", type.c_str());
    return 2;
  }
  options.organization = absl::GetFlag(FLAGS_organization);
  options.common_name = absl::GetFlag(FLAGS_common_name);
  options.root_validity = absl::GetFlag(FLAGS_root_validity);
  options.intermediate_validity = absl::GetFlag(FLAGS_intermediate_validity);
  options.pkcs11_key_uri = absl::GetFlag(FLAGS_pkcs11_uri);
  options.pkcs11_module = absl::GetFlag(FLAGS_pkcs11_module);
  options.pkcs11_pin = absl::GetFlag(FLAGS_pkcs11_pin);
  options.with_tsa = absl::GetFlag(FLAGS_tsa);
  options.force = absl::GetFlag(FLAGS_force);
  std::vector<std::string> written;
  absl::Status status = vouch::tools::SetUpCa(options, &written);
  if (!status.ok()) {
    std::fprintf(stderr, "vouch-ca-setup: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  for (const std::string& path : written) std::printf("wrote %s\n", path.c_str());
  return 0;
}
