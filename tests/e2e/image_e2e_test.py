# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""`vouch sign-image / attest-image / verify-image / verify-image-attestation / tree /
download-attestations` end to end: a real vouchd + vouch-dev-oidc (keyless), a key made here
(--key), a real docker-registry with basic auth, images made by umoci and copied by skopeo.
Log entries are checked by vouchtest's independent RFC 6962/SET code; downloaded bundles are
verified again with `vouch verify-attestation`. One vouchd, issuer and registry for the file."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registrytest as rt  # noqa: E402
import vouchtest as vt  # noqa: E402

EMAIL = "builder@example.com"

TRIVY_REPORT = {
    "SchemaVersion": 2, "CreatedAt": "2026-12-01T10:00:00Z", "ArtifactName": "app",
    "Trivy": {"Version": "0.50.1"},
    "Results": [{"Target": "app", "Vulnerabilities": [
        {"VulnerabilityID": "CVE-2024-0001", "Severity": "HIGH"},
        {"VulnerabilityID": "CVE-2024-0002", "Severity": "LOW"}]}]}


class ImageE2eTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stack = rt.Stack("vouch-image-e2e-")
        cls.dir, cls.oidc, cls.server = cls.stack.dir, cls.stack.oidc, cls.stack.server
        cls.registry, cls.root = cls.stack.registry, cls.stack.root
        cls.vouch_bin = vt.runfile("client/cli/vouch")
        cls.layout = os.path.join(cls.dir, "umoci")
        cls.v1 = rt.umoci_image(cls.layout, "v1", "image one\n")
        cls.v2 = rt.umoci_image(cls.layout, "v2", "image two\n")
        cls.key, cls.pub = rt.key_pair(cls.dir, "cosign")

    @classmethod
    def tearDownClass(cls):
        cls.stack.kill()

    # ---------------------------------------------------------------- helpers

    def vouch(self, *args, env=None, input=None):
        e = dict(os.environ)
        e.pop("SIGSTORE_ID_TOKEN", None)
        e["DOCKER_CONFIG"] = os.path.join(self.dir, "no-docker-config")
        e.update(env or {})
        return subprocess.run([self.vouch_bin] + list(args), capture_output=True, text=True,
                              env=e, input=input, timeout=120)

    def keyless(self):
        return ["--server", "http://" + self.server.http, "--oidc-url", self.oidc.issuer,
                "--oidc-email", EMAIL]

    def identity(self):
        return ["--trusted-root", self.root, "--certificate-identity", EMAIL,
                "--certificate-oidc-issuer", self.oidc.issuer]

    def push(self, repo, tag="v1", dest_tag=None):
        self.registry.copy("oci:%s:%s" % (self.layout, tag),
                           "docker://%s/%s:%s" % (self.registry.host, repo, dest_tag or tag))
        return "%s/%s" % (self.registry.host, repo)

    def ok(self, out, what=""):
        self.assertEqual(out.returncode, 0, "%s\nstdout: %s\nstderr: %s" % (what, out.stdout, out.stderr))

    def check_logged(self, log_index):
        """The entry behind a bundle, checked with the independent RFC 6962 / SET code."""
        uuid, entry = self.server.entry_at(log_index)
        vt.check_log_entry(uuid, entry, self.server.public_key())
        return json.loads(base64.b64decode(entry["body"]))

    # ---------------------------------------------------------------- tests

    def test_keyless_sign_attest_and_verify_by_tag_and_digest(self):
        name = self.push("e2e/app")
        out = self.vouch("sign-image", *self.keyless(), *self.registry.flags(), name + ":v1")
        self.ok(out, "sign-image")
        self.assertIn("uses a tag, not a digest", out.stderr)
        self.assertEqual(out.stdout.strip(), "%s@%s" % (name, self.v1))
        self.assertIn("-> referrer sha256:", out.stderr)

        # By tag (resolved once) and by digest.
        out = self.vouch("verify-image", *self.identity(), *self.registry.flags(), name + ":v1")
        self.ok(out, "verify-image by tag")
        self.assertIn("Verified OK: 1 of 1 signatures of %s@%s" % (name, self.v1), out.stderr)
        out = self.vouch("verify-image", *self.identity(), *self.registry.flags(), "--output",
                         "json", "%s@%s" % (name, self.v1))
        self.ok(out, "verify-image by digest")
        report = json.loads(out.stdout)
        self.assertTrue(report["verified"])
        self.assertEqual(report["digest"], self.v1)
        (att,) = report["attachments"]
        self.assertEqual(att["source"], "referrer")
        self.assertEqual(att["predicateType"], "https://sigstore.dev/cosign/sign/v1")
        self.assertEqual(att["signer"]["subjectAlternativeNames"], [EMAIL])
        self.assertEqual(att["tlogEntries"][0]["kind"], "dsse")
        self.assertGreater(report["registryRequests"], 0)
        # The log holds a dsse entry for exactly this envelope (checked independently).
        body = self.check_logged(att["logIndexes"][0])
        self.assertEqual(body["kind"], "dsse")

        # Another identity: not verified, naming the step.
        out = self.vouch("verify-image", "--trusted-root", self.root, "--certificate-identity",
                         "mallory@example.com", "--certificate-oidc-issuer", self.oidc.issuer,
                         *self.registry.flags(), name + ":v1")
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn('at step "identity"', out.stderr)

        # Attestations: SLSA provenance and a Trivy report wrapped as cosign's vuln predicate.
        prov = os.path.join(self.dir, "provenance.json")
        with open(prov, "w") as f:
            json.dump({"buildDefinition": {"buildType": "https://vouch.dev/e2e"},
                       "runDetails": {"builder": {"id": "https://vouch.dev/e2e-builder"}}}, f)
        out = self.vouch("attest-image", *self.keyless(), *self.registry.flags(), "--type",
                         "slsaprovenance1", "--predicate", prov, "%s@%s" % (name, self.v1))
        self.ok(out, "attest-image slsa")
        self.assertNotIn("WARNING", out.stderr)  # by digest
        trivy = os.path.join(self.dir, "trivy.json")
        with open(trivy, "w") as f:
            json.dump(TRIVY_REPORT, f)
        self.ok(self.vouch("attest-image", *self.keyless(), *self.registry.flags(), "--type",
                           "vuln", "--predicate", trivy, name + ":v1"), "attest-image vuln")
        out = self.vouch("verify-image-attestation", *self.identity(), *self.registry.flags(),
                         "--type", "slsaprovenance1", "--slsa-builder-id",
                         "https://vouch.dev/e2e-builder", name + ":v1")
        self.ok(out, "verify-image-attestation slsa")
        self.assertIn("Verified OK: 1 of 1 attestations", out.stderr)
        out = self.vouch("verify-image-attestation", *self.identity(), *self.registry.flags(),
                         "--type", "vuln", "--output", "json", name + ":v1")
        self.ok(out, "verify-image-attestation vuln")
        (att,) = json.loads(out.stdout)["attachments"]
        predicate = att["statement"]["predicate"]
        self.assertEqual(att["predicateType"], "https://cosign.sigstore.dev/attestation/vuln/v1")
        self.assertEqual(predicate["scanner"]["uri"], "pkg:github/aquasecurity/trivy@0.50.1")
        self.assertEqual(predicate["scanner"]["result"], TRIVY_REPORT)
        self.assertEqual(predicate["metadata"]["scanFinishedOn"], "2026-12-01T10:00:00Z")
        self.assertEqual(att["statement"]["subject"][0]["digest"]["sha256"], self.v1[7:])
        # A builder id that does not match: not verified at the attestation step.
        out = self.vouch("verify-image-attestation", *self.identity(), *self.registry.flags(),
                         "--type", "slsaprovenance1", "--slsa-builder-id", "https://evil", name + ":v1")
        self.assertEqual(out.returncode, 1)
        self.assertIn('at step "attestation"', out.stderr)
        out = self.vouch("verify-image-attestation", *self.identity(), *self.registry.flags(),
                         "--type", "spdx", name + ":v1")
        self.assertEqual(out.returncode, 1)
        self.assertIn("no attestations of type https://spdx.dev/Document attached", out.stderr)

        # tree lists the three referrers.
        out = self.vouch("tree", "--output", "json", *self.registry.flags(), name + ":v1")
        self.ok(out, "tree")
        tree = json.loads(out.stdout)
        self.assertEqual(sorted(r["annotations"]["dev.sigstore.bundle.predicateType"]
                                for r in tree["referrers"]),
                         ["https://cosign.sigstore.dev/attestation/vuln/v1",
                          "https://sigstore.dev/cosign/sign/v1", "https://slsa.dev/provenance/v1"])
        out = self.vouch("tree", *self.registry.flags(), name + ":v1")
        self.ok(out)
        self.assertIn("referrers (3)", out.stdout)

        # download-attestations: two bundles, each verifies offline with verify-attestation.
        dl = os.path.join(self.dir, "downloaded")
        out = self.vouch("download-attestations", "--output-dir", dl, *self.registry.flags(),
                         name + ":v1")
        self.ok(out, "download-attestations")
        files = sorted(os.listdir(dl))
        self.assertEqual(len(files), 2, files)
        for f in files:
            out = self.vouch("verify-attestation", "--bundle", os.path.join(dl, f), *self.identity(),
                             self.v1)
            self.ok(out, "verify-attestation " + f)
        out = self.vouch("download-attestations", "--predicate-type", "vuln", *self.registry.flags(),
                         name + ":v1")
        self.ok(out)
        self.assertEqual(len(out.stdout.splitlines()), 1)

    def test_key_signed_legacy_format_with_docker_config_and_stdin_password(self):
        name = self.push("e2e/legacy")
        config_dir = os.path.join(self.dir, "docker")
        os.makedirs(config_dir, exist_ok=True)
        with open(os.path.join(config_dir, "config.json"), "w") as f:
            json.dump({"auths": {self.registry.host: {"auth": base64.b64encode(
                self.registry.creds().encode()).decode()}}}, f)
        docker = {"DOCKER_CONFIG": config_dir}
        server = ["--server", "http://" + self.server.http]
        out = self.vouch("sign-image", "--key", self.key, "--legacy-format", *server,
                         "%s@%s" % (name, self.v1), env=docker)
        self.ok(out, "sign-image --legacy-format with docker config credentials")
        self.assertIn("-> sha256-%s.sig" % self.v1[7:], out.stderr)
        review = os.path.join(self.dir, "review.json")
        with open(review, "w") as f:
            json.dump({"result": "approved"}, f)
        self.ok(self.vouch("attest-image", "--key", self.key, "--legacy-format", *server, "--type",
                           "https://example.com/review/v1", "--predicate", review,
                           "%s@%s" % (name, self.v1), env=docker), "attest-image --legacy-format")
        out = self.vouch("tree", "--output", "json", name + ":v1", env=docker)
        self.ok(out)
        tree = json.loads(out.stdout)
        self.assertEqual(tree["referrers"], [])
        self.assertEqual(tree["signatures"]["tag"], "sha256-%s.sig" % self.v1[7:])
        self.assertEqual(len(tree["signatures"]["layers"]), 1)
        self.assertEqual(tree["attestations"]["layers"][0]["annotations"]["predicateType"],
                         "https://example.com/review/v1")

        stdin = ["--registry-username", self.registry.username, "--registry-password-stdin"]
        out = self.vouch("verify-image", "--trusted-root", self.root, "--key", self.pub, *stdin,
                         "--output", "json", name + ":v1", input=self.registry.password + "\n")
        self.ok(out, "verify-image --key (password on stdin)")
        (att,) = json.loads(out.stdout)["attachments"]
        self.assertEqual(att["description"], "cosign .sig layer 0")
        self.assertEqual(att["source"], "cosign-sig")
        body = self.check_logged(att["logIndexes"][0])
        self.assertEqual(body["kind"], "hashedrekord")
        out = self.vouch("verify-image-attestation", "--trusted-root", self.root, "--key", self.pub,
                         "--type", "https://example.com/review/v1", name + ":v1", env=docker)
        self.ok(out, "verify-image-attestation --key")
        # Another key: not verified.
        _, other_pub = rt.key_pair(self.dir, "other")
        out = self.vouch("verify-image", "--trusted-root", self.root, "--key", other_pub,
                         name + ":v1", env=docker)
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn("FAIL cosign .sig layer 0", out.stderr)
        # Wrong registry password: the registry's refusal, exit 1.
        out = self.vouch("verify-image", "--trusted-root", self.root, "--key", self.pub,
                         "--registry-username", "alice", "--registry-password", "wrong", name + ":v1")
        self.assertEqual(out.returncode, 1)
        self.assertIn("401", out.stderr)

    def test_verifies_after_skopeo_copy_to_another_repository_and_to_a_layout(self):
        name = self.push("e2e/src")
        self.ok(self.vouch("sign-image", *self.keyless(), *self.registry.flags(),
                           "%s@%s" % (name, self.v1)))
        # The image, and the referrers tag schema index with the referrer manifests under it.
        copied = "%s/e2e/copied" % self.registry.host
        layout = os.path.join(self.dir, "copied-layout")
        for tag in ("v1", "sha256-" + self.v1[7:]):
            self.registry.copy("docker://%s:%s" % (name, tag), "docker://%s:%s" % (copied, tag))
            self.registry.copy("docker://%s:%s" % (name, tag), "oci:%s:%s" % (layout, tag))
        out = self.vouch("verify-image", *self.identity(), *self.registry.flags(), copied + ":v1")
        self.ok(out, "verify-image after skopeo copy to another repository")
        out = self.vouch("verify-image", *self.identity(), "--output", "json", "oci:%s:v1" % layout)
        self.ok(out, "verify-image of an oci: layout (no network)")
        self.assertEqual(json.loads(out.stdout)["digest"], self.v1)
        self.assertNotIn("registryRequests", json.loads(out.stdout))
        self.ok(self.vouch("verify-image", *self.identity(), "oci:%s@%s" % (layout, self.v1)))

    def test_retagged_tag_and_replaced_bundle_blob_fail_naming_why(self):
        name = self.push("e2e/tamper")
        out = self.vouch("sign-image", *self.keyless(), *self.registry.flags(), name + ":v1")
        self.ok(out)
        # The tag moved to another image: that one is not signed.
        self.push("e2e/tamper", "v2", "v1")
        out = self.vouch("verify-image", *self.identity(), *self.registry.flags(), name + ":v1")
        self.assertEqual(out.returncode, 1, out.stderr)
        self.assertIn('at step "discovery": no signatures attached to %s@%s' % (name, self.v2),
                      out.stderr)
        self.ok(self.vouch("verify-image", *self.identity(), *self.registry.flags(),
                           "%s@%s" % (name, self.v1)), "the signed digest still verifies")
        # The bundle blob replaced in the registry's storage: caught by its digest.
        out = self.vouch("tree", "--output", "json", *self.registry.flags(), "%s@%s" % (name, self.v1))
        referrer = json.loads(out.stdout)["referrers"][0]["digest"]
        manifest = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds",
                                   self.registry.creds(), "docker://%s@%s" % (name, referrer)],
                                  capture_output=True, text=True, check=True).stdout
        blob = self.registry.blob_path(json.loads(manifest)["layers"][0]["digest"])
        with open(blob, "rb") as f:
            data = bytearray(f.read())
        data[len(data) // 2] ^= 1
        with open(blob, "wb") as f:
            f.write(bytes(data))
        out = self.vouch("verify-image", *self.identity(), *self.registry.flags(), "--output",
                         "json", "%s@%s" % (name, self.v1))
        self.assertEqual(out.returncode, 1, out.stderr)
        report = json.loads(out.stdout)
        self.assertFalse(report["verified"])
        self.assertEqual(report["step"], "read")
        self.assertIn("hashes to", report["attachments"][0]["error"])

    def test_multi_arch_recursive_and_platform(self):
        layout = os.path.join(self.dir, "multi")
        rt.multi_arch_layout(layout, "m", ["linux/amd64", "linux/arm64"])
        for repo in ("e2e/multi", "e2e/multi-index-only"):
            self.registry.copy("oci:%s:m" % layout, "docker://%s/%s:m" % (self.registry.host, repo))
        name = "%s/e2e/multi" % self.registry.host
        # skopeo compresses the layers on the way, so the digests are the registry's.
        raw = subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "--creds",
                              self.registry.creds(), "docker://%s:m" % name],
                             capture_output=True, check=True).stdout
        index = "sha256:" + hashlib.sha256(raw).hexdigest()
        platforms = {"%s/%s" % (m["platform"]["os"], m["platform"]["architecture"]): m["digest"]
                     for m in json.loads(raw)["manifests"]}
        out = self.vouch("sign-image", "--recursive", *self.keyless(), *self.registry.flags(),
                         name + ":m")
        self.ok(out, "sign-image --recursive")
        self.assertEqual(sorted(out.stdout.split()),
                         sorted("%s@%s" % (name, d) for d in [index] + list(platforms.values())))
        out = self.vouch("verify-image", "--platform", "linux/arm64", "--output", "json",
                         *self.identity(), *self.registry.flags(), name + ":m")
        self.ok(out, "verify-image --platform")
        report = json.loads(out.stdout)
        self.assertEqual(report["digest"], platforms["linux/arm64"])
        self.assertEqual(report["index"], index)
        self.assertEqual([a["verified"] for a in report["attachments"]], [True, True])

        # Only the index signed: its signature counts for a platform with --platform.
        only = "%s/e2e/multi-index-only" % self.registry.host
        self.ok(self.vouch("sign-image", *self.keyless(), *self.registry.flags(), only + ":m"))
        out = self.vouch("verify-image", "--platform", "linux/amd64", *self.identity(),
                         *self.registry.flags(), only + ":m")
        self.ok(out, "the index signature with --platform")
        self.assertIn("of %s" % index, out.stderr)
        out = self.vouch("verify-image", *self.identity(), *self.registry.flags(),
                         "%s@%s" % (only, platforms["linux/amd64"]))
        self.assertEqual(out.returncode, 1, "the platform image alone is not signed")
        out = self.vouch("verify-image", "--platform", "linux/s390x", *self.identity(),
                         *self.registry.flags(), only + ":m")
        self.assertEqual(out.returncode, 1)
        self.assertIn('at step "platform"', out.stderr)
        self.assertIn("linux/amd64, linux/arm64", out.stderr)

    def test_oci_layout_sign_and_verify_without_a_registry(self):
        layout = os.path.join(self.dir, "local")
        digest = rt.umoci_image(layout, "v1", "local image\n")
        out = self.vouch("sign-image", *self.keyless(), "oci:%s:v1" % layout)
        self.ok(out, "sign-image oci:")
        self.assertEqual(out.stdout.strip(), "oci:%s@%s" % (layout, digest))
        self.ok(self.vouch("verify-image", *self.identity(), "oci:%s:v1" % layout))
        out = self.vouch("tree", "oci:%s:v1" % layout)
        self.ok(out)
        self.assertIn("referrers (1)", out.stdout)
        # attest-image, verify-image-attestation and download-attestations on the layout too,
        # with a Grype JSON report wrapped into cosign's vuln predicate.
        grype = {"matches": [{"vulnerability": {"id": "CVE-2024-0003", "severity": "Critical"}}],
                 "descriptor": {"name": "grype", "version": "0.74.0",
                                "timestamp": "2026-12-02T08:00:00Z"}}
        report = os.path.join(self.dir, "grype.json")
        with open(report, "w") as f:
            json.dump(grype, f)
        self.ok(self.vouch("attest-image", *self.keyless(), "--type", "vuln", "--predicate", report,
                           "oci:%s@%s" % (layout, digest)), "attest-image oci:")
        out = self.vouch("verify-image-attestation", *self.identity(), "--type", "vuln",
                         "--output", "json", "oci:%s:v1" % layout)
        self.ok(out, "verify-image-attestation oci:")
        (att,) = json.loads(out.stdout)["attachments"]
        predicate = att["statement"]["predicate"]
        self.assertEqual(predicate["scanner"]["uri"], "pkg:github/anchore/grype@0.74.0")
        self.assertEqual(predicate["scanner"]["result"], grype)
        self.assertEqual(predicate["metadata"]["scanFinishedOn"], "2026-12-02T08:00:00Z")
        out = self.vouch("download-attestations", "oci:%s:v1" % layout)
        self.ok(out, "download-attestations oci:")
        (line,) = out.stdout.splitlines()
        self.assertIn("dsseEnvelope", json.loads(line))
        # skopeo still reads the layout (the attachments are extra index entries).
        subprocess.run(["skopeo", "inspect", "oci:%s:v1" % layout], check=True, capture_output=True)

    def test_tls_registry_with_bearer_tokens_and_provenance_of_the_image_a_build_pushed(self):
        reg = rt.Registry(auth="token", tls=True)
        try:
            name = "%s/e2e/built" % reg.host
            digest_file = os.path.join(self.dir, "built.digest")
            # The build pushes the image (skopeo writes its digest, as docker's --iidfile
            # does); vouch provenance runs it, then attests SLSA provenance to that digest.
            build = ["skopeo", "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
                     "--dest-creds", reg.creds(), "--digestfile", digest_file,
                     "oci:%s:v1" % self.layout, "docker://%s:v1" % name]
            out = self.vouch("provenance", "--image", name + ":v1", "--image-digest-file",
                             digest_file, *self.keyless(), *reg.flags(), "--", *build)
            self.ok(out, "provenance --image over TLS with tokens")
            self.assertEqual(out.stdout.strip(), "%s@%s" % (name, self.v1))
            self.ok(self.vouch("sign-image", *self.keyless(), *reg.flags(), name + ":v1"))
            out = self.vouch("verify-image", *self.identity(), *reg.flags(), name + ":v1")
            self.ok(out, "verify-image over TLS with tokens")
            # The regexp identity flags, as verify-blob takes them.
            out = self.vouch("verify-image", "--trusted-root", self.root,
                             "--certificate-identity-regexp", r"^builder@example\.com$",
                             "--certificate-oidc-issuer-regexp", r"http://127\.0\.0\.1:[0-9]+",
                             *reg.flags(), name + ":v1")
            self.ok(out, "verify-image with the regexp flags")
            out = self.vouch("verify-image", "--trusted-root", self.root,
                             "--certificate-identity-regexp", r"^mallory@",
                             "--certificate-oidc-issuer-regexp", ".*", *reg.flags(), name + ":v1")
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn('at step "identity"', out.stderr)
            # A key-signed cosign v3 referrer next to the keyless one: with --key, the key's
            # signature verifies and the keyless one is reported as not matching.
            self.ok(self.vouch("sign-image", "--key", self.key, "--server",
                               "http://" + self.server.http, *reg.flags(), "%s@%s" % (name, self.v1)))
            out = self.vouch("verify-image", "--trusted-root", self.root, "--key", self.pub,
                             *reg.flags(), name + ":v1")
            self.ok(out, "verify-image --key of a key-signed referrer")
            self.assertIn("Verified OK: 1 of 2 signatures", out.stderr)
            self.assertIn("OK   referrer", out.stderr)
            self.assertIn("FAIL referrer", out.stderr)
            out = self.vouch("verify-image-attestation", *self.identity(), *reg.flags(), "--type",
                             "slsaprovenance1", "--slsa-builder-id",
                             "https://vouch.dev/local-builder", "--output", "json", name + ":v1")
            self.ok(out, "the provenance verifies")
            (att,) = json.loads(out.stdout)["attachments"]
            self.assertEqual(att["statement"]["subject"],
                             [{"name": name, "digest": {"sha256": self.v1[7:]}}])
            self.assertEqual(att["statement"]["predicate"]["buildDefinition"]
                             ["externalParameters"]["command"], build)
            # Pull tokens for reading, pull,push for attaching; asked with the credentials.
            self.assertIn("repository:e2e/built:pull,push", reg.token_server.scopes)
            self.assertIn("repository:e2e/built:pull", reg.token_server.scopes)
            # Without the CA the registry's certificate is not trusted (never plain http).
            creds = ["--registry-username", reg.username, "--registry-password", reg.password]
            out = self.vouch("verify-image", *self.identity(), *creds, name + ":v1")
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn("TLS certificate not trusted", out.stderr)
            # A wrong password: the token realm's refusal.
            out = self.vouch("verify-image", *self.identity(), "--registry-cacert", reg.ca_file,
                             "--registry-username", reg.username, "--registry-password", "wrong",
                             name + ":v1")
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn("answered 401", out.stderr)
            # A failed build attests nothing.
            out = self.vouch("provenance", "--image", name + ":v2", *self.keyless(), *reg.flags(),
                             "--", "false")
            self.assertEqual(out.returncode, 1, out.stderr)
            self.assertIn("exited with status 1", out.stderr)
        finally:
            reg.kill()

    def test_readme_quickstart_on_a_registry_without_auth(self):
        """The README's image quickstart, command for command (tools/run's registry: no auth,
        plain http on loopback)."""
        reg = rt.Registry(auth=None)
        try:
            img = os.path.join(self.dir, "readme-img")
            rt.run(["umoci", "init", "--layout", img])
            rt.run(["umoci", "new", "--image", img + ":v1"])
            rt.run(["skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
                    "oci:%s:v1" % img, "docker://%s/demo/app:v1" % reg.host])
            ref = "%s/demo/app:v1" % reg.host
            out = self.vouch("sign-image", "--server", "http://" + self.server.http, "--oidc-url",
                             self.oidc.issuer, "--oidc-email", EMAIL, ref)
            self.ok(out, "README sign-image")
            self.assertTrue(out.stdout.startswith("%s/demo/app@sha256:" % reg.host), out.stdout)
            out = self.vouch("verify-image", "--trusted-root", self.root, "--certificate-identity",
                             EMAIL, "--certificate-oidc-issuer", self.oidc.issuer, ref)
            self.ok(out, "README verify-image")
            self.assertIn("Verified OK: 1 of 1 signatures", out.stderr)
            out = self.vouch("tree", ref)
            self.ok(out, "README tree")
            self.assertIn("referrers (1)", out.stdout)
        finally:
            reg.kill()

    def test_copy_from_an_oci_11_registry_to_a_plain_registry_and_a_layout_verifies_offline(self):
        """`vouch copy` from a registry with the referrers API (which therefore holds no
        referrers tag schema index, so skopeo cannot carry the attachments) to docker-registry
        2.8 (no API: the copy writes the tag schema index) and to an oci: layout; the source is
        stopped before anything is verified at the destinations."""
        source = rt.Registry(auth=None)
        proxy = None
        try:
            proxy = rt.ReferrersProxy(source.host)
            layout = os.path.join(self.dir, "copy-multi")
            rt.multi_arch_layout(layout, "m", ["linux/amd64", "linux/arm64"])
            source.copy("oci:%s:m" % layout, "docker://%s/e2e/copy:m" % source.host)
            src = "%s/e2e/copy" % proxy.host
            # Keyless signatures of the index and both platforms, a vuln attestation of the
            # index (referrers, indexed by the proxy), a key-signed legacy .sig of the index.
            out = self.vouch("sign-image", "--recursive", *self.keyless(), src + ":m")
            self.ok(out, "sign-image --recursive at the OCI 1.1 source")
            signed = [line.split("@")[1] for line in out.stdout.split()]
            index, platforms = signed[0], signed[1:]
            report = os.path.join(self.dir, "copy-trivy.json")
            with open(report, "w") as f:
                json.dump(TRIVY_REPORT, f)
            self.ok(self.vouch("attest-image", *self.keyless(), "--type", "vuln", "--predicate",
                               report, "%s@%s" % (src, index)))
            self.ok(self.vouch("sign-image", "--key", self.key, "--legacy-format", "--server",
                               "http://" + self.server.http, "%s@%s" % (src, index)),
                    "sign-image --key --legacy-format")
            status, _, body = source.api("GET", "/v2/e2e/copy/tags/list")
            self.assertEqual(status, 200, body)
            self.assertEqual(sorted(json.loads(body)["tags"]),
                             sorted(["m", "sha256-%s.sig" % index[7:]]),
                             "the OCI 1.1 source has no referrers tag schema index")

            dst = "%s/e2e/copied-from-oci11" % self.registry.host
            out = self.vouch("copy", "--recursive", "--output", "json", *self.registry.flags(),
                             src + ":m", dst)
            self.ok(out, "vouch copy to docker-registry 2.8")
            copied = json.loads(out.stdout)
            self.assertEqual(copied["digest"], index)
            self.assertEqual(copied["destination"], "%s@%s" % (dst, index))
            self.assertEqual(copied["tag"], "m")
            kinds = sorted((a["kind"], a["subject"]) for a in copied["attachments"])
            self.assertEqual(kinds, sorted([("referrer", index), ("referrer", index),
                                            ("cosign signatures", index)]
                                           + [("referrer", p) for p in platforms]))
            out = self.vouch("copy", "--recursive", src + ":m", "oci:%s:m" % os.path.join(
                self.dir, "copied-from-oci11"))
            self.ok(out, "vouch copy to an oci: layout")
            lines = out.stdout.splitlines()
            self.assertEqual(lines[0], "oci:%s@%s" % (os.path.join(self.dir, "copied-from-oci11"),
                                                      index))
            self.assertEqual(len(lines), 1 + 5, out.stdout)
            self.assertIn("  cosign signatures sha256-%s.sig of %s" % (index[7:], index), lines)
            # Without --recursive only the index's own attachments travel.
            out = self.vouch("copy", "--output", "json", src + "@" + index,
                             "oci:%s" % os.path.join(self.dir, "copied-not-recursive"))
            self.ok(out, "vouch copy without --recursive")
            self.assertEqual(sorted(a["subject"] for a in json.loads(out.stdout)["attachments"]),
                             [index] * 3)
        finally:
            if proxy is not None:
                proxy.kill()
            source.kill()

        # The source is gone: everything below reads only the destinations.
        self.assertIsNotNone(source.proc.poll())
        self.assertIsNotNone(proxy.proc.poll())
        status, _, body = self.registry.api("GET", "/v2/e2e/copied-from-oci11/tags/list")
        self.assertIn("sha256-%s" % index[7:], json.loads(body)["tags"],
                      "the copy wrote the referrers tag schema index docker-registry 2.8 needs")
        # Within one registry the blobs are mounted, not downloaded and uploaded again.
        out = self.vouch("copy", "--output", "json", *self.registry.flags(), dst + ":m",
                         "%s/e2e/copied-mirror:m" % self.registry.host)
        self.ok(out, "vouch copy within one registry")
        mirror = json.loads(out.stdout)
        self.assertEqual((mirror["blobsCopied"], len(mirror["attachments"])), (0, 3), mirror)
        self.assertGreater(mirror["blobsMounted"], 0)
        at_layout = "oci:%s" % os.path.join(self.dir, "copied-from-oci11")
        for where, flags in ((dst, self.registry.flags()), (at_layout, [])):
            out = self.vouch("verify-image", *self.identity(), *flags, "--output", "json",
                             where + ":m")
            self.ok(out, "verify-image at " + where)
            self.assertEqual(json.loads(out.stdout)["digest"], index)
            out = self.vouch("verify-image", "--platform", "linux/arm64", *self.identity(), *flags,
                             "--output", "json", where + ":m")
            self.ok(out, "verify-image --platform at " + where)
            report = json.loads(out.stdout)
            self.assertEqual(report["digest"], platforms[1])
            # The platform's own signature (copied by --recursive), the index's keyless one, and
            # the index's key-signed .sig (another signer for this policy).
            self.assertEqual(sorted((a["subject"], a["source"], a["verified"])
                                    for a in report["attachments"]),
                             sorted([(platforms[1], "referrer", True), (index, "referrer", True),
                                     (index, "cosign-sig", False)]))
            self.ok(self.vouch("verify-image-attestation", "--type", "vuln", *self.identity(),
                               *flags, where + ":m"), "verify-image-attestation at " + where)
            out = self.vouch("verify-image", "--key", self.pub, "--trusted-root", self.root,
                             *flags, where + ":m")
            if where == at_layout:
                self.ok(out, "the legacy .sig in the layout")
            else:
                # cosign's simple-signing payload names the repository it was signed in; in
                # another repository the claims check refuses it (docs/images.md).
                self.assertEqual(out.returncode, 1, out.stderr)
                self.assertIn('FAIL cosign .sig layer 0: at step "claims"', out.stderr)
                self.assertIn('docker-reference "%s/e2e/copy"' % proxy.host, out.stderr)
        out = self.vouch("verify-image", *self.identity(), "oci:%s@%s" % (
            os.path.join(self.dir, "copied-not-recursive"), platforms[0]))
        self.assertEqual(out.returncode, 1, "without --recursive the platform's signature stayed")
        self.assertIn('at step "discovery"', out.stderr)

    def test_usage_errors_exit_2(self):
        for args in (["verify-image", "--trusted-root", self.root, "r.example/app:v1"],
                     ["verify-image", *self.identity(), "--key", self.pub, "r.example/app:v1"],
                     ["verify-image", *self.identity(), "Upper/Case:v1"],
                     ["verify-image", *self.identity(), "--platform", "linux", "r.example/a:v1"],
                     ["verify-image", *self.identity()],
                     ["sign-image", "r.example/app:v1"],
                     ["attest-image", *self.keyless(), "--predicate", self.pub, "r.example/a:v1"],
                     ["tree", "--registry-username", "alice", "r.example/app:v1"],
                     ["download-attestations", "--nope", "r.example/app:v1"],
                     ["copy", "r.example/app:v1"],
                     ["copy", "r.example/app:v1", "Upper/Case:v1"],
                     ["copy", "--output", "yaml", "r.example/app:v1", "oci:/tmp/x"]):
            out = self.vouch(*args)
            self.assertEqual(out.returncode, 2, "%s: %s" % (args, out.stderr))


if __name__ == "__main__":
    vt.main()
