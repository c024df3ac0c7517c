#!/usr/bin/env bash
# Drives the pushgw binary as a process: default layout on port 0 (HTTP and
# gRPC), a publish and a stored-message poll over curl, SIGTERM -> exit 0; a
# bad config file -> exit 2 with an error naming the field.
set -euo pipefail
bin="$1"
ctl="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
log="$tmp/pushgw.log"

# The default layout plus a short drain: load the embedded one and append.
"$bin" --print_default_config | sed 's/^listeners:$/listeners:\n  drain_grace_period: 2s/' > "$tmp/layout.yaml"
"$bin" --config="$tmp/layout.yaml" --http_listen=127.0.0.1:0 --grpc_listen=127.0.0.1:0 \
  --admin_listen=127.0.0.1:0 --workers=2 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

port=""
for _ in $(seq 1 500); do
  port=$(sed -n 's/.*(port \([0-9]*\)).*/\1/p' "$log" | head -n1)
  [[ -n "$port" ]] && break
  kill -0 $pid 2>/dev/null || { cat "$log"; echo "FAIL: pushgw exited"; exit 1; }
  sleep 0.01
done
[[ -n "$port" ]] || { cat "$log"; echo "FAIL: no port in the log"; exit 1; }
grep -q "open-file limit" "$log" || { cat "$log"; echo "FAIL: no capacity line"; exit 1; }
# Every line on stderr is one JSON object.
while IFS= read -r line; do
  [[ "$line" == "{\"ts\":\""*"}" ]] || { echo "FAIL: not a JSON log line: $line"; exit 1; }
done < "$log"
grep -q "listening for gRPC on 127.0.0.1:0 (port [1-9][0-9]*), plaintext, no authentication" "$log" ||
  { cat "$log"; echo "FAIL: no gRPC line"; exit 1; }

body=$(curl -sS -d 'hi' "http://127.0.0.1:$port/pub?id=ch1")
expected='{"channel": "ch1", "published_messages": 1, "stored_messages": 1, "subscribers": 0}'
[[ "$body" == "$expected"$'\r' ]] || { echo "FAIL: publish answered [$body]"; exit 1; }

admin=$(sed -n 's/.*(admin port \([0-9]*\)).*/\1/p' "$log" | head -n1)
[[ -n "$admin" ]] || { cat "$log"; echo "FAIL: no admin port in the log"; exit 1; }
[[ "$(curl -sS "http://127.0.0.1:$admin/healthz")" == "ok" ]] || { echo "FAIL: /healthz"; exit 1; }
[[ "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin/readyz")" == "200" ]] ||
  { echo "FAIL: /readyz before drain"; exit 1; }
curl -sS "http://127.0.0.1:$admin/metrics" > "$tmp/metrics.txt"
grep -q '^pushgw_messages_published_total{source="http"} 1$' "$tmp/metrics.txt" ||
  { cat "$tmp/metrics.txt"; echo "FAIL: metrics"; exit 1; }
grep -q '^pushgw_build_info{version="[^"]*",commit="[^"]*"} 1$' "$tmp/metrics.txt" ||
  { echo "FAIL: build_info"; exit 1; }

grpc=$(sed -n 's/.*listening for gRPC on .* (port \([0-9]*\)).*/\1/p' "$log" | head -n1)
"$ctl" --target="127.0.0.1:$grpc" publish via_grpc "x" >/dev/null || { echo "FAIL: pushgwctl publish"; exit 1; }
curl -sS "http://127.0.0.1:$admin/metrics" | grep -q '^pushgw_grpc_calls_total{method="/pushgw.v1.Control/Publish",code="OK"} 1$' ||
  { echo "FAIL: pushgw_grpc_calls_total"; exit 1; }

polled=$(curl -sS "http://127.0.0.1:$port/lp/ch1.b1")
[[ "$polled" == '{"id":1,"channel":"ch1","text":"hi", "tag":"1", "time":"'*'", "eventid":""}' ]] ||
  { echo "FAIL: long-poll answered [$polled]"; exit 1; }

# SIGTERM with an EventSource subscriber: it gets its stream's end, the
# process exits 0 within the 2 s grace.
curl -sS -N "http://127.0.0.1:$port/ev/ch1" > "$tmp/ev.out" &
curl_pid=$!
for _ in $(seq 1 500); do
  [[ -s "$tmp/ev.out" ]] && break
  sleep 0.01
done
start=$(date +%s%N)
kill -TERM $pid
set +e
wait $pid
rc=$?
wait $curl_pid
curl_rc=$?
set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ $curl_rc -eq 0 ]] || { echo "FAIL: the EventSource stream did not end cleanly ($curl_rc)"; exit 1; }
[[ $elapsed_ms -lt 3000 ]] || { echo "FAIL: drain took ${elapsed_ms} ms"; exit 1; }
grep -q '"msg":"draining"' "$log" || { cat "$log"; echo "FAIL: no drain log line"; exit 1; }
[[ $rc -eq 0 ]] || { echo "FAIL: exit code $rc after SIGTERM"; exit 1; }
trap - EXIT

printf 'store:\n  message_ttl: 3x\n' > "$tmp/bad.yaml"
set +e
"$bin" --config="$tmp/bad.yaml" 2>"$tmp/bad.log"
rc=$?
set -e
[[ $rc -eq 2 ]] || { echo "FAIL: bad config exit code $rc"; exit 1; }
grep -q 'store.message_ttl: invalid duration \\"3x\\"' "$tmp/bad.log" ||
  { cat "$tmp/bad.log"; echo "FAIL: bad config message"; exit 1; }
echo "PASS"
