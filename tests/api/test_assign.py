"""Assignment of a dossier's current step (issue 9 item 3): who may assign, to whom, and the assignee suggestion.

A dossier of Cư Jút whose current step belongs to the Economy department (Phòng Kinh tế, cujut.pkt). The matrix:
role (clerk, specialist, leader, admin) x level (department, commune, province) x own unit (the step's department,
Cư Jút, Lâm Đồng) / other unit (the culture department of Cư Jút, Thuận An, Lạng Sơn), plus the applicant citizen
and another citizen. Only a leader or an administrator over the step's unit assigns (200); a caller who sees the
dossier without that role gets 403 MSG_FORBIDDEN; one who does not see it 404 MSG_NOT_FOUND. Then the targets: an
officer of the department (a grant there, or a commune grant with the home in the department) is accepted; an
officer of another department, of another commune, of the province, a disabled one, a citizen, one without the
step's role, an unknown name are all 422 MSG_DOSSIER_ASSIGNEE. Every refusal is problem+json and changes nothing
(row counts, dossier version).

GET /api/v1/dossiers/{code}/assignees: exactly the accepted targets, qualified for the procedure's field first, then
least loaded (open dossiers assigned; how many due within 24 working hours), "suggested" on the first; the order
moves when dossiers are assigned; pages by cursor. Staff fields of work: PATCH /api/v1/staff/{id} {"fields"}, one
staff.fields_set event, checked against the catalog; `motcua rebuild --check` gives the same staff_fields rows."""
import time
import unittest

import test_dossiers as td
from harness import Client, run_cli, staff_by_username, unique, unit_by_slug

PW = "assign-pass-1"
FIELD = "Đất đai"            # a field of the shipped catalog
LEVELS = ("department", "commune", "province")
ROLES = ("clerk", "specialist", "leader", "admin")


class AssignBase(td.DossierBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pkt = unit_by_slug(cls.admin, "cujut.pkt")
        cls.pvhxh = unit_by_slug(cls.admin, "cujut.pvhxh")
        cls.langson = unit_by_slug(cls.admin, "langson")
        cls.own = {"department": cls.pkt, "commune": cls.cujut, "province": cls.lamdong}
        cls.other = {"department": cls.pvhxh, "commune": cls.thuanan, "province": cls.langson}
        code = "9.%06d" % (int(time.time() * 1000) % 1000000)
        cls.paper = {"id": "don", "name": "Đơn đề nghị", "mandatory": True, "form": "original", "copies": 1}
        r = cls.admin.req("POST", "/api/v1/procedures", json={
            "code": code, "name": "Thủ tục giao việc " + code, "field": FIELD, "time": {"rule": "days", "amount": 5},
            "fee": {"amount": 0, "text": "Không"}, "online_level": "none", "papers": [cls.paper],
            "steps": [{"name": "Tiếp nhận", "role": "desk", "budget_days": 0.5},
                      {"name": "Thẩm định", "role": "specialist", "budget_days": 3, "department": cls.pkt["name"]},
                      {"name": "Phê duyệt", "role": "leader", "budget_days": 1},
                      {"name": "Trả kết quả", "role": "desk", "budget_days": 0.5, "counted": False}]})
        assert r.status == 201, r
        cls.dept_proc = {"code": code, "rule": "days", "amount": 5, "papers": [cls.paper]}

    @classmethod
    def make(cls, home, roles, disabled=False, fields=None):
        name = unique("as.")
        body = {"username": name, "full_name": "Giao Việc Thử", "password": PW, "unit_id": home["id"],
                "roles": [{"role": role, "unit_id": unit["id"]} for role, unit in roles]}
        if fields is not None:
            body["fields"] = fields
        r = cls.admin.req("POST", "/api/v1/staff", json=body)
        assert r.status == 201, r
        if disabled:
            p = cls.admin.req("PATCH", "/api/v1/staff/" + r.body["id"], json={"disabled": True},
                              headers={"If-Match": '"%d"' % r.body["version"]})
            assert p.status == 200, p
        return name

    @classmethod
    def signed_in(cls, name):
        c = Client(cls.server)
        c.login(name, PW)
        return c

    def dept_dossier(self):
        """A dossier at the Economy department's step (forwarded by the desk)."""
        code = self.new(proc=self.dept_proc)["code"]
        d = self.act(self.desk, code, "forward")
        self.assertEqual((d["step"], d["department"]), (1, self.pkt["name"]))
        return code

    def refused(self, client, code, status, msg, **kw):
        v = self.get(code)["version"]
        before = self.counts()
        r = self.act(client, code, "assign", version=v, expect=None, **kw)
        self.assert_problem(r, status, msg)
        self.assert_unchanged(before)
        self.assertEqual(self.get(code)["version"], v)
        return r


class AssignMatrix(AssignBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The officers a leader of the department may choose from: one with a grant at the department, one with a
        # commune grant whose home is the department (as the demo's cujut.specialist).
        cls.dept_officer = cls.make(cls.pkt, [("specialist", cls.pkt)])
        cls.home_officer = cls.make(cls.pkt, [("specialist", cls.cujut)])
        cls.actors = {}
        for level in LEVELS:
            for side, units in (("own", cls.own), ("other", cls.other)):
                for role in ROLES:
                    unit = units[level]
                    cls.actors[(role, level, side)] = cls.signed_in(cls.make(unit, [(role, unit)]))

    @staticmethod
    def may_assign(role, level, side):
        return side == "own" and role in ("leader", "admin")

    @staticmethod
    def sees(role, level, side):
        return side == "own"

    def test_matrix(self):
        code = self.dept_dossier()
        checked = 0
        for (role, level, side), c in self.actors.items():
            with self.subTest(role=role, level=level, unit=side):
                to = self.dept_officer if checked % 2 else self.home_officer
                if self.may_assign(role, level, side):
                    d = self.act(c, code, "assign", to=to)
                    self.assertEqual(d["assignee"], staff_by_username(self.admin, to)["id"])
                    self.assertIn("assign", d["allowed_actions"])
                    r = c.req("GET", "/api/v1/dossiers/%s/assignees" % code)
                    self.assert_status(r, 200)
                elif self.sees(role, level, side):
                    self.assertNotIn("assign", self.get(code, c)["allowed_actions"])
                    self.refused(c, code, 403, "MSG_FORBIDDEN", to=to)
                    self.assert_problem(c.req("GET", "/api/v1/dossiers/%s/assignees" % code), 403, "MSG_FORBIDDEN")
                else:
                    self.assert_problem(c.req("GET", "/api/v1/dossiers/" + code), 404, "MSG_NOT_FOUND")
                    self.refused(c, code, 404, "MSG_NOT_FOUND", to=to)
                    self.assert_problem(c.req("GET", "/api/v1/dossiers/%s/assignees" % code), 404, "MSG_NOT_FOUND")
                checked += 1
        self.assertEqual(checked, len(ROLES) * len(LEVELS) * 2)

    def test_citizens(self):
        """The applicant sees the dossier and may not assign (403); another citizen does not see it (404)."""
        code = self.new(client=self.citizen, channel="online", unit=self.cujut["id"])["code"]
        self.act(self.desk, code, "accept")
        self.act(self.desk, code, "forward")
        self.refused(self.citizen, code, 403, "MSG_FORBIDDEN", to="cujut.specialist")
        # The suggestion is a staff route: citizens are refused there before any dossier is looked up.
        self.assert_problem(self.citizen.req("GET", "/api/v1/dossiers/%s/assignees" % code), 403, "MSG_FORBIDDEN")
        phone = td.unique_phone()
        r = Client(self.server).req("POST", "/api/v1/citizens",
                                    json={"phone": phone, "full_name": "Lê Văn Khác", "password": "khac-pass-1"})
        self.assert_status(r, 201)
        other = Client(self.server)
        other.login(phone, "khac-pass-1")
        self.refused(other, code, 404, "MSG_NOT_FOUND", to="cujut.specialist")

    def test_department_leader_sees_and_lists_the_department_step(self):
        """A department leader's grant covers the dossiers whose current step is the department's: GET, the work
        list, allowed_actions; once the dossier moves to the commune's leader step it no longer does."""
        lead = self.actors[("leader", "department", "own")]
        code = self.dept_dossier()
        self.assertIn("assign", self.get(code, lead)["allowed_actions"])
        listed = lead.req("GET", "/api/v1/dossiers?limit=50&q=" + code)
        self.assertEqual([i["code"] for i in listed.body["items"]], [code])
        other = self.actors[("leader", "department", "other")]
        self.assertEqual(other.req("GET", "/api/v1/dossiers?limit=50&q=" + code).body["total"], 0)
        self.act(lead, code, "assign", to=self.dept_officer)
        officer = self.signed_in(self.dept_officer)
        mine = officer.req("GET", "/api/v1/dossiers?view=mine&limit=50")
        self.assertIn(code, [i["code"] for i in mine.body["items"]])
        self.assertIn("forward", self.get(code, officer)["allowed_actions"])
        self.act(officer, code, "forward")
        self.assert_problem(lead.req("GET", "/api/v1/dossiers/" + code), 404, "MSG_NOT_FOUND")
        self.assertEqual(lead.req("GET", "/api/v1/dossiers?limit=50&q=" + code).body["total"], 0)

    def test_targets(self):
        """Whom a department leader and a commune leader may assign the department's step to."""
        code = self.dept_dossier()
        citizen_id = self.citizen.me["id"]
        bad = {
            "other department": self.make(self.pvhxh, [("specialist", self.pvhxh)]),
            "commune grant, home elsewhere": self.make(self.pvhxh, [("specialist", self.cujut)]),
            "other commune": "thuanan.specialist",
            "province": self.make(self.lamdong, [("specialist", self.lamdong)]),
            "disabled": self.make(self.pkt, [("specialist", self.pkt)], disabled=True),
            "citizen": citizen_id,
            "not the step's role": self.make(self.pkt, [("clerk", self.pkt)]),
            "department leader": self.make(self.pkt, [("leader", self.pkt)]),
            "unknown": "no.such.user",
        }
        for label, lead in (("department", self.actors[("leader", "department", "own")]),
                            ("commune", self.actors[("leader", "commune", "own")])):
            for what, to in bad.items():
                with self.subTest(leader=label, target=what):
                    self.refused(lead, code, 422, "MSG_DOSSIER_ASSIGNEE", to=to)
            for to in (self.dept_officer, self.home_officer):
                with self.subTest(leader=label, target=to):
                    before = self.counts()
                    d = self.act(lead, code, "assign", to=to)
                    self.assertEqual(d["assignee"], staff_by_username(self.admin, to)["id"])
                    self.assert_delta(before, events=1)
        # The refusal names the step's unit and the role, in both languages.
        r = self.refused(self.lead, code, 422, "MSG_DOSSIER_ASSIGNEE", to="thuanan.specialist")
        self.assertIn(self.pkt["name"], r.body["detail"])
        # A commune step (no department): any specialist with a commune grant, never a department-only grant.
        plain = self.new()["code"]
        self.act(self.desk, plain, "forward")
        self.refused(self.lead, plain, 422, "MSG_DOSSIER_ASSIGNEE", to=self.dept_officer)
        self.act(self.lead, plain, "assign", to=self.home_officer)
        self.assert_problem(self.actors[("leader", "department", "own")].req("GET", "/api/v1/dossiers/" + plain), 404,
                            "MSG_NOT_FOUND")
        # forward naming the officer of the next step follows the same rule for that step (the department's).
        fwd = self.new(proc=self.dept_proc)["code"]
        before = self.counts()
        for to in ("thuanan.specialist", bad["other department"], bad["disabled"]):
            with self.subTest(forward_to=to):
                self.assert_problem(self.act(self.desk, fwd, "forward", version=1, expect=None, to=to), 422,
                                    "MSG_DOSSIER_ASSIGNEE")
        self.assert_unchanged(before)
        d = self.act(self.desk, fwd, "forward", to=self.dept_officer)
        self.assertEqual((d["step"], d["assignee"]), (1, staff_by_username(self.admin, self.dept_officer)["id"]))


class AssigneeSuggestionTests(AssignBase):
    """The suggestion list of a department's step: its officers only, qualified first, least loaded first."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.a = cls.make(cls.pkt, [("specialist", cls.pkt)])
        cls.b = cls.make(cls.pkt, [("specialist", cls.pkt)])
        cls.q = cls.make(cls.pkt, [("specialist", cls.pkt)])
        cls.outside = cls.make(cls.pvhxh, [("specialist", cls.pvhxh)])
        cls.dlead = cls.signed_in(cls.make(cls.pkt, [("leader", cls.pkt)]))

    def assignees(self, code, client=None, **params):
        q = "&".join("%s=%s" % kv for kv in params.items())
        r = (client or self.dlead).req("GET", "/api/v1/dossiers/%s/assignees%s" % (code, "?" + q if q else ""))
        self.assert_status(r, 200)
        return r.body

    def ours(self, body):
        mine = {self.a, self.b, self.q}
        return [i["username"] for i in body["items"] if i["username"] in mine]

    def test_a_order_by_qualification_and_load(self):
        code = self.dept_dossier()
        got = self.assignees(code)
        names = [i["username"] for i in got["items"]]
        self.assertNotIn(self.outside, names)
        self.assertNotIn("thuanan.specialist", names)
        self.assertIn("cujut.specialist", names)        # commune grant, home in the department (demo)
        self.assertEqual(got["total"], len(names))
        self.assertIsNone(got["next_cursor"])
        self.assertEqual([i["suggested"] for i in got["items"]], [True] + [False] * (len(names) - 1))
        for i in got["items"]:
            self.assertEqual(set(i), {"id", "username", "full_name", "qualified", "open", "due_soon", "next_due_at",
                                      "suggested"})
        # Loads: every listed officer's open count is what the list says, sorted.
        loads = [(not i["qualified"], i["open"], i["due_soon"], i["username"]) for i in got["items"]]
        self.assertEqual(loads, sorted(loads))
        # q becomes qualified for the procedure's field: first, whatever its load.
        for _ in range(2):
            other = self.dept_dossier()
            self.act(self.dlead, other, "assign", to=self.q)
        qid = staff_by_username(self.admin, self.q)["id"]
        acc = self.admin.req("GET", "/api/v1/staff/" + qid).body
        before = self.counts()
        r = self.admin.req("PATCH", "/api/v1/staff/" + qid, json={"fields": [FIELD, "Hộ tịch"]},
                           headers={"If-Match": '"%d"' % acc["version"]})
        self.assert_status(r, 200)
        self.assertEqual(sorted(r.body["fields"]), sorted([FIELD, "Hộ tịch"]))
        self.assertEqual(r.body["version"], acc["version"] + 1)
        self.assert_delta(before, events=1)           # one staff.fields_set, no account.updated beside it
        got = self.assignees(code)
        first = got["items"][0]
        self.assertEqual((first["username"], first["qualified"], first["suggested"], first["open"]), (self.q, True, True, 2))
        self.assertIsNotNone(first["next_due_at"])
        self.assertTrue(all(not i["qualified"] for i in got["items"][1:]))
        # a and b: the one given two dossiers moves behind the other.
        self.assertEqual(self.ours(got)[1:], sorted([self.a, self.b]))
        for _ in range(2):
            other = self.dept_dossier()
            self.act(self.dlead, other, "assign", to=self.a)
        got = self.assignees(code)
        order = self.ours(got)
        self.assertEqual(order, [self.q, self.b, self.a])
        by = {i["username"]: i for i in got["items"]}
        self.assertEqual((by[self.a]["open"], by[self.b]["open"]), (2, 0))
        # The suggestion is what the leader's assign accepts.
        self.act(self.dlead, code, "assign", to=got["items"][0]["username"])

    def test_b_pages(self):
        code = self.dept_dossier()
        full = self.assignees(code)["items"]
        seen, cursor = [], None
        while True:
            params = {"limit": 1}
            if cursor:
                params["cursor"] = cursor
            page = self.assignees(code, **params)
            self.assertLessEqual(len(page["items"]), 1)
            seen += [i["username"] for i in page["items"]]
            self.assertEqual([i["suggested"] for i in page["items"]], [not cursor] * len(page["items"]))
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, [i["username"] for i in full])
        before = self.counts()
        for bad in ("x", "2.0.0.a", "0.-1.0.abc", "0.0.0.", "0.0.0.UPPER"):
            with self.subTest(cursor=bad):
                self.assert_problem(self.dlead.req("GET", "/api/v1/dossiers/%s/assignees?cursor=%s" % (code, bad)),
                                    400, "MSG_PARAM_INVALID")
        self.assert_problem(self.dlead.req("GET", "/api/v1/dossiers/%s/assignees?limit=0" % code), 400)
        self.assert_unchanged(before)

    def test_c_fields_of_work_are_checked(self):
        qid = staff_by_username(self.admin, self.b)["id"]
        acc = self.admin.req("GET", "/api/v1/staff/" + qid).body
        self.assertEqual(acc["fields"], [])
        path, hdr = "/api/v1/staff/" + qid, {"If-Match": '"%d"' % acc["version"]}
        before = self.counts()
        for body, status, msg in (({"fields": ["Không có lĩnh vực này"]}, 422, "MSG_DOSSIER_FIELD_UNKNOWN"),
                                  ({"fields": [FIELD, 3]}, 400, "MSG_WRONG_TYPE"),
                                  ({"fields": "Đất đai"}, 400, "MSG_WRONG_TYPE"),
                                  ({"fields": [FIELD, FIELD]}, 400, "MSG_FIELD_INVALID"),
                                  ({"fields": ["x"]}, 400, "MSG_FIELD_LENGTH"),
                                  ({"fields": [FIELD] * 17}, 400, None)):
            with self.subTest(body=body):
                self.assert_problem(self.admin.req("PATCH", path, json=body, headers=hdr), status, msg)
        # A leader reads staff but does not manage them.
        self.assert_problem(self.lead.req("PATCH", path, json={"fields": [FIELD]}, headers=hdr), 403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)
        self.assertEqual(self.admin.req("GET", path).body["version"], acc["version"])
        # Set with another change: both events; then emptied.
        r = self.admin.req("PATCH", path, json={"fields": ["dat dai"], "full_name": "Đã Đổi Tên"}, headers=hdr)
        self.assert_status(r, 200)
        self.assertEqual(r.body["fields"], ["dat dai"])           # the catalog's field, matched without diacritics
        self.assert_delta(before, events=2)
        r = self.admin.req("PATCH", path, json={"fields": []}, headers={"If-Match": '"%d"' % r.body["version"]})
        self.assertEqual(r.body["fields"], [])
        # Created with its fields.
        name = self.make(self.pkt, [("specialist", self.pkt)], fields=[FIELD])
        self.assertEqual(staff_by_username(self.admin, name)["fields"], [FIELD])

    def test_z_rebuild_gives_the_same_projections(self):
        name = self.make(self.pkt, [("specialist", self.pkt)], fields=[FIELD, "Chứng thực"])
        self.assertEqual(sorted(staff_by_username(self.admin, name)["fields"]), sorted([FIELD, "Chứng thực"]))
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(sorted(staff_by_username(self.admin, name)["fields"]), sorted([FIELD, "Chứng thực"]))


if __name__ == "__main__":
    unittest.main()
