"""vouch_fuzzer: a libFuzzer target and the Bazel test that replays its checked-in inputs.

vouch_fuzzer(name = "x_fuzzer", srcs = ["x_fuzzer.cc"], deps = [...]) defines
  :x_fuzzer              the libFuzzer binary (tagged manual: it needs clang, build it with
                         `bazel build --config=fuzz //fuzz:x_fuzzer` or tools/fuzz)
  :x_fuzzer_replay_test  a normal test (gcc, plain and ASan in CI) that runs LLVMFuzzerTestOneInput
                         on every file of fuzz/corpus/x_fuzzer/ and fuzz/regressions/x_fuzzer/
"""

load("//bazel:copts.bzl", "VOUCH_COPTS")

def vouch_fuzzer(name, srcs, deps = [], data = [], size = "small"):
    native.cc_binary(
        name = name,
        srcs = srcs,
        copts = VOUCH_COPTS,
        linkopts = ["-fsanitize=fuzzer"],
        deps = deps + ["//fuzz:fuzz_input"],
        data = data,
        tags = ["manual"],
        testonly = True,
    )
    native.cc_test(
        name = name + "_replay_test",
        size = size,
        srcs = srcs,
        copts = VOUCH_COPTS,
        deps = deps + ["//fuzz:fuzz_input", "//fuzz:replay_main"],
        data = data + native.glob([
            "corpus/%s/**" % name,
            "regressions/%s/**" % name,
        ]),
        args = [
            "fuzz/corpus/%s" % name,
            "fuzz/regressions/%s" % name,
        ],
    )
