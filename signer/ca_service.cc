// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/ca_service.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/file.h"
#include "base/logging.h"
#include "base/status.h"
#include "signer/openssl_crypto.h"
#include "signer/pkcs11_crypto.h"
#include "signer/tsa.h"
#include "signer/x509.h"

namespace vouch::signer {

namespace fulcio = ::dev::sigstore::fulcio::v2;

namespace {

// A chain file in the data directory: every read error is FailedPrecondition (CaService::New).
absl::StatusOr<std::string> ReadChainFile(const std::string& path) {
  absl::StatusOr<std::string> pem = ReadFile(path, 1 << 20);
  if (!pem.ok()) return absl::FailedPreconditionError(pem.status().message());
  return pem;
}

// Rotated-out CA and TSA chains and CT log keys in |dir| (see the header), oldest first.
absl::Status LoadRetiredChains(const std::string& dir, const std::string& base_url, absl::Time now,
                               std::vector<AuthorityChain>* cas, std::vector<AuthorityChain>* tsas,
                               std::vector<TlogKey>* ctlogs) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::FailedPreconditionError(absl::StrCat(dir, ": ", std::strerror(errno)));
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) names.emplace_back(e->d_name);
  ::closedir(d);
  std::vector<std::pair<int64_t, std::string>> found;  // (end, name)
  for (const std::string& name : names) {
    if (name == "." || name == "..") continue;
    absl::string_view rest = name;
    if (!absl::ConsumePrefix(&rest, "ca_chain.") && !absl::ConsumePrefix(&rest, "tsa_chain.") &&
        !absl::ConsumePrefix(&rest, "ct_key.")) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, "/", name,
                       ": unexpected file (want ca_chain.<END>.pem, tsa_chain.<END>.pem or "
                       "ct_key.<END>.pem)"));
    }
    int64_t end = 0;
    if (!absl::ConsumeSuffix(&rest, ".pem") || rest.empty() ||
        rest.find_first_not_of("0123456789") != absl::string_view::npos ||
        !absl::SimpleAtoi(rest, &end) || end <= 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, "/", name,
                       ": the name must be ca_chain.<END>.pem, tsa_chain.<END>.pem or "
                       "ct_key.<END>.pem with END the Unix time it stopped signing"));
    }
    found.emplace_back(end, name);
  }
  std::sort(found.begin(), found.end());
  for (const auto& [end, name] : found) {
    const std::string path = absl::StrCat(dir, "/", name);
    // A chain only ends in the past (or now): a future END would keep trusting a CA that was
    // retired, perhaps because it was compromised.
    if (end > absl::ToUnixSeconds(now) + 300) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": END ", end,
                       " is in the future (want the Unix time, in seconds, "
                       "when the chain stopped signing)"));
    }
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": not a regular file of at most 1 MiB"));
    }
    VOUCH_ASSIGN_OR_RETURN(std::string pem, ReadChainFile(path));
    if (absl::StartsWith(name, "ct_key.")) {
      // A CT log key: the public half only (the private key is destroyed or kept offline).
      auto key = OpenSslVerifier::FromPem(pem);
      if (!key.ok()) {
        return absl::FailedPreconditionError(absl::StrCat(
            path, ": not a PEM public key (", key.status().message(),
            "); write the old key's public half: openssl pkey -in ct_key.pem -pubout"));
      }
      // The window opens at the epoch: its end is what keeps the retired key from vouching for
      // anything later, and no SCT can predate the key anyway.
      ctlogs->push_back({base_url, (*key)->PublicKeyDer(), absl::UnixEpoch(),
                         absl::FromUnixSeconds(end), "vouch"});
      continue;
    }
    auto chain = ParsePemCertificates(pem);
    if (!chain.ok() || chain->empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": not a PEM certificate chain",
                       chain.ok() ? "" : absl::StrCat(" (", chain.status().message(), ")")));
    }
    const bool ca = absl::StartsWith(name, "ca_chain.");
    AuthorityChain c{"vouch",
                     absl::StrCat(ca ? "vouch CA" : "vouch TSA", " (retired ", end, ")"),
                     ca ? base_url : base_url + "/api/v1/timestamp",
                     *std::move(chain),
                     {},
                     absl::FromUnixSeconds(end),
                     ""};
    (ca ? cas : tsas)->push_back(std::move(c));
  }
  return absl::OkStatus();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

absl::Status WriteFileAtomic(const std::string& path, absl::string_view contents, int mode) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", tmp, ": ", strerror(errno)));
  }
  size_t off = 0;
  while (off < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::FailedPreconditionError(absl::StrCat("cannot write ", tmp, ": ", strerror(err)));
    }
    off += static_cast<size_t>(n);
  }
  ::fchmod(fd, static_cast<mode_t>(mode));
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return absl::FailedPreconditionError(absl::StrCat("cannot sync ", tmp));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("cannot rename to ", path, ": ", strerror(err)));
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

CaService::CaService(const CaServiceOptions& options, IssuedCertificateRecorder* recorder)
    : options_(options), recorder_(recorder) {}
CaService::~CaService() = default;

absl::StatusOr<std::unique_ptr<CaService>> CaService::New(const CaServiceOptions& options,
                                                          IssuedCertificateRecorder* recorder) {
  std::unique_ptr<CaService> service(new CaService(options, recorder));
  if (service->options_.clock == nullptr) service->options_.clock = Clock::Real();
  if (service->options_.signing_clock == nullptr) {
    service->options_.signing_clock = service->options_.clock;
  }
  VOUCH_RETURN_IF_ERROR(service->Init());
  return service;
}

absl::Status CaService::Init() {
  if (options_.data_dir.empty()) return absl::InvalidArgumentError("CA: empty data_dir");
  const std::string dir = std::string(absl::StripSuffix(options_.data_dir, "/"));
  const absl::Time now = options_.clock->Now();

  // Issuers.
  OidcOptions oidc;
  if (!options_.issuers_config_path.empty()) {
    auto issuers = LoadIssuersConfig(options_.issuers_config_path);
    if (!issuers.ok()) return Annotate(issuers.status(), options_.issuers_config_path);
    oidc.issuers = *std::move(issuers);
  }
  for (const IssuerConfig& c : options_.issuers) oidc.issuers.push_back(c);
  oidc.clock = options_.clock;
  oidc.clock_skew = options_.token_clock_skew;
  VOUCH_ASSIGN_OR_RETURN(oidc_, OidcVerifier::New(std::move(oidc)));

  // CA key and chain.
  std::unique_ptr<Signer> ca_key;
  if (!options_.pkcs11_key_uri.empty()) {
    Pkcs11Options p11;
    p11.module_path = options_.pkcs11_module;
    p11.key_uri = options_.pkcs11_key_uri;
    p11.pin = options_.pkcs11_pin;
    VOUCH_ASSIGN_OR_RETURN(ca_key, Pkcs11Signer::New(p11));
  } else {
    auto key = OpenSslSigner::LoadOrCreate(dir + "/ca_key.pem", options_.ca_key_type);
    if (!key.ok()) return Annotate(key.status(), "CA key");
    ca_key = *std::move(key);
  }
  const std::string chain_path = dir + "/ca_chain.pem";
  std::vector<std::string> ca_chain;
  if (Exists(chain_path)) {
    VOUCH_ASSIGN_OR_RETURN(std::string pem, ReadChainFile(chain_path));
    auto parsed = ParsePemCertificates(pem);
    if (!parsed.ok())
      return absl::FailedPreconditionError(
          absl::StrCat(chain_path, ": ", parsed.status().message()));
    ca_chain = *std::move(parsed);
  } else {
    VOUCH_ASSIGN_OR_RETURN(std::string root,
                           CreateRootCertificate(*ca_key, {"vouch", "vouch CA"},
                                                 now - absl::Minutes(5), absl::Hours(24 * 3650)));
    ca_chain = {root};
    VOUCH_RETURN_IF_ERROR(WriteFileAtomic(chain_path, ChainToPem(ca_chain), 0600));
    VLOG_INFO << "created CA root certificate " << chain_path;
  }
  // The TSA certificate is issued by the CA key before the key moves into the CA.
  std::unique_ptr<OpenSslSigner> tsa_key;
  std::vector<std::string> tsa_chain;
  if (options_.enable_tsa) {
    auto key = OpenSslSigner::LoadOrCreate(dir + "/tsa_key.pem", options_.ca_key_type);
    if (!key.ok()) return Annotate(key.status(), "TSA key");
    tsa_key = *std::move(key);
    const std::string tsa_chain_path = dir + "/tsa_chain.pem";
    if (Exists(tsa_chain_path)) {
      VOUCH_ASSIGN_OR_RETURN(std::string pem, ReadChainFile(tsa_chain_path));
      auto parsed = ParsePemCertificates(pem);
      if (!parsed.ok()) {
        return absl::FailedPreconditionError(
            absl::StrCat(tsa_chain_path, ": ", parsed.status().message()));
      }
      tsa_chain = *std::move(parsed);
    } else {
      auto cert = CreateTsaCertificate(*ca_key, ca_chain[0], tsa_key->PublicKeyDer(),
                                       {"vouch", "vouch TSA"}, now - absl::Minutes(5),
                                       absl::Hours(24 * 3650));
      if (!cert.ok()) return Annotate(cert.status(), "TSA certificate");
      tsa_chain.push_back(*cert);
      for (const std::string& c : ca_chain) tsa_chain.push_back(c);
      VOUCH_RETURN_IF_ERROR(WriteFileAtomic(tsa_chain_path, ChainToPem(tsa_chain), 0600));
      VLOG_INFO << "created TSA certificate " << tsa_chain_path;
    }
  }
  CaOptions ca_options;
  ca_options.validity = options_.cert_validity;
  ca_options.clock = options_.signing_clock;
  ca_options.ct_log = options_.ct_log;
  auto ca = CertificateAuthority::New(std::move(ca_key), ca_chain, ca_options);
  if (!ca.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(chain_path, ": ", ca.status().message()));
  }
  ca_ = *std::move(ca);
  if (options_.enable_tsa) {
    TsaOptions tsa_options;
    tsa_options.clock = options_.signing_clock;
    auto tsa = TimestampAuthority::New(std::move(tsa_key), tsa_chain, tsa_options);
    if (!tsa.ok())
      return absl::FailedPreconditionError(absl::StrCat("TSA: ", tsa.status().message()));
    tsa_ = *std::move(tsa);
  }

  // Trust documents (static until the next start).
  const std::string base = std::string(absl::StripSuffix(options_.public_url, "/"));
  TrustedRootSpec root;
  for (const TlogKey& k : options_.previous_log_keys) root.tlogs.push_back(k);
  if (!options_.log_public_key_der.empty()) {
    root.tlogs.push_back({base, options_.log_public_key_der, options_.log_key_valid_from, {}, ""});
  }
  for (const AuthorityChain& c : options_.previous_certificate_authorities) {
    root.certificate_authorities.push_back(c);
  }
  std::vector<AuthorityChain> retired_tsas;
  for (const TlogKey& k : options_.previous_ct_log_keys) root.ctlogs.push_back(k);
  VOUCH_RETURN_IF_ERROR(LoadRetiredChains(options_.data_dir + "/retired", base,
                                          options_.clock->Now(), &root.certificate_authorities,
                                          &retired_tsas, &root.ctlogs));
  if (!options_.ct_log_public_key_der.empty()) {
    root.ctlogs.push_back(
        {base, options_.ct_log_public_key_der, options_.ct_log_key_valid_from, {}, "vouch"});
  }
  root.certificate_authorities.push_back({"vouch", "vouch CA", base, ca_->chain_der(), {}, {}, ""});
  for (const AuthorityChain& c : root.certificate_authorities) ca_chains_.push_back(c.chain_der);
  for (const AuthorityChain& c : options_.previous_timestamp_authorities) {
    root.timestamp_authorities.push_back(c);
  }
  for (AuthorityChain& c : retired_tsas) root.timestamp_authorities.push_back(std::move(c));
  if (tsa_ != nullptr) {
    root.timestamp_authorities.push_back(
        {"vouch", "vouch TSA", base + "/api/v1/timestamp", tsa_->chain_der(), {}, {}, ""});
  }
  VOUCH_ASSIGN_OR_RETURN(trusted_root_json_, TrustedRootJson(root));
  SigningConfigSpec signing;
  const absl::Time start = options_.log_key_valid_from;
  signing.ca_urls.push_back({base, 1, start, {}, "vouch"});
  if (!options_.oidc_url.empty())
    signing.oidc_urls.push_back({options_.oidc_url, 1, start, {}, ""});
  signing.rekor_tlog_urls.push_back({base, 1, start, {}, "vouch"});
  if (tsa_ != nullptr)
    signing.tsa_urls.push_back({base + "/api/v1/timestamp", 1, start, {}, "vouch"});
  VOUCH_ASSIGN_OR_RETURN(signing_config_json_, SigningConfigJson(signing));
  return absl::OkStatus();
}

const std::vector<std::string>& CaService::ca_chain_der() const { return ca_->chain_der(); }

std::vector<std::string> CaService::tsa_chain_der() const {
  return tsa_ != nullptr ? tsa_->chain_der() : std::vector<std::string>();
}

absl::StatusOr<fulcio::SigningCertificate> CaService::CreateSigningCertificate(
    const fulcio::CreateSigningCertificateRequest& request, absl::string_view bearer_token) const {
  std::string token = request.credentials().oidc_identity_token();
  if (token.empty()) token = std::string(bearer_token);
  if (token.empty()) {
    return absl::UnauthenticatedError(
        "missing identity token (credentials.oidcIdentityToken or Authorization: Bearer)");
  }
  VOUCH_ASSIGN_OR_RETURN(Identity identity, oidc_->Verify(token));
  std::string spki;
  switch (request.key_case()) {
    case fulcio::CreateSigningCertificateRequest::kPublicKeyRequest: {
      const fulcio::PublicKeyRequest& pkr = request.public_key_request();
      if (pkr.public_key().content().empty()) {
        return absl::InvalidArgumentError("missing publicKeyRequest.publicKey.content");
      }
      VOUCH_ASSIGN_OR_RETURN(auto verifier, ParseLeafKey(pkr.public_key().content(), &spki));
      VOUCH_RETURN_IF_ERROR(
          VerifyProofOfPossession(*verifier, identity.challenge, pkr.proof_of_possession()));
      break;
    }
    case fulcio::CreateSigningCertificateRequest::kCertificateSigningRequest: {
      VOUCH_ASSIGN_OR_RETURN(spki, VerifyCsr(request.certificate_signing_request()));
      break;
    }
    default:
      return absl::InvalidArgumentError(
          "missing key: send publicKeyRequest or certificateSigningRequest");
  }
  VOUCH_ASSIGN_OR_RETURN(IssuedCertificate issued, ca_->Issue(identity, spki));
  if (recorder_ != nullptr) {
    absl::Status recorded = recorder_->Record(issued);
    if (!recorded.ok()) {
      VLOG_ERROR << "recording certificate " << issued.serial_hex << " failed: " << recorded;
      return absl::UnavailableError(
          absl::StrCat("the certificate could not be recorded: ", recorded.message()));
    }
  }
  VLOG_DEBUG << "issued certificate " << issued.serial_hex << " for " << issued.identity;
  fulcio::SigningCertificate out;
  fulcio::CertificateChain* chain = out.mutable_signed_certificate_embedded_sct()->mutable_chain();
  chain->add_certificates(CertificateDerToPem(issued.certificate_der));
  for (const std::string& der : ca_->chain_der()) chain->add_certificates(CertificateDerToPem(der));
  return out;
}

fulcio::TrustBundle CaService::GetTrustBundle() const {
  fulcio::TrustBundle bundle;
  fulcio::CertificateChain* chain = bundle.add_chains();
  for (const std::string& der : ca_->chain_der()) chain->add_certificates(CertificateDerToPem(der));
  return bundle;
}

fulcio::Configuration CaService::GetConfiguration() const {
  fulcio::Configuration config;
  for (const IssuerConfig& c : oidc_->issuers()) {
    fulcio::OIDCIssuer* issuer = config.add_issuers();
    if (!c.issuer_url.empty()) {
      issuer->set_issuer_url(c.issuer_url);
    } else {
      issuer->set_wildcard_issuer_url(c.wildcard_issuer_url);
    }
    issuer->set_audience(c.audience);
    std::string claim = c.challenge_claim;
    if (claim.empty()) claim = c.type == IdentityType::kEmail ? "email" : "sub";
    issuer->set_challenge_claim(claim);
    if (!c.spiffe_trust_domain.empty()) issuer->set_spiffe_trust_domain(c.spiffe_trust_domain);
  }
  return config;
}

absl::StatusOr<std::string> CaService::Timestamp(absl::string_view request_der) const {
  if (tsa_ == nullptr) return absl::FailedPreconditionError("the timestamp authority is disabled");
  return tsa_->Timestamp(request_der);
}

absl::StatusOr<std::vector<std::string>> CaService::GetTimestampCertChain() const {
  if (tsa_ == nullptr) return absl::NotFoundError("the timestamp authority is disabled");
  return tsa_->chain_der();
}

std::string BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  if (authorization.size() > 7 && absl::EqualsIgnoreCase(authorization.substr(0, 7), "bearer ")) {
    return std::string(absl::StripAsciiWhitespace(authorization.substr(7)));
  }
  return "";
}

}  // namespace vouch::signer
