"""Who may read the dashboards (GET /api/v1/reports/*), and bad input (issue 11).

The rule (src/api/api_reports.c): leaders, officials and administrators whose grant covers the unit (its subtree)
read every figure: 200; anyone else on staff only their own figures (officer = their account id) in a unit their
grant covers; a unit the caller sees (its subtree or an ancestor) but may not report on: 403; a unit outside every
grant: 404 (it reveals nothing). The overview and the workload have no own-figures exception.

The matrix: every role (desk, specialist, leader, clerk, official, admin) x every level its grant fits
(department, commune, province, national) x the target unit (the grant's own unit, a child of it, another commune,
another province, its parent) x every endpoint (indicators, overview, workload, trend, dossiers?measure=received),
with and without officer = the caller. The expected status comes from the unit paths, not from a table typed in.
Then: citizens and anonymous callers, API tokens, a caller with grants of two kinds, and every kind of bad input
(400/404 problem+json in both languages, naming the parameter, nothing changed)."""
import datetime
import unittest
import urllib.parse

from harness import Client, staff_by_username, unique, unit_by_slug
from test_dossiers import PINNED_NOW_MS, DossierBase

PW = "reports-pass-1"
REPORT_ROLES = ("leader", "official", "admin")
# The levels each role's grant may sit at (role_fits_unit_kind in src/domain/auth.c).
LEVELS = {"desk": ("department", "commune", "province"), "specialist": ("department", "commune", "province"),
          "leader": ("department", "commune", "province"), "clerk": ("department", "commune", "province"),
          "official": ("province", "national"), "admin": ("department", "commune", "province", "national")}
PERIOD = "from=2027-03-01&to=2027-03-31"
ENDPOINTS = {
    "indicators": "/api/v1/reports/indicators?" + PERIOD,
    "overview": "/api/v1/reports/overview?" + PERIOD,
    "workload": "/api/v1/reports/workload?days=3",
    "trend": "/api/v1/reports/trend?from=2027-01&to=2027-03",
    "dossiers": "/api/v1/reports/dossiers?measure=received&" + PERIOD,
}
NO_OWN_FIGURES = ("overview", "workload")
UNKNOWN_ID = "01M000000000000000000000ZZ"
TODAY = datetime.datetime.fromtimestamp(PINNED_NOW_MS / 1000, datetime.timezone(datetime.timedelta(hours=7))).date()
LAST_DAY = datetime.date(TODAY.year + 1, 12, 31)           # the end of next year


def url(endpoint, **q):
    return ENDPOINTS[endpoint] + "".join("&%s=%s" % (k, urllib.parse.quote(str(v), safe="")) for k, v in q.items())


class ReportAccessBase(DossierBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a = cls.admin
        cls.unit = {s: unit_by_slug(a, s) for s in ("cujut", "cujut.pkt", "thuanan", "lamdong", "langson",
                                                    "locbinh")}
        cls.unit["root"] = a.req("GET", "/api/v1/units?kind=national").body["items"][0]
        for unit in cls.unit.values():
            unit["path"] = cls.path_of(unit)
        u = cls.unit
        # level -> (grant unit, {target name: unit or None when the level has none})
        cls.levels = {
            "department": (u["cujut.pkt"], {"own": u["cujut.pkt"], "child": None, "other_commune": u["thuanan"],
                                            "other_province": u["langson"], "parent": u["cujut"]}),
            "commune": (u["cujut"], {"own": u["cujut"], "child": u["cujut.pkt"], "other_commune": u["thuanan"],
                                     "other_province": u["langson"], "parent": u["lamdong"]}),
            "province": (u["lamdong"], {"own": u["lamdong"], "child": u["cujut"], "other_commune": u["locbinh"],
                                        "other_province": u["langson"], "parent": u["root"]}),
            "national": (u["root"], {"own": u["root"], "child": u["lamdong"], "other_commune": u["locbinh"],
                                     "other_province": u["langson"], "parent": None}),
        }
        cls.actors = {}
        for role, levels in LEVELS.items():
            for level in levels:
                grant = cls.levels[level][0]
                name = cls.make(grant, [{"role": role, "unit_id": grant["id"]}])
                c = Client(cls.server)
                c.login(name, PW)
                cls.actors[(role, level)] = c

    @classmethod
    def path_of(cls, unit):
        """The unit's path "/<root id>/.../<id>/", from its parents (the unit JSON carries no path)."""
        ids = [unit["id"]]
        while unit.get("parent_id"):
            unit = cls.admin.req("GET", "/api/v1/units/" + unit["parent_id"]).body
            ids.append(unit["id"])
        return "/" + "/".join(reversed(ids)) + "/"

    @classmethod
    def make(cls, home, roles):
        name = unique("rp.")
        r = cls.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Báo Cáo Thử",
                                                        "password": PW, "unit_id": home["id"], "roles": roles})
        if r.status != 201:
            raise AssertionError("creating %s: %r" % (name, r))
        return name

    def check(self, r, status, unit=None):
        """r answers status: 200 with the unit asked for, 403 MSG_REPORT_ROLE or 404 MSG_UNIT_UNKNOWN (field unit)."""
        if status == 200:
            self.assert_status(r, 200)
            if unit is not None:
                self.assertEqual(r.body["unit"]["id"], unit["id"], r)
                self.assertEqual(r.body["unit"]["path"], unit["path"], r)
        elif status == 403:
            self.assert_problem(r, 403, "MSG_REPORT_ROLE", "unit")
        else:
            self.assert_problem(r, 404, "MSG_UNIT_UNKNOWN", "unit")


class ReportAccessMatrix(ReportAccessBase):

    @staticmethod
    def expected(role, grant, target, endpoint, own):
        inside = target["path"].startswith(grant["path"])
        seen = inside or grant["path"].startswith(target["path"])
        may = role in REPORT_ROLES or (own and endpoint not in NO_OWN_FIGURES)
        return 200 if inside and may else 403 if seen else 404

    def test_matrix(self):
        before = self.counts()
        cells = 0
        for (role, level), client in sorted(self.actors.items()):
            grant, targets = self.levels[level]
            for tname, target in targets.items():
                if target is None:
                    continue
                for endpoint in ENDPOINTS:
                    for own in (False, True):
                        if own and role in REPORT_ROLES and endpoint == "workload":
                            continue          # the workload takes no officer (a 400, see the bad input tests)
                        if endpoint == "overview" and target["kind"] == "department":
                            continue          # a unit without children: ReportOverviewLeaf (its own server)
                        want = self.expected(role, grant, target, endpoint, own)
                        q = {"unit": target["id"]}
                        if own:
                            q["officer"] = client.me["id"]
                        with self.subTest(role=role, level=level, target=tname, endpoint=endpoint, own=own):
                            r = client.req("GET", url(endpoint, **q))
                            self.check(r, want, target)
                            if want == 200 and own and endpoint != "workload":
                                self.assertEqual(r.body["officer"], client.me["id"])
                        cells += 1
        self.assertGreater(cells, 700)
        self.assert_unchanged(before)

    def test_expected_statuses_cover_every_answer(self):
        """The rule's three answers each occur for every endpoint (the matrix is not all 200 or all 404)."""
        seen = {e: set() for e in ENDPOINTS}
        for (role, level) in self.actors:
            grant, targets = self.levels[level]
            for target in (t for t in targets.values() if t):
                for e in ENDPOINTS:
                    seen[e].add(self.expected(role, grant, target, e, False))
                    seen[e].add(self.expected(role, grant, target, e, True))
        for e in ENDPOINTS:
            self.assertEqual(seen[e], {200, 403, 404}, e)

    def test_default_unit(self):
        """Without unit: the first grant that may read reports; a desk officer only with officer = themselves."""
        for (role, level), client in sorted(self.actors.items()):
            grant = self.levels[level][0]
            with self.subTest(role=role, level=level):
                r = client.req("GET", ENDPOINTS["indicators"])
                self.check(r, 200 if role in REPORT_ROLES else 403, grant)
                r = client.req("GET", ENDPOINTS["indicators"] + "&officer=" + client.me["id"])
                self.check(r, 200, grant)
                if level != "department":                       # see ReportOverviewLeaf
                    r = client.req("GET", ENDPOINTS["overview"] + "&officer=" + client.me["id"])
                    self.check(r, 200 if role in REPORT_ROLES else 403, grant)
                r = client.req("GET", ENDPOINTS["workload"])
                self.check(r, 200 if role in REPORT_ROLES else 403, grant)

    def test_two_grants(self):
        """desk at Cư Jút, leader at Thuận An: Thuận An's figures 200 (and the default), Cư Jút's 403 but its own
        figures there 200, Lộc Bình 404."""
        u = self.unit
        name = self.make(u["cujut"], [{"role": "desk", "unit_id": u["cujut"]["id"]},
                                      {"role": "leader", "unit_id": u["thuanan"]["id"]}])
        c = Client(self.server)
        c.login(name, PW)
        for e in ENDPOINTS:
            with self.subTest(endpoint=e):
                self.check(c.req("GET", url(e, unit=u["thuanan"]["id"])), 200, u["thuanan"])
                self.check(c.req("GET", url(e, unit=u["cujut"]["id"])), 403)
                self.check(c.req("GET", url(e, unit=u["locbinh"]["id"])), 404)
                if e not in NO_OWN_FIGURES:
                    self.check(c.req("GET", url(e, unit=u["cujut"]["id"], officer=c.me["id"])), 200, u["cujut"])
        self.check(c.req("GET", ENDPOINTS["indicators"]), 200, u["thuanan"])


class ReportOwnFigures(ReportAccessBase):
    """A specialist reads their own figures and nobody else's; the leader reads the same figures of them."""

    def test_own_figures(self):
        spec_id = staff_by_username(self.admin, "cujut.specialist")["id"]
        desk_id = staff_by_username(self.admin, "cujut.desk")["id"]
        lead_id = staff_by_username(self.admin, "cujut.leader")["id"]
        mine = [self.new()["code"] for _ in range(3)]
        for code in mine:
            self.to_processing(code)
        self.new()                            # at the desk, nobody's yet
        cujut = self.unit["cujut"]
        for e in ("indicators", "trend", "dossiers"):
            with self.subTest(endpoint=e):
                r = self.spec.req("GET", url(e, unit=cujut["id"], officer=spec_id))
                self.check(r, 200, cujut)
                same = self.lead.req("GET", url(e, unit=cujut["id"], officer=spec_id))
                self.check(same, 200, cujut)
                self.assertEqual(r.body, same.body)
                for other in (desk_id, lead_id):
                    self.check(self.spec.req("GET", url(e, unit=cujut["id"], officer=other)), 403)
                # another commune: 404 even for oneself
                self.check(self.spec.req("GET", url(e, unit=self.unit["thuanan"]["id"], officer=spec_id)), 404)
        r = self.spec.req("GET", url("indicators", unit=cujut["id"], officer=spec_id))
        self.assertEqual(r.body["figures"]["received"], 3)
        self.assertEqual(r.body["figures"]["in_progress"], 3)
        r = self.spec.req("GET", url("dossiers", unit=cujut["id"], officer=spec_id))
        self.assertEqual(sorted(i["code"] for i in r.body["items"]), sorted(mine))
        whole = self.lead.req("GET", url("indicators", unit=cujut["id"]))
        self.assertEqual(whole.body["figures"]["received"], 4)
        for e in NO_OWN_FIGURES:
            with self.subTest(endpoint=e):
                self.check(self.spec.req("GET", url(e, unit=cujut["id"], officer=spec_id)), 403)
                self.check(self.spec.req("GET", url(e, unit=cujut["id"])), 403)


class ReportOverviewLeaf(ReportAccessBase):
    """The overview of a unit without children (a department): 200 with no items, for whoever may read it. Its own
    server: under the sanitizers a crash here must not take the matrix down with it."""

    def test_overview_of_a_department(self):
        pkt = self.unit["cujut.pkt"]
        for who in (self.lead, self.admin, self.actors[("leader", "department")]):
            r = who.req("GET", url("overview", unit=pkt["id"]))
            self.check(r, 200, pkt)
            self.assertEqual(r.body["items"], [])
        self.check(self.actors[("desk", "department")].req("GET", url("overview", unit=pkt["id"])), 403)


class ReportCallers(ReportAccessBase):
    """Citizens, anonymous callers and API tokens."""

    def test_citizens_and_anonymous(self):
        before = self.counts()
        anon = Client(self.server)
        for e in ENDPOINTS:
            for q in ({}, {"unit": self.unit["cujut"]["id"]}, {"officer": self.citizen.me["id"]}):
                with self.subTest(endpoint=e, q=q):
                    self.assert_problem(self.citizen.req("GET", url(e, **q)), 403, "MSG_FORBIDDEN")
                    self.assert_problem(anon.req("GET", url(e, **q)), 401)
        self.assert_unchanged(before)

    def token(self, client):
        r = client.req("POST", "/api/v1/tokens", json={"name": unique("rp")})
        self.assert_status(r, 201)
        bot = Client(self.server)
        bot.bearer = r.body["token"]
        return bot

    def test_api_tokens(self):
        """A leader's token reads what the leader reads; a desk officer's token only its own figures."""
        cujut = self.unit["cujut"]
        self.new()
        lead_bot = self.token(self.lead)
        for e in ENDPOINTS:
            with self.subTest(endpoint=e):
                r = lead_bot.req("GET", url(e, unit=cujut["id"]))
                self.check(r, 200, cujut)
                self.assertEqual(r.body, self.lead.req("GET", url(e, unit=cujut["id"])).body)
                self.check(lead_bot.req("GET", url(e, unit=self.unit["thuanan"]["id"])), 404)
                self.check(lead_bot.req("GET", url(e, unit=self.unit["lamdong"]["id"])), 403)
        self.assertEqual(lead_bot.req("GET", url("indicators", unit=cujut["id"])).body["figures"]["received"], 1)
        desk_bot = self.token(self.desk)
        desk_id = self.desk.me["id"]
        self.check(desk_bot.req("GET", url("indicators", unit=cujut["id"])), 403)
        self.check(desk_bot.req("GET", url("indicators", unit=cujut["id"], officer=desk_id)), 200, cujut)
        self.check(desk_bot.req("GET", url("workload", unit=cujut["id"])), 403)
        official_bot = self.token(self.users["lamdong.official"])
        r = official_bot.req("GET", url("overview", unit=self.unit["lamdong"]["id"]))
        self.check(r, 200, self.unit["lamdong"])
        self.assertEqual([i["unit"]["id"] for i in r.body["items"]].count(cujut["id"]), 1)
        self.check(official_bot.req("GET", url("overview", unit=self.unit["langson"]["id"])), 404)


class ReportBadInput(ReportAccessBase):

    def bad(self, path, status, code, field):
        r = self.lead.req("GET", path)
        b = self.assert_problem(r, status, code, field)
        self.assertTrue(b["messages"]["vi"] != b["messages"]["en"], b)
        return b

    def ok(self, path):
        r = self.lead.req("GET", path)
        self.assert_status(r, 200)
        return r.body

    def base(self, e):
        return "/api/v1/reports/%s?unit=%s" % (e, self.unit["cujut"]["id"])

    def test_periods(self):
        before = self.counts()
        span_ok = LAST_DAY - datetime.timedelta(days=3659)              # from .. to is 3660 days
        span_bad = span_ok - datetime.timedelta(days=1)
        for e in ("indicators", "overview", "dossiers"):
            p = self.base(e) + ("&measure=received" if e == "dossiers" else "")
            with self.subTest(endpoint=e):
                self.bad(p + "&from=2027-03-10&to=2027-03-09", 400, "MSG_REPORT_RANGE", "from")
                self.bad(p + "&from=1999-12-31&to=2000-01-10", 400, "MSG_REPORT_RANGE", "from")
                self.ok(p + "&from=2000-01-01&to=2000-01-10")
                after = LAST_DAY + datetime.timedelta(days=1)
                self.bad(p + "&from=%s&to=%s" % (LAST_DAY.replace(day=1), after), 400, "MSG_REPORT_RANGE", "from")
                self.ok(p + "&from=%s&to=%s" % (LAST_DAY.replace(day=1), LAST_DAY))
                self.bad(p + "&from=%s&to=%s" % (span_bad, LAST_DAY), 400, "MSG_REPORT_RANGE", "from")
                self.ok(p + "&from=%s&to=%s" % (span_ok, LAST_DAY))
                self.bad(p + "&from=2000-01-01&to=%s" % LAST_DAY, 400, "MSG_REPORT_RANGE", "from")
                # to defaults to today: a from after today is after to
                self.bad(p + "&from=%s" % (TODAY + datetime.timedelta(days=1)), 400, "MSG_REPORT_RANGE", "from")
                for bad_date in ("2027-02-30", "2027-02-29", "abc", "2027-3-01", "2027-03-1", "20270301", "",
                                 "2027-03-01x", "2027/03/01", "+027-03-01", "2027-00-10", "2027-13-01"):
                    self.bad(p + "&from=" + urllib.parse.quote(bad_date) + "&to=2027-03-31", 400, "MSG_REPORT_DATE",
                             "from")
                    self.bad(p + "&from=2027-03-01&to=" + urllib.parse.quote(bad_date), 400, "MSG_REPORT_DATE", "to")
                self.ok(p + "&from=2028-02-29&to=2028-02-29")
        b = self.ok(self.base("indicators"))
        self.assertEqual((b["from"], b["to"]), (TODAY.replace(day=1).isoformat(), TODAY.isoformat()))
        self.assert_unchanged(before)

    def test_trend_months(self):
        before = self.counts()
        p = self.base("trend")
        for bad_month in ("2027-13", "2027-00", "2027-3", "abc", "2027-03-01", "", "2027_03", "２０２７-03"):
            with self.subTest(month=bad_month):
                self.bad(p + "&from=%s&to=2027-03" % urllib.parse.quote(bad_month), 400, "MSG_REPORT_DATE", "from")
                self.bad(p + "&from=2027-01&to=%s" % urllib.parse.quote(bad_month), 400, "MSG_REPORT_DATE", "to")
        self.bad(p + "&from=2022-03&to=2027-03", 400, "MSG_REPORT_RANGE", "from")           # 61 months
        self.assertEqual(len(self.ok(p + "&from=2022-04&to=2027-03")["months"]), 60)
        self.bad(p + "&from=2027-04&to=2027-03", 400, "MSG_REPORT_RANGE", "from")
        self.bad(p + "&from=1999-12&to=2000-02", 400, "MSG_REPORT_RANGE", "from")
        self.bad(p + "&from=%d-12&to=%d-01" % (LAST_DAY.year, LAST_DAY.year + 1), 400, "MSG_REPORT_RANGE", "from")
        b = self.ok(p + "&from=%d-12&to=%d-12" % (LAST_DAY.year, LAST_DAY.year))
        self.assertEqual([m["month"] for m in b["months"]], ["%d-12" % LAST_DAY.year])
        b = self.ok(p)                                                  # the last 12 months by default
        self.assertEqual(len(b["months"]), 12)
        self.assertEqual(b["months"][-1]["month"], TODAY.strftime("%Y-%m"))
        self.assert_unchanged(before)

    def test_units_filters_views(self):
        before = self.counts()
        lead_id = self.lead.me["id"]
        for e in ENDPOINTS:
            p = ENDPOINTS[e]
            with self.subTest(endpoint=e):
                self.bad(p + "&unit=not-an-id", 400, "MSG_PARAM_INVALID", "unit")
                self.bad(p + "&unit=", 400, "MSG_PARAM_INVALID", "unit")
                self.bad(p + "&unit=" + UNKNOWN_ID, 404, "MSG_UNIT_UNKNOWN", "unit")
                self.bad(p + "&unit=" + "x" * 300, 400, "MSG_PARAM_INVALID", "unit")
                self.bad(p + "&view=bogus", 400, "MSG_PARAM_INVALID", "view")
                self.bad(p + "&view=", 400, "MSG_PARAM_INVALID", "view")
                self.bad(p + "&field=" + "x" * 121, 400, "MSG_PARAM_INVALID", "field")
                self.bad(p + "&field=", 400, "MSG_PARAM_INVALID", "field")
                self.bad(p + "&procedure=" + "9" * 40, 400, "MSG_PARAM_INVALID", "procedure")
                self.bad(p + "&officer=not-an-id", 400, "MSG_PARAM_INVALID", "officer")
                for two in ("field=H%E1%BB%99%20t%E1%BB%8Bch&procedure=2.000806", "field=a&officer=" + lead_id,
                            "procedure=2.000806&officer=" + lead_id):
                    self.bad(p + "&" + two, 400, "MSG_REPORT_ONE_FILTER", "field")
        for e in ("indicators", "overview", "trend", "dossiers"):
            p = self.base(e) + ("&measure=received" if e == "dossiers" else "")
            with self.subTest(endpoint=e, valid=True):
                for q in ("field=" + "x" * 120, "field=" + urllib.parse.quote("Hộ tịch"), "procedure=2.000806",
                          "officer=" + lead_id, "officer=" + UNKNOWN_ID, "view=dates", "view=standard"):
                    b = self.ok(p + "&" + q)
                    self.assertEqual(b["view"], "dates" if q == "view=dates" else "standard")
        self.assert_unchanged(before)

    def test_measure_and_cursor(self):
        before = self.counts()
        p = self.base("dossiers") + "&" + PERIOD
        self.bad(p, 400, "MSG_PARAM_INVALID", "measure")
        for m in ("bogus", "", "ended_late", "RECEIVED", "received "):
            self.bad(p + "&measure=" + urllib.parse.quote(m), 400, "MSG_PARAM_INVALID", "measure")
        p += "&measure=received"
        self.bad(p + "&cursor=zzz", 400, "MSG_PARAM_INVALID", "cursor")
        self.bad(p + "&cursor=" + "0" * 129, 400, "MSG_PARAM_INVALID", "cursor")
        self.bad(p + "&cursor=%FF", 400, "MSG_PARAM_INVALID", "cursor")
        for lim in ("0", "201", "abc", "-1"):
            self.bad(p + "&limit=" + lim, 400, "MSG_FIELD_RANGE", "limit")
        b = self.ok(p + "&cursor=" + UNKNOWN_ID + "&limit=200")
        self.assertEqual(b["measure"], "received")
        self.assert_unchanged(before)

    def test_workload_parameters(self):
        before = self.counts()
        p = self.base("workload")
        for d in ("0", "31", "abc", "", "-1", "3x", "1e1", "99999999999999999999"):
            with self.subTest(days=d):
                self.bad(p + "&days=" + urllib.parse.quote(d), 400, "MSG_FIELD_RANGE", "days")
        for d in ("1", "30"):
            self.assertEqual(self.ok(p + "&days=" + d)["days"], int(d))
        self.assertEqual(self.ok(p)["days"], 3)
        self.bad(p + "&field=" + urllib.parse.quote("Hộ tịch"), 400, "MSG_PARAM_INVALID", "field")
        self.bad(p + "&procedure=2.000806", 400, "MSG_PARAM_INVALID", "procedure")
        self.bad(p + "&officer=" + self.lead.me["id"], 400, "MSG_PARAM_INVALID", "officer")
        self.assert_unchanged(before)


if __name__ == "__main__":
    unittest.main()
