# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""A log that cannot fork, checked from outside: a real vouchd appends 600 entries (two full
256-entry tiles and a partial one, so damage lands outside the newest tile), then its SQLite file
is tampered with (with Python's sqlite3, as an attacker with the file would) in each of the ways
an attacker's probe found, and each is caught: vouchd refuses to start naming it, or
--verify-storage names it, or a read answers 500 naming the entry and /healthz turns 503.
Also: a restart on another address keeps the checkpoint origin, and a full disk (a file size
limit set on the running process) turns /healthz 503 until an append succeeds again."""

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

ENTRIES = 600


def append_many(server, key, first, count, threads=8):
    """Appends entries first..first+count-1 from |threads| clients; returns index -> uuid."""
    out = {}
    lock = threading.Lock()
    errors = []

    def client(n):
        conn = server.conn()
        for i in range(first + n, first + count, threads):
            status, raw, _ = server.request(
                "POST", "/api/v1/log/entries", vt.hashedrekord(key, b"artifact %d" % i), conn)
            if status != 201:
                errors.append((status, raw))
                return
            (uuid, entry), = json.loads(raw).items()
            with lock:
                out[entry["logIndex"]] = uuid

    ts = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise AssertionError("append failed: %r" % errors[:3])
    return out


def run_vouchd(data_dir, *args, timeout=60):
    """Runs vouchd to completion (a refusal or --verify-storage): (exit code, stdout + stderr)."""
    p = subprocess.run(
        [vt.runfile("tools/vouchd"), "--data-dir", data_dir, "--http-addr", "127.0.0.1:0",
         "--grpc-addr", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    return p.returncode, p.stdout.decode()


def sql(data_dir, statements):
    c = sqlite3.connect(os.path.join(data_dir, "vouch.db"))
    c.executescript(statements)
    c.commit()
    c.close()


def zero_tile_node(data_dir, level, index, row, pos):
    """Zeroes the hash at |row|, |pos| of full tile |level|/|index| (rows of 256, 128, ... hashes
    one after the other)."""
    c = sqlite3.connect(os.path.join(data_dir, "vouch.db"))
    (hashes,) = c.execute("SELECT hashes FROM tiles WHERE level = ? AND idx = ?",
                          (level, index)).fetchone()
    offset = sum(256 >> r for r in range(row)) * 32 + pos * 32
    hashes = hashes[:offset] + bytes(32) + hashes[offset + 32:]
    c.execute("UPDATE tiles SET hashes = ? WHERE level = ? AND idx = ?", (hashes, level, index))
    c.commit()
    c.close()


def healthz(server):
    status, raw, _ = server.request("GET", "/healthz")
    return status, json.loads(raw)


class IntegrityE2ETest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="vouch-integrity-")
        cls.pristine = os.path.join(cls.root, "pristine")
        cls.key = ec.generate_private_key(ec.SECP256R1())
        server = vt.Server(cls.pristine)
        try:
            cls.log_key = server.public_key()
            cls.uuids = append_many(server, cls.key, 0, ENTRIES // 2)
            # An online backup half way (what an operator's backup job makes).
            cls.older_db = os.path.join(cls.root, "older.db")
            src = sqlite3.connect(os.path.join(cls.pristine, "vouch.db"))
            dst = sqlite3.connect(cls.older_db)
            src.backup(dst)
            dst.close()
            src.close()
            cls.uuids.update(append_many(server, cls.key, ENTRIES // 2, ENTRIES // 2))
            status, raw, _ = server.request("GET", "/checkpoint")
            cls.checkpoint = raw.decode()
        finally:
            assert server.stop() == 0, server.output()
        assert len(cls.uuids) == ENTRIES

    def setUp(self):
        self.data = os.path.join(tempfile.mkdtemp(dir=self.root), "data")
        shutil.copytree(self.pristine, self.data)
        self.server = None

    def tearDown(self):
        if self.server is not None and self.server.proc.poll() is None:
            self.server.kill()

    def start(self, *args):
        # No background verifier unless a test wants it: reads are checked on their own.
        self.server = vt.Server(self.data, ("--verify-rate=0",) + args)
        return self.server

    def refused(self, want):
        code, out = run_vouchd(self.data)
        self.assertEqual(code, 1, out)
        self.assertIn(want, out)
        return out

    def verify_storage(self):
        return run_vouchd(self.data, "--verify-storage")

    def assert_read_fails_and_unhealthy(self, index, want):
        """GET logIndex=|index| answers 500 naming |want|; /healthz is 503 with that reason."""
        status, raw, _ = self.server.request("GET", "/api/v1/log/entries?logIndex=%d" % index)
        self.assertEqual(status, 500, raw)
        self.assertIn(want, json.loads(raw)["message"])
        status, body = healthz(self.server)
        self.assertEqual(status, 503)
        self.assertEqual(body["status"], "NOT_SERVING")
        self.assertTrue(any(want in r for r in body["reasons"]), body)
        status, raw, _ = self.server.request("GET", "/metrics")
        self.assertIn("vouch_log_integrity_failures_total 1", raw.decode())

    def start_or_refused(self, index, want):
        """Damage the start-up check samples (it may or may not look at |index|): either the start
        is refused naming the entry, or a read of it fails and health turns unhealthy."""
        try:
            self.start()
        except RuntimeError as e:
            out = str(e)
            self.assertIn("entry %d" % index, out)
            return
        self.assert_read_fails_and_unhealthy(index, want)

    def test_clean_copy_verifies(self):
        code, out = self.verify_storage()
        self.assertEqual(code, 0, out)
        self.assertIn("OK: %d entries" % ENTRIES, out)

    def test_deleted_middle_row(self):
        sql(self.data, "DELETE FROM entries WHERE idx = 5")
        self.refused("indices run from 0 to %d (a row is missing" % (ENTRIES - 1))
        code, out = self.verify_storage()
        self.assertEqual(code, 1, out)
        self.assertIn("entry 5: missing from storage", out)

    def test_altered_old_body(self):
        sql(self.data, "UPDATE entries SET body = x'7b7d' WHERE idx = 7")
        code, out = self.verify_storage()
        self.assertEqual(code, 1, out)
        self.assertIn("entry 7: body hashes to", out)
        self.start_or_refused(7, "entry 7: body hashes to")

    def test_zeroed_tile_hash(self):
        # Node (level 1, index 129) covers entries 258-259: row 1, position 1 of tile 0/1. The
        # proofs of entries 256 and 257 contain it; the start-up check never reads it.
        zero_tile_node(self.data, 0, 1, 1, 1)
        code, out = self.verify_storage()
        self.assertEqual(code, 1, out)
        self.assertIn("tree node (level 1, index 129; entries 258-259) in tile 0/1 is 0000", out)
        self.start()
        _, entry = self.server.entry_at(300)  # Unaffected entries are served (and verify).
        vt.check_log_entry(self.uuids[300], entry, self.log_key)
        self.assert_read_fails_and_unhealthy(
            256, "entry 256: inclusion proof does not verify against the checkpoint of size 600")
        # Still unhealthy later: an integrity failure lasts until a restart checks again.
        self.assertEqual(healthz(self.server)[0], 503)

    def test_background_verifier_finds_damage_nobody_read(self):
        zero_tile_node(self.data, 0, 1, 1, 1)
        self.start("--verify-rate=100000")
        deadline = time.time() + 60
        while healthz(self.server)[0] == 200 and time.time() < deadline:
            time.sleep(0.05)
        status, body = healthz(self.server)
        self.assertEqual(status, 503, body)
        self.assertTrue(any("background verifier: tree node (level 1, index 129" in r
                            for r in body["reasons"]), body)

    def test_garbage_set(self):
        sql(self.data, "UPDATE entries SET sets = x'3006020101020101' WHERE idx = 9")
        code, out = self.verify_storage()
        self.assertEqual(code, 1, out)
        self.assertIn("entry 9: SignedEntryTimestamp does not verify", out)

    def test_negative_integrated_time(self):
        sql(self.data, "UPDATE entries SET integrated_time = -5 WHERE idx = 11")
        code, out = self.verify_storage()
        self.assertEqual(code, 1, out)
        self.assertIn("entry 11: integratedTime -5 is not positive", out)
        self.start()
        self.assert_read_fails_and_unhealthy(11, "entry 11: integratedTime -5 is not positive")

    def test_deleted_or_emptied_database_with_the_keys_kept(self):
        os.remove(os.path.join(self.data, "vouch.db"))
        self.refused("/vouch.db is missing: the log this key signed is gone")
        open(os.path.join(self.data, "vouch.db"), "w").close()
        out = self.refused("/vouch.db is empty")
        self.assertIn("--new-log", out)
        # A fresh SQLite database (the tables emptied): the published checkpoint knows better.
        os.remove(os.path.join(self.data, "vouch.db"))
        sqlite3.connect(os.path.join(self.data, "vouch.db")).execute("CREATE TABLE t(x)").close()
        self.refused("holds no log but this log already published a checkpoint of size 600")
        # A deliberate new log: --new-log moves the old key aside, dated, and starts over.
        os.remove(os.path.join(self.data, "vouch.db"))
        self.start("--new-log")
        self.assertNotEqual(vt.log_id(self.server.public_key()), vt.log_id(self.log_key))
        status, raw, _ = self.server.request("GET", "/api/v1/log")
        self.assertEqual(json.loads(raw)["treeSize"], 0)
        retired = [f for f in os.listdir(self.data) if f.startswith("log_key.pem.retired-")]
        self.assertEqual(len(retired), 1, os.listdir(self.data))

    def test_older_copy_of_the_database(self):
        for suffix in ("", "-wal", "-shm"):
            path = os.path.join(self.data, "vouch.db" + suffix)
            if os.path.exists(path):
                os.remove(path)
        shutil.copy(self.older_db, os.path.join(self.data, "vouch.db"))
        self.refused("the database's tree has %d entries but this log already published a "
                     "checkpoint of size %d" % (ENTRIES // 2, ENTRIES))

    def test_restart_on_another_address_keeps_the_origin(self):
        origin = self.checkpoint.split("\n")[0]
        self.assertTrue(origin.startswith("127.0.0.1 - "), origin)
        self.server = vt.Server(self.data, ("--http-addr", "127.0.0.2:0"))
        self.assertTrue(self.server.http.startswith("127.0.0.2:"))
        status, raw, _ = self.server.request("GET", "/checkpoint")
        self.assertEqual(raw.decode().split("\n")[0], origin)
        vt.verify_checkpoint(raw.decode(), self.log_key, name="127.0.0.1")
        self.server.stop()
        code, out = run_vouchd(self.data, "--log-name", "127.0.0.2")
        self.assertEqual(code, 1, out)
        self.assertIn('--log-name=127.0.0.2 contradicts the log\'s signer name "127.0.0.1"', out)

    def test_full_disk_turns_health_unhealthy_until_an_append_succeeds(self):
        self.start()
        self.assertEqual(healthz(self.server)[0], 200)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        # No file of the process may grow past 1 byte: every write to the WAL fails (EFBIG).
        resource.prlimit(self.server.proc.pid, resource.RLIMIT_FSIZE, (1, hard))
        status, raw, _ = self.server.request(
            "POST", "/api/v1/log/entries", vt.hashedrekord(self.key, b"disk full"))
        self.assertEqual(status, 503, raw)
        status, body = healthz(self.server)
        self.assertEqual(status, 503, body)
        self.assertTrue(any(r.startswith("log.append: appends failing: storage:")
                            for r in body["reasons"]), body)
        resource.prlimit(self.server.proc.pid, resource.RLIMIT_FSIZE, (soft, hard))
        self.assertEqual(healthz(self.server)[0], 503, "recovers only with a commit")
        status, raw, _ = self.server.request(
            "POST", "/api/v1/log/entries", vt.hashedrekord(self.key, b"disk full"))
        self.assertEqual(status, 201, raw)
        self.assertEqual(healthz(self.server), (200, {"status": "SERVING"}))


if __name__ == "__main__":
    vt.main()
