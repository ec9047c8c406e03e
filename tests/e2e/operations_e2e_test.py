# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""docs/operations.md checked: the SQLite backup and restore procedure it gives (sqlite3 .backup
while vouchd serves, even under appends; restore; vouchd starts, --verify-storage accepts it; a
stale backup is refused by the published checkpoint, and by the static copy where the published
checkpoint was lost with the machine), and the example Prometheus alert rules (parsed, each rule
complete, every metric name one a running vouchd really exposes on /metrics)."""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

RULES = vt.runfile("docs/examples/prometheus-alerts.yml")
OPERATIONS_MD = vt.runfile("docs/operations.md")


def append_many(server, key, first, count, threads=4):
    errors = []

    def client(n):
        conn = server.conn()
        for i in range(first + n, first + count, threads):
            status, raw, _ = server.request(
                "POST", "/api/v1/log/entries", vt.hashedrekord(key, b"ops %d" % i), conn)
            if status != 201:
                errors.append((status, raw))
                return

    ts = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise AssertionError("append failed: %r" % errors[:3])


def backup_script():
    """The shell block docs/operations.md marks as the backup script."""
    with open(OPERATIONS_MD) as f:
        text = f.read()
    m = re.search(r"<!-- backup-script:[^\n]*-->\n```sh\n(.*?)```", text, re.S)
    assert m, "no backup-script block in docs/operations.md"
    return m.group(1)


def backup(data_dir, dest_dir):
    """The documented procedure, run as it is written in docs/operations.md."""
    subprocess.run(["bash", "-c", backup_script()], check=True,
                   env=dict(os.environ, DATA=data_dir, DEST=dest_dir))
    assert os.path.exists(os.path.join(dest_dir, "vouch.db"))
    assert os.path.exists(os.path.join(dest_dir, "log_key.pem"))
    assert not os.path.exists(os.path.join(dest_dir, "vouchd.lock"))


def restore(backup_dir, data_dir, keep_published_checkpoint_of=None):
    """Restores a backup into a fresh |data_dir|; with |keep_published_checkpoint_of|, that data
    directory's published checkpoint is kept (the machine survived, the database did not)."""
    shutil.copytree(backup_dir, data_dir, symlinks=True)
    if keep_published_checkpoint_of:
        shutil.copy2(os.path.join(keep_published_checkpoint_of, "published_checkpoint"),
                     os.path.join(data_dir, "published_checkpoint"))


def run_vouchd(data_dir, *args):
    p = subprocess.run(
        [vt.runfile("tools/vouchd"), "--data-dir", data_dir, "--http-addr", "127.0.0.1:0",
         "--grpc-addr", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return p.returncode, p.stdout.decode()


def metric_names(expr):
    """Metric names in a PromQL expression: identifiers that are not functions, keywords,
    label names or strings."""
    expr = re.sub(r'"[^"]*"', "", expr)       # strings
    expr = re.sub(r"\{[^}]*\}", "", expr)     # label matchers
    expr = re.sub(r"\[[^\]]*\]", "", expr)    # ranges
    expr = re.sub(r"\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
    names = set()
    for m in re.finditer(r"[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?", expr):
        word = m.group(0)
        if word.endswith("("):
            continue  # a function or aggregation
        if word in ("and", "or", "unless", "bool", "offset"):
            continue
        names.add(word)
    return names


class OperationsE2ETest(unittest.TestCase):

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="vouch-ops-")
        self.data = os.path.join(self.root, "data")
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.proc.poll() is None:
                s.kill()

    def start(self, data_dir, *args):
        s = vt.Server(data_dir, ("--verify-rate=0",) + args)
        self.servers.append(s)
        return s

    def test_backup_while_serving_restores_and_stale_backups_are_refused(self):
        publish = os.path.join(self.root, "static")
        server = self.start(self.data, "--publish-dir", publish)
        append_many(server, self.key, 0, 40)
        # 1. A backup taken while appends run is a consistent snapshot of some checkpoint.
        under_load = threading.Thread(target=append_many, args=(server, self.key, 40, 200))
        under_load.start()
        backup(self.data, os.path.join(self.root, "backup-under-load"))
        under_load.join()
        code, out = run_vouchd(os.path.join(self.root, "backup-under-load"), "--verify-storage")
        self.assertEqual(code, 0, out)
        self.assertRegex(out, r"OK: \d+ entries")
        # 2. A backup of the idle log, then the log grows past it: that backup is stale.
        backup(self.data, os.path.join(self.root, "backup-stale"))
        append_many(server, self.key, 240, 20)
        # 3. The last backup before the machine is retired (appends stopped), taken while serving.
        backup(self.data, os.path.join(self.root, "backup-final"))
        _, checkpoint, _ = server.request("GET", "/checkpoint")
        self.assertEqual(server.stop(), 0, server.output())

        # The final backup restores: vouchd starts on it, serves the same checkpoint, the
        # integrity check accepts it, and appends go on.
        restored = os.path.join(self.root, "restored")
        restore(os.path.join(self.root, "backup-final"), restored,
                keep_published_checkpoint_of=self.data)
        code, out = run_vouchd(restored, "--verify-storage")
        self.assertEqual(code, 0, out)
        self.assertIn("OK: 260 entries", out)
        server = self.start(restored, "--publish-dir", publish)
        self.assertEqual(server.request("GET", "/checkpoint")[1], checkpoint)
        append_many(server, self.key, 260, 4)
        self.assertEqual(server.request("GET", "/healthz")[0], 200)
        self.assertEqual(server.stop(), 0, server.output())

        # The stale backup is refused by the published checkpoint the data directory kept...
        stale = os.path.join(self.root, "restored-stale")
        restore(os.path.join(self.root, "backup-stale"), stale,
                keep_published_checkpoint_of=self.data)
        code, out = run_vouchd(stale)
        self.assertEqual(code, 1, out)
        self.assertIn("the database's tree has 240 entries but this log already published a "
                      "checkpoint of size 260", out)
        # ... and, where that file was lost with the machine (the backup's own copy is as old as
        # the database), by the static copy on other storage.
        lost = os.path.join(self.root, "restored-lost")
        restore(os.path.join(self.root, "backup-stale"), lost)
        code, out = run_vouchd(lost, "--publish-dir", publish)
        self.assertEqual(code, 1, out)
        self.assertIn("tree size 264 is ahead of the log's 240", out)

    def test_alert_rules_parse_and_name_only_real_metrics(self):
        with open(RULES) as f:
            doc = yaml.safe_load(f)
        rules = [r for g in doc["groups"] for r in g["rules"]]
        self.assertGreaterEqual(len(rules), 8)
        for r in rules:
            self.assertRegex(r["alert"], r"^[A-Z][A-Za-z]+$")
            self.assertIn(r["labels"]["severity"], ("page", "ticket"), r["alert"])
            self.assertTrue(r["annotations"]["summary"], r["alert"])
            if "for" in r:
                self.assertRegex(r["for"], r"^\d+[smh]$", r["alert"])
            expr = r["expr"]
            self.assertEqual(expr.count("("), expr.count(")"), r["alert"])
            self.assertEqual(expr.count("{"), expr.count("}"), r["alert"])
        # What a running vouchd exposes, after one of everything the rules count (an append, a
        # failed append, a publish).
        server = self.start(self.data, "--publish-dir", os.path.join(self.root, "static"))
        append_many(server, self.key, 0, 2)
        status, _, _ = server.request("POST", "/api/v1/log/entries", {"kind": "nonsense"})
        self.assertEqual(status, 400)
        status, _, _ = server.request("GET", "/metrics")
        _, text, _ = server.request("GET", "/metrics")
        exposed = set(re.findall(r"^# TYPE (\S+) (\S+)$", text.decode(), re.M))
        types = dict(exposed)
        self.assertEqual(types.get("vouch_health_serving"), "gauge")
        used = set()
        for r in rules:
            for name in metric_names(r["expr"]):
                if name == "up":
                    continue  # Prometheus's own, per scrape target.
                base = re.sub(r"_(bucket|sum|count)$", "", name)
                if base != name:
                    self.assertEqual(types.get(base), "histogram", (r["alert"], name))
                else:
                    self.assertIn(name, types, (r["alert"], name))
                used.add(base)
        # The names the rules are about.
        for name in ("vouch_health_serving", "vouch_log_integrity_failures_total",
                     "vouch_static_publish_failures_total", "vouch_static_published_tree_size",
                     "vouch_append_seconds", "vouch_request_errors_total"):
            self.assertIn(name, used)
        # The checker itself catches a name vouchd does not expose.
        self.assertIn("vouch_no_such_metric",
                      metric_names('rate(vouch_no_such_metric{a="b"}[5m]) > 0'))
        self.assertNotIn("vouch_no_such_metric", types)


if __name__ == "__main__":
    vt.main()
