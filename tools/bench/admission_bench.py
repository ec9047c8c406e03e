#!/usr/bin/env python3
# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Admission webhook latency and throughput (docs/benchmarks.md "Admission", docs/policy.md).

Starts vouch-dev-oidc, a docker-registry (basic auth) and vouchd with --admission-policy serving
HTTPS on 127.0.0.1 (a certificate made with openssl), signs three images (app, sidecar, init)
keyless with the vouch CLI, and copies them with their signatures into one new set of
repositories per cold pod (registry API, cross-repository blob mounts). A review is an
AdmissionReview v1 for a Pod with those 3 images by tag (server/testdata/admission/pod.json), the
policy one keyless authority over every image.

  cold:   each review's 3 images are in repositories vouchd has never seen: 3 tag resolutions,
          attachment discovery and bundle verification, all against the local registry.
          Sequential (one review at a time: latency) and --concurrency clients (throughput).
  warm:   the same pod again: decisions from the cache. Sequential on one kept-alive HTTPS
          connection (latency), and wrk -c --concurrency (throughput; wrk's latency too).
  ceiling: in the same run, GET /healthz on the webhook's listener over a kept-alive HTTPS
          connection with the same Python client (what the client and TLS cost alone), a new
          TLS connection per request, POST /validate of a review with no images (the
          Kubernetes docs' Scale example: parsing and answering, no decision), and one GET of
          a manifest from the registry (a cold image needs about 8 registry requests, most
          in sequence).

  bazel build -c opt //client/cli:vouch //tools:vouchd //tools/dev_oidc:vouch-dev-oidc
  python3 tools/bench/admission_bench.py [--pods 100] [--warm 3000] [--concurrency 8]

Needs tools/setup's packages (docker-registry, openssl, wrk). Prints the machine (nproc,
/proc/loadavg before and after): other work on the machine shows in the cold figures most."""

import argparse
import concurrent.futures
import json
import os
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(root, "tests", "e2e"))
os.environ.setdefault("VOUCH_ROOT", root)
import registrytest as rt  # noqa: E402
import vouchtest as vt  # noqa: E402

EMAIL = "bench@example.com"


def opt_bin():
    return subprocess.run(["bazel", "info", "-c", "opt", "bazel-bin"], cwd=root,
                          capture_output=True, text=True, check=True).stdout.strip()


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def summary(name, ms, wall=None, per=1):
    line = "%-46s n=%-5d p50 %8.3f ms  p99 %8.3f ms  max %8.3f ms" % (
        name, len(ms), pct(ms, 50), pct(ms, 99), max(ms))
    if wall:
        line += "  %8.0f reviews/s (%.0f decisions/s)" % (len(ms) / wall, per * len(ms) / wall)
    print(line, flush=True)
    return {"n": len(ms), "p50_ms": pct(ms, 50), "p99_ms": pct(ms, 99), "max_ms": max(ms),
            "mean_ms": statistics.mean(ms)}


class Client:
    """One kept-alive HTTPS connection to the webhook."""

    def __init__(self, addr, tls):
        import http.client
        host, port = addr.rsplit(":", 1)
        self.conn = http.client.HTTPSConnection(host, int(port), context=tls, timeout=60)

    def call(self, method, path, body=None):
        t = time.perf_counter()
        self.conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
        r = self.conn.getresponse()
        data = r.read()
        ms = (time.perf_counter() - t) * 1000
        if r.status != 200:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data[:300]))
        return ms, data

    def close(self):
        self.conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pods", type=int, default=100, help="cold reviews, sequential")
    ap.add_argument("--cold-concurrent", type=int, default=100,
                    help="cold reviews sent by --concurrency clients")
    ap.add_argument("--warm", type=int, default=3000, help="warm reviews, sequential")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--bin", default=None, help="bazel-bin to use (default: -c opt's)")
    args = ap.parse_args()
    bindir = args.bin or opt_bin()
    vt.runfile = lambda path: os.path.join(bindir, path)
    vouch = os.path.join(bindir, "client/cli/vouch")
    print("machine: nproc %d, loadavg before %s" % (os.cpu_count(),
                                                   open("/proc/loadavg").read().strip()))
    print("binaries: %s" % bindir)

    d = tempfile.mkdtemp(prefix="vouch-admission-bench-")
    procs = []
    try:
        oidc = vt.DevOidc()
        procs.append(oidc)
        registry = rt.Registry()
        procs.append(registry)
        docker = os.path.join(d, "docker")
        os.makedirs(docker)
        import base64
        with open(os.path.join(docker, "config.json"), "w") as f:
            json.dump({"auths": {registry.host: {
                "auth": base64.b64encode(registry.creds().encode()).decode()}}}, f)
        cert, key = os.path.join(d, "tls.crt"), os.path.join(d, "tls.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                        "/CN=vouch-admission", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        policies = os.path.join(d, "policies.yaml")
        with open(policies, "w") as f:
            f.write("apiVersion: policy.vouch.dev/v1\nkind: ImagePolicy\nmetadata: {name: bench}\n"
                    "spec:\n  images: [{glob: '%s/**'}]\n  authorities:\n    - name: builder\n"
                    "      keyless: {issuer: '%s', subject: '%s'}\n"
                    % (registry.host, oidc.issuer, EMAIL))
        server = vt.Server(os.path.join(d, "data"), [
            "--oidc-issuer", oidc.issuer, "--admission-policy", policies,
            "--admission-addr", "127.0.0.1:0", "--admission-tls-cert", cert,
            "--admission-tls-key", key, "--admission-audit-log", os.path.join(d, "audit.jsonl")],
            env={"DOCKER_CONFIG": docker})
        procs.insert(0, server)
        tls = ssl.create_default_context(cafile=cert)

        # Three signed images, then one copy of the three repositories per cold pod.
        for name in ("app", "sidecar", "init"):
            digest = registry.push_image("base/" + name, "v1", "bench %s\n" % name)
            out = subprocess.run([vouch, "sign-image", "--server", "http://" + server.http,
                                  "--oidc-url", oidc.issuer, "--oidc-email", EMAIL,
                                  *registry.flags(), "%s/base/%s@%s" % (registry.host, name, digest)],
                                 capture_output=True, text=True,
                                 env=dict(os.environ, DOCKER_CONFIG=os.path.join(d, "none")))
            if out.returncode != 0:
                raise RuntimeError(out.stderr)
        total = args.pods + args.cold_concurrent + 1
        t = time.perf_counter()
        for i in range(total):
            for name in ("app", "sidecar", "init"):
                registry.copy_repository("base/" + name, "pod%d/%s" % (i, name))
        print("copied %d signed images in %.1f s" % (3 * total, time.perf_counter() - t))

        with open(os.path.join(root, "server/testdata/admission/pod.json")) as f:
            template = f.read()

        def review(i):
            text = template
            for k in ("main", "sidecar", "init"):
                text = text.replace('"IMAGE_%s"' % k.upper(), json.dumps(
                    "%s/pod%d/%s:v1" % (registry.host, i, "app" if k == "main" else k)))
            r = json.loads(text)
            r["request"]["uid"] = str(uuid.uuid4())
            return json.dumps(r)

        def check(data):
            resp = json.loads(data)["response"]
            if not resp["allowed"]:
                raise RuntimeError("denied: %s" % resp.get("status"))

        results = {}
        # Ceiling: the same client against the same listener without a decision.
        c = Client(server.admission, tls)
        for _ in range(50):
            c.call("GET", "/healthz")
        results["healthz_keepalive"] = summary(
            "ceiling: GET /healthz, kept-alive HTTPS", [c.call("GET", "/healthz")[0] for _ in range(2000)])
        with open(os.path.join(root, "server/testdata/admission/scale_from_k8s_docs.json")) as f:
            scale = f.read()
        results["no_images"] = summary(
            "ceiling: POST /validate, no images (Scale)",
            [c.call("POST", "/validate", scale)[0] for _ in range(2000)])
        fresh = []
        for _ in range(200):
            n = Client(server.admission, tls)
            fresh.append(n.call("GET", "/healthz")[0])
            n.close()
        results["healthz_new_tls"] = summary("ceiling: GET /healthz, new TLS connection each", fresh)

        # The registry's own round trip (kept-alive, basic auth: each request checks the
        # bcrypt htpasswd entry): a cold image needs about 8 of them in sequence.
        app = json.loads(registry.api("GET", "/v2/base/app/tags/list")[2])
        reg = []
        for _ in range(300):
            t = time.perf_counter()
            status, _, _ = registry.api("GET", "/v2/base/app/manifests/v1",
                                        headers={"Accept": registry.MANIFEST_TYPES})
            reg.append((time.perf_counter() - t) * 1000)
            assert status == 200, (status, app)
        results["registry_manifest_get"] = summary("ceiling: registry GET manifest, kept-alive", reg)

        def cpu_ms(pid):
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")

        # Cold, sequential: pod 1..pods (pod 0 is kept for warm). The CPU time vouchd and the
        # registry spend per review, next to the wall time, says how much of it is waiting.
        cold = []
        cpu0 = (cpu_ms(server.proc.pid), cpu_ms(registry.proc.pid))
        for i in range(1, args.pods + 1):
            ms, data = c.call("POST", "/validate", review(i))
            check(data)
            cold.append(ms)
        cpu1 = (cpu_ms(server.proc.pid), cpu_ms(registry.proc.pid))
        results["cold_sequential"] = summary("cold: Pod with 3 images, sequential", cold)
        results["cold_sequential"]["vouchd_cpu_ms_per_review"] = (cpu1[0] - cpu0[0]) / args.pods
        results["cold_sequential"]["registry_cpu_ms_per_review"] = (cpu1[1] - cpu0[1]) / args.pods
        print("  CPU per cold review: vouchd %.1f ms, docker-registry %.1f ms (wall p50 %.1f ms)"
              % ((cpu1[0] - cpu0[0]) / args.pods, (cpu1[1] - cpu0[1]) / args.pods, pct(cold, 50)))

        # Cold, concurrent.
        start = args.pods + 1
        lat, lock = [], threading.Lock()
        clients = [Client(server.admission, tls) for _ in range(args.concurrency)]
        for cl in clients:
            cl.call("GET", "/healthz")

        def cold_worker(k):
            mine = []
            for i in range(start + k, start + args.cold_concurrent, args.concurrency):
                ms, data = clients[k].call("POST", "/validate", review(i))
                check(data)
                mine.append(ms)
            with lock:
                lat.extend(mine)

        t = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(cold_worker, range(args.concurrency)))
        wall = time.perf_counter() - t
        results["cold_concurrent"] = summary(
            "cold: %d clients" % args.concurrency, lat, wall, per=3)
        results["cold_concurrent"]["reviews_per_s"] = len(lat) / wall
        for cl in clients:
            cl.close()

        # Warm, sequential (pod 0: its first review is cold and not counted).
        body = review(0)
        check(c.call("POST", "/validate", body)[1])
        warm = []
        for _ in range(args.warm):
            ms, data = c.call("POST", "/validate", body)
            warm.append(ms)
        check(data)
        results["warm_sequential"] = summary("warm: Pod with 3 images, sequential", warm)
        c.close()

        # Warm throughput with wrk (C, one thread per core).
        body_file = os.path.join(d, "review.json")
        with open(body_file, "w") as f:
            f.write(body)
        lua = os.path.join(d, "post.lua")
        with open(lua, "w") as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    'local f = io.open("%s")\nwrk.body = f:read("*a")\nf:close()\n' % body_file)
        out = subprocess.run(["wrk", "-t", str(min(2, args.concurrency)), "-c",
                              str(args.concurrency), "-d", "%ds" % args.wrk_seconds, "--latency",
                              "-s", lua, "https://%s/validate" % server.admission],
                             capture_output=True, text=True)
        print("warm: wrk -c %d (%d s):\n%s" % (args.concurrency, args.wrk_seconds, out.stdout))
        results["wrk"] = out.stdout

        status, raw, _ = server.request("GET", "/metrics")
        for line in raw.decode().splitlines():
            if line.startswith("vouch_admission_decisions_total"):
                print("  " + line)
        print("loadavg after %s" % open("/proc/loadavg").read().strip())
        with open(os.path.join(d, "results.json"), "w") as f:
            json.dump(results, f, indent=1)
        print("results: %s" % os.path.join(d, "results.json"))
    finally:
        for p in procs:
            p.kill()


if __name__ == "__main__":
    main()
