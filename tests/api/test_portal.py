"""The National Public Service Portal connector's admin routes (issue 13 item 3, docs/portal.md), against the portal
simulator (tests/integration/portal_sim.py) started by the class: `serve --portal-url` pushes every dossier change;
GET /api/v1/portal/status, the dead letters and their replay, the re-push and the daily reconciliation.

Authorization matrix: only administrators (403 for desk, specialist, leader, clerk, province official, citizen);
an admin sees and acts on the items of the units of their scope: the national admin and the admin of the province
of Cư Jút (Lâm Đồng) and of Cư Jút itself re-push and replay a Cư Jút dossier; the admin of another province
(Lạng Sơn) or of another commune (Lộc Bình) gets 404 and does not see it in the lists. Bad input (missing, unknown
or malformed fields, a bad date, an unknown dead letter) is a 4xx problem that changes nothing. Runs on SQLite,
and on PostgreSQL with MOTCUA_TEST_PG_URL."""
import json
import socket
import subprocess
import sys
import time
import urllib.request

from harness import REPO, ApiTestCase, Client, run_cli, tmp_root, unique, unit_by_slug
from test_dossier_forms import new_citizen

TOKEN = "api-sim-token-0123456789"
PW = "portal-admin-1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for(fn, what, timeout=30):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError("timed out waiting for %s (last: %r)" % (what, last))


class PortalTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        d = cls.dir = tmp_root() / unique("portal-")
        d.mkdir()
        (d / "token").write_text(TOKEN + "\n")
        cls.sim_port = free_port()
        cls.sim = subprocess.Popen([sys.executable, str(REPO / "tests/integration/portal_sim.py"), str(cls.sim_port),
                                    str(d / "sim.json"), TOKEN], stdout=subprocess.PIPE,
                                   stderr=open(d / "sim.err", "w"))
        cls.sim.stdout.readline()
        cls.sim_url = "http://127.0.0.1:%d/" % cls.sim_port
        cls.SERVER_ARGS = ("--portal-url", cls.sim_url, "--portal-token-file", str(d / "token"),
                           "--portal-retry-ms", "100", "--portal-poll-ms", "100", "--portal-max-attempts", "3")
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "lamdong", "langson", "locbinh")
        cls.desk = Client(cls.server)
        cls.desk.login("cujut.desk")
        cls.admins = {"national": cls.admin}
        for key, unit in (("province", cls.lamdong), ("other_province", cls.langson), ("commune", cls.cujut),
                          ("other_commune", cls.locbinh)):
            name = unique("padm.")
            r = cls.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Quản trị " + key,
                                                            "password": PW, "unit_id": unit["id"],
                                                            "roles": [{"role": "admin", "unit_id": unit["id"]}]})
            assert r.status == 201, r
            c = Client(cls.server)
            c.login(name, PW)
            cls.admins[key] = c
        cls.others = {}
        for name in ("cujut.desk", "cujut.specialist", "cujut.leader", "cujut.clerk", "lamdong.official"):
            c = Client(cls.server)
            c.login(name)
            cls.others[name] = c
        cls.others["citizen"] = new_citizen(cls.server)

    @classmethod
    def tearDownClass(cls):
        try:
            super().tearDownClass()
        finally:
            cls.sim.kill()
            cls.sim.wait()

    # ---- helpers ----
    def sim_call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        r = urllib.request.urlopen(urllib.request.Request(self.sim_url + path, data=data, method=method,
                                                          headers={"Content-Type": "application/json"}), timeout=10)
        return json.loads(r.read())

    def file_dossier(self):
        r = self.desk.req("POST", "/api/v1/dossiers", json={
            "procedure": "2.000806", "channel": "desk",
            "applicant": {"kind": "person", "name": "Đỗ Văn Thử", "id_number": "068095001234", "phone": "0912345678",
                          "address": "Thôn 1, xã Cư Jút"},
            "papers": [{"paper": "don-de-nghi"}]})
        self.assert_status(r, 201)
        return r.body

    def on_portal(self, code):
        return wait_for(lambda: self.sim_call("GET", "_state")["dossiers"].get(code), "dossier %s on the portal" % code)

    def status(self, client=None):
        r = (client or self.admin).req("GET", "/api/v1/portal/status")
        self.assert_status(r, 200)
        return r.body

    def drained(self):
        return wait_for(lambda: self.status()["outbox_depth"] == 0 and self.status(), "the outbox to drain")

    def dead_letter_of(self, dossier):
        self.sim_call("POST", "_control", {"mode": "reject", "count": 1})
        d = self.file_dossier() if dossier is None else dossier
        items = wait_for(lambda: [x for x in self.admin.req("GET", "/api/v1/portal/dead-letters").body["items"]
                                  if x["dossier_code"] == d["code"]], "a dead letter")
        return d, items[0]

    # ---- tests ----
    def test_a_latest_reconciliation_is_404_before_any_run(self):
        self.assert_problem(self.admin.req("GET", "/api/v1/portal/reconciliations/latest"), 404, "MSG_NOT_FOUND")

    def test_push_and_status(self):
        d = self.file_dossier()
        rec = self.on_portal(d["code"])
        self.assertEqual((rec["MaHoSo"], rec["TrangThaiHoSo"], rec["MaTTHC"]), (d["code"], "2", "2.000806"))
        st = self.drained()
        self.assertTrue(st["enabled"])
        self.assertEqual(st["deadline_status"], "ok")
        self.assertEqual(st["oldest_unacked_seconds"], 0)
        self.assertGreaterEqual(st["acknowledged"], 1)
        # per item: when it changed, was pushed and acknowledged, and its deadlines
        path = "/api/v1/portal/dossiers/" + d["code"]
        body = wait_for(lambda: (lambda b: b if b["items"] and b["items"][0]["ack_due_at"] else None)(
            self.admin.req("GET", path).body), "the acknowledgement deadline")
        it = body["items"][0]
        self.assertEqual((it["event_type"], it["state"], it["push_missed"], it["ack_missed"]),
                         ("dossier.received", "done", False, False))
        self.assertEqual(it["push_due_at"] - it["changed_at"], 600000)
        self.assertGreater(it["ack_due_at"], it["changed_at"])
        self.assertTrue(it["changed_at"] <= it["first_pushed_at"] <= it["pushed_at"] <= it["acked_at"])
        for key, status in (("province", 200), ("commune", 200), ("other_province", 404), ("other_commune", 404)):
            with self.subTest(admin=key):
                r = self.admins[key].req("GET", path)
                if status == 200:
                    self.assert_status(r, 200)
                else:
                    self.assert_problem(r, 404, "MSG_NOT_FOUND")
        self.assert_problem(self.admin.req("GET", "/api/v1/portal/dossiers/000.00.01.H41-991231-9999"), 404,
                            "MSG_NOT_FOUND")

    def test_only_admins(self):
        d = self.file_dossier()
        for name, c in self.others.items():
            for method, path, body in (("GET", "/api/v1/portal/status", None),
                                       ("GET", "/api/v1/portal/dossiers/" + d["code"], None),
                                       ("GET", "/api/v1/portal/dead-letters", None),
                                       ("GET", "/api/v1/portal/reconciliations/latest", None),
                                       ("POST", "/api/v1/portal/repush", {"dossier_code": d["code"]}),
                                       ("POST", "/api/v1/portal/reconciliations", {"date": "2026-12-03"}),
                                       ("POST", "/api/v1/portal/dead-letters/%s/replay" % ("0" * 26), None)):
                with self.subTest(who=name, path=path):
                    before = self.counts()
                    kw = {"json": body} if body is not None else {}
                    self.assert_problem(c.req(method, path, **kw), 403, "MSG_FORBIDDEN")
                    self.assert_unchanged(before)

    def test_repush_matrix(self):
        d = self.file_dossier()
        self.on_portal(d["code"])
        self.drained()
        want = {"national": 202, "province": 202, "commune": 202, "other_province": 404, "other_commune": 404}
        for key, status in want.items():
            with self.subTest(admin=key):
                acked = self.drained()["acknowledged"]
                r = self.admins[key].req("POST", "/api/v1/portal/repush", json={"dossier_code": d["code"]})
                if status == 202:
                    self.assert_status(r, 202)
                    self.assertEqual(sorted(r.body), ["dossier_id", "state"])
                    wait_for(lambda: self.status()["acknowledged"] == acked + 1, "the re-push acknowledged")
                else:
                    self.assert_problem(r, 404, "MSG_NOT_FOUND")
                    self.assertEqual(self.drained()["acknowledged"], acked, "nothing queued")

    def test_dead_letter_matrix_and_replay(self):
        d, item = self.dead_letter_of(None)
        self.assertEqual(item["dossier_code"], d["code"])
        self.assertIn("MaTTHC", item["reason"])
        for key, seen in (("province", True), ("commune", True), ("other_province", False),
                          ("other_commune", False)):
            with self.subTest(admin=key):
                items = self.admins[key].req("GET", "/api/v1/portal/dead-letters").body["items"]
                self.assertEqual(any(x["id"] == item["id"] for x in items), seen)
        path = "/api/v1/portal/dead-letters/%s/replay" % item["id"]
        for key in ("other_province", "other_commune"):
            self.assert_problem(self.admins[key].req("POST", path), 404, "MSG_NOT_FOUND")
        self.assertGreaterEqual(self.status()["dead_letters"], 1)
        r = self.admins["commune"].req("POST", path)
        self.assert_status(r, 200)
        self.assertEqual(r.body, {"id": item["id"], "state": "queued"})
        self.on_portal(d["code"])
        self.drained()
        self.assert_problem(self.admins["province"].req("POST", path), 409, "MSG_PORTAL_REPLAYED")

    def test_bad_input_changes_nothing(self):
        d = self.file_dossier()
        self.drained()
        cases = [
            ("POST", "/api/v1/portal/repush", {}, 400, "MSG_MISSING_FIELD"),
            ("POST", "/api/v1/portal/repush", {"dossier_id": "short"}, 400, "MSG_FIELD_LENGTH"),
            ("POST", "/api/v1/portal/repush", {"dossier_id": 7}, 400, "MSG_WRONG_TYPE"),
            ("POST", "/api/v1/portal/repush", {"dossier_code": d["code"], "x": 1}, 400, "MSG_UNKNOWN_FIELD"),
            ("POST", "/api/v1/portal/repush", {"dossier_code": d["code"], "dossier_id": "0" * 26}, 400,
             "MSG_MISSING_FIELD"),
            ("POST", "/api/v1/portal/repush", {"dossier_code": ""}, 400, "MSG_FIELD_LENGTH"),
            ("POST", "/api/v1/portal/repush", {"dossier_id": "0" * 26}, 404, "MSG_NOT_FOUND"),
            ("POST", "/api/v1/portal/repush", {"dossier_code": "000.00.01.H41-991231-9999"}, 404, "MSG_NOT_FOUND"),
            ("POST", "/api/v1/portal/reconciliations", {}, 400, "MSG_MISSING_FIELD"),
            ("POST", "/api/v1/portal/reconciliations", {"date": "2026-13-01"}, 400, "MSG_FIELD_INVALID"),
            ("POST", "/api/v1/portal/reconciliations", {"date": "03/12/2026"}, 400, "MSG_FIELD_INVALID"),
            ("POST", "/api/v1/portal/reconciliations", {"date": "2026-12-3"}, 400, "MSG_FIELD_LENGTH"),
            ("POST", "/api/v1/portal/dead-letters/%s/replay" % ("0" * 26), None, 404, "MSG_NOT_FOUND"),
            ("POST", "/api/v1/portal/dead-letters/abc/replay", None, 404, "MSG_NOT_FOUND"),
        ]
        for method, path, body, status, code in cases:
            with self.subTest(path=path, body=body):
                before, st = self.counts(), self.status()
                kw = {"json": body} if body is not None else {}
                self.assert_problem(self.admin.req(method, path, **kw), status, code)
                self.assert_unchanged(before)
                after = self.status()
                self.assertEqual((after["outbox_depth"], after["acknowledged"]), (st["outbox_depth"],
                                                                                   st["acknowledged"]))
        r = self.admin.req("POST", "/api/v1/portal/repush", raw_body=b"{not json", content_type="application/json")
        self.assert_problem(r, 400, "MSG_MALFORMED_JSON")

    def test_reconciliation(self):
        d = self.file_dossier()
        self.on_portal(d["code"])
        self.drained()
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 3600))
        r = self.admin.req("POST", "/api/v1/portal/reconciliations", json={"date": today})
        self.assert_status(r, 201)
        self.assertFalse([x for x in r.body["items"] if x["dossier_code"] == d["code"]], r.body)
        # the differences other tests left (a dead letter not replayed) are re-pushed: then 0
        for x in r.body["items"]:
            self.assert_status(self.admin.req("POST", "/api/v1/portal/repush", json={"dossier_id": x["dossier_id"]}),
                               202)
        self.drained()
        r = self.admin.req("POST", "/api/v1/portal/reconciliations", json={"date": today})
        self.assertEqual((r.body["differences"], r.body["sync_ratio"]), (0, 1), r.body)
        self.sim_call("POST", "_plant", {"op": "status", "code": d["code"], "status": 10})
        r = self.admin.req("POST", "/api/v1/portal/reconciliations", json={"date": today})
        self.assert_status(r, 201)
        mine = [x for x in r.body["items"] if x["dossier_code"] == d["code"]]
        self.assertEqual([(x["kind"], x["local_value"], x["portal_value"]) for x in mine], [("status", "2", "10")])
        # another province's admin does not see the difference; the commune's does
        other = self.admins["other_province"].req("GET", "/api/v1/portal/reconciliations/latest").body
        self.assertFalse([x for x in other["items"] if x["dossier_code"] == d["code"]])
        latest = self.admins["commune"].req("GET", "/api/v1/portal/reconciliations/latest").body
        self.assertEqual(latest["id"], r.body["id"])
        self.assertTrue([x for x in latest["items"] if x["dossier_code"] == d["code"]])
        self.assertTrue(mine[0]["dossier_id"])
        self.assert_status(self.admin.req("POST", "/api/v1/portal/repush", json={"dossier_id": mine[0]["dossier_id"]}),
                           202)
        wait_for(lambda: self.sim_call("GET", "_state")["dossiers"][d["code"]]["TrangThaiHoSo"] == "2", "re-push")
        self.drained()
        r = self.admin.req("POST", "/api/v1/portal/reconciliations", json={"date": today})
        self.assertEqual(r.body["differences"], 0, r.body)
        # Decision 766 indicator 1.4 comes from the latest reconciliation of each day
        ind = self.others["cujut.leader"].req("GET", "/api/v1/reports/indicators?unit=%s&from=%s&to=%s" %
                                              (self.cujut["id"], today, today))
        self.assert_status(ind, 200)
        row = [x for x in ind.body["index"]["rows"] if x["key"] == "1.4"][0]
        self.assertTrue(row["measured"])
        self.assertEqual(row["ratio"], 1)
        self.assertEqual(row["numerator"], row["denominator"])
        self.assertGreaterEqual(row["denominator"], 1)

    def test_portal_down_is_502(self):
        self.sim_call("POST", "_control", {"mode": "5xx", "count": 1})
        before = self.counts()
        r = self.admin.req("POST", "/api/v1/portal/reconciliations", json={"date": "2026-12-03"})
        self.assert_problem(r, 502, "MSG_PORTAL_UNREACHABLE")
        self.assert_unchanged(before)

    def test_z_rebuild_gives_the_same_projections_and_queues_nothing(self):
        # Runs last (alphabetical): every dossier above is in the ledger and the outbox.
        st = self.drained()
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        time.sleep(0.5)   # a row queued by the replay would be claimed meanwhile
        after = self.status()
        self.assertEqual((after["outbox_depth"], after["acknowledged"], after["dead_letters"]),
                         (st["outbox_depth"], st["acknowledged"], st["dead_letters"]), "a rebuild re-sends nothing")


class PortalNotConfiguredTests(ApiTestCase):
    """Without --portal-url the reconciliation is 503 and the status says the connector is off."""

    def test_not_configured(self):
        admin = self.client("admin")
        r = admin.req("POST", "/api/v1/portal/reconciliations", json={"date": "2026-12-03"})
        self.assert_problem(r, 503, "MSG_PORTAL_NOT_CONFIGURED")
        st = admin.req("GET", "/api/v1/portal/status")
        self.assert_status(st, 200)
        self.assertFalse(st.body["enabled"])
        self.assertEqual(st.body["deadline_status"], "ok")
