// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/status.h"

namespace vouch {

absl::Status Annotate(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

}  // namespace vouch
