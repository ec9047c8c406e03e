# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""vouch-audit against real vouchd processes (docs/audit.md): a clean replay of thousands of
entries of every kind (hashedrekord with keys and certificates, dsse, intoto), then what a
misbehaving log serves (a changed body, a deleted row, two swapped rows, a replaced tree hash, a
forked log from a second vouchd on a copy of the data) must each be caught with the right
evidence by the auditor and by the witness; the monitor reports a watched identity exactly once
across a restart; the report names it."""

import base64
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

EMAIL = "release-bot@example.com"
AUDIT = vt.runfile("audit/vouch-audit")
# The tampering cases are about the tree: test_1 verifies every signature once, the others skip
# them (--no-signatures) to keep the test fast (CI runs it plain and under ASan).
TREE_ONLY = ("--no-signatures", "--no-chains")


def b64(b):
    return base64.b64encode(b).decode()


def pem_of(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def dsse_entry(key, n):
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v1",
                          "subject": [{"name": "a%d" % n, "digest": {"sha256": "%064x" % n}}],
                          "predicateType": "https://slsa.dev/provenance/v1",
                          "predicate": {}}).encode()
    ptype = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
    sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    env = json.dumps({"payload": b64(payload), "payloadType": ptype,
                      "signatures": [{"sig": b64(sig)}]}, separators=(",", ":"))
    return {"apiVersion": "0.0.1", "kind": "dsse",
            "spec": {"proposedContent": {"envelope": env, "verifiers": [b64(pem_of(key))]}}}


def intoto_entry(key, n):
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v0.1",
                          "subject": [{"name": "b%d" % n, "digest": {"sha256": "%064x" % (n + 7)}}],
                          "predicateType": "https://example.com/t", "predicate": {}}).encode()
    ptype = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(ptype), ptype.encode(), len(payload), payload)
    sig = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    env = {"payloadType": ptype, "payload": b64(b64(payload).encode()),
           "signatures": [{"sig": b64(b64(sig).encode()), "publicKey": b64(pem_of(key))}]}
    return {"apiVersion": "0.0.2", "kind": "intoto",
            "spec": {"content": {"envelope": env,
                                 "hash": {"algorithm": "sha256",
                                          "value": hashlib.sha256(json.dumps(env).encode()).hexdigest()}}}}


def self_signed_hashedrekord(key, email, artifact):
    """A hashedrekord entry signed by |key| with a self-signed codeSigning certificate claiming
    |email|: anyone can submit one, and the log accepts it (as public Rekor does)."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "self")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(minutes=10))
            .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(email)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    sig = key.sign(artifact, ec.ECDSA(hashes.SHA256()))
    return {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "signature": {"content": b64(sig),
                      "publicKey": {"content": b64(cert.public_bytes(serialization.Encoding.PEM))}},
        "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(artifact).hexdigest()}}}}


class Webhook:
    """A webhook receiver on 127.0.0.1: answers 503 to the next |fail| POSTs, then 200; keeps
    the alerts it accepted."""

    def __init__(self):
        self.accepted, self.refused, self.fail = [], 0, 0
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if hook.fail > 0:
                    hook.fail -= 1
                    hook.refused += 1
                    self.send_response(503)
                else:
                    hook.accepted.append(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/alerts" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class AuditE2ETest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        t0 = time.time()
        cls.dir = tempfile.mkdtemp(prefix="vouch-audit-e2e-")
        cls.oidc = vt.DevOidc()
        cls.servers = []
        cls.procs = []
        cls.server = cls.start(os.path.join(cls.dir, "a"))
        cls.key = ec.generate_private_key(ec.SECP256R1())
        # Thousands of key-signed hashedrekord entries over gRPC, quickly.
        r = subprocess.run([vt.runfile("tools/loadgen"), "--grpc", cls.server.grpc, "--clients",
                            "16", "--duration", "20s", "--max-entries", "2000",
                            "--ceiling-time", "0.05s"], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        conn = cls.server.conn()
        cls.first_dsse = None
        for n in range(60):
            index = cls.append(dsse_entry(cls.key, n), conn)
            cls.first_dsse = index if cls.first_dsse is None else cls.first_dsse
            cls.append(intoto_entry(cls.key, n), conn)
        cls.keyless = [cls.sign_keyless("k%d" % i) for i in range(2)]
        cls.root = cls.trusted_root(cls.server, "root.json")
        print("setUpClass: %d entries in %.1f s" % (cls.size_of(cls.server), time.time() - t0),
              file=sys.stderr)

    @classmethod
    def size_of(cls, server):
        status, raw, _ = server.request("GET", "/api/v1/log")
        return json.loads(raw)["treeSize"]

    def setUp(self):
        self.t0 = time.time()

    def tearDown(self):
        print("%s: %.1f s" % (self.id().split(".")[-1], time.time() - self.t0), file=sys.stderr)

    @classmethod
    def tearDownClass(cls):
        for s in cls.servers:
            if s.proc.poll() is None:
                s.kill()
        for p in cls.procs:
            if p.poll() is None:
                os.kill(p.pid, signal.SIGKILL)
                p.wait()
        cls.oidc.kill()

    @classmethod
    def start(cls, data):
        s = vt.Server(data, ["--oidc-issuer", cls.oidc.issuer])
        cls.servers.append(s)
        return s

    @classmethod
    def append(cls, entry, conn=None, server=None):
        status, raw, _ = (server or cls.server).request("POST", "/api/v1/log/entries", entry, conn)
        assert status == 201, raw
        (uuid, e), = json.loads(raw).items()
        return e["logIndex"]

    @classmethod
    def sign_keyless(cls, name, server=None):
        path = os.path.join(cls.dir, name)
        with open(path, "w") as f:
            f.write("artifact %s %f\n" % (name, time.time()))
        r = subprocess.run([vt.runfile("client/cli/vouch"), "sign-blob", "--server",
                            "http://" + (server or cls.server).http, "--oidc-url", cls.oidc.issuer,
                            "--oidc-email", EMAIL, path], capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        with open(path + ".sigstore.json") as f:
            return int(json.load(f)["verificationMaterial"]["tlogEntries"][0].get("logIndex", 0))

    @classmethod
    def trusted_root(cls, server, name):
        status, raw, _ = server.request("GET", "/api/v1/trustedRoot")
        assert status == 200, raw
        path = os.path.join(cls.dir, name)
        with open(path, "wb") as f:
            f.write(raw)
        return path

    def audit(self, *args, expect=None):
        r = subprocess.run([AUDIT, *args], capture_output=True, text=True, timeout=300)
        if expect is not None:
            self.assertEqual(r.returncode, expect, r.stdout[-3000:] + r.stderr[-3000:])
        return r

    def replay(self, server, state, *extra, expect=0, root=None):
        r = self.audit("replay", "http://" + server.http, "--trusted-root", root or self.root,
                       "--state",
                       state, "--output", "json", *extra, expect=expect)
        self.last_stderr = r.stderr
        return json.loads(r.stdout)

    def size(self, server=None):
        return self.size_of(server or self.server)

    def evidence(self, finding):
        with open(finding["evidence"]) as f:
            return json.load(f)

    def kinds(self, result):
        return {f["kind"]: f for f in result["findings"]}

    def test_1_clean_replay_of_every_kind_then_incremental(self):
        state = os.path.join(self.dir, "state-clean")
        size = self.size()
        self.assertGreater(size, 1500)
        r = self.replay(self.server, state)
        self.assertTrue(r["consistent"], r)
        self.assertEqual((r["old_size"], r["size"], r["entries"]), (0, size, size))
        self.assertEqual(r["invalid_entries"], 0)
        # Not a terminal: plain progress lines with the rate and ETA, the last one complete.
        self.assertRegex(self.last_stderr, r"replay: %d/%d entries, \d+ entries/s, ETA 0s\n"
                         % (size, size))
        self.assertEqual(r["chains_verified"], 2)             # the two keyless entries
        self.assertGreaterEqual(r["signatures_verified"], size - 120)  # all but dsse/intoto
        with open(os.path.join(state, "entries.jsonl")) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual([e["i"] for e in lines], list(range(size)))
        self.assertEqual({e["kind"] for e in lines}, {"hashedrekord", "dsse", "intoto"})
        self.assertEqual(lines[self.keyless[0]]["san"], [EMAIL])
        self.assertEqual(lines[self.keyless[0]]["ts"], "certificate")
        # The same independent root as vouchtest's RFC 6962 code over the served bodies.
        note = self.server.request("GET", "/checkpoint")[1].decode()
        _, cp_size, cp_root = vt.verify_checkpoint(note, self.server.public_key())
        self.assertEqual((cp_size, cp_root.hex()), (size, r["root"]))
        # Next run continues from the state with a verified consistency proof.
        for i in range(3):
            self.append(vt.hashedrekord(self.key, b"more %d" % i))
        r = self.replay(self.server, state)
        self.assertTrue(r["consistent"], r)
        self.assertEqual((r["old_size"], r["size"], r["entries"]), (size, size + 3, 3))
        # The Rekor v1 API path gives the same tree (integrated times, SETs verified).
        r = self.replay(self.server, os.path.join(self.dir, "state-v1"), "--v1-api")
        self.assertTrue(r["consistent"], r)
        self.assertTrue(r["v1_api"])
        self.assertEqual(r["root"], self.replay(self.server, state)["root"])

    def test_2_monitor_reports_a_watched_identity_once_across_restarts(self):
        state = os.path.join(self.dir, "state-monitor")
        config = os.path.join(self.dir, "monitor.json")
        hook = Webhook()
        self.addCleanup(hook.stop)
        with open(config, "w") as f:
            json.dump({"rules": [{"name": "release bot", "identity": EMAIL,
                                  "issuer": self.oidc.issuer},
                                 {"name": "dsse subject", "digest": "sha256:%064x" % 3}],
                       "webhook": {"url": hook.url, "attempts": 2}}, f)
        hook.fail = 1  # the first POST is refused and retried
        # Started at the first dsse entry (the tree of the loadgen entries before it is taken
        # from the log's tiles, bound by the checkpoint): the watched entries all come after.
        # The artifact log only (test_9 follows the CT log too).
        args = ["monitor", "http://" + self.server.http, "--config", config, "--trusted-root",
                self.root, "--state", state, "--once", "--start", str(self.first_dsse), "--no-ct"]
        alerts = [json.loads(line) for line in self.audit(*args, expect=0).stdout.splitlines()]
        by_rule = {}
        for a in alerts:
            for rule in a["rules"]:
                by_rule.setdefault(rule, []).append(a["index"])
        self.assertEqual(sorted(by_rule["release bot"]), sorted(self.keyless))
        # The in-toto subject digest is found through the log's search index: the dsse entry.
        self.assertEqual(len(by_rule["dsse subject"]), 1)
        # The webhook got each alert once, the refused one on its retry.
        self.assertEqual(hook.refused, 1)
        self.assertEqual(hook.accepted, alerts)
        # A restart with nothing new reports nothing; a new entry is reported once.
        self.assertEqual(self.audit(*args, expect=0).stdout, "")
        self.assertEqual(len(hook.accepted), len(alerts))
        # The webhook is down for the new entry's cycle: printed once, kept in the outbox
        # (exit 3), posted by the next cycle, never printed again.
        new = self.sign_keyless("k-new")
        hook.fail = 2
        again = [json.loads(line) for line in self.audit(*args, expect=3).stdout.splitlines()]
        self.assertEqual([a["index"] for a in again], [new])
        self.assertEqual(again[0]["identities"], [EMAIL])
        self.assertTrue(again[0]["entry_valid"])
        self.assertEqual(len(hook.accepted), len(alerts))
        self.assertEqual(self.audit(*args, expect=0).stdout, "")
        self.assertEqual(hook.accepted[len(alerts):], again)
        self.assertEqual(self.audit(*args, expect=0).stdout, "")
        self.assertEqual(len(hook.accepted), len(alerts) + 1)
        with open(os.path.join(state, "alerts.jsonl")) as f:
            indexes = [json.loads(line)["index"] for line in f]
        self.assertEqual(len(indexes), len(set(indexes)))

    def test_3_report_json_and_html(self):
        state = os.path.join(self.dir, "state-report")
        # test_1's verified state when there is one (a replay of every entry is the slow part).
        if os.path.exists(os.path.join(self.dir, "state-clean")):
            shutil.copytree(os.path.join(self.dir, "state-clean"), state)
        replayed = self.replay(self.server, state)
        admission = os.path.join(self.dir, "admission.jsonl")
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with open(admission, "w") as f:
            f.write(json.dumps({"time": now, "namespace": "prod", "kind": "Pod", "name": "web",
                                "image": "registry/web@sha256:" + "a" * 64, "digest": "sha256:" + "a" * 64,
                                "decision": "allow", "reasons": ["signed"],
                                "logIndexes": [self.keyless[0]]}) + "\n")
            f.write(json.dumps({"time": now, "namespace": "prod", "kind": "Pod", "name": "evil",
                                "image": "registry/evil:latest", "digest": "sha256:" + "b" * 64,
                                "decision": "allow", "reasons": ["?"], "logIndexes": [10 ** 9]}) + "\n")
        out = os.path.join(self.dir, "report")
        self.audit("report", "--state", state, "--admission-log", admission, "--json",
                   out + ".json", "--html", out + ".html", expect=0)
        with open(out + ".json") as f:
            rep = json.load(f)
        self.assertEqual(rep["consistency"]["status"], "consistent")
        self.assertEqual(rep["entries"]["total"], replayed["size"])
        idents = {r["identity"]: r for r in rep["identity_issuer"]}
        self.assertGreaterEqual(idents[EMAIL]["entries"], 2)
        self.assertEqual(idents[EMAIL]["issuer"], self.oidc.issuer)
        self.assertEqual([u["name"] for u in rep["admission"]["allowed_without_verified_entry"]],
                         ["evil"])
        with open(out + ".html") as f:
            html = f.read()
        self.assertIn("<svg", html)
        self.assertIn(EMAIL, html)
        self.assertNotIn("http://", html.split("<body>")[0].replace('xmlns="http://www.w3.org/2000/svg"', ""))

    def tamper(self, sql, *params):
        c = sqlite3.connect(os.path.join(self.server.data_dir, "vouch.db"), timeout=30)
        c.execute(sql, params)
        c.commit()
        c.close()

    def test_4_tampering_while_serving_is_caught(self):
        db = os.path.join(self.server.data_dir, "vouch.db")
        c = sqlite3.connect(db, timeout=30)
        rows = dict(c.execute("SELECT idx, body FROM entries WHERE idx IN (300, 301, 302)").fetchall())
        c.close()
        try:
            # A changed body (still valid JSON of the same kind).
            body = json.loads(rows[300])
            body["spec"]["data"]["hash"]["value"] = "0" * 64
            self.tamper("UPDATE entries SET body = ? WHERE idx = 300",
                        json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
            r = self.replay(self.server, os.path.join(self.dir, "t-body"), *TREE_ONLY, expect=1)
            f = self.kinds(r)
            self.assertIn("altered-entry", f, r)
            ev = self.evidence(f["altered-entry"])
            self.assertEqual(ev["entries"][0]["index"], 300)
            self.assertEqual(ev["entries"][0]["tree_leaf_hash"], vt.leaf_hash(rows[300]).hex())
            self.assertIn("note", ev["checkpoints"][0])
            self.assertNotIn("rewritten-tree", f)
            self.tamper("UPDATE entries SET body = ? WHERE idx = 300", rows[300])

            # Two rows swapped.
            self.tamper("UPDATE entries SET body = ?, leaf_hash = ? WHERE idx = 301", b"{}", b"x" * 32)
            self.tamper("UPDATE entries SET body = ?, leaf_hash = ? WHERE idx = 302", rows[301],
                        vt.leaf_hash(rows[301]))
            self.tamper("UPDATE entries SET body = ?, leaf_hash = ? WHERE idx = 301", rows[302],
                        vt.leaf_hash(rows[302]))
            r = self.replay(self.server, os.path.join(self.dir, "t-swap"), *TREE_ONLY, expect=1)
            f = self.kinds(r)
            self.assertIn("reordered-entries", f, r)
            moved = {e["index"]: e["body_is_the_leaf_of_index"]
                     for e in self.evidence(f["reordered-entries"])["entries"]}
            self.assertEqual(moved, {301: 302, 302: 301})
            self.tamper("UPDATE entries SET body = ?, leaf_hash = ? WHERE idx = 301", b"{}", b"y" * 32)
            self.tamper("UPDATE entries SET body = ?, leaf_hash = ? WHERE idx = 302", rows[302],
                        vt.leaf_hash(rows[302]))
            self.tamper("UPDATE entries SET body = ?, leaf_hash = ? WHERE idx = 301", rows[301],
                        vt.leaf_hash(rows[301]))

            # A deleted row.
            self.tamper("DELETE FROM entries WHERE idx = 300")
            # The log answers 500 for the bundle: one retry is enough to call it removed.
            r = self.replay(self.server, os.path.join(self.dir, "t-delete"), *TREE_ONLY,
                            "--attempts", "2", expect=1)
            f = self.kinds(r)
            self.assertIn("removed-entry", f, r)
            self.assertIn(300, self.evidence(f["removed-entry"])["missing_entries"])
        finally:
            c = sqlite3.connect(db, timeout=30)
            c.execute("INSERT OR REPLACE INTO entries (idx, leaf_hash, body, integrated_time, sets) "
                      "SELECT 300, ?, ?, integrated_time, sets FROM entries WHERE idx = 299",
                      (vt.leaf_hash(rows[300]), rows[300]))
            c.commit()
            c.close()
        # Untampered again: a fresh replay is clean.
        self.assertTrue(self.replay(self.server, os.path.join(self.dir, "t-clean"), *TREE_ONLY)["consistent"])

    def copy_data(self, name):
        """A consistent copy of server A's data directory (SQLite backup API, keys copied)."""
        dst = os.path.join(self.dir, name)
        os.makedirs(dst, mode=0o700)
        for f in os.listdir(self.server.data_dir):
            p = os.path.join(self.server.data_dir, f)
            if os.path.isfile(p) and not f.startswith("vouch.db") and f != "lock":
                shutil.copy2(p, os.path.join(dst, f))
        src = sqlite3.connect(os.path.join(self.server.data_dir, "vouch.db"), timeout=30)
        out = sqlite3.connect(os.path.join(dst, "vouch.db"))
        src.backup(out)
        src.close()
        out.close()
        return dst

    def test_5_replaced_tree_hash_is_caught(self):
        data = self.copy_data("tree-copy")
        c = sqlite3.connect(os.path.join(data, "vouch.db"))
        # Tile level 1, index 0: its bottom row holds the level-8 nodes (256 leaves each).
        hashes = c.execute("SELECT hashes FROM tiles WHERE level = 1 AND idx = 0").fetchone()[0]
        bad = hashes[:32 * 3] + bytes(32) + hashes[32 * 4:]
        c.execute("UPDATE tiles SET hashes = ? WHERE level = 1 AND idx = 0", (bad,))
        c.commit()
        c.close()
        b = self.start(data)
        try:
            r = self.replay(b, os.path.join(self.dir, "t-tree"), *TREE_ONLY, expect=1)
            f = self.kinds(r)
            self.assertIn("rewritten-tree", f, r)
            tile = self.evidence(f["rewritten-tree"])["tiles"][0]
            self.assertEqual((tile["position"], tile["served"]), (3, "00" * 32))
        finally:
            b.kill()

    def test_6_a_forked_log_is_caught_by_the_auditor_and_the_witness(self):
        # Witness for log A.
        status, pem, _ = self.server.request("GET", "/api/v1/log/publicKey")
        status, cp, _ = self.server.request("GET", "/checkpoint")
        origin = cp.decode().split("\n")[0]
        logs = os.path.join(self.dir, "witness-logs.json")
        with open(logs, "w") as f:
            json.dump({"logs": [{"origin": origin, "public_key": pem.decode()}]}, f)
        ready = os.path.join(self.dir, "witness-ready.json")
        w = subprocess.Popen([AUDIT, "witness", "--key", os.path.join(self.dir, "witness.pem"),
                              "--logs", logs, "--state", os.path.join(self.dir, "witness-state"),
                              "--name", "witness.test/w1", "--addr", "127.0.0.1:0",
                              "--ready-file", ready], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(w)
        deadline = time.time() + 30
        while not os.path.exists(ready):
            self.assertIsNone(w.poll(), w.stderr.read() if w.poll() is not None else "")
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        with open(ready) as f:
            waddr = json.load(f)["addr"]
        import http.client

        def add_checkpoint(old, proof, note):
            host, port = waddr.rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            body = "old %d\n" % old + "".join(b64(h) + "\n" for h in proof) + "\n" + note
            conn.request("POST", "/add-checkpoint", body=body.encode())
            resp = conn.getresponse()
            out = (resp.status, resp.getheader("Content-Type"), resp.read().decode())
            conn.close()
            return out

        def proof(server, first, last):
            status, raw, _ = server.request("GET", "/api/v1/log/proof?firstSize=%d&lastSize=%d"
                                            % (first, last))
            return [bytes.fromhex(h) for h in json.loads(raw)["hashes"]]

        # Fork: B starts on a copy of A's data with A's key, then both take different entries.
        data = self.copy_data("fork")
        b = self.start(data)
        try:
            base = self.size()
            self.assertEqual(self.size(b), base)
            self.append(vt.hashedrekord(self.key, b"only in A"))
            self.append(vt.hashedrekord(self.key, b"only in B"), server=b)
            note_a = self.server.request("GET", "/checkpoint")[1].decode()
            note_b = self.server.request("GET", "/checkpoint", conn=b.conn())[1].decode()
            self.assertNotEqual(note_a, note_b)
            # The witness cosigns A, then refuses B's view of the same size and B's extension.
            st, _, cosig = add_checkpoint(0, [], note_a)
            self.assertEqual(st, 200, cosig)
            self.assertTrue(cosig.startswith("\u2014 witness.test/w1 "))
            st, ctype, _ = add_checkpoint(base + 1, [], note_b)
            self.assertEqual(st, 409)
            self.assertNotEqual(ctype, "text/x.tlog.size")
            self.append(vt.hashedrekord(self.key, b"more in B"), server=b)
            note_b2 = self.server.request("GET", "/checkpoint", conn=b.conn())[1].decode()
            st, _, _ = add_checkpoint(base + 1, proof(b, base + 1, base + 2), note_b2)
            self.assertEqual(st, 422)
            st, ctype, body = add_checkpoint(base, [], note_b2)
            self.assertEqual((st, ctype, body), (409, "text/x.tlog.size", "%d\n" % (base + 1)))
            self.assertEqual(len(glob.glob(os.path.join(self.dir, "witness-state", "evidence", "*"))), 2)

            # The auditor: A verified, then B's checkpoint given as gossip: split view.
            gossip = os.path.join(self.dir, "gossip-b.txt")
            with open(gossip, "w") as f:
                f.write(note_b)
            state = os.path.join(self.dir, "state-fork")
            r = self.replay(self.server, state, "--gossip", gossip, *TREE_ONLY, expect=1)
            f = self.kinds(r)
            self.assertIn("split-view", f, r)
            notes = [c["note"] for c in self.evidence(f["split-view"])["checkpoints"]]
            self.assertEqual(sorted(notes), sorted([note_a, note_b]))
            # A clean run of A, then the same state pointed at B (now one larger): the proof from
            # A's verified tree to B's cannot verify.
            self.assertTrue(self.replay(self.server, state, *TREE_ONLY)["consistent"])
            r = self.replay(b, state, *TREE_ONLY, expect=1)
            f = self.kinds(r)
            self.assertIn("inconsistent-checkpoint", f, r)
            ev = self.evidence(f["inconsistent-checkpoint"])
            self.assertEqual(len(ev["checkpoints"]), 2)
            self.assertEqual(ev["consistency_proof"]["first_size"], base + 1)
        finally:
            b.kill()

    def start_witness(self, name, server):
        stem = name.replace("/", "_")
        status, pem, _ = server.request("GET", "/api/v1/log/publicKey")
        status, cp, _ = server.request("GET", "/checkpoint")
        logs = os.path.join(self.dir, stem + "-logs.json")
        with open(logs, "w") as f:
            json.dump({"logs": [{"origin": cp.decode().split("\n")[0], "public_key": pem.decode()}]}, f)
        ready = os.path.join(self.dir, stem + "-ready.json")
        w = subprocess.Popen([AUDIT, "witness", "--key", os.path.join(self.dir, stem + ".pem"),
                              "--logs", logs, "--state", os.path.join(self.dir, stem + "-state"),
                              "--name", name, "--addr", "127.0.0.1:0", "--ready-file", ready],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs.append(w)
        deadline = time.time() + 30
        while not os.path.exists(ready):
            self.assertIsNone(w.poll())
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        with open(ready) as f:
            info = json.load(f)
        return w, "http://" + info["addr"], info["vkey"]

    def test_7_vouchd_collects_cosignatures_and_verify_requires_them(self):
        data = os.path.join(self.dir, "witnessed")
        c = self.start(data)  # first start: makes the log key
        c.stop()
        c = self.start(data)
        w, url, vkey = self.start_witness("witness.test/vouchd", c)
        c.stop()
        c = vt.Server(data, ["--oidc-issuer", self.oidc.issuer, "--witness", url + "," + vkey])
        self.servers.append(c)
        index = self.sign_keyless("w1", server=c)
        bundle = os.path.join(self.dir, "w1.sigstore.json")
        deadline = time.time() + 30
        while True:
            status, note, _ = c.request("GET", "/checkpoint/witnessed")
            if status == 200 and int(note.decode().split("\n")[1]) > index:
                break
            self.assertLess(time.time(), deadline, "no witnessed checkpoint")
            time.sleep(0.2)
        self.assertIn("\u2014 witness.test/vouchd ", note.decode())
        # The plain checkpoint keeps exactly one signature line.
        self.assertEqual(c.request("GET", "/checkpoint")[1].decode().count("\u2014"), 1)
        keys = os.path.join(self.dir, "witness-keys.txt")
        with open(keys, "w") as f:
            f.write("# the witnesses we trust\n" + vkey + "\n")
        root = self.trusted_root(c, "root-witnessed.json")
        verify = [vt.runfile("client/cli/vouch"), "verify-blob", "--bundle", bundle,
                  "--trusted-root", root, "--certificate-identity", EMAIL,
                  "--certificate-oidc-issuer", self.oidc.issuer, "--witness-key", keys,
                  os.path.join(self.dir, "w1")]
        r = subprocess.run(verify, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("0 of the 1 required witness cosignatures", r.stderr)
        self.audit("witnessed-bundle", bundle, "--log", "http://" + c.http, expect=0)
        r = subprocess.run(verify, capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        c.kill()

    def test_8_a_self_signed_entry_stops_neither_replay_nor_monitor(self):
        # A log of its own (small, so replays from 0 are quick).
        server = self.start(os.path.join(self.dir, "selfsigned"))
        root = self.trusted_root(server, "root-selfsigned.json")
        config = os.path.join(self.dir, "monitor-selfsigned.json")
        with open(config, "w") as f:
            json.dump({"rules": [{"name": "release bot", "identity": EMAIL,
                                  "issuer": self.oidc.issuer}]}, f)
        state = os.path.join(self.dir, "state-selfsigned-monitor")
        args = ["monitor", "http://" + server.http, "--config", config, "--trusted-root", root,
                "--state", state, "--once", "--no-ct"]
        before = self.sign_keyless("ss-before", server=server)
        self.assertEqual([json.loads(a)["index"] for a in
                          self.audit(*args, expect=0).stdout.splitlines()], [before])
        # Anyone submits an entry whose self-signed certificate claims the watched identity.
        bogus = self.append(self_signed_hashedrekord(ec.generate_private_key(ec.SECP256R1()),
                                                     EMAIL, b"not the release bot"),
                            server=server)
        after = self.sign_keyless("ss-after", server=server)
        # The monitor goes on: the later genuine entry is alerted (once), the self-signed
        # claim is not; the state covers both.
        r = self.audit(*args, expect=0)
        self.assertEqual([json.loads(a)["index"] for a in r.stdout.splitlines()], [after])
        self.assertIn("2 entries (1 with an untrusted certificate), 1 alerts", r.stderr)
        with open(os.path.join(state, "state.json")) as f:
            self.assertEqual(json.load(f)["size"], self.size(server))
        self.assertEqual(self.audit(*args, expect=0).stdout, "")
        with open(os.path.join(state, "alerts.jsonl")) as f:
            self.assertEqual([json.loads(line)["index"] for line in f], [before, after])
        # Replay: consistent (exit 0), the entry listed as untrusted with its reason, a record
        # written, the state advanced past it.
        rstate = os.path.join(self.dir, "state-selfsigned-replay")
        r = self.replay(server, rstate, root=root)
        self.assertTrue(r["consistent"], r)
        self.assertEqual(r["findings"], [])
        self.assertEqual((r["invalid_entries"], r["untrusted_entries"]), (0, 1))
        self.assertEqual(r["untrusted"][0]["index"], bogus)
        self.assertIn("chain", r["untrusted"][0]["reason"])
        with open(r["untrusted_record"]) as f:
            record = json.load(f)
        self.assertEqual(record["kind"], "untrusted-entries")
        self.assertEqual([e["index"] for e in record["entries"]], [bogus])
        self.assertEqual(record["entries"][0]["identities"], [EMAIL])
        self.assertEqual(glob.glob(os.path.join(rstate, "evidence", "*.json")), [])
        again = self.replay(server, rstate, root=root)
        self.assertEqual((again["old_size"], again["entries"]), (self.size(server), 0))
        # The text output names it too.
        text = self.audit("replay", "http://" + server.http, "--trusted-root", root, "--state",
                          os.path.join(self.dir, "state-selfsigned-text"), expect=0).stdout
        self.assertIn("untrusted    1 entries", text)
        self.assertIn("index %d: chain" % bogus, text)
        server.kill()

    def test_9_monitor_follows_the_ct_log_of_issued_certificates(self):
        from cryptography import x509
        server = self.start(os.path.join(self.dir, "ctlog"))
        root = self.trusted_root(server, "root-ct.json")
        with open(root) as f:
            self.assertEqual(len(json.load(f)["ctlogs"]), 1)  # vouchd runs its CT log
        config = os.path.join(self.dir, "monitor-ct.json")
        with open(config, "w") as f:
            json.dump({"rules": [{"name": "release bot", "identity": EMAIL,
                                  "issuer": self.oidc.issuer}]}, f)
        state = os.path.join(self.dir, "state-ct")
        args = ["monitor", "http://" + server.http, "--config", config, "--trusted-root", root,
                "--state", state, "--once"]

        def run():
            r = self.audit(*args, expect=0)
            alerts = [json.loads(line) for line in r.stdout.splitlines()]
            return ([a for a in alerts if a["kind"] != "ct-certificate"],
                    [a for a in alerts if a["kind"] == "ct-certificate"], r.stderr)

        first = self.sign_keyless("ct-1", server=server)
        entries, certs, stderr = run()
        self.assertIn("CT log http://%s: tree 0 -> 1, 1 entries, 1 alerts" % server.http, stderr)
        self.assertEqual([a["index"] for a in entries], [first])
        self.assertEqual(len(certs), 1)
        self.assertEqual((certs[0]["index"], certs[0]["entry_type"], certs[0]["rules"]),
                         (0, "precert", ["release bot"]))
        self.assertEqual((certs[0]["identities"], certs[0]["issuer"]), ([EMAIL], self.oidc.issuer))
        # The logged precertificate is the one of the certificate the bundle carries.
        with open(os.path.join(self.dir, "ct-1.sigstore.json")) as f:
            vm = json.load(f)["verificationMaterial"]
        raw = (vm.get("certificate") or vm["x509CertificateChain"]["certificates"][0])["rawBytes"]
        signing = x509.load_der_x509_certificate(base64.b64decode(raw))
        pre = x509.load_der_x509_certificate(base64.b64decode(certs[0]["certificate"]))
        self.assertEqual(pre.serial_number, signing.serial_number)
        self.assertEqual(pre.public_key().public_bytes(serialization.Encoding.DER,
                                                       serialization.PublicFormat.SubjectPublicKeyInfo),
                         signing.public_key().public_bytes(serialization.Encoding.DER,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo))
        # A restart reports nothing; the next certificate and entry once each.
        self.assertEqual(run()[:2], ([], []))
        second = self.sign_keyless("ct-2", server=server)
        entries, certs, _ = run()
        self.assertEqual(([a["index"] for a in entries], [c["index"] for c in certs]),
                         ([second], [1]))
        self.assertEqual(run()[:2], ([], []))
        with open(os.path.join(state, "ct_state.json")) as f:
            self.assertEqual(json.load(f)["size"], 2)
        with open(os.path.join(state, "alerts.jsonl")) as f:
            kinds = sorted(json.loads(line)["kind"] for line in f)
        self.assertEqual(kinds, ["ct-certificate", "ct-certificate", "hashedrekord", "hashedrekord"])
        # --no-ct: the log only.
        r = self.audit("monitor", "http://" + server.http, "--config", config, "--trusted-root",
                       root, "--state", os.path.join(self.dir, "state-no-ct"), "--once", "--no-ct",
                       expect=0)
        self.assertEqual(sorted(json.loads(line)["index"] for line in r.stdout.splitlines()),
                         [first, second])
        self.assertNotIn("CT log", r.stderr)
        # A CT log the trusted root names but the monitor cannot reach is skipped for the
        # cycle (exit 0); one given with --ct-url is an error (exit 3).
        with open(root) as f:
            moved = json.load(f)
        with socket.socket() as sock:  # a port nothing listens on
            sock.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d" % sock.getsockname()[1]
        moved["ctlogs"][0]["baseUrl"] = dead
        moved_path = os.path.join(self.dir, "root-ct-moved.json")
        with open(moved_path, "w") as f:
            json.dump(moved, f)
        base = ["monitor", "http://" + server.http, "--config", config, "--once"]
        r = self.audit(*base, "--trusted-root", moved_path, "--state",
                       os.path.join(self.dir, "state-ct-moved"), expect=0)
        self.assertIn("CT log %s (from the trusted root; not followed this cycle)" % dead, r.stderr)
        self.audit(*base, "--trusted-root", root, "--state", os.path.join(self.dir, "state-ct-dead"),
                   "--ct-url", dead, expect=3)
        server.kill()

    def test_10_monitor_follows_a_ct_key_rotation(self):
        data = os.path.join(self.dir, "ctrot")
        server = self.start(data)
        config = os.path.join(self.dir, "monitor-ctrot.json")
        with open(config, "w") as f:
            json.dump({"rules": [{"name": "release bot", "identity": EMAIL,
                                  "issuer": self.oidc.issuer}]}, f)
        state = os.path.join(self.dir, "state-ctrot")

        def run(root, expect=0, state_dir=state):
            r = self.audit("monitor", "http://" + server.http, "--config", config,
                           "--trusted-root", root, "--state", state_dir, "--once", expect=expect)
            alerts = [json.loads(line) for line in r.stdout.splitlines()]
            return [a for a in alerts if a["kind"] == "ct-certificate"], r.stderr

        self.sign_keyless("ctrot-1", server=server)
        certs, _ = run(self.trusted_root(server, "root-ctrot-1.json"))
        self.assertEqual([c["index"] for c in certs], [0])
        with open(os.path.join(state, "ct_state.json")) as f:
            old_id = json.load(f)["log_id"]
        # The CT key is rotated (a new key is a new CT log at the same URL, docs/ct.md).
        server.stop()
        server = vt.Server(data, ["--oidc-issuer", self.oidc.issuer, "--rotate-ct-key"])
        self.servers.append(server)
        self.sign_keyless("ctrot-2", server=server)
        root2 = self.trusted_root(server, "root-ctrot-2.json")
        with open(root2) as f:
            self.assertEqual(len(json.load(f)["ctlogs"]), 2)
        certs, stderr = run(root2)
        self.assertIn("CT log key rotated: the trusted root retired log %s" % old_id, stderr)
        self.assertEqual([(c["index"], c["identities"]) for c in certs], [(0, [EMAIL])])
        with open(os.path.join(state, "ct_state.json")) as f:
            new = json.load(f)
        self.assertNotEqual(new["log_id"], old_id)
        self.assertEqual(new["size"], 1)
        with open(os.path.join(state, "ct_state.%s.json" % old_id)) as f:
            self.assertEqual(json.load(f)["size"], 1)
        self.assertEqual(run(root2)[0], [])  # nothing new
        # A different key while the followed one is still valid is not a rotation: a finding.
        with open(root2) as f:
            unended = json.load(f)
        for log in unended["ctlogs"]:
            log["publicKey"].get("validFor", {}).pop("end", None)
        unended_path = os.path.join(self.dir, "root-ctrot-unended.json")
        with open(unended_path, "w") as f:
            json.dump(unended, f)
        old_state = os.path.join(self.dir, "state-ctrot-old")
        os.makedirs(old_state)
        shutil.copy(os.path.join(state, "ct_state.%s.json" % old_id),
                    os.path.join(old_state, "ct_state.json"))
        _, stderr = run(unended_path, expect=1, state_dir=old_state)
        self.assertIn("ct-bad-sth-signature", stderr)
        server.kill()


if __name__ == "__main__":
    vt.main()
