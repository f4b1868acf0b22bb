"""API tokens: POST/GET /api/v1/tokens and DELETE /api/v1/tokens/{id} — the secret is shown once (mct_...), works
as `Authorization: Bearer` (no CSRF needed), is never listed, stops working when revoked; tokens cannot mint
tokens; unknown or malformed bearer tokens are 401."""
import re
import unittest

from harness import ApiTestCase, Client, unit_by_slug

TOKEN_RE = re.compile(r"^mct_[A-Za-z0-9_-]{43}$")


class TokenTests(ApiTestCase):

    def new_token(self, client, name="ci"):
        r = client.req("POST", "/api/v1/tokens", json={"name": name})
        self.assert_status(r, 201)
        return r

    def bearer(self, token):
        c = Client(self.server)
        c.bearer = token
        return c

    def test_create_shows_secret_once(self):
        admin = self.client("admin")
        before = self.counts()
        r = self.new_token(admin, "báo cáo đêm")
        self.assertRegex(r.body["token"], TOKEN_RE)
        info = r.body["info"]
        self.assertEqual(info["name"], "báo cáo đêm")
        self.assertIsNone(info["revoked_at"])
        days = (info["expires_at"] - info["created_at"]) / 86400000
        self.assertEqual(days, 90, "default lifetime")
        self.assert_delta(before, events=1, api_tokens=1)
        lst = admin.req("GET", "/api/v1/tokens")
        self.assert_status(lst, 200)
        self.assertIn(info["id"], [t["id"] for t in lst.body["items"]])
        self.assertNotIn(r.body["token"], lst.raw.decode())
        self.assertNotIn(r.body["token"][4:], lst.raw.decode())
        self.assertNotIn("mct_", lst.raw.decode())
        self.assertNotIn("hash", lst.raw.decode())

    def test_bearer_on_me_and_writes_without_csrf(self):
        admin = self.client("admin")
        bot = self.bearer(self.new_token(admin).body["token"])
        r = bot.req("GET", "/api/v1/me")
        self.assert_status(r, 200)
        self.assertIs(r.body["via_token"], True)
        self.assertNotIn("csrf", r.body)
        self.assertEqual(r.body["username"], "admin")
        unit = unit_by_slug(admin, "thuanan.pkt")
        before = self.counts()
        r = bot.req("PATCH", "/api/v1/units/" + unit["id"], json={"abbr": "PKTB"},
                    headers={"If-Match": '"%d"' % unit["version"]})
        self.assert_status(r, 200)
        self.assert_delta(before, events=1)
        # The scheme name is case-insensitive (RFC 9110).
        r = Client(self.server).req("GET", "/api/v1/me", headers={"Authorization": "bearer " + bot.bearer})
        self.assert_status(r, 200)

    def test_use_is_recorded(self):
        """last_used_at is null until the token is used, then the time of (about) its first use."""
        admin = self.client("admin")
        r = self.new_token(admin, "last used")
        self.assertIsNone(r.body["info"]["last_used_at"])
        me = self.bearer(r.body["token"]).req("GET", "/api/v1/me")
        self.assert_status(me, 200)
        lst = admin.req("GET", "/api/v1/tokens")
        t = next(t for t in lst.body["items"] if t["id"] == r.body["info"]["id"])
        self.assertIsNotNone(t["last_used_at"], "the use was recorded")
        self.assertGreaterEqual(t["last_used_at"], r.body["info"]["created_at"])

    def test_revoke(self):
        admin = self.client("admin")
        r = self.new_token(admin, "to-revoke")
        bot = self.bearer(r.body["token"])
        self.assert_status(bot.req("GET", "/api/v1/me"), 200)
        before = self.counts()
        d = admin.req("DELETE", "/api/v1/tokens/" + r.body["info"]["id"])
        self.assert_status(d, 204)
        self.assert_delta(before, events=1)
        self.assert_problem(bot.req("GET", "/api/v1/me"), 401, "MSG_UNAUTHENTICATED")
        self.assert_problem(admin.req("DELETE", "/api/v1/tokens/" + r.body["info"]["id"]), 404)
        lst = admin.req("GET", "/api/v1/tokens").body["items"]
        revoked = [t for t in lst if t["id"] == r.body["info"]["id"]]
        self.assertEqual(len(revoked), 1)
        self.assertIsNotNone(revoked[0]["revoked_at"])

    def test_a_token_cannot_create_tokens(self):
        admin = self.client("admin")
        bot = self.bearer(self.new_token(admin).body["token"])
        before = self.counts()
        self.assert_problem(bot.req("POST", "/api/v1/tokens", json={"name": "child"}), 403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)

    def test_a_token_cannot_sign_out(self):
        admin = self.client("admin")
        bot = self.bearer(self.new_token(admin).body["token"])
        self.assert_problem(bot.req("DELETE", "/api/v1/session"), 400)
        self.assert_status(bot.req("GET", "/api/v1/me"), 200)

    def test_unknown_and_malformed_tokens_are_401(self):
        for tok in ("mct_" + "A" * 43, "mct_short", "xyz", "", "mct_" + "A" * 500, "mct_" + "é" * 43):
            with self.subTest(token=tok):
                r = Client(self.server).req("GET", "/api/v1/me", headers={"Authorization": "Bearer " + tok})
                self.assert_problem(r, 401, "MSG_UNAUTHENTICATED")

    def test_only_the_owner_revokes(self):
        a = self.client("cujut.leader")
        b = self.client("locbinh.leader")
        r = self.new_token(a, "mine")
        before = self.counts()
        self.assert_problem(b.req("DELETE", "/api/v1/tokens/" + r.body["info"]["id"]), 404)
        self.assert_unchanged(before)
        self.assertNotIn(r.body["info"]["id"], [t["id"] for t in b.req("GET", "/api/v1/tokens").body["items"]])
        self.assert_status(self.bearer(r.body["token"]).req("GET", "/api/v1/me"), 200)

    def test_lifetime_bounds(self):
        admin = self.client("admin")
        before = self.counts()
        for days in (0, 731, -1):
            with self.subTest(days=days):
                r = admin.req("POST", "/api/v1/tokens", json={"name": "x", "expires_in_days": days})
                self.assert_problem(r, 400, "MSG_FIELD_RANGE", "expires_in_days")
        self.assert_problem(admin.req("POST", "/api/v1/tokens", json={"name": ""}), 400, "MSG_FIELD_LENGTH", "name")
        self.assert_unchanged(before)
        r = admin.req("POST", "/api/v1/tokens", json={"name": "long", "expires_in_days": 730})
        self.assert_status(r, 201)
        self.assertEqual((r.body["info"]["expires_at"] - r.body["info"]["created_at"]) // 86400000, 730)


if __name__ == "__main__":
    unittest.main()
