"""Official document registers (issue 12 item 1; docs/documents.md): GET /api/v1/document-types,
POST /api/v1/documents/outgoing and /incoming, GET /api/v1/documents and /api/v1/documents/{id}.

Covers: the 29 types of Decree 30/2020 with their abbreviations; outgoing numbers per unit and year from 01 and the
symbols ("01/QĐ-UBND", công văn "02/UBND-VP"); the arrival numbers of incoming documents; the same incoming document
twice in one unit -> 409 and nothing changed; every kind of bad input -> 4xx naming the field and nothing changed
(the ledger length and the registers' rows); folded search; pagination; another unit's document -> 404; the year
rollover (a server pinned at 23:59 on 31 December, then one at 00:01 on 1 January on the same store); numbers
1..N without gaps or duplicates from parallel writers in two server processes on one store; an authorization
matrix (each role x grant level x target unit); and `motcua rebuild --check` after all of it. Runs on SQLite, and
on PostgreSQL with MOTCUA_TEST_PG_URL."""
import datetime
import os
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.parse

from harness import ApiTestCase, Client, Server, run_cli, unique, unit_by_slug

VN = datetime.timezone(datetime.timedelta(hours=7))


def ms(*args):
    return int(datetime.datetime(*args, tzinfo=VN).timestamp() * 1000)


PINNED_NOW_MS = ms(2027, 3, 2, 8, 0)           # Tuesday 2027-03-02 08:00 in Vietnam
PW = "docs-pass-1"

# Decree 30/2020/NĐ-CP Article 7 (29 kinds) with Appendix III section I's abbreviations (see docs/documents.md).
DECREE_TYPES = [
    ("nghi-quyet", "NQ"), ("quyet-dinh", "QĐ"), ("chi-thi", "CT"), ("quy-che", "QC"), ("quy-dinh", "QyĐ"),
    ("thong-cao", "TC"), ("thong-bao", "TB"), ("huong-dan", "HD"), ("chuong-trinh", "CTr"), ("ke-hoach", "KH"),
    ("phuong-an", "PA"), ("de-an", "ĐA"), ("du-an", "DA"), ("bao-cao", "BC"), ("bien-ban", "BB"),
    ("to-trinh", "TTr"), ("hop-dong", "HĐ"), ("cong-van", None), ("cong-dien", "CĐ"), ("ban-ghi-nho", "BGN"),
    ("ban-thoa-thuan", "BTT"), ("giay-uy-quyen", "GUQ"), ("giay-moi", "GM"), ("giay-gioi-thieu", "GGT"),
    ("giay-nghi-phep", "GNP"), ("phieu-gui", "PG"), ("phieu-chuyen", "PC"), ("phieu-bao", "PB"), ("thu-cong", None),
]


def pinned(at_ms):
    os.environ["MOTCUA_CLOCK_OFFSET_MS"] = str(at_ms - int(time.time() * 1000))


def unpinned():
    os.environ.pop("MOTCUA_CLOCK_OFFSET_MS", None)


def start_server(label, at_ms, db=None):
    pinned(at_ms)
    try:
        return Server(label=label, db=db).start()
    finally:
        unpinned()


def store_query(db, sql):
    """Rows of one read-only query on the store (sqlite3 or psql)."""
    if db.sqlite_path:
        con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(str(db.sqlite_path)), uri=True, timeout=10)
        try:
            return [tuple(str(x) for x in row) for row in con.execute(sql).fetchall()]
        finally:
            con.close()
    out = db.psql_exec(sql)
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def snapshot(db):
    """The ledger length and the registers' rows: what a refused request must leave as it was."""
    return (store_query(db, "SELECT COUNT(*) FROM events"),
            store_query(db, "SELECT id, number, symbol FROM documents ORDER BY id"),
            store_query(db, "SELECT unit_id, direction, year, last FROM document_counters "
                            "ORDER BY unit_id, direction, year"))


def outgoing(client, expect=201, **kw):
    body = {"type": "quyet-dinh", "summary": "Về việc thành lập Tổ công tác", "recipients": "Như Điều 3; Lưu: VT."}
    body.update(kw)
    r = client.req("POST", "/api/v1/documents/outgoing", json=body)
    if expect is not None and r.status != expect:
        raise AssertionError("outgoing: expected %s, got %r" % (expect, r))
    return r


def incoming(client, expect=201, **kw):
    body = {"type": "thong-bao", "summary": "Lịch tiếp công dân tháng 3", "agency": "UBND tỉnh Lâm Đồng",
            "symbol": unique("") + "/TB-UBND", "dated": "2027-02-27"}
    body.update(kw)
    r = client.req("POST", "/api/v1/documents/incoming", json=body)
    if expect is not None and r.status != expect:
        raise AssertionError("incoming: expected %s, got %r" % (expect, r))
    return r


class DocumentBase(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        pinned(PINNED_NOW_MS)
        try:
            super().setUpClass()
        finally:
            unpinned()
        cls.sign_in_admin_with_units("cujut", "thuanan", "locbinh", "lamdong", "cujut.vp", "cujut.pkt")
        cls.users = {}
        for u in ("cujut.clerk", "cujut.leader", "cujut.desk", "cujut.specialist", "thuanan.clerk",
                  "locbinh.clerk", "lamdong.official", "langson.official"):
            c = Client(cls.server)
            c.login(u)
            cls.users[u] = c

    def snap(self):
        return snapshot(self.db)


class DocumentRegisterTests(DocumentBase):

    def test_types_are_the_decree_list(self):
        r = Client(self.server).req("GET", "/api/v1/document-types")          # public
        self.assert_status(r, 200)
        self.assertEqual([(t["code"], t["abbr"]) for t in r.body["items"]], DECREE_TYPES)
        self.assertEqual(r.body["total"], 29)
        names = {t["code"]: t["name_vi"] for t in r.body["items"]}
        self.assertEqual(names["quyet-dinh"], "Quyết định (cá biệt)")
        self.assertEqual(names["cong-van"], "Công văn")

    def test_outgoing_numbers_from_01_and_symbols(self):
        c = self.users["locbinh.clerk"]
        got = []
        for t in ("quyet-dinh", "thong-bao", "ke-hoach", "to-trinh", "quy-dinh", "hop-dong", "de-an", "du-an",
                  "bao-cao", "giay-moi"):
            got.append(outgoing(c, type=t).body)
        self.assertEqual([d["number"] for d in got], list(range(1, 11)))
        self.assertEqual([d["symbol"] for d in got],
                         ["01/QĐ-UBND", "02/TB-UBND", "03/KH-UBND", "04/TTr-UBND", "05/QyĐ-UBND", "06/HĐ-UBND",
                          "07/ĐA-UBND", "08/DA-UBND", "09/BC-UBND", "10/GM-UBND"])
        d = got[0]
        self.assertEqual((d["direction"], d["year"], d["dated"], d["status"], d["number_text"]),
                         ("out", 2027, "2027-03-02", "issued", "01"))
        self.assertEqual(d["unit_id"], self.locbinh["id"])
        # GET answers the same row; another commune's clerk does not see it (404)
        r = c.req("GET", "/api/v1/documents/" + d["id"])
        self.assert_status(r, 200)
        self.assertEqual(r.body.pop("handling"), [])
        self.assertEqual(r.body.pop("attachments"), [])
        self.assertEqual(r.body, d)
        self.assert_problem(self.users["cujut.clerk"].req("GET", "/api/v1/documents/" + d["id"]), 404)
        self.assert_problem(c.req("GET", "/api/v1/documents/01M000000000000000000000ZZ"), 404)
        self.assert_problem(c.req("GET", "/api/v1/documents/not-an-id"), 404)

    def test_cong_van_symbol_names_the_department(self):
        c = self.users["thuanan.clerk"]
        vp = unit_by_slug(self.admin, "thuanan.vp")
        d = outgoing(c, type="cong-van", department=vp["id"], summary="V/v báo cáo tình hình").body
        self.assertRegex(d["symbol"], r"^\d{2,}/UBND-VP$")
        self.assertEqual(d["department_id"], vp["id"])
        before = self.snap()
        # công văn without a department, or with another commune's department: 422, nothing changed
        self.assert_problem(outgoing(c, expect=None, type="cong-van"), 422, "MSG_DOC_DEPARTMENT", "department")
        self.assert_problem(outgoing(c, expect=None, type="cong-van", department=self.cujut_vp["id"]), 422,
                            "MSG_DOC_DEPARTMENT", "department")
        self.assertEqual(self.snap(), before)
        # a department with a typed document is only recorded: the symbol stays <n>/QĐ-UBND
        d2 = outgoing(c, department=vp["id"]).body
        self.assertEqual(d2["symbol"], "%02d/QĐ-UBND" % d2["number"])
        self.assertEqual(d2["number"], d["number"] + 1)

    def test_incoming_arrival_numbers_and_duplicate_409(self):
        c = self.users["thuanan.clerk"]
        a = incoming(c, symbol="15/QĐ-UBND", agency="UBND tỉnh Lâm Đồng", dated="2027-02-26",
                     urgency="urgent", confidentiality="confidential", deadline="2027-03-10", signer="Trần Văn B").body
        self.assertEqual((a["direction"], a["number"], a["arrival_date"], a["dated"], a["status"]),
                         ("in", 1, "2027-03-02", "2027-02-26", "registered"))
        self.assertEqual((a["urgency"], a["confidentiality"], a["deadline"]), ("urgent", "confidential", "2027-03-10"))
        b = incoming(c).body
        self.assertEqual(b["number"], 2)
        before = self.snap()
        # the same document again, also written with other case and without diacritics: 409, nothing changed
        for agency, symbol in (("UBND tỉnh Lâm Đồng", "15/QĐ-UBND"), ("ubnd tinh lam dong", "15/qd-ubnd")):
            r = incoming(c, expect=None, symbol=symbol, agency=agency, dated="2027-02-26")
            p = self.assert_problem(r, 409, "MSG_DOC_DUPLICATE", "symbol")
            self.assertIn("01", p["messages"]["en"])
        self.assertEqual(self.snap(), before)
        # the same symbol from another agency, or of another date, is another document
        self.assertEqual(incoming(c, symbol="15/QĐ-UBND", agency="UBND tỉnh Gia Lai", dated="2027-02-26").body["number"], 3)
        self.assertEqual(incoming(c, symbol="15/QĐ-UBND", dated="2027-02-25").body["number"], 4)
        # and another unit may register the same document in its own register (its own number 1)
        self.assertEqual(incoming(self.users["cujut.leader"], symbol="15/QĐ-UBND", agency="UBND tỉnh Lâm Đồng",
                                  dated="2027-02-26").body["number"], 1)

    def test_bad_input_is_4xx_naming_the_field_and_changes_nothing(self):
        c = self.users["cujut.clerk"]
        outgoing(c)                                    # a register that exists, so a refusal could disturb it
        before = self.snap()
        long = "x" * 1001
        cases_out = [
            ({"type": "nope"}, 400, "MSG_DOC_TYPE_UNKNOWN", "type"),
            ({"type": ""}, 400, None, "type"),
            ({"type": 5}, 400, "MSG_WRONG_TYPE", "type"),
            ({"summary": ""}, 400, None, "summary"),
            ({"summary": long}, 400, None, "summary"),
            ({"summary": "a\u0001b"}, 400, "MSG_FIELD_INVALID", "summary"),
            ({"recipients": long}, 400, None, "recipients"),
            ({"signer": "y" * 201}, 400, None, "signer"),
            ({"urgency": "asap"}, 400, "MSG_FIELD_INVALID", "urgency"),
            ({"confidentiality": "private"}, 400, "MSG_FIELD_INVALID", "confidentiality"),
            ({"deadline": "2027-02-30"}, 400, "MSG_DOC_DATE", "deadline"),
            ({"deadline": "2027-03-01"}, 400, "MSG_DOC_DATE", "deadline"),      # before today
            ({"deadline": "02/03/2027"}, 400, "MSG_DOC_DATE", "deadline"),
            ({"unit": "01M000000000000000000000ZZ"}, 404, "MSG_UNIT_UNKNOWN", "unit"),
            ({"unit": self.thuanan["id"]}, 404, "MSG_UNIT_UNKNOWN", "unit"),      # another commune
            ({"unit": self.lamdong["id"]}, 403, "MSG_DOC_ROLE", "unit"),         # the province above: seen, no right
            ({"unit": self.cujut_pkt["id"]}, 422, "MSG_DOC_UNIT_KIND", "unit"),  # a department keeps no register
            ({"unit": "short"}, 400, None, "unit"),
            ({"agency": "UBND"}, 400, "MSG_UNKNOWN_FIELD", "agency"),            # an incoming-only field
            ({"number": 7}, 400, "MSG_UNKNOWN_FIELD", "number"),                  # numbers are never chosen
        ]
        for patch, status, code, field in cases_out:
            with self.subTest(direction="out", patch=patch):
                self.assert_problem(outgoing(c, expect=None, **patch), status, code, field)
        missing = c.req("POST", "/api/v1/documents/outgoing", json={"type": "quyet-dinh", "summary": "x"})
        self.assert_problem(missing, 400, "MSG_MISSING_FIELD", "recipients")
        cases_in = [
            ({"dated": "2027-03-03"}, 400, "MSG_DOC_DATE", "dated"),             # after the arrival
            ({"dated": "2027-13-01"}, 400, "MSG_DOC_DATE", "dated"),
            ({"dated": "yesterday!"}, 400, "MSG_DOC_DATE", "dated"),
            ({"symbol": "s" * 65}, 400, None, "symbol"),
            ({"agency": ""}, 400, None, "agency"),
            ({"agency": "a" * 301}, 400, None, "agency"),
            ({"type": "thong-tu"}, 400, "MSG_DOC_TYPE_UNKNOWN", "type"),
            ({"recipients": "x"}, 400, "MSG_UNKNOWN_FIELD", "recipients"),
        ]
        for patch, status, code, field in cases_in:
            with self.subTest(direction="in", patch=patch):
                self.assert_problem(incoming(c, expect=None, **patch), status, code, field)
        for raw in (b"{", b"[]", b'{"type": "quyet-dinh", "type": "x"}'):
            self.assertGreaterEqual(c.req("POST", "/api/v1/documents/outgoing", raw_body=raw).status, 400)
        # roles that may not register: desk, specialist, province official (403); citizens and anonymous too
        for u in ("cujut.desk", "cujut.specialist", "lamdong.official"):
            with self.subTest(user=u):
                self.assert_problem(outgoing(self.users[u], expect=None), 403, "MSG_DOC_ROLE")
                self.assert_problem(incoming(self.users[u], expect=None), 403, "MSG_DOC_ROLE")
        self.assertEqual(outgoing(Client(self.server), expect=None).status, 401)
        # no CSRF token: refused before anything
        r = c.req("POST", "/api/v1/documents/outgoing", csrf=False,
                  json={"type": "quyet-dinh", "summary": "x", "recipients": "y"})
        self.assert_problem(r, 403)
        # list parameters
        for q in ("direction=both", "year=27", "year=abcd", "type=nope", "cursor=xyz", "unit=zz", "limit=0"):
            with self.subTest(query=q):
                self.assert_problem(c.req("GET", "/api/v1/documents?" + q), 400)
        self.assertEqual(self.snap(), before)
        # English and Vietnamese in every problem
        p = self.assert_problem(outgoing(self.client(), expect=None), 401)
        self.assertTrue(p["messages"]["vi"] and p["messages"]["en"])

    def test_search_is_folded_and_pages_follow_the_cursor(self):
        c = self.users["cujut.leader"]
        tag = unique("dt")
        made = [outgoing(c, summary="Kế hoạch phòng chống thiên tai %s số %d" % (tag, i), type="ke-hoach").body
                for i in range(5)]
        inc = incoming(c, summary="Hướng dẫn đặc biệt %s" % tag, agency="Sở Nội vụ tỉnh Lâm Đồng", type="huong-dan").body
        # diacritics, case and đ are ignored
        for q in ("phong chong thien tai " + tag, "PHÒNG CHỐNG THIÊN TAI " + tag, "thiên tai " + tag):
            r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": q}))
            self.assert_status(r, 200)
            self.assertEqual([d["id"] for d in r.body["items"]], [d["id"] for d in reversed(made)], q)
        r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": "so noi vu tinh lam dong"}))
        self.assertIn(inc["id"], [d["id"] for d in r.body["items"]])
        r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": "dac biet " + tag}))
        self.assertEqual([d["id"] for d in r.body["items"]], [inc["id"]])
        # by symbol, direction, type, year
        r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": made[2]["symbol"]}))
        self.assertIn(made[2]["id"], [d["id"] for d in r.body["items"]])
        q = urllib.parse.urlencode({"q": tag})
        self.assertEqual(len(c.req("GET", "/api/v1/documents?direction=in&" + q).body["items"]), 1)
        self.assertEqual(len(c.req("GET", "/api/v1/documents?direction=out&" + q).body["items"]), 5)
        self.assertEqual(len(c.req("GET", "/api/v1/documents?type=ke-hoach&" + q).body["items"]), 5)
        self.assertEqual(len(c.req("GET", "/api/v1/documents?year=2026&" + q).body["items"]), 0)
        self.assertEqual(len(c.req("GET", "/api/v1/documents?year=2027&unit=%s&%s" % (self.cujut["id"], q)).body["items"]), 6)
        # pages of 2: every document once, newest first, then next_cursor null
        seen, cursor = [], None
        while True:
            r = c.req("GET", "/api/v1/documents?limit=2&%s%s" % (q, "&cursor=" + cursor if cursor else ""))
            self.assert_status(r, 200)
            self.assertLessEqual(len(r.body["items"]), 2)
            seen += [d["id"] for d in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted(seen, reverse=True))
        self.assertEqual(sorted(seen), sorted([d["id"] for d in made] + [inc["id"]]))
        # short needles (under the trigram index's three characters) and LIKE's own characters still search, by
        # scan; a needle of only wildcards is no filter at all, not "everything matches %"
        r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": "số %d" % 3}))
        self.assertIn(made[3]["id"], [d["id"] for d in r.body["items"]])
        r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": "thiên%_ tai " + tag}))
        self.assertEqual([d["id"] for d in r.body["items"]], [d["id"] for d in reversed(made)])
        # other communes' registers are not listed
        r = self.users["thuanan.clerk"].req("GET", "/api/v1/documents?" + q)
        self.assertEqual(r.body["items"], [])
        # the province official reads the communes under it, not another province's
        r = self.users["lamdong.official"].req("GET", "/api/v1/documents?" + q)
        self.assertEqual(len(r.body["items"]), 6)
        r = self.users["langson.official"].req("GET", "/api/v1/documents?" + q)
        self.assertEqual(r.body["items"], [])
        # English type names with Accept-Language
        r = self.client("cujut.clerk", lang="en").req("GET", "/api/v1/documents/" + made[0]["id"])
        self.assertEqual(r.body["type_name"], "Plan")

    def test_z_rebuild_gives_the_same_rows(self):
        # Runs last in this class (alphabetical): every registration above is in the ledger.
        n = int(store_query(self.db, "SELECT COUNT(*) FROM documents")[0][0])
        self.assertGreater(n, 10)
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(int(store_query(self.db, "SELECT COUNT(*) FROM documents")[0][0]), n)


class DocumentYearRollover(ApiTestCase):
    """The register of a year ends on 31 December; 1 January (Vietnam time) starts again at 01."""

    @classmethod
    def setUpClass(cls):
        cls.server = None

    def test_numbers_restart_on_1_january_vietnam_time(self):
        s1 = start_server("rollover-a", ms(2027, 12, 31, 23, 58))
        try:
            c = Client(s1)
            c.login("cujut.clerk")
            a = [outgoing(c).body for _ in range(3)]
            i1 = incoming(c, dated="2027-12-30").body
        finally:
            self.assertEqual(s1.stop(), [])
        self.assertEqual([(d["number"], d["year"], d["dated"]) for d in a],
                         [(1, 2027, "2027-12-31"), (2, 2027, "2027-12-31"), (3, 2027, "2027-12-31")])
        self.assertEqual(i1["number"], 1)
        # 00:01 on 1 January in Vietnam is still 31 December in UTC: the Vietnamese date decides
        s2 = start_server("rollover-b", ms(2028, 1, 1, 0, 1), db=s1.db)
        try:
            c = Client(s2)
            c.login("cujut.clerk")
            b = outgoing(c).body
            self.assertEqual((b["number"], b["year"], b["dated"], b["symbol"]), (1, 2028, "2028-01-01", "01/QĐ-UBND"))
            self.assertEqual(outgoing(c).body["number"], 2)
            i2 = incoming(c, dated="2027-12-30").body
            self.assertEqual((i2["number"], i2["year"]), (1, 2028))
            # the same incoming document registered again in the new year is still the same document
            r = incoming(c, expect=None, symbol=i1["symbol"], dated="2027-12-30")
            self.assert_problem(r, 409, "MSG_DOC_DUPLICATE")
            r = c.req("GET", "/api/v1/documents?direction=out&year=2027")
            self.assertEqual(sorted(d["number"] for d in r.body["items"]), [1, 2, 3])
            r = c.req("GET", "/api/v1/documents?direction=out&year=2028")
            self.assertEqual(sorted(d["number"] for d in r.body["items"]), [1, 2])
        finally:
            self.assertEqual(s2.stop(), [])
        cp = run_cli("rebuild", "--check", "--db", s1.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)


class DocumentParallelNumbering(ApiTestCase):
    """Two server processes on one store, four writers each: numbers 1..N, no gap, no duplicate."""

    N_PER_WRITER = 6

    @classmethod
    def setUpClass(cls):
        cls.server = None

    def test_parallel_writers_in_two_processes(self):
        s1 = start_server("parallel-a", PINNED_NOW_MS)
        s2 = start_server("parallel-b", PINNED_NOW_MS, db=s1.db)
        errors, got = [], []
        lock = threading.Lock()

        def writer(server, kind):
            c = Client(server)
            c.login("cujut.clerk")
            for _ in range(self.N_PER_WRITER):
                r = outgoing(c, expect=None) if kind == "out" else incoming(c, expect=None)
                with lock:
                    if r.status != 201:
                        errors.append(r)
                    else:
                        got.append((kind, r.body["number"], r.body["symbol"]))

        try:
            threads = [threading.Thread(target=writer, args=(s, k)) for s in (s1, s2) for k in ("out", "out", "in",
                                                                                                   "out")]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            self.assertEqual(errors, [])
            outs = sorted(n for k, n, _ in got if k == "out")
            ins = sorted(n for k, n, _ in got if k == "in")
            self.assertEqual(outs, list(range(1, 6 * self.N_PER_WRITER + 1)))
            self.assertEqual(ins, list(range(1, 2 * self.N_PER_WRITER + 1)))
            syms = [s for k, _, s in got if k == "out"]
            self.assertEqual(len(set(syms)), len(syms))
            self.assertEqual(store_query(s1.db, "SELECT last FROM document_counters WHERE direction = 'out'"),
                             [(str(6 * self.N_PER_WRITER),)])
        finally:
            p1, p2 = s1.stop(), s2.stop()
        self.assertEqual(p1 + p2, [])
        cp = run_cli("rebuild", "--check", "--db", s1.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)


# ---- the authorization matrix ----

LEVELS = {"desk": ("department", "commune", "province"), "specialist": ("department", "commune", "province"),
          "leader": ("department", "commune", "province"), "clerk": ("department", "commune", "province"),
          "official": ("province", "national"), "admin": ("department", "commune", "province", "national")}
REGISTER_ROLES = ("clerk", "leader")
READ_ROLES = ("clerk", "leader", "official")


def unit_path(admin, unit):
    """The unit's path of ids ("/<root>/.../<id>/"), read up its parents."""
    ids = [unit["id"]]
    while unit.get("parent_id"):
        unit = admin.req("GET", "/api/v1/units/" + unit["parent_id"]).body
        ids.append(unit["id"])
    return "/" + "/".join(reversed(ids)) + "/"


def matrix_actors(admin, server, grant_units, prefix):
    """One signed-in staff member per (role, level) of LEVELS, holding that role at grant_units[level]."""
    actors = {}
    for role, levels in LEVELS.items():
        for level in levels:
            g = grant_units[level]
            name = unique(prefix)
            r = admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Văn Thư Thử", "password": PW,
                                                        "unit_id": g["id"], "roles": [{"role": role, "unit_id": g["id"]}]})
            if r.status != 201:
                raise AssertionError("creating %s: %r" % (name, r))
            c = Client(server)
            c.login(name, PW)
            actors[(role, level)] = (c, g)
    return actors


class DocumentAccessMatrix(DocumentBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a = cls.admin
        u = {s: unit_by_slug(a, s) for s in ("cujut", "cujut.pkt", "thuanan", "lamdong", "langson", "locbinh")}
        u["root"] = a.req("GET", "/api/v1/units?kind=national").body["items"][0]
        for unit in u.values():
            unit["path"] = unit_path(a, unit)
        cls.unit = u
        cls.grant_units = {"department": u["cujut.pkt"], "commune": u["cujut"], "province": u["lamdong"],
                           "national": u["root"]}
        # targets: own commune, its department, another commune of the province, a commune of another province,
        # the province
        cls.targets = {"cujut": u["cujut"], "cujut.pkt": u["cujut.pkt"], "thuanan": u["thuanan"],
                       "locbinh": u["locbinh"], "lamdong": u["lamdong"]}
        cls.actors = matrix_actors(a, cls.server, cls.grant_units, "dm.")
        # one document in each commune register, made by its own clerk
        cls.docs = {"cujut": outgoing(cls.users["cujut.clerk"]).body,
                    "thuanan": outgoing(cls.users["thuanan.clerk"]).body,
                    "locbinh": incoming(cls.users["locbinh.clerk"]).body}

    def test_matrix(self):
        cells = 0
        for (role, level), (c, g) in sorted(self.actors.items()):
            for tname, t in sorted(self.targets.items()):
                inside = t["path"].startswith(g["path"])
                seen = inside or g["path"].startswith(t["path"])
                # register
                if not seen:
                    want = 404
                elif not (inside and role in REGISTER_ROLES):
                    want = 403
                elif t["kind"] == "department":
                    want = 422
                else:
                    want = 201
                for direction in ("out", "in"):
                    with self.subTest(role=role, level=level, target=tname, direction=direction):
                        before = self.snap()
                        r = (outgoing if direction == "out" else incoming)(c, expect=None, unit=t["id"])
                        if want == 201:
                            self.assert_status(r, 201)
                            self.assertEqual(r.body["unit_id"], t["id"])
                        else:
                            self.assert_problem(r, want, field="unit")
                            self.assertEqual(self.snap(), before)
                        cells += 1
                # list a unit's registers
                if not seen:
                    want = 404
                elif not (inside and role in READ_ROLES):
                    want = 403
                else:
                    want = 200
                with self.subTest(role=role, level=level, target=tname, op="list"):
                    before = self.snap()
                    r = c.req("GET", "/api/v1/documents?unit=" + t["id"])
                    if want == 200:
                        self.assert_status(r, 200)
                    else:
                        self.assert_problem(r, want)
                    self.assertEqual(self.snap(), before)
                    cells += 1
            # read each commune's document by id
            for cname, d in sorted(self.docs.items()):
                path = self.unit[cname]["path"]
                want = 200 if role in READ_ROLES and path.startswith(g["path"]) else 404
                with self.subTest(role=role, level=level, document=cname):
                    r = c.req("GET", "/api/v1/documents/" + d["id"])
                    if want == 200:
                        self.assert_status(r, 200)
                    else:
                        self.assert_problem(r, 404)
                    cells += 1
            # the unfiltered list holds only readable documents
            with self.subTest(role=role, level=level, op="list-all"):
                r = c.req("GET", "/api/v1/documents?limit=200")
                if role not in READ_ROLES:
                    self.assert_status(r, 200)          # only what they lead: nothing here
                    self.assertEqual(r.body["items"], [])
                else:
                    self.assert_status(r, 200)
                    for d in r.body["items"]:
                        unit_paths = [u["path"] for u in self.unit.values() if u["id"] == d["unit_id"]]
                        self.assertTrue(unit_paths and unit_paths[0].startswith(g["path"]), d)
        self.assertGreater(cells, 300)

    def test_citizens_and_anonymous(self):
        before = self.snap()
        anon = Client(self.server)
        self.assertEqual(anon.req("GET", "/api/v1/documents").status, 401)
        self.assertEqual(anon.req("GET", "/api/v1/documents/" + self.docs["cujut"]["id"]).status, 401)
        self.assertEqual(outgoing(anon, expect=None).status, 401)
        self.assertEqual(self.snap(), before)


class DocumentHandling(DocumentBase):
    """Assigning an incoming document (leader), progress and completion (assignees), with refusals unchanged."""

    def act(self, client, doc, expect=200, **body):
        r = client.req("POST", "/api/v1/documents/%s/handling" % doc["id"], json=body)
        if expect is not None and r.status != expect:
            raise AssertionError("handling: expected %s, got %r" % (expect, r))
        return r

    def test_assign_progress_done(self):
        leader, clerk = self.users["cujut.leader"], self.users["cujut.clerk"]
        spec = self.users["cujut.specialist"]                      # home unit: cujut.pkt
        d = incoming(clerk).body
        before = self.snap()
        refusals = [
            (clerk, dict(action="assign", version=1, lead_unit=self.cujut_pkt["id"]), 403, "MSG_DOC_HANDLE_ROLE"),
            (self.users["thuanan.clerk"], dict(action="assign", version=1, lead_unit=self.cujut_pkt["id"]), 404, None),
            (leader, dict(action="assign", version=2, lead_unit=self.cujut_pkt["id"]), 412, "MSG_VERSION_MISMATCH"),
            (leader, dict(action="assign", version=1), 400, "MSG_MISSING_FIELD"),
            (leader, dict(action="assign", version=1, lead_unit=self.cujut["id"]), 422, "MSG_DOC_LEAD"),
            (leader, dict(action="assign", version=1, lead_unit=unit_by_slug(self.admin, "thuanan.pkt")["id"]), 422,
             "MSG_DOC_LEAD"),
            (leader, dict(action="assign", version=1, lead_unit=self.cujut_pkt["id"],
                          coordinators=[self.cujut_pkt["id"]]), 422, "MSG_DOC_LEAD"),
            (leader, dict(action="assign", version=1, lead_unit=self.cujut_pkt["id"], deadline="2027-03-01"), 400,
             "MSG_DOC_DATE"),
            (leader, dict(action="progress", version=1, note="Đang xử lý"), 409, "MSG_DOC_STATE"),
            (leader, dict(action="close", version=1), 400, "MSG_FIELD_INVALID"),
            (leader, dict(action="assign", version=1, lead_unit=self.cujut_pkt["id"], extra=1), 400,
             "MSG_UNKNOWN_FIELD"),
        ]
        for client, body, status, code in refusals:
            with self.subTest(body=body):
                self.assert_problem(self.act(client, d, expect=None, **body), status, code)
        self.assertEqual(self.snap(), before)
        a = self.act(leader, d, action="assign", version=1, lead_unit=self.cujut_pkt["id"],
                     coordinators=[self.cujut_vp["id"]], deadline="2027-03-09", note="Giao Phòng Kinh tế chủ trì").body
        self.assertEqual((a["status"], a["lead_unit_id"], a["deadline"], a["version"]),
                         ("assigned", self.cujut_pkt["id"], "2027-03-09", 2))
        self.assertEqual([(h["n"], h["action"], h["coordinators"], h["note"]) for h in a["handling"]],
                         [(1, "assigned", [self.cujut_vp["id"]], "Giao Phòng Kinh tế chủ trì")])
        # the lead department's staff now read it and find it in their list; the desk officer does not
        self.assert_status(spec.req("GET", "/api/v1/documents/" + d["id"]), 200)
        self.assertIn(d["id"], [x["id"] for x in spec.req("GET", "/api/v1/documents").body["items"]])
        self.assertNotIn(d["id"], [x["id"] for x in self.users["cujut.desk"].req("GET", "/api/v1/documents").body["items"]])
        self.assert_problem(self.users["cujut.desk"].req("GET", "/api/v1/documents/" + d["id"]), 404)
        # the lead department's specialist reports; progress needs a note
        self.assert_problem(self.act(spec, d, expect=None, action="progress", version=2), 400, "MSG_MISSING_FIELD")
        p = self.act(spec, d, action="progress", version=2, note="Đã xây dựng dự thảo").body
        self.assertEqual((p["status"], p["version"]), ("in_progress", 3))
        # the desk officer neither reads it nor is assigned: 404; the clerk reads it but reports only as a clerk
        before = self.snap()
        self.assert_problem(self.act(self.users["cujut.desk"], d, expect=None, action="done", version=3), 404)
        # the province official reads it but is no assignee: 403
        self.assert_problem(self.act(self.users["lamdong.official"], d, expect=None, action="done", version=3), 403,
                            "MSG_DOC_HANDLE_ROLE")
        self.assertEqual(self.snap(), before)
        done = self.act(spec, d, action="done", version=3, note="Đã trình ký").body
        self.assertEqual(done["status"], "done")
        self.assert_problem(self.act(leader, d, expect=None, action="assign", version=4,
                                     lead_unit=self.cujut_pkt["id"]), 409, "MSG_DOC_STATE")
        self.assertEqual(leader.req("GET", "/api/v1/documents/" + d["id"]).body, done)
        rows = store_query(self.db, "SELECT n, action FROM document_handling WHERE document_id = '%s' ORDER BY n"
                           % d["id"])
        self.assertEqual(rows, [("1", "assigned"), ("2", "progress"), ("3", "done")])
        # an outgoing document is not handled
        o = outgoing(clerk).body
        self.assert_problem(self.act(leader, o, expect=None, action="assign", version=1,
                                     lead_unit=self.cujut_pkt["id"]), 409, "MSG_DOC_STATE")
        # a deadline in working days on the unit's calendar, as GET /api/v1/calendar/due counts it (Tuesday
        # 2027-03-02 08:00 + 5 working days), and never together with a date
        d3 = incoming(clerk).body
        self.assert_problem(self.act(leader, d3, expect=None, action="assign", version=1, lead_unit=self.cujut_pkt["id"],
                                     deadline_days=5, deadline="2027-03-20"), 400, field="deadline_days")
        self.assert_problem(self.act(leader, d3, expect=None, action="assign", version=1, lead_unit=self.cujut_pkt["id"],
                                     deadline_days=0), 400, field="deadline_days")
        a3 = self.act(leader, d3, action="assign", version=1, lead_unit=self.cujut_pkt["id"], deadline_days=5).body
        due = leader.req("GET", "/api/v1/calendar/due?from=2027-03-02T08:00&rule=days&amount=5&unit=" + self.cujut["id"])
        self.assert_status(due, 200)
        self.assertTrue(str(due.body["due"]).startswith(a3["deadline"]), (due.body, a3["deadline"]))
        self.assertIn(a3["deadline"], ("2027-03-08", "2027-03-09"))
        # a person as the lead
        d2 = incoming(clerk).body
        spec_id = self.admin.req("GET", "/api/v1/staff?q=cujut.specialist").body["items"][0]["id"]
        a2 = self.act(leader, d2, action="assign", version=1, lead_account=spec_id).body
        self.assertEqual((a2["lead_account_id"], a2["lead_unit_id"]), (spec_id, None))
        self.act(spec, d2, action="done", version=2)

    def test_z_rebuild_gives_the_same_rows(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class DocumentWorkLists(DocumentBase):
    """The work lists (docs/documents.md, "Work lists"): view=lead | coordinating with due=soon | overdue; a
    co-ordinating department reads the document and adds progress notes but does not close it; a department not
    named and another commune's staff neither list nor read it (404), each refusal changing nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a = cls.admin
        cls.dept = {s: unit_by_slug(a, s) for s in ("cujut.pkt", "cujut.vp", "cujut.pvhxh", "thuanan.pkt")}
        cls.staff, cls.names = {}, {}
        for slug, g in cls.dept.items():
            name = unique("wl.")
            r = a.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Chuyên Viên Thử", "password": PW,
                                                    "unit_id": g["id"], "roles": [{"role": "specialist",
                                                                                   "unit_id": g["id"]}]})
            if r.status != 201:
                raise AssertionError("creating %s: %r" % (name, r))
            c = Client(cls.server)
            c.login(name, PW)
            cls.staff[slug] = c
            cls.names[slug] = name

    def act(self, client, doc, expect=200, **body):
        r = client.req("POST", "/api/v1/documents/%s/handling" % doc["id"], json=body)
        if expect is not None and r.status != expect:
            raise AssertionError("handling: expected %s, got %r" % (expect, r))
        return r

    def ids(self, client, query):
        r = client.req("GET", "/api/v1/documents?limit=200&" + query)
        self.assert_status(r, 200)
        return [x["id"] for x in r.body["items"]]

    def test_lists_matrix_and_progress(self):
        leader, clerk = self.users["cujut.leader"], self.users["cujut.clerk"]
        lead, coord = self.staff["cujut.pkt"], self.staff["cujut.vp"]
        other, far = self.staff["cujut.pvhxh"], self.staff["thuanan.pkt"]
        soon, later, plain = (incoming(clerk).body for _ in range(3))
        self.act(leader, soon, action="assign", version=1, lead_unit=self.dept["cujut.pkt"]["id"],
                 coordinators=[self.dept["cujut.vp"]["id"]], deadline="2027-03-04")
        a = self.act(leader, later, action="assign", version=1, lead_unit=self.dept["cujut.pkt"]["id"],
                     coordinators=[self.dept["cujut.vp"]["id"]], deadline="2027-03-20").body
        self.assertEqual(a["coordinators"], [self.dept["cujut.vp"]["id"]])
        self.act(leader, plain, action="assign", version=1, lead_unit=self.dept["cujut.pkt"]["id"])
        mine = {soon["id"], later["id"], plain["id"]}
        # who lists what: lead dept, co-ordinating dept, a department not named, another commune's department
        cells = {
            (lead, "view=lead"): {soon["id"], later["id"], plain["id"]},
            (lead, "view=lead&due=soon"): {soon["id"]},
            (lead, "view=coordinating"): set(),
            (coord, "view=coordinating"): {soon["id"], later["id"]},
            (coord, "view=coordinating&due=soon"): {soon["id"]},
            (coord, "view=coordinating&due=soon&days=30"): {soon["id"], later["id"]},
            (coord, "view=coordinating&due=overdue"): set(),
            (coord, "view=lead"): set(),
            (coord, ""): {soon["id"], later["id"]},
            (other, "view=coordinating"): set(),
            (other, "view=lead"): set(),
            (other, ""): set(),
            (far, "view=coordinating"): set(),
            (far, ""): set(),
        }
        for (client, query), want in cells.items():
            with self.subTest(query=query):
                self.assertEqual(set(self.ids(client, query)) & mine, want)
        # reading: the co-ordinating department reads it; the others 404
        self.assert_status(coord.req("GET", "/api/v1/documents/" + soon["id"]), 200)
        self.assert_problem(coord.req("GET", "/api/v1/documents/" + plain["id"]), 404)
        for c in (other, far):
            self.assert_problem(c.req("GET", "/api/v1/documents/" + soon["id"]), 404)
        # bad parameters: 400 naming it
        for query, field in (("view=mine", "view"), ("due=late", "due"), ("due=soon&days=0", "days"),
                             ("due=soon&days=61", "days"), ("view=lead&days=3", "days")):
            with self.subTest(query=query):
                self.assert_problem(coord.req("GET", "/api/v1/documents?" + query), 400, field=field)
        # progress by the co-ordinating department; done is the lead's: 403; the others 404; nothing changed
        before = self.snap()
        self.assert_problem(self.act(coord, soon, expect=None, action="done", version=2), 403, "MSG_DOC_HANDLE_ROLE")
        for c in (other, far):
            self.assert_problem(self.act(c, soon, expect=None, action="progress", version=2, note="x"), 404)
        self.assertEqual(self.snap(), before)
        p = self.act(coord, soon, action="progress", version=2, note="Văn phòng đã góp ý").body
        self.assertEqual((p["status"], p["handling"][-1]["action"], p["handling"][-1]["note"]),
                         ("in_progress", "progress", "Văn phòng đã góp ý"))
        # a reassignment without co-ordinators takes the document off their list
        self.act(leader, later, action="assign", version=2, lead_unit=self.dept["cujut.pkt"]["id"])
        self.assertEqual(set(self.ids(coord, "view=coordinating")) & mine, {soon["id"]})
        self.assert_problem(coord.req("GET", "/api/v1/documents/" + later["id"]), 404)
        # ten days later on the same store: the first one is overdue for both lists, done drops it
        s2 = start_server("worklists-later", ms(2027, 3, 12, 8, 0), db=self.db)
        try:
            c2, l2 = Client(s2), Client(s2)
            c2.login(self.names["cujut.vp"], PW)
            l2.login(self.names["cujut.pkt"], PW)
            self.assertEqual(set(self.ids(c2, "view=coordinating&due=overdue")) & mine, {soon["id"]})
            self.assertEqual(set(self.ids(l2, "view=lead&due=overdue")) & mine, {soon["id"]})
            self.assertEqual(set(self.ids(l2, "view=lead&due=soon")) & mine, set())
            self.act(l2, soon, action="done", version=3, note="Đã xong")
            self.assertEqual(set(self.ids(c2, "view=coordinating&due=overdue")) & mine, set())
        finally:
            self.assertEqual(s2.stop(), [])

    def test_z_rebuild_gives_the_same_rows(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class DocumentStartsDossier(DocumentBase):
    """POST /api/v1/documents/{id}/dossier: an incoming document starts a dossier through the one intake, linked
    both ways as event data; one per document (409 naming it); a clerk, desk officer or leader of the document's
    unit only; every refusal changes nothing."""

    def body(self, **extra):
        from test_dossiers import DEMO_IDS, mandatory_papers, shipped
        proc = shipped("2.000806")
        b = {"procedure": proc["code"],
             "applicant": {"kind": "organisation", "name": "UBND tỉnh Lâm Đồng", "id_number": "0100109106",
                           "phone": "0263 3822 123", "address": "Đà Lạt"},
             "papers": [{"paper": pid} for pid in mandatory_papers(proc)]}
        b.update(extra)
        return b

    def start(self, client, doc, **extra):
        return client.req("POST", "/api/v1/documents/%s/dossier" % doc["id"], json=self.body(**extra))

    def snap(self):
        return snapshot(self.db) + (store_query(self.db, "SELECT COUNT(*) FROM dossiers"),)

    def test_starts_once_linked_both_ways(self):
        clerk = self.users["cujut.clerk"]
        made = {}
        for who in ("cujut.clerk", "cujut.desk", "cujut.leader"):
            d = incoming(clerk).body
            r = self.start(self.users[who], d)
            self.assert_status(r, 201)
            self.assertEqual(r.body["source_document"], {"id": d["id"], "symbol": d["symbol"]})
            self.assertEqual(r.body["applicant"]["name"] if isinstance(r.body.get("applicant"), dict)
                             else r.body.get("applicant_name"), "UBND tỉnh Lâm Đồng")
            made[who] = (d, r.body)
        d, x = made["cujut.clerk"]
        doc = clerk.req("GET", "/api/v1/documents/" + d["id"]).body
        self.assertEqual(doc["dossier_code"], x["code"])
        self.assertEqual(doc["version"], d["version"] + 1)
        self.assertEqual(store_query(self.db, "SELECT dossier_code FROM document_dossiers WHERE document_id = '%s'"
                                     % d["id"]), [(x["code"],)])
        self.assertEqual(self.users["cujut.desk"].req("GET", "/api/v1/dossiers/" + x["code"]).body["source_document"]["id"],
                         d["id"])
        # refusals, each changing nothing
        fresh = incoming(clerk).body
        out = outgoing(clerk).body
        before = self.snap()
        cells = [
            (self.users["cujut.leader"], d, {}, 409, "MSG_DOC_DOSSIER_EXISTS"),
            (self.users["cujut.specialist"], fresh, {}, 404, None),      # no reading role, not its lead
            (self.users["thuanan.clerk"], fresh, {}, 404, None),         # another commune's clerk
            (self.users["locbinh.clerk"], fresh, {}, 404, None),
            (self.users["lamdong.official"], fresh, {}, 403, "MSG_DOC_DOSSIER_ROLE"),   # reads, may not start
            (clerk, out, {}, 409, "MSG_DOC_STATE"),
            (clerk, fresh, {"procedure": "9.999999"}, 404, "MSG_DOSSIER_PROCEDURE_UNKNOWN"),
            (clerk, fresh, {"channel": "desk"}, 400, "MSG_UNKNOWN_FIELD"),
            (clerk, fresh, {"papers": []}, 422, None),
            (clerk, fresh, {"applicant": {"kind": "person"}}, 400, None),
        ]
        for client, doc_, extra, status, code in cells:
            with self.subTest(status=status, code=code, extra=extra):
                r = self.start(client, doc_, **extra)
                self.assert_problem(r, status, code)
                if code == "MSG_DOC_DOSSIER_EXISTS":
                    self.assertIn(x["code"], r.body["detail"])
        self.assertEqual(self.snap(), before)
        anon = Client(self.server)
        self.assertEqual(anon.req("POST", "/api/v1/documents/%s/dossier" % fresh["id"], json=self.body()).status, 401)
        self.assertEqual(self.snap(), before)

    def test_z_rebuild_gives_the_same_rows(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class DocumentRegisterCsv(DocumentBase):

    def test_register_csv_in_number_order(self):
        c = self.users["thuanan.clerk"]
        made = [outgoing(c, summary="Văn bản %d" % i, type=t).body
                for i, t in enumerate(("quyet-dinh", "thong-bao", "ke-hoach"))]
        outgoing(c, recipients="=HYPERLINK(\"x\")")
        inc = incoming(c, agency="Sở Nội vụ").body
        r = c.req("GET", "/api/v1/documents/register.csv?direction=out")
        self.assert_status(r, 200)
        text = r.raw.decode("utf-8-sig")
        lines = text.split("\r\n")
        self.assertIn("Sổ đăng ký văn bản đi", lines[0])
        body = "\n".join(lines)
        pos = [body.index(d["symbol"]) for d in made]
        self.assertEqual(pos, sorted(pos), "register order: numbers ascending")
        self.assertIn("'=HYPERLINK", body, "formula guard")
        self.assertIn("Quyết định (cá biệt): Văn bản 0", body)
        r = c.req("GET", "/api/v1/documents/register.csv?direction=in&year=2027&unit=" + self.thuanan["id"])
        self.assert_status(r, 200)
        self.assertIn(inc["symbol"], r.raw.decode("utf-8-sig"))
        self.assertIn("Sở Nội vụ", r.raw.decode("utf-8-sig"))
        r = self.client("thuanan.clerk", lang="en").req("GET", "/api/v1/documents/register.csv?direction=in")
        self.assertIn("Incoming document register", r.raw.decode("utf-8-sig"))
        r = c.req("GET", "/api/v1/documents/register.csv?direction=out&year=2026")
        self.assertNotIn(made[0]["symbol"], r.raw.decode("utf-8-sig"))
        # the same register as XLSX and PDF
        r = c.req("GET", "/api/v1/documents/register?direction=out&format=xlsx")
        self.assert_status(r, 200)
        self.assertEqual(r.raw[:2], b"PK")
        r = c.req("GET", "/api/v1/documents/register?direction=out&format=pdf")
        self.assert_status(r, 200)
        self.assertEqual(r.raw[:5], b"%PDF-")
        if shutil.which("pdftotext"):
            cp = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=r.raw, capture_output=True, timeout=60)
            self.assertIn("Sổ đăng ký văn bản đi", cp.stdout.decode("utf-8"))
            self.assertIn(made[0]["symbol"], cp.stdout.decode("utf-8"))
        before = self.snap()
        self.assert_problem(c.req("GET", "/api/v1/documents/register?direction=out&format=doc"), 400)
        self.assert_problem(c.req("GET", "/api/v1/documents/register.csv"), 400, field="direction")
        self.assert_problem(c.req("GET", "/api/v1/documents/register.csv?direction=out&year=99"), 400, field="year")
        self.assert_problem(c.req("GET", "/api/v1/documents/register.csv?direction=out&unit=" + self.cujut["id"]), 404)
        self.assert_problem(c.req("GET", "/api/v1/documents/register.csv?direction=out&unit=" + self.lamdong["id"]), 403)
        self.assert_problem(self.users["cujut.desk"].req("GET", "/api/v1/documents/register.csv?direction=out"), 403,
                            "MSG_DOC_READ_ROLE")
        self.assertEqual(self.snap(), before)
