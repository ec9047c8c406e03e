# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Several vouchd front ends on one PostgreSQL database (docs/operations.md "Several front ends"):
three real vouchd processes share the database tools/test starts ($VOUCH_TEST_POSTGRES); all take
appends, one sequences. Under load, the sequencer is killed with SIGKILL again and again: another
front end takes over within the lease time, no acknowledged entry is lost, no index is given
twice, and every checkpoint any front end served stays consistent with the log (vouch-audit
replays it with all of them as gossip: no finding). Keyless signing through each front end (CA,
the shared CT log, the log) verifies offline with SCTs required. A front end whose database
connection is cut answers 503 naming the database, and recovers by itself when it comes back."""

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from postgres_e2e_test import BASE_URL, DatabaseTestCase, psql  # noqa: E402

AUDIT = vt.runfile("audit/vouch-audit")
LEASE = 2.0  # --sequencer-lease, seconds


def metric(server, name):
    """The value of metric |name| on |server|, or None if it does not answer."""
    try:
        status, raw, _ = server.request("GET", "/metrics")
    except OSError:
        return None
    if status != 200:
        return None
    for line in raw.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


class Proxy:
    """A TCP forwarder to PostgreSQL on 127.0.0.1 that can cut every connection and refuse new
    ones (the database "goes away" for the front ends behind it) and come back."""

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up = True
        self.socks = []
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.listener.accept()
            except OSError:
                return
            if not self.up:
                c.close()
                continue
            try:
                u = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.socks += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.up = False
        with self.lock:
            for s in self.socks:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.socks = []

    def restore(self):
        self.up = True

    def close(self):
        self.cut()
        self.listener.close()


class ClusterE2ETest(DatabaseTestCase):
    PREFIX = "cluster"

    def start(self, name, url=None):
        s = vt.Server(os.path.join(self.dir, name),
                      ["--storage", url or self.url, "--sequencer-lease", "%ds" % LEASE,
                       "--verify-rate", "0", *getattr(self, "extra", [])])
        self.servers.append(s)
        return s

    def start_three(self):
        """Front end "a" creates the log and its keys; "b" and "c" get copies of the keys (as an
        operator deploys them: the same key files on every front end)."""
        a = self.start("a")
        for name in ("b", "c"):
            shutil.copytree(os.path.join(self.dir, "a"), os.path.join(self.dir, name),
                            ignore=shutil.ignore_patterns("*published_checkpoint*", "*.lock"))
        return [a, self.start("b"), self.start("c")]

    def sequencers(self, fronts):
        return [f for f in fronts if f.proc.poll() is None and
                metric(f, "vouch_log_sequencing") == 1]

    def test_three_front_ends_survive_killing_the_sequencer_under_load(self):
        fronts = self.start_three()
        self.assertEqual(len(self.sequencers(fronts)), 1)
        key = fronts[0].public_key()
        acked = {}  # logIndex -> uuid
        acked_lock = threading.Lock()
        errors = []
        notes = []  # every checkpoint note any front end served
        stop = threading.Event()
        counter = [0]

        def writer(t):
            while not stop.is_set():
                with acked_lock:
                    counter[0] += 1
                    n = counter[0]
                    f = fronts[n % len(fronts)]
                try:
                    status, raw, _ = f.request(
                        "POST", "/api/v1/log/entries",
                        vt.hashedrekord(self.key, b"cluster artifact %d-%d" % (t, n)))
                except OSError as e:  # The front end was killed mid-request.
                    errors.append("conn: %s" % e)
                    time.sleep(0.05)
                    continue
                if status != 201:
                    errors.append("%d %s" % (status, raw[:200]))
                    time.sleep(0.05)
                    continue
                (uuid, entry), = json.loads(raw).items()
                with acked_lock:
                    self.assertNotIn(entry["logIndex"], acked, "index given twice")
                    acked[entry["logIndex"]] = uuid
                    notes.append(entry["verification"]["inclusionProof"]["checkpoint"])

        threads = [threading.Thread(target=writer, args=(t,)) for t in range(6)]
        for t in threads:
            t.start()
        takeovers = []
        try:
            for round_ in range(3):
                time.sleep(2.0)
                seq = self.sequencers(fronts)
                self.assertEqual(len(seq), 1, "round %d: %d sequencers" % (round_, len(seq)))
                victim = seq[0]
                victim.kill()  # SIGKILL: no lease hand-back
                t0 = time.time()
                others = [f for f in fronts if f is not victim]
                while not self.sequencers(others):
                    self.assertLess(time.time() - t0, LEASE + 5, "no takeover")
                    time.sleep(0.02)
                takeovers.append(time.time() - t0)
                # The killed front end comes back (same data directory, new ports).
                name = os.path.basename(victim.data_dir)
                fronts[fronts.index(victim)] = self.start(name)
            time.sleep(1.0)
        finally:
            stop.set()
            for t in threads:
                t.join()
        print("takeover after SIGKILL: %s s (lease %ss); %d appends acknowledged, %d refused or cut"
              % (", ".join("%.2f" % t for t in takeovers), LEASE, len(acked), len(errors)))
        self.assertGreater(len(acked), 100)
        for t in takeovers:
            self.assertLess(t, LEASE + 1.5)
        # Errors only while a sequencer was gone: 503s naming the cause, or cut connections.
        for e in errors:
            self.assertTrue(e.startswith("conn:") or e.startswith("503"), e)

        # Every acknowledged entry is in the log at its index, on every front end.
        for f in fronts:
            for index in random.sample(sorted(acked), 50):
                uuid, entry = f.entry_at(index)
                self.assertEqual(uuid, acked[index])
                vt.check_log_entry(uuid, entry, key)
        # No index given twice, and no hole: the log holds exactly what was acknowledged, plus
        # entries whose answer was lost with a killed front end.
        status, raw, _ = fronts[0].request("GET", "/api/v1/log")
        size = json.loads(raw)["treeSize"]
        self.assertGreaterEqual(size, len(acked))
        self.assertLess(max(acked), size)
        self.assertEqual(psql(self.url, "SELECT count(*) FROM vouch.pending WHERE outcome IS NULL"),
                         "0")

        # The auditor replays the whole log and checks every checkpoint any front end served
        # against it (gossip): one view, consistent all along.
        root = os.path.join(self.dir, "root.json")
        status, raw, _ = fronts[0].request("GET", "/api/v1/trustedRoot")
        self.assertEqual(status, 200)
        with open(root, "wb") as f:
            f.write(raw)
        gossip = []
        for i, note in enumerate(random.sample(notes, min(40, len(notes)))):
            path = os.path.join(self.dir, "gossip-%d.txt" % i)
            with open(path, "w") as f:
                f.write(note)
            gossip += ["--gossip", path]
        r = subprocess.run([AUDIT, "replay", "http://" + fronts[1].http, "--trusted-root", root,
                            "--state", os.path.join(self.dir, "audit"), "--output", "json",
                            *gossip], capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-3000:])
        result = json.loads(r.stdout)
        self.assertEqual(result["findings"], [])
        self.assertGreaterEqual(result["size"], size)

    def test_keyless_signing_through_every_front_end_verifies(self):
        # What a CI job behind the load balancer does: sign-blob through whichever front end it
        # reaches (CA certificate, its precertificate in the shared CT log, the log entry), then
        # verify offline with the trusted root of another front end, SCT required (the default).
        oidc = vt.DevOidc()
        self.addCleanup(oidc.kill)
        self.extra = ["--oidc-issuer", oidc.issuer]
        fronts = self.start_three()
        root = os.path.join(self.dir, "root.json")
        status, raw, _ = fronts[2].request("GET", "/api/v1/trustedRoot")
        self.assertEqual(status, 200, raw)
        with open(root, "wb") as f:
            f.write(raw)
        vouch = vt.runfile("client/cli/vouch")
        indices = set()
        for round_ in range(2):
            for i, front in enumerate(fronts):
                path = os.path.join(self.dir, "artifact-%d-%d.txt" % (round_, i))
                with open(path, "w") as f:
                    f.write("signed through front end %d, round %d\n" % (i, round_))
                r = subprocess.run([vouch, "sign-blob", "--server", "http://" + front.http,
                                    "--oidc-url", oidc.issuer, "--oidc-email", "ci@example.com",
                                    path], capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                with open(path + ".sigstore.json") as f:
                    bundle = json.load(f)
                # logIndex 0 is omitted (proto3 JSON).
                entry = bundle["verificationMaterial"]["tlogEntries"][0]
                indices.add(int(entry.get("logIndex", 0)))
                r = subprocess.run([vouch, "verify-blob", "--bundle", path + ".sigstore.json",
                                    "--trusted-root", root, "--certificate-identity",
                                    "ci@example.com", "--certificate-oidc-issuer", oidc.issuer,
                                    path], capture_output=True, text=True, timeout=60)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(len(indices), 6)
        # One CT log for all of them, in the database: six precertificates.
        self.assertEqual(psql(self.url, "SELECT count(*) FROM vouch_ct.entries"), "6")
        self.assertEqual(psql(self.url, "SELECT count(*) FROM vouch.certificates"), "6")

    def test_front_end_that_loses_the_database_answers_503_and_recovers(self):
        a = self.start("a")
        host_port = BASE_URL.split("@")[-1].split("/")[0]
        host, port = host_port.rsplit(":", 1)
        proxy = Proxy(host, int(port))
        self.addCleanup(proxy.close)
        via_proxy = self.url.replace(host_port, "127.0.0.1:%d" % proxy.port)
        shutil.copytree(os.path.join(self.dir, "a"), os.path.join(self.dir, "b"),
                        ignore=shutil.ignore_patterns("*published_checkpoint*", "*.lock"))
        b = self.start("b", url=via_proxy)
        status, raw, _ = b.request("POST", "/api/v1/log/entries",
                                   vt.hashedrekord(self.key, b"before the cut"))
        self.assertEqual(status, 201, raw)

        proxy.cut()
        status, raw, _ = b.request("POST", "/api/v1/log/entries",
                                   vt.hashedrekord(self.key, b"during the cut"))
        self.assertEqual(status, 503, raw)
        self.assertIn(b"127.0.0.1:%d" % proxy.port, raw)  # Names the database it cannot reach.
        # "a" (its own connection) goes on.
        status, raw, _ = a.request("POST", "/api/v1/log/entries",
                                   vt.hashedrekord(self.key, b"on a during the cut"))
        self.assertEqual(status, 201, raw)
        (uuid_on_a, entry_on_a), = json.loads(raw).items()

        proxy.restore()
        deadline = time.time() + 20
        while True:
            status, raw, _ = b.request("POST", "/api/v1/log/entries",
                                       vt.hashedrekord(self.key, b"after the cut"))
            if status == 201 or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(status, 201, raw)
        # And "b" serves what "a" appended meanwhile, with a proof.
        uuid, entry = b.entry_at(entry_on_a["logIndex"])
        self.assertEqual(uuid, uuid_on_a)
        vt.check_log_entry(uuid, entry, b.public_key())


if __name__ == "__main__":
    unittest.main()
