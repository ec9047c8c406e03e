#!/usr/bin/env python3
# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Image signing and verification, vouch vs sigstore-js, in the same run (docs/benchmarks.md,
"Container images"). Starts vouchd + vouch-dev-oidc + a docker-registry (basic auth) on
127.0.0.1, pushes a umoci image, then times as whole processes (one process per call, cold):

  sign:   `vouch sign-image` vs node image_bench.mjs sign (keyless DSSE + attach), ROUNDS each
  verify: `vouch verify-image` vs node image_bench.mjs verify of an image with 3 signatures,
          ROUNDS each, and the registry requests each needed (vouch: its registryRequests;
          sigstore-js: the requests the lookup script made).

  bazel build -c opt //client/cli:vouch //tools:vouchd //tools/dev_oidc:vouch-dev-oidc
  python3 tools/bench/image_bench.py [--rounds 10]
Needs tools/setup's packages (docker-registry, umoci, skopeo, node + tests/sigstore-js)."""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(root, "tests", "e2e"))
os.environ.setdefault("VOUCH_ROOT", root)
import registrytest as rt  # noqa: E402
import vouchtest as vt  # noqa: E402


def opt_bin(path):
    out = subprocess.run(["bazel", "info", "-c", "opt", "bazel-bin"], cwd=root,
                         capture_output=True, text=True, check=True).stdout.strip()
    return os.path.join(out, path)


def timed(argv, cwd=None, env=None):
    t = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, env=env)
    dt = time.perf_counter() - t
    if out.returncode != 0:
        raise RuntimeError("%s: %s %s" % (argv[:2], out.stdout, out.stderr))
    return dt * 1000, out


def summary(ms):
    return "median %.0f ms (min %.0f, max %.0f, n=%d)" % (statistics.median(ms), min(ms), max(ms),
                                                           len(ms))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args()
    vouch = opt_bin("client/cli/vouch")
    os.environ["VOUCH_ROOT"] = root
    d = tempfile.mkdtemp(prefix="vouch-image-bench-")
    oidc = vt.DevOidc()
    server = vt.Server(os.path.join(d, "data"), ["--oidc-issuer", oidc.issuer])
    registry = rt.Registry()
    js = os.path.join(root, "tests", "sigstore-js")
    try:
        status, raw, _ = server.request("GET", "/api/v1/trustedRoot")
        trusted = os.path.join(d, "trusted_root.json")
        with open(trusted, "wb") as f:
            f.write(raw)
        layout = os.path.join(d, "img")
        digest = rt.umoci_image(layout, "v1", "bench\n")
        env = dict(os.environ, DOCKER_CONFIG=os.path.join(d, "none"))
        keyless = ["--server", "http://" + server.http, "--oidc-url", oidc.issuer,
                   "--oidc-email", "bench@example.com"]
        ident = ["--trusted-root", trusted, "--certificate-identity", "bench@example.com",
                 "--certificate-oidc-issuer", oidc.issuer]

        def config(repo):
            path = os.path.join(d, repo.replace("/", "_") + ".json")
            with open(path, "w") as f:
                json.dump({"vouchd": "http://" + server.http, "oidc": oidc.issuer,
                           "registry": registry.host, "repo": repo, "digest": digest,
                           "username": registry.username, "password": registry.password,
                           "trustedRoot": trusted, "identity": "bench@example.com",
                           "issuer": oidc.issuer}, f)
            return path

        # Signing: each round adds one signature (vouch and sigstore-js in turn, own repos).
        for repo in ("bench/vouch-sign", "bench/js-sign", "bench/vouch3", "bench/js3"):
            registry.copy("oci:%s:v1" % layout, "docker://%s/%s:v1" % (registry.host, repo))
        vs, js_ms = [], []
        ref = "%s/bench/vouch-sign@%s" % (registry.host, digest)
        js_config = config("bench/js-sign")
        for _ in range(args.rounds):
            vs.append(timed([vouch, "sign-image", *keyless, *registry.flags(), ref], env=env)[0])
            js_ms.append(timed(["node", "image_bench.mjs", "sign", js_config], cwd=js)[0])
        print("sign-image, keyless, one process:   vouch %s" % summary(vs))
        print("                              sigstore-js %s" % summary(js_ms))

        # Verification of 3 signatures.
        ref3 = "%s/bench/vouch3@%s" % (registry.host, digest)
        js3 = config("bench/js3")
        for _ in range(3):
            timed([vouch, "sign-image", *keyless, *registry.flags(), ref3], env=env)
            timed(["node", "image_bench.mjs", "sign", js3], cwd=js)
        vv, jv, requests, js_requests = [], [], set(), set()
        for _ in range(args.rounds):
            ms, out = timed([vouch, "verify-image", *ident, *registry.flags(), "--output", "json",
                             ref3], env=env)
            report = json.loads(out.stdout)
            assert report["verified"] and len(report["attachments"]) == 3, report
            requests.add(report["registryRequests"])
            vv.append(ms)
            ms, out = timed(["node", "image_bench.mjs", "verify", js3], cwd=js)
            r = json.loads(out.stdout)
            assert r["verified"] == 3, r
            js_requests.add(r["requests"])
            jv.append(ms)
        print("verify-image, 3 signatures, one process: vouch %s, registry requests %s" %
              (summary(vv), sorted(requests)))
        print("                                   sigstore-js %s, registry requests %s" %
              (summary(jv), sorted(js_requests)))
        print("ratio (median): sign %.1fx, verify %.1fx" %
              (statistics.median(js_ms) / statistics.median(vs),
               statistics.median(jv) / statistics.median(vv)))
    finally:
        for p in (registry, server, oidc):
            p.kill()


if __name__ == "__main__":
    main()
