"""Dossier forms: GET /api/v1/dossiers/{code}/forms/{form}.pdf (Circular 03/2025/TT-VPCP, Appendix I, forms 01-06)
filled from the dossier's projection rows.

Each dossier is driven through its lifecycle through the API, then each form is fetched and checked with pdftotext
(dossier code, applicant name, procedure name, dates, reasons, the exact national header), pdffonts (every font
embedded) and, for the receipt, zbarimg (the QR decodes to the public lookup address holding the code). Scope: an
officer of another commune and a stranger citizen get 404; the applicant citizen may print their dossier's forms;
a form that does not apply to the dossier's history is 409 naming its state."""
import os
import re
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import Client, run_cli, unique_phone
from test_dossiers import DEMO_IDS, DossierBase

DEMO_ID_2 = DEMO_IDS[1]

NATIONAL = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        cp = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True, timeout=60)
        assert cp.returncode == 0, cp.stderr
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True, timeout=60)
        assert fonts.returncode == 0, fonts.stderr
    finally:
        os.unlink(path)
    return re.sub(r"\s+", " ", cp.stdout.decode("utf-8")), fonts.stdout


def qr_of(data):
    with tempfile.TemporaryDirectory() as d:
        pdf = os.path.join(d, "f.pdf")
        with open(pdf, "wb") as f:
            f.write(data)
        subprocess.run(["pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", pdf, os.path.join(d, "p")],
                       check=True, timeout=60)
        png = [x for x in os.listdir(d) if x.endswith(".png")][0]
        cp = subprocess.run(["zbarimg", "--raw", "-q", os.path.join(d, png)], capture_output=True, text=True,
                            timeout=60)
        return cp.stdout.strip()


def vn_date(iso, instant=True):
    """'2027-03-09T08:00:00+07:00' -> 'ngày 09 tháng 03 năm 2027' as the forms print an instant (two-digit day and
    month), or with instant=False as the date line prints a date (Decree 30/2020: a leading 0 only for days below
    10 and months below 3)."""
    y, m, d = iso[:10].split("-")
    if not instant and int(m) >= 3:
        m = str(int(m))
    return "ngày %s tháng %s năm %s" % (d, m, y)


def new_citizen(server):
    """A citizen account of its own (another applicant than the suite's citizen), signed in."""
    phone = unique_phone()
    r = Client(server).req("POST", "/api/v1/citizens",
                           json={"phone": phone, "full_name": "Lê Văn Khách", "password": "khach-pass-1"})
    assert r.status == 201, r
    c = Client(server)
    c.login(phone, "khach-pass-1")
    return c


class DossierFormsTests(DossierBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stranger = new_citizen(cls.server)

    def form(self, code, name, client=None, expect=200):
        r = (client or self.desk).req("GET", "/api/v1/dossiers/%s/forms/%s.pdf" % (code, name))
        if expect != 200:
            return r
        self.assert_status(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        self.assertEqual(r.headers.get("Content-Disposition"), 'inline; filename="%s-%s.pdf"' % (name, code))
        self.assertTrue(r.raw.startswith(b"%PDF-"))
        text, fonts = pdf_text(r.raw)
        self.assertIn(NATIONAL, text)
        self.assertIn(MOTTO, text)
        rows = [l for l in fonts.splitlines()[2:] if l.strip()]
        self.assertTrue(rows, fonts)
        for l in rows:
            cols = l.split()
            self.assertEqual(cols[-5], "yes", "font not embedded: " + l)     # name type enc emb sub uni obj ID
        return text, r.raw

    def common(self, text, d):
        self.assertIn(d["code"], text)
        self.assertIn(d["procedure"]["name"][:40], text)

    def test_receipt_and_control_sheet(self):
        d = self.new()
        code = d["code"]
        text, raw = self.form(code, "receipt")
        self.common(text, d)
        self.assertIn("Nguyễn Văn Đức", text)
        self.assertIn(vn_date(d["received_at"]), text)          # received
        self.assertIn(vn_date(d["due_at"]), text)               # appointment
        self.assertIn("ngày làm việc", text)                   # statutory time
        self.assertEqual(qr_of(raw), "http://127.0.0.1:%d/lookup.html?code=%s" % (self.server.port, code))
        # Drive it to delivery: the control sheet has a line per hand-off with its timeliness.
        self.to_processing(code)
        self.act(self.spec, code, "forward")
        self.act(self.lead, code, "approve")
        self.act(self.desk, code, "attach_result", result="Giấy khai sinh số 12/2027")
        d = self.act(self.desk, code, "deliver", received_by="Nguyễn Văn Đức", how="in_person")
        text, _ = self.form(code, "control-sheet")
        self.assertIn(code, text)
        self.assertIn("Xã Cư Jút".lower(), text.lower())
        self.assertRegex(text, "Trước hạn|Đúng hạn")
        self.assertIn(vn_date(d["received_at"]), text)
        # Forms of a history it does not have: 409 naming the state.
        for f in ("refusal", "stop", "apology", "supplement"):
            r = self.form(code, f, expect=409)
            self.assert_problem(r, 409, "MSG_DF_NOT_APPLICABLE", "form")
            self.assertIn("Đã trả kết quả", r.body["messages"]["vi"])

    def test_supplement_form(self):
        d = self.new()
        code = d["code"]
        self.to_processing(code)
        self.act(self.spec, code, "request_supplement", reason="Thiếu bản sao sổ hộ khẩu",
                 items=["Bản sao giấy khai sinh", "Ảnh chân dung 4x6"])
        text, _ = self.form(code, "supplement")
        self.common(text, d)
        for s in ("Nguyễn Văn Đức", "Thiếu bản sao sổ hộ khẩu", "Bản sao giấy khai sinh", "Ảnh chân dung 4x6"):
            self.assertIn(s, text)
        self.assertNotIn(" — ", text)             # the note is split into its reason and items

    def test_apology_form(self):
        d0 = self.new()
        code = d0["code"]
        self.to_processing(code)
        d = self.act(self.lead, code, "extend", days=2, reason="Cần xác minh thêm thông tin đất đai")
        text, _ = self.form(code, "apology")
        self.common(text, d)
        self.assertIn("Nguyễn Văn Đức", text)
        self.assertIn("Cần xác minh thêm thông tin đất đai", text)
        self.assertIn(vn_date(d["original_due_at"])[5:], text)      # the missed appointment
        self.assertIn(vn_date(d["due_at"], instant=False), text)    # the new one

    def test_stop_form(self):
        d = self.new()
        code = d["code"]
        self.to_processing(code)
        self.act(self.lead, code, "stop", reason="Có quyết định của cơ quan có thẩm quyền về việc dừng")
        text, _ = self.form(code, "stop")
        self.common(text, d)
        self.assertIn("Có quyết định của cơ quan có thẩm quyền về việc dừng", text)
        r = self.form(code, "refusal", expect=409)
        self.assert_problem(r, 409, "MSG_DF_NOT_APPLICABLE")

    def test_refusal_form_and_scope(self):
        r = self.create(self.citizen, channel="online", unit=self.cujut["id"])
        self.assert_status(r, 201)
        code = r.body["code"]
        # Never accepted: no receipt yet.
        r = self.form(code, "receipt", expect=409)
        self.assert_problem(r, 409, "MSG_DF_NOT_APPLICABLE")
        d = self.act(self.desk, code, "refuse", reason="Hồ sơ không thuộc thẩm quyền giải quyết của xã")
        text, _ = self.form(code, "refusal")
        self.common(text, d)
        self.assertIn("Hồ sơ không thuộc thẩm quyền giải quyết của xã", text)
        # The applicant citizen may print it; another commune's officer and a stranger get 404.
        self.form(code, "refusal", client=self.citizen)
        for who in (self.users["thuanan.desk"], self.users["thuanan.leader"], self.stranger):
            r = self.form(code, "refusal", client=who, expect=404)
            self.assert_problem(r, 404, "MSG_NOT_FOUND")
        # Unknown forms, codes and suffixes are 404 whoever asks.
        for path in ("/forms/tracking.pdf", "/forms/refusal", "/forms/refusal.csv"):
            r = self.desk.req("GET", "/api/v1/dossiers/%s%s" % (code, path))
            self.assertEqual(r.status, 404, path)
        r = self.desk.req("GET", "/api/v1/dossiers/000.00.01.H41-270302-9999/forms/receipt.pdf")
        self.assert_problem(r, 404, "MSG_NOT_FOUND")


def outbox(db, code):
    """(template, channel, recipient, subject, body, dedupe_key) of the outbox rows about dossier code, oldest first."""
    q = ("SELECT template, channel, recipient, subject, body, dedupe_key FROM notify_outbox "
         "WHERE body LIKE '%%%s%%' ORDER BY created_at, dedupe_key" % code)
    if db.sqlite_path:
        con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(str(db.sqlite_path)), uri=True, timeout=10)
        try:
            return [tuple(r) for r in con.execute(q).fetchall()]
        finally:
            con.close()
    cp = subprocess.run(["psql", "-X", "-At", "-F", "\x1f", "-R", "\x1e", "-v", "ON_ERROR_STOP=1", db.url, "-c", q],
                        capture_output=True, text=True, timeout=60)
    assert cp.returncode == 0, cp.stderr
    return [tuple(r.strip("\n").split("\x1f")) for r in cp.stdout.split("\x1e") if r.strip()]


class DossierNotifyTests(DossierBase):
    """Each action enqueues exactly its messages (issue 9 item 6), in the transaction of its event."""
    SERVER_ARGS = ["--public-url", "https://dichvucong.example.vn"]

    def templates(self, code):
        return [(r[0], r[1]) for r in outbox(self.db, code)]

    def test_each_action_enqueues_its_messages(self):
        d = self.new()
        code = d["code"]
        rows = outbox(self.db, code)
        self.assertEqual([(r[0], r[1], r[2]) for r in rows],
                         [("received", "email", "duc@example.vn"), ("received", "sms", "0912345678")])
        subj, body = rows[0][3], rows[0][4]
        self.assertIn(code, subj)
        self.assertIn("tiếp nhận", subj)
        self.assertIn(d["procedure"]["name"][:30], body)
        self.assertIn("https://dichvucong.example.vn/lookup.html?code=" + code, body)
        self.assertIn("tháng 03 năm 2027", body)                  # the appointment, Vietnam time
        self.assertTrue(all(r[5].endswith(":" + r[1]) for r in rows))
        self.to_processing(code)                                    # forward, assign: nothing to the applicant
        self.assertEqual(len(outbox(self.db, code)), 2)
        self.act(self.spec, code, "request_supplement", reason="Thiếu bản sao sổ hộ khẩu", items=["Bản sao giấy khai sinh"])
        self.act(self.desk, code, "resubmit")
        self.act(self.spec, code, "request_payment", amount=50000)
        self.act(self.desk, code, "record_payment", amount=50000)
        self.act(self.lead, code, "extend", days=2, reason="Cần xác minh thêm thông tin đất đai")
        self.act(self.spec, code, "forward")
        self.act(self.lead, code, "approve")
        self.act(self.desk, code, "attach_result", result="Giấy khai sinh số 12/2027")
        self.act(self.desk, code, "attach_result", result="Giấy khai sinh số 12/2027 (bản sửa)")    # no second one
        self.act(self.desk, code, "deliver", received_by="Nguyễn Văn Đức", how="in_person")
        t = self.templates(code)
        expected = []
        for name in ("received", "supplement", "payment", "extended", "result_ready"):
            expected += [(name, "email"), (name, "sms")]
        self.assertEqual(t, expected)
        rows = outbox(self.db, code)
        self.assertIn("Thiếu bản sao sổ hộ khẩu", rows[2][4])
        self.assertIn("50.000", rows[4][4])
        self.assertIn("Cần xác minh thêm thông tin đất đai", rows[6][4])
        self.assertEqual(len({r[5] for r in rows}), len(rows))           # one dedupe key per message

    def test_online_submission_waits_for_acceptance_and_refusal(self):
        r = self.create(self.citizen, channel="online", unit=self.cujut["id"],
                        applicant={"kind": "person", "name": "Trần Thị Đào", "id_number": "001305123456",
                                   "phone": "0987654321", "address": "Thôn 1, xã Cư Jút"})
        self.assert_status(r, 201)
        code = r.body["code"]
        self.assertEqual(outbox(self.db, code), [])                 # not yet received
        self.act(self.desk, code, "refuse", reason="Hồ sơ không thuộc thẩm quyền giải quyết của xã")
        rows = outbox(self.db, code)
        self.assertEqual([(x[0], x[1], x[2]) for x in rows], [("refused", "sms", "0987654321")])   # no e-mail given
        self.assertIn("Hồ sơ không thuộc thẩm quyền", rows[0][4])

    def test_z_rebuild_enqueues_nothing_more(self):
        before = len(outbox(self.db, "-"))
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        cp = run_cli("rebuild", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertEqual(len(outbox(self.db, "-")), before)
        self.assertGreater(before, 0)


PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(2000) + b"\n%%EOF\n"


class DossierUploadTests(DossierBase):
    """An intake names uploaded papers beside its checklist items; such a paper is visible to whoever may see the
    dossier (papers_visibility_add), and to no one else."""

    def upload(self, client, name):
        r = client.req("POST", "/api/v1/papers?" + urllib.parse.urlencode({"name": name}), raw_body=PDF,
                       content_type="application/pdf")
        self.assert_status(r, 201)
        return r.body["id"]

    def test_officer_of_the_dossier_sees_the_citizens_paper(self):
        pid = self.upload(self.citizen, "Đơn đề nghị đã ký.pdf")
        desk_b = self.users["thuanan.desk"]
        # Before any dossier names it, the desk of Cư Jút does not see the citizen's paper.
        self.assert_problem(self.desk.req("GET", "/api/v1/papers/" + pid), 404, "MSG_NOT_FOUND")
        body = self.body(channel="online", unit=self.cujut["id"])
        body["papers"][0]["upload"] = pid
        r = self.citizen.req("POST", "/api/v1/dossiers", json=body)
        self.assert_status(r, 201)
        code = r.body["code"]
        # The dossier names the upload beside its checklist item (the web page links its download).
        items = {p["paper"]: p["upload"] for p in self.get(code)["papers"]}
        self.assertEqual(items[body["papers"][0]["paper"]], pid)
        self.assertTrue(all(v is None for k, v in items.items() if k != body["papers"][0]["paper"]))
        for who in (self.desk, self.lead, self.citizen):
            r = who.req("GET", "/api/v1/papers/" + pid)
            self.assert_status(r, 200)
            self.assertEqual(r.raw, PDF)
        for who in (desk_b, self.users["thuanan.leader"]):
            self.assert_problem(who.req("GET", "/api/v1/papers/" + pid), 404, "MSG_NOT_FOUND")
        # A stranger cannot use someone else's paper in an intake: 404, nothing changed.
        before = self.counts()
        body = self.body()
        body["papers"][0]["upload"] = pid
        r = desk_b.req("POST", "/api/v1/dossiers", json=body)
        self.assert_problem(r, 404, "MSG_DF_UPLOAD_UNKNOWN", "papers")
        body["papers"][0]["upload"] = "0" * 26
        self.assert_problem(self.desk.req("POST", "/api/v1/dossiers", json=body), 404, "MSG_DF_UPLOAD_UNKNOWN")
        body["papers"][0]["upload"] = "not-an-id"
        self.assert_problem(self.desk.req("POST", "/api/v1/dossiers", json=body), 400)
        self.assert_unchanged(before)
        self.assertEqual(self.get(code)["code"], code)

    def test_z_rebuild_keeps_the_uploads(self):
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class DossierAttachTests(DossierUploadTests):
    """Papers after intake: the resubmit action names the supplement's uploads (dossier.resubmitted carries them),
    and an officer of the owning unit attaches an upload to a checklist item (attach_paper, its own event
    dossier.paper_attached). Every refusal changes nothing; a rebuild gives identical rows."""

    def attach(self, client, code, papers, expect=200, **kw):
        return self.act(client, code, "attach_paper", expect=expect, papers=papers, **kw)

    def test_resubmit_names_the_supplement_papers(self):
        d = self.new(proc=self.same_day)
        code = d["code"]
        d = self.act(self.desk, code, "request_supplement", reason="Thiếu bản sao cần chứng thực", items=["ban-sao"])
        self.assertEqual(d["allowed_actions"], ["resubmit", "withdraw"])   # no attach_paper while waiting
        pid = self.upload(self.desk, "Bản sao bổ sung.pdf")
        other = self.upload(self.users["thuanan.desk"], "Giấy tờ xã khác.pdf")
        before = self.counts()
        v = self.get(code)["version"]
        for papers, status, msg in (([{"paper": "khong-co", "upload": pid}], 400, "MSG_DOSSIER_PAPER_UNKNOWN"),
                                    ([{"paper": "ban-sao", "upload": other}], 404, "MSG_DF_UPLOAD_UNKNOWN"),
                                    ([{"paper": "ban-sao", "copies": 0}], 400, "MSG_FIELD_RANGE"),
                                    ([{"paper": "ban-sao", "form": "fax"}], 400, "MSG_FIELD_INVALID"),
                                    (["ban-sao"], 400, "MSG_WRONG_TYPE"),
                                    ([{"paper": "ban-sao"}, {"paper": "ban-sao"}], 400, "MSG_FIELD_INVALID")):
            r = self.act(self.desk, code, "resubmit", version=v, expect=None, papers=papers)
            self.assert_problem(r, status, msg, "papers")
        self.assert_unchanged(before)
        self.assertEqual(self.get(code)["status"], 5)
        d = self.act(self.desk, code, "resubmit", version=v,
                     papers=[{"paper": "ban-sao", "upload": pid, "copies": 2, "form": "copy"}])
        self.assertIn(d["status"], (2, 4))
        items = {p["paper"]: p for p in d["papers"]}
        self.assertEqual((items["ban-sao"]["upload"], items["ban-sao"]["copies"], items["ban-sao"]["form"],
                          items["ban-sao"]["mandatory"]), (pid, 2, "copy", False))
        self.assertIsNone(items["ban-chinh"]["upload"])
        self.assert_delta(before, events=1)
        # Visible through the dossier to the commune's leader, not to another commune.
        self.assert_status(self.lead.req("GET", "/api/v1/papers/" + pid), 200)
        self.assert_problem(self.users["thuanan.leader"].req("GET", "/api/v1/papers/" + pid), 404, "MSG_NOT_FOUND")

    def test_resubmit_without_papers_as_before(self):
        code = self.new(proc=self.same_day)["code"]
        self.act(self.desk, code, "request_supplement", reason="Thiếu giấy tờ", items=["ban-sao"])
        d = self.act(self.desk, code, "resubmit")
        self.assertEqual([p["paper"] for p in d["papers"]], ["ban-chinh"])

    def test_officer_attaches_an_upload(self):
        d = self.new()
        code, item = d["code"], d["papers"][0]["paper"]
        self.assertIn("attach_paper", d["allowed_actions"])
        self.assertIn("attach_paper", self.get(code, self.spec)["allowed_actions"])
        self.assertNotIn("attach_paper", self.get(code, self.lead)["allowed_actions"])
        pid = self.upload(self.desk, "Đơn đề nghị bản quét.pdf")
        other = self.upload(self.users["thuanan.desk"], "Đơn xã khác.pdf")
        before = self.counts()
        v = self.get(code)["version"]
        refusals = (
            (self.users["thuanan.desk"], [{"paper": item, "upload": pid}], 404, "MSG_NOT_FOUND", None),
            (self.citizen, [{"paper": item, "upload": pid}], 404, "MSG_NOT_FOUND", None),
            (self.lead, [{"paper": item, "upload": pid}], 403, "MSG_FORBIDDEN", None),
            (self.desk, [{"paper": "khong-co", "upload": pid}], 400, "MSG_DOSSIER_PAPER_UNKNOWN", "papers"),
            (self.desk, [{"paper": item, "upload": other}], 404, "MSG_DF_UPLOAD_UNKNOWN", "papers"),
            (self.desk, [{"paper": item, "upload": "0" * 26}], 404, "MSG_DF_UPLOAD_UNKNOWN", "papers"),
            (self.desk, [{"paper": item}], 400, "MSG_DF_ATTACH_NEEDS_UPLOAD", "papers"),
            (self.desk, [{"paper": item, "upload": 7}], 400, "MSG_WRONG_TYPE", "papers"),
            (self.desk, [], 400, "MSG_MISSING_FIELD", "papers"),
            (self.desk, [{"paper": item, "upload": pid, "note": "x"}], 400, "MSG_UNKNOWN_FIELD", "papers"),
            (self.desk, "x", 400, None, "papers"),
        )
        for who, papers, status, msg, field in refusals:
            r = self.attach(who, code, papers, version=v, expect=None)
            self.assert_problem(r, status, msg, field)
        self.assert_problem(self.act(self.desk, code, "attach_paper", version=v, expect=None), 400,
                            "MSG_MISSING_FIELD", "papers")
        r = self.attach(self.desk, code, [{"paper": item, "upload": pid}], version=v + 5, expect=None)
        self.assert_problem(r, 412, "MSG_VERSION_MISMATCH")
        self.assert_unchanged(before)
        d = self.attach(self.desk, code, [{"paper": item, "upload": pid}], version=v)
        self.assertEqual((d["status"], d["version"]), (2, v + 1))
        self.assertEqual({p["paper"]: p["upload"] for p in d["papers"]}[item], pid)
        self.assertEqual(d["steps"][-1]["action"], "attach_paper")
        self.assert_delta(before, events=1)
        # The specialist replaces it with a newer scan: one row per item, the last upload wins.
        newer = self.upload(self.spec, "Đơn đề nghị bản quét lại.pdf")
        d = self.attach(self.spec, code, [{"paper": item, "upload": newer, "copies": 3}])
        p = {p["paper"]: p for p in d["papers"]}[item]
        self.assertEqual((p["upload"], p["copies"], len(d["papers"])), (newer, 3, 1))
        self.assert_status(self.lead.req("GET", "/api/v1/papers/" + newer), 200)

    def test_attach_refused_after_refusal(self):
        code = self.new()["code"]
        pid = self.upload(self.desk, "Đơn.pdf")
        d = self.act(self.desk, code, "refuse", reason="Không thuộc thẩm quyền")
        self.assertNotIn("attach_paper", d["allowed_actions"])
        before = self.counts()
        r = self.attach(self.desk, code, [{"paper": d["papers"][0]["paper"], "upload": pid}], expect=None)
        self.assert_problem(r, 409, "MSG_DOSSIER_WRONG_STATE", "action")
        self.assert_unchanged(before)


class TrackingBookTests(DossierBase):
    """GET /api/v1/units/{id}/tracking-book.pdf and .csv (Mẫu số 07): the unit's dossiers of a bounded period."""

    def book(self, client, ext, **q):
        return client.req("GET", "/api/v1/units/%s/tracking-book.%s?%s" % (self.cujut["id"], ext,
                                                                           urllib.parse.urlencode(q)))

    def test_book_pdf_csv_scope_and_bounds(self):
        a = self.new()
        b = self.new(applicant={"kind": "person", "name": "Phạm Thị Hoà", "id_number": DEMO_ID_2,
                                "phone": "0905123456", "address": "Thôn 5, xã Cư Jút"})
        self.to_processing(a["code"])
        self.act(self.spec, a["code"], "forward")
        self.act(self.lead, a["code"], "approve")
        self.act(self.desk, a["code"], "attach_result", result="Giấy chứng nhận số 7")
        self.act(self.desk, a["code"], "deliver", received_by="Nguyễn Văn Đức", how="post")
        day = a["received_at"][:10]
        r = self.book(self.desk, "pdf", **{"from": day, "to": day})
        self.assert_status(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        text, fonts = pdf_text(r.raw)
        for s in (a["code"], b["code"], "Nguyễn Văn Đức", "Phạm Thị Hoà", "Bưu chính", NATIONAL):
            self.assertIn(s, text)
        r = self.book(self.lead, "csv", **{"from": day, "to": day, "field": a["procedure"]["field"]})
        self.assert_status(r, 200)
        self.assertTrue(r.headers.get("Content-Type").startswith("text/csv"))
        self.assertTrue(r.raw.startswith(b"\xef\xbb\xbf"))
        csv_text = r.raw.decode("utf-8")
        self.assertIn(a["code"], csv_text)
        self.assertIn("Phạm Thị Hoà", csv_text)
        # Another field, another period: not in the book.
        r = self.book(self.desk, "csv", **{"from": day, "to": day, "field": "Không có lĩnh vực này"})
        self.assertNotIn(a["code"], r.raw.decode("utf-8"))
        r = self.book(self.desk, "csv", **{"from": "2027-01-01", "to": "2027-01-31"})
        self.assertNotIn(a["code"], r.raw.decode("utf-8"))
        # Scope: another commune's staff 404, a citizen 403 (staff only).
        self.assert_problem(self.book(self.users["thuanan.desk"], "pdf", **{"from": day, "to": day}), 404,
                            "MSG_NOT_FOUND")
        self.assert_problem(self.book(self.citizen, "csv", **{"from": day, "to": day}), 403)
        # Bounds: 31 days at most; dates must be dates.
        self.assert_problem(self.book(self.desk, "pdf", **{"from": "2027-01-01", "to": "2027-02-01"}), 422,
                            "MSG_DF_BOOK_TOO_LONG")
        self.assert_status(self.book(self.desk, "csv", **{"from": "2027-01-01", "to": "2027-01-31"}), 200)
        for q in ({"from": "2027-02-30", "to": "2027-03-01"}, {"from": "2027-03-02", "to": "2027-03-01"},
                  {"from": "02/03/2027", "to": "2027-03-02"}, {"to": "2027-03-02"}):
            self.assert_problem(self.book(self.desk, "pdf", **q), 400)


class DossierFormsPublicUrlTests(DossierBase):
    SERVER_ARGS = ["--public-url", "https://dichvucong.example.vn/"]

    def test_receipt_qr_uses_the_public_url(self):
        code = self.new()["code"]
        r = self.desk.req("GET", "/api/v1/dossiers/%s/forms/receipt.pdf" % code)
        self.assert_status(r, 200)
        self.assertEqual(qr_of(r.raw), "https://dichvucong.example.vn/lookup.html?code=" + code)


if __name__ == "__main__":
    unittest.main()
