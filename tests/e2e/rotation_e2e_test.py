# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""CA rotation (docs/ca.md, "Rotating the CA"): bundles signed under a rotated-out CA keep
verifying with the new trusted root, which lists the old chain with a closed window; new bundles
chain to the new CA; a signature outside the old window is refused; a malformed retired file stops
vouchd from starting, naming the file."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402

EMAIL = "builder@example.com"


class RotationTest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vouch-rotation-")
        self.data = os.path.join(self.dir, "data")
        self.oidc = vt.DevOidc()
        self.vouch = vt.runfile("client/cli/vouch")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.kill()
        self.oidc.kill()

    def start(self, data=None):
        s = vt.Server(data or self.data, ["--oidc-issuer", self.oidc.issuer])
        self.servers.append(s)
        return s

    def trusted_root(self, server, name):
        status, raw, _ = server.request("GET", "/api/v1/trustedRoot")
        self.assertEqual(status, 200, raw)
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(raw)
        return path, json.loads(raw)

    def sign(self, server, name):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("artifact %s %f\n" % (name, time.time()))
        r = subprocess.run([self.vouch, "sign-blob", "--server", "http://" + server.http,
                            "--oidc-url", self.oidc.issuer, "--oidc-email", EMAIL, path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return path

    def verify(self, artifact, root):
        return subprocess.run([self.vouch, "verify-blob", "--bundle", artifact + ".sigstore.json",
                               "--trusted-root", root, "--certificate-identity", EMAIL,
                               "--certificate-oidc-issuer", self.oidc.issuer, artifact],
                              capture_output=True, text=True, timeout=60)

    def leaf_issuer_chain(self, artifact):
        with open(artifact + ".sigstore.json") as f:
            return json.load(f)["verificationMaterial"]

    def test_rotated_ca_keeps_old_bundles_valid_inside_its_window(self):
        first = self.start()
        old_root_path, old_root = self.trusted_root(first, "root-before.json")
        self.assertEqual(len(old_root["certificateAuthorities"]), 1)
        before = self.sign(first, "before.txt")
        self.assertEqual(self.verify(before, old_root_path).returncode, 0)
        signed_at = time.time()
        self.assertEqual(first.stop(), 0)

        # Rotate: retire the chain (END = now), drop the key; vouchd makes a new CA on start.
        time.sleep(1.1)
        end = int(time.time())
        os.makedirs(os.path.join(self.data, "retired"))
        shutil.move(os.path.join(self.data, "ca_chain.pem"),
                    os.path.join(self.data, "retired", "ca_chain.%d.pem" % end))
        os.remove(os.path.join(self.data, "ca_key.pem"))
        time.sleep(1.1)
        second = self.start()
        root_path, root = self.trusted_root(second, "root-after.json")
        cas = root["certificateAuthorities"]
        self.assertEqual(len(cas), 2, json.dumps(cas, indent=1))
        self.assertEqual(cas[0]["certChain"], old_root["certificateAuthorities"][0]["certChain"])
        self.assertEqual(cas[0]["validFor"]["end"],
                         time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(end)))
        self.assertNotIn("end", cas[1]["validFor"])
        self.assertNotEqual(cas[1]["certChain"], cas[0]["certChain"])

        # The old bundle verifies with the new root; a new one chains to the new CA.
        r = self.verify(before, root_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        after = self.sign(second, "after.txt")
        r = self.verify(after, root_path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # ... and not with the old root, which does not know the new CA.
        self.assertEqual(self.verify(after, old_root_path).returncode, 1)

        # Closing the old window before the old signature was made refuses the old bundle.
        early = dict(root)
        early["certificateAuthorities"] = [dict(cas[0]), cas[1]]
        early["certificateAuthorities"][0]["validFor"] = dict(
            cas[0]["validFor"],
            end=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(signed_at) - 3600)))
        early_path = os.path.join(self.dir, "root-closed-early.json")
        with open(early_path, "w") as f:
            json.dump(early, f)
        r = self.verify(before, early_path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)

    def test_malformed_retired_file_refuses_to_start(self):
        self.start().stop()
        os.makedirs(os.path.join(self.data, "retired"))
        with open(os.path.join(self.data, "retired", "ca_chain.soon.pem"), "w") as f:
            f.write("not a chain")
        with self.assertRaises(RuntimeError) as e:
            self.start()
        self.assertIn("ca_chain.soon.pem", str(e.exception))
        os.rename(os.path.join(self.data, "retired", "ca_chain.soon.pem"),
                  os.path.join(self.data, "retired", "ca_chain.1700000000.pem"))
        with self.assertRaises(RuntimeError) as e:
            self.start()
        self.assertIn("not a PEM certificate chain", str(e.exception))
        # A real chain, but retired "in the future": it would stay trusted; refused.
        os.remove(os.path.join(self.data, "retired", "ca_chain.1700000000.pem"))
        future = os.path.join(self.data, "retired", "ca_chain.%d.pem" % (time.time() + 86400))
        shutil.copy(os.path.join(self.data, "ca_chain.pem"), future)
        with self.assertRaises(RuntimeError) as e:
            self.start()
        self.assertIn("is in the future", str(e.exception))
        # A directory in its place is not a chain either.
        os.remove(future)
        os.mkdir(os.path.join(self.data, "retired", "tsa_chain.1700000000.pem"))
        with self.assertRaises(RuntimeError) as e:
            self.start()
        self.assertIn("not a regular file", str(e.exception))


if __name__ == "__main__":
    vt.main()
