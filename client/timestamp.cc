// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/timestamp.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/openssl_ptr.h"

namespace vouch::client {
namespace {

std::string Errors() {
  std::string out;
  unsigned long e;
  char buf[256];
  while ((e = ERR_get_error()) != 0) {
    ERR_error_string_n(e, buf, sizeof(buf));
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out;
}

}  // namespace

absl::StatusOr<absl::Time> VerifyRfc3161Timestamp(absl::string_view response,
                                                  absl::string_view data,
                                                  absl::Span<const TrustedChain> authorities) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(response.data());
  Pkcs7Ptr token;
  TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (resp) {
    const TS_STATUS_INFO* status = TS_RESP_get_status_info(resp.get());
    long st = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status));
    if (st != 0 && st != 1) {
      return absl::FailedPreconditionError(absl::StrCat("timestamp response status ", st));
    }
    PKCS7* t = TS_RESP_get_token(resp.get());
    if (t == nullptr) return absl::InvalidArgumentError("timestamp response has no token");
    token.reset(PKCS7_dup(t));
  } else {
    ERR_clear_error();
    p = reinterpret_cast<const unsigned char*>(response.data());
    token.reset(d2i_PKCS7(nullptr, &p, static_cast<long>(response.size())));
  }
  if (!token) {
    ERR_clear_error();
    return absl::InvalidArgumentError("not an RFC 3161 timestamp response or token");
  }
  TS_TST_INFO* info = PKCS7_to_TS_TST_INFO(token.get());
  if (info == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError("timestamp token has no TSTInfo");
  }
  struct tm tm = {};
  const ASN1_GENERALIZEDTIME* gen = TS_TST_INFO_get_time(info);
  bool time_ok = gen != nullptr && ASN1_TIME_to_tm(gen, &tm) == 1;
  TS_TST_INFO_free(info);
  if (!time_ok) return absl::InvalidArgumentError("timestamp has no usable genTime");
  const absl::Time gen_time = absl::FromTimeT(timegm(&tm));

  std::string last = "no timestamp authority in the trusted root";
  for (const TrustedChain& tsa : authorities) {
    if (tsa.certificates.empty()) continue;
    if (gen_time < tsa.valid_from || gen_time > tsa.valid_until) {
      last = absl::StrCat("timestamp time ", absl::FormatTime(gen_time, absl::UTCTimeZone()),
                          " is outside the validity window of TSA ",
                          tsa.certificates.front().SubjectString());
      continue;
    }
    TsVerifyCtxPtr ctx(TS_VERIFY_CTX_new());
    X509_STORE* store = X509_STORE_new();
    STACK_OF(X509)* certs = sk_X509_new_null();
    BIO* bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
    if (!ctx || store == nullptr || certs == nullptr || bio == nullptr) {
      X509_STORE_free(store);
      sk_X509_free(certs);
      BIO_free(bio);
      return absl::ResourceExhaustedError("out of memory");
    }
    X509_STORE_add_cert(store, tsa.certificates.back().get());
    X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), absl::ToTimeT(gen_time));
    for (const Certificate& c : tsa.certificates) {
      X509_up_ref(c.get());
      sk_X509_push(certs, c.get());
    }
    // The context owns store, certs and bio from here on.
    TS_VERIFY_CTX_set_flags(ctx.get(), TS_VFY_VERSION | TS_VFY_SIGNATURE | TS_VFY_DATA);
    TS_VERIFY_CTX_set_store(ctx.get(), store);
    TS_VERIFY_CTX_set_certs(ctx.get(), certs);
    TS_VERIFY_CTX_set_data(ctx.get(), bio);
    if (TS_RESP_verify_token(ctx.get(), token.get()) == 1) {
      ERR_clear_error();
      return gen_time;
    }
    last = absl::StrCat("timestamp does not verify with TSA ",
                        tsa.certificates.front().SubjectString(), ": ", Errors());
  }
  return absl::FailedPreconditionError(last);
}

}  // namespace vouch::client
