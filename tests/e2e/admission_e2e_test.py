# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""The admission webhook end to end, as a Kubernetes API server would call it: a real vouchd
started with --admission-policy serving HTTPS (a certificate made here with openssl), real
docker-registry processes with basic auth (vouchd reads the credentials from $DOCKER_CONFIG),
images pushed over the registry API and signed and attested with the vouch CLI against vouchd
and vouch-dev-oidc. AdmissionReview v1 documents (server/testdata/admission: a Pod, a Deployment,
a CronJob, the Kubernetes documentation's example) are POSTed to /validate and /mutate; the
answers, the JSONPatch, vouchd's /metrics and the audit log (log indexes checked against the log
with vouchtest's independent RFC 6962/SET code) are checked. One vouchd and two registries for
the file (the second is stopped by pid for the fail-closed case)."""

import base64
import concurrent.futures
import copy
import datetime
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import registrytest as rt  # noqa: E402
import vouchtest as vt  # noqa: E402

EMAIL = "builder@example.com"
BUILDER = "https://github.com/actions/runner/github-hosted"
SOURCE = "https://github.com/acme/shop"

POLICIES = """\
apiVersion: policy.vouch.dev/v1
kind: PolicySettings
spec:
  defaultAction: allow
  trustedRegistries: ["{host}/**", "{host2}/**"]
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: signed}}
spec:
  images: [{{glob: "{host}/keyless/**"}}, {{glob: "{host}/mutate/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: provenance}}
spec:
  images: [{{glob: "{host}/prov/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
  attestations:
    - name: slsa
      predicateType: slsaprovenance1
      slsa: {{builderId: "{builder}", sourceRepository: "{source}"}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: scanned}}
spec:
  images: [{{glob: "{host}/vuln/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
  attestations:
    - {{name: scan, predicateType: vuln, vuln: {{maxSeverity: CRITICAL, maxAge: 7d}}}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: two-of-two}}
spec:
  images: [{{glob: "{host}/two/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
    - {{name: release-key, key: {{publicKeyFiles: ["{pub}"]}}}}
  count: 2
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: advisory}}
spec:
  mode: warn
  images: [{{glob: "{host}/warn/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: prod-by-label}}
spec:
  images: [{{glob: "{host}/ns/label/**"}}]
  namespaces: {{selector: {{matchLabels: {{env: prod}}}}}}
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: payments-by-name}}
spec:
  images: [{{glob: "{host}/ns/name/**"}}]
  namespaces: {{names: [payments]}}
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: closed}}
spec:
  images: [{{glob: "{host2}/closed/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
---
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: open}}
spec:
  failurePolicy: open
  images: [{{glob: "{host2}/open/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
"""


# A second policy file, rewritten by the reload test.
RELOAD_POLICY = """\
apiVersion: policy.vouch.dev/v1
kind: ImagePolicy
metadata: {{name: reloadable}}
spec:
  images: [{{glob: "{host}/reload/**"}}]
  authorities:
    - {{name: builder, keyless: {{issuer: "{issuer}", subject: "{email}"}}}}
"""


def make_certificate(cert, key, cn="vouch-admission.vouch-system.svc"):
    """A self-signed P-256 certificate for the webhook's Service (here: 127.0.0.1)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                    "/CN=" + cn, "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:vouch-admission.vouch-system.svc",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)


def trivy(severities, created):
    return {"SchemaVersion": 2, "CreatedAt": created, "ArtifactName": "app",
            "Trivy": {"Version": "0.50.1"},
            "Results": [{"Target": "app", "Vulnerabilities": [
                {"VulnerabilityID": "CVE-2026-%04d" % i, "Severity": s}
                for i, s in enumerate(severities)]}]}


def provenance(builder, repository):
    return {"buildDefinition": {
        "buildType": "https://actions.github.io/buildtypes/workflow/v1",
        "externalParameters": {"workflow": {"repository": repository, "ref": "refs/heads/main",
                                            "path": ".github/workflows/release.yml"}},
        "resolvedDependencies": [{"uri": "git+%s@refs/heads/main" % repository}]},
        "runDetails": {"builder": {"id": builder}}}


def apply_patch(doc, patch):
    """RFC 6902 'replace' (all the webhook sends), with RFC 6901 pointers, written here."""
    doc = copy.deepcopy(doc)
    for op in patch:
        assert op["op"] == "replace", op
        parts = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = int(parts[-1]) if isinstance(parent, list) else parts[-1]
        if isinstance(parent, list):
            assert 0 <= last < len(parent), op
        else:
            assert last in parent, "replace of a missing member %s" % op["path"]
        parent[last] = op["value"]
    return doc


class AdmissionE2eTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vouch-admission-e2e-")
        cls.vouch_bin = vt.runfile("client/cli/vouch")
        cls.procs = []
        try:
            cls._start()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def _start(cls):
        cls.oidc = vt.DevOidc()
        cls.procs.append(cls.oidc)
        cls.registry = rt.Registry()
        cls.procs.append(cls.registry)
        cls.registry2 = rt.Registry()  # stopped by the fail-closed case
        cls.procs.append(cls.registry2)
        host, host2 = cls.registry.host, cls.registry2.host
        # vouchd reads registry credentials from Docker's config.
        docker = os.path.join(cls.dir, "docker")
        os.makedirs(docker)
        with open(os.path.join(docker, "config.json"), "w") as f:
            json.dump({"auths": {r.host: {"auth": base64.b64encode(r.creds().encode()).decode()}
                                 for r in (cls.registry, cls.registry2)}}, f)
        # The webhook's certificate, as one would issue it for the Service (here: 127.0.0.1).
        cls.cert, tls_key = os.path.join(cls.dir, "tls.crt"), os.path.join(cls.dir, "tls.key")
        cls.tls_key = tls_key
        make_certificate(cls.cert, tls_key)
        cls.key, cls.pub = rt.key_pair(cls.dir, "release")
        policies = os.path.join(cls.dir, "policies")
        os.makedirs(policies)
        with open(os.path.join(policies, "policies.yaml"), "w") as f:
            f.write(POLICIES.format(host=host, host2=host2, issuer=cls.oidc.issuer, email=EMAIL,
                                    builder=BUILDER, source=SOURCE, pub=cls.pub))
        cls.reload_policy = os.path.join(policies, "reload.yaml")
        with open(cls.reload_policy, "w") as f:
            f.write(RELOAD_POLICY.format(host=host, issuer=cls.oidc.issuer, email=EMAIL))
        cls.labels = labels = os.path.join(cls.dir, "namespaces.yaml")
        with open(labels, "w") as f:
            f.write("shop-prod: {env: prod, team: shop}\nshop-dev: {env: dev}\n")
        cls.audit = os.path.join(cls.dir, "audit.jsonl")
        cls.server = vt.Server(os.path.join(cls.dir, "data"), [
            "--oidc-issuer", cls.oidc.issuer, "--admission-policy", policies,
            "--admission-addr", "127.0.0.1:0", "--admission-tls-cert", cls.cert,
            "--admission-tls-key", tls_key, "--admission-audit-log", cls.audit,
            "--admission-namespace-labels", labels], env={"DOCKER_CONFIG": docker})
        cls.procs.insert(0, cls.server)
        cls.tls = ssl.create_default_context(cafile=cls.cert)

        # The images, and what is attached to them (CLI runs overlap: they mostly wait).
        now = datetime.datetime.now(datetime.timezone.utc)
        fresh = (now - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        stale = (now - datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
        cls.digests = {}
        images = {  # repository -> (registry, [attachments])
            "keyless/signed": (cls.registry, [("sign", EMAIL)]),
            "keyless/unsigned": (cls.registry, []),
            "keyless/mallory": (cls.registry, [("sign", "mallory@example.com")]),
            "keyless/cache": (cls.registry, [("sign", EMAIL)]),
            "mutate/app": (cls.registry, [("sign", EMAIL)]),
            "prov/good": (cls.registry, [("sign", EMAIL), ("attest", provenance(BUILDER, SOURCE))]),
            "prov/missing": (cls.registry, [("sign", EMAIL)]),
            "prov/other-builder": (cls.registry, [("sign", EMAIL), ("attest", provenance(
                "https://jenkins.evil.example/builder", SOURCE))]),
            "prov/other-repo": (cls.registry, [("sign", EMAIL), ("attest", provenance(
                BUILDER, "https://github.com/mallory/shop"))]),
            "vuln/clean": (cls.registry, [("sign", EMAIL), ("vuln", trivy(["HIGH", "LOW"], fresh))]),
            "vuln/critical": (cls.registry, [("sign", EMAIL),
                                             ("vuln", trivy(["LOW", "CRITICAL"], fresh))]),
            "vuln/stale": (cls.registry, [("sign", EMAIL), ("vuln", trivy(["LOW"], stale))]),
            "two/one": (cls.registry, [("sign", EMAIL)]),
            "two/both": (cls.registry, [("sign", EMAIL), ("key", None)]),
            "warn/unsigned": (cls.registry, []),
            "ns/label/app": (cls.registry, []),
            "ns/name/app": (cls.registry, []),
            "closed/app": (cls.registry2, [("sign", EMAIL)]),
            "open/app": (cls.registry2, [("sign", EMAIL)]),
            "reload/app": (cls.registry, [("sign", EMAIL)]),
        }
        for repo, (reg, _) in images.items():
            cls.digests[repo] = reg.push_image(repo, "v1", "%s v1\n" % repo)
        cls.digests["closed/app:v2"] = cls.registry2.push_image("closed/app", "v2", "closed v2\n")

        def attach(job):
            repo, reg, (what, arg), n = job
            ref = "%s/%s@%s" % (reg.host, repo, cls.digests[repo])
            server = ["--server", "http://" + cls.server.http]
            keyless = server + ["--oidc-url", cls.oidc.issuer, "--oidc-email", arg or EMAIL]
            if what == "sign":
                argv = ["sign-image", *keyless]
            elif what == "key":
                argv = ["sign-image", "--key", cls.key, *server]
            else:
                path = os.path.join(cls.dir, "predicate-%d.json" % n)
                with open(path, "w") as f:
                    json.dump(arg, f)
                argv = ["attest-image", *server, "--oidc-url", cls.oidc.issuer, "--oidc-email",
                        EMAIL, "--type", "slsaprovenance1" if what == "attest" else "vuln",
                        "--predicate", path]
            out = cls.vouch(*argv, *reg.flags(), ref)
            if out.returncode != 0:
                raise RuntimeError("%s %s: %s" % (what, ref, out.stderr))

        jobs, n = [], 0
        for repo, (reg, attachments) in images.items():
            for a in attachments:
                jobs.append((repo, reg, a, n))
                n += 1
        # One signing first: vouchd fetches the issuer's keys on the first token, and a
        # concurrent first token is refused 503 "refetch rate-limited" until that fetch ends
        # (signer/oidc.cc GetKeys; reported, not fixed here).
        attach(jobs[0])
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(attach, jobs[1:]))

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            p.kill()

    # ---------------------------------------------------------------- helpers

    @classmethod
    def vouch(cls, *args):
        e = dict(os.environ)
        e.pop("SIGSTORE_ID_TOKEN", None)
        e["DOCKER_CONFIG"] = os.path.join(cls.dir, "no-docker-config")
        return subprocess.run([cls.vouch_bin] + list(args), capture_output=True, text=True, env=e,
                              timeout=120)

    def image(self, repo, tag="v1", registry=None):
        return "%s/%s:%s" % ((registry or self.registry).host, repo, tag)

    def pinned(self, repo):
        return "%s/%s@%s" % (self.registry.host, repo, self.digests[repo])

    def review(self, template, ns="prod", **images):
        """An AdmissionReview from server/testdata/admission/TEMPLATE.json with IMAGE_MAIN,
        IMAGE_INIT, IMAGE_SIDECAR set (main=..., init=..., sidecar=...), a new uid, in |ns|."""
        with open(vt.runfile("server/testdata/admission/%s.json" % template)) as f:
            text = f.read()
        for k, v in images.items():
            text = text.replace('"IMAGE_%s"' % k.upper(), json.dumps(v))
        r = json.loads(text)
        r["request"]["uid"] = str(uuid.uuid4())
        r["request"]["namespace"] = ns
        meta = r["request"]["object"].get("metadata", {})
        if "namespace" in meta:
            meta["namespace"] = ns
        return r

    def post(self, path, review, raw=None):
        """POST to the webhook over HTTPS (the certificate checked): (HTTP status, answer)."""
        host, port = self.server.admission.rsplit(":", 1)
        c = http.client.HTTPSConnection(host, int(port), context=self.tls, timeout=30)
        c.request("POST", path, body=raw if raw is not None else json.dumps(review),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        body = r.read()
        c.close()
        if r.status != 200:
            return r.status, body.decode()
        answer = json.loads(body)
        self.assertEqual(answer["apiVersion"], "admission.k8s.io/v1")
        self.assertEqual(answer["kind"], "AdmissionReview")
        self.assertEqual(answer["response"]["uid"], review["request"]["uid"])
        return r.status, answer["response"]

    def validate(self, review):
        status, response = self.post("/validate", review)
        self.assertEqual(status, 200, response)
        return response

    def audit_lines(self, uid):
        with open(self.audit) as f:
            return [json.loads(line) for line in f if json.loads(line)["uid"] == uid]

    def metric(self, name, **labels):
        status, raw, _ = self.server.request("GET", "/metrics")
        self.assertEqual(status, 200)
        total = 0.0
        for line in raw.decode().splitlines():
            if not line.startswith(name + "{"):
                continue
            body, value = line.rsplit(" ", 1)
            got = dict(kv.split("=", 1) for kv in body[len(name) + 1:-1].split(","))
            got = {k: v.strip('"') for k, v in got.items()}
            if all(got.get(k) == v for k, v in labels.items()):
                total += float(value)
        return total

    def check_logged(self, index):
        """The log entry at |index| verified independently (inclusion, checkpoint, SET)."""
        entry_uuid, entry = self.server.entry_at(index)
        vt.check_log_entry(entry_uuid, entry, self.server.public_key())
        return json.loads(base64.b64decode(entry["body"]))

    # ---------------------------------------------------------------- tests

    def test_signed_allowed_unsigned_and_wrong_identity_denied_with_audit_and_log_indexes(self):
        r = self.review("pod", ns="shop-prod", main=self.image("keyless/signed"),
                        init=self.image("keyless/unsigned"), sidecar=self.image("keyless/mallory"))
        resp = self.validate(r)
        self.assertFalse(resp["allowed"])
        self.assertEqual(resp["status"]["code"], 403)
        msg = resp["status"]["message"]
        # The two denied images, one line each in container order (containers, then
        # initContainers), not the signed one.
        lines = msg.split("\n")
        self.assertEqual(lines, [
            "image %s denied: policy signed: 0 of 1 authorities passed, 1 required: authority "
            "builder: none of 1 signatures verifies: referrer %s... (sigstore bundle): identity: "
            'certificate identity [mallory@example.com] does not match "%s"'
            % (self.image("keyless/mallory"), lines[0].split("referrer ")[1][:19], EMAIL),
            "image %s denied: policy signed: 0 of 1 authorities passed, 1 required: authority "
            "builder: no signature is attached to %s"
            % (self.image("keyless/unsigned"), self.digests["keyless/unsigned"])])
        self.assertNotIn(self.image("keyless/signed"), msg)

        # One audit line per image, with the log index of the signature that counted.
        audit = {a["image"]: a for a in self.audit_lines(r["request"]["uid"])}
        self.assertEqual(len(audit), 3)
        signed = audit[self.image("keyless/signed")]
        for key in ("time", "webhook", "uid", "namespace", "kind", "name", "operation", "image",
                    "digest", "policyVersion", "decision", "cached", "policies", "reasons",
                    "warnings", "logIndexes"):
            self.assertIn(key, signed)
        self.assertEqual((signed["webhook"], signed["namespace"], signed["kind"], signed["name"],
                          signed["operation"], signed["decision"], signed["digest"]),
                         ("validate", "shop-prod", "Pod", "web", "CREATE", "allow",
                          self.digests["keyless/signed"]))
        self.assertEqual(signed["policies"], [{"name": "signed", "mode": "enforce", "passed": True}])
        self.assertEqual(len(signed["logIndexes"]), 1)
        # The same index verify-image reports, and a dsse entry in the log (checked independently).
        out = self.vouch("verify-image", "--trusted-root",
                         os.path.join(self.server.data_dir, "trusted_root.json"),
                         "--certificate-identity", EMAIL, "--certificate-oidc-issuer",
                         self.oidc.issuer, *self.registry.flags(), "--output", "json",
                         self.image("keyless/signed"))
        self.assertEqual(out.returncode, 0, out.stderr)
        (att,) = json.loads(out.stdout)["attachments"]
        self.assertEqual(signed["logIndexes"], att["logIndexes"])
        self.assertEqual(self.check_logged(signed["logIndexes"][0])["kind"], "dsse")
        for img in ("keyless/unsigned", "keyless/mallory"):
            a = audit[self.image(img)]
            self.assertEqual(a["decision"], "deny")
            self.assertEqual(a["logIndexes"], [])
            self.assertEqual(len(a["reasons"]), 1)
            self.assertIn(a["reasons"][0], msg)

    def test_provenance_missing_or_from_another_builder_or_repository_is_denied(self):
        r = self.review("pod", main=self.image("prov/other-builder"),
                        init=self.image("prov/missing"), sidecar=self.image("prov/other-repo"))
        msg = self.validate(r)["status"]["message"]
        self.assertIn("image %s denied: policy provenance: attestation slsa: no attestation of "
                      "type https://slsa.dev/provenance/v1 is attached to %s"
                      % (self.image("prov/missing"), self.digests["prov/missing"]), msg)
        self.assertIn('SLSA builder id is "https://jenkins.evil.example/builder", want "%s"'
                      % BUILDER, msg)
        self.assertIn("SLSA source is [https://github.com/mallory/shop", msg)
        self.assertIn("want %s" % SOURCE, msg)
        self.assertEqual(len(msg.split("\n")), 3, msg)

        # Good provenance: allowed, resting on the signature and the attestation.
        r = self.review("deployment", main=self.image("prov/good"))
        resp = self.validate(r)
        self.assertTrue(resp["allowed"], resp)
        (a,) = self.audit_lines(r["request"]["uid"])
        self.assertEqual((a["kind"], a["name"], a["decision"]), ("Deployment", "web", "allow"))
        self.assertEqual(len(a["logIndexes"]), 2)
        kinds = sorted(self.check_logged(i)["kind"] for i in a["logIndexes"])
        self.assertEqual(kinds, ["dsse", "dsse"])

    def test_cronjob_critical_finding_and_stale_scan_are_denied(self):
        # CronJob: the job template's containers and ephemeral containers are both checked.
        r = self.review("cronjob", main=self.image("vuln/clean"), sidecar=self.image("vuln/critical"))
        resp = self.validate(r)
        self.assertFalse(resp["allowed"])
        msg = resp["status"]["message"]
        self.assertTrue(msg.startswith("image %s denied: policy scanned: attestation scan: "
                                       "referrer sha256:" % self.image("vuln/critical")), msg)
        self.assertTrue(msg.endswith(" (sigstore bundle): vulnerability scan found 1 CRITICAL "
                                     "(none at or above CRITICAL allowed)"), msg)
        self.assertNotIn("\n", msg)  # the clean image is not denied
        audit = {a["image"]: a["decision"] for a in self.audit_lines(r["request"]["uid"])}
        self.assertEqual(audit, {self.image("vuln/clean"): "allow",
                                 self.image("vuln/critical"): "deny"})
        self.assertEqual(self.audit_lines(r["request"]["uid"])[0]["kind"], "CronJob")

        r = self.review("deployment", main=self.image("vuln/stale"))
        msg = self.validate(r)["status"]["message"]
        self.assertTrue(msg.startswith("image %s denied: policy scanned: attestation scan: "
                                       "referrer sha256:" % self.image("vuln/stale")), msg)
        self.assertRegex(msg, r" \(sigstore bundle\): vulnerability scan finished "
                              r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, older than 168h$")

    def test_threshold_of_two_with_one_signature_is_denied(self):
        r = self.review("deployment", main=self.image("two/one"))
        msg = self.validate(r)["status"]["message"]
        self.assertIn("image %s denied: policy two-of-two: 1 of 2 authorities passed, 2 required: "
                      "authority release-key: none of 1 signatures verifies"
                      % self.image("two/one"), msg)
        r = self.review("deployment", main=self.image("two/both"))
        resp = self.validate(r)
        self.assertTrue(resp["allowed"], resp)
        (a,) = self.audit_lines(r["request"]["uid"])
        self.assertEqual(len(a["logIndexes"]), 2)  # the keyless and the key signature
        self.assertEqual(sorted(self.check_logged(i)["kind"] for i in a["logIndexes"]),
                         ["dsse", "dsse"])

    def test_warn_mode_allows_with_warnings(self):
        r = self.review("deployment", main=self.image("warn/unsigned"))
        resp = self.validate(r)
        self.assertTrue(resp["allowed"])
        self.assertNotIn("status", resp)
        (w,) = resp["warnings"]
        self.assertTrue(w.startswith("image %s: policy advisory: 0 of 1 authorities passed"
                                     % self.image("warn/unsigned")), w)
        (a,) = self.audit_lines(r["request"]["uid"])
        self.assertEqual(a["decision"], "warn")
        self.assertEqual(a["policies"], [{"name": "advisory", "mode": "warn", "passed": False}])
        self.assertEqual(a["warnings"], [w[len("image %s: " % self.image("warn/unsigned")):]])

    def test_namespace_selection_by_labels_and_names_and_trusted_registries(self):
        by_label, by_name = self.image("ns/label/app"), self.image("ns/name/app")
        cases = [  # namespace, image, denied by
            ("shop-prod", by_label, "prod-by-label"),  # labels env=prod (--admission-namespace-labels)
            ("shop-dev", by_label, None),              # env=dev: the policy does not apply
            # Not in the labels file: its labels are unknown, so the label-selected policy is
            # applied (failing safe), with a warning naming the namespace and the file.
            ("unlisted", by_label, "prod-by-label"),
            ("payments", by_name, "payments-by-name"),
            ("shop-prod", by_name, None),
        ]
        for ns, image, policy in cases:
            with self.subTest(ns=ns, image=image):
                resp = self.validate(self.review("deployment", ns=ns, main=image))
                if policy is None:
                    self.assertTrue(resp["allowed"], resp)  # defaultAction: allow
                else:
                    self.assertFalse(resp["allowed"])
                    self.assertIn("denied: policy %s: 0 of 1" % policy, resp["status"]["message"])
                if ns == "unlisted":
                    self.assertEqual(resp["warnings"], [
                        "namespace unlisted has no labels in %s: policies selected by namespace "
                        "labels (prod-by-label) were applied as if they matched" % self.labels])
                else:
                    self.assertNotIn("warnings", resp)
        # An image from a registry not in trustedRegistries: denied by name (no registry call).
        resp = self.validate(self.review("deployment", main="nginx:1.25"))
        self.assertEqual(resp["status"]["message"], "image nginx:1.25 denied: image "
                         "index.docker.io/library/nginx is not from a trusted registry "
                         "(trustedRegistries)")

    def test_mutate_pins_tags_to_the_verified_digest(self):
        signed, warned = self.image("mutate/app"), self.image("warn/unsigned")
        denied, pinned = self.image("keyless/unsigned"), self.pinned("prov/good")
        r = self.review("pod", main=signed, init=warned, sidecar=pinned)
        status, resp = self.post("/mutate", r)
        self.assertEqual(status, 200, resp)
        self.assertTrue(resp["allowed"])
        self.assertEqual(resp["patchType"], "JSONPatch")
        patch = json.loads(base64.b64decode(resp["patch"], validate=True))
        self.assertEqual(sorted(patch, key=lambda op: op["path"]), [
            {"op": "replace", "path": "/spec/containers/0/image",
             "value": "%s@%s" % (signed, self.digests["mutate/app"])},
            {"op": "replace", "path": "/spec/initContainers/0/image",
             "value": "%s@%s" % (warned, self.digests["warn/unsigned"])}])
        mutated = apply_patch(r["request"]["object"], patch)
        images = [c["image"] for c in mutated["spec"]["initContainers"] + mutated["spec"]["containers"]]
        self.assertEqual(images, ["%s@%s" % (warned, self.digests["warn/unsigned"]),
                                  "%s@%s" % (signed, self.digests["mutate/app"]), pinned])
        # The API server then validates the mutated object: allowed, from the cache.
        after = copy.deepcopy(r)
        after["request"]["object"] = mutated
        after["request"]["uid"] = str(uuid.uuid4())
        resp = self.validate(after)
        self.assertTrue(resp["allowed"], resp)
        audit = {a["image"]: a for a in self.audit_lines(after["request"]["uid"])}
        self.assertTrue(audit["%s@%s" % (signed, self.digests["mutate/app"])]["cached"])

        # A Deployment's template is patched at its own path; a denied image is not patched
        # (and /mutate does not deny: /validate does).
        r = self.review("deployment", main=denied)
        status, resp = self.post("/mutate", r)
        self.assertEqual(status, 200)
        self.assertTrue(resp["allowed"])
        self.assertNotIn("patch", resp)
        r = self.review("deployment", main=signed)
        _, resp = self.post("/mutate", r)
        self.assertEqual(json.loads(base64.b64decode(resp["patch"])), [
            {"op": "replace", "path": "/spec/template/spec/containers/0/image",
             "value": "%s@%s" % (signed, self.digests["mutate/app"])}])

    def test_second_decision_is_a_cache_hit(self):
        image = self.image("keyless/cache")
        hits = dict(name="vouch_admission_decisions_total", decision="allow", webhook="validate")
        before_hit = self.metric(cached="true", **hits)
        before_miss = self.metric(cached="false", **hits)
        first = self.review("deployment", main=image)
        self.assertTrue(self.validate(first)["allowed"])
        self.assertEqual(self.metric(cached="false", **hits), before_miss + 1)
        self.assertEqual(self.metric(cached="true", **hits), before_hit)
        second = self.review("deployment", main=image)
        self.assertTrue(self.validate(second)["allowed"])
        self.assertEqual(self.metric(cached="true", **hits), before_hit + 1)
        self.assertEqual(self.metric(cached="false", **hits), before_miss + 1)
        (a1,), (a2,) = self.audit_lines(first["request"]["uid"]), self.audit_lines(second["request"]["uid"])
        self.assertEqual((a1["cached"], a2["cached"]), (False, True))
        self.assertEqual(a1["logIndexes"], a2["logIndexes"])
        self.assertEqual(a1["digest"], a2["digest"])
        self.assertGreaterEqual(self.metric("vouch_admission_review_seconds_count",
                                            webhook="validate"), 2)

    def test_fails_closed_when_the_registry_is_down(self):
        closed = self.image("closed/app", registry=self.registry2)
        first = self.review("deployment", main=closed)
        self.assertTrue(self.validate(first)["allowed"])
        self.registry2.kill()  # by pid
        # The decision already made for that digest still stands (tag resolved < 30 s ago).
        again = self.review("deployment", main=closed)
        self.assertTrue(self.validate(again)["allowed"])
        self.assertTrue(self.audit_lines(again["request"]["uid"])[0]["cached"])
        # A tag not seen before: denied, saying why.
        other = self.image("closed/app", "v2", registry=self.registry2)
        for _ in range(2):  # not cached: asked again each time
            r = self.review("deployment", main=other)
            resp = self.validate(r)
            self.assertFalse(resp["allowed"])
            self.assertTrue(resp["status"]["message"].startswith(
                "image %s denied: cannot check %s: " % (other, other)), resp["status"]["message"])
            (a,) = self.audit_lines(r["request"]["uid"])
            self.assertEqual((a["decision"], a["cached"], a["digest"]), ("deny", False, ""))
        # A policy with failurePolicy: open allows it with a warning.
        opened = self.image("open/app", registry=self.registry2)
        resp = self.validate(self.review("deployment", main=opened))
        self.assertTrue(resp["allowed"])
        (w,) = resp["warnings"]
        self.assertIn("cannot check %s" % opened, w)
        self.assertIn("(allowed: failurePolicy open)", w)

    def sighup_and_wait(self, what, result):
        """SIGHUPs vouchd (by pid) and waits until it has counted a reload of |what| with
        |result| (the reload runs on vouchd's main thread after the signal)."""
        name = "vouch_admission_reloads_total"
        before = self.metric(name, what=what, result=result)
        os.kill(self.server.proc.pid, signal.SIGHUP)
        deadline = time.time() + 20
        while self.metric(name, what=what, result=result) <= before:
            self.assertLess(time.time(), deadline, "no %s reload counted" % what)
            time.sleep(0.02)

    def test_sighup_reloads_policies_and_refuses_a_bad_one(self):
        image = self.image("reload/app")
        first = self.review("deployment", main=image)
        self.assertTrue(self.validate(first)["allowed"])
        again = self.review("deployment", main=image)
        self.assertTrue(self.validate(again)["allowed"])
        (a,) = self.audit_lines(again["request"]["uid"])
        self.assertTrue(a["cached"])
        old_version = a["policyVersion"]
        # The policy now wants another signer: the next review follows it, not the cache.
        with open(self.reload_policy, "w") as f:
            f.write(RELOAD_POLICY.format(host=self.registry.host, issuer=self.oidc.issuer,
                                         email="release@example.com"))
        self.sighup_and_wait("policy", "ok")
        r = self.review("deployment", main=image)
        resp = self.validate(r)
        self.assertFalse(resp["allowed"], resp)
        self.assertIn("denied: policy reloadable: 0 of 1 authorities passed", resp["status"]["message"])
        (a,) = self.audit_lines(r["request"]["uid"])
        self.assertFalse(a["cached"])
        self.assertNotEqual(a["policyVersion"], old_version)
        new_version = a["policyVersion"]
        # A malformed policy is refused (logged, counted); the policies in use stay.
        with open(self.reload_policy, "w") as f:
            f.write("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: x}\n"
                    "spec:\n  images: [{glob: 'a/**'}]\n  mode: sometimes\n")
        self.sighup_and_wait("policy", "error")
        self.assertIn("reload refused, still serving the previous policy: --admission-policy: ",
                      self.server.output())
        self.assertIn("reload.yaml:6", self.server.output())
        r = self.review("deployment", main=image)
        self.assertFalse(self.validate(r)["allowed"])
        self.assertEqual(self.audit_lines(r["request"]["uid"])[0]["policyVersion"], new_version)
        # Back to the first policy (for the other tests).
        with open(self.reload_policy, "w") as f:
            f.write(RELOAD_POLICY.format(host=self.registry.host, issuer=self.oidc.issuer,
                                         email=EMAIL))
        self.sighup_and_wait("policy", "ok")
        self.assertTrue(self.validate(self.review("deployment", main=image))["allowed"])

    def test_sighup_rotates_the_webhook_certificate_for_new_connections(self):
        host, port = self.server.admission.rsplit(":", 1)

        def served_certificate(context):
            with socket.create_connection((host, int(port)), timeout=10) as sock:
                with context.wrap_socket(sock, server_hostname=host) as tls:
                    return tls.getpeercert(binary_form=True)

        old = served_certificate(self.tls)
        # A connection opened before the rotation.
        c = http.client.HTTPSConnection(host, int(port), context=self.tls, timeout=30)
        c.request("GET", "/healthz")
        self.assertEqual(c.getresponse().read(), b'{"status":"SERVING"}')
        # cert-manager writes a new key and certificate into the same files.
        new_cert, new_key = self.cert + ".new", self.tls_key + ".new"
        make_certificate(new_cert, new_key, cn="rotated.vouch-system.svc")
        os.replace(new_key, self.tls_key)
        os.replace(new_cert, self.cert)
        self.sighup_and_wait("tls", "ok")
        rotated = ssl.create_default_context(cafile=self.cert)
        new = served_certificate(rotated)
        self.assertNotEqual(new, old)
        with open(self.cert) as f:
            self.assertEqual(new, ssl.PEM_cert_to_DER_cert(f.read()))
        with self.assertRaises(ssl.SSLCertVerificationError):
            served_certificate(self.tls)  # the old trust no longer fits
        # The connection opened before goes on with the certificate it started with.
        c.request("GET", "/healthz")
        self.assertEqual(c.getresponse().read(), b'{"status":"SERVING"}')
        c.close()
        type(self).tls = rotated  # for the tests after this one
        self.assertTrue(self.validate(self.review("deployment", main=self.image("keyless/signed")))
                        ["allowed"])

    def test_kubernetes_docs_example_and_malformed_reviews(self):
        with open(vt.runfile("server/testdata/admission/scale_from_k8s_docs.json")) as f:
            scale = json.load(f)
        resp = self.validate(scale)
        self.assertTrue(resp["allowed"])
        self.assertEqual(self.audit_lines(scale["request"]["uid"]), [])
        for raw, field in ((b"{not json", "body: not JSON"),
                           (json.dumps({"apiVersion": "admission.k8s.io/v1beta1",
                                        "kind": "AdmissionReview", "request": {}}), "apiVersion"),
                           (json.dumps({"apiVersion": "admission.k8s.io/v1",
                                        "kind": "AdmissionReview", "request": {"kind": {}}}),
                            "request.uid")):
            status, body = self.post("/validate", None, raw=raw)
            self.assertEqual(status, 400, body)
            self.assertIn(field, body)
        r = self.review("pod", main=self.image("keyless/signed"), init=7, sidecar="x")
        status, body = self.post("/validate", r)
        self.assertEqual(status, 400)
        self.assertIn("request.object/spec/initContainers/0/image: not a non-empty string", body)


if __name__ == "__main__":
    vt.main()
