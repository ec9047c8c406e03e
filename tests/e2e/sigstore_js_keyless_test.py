# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""sigstore-js keyless signing against vouchd + vouch-dev-oidc (FulcioSigner, RekorWitness,
TSAWitness), for a blob and an in-toto attestation, each with Rekor v1 and with Rekor v2 + TSA
entries, verified by @sigstore/verify AND by `vouch` with vouchd's /api/v1/trustedRoot; the
issued leaf is also checked with `openssl x509` and the timestamp with `openssl ts -verify`."""

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from sigstore_js_log_test import sigstore_js_dir  # noqa: E402


class SigstoreJsKeylessTest(unittest.TestCase):

    def setUp(self):
        self.js = sigstore_js_dir()
        if self.js is None:
            if os.environ.get("CI") == "true":
                self.fail("sigstore-js is not installed (tools/setup installs it)")
            self.skipTest("sigstore-js not installed: run tools/setup and tools/test")
        self.dir = tempfile.mkdtemp(prefix="vouch-keyless-")
        self.oidc = vt.DevOidc()
        self.server = vt.Server(os.path.join(self.dir, "data"),
                                ["--oidc-issuer", self.oidc.issuer])

    def tearDown(self):
        for p in (getattr(self, "server", None), getattr(self, "oidc", None)):
            if p is not None and p.proc.poll() is None:
                p.kill()

    def test_sigstore_js_signs_with_vouchd_ca_log_and_tsa_and_verifies_offline(self):
        out = subprocess.run(
            ["node", os.path.join(self.js, "keyless_interop.mjs"), "http://" + self.server.http,
             self.oidc.issuer, self.dir], capture_output=True, text=True, timeout=120, cwd=self.js)
        results = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual({r["case"] for r in results if r["ok"]},
                         {"blob", "blob-rekor-v2", "attestation", "attestation-rekor-v2"},
                         out.stdout + out.stderr)

        # Every bundle sigstore-js made verifies with `vouch` too (and a tampered blob does not).
        vouch = vt.runfile("client/cli/vouch")
        root = os.path.join(self.dir, "trusted_root.json")
        blob = os.path.join(self.dir, "blob.txt")
        policy = ["--trusted-root", root, "--certificate-identity", "builder@example.com",
                  "--certificate-oidc-issuer", self.oidc.issuer]
        for name, tlog_version in (("blob", "0.0.1"), ("blob-v2", "0.0.2")):
            bundle_path = os.path.join(self.dir, name + ".sigstore.json")
            with open(bundle_path) as f:
                self.assertEqual(json.load(f)["verificationMaterial"]["tlogEntries"][0]
                                 ["kindVersion"]["version"], tlog_version)
            v = subprocess.run([vouch, "verify-blob", "--bundle", bundle_path] + policy + [blob],
                               capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, name + ": " + v.stdout + v.stderr)
            tampered = os.path.join(self.dir, "tampered.txt")
            with open(blob, "rb") as src, open(tampered, "wb") as dst:
                dst.write(src.read() + b"!")
            v = subprocess.run([vouch, "verify-blob", "--bundle", bundle_path] + policy + [tampered],
                               capture_output=True, text=True)
            self.assertEqual(v.returncode, 1, name + " tampered: " + v.stdout + v.stderr)
        for name in ("attestation", "attestation-v2"):
            bundle_path = os.path.join(self.dir, name + ".sigstore.json")
            v = subprocess.run([vouch, "verify-attestation", "--bundle", bundle_path,
                                "--type", "https://slsa.dev/provenance/v1"] + policy + [blob],
                               capture_output=True, text=True)
            self.assertEqual(v.returncode, 0, name + ": " + v.stdout + v.stderr)

        with open(os.path.join(self.dir, "blob.sigstore.json")) as f:
            bundle = json.load(f)
        vm = bundle["verificationMaterial"]
        cert = vm.get("certificate", {}).get("rawBytes") or \
            vm["x509CertificateChain"]["certificates"][0]["rawBytes"]
        der = os.path.join(self.dir, "leaf.der")
        with open(der, "wb") as f:
            f.write(base64.b64decode(cert))
        text = subprocess.run(["openssl", "x509", "-inform", "DER", "-in", der, "-noout", "-text"],
                              capture_output=True, text=True, check=True).stdout
        self.assertIn("Code Signing", text)
        self.assertIn("email:builder@example.com", text)
        self.assertIn("1.3.6.1.4.1.57264.1.8", text)
        self.assertIn("Digital Signature", text)

        # The RFC 3161 timestamp verifies with openssl against the TSA chain.
        (ts,) = vm["timestampVerificationData"]["rfc3161Timestamps"]
        tsr = os.path.join(self.dir, "ts.tsr")
        with open(tsr, "wb") as f:
            f.write(base64.b64decode(ts["signedTimestamp"]))
        status, chain, _ = self.server.request("GET", "/api/v1/timestamp/certchain")
        self.assertEqual(status, 200)
        pem = os.path.join(self.dir, "tsa_chain.pem")
        with open(pem, "wb") as f:
            f.write(chain)
        sig = base64.b64decode(bundle["messageSignature"]["signature"])
        data = os.path.join(self.dir, "sig.bin")
        with open(data, "wb") as f:
            f.write(sig)
        v = subprocess.run(["openssl", "ts", "-verify", "-in", tsr, "-data", data, "-CAfile", pem,
                            "-untrusted", pem], capture_output=True, text=True)
        self.assertIn("Verification: OK", v.stdout + v.stderr, v.stdout + v.stderr)


if __name__ == "__main__":
    vt.main()
