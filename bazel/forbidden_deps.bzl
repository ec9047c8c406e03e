"""forbidden_deps_test: fails if any target of the calling package depends on a forbidden target.

Call it at the END of a BUILD file (it checks the targets defined before it):

    forbidden_deps_test(
        name = "layering_test",
        forbidden = ["//server[:/]", "@system//:grpc$"],
        why = "log/ is transport-neutral: its adapters live in server/",
    )

A genquery computes deps() of every target in the package (tests and testonly helpers included)
and a small script greps the result for the `forbidden` patterns (extended regular expressions
matched against whole labels, anchored at the start). The test prints the offending labels; find
the path with `bazel query 'somepath(//pkg:all, LABEL)'`.
"""

def forbidden_deps_test(name, forbidden, why):
    pkg = native.package_name()
    targets = sorted(["//%s:%s" % (pkg, r) for r in native.existing_rules().keys()])
    native.genquery(
        name = name + "_deps",
        testonly = True,
        expression = "deps(set(%s))" % " ".join(targets),
        scope = targets,
    )
    native.sh_test(
        name = name,
        size = "small",
        srcs = ["//bazel:forbidden_deps_test.sh"],
        args = [
            "$(location :%s_deps)" % name,
            "'%s'" % why,
        ] + ["'%s'" % f.replace("$", "$$") for f in forbidden],
        data = [":%s_deps" % name],
    )
