#!/usr/bin/env bash
# test_cli_sync.sh — `motcua node token|enroll`, `motcua sync status` and `serve --role` on their own (the exchange
# with a hub is tests/integration/test_sync_basic.sh and tests/api/test_sync.py): usage errors are exit 2 in both
# languages naming the option; a token for an unknown unit or a national unit is exit 1 and writes nothing; a
# token is printed once per call; enrolling with an unreachable hub or an unreadable token file is exit 1 and
# leaves the node standalone; a database holding dossiers refuses the seed; `serve --role node` on a database that
# is not enrolled does not start; `sync status` names the role (text and JSON).
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-clisync.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
expect() {
  local code=$1 what=$2; shift 2
  timeout 30 "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then pass=$((pass + 1)); else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  timeout 30 "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then
    pass=$((pass + 1))
  else
    note_fail "usage error naming '$word': motcua $* (exit $rc)"
  fi
}
has() { if grep -q -- "$1" "$2"; then pass=$((pass + 1)); else note_fail "$2 lacks '$1'"; fi; }
count() { sqlite3 "$1" "SELECT COUNT(*) FROM $2"; }

HUB="$DIR/hub.db"
expect 0 "demo" demo --db "$HUB"
usage "token|enroll" node
usage "COMMAND" node frobnicate
usage "status" sync
usage "--unit" node token --db "$HUB"
usage "--ttl-hours" node token --db "$HUB" --unit cujut --ttl-hours 0
usage "--hub" node enroll --db "$DIR/n.db" --token-file "$DIR/t"
usage "--hub" node enroll --db "$DIR/n.db" --hub ftp://x --token-file "$DIR/t"
usage "--token-file" node enroll --db "$DIR/n.db" --hub http://127.0.0.1:1
usage "--role" serve --db "$HUB" --role leader --listen 127.0.0.1:0
expect 0 "node --help" node --help
has "enroll" "$OUT"
ev=$(count "$HUB" events)
expect 1 "a token for an unknown unit" node token --db "$HUB" --unit no-such-unit
has "no-such-unit" "$ERR"
expect 1 "a token for the national unit" node token --db "$HUB" --unit vn
[ "$(count "$HUB" events)" = "$ev" ] && [ "$(count "$HUB" sync_enrolments)" = 0 ] && pass=$((pass + 1)) \
  || note_fail "refused tokens wrote nothing"
expect 0 "a token" node token --db "$HUB" --unit cujut
tok1=$(cat "$OUT")
expect 0 "another token" node token --db "$HUB" --unit cujut --ttl-hours 1
[ ${#tok1} -ge 32 ] && [ "$tok1" != "$(cat "$OUT")" ] && pass=$((pass + 1)) || note_fail "two different tokens"
[ "$(count "$HUB" sync_enrolments)" = 2 ] && pass=$((pass + 1)) || note_fail "two enrolment rows"
grep -q "$tok1" "$HUB" && note_fail "the token itself is in the database" || pass=$((pass + 1))
expect 0 "sync status on a standalone database" sync status --db "$HUB"
has "role standalone" "$OUT"

printf '%s\n' "$tok1" >"$DIR/tok"
NODE="$DIR/node.db"
expect 0 "node init" init --db "$NODE" --admin-password 'cli-sync-1'
expect 1 "enrol with an unreachable hub" node enroll --db "$NODE" --hub http://127.0.0.1:1 --token-file "$DIR/tok"
has "127.0.0.1:1" "$ERR"
expect 1 "enrol with an unreadable token file" node enroll --db "$NODE" --hub http://127.0.0.1:1 --token-file "$DIR/none"
expect 0 "sync status --json on the node, still standalone" sync status --db "$NODE" --json
python3 -c "import json,sys; assert json.load(open('$OUT'))['role']=='standalone'" && pass=$((pass + 1)) \
  || note_fail "status JSON says standalone"
expect 1 "serve --role node before enrolment" serve --db "$NODE" --role node --listen 127.0.0.1:0
has "node enroll" "$ERR"
# a database with dossiers takes no seed (the demo hub has none: make one with the demo generator)
expect 0 "demo dossiers" demo --db "$DIR/busy.db" --dossiers 3
expect 1 "a database with dossiers refuses the seed" node enroll --db "$DIR/busy.db" --hub http://127.0.0.1:1 \
  --token-file "$DIR/tok"
has "dossiers" "$ERR"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
