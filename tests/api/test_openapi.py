"""test_openapi.py — the contract is served and enforced: GET /api/v1/openapi.json is public and is
docs/openapi.yaml; the response checker in harness.py refuses answers that do not match the document."""
import json
import unittest

import openapi_check
from harness import ApiTestCase


class OpenApiDocumentTests(ApiTestCase):
    def test_served_without_sign_in_and_equal_to_the_yaml(self):
        r = self.client().req("GET", "/api/v1/openapi.json")
        self.assert_status(r, 200)
        self.assertTrue((r.headers.get("Content-Type") or "").startswith("application/json"), r)
        doc = json.loads(r.raw.decode("utf-8"))
        self.assertIn("/api/v1/me", doc["paths"])
        self.assertTrue(doc["openapi"].startswith("3.1"))
        self.assertEqual(doc, openapi_check.document(), "the served document is not docs/openapi.yaml")

    def test_every_route_is_documented(self):
        doc = openapi_check.document()
        src = (openapi_check.DOC_PATH.parents[1] / "src" / "api" / "api.c").read_text()
        import re
        routes = re.findall(r'\{"([A-Z]+)", "(/[^"]*)", api_\w+, ROUTE_\w+(?: \| ROUTE_\w+)*\}', src)
        self.assertTrue(routes)
        for method, path in routes:
            self.assertIn(path, doc["paths"], "route %s %s is not in docs/openapi.yaml" % (method, path))
            self.assertIn(method.lower(), doc["paths"][path], "route %s %s is not in docs/openapi.yaml"
                          % (method, path))
            op = doc["paths"][path][method.lower()]
            self.assertIn("default", op["responses"], "%s %s has no default (Problem) response" % (method, path))


class ResponseCheckerTests(unittest.TestCase):
    """The checker itself: a wrong body, an undocumented status and a non-problem error are refused."""

    def test_wrong_body_is_refused(self):
        with self.assertRaisesRegex(AssertionError, r"GET /api/v1/me -> 200.*required"):
            openapi_check.check_response("GET", "/api/v1/me", 200, "application/json", {"id": "x"}, b"{}")

    def test_error_must_be_a_problem(self):
        with self.assertRaisesRegex(AssertionError, r"content type"):
            openapi_check.check_response("GET", "/api/v1/units/X", 404, "application/json", {"error": 1}, b"{}")
        with self.assertRaisesRegex(AssertionError, r"required"):
            openapi_check.check_response("GET", "/api/v1/nowhere", 404, "application/problem+json", {"x": 1}, b"{}")

    def test_problem_and_static_files_pass(self):
        p = {"type": "urn:motcua:problem:not-found", "title": "Not Found", "status": 404, "code": "MSG_NOT_FOUND",
             "messages": {"vi": "a", "en": "b"}}
        openapi_check.check_response("GET", "/api/v1/nowhere", 404, "application/problem+json", p, b"{}")
        openapi_check.check_response("DELETE", "/api/v1/me", 405, "application/problem+json", p, b"{}")
        openapi_check.check_response("GET", "/index.html", 200, "text/html", b"<html>", b"<html>")

    def test_required_header(self):
        p = {"type": "urn:motcua:problem:slow-down", "title": "Too Many Requests", "status": 429}
        with self.assertRaisesRegex(AssertionError, r"Retry-After is required"):
            openapi_check.check_response("POST", "/api/v1/session", 429, "application/problem+json", p, b"{}", {})
        with self.assertRaisesRegex(AssertionError, r"Retry-After"):
            openapi_check.check_response("POST", "/api/v1/session", 429, "application/problem+json", p, b"{}",
                                         {"Retry-After": "soon"})
        openapi_check.check_response("POST", "/api/v1/session", 429, "application/problem+json", p, b"{}",
                                     {"Retry-After": "3"})

    def test_no_body_where_none_is_documented(self):
        with self.assertRaisesRegex(AssertionError, r"no body"):
            openapi_check.check_response("DELETE", "/api/v1/session", 204, "application/json", {}, b"{}")
