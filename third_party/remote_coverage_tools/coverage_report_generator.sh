#!/bin/sh
echo "coverage reports are not generated through Bazel in Vouch's offline build (docs/development.md)" >&2
exit 1
