"""Inter-agency processing with ministry systems (issue 13 item 4): a dossier handed off to the land registry
(tests/integration/land_sim.py, our own simulator) over REST/JSON and SOAP/XML, its acknowledgement on the legal
clock (Decree 63/2024: two working hours), its result or a request for more papers, outage and retries, the list
scoped to the caller's units, an authorization matrix (role x level x own / other unit), bad input that changes
nothing, /metrics, and `motcua rebuild --check` over the ministry events. Runs on SQLite, and on PostgreSQL with
MOTCUA_TEST_PG_URL."""
import datetime
import os
import socket
import subprocess
import sys
import time

from harness import REPO, ApiTestCase, Client, Server, run_cli, tmp_root, unique

sys.path.insert(0, os.path.dirname(__file__))
from test_dossiers import DEMO_IDS, mandatory_papers, shipped  # noqa: E402

PINNED_NOW_MS = int(datetime.datetime(2027, 3, 2, 1, 0, tzinfo=datetime.timezone.utc).timestamp() * 1000)
TOKEN = "land-registry-token-0123456789"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(fn, what, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


class Sim:
    def __init__(self, d):
        self.port = free_port()
        (d / "land.token").write_text(TOKEN + "\n")
        self.p = subprocess.Popen([sys.executable, str(REPO / "tests" / "integration" / "land_sim.py"), "--port",
                                   str(self.port), "--token-file", str(d / "land.token")],
                                  stdout=subprocess.PIPE, text=True)
        assert self.p.stdout.readline().strip() == "ready"

    def control(self, **kw):
        c = Client.__new__(Client)
        import json
        import urllib.request
        req = urllib.request.Request("http://127.0.0.1:%d/_control" % self.port, data=json.dumps(kw).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=5).read()
        del c

    def state(self):
        import json
        import urllib.request
        return json.loads(urllib.request.urlopen("http://127.0.0.1:%d/_state" % self.port, timeout=5).read())

    def stop(self):
        self.p.terminate()
        self.p.wait(10)


class Interagency(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        d = cls.dir = tmp_root() / unique("ministry-")
        d.mkdir()
        cls.sim = Sim(d)
        (d / "systems").write_text(
            "# name kind url token-file\n"
            "land rest http://127.0.0.1:%d %s\n"
            "landsoap soap http://127.0.0.1:%d/soap %s\n" % (cls.sim.port, d / "land.token", cls.sim.port,
                                                              d / "land.token"))
        cls.SERVER_ARGS = ("--ministry-systems", str(d / "systems"), "--ministry-retry-ms", "100",
                           "--ministry-poll-ms", "50", "--ministry-result-poll-ms", "100",
                           "--ministry-max-attempts", "50")
        os.environ["MOTCUA_CLOCK_OFFSET_MS"] = str(PINNED_NOW_MS - int(time.time() * 1000))
        try:
            super().setUpClass()
        finally:
            os.environ.pop("MOTCUA_CLOCK_OFFSET_MS", None)
        cls.users = {}
        for u in ("cujut.desk", "cujut.specialist", "cujut.leader", "cujut.clerk", "thuanan.leader",
                  "lamdong.official"):
            c = Client(cls.server)
            c.login(u)
            cls.users[u] = c
        cls.desk, cls.spec, cls.lead = cls.users["cujut.desk"], cls.users["cujut.specialist"], cls.users["cujut.leader"]
        cls.proc = shipped("2.000806")

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.sim.stop()

    # ---- helpers ----
    def dossier(self, processing=True):
        b = {"procedure": self.proc["code"], "channel": "desk",
             "applicant": {"kind": "person", "name": "Nguyễn Văn Đức", "id_number": DEMO_IDS[0],
                           "phone": "+84 912 345 678", "address": "Thôn 3, xã Cư Jút", "email": "duc@example.vn"},
             "papers": [{"paper": p, "copies": 1, "form": "original"} for p in mandatory_papers(self.proc)]}
        r = self.desk.req("POST", "/api/v1/dossiers", json=b)
        self.assert_status(r, 201)
        code = r.body["code"]
        if processing:
            for who, kw in ((self.desk, {"action": "forward"}),
                            (self.lead, {"action": "assign", "to": "cujut.specialist"})):
                v = self.desk.req("GET", "/api/v1/dossiers/" + code).body["version"]
                kw["version"] = v
                self.assert_status(who.req("POST", "/api/v1/dossiers/%s/actions" % code, json=kw), 200)
        return code

    def quiet(self):
        """Wait until the adapter thread has nothing left to record (no open hand-off), so that counting the
        ledger around a refused request sees only what the request did."""
        def idle():
            items = self.users["lamdong.official"].req("GET", "/api/v1/ministry/handoffs?limit=200").body["items"]
            return all(x["state"] not in ("queued", "acknowledged") for x in items)
        wait_for(idle, "no open hand-off")
        return self.counts()

    def send(self, code, system="land", client=None):
        return (client or self.spec).req("POST", "/api/v1/dossiers/%s/handoffs" % code, json={"system": system})

    def handoff(self, hid, client=None):
        r = (client or self.spec).req("GET", "/api/v1/ministry/handoffs/" + hid)
        self.assert_status(r, 200)
        return r.body

    def wait_state(self, hid, state, timeout=30):
        return wait_for(lambda: (lambda h: h if h["state"] == state else None)(self.handoff(hid)),
                        "hand-off %s %s" % (hid, state), timeout)

    # ---- the worked example ----
    def test_rest_send_ack_and_result(self):
        code = self.dossier()
        r = self.send(code)
        self.assert_status(r, 202)
        h = r.body
        self.assertEqual((h["state"], h["system"], h["kind"], h["dossier_code"]), ("queued", "land", "rest", code))
        # Tuesday 08:00 local on the pinned clock: two working hours later is 10:00 the same morning.
        self.assertTrue(110 * 60000 <= h["ack_due_at"] - h["created_at"] <= 120 * 60000, h)
        self.assertFalse(h["ack_missed"])
        done = self.wait_state(h["id"], "accepted")
        self.assertTrue(done["receipt"].startswith("VPDK-"))
        self.assertFalse(done["ack_missed"])
        self.assertIn("Giấy chứng nhận", done["result"]["text"])
        self.assertIsNotNone(done["acknowledged_at"])
        # The system got the dossier's fields and papers, once.
        case = self.sim.state()["cases"][done["receipt"]]
        self.assertEqual((case["dossier_code"], case["papers"]), (code, len(mandatory_papers(self.proc))))
        # Ended: the dossier may be handed off again.
        self.assert_status(self.send(code), 202)

    def test_soap_send_and_result(self):
        code = self.dossier()
        r = self.send(code, "landsoap")
        self.assert_status(r, 202)
        self.assertEqual(r.body["kind"], "soap")
        done = self.wait_state(r.body["id"], "accepted")
        self.assertTrue(done["receipt"].startswith("VPDK-"))

    def test_request_for_more_papers(self):
        self.sim.control(mode="more")
        try:
            code = self.dossier()
            r = self.send(code)
            self.assert_status(r, 202)
            h = self.wait_state(r.body["id"], "more_requested")
        finally:
            self.sim.control(mode="ok")
        self.assertEqual(len(h["result"]["items"]), 2)
        self.assertEqual(h["result"]["text"], "Thiếu giấy tờ")
        # Back with the officer: another hand-off may follow.
        self.assert_status(self.send(code), 202)

    def test_outage_then_delivery(self):
        self.sim.control(mode="down5xx")
        try:
            code = self.dossier()
            r = self.send(code)
            self.assert_status(r, 202)
            h = wait_for(lambda: (lambda x: x if x["attempts"] >= 2 else None)(self.handoff(r.body["id"])),
                         "retries")
            self.assertEqual(h["state"], "queued")
            self.assertIn("503", h["last_error"])
        finally:
            self.sim.control(mode="ok")
        self.wait_state(r.body["id"], "accepted")

    def test_permanent_refusal_fails(self):
        self.sim.control(mode="reject")
        try:
            code = self.dossier()
            r = self.send(code)
            self.assert_status(r, 202)
            h = self.wait_state(r.body["id"], "failed")
        finally:
            self.sim.control(mode="ok")
        self.assertEqual(h["http_status"], 400)

    # ---- refusals ----
    def test_bad_input_changes_nothing(self):
        code = self.dossier()
        en = Client(self.server, lang="en")
        en.login("cujut.specialist")
        before = self.quiet()
        for body, status, field in (({}, 400, "system"), ({"system": 5}, 400, "system"),
                                    ({"system": "land", "extra": 1}, 400, None),
                                    ({"system": "nope"}, 422, "system")):
            r = self.spec.req("POST", "/api/v1/dossiers/%s/handoffs" % code, json=body)
            self.assert_problem(r, status, field=field)
        self.assert_problem(self.send("NOT-A-CODE-xx"), 404)
        self.assert_problem(self.send("000.00.01.H41-270302-9999"), 404)
        r = en.req("POST", "/api/v1/dossiers/%s/handoffs" % code, json={"system": "nope"})
        self.assertIn("not one of the configured", r.body["detail"])
        r = self.spec.req("POST", "/api/v1/dossiers/%s/handoffs" % code, json={"system": "nope"})
        self.assertIn("không có trong danh sách", r.body["detail"])
        self.assert_problem(self.spec.req("GET", "/api/v1/ministry/handoffs?dossier=bad%20code"), 400)
        self.assert_problem(self.spec.req("GET", "/api/v1/ministry/handoffs?cursor=xyz"), 400)
        self.assert_unchanged(before)

    def test_not_processing_and_open_handoff_409(self):
        code = self.dossier(processing=False)
        before = self.quiet()
        self.assert_problem(self.send(code, client=self.lead), 409)
        self.assert_unchanged(before)
        self.sim.control(mode="down5xx")
        try:
            code = self.dossier()
            self.assert_status(self.send(code), 202)
            before = self.counts()
            self.assert_problem(self.send(code), 409)
            self.assert_unchanged(before)
        finally:
            self.sim.control(mode="ok")

    def test_authorization_matrix(self):
        # role x level x own / other unit: specialist and leader of the owning commune may hand off; its desk and
        # clerk may not (403); a commune leader elsewhere does not see it (404); the province official sees it
        # but does not act on it (403).
        cases = (("cujut.specialist", 202), ("cujut.leader", 202), ("cujut.desk", 403), ("cujut.clerk", 403),
                 ("thuanan.leader", 404), ("lamdong.official", 403))
        for user, want in cases:
            code = self.dossier()
            before = self.quiet()
            r = self.send(code, client=self.users[user])
            if want == 202:
                self.assert_status(r, 202)
            else:
                self.assert_problem(r, want)
                self.assert_unchanged(before, user)
        # The list and the detail are scoped to the caller's units.
        code = self.dossier()
        hid = self.send(code).body["id"]
        mine = self.spec.req("GET", "/api/v1/ministry/handoffs?dossier=" + code)
        self.assertEqual([x["id"] for x in mine.body["items"]], [hid])
        other = self.users["thuanan.leader"]
        self.assertEqual(other.req("GET", "/api/v1/ministry/handoffs?dossier=" + code).body["items"], [])
        self.assert_problem(other.req("GET", "/api/v1/ministry/handoffs/" + hid), 404)
        self.assert_status(self.users["lamdong.official"].req("GET", "/api/v1/ministry/handoffs/" + hid), 200)

    def test_list_paginates(self):
        for _ in range(3):
            self.assert_status(self.send(self.dossier()), 202)
        r = self.spec.req("GET", "/api/v1/ministry/handoffs?limit=2")
        self.assert_status(r, 200)
        self.assertEqual(len(r.body["items"]), 2)
        self.assertTrue(r.body["next_cursor"])
        r2 = self.spec.req("GET", "/api/v1/ministry/handoffs?limit=2&cursor=" + r.body["next_cursor"])
        self.assertNotIn(r.body["items"][0]["id"], [x["id"] for x in r2.body["items"]])

    def test_systems_never_show_tokens(self):
        r = self.spec.req("GET", "/api/v1/ministry/systems")
        self.assert_status(r, 200)
        self.assertEqual([x["name"] for x in r.body["items"]], ["land", "landsoap"])
        self.assertNotIn(TOKEN, r.raw.decode())
        self.assertNotIn(TOKEN, self.server.stderr_text())

    def test_metrics(self):
        text = Client(self.server).req("GET", "/metrics").raw.decode()
        for name in ("motcua_ministry_outbox_depth", "motcua_ministry_ack_missed_total",
                     "motcua_ministry_oldest_unacked_seconds"):
            self.assertIn('%s{system="land"}' % name, text)

    def test_z_rebuild_gives_the_same_rows(self):
        self.server.stop()
        try:
            cp = run_cli("rebuild", "--check", "--db", self.db.url)
            self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        finally:
            self.__class__.server = Server(self.SERVER_ARGS, db=self.db, label="ministry-2")
            self.server.start()


class NotConfigured(ApiTestCase):
    """Without --ministry-systems: the send route answers 503 (in both languages) and changes nothing."""

    def test_503_and_no_systems(self):
        spec = self.client("cujut.specialist")
        before = self.counts()
        r = spec.req("POST", "/api/v1/dossiers/000.00.01.H41-270302-0001/handoffs", json={"system": "land"})
        self.assert_problem(r, 503)
        self.assertIn("--ministry-systems", r.body["detail"])
        self.assert_unchanged(before)
        r = spec.req("GET", "/api/v1/ministry/systems")
        self.assert_status(r, 200)
        self.assertEqual(r.body, {"configured": False, "items": []})
        self.assertEqual(spec.req("GET", "/api/v1/ministry/handoffs").body["items"], [])
