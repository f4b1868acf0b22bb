"""Citizen accounts: POST /api/v1/citizens (public registration; the phone number is the sign-in name), duplicate
and malformed phone numbers, the per-address registration limit, and what a signed-in citizen may not do (staff endpoints answer 403)."""
import unittest
import urllib.parse

from harness import ApiTestCase, Client, unique_phone


class CitizenTests(ApiTestCase):

    def register(self, **extra):
        body = {"phone": unique_phone(), "full_name": "Nguyễn Thị Dân", "password": "dan-pass-1"}
        body.update(extra)
        return Client(self.server).req("POST", "/api/v1/citizens", json=body), body

    def test_register(self):
        before = self.counts()
        r, body = self.register(email="dan@example.vn", national_id="012345678901")
        self.assert_status(r, 201)
        self.assertEqual(r.body["username"], body["phone"])
        self.assertEqual(r.body["phone"], body["phone"])
        self.assertEqual(r.body["kind"], "citizen")
        self.assertEqual(r.body["roles"], [])
        self.assertIsNone(r.body["unit_id"])
        self.assertIsNone(r.headers.get("Set-Cookie"), "registration does not sign in")
        text = r.raw.decode()
        self.assertNotIn("$argon2", text)
        self.assertNotIn("dan-pass-1", text)
        self.assert_delta(before, events=1, accounts=1)

    def test_duplicate_phone_is_409(self):
        r, body = self.register()
        self.assert_status(r, 201)
        before = self.counts()
        r2, _ = self.register(phone=body["phone"], full_name="Người Khác")
        self.assert_problem(r2, 409, "MSG_ALREADY_EXISTS")
        self.assert_unchanged(before)

    def test_bad_phone_is_400(self):
        before = self.counts()
        for phone, code in (("09abc12345", "MSG_FIELD_INVALID"), ("+84912345678", "MSG_FIELD_INVALID"),
                            ("0912 345 678", "MSG_FIELD_INVALID"), ("1234567", "MSG_FIELD_LENGTH"),
                            ("0" * 16, "MSG_FIELD_LENGTH"), ("٠١٢٣٤٥٦٧٨٩", "MSG_FIELD_INVALID")):
            with self.subTest(phone=phone):
                r, _ = self.register(phone=phone)
                self.assert_problem(r, 400, code, "phone")
        self.assert_unchanged(before)

    def test_other_field_rules(self):
        before = self.counts()
        cases = [({"password": "abc"}, "MSG_WEAK_PASSWORD", "password"),
                 ({"national_id": "12345"}, "MSG_FIELD_LENGTH", "national_id"),
                 ({"national_id": "01234567890x"}, "MSG_FIELD_INVALID", "national_id"),
                 ({"email": "not-an-email"}, "MSG_FIELD_INVALID", "email"),
                 ({"full_name": "A"}, "MSG_FIELD_LENGTH", "full_name"),
                 ({"roles": [{"role": "admin"}]}, "MSG_UNKNOWN_FIELD", "roles"),
                 ({"kind": "staff"}, "MSG_UNKNOWN_FIELD", "kind")]
        for extra, code, field in cases:
            with self.subTest(extra=extra):
                r, _ = self.register(**extra)
                self.assert_problem(r, 400, code, field)
        self.assert_unchanged(before)

    def test_citizen_signs_in_but_cannot_use_staff_endpoints(self):
        r, body = self.register()
        self.assert_status(r, 201)
        c = Client(self.server)
        me = c.login(body["phone"], "dan-pass-1").body
        self.assertEqual(me["kind"], "citizen")
        self.assertEqual(me["roles"], [])
        self.assert_status(c.req("GET", "/api/v1/me"), 200)
        before = self.counts()
        for method, path, json in (("GET", "/api/v1/units", None), ("GET", "/api/v1/staff", None),
                                   ("GET", "/api/v1/tokens", None), ("POST", "/api/v1/tokens", {"name": "x"}),
                                   ("GET", "/api/v1/staff/" + me["id"], None),
                                   ("POST", "/api/v1/units", {"name": "x"})):
            with self.subTest(method=method, path=path):
                kw = {"json": json} if json is not None else {}
                self.assert_problem(c.req(method, path, **kw), 403, "MSG_FORBIDDEN")
        self.assert_unchanged(before)
        # A citizen may change its own password.
        r = c.req("PUT", "/api/v1/me/password", json={"current_password": "dan-pass-1", "new_password": "dan-pass-2"})
        self.assert_status(r, 204)
        c.login(body["phone"], "dan-pass-2")

    def test_public_units_list_the_receiving_communes(self):
        """GET /api/v1/public/units (no sign-in): active communes or wards only, their public facts only,
        searchable without diacritics; a citizen submits online to an id taken from it."""
        anon = Client(self.server)
        r = anon.req("GET", "/api/v1/public/units?limit=200")
        self.assert_status(r, 200)
        self.assertTrue(r.body["items"])
        self.assertEqual({u["kind"] for u in r.body["items"]}, {"commune"})
        self.assertEqual(set(r.body["items"][0]), {"id", "kind", "name", "admin_code", "merged_from"})
        found = anon.req("GET", "/api/v1/public/units?q=cu+jut").body["items"]
        self.assertEqual([u["name"] for u in found], ["Xã Cư Jút"])
        wards = anon.req("GET", "/api/v1/public/units?kind=ward&limit=200").body["items"]
        self.assertEqual({u["kind"] for u in wards} - {"ward"}, set())
        for kind in ("department", "province", "national"):
            with self.subTest(kind=kind):
                self.assert_problem(anon.req("GET", "/api/v1/public/units?kind=" + kind), 400, "MSG_PARAM_INVALID", "kind")
        reg, body = self.register()
        c = Client(self.server)
        c.login(body["phone"], "dan-pass-1")
        d = c.req("POST", "/api/v1/dossiers", json={
            "procedure": "1.004873", "channel": "online", "unit": found[0]["id"],   # offered online (full)
            "applicant": {"kind": "person", "name": body["full_name"], "id_number": "068095001234",
                          "phone": body["phone"], "address": "Thôn 3"},
            "papers": [{"paper": "don-de-nghi", "copies": 1, "form": "electronic"}]})
        self.assert_status(d, 201)
        self.assertEqual(d.body["unit_id"], found[0]["id"])

    def test_public_units_skip_inactive_ones_and_page_through(self):
        """An inactive commune is not offered, not even as a cursor; small pages still reach every active one."""
        anon = Client(self.server)
        everyone = anon.req("GET", "/api/v1/public/units?limit=200").body["items"]
        gone = everyone[1]
        admin = self.client("admin")
        r = admin.req("GET", "/api/v1/units/" + gone["id"])
        self.assert_status(admin.req("PATCH", "/api/v1/units/" + gone["id"], json={"active": False},
                                     headers={"If-Match": r.headers["ETag"]}), 200)
        seen, cursor = [], None
        for _ in range(len(everyone) + 2):
            query = "limit=1" + ("&cursor=" + urllib.parse.quote(cursor) if cursor else "")
            page = anon.req("GET", "/api/v1/public/units?" + query)
            self.assert_status(page, 200)
            seen += [u["id"] for u in page.body["items"]]
            cursor = page.body["next_cursor"]
            # The cursor is a listed unit's key: it never names the inactive commune the list leaves out.
            self.assertNotIn(gone["id"], cursor or "")
            self.assertTrue(page.body["items"] or not cursor, "a page with a next_cursor lists a unit")
            if not cursor:
                break
        self.assertEqual(seen, [u["id"] for u in everyone if u["id"] != gone["id"]])

    def test_staff_endpoints_do_not_show_citizens(self):
        r, _ = self.register()
        admin = self.client("admin")
        self.assert_problem(admin.req("GET", "/api/v1/staff/" + r.body["id"]), 404)
        listed = admin.req("GET", "/api/v1/staff?limit=200")
        self.assertNotIn(r.body["id"], [a["id"] for a in listed.body["items"]])


class RegistrationLimitTests(ApiTestCase):
    """POST /api/v1/citizens costs an Argon2 run and a ledger event without any sign-in, so it is limited per
    client address (--register-after 2; with --trust-proxy the forwarded address): the third registration from
    one address answers 429 MSG_RATE_LIMITED with Retry-After and creates nothing; another address goes on."""
    SERVER_ARGS = ("--trust-proxy", "--register-after", "2")

    def register(self, addr):
        body = {"phone": unique_phone(), "full_name": "Trần Văn Dân", "password": "dan-pass-1"}
        return Client(self.server).req("POST", "/api/v1/citizens", json=body, headers={"X-Forwarded-For": addr})

    def test_registrations_are_limited_per_address(self):
        for _ in range(2):
            self.assert_status(self.register("203.0.113.40"), 201)
        before = self.counts()
        r = self.register("203.0.113.40")
        self.assert_problem(r, 429, "MSG_RATE_LIMITED")
        self.assertRegex(r.headers.get("Retry-After") or "", r"^[1-9][0-9]*$")
        self.assert_unchanged(before)
        self.assert_status(self.register("203.0.113.41"), 201)


if __name__ == "__main__":
    unittest.main()
