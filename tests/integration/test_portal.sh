#!/usr/bin/env bash
# test_portal.sh — the National Public Service Portal connector end to end against the portal simulator
# (tests/integration/portal_sim.py): push, outage and retries, dead letter and replay, a lost and a doubled
# acknowledgement, kill -9 mid-push (nothing lost, no create twice), a rebuild that queues nothing, and the
# reconciliation showing planted differences then 0 after the re-push (tests/integration/portal_flow.py). On
# SQLite and (when PostgreSQL is installed) on PostgreSQL; each engine bounded to 100 s. Prints "N passed, N
# failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-portal.XXXXXX)
trap it_cleanup EXIT

run_engine() {
  local engine=$1 db=$2
  mkdir -p "$WORK/$engine"
  "$MOTCUA_BIN" demo --db "$db" >/dev/null 2>"$WORK/$engine/demo.err" || { fail "$engine: demo data loads"; return; }
  timeout 110 python3 tests/integration/portal_flow.py "$MOTCUA_BIN" "$db" "$WORK/$engine" \
    >"$WORK/$engine/flow.out" 2>"$WORK/$engine/flow.err"
  local rc=$?
  sed -i "s/^\(PASS\|FAIL\) /\1 $engine: /" "$WORK/$engine/flow.out"
  count_lines "$WORK/$engine/flow.out"
  check "$engine: the flow ends cleanly (exit $rc)" [ "$rc" -eq 0 ]
  [ "$rc" -eq 0 ] || tail -n 30 "$WORK/$engine/flow.err"
}

run_engine sqlite "$WORK/p.db"
if pg_available && pg_setup; then
  url=$(pg_new_database portal) && run_engine postgresql "$url"
else
  echo "PostgreSQL not installed: SQLite only"
fi
it_summary
