"""The citizen's side of papers (issue 9 items 3 and 6): resubmission with papers from the citizen's own account,
and the citizen's data store (GET /api/v1/me/papers) holding their uploads AND the result documents of their past
dossiers (attach_result's result_paper), reusable by id in a later dossier's papers at submission and in resubmit.

Every refusal is a problem+json that changes nothing (row counts, status, version): another citizen and an officer
of another commune 404, a role that may not resubmit 403, the wrong state 409, a stale version 412, someone else's
paper id 404 (MSG_DF_UPLOAD_UNKNOWN). The clock resumes on the citizen's resubmission exactly as on the desk's.
`motcua rebuild --check` ends each class."""
import datetime
import unittest
import urllib.parse

from harness import run_cli
from test_dossiers import DossierBase
from test_dossier_forms import PDF, new_citizen


def iso_ms(s):
    return int(datetime.datetime.fromisoformat(s).timestamp() * 1000)


class CitizenPapersBase(DossierBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger = new_citizen(cls.server)

    def upload(self, client, name, data=PDF):
        r = client.req("POST", "/api/v1/papers?" + urllib.parse.urlencode({"name": name}), raw_body=data,
                       content_type="application/pdf")
        self.assert_status(r, 201)
        return r.body["id"]

    def online(self, client=None, papers=None):
        """An online dossier of the citizen (client) at Cư Jút, accepted by the desk."""
        body = self.body(channel="online", unit=self.cujut["id"])
        if papers is not None:
            body["papers"] = papers
        r = (client or self.citizen).req("POST", "/api/v1/dossiers", json=body)
        self.assert_status(r, 201)
        code = r.body["code"]
        self.act(self.desk, code, "accept")
        return code

    def waiting(self, client=None):
        code = self.online(client)
        self.act(self.desk, code, "request_supplement", reason="Thiếu đơn đề nghị có chữ ký",
                 items=["Đơn đề nghị (bản có chữ ký)"])
        return code

    def my_papers(self, client, **params):
        r = client.req("GET", "/api/v1/me/papers?" + urllib.parse.urlencode(params))
        self.assert_status(r, 200)
        return r.body["items"]


class CitizenResubmitTests(CitizenPapersBase):

    def test_citizen_resubmits_with_papers(self):
        code = self.waiting()
        d = self.get(code, self.citizen)
        self.assertEqual(d["status"], 5)
        self.assertEqual(d["allowed_actions"], ["resubmit", "withdraw"])
        self.assertIn("Thiếu đơn đề nghị có chữ ký", d["reason"])
        self.assertIn("Đơn đề nghị (bản có chữ ký)", d["reason"])
        item = d["papers"][0]["paper"]
        mine = self.upload(self.citizen, "Đơn đề nghị đã ký.pdf")
        theirs = self.upload(self.stranger, "Đơn của người khác.pdf")
        desk_only = self.upload(self.desk, "Bản quét của xã.pdf")            # a Cư Jút upload, on no dossier
        other_unit = self.upload(self.users["thuanan.desk"], "Giấy tờ xã khác.pdf")
        before = self.counts()
        v = d["version"]
        good = [{"paper": item, "upload": mine}]
        refusals = (
            ("another citizen", self.stranger, good, v, 404, "MSG_NOT_FOUND", None),
            ("an officer of another commune", self.users["thuanan.desk"], good, v, 404, "MSG_NOT_FOUND", None),
            ("another province's official", self.users["langson.official"], good, v, 404, "MSG_NOT_FOUND", None),
            ("the unit's specialist", self.spec, good, v, 403, "MSG_FORBIDDEN", None),
            ("the unit's leader", self.lead, good, v, 403, "MSG_FORBIDDEN", None),
            ("the province's official", self.users["lamdong.official"], good, v, 403, "MSG_FORBIDDEN", None),
            ("a stale version", self.citizen, good, v - 1, 412, "MSG_VERSION_MISMATCH", None),
            ("another citizen's paper", self.citizen, [{"paper": item, "upload": theirs}], v, 404,
             "MSG_DF_UPLOAD_UNKNOWN", "papers"),
            ("the desk's paper on no dossier", self.citizen, [{"paper": item, "upload": desk_only}], v, 404,
             "MSG_DF_UPLOAD_UNKNOWN", "papers"),
            ("another commune's paper", self.citizen, [{"paper": item, "upload": other_unit}], v, 404,
             "MSG_DF_UPLOAD_UNKNOWN", "papers"),
            ("an unknown paper id", self.citizen, [{"paper": item, "upload": "0" * 26}], v, 404,
             "MSG_DF_UPLOAD_UNKNOWN", "papers"),
            ("an item not in the checklist", self.citizen, [{"paper": "khong-co", "upload": mine}], v, 400,
             "MSG_DOSSIER_PAPER_UNKNOWN", "papers"),
            ("an unknown field", self.citizen, [{"paper": item, "upload": mine, "x": 1}], v, 400,
             "MSG_UNKNOWN_FIELD", "papers"),
        )
        for name, who, papers, version, status, msg, field in refusals:
            with self.subTest(name):
                r = self.act(who, code, "resubmit", version=version, expect=None, papers=papers)
                self.assert_problem(r, status, msg, field)
        self.assert_unchanged(before)
        d = self.get(code, self.citizen)
        self.assertEqual((d["status"], d["version"]), (5, v))
        # The stranger's paper stays hidden from the dossier's officers; the citizen's is not yet theirs to see.
        self.assert_problem(self.desk.req("GET", "/api/v1/papers/" + theirs), 404, "MSG_NOT_FOUND")
        self.assert_problem(self.desk.req("GET", "/api/v1/papers/" + mine), 404, "MSG_NOT_FOUND")
        d = self.act(self.citizen, code, "resubmit", version=v, papers=good)
        self.assertEqual((d["status"], d["version"]), (2, v + 1))
        self.assertEqual({p["paper"]: p["upload"] for p in d["papers"]}[item], mine)
        self.assertEqual(d["steps"][-1]["action"], "resubmit")
        self.assertEqual(d["steps"][-1]["status_before"], 5)
        self.assert_delta(before, events=1)
        # Now the dossier's officers see the paper, another commune does not.
        r = self.desk.req("GET", "/api/v1/papers/" + mine)
        self.assert_status(r, 200)
        self.assertEqual(r.raw, PDF)
        self.assert_problem(self.users["thuanan.desk"].req("GET", "/api/v1/papers/" + mine), 404, "MSG_NOT_FOUND")
        # Once resumed, resubmit is the wrong state: 409 naming it; nothing changed.
        before = self.counts()
        self.assertNotIn("resubmit", d["allowed_actions"])
        r = self.act(self.citizen, code, "resubmit", version=v + 1, expect=None, papers=good)
        b = self.assert_problem(r, 409, "MSG_DOSSIER_WRONG_STATE")
        self.assertIn("Đã tiếp nhận", b["messages"]["vi"])
        self.assert_unchanged(before)

    def test_wrong_state_before_any_supplement(self):
        code = self.online()
        mine = self.upload(self.citizen, "Giấy tờ sớm.pdf")
        before = self.counts()
        d = self.get(code, self.citizen)
        self.assertNotIn("resubmit", d["allowed_actions"])
        r = self.act(self.citizen, code, "resubmit", version=d["version"], expect=None,
                     papers=[{"paper": d["papers"][0]["paper"], "upload": mine}])
        self.assert_problem(r, 409, "MSG_DOSSIER_WRONG_STATE")
        self.assert_unchanged(before)
        self.assertEqual(self.get(code)["version"], d["version"])

    def test_the_clock_resumes_as_on_the_desk_path(self):
        """Two dossiers paused together and resumed together, one by the desk, one by the citizen: the same due
        instants move by the same working time (within the minute the two requests may straddle)."""
        a, b = self.waiting(), self.waiting()
        before = {c: self.get(c) for c in (a, b)}
        self.assertIsNotNone(before[a]["due_at"])
        da = self.act(self.desk, a, "resubmit")
        db = self.act(self.citizen, b, "resubmit")
        for key in ("due_at", "original_due_at"):
            shift_a = iso_ms(da[key]) - iso_ms(before[a][key])
            shift_b = iso_ms(db[key]) - iso_ms(before[b][key])
            self.assertGreaterEqual(shift_a, 0)
            self.assertLessEqual(abs(shift_a - shift_b), 60_000, key)
        self.assertEqual((da["status"], db["status"]), (2, 2))
        self.assertEqual(da["step_due_at"] is None, db["step_due_at"] is None)

    def test_z_rebuild_identical(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class DataStoreTests(CitizenPapersBase):

    def resolved(self, code):
        """The accepted dossier walked to 'resolved' (status 9)."""
        self.to_processing(code)
        self.act(self.spec, code, "forward")
        return self.act(self.lead, code, "approve")

    def test_results_join_the_data_store_and_are_reusable(self):
        filed = self.upload(self.citizen, "Tờ khai đã ký.pdf")
        papers = self.body(channel="online")["papers"]
        papers[0]["upload"] = filed
        code = self.online(papers=papers)
        self.assertEqual(self.resolved(code)["status"], 9)
        result = self.upload(self.spec, "Giấy khai sinh bản điện tử.pdf")
        other_unit = self.upload(self.users["thuanan.desk"], "Kết quả xã khác.pdf")
        # The citizen's own paper, which the specialist sees through the dossier, is not an agency's result.
        self.assert_status(self.spec.req("GET", "/api/v1/papers/" + filed), 200)
        before = self.counts()
        v = self.get(code)["version"]
        for who, rp, status, msg in ((self.spec, other_unit, 404, "MSG_DF_UPLOAD_UNKNOWN"),
                                     (self.spec, "0" * 26, 404, "MSG_DF_UPLOAD_UNKNOWN"),
                                     (self.spec, filed, 422, "MSG_DF_RESULT_NOT_AGENCY"),
                                     (self.spec, "short", 400, None),
                                     (self.spec, 7, 400, "MSG_WRONG_TYPE"),
                                     (self.users["thuanan.desk"], result, 404, "MSG_NOT_FOUND"),
                                     (self.citizen, result, 403, "MSG_FORBIDDEN")):
            with self.subTest(who=who, rp=rp):
                r = self.act(who, code, "attach_result", version=v, expect=None, result="Giấy khai sinh số 7",
                             result_paper=rp)
                self.assert_problem(r, status, msg, "result_paper" if msg and msg.startswith("MSG_DF") else None)
        self.assert_unchanged(before)
        self.assertIsNone(self.get(code)["result_paper"])
        d = self.act(self.spec, code, "attach_result", version=v, result="Giấy khai sinh số 7", result_paper=result)
        self.assertEqual((d["result"], d["result_paper"]), ("Giấy khai sinh số 7", result))
        self.assert_delta(before, events=1)
        d = self.act(self.desk, code, "deliver", received_by="Nguyễn Văn Đức", how="online")
        self.assertEqual((d["status"], d["result_paper"]), (10, result))
        # The citizen's data store: their own upload and the result, newest first, both reusable.
        own = self.upload(self.citizen, "Sổ hộ khẩu.pdf")
        items = {p["id"]: p for p in self.my_papers(self.citizen)}
        self.assertEqual((items[result]["source"], items[result]["dossier"], items[result]["reusable"]),
                         ("result", code, True))
        self.assertEqual((items[own]["source"], items[own]["dossier"]), ("upload", None))
        self.assertEqual([p["id"] for p in self.my_papers(self.citizen, q="giay khai sinh")], [result])
        page = self.my_papers(self.citizen, limit=1)
        self.assertEqual([p["id"] for p in page], [own])
        # Served to the applicant and the dossier's officers; not to another citizen or another commune.
        r = self.citizen.req("GET", "/api/v1/papers/" + result)
        self.assert_status(r, 200)
        self.assertEqual(r.raw, PDF)
        self.assertNotIn(result, [p["id"] for p in self.my_papers(self.stranger)])
        self.assertEqual({p["id"]: p["source"] for p in self.my_papers(self.spec)}[result], "upload")   # its uploader
        for who in (self.desk, self.lead, self.users["lamdong.official"]):      # the unit, its province
            self.assert_status(who.req("GET", "/api/v1/papers/" + result), 200)
        for who in (self.stranger, self.users["thuanan.desk"], self.users["thuanan.leader"],
                    self.users["langson.official"]):                           # another citizen, commune, province
            self.assert_problem(who.req("GET", "/api/v1/papers/" + result), 404, "MSG_NOT_FOUND")
        # Another citizen cannot use it at submission: 404, nothing created.
        before = self.counts()
        body = self.body(channel="online", unit=self.cujut["id"])
        item = body["papers"][0]["paper"]
        body["papers"][0]["upload"] = result
        r = self.stranger.req("POST", "/api/v1/dossiers", json=body)
        self.assert_problem(r, 404, "MSG_DF_UPLOAD_UNKNOWN", "papers")
        self.assert_unchanged(before)
        # Its owner reuses it by id, without uploading again: one event, no new paper.
        r = self.citizen.req("POST", "/api/v1/dossiers", json=body)
        self.assert_status(r, 201)
        later = r.body["code"]
        self.assertEqual({p["paper"]: p["upload"] for p in self.get(later, self.citizen)["papers"]}[item], result)
        after = self.counts()
        self.assertEqual(after.get("papers", 0), before.get("papers", 0))
        # ... and in a resubmission of a third dossier.
        third = self.waiting()
        d = self.act(self.citizen, third, "resubmit", papers=[{"paper": item, "upload": result}])
        self.assertEqual({p["paper"]: p["upload"] for p in d["papers"]}[item], result)
        # The stranger cannot, in their own resubmission either.
        theirs = self.waiting(self.stranger)
        before = self.counts()
        r = self.act(self.stranger, theirs, "resubmit", expect=None, papers=[{"paper": item, "upload": result}])
        self.assert_problem(r, 404, "MSG_DF_UPLOAD_UNKNOWN", "papers")
        self.assert_unchanged(before)

    def test_staff_list_only_their_uploads(self):
        up = self.upload(self.desk, "Bản quét tại quầy.pdf")
        items = self.my_papers(self.desk)
        self.assertIn(up, [p["id"] for p in items])
        self.assertTrue(all(p["source"] == "upload" for p in items))

    def test_z_rebuild_identical(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


if __name__ == "__main__":
    unittest.main()
