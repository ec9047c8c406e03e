# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""`vouch sign-blob`, `attest`, `provenance` and `sign-bundle` against a real vouchd +
vouch-dev-oidc (no mocks). Every bundle is then verified offline by `vouch verify-blob` /
`verify-attestation` / `verify-bundle` with the trusted root from /api/v1/trustedRoot, and by
sigstore-js (@sigstore/verify, tests/sigstore-js/verify_vouch_bundles.mjs); a tampered artifact
is rejected by both. The log entries are also checked by vouchtest's independent RFC 6962 code."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from sigstore_js_log_test import sigstore_js_dir  # noqa: E402

EMAIL = "builder@example.com"


class SignE2eTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vouch-sign-e2e-")
        cls.oidc = vt.DevOidc()
        cls.server = vt.Server(os.path.join(cls.dir, "data"), ["--oidc-issuer", cls.oidc.issuer])
        cls.url = "http://" + cls.server.http
        cls.vouch = vt.runfile("client/cli/vouch")
        status, raw, _ = cls.server.request("GET", "/api/v1/trustedRoot")
        assert status == 200, raw
        cls.trusted_root = os.path.join(cls.dir, "trusted_root.json")
        with open(cls.trusted_root, "wb") as f:
            f.write(raw)
        # Served with the media type protobuf-specs defines for v0.2; vouch and sigstore-js both
        # read the root exactly as served.
        assert json.loads(raw)["mediaType"] == "application/vnd.dev.sigstore.trustedroot.v0.2+json"
        cls.vouch_root = cls.trusted_root
        cls.js_cases = []

    @classmethod
    def tearDownClass(cls):
        for p in (getattr(cls, "server", None), getattr(cls, "oidc", None)):
            if p is not None and p.proc.poll() is None:
                p.kill()

    @classmethod
    def run_vouch(cls, args, **kw):
        return subprocess.run([cls.vouch] + args, capture_output=True, text=True, timeout=120,
                              cwd=kw.pop("cwd", cls.dir), **kw)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data):
        with open(self.path(name), "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return self.path(name)

    def keyless(self):
        return ["--server", self.url, "--oidc-url", self.oidc.issuer, "--oidc-email", EMAIL]

    def identity(self):
        return ["--certificate-identity", EMAIL, "--certificate-oidc-issuer", self.oidc.issuer,
                "--trusted-root", self.vouch_root]

    def assert_ok(self, r):
        self.assertEqual(r.returncode, 0, "stdout: %s\nstderr: %s" % (r.stdout, r.stderr))

    def check_bundle(self, path, kind):
        """Structure of a v0.3 bundle and its entry, checked independently of our C++."""
        with open(path) as f:
            b = json.load(f)
        self.assertEqual(b["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json")
        (e,) = b["verificationMaterial"]["tlogEntries"]
        self.assertEqual(e["kindVersion"], {"kind": kind, "version": "0.0.1"})
        self.assertIsInstance(e["integratedTime"], str)
        body = base64.b64decode(e["canonicalizedBody"])
        proof = e["inclusionProof"]
        key = self.server.public_key()
        self.assertEqual(base64.b64decode(e["logId"]["keyId"]), vt.log_id(key))
        vt.verify_inclusion(int(proof.get("logIndex", "0")), int(proof["treeSize"]),
                            vt.leaf_hash(body), [base64.b64decode(h) for h in proof.get("hashes", [])],
                            base64.b64decode(proof["rootHash"]))
        _, size, root = vt.verify_checkpoint(proof["checkpoint"]["envelope"], key)
        self.assertEqual((size, root), (int(proof["treeSize"]), base64.b64decode(proof["rootHash"])))
        vt.verify_sig(key, base64.b64decode(e["inclusionPromise"]["signedEntryTimestamp"]),
                      vt.set_payload(e["canonicalizedBody"], int(e["integratedTime"]),
                                     vt.log_id(key).hex(), int(e.get("logIndex", "0"))))
        self.assertEqual(len(b["verificationMaterial"]["timestampVerificationData"]
                             ["rfc3161Timestamps"]), 1)
        return b

    def js_case(self, name, bundle, artifact=None, key=None, expect="ok"):
        c = {"case": name, "bundle": bundle, "expect": expect}
        if artifact:
            c["artifact"] = artifact
        if key:
            c["key"] = key
        else:
            c.update(identity=EMAIL, issuer=self.oidc.issuer)
        self.js_cases.append(c)

    # ------------------------------------------------------------------ the commands

    def test_1_sign_blob_keyless_several_files(self):
        a = self.write("a.txt", b"vouch e2e artifact a\n")
        b = self.write("b.bin", os.urandom(100000))
        r = self.run_vouch(["sign-blob"] + self.keyless() + [a, b])
        self.assert_ok(r)
        self.assertEqual(len([l for l in r.stderr.splitlines() if l.startswith("signed ")]), 2,
                         r.stderr)
        ba = self.check_bundle(a + ".sigstore.json", "hashedrekord")
        bb = self.check_bundle(b + ".sigstore.json", "hashedrekord")
        # One certificate for both files.
        self.assertEqual(ba["verificationMaterial"]["certificate"],
                         bb["verificationMaterial"]["certificate"])
        self.assertEqual(base64.b64decode(ba["messageSignature"]["messageDigest"]["digest"]),
                         hashlib.sha256(open(a, "rb").read()).digest())
        for f in (a, b):
            self.assert_ok(self.run_vouch(["verify-blob", "--bundle", f + ".sigstore.json"] +
                                          self.identity() + [f]))
        tampered = self.write("a-tampered.txt", b"vouch e2e artifact A\n")
        r = self.run_vouch(["verify-blob", "--bundle", a + ".sigstore.json"] + self.identity() +
                           [tampered])
        self.assertEqual(r.returncode, 1, r.stderr)
        r = self.run_vouch(["verify-blob", "--bundle", a + ".sigstore.json",
                            "--certificate-identity", "mallory@example.com",
                            "--certificate-oidc-issuer", self.oidc.issuer,
                            "--trusted-root", self.vouch_root, a])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.js_case("sign-blob keyless", a + ".sigstore.json", a)
        self.js_case("sign-blob keyless, 2nd file", b + ".sigstore.json", b)
        self.js_case("sign-blob keyless, tampered artifact", a + ".sigstore.json", tampered,
                     expect="reject")

    def test_2_sign_blob_identity_token_sources(self):
        token = self.oidc.token(email=EMAIL)
        f = self.write("c.txt", b"token sources\n")
        tf = self.write("token.txt", token + "\n")
        for i, (extra, env) in enumerate([
                (["--identity-token", token], None),
                (["--identity-token-file", tf], None),
                ([], dict(os.environ, SIGSTORE_ID_TOKEN=token))]):
            out = self.path("c.%d.sigstore.json" % i)
            r = self.run_vouch(["sign-blob", "--server", self.url, "--bundle", out] + extra + [f],
                               env=env)
            self.assert_ok(r)
            self.assert_ok(self.run_vouch(["verify-blob", "--bundle", out] + self.identity() + [f]))

    def test_3_sign_blob_with_key(self):
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        priv = ec.generate_private_key(ec.SECP256R1())
        key = self.write("key.pem", priv.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))
        pub = self.write("key.pub", priv.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
        f = self.write("d.txt", b"signed with a key\n")
        out = self.path("d.key.sigstore.json")
        self.assert_ok(self.run_vouch(["sign-blob", "--server", self.url, "--key", key,
                                       "--bundle", out, f]))
        b = self.check_bundle(out, "hashedrekord")
        self.assertIn("publicKey", b["verificationMaterial"])
        self.assert_ok(self.run_vouch(["verify-blob", "--bundle", out, "--key", pub,
                                       "--trusted-root", self.vouch_root, f]))
        tampered = self.write("d-tampered.txt", b"signed with a key!\n")
        r = self.run_vouch(["verify-blob", "--bundle", out, "--key", pub,
                            "--trusted-root", self.vouch_root, tampered])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.js_case("sign-blob --key", out, f, key=pub)
        self.js_case("sign-blob --key, tampered artifact", out, tampered, key=pub,
                     expect="reject")

    def test_4_attest(self):
        f = self.write("e.tar", b"release tarball\n")
        pred = self.write("pred.json", json.dumps({"review": "passed", "by": EMAIL}))
        out = self.path("e.att.sigstore.json")
        self.assert_ok(self.run_vouch(["attest"] + self.keyless() +
                                      ["--predicate", pred, "--type", "https://vouch.dev/review/v1",
                                       "--bundle", out, f]))
        b = self.check_bundle(out, "dsse")
        env = b["dsseEnvelope"]
        self.assertEqual(env["payloadType"], "application/vnd.in-toto+json")
        st = json.loads(base64.b64decode(env["payload"]))
        self.assertEqual(st["_type"], "https://in-toto.io/Statement/v1")
        self.assertEqual(st["subject"][0]["digest"]["sha256"],
                         hashlib.sha256(b"release tarball\n").hexdigest())
        self.assertEqual(st["predicate"], {"review": "passed", "by": EMAIL})
        self.assert_ok(self.run_vouch(["verify-attestation", "--bundle", out, "--type",
                                       "https://vouch.dev/review/v1"] + self.identity() + [f]))
        tampered = self.write("e-tampered.tar", b"release tarball!\n")
        r = self.run_vouch(["verify-attestation", "--bundle", out] + self.identity() + [tampered])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.js_case("attest", out)
        # sigstore-js does not match subjects; a changed payload must fail its signature check.
        bad = json.loads(open(out).read())
        st["subject"][0]["digest"]["sha256"] = hashlib.sha256(b"other").hexdigest()
        bad["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
        self.js_case("attest, tampered statement", self.write("e.bad.sigstore.json",
                                                              json.dumps(bad)), expect="reject")

    def test_5_provenance_runs_the_build(self):
        out = self.path("prov.sigstore.json")
        self.assert_ok(self.run_vouch(["provenance"] + self.keyless() +
                                      ["--bundle", out, "--dependency",
                                       "git+https://example.com/src@sha256:" + "ab" * 32,
                                       "--", "sh", "-c", "echo hi > out.txt",
                                       "--subject", "out.txt"]))
        art = self.path("out.txt")
        with open(art) as f:
            self.assertEqual(f.read(), "hi\n")
        b = self.check_bundle(out, "dsse")
        st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
        self.assertEqual(st["predicateType"], "https://slsa.dev/provenance/v1")
        self.assertEqual(st["subject"], [{"name": "out.txt", "digest": {
            "sha256": hashlib.sha256(b"hi\n").hexdigest()}}])
        p = st["predicate"]
        self.assertEqual(p["buildDefinition"]["externalParameters"]["command"],
                         ["sh", "-c", "echo hi > out.txt"])
        self.assertEqual(p["buildDefinition"]["externalParameters"]["cwd"],
                         os.path.realpath(self.dir))
        self.assertEqual(p["buildDefinition"]["resolvedDependencies"],
                         [{"uri": "git+https://example.com/src", "digest": {"sha256": "ab" * 32}}])
        self.assertEqual(p["runDetails"]["builder"]["id"], "https://vouch.dev/local-builder")
        md = p["runDetails"]["metadata"]
        self.assertTrue(md["invocationId"])
        self.assertLessEqual(md["startedOn"], md["finishedOn"])
        self.assert_ok(self.run_vouch(["verify-attestation", "--bundle", out, "--type",
                                       "slsaprovenance1", "--slsa-builder-id",
                                       "https://vouch.dev/local-builder"] + self.identity() + [art]))
        tampered = self.write("out-tampered.txt", b"ho\n")
        r = self.run_vouch(["verify-attestation", "--bundle", out] + self.identity() + [tampered])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.js_case("provenance", out)

    def test_6_provenance_failed_build_writes_nothing(self):
        out = self.path("prov-fail.sigstore.json")
        r = self.run_vouch(["provenance"] + self.keyless() +
                           ["--bundle", out, "--subject", "x", "--", "sh", "-c", "exit 3"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("exited with status 3", r.stderr)
        self.assertFalse(os.path.exists(out))

    def test_7_sign_bundle_conformance_protocol(self):
        status, raw, _ = self.server.request("GET", "/api/v1/signingConfig")
        self.assertEqual(status, 200)
        sc = self.write("signing_config.json", raw)
        token = self.oidc.token(email=EMAIL)
        f = self.write("g.txt", b"conformance artifact\n")
        out = self.path("g.sigstore.json")
        self.assert_ok(self.run_vouch(["sign-bundle", "--identity-token", token, "--bundle", out,
                                       "--trusted-root", self.trusted_root, "--signing-config", sc,
                                       f]))
        self.check_bundle(out, "hashedrekord")
        self.assert_ok(self.run_vouch(["verify-bundle", "--bundle", out] + self.identity() + [f]))
        self.js_case("sign-bundle", out, f)

        statement = self.write("statement.json", json.dumps({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "g.txt", "digest": {
                "sha256": hashlib.sha256(b"conformance artifact\n").hexdigest()}}],
            "predicateType": "https://vouch.dev/test/v1", "predicate": {}}))
        out2 = self.path("g.intoto.sigstore.json")
        self.assert_ok(self.run_vouch(["sign-bundle", "--in-toto", "--identity-token", token,
                                       "--bundle", out2, "--signing-config", sc, statement]))
        self.check_bundle(out2, "dsse")
        self.assert_ok(self.run_vouch(["verify-attestation", "--bundle", out2] + self.identity() +
                                      [f]))
        self.js_case("sign-bundle --in-toto", out2)

    def test_8_errors_name_the_step(self):
        f = self.write("h.txt", b"h\n")
        r = self.run_vouch(["sign-blob", "--server", self.url, "--identity-token",
                            "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V2aWwiLCJzdWIiOiJ4In0.AA",
                            f])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("signing certificate: 401", r.stderr)
        r = self.run_vouch(["sign-blob", "--identity-token", "x", f])  # no services
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.run_vouch(["sign-blob", "--server", self.url, "--bogus", f])
        self.assertEqual(r.returncode, 2, r.stderr)

    def signing_cert(self, token, challenge):
        """POST /api/v2/signingCert as sigstore-js's FulcioSigner does, with a fresh P-256 key and
        its proof of possession over |challenge|: (HTTP status, JSON answer)."""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        proof = key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256()))
        status, raw, _ = self.server.request("POST", "/api/v2/signingCert", {
            "credentials": {"oidcIdentityToken": token},
            "publicKeyRequest": {"publicKey": {"algorithm": "ECDSA", "content": pem.decode()},
                                 "proofOfPossession": base64.b64encode(proof).decode()}})
        return status, json.loads(raw)

    def test_8c_identity_claims_from_a_real_issuer(self):
        """E-mail claims that once became certificate identities, minted by vouch-dev-oidc (a
        validly signed token) and sent over HTTP: 400 naming the claim, nothing issued."""
        forgeries = {
            "me@example.com\0@evil.com": "control character U+0000 at byte 14",
            "@": "empty local part",
            "a@b@c": "want exactly one '@', found 2",
            "<x@y>": "character \"<\" is not allowed in the local part",
            "a@b.com,c@d": "want exactly one '@', found 2",
            "a@b.com\nx": "control character U+000A at byte 7",
            "admin\u202emoc.elgoog@example.com": "U+202E is not allowed",
        }
        for email, why in forgeries.items():
            status, answer = self.signing_cert(self.oidc.token_for(email=email, sub="s"), email)
            self.assertEqual(status, 400, (email, answer))
            self.assertEqual(answer["code"], 400)
            self.assertIn('identity token claim "email": ' + why, answer["message"], email)

        # A non-ASCII local part: an RFC 9598 SmtpUTF8Mailbox otherName (UTF8String), the domain
        # in lower-case A-labels; checked here with Python's own X.509 parser.
        from cryptography import x509
        email = "j\u00f6rg@B\u00fccher.Example"
        mailbox = "j\u00f6rg@xn--bcher-kva.example"
        status, answer = self.signing_cert(self.oidc.token_for(email=email), email)
        self.assertEqual(status, 201, answer)
        leaf = x509.load_pem_x509_certificate(
            answer["signedCertificateEmbeddedSct"]["chain"]["certificates"][0].encode())
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        self.assertTrue(san.critical)
        (name,) = list(san.value)
        self.assertIsInstance(name, x509.OtherName)
        self.assertEqual(name.type_id.dotted_string, "1.3.6.1.5.5.7.8.9")
        utf8 = mailbox.encode()
        self.assertEqual(name.value, b"\x0c" + bytes([len(utf8)]) + utf8)

        # The whole flow: sign with that token, verify with the mailbox as the certificate has it.
        f = self.write("utf8-mailbox.txt", b"signed by an internationalized address\n")
        out = self.path("utf8-mailbox.sigstore.json")
        self.assert_ok(self.run_vouch(["sign-blob", "--server", self.url, "--identity-token",
                                       self.oidc.token_for(email=email), "--bundle", out, f]))
        args = ["verify-blob", f, "--bundle", out, "--certificate-oidc-issuer", self.oidc.issuer,
                "--trusted-root", self.vouch_root, "--certificate-identity"]
        self.assert_ok(self.run_vouch(args + [mailbox]))
        r = self.run_vouch(args + [email])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("identity", r.stderr)

    def check_v2_bundle(self, path, kind):
        """A Rekor v2 bundle: a kind 0.0.2 entry without SET or integrated time, with an inclusion
        proof and checkpoint by the log, and an RFC 3161 timestamp (the only signing time)."""
        with open(path) as f:
            b = json.load(f)
        self.assertEqual(b["mediaType"], "application/vnd.dev.sigstore.bundle.v0.3+json")
        (e,) = b["verificationMaterial"]["tlogEntries"]
        self.assertEqual(e["kindVersion"], {"kind": kind, "version": "0.0.2"})
        self.assertNotIn("inclusionPromise", e)
        self.assertIn(e.get("integratedTime", "0"), ("0", 0))
        body = json.loads(base64.b64decode(e["canonicalizedBody"]))
        self.assertEqual((body["kind"], body["apiVersion"]), (kind, "0.0.2"))
        proof = e["inclusionProof"]
        key = self.server.public_key()
        self.assertEqual(base64.b64decode(e["logId"]["keyId"]), vt.log_id(key))
        vt.verify_inclusion(int(proof.get("logIndex", "0")), int(proof["treeSize"]),
                            vt.leaf_hash(base64.b64decode(e["canonicalizedBody"])),
                            [base64.b64decode(h) for h in proof.get("hashes", [])],
                            base64.b64decode(proof["rootHash"]))
        _, size, root = vt.verify_checkpoint(proof["checkpoint"]["envelope"], key)
        self.assertEqual((size, root), (int(proof["treeSize"]), base64.b64decode(proof["rootHash"])))
        self.assertEqual(len(b["verificationMaterial"]["timestampVerificationData"]
                             ["rfc3161Timestamps"]), 1)
        return b, body

    def test_8b_rekor_v2(self):
        # sign-blob, keyless: hashedrekord 0.0.2 + RFC 3161 timestamp.
        f = self.write("v2.txt", b"vouch e2e rekor v2 artifact\n")
        out = self.path("v2.sigstore.json")
        r = self.run_vouch(["sign-blob", "--rekor-version", "2", "--bundle", out] +
                           self.keyless() + [f])
        self.assert_ok(r)
        self.assertIn("timestamped", r.stderr)
        b, body = self.check_v2_bundle(out, "hashedrekord")
        spec = body["spec"]["hashedRekordV002"]
        self.assertEqual(base64.b64decode(spec["data"]["digest"]),
                         hashlib.sha256(open(f, "rb").read()).digest())
        self.assertEqual(spec["signature"]["verifier"]["keyDetails"], "PKIX_ECDSA_P256_SHA_256")
        self.assertEqual(spec["signature"]["verifier"]["x509Certificate"]["rawBytes"],
                         b["verificationMaterial"]["certificate"]["rawBytes"])
        self.assert_ok(self.run_vouch(["verify-blob", "--bundle", out] + self.identity() + [f]))
        tampered = self.write("v2-tampered.txt", b"vouch e2e rekor v2 artifact!\n")
        r = self.run_vouch(["verify-blob", "--bundle", out] + self.identity() + [tampered])
        self.assertEqual(r.returncode, 1, r.stderr)
        # Without its timestamp the bundle has no signing time and is refused.
        untimed = json.loads(open(out).read())
        del untimed["verificationMaterial"]["timestampVerificationData"]
        r = self.run_vouch(["verify-blob", "--bundle", self.write("v2.untimed.json",
                                                                   json.dumps(untimed))] +
                           self.identity() + [f])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.js_case("sign-blob --rekor-version 2", out, f)
        self.js_case("sign-blob --rekor-version 2, tampered artifact", out, tampered,
                     expect="reject")

        # attest, keyless: dsse 0.0.2.
        art = self.write("v2.tar", b"rekor v2 tarball\n")
        pred = self.write("v2-pred.json", json.dumps({"log": "v2"}))
        att = self.path("v2.att.sigstore.json")
        self.assert_ok(self.run_vouch(["attest", "--rekor-version", "2"] + self.keyless() +
                                      ["--predicate", pred, "--type", "https://vouch.dev/v2/v1",
                                       "--bundle", att, art]))
        b, body = self.check_v2_bundle(att, "dsse")
        self.assertEqual(base64.b64decode(body["spec"]["dsseV002"]["payloadHash"]["digest"]),
                         hashlib.sha256(base64.b64decode(b["dsseEnvelope"]["payload"])).digest())
        self.assert_ok(self.run_vouch(["verify-attestation", "--bundle", att, "--type",
                                       "https://vouch.dev/v2/v1"] + self.identity() + [art]))
        tampered = self.write("v2-tampered.tar", b"rekor v2 tarball!\n")
        r = self.run_vouch(["verify-attestation", "--bundle", att] + self.identity() + [tampered])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.js_case("attest --rekor-version 2", att)
        bad = json.loads(open(att).read())
        st = json.loads(base64.b64decode(bad["dsseEnvelope"]["payload"]))
        st["subject"][0]["digest"]["sha256"] = hashlib.sha256(b"other").hexdigest()
        bad["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
        self.js_case("attest --rekor-version 2, tampered statement",
                     self.write("v2.att.bad.json", json.dumps(bad)), expect="reject")

        # Usage: a bad version, and v2 without a timestamp.
        r = self.run_vouch(["sign-blob", "--rekor-version", "3"] + self.keyless() + [f])
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.run_vouch(["sign-blob", "--rekor-version", "2", "--no-timestamp"] +
                           self.keyless() + [f])
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--no-timestamp", r.stderr)

    def test_9_sigstore_js_verifies_every_bundle(self):
        js = sigstore_js_dir()
        if js is None:
            if os.environ.get("CI") == "true":
                self.fail("sigstore-js is not installed (tools/setup installs it)")
            self.skipTest("sigstore-js not installed: run tools/setup and tools/test")
        self.assertGreaterEqual(len(self.js_cases), 10, self.js_cases)
        cases = self.write("js_cases.json", json.dumps(self.js_cases))
        out = subprocess.run(["node", os.path.join(js, "verify_vouch_bundles.mjs"),
                              self.trusted_root, cases], capture_output=True, text=True,
                             timeout=120, cwd=js)
        results = [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(len(results), len(self.js_cases))
        self.assertTrue(all(r["ok"] for r in results), out.stdout)


if __name__ == "__main__":
    vt.main()
