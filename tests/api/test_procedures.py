"""The procedure catalog: GET /api/v1/procedures (public; folded search where "chung thuc" finds "Chứng thực" and
d = đ, field and online filters, total, cursor pages), GET /api/v1/procedures/{code} (?unit= gives the province's
adaptation), the write matrix (national admin, province admin of its own / another province, commune admin, desk
officer, citizen, anonymous), If-Match / "version" (428 / 412), adaptations that leave the national record
untouched, retiring, validation naming the field with nothing changed, import / export round trips in JSON and CSV,
an import refused as a whole with line numbers, and `motcua rebuild --check` identical after the saves."""
import urllib.parse

from harness import ApiTestCase, Client, run_cli, unique, unique_phone

SHIPPED = 48          # rows of data/procedures-commune.csv with a time limit


def q(params):
    return "/api/v1/procedures?" + urllib.parse.urlencode(params)


class ProcedureReadTests(ApiTestCase):
    """Read-only: the shipped catalog as `motcua demo` loaded it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anon = Client(cls.server)
        cls.sign_in_admin_with_units("cujut", "ialy")

    def test_list_pages_cover_the_catalog_once_in_code_order(self):
        codes, cursor = [], None
        for _ in range(10):
            params = {"limit": 10}
            if cursor:
                params["cursor"] = cursor
            r = self.anon.req("GET", q(params))
            self.assert_status(r, 200)
            self.assertEqual(r.body["total"], SHIPPED)
            self.assertLessEqual(len(r.body["items"]), 10)
            codes += [p["code"] for p in r.body["items"]]
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(codes), SHIPPED)
        self.assertEqual(len(set(codes)), SHIPPED)
        self.assertEqual(codes, sorted(codes, key=lambda c: c.encode()))

    def test_folded_search(self):
        r = self.anon.req("GET", q({"q": "chung thuc", "limit": 200}))
        self.assert_status(r, 200)
        self.assertEqual(r.body["total"], 12)
        self.assertTrue(all(p["field"] == "Chứng thực" for p in r.body["items"]))
        plain = self.anon.req("GET", q({"q": "dang ky", "limit": 200})).body
        marked = self.anon.req("GET", q({"q": "Đăng ký", "limit": 200})).body
        self.assertGreaterEqual(plain["total"], 5)
        self.assertEqual(plain["total"], marked["total"])
        self.assertTrue(all("đăng ký" in p["name"].lower() or "Đăng ký" in p["name"] for p in plain["items"]))
        r = self.anon.req("GET", q({"q": "1.001193"}))
        self.assertEqual([p["code"] for p in r.body["items"]], ["1.001193"])
        r = self.anon.req("GET", q({"q": "khong co thu tuc nay"}))
        self.assertEqual((r.body["total"], r.body["items"], r.body["next_cursor"]), (0, [], None))

    def test_filters(self):
        r = self.anon.req("GET", q({"field": "ho tich", "limit": 200}))
        self.assert_status(r, 200)
        self.assertEqual(r.body["total"], 9)
        self.assertTrue(all(p["field"] == "Hộ tịch" for p in r.body["items"]))
        r = self.anon.req("GET", q({"online": "full", "limit": 200}))
        self.assertEqual(r.body["total"], 8)
        self.assertTrue(all(p["online_level"] == "full" for p in r.body["items"]))

    def test_bad_parameters_are_400(self):
        for params, field in (({"online": "yes"}, "online"), ({"cursor": "a b"}, "cursor"), ({"limit": 0}, "limit"),
                              ({"field": "x" * 200}, "field")):
            with self.subTest(params=params):
                self.assert_problem(self.anon.req("GET", q(params)), 400, None, field)

    def test_get_one(self):
        r = self.anon.req("GET", "/api/v1/procedures/2.000815")
        self.assert_status(r, 200)
        p = r.body
        self.assertEqual(r.headers.get("ETag"), '"%d"' % p["version"])
        self.assertEqual(p["time"]["rule"], "same_day")
        self.assertEqual(p["field"], "Chứng thực")
        self.assertEqual([x["id"] for x in p["papers"]], ["ban-chinh", "ban-sao"])
        self.assertEqual([s["role"] for s in p["steps"]], ["desk", "specialist", "leader", "desk"])
        self.assertFalse(p["steps"][-1]["counted"])
        self.assertIn("QĐ 2770/QĐ-UBND", p["source"])
        r = self.anon.req("GET", "/api/v1/procedures/2.001019")
        self.assertEqual((r.body["time"], r.body["fee"]["amount"]),
                         ({"rule": "days", "amount": 2, "text": r.body["time"]["text"]}, 50000))
        # without a unit's own adaptation, ?unit= gives the national record
        self.assertEqual(self.anon.req("GET", "/api/v1/procedures/2.001019?unit=" + self.cujut["id"]).body, r.body)
        self.assert_problem(self.anon.req("GET", "/api/v1/procedures/1.000656"), 404, "MSG_NOT_FOUND")
        self.assert_problem(self.anon.req("GET", "/api/v1/procedures/a%20b"), 404)
        self.assert_problem(self.anon.req("GET", "/api/v1/procedures/2.001019?unit=x"), 400, None, "unit")
        self.assert_problem(self.anon.req("GET", "/api/v1/procedures/2.001019?unit=" + "0" * 26), 404)

    def test_export_formats(self):
        r = self.anon.req("GET", "/api/v1/procedures/export")
        self.assert_status(r, 200)
        self.assertEqual(len(r.body), SHIPPED)
        r = self.anon.req("GET", "/api/v1/procedures/export?format=csv")
        self.assert_status(r, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("text/csv"))
        self.assertTrue(r.raw.startswith(b"code,name,field,level,time_limit_text,time_rule,"))
        self.assert_problem(self.anon.req("GET", "/api/v1/procedures/export?format=xml"), 400, None, "format")


def body(code, **extra):
    b = {"code": code, "name": "Thủ tục thử nghiệm " + code, "field": "Chứng thực",
         "time": {"rule": "days", "amount": 3}, "fee": {"amount": 20000, "text": "20.000 đồng/hồ sơ"},
         "online_level": "partial",
         "papers": [{"id": "don", "name": "Đơn đề nghị", "mandatory": True, "form": "original", "copies": 1}],
         "steps": [{"name": "Tiếp nhận", "role": "desk", "budget_days": 0.5},
                   {"name": "Thẩm định", "role": "specialist", "budget_days": 1.5},
                   {"name": "Phê duyệt", "role": "leader", "budget_days": 0.5},
                   {"name": "Trả kết quả", "role": "desk", "budget_days": 0.25, "counted": False}]}
    b.update(extra)
    return b


_codes = iter(range(100000, 999999))


def new_code():
    return "9.%06d" % next(_codes)


class ProcedureWriteTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("lamdong", "gialai", "cujut", "ialy")
        cls.anon = Client(cls.server)
        cls.nat = cls.admin
        cls.prov_admin = cls.make_staff_client("admin", cls.lamdong)
        cls.other_prov_admin = cls.make_staff_client("admin", cls.gialai)
        cls.com_admin = cls.make_staff_client("admin", cls.cujut)
        cls.desk = Client(cls.server)
        cls.desk.login("cujut.desk")
        phone = unique_phone()
        r = Client(cls.server).req("POST", "/api/v1/citizens",
                                   json={"phone": phone, "full_name": "Nguyễn Thị Dân", "password": "dan-pass-1"})
        assert r.status == 201, r
        cls.citizen = Client(cls.server)
        cls.citizen.login(phone, "dan-pass-1")

    @classmethod
    def make_staff_client(cls, role, unit):
        name = unique("proc.")
        r = cls.admin.req("POST", "/api/v1/staff", json={
            "username": name, "full_name": "Trần Văn Quản", "password": "demo1234", "unit_id": unit["id"],
            "roles": [{"role": role, "unit_id": unit["id"]}]})
        assert r.status == 201, r
        c = Client(cls.server)
        c.login(name, "demo1234")
        return c

    def create(self, client=None, code=None, **extra):
        code = code or new_code()
        return (client or self.nat).req("POST", "/api/v1/procedures", json=body(code, **extra)), code

    def test_national_admin_creates_and_others_cannot(self):
        before = self.counts()
        r, code = self.create()
        self.assert_status(r, 201)
        self.assertEqual(r.headers["Location"], "/api/v1/procedures/" + code)
        self.assertEqual(r.headers["ETag"], '"1"')
        self.assertEqual((r.body["version"], r.body["scope"], r.body["active"]), (1, "", True))
        self.assert_delta(before, events=1, procedures=1)
        self.assertEqual(self.anon.req("GET", r.headers["Location"]).body, r.body)
        self.assert_problem(self.create(code=code)[0], 409, "MSG_ALREADY_EXISTS")
        before = self.counts()
        for who, c, status in (("province admin", self.prov_admin, 403), ("commune admin", self.com_admin, 403),
                               ("desk", self.desk, 403), ("citizen", self.citizen, 403),
                               ("anonymous", self.anon, 401)):
            with self.subTest(who=who):
                self.assert_problem(self.create(c)[0], status)
        self.assert_unchanged(before)

    def test_update_needs_the_current_version(self):
        r, code = self.create()
        path = "/api/v1/procedures/" + code
        before = self.counts()
        self.assert_problem(self.nat.req("PUT", path, json=body(code, name="Tên mới")), 428)
        self.assert_problem(self.nat.req("PUT", path, json=body(code, name="Tên mới"), headers={"If-Match": '"7"'}),
                            412, "MSG_VERSION_MISMATCH")
        self.assert_problem(self.nat.req("PUT", path, json=body(code, name="Tên mới", version=3)), 412)
        self.assert_problem(self.nat.req("PUT", path, json=body("9.000001"), headers={"If-Match": '"1"'}), 422,
                            None, "code")
        self.assert_problem(self.prov_admin.req("PUT", path, json=body(code), headers={"If-Match": '"1"'}), 403)
        self.assert_unchanged(before)
        r = self.nat.req("PUT", path, json=body(code, name="Tên mới"), headers={"If-Match": '"1"'})
        self.assert_status(r, 200)
        self.assertEqual((r.body["version"], r.body["name"], r.headers["ETag"]), (2, "Tên mới", '"2"'))
        b = body(code, name="Tên mới hơn", version=2)
        del b["code"]
        r = self.nat.req("PUT", path, json=b)
        self.assert_status(r, 200)
        self.assertEqual(r.body["version"], 3)
        self.assert_delta(before, events=2)
        self.assert_problem(self.nat.req("PUT", "/api/v1/procedures/9.999998", json=body("9.999998"),
                                         headers={"If-Match": '"1"'}), 404)

    def test_retire(self):
        r, code = self.create()
        path = "/api/v1/procedures/" + code
        self.assert_problem(self.nat.req("DELETE", path), 428)
        self.assert_problem(self.prov_admin.req("DELETE", path, headers={"If-Match": '"1"'}), 403)
        self.assert_problem(self.nat.req("DELETE", path, headers={"If-Match": '"2"'}), 412)
        r = self.nat.req("DELETE", path, headers={"If-Match": '"1"'})
        self.assert_status(r, 200)
        self.assertEqual((r.body["active"], r.body["version"]), (False, 2))
        self.assertEqual(self.anon.req("GET", q({"q": code})).body["total"], 0)
        self.assertFalse(self.anon.req("GET", path).body["active"])

    def test_adaptation_matrix(self):
        r, code = self.create()
        national = r.body
        lam = "/api/v1/procedures/%s/adaptations/%s" % (code, self.lamdong["id"])
        gia = "/api/v1/procedures/%s/adaptations/%s" % (code, self.gialai["id"])
        adapted = body(code, fee={"amount": 15000, "text": "15.000 đồng/hồ sơ (Nghị quyết HĐND tỉnh)"})
        before = self.counts()
        for who, c, path, status in (("other province's admin", self.other_prov_admin, lam, 404),
                                     ("province admin, other province", self.prov_admin, gia, 404),
                                     ("commune admin", self.com_admin, lam, 403), ("desk", self.desk, lam, 403),
                                     ("citizen", self.citizen, lam, 403), ("anonymous", self.anon, lam, 401)):
            with self.subTest(who=who):
                self.assert_problem(c.req("PUT", path, json=adapted), status)
        bad = "/api/v1/procedures/%s/adaptations/%s" % (code, self.cujut["id"])
        self.assert_problem(self.nat.req("PUT", bad, json=adapted), 422, "MSG_PROC_SCOPE")
        self.assert_problem(self.prov_admin.req("PUT", "/api/v1/procedures/9.999997/adaptations/%s"
                                                % self.lamdong["id"], json=body("9.999997")), 422,
                            "MSG_PROC_NO_NATIONAL")
        self.assert_unchanged(before)
        r = self.prov_admin.req("PUT", lam, json=adapted)
        self.assert_status(r, 201)
        self.assertEqual((r.body["scope"], r.body["fee"]["amount"], r.body["version"]), (self.lamdong["id"], 15000, 1))
        self.assertEqual(r.headers["Location"], lam)
        self.assert_delta(before, events=1, procedures=1)
        self.assertEqual(self.anon.req("GET", "/api/v1/procedures/" + code).body, national, "national untouched")
        self.assertEqual(self.anon.req("GET", lam).body["fee"]["amount"], 15000)
        via = self.anon.req("GET", "/api/v1/procedures/%s?unit=%s" % (code, self.cujut["id"])).body
        self.assertEqual((via["scope"], via["fee"]["amount"]), (self.lamdong["id"], 15000))
        via = self.anon.req("GET", "/api/v1/procedures/%s?unit=%s" % (code, self.ialy["id"])).body
        self.assertEqual(via, national)
        self.assert_problem(self.prov_admin.req("PUT", lam, json=adapted), 409)
        r = self.prov_admin.req("PUT", lam, json=dict(adapted, fee={"amount": 10000, "text": "10.000 đồng"}),
                                headers={"If-Match": '"1"'})
        self.assertEqual((r.status, r.body["version"]), (200, 2))
        self.assert_problem(self.nat.req("PUT", lam, json=adapted, headers={"If-Match": '"1"'}), 412)
        self.assert_status(self.nat.req("PUT", gia, json=adapted), 201)   # the national admin covers every province
        r = self.prov_admin.req("DELETE", lam, headers={"If-Match": '"2"'})
        self.assertEqual((r.status, r.body["active"]), (200, False))
        via = self.anon.req("GET", "/api/v1/procedures/%s?unit=%s" % (code, self.cujut["id"])).body
        self.assertEqual(via, national, "a retired adaptation falls back to the national record")

    def test_bad_input_is_refused_and_changes_nothing(self):
        code = new_code()
        many_papers = [{"id": "p%d" % i, "name": "Giấy %d" % i} for i in range(33)]
        many_steps = [{"name": "B", "role": "desk", "budget_days": 0.125}] * 17
        cases = [
            ("unknown field", body(code, colour="red"), 400, "colour"),
            ("bad code", body("1 001"), 400, "code"),
            ("long code", body("1." + "9" * 40), 400, "code"),
            ("rule", body(code, time={"rule": "weeks", "amount": 1}), 400, "time.rule"),
            ("same_day with an amount", body(code, time={"rule": "same_day", "amount": 2}), 422, "time.amount"),
            ("zero days", body(code, time={"rule": "days", "amount": 0}), 422, "time.amount"),
            ("negative fee", body(code, fee={"amount": -1, "text": ""}), 422, "fee.amount"),
            ("huge fee", body(code, fee={"amount": 10 ** 12, "text": ""}), 422, "fee.amount"),
            ("fee as text", body(code, fee={"amount": "5"}), 400, "fee.amount"),
            ("online level", body(code, online_level="yes"), 400, "online_level"),
            ("no papers", body(code, papers=[]), 422, "papers"),
            ("33 papers", body(code, papers=many_papers), 422, "papers"),
            ("17 steps", body(code, time={"rule": "days", "amount": 30}, steps=many_steps), 422, "steps"),
            ("budgets over the time", body(code, time={"rule": "days", "amount": 2}), 422, "steps"),
            ("zero budget", body(code, steps=[{"name": "A", "role": "desk", "budget_days": 0}]), 422,
             "steps[0].budget_days"),
            ("unknown role", body(code, steps=[{"name": "A", "role": "pilot", "budget_days": 1}]), 400,
             "steps[0].role"),
            ("inter-agency without level", body(code, steps=[{"name": "A", "role": "specialist", "budget_days": 1,
                                                               "inter_agency": True}]), 422, "steps[0].other_level"),
            ("duplicate paper", body(code, papers=[{"id": "a", "name": "A"}, {"id": "a", "name": "B"}]), 422,
             "papers[1].id"),
            ("name type", body(code, name=5), 400, "name"),
        ]
        en = Client(self.server, lang="en")
        en.login("admin")
        before = self.counts()
        for what, b, status, field in cases:
            with self.subTest(what):
                self.assert_problem(self.nat.req("POST", "/api/v1/procedures", json=b), status, None, field)
        self.assert_problem(self.nat.req("POST", "/api/v1/procedures", raw_body="{", content_type="application/json"),
                            400, "MSG_MALFORMED_JSON")
        self.assert_problem(self.nat.req("POST", "/api/v1/procedures", raw_body="x", content_type="text/plain"), 415)
        p = self.assert_problem(en.req("POST", "/api/v1/procedures", json=body(code, time={"rule": "days",
                                                                                           "amount": 2})), 422)
        self.assertIn("exceed", p["detail"])
        self.assertIn("vượt", p["messages"]["vi"])
        self.assert_unchanged(before)

    def test_import_export_round_trip_and_refusal(self):
        exported = self.anon.req("GET", "/api/v1/procedures/export").body
        before = self.counts()
        r = self.nat.req("POST", "/api/v1/procedures/import", json=exported)
        self.assert_status(r, 200)
        self.assertEqual((r.body["created"], r.body["updated"], r.body["errors"]), (0, 0, []))
        self.assertEqual(r.body["unchanged"], len(exported))
        csv = self.anon.req("GET", "/api/v1/procedures/export?format=csv").raw
        r = self.nat.req("POST", "/api/v1/procedures/import", raw_body=csv, content_type="text/csv")
        self.assert_status(r, 200)
        self.assertEqual((r.body["created"], r.body["updated"], r.body["unchanged"]), (0, 0, len(exported)))
        self.assert_unchanged(before, "by a round trip")
        a, b, c = new_code(), new_code(), new_code()
        good = ("code,name,field,time_rule,time_amount,fee_text,online\n"
                "%s,Thủ tục nhập một,Chứng thực,days,2,Không,yes\n"
                "%s,\"Thủ tục nhập, hai\",Hộ tịch,same_day,,,partial\n"
                "%s,Thủ tục chưa có thời hạn,Hộ tịch,,,,\n" % (a, b, c))
        bad = good + "%s,Thủ tục sai,Hộ tịch,days,abc,,\n" % new_code() + "%s,Lặp,Hộ tịch,days,1,,\n" % a
        for who, client, status in (("province admin", self.prov_admin, 403), ("desk", self.desk, 403),
                                    ("anonymous", self.anon, 401)):
            with self.subTest(who=who):
                self.assert_problem(client.req("POST", "/api/v1/procedures/import", raw_body=good,
                                               content_type="text/csv"), status)
        p = self.assert_problem(self.nat.req("POST", "/api/v1/procedures/import", raw_body=bad,
                                             content_type="text/csv"), 422, "MSG_PROC_IMPORT_FAILED", "time.amount")
        self.assertEqual([(e["line"], e["field"]) for e in p["report"]["errors"]], [(5, "time.amount"), (6, "code")])
        self.assertEqual(p["report"]["created"], 0)
        self.assert_problem(self.nat.req("POST", "/api/v1/procedures/import", raw_body="code,colour\n1.1,x\n",
                                         content_type="text/csv"), 422, None, "colour")
        self.assert_problem(self.nat.req("POST", "/api/v1/procedures/import", json={"code": a}), 422)
        self.assert_problem(self.nat.req("POST", "/api/v1/procedures/import", raw_body="x",
                                         content_type="text/plain"), 415)
        self.assert_unchanged(before, "by refused imports")
        r = self.nat.req("POST", "/api/v1/procedures/import", raw_body=good, content_type="text/csv")
        self.assert_status(r, 200)
        self.assertEqual((r.body["created"], r.body["skipped"], r.body["skipped_lines"]), (2, 1, [4]))
        self.assert_delta(before, events=2, procedures=2)
        got = self.anon.req("GET", "/api/v1/procedures/" + a).body
        self.assertEqual((got["online_level"], got["papers"][0]["id"], len(got["steps"])), ("full", "don-de-nghi", 4))
        self.assertEqual(self.anon.req("GET", "/api/v1/procedures/" + b).body["name"], "Thủ tục nhập, hai")
        self.assert_problem(self.anon.req("GET", "/api/v1/procedures/" + c), 404)

    def test_rebuild_gives_the_same_rows_after_saves(self):
        r, code = self.create()
        self.assert_status(self.nat.req("PUT", "/api/v1/procedures/" + code, json=body(code, name="Đổi tên"),
                                        headers={"If-Match": '"1"'}), 200)
        self.assert_status(self.prov_admin.req("PUT", "/api/v1/procedures/%s/adaptations/%s"
                                               % (code, self.lamdong["id"]), json=body(code)), 201)
        self.assert_status(self.nat.req("DELETE", "/api/v1/procedures/" + code, headers={"If-Match": '"2"'}), 200)
        cp = run_cli("rebuild", "--db", self.db.url, "--check")
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(self.anon.req("GET", "/api/v1/procedures/" + code).body["name"], "Đổi tên")
