#!/usr/bin/env python3
"""Builds the seed inputs of every fuzz target from Vouch's test data and ../shared.

Usage: fuzz/seeds.py OUT_DIR   (writes OUT_DIR/TARGET/<sha1 of the input>)

Sources: the sigstore-conformance bundles and trusted roots, the npm provenance bundles,
log/entry/testdata (real Rekor entries), server/testdata/admission (AdmissionReviews),
policy/examples, the public-good TUF root, and inputs made here with openssl(1) (keys,
certificates, CSRs, RFC 3161 requests) or by hand (HTTP requests, OCI manifests, JWT claims,
Rekor v2 requests). tools/fuzz --seed merges these into fuzz/corpus/TARGET (minimised); the
checked-in corpora are that result after the fuzzing runs of docs/fuzzing.md.
"""
import base64
import glob
import hashlib
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("VOUCH_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
SEP = b"\n====\n"
out_dir = sys.argv[1]


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out_dir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


bundles = sorted(glob.glob(f"{SHARED}/conformance/assets/bundle-verify/*/bundle.sigstore.json"))
bundles += sorted(glob.glob(f"{SHARED}/interop/npm-provenance/*/*.sigstore.json"))
roots = sorted(glob.glob(f"{SHARED}/conformance/assets/bundle-verify/*/trusted_root.json"))
roots += sorted(glob.glob(f"{SHARED}/conformance/roots/*.json"))
roots += [f"{SHARED}/interop/public-good-trusted_root.json"]

certs, notes, bodies, timestamps = [], [], [], []
for b in bundles:
    raw = read(b)
    put("bundle_fuzzer", raw)
    put("canonical_json_fuzzer", raw)
    try:
        j = json.loads(raw)
    except ValueError:
        continue
    try:
        vm = j.get("verificationMaterial", {})
        for c in vm.get("x509CertificateChain", {}).get("certificates", []):
            certs.append(base64.b64decode(c.get("rawBytes", "")))
        if "certificate" in vm:
            certs.append(base64.b64decode(vm["certificate"].get("rawBytes", "")))
        for t in vm.get("tlogEntries", []):
            if "canonicalizedBody" in t:
                bodies.append(base64.b64decode(t["canonicalizedBody"]))
            env = ((t.get("inclusionProof") or {}).get("checkpoint") or {}).get("envelope")
            if env:
                notes.append(env.encode())
        for ts in (vm.get("timestampVerificationData") or {}).get("rfc3161Timestamps", []):
            timestamps.append(base64.b64decode(ts.get("signedTimestamp", "")))
    except (AttributeError, TypeError, ValueError):
        pass  # a deliberately malformed conformance bundle: the bundle itself is still a seed

for r in roots:
    if os.path.exists(r):
        put("trust_root_fuzzer", read(r))
for c in certs[:40]:
    put("x509_fuzzer", c)
for n in notes:
    put("signed_note_fuzzer", n)
for body in bodies:
    put("entry_fuzzer", body)
    put("canonical_json_fuzzer", body)
for t in timestamps:
    put("tsa_fuzzer", b"\x02" + t)

for e in json.loads(read(f"{ROOT}/log/entry/testdata/rekor_entries.json")):
    put("entry_fuzzer", e["proposed"])
    put("canonical_json_fuzzer", e["proposed"])

put("signed_note_fuzzer", "example.com/log\n42\n" + base64.b64encode(bytes(32)).decode() + "\n")
put("signed_note_fuzzer", "example.com/log\n1\n" + base64.b64encode(bytes(range(32))).decode() +
    "\nextension line\n\n\u2014 example.com/log " + base64.b64encode(bytes(68)).decode() + "\n")

for f in sorted(glob.glob(f"{ROOT}/server/testdata/admission/*.json")):
    raw = read(f).replace(b"IMAGE_MAIN", b"registry.example.com/app/web:1.0")
    raw = raw.replace(b"IMAGE_SIDECAR", b"registry.example.com/app/sidecar@sha256:" + b"ab" * 32)
    raw = raw.replace(b"IMAGE_INIT", b"docker.io/library/busybox")
    put("admission_fuzzer", raw)

for f in sorted(glob.glob(f"{ROOT}/policy/examples/*.yaml")):
    put("policy_fuzzer", read(f))
put("policy_fuzzer", json.dumps({
    "apiVersion": "policy.vouch.dev/v1", "kind": "ImagePolicy", "metadata": {"name": "j"},
    "spec": {"mode": "warn", "images": [{"glob": "ghcr.io/org/*"}],
             "authorities": [{"name": "k", "key": {"data": "-----BEGIN PUBLIC KEY-----\n"}}],
             "attestations": [{"name": "slsa", "predicateType": "https://slsa.dev/provenance/v1",
                               "conditions": [{"path": "$.predicate.buildType",
                                               "equals": "x"}]}]}}))

tuf_root = f"{SHARED}/interop/public-good-tuf-root.json"
if os.path.exists(tuf_root):
    put("tuf_fuzzer", read(tuf_root))
    put("canonical_json_fuzzer", read(tuf_root))
for role, extra in [
    ("timestamp", {"meta": {"snapshot.json": {"version": 3, "length": 10,
                                              "hashes": {"sha256": "ab" * 32}}}}),
    ("snapshot", {"meta": {"targets.json": {"version": 2}}}),
    ("targets", {"targets": {"trusted_root.json": {"length": 5, "hashes": {"sha256": "cd" * 32},
                                                   "custom": {"sigstore": {"usage": "Unknown"}}}}}),
]:
    signed = {"_type": role, "spec_version": "1.0.31", "version": 2,
              "expires": "2030-01-01T00:00:00Z"}
    signed.update(extra)
    put("tuf_fuzzer", json.dumps({"signatures": [{"keyid": "ab" * 32, "sig": "00"}],
                                  "signed": signed}))

# Rekor v2 requests and JCS corner cases.
put("entry_fuzzer", json.dumps({"hashedRekordRequestV002": {
    "digest": base64.b64encode(bytes(32)).decode(),
    "signature": {"content": base64.b64encode(bytes(70)).decode(),
                  "verifier": {"publicKey": {"rawBytes": base64.b64encode(bytes(91)).decode()},
                               "keyDetails": "PKIX_ECDSA_P256_SHA_256"}}}}))
put("entry_fuzzer", json.dumps({"dsseRequestV002": {
    "envelope": {"payload": base64.b64encode(b'{"_type":"https://in-toto.io/Statement/v1"}').decode(),
                 "payloadType": "application/vnd.in-toto+json",
                 "signatures": [{"sig": base64.b64encode(bytes(64)).decode(), "keyid": ""}]},
    "verifiers": [{"publicKey": {"rawBytes": base64.b64encode(bytes(44)).decode()},
                   "keyDetails": "PKIX_ED25519"}]}}))
for j in ['{"b":[1e21,1e-7,0.000001,-0,123.456e2,5e-324,1.7976931348623157e308]}',
          '{"\\u20ac":1,"\\ud83d\\ude00":2,"a\\u0000":"\\u001f\\u007f\\u2028"}',
          '[[[[[[]]]]],{},"",true,false,null,9007199254740993,-9223372036854775808]']:
    put("canonical_json_fuzzer", j)

# OCI documents.
desc = {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
        "digest": "sha256:" + "a" * 64, "size": 1234,
        "annotations": {"dev.sigstore.cosign/bundle": "{}"}}
put("oci_fuzzer", json.dumps({"schemaVersion": 2,
                              "mediaType": "application/vnd.oci.image.manifest.v1+json",
                              "config": dict(desc, mediaType="application/vnd.oci.image.config.v1+json"),
                              "layers": [desc], "subject": desc, "artifactType": "x/y"}))
put("oci_fuzzer", json.dumps({"schemaVersion": 2,
                              "mediaType": "application/vnd.oci.image.index.v1+json",
                              "manifests": [dict(desc, platform={"architecture": "amd64",
                                                                 "os": "linux", "variant": "v8"})]}))
put("oci_fuzzer", json.dumps({"schemaVersion": 2,
                              "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
                              "manifests": [desc]}))
put("oci_fuzzer", json.dumps({"critical": {"identity": {"docker-reference": "ghcr.io/a/b"},
                                           "image": {"docker-manifest-digest": "sha256:" + "b" * 64},
                                           "type": "cosign container image signature"},
                              "optional": {"creator": "vouch"}}))
put("oci_fuzzer", "ghcr.io/org/app:v1.2@sha256:" + "c" * 64)

# HTTP requests (raw bytes).
reqs = [
    b"GET /inline/a?x=1&y=%20 HTTP/1.1\r\nHost: h\r\n\r\n",
    b"POST /worker/a/b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /inline/z HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
    b"GET /worker/ HTTP/1.1\r\nHost: h\r\n\r\nGET /inline/b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
    b"PUT /worker/x HTTP/1.0\r\nContent-Length: 0\r\n\r\n",
    b"POST /worker/x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"POST /inline/q HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"GET /nope HTTP/2.0\r\nHost: h\r\n\r\n",
    b"DELETE /inline/a HTTP/1.1\r\nHost: h\r\n X-folded: 1\r\n\r\n",
]
for r in reqs:
    put("http_fuzzer", r)

# JWT: claims documents (mode 1) for every identity type, a token (mode 0), a JWKS (mode 2) and
# an issuers configuration (mode 3).
now = 1700000000
for iss, extra in [
    ("email", {"email": "dev@example.com", "email_verified": True}),
    ("uri", {"sub": "https://example.com/users/1"}),
    ("username", {"sub": "alice"}),
    ("github", {"sub": "repo:o/r:ref:refs/heads/main", "job_workflow_ref": "o/r/.github/workflows/w.yml@refs/heads/main",
                "repository": "o/r", "repository_id": "1", "repository_owner": "o", "repository_owner_id": "2",
                "workflow_ref": "o/r/.github/workflows/w.yml@refs/heads/main", "sha": "ab" * 20,
                "event_name": "push", "ref": "refs/heads/main", "run_id": "3", "run_attempt": "1",
                "runner_environment": "github-hosted", "repository_visibility": "public"}),
    ("gitlab", {"sub": "project_path:g/p:ref_type:branch:ref:main", "ci_config_ref_uri": "gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main",
                "project_path": "g/p", "namespace_path": "g", "pipeline_id": "4", "ref": "main", "ref_type": "branch"}),
    ("spiffe", {"sub": "spiffe://example.org/ns/a/sa/b"}),
    ("kubernetes", {"sub": "system:serviceaccount:ns:sa", "kubernetes.io": {"namespace": "ns", "serviceaccount": {"name": "sa"}}}),
]:
    claims = {"iss": f"https://{iss}.example", "aud": "sigstore", "sub": "s", "iat": now - 10,
              "nbf": now - 10, "exp": now + 600}
    claims.update(extra)
    put("jwt_fuzzer", b"\x01" + json.dumps(claims).encode())


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=")


tok = b".".join([b64u(b'{"alg":"ES256","kid":"k1","typ":"JWT"}'),
                 b64u(json.dumps({"iss": "https://email.example", "aud": "sigstore"}).encode()),
                 b64u(bytes(64))])
put("jwt_fuzzer", b"\x00" + tok)
jwks = json.dumps({"keys": [
    {"kty": "EC", "crv": "P-256", "kid": "k1", "x": b64u(bytes(32)).decode(), "y": b64u(bytes(32)).decode()},
    {"kty": "RSA", "kid": "r", "n": b64u(b"\xc1" * 256).decode(), "e": "AQAB", "alg": "RS256"},
    {"kty": "OKP", "crv": "Ed25519", "kid": "e", "x": b64u(bytes(32)).decode()}]}).encode()
put("jwt_fuzzer", b"\x02" + jwks + SEP + tok)
put("jwt_fuzzer", b"\x03" + json.dumps({"issuers": [
    {"issuer_url": "https://a.example", "type": "email", "jwks": json.loads(jwks)},
    {"wildcard_issuer_url": "https://b.example/*", "type": "uri", "subject_domain": "https://b.example",
     "jwks_uri": "https://b.example/jwks"},
    {"issuer_url": "https://c.example", "type": "spiffe", "spiffe_trust_domain": "c.example",
     "challenge_claim": "sub"}]}).encode())

# Keys, certificates, CSRs and RFC 3161 requests from openssl(1).
tmp = tempfile.mkdtemp()


def ossl(*args, inp=None):
    return subprocess.run(["openssl", *args], input=inp, capture_output=True, check=True).stdout


for name, gen in [("p256", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]),
                  ("p384", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"]),
                  ("p521", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]),
                  ("ed25519", ["-algorithm", "ED25519"]),
                  ("rsa", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"])]:
    key = f"{tmp}/{name}.pem"
    ossl("genpkey", *gen, "-out", key)
    pub_pem = ossl("pkey", "-in", key, "-pubout")
    pub_der = ossl("pkey", "-in", key, "-pubout", "-outform", "DER")
    for t in ("der_fuzzer", "x509_fuzzer"):
        put(t, pub_der)
    put("x509_fuzzer", pub_pem)
    put("der_fuzzer", pub_der)
    csr = ossl("req", "-new", "-key", key, "-subj", "/CN=fuzz", "-addext",
               "subjectAltName=email:a@example.com")
    put("x509_fuzzer", csr)
    put("x509_fuzzer", ossl("req", "-in", "/dev/stdin", "-outform", "DER", inp=csr))
    cert = ossl("req", "-x509", "-key", key, "-subj", "/O=v/CN=fuzz", "-days", "1", "-addext",
                "subjectAltName=URI:https://github.com/o/r/.github/workflows/w.yml@refs/heads/main",
                "-addext", "1.3.6.1.4.1.57264.1.1=ASN1:UTF8String:https://issuer.example",
                "-addext", "extendedKeyUsage=codeSigning")
    put("x509_fuzzer", cert)
    put("x509_fuzzer", ossl("x509", "-in", "/dev/stdin", "-outform", "DER", inp=cert))
open(f"{tmp}/data", "w").write("data")
for h in ("sha256", "sha384", "sha512"):
    put("tsa_fuzzer", b"\x00" + ossl("ts", "-query", "-data", f"{tmp}/data", f"-{h}", "-cert"))
put("tsa_fuzzer", b"\x00" + ossl("ts", "-query", "-data", f"{tmp}/data", "-sha256", "-no_nonce",
                                 "-tspolicy", "1.3.6.1.4.1.57264.2"))
put("tsa_fuzzer", b"\x01" + json.dumps({"artifactHash": base64.b64encode(bytes(32)).decode(),
                                        "hashAlgorithm": "sha256", "nonce": 12345,
                                        "certificates": True}).encode())

# Merkle: a few shapes (real tree / arbitrary).
for b in [b"\x00\x07\x01\x02\x03\x04\x05\x06\x07\x05\x03\x00\x06\x04\x01",
          b"\x00\x40" + bytes(range(64)) + b"\x20\x11\x02\x03\x21\x09\x02\x01",
          b"\x01" + (2**40).to_bytes(8, "big") + (2**41 + 3).to_bytes(8, "big") + bytes(97) + b"\x05" + bytes(160)]:
    put("merkle_fuzzer", b)
# Witness add-checkpoint requests: raw (mode 0) with a real-looking checkpoint note, signed
# checkpoint bodies from the input (mode 1) and real trees with one changed byte (mode 2).
h = base64.b64encode(bytes(range(32))).decode()
note = ("fuzz.log - 0011223344556677\n5\n" + h + "\n\n"
        "\u2014 fuzz.log " + base64.b64encode(bytes(4) + bytes(64)).decode() + "\n")
for b in [b"\x00old 0\n\n" + note.encode(),
          b"\x00old 3\n" + (h + "\n").encode() * 2 + b"\n" + note.encode(),
          b"\x00old -1\n\n" + note.encode(), b"\x00old 99999999999999999999\n\n",
          b"\x01old 0\n\n\x01" + bytes(7) + b"\x05" + bytes(range(32)) + b"\x00",
          b"\x01old 2\n" + (h + "\n").encode() + b"\n\x01" + bytes(7) + b"\x07" + bytes(33),
          b"\x01old 0\n\n\x00other.log\n" + bytes(8) + bytes(33),
          b"\x02\x07\x03\x02" + bytes(7) + b"\x09\x41",
          b"\x02\x3f\x10\x20" + bytes(7) + b"\x30\x30",
          b"\x02\x00\x00\x00" + bytes(8) + b"\x00"]:
    put("witness_fuzzer", b)
print("seeds written to", out_dir)
