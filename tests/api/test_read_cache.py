"""serve --pg-read-cache (issue 13 item 7, hub reads): PostgreSQL's read cache answers repeated reads without a
round trip and never shows a state older than the last write any motcua process committed once its notification
has arrived. Two servers on one database: `cached` with the cache, `plain` without; writes go through either.
On SQLite the flag is accepted and changes nothing (no cache series in /metrics)."""
import time
import unittest

from harness import PG_URL, ApiTestCase, Client, Server, unit_by_slug


def cache_counts(server):
    r = Client(server).req("GET", "/metrics")
    assert r.status == 200, r
    text = r.raw.decode("utf-8")
    out = {}
    for line in text.splitlines():
        for name in ("motcua_store_read_cache_hits_total", "motcua_store_read_cache_misses_total"):
            if line.startswith(name + " "):
                out[name.split("_")[-2]] = int(float(line.split()[1]))
    return out


class ReadCacheBase(ApiTestCase):
    SERVER_ARGS = ("--pg-read-cache", "8")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.plain = Server(db=cls.db, label=cls.__name__ + "-plain").start() if PG_URL else None
        cls.admin = Client(cls.server)
        cls.admin.login("admin")
        cls.unit = unit_by_slug(cls.admin, "cujut")

    @classmethod
    def tearDownClass(cls):
        problems = cls.plain.stop() if cls.plain else []
        super().tearDownClass()
        if problems:
            raise AssertionError("plain server: %s" % "\n".join(problems))

    def get_unit(self, client):
        r = client.req("GET", "/api/v1/units/" + self.unit["id"])
        self.assert_status(r, 200)
        return r.body

    def rename(self, client, name):
        cur = self.get_unit(client)
        r = client.req("PATCH", "/api/v1/units/" + self.unit["id"], json={"name": name},
                       headers={"If-Match": '"%d"' % cur["version"]})
        self.assert_status(r, 200)
        return r.body

    def wait_name(self, client, name, seconds=5.0):
        """The name the cached server answers, polled until it is `name` or `seconds` passed; and how long."""
        t0 = time.monotonic()
        while True:
            got = self.get_unit(client)["name"]
            if got == name or time.monotonic() - t0 > seconds:
                return got, time.monotonic() - t0
            time.sleep(0.005)



class SqliteReadCacheTests(ReadCacheBase):
    def test_sqlite_ignores_the_flag(self):
        self.get_unit(self.admin)
        self.get_unit(self.admin)
        self.assertEqual(cache_counts(self.server), {})


class PgReadCacheTests(ReadCacheBase):
    def test_repeated_reads_hit_and_own_writes_are_seen_at_once(self):
        self.get_unit(self.admin)
        before = cache_counts(self.server)
        for _ in range(5):
            self.get_unit(self.admin)
        after = cache_counts(self.server)
        self.assertGreaterEqual(after["hits"] - before["hits"], 4, (before, after))
        # A write of this process moves the data version on before it answers: no read after it is stale.
        for i in range(3):
            name = "Cache own %d" % i
            self.rename(self.admin, name)
            self.assertEqual(self.get_unit(self.admin)["name"], name)

    def test_writes_of_another_process_are_seen(self):
        other = Client(self.plain)
        other.login("admin")
        self.get_unit(self.admin)
        self.get_unit(self.admin)   # kept now
        worst = 0.0
        for i in range(5):
            name = "Cache other %d" % i
            self.rename(other, name)
            got, waited = self.wait_name(self.admin, name)
            self.assertEqual(got, name, "the cached server still answers the old name")
            worst = max(worst, waited)
        # The notification comes with the other process's commit: well under a second even on a loaded machine.
        self.assertLess(worst, 1.0)

    def test_listener_cut_turns_the_cache_off_until_it_listens_again(self):
        other = Client(self.plain)
        other.login("admin")
        self.get_unit(self.admin)
        self.db.psql_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE application_name = 'motcua-cache-listener' AND datname = current_database()")
        # Whatever the listener missed while it was gone, a write made meanwhile is never hidden.
        self.rename(other, "Cache cut")
        got, _ = self.wait_name(self.admin, "Cache cut")
        self.assertEqual(got, "Cache cut")
        # It listens again (within about a second) and hits resume.
        deadline = time.monotonic() + 10
        resumed = False
        while time.monotonic() < deadline and not resumed:
            a = cache_counts(self.server)
            self.get_unit(self.admin)
            self.get_unit(self.admin)
            resumed = cache_counts(self.server)["hits"] > a["hits"]
            time.sleep(0.2)
        self.assertTrue(resumed, "the cache did not come back after the listener was cut")
        self.rename(other, "Cache after cut")
        got, _ = self.wait_name(self.admin, "Cache after cut")
        self.assertEqual(got, "Cache after cut")


# One engine per run: the suite runs once on SQLite and once on PostgreSQL (tests/api/run.py).
if PG_URL:
    del SqliteReadCacheTests
else:
    del PgReadCacheTests
del ReadCacheBase

if __name__ == "__main__":
    unittest.main()
