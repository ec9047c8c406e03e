# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""Helpers for Vouch's cross-process tests (Python standard library + python3-cryptography).

Contains an INDEPENDENT implementation of RFC 6962/9162 proof verification, C2SP signed-note
checkpoint verification and Rekor SET verification, written from the RFCs (not from our C++), so
the tests check vouchd from outside. Servers are started on 127.0.0.1 with port 0 and stopped by
process id.
"""

import base64
import hashlib
import http.client
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
import xml.sax.saxutils

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def runfile(path):
    """Absolute path of a Bazel runfile like 'tools/vouchd'."""
    base = os.environ.get("TEST_SRCDIR")
    if base:
        p = os.path.join(base, os.environ.get("TEST_WORKSPACE", "vouch"), path)
        if os.path.exists(p):
            return p
    return os.path.join(os.environ.get("VOUCH_ROOT", os.getcwd()), "bazel-bin", path)


# ---------------------------------------------------------------- RFC 6962 / 9162, written anew

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 6962 section 2.1 Merkle Tree Hash over leaf data (reference, O(n))."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        raise ValueError("index %d >= size %d" % (index, size))
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    if r != root:
        raise ValueError("inclusion proof computes %s, want %s" % (r.hex(), root.hex()))


def verify_consistency(size1, size2, proof, root1, root2):
    """RFC 9162 section 2.1.4.2."""
    if size1 > size2:
        raise ValueError("size1 > size2")
    if size1 == size2:
        if proof or root1 != root2:
            raise ValueError("bad proof for equal sizes")
        return
    if size1 == 0:
        if proof:
            raise ValueError("non-empty proof from size 0")
        return
    if not proof:
        raise ValueError("empty proof")
    if size1 & (size1 - 1) == 0:  # power of two
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    if fr != root1 or sr != root2:
        raise ValueError("consistency proof does not match the roots")


# ---------------------------------------------------------------- signatures

def load_public_key(pem: bytes):
    return serialization.load_pem_public_key(pem)


def verify_sig(key, sig: bytes, msg: bytes):
    if isinstance(key, ed25519.Ed25519PublicKey):
        key.verify(sig, msg)
    else:
        key.verify(sig, msg, ec.ECDSA(hashes.SHA256()))


def log_id(key) -> bytes:
    der = key.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).digest()


def verify_checkpoint(note: str, key, name=None):
    """C2SP signed-note: body, blank line, '— name base64(keyhint || sig)'. Returns
    (origin, size, root). The key hint must be the first 4 bytes of the log id (Rekor); the
    signer name, when given, must match and contain no whitespace (sigstore-js)."""
    body, sep, sigs = note.partition("\n\n")
    if not sep:
        raise ValueError("no blank line in note")
    body += "\n"
    lines = body.split("\n")
    origin, size, root = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    hint = log_id(key)[:4]
    for line in sigs.strip("\n").split("\n"):
        if not line.startswith("\u2014 "):
            raise ValueError("bad signature line %r" % line)
        sig_name, _, b64 = line[2:].rpartition(" ")
        raw = base64.b64decode(b64, validate=True)
        if (name is None or sig_name == name) and raw[:4] == hint and " " not in sig_name:
            verify_sig(key, raw[4:], body.encode())
            return origin, size, root
    raise ValueError("no signature by this key")


def set_payload(body_b64, integrated_time, log_id_hex, log_index):
    """The Rekor SET payload: RFC 8785 canonical JSON of four fields (sorted keys)."""
    return json.dumps({"body": body_b64, "integratedTime": integrated_time, "logID": log_id_hex,
                       "logIndex": log_index}, sort_keys=True, separators=(",", ":")).encode()


def check_log_entry(uuid, entry, key):
    """Verifies a Rekor v1 LogEntry (inclusion proof, checkpoint, SET) independently."""
    body = base64.b64decode(entry["body"])
    assert leaf_hash(body).hex() == uuid[-64:], "uuid is not the leaf hash"
    assert entry["logID"] == log_id(key).hex(), "logID is not SHA-256 of the log key"
    proof = entry["verification"]["inclusionProof"]
    root = bytes.fromhex(proof["rootHash"])
    verify_inclusion(proof["logIndex"], proof["treeSize"], leaf_hash(body),
                     [bytes.fromhex(h) for h in proof["hashes"]], root)
    _, size, cp_root = verify_checkpoint(proof["checkpoint"], key)
    assert size == proof["treeSize"] and cp_root == root, "checkpoint does not match the proof"
    verify_sig(key, base64.b64decode(entry["verification"]["signedEntryTimestamp"]),
               set_payload(entry["body"], entry["integratedTime"], entry["logID"],
                           entry["logIndex"]))


def hashedrekord(priv, artifact: bytes):
    """A hashedrekord 0.0.1 proposed entry signed by |priv| (ECDSA P-256)."""
    digest = hashlib.sha256(artifact).hexdigest()
    sig = priv.sign(artifact, ec.ECDSA(hashes.SHA256()))
    pem = priv.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "signature": {"content": base64.b64encode(sig).decode(),
                      "publicKey": {"content": base64.b64encode(pem).decode()}},
        "data": {"hash": {"algorithm": "sha256", "value": digest}}}}


# ---------------------------------------------------------------- processes

class DevOidc:
    """A vouch-dev-oidc process on 127.0.0.1 with a free port; stopped by pid."""

    def __init__(self):
        d = tempfile.mkdtemp()
        self.ready = os.path.join(d, "oidc.json")
        self.log = open(os.path.join(d, "oidc.log"), "w")
        self.proc = subprocess.Popen(
            [runfile("tools/dev_oidc/vouch-dev-oidc"), "--addr", "127.0.0.1:0", "--ready-file",
             self.ready], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None or time.time() > deadline:
                self.kill()
                raise RuntimeError("vouch-dev-oidc did not start")
            time.sleep(0.02)
        with open(self.ready) as f:
            self.issuer = json.load(f)["issuer"]

    def token(self, email="builder@example.com", **params):
        import urllib.parse
        import urllib.request
        q = urllib.parse.urlencode(dict(email=email, format="raw", **params))
        with urllib.request.urlopen(self.issuer + "/token?" + q) as r:
            return r.read().decode().strip()

    def token_for(self, **body):
        """A token minted with POST /token: any JSON strings (NUL, newlines, non-ASCII) as
        claims, e.g. token_for(email="a@b@c")."""
        import urllib.request
        req = urllib.request.Request(self.issuer + "/token?format=raw",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as r:
            return r.read().decode().strip()

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()


class Server:
    """A vouchd process on 127.0.0.1 with free ports; stopped by pid."""

    def __init__(self, data_dir, extra=(), env=None):
        """|env|: variables added to this process's environment for vouchd."""
        self.data_dir = data_dir
        self.ready = os.path.join(tempfile.mkdtemp(), "ready.json")
        self.log = open(os.path.join(os.path.dirname(self.ready), "vouchd.log"), "w")
        self.proc = subprocess.Popen(
            [runfile("tools/vouchd"), "--data-dir", data_dir, "--http-addr", "127.0.0.1:0",
             "--grpc-addr", "127.0.0.1:0", "--ready-file", self.ready, *extra],
            stdout=self.log, stderr=subprocess.STDOUT,
            env=dict(os.environ, **env) if env else None)
        deadline = time.time() + 30
        while not os.path.exists(self.ready):
            if self.proc.poll() is not None:
                raise RuntimeError("vouchd exited %d: %s" % (self.proc.returncode, self.output()))
            if time.time() > deadline:
                self.kill()
                raise RuntimeError("vouchd did not become ready")
            time.sleep(0.02)
        with open(self.ready) as f:
            info = json.load(f)
        self.http = info["http"]
        self.grpc = info["grpc"]
        self.admission = info.get("admission", "")

    def output(self):
        with open(self.log.name) as f:
            return f.read()

    def conn(self):
        host, port = self.http.rsplit(":", 1)
        return http.client.HTTPConnection(host, int(port), timeout=30)

    def request(self, method, path, body=None, conn=None):
        c = conn or self.conn()
        data = json.dumps(body) if isinstance(body, (dict, list)) else body
        c.request(method, path, body=data, headers={"Content-Type": "application/json"})
        r = c.getresponse()
        raw = r.read()
        if conn is None:
            c.close()
        return r.status, raw, r

    def entry_at(self, index, conn=None):
        """(uuid, Rekor v1 entry) at log index |index|; AssertionError unless 200."""
        status, raw, _ = self.request("GET", "/api/v1/log/entries?logIndex=%d" % index, conn=conn)
        if status != 200:
            raise AssertionError("GET entry %d: %d %r" % (index, status, raw))
        (uuid, entry), = json.loads(raw).items()
        return uuid, entry

    def public_key(self):
        status, raw, _ = self.request("GET", "/api/v1/log/publicKey")
        assert status == 200
        return load_public_key(raw)

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)
        self.proc.wait(timeout=30)
        self.log.close()
        return self.proc.returncode

    def stop(self):
        return self.kill(signal.SIGTERM)


def main():
    """unittest main that also writes a JUnit XML for tools/test's counts."""
    import sys
    loader = unittest.TestLoader()
    suite = loader.loadTestsFromModule(sys.modules["__main__"])
    cases = []

    def walk(s):
        for t in s:
            if isinstance(t, unittest.TestSuite):
                walk(t)
            else:
                cases.append(t.id())
    walk(suite)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        failed = {t.id(): m for t, m in result.failures + result.errors}
        skipped = {t.id(): m for t, m in result.skipped}
        with open(xml_path, "w") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n<testsuite name="%s">\n'
                    % os.path.basename(sys.argv[0]))
            for c in cases:
                f.write('<testcase name="%s">' % xml.sax.saxutils.escape(c))
                if c in failed:
                    f.write('<failure message="failed">%s</failure>'
                            % xml.sax.saxutils.escape(failed[c]))
                elif c in skipped:
                    f.write('<skipped message="%s"/>' % xml.sax.saxutils.escape(skipped[c]))
                f.write("</testcase>\n")
            f.write("</testsuite>\n</testsuites>\n")
    sys.exit(0 if result.wasSuccessful() else 1)
