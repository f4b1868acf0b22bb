"""Sign-in and sign-out: POST/DELETE /api/v1/session and GET /api/v1/me — the session cookie's attributes, the body
of a sign-in, identical refusals for a wrong password / unknown user / disabled account, sign-out ending the
session, unauthenticated access, session expiry (--session-ttl) and idle expiry (--session-idle)."""
import time
import unittest

from harness import ApiTestCase, Client, run_cli, unit_by_slug, unique


class SignInTests(ApiTestCase):

    def test_sign_in_sets_strict_httponly_cookie_and_returns_profile(self):
        c = Client(self.server)
        before = self.counts()
        r = c.req("POST", "/api/v1/session", json={"username": "cujut.desk", "password": "demo"})
        self.assert_status(r, 200)
        cookies = r.headers.get_all("Set-Cookie")
        self.assertEqual(len(cookies), 1, cookies)
        sc = cookies[0]
        self.assertRegex(sc, r"^motcua_session=[A-Za-z0-9_-]{20,};")
        attrs = [a.strip() for a in sc.split(";")[1:]]
        self.assertIn("Path=/", attrs)
        self.assertIn("HttpOnly", attrs)
        self.assertIn("SameSite=Strict", attrs)
        self.assertNotIn("Secure", attrs, "Secure is only for --secure-cookies")
        b = r.body
        self.assertIsInstance(b["csrf"], str)
        self.assertGreaterEqual(len(b["csrf"]), 20)
        self.assertEqual(b["username"], "cujut.desk")
        self.assertEqual(b["kind"], "staff")
        self.assertIs(b["via_token"], False)
        self.assertEqual(len(b["roles"]), 1)
        self.assertEqual(b["roles"][0]["role"], "desk")
        self.assertEqual(b["roles"][0]["unit"]["slug"], "cujut")
        self.assertEqual(b["roles"][0]["unit"]["kind"], "commune")
        self.assertEqual(b["unit"]["slug"], "cujut.ttpvhcc")
        self.assertGreater(b["expires_at"], int(time.time() * 1000))
        # The session token itself never appears in the body.
        token = c.session_cookie
        self.assertNotIn(token, r.raw.decode())
        self.assertNotIn("password", r.raw.decode())
        self.assert_security_headers(r)
        # A session row, and no ledger event for a sign-in.
        self.assert_delta(before, sessions=1)

    def test_me_returns_same_profile_and_csrf(self):
        c = self.client("cujut.leader")
        r = c.req("GET", "/api/v1/me")
        self.assert_status(r, 200)
        self.assertEqual(r.body["csrf"], c.csrf)
        self.assertEqual(r.body["username"], "cujut.leader")
        self.assertEqual([g["role"] for g in r.body["roles"]], ["leader"])
        self.assertNotIn("expires_at", r.body)
        self.assertEqual(r.body["id"], c.me["id"])

    def test_me_without_cookie_is_401_unauthenticated(self):
        r = Client(self.server).req("GET", "/api/v1/me")
        self.assert_problem(r, 401, "MSG_UNAUTHENTICATED")
        self.assertIn("Bearer", r.headers.get("WWW-Authenticate") or "")

    def test_me_with_forged_cookie_is_401(self):
        c = Client(self.server)
        for value in ("x", "A" * 43, "%00", "../../etc/passwd", "A" * 300):
            with self.subTest(cookie=value):
                c.cookies = {"motcua_session": value}
                self.assert_problem(c.req("GET", "/api/v1/me"), 401, "MSG_UNAUTHENTICATED")

    def _refusal(self, username, password):
        r = Client(self.server).req("POST", "/api/v1/session", json={"username": username, "password": password})
        b = self.assert_problem(r, 401, "MSG_BAD_CREDENTIALS")
        self.assertIsNone(r.headers.get("Set-Cookie"))
        self.assertNotIn("field", b, "a refusal must not say which part was wrong")
        return (r.status, r.raw, r.headers.get("Content-Type"), r.headers.get("Retry-After"))

    def test_wrong_password_and_unknown_user_are_refused_identically(self):
        before = self.counts()
        wrong = self._refusal("thuanan.clerk", "not-demo")
        unknown = self._refusal("nobody.here", "demo")
        self.assertEqual(wrong, unknown)
        self.assert_unchanged(before)

    def test_disabled_account_is_refused_like_a_wrong_password(self):
        admin = self.client("admin")
        uname = unique("gone.")
        unit = unit_by_slug(admin, "thuanan")
        r = admin.req("POST", "/api/v1/staff", json={"username": uname, "full_name": "Người Đã Nghỉ",
                                                     "password": "demo1234", "unit_id": unit["id"]})
        self.assert_status(r, 201)
        self.assert_status(Client(self.server).login(uname, "demo1234"), 200)
        r = admin.req("PATCH", "/api/v1/staff/" + r.body["id"], json={"disabled": True},
                      headers={"If-Match": r.headers["ETag"]})
        self.assert_status(r, 200)
        self.assertIs(r.body["disabled"], True)
        before = self.counts()
        disabled = self._refusal(uname, "demo1234")
        wrong = self._refusal("thuanan.specialist", "not-demo")
        self.assertEqual(disabled, wrong)
        self.assert_unchanged(before)

    def test_sign_out_ends_the_session(self):
        c = self.client("thuanan.desk")
        old = c.session_cookie
        self.assert_status(c.req("GET", "/api/v1/me"), 200)
        before = self.counts()
        r = c.req("DELETE", "/api/v1/session")
        self.assert_status(r, 204)
        self.assertEqual(r.raw, b"")
        sc = r.headers.get("Set-Cookie") or ""
        self.assertRegex(sc, r"^motcua_session=;")
        self.assertIn("Max-Age=0", sc)
        self.assert_delta(before, sessions=-1)
        # The old cookie, replayed, no longer works.
        replay = Client(self.server)
        replay.cookies = {"motcua_session": old}
        self.assert_problem(replay.req("GET", "/api/v1/me"), 401, "MSG_UNAUTHENTICATED")
        self.assert_problem(replay.req("DELETE", "/api/v1/session", headers={"X-CSRF-Token": c.csrf}), 401,
                            "MSG_UNAUTHENTICATED")

    def test_sign_out_leaves_other_sessions_alone(self):
        a = self.client("myhoahung.desk")
        b = self.client("myhoahung.desk")
        self.assertNotEqual(a.session_cookie, b.session_cookie)
        self.assertNotEqual(a.csrf, b.csrf)
        self.assert_status(a.req("DELETE", "/api/v1/session"), 204)
        self.assert_status(b.req("GET", "/api/v1/me"), 200)

    def test_sign_in_body_validation_does_not_count_as_failure(self):
        # Malformed attempts are refused before any password check (no throttling counter involved).
        c = Client(self.server)
        self.assert_problem(c.req("POST", "/api/v1/session", json={"username": "admin"}), 400,
                            "MSG_MISSING_FIELD", "password")
        self.assert_problem(c.req("POST", "/api/v1/session", json={"username": "", "password": "x"}), 400,
                            "MSG_FIELD_LENGTH", "username")
        c.login("admin")


class SessionExpiryTests(ApiTestCase):
    SERVER_ARGS = ("--session-ttl", "2")

    def test_cookie_max_age_follows_ttl(self):
        c = Client(self.server)
        r = c.login("ialy.desk")
        self.assertIn("Max-Age=2", r.headers["Set-Cookie"])

    def test_expired_session_is_401_session_expired(self):
        c = self.client("ialy.leader")
        self.assert_status(c.req("GET", "/api/v1/me"), 200)
        time.sleep(3)
        r = c.req("GET", "/api/v1/me")
        self.assert_problem(r, 401, "MSG_SESSION_EXPIRED")
        # Writes are refused the same way, CSRF token or not.
        before = self.counts()
        r = c.req("POST", "/api/v1/tokens", json={"name": "late"})
        self.assert_problem(r, 401, "MSG_SESSION_EXPIRED")
        self.assert_unchanged(before)
        # Signing in again gives a working session.
        c.login("ialy.leader")
        self.assert_status(c.req("GET", "/api/v1/me"), 200)


class SessionIdleTests(ApiTestCase):
    """--session-idle 2: a session unused for 2 s answers 401 MSG_SESSION_EXPIRED; one used every half second
    stays alive well past 2 s (its last use is recorded often enough)."""
    SERVER_ARGS = ("--session-idle", "2")

    def test_idle_session_expires_and_used_one_stays(self):
        idle, busy = self.client("ialy.desk"), self.client("ialy.specialist")
        self.assert_status(idle.req("GET", "/api/v1/me"), 200)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 4:
            self.assert_status(busy.req("GET", "/api/v1/me"), 200)
            time.sleep(0.4)
        self.assert_problem(idle.req("GET", "/api/v1/me"), 401, "MSG_SESSION_EXPIRED")
        self.assert_status(busy.req("GET", "/api/v1/me"), 200)


class PrincipalCacheTests(ApiTestCase):
    """The principal cache (docs/security.md section 3): a revocation through this server takes effect on the very
    next request; one made by another process (here the `motcua user` CLI on the same database) within
    --auth-cache-ms. GET /api/v1/me answered from the cache still reflects this server's own changes at once."""
    SERVER_ARGS = ("--auth-cache-ms", "800")

    def test_local_changes_are_seen_at_once(self):
        admin = self.client("admin")
        user = unique("cache")
        r = admin.req("POST", "/api/v1/staff", json={"username": user, "full_name": "Nguyễn Văn Cache",
                      "password": "long-enough-pw-1", "unit_id": unit_by_slug(admin, "cujut")["id"]})
        self.assert_status(r, 201)
        sid = r.body["id"]
        me = Client(self.server)
        me.login(user, "long-enough-pw-1")
        for _ in range(3):                               # warm the cache
            self.assertEqual(me.req("GET", "/api/v1/me").body["full_name"], "Nguyễn Văn Cache")
        r = admin.req("PATCH", "/api/v1/staff/%s" % sid, json={"full_name": "Nguyễn Văn Đổi"},
                      headers={"If-Match": '"%d"' % r.body["version"]})
        self.assert_status(r, 200)
        self.assertEqual(me.req("GET", "/api/v1/me").body["full_name"], "Nguyễn Văn Đổi", "a stale /me from the cache")
        r = admin.req("PATCH", "/api/v1/staff/%s" % sid, json={"disabled": True},
                      headers={"If-Match": '"%d"' % r.body["version"]})
        self.assert_status(r, 200)
        self.assert_problem(me.req("GET", "/api/v1/me"), 401)

    def test_another_process_is_seen_within_the_cache_lifetime(self):
        admin = self.client("admin")
        user = unique("cachecli")
        r = admin.req("POST", "/api/v1/staff", json={"username": user, "full_name": "Trần Thị Cache",
                      "password": "long-enough-pw-1", "unit_id": unit_by_slug(admin, "cujut")["id"]})
        self.assert_status(r, 201)
        me = Client(self.server)
        me.login(user, "long-enough-pw-1")
        self.assert_status(me.req("GET", "/api/v1/me"), 200)
        cp = run_cli("user", "disable", "--db", self.server.db.url, "--username", user)
        self.assertEqual(cp.returncode, 0, cp.stderr)
        t0 = time.monotonic()
        while me.req("GET", "/api/v1/me").status == 200:
            self.assertLess(time.monotonic() - t0, 3.0, "the disabled account still signed in after 3 s")
            time.sleep(0.05)
        self.assertLess(time.monotonic() - t0, 0.8 + 1.0)


if __name__ == "__main__":
    unittest.main()
