#!/bin/bash
# Runs ../shared/conformance/run_offline.py against bazel-bin/client/cli/vouch with the production
# trusted root for cases that ship none, and writes one JUnit testcase per conformance test into
# $XML_OUTPUT_FILE (so tools/test counts 140).
set -u
here="$(dirname "$0")"
vouch="$here/../../client/cli/vouch"
junit="$here/junit.py"
xml="${XML_OUTPUT_FILE:-${TEST_UNDECLARED_OUTPUTS_DIR:-/tmp}/conformance.xml}"
shared="${VOUCH_SHARED:-}"

if [ -z "$shared" ] || [ ! -f "$shared/conformance/run_offline.py" ]; then
  reason="shared conformance data not found (VOUCH_SHARED='${shared}')"
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: $reason, and CI=true"
    python3 "$junit" --suite conformance --fail "$reason" > "$xml"
    exit 1
  fi
  echo "SKIPPED: $reason"
  python3 "$junit" --suite conformance --skip "$reason" > "$xml"
  exit 0
fi

results="${TEST_TMPDIR:-/tmp}/conformance-results.json"
python3 "$shared/conformance/run_offline.py" \
  --client "$vouch" \
  --assets "$shared/conformance/assets/bundle-verify" \
  --default-trusted-root "$shared/conformance/roots/production_trusted_root.json" \
  --json-out "$results" -v
rc=$?
python3 "$junit" --suite conformance --results "$results" > "$xml" || rc=1
exit $rc
