// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-tuf: Vouch's TUF repository tool (tools/tuf/vouch_tuf.h, docs/trust.md).
#include <iostream>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "tools/tuf/vouch_tuf.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return vouch::tools::RunVouchTuf(args, absl::Now(), std::cout, std::cerr);
}
