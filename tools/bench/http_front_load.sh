#!/usr/bin/env bash
# The HTTP front under load and under attack (docs/benchmarks.md, "HTTP front"):
#  1. Appends over HTTP (wrk, 64 connections, distinct pre-signed entries) next to gRPC
#     (tools/loadgen, 64 clients), alternating, each on a fresh vouchd: appends/s, p99, and
#     vouchd's CPU per append (from /proc).
#  2. The same HTTP append load while 10,000 idle keep-alive connections and 1,000 slowloris
#     connections are held open (tools/http_probe.py): /healthz p99 from fresh connections, the
#     appends' p99, and vouchd's memory per idle connection.
#   tools/bench/http_front_load.sh [ROUNDS] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
secs=${2:-10}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
bazel build -c opt //tools:vouchd //tools:loadgen >/dev/null 2>&1
bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
entries="$tmp/entries.jsonl"
need=$(( (rounds + 2) * secs * 12000 ))
"$bin/tools/loadgen" --write_entries "$entries" --max_entries "$need" 2>/dev/null
offset=0

start_vouchd() {  # fresh data directory each time; sets pid, http, grpc
  local d="$tmp/data-$RANDOM$RANDOM"
  rm -f "$tmp/ready"
  "$bin/tools/vouchd" --data-dir "$d" --http-addr 127.0.0.1:0 --grpc-addr 127.0.0.1:0 \
      --ca=false --ready-file "$tmp/ready" --log-level warning "$@" &
  pid=$!
  for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
  http=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["http"])' "$tmp/ready")
  grpc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grpc"])' "$tmp/ready")
}
stop_vouchd() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)

wrk_append() {  # $1 = address; prints "rate p99 non201"
  local out
  out=$(VOUCH_ENTRIES="$entries" VOUCH_OFFSET=$offset VOUCH_THREADS=2 \
        wrk -t2 -c64 -d"${secs}s" -s tools/bench/wrk_append.lua "http://$1")
  offset=$(( offset + secs * 12000 ))
  echo "$(echo "$out" | awk '/Requests\/sec/ {print $2}') $(echo "$out" | awk '/^p50_ms/ {print $4}') $(echo "$out" | awk '/^non201/ {print $2}')"
}

echo "== appends: HTTP (wrk) vs gRPC (loadgen), 64 connections, ${secs}s, fresh vouchd each"
for ((r = 1; r <= rounds; r++)); do
  start_vouchd
  c0=$(cpu_ticks "$pid")
  read -r rate p99 bad < <(wrk_append "$http")
  c1=$(cpu_ticks "$pid")
  n=$(python3 -c "print(int(float('$rate') * $secs))")
  echo "round $r http : ${rate}/s p99 ${p99} ms, non-201 $bad, vouchd $(python3 -c "print(round(($c1 - $c0) / $tick / max(1, $n) * 1e6))") us CPU/append"
  stop_vouchd
  start_vouchd
  c0=$(cpu_ticks "$pid")
  summary=$("$bin/tools/loadgen" --grpc "$grpc" --clients 64 --duration "${secs}s" --max_entries 150000 2>/dev/null | tail -1)
  c1=$(cpu_ticks "$pid")
  python3 - "$summary" "$c0" "$c1" "$tick" "$r" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); c0, c1, tick, r = float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
print(f"round {r} grpc : {s['appends_per_second']:.0f}/s p99 {s['p99_ms']:.2f} ms, errors {s['errors']}, "
      f"vouchd {round((c1 - c0) / tick / max(1, s['appends']) * 1e6)} us CPU/append, "
      f"verify ceiling (all cores) {s['verify_ceiling_all_cores']:.0f}/s")
PY
  stop_vouchd
done

echo "== under attack: 10,000 idle + 1,000 slowloris connections held while wrk appends"
start_vouchd --max-connections 20000
run="env VOUCH_ENTRIES=$entries VOUCH_OFFSET=$offset VOUCH_THREADS=2 wrk -t2 -c64 -d$((secs * 2))s -s tools/bench/wrk_append.lua http://$http"
python3 tools/http_probe.py --addr "$http" --idle 10000 --slowloris 1000 --trickle 2 \
    --probes 1000 --pid "$pid" --hold 1 --run "$run" > "$tmp/probe.json" || true
python3 - "$tmp/probe.json" <<'PY'
import json, re, sys
p = json.load(open(sys.argv[1]))
out = p.get("run_output", "")
rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
lat = re.search(r"p50_ms ([\d.]+) p99_ms ([\d.]+)", out)
bad = re.search(r"non201 (\d+)", out)
print(f"idle connections open {p['idle_open']} (failed {p['idle_failed']}), "
      f"{p.get('bytes_per_idle_connection')} bytes of vouchd RSS per idle connection")
print(f"/healthz from fresh connections: {p['probes_ok']}/{p['probes']} answered 200, "
      f"p50 {p['probe_ms']['p50']:.2f} ms p99 {p['probe_ms']['p99']:.2f} ms max {p['probe_ms']['max']:.2f} ms")
print(f"appends meanwhile: {rate.group(1) if rate else '?'}/s, p50 {lat.group(1) if lat else '?'} ms "
      f"p99 {lat.group(2) if lat else '?'} ms, non-201 {bad.group(1) if bad else '?'}")
print(f"slowloris: {p['slowloris_result']}; idle sample still served {p['idle_sample_still_served']}/{p['idle_sample']}")
PY
