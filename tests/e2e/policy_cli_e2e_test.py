# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""`vouch policy lint` and `vouch policy check` end to end: the CLI as a user runs it, on an
`oci:` layout made by umoci (no registry), signed and attested with the vouch CLI against a real
vouchd + vouch-dev-oidc; the policy check itself reads only the layout and the trusted root
file. Text and `--output json`, exit codes 0 (valid / all allowed), 1 (invalid / any denied) and
2 (usage)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registrytest as rt  # noqa: E402
import vouchtest as vt  # noqa: E402

EMAIL = "builder@example.com"
BUILDER = "https://github.com/actions/runner/github-hosted"

POLICY = """\
apiVersion: policy.vouch.dev/v1
kind: PolicySettings
spec: {{defaultAction: deny}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: built}}
spec:
  images: [{{glob: "oci/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
  attestations:
    - name: slsa
      predicateType: slsaprovenance1
      slsa: {{builderId: "{builder}"}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: prod-only}}
spec:
  mode: warn
  images: [{{glob: "oci/**"}}]
  namespaces: {{selector: {{matchLabels: {{env: prod}}}}}}
  authorities:
    - {{name: frozen, static: {{action: fail, message: "prod is frozen"}}}}
"""


class PolicyCliE2eTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vouch-policy-cli-e2e-")
        cls.vouch_bin = vt.runfile("client/cli/vouch")
        cls.oidc = vt.DevOidc()
        try:
            cls.server = vt.Server(os.path.join(cls.dir, "data"),
                                   ["--oidc-issuer", cls.oidc.issuer])
        except BaseException:
            cls.oidc.kill()
            raise
        try:
            status, raw, _ = cls.server.request("GET", "/api/v1/trustedRoot")
            assert status == 200, status
            cls.root = os.path.join(cls.dir, "trusted_root.json")
            with open(cls.root, "wb") as f:
                f.write(raw)
            cls.layout = os.path.join(cls.dir, "layout")
            cls.signed = rt.umoci_image(cls.layout, "signed", "signed image\n")
            cls.unsigned = rt.umoci_image(cls.layout, "unsigned", "unsigned image\n")
            keyless = ["--server", "http://" + cls.server.http, "--oidc-url", cls.oidc.issuer,
                       "--oidc-email", EMAIL]
            out = cls.vouch("sign-image", *keyless, "oci:%s:signed" % cls.layout)
            assert out.returncode == 0, out.stderr
            prov = os.path.join(cls.dir, "provenance.json")
            with open(prov, "w") as f:
                json.dump({"buildDefinition": {"buildType": "https://vouch.dev/e2e"},
                           "runDetails": {"builder": {"id": BUILDER}}}, f)
            out = cls.vouch("attest-image", *keyless, "--type", "slsaprovenance1", "--predicate",
                            prov, "oci:%s@%s" % (cls.layout, cls.signed))
            assert out.returncode == 0, out.stderr
        finally:
            # Everything after this reads files only.
            cls.server.kill()
            cls.oidc.kill()
        cls.policy = os.path.join(cls.dir, "policy.yaml")
        with open(cls.policy, "w") as f:
            f.write(POLICY.format(issuer=cls.oidc.issuer, email=EMAIL, builder=BUILDER))

    @classmethod
    def vouch(cls, *args):
        e = dict(os.environ)
        e.pop("SIGSTORE_ID_TOKEN", None)
        e["DOCKER_CONFIG"] = os.path.join(cls.dir, "no-docker-config")
        e["HOME"] = cls.dir  # no saved trusted root from `vouch trust`
        return subprocess.run([cls.vouch_bin] + list(args), capture_output=True, text=True,
                              env=e, timeout=60)

    def check(self, *args):
        return self.vouch("policy", "check", "--policy", self.policy, "--trusted-root", self.root,
                          *args)

    # ---------------------------------------------------------------- lint

    def test_lint_valid_policy_summarises_it_and_exits_0(self):
        out = self.vouch("policy", "lint", "--trusted-root", self.root, self.policy)
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[:3], [
            "ImagePolicy built: enforce, 1 image pattern(s), 1 authority, "
            "1 attestation requirement(s)",
            "ImagePolicy prod-only: warn, 1 image pattern(s), 1 authority, "
            "0 attestation requirement(s)",
            "PolicySettings: default deny, 0 trusted registries"])
        self.assertRegex(lines[3], r"^OK \(version [0-9a-f]{16}\)$")
        self.assertEqual(len(lines), 4)

    def test_lint_invalid_policy_names_file_line_and_field_and_exits_1(self):
        bad = os.path.join(self.dir, "bad.yaml")
        with open(bad, "w") as f:
            f.write("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: x}\n"
                    "spec:\n  images: [{glob: 'oci:**'}]\n  mode: sometimes\n"
                    "  authorities: [{name: s, static: {action: pass}}]\n")
        out = self.vouch("policy", "lint", "--trusted-root", self.root, bad)
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertEqual(out.stdout, "")
        self.assertRegex(out.stderr.strip(), r"^%s:6:\d+: .*mode.*: must be enforce or warn$"
                         % bad.replace(".", r"\."))
        # A regular expression RE2 refuses is found by the loader too.
        with open(bad, "w") as f:
            f.write("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: x}\n"
                    "spec:\n  images: [{glob: 'oci:**'}]\n  authorities:\n"
                    "    - {name: k, keyless: {issuer: x, subjectRegExp: '(a'}}\n")
        out = self.vouch("policy", "lint", "--trusted-root", self.root, bad)
        self.assertEqual(out.returncode, 1)
        self.assertIn("%s:7:" % bad, out.stderr)
        self.assertIn("subjectRegExp", out.stderr)

    def test_lint_usage_errors_exit_2(self):
        for args in ((), (self.policy, self.policy), ("--bogus", self.policy)):
            with self.subTest(args=args):
                out = self.vouch("policy", "lint", *args)
                self.assertEqual(out.returncode, 2, out.stderr)
                self.assertIn("usage: vouch policy lint", out.stderr)
        out = self.vouch("policy", "frobnicate")
        self.assertEqual(out.returncode, 2)
        self.assertIn('unknown subcommand "frobnicate"', out.stderr)

    # ---------------------------------------------------------------- check

    def test_check_signed_and_attested_layout_is_allowed_offline(self):
        out = self.check("oci:%s:signed" % self.layout)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(lines[0], "ALLOW oci:%s:signed (%s)" % (self.layout, self.signed))
        self.assertEqual(lines[1], "  policy built (enforce): passed")
        self.assertTrue(lines[2].startswith("    authority builder: ok: "), lines[2])
        self.assertTrue(lines[3].startswith("    attestation slsa: ok: attested by builder"),
                        lines[3])
        # No --namespace: every policy's namespace selection matches, so the warn-mode prod-only
        # policy applies too (allowed with its warning).
        self.assertEqual(lines[4:], [
            "  policy prod-only (warn): failed",
            "    authority frozen: FAILED: prod is frozen",
            "  warning: policy prod-only: 0 of 1 authorities passed, 1 required: prod is frozen"],
            out.stdout)
        # By digest, the same decision.
        out = self.check("oci:%s@%s" % (self.layout, self.signed))
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertTrue(out.stdout.startswith("ALLOW oci:%s@%s (%s)\n"
                                              % (self.layout, self.signed, self.signed)),
                        out.stdout)

    def test_check_unsigned_layout_is_denied_with_every_reason(self):
        out = self.check("oci:%s:unsigned" % self.layout)
        self.assertEqual(out.returncode, 1, out.stderr)
        text = out.stdout
        self.assertIn("DENY  oci:%s:unsigned (%s)" % (self.layout, self.unsigned), text)
        self.assertIn("  policy built (enforce): failed", text)
        self.assertIn("    authority builder: FAILED: authority builder: no signature is attached to %s"
                      % self.unsigned, text)
        self.assertIn("    attestation slsa: FAILED: attestation slsa: no attestation of type "
                      "https://slsa.dev/provenance/v1 is attached to %s" % self.unsigned, text)
        self.assertIn("  denied: policy built: 0 of 1 authorities passed, 1 required", text)

    def test_check_json_output_for_several_images(self):
        out = self.check("--output", "json", "oci:%s:signed" % self.layout,
                         "oci:%s:unsigned" % self.layout, "--namespace", "shop",
                         "--namespace-labels", "env=prod,team=shop")
        self.assertEqual(out.returncode, 1, "one image denied: " + out.stderr)
        signed, unsigned = json.loads(out.stdout)
        self.assertEqual((signed["image"], signed["digest"], signed["allowed"]),
                         ("oci:%s:signed" % self.layout, self.signed, True))
        self.assertEqual([p["name"] for p in signed["policies"]], ["built", "prod-only"])
        built, prod = signed["policies"]
        self.assertTrue(built["passed"])
        self.assertEqual([a["name"] for a in built["authorities"]], ["builder"])
        self.assertTrue(built["authorities"][0]["passed"])
        self.assertEqual(len(built["authorities"][0]["logIndexes"]), 1)
        self.assertTrue(built["attestations"][0]["passed"])
        self.assertEqual(sorted(signed["logIndexes"]),
                         sorted(built["authorities"][0]["logIndexes"]
                                + built["attestations"][0]["logIndexes"]))
        # The warn-mode policy selected by env=prod: allowed with its warning.
        self.assertEqual((prod["mode"], prod["passed"]), ("warn", False))
        self.assertEqual(len(signed["warnings"]), 1)
        self.assertIn("policy prod-only: 0 of 1 authorities passed", signed["warnings"][0])
        self.assertIn("prod is frozen", signed["warnings"][0])
        self.assertRegex(signed["policyVersion"], r"^[0-9a-f]{16}$")
        self.assertEqual((unsigned["digest"], unsigned["allowed"]), (self.unsigned, False))
        self.assertEqual(unsigned["logIndexes"], [])
        self.assertIn("no signature is attached", unsigned["reasons"][0])
        # Another namespace's labels: the prod policy does not apply.
        out = self.check("--output", "json", "oci:%s:signed" % self.layout, "--namespace", "dev",
                         "--namespace-labels", "env=dev")
        self.assertEqual(out.returncode, 0, out.stderr)
        (d,) = json.loads(out.stdout)
        self.assertEqual([p["name"] for p in d["policies"]], ["built"])
        self.assertEqual(d["warnings"], [])

    def test_check_a_layout_or_tag_that_is_not_there_is_denied(self):
        out = self.check("oci:%s:nosuchtag" % self.layout,
                         "oci:%s:signed" % os.path.join(self.dir, "no-layout"))
        self.assertEqual(out.returncode, 1)
        self.assertEqual(out.stdout.count("DENY  "), 2, out.stdout)
        self.assertIn("cannot check oci:%s:nosuchtag" % self.layout, out.stdout)

    def test_check_usage_errors_exit_2(self):
        ref = "oci:%s:signed" % self.layout
        cases = [
            (["policy", "check", ref], "--policy FILE|DIR is required"),
            (["policy", "check", "--policy", self.policy], "want at least one image REF"),
            (["policy", "check", "--policy", self.policy, "--output", "yaml", ref],
             "--output must be text or json"),
            (["policy", "check", "--policy", self.policy, "--namespace-labels", "novalue", ref],
             "--namespace-labels wants key=value"),
            (["policy", "check", "--policy", self.policy, "--frobnicate", ref], "frobnicate"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                out = self.vouch(*args)
                self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
                self.assertIn(message, out.stderr)
                self.assertIn("usage: vouch policy lint", out.stderr)
                self.assertEqual(out.stdout, "")

    def test_check_with_a_malformed_policy_exits_1_naming_it(self):
        bad = os.path.join(self.dir, "bad-check.yaml")
        with open(bad, "w") as f:
            f.write("apiVersion: policy.vouch.dev/v1\nkind: Nonsense\n")
        out = self.vouch("policy", "check", "--policy", bad, "--trusted-root", self.root,
                         "oci:%s:signed" % self.layout)
        self.assertEqual(out.returncode, 1)
        self.assertRegex(out.stderr, r"^vouch policy check: %s:\d+:\d+: spec: required\n$"
                         % bad.replace(".", r"\."))
        self.assertEqual(out.stdout, "")


if __name__ == "__main__":
    vt.main()
