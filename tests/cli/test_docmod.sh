#!/usr/bin/env bash
# test_docmod.sh — the documents module (motcua-docs.so: PDF forms, spreadsheets, edXML; src/cli/docmod.c) is
# found next to the executable or in ../lib/motcua/, `serve` refuses to start without a valid one (exit 1, both
# languages), commands that need no document work without it, and a running server maps it only when it first
# makes a PDF (issue 8, item 4: the memory of a server that has printed nothing).
# Binary: $MOTCUA_BIN (default build/san/motcua), its module beside it. Prints "N passed, N failed"; exit 1 on failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
# fontconfig never frees its process-wide caches (docs/forms.md): suppress exactly those, nothing of motcua's.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/cli/lsan-fontconfig.supp:print_suppressions=0"
MOD="$(dirname "$BIN")/motcua-docs.so"
DIR=$(mktemp -d /tmp/motcua-docmod.XXXXXX)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0
ok() { pass=$((pass + 1)); }
note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
run() { # run EXPECTED_EXIT WHAT BIN ARGS...
  local code=$1 what=$2 bin=$3; shift 3
  timeout 30 "$bin" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then ok; else note_fail "$what (exit $rc, want $code)"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

[ -f "$MOD" ] && ok || note_fail "the build puts $MOD beside $BIN"
if ldd "$BIN" | grep -qE 'libcairo|libpango|libxml2|libxmlsec1|libxlsxwriter'; then
  note_fail "the executable links a documents library itself"; else ok; fi
ldd "$MOD" | grep -q libcairo && ok || note_fail "the module links cairo"

DB="$DIR/d.db"
run 0 "demo" "$BIN" demo --db "$DB"

# Without the module: serve refuses, in both languages, naming the file; other commands work.
mkdir -p "$DIR/alone"
cp "$BIN" "$DIR/alone/motcua"
run 1 "serve without the module" "$DIR/alone/motcua" serve --db "$DB" --listen 127.0.0.1:0
grep -q 'error: No valid documents module motcua-docs.so' "$ERR" && grep -q 'lỗi: Không tìm thấy mô-đun văn bản' "$ERR" \
  && ok || note_fail "the refusal names the module in both languages"
run 0 "verify without the module" "$DIR/alone/motcua" verify --db "$DB"
# A file of that name that is not an ELF object is refused the same way.
echo 'not a library' >"$DIR/alone/motcua-docs.so"
run 1 "serve with a module that is not an ELF object" "$DIR/alone/motcua" serve --db "$DB" --listen 127.0.0.1:0

# <prefix>/bin/motcua with <prefix>/lib/motcua/motcua-docs.so: serve starts; the module is mapped only after the
# first PDF, which pdftotext reads.
mkdir -p "$DIR/prefix/bin" "$DIR/prefix/lib/motcua"
cp "$BIN" "$DIR/prefix/bin/motcua"
cp "$MOD" "$DIR/prefix/lib/motcua/"
PORT=$(free_port)
"$DIR/prefix/bin/motcua" serve --db "$DB" --listen "127.0.0.1:$PORT" --threads 2 >"$DIR/serve.out" 2>"$DIR/serve.err" &
SPID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && ok || note_fail "serve with the module in ../lib/motcua/"
grep -q motcua-docs.so "/proc/$SPID/maps" && note_fail "the module is mapped before any document" || ok
COOKIE=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d '{"username":"cujut.desk","password":"demo"}' "http://127.0.0.1:$PORT/api/v1/session" |
  awk -F'[ ;]' 'tolower($1)=="set-cookie:" {print $2}')
[ -n "$COOKIE" ] && ok || note_fail "sign-in"
grep -q motcua-docs.so "/proc/$SPID/maps" && note_fail "a sign-in maps the module" || ok
COMMUNE=$(curl -sf -H "Cookie: $COOKIE" "http://127.0.0.1:$PORT/api/v1/me" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["roles"][0]["unit"]["id"])')
TODAY=$(TZ=Asia/Ho_Chi_Minh date +%Y-%m-%d)
code=$(curl -s -o "$DIR/book.pdf" -w '%{http_code}' -H "Cookie: $COOKIE" \
  "http://127.0.0.1:$PORT/api/v1/units/$COMMUNE/tracking-book.pdf?from=$TODAY&to=$TODAY")
[ "$code" = 200 ] && ok || note_fail "the tracking book PDF (HTTP $code)"
pdftotext "$DIR/book.pdf" - 2>/dev/null | grep -q 'SỔ THEO DÕI' && ok || note_fail "pdftotext reads the tracking book"
grep -q motcua-docs.so "/proc/$SPID/maps" && ok || note_fail "the module is mapped after the first PDF"
kill -TERM "$SPID"; wait "$SPID"; rc=$?; SPID=
[ "$rc" -eq 0 ] && ok || note_fail "serve stops cleanly after using the module (exit $rc)"
cp "$DIR/serve.err" "$ERR"
clean && ok || note_fail "no sanitizer report from the server"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
