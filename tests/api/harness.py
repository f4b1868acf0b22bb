"""harness.py — the API suite's machinery: a real `motcua serve` per test class, an HTTP client with a cookie jar,
problem+json assertions, and read-only "what changed" snapshots of the store.

Every response the client receives is validated against docs/openapi.yaml (openapi_check.py, which needs
python3-yaml and python3-jsonschema); otherwise only Python's standard library is used. The binary is $MOTCUA_BIN (default build/san/motcua, the ASan+UBSan build).
The store is a fresh SQLite file per server (copied from one demo database built once per run, since `motcua demo`
hashes 32 passwords), or, when $MOTCUA_TEST_PG_URL is set, a fresh PostgreSQL database per server created with
`tests/pg-cluster newdb "$MOTCUA_TEST_PG_DIR" NAME` and loaded with `motcua demo`.

Every server is stopped with SIGTERM; a non-zero exit or any sanitizer report on its stderr fails its test class.
"""
import http.client
import itertools
import json as jsonlib
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from pathlib import Path

import openapi_check

REPO = Path(__file__).resolve().parents[2]
WEB_DIR = REPO / "web"


def _bin_path():
    b = os.environ.get("MOTCUA_BIN", "build/san/motcua")
    p = Path(b)
    return str(p if p.is_absolute() else REPO / p)


BIN = _bin_path()
PG_URL = os.environ.get("MOTCUA_TEST_PG_URL") or None
PG_DIR = os.environ.get("MOTCUA_TEST_PG_DIR") or None

COUNTED_TABLES = ("events", "units", "accounts", "roles", "api_tokens", "sessions", "procedures", "sync_enrolments",
                  "sync_nodes", "sync_refused")
SANITIZER_PATTERNS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
DEMO_PASSWORD = "demo"

# One scratch directory per run; run.py removes it at exit.
_TMP_ROOT = Path(tempfile.mkdtemp(prefix="motcua-api."))
_counter = itertools.count(1)
_template_lock = threading.Lock()
_template_path = None


def tmp_root():
    return _TMP_ROOT


def cleanup():
    shutil.rmtree(_TMP_ROOT, ignore_errors=True)


def sanitizer_lines(text):
    return [ln for ln in text.splitlines() if any(p in ln for p in SANITIZER_PATTERNS)]


def child_env():
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:strict_string_checks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    # dforms: the server renders PDFs (dossier forms); fontconfig never frees its process-wide caches (docs/forms.md):
    # suppress exactly those allocations, nothing of motcua's.
    supp = "suppressions=%s:print_suppressions=0" % (REPO / "tests" / "cli" / "lsan-fontconfig.supp")
    env["LSAN_OPTIONS"] = env["LSAN_OPTIONS"] + ":" + supp if env.get("LSAN_OPTIONS") else supp
    return env


def run_cli(*args, timeout=120):
    """Run `motcua ARGS...`; returns CompletedProcess with text stdout/stderr. Sanitizer reports raise."""
    cp = subprocess.run([BIN, *args], cwd=REPO, env=child_env(), capture_output=True, text=True, timeout=timeout)
    bad = sanitizer_lines(cp.stderr)
    if bad:
        raise AssertionError("sanitizer report from motcua %s:\n%s" % (" ".join(args), cp.stderr[-4000:]))
    return cp


# ---- databases ----

class Database:
    """A store the server runs on: .url for --db, .sqlite_path when it is a SQLite file."""

    def __init__(self, url, sqlite_path=None, name=None):
        self.url = url
        self.sqlite_path = sqlite_path
        self.name = name

    @property
    def is_pg(self):
        return self.sqlite_path is None

    def counts(self):
        """Row counts of the tables that state-changing requests touch (read-only)."""
        if self.sqlite_path:
            con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(str(self.sqlite_path)), uri=True,
                                  timeout=10)
            try:
                return {t: con.execute("SELECT COUNT(*) FROM %s" % t).fetchone()[0] for t in COUNTED_TABLES}
            finally:
                con.close()
        if shutil.which("psql"):
            sql = "SELECT " + ", ".join("(SELECT COUNT(*) FROM %s)" % t for t in COUNTED_TABLES)
            cp = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
                                capture_output=True, text=True, timeout=30)
            if cp.returncode != 0:
                raise AssertionError("psql failed: %s" % cp.stderr)
            vals = [int(x) for x in cp.stdout.strip().split("|")]
            return dict(zip(COUNTED_TABLES, vals))
        # Without psql only the ledger is countable.
        return {"events": self.verify()[1]}

    def verify(self):
        """Run `motcua verify`; returns (exit code, events verified or None, stdout+stderr)."""
        cp = run_cli("verify", "--db", self.url)
        out = cp.stdout + cp.stderr
        m = re.search(r"ledger OK: (\d+) events", out)
        return cp.returncode, int(m.group(1)) if m else None, out

    def sql(self, statement, params=()):
        """Run one statement directly on the store (server stopped): for tamper tests only."""
        if self.sqlite_path:
            con = sqlite3.connect(str(self.sqlite_path), timeout=10)
            try:
                rows = con.execute(statement, params).fetchall()
                con.commit()
                return rows
            finally:
                con.close()
        raise NotImplementedError("direct SQL on PostgreSQL goes through psql_exec")

    def copy(self, label):
        """A copy of this store (server stopped): a file copy, or CREATE DATABASE ... TEMPLATE on PostgreSQL."""
        if self.sqlite_path:
            path = self.sqlite_path.parent / ("copy-%s.db" % label)
            shutil.copyfile(self.sqlite_path, path)
            if Path(str(self.sqlite_path) + "-wal").exists():
                shutil.copyfile(str(self.sqlite_path) + "-wal", str(path) + "-wal")
            return Database(str(path), path)
        name = ("%s_%s" % (self.name, label))[:63]
        parts = urllib.parse.urlsplit(self.url)
        admin_url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, ""))
        cp = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", admin_url, "-c",
                             'CREATE DATABASE "%s" TEMPLATE "%s"' % (name, self.name)],
                            capture_output=True, text=True, timeout=60)
        if cp.returncode != 0:
            raise AssertionError("cannot copy database %s: %s" % (self.name, cp.stderr))
        return Database(urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, "")), None, name)

    def psql_exec(self, statement):
        cp = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", self.url, "-c", statement],
                            capture_output=True, text=True, timeout=30)
        if cp.returncode != 0:
            raise AssertionError("psql failed: %s" % cp.stderr)
        return cp.stdout


def _sqlite_template():
    """The demo database, built once per run and copied for every server."""
    global _template_path
    with _template_lock:
        if _template_path is None:
            path = _TMP_ROOT / "template.db"
            cp = run_cli("demo", "--db", str(path), timeout=300)
            if cp.returncode != 0:
                raise RuntimeError("motcua demo failed (%d): %s" % (cp.returncode, cp.stderr[-2000:]))
            for ext in ("-wal", "-shm"):
                if Path(str(path) + ext).exists() and Path(str(path) + ext).stat().st_size:
                    # Fold a leftover WAL into the main file so one file is a complete copy.
                    con = sqlite3.connect(str(path))
                    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    con.close()
                    break
            _template_path = path
        return _template_path


def _pg_url_for(name):
    if PG_DIR:
        cp = subprocess.run([str(REPO / "tests" / "pg-cluster"), "newdb", PG_DIR, name], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
        if cp.returncode != 0:
            raise RuntimeError("tests/pg-cluster newdb failed: %s" % cp.stderr[-2000:])
        lines = [ln.strip() for ln in cp.stdout.splitlines() if ln.strip()]
        if lines and lines[-1].startswith(("postgres://", "postgresql://")):
            return lines[-1]
    # Fall back to the same server with the database name replaced (CREATE DATABASE via psql).
    parts = urllib.parse.urlsplit(PG_URL)
    url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    if not PG_DIR:
        cp = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", PG_URL, "-c", 'CREATE DATABASE "%s"' % name],
                            capture_output=True, text=True, timeout=60)
        if cp.returncode != 0:
            raise RuntimeError("cannot create database %s: %s" % (name, cp.stderr))
    return url


_pg_template = None


def _pg_demo_template():
    """A PostgreSQL database with the demo data, made once per run (newdb + motcua demo); later databases are
    copies of it (CREATE DATABASE ... TEMPLATE), which spares 32 Argon2 hashes per server."""
    global _pg_template
    with _template_lock:
        if _pg_template is None:
            name = "motcua_api_%d_template" % os.getpid()
            url = _pg_url_for(name)
            cp = run_cli("demo", "--db", url, timeout=300)
            if cp.returncode != 0:
                raise RuntimeError("motcua demo failed on %s: %s" % (url, cp.stderr[-2000:]))
            _pg_template = (name, url)
        return _pg_template


def make_db(label="db", demo=True):
    """A fresh store with the demo units and staff (every password: demo)."""
    n = next(_counter)
    safe = re.sub(r"[^a-z0-9_]", "_", label.lower())[:30]
    if PG_URL:
        name = "motcua_api_%d_%d_%s" % (os.getpid(), n, safe)
        if demo and shutil.which("psql"):
            tname, turl = _pg_demo_template()
            cp = subprocess.run(["psql", "-X", "-v", "ON_ERROR_STOP=1", turl.rsplit("/", 1)[0] + "/postgres", "-c",
                                 'CREATE DATABASE "%s" TEMPLATE "%s"' % (name, tname)],
                                capture_output=True, text=True, timeout=60)
            if cp.returncode != 0:
                raise RuntimeError("cannot copy the demo database: %s" % cp.stderr)
            parts = urllib.parse.urlsplit(turl)
            url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
            return Database(url, None, name)
        url = _pg_url_for(name)
        cp = run_cli("demo" if demo else "init", "--db", url, timeout=300)
        if cp.returncode != 0:
            raise RuntimeError("motcua demo failed on %s: %s" % (url, cp.stderr[-2000:]))
        return Database(url, None, name)
    d = _TMP_ROOT / ("%02d-%s" % (n, safe))
    d.mkdir()
    path = d / "motcua.db"
    if demo:
        shutil.copyfile(_sqlite_template(), path)
    else:
        cp = run_cli("init", "--db", str(path))
        if cp.returncode != 0:
            raise RuntimeError("motcua init failed: %s" % cp.stderr)
    return Database(str(path), path, None)


# ---- server ----

class Server:
    """`motcua serve` on 127.0.0.1 and a free port; use as a context manager or start()/stop()."""

    def __init__(self, args=(), db=None, label="server", threads=2):
        self.args = list(args)
        self.db = db
        self.label = label
        self.threads = threads
        self.proc = None
        self.port = None
        self.stderr_path = None
        self.exit_code = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def start(self, timeout=30):
        if self.db is None:
            self.db = make_db(self.label)
        self.stderr_path = _TMP_ROOT / ("serve-%d-%s.stderr" % (next(_counter), re.sub(r"\W", "_", self.label)))
        self._stderr = open(self.stderr_path, "wb")
        cmd = [BIN, "serve", "--db", self.db.url, "--listen", "127.0.0.1:0", "--threads", str(self.threads),
               "--web", str(WEB_DIR), *self.args]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=child_env(), stdout=subprocess.PIPE, stderr=self._stderr)
        deadline = time.monotonic() + timeout
        line = b""
        fd = self.proc.stdout.fileno()
        while b"\n" not in line:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self._abort()
                raise RuntimeError("motcua serve did not print its address (exit %s): %s"
                                   % (self.proc.returncode, self.stderr_text()[-3000:]))
            r, _, _ = select.select([fd], [], [], min(left, 0.5))
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    continue
                line += chunk
        m = re.search(rb"listening on http://127\.0\.0\.1:(\d+)", line)
        if not m:
            self._abort()
            raise RuntimeError("unexpected first line from motcua serve: %r" % line)
        self.port = int(m.group(1))
        while True:
            try:
                st, _, _ = Client(self).req("GET", "/healthz")
                if st == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self._abort()
                raise RuntimeError("/healthz never answered 200")
            time.sleep(0.05)
        return self

    def _abort(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._stderr.close()

    def stderr_text(self):
        try:
            return self.stderr_path.read_text(errors="replace")
        except OSError:
            return ""

    def signal_term(self):
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout=30):
        try:
            self.exit_code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.exit_code = "killed after %ds" % timeout
        if self.proc.stdout:
            self.proc.stdout.close()
        self._stderr.close()
        return self.exit_code

    def stop(self):
        """SIGTERM, wait; returns a list of problems (empty when the server stopped cleanly)."""
        if self.proc is None:
            return []
        if self.proc.poll() is None:
            self.signal_term()
        self.wait()
        return self.problems()

    def problems(self):
        out = []
        if self.exit_code != 0:
            out.append("motcua serve exited %s (expected 0)" % (self.exit_code,))
        bad = sanitizer_lines(self.stderr_text())
        if bad:
            out.append("sanitizer reported:\n" + self.stderr_text()[-6000:])
        return out

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)


# ---- client ----

_UNSET = object()


class Resp:
    """status, headers (case-insensitive), body (parsed JSON when the type is JSON, else bytes), raw bytes."""

    def __init__(self, status, headers, body, raw):
        self.status, self.headers, self.body, self.raw = status, headers, body, raw

    def __iter__(self):
        return iter((self.status, self.headers, self.body))

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.headers.get("Content-Type"), self.raw[:600])


def parse_body(headers, raw):
    ct = (headers.get("Content-Type") or "").lower()
    if raw and ("json" in ct):
        return jsonlib.loads(raw.decode("utf-8"))
    return raw


class Client:
    """One user agent: a cookie jar, the CSRF token of its session, an optional bearer token."""

    def __init__(self, server, lang=None):
        self.server = server
        self.cookies = {}
        self.csrf = None
        self.bearer = None
        self.lang = lang
        self.me = None

    # Session helpers.
    def login(self, username, password=DEMO_PASSWORD, expect=200):
        r = self.req("POST", "/api/v1/session", json={"username": username, "password": password})
        if expect is not None and r.status != expect:
            raise AssertionError("sign-in of %s: expected %s, got %r" % (username, expect, r))
        if r.status == 200:
            self.csrf = r.body["csrf"]
            self.me = r.body
        return r

    @property
    def session_cookie(self):
        return self.cookies.get("motcua_session")

    def req(self, method, path, json=_UNSET, headers=None, raw_body=None, csrf=True, content_type=_UNSET,
            chunks=None, timeout=60):
        hdrs = {}
        body = None
        if raw_body is not None:
            body = raw_body if isinstance(raw_body, bytes) else raw_body.encode("utf-8")
        elif json is not _UNSET:
            body = jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
        if content_type is _UNSET:
            if body is not None or chunks is not None:
                hdrs["Content-Type"] = "application/json"
        elif content_type is not None:
            hdrs["Content-Type"] = content_type
        if self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if csrf and self.csrf and method not in ("GET", "HEAD", "OPTIONS"):
            hdrs["X-CSRF-Token"] = self.csrf
        if self.bearer:
            hdrs["Authorization"] = "Bearer " + self.bearer
        if self.lang:
            hdrs["Accept-Language"] = self.lang
        for k, v in (headers or {}).items():
            if v is None:
                hdrs.pop(k, None)
                for kk in list(hdrs):
                    if kk.lower() == k.lower():
                        hdrs.pop(kk)
            else:
                hdrs[k] = v
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=timeout)
        try:
            if chunks is not None:
                conn.request(method, path, body=iter(chunks), headers=hdrs, encode_chunked=True)
            else:
                conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        self._store_cookies(resp.headers)
        parsed = parse_body(resp.headers, raw)
        # The contract: every answer matches docs/openapi.yaml (AssertionError naming method, path, status).
        openapi_check.check_response(method, path, resp.status, resp.headers.get("Content-Type"), parsed, raw,
                                     resp.headers)
        return Resp(resp.status, resp.headers, parsed, raw)

    def _store_cookies(self, headers):
        for sc in headers.get_all("Set-Cookie") or []:
            first = sc.split(";", 1)[0]
            name, _, value = first.partition("=")
            attrs = sc.lower()
            if value == "" or "max-age=0" in attrs:
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()


# ---- assertions ----

def assert_problem(resp, status, code=None, field=None):
    """resp is an RFC 9457 problem with both languages, of this status (and code / field when given)."""
    ctx = "response %r" % (resp,)
    if resp.status != status:
        raise AssertionError("expected status %d, got %s" % (status, ctx))
    ct = resp.headers.get("Content-Type") or ""
    if not ct.startswith("application/problem+json"):
        raise AssertionError("expected application/problem+json, got %r in %s" % (ct, ctx))
    b = resp.body
    if not isinstance(b, dict):
        raise AssertionError("problem body is not a JSON object: " + ctx)
    if b.get("status") != status:
        raise AssertionError("problem 'status' is %r, expected %d: %s" % (b.get("status"), status, ctx))
    if not isinstance(b.get("type"), str) or not b["type"].startswith("urn:motcua:problem:"):
        raise AssertionError("problem 'type' does not start with urn:motcua:problem: : " + ctx)
    msgs = b.get("messages")
    if not isinstance(msgs, dict):
        raise AssertionError("problem has no 'messages' object: " + ctx)
    for lang in ("vi", "en"):
        if not isinstance(msgs.get(lang), str) or not msgs[lang].strip():
            raise AssertionError("problem messages.%s is not a non-empty string: %s" % (lang, ctx))
    if code is not None and b.get("code") != code:
        raise AssertionError("expected code %s, got %r: %s" % (code, b.get("code"), ctx))
    if field is not None and b.get("field") != field:
        raise AssertionError("expected field %r, got %r: %s" % (field, b.get("field"), ctx))
    return b


class ApiTestCase(unittest.TestCase):
    """One server per class (SERVER_ARGS are extra serve flags); tearDownClass fails the class when the server
    exits non-zero or a sanitizer reported anything."""

    SERVER_ARGS = ()
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.SERVER_ARGS, label=cls.__name__)
        cls.server.start()
        cls.db = cls.server.db

    @classmethod
    def tearDownClass(cls):
        if cls.server is None:
            return
        problems = cls.server.stop()
        if problems:
            raise AssertionError("server of %s: %s" % (cls.__name__, "\n".join(problems)))

    # Conveniences.
    def client(self, username=None, password=DEMO_PASSWORD, lang=None):
        c = Client(self.server, lang=lang)
        if username:
            c.login(username, password)
        return c

    def counts(self):
        return self.db.counts()

    def assert_problem(self, resp, status, code=None, field=None):
        return assert_problem(resp, status, code, field)

    def assert_status(self, resp, status):
        self.assertEqual(resp.status, status, "unexpected response %r" % (resp,))

    def assert_unchanged(self, before, msg=""):
        self.assertEqual(self.counts(), before, "the store changed " + msg)

    def assert_delta(self, before, **delta):
        after = self.counts()
        want = {k: before[k] + delta.get(k, 0) for k in before}
        self.assertEqual(after, want, "unexpected row count changes")
        return after

    @classmethod
    def sign_in_admin_with_units(cls, *slugs):
        """Sign in as admin (cls.admin) and look up the demo units by slug (cls.<slug with . as _>)."""
        cls.admin = Client(cls.server)
        cls.admin.login("admin")
        for slug in slugs:
            setattr(cls, slug.replace(".", "_"), unit_by_slug(cls.admin, slug))

    def assert_security_headers(self, resp):
        csp = resp.headers.get("Content-Security-Policy") or ""
        self.assertIn("frame-ancestors 'none'", csp, "CSP missing on %r" % (resp,))
        self.assertEqual(resp.headers.get("X-Content-Type-Options"), "nosniff", "nosniff missing on %r" % (resp,))


def find_unit(admin, q, name=None):
    """The unit found by ?q= whose name is `name` (or the only hit)."""
    return find_one(admin, "units", q, lambda u: name is None or u["name"] == name, "unit %r (%r)" % (q, name))


def find_one(admin, resource, q, match, what):
    """The single item of GET /api/v1/<resource>?q=<q> for which match(item) holds (AssertionError otherwise)."""
    r = admin.req("GET", "/api/v1/%s?" % resource + urllib.parse.urlencode({"q": q, "limit": 200}))
    if r.status != 200:
        raise AssertionError("%s search %r: %r" % (resource, q, r))
    hits = [i for i in r.body["items"] if match(i)]
    if len(hits) != 1:
        raise AssertionError("no single %s (found %d)" % (what, len(hits)))
    return hits[0]


def unit_by_slug(admin, slug):
    return find_one(admin, "units", slug, lambda u: u["slug"] == slug, "unit with slug %r" % slug)


def staff_by_username(admin, username):
    return find_one(admin, "staff", username, lambda a: a["username"] == username, "account %r" % username)


_unique = itertools.count(1)


def unique(prefix):
    return "%s%d%d" % (prefix, os.getpid() % 1000, next(_unique))


def unique_phone():
    """A 10-digit phone number not used before in this run."""
    return "09%04d%04d" % (os.getpid() % 10000, next(_unique) % 10000)
