# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""The load generator against a real vouchd, and durability of the gRPC append path (gRPC's
callback API answered from the log's completion threads) across kill -9 mid-load.

Short runs: this checks that tools/loadgen measures what it says (every append it counts is in
the log, at the index it was told, and nothing else is), not how fast it is; docs/benchmarks.md
has the figures."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402

QUICK = ["--ceiling_time", "0.1s"]


class LoadgenE2ETest(unittest.TestCase):

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="vouch-loadgen-")
        self.server = vt.Server(os.path.join(self.dir, "data"))
        self.acks = os.path.join(self.dir, "acks")

    def tearDown(self):
        if self.server.proc.poll() is None:
            self.server.kill()

    def loadgen(self, *args):
        p = subprocess.run([vt.runfile("tools/loadgen"), *QUICK, "--acks", self.acks, *args],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return json.loads(p.stdout.strip().splitlines()[-1]), p.stdout

    def read_acks(self):
        with open(self.acks) as f:
            lines = [line.split() for line in f if line.strip()]
        return {int(i): uuid for i, uuid in lines}

    def tree_size(self):
        status, raw, _ = self.server.request("GET", "/api/v1/log")
        self.assertEqual(status, 200, raw)
        return json.loads(raw)["treeSize"]

    def check_entries(self, acks):
        conn = self.server.conn()
        for index, uuid in sorted(acks.items()):
            got, _ = self.server.entry_at(index, conn)
            self.assertEqual(got, uuid, "entry %d is not the one acknowledged" % index)

    def test_every_counted_append_is_in_the_log_grpc_http_and_fixed_rate(self):
        summary, out = self.loadgen("--grpc", self.server.grpc, "--clients", "16",
                                    "--duration", "1s", "--max_entries", "4000")
        self.assertEqual(summary["errors"], 0, out)
        self.assertGreater(summary["appends"], 100, out)
        for field in ("verify_ceiling_all_cores", "sign_ceiling_all_cores", "grpc_ceiling"):
            self.assertGreater(summary[field], 0, field)
        self.assertIn("bound", out)
        acks = self.read_acks()
        self.assertEqual(len(acks), summary["appends"], "one ack line per counted append")
        self.assertEqual(self.tree_size(), summary["appends"])
        self.assertEqual(sorted(acks), list(range(summary["appends"])))
        self.check_entries(acks)

        before = self.tree_size()
        summary, out = self.loadgen("--http", self.server.http, "--clients", "8",
                                    "--duration", "1s", "--max_entries", "2000")
        self.assertEqual(summary["errors"], 0, out)
        self.assertGreater(summary["appends"], 20, out)
        self.assertEqual(self.tree_size(), before + summary["appends"])
        self.check_entries(self.read_acks())

        # Open loop: exactly the scheduled calls (200/s for 2 s), not more, each in the log.
        before = self.tree_size()
        summary, out = self.loadgen("--grpc", self.server.grpc, "--clients", "16",
                                    "--duration", "2s", "--rate", "200")
        self.assertEqual(summary["errors"], 0, out)
        self.assertEqual(summary["appends"], 400, out)
        self.assertGreater(summary["appends_per_second"], 100, out)
        self.assertEqual(self.tree_size(), before + 400)

    def test_kill_9_mid_grpc_load_keeps_every_acknowledged_append(self):
        lg = subprocess.Popen(
            [vt.runfile("tools/loadgen"), *QUICK, "--acks", self.acks, "--grpc", self.server.grpc,
             "--clients", "32", "--duration", "30s", "--max_entries", "20000"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Liveness bound only: pre-signing 20,000 entries takes seconds, even on a busy machine.
            deadline = time.time() + 180
            while True:
                n = os.path.getsize(self.acks) if os.path.exists(self.acks) else 0
                if n > 300 * 70:  # ~300 acknowledged appends
                    break
                self.assertLess(time.time(), deadline, "the load did not get going")
                time.sleep(0.05)
            self.server.kill()  # SIGKILL while appends are in flight.
        finally:
            lg.kill()
            lg.wait(timeout=30)
        acks = self.read_acks()
        self.assertGreater(len(acks), 300)

        self.server = vt.Server(self.server.data_dir)
        key = self.server.public_key()
        status, raw, _ = self.server.request("GET", "/api/v1/log")
        _, size, _ = vt.verify_checkpoint(json.loads(raw)["signedTreeHead"], key)
        self.assertGreaterEqual(size, max(acks) + 1)
        self.check_entries(acks)


if __name__ == "__main__":
    vt.main()
