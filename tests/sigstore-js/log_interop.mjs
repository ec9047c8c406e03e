// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// sigstore-js against a running vouchd log: @sigstore/sign's RekorWitness appends a hashedrekord
// (MessageSignatureBundleBuilder) and a dsse entry (DSSEBundleBuilder) with a key-based signer, and
// @sigstore/verify verifies both bundles offline with a trusted root holding only this log's key.
//
//   node log_interop.mjs http://127.0.0.1:PORT OUT_DIR
// Prints one JSON line per case: {"case": ..., "ok": true|false, "error": ...}; exit 1 on failure.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { MessageSignatureBundleBuilder, DSSEBundleBuilder, RekorWitness } = require('@sigstore/sign');
const { Verifier, toTrustMaterial, toSignedEntity } = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { bundleFromJSON, bundleToJSON } = require('@sigstore/bundle');

const [rekorURL, outDir] = process.argv.slice(2);
if (!rekorURL || !outDir) {
  console.error('usage: node log_interop.mjs REKOR_URL OUT_DIR');
  process.exit(2);
}

const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicPem = publicKey.export({ type: 'spki', format: 'pem' });
const hint = crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
const signer = {
  sign: async (data) => ({
    signature: crypto.sign('sha256', data, privateKey),
    key: { $case: 'publicKey', publicKey: publicPem, hint },
  }),
};

async function trustedRoot() {
  const res = await fetch(`${rekorURL}/api/v1/log/publicKey`);
  const pem = await res.text();
  const der = crypto.createPublicKey(pem).export({ type: 'spki', format: 'der' });
  const logId = crypto.createHash('sha256').update(der).digest();
  return TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [{
      baseUrl: rekorURL,
      hashAlgorithm: 'SHA2_256',
      publicKey: {
        rawBytes: der.toString('base64'),
        keyDetails: 'PKIX_ECDSA_P256_SHA_256',
        validFor: { start: '2020-01-01T00:00:00Z' },
      },
      logId: { keyId: logId.toString('base64') },
    }],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  });
}

const results = [];
async function run(name, fn) {
  try {
    await fn();
    results.push({ case: name, ok: true });
  } catch (e) {
    results.push({ case: name, ok: false, error: String(e && (e.stack || e.message) || e) });
  }
}

const root = await trustedRoot();
const keys = { [hint]: { rawBytes: publicKey.export({ type: 'spki', format: 'der' }), keyDetails: 'PKIX_ECDSA_P256_SHA_256' } };
const verifier = new Verifier(toTrustMaterial(root, keys), { tlogThreshold: 1, ctlogThreshold: 0, timestampThreshold: 0 });

const blob = Buffer.from(`vouch interop blob ${Date.now()} ${Math.random()}`);
await run('hashedrekord', async () => {
  const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: rekorURL })] });
  const bundle = await builder.create({ data: blob });
  const json = bundleToJSON(bundle);
  fs.writeFileSync(path.join(outDir, 'hashedrekord.sigstore.json'), JSON.stringify(json, null, 2));
  fs.writeFileSync(path.join(outDir, 'hashedrekord.artifact'), blob);
  verifier.verify(toSignedEntity(bundleFromJSON(json), blob));
  // Tampered artifact must fail.
  let rejected = false;
  try { verifier.verify(toSignedEntity(bundleFromJSON(json), Buffer.concat([blob, Buffer.from('x')]))); } catch { rejected = true; }
  if (!rejected) throw new Error('verifier accepted a tampered artifact');
});

await run('dsse', async () => {
  const statement = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'blob', digest: { sha256: crypto.createHash('sha256').update(blob).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { buildType: 'https://vouch.dev/test', externalParameters: {} }, runDetails: { builder: { id: 'https://vouch.dev/test-builder' } } },
  });
  const builder = new DSSEBundleBuilder({ signer, witnesses: [new RekorWitness({ rekorBaseURL: rekorURL, entryType: 'dsse' })] });
  const bundle = await builder.create({ data: Buffer.from(statement), type: 'application/vnd.in-toto+json' });
  const json = bundleToJSON(bundle);
  fs.writeFileSync(path.join(outDir, 'dsse.sigstore.json'), JSON.stringify(json, null, 2));
  verifier.verify(toSignedEntity(bundleFromJSON(json)));
});

for (const r of results) console.log(JSON.stringify(r));
process.exit(results.every((r) => r.ok) ? 0 : 1);
