"""CSRF protection: every state-changing endpoint called with a valid session cookie but without X-CSRF-Token is
403 MSG_CSRF_MISSING, with a wrong token (or another session's token) 403 MSG_CSRF_MISMATCH, and nothing changes
in the store. Safe methods need no token; requests authenticated with an API bearer token need none either.
The routes a sync node signs with its key (POST /api/v1/sync/enroll, /api/v1/sync/batches) are public routes that
never read a cookie, so they are no CSRF target and the coverage check below leaves them out with every
ROUTE_PUBLIC route; test_sync.py checks their signatures."""
import re
import unittest

from harness import REPO, ApiTestCase, Client, staff_by_username, unit_by_slug, unique, unique_phone


class CsrfTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = Client(cls.server)
        admin.login("admin")
        cls.cujut = unit_by_slug(admin, "cujut")
        cls.dept = unit_by_slug(admin, "cujut.pkt")
        cls.desk = staff_by_username(admin, "cujut.desk")
        r = admin.req("POST", "/api/v1/tokens", json={"name": "csrf-fixture"})
        assert r.status == 201, r
        cls.token_id = r.body["info"]["id"]

    def writes(self):
        """(method, path, headers, valid body) for every state-changing endpoint behind authentication. Every
        body is valid, so the only reason for a refusal is the CSRF check."""
        return [
            ("POST", "/api/v1/units", {}, {"parent_id": self.cujut["id"], "kind": "department",
                                           "name": "Phòng Thử", "slug": unique("csrf-")}),
            ("PATCH", "/api/v1/units/" + self.dept["id"], {"If-Match": '"%d"' % self.dept["version"]},
             {"name": "Phòng Kinh tế (sửa)"}),
            ("POST", "/api/v1/staff", {}, {"username": unique("csrf."), "full_name": "Nguyễn Thử",
                                           "password": "demo1234", "unit_id": self.cujut["id"]}),
            ("PATCH", "/api/v1/staff/" + self.desk["id"], {"If-Match": '"%d"' % self.desk["version"]},
             {"full_name": "Lê Đổi Tên"}),
            ("PUT", "/api/v1/staff/%s/password" % self.desk["id"], {}, {"password": "newpass1"}),
            ("PUT", "/api/v1/me/password", {}, {"current_password": "demo", "new_password": "newpass1"}),
            ("POST", "/api/v1/tokens", {}, {"name": "csrf-probe"}),
            ("DELETE", "/api/v1/tokens/" + self.token_id, {}, None),
            ("PUT", "/api/v1/calendar/entries/2030-01-02", {}, {"kind": "extra_day_off", "name_vi": "Ngày thử",
                                                                "name_en": "Test day", "source": "CSRF"}),
            ("DELETE", "/api/v1/calendar/entries/2030-01-02", {}, None),
            ("PUT", "/api/v1/units/%s/working-time" % self.cujut["id"], {},
             {"morning_start": "07:30", "morning_end": "11:30", "afternoon_start": "13:30",
              "afternoon_end": "17:00", "cutoff": "16:00"}),
            # papers (the upload's body is refused on its headers, before a byte of it is read)
            ("POST", "/api/v1/papers?name=csrf.pdf", {"Content-Type": "application/pdf"}, None),
            ("PATCH", "/api/v1/papers/01M8T4FRN39MVS7C38TRTKRVDD", {"If-Match": '"1"'}, {"digitized": True}),
            # dossier
            ("POST", "/api/v1/dossiers", {}, {"procedure": "2.000806", "channel": "desk", "unit": self.cujut["id"],
                                              "applicant": {"kind": "person", "name": "Nguyễn Văn Thử",
                                                            "id_number": "068095001234", "phone": "0912345678",
                                                            "address": "Thôn 1"},
                                              "papers": [{"paper": "don-de-nghi"}]}),
            ("POST", "/api/v1/dossiers/000.00.01.H41-270302-0001/actions", {}, {"action": "forward", "version": 1}),
            # end dossier
            # catalog: procedures (the check comes before the body is read, so the record need not be complete)
            ("POST", "/api/v1/procedures", {}, {"code": "9.999901", "name": "Thủ tục thử CSRF"}),
            ("POST", "/api/v1/procedures/import", {}, []),
            ("PUT", "/api/v1/procedures/2.000908", {"If-Match": '"1"'}, {"name": "Cấp bản sao từ sổ gốc"}),
            ("DELETE", "/api/v1/procedures/2.000908", {"If-Match": '"1"'}, None),
            ("PUT", "/api/v1/procedures/2.000908/adaptations/" + self.cujut["parent_id"], {},
             {"fee_text": "Không"}),
            ("DELETE", "/api/v1/procedures/2.000908/adaptations/" + self.cujut["parent_id"], {}, None),
            # lookup: a citizen's rating (the admin is refused on the CSRF check first) and a complaint's answer
            ("POST", "/api/v1/dossiers/000.00.01.H41-270302-0001/rating", {}, {"satisfied": True}),
            ("POST", "/api/v1/complaints/01M8T4FRN39MVS7C38TRTKRVDD/answer", {}, {"answer": "Đã trả lời."}),
            ("PUT", "/api/v1/complaints/01M8T4FRN39MVS7C38TRTKRVDD/answer", {}, {"answer": "Đã trả lời."}),
            # document registers
            ("POST", "/api/v1/documents/outgoing", {}, {"type": "quyet-dinh", "summary": "Thử", "recipients": "Lưu"}),
            ("POST", "/api/v1/documents/incoming", {}, {"type": "thong-bao", "summary": "Thử", "agency": "UBND",
                                                        "symbol": "1/TB-UBND", "dated": "2020-01-02"}),
            ("POST", "/api/v1/documents/01M8T4FRN39MVS7C38TRTKRVDD/handling", {}, {"action": "done", "version": 1}),
            ("POST", "/api/v1/documents/01M8T4FRN39MVS7C38TRTKRVDD/attachments", {"Content-Type": "application/pdf"},
             None),
            ("POST", "/api/v1/documents/01M8T4FRN39MVS7C38TRTKRVDD/dossier", {}, {"procedure": "x"}),
            # end document registers
            # tasks
            ("POST", "/api/v1/tasks", {}, {"title": "x"}),
            ("POST", "/api/v1/tasks/01M8T4FRN39MVS7C38TRTKRVDD/actions", {"If-Match": '"1"'}, {"action": "accept"}),
            ("POST", "/api/v1/tasks/01M8T4FRN39MVS7C38TRTKRVDD/evidence", {"Content-Type": "application/pdf"}, None),
            # keystore and exchange
            ("POST", "/api/v1/signing-keys", {}, {"kind": "person", "label": "x", "pkcs12": "QUJD", "pin": "1"}),
            ("DELETE", "/api/v1/signing-keys/01M8T4FRN39MVS7C38TRTKRVDD", {}, None),
            ("POST", "/api/v1/exchange/inbox", {"Content-Type": "application/xml"}, None),
            # outbox: sending and status messages back
            ("POST", "/api/v1/documents/01M8T4FRN39MVS7C38TRTKRVDD/send", {},
             {"to_url": "http://127.0.0.1:1", "to_organ_id": "000.00.00.H41", "key_id": "0" * 26, "pin": "1"}),
            ("POST", "/api/v1/exchange/status", {"Content-Type": "application/xml"}, None),
            # outbox: recall (13) and its answer (15 / 16)
            ("POST", "/api/v1/documents/01M8T4FRN39MVS7C38TRTKRVDD/recall", {},
             {"reason": "Sai sót", "key_id": "0" * 26, "pin": "1"}),
            ("POST", "/api/v1/documents/01M8T4FRN39MVS7C38TRTKRVDD/recall/answer", {},
             {"accept": True, "key_id": "0" * 26, "pin": "1"}),
            # sync: the admin routes of a hub (the node routes are signed, not cookie routes)
            ("POST", "/api/v1/sync/enrolments", {}, {"unit_id": self.cujut["id"]}),
            ("POST", "/api/v1/sync/nodes/01M8T4FRN39MVS7C38TRTKRVDD/clear", {}, None),
            # portal: the National Public Service Portal connector's admin routes
            ("POST", "/api/v1/portal/dead-letters/01M8T4FRN39MVS7C38TRTKRVDD/replay", {}, None),
            ("POST", "/api/v1/portal/repush", {}, {"dossier_id": "01M8T4FRN39MVS7C38TRTKRVDD"}),
            ("POST", "/api/v1/portal/reconciliations", {}, {"date": "2026-12-03"}),
            # ministry: hand-off of a dossier to a ministry system
            ("POST", "/api/v1/dossiers/000.00.01.H41-270302-0001/handoffs", {}, {"system": "land"}),
            ("DELETE", "/api/v1/session", {}, None),
        ]

    def test_every_state_changing_route_is_covered(self):
        # The list above must name every authenticated route of the route table that is not a safe method, so a
        # new write route fails this test until it is added (and so checked for CSRF).
        table = (REPO / "src" / "api" / "api.c").read_text()
        routes = re.findall(r'\{"([A-Z]+)",\s*"(/[^"]*)",\s*\w+,\s*(ROUTE_\w+(?:\s*\|\s*ROUTE_\w+)*)\}', table)
        self.assertGreater(len(routes), 20, "route table not found in src/api/api.c")
        wanted = {(m, p) for m, p, flags in routes if m not in ("GET", "HEAD", "OPTIONS") and "ROUTE_PUBLIC" not in flags}
        covered = set()
        for method, path, _, _ in self.writes():
            for m, pattern in wanted:
                rx = "^" + re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(pattern)) + "$"
                if m == method and re.match(rx, path.split("?", 1)[0]):
                    covered.add((m, pattern))
        self.assertEqual(wanted - covered, set(), "state-changing routes the CSRF test does not cover")

    def _check(self, header_value, code):
        admin = self.client("admin")
        before = self.counts()
        for method, path, headers, body in self.writes():
            with self.subTest(method=method, path=path):
                h = dict(headers)
                h["X-CSRF-Token"] = header_value
                kw = {"json": body} if body is not None else {}
                r = admin.req(method, path, headers=h, csrf=False, **kw)
                self.assert_problem(r, 403, code)
                self.assertIsNone(r.headers.get("Set-Cookie"))
        self.assert_unchanged(before)
        # The session is still usable with its token afterwards.
        self.assert_status(admin.req("GET", "/api/v1/me"), 200)

    def test_missing_token_is_403_and_changes_nothing(self):
        self._check(None, "MSG_CSRF_MISSING")

    def test_wrong_token_is_403_and_changes_nothing(self):
        self._check("not-the-token", "MSG_CSRF_MISMATCH")

    def test_empty_token_is_403(self):
        self._check("", "MSG_CSRF_MISMATCH")

    def test_token_of_another_session_is_refused(self):
        other = self.client("admin")
        self._check(other.csrf, "MSG_CSRF_MISMATCH")

    def test_token_prefix_is_refused(self):
        admin = self.client("admin")
        before = self.counts()
        r = admin.req("POST", "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": admin.csrf[:-1]},
                      csrf=False)
        self.assert_problem(r, 403, "MSG_CSRF_MISMATCH")
        r = admin.req("POST", "/api/v1/tokens", json={"name": "x"}, headers={"X-CSRF-Token": admin.csrf + "A"},
                      csrf=False)
        self.assert_problem(r, 403, "MSG_CSRF_MISMATCH")
        self.assert_unchanged(before)

    def test_safe_methods_need_no_token(self):
        admin = self.client("admin")
        for path in ("/api/v1/me", "/api/v1/units", "/api/v1/staff", "/api/v1/tokens",
                     "/api/v1/units/" + self.cujut["id"]):
            with self.subTest(path=path):
                self.assert_status(admin.req("GET", path, csrf=False), 200)
                self.assert_status(admin.req("HEAD", path, csrf=False), 200)

    def test_right_token_is_accepted(self):
        admin = self.client("admin")
        before = self.counts()
        r = admin.req("POST", "/api/v1/tokens", json={"name": "with-csrf"})
        self.assert_status(r, 201)
        self.assert_delta(before, events=1, api_tokens=1)

    def test_bearer_token_needs_no_csrf(self):
        admin = self.client("admin")
        r = admin.req("POST", "/api/v1/tokens", json={"name": "bearer-no-csrf"})
        self.assert_status(r, 201)
        bot = Client(self.server)
        bot.bearer = r.body["token"]
        unit = unit_by_slug(admin, "cujut.vp")
        before = self.counts()
        r = bot.req("PATCH", "/api/v1/units/" + unit["id"], json={"abbr": "VPB"},
                    headers={"If-Match": '"%d"' % unit["version"]})
        self.assert_status(r, 200)
        self.assertEqual(r.body["abbr"], "VPB")
        self.assert_delta(before, events=1)
        # A bearer token wins over a cookie: the same request with the admin's cookie and no CSRF still works.
        bot.cookies = dict(admin.cookies)
        r = bot.req("PATCH", "/api/v1/units/" + unit["id"], json={"abbr": "VPC"},
                    headers={"If-Match": '"%d"' % (unit["version"] + 1)})
        self.assert_status(r, 200)

    def test_public_writes_need_no_session_and_no_token(self):
        # Sign-in and citizen registration are public: no cookie, no CSRF token.
        c = Client(self.server)
        before = self.counts()
        phone = unique_phone()
        r = c.req("POST", "/api/v1/citizens", json={"phone": phone, "full_name": "Trần Công Dân",
                                                    "password": "demo1234"})
        self.assert_status(r, 201)
        self.assert_delta(before, events=1, accounts=1)


if __name__ == "__main__":
    unittest.main()
