// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Initialises a SoftHSM2 token in the test's temporary directory (SOFTHSM2_CONF points at a
// private config), generates a key in it with pkcs11-tool, and signs with it: raw signatures and
// a CA issuing certificates with its key in the token. Skipped when the tools are missing.
#include "signer/pkcs11_crypto.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "signer/ca.h"
#include "signer/ca_service.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

constexpr char kModule[] = "/usr/lib/softhsm/libsofthsm2.so";

int Shell(const std::string& cmd) {
  const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return rc;
}

class Pkcs11Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (access(kModule, R_OK) != 0 || Shell("command -v softhsm2-util") != 0 ||
        Shell("command -v pkcs11-tool") != 0) {
      return;
    }
    const char* tmp = std::getenv("TEST_TMPDIR");
    const std::string dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/softhsm-", getpid());
    mkdir(dir.c_str(), 0700);
    mkdir((dir + "/tokens").c_str(), 0700);
    std::ofstream(dir + "/softhsm2.conf")
        << "directories.tokendir = " << dir << "/tokens\nobjectstore.backend = file\n"
        << "log.level = ERROR\n";
    setenv("SOFTHSM2_CONF", (dir + "/softhsm2.conf").c_str(), 1);
    if (Shell("softhsm2-util --init-token --free --label vouch --pin 1234 --so-pin 123456") != 0) {
      return;
    }
    const std::string keygen = absl::StrCat(
        "pkcs11-tool --module ", kModule, " --token-label vouch --login --pin 1234 --keypairgen ");
    if (Shell(keygen + "--key-type EC:prime256v1 --label ec-key --id 01") != 0 ||
        Shell(keygen + "--key-type EC:secp384r1 --label ec384-key --id 02") != 0 ||
        Shell(keygen + "--key-type rsa:2048 --label rsa-key --id 03") != 0) {
      return;
    }
    ready_ = true;
  }

  void SetUp() override {
    if (!ready_) GTEST_SKIP() << "SoftHSM2 / pkcs11-tool not available";
  }

  static Pkcs11Options Options(const std::string& label) {
    Pkcs11Options o;
    o.module_path = kModule;
    o.key_uri = absl::StrCat("pkcs11:token=vouch;object=", label);
    o.pin = "1234";
    return o;
  }

  static bool ready_;
};

bool Pkcs11Test::ready_ = false;

TEST_F(Pkcs11Test, SignsWithKeysInTheToken) {
  struct Case {
    const char* label;
    KeyType type;
  } cases[] = {{"ec-key", KeyType::kEcdsaP256},
               {"ec384-key", KeyType::kEcdsaP384},
               {"rsa-key", KeyType::kRsaPkcs1}};
  for (const Case& c : cases) {
    auto signer = Pkcs11Signer::New(Options(c.label));
    ASSERT_THAT(signer, IsOk()) << c.label;
    EXPECT_EQ((*signer)->key_type(), c.type);
    auto sig = (*signer)->Sign("checkpoint bytes");
    ASSERT_THAT(sig, IsOk());
    auto verifier = OpenSslVerifier::FromDer((*signer)->PublicKeyDer());
    ASSERT_THAT(verifier, IsOk());
    EXPECT_THAT((*verifier)->Verify("checkpoint bytes", *sig), IsOk());
    EXPECT_THAT((*verifier)->Verify("other bytes", *sig),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
}

TEST_F(Pkcs11Test, CaIssuesWithItsKeyInTheToken) {
  auto hsm = Pkcs11Signer::New(Options("ec-key"));
  ASSERT_THAT(hsm, IsOk());
  const absl::Time now = absl::Now();
  auto root =
      CreateRootCertificate(**hsm, {"vouch", "hsm root"}, now - absl::Hours(1), absl::Hours(24));
  ASSERT_THAT(root, IsOk());
  auto ca = CertificateAuthority::New(*std::move(hsm), {*root}, CaOptions());
  ASSERT_THAT(ca, IsOk());
  Identity id;
  id.issuer = "https://issuer.example";
  id.san = "dev@example.com";
  auto leaf = *OpenSslSigner::Generate(KeyType::kEcdsaP256);
  auto issued = (*ca)->Issue(id, leaf->PublicKeyDer());
  ASSERT_THAT(issued, IsOk());
  // The leaf verifies under the root's (token) key.
  auto root_key = *OpenSslVerifier::FromCertificate(*root);
  (void)root_key;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(issued->certificate_der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(issued->certificate_der.size()));
  ASSERT_NE(cert, nullptr);
  const unsigned char* r = reinterpret_cast<const unsigned char*>(root->data());
  X509* root_cert = d2i_X509(nullptr, &r, static_cast<long>(root->size()));
  EXPECT_EQ(X509_verify(cert, X509_get0_pubkey(root_cert)), 1);
  X509_free(cert);
  X509_free(root_cert);
}

TEST_F(Pkcs11Test, CaServiceUsesTheTokenKey) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  CaServiceOptions options;
  options.data_dir = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/hsm-ca-", getpid());
  mkdir(options.data_dir.c_str(), 0700);
  options.pkcs11_module = kModule;
  options.pkcs11_key_uri = "pkcs11:token=vouch;object=ec384-key";
  options.pkcs11_pin = "1234";
  auto service = CaService::New(options, nullptr);
  ASSERT_THAT(service, IsOk());
  struct stat st;
  EXPECT_NE(stat((options.data_dir + "/ca_key.pem").c_str(), &st), 0);  // no key file
  auto token_key = *Pkcs11Signer::New(Options("ec384-key"));
  EXPECT_EQ(*CertificatePublicKeyDer((*service)->ca_chain_der()[0]), token_key->PublicKeyDer());
  // A restart finds the chain and the token key again.
  EXPECT_THAT(CaService::New(options, nullptr), IsOk());
}

TEST_F(Pkcs11Test, RefusesMissingKeysAndBadUris) {
  EXPECT_THAT(Pkcs11Signer::New(Options("no-such-key")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no private key")));
  // (A wrong PIN cannot be tested here: the module keeps the token logged in per process.)
  Pkcs11Options bad = Options("ec-key");
  bad.key_uri = "token=vouch";
  EXPECT_THAT(Pkcs11Signer::New(bad), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::signer
