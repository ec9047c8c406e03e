// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Verifies bundles that `vouch sign-blob / attest / provenance / sign-bundle` wrote, with
// @sigstore/verify (the independent verifier) and the trusted root vouchd serves at
// /api/v1/trustedRoot, at @sigstore/verify's default thresholds (an SCT from a CT log of the
// trusted root for keyless bundles). Each case is expected to verify ("ok") or to be rejected
// ("reject").
//
//   node verify_vouch_bundles.mjs TRUSTED_ROOT.json CASES.json
//
// CASES.json: [{"case": NAME, "bundle": PATH, "artifact": PATH (omit for DSSE bundles),
//               "identity": SAN, "issuer": URL, "key": PUBLIC_KEY_PEM_PATH (key bundles),
//               "expect": "ok" | "reject"}, ...]
// Prints one JSON line per case ({"case", "ok", "verified", "error"}); exit 0 iff every case
// met its expectation.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Verifier, toTrustMaterial, toSignedEntity } = require('@sigstore/verify');
const { TrustedRoot } = require('@sigstore/protobuf-specs');
const { bundleFromJSON } = require('@sigstore/bundle');

const [rootPath, casesPath] = process.argv.slice(2);
if (!rootPath || !casesPath) {
  console.error('usage: node verify_vouch_bundles.mjs TRUSTED_ROOT.json CASES.json');
  process.exit(2);
}
const root = TrustedRoot.fromJSON(JSON.parse(fs.readFileSync(rootPath, 'utf8')));
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));

let allMet = true;
for (const c of cases) {
  let verified = false;
  let error = '';
  try {
    const json = JSON.parse(fs.readFileSync(c.bundle, 'utf8'));
    const keys = {};
    if (c.key) {
      const der = crypto.createPublicKey(fs.readFileSync(c.key, 'utf8')).export({ type: 'spki', format: 'der' });
      keys[json.verificationMaterial.publicKey.hint] = { rawBytes: der };
    }
    const trust = toTrustMaterial(root, keys);
    // The default thresholds: one SCT (for certificates), one tlog entry, one timestamp.
    const verifier = new Verifier(trust);
    const artifact = c.artifact ? fs.readFileSync(c.artifact) : undefined;
    const policy = c.key ? {} : { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } };
    verifier.verify(toSignedEntity(bundleFromJSON(json), artifact), policy);
    verified = true;
  } catch (e) {
    error = String((e && (e.message || e)) || e);
  }
  const ok = verified === (c.expect !== 'reject');
  allMet &&= ok;
  console.log(JSON.stringify({ case: c.case, ok, verified, error }));
}
process.exit(allMet ? 0 : 1);
