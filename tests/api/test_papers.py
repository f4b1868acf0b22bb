"""Uploaded papers: POST /api/v1/papers (streamed, content-addressed, type-checked by the bytes), GET
/api/v1/papers/{id} (streamed download, scoped), GET /api/v1/me/papers (the citizen's data store), PATCH
/api/v1/papers/{id} (staff: rename, digitized / waiting, If-Match). Bad input leaves no row and no file behind;
the role x own/other unit matrix; a 50 MiB upload keeps the server's peak RSS far below the upload size; the
projections rebuild identically. Runs on SQLite and on PostgreSQL like the rest of the suite."""
import hashlib
import os
import socket
import sqlite3
import time
import urllib.parse
from pathlib import Path

import harness
from harness import ApiTestCase, Client, run_cli, unique_phone

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n" + os.urandom(3000) + b"\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + os.urandom(500)     # a Windows program renamed to .pdf
TEXT = b"This is a PDF, trust me.\n" * 20


def sha(b):
    return hashlib.sha256(b).hexdigest()


class PapersBase(ApiTestCase):
    PAPER_MAX = "1M"

    @classmethod
    def setUpClass(cls):
        cls.blob_dir = harness.tmp_root() / ("blobs-%s-%d" % (cls.__name__, os.getpid()))
        cls.SERVER_ARGS = ("--blob-dir", str(cls.blob_dir), "--paper-max", cls.PAPER_MAX)
        super().setUpClass()

    # ---- store inspection ----
    def paper_rows(self):
        sql = "SELECT (SELECT COUNT(*) FROM papers), (SELECT COUNT(*) FROM files)"
        if self.db.sqlite_path:
            con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(str(self.db.sqlite_path)), uri=True,
                                  timeout=10)
            try:
                return tuple(con.execute(sql).fetchone())
            finally:
                con.close()
        return tuple(int(x) for x in self.db.psql_exec(sql).strip().split("|"))

    def blob_files(self):
        root = self.blob_dir / "sha256"
        return sorted(p.name for p in root.rglob("*") if p.is_file())

    def tmp_files(self):
        return sorted(p.name for p in (self.blob_dir / "tmp").iterdir())

    def snapshot(self):
        return (self.counts(), self.paper_rows(), self.blob_files(), self.tmp_files())

    def assert_nothing_stored(self, before):
        self.assertEqual(self.snapshot(), before, "a refused upload left a row or a file behind")

    # ---- calls ----
    def upload(self, client, data, ctype="application/pdf", name=None, unit=None, headers=None, chunks=None):
        q = {}
        if name is not None:
            q["name"] = name
        if unit is not None:
            q["unit"] = unit
        path = "/api/v1/papers" + ("?" + urllib.parse.urlencode(q) if q else "")
        if chunks is not None:
            return client.req("POST", path, chunks=chunks, content_type=ctype, headers=headers)
        return client.req("POST", path, raw_body=data, content_type=ctype, headers=headers)

    def citizen(self):
        phone = unique_phone()
        r = Client(self.server).req("POST", "/api/v1/citizens",
                                    json={"phone": phone, "full_name": "Nguyễn Văn Dân", "password": "dan-pass-1"})
        self.assert_status(r, 201)
        return self.client(phone, "dan-pass-1")


class UploadTests(PapersBase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "thuanan", "locbinh")

    def test_upload_pdf_jpeg_png_and_download_identical(self):
        c = self.citizen()
        for data, ctype, name in ((PDF, "application/pdf", "Giấy khai sinh.pdf"), (JPEG, "image/jpeg", "ảnh.jpg"),
                                  (PNG, "image/png", "sơ đồ.png")):
            data = data + os.urandom(64)          # content never stored before: a new file row
            with self.subTest(ctype=ctype):
                before = self.paper_rows()
                r = self.upload(c, data, ctype, name)
                self.assert_status(r, 201)
                b = r.body
                self.assertEqual(b["sha256"], sha(data))
                self.assertEqual(b["size"], len(data))
                self.assertEqual(b["media_type"], ctype)
                self.assertEqual(b["name"], name)
                self.assertIs(b["digitized"], False, "a citizen's upload waits for an officer")
                self.assertIsNone(b["unit_id"])
                self.assertEqual(r.headers["Location"], "/api/v1/papers/" + b["id"])
                self.assertEqual(self.paper_rows(), (before[0] + 1, before[1] + 1))
                h = b["sha256"]
                self.assertTrue((self.blob_dir / "sha256" / h[:2] / h[2:4] / h).is_file())
                d = c.req("GET", "/api/v1/papers/" + b["id"])
                self.assert_status(d, 200)
                self.assertEqual(sha(d.raw), sha(data), "downloaded bytes are the uploaded bytes")
                self.assertEqual(d.headers["Content-Type"], ctype)
                self.assertEqual(d.headers["X-Content-Type-Options"], "nosniff")
                cd = d.headers["Content-Disposition"]
                self.assertTrue(cd.startswith('attachment; filename="'), cd)
                self.assertIn("filename*=UTF-8''" + urllib.parse.quote(name, safe=""), cd)
                self.assertNotIn("\n", cd)
        self.assertEqual(self.tmp_files(), [], "no temporary file is left after a commit")

    def test_hostile_name_is_sanitised_in_the_header(self):
        c = self.citizen()
        r = self.upload(c, PDF, name='x";\tevil.pdf')
        self.assert_problem(r, 400, "MSG_FIELD_INVALID", "name")
        r = self.upload(c, PDF, name='a"b;c=d.pdf')
        self.assert_status(r, 201)
        d = c.req("GET", "/api/v1/papers/" + r.body["id"])
        cd = d.headers["Content-Disposition"]
        self.assertEqual(cd, "attachment; filename=\"a_b_c_d.pdf\"; filename*=UTF-8''a%22b%3Bc%3Dd.pdf")

    def test_default_name_and_head(self):
        c = self.citizen()
        r = self.upload(c, PNG, "image/png")
        self.assert_status(r, 201)
        self.assertEqual(r.body["name"], "paper.png")
        h = c.req("HEAD", "/api/v1/papers/" + r.body["id"])
        self.assert_status(h, 200)
        self.assertEqual(h.raw, b"")

    def test_same_content_twice_is_stored_once(self):
        c = self.citizen()
        data = b"%PDF-1.7\n" + os.urandom(5000)
        before = self.paper_rows()
        r1 = self.upload(c, data, name="one.pdf")
        r2 = self.upload(c, data, name="two.pdf")
        self.assert_status(r1, 201)
        self.assert_status(r2, 201)
        self.assertNotEqual(r1.body["id"], r2.body["id"])
        self.assertEqual(r1.body["sha256"], r2.body["sha256"])
        self.assertEqual(self.paper_rows(), (before[0] + 2, before[1] + 1), "two papers, one file row")
        self.assertEqual(self.blob_files().count(sha(data)), 1, "one file on disk")

    def test_chunked_upload(self):
        c = self.citizen()
        data = b"%PDF-1.5\n" + os.urandom(200000)
        parts = [data[i:i + 7000] for i in range(0, len(data), 7000)]
        r = self.upload(c, None, chunks=parts)
        self.assert_status(r, 201)
        self.assertEqual(r.body["sha256"], sha(data))
        self.assertEqual(r.body["size"], len(data))

    def test_fake_types_are_415_and_nothing_is_stored(self):
        c = self.citizen()
        before = self.snapshot()
        cases = [(EXE, "application/pdf", "MSG_PAPER_TYPE_MISMATCH"), (TEXT, "application/pdf", "MSG_PAPER_TYPE_MISMATCH"),
                 (PDF, "image/png", "MSG_PAPER_TYPE_MISMATCH"), (PNG, "image/jpeg", "MSG_PAPER_TYPE_MISMATCH"),
                 (b"%PDF", "application/pdf", "MSG_PAPER_TYPE_MISMATCH"),
                 (PDF, "application/octet-stream", "MSG_PAPER_TYPE_UNSUPPORTED"),
                 (PDF, "text/plain", "MSG_PAPER_TYPE_UNSUPPORTED"), (b"GIF89a" + os.urandom(50), "image/gif",
                                                                    "MSG_PAPER_TYPE_UNSUPPORTED"),
                 (PDF, None, "MSG_PAPER_TYPE_UNSUPPORTED")]
        for data, ctype, code in cases:
            with self.subTest(ctype=ctype, head=data[:8]):
                r = self.upload(c, data, ctype)
                self.assert_problem(r, 415, code)
        self.assert_nothing_stored(before)

    def test_empty_is_400(self):
        c = self.citizen()
        before = self.snapshot()
        self.assert_problem(self.upload(c, b""), 400, "MSG_PAPER_EMPTY")
        self.assert_problem(self.upload(c, None, chunks=[]), 400, "MSG_PAPER_EMPTY")
        self.assert_nothing_stored(before)

    def test_oversized_is_413_and_nothing_is_stored(self):
        c = self.citizen()
        before = self.snapshot()
        big = b"%PDF-1.4\n" + os.urandom((1 << 20) + 10)
        r = self.upload(c, big)
        self.assert_problem(r, 413, "MSG_PAPER_TOO_LARGE")
        self.assertIn(str(1 << 20), r.body["messages"]["en"])
        # Without a Content-Length the cap is enforced as the bytes arrive.
        r = self.upload(c, None, chunks=[big[i:i + 65536] for i in range(0, len(big), 65536)])
        self.assert_problem(r, 413, "MSG_PAPER_TOO_LARGE")
        self.assert_nothing_stored(before)
        # Exactly at the cap is accepted.
        r = self.upload(c, big[:1 << 20])
        self.assert_status(r, 201)

    def test_aborted_upload_leaves_nothing(self):
        c = self.citizen()
        before = self.snapshot()
        s = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
        head = ("POST /api/v1/papers?name=cut.pdf HTTP/1.1\r\nHost: x\r\nContent-Type: application/pdf\r\n"
                "Content-Length: 500000\r\nCookie: %s\r\nX-CSRF-Token: %s\r\n\r\n"
                % ("; ".join("%s=%s" % kv for kv in c.cookies.items()), c.csrf))
        s.sendall(head.encode() + b"%PDF-1.4\n" + os.urandom(100000))
        deadline = time.monotonic() + 10
        while not self.tmp_files() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.tmp_files()), 1, "the upload in progress has its temporary file")
        s.close()                                   # the client goes away mid-body
        while self.tmp_files() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assert_nothing_stored(before)

    def test_bad_parameters(self):
        c = self.citizen()
        desk = self.client("cujut.desk")
        before = self.snapshot()
        self.assert_problem(self.upload(c, PDF, name=""), 400, "MSG_FIELD_LENGTH", "name")
        self.assert_problem(self.upload(c, PDF, name="x" * 201), 400, "MSG_FIELD_LENGTH", "name")
        self.assert_problem(self.upload(c, PDF, name="../../etc/passwd"), 400, "MSG_FIELD_INVALID", "name")
        self.assert_problem(self.upload(c, PDF, unit=self.cujut["id"]), 400, "MSG_PARAM_INVALID", "unit")
        self.assert_problem(self.upload(desk, PDF, unit=self.thuanan["id"]), 404, "MSG_UNIT_UNKNOWN", "unit")
        self.assert_problem(self.upload(desk, PDF, unit="not-an-id"), 400, None, "unit")
        self.assert_nothing_stored(before)

    def test_unauthenticated_and_csrf(self):
        c = self.citizen()
        before = self.snapshot()
        r = self.upload(Client(self.server), PDF)
        self.assert_problem(r, 401)
        r = c.req("POST", "/api/v1/papers", raw_body=PDF, content_type="application/pdf", csrf=False)
        self.assert_problem(r, 403, "MSG_CSRF_MISSING")
        self.assert_nothing_stored(before)

    def test_staff_upload_is_digitized_at_the_unit(self):
        desk = self.client("cujut.desk")
        r = self.upload(desk, PDF, name="Scan CCCD.pdf")
        self.assert_status(r, 201)
        self.assertIs(r.body["digitized"], True)
        self.assertIs(r.body["reusable"], True)
        self.assertEqual(r.body["unit_id"], self.cujut["id"])
        official = self.client("lamdong.official")
        r2 = self.upload(official, JPEG, "image/jpeg", unit=self.cujut["id"])
        self.assert_status(r2, 201)
        self.assertEqual(r2.body["unit_id"], self.cujut["id"], "a province official may receive at a commune below")

    def test_unknown_paper_is_404(self):
        c = self.citizen()
        for pid in ("01M8T4FRN39MVS7C38TRTKRVDD", "nope", "..%2F..%2Fetc"):
            with self.subTest(pid=pid):
                self.assert_problem(c.req("GET", "/api/v1/papers/" + pid), 404)

    def test_rebuild_gives_identical_projections(self):
        c = self.citizen()
        r = self.upload(c, b"%PDF-rebuild" + os.urandom(100))
        self.assert_status(r, 201)
        desk = self.client("cujut.desk")
        r = self.upload(desk, PNG, "image/png")
        p = desk.req("PATCH", "/api/v1/papers/" + r.body["id"], json={"digitized": False},
                     headers={"If-Match": '"1"'})
        self.assert_status(p, 200)
        cp = run_cli("rebuild", "--db", self.db.url, "--check")
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertRegex(cp.stdout, r"\((\d+) applied\)")
        applied = int(cp.stdout.split("(")[1].split(" ")[0])
        self.assertGreaterEqual(applied, 3)


class VisibilityTests(PapersBase):
    """The role x own/other unit matrix over a paper received at Cư Jút and a citizen's own paper."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "thuanan")
        desk = Client(cls.server)
        desk.login("cujut.desk")
        r = desk.req("POST", "/api/v1/papers?name=scan.pdf", raw_body=PDF, content_type="application/pdf")
        assert r.status == 201, r
        cls.unit_paper = r.body

    def test_role_matrix(self):
        pid = self.unit_paper["id"]
        cases = [("cujut.%s" % role, 200) for role in ("desk", "specialist", "leader", "clerk")]
        cases += [("thuanan.%s" % role, 404) for role in ("desk", "specialist", "leader", "clerk")]
        cases += [("locbinh.desk", 404), ("lamdong.official", 200), ("langson.official", 404), ("admin", 200)]
        for user, want in cases:
            with self.subTest(user=user):
                r = self.client(user).req("GET", "/api/v1/papers/" + pid)
                if want == 200:
                    self.assert_status(r, 200)
                    self.assertEqual(sha(r.raw), sha(PDF))
                else:
                    self.assert_problem(r, 404, "MSG_NOT_FOUND")

    def test_citizens_see_only_their_own(self):
        a, b = self.citizen(), self.citizen()
        r = self.upload(a, JPEG, "image/jpeg", name="mine.jpg")
        self.assert_status(r, 201)
        pid = r.body["id"]
        self.assert_status(a.req("GET", "/api/v1/papers/" + pid), 200)
        self.assert_problem(b.req("GET", "/api/v1/papers/" + pid), 404)
        self.assert_problem(b.req("GET", "/api/v1/papers/" + self.unit_paper["id"]), 404)
        # A citizen's own upload belongs to no unit: staff reach it through a dossier (the dossier module's hook).
        self.assert_problem(self.client("cujut.desk").req("GET", "/api/v1/papers/" + pid), 404)
        self.assert_problem(Client(self.server).req("GET", "/api/v1/papers/" + pid), 401)

    def test_patch_matrix(self):
        r = self.upload(self.client("cujut.desk"), PNG, "image/png", name="to-mark.png")
        self.assert_status(r, 201)
        pid = r.body["id"]
        users = {u: self.client(u) for u in ("thuanan.desk", "thuanan.leader", "locbinh.desk", "langson.official")}
        citizen = self.citizen()
        before = self.snapshot()
        for user in users:
            with self.subTest(user=user):
                p = users[user].req("PATCH", "/api/v1/papers/" + pid, json={"digitized": False},
                                          headers={"If-Match": '"1"'})
                self.assert_problem(p, 404)
        p = citizen.req("PATCH", "/api/v1/papers/" + pid, json={"digitized": False}, headers={"If-Match": '"1"'})
        self.assert_problem(p, 403)
        self.assert_nothing_stored(before)
        spec = self.client("cujut.specialist")
        p = spec.req("PATCH", "/api/v1/papers/" + pid, json={"digitized": False, "name": "Đã kiểm tra.png"},
                     headers={"If-Match": '"1"'})
        self.assert_status(p, 200)
        self.assertEqual((p.body["digitized"], p.body["reusable"], p.body["version"], p.body["name"]),
                         (False, False, 2, "Đã kiểm tra.png"))
        self.assertEqual(p.headers["ETag"], '"2"')
        p = self.client("lamdong.official").req("PATCH", "/api/v1/papers/" + pid, json={"digitized": True},
                                                headers={"If-Match": '"2"'})
        self.assert_status(p, 200)
        self.assertEqual(p.body["version"], 3)

    def test_patch_bad_input(self):
        desk = self.client("cujut.desk")
        r = self.upload(desk, PDF, name="x.pdf")
        pid = r.body["id"]
        before = self.snapshot()
        path = "/api/v1/papers/" + pid
        self.assert_problem(desk.req("PATCH", path, json={"digitized": False}, headers={"If-Match": '"7"'}), 412,
                            "MSG_VERSION_MISMATCH")
        self.assert_problem(desk.req("PATCH", path, json={"digitized": False}), 428)
        self.assert_problem(desk.req("PATCH", path, json={"state": "x"}, headers={"If-Match": '"1"'}), 400,
                            "MSG_UNKNOWN_FIELD", "state")
        self.assert_problem(desk.req("PATCH", path, json={"digitized": "yes"}, headers={"If-Match": '"1"'}), 400,
                            "MSG_WRONG_TYPE", "digitized")
        self.assert_problem(desk.req("PATCH", path, json={}, headers={"If-Match": '"1"'}), 400,
                            "MSG_PAPER_PATCH_EMPTY")
        self.assert_problem(desk.req("PATCH", path, json={"name": "a/b"}, headers={"If-Match": '"1"'}), 400,
                            "MSG_FIELD_INVALID", "name")
        self.assert_problem(desk.req("PATCH", "/api/v1/papers/01M8T4FRN39MVS7C38TRTKRVDD", json={"digitized": True},
                                     headers={"If-Match": '"1"'}), 404)
        self.assert_nothing_stored(before)


class DataStoreTests(PapersBase):
    """GET /api/v1/me/papers: the caller's papers only, newest first, paginated, searchable without diacritics."""

    def test_list_search_and_pages(self):
        a, b = self.citizen(), self.citizen()
        names = ["Giấy khai sinh.pdf", "Sổ hộ khẩu.pdf", "Căn cước.jpg", "Đơn đề nghị.pdf"]
        ids = []
        for n in names:
            ctype = "image/jpeg" if n.endswith(".jpg") else "application/pdf"
            r = self.upload(a, JPEG if ctype == "image/jpeg" else PDF, ctype, name=n)
            self.assert_status(r, 201)
            ids.append(r.body["id"])
        self.assert_status(self.upload(b, PDF, name="Của người khác.pdf"), 201)
        r = a.req("GET", "/api/v1/me/papers")
        self.assert_status(r, 200)
        self.assertEqual([i["id"] for i in r.body["items"]], ids[::-1], "newest first, own papers only")
        self.assertTrue(all(i["reusable"] is False for i in r.body["items"]))
        self.assertIsNone(r.body["next_cursor"])
        seen, cursor = [], None
        while True:
            q = "/api/v1/me/papers?limit=3" + ("&cursor=" + cursor if cursor else "")
            r = a.req("GET", q)
            self.assert_status(r, 200)
            seen += [i["id"] for i in r.body["items"]]
            cursor = r.body["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, ids[::-1])
        for q, want in (("giay", ["Giấy khai sinh.pdf"]), ("DON DE", ["Đơn đề nghị.pdf"]),
                        ("căn", ["Căn cước.jpg"]), ("100%", []), ("người khác", [])):
            with self.subTest(q=q):
                r = a.req("GET", "/api/v1/me/papers?" + urllib.parse.urlencode({"q": q}))
                self.assert_status(r, 200)
                self.assertEqual([i["name"] for i in r.body["items"]], want)

    def test_reusable_after_an_officer_marks_it(self):
        desk = self.client("cujut.desk")
        r = self.upload(desk, PDF, name="Bản sao chứng thực.pdf")
        pid = r.body["id"]
        mine = desk.req("GET", "/api/v1/me/papers")
        item = [i for i in mine.body["items"] if i["id"] == pid][0]
        self.assertIs(item["reusable"], True)

    def test_bad_cursor_and_limit(self):
        a = self.citizen()
        self.assert_problem(a.req("GET", "/api/v1/me/papers?cursor=zz"), 400, None, "cursor")
        self.assert_problem(a.req("GET", "/api/v1/me/papers?limit=0"), 400)
        self.assert_problem(Client(self.server).req("GET", "/api/v1/me/papers"), 401)


def vm_hwm_kb(pid):
    for line in Path("/proc/%d/status" % pid).read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM in /proc/%d/status" % pid)


class StreamingMemoryTests(PapersBase):
    """A 50 MiB upload with --paper-max 64M: the server's peak RSS grows by far less than the upload."""
    PAPER_MAX = "64M"

    def test_50_mib_upload_is_streamed(self):
        c = self.citizen()
        # Warm up (first allocations, connections, statements) before measuring.
        self.assert_status(self.upload(c, PDF), 201)
        pid = self.server.proc.pid
        hwm0 = vm_hwm_kb(pid)
        size = 50 << 20
        block = os.urandom(1 << 20)
        h = hashlib.sha256()

        def gen():
            h.update(b"%PDF-1.6\n")
            yield b"%PDF-1.6\n"
            for i in range(50):
                b = block[:len(block) - 9] if i == 49 else block
                h.update(b)
                yield b
        r = c.req("POST", "/api/v1/papers?name=big.pdf", raw_body=None, chunks=gen(), content_type="application/pdf",
                  timeout=120)
        self.assert_status(r, 201)
        self.assertEqual(r.body["size"], size)
        self.assertEqual(r.body["sha256"], h.hexdigest())
        hwm1 = vm_hwm_kb(pid)
        grew_mib = (hwm1 - hwm0) / 1024.0
        print("\n      VmHWM %d kB -> %d kB (+%.1f MiB) for a 50 MiB upload" % (hwm0, hwm1, grew_mib))
        self.assertLess(grew_mib, 12, "peak RSS grew by %.1f MiB for a 50 MiB upload" % grew_mib)
        d = c.req("GET", "/api/v1/papers/" + r.body["id"], timeout=120)
        self.assertEqual(sha(d.raw), h.hexdigest())
