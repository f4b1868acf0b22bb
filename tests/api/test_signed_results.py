"""Signed results (issue 12 item 5): attach_result with the result PDF (result_paper), approve {"sign": true} with the leader's key
(and the unit's seal where the procedure requires it), GET /api/v1/dossiers/{code}/result, and the public
POST /api/v1/lookup/verify of an uploaded copy.

The PKI is a real `motcua ca` made before the server starts: a leader's leaf, a seal, another officer's leaf and a
leaf revoked at once, whose CRL is in the server's --sign-trust file with the CA certificate. The signed result is
judged by poppler's pdfsig with the CA trusted in an NSS database (pdfsig exits 0 even on a digest mismatch: its
text is read). Every refusal answers a 4xx problem+json and adds no event, no dossier version, no blob."""
import base64
import hashlib
import os
import shutil
import subprocess
import unittest
import urllib.parse

from harness import REPO, Client, Server, run_cli, tmp_root, unique
from test_dossiers import DossierBase

PIN = "pin-ket-qua-1"
PDF = (REPO / "tests" / "data" / "pdf" / "table.pdf").read_bytes()


def cli(*args):
    cp = run_cli(*args)
    if cp.returncode != 0:
        raise AssertionError("motcua %s: %s" % (" ".join(args[:2]), cp.stderr))
    return cp


class SignedResultBase(DossierBase):

    @classmethod
    def setUpClass(cls):
        cls.dir = tmp_root() / unique("signres-")
        cls.dir.mkdir()
        (cls.dir / "pass").write_text("ca-pass-1\n")
        (cls.dir / "pin").write_text(PIN + "\n")
        cls.ca = cls.dir / "ca"
        ca = ("--dir", str(cls.ca), "--pass-file", str(cls.dir / "pass"))
        cli("ca", "init", *ca, "--name", "CA thử nghiệm kết quả", "--key", "ec")
        cls.p12 = {}
        for name, cn, extra in (("lead", "Nguyễn Văn Lãnh Đạo", ()), ("seal", "UBND xã Cư Jút", ("--seal",)),
                                ("spec", "Trần Thị Chuyên Viên", ()), ("revoked", "Lê Văn Thu Hồi", ())):
            out = cls.dir / (name + ".p12")
            cli("ca", "issue", *ca, "--cn", cn, "--out", str(out), "--p12-pass-file", str(cls.dir / "pin"), *extra)
            cls.p12[name] = base64.b64encode(out.read_bytes()).decode()
        serial = (cls.ca / "index.tsv").read_text().strip().splitlines()[-1].split("\t")[0]
        cli("ca", "revoke", *ca, "--serial", serial, "--crl-days", "400")
        cls.trust = cls.dir / "trust.pem"
        cls.trust.write_bytes((cls.ca / "ca.pem").read_bytes() + (cls.ca / "crl.pem").read_bytes())
        cls.SERVER_ARGS = ("--sign-trust", str(cls.trust))
        super().setUpClass()
        cls.keys = {}
        for name, who, kind in (("lead", cls.lead, "person"), ("revoked", cls.lead, "person"),
                                ("spec", cls.spec, "person"), ("seal", cls.admin, "seal")):
            body = {"kind": kind, "label": "Khoá " + name, "pkcs12": cls.p12[name], "pin": PIN}
            if kind == "seal":
                body["unit_id"] = cls.cujut["id"]
            r = who.req("POST", "/api/v1/signing-keys", json=body)
            if r.status != 201:
                raise AssertionError("importing %s: %r" % (name, r))
            cls.keys[name] = r.body["id"]
        # A procedure whose result bears the agency's seal: 2.000806 again under another code, "seal": true.
        p = cls.admin.req("GET", "/api/v1/procedures/" + cls.proc["code"]).body
        for k in ("scope", "version", "active", "created_at", "updated_at"):
            p.pop(k, None)
        p.update(code="2.990806", seal=True)
        r = cls.admin.req("POST", "/api/v1/procedures", json=p)
        if r.status != 201:
            raise AssertionError("creating the sealed procedure: %r" % (r,))
        cls.sealed = dict(cls.proc, code="2.990806")

    # ---- helpers ----
    def upload(self, client, data=PDF, name="ket-qua.pdf", ctype="application/pdf"):
        r = client.req("POST", "/api/v1/papers?" + urllib.parse.urlencode({"name": name}), raw_body=data,
                       content_type=ctype)
        self.assert_status(r, 201)
        return r.body

    def at_approval(self, proc=None, attach=True, client=None):
        """A dossier at the leader's step with the result PDF attached by the specialist."""
        if client is self.citizen:
            code = self.new(self.citizen, channel="online", unit=self.cujut["id"])["code"]
            self.act(self.desk, code, "accept")
        else:
            code = self.new(proc=proc)["code"]
        self.to_processing(code)
        if attach:
            up = self.upload(self.spec)
            self.act(self.spec, code, "attach_result", result="Giấy chứng nhận số 12/2027", result_paper=up["id"])
        return code

    def sign(self, code, client=None, expect=200, **kw):
        body = {"sign": True, "key_id": self.keys["lead"], "pin": PIN}
        body.update(kw)
        return self.act(client or self.lead, code, "approve", expect=expect, **{k: v for k, v in body.items() if v is not None})

    def result(self, code, client):
        return client.req("GET", "/api/v1/dossiers/%s/result" % code)

    def verify(self, data, client=None, ctype="application/pdf"):
        return (client or Client(self.server)).req("POST", "/api/v1/lookup/verify", raw_body=data, content_type=ctype,
                                                   csrf=False)

    def blobs(self):
        root = None
        if self.db.sqlite_path:
            root = str(self.db.sqlite_path) + ".blobs"
        if not root or not os.path.isdir(root):
            return None
        return sorted(f for _, _, fs in os.walk(os.path.join(root, "sha256")) for f in fs)


class SignedResultTests(SignedResultBase):

    def test_approve_signs_the_result(self):
        code = self.at_approval()
        before = self.counts()
        d = self.sign(code)
        self.assertEqual(d["status"], 9)
        self.assert_delta(before, events=2)               # paper.uploaded (the signed file) + dossier.approved
        r = self.result(code, self.desk)
        self.assert_status(r, 200)
        self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
        signed = r.raw
        self.assertTrue(signed.startswith(PDF), "the original is a byte-for-byte prefix of the signed file")
        self.assertIn(b"/ETSI.CAdES.detached", signed)
        # The event's payload records the signature (sha256, signer, time).
        if self.db.sqlite_path:
            import json
            payload = json.loads(self.db.sql("SELECT payload FROM events WHERE type = 'dossier.approved' "
                                             "ORDER BY seq DESC LIMIT 1")[0][0])
            s = payload["result_doc"]["signed"]
            self.assertEqual(s["sha256"], hashlib.sha256(signed).hexdigest())
            self.assertEqual([g["subject_cn"] for g in s["signers"]], ["Nguyễn Văn Lãnh Đạo"])
            self.assertGreater(s["at"], 0)
        # The public verification: valid, trusted, issued here, and only the code is told.
        v = self.verify(signed)
        self.assert_status(v, 200)
        self.assertTrue(v.body["valid"], v.body)
        self.assertTrue(v.body["issued_here"])
        self.assertEqual(v.body["dossier_code"], code)
        self.assertEqual(len(v.body["signatures"]), 1)
        sig = v.body["signatures"][0]
        self.assertEqual((sig["signer"], sig["status"]), ("Nguyễn Văn Lãnh Đạo", "valid"))
        self.assertTrue(sig["subject"].startswith("CN=Nguyễn Văn Lãnh Đạo"))
        self.assertTrue(sig["signing_time"].endswith("+07:00"))
        self.assertEqual(sig["checks"], {"byte_range": True, "digest": True, "chain": True, "covers_end": True})
        self.assertNotIn("Nguyễn Văn Đức", v.raw.decode())          # nothing of the dossier but its code
        # pdfsig accepts it with the test CA trusted in an NSS database.
        self.pdfsig_accepts(signed, ["Nguyễn Văn Lãnh Đạo"])
        # One changed byte inside the signed range: digest mismatch, not issued here.
        i = len(PDF) // 2
        bad = signed[:i] + bytes([signed[i] ^ 0x01]) + signed[i + 1:]
        v = self.verify(bad)
        self.assert_status(v, 200)
        self.assertFalse(v.body["valid"])
        self.assertFalse(v.body["issued_here"])
        self.assertIsNone(v.body["dossier_code"])
        self.assertEqual(v.body["signatures"][0]["status"], "digest mismatch")
        self.assertFalse(v.body["signatures"][0]["checks"]["digest"])
        self.assertIn("Có chữ ký không hợp lệ", v.body["verdict"]["vi"])
        # Bytes appended after the signature: not whole document.
        v = self.verify(signed + b"\n% appended\n")
        self.assertFalse(v.body["valid"])
        self.assertEqual(v.body["signatures"][0]["status"], "not whole document")

    def pdfsig_accepts(self, data, names):
        if not shutil.which("pdfsig") or not shutil.which("certutil"):
            self.skipTest("pdfsig / certutil not installed")
        d = self.dir / unique("nss-")
        d.mkdir()
        subprocess.run(["certutil", "-N", "-d", "sql:%s" % d, "--empty-password"], check=True, capture_output=True)
        subprocess.run(["certutil", "-A", "-d", "sql:%s" % d, "-n", "ca", "-t", "CT,C,C", "-i", str(self.ca / "ca.pem")],
                       check=True, capture_output=True)
        f = d / "signed.pdf"
        f.write_bytes(data)
        out = subprocess.run(["pdfsig", "-nssdir", "sql:%s" % d, str(f)], capture_output=True, text=True).stdout
        self.assertEqual(out.count("Signature is Valid."), len(names), out)
        self.assertEqual(out.count("Certificate is Trusted."), len(names), out)
        self.assertIn("Total document signed", out)
        self.assertIn("ETSI.CAdES.detached", out)
        for n in names:
            self.assertIn(n, out)
        f.write_bytes(data[:len(PDF) // 2] + bytes([data[len(PDF) // 2] ^ 0x01]) + data[len(PDF) // 2 + 1:])
        out = subprocess.run(["pdfsig", "-nssdir", "sql:%s" % d, str(f)], capture_output=True, text=True).stdout
        self.assertNotIn("Signature is Valid.", out.split("Signature #2")[0])

    def test_sealed_procedure_signs_twice(self):
        code = self.at_approval(proc=self.sealed)
        before = self.counts()
        r = self.sign(code, expect=None)
        self.assert_problem(r, 422, "MSG_SIGNRES_SEAL_NEEDED", "seal_key_id")
        self.assert_unchanged(before)
        d = self.sign(code, seal_key_id=self.keys["seal"], seal_pin=PIN)
        self.assertEqual(d["status"], 9)
        signed = self.result(code, self.desk).raw
        self.assertEqual(signed.count(b"/ETSI.CAdES.detached"), 2)
        v = self.verify(signed)
        self.assertTrue(v.body["valid"], v.body)
        self.assertEqual([s["signer"] for s in v.body["signatures"]], ["Nguyễn Văn Lãnh Đạo", "UBND xã Cư Jút"])
        self.pdfsig_accepts(signed, ["Nguyễn Văn Lãnh Đạo", "UBND xã Cư Jút"])

    def test_refusals_change_nothing(self):
        code = self.at_approval()
        nopdf = self.at_approval(attach=False)
        self.act(self.spec, nopdf, "attach_result", result="Chỉ có nội dung, không có tệp")
        cases = [
            (nopdf, self.lead, {}, 422, "MSG_SIGNRES_NO_PDF", "sign"),
            (code, self.lead, {"pin": "sai-ma-pin"}, 422, "MSG_SIGNRES_PIN", "pin"),
            (code, self.lead, {"key_id": self.keys["spec"]}, 422, "MSG_SIGNRES_KEY", "key_id"),   # not theirs
            (code, self.lead, {"key_id": self.keys["seal"]}, 422, "MSG_SIGNRES_KEY_KIND", "key_id"),
            (code, self.lead, {"key_id": "0" * 26}, 422, "MSG_SIGNRES_KEY", "key_id"),
            (code, self.lead, {"key_id": self.keys["revoked"]}, 422, "MSG_SIGNRES_REVOKED", "key_id"),
            (code, self.lead, {"seal_key_id": self.keys["lead"], "seal_pin": PIN}, 422, "MSG_SIGNRES_KEY_NOT_SEAL",
             "seal_key_id"),
            (code, self.lead, {"key_id": None}, 400, "MSG_MISSING_FIELD", "key_id"),
            (code, self.lead, {"pin": None}, 400, "MSG_MISSING_FIELD", "pin"),
            (code, self.lead, {"seal_key_id": self.keys["seal"]}, 400, "MSG_MISSING_FIELD", "seal_pin"),
            (code, self.lead, {"seal_pin": PIN}, 400, "MSG_MISSING_FIELD", "seal_key_id"),
            (code, self.lead, {"sign": "yes"}, 400, None, "sign"),
            (code, self.spec, {"key_id": self.keys["spec"]}, 403, "MSG_FORBIDDEN", None),   # not a leader
            (code, self.users["cujut.desk"], {}, 403, "MSG_FORBIDDEN", None),
            (code, self.users["thuanan.leader"], {}, 404, "MSG_NOT_FOUND", None),          # another commune
            (code, self.citizen, {}, 404, "MSG_NOT_FOUND", None),
        ]
        for c, who, kw, status, msg, field in cases:
            with self.subTest(kw=kw, status=status):
                before, blobs, version = self.counts(), self.blobs(), self.get(code)["version"]
                r = self.sign(c, client=who, expect=None, **kw)
                self.assert_problem(r, status, msg, field)
                self.assert_unchanged(before)
                self.assertEqual(self.blobs(), blobs, "no signed file kept")
                self.assertEqual(self.get(code)["version"], version)
        # Stale version, and "pin" without "sign".
        before = self.counts()
        r = self.act(self.lead, code, "approve", version=1, expect=None, sign=True, key_id=self.keys["lead"], pin=PIN)
        self.assert_problem(r, 412, "MSG_VERSION_MISMATCH")
        r = self.act(self.lead, code, "approve", expect=None, pin=PIN)
        self.assert_problem(r, 400, "MSG_SIGNRES_SIGN_NEEDED", "pin")
        r = self.act(self.lead, code, "extend", expect=None, days=1, reason="Gia hạn", sign=True,
                     key_id=self.keys["lead"], pin=PIN)
        self.assert_problem(r, 400, None, "sign")
        self.assert_unchanged(before)
        # A result document that is not a PDF (an agency's scan as PNG) is attached, but cannot be signed.
        png = self.spec.req("POST", "/api/v1/papers?name=anh.png", raw_body=b"\x89PNG\r\n\x1a\n" + b"\0" * 32,
                            content_type="image/png")
        self.assert_status(png, 201)
        scan = self.at_approval(attach=False)
        self.act(self.spec, scan, "attach_result", result="Bản chụp", result_paper=png.body["id"])
        before = self.counts()
        self.assert_problem(self.sign(scan, expect=None), 422, "MSG_SIGNRES_NO_PDF", "sign")
        self.assert_unchanged(before)
        # Once signed, the result document cannot be replaced, nor signed again.
        self.sign(code)
        d = self.get(code)
        self.assertIsNotNone(d["result_signature"])
        signed_paper = d["result_paper"]
        before = self.counts()
        r = self.act(self.spec, code, "attach_result", expect=None, result="Kết quả khác",
                     result_paper=self.upload(self.spec)["id"])
        self.assert_problem(r, 422, "MSG_SIGNRES_SIGNED_ALREADY", "result_paper")
        self.assertEqual(self.get(code)["result_paper"], signed_paper)
        self.assert_delta(before, events=1)                # the upload of the replacement only

    def test_expired_certificate_is_refused(self):
        """A certificate valid when its key was imported but expired when the leader signs: a second server on the
        same database, on the real clock, imports a 60-day leaf; this class's server runs ~89 days later."""
        out = self.dir / "short.p12"
        cli("ca", "issue", "--dir", str(self.ca), "--pass-file", str(self.dir / "pass"), "--cn", "Phạm Văn Hết Hạn",
            "--days", "60", "--out", str(out), "--p12-pass-file", str(self.dir / "pin"))
        with Server((), db=self.db, label="signres-real-clock") as now:
            lead = Client(now)
            lead.login("cujut.leader")
            r = lead.req("POST", "/api/v1/signing-keys", json={"kind": "person", "label": "Khoá ngắn hạn",
                                                               "pkcs12": base64.b64encode(out.read_bytes()).decode(),
                                                               "pin": PIN})
            self.assert_status(r, 201)
            key = r.body["id"]
        code = self.at_approval()
        before, version = self.counts(), self.get(code)["version"]
        self.assert_problem(self.sign(code, expect=None, key_id=key), 422, "MSG_SIGNRES_EXPIRED", "key_id")
        self.assert_unchanged(before)
        self.assertEqual(self.get(code)["version"], version)

    def test_result_download_matrix(self):
        code = self.at_approval(client=self.citizen)
        # Before approval nobody gets a result: the draft is not the result yet.
        for who in (self.citizen, self.desk):
            self.assert_problem(self.result(code, who), 404, "MSG_NOT_FOUND")
        self.assertIsNone(self.get(code, self.citizen)["result_signature"])
        self.sign(code)
        signed = self.result(code, self.desk)
        self.assert_status(signed, 200)
        d = self.get(code, self.citizen)
        self.assertEqual(d["result_signature"]["sha256"], hashlib.sha256(signed.raw).hexdigest())
        self.assertTrue(d["result_signature"]["signed_at"].endswith("+07:00"))
        # The signed copy is the dossier's result document: the applicant's data store holds it.
        mine = self.citizen.req("GET", "/api/v1/me/papers")
        self.assert_status(mine, 200)
        self.assertIn(d["result_paper"], [p["id"] for p in mine.body["items"]])
        self.assertEqual(self.citizen.req("GET", "/api/v1/papers/" + d["result_paper"]).raw, signed.raw)
        for label, who, status in (("citizen", self.citizen, 200), ("desk", self.desk, 200),
                                   ("specialist", self.spec, 200), ("leader", self.lead, 200),
                                   ("clerk", self.users["cujut.clerk"], 200),
                                   ("other commune desk", self.users["thuanan.desk"], 404),
                                   ("other commune leader", self.users["thuanan.leader"], 404),
                                   ("province official elsewhere", self.users["langson.official"], 404),
                                   ("province official above", self.users["lamdong.official"], 200)):
            with self.subTest(who=label):
                r = self.result(code, who)
                self.assertEqual(r.status, status, r)
                if status == 200:
                    self.assertEqual(r.raw, signed.raw)
                    self.assertEqual(r.headers.get("Content-Type"), "application/pdf")
                else:
                    self.assert_problem(r, 404, "MSG_NOT_FOUND")
        other = Client(self.server)
        other.login(*self.other_citizen())
        self.assert_problem(self.result(code, other), 404, "MSG_NOT_FOUND")
        self.assert_problem(Client(self.server).req("GET", "/api/v1/dossiers/%s/result" % code), 401)
        self.assert_problem(self.result("KHONG-CO-MA-NAY", self.desk), 404)
        # A dossier approved without signing hands out its attached file once resolved.
        plain = self.at_approval()
        self.act(self.lead, plain, "approve")
        r = self.result(plain, self.desk)
        self.assert_status(r, 200)
        self.assertEqual(r.raw, PDF)
        self.assertIsNone(self.get(plain)["result_signature"])

    def other_citizen(self):
        from harness import unique_phone
        phone = unique_phone()
        r = Client(self.server).req("POST", "/api/v1/citizens",
                                    json={"phone": phone, "full_name": "Người Khác", "password": "khac-pass-1"})
        self.assert_status(r, 201)
        return phone, "khac-pass-1"

    def test_verify_refusals(self):
        before = self.counts()
        v = self.verify(PDF)                                        # a PDF without a signature
        self.assert_status(v, 200)
        self.assertFalse(v.body["valid"])
        self.assertEqual(v.body["signatures"], [])
        self.assertEqual(v.body["verdict"]["en"], "The file carries no signature.")
        self.assertIn("không có chữ ký", v.body["verdict"]["vi"])
        self.assert_problem(self.verify(b"MZ\x90\x00 not a pdf at all"), 422, "MSG_VERIFY_NOT_PDF")
        self.assert_problem(self.verify(b"%PDF-1.7\n garbage without structure\n"), 422, "MSG_VERIFY_NOT_PDF")
        self.assert_problem(self.verify(PDF, ctype="text/plain"), 415, "MSG_VERIFY_TYPE")
        self.assert_problem(self.verify(b""), 400, "MSG_VERIFY_EMPTY")
        big = PDF + b"%" * (2 << 20)
        self.assertEqual(self.verify(big).status, 413)
        self.assert_unchanged(before)


    def test_z_rebuild_gives_the_same_rows(self):
        """Runs last in the class: the result documents (dossier_results, from dossier.result_attached and
        dossier.approved) and the signed files' papers rebuild from the ledger to the same rows."""
        if self.db.sqlite_path:
            n = self.db.sql("SELECT COUNT(*) FROM dossier_results WHERE signed_sha256 IS NOT NULL")[0][0]
            self.assertGreaterEqual(n, 3)
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class VerifyThrottleTests(SignedResultBase):

    def test_failed_verifications_are_spaced_out(self):
        """Every verification that is not a valid result of this node counts like a failed lookup proof: past the
        default 10 per address the caller waits (429 with Retry-After)."""
        statuses = [self.verify(PDF).status for _ in range(14)]
        self.assertIn(429, statuses, statuses)
        self.assertEqual(statuses[0], 200)

    def test_wrong_pins_are_spaced_out(self):
        """A key's PIN is throttled like a sign-in (3 wrong, then waits doubling from 1 s): a stolen session cannot
        guess it at speed. While the key must wait even the right PIN is 429 with Retry-After (a throttled guess
        learns nothing) and nothing is signed; after the wait the right PIN signs."""
        ca = ("--dir", str(self.ca), "--pass-file", str(self.dir / "pass"))
        out = self.dir / "lead2.p12"
        cli("ca", "issue", *ca, "--cn", "Nguyễn Văn Lãnh Đạo Hai", "--out", str(out), "--p12-pass-file",
            str(self.dir / "pin"))
        r = self.lead.req("POST", "/api/v1/signing-keys",
                          json={"kind": "person", "label": "Khoá hai", "pin": PIN,
                                "pkcs12": base64.b64encode(out.read_bytes()).decode()})
        self.assert_status(r, 201)
        key = r.body["id"]
        code = self.at_approval()
        for _ in range(3):
            self.assert_problem(self.sign(code, expect=None, key_id=key, pin="sai-ma-pin"), 422, "MSG_SIGNRES_PIN",
                                "pin")
        before, version = self.counts(), self.get(code)["version"]
        r = self.sign(code, expect=None, key_id=key)
        self.assert_problem(r, 429, "MSG_KEYS_PIN_SLOW_DOWN", "pin")
        wait = int(r.headers["Retry-After"])
        self.assertGreaterEqual(wait, 1)
        self.assert_unchanged(before)
        self.assertEqual(self.get(code)["version"], version)
        # Another key of the same leader is not held back by this one's wrong PINs.
        other = self.at_approval()
        self.sign(other)
        import time
        time.sleep(wait + 0.2)
        self.sign(code, key_id=key)
        self.assertIsNotNone(self.get(code)["result_signature"])


if __name__ == "__main__":
    unittest.main()
