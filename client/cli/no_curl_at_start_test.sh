#!/bin/bash
# The `vouch` binary must not need libcurl (or anything behind it) to start: the network code
# reaches libcurl through lazy_curl.cc, loaded on first use (docs/benchmarks.md, "CLI
# start-up"). Fails if libcurl (or gnutls/krb5/ldap/ssh2/rtmp, which only it brings) is a
# NEEDED entry of the binary (readelf) or anywhere in what the loader maps at start (ldd, the
# transitive closure), or if the binary does not start. Every tool's failure fails the test
# (pipefail), and the same checks run against /usr/bin/curl first, where they must find libcurl,
# so a check that finds nothing cannot pass.
set -euo pipefail
shopt -s inherit_errexit  # and inside $(...)
vouch=$1
forbidden="libcurl libgnutls libgssapi_krb5 libldap libssh2 librtmp"

# Prints the forbidden libraries |binary| loads at start (NEEDED, then ldd); fails if a tool
# fails or says nothing.
loaded_at_start() {
  local binary=$1 needed mapped lib
  needed=$(readelf -d "$binary" | grep NEEDED)
  mapped=$(ldd "$binary")
  if ! grep -q 'libc\.so' <<<"$needed" || ! grep -q 'libc\.so' <<<"$mapped"; then
    echo "FAIL: readelf/ldd of $binary list no libc.so: the checks see nothing" >&2
    return 2
  fi
  for lib in $forbidden; do
    if grep -q "$lib" <<<"$needed"; then echo "NEEDED $lib"; fi
    if grep -q "$lib" <<<"$mapped"; then echo "ldd $lib"; fi
  done
}

control=$(loaded_at_start /usr/bin/curl)
if ! grep -q "NEEDED libcurl" <<<"$control" || ! grep -q "ldd libcurl" <<<"$control"; then
  echo "FAIL: the check does not find libcurl in /usr/bin/curl:" >&2
  echo "$control" >&2
  exit 1
fi

found=$(loaded_at_start "$vouch")
if [ -n "$found" ]; then
  echo "FAIL: $vouch loads at start-up:" >&2
  echo "$found" >&2
  ldd "$vouch" >&2
  exit 1
fi
"$vouch" --help >/dev/null
echo "PASS: $(readelf -d "$vouch" | grep -c NEEDED) NEEDED entries, $(ldd "$vouch" | wc -l) libraries mapped at start, no libcurl (/usr/bin/curl: $(tr '\n' ' ' <<<"$control"))"
