"""Staff administration: POST /api/v1/staff, PATCH /api/v1/staff/{id}, PUT /api/v1/staff/{id}/password and
PUT /api/v1/me/password — creation with roles (no password hash ever leaves the server), username and role
validation, role placement, units outside the admin's scope, disabling an account (its sessions and tokens stop
working), the last national administrator, and password changes by an admin and by oneself."""
import unittest

from harness import ApiTestCase, Client, run_cli, staff_by_username, unique

SECRET_MARKERS = ("$argon2", "password_hash", "\"password\"")


class StaffAdminTests(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sign_in_admin_with_units("cujut", "cujut.ttpvhcc", "lamdong", "locbinh")
        cls.root = cls.admin.req("GET", "/api/v1/units?kind=national").body["items"][0]

    def assert_no_secret(self, resp):
        text = resp.raw.decode("utf-8", "replace") + str(resp.headers)
        for m in SECRET_MARKERS:
            self.assertNotIn(m, text, "a password (hash) leaked in %r" % (resp,))

    def make_staff(self, password="demo1234", roles=None, unit=None, client=None, **extra):
        unit = unit or self.cujut_ttpvhcc
        body = {"username": unique("staff."), "full_name": "Phạm Thị Thử", "password": password,
                "unit_id": unit["id"]}
        if roles is not None:
            body["roles"] = roles
        body.update(extra)
        r = (client or self.admin).req("POST", "/api/v1/staff", json=body)
        return r, body

    # ---- list ----

    def test_list_pages_through_everyone_once(self):
        """Staff pages of 3 chain by next_cursor to exactly the accounts of one big page, in username order."""
        whole = self.admin.req("GET", "/api/v1/staff?limit=200")
        self.assert_status(whole, 200)
        self.assertIsNone(whole.body["next_cursor"])
        expected = [a["username"] for a in whole.body["items"]]
        self.assertGreaterEqual(len(expected), 25, "the demo has 25 staff accounts")
        self.assertEqual(expected, sorted(expected))
        seen, cursor, pages = [], None, 0
        while True:
            q = "/api/v1/staff?limit=3" + ("&cursor=" + cursor if cursor else "")
            r = self.admin.req("GET", q)
            self.assert_status(r, 200)
            self.assertLessEqual(len(r.body["items"]), 3)
            seen += [a["username"] for a in r.body["items"]]
            pages += 1
            cursor = r.body["next_cursor"]
            if not cursor:
                break
            self.assertEqual(cursor, seen[-1], "the cursor is the last username of the page")
            self.assertLess(pages, 100)
        self.assertEqual(seen, expected)
        only = self.admin.req("GET", "/api/v1/staff?role=leader&q=cujut&limit=200")
        self.assert_status(only, 200)
        names = [a["username"] for a in only.body["items"]]
        self.assertIn("cujut.leader", names)
        self.assertNotIn("cujut.desk", names, "the role filter keeps leaders only")
        self.assertNotIn("locbinh.leader", names, "the search keeps Cư Jút only")
        for a in only.body["items"]:
            self.assertIn("leader", [g["role"] for g in a["roles"]])

    # ---- create ----

    def test_create_staff_with_roles(self):
        before = self.counts()
        roles = [{"role": "desk", "unit_id": self.cujut["id"]}, {"role": "specialist", "unit_id": self.cujut["id"]}]
        r, body = self.make_staff(roles=roles, email="thu@cujut.gov.vn", phone="0912345678")
        self.assert_status(r, 201)
        self.assert_no_secret(r)
        a = r.body
        self.assertEqual(r.headers.get("Location"), "/api/v1/staff/" + a["id"])
        self.assertEqual(r.headers.get("ETag"), '"1"')
        self.assertEqual(a["username"], body["username"])
        self.assertEqual(a["kind"], "staff")
        self.assertEqual(a["unit_id"], self.cujut_ttpvhcc["id"])
        self.assertIs(a["disabled"], False)
        self.assertEqual(sorted((g["role"], g["unit_id"]) for g in a["roles"]),
                         sorted((g["role"], g["unit_id"]) for g in roles))
        self.assert_delta(before, events=1, accounts=1, roles=2)
        g = self.admin.req("GET", r.headers["Location"])
        self.assert_status(g, 200)
        self.assert_no_secret(g)
        self.assertEqual(g.body, a)
        self.assert_no_secret(self.admin.req("GET", "/api/v1/staff?limit=200"))
        # The new officer signs in and holds the roles.
        me = self.client(body["username"], "demo1234").me
        self.assertEqual(sorted(x["role"] for x in me["roles"]), ["desk", "specialist"])

    def test_duplicate_username_is_409(self):
        r, body = self.make_staff()
        self.assert_status(r, 201)
        before = self.counts()
        r2, _ = self.make_staff(username=body["username"])
        self.assert_problem(r2, 409, "MSG_ALREADY_EXISTS", "username")
        r3, _ = self.make_staff(username="cujut.desk")
        self.assert_problem(r3, 409, "MSG_ALREADY_EXISTS")
        self.assert_unchanged(before)

    def test_username_validation(self):
        before = self.counts()
        for name, code in (("Bad Name", "MSG_FIELD_INVALID"), ("UPPER", "MSG_FIELD_INVALID"),
                           ("-lead", "MSG_FIELD_INVALID"), ("ngô", "MSG_FIELD_INVALID"), ("a/b", "MSG_FIELD_INVALID"),
                           ("ab", "MSG_FIELD_LENGTH"), ("a" * 65, "MSG_FIELD_LENGTH")):
            with self.subTest(username=name):
                r, _ = self.make_staff(username=name)
                self.assert_problem(r, 400, code, "username")
        self.assert_unchanged(before)

    def test_password_rules_on_create(self):
        before = self.counts()
        r, _ = self.make_staff(password="abc")
        self.assert_problem(r, 400, "MSG_WEAK_PASSWORD", "password")
        body = {"username": unique("nopw."), "full_name": "Không Mật Khẩu", "unit_id": self.cujut["id"]}
        self.assert_problem(self.admin.req("POST", "/api/v1/staff", json=body), 400, "MSG_MISSING_FIELD", "password")
        self.assert_unchanged(before)

    def test_role_placement(self):
        before = self.counts()
        cases = [
            ("official at a commune", [{"role": "official", "unit_id": self.cujut["id"]}], 422, "MSG_ROLE_PLACEMENT"),
            ("official at a department", [{"role": "official", "unit_id": self.cujut_ttpvhcc["id"]}], 422,
             "MSG_ROLE_PLACEMENT"),
            ("desk at the nation", [{"role": "desk", "unit_id": self.root["id"]}], 422, "MSG_ROLE_PLACEMENT"),
            ("unknown role", [{"role": "king", "unit_id": self.cujut["id"]}], 400, "MSG_ROLE_UNKNOWN"),
            ("unknown unit", [{"role": "desk", "unit_id": "01M000000000000000000000ZZ"}], 422, "MSG_UNIT_UNKNOWN"),
            ("role not an object", ["desk"], 400, "MSG_WRONG_TYPE"),
            ("role without unit", [{"role": "desk"}], 400, "MSG_MISSING_FIELD"),
        ]
        for what, roles, status, code in cases:
            with self.subTest(what):
                r, _ = self.make_staff(roles=roles)
                self.assert_problem(r, status, code)
        r, _ = self.make_staff(roles=[{"role": "king", "unit_id": self.cujut["id"]}])
        self.assertEqual(r.body.get("field"), "roles[0].role")
        self.assert_unchanged(before)

    def test_unit_outside_the_admins_scope_is_422(self):
        # A provincial administrator of Lâm Đồng.
        r, body = self.make_staff(unit=self.lamdong, roles=[{"role": "admin", "unit_id": self.lamdong["id"]}])
        self.assert_status(r, 201)
        padmin = self.client(body["username"], "demo1234")
        before = self.counts()
        r, _ = self.make_staff(client=padmin, unit=self.locbinh)
        self.assert_problem(r, 422, "MSG_UNIT_UNKNOWN", "unit_id")
        r, _ = self.make_staff(client=padmin, roles=[{"role": "desk", "unit_id": self.locbinh["id"]}])
        self.assert_problem(r, 422, "MSG_UNIT_UNKNOWN")
        self.assert_unchanged(before)
        r, _ = self.make_staff(client=padmin, roles=[{"role": "desk", "unit_id": self.cujut["id"]}])
        self.assert_status(r, 201)

    def test_non_admins_cannot_create_staff(self):
        leader = self.client("cujut.leader")
        before = self.counts()
        r, _ = self.make_staff(client=leader)
        self.assert_problem(r, 422, "MSG_UNIT_UNKNOWN", "unit_id")
        self.assert_unchanged(before)

    # ---- update ----

    def test_update_needs_if_match_and_current_version(self):
        r, _ = self.make_staff()
        path = "/api/v1/staff/" + r.body["id"]
        before = self.counts()
        self.assert_problem(self.admin.req("PATCH", path, json={"full_name": "Tên Mới"}), 428,
                            "MSG_PRECONDITION_REQUIRED")
        self.assert_problem(self.admin.req("PATCH", path, json={"full_name": "Tên Mới"}, headers={"If-Match": '"9"'}),
                            412, "MSG_VERSION_MISMATCH")
        self.assert_unchanged(before)

    def test_update_full_name_and_roles(self):
        r, _ = self.make_staff(roles=[{"role": "desk", "unit_id": self.cujut["id"]}])
        path = "/api/v1/staff/" + r.body["id"]
        before = self.counts()
        r = self.admin.req("PATCH", path, json={"full_name": "Đỗ Văn Mới",
                                                "roles": [{"role": "leader", "unit_id": self.cujut["id"]}]},
                           headers={"If-Match": '"1"'})
        self.assert_status(r, 200)
        self.assert_no_secret(r)
        self.assertEqual(r.body["full_name"], "Đỗ Văn Mới")
        self.assertEqual([g["role"] for g in r.body["roles"]], ["leader"])
        self.assertEqual(r.body["version"], 2)
        self.assertEqual(r.headers.get("ETag"), '"2"')
        self.assert_delta(before, events=1)

    def test_leader_reads_but_cannot_update(self):
        r, _ = self.make_staff()
        leader = self.client("cujut.leader")
        path = "/api/v1/staff/" + r.body["id"]
        self.assert_status(leader.req("GET", path), 200)
        before = self.counts()
        self.assert_problem(leader.req("PATCH", path, json={"full_name": "Không Được"}, headers={"If-Match": '"1"'}),
                            403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)

    def test_disabling_ends_sessions_tokens_and_sign_in(self):
        r, body = self.make_staff(roles=[{"role": "desk", "unit_id": self.cujut["id"]}])
        uid = r.body["id"]
        user = self.client(body["username"], "demo1234")
        t = user.req("POST", "/api/v1/tokens", json={"name": "before-disable"})
        self.assert_status(t, 201)
        bot = Client(self.server)
        bot.bearer = t.body["token"]
        self.assert_status(bot.req("GET", "/api/v1/me"), 200)
        before = self.counts()
        r = self.admin.req("PATCH", "/api/v1/staff/" + uid, json={"disabled": True}, headers={"If-Match": '"1"'})
        self.assert_status(r, 200)
        self.assertIs(r.body["disabled"], True)
        self.assert_delta(before, events=1, sessions=-1)
        self.assert_problem(user.req("GET", "/api/v1/me"), 401)
        self.assert_problem(bot.req("GET", "/api/v1/me"), 401)
        self.assert_problem(Client(self.server).login(body["username"], "demo1234", expect=None), 401,
                            "MSG_BAD_CREDENTIALS")
        # Enabled again: the password works again (old sessions stay ended).
        r = self.admin.req("PATCH", "/api/v1/staff/" + uid, json={"disabled": False}, headers={"If-Match": '"2"'})
        self.assert_status(r, 200)
        self.assert_status(Client(self.server).login(body["username"], "demo1234"), 200)
        self.assert_problem(user.req("GET", "/api/v1/me"), 401)

    def test_last_national_admin_cannot_be_disabled_or_demoted(self):
        """The national admin cannot disable or demote itself: no admin manages its own admin grant (only an admin
        strictly above it, or the CLI, where the last-administrator rule answers 422 — tests/cli)."""
        me = staff_by_username(self.admin, "admin")
        path = "/api/v1/staff/" + me["id"]
        etag = '"%d"' % me["version"]
        before = self.counts()
        self.assert_problem(self.admin.req("PATCH", path, json={"disabled": True}, headers={"If-Match": etag}), 403,
                            "MSG_FORBIDDEN")
        self.assert_problem(self.admin.req("PATCH", path, json={"roles": []}, headers={"If-Match": etag}), 403,
                            "MSG_FORBIDDEN")
        self.assert_problem(self.admin.req("PATCH", path, json={"roles": [{"role": "admin",
                                                                           "unit_id": self.lamdong["id"]}]},
                                           headers={"If-Match": etag}), 403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)
        self.assert_status(self.admin.req("GET", "/api/v1/me"), 200)

    # ---- passwords ----

    def test_admin_sets_a_password(self):
        r, body = self.make_staff()
        uid = r.body["id"]
        user = self.client(body["username"], "demo1234")
        before = self.counts()
        r = self.admin.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "fresh-pass-1"})
        self.assert_status(r, 204)
        self.assertEqual(r.raw, b"")
        self.assert_delta(before, events=1, sessions=-1)
        self.assert_problem(Client(self.server).login(body["username"], "demo1234", expect=None), 401,
                            "MSG_BAD_CREDENTIALS")
        self.assert_status(Client(self.server).login(body["username"], "fresh-pass-1"), 200)
        # Existing sessions of that account end with the reset.
        self.assert_problem(user.req("GET", "/api/v1/me"), 401)

    def test_password_reset_refusals(self):
        r, _ = self.make_staff()
        uid = r.body["id"]
        leader, foreign = self.client("cujut.leader"), self.client("locbinh.leader")
        before = self.counts()
        self.assert_problem(self.admin.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "abc"}), 400,
                            "MSG_WEAK_PASSWORD", "password")
        self.assert_problem(leader.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "leader-set-1"}),
                            403, "MSG_FORBIDDEN")
        self.assert_problem(foreign.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "foreign-set"}),
                            404)
        self.assert_problem(self.admin.req("PUT", "/api/v1/staff/01M000000000000000000000ZZ/password",
                                           json={"password": "whatever1"}), 404)
        self.assert_unchanged(before)

    def test_change_own_password(self):
        r, body = self.make_staff()
        me = self.client(body["username"], "demo1234")
        other = self.client(body["username"], "demo1234")
        before = self.counts()
        r = me.req("PUT", "/api/v1/me/password", json={"current_password": "wrong-one", "new_password": "newpass99"})
        self.assert_problem(r, 403, "MSG_BAD_CREDENTIALS", "current_password")
        r = me.req("PUT", "/api/v1/me/password", json={"current_password": "demo1234", "new_password": "abc"})
        self.assert_problem(r, 400, "MSG_WEAK_PASSWORD", "new_password")
        self.assert_unchanged(before)
        r = me.req("PUT", "/api/v1/me/password", json={"current_password": "demo1234", "new_password": "newpass99"})
        self.assert_status(r, 204)
        self.assert_delta(before, events=1, sessions=-1)
        # This session goes on; the account's other sessions end; only the new password signs in.
        self.assert_status(me.req("GET", "/api/v1/me"), 200)
        self.assert_problem(other.req("GET", "/api/v1/me"), 401)
        self.assert_problem(Client(self.server).login(body["username"], "demo1234", expect=None), 401)
        self.assert_status(Client(self.server).login(body["username"], "newpass99"), 200)

    def test_z_rebuild_gives_the_same_accounts_and_keeps_sessions(self):
        """Accounts, roles and units are built by their events' apply functions and rebuilt in place: `motcua
        rebuild --check` gives the same rows, sessions go on and passwords still sign in."""
        r, body = self.make_staff(roles=[{"role": "specialist", "unit_id": self.cujut_ttpvhcc["id"]}])
        self.assert_status(r, 201)
        uid = r.body["id"]
        r = self.admin.req("PATCH", "/api/v1/staff/" + uid, headers={"If-Match": '"1"'}, json={
            "full_name": "Phạm Thị Đổi", "email": "doi@example.vn",
            "roles": [{"role": "leader", "unit_id": self.cujut_ttpvhcc["id"]}]})
        self.assert_status(r, 200)
        self.assert_status(self.admin.req("PUT", "/api/v1/staff/%s/password" % uid, json={"password": "later-pw-9"}),
                           204)
        u = self.admin.req("POST", "/api/v1/units", json={"parent_id": self.cujut["id"], "kind": "department",
                                                          "name": "Phòng Thử", "slug": unique("thu-")})
        self.assert_status(u, 201)
        self.assert_status(self.admin.req("PATCH", "/api/v1/units/" + u.body["id"], headers={"If-Match": '"1"'},
                                          json={"name": "Phòng Thử Đổi", "active": False}), 200)
        me = self.client(body["username"], "later-pw-9")
        shown = self.admin.req("GET", "/api/v1/staff/" + uid).body
        unit = self.admin.req("GET", "/api/v1/units/" + u.body["id"]).body
        cp = run_cli("rebuild", "--check", "--db", self.db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        self.assertIn("projections identical", cp.stdout)
        self.assertEqual(self.admin.req("GET", "/api/v1/staff/" + uid).body, shown)
        self.assertEqual(self.admin.req("GET", "/api/v1/units/" + u.body["id"]).body, unit)
        self.assertEqual((shown["version"], shown["full_name"], [g["role"] for g in shown["roles"]]),
                         (3, "Phạm Thị Đổi", ["leader"]))
        self.assert_status(me.req("GET", "/api/v1/me"), 200)
        self.assert_status(Client(self.server).login(body["username"], "later-pw-9"), 200)


if __name__ == "__main__":
    unittest.main()
