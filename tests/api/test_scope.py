"""Unit scopes on GET /api/v1/units, /api/v1/units/{id}, /api/v1/staff and /api/v1/staff/{id}: an officer sees its
own commune, its descendants and its ancestors, never a sibling (404, not 403); a province official sees its
province's communes only; the national admin sees all. Also the Vietnamese folding of ?q= and list pagination."""
import unittest
import urllib.parse

from harness import ApiTestCase, Client, find_unit, staff_by_username, unit_by_slug


class ScopeTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = Client(cls.server)
        admin.login("admin")
        cls.admin = admin
        cls.u = {s: unit_by_slug(admin, s) for s in ("cujut", "thuanan", "locbinh", "ialy", "lamdong", "langson",
                                                       "cujut.pkt", "locbinh.vp")}
        r = admin.req("GET", "/api/v1/units?kind=national")
        cls.root = r.body["items"][0]
        cls.acct = {n: staff_by_username(admin, n) for n in ("cujut.desk", "cujut.leader", "locbinh.desk",
                                                              "thuanan.desk", "ialy.desk")}
        cls.users = {}

    def user(self, name):
        if name not in self.users:
            self.users[name] = self.client(name)
        return self.users[name]

    def get_unit(self, who, slug):
        return self.user(who).req("GET", "/api/v1/units/" + self.u[slug]["id"])

    def list_all(self, client, query=""):
        items, cursor = [], None
        for _ in range(50):
            q = query + ("&" if query else "") + "limit=7" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            r = client.req("GET", "/api/v1/units?" + q)
            self.assert_status(r, 200)
            items += r.body["items"]
            cursor = r.body["next_cursor"]
            if not cursor:
                return items
        self.fail("pagination did not end")

    # ---- search ----

    def test_search_folds_vietnamese(self):
        for q in ("cu jut", "Cư Jút", "CƯ JÚT", "cư jut"):
            with self.subTest(q=q):
                self.assertEqual(find_unit(self.admin, q, "Xã Cư Jút")["slug"], "cujut")
        for q in ("lam dong", "Lâm Đồng", "LÂM ĐỒNG", "đồng"):
            with self.subTest(q=q):
                self.assertEqual(find_unit(self.admin, q, "Tỉnh Lâm Đồng")["slug"], "lamdong")

    def test_search_treats_like_wildcards_literally(self):
        for q in ("%", "_", "cu%jut", "\\"):
            with self.subTest(q=q):
                r = self.admin.req("GET", "/api/v1/units?" + urllib.parse.urlencode({"q": q}))
                self.assert_status(r, 200)
                self.assertEqual(r.body["items"], [])

    # ---- single units ----

    def test_commune_officer_sees_own_commune_descendants_and_ancestors(self):
        for slug in ("cujut", "cujut.pkt", "lamdong"):
            with self.subTest(slug=slug):
                r = self.get_unit("cujut.desk", slug)
                self.assert_status(r, 200)
                self.assertEqual(r.body["id"], self.u[slug]["id"])
                self.assertEqual(r.headers.get("ETag"), '"%d"' % r.body["version"])
        r = self.user("cujut.desk").req("GET", "/api/v1/units/" + self.root["id"])
        self.assert_status(r, 200)

    def test_commune_officer_never_sees_other_communes(self):
        for slug in ("locbinh", "thuanan", "ialy", "locbinh.vp", "langson"):
            with self.subTest(slug=slug):
                self.assert_problem(self.get_unit("cujut.desk", slug), 404, "MSG_NOT_FOUND")

    def test_unknown_and_malformed_unit_ids_are_404(self):
        for uid in ("01M000000000000000000000ZZ", "nope", "x" * 200, "%00", "..%2f..%2fetc"):
            with self.subTest(id=uid):
                self.assert_problem(self.admin.req("GET", "/api/v1/units/" + uid), 404)
        # Foreign and unknown ids answer alike.
        a = self.user("cujut.desk").req("GET", "/api/v1/units/" + self.u["locbinh"]["id"])
        b = self.user("cujut.desk").req("GET", "/api/v1/units/01M000000000000000000000ZZ")
        self.assertEqual((a.status, a.body["code"]), (b.status, b.body["code"]))

    def test_listing_is_limited_to_the_callers_commune(self):
        items = self.list_all(self.user("cujut.desk"))
        self.assertEqual(len(items), 5, "the commune and its four departments")
        ids = {u["id"] for u in items}
        self.assertIn(self.u["cujut"]["id"], ids)
        self.assertIn(self.u["cujut.pkt"]["id"], ids)
        for u in items:
            self.assertTrue(u["id"] == self.u["cujut"]["id"] or u["parent_id"] == self.u["cujut"]["id"], u)
        self.assertNotIn(self.u["thuanan"]["id"], ids)
        self.assertNotIn(self.u["locbinh"]["id"], ids)

    def test_listing_under_a_foreign_unit_is_404(self):
        r = self.user("cujut.desk").req("GET", "/api/v1/units?under=" + self.u["locbinh"]["id"])
        self.assert_problem(r, 404, field="under")
        r = self.user("cujut.desk").req("GET", "/api/v1/units?under=" + self.u["thuanan"]["id"])
        self.assert_problem(r, 404, field="under")
        r = self.user("cujut.desk").req("GET", "/api/v1/units?under=" + self.u["cujut"]["id"])
        self.assert_status(r, 200)
        r = self.user("cujut.desk").req("GET", "/api/v1/units?under=not-an-id")
        self.assert_problem(r, 400, field="under")

    def test_province_official_sees_its_communes_only(self):
        official = self.user("lamdong.official")
        for slug in ("cujut", "thuanan", "cujut.pkt", "lamdong"):
            with self.subTest(slug=slug):
                self.assert_status(self.get_unit("lamdong.official", slug), 200)
        for slug in ("ialy", "locbinh", "langson"):
            with self.subTest(slug=slug):
                self.assert_problem(self.get_unit("lamdong.official", slug), 404)
        ids = {u["id"] for u in self.list_all(official)}
        self.assertIn(self.u["cujut"]["id"], ids)
        self.assertIn(self.u["thuanan"]["id"], ids)
        self.assertNotIn(self.u["ialy"]["id"], ids)
        self.assertNotIn(self.u["locbinh"]["id"], ids)
        r = official.req("GET", "/api/v1/units?" + urllib.parse.urlencode({"q": "ia ly"}))
        self.assert_status(r, 200)
        self.assertEqual(r.body["items"], [])

    def test_admin_sees_everything_and_pagination_is_complete(self):
        everything = self.admin.req("GET", "/api/v1/units?limit=200")
        self.assert_status(everything, 200)
        self.assertIsNone(everything.body["next_cursor"])
        all_ids = [u["id"] for u in everything.body["items"]]
        for slug, unit in self.u.items():
            self.assertIn(unit["id"], all_ids, slug)
        # 1 nation, 4 provinces, 5 communes with 4 departments each.
        self.assertGreaterEqual(len(all_ids), 30)
        paged = [u["id"] for u in self.list_all(self.admin)]
        self.assertEqual(paged, all_ids, "pages of 7 differ from one page of 200")
        self.assertEqual(len(set(paged)), len(paged))

    def test_list_parameters_are_validated(self):
        for q in ("limit=0", "limit=201", "limit=abc", "limit=-1", "cursor=nope", "parent=bad-id",
                  "q=" + "a" * 101):
            with self.subTest(query=q):
                self.assert_problem(self.admin.req("GET", "/api/v1/units?" + q), 400)

    def test_kind_and_parent_filters(self):
        r = self.admin.req("GET", "/api/v1/units?kind=province&limit=200")
        self.assert_status(r, 200)
        self.assertEqual({u["kind"] for u in r.body["items"]}, {"province"})
        self.assertEqual(len(r.body["items"]), 4)
        r = self.admin.req("GET", "/api/v1/units?parent=%s&limit=200" % self.u["cujut"]["id"])
        self.assert_status(r, 200)
        self.assertEqual(len(r.body["items"]), 4)
        self.assertTrue(all(u["parent_id"] == self.u["cujut"]["id"] for u in r.body["items"]))

    # ---- staff ----

    def test_leader_cannot_see_staff_of_another_commune(self):
        leader = self.user("locbinh.leader")
        r = leader.req("GET", "/api/v1/staff/" + self.acct["cujut.desk"]["id"])
        self.assert_problem(r, 404, "MSG_NOT_FOUND")
        r = leader.req("GET", "/api/v1/staff/" + self.acct["locbinh.desk"]["id"])
        self.assert_status(r, 200)
        self.assertEqual(r.body["username"], "locbinh.desk")
        r = leader.req("GET", "/api/v1/staff?limit=200")
        self.assert_status(r, 200)
        names = {a["username"] for a in r.body["items"]}
        self.assertIn("locbinh.desk", names)
        self.assertFalse({n for n in names if not n.startswith("locbinh.")}, names)
        r = leader.req("GET", "/api/v1/staff?under=" + self.u["cujut"]["id"])
        self.assert_problem(r, 404)

    def test_desk_officer_reads_itself_but_not_colleagues(self):
        desk = self.user("cujut.desk")
        self.assert_status(desk.req("GET", "/api/v1/staff/" + self.acct["cujut.desk"]["id"]), 200)
        self.assert_problem(desk.req("GET", "/api/v1/staff/" + self.acct["cujut.leader"]["id"]), 404)
        self.assert_problem(desk.req("GET", "/api/v1/staff"), 403, "MSG_FORBIDDEN")

    def test_province_official_is_not_a_staff_manager(self):
        r = self.user("lamdong.official").req("GET", "/api/v1/staff/" + self.acct["cujut.desk"]["id"])
        self.assert_problem(r, 404)

    def test_admin_sees_all_staff(self):
        for name, a in self.acct.items():
            with self.subTest(name=name):
                r = self.admin.req("GET", "/api/v1/staff/" + a["id"])
                self.assert_status(r, 200)
                self.assertEqual(r.body["username"], name)
                self.assertEqual(r.headers.get("ETag"), '"%d"' % r.body["version"])


if __name__ == "__main__":
    unittest.main()
