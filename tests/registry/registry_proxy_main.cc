// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// registry_proxy: the RegistryProxy of registry_fixture.h as a process, for cross-process tests
// (tests/e2e) that need an OCI 1.1 registry: `registry_proxy --upstream HOST:PORT
// [--referrers-api]` listens on 127.0.0.1 with a free port, prints "HOST:PORT\n" on stdout once
// it serves, and runs until it is killed (SIGTERM/SIGKILL by its pid). testonly.
#include <unistd.h>

#include <cstring>
#include <iostream>
#include <string>

#include "tests/registry/registry_fixture.h"

int main(int argc, char** argv) {
  std::string upstream;
  vouch::testing::RegistryProxy::Options options;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--upstream") == 0 && i + 1 < argc) {
      upstream = argv[++i];
    } else if (strcmp(argv[i], "--referrers-api") == 0) {
      options.referrers_api = true;
    } else {
      std::cerr << "usage: registry_proxy --upstream HOST:PORT [--referrers-api]\n";
      return 2;
    }
  }
  if (upstream.empty()) {
    std::cerr << "registry_proxy: --upstream is required\n";
    return 2;
  }
  auto proxy = vouch::testing::RegistryProxy::Start(upstream, options);
  if (!proxy.ok()) {
    std::cerr << "registry_proxy: " << proxy.status().message() << "\n";
    return 1;
  }
  std::cout << (*proxy)->host() << std::endl;
  for (;;) pause();
}
