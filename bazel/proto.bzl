"""vouch_proto_library: protobuf + gRPC C++ code generation with Debian's protoc.

Bazel 4's native proto rules need the protobuf source tree as @com_google_protobuf, which cannot be
downloaded here, so one genrule runs the system `protoc` (and `grpc_cpp_plugin` when `grpc = True`)
and a cc_library compiles what it produced. Imports resolve against the workspace root and
/usr/include (Debian's well-known types).

    vouch_proto_library(name = "foo", srcs = ["foo.proto"], deps = [":bar"], grpc = True)

defines `:foo`, the messages (include "proto/foo.pb.h"; depends on protobuf only), and with
`grpc = True` also `:foo_grpc`, the service stubs (include "proto/foo.grpc.pb.h"; depends on `:foo`
and gRPC). Libraries that only use the messages (the services in log/ and signer/) depend on `:foo`
and so do not link gRPC; the transport adapters in server/ and gRPC clients depend on `:foo_grpc`.
"""

load("//bazel:copts.bzl", "GENERATED_COPTS")

def vouch_proto_library(name, srcs, deps = [], grpc = False, visibility = None):
    bases = [s[:-len(".proto")] for s in srcs]
    pkg = native.package_name()
    outs = []
    grpc_outs = []
    for b in bases:
        outs += [b + ".pb.h", b + ".pb.cc"]
        if grpc:
            grpc_outs += [b + ".grpc.pb.h", b + ".grpc.pb.cc"]

    # Sources of the deps are needed for imports; each dep exports its .proto files as
    # `<dep>_srcs` (a filegroup).
    dep_srcs = [d + "_srcs" for d in deps]
    native.filegroup(name = name + "_srcs", srcs = srcs, visibility = visibility)

    grpc_cmd = ""
    if grpc:
        grpc_cmd = " --grpc_out=$(GENDIR) --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)"
    native.genrule(
        name = name + "_gen",
        srcs = srcs + dep_srcs,
        outs = outs + grpc_outs,
        cmd = ("protoc -I. -I$(GENDIR) -I/usr/include --cpp_out=$(GENDIR)" + grpc_cmd + " " +
               " ".join(["%s/%s" % (pkg, s) for s in srcs])),
        message = "protoc " + name,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        copts = GENERATED_COPTS,
        deps = deps + ["@system//:protobuf"],
        visibility = visibility,
    )
    if grpc:
        native.cc_library(
            name = name + "_grpc",
            srcs = [o for o in grpc_outs if o.endswith(".cc")],
            hdrs = [o for o in grpc_outs if o.endswith(".h")],
            copts = GENERATED_COPTS,
            deps = [":" + name, "@system//:grpc", "@system//:protobuf"],
            visibility = visibility,
        )
