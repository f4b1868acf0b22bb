"""Units administration: POST /api/v1/units and PATCH /api/v1/units/{id} — creation (201, Location, ETag), duplicate
slugs (409), who may write (403 / 404 / 422 outside one's scope), kind/parent rules (422 MSG_UNIT_PARENT), field
validation naming the field, optimistic concurrency with If-Match (428 / 412 / 200), one ledger event per successful
write, and `motcua verify` agreeing with the events table afterwards."""
import unittest

from harness import ApiTestCase, unit_by_slug, unique


class UnitAdminTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "locbinh", "lamdong", "cujut.pkt")
        cls.pkt = cls.cujut_pkt

    def new_dept(self, parent=None, **extra):
        body = {"parent_id": (parent or self.cujut)["id"], "kind": "department", "name": "Phòng Tư pháp",
                "slug": unique("tp-")}
        body.update(extra)
        return body

    def create(self, client=None, **body):
        return (client or self.admin).req("POST", "/api/v1/units", json=body)

    def test_admin_creates_a_department(self):
        before = self.counts()
        body = self.new_dept(abbr="PTP", edi_code="000.05.01.H41", merged_from=[{"name": "Phòng Tư pháp cũ"}])
        r = self.create(**body)
        self.assert_status(r, 201)
        u = r.body
        self.assertEqual(r.headers.get("Location"), "/api/v1/units/" + u["id"])
        self.assertEqual(r.headers.get("ETag"), '"1"')
        self.assertEqual(u["version"], 1)
        self.assertEqual(u["kind"], "department")
        self.assertEqual(u["parent_id"], self.cujut["id"])
        self.assertEqual(u["province_id"], self.lamdong["id"])
        self.assertEqual(u["slug"], body["slug"])
        self.assertEqual(u["name"], "Phòng Tư pháp")
        self.assertEqual(u["merged_from"], [{"name": "Phòng Tư pháp cũ"}])
        self.assertIs(u["active"], True)
        self.assert_delta(before, events=1, units=1)
        g = self.admin.req("GET", r.headers["Location"])
        self.assert_status(g, 200)
        self.assertEqual(g.body, u)
        # The commune's own officers see it (a descendant of their commune).
        self.assert_status(self.client("cujut.desk").req("GET", r.headers["Location"]), 200)

    def test_duplicate_slug_is_409(self):
        body = self.new_dept()
        self.assert_status(self.create(**body), 201)
        before = self.counts()
        again = self.new_dept(parent=self.cujut, slug=body["slug"], name="Phòng Khác")
        self.assert_problem(self.create(**again), 409, "MSG_ALREADY_EXISTS")
        self.assert_problem(self.create(**dict(again, slug="cujut")), 409, "MSG_ALREADY_EXISTS")
        self.assert_unchanged(before)

    def test_non_admin_cannot_create(self):
        clients = {who: self.client(who) for who in ("cujut.leader", "cujut.desk", "lamdong.official")}
        before = self.counts()
        for who, c in clients.items():
            with self.subTest(who=who):
                self.assert_problem(self.create(c, **self.new_dept()), 403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)

    def test_kind_parent_rules(self):
        before = self.counts()
        national = self.admin.req("GET", "/api/v1/units?kind=national").body["items"][0]
        cases = [
            ("commune under commune", dict(self.new_dept(), kind="commune")),
            ("province under commune", dict(self.new_dept(), kind="province")),
            ("department under department", dict(self.new_dept(parent=self.pkt))),
            ("commune under the nation", dict(self.new_dept(parent=national), kind="commune")),
            ("national under the nation", dict(self.new_dept(parent=national), kind="national")),
        ]
        for what, body in cases:
            with self.subTest(what):
                self.assert_problem(self.create(**body), 422, "MSG_UNIT_PARENT")
        self.assert_unchanged(before)

    def test_invalid_fields_are_named(self):
        before = self.counts()
        cases = [
            ("edi_code", "12345"), ("edi_code", "000.00.01.h41"), ("edi_code", "000.00.01.141"),
            ("edi_code", "000-00-01-H41"),
            ("slug", "Bad Slug"), ("slug", "-dash"), ("slug", "x"), ("slug", "đ-slug"),
            ("kind", "village"), ("admin_code", "abc"), ("admin_code", "1"), ("abbr", "lower"),
            ("merged_from", [1]), ("merged_from", [{"code": "x"}]), ("merged_from", [{"name": "a", "extra": "b"}]),
        ]
        for field, value in cases:
            with self.subTest(field=field, value=value):
                self.assert_problem(self.create(**self.new_dept(**{field: value})), 400, field=field)
        self.assert_unchanged(before)

    def test_unknown_or_invisible_parent_is_422(self):
        before = self.counts()
        r = self.create(**dict(self.new_dept(), parent_id="01M000000000000000000000ZZ"))
        self.assert_problem(r, 422, "MSG_UNIT_UNKNOWN", "parent_id")
        self.assert_unchanged(before)

    def test_update_needs_if_match(self):
        u = self.create(**self.new_dept()).body
        path = "/api/v1/units/" + u["id"]
        before = self.counts()
        self.assert_problem(self.admin.req("PATCH", path, json={"name": "Tên mới"}), 428,
                            "MSG_PRECONDITION_REQUIRED")
        for bad in ("abc", '"0"', '"-1"', '""', "*"):
            with self.subTest(if_match=bad):
                self.assert_problem(self.admin.req("PATCH", path, json={"name": "Tên mới"},
                                                   headers={"If-Match": bad}), 400)
        self.assert_problem(self.admin.req("PATCH", path, json={"name": "Tên mới"}, headers={"If-Match": '"7"'}),
                            412, "MSG_VERSION_MISMATCH")
        self.assert_unchanged(before)

    def test_update_with_right_version_bumps_it(self):
        u = self.create(**self.new_dept()).body
        path = "/api/v1/units/" + u["id"]
        before = self.counts()
        r = self.admin.req("PATCH", path, json={"name": "Phòng Tư pháp - Hộ tịch", "abbr": "TPHT"},
                           headers={"If-Match": '"1"'})
        self.assert_status(r, 200)
        self.assertEqual(r.body["version"], 2)
        self.assertEqual(r.headers.get("ETag"), '"2"')
        self.assertEqual(r.body["name"], "Phòng Tư pháp - Hộ tịch")
        self.assertEqual(r.body["abbr"], "TPHT")
        self.assertEqual(r.body["slug"], u["slug"], "fields not sent are kept")
        self.assertGreaterEqual(r.body["updated_at"], u["updated_at"])
        before = self.assert_delta(before, events=1)
        # The old version is now stale; a weak tag of the current one works.
        self.assert_problem(self.admin.req("PATCH", path, json={"active": False}, headers={"If-Match": '"1"'}),
                            412, "MSG_VERSION_MISMATCH")
        r = self.admin.req("PATCH", path, json={"active": False}, headers={"If-Match": 'W/"2"'})
        self.assert_status(r, 200)
        self.assertIs(r.body["active"], False)
        self.assertEqual(r.body["version"], 3)
        before = self.assert_delta(before, events=1)
        # Clearing an optional field with "".
        r = self.admin.req("PATCH", path, json={"abbr": ""}, headers={"If-Match": '"3"'})
        self.assert_status(r, 200)
        self.assertIsNone(r.body["abbr"])
        # The search index follows a rename.
        r = self.admin.req("GET", "/api/v1/units?q=ho%20tich")
        self.assertIn(u["id"], [x["id"] for x in r.body["items"]])

    def test_rename_to_an_existing_slug_is_409(self):
        a = self.create(**self.new_dept()).body
        b = self.create(**self.new_dept()).body
        before = self.counts()
        r = self.admin.req("PATCH", "/api/v1/units/" + b["id"], json={"slug": a["slug"]}, headers={"If-Match": '"1"'})
        self.assert_problem(r, 409, "MSG_ALREADY_EXISTS")
        self.assert_unchanged(before)

    def test_update_refusals(self):
        u = self.create(**self.new_dept()).body
        path = "/api/v1/units/" + u["id"]
        leader, foreign = self.client("cujut.leader"), self.client("locbinh.leader")
        before = self.counts()
        # A leader of the commune sees the unit but may not change it.
        self.assert_problem(leader.req("PATCH", path, json={"name": "Khác"},
                                                            headers={"If-Match": '"1"'}), 403, "MSG_FORBIDDEN")
        # Another commune's officer does not even see it.
        self.assert_problem(foreign.req("PATCH", path, json={"name": "Khác"},
                                                              headers={"If-Match": '"1"'}), 404)
        self.assert_problem(self.admin.req("PATCH", "/api/v1/units/01M000000000000000000000ZZ", json={"name": "Khác"},
                                           headers={"If-Match": '"1"'}), 404)
        self.assert_problem(self.admin.req("PATCH", path, json={"slug": "Bad Slug"}, headers={"If-Match": '"1"'}),
                            400, field="slug")
        self.assert_unchanged(before)

    def test_scoped_admin_writes_only_inside_its_commune(self):
        # An administrator of one commune (created by the national admin).
        uname = unique("cujut.admin")
        r = self.admin.req("POST", "/api/v1/staff", json={
            "username": uname, "full_name": "Quản trị Cư Jút", "password": "demo1234", "unit_id": self.cujut["id"],
            "roles": [{"role": "admin", "unit_id": self.cujut["id"]}]})
        self.assert_status(r, 201)
        sub = self.client(uname, "demo1234")
        before = self.counts()
        self.assert_status(self.create(sub, **self.new_dept()), 201)
        before = self.assert_delta(before, events=1, units=1)
        self.assert_problem(self.create(sub, **self.new_dept(parent=self.locbinh)), 422, "MSG_UNIT_UNKNOWN",
                            "parent_id")
        # Seeing an ancestor is not administering it: no new commune under the province.
        self.assert_problem(self.create(sub, **dict(self.new_dept(parent=self.lamdong), kind="commune")), 403,
                            "MSG_FORBIDDEN")
        locbinh_vp = unit_by_slug(self.admin, "locbinh.vp")
        self.assert_problem(sub.req("PATCH", "/api/v1/units/" + locbinh_vp["id"], json={"name": "Chiếm"},
                                    headers={"If-Match": '"%d"' % locbinh_vp["version"]}), 404)
        self.assert_problem(sub.req("PATCH", "/api/v1/units/" + self.lamdong["id"], json={"name": "Chiếm"},
                                    headers={"If-Match": '"%d"' % self.lamdong["version"]}), 403)
        self.assert_unchanged(before)

    def test_ledger_verifies_after_writes(self):
        self.assert_status(self.create(**self.new_dept()), 201)
        rc, n, out = self.db.verify()
        self.assertEqual(rc, 0, out)
        self.assertEqual(n, self.counts()["events"], out)


if __name__ == "__main__":
    unittest.main()
