// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/ca_setup/ca_setup.h"

#include <sys/stat.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/file.h"
#include "base/status.h"
#include "signer/ca.h"
#include "signer/ca_service.h"
#include "signer/openssl_crypto.h"
#include "signer/pkcs11_crypto.h"
#include "signer/x509.h"

namespace vouch::tools {

absl::Status SetUpCa(const CaSetupOptions& options, std::vector<std::string>* written) {
  if (options.out_dir.empty()) return absl::InvalidArgumentError("--out is required");
  const std::string dir = std::string(absl::StripSuffix(options.out_dir, "/"));
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (::mkdir(dir.c_str(), 0700) != 0) {
      return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir));
    }
  } else if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, " is not a directory"));
  }
  const bool hsm = !options.pkcs11_key_uri.empty();
  const bool inter = options.mode == CaSetupMode::kIntermediate;
  std::vector<std::string> names = {"ca_chain.pem"};
  if (!hsm) names.push_back("ca_key.pem");
  if (inter) {
    names.push_back("root_key.pem");
    names.push_back("root.pem");
  }
  if (options.with_tsa) {
    names.push_back("tsa_key.pem");
    names.push_back("tsa_chain.pem");
  }
  if (!options.force) {
    for (const std::string& n : names) {
      if (::stat((dir + "/" + n).c_str(), &st) == 0) {
        return absl::FailedPreconditionError(
            absl::StrCat(dir, "/", n, " exists; not overwriting (use --force)"));
      }
    }
  }
  auto write = [&](const std::string& name, const std::string& contents) -> absl::Status {
    VOUCH_RETURN_IF_ERROR(signer::WriteFileAtomic(dir + "/" + name, contents, 0600));
    if (written != nullptr) written->push_back(dir + "/" + name);
    return absl::OkStatus();
  };

  const absl::Time now = absl::Now() - absl::Minutes(5);
  // The issuing key: from the token, or generated.
  std::unique_ptr<signer::Signer> issuing;
  std::string issuing_pem;
  if (hsm) {
    signer::Pkcs11Options p11;
    p11.module_path = options.pkcs11_module;
    p11.key_uri = options.pkcs11_key_uri;
    p11.pin = options.pkcs11_pin;
    VOUCH_ASSIGN_OR_RETURN(issuing, signer::Pkcs11Signer::New(p11));
  } else {
    VOUCH_ASSIGN_OR_RETURN(auto key, signer::OpenSslSigner::Generate(options.key_type));
    issuing_pem = key->PrivateKeyPem();
    issuing = std::move(key);
  }
  std::vector<std::string> chain;
  std::unique_ptr<signer::Signer> root_key_holder;
  const signer::Signer* root_key = issuing.get();
  std::string root;
  if (inter) {
    VOUCH_ASSIGN_OR_RETURN(auto key, signer::OpenSslSigner::Generate(options.key_type));
    VOUCH_ASSIGN_OR_RETURN(root, signer::CreateRootCertificate(
                                     *key, {options.organization, options.common_name + " root"},
                                     now, options.root_validity));
    VOUCH_ASSIGN_OR_RETURN(std::string intermediate,
                           signer::CreateIntermediateCertificate(
                               *key, root, issuing->PublicKeyDer(),
                               {options.organization, options.common_name + " intermediate"}, now,
                               options.intermediate_validity));
    chain = {intermediate, root};
    VOUCH_RETURN_IF_ERROR(write("root_key.pem", key->PrivateKeyPem()));
    VOUCH_RETURN_IF_ERROR(write("root.pem", signer::CertificateDerToPem(root)));
    root_key = key.get();
    root_key_holder = std::move(key);
  } else {
    VOUCH_ASSIGN_OR_RETURN(
        root, signer::CreateRootCertificate(*issuing,
                                            {options.organization, options.common_name + " root"},
                                            now, options.root_validity));
    chain = {root};
  }
  if (!hsm) VOUCH_RETURN_IF_ERROR(write("ca_key.pem", issuing_pem));
  VOUCH_RETURN_IF_ERROR(write("ca_chain.pem", signer::ChainToPem(chain)));
  if (options.with_tsa) {
    VOUCH_ASSIGN_OR_RETURN(auto tsa_key,
                           signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256));
    VOUCH_ASSIGN_OR_RETURN(std::string tsa_cert,
                           signer::CreateTsaCertificate(
                               *root_key, root, tsa_key->PublicKeyDer(),
                               {options.organization, options.common_name + " TSA"}, now,
                               inter ? options.intermediate_validity : options.root_validity));
    VOUCH_RETURN_IF_ERROR(write("tsa_key.pem", tsa_key->PrivateKeyPem()));
    VOUCH_RETURN_IF_ERROR(write("tsa_chain.pem", signer::ChainToPem({tsa_cert, root})));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SampleLeaf(const std::string& dir, const std::string& email,
                                       const std::string& oidc_issuer) {
  VOUCH_ASSIGN_OR_RETURN(auto key, signer::OpenSslSigner::LoadOrCreate(
                                       dir + "/ca_key.pem", signer::KeyType::kEcdsaP256));
  absl::StatusOr<std::string> pem = ReadFile(dir + "/ca_chain.pem");
  if (!pem.ok()) return absl::FailedPreconditionError(pem.status().message());
  VOUCH_ASSIGN_OR_RETURN(auto chain, signer::ParsePemCertificates(*pem));
  VOUCH_ASSIGN_OR_RETURN(
      auto ca, signer::CertificateAuthority::New(std::move(key), chain, signer::CaOptions()));
  signer::Identity id;
  id.issuer = oidc_issuer;
  id.san = email;
  id.san_type = signer::SanType::kEmail;
  VOUCH_ASSIGN_OR_RETURN(auto leaf, signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(auto issued, ca->Issue(id, leaf->PublicKeyDer()));
  return signer::CertificateDerToPem(issued.certificate_der);
}

}  // namespace vouch::tools
