// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Content digests as OCI uses them ("sha256:<64 lowercase hex>", also sha512), and a streaming
// verifier that hashes bytes as they arrive and compares them with the digest they were asked
// for. Digest is a value type; DigestVerifier is thread-compatible (one per stream).
#ifndef VOUCH_OCI_DIGEST_H_
#define VOUCH_OCI_DIGEST_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vouch::oci {

class Digest {
 public:
  // Parses "algorithm:encoded" (OCI image-spec descriptor grammar). Only sha256 (64 hex digits)
  // and sha512 (128) are accepted, lowercase, since those are the ones that can be verified.
  // InvalidArgument naming what is wrong otherwise.
  static absl::StatusOr<Digest> Parse(absl::string_view text);
  // The digests of |data|.
  static Digest Sha256(absl::string_view data);
  static Digest Sha512(absl::string_view data);

  Digest() = default;  // empty: ToString() is "", ok() false
  bool ok() const { return !algorithm_.empty(); }
  const std::string& algorithm() const { return algorithm_; }
  const std::string& hex() const { return hex_; }
  std::string ToString() const { return ok() ? algorithm_ + ":" + hex_ : std::string(); }
  // "sha256-<hex>": the tag of the referrers tag schema (and cosign's tag prefix).
  std::string TagName() const { return algorithm_ + "-" + hex_; }

  friend bool operator==(const Digest& a, const Digest& b) {
    return a.algorithm_ == b.algorithm_ && a.hex_ == b.hex_;
  }
  friend bool operator!=(const Digest& a, const Digest& b) { return !(a == b); }
  friend bool operator<(const Digest& a, const Digest& b) {
    return a.algorithm_ != b.algorithm_ ? a.algorithm_ < b.algorithm_ : a.hex_ < b.hex_;
  }

 private:
  friend class DigestVerifier;
  Digest(std::string algorithm, std::string hex)
      : algorithm_(std::move(algorithm)), hex_(std::move(hex)) {}
  std::string algorithm_;
  std::string hex_;
};

// Hashes a stream with the algorithm of the digest it is expected to have. Update() as bytes
// arrive, then Finish() once: OK if the bytes hash to |want|, else DataLoss naming both digests
// and |what| (e.g. "blob sha256:ab.. from registry 127.0.0.1:5000").
class DigestVerifier {
 public:
  explicit DigestVerifier(const Digest& want);
  ~DigestVerifier();
  DigestVerifier(const DigestVerifier&) = delete;
  DigestVerifier& operator=(const DigestVerifier&) = delete;

  void Update(absl::string_view data);
  uint64_t bytes() const { return bytes_; }
  // The digest of everything seen so far (may be called once; Finish() calls it).
  Digest Actual();
  absl::Status Finish(absl::string_view what);

 private:
  Digest want_;
  void* ctx_;  // EVP_MD_CTX*
  uint64_t bytes_ = 0;
  bool done_ = false;
  Digest actual_;
};

}  // namespace vouch::oci

#endif  // VOUCH_OCI_DIGEST_H_
