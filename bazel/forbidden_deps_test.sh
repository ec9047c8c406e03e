#!/bin/bash
# Usage: forbidden_deps_test.sh DEPS_FILE WHY PATTERN...
# Fails (listing them) if any label in DEPS_FILE (one per line, from a genquery) matches one of the
# extended regular expressions PATTERN, anchored at the start of the label.
set -u
deps_file="$1"
why="$2"
shift 2
status=0
for pattern in "$@"; do
  bad=$(grep -E "^(${pattern})" "$deps_file")
  if [ -n "$bad" ]; then
    echo "forbidden dependency (${pattern}): ${why}"
    echo "$bad" | sed 's/^/  /'
    status=1
  fi
done
[ "$status" = 0 ] && echo "$(wc -l < "$deps_file") dependencies checked, none forbidden"
exit "$status"
