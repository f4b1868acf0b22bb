#!/usr/bin/env bash
# test_cli_peers.sh — the edXML sender's options of `motcua serve` (--exchange-peers and friends): listed by --help,
# a missing / malformed peers file and out-of-range values are usage errors (exit 2, both languages, naming the
# option and the bad line), an unreadable token file is exit 1; none of them starts a server. The sending itself is
# tests/api/test_exchange_send.py (two nodes).
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-clipeers.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
expect() {
  local code=$1 what=$2; shift 2
  timeout 20 "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then pass=$((pass + 1)); else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  timeout 20 "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then
    pass=$((pass + 1))
  else
    note_fail "usage error naming '$word': motcua $* (exit $rc)"
  fi
}
has() { if grep -q -- "$1" "$ERR"; then pass=$((pass + 1)); else note_fail "stderr lacks '$1'"; fi; }

DB="$DIR/p.db"
expect 0 "init" init --db "$DB" --admin-password 'cli-peers-1'
expect 0 "serve --help" serve --help
for o in exchange-peers exchange-retry-ms exchange-max-attempts exchange-poll-ms exchange-lease-ms; do
  grep -q -- "--$o" "$OUT" && pass=$((pass + 1)) || note_fail "serve --help lists --$o"
done
L=(serve --db "$DB" --listen 127.0.0.1:0)
usage exchange-peers "${L[@]}" --exchange-peers "$DIR/missing"
printf 'ftp://a.vn tok\n' >"$DIR/p1"
usage exchange-peers "${L[@]}" --exchange-peers "$DIR/p1"
has "line 1"
printf '# ok\nhttp://a.vn %s/tok 000.00.00.H41\nhttp://b.vn\n' "$DIR" >"$DIR/p2"
usage exchange-peers "${L[@]}" --exchange-peers "$DIR/p2"
has "line 3"
printf 'http://a.vn %s/tok not-an-organ\n' "$DIR" >"$DIR/p3"
usage exchange-peers "${L[@]}" --exchange-peers "$DIR/p3"
has "not-an-organ"
usage exchange-retry-ms "${L[@]}" --exchange-retry-ms 1
usage exchange-max-attempts "${L[@]}" --exchange-max-attempts 0
usage exchange-poll-ms "${L[@]}" --exchange-poll-ms nope
usage exchange-lease-ms "${L[@]}" --exchange-lease-ms 999
# A peer whose token file cannot be read: exit 1, and the token file is named.
printf 'http://a.vn %s/no-such-token\n' "$DIR" >"$DIR/p4"
expect 1 "unreadable token file" "${L[@]}" --exchange-peers "$DIR/p4"
has "no-such-token"
# Nothing was written by the refusals: the database has no outbox row and no sent row.
n=$(sqlite3 "$DB" "SELECT (SELECT COUNT(*) FROM exchange_outbox) + (SELECT COUNT(*) FROM exchange_sent)" 2>/dev/null)
[ "$n" = "0" ] && pass=$((pass + 1)) || note_fail "refusals wrote rows ($n)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
