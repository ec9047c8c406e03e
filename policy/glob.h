// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Glob patterns over image names and registries, as policy-controller's `images[].glob`:
// `**` matches any characters including '/', `*` any characters but '/', `?` one character but
// '/'; everything else is literal. Compiled to an anchored RE2 (linear time). An immutable value,
// thread-safe.
#ifndef VOUCH_POLICY_GLOB_H_
#define VOUCH_POLICY_GLOB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace re2 {
class RE2;
}

namespace vouch::policy {

class Glob {
 public:
  // InvalidArgument for an empty pattern, whitespace or control characters, or more than 1,024
  // characters.
  static absl::StatusOr<Glob> New(absl::string_view pattern);

  bool Matches(absl::string_view s) const;
  const std::string& pattern() const { return pattern_; }

 private:
  Glob(std::string pattern, std::shared_ptr<const re2::RE2> re)
      : pattern_(std::move(pattern)), re_(std::move(re)) {}
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;
};

// An image reference in the form policies match: registry host (Docker Hub as
// "index.docker.io", "library/" added to one-segment names), repository, tag and digest.
struct ImageName {
  std::string registry;    // "registry.example.com:5000", "index.docker.io"
  std::string repository;  // "team/app", "library/nginx"
  std::string tag;         // "" if none
  std::string digest;      // "sha256:..." or ""

  // "registry/repository".
  std::string Name() const;
  // The reference as matched: Name(), plus ":tag" and/or "@digest" when present.
  std::string Reference() const;
};

// Parses "host[:port]/repo[:tag][@sha256:hex]" or a Docker Hub short form ("nginx",
// "org/app:1"). InvalidArgument when malformed. An "oci:DIR[:tag]" layout parses with registry
// "oci" and the directory as repository.
absl::StatusOr<ImageName> ParseImageName(absl::string_view ref);

// Whether |glob| matches |image|: against Name() when the glob's last path segment has no ':'
// and no '@', else against Reference().
bool GlobMatchesImage(const Glob& glob, const ImageName& image);

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_GLOB_H_
