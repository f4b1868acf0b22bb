#!/usr/bin/env bash
# test_cli_notify.sh — `motcua notify` and the notification options of `motcua serve`: usage errors (exit 2, both
# languages, naming the option), unreadable secret files (exit 1), enqueue / dedupe / refusal / status end to end
# on a throw-away SQLite database. Delivery itself is tests/integration/test_notify.sh.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-clinotify.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
expect() {
  local code=$1 what=$2; shift 2
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then pass=$((pass + 1)); else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then
    pass=$((pass + 1))
  else
    note_fail "usage error naming '$word': motcua $* (exit $rc)"
  fi
}
out_is() { if [ "$(cat "$OUT")" = "$1" ]; then pass=$((pass + 1)); else note_fail "stdout '$(head -c 200 "$OUT")' != '$1'"; fi; }

DB="$DIR/n.db"
expect 0 "init" init --db "$DB" --admin-password 'cli-notify-1'
expect 0 "notify --help" notify --help
grep -q "notify enqueue" "$OUT" && pass=$((pass + 1)) || note_fail "notify --help lists enqueue"
expect 0 "serve --help" serve --help
for o in smtp-url smtp-from smtp-user smtp-password-file smtp-starttls sms-url sms-token-file; do
  grep -q -- "--$o" "$OUT" && pass=$((pass + 1)) || note_fail "serve --help lists --$o"
done
expect 2 "notify without action" notify
usage action notify bogus --db "$DB"
usage smtp-from serve --db "$DB" --smtp-url smtp://127.0.0.1:1
usage smtp-from notify send --db "$DB" --smtp-url smtp://127.0.0.1:1 --smtp-from not-an-address
usage sms-url notify send --db "$DB" --once
usage batch notify send --db "$DB" --sms-url http://127.0.0.1:1 --batch 99
usage template notify enqueue --db "$DB" --to a@b.vn --key k --template nope
usage channel notify enqueue --db "$DB" --to a@b.vn --key k --template received --channel fax
usage lang notify enqueue --db "$DB" --to a@b.vn --key k --template received --lang fr
usage key notify enqueue --db "$DB" --to a@b.vn --template received
expect 1 "unreadable token file" notify send --db "$DB" --sms-url http://127.0.0.1:1 --sms-token-file "$DIR/none"
: >"$DIR/empty"
expect 1 "empty password file" notify send --db "$DB" --smtp-url smtp://127.0.0.1:1 --smtp-from n@m.vn \
  --smtp-password-file "$DIR/empty"

expect 0 "enqueue" notify enqueue --db "$DB" --to an@example.vn --template received --key k1 --code "000.00.06.H56-261202-0001"
out_is queued
expect 0 "enqueue again" notify enqueue --db "$DB" --to an@example.vn --template received --key k1
out_is "already queued"
expect 2 "recipient with CR/LF" notify enqueue --db "$DB" --to $'an@example.vn\r\nBcc: x@y.vn' --template received --key k2
grep -q "recipient" "$ERR" && pass=$((pass + 1)) || note_fail "the refusal names the recipient"
expect 2 "argument with a newline" notify enqueue --db "$DB" --to an@example.vn --template refused --key k3 \
  --reason $'a\nb'
expect 0 "sms enqueue" notify enqueue --db "$DB" --channel sms --to 0912345678 --template payment --key k4 --amount "8.000 đ"
expect 0 "status" notify status --db "$DB"
out_is $'pending 2\nsending 0\nsent 0\nfailed 0'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
