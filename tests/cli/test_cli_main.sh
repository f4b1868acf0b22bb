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
for c in serve init demo user verify backup rebuild calendar; do expect 0 "$c --help" "$c" --help; done
# --help is generated from each command's option table: every option is listed with its help line
helps() { local c=$1; shift; "$BIN" $c --help >"$OUT" 2>"$ERR"; for o in "$@"; do grep -q -- "^  --$o\b.* [a-z]" "$OUT" || { note_fail "$c --help lists --$o"; return; }; done; pass=$((pass + 1)); }
helps serve db listen threads slow-threads web body-max secure-cookies trust-proxy session-ttl session-idle login-slow-after login-slow-ms login-account-max login-addr-after register-after auth-cache-ms lookup-after lookup-cache-ms public-url header-timeout body-timeout
helps init db admin-username admin-password admin-password-stdin node-name
helps demo db
helps verify db expect-head
helps backup db to
helps rebuild db check
"$BIN" user add --help >"$OUT" 2>"$ERR"; grep -q -- '^  --role ROLE' "$OUT" && pass=$((pass + 1)) || note_fail "user add --help lists --role"
roles=(); for i in $(seq 17); do roles+=(--role desk); done
usage --role user add --db "$DIR/none.db" --username a.b --full-name A --unit x "${roles[@]}"
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
expect 0 "rebuild --check" rebuild --db "$DB" --check
grep -q '^projections identical' "$OUT" && grep -q '^rebuilt from [1-9][0-9]* events' "$OUT" && pass=$((pass + 1)) \
  || note_fail "rebuild reports the events read and identical projections"
expect 0 "dossier rebuild" dossier rebuild --db "$DB"
expect 1 "rebuild of a missing database" rebuild --db "$DIR/missing.db"

# ---- the ledger cannot be fooled: every tampering below makes verify exit 1 ----
# lverify WANT WHAT ARGS... — verify a copy, expect exit WANT; on 1 also the English and Vietnamese BROKEN lines.
lverify() {
  local want=$1 what=$2; shift 2
  "$BIN" verify "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$want" ] && clean && { [ "$want" -eq 0 ] || { grep -q 'ledger BROKEN' "$OUT" && grep -q 'sổ cái HỎNG' "$OUT"; }; }; then
    pass=$((pass + 1))
  else
    note_fail "$what (exit $rc, want $want)"; sed 's/^/  stdout: /' "$OUT" | head -n 3
  fi
}
fresh() { rm -f "$DIR/t.db"; cp "$DIR/b.db" "$DIR/t.db"; }
T="$DIR/t.db"
fresh
lverify 0 "verify prints the head" --db "$T"
HEAD=$(sed -n 's/^head: node [0-9A-Z]* seq \([0-9]*\) hash \([0-9a-f]*\)$/\1:\2/p' "$OUT")
LAST=$(sqlite3 "$T" "SELECT MAX(seq) FROM events")
[ -n "$HEAD" ] && [ "${HEAD%%:*}" = "$LAST" ] && pass=$((pass + 1)) || note_fail "verify prints 'head: node N seq S hash H' ($HEAD)"
lverify 0 "the recorded head is accepted" --db "$T" --expect-head "$HEAD"
usage --expect-head verify --db "$T" --expect-head 12
usage --expect-head verify --db "$T" --expect-head "x:$(printf '%064d' 0)"
lverify 1 "an expected head with a wrong hash" --db "$T" --expect-head "${HEAD%%:*}:$(printf '%064d' 0)"
grep -q 'rewritten' "$OUT" && pass=$((pass + 1)) || note_fail "a wrong expected hash says 'rewritten'"
# a correctly hashed chain with no ledger_head row (fabricated)
sqlite3 "$T" "DELETE FROM ledger_head"
lverify 1 "a chain without a ledger_head row" --db "$T"
grep -q 'no ledger_head row' "$OUT" && pass=$((pass + 1)) || note_fail "the reason names the missing head row"
# NUL-carrying text: the C string is unchanged, hidden bytes follow the NUL
fresh
sqlite3 "$T" "UPDATE events SET payload = CAST(payload || X'00' || 'hidden' AS TEXT) WHERE seq = 2"
lverify 1 "a payload with a NUL and hidden bytes" --db "$T"
grep -q 'event 2: .*NUL' "$OUT" && pass=$((pass + 1)) || note_fail "the NUL is reported at event 2"
fresh
sqlite3 "$T" "UPDATE events SET type = CAST(type || X'0078' AS TEXT) WHERE seq = 1"
lverify 1 "a type with a NUL and hidden bytes" --db "$T"
# truncation: the last events deleted (head row left alone, then moved back too)
fresh
sqlite3 "$T" "DELETE FROM events WHERE seq > $LAST - 2"
lverify 1 "the last events deleted" --db "$T"
sqlite3 "$T" "UPDATE ledger_head SET seq = $LAST - 2, hash = (SELECT hash FROM events WHERE seq = $LAST - 2)"
lverify 0 "a truncation with the head moved back is consistent in itself" --db "$T"
lverify 1 "... but not with the head written down earlier" --db "$T" --expect-head "$HEAD"
grep -q 'truncated' "$OUT" && pass=$((pass + 1)) || note_fail "a truncation against the anchor says 'truncated'"
# a rewrite: the history from event 2 replaced and every later event rehashed (by motcua itself)
fresh
sqlite3 "$T" "DELETE FROM events WHERE seq >= 2; UPDATE ledger_head SET seq = 1, hash = (SELECT hash FROM events WHERE seq = 1)"
for i in 1 2 3 4 5 6 7 8; do
  echo "long-enough-$i" | "$BIN" user add --db "$T" --username "fake.$i" --full-name "Giả $i" --unit cujut --password-stdin >/dev/null 2>&1
done
lverify 0 "a rehashed rewrite is consistent in itself" --db "$T"
lverify 1 "... but not with the head written down earlier" --db "$T" --expect-head "$HEAD"
# the prev-hash link of one event
fresh
sqlite3 "$T" "UPDATE events SET prev_hash = '$(printf '%064d' 0)' WHERE seq = 3"
lverify 1 "a tampered prev_hash" --db "$T"
grep -q 'event 3: prev_hash' "$OUT" && pass=$((pass + 1)) || note_fail "the tampered prev_hash is named at event 3"

# ---- a database whose schema is newer than this binary ----
fresh
sqlite3 "$T" "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)"
newer() {
  local what=$1; shift
  timeout 60 "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && grep -q 'schema is newer than this motcua' "$ERR" \
     && grep -q 'lược đồ cơ sở dữ liệu mới hơn' "$ERR" && ! grep -q 'failed:' "$ERR" && [ "$(grep -c . "$ERR")" -le 3 ] && clean; then
    pass=$((pass + 1))
  else
    note_fail "$what on a newer schema: a clear bilingual message and a non-zero exit (exit $rc)"
  fi
}
newer init init --db "$T" --admin-password long-enough-pw
newer serve serve --db "$T" --listen 127.0.0.1:0
sqlite3 "$DB" "UPDATE events SET payload = replace(payload, 'nga.tran', 'nga.tram') WHERE seq = (SELECT MAX(seq) FROM events WHERE payload LIKE '%nga.tran%')"
"$BIN" verify --db "$DB" >"$OUT" 2>"$ERR"
[ $? -eq 1 ] && grep -q 'BROKEN' "$OUT" && pass=$((pass + 1)) || note_fail "verify names a tampered event (exit 1)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
