// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The sigstore-js side of tools/bench/image_bench.py: the same work as `vouch sign-image` and
// `vouch verify-image`, one process per call (so node's start-up counts, as vouch's does).
//
//   node image_bench.mjs sign CONFIG.json    keyless DSSE statement of cosign's sign predicate
//                                            about the image (FulcioSigner, RekorWitness dsse,
//                                            TSAWitness: vouchd), attached with @sigstore/oci
//   node image_bench.mjs verify CONFIG.json  referrers tag schema lookup (fetch), each bundle's
//                                            manifest and blob, @sigstore/verify of each
// CONFIG: {vouchd, oidc, registry, repo, digest, username, password, trustedRoot, identity,
//          issuer}. Prints {"ok", "verified", "requests"} (registry requests made by verify).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } = require('@sigstore/sign');
const { Verifier, toTrustMaterial, toSignedEntity } = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');
const { attachArtifactToImage } = require('@sigstore/oci');

const [mode, configPath] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const SIGN = 'https://sigstore.dev/cosign/sign/v1';
const hex = c.digest.replace(/^sha256:/, '');

if (mode === 'sign') {
  const token = async () => (await (await fetch(`${c.oidc}/token?email=${encodeURIComponent(c.identity)}&format=raw`)).text()).trim();
  const signer = new FulcioSigner({ fulcioBaseURL: c.vouchd, identityProvider: { getToken: token } });
  const witnesses = [new RekorWitness({ rekorBaseURL: c.vouchd, entryType: 'dsse' }), new TSAWitness({ tsaBaseURL: c.vouchd })];
  const statement = Buffer.from(JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: hex } }], predicateType: SIGN, predicate: {},
  }));
  const bundle = await new DSSEBundleBuilder({ signer, witnesses }).create({ data: statement, type: 'application/vnd.in-toto+json' });
  await attachArtifactToImage({
    imageName: `${c.registry}/${c.repo}`, imageDigest: c.digest, mediaType: BUNDLE_TYPE,
    artifact: Buffer.from(JSON.stringify(bundleToJSON(bundle))),
    annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': SIGN },
    credentials: { username: c.username, password: c.password },
  });
  console.log(JSON.stringify({ ok: true }));
} else {
  let requests = 0;
  const base = `http://${c.registry}/v2/${c.repo}`;
  const auth = { Authorization: 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  const get = async (url, accept) => {
    requests++;
    const res = await fetch(url, { headers: { ...auth, ...(accept ? { Accept: accept } : {}) } });
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const sha256 = (b) => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(c.trustedRoot, 'utf8')))),
    { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 });
  const policy = { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
  const index = JSON.parse((await get(`${base}/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json')).toString());
  let verified = 0;
  for (const entry of index.manifests) {
    if (entry.artifactType !== BUNDLE_TYPE) continue;
    const mbytes = await get(`${base}/manifests/${entry.digest}`, 'application/vnd.oci.image.manifest.v1+json');
    if (sha256(mbytes) !== entry.digest) throw new Error('manifest digest');
    const m = JSON.parse(mbytes.toString());
    if (m.subject.digest !== c.digest) throw new Error('subject');
    const blob = await get(`${base}/blobs/${m.layers[0].digest}`);
    if (sha256(blob) !== m.layers[0].digest) throw new Error('blob digest');
    const json = JSON.parse(blob.toString());
    verifier.verify(toSignedEntity(bundleFromJSON(json)), policy);
    const st = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString());
    if (st.predicateType !== SIGN || st.subject[0].digest.sha256 !== hex) throw new Error('statement');
    verified++;
  }
  console.log(JSON.stringify({ ok: verified > 0, verified, requests }));
}
