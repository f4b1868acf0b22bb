#!/usr/bin/env bash
# test_slow_clients.sh — a request has a total deadline for its headers and for its body (serve --header-timeout,
# --body-timeout), so slow clients cannot hold the server's connections: slowhttptest's slow-header (Slowloris, -H)
# and slow-body (R-U-Dead-Yet, -B) attacks from one address find every one of their connections closed by the
# server long before the test's time limit, and /healthz keeps answering meanwhile. Without the deadlines each
# trickling connection stays open as long as it sends a byte per second (MHD's own timeout is an idle timeout).
# SQLite only. Needs slowhttptest (scripts/install-deps). Binary: $MOTCUA_BIN (default build/san/motcua).
# Prints one final line "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-slow.XXXXXX)
trap it_cleanup EXIT

if ! command -v slowhttptest >/dev/null; then
  fail "slowhttptest is installed (scripts/install-deps)"
  it_summary
  exit 1
fi

"$MOTCUA_BIN" demo --db "$WORK/s.db" >/dev/null || fail "demo data loads"
# SLOW_SERVE_ARGS: to see the test fail without deadlines, e.g. "--header-timeout 3600 --body-timeout 3600".
# shellcheck disable=SC2086
start_serve slow "$WORK/s.db" ${SLOW_SERVE_ARGS:---header-timeout 2 --body-timeout 3} || { fail "serve starts"; it_summary; exit 1; }
BASE="http://127.0.0.1:$SERVE_PORT"

# probe_while PID: curl /healthz every half second while PID runs; prints "ok bad".
probe_while() {
  local pid=$1 good=0 bad=0
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]; then good=$((good + 1)); else bad=$((bad + 1)); fi
    sleep 0.5
  done
  echo "$good $bad"
}

# attack NAME ARGS...: run slowhttptest (at most 25 s) with /healthz probed meanwhile.
attack() {
  local name=$1; shift
  slowhttptest "$@" -i 1 -l 25 -p 5 >"$WORK/$name.log" 2>&1 &
  local pid=$!
  IT_PIDS+=("$pid")
  local counts start=$SECONDS
  counts=$(probe_while "$pid")
  wait "$pid"
  local took=$((SECONDS - start)) good=${counts% *} bad=${counts#* }
  # "No open connections left": the server closed every attacking connection before the 25 s limit.
  if grep -q 'No open connections left' "$WORK/$name.log"; then
    ok "$name: the server closed every slow connection (after ${took} s of a 25 s attack)"
  else
    fail "$name: slow connections were still open at the time limit:"
    tail -n 25 "$WORK/$name.log"
  fi
  check "$name: /healthz answered throughout ($good answered, $bad failed)" test "$bad" -eq 0 -a "$good" -gt 0
}

attack slow-headers -H -c 300 -r 50 -u "$BASE/healthz"
attack slow-body -B -c 50 -r 50 -s 8192 -u "$BASE/api/v1/session"
check "the deadline closings are logged" grep -q 'closed [0-9]* connection(s) whose request headers or body' "$WORK/slow.err"
check "a normal request still works after the attacks" [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/readyz")" = 200 ]
stop_serve slow "$SERVE_PID"
it_summary
