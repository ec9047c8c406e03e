// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Command-line helpers over absl/flags for every Vouch binary. Flags are defined with
// ABSL_FLAG(type, data_dir, ...) and may be spelled --data-dir or --data_dir on the command line.
#ifndef VOUCH_BASE_FLAGS_H_
#define VOUCH_BASE_FLAGS_H_

#include <string>
#include <vector>

namespace vouch {

// Returns argv with the dashes in each "--flag-name[=value]" name turned into underscores
// (values and positional arguments untouched; "--" ends flag processing). Storage lives in
// |storage|, which must outlive the returned pointers.
std::vector<char*> NormalizeFlagNames(int argc, char** argv, std::vector<std::string>* storage);

// Parses the command line: normalizes names, sets the usage message, restricts --help to flags
// defined in files whose path contains |main_file|, and returns the positional arguments
// (argv[0] first). Unknown flags print an error and exit(2), as absl does.
std::vector<std::string> ParseFlags(int argc, char** argv, const char* usage,
                                    const char* main_file);

}  // namespace vouch

#endif  // VOUCH_BASE_FLAGS_H_
