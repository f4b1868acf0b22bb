#!/usr/bin/env bash
# test_forms.sh — `motcua form render`: every form of Circular 03/2025 rendered from tests/data/forms/*.json and
# read back with poppler-utils and zbar, as a citizen's or an inspector's tools would read it.
#
# For each form: exit 0, a PDF whose text (pdftotext) holds every string value of the JSON and the national header
# exactly, whose fonts are all embedded (pdffonts), with the title and creator "motcua" in its metadata (pdfinfo).
# The receipt's QR code must decode (zbarimg) to its lookup URL; the control sheet of 60 hand-offs must run over
# several pages with the table's header row on each. Refused inputs must exit 2 with "error:" and "lỗi:" on
# stderr and leave no output file. Any sanitizer report fails the case. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

BIN=${MOTCUA_BIN:-build/san/motcua}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# fontconfig never frees its process-wide caches (docs/forms.md): suppress exactly those, nothing of motcua's.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$PWD/tests/cli/lsan-fontconfig.supp:print_suppressions=0"
DATA=tests/data/forms
TMP=$(mktemp -d /tmp/motcua-forms.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; [ -s "$TMP/err" ] && echo "  stderr: $(head -c 600 "$TMP/err")"; }
sanitizer_clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$TMP/err"; }

render() { # FORM JSON OUT [--csv]
  "$BIN" form render --form "$1" --json "$2" --out "$3" ${4:-} >"$TMP/out" 2>"$TMP/err"
}

# The JSON's string values that must appear in the text: every string leaf but the instants (checked in their
# printed form where a form prints them in full), the enumerated hand-off results and paper forms (printed as
# words: checked below).
values() {
  python3 - "$1" <<'EOF'
import json, sys
skip = {"issued_at", "received_at", "due_at", "at", "step_due", "original_due", "new_due", "returned_at", "result",
        "form"}
def walk(v, key=None):
    if isinstance(v, dict):
        for k, x in v.items(): walk(x, k)
    elif isinstance(v, list):
        for x in v: walk(x, key)
    elif isinstance(v, str) and key not in skip:
        print(v)
walk(json.load(open(sys.argv[1], encoding="utf-8")))
EOF
}

# Whitespace-collapsed text of a PDF (a value wrapped at a space still matches).
flat_text() { pdftotext -raw -enc UTF-8 "$@" - 2>/dev/null | tr '\n\f' '  ' | tr -s ' '; }

check_pdf() { # FORM
  local form=$1 json="$DATA/$1.json" pdf="$TMP/$1.pdf"
  if render "$form" "$json" "$pdf" && sanitizer_clean && [ "$(head -c 5 "$pdf")" = "%PDF-" ]; then ok
  else bad "$form: render (exit $?)"; return; fi

  local text missing=0
  text=$(flat_text "$pdf")
  while IFS= read -r v; do
    v=$(tr -s ' ' <<<"$v")
    if ! grep -qF -- "$v" <<<"$text"; then missing=1; echo "  $form: value not in the PDF text: '$v'"; fi
  done < <(values "$json")
  [ $missing -eq 0 ] && ok || bad "$form: field values missing from pdftotext output"

  # The national header, each line exactly as written, on a line of its own.
  # (Captured first: with pipefail, grep -q closing the pipe early would fail pdftotext on a long document.)
  local lines
  lines=$(pdftotext -raw -enc UTF-8 "$pdf" - | sed 's/^ *//; s/ *$//')
  if grep -qxF 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM' <<<"$lines" && grep -qxF 'Độc lập - Tự do - Hạnh phúc' <<<"$lines"; then ok
  else bad "$form: national header not found exactly"; fi

  # Every font embedded: pdffonts' "emb" column (after name, type, encoding; type may be two words).
  local fonts
  fonts=$(pdffonts "$pdf" | tail -n +3)
  if [ -n "$fonts" ] && ! awk '{ n = NF; if ($(n-4) != "yes") bad = 1 } END { exit bad }' <<<"$fonts"; then
    bad "$form: a font is not embedded: $fonts"
  elif [ -n "$fonts" ]; then ok
  else bad "$form: no fonts listed"; fi

  local info
  info=$(pdfinfo "$pdf" 2>/dev/null)
  if grep -q '^Creator: *motcua$' <<<"$info" && grep -q '^Title: *[^ ]' <<<"$info"; then ok
  else bad "$form: metadata (Title, Creator motcua) missing"; fi
}

for f in receipt supplement refusal apology stop control-sheet tracking-book; do check_pdf "$f"; done

# The receipt prints its two instants in the legal wording.
text=$(flat_text "$TMP/receipt.pdf")
if grep -qF 'Thời gian nhận hồ sơ: 09 giờ 15 phút, ngày 02 tháng 12 năm 2026' <<<"$text" &&
   grep -qF 'Thời gian trả kết quả giải quyết hồ sơ: 10 giờ 00 phút, ngày 07 tháng 12 năm 2026' <<<"$text" &&
   grep -qF 'Đồng Tiến, ngày 02 tháng 12 năm 2026' <<<"$text"; then ok
else bad "receipt: instants or date line not printed as on the form"; fi
# Papers with their form in words ("copy" is the dossier module's code) and count.
if grep -qF '1. Tờ khai đăng ký khai sinh (Bản chính: 01)' <<<"$text" && grep -qF '2. Giấy chứng sinh (Bản sao: 01)' <<<"$text"
then ok; else bad "receipt: papers not printed with their form and count"; fi
# The control sheet prints each hand-off's result in words.
text=$(flat_text "$TMP/control-sheet.pdf")
if grep -qF 'Trước hạn' <<<"$text" && grep -qF 'Đúng hạn' <<<"$text" && grep -qF 'Quá hạn' <<<"$text"; then ok
else bad "control-sheet: results not printed as Trước hạn / Đúng hạn / Quá hạn"; fi

# The receipt's QR code decodes to the lookup URL.
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["lookup_url"])' "$DATA/receipt.json")
pdftoppm -r 150 -png -f 1 -l 1 "$TMP/receipt.pdf" "$TMP/receipt" 2>/dev/null
got=$(zbarimg -q --raw "$TMP"/receipt-1.png 2>/dev/null)
[ "$got" = "$url" ] && ok || bad "receipt: QR decodes to '$got', want '$url'"

# The control sheet of 60 hand-offs: several pages, the header row on every one.
pages=$(pdfinfo "$TMP/control-sheet.pdf" 2>/dev/null | awk '/^Pages:/ { print $2 }')
if [ "${pages:-0}" -gt 1 ]; then
  ok
  missing=0
  for ((p = 1; p <= pages; p++)); do
    t=$(flat_text -f "$p" -l "$p" "$TMP/control-sheet.pdf")
    grep -qF 'Tên đơn vị' <<<"$t" && grep -qF 'Thời gian giao nhận hồ sơ' <<<"$t" &&
      grep -qF "Trang $p/$pages" <<<"$t" || { missing=1; echo "  page $p lacks the header row or its number"; }
  done
  [ $missing -eq 0 ] && ok || bad "control-sheet: header row not repeated on every page"
  n=$(flat_text "$TMP/control-sheet.pdf" | grep -oF '1. Giao:' | wc -l)
  [ "$n" -eq 60 ] && ok || bad "control-sheet: $n hand-off rows printed, want 60"
else
  bad "control-sheet: $pages page(s), want more than 1"
fi

# The tracking book as CSV: a header line and one line per row, with the values.
if render tracking-book "$DATA/tracking-book.json" "$TMP/book.csv" --csv && sanitizer_clean; then
  lines=$(wc -l <"$TMP/book.csv")
  rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["rows"]))' "$DATA/tracking-book.json")
  if [ "$lines" -eq $((rows + 1)) ] && grep -qF '"000.00.06.H56-261202-0001","Đăng ký khai sinh","Nguyễn Thị Ộ Ệ"' "$TMP/book.csv"
  then ok; else bad "tracking-book csv: $lines lines for $rows rows, or values missing"; fi
else bad "tracking-book csv: render"; fi

# Refused inputs: exit 2, both languages, no output file.
refuse() { # NAME FORM JSON-TEXT [extra arg]
  local name=$1 form=$2 out="$TMP/refused.pdf"
  printf '%s' "$3" >"$TMP/in.json"
  rm -f "$out"
  "$BIN" form render --form "$form" --json "$TMP/in.json" --out "$out" ${4:-} >"$TMP/out" 2>"$TMP/err"
  local rc=$?
  if [ $rc -eq 2 ] && grep -q 'error:' "$TMP/err" && grep -q 'lỗi:' "$TMP/err" && [ ! -e "$out" ] && sanitizer_clean
  then ok; else bad "refuse $name (exit $rc)"; fi
}
long=$(head -c 4200 /dev/zero | tr '\0' 'a')
refuse unknown-field receipt '{"dossier_code": "X", "colour": "red"}'
refuse unknown-nested receipt '{"applicant": {"name": "A", "age": 3}}'
refuse wrong-type receipt '{"sets": "two"}'
refuse too-long receipt "{\"request\": \"$long\"}"
refuse bad-instant receipt '{"received_at": "2026-13-02T09:15"}'
refuse bad-result control-sheet '{"rows": [{"result": "soon"}]}'
refuse malformed receipt '{"dossier_code": '
refuse not-object receipt '[1, 2]'
refuse unknown-form certificate '{}'
refuse csv-not-book receipt '{}' --csv
"$BIN" form render --form receipt --json "$TMP/in.json" --out "$TMP/x.pdf" --bogus >"$TMP/out" 2>"$TMP/err"
[ $? -eq 2 ] && ok || bad "unknown option not refused"
printf '{"request": "%s"}' "$long" >"$TMP/in.json"
"$BIN" form render --form receipt --json "$TMP/in.json" --out "$TMP/x.pdf" >"$TMP/out" 2>"$TMP/err"
grep -qF '"request"' "$TMP/err" && ok || bad "too long: the message does not name the field"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
