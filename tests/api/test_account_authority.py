"""Authority over accounts follows the account's grants, not only its home unit (issue 8, item 1), and no password
changes without the current password or with an API token (item 2).

The matrix: department, commune, province and national administrators × target accounts whose home is in a
department (inside every actor's scope) holding one grant at each level (department, commune, province, national,
as a non-admin role and as admin) × three operations (edit, set password, disable). An actor may manage an account
only when it is admin over every unit where the account holds a grant, and strictly above its admin grants; every
forbidden cell answers 403 or 404 problem+json and changes nothing."""
import unittest

from harness import ApiTestCase, Client, unique

PW = "matrix-pass-1"


class AccountAuthorityMatrix(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "cujut.ttpvhcc", "lamdong")
        cls.root = cls.admin.req("GET", "/api/v1/units?kind=national").body["items"][0]
        cls.units = {"department": cls.cujut_ttpvhcc, "commune": cls.cujut, "province": cls.lamdong,
                     "national": cls.root}
        cls.actors = {}
        for level, unit in cls.units.items():
            name = cls.make(unit, [{"role": "admin", "unit_id": unit["id"]}])
            c = Client(cls.server)
            c.login(name, PW)
            cls.actors[level] = c

    @classmethod
    def make(cls, home, roles):
        name = unique("mx.")
        r = cls.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Ma Trận Thử",
                                                        "password": PW, "unit_id": home["id"], "roles": roles})
        if r.status != 201:
            raise AssertionError("creating %s: %r" % (name, r))
        return name

    # The role a non-admin grant takes at each level (what the unit kind allows).
    PLAIN = {"department": "specialist", "commune": "leader", "province": "official", "national": "official"}
    ORDER = ["department", "commune", "province", "national"]

    def allowed(self, actor, grant_level, admin_grant):
        a, g = self.ORDER.index(actor), self.ORDER.index(grant_level)
        return a > g if admin_grant else a >= g

    def target(self, grant_level, admin_grant):
        role = "admin" if admin_grant else self.PLAIN[grant_level]
        name = self.make(self.cujut_ttpvhcc, [{"role": role, "unit_id": self.units[grant_level]["id"]}])
        got = self.admin.req("GET", "/api/v1/staff?limit=5&q=" + name).body["items"]
        return [a for a in got if a["username"] == name][0]

    def test_matrix(self):
        for actor_level in self.ORDER:
            actor = self.actors[actor_level]
            for grant_level in self.ORDER:
                for admin_grant in (False, True):
                    if admin_grant and grant_level == "national" and actor_level == "national":
                        pass   # a peer of the national admin: forbidden like every other peer (below)
                    with self.subTest(actor=actor_level, grant=grant_level, admin=admin_grant):
                        self.check_cell(actor, actor_level, grant_level, admin_grant)

    def check_cell(self, actor, actor_level, grant_level, admin_grant):
        t = self.target(grant_level, admin_grant)
        path = "/api/v1/staff/" + t["id"]
        ok = self.allowed(actor_level, grant_level, admin_grant)
        ops = [
            ("PATCH", path, {"full_name": "Đã Sửa"}),
            ("PUT", path + "/password", {"password": "taken-over-1"}),
            ("PATCH", path, {"disabled": True}),
        ]
        for method, p, body in ops:
            version = self.admin.req("GET", path).body["version"]
            headers = {"If-Match": '"%d"' % version} if method == "PATCH" else None
            before = self.counts()
            r = actor.req(method, p, json=body, headers=headers)
            if ok:
                self.assertIn(r.status, (200, 204), "%s %s by %s admin: %r" % (method, p, actor_level, r))
            else:
                self.assertIn(r.status, (403, 404), "%s %s by %s admin should be refused: %r"
                              % (method, p, actor_level, r))
                self.assertTrue(r.headers.get("Content-Type", "").startswith("application/problem+json"), r)
                self.assert_unchanged(before, "by a refused %s %s" % (method, p))
        if not ok:
            # The real owner still signs in with the old password; the account is unchanged.
            self.assert_status(Client(self.server).login(t["username"], PW, expect=None), 200)
            now = self.admin.req("GET", path).body
            self.assertEqual(now["version"], t["version"])
            self.assertFalse(now["disabled"])

    def test_grants_outside_the_viewer_are_not_listed(self):
        """A commune admin sees the account's commune grant but not the unit id of its province grant."""
        name = self.make(self.cujut_ttpvhcc, [{"role": "leader", "unit_id": self.cujut["id"]},
                                              {"role": "official", "unit_id": self.lamdong["id"]}])
        got = self.actors["commune"].req("GET", "/api/v1/staff?limit=5&q=" + name)
        self.assert_status(got, 200)
        acc = [a for a in got.body["items"] if a["username"] == name][0]
        self.assertEqual([g["unit_id"] for g in acc["roles"]], [self.cujut["id"]])
        self.assertEqual(acc["roles_outside_scope"], 1)
        self.assertNotIn(self.lamdong["id"], str(acc))
        full = self.admin.req("GET", "/api/v1/staff/" + acc["id"]).body
        self.assertEqual(len(full["roles"]), 2)
        self.assertEqual(full["roles_outside_scope"], 0)


class PasswordRoutes(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "cujut.ttpvhcc")

    def make_user(self):
        name = unique("pw.")
        r = self.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Mật Khẩu Thử",
                                                         "password": PW, "unit_id": self.cujut_ttpvhcc["id"],
                                                         "roles": [{"role": "desk", "unit_id": self.cujut["id"]}]})
        self.assert_status(r, 201)
        return name, r.body["id"]

    def token_client(self, user):
        t = user.req("POST", "/api/v1/tokens", json={"name": unique("t")})
        self.assert_status(t, 201)
        bot = Client(self.server)
        bot.bearer = t.body["token"]
        return bot

    def test_own_password_on_the_staff_route_is_refused(self):
        """PUT /staff/{own id}/password skipped every check for oneself: now 403, whoever asks (even an admin)."""
        name, uid = self.make_user()
        me = self.client(name, PW)
        before = self.counts()
        self.assert_problem(me.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "no-check-1"}), 403,
                            "MSG_OWN_PASSWORD")
        me_id = self.admin.me["id"]
        self.assert_problem(self.admin.req("PUT", "/api/v1/staff/%s/password" % me_id,
                                           json={"password": "no-check-2"}), 403, "MSG_OWN_PASSWORD")
        self.assert_unchanged(before)
        self.assert_status(Client(self.server).login(name, PW, expect=None), 200)

    def test_an_api_token_changes_no_password(self):
        name, uid = self.make_user()
        me = self.client(name, PW)
        bot = self.token_client(me)
        admin_bot = self.token_client(self.admin)
        before = self.counts()
        self.assert_problem(bot.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "via-token-1"}), 403,
                            "MSG_TOKEN_NO_PASSWORD")
        r = bot.req("PUT", "/api/v1/me/password", json={"current_password": PW, "new_password": "via-token-2"})
        self.assertIn(r.status, (403,), "%r" % (r,))
        self.assert_problem(admin_bot.req("PUT", "/api/v1/staff/%s/password" % uid,
                                          json={"password": "via-token-3"}), 403, "MSG_TOKEN_NO_PASSWORD")
        self.assert_unchanged(before)
        self.assert_status(Client(self.server).login(name, PW, expect=None), 200)

    def test_a_password_change_revokes_every_token(self):
        """By oneself (the current session goes on) and by an admin: other sessions and every API token end."""
        name, uid = self.make_user()
        me = self.client(name, PW)
        other = self.client(name, PW)
        bot = self.token_client(me)
        self.assert_status(bot.req("GET", "/api/v1/me"), 200)
        r = me.req("PUT", "/api/v1/me/password", json={"current_password": PW, "new_password": "second-pass-1"})
        self.assert_status(r, 204)
        self.assert_status(me.req("GET", "/api/v1/me"), 200)
        self.assert_problem(other.req("GET", "/api/v1/me"), 401)
        self.assert_problem(bot.req("GET", "/api/v1/me"), 401)
        bot2 = self.token_client(me)
        self.assert_status(self.admin.req("PUT", "/api/v1/staff/%s/password" % uid,
                                          json={"password": "third-pass-1"}), 204)
        self.assert_problem(bot2.req("GET", "/api/v1/me"), 401)
        self.assert_problem(me.req("GET", "/api/v1/me"), 401)


class RoleLimit(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "cujut.ttpvhcc")

    def test_more_than_the_maximum_is_refused(self):
        """17 grants in one request: 400; kept grants outside the actor's scope count toward the 16 too."""
        units = self.admin.req("GET", "/api/v1/units?limit=200").body["items"]
        depts = [u for u in units if u["kind"] == "department"]
        self.assertGreaterEqual(len(depts), 17)
        roles = [{"role": "specialist", "unit_id": u["id"]} for u in depts[:17]]
        before = self.counts()
        r = self.admin.req("POST", "/api/v1/staff", json={"username": unique("many."), "full_name": "Nhiều Vai Trò",
                                                         "password": PW, "unit_id": self.cujut_ttpvhcc["id"],
                                                         "roles": roles})
        self.assert_problem(r, 400, field="roles")
        self.assert_unchanged(before)
        # 16 at once are fine; then a commune admin adds one of its own while the 16 outside its scope stay.
        out = [u for u in depts if not u.get("path", "").startswith(self.cujut.get("path", "-"))]
        name = unique("many.")
        r = self.admin.req("POST", "/api/v1/staff", json={"username": name, "full_name": "Nhiều Vai Trò",
                                                         "password": PW, "unit_id": self.cujut_ttpvhcc["id"],
                                                         "roles": [{"role": "specialist", "unit_id": u["id"]}
                                                                   for u in depts[:16]]})
        self.assert_status(r, 201)
        self.assertEqual(len(r.body["roles"]), 16)
        before = self.counts()
        extra = [u for u in depts[16:]]
        r2 = self.admin.req("PATCH", "/api/v1/staff/" + r.body["id"],
                            json={"roles": [{"role": "specialist", "unit_id": u["id"]} for u in depts[:16]]
                                  + [{"role": "desk", "unit_id": self.cujut["id"]}][:0]
                                  + [{"role": "specialist", "unit_id": extra[0]["id"]}]},
                            headers={"If-Match": '"%d"' % r.body["version"]})
        self.assert_problem(r2, 400, field="roles")
        self.assert_unchanged(before)
        del out


if __name__ == "__main__":
    unittest.main()
