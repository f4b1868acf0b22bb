#!/usr/bin/env python3
"""portal_flow.py — the National Public Service Portal connector end to end (run by test_portal.sh).

    python3 portal_flow.py MOTCUA_BIN DB WORKDIR

Loads the demo units and staff into DB, starts the portal simulator (portal_sim.py) and `motcua serve
--portal-url`, then: a dossier is pushed (created once, with its progress); an outage (5xx, then the simulator
down for real) is retried until it heals; a refusal becomes a dead letter an admin lists and replays; a lost
acknowledgement and an answer given twice are harmless; kill -9 of the server mid-push loses nothing and creates
nothing twice; a rebuild queues nothing; the reconciliation shows planted differences (missing, status, extra)
and 0 after the re-push; /metrics carries the four portal series. Prints PASS/FAIL lines.
"""
import http.cookiejar as cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

BIN, DB, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "sim-token-0123456789"
SANITIZER = re.compile(r"ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:")
FAILS = 0
T0 = time.time()


def check(name, cond):
    global FAILS
    print(("PASS " if cond else "FAIL ") + name, flush=True)
    if not cond:
        FAILS += 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def http(method, url, body=None, opener=None, headers=None, timeout=30):
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers=h, method=method)
    try:
        r = (opener or urllib.request.build_opener()).open(req, timeout=timeout)
        raw = r.read()
        return r.status, raw
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Sim:
    def __init__(self):
        self.port = free_port()
        self.state = os.path.join(WORK, "sim.json")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "portal_sim.py"), str(self.port), self.state,
                                      TOKEN], stdout=subprocess.PIPE, stderr=open(os.path.join(WORK, "sim.err"), "a"))
        self.proc.stdout.readline()

    def stop(self):
        self.proc.kill()
        self.proc.wait()

    def url(self):
        return "http://127.0.0.1:%d/" % self.port

    def get(self):
        return json.loads(http("GET", self.url() + "_state")[1])

    def control(self, **kw):
        http("POST", self.url() + "_control", kw)

    def plant(self, **kw):
        http("POST", self.url() + "_plant", kw)


class Serve:
    def __init__(self, sim, n):
        self.sim, self.n = sim, n

    def start(self):
        self.err = os.path.join(WORK, "serve%d.err" % self.n)
        out = os.path.join(WORK, "serve%d.out" % self.n)
        tok = os.path.join(WORK, "portal.token")
        with open(tok, "w") as f:
            f.write(TOKEN + "\n")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--db", DB, "--listen", "127.0.0.1:0", "--threads", "2", "--portal-url", self.sim.url(),
             "--portal-token-file", tok, "--portal-retry-ms", "150", "--portal-poll-ms", "100",
             "--portal-max-attempts", "6", "--portal-lease-ms", "1500", "--portal-timeout-ms", "5000"],
            stdout=open(out, "w"), stderr=open(self.err, "w"))
        for _ in range(300):
            m = re.search(r"listening on http://127.0.0.1:(\d+)", open(out).read())
            if m:
                self.base = "http://127.0.0.1:%s" % m.group(1)
                return
            time.sleep(0.1)
        raise SystemExit("serve did not start: " + open(self.err).read()[-2000:])

    def stop(self, hard=False):
        self.proc.send_signal(signal.SIGKILL if hard else signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        if not hard:
            check("serve %d exits 0 on SIGTERM (got %d)" % (self.n, rc), rc == 0)
            check("serve %d: no sanitizer report" % self.n, not SANITIZER.search(open(self.err).read()))


class Client:
    def __init__(self, base, user):
        self.base = base
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookiejar.CookieJar()))
        st, raw = http("POST", base + "/api/v1/session", {"username": user, "password": "demo"}, self.op)
        assert st in (200, 201), (user, st, raw)
        self.csrf = json.loads(raw)["csrf"]

    def req(self, method, path, body=None):
        st, raw = http(method, self.base + path, body, self.op, {"X-CSRF-Token": self.csrf})
        try:
            return st, json.loads(raw) if raw else None
        except ValueError:
            return st, raw


def file_dossier(desk, name):
    st, d = desk.req("POST", "/api/v1/dossiers", {
        "procedure": "2.000806", "channel": "desk",
        "applicant": {"kind": "person", "name": name, "id_number": "068095001234", "phone": "0912345678",
                      "address": "Thôn 3, xã Cư Jút"},
        "papers": [{"paper": "don-de-nghi"}]})
    assert st == 201, (st, d)
    return d


def wait(pred, secs=20):
    end = time.time() + secs
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


def status(code, want):
    """True once the portal shows the dossier with status want."""
    return lambda: sim.get()["dossiers"].get(code, {}).get("TrangThaiHoSo") == want


def portal_status():
    out = subprocess.run([BIN, "portal", "status", "--db", DB, "--json"], capture_output=True, text=True)
    return json.loads(out.stdout) if out.returncode == 0 else {}


def drained():
    s = portal_status()
    return s.get("outbox_depth") == 0 and s


sim = Sim()
sim.start()
serve = Serve(sim, 1)
serve.start()
desk = Client(serve.base, "cujut.desk")
admin = Client(serve.base, "admin")

# 1. push: created once, with its progress entries
a = file_dossier(desk, "Nguyễn Văn An")
check("a new dossier reaches the portal (status 2 accepted)", wait(status(a["code"], "2")))
s = sim.get()
rec = s["dossiers"][a["code"]]
check("its record carries the mapped fields", rec["MaTTHC"] == "2.000806" and rec["KenhThucHien"] == "1" and
      rec["ChuHoSo"] == "Nguyễn Văn An" and re.match(r"^\d{14}$", rec["NgayTiepNhan"]) is not None)
check("it was created once", s["creates"].get(a["code"]) == 1)
check("its progress entries arrived",
      wait(lambda: any(k.startswith(a["code"] + "|") for k in sim.get()["progress"])))
check("the outbox drains and the item is acknowledged", bool(wait(drained)))
st, body = admin.req("GET", "/api/v1/portal/status")
check("GET /api/v1/portal/status: enabled, depth 0, deadlines ok (%s)" % st,
      st == 200 and body["enabled"] and body["outbox_depth"] == 0 and body["deadline_status"] == "ok")

# 2. outage: 5xx answers, then the simulator down for real; retried until it heals
sim.control(mode="5xx", count=3)
b = file_dossier(desk, "Trần Thị Bình")
check("after three 503 answers the dossier is pushed", wait(status(b["code"], "2")))
sim.stop()
act = desk.req("POST", "/api/v1/dossiers/%s/actions" % b["code"],
               {"action": "forward", "version": desk.req("GET", "/api/v1/dossiers/" + b["code"])[1]["version"]})
check("the desk works while the portal is down (%s)" % act[0], act[0] == 200)
time.sleep(1.0)
check("the change waits in the outbox", portal_status().get("outbox_depth", 0) >= 1)
sim.start()
check("once the portal is back the change arrives (status 4)", wait(status(b["code"], "4")))

# 3. a refusal is a dead letter; the admin lists and replays it
sim.control(mode="reject", count=1)
c = file_dossier(desk, "Lê Văn Cường")
dead = wait(lambda: admin.req("GET", "/api/v1/portal/dead-letters")[1]["items"])
check("a refused push becomes a dead letter", bool(dead) and dead[0]["dossier_code"] == c["code"])
check("the dead letter is counted", portal_status().get("dead_letters") == 1)
st, body = admin.req("POST", "/api/v1/portal/dead-letters/%s/replay" % dead[0]["id"])
check("the admin replays it (%s)" % st, st == 200)
check("the replayed dossier reaches the portal", wait(status(c["code"], "2")))
st, body = admin.req("POST", "/api/v1/portal/dead-letters/%s/replay" % dead[0]["id"])
check("a second replay is 409 (%s)" % st, st == 409)

# 4. a lost acknowledgement and an answer given twice are harmless
sim.control(mode="lose_ack", count=1)
d = file_dossier(desk, "Phạm Thị Dung")
check("after a lost acknowledgement the dossier is there", wait(status(d["code"], "2")))
wait(drained)
s = sim.get()
check("... created once (the repeat was answered 'already exists' and became an update)",
      s["creates"].get(d["code"]) == 1 and s["duplicate_creates"] >= 1)
sim.control(mode="twice", count=2)
e = file_dossier(desk, "Hoàng Văn Em")
check("an answer given twice is one acknowledgement", wait(status(e["code"], "2")) and bool(wait(drained)))

# 5. kill -9 mid-push: nothing lost, nothing created twice
sim.control(mode="slow", count=1, delay=2.5)
before = sim.get()["requests"]
f = file_dossier(desk, "Vũ Thị Phương")
wait(lambda: sim.get()["requests"] > before, 10)
serve.stop(hard=True)
time.sleep(3)                                # the simulator stores the create after its delay
serve = Serve(sim, 2)
serve.start()
desk = Client(serve.base, "cujut.desk")
admin = Client(serve.base, "admin")
check("after kill -9 mid-push the dossier is on the portal", wait(status(f["code"], "2")))
check("... and acknowledged after the lease", bool(wait(drained)))
s = sim.get()
check("nothing was created twice", all(n == 1 for n in s["creates"].values()))

# 6. a rebuild re-sends nothing
depth_rows = portal_status()
serve.stop()
out = subprocess.run([BIN, "rebuild", "--db", DB], capture_output=True, text=True)
check("rebuild runs (%d)" % out.returncode, out.returncode == 0)
check("a rebuild queues nothing", portal_status().get("acknowledged") == depth_rows.get("acknowledged") and
      portal_status().get("outbox_depth") == 0)
serve = Serve(sim, 3)
serve.start()
desk = Client(serve.base, "cujut.desk")
admin = Client(serve.base, "admin")

# 7. reconciliation: 0, then planted differences, then 0 after the re-push
today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))
out = subprocess.run([BIN, "portal", "reconcile", "--db", DB, "--date", today, "--portal-url", sim.url(),
                      "--portal-token-file", os.path.join(WORK, "portal.token")], capture_output=True, text=True)
run = json.loads(out.stdout) if out.returncode == 0 else {}
check("motcua portal reconcile: 0 differences (%s)" % run.get("differences"),
      run.get("differences") == 0 and run.get("local_count") == 6)
sim.plant(op="delete", code=a["code"])
sim.plant(op="status", code=b["code"], status=9)
extra = dict(rec, MaHoSo="000.00.99.H99-" + time.strftime("%y%m%d", time.gmtime(time.time() + 7 * 3600)) + "-9999")
sim.plant(op="add", record=extra)
st, run = admin.req("POST", "/api/v1/portal/reconciliations", {"date": today})
kinds = sorted((x["kind"], x["dossier_code"]) for x in run.get("items", [])) if st == 201 else []
check("the API reconciliation lists missing, status and extra (%s %s)" % (st, kinds),
      ("missing", a["code"]) in kinds and ("status", b["code"]) in kinds and ("extra", extra["MaHoSo"]) in kinds)
check("the sync ratio is 4/6", st == 201 and run["synced_count"] == 4 and run["portal_count"] == 6 and
      abs(run["sync_ratio"] - 4 / 6) < 1e-3)
for x in run.get("items", []):
    if x["dossier_id"]:
        r2 = admin.req("POST", "/api/v1/portal/repush", {"dossier_id": x["dossier_id"]})
        check("re-push %s (%s)" % (x["dossier_code"], r2[0]), r2[0] == 202)
wait(drained)
sim.plant(op="delete", code=extra["MaHoSo"])   # an extra dossier is the portal's to remove
st, run = admin.req("POST", "/api/v1/portal/reconciliations", {"date": today})
check("after the re-push the reconciliation shows 0 differences (%s %s)" % (st, run.get("differences")),
      st == 201 and run["differences"] == 0 and run["sync_ratio"] == 1)
st, latest = admin.req("GET", "/api/v1/portal/reconciliations/latest")
check("GET .../reconciliations/latest is that run", st == 200 and latest["id"] == run["id"])

# 8. /metrics
st, raw = http("GET", serve.base + "/metrics")
text = raw.decode()
for name in ("motcua_portal_outbox_depth", "motcua_portal_oldest_unacked_seconds",
             "motcua_portal_deadline_missed_total", "motcua_portal_dead_letters"):
    check("/metrics has %s" % name, re.search(r"^%s(\{[^}]*\})? \d+$" % name, text, re.M) is not None)
serve.stop()
sim.stop()
check("the whole flow took under 100 s (%.1f s)" % (time.time() - T0), time.time() - T0 < 100)
sys.exit(1 if FAILS else 0)
