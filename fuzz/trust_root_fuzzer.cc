// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Trusted roots (TrustedRoot JSON or ClientTrustConfig) as `vouch verify --trusted-root` and the
// TUF client read them: client::TrustRoot::FromJson.
#include <cstdint>

#include "client/trust_root.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4 << 20)) return 0;
  (void)vouch::client::TrustRoot::FromJson(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
