// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Image policies as `vouch policy lint` and vouchd --admission-policy load them:
// policy::PolicySet::Parse on the bytes as a YAML file and as a JSON file (the loader picks the
// parser by extension), which compiles globs, regular expressions and conditions.
#include <cstdint>
#include <string>

#include "policy/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1 << 20)) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  vouch::policy::PolicySet::LoadOptions options;
  options.default_trusted_root = "/nonexistent/trusted_root.json";
  (void)vouch::policy::PolicySet::Parse("fuzz.yaml", text, options);
  (void)vouch::policy::PolicySet::Parse("fuzz.json", text, options);
  return 0;
}
