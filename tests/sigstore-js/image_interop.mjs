// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Container image interop between sigstore-js and `vouch` (tests/e2e/sigstore_js_image_test.py),
// against a real docker-registry (basic auth) and vouchd:
//
//   node image_interop.mjs attach CONFIG.json
//     sigstore-js signs and attaches bundles to the image with @sigstore/oci's
//     attachArtifactToImage (referrers tag schema on this registry): a keyless DSSE SLSA
//     provenance statement (FulcioSigner, RekorWitness dsse, TSAWitness, all vouchd), a
//     key-signed DSSE statement (a P-256 key generated here; its public key is written to
//     OUT_DIR/js_key.pub), and a keyless message signature over the image manifest's bytes
//     (whose SHA-256 is the image digest). `vouch verify-image[-attestation]` must find them.
//
//   node image_interop.mjs verify CONFIG.json
//     The referrers tag schema lookup done here, with fetch: GET the index tagged
//     sha256-<hex>, each entry of the Sigstore bundle artifactType, its manifest (subject must be
//     the image) and its bundle layer (digest checked); each bundle verified with
//     @sigstore/verify (keyless: the identity; key bundles: CONFIG.keyPem) and, for DSSE, its
//     in-toto subject compared with the image digest (and, to show the check bites, with
//     CONFIG.otherDigest, which must not match).
//
// CONFIG: {expectReject (verify: every bundle must be rejected), vouchd, oidc, registry, repo, digest, otherDigest, manifest (file), username,
//          password, trustedRoot (file), identity, issuer, keyPem (file), outDir}
// Prints one JSON line per case ({"case", "ok", ...}); exit 0 iff every case is ok.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { MessageSignatureBundleBuilder, DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness } =
  require('@sigstore/sign');
const { Verifier, toTrustMaterial, toSignedEntity } = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');
const { attachArtifactToImage } = require('@sigstore/oci');

const [mode, configPath] = process.argv.slice(2);
if (!['attach', 'verify'].includes(mode) || !configPath) {
  console.error('usage: node image_interop.mjs attach|verify CONFIG.json');
  process.exit(2);
}
const c = JSON.parse(fs.readFileSync(configPath, 'utf8'));
const BUNDLE_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const results = [];
// CONFIG.expectReject: every case must fail (another identity or key).
async function run(name, fn) {
  try {
    const extra = await fn();
    results.push({ case: name, ok: !c.expectReject, ...(extra || {}) });
  } catch (e) {
    results.push({ case: name, ok: !!c.expectReject, error: String((e && (e.stack || e.message)) || e) });
  }
}

function statement(predicateType, predicate) {
  return Buffer.from(JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: `${c.registry}/${c.repo}`, digest: { sha256: c.digest.replace(/^sha256:/, '') } }],
    predicateType,
    predicate,
  }));
}

async function attach(bundle, annotations) {
  const json = bundleToJSON(bundle);
  const descriptor = await attachArtifactToImage({
    imageName: `${c.registry}/${c.repo}`,
    imageDigest: c.digest,
    artifact: Buffer.from(JSON.stringify(json)),
    mediaType: BUNDLE_TYPE,
    annotations,
    credentials: { username: c.username, password: c.password },
  });
  return { manifest: descriptor.digest };
}

if (mode === 'attach') {
  const email = c.identity;
  const token = async () => {
    const res = await fetch(`${c.oidc}/token?email=${encodeURIComponent(email)}&format=raw`);
    if (!res.ok) throw new Error(`token: ${res.status}`);
    return (await res.text()).trim();
  };
  const fulcio = new FulcioSigner({ fulcioBaseURL: c.vouchd, identityProvider: { getToken: token } });
  const witnesses = (entryType) => [
    new RekorWitness({ rekorBaseURL: c.vouchd, ...(entryType ? { entryType } : {}) }),
    new TSAWitness({ tsaBaseURL: c.vouchd }),
  ];

  await run('keyless-dsse-provenance', async () => {
    const bundle = await new DSSEBundleBuilder({ signer: fulcio, witnesses: witnesses('dsse') }).create({
      data: statement('https://slsa.dev/provenance/v1', {
        buildDefinition: { buildType: 'https://vouch.dev/js', externalParameters: {} },
        runDetails: { builder: { id: 'https://vouch.dev/js-builder' } },
      }),
      type: 'application/vnd.in-toto+json',
    });
    return attach(bundle, {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1',
    });
  });

  await run('key-dsse-review', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
    fs.writeFileSync(path.join(c.outDir, 'js_key.pub'), publicPem);
    const hint = crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
    const signer = {
      sign: async (data) => ({
        signature: crypto.sign('sha256', data, privateKey),
        key: { $case: 'publicKey', publicKey: publicPem, hint },
      }),
    };
    const bundle = await new DSSEBundleBuilder({ signer, witnesses: witnesses('dsse') }).create({
      data: statement('https://example.com/js-review/v1', { result: 'approved' }),
      type: 'application/vnd.in-toto+json',
    });
    return attach(bundle, {
      'dev.sigstore.bundle.content': 'dsse-envelope',
      'dev.sigstore.bundle.predicateType': 'https://example.com/js-review/v1',
    });
  });

  await run('keyless-message-signature', async () => {
    // The manifest's bytes: the message digest is then the image digest.
    const manifest = fs.readFileSync(c.manifest);
    const digest = 'sha256:' + crypto.createHash('sha256').update(manifest).digest('hex');
    if (digest !== c.digest) throw new Error(`manifest hashes to ${digest}, not ${c.digest}`);
    const bundle = await new MessageSignatureBundleBuilder({ signer: fulcio, witnesses: witnesses() })
      .create({ data: manifest });
    return attach(bundle, { 'dev.sigstore.bundle.content': 'message-signature' });
  });
} else {
  const base = `http://${c.registry}/v2/${c.repo}`;
  const auth = { Authorization: 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64') };
  const get = async (url, accept) => {
    const res = await fetch(url, { headers: { ...auth, ...(accept ? { Accept: accept } : {}) } });
    if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const sha256 = (b) => 'sha256:' + crypto.createHash('sha256').update(b).digest('hex');
  const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(c.trustedRoot, 'utf8')));
  const hex = c.digest.replace(/^sha256:/, '');
  const index = JSON.parse((await get(`${base}/manifests/sha256-${hex}`, 'application/vnd.oci.image.index.v1+json')).toString());
  for (const entry of index.manifests || []) {
    if (entry.artifactType !== BUNDLE_TYPE) continue;
    await run(`referrer ${entry.digest}`, async () => {
      const manifestBytes = await get(`${base}/manifests/${entry.digest}`, 'application/vnd.oci.image.manifest.v1+json');
      if (sha256(manifestBytes) !== entry.digest) throw new Error('manifest digest mismatch');
      const manifest = JSON.parse(manifestBytes.toString());
      if (!manifest.subject || manifest.subject.digest !== c.digest) throw new Error('subject is not the image');
      const layer = manifest.layers[0];
      const blob = await get(`${base}/blobs/${layer.digest}`);
      if (sha256(blob) !== layer.digest) throw new Error('bundle digest mismatch');
      const json = JSON.parse(blob.toString());
      const keys = {};
      let policy = { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
      if (json.verificationMaterial.publicKey) {
        const der = crypto.createPublicKey(fs.readFileSync(c.keyPem, 'utf8')).export({ type: 'spki', format: 'der' });
        keys[json.verificationMaterial.publicKey.hint] = { rawBytes: der };
        policy = {};
      }
      // An SCT from a CT log of the trusted root for keyless bundles (the default ctlogThreshold).
      const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 0 });
      const bundle = bundleFromJSON(json);
      let predicateType = '';
      if (json.dsseEnvelope) {
        verifier.verify(toSignedEntity(bundle), policy);
        const st = JSON.parse(Buffer.from(json.dsseEnvelope.payload, 'base64').toString());
        predicateType = st.predicateType;
        const names = (st.subject || []).map((s) => 'sha256:' + (s.digest || {}).sha256);
        if (!names.includes(c.digest)) throw new Error(`statement subject ${names} is not ${c.digest}`);
        if (names.includes(c.otherDigest)) throw new Error('statement also names the other digest');
      } else {
        // A message signature over the image manifest's bytes.
        const image = await get(`${base}/manifests/${c.digest}`, 'application/vnd.oci.image.manifest.v1+json');
        verifier.verify(toSignedEntity(bundle, image), policy);
        const md = Buffer.from(json.messageSignature.messageDigest.digest, 'base64').toString('hex');
        if ('sha256:' + md !== c.digest) throw new Error('message digest is not the image');
      }
      return { predicateType, key: !!json.verificationMaterial.publicKey };
    });
  }
}
for (const r of results) console.log(JSON.stringify(r));
process.exit(results.length > 0 && results.every((r) => r.ok) ? 0 : 1);
