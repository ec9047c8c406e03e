# Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
"""vouchd's certificate transparency log, checked from outside against a real vouchd +
vouch-dev-oidc: the RFC 6962 API (/ct/v1/) with an independent Python implementation of its TLS
structures and signatures (written from RFC 6962, not from our C++), the SCT of every certificate
the CA issues (verified with python-cryptography's own precertificate TBS), and the tamper cases
that `vouch verify-blob` and sigstore-js (@sigstore/verify at its default thresholds) must both
refuse: a certificate without an SCT, an SCT over another certificate, an SCT from a log the
trusted root does not list. The forged certificates are signed with the CA's own key (from the
data directory): only the SCT check can catch them."""

import base64
import datetime
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.certificate_transparency import LogEntryType
from cryptography.x509.oid import NameOID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vouchtest as vt  # noqa: E402
from sigstore_js_log_test import sigstore_js_dir  # noqa: E402

EMAIL = "ct@example.com"
SCT_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def b64(b):
    return base64.b64encode(b).decode()


def ub64(s):
    return base64.b64decode(s, validate=True)


# ---------------------------------------------------------------- RFC 6962, written anew

def u24(n):
    return struct.pack(">I", n)[1:]


def digitally_signed(raw):
    """(hash_alg, sig_alg, signature) of a TLS DigitallySigned; the whole input must be used."""
    h, s, n = struct.unpack(">BBH", raw[:4])
    assert len(raw) == 4 + n, "DigitallySigned length"
    return h, s, raw[4:]


def verify_ds(key, raw, data):
    h, s, sig = digitally_signed(raw)
    assert (h, s) == (4, 3), "want sha256/ecdsa, got %d/%d" % (h, s)
    key.verify(sig, data, ec.ECDSA(hashes.SHA256()))


def parse_leaf(leaf):
    """MerkleTreeLeaf -> (timestamp, entry_type, signed_entry fields)."""
    version, leaf_type, ts, entry_type = struct.unpack(">BBQH", leaf[:12])
    assert (version, leaf_type) == (0, 0)
    rest = leaf[12:]
    if entry_type == 0:
        n = int.from_bytes(rest[:3], "big")
        cert, rest = rest[3:3 + n], rest[3 + n:]
        fields = {"certificate": cert}
    else:
        assert entry_type == 1
        ikh, n = rest[:32], int.from_bytes(rest[32:35], "big")
        tbs, rest = rest[35:35 + n], rest[35 + n:]
        fields = {"issuer_key_hash": ikh, "tbs": tbs}
    n = int.from_bytes(rest[:2], "big")
    assert len(rest) == 2 + n, "trailing bytes after extensions"
    return ts, entry_type, fields


def precert_signed_data(ts, issuer_key_hash, tbs, ext=b""):
    return (b"\x00\x00" + struct.pack(">QH", ts, 1) + issuer_key_hash + u24(len(tbs)) + tbs +
            struct.pack(">H", len(ext)) + ext)


def spki(public_key):
    return public_key.public_bytes(serialization.Encoding.DER,
                                   serialization.PublicFormat.SubjectPublicKeyInfo)


def sct_list_value(scts):
    """The SCT list extension's extnValue content: OCTET STRING(TLS list of TLS SCTs)."""
    body = b"".join(struct.pack(">H", len(s)) + s for s in scts)
    tls = struct.pack(">H", len(body)) + body
    assert len(tls) < 128
    return b"\x04" + bytes([len(tls)]) + tls


def encode_sct(log_id, ts, sig):
    return (b"\x00" + log_id + struct.pack(">Q", ts) + b"\x00\x00" + b"\x04\x03" +
            struct.pack(">H", len(sig)) + sig)


class CtE2eTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="vouch-ct-e2e-")
        cls.data = os.path.join(cls.dir, "data")
        cls.oidc = vt.DevOidc()
        cls.server = vt.Server(cls.data, ["--oidc-issuer", cls.oidc.issuer])
        cls.vouch = vt.runfile("client/cli/vouch")
        status, raw, _ = cls.server.request("GET", "/api/v1/trustedRoot")
        assert status == 200, raw
        cls.root_path = os.path.join(cls.dir, "trusted_root.json")
        with open(cls.root_path, "wb") as f:
            f.write(raw)
        cls.root = json.loads(raw)
        (ctlog,) = cls.root["ctlogs"]
        cls.ct_key = serialization.load_der_public_key(ub64(ctlog["publicKey"]["rawBytes"]))
        cls.ct_log_id = ub64(ctlog["logId"]["keyId"])
        (ca,) = cls.root["certificateAuthorities"]
        cls.ca_cert = x509.load_der_x509_certificate(
            ub64(ca["certChain"]["certificates"][0]["rawBytes"]))
        with open(os.path.join(cls.data, "ca_key.pem"), "rb") as f:
            cls.ca_key = serialization.load_pem_private_key(f.read(), None)

    @classmethod
    def tearDownClass(cls):
        for p in (getattr(cls, "server", None), getattr(cls, "oidc", None)):
            if p is not None and p.proc.poll() is None:
                p.kill()

    def get(self, path, want=200):
        status, raw, _ = self.server.request("GET", path)
        self.assertEqual(status, want, raw)
        return json.loads(raw)

    def issue(self):
        """(private key, leaf certificate) from POST /api/v2/signingCert (Fulcio v2 JSON)."""
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
        req = {"credentials": {"oidcIdentityToken": self.oidc.token(EMAIL)},
               "publicKeyRequest": {
                   "publicKey": {"algorithm": "ECDSA", "content": pem.decode()},
                   "proofOfPossession": b64(key.sign(EMAIL.encode(),
                                                     ec.ECDSA(hashes.SHA256())))}}
        status, raw, _ = self.server.request("POST", "/api/v2/signingCert", req)
        self.assertEqual(status, 201, raw)
        chain = json.loads(raw)["signedCertificateEmbeddedSct"]["chain"]["certificates"]
        return key, x509.load_pem_x509_certificate(chain[0].encode())

    def sth(self):
        sth = self.get("/ct/v1/get-sth")
        root = ub64(sth["sha256_root_hash"])
        verify_ds(self.ct_key, ub64(sth["tree_head_signature"]),
                  struct.pack(">BBQQ", 0, 1, sth["timestamp"], sth["tree_size"]) + root)
        return sth["tree_size"], root, sth["timestamp"]

    def check_sct(self, cert):
        """The embedded SCT is from the trusted CT log and verifies over python-cryptography's
        precertificate TBS; returns its timestamp."""
        (sct,) = cert.extensions.get_extension_for_class(
            x509.PrecertificateSignedCertificateTimestamps).value
        self.assertEqual(sct.log_id, self.ct_log_id)
        self.assertEqual(sct.entry_type, LogEntryType.PRE_CERTIFICATE)
        t = sct.timestamp.replace(tzinfo=datetime.timezone.utc)
        ts = int(t.timestamp()) * 1000 + t.microsecond // 1000
        ikh = hashlib.sha256(spki(self.ca_cert.public_key())).digest()
        self.ct_key.verify(sct.signature,
                           precert_signed_data(ts, ikh, cert.tbs_precertificate_bytes),
                           ec.ECDSA(hashes.SHA256()))
        return ts

    def test_rfc6962_api_from_outside(self):
        _, cert = self.issue()
        ts = self.check_sct(cert)
        size, root, sth_ts = self.sth()
        self.assertGreaterEqual(sth_ts, ts)
        # The log holds the precertificate entry the SCT was issued for, at its timestamp.
        entries = self.get("/ct/v1/get-entries?start=0&end=%d" % (size - 1))["entries"]
        leaves = [ub64(e["leaf_input"]) for e in entries]
        found = [i for i, l in enumerate(leaves)
                 if parse_leaf(l)[2].get("tbs") == cert.tbs_precertificate_bytes]
        self.assertEqual(len(found), 1)
        index = found[0]
        leaf_ts, entry_type, fields = parse_leaf(leaves[index])
        self.assertEqual((leaf_ts, entry_type), (ts, 1))
        self.assertEqual(fields["issuer_key_hash"],
                         hashlib.sha256(spki(self.ca_cert.public_key())).digest())
        # extra_data: PrecertChainEntry {precertificate, chain}: the precertificate is poisoned
        # (critical) and is the same certificate without the SCT list.
        extra = ub64(entries[index]["extra_data"])
        n = int.from_bytes(extra[:3], "big")
        pre = x509.load_der_x509_certificate(extra[3:3 + n])
        poison = pre.extensions.get_extension_for_oid(
            x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.3"))
        self.assertTrue(poison.critical)
        self.ca_cert.public_key().verify(pre.signature, pre.tbs_certificate_bytes,
                                         ec.ECDSA(hashes.SHA256()))
        self.assertEqual(pre.serial_number, cert.serial_number)
        self.assertEqual(pre.not_valid_after, cert.not_valid_after)
        self.assertEqual(spki(pre.public_key()), spki(cert.public_key()))
        self.assertEqual([(e.oid, e.critical) for e in pre.extensions if e.oid != poison.oid],
                         [(e.oid, e.critical) for e in cert.extensions if e.oid != SCT_OID])
        chain = extra[3 + n:]
        m = int.from_bytes(chain[:3], "big")
        self.assertEqual(len(chain), 3 + m)
        k = int.from_bytes(chain[3:6], "big")
        self.assertEqual(chain[6:6 + k], self.ca_cert.public_bytes(serialization.Encoding.DER))
        self.assertEqual(vt.mth(leaves), root)
        # get-proof-by-hash against the signed tree head.
        h = vt.leaf_hash(leaves[index])
        proof = self.get("/ct/v1/get-proof-by-hash?hash=%s&tree_size=%d" % (
            b64(h).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"), size))
        self.assertEqual(proof["leaf_index"], index)
        vt.verify_inclusion(index, size, h, [ub64(p) for p in proof["audit_path"]], root)

        # More certificates; the new tree head is consistent with the old one.
        for _ in range(3):
            self.check_sct(self.issue()[1])
        size2, root2, _ = self.sth()
        self.assertEqual(size2, size + 3)
        cons = self.get("/ct/v1/get-sth-consistency?first=%d&second=%d" % (size, size2))
        vt.verify_consistency(size, size2, [ub64(c) for c in cons["consistency"]], root, root2)

        # add-chain: the final certificate as an x509 entry; the SCT is over its leaf.
        status, raw, _ = self.server.request("POST", "/ct/v1/add-chain", {"chain": [
            b64(cert.public_bytes(serialization.Encoding.DER)),
            b64(self.ca_cert.public_bytes(serialization.Encoding.DER))]})
        self.assertEqual(status, 200, raw)
        sct = json.loads(raw)
        self.assertEqual(ub64(sct["id"]), self.ct_log_id)
        der = cert.public_bytes(serialization.Encoding.DER)
        leaf = (b"\x00\x00" + struct.pack(">QH", sct["timestamp"], 0) + u24(len(der)) + der +
                b"\x00\x00")
        verify_ds(self.ct_key, ub64(sct["signature"]), leaf)
        size3, _, _ = self.sth()
        (e,) = self.get("/ct/v1/get-entries?start=%d&end=%d" % (size3 - 1, size3 - 1))["entries"]
        self.assertEqual(ub64(e["leaf_input"]), leaf)
        # get-roots: the CA's root; a chain to another root is refused.
        roots = self.get("/ct/v1/get-roots")["certificates"]
        self.assertEqual([ub64(r) for r in roots],
                         [self.ca_cert.public_bytes(serialization.Encoding.DER)])
        other_key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "not the CA")])
        now = datetime.datetime.now(datetime.timezone.utc)
        other = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                 .public_key(other_key.public_key()).serial_number(7)
                 .not_valid_before(now).not_valid_after(now + datetime.timedelta(hours=1))
                 .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                 .sign(other_key, hashes.SHA256()))
        leaf_cert = (x509.CertificateBuilder().subject_name(x509.Name([]))
                     .issuer_name(name).public_key(ec.generate_private_key(
                         ec.SECP256R1()).public_key()).serial_number(8)
                     .not_valid_before(now).not_valid_after(now + datetime.timedelta(hours=1))
                     .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(EMAIL)]),
                                    critical=True)
                     .sign(other_key, hashes.SHA256()))
        status, raw, _ = self.server.request("POST", "/ct/v1/add-chain", {"chain": [
            b64(leaf_cert.public_bytes(serialization.Encoding.DER)),
            b64(other.public_bytes(serialization.Encoding.DER))]})
        self.assertEqual(status, 400, raw)
        self.assertIn("does not chain to a root this log accepts", json.loads(raw)["message"])
        self.assertEqual(self.sth()[0], size3)

    # ------------------------------------------------------------ tamper cases

    def rebuild(self, cert, sct_value=None):
        """|cert| re-signed by the CA's key with its SCT list replaced by |sct_value| (the
        extension's extnValue content), or without one."""
        b = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
             .public_key(cert.public_key()).serial_number(cert.serial_number)
             .not_valid_before(cert.not_valid_before).not_valid_after(cert.not_valid_after))
        for ext in cert.extensions:
            if ext.oid != SCT_OID:
                b = b.add_extension(ext.value, ext.critical)
        if sct_value is not None:
            b = b.add_extension(x509.UnrecognizedExtension(SCT_OID, sct_value), False)
        return b.sign(self.ca_key, hashes.SHA256())

    def bundle(self, name, key, cert):
        """Signs a fresh blob with |key|, logs it as a hashedrekord with |cert| and writes the
        v0.3 bundle; returns (bundle path, blob path)."""
        blob = ("%s %s" % (name, os.urandom(8).hex())).encode()
        sig = key.sign(blob, ec.ECDSA(hashes.SHA256()))
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        proposed = {"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
            "signature": {"content": b64(sig), "publicKey": {"content": b64(cert_pem)}},
            "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(blob).hexdigest()}}}}
        status, raw, _ = self.server.request("POST", "/api/v1/log/entries", proposed)
        self.assertEqual(status, 201, raw)
        ((uuid, e),) = json.loads(raw).items()
        p = e["verification"]["inclusionProof"]
        bundle = {
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
                "tlogEntries": [{
                    "logIndex": str(e["logIndex"]),
                    "logId": {"keyId": b64(bytes.fromhex(e["logID"]))},
                    "kindVersion": {"kind": "hashedrekord", "version": "0.0.1"},
                    "integratedTime": str(e["integratedTime"]),
                    "inclusionPromise": {
                        "signedEntryTimestamp": e["verification"]["signedEntryTimestamp"]},
                    "inclusionProof": {
                        "logIndex": str(p["logIndex"]), "treeSize": str(p["treeSize"]),
                        "rootHash": b64(bytes.fromhex(p["rootHash"])),
                        "hashes": [b64(bytes.fromhex(h)) for h in p["hashes"]],
                        "checkpoint": {"envelope": p["checkpoint"]}},
                    "canonicalizedBody": e["body"]}]},
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256",
                                  "digest": b64(hashlib.sha256(blob).digest())},
                "signature": b64(sig)}}
        path = os.path.join(self.dir, name + ".sigstore.json")
        with open(path, "w") as f:
            json.dump(bundle, f)
        blob_path = os.path.join(self.dir, name + ".txt")
        with open(blob_path, "wb") as f:
            f.write(blob)
        return path, blob_path

    def vouch_verify(self, bundle, blob, *extra):
        return subprocess.run(
            [self.vouch, "verify-blob", "--bundle", bundle, "--trusted-root", self.root_path,
             "--certificate-identity", EMAIL, "--certificate-oidc-issuer", self.oidc.issuer,
             "--output", "json", *extra, blob], capture_output=True, text=True, timeout=60)

    def test_sct_tampering_is_refused_by_vouch_and_sigstore_js(self):
        key_a, cert_a = self.issue()
        _, cert_b = self.issue()
        cases = {}
        cases["genuine"] = self.bundle("genuine", key_a, cert_a)
        # No SCT at all.
        cases["no SCT"] = self.bundle("no-sct", key_a, self.rebuild(cert_a))
        # B's SCT in A's certificate: an SCT over another certificate.
        b_value = cert_b.extensions.get_extension_for_oid(SCT_OID).value.public_bytes()
        cases["SCT over another certificate"] = self.bundle(
            "other-cert", key_a, self.rebuild(cert_a, b_value))
        # A correct SCT over A's precertificate, from a log the trusted root does not list.
        rogue = ec.generate_private_key(ec.SECP256R1())
        rogue_id = hashlib.sha256(spki(rogue.public_key())).digest()
        tbs = self.rebuild(cert_a).tbs_certificate_bytes
        ts = int(datetime.datetime.now(datetime.timezone.utc).timestamp() * 1000)
        ikh = hashlib.sha256(spki(self.ca_cert.public_key())).digest()
        sig = rogue.sign(precert_signed_data(ts, ikh, tbs), ec.ECDSA(hashes.SHA256()))
        forged = self.rebuild(cert_a, sct_list_value([encode_sct(rogue_id, ts, sig)]))
        self.assertEqual(forged.tbs_precertificate_bytes, tbs)
        rogue.public_key().verify(sig, precert_signed_data(ts, ikh, forged.tbs_precertificate_bytes),
                                  ec.ECDSA(hashes.SHA256()))
        cases["SCT from an unknown log"] = self.bundle("unknown-log", key_a, forged)

        for name, (bundle, blob) in cases.items():
            r = self.vouch_verify(bundle, blob)
            out = json.loads(r.stdout)
            if name == "genuine":
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                continue
            self.assertEqual(r.returncode, 1, name + ": " + r.stdout + r.stderr)
            self.assertEqual(out["step"], "SCT", name + ": " + r.stdout)
            # Every check before it passed: the forgery is caught by the SCT alone.
            self.assertTrue(all(s["ok"] for s in out["steps"][:-1]), r.stdout)
        self.assertIn("no embedded SCT", json.loads(
            self.vouch_verify(*cases["no SCT"]).stdout)["error"])
        self.assertIn("no SCT is from a CT log in the trusted root", json.loads(
            self.vouch_verify(*cases["SCT from an unknown log"]).stdout)["error"])
        self.assertIn("SCT signature does not verify", json.loads(
            self.vouch_verify(*cases["SCT over another certificate"]).stdout)["error"])
        # cosign's escape hatch skips exactly that check.
        r = self.vouch_verify(*cases["no SCT"], "--insecure-ignore-sct")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        js = sigstore_js_dir()
        if js is None:
            if os.environ.get("CI") == "true":
                self.fail("sigstore-js is not installed (tools/setup installs it)")
            self.skipTest("sigstore-js not installed: run tools/setup and tools/test")
        js_cases = [{"case": name, "bundle": bundle, "artifact": blob, "identity": EMAIL,
                     "issuer": self.oidc.issuer,
                     "expect": "ok" if name == "genuine" else "reject"}
                    for name, (bundle, blob) in cases.items()]
        path = os.path.join(self.dir, "js_cases.json")
        with open(path, "w") as f:
            json.dump(js_cases, f)
        out = subprocess.run(["node", os.path.join(js, "verify_vouch_bundles.mjs"),
                              self.root_path, path], capture_output=True, text=True, timeout=120,
                             cwd=js)
        results = {r["case"]: r for r in (json.loads(l) for l in out.stdout.splitlines()
                                          if l.startswith("{"))}
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(set(results), set(cases))
        self.assertTrue(results["genuine"]["verified"], out.stdout)
        self.assertIn("expected 1 SCTs, got 0", results["no SCT"]["error"])
        for name in ("SCT over another certificate", "SCT from an unknown log"):
            self.assertIn("SCT verification failed", results[name]["error"], out.stdout)


if __name__ == "__main__":
    vt.main()
