#!/usr/bin/env bash
# test_interagency.sh — the ministry adapter end to end against the land-registry simulator
# (tests/integration/land_sim.py): `motcua serve --ministry-systems` hands a dossier off over REST and gets the
# receipt and the result back by polling; the simulator down (connection refused) then back: retries with backoff
# deliver it; "need more papers" comes back as more_requested; kill -9 of the server while a hand-off is in flight
# (the simulator slow): after the restart the hand-off is delivered again under the same Idempotency-Key and the
# simulator keeps ONE case for it (nothing lost, nothing sent twice as a new case). On SQLite and (when PostgreSQL is
# installed) on PostgreSQL. Bounded well under 2 minutes. Prints "N passed, N failed"; exit 1 on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/integration/lib.sh
WORK=$(mktemp -d /tmp/motcua-ministry.XXXXXX)
trap it_cleanup EXIT
SIM=tests/integration/land_sim.py
echo "land-registry-token-0123456789" >"$WORK/token"

start_sim() {   # start_sim PORT TAG: sets SIM_PID
  python3 $SIM --port "$1" --token-file "$WORK/token" --state-file "$WORK/$2.simstate" >"$WORK/$2.sim.log" 2>&1 &
  SIM_PID=$!
  IT_PIDS+=("$SIM_PID")
  for _ in $(seq 100); do grep -q ready "$WORK/$2.sim.log" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# api PORT SIMPORT CMD ARGS: the officer's side (python, stdlib): send CODE | wait ID STATE | dossier | sim MODE
api() {
  python3 - "$@" <<'PY'
import http.cookiejar, json, sys, time, urllib.request
port, simport, cmd, args = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
base = "http://127.0.0.1:%s" % port
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
def call(method, path, body=None, csrf=None, user=None):
    h = {"Content-Type": "application/json"}
    if csrf: h["X-CSRF-Token"] = csrf
    data = json.dumps(body).encode() if body is not None else None
    r = op.open(urllib.request.Request(base + path, data=data, headers=h, method=method), timeout=30)
    return json.loads(r.read())
def login(u):
    return call("POST", "/api/v1/session", {"username": u, "password": "demo"})["csrf"]
if cmd == "dossier":
    csrf = login("cujut.desk")
    d = call("POST", "/api/v1/dossiers", {
        "procedure": "2.000806", "channel": "desk",
        "applicant": {"kind": "person", "name": "Nguyễn Văn Đức", "id_number": "068095001234", "phone": "0912345678",
                      "address": "Thôn 3, xã Cư Jút"}, "papers": [{"paper": "don-de-nghi"}]}, csrf)
    d = call("POST", "/api/v1/dossiers/%s/actions" % d["code"], {"action": "forward", "version": d["version"]}, csrf)
    csrf = login("cujut.leader")
    d = call("POST", "/api/v1/dossiers/%s/actions" % d["code"],
             {"action": "assign", "to": "cujut.specialist", "version": d["version"]}, csrf)
    print(d["code"])
elif cmd == "send":
    csrf = login("cujut.specialist")
    print(call("POST", "/api/v1/dossiers/%s/handoffs" % args[0], {"system": "land"}, csrf)["id"])
elif cmd == "wait":
    login("cujut.specialist")
    deadline = time.monotonic() + float(args[2] if len(args) > 2 else 30)
    h = None
    while time.monotonic() < deadline:
        h = call("GET", "/api/v1/ministry/handoffs/" + args[0])
        if h["state"] == args[1] or (args[1] == "retrying" and h["attempts"] >= 2 and h["last_error"]):
            print(json.dumps(h, ensure_ascii=False))
            sys.exit(0)
        time.sleep(0.1)
    print("timeout: %r" % (h,))
    sys.exit(1)
elif cmd == "sim":
    body = json.dumps(dict(a.split("=", 1) for a in args) | {"delay": float(dict(a.split("=", 1) for a in args).get("delay", 0))})
    urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%s/_control" % simport, data=body.encode(),
                                                  method="POST"), timeout=5).read()
elif cmd == "simstate":
    s = json.loads(urllib.request.urlopen("http://127.0.0.1:%s/_state" % simport, timeout=5).read())
    print(s["submits"], s["requests"])
PY
}

run_engine() {
  local engine=$1 db=$2 tag=$1
  "$MOTCUA_BIN" demo --db "$db" >/dev/null 2>"$WORK/$tag.demo.err" || { fail "$engine: demo data loads"; return; }
  local simport; simport=$(free_port)
  start_sim "$simport" "$tag" || { fail "$engine: the simulator starts"; return; }
  echo "land rest http://127.0.0.1:$simport $WORK/token" >"$WORK/$tag.systems"
  local opts=(--ministry-systems "$WORK/$tag.systems" --ministry-retry-ms 200 --ministry-poll-ms 50
              --ministry-result-poll-ms 100 --ministry-lease-ms 1000 --ministry-timeout-ms 10000)
  start_serve "$tag-serve" "$db" "${opts[@]}" || { fail "$engine: serve starts"; return; }
  local p=$SERVE_PORT code id out

  # 1. send, receipt, result
  code=$(api "$p" "$simport" dossier); id=$(api "$p" "$simport" send "$code")
  out=$(api "$p" "$simport" wait "$id" accepted)
  check "$engine: hand-off $id acknowledged and accepted" grep -q '"receipt": "VPDK-' <<<"$out"

  # 2. the system down (connection refused), retries, then back
  kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
  code=$(api "$p" "$simport" dossier); id=$(api "$p" "$simport" send "$code")
  out=$(api "$p" "$simport" wait "$id" retrying)
  check "$engine: the outage is retried (attempts >= 2, last error kept)" grep -q '"state": "queued"' <<<"$out"
  start_sim "$simport" "$tag" || fail "$engine: the simulator restarts"
  check "$engine: delivered once the system is back" api "$p" "$simport" wait "$id" accepted >/dev/null

  # 3. need more papers
  api "$p" "$simport" sim mode=more
  code=$(api "$p" "$simport" dossier); id=$(api "$p" "$simport" send "$code")
  out=$(api "$p" "$simport" wait "$id" more_requested)
  check "$engine: the request for more papers comes back" grep -q 'Bản đồ địa chính' <<<"$out"
  api "$p" "$simport" sim mode=ok

  # 4. kill -9 of the server mid-send (the system slow): nothing lost, nothing sent twice as a new case
  api "$p" "$simport" sim mode=slow delay=2
  local before; before=$(api "$p" "$simport" simstate | cut -d' ' -f1)
  code=$(api "$p" "$simport" dossier); id=$(api "$p" "$simport" send "$code")
  local req0; req0=$(api "$p" "$simport" simstate | cut -d' ' -f2)
  for _ in $(seq 50); do
    [ "$(api "$p" "$simport" simstate | cut -d' ' -f2)" -gt "$req0" ] && break; sleep 0.1
  done
  kill -KILL "$SERVE_PID"; wait "$SERVE_PID" 2>/dev/null
  ok "$engine: server killed with -9 while the hand-off was in flight"
  sleep 2.5
  api "$p" "$simport" sim mode=ok
  start_serve "$tag-serve2" "$db" "${opts[@]}" || { fail "$engine: serve restarts"; return; }
  p=$SERVE_PORT
  check "$engine: the hand-off is delivered after the restart" api "$p" "$simport" wait "$id" accepted 30 >/dev/null
  local after; after=$(api "$p" "$simport" simstate | cut -d' ' -f1)
  check "$engine: the system holds one new case for it (submits $before -> $after)" [ "$after" -eq $((before + 1)) ]
  check "$engine: rebuild gives the same rows" "$MOTCUA_BIN" rebuild --check --db "$db"
  stop_serve "$tag-serve2" "$SERVE_PID"
  kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null
}

run_engine sqlite "$WORK/m.db"
if pg_available && pg_setup; then
  url=$(pg_new_database ministry) && run_engine postgresql "$url"
else
  echo "PostgreSQL not installed: SQLite only"
fi
it_summary
