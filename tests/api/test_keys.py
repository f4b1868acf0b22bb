"""The key store over HTTP (issue 12 item 3): GET/POST /api/v1/signing-keys, DELETE /api/v1/signing-keys/{id}.

Bundles come from a real CA made by `motcua ca` in the test's scratch directory (and, for the refusals, from the
openssl CLI: a CA certificate without a signing key usage, an expired leaf). Who may:
- a personal key: any staff account with a home unit imports its own (session only, never an API token); the
  holder and an admin over its unit see and remove it;
- a unit's seal: an admin over the unit imports and removes it; the unit's leaders, clerks and admins see it;
- everyone else: 404 for a key or unit outside what they see, 403 for a seal of a unit they see but do not
  administer.
The matrix below takes every role x every level its grant fits x own unit / a child / another commune, from the
unit paths. Bad input answers a 4xx problem+json in both languages and adds no event and no row."""
import base64
import subprocess
import unittest

from harness import Client, ApiTestCase, run_cli, staff_by_username, tmp_root, unique, unit_by_slug

PW = "keys-pass-1"
PIN = "mã-pin-1234"
LEVELS = {"desk": ("department", "commune", "province"), "specialist": ("department", "commune", "province"),
          "leader": ("department", "commune", "province"), "clerk": ("department", "commune", "province"),
          "official": ("province", "national"), "admin": ("department", "commune", "province", "national")}


def sh(*args, **kw):
    cp = subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)
    if cp.returncode != 0:
        raise AssertionError("%s failed: %s" % (" ".join(args), cp.stderr))
    return cp


class KeyBase(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dir = tmp_root() / unique("keys-")
        cls.dir.mkdir()
        (cls.dir / "pass").write_text("ca-pass-1\n")
        (cls.dir / "pin").write_text(PIN + "\n")
        cp = run_cli("ca", "init", "--dir", str(cls.dir / "ca"), "--pass-file", str(cls.dir / "pass"),
                     "--name", "CA thử nghiệm", "--key", "ec")
        if cp.returncode != 0:
            raise AssertionError(cp.stderr)
        cls.admin = Client(cls.server)
        cls.admin.login("admin")
        cls.unit = {s: unit_by_slug(cls.admin, s) for s in ("cujut", "cujut.pkt", "thuanan", "lamdong", "langson")}
        cls.unit["root"] = cls.admin.req("GET", "/api/v1/units?kind=national").body["items"][0]
        for u in cls.unit.values():
            u["path"] = cls.path_of(u)

    @classmethod
    def path_of(cls, unit):
        ids = [unit["id"]]
        while unit.get("parent_id"):
            unit = cls.admin.req("GET", "/api/v1/units/" + unit["parent_id"]).body
            ids.append(unit["id"])
        return "/" + "/".join(reversed(ids)) + "/"

    @classmethod
    def bundle(cls, cn, *extra):
        """A fresh PKCS#12 from the test CA, as base64."""
        out = cls.dir / (unique("b-") + ".p12")
        cp = run_cli("ca", "issue", "--dir", str(cls.dir / "ca"), "--pass-file", str(cls.dir / "pass"), "--cn", cn,
                     "--out", str(out), "--p12-pass-file", str(cls.dir / "pin"), *extra)
        if cp.returncode != 0:
            raise AssertionError(cp.stderr)
        return base64.b64encode(out.read_bytes()).decode()

    @classmethod
    def make(cls, home, roles):
        name = unique("ks.")
        r = cls.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Khóa Thử",
                                                        "password": PW, "unit_id": home["id"], "roles": roles})
        if r.status != 201:
            raise AssertionError("creating %s: %r" % (name, r))
        c = Client(cls.server)
        c.login(name, PW)
        return c

    def keys_rows(self):
        if self.db.sqlite_path:
            return self.db.sql("SELECT COUNT(*) FROM signing_keys")[0][0]
        return None

    def import_(self, client, **body):
        return client.req("POST", "/api/v1/signing-keys", json=body)


class KeyImportTests(KeyBase):

    def test_personal_key_round_trip(self):
        lead = self.client("cujut.leader")
        b = self.bundle("Nguyễn Văn Lãnh Đạo", "--email", "lanhdao@cujut.gov.vn")
        before = self.counts()
        r = self.import_(lead, kind="person", label="Chữ ký số của tôi", pkcs12=b, pin=PIN)
        self.assert_status(r, 201)
        k = r.body
        self.assertEqual(k["kind"], "person")
        self.assertEqual(k["account_id"], staff_by_username(self.admin, "cujut.leader")["id"])
        self.assertEqual(k["certificate"]["subject_cn"], "Nguyễn Văn Lãnh Đạo")
        self.assertEqual(k["certificate"]["issuer_cn"], "CA thử nghiệm")
        self.assertEqual(k["certificate"]["key_type"], "rsa")
        self.assertTrue(k["active"])
        self.assertNotIn(PIN, r.raw.decode())
        self.assertNotIn(b[:40], r.raw.decode())
        self.assert_delta(before, events=1)
        lst = lead.req("GET", "/api/v1/signing-keys")
        self.assert_status(lst, 200)
        self.assertIn(k["id"], [x["id"] for x in lst.body["items"]])
        self.assertNotIn(b[:40], lst.raw.decode())
        # The same certificate twice: 409, nothing added.
        other = self.client("cujut.desk")
        before = self.counts()
        self.assert_problem(self.import_(lead, kind="person", label="again", pkcs12=b, pin=PIN), 409,
                            "MSG_KEYS_DUPLICATE", "pkcs12")
        self.assert_unchanged(before)
        # Another officer neither sees nor removes it.
        self.assertNotIn(k["id"], [x["id"] for x in other.req("GET", "/api/v1/signing-keys").body["items"]])
        self.assert_problem(other.req("DELETE", "/api/v1/signing-keys/" + k["id"]), 404)
        self.assert_unchanged(before)
        # Its holder removes it; it leaves the list, stays with removed=true, and can be imported again.
        self.assert_status(lead.req("DELETE", "/api/v1/signing-keys/" + k["id"]), 204)
        self.assert_delta(before, events=1)
        self.assertNotIn(k["id"], [x["id"] for x in lead.req("GET", "/api/v1/signing-keys").body["items"]])
        gone = lead.req("GET", "/api/v1/signing-keys?removed=true")
        row = next(x for x in gone.body["items"] if x["id"] == k["id"])
        self.assertFalse(row["active"])
        self.assertIsNotNone(row["removed_at"])
        self.assert_problem(lead.req("DELETE", "/api/v1/signing-keys/" + k["id"]), 404)
        self.assert_status(self.import_(lead, kind="person", label="again", pkcs12=b, pin=PIN), 201)

    def test_ec_seal_by_admin(self):
        cadmin = self.make(self.unit["cujut"], [{"role": "admin", "unit_id": self.unit["cujut"]["id"]}])
        b = self.bundle("UBND xã Cư Jút", "--seal", "--key", "ec")
        r = self.import_(cadmin, kind="seal", unit_id=self.unit["cujut"]["id"], label="Con dấu UBND xã", pkcs12=b,
                         pin=PIN)
        self.assert_status(r, 201)
        self.assertEqual(r.body["kind"], "seal")
        self.assertIsNone(r.body["account_id"])
        self.assertEqual(r.body["certificate"]["key_type"], "ec")
        seal = r.body["id"]
        # Leaders and clerks of the commune see it; a leader of another commune does not.
        for user, sees in (("cujut.leader", True), ("cujut.clerk", True), ("cujut.desk", False),
                           ("thuanan.leader", False)):
            ids = [x["id"] for x in self.client(user).req("GET", "/api/v1/signing-keys").body["items"]]
            self.assertEqual(seal in ids, sees, user)
        # A leader sees it but may not remove it.
        leader = self.client("cujut.leader")
        before = self.counts()
        self.assert_problem(leader.req("DELETE", "/api/v1/signing-keys/" + seal), 403,
                            "MSG_FORBIDDEN")
        self.assert_unchanged(before)
        self.assert_status(cadmin.req("DELETE", "/api/v1/signing-keys/" + seal), 204)

    def test_bad_input_changes_nothing(self):
        lead = self.client("cujut.leader")
        good = self.bundle("Trần Thị Văn Thư")
        garbage = base64.b64encode(b"not a PKCS#12 bundle at all").decode()
        d = self.dir
        # A CA certificate's key as a bundle: keyUsage keyCertSign only, no signing usage.
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
           str(d / "nosig.key"), "-out", str(d / "nosig.pem"), "-days", "30", "-subj", "/CN=No Signing",
           "-addext", "keyUsage=critical,keyCertSign")
        sh("openssl", "pkcs12", "-export", "-inkey", str(d / "nosig.key"), "-in", str(d / "nosig.pem"), "-out",
           str(d / "nosig.p12"), "-passout", "pass:" + PIN)
        nosig = base64.b64encode((d / "nosig.p12").read_bytes()).decode()
        # An expired certificate (valid from 2001 to 2002), self-signed by `openssl ca -selfsign`.
        sh("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(d / "old.key"))
        sh("openssl", "req", "-new", "-key", str(d / "old.key"), "-subj", "/CN=Old", "-out", str(d / "old.csr"))
        (d / "oldca").mkdir()
        (d / "oldca" / "index.txt").write_text("")
        (d / "oldca" / "serial").write_text("1000\n")
        (d / "oldca.cnf").write_text(
            "[ca]\ndefault_ca=c\n[c]\ndir=%s\ndatabase=$dir/index.txt\nserial=$dir/serial\nnew_certs_dir=$dir\n"
            "default_md=sha256\npolicy=p\ncopy_extensions=none\n[p]\ncommonName=supplied\n" % (d / "oldca"))
        sh("openssl", "ca", "-batch", "-config", str(d / "oldca.cnf"), "-selfsign", "-keyfile", str(d / "old.key"),
           "-in", str(d / "old.csr"), "-out", str(d / "old2.pem"), "-startdate", "20010101000000Z", "-enddate",
           "20020101000000Z", "-notext")
        sh("openssl", "pkcs12", "-export", "-inkey", str(d / "old.key"), "-in", str(d / "old2.pem"), "-out",
           str(d / "old.p12"), "-passout", "pass:" + PIN)
        old = base64.b64encode((d / "old.p12").read_bytes()).decode()
        cases = [
            (dict(kind="person", label="x", pkcs12="***", pin=PIN), 400, "MSG_FIELD_INVALID", "pkcs12"),
            (dict(kind="person", label="x", pkcs12="QUJD", pin=PIN), 422, "MSG_KEYS_NOT_PKCS12", "pkcs12"),
            (dict(kind="person", label="x", pkcs12=garbage, pin=PIN), 422, "MSG_KEYS_NOT_PKCS12", "pkcs12"),
            (dict(kind="person", label="x", pkcs12=good, pin="wrong"), 422, "MSG_KEYS_BAD_PIN", "pin"),
            (dict(kind="person", label="x", pkcs12=nosig, pin=PIN), 422, "MSG_KEYS_NO_SIGNING_USAGE", "pkcs12"),
            (dict(kind="person", label="x", pkcs12=old, pin=PIN), 422, "MSG_KEYS_EXPIRED", "pkcs12"),
            (dict(kind="robot", label="x", pkcs12=good, pin=PIN), 400, "MSG_FIELD_INVALID", "kind"),
            (dict(kind="person", label="x" * 101, pkcs12=good, pin=PIN), 400, None, "label"),
            (dict(kind="person", label="a\nb", pkcs12=good, pin=PIN), 400, "MSG_FIELD_INVALID", "label"),
            (dict(kind="person", label="x", pkcs12=good), 400, None, "pin"),
            (dict(kind="person", label="x", pkcs12=good, pin=PIN, extra=1), 400, None, "extra"),
            (dict(kind="seal", label="x", pkcs12=good, pin=PIN), 400, "MSG_FIELD_INVALID", "unit_id"),
            (dict(kind="seal", unit_id="01M000000000000000000000ZZ", label="x", pkcs12=good, pin=PIN), 404, None,
             "unit_id"),
            (dict(kind="seal", unit_id=self.unit["cujut"]["id"], label="x", pkcs12=good, pin=PIN), 403,
             "MSG_FORBIDDEN", None),
            (dict(kind="seal", unit_id=self.unit["thuanan"]["id"], label="x", pkcs12=good, pin=PIN), 404, None,
             "unit_id"),
        ]
        before = self.counts()
        rows = self.keys_rows()
        for body, status, code, field in cases:
            with self.subTest(body={k: (v[:20] if isinstance(v, str) else v) for k, v in body.items()}):
                self.assert_problem(self.import_(lead, **body), status, code, field)
        self.assert_unchanged(before)
        self.assertEqual(self.keys_rows(), rows)
        # Both languages, and the Vietnamese one by default.
        r = self.import_(lead, kind="person", label="x", pkcs12=good, pin="wrong")
        self.assertIn("PIN", r.body["messages"]["vi"])
        self.assertIn("PIN", r.body["messages"]["en"])
        # Bad list parameters and ids.
        self.assert_problem(lead.req("GET", "/api/v1/signing-keys?removed=maybe"), 400, None, "removed")
        self.assert_problem(lead.req("GET", "/api/v1/signing-keys?cursor=zz"), 400, None, "cursor")
        self.assert_problem(lead.req("DELETE", "/api/v1/signing-keys/nope"), 404)
        self.assert_unchanged(before)

    def test_token_citizen_and_anonymous_cannot_import(self):
        lead = self.client("cujut.leader")
        tok = lead.req("POST", "/api/v1/tokens", json={"name": "keys"})
        self.assert_status(tok, 201)
        bot = Client(self.server)
        bot.bearer = tok.body["token"]
        b = self.bundle("Token Holder")
        before = self.counts()
        self.assert_problem(self.import_(bot, kind="person", label="x", pkcs12=b, pin=PIN), 403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)
        self.assertEqual(Client(self.server).req("GET", "/api/v1/signing-keys").status, 401)
        self.assertEqual(Client(self.server).req("POST", "/api/v1/signing-keys", json={}).status, 401)

    def test_rebuild_gives_identical_projections(self):
        """A key imported and one removed: the ledger replay builds the same signing_keys rows; bundles stay."""
        clerk = self.client("cujut.clerk")
        a = self.import_(clerk, kind="person", label="giữ", pkcs12=self.bundle("Văn Thư A", "--key", "ec"), pin=PIN)
        b = self.import_(clerk, kind="person", label="bỏ", pkcs12=self.bundle("Văn Thư B", "--key", "ec"), pin=PIN)
        self.assert_status(a, 201)
        self.assert_status(b, 201)
        self.assert_status(clerk.req("DELETE", "/api/v1/signing-keys/" + b.body["id"]), 204)
        cp = run_cli("rebuild", "--db", self.db.url, "--check")
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        lst = clerk.req("GET", "/api/v1/signing-keys?removed=true").body["items"]
        self.assertEqual({x["id"]: x["active"] for x in lst if x["id"] in (a.body["id"], b.body["id"])},
                         {a.body["id"]: True, b.body["id"]: False})

    def test_pagination(self):
        spec = self.make(self.unit["cujut.pkt"], [{"role": "specialist", "unit_id": self.unit["cujut.pkt"]["id"]}])
        ids = []
        for i in range(3):
            r = self.import_(spec, kind="person", label="k%d" % i, pkcs12=self.bundle("Chuyên Viên %d" % i), pin=PIN)
            self.assert_status(r, 201)
            ids.append(r.body["id"])
        seen, cursor = [], None
        while True:
            r = spec.req("GET", "/api/v1/signing-keys?limit=2" + ("&cursor=" + cursor if cursor else ""))
            self.assert_status(r, 200)
            seen += [x["id"] for x in r.body["items"]]
            cursor = r.body.get("next_cursor")
            if not cursor:
                break
        self.assertEqual(seen, sorted(ids, reverse=True))


class KeyAccessMatrix(KeyBase):
    """Every role x level x target unit: who may import a seal for the target, and who sees it."""

    def test_matrix(self):
        u = self.unit
        levels = {"department": u["cujut.pkt"], "commune": u["cujut"], "province": u["lamdong"], "national": u["root"]}
        targets = {"own": None, "child": None, "other_commune": u["thuanan"], "other_province": u["langson"]}
        children = {"department": None, "commune": u["cujut.pkt"], "province": u["cujut"], "national": u["lamdong"]}
        seen_status = set()
        for role, lvls in sorted(LEVELS.items()):
            for level in lvls:
                grant = levels[level]
                c = self.make(grant, [{"role": role, "unit_id": grant["id"]}])
                for tname in targets:
                    target = grant if tname == "own" else children[level] if tname == "child" else targets[tname]
                    if target is None:
                        continue
                    covered = target["path"].startswith(grant["path"])
                    sees = covered or grant["path"].startswith(target["path"])
                    want = 201 if role == "admin" and covered else 403 if sees else 404
                    with self.subTest(role=role, level=level, target=tname):
                        before = self.counts()
                        r = self.import_(c, kind="seal", unit_id=target["id"], label="dấu", pin=PIN,
                                         pkcs12=self.bundle("Dấu %s %s %s" % (role, level, tname), "--seal", "--key", "ec"))
                        seen_status.add(want)
                        if want == 201:
                            self.assert_status(r, 201)
                            self.assert_delta(before, events=1)
                            sid = r.body["id"]
                            # Seen by a leader of the target, removed by this admin.
                            for viewer, vsees in ((c, True),):
                                ids = [x["id"] for x in viewer.req("GET", "/api/v1/signing-keys").body["items"]]
                                self.assertEqual(sid in ids, vsees)
                            self.assert_status(c.req("DELETE", "/api/v1/signing-keys/" + sid), 204)
                        else:
                            self.assert_problem(r, want)
                            self.assert_unchanged(before)
                # Every role imports its own personal key (the home unit is the grant's unit).
                with self.subTest(role=role, level=level, target="personal"):
                    r = self.import_(c, kind="person", label="của tôi", pin=PIN,
                                     pkcs12=self.bundle("Cá nhân %s %s" % (role, level), "--key", "ec"))
                    self.assert_status(r, 201)
                    self.assertEqual(r.body["unit_id"], grant["id"])
        self.assertEqual(seen_status, {201, 403, 404})


if __name__ == "__main__":
    unittest.main()
