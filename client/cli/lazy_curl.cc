// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// libcurl, loaded on first use. The `vouch` binary links this file instead of libcurl.so:
// it defines the ten libcurl functions the network code calls (oci/http_client.cc,
// client/sign/http_transport.cc) and forwards each to the real one, which is dlopen()ed the
// first time any of them is called. The offline commands (verify-blob, verify-bundle, ...)
// never call one, so they start without libcurl and the ~28 libraries behind it (gnutls, krb5,
// ldap, ...): docs/benchmarks.md, "CLI start-up". With -Wl,--as-needed the linker then drops
// -lcurl, since nothing is left for it to resolve.
//
// The variadic setters are forwarded with the argument type libcurl itself reads for the
// option (CURLOPTTYPE_* ranges for curl_easy_setopt; every curl_easy_getinfo argument is a
// pointer). If libcurl.so.4 cannot be loaded, curl_global_init and curl_easy_init fail
// (CURLE_FAILED_INIT, nullptr) after one message on stderr, and the callers report that.
// Thread-safe: the library is loaded once (a function-local static).
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <cstdio>

namespace {

struct Curl {
  bool ok = false;
  decltype(&::curl_global_init) global_init = nullptr;
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
};

template <typename T>
bool Resolve(void* handle, const char* name, T* out) {
  *out = reinterpret_cast<T>(dlsym(handle, name));
  return *out != nullptr;
}

const Curl& Load() {
  static const Curl curl = [] {
    Curl c;
    void* handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      std::fprintf(stderr, "vouch: cannot load libcurl.so.4 (needed for network access): %s\n",
                   dlerror());
      return c;
    }
    c.ok = Resolve(handle, "curl_global_init", &c.global_init) &&
           Resolve(handle, "curl_easy_init", &c.easy_init) &&
           Resolve(handle, "curl_easy_cleanup", &c.easy_cleanup) &&
           Resolve(handle, "curl_easy_reset", &c.easy_reset) &&
           Resolve(handle, "curl_easy_perform", &c.easy_perform) &&
           Resolve(handle, "curl_easy_setopt", &c.easy_setopt) &&
           Resolve(handle, "curl_easy_getinfo", &c.easy_getinfo) &&
           Resolve(handle, "curl_easy_strerror", &c.easy_strerror) &&
           Resolve(handle, "curl_slist_append", &c.slist_append) &&
           Resolve(handle, "curl_slist_free_all", &c.slist_free_all);
    if (!c.ok) std::fprintf(stderr, "vouch: libcurl.so.4 lacks a function: %s\n", dlerror());
    return c;
  }();
  return curl;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) {
  const Curl& c = Load();
  return c.ok ? c.global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init(void) {
  const Curl& c = Load();
  return c.ok ? c.easy_init() : nullptr;
}

// Only reached with a handle from curl_easy_init, so libcurl is loaded.
void curl_easy_cleanup(CURL* handle) { Load().easy_cleanup(handle); }
void curl_easy_reset(CURL* handle) { Load().easy_reset(handle); }
CURLcode curl_easy_perform(CURL* handle) { return Load().easy_perform(handle); }

CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  const Curl& c = Load();
  if (!c.ok) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = c.easy_setopt(handle, option, va_arg(ap, long));
  } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
    rc = c.easy_setopt(handle, option, va_arg(ap, void*));
  } else if (option < CURLOPTTYPE_OFF_T) {
    rc = c.easy_setopt(handle, option, va_arg(ap, void (*)(void)));
  } else if (option < CURLOPTTYPE_BLOB) {
    rc = c.easy_setopt(handle, option, va_arg(ap, curl_off_t));
  } else {
    rc = c.easy_setopt(handle, option, va_arg(ap, void*));
  }
  va_end(ap);
  return rc;
}

CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  const Curl& c = Load();
  if (!c.ok) return CURLE_FAILED_INIT;
  va_list ap;
  va_start(ap, info);
  CURLcode rc = c.easy_getinfo(handle, info, va_arg(ap, void*));
  va_end(ap);
  return rc;
}

const char* curl_easy_strerror(CURLcode code) {
  const Curl& c = Load();
  return c.ok ? c.easy_strerror(code) : "libcurl not loaded";
}

curl_slist* curl_slist_append(curl_slist* list, const char* s) {
  const Curl& c = Load();
  return c.ok ? c.slist_append(list, s) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (list != nullptr) Load().slist_free_all(list);
}

}  // extern "C"
