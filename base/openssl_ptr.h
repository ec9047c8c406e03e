// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// OpenSSL objects held by std::unique_ptr: one deleter, OpenSslFree, with an overload for every
// OpenSSL type Vouch owns, and an alias per type (BioPtr, PkeyPtr, X509Ptr, ...). Every part of
// Vouch (log/, signer/, client/) uses these instead of its own deleters. A null pointer is never
// passed to a free function. Stateless; thread-safe.
#ifndef VOUCH_BASE_OPENSSL_PTR_H_
#define VOUCH_BASE_OPENSSL_PTR_H_

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace vouch {

// Frees what it is given with the matching OpenSSL function. Owning semantics throughout: a
// stack deleter frees its elements too, except X509StackView's (see below).
struct OpenSslFree {
  void operator()(ASN1_OBJECT* p) const { ASN1_OBJECT_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(GENERAL_NAMES* p) const { GENERAL_NAMES_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(PKCS7* p) const { PKCS7_free(p); }
  void operator()(STACK_OF(SCT) * p) const { SCT_LIST_free(p); }
  void operator()(TS_REQ* p) const { TS_REQ_free(p); }
  void operator()(TS_RESP* p) const { TS_RESP_free(p); }
  void operator()(TS_VERIFY_CTX* p) const { TS_VERIFY_CTX_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_NAME* p) const { X509_NAME_free(p); }
  void operator()(X509_REQ* p) const { X509_REQ_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};

template <typename T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT>;
using BignumPtr = OpenSslPtr<BIGNUM>;
using BioPtr = OpenSslPtr<BIO>;
using BnCtxPtr = OpenSslPtr<BN_CTX>;
using EcdsaSigPtr = OpenSslPtr<ECDSA_SIG>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES>;
using MdCtxPtr = OpenSslPtr<EVP_MD_CTX>;
using OsslParamBldPtr = OpenSslPtr<OSSL_PARAM_BLD>;
using OsslParamPtr = OpenSslPtr<OSSL_PARAM>;
using Pkcs7Ptr = OpenSslPtr<PKCS7>;
using PkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX>;
using PkeyPtr = OpenSslPtr<EVP_PKEY>;
using SctListPtr = OpenSslPtr<STACK_OF(SCT)>;
using TsReqPtr = OpenSslPtr<TS_REQ>;
using TsRespPtr = OpenSslPtr<TS_RESP>;
using TsVerifyCtxPtr = OpenSslPtr<TS_VERIFY_CTX>;
using X509NamePtr = OpenSslPtr<X509_NAME>;
using X509Ptr = OpenSslPtr<X509>;
using X509ReqPtr = OpenSslPtr<X509_REQ>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX>;
using X509StorePtr = OpenSslPtr<X509_STORE>;

// A stack of certificates owned elsewhere (e.g. the untrusted chain handed to X509_STORE_CTX):
// frees the stack only, not the certificates.
struct X509StackViewFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
using X509StackView = std::unique_ptr<STACK_OF(X509), X509StackViewFree>;

}  // namespace vouch

#endif  // VOUCH_BASE_OPENSSL_PTR_H_
