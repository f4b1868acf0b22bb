"""The edXML inbox (issue 12 item 4): POST /api/v1/exchange/inbox, GET /api/v1/exchange/{received,rejected}.

Packages are made by `motcua edxml build` and signed with bundles of a test CA made by `motcua ca`; the server
trusts that CA and its CRL (`serve --exchange-trust`). A package for Lâm Đồng (edi_code 000.00.00.H41) posted with
an API token of a clerk of the province is registered once in its incoming register; a tampered, unsigned,
untrusted, revoked, malformed or misaddressed package is rejected with its reason and kept as evidence, and
registers nothing; a caller who does not receive for the unit gets 403 and nothing is recorded."""
import json
import subprocess
import unittest

from harness import PG_URL, ApiTestCase, Client, run_cli, tmp_root, unique, unit_by_slug

PW = "exchange-pass-1"


def cli(*args):
    cp = run_cli(*args)
    if cp.returncode != 0:
        raise AssertionError("motcua %s: %s%s" % (" ".join(args), cp.stdout, cp.stderr))
    return cp


def package(to="000.00.00.H41", number="15", subject="Về việc báo cáo kết quả giải quyết thủ tục tháng 11"):
    return {"from": {"organ_id": "000.00.06.H56", "organ_name": "UBND xã Tân Phú"},
            "to": [{"organ_id": to, "organ_name": "UBND tỉnh Lâm Đồng"}],
            "code": {"number": number, "notation": "UBND-VP"},
            "promulgation": {"place": "Tân Phú", "date": "2026-12-02"},
            "document_type": {"type": 1, "type_detail": 0, "type_name": "Công văn"},
            "subject": subject, "signer": {"full_name": "Nguyễn Văn Lãnh Đạo", "position": "Chủ tịch"},
            "other": {"priority": 1}}


class ExchangeBase(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        d = cls.dir = tmp_root() / unique("exch-")
        d.mkdir()
        (d / "pass").write_text("ca-pass-1\n")
        (d / "pin").write_text("1234\n")
        for ca in ("ca", "other"):
            cli("ca", "init", "--dir", str(d / ca), "--pass-file", str(d / "pass"), "--name", "CA %s" % ca,
                "--key", "ec")
        for name, ca in (("signer", "ca"), ("revoked", "ca"), ("stranger", "other")):
            cp = cli("ca", "issue", "--dir", str(d / ca), "--pass-file", str(d / "pass"), "--cn", "Văn thư " + name,
                     "--key", "ec", "--out", str(d / (name + ".p12")), "--p12-pass-file", str(d / "pin"))
            if name == "revoked":
                serial = [l.split("\t")[1] for l in cp.stdout.splitlines() if l.startswith("serial\t")][0]
                cli("ca", "revoke", "--dir", str(d / "ca"), "--pass-file", str(d / "pass"), "--serial", serial,
                    "--reason", "keyCompromise")
        (d / "trust.pem").write_text((d / "ca" / "ca.pem").read_text() + (d / "ca" / "crl.pem").read_text())
        cls.SERVER_ARGS = ("--exchange-trust", str(d / "trust.pem"))
        super().setUpClass()
        cls.admin = Client(cls.server)
        cls.admin.login("admin")
        cls.lamdong = unit_by_slug(cls.admin, "lamdong")
        cls.langson = unit_by_slug(cls.admin, "langson")
        cls.clerk, cls.clerk_token = cls.staff("clerk", cls.lamdong)
        cls.other_clerk, cls.other_token = cls.staff("clerk", cls.langson)
        cls.desk, cls.desk_token = cls.staff("desk", unit_by_slug(cls.admin, "cujut"))

    @classmethod
    def staff(cls, role, unit):
        name = unique("ex.")
        r = cls.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Văn Thư Tỉnh", "password": PW,
                                                        "unit_id": unit["id"],
                                                        "roles": [{"role": role, "unit_id": unit["id"]}]})
        assert r.status == 201, r
        c = Client(cls.server)
        c.login(name, PW)
        t = c.req("POST", "/api/v1/tokens", json={"name": "exchange"})
        assert t.status == 201, t
        bot = Client(cls.server)
        bot.bearer = t.body["token"]
        return c, bot

    def build(self, body, signer="signer"):
        d = self.dir
        src = d / (unique("pkg-") + ".json")
        out = d / (unique("pkg-") + ".edxml")
        src.write_text(json.dumps(body, ensure_ascii=False))
        args = ["edxml", "build", "--json", str(src), "--out", str(out)]
        if signer:
            args += ["--p12", str(d / (signer + ".p12")), "--pass-file", str(d / "pin")]
        cli(*args)
        return out.read_bytes()

    def post(self, client, xml, ctype="application/xml"):
        return client.req("POST", "/api/v1/exchange/inbox", raw_body=xml, content_type=ctype)

    def incoming(self):
        r = self.clerk.req("GET", "/api/v1/documents?direction=in&limit=200")
        self.assert_status(r, 200)
        return r.body["items"]


class ExchangeInboxTests(ExchangeBase):

    def test_registered_once(self):
        xml = self.build(package(number="15"))
        before = self.counts()
        n = len(self.incoming())
        r = self.post(self.clerk_token, xml)
        self.assert_status(r, 201)
        self.assertEqual((r.body["outcome"], r.body["status_code"]), ("registered", "03"))
        self.assertEqual(r.body["signer"]["subject_cn"], "Văn thư signer")
        self.assertFalse(r.body["lenient"])
        doc = r.body["document"]
        self.assertEqual(doc["direction"], "in")
        self.assertEqual(doc["unit_id"], self.lamdong["id"])
        self.assertEqual(doc["symbol"], "15/UBND-VP")
        self.assertEqual(doc["agency"], "UBND xã Tân Phú")
        self.assert_delta(before, events=2)                   # document.incoming_registered + exchange.received
        self.assertEqual(len(self.incoming()), n + 1)
        got = self.clerk.req("GET", "/api/v1/documents/" + doc["id"])
        self.assert_status(got, 200)
        self.assertIn("báo cáo kết quả", got.body["summary"])
        # Delivered again (a retry of the sender): the same registration, nothing new.
        before = self.counts()
        again = self.post(self.clerk_token, xml)
        self.assert_status(again, 200)
        self.assertEqual((again.body["outcome"], again.body["id"]), ("duplicate", r.body["id"]))
        self.assertEqual(again.body["document"]["id"], doc["id"])
        self.assert_unchanged(before)
        rec = self.clerk.req("GET", "/api/v1/exchange/received")
        self.assert_status(rec, 200)
        row = next(x for x in rec.body["items"] if x["id"] == r.body["id"])
        self.assertEqual((row["document_id"], row["from_organ"]), (doc["id"], "000.00.06.H56"))
        # The other province's clerk does not see it.
        self.assertNotIn(r.body["id"], [x["id"] for x in self.other_clerk.req("GET", "/api/v1/exchange/received")
                                        .body["items"]])

    def rejected(self, xml, code, client=None):
        before = self.counts()
        n = len(self.incoming())
        r = self.post(client or self.clerk_token, xml)
        self.assert_problem(r, 422, code)
        self.assert_delta(before, events=1)                   # exchange.rejected only
        self.assertEqual(len(self.incoming()), n, "a rejected package registers nothing")
        return r

    def test_rejections_with_their_reasons(self):
        good = self.build(package(number="21"))
        tampered = good.replace("tháng 11".encode(), "tháng 12".encode(), 1)
        self.assertNotEqual(tampered, good)
        self.rejected(tampered, "MSG_EXCHANGE_BAD_SIGNATURE")
        self.rejected(self.build(package(number="22"), signer=None), "MSG_EXCHANGE_UNSIGNED")
        self.rejected(self.build(package(number="23"), signer="stranger"), "MSG_EXCHANGE_UNTRUSTED")
        self.rejected(self.build(package(number="24"), signer="revoked"), "MSG_EXCHANGE_REVOKED")
        self.rejected(b"<edXML><broken>", "MSG_EXCHANGE_NOT_EDXML")
        self.rejected(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
                      "MSG_EXCHANGE_NOT_EDXML")
        r = self.rejected(self.build(package(number="25", to="000.99.99.H99")), "MSG_EXCHANGE_WRONG_RECEIVER")
        self.assertIn("vi", r.body["messages"])
        # The evidence: the clerk sees the rejections addressed to the province; the misaddressed one only the
        # national admin.
        mine = self.clerk.req("GET", "/api/v1/exchange/rejected?limit=50").body["items"]
        codes = sorted(x["code"] for x in mine)
        self.assertEqual(codes, ["MSG_EXCHANGE_BAD_SIGNATURE", "MSG_EXCHANGE_REVOKED", "MSG_EXCHANGE_UNSIGNED",
                                 "MSG_EXCHANGE_UNTRUSTED"])
        everything = self.admin.req("GET", "/api/v1/exchange/rejected?limit=50").body["items"]
        self.assertIn("MSG_EXCHANGE_WRONG_RECEIVER", [x["code"] for x in everything])
        self.assertIn("MSG_EXCHANGE_NOT_EDXML", [x["code"] for x in everything])
        self.assertTrue(all(len(x["sha256"]) == 64 for x in everything))

    def test_refusals_record_nothing(self):
        xml = self.build(package(number="31"))
        before = self.counts()
        self.assert_problem(self.post(self.other_token, xml), 403)      # not the receiving unit's clerk
        self.assert_problem(self.post(self.desk_token, xml), 403)       # no clerk or leader role at all
        self.assert_problem(self.post(self.clerk_token, xml, ctype="application/json"), 415)
        self.assertEqual(Client(self.server).req("POST", "/api/v1/exchange/inbox", raw_body=xml,
                                                 content_type="application/xml").status, 401)
        self.assert_problem(self.clerk.req("GET", "/api/v1/exchange/received?cursor=zz"), 400)
        self.assert_problem(self.clerk.req("GET", "/api/v1/exchange/rejected?q=x"), 400)
        self.assert_unchanged(before)
        # And it still registers afterwards.
        self.assert_status(self.post(self.clerk_token, xml), 201)

    def test_z_rebuild_gives_the_same_projections(self):
        self.post(self.clerk_token, self.build(package(number="41")))
        self.post(self.clerk_token, self.build(package(number="42"), signer=None))
        cp = run_cli("rebuild", "--db", self.db.url, "--check")
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)


class ExchangeNotConfiguredTests(ApiTestCase):

    def test_inbox_without_trust_anchors_is_503(self):
        admin = Client(self.server)
        admin.login("admin")
        before = self.counts()
        r = admin.req("POST", "/api/v1/exchange/inbox", raw_body=b"<edXML/>", content_type="application/xml")
        self.assert_problem(r, 503, "MSG_EXCHANGE_NOT_CONFIGURED")
        self.assertTrue(r.headers.get("Retry-After"))
        self.assert_unchanged(before)


if __name__ == "__main__":
    unittest.main()
