# lib.sh — shared machinery of the integration tests (sourced, not run): pass/fail counting, free loopback ports,
# `motcua serve` processes started and stopped with their exit code and sanitizer reports checked, haproxy in front
# of several of them, and a PostgreSQL database of the test's own (tests/pg-cluster).
#
# The sourcing script sets WORK (a temp dir it owns) before calling these and must call it_cleanup from an EXIT
# trap: every process started here is recorded in IT_PIDS and killed there, also when the test fails half-way.

REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MOTCUA_BIN=${MOTCUA_BIN:-build/san/motcua}
case $MOTCUA_BIN in /*) ;; *) MOTCUA_BIN=$REPO/$MOTCUA_BIN ;; esac
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
SANITIZER_RE='ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:'

IT_PASS=0
IT_FAIL=0
IT_PIDS=()
IT_PG_DIR=""       # a cluster this test started (stopped by it_cleanup)

ok() { IT_PASS=$((IT_PASS + 1)); echo "PASS $*"; }
fail() { IT_FAIL=$((IT_FAIL + 1)); echo "FAIL $*"; }
# check NAME CMD...: pass when CMD succeeds.
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

# count_lines FILE: add the PASS/FAIL lines a helper (hammer.py) printed to this test's counts, and show them.
count_lines() {
  cat "$1"
  IT_PASS=$((IT_PASS + $(grep -c '^PASS ' "$1" || true)))
  IT_FAIL=$((IT_FAIL + $(grep -c '^FAIL ' "$1" || true)))
  grep -q -E '^(PASS|FAIL) ' "$1" || fail "helper $1 printed no check"
}

it_summary() {
  echo "$IT_PASS passed, $IT_FAIL failed"
  [ "$IT_FAIL" -eq 0 ]
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_serve NAME DBURL [serve args...]: start `motcua serve` on a free port; sets SERVE_PID and SERVE_PORT.
# Its stdout goes to $WORK/NAME.out, its stderr (log, access log, sanitizer reports) to $WORK/NAME.err.
start_serve() {
  local name=$1 db=$2; shift 2
  "$MOTCUA_BIN" serve --db "$db" --listen 127.0.0.1:0 --threads 2 "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  SERVE_PID=$!
  IT_PIDS+=("$SERVE_PID")
  SERVE_PORT=""
  for _ in $(seq 300); do
    SERVE_PORT=$(sed -n 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$WORK/$name.out")
    [ -n "$SERVE_PORT" ] && return 0
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "start_serve $name: no 'listening on' line; stderr:" >&2
  tail -n 20 "$WORK/$name.err" >&2
  return 1
}

# stop_serve NAME PID: SIGTERM, wait (bounded), check exit 0 and no sanitizer report on its stderr
# ($WORK/NAME.err, as named by start_serve).
stop_serve() {
  local name=$1 pid=$2 rc
  kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    fail "$name exits within 30 s of SIGTERM"
  fi
  wait "$pid"
  rc=$?
  check "$name exits 0 on SIGTERM (got $rc)" [ "$rc" -eq 0 ]
  if [ ! -f "$WORK/$name.err" ]; then
    fail "$name: no stderr file $WORK/$name.err"
  elif grep -q -E "$SANITIZER_RE" "$WORK/$name.err"; then
    fail "$name: sanitizer report on stderr:"
    grep -E -A 20 "$SANITIZER_RE" "$WORK/$name.err" | head -n 40
  else
    ok "$name: no sanitizer report on stderr"
  fi
}

# start_haproxy NAME PORT BACKEND_PORT...: haproxy in the foreground (-db) on 127.0.0.1:PORT, round-robin over the
# backends, health-checked on /readyz. The config is written to $WORK/NAME.cfg (docs/deploy.md shows the same).
start_haproxy() {
  local name=$1 port=$2; shift 2
  local servers="" i=0
  for p in "$@"; do
    i=$((i + 1))
    servers+="  server motcua$i 127.0.0.1:$p check inter 2s"$'\n'
  done
  cat >"$WORK/$name.cfg" <<CFG
# haproxy in front of several motcua processes sharing one database (written by tests/integration/lib.sh).
global
  maxconn 2000
  pidfile $WORK/$name.pid
defaults
  mode http
  option httplog
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 10s
frontend motcua_in
  bind 127.0.0.1:$port
  default_backend motcua
backend motcua
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
$servers
CFG
  haproxy -db -f "$WORK/$name.cfg" >"$WORK/$name.log" 2>&1 &
  HAPROXY_PID=$!
  IT_PIDS+=("$HAPROXY_PID")
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && return 0
    kill -0 "$HAPROXY_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "start_haproxy: not answering; log:" >&2
  cat "$WORK/$name.log" >&2
  return 1
}

# stop_haproxy PID: soft stop (SIGUSR1: finish open connections, then exit).
stop_haproxy() {
  local pid=$1 rc
  kill -USR1 "$pid" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid"
  rc=$?
  check "haproxy stops cleanly (exit $rc)" [ "$rc" -eq 0 ]
}

# pg_setup: make a PostgreSQL cluster available; call it in the test's own shell (not inside $(...), or the
# cluster would not be known to it_cleanup). Uses the cluster of scripts/check when $MOTCUA_TEST_PG_DIR is set,
# else starts a cluster of this test's own (stopped by it_cleanup). Returns 1 when PostgreSQL is not usable.
pg_available() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null; }
pg_setup() {
  [ -n "${MOTCUA_TEST_PG_DIR:-}" ] && return 0
  [ -n "$IT_PG_DIR" ] && return 0
  IT_PG_DIR=$(mktemp -d /tmp/motcua-itpg.XXXXXX)
  "$REPO/tests/pg-cluster" start "$IT_PG_DIR" >/dev/null
}
# pg_new_database NAME: print the URL of a fresh database NAME in the cluster of pg_setup.
pg_new_database() { "$REPO/tests/pg-cluster" newdb "$(pg_cluster_dir)" "$1"; }
pg_cluster_dir() { echo "${MOTCUA_TEST_PG_DIR:-$IT_PG_DIR}"; }

it_cleanup() {
  local pid
  for pid in "${IT_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  [ -n "$IT_PG_DIR" ] && "$REPO/tests/pg-cluster" stop "$IT_PG_DIR" >/dev/null 2>&1
  [ -n "${WORK:-}" ] && rm -rf "$WORK"
}
