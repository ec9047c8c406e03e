#!/bin/sh
# The `vouch` binary must not need libcurl (or anything behind it) to start: the network code
# reaches libcurl through lazy_curl.cc, loaded on first use (docs/benchmarks.md, "CLI
# start-up"). Fails if libcurl (or gnutls/krb5/ldap, which only it brings) is a NEEDED entry
# again, or if the binary does not start.
set -eu
vouch=$1
needed=$(readelf -d "$vouch" | grep NEEDED || true)
for lib in libcurl libgnutls libgssapi_krb5 libldap libssh2 librtmp; do
  if echo "$needed" | grep -q "$lib"; then
    echo "FAIL: $vouch needs $lib at start-up:" >&2
    echo "$needed" >&2
    exit 1
  fi
done
"$vouch" --help >/dev/null
echo "PASS: $(echo "$needed" | wc -l) NEEDED entries, no libcurl"
