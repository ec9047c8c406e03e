# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""The log checked from outside: a real vouchd process, REST appends signed here, every proof,
checkpoint signature and SET verified with the independent implementation in vouchtest.py, and
durability across kill -9 under sustained load."""

import base64
import os
import random
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402


class LogE2ETest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vouch-e2e-")
        self.server = vt.Server(os.path.join(self.dir, "data"))
        self.key = ec.generate_private_key(ec.SECP256R1())

    def tearDown(self):
        if self.server.proc.poll() is None:
            self.server.kill()

    def append(self, artifact, conn=None):
        status, raw, resp = self.server.request(
            "POST", "/api/v1/log/entries", vt.hashedrekord(self.key, artifact), conn)
        self.assertEqual(status, 201, raw)
        import json
        body = json.loads(raw)
        (uuid, entry), = body.items()
        return uuid, entry

    def test_entries_proofs_checkpoints_and_sets_verify_independently(self):
        import json
        key = self.server.public_key()
        entries = [self.append(b"artifact %d" % i) for i in range(40)]
        for uuid, entry in entries:
            vt.check_log_entry(uuid, entry, key)
        # The latest checkpoint covers every entry; each earlier proof's root is consistent
        # with it.
        status, raw, _ = self.server.request("GET", "/api/v1/log")
        self.assertEqual(status, 200)
        info = json.loads(raw)
        _, size, root = vt.verify_checkpoint(info["signedTreeHead"], key)
        self.assertEqual(size, 40)
        self.assertEqual(root.hex(), info["rootHash"])
        # The root equals the RFC 6962 MTH over the bodies, computed here from scratch.
        bodies = [base64.b64decode(e["body"]) for _, e in entries]
        self.assertEqual(vt.mth(bodies), root)
        for first in range(1, 41):
            status, raw, _ = self.server.request(
                "GET", "/api/v1/log/proof?firstSize=%d&lastSize=40" % first)
            self.assertEqual(status, 200, raw)
            proof = [bytes.fromhex(h) for h in json.loads(raw)["hashes"]]
            vt.verify_consistency(first, 40, proof, vt.mth(bodies[:first]), root)
            # An altered proof is rejected by the independent verifier.
            if proof:
                bad = list(proof)
                bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
                with self.assertRaises(ValueError):
                    vt.verify_consistency(first, 40, bad, vt.mth(bodies[:first]), root)
        # Entries read back by index verify too.
        for i in (0, 17, 39):
            uuid, entry = self.server.entry_at(i)
            vt.check_log_entry(uuid, entry, key)
            self.assertEqual(entry["logIndex"], i)
        # The C2SP tile for level 0 holds the leaf hashes.
        status, tile, _ = self.server.request("GET", "/tile/0/000.p/40")
        self.assertEqual(status, 200)
        self.assertEqual(tile[32 * 5:32 * 6], vt.leaf_hash(bodies[5]))

    def test_kill_minus_9_under_load_loses_no_acknowledged_entry(self):
        import json
        key = self.server.public_key()
        acked = {}            # index -> body (base64)
        checkpoints = []      # (size, root) handed out before the kill
        lock = threading.Lock()
        stop = threading.Event()

        def client(n):
            conn = self.server.conn()
            i = 0
            while not stop.is_set():
                try:
                    status, raw, _ = self.server.request(
                        "POST", "/api/v1/log/entries",
                        vt.hashedrekord(self.key, b"load %d %d" % (n, i)), conn)
                except Exception:
                    return  # The server was killed mid-request: not acknowledged.
                i += 1
                if status != 201:
                    continue
                (uuid, entry), = json.loads(raw).items()
                proof = entry["verification"]["inclusionProof"]
                with lock:
                    acked[entry["logIndex"]] = entry["body"]
                    checkpoints.append((proof["treeSize"], bytes.fromhex(proof["rootHash"])))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
        for t in threads:
            t.start()
        time.sleep(2.5)
        self.server.kill()  # SIGKILL, mid-load.
        stop.set()
        for t in threads:
            t.join()
        self.assertGreater(len(acked), 50, "the load did not get going")

        self.server = vt.Server(self.server.data_dir)
        status, raw, _ = self.server.request("GET", "/api/v1/log")
        info = json.loads(raw)
        _, size, root = vt.verify_checkpoint(info["signedTreeHead"], key)
        self.assertGreaterEqual(size, max(acked) + 1)
        # Every acknowledged entry is at its index with the same body.
        conn = self.server.conn()
        for index, body in sorted(acked.items()):
            _, entry = self.server.entry_at(index, conn)
            self.assertEqual(entry["body"], body, "entry %d changed" % index)
        # The new checkpoint is consistent with every checkpoint handed out before the kill.
        for old_size, old_root in sorted(set(checkpoints)):
            status, raw, _ = self.server.request(
                "GET", "/api/v1/log/proof?firstSize=%d&lastSize=%d" % (old_size, size),
                conn=conn)
            self.assertEqual(status, 200, raw)
            vt.verify_consistency(old_size, size, [bytes.fromhex(h) for h in
                                                   json.loads(raw)["hashes"]], old_root, root)
        # And the log keeps working.
        uuid, entry = self.append(b"after restart")
        vt.check_log_entry(uuid, entry, key)

    def test_sigterm_stops_cleanly_and_restart_refuses_tampered_database(self):
        for i in range(5):
            self.append(b"t%d" % i)
        self.assertEqual(self.server.stop(), 0)
        db = os.path.join(self.server.data_dir, "vouch.db")
        import sqlite3
        c = sqlite3.connect(db)
        c.execute("UPDATE entries SET body = x'7b7d' WHERE idx = 3")
        c.commit()
        c.close()
        with self.assertRaises(RuntimeError) as ctx:
            vt.Server(self.server.data_dir)
        self.assertIn("entry 3", str(ctx.exception))


if __name__ == "__main__":
    vt.main()
