"""py_e2e_test: a Python cross-process test (NAME.py over run_py_test.sh with vouchtest.py)."""

def py_e2e_test(name, deps = [], data = []):
    """A cross-process test: runs NAME.py with /usr/bin/python3.

    Args:
      name: the test; its script is NAME.py.
      deps: other Python files of this folder it imports (besides vouchtest.py).
      data: binaries it starts (vouchd is always there).
    """
    native.sh_test(
        name = name,
        size = "medium",
        srcs = ["run_py_test.sh"],
        args = ["$(location %s.py)" % name],
        data = [name + ".py", "vouchtest.py", "//tools:vouchd"] + deps + data,
        tags = ["external"],
    )
