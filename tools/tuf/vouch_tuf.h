// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch-tuf`: the offline side of Vouch's TUF repository (tuf/repository.h) as commands, for
// key ceremonies (docs/trust.md):
//
//   vouch-tuf keygen --out KEY.pem [--type ecdsa-p256|ed25519]
//   vouch-tuf init --repo DIR --root-key F... [--root-threshold N] --targets-key F...
//                  [--targets-threshold N] --snapshot-key F --timestamp-key F [--key F...]
//   vouch-tuf add-target --repo DIR --target NAME=FILE... [--custom JSON] --key F...
//   vouch-tuf remove-target --repo DIR --name NAME... --key F...
//   vouch-tuf rotate-root --repo DIR [--root-key F... --root-threshold N --targets-key F...
//                  --targets-threshold N --snapshot-key F --timestamp-key F] --key F...
//   vouch-tuf sign --repo DIR --role root|targets --key F...
//   vouch-tuf publish --repo DIR --snapshot-key F --timestamp-key F   (online roles, static repos)
//   vouch-tuf publish --repo DIR --storage postgres://... [--schema vouch_tuf]
//                  (root, targets and target files into the database vouchd front ends share;
//                  they sign snapshot and timestamp)
//   vouch-tuf status --repo DIR
//
// A key file (F) is a PEM public key or private key; a private key given for a role also signs,
// and --key adds signing keys. Durations: --expires (root/targets), --snapshot-expires,
// --timestamp-expires, as "365d", "12h", "-1h". Thread-compatible.
#ifndef VOUCH_TOOLS_TUF_VOUCH_TUF_H_
#define VOUCH_TOOLS_TUF_VOUCH_TUF_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace vouch::tools {

// Runs one command (|args| without the program name). Returns 0 on success, 1 on failure, 2 on
// usage errors; messages go to |err|, results to |out|. |now| is the signing time.
int RunVouchTuf(const std::vector<std::string>& args, absl::Time now, std::ostream& out,
                std::ostream& err);

}  // namespace vouch::tools

#endif  // VOUCH_TOOLS_TUF_VOUCH_TUF_H_
