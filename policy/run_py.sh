#!/bin/sh
# Runs the schema test with Debian's python3 (python3-jsonschema, python3-yaml from tools/setup).
exec /usr/bin/python3 "$@"
