// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/ed25519ph.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <openssl/bn.h>
#include <openssl/sha.h>

#include "absl/strings/str_cat.h"
#include "base/openssl_ptr.h"

namespace vouch::log {
namespace {

using Bn = BignumPtr;

Bn NewBn() { return Bn(BN_new()); }

// The 44-byte Ed25519 SubjectPublicKeyInfo is this prefix followed by the 32-byte key.
constexpr unsigned char kSpkiPrefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                         0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

// Extended twisted Edwards coordinates (RFC 8032 section 5.1.4): x = X/Z, y = Y/Z, xy = T/Z.
struct Point {
  Bn x, y, z, t;
};

// Field and group arithmetic modulo p = 2^255 - 19 over BIGNUMs. One per call (owns a BN_CTX).
class Curve {
 public:
  Curve() : ctx_(BN_CTX_new()) {
    p_ = NewBn();
    BN_set_bit(p_.get(), 255);
    BN_sub_word(p_.get(), 19);
    l_ = NewBn();
    BN_set_bit(l_.get(), 252);
    BIGNUM* c = nullptr;
    BN_dec2bn(&c, "27742317777372353535851937790883648493");
    BN_add(l_.get(), l_.get(), c);
    BN_free(c);
    // d = -121665 / 121666.
    Bn num = Word(121665), den = Word(121666);
    BN_mod_sub(num.get(), p_.get(), num.get(), p_.get(), ctx_.get());
    BN_mod_inverse(den.get(), den.get(), p_.get(), ctx_.get());
    d2_ = Mul(num.get(), den.get());
    d_ = Mul(num.get(), den.get());
    BN_mod_add(d2_.get(), d2_.get(), d2_.get(), p_.get(), ctx_.get());
    // sqrt(-1) = 2^((p-1)/4).
    Bn e = Copy(p_.get());
    BN_sub_word(e.get(), 1);
    BN_rshift(e.get(), e.get(), 2);
    sqrtm1_ = NewBn();
    Bn two = Word(2);
    BN_mod_exp(sqrtm1_.get(), two.get(), e.get(), p_.get(), ctx_.get());
    // The base point: y = 4/5, x even.
    std::array<unsigned char, 32> b;
    b.fill(0x66);
    b[0] = 0x58;
    ok_ =
        ctx_ != nullptr && Decode(absl::string_view(reinterpret_cast<char*>(b.data()), 32), &base_);
  }

  bool ok() const { return ok_; }
  const BIGNUM* l() const { return l_.get(); }
  const Point& base() const { return base_; }
  BN_CTX* ctx() { return ctx_.get(); }

  // RFC 8032 section 5.1.3.
  bool Decode(absl::string_view s, Point* out) {
    if (s.size() != 32) return false;
    std::array<unsigned char, 32> b;
    for (int i = 0; i < 32; ++i) b[i] = static_cast<unsigned char>(s[i]);
    const int x0 = b[31] >> 7;
    b[31] &= 0x7f;
    Bn y(BN_lebin2bn(b.data(), 32, nullptr));
    if (y == nullptr || BN_cmp(y.get(), p_.get()) >= 0) return false;
    Bn y2 = Mul(y.get(), y.get());
    Bn u = Copy(y2.get());
    BN_mod_sub(u.get(), u.get(), BN_value_one(), p_.get(), ctx_.get());  // y^2 - 1
    Bn v = Mul(d_.get(), y2.get());
    BN_mod_add(v.get(), v.get(), BN_value_one(), p_.get(), ctx_.get());  // d y^2 + 1
    // x = u v^3 (u v^7)^((p-5)/8)
    Bn v3 = Mul(Mul(v.get(), v.get()).get(), v.get());
    Bn v7 = Mul(Mul(v3.get(), v3.get()).get(), v.get());
    Bn e = Copy(p_.get());
    BN_sub_word(e.get(), 5);
    BN_rshift(e.get(), e.get(), 3);
    Bn t = NewBn();
    BN_mod_exp(t.get(), Mul(u.get(), v7.get()).get(), e.get(), p_.get(), ctx_.get());
    Bn x = Mul(Mul(u.get(), v3.get()).get(), t.get());
    Bn vx2 = Mul(v.get(), Mul(x.get(), x.get()).get());
    if (BN_cmp(vx2.get(), u.get()) != 0) {
      Bn sum = NewBn();
      BN_mod_add(sum.get(), vx2.get(), u.get(), p_.get(), ctx_.get());
      if (!BN_is_zero(sum.get())) return false;
      x = Mul(x.get(), sqrtm1_.get());
    }
    if (BN_is_zero(x.get()) && x0 == 1) return false;
    if (BN_is_odd(x.get()) != x0) BN_sub(x.get(), p_.get(), x.get());
    out->t = Mul(x.get(), y.get());
    out->x = std::move(x);
    out->y = std::move(y);
    out->z = Word(1);
    return true;
  }

  std::string Encode(const Point& q) {
    Bn zi = NewBn();
    BN_mod_inverse(zi.get(), q.z.get(), p_.get(), ctx_.get());
    Bn x = Mul(q.x.get(), zi.get());
    Bn y = Mul(q.y.get(), zi.get());
    std::string out(32, '\0');
    BN_bn2lebinpad(y.get(), reinterpret_cast<unsigned char*>(out.data()), 32);
    if (BN_is_odd(x.get())) out[31] = static_cast<char>(out[31] | 0x80);
    return out;
  }

  // RFC 8032 section 5.1.4 (unified: also doubles).
  Point Add(const Point& a, const Point& b) {
    Bn a1 = Sub(a.y.get(), a.x.get()), a2 = Sub(b.y.get(), b.x.get());
    Bn b1 = AddF(a.y.get(), a.x.get()), b2 = AddF(b.y.get(), b.x.get());
    Bn A = Mul(a1.get(), a2.get());
    Bn B = Mul(b1.get(), b2.get());
    Bn C = Mul(Mul(a.t.get(), d2_.get()).get(), b.t.get());
    Bn D = Mul(a.z.get(), b.z.get());
    BN_mod_add(D.get(), D.get(), D.get(), p_.get(), ctx_.get());
    Bn E = Sub(B.get(), A.get()), F = Sub(D.get(), C.get());
    Bn G = AddF(D.get(), C.get()), H = AddF(B.get(), A.get());
    Point r;
    r.x = Mul(E.get(), F.get());
    r.y = Mul(G.get(), H.get());
    r.t = Mul(E.get(), H.get());
    r.z = Mul(F.get(), G.get());
    return r;
  }

  Point Identity() { return Point{Word(0), Word(1), Word(1), Word(0)}; }

  Point Negate(const Point& q) {
    Point r{NewBn(), Copy(q.y.get()), Copy(q.z.get()), NewBn()};
    BN_mod_sub(r.x.get(), p_.get(), q.x.get(), p_.get(), ctx_.get());
    BN_mod_sub(r.t.get(), p_.get(), q.t.get(), p_.get(), ctx_.get());
    return r;
  }

  Point ScalarMul(const BIGNUM* k, const Point& q) {
    Point r = Identity();
    for (int i = BN_num_bits(k) - 1; i >= 0; --i) {
      r = Add(r, r);
      if (BN_is_bit_set(k, i)) r = Add(r, q);
    }
    return r;
  }

 private:
  Bn Word(unsigned long w) {
    Bn b = NewBn();
    BN_set_word(b.get(), w);
    return b;
  }
  Bn Copy(const BIGNUM* a) { return Bn(BN_dup(a)); }
  Bn Mul(const BIGNUM* a, const BIGNUM* b) {
    Bn r = NewBn();
    BN_mod_mul(r.get(), a, b, p_.get(), ctx_.get());
    return r;
  }
  Bn AddF(const BIGNUM* a, const BIGNUM* b) {
    Bn r = NewBn();
    BN_mod_add(r.get(), a, b, p_.get(), ctx_.get());
    return r;
  }
  Bn Sub(const BIGNUM* a, const BIGNUM* b) {
    Bn r = NewBn();
    BN_mod_sub(r.get(), a, b, p_.get(), ctx_.get());
    return r;
  }

  BnCtxPtr ctx_;
  Bn p_, l_, d_, d2_, sqrtm1_;
  Point base_;
  bool ok_ = false;
};

}  // namespace

absl::Status VerifyEd25519(absl::string_view public_key, absl::string_view message,
                           absl::string_view signature, bool prehashed) {
  if (public_key.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("Ed25519 public key has ", public_key.size(), " bytes, want 32"));
  }
  if (signature.size() != 64) return absl::InvalidArgumentError("malformed ed25519 signature");
  if (prehashed && message.size() != SHA512_DIGEST_LENGTH) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest length ", message.size(), ", want 64 (SHA-512)"));
  }
  Curve curve;
  if (!curve.ok()) return absl::InternalError("Ed25519: BIGNUM setup failed");
  Point a;
  if (!curve.Decode(public_key, &a)) {
    return absl::InvalidArgumentError("malformed Ed25519 public key");
  }
  const absl::string_view r_bytes = signature.substr(0, 32);
  std::array<unsigned char, 32> s_le;
  for (int i = 0; i < 32; ++i) s_le[i] = static_cast<unsigned char>(signature[32 + i]);
  Bn s(BN_lebin2bn(s_le.data(), 32, nullptr));
  if (s == nullptr) return absl::InternalError("Ed25519: BIGNUM failure");
  if (BN_cmp(s.get(), curve.l()) >= 0)
    return absl::PermissionDeniedError("signature does not verify");

  // k = SHA-512(dom2(1, "") || R || A || PH(M)) mod L  (pure: no dom2, M itself).
  std::string input;
  if (prehashed) {
    input = "SigEd25519 no Ed25519 collisions";
    input.push_back('\x01');
    input.push_back('\x00');
  }
  absl::StrAppend(&input, r_bytes, public_key, message);
  unsigned char h[SHA512_DIGEST_LENGTH];
  SHA512(reinterpret_cast<const unsigned char*>(input.data()), input.size(), h);
  Bn k(BN_lebin2bn(h, sizeof(h), nullptr));
  if (k == nullptr || !BN_nnmod(k.get(), k.get(), curve.l(), curve.ctx())) {
    return absl::InternalError("Ed25519: BIGNUM failure");
  }
  // R' = [S]B + [k](-A) must encode to R.
  Point sb = curve.ScalarMul(s.get(), curve.base());
  Point ka = curve.ScalarMul(k.get(), curve.Negate(a));
  if (curve.Encode(curve.Add(sb, ka)) != r_bytes) {
    return absl::PermissionDeniedError("signature does not verify");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Ed25519Verifier>> Ed25519Verifier::FromDer(
    absl::string_view spki_der) {
  if (spki_der.size() != sizeof(kSpkiPrefix) + 32 ||
      spki_der.substr(0, sizeof(kSpkiPrefix)) !=
          absl::string_view(reinterpret_cast<const char*>(kSpkiPrefix), sizeof(kSpkiPrefix))) {
    return absl::InvalidArgumentError("not an Ed25519 SubjectPublicKeyInfo");
  }
  return std::unique_ptr<Ed25519Verifier>(new Ed25519Verifier(std::string(spki_der)));
}

absl::Status Ed25519Verifier::Verify(absl::string_view message, absl::string_view signature) const {
  return VerifyEd25519(absl::string_view(spki_).substr(sizeof(kSpkiPrefix)), message, signature,
                       /*prehashed=*/false);
}

absl::Status Ed25519Verifier::VerifyDigest(signer::HashAlgorithm hash, absl::string_view digest,
                                           absl::string_view signature) const {
  if (hash != signer::HashAlgorithm::kSha512) {
    return absl::InvalidArgumentError("Ed25519ph signs SHA-512 digests only");
  }
  return VerifyEd25519(absl::string_view(spki_).substr(sizeof(kSpkiPrefix)), digest, signature,
                       /*prehashed=*/true);
}

}  // namespace vouch::log
