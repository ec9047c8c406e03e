# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""sigstore-js (the independent Sigstore client, pinned in tests/sigstore-js/package-lock.json)
against a real vouchd: @sigstore/sign's RekorWitness appends a hashedrekord and a dsse entry, and
@sigstore/verify accepts the resulting bundles with a trusted root holding this log's key."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402


def sigstore_js_dir():
    root = os.environ.get("VOUCH_ROOT", "")
    d = os.path.join(root, "tests", "sigstore-js")
    return d if root and os.path.isdir(os.path.join(d, "node_modules", "@sigstore")) else None


class SigstoreJsLogTest(unittest.TestCase):

    def setUp(self):
        self.js = sigstore_js_dir()
        if self.js is None:
            if os.environ.get("CI") == "true":
                self.fail("sigstore-js is not installed (tools/setup installs it); VOUCH_ROOT=%r"
                          % os.environ.get("VOUCH_ROOT"))
            self.skipTest("sigstore-js not installed: run tools/setup and tools/test")
        self.dir = tempfile.mkdtemp(prefix="vouch-sigstore-js-")
        self.server = vt.Server(os.path.join(self.dir, "data"))

    def tearDown(self):
        if getattr(self, "server", None) and self.server.proc.poll() is None:
            self.server.kill()

    def test_sigstore_js_appends_and_verifies_hashedrekord_and_dsse(self):
        out = subprocess.run(
            ["node", os.path.join(self.js, "log_interop.mjs"), "http://" + self.server.http,
             self.dir], capture_output=True, text=True, timeout=120, cwd=self.js)
        results = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual({r["case"] for r in results if r["ok"]}, {"hashedrekord", "dsse"},
                         out.stdout + out.stderr)
        # The bundles sigstore-js wrote carry entries whose proofs our independent checker
        # accepts too.
        key = self.server.public_key()
        for name in ("hashedrekord", "dsse"):
            with open(os.path.join(self.dir, name + ".sigstore.json")) as f:
                bundle = json.load(f)
            (tlog,) = bundle["verificationMaterial"]["tlogEntries"]
            self.assertEqual(tlog["kindVersion"]["kind"], name)


if __name__ == "__main__":
    vt.main()
