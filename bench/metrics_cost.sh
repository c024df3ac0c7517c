#!/usr/bin/env bash
# What the hot-path metrics cost: the S2 fan-out (2000 EventSource subscribers on
# one channel, 4 keep-alive publishers flat out, 100-byte messages) against two
# builds of pushgw side by side, alternating: --config=opt (metrics on) and
# --config=nometrics (the counter writes compiled out). Prints medians.
#   bench/metrics_cost.sh [--repeat=3] [--duration=6]
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=3
duration=6
for arg in "$@"; do
  case "$arg" in
    --repeat=*) repeat="${arg#*=}" ;;
    --duration=*) duration="${arg#*=}" ;;
    *) echo "usage: $0 [--repeat=N] [--duration=SECONDS]" >&2; exit 2 ;;
  esac
done
out=$(mktemp -d /tmp/pushgw-metrics-cost-XXXXXX)
bazel build --config=opt //:pushgw //bench:pushgw_bench >/dev/null 2>&1
cp bazel-out/k8-opt/bin/app/pushgw "$out/pushgw-metrics"
cp bazel-out/k8-opt/bin/bench/pushgw_bench "$out/pushgw_bench"
bazel build --config=nometrics //:pushgw >/dev/null 2>&1
cp bazel-out/k8-opt/bin/app/pushgw "$out/pushgw-nometrics"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for rep in $(seq 1 "$repeat"); do
  for v in metrics nometrics; do
    "$out/pushgw-$v" --http_listen="127.0.0.1:$port" --grpc_listen=127.0.0.1:0 \
      --admin_listen=127.0.0.1:0 --workers=2 2>/dev/null &
    pid=$!
    for _ in $(seq 1 200); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      sleep 0.02
    done
    timeout $((duration + 60)) "$out/pushgw_bench" --port="$port" --mode=eventsource \
      --subscribers=2000 --channels=1 --publishers=4 --message_size=100 --duration="$duration" \
      --drain=5 --server_pid="$pid" >"$out/$v.$rep.json" 2>/dev/null || true
    kill "$pid"
    wait "$pid" 2>/dev/null || true
  done
done
python3 - "$out" "$repeat" <<'PY'
import json, statistics, sys
out, repeat = sys.argv[1], int(sys.argv[2])
med = {}
for v in ("metrics", "nometrics"):
    runs = [json.load(open(f"{out}/{v}.{r}.json")) for r in range(1, repeat + 1)]
    dps = statistics.median(r["delivery"]["per_second"] for r in runs)
    us = statistics.median(r["cpu"]["server_us_per_delivered"] for r in runs)
    med[v] = (dps, us)
    print(f"{v:10s} delivered/s {dps:10.0f}   server CPU per delivered message {us:.2f} us")
print(f"metrics on/off: delivered/s {med['metrics'][0] / med['nometrics'][0]:.3f}x, "
      f"server CPU per delivery {med['metrics'][1] / med['nometrics'][1]:.3f}x")
PY
