#!/usr/bin/env bash
# test_two_processes.sh — two `motcua serve` processes on one database behind haproxy (round-robin), hammered with
# concurrent writes, racing PATCHes and reads; on PostgreSQL and on one SQLite file. Also papers: an upload to one
# process downloaded from the other, both on one shared --blob-dir.
#
# Asserts (per engine): every 201 created exactly one unit and one event; events.seq is exactly 1..N; `motcua
# verify` says OK; of PATCHes racing with the same If-Match exactly one gets 200 and the rest 412; both processes
# served requests (their access-log lines); every process exits 0 on SIGTERM with no sanitizer report; dossier
# codes from concurrent intakes through both processes are unique and gap-free (tests/integration/dossier_codes.py).
# The load and the database checks are tests/integration/hammer.py. Binary: $MOTCUA_BIN (default build/san/motcua).
# PostgreSQL: a database in the cluster of $MOTCUA_TEST_PG_DIR when set, else a cluster of this test's own.
# Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-2p.XXXXXX)
trap it_cleanup EXIT

CLIENTS=${IT_CLIENTS:-8}
PER_CLIENT=${IT_PER_CLIENT:-50}

# two_processes ENGINE DBURL [SQLITE_PATH]
two_processes() {
  local engine=$1 db=$2 sqlite=${3:-}
  echo "== $engine"
  if ! "$MOTCUA_BIN" demo --db "$db" >"$WORK/$engine-demo.log" 2>&1; then
    fail "$engine: motcua demo"; cat "$WORK/$engine-demo.log"; return
  fi
  local pa pb porta portb hp hpid
  start_serve "$engine-a" "$db" || { fail "$engine: start process a"; return; }
  pa=$SERVE_PID; porta=$SERVE_PORT
  start_serve "$engine-b" "$db" || { fail "$engine: start process b"; return; }
  pb=$SERVE_PID; portb=$SERVE_PORT
  hp=$(free_port)
  start_haproxy "$engine-haproxy" "$hp" "$porta" "$portb" || { fail "$engine: start haproxy"; return; }
  hpid=$HAPROXY_PID

  local dbarg=(--pg-url "$db")
  [ -n "$sqlite" ] && dbarg=(--sqlite "$sqlite")
  timeout 900 python3 tests/integration/hammer.py --url "http://127.0.0.1:$hp" "${dbarg[@]}" \
    --label "tp$engine" --clients "$CLIENTS" --per-client "$PER_CLIENT" >"$WORK/$engine-hammer.txt" 2>&1
  sed -i "s/^\(PASS\|FAIL\) /\1 $engine: /" "$WORK/$engine-hammer.txt"
  count_lines "$WORK/$engine-hammer.txt"
  # dossier: concurrent intakes through both processes; codes unique and gap-free per agency and day.
  timeout 600 python3 tests/integration/dossier_codes.py --url "http://127.0.0.1:$hp" "${dbarg[@]}" \
    --clients 6 --per-client 20 >"$WORK/$engine-dossiers.txt" 2>&1
  sed -i "s/^\(PASS\|FAIL\) /\1 $engine: /" "$WORK/$engine-dossiers.txt"
  count_lines "$WORK/$engine-dossiers.txt"
  # end dossier

  # Both processes served API requests (health checks from haproxy do not count).
  local na nb
  na=$(grep -c 'info access .*"[A-Z]* /api/v1/' "$WORK/$engine-a.err" || true)
  nb=$(grep -c 'info access .*"[A-Z]* /api/v1/' "$WORK/$engine-b.err" || true)
  echo "info $engine: process a served $na API requests, process b $nb"
  check "$engine: both processes served API requests (a $na, b $nb)" [ "$na" -gt 50 ] && [ "$nb" -gt 50 ]
  # A database error surfaces as 5xx; name it precisely when it happens.
  local e5
  e5=$(grep -h -E 'info access .*" 5[0-9][0-9] ' "$WORK/$engine-a.err" "$WORK/$engine-b.err" | wc -l)
  if [ "$e5" -eq 0 ]; then ok "$engine: no 5xx in the access logs"; else
    fail "$engine: $e5 responses with 5xx; first ones and the errors logged:"
    grep -h -E 'info access .*" 5[0-9][0-9] |error|warn' "$WORK/$engine-a.err" "$WORK/$engine-b.err" | head -n 12
  fi

  stop_haproxy "$hpid"
  stop_serve "$engine-a" "$pa"
  stop_serve "$engine-b" "$pb"
  local out
  out=$("$MOTCUA_BIN" verify --db "$db" 2>&1)
  if [ $? -eq 0 ] && grep -q '^ledger OK: ' <<<"$out"; then ok "$engine: motcua verify: $out"; else
    fail "$engine: motcua verify: $out"
  fi
}

# papers_two_processes ENGINE DBURL: a paper uploaded to process A is downloaded from process B; both processes
# point --blob-dir at one shared directory (tests/integration/papers_two.py).
papers_two_processes() {
  local engine=$1 db=$2 pa pb porta portb
  echo "== $engine: papers"
  if ! "$MOTCUA_BIN" demo --db "$db" >"$WORK/$engine-papers-demo.log" 2>&1; then
    fail "$engine papers: motcua demo"; cat "$WORK/$engine-papers-demo.log"; return
  fi
  mkdir -p "$WORK/$engine-blobs"
  start_serve "$engine-papers-a" "$db" --blob-dir "$WORK/$engine-blobs" || { fail "$engine papers: start a"; return; }
  pa=$SERVE_PID; porta=$SERVE_PORT
  start_serve "$engine-papers-b" "$db" --blob-dir "$WORK/$engine-blobs" || { fail "$engine papers: start b"; return; }
  pb=$SERVE_PID; portb=$SERVE_PORT
  timeout 300 python3 tests/integration/papers_two.py --a "$porta" --b "$portb" --label "$engine papers: " \
    >"$WORK/$engine-papers.txt" 2>&1
  count_lines "$WORK/$engine-papers.txt"
  stop_serve "$engine-papers-a" "$pa"
  stop_serve "$engine-papers-b" "$pb"
}

if pg_available && pg_setup; then
  if url=$(pg_new_database "motcua_2p_papers_$$"); then
    papers_two_processes postgres "$url"
  else
    fail "postgres papers: could not get a database from tests/pg-cluster"
  fi
  if url=$(pg_new_database "motcua_2p_$$"); then
    two_processes postgres "$url"
  else
    fail "postgres: could not get a database from tests/pg-cluster"
  fi
else
  fail "postgres: not usable (server binaries missing, see scripts/install-deps, or tests/pg-cluster start failed)"
fi
two_processes sqlite "$WORK/two.db" "$WORK/two.db"
papers_two_processes sqlite "$WORK/papers.db"

it_summary
