// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// OCI documents as the image commands and the admission webhook read them from a registry:
// oci::DetectManifestKind, ParseImageManifest and ParseImageIndex (with the production fan-out
// limit), cosign's simple-signing payload (ParseSimpleSigning), and the digest and reference
// parsers on the same bytes. Invariant: a parsed digest prints back as the text it came from.
#include <cstdint>
#include <string>

#include "oci/cosign.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/reference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4 << 20)) return 0;
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  for (const char* type : {"", "application/vnd.oci.image.manifest.v1+json",
                           "application/vnd.oci.image.index.v1+json"}) {
    (void)vouch::oci::DetectManifestKind(in, type);
  }
  (void)vouch::oci::ParseImageManifest(in);
  (void)vouch::oci::ParseImageIndex(in);
  (void)vouch::oci::ParseSimpleSigning(in);
  if (size <= 4096) {
    auto d = vouch::oci::Digest::Parse(in);
    if (d.ok() && d->ToString() != in) __builtin_trap();
    (void)vouch::oci::Reference::Parse(in);
    (void)vouch::oci::LayoutReference::Parse(in);
  }
  return 0;
}
