# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Helpers for cross-process image tests: a real docker-registry (Debian's distribution 2.8)
with htpasswd basic auth on 127.0.0.1 and a free port, storage in a temporary directory, stopped
by pid; test images made with umoci (or a multi-platform OCI layout written directly) and copied
with skopeo. The C++ twin is tests/registry/registry_fixture.h."""

import crypt
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time


class TokenServer:
    """distribution's token auth, as a test needs it: GET /token?service=...&scope=... with Basic
    credentials answers an ES256 JWT (x5c = its self-signed certificate, which the registry
    trusts as rootcertbundle) granting what was asked; 401 for wrong or no credentials. Every
    scope asked for is kept in self.scopes. Runs in a thread of the test on 127.0.0.1:0."""

    def __init__(self, directory, username, password):
        import base64 as b64
        import http.server
        import threading
        import urllib.parse
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
        from cryptography.hazmat.primitives.asymmetric import ec
        self.cert_file = os.path.join(directory, "token.pem")
        key_file = os.path.join(directory, "token.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key_file, "-out", self.cert_file, "-subj",
             "/CN=vouch test token issuer", "-days", "2"])
        with open(key_file, "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        with open(self.cert_file, "rb") as f:
            cert_der = x509.load_pem_x509_certificate(f.read()).public_bytes(
                serialization.Encoding.DER)
        want = "Basic " + b64.b64encode(("%s:%s" % (username, password)).encode()).decode()
        self.scopes = []
        server = self

        def b64url(data):
            return b64.urlsafe_b64encode(data).rstrip(b"=").decode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                scopes = query.get("scope", [])
                server.scopes.append(" ".join(scopes))
                if self.headers.get("Authorization") != want:
                    body = b'{"errors":[{"code":"UNAUTHORIZED","message":"token server: wrong or no credentials"}]}'
                    self.send_response(401)
                else:
                    now = int(time.time())
                    access = [{"type": t, "name": n, "actions": a.split(",")}
                              for t, n, a in (sc.split(":") for sc in scopes if sc.count(":") == 2)]
                    header = {"alg": "ES256", "typ": "JWT",
                              "x5c": [b64.b64encode(cert_der).decode()]}
                    claims = {"iss": "vouch-test-issuer", "sub": username,
                              "aud": "vouch-test-registry", "exp": now + 300, "nbf": now - 10,
                              "iat": now, "jti": "%d-%d" % (now, len(server.scopes)),
                              "access": access}
                    signing_input = (b64url(json.dumps(header).encode()) + "." +
                                     b64url(json.dumps(claims).encode()))
                    r, s_ = asym_utils.decode_dss_signature(
                        key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
                    token = signing_input + "." + b64url(r.to_bytes(32, "big") + s_.to_bytes(32, "big"))
                    body = json.dumps({"token": token, "expires_in": 300}).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.realm = "http://127.0.0.1:%d/token" % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def kill(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Registry:
    """docker-registry serve on 127.0.0.1:0. auth: "basic" (htpasswd, bcrypt), "token" (a
    TokenServer; distribution's auth: token:) or None; tls: https with a test CA (self.ca_file)."""

    def __init__(self, username="alice", password="s3cret pass", auth="basic", tls=False):
        self.username, self.password, self.auth, self.tls = username, password, auth, tls
        self.dir = tempfile.mkdtemp(prefix="vouch-registry-")
        self.token_server, self.ca_file = None, None
        config = os.path.join(self.dir, "config.yml")
        yml = ("version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\n"
               "storage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\n"
               "http:\n  addr: 127.0.0.1:0\n  secret: vouch-test-secret\n" % self.dir)
        if tls:
            self.ca_file = os.path.join(self.dir, "ca.crt")
            ca_key, key, cert = (os.path.join(self.dir, n) for n in ("ca.key", "server.key", "server.crt"))
            ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
            run(["openssl", "req", "-x509"] + ec + ["-keyout", ca_key, "-out", self.ca_file,
                                                    "-subj", "/CN=vouch test registry CA"])
            run(["openssl", "req", "-x509"] + ec + [
                "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1", "-CA", self.ca_file,
                "-CAkey", ca_key, "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-addext", "basicConstraints=critical,CA:FALSE"])
            yml += "  tls:\n    certificate: %s\n    key: %s\n" % (cert, key)
        if auth == "basic":
            htpasswd = os.path.join(self.dir, "htpasswd")
            with open(htpasswd, "w") as f:
                f.write("%s:%s\n" % (username, crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))))
            yml += "auth:\n  htpasswd:\n    realm: vouch-test\n    path: %s\n" % htpasswd
        elif auth == "token":
            self.token_server = TokenServer(self.dir, username, password)
            yml += ("auth:\n  token:\n    realm: %s\n    service: vouch-test-registry\n"
                    "    issuer: vouch-test-issuer\n    rootcertbundle: %s\n"
                    % (self.token_server.realm, self.token_server.cert_file))
        with open(config, "w") as f:
            f.write(yml)
        self.log = os.path.join(self.dir, "registry.log")
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen(["docker-registry", "serve", config], stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        self.host = None
        while self.host is None:
            with open(self.log) as f:
                text = f.read()
            at = text.find("listening on 127.0.0.1:")
            if at >= 0:
                port = ""
                for ch in text[at + len("listening on 127.0.0.1:"):]:
                    if not ch.isdigit():
                        break
                    port += ch
                if port:
                    self.host = "127.0.0.1:" + port
                    break
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                raise RuntimeError("docker-registry did not start: " + text)
            time.sleep(0.02)

    def creds(self):
        return "%s:%s" % (self.username, self.password)

    def flags(self):
        """vouch's registry flags for this registry (credentials, its CA)."""
        out = ["--registry-cacert", self.ca_file] if self.tls else []
        if self.auth:
            out += ["--registry-username", self.username, "--registry-password", self.password]
        return out

    def blob_path(self, digest):
        hex_ = digest.split(":", 1)[1]
        return os.path.join(self.dir, "data/docker/registry/v2/blobs/sha256", hex_[:2], hex_, "data")

    def copy(self, src, dest, all_=True, extra=()):
        """skopeo copy SRC DEST where either may be docker://THIS/... (credentials added)."""
        argv = ["skopeo", "--insecure-policy", "copy", "--quiet"]
        if all_:
            argv.append("--all")
        for side, ref in (("src", src), ("dest", dest)):
            if ref.startswith("docker://"):
                argv.append("--%s-tls-verify=false" % side)
                if self.auth:
                    argv += ["--%s-creds" % side, self.creds()]
        out = subprocess.run(argv + list(extra) + [src, dest], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError("skopeo copy %s %s: %s" % (src, dest, out.stderr))

    # ------------------------------------------------ the distribution API, spoken here (no skopeo)

    MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json,"
                      "application/vnd.oci.image.index.v1+json,"
                      "application/vnd.docker.distribution.manifest.v2+json,"
                      "application/vnd.docker.distribution.manifest.list.v2+json")

    def api(self, method, path, body=b"", headers=None):
        """One request with basic auth on a kept-alive connection: (status, response, body)."""
        import base64
        import http.client
        h = {"Authorization": "Basic " + base64.b64encode(self.creds().encode()).decode()}
        h.update(headers or {})
        for attempt in (0, 1):
            c = getattr(self, "_conn", None)
            if c is None:
                host, port = self.host.split(":")
                c = self._conn = http.client.HTTPConnection(host, int(port), timeout=30)
            try:
                c.request(method, path, body=body, headers=h)
                r = c.getresponse()
                return r.status, r, r.read()
            except (http.client.HTTPException, OSError):
                c.close()
                self._conn = None
                if attempt:
                    raise

    def push_blob(self, repo, data):
        """Uploads |data| (POST then PUT with the digest): its {digest, size}."""
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        status, r, _ = self.api("POST", "/v2/%s/blobs/uploads/" % repo)
        assert status == 202, status
        loc = r.getheader("Location")
        loc = loc[loc.index("/v2/"):] if "/v2/" in loc else loc
        status, _, body = self.api("PUT", "%s%sdigest=%s" % (loc, "&" if "?" in loc else "?", digest),
                                   data, {"Content-Type": "application/octet-stream"})
        assert status == 201, (status, body)
        return {"digest": digest, "size": len(data)}

    def push_image(self, repo, tag, content):
        """A one-layer OCI image holding |content| as REPO:TAG; its manifest digest."""
        layer = dict(self.push_blob(repo, content.encode()),
                     mediaType="application/vnd.oci.image.layer.v1.tar")
        config = dict(self.push_blob(repo, json.dumps(
            {"architecture": "amd64", "os": "linux", "config": {},
             "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}).encode()),
            mediaType="application/vnd.oci.image.config.v1+json")
        manifest = json.dumps({"schemaVersion": 2,
                               "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": config, "layers": [layer]}).encode()
        status, _, body = self.api("PUT", "/v2/%s/manifests/%s" % (repo, tag), manifest,
                                   {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
        assert status == 201, (status, body)
        return "sha256:" + hashlib.sha256(manifest).hexdigest()

    def copy_repository(self, src, dst):
        """Every tag of SRC (with the manifests and blobs under it: images, the referrers tag
        schema's index and the referrer manifests) into DST, blobs by cross-repository mount."""
        status, _, body = self.api("GET", "/v2/%s/tags/list" % src)
        assert status == 200, (status, body)
        done = set()

        def copy_manifest(ref):
            status, r, raw = self.api("GET", "/v2/%s/manifests/%s" % (src, ref),
                                      headers={"Accept": self.MANIFEST_TYPES})
            assert status == 200, (status, raw)
            m = json.loads(raw)
            for child in m.get("manifests", []):
                if child["digest"] not in done:
                    copy_manifest(child["digest"])
            for blob in [m["config"]] + m.get("layers", []) if "config" in m else []:
                if blob["digest"] in done:
                    continue
                status, _, b = self.api("POST", "/v2/%s/blobs/uploads/?mount=%s&from=%s"
                                        % (dst, blob["digest"], src))
                assert status == 201, (status, b)
                done.add(blob["digest"])
            status, _, b = self.api("PUT", "/v2/%s/manifests/%s" % (dst, ref), raw,
                                    {"Content-Type": r.getheader("Content-Type")})
            assert status == 201, (status, b)
            done.add("sha256:" + hashlib.sha256(raw).hexdigest())

        for tag in json.loads(body)["tags"]:
            copy_manifest(tag)

    def kill(self):
        if self.token_server is not None:
            self.token_server.kill()
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class ReferrersProxy:
    """//tests/registry:registry_proxy --referrers-api in front of UPSTREAM (host:port): an OCI
    1.1 registry (it indexes referrers PUT through it and answers the referrers API, so
    attachers write no referrers tag schema index). self.host; stop with kill() (by pid)."""

    def __init__(self, upstream):
        import vouchtest as vt
        self.proc = subprocess.Popen([vt.runfile("tests/registry/registry_proxy"), "--upstream",
                                      upstream, "--referrers-api"], stdout=subprocess.PIPE,
                                     text=True)
        self.host = self.proc.stdout.readline().strip()
        if not self.host:
            self.kill()
            raise RuntimeError("registry_proxy did not start")

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc.stdout.close()


def run(argv, **kw):
    out = subprocess.run(argv, capture_output=True, text=True, **kw)
    if out.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), out.stderr))
    return out.stdout


def umoci_image(layout, tag, content):
    """An image made by umoci in LAYOUT under TAG holding /hello.txt = CONTENT; its digest."""
    if not os.path.exists(os.path.join(layout, "index.json")):
        run(["umoci", "init", "--layout", layout])
    image = "%s:%s" % (layout, tag)
    bundle = tempfile.mkdtemp(prefix="vouch-umoci-")
    os.rmdir(bundle)
    run(["umoci", "new", "--image", image])
    run(["umoci", "unpack", "--rootless", "--image", image, bundle])
    with open(os.path.join(bundle, "rootfs", "hello.txt"), "w") as f:
        f.write(content)
    run(["umoci", "repack", "--image", image, bundle])
    return layout_digest(layout, tag)


def layout_digest(layout, tag):
    with open(os.path.join(layout, "index.json")) as f:
        for m in json.load(f)["manifests"]:
            if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
                return m["digest"]
    raise KeyError(tag)


def multi_arch_layout(layout, tag, platforms):
    """An OCI layout with an index over one small image per platform ("linux/amd64", ...).
    Returns (index digest, {platform: manifest digest})."""
    blobs = os.path.join(layout, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def put(data):
        data = data if isinstance(data, bytes) else data.encode()
        h = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, h), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + h, "size": len(data)}

    entries, digests = [], {}
    for p in platforms:
        os_, arch = p.split("/")[:2]
        layer = dict(put("layer for %s (not really a tar)" % p),
                     mediaType="application/vnd.oci.image.layer.v1.tar")
        config = dict(put(json.dumps({"architecture": arch, "os": os_, "config": {},
                                      "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}})),
                      mediaType="application/vnd.oci.image.config.v1+json")
        manifest = put(json.dumps({"schemaVersion": 2,
                                   "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                   "config": config, "layers": [layer]}))
        manifest.update(mediaType="application/vnd.oci.image.manifest.v1+json",
                        platform={"architecture": arch, "os": os_})
        entries.append(manifest)
        digests[p] = manifest["digest"]
    index = dict(put(json.dumps({"schemaVersion": 2,
                                 "mediaType": "application/vnd.oci.image.index.v1+json",
                                 "manifests": entries})),
                 mediaType="application/vnd.oci.image.index.v1+json",
                 annotations={"org.opencontainers.image.ref.name": tag})
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [index]}, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    return index["digest"], digests


class Stack:
    """What the image tests run against: vouch-dev-oidc, vouchd trusting it, a Registry, and
    vouchd's trusted root in a file (self.root). Stop with kill()."""

    def __init__(self, prefix):
        import vouchtest as vt
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.oidc = vt.DevOidc()
        self.server = vt.Server(os.path.join(self.dir, "data"), ["--oidc-issuer", self.oidc.issuer])
        self.registry = Registry()
        status, raw, _ = self.server.request("GET", "/api/v1/trustedRoot")
        if status != 200:
            self.kill()
            raise RuntimeError("GET /api/v1/trustedRoot: %d" % status)
        self.root = os.path.join(self.dir, "trusted_root.json")
        with open(self.root, "wb") as f:
            f.write(raw)

    def kill(self):
        for p in (self.registry, self.server, self.oidc):
            p.kill()


def key_pair(directory, name):
    """A new ECDSA P-256 key: (private key PKCS#8 PEM path, public key PEM path)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    key = ec.generate_private_key(ec.SECP256R1())
    priv, pub = os.path.join(directory, name + ".key"), os.path.join(directory, name + ".pub")
    with open(priv, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(pub, "wb") as f:
        f.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                              serialization.PublicFormat.SubjectPublicKeyInfo))
    return priv, pub
