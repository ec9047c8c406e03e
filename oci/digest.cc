// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/digest.h"

#include <openssl/evp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vouch::oci {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 15];
  }
  return out;
}

bool IsAlgorithmChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsSeparator(char c) { return c == '+' || c == '.' || c == '_' || c == '-'; }

std::string Printable(absl::string_view s) {
  std::string out(s.substr(0, 80));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return s.size() > 80 ? out + "..." : out;
}

}  // namespace

absl::StatusOr<Digest> Digest::Parse(absl::string_view text) {
  const size_t colon = text.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest \"", Printable(text), "\": want algorithm:hex, e.g. sha256:..."));
  }
  const absl::string_view algorithm = text.substr(0, colon);
  const absl::string_view encoded = text.substr(colon + 1);
  // algorithm ::= component (separator component)*, component ::= [a-z0-9]+
  bool ok =
      !algorithm.empty() && IsAlgorithmChar(algorithm.front()) && IsAlgorithmChar(algorithm.back());
  for (size_t i = 0; ok && i < algorithm.size(); ++i) {
    const char c = algorithm[i];
    if (IsSeparator(c)) {
      ok = i + 1 < algorithm.size() && IsAlgorithmChar(algorithm[i + 1]);
    } else {
      ok = IsAlgorithmChar(c);
    }
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest \"", Printable(text), "\": malformed algorithm"));
  }
  size_t want_len = 0;
  if (algorithm == "sha256") {
    want_len = 64;
  } else if (algorithm == "sha512") {
    want_len = 128;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("digest \"", Printable(text), "\": unsupported algorithm \"",
                     Printable(algorithm), "\" (want sha256, sha512)"));
  }
  if (encoded.size() != want_len) {
    return absl::InvalidArgumentError(absl::StrFormat("digest \"%s\": %d hex digits, want %d",
                                                      Printable(text), encoded.size(), want_len));
  }
  for (char c : encoded) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return absl::InvalidArgumentError(
          absl::StrCat("digest \"", Printable(text), "\": want lowercase hex digits"));
    }
  }
  return Digest(std::string(algorithm), std::string(encoded));
}

Digest Digest::Sha256(absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return Digest("sha256", Hex(md, n));
}

Digest Digest::Sha512(absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha512(), nullptr);
  return Digest("sha512", Hex(md, n));
}

DigestVerifier::DigestVerifier(const Digest& want) : want_(want) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, want.algorithm() == "sha512" ? EVP_sha512() : EVP_sha256(), nullptr);
  ctx_ = ctx;
}

DigestVerifier::~DigestVerifier() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void DigestVerifier::Update(absl::string_view data) {
  bytes_ += data.size();
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Digest DigestVerifier::Actual() {
  if (!done_) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), md, &n);
    actual_ = Digest(want_.algorithm() == "sha512" ? "sha512" : "sha256", Hex(md, n));
    done_ = true;
  }
  return actual_;
}

absl::Status DigestVerifier::Finish(absl::string_view what) {
  const Digest actual = Actual();
  if (actual != want_) {
    return absl::DataLossError(absl::StrCat(what, ": content hashes to ", actual.ToString(),
                                            ", want ", want_.ToString(), " (", bytes_,
                                            " bytes; refusing it)"));
  }
  return absl::OkStatus();
}

}  // namespace vouch::oci
