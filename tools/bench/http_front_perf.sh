#!/usr/bin/env bash
# Where vouchd's time goes during HTTP appends (docs/benchmarks.md, "HTTP front"): vouchd (-c opt)
# on a fresh data directory, wrk appending distinct pre-signed entries over 64 connections, and
# `perf record -g` on vouchd meanwhile. Prints perf's top symbols (self time) and the split between
# kernel and user space, by shared object.
#   tools/bench/http_front_perf.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)"; exit 2; }
bazel build -c opt //tools:vouchd //tools:loadgen >/dev/null 2>&1
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$bin/tools/loadgen" --write_entries "$tmp/entries.jsonl" --max_entries $((secs * 15000)) 2>/dev/null
"$bin/tools/vouchd" --data-dir "$tmp/data" --http-addr 127.0.0.1:0 --grpc-addr 127.0.0.1:0 \
    --ca=false --ready-file "$tmp/ready" --log-level warning &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
http=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$tmp/ready")
perf record -F 499 -g -p "$pid" -o "$tmp/perf.data" -- sleep "$secs" 2>/dev/null &
perfpid=$!
VOUCH_ENTRIES="$tmp/entries.jsonl" VOUCH_OFFSET=0 VOUCH_THREADS=2 \
    wrk -t2 -c64 -d"${secs}s" -s tools/bench/wrk_append.lua "http://$http" | grep -E "Requests/sec|p50_ms|non201"
wait "$perfpid" || true
echo "== self time by shared object"
perf report -i "$tmp/perf.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -12
echo "== top symbols (self time)"
perf report -i "$tmp/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -25
