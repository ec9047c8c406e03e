// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CA setup for a new deployment (vouch-ca-setup): writes the files vouchd's CaService reads from
// its data directory (signer/ca_service.h), all mode 0600:
//   mode kRoot:         ca_key.pem, ca_chain.pem = [self-signed root]
//   mode kIntermediate: root_key.pem + root.pem (take the root key offline afterwards),
//                       ca_key.pem, ca_chain.pem = [intermediate, root]
//   both:               tsa_key.pem, tsa_chain.pem = [TSA certificate, root] (issued by the root)
// With a PKCS#11 key URI the issuing CA key (the root in kRoot mode, the intermediate otherwise)
// lives in the token and ca_key.pem is not written. Existing files are never overwritten unless
// |force|. Not thread-safe (one call at a time per directory).
#ifndef VOUCH_TOOLS_CA_SETUP_CA_SETUP_H_
#define VOUCH_TOOLS_CA_SETUP_CA_SETUP_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "signer/crypto.h"

namespace vouch::tools {

enum class CaSetupMode { kRoot, kIntermediate };

struct CaSetupOptions {
  std::string out_dir;
  CaSetupMode mode = CaSetupMode::kRoot;
  signer::KeyType key_type = signer::KeyType::kEcdsaP256;  // generated keys
  std::string organization = "vouch";
  std::string common_name = "vouch";
  absl::Duration root_validity = absl::Hours(24 * 365 * 10);
  absl::Duration intermediate_validity = absl::Hours(24 * 365 * 5);
  // Issuing CA key in a PKCS#11 token instead of ca_key.pem.
  std::string pkcs11_module = "/usr/lib/softhsm/libsofthsm2.so";
  std::string pkcs11_key_uri;
  std::string pkcs11_pin;
  bool with_tsa = true;
  bool force = false;
};

// Creates the files. FailedPrecondition if a file exists (without |force|) or the directory is
// unusable; errors of the key backend otherwise. |written| (optional) receives the paths.
absl::Status SetUpCa(const CaSetupOptions& options, std::vector<std::string>* written);

// Issues a sample leaf (PEM) for |email| from the CA files in |dir| (ca_key.pem, ca_chain.pem) with
// a fresh P-256 key and issuer |oidc_issuer|, for checking the profile with `openssl x509 -text`.
absl::StatusOr<std::string> SampleLeaf(const std::string& dir, const std::string& email,
                                       const std::string& oidc_issuer);

}  // namespace vouch::tools

#endif  // VOUCH_TOOLS_CA_SETUP_CA_SETUP_H_
