"""GET /metrics (issue 11 item 5): the Prometheus text exposition of the process and its store.

Every scrape is linted by `promtool check metrics` (the prometheus package; it must exit 0 and print nothing).
The values are parsed and checked against the requests the test made: a route's _count and
motcua_http_requests_total move by exactly the requests sent, under the route's pattern (never the URL); refusals
before routing land in route="other" and in motcua_http_requests_refused_total; a dossier received moves its
status gauge and the ledger's length. The access rule (docs/security.md): loopback without a token only when the
server does not run with --trust-proxy; with a token file, the right bearer token from anywhere; a wrong token,
and anyone else, gets the 404 of a path that does not exist. The suite's servers listen on loopback only, so the
"not loopback" case is made with --trust-proxy (where a loopback peer is a proxy carrying anyone's request, and
X-Forwarded-For names an outside client); sockaddr_is_loopback itself is unit-tested (tests/unit/test_prom.c)."""
import re
import shutil
import subprocess

import harness
from harness import ApiTestCase, Client, run_cli, unit_by_slug
from test_dossiers import mandatory_papers, shipped

PROM_CT = "text/plain; version=0.0.4"
TOKEN = "metrics-token-0123456789-abcdefXYZ"
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def promtool_check(text):
    """promtool check metrics on text: (exit code, its output)."""
    tool = shutil.which("promtool")
    if not tool:
        raise AssertionError("promtool not found: scripts/install-deps installs the prometheus package")
    cp = subprocess.run([tool, "check", "metrics"], input=text.encode("utf-8"), capture_output=True, timeout=60)
    return cp.returncode, (cp.stdout + cp.stderr).decode("utf-8", "replace")


def parse(text):
    """{(name, frozenset of (label, value)): float} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        if not m:
            raise AssertionError("not a sample line: %r" % line)
        labels = frozenset((k, v) for k, v in _LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def dossiers(samples, status):
    """motcua_dossiers of one portal status (its name label is the status's fixed slug)."""
    hits = [v for k, v in samples.items() if k[0] == "motcua_dossiers" and ("status", str(status)) in k[1]]
    if len(hits) != 1:
        raise AssertionError("motcua_dossiers{status=\"%d\"}: %d series" % (status, len(hits)))
    return hits[0]


def val(samples, name, **labels):
    """The sample's value, 0 when the series is absent (rows of the HTTP families appear once used)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


class MetricsMixin:
    def scrape(self, client=None, headers=None):
        c = client or Client(self.server)
        r = c.req("GET", "/metrics", headers=headers)
        self.assert_status(r, 200)
        self.assertTrue(r.headers.get("Content-Type", "").startswith(PROM_CT), r.headers.get("Content-Type"))
        text = r.raw.decode("utf-8")
        rc, out = promtool_check(text)
        self.assertEqual((rc, out.strip()), (0, ""), "promtool check metrics:\n" + out)
        return text, parse(text)

    def assert_hidden(self, headers=None):
        """/metrics answers exactly what a path that does not exist answers."""
        r = Client(self.server).req("GET", "/metrics", headers=headers)
        b = self.assert_problem(r, 404, code="MSG_NOT_FOUND")
        ref = self.assert_problem(Client(self.server).req("GET", "/no-such-file-here"), 404)
        self.assertEqual(b["instance"], "/metrics")
        self.assertEqual(dict(b, instance=None), dict(ref, instance=None))
        self.assertEqual(r.headers.get("Content-Type"), "application/problem+json; charset=utf-8")
        self.assertNotIn("motcua_", r.raw.decode("utf-8"))


class MetricsLoopbackTests(MetricsMixin, ApiTestCase):
    """No token file, no --trust-proxy: a loopback peer reads it without a token."""

    def test_http_counts_move_by_the_requests_sent(self):
        admin = self.client("admin")
        unit = unit_by_slug(admin, "cujut")
        _, before = self.scrape()
        for _ in range(3):
            self.assert_status(admin.req("GET", "/api/v1/units/" + unit["id"]), 200)
        for _ in range(2):
            self.assert_status(Client(self.server).req("GET", "/healthz"), 200)
        for i in range(4):
            self.assert_problem(Client(self.server).req("GET", "/api/v1/no-such-%d" % i), 404)
        self.assert_problem(Client(self.server).req("DELETE", "/api/v1/units"), 405)
        text, after = self.scrape()

        def delta(name, **labels):
            return val(after, name, **labels) - val(before, name, **labels)

        route = {"route": "/api/v1/units/{id}", "method": "GET"}
        self.assertEqual(delta("motcua_http_request_duration_seconds_count", **route), 3)
        self.assertEqual(delta("motcua_http_request_duration_seconds_bucket", le="+Inf", **route), 3)
        self.assertEqual(delta("motcua_http_requests_total", status="2xx", **route), 3)
        self.assertEqual(delta("motcua_http_requests_total", route="/healthz", method="GET", status="2xx"), 2)
        # The scrape before is the only /metrics request that completed in between (a scrape never counts itself).
        self.assertEqual(delta("motcua_http_requests_total", route="/metrics", method="GET", status="2xx"), 1)
        self.assertEqual(delta("motcua_http_requests_total", route="other", method="GET", status="4xx"), 4)
        self.assertEqual(delta("motcua_http_requests_refused_total", reason="not_found"), 4)
        self.assertEqual(delta("motcua_http_requests_total", route="other", method="DELETE", status="4xx"), 1)
        self.assertEqual(delta("motcua_http_requests_refused_total", reason="method_not_allowed"), 1)
        # Patterns only: neither the unit's id nor the unknown paths ever become a label.
        self.assertNotIn(unit["id"], text)
        self.assertNotIn("no-such", text)
        # Buckets are cumulative and end at _count; _sum is in seconds and positive.
        les = [(float(dict(k[1])["le"]), v) for k, v in after.items()
               if k[0] == "motcua_http_request_duration_seconds_bucket" and set(route.items()) <= k[1]]
        les.sort()
        self.assertEqual(les[0][0], 0.0005)
        self.assertEqual(les[-2][0], 10.0)
        self.assertTrue(all(a[1] <= b[1] for a, b in zip(les, les[1:])), les)
        self.assertEqual(les[-1][1], val(after, "motcua_http_request_duration_seconds_count", **route))
        self.assertGreater(val(after, "motcua_http_request_duration_seconds_sum", **route), 0)

    def test_build_info_process_and_store_figures(self):
        _, s = self.scrape()
        engine = "postgres" if self.db.is_pg else "sqlite"
        info = [k for k in s if k[0] == "motcua_build_info"]
        self.assertEqual(len(info), 1, info)
        self.assertEqual(dict(info[0][1])["engine"], engine)
        self.assertTrue(dict(info[0][1])["version"])
        self.assertEqual(s[info[0]], 1)
        self.assertGreater(val(s, "motcua_process_start_time_seconds"), 1.7e9)
        self.assertGreaterEqual(val(s, "motcua_process_uptime_seconds"), 0)
        self.assertEqual(val(s, "motcua_http_requests_in_flight"), 1)
        for st in range(1, 11):
            self.assertIn(("motcua_dossiers", st), [(k[0], int(dict(k[1])["status"])) for k in s
                                                     if k[0] == "motcua_dossiers"])
        for state in ("pending", "sending", "sent", "failed"):
            self.assertIn(("motcua_notify_outbox_messages", frozenset({("state", state)})), s)
        # The ledger's length is the events the store holds (motcua verify counts them too).
        code, events, out = self.db.verify()
        self.assertEqual(code, 0, out)
        self.assertEqual(val(s, "motcua_ledger_events", chain="self") + val(s, "motcua_ledger_events",
                                                                              chain="replicated"), events)
        self.assertEqual(val(s, "motcua_ledger_chains"), 1)
        self.assertEqual(val(s, "motcua_store_up"), 1)
        for op in ("statement", "read", "write"):
            for kind in ("io", "conflict", "read_only", "other"):
                self.assertEqual(val(s, "motcua_store_errors_total", op=op, kind=kind), 0, (op, kind))

    def test_a_dossier_received_moves_its_status_gauge(self):
        desk = self.client("cujut.desk")
        proc = shipped("2.000806")
        body = {"procedure": proc["code"], "channel": "desk",
                "applicant": {"kind": "person", "name": "Nguyễn Văn Đức", "id_number": "068095001234",
                              "phone": "+84 912 345 678", "address": "Thôn 3, xã Cư Jút"},
                "papers": [{"paper": pid, "copies": 1, "form": "original"} for pid in mandatory_papers(proc)]}
        _, before = self.scrape()
        r = desk.req("POST", "/api/v1/dossiers", json=body)
        self.assert_status(r, 201)
        status = r.body["status"]
        _, after = self.scrape()
        for st in range(1, 11):
            self.assertEqual(dossiers(after, st) - dossiers(before, st), 1 if st == status else 0, "status %d" % st)
        self.assertGreater(val(after, "motcua_ledger_events", chain="self"),
                           val(before, "motcua_ledger_events", chain="self"))
        route = {"route": "/api/v1/dossiers", "method": "POST", "status": "2xx"}
        self.assertEqual(val(after, "motcua_http_requests_total", **route) -
                         val(before, "motcua_http_requests_total", **route), 1)

    def test_any_token_is_refused_when_none_is_configured(self):
        self.assert_hidden({"Authorization": "Bearer " + TOKEN})
        self.assert_hidden({"Authorization": "Basic YWRtaW46ZGVtbw=="})

    def test_an_api_token_is_no_metrics_token(self):
        admin = self.client("admin")
        r = admin.req("POST", "/api/v1/tokens", json={"name": "scraper"})
        self.assert_status(r, 201)
        self.assert_hidden({"Authorization": "Bearer " + r.body["token"]})

    def test_head_and_other_methods(self):
        r = Client(self.server).req("HEAD", "/metrics")
        self.assert_status(r, 200)
        self.assertEqual(r.raw, b"")
        r = Client(self.server).req("POST", "/metrics", json={})
        self.assert_problem(r, 405)


class TokenServerMixin(MetricsMixin):
    EXTRA_ARGS = ()

    @classmethod
    def setUpClass(cls):
        path = harness.tmp_root() / ("metrics-token-%s" % cls.__name__)
        path.write_text(TOKEN + "\n")
        path.chmod(0o600)
        cls.SERVER_ARGS = ("--metrics-token-file", str(path), *cls.EXTRA_ARGS)
        super().setUpClass()


class MetricsTokenTests(TokenServerMixin, ApiTestCase):
    """A token file, no --trust-proxy: loopback without a header still reads; the token reads; a wrong one not."""

    def test_token_and_loopback(self):
        self.scrape()
        self.scrape(headers={"Authorization": "Bearer " + TOKEN})
        self.scrape(headers={"Authorization": "bearer " + TOKEN})

    def test_wrong_tokens_are_refused_even_from_loopback(self):
        for bad in (TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "", " " + TOKEN, "x" * 4000):
            with self.subTest(token=bad[:40]):
                self.assert_hidden({"Authorization": "Bearer " + bad})
        self.assert_hidden({"Authorization": TOKEN})
        self.assert_hidden({"Authorization": "Basic " + TOKEN})

    def test_the_token_never_shows(self):
        text, _ = self.scrape(headers={"Authorization": "Bearer " + TOKEN})
        self.assertNotIn(TOKEN, text)
        self.assertNotIn(TOKEN, self.server.stderr_text())


class MetricsBehindProxyTests(TokenServerMixin, ApiTestCase):
    """--trust-proxy: the proxy's loopback connection carries anyone's request, so only the token reads."""
    EXTRA_ARGS = ("--trust-proxy",)

    def test_loopback_alone_is_not_enough(self):
        self.assert_hidden()
        self.assert_hidden({"X-Forwarded-For": "203.0.113.7"})
        self.assert_hidden({"X-Forwarded-For": "127.0.0.1"})
        self.assert_hidden({"X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer wrong-" + TOKEN})

    def test_the_token_reads_from_outside(self):
        _, s = self.scrape(headers={"X-Forwarded-For": "203.0.113.7", "Authorization": "Bearer " + TOKEN})
        # The refusals above or in other tests were counted under the route, as 4xx; nothing names the client.
        self.assertGreaterEqual(val(s, "motcua_http_requests_total", route="/healthz", method="GET", status="2xx"), 1)


class MetricsTokenFileTests(ApiTestCase):
    """--metrics-token-file is checked before the server starts."""

    def serve_fails(self, path):
        return run_cli("serve", "--db", self.db.url, "--listen", "127.0.0.1:0", "--metrics-token-file", str(path),
                       timeout=60)

    def test_short_or_missing_token_file(self):
        short = harness.tmp_root() / "metrics-token-short"
        short.write_text("too-short\n")
        cp = self.serve_fails(short)
        self.assertEqual(cp.returncode, 2, cp.stderr)
        self.assertIn("--metrics-token-file", cp.stderr)
        cp = self.serve_fails(harness.tmp_root() / "metrics-token-missing")
        self.assertEqual(cp.returncode, 1, cp.stderr)
        empty = harness.tmp_root() / "metrics-token-empty"
        empty.write_text("\n")
        cp = self.serve_fails(empty)
        self.assertEqual(cp.returncode, 1, cp.stderr)
        self.assertNotIn("too-short", cp.stdout + cp.stderr)

