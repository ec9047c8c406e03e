// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
// The EC_KEY functions are deprecated in OpenSSL 3.0 but remain, and are the fast path for
// ECDSA across threads (see the header).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "signer/openssl_crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/file.h"
#include "base/openssl_ptr.h"
#include "base/status.h"

namespace vouch::signer {
namespace {

EVP_PKEY* P(void* p) { return static_cast<EVP_PKEY*>(p); }
EC_KEY* E(void* p) { return static_cast<EC_KEY*>(p); }

bool IsEcdsa(KeyType t) {
  return t == KeyType::kEcdsaP256 || t == KeyType::kEcdsaP384 || t == KeyType::kEcdsaP521;
}

// The legacy EC_KEY of an ECDSA |pkey| (a new reference), or null for other key types.
void* LegacyEcKey(EVP_PKEY* pkey, KeyType type) {
  if (!IsEcdsa(type)) return nullptr;
  EC_KEY* ec = EVP_PKEY_get1_EC_KEY(pkey);
  if (ec == nullptr) ERR_clear_error();  // Falls back to EVP.
  return ec;
}

// ECDSA over a digest with the EC_KEY functions: DER signature.
absl::StatusOr<std::string> EcdsaSignDigest(EC_KEY* ec, absl::string_view digest) {
  std::string sig(static_cast<size_t>(ECDSA_size(ec)), '\0');
  unsigned int len = 0;
  if (ECDSA_sign(0, reinterpret_cast<const unsigned char*>(digest.data()),
                 static_cast<int>(digest.size()), reinterpret_cast<unsigned char*>(sig.data()),
                 &len, ec) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslErrors()));
  }
  sig.resize(len);
  return sig;
}

absl::Status EcdsaVerifyDigest(EC_KEY* ec, KeyType type, absl::string_view digest,
                               absl::string_view signature) {
  // ECDSA_verify rejects non-canonical DER (it re-encodes and compares) with -1.
  const int rc = ECDSA_verify(0, reinterpret_cast<const unsigned char*>(digest.data()),
                              static_cast<int>(digest.size()),
                              reinterpret_cast<const unsigned char*>(signature.data()),
                              static_cast<int>(signature.size()), ec);
  if (rc == 1) return absl::OkStatus();
  ERR_clear_error();
  if (rc == 0) return absl::PermissionDeniedError("signature does not verify");
  return absl::InvalidArgumentError(absl::StrCat("malformed ", KeyTypeName(type), " signature"));
}

const EVP_MD* Md(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha384:
      return EVP_sha384();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

// Classifies |pkey| into a supported KeyType.
absl::StatusOr<KeyType> Classify(EVP_PKEY* pkey, bool rsa_pss) {
  const int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_ED25519) return KeyType::kEd25519;
  if (id == EVP_PKEY_EC) {
    char curve[64] = {0};
    size_t len = 0;
    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
                                        &len)) {
      return absl::InvalidArgumentError("unsupported key: EC key without a named curve");
    }
    const std::string c(curve, len);
    if (c == "prime256v1" || c == "P-256") return KeyType::kEcdsaP256;
    if (c == "secp384r1" || c == "P-384") return KeyType::kEcdsaP384;
    if (c == "secp521r1" || c == "P-521") return KeyType::kEcdsaP521;
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported key: ECDSA curve ", c, " (want P-256, P-384 or P-521)"));
  }
  if (id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS) {
    const int bits = EVP_PKEY_get_bits(pkey);
    if (bits < 2048 || bits > 4096) {
      return absl::InvalidArgumentError(
          absl::StrCat("unsupported key: RSA-", bits, " (want 2048 to 4096 bits)"));
    }
    BIGNUM* e = nullptr;
    if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e)) {
      return absl::InvalidArgumentError("unsupported key: RSA key without exponent");
    }
    const bool ok = BN_is_word(e, 65537);
    BN_free(e);
    if (!ok) return absl::InvalidArgumentError("unsupported key: RSA exponent must be 65537");
    return (rsa_pss || id == EVP_PKEY_RSA_PSS) ? KeyType::kRsaPss : KeyType::kRsaPkcs1;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported key: algorithm ", OBJ_nid2sn(id),
                   " (want ECDSA P-256/P-384/P-521, Ed25519 or RSA 2048-4096)"));
}

absl::Status ConfigureRsa(EVP_PKEY_CTX* pctx, KeyType type) {
  if (type == KeyType::kRsaPss) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0) {
      return absl::InternalError(absl::StrCat("RSA-PSS setup: ", OpenSslErrors()));
    }
  } else if (type == KeyType::kRsaPkcs1) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0) {
      return absl::InternalError(absl::StrCat("RSA setup: ", OpenSslErrors()));
    }
  }
  return absl::OkStatus();
}

bool IsRsa(KeyType t) { return t == KeyType::kRsaPkcs1 || t == KeyType::kRsaPss; }

std::string SpkiDer(EVP_PKEY* pkey) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(pkey, &der);
  if (len <= 0) return "";
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

absl::Status WriteNewFile(const std::string& path, const std::string& contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  const bool ok =
      ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  // link() fails if |path| appeared meanwhile (another process created the key first).
  if (!ok || ::link(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot write key file: ", std::strerror(err)));
  }
  ::unlink(tmp.c_str());
  return absl::OkStatus();
}

// The index of an ECDSA key type's curve (0: P-256, 1: P-384, 2: P-521), or -1.
int CurveIndex(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return 0;
    case KeyType::kEcdsaP384:
      return 1;
    case KeyType::kEcdsaP521:
      return 2;
    default:
      return -1;
  }
}

// An EC_KEY on the curve of |type| without a public key yet (owned by the caller).
absl::StatusOr<EC_KEY*> NewEcKey(KeyType type) {
  // EC_KEY_new_by_curve_name builds the curve from its parameters each time, including a
  // modular inverse for the Montgomery constants (~40% of parsing a hashedrekord entry); the
  // group is built once per curve and copied instead (EC_KEY_set_group duplicates it).
  static constexpr int kNids[3] = {NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1};
  static const EC_GROUP* const kGroups[3] = {EC_GROUP_new_by_curve_name(kNids[0]),
                                             EC_GROUP_new_by_curve_name(kNids[1]),
                                             EC_GROUP_new_by_curve_name(kNids[2])};
  const int curve = CurveIndex(type);
  if (curve < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported key: ", KeyTypeName(type), " is not an ECDSA key type"));
  }
  const EC_GROUP* group = kGroups[curve];
  // (Should building a group have failed once, build it per key.)
  EC_KEY* ec = group != nullptr ? EC_KEY_new() : EC_KEY_new_by_curve_name(kNids[curve]);
  if (ec == nullptr || (group != nullptr && EC_KEY_set_group(ec, group) != 1)) {
    EC_KEY_free(ec);
    return absl::InternalError(absl::StrCat("EC key: ", OpenSslErrors()));
  }
  return ec;
}

}  // namespace

const char* KeyTypeName(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return "ecdsa-p256";
    case KeyType::kEcdsaP384:
      return "ecdsa-p384";
    case KeyType::kEcdsaP521:
      return "ecdsa-p521";
    case KeyType::kEd25519:
      return "ed25519";
    case KeyType::kRsaPkcs1:
      return "rsa-pkcs1";
    case KeyType::kRsaPss:
      return "rsa-pss";
  }
  return "unknown";
}

std::string OpenSslErrors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

size_t DigestSize(HashAlgorithm hash) {
  switch (hash) {
    case HashAlgorithm::kSha256:
      return 32;
    case HashAlgorithm::kSha384:
      return 48;
    case HashAlgorithm::kSha512:
      return 64;
  }
  return 0;
}

HashAlgorithm DigestForKeyType(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP384:
      return HashAlgorithm::kSha384;
    case KeyType::kEcdsaP521:
    case KeyType::kEd25519:
      return HashAlgorithm::kSha512;
    default:
      return HashAlgorithm::kSha256;
  }
}

// The low-level contexts: OpenSSL 3's one-shot SHA256()/EVP_Digest() fetch the algorithm from
// the provider (taking a global lock) on every call, which showed up under 64-client load.
std::string Digest(HashAlgorithm hash, absl::string_view data) {
  unsigned char out[SHA512_DIGEST_LENGTH];
  switch (hash) {
    case HashAlgorithm::kSha384: {
      SHA512_CTX ctx;
      SHA384_Init(&ctx);
      SHA384_Update(&ctx, data.data(), data.size());
      SHA384_Final(out, &ctx);
      return std::string(reinterpret_cast<char*>(out), SHA384_DIGEST_LENGTH);
    }
    case HashAlgorithm::kSha512: {
      SHA512_CTX ctx;
      SHA512_Init(&ctx);
      SHA512_Update(&ctx, data.data(), data.size());
      SHA512_Final(out, &ctx);
      return std::string(reinterpret_cast<char*>(out), SHA512_DIGEST_LENGTH);
    }
    case HashAlgorithm::kSha256:
      break;
  }
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out, &ctx);
  return std::string(reinterpret_cast<char*>(out), SHA256_DIGEST_LENGTH);
}

std::string Sha256(absl::string_view data) { return Digest(HashAlgorithm::kSha256, data); }
std::string Sha384(absl::string_view data) { return Digest(HashAlgorithm::kSha384, data); }
std::string Sha512(absl::string_view data) { return Digest(HashAlgorithm::kSha512, data); }

absl::StatusOr<std::string> PublicKeyDetailsName(KeyType type, int rsa_bits, bool ed25519_prehash) {
  switch (type) {
    case KeyType::kEcdsaP256:
      return std::string("PKIX_ECDSA_P256_SHA_256");
    case KeyType::kEcdsaP384:
      return std::string("PKIX_ECDSA_P384_SHA_384");
    case KeyType::kEcdsaP521:
      return std::string("PKIX_ECDSA_P521_SHA_512");
    case KeyType::kEd25519:
      return std::string(ed25519_prehash ? "PKIX_ED25519_PH" : "PKIX_ED25519");
    case KeyType::kRsaPkcs1:
    case KeyType::kRsaPss:
      if (rsa_bits == 2048 || rsa_bits == 3072 || rsa_bits == 4096) {
        return absl::StrCat("PKIX_RSA_", type == KeyType::kRsaPss ? "PSS" : "PKCS1V15", "_",
                            rsa_bits, "_SHA256");
      }
      return absl::InvalidArgumentError(
          absl::StrCat("no key details for RSA-", rsa_bits, " (want 2048, 3072 or 4096 bits)"));
  }
  return absl::InvalidArgumentError("unknown key type");
}

std::string PublicKeyDerToPem(absl::string_view der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  PkeyPtr key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (key == nullptr) return "";
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), key.get());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> PemToDer(absl::string_view pem, absl::string_view label) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* data = nullptr;
  long len = 0;
  if (!PEM_read_bio(bio.get(), &name, &header, &data, &len)) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("not a PEM ", label, " block"));
  }
  const bool match = std::string(name) == std::string(label);
  std::string der(reinterpret_cast<char*>(data), static_cast<size_t>(len));
  const std::string found(name);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(data);
  if (!match) {
    return absl::InvalidArgumentError(
        absl::StrCat("PEM block is \"", found, "\", want \"", label, "\""));
  }
  return der;
}

// ---------------------------------------------------------------------------- OpenSslSigner

absl::StatusOr<std::unique_ptr<OpenSslSigner>> OpenSslSigner::Generate(KeyType type) {
  EVP_PKEY* pkey = nullptr;
  switch (type) {
    case KeyType::kEcdsaP256:
      pkey = EVP_EC_gen("P-256");
      break;
    case KeyType::kEcdsaP384:
      pkey = EVP_EC_gen("P-384");
      break;
    case KeyType::kEcdsaP521:
      pkey = EVP_EC_gen("P-521");
      break;
    case KeyType::kEd25519:
      pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      break;
    case KeyType::kRsaPkcs1:
    case KeyType::kRsaPss:
      pkey = EVP_RSA_gen(3072);
      break;
  }
  if (pkey == nullptr) {
    return absl::InternalError(absl::StrCat("key generation: ", OpenSslErrors()));
  }
  return std::unique_ptr<OpenSslSigner>(new OpenSslSigner(pkey, type));
}

absl::StatusOr<std::unique_ptr<OpenSslSigner>> OpenSslSigner::FromPem(absl::string_view pem,
                                                                      bool rsa_pss) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not a PEM private key");
  }
  VOUCH_ASSIGN_OR_RETURN(KeyType type, Classify(pkey.get(), rsa_pss));
  return std::unique_ptr<OpenSslSigner>(new OpenSslSigner(pkey.release(), type));
}

absl::StatusOr<std::unique_ptr<OpenSslSigner>> OpenSslSigner::LoadOrCreate(const std::string& path,
                                                                           KeyType type) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": private key file is readable by group or others (mode ",
                       absl::StrFormat("%o", st.st_mode & 0777), "); chmod 600 it"));
    }
    absl::StatusOr<std::string> pem = ReadFile(path);
    if (!pem.ok()) return absl::FailedPreconditionError(pem.status().message());
    auto signer = FromPem(*pem);
    if (!signer.ok()) return Annotate(signer.status(), path);
    return signer;
  }
  if (errno != ENOENT) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  VOUCH_ASSIGN_OR_RETURN(auto signer, Generate(type));
  absl::Status written = WriteNewFile(path, signer->PrivateKeyPem());
  if (!written.ok()) {
    // Lost a race with another creator: use its key.
    if (::stat(path.c_str(), &st) == 0) return LoadOrCreate(path, type);
    return written;
  }
  return signer;
}

OpenSslSigner::OpenSslSigner(void* pkey, KeyType type)
    : pkey_(pkey), ec_(LegacyEcKey(P(pkey), type)), type_(type) {}

OpenSslSigner::~OpenSslSigner() {
  EC_KEY_free(E(ec_));
  EVP_PKEY_free(P(pkey_));
}

std::string OpenSslSigner::PublicKeyDer() const {
  absl::call_once(spki_once_, [this] { spki_ = SpkiDer(P(pkey_)); });
  return spki_;
}

int OpenSslSigner::bits() const { return EVP_PKEY_get_bits(P(pkey_)); }

std::string OpenSslSigner::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), P(pkey_), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> OpenSslSigner::Sign(absl::string_view message) const {
  if (ec_ != nullptr) return EcdsaSignDigest(E(ec_), Digest(DigestForKeyType(type_), message));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = type_ == KeyType::kEd25519 ? nullptr : Md(DigestForKeyType(type_));
  if (EVP_DigestSignInit(ctx.get(), &pctx, md, nullptr, P(pkey_)) != 1) {
    return absl::InternalError(absl::StrCat("sign init: ", OpenSslErrors()));
  }
  if (IsRsa(type_)) VOUCH_RETURN_IF_ERROR(ConfigureRsa(pctx, type_));
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data, message.size()) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslErrors()));
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     message.size()) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslErrors()));
  }
  sig.resize(len);
  return sig;
}

absl::StatusOr<std::string> OpenSslSigner::SignDigest(HashAlgorithm hash,
                                                      absl::string_view digest) const {
  if (type_ == KeyType::kEd25519) {
    return absl::UnimplementedError("Ed25519 signs messages, not digests");
  }
  if (digest.size() != DigestSize(hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest length ", digest.size(), ", want ", DigestSize(hash)));
  }
  if (ec_ != nullptr) return EcdsaSignDigest(E(ec_), digest);
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new(P(pkey_), nullptr));
  if (EVP_PKEY_sign_init(pctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(pctx.get(), Md(hash)) != 1) {
    return absl::InternalError(absl::StrCat("sign init: ", OpenSslErrors()));
  }
  if (IsRsa(type_)) VOUCH_RETURN_IF_ERROR(ConfigureRsa(pctx.get(), type_));
  size_t len = 0;
  const auto* d = reinterpret_cast<const unsigned char*>(digest.data());
  if (EVP_PKEY_sign(pctx.get(), nullptr, &len, d, digest.size()) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslErrors()));
  }
  std::string sig(len, '\0');
  if (EVP_PKEY_sign(pctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, d,
                    digest.size()) != 1) {
    return absl::InternalError(absl::StrCat("sign: ", OpenSslErrors()));
  }
  sig.resize(len);
  return sig;
}

// ---------------------------------------------------------------------------- OpenSslVerifier

absl::StatusOr<std::unique_ptr<OpenSslVerifier>> OpenSslVerifier::FromEvpPkey(void* pkey,
                                                                              bool rsa_pss) {
  PkeyPtr owned(P(pkey));
  if (owned == nullptr) return absl::InvalidArgumentError("no public key");
  VOUCH_ASSIGN_OR_RETURN(KeyType type, Classify(owned.get(), rsa_pss));
  return std::unique_ptr<OpenSslVerifier>(new OpenSslVerifier(owned.release(), type));
}

absl::StatusOr<std::unique_ptr<OpenSslVerifier>> OpenSslVerifier::FromEcPoint(
    KeyType type, absl::string_view point) {
  VOUCH_ASSIGN_OR_RETURN(EC_KEY * ec, NewEcKey(type));
  // o2i_ECPublicKey decodes the point and checks that it is on the curve.
  const unsigned char* p = reinterpret_cast<const unsigned char*>(point.data());
  EVP_PKEY* pkey = nullptr;
  if (o2i_ECPublicKey(&ec, &p, static_cast<long>(point.size())) == nullptr ||
      (pkey = EVP_PKEY_new()) == nullptr || EVP_PKEY_assign_EC_KEY(pkey, ec) != 1) {
    EVP_PKEY_free(pkey);
    EC_KEY_free(ec);
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("malformed public key: not a point on ", KeyTypeName(type)));
  }
  return std::unique_ptr<OpenSslVerifier>(new OpenSslVerifier(pkey, type));  // Owns ec now.
}

absl::StatusOr<std::unique_ptr<OpenSslVerifier>> OpenSslVerifier::FromDer(
    absl::string_view spki_der, bool rsa_pss) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(spki_der.data());
  EVP_PKEY* pkey = d2i_PUBKEY(nullptr, &p, static_cast<long>(spki_der.size()));
  if (pkey == nullptr ||
      p != reinterpret_cast<const unsigned char*>(spki_der.data()) + spki_der.size()) {
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed public key (want DER SubjectPublicKeyInfo)");
  }
  return FromEvpPkey(pkey, rsa_pss);
}

absl::StatusOr<std::unique_ptr<OpenSslVerifier>> OpenSslVerifier::FromPem(absl::string_view pem,
                                                                          bool rsa_pss) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed public key (want PEM \"PUBLIC KEY\")");
  }
  return FromEvpPkey(pkey, rsa_pss);
}

absl::StatusOr<std::unique_ptr<OpenSslVerifier>> OpenSslVerifier::FromCertificate(
    absl::string_view cert, bool rsa_pss) {
  X509Ptr x509;
  if (absl::StartsWith(cert, "-----BEGIN")) {
    BioPtr bio(BIO_new_mem_buf(cert.data(), static_cast<int>(cert.size())));
    x509.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(cert.data());
    x509.reset(d2i_X509(nullptr, &p, static_cast<long>(cert.size())));
  }
  if (x509 == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("malformed X.509 certificate");
  }
  EVP_PKEY* pkey = X509_get_pubkey(x509.get());  // New reference.
  if (pkey == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("certificate has no usable public key");
  }
  return FromEvpPkey(pkey, rsa_pss);
}

OpenSslVerifier::OpenSslVerifier(void* pkey, KeyType type)
    : pkey_(pkey), ec_(LegacyEcKey(P(pkey), type)), type_(type) {}

OpenSslVerifier::~OpenSslVerifier() {
  EC_KEY_free(E(ec_));
  EVP_PKEY_free(P(pkey_));
}

int OpenSslVerifier::bits() const { return EVP_PKEY_get_bits(P(pkey_)); }

std::string OpenSslVerifier::PublicKeyDer() const {
  absl::call_once(spki_once_, [this] { spki_ = SpkiDer(P(pkey_)); });
  return spki_;
}

absl::Status OpenSslVerifier::Verify(absl::string_view message, absl::string_view signature) const {
  if (ec_ != nullptr) {
    return EcdsaVerifyDigest(E(ec_), type_, Digest(DigestForKeyType(type_), message), signature);
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  const EVP_MD* md = type_ == KeyType::kEd25519 ? nullptr : Md(DigestForKeyType(type_));
  if (EVP_DigestVerifyInit(ctx.get(), &pctx, md, nullptr, P(pkey_)) != 1) {
    return absl::InternalError(absl::StrCat("verify init: ", OpenSslErrors()));
  }
  if (IsRsa(type_)) VOUCH_RETURN_IF_ERROR(ConfigureRsa(pctx, type_));
  const int rc = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (rc == 1) return absl::OkStatus();
  ERR_clear_error();
  if (rc == 0) return absl::PermissionDeniedError("signature does not verify");
  return absl::InvalidArgumentError(absl::StrCat("malformed ", KeyTypeName(type_), " signature"));
}

absl::Status OpenSslVerifier::VerifyDigest(HashAlgorithm hash, absl::string_view digest,
                                           absl::string_view signature) const {
  if (type_ == KeyType::kEd25519) {
    return absl::UnimplementedError("Ed25519 signatures cover the message, not a digest");
  }
  if (digest.size() != DigestSize(hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest length ", digest.size(), ", want ", DigestSize(hash)));
  }
  if (ec_ != nullptr) return EcdsaVerifyDigest(E(ec_), type_, digest, signature);
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new(P(pkey_), nullptr));
  if (EVP_PKEY_verify_init(pctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(pctx.get(), Md(hash)) != 1) {
    return absl::InternalError(absl::StrCat("verify init: ", OpenSslErrors()));
  }
  if (IsRsa(type_)) VOUCH_RETURN_IF_ERROR(ConfigureRsa(pctx.get(), type_));
  const int rc = EVP_PKEY_verify(
      pctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(digest.data()), digest.size());
  if (rc == 1) return absl::OkStatus();
  ERR_clear_error();
  if (rc == 0) return absl::PermissionDeniedError("signature does not verify");
  return absl::InvalidArgumentError(absl::StrCat("malformed ", KeyTypeName(type_), " signature"));
}

namespace {

// The key kept for this thread and the curve of |type|, its public point set to |point| (SEC 1)
// after checking that it is on the curve, as o2i_ECPublicKey in FromEcPoint does. Building an
// EC_KEY and an EVP_PKEY per key (allocations, the group copied, OpenSSL 3's locks) costs a
// sizeable part of a verification when every entry has its own key.
absl::StatusOr<EC_KEY*> ThreadEcKey(KeyType type, absl::string_view point) {
  const int curve = CurveIndex(type);
  if (curve < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported key: ", KeyTypeName(type), " is not an ECDSA key type"));
  }
  struct EcKeyFree {
    void operator()(EC_KEY* k) const { EC_KEY_free(k); }
  };
  thread_local std::unique_ptr<EC_KEY, EcKeyFree> keys[3];
  if (keys[curve] == nullptr) {
    VOUCH_ASSIGN_OR_RETURN(EC_KEY * ec, NewEcKey(type));
    keys[curve].reset(ec);
  }
  EC_KEY* ec = keys[curve].get();
  // A failed decode may leave the point half set: every call sets its own before use.
  if (EC_KEY_oct2key(ec, reinterpret_cast<const unsigned char*>(point.data()), point.size(),
                     nullptr) != 1) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("malformed public key: not a point on ", KeyTypeName(type)));
  }
  return ec;
}

}  // namespace

absl::Status CheckEcPoint(KeyType type, absl::string_view point) {
  return ThreadEcKey(type, point).status();
}

absl::Status VerifyEcdsaDigestWithPoint(KeyType type, absl::string_view point, HashAlgorithm hash,
                                        absl::string_view digest, absl::string_view signature) {
  VOUCH_ASSIGN_OR_RETURN(EC_KEY * ec, ThreadEcKey(type, point));
  if (digest.size() != DigestSize(hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest length ", digest.size(), ", want ", DigestSize(hash)));
  }
  return EcdsaVerifyDigest(ec, type, digest, signature);
}

}  // namespace vouch::signer
