#!/usr/bin/env bash
# Drives pushgwctl as a process against the pushgw binary (HTTP and gRPC on
# port 0): every command, its output and exit code (0 ok, 1 server error,
# 2 usage, 3 unreachable); then a second server with bearer tokens.
set -uo pipefail
pushgw="$1"
ctl="$2"
tmp="${TEST_TMPDIR:-$(mktemp -d)}"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

fail() { echo "FAIL: $*"; exit 1; }

# Starts pushgw with extra args; sets $grpc and $http to its ports.
start() {
  local log="$tmp/pushgw.$1.log"
  shift
  "$pushgw" --http_listen=127.0.0.1:0 --grpc_listen=127.0.0.1:0 --admin_listen=127.0.0.1:0 \
    --workers=1 "$@" 2>"$log" &
  pids+=($!)
  grpc=""
  for _ in $(seq 1 500); do
    grpc=$(sed -n 's/.*listening for gRPC on .* (port \([0-9]*\)).*/\1/p' "$log" | head -n1)
    [[ -n "$grpc" ]] && break
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$log"; fail "pushgw exited"; }
    sleep 0.01
  done
  [[ -n "$grpc" ]] || { cat "$log"; fail "no gRPC port in the log"; }
  http=$(sed -n 's/.*listening for HTTP on .* (port \([0-9]*\)).*/\1/p' "$log" | head -n1)
}

# expect CODE CMD...: runs pushgwctl, checks the exit code; output in $out/$err.
expect() {
  local code="$1"
  shift
  "$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  [[ $rc -eq $code ]] || fail "pushgwctl $* exited $rc, expected $code; out [$out] err [$err]"
}

# Waits until FILE contains TEXT.
wait_for() {
  for _ in $(seq 1 500); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.01
  done
  echo "--- $1:"; cat "$1"; fail "timed out waiting for [$2]"
}

start plain
export PUSHGW_TARGET="127.0.0.1:$grpc"

expect 0 health
[[ "$out" == "SERVING" ]] || fail "health printed [$out]"

# An events watcher, then a live subscriber, in the background.
"$ctl" events --count=3 --prefix=live >"$tmp/events.out" 2>"$tmp/events.err" &
events=$!
wait_for "$tmp/events.err" "watching events"
"$ctl" subscribe --count=3 live >"$tmp/sub.out" 2>"$tmp/sub.err" &
sub=$!
wait_for "$tmp/sub.err" "subscribed to 1 channel"

expect 0 publish live "hello"
[[ "$out" =~ ^live:\ id=1\ time=[0-9]+\ tag=[0-9]+\ stored=1\ subscribers=1$ ]] ||
  fail "publish printed [$out]"
printf 'from stdin' | "$ctl" publish --event_id=e2 live/other >"$tmp/out" || fail "stdin publish"
grep -q '^other: id=1 ' "$tmp/out" || fail "multi-channel publish printed [$(cat "$tmp/out")]"
expect 0 publish --idempotency_key=k1 live "third"
expect 0 publish --idempotency_key=k1 live "third"
[[ "$out" == *"(duplicate)" ]] || fail "retry printed [$out]"

wait "$sub" || fail "subscribe exited $?"
expected=$'live 1 hello\nlive 2 from stdin\nlive 3 third'
[[ "$(cat "$tmp/sub.out")" == "$expected" ]] || fail "subscribe printed [$(cat "$tmp/sub.out")]"
wait "$events" || fail "events exited $?"
[[ "$(cat "$tmp/events.out")" == $'channel_created live\nclient_subscribed live\nclient_unsubscribed live' ]] ||
  fail "events printed [$(cat "$tmp/events.out")]"

# The HTTP side sees the gRPC publishes.
polled=$(curl -sS "http://127.0.0.1:$http/lp/live.b1")
[[ "$polled" == *'"text":"third"'* ]] || fail "HTTP long-poll got [$polled]"

expect 0 subscribe --count=2 live.b2
[[ "$out" == $'live 2 from stdin\nlive 3 third' ]] || fail "backtrack printed [$out]"

expect 0 channels
[[ "$out" == $'live published=3 stored=3 subscribers=0\nother published=1 stored=1 subscribers=0' ]] ||
  fail "channels printed [$out]"
expect 0 channels --prefix=oth
[[ "$out" == "other published=1 stored=1 subscribers=0" ]] || fail "channels --prefix printed [$out]"
expect 0 stats
grep -q '^channels: 2$' "$tmp/out" || fail "stats printed [$out]"
grep -q '^published_messages: 4$' "$tmp/out" || fail "stats printed [$out]"
grep -q '^worker: pid=[1-9]' "$tmp/out" || fail "stats printed no worker [$out]"

expect 0 delete live nothing
[[ "$out" == $'deleted: live\nnot found: nothing' ]] || fail "delete printed [$out]"
expect 1 delete live
[[ "$err" == "pushgwctl: NOT_FOUND: no such channel" ]] || fail "delete again: [$err]"
expect 1 publish live ""
[[ "$err" == "pushgwctl: INVALID_ARGUMENT: Empty post requests are not allowed." ]] ||
  fail "empty publish: [$err]"
expect 1 channels ALL
[[ "$err" == "pushgwctl: INVALID_ARGUMENT: Channel id not authorized for this method." ]] ||
  fail "channels ALL: [$err]"
expect 2 frobnicate
[[ "$err" == *'unknown command "frobnicate"'* ]] || fail "unknown command: [$err]"
expect 2
expect 2 publish
expect 3 --target=127.0.0.1:1 --timeout=2s health
[[ "$err" == "pushgwctl: cannot reach 127.0.0.1:1:"* ]] || fail "unreachable: [$err]"

# Bearer tokens: one from the environment of the server, one in the file.
cat >"$tmp/tokens.yaml" <<'YAML'
control:
  tokens:
    - {name: ops, role: admin, token_env: PUSHGWCTL_TEST_ADMIN}
    - {name: backend, role: publisher, token: pub-token}
locations:
  - {path: /pub, type: publisher, channels_path: {query_argument: id}}
YAML
PUSHGWCTL_TEST_ADMIN=admin-token start tokens --config="$tmp/tokens.yaml"
grep -q "bearer tokens required" "$tmp/pushgw.tokens.log" || fail "no auth in the startup line"
export PUSHGW_TARGET="127.0.0.1:$grpc"
expect 0 health  # no token needed
expect 1 publish t "x"
[[ "$err" == "pushgwctl: UNAUTHENTICATED: missing credentials: send the metadata \"authorization: Bearer <token>\"" ]] ||
  fail "no token: [$err]"
expect 1 --token=nope publish t "x"
[[ "$err" == "pushgwctl: UNAUTHENTICATED: invalid token" ]] || fail "bad token: [$err]"
expect 0 --token=pub-token publish t "x"
expect 1 --token=pub-token delete t
[[ "$err" == "pushgwctl: PERMISSION_DENIED: token \"backend\" has the role publisher; this call needs admin" ]] ||
  fail "publisher delete: [$err]"
printf 'admin-token\n' >"$tmp/admin.token"
expect 0 --token_file="$tmp/admin.token" delete t
PUSHGW_TOKEN=admin-token expect 1 delete t  # from the environment: authorized, but gone
[[ "$err" == "pushgwctl: NOT_FOUND: no such channel" ]] || fail "env token: [$err]"

for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" || fail "pushgw exited $? on SIGTERM"; done
pids=()
echo "PASS"
