// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// JSON Web Signature (RFC 7515, compact form) and JSON Web Key (RFC 7517) helpers for OIDC identity
// tokens: splitting and decoding a token, signing one with a Signer (vouch-dev-oidc and tests), and
// converting between JWKs and SubjectPublicKeyInfo DER. Verification policy (which algorithms,
// which keys, which claims) lives in oidc.h. Stateless and thread-safe.
#ifndef VOUCH_SIGNER_JWT_H_
#define VOUCH_SIGNER_JWT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signer/crypto.h"

namespace vouch::signer {

// A compact JWS split into its parts; header and payload are base64url-decoded.
struct JwsParts {
  std::string header_json;
  std::string payload_json;
  std::string signing_input;  // "BASE64URL(header).BASE64URL(payload)", the signed bytes
  std::string signature;      // decoded signature bytes
};

// Splits and decodes |token|. InvalidArgument ("malformed token: ...") unless it has exactly three
// non-empty base64url parts (the signature part may be empty only for alg "none", which oidc.h
// refuses anyway).
absl::StatusOr<JwsParts> SplitJws(absl::string_view token);

// base64url without padding (RFC 7515 section 2); decoding accepts missing or present padding.
std::string Base64UrlEncode(absl::string_view data);
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view text);

// The JWS "alg" a key type signs with: ES256/ES384/ES512, EdDSA, RS256, PS256.
const char* JwsAlgorithm(KeyType type);

// Signs |payload_json| as a compact JWS with header {"alg": JwsAlgorithm(type), "kid": kid,
// "typ": "JWT"} (kid omitted when empty). ECDSA signatures are converted to the JWS raw R||S form.
absl::StatusOr<std::string> SignJws(const Signer& signer, absl::string_view kid,
                                    absl::string_view payload_json);

// ECDSA signature form conversions: DER SEQUENCE{r, s} <-> fixed-width R||S (|coord_bytes| each:
// 32 for P-256, 48 for P-384, 66 for P-521). InvalidArgument on malformed input.
absl::StatusOr<std::string> EcdsaDerToRaw(absl::string_view der, size_t coord_bytes);
absl::StatusOr<std::string> EcdsaRawToDer(absl::string_view raw);

// The public JWK (a JSON object as text) for SubjectPublicKeyInfo |spki_der|: EC (P-256/384/521),
// OKP (Ed25519) or RSA, with "kid", "use": "sig" and "alg". InvalidArgument for other keys.
absl::StatusOr<std::string> PublicKeyToJwk(absl::string_view spki_der, absl::string_view kid);

// The SubjectPublicKeyInfo DER for a public JWK given as JSON text. Accepts kty EC (crv P-256,
// P-384, P-521), OKP (crv Ed25519) and RSA; refuses private members ("d") and anything else with
// InvalidArgument naming the problem.
absl::StatusOr<std::string> JwkToPublicKeyDer(absl::string_view jwk_json);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_JWT_H_
