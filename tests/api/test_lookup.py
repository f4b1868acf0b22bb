"""Public lookup, rating and complaints (issue 9 item 5): GET /api/v1/public/lookup, POST
/api/v1/public/dossiers/{code}/rating and .../complaints, POST /api/v1/dossiers/{code}/rating (the owning citizen),
GET /api/v1/complaints and POST|PUT /api/v1/complaints/{id}/answer.

The server runs with --trust-proxy --lookup-after 5, so each test picks its own X-Forwarded-For addresses: found by
phone (national and +84 forms) and by id4; a wrong code and a wrong phone give identical 404 bodies in similar
time; 5 failed lookups from one address then 429 with Retry-After while another address still works; nothing of
another dossier leaks; HEAD/POST -> 405; rating once after delivery; complaints through to the answer, with the
role x own/other unit matrix and bad input changing nothing; `motcua rebuild --check` identical afterwards."""
import itertools
import statistics
import time
import unittest
import urllib.parse

from harness import Client, run_cli
from test_dossiers import DEMO_IDS, DossierBase

LOOKUP_AFTER = 5
_addr = itertools.count(10)


def fresh_addr():
    n = next(_addr)
    return "192.0.2.%d" % n if n < 250 else "198.18.%d.%d" % (n // 250, n % 250)


class LookupBase(DossierBase):
    SERVER_ARGS = ("--trust-proxy", "--lookup-after", str(LOOKUP_AFTER))

    def pub(self, method, path, addr=None, **kw):
        headers = {"X-Forwarded-For": addr or fresh_addr()}
        return Client(self.server).req(method, path, headers=headers, **kw)

    def lookup(self, addr=None, **q):
        return self.pub("GET", "/api/v1/public/lookup?" + urllib.parse.urlencode(q), addr)

    def delivered(self):
        code = self.new()["code"]
        self.to_processing(code)
        self.act(self.spec, code, "forward")
        self.act(self.lead, code, "approve")
        self.act(self.spec, code, "attach_result", result="Giấy xác nhận")
        self.act(self.desk, code, "deliver", received_by="Nguyễn Văn Đức", how="in_person")
        return code

    def table_counts(self):
        if self.db.is_pg:
            out = {}
            import subprocess
            for t in ("complaints", "dossier_ratings", "events"):
                cp = subprocess.run(["psql", "-X", "-At", self.db.url, "-c", "SELECT COUNT(*) FROM %s" % t],
                                    capture_output=True, text=True, timeout=30)
                out[t] = int(cp.stdout.strip())
            return out
        return {t: self.db.sql("SELECT COUNT(*) FROM %s" % t)[0][0] for t in ("complaints", "dossier_ratings", "events")}


class LookupTests(LookupBase):

    def test_found_by_phone_both_forms_and_by_id4(self):
        code = self.new()["code"]
        for q in ({"phone": "0912345678"}, {"phone": "+84 912 345 678"}, {"phone": "84912345678"},
                  {"id4": DEMO_IDS[0][-4:]}):
            with self.subTest(q=q):
                r = self.lookup(code=code, **q)
                self.assert_status(r, 200)
                self.assertEqual(r.headers.get("Cache-Control"), "no-store")
                b = r.body
                self.assertEqual((b["code"], b["status"]), (code, 2))
                self.assertEqual(b["status_name"], {"vi": "Đã tiếp nhận", "en": "Accepted"})
                self.assertTrue(b["status_text"]["vi"] and b["status_text"]["en"])
                self.assertEqual(b["procedure"]["code"], self.proc["code"])
                self.assertTrue(b["due_at"].startswith("2027-03-09"), b["due_at"])
                self.assertFalse(b["result_ready"])
                self.assertEqual([s["action"] for s in b["steps"]], ["receive"])
                self.assertIsNone(b["rating"])
                self.assertFalse(b["can_rate"])
        # What is public: no applicant data, no officers, no notes.
        text = r.raw.decode("utf-8")
        for secret in ("Nguyễn Văn Đức", DEMO_IDS[0], "0912345678", "duc@example.vn", "Thôn 3",
                       staff_by_id(self)):
            self.assertNotIn(secret, text)

    def test_id4_of_an_organisation_skips_the_branch_dash(self):
        code = self.new(applicant={"kind": "organisation", "name": "Công ty TNHH Cà phê Cư Jút",
                                   "id_number": "0100109106-001", "phone": "0263 3822 123", "address": "Cư Jút"},
                        representative={"name": "Lê Văn Bốn", "id_number": DEMO_IDS[2], "phone": "0912000111"})["code"]
        self.assert_status(self.lookup(code=code, id4="6001"), 200)
        self.assert_status(self.lookup(code=code, phone="02633822123"), 200)
        self.assert_problem(self.lookup(code=code, id4="0001"), 404, "MSG_LOOKUP_NOT_FOUND")

    def test_steps_and_result_ready_after_delivery(self):
        code = self.delivered()
        b = self.lookup(code=code, phone="0912345678").body
        self.assertEqual(b["status"], 10)
        self.assertTrue(b["result_ready"])
        self.assertTrue(b["can_rate"])
        self.assertEqual([s["action"] for s in b["steps"]],
                         ["receive", "forward", "assign", "forward", "approve", "attach_result", "deliver"])
        self.assertTrue(all(s["at"] for s in b["steps"]))
        self.assertNotIn("Nguyễn Văn Đức", b.__repr__())    # delivered_to is not public

    def test_wrong_code_and_wrong_phone_answer_alike(self):
        code = self.new()["code"]
        other = code[:-4] + ("9999" if not code.endswith("9999") else "9998")
        bodies, times = {}, {"code": [], "phone": []}
        for i in range(21):
            for kind, q in (("code", {"code": other, "phone": "0912345678"}),
                            ("phone", {"code": code, "phone": "0987654321"})):
                t0 = time.perf_counter()
                r = self.lookup(**q)
                times[kind].append(time.perf_counter() - t0)
                self.assert_problem(r, 404, "MSG_LOOKUP_NOT_FOUND")
                self.assertEqual(r.headers.get("Cache-Control"), "no-store")
                bodies.setdefault(kind, r.raw)
                self.assertEqual(r.raw, bodies[kind])
        self.assertEqual(bodies["code"], bodies["phone"])
        # the wrong id4 reads the same too
        r = self.lookup(code=code, id4="0000")
        self.assertEqual(r.raw, bodies["code"])
        mc, mp = statistics.median(times["code"]), statistics.median(times["phone"])
        self.assertLess(abs(mc - mp), 0.005, "medians %.4f s vs %.4f s" % (mc, mp))

    def test_brute_force_is_throttled_per_address(self):
        code = self.new()["code"]
        addr = fresh_addr()
        for i in range(LOOKUP_AFTER):
            self.assert_problem(self.lookup(addr, code=code, phone="09876543%02d" % i), 404, "MSG_LOOKUP_NOT_FOUND")
        r = self.lookup(addr, code=code, phone="0987654399")
        self.assert_problem(r, 429, "MSG_LOOKUP_SLOW_DOWN")
        self.assertRegex(r.headers.get("Retry-After") or "", r"^[1-9][0-9]*$")
        # even the right phone waits at this address ...
        self.assert_problem(self.lookup(addr, code=code, phone="0912345678"), 429, "MSG_LOOKUP_SLOW_DOWN")
        # ... while another address still works
        self.assert_status(self.lookup(fresh_addr(), code=code, phone="0912345678"), 200)

    def test_nothing_of_another_dossier_leaks(self):
        a = self.new()["code"]
        b = self.new(applicant={"kind": "person", "name": "Lê Thị Hoa", "id_number": DEMO_IDS[1],
                                "phone": "0987111222", "address": "Thôn 5"})["code"]
        # b's phone does not open a
        self.assert_problem(self.lookup(code=a, phone="0987111222"), 404, "MSG_LOOKUP_NOT_FOUND")
        r = self.lookup(code=b, phone="0987111222")
        self.assert_status(r, 200)
        self.assertEqual(r.body["code"], b)
        self.assertNotIn(a, r.raw.decode("utf-8"))

    def test_bad_proofs_are_400_and_methods_405(self):
        code = self.new()["code"]
        self.assert_problem(self.lookup(code=code), 400, "MSG_LOOKUP_PROOF")
        self.assert_problem(self.lookup(code=code, phone="0912345678", id4="5678"), 400, "MSG_LOOKUP_PROOF")
        self.assert_problem(self.lookup(code=code, id4="12a4"), 400, "MSG_PARAM_INVALID", "id4")
        self.assert_problem(self.lookup(code=code, phone="12"), 400, "MSG_PARAM_INVALID", "phone")
        self.assert_problem(self.lookup(phone="0912345678"), 400, "MSG_PARAM_INVALID", "code")
        q = "/api/v1/public/lookup?" + urllib.parse.urlencode({"code": code, "phone": "0912345678"})
        self.assertEqual(self.pub("POST", q, json={}).status, 405)
        self.assertEqual(self.pub("HEAD", q).status, 405)


class MemoChecks:
    """The memo of answers (docs/lookup.md "Memo of answers"): run with the memo on (default --lookup-cache-ms) and
    off (0), the answers must be the same."""

    def test_memo_repeats_until_a_write_and_never_past_the_throttle(self):
        code = self.new()["code"]
        addr = fresh_addr()
        first = self.lookup(addr, code=code, phone="0912345678")
        self.assert_status(first, 200)
        self.assertEqual(first.body["status"], 2)
        again = self.lookup(addr, code=code, phone="+84 912 345 678")
        self.assert_status(again, 200)
        self.assertEqual(again.raw, first.raw)
        self.assertEqual(again.headers.get("Cache-Control"), "no-store")
        # An action on the dossier is a write: the very next lookup shows it.
        self.act(self.desk, code, "forward")
        after = self.lookup(addr, code=code, phone="0912345678")
        self.assert_status(after, 200)
        self.assertNotEqual(after.body["status"], 2)
        self.assertEqual([s["action"] for s in after.body["steps"]], ["receive", "forward"])
        # Failures from the same address are all counted although its success was memoised ...
        self.assert_status(self.lookup(addr, code=code, phone="0912345678"), 200)
        for i in range(LOOKUP_AFTER):
            self.assert_problem(self.lookup(addr, code=code, phone="09876543%02d" % i), 404, "MSG_LOOKUP_NOT_FOUND")
        # ... and the right proof, memoised a moment ago, now waits.
        self.assert_problem(self.lookup(addr, code=code, phone="0912345678"), 429, "MSG_LOOKUP_SLOW_DOWN")
        self.assert_status(self.lookup(fresh_addr(), code=code, phone="0912345678"), 200)


class LookupMemoTests(MemoChecks, LookupBase):
    pass


class LookupMemoOffTests(MemoChecks, LookupBase):
    SERVER_ARGS = LookupBase.SERVER_ARGS + ("--lookup-cache-ms", "0")


class RatingTests(LookupBase):

    def rate(self, code, addr=None, **body):
        return self.pub("POST", "/api/v1/public/dossiers/%s/rating" % code, addr, json=body)

    def test_rating_once_after_delivery(self):
        code = self.new()["code"]
        before = self.table_counts()
        self.assert_problem(self.rate(code, phone="0912345678", satisfied=True), 409, "MSG_LOOKUP_NOT_DELIVERED")
        self.assertEqual(self.table_counts(), before)
        code = self.delivered()
        before = self.table_counts()
        self.assert_problem(self.rate(code, phone="0987654321", satisfied=True), 404, "MSG_LOOKUP_NOT_FOUND")
        self.assert_problem(self.rate(code, phone="0912345678"), 400, "MSG_MISSING_FIELD", "satisfied")
        self.assert_problem(self.rate(code, phone="0912345678", satisfied="yes"), 400, "MSG_WRONG_TYPE", "satisfied")
        self.assert_problem(self.rate(code, phone="0912345678", satisfied=True, stars=5), 400, "MSG_UNKNOWN_FIELD")
        self.assert_problem(self.rate(code, phone="0912345678", satisfied=True, comment="x" * 1001), 400,
                            "MSG_FIELD_LENGTH", "comment")
        self.assertEqual(self.table_counts(), before)
        r = self.rate(code, phone="+84912345678", satisfied=False, comment="Chờ lâu")
        self.assert_status(r, 201)
        self.assertEqual(r.body["rating"]["satisfied"], False)
        self.assertFalse(r.body["can_rate"])
        self.assertEqual(self.table_counts(), dict(before, dossier_ratings=before["dossier_ratings"] + 1,
                                                   events=before["events"] + 1))
        self.assert_problem(self.rate(code, id4=DEMO_IDS[0][-4:], satisfied=True), 409, "MSG_LOOKUP_ALREADY_RATED")
        self.assertEqual(self.lookup(code=code, phone="0912345678").body["rating"]["satisfied"], False)

    def test_owning_citizen_rates_without_proof(self):
        code = self.new(client=self.citizen, channel="online", unit=self.cujut["id"])["code"]
        self.act(self.desk, code, "accept")
        self.to_processing(code)
        self.act(self.spec, code, "forward")
        self.act(self.lead, code, "approve")
        self.act(self.spec, code, "attach_result", result="Giấy xác nhận")
        self.act(self.desk, code, "deliver", received_by="Trần Thị Đào", how="in_person")
        # another citizen and staff: 404
        self.assert_problem(self.desk.req("POST", "/api/v1/dossiers/%s/rating" % code, json={"satisfied": True}),
                            404)
        r = self.citizen.req("POST", "/api/v1/dossiers/%s/rating" % code, json={"satisfied": True})
        self.assert_status(r, 201)
        self.assertTrue(r.body["rating"]["satisfied"])
        self.assert_problem(self.citizen.req("POST", "/api/v1/dossiers/%s/rating" % code, json={"satisfied": True}),
                            409, "MSG_LOOKUP_ALREADY_RATED")


class ComplaintTests(LookupBase):

    def file(self, code, addr=None, **body):
        return self.pub("POST", "/api/v1/public/dossiers/%s/complaints" % code, addr, json=body)

    def test_flow_and_matrix(self):
        code = self.new()["code"]
        r = self.file(code, phone="0912345678", text="Cán bộ hẹn trả kết quả nhưng chưa có")
        self.assert_status(r, 201)
        self.assertEqual(r.body["status"], "open")
        cid = r.body["id"]
        # listed for the owning commune's staff, not for another commune's
        lst = self.desk.req("GET", "/api/v1/complaints?status=open")
        self.assert_status(lst, 200)
        self.assertIn(cid, [c["id"] for c in lst.body["items"]])
        self.assertEqual([c["dossier"] for c in lst.body["items"] if c["id"] == cid], [code])
        other = self.users["thuanan.desk"].req("GET", "/api/v1/complaints")
        self.assertNotIn(cid, [c["id"] for c in other.body["items"]])
        self.assert_problem(self.citizen.req("GET", "/api/v1/complaints"), 403)
        # the province above sees it; another province does not
        self.assertIn(cid, [c["id"] for c in self.users["lamdong.official"].req("GET", "/api/v1/complaints").body["items"]])
        self.assertNotIn(cid, [c["id"] for c in self.users["langson.official"].req("GET", "/api/v1/complaints").body["items"]])
        # the matrix: other commune 404, own unit's specialist/clerk 403, nothing changed
        before = self.table_counts()
        for who, status in (("thuanan.desk", 404), ("thuanan.leader", 404), ("locbinh.desk", 404),
                            ("langson.official", 404), ("lamdong.official", 403),
                            ("cujut.specialist", 403), ("cujut.clerk", 403)):
            with self.subTest(who=who):
                r = self.users[who].req("POST", "/api/v1/complaints/%s/answer" % cid, json={"answer": "Đã xử lý"})
                self.assert_problem(r, status)
        self.assert_problem(self.citizen.req("POST", "/api/v1/complaints/%s/answer" % cid, json={"answer": "x"}), 403)
        # bad input
        for body, code_, field in (({}, "MSG_MISSING_FIELD", "answer"), ({"answer": ""}, "MSG_FIELD_LENGTH", "answer"),
                                   ({"answer": "   "}, "MSG_LOOKUP_TEXT_EMPTY", "answer"),
                                   ({"answer": "x" * 2001}, "MSG_FIELD_LENGTH", "answer"),
                                   ({"answer": "ok", "extra": 1}, "MSG_UNKNOWN_FIELD", None)):
            with self.subTest(body=str(body)[:40]):
                self.assert_problem(self.lead.req("POST", "/api/v1/complaints/%s/answer" % cid, json=body), 400,
                                    code_, field)
        self.assertEqual(self.table_counts(), before)
        # the leader answers; the desk cannot answer again
        r = self.lead.req("PUT", "/api/v1/complaints/%s/answer" % cid, json={"answer": "Kết quả đã sẵn sàng"})
        self.assert_status(r, 200)
        self.assertEqual((r.body["status"], r.body["answer"], r.body["version"]), ("answered", "Kết quả đã sẵn sàng", 2))
        self.assert_problem(self.desk.req("POST", "/api/v1/complaints/%s/answer" % cid, json={"answer": "Lần hai"}),
                            409, "MSG_LOOKUP_ALREADY_ANSWERED")
        self.assertEqual(self.table_counts(), dict(before, events=before["events"] + 1))
        # visible in the public lookup, in the answered list, out of the open list
        b = self.lookup(code=code, phone="0912345678").body
        self.assertEqual([(c["id"], c["status"], c["answer"]) for c in b["complaints"]],
                         [(cid, "answered", "Kết quả đã sẵn sàng")])
        self.assertIn(cid, [c["id"] for c in self.desk.req("GET", "/api/v1/complaints?status=answered").body["items"]])
        self.assertNotIn(cid, [c["id"] for c in self.desk.req("GET", "/api/v1/complaints?status=open").body["items"]])
        # a desk officer answers another one
        cid2 = self.file(code, id4=DEMO_IDS[0][-4:], text="Phản ánh thứ hai").body["id"]
        self.assert_status(self.desk.req("POST", "/api/v1/complaints/%s/answer" % cid2, json={"answer": "Đã nhận"}),
                           200)

    def test_bad_complaints_change_nothing(self):
        code = self.new()["code"]
        before = self.table_counts()
        for body, status, code_ in (({"phone": "0912345678"}, 400, "MSG_MISSING_FIELD"),
                                    ({"phone": "0912345678", "text": ""}, 400, "MSG_FIELD_LENGTH"),
                                    ({"phone": "0912345678", "text": " \n "}, 400, "MSG_LOOKUP_TEXT_EMPTY"),
                                    ({"phone": "0912345678", "text": "x" * 2001}, 400, "MSG_FIELD_LENGTH"),
                                    ({"phone": "0912345678", "text": "ok", "name": "A"}, 400, "MSG_UNKNOWN_FIELD"),
                                    ({"phone": "0912345678", "text": 5}, 400, "MSG_WRONG_TYPE"),
                                    ({"text": "ok"}, 400, "MSG_LOOKUP_PROOF"),
                                    ({"phone": "0987654321", "text": "ok"}, 404, "MSG_LOOKUP_NOT_FOUND")):
            with self.subTest(body=str(body)[:50]):
                self.assert_problem(self.file(code, **body), status, code_)
        self.assertEqual(self.table_counts(), before)

    def test_list_is_paginated_and_status_checked(self):
        code = self.new()["code"]
        ids = [self.file(code, phone="0912345678", text="Phản ánh %d" % i).body["id"] for i in range(3)]
        seen, cursor = [], None
        while True:
            r = self.desk.req("GET", "/api/v1/complaints?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assert_status(r, 200)
            self.assertLessEqual(len(r.body["items"]), 2)
            seen += [c["id"] for c in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(set(ids) <= set(seen))
        self.assert_problem(self.desk.req("GET", "/api/v1/complaints?status=closed"), 400,
                            "MSG_LOOKUP_COMPLAINT_STATUS")

    def test_z_rebuild_gives_the_same_projections(self):
        code = self.delivered()
        self.assert_status(self.pub("POST", "/api/v1/public/dossiers/%s/rating" % code,
                                    json={"phone": "0912345678", "satisfied": True}), 201)
        cid = self.file(code, phone="0912345678", text="Cảm ơn").body["id"]
        self.assert_status(self.lead.req("POST", "/api/v1/complaints/%s/answer" % cid, json={"answer": "Cảm ơn"}), 200)
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


def staff_by_id(case):
    """The desk officer's account id (must never appear in the public view)."""
    from harness import staff_by_username
    return staff_by_username(case.admin, "cujut.desk")["id"]


if __name__ == "__main__":
    unittest.main()
