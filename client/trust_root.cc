// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/trust_root.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "base/status.h"
#include "google/protobuf/util/json_util.h"
#include "proto/sigstore/sigstore_trustroot.pb.h"
#include "signer/openssl_crypto.h"

namespace vouch::client {
namespace {

namespace common = ::dev::sigstore::common::v1;
namespace tr = ::dev::sigstore::trustroot::v1;

absl::Time ToTime(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

// Reads a TimeRange; |what| names the owner for messages. A missing start is an error: an open
// start would silently widen trust.
absl::Status ReadRange(const common::TimeRange& range, bool present, absl::string_view what,
                       absl::Time* from, absl::Time* until) {
  if (!present || !range.has_start()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": validFor has no start"));
  }
  *from = ToTime(range.start());
  *until = range.has_end() ? ToTime(range.end()) : absl::InfiniteFuture();
  return absl::OkStatus();
}

absl::StatusOr<TrustedChain> ReadChain(const tr::CertificateAuthority& ca, absl::string_view what) {
  TrustedChain chain;
  for (const auto& c : ca.cert_chain().certificates()) {
    auto cert = Certificate::FromDer(c.raw_bytes());
    if (!cert.ok()) return Annotate(cert.status(), what);
    chain.certificates.push_back(*std::move(cert));
  }
  if (chain.certificates.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": empty certificate chain"));
  }
  VOUCH_RETURN_IF_ERROR(
      ReadRange(ca.valid_for(), ca.has_valid_for(), what, &chain.valid_from, &chain.valid_until));
  return chain;
}

}  // namespace

std::string TransparencyLog::Host() const {
  absl::string_view u = base_url;
  size_t scheme = u.find("://");
  if (scheme != absl::string_view::npos) u.remove_prefix(scheme + 3);
  size_t slash = u.find('/');
  if (slash != absl::string_view::npos) u = u.substr(0, slash);
  return std::string(u);
}

absl::StatusOr<TrustRoot> TrustRoot::FromFile(const std::string& path) {
  VOUCH_ASSIGN_OR_RETURN(std::string json, ReadFile(path));
  auto root = FromJson(json);
  if (!root.ok()) return Annotate(root.status(), path);
  return root;
}

absl::StatusOr<TrustRoot> TrustRoot::FromJson(absl::string_view json) {
  tr::TrustedRoot proto;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &proto, options);
  if (!st.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("trusted root: ", st.ToString()));
  }
  if (absl::StartsWith(proto.media_type(), "application/vnd.dev.sigstore.clienttrustconfig")) {
    // A ClientTrustConfig: the trusted root is one of its fields.
    tr::ClientTrustConfig config;
    st = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(json.data(), json.size()), &config, options);
    if (!st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("client trust config: ", st.ToString()));
    }
    if (!config.has_trusted_root()) {
      return absl::InvalidArgumentError("client trust config: no trustedRoot");
    }
    proto = config.trusted_root();
  }
  const std::string& mt = proto.media_type();
  if (!mt.empty() && mt != "application/vnd.dev.sigstore.trustedroot+json;version=0.1" &&
      mt != "application/vnd.dev.sigstore.trustedroot.v0.1+json" &&
      mt != "application/vnd.dev.sigstore.trustedroot.v0.2+json" &&
      // Not a spelling protobuf-specs defines, but vouchd before 2026-12 served it for v0.2.
      mt != "application/vnd.dev.sigstore.trustedroot+json;version=0.2") {
    return absl::InvalidArgumentError(absl::StrCat("trusted root: unknown media type ", mt));
  }
  TrustRoot root;
  for (int i = 0; i < proto.tlogs_size(); ++i) {
    const tr::TransparencyLogInstance& in = proto.tlogs(i);
    TransparencyLog log;
    log.base_url = in.base_url();
    log.log_id = in.log_id().key_id();
    log.checkpoint_key_id = in.checkpoint_key_id().key_id();
    log.public_key_der = in.public_key().raw_bytes();
    VOUCH_RETURN_IF_ERROR(ReadRange(in.public_key().valid_for(), in.public_key().has_valid_for(),
                                    absl::StrCat("trusted root: tlog ", log.base_url),
                                    &log.valid_from, &log.valid_until));
    auto verifier = signer::OpenSslVerifier::FromDer(log.public_key_der);
    if (verifier.ok()) log.verifier = std::shared_ptr<const signer::Verifier>(*std::move(verifier));
    if (log.log_id.empty() && log.verifier != nullptr) {
      log.log_id = signer::Sha256(log.public_key_der);
    }
    root.tlogs_.push_back(std::move(log));
  }
  for (int i = 0; i < proto.certificate_authorities_size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(
        TrustedChain chain,
        ReadChain(proto.certificate_authorities(i),
                  absl::StrCat("trusted root: CA ", proto.certificate_authorities(i).uri())));
    root.cas_.push_back(std::move(chain));
  }
  for (int i = 0; i < proto.ctlogs_size(); ++i) {
    const tr::TransparencyLogInstance& in = proto.ctlogs(i);
    CtLogKey log;
    log.log_id = in.log_id().key_id();
    log.public_key_der = in.public_key().raw_bytes();
    VOUCH_RETURN_IF_ERROR(ReadRange(in.public_key().valid_for(), in.public_key().has_valid_for(),
                                    absl::StrCat("trusted root: CT log ", in.base_url()),
                                    &log.valid_from, &log.valid_until));
    auto verifier = signer::OpenSslVerifier::FromDer(log.public_key_der);
    if (verifier.ok()) log.verifier = std::shared_ptr<const signer::Verifier>(*std::move(verifier));
    root.ctlogs_.push_back(std::move(log));
  }
  for (int i = 0; i < proto.timestamp_authorities_size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(
        TrustedChain chain,
        ReadChain(proto.timestamp_authorities(i),
                  absl::StrCat("trusted root: TSA ", proto.timestamp_authorities(i).uri())));
    root.tsas_.push_back(std::move(chain));
  }
  return root;
}

const TransparencyLog* TrustRoot::FindLog(absl::string_view log_id) const {
  for (const TransparencyLog& log : tlogs_) {
    if (log.log_id == log_id) return &log;
  }
  return nullptr;
}

}  // namespace vouch::client
