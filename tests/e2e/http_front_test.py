# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""vouchd's HTTP front from outside, with raw bytes, and the short form of the load-and-probe
script (tools/http_probe.py): idle and slowloris connections held open while /healthz is probed
and appends go on (tools/loadgen over HTTP, every counted append in the log). Functional bounds
only (everything answered, deadlines enforced), no timing assertions; the full-size measurement
is tools/bench/http_front_load.sh."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402


def raw(addr, data, timeout=10):
    """Sends |data| on a new connection; returns (everything read until close, closed_by_peer)."""
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=timeout)
    s.sendall(data)
    out = b""
    closed = False
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out, closed


class HttpFrontTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vouch-http-front-")
        cls.server = vt.Server(os.path.join(cls.dir, "data"),
                               ["--max-body-bytes", "65536", "--http-head-timeout", "2s",
                                "--http-idle-timeout", "30s", "--max-connections", "3000"])

    @classmethod
    def tearDownClass(cls):
        cls.server.kill()

    def test_1_framing_attacks_are_refused_naming_the_problem_and_closed(self):
        cases = [
            (b"POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
             b"both Content-Length and Transfer-Encoding"),
            (b"POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             b"Content-Length: 6\r\n\r\nhello", 400, b"conflicting Content-Length values 5 and 6"),
            (b"POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 200000000\r\n\r\n",
             413, b"larger than the limit of 65536 bytes"),
            (b"POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\n\r\n", 411, b"Content-Length"),
            (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n", 431,
             b"request head larger than"),
            (b"GET /healthz HTTP/1.1\nHost: x\r\n\r\n", 400, b"bare LF"),
        ]
        for request, status, message in cases:
            out, closed = raw(self.server.http, request)
            self.assertTrue(out.startswith(b"HTTP/1.1 %d " % status), out[:200])
            self.assertIn(message, out)
            self.assertIn(b"Connection: close", out)
            self.assertTrue(closed, request[:60])
        # A chunked body over the limit is refused before it is all sent.
        host, port = self.server.http.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(b"POST /api/v1/log/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n%s\r\n" % (40000, b"a" * 40000)
        s.sendall(chunk + chunk)
        answer = s.recv(65536)
        s.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 413 "), answer[:100])

    def test_2_wrong_method_is_405_with_allow_and_pipelining_answers_in_order(self):
        out, _ = raw(self.server.http, b"DELETE /api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 405 "), out[:100])
        self.assertIn(b"Allow: GET, HEAD", out)
        out, _ = raw(self.server.http,
                     b"GET /api/v1/version HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                     b"GET /api/v1/log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(out.count(b"HTTP/1.1 200 OK"), 3)
        self.assertLess(out.index(b'"vouchd"'), out.index(b'"SERVING"'))
        self.assertLess(out.index(b'"SERVING"'), out.index(b"treeSize"))

    def test_3_idle_and_slowloris_connections_do_not_stop_others(self):
        status, raw_body, _ = self.server.request("GET", "/api/v1/log")
        self.assertEqual(status, 200, raw_body)
        size_before = json.loads(raw_body)["treeSize"]
        acks = os.path.join(self.dir, "acks")
        # Appends over HTTP (tools/loadgen, 4 clients, 1 s) run while the connections are held.
        run = " ".join([vt.runfile("tools/loadgen"), "--ceiling_time", "0.1s", "--http",
                        self.server.http, "--clients", "4", "--duration", "1s",
                        "--max_entries", "2000", "--acks", acks])
        probe = subprocess.run(
            [sys.executable, os.path.join(vt.runfile("tools/http_probe.py")),
             "--addr", self.server.http, "--idle", "500", "--slowloris", "100",
             "--trickle", "0.5", "--probes", "100", "--hold", "3",
             "--pid", str(self.server.proc.pid), "--run", run],
            capture_output=True, text=True, timeout=300)
        self.assertEqual(probe.returncode, 0, probe.stdout + probe.stderr)
        p = json.loads(probe.stdout)
        self.assertEqual(p["idle_open"], 500, p)
        self.assertEqual(p["probes_ok"], 100, p)
        self.assertEqual(p["idle_sample_still_served"], p["idle_sample"], p)
        # The head deadline (2 s, however slowly the bytes trickle) ended every slowloris head.
        self.assertEqual(p["slowloris_result"]["answered_408"], 100, p)
        self.assertLess(p["bytes_per_idle_connection"], 64 * 1024, p)
        # Appends went on meanwhile: every one loadgen counted was acknowledged and is in the log.
        self.assertEqual(p["run_exit"], 0, p["run_output"])
        summary = json.loads([line for line in p["run_output"].splitlines()
                              if line.startswith("{")][-1])
        self.assertEqual(summary["errors"], 0, p["run_output"])
        self.assertGreater(summary["appends"], 0, p["run_output"])
        with open(acks) as f:
            self.assertEqual(sum(1 for line in f if line.strip()), summary["appends"])
        status, raw_body, _ = self.server.request("GET", "/api/v1/log")
        self.assertEqual(status, 200, raw_body)
        self.assertEqual(json.loads(raw_body)["treeSize"], size_before + summary["appends"])


if __name__ == "__main__":
    vt.main()
