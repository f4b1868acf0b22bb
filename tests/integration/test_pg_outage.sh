#!/usr/bin/env bash
# test_pg_outage.sh — the PostgreSQL server goes away under a running motcua, then comes back.
#
# While the database is down: every request that needs the store gets 503 problem+json (MSG_UNAVAILABLE or, for
# /readyz, MSG_NOT_READY), never a crash or a hang; /healthz still answers 200 (the process is alive). After the
# database is back: the same process reconnects on its own, reads and writes work, and the ledger verifies.
# GET /metrics keeps answering through it (promtool-clean): motcua_store_up 0 and the store's read errors counted
# while down, 1 and the figures again once it is back. The
# test runs its OWN cluster (stopping a shared one would disturb other suites). Binary: $MOTCUA_BIN (default
# build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-outage.XXXXXX)
trap it_cleanup EXIT
unset MOTCUA_TEST_PG_DIR MOTCUA_TEST_PG_URL      # a private cluster: this test stops it

if ! pg_available; then
  fail "PostgreSQL server binaries are installed (scripts/install-deps)"
  it_summary
  exit 1
fi
pg_setup
DB=$(pg_new_database outage)
"$MOTCUA_BIN" demo --db "$DB" >/dev/null || fail "demo data loads"
start_serve outage "$DB" || { fail "motcua serve starts"; it_summary; exit 1; }
PORT=$SERVE_PORT
PID=$SERVE_PID
JAR="$WORK/jar"
CSRF=$(curl -sf -m 30 -c "$JAR" -H 'Content-Type: application/json' -d '{"username":"admin","password":"demo"}' \
  "http://127.0.0.1:$PORT/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
check "sign-in works while the database is up" test -n "$CSRF"
ROOT=$(curl -sf -m 30 -b "$JAR" "http://127.0.0.1:$PORT/api/v1/units?kind=national" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')

# status_and_code METHOD PATH [BODY]: "<http status> <problem code or ->" within 30 s.
status_and_code() {
  local method=$1 path=$2 body=${3:-}
  local args=(-s -m 30 -b "$JAR" -o "$WORK/body" -w '%{http_code}' -X "$method" -H "X-CSRF-Token: $CSRF"
              -H 'If-Match: "1"')
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' -d "$body")
  local status
  status=$(curl "${args[@]}" "http://127.0.0.1:$PORT$path")
  local code
  code=$(python3 -c 'import json,sys
try:
    b = json.load(open(sys.argv[1])); print(b.get("code", "-") if b.get("messages", {}).get("vi") and b["messages"].get("en") else "-")
except Exception:
    print("-")' "$WORK/body")
  echo "$status $code"
}

# metric NAME: the value of the sample NAME (e.g. 'motcua_store_errors_total{op="read",kind="io"}') in a fresh
# scrape of GET /metrics, or "absent"; the scrape must pass promtool check metrics.
metric() {
  curl -s -m 30 -o "$WORK/metrics" "http://127.0.0.1:$PORT/metrics"
  promtool check metrics <"$WORK/metrics" >"$WORK/promtool" 2>&1 || { echo "promtool-failed"; return; }
  [ -s "$WORK/promtool" ] && { echo "promtool-lint"; return; }
  awk -v n="$1" '$1 == n { print $2; f = 1 } END { if (!f) print "absent" }' "$WORK/metrics"
}
check "metrics: the store is up before the outage" test "$(metric motcua_store_up)" = 1
check "metrics: no store read error before the outage" test "$(metric 'motcua_store_errors_total{op="read",kind="io"}')" = 0

"$REPO/tests/pg-cluster" halt "$(pg_cluster_dir)" >/dev/null
check "the database is down" bash -c "! psql '$DB' -c 'SELECT 1' >/dev/null 2>&1"

r=$(status_and_code GET /api/v1/me)
check "GET /api/v1/me while the database is down is 503 MSG_UNAVAILABLE (got $r)" test "$r" = "503 MSG_UNAVAILABLE"
r=$(status_and_code GET "/api/v1/units/$ROOT")
check "GET a unit while down is 503 MSG_UNAVAILABLE (got $r)" test "$r" = "503 MSG_UNAVAILABLE"
r=$(status_and_code POST /api/v1/session '{"username":"admin","password":"demo"}')
check "sign-in while down is 503 MSG_UNAVAILABLE (got $r)" test "$r" = "503 MSG_UNAVAILABLE"
r=$(status_and_code PATCH "/api/v1/units/$ROOT" '{"name":"Việt Nam"}')
check "a write while down is 503 MSG_UNAVAILABLE (got $r)" test "$r" = "503 MSG_UNAVAILABLE"
r=$(status_and_code GET /readyz)
check "/readyz while down is 503 MSG_NOT_READY (got $r)" test "$r" = "503 MSG_NOT_READY"
ra=$(curl -s -m 30 -D - -o /dev/null "http://127.0.0.1:$PORT/readyz" | tr -d '\r' | sed -n 's/^[Rr]etry-[Aa]fter: *//p')
check "/readyz while down says when to ask again (Retry-After: '$ra')" bash -c "[[ '$ra' =~ ^[0-9]+$ ]]"
r=$(curl -s -m 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
check "/healthz while down is still 200 (the process is alive)" test "$r" = 200
check "the process is still running" kill -0 "$PID"
check "metrics: GET /metrics still answers while down, store_up 0" test "$(metric motcua_store_up)" = 0
check "metrics: no store figure is made up while down" test "$(metric 'motcua_ledger_chains')" = absent
n=$(metric 'motcua_store_errors_total{op="read",kind="io"}')
check "metrics: the failed reads are counted as store read errors (got $n)" test "$n" -ge 3 2>/dev/null
n=$(metric 'motcua_http_requests_total{route="/api/v1/me",method="GET",status="5xx"}')
check "metrics: GET /api/v1/me counted as 5xx under its pattern (got $n)" test "$n" = 1

"$REPO/tests/pg-cluster" resume "$(pg_cluster_dir)" >/dev/null
r=""
for _ in $(seq 50); do
  r=$(curl -s -m 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")
  [ "$r" = 200 ] && break
  sleep 0.2
done
check "/readyz is 200 again after the database is back" test "$r" = 200
r=$(status_and_code GET /api/v1/me)
check "the session still works after the outage (got $r)" test "$r" = "200 -"
VERSION=$(curl -sf -m 30 -b "$JAR" "http://127.0.0.1:$PORT/api/v1/units/$ROOT" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
status=$(curl -s -m 30 -b "$JAR" -o /dev/null -w '%{http_code}' -X PATCH -H "X-CSRF-Token: $CSRF" \
  -H "If-Match: \"$VERSION\"" -H 'Content-Type: application/json' -d '{"abbr":"CP"}' \
  "http://127.0.0.1:$PORT/api/v1/units/$ROOT")
check "a write after the outage succeeds (got $status)" test "$status" = 200
check "metrics: the store is up again after the outage" test "$(metric motcua_store_up)" = 1
check "metrics: the store figures are back" test "$(metric motcua_ledger_chains)" = 1
stop_serve outage "$PID"
check "motcua verify is OK after the outage" bash -c "'$MOTCUA_BIN' verify --db '$DB' | grep -q '^ledger OK'"
it_summary
