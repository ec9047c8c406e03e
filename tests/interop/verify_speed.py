#!/usr/bin/env python3
# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Offline bundle verification speed: Vouch against sigstore-js on the 16 real npm bundles.

Four figures, measured back to back in one run with the machine's ECDSA ceilings:
  in-process   Vouch (Google Benchmark, 1 and 2 threads) vs sigstore-js (one node process)
  one-shot     `vouch verify-attestation` vs `node` verifying one bundle, one process per bundle
               (the 8 keyless provenance bundles; wall time including process start)
and the ratios. Usage (after `bazel build -c opt //client/cli:vouch //tests/interop:npm_verify_benchmark`):

  python3 tests/interop/verify_speed.py [--shared ../shared] [--rounds 5]

Results and how to read them: docs/benchmarks.md.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def opt_bin(target):
    out = subprocess.run(["bazel", "info", "-c", "opt", "bazel-bin"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    return os.path.join(out, target)


def openssl_ceiling(curve):
    out = subprocess.run(["openssl", "speed", "-seconds", "2", curve], capture_output=True,
                         text=True).stdout
    m = re.search(r"\(nistp\d+\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out)
    return (float(m.group(1)), float(m.group(2))) if m else (0.0, 0.0)


def wall_ms(argv, rounds, env=None):
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        r = subprocess.run(argv, capture_output=True, text=True, env=env)
        times.append((time.perf_counter() - t) * 1e3)
        if r.returncode != 0:
            sys.exit(f"verify_speed: {' '.join(argv[:2])} failed: {r.stdout}{r.stderr}")
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(ROOT), "shared"))
    ap.add_argument("--rounds", type=int, default=5, help="one-shot runs per bundle")
    ap.add_argument("--seconds", type=float, default=5, help="in-process time per tool")
    args = ap.parse_args()
    data = os.path.join(os.path.abspath(args.shared), "interop", "npm-provenance")
    cases = json.load(open(os.path.join(data, "index.json")))["cases"]

    p256 = openssl_ceiling("ecdsap256")
    p384 = openssl_ceiling("ecdsap384")

    bench = opt_bin("tests/interop/npm_verify_benchmark")
    env = dict(os.environ, VOUCH_SHARED=os.path.abspath(args.shared))
    out = subprocess.run([bench, "--benchmark_filter=BM_Verify", "--benchmark_format=json",
                          f"--benchmark_min_time={args.seconds / 2}"], capture_output=True,
                         text=True, env=env, check=True).stdout
    runs = {b["name"]: b["items_per_second"] for b in json.loads(out)["benchmarks"]}
    vouch_1 = runs.get("BM_Verify", 0.0)
    vouch_2 = runs.get("BM_Verify/real_time/threads:2", 0.0)

    js = subprocess.run(["node", os.path.join(ROOT, "tests/interop/sigstore_js_bench.mjs"), data,
                         str(args.seconds)], capture_output=True, text=True, check=True).stdout
    js_rate = float(re.search(r"= ([\d.]+) bundles/s", js).group(1))

    vouch = opt_bin("client/cli/vouch")
    root = os.path.join(data, "public-good-trusted_root.json")
    vouch_ms, js_ms = [], []
    for i, c in enumerate(cases):
        if c["kind"] != "provenance":
            continue  # Publish bundles are signed by npm's registry key, not keyless.
        d = os.path.join(data, c["dir"])
        vouch_ms += wall_ms([vouch, "verify-attestation", "--bundle", os.path.join(d, c["bundle"]),
                             "--trusted-root", root, "--certificate-identity-regexp", ".*",
                             "--certificate-oidc-issuer",
                             "https://token.actions.githubusercontent.com",
                             os.path.join(d, c["artifact"])], args.rounds)
        js_ms += wall_ms(["node", os.path.join(ROOT, "tests/interop/sigstore_js_bench.mjs"), data,
                          "--one", str(i)], args.rounds)

    vm, jm = statistics.median(vouch_ms), statistics.median(js_ms)
    print(f"ceilings (openssl speed, this run): P-256 verify {p256[1]:.0f}/s, "
          f"P-384 verify {p384[1]:.0f}/s (1 core)")
    print(f"{'':34}{'vouch':>12}{'sigstore-js':>14}{'ratio':>8}")
    print(f"{'in-process, 1 thread (bundles/s)':34}{vouch_1:>12.0f}{js_rate:>14.0f}"
          f"{vouch_1 / js_rate:>7.1f}x")
    print(f"{'in-process, 2 threads (bundles/s)':34}{vouch_2:>12.0f}{js_rate:>14.0f}"
          f"{vouch_2 / js_rate:>7.1f}x")
    print(f"{'one process per bundle (ms, med)':34}{vm:>12.1f}{jm:>14.1f}{jm / vm:>7.1f}x")
    print(json.dumps({"vouch_inprocess_1": vouch_1, "vouch_inprocess_2": vouch_2,
                      "sigstore_js_inprocess": js_rate, "vouch_oneshot_ms": vm,
                      "sigstore_js_oneshot_ms": jm, "p256_verify_per_s": p256[1],
                      "p384_verify_per_s": p384[1]}))


if __name__ == "__main__":
    main()
