#!/usr/bin/env bash
# test_sync_basic.sh — a hub and one node as real processes (docs/deploy.md "A hub and its nodes"): the hub
# (`serve --role hub`, on PostgreSQL when a cluster is at hand, else SQLite) issues an enrolment token, the node
# (SQLite) is initialised, enrolled and served with `--role node`; dossiers received on the node reach the hub:
# `motcua verify` passes on both sides, the hub's checkpoint of the node's chain is the node's own head (same seq,
# same hash), the dossier rows are the same (a query on both databases) and so is each dossier's API answer; the
# node's `sync status` shows no lag. Then the link is cut (the hub stopped), more dossiers are received on the node
# (its status shows the lag), and once the hub is back the node catches up by itself. The hub pushes what it
# applies to the portal simulator (tests/integration/portal_sim.py, `serve --portal-url`): at the end its outbox is
# empty and the day's reconciliation finds 0 differences — the walkthrough of docs/deploy.md, end to end.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-sync.XXXXXX)
trap it_cleanup EXIT

# rows DB CODES...: the dossier rows of these codes, one line each (SQLite file or PostgreSQL URL)
rows() {
  local db=$1; shift
  local list
  list=$(printf "'%s'," "$@"); list=${list%,}
  local sql="SELECT code, unit_id, status, received_at, due_at, version FROM dossiers WHERE code IN ($list) ORDER BY code"
  case $db in
    postgres://*|postgresql://*) psql -X -At -F'|' "$db" -c "$sql" ;;
    *) sqlite3 "$db" "$sql" ;;
  esac
}

# node_json FIELD: a field of `motcua sync status --json` on the node
node_json() { "$MOTCUA_BIN" sync status --db "$NODE" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

wait_caught_up() {
  for _ in $(seq 300); do
    [ "$(node_json lag_events)" = 0 ] && [ "$(node_json head_seq)" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

HUB=$WORK/hub.db
engine=sqlite
if pg_available && pg_setup && url=$(pg_new_database "motcua_sync_$$"); then HUB=$url; engine=postgres; fi
echo "== hub on $engine"
NODE=$WORK/node.db
"$MOTCUA_BIN" demo --db "$HUB" >"$WORK/demo.log" 2>&1
check "hub: motcua demo" test $? -eq 0
# the portal simulator the hub pushes to
PORTAL_PORT=$(free_port)
printf 'walkthrough-portal-token\n' >"$WORK/portal.token"
python3 tests/integration/portal_sim.py "$PORTAL_PORT" "$WORK/portal.json" walkthrough-portal-token \
  >"$WORK/portal.out" 2>"$WORK/portal.err" &
IT_PIDS+=($!)
for _ in $(seq 50); do grep -q listening "$WORK/portal.out" && break; sleep 0.1; done
PORTAL=(--portal-url "http://127.0.0.1:$PORTAL_PORT/" --portal-token-file "$WORK/portal.token" --portal-retry-ms 200)
start_serve hub "$HUB" --role hub "${PORTAL[@]}" || { fail "start the hub"; it_summary; exit 1; }
HUB_PID=$SERVE_PID; HUB_PORT=$SERVE_PORT
"$MOTCUA_BIN" node token --db "$HUB" --unit cujut >"$WORK/token" 2>"$WORK/token.err"
check "hub: node token prints a token" test -s "$WORK/token"
"$MOTCUA_BIN" init --db "$NODE" --admin-password demo1234 >"$WORK/init.log" 2>&1
check "node: init" test $? -eq 0
"$MOTCUA_BIN" node enroll --db "$NODE" --hub "http://127.0.0.1:$HUB_PORT" --token-file "$WORK/token" \
  --name cujut-node >"$WORK/enroll.out" 2>"$WORK/enroll.err"
check "node: enroll (exit $?)" grep -q "^enrolled node" "$WORK/enroll.out"
check "node: key file is 0600" test "$(stat -c %a "$NODE.nodekey")" = 600
"$MOTCUA_BIN" node enroll --db "$NODE" --hub "http://127.0.0.1:$HUB_PORT" --token-file "$WORK/token" \
  >"$WORK/enroll2.out" 2>"$WORK/enroll2.err"
check "node: the token is used once" grep -q "409" "$WORK/enroll2.err"
start_serve node "$NODE" --role node --sync-poll-ms 100 --sync-retry-ms 100 || { fail "start the node"; it_summary; exit 1; }
NODE_PID=$SERVE_PID; NODE_PORT=$SERVE_PORT

python3 tests/integration/sync_dossiers.py --node "http://127.0.0.1:$NODE_PORT" --count 3 >"$WORK/codes" 2>"$WORK/codes.err"
check "node: 3 dossiers received" test "$(wc -l <"$WORK/codes")" -eq 3
mapfile -t CODES <"$WORK/codes"
HEAD=$(node_json head_seq)
check "node: the hub acknowledged its whole chain ($HEAD events)" wait_caught_up "$HEAD"
check "node: verify" "$MOTCUA_BIN" verify --db "$NODE"
check "hub: verify" "$MOTCUA_BIN" verify --db "$HUB"
NODE_ID=$(node_json node_id)
node_head=$(sqlite3 "$NODE" "SELECT seq || ':' || hash FROM ledger_head WHERE is_self = 1")
hub_cp=$("$MOTCUA_BIN" sync status --db "$HUB" --json | python3 -c "
import json,sys
d=json.load(sys.stdin)
print(*['%s:%s' % (n['seq'], n['hash']) for n in d['nodes'] if n['node_id']=='$NODE_ID'])")
check "hub: its checkpoint of the node is the node's head ($node_head)" test "$hub_cp" = "$node_head"
rows "$NODE" "${CODES[@]}" >"$WORK/rows.node"
rows "$HUB" "${CODES[@]}" >"$WORK/rows.hub"
check "the dossier rows are the same on both sides" cmp -s "$WORK/rows.node" "$WORK/rows.hub"
check "the rows are there" test "$(wc -l <"$WORK/rows.hub")" -eq 3
python3 tests/integration/sync_dossiers.py --node "http://127.0.0.1:$NODE_PORT" --hub "http://127.0.0.1:$HUB_PORT" \
  --compare "${CODES[@]}" >"$WORK/compare.txt" 2>&1
count_lines "$WORK/compare.txt"

# cut the link: the node works alone and shows its lag; the hub back, it catches up
stop_serve hub "$HUB_PID"
python3 tests/integration/sync_dossiers.py --node "http://127.0.0.1:$NODE_PORT" --count 2 >"$WORK/codes2" 2>"$WORK/codes2.err"
check "node: 2 dossiers received with the hub down" test "$(wc -l <"$WORK/codes2")" -eq 2
sleep 1
check "node: status shows the lag while the hub is down" test "$(node_json lag_events)" -ge 2
start_serve hub2 "$HUB" --role hub "${PORTAL[@]}" --listen 127.0.0.1:"$HUB_PORT" || { fail "restart the hub"; it_summary; exit 1; }
HUB_PID=$SERVE_PID
HEAD=$(node_json head_seq)
check "node: caught up after the hub came back" wait_caught_up "$HEAD"
mapfile -t CODES2 <"$WORK/codes2"
rows "$NODE" "${CODES[@]}" "${CODES2[@]}" >"$WORK/rows2.node"
rows "$HUB" "${CODES[@]}" "${CODES2[@]}" >"$WORK/rows2.hub"
check "the rows are the same after healing" cmp -s "$WORK/rows2.node" "$WORK/rows2.hub"
check "hub: verify after healing" "$MOTCUA_BIN" verify --db "$HUB"

# a node whose clock is 3 hours off: told so by the hub, it signs with the hub's time and ships all the same
stop_serve node "$NODE_PID"
export MOTCUA_CLOCK_OFFSET_MS=-10800000
start_serve node2 "$NODE" --role node --sync-poll-ms 100 --sync-retry-ms 100 || { fail "restart the node"; it_summary; exit 1; }
unset MOTCUA_CLOCK_OFFSET_MS
NODE_PID=$SERVE_PID; NODE_PORT=$SERVE_PORT
python3 tests/integration/sync_dossiers.py --node "http://127.0.0.1:$NODE_PORT" --count 1 >"$WORK/codes3" 2>"$WORK/codes3.err"
HEAD=$(node_json head_seq)
check "node 3 h off: caught up all the same" wait_caught_up "$HEAD"
check "node 3 h off: the hub told it so" grep -q "clock is" "$WORK/node2.err"
check "hub: verify with the skewed node's events" "$MOTCUA_BIN" verify --db "$HUB"
# the portal: everything the hub applied was pushed, and the reconciliation of each day agrees
portal_depth() { "$MOTCUA_BIN" portal status --db "$HUB" --json | python3 -c "import json,sys; print(json.load(sys.stdin)['outbox_depth'])"; }
drained=1
for _ in $(seq 300); do [ "$(portal_depth)" = 0 ] && drained=0 && break; sleep 0.1; done
check "hub: every change reached the portal simulator (outbox empty)" test "$drained" -eq 0
ALL=("${CODES[@]}" "${CODES2[@]}" $(cat "$WORK/codes3"))
pushed=$(python3 -c "
import json,sys
st=json.load(open(sys.argv[1]))
print(sum(1 for c in sys.argv[2:] if c in json.dumps(st)))" "$WORK/portal.json" "${ALL[@]}" 2>/dev/null || echo 0)
check "the portal simulator holds the node's ${#ALL[@]} dossiers ($pushed)" test "$pushed" -eq "${#ALL[@]}"
for day in $(TZ=Asia/Ho_Chi_Minh date -d '-3 hours' +%F) $(TZ=Asia/Ho_Chi_Minh date +%F); do
  "$MOTCUA_BIN" portal reconcile --db "$HUB" --date "$day" "${PORTAL[@]:0:4}" >"$WORK/recon-$day.json" 2>"$WORK/recon-$day.err"
  diffs=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['differences'])" "$WORK/recon-$day.json" 2>/dev/null)
  check "hub: the portal reconciliation of $day finds 0 differences (${diffs:-none})" test "${diffs:-x}" = 0
done
stop_serve node2 "$NODE_PID"
stop_serve hub2 "$HUB_PID"
# the hub wrote each batch's dashboard counts once (report_defer_begin); one event at a time gives the same rows
"$MOTCUA_BIN" rebuild --db "$HUB" --check >"$WORK/rebuild.out" 2>&1
check "hub: rebuild --check gives the same rows as the batches built" test $? -eq 0
it_summary
