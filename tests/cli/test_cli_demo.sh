#!/usr/bin/env bash
# test_cli_demo.sh — `motcua demo --dossiers N`: usage errors (exit 2, English and Vietnamese, naming the option),
# then 2,000 histories with --seed 7 on a throw-away SQLite database: the ledger verifies, a rebuild gives the same
# projections, the statuses, channels, timings and actions are plausible (computed from the database), the desk's
# receipts fall in working hours, nothing waits in the notification outbox, the same seed gives the same codes and
# statuses (another seed does not), and a second run on the same database adds to it. With MOTCUA_TEST_PG_URL and
# MOTCUA_TEST_PG_DIR (scripts/check's cluster) the same on PostgreSQL, smaller.
# Binary: $MOTCUA_BIN (default build/san/motcua). Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN="${MOTCUA_BIN:-build/san/motcua}"
DIR=$(mktemp -d /tmp/motcua-clidemo.XXXXXX)
trap '[ -n "${KEEP_DIR:-}" ] || rm -rf "$DIR"' EXIT
OUT="$DIR/out"; ERR="$DIR/err"
pass=0; fail=0
TO=$(date -u +%F)     # Vietnam's date is never behind UTC's: a valid --to, the same for every run below

note_fail() { fail=$((fail + 1)); echo "FAIL: $1"; sed 's/^/  stderr: /' "$ERR" | head -n 4; }
ok() { pass=$((pass + 1)); }
clean() { ! grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$ERR"; }
expect() {
  local code=$1 what=$2; shift 2
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq "$code" ] && clean; then ok; else note_fail "$what: motcua $* (exit $rc, want $code)"; fi
}
usage() {
  local word=$1; shift
  "$BIN" "$@" >"$OUT" 2>"$ERR" </dev/null
  local rc=$?
  if [ "$rc" -eq 2 ] && grep -q -- "error: .*$word" "$ERR" && grep -q -- "lỗi: .*$word" "$ERR" && clean; then ok
  else note_fail "usage error naming '$word': motcua $* (exit $rc)"; fi
}

# ---- help and usage errors (nothing is created) ----
expect 0 "demo --help" demo --help
for o in db dossiers seed from to batch; do
  grep -q -- "^  --$o\b.* [a-z]" "$OUT" && ok || note_fail "demo --help lists --$o"
done
DB="$DIR/d.db"
usage --dossiers demo --db "$DB" --dossiers 0
usage --dossiers demo --db "$DB" --dossiers -5
usage --dossiers demo --db "$DB" --dossiers abc
usage --dossiers demo --db "$DB" --dossiers 50000001
usage --dossiers demo --db "$DB" --dossiers 99999999999999999999
usage --seed demo --db "$DB" --dossiers 10 --seed -1
usage --from demo --db "$DB" --dossiers 10 --from 2025-06-30
usage --from demo --db "$DB" --dossiers 10 --from 2025-13-01
usage --to demo --db "$DB" --dossiers 10 --to 2999-01-01
usage --to demo --db "$DB" --dossiers 10 --to yesterday
usage --from demo --db "$DB" --dossiers 10 --from 2025-09-01 --to 2025-09-01
usage --dossiers demo --db "$DB" --seed 3
usage --batch demo --db "$DB" --dossiers 10 --batch 0
[ ! -e "$DB" ] && ok || note_fail "a usage error creates no database"

# ---- 2,000 histories ----
expect 0 "demo --dossiers 2000 --seed 7" demo --db "$DB" --dossiers 2000 --seed 7 --to "$TO"
cp "$OUT" "$DIR/run1.out"
tail -n 1 "$OUT" | grep -qE ': 2000 dossiers generated in [0-9.]+ s \([0-9]+ per minute\) / đã tạo 2000 hồ sơ trong [0-9.]+ giây' \
  && ok || note_fail "final line: count, seconds, rate ($(tail -n 1 "$OUT"))"
grep -q '^demo data loaded' "$OUT" && ok || note_fail "the demo units are loaded first"
grep -qE 'dossiers, [0-9.]+ s' "$ERR" && ok || note_fail "plain progress lines on a non-terminal stderr"
grep -q $'\r' "$ERR" && note_fail "no progress bar (carriage returns) when stderr is not a terminal" || ok
expect 0 "verify after demo" verify --db "$DB"
grep -q '^ledger OK' "$OUT" && ok || note_fail "ledger OK"
expect 0 "rebuild --check after demo" rebuild --db "$DB" --check
grep -q 'projections identical' "$OUT" && ok || note_fail "rebuild gives the same rows"

# check.py DB: plausibility from the database itself; prints one line per failed check, "ok" otherwise.
cat >"$DIR/check.py" <<'EOF'
import sqlite3, sys, datetime
db = sqlite3.connect(sys.argv[1]); want = int(sys.argv[2])
q = lambda sql, *a: db.execute(sql, a).fetchall()
bad = []
def check(cond, what):
    if not cond: bad.append(what)
n = q("SELECT COUNT(*) FROM dossiers")[0][0]
check(n == want, f"{n} dossiers, want {want}")
st = dict(q("SELECT status, COUNT(*) FROM dossiers GROUP BY status"))
check(len(st) >= 7, f"only statuses {sorted(st)}")
for s in (3, 4, 5, 7, 8, 10):
    check(st.get(s, 0) > 0, f"no dossier in status {s}")
check((st.get(9, 0) + st.get(10, 0)) >= 0.8 * n, f"resolved or returned {st.get(9,0)+st.get(10,0)} of {n}")
check(st.get(10, 0) > st.get(9, 0), "most resolved dossiers are delivered")
tm = dict(q("SELECT timing, COUNT(*) FROM dossiers WHERE timing <> '' GROUP BY timing"))
res = sum(tm.values())
check(res > 0 and (tm.get('early', 0) + tm.get('on_time', 0)) >= 0.85 * res, f"on time {tm}")
check(tm.get('early', 0) > 0.1 * res and tm.get('late', 0) > 0, f"some early, some late {tm}")
ch = dict(q("SELECT channel, COUNT(*) FROM dossiers GROUP BY channel"))
check(all(ch.get(c, 0) > 0 for c in (1, 2, 3)), f"channels {ch}")
check(ch.get(1, 0) > ch.get(3, 0) and ch.get(2, 0) > ch.get(3, 0), f"post is the rare channel {ch}")
off = q("SELECT COUNT(*) FROM dossiers d JOIN procedures p ON p.scope = '' AND p.code = d.procedure_code "
        "WHERE d.channel = 2 AND p.online = 0")[0][0]
check(off == 0, f"{off} online dossiers of procedures not offered online")
acts = dict(q("SELECT action, COUNT(*) FROM dossier_steps GROUP BY action"))
for a in ("accept", "refuse", "forward", "hand_back", "request_supplement", "resubmit", "request_payment",
          "record_payment", "extend", "approve", "attach_result", "deliver", "withdraw", "stop"):
    check(acts.get(a, 0) > 0, f"no '{a}' action")
check(q("SELECT COUNT(*) FROM dossier_ratings")[0][0] > 0, "no rating")
check(q("SELECT COUNT(*) FROM complaints")[0][0] > 0, "no complaint")
check(q("SELECT COUNT(*) FROM notify_outbox")[0][0] == 0, "messages to the fictional applicants left in the outbox")
check(len(q("SELECT DISTINCT unit_id FROM dossiers")) >= 5, "dossiers in every demo commune")
check(len(q("SELECT DISTINCT procedure_code FROM dossiers")) >= 25, "many procedures")
# The desk and the post office hand papers in from 08:00 to 17:00 Vietnam time, Monday to Friday.
for (ms,) in q("SELECT received_at FROM dossiers WHERE channel IN (1, 3)"):
    t = datetime.datetime.utcfromtimestamp(ms / 1000) + datetime.timedelta(hours=7)
    if not (8 <= t.hour < 17 and t.weekday() < 5):
        bad.append(f"desk receipt at {t}"); break
first = q("SELECT MIN(received_at) FROM dossiers")[0][0]
check(first >= 1751302800000, "nothing before 2025-07-01 00:00 +07")
print("\n".join(bad) if bad else "ok")
EOF
res=$(python3 "$DIR/check.py" "$DB" 2000 2>&1)
[ "$res" = ok ] && ok || { fail=$((fail + 1)); echo "FAIL: plausibility: $res"; }

# ---- deterministic for a seed ----
sig() { python3 -c "import sqlite3,sys,hashlib; d=sqlite3.connect(sys.argv[1]); print(hashlib.sha256(repr(d.execute('SELECT code, status, timing, channel, procedure_code FROM dossiers ORDER BY code').fetchall()).encode()).hexdigest())" "$1"; }
expect 0 "same seed, another database, other batches" demo --db "$DIR/e.db" --dossiers 2000 --seed 7 --to "$TO" --batch 300
[ "$(sig "$DB")" = "$(sig "$DIR/e.db")" ] && ok || note_fail "the same seed gives the same codes and statuses"
expect 0 "another seed" demo --db "$DIR/f.db" --dossiers 2000 --seed 8 --to "$TO"
[ "$(sig "$DB")" != "$(sig "$DIR/f.db")" ] && ok || note_fail "another seed gives other dossiers"

# ---- a second run adds to the same database ----
expect 0 "second run on the same database" demo --db "$DB" --dossiers 300 --seed 9 --to "$TO"
grep -q 'already present' "$OUT" && ok || note_fail "the demo units are not loaded twice"
[ "$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM dossiers').fetchone()[0])" "$DB")" = 2300 ] \
  && ok || note_fail "2,300 dossiers after the second run"
expect 0 "verify after the second run" verify --db "$DB"

# ---- PostgreSQL (scripts/check's cluster) ----
if [ -n "${MOTCUA_TEST_PG_URL:-}" ] && [ -n "${MOTCUA_TEST_PG_DIR:-}" ]; then
  PGURL=$(tests/pg-cluster newdb "$MOTCUA_TEST_PG_DIR" "motcua_clidemo_$$" 2>/dev/null)
  expect 0 "demo --dossiers 400 on PostgreSQL" demo --db "$PGURL" --dossiers 400 --seed 7 --to "$TO"
  tail -n 1 "$OUT" | grep -q ': 400 dossiers generated' && ok || note_fail "PostgreSQL: final line"
  expect 0 "verify on PostgreSQL" verify --db "$PGURL"
  expect 0 "rebuild --check on PostgreSQL" rebuild --db "$PGURL" --check
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
