#!/usr/bin/env python3
# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Holds hostile connections open against an HTTP server and measures how it serves others.

Opens --idle keep-alive connections (each sends one request, reads the answer and then stays
open, silent) and --slowloris connections (each sends a partial request head, then one more byte
every --trickle seconds, as a slowloris attack does), then sends --probes requests to --path on
fresh connections and reports their latency (p50/p99/max), how many were answered 200, the
server's memory per idle connection (with --pid: RSS before and after the idle connections), and
what happened to the slowloris connections (answered 408 and closed by the head deadline, or
still open). With --run CMD, CMD (e.g. tools/loadgen for appends) runs while the connections are
held and its output is printed. Prints one JSON object; exit 0 if every probe was answered 200.

  tools/http_probe.py --addr 127.0.0.1:8080 --idle 10000 --slowloris 1000 --probes 2000 \\
      --pid $(pgrep -f 'vouchd --data-dir' ) [--run 'bazel-bin/tools/loadgen --http ...']
"""
import argparse
import json
import os
import resource
import selectors
import shlex
import socket
import subprocess
import sys
import threading
import time


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def connect(host, port):
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(s):
    """Reads one HTTP response with a Content-Length body; returns (status, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the response head")
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, rest[:length]


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--addr", required=True, help="HOST:PORT of the server")
    ap.add_argument("--idle", type=int, default=0, help="idle keep-alive connections to hold")
    ap.add_argument("--slowloris", type=int, default=0, help="slowly-sent request heads to hold")
    ap.add_argument("--trickle", type=float, default=1.0, help="seconds between slowloris bytes")
    ap.add_argument("--probes", type=int, default=500, help="requests measured on fresh connections")
    ap.add_argument("--path", default="/healthz")
    ap.add_argument("--hold", type=float, default=0, help="extra seconds to hold everything before probing")
    ap.add_argument("--pid", type=int, help="server pid, to measure memory per idle connection")
    ap.add_argument("--run", help="command to run while the connections are held (e.g. loadgen)")
    args = ap.parse_args()
    host, port = args.addr.rsplit(":", 1)
    port = int(port)
    need = args.idle + args.slowloris + 100
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(need, soft)), hard))

    out = {"idle": args.idle, "slowloris": args.slowloris}
    rss0 = rss_bytes(args.pid) if args.pid else None

    idle = []
    idle_failed = 0
    for _ in range(args.idle):
        try:
            s = connect(host, port)
            s.sendall(f"GET {args.path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            status, _ = read_response(s)
            if status != 200:
                idle_failed += 1
            idle.append(s)
        except OSError:
            idle_failed += 1
    out["idle_open"] = len(idle)
    out["idle_failed"] = idle_failed
    if args.pid:
        time.sleep(0.5)
        rss1 = rss_bytes(args.pid)
        out["server_rss_before"] = rss0
        out["server_rss_with_idle"] = rss1
        if idle:
            out["bytes_per_idle_connection"] = round((rss1 - rss0) / len(idle))

    # Slowloris: a partial head, then a byte at a time from one thread.
    slow = []
    for _ in range(args.slowloris):
        try:
            s = connect(host, port)
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-a: ")
            s.setblocking(False)
            slow.append(s)
        except OSError:
            pass
    stop = threading.Event()
    slow_result = {"answered_408": 0, "closed": 0, "open": 0}

    def trickle():
        sel = selectors.DefaultSelector()
        live = {s.fileno(): s for s in slow}
        for s in slow:
            sel.register(s, selectors.EVENT_READ)
        next_send = time.monotonic() + args.trickle
        while not stop.is_set() and live:
            for key, _ in sel.select(timeout=0.1):
                s = key.fileobj
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                if data.startswith(b"HTTP/1.1 408"):
                    slow_result["answered_408"] += 1
                sel.unregister(s)
                live.pop(s.fileno(), None)
                slow_result["closed"] += 1
                s.close()
            if time.monotonic() >= next_send:
                for s in list(live.values()):
                    try:
                        s.send(b"a")
                    except OSError:
                        pass
                next_send = time.monotonic() + args.trickle
        slow_result["open"] = len(live)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    if args.hold:
        time.sleep(args.hold)

    runner = None
    if args.run:
        runner = subprocess.Popen(shlex.split(args.run), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    lat = []
    ok = 0
    errors = {}
    for _ in range(args.probes):
        t0 = time.perf_counter()
        try:
            s = connect(host, port)
            s.sendall(f"GET {args.path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            status, _ = read_response(s)
            s.close()
            lat.append((time.perf_counter() - t0) * 1000)
            if status == 200:
                ok += 1
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        except OSError as e:
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    out["probes"] = args.probes
    out["probes_ok"] = ok
    out["probe_errors"] = errors
    out["probe_ms"] = {"p50": percentile(lat, 0.5), "p99": percentile(lat, 0.99), "max": max(lat) if lat else None}
    if runner is not None:
        out["run_output"] = runner.communicate()[0]
        out["run_exit"] = runner.returncode
    # Idle connections are still open and still served (a request on a sample of them).
    still = 0
    for s in idle[: min(50, len(idle))]:
        try:
            s.sendall(f"GET {args.path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            if read_response(s)[0] == 200:
                still += 1
        except OSError:
            pass
    out["idle_sample_still_served"] = still
    out["idle_sample"] = min(50, len(idle))
    stop.set()
    t.join(timeout=5)
    out["slowloris_result"] = slow_result
    for s in idle:
        s.close()
    for s in slow:
        try:
            s.close()
        except OSError:
            pass
    print(json.dumps(out, indent=1))
    return 0 if ok == args.probes else 1


if __name__ == "__main__":
    sys.exit(main())
