#!/usr/bin/env bash
# Compares the two candidate HTTP fronts on the same workload (docs/benchmarks.md, "HTTP front"):
# //http:bench_server (Boost.Asio + Beast, what vouchd uses) and tools/bench/h2o_hello.c (h2o's
# evloop from Debian libh2o-evloop-dev, built here with gcc). Both serve GET /healthz (fixed JSON)
# and POST /echo. For each, in alternating rounds: wrk GET and POST (1,500-byte body) at 64
# connections, and the server's memory per idle keep-alive connection (tools/http_probe.py).
#   tools/bench/http_fronts.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 2; }
pkg-config --exists libh2o-evloop || { echo "needs libh2o-evloop-dev"; exit 2; }
bazel build -c opt //http:bench_server >/dev/null 2>&1
vouch_bin="$(bazel info -c opt bazel-bin 2>/dev/null)/http/bench_server"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -DH2O_USE_LIBUV=0 -o "$tmp/h2o_hello" tools/bench/h2o_hello.c $(pkg-config --cflags --libs libh2o-evloop)
cat > "$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = string.rep("x", 1500)
wrk.headers["Content-Type"] = "application/json"
LUA
for ((r = 1; r <= rounds; r++)); do
  for srv in asio-beast h2o; do
    if [ $srv = asio-beast ]; then "$vouch_bin" >"$tmp/port" & else "$tmp/h2o_hello" >"$tmp/port" & fi
    pid=$!
    for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
    port=$(cat "$tmp/port")
    get=$(wrk -t2 -c64 -d5s "http://127.0.0.1:$port/healthz" | awk '/Requests\/sec/ {print $2}')
    post=$(wrk -t2 -c64 -d5s -s "$tmp/post.lua" "http://127.0.0.1:$port/echo" | awk '/Requests\/sec/ {print $2}')
    idle=$(python3 tools/http_probe.py --addr "127.0.0.1:$port" --idle 5000 --probes 10 --pid $pid |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_per_idle_connection"])')
    echo "round $r $srv: GET ${get}/s  POST(1500 B) ${post}/s  ${idle} bytes per idle connection"
    kill $pid; wait $pid 2>/dev/null || true
    : >"$tmp/port"
  done
done
