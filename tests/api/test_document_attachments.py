"""PDF attachments of official documents and full-text search over them (issue 12 item 6; docs/documents.md
"Attachments"): POST /api/v1/documents/{id}/attachments (streamed, PDF by its bytes, --paper-max),
GET /api/v1/documents/{id}/attachments/{aid}, the "attachments" of GET /api/v1/documents/{id}, and ?q= of
GET /api/v1/documents matching the text pdftotext read from them.

Covers: upload, listing, download identical; the background extractor fills the text (text_state pending -> text);
a word that is only in the PDF finds the document, with and without diacritics, for the readers of its unit only;
a PDF pdftotext cannot read is recorded as "none" with a reason; bad input (a fake PDF, another type, empty, too
large, bad name, the same file twice) -> 4xx problem+json and nothing changed (ledger, rows, blob files, tmp/);
the authorization matrix (role x grant level x own / other unit) for attaching and downloading; and
`motcua rebuild --check` after all of it. Runs on SQLite, and on PostgreSQL with MOTCUA_TEST_PG_URL."""
import base64
import hashlib
import os
import time
import urllib.parse
from pathlib import Path

import harness
from harness import ApiTestCase, Client, run_cli, unique, unit_by_slug
from test_documents import incoming, matrix_actors, outgoing, store_query, unit_path
from test_papers import PapersBase

REPO = Path(__file__).resolve().parents[2]
PDF_VI = (REPO / "tests/data/pdf/attach-vi.pdf").read_bytes()   # "... hồ Thuồng Luồng, xã Nhân Cơ ..." (pango-view)
BROKEN_PDF = b"%PDF-1.7\n" + b"this is not a PDF body at all\n" * 40
TEXT = b"This is a PDF, trust me.\n" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + os.urandom(300)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(200)
ATTACH_ROLES = ("clerk", "leader")
READ_ROLES = ("clerk", "leader", "official")


def variant(data):
    """Other bytes for the same PDF (a trailing comment after %%EOF): a new file for the duplicate rule."""
    return data + b"\n%" + os.urandom(8).hex().encode() + b"\n"


class AttachmentBase(PapersBase):          # its server: a blob directory of its own, --paper-max 1M

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "thuanan", "lamdong")
        cls.users = {}
        for u in ("cujut.clerk", "cujut.leader", "cujut.desk", "thuanan.clerk", "lamdong.official",
                  "langson.official"):
            c = Client(cls.server)
            c.login(u)
            cls.users[u] = c

    def attach(self, client, doc_id, data, ctype="application/pdf", name=None, headers=None):
        path = "/api/v1/documents/%s/attachments" % doc_id
        if name is not None:
            path += "?" + urllib.parse.urlencode({"name": name})
        return client.req("POST", path, raw_body=data, content_type=ctype, headers=headers)

    def wait_text(self, client, doc_id, att_id, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            r = client.req("GET", "/api/v1/documents/" + doc_id)
            self.assert_status(r, 200)
            a = [x for x in r.body["attachments"] if x["id"] == att_id][0]
            if a["text_state"] != "pending":
                return a
            time.sleep(0.2)
        raise AssertionError("the text of attachment %s was not extracted in %d s" % (att_id, timeout))

    def search(self, client, q):
        r = client.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": q, "limit": 200}))
        self.assert_status(r, 200)
        return [d["id"] for d in r.body["items"]]

    def snapshot(self):
        blobs, tmp = self.blob_files(), self.tmp_files()
        rows = store_query(self.db, "SELECT id, document_id, n, sha256 FROM document_attachments ORDER BY id")
        counts = self.counts()
        # the extractor thread records text events meanwhile: those are not the refused request's doing
        counts["events"] = store_query(self.db, "SELECT COUNT(*) FROM events WHERE type <> 'document.attachment_text'")
        return (counts, rows, blobs, tmp)


class AttachmentTests(AttachmentBase):

    def test_attach_extract_and_find_by_the_pdf_text(self):
        c = self.users["cujut.clerk"]
        d = outgoing(c, summary="Về việc nghiệm thu " + unique("ct")).body
        other = outgoing(self.users["thuanan.clerk"], summary="Văn bản khác " + unique("x")).body
        # the word is only in the PDF: nothing finds it yet
        self.assertEqual(self.search(c, "Thuồng Luồng"), [])
        r = self.attach(c, d["id"], PDF_VI, name="Biên bản nghiệm thu.pdf")
        self.assert_status(r, 201)
        a = r.body
        self.assertEqual((a["n"], a["name"], a["media_type"], a["size"], a["source"]),
                         (1, "Biên bản nghiệm thu.pdf", "application/pdf", len(PDF_VI), "upload"))
        self.assertEqual(a["sha256"], hashlib.sha256(PDF_VI).hexdigest())
        self.assertEqual(r.headers["Location"], "/api/v1/documents/%s/attachments/%s" % (d["id"], a["id"]))
        self.assertEqual(a["href"], r.headers["Location"])
        self.assertIn(a["text_state"], ("pending", "text"))
        # the same file attached to another document of another unit: its own row (content stored once)
        self.assert_status(self.attach(self.users["thuanan.clerk"], other["id"], variant(PDF_VI)), 201)
        got = self.wait_text(c, d["id"], a["id"])
        self.assertEqual(got["text_state"], "text", got)
        self.assertGreater(got["text_chars"], 40)
        # listed on the document, downloadable byte for byte
        r = c.req("GET", "/api/v1/documents/" + d["id"])
        self.assertEqual([x["id"] for x in r.body["attachments"]], [a["id"]])
        dl = c.req("GET", a["href"])
        self.assert_status(dl, 200)
        self.assertEqual(dl.raw, PDF_VI)
        self.assertEqual(dl.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment;", dl.headers["Content-Disposition"])
        # found by a word only in the PDF, with and without diacritics, in any case
        for q in ("Thuồng Luồng", "thuong luong", "THUỒNG", "nhân cơ, tỉnh"):
            with self.subTest(q=q):
                self.assertIn(d["id"], self.search(c, q))
                self.assertNotIn(other["id"], self.search(c, q), "another unit's document is not found")
        # the province official above the commune finds it; another province's does not; nor another commune
        self.assertIn(d["id"], self.search(self.users["lamdong.official"], "thuong luong"))
        self.assertEqual(self.search(self.users["langson.official"], "thuong luong"), [])
        self.assertNotIn(d["id"], self.search(self.users["thuanan.clerk"], "thuong luong"))
        self.assertIn(other["id"], self.search(self.users["thuanan.clerk"], "thuong luong"))
        # and nobody outside downloads it: 404 like an unknown id
        for u in ("thuanan.clerk", "langson.official", "cujut.desk"):
            self.assert_problem(self.users[u].req("GET", a["href"]), 404)
        self.assert_problem(c.req("GET", "/api/v1/documents/%s/attachments/01M000000000000000000000ZZ" % d["id"]), 404)
        self.assert_problem(c.req("GET", "/api/v1/documents/%s/attachments/%s" % (other["id"], a["id"])), 404)

    def test_search_pages_through_attachment_hits(self):
        c = self.users["cujut.clerk"]
        tag = unique("tl")
        made = []
        for i in range(5):
            d = outgoing(c, summary="Hồ sơ %s số %d" % (tag, i)).body
            a = self.attach(c, d["id"], variant(PDF_VI)).body
            made.append((d["id"], a["id"]))
        for did, aid in made:
            self.wait_text(c, did, aid)
        seen, cursor = [], None
        while True:
            q = {"q": "thuong luong", "limit": 2}
            if cursor:
                q["cursor"] = cursor
            r = c.req("GET", "/api/v1/documents?" + urllib.parse.urlencode(q))
            self.assert_status(r, 200)
            self.assertLessEqual(len(r.body["items"]), 2)
            seen += [x["id"] for x in r.body["items"]]
            cursor = r.body.get("next_cursor")
            if not cursor:
                break
        for did, _ in made:
            self.assertIn(did, seen)
        self.assertEqual(len(seen), len(set(seen)))

    def test_unreadable_pdf_is_no_text_with_a_reason(self):
        c = self.users["cujut.leader"]
        d = incoming(c, dated="2026-01-05").body
        r = self.attach(c, d["id"], variant(BROKEN_PDF), name="hỏng.pdf")
        self.assert_status(r, 201)
        got = self.wait_text(c, d["id"], r.body["id"])
        self.assertEqual(got["text_state"], "none")
        self.assertTrue(got["text_reason"], got)
        self.assertEqual(got["text_chars"], 0)
        # the document itself is still found by its register fields
        self.assertIn(d["id"], self.search(c, d["symbol"]))

    def test_bad_input_is_4xx_and_changes_nothing(self):
        c = self.users["cujut.clerk"]
        d = outgoing(c).body
        first_bytes = variant(PDF_VI)
        first = self.attach(c, d["id"], first_bytes)
        self.assert_status(first, 201)
        before = self.snapshot()
        big = b"%PDF-1.7\n" + b"0" * (1 << 20)
        cases = [
            (TEXT, "application/pdf", None, 415, "MSG_PAPER_TYPE_MISMATCH"),       # text claiming to be a PDF
            (EXE, "application/pdf", None, 415, "MSG_PAPER_TYPE_MISMATCH"),        # a program renamed .pdf
            (PNG, "image/png", None, 415, "MSG_ATTACH_TYPE"),                      # not a PDF at all
            (PDF_VI, "application/octet-stream", None, 415, "MSG_ATTACH_TYPE"),
            (PDF_VI, None, None, 415, "MSG_ATTACH_TYPE"),
            (b"", "application/pdf", None, 400, "MSG_PAPER_EMPTY"),
            (big, "application/pdf", None, 413, "MSG_PAPER_TOO_LARGE"),
            (variant(PDF_VI), "application/pdf", "a/b.pdf", 400, None),
            (variant(PDF_VI), "application/pdf", "x" * 201, 400, None),
        ]
        for data, ctype, name, status, code in cases:
            with self.subTest(ctype=ctype, name=name, status=status, size=len(data)):
                if ctype is None:
                    r = c.req("POST", "/api/v1/documents/%s/attachments" % d["id"], raw_body=data)
                else:
                    r = self.attach(c, d["id"], data, ctype, name=name)
                self.assert_problem(r, status, code)
                self.assertEqual(self.snapshot(), before)
        # the same file twice on one document: 409 naming the first
        p = self.assert_problem(self.attach(c, d["id"], first_bytes), 409,
                                "MSG_ATTACH_DUPLICATE")
        self.assertIn("1", p["messages"]["en"])
        # unknown or malformed document ids, another unit's document: 404
        self.assert_problem(self.attach(c, "01M000000000000000000000ZZ", variant(PDF_VI)), 404)
        self.assert_problem(self.attach(c, "not-an-id", variant(PDF_VI)), 404)
        self.assert_problem(self.attach(self.users["thuanan.clerk"], d["id"], variant(PDF_VI)), 404)
        # the province official reads it but does not keep its register: 403
        self.assert_problem(self.attach(self.users["lamdong.official"], d["id"], variant(PDF_VI)), 403,
                            "MSG_ATTACH_ROLE")
        # a write without the CSRF token is refused before anything
        r = c.req("POST", "/api/v1/documents/%s/attachments" % d["id"], raw_body=variant(PDF_VI),
                  content_type="application/pdf", csrf=False)
        self.assert_problem(r, 403)
        self.assertEqual(self.snapshot(), before)


class ExtractorLimitsTests(AttachmentBase):
    """pdftotext bounded in time: a program that hangs is killed at --pdftotext-timeout and the attachment is
    recorded as "none" with the reason; the server goes on (the next attachment is handled too)."""

    @classmethod
    def setUpClass(cls):
        cls.blob_dir = harness.tmp_root() / ("blobs-%s-%d" % (cls.__name__, os.getpid()))
        hang = harness.tmp_root() / ("hang-%d.sh" % os.getpid())
        hang.write_text("#!/bin/sh\nexec sleep 60\n")
        hang.chmod(0o755)
        cls.SERVER_ARGS = ("--blob-dir", str(cls.blob_dir), "--paper-max", "1M", "--pdftotext", str(hang),
                           "--pdftotext-timeout", "1")
        ApiTestCase.setUpClass.__func__(cls)
        cls.users = {}
        for u in ("cujut.clerk",):
            c = Client(cls.server)
            c.login(u)
            cls.users[u] = c

    def test_a_hanging_pdftotext_is_killed_at_the_deadline(self):
        c = self.users["cujut.clerk"]
        d = outgoing(c).body
        t0 = time.time()
        ids = [self.attach(c, d["id"], variant(PDF_VI)).body["id"] for _ in range(2)]
        for aid in ids:
            got = self.wait_text(c, d["id"], aid, timeout=30)
            self.assertEqual(got["text_state"], "none")
            self.assertIn("did not finish within 1 s", got["text_reason"])
        self.assertLess(time.time() - t0, 20)


class AttachmentAccessMatrix(AttachmentBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        a = cls.admin
        u = {s: unit_by_slug(a, s) for s in ("cujut", "cujut.pkt", "thuanan", "lamdong", "locbinh")}
        u["root"] = a.req("GET", "/api/v1/units?kind=national").body["items"][0]
        for unit in u.values():
            unit["path"] = unit_path(a, unit)
        cls.unit = u
        cls.actors = matrix_actors(a, cls.server, {"department": u["cujut.pkt"], "commune": u["cujut"],
                                                   "province": u["lamdong"], "national": u["root"]}, "am.")
        locbinh = Client(cls.server)
        locbinh.login("locbinh.clerk")
        cls.docs = {"cujut": outgoing(cls.users["cujut.clerk"]).body,
                    "thuanan": outgoing(cls.users["thuanan.clerk"]).body,
                    "locbinh": incoming(locbinh, dated="2026-01-05").body}
        cls.atts = {}
        for cname, clerk in (("cujut", cls.users["cujut.clerk"]), ("thuanan", cls.users["thuanan.clerk"]),
                             ("locbinh", locbinh)):
            r = clerk.req("POST", "/api/v1/documents/%s/attachments" % cls.docs[cname]["id"],
                          raw_body=variant(PDF_VI), content_type="application/pdf")
            if r.status != 201:
                raise AssertionError("attaching to %s: %r" % (cname, r))
            cls.atts[cname] = r.body

    def test_matrix(self):
        cells = 0
        for (role, level), (c, g) in sorted(self.actors.items()):
            for cname, d in sorted(self.docs.items()):
                inside = self.unit[cname]["path"].startswith(g["path"])
                readable = inside and role in READ_ROLES
                want = 201 if inside and role in ATTACH_ROLES else 403 if readable else 404
                with self.subTest(role=role, level=level, document=cname, op="attach"):
                    before = self.snapshot()
                    r = self.attach(c, d["id"], variant(PDF_VI))
                    if want == 201:
                        self.assert_status(r, 201)
                    else:
                        self.assert_problem(r, want)
                        self.assertEqual(self.snapshot(), before)
                    cells += 1
                with self.subTest(role=role, level=level, document=cname, op="download"):
                    r = c.req("GET", self.atts[cname]["href"])
                    if readable:
                        self.assert_status(r, 200)
                        self.assertEqual(r.raw[:5], b"%PDF-")
                    else:
                        self.assert_problem(r, 404)
                    cells += 1
        self.assertGreater(cells, 60)

    def test_z_rebuild_gives_the_same_rows(self):
        # after the matrix (alphabetical order): wait for the extractor, then replay the ledger
        deadline = time.time() + 120
        while time.time() < deadline:
            if store_query(self.db, "SELECT COUNT(*) FROM document_attachments WHERE text_state = 'pending'")[0][0] == "0":
                break
            time.sleep(0.3)
        rows = store_query(self.db, "SELECT id, text_state, text_chars, length(search) FROM document_attachments "
                                    "ORDER BY id")
        self.assertGreater(len(rows), 3)
        self.assertTrue(all(r[1] == "text" for r in rows), rows)
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(store_query(self.db, "SELECT id, text_state, text_chars, length(search) FROM document_attachments "
                                              "ORDER BY id"), rows)
        # the search index is rebuilt with the rows
        c = self.users["cujut.clerk"]
        self.assertIn(self.docs["cujut"]["id"], self.search(c, "thuong luong"))


from test_exchange import ExchangeBase, package   # noqa: E402  (the edXML inbox fixtures)


class ReceivedAttachmentTests(ExchangeBase):
    """A received edXML package's PDF files become the registered document's attachments (source "edxml"),
    their text searchable like an upload's; a file that is not a PDF is not attached."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

    def test_package_pdfs_are_attached_and_searchable(self):
        body = package(number=unique("")[-6:], subject="Công văn gửi kèm biên bản " + unique("k"))
        body["attachments"] = [
            {"name": "Biên bản.pdf", "content_type": "application/pdf",
             "data_base64": base64.b64encode(PDF_VI).decode()},
            {"name": "ghi-chu.txt", "content_type": "text/plain", "data_base64": base64.b64encode(TEXT).decode()},
            {"name": "../../etc/passwd.pdf", "content_type": "application/pdf",
             "data_base64": base64.b64encode(variant(BROKEN_PDF)).decode()},
        ]
        r = self.post(self.clerk_token, self.build(body))
        self.assert_status(r, 201)
        doc = r.body["document"]
        deadline = time.time() + 60
        while True:
            got = self.clerk.req("GET", "/api/v1/documents/" + doc["id"])
            self.assert_status(got, 200)
            atts = got.body["attachments"]
            if all(a["text_state"] != "pending" for a in atts) or time.time() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual([(a["n"], a["name"], a["source"], a["text_state"]) for a in atts],
                         [(1, "Biên bản.pdf", "edxml", "text"), (2, "attachment-3.pdf", "edxml", "none")])
        self.assertIsNone(atts[0]["added_by"])
        dl = self.clerk.req("GET", atts[0]["href"])
        self.assert_status(dl, 200)
        self.assertEqual(dl.raw, PDF_VI)
        r = self.clerk.req("GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": "thuong luong"}))
        self.assertIn(doc["id"], [d["id"] for d in r.body["items"]])
        self.assertNotIn(doc["id"], [d["id"] for d in self.other_clerk.req(
            "GET", "/api/v1/documents?" + urllib.parse.urlencode({"q": "thuong luong"})).body["items"]])
        self.assert_problem(self.other_clerk.req("GET", atts[0]["href"]), 404)
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
