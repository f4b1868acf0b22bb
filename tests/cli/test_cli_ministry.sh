#!/usr/bin/env bash
# test_cli_ministry.sh — the ministry adapter's options of `motcua serve` (--ministry-systems and friends): listed by
# --help, a missing / malformed systems file and out-of-range values are usage errors (exit 2, both languages,
# naming the option and the bad line), an unreadable token file is exit 1; none of them starts a server. The
# adapter itself is tests/api/test_interagency.py and tests/integration/test_interagency.sh.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-cliministry.XXXXXX)
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

DB="$DIR/m.db"
expect 0 "init" init --db "$DB" --admin-password 'cli-ministry-1'
expect 0 "serve --help" serve --help
for o in ministry-systems ministry-retry-ms ministry-max-attempts ministry-poll-ms ministry-result-poll-ms \
         ministry-timeout-ms ministry-lease-ms; do
  grep -q -- "--$o" "$OUT" && pass=$((pass + 1)) || note_fail "serve --help lists --$o"
done
L=(serve --db "$DB" --listen 127.0.0.1:0)
usage ministry-systems "${L[@]}" --ministry-systems "$DIR/missing"
printf 'land rest ftp://a.vn tok\n' >"$DIR/s1"
usage ministry-systems "${L[@]}" --ministry-systems "$DIR/s1"
has "line 1"
printf '# ok\nland rest http://a.vn %s/tok\nland2 grpc http://b.vn t\n' "$DIR" >"$DIR/s2"
usage ministry-systems "${L[@]}" --ministry-systems "$DIR/s2"
has "line 3"
printf 'land rest http://a.vn t\nland soap http://b.vn t\n' >"$DIR/s3"
usage ministry-systems "${L[@]}" --ministry-systems "$DIR/s3"
has "twice"
usage ministry-retry-ms "${L[@]}" --ministry-retry-ms 1
usage ministry-max-attempts "${L[@]}" --ministry-max-attempts 0
usage ministry-result-poll-ms "${L[@]}" --ministry-result-poll-ms nope
usage ministry-lease-ms "${L[@]}" --ministry-lease-ms 999
# A system whose token file cannot be read: exit 1, and the token file is named.
printf 'land rest http://a.vn %s/no-such-token\n' "$DIR" >"$DIR/s4"
expect 1 "unreadable token file" "${L[@]}" --ministry-systems "$DIR/s4"
has "no-such-token"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
