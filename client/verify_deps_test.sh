#!/bin/bash
# Fails if the offline verifier depends on network, database or server code.
set -u
deps_file="$1"
bad=$(grep -E '^(@system//:(grpc|sqlite|httplib|curl|pq)|//server[:/]|//log:(storage|sqlite_storage|sequencer|log_service))' "$deps_file")
if [ -n "$bad" ]; then
  echo "//client:verify must stay offline, but depends on:"
  echo "$bad"
  exit 1
fi
echo "deps(//client:verify): $(wc -l < "$deps_file") targets, none forbidden"
