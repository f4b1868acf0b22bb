"""HTTP basics: 404 and 405 (with Allow) as problems, security headers on every kind of response, /healthz and
/readyz, the static web UI (text/html, no-cache, ETag and 304 revalidation, HEAD), path traversal attempts (always
404, never a file's contents) and the language of problem details (Accept-Language)."""
import os
import re
import signal
import socket
import time
import unittest

from harness import WEB_DIR, REPO, ApiTestCase, Client, tmp_root

HAVE_INDEX = (WEB_DIR / "index.html").is_file()


def raw_request(port, request_bytes, timeout=10):
    """Send bytes exactly as given (no client-side path normalisation); return the whole response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(request_bytes)
        except (BrokenPipeError, ConnectionResetError):
            pass               # the server may refuse an oversized request before reading all of it
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks)


class HttpBasicsTests(ApiTestCase):

    def test_unknown_paths_are_404_problems(self):
        c = self.client("admin")
        for path in ("/api/v1/nope", "/api/v2/units", "/api/v1/units/x/y", "/api/v1/unitsx", "/nope.html",
                     "/api/", "/api/v1/me/"):
            with self.subTest(path=path):
                r = c.req("GET", path)
                self.assert_problem(r, 404, "MSG_NOT_FOUND")
                self.assert_security_headers(r)

    def test_wrong_method_is_405_with_allow(self):
        c = Client(self.server)
        cases = [("DELETE", "/api/v1/units", {"GET", "POST"}), ("PUT", "/healthz", {"GET"}),
                 ("POST", "/api/v1/me", {"GET"}), ("GET", "/api/v1/me/password", {"PUT"}),
                 ("DELETE", "/api/v1/units/01M000000000000000000000ZZ", {"GET", "PATCH"}),
                 ("POST", "/", {"GET", "HEAD"}), ("GET", "/api/v1/session", {"POST", "DELETE"})]
        for method, path, allow in cases:
            with self.subTest(method=method, path=path):
                r = c.req(method, path)
                self.assert_problem(r, 405, "MSG_METHOD_NOT_ALLOWED")
                got = {m.strip() for m in (r.headers.get("Allow") or "").split(",") if m.strip()}
                self.assertEqual(got - {"HEAD"}, allow - {"HEAD"}, r.headers.get("Allow"))
                self.assert_security_headers(r)

    def test_security_headers_everywhere(self):
        anon = Client(self.server)
        admin = self.client("admin")
        responses = {
            "healthz": anon.req("GET", "/healthz"),
            "readyz": anon.req("GET", "/readyz"),
            "401": anon.req("GET", "/api/v1/me"),
            "404": anon.req("GET", "/api/v1/nothing"),
            "405": anon.req("PUT", "/healthz"),
            "415": admin.req("POST", "/api/v1/tokens", raw_body=b"x", content_type="text/plain"),
            "sign-in": Client(self.server).login("cujut.desk"),
            "list": admin.req("GET", "/api/v1/units"),
        }
        t = admin.req("POST", "/api/v1/tokens", json={"name": "hdr"})
        responses["201"] = t
        responses["204"] = admin.req("DELETE", "/api/v1/tokens/" + t.body["info"]["id"])
        if HAVE_INDEX:
            responses["static"] = anon.req("GET", "/")
            responses["304"] = anon.req("GET", "/", headers={"If-None-Match": responses["static"].headers["ETag"]})
        for what, r in responses.items():
            with self.subTest(what):
                self.assertLess(r.status, 500, r)
                self.assert_security_headers(r)
                self.assertEqual(r.headers.get("X-Frame-Options"), "DENY")
        # API answers are never cached.
        for what in ("sign-in", "list", "401"):
            self.assertEqual(responses[what].headers.get("Cache-Control"), "no-store", what)

    def test_health_and_readiness(self):
        r = Client(self.server).req("GET", "/healthz")
        self.assert_status(r, 200)
        self.assertEqual(r.body["status"], "ok")
        self.assertIn("version", r.body)
        r = Client(self.server).req("GET", "/readyz")
        self.assert_status(r, 200)
        self.assertEqual(r.body["status"], "ready")
        self.assertEqual(r.body["store"], "postgres" if self.db.is_pg else "sqlite")
        r = Client(self.server).req("GET", "/healthz?probe=1")
        self.assert_status(r, 200)

    @unittest.skipUnless(HAVE_INDEX, "web/index.html does not exist in this tree")
    def test_static_index(self):
        want = (WEB_DIR / "index.html").read_bytes()
        for path in ("/", "/index.html"):
            with self.subTest(path=path):
                r = Client(self.server).req("GET", path)
                self.assert_status(r, 200)
                self.assertTrue(r.headers["Content-Type"].startswith("text/html"), r.headers["Content-Type"])
                self.assertEqual(r.headers.get("Cache-Control"), "no-cache")
                etag = r.headers.get("ETag")
                self.assertRegex(etag or "", r'^"[^"]+"$')
                self.assertEqual(r.raw, want)
                r2 = Client(self.server).req("GET", path, headers={"If-None-Match": etag})
                self.assertEqual(r2.status, 304, r2)
                self.assertEqual(r2.raw, b"")
                self.assertEqual(r2.headers.get("ETag"), etag)
                r3 = Client(self.server).req("GET", path, headers={"If-None-Match": '"other"'})
                self.assert_status(r3, 200)
                self.assertEqual(r3.raw, want)

    @unittest.skipUnless(HAVE_INDEX, "web/index.html does not exist in this tree")
    def test_static_head_and_assets(self):
        r = Client(self.server).req("HEAD", "/")
        self.assert_status(r, 200)
        self.assertEqual(r.raw, b"")
        self.assertEqual(int(r.headers["Content-Length"]), (WEB_DIR / "index.html").stat().st_size)
        for name, ctype in (("app.js", "text/javascript"), ("app.css", "text/css")):
            if not (WEB_DIR / name).is_file():
                continue
            with self.subTest(asset=name):
                r = Client(self.server).req("GET", "/" + name)
                self.assert_status(r, 200)
                self.assertTrue(r.headers["Content-Type"].startswith(ctype))
                self.assertIn("max-age", r.headers.get("Cache-Control", ""))
                self.assertEqual(r.raw, (WEB_DIR / name).read_bytes())

    def test_path_traversal_is_404_and_never_leaks(self):
        makefile = (REPO / "Makefile").read_bytes()
        secrets = [makefile[:60], b"root:x:0:0", b"[core]", b"repositoryformatversion"]
        paths = [b"/../Makefile", b"/%2e%2e/Makefile", b"/..%2fMakefile", b"/.git/config", b"//etc/passwd",
                 b"/%2e%2e%2fMakefile", b"/..%5cMakefile", b"/.%2e/Makefile", b"/web/../../Makefile",
                 b"/./index.html/../../Makefile", b"/%2F..%2F..%2FMakefile", b"/..\\Makefile",
                 b"/../../../../etc/passwd", b"/.env", b"/app.js/", b"/%2e%2e%2f%2e%2e%2fetc/passwd"]
        for p in paths:
            with self.subTest(path=p):
                resp = raw_request(self.server.port, b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                status_line = resp.split(b"\r\n", 1)[0]
                self.assertRegex(status_line, rb"^HTTP/1\.[01] (400|404) ", resp[:300])
                for s in secrets:
                    self.assertNotIn(s, resp)

    def test_nul_in_path_is_not_truncated(self):
        # "/index.html%00.js" names no file; serving index.html for it (C-string truncation at the decoded NUL)
        # is the classic NUL-byte bug even when nothing outside web/ leaks.
        for p in (b"/%00", b"/index.html%00.js", b"/app.js%00.html"):
            with self.subTest(path=p):
                resp = raw_request(self.server.port, b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                self.assertRegex(resp.split(b"\r\n", 1)[0], rb"^HTTP/1\.[01] (400|404) ", resp[:300])

    def test_problem_language_follows_accept_language(self):
        vi = Client(self.server).req("GET", "/api/v1/me")
        en = Client(self.server, lang="en").req("GET", "/api/v1/me")
        en_us = Client(self.server, lang="en-US,en;q=0.9,vi;q=0.5").req("GET", "/api/v1/me")
        vi_pref = Client(self.server, lang="vi-VN,vi;q=0.9,en;q=0.8").req("GET", "/api/v1/me")
        for r in (vi, en, en_us, vi_pref):
            self.assert_problem(r, 401, "MSG_UNAUTHENTICATED")
        self.assertNotEqual(vi.body["messages"]["vi"], vi.body["messages"]["en"])
        self.assertEqual(vi.body["detail"], vi.body["messages"]["vi"])
        self.assertEqual(en.body["detail"], en.body["messages"]["en"])
        self.assertEqual(en_us.body["detail"], en_us.body["messages"]["en"])
        self.assertEqual(vi_pref.body["detail"], vi_pref.body["messages"]["vi"])
        self.assertEqual(vi.body["messages"], en.body["messages"])

    def test_oversized_headers_and_url_do_not_crash(self):
        resp = raw_request(self.server.port, b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        if resp:
            self.assertRegex(resp.split(b"\r\n", 1)[0], rb"^HTTP/1\.[01] 4\d\d ")
        resp = raw_request(self.server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 +
                           b"\r\nConnection: close\r\n\r\n")
        if resp:
            self.assertRegex(resp.split(b"\r\n", 1)[0], rb"^HTTP/1\.[01] 4\d\d ")
        self.assert_status(Client(self.server).req("GET", "/healthz"), 200)

    def test_header_budget(self):
        # Each connection's memory pool is 16 KiB (src/http/server.c): 8 KiB of headers pass, 20 KiB get 431.
        ok = raw_request(self.server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 8192 +
                         b"\r\nConnection: close\r\n\r\n")
        self.assertRegex(ok.split(b"\r\n", 1)[0], rb"^HTTP/1\.1 200 ")
        big = raw_request(self.server.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 20000 +
                          b"\r\nConnection: close\r\n\r\n")
        self.assertRegex(big.split(b"\r\n", 1)[0], rb"^HTTP/1\.1 431 ")

    def test_garbage_request_lines_do_not_crash(self):
        for junk in (b"\x00\x01\x02\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n",
                     b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                     b"POST /api/v1/session HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"):
            with self.subTest(junk=junk):
                raw_request(self.server.port, junk, timeout=3)
        self.assert_status(Client(self.server).req("GET", "/healthz"), 200)



class EarlyRefusalTests(ApiTestCase):
    """Issue 8 item 8: a refusal that the headers decide (unknown route, wrong method, no credentials, no CSRF token,
    a declared body over the cap) comes before the body is read, and the client can read it (the server drains the
    body instead of resetting the connection)."""

    BIG = b"x" * (600 * 1024)            # under --body-max (1 MiB): only the route or the caller refuses it

    def refusals(self):
        signed_in = self.client("admin")
        signed_in.csrf = None              # a session without its CSRF token
        return [("POST", "/api/v1/nope", Client(self.server), 404, "MSG_NOT_FOUND"),
                ("POST", "/no-such-page.html", Client(self.server), 405, "MSG_METHOD_NOT_ALLOWED"),
                ("POST", "/api/v1/me", Client(self.server), 405, "MSG_METHOD_NOT_ALLOWED"),
                ("POST", "/api/v1/units", Client(self.server), 401, "MSG_UNAUTHENTICATED"),
                ("PUT", "/api/v1/calendar/entries/2030-01-01", Client(self.server), 401, "MSG_UNAUTHENTICATED"),
                ("POST", "/api/v1/units", signed_in, 403, "MSG_CSRF_MISSING")]

    def test_refusals_with_a_large_body_are_readable_problems(self):
        cases = self.refusals()
        before = self.counts()
        for method, path, c, status, code in cases:
            with self.subTest(method=method, path=path):
                self.assert_problem(c.req(method, path, raw_body=self.BIG), status, code)
        self.assert_unchanged(before)

    def test_oversized_body_413_is_readable(self):
        c = Client(self.server)
        r = c.req("POST", "/api/v1/session", raw_body=b"{" + b" " * (1 << 20) + b"}")
        self.assert_problem(r, 413, "MSG_BODY_TOO_LARGE")
        r = c.req("POST", "/api/v1/citizens", chunks=[b" " * 65536] * 20)      # chunked: no length declared
        self.assert_problem(r, 413, "MSG_BODY_TOO_LARGE")
        self.assert_status(c.req("GET", "/healthz"), 200)

    def test_refusal_comes_before_the_body(self):
        # A client that asks "Expect: 100-continue" and waits: the refusal must come without the body ever being
        # sent (a server that routes after reading the body answers "100 Continue" and waits for it).
        cookie = "motcua_session=%s" % self.client("admin").session_cookie
        for method, path, extra, status in (("POST", "/api/v1/nope", "", 404), ("DELETE", "/api/v1/me", "", 405),
                                            ("POST", "/api/v1/units", "", 401),
                                            ("POST", "/api/v1/units", "Cookie: %s\r\n" % cookie, 403)):
            with self.subTest(method=method, path=path, status=status):
                head = ("%s %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n"
                        "Expect: 100-continue\r\n%s\r\n" % (method, path, extra)).encode()
                with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
                    s.sendall(head)
                    got = b""
                    while b"\r\n\r\n" not in got:
                        b = s.recv(65536)
                        if not b:
                            break
                        got += b
                self.assertRegex(got.split(b"\r\n", 1)[0], rb"^HTTP/1\.1 %d " % status, got[:300])


def _symlinked_web_root():
    """A web root under the run's scratch directory holding a normal file, a symlinked directory (to /etc and to a
    directory beside the root) and a symlinked file (to /etc/passwd and to a file beside the root)."""
    base = tmp_root() / "symlinked-web"
    web = base / "web"
    outside = base / "outside"
    web.mkdir(parents=True, exist_ok=True)
    outside.mkdir(exist_ok=True)
    (web / "index.html").write_text("<!doctype html><title>t</title>")
    (web / "ok.txt").write_text("inside the root")
    (outside / "secret.txt").write_text("SECRET outside the web root")
    for name, target in (("etc", "/etc"), ("passwd.txt", "/etc/passwd"), ("out", "../outside"),
                         ("secret.txt", "../outside/secret.txt")):
        if not (web / name).is_symlink():
            os.symlink(target, web / name)
    return web


class WebRootSymlinkTests(ApiTestCase):
    """Issue 8 item 8: a symlink in the web root, to a directory or a file, cannot lead out of it (404)."""

    SERVER_ARGS = ("--web", str(_symlinked_web_root()))

    def test_symlinks_out_of_the_root_are_404(self):
        c = Client(self.server)
        for path in ("/etc/passwd", "/etc/hostname", "/passwd.txt", "/out/secret.txt", "/secret.txt"):
            with self.subTest(path=path):
                r = c.req("GET", path)
                self.assert_problem(r, 404, "MSG_NOT_FOUND")
                self.assertNotIn(b"root:", r.raw)
                self.assertNotIn(b"SECRET", r.raw)

    def test_a_normal_file_is_served(self):
        r = Client(self.server).req("GET", "/ok.txt")
        self.assert_status(r, 200)
        self.assertEqual(r.raw, b"inside the root")


class StopSignalMaskTests(ApiTestCase):
    """Every thread of the server blocks SIGTERM and SIGINT, so only the main thread's sigwait takes them; a
    thread started before the mask (the store's writer, a sender, the extractor) would let the kernel deliver the
    signal there and kill the process with its default action (CI saw 'exited -15')."""

    def test_every_thread_blocks_the_stop_signals(self):
        tasks = sorted(os.listdir("/proc/%d/task" % self.server.proc.pid))
        self.assertGreater(len(tasks), 2, tasks)
        for tid in tasks:
            if tid == str(self.server.proc.pid):
                continue        # the main thread: sigwait unblocks the signals it waits for while it waits
            with open("/proc/%d/task/%s/status" % (self.server.proc.pid, tid)) as f:
                status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
            blocked = int(status["SigBlk"].strip(), 16)
            name = status["Name"].strip()
            self.assertTrue(blocked & (1 << (signal.SIGTERM - 1)), "thread %s (%s) does not block SIGTERM" % (tid, name))
            self.assertTrue(blocked & (1 << (signal.SIGINT - 1)), "thread %s (%s) does not block SIGINT" % (tid, name))


class LogForgeryTests(ApiTestCase):
    """Issue 8 item 6: a request value cannot start a new log line or close a quoted field of the access line."""

    LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d (debug|info|warn|error) ")

    def wait_for_log(self, needle, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.server.stderr_text()
            if needle in text:
                return text
            time.sleep(0.05)
        self.fail("%r never reached the log:\n%s" % (needle, self.server.stderr_text()[-3000:]))

    def test_decoded_newline_quote_and_controls_cannot_forge_a_line(self):
        path = b"/api/v1/x%0A127.0.0.1%20-%20admin%20%22GET%20/forged%22%0D%1B%5C%7Fend"
        ua = b"evil\x1b[31m\x7f \"quoted\" \\ \x01 /forged-ua"
        resp = raw_request(self.server.port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nUser-Agent: " + ua +
                           b"\r\nConnection: close\r\n\r\n")
        self.assertRegex(resp.split(b"\r\n", 1)[0], rb"^HTTP/1\.[01] 404 ")
        text = self.wait_for_log("forged-ua")
        for line in text.splitlines():
            if not line.strip():
                continue
            self.assertRegex(line, self.LINE, "a log line that does not start with a timestamp: %r" % line)
        access = [ln for ln in text.splitlines() if "/forged" in ln]
        self.assertEqual(len(access), 1, access)
        line = access[0]
        self.assertIn("/api/v1/x\\x0a127.0.0.1 - admin \\x22GET /forged\\x22\\x0d\\x1b\\x5c\\x7fend", line)
        self.assertIn('ua="evil\\x1b[31m\\x7f \\x22quoted\\x22 \\x5c \\x01 /forged-ua"', line)
        self.assertFalse(any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in line), repr(line))
        # The quoted request field holds exactly two quotes: the value cannot close it early.
        self.assertEqual(line.count('"'), 4, line)


if __name__ == "__main__":
    unittest.main()
