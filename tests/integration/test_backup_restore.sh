#!/usr/bin/env bash
# test_backup_restore.sh — `motcua backup` of a live database while it is being written, then a restore, tried on
# both engines: the restored database passes `motcua verify` and serves a unit created before the backup.
#
# SQLite: backup (online backup API) while a client writes, stop, copy the backup file to a new path, verify,
# serve it, sign in and read the unit. PostgreSQL: backup (pg_dump custom format) while a client writes,
# pg_restore into a new database (tests/pg-cluster newdb), verify, serve it, read the unit.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-br.XXXXXX)
trap it_cleanup EXIT

# sign_in PORT JAR: sign in as admin; prints the CSRF token.
sign_in() {
  curl -sf -m 30 -c "$2" -H 'Content-Type: application/json' -d '{"username":"admin","password":"demo"}' \
    "http://127.0.0.1:$1/api/v1/session" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf"])'
}

# commune_id PORT JAR: the id of the demo commune "cujut".
commune_id() {
  curl -sf -m 30 -b "$2" "http://127.0.0.1:$1/api/v1/units?q=cujut&kind=commune" |
    python3 -c 'import json,sys; print(next(i["id"] for i in json.load(sys.stdin)["items"] if i["slug"]=="cujut"))'
}

# create_unit PORT JAR CSRF PARENT SLUG: POST a department; prints its id (empty unless 201).
create_unit() {
  curl -s -m 30 -b "$2" -H "X-CSRF-Token: $3" -H 'Content-Type: application/json' -o "$WORK/create.json" \
    -w '%{http_code}' -d "{\"parent_id\":\"$4\",\"kind\":\"department\",\"name\":\"Phòng $5\",\"slug\":\"$5\"}" \
    "http://127.0.0.1:$1/api/v1/units" >"$WORK/create.code"
  [ "$(cat "$WORK/create.code")" = 201 ] && python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' \
    "$WORK/create.json"
}

# writer PORT JAR CSRF PARENT PREFIX: create up to 300 units, one after another, until $WORK/stop-writer exists.
# Prints how many got 201 to $WORK/PREFIX.count.
writer() {
  local n=0 i
  for i in $(seq 300); do
    [ -e "$WORK/stop-writer" ] && break
    code=$(curl -s -m 30 -b "$2" -H "X-CSRF-Token: $3" -H 'Content-Type: application/json' -o /dev/null \
      -w '%{http_code}' -d "{\"parent_id\":\"$4\",\"kind\":\"department\",\"name\":\"Phòng $5-$i\",\"slug\":\"$5-$i\"}" \
      "http://127.0.0.1:$1/api/v1/units")
    [ "$code" = 201 ] && n=$((n + 1))
  done
  echo "$n" >"$WORK/$5.count"
}

# backup_restore ENGINE DBURL RESTORE_FN: RESTORE_FN BACKUP_FILE prints the restored database's --db argument.
backup_restore() {
  local engine=$1 db=$2 restore=$3
  echo "== $engine"
  rm -f "$WORK/stop-writer"
  "$MOTCUA_BIN" demo --db "$db" >"$WORK/$engine-demo.log" 2>&1 || { fail "$engine: motcua demo"; return; }
  start_serve "$engine-live" "$db" || { fail "$engine: start the live server"; return; }
  local pid=$SERVE_PID port=$SERVE_PORT csrf cid uid
  csrf=$(sign_in "$port" "$WORK/$engine.jar")
  cid=$(commune_id "$port" "$WORK/$engine.jar")
  uid=$(create_unit "$port" "$WORK/$engine.jar" "$csrf" "$cid" "$engine-before-backup")
  check "$engine: a unit created before the backup (201, id $uid)" [ -n "$uid" ]

  # Writes keep going while the backup runs.
  writer "$port" "$WORK/$engine.jar" "$csrf" "$cid" "$engine-during" &
  local wpid=$!
  IT_PIDS+=("$wpid")
  sleep 1
  local backup="$WORK/$engine.backup"
  if "$MOTCUA_BIN" backup --db "$db" --to "$backup" >"$WORK/$engine-backup.log" 2>&1; then
    ok "$engine: motcua backup --db ... --to $engine.backup while writing ($(stat -c %s "$backup") bytes)"
  else
    fail "$engine: motcua backup: $(cat "$WORK/$engine-backup.log")"
  fi
  sleep 0.5
  touch "$WORK/stop-writer"
  wait "$wpid"
  local written
  written=$(cat "$WORK/$engine-during.count" 2>/dev/null || echo 0)
  check "$engine: the writer got 201s during the backup ($written)" [ "$written" -gt 0 ]
  stop_serve "$engine-live" "$pid"
  [ -f "$backup" ] || return

  local rdb out
  if ! rdb=$("$restore" "$backup"); then fail "$engine: restore"; return; fi
  ok "$engine: restored into $rdb"
  out=$("$MOTCUA_BIN" verify --db "$rdb" 2>&1)
  if [ $? -eq 0 ] && grep -q '^ledger OK: ' <<<"$out"; then ok "$engine: verify on the restored database: $out"; else
    fail "$engine: verify on the restored database: $out"
  fi
  start_serve "$engine-restored" "$rdb" || { fail "$engine: serve the restored database"; return; }
  pid=$SERVE_PID; port=$SERVE_PORT
  sign_in "$port" "$WORK/$engine-r.jar" >/dev/null
  local got
  got=$(curl -s -m 30 -b "$WORK/$engine-r.jar" "http://127.0.0.1:$port/api/v1/units/$uid" |
    python3 -c 'import json,sys; print(json.load(sys.stdin).get("slug"))' 2>&1)
  check "$engine: the restored server returns the unit created before the backup (slug $got)" \
    [ "$got" = "$engine-before-backup" ]
  # The restored server takes writes too (its ledger chain continues).
  uid=$(create_unit "$port" "$WORK/$engine-r.jar" "$(sign_in "$port" "$WORK/$engine-r.jar")" "$cid" "$engine-after")
  check "$engine: the restored server accepts a new unit" [ -n "$uid" ]
  stop_serve "$engine-restored" "$pid"
  out=$("$MOTCUA_BIN" verify --db "$rdb" 2>&1)
  if [ $? -eq 0 ] && grep -q '^ledger OK: ' <<<"$out"; then ok "$engine: verify after writing to the restore: $out"; else
    fail "$engine: verify after writing to the restore: $out"
  fi
}

# SQLite: the backup is a database file; restoring is copying it into place.
restore_sqlite() {
  mkdir -p "$WORK/restored"
  cp "$1" "$WORK/restored/motcua.db" && echo "$WORK/restored/motcua.db"
}

# PostgreSQL: pg_restore the custom-format dump into a new, empty database.
restore_pg() {
  local url
  url=$(pg_new_database "motcua_restored_$$") || return 1
  pg_restore --no-owner --exit-on-error -d "$url" "$1" >&2 || return 1
  echo "$url"
}

backup_restore sqlite "$WORK/live.db" restore_sqlite
if pg_available && pg_setup; then
  if url=$(pg_new_database "motcua_live_$$"); then
    backup_restore postgres "$url" restore_pg
  else
    fail "postgres: could not get a database from tests/pg-cluster"
  fi
else
  fail "postgres: not usable (server binaries missing, see scripts/install-deps, or tests/pg-cluster start failed)"
fi

it_summary
