#!/usr/bin/env bash
# test_cli_procedure.sh — `motcua procedure import|export`, run as a user would, on a fresh SQLite file.
#
# The shipped catalog imports (48 created, 20 skipped for want of a time limit) and imports again unchanged; an
# export in CSV and in JSON imports back unchanged; a file with one bad row is refused with its line number
# (exit 1) and saves nothing; usage errors exit 2 with both languages on stderr. Any sanitizer report fails the
# case. Ends with one line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

BIN=${MOTCUA_BIN:-build/san/motcua}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
pass=0
fail=0
DIR=$(mktemp -d)
OUT=$DIR/out
ERR=$DIR/err
DB=$DIR/p.db
trap 'rm -rf "$DIR"' EXIT

# run WANT_RC STDOUT_PATTERN ARGS... — exit status WANT_RC, stdout matching the grep -E pattern (EMPTY: nothing on
# stdout), no sanitizer report.
run() {
  local want=$1 pat=$2; shift 2
  "$BIN" procedure "$@" >"$OUT" 2>"$ERR"
  local rc=$?
  local out_ok
  if [ "$pat" == EMPTY ]; then [ ! -s "$OUT" ]; else grep -qE -- "$pat" "$OUT"; fi
  out_ok=$?
  if [ "$rc" -eq "$want" ] && [ "$out_ok" -eq 0 ] && ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: procedure $* (exit $rc, want $want and stdout /$pat/)"
    echo "  stdout: $(head -c 600 "$OUT")"
    echo "  stderr: $(head -c 600 "$ERR")"
  fi
}

# stderr_has PATTERN — the last run's stderr matches.
stderr_has() {
  if grep -qE -- "$1" "$ERR"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: stderr lacks /$1/: $(head -c 600 "$ERR")"; fi
}

run 0 '^created 48, updated 0, unchanged 0, skipped 20' import --db "$DB" data/procedures-commune.csv
run 0 '^created 0, updated 0, unchanged 48, skipped 20' import --db "$DB" data/procedures-commune.csv
run 0 '^code,name,field,level,' export --db "$DB"
cp "$OUT" "$DIR/all.csv"
run 0 '^created 0, updated 0, unchanged 48, skipped 0' import --db "$DB" "$DIR/all.csv"
run 0 '^\[\{"scope":"","code":"1\.000894"' export --db "$DB" --format json
cp "$OUT" "$DIR/all.json"
run 0 '^created 0, updated 0, unchanged 48, skipped 0' import --db "$DB" "$DIR/all.json"
printf 'code,name,field,time_rule,time_amount\n9.000001,Một,Chứng thực,days,2\n9.000002,Hai,Chứng thực,days,x\n' >"$DIR/bad.csv"
run 1 EMPTY import --db "$DB" "$DIR/bad.csv"
stderr_has '^line 3: time\.amount: '
stderr_has 'nothing was saved'
run 0 '^\[' export --db "$DB" --format json
if grep -q '9.000001' "$OUT"; then fail=$((fail + 1)); echo "FAIL: a refused import saved a row"; else pass=$((pass + 1)); fi
run 2 EMPTY import --db "$DB"
stderr_has 'lỗi:'
run 2 EMPTY export --db "$DB" --format xml
stderr_has 'error:.*--format'
run 2 EMPTY import --db "$DB" --colour x data/procedures-commune.csv
run 1 EMPTY import --db "$DB" "$DIR/missing.csv"
run 0 'usage: motcua procedure import' import --help

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
