"""Compiler flags for Vouch's own code (third-party headers come from /usr/include)."""

VOUCH_COPTS = [
    "-std=c++17",
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
]

# Generated protobuf/gRPC code is not ours; compile it without -Werror.
GENERATED_COPTS = [
    "-std=c++17",
    "-w",
]
