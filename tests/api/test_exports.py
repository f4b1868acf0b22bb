"""Exports: GET /api/v1/reports/book (the tracking book, sổ theo dõi hồ sơ, of a unit's subtree) as CSV, XLSX and PDF
(domain/export.h, domain/dossier_book.h).

Dossiers are created and driven through the API on the pinned clock of test_dossiers (2027-03-02), then the book is
downloaded in the three formats and read back with real readers: the csv module (BOM, CRLF, quoting), openpyxl
under Debian's /usr/bin/python3 (cells, number types, percent formats, bold header, sheet names) and poppler
(pdftotext: Vietnamese text, codes, "Trang 1/2" / "Page 1/2"; pdffonts: every font embedded). Each row is compared
with the dossier it describes. Scope: leader, official and admin of the unit or above read it; another commune or
province 404; desk officers and specialists 403; citizens 403; bad formats and ranges 400; more than 20,000 dossiers
422; and no bad request changes the store."""
import csv
import io
import json
import os
import re
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import Client, staff_by_username, unique_phone
from test_dossiers import DEMO_IDS, DossierBase
from test_dossier_forms import pdf_text

DAY = "2027-03-02"          # the pinned clock's day (test_dossiers.PINNED_NOW_MS)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_VI = ["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Tên tổ chức, cá nhân", "Địa chỉ, số điện thoại",
             "Cơ quan chủ trì giải quyết", "Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển giao hồ sơ", "Có kết quả",
             "Kết quả giải quyết", "Trả kết quả", "Phương thức nhận kết quả", "Ký nhận", "Ghi chú"]
HEADER_EN = ["No.", "Dossier code", "Procedure", "Applicant", "Address, phone", "Lead agency", "Received", "Due",
             "Hand-overs", "Resolved", "Result timing", "Returned", "How the result was received", "Received by",
             "Notes"]

# Read a workbook with openpyxl (Debian's python3-openpyxl, under /usr/bin/python3: the harness's python may be
# another one) and print every sheet's cells with their types, number formats and boldness as JSON.
XLSX_DUMP = r"""
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": []}
for ws in wb.worksheets:
    rows = []
    for row in ws.iter_rows():
        rows.append([{"v": c.value, "t": type(c.value).__name__, "fmt": c.number_format, "bold": bool(c.font and c.font.b)}
                     for c in row])
    out["sheets"].append({"title": ws.title, "rows": rows, "freeze": ws.freeze_panes,
                          "widths": {k: v.width for k, v in ws.column_dimensions.items()}})
print(json.dumps(out, default=str))
"""


def read_xlsx(data):
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        cp = subprocess.run(["/usr/bin/python3", "-c", XLSX_DUMP, path], capture_output=True, text=True, timeout=60)
        assert cp.returncode == 0, cp.stderr
        return json.loads(cp.stdout)
    finally:
        os.unlink(path)


def pdf_raw(data):
    """pdftotext -raw: the text in the order it is drawn, so a cell's wrapped lines stay together."""
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        cp = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", path, "-"], capture_output=True, timeout=60)
        assert cp.returncode == 0, cp.stderr
        return cp.stdout.decode("utf-8")
    finally:
        os.unlink(path)


def vn_time(iso):
    """'2027-03-09T08:00:00+07:00' -> '09/03/2027 08:00' as the book prints an instant."""
    if not iso:
        return ""
    return "%s/%s/%s %s" % (iso[8:10], iso[5:7], iso[:4], iso[11:16])


class BookBase(DossierBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_leader = cls.users["thuanan.leader"]
        cls.official = cls.users["lamdong.official"]

    def book(self, client, expect=200, **q):
        r = client.req("GET", "/api/v1/reports/book?" + urllib.parse.urlencode(q))
        if expect is not None:
            self.assert_status(r, expect)
        return r


class BookExportTests(BookBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        t = cls("test_csv")
        # a: received at the desk and driven to delivery by post: hand-overs, timing, method, signature.
        cls.a = t.new()
        code = cls.a["code"]
        t.to_processing(code)
        t.act(cls.spec, code, "forward")
        t.act(cls.lead, code, "approve")
        t.act(cls.desk, code, "attach_result", result="Giấy chứng nhận số 7")
        cls.a = t.act(cls.desk, code, "deliver", received_by="Nguyễn Văn Đức", how="post")
        # b: an address that needs CSV quoting and a formula guard on the applicant's address.
        cls.b = t.new(applicant={"kind": "person", "name": "Phạm Thị Hoà", "id_number": DEMO_IDS[1],
                                 "phone": "0905123456", "address": "=Thôn 5, xã Cư Jút \"Bắc\""})
        # c: submitted online and refused at the desk: the note says so, with the reason.
        c = t.create(cls.citizen, channel="online", unit=cls.cujut["id"])
        assert c.status == 201, c
        cls.c = t.act(cls.desk, c.body["code"], "refuse", reason="Hồ sơ không thuộc thẩm quyền giải quyết của xã")
        # More dossiers so that the PDF runs over a page.
        cls.more = [t.new()["code"] for _ in range(14)]
        # One dossier of another commune: never in Cư Jút's book, in the province's.
        cls.other = t.new(client=cls.users["thuanan.desk"])
        cls.spec_name = staff_by_username(cls.admin, "cujut.specialist")["full_name"]
        cls.codes = [cls.a["code"], cls.b["code"], cls.c["code"]] + cls.more

    def csv_rows(self, r):
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"), r.raw[:20])
        text = r.raw[3:].decode("utf-8")
        return list(csv.reader(io.StringIO(text, newline="")))

    def test_csv(self):
        r = self.book(self.lead, unit=self.cujut["id"], **{"from": DAY, "to": DAY, "format": "csv"})
        self.assertEqual(r.headers.get("Content-Type"), "text/csv; charset=utf-8")
        self.assertEqual(r.headers.get("Content-Disposition"),
                         "attachment; filename=\"so-theo-doi-ho-so-%s-%s.csv\"; "
                         "filename*=UTF-8''so-theo-doi-ho-so-%s-%s.csv" % (DAY, DAY, DAY, DAY))
        self.assertIn("no-store", r.headers.get("Cache-Control"))
        self.assert_security_headers(r)
        self.assertTrue(r.raw.endswith(b"\r\n"))
        rows = self.csv_rows(r)
        self.assertEqual(rows[0], ["SỔ THEO DÕI HỒ SƠ"])
        self.assertEqual(rows[1], ["%s — từ ngày 02/03/2027 đến ngày 02/03/2027" % self.cujut["name"]])
        self.assertEqual(rows[2], [])
        self.assertEqual(rows[3], HEADER_VI)
        data = rows[4:]
        self.assertEqual([x[1] for x in data], self.codes, "every dossier of the day, oldest first")
        self.assertNotIn(self.other["code"], r.raw.decode("utf-8"))
        self.assertEqual([x[0] for x in data], [str(i + 1) for i in range(len(data))])
        by = {x[1]: x for x in data}
        a = by[self.a["code"]]
        self.assertEqual(a[2], self.a["procedure"]["name"])
        self.assertEqual(a[3], "Nguyễn Văn Đức")
        self.assertEqual(a[4], "Thôn 3, xã Cư Jút; 0912345678")
        self.assertEqual(a[5], self.cujut["name"])
        self.assertEqual(a[6], vn_time(self.a["received_at"]))
        self.assertEqual(a[7], vn_time(self.a["due_at"]))
        self.assertIn(self.spec_name, a[8])                       # the leader assigned it to the specialist
        self.assertGreaterEqual(len(a[8].split("\n")), 2, a[8])   # one line per hand-over
        self.assertEqual(a[9], vn_time(self.a["resolved_at"]))
        self.assertIn(a[10], ("Trước hạn", "Đúng hạn"))
        self.assertEqual(a[11], vn_time(self.a["delivered_at"]))
        self.assertEqual((a[12], a[13]), ("Bưu chính", "Nguyễn Văn Đức"))
        self.assertEqual(a[14], "")
        b = by[self.b["code"]]
        self.assertEqual(b[4], "'=Thôn 5, xã Cư Jút \"Bắc\"; 0905123456")     # quoted, guarded, unquoted by csv
        self.assertEqual(b[10], "Đang giải quyết")
        self.assertIn(b'"\'=Th\xc3\xb4n 5, x\xc3\xa3 C\xc6\xb0 J\xc3\xbat ""B\xe1\xba\xafc""; 0905123456"', r.raw)
        c = by[self.c["code"]]
        self.assertEqual(c[14], "%s: Hồ sơ không thuộc thẩm quyền giải quyết của xã" % self.c["status_name"]["vi"])
        self.assertEqual(c[10], "")                                   # refused: no result timing
        # English headers and values through Accept-Language.
        r = self.book(self.client("cujut.leader", lang="en"), unit=self.cujut["id"],
                      **{"from": DAY, "to": DAY, "format": "csv"})
        rows = self.csv_rows(r)
        self.assertEqual(rows[0], ["DOSSIER TRACKING BOOK"])
        self.assertEqual(rows[3], HEADER_EN)
        self.assertIn("filename=\"tracking-book-%s-%s.csv\"" % (DAY, DAY), r.headers.get("Content-Disposition"))
        a = [x for x in rows[4:] if x[1] == self.a["code"]][0]
        self.assertEqual(a[12], "By post")
        self.assertIn(a[10], ("Early", "On time"))

    def test_xlsx(self):
        r = self.book(self.lead, unit=self.cujut["id"], **{"from": DAY, "to": DAY, "format": "xlsx"})
        self.assertEqual(r.headers.get("Content-Type"), XLSX)
        self.assertTrue(r.raw.startswith(b"PK\x03\x04"))
        self.assertIn('filename="so-theo-doi-ho-so-%s-%s.xlsx"' % (DAY, DAY), r.headers.get("Content-Disposition"))
        wb = read_xlsx(r.raw)
        self.assertEqual(len(wb["sheets"]), 1)
        ws = wb["sheets"][0]
        self.assertEqual(ws["title"], "SỔ THEO DÕI HỒ SƠ")
        rows = ws["rows"]
        self.assertEqual(rows[0][0]["v"], "SỔ THEO DÕI HỒ SƠ")
        self.assertTrue(rows[0][0]["bold"])
        self.assertIn(self.cujut["name"], rows[1][0]["v"])
        head = rows[2]
        self.assertEqual([c["v"] for c in head], HEADER_VI)
        self.assertTrue(all(c["bold"] for c in head))
        self.assertEqual(ws["freeze"], "A4")                        # the header stays in view
        data = rows[3:]
        self.assertEqual([x[1]["v"] for x in data], self.codes)
        self.assertEqual([x[0]["v"] for x in data], list(range(1, len(self.codes) + 1)))
        self.assertEqual({x[0]["t"] for x in data}, {"int"}, "numbers are numbers")
        a = [x for x in data if x[1]["v"] == self.a["code"]][0]
        self.assertEqual(a[3]["v"], "Nguyễn Văn Đức")
        self.assertEqual(a[6]["v"], vn_time(self.a["received_at"]))
        self.assertIn(self.spec_name, a[8]["v"])
        self.assertEqual((a[12]["v"], a[13]["v"]), ("Bưu chính", "Nguyễn Văn Đức"))
        b = [x for x in data if x[1]["v"] == self.b["code"]][0]
        self.assertEqual(b[4]["v"], "=Thôn 5, xã Cư Jút \"Bắc\"; 0905123456")   # a string cell, not a formula
        self.assertEqual(b[4]["t"], "str")
        self.assertGreater(ws["widths"]["B"], 20, "the code column is wide enough for a code")

    def test_pdf(self):
        r = self.book(self.lead, unit=self.cujut["id"], **{"from": DAY, "to": DAY, "format": "pdf"})
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        self.assertTrue(r.raw.startswith(b"%PDF-"))
        text, fonts = pdf_text(r.raw)
        self.assertIn("SỔ THEO DÕI HỒ SƠ", text)
        for code in self.codes:
            self.assertIn(code, text)
        self.assertNotIn(self.other["code"], text)
        flat = re.sub(r"\s+", "", pdf_raw(r.raw))    # a cell's words wrap over lines: compare without spaces
        for s in ("Nguyễn Văn Đức", "Phạm Thị Hoà", "Bưu chính", "Chuyển giao hồ sơ", self.spec_name, "STT",
                  "Từ chối tiếp nhận: Hồ sơ không thuộc thẩm quyền giải quyết của xã"):
            self.assertIn(re.sub(r"\s+", "", s), flat)
        m = re.search(r"Trang 1/(\d+)", text)
        self.assertIsNotNone(m, "page numbers")
        self.assertGreaterEqual(int(m.group(1)), 2)
        self.assertIn("Trang %s/%s" % (m.group(1), m.group(1)), text)
        # the header row repeats on every page
        self.assertEqual(flat.count("Phươngthứcnhậnkếtquả"), int(m.group(1)))
        rows = [l for l in fonts.splitlines()[2:] if l.strip()]
        self.assertTrue(rows)
        for l in rows:
            self.assertEqual(l.split()[-5], "yes", "font not embedded: " + l)
        r = self.book(self.client("cujut.leader", lang="en"), unit=self.cujut["id"],
                      **{"from": DAY, "to": DAY, "format": "pdf"})
        text, _ = pdf_text(r.raw)
        self.assertIn("DOSSIER TRACKING BOOK", text)
        self.assertRegex(text, r"Page 1/\d+")
        self.assertNotIn("Trang 1/", text)

    def test_default_format_and_range(self):
        # format defaults to pdf; unit to the caller's own; from/to to this month (the pinned clock's March 2027).
        r = self.book(self.lead)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        self.assertIn('filename="so-theo-doi-ho-so-2027-03-01-2027-03-02.pdf"', r.headers.get("Content-Disposition"))
        text, _ = pdf_text(r.raw)
        self.assertIn(self.a["code"], text)
        # Another period: an empty book is still a book.
        r = self.book(self.lead, **{"from": "2026-01-01", "to": "2026-12-31", "format": "csv"})
        rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
        self.assertEqual(rows[3], HEADER_VI)
        self.assertEqual(rows[4:], [])

    def test_scope(self):
        q = {"from": DAY, "to": DAY, "format": "csv"}
        # The province official reads the province's book (every commune) and a commune's.
        r = self.book(self.official, unit=self.lamdong["id"], **q)
        body = r.raw.decode("utf-8")
        self.assertIn(self.other["code"], body)
        self.assertIn(self.a["code"], body)
        r = self.book(self.official, unit=self.cujut["id"], **q)
        self.assertNotIn(self.other["code"], r.raw.decode("utf-8"))
        self.assertIn(self.a["code"], r.raw.decode("utf-8"))
        self.book(self.admin, unit=self.cujut["id"], **q)
        self.book(self.other_leader, unit=self.thuanan["id"], **q)
        before = self.counts()
        # Outside the grants: 404, naming the unit parameter.
        for who, unit in ((self.lead, self.thuanan["id"]), (self.other_leader, self.cujut["id"]),
                          (self.users["langson.official"], self.cujut["id"]), (self.lead, self.lamdong["id"]),
                          (self.lead, "01J0000000000000000000000Z"), (self.lead, "../../etc")):
            self.assert_problem(self.book(who, None, unit=unit, **q), 404, "MSG_UNIT_UNKNOWN", "unit")
        # Roles that do not read reports: 403, whatever the unit.
        for who in (self.desk, self.spec, self.users["cujut.clerk"], self.users["thuanan.desk"]):
            self.assert_problem(self.book(who, None, unit=self.cujut["id"], **q), 403)
            self.assert_problem(self.book(who, None, **q), 403)
        self.assert_problem(self.book(self.citizen, None, unit=self.cujut["id"], **q), 403)
        self.assert_problem(self.book(Client(self.server), None, unit=self.cujut["id"], **q), 401)
        self.assert_unchanged(before)

    def test_bad_input(self):
        before = self.counts()
        u = self.cujut["id"]
        for fmt in ("xls", "PDF", "", "json", "csv;x"):
            self.assert_problem(self.book(self.lead, None, unit=u, format=fmt), 400, "MSG_EXPORT_FORMAT", "format")
        for q, field in (({"from": "2027-02-30"}, "from"), ({"from": "02/03/2027"}, "from"),
                         ({"from": "2027-3-2"}, "from"), ({"to": "2027-13-01"}, "to"), ({"to": "x"}, "to"),
                         ({"from": "1899-12-31", "to": "1900-01-01"}, "from")):
            self.assert_problem(self.book(self.lead, None, unit=u, **q), 400, "MSG_PARAM_INVALID", field)
        for q in ({"from": "2027-03-02", "to": "2027-03-01"}, {"from": "2026-03-01", "to": "2027-03-02"},
                  {"from": "1900-01-01", "to": "2199-12-31"}):
            self.assert_problem(self.book(self.lead, None, unit=u, **q), 400, "MSG_BOOK_RANGE", "to")
        self.assert_unchanged(before)
        # 366 days is the limit, inclusive.
        self.book(self.lead, unit=u, **{"from": "2026-03-02", "to": "2027-03-02", "format": "csv"})


class BookTooManyTests(BookBase):
    """Bounds on real volumes (rows copied in SQL, not thousands of API calls): a PDF holds 5,000 rows (422 naming
    the format; CSV and XLSX still answer), a book 20,000 dossiers (422 asking for a shorter range)."""

    def copy_dossier(self, code, first, n):
        cols = ("unit_id, unit_path, origin_path, procedure_code, procedure_version, procedure_name, field, channel, "
                "status, step, plan, time_rule, work_minutes, supplement_rule, applicant_kind, applicant_name, "
                "name_fold, id_number, phone, address, received_at, search, created_at, updated_at")
        sql = ("WITH RECURSIVE k(n) AS (SELECT %d UNION ALL SELECT n + 1 FROM k WHERE n < %d) "
               "INSERT INTO dossiers (id, code, %s) SELECT d.id || '-' || k.n, d.code || '-' || k.n, %s "
               "FROM dossiers d, k WHERE d.code = '%s'"
               % (first, first + n - 1, cols, ", ".join("d." + c.strip() for c in cols.split(",")), code))
        if self.db.is_pg:
            self.db.psql_exec(sql)
        else:
            self.db.sql(sql)

    def test_bounds(self):
        code = self.new()["code"]
        q = {"unit": self.cujut["id"], "from": DAY, "to": DAY}
        self.copy_dossier(code, 1, 5000)                          # 5,001 dossiers
        b = self.assert_problem(self.book(self.lead, None, format="pdf", **q), 422, "MSG_EXPORT_PDF_ROWS", "format")
        self.assertIn("5000", b["messages"]["en"])
        self.assertIn("5001", b["messages"]["en"])
        r = self.book(self.lead, format="csv", **q)
        rows = list(csv.reader(io.StringIO(r.raw[3:].decode("utf-8"), newline="")))
        self.assertEqual(len(rows) - 4, 5001)
        self.assertEqual(rows[-1][0], "5001")
        r = self.book(self.lead, format="xlsx", **q)
        self.assertEqual(len(read_xlsx(r.raw)["sheets"][0]["rows"]) - 3, 5001)
        self.copy_dossier(code, 5001, 15000)                      # 20,001 dossiers
        for fmt in ("csv", "xlsx", "pdf"):
            b = self.assert_problem(self.book(self.lead, None, format=fmt, **q), 422, "MSG_BOOK_TOO_MANY", "to")
            self.assertIn("20000", b["messages"]["vi"])
        # Another day still works.
        self.book(self.lead, unit=self.cujut["id"], **{"from": "2027-03-01", "to": "2027-03-01", "format": "csv"})


if __name__ == "__main__":
    unittest.main()
