# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""The TUF repository end to end (docs/trust.md): a real vouchd serves a repository made by
vouch-tuf in a 2-of-3 root ceremony; sigstore-js's TUF client (@sigstore/tuf / tuf-js), given only
the mirror URL and 1.root.json, fetches trusted_root.json and verifies bundles with it, and keeps
doing so after a root rotation and after a targets update (a CA rotation); `vouch trust init` and
`vouch verify-blob` without --trusted-root do the same. Through a malicious mirror (a proxy in
front of vouchd) a tampered target, an expired timestamp and a rollback to an older timestamp are
refused by both clients."""

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from sigstore_js_log_test import sigstore_js_dir  # noqa: E402

EMAIL = "builder@example.com"


def canonical(o):
    """OLPC canonical JSON as securesystemslib writes it (written here from the TUF spec)."""
    if isinstance(o, bool):
        return "true" if o else "false"
    if o is None:
        return "null"
    if isinstance(o, int):
        return str(o)
    if isinstance(o, str):
        return '"' + o.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(o, list):
        return "[" + ",".join(canonical(x) for x in o) + "]"
    if isinstance(o, dict):
        return "{" + ",".join(canonical(k) + ":" + canonical(o[k]) for k in sorted(o)) + "}"
    raise ValueError("cannot encode %r" % (o,))


class Mirror:
    """A malicious mirror: forwards GET /tuf/... to vouchd unless |overrides| has the path."""

    def __init__(self, upstream):
        self.overrides = {}
        mirror = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path in mirror.overrides:
                    status, body = 200, mirror.overrides[self.path]
                else:
                    try:
                        with urllib.request.urlopen("http://" + upstream + self.path) as r:
                            status, body = r.status, r.read()
                    except urllib.error.HTTPError as e:
                        status, body = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = "http://127.0.0.1:%d/tuf" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class TufTest(unittest.TestCase):

    def setUp(self):
        self.js = sigstore_js_dir()
        if self.js is None:
            if os.environ.get("CI") == "true":
                self.fail("sigstore-js is not installed (tools/setup installs it)")
            self.skipTest("sigstore-js not installed: run tools/setup and tools/test")
        self.dir = tempfile.mkdtemp(prefix="vouch-tuf-")
        self.data = os.path.join(self.dir, "data")
        self.repo = os.path.join(self.data, "tuf")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)
        self.vouch = vt.runfile("client/cli/vouch")
        self.tool = vt.runfile("tools/tuf/vouch-tuf")
        self.oidc = vt.DevOidc()
        self.servers = []
        self.mirrors = []
        self.server = self.start()

    def tearDown(self):
        for m in self.mirrors:
            m.close()
        for s in self.servers:
            if s.proc.poll() is None:
                s.kill()
        if getattr(self, "oidc", None):
            self.oidc.kill()

    def start(self, port=0, extra=()):
        # A restarted vouchd keeps its port: the mirror URL clients know stays the same.
        s = vt.Server(self.data, ["--oidc-issuer", self.oidc.issuer,
                                  "--http-addr", "127.0.0.1:%d" % port, *extra])
        self.servers.append(s)
        return s

    def tuf(self, *args, ok=True):
        r = subprocess.run([self.tool, *args], capture_output=True, text=True, timeout=60)
        if ok:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def key(self, name, typ="ecdsa-p256"):
        path = os.path.join(self.dir, name + ".pem")
        self.tuf("keygen", "--out", path, "--type", typ)
        return path

    def get(self, path):
        status, raw, _ = self.server.request("GET", path)
        self.assertEqual(status, 200, raw)
        return raw

    def save(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def add_targets(self, targets_key):
        tr = self.save("trusted_root.json", self.get("/api/v1/trustedRoot"))
        sc = self.save("signing_config.json", self.get("/api/v1/signingConfig"))
        return self.tuf("add-target", "--repo", self.repo, "--target", "trusted_root.json=" + tr,
                        "--target", "signing_config.v0.2.json=" + sc, "--key", targets_key)

    def sign(self, name):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write("artifact %s %f\n" % (name, time.time()))
        r = subprocess.run([self.vouch, "sign-blob", "--server", "http://" + self.server.http,
                            "--oidc-url", self.oidc.issuer, "--oidc-email", EMAIL, path],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return path

    def js_cases(self, cases):
        """Runs tuf_interop.mjs; returns the result lines by case name."""
        for c in cases:
            c.setdefault("identity", EMAIL)
            c.setdefault("issuer", self.oidc.issuer)
            c.setdefault("root", self.root_v1)
        path = self.save("cases-%f.json" % time.time(), json.dumps(cases).encode())
        r = subprocess.run(["node", os.path.join(self.js, "tuf_interop.mjs"), path],
                           capture_output=True, text=True, timeout=120, cwd=self.js)
        results = {}
        for line in r.stdout.splitlines():
            if line.startswith("{"):
                d = json.loads(line)
                results[d["case"]] = d
                print("sigstore-js:", line)
        for c in cases:
            self.assertIn(c["case"], results, r.stdout + r.stderr)
            self.assertTrue(results[c["case"]]["ok"], "%s: %r" % (c["case"], results[c["case"]]))
        return results

    def vouch_env(self):
        return dict(os.environ, HOME=self.home, VOUCH_TUF_CACHE="", VOUCH_TRUSTED_ROOT="")

    def vouch_verify(self, artifact, env=None):
        return subprocess.run([self.vouch, "verify-blob", "--bundle", artifact + ".sigstore.json",
                               "--certificate-identity", EMAIL, "--certificate-oidc-issuer",
                               self.oidc.issuer, artifact],
                              capture_output=True, text=True, timeout=60,
                              env=env or self.vouch_env())

    def vouch_trust(self, *args, env=None):
        return subprocess.run([self.vouch, "trust", *args], capture_output=True, text=True,
                              timeout=60, env=env or self.vouch_env())

    def ceremony(self):
        """Root 2 of 3 signed one key at a time, targets 1 of 1, online keys from vouchd."""
        self.roots = [self.key("root%d" % i, "ed25519" if i == 2 else "ecdsa-p256")
                      for i in (1, 2, 3)]
        self.targets_key = self.key("targets")
        r = self.tuf("init", "--repo", self.repo,
                     *sum([["--root-key", k + ".pub"] for k in self.roots], []),
                     "--root-threshold", "2", "--targets-key", self.targets_key,
                     "--snapshot-key", os.path.join(self.data, "tuf_snapshot_key.pem.pub"),
                     "--timestamp-key", os.path.join(self.data, "tuf_timestamp_key.pem.pub"))
        self.assertIn("root v1: staged, signatures 0 of 2", r.stdout)
        status, raw, _ = self.server.request("GET", "/tuf/1.root.json")
        self.assertEqual(status, 404, raw)  # nothing served before the threshold is met
        self.assertIn("signatures 1 of 2", self.tuf("sign", "--repo", self.repo, "--role", "root",
                                                     "--key", self.roots[0]).stdout)
        self.assertIn("root v1: published", self.tuf("sign", "--repo", self.repo, "--role",
                                                     "root", "--key", self.roots[1]).stdout)
        self.add_targets(self.targets_key)
        self.root_v1 = self.save("1.root.json", self.get("/tuf/1.root.json"))
        self.mirror = "http://%s/tuf" % self.server.http

    def test_tuf_js_bounces_between_two_front_ends_on_postgres(self):
        # With --storage postgres:// the repository is the database's (vouch-tuf publish); tuf-js,
        # given one front end's mirror and 1.root.json, then updating through the other front end
        # with the same cache, must get one consistent repository (no rollback, same versions)
        # and verify a bundle signed through the second front end.
        from postgres_e2e_test import BASE_URL, psql, with_database
        if not BASE_URL:
            if os.environ.get("CI") == "true":
                self.fail("CI=true but VOUCH_TEST_POSTGRES is not set (tools/test sets it)")
            self.skipTest("VOUCH_TEST_POSTGRES is not set (tools/test starts PostgreSQL)")
        db = "tufjs_%d_%d" % (os.getpid(), int(time.time() * 1000) % 1000000)
        psql(BASE_URL, "CREATE DATABASE %s" % db)
        self.addCleanup(psql, BASE_URL, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % db)
        url = with_database(BASE_URL, db)
        self.server.stop()
        data_a, data_b = os.path.join(self.dir, "pg-a"), os.path.join(self.dir, "pg-b")
        a = vt.Server(data_a, ["--oidc-issuer", self.oidc.issuer, "--storage", url])
        self.servers.append(a)
        # The offline ceremony in its own directory, published into the database.
        self.server, self.repo = a, os.path.join(self.dir, "offline-repo")
        roots = [self.key("pgroot%d" % i) for i in (1, 2)]
        targets_key = self.key("pgtargets")
        self.tuf("init", "--repo", self.repo, *sum([["--root-key", k + ".pub"] for k in roots], []),
                 "--root-threshold", "2", "--targets-key", targets_key,
                 "--snapshot-key", os.path.join(data_a, "tuf_snapshot_key.pem.pub"),
                 "--timestamp-key", os.path.join(data_a, "tuf_timestamp_key.pem.pub"))
        for k in roots:
            self.tuf("sign", "--repo", self.repo, "--role", "root", "--key", k)
        self.add_targets(targets_key)
        r = self.tuf("publish", "--repo", self.repo, "--storage", url)
        self.assertIn("published", r.stdout)
        # The second front end: the same key files, the same database.
        shutil.copytree(data_a, data_b,
                        ignore=shutil.ignore_patterns("*published_checkpoint*", "*.lock"))
        b = vt.Server(data_b, ["--oidc-issuer", self.oidc.issuer, "--storage", url])
        self.servers.append(b)
        self.assertEqual(a.request("GET", "/tuf/timestamp.json")[1],
                         b.request("GET", "/tuf/timestamp.json")[1])
        self.root_v1 = self.save("pg-1.root.json", self.get("/tuf/1.root.json"))
        self.server = b
        signed = self.sign("through-b.txt")
        cache = os.path.join(self.dir, "js-cache-pg")
        bundles = [{"bundle": signed + ".sigstore.json", "artifact": signed}]
        self.js_cases([{"case": "front end a", "mirror": "http://%s/tuf" % a.http,
                        "cache": cache, "bundles": bundles, "expect": "ok"}])
        self.js_cases([{"case": "then front end b", "mirror": "http://%s/tuf" % b.http,
                        "cache": cache, "bundles": bundles, "expect": "ok"}])

    def test_clients_follow_root_rotation_and_targets_update_and_refuse_attacks(self):
        self.ceremony()
        first_timestamp = self.get("/tuf/timestamp.json")
        before = self.sign("before.txt")
        js_cache = os.path.join(self.dir, "js-cache")
        bundles_before = [{"bundle": before + ".sigstore.json", "artifact": before}]

        # sigstore-js: mirror URL + initial root -> trusted_root.json -> bundle verified.
        res = self.js_cases([{"case": "initial", "mirror": self.mirror, "cache": js_cache,
                              "bundles": bundles_before, "expect": "ok"}])
        self.assertEqual(res["initial"]["cas"], 1)
        self.assertEqual(res["initial"]["ctlogs"], 1)  # the CT log is in the TUF target
        # vouch: trust init, then verify-blob without --trusted-root.
        r = self.vouch_trust("init", "--mirror", self.mirror, "--root", self.root_v1)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("root v1, targets v2", r.stdout)
        self.assertNotIn("warnings", json.loads(self.get("/healthz")))
        self.assertIn("vouch_tuf_targets_stale 0\n", self.get("/metrics").decode())
        r = self.vouch_verify(before)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Root rotation: root key 3 is replaced by key 4; signed by 2 of the old keys and 2 of
        # the new ones (key 1 counts for both).
        root4 = self.key("root4")
        r = self.tuf("rotate-root", "--repo", self.repo, "--root-key", self.roots[0] + ".pub",
                     "--root-key", self.roots[1] + ".pub", "--root-key", root4 + ".pub",
                     "--key", self.roots[2])
        self.assertIn("root v2: staged", r.stdout)
        r = self.tuf("sign", "--repo", self.repo, "--role", "root", "--key", self.roots[0])
        self.assertIn("staged", r.stdout)  # old 2 of 2, new only 1 of 2 (key 3 is not in it)
        r = self.tuf("sign", "--repo", self.repo, "--role", "root", "--key", root4)
        self.assertIn("root v2: published", r.stdout)
        self.js_cases([{"case": "after root rotation", "mirror": self.mirror, "cache": js_cache,
                        "bundles": bundles_before, "expect": "ok"}])
        cached = [os.path.join(dp, f) for dp, _, fs in os.walk(js_cache) for f in fs
                  if f == "root.json"]
        self.assertEqual(len(cached), 1)
        with open(cached[0]) as f:
            self.assertEqual(json.load(f)["signed"]["version"], 2)
        r = self.vouch_trust("update")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("root v2", r.stdout)

        # Targets update: the CA is rotated (docs/ca.md) and so is the CT log key
        # (--rotate-ct-key, docs/ct.md), vouchd restarted, the new trusted root signed offline;
        # old and new bundles (SCTs from the old and the new CT key) verify with what the
        # clients fetch, sigstore-js at its default thresholds (one SCT).
        self.assertEqual(self.server.stop(), 0)
        time.sleep(1.1)
        end = int(time.time())
        os.makedirs(os.path.join(self.data, "retired"))
        shutil.move(os.path.join(self.data, "ca_chain.pem"),
                    os.path.join(self.data, "retired", "ca_chain.%d.pem" % end))
        os.remove(os.path.join(self.data, "ca_key.pem"))
        time.sleep(1.1)
        self.server = self.start(port=int(self.server.http.rsplit(":", 1)[1]),
                                 extra=["--rotate-ct-key"])
        self.assertEqual("http://%s/tuf" % self.server.http, self.mirror)
        ctlogs = json.loads(self.get("/api/v1/trustedRoot"))["ctlogs"]
        self.assertEqual(len(ctlogs), 2)
        self.assertIn("end", ctlogs[0]["publicKey"]["validFor"])
        after = self.sign("after.txt")
        both = bundles_before + [{"bundle": after + ".sigstore.json", "artifact": after}]
        # Before the targets update the clients still get the old trusted root: the new bundle
        # does not verify.
        self.js_cases([{"case": "stale targets", "mirror": self.mirror, "cache": js_cache,
                        "bundles": both, "expect": "reject"}])
        # vouchd says so: still SERVING, with a warning naming the target and the offline step,
        # and the gauge vouch_tuf_targets_stale at 1.
        health = json.loads(self.get("/healthz"))
        self.assertEqual(health["status"], "SERVING")
        self.assertEqual(len(health["warnings"]), 1, health)
        self.assertIn("tuf.targets: targets v2: trusted_root.json differs from this vouchd's",
                      health["warnings"][0])
        self.assertIn("vouch-tuf add-target", health["warnings"][0])
        self.assertIn("vouch_tuf_targets_stale 1\n", self.get("/metrics").decode())
        self.assertIn("targets v3: published", self.add_targets(self.targets_key).stdout)
        res = self.js_cases([{"case": "after targets update", "mirror": self.mirror,
                              "cache": js_cache, "bundles": both, "expect": "ok"}])
        self.assertEqual(res["after targets update"]["cas"], 2)
        self.assertNotIn("warnings", json.loads(self.get("/healthz")))
        self.assertIn("vouch_tuf_targets_stale 0\n", self.get("/metrics").decode())
        self.assertEqual(res["after targets update"]["ctlogs"], 2)
        # vouch's cache still holds an unexpired timestamp: it works offline with the old root
        # until `vouch trust update` (or the timestamp's expiry).
        self.assertEqual(self.vouch_verify(after).returncode, 1)
        r = self.vouch_trust("update")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("targets v3", r.stdout)
        for artifact in (before, after):
            r = self.vouch_verify(artifact)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # Attacks through a malicious mirror in front of vouchd. First an honest round through
        # it, so both clients have a history for this mirror URL.
        mirror = Mirror(self.server.http)
        self.mirrors.append(mirror)
        js_proxy = os.path.join(self.dir, "js-proxy")
        proxy_env = dict(self.vouch_env(), VOUCH_TUF_CACHE=os.path.join(self.dir, "vouch-proxy"))
        self.js_cases([{"case": "through the mirror", "mirror": mirror.url, "cache": js_proxy,
                        "bundles": both, "expect": "ok"}])
        r = self.vouch_trust("init", "--mirror", mirror.url, "--root", self.root_v1, env=proxy_env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # A tampered target (clients without it cached).
        targets = json.loads(self.get("/tuf/3.targets.json"))["signed"]["targets"]
        h = targets["trusted_root.json"]["hashes"]["sha256"]
        tampered = bytearray(self.get("/tuf/targets/%s.trusted_root.json" % h))
        tampered[40] ^= 1
        mirror.overrides["/tuf/targets/%s.trusted_root.json" % h] = bytes(tampered)
        self.js_cases([{"case": "tampered target", "mirror": mirror.url,
                        "cache": os.path.join(self.dir, "js-fresh-1"), "bundles": both,
                        "expect": "reject", "error": "Expected hash"}])
        fresh_env = dict(self.vouch_env(), VOUCH_TUF_CACHE=os.path.join(self.dir, "vouch-fresh-1"))
        r = self.vouch_trust("init", "--mirror", mirror.url, "--root", self.root_v1, env=fresh_env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("trusted_root.json: sha256", r.stderr)
        mirror.overrides.clear()

        # An expired timestamp (a freeze: what a mirror replaying an old timestamp to a new client
        # serves), validly signed with the online key, made here with independent code.
        current = json.loads(self.get("/tuf/timestamp.json"))
        signed = dict(current["signed"], version=current["signed"]["version"] + 1,
                      expires=time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                            time.gmtime(time.time() - 3600)))
        with open(os.path.join(self.data, "tuf_timestamp_key.pem"), "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        pub = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        keyid = hashlib.sha256(canonical({"keytype": "ecdsa", "scheme": "ecdsa-sha2-nistp256",
                                          "keyval": {"public": pub.decode()}}).encode()).hexdigest()
        self.assertEqual(keyid, current["signatures"][0]["keyid"])  # independent keyid
        sig = key.sign(canonical(signed).encode(), ec.ECDSA(hashes.SHA256())).hex()
        mirror.overrides["/tuf/timestamp.json"] = json.dumps(
            {"signatures": [{"keyid": keyid, "sig": sig}], "signed": signed}).encode()
        self.js_cases([{"case": "expired timestamp", "mirror": mirror.url,
                        "cache": os.path.join(self.dir, "js-fresh-2"), "bundles": both,
                        "expect": "reject", "error": "expired"}])
        fresh_env = dict(self.vouch_env(), VOUCH_TUF_CACHE=os.path.join(self.dir, "vouch-fresh-2"))
        r = self.vouch_trust("init", "--mirror", mirror.url, "--root", self.root_v1, env=fresh_env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("expired", r.stderr)

        # A rollback to the first timestamp (unexpired, validly signed) for clients that saw a
        # newer one.
        mirror.overrides["/tuf/timestamp.json"] = first_timestamp
        self.js_cases([{"case": "rollback", "mirror": mirror.url, "cache": js_proxy,
                        "bundles": both, "expect": "reject",
                        "error": "less than current version"}])
        r = self.vouch_trust("update", env=proxy_env)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("rollback", r.stderr)
        # The honest mirror again: both clients are fine.
        mirror.overrides.clear()
        self.js_cases([{"case": "honest again", "mirror": mirror.url, "cache": js_proxy,
                        "bundles": both, "expect": "ok"}])
        r = self.vouch_trust("update", env=proxy_env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    vt.main()
