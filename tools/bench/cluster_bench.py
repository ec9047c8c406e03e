#!/usr/bin/env python3
# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Scale-out benchmark (docs/benchmarks.md "Several front ends"): appends/s and p99 with SQLite
and with PostgreSQL behind one, two and three vouchd front ends on this machine, and the
takeover time after the sequencer is killed with SIGKILL.

  tools/bench/cluster_bench.py [ROUNDS] [SECONDS] [CLIENTS]      (defaults 3, 10, 48)
  VOUCH_BIN=DIR tools/bench/cluster_bench.py ...   DIR/tools/{vouchd,loadgen} instead of building
  SETUPS=pg1,pg3 TAKEOVERS=0 tools/bench/cluster_bench.py ...   only these set-ups, no takeovers

Each round runs the four set-ups in a rotated order, each on fresh storage (a new data directory;
a new database in a PostgreSQL 15 server this script starts with tools/test_postgres). CLIENTS
gRPC clients in total (tools/loadgen, one process per front end, CLIENTS/N clients each) append
for SECONDS as fast as they are answered. Printed per run: appends/s (sum), the worst p99, the
CPU seconds per 1,000 appends of vouchd (all front ends) and of PostgreSQL (all its processes),
and the load average. The ECDSA P-256 verify ceiling is measured by loadgen in the SQLite run of
each round (the machine's own ceiling, same run).

Then TAKEOVERS times (default 5): three front ends under a light load, the sequencer is killed
(SIGKILL) and the time until another front end reports vouch_log_sequencing 1, and the longest
gap between two successful appends of a client that appends through the surviving front ends,
are printed. A benchmark, not a test.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LEASE = "2s"
TAKEOVERS = int(os.environ.get("TAKEOVERS", "5"))


def binaries():
    if os.environ.get("VOUCH_BIN"):
        return os.environ["VOUCH_BIN"]
    subprocess.run(["bazel", "build", "-c", "opt", "//tools:vouchd", "//tools:loadgen"],
                   cwd=ROOT, check=True, capture_output=True)
    return subprocess.run(["bazel", "info", "-c", "opt", "bazel-bin"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()


def cpu_seconds(pid):
    """utime + stime of |pid| and its threads, seconds (0 if gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError):
        return 0.0


def postgres_pids(postmaster):
    out = [postmaster]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == postmaster:
                        out.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return out


class Front:
    def __init__(self, bin_dir, data_dir, storage):
        self.data_dir = data_dir
        tmp = tempfile.mkdtemp()
        self.ready = os.path.join(tmp, "ready.json")
        args = [os.path.join(bin_dir, "tools/vouchd"), "--data-dir", data_dir,
                "--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0", "--ca=false",
                "--tuf=false", "--verify-rate", "0", "--log-level", "warning",
                "--ready-file", self.ready, "--sequencer-lease", LEASE]
        if storage:
            args += ["--storage", storage]
        self.log = open(os.path.join(tmp, "vouchd.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(self.ready) or os.path.getsize(self.ready) == 0:
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("vouchd did not start: " + open(self.log.name).read())
            time.sleep(0.05)
        with open(self.ready) as f:
            info = json.load(f)
        self.http, self.grpc = info["http"], info["grpc"]

    def sequencing(self):
        try:
            with urllib.request.urlopen("http://%s/metrics" % self.http, timeout=2) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith("vouch_log_sequencing "):
                        return float(line.split()[1]) == 1
        except OSError:
            return False
        return False

    def stop(self, sig="TERM"):
        if self.proc.poll() is None:
            self.proc.send_signal(9 if sig == "KILL" else 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_fronts(bin_dir, work, n, storage):
    first = Front(bin_dir, os.path.join(work, "f0"), storage)
    fronts = [first]
    for i in range(1, n):
        shutil.copytree(first.data_dir, os.path.join(work, "f%d" % i),
                        ignore=shutil.ignore_patterns("*published_checkpoint*", "*.lock"))
        fronts.append(Front(bin_dir, os.path.join(work, "f%d" % i), storage))
    return fronts


def load(bin_dir, fronts, clients, seconds, ceiling):
    per = max(1, clients // len(fronts))
    procs = []
    for f in fronts:
        procs.append(subprocess.Popen(
            [os.path.join(bin_dir, "tools/loadgen"), "--grpc", f.grpc, "--clients", str(per),
             "--duration", "%ds" % seconds, "--max_entries", str(4000 * seconds),
             "--ceiling_time", "1s" if ceiling else "0.05s"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
    return [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]


def run(bin_dir, pg, name, n, clients, seconds, db_counter):
    work = tempfile.mkdtemp(prefix="vouch-cluster-bench-")
    storage = None
    if name.startswith("pg"):
        db_counter[0] += 1
        db = "bench_%d_%d" % (os.getpid(), db_counter[0])
        subprocess.run(["psql", "-X", "-q", pg["url"], "-c", "CREATE DATABASE " + db], check=True)
        storage = pg["url"].rsplit("/", 1)[0] + "/" + db
    fronts = start_fronts(bin_dir, work, n, storage)
    try:
        pids = [f.proc.pid for f in fronts]
        pg_pids = postgres_pids(pg["pid"]) if storage else []
        v0 = sum(cpu_seconds(p) for p in pids)
        p0 = sum(cpu_seconds(p) for p in pg_pids)
        results = load(bin_dir, fronts, clients, seconds, ceiling=(name == "sqlite"))
        v1 = sum(cpu_seconds(p) for p in pids)
        p1 = sum(cpu_seconds(p) for p in postgres_pids(pg["pid"])) if storage else 0
        appends = sum(r["appends"] for r in results)
        out = {
            "setup": name, "fronts": n,
            "appends_per_second": sum(r["appends_per_second"] for r in results),
            "p99_ms": max(r["p99_ms"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "vouchd_cpu_ms_per_append": 1000 * (v1 - v0) / max(1, appends),
            "postgres_cpu_ms_per_append": 1000 * (p1 - p0) / max(1, appends),
            "load1": float(open("/proc/loadavg").read().split()[0]),
        }
        if name == "sqlite":
            out["verify_ceiling"] = results[0]["verify_ceiling_all_cores"]
        return out
    finally:
        for f in fronts:
            f.stop()
        shutil.rmtree(work, ignore_errors=True)


def takeovers(bin_dir, pg, count):
    work = tempfile.mkdtemp(prefix="vouch-cluster-takeover-")
    db = "takeover_%d" % os.getpid()
    subprocess.run(["psql", "-X", "-q", pg["url"], "-c", "CREATE DATABASE " + db], check=True)
    storage = pg["url"].rsplit("/", 1)[0] + "/" + db
    fronts = start_fronts(bin_dir, work, 3, storage)
    stop = threading.Event()
    gaps = []
    try:
        for _ in range(count):
            seq = [f for f in fronts if f.sequencing()]
            assert len(seq) == 1, "%d sequencers" % len(seq)
            victim = seq[0]
            others = [f for f in fronts if f is not victim]
            # A light load through the others (loadgen over HTTP, 16 clients, 200/s).
            lg = subprocess.Popen(
                [os.path.join(bin_dir, "tools/loadgen"), "--http", others[0].http, "--clients",
                 "16", "--rate", "200", "--duration", "8s", "--max_entries", "2000",
                 "--ceiling_time", "0.05s", "--acks", os.path.join(work, "acks")],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            time.sleep(3)
            victim.stop("KILL")
            t0 = time.time()
            while not any(f.sequencing() for f in others):
                time.sleep(0.01)
            took = time.time() - t0
            summary = json.loads(lg.communicate()[0].strip().splitlines()[-1])
            gaps.append((took, summary["max_ms"], summary["errors"]))
            print("  takeover %.2f s after SIGKILL (lease %s); client: slowest append %.0f ms, "
                  "%d errors" % (took, LEASE, summary["max_ms"], summary["errors"]), flush=True)
            i = fronts.index(victim)
            fronts[i] = Front(bin_dir, victim.data_dir, storage)
    finally:
        stop.set()
        for f in fronts:
            f.stop()
        shutil.rmtree(work, ignore_errors=True)
    return gaps


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 48
    bin_dir = binaries()
    pg_dir = os.path.join(tempfile.mkdtemp(), "pg")
    url = subprocess.run([os.path.join(ROOT, "tools/test_postgres"), "start", pg_dir],
                         check=True, capture_output=True, text=True).stdout.strip()
    pg = {"url": url, "pid": int(open(os.path.join(pg_dir, "pid")).read())}
    setups = [("sqlite", 1), ("pg1", 1), ("pg2", 2), ("pg3", 3)]
    if os.environ.get("SETUPS"):  # e.g. SETUPS=pg1,pg3
        setups = [x for x in setups if x[0] in os.environ["SETUPS"].split(",")]
    counter = [0]
    try:
        print("setup   fronts appends/s p99_ms errors vouchd_cpu_ms/append pg_cpu_ms/append "
              "load1 (verify ceiling)", flush=True)
        for r in range(rounds):
            order = setups[r % len(setups):] + setups[:r % len(setups)]
            for name, n in order:
                o = run(bin_dir, pg, name, n, clients, seconds, counter)
                print("%-7s %6d %9.0f %6.1f %6d %21.2f %16.2f %5.2f %s" % (
                    o["setup"], o["fronts"], o["appends_per_second"], o["p99_ms"], o["errors"],
                    o["vouchd_cpu_ms_per_append"], o["postgres_cpu_ms_per_append"], o["load1"],
                    "(%.0f/s)" % o["verify_ceiling"] if "verify_ceiling" in o else ""),
                    flush=True)
        if TAKEOVERS > 0:
            print("takeover: 3 front ends, the sequencer killed %d times" % TAKEOVERS, flush=True)
            takeovers(bin_dir, pg, TAKEOVERS)
    finally:
        subprocess.run([os.path.join(ROOT, "tools/test_postgres"), "stop", pg_dir],
                       capture_output=True)


if __name__ == "__main__":
    main()
