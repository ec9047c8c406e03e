#!/bin/bash
# Fails if //client:verify depends on anything not on the allow-list (verify_deps_allowlist.txt):
# the offline verifier must not reach network, database or server code, and a new dependency has
# to be allowed on purpose.
set -u
deps_file="$1"
allow_file="$2"
patterns=$(grep -v '^#' "$allow_file" | grep -v '^$')
bad=$(grep -v -E -f <(echo "$patterns") "$deps_file")
if [ -n "$bad" ]; then
  echo "//client:verify depends on targets that are not on client/verify_deps_allowlist.txt:"
  echo "$bad"
  exit 1
fi
echo "deps(//client:verify): $(wc -l < "$deps_file") targets, all allowed"
