// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// FakeSigstore (tests only): an in-memory Sigstore deployment -- root and intermediate CA, a
// transparency log key, a timestamp authority, a trusted root -- that issues Fulcio-style
// certificates and produces complete, valid bundles (hashedrekord or dsse entries with inclusion
// proof, signed checkpoint and SET), so verification tests need no outside data. Thread-compatible.
#ifndef VOUCH_CLIENT_FAKE_SIGSTORE_H_
#define VOUCH_CLIENT_FAKE_SIGSTORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "proto/sigstore/sigstore_bundle.pb.h"
#include "proto/sigstore/sigstore_trustroot.pb.h"
#include "signer/openssl_crypto.h"

namespace vouch::client {

inline constexpr char kFakeIdentity[] =
    "https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main";
inline constexpr char kFakeIssuer[] = "https://token.actions.githubusercontent.com";

struct FakeBundleOptions {
  bool dsse = false;      // an in-toto statement in a DSSE envelope, dsse 0.0.1 entry
  bool with_key = false;  // sign with FakeSigstore::artifact_key() instead of a cert
  // The certificate's SAN: a URI, "email:ADDR" or "otherName:OID;UTF8:VALUE" (VALUE as UTF-8).
  std::string identity = kFakeIdentity;
  std::string issuer = kFakeIssuer;
  absl::Time integrated_time = absl::FromUnixSeconds(1700000000);
  // The certificate's validity starts this long before integrated_time (10 minutes long).
  absl::Duration cert_age = absl::Minutes(1);
  int64_t log_index = 5;
  int64_t tree_size = 11;
  std::string media_type = "application/vnd.dev.sigstore.bundle.v0.3+json";
  // Rekor v2 style: hashedrekord 0.0.2 entry without integrated time or SET; the signing time
  // comes from an RFC 3161 timestamp (at integrated_time) by the fake TSA.
  bool rekor_v2 = false;
  // DSSE: the statement's predicate type and predicate JSON (default: SLSA v1 provenance by
  // https://vouch.test/builder from https://github.com/acme/app).
  std::string predicate_type;
  std::string predicate_json;
  // More Fulcio extensions in the leaf: (N of 1.3.6.1.4.1.57264.1.N, UTF8String value).
  std::vector<std::pair<int, std::string>> fulcio_extensions;
};

class FakeSigstore {
 public:
  // CA and TSA valid 2020-2030 (trusted root windows from 2020), log key valid from 2020.
  static absl::StatusOr<std::unique_ptr<FakeSigstore>> New();

  // A bundle for |artifact|. For dsse, the statement's subject is the artifact's sha256.
  absl::StatusOr<dev::sigstore::bundle::v1::Bundle> MakeBundle(
      const std::string& artifact, const FakeBundleOptions& options = {}) const;
  absl::StatusOr<std::string> MakeBundleJson(const std::string& artifact,
                                             const FakeBundleOptions& options = {}) const;

  const dev::sigstore::trustroot::v1::TrustedRoot& trusted_root() const { return root_; }
  std::string TrustedRootJson() const;
  const signer::OpenSslSigner& log_key() const { return *log_key_; }
  const signer::OpenSslSigner& artifact_key() const { return *artifact_key_; }
  std::string log_id() const;
  const std::string& ca_root_der() const { return root_der_; }
  const std::string& ca_intermediate_der() const { return intermediate_der_; }

  // A DER TimeStampResp over |data| (SHA-256 imprint) at |time|, signed by the fake TSA.
  absl::StatusOr<std::string> Timestamp(const std::string& data, absl::Time time) const;
  const std::string& tsa_der() const { return tsa_der_; }

  // A certificate for |public_key| issued by the intermediate, valid [not_before, +10 min].
  // With |with_sct_extension|, it carries an SCT list extension (1.3.6.1.4.1.11129.2.4.2) whose
  // SCT no log signed.
  absl::StatusOr<std::string> IssueLeaf(
      const signer::OpenSslSigner& subject_key, const std::string& identity,
      const std::string& issuer, absl::Time not_before, bool with_sct_extension = false,
      const std::vector<std::pair<int, std::string>>& fulcio_extensions = {}) const;

 private:
  FakeSigstore() = default;
  std::unique_ptr<signer::OpenSslSigner> root_key_, intermediate_key_, log_key_, artifact_key_,
      tsa_key_;
  std::string root_der_, intermediate_der_, tsa_der_;
  dev::sigstore::trustroot::v1::TrustedRoot root_;
};

// Test helpers over the same RFC 6962 tree the fake log builds: leaf i of a tree of |size| is
// "leaf-i" except |index|, which is |body|.
std::string FakeTreeRoot(const std::string& body, int64_t index, int64_t size);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_FAKE_SIGSTORE_H_
