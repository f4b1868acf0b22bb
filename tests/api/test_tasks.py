"""Tasks ("giao việc", docs/tasks.md): the lifecycle, the authorization matrix, every refusal as a 4xx problem that
changes nothing, the work lists with escalation read from the clock, and the rebuild. Runs on both engines."""
import datetime
import os
import time

from harness import ApiTestCase, Client, Server, run_cli, staff_by_username, unit_by_slug
from test_documents import store_query

VN = datetime.timezone(datetime.timedelta(hours=7))


def ms(*args):
    return int(datetime.datetime(*args, tzinfo=VN).timestamp() * 1000)


PINNED_NOW_MS = ms(2027, 3, 2, 8, 0)   # Tuesday 2 March 2027, 08:00 in Vietnam
LATER_MS = ms(2027, 3, 22, 9, 0)       # three weeks on: the tasks due 10 March are overdue
DEADLINE = "2027-03-10"                # a Wednesday
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pinned(at_ms):
    os.environ["MOTCUA_CLOCK_OFFSET_MS"] = str(at_ms - int(time.time() * 1000))


def unpinned():
    os.environ.pop("MOTCUA_CLOCK_OFFSET_MS", None)


def snapshot(db):
    return (store_query(db, "SELECT COUNT(*) FROM events"),
            store_query(db, "SELECT id, state, percent, deadline, version FROM tasks ORDER BY id"),
            store_query(db, "SELECT task_id, n FROM task_log ORDER BY task_id, n"),
            store_query(db, "SELECT task_id, n, state FROM task_extensions ORDER BY task_id, n"))


USERS = ("lamdong.official", "langson.official", "cujut.leader", "cujut.specialist", "cujut.clerk", "cujut.desk",
         "thuanan.leader", "thuanan.specialist", "locbinh.leader", "locbinh.specialist")


class TaskBase(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        pinned(PINNED_NOW_MS)
        try:
            super().setUpClass()
        finally:
            unpinned()
        cls.sign_in_admin_with_units("cujut", "thuanan", "lamdong", "cujut.pkt")
        cls.users, cls.ids, cls.homes = {}, {}, {}
        for u in USERS:
            c = Client(cls.server)
            c.login(u)
            cls.users[u] = c
            a = staff_by_username(cls.admin, u)
            cls.ids[u] = a["id"]
            cls.homes[u] = a["unit_id"]

    def snap(self):
        return snapshot(self.db)

    def create(self, who, lead_name, expect=201, **kw):
        body = {"title": "Rà soát hồ sơ tồn đọng", "content": "Rà soát toàn bộ hồ sơ quá hạn quý I.",
                "source_kind": "meeting", "source_ref": "Kết luận giao ban ngày 01/3/2027",
                "lead": self.ids[lead_name], "deadline": DEADLINE,
                "expected_result": "Báo cáo danh sách và nguyên nhân", "criteria": "Đủ 100% hồ sơ quá hạn"}
        body.update(kw)
        body = {k: v for k, v in body.items() if v is not None}
        r = self.users[who].req("POST", "/api/v1/tasks", json=body)
        if expect is not None and r.status != expect:
            raise AssertionError("create by %s: expected %s, got %r" % (who, expect, r))
        return r

    def act(self, who, task, action, expect=200, version=None, **kw):
        v = version if version is not None else self.users[who].req("GET", "/api/v1/tasks/" + task["id"]).body.get(
            "version", 1)
        body = {"action": action}
        body.update(kw)
        r = self.users[who].req("POST", "/api/v1/tasks/%s/actions" % task["id"], json=body,
                                headers={"If-Match": '"%d"' % v})
        if expect is not None and r.status != expect:
            raise AssertionError("%s by %s: expected %s, got %r" % (action, who, expect, r))
        return r


class TaskLifecycle(TaskBase):

    def test_a_full_lifecycle(self):
        t = self.create("lamdong.official", "cujut.leader", coordinators=[self.ids["cujut.specialist"],
                                                                          self.cujut_pkt["id"]]).body
        self.assertEqual(t["state"], "assigned")
        self.assertEqual(t["lead"]["id"], self.ids["cujut.leader"])
        self.assertEqual([c["kind"] for c in t["coordinators"]], ["account", "unit"])
        self.assertEqual(t["actions"], [])   # the assigner has nothing to do while it is assigned
        lead = self.users["cujut.leader"].req("GET", "/api/v1/tasks/" + t["id"]).body
        self.assertEqual(lead["actions"], ["accept", "ask"])
        # clarification asked by the lead, answered by the assigner
        t = self.act("cujut.leader", t, "ask", note="Phạm vi gồm cả hồ sơ liên thông?").body
        self.assertEqual(t["state"], "clarification")
        t = self.act("lamdong.official", t, "answer", note="Có, gồm cả liên thông.").body
        self.assertEqual(t["state"], "assigned")
        t = self.act("cujut.leader", t, "accept").body
        self.assertEqual(t["state"], "in_progress")
        # progress by the lead and by a co-ordinator (a person), rising
        t = self.act("cujut.leader", t, "progress", percent=30, note="Đã rà soát 30%").body
        t = self.act("cujut.specialist", t, "progress", percent=30, note="Bổ sung số liệu").body
        self.assertEqual(t["percent"], 30)
        # evidence
        r = self.users["cujut.specialist"].req("POST", "/api/v1/tasks/%s/evidence?name=bang-ke.pdf" % t["id"],
                                               raw_body=PDF, content_type="application/pdf")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.body["files"][0]["name"], "bang-ke.pdf")
        f = self.users["lamdong.official"].req("GET", "/api/v1/tasks/%s/evidence/1" % t["id"])
        self.assertEqual(f.status, 200)
        self.assertEqual(f.raw, PDF)
        self.assert_problem(self.users["thuanan.leader"].req("GET", "/api/v1/tasks/%s/evidence/1" % t["id"]), 404)
        t = r.body
        # extension: requested, refused, requested again, approved -> the deadline moves
        t = self.act("cujut.leader", t, "extend", deadline="2027-03-15", note="Cần thêm số liệu").body
        self.assertEqual(t["pending_deadline"], "2027-03-15")
        t = self.act("lamdong.official", t, "decide", approve=False, note="Không gia hạn").body
        self.assertEqual((t["deadline"], t["pending_deadline"]), (DEADLINE, None))
        t = self.act("cujut.leader", t, "extend", deadline="2027-03-16", note="Cần thêm số liệu").body
        before = self.snap()
        self.assert_problem(self.act("cujut.leader", t, "extend", expect=None, deadline="2027-03-17", note="x"), 409,
                            "MSG_TASK_EXT_PENDING")
        self.assertEqual(self.snap(), before)
        t = self.act("lamdong.official", t, "decide", approve=True).body
        self.assertEqual(t["deadline"], "2027-03-16")
        # done, returned with a reason, done again, accepted
        t = self.act("cujut.leader", t, "done", note="Đã gửi báo cáo").body
        self.assertEqual((t["state"], t["percent"]), ("done", 100))
        t = self.act("lamdong.official", t, "judge", approve=False, note="Thiếu nguyên nhân").body
        self.assertEqual(t["state"], "in_progress")
        t = self.act("cujut.leader", t, "done", note="Đã bổ sung nguyên nhân").body
        t = self.act("lamdong.official", t, "judge", approve=True).body
        self.assertEqual(t["state"], "closed")
        self.assertEqual([l["action"] for l in t["log"]][:4], ["assigned", "clarification_asked",
                                                              "clarification_answered", "accepted"])
        self.assertEqual(t["log"][-1]["action"], "accepted_result")

    def test_b_source_document(self):
        d = self.users["cujut.clerk"].req("POST", "/api/v1/documents/outgoing", json={
            "type": "quyet-dinh", "summary": "Giao nhiệm vụ", "recipients": "Lưu: VT."}).body
        t = self.create("cujut.leader", "cujut.specialist", source_kind="document", source_ref=d["id"]).body
        self.assertEqual(t["source"], {"kind": "document", "ref": d["id"]})
        before = self.snap()
        # another commune's leader cannot cite it: not in their scope
        self.assert_problem(self.create("thuanan.leader", "thuanan.specialist", expect=None, source_kind="document",
                                        source_ref=d["id"]), 422, "MSG_TASK_SOURCE", "source_ref")
        self.assert_problem(self.create("cujut.leader", "cujut.specialist", expect=None, source_kind="document",
                                        source_ref=None), 400, "MSG_MISSING_FIELD", "source_ref")
        self.assertEqual(self.snap(), before)

    def test_c_bad_input_is_4xx_and_changes_nothing(self):
        t = self.create("cujut.leader", "cujut.specialist").body
        before = self.snap()
        bad = [
            ({"lead": None}, 400, "MSG_MISSING_FIELD", "lead"),
            ({"deadline": "2027-03-01"}, 422, "MSG_TASK_DEADLINE_PAST", "deadline"),
            ({"deadline": "2027-03-06"}, 422, "MSG_TASK_DEADLINE_OFF", "deadline"),   # a Saturday
            ({"deadline": "10/03/2027"}, 400, "MSG_FIELD_INVALID", "deadline"),
            ({"lead": self.ids["thuanan.specialist"]}, 422, "MSG_TASK_LEAD", "lead"),   # other commune
            ({"lead": self.ids["cujut.leader"]}, 422, "MSG_TASK_LEAD", "lead"),          # oneself
            ({"lead": "01M8T4FRN39MVS7C38TRTKRVDD"}, 422, "MSG_TASK_LEAD", "lead"),
            ({"coordinators": [self.ids["thuanan.specialist"]]}, 422, "MSG_TASK_COORDINATOR", "coordinators"),
            ({"coordinators": [self.ids["cujut.specialist"]]}, 422, "MSG_TASK_COORDINATOR", "coordinators"),  # lead
            ({"coordinators": [self.ids["cujut.clerk"], self.ids["cujut.clerk"]]}, 422, "MSG_TASK_COORDINATOR",
             "coordinators"),
            ({"source_kind": "rumour"}, 400, "MSG_FIELD_INVALID", "source_kind"),
            ({"title": ""}, 400, None, "title"),
            ({"criteria": None}, 400, "MSG_MISSING_FIELD", "criteria"),
            ({"extra": 1}, 400, None, "extra"),
        ]
        for kw, status, code, field in bad:
            b = self.assert_problem(self.create("cujut.leader", "cujut.specialist", expect=None, **kw), status, code,
                                    field)
            if code == "MSG_TASK_DEADLINE_OFF":
                self.assertIn("2027-03-08", b["messages"]["en"])   # the next working day, Monday
                self.assertIn("2027-03-08", b["messages"]["vi"])
        self.assertEqual(self.snap(), before)
        # actions: wrong state, stale If-Match, percentage down or over 100, bad extension dates
        self.assert_problem(self.act("cujut.specialist", t, "progress", expect=None, percent=10, note="x"), 409,
                            "MSG_TASK_STATE")
        self.assert_problem(self.act("cujut.specialist", t, "accept", expect=None, version=t["version"] + 5), 412,
                            "MSG_VERSION_MISMATCH")
        self.assert_problem(self.users["cujut.specialist"].req("POST", "/api/v1/tasks/%s/actions" % t["id"],
                                                               json={"action": "accept"}), 428)
        self.assert_problem(self.act("cujut.specialist", t, "fly", expect=None), 400, "MSG_FIELD_INVALID", "action")
        self.assert_problem(self.act("cujut.specialist", t, "ask", expect=None), 400, "MSG_MISSING_FIELD", "note")
        self.assertEqual(self.snap(), before)
        t = self.act("cujut.specialist", t, "accept").body
        t = self.act("cujut.specialist", t, "progress", percent=50, note="Nửa chặng").body
        before = self.snap()
        self.assert_problem(self.act("cujut.specialist", t, "progress", expect=None, percent=40, note="x"), 422,
                            "MSG_TASK_PERCENT", "percent")
        self.assert_problem(self.act("cujut.specialist", t, "progress", expect=None, percent=101, note="x"), 422,
                            "MSG_TASK_PERCENT", "percent")
        self.assert_problem(self.act("cujut.specialist", t, "progress", expect=None, note="x"), 400,
                            "MSG_MISSING_FIELD", "percent")
        self.assert_problem(self.act("cujut.specialist", t, "extend", expect=None, deadline="2027-03-09", note="x"),
                            422, "MSG_TASK_EXT_DATE", "deadline")
        self.assert_problem(self.act("cujut.specialist", t, "extend", expect=None, deadline="2027-03-13", note="x"),
                            422, "MSG_TASK_DEADLINE_OFF", "deadline")
        self.assert_problem(self.act("cujut.leader", t, "decide", expect=None, approve=True), 409, "MSG_TASK_EXT_NONE")
        self.assert_problem(self.act("cujut.leader", t, "judge", expect=None, approve=True), 409, "MSG_TASK_STATE")
        self.assert_problem(self.act("cujut.leader", t, "judge", expect=None), 409)
        self.assert_problem(self.users["cujut.specialist"].req(
            "POST", "/api/v1/tasks/%s/evidence" % t["id"], raw_body=b"hello", content_type="text/plain"), 415)
        self.assertEqual(self.snap(), before)
        t = self.act("cujut.specialist", t, "done", note="Xong").body
        before = self.snap()
        self.assert_problem(self.act("cujut.leader", t, "judge", expect=None, approve=False), 400,
                            "MSG_MISSING_FIELD", "note")
        self.assert_problem(self.act("cujut.leader", t, "judge", expect=None), 400, "MSG_MISSING_FIELD", "approve")
        self.assertEqual(self.snap(), before)

    def test_d_list_parameters(self):
        for q in ("view=mine", "due=later", "state=lost", "days=3", "days=99&due=soon", "cursor=zz", "limit=0"):
            self.assert_problem(self.users["cujut.leader"].req("GET", "/api/v1/tasks?" + q), 400)


class TaskAccessMatrix(TaskBase):
    """role × level (province / commune) × own / other unit, for create, read and each action."""

    def test_create_matrix(self):
        # (who, lead) -> status
        cases = [
            ("lamdong.official", "cujut.leader", 201),        # official, own province
            ("lamdong.official", "thuanan.specialist", 201),
            ("lamdong.official", "locbinh.leader", 422),      # official, another province
            ("langson.official", "cujut.leader", 422),
            ("langson.official", "locbinh.specialist", 201),
            ("cujut.leader", "cujut.specialist", 201),        # leader, own commune
            ("cujut.leader", "thuanan.specialist", 422),      # leader, another commune of the province
            ("cujut.leader", "locbinh.specialist", 422),      # leader, another province
            ("locbinh.leader", "locbinh.specialist", 201),
            ("cujut.specialist", "cujut.clerk", 403),         # no assigning role, own unit
            ("cujut.clerk", "cujut.specialist", 403),
            ("cujut.desk", "cujut.specialist", 403),
            ("thuanan.specialist", "cujut.specialist", 403),  # no role, other unit
        ]
        for who, lead, status in cases:
            before = self.snap()
            r = self.create(who, lead, expect=None)
            if status == 201:
                self.assertEqual(r.status, 201, (who, lead, r))
            else:
                self.assert_problem(r, status)
                self.assertEqual(self.snap(), before, (who, lead))

    def test_assignees_are_the_callers_scope(self):
        def names(who, q=""):
            r = self.users[who].req("GET", "/api/v1/tasks/assignees" + q)
            self.assertEqual(r.status, 200, r)
            return {(x["kind"], x["id"]) for x in r.body["items"]}
        mine = names("cujut.leader")
        self.assertIn(("account", self.ids["cujut.specialist"]), mine)
        self.assertIn(("unit", self.cujut_pkt["id"]), mine)
        self.assertNotIn(("account", self.ids["thuanan.specialist"]), mine)
        self.assertIn(("account", self.ids["thuanan.specialist"]), names("lamdong.official"))
        self.assertNotIn(("account", self.ids["locbinh.leader"]), names("lamdong.official"))
        self.assertEqual(names("cujut.specialist"), set())
        self.assert_problem(self.users["cujut.leader"].req("GET", "/api/v1/tasks/assignees?q=" + "x" * 101), 400)

    def test_read_and_actions_matrix(self):
        t = self.create("cujut.leader", "cujut.specialist", coordinators=[self.ids["cujut.clerk"]]).body
        readers = {"cujut.leader": 200, "cujut.specialist": 200, "cujut.clerk": 200, "lamdong.official": 200,
                   "cujut.desk": 404, "thuanan.leader": 404, "thuanan.specialist": 404, "langson.official": 404,
                   "locbinh.leader": 404}
        for who, status in readers.items():
            r = self.users[who].req("GET", "/api/v1/tasks/" + t["id"])
            if status == 200:
                self.assertEqual(r.status, 200, (who, r))
            else:
                self.assert_problem(r, 404)
            ids = [x["id"] for x in self.users[who].req("GET", "/api/v1/tasks?limit=200").body["items"]]
            self.assertEqual(t["id"] in ids, status == 200, who)
        # each action: the one who may (lead L / assigner A / co-ordinator P) and the others
        steps = [("accept", {}, "cujut.specialist"), ("progress", {"percent": 20, "note": "x"}, "cujut.clerk"),
                 ("extend", {"deadline": "2027-03-12", "note": "x"}, "cujut.specialist"),
                 ("decide", {"approve": True}, "cujut.leader"), ("done", {"note": "x"}, "cujut.specialist"),
                 ("judge", {"approve": True}, "cujut.leader")]
        for action, kw, allowed in steps:
            for who in ("cujut.leader", "cujut.specialist", "cujut.clerk", "lamdong.official", "cujut.desk",
                        "thuanan.leader", "langson.official"):
                if who == allowed:
                    continue
                # the lead may also report progress; nobody else gets past the role check
                if action == "progress" and who == "cujut.specialist":
                    continue
                before = self.snap()
                r = self.act(who, t, action, expect=None, version=t["version"], **kw)
                may_read = readers[who] == 200
                self.assert_problem(r, 403 if may_read else 404)
                self.assertEqual(self.snap(), before, (action, who))
            t = self.act(allowed, t, action, version=t["version"], **kw).body
        self.assertEqual(t["state"], "closed")
        self.assertEqual(t["deadline"], "2027-03-12")
        # ask / answer and evidence: the lead asks, the assigner answers, the lead or a co-ordinator adds files
        u = self.create("lamdong.official", "thuanan.specialist").body
        others = ("lamdong.official", "thuanan.leader", "cujut.leader", "cujut.specialist", "langson.official")
        # the lead's commune leader does not oversee a task the province gave (its scope is the province)
        reads = {"lamdong.official": True}
        for action, allowed in (("ask", "thuanan.specialist"), ("answer", "lamdong.official")):
            for who in others + ("thuanan.specialist",):
                if who == allowed:
                    continue
                before = self.snap()
                r = self.act(who, u, action, expect=None, version=u["version"], note="x")
                self.assert_problem(r, 403 if reads.get(who) or who == "thuanan.specialist" else 404)
                self.assertEqual(self.snap(), before, (action, who))
            u = self.act(allowed, u, action, version=u["version"], note="Làm rõ").body
        u = self.act("thuanan.specialist", u, "accept", version=u["version"]).body
        for who in others:
            before = self.snap()
            r = self.users[who].req("POST", "/api/v1/tasks/%s/evidence?name=x.pdf" % u["id"],
                                    raw_body=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
            self.assert_problem(r, 403 if reads.get(who) else 404)
            self.assertEqual(self.snap(), before, ("evidence", who))


class TaskWorkLists(TaskBase):
    """Two communes' leads, the views and escalation read from the clock."""

    def test_views_then_escalation_later(self):
        a = self.create("lamdong.official", "cujut.leader", title="Nhiệm vụ Cư Jút").body
        b = self.create("lamdong.official", "thuanan.leader", title="Nhiệm vụ Thuận An",
                        coordinators=[self.homes["cujut.specialist"]]).body
        c = self.create("cujut.leader", "cujut.specialist", title="Việc của xã Cư Jút",
                        deadline="2027-03-03").body

        def ids(who, q=""):
            r = self.users[who].req("GET", "/api/v1/tasks?limit=200" + q)
            self.assertEqual(r.status, 200, r)
            return [x["id"] for x in r.body["items"]]

        self.assertEqual(set(ids("lamdong.official", "&view=assigned")) >= {a["id"], b["id"]}, True)
        self.assertNotIn(c["id"], ids("lamdong.official", "&view=assigned"))
        self.assertIn(a["id"], ids("cujut.leader", "&view=lead"))
        self.assertNotIn(b["id"], ids("cujut.leader", "&view=lead"))
        self.assertIn(b["id"], ids("cujut.specialist", "&view=coordinating"))   # through the home unit
        self.assertIn(c["id"], ids("cujut.specialist", "&view=unit"))
        self.assertIn(c["id"], ids("cujut.leader", "&due=soon&days=2"))
        self.assertNotIn(a["id"], ids("cujut.leader", "&due=soon&days=2"))
        self.assertEqual(ids("lamdong.official", "&view=escalated"), [])
        self.assertEqual(ids("lamdong.official", "&q=thuan%20an"), [b["id"]])   # folded search
        self.assertIn(a["id"], ids("lamdong.official", "&state=assigned"))
        # pages follow the cursor
        r = self.users["lamdong.official"].req("GET", "/api/v1/tasks?limit=1")
        self.assertEqual(len(r.body["items"]), 1)
        r2 = self.users["lamdong.official"].req("GET", "/api/v1/tasks?limit=1&cursor=" + r.body["next_cursor"])
        self.assertNotEqual(r2.body["items"][0]["id"], r.body["items"][0]["id"])
        # later: the same store read by a server whose clock is three weeks on
        self.server.stop()
        pinned(LATER_MS)
        try:
            later = Server(label="tasks-later", db=self.db).start()
        finally:
            unpinned()
        try:
            off = Client(later)
            off.login("lamdong.official")
            esc = off.req("GET", "/api/v1/tasks?view=escalated&limit=200").body["items"]
            self.assertEqual([x["id"] for x in esc], [c["id"]])   # given by the commune leader, overdue
            self.assertTrue(esc[0]["escalated"])
            lead = Client(later)
            lead.login("cujut.leader")
            self.assertEqual({x["id"] for x in lead.req("GET", "/api/v1/tasks?due=overdue&limit=200").body["items"]}
                             >= {a["id"], c["id"]}, True)
            self.assertNotIn(c["id"], [x["id"] for x in lead.req("GET", "/api/v1/tasks?view=escalated").body["items"]])
        finally:
            later.stop()
            pinned(PINNED_NOW_MS)
            try:
                self.server.start()
            finally:
                unpinned()


class TaskRebuild(TaskBase):

    def test_rebuild_gives_the_same_rows(self):
        t = self.create("lamdong.official", "cujut.leader", coordinators=[self.cujut_pkt["id"]]).body
        t = self.act("cujut.leader", t, "accept").body
        t = self.act("cujut.leader", t, "progress", percent=40, note="Đang làm").body
        r = self.users["cujut.leader"].req("POST", "/api/v1/tasks/%s/evidence?name=a.pdf" % t["id"], raw_body=PDF,
                                           content_type="application/pdf")
        self.assertEqual(r.status, 201, r)
        t = self.act("cujut.leader", t, "extend", deadline="2027-03-17", note="Thêm thời gian").body
        t = self.act("lamdong.official", t, "decide", approve=True).body
        t = self.act("cujut.leader", t, "done", note="Hoàn thành").body
        t = self.act("lamdong.official", t, "judge", approve=True).body
        rows = snapshot(self.db)[1:]
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(snapshot(self.db)[1:], rows)
        self.assertEqual(int(store_query(self.db, "SELECT COUNT(*) FROM task_files")[0][0]), 1)
