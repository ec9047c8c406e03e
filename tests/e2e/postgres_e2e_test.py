# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""vouchd on PostgreSQL (--storage postgres://...): a real vouchd process on the PostgreSQL server
that tools/test starts ($VOUCH_TEST_POSTGRES), each test in a database of its own. Entries,
proofs and checkpoints verified with vouchtest.py's independent code; the log survives a restart
and kill -9; a database without the key's log, a key without the database's log, a newer schema
and an unreachable server are each refused with a clear message. Without $VOUCH_TEST_POSTGRES the
tests skip (fail under CI=true)."""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

BASE_URL = os.environ.get("VOUCH_TEST_POSTGRES", "")


def psql(url, sql):
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                         capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError("psql %s: %s" % (sql, out.stderr))
    return out.stdout.strip()


def with_database(url, db):
    u = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, u.fragment))


def run_vouchd(data_dir, storage):
    """Runs vouchd expecting it to refuse to start; returns (exit code, output)."""
    out = subprocess.run(
        [vt.runfile("tools/vouchd"), "--data-dir", data_dir, "--storage", storage,
         "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0", "--ca=false", "--tuf=false"],
        capture_output=True, text=True, timeout=60)
    return out.returncode, out.stdout + out.stderr


class DatabaseTestCase(unittest.TestCase):
    """Each test in a database of its own on the test server, a temporary directory, vouchd
    processes (self.servers) killed by pid afterwards, and a P-256 key for entries."""
    PREFIX = "e2e"

    def setUp(self):
        if not BASE_URL:
            if os.environ.get("CI") == "true":
                self.fail("CI=true but VOUCH_TEST_POSTGRES is not set (tools/test sets it)")
            self.skipTest("VOUCH_TEST_POSTGRES is not set (tools/test starts PostgreSQL)")
        self.db = "%s_%d_%d" % (self.PREFIX, os.getpid(), random.randrange(1 << 30))
        psql(BASE_URL, "CREATE DATABASE %s" % self.db)
        self.url = with_database(BASE_URL, self.db)
        self.dir = tempfile.mkdtemp(prefix="vouch-%s-" % self.PREFIX)
        self.servers = []
        self.key = ec.generate_private_key(ec.SECP256R1())

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.kill()
        if BASE_URL:
            psql(BASE_URL, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.db)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresE2ETest(DatabaseTestCase):

    def start(self, data_dir=None, extra=()):
        s = vt.Server(data_dir or os.path.join(self.dir, "data"),
                      ["--storage", self.url, "--tuf=false", *extra])
        self.servers.append(s)
        return s

    def append(self, server, artifact):
        status, raw, _ = server.request("POST", "/api/v1/log/entries",
                                        vt.hashedrekord(self.key, artifact))
        self.assertEqual(status, 201, raw)
        (uuid, entry), = json.loads(raw).items()
        return uuid, entry

    def checkpoint(self, server, key):
        status, raw, _ = server.request("GET", "/api/v1/log")
        self.assertEqual(status, 200, raw)
        return vt.verify_checkpoint(json.loads(raw)["signedTreeHead"], key)

    def test_log_lives_in_postgres_across_restart_and_kill(self):
        s = self.start()
        key = s.public_key()
        entries = [self.append(s, b"pg artifact %d" % i) for i in range(20)]
        for uuid, entry in entries:
            vt.check_log_entry(uuid, entry, key)
        self.assertEqual([e["logIndex"] for _, e in entries], list(range(20)))
        _, size, root20 = self.checkpoint(s, key)
        self.assertEqual(size, 20)
        # The rows are in the database, in the "vouch" schema, one per entry.
        self.assertEqual(psql(self.url, "SELECT count(*) FROM vouch.entries"), "20")
        self.assertEqual(
            psql(self.url, "SELECT value FROM vouch.meta WHERE key = 'schema_version'"), "3")
        s.stop()

        # Restarted on the same database: the log continues, consistent with the old checkpoint.
        s = self.start()
        more = [self.append(s, b"pg artifact %d" % i) for i in range(20, 30)]
        self.assertEqual([e["logIndex"] for _, e in more], list(range(20, 30)))
        s.kill()  # SIGKILL: every acknowledged entry is durable in PostgreSQL.

        s = self.start()
        _, size, root30 = self.checkpoint(s, key)
        self.assertEqual(size, 30)
        status, raw, _ = s.request("GET", "/api/v1/log/proof?firstSize=20&lastSize=30")
        self.assertEqual(status, 200, raw)
        proof = [bytes.fromhex(h) for h in json.loads(raw)["hashes"]]
        vt.verify_consistency(20, 30, proof, root20, root30)
        for uuid, entry in entries + more:
            got_uuid, got = s.entry_at(entry["logIndex"])
            self.assertEqual(got_uuid, uuid)
            self.assertEqual(got["body"], entry["body"])

        # --verify-storage reads the same database (read-only, next to the serving vouchd).
        out = subprocess.run(
            [vt.runfile("tools/vouchd"), "--verify-storage", "--data-dir",
             os.path.join(self.dir, "data"), "--storage", self.url],
            capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("OK: 30 entries", out.stdout)

    def test_backup_while_serving_restores_and_a_stale_one_is_refused(self):
        import re
        import threading
        with open(vt.runfile("docs/operations.md")) as f:
            m = re.search(r"<!-- pg-backup-script:[^\n]*-->\n```sh\n(.*?)```", f.read(), re.S)
        self.assertTrue(m, "no pg-backup-script block in docs/operations.md")
        data = os.path.join(self.dir, "data")
        s = self.start()
        key = s.public_key()
        for i in range(40):
            self.append(s, b"before the backup %d" % i)
        # The documented backup while appends run.
        stop = threading.Event()

        def appender():
            i = 0
            while not stop.is_set():
                self.append(s, b"during the backup %d" % i)
                i += 1
        t = threading.Thread(target=appender)
        t.start()
        dest = os.path.join(self.dir, "backup")
        try:
            subprocess.run(["bash", "-c", m.group(1)], check=True, timeout=120,
                           env=dict(os.environ, DATA=data, DEST=dest, VOUCH_PG_URL=self.url))
        finally:
            stop.set()
            t.join()
        for i in range(10):
            self.append(s, b"after the backup %d" % i)
        _, live_size, _ = self.checkpoint(s, key)
        s.stop()
        self.assertTrue(os.path.exists(os.path.join(dest, "vouch.pgdump")))
        self.assertFalse(os.path.exists(os.path.join(dest, "vouchd.lock")))

        # Restored into a new database with the backup's data directory: verifies and serves.
        restored_db = self.db + "_restored"
        psql(BASE_URL, "CREATE DATABASE %s" % restored_db)
        self.addCleanup(psql, BASE_URL, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % restored_db)
        restored = with_database(BASE_URL, restored_db)
        out = subprocess.run(["pg_restore", "--dbname", restored,
                              os.path.join(dest, "vouch.pgdump")],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        os.remove(os.path.join(dest, "vouch.pgdump"))
        out = subprocess.run(
            [vt.runfile("tools/vouchd"), "--verify-storage", "--data-dir", dest, "--storage",
             restored], capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertRegex(out.stdout, r"OK: \d+ entries")
        r = vt.Server(dest, ["--storage", restored, "--tuf=false"])
        self.servers.append(r)
        _, size, _ = self.checkpoint(r, key)
        self.assertGreaterEqual(size, 40)
        self.assertLess(size, live_size)
        uuid, entry = self.append(r, b"after the restore")
        self.assertEqual(entry["logIndex"], size)
        r.stop()

        # The live data directory has published the larger tree: it refuses the stale dump.
        code, text = run_vouchd(data, restored)
        self.assertEqual(code, 1, text)
        self.assertIn("already published a checkpoint of size %d" % live_size, text)

    def test_refuses_a_key_without_its_log_and_a_log_without_its_key(self):
        s = self.start()
        self.append(s, b"one")
        s.stop()
        # Another data directory (no key) on the database that holds the log: refused, the log
        # cannot be continued under a new key.
        code, out = run_vouchd(os.path.join(self.dir, "other"), self.url)
        self.assertEqual(code, 1, out)
        self.assertIn("holds a log but its key", out)
        # The key on an empty database: refused, a new tree under the key would fork the log.
        psql(BASE_URL, "CREATE DATABASE %s_empty" % self.db)
        try:
            code, out = run_vouchd(os.path.join(self.dir, "data"),
                                   with_database(BASE_URL, self.db + "_empty"))
            self.assertEqual(code, 1, out)
            self.assertIn("holds no log", out)
        finally:
            psql(BASE_URL, "DROP DATABASE %s_empty WITH (FORCE)" % self.db)

    def test_refuses_a_newer_schema_and_an_unreachable_server(self):
        s = self.start()
        self.append(s, b"one")
        s.stop()
        psql(self.url, "UPDATE vouch.meta SET value = '99' WHERE key = 'schema_version'")
        code, out = run_vouchd(os.path.join(self.dir, "data"), self.url)
        self.assertEqual(code, 1, out)
        self.assertIn("schema version 99", out)
        psql(self.url, "UPDATE vouch.meta SET value = '2' WHERE key = 'schema_version'")

        # Nothing listens on the port (a closed one from a socket bound here); the password
        # is never printed.
        import socket
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        code, out = run_vouchd(os.path.join(self.dir, "data"),
                               "postgres://vouchtest:s3cret@127.0.0.1:%d/x?connect_timeout=5"
                               % port)
        self.assertEqual(code, 1, out)
        self.assertIn("127.0.0.1:%d" % port, out)
        self.assertNotIn("s3cret", out)

        # A --storage that is neither empty nor a PostgreSQL URL.
        code, out = run_vouchd(os.path.join(self.dir, "data"), "mysql://x")
        self.assertEqual(code, 1, out)
        self.assertIn("--storage", out)

    def test_tuf_metadata_lives_in_postgres_and_front_ends_serve_the_same(self):
        """Two vouchd front ends on one database, with the same key files: root and targets
        signed offline and published into the database with vouch-tuf, one timestamp version
        signed once and served byte for byte the same by both."""
        tool = vt.runfile("tools/tuf/vouch-tuf")
        data_a = os.path.join(self.dir, "a")
        flags = ["--storage", self.url, "--ca=false"]
        a = vt.Server(data_a, flags)
        self.servers.append(a)
        self.assertEqual(a.request("GET", "/tuf/1.root.json")[0], 404)
        # The second front end: the same keys (log, TUF online keys), its own data directory.
        data_b = os.path.join(self.dir, "b")
        shutil.copytree(data_a, data_b, ignore=shutil.ignore_patterns("vouchd.lock"))
        b = vt.Server(data_b, flags)
        self.servers.append(b)

        def run(*args):
            out = subprocess.run([tool, *args], capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            return out.stdout

        offline = os.path.join(self.dir, "offline")
        root, targets = os.path.join(self.dir, "root.pem"), os.path.join(self.dir, "t.pem")
        run("keygen", "--out", root)
        run("keygen", "--out", targets)
        run("init", "--repo", offline, "--root-key", root, "--targets-key", targets,
            "--snapshot-key", os.path.join(data_a, "tuf_snapshot_key.pem.pub"),
            "--timestamp-key", os.path.join(data_a, "tuf_timestamp_key.pem.pub"))
        trusted = os.path.join(self.dir, "trusted_root.json")
        with open(trusted, "w") as f:
            f.write('{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}')
        run("add-target", "--repo", offline, "--target", "trusted_root.json=" + trusted,
            "--key", targets)
        out = run("publish", "--repo", offline, "--storage", self.url)
        self.assertIn("published 2.targets.json", out)

        sa, ta, _ = a.request("GET", "/tuf/timestamp.json")
        sb, tb, _ = b.request("GET", "/tuf/timestamp.json")
        self.assertEqual((sa, sb), (200, 200), ta + tb)
        self.assertEqual(ta, tb)
        self.assertEqual(json.loads(ta)["signed"]["version"], 1)
        self.assertEqual(
            psql(self.url, "SELECT count(*) FROM vouch_tuf.metadata WHERE role = 'timestamp'"), "1")
        with open(os.path.join(offline, "2.targets.json"), "rb") as f:
            want = f.read()
        for s in (a, b):
            status, raw, _ = s.request("GET", "/tuf/2.targets.json")
            self.assertEqual((status, raw), (200, want))
        # Nothing of it in the data directories: the database is the whole TUF state.
        self.assertFalse(os.path.exists(os.path.join(data_a, "tuf", "1.root.json")))

        # --tuf-dir is refused with PostgreSQL storage: the metadata is in the database.
        shutil.copytree(data_a, os.path.join(self.dir, "c"),
                        ignore=shutil.ignore_patterns("vouchd.lock"))
        out = subprocess.run(
            [vt.runfile("tools/vouchd"), "--data-dir", os.path.join(self.dir, "c"), "--storage",
             self.url, "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0", "--ca=false",
             "--tuf-dir", offline], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("TUF metadata lives in the database", out.stdout + out.stderr)


if __name__ == "__main__":
    vt.main()
