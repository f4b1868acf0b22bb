"""Reports: the figures of GET /api/v1/reports/* on a pinned clock, known dossier by dossier.

Seven dossiers received on Tuesday 2027-03-02 at Xã Cư Jút (desk, post, online) go through resolution, a supplement
request, a stop, a refusal and a withdrawal; the figures of March and of April (carried over, overdue at the period's
end), the views, the dimension filters, the Decision 766 rows, the overview ranking, the workload and the trend are
checked against what the test did, every figure equals the number of dossiers its drill-down list gives, and
`motcua report check` finds no difference. A second class moves the clock three weeks on (a second server on the
same database) so that a resolution is late and an open dossier overdue. Access rules and bad input:
test_reports_access.py; a random workload against an independent recount: test_reports_workload.py."""
import datetime
import os
import time
import urllib.parse

import csv
import re
import io

from harness import Client, Server, run_cli, staff_by_username
from test_dossiers import PINNED_NOW_MS, DossierBase
from test_exports import pdf_raw, read_xlsx

FIGURES = ["carried_over", "received_online", "received_desk", "received_post", "received", "to_handle",
           "resolved_early", "resolved_on_time", "resolved_late", "resolved", "in_progress_on_time",
           "in_progress_overdue", "in_progress", "supplement_requests", "refused", "withdrawn", "stopped", "delivered",
           "extended", "digitized", "rated", "satisfied", "complaints"]


class ReportMixin:

    def report(self, what, client=None, expect=200, **params):
        r = (client or self.lead).req("GET", "/api/v1/reports/%s?%s" % (what, urllib.parse.urlencode(params)))
        self.assertEqual(r.status, expect, "GET reports/%s %r: %r" % (what, params, r))
        return r.body

    def figures(self, **params):
        params.setdefault("unit", self.cujut["id"])
        return self.report("indicators", **params)["figures"]

    def drill(self, measure, **params):
        """Every code the figure's drill-down list gives (following next_cursor)."""
        params.setdefault("unit", self.cujut["id"])
        codes, cursor = [], None
        for _ in range(100):
            q = dict(params, measure=measure, limit=200)
            if cursor:
                q["cursor"] = cursor
            b = self.report("dossiers", **q)
            codes += [i["code"] for i in b["items"]]
            cursor = b["next_cursor"]
            if not cursor:
                return codes
        raise AssertionError("drill-down of %s does not end" % measure)

    def assert_drill_equals_figures(self, **params):
        f = self.figures(**params)
        for k in FIGURES:
            self.assertEqual(len(self.drill(k, **params)), f[k], "drill-down of %s %r" % (k, params))

    def assert_report_check(self):
        cp = run_cli("report", "check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn(" 0 differences", cp.stdout)


MARCH = {"from": "2027-03-01", "to": "2027-03-31"}
APRIL = {"from": "2027-04-01", "to": "2027-04-30"}


class ReportFiguresTests(ReportMixin, DossierBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls()
        cls.codes = {}
        # A: resolved at once (early) and delivered
        a = t.new()["code"]
        t.to_processing(a)
        t.act(cls.spec, a, "forward")
        cls.timing_a = t.act(cls.lead, a, "approve")["timing"]
        t.act(cls.spec, a, "attach_result", result="Giấy chứng nhận đã cấp")
        t.act(cls.desk, a, "deliver", received_by="Nguyễn Văn Đức", how="in_person")
        # B: waiting for a supplement (requested before its due: not overdue while it waits)
        b = t.new()["code"]
        t.to_processing(b)
        t.act(cls.spec, b, "request_supplement", reason="Thiếu bản sao", items=["Bản sao giấy khai sinh"])
        # C: stopped by the leader
        c = t.new()["code"]
        t.to_processing(c)
        t.act(cls.lead, c, "stop", reason="Có quyết định dừng giải quyết")
        # D: by post, left at the desk
        d = t.new(channel="post")["code"]
        # E: online, accepted; F: online, refused; G: online, withdrawn by the citizen
        e = t.create(cls.citizen, channel="online", unit=cls.cujut["id"]).body["code"]
        t.act(cls.desk, e, "accept")
        f = t.create(cls.citizen, channel="online", unit=cls.cujut["id"]).body["code"]
        t.act(cls.desk, f, "refuse", reason="Hồ sơ không thuộc thẩm quyền giải quyết của xã")
        g = t.create(cls.citizen, channel="online", unit=cls.cujut["id"]).body["code"]
        t.act(cls.citizen, g, "withdraw", reason="Tôi không còn nhu cầu")
        cls.codes = dict(A=a, B=b, C=c, D=d, E=e, F=f, G=g)
        cls.specialist_id = staff_by_username(cls.admin, "cujut.specialist")["id"]

    def test_march(self):
        f = self.figures(**MARCH)
        self.assertIn(self.timing_a, ("early", "on_time"))
        early = 1 if self.timing_a == "early" else 0
        want = dict.fromkeys(FIGURES, 0)
        want.update(received_desk=3, received_post=1, received_online=3, received=7, to_handle=7, resolved=1,
                    resolved_early=early, resolved_on_time=1 - early, in_progress=3, in_progress_on_time=1,
                    in_progress_overdue=2,
                    supplement_requests=1, refused=1, withdrawn=1, stopped=1, delivered=1)
        self.assertEqual(f, want)
        c = self.codes
        self.assertEqual(sorted(self.drill("received", **MARCH)), sorted(c.values()))
        self.assertEqual(sorted(self.drill("in_progress", **MARCH)), sorted([c["B"], c["D"], c["E"]]))
        # open at the period's end: D and E are past their due on 31 March, B waits for its supplement
        self.assertEqual(sorted(self.drill("in_progress_overdue", **MARCH)), sorted([c["D"], c["E"]]))
        self.assertEqual(self.drill("refused", **MARCH), [c["F"]])
        self.assertEqual(self.drill("withdrawn", **MARCH), [c["G"]])
        self.assertEqual(self.drill("stopped", **MARCH), [c["C"]])
        self.assertEqual(self.drill("delivered", **MARCH), [c["A"]])
        self.assertEqual(self.drill("supplement_requests", **MARCH), [c["B"]])
        self.assert_drill_equals_figures(**MARCH)

    def test_other_periods(self):
        self.assertEqual(set(self.figures(**{"from": "2027-02-01", "to": "2027-02-28"}).values()), {0})
        one_day = self.figures(**{"from": "2027-03-02", "to": "2027-03-02"})
        self.assertEqual((one_day["received"], one_day["carried_over"], one_day["in_progress_overdue"]), (7, 0, 0))
        self.assertEqual(self.figures(**{"from": "2027-03-03", "to": "2027-03-03"})["carried_over"], 3)
        # April: nothing received; the three open dossiers are carried over; D (5 working days) and E (3) are past
        # their due at the end of April, B waits for its supplement, requested before its due
        f = self.figures(**APRIL)
        self.assertEqual((f["carried_over"], f["received"], f["to_handle"], f["in_progress"]), (3, 0, 3, 3))
        self.assertEqual((f["in_progress_overdue"], f["in_progress_on_time"]), (2, 1))
        self.assertEqual(sorted(self.drill("in_progress_overdue", **APRIL)), sorted([self.codes["D"], self.codes["E"]]))
        self.assertEqual(self.figures(view="dates", **APRIL)["in_progress_overdue"], 2)
        self.assert_drill_equals_figures(**APRIL)
        # a range over both months: the flows of both, the stock at its end
        f = self.figures(**{"from": "2027-03-01", "to": "2027-04-30"})
        self.assertEqual((f["received"], f["in_progress_overdue"], f["resolved"]), (7, 2, 1))
        # the default period is this month of the (pinned) clock
        b = self.report("indicators", unit=self.cujut["id"])
        self.assertEqual((b["from"], b["to"], b["figures"]["received"]), ("2027-03-01", "2027-03-02", 7))

    def test_levels_and_filters(self):
        # the province and the national root count the commune's dossiers once
        for unit in (self.lamdong, None):
            params = dict(MARCH, unit=unit["id"]) if unit else dict(MARCH)
            client = self.admin
            b = self.report("indicators", client=client, **params)
            if unit:
                self.assertEqual(b["figures"]["received"], 7)
        nat = self.report("indicators", client=self.admin, **MARCH)
        self.assertEqual(nat["unit"]["kind"], "national")
        self.assertEqual(nat["figures"]["received"], 7)
        # another commune has none
        self.assertEqual(self.report("indicators", client=self.admin, unit=self.thuanan["id"], **MARCH)["figures"]["received"], 0)
        # dimensions: the procedure (A-D are 2.000806), the officer (A, B and C were assigned to the specialist)
        self.assertEqual(self.figures(procedure=self.proc["code"], **MARCH)["received"], 4)
        self.assertEqual(self.figures(procedure=self.online_proc["code"], **MARCH)["received"], 3)
        f = self.figures(officer=self.specialist_id, **MARCH)
        self.assertEqual((f["received"], f["resolved"], f["stopped"], f["in_progress"]), (3, 1, 1, 1))
        self.assert_drill_equals_figures(officer=self.specialist_id, **MARCH)
        # the specialist sees their own figures, not the commune's
        own = self.report("indicators", client=self.spec, unit=self.cujut["id"], officer=self.specialist_id, **MARCH)
        self.assertEqual(own["figures"], f)
        self.report("indicators", client=self.spec, expect=403, unit=self.cujut["id"], **MARCH)
        field = self.report("dossiers", unit=self.cujut["id"], measure="received", **MARCH)["items"][0]
        self.assertIn("procedure", field)

    def test_shares_and_index(self):
        b = self.report("indicators", unit=self.cujut["id"], **APRIL)
        shares = {s["key"]: s for s in b["shares"]}
        self.assertEqual((shares["on_time"]["numerator"], shares["on_time"]["denominator"]), (1, 3))
        self.assertFalse(shares["online_payment"]["measured"])
        rows = {r["key"]: r for r in b["index"]["rows"]}
        r21 = rows["2.1"]
        self.assertEqual((r21["numerator"], r21["denominator"], r21["max"]), (1, 3, 20))
        self.assertAlmostEqual(r21["score"], 20 / 3, places=2)
        self.assertFalse(rows["1.1-1.3"]["applies"])     # the province publishes procedures, not the commune
        self.assertIsNone(rows["1.4"]["score"])          # no portal sync yet: not measured
        march = self.report("indicators", unit=self.cujut["id"], **MARCH)
        rows = {r["key"]: r for r in march["index"]["rows"]}
        self.assertEqual((rows["3.1"]["numerator"], rows["3.1"]["denominator"]), (3, 7))
        # 3/7 online is below the 80% threshold: 12 x (3/7) / 0.8
        self.assertAlmostEqual(rows["3.1"]["score"], 12 * (3 / 7) / 0.8, places=2)
        # D and E are overdue at the end of March: 5 of 7 on time, below the 100% threshold
        self.assertEqual((rows["2.1"]["numerator"], rows["2.1"]["denominator"]), (5, 7))
        self.assertAlmostEqual(rows["2.1"]["score"], 20 * 5 / 7, places=2)
        total = sum(r["score"] for r in march["index"]["rows"] if r["score"] is not None)
        self.assertAlmostEqual(march["index"]["score"], total, places=1)
        groups = {g["key"]: g for g in march["index"]["groups"]}
        self.assertEqual(sum(g["max"] for g in groups.values()), 100)
        self.assertAlmostEqual(groups["progress"]["score"], 20 * 5 / 7, places=2)

    def test_overview_workload_trend(self):
        ov = self.report("overview", client=self.admin, unit=self.lamdong["id"], **MARCH)
        names = [i["unit"]["name"] for i in ov["items"]]
        self.assertEqual(ov["items"][0]["unit"]["id"], self.cujut["id"])      # the only one with dossiers ranks first
        self.assertEqual([i["rank"] for i in ov["items"]], list(range(1, len(names) + 1)))
        self.assertEqual(ov["items"][0]["figures"], self.figures(**MARCH))
        self.assertIn(self.thuanan["id"], [i["unit"]["id"] for i in ov["items"]])
        wl = self.report("workload", unit=self.cujut["id"])
        mine = [i for i in wl["items"] if i["officer"]["username"] == "cujut.specialist"]
        self.assertEqual(len(mine), 1)
        self.assertEqual((mine[0]["open"], mine[0]["overdue"]), (1, 0))    # B, waiting for its supplement
        self.assertEqual(sum(x["open"] for x in mine[0]["fields"]), 1)
        tr = self.report("trend", unit=self.cujut["id"], **{"from": "2027-01", "to": "2027-04"})
        self.assertEqual([m["month"] for m in tr["months"]], ["2027-01", "2027-02", "2027-03", "2027-04"])
        self.assertEqual(tr["months"][2]["figures"], self.figures(**MARCH))
        self.assertEqual(tr["months"][3]["figures"], self.figures(**APRIL))
        self.assertIsNone(tr["months"][0]["on_time_ratio"])

    def download(self, what, fmt, lang=None, **params):
        q = dict(params, format=fmt)
        client = self.admin if what == "overview" else self.lead
        headers = {"Accept-Language": lang} if lang else None
        r = client.req("GET", "/api/v1/reports/%s?%s" % (what, urllib.parse.urlencode(q)), headers=headers)
        self.assertEqual(r.status, 200, r)
        self.assertIn("attachment;", r.headers.get("Content-Disposition", ""))
        return r

    def test_exports_have_the_same_numbers(self):
        f = self.figures(**MARCH)
        # indicators as CSV: the figures' section, labelled, then shares and the index rows
        r = self.download("indicators", "csv", unit=self.cujut["id"], **MARCH)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
        cells = {row[0]: row[1] for row in rows if len(row) >= 2}
        self.assertEqual(cells["Tổng số mới tiếp nhận"], str(f["received"]))
        self.assertEqual(cells["Đang giải quyết quá hạn"], str(f["in_progress_overdue"]))
        self.assertEqual(cells["Kỳ trước chuyển sang"], "0")
        self.assertTrue(any(row and row[0] == "2.1" for row in rows), rows)
        # XLSX, read with openpyxl: three sheets, numbers as numbers
        r = self.download("indicators", "xlsx", unit=self.cujut["id"], **MARCH)
        wb = read_xlsx(r.raw)
        self.assertEqual(len(wb["sheets"]), 3)
        vals = {}
        for row in wb["sheets"][0]["rows"]:
            if len(row) >= 2 and isinstance(row[0]["v"], str):
                vals[row[0]["v"]] = row[1]["v"]
        self.assertEqual(vals["Tổng số mới tiếp nhận"], f["received"])
        self.assertEqual(vals["Tổng số đã giải quyết"], f["resolved"])
        self.assertEqual(vals["Đã trả kết quả"], f["delivered"])
        # PDF (the quarterly report is this one over a quarter), in English on request
        q1 = {"from": "2027-01-01", "to": "2027-03-31"}
        r = self.download("indicators", "pdf", lang="en", unit=self.cujut["id"], **q1)
        text = pdf_raw(r.raw)
        self.assertIn("Xã Cư Jút", text)
        self.assertIn("Received", text)
        self.assertIn("Decision 766/QĐ-TTg index", text)
        # the overview, the workload and the trend in each format
        ov = self.report("overview", client=self.admin, unit=self.lamdong["id"], **MARCH)
        wb = read_xlsx(self.download("overview", "xlsx", unit=self.lamdong["id"], **MARCH).raw)
        body = wb["sheets"][0]["rows"]
        names = [row[1]["v"] for row in body if len(row) > 2 and isinstance(row[0]["v"], int)]
        self.assertEqual(names, [i["unit"]["name"] for i in ov["items"]])
        first = [row for row in body if len(row) > 2 and row[0]["v"] == 1][0]
        self.assertEqual(first[2]["v"], ov["items"][0]["figures"]["received"])
        wl = self.download("workload", "csv", unit=self.cujut["id"])
        self.assertIn("Lĩnh vực", wl.raw.decode("utf-8-sig"))
        tr = read_xlsx(self.download("trend", "xlsx", unit=self.cujut["id"], **{"from": "2027-01", "to": "2027-04"}).raw)
        months = [row for row in tr["sheets"][0]["rows"] if row and re.fullmatch(r"\d\d/2027", str(row[0]["v"]))]
        self.assertEqual([m[0]["v"] for m in months], ["01/2027", "02/2027", "03/2027", "04/2027"])
        self.assertEqual(months[2][1]["v"], f["received"])
        self.assertIn(b"%PDF", self.download("trend", "pdf", unit=self.cujut["id"]).raw[:8])
        # a bad format is a 400 problem
        r = self.lead.req("GET", "/api/v1/reports/indicators?format=doc&unit=" + self.cujut["id"])
        self.assert_problem(r, 400)

    def test_z_check_and_rebuild(self):
        self.assert_report_check()
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assert_report_check()
        cp = run_cli("report", "rebuild", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assert_report_check()
        self.assertEqual(self.figures(**MARCH)["received"], 7)


class ReportLateTests(ReportMixin, DossierBase):
    """Three weeks later (a second server on the same database, its clock 2027-03-23): X is resolved late, Y is
    still open and overdue at the end of March."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls()
        cls.x = t.new()["code"]
        cls.y = t.new()["code"]
        t.to_processing(cls.x)
        problems = cls.server.stop()
        assert not problems, problems
        later = PINNED_NOW_MS + 21 * 86400000
        os.environ["MOTCUA_CLOCK_OFFSET_MS"] = str(later - int(time.time() * 1000))
        try:
            cls.server = Server(db=cls.db, label=cls.__name__ + "-later")
            cls.server.start()
        finally:
            os.environ.pop("MOTCUA_CLOCK_OFFSET_MS", None)
        for u in ("cujut.desk", "cujut.specialist", "cujut.leader"):
            c = Client(cls.server)
            c.login(u)
            cls.users[u] = c
        cls.desk, cls.spec, cls.lead = cls.users["cujut.desk"], cls.users["cujut.specialist"], cls.users["cujut.leader"]
        t.act(cls.spec, cls.x, "forward")
        cls.timing_x = t.act(cls.lead, cls.x, "approve")["timing"]

    def test_late(self):
        self.assertEqual(self.timing_x, "late")
        f = self.figures(**MARCH)
        self.assertEqual((f["received"], f["resolved"], f["resolved_late"], f["in_progress_overdue"]), (2, 1, 1, 1))
        self.assertEqual(self.drill("resolved_late", **MARCH), [self.x])
        self.assertEqual(self.drill("in_progress_overdue", **MARCH), [self.y])
        # on the 5th Y was not due yet (5 working days from the 2nd): in progress on time then
        f5 = self.figures(**{"from": "2027-03-01", "to": "2027-03-05"})
        self.assertEqual((f5["in_progress"], f5["in_progress_overdue"]), (2, 0))
        rows = {r["key"]: r for r in self.report("indicators", unit=self.cujut["id"], **MARCH)["index"]["rows"]}
        self.assertEqual((rows["2.1"]["numerator"], rows["2.1"]["denominator"], rows["2.1"]["score"]), (0, 2, 0))
        self.assert_drill_equals_figures(**MARCH)
        self.assert_drill_equals_figures(view="dates", **MARCH)
        wl = self.report("workload", unit=self.cujut["id"])
        self.assertEqual(sum(i["overdue"] for i in wl["items"]), 0)    # Y has no assignee; X is resolved
        self.assert_report_check()


if __name__ == "__main__":
    import unittest
    unittest.main()
