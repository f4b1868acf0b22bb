#!/usr/bin/env bash
# test_sync_faults.sh — node -> hub replication (issue 13 item 6) under faults: a hub on PostgreSQL and two commune
# nodes on SQLite, three `motcua serve` processes, each node's link to the hub through its own chaos proxy
# (tests/integration/chaos_proxy.py, controlled by this script).
#
# Phases: (A) steady shipping from both nodes, node 2's clock 3 hours ahead (MOTCUA_CLOCK_OFFSET_MS); (B) on node
# 1's link: batches cut mid-body, batches applied by the hub whose answer is lost, batches duplicated, and an old
# batch replayed after the node moved on; (B2) a second hub process on the same database given each batch at the
# same instant as the first (the proxy's race mode); (C) kill -9 of node 1 while its batch is held at the proxy, restart, then
# the held (older) batch reaches the hub after the newer one (a reordering); (D) node 1 offline (link cut) while it
# receives IT_SYNC_OFFLINE dossiers (default 5,000; one in 5 also forwarded, an action event) through parallel API
# clients, node 2 a few, then the link heals
# with a delay and the hub is killed -9 in the middle of the catch-up and restarted on another port.
# After healing: 0 lost, 0 applied twice, the hub holds exactly the union of the nodes' chains, `motcua verify` OK
# on every side, and the hub's dossier rows of each node's unit equal the node's (tests/integration/sync_check.py).
# Every wait is bounded. Binary: $MOTCUA_BIN (default build/san/motcua). PostgreSQL: the cluster of
# $MOTCUA_TEST_PG_DIR when set, else one of this test's own. Prints "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-syncf.XXXXXX)
trap it_cleanup EXIT
T0=$SECONDS

OFFLINE=${IT_SYNC_OFFLINE:-5000}          # dossiers received by node 1 while cut off
SKEW_MS=${IT_SYNC_SKEW_MS:-10800000}      # node 2's clock: 3 hours ahead
SYNC_ARGS=(--sync-poll-ms 100 --sync-batch "${IT_SYNC_BATCH:-200}" --sync-retry-ms 100)
CHECK="python3 tests/integration/sync_check.py"

# the proxy itself first: what the phases below rely on
timeout 60 python3 tests/integration/chaos_selftest.py >"$WORK/selftest.txt" 2>&1
count_lines "$WORK/selftest.txt"

if ! "$MOTCUA_BIN" node --help >/dev/null 2>&1; then
  fail "motcua node: the replication commands of issue 13 are not in $MOTCUA_BIN"
  it_summary
  exit 1
fi
if ! pg_available || ! pg_setup; then
  fail "postgres: not usable (server binaries missing, see scripts/install-deps, or tests/pg-cluster start failed)"
  it_summary
  exit 1
fi
HUB=$(pg_new_database "motcua_syncf_$$") || { fail "a hub database from tests/pg-cluster"; it_summary; exit 1; }
"$MOTCUA_BIN" demo --db "$HUB" >"$WORK/hub-demo.log" 2>&1 || { fail "hub: motcua demo"; cat "$WORK/hub-demo.log"; }

# start_proxy NAME TARGET_PORT: sets PROXY_PORT and PROXY_CTL
start_proxy() {
  python3 tests/integration/chaos_proxy.py serve --target "127.0.0.1:$2" >"$WORK/$1.out" 2>"$WORK/$1.err" &
  IT_PIDS+=("$!")
  PROXY_PORT=""
  for _ in $(seq 100); do
    read -r _ PROXY_PORT _ PROXY_CTL <"$WORK/$1.out" 2>/dev/null
    [ -n "$PROXY_PORT" ] && return 0
    sleep 0.1
  done
  return 1
}
ctl() { python3 tests/integration/chaos_proxy.py ctl "$@"; }
# stat CTL KEY: one counter of a proxy (JSON value)
stat() { ctl "$1" stats | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[sys.argv[1]]))' "$2"; }

start_serve hub "$HUB" --role hub || { fail "hub: motcua serve --role hub starts"; it_summary; exit 1; }
HUB_PID=$SERVE_PID
HUB_PORT=$SERVE_PORT
start_proxy proxy1 "$HUB_PORT" || fail "proxy 1 starts"
P1=$PROXY_PORT; C1=$PROXY_CTL
start_proxy proxy2 "$HUB_PORT" || fail "proxy 2 starts"
P2=$PROXY_PORT; C2=$PROXY_CTL

# enrol: a one-time token per commune from the hub, each node enrols through its own proxy
N1=$WORK/cujut.db
N2=$WORK/thuanan.db
enrol() { # NAME UNIT DB PROXYPORT
  if ! "$MOTCUA_BIN" node token --db "$HUB" --unit "$2" >"$WORK/$1.token" 2>"$WORK/$1.token.err"; then
    fail "$1: motcua node token --unit $2"; cat "$WORK/$1.token.err"; return 1
  fi
  if "$MOTCUA_BIN" node enroll --db "$3" --hub "http://127.0.0.1:$4" --token-file "$WORK/$1.token" --name "$1" \
      >"$WORK/$1.enroll" 2>&1; then ok "$1: enrolled with the hub through its proxy"; else
    fail "$1: motcua node enroll"; cat "$WORK/$1.enroll"; return 1
  fi
}
enrol cujut cujut "$N1" "$P1"
enrol thuanan thuanan "$N2" "$P2"

start_serve node1 "$N1" --role node "${SYNC_ARGS[@]}" || fail "node 1 starts with --role node"
NODE1_PID=$SERVE_PID; NODE1_PORT=$SERVE_PORT
MOTCUA_CLOCK_OFFSET_MS=$SKEW_MS start_serve node2 "$N2" --role node "${SYNC_ARGS[@]}" ||
  fail "node 2 starts (clock $SKEW_MS ms ahead)"
NODE2_PID=$SERVE_PID; NODE2_PORT=$SERVE_PORT

# intake NODEPORT USER COUNT LABEL [CLIENTS]
intake() {
  timeout 600 $CHECK intake --url "http://127.0.0.1:$1" --user "$2" --count "$3" --label "$4" --clients "${5:-4}" \
    --forward-every 5 >"$WORK/intake.txt" 2>&1
  count_lines "$WORK/intake.txt"
}
# caught_up DB LABEL [TIMEOUT]
caught_up() {
  timeout 900 $CHECK wait --hub-pg "$HUB" --node "$1" --label "$2" --timeout "${3:-60}" >"$WORK/wait.txt" 2>&1
  count_lines "$WORK/wait.txt"
}
hub_seq() { $CHECK heads --hub-pg "$HUB" --node "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["hub_seq"])'; }

echo "== A: steady shipping; node 2's clock is $((SKEW_MS / 3600000)) h ahead"
intake "$NODE1_PORT" cujut.desk 20 "A node 1"
intake "$NODE2_PORT" thuanan.desk 20 "A node 2"
caught_up "$N1" "A node 1"
caught_up "$N2" "A node 2 (clock skewed)"
NID2=$(sqlite3 "$N2" "SELECT value FROM meta WHERE key = 'node_id'")
ahead=$(psql -X -At "$HUB" -c "SELECT COALESCE(MAX(at), 0) - (EXTRACT(EPOCH FROM now()) * 1000)::bigint FROM events \
  WHERE node = '$NID2'")
check "A: node 2's events carry its skewed clock at the hub (max at - hub now = ${ahead} ms)" \
  test "${ahead:-0}" -gt $((SKEW_MS - 600000))

echo "== B: cut mid-body, lost answers, duplicates, a replay on node 1's link"
ctl "$C1" reset >/dev/null
ctl "$C1" dropafter 300 2 >/dev/null
intake "$NODE1_PORT" cujut.desk 60 "B cut"
caught_up "$N1" "B after 2 batches cut mid-body"
check "B: the proxy cut 2 batch bodies in the middle ($(stat "$C1" dropped_mid_body))" \
  test "$(stat "$C1" dropped_mid_body)" = 2
ctl "$C1" noreply 2 >/dev/null
intake "$NODE1_PORT" cujut.desk 60 "B noreply"
caught_up "$N1" "B after 2 batches applied whose answers were lost"
check "B: 2 answers were withheld from the node ($(stat "$C1" noreply))" test "$(stat "$C1" noreply)" = 2
ctl "$C1" dup 3 >/dev/null
for i in 1 2 3; do                                   # three waves: at least one batch each
  intake "$NODE1_PORT" cujut.desk 20 "B dup $i"
  caught_up "$N1" "B after duplicated batch $i"
done
ctl "$C1" pass >/dev/null
reps=$(stat "$C1" replays)
check "B: the 3 duplicated batches were answered 200 by the hub (a repeat is harmless): $reps" \
  test "$reps" = "[200, 200, 200]"
r=$(ctl "$C1" replay)
check "B: an old batch replayed after the node moved on is answered 200 (skipped): $(cut -c1-160 <<<"$r")" \
  grep -q '"status": 200' <<<"$r"
st=$(stat "$C1" statuses)
check "B: no batch was refused (422) or the node locked (423) on the way: $st" \
  bash -c "! grep -q -E '\"(422|423)\"' <<<'$st'"
caught_up "$N1" "B the replay changed nothing"

echo "== B2: a second hub process on the same database gets the same batches at the same instant"
start_serve hubb "$HUB" --role hub || fail "B2: a second hub process starts"
HUBB_PID=$SERVE_PID
ctl "$C1" alt "127.0.0.1:$SERVE_PORT" >/dev/null
ctl "$C1" reset >/dev/null
ctl "$C1" race 3 >/dev/null
for i in 1 2 3; do
  intake "$NODE1_PORT" cujut.desk 20 "B2 race $i"
  caught_up "$N1" "B2 after raced batch $i"
done
ctl "$C1" pass >/dev/null
reps=$(stat "$C1" replays)
st=$(stat "$C1" statuses)
check "B2: both hub processes answered 200 to each raced batch (second process: $reps; first: $st)" \
  bash -c "[ '$reps' = '[200, 200, 200]' ] && ! grep -q -E '\"(4[0-9][0-9]|5[0-9][0-9])\"' <<<'$st'"
stop_serve hubb "$HUBB_PID"

echo "== C: kill -9 of node 1 while its batch is in flight (held at the proxy), then a reordering"
ctl "$C1" hold 1 >/dev/null
intake "$NODE1_PORT" cujut.desk 30 "C"
held=0
for _ in $(seq 100); do held=$(stat "$C1" waiting); [ "$held" = 1 ] && break; sleep 0.1; done
check "C: a batch of node 1 is held in flight at the proxy" test "$held" = 1
kill -KILL "$NODE1_PID"; wait "$NODE1_PID" 2>/dev/null
ok "C: node 1 killed -9 mid-batch"
start_serve node1b "$N1" --role node "${SYNC_ARGS[@]}" || fail "C: node 1 restarts"
NODE1_PID=$SERVE_PID; NODE1_PORT=$SERVE_PORT
caught_up "$N1" "C after the restart (the newer batch passed first)"
for _ in $(seq 50); do [ "$(stat "$C1" released)" -ge 1 ] && break; sleep 0.1; done
check "C: the held older batch reached the hub after the newer one ($(stat "$C1" released) released)" \
  test "$(stat "$C1" released)" -ge 1
sleep 0.5
st=$(stat "$C1" statuses)
check "C: the late older batch was not refused: $st" bash -c "! grep -q -E '\"(422|423)\"' <<<'$st'"
caught_up "$N1" "C the late batch changed nothing"

echo "== D: node 1 offline while it receives $OFFLINE dossiers; kill -9 of the hub during the catch-up"
ctl "$C1" cut >/dev/null
before=$(hub_seq "$N1")
t=$SECONDS
intake "$NODE1_PORT" cujut.desk "$OFFLINE" "D node 1 offline" 6
echo "info D: $OFFLINE intakes in $((SECONDS - t)) s"
intake "$NODE2_PORT" thuanan.desk 40 "D node 2 meanwhile"
check "D: the hub did not move for node 1 while the link was cut ($before -> $(hub_seq "$N1"))" \
  test "$(hub_seq "$N1")" = "$before"
check "D: node 1 kept trying while cut off ($(stat "$C1" refused) connections refused)" \
  test "$(stat "$C1" refused)" -gt 0
ctl "$C1" delay 50 >/dev/null                       # heal, slowly: the kill below lands mid-stream
target=$(sqlite3 "$N1" "SELECT seq FROM ledger_head WHERE is_self = 1")
moved=0
for _ in $(seq 600); do
  s=$(hub_seq "$N1")
  if [ "$s" -gt "$before" ]; then moved=1; break; fi
  sleep 0.1
done
check "D: the catch-up started after healing (hub at $(hub_seq "$N1") of $target)" test "$moved" = 1
# the next batch written to the hub whole, its answer not back yet: the hub is applying it
w=$(ctl "$C1" waitsent 20000)
kill -KILL "$HUB_PID"; wait "$HUB_PID" 2>/dev/null
s=$(hub_seq "$N1")
check "D: hub killed -9 while applying a batch ($w; hub at $s of $target)" grep -q '"ok": true' <<<"$w"
check "D: the catch-up was not over when the hub died ($s of $target)" test "$s" -lt "$target"
start_serve hub2 "$HUB" --role hub || fail "D: the hub restarts"
HUB_PID=$SERVE_PID
ctl "$C1" target "127.0.0.1:$SERVE_PORT" >/dev/null
ctl "$C2" target "127.0.0.1:$SERVE_PORT" >/dev/null
ctl "$C1" pass >/dev/null
caught_up "$N1" "D node 1 after the hub's restart" 150
caught_up "$N2" "D node 2 after the hub's restart" 60

echo "== after healing"
stop_serve node1b "$NODE1_PID"
stop_serve node2 "$NODE2_PID"
stop_serve hub2 "$HUB_PID"
for db in "$HUB" "$N1" "$N2"; do
  out=$("$MOTCUA_BIN" verify --db "$db" 2>&1)
  if [ $? -eq 0 ] && grep -q '^ledger OK: ' <<<"$out"; then ok "motcua verify ${db##*/}: $out"; else
    fail "motcua verify ${db##*/}: $out"
  fi
done
timeout 300 $CHECK compare --hub-pg "$HUB" --node "$N1" --node "$N2" --min-dossiers 20 >"$WORK/compare.txt" 2>&1
count_lines "$WORK/compare.txt"
echo "info: the test took $((SECONDS - T0)) s"
check "the test stays within its bound of 240 s ($((SECONDS - T0)) s)" test $((SECONDS - T0)) -lt 240
it_summary
