// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// sigstore-js keyless signing against vouchd: @sigstore/sign's FulcioSigner (token from
// vouch-dev-oidc), RekorWitness and TSAWitness all point at vouchd; @sigstore/verify then verifies
// the bundles offline with the trusted root from /api/v1/trustedRoot at its default thresholds
// (one SCT from a CT log of the trusted root, one tlog entry, one timestamp), for a
// blob (hashedrekord) and an in-toto statement (dsse), each with a Rekor v1 entry and with a
// Rekor v2 entry plus a TSA timestamp, and rejects a tampered artifact and a wrong identity. The
// bundles are left in OUT_DIR for `vouch` to verify (sigstore_js_keyless_test.py).
//
//   node keyless_interop.mjs VOUCHD_URL OIDC_URL OUT_DIR
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

const [vouchd, oidc, outDir] = process.argv.slice(2);
if (!vouchd || !oidc || !outDir) {
  console.error('usage: node keyless_interop.mjs VOUCHD_URL OIDC_URL OUT_DIR');
  process.exit(2);
}
const email = 'builder@example.com';

async function token() {
  const res = await fetch(`${oidc}/token?email=${encodeURIComponent(email)}&format=raw`);
  if (!res.ok) throw new Error(`token: ${res.status}`);
  return (await res.text()).trim();
}

const signer = new FulcioSigner({ fulcioBaseURL: vouchd, identityProvider: { getToken: token } });
const witnesses = (entryType, majorApiVersion = 1) => [
  new RekorWitness({ rekorBaseURL: vouchd, majorApiVersion, ...(entryType ? { entryType } : {}) }),
  new TSAWitness({ tsaBaseURL: vouchd }),
];

const rootJSON = await (await fetch(`${vouchd}/api/v1/trustedRoot`)).json();
fs.writeFileSync(path.join(outDir, 'trusted_root.json'), JSON.stringify(rootJSON, null, 2));
const trust = toTrustMaterial(TrustedRoot.fromJSON(rootJSON));
// Defaults: ctlogThreshold 1, tlogThreshold 1, timestampThreshold 1 (what a team's clients use).
const verifier = new Verifier(trust);
const policy = { subjectAlternativeName: email, extensions: { issuer: oidc } };

const results = [];
async function run(name, fn) {
  try {
    await fn();
    results.push({ case: name, ok: true });
  } catch (e) {
    results.push({ case: name, ok: false, error: String((e && (e.stack || e.message)) || e) });
  }
}

function mustReject(what, fn) {
  let rejected = false;
  try { fn(); } catch { rejected = true; }
  if (!rejected) throw new Error(`verifier accepted ${what}`);
}

const blob = Buffer.from(`vouch keyless blob ${Date.now()} ${Math.random()}`);
await run('blob', async () => {
  const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses: witnesses() }).create({ data: blob });
  const json = bundleToJSON(bundle);
  fs.writeFileSync(path.join(outDir, 'blob.sigstore.json'), JSON.stringify(json, null, 2));
  fs.writeFileSync(path.join(outDir, 'blob.txt'), blob);
  verifier.verify(toSignedEntity(bundleFromJSON(json), blob), policy);
  mustReject('a tampered artifact', () => verifier.verify(toSignedEntity(bundleFromJSON(json), Buffer.concat([blob, Buffer.from('!')])), policy));
  mustReject('a wrong identity', () => verifier.verify(toSignedEntity(bundleFromJSON(json), blob), { subjectAlternativeName: 'mallory@example.com' }));
});

await run('blob-rekor-v2', async () => {
  // Rekor v2 (POST /api/v2/log/entries): no integrated time; the TSA timestamp proves the time.
  const bundle = await new MessageSignatureBundleBuilder({ signer, witnesses: witnesses(undefined, 2) }).create({ data: blob });
  const json = bundleToJSON(bundle);
  fs.writeFileSync(path.join(outDir, 'blob-v2.sigstore.json'), JSON.stringify(json, null, 2));
  const kv = json.verificationMaterial.tlogEntries[0].kindVersion;
  if (kv.version !== '0.0.2') throw new Error(`expected a v0.0.2 entry, got ${JSON.stringify(kv)}`);
  verifier.verify(toSignedEntity(bundleFromJSON(json), blob), policy);
  mustReject('a tampered artifact (v2)', () => verifier.verify(toSignedEntity(bundleFromJSON(json), Buffer.concat([blob, Buffer.from('!')])), policy));
});

const statement = JSON.stringify({
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'blob.txt', digest: { sha256: crypto.createHash('sha256').update(blob).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { buildType: 'https://vouch.dev/test', externalParameters: {} },
      runDetails: { builder: { id: 'https://vouch.dev/builder' } } },
});

await run('attestation', async () => {
  const bundle = await new DSSEBundleBuilder({ signer, witnesses: witnesses('dsse') })
    .create({ data: Buffer.from(statement), type: 'application/vnd.in-toto+json' });
  const json = bundleToJSON(bundle);
  fs.writeFileSync(path.join(outDir, 'attestation.sigstore.json'), JSON.stringify(json, null, 2));
  verifier.verify(toSignedEntity(bundleFromJSON(json)), policy);
});

await run('attestation-rekor-v2', async () => {
  // A dsse 0.0.2 entry (dsseRequestV002) with a TSA timestamp.
  const bundle = await new DSSEBundleBuilder({ signer, witnesses: witnesses('dsse', 2) })
    .create({ data: Buffer.from(statement), type: 'application/vnd.in-toto+json' });
  const json = bundleToJSON(bundle);
  fs.writeFileSync(path.join(outDir, 'attestation-v2.sigstore.json'), JSON.stringify(json, null, 2));
  const kv = json.verificationMaterial.tlogEntries[0].kindVersion;
  if (kv.kind !== 'dsse' || kv.version !== '0.0.2') throw new Error(`expected a dsse v0.0.2 entry, got ${JSON.stringify(kv)}`);
  verifier.verify(toSignedEntity(bundleFromJSON(json)), policy);
});

for (const r of results) console.log(JSON.stringify(r));
process.exit(results.every((r) => r.ok) ? 0 : 1);
