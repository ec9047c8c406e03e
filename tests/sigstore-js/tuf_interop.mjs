// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// sigstore-js's TUF client (@sigstore/tuf over tuf-js) against a Vouch TUF mirror: given only the
// mirror URL and an initial root.json, it fetches trusted_root.json (getTrustedRoot, the call
// sigstore-js makes itself) and verifies bundles with it through @sigstore/verify.
//
//   node tuf_interop.mjs CASES.json
//
// CASES.json: [{"case": NAME, "mirror": URL, "root": ROOT.json, "cache": DIR,
//               "bundles": [{"bundle": PATH, "artifact": PATH}], "identity": SAN, "issuer": URL,
//               "expect": "ok" | "reject", "error": SUBSTRING (optional, for rejects)}]
// Prints one JSON line per case ({"case", "ok", "fetched", "verified", "cas", "ctlogs", "error"}:
// cas and ctlogs count the fetched trusted root's CAs and CT logs); verification uses
// @sigstore/verify's default thresholds (one SCT, one tlog entry, one timestamp). Exits
// 0 iff every case met its expectation. A case is "ok" when the trusted root was fetched and
// every bundle verified with it.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { getTrustedRoot } = require('@sigstore/tuf');
const { Verifier, toTrustMaterial, toSignedEntity } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');

const [casesPath] = process.argv.slice(2);
if (!casesPath) {
  console.error('usage: node tuf_interop.mjs CASES.json');
  process.exit(2);
}
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));

let allMet = true;
for (const c of cases) {
  let fetched = false;
  let verified = false;
  let cas = 0;
  let ctlogs = 0;
  let error = '';
  try {
    const root = await getTrustedRoot({
      mirrorURL: c.mirror,
      rootPath: c.root,
      cachePath: c.cache,
      retry: { retries: 0 },
      timeout: 10000,
    });
    fetched = true;
    cas = root.certificateAuthorities.length;
    ctlogs = root.ctlogs.length;
    const verifier = new Verifier(toTrustMaterial(root));
    for (const b of c.bundles || []) {
      const json = JSON.parse(fs.readFileSync(b.bundle, 'utf8'));
      verifier.verify(toSignedEntity(bundleFromJSON(json), fs.readFileSync(b.artifact)),
        { subjectAlternativeName: c.identity, extensions: { issuer: c.issuer } });
    }
    verified = true;
  } catch (e) {
    // @sigstore/tuf wraps tuf-js's error ("error refreshing TUF metadata"): keep the causes.
    const parts = [];
    for (let x = e; x && parts.length < 5; x = x.cause) parts.push(String(x.message || x));
    error = parts.join(': ');
  }
  let ok = verified === (c.expect !== 'reject');
  if (c.expect === 'reject' && c.error) ok &&= error.includes(c.error);
  allMet &&= ok;
  console.log(JSON.stringify({ case: c.case, ok, fetched, verified, cas, ctlogs, error }));
}
process.exit(allMet ? 0 : 1);
