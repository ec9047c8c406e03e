#!/bin/sh
# Runs a Python cross-process test with Debian's python3 (it has python3-cryptography).
exec /usr/bin/python3 "$@"
