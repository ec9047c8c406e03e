// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Certificates, CSRs and public keys as the CA and the verifier read them: the CA's
// signer::VerifyCsr (PEM or DER PKCS#10), signer::ParseLeafKey / ParseLeafPublicKey (a
// submitted key), signer::ParsePemCertificates (chains), log::ParseDerKey (keys and
// certificates in entries), and client::Certificate with every accessor verify uses (SANs,
// Fulcio extensions, OIDC issuer, validity, the embedded-SCT precertificate reconstruction).
#include <cstdint>
#include <memory>
#include <string>

#include "client/x509.h"
#include "log/entry/entry.h"
#include "signer/ca.h"
#include "signer/x509.h"

namespace {

void Inspect(const vouch::client::Certificate& c) {
  (void)c.PublicKeyDer();
  (void)c.NewVerifier();
  (void)c.not_before();
  (void)c.not_after();
  (void)c.IsCa();
  (void)c.HasCodeSigningUsage();
  (void)c.IsSelfSigned();
  (void)c.SubjectAlternativeNames();
  (void)c.OidcIssuer();
  (void)c.FulcioExtensions();
  (void)c.ExtensionValue("1.3.6.1.4.1.11129.2.4.2");
  (void)c.SubjectString();
  // The precertificate reconstruction runs when SCTs are checked; with the certificate as its
  // own issuer it gets that far whatever the certificate holds.
  (void)vouch::client::PrecertificateTbs(c.der());
  vouch::client::CtLogKey log;
  log.log_id = std::string(32, 'x');
  (void)vouch::client::VerifyEmbeddedScts(c, c, {&log, 1});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  (void)vouch::signer::VerifyCsr(in);
  std::string spki;
  (void)vouch::signer::ParseLeafKey(in, &spki);
  (void)vouch::signer::ParseLeafPublicKey(in);
  (void)vouch::signer::ParsePemCertificates(in);
  for (bool certificate : {false, true}) {
    (void)vouch::log::ParseDerKey(in, certificate, /*ed25519ph=*/true, "fuzz");
  }
  (void)vouch::client::PrecertificateTbs(in);
  if (auto c = vouch::client::Certificate::FromDer(in); c.ok()) Inspect(*c);
  if (auto c = vouch::client::Certificate::FromPem(in); c.ok()) Inspect(*c);
  return 0;
}
