#!/usr/bin/env bash
# test_cli_calendar.sh — `motcua calendar lunar|solar|holidays|due|workdays`, run as a user would.
#
# Each case runs the binary ($MOTCUA_BIN, default build/san/motcua: the ASan+UBSan build) and checks the exit status
# and the exact stdout; a refused input must exit 2 with a message of the catalog in both languages on stderr
# ("motcua calendar SUB: error:" and "motcua calendar SUB: lỗi:", naming the option or value at fault) and nothing
# on stdout. Each subcommand's --help must list every option of its table. Any sanitizer report fails the case. Expected values come from the published
# decisions and the worked examples of docs/legal-clock.md. Ends with one line "N passed, N failed"; exit 1 on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/../.."

BIN=${MOTCUA_BIN:-build/san/motcua}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
pass=0
fail=0
OUT=$(mktemp)
ERR=$(mktemp)
trap 'rm -f "$OUT" "$ERR"' EXIT

note_fail() {
  fail=$((fail + 1))
  echo "FAIL: $1"
  echo "  stdout: $(head -c 600 "$OUT")"
  echo "  stderr: $(head -c 600 "$ERR")"
}

sanitizer_clean() {
  ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"
}

# ok EXPECTED_STDOUT ARGS... — exit 0, stdout exactly EXPECTED_STDOUT.
ok() {
  local want=$1; shift
  "$BIN" calendar "$@" >"$OUT" 2>"$ERR"
  local rc=$?
  if [ "$rc" -eq 0 ] && [ "$(cat "$OUT")" == "$want" ] && sanitizer_clean; then
    pass=$((pass + 1))
  else
    note_fail "calendar $* (exit $rc, want stdout '$want')"
  fi
}

# bad WORD ARGS... — exit 2, empty stdout, an English and a Vietnamese message ("motcua calendar[ SUB]: error: "
# and "...: lỗi: "), both naming WORD (a fixed string: the option or the value at fault).
bad() {
  local word=$1; shift
  "$BIN" calendar "$@" >"$OUT" 2>"$ERR"
  local rc=$?
  if [ "$rc" -eq 2 ] && [ ! -s "$OUT" ] && sanitizer_clean &&
     grep '^motcua calendar[a-z ]*: error: ' "$ERR" | grep -qF -- "$word" &&
     grep '^motcua calendar[a-z ]*: lỗi: ' "$ERR" | grep -qF -- "$word"; then
    pass=$((pass + 1))
  else
    note_fail "calendar $* (exit $rc, want 2 with a bilingual message naming '$word')"
  fi
}

# err ARGS... — exit 2 and exactly these two stderr lines ($WANT_EN, $WANT_VI).
err() {
  "$BIN" calendar "$@" >"$OUT" 2>"$ERR"
  local rc=$?
  if [ "$rc" -eq 2 ] && [ ! -s "$OUT" ] && [ "$(cat "$ERR")" == "$WANT_EN"$'\n'"$WANT_VI" ]; then
    pass=$((pass + 1))
  else
    note_fail "calendar $* (exit $rc, want exactly: $WANT_EN / $WANT_VI)"
  fi
}

# helps SUB OPTION... — `calendar SUB --help` exits 0 and lists every option with its help line.
helps() {
  local sub=$1; shift
  "$BIN" calendar "$sub" --help >"$OUT" 2>"$ERR"
  local rc=$? o
  for o in "$@"; do
    if [ "$rc" -ne 0 ] || ! grep -q -- "^  --$o\b.* [a-z]" "$OUT"; then
      note_fail "calendar $sub --help lists --$o (exit $rc)"
      return
    fi
  done
  if grep -q "^usage: motcua calendar $sub" "$OUT" && [ ! -s "$ERR" ]; then pass=$((pass + 1)); else note_fail "calendar $sub --help: usage line"; fi
}

# ---- lunar ----
ok 2023-02L-01 lunar 2023-03-22          # leap 2nd month of Quý Mão
ok 2026-01-01 lunar 2026-02-17           # Tết Bính Ngọ
ok 1968-01-01 lunar 1968-01-29           # Vietnamese Tết differs from the Chinese one (30/1)
ok 1985-01-01 lunar 1985-01-21
ok 2007-01-01 lunar 2007-02-17
ok 2025-06L-01 lunar 2025-07-25
ok 1900-01-01 lunar 1900-01-31
bad '2026-02-30' lunar 2026-02-30
bad '2026-13-01' lunar 2026-13-01
bad '26-02-17' lunar 26-02-17
bad '2026-2-17' lunar 2026-2-17
bad '1899-12-31' lunar 1899-12-31
bad '2200-01-01' lunar 2200-01-01
bad '""' lunar ''
bad '2026-02-17x' lunar 2026-02-17x
bad 'YYYY-MM-DD' lunar
bad '2026-02-18' lunar 2026-02-17 2026-02-18

# ---- solar ----
ok 2025-07-25 solar 2025-06-01 --leap
ok 2025-07-25 solar 2025-06L-01
ok 2025-06-25 solar 2025-06-01
ok 2026-04-26 solar 2026-03-10            # Hùng Kings 2026 (a Sunday)
ok 2023-03-22 solar 2023-02L-01
bad '2024-02L-01' solar 2024-02L-01                     # 2024 has no leap month
bad '2026-01-31' solar 2026-01-31                      # no lunar month has 31 days
bad '2026-00-10' solar 2026-00-10
bad '2026/03/10' solar 2026/03/10
bad '2300-01-01' solar 2300-01-01
bad 'YYYY-MM-DD' solar
bad '2026-03-11' solar 2026-03-10 2026-03-11

# ---- holidays ----
ok "$(printf '%s\n' \
  $'2026-01-01\tTết Dương lịch' \
  $'2026-01-02\tNghỉ hoán đổi (làm bù 10/01)' \
  $'2026-02-16\tTết Nguyên đán' \
  $'2026-02-17\tTết Nguyên đán' \
  $'2026-02-18\tTết Nguyên đán' \
  $'2026-02-19\tTết Nguyên đán' \
  $'2026-02-20\tTết Nguyên đán' \
  $'2026-04-27\tNghỉ bù Giỗ Tổ Hùng Vương' \
  $'2026-04-30\tNgày Chiến thắng' \
  $'2026-05-01\tNgày Quốc tế lao động' \
  $'2026-08-31\tNghỉ hoán đổi (làm bù 22/8)' \
  $'2026-09-01\tQuốc khánh (ngày liền kề)' \
  $'2026-09-02\tQuốc khánh')" holidays 2026
ok "$(printf '%s\n' \
  $'2025-01-01\tTết Dương lịch' \
  $'2025-01-27\tTết Nguyên đán' \
  $'2025-01-28\tTết Nguyên đán' \
  $'2025-01-29\tTết Nguyên đán' \
  $'2025-01-30\tTết Nguyên đán' \
  $'2025-01-31\tTết Nguyên đán' \
  $'2025-04-07\tGiỗ Tổ Hùng Vương' \
  $'2025-04-30\tNgày Chiến thắng' \
  $'2025-05-01\tNgày Quốc tế lao động' \
  $'2025-05-02\tNghỉ hoán đổi (làm bù 26/4)' \
  $'2025-09-01\tQuốc khánh (ngày liền kề)' \
  $'2025-09-02\tQuốc khánh')" holidays 2025
"$BIN" calendar holidays 2027 >"$OUT" 2>"$ERR"
if [ $? -eq 0 ] && [ "$(wc -l <"$OUT")" -eq 11 ] && grep -q $'^2027-04-16\tGiỗ Tổ Hùng Vương$' "$OUT" && sanitizer_clean; then
  pass=$((pass + 1))
else
  note_fail "calendar holidays 2027 (rule-generated: 11 weekdays off, Hùng Kings on 16/4)"
fi
bad '1899' holidays 1899
bad '2200' holidays 2200
bad '20x6' holidays 20x6
bad '-2' holidays -2026
bad 'YEAR: ""' holidays ''
bad 'YEAR' holidays
bad '2027' holidays 2026 2027

# ---- due ----
ok 2026-02-23T14:59 due --from 2026-02-13T14:59 --days 1   # before 15:00 on the Friday before Tết
ok 2026-02-23T17:30 due --from 2026-02-13T15:01 --days 1   # after 15:00: from Monday 23/2
ok 2026-02-24T14:59 due --from 2026-02-13T14:59 --days 2
ok 2026-03-02T17:30 due --from 2026-03-02T07:30 --days 1   # boundary: 17:30, not 07:30 next day
ok 2026-03-02T11:30 due --from 2026-03-02T07:30 --hours 4  # 11:30, not 13:30
ok 2026-03-03T09:30 due --from 2026-03-02T17:45 --hours 2
ok 2026-08-22T17:30 due --from 2026-08-21T16:00 --days 1   # make-up Saturday 22/8/2026 is worked
ok 2026-09-03T10:00 due --from 2026-08-28T10:00 --days 1
ok 2026-03-03T17:30 due --from 2026-03-02T15:01 --same-day
ok 2026-03-02T17:30 due --from 2026-03-02T15:00 --same-day
ok 2026-01-06T17:30 due --from 2025-12-31T16:00 --days 2
ok 2026-03-02T10:00 due --from 2026-03-02T08:00 --days 0.25
bad '--days, --hours, --same-day' due --from 2026-03-02T08:00
bad '--days: "0"' due --from 2026-03-02T08:00 --days 0
bad '--days: "-1"' due --from 2026-03-02T08:00 --days -1
bad '--days: "abc"' due --from 2026-03-02T08:00 --days abc
bad '--hours: "nan"' due --from 2026-03-02T08:00 --hours nan
bad '--days, --hours, --same-day' due --from 2026-03-02T08:00 --days 1 --same-day
bad '--from' due --from 2026-03-02 --days 1
bad '2026-02-30T08:00' due --from 2026-02-30T08:00 --days 1
bad '2026-03-02T24:00' due --from 2026-03-02T24:00 --days 1
bad '2200-01-01T08:00' due --from 2200-01-01T08:00 --days 1
bad '1900..2199' due --from 2199-12-31T08:00 --days 100                 # the due would fall after 2199
bad '--from' due --days 1
bad '--bogus' due --from 2026-03-02T08:00 --days 1 --bogus

# ---- workdays ----
ok 250 workdays 2026-01-01 2026-12-31                      # 261 weekdays - 13 days off + 2 make-up Saturdays
ok 0 workdays 2026-02-14 2026-02-22                        # Tết Bính Ngọ with its weekends
ok 2 workdays 2026-04-29 2026-05-04
ok 1 workdays 2026-08-22 2026-08-22
ok 0 workdays 2026-08-23 2026-08-23
ok 1 workdays 2026-03-02 2026-03-02
bad '2026-01-31' workdays 2026-01-31 2026-01-01
bad 'TO' workdays 2026-01-01
bad '2026-02-30' workdays 2026-01-01 2026-02-30
bad '1899-12-31' workdays 1899-12-31 2026-01-01
bad '2026-02-01' workdays 2026-01-01 2026-01-31 2026-02-01

# ---- --db and --province: the decisions stored in a motcua database ----
DBDIR=$(mktemp -d /tmp/motcua-clidb.XXXXXX)
"$BIN" demo --db "$DBDIR/c.db" >/dev/null 2>&1
LAMDONG=$(sqlite3 "$DBDIR/c.db" "SELECT id FROM units WHERE slug = 'lamdong'")
# A province's own day off (the API and the web UI write these; a direct insert is enough to test reading).
sqlite3 "$DBDIR/c.db" "INSERT INTO holiday_entries (id, scope_unit_id, date, kind, name_vi, name_en, source,
  created_at, updated_at, version) VALUES ('01TESTENTRY000000000000000', '$LAMDONG', '2026-03-24', 'extra_day_off',
  'Ngày giải phóng tỉnh', 'Province liberation day', 'test', 0, 0, 1)"
ok 5 workdays 2026-03-23 2026-03-27 --db "$DBDIR/c.db"
ok 4 workdays 2026-03-23 2026-03-27 --db "$DBDIR/c.db" --province lamdong
ok 4 workdays --province "$LAMDONG" --db "$DBDIR/c.db" 2026-03-23 2026-03-27
ok 5 workdays 2026-03-23 2026-03-27 --db "$DBDIR/c.db" --province langson       # another province
ok 4 workdays 2026-03-23 2026-03-27 --db "$DBDIR/c.db" --province cujut         # a commune of Lâm Đồng
ok 2026-03-25T17:30 due --from 2026-03-23T17:00 --days 1 --db "$DBDIR/c.db" --province lamdong   # 24/3 off there
ok 2026-03-24T17:30 due --from 2026-03-23T17:00 --days 1 --db "$DBDIR/c.db"   # after hours: 24/3 07:30 + 8 h
bad '--province' workdays 2026-03-23 2026-03-27 --province lamdong                           # --province needs --db
bad 'nowhere' workdays 2026-03-23 2026-03-27 --db "$DBDIR/c.db" --province nowhere
bad 'missing.db' workdays 2026-03-23 2026-03-27 --db "$DBDIR/missing.db"
bad '--db' workdays 2026-03-23 2026-03-27 --db
rm -rf "$DBDIR"

# ---- usage errors name the option at fault, in both languages ----
bad '--leap=1' solar 2025-06-01 --leap=1                      # a flag takes no value
bad '--db' lunar 2026-02-17 --db x.db                         # lunar and solar read no database
bad '--province' solar 2025-06-01 --province lamdong
bad '--db' holidays 2026 --db
bad '--province' holidays 2026 --province lamdong             # --province needs --db
bad '--province' holidays 2026 --db x.db --province
bad '--from' due --from
bad '--days' due --from 2026-03-02T08:00 --days
bad '--hours: "1e2"' due --from 2026-03-02T08:00 --hours 1e2
bad '--hours: ".5"' due --from 2026-03-02T08:00 --hours .5
bad '--days, --hours, --same-day' due --from 2026-03-02T08:00 --days 1 --hours 2
bad '--province' due --from 2026-03-02T08:00 --days 1 --province lamdong
bad '--days "99999999999"' due --from 2026-03-02T08:00 --days 99999999999   # too large for the calendar
bad '--same-day' due --from 2026-03-02T08:00 --same-day=yes
bad '--province' workdays 2026-03-23 2026-03-27 --province
bad '-x' workdays -x 2026-03-23 2026-03-27
bad 'FROM' workdays
bad '2026-03-02T08:00' due 2026-03-02T08:00 --days 1 --from 2026-03-02T08:00   # no positional argument
# the exact text of the example in docs/legal-clock.md §7
WANT_EN="motcua calendar solar: error: The lunar date 2024-02L-01 does not exist (no such leap month or day)."
WANT_VI="motcua calendar solar: lỗi: Ngày âm lịch 2024-02L-01 không tồn tại (không có tháng nhuận hoặc ngày này)."
err solar 2024-02L-01
WANT_EN="motcua calendar workdays: error: --province needs --db (see 'motcua calendar workdays --help')"
WANT_VI="motcua calendar workdays: lỗi: --province cần --db (xem 'motcua calendar workdays --help')"
err workdays 2026-03-23 2026-03-27 --province lamdong
ok 2026-03-02T08:00 due --hours 4 --from 2026-03-02T07:30 --hours 0.5   # the last value of an option wins
ok 2026-03-02T10:00 due --days 0.25 --from 2026-03-02T08:00   # options in any order

# ---- --help: generated from each subcommand's option table, exit 0, on stdout ----
helps lunar
helps solar leap
helps holidays db province
helps due from days hours same-day db province
helps workdays db province
ok "$("$BIN" calendar lunar --help)" lunar 2026-02-17 --help      # --help wins wherever it stands
lists_all() { local c; for c in lunar solar holidays due workdays; do grep -q "^  $c " "$OUT" || return 1; done; }
"$BIN" calendar --help >"$OUT" 2>"$ERR"
if [ $? -eq 0 ] && [ ! -s "$ERR" ] && lists_all; then
  pass=$((pass + 1))
else
  note_fail "calendar --help lists every subcommand"
fi

# ---- the command itself ----
bad 'lunar|solar|holidays|due|workdays'
bad 'lunation' lunation 2026-01-01

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
