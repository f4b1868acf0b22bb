#!/usr/bin/env bash
# test_dossier_notify.sh — end to end: a dossier received at the desk through the API reaches the applicant's
# mailbox. `motcua serve --smtp-url` to a real SMTP server (aiosmtpd, tests/integration/notify_sinks.py); the desk
# officer signs in and files a dossier with the applicant's e-mail; the receipt e-mail arrives once, addressed to
# the applicant, its subject and body naming the dossier code and its body the public lookup address. On SQLite
# and (when PostgreSQL is installed) on PostgreSQL. Prints "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-dnotify.XXXXXX)
trap it_cleanup EXIT
SINKS=tests/integration/notify_sinks.py
SMTP_PY=python3
python3 -c 'import aiosmtpd' 2>/dev/null || SMTP_PY=/usr/bin/python3
# The server renders no PDF here, but fontconfig's caches are suppressed as in the forms tests (docs/forms.md).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$REPO/tests/cli/lsan-fontconfig.supp:print_suppressions=0"

# file_dossier PORT: sign in as the demo desk officer of Cư Jút and receive a dossier; prints its code.
file_dossier() {
  python3 - "$1" <<'PY'
import http.cookiejar, json, sys, urllib.request
base = "http://127.0.0.1:%s" % sys.argv[1]
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def call(method, path, body, csrf=None):
    h = {"Content-Type": "application/json"}
    if csrf: h["X-CSRF-Token"] = csrf
    r = op.open(urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=h, method=method), timeout=30)
    return json.loads(r.read())
s = call("POST", "/api/v1/session", {"username": "cujut.desk", "password": "demo"})
d = call("POST", "/api/v1/dossiers", {
    "procedure": "2.000806", "channel": "desk",
    "applicant": {"kind": "person", "name": "Nguyễn Văn Đức", "id_number": "068095001234", "phone": "0912345678",
                  "address": "Thôn 3, xã Cư Jút", "email": "duc@example.vn"},
    "papers": [{"paper": "don-de-nghi"}]}, s["csrf"])
print(d["code"])
PY
}

run_engine() {
  local engine=$1 db=$2 tag=$1
  "$MOTCUA_BIN" demo --db "$db" >/dev/null 2>"$WORK/$tag.demo.err" || { fail "$engine: demo data loads"; return; }
  local port; port=$(free_port)
  "$SMTP_PY" $SINKS smtp "$port" "$WORK/$tag.smtp" >"$WORK/$tag.smtp.log" 2>&1 &
  IT_PIDS+=("$!")
  local smtp_pid=$!
  for _ in $(seq 100); do grep -q listening "$WORK/$tag.smtp.log" 2>/dev/null && break; sleep 0.1; done
  start_serve "$tag-serve" "$db" --smtp-url "smtp://127.0.0.1:$port" --smtp-from notify@motcua.test \
    --public-url https://dichvucong.example.vn || { fail "$engine: serve starts"; return; }
  local code; code=$(file_dossier "$SERVE_PORT")
  check "$engine: the dossier is filed through the API ($code)" test -n "$code"
  for _ in $(seq 150); do [ -s "$WORK/$tag.smtp" ] && break; sleep 0.2; done
  sleep 1        # a duplicate would arrive meanwhile
  python3 - "$WORK/$tag.smtp" "$code" >"$WORK/$tag.check" 2>&1 <<'PY'
import base64, email, email.policy, json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
code = sys.argv[2]
assert len(rows) == 1, "expected exactly one e-mail, got %d" % len(rows)
assert rows[0]["rcpt"] == ["duc@example.vn"], rows[0]["rcpt"]
m = email.message_from_bytes(base64.b64decode(rows[0]["raw"]), policy=email.policy.default)
subject, body = str(m["Subject"]), m.get_content()
assert code in subject and "tiếp nhận" in subject, subject
assert code in body, body
assert "https://dichvucong.example.vn/lookup.html?code=" + code in body, body
print("ok")
PY
  check "$engine: the receipt e-mail arrives once, to the applicant, naming $code ($(tail -n 1 "$WORK/$tag.check"))" \
    grep -qx ok "$WORK/$tag.check"
  stop_serve "$tag-serve" "$SERVE_PID"
  kill "$smtp_pid" 2>/dev/null; wait "$smtp_pid" 2>/dev/null
}

run_engine sqlite "$WORK/d.db"
if pg_available && pg_setup; then
  url=$(pg_new_database dnotify) && run_engine postgresql "$url"
else
  echo "PostgreSQL not installed: SQLite only"
fi
it_summary
