#!/usr/bin/env python3
# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Static reads benchmark (docs/benchmarks.md "Static reads"): tile and proof reads per second
from vouchd and from nginx serving vouchd's --publish-dir, alternating, on this machine.

  1. vouchd (-c opt) with --publish-dir; tools/loadgen appends over gRPC for a few seconds;
     waits until the static copy holds the log's checkpoint.
  2. nginx (nginx-light, docs/examples/nginx-vouch-static.conf, one worker per core).
  3. wrk (2 threads, 64 connections) GETs random tree tiles (what inclusion and consistency
     proofs are computed from), then random entry bundles (what auditors replay), from vouchd and
     from nginx; and random entries with their inclusion proofs (/api/v1/log/entries?logIndex=N)
     from vouchd, what a client without tiles asks for.

  tools/bench/static_reads.py [ROUNDS] [SECONDS]
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import nginxtest  # noqa: E402


def sh(*args, **kw):
    return subprocess.run(args, check=True, stdout=subprocess.PIPE, **kw).stdout.decode()


def fmt_index(n):
    groups = []
    while True:
        groups.append("%03d" % (n % 1000))
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + groups[-1:])


def tile_paths(size, bundles=True, tiles=True):
    out, level = [], 0
    while size >> (8 * level):
        hashes = size >> (8 * level)
        for i in range((hashes + 255) // 256):
            w = min(256, hashes - 256 * i)
            suffix = "" if w == 256 else ".p/%d" % w
            if tiles:
                out.append("/tile/%d/%s%s" % (level, fmt_index(i), suffix))
            if level == 0 and bundles:
                out.append("/tile/entries/%s%s" % (fmt_index(i), suffix))
        level += 1
    return out


def wrk(url, paths_file, secs):
    out = sh("wrk", "-t2", "-c64", "-d%ds" % secs, "-s",
             os.path.join(ROOT, "tools/bench/wrk_paths.lua"), url,
             env=dict(os.environ, VOUCH_PATHS=paths_file))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = float(re.search(r"p99_ms ([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, p99, int(errors.group(1)) if errors else 0


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    secs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    if not shutil.which("wrk"):
        sys.exit("needs wrk (tools/setup installs it)")
    os.chdir(ROOT)
    sh("bazel", "build", "-c", "opt", "//tools:vouchd", "//tools:loadgen",
       stderr=subprocess.DEVNULL)
    bin_dir = sh("bazel", "info", "-c", "opt", "bazel-bin", stderr=subprocess.DEVNULL).strip()
    tmp = tempfile.mkdtemp(prefix="vouch-static-bench-")
    publish = os.path.join(tmp, "static")
    ready = os.path.join(tmp, "ready.json")
    vouchd = subprocess.Popen(
        [os.path.join(bin_dir, "tools/vouchd"), "--data-dir", os.path.join(tmp, "data"),
         "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0", "--ca=false",
         "--verify-rate=0", "--log-level", "warning", "--publish-dir", publish,
         "--ready-file", ready])
    nginx = None
    try:
        for _ in range(300):
            if os.path.exists(ready):
                break
            time.sleep(0.1)
        info = json.load(open(ready))
        sh(os.path.join(bin_dir, "tools/loadgen"), "--grpc", info["grpc"], "--clients", "64",
           "--duration", "10s", "--max_entries", "100000", stderr=subprocess.DEVNULL)
        vouchd_url = "http://" + info["http"]
        size = json.load(urllib.request.urlopen(vouchd_url + "/api/v1/log"))["treeSize"]
        deadline = time.time() + 120
        while True:
            with open(os.path.join(publish, "checkpoint")) as f:
                if int(f.read().split("\n")[1]) == size:
                    break
            if time.time() > deadline:
                sys.exit("the static copy did not catch up")
            time.sleep(0.1)
        nginx = nginxtest.Nginx(publish, os.path.join(ROOT, "docs/examples/nginx-vouch-static.conf"),
                                workers=os.cpu_count(), access_log=False)
        tiles = os.path.join(tmp, "tiles.txt")
        with open(tiles, "w") as f:
            f.write("\n".join(tile_paths(size, bundles=False)) + "\n")
        bundles = os.path.join(tmp, "bundles.txt")
        with open(bundles, "w") as f:
            f.write("\n".join(tile_paths(size, tiles=False)) + "\n")
        bundle_bytes = sum(os.path.getsize(publish + p) for p in tile_paths(size, tiles=False))
        entries = os.path.join(tmp, "entries.txt")
        with open(entries, "w") as f:
            f.write("".join("/api/v1/log/entries?logIndex=%d\n" % i for i in range(size)))
        print("tree size %d: %d tree tiles, %d entry bundles (%.0f KiB each on average); %d cores, "
              "load average %.1f; %ds per run, wrk -t2 -c64"
              % (size, len(tile_paths(size, bundles=False)), len(tile_paths(size, tiles=False)),
                 bundle_bytes / 1024 / len(tile_paths(size, tiles=False)), os.cpu_count(),
                 os.getloadavg()[0], secs))
        for r in range(1, rounds + 1):
            for name, url, paths in (("vouchd tree tiles", vouchd_url, tiles),
                                     ("nginx tree tiles", nginx.url, tiles),
                                     ("vouchd bundles", vouchd_url, bundles),
                                     ("nginx bundles", nginx.url, bundles),
                                     ("vouchd entry+proof", vouchd_url, entries)):
                rate, p99, errors = wrk(url, paths, secs)
                print("round %d %-18s %9.0f/s  p99 %6.2f ms  non-200 %d"
                      % (r, name, rate, p99, errors), flush=True)
    finally:
        if nginx is not None:
            nginx.stop()
        vouchd.terminate()
        vouchd.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
