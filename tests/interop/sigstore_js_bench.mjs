// sigstore-js (@sigstore/verify, from tests/sigstore-js/node_modules) verifying the same 16 npm
// provenance bundles in one node process, for comparison with npm_verify_benchmark:
//   node tests/interop/sigstore_js_bench.mjs ../shared/interop/npm-provenance [seconds]
//   node tests/interop/sigstore_js_bench.mjs ../shared/interop/npm-provenance --one N
// Prints bundles/s; with --one, verifies case N of index.json once and exits (0 = verified), for
// the one-process-per-bundle comparison (tests/interop/verify_speed.py). Like npm's own check,
// the subject digest is compared separately (sha512).
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../sigstore-js/package.json'));
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const dir = process.argv[2];
const seconds = Number(process.argv[3] || 5);
const index = JSON.parse(readFileSync(path.join(dir, 'index.json'), 'utf8'));
const root = TrustedRoot.fromJSON(
  JSON.parse(readFileSync(path.join(dir, 'public-good-trusted_root.json'), 'utf8')));
const keys = {};
for (const k of JSON.parse(readFileSync(path.join(dir, 'npm-registry-keys.json'), 'utf8')).keys) {
  keys[k.keyId] = {
    rawBytes: Buffer.from(k.publicKey.rawBytes, 'base64'),
    validFor: {
      start: k.publicKey.validFor?.start ? new Date(k.publicKey.validFor.start) : undefined,
      end: k.publicKey.validFor?.end ? new Date(k.publicKey.validFor.end) : undefined,
    },
  };
}
const verifier = new Verifier(toTrustMaterial(root, keys));
const cases = index.cases.map((c) => ({
  name: `${c.package} ${c.kind}`,
  json: JSON.parse(readFileSync(path.join(dir, c.dir, c.bundle), 'utf8')),
  tgz: readFileSync(path.join(dir, c.dir, c.artifact)),
  keyless: c.kind === 'provenance',
}));

function verifyOne(c) {
  const bundle = bundleFromJSON(c.json);
  const policy = c.keyless ? { extensions: { issuer: 'https://token.actions.githubusercontent.com' } } : undefined;
  verifier.verify(toSignedEntity(bundle), policy);
  const statement = JSON.parse(Buffer.from(bundle.content.dsseEnvelope.payload).toString());
  const sha512 = createHash('sha512').update(c.tgz).digest('hex');
  if (!statement.subject.some((s) => s.digest.sha512 === sha512)) throw new Error('subject');
}

if (process.argv[3] === '--one') {
  verifyOne(cases[Number(process.argv[4])]);
  process.exit(0);
}

for (const c of cases) verifyOne(c);  // all must verify (and warms up)
let n = 0;
const start = process.hrtime.bigint();
const end = start + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < end) {
  for (const c of cases) verifyOne(c);
  n += cases.length;
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`sigstore-js @sigstore/verify in-process: ${n} bundles in ${secs.toFixed(2)} s = ${(n / secs).toFixed(1)} bundles/s`);
