# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Container image interop with sigstore-js (the independent client), against vouchd +
vouch-dev-oidc and a docker-registry with basic auth:

- sigstore-js (@sigstore/sign + @sigstore/oci's attachArtifactToImage) attaches a keyless DSSE
  provenance statement, a key-signed DSSE statement and a keyless message signature over the
  manifest; `vouch verify-image-attestation` / `verify-image` find them (referrers tag schema)
  and verify them, and reject them under another identity, key or predicate type.
- `vouch sign-image` / `attest-image` (keyless and --key) attach bundles that the referrers tag
  lookup written in JavaScript finds and @sigstore/verify verifies, their subject the image.
"""

import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registrytest as rt  # noqa: E402
import vouchtest as vt  # noqa: E402
from sigstore_js_log_test import sigstore_js_dir  # noqa: E402

EMAIL = "builder@example.com"


class SigstoreJsImageTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.js = sigstore_js_dir()
        if cls.js is None or not os.path.isdir(os.path.join(cls.js, "node_modules", "@sigstore", "oci")):
            cls.js = None
            return
        cls.stack = rt.Stack("vouch-js-image-")
        cls.dir, cls.oidc, cls.server = cls.stack.dir, cls.stack.oidc, cls.stack.server
        cls.registry, cls.root = cls.stack.registry, cls.stack.root
        cls.vouch_bin = vt.runfile("client/cli/vouch")
        cls.layout = os.path.join(cls.dir, "umoci")
        cls.v1 = rt.umoci_image(cls.layout, "v1", "js one\n")
        cls.v2 = rt.umoci_image(cls.layout, "v2", "js two\n")

    @classmethod
    def tearDownClass(cls):
        if cls.js is not None:
            cls.stack.kill()

    def setUp(self):
        if self.js is None:
            if os.environ.get("CI") == "true":
                self.fail("sigstore-js with @sigstore/oci is not installed (tools/setup installs it)")
            self.skipTest("sigstore-js not installed: run tools/setup and tools/test")

    def vouch(self, *args):
        env = dict(os.environ, DOCKER_CONFIG=os.path.join(self.dir, "none"))
        return subprocess.run([self.vouch_bin] + list(args) + self.registry.flags(),
                              capture_output=True, text=True, env=env, timeout=120)

    def node(self, mode, config):
        path = os.path.join(self.dir, "%s-%s.json" % (mode, config["repo"].replace("/", "_")))
        with open(path, "w") as f:
            json.dump(config, f)
        out = subprocess.run(["node", os.path.join(self.js, "image_interop.mjs"), mode, path],
                             capture_output=True, text=True, timeout=120, cwd=self.js)
        results = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        return out, results

    def config(self, repo, digest):
        return {"vouchd": "http://" + self.server.http, "oidc": self.oidc.issuer,
                "registry": self.registry.host, "repo": repo, "digest": digest,
                "otherDigest": self.v2 if digest != self.v2 else self.v1,
                "username": self.registry.username, "password": self.registry.password,
                "trustedRoot": self.root, "identity": EMAIL, "issuer": self.oidc.issuer,
                "outDir": self.dir}

    def identity(self):
        return ["--trusted-root", self.root, "--certificate-identity", EMAIL,
                "--certificate-oidc-issuer", self.oidc.issuer]

    def test_vouch_verifies_what_sigstore_js_attached(self):
        repo = "js/attached"
        self.registry.copy("oci:%s:v1" % self.layout, "docker://%s/%s:v1" % (self.registry.host, repo))
        manifest = os.path.join(self.dir, "manifest.json")
        with open(manifest, "wb") as f:
            f.write(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds",
                                    self.registry.creds(),
                                    "docker://%s/%s:v1" % (self.registry.host, repo)],
                                   capture_output=True, check=True).stdout)
        config = self.config(repo, self.v1)
        config["manifest"] = manifest
        out, results = self.node("attach", config)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual({r["case"] for r in results if r["ok"]},
                         {"keyless-dsse-provenance", "key-dsse-review", "keyless-message-signature"})
        name = "%s/%s" % (self.registry.host, repo)

        out = self.vouch("verify-image-attestation", *self.identity(), "--type", "slsaprovenance1",
                         "--slsa-builder-id", "https://vouch.dev/js-builder", "--output", "json",
                         name + ":v1")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        report = json.loads(out.stdout)
        (att,) = report["attachments"]
        self.assertTrue(att["verified"])
        self.assertEqual(att["statement"]["subject"][0]["digest"]["sha256"], self.v1[7:])
        out = self.vouch("verify-image-attestation", "--trusted-root", self.root, "--key",
                         os.path.join(self.dir, "js_key.pub"), "--type",
                         "https://example.com/js-review/v1", name + ":v1")
        self.assertEqual(out.returncode, 0, out.stderr)
        # The message signature over the manifest is a signature of the image.
        out = self.vouch("verify-image", *self.identity(), name + ":v1")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("Verified OK: 1 of 1 signatures", out.stderr)

        # And they are refused under another identity, key or type.
        out = self.vouch("verify-image-attestation", "--trusted-root", self.root,
                         "--certificate-identity", "mallory@example.com",
                         "--certificate-oidc-issuer", self.oidc.issuer, "--type", "slsaprovenance1",
                         name + ":v1")
        self.assertEqual(out.returncode, 1)
        self.assertIn('at step "identity"', out.stderr)
        _, other = rt.key_pair(self.dir, "other")
        out = self.vouch("verify-image-attestation", "--trusted-root", self.root, "--key", other,
                         "--type", "https://example.com/js-review/v1", name + ":v1")
        self.assertEqual(out.returncode, 1)

    def test_sigstore_js_verifies_what_vouch_attached(self):
        repo = "js/vouch-signed"
        self.registry.copy("oci:%s:v1" % self.layout, "docker://%s/%s:v1" % (self.registry.host, repo))
        name = "%s/%s" % (self.registry.host, repo)
        server = ["--server", "http://" + self.server.http]
        keyless = server + ["--oidc-url", self.oidc.issuer, "--oidc-email", EMAIL]
        out = self.vouch("sign-image", *keyless, name + ":v1")
        self.assertEqual(out.returncode, 0, out.stderr)
        prov = os.path.join(self.dir, "prov.json")
        with open(prov, "w") as f:
            json.dump({"buildDefinition": {"buildType": "x"}, "runDetails": {"builder": {"id": "y"}}}, f)
        out = self.vouch("attest-image", *keyless, "--type", "slsaprovenance1", "--predicate", prov,
                         name + ":v1")
        self.assertEqual(out.returncode, 0, out.stderr)
        # A key-signed attestation too.
        key_path, pub_path = rt.key_pair(self.dir, "vouch")
        out = self.vouch("attest-image", *server, "--key", key_path, "--type",
                         "https://example.com/review/v1", "--predicate", prov, name + ":v1")
        self.assertEqual(out.returncode, 0, out.stderr)

        config = self.config(repo, self.v1)
        config["keyPem"] = pub_path
        out, results = self.node("verify", config)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(sorted((r["predicateType"], r["key"]) for r in results),
                         [("https://example.com/review/v1", True),
                          ("https://sigstore.dev/cosign/sign/v1", False),
                          ("https://slsa.dev/provenance/v1", False)])

        # @sigstore/verify rejects them for another identity and another key.
        _, other_pub = rt.key_pair(self.dir, "other-vouch")
        config.update(identity="mallory@example.com", keyPem=other_pub, expectReject=True)
        out, results = self.node("verify", config)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(len(results), 3)
        self.assertTrue(all("error" in r for r in results), results)

if __name__ == "__main__":
    vt.main()
