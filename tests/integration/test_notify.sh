#!/usr/bin/env bash
# test_notify.sh — the notification outbox never loses nor doubles a message across kill -9 restarts, on SQLite and
# (when PostgreSQL is installed) on PostgreSQL.
#
# Per engine:
#   1. kill -9: N e-mails (Vietnamese texts, both languages, every template) and M SMS are queued with
#      `motcua notify enqueue`; a real SMTP server (aiosmtpd, answering 451 to its first DATA commands, 550 to one
#      domain) and an HTTP sink (500 to its first requests) receive them; `motcua notify send --once` is killed
#      with SIGKILL at random moments several times and restarted, then runs to completion. Checked by
#      notify_sinks.py check: every message arrived, distinct Message-IDs / Idempotency-Keys == N / M, a repeat
#      carries the same id and text, subjects and bodies decode to the outbox texts, 550 fails at once, 500s were
#      retried.
#   2. two senders at once on one database, no kill: every message arrives exactly once (the lease claim is
#      atomic across processes).
#   3. `motcua serve` with --smtp-url/--sms-url delivers a queued message from its sender thread and exits 0.
# Prints one final line "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-notify.XXXXXX)
trap it_cleanup EXIT

N_EMAIL=${IT_NOTIFY_EMAIL:-30}
N_SMS=${IT_NOTIFY_SMS:-15}
KILLS=${IT_NOTIFY_KILLS:-5}
SINKS=tests/integration/notify_sinks.py
# aiosmtpd is Debian's python3-aiosmtpd: use the system interpreter when the default one lacks it.
SMTP_PY=python3
python3 -c 'import aiosmtpd' 2>/dev/null || SMTP_PY=/usr/bin/python3
TOKEN="tok-$RANDOM-$RANDOM-secret"
printf '%s\n' "$TOKEN" >"$WORK/token"
TEMPLATES=(received supplement payment extended result_ready refused)

# start_sinks TAG SMTP_FAIL HTTP_FAIL [DELAY_MS]: sets SMTP_PORT HTTP_PORT, records into $WORK/TAG.smtp / TAG.http
start_sinks() {
  local tag=$1 delay=${4:-0}
  SMTP_PORT=$(free_port)
  HTTP_PORT=$(free_port)
  "$SMTP_PY" $SINKS smtp "$SMTP_PORT" "$WORK/$tag.smtp" --fail-first "$2" --reject reject.test \
    --delay-ms "$delay" >"$WORK/$tag.smtp.log" 2>&1 &
  IT_PIDS+=("$!")
  SMTP_PID=$!
  python3 $SINKS http "$HTTP_PORT" "$WORK/$tag.http" --fail-first "$3" --delay-ms "$delay" >"$WORK/$tag.http.log" 2>&1 &
  IT_PIDS+=("$!")
  HTTP_PID=$!
  for _ in $(seq 100); do
    grep -q listening "$WORK/$tag.smtp.log" 2>/dev/null && grep -q listening "$WORK/$tag.http.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "sinks did not start:"; cat "$WORK/$tag.smtp.log" "$WORK/$tag.http.log"
  return 1
}
stop_sinks() { kill "$SMTP_PID" "$HTTP_PID" 2>/dev/null; wait "$SMTP_PID" "$HTTP_PID" 2>/dev/null; }

sender_args() {
  echo --smtp-url "smtp://127.0.0.1:$SMTP_PORT" --smtp-from notify@motcua.test \
       --sms-url "http://127.0.0.1:$HTTP_PORT/sms" --sms-token-file "$WORK/token"
}

# enqueue DB N_EMAIL N_SMS N_REJECT TAG
enqueue_all() {
  local db=$1 ne=$2 ns=$3 nr=$4 tag=$5 i t lang out bad=0
  for i in $(seq "$ne"); do
    t=${TEMPLATES[$((i % 6))]}
    lang=vi; [ $((i % 3)) -eq 0 ] && lang=en
    out=$("$MOTCUA_BIN" notify enqueue --db "$db" --channel email --to "cong.dan$i@example.vn" --template "$t" \
      --lang "$lang" --key "$tag:e$i" --code "000.00.06.H56-261202-$(printf %04d "$i")" \
      --procedure "Đăng ký khai sinh — Ộ Ệ Ặ ữ ỹ ($i)" --due "16/12/2026 (thứ Tư)" --amount "8.000 đồng" \
      --reason "Thiếu bản sao Giấy chứng nhận kết hôn; cần bổ sung trước ngày 20/12" \
      --url "https://motcua.test/tra-cuu?ma=000.00.06.H56-261202-$i" --agency "UBND xã Đồng Tâm" 2>&1) || bad=1
    [ "$out" = queued ] || bad=1
  done
  for i in $(seq "$nr"); do
    "$MOTCUA_BIN" notify enqueue --db "$db" --channel email --to "nobody$i@reject.test" --template received \
      --key "$tag:r$i" --code "X-$i" >/dev/null 2>&1 || bad=1
  done
  for i in $(seq "$ns"); do
    out=$("$MOTCUA_BIN" notify enqueue --db "$db" --channel sms --to "+8490$(printf %07d "$i")" \
      --template "${TEMPLATES[$((i % 6))]}" --key "$tag:s$i" --code "000.00.06.H56-261202-$i" \
      --due "16/12/2026" --amount "8.000 đ" --reason "thiếu tờ khai" --url "https://motcua.test/t" \
      --agency "UBND xã Đồng Tâm" 2>&1) || bad=1
    [ "$out" = queued ] || bad=1
  done
  return $bad
}

phase_kill() {
  local engine=$1 db=$2 k pid rc out
  echo "== $engine: kill -9 while sending"
  start_sinks "$engine-kill" 3 6 40 || { fail "$engine: sinks start"; return; }
  check "$engine: $N_EMAIL e-mails, 3 refused ones and $N_SMS SMS queued" enqueue_all "$db" "$N_EMAIL" "$N_SMS" 3 kill
  out=$("$MOTCUA_BIN" notify enqueue --db "$db" --channel email --to cong.dan1@example.vn --template received \
    --key kill:e1 --code other 2>&1)
  check "$engine: the same dedupe key again queues nothing ($out)" [ "$out" = "already queued" ]
  out=$("$MOTCUA_BIN" notify enqueue --db "$db" --channel email --to $'evil@example.vn\r\nBcc: x@y.z' \
    --template received --key kill:evil 2>&1); rc=$?
  check "$engine: a recipient with CR/LF is refused (exit $rc)" [ "$rc" -eq 2 ]
  # Each delivery takes 40 ms at the sinks, so a run is killed after a few of them; runs that ended by themselves
  # (nothing left to lease yet: the leases of a killed run last 2 s) do not count, and up to 4x KILLS runs are tried.
  local killed=0
  for k in $(seq $((KILLS * 4))); do
    [ "$killed" -ge "$KILLS" ] && break
    "$MOTCUA_BIN" notify send --db "$db" --once $(sender_args) --retry-base-ms 100 --retry-cap-ms 400 \
      --lease-s 2 --batch 3 --poll-ms 50 >>"$WORK/$engine-send.out" 2>>"$WORK/$engine-send.err" &
    pid=$!
    IT_PIDS+=("$pid")
    # Wait until this run has delivered something more, then kill it a random few milliseconds later: in the
    # middle of a batch, sometimes between a server's acceptance and the commit of 'sent'.
    local before now_n
    before=$(cat "$WORK/$engine-kill.smtp" "$WORK/$engine-kill.http" 2>/dev/null | wc -l)
    for _ in $(seq 200); do
      now_n=$(cat "$WORK/$engine-kill.smtp" "$WORK/$engine-kill.http" 2>/dev/null | wc -l)
      [ "$now_n" -gt "$before" ] && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    sleep "0.0$((RANDOM % 10))"
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null && killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
  done
  echo "info $engine: sender killed $killed times"
  check "$engine: the sender was killed mid-run at least twice ($killed)" [ "$killed" -ge 2 ]
  timeout 300 "$MOTCUA_BIN" notify send --db "$db" --once $(sender_args) --retry-base-ms 100 --retry-cap-ms 400 \
    --lease-s 2 --batch 3 --poll-ms 50 >>"$WORK/$engine-send.out" 2>>"$WORK/$engine-send.err"
  rc=$?
  check "$engine: the last sender drains the outbox and exits 0 (got $rc)" [ "$rc" -eq 0 ]
  if grep -q -E "$SANITIZER_RE" "$WORK/$engine-send.err"; then
    fail "$engine: sanitizer report from the sender"; grep -E -A 12 "$SANITIZER_RE" "$WORK/$engine-send.err" | head -30
  else ok "$engine: no sanitizer report from the sender"; fi
  if grep -q "$TOKEN" "$WORK/$engine-send.err" "$WORK/$engine-send.out"; then fail "$engine: the SMS token was logged"
  else ok "$engine: the SMS token is never logged"; fi
  if grep -q "Giấy chứng nhận kết hôn" "$WORK/$engine-send.err"; then fail "$engine: a message body was logged"
  else ok "$engine: message bodies are never logged"; fi
  python3 $SINKS check "$db" "$WORK/$engine-kill.smtp" "$WORK/$engine-kill.http" --token "$TOKEN" \
    --expect-email $((N_EMAIL + 3)) --expect-sms "$N_SMS" --reject reject.test --expect-retries \
    >"$WORK/$engine-check.txt" 2>&1
  sed -i "s/^\(PASS\|FAIL\|info\) /\1 $engine: /" "$WORK/$engine-check.txt"
  count_lines "$WORK/$engine-check.txt"
  stop_sinks
}

phase_two_senders() {
  local engine=$1 db=$2 p1 p2 r1 r2
  echo "== $engine: two senders at once"
  start_sinks "$engine-two" 0 0 || { fail "$engine: sinks start"; return; }
  check "$engine: messages queued for two senders" enqueue_all "$db" 24 12 0 two
  "$MOTCUA_BIN" notify send --db "$db" --once $(sender_args) --batch 2 --poll-ms 20 \
    >"$WORK/$engine-two1.out" 2>"$WORK/$engine-two1.err" &
  p1=$!
  "$MOTCUA_BIN" notify send --db "$db" --once $(sender_args) --batch 2 --poll-ms 20 \
    >"$WORK/$engine-two2.out" 2>"$WORK/$engine-two2.err" &
  p2=$!
  IT_PIDS+=("$p1" "$p2")
  wait "$p1"; r1=$?
  wait "$p2"; r2=$?
  check "$engine: both senders exit 0 ($r1, $r2)" [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]
  local s1 s2
  s1=$(sed -n 's/.*, sent \([0-9]*\),.*/\1/p' "$WORK/$engine-two1.out")
  s2=$(sed -n 's/.*, sent \([0-9]*\),.*/\1/p' "$WORK/$engine-two2.out")
  echo "info $engine: sender 1 sent ${s1:-?}, sender 2 sent ${s2:-?}"
  check "$engine: the two senders sent 36 together (${s1:-?} + ${s2:-?})" [ "$(( ${s1:-0} + ${s2:-0} ))" -eq 36 ]
  python3 $SINKS check "$db" "$WORK/$engine-two.smtp" "$WORK/$engine-two.http" --token "$TOKEN" \
    --expect-email 24 --expect-sms 12 >"$WORK/$engine-two.txt" 2>&1
  local reps
  reps=$(grep -c 'of which 0 repeats' "$WORK/$engine-two.txt")
  sed -i "s/^\(PASS\|FAIL\|info\) /\1 $engine two senders: /" "$WORK/$engine-two.txt"
  count_lines "$WORK/$engine-two.txt"
  check "$engine: with no kill, no message was delivered twice" [ "$reps" -eq 2 ]
  stop_sinks
}

phase_serve() {
  local engine=$1 db=$2 i st
  echo "== $engine: the sender thread of motcua serve"
  start_sinks "$engine-serve" 0 0 || { fail "$engine: sinks start"; return; }
  start_serve "$engine-serve" "$db" $(sender_args) || { fail "$engine: serve starts with the sender options"; return; }
  local pid=$SERVE_PID
  "$MOTCUA_BIN" notify enqueue --db "$db" --channel email --to cong.dan@example.vn --template result_ready \
    --key serve:e1 --code "000.00.06.H56-261202-0999" --agency "UBND xã Đồng Tâm" >/dev/null
  "$MOTCUA_BIN" notify enqueue --db "$db" --channel sms --to 0912345678 --template result_ready \
    --key serve:s1 --code "000.00.06.H56-261202-0999" --agency "UBND xã Đồng Tâm" >/dev/null
  for i in $(seq 100); do
    st=$("$MOTCUA_BIN" notify status --db "$db" | sed -n 's/^sent //p')
    [ "$st" = 2 ] && break
    sleep 0.2
  done
  check "$engine: serve's sender thread delivered both messages (sent $st)" [ "$st" = 2 ]
  python3 $SINKS check "$db" "$WORK/$engine-serve.smtp" "$WORK/$engine-serve.http" --token "$TOKEN" \
    --expect-email 1 --expect-sms 1 >"$WORK/$engine-serve.txt" 2>&1
  sed -i "s/^\(PASS\|FAIL\|info\) /\1 $engine serve: /" "$WORK/$engine-serve.txt"
  count_lines "$WORK/$engine-serve.txt"
  stop_serve "$engine-serve" "$pid"
  if grep -q "$TOKEN" "$WORK/$engine-serve.err"; then fail "$engine: serve logged the token"; else ok "$engine: serve never logs the token"; fi
  stop_sinks
}

run_engine() {
  local engine=$1 mkdb=$2 db
  db=$($mkdb kill); "$MOTCUA_BIN" init --db "$db" --admin-password 'notify-test-1' >/dev/null || { fail "$engine: init"; return; }
  phase_kill "$engine" "$db"
  db=$($mkdb two); "$MOTCUA_BIN" init --db "$db" --admin-password 'notify-test-1' >/dev/null || { fail "$engine: init"; return; }
  phase_two_senders "$engine" "$db"
  db=$($mkdb serve); "$MOTCUA_BIN" init --db "$db" --admin-password 'notify-test-1' >/dev/null || { fail "$engine: init"; return; }
  phase_serve "$engine" "$db"
}

sqlite_db() { echo "$WORK/notify-$1.db"; }
pg_db() { pg_new_database "notify_$1_$$"; }

run_engine sqlite sqlite_db
if pg_available && pg_setup; then
  run_engine postgres pg_db
else
  echo "info PostgreSQL not installed here: the SQLite run only"
fi
it_summary
