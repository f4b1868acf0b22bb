#!/usr/bin/env bash
# test_cli_main.sh — the motcua command line outside `calendar`: exit codes (0 ok, 1 failure, 2 usage), usage
# errors in English and Vietnamese naming the option, every --help, and init / demo / user add|passwd|disable /
# verify / backup end to end on a throw-away SQLite database. Binary: $MOTCUA_BIN (default build/san/motcua).
# Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-climain.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }

# expect CODE DESCRIPTION ARGS... — run motcua ARGS (stdin from /dev/null), expect exit CODE.
expect() {
  local code=$1 what=$2; shift 2
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then pass=$((pass + 1)); else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}

# usage WORD ARGS... — exit 2 and both an English and a Vietnamese line that mention WORD.
usage() {
  local word=$1; shift
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q "error: .*$word" "$ERR" && grep -q "lỗi: .*$word" "$ERR" && clean; then
    pass=$((pass + 1))
  else
    note_fail "usage error naming '$word': motcua $* (exit $rc)"
  fi
}

# ---- help and version ----
expect 0 "help" --help
for c in serve init demo user verify backup calendar; do expect 0 "$c --help" "$c" --help; done
expect 0 "version" version
grep -q '^motcua ' "$OUT" && pass=$((pass + 1)) || note_fail "version prints 'motcua <version>'"
expect 2 "no command" 
expect 2 "unknown command" frobnicate

# ---- usage errors: bilingual, naming the option or value ----
usage --threads serve --threads 0
usage --threads serve --threads many
usage --body-max serve --body-max 10
usage --session-ttl serve --session-ttl -5
usage --bogus serve --bogus
usage stray serve stray
usage --admin-username init --db "$DIR/x.db" --admin-username 'Bad Name!'
usage frob user frob
usage --username user add --full-name "Nguyễn Văn A" --unit cujut
usage --unit user add --username a.b --full-name "Nguyễn Văn A"
usage --to backup --db "$DIR/x.db"
usage --nope verify --nope
check_missing_db() {
  "$BIN" verify --db "$DIR/missing.db" >"$OUT" 2>"$ERR"
  local rc=$?
  if [ "$rc" -eq 1 ] && grep -q "does not exist" "$ERR" && clean; then pass=$((pass + 1)); else note_fail "verify on a missing database exits 1 (got $rc)"; fi
}
check_missing_db

# ---- a database from init to verify ----
DB="$DIR/m.db"
echo "first-admin-pw" | "$BIN" init --db "$DB" --admin-password-stdin >"$OUT" 2>"$ERR"
[ $? -eq 0 ] && grep -q "administrator created" "$OUT" && pass=$((pass + 1)) || note_fail "init creates the first administrator from stdin"
expect 0 "init again only migrates" init --db "$DB" --admin-password ignored
grep -q "administrator created" "$OUT" && note_fail "a second init does not create another administrator" || pass=$((pass + 1))
expect 0 "demo" demo --db "$DB"
expect 0 "demo again" demo --db "$DB"
grep -q "already present" "$OUT" && pass=$((pass + 1)) || note_fail "a second demo says the data is already present"
echo "pw-of-nga" | "$BIN" user add --db "$DB" --username nga.tran --full-name "Trần Thị Nga" --unit cujut.ttpvhcc \
  --role desk@cujut --role clerk@cujut --password-stdin >"$OUT" 2>"$ERR"
[ $? -eq 0 ] && pass=$((pass + 1)) || note_fail "user add with two roles"
[ "$(sqlite3 "$DB" "SELECT COUNT(*) FROM roles r JOIN accounts a ON a.id = r.account_id WHERE a.username = 'nga.tran'")" = 2 ] \
  && pass=$((pass + 1)) || note_fail "the two roles are stored"
echo "long-enough" | "$BIN" user add --db "$DB" --username nga.tran --full-name "Trần Thị Nga" --unit cujut --password-stdin >"$OUT" 2>"$ERR"
[ $? -ne 0 ] && grep -q "already exists" "$ERR" && pass=$((pass + 1)) || note_fail "a duplicate username is refused"
echo "long-enough" | "$BIN" user add --db "$DB" --username x.y --full-name "Trần Thị Nga" --unit nowhere --password-stdin >"$OUT" 2>"$ERR"
[ $? -ne 0 ] && grep -q "nowhere" "$ERR" && grep -qi "unit" "$ERR" && pass=$((pass + 1)) || note_fail "an unknown unit is refused, naming it"
HASH1=$(sqlite3 "$DB" "SELECT password_hash FROM accounts WHERE username = 'nga.tran'")
echo "new-pw-of-nga" | "$BIN" user passwd --db "$DB" --username nga.tran --password-stdin >"$OUT" 2>"$ERR"
HASH2=$(sqlite3 "$DB" "SELECT password_hash FROM accounts WHERE username = 'nga.tran'")
[ -n "$HASH1" ] && [ "$HASH1" != "$HASH2" ] && pass=$((pass + 1)) || note_fail "user passwd changes the stored hash"
echo "abc" | "$BIN" user passwd --db "$DB" --username nga.tran --password-stdin >"$OUT" 2>"$ERR"
[ $? -eq 2 ] && grep -q "4" "$ERR" && pass=$((pass + 1)) || note_fail "a too short password is a usage error"
expect 0 "user disable" user disable --db "$DB" --username nga.tran
[ "$(sqlite3 "$DB" "SELECT disabled FROM accounts WHERE username = 'nga.tran'")" = 1 ] && pass=$((pass + 1)) \
  || note_fail "the account is disabled"
expect 1 "user disable of an unknown user" user disable --db "$DB" --username nobody.here
expect 0 "verify" verify --db "$DB"
grep -q '^ledger OK: ' "$OUT" && pass=$((pass + 1)) || note_fail "verify prints 'ledger OK'"
expect 0 "backup" backup --db "$DB" --to "$DIR/b.db"
expect 0 "verify the backup" verify --db "$DIR/b.db"
expect 1 "backup onto an existing file" backup --db "$DB" --to "$DIR/b.db"
sqlite3 "$DB" "UPDATE events SET payload = replace(payload, 'nga.tran', 'nga.tram') WHERE seq = (SELECT MAX(seq) FROM events WHERE payload LIKE '%nga.tran%')"
"$BIN" verify --db "$DB" >"$OUT" 2>"$ERR"
[ $? -eq 1 ] && grep -q 'BROKEN' "$OUT" && pass=$((pass + 1)) || note_fail "verify names a tampered event (exit 1)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
