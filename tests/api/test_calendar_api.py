"""The legal clock over HTTP: public conversions and deadlines (no sign-in), and the admin editing of holiday entries
and working time. Checks exact answers against the published 2026 decision and the worked examples of
docs/legal-clock.md, that every bad parameter is a 400 problem naming it, that scope and role rules give 404 / 403,
that updates need If-Match (428 / 412), and that a refused request changes nothing in the store."""
import unittest
import urllib.parse

from harness import ApiTestCase, Client, run_cli, unit_by_slug, unique

CAL = "/api/v1/calendar"


def q(path, **params):
    return path + "?" + urllib.parse.urlencode(params)


class CalendarPublicTests(ApiTestCase):

    def setUp(self):
        self.anon = Client(self.server)

    def get(self, path, **params):
        return self.anon.req("GET", q(CAL + path, **params))

    def test_lunar(self):
        r = self.get("/lunar", date="2023-03-22")
        self.assert_status(r, 200)
        self.assertEqual(r.body, {"solar": "2023-03-22", "lunar": "2023-02L-01", "year": 2023, "month": 2,
                                  "day": 1, "leap": True})
        r = self.get("/lunar", date="1968-01-29")   # Vietnamese Tết, a day before the Chinese one
        self.assertEqual((r.body["lunar"], r.body["leap"]), ("1968-01-01", False))

    def test_lunar_invalid(self):
        for bad in ("2026-02-30", "2026-2-17", "26-02-17", "2026-02-17T00:00", "", "２０２６-02-17"):
            with self.subTest(date=bad):
                self.assert_problem(self.get("/lunar", date=bad), 400, "MSG_PARAM_INVALID", "date")
        self.assert_problem(self.anon.req("GET", CAL + "/lunar"), 400, "MSG_PARAM_INVALID", "date")
        for bad in ("1899-12-31", "2200-01-01"):
            with self.subTest(date=bad):
                self.assert_problem(self.get("/lunar", date=bad), 400, "MSG_CAL_RANGE", "date")

    def test_solar(self):
        self.assertEqual(self.get("/solar", date="2025-06-01", leap="true").body["solar"], "2025-07-25")
        self.assertEqual(self.get("/solar", date="2025-06-01", leap="false").body["solar"], "2025-06-25")
        self.assertEqual(self.get("/solar", date="2025-06L-01").body["solar"], "2025-07-25")
        self.assertEqual(self.get("/solar", date="2026-03-10").body["solar"], "2026-04-26")

    def test_solar_invalid(self):
        self.assert_problem(self.get("/solar", date="2024-02-01", leap="true"), 400, "MSG_CAL_LUNAR_MISSING", "date")
        self.assert_problem(self.get("/solar", date="2026-01-31"), 400, "MSG_CAL_LUNAR_MISSING", "date")
        self.assert_problem(self.get("/solar", date="2026-03-10", leap="yes"), 400, "MSG_PARAM_INVALID", "leap")
        self.assert_problem(self.get("/solar", date="2025-06L-01", leap="false"), 400, "MSG_PARAM_INVALID", "leap")
        self.assert_problem(self.get("/solar", date="2026/03/10"), 400, "MSG_PARAM_INVALID", "date")

    def test_holidays_2026(self):
        r = self.get("/holidays", year="2026")
        self.assert_status(r, 200)
        days = [(d["date"], d["kind"]) for d in r.body["days"]]
        self.assertEqual(days, [
            ("2026-01-01", "day_off"), ("2026-01-02", "day_off"), ("2026-01-10", "working_day"),
            ("2026-02-16", "day_off"), ("2026-02-17", "day_off"), ("2026-02-18", "day_off"),
            ("2026-02-19", "day_off"), ("2026-02-20", "day_off"), ("2026-04-27", "day_off"),
            ("2026-04-30", "day_off"), ("2026-05-01", "day_off"), ("2026-08-22", "working_day"),
            ("2026-08-31", "day_off"), ("2026-09-01", "day_off"), ("2026-09-02", "day_off")])
        tet = r.body["days"][3]
        self.assertEqual((tet["name_vi"], tet["name_en"]), ("Tết Nguyên đán", "Lunar New Year (Tết)"))
        self.assertIn("9441/TB-BNV", tet["source"])

    def test_holidays_invalid(self):
        for bad in ("20x6", "026", "20266", ""):
            with self.subTest(year=bad):
                self.assert_problem(self.get("/holidays", year=bad), 400, "MSG_PARAM_INVALID", "year")
        self.assert_problem(self.get("/holidays", year="2200"), 400, "MSG_CAL_RANGE", "year")
        self.assert_problem(self.get("/holidays", year="2026", province="nope"), 400, "MSG_PARAM_INVALID",
                            "province")
        self.assert_problem(self.get("/holidays", year="2026", province="01ZZZZZZZZZZZZZZZZZZZZZZZZ"), 404,
                            "MSG_UNIT_UNKNOWN", "province")

    def test_province_that_is_not_one_is_answered_as_unknown(self):
        # Issue 8 item 8: a public endpoint must not tell an existing commune/department id from an unknown one.
        admin = self.client("admin")
        commune = unit_by_slug(admin, "cujut")["id"]
        unknown = "01ZZZZZZZZZZZZZZZZZZZZZZZZ"
        for path, params in (("/holidays", {"year": "2026"}),
                             ("/workdays", {"from": "2026-01-01", "to": "2026-01-31"})):
            with self.subTest(path=path):
                a = self.get(path, province=commune, **params)
                b = self.get(path, province=unknown, **params)
                self.assert_problem(a, 404, "MSG_UNIT_UNKNOWN", "province")
                self.assert_problem(b, 404, "MSG_UNIT_UNKNOWN", "province")
                self.assertEqual(a.raw.replace(commune.encode(), b"ID"), b.raw.replace(unknown.encode(), b"ID"))

    def test_due(self):
        cases = [
            ("2026-02-13T14:59", "days", "1", "2026-02-23T14:59"),
            ("2026-02-13T15:01", "days", "1", "2026-02-23T17:30"),
            ("2026-03-02T07:30", "hours", "4", "2026-03-02T11:30"),
            ("2026-08-21T16:00", "days", "1", "2026-08-22T17:30"),
            ("2026-03-02T08:00", "days", "0.25", "2026-03-02T10:00"),
            ("2026-04-28T09:00", "days", "5", "2026-05-07T09:00"),
        ]
        for frm, rule, amount, due in cases:
            with self.subTest(frm=frm, rule=rule, amount=amount):
                r = self.get("/due", **{"from": frm, "rule": rule, "amount": amount})
                self.assert_status(r, 200)
                self.assertEqual(r.body["due"], due)
                self.assertEqual((r.body["rule"], r.body["from"]), (rule, frm))
                self.assertEqual(r.body["amount"], float(amount))
        r = self.get("/due", **{"from": "2026-03-02T15:01", "rule": "same_day"})
        self.assertEqual(r.body["due"], "2026-03-03T17:30")

    def test_due_invalid(self):
        ok = {"from": "2026-03-02T08:00", "rule": "days", "amount": "1"}
        for name, bad, code in [("from", "2026-03-02", "MSG_PARAM_INVALID"), ("from", "2026-02-30T08:00",
                                "MSG_PARAM_INVALID"), ("from", "2200-01-01T08:00", "MSG_CAL_RANGE"),
                                ("rule", "weeks", "MSG_PARAM_INVALID"), ("amount", "0", "MSG_PARAM_INVALID"),
                                ("amount", "-1", "MSG_PARAM_INVALID"), ("amount", "1e3", "MSG_PARAM_INVALID"),
                                ("amount", "nan", "MSG_PARAM_INVALID"), ("amount", "1.", "MSG_PARAM_INVALID"),
                                ("amount", "99999999999", "MSG_PARAM_INVALID"), ("unit", "x", "MSG_PARAM_INVALID")]:
            with self.subTest(name=name, bad=bad):
                params = dict(ok)
                params[name] = bad
                self.assert_problem(self.get("/due", **params), 400, code, name)
        for missing in ("from", "rule", "amount"):
            with self.subTest(missing=missing):
                params = {k: v for k, v in ok.items() if k != missing}
                self.assert_problem(self.get("/due", **params), 400, "MSG_PARAM_INVALID", missing)
        self.assert_problem(self.get("/due", **{"from": "2199-12-31T08:00", "rule": "days", "amount": "100"}),
                            400, "MSG_CAL_RANGE", "amount")
        self.assert_problem(self.get("/due", unit="01ZZZZZZZZZZZZZZZZZZZZZZZZ", **ok), 404, "MSG_UNIT_UNKNOWN",
                            "unit")

    def test_workdays(self):
        self.assertEqual(self.get("/workdays", **{"from": "2026-01-01", "to": "2026-12-31"}).body, {"workdays": 250})
        self.assertEqual(self.get("/workdays", **{"from": "2026-02-14", "to": "2026-02-22"}).body["workdays"], 0)
        self.assertEqual(self.get("/workdays", **{"from": "2026-08-22", "to": "2026-08-22"}).body["workdays"], 1)
        self.assert_problem(self.get("/workdays", **{"from": "2026-02-01", "to": "2026-01-01"}), 400,
                            "MSG_PARAM_INVALID", "to")
        self.assert_problem(self.get("/workdays", **{"from": "2026-02-01"}), 400, "MSG_PARAM_INVALID", "to")
        self.assert_problem(self.get("/workdays", **{"from": "2026-13-01", "to": "2026-12-31"}), 400,
                            "MSG_PARAM_INVALID", "from")

    def test_english_messages(self):
        r = Client(self.server, lang="en").req("GET", q(CAL + "/lunar", date="2300-01-01"))
        b = self.assert_problem(r, 400, "MSG_CAL_RANGE", "date")
        self.assertIn("outside the supported range", b["detail"])


class CalendarAdminTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = Client(cls.server)
        admin.login("admin")
        cls.lamdong = unit_by_slug(admin, "lamdong")
        cls.langson = unit_by_slug(admin, "langson")
        cls.cujut = unit_by_slug(admin, "cujut")
        cls.thuanan = unit_by_slug(admin, "thuanan")
        cls.prov_admin_name = unique("lamdong.admin")
        r = admin.req("POST", "/api/v1/staff", json={
            "username": cls.prov_admin_name, "full_name": "Quản trị Lâm Đồng", "password": "demo1234",
            "unit_id": cls.lamdong["id"], "roles": [{"role": "admin", "unit_id": cls.lamdong["id"]}]})
        assert r.status == 201, r

    def setUp(self):
        self.admin = self.client("admin")
        self.anon = Client(self.server)

    def prov_admin(self):
        return self.client(self.prov_admin_name, password="demo1234")

    def entry_path(self, date, scope=None):
        p = CAL + "/entries/" + date
        return q(p, scope=scope) if scope else p

    def entries(self, year, scope=None):
        params = {"year": year}
        if scope:
            params["scope"] = scope
        r = self.admin.req("GET", q(CAL + "/entries", **params))
        self.assert_status(r, 200)
        return r.body["items"]

    def workdays(self, frm, to, province=None):
        params = {"from": frm, "to": to}
        if province:
            params["province"] = province
        r = self.anon.req("GET", q(CAL + "/workdays", **params))
        self.assert_status(r, 200)
        return r.body["workdays"]

    def test_province_entry_lifecycle(self):
        pa = self.prov_admin()
        lam = self.lamdong["id"]
        before = self.counts()
        self.assertEqual(self.workdays("2026-03-23", "2026-03-27", lam), 5)
        body = {"kind": "extra_day_off", "name_vi": "Ngày giải phóng tỉnh", "name_en": "Province day",
                "source": "Quyết định thử"}
        r = pa.req("PUT", self.entry_path("2026-03-24", lam), json=body)
        self.assert_status(r, 201)
        self.assertEqual((r.body["scope"], r.body["date"], r.body["kind"], r.body["version"]),
                         (lam, "2026-03-24", "extra_day_off", 1))
        self.assertEqual(r.headers.get("ETag"), '"1"')
        self.assert_delta(before, events=1)
        # The province's calendar has the day off at once; the other province and the nation do not.
        self.assertEqual(self.workdays("2026-03-23", "2026-03-27", lam), 4)
        self.assertEqual(self.workdays("2026-03-23", "2026-03-27", self.langson["id"]), 5)
        self.assertEqual(self.workdays("2026-03-23", "2026-03-27"), 5)
        days = self.anon.req("GET", q(CAL + "/holidays", year="2026", province=lam)).body["days"]
        self.assertIn({"date": "2026-03-24", "kind": "extra_day_off", "name_vi": "Ngày giải phóng tỉnh",
                       "name_en": "Province day", "source": "Quyết định thử"}, days)
        due = self.anon.req("GET", q(CAL + "/due", **{"from": "2026-03-23T09:00", "rule": "days", "amount": "1",
                                                        "unit": self.cujut["id"]})).body["due"]
        self.assertEqual(due, "2026-03-25T09:00")
        # Updates need If-Match.
        self.assert_problem(pa.req("PUT", self.entry_path("2026-03-24", lam), json=body), 428,
                            "MSG_PRECONDITION_REQUIRED")
        self.assert_problem(pa.req("PUT", self.entry_path("2026-03-24", lam), json=body, headers={"If-Match": '"9"'}),
                            412, "MSG_VERSION_MISMATCH")
        body["name_vi"] = "Ngày giải phóng"
        r = pa.req("PUT", self.entry_path("2026-03-24", lam), json=body, headers={"If-Match": '"1"'})
        self.assert_status(r, 200)
        self.assertEqual((r.body["version"], r.body["name_vi"]), (2, "Ngày giải phóng"))
        self.assertEqual([e["date"] for e in self.entries(2026, lam)], ["2026-03-24"])
        self.assert_problem(pa.req("DELETE", self.entry_path("2026-03-24", lam), headers={"If-Match": '"1"'}), 412,
                            "MSG_VERSION_MISMATCH")
        self.assert_status(pa.req("DELETE", self.entry_path("2026-03-24", lam)), 204)
        self.assertEqual(self.workdays("2026-03-23", "2026-03-27", lam), 5)
        self.assert_problem(pa.req("DELETE", self.entry_path("2026-03-24", lam)), 404)
        self.assert_delta(before, events=3)
        self.assertEqual(self.entries(2026, lam), [])

    def test_national_entry_overrides_the_shipped_decision(self):
        self.assertEqual(self.workdays("2026-08-31", "2026-09-02"), 0)
        r = self.admin.req("PUT", self.entry_path("2026-09-01"),
                           json={"kind": "working_day", "name_vi": "Đi làm", "source": "thử nghiệm"})
        self.assert_status(r, 201)
        self.assertIsNone(r.body["scope"])
        self.assertEqual(self.workdays("2026-08-31", "2026-09-02"), 1)
        self.assertEqual(self.workdays("2026-08-31", "2026-09-02", self.lamdong["id"]), 1)
        self.assert_status(self.admin.req("DELETE", self.entry_path("2026-09-01"), headers={"If-Match": '"1"'}), 204)
        self.assertEqual(self.workdays("2026-08-31", "2026-09-02"), 0)

    def test_refusals_change_nothing(self):
        lam, lang = self.lamdong["id"], self.langson["id"]
        pa = self.prov_admin()
        desk = self.client("cujut.desk")
        official = self.client("lamdong.official")
        ok = {"kind": "extra_day_off", "name_vi": "Ngày thử"}
        before = self.counts()
        cases = [
            (desk, self.entry_path("2026-04-14", lam), ok, 403, "MSG_FORBIDDEN", None),
            (official, self.entry_path("2026-04-14", lam), ok, 403, "MSG_FORBIDDEN", None),
            (pa, self.entry_path("2026-04-14"), {"kind": "day_off", "name_vi": "X"}, 403, "MSG_FORBIDDEN", None),
            (pa, self.entry_path("2026-04-14", lang), ok, 404, "MSG_UNIT_UNKNOWN", "scope"),
            (pa, self.entry_path("2026-04-14", self.cujut["id"]), ok, 400, "MSG_CAL_SCOPE", "scope"),
            (pa, self.entry_path("2026-04-14", "bad-scope"), ok, 400, "MSG_PARAM_INVALID", "scope"),
            (pa, self.entry_path("2026-04-31", lam), ok, 400, "MSG_FIELD_INVALID", "date"),
            (pa, self.entry_path("2300-04-14", lam), ok, 400, "MSG_CAL_RANGE", "date"),
            (pa, self.entry_path("2026-04-14", lam), {"kind": "day_off", "name_vi": "X"}, 400, "MSG_CAL_KIND_SCOPE",
             "kind"),
            (pa, self.entry_path("2026-04-14", lam), {"kind": "holiday", "name_vi": "X"}, 400, "MSG_FIELD_INVALID",
             "kind"),
            (pa, self.entry_path("2026-04-14", lam), {"kind": "extra_day_off"}, 400, "MSG_MISSING_FIELD", "name_vi"),
            (pa, self.entry_path("2026-04-14", lam), {"kind": "extra_day_off", "name_vi": "x" * 121}, 400, None,
             "name_vi"),
            (pa, self.entry_path("2026-04-14", lam), dict(ok, extra=1), 400, "MSG_UNKNOWN_FIELD", "extra"),
        ]
        for client, path, body, status, code, field in cases:
            with self.subTest(path=path, body=body):
                self.assert_problem(client.req("PUT", path, json=body), status, code, field)
        self.assert_problem(self.anon.req("PUT", self.entry_path("2026-04-14", lam), json=ok), 401)
        self.assert_problem(desk.req("DELETE", self.entry_path("2026-04-14", lam)), 403)
        self.assert_unchanged(before)
        self.assertEqual(self.entries(2026, lam), [])
        self.assertEqual(self.workdays("2026-04-13", "2026-04-17", lam), 5)

    def test_entries_list(self):
        lam = self.lamdong["id"]
        for date in ("2027-05-04", "2027-05-03", "2028-01-03"):
            self.assert_status(self.admin.req("PUT", self.entry_path(date, lam),
                                              json={"kind": "extra_day_off", "name_vi": "Nghỉ " + date}), 201)
        self.assertEqual([e["date"] for e in self.entries(2027, lam)], ["2027-05-03", "2027-05-04"])
        self.assertEqual([e["date"] for e in self.entries(2028, lam)], ["2028-01-03"])
        self.assert_problem(self.admin.req("GET", q(CAL + "/entries", year="1800")), 400, "MSG_CAL_RANGE", "year")
        self.assert_problem(self.admin.req("GET", CAL + "/entries"), 400, "MSG_PARAM_INVALID", "year")
        self.assert_problem(self.client("langson.official").req("GET", q(CAL + "/entries", year="2027", scope=lam)),
                            404, "MSG_UNIT_UNKNOWN", "scope")

    def test_working_time(self):
        pa = self.prov_admin()
        wt = "/api/v1/units/%s/working-time"
        r = pa.req("GET", wt % self.thuanan["id"])
        self.assert_status(r, 200)
        self.assertEqual((r.body["morning_start"], r.body["afternoon_end"], r.body["cutoff"], r.body["version"],
                          r.body["inherited_from"]), ("07:30", "17:30", "15:00", 0, "default"))
        body = {"morning_start": "07:00", "morning_end": "11:00", "afternoon_start": "13:00",
                "afternoon_end": "17:00", "cutoff": "16:00"}
        desk, other = self.client("thuanan.desk"), self.client("langson.official")
        before = self.counts()
        for field, bad, code in [("morning_start", "7:00", None), ("cutoff", "25:00", "MSG_FIELD_INVALID"),
                                 ("afternoon_start", "10:00", "MSG_CAL_WORKING_TIME"),
                                 ("cutoff", "18:00", "MSG_CAL_WORKING_TIME")]:
            with self.subTest(field=field, bad=bad):
                self.assert_problem(pa.req("PUT", wt % self.thuanan["id"], json=dict(body, **{field: bad})), 400,
                                    code, field)
        self.assert_problem(desk.req("PUT", wt % self.thuanan["id"], json=body), 403)
        self.assert_problem(pa.req("PUT", wt % self.langson["id"], json=body), 404)
        self.assert_problem(other.req("GET", wt % self.thuanan["id"]), 404)
        self.assert_unchanged(before)
        r = pa.req("PUT", wt % self.thuanan["id"], json=body)
        self.assert_status(r, 201)
        self.assertEqual((r.body["version"], r.headers.get("ETag")), (1, '"1"'))
        self.assert_problem(pa.req("PUT", wt % self.thuanan["id"], json=body), 428)
        self.assert_problem(pa.req("PUT", wt % self.thuanan["id"], json=body, headers={"If-Match": '"4"'}), 412)
        self.assert_status(pa.req("PUT", wt % self.thuanan["id"], json=body, headers={"If-Match": '"1"'}), 200)
        self.assert_delta(before, events=2)
        # The deadline at that commune follows its sessions and its 16:00 cutoff.
        r = self.anon.req("GET", q(CAL + "/due", **{"from": "2026-03-02T15:30", "rule": "days", "amount": "1",
                                                     "unit": self.thuanan["id"]}))
        self.assertEqual(r.body["due"], "2026-03-03T15:30")
        r = self.anon.req("GET", q(CAL + "/due", **{"from": "2026-03-02T15:30", "rule": "days", "amount": "1"}))
        self.assertEqual(r.body["due"], "2026-03-03T17:30")

    def test_z_rebuild_gives_the_same_calendar(self):
        """Holiday entries and working time are built by their events' apply functions: `motcua rebuild --check`
        replays the ledger to the same rows, and the calendars answer as before."""
        pa, lam = self.prov_admin(), self.lamdong["id"]
        body = {"kind": "extra_day_off", "name_vi": "Ngày tỉnh", "name_en": "Province day", "source": "QĐ"}
        self.assert_status(pa.req("PUT", self.entry_path("2029-05-03", lam), json=body), 201)
        self.assert_status(pa.req("PUT", self.entry_path("2029-05-03", lam), json=dict(body, name_vi="Ngày tỉnh 2"),
                                  headers={"If-Match": '"1"'}), 200)
        self.assert_status(pa.req("PUT", self.entry_path("2029-05-04", lam), json=body), 201)
        self.assert_status(pa.req("DELETE", self.entry_path("2029-05-04", lam)), 204)
        wt = "/api/v1/units/%s/working-time" % self.cujut["id"]
        times = {"morning_start": "07:15", "morning_end": "11:15", "afternoon_start": "13:15",
                 "afternoon_end": "17:15", "cutoff": "16:15"}
        self.assert_status(pa.req("PUT", wt, json=times), 201)
        self.assert_status(pa.req("PUT", wt, json=dict(times, cutoff="16:30"), headers={"If-Match": '"1"'}), 200)
        entries, workdays, own = self.entries(2029, lam), self.workdays("2029-04-30", "2029-05-11", lam), \
            pa.req("GET", wt).body
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(self.entries(2029, lam), entries)
        self.assertEqual(self.workdays("2029-04-30", "2029-05-11", lam), workdays)
        self.assertEqual(pa.req("GET", wt).body, own)
        self.assertEqual((own["cutoff"], own["version"]), ("16:30", 2))


if __name__ == "__main__":
    unittest.main()
