#!/usr/bin/env bash
# Runs the benchmark scenarios of issue 6 (S1-S6) against pushgw and against
# nchan (nginx-light + libnginx-mod-nchan) side by side, in the same run, with
# the same worker count, on loopback only. Each scenario gets a fresh server
# process (memory figures start from a clean heap); servers are stopped by pid.
# Writes raw JSON per run, results.json, table.md and PNG plots to the output
# directory; with --docs also refreshes the generated part of
# docs/benchmarks.md and its plots in docs/benchmarks/.
#
#   bench/run_scenarios.sh                      # everything, 10 s phases
#   bench/run_scenarios.sh --quick              # 3 s phases, a smoke run
#   bench/run_scenarios.sh --scenarios=S2,S5 --repeat=3 --docs
#
# Needs: scripts/setup.sh --bench (nginx-light, libnginx-mod-nchan, wrk,
# gnuplot-nox) and python3. Builds pushgw and the tool with --config=opt and
# copies the binaries out of bazel-out (bazel-bin moves with other builds).
# Connection counts stay under the 20,000 open files one process may hold
# (at most 10,000 subscribers + a few publishers per process).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

OUT=""
DURATION=10
STORM_DURATION=5
REPEAT=1
WORKERS=2
THREADS=1
SCENARIOS="S1,S2,S3,S4,S5,S6"
SERVERS="pushgw,nchan"
BUILD=1
DOCS=0
BIN=""

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
  cat <<EOF
Options:
  --out=DIR          output directory (default /tmp/pushgw-bench-<time>)
  --duration=S       seconds of publishing per run (default $DURATION)
  --storm_duration=S seconds per connect storm (default $STORM_DURATION)
  --quick            --duration=3 --storm_duration=2
  --repeat=N         runs per scenario and server, alternating servers; medians reported
  --workers=N        pushgw workers = nginx worker_processes (default $WORKERS)
  --threads=N        load generator threads (default $THREADS)
  --scenarios=LIST   subset of S1,S2,S3,S4,S5,S6
  --servers=LIST     subset of pushgw,nchan
  --bin=DIR          use DIR/pushgw and DIR/pushgw_bench instead of building
  --docs             update docs/benchmarks.md (generated part) and docs/benchmarks/*.png
EOF
}

for arg in "$@"; do
  case "$arg" in
    --out=*) OUT="${arg#*=}" ;;
    --duration=*) DURATION="${arg#*=}" ;;
    --storm_duration=*) STORM_DURATION="${arg#*=}" ;;
    --quick) DURATION=3; STORM_DURATION=2 ;;
    --repeat=*) REPEAT="${arg#*=}" ;;
    --workers=*) WORKERS="${arg#*=}" ;;
    --threads=*) THREADS="${arg#*=}" ;;
    --scenarios=*) SCENARIOS="${arg#*=}" ;;
    --servers=*) SERVERS="${arg#*=}" ;;
    --bin=*) BIN="${arg#*=}"; BUILD=0 ;;
    --docs) DOCS=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run_scenarios: unknown argument $arg" >&2; usage >&2; exit 2 ;;
  esac
done

OUT="${OUT:-/tmp/pushgw-bench-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT/raw" "$OUT/logs" "$OUT/bin"
OUT="$(cd "$OUT" && pwd)"
echo "bench/run_scenarios.sh $*" >"$OUT/command.txt"

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "run_scenarios: $1 is missing (scripts/setup.sh --bench)" >&2
    exit 1
  fi
}
need python3
need gnuplot
if [[ ",$SERVERS," == *",nchan,"* ]]; then
  need nginx
  if [[ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]]; then
    echo "run_scenarios: libnginx-mod-nchan is missing (scripts/setup.sh --bench)" >&2
    exit 1
  fi
fi
HAVE_WRK=0
if command -v wrk >/dev/null 2>&1; then HAVE_WRK=1; fi

# --- binaries -------------------------------------------------------------------------
if [[ "$BUILD" == 1 ]]; then
  echo "run_scenarios: building (bazel build --config=opt //:pushgw //bench:pushgw_bench)"
  bazel build --config=opt //:pushgw //bench:pushgw_bench
  cp -f bazel-out/k8-opt/bin/app/pushgw bazel-out/k8-opt/bin/bench/pushgw_bench "$OUT/bin/"
  BIN="$OUT/bin"
fi
BIN="$(cd "$BIN" && pwd)"
for b in pushgw pushgw_bench; do
  [[ -x "$BIN/$b" ]] || { echo "run_scenarios: $BIN/$b missing" >&2; exit 1; }
done

# --- the machine ----------------------------------------------------------------------
python3 - "$OUT/meta.json" "$WORKERS" "$THREADS" "$DURATION" "$REPEAT" "$(cat "$OUT/command.txt")" <<'EOF'
import json, os, platform, subprocess, sys
def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        return ""
model = ""
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        model = line.split(":", 1)[1].strip()
        break
mem_kib = int(open("/proc/meminfo").readline().split()[1])
meta = {
    "cpu_model": model,
    "cpus": os.cpu_count(),
    "memory_gib": round(mem_kib / 1048576, 1),
    "kernel": platform.release(),
    "os": sh(". /etc/os-release && echo $PRETTY_NAME"),
    "nginx": sh("nginx -v 2>&1").replace("nginx version: ", ""),
    "nchan": sh("dpkg-query -W -f='${Version}' libnginx-mod-nchan"),
    "wrk": sh("dpkg-query -W -f='${Version}' wrk"),
    "pushgw_commit": sh("git rev-parse --short HEAD"),
    "pushgw_dirty_files": len([l for l in sh("git status --porcelain --untracked-files=no").splitlines() if l]),
    "open_files_limit": sh("ulimit -Hn"),
    "workers": int(sys.argv[2]),
    "client_threads": int(sys.argv[3]),
    "duration_s": float(sys.argv[4]),
    "repeat": int(sys.argv[5]),
    "command": sys.argv[6],
    "date": sh("date -u +%Y-%m-%dT%H:%M:%SZ"),
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF

# --- servers --------------------------------------------------------------------------
# pushgw runs the reference layout (its embedded default) with the store's
# memory budget raised from 100 MiB to 1 GiB, and nchan gets 1 GiB of shared
# memory (its default is 128 MiB): S3 keeps 10,000 channels x 20 stored
# messages, which outgrows both defaults, and neither limit is what is measured.
"$BIN/pushgw" --print_default_config | sed -e 's/^\(  memory_limit:\).*/\1 1GiB/' >"$OUT/pushgw.yaml"
grep -q "memory_limit: 1GiB" "$OUT/pushgw.yaml" || {
  echo "run_scenarios: could not set memory_limit in pushgw's default configuration" >&2
  exit 1
}

SERVER_PID=""
SERVER_PORT=""
GRPC_PORT=""
SERVER_CHILDREN=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_port() {
  local port=$1
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then return 1; fi
    sleep 0.05
  done
  return 1
}

start_server() {  # server tag
  local server=$1 tag=$2
  SERVER_PORT=$(free_port)
  GRPC_PORT=""
  case "$server" in
    pushgw)
      GRPC_PORT=$(free_port)
      local admin_port
      admin_port=$(free_port)
      "$BIN/pushgw" --config="$OUT/pushgw.yaml" --http_listen="127.0.0.1:$SERVER_PORT" --grpc_listen="127.0.0.1:$GRPC_PORT" \
        --admin_listen="127.0.0.1:$admin_port" --workers="$WORKERS" \
        >"$OUT/logs/$tag.pushgw.log" 2>&1 &
      SERVER_PID=$!
      ;;
    nchan)
      local dir="$OUT/nchan/$tag"
      rm -rf "$dir"
      mkdir -p "$dir/tmp"
      sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$SERVER_PORT|g" -e "s|@WORKERS@|$WORKERS|g" \
        "$ROOT/bench/nchan.conf.in" >"$dir/nginx.conf"
      nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$OUT/logs/$tag.nchan.log" 2>&1 &
      SERVER_PID=$!
      ;;
  esac
  if ! wait_port "$SERVER_PORT"; then
    echo "run_scenarios: $server did not start (see $OUT/logs/$tag.$server.log)" >&2
    stop_server
    return 1
  fi
  if [[ -n "$GRPC_PORT" ]]; then wait_port "$GRPC_PORT" || true; fi
  sleep 0.3
  SERVER_CHILDREN=$(pgrep -P "$SERVER_PID" | tr '\n' ' ' || true)
}

stop_server() {
  [[ -z "$SERVER_PID" ]] && return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 1 100); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  # nginx workers left behind by a killed master (by pid, never by name).
  for pid in $SERVER_CHILDREN; do kill -KILL "$pid" 2>/dev/null || true; done
  SERVER_PID=""
  SERVER_CHILDREN=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# --- runs -----------------------------------------------------------------------------
BOUND=$(python3 -c "print(int(3 * $DURATION + 120))")

bench() {  # name server rep args...
  local name=$1 server=$2 rep=$3
  shift 3
  local tag="$name.$server.$rep"
  timeout --foreground "$BOUND" "$BIN/pushgw_bench" --label="$name" --port="$SERVER_PORT" \
    --server_pid="$SERVER_PID" --threads="$THREADS" --max_seconds="$BOUND" \
    --output="$OUT/raw/$tag.json" "$@" 2>"$OUT/logs/$tag.bench.log" ||
    echo "run_scenarios: $tag: the load generator failed (see $OUT/logs/$tag.bench.log)" >&2
  if [[ -f "$OUT/raw/$tag.json" ]]; then
    python3 - "$OUT/raw/$tag.json" "$server" "$rep" <<'EOF'
import json, sys
path, server, rep = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(path))
d["server"], d["rep"] = server, rep
json.dump(d, open(path, "w"))
if "error" in d:
    print(f"  {server:6s} error: {d['error']}")
    sys.exit()
lat, dl, pub = d["latency_ms"], d["delivery"], d["publish"]
line = f"  {server:6s}"
if d["config"]["storm"]:
    s = d["storm"]
    line += f" storm {s['per_second']:.0f} conn/s, {s['errors']} errors"
else:
    if d["connect"]["subscribed"]:
        line += (f" {d['connect']['subscribed']} subs in {d['connect']['seconds']:.2f}s,"
                 f" {d['memory']['pss_per_subscriber']:.0f} B/sub")
    if pub["ok"]:
        line += f"; pub {pub['per_second']:.0f}/s"
    if dl["expected"]:
        line += (f", deliv {dl['per_second']:.0f}/s ({dl['delivered']}/{dl['expected']})"
                 f" p50 {lat['p50']:.2f} p99 {lat['p99']:.2f} p99.9 {lat['p999']:.2f} ms;")
    if d["cpu"]["wall_seconds"] >= 0.5:
        line += f" server {d['cpu']['server_cores']:.2f} cores, client {d['cpu']['client_cores']:.2f}"
if d["errors"]["count"] or pub["failed"]:
    line += f" [errors {d['errors']['count']}+{pub['failed']}: {d['errors']['first'] or pub['first_error']}]"
print(line)
EOF
  fi
}

wrk_run() {  # name server rep
  local name=$1 server=$2 rep=$3
  local tag="$name.$server.$rep"
  cat >"$OUT/wrk_publish.lua" <<'EOF'
-- POST /pub?id=w<n> round-robin over 100 channels, 100-byte bodies.
local n = 0
local body = "@0000000000000000000@" .. string.rep("x", 79)
request = function()
  n = n + 1
  return wrk.format("POST", "/pub?id=wrk" .. (n % 100), nil, body)
end
EOF
  timeout --foreground "$BOUND" wrk -t1 -c4 -d"${DURATION}s" --latency -s "$OUT/wrk_publish.lua" \
    "http://127.0.0.1:$SERVER_PORT" >"$OUT/logs/$tag.wrk.txt" 2>&1 || true
  python3 - "$OUT/logs/$tag.wrk.txt" "$OUT/raw/$tag.json" "$name" "$server" "$rep" <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"Requests/sec:\s*([\d.]+)", text)
bad = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", text)
rate = float(m.group(1)) if m else 0.0
d = {"label": sys.argv[3], "server": sys.argv[4], "rep": int(sys.argv[5]), "tool": "wrk",
     "publish": {"per_second": rate, "non_2xx": int(bad.group(1)) if bad else 0},
     "wrk_output": text}
json.dump(d, open(sys.argv[2], "w"))
print(f"  {sys.argv[4]:6s} wrk {rate:.0f} req/s" + (f" ({bad.group(1)} non-2xx)" if bad else ""))
EOF
}

# One scenario on one server: fresh server, the run(s), stop.
scenario_on() {  # scenario server rep
  local s=$1 server=$2 rep=$3
  local d=$DURATION
  case "$s" in
    S1)
      for mode in eventsource websocket; do
        start_server "$server" "S1-$mode.$rep" || continue
        bench "S1-$mode" "$server" "$rep" --mode="$mode" --subscribers=10000 --channels=1000 \
          --publish=none --settle=2 --connect_window=256
        stop_server
      done
      ;;
    S2)
      start_server "$server" "S2.$rep" || return 0
      bench S2 "$server" "$rep" --mode=eventsource --subscribers=2000 --channels=1 \
        --publishers=4 --message_size=100 --duration="$d" --drain=10
      stop_server
      ;;
    S3)
      start_server "$server" "S3.$rep" || return 0
      bench S3 "$server" "$rep" --mode=websocket --subscribers=10000 --channels=10000 \
        --publishers=4 --message_size=100 --duration="$d" --drain=10
      stop_server
      start_server "$server" "S3-pipelined.$rep" || return 0
      # The same with 16 requests in flight per publisher connection: the
      # server's capacity rather than the publishers' round trips.
      bench S3-pipelined "$server" "$rep" --mode=websocket --subscribers=10000 \
        --channels=10000 --publishers=4 --pipeline=16 --message_size=100 --duration="$d" \
        --drain=10
      stop_server
      ;;
    S4)
      start_server "$server" "S4.$rep" || return 0
      bench S4-http "$server" "$rep" --subscribers=0 --channels=100 --publishers=4 \
        --message_size=100 --duration="$d"
      bench S4-http-pipelined "$server" "$rep" --subscribers=0 --channels=100 --publishers=4 \
        --pipeline=16 --message_size=100 --duration="$d"
      if [[ "$HAVE_WRK" == 1 ]]; then wrk_run S4-wrk "$server" "$rep"; fi
      if [[ "$server" == pushgw ]]; then
        bench S4-grpc "$server" "$rep" --subscribers=0 --channels=100 --publish=grpc \
          --grpc_target="127.0.0.1:$GRPC_PORT" --publishers=4 --pipeline=16 \
          --message_size=100 --duration="$d"
        bench S4-grpc-stream "$server" "$rep" --subscribers=0 --channels=100 \
          --publish=grpc-stream --grpc_target="127.0.0.1:$GRPC_PORT" --publishers=4 \
          --pipeline=256 --message_size=100 --duration="$d"
      fi
      stop_server
      ;;
    S5)
      start_server "$server" "S5.$rep" || return 0
      bench S5 "$server" "$rep" --mode=eventsource --subscribers=1000 --channels=100 \
        --publishers=4 --rate=1000 --message_size=100 --duration="$d"
      stop_server
      ;;
    S6)
      start_server "$server" "S6-lp.$rep" || return 0
      bench S6-long-polling "$server" "$rep" --mode=long-polling --subscribers=1000 \
        --channels=100 --publishers=4 --rate=1000 --message_size=100 --duration="$d"
      stop_server
      for window in 200 2000; do
        start_server "$server" "S6-storm-$window.$rep" || continue
        bench "S6-storm-$window" "$server" "$rep" --storm --mode=eventsource --channels=100 \
          --connect_window="$window" --source_addresses=64 --duration="$STORM_DURATION"
        stop_server
      done
      ;;
    *) echo "run_scenarios: unknown scenario $s" >&2 ;;
  esac
}

IFS=',' read -r -a scenario_list <<<"$SCENARIOS"
IFS=',' read -r -a server_list <<<"$SERVERS"
echo "run_scenarios: output in $OUT"
for s in "${scenario_list[@]}"; do
  for rep in $(seq 1 "$REPEAT"); do
    echo "== $s (run $rep/$REPEAT)"
    # Alternate which server goes first so drifting background load hits both.
    order=("${server_list[@]}")
    if ((rep % 2 == 0)) && ((${#order[@]} == 2)); then order=("${order[1]}" "${order[0]}"); fi
    for server in "${order[@]}"; do scenario_on "$s" "$server" "$rep"; done
  done
done

# --- report ---------------------------------------------------------------------------
docs_args=()
if [[ "$DOCS" == 1 ]]; then docs_args=(--docs "$ROOT/docs/benchmarks.md" --docs_images "$ROOT/docs/benchmarks"); fi
python3 "$ROOT/bench/report.py" --out "$OUT" "${docs_args[@]}"
echo "run_scenarios: results in $OUT (results.json, table.md, *.png)"
