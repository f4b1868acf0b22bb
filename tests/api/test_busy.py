"""A busy or read-only store answers 503 with Retry-After over HTTP, never 500, and changes nothing (issue 8 item 7).

reply_errno() (src/http/reply.c) maps -EAGAIN (a lock held past the busy timeout, conflict retries used up) to
503 urn:motcua:problem:busy with Retry-After 1, and -EROFS (a read-only database, as a standby is) to 503
urn:motcua:problem:read-only with Retry-After 30. These tests make the store really busy or really read-only:
- SQLite: another process holds the write lock (BEGIN IMMEDIATE) for longer than the 10 s busy timeout;
- PostgreSQL: another session holds an ACCESS EXCLUSIVE lock on ledger_head while the server's role has a short
  lock_timeout (SQLSTATE 55P03), and then the database is set default_transaction_read_only (SQLSTATE 25006).
Reads keep answering meanwhile, and the same write succeeds once the lock or the read-only setting is gone."""
import sqlite3
import subprocess
import threading
import time
import unittest

from harness import PG_URL, ApiTestCase, Client, unit_by_slug


class BusyBase(ApiTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = Client(cls.server)
        cls.admin.login("admin")
        cls.unit = unit_by_slug(cls.admin, "cujut.pkt")

    def write(self, abbr):
        u = self.admin.req("GET", "/api/v1/units/" + self.unit["id"]).body
        return self.admin.req("PATCH", "/api/v1/units/" + self.unit["id"], json={"abbr": abbr},
                              headers={"If-Match": '"%d"' % u["version"]})

    def assert_503(self, r, kind, retry_after):
        b = self.assert_problem(r, 503)
        self.assertEqual(b["type"], "urn:motcua:problem:" + kind, r)
        self.assertEqual(r.headers.get("Retry-After"), retry_after, r)

    def reconnected(self):
        """After the server's connections were cut: wait until a read answers again."""
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.admin.req("GET", "/api/v1/units/" + self.unit["id"]).status == 200:
                return
            time.sleep(0.2)
        self.fail("the server did not reconnect")


class SqliteBusyTests(BusyBase):

    def test_write_lock_held_elsewhere_is_503_busy(self):
        before = self.counts()
        con = sqlite3.connect(str(self.db.sqlite_path), timeout=5, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")            # the write lock, held by another process's connection
        try:
            t0 = time.time()
            r = self.write("BUSY1")
            waited = time.time() - t0
            self.assert_503(r, "busy", "1")
            self.assertGreater(waited, 5, "the writer waited for the lock (busy timeout) before giving up")
            # Reads still answer while the lock is held (WAL readers are not blocked by a writer).
            self.assert_status(self.admin.req("GET", "/api/v1/units/" + self.unit["id"]), 200)
        finally:
            con.execute("ROLLBACK")
            con.close()
        self.assert_unchanged(before, "by a write refused as busy")
        r = self.write("BUSY2")
        self.assert_status(r, 200)
        self.assertEqual(r.body["abbr"], "BUSY2")


class PgBusyTests(BusyBase):

    def cut_connections(self):
        self.db.psql_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                          "AND pid <> pg_backend_pid()")
        self.reconnected()

    def test_lock_timeout_is_503_busy(self):
        self.db.psql_exec("ALTER DATABASE \"%s\" SET lock_timeout = '100ms'" % self.db.name)
        self.cut_connections()
        before = self.counts()
        holder = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.db.url],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            holder.stdin.write("BEGIN; LOCK TABLE ledger_head IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
            holder.stdin.flush()
            self.assertEqual(holder.stdout.readline().strip(), "locked")
            r = self.write("BUSY1")
            self.assert_503(r, "busy", "1")
        finally:
            holder.stdin.write("ROLLBACK;\n\\q\n")
            holder.stdin.flush()
            holder.wait(30)
            self.db.psql_exec("ALTER DATABASE \"%s\" RESET lock_timeout" % self.db.name)
        self.assert_unchanged(before, "by a write refused as busy")
        self.cut_connections()
        self.assert_status(self.write("BUSY2"), 200)

    def test_read_only_database_is_503_read_only(self):
        self.db.psql_exec("ALTER DATABASE \"%s\" SET default_transaction_read_only = on" % self.db.name)
        try:
            self.cut_connections()
            before = self.counts()
            self.assert_503(self.write("RO1"), "read-only", "30")
            self.assert_status(self.admin.req("GET", "/api/v1/units/" + self.unit["id"]), 200)
            self.assert_unchanged(before, "by a write on a read-only database")
        finally:
            # Sessions of a read-only database start read-only: this one turns it off before the ALTER.
            subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", self.db.url, "-c",
                            "SET default_transaction_read_only = off", "-c",
                            "ALTER DATABASE \"%s\" RESET default_transaction_read_only" % self.db.name],
                           check=True, capture_output=True, timeout=30)
        self.cut_connections()
        r = self.write("RO2")
        self.assert_status(r, 200)
        self.assertEqual(r.body["abbr"], "RO2")


class MixedBatchTests(BusyBase):
    """Issue 8 item 7 end to end: writes that share a group-commit batch, some refused inside their transaction
    (a stale If-Match is found only there: 412) and some not. Each refused write's savepoint rolls back alone: every
    200 is stored, every 412 changed nothing, and the ledger verifies. Runs on both engines."""

    def test_failing_and_succeeding_writes_in_one_batch(self):
        units = [u for u in self.admin.req("GET", "/api/v1/units?limit=200").body["items"]
                 if u["kind"] == "department"][:16]
        self.assertEqual(len(units), 16)
        clients = [Client(self.server) for _ in units]
        for c in clients:
            c.login("admin")
        before = self.counts()
        results = [None] * len(units)
        start = threading.Barrier(len(units))

        def one(i):
            u = units[i]
            stale = i % 2 == 1
            version = u["version"] + (7 if stale else 0)
            start.wait()
            results[i] = clients[i].req("PATCH", "/api/v1/units/" + u["id"], json={"abbr": "MIX%d" % i},
                                        headers={"If-Match": '"%d"' % version})

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(units))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for i, r in enumerate(results):
            with self.subTest(i=i):
                if i % 2:
                    self.assert_problem(r, 412)
                else:
                    self.assert_status(r, 200)
        self.assert_delta(before, events=len(units) // 2)
        for i, u in enumerate(units):
            now = self.admin.req("GET", "/api/v1/units/" + u["id"]).body
            self.assertEqual(now["abbr"], "MIX%d" % i if i % 2 == 0 else u["abbr"], u["slug"])
            self.assertEqual(now["version"], u["version"] + (0 if i % 2 else 1))
        rc, n, out = self.db.verify()
        self.assertEqual(rc, 0, out)


# One engine per run: the suite runs once on SQLite and once on PostgreSQL (tests/api/run.py).
if PG_URL:
    del SqliteBusyTests
else:
    del PgBusyTests

if __name__ == "__main__":
    unittest.main()
