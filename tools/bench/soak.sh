#!/usr/bin/env bash
# Sustained load (docs/benchmarks.md, "Sustained load"): one vouchd (-c opt, fresh data directory)
# takes gRPC appends from tools/loadgen at 80% of the rate it just managed flat out, for MINUTES
# minutes, in intervals of INTERVAL seconds. After each interval it prints one line: appends/s,
# p50/p99/max latency of that interval, errors, vouchd's RSS (VmRSS) and its high-water mark
# (VmHWM), the size of vouch.db and vouch.db-wal, and the load average, and below it the first
# error of the round and the WAL checkpoints that held appends off for 100 ms or more (vouchd logs
# each). Then measures the maximum again on the grown database, and ends with the first/last RSS
# and p99 and the largest WAL seen.
#
#   tools/bench/soak.sh [MINUTES] [INTERVAL] [CLIENTS]      (defaults 10, 60, 32)
#   VOUCH_BIN=DIR tools/bench/soak.sh ...   use DIR/tools/{vouchd,loadgen} instead of building
#   RATE=N tools/bench/soak.sh ...            soak at N appends/s instead of 80% of the maximum
#
# loadgen signs each interval's entries before the interval starts (a few seconds of gap with no
# appends: vouchd stays up, only the load pauses). A benchmark, not a test: the machine's other
# load shows in the figures, so the load average is printed with each line.
set -euo pipefail
cd "$(dirname "$0")/../.."
minutes=${1:-10}
interval=${2:-60}
clients=${3:-32}
if [ -n "${VOUCH_BIN:-}" ]; then  # prebuilt -c opt binaries: $VOUCH_BIN/tools/{vouchd,loadgen}
  bin=$VOUCH_BIN
else
  bazel build -c opt //tools:vouchd //tools:loadgen >/dev/null 2>&1
  bin="$(bazel info -c opt bazel-bin 2>/dev/null)"
fi
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

data="$tmp/data"
"$bin/tools/vouchd" --data-dir "$data" --http-addr 127.0.0.1:0 --grpc-addr 127.0.0.1:0 \
    --ca=false --ready-file "$tmp/ready" --log-level warning >"$tmp/vouchd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/ready" ] && break; sleep 0.1; done
grpc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grpc"])' "$tmp/ready")

status_kb() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$pid/status"; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

echo "== maximum: loadgen, $clients clients, 20 s, as fast as possible"
max=$("$bin/tools/loadgen" --grpc "$grpc" --clients "$clients" --duration 20s --max_entries 200000 \
      2>/dev/null | tail -1 | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["appends_per_second"]))')
rate=${RATE:-$(( max * 8 / 10 ))}  # RATE=N: soak at N appends/s instead of 80% of the maximum
echo "maximum $max appends/s; soak at $rate appends/s for $minutes min in ${interval}s intervals"
echo "interval appends/s p50_ms p99_ms max_ms errors rss_mb hwm_mb db_mb wal_mb load1"
rounds=$(( minutes * 60 / interval ))
for ((i = 1; i <= rounds; i++)); do
  summary=$("$bin/tools/loadgen" --grpc "$grpc" --clients "$clients" --duration "${interval}s" \
            --rate "$rate" --max_entries $(( rate * (interval + 2) )) --ceiling_time 0.1s \
            2>/dev/null | tail -1)
  rss=$(status_kb VmRSS)
  hwm=$(status_kb VmHWM)
  db=$(size_of "$data/vouch.db")
  wal=$(size_of "$data/vouch.db-wal")
  load=$(cut -d' ' -f1 /proc/loadavg)
  # WAL checkpoints that held appends off for 100 ms or more during the round (vouchd logs each).
  ckpt=$({ grep -h "held appends off for" "$tmp/vouchd.log" 2>/dev/null || true; } |
         sed -n "$(( ${seen_ckpt:-0} + 1 )),\$p" |
         sed 's/.*held appends off for \([0-9.]*\) ms.*/\1/' | sort -n | awk '{n++; m=$1} END {printf "%d %.0f", n, m}')
  seen_ckpt=$(grep -c "held appends off for" "$tmp/vouchd.log" 2>/dev/null || true)
  python3 - "$summary" "$i" "$rss" "$hwm" "$db" "$wal" "$load" "$ckpt" <<'PY'
import json, sys
s = json.loads(sys.argv[1]); i, rss, hwm, db, wal, load, ckpt = sys.argv[2:]
print(f"{i:>8} {s['appends_per_second']:9.0f} {s['p50_ms']:6.2f} {s['p99_ms']:6.2f} {s['max_ms']:6.1f} "
      f"{s['errors']:6d} {int(rss)/1024:6.1f} {int(hwm)/1024:6.1f} {int(db)/2**20:5.0f} {int(wal)/2**20:6.1f} {load}")
if s.get("first_error"):
    print(f"  # interval {i}: first error: {s['first_error'][:200]}")
n, worst = ckpt.split()
if int(n) > 0:
    print(f"  # interval {i}: {n} WAL checkpoints held appends off >= 100 ms, longest {worst} ms")
PY
done | tee "$tmp/soak.txt"
echo "== maximum at the end: loadgen, $clients clients, 20 s, as fast as possible (the database"
echo "   as the soak left it)"
"$bin/tools/loadgen" --grpc "$grpc" --clients "$clients" --duration 20s --max_entries 200000 \
    --ceiling_time 0.1s 2>/dev/null | tail -1 |
  python3 -c 'import json,sys; s=json.load(sys.stdin); print("maximum %d appends/s, p99 %.0f ms" % (s["appends_per_second"], s["p99_ms"]))'
python3 - "$tmp/soak.txt" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and l.split()[0].isdigit()]
if rows:
    f, l = rows[0], rows[-1]
    print(f"RSS first {f[6]} MB, last {l[6]} MB; p99 first {f[3]} ms, last {l[3]} ms, "
          f"worst {max(float(r[3]) for r in rows)} ms; WAL largest {max(float(r[9]) for r in rows)} MB; "
          f"errors {sum(int(r[5]) for r in rows)}")
PY
