# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Static reads from outside: a real vouchd with --publish-dir and a real nginx (Debian
nginx-light, docs/examples/nginx-vouch-static.conf included as it is) serving that directory.
The static copy serves byte for byte what vouchd serves at /checkpoint and /tile/..., proofs
computed from nginx's tiles alone (independent code, vouchtest.py) verify against the log's
signed checkpoint, a restart resumes without rewriting the directory, and a publish directory
that cannot be written turns /healthz 503 while nginx keeps serving the last complete
checkpoint, until the directory is fixed."""

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nginxtest  # noqa: E402
import vouchtest as vt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

SNIPPET = vt.runfile("docs/examples/nginx-vouch-static.conf")


def fmt_index(n):
    """C2SP tlog-tiles N: 3-digit groups, all but the last prefixed with x."""
    groups = []
    while True:
        groups.append("%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + groups[-1:])


def tile_path(level, index, width, entries=False):
    p = "/tile/%s/%s" % ("entries" if entries else level, fmt_index(index))
    return p + ("" if width == 256 else ".p/%d" % width)


def all_tiles(size):
    """(path, is_bundle) of every tile and entry bundle of the tree of |size|."""
    out = []
    level = 0
    while size >> (8 * level):
        hashes = size >> (8 * level)
        for i in range((hashes + 255) // 256):
            w = min(256, hashes - 256 * i)
            out.append((tile_path(level, i, w), False))
            if level == 0:
                out.append((tile_path(0, i, w, entries=True), True))
        level += 1
    return out


def get(url, path):
    host, port = url[len("http://"):].rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body, r


class TileProver:
    """Inclusion proofs from tiles fetched over HTTP alone (RFC 6962 PATH, tiles per C2SP)."""

    def __init__(self, url, size):
        self.url, self.size, self.tiles = url, size, {}

    def row(self, level, index):
        width = min(256, (self.size >> (8 * level)) - 256 * index)
        key = (level, index)
        if key not in self.tiles:
            status, body, _ = get(self.url, tile_path(level, index, width))
            assert status == 200 and len(body) == 32 * width, (status, tile_path(level, index,
                                                                                  width))
            self.tiles[key] = [body[i:i + 32] for i in range(0, len(body), 32)]
        return self.tiles[key]

    def perfect(self, start, n):
        """Hash of the perfect subtree of leaves [start, start + n), n a power of two."""
        height = n.bit_length() - 1
        level = height // 8
        r = height - 8 * level
        first = start >> (8 * level)  # position at tree level 8 * level
        row = self.row(level, first // 256)
        hashes = row[first % 256:first % 256 + (1 << r)]
        while len(hashes) > 1:
            hashes = [vt.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]

    def mth(self, start, end):
        n = end - start
        if n & (n - 1) == 0:
            return self.perfect(start, n)
        k = 1 << ((n - 1).bit_length() - 1)
        return vt.node_hash(self.mth(start, start + k), self.mth(start + k, end))

    def path(self, m, start, end):
        n = end - start
        if n == 1:
            return []
        k = 1 << ((n - 1).bit_length() - 1)
        if m - start < k:
            return self.path(m, start, start + k) + [self.mth(start + k, end)]
        return self.path(m, start + k, end) + [self.mth(start, start + k)]


def parse_bundle(data):
    out, pos = [], 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 2], "big")
        out.append(data[pos + 2:pos + 2 + n])
        pos += 2 + n
    return out


def append_many(server, key, first, count, threads=8):
    errors = []

    def client(n):
        conn = server.conn()
        for i in range(first + n, first + count, threads):
            status, raw, _ = server.request(
                "POST", "/api/v1/log/entries", vt.hashedrekord(key, b"static %d" % i), conn)
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


def checkpoint_size(note):
    return int(note.split(b"\n")[1])


class StaticE2ETest(unittest.TestCase):

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="vouch-static-")
        self.data = os.path.join(self.root, "data")
        self.publish = os.path.join(self.root, "static")
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.server = None
        self.nginx = None

    def tearDown(self):
        if self.server is not None and self.server.proc.poll() is None:
            self.server.kill()
        if self.nginx is not None:
            self.nginx.stop()

    def start(self):
        self.server = vt.Server(self.data, ("--verify-rate=0", "--publish-dir", self.publish))
        return self.server

    def wait_static_size(self, size, timeout=60):
        """Waits until nginx serves a checkpoint of |size|; returns its bytes."""
        deadline = time.time() + timeout
        while True:
            status, note, _ = get(self.nginx.url, "/checkpoint")
            if status == 200 and checkpoint_size(note) == size:
                return note
            if time.time() > deadline:
                self.fail("static checkpoint stuck at %r, want size %d" % (note[:40], size))
            time.sleep(0.05)

    def test_static_copy_serves_what_vouchd_serves_and_proves_entries(self):
        server = self.start()
        log_key = server.public_key()
        self.nginx = nginxtest.Nginx(self.publish, SNIPPET)
        append_many(server, self.key, 0, 600)  # 2 full level-0 tiles, a partial, level 1
        note = self.wait_static_size(600)
        status, served, _ = server.request("GET", "/checkpoint")
        self.assertEqual(note, served)
        _, size, root = vt.verify_checkpoint(note.decode(), log_key)
        self.assertEqual(size, 600)
        status, _, r = get(self.nginx.url, "/checkpoint")
        self.assertEqual(r.getheader("Content-Type"), "text/plain; charset=utf-8")
        self.assertEqual(r.getheader("Cache-Control"), "no-cache")
        # Every tile and bundle, byte for byte.
        paths = all_tiles(600)
        self.assertIn(("/tile/1/000.p/2", False), paths)
        self.assertIn(("/tile/entries/002.p/88", True), paths)
        bodies = []
        for path, bundle in paths:
            st, from_nginx, r = get(self.nginx.url, path)
            self.assertEqual(st, 200, path)
            self.assertEqual(r.getheader("Cache-Control"), "public, max-age=31536000, immutable")
            self.assertEqual(r.getheader("Content-Type"), "application/octet-stream")
            st, from_vouchd, _ = server.request("GET", path)
            self.assertEqual(st, 200, path)
            self.assertEqual(from_nginx, from_vouchd, path)
            if bundle:
                bodies += parse_bundle(from_nginx)
        # The entries in the bundles are the tree the checkpoint signs.
        self.assertEqual(len(bodies), 600)
        self.assertEqual(vt.mth(bodies), root)
        # Proofs from nginx's tiles alone verify, and equal the log's own.
        prover = TileProver(self.nginx.url, 600)
        for index in (0, 1, 255, 256, 300, 511, 512, 599):
            proof = prover.path(index, 0, 600)
            vt.verify_inclusion(index, 600, vt.leaf_hash(bodies[index]), proof, root)
            _, entry = server.entry_at(index)
            ip = entry["verification"]["inclusionProof"]
            if ip["treeSize"] == 600:
                self.assertEqual([h.hex() for h in proof], ip["hashes"])
        # Temporary files and anything else are not served.
        with open(os.path.join(self.publish, "tile", "0", ".000.tmp"), "w") as f:
            f.write("half")
        for path in ("/tile/0/.000.tmp", "/", "/api/v1/log", "/tile/0/999"):
            self.assertEqual(get(self.nginx.url, path)[0], 404, path)

        # More entries: the copy follows; the old partial tiles stay for older checkpoints.
        append_many(server, self.key, 600, 100)
        self.wait_static_size(700)
        for path, _ in all_tiles(700):
            self.assertEqual(get(self.nginx.url, path)[1], server.request("GET", path)[1], path)
        self.assertEqual(get(self.nginx.url, "/tile/0/002.p/88")[0], 200)

        # A restart resumes from the directory: nothing already published is written again (a
        # rewrite would rename a new file, a new inode, into place).
        kept = ["/tile/0/000", "/tile/0/001", "/tile/entries/000", "/tile/entries/001",
                "/tile/0/002.p/188", "/tile/1/000.p/2"]
        inodes = {p: os.stat(self.publish + p).st_ino for p in kept}
        self.assertEqual(server.stop(), 0, server.output())
        server = self.start()
        self.assertEqual(server.request("GET", "/healthz")[0], 200)
        append_many(server, self.key, 700, 10)
        self.wait_static_size(710)
        self.assertEqual({p: os.stat(self.publish + p).st_ino for p in kept}, inodes)
        for path, _ in all_tiles(710):
            self.assertEqual(get(self.nginx.url, path)[1], server.request("GET", path)[1], path)
        _, metrics, _ = server.request("GET", "/metrics")
        self.assertIn("vouch_static_published_tree_size 710", metrics.decode())

    def test_unwritable_publish_dir_is_unhealthy_and_never_ahead(self):
        server = self.start()
        self.nginx = nginxtest.Nginx(self.publish, SNIPPET)
        append_many(server, self.key, 0, 20)
        self.wait_static_size(20)
        # A file where the new tiles' directory must go (a root test process ignores mode bits).
        os.rename(os.path.join(self.publish, "tile"), os.path.join(self.root, "tile.moved"))
        with open(os.path.join(self.publish, "tile"), "w") as f:
            f.write("in the way")
        append_many(server, self.key, 20, 5)
        deadline = time.time() + 30
        while server.request("GET", "/healthz")[0] == 200 and time.time() < deadline:
            time.sleep(0.05)
        status, raw, _ = server.request("GET", "/healthz")
        self.assertEqual(status, 503, raw)
        reasons = json.loads(raw)["reasons"]
        # "publish.static: publishing the checkpoint of size N to DIR: DIR/tile/...: ... Not a
        # directory", N one of 21..25 (the five appends may make several checkpoints).
        self.assertTrue(any(re.match(r"publish\.static: publishing the checkpoint of size 2[1-5] "
                                     r"to %s: %s/tile.*not a directory" % (self.publish,
                                                                          self.publish), r, re.I)
                            for r in reasons), reasons)
        self.assertRegex(server.output(), r"publishing the checkpoint of size 2[1-5] to ")
        # Never ahead of its tiles: still the checkpoint of size 20.
        self.assertEqual(checkpoint_size(get(self.nginx.url, "/checkpoint")[1]), 20)
        # Appends go on meanwhile (the log does not depend on the copy).
        append_many(server, self.key, 25, 5)
        os.unlink(os.path.join(self.publish, "tile"))
        os.rename(os.path.join(self.root, "tile.moved"), os.path.join(self.publish, "tile"))
        self.wait_static_size(30)
        deadline = time.time() + 30
        while server.request("GET", "/healthz")[0] != 200 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(server.request("GET", "/healthz")[0], 200)
        for path, _ in all_tiles(30):
            self.assertEqual(get(self.nginx.url, path)[1], server.request("GET", path)[1], path)

    def test_refuses_a_publish_dir_it_cannot_use(self):
        with open(os.path.join(self.root, "a-file"), "w") as f:
            f.write("x")
        p = subprocess.run(
            [vt.runfile("tools/vouchd"), "--data-dir", self.data, "--http-addr", "127.0.0.1:0",
             "--grpc-addr", "127.0.0.1:0", "--publish-dir", os.path.join(self.root, "a-file")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(b"--publish-dir: publish dir %s: not a directory"
                      % os.path.join(self.root, "a-file").encode(), p.stdout)
        # Another log's directory (a second data directory, so another key) is refused too.
        server = self.start()
        append_many(server, self.key, 0, 3)
        self.assertEqual(server.stop(), 0)
        other = os.path.join(self.root, "other-data")
        p = subprocess.run(
            [vt.runfile("tools/vouchd"), "--data-dir", other, "--http-addr", "127.0.0.1:0",
             "--grpc-addr", "127.0.0.1:0", "--publish-dir", self.publish],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn(b"checkpoint: not a checkpoint of this log", p.stdout)


if __name__ == "__main__":
    vt.main()
