#!/usr/bin/env bash
# Appends/s and latency of two vouchd builds in the same run (docs/benchmarks.md, "The log as
# stages"): rounds alternate A and B, each on a fresh vouchd and data directory, with the same
# loadgen (gRPC, 64 clients, closed loop), so the VM's drift hits both alike. Prints one line per
# run and the median of each side.
#
#   tools/bench/log_ab.sh A_BIN_DIR B_BIN_DIR [ROUNDS] [SECONDS] [-- extra vouchd flags]
#
# A_BIN_DIR and B_BIN_DIR each hold a vouchd built with -c opt (e.g. copies of bazel-bin/tools/
# from two commits, or the same directory twice); loadgen comes from B_BIN_DIR. $A_FLAGS and
# $B_FLAGS add vouchd flags to one side; in them @PG@ becomes the URL of a fresh database on the
# PostgreSQL server at $PG_URL (created before each run, dropped after), e.g.
#   PG_URL=$(tools/test_postgres start /tmp/pg) B_FLAGS="--storage @PG@" \
#     tools/bench/log_ab.sh bin bin 6 10     # SQLite (A) against PostgreSQL (B)
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,15p' "$0" >&2; exit 2; }
a=$1; b=$2; shift 2
rounds=${1:-5}; [ $# -gt 0 ] && shift
secs=${1:-10}; [ $# -gt 0 ] && shift
[ "${1:-}" = "--" ] && shift
extra=("$@")
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

run_one() {  # $1 = label, $2 = bin dir, $3 = side flags; prints "label appends/s p50 p99"
  local d="$tmp/data-$RANDOM$RANDOM" db="" flags="$3"
  if [[ "$flags" == *@PG@* ]]; then
    db="ab_$RANDOM$RANDOM"
    psql -X -q "$PG_URL" -c "CREATE DATABASE $db" >/dev/null
    flags=${flags//@PG@/${PG_URL%/*}/$db}
  fi
  rm -f "$tmp/ready"
  # shellcheck disable=SC2086
  "$2/vouchd" --data-dir "$d" --http-addr 127.0.0.1:0 --grpc-addr 127.0.0.1:0 --ca=false \
      --tuf=false --ready-file "$tmp/ready" --log-level warning $flags "${extra[@]}" &
  pid=$!
  for _ in $(seq 200); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
  local grpc
  grpc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grpc"])' "$tmp/ready")
  "$b/loadgen" --grpc "$grpc" --clients 64 --duration "${secs}s" --max_entries $((secs * 15000)) \
      --ceiling_time 0.2s >"$tmp/out" 2>/dev/null
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  rm -rf "$d"
  [ -z "$db" ] || psql -X -q "$PG_URL" -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
  local rate lat
  rate=$(awk '/^appends\/s/ {print $2}' "$tmp/out")
  lat=$(awk '/^latency ms/ {print $4, $6}' "$tmp/out")
  echo "$1 $rate $lat"
}

for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    run_one A "$a" "${A_FLAGS:-}"; run_one B "$b" "${B_FLAGS:-}"
  else
    run_one B "$b" "${B_FLAGS:-}"; run_one A "$a" "${A_FLAGS:-}"
  fi
done | tee "$tmp/all"
echo "side  appends/s (median, range)   p99 ms (median, range)"
for side in A B; do
  awk -v s=$side '$1 == s {print $2, $4}' "$tmp/all" | python3 -c '
import statistics, sys
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
r = [x[0] for x in rows]; p = [x[1] for x in rows]
print("%s     %.0f (%.0f-%.0f)          %.1f (%.1f-%.1f)" % (sys.argv[1], statistics.median(r), min(r),
      max(r), statistics.median(p), min(p), max(p)))' "$side"
done
