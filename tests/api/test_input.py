"""Bad request bodies for every endpoint that takes one (POST /session, PUT /me/password, POST /units, PATCH
/units/{id}, POST /staff, PATCH /staff/{id}, PUT /staff/{id}/password, POST /citizens, POST /tokens): malformed
JSON, a body that is not an object, invalid UTF-8, unknown fields, wrong types, missing required fields, too long
strings, NUL in strings, duplicate keys, a wrong Content-Type, an empty body and bodies over --body-max (with and
without Content-Length). Each is a 4xx problem naming the field where there is one, and the store is unchanged."""
import unittest

from harness import ApiTestCase, Client, staff_by_username, unit_by_slug, unique, unique_phone

BODY_MAX = 2048


class Endpoint:
    def __init__(self, name, method, path, valid, wrong_type, missing, too_long, headers=None):
        self.name, self.method, self.path, self.valid = name, method, path, valid
        self.wrong_type = wrong_type      # (field, value of a wrong JSON type)
        self.missing = missing            # a required field, or None when the endpoint has none
        self.too_long = too_long          # (field, a string over its maximum length)
        self.headers = headers or {}

    def __repr__(self):
        return "%s %s" % (self.method, self.path)


class InputTests(ApiTestCase):
    SERVER_ARGS = ("--body-max", str(BODY_MAX))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = Client(cls.server)
        admin.login("admin")
        cls.admin = admin
        cujut = unit_by_slug(admin, "cujut")
        dept = unit_by_slug(admin, "cujut.pvhxh")
        desk = staff_by_username(admin, "cujut.clerk")
        cls.endpoints = [
            Endpoint("sign-in", "POST", "/api/v1/session", {"username": "admin", "password": "demo"},
                     ("password", 1234), "password", ("username", "a" * 65)),
            Endpoint("own password", "PUT", "/api/v1/me/password",
                     {"current_password": "demo", "new_password": "newpass1"},
                     ("new_password", True), "current_password", ("new_password", "x" * 129)),
            Endpoint("create unit", "POST", "/api/v1/units",
                     {"parent_id": cujut["id"], "kind": "department", "name": "Phòng Thử", "slug": unique("in-")},
                     ("active", "yes"), "name", ("name", "Đ" * 201)),
            Endpoint("update unit", "PATCH", "/api/v1/units/" + dept["id"], {"name": "Phòng Văn hóa"},
                     ("merged_from", "not an array"), None, ("abbr", "A" * 41),
                     headers={"If-Match": '"%d"' % dept["version"]}),
            Endpoint("create staff", "POST", "/api/v1/staff",
                     {"username": unique("in."), "full_name": "Nguyễn Văn Thử", "password": "demo1234",
                      "unit_id": cujut["id"]},
                     ("roles", {"role": "desk"}), "full_name", ("full_name", "ễ" * 201)),
            Endpoint("update staff", "PATCH", "/api/v1/staff/" + desk["id"], {"full_name": "Trần Thị Đổi"},
                     ("disabled", "no"), None, ("email", "a" * 250 + "@x.vn"),
                     headers={"If-Match": '"%d"' % desk["version"]}),
            Endpoint("set staff password", "PUT", "/api/v1/staff/%s/password" % desk["id"], {"password": "newpass12"},
                     ("password", 12345678), "password", ("password", "p" * 129)),
            Endpoint("register citizen", "POST", "/api/v1/citizens",
                     {"phone": unique_phone(), "full_name": "Lê Công Dân", "password": "demo1234"},
                     ("phone", 912345678), "full_name", ("phone", "0" * 16)),
            Endpoint("create token", "POST", "/api/v1/tokens", {"name": "probe"},
                     ("expires_in_days", "30"), "name", ("name", "n" * 101)),
        ]

    # ---- helpers ----

    def send(self, ep, **kw):
        headers = dict(ep.headers)
        headers.update(kw.pop("headers", {}))
        return self.admin.req(ep.method, ep.path, headers=headers, **kw)

    def each_endpoint(self, check):
        """Run check(ep) for every endpoint as a subtest, asserting the store is unchanged by each."""
        for ep in self.endpoints:
            with self.subTest(endpoint=ep.name):
                before = self.counts()
                check(ep)
                self.assert_unchanged(before, "by %r" % (ep,))

    # ---- cases ----

    def test_malformed_json(self):
        bad = [b'{"a":', b"{", b"{'a': 1}", b'{"a": 1,}', b"nul", b'{"a": 1} {"b": 2}', b'{"a" 1}', b"{]"]

        def check(ep):
            for raw in bad:
                self.assert_problem(self.send(ep, raw_body=raw), 400, "MSG_MALFORMED_JSON")
        self.each_endpoint(check)

    def test_body_array_is_not_an_object(self):
        def check(ep):
            for raw in (b"[]", b'[{"name": "x"}]'):
                with self.subTest(body=raw):
                    self.assert_problem(self.send(ep, raw_body=raw), 400, "MSG_BODY_NOT_OBJECT")
        self.each_endpoint(check)

    def test_body_scalar_is_not_an_object(self):
        # Valid JSON texts (RFC 8259) that are not objects: the client should be told "not an object", not
        # "malformed".
        def check(ep):
            for raw in (b'"x"', b"1", b"null", b"true"):
                with self.subTest(body=raw):
                    self.assert_problem(self.send(ep, raw_body=raw), 400, "MSG_BODY_NOT_OBJECT")
        self.each_endpoint(check)

    def test_invalid_utf8(self):
        bad = [b'{"name": "\xff"}', b'{"name": "\xc0\xaf"}', b'{"name": "\xed\xa0\x80"}', b'{"name": "\xe1\x80"}',
               b'{"\xfe": 1}']

        def check(ep):
            for raw in bad:
                with self.subTest(body=raw):
                    self.assert_problem(self.send(ep, raw_body=raw), 400, "MSG_INVALID_UTF8")
        self.each_endpoint(check)

    def test_unknown_field_is_named(self):
        def check(ep):
            body = dict(ep.valid)
            body["bogus_field"] = 1
            self.assert_problem(self.send(ep, json=body), 400, "MSG_UNKNOWN_FIELD", "bogus_field")
        self.each_endpoint(check)

    def test_fields_fixed_at_creation_are_unknown_on_update(self):
        for ep, field, value in ((self.endpoints[3], "kind", "province"), (self.endpoints[3], "parent_id", "x" * 26),
                                 (self.endpoints[5], "username", "renamed"), (self.endpoints[5], "password", "pw12345")):
            with self.subTest(endpoint=ep.name, field=field):
                before = self.counts()
                body = dict(ep.valid)
                body[field] = value
                self.assert_problem(self.send(ep, json=body), 400, "MSG_UNKNOWN_FIELD", field)
                self.assert_unchanged(before)

    def test_wrong_type_is_named(self):
        def check(ep):
            field, value = ep.wrong_type
            body = dict(ep.valid)
            body[field] = value
            self.assert_problem(self.send(ep, json=body), 400, "MSG_WRONG_TYPE", field)
            # null is a wrong type too, not "absent".
            body[field] = None
            self.assert_problem(self.send(ep, json=body), 400, "MSG_WRONG_TYPE", field)
        self.each_endpoint(check)

    def test_missing_required_field_is_named(self):
        def check(ep):
            if ep.missing is None:
                # No required field: an empty object is a valid (empty) update, checked below for PATCH.
                return
            body = {k: v for k, v in ep.valid.items() if k != ep.missing}
            self.assert_problem(self.send(ep, json=body), 400, "MSG_MISSING_FIELD", ep.missing)
        self.each_endpoint(check)

    def test_too_long_string_is_named(self):
        def check(ep):
            field, value = ep.too_long
            body = dict(ep.valid)
            body[field] = value
            self.assert_problem(self.send(ep, json=body), 400, "MSG_FIELD_LENGTH", field)
        self.each_endpoint(check)

    def test_nul_inside_a_string_is_refused(self):
        def check(ep):
            field = ep.too_long[0]
            body = dict(ep.valid)
            body[field] = "ab\u0000cd"
            r = self.send(ep, json=body)
            b = self.assert_problem(r, 400)
            # Refused by the parser (\u0000 not allowed) or by the field check naming the field.
            self.assertIn(b["code"], ("MSG_MALFORMED_JSON", "MSG_FIELD_INVALID"))
            if b["code"] == "MSG_FIELD_INVALID":
                self.assertEqual(b.get("field"), field)
        self.each_endpoint(check)

    def test_duplicate_keys_are_refused(self):
        def check(ep):
            field = ep.too_long[0]
            raw = ('{"%s": "a", "%s": "b"}' % (field, field)).encode()
            self.assert_problem(self.send(ep, raw_body=raw), 400)
        self.each_endpoint(check)

    def test_wrong_content_type_is_415(self):
        def check(ep):
            for ct in ("text/plain", "application/x-www-form-urlencoded", "application/jsonp", "multipart/form-data",
                       None):
                with self.subTest(content_type=ct):
                    r = self.send(ep, json=ep.valid, content_type=ct)
                    self.assert_problem(r, 415, "MSG_UNSUPPORTED_MEDIA")
        self.each_endpoint(check)

    def test_empty_body_is_400_body_required(self):
        def check(ep):
            self.assert_problem(self.send(ep, raw_body=b""), 400, "MSG_BODY_REQUIRED")
        self.each_endpoint(check)

    def test_oversized_body_with_content_length_is_413(self):
        def check(ep):
            raw = ('{"name": "%s"}' % ("x" * 4096)).encode()
            self.assert_problem(self.send(ep, raw_body=raw), 413, "MSG_BODY_TOO_LARGE")
        self.each_endpoint(check)

    def test_oversized_chunked_body_without_content_length_is_413(self):
        def check(ep):
            chunks = [b'{"name": "'] + [b"x" * 512] * 8 + [b'"}']
            r = self.send(ep, chunks=chunks)
            self.assert_problem(r, 413, "MSG_BODY_TOO_LARGE")
        self.each_endpoint(check)

    def test_body_of_exactly_body_max_is_accepted_and_one_more_byte_is_not(self):
        before = self.counts()
        body = b'{"name": "exact"}'
        exact = body[:-1] + b" " * (BODY_MAX - len(body)) + b"}"
        self.assertEqual(len(exact), BODY_MAX)
        r = self.admin.req("POST", "/api/v1/tokens", raw_body=exact)
        self.assert_status(r, 201)
        before = self.assert_delta(before, events=1, api_tokens=1)
        over = exact[:-1] + b" }"
        self.assert_problem(self.admin.req("POST", "/api/v1/tokens", raw_body=over), 413, "MSG_BODY_TOO_LARGE")
        chunked = [over[i:i + 100] for i in range(0, len(over), 100)]
        self.assert_problem(self.admin.req("POST", "/api/v1/tokens", chunks=chunked), 413, "MSG_BODY_TOO_LARGE")
        self.assert_unchanged(before)

    def test_json_content_type_with_parameters_is_accepted(self):
        for ct in ("application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"):
            with self.subTest(content_type=ct):
                before = self.counts()
                r = self.admin.req("POST", "/api/v1/tokens", json={"name": "ct"}, content_type=ct)
                self.assert_status(r, 201)
                self.assert_delta(before, events=1, api_tokens=1)

    def test_deep_nesting_is_refused_without_crashing(self):
        ep = self.endpoints[-1]
        before = self.counts()
        raw = b'{"name": ' + b"[" * 900 + b"]" * 900 + b"}"
        self.assert_problem(self.send(ep, raw_body=raw), 400, "MSG_WRONG_TYPE", "name")
        self.assert_unchanged(before)
        self.assert_status(self.admin.req("GET", "/healthz"), 200)


if __name__ == "__main__":
    unittest.main()
