// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Sigstore bundles (application/vnd.dev.sigstore.bundle+json;version=0.1/0.2/0.3 and
// application/vnd.dev.sigstore.bundle.v0.3+json): reading with structural validation, and
// writing. A Bundle is a plain value (thread-compatible).
#ifndef VOUCH_CLIENT_BUNDLE_H_
#define VOUCH_CLIENT_BUNDLE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/sigstore/sigstore_bundle.pb.h"

namespace vouch::client {

inline constexpr char kBundleMediaTypeV01[] =
    "application/vnd.dev.sigstore.bundle+json;version=0.1";
inline constexpr char kBundleMediaTypeV02[] =
    "application/vnd.dev.sigstore.bundle+json;version=0.2";
inline constexpr char kBundleMediaTypeV03[] =
    "application/vnd.dev.sigstore.bundle+json;version=0.3";
inline constexpr char kBundleMediaTypeV03New[] = "application/vnd.dev.sigstore.bundle.v0.3+json";

struct Bundle {
  dev::sigstore::bundle::v1::Bundle proto;
  // 1, 2 or 3 (the minor version of the media type).
  int minor_version = 0;

  bool has_certificate() const;
  // The leaf certificate (DER), from `certificate` (v0.3) or the first chain entry; empty if the
  // bundle is signed with a key.
  const std::string& leaf_certificate_der() const;
  bool is_dsse() const { return proto.has_dsse_envelope(); }
  // The signature bytes: the message signature, or the DSSE envelope's only signature.
  const std::string& signature() const;
};

// Parses and structurally validates a bundle: known media type; JSON decodes (base64 fields
// included); exactly one of messageSignature / dsseEnvelope (with one signature); verification
// material present (v0.3: a certificate or a public key, not a chain); a non-empty certificate
// chain (what follows the leaf is checked against the trusted root by Verify); at least one tlog
// entry, each with non-negative indexes, a log id, kind/version and body; v0.1: an inclusion
// promise; v0.2+: an inclusion proof with a checkpoint. InvalidArgument naming the problem
// ("bundle: ...").
absl::StatusOr<Bundle> ParseBundle(absl::string_view json);

// Proto3 JSON of |bundle| (camelCase field names), for writing bundle files.
absl::StatusOr<std::string> BundleToJson(const dev::sigstore::bundle::v1::Bundle& bundle);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_BUNDLE_H_
