"""The ledger behind the API: after a batch of writes through the API, `motcua verify` prints "ledger OK: N events"
with N the events count; tampering with one event's payload (one byte) or removing an event is detected and the
broken event's sequence number is named (exit 1)."""
import re
import shutil
import unittest

from harness import Server, Client, run_cli, unit_by_slug, unique, unique_phone


class LedgerTests(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(label="ledger").start()
        s = cls.server
        try:
            admin = Client(s)
            admin.login("admin")
            before = s.db.counts()["events"]
            cujut = unit_by_slug(admin, "cujut")
            made = []
            for i in range(3):
                r = admin.req("POST", "/api/v1/units", json={"parent_id": cujut["id"], "kind": "department",
                                                             "name": "Phòng Số %d" % i, "slug": unique("led-")})
                assert r.status == 201, r
                made.append(r.body)
            for u in made[:2]:
                r = admin.req("PATCH", "/api/v1/units/" + u["id"], json={"abbr": "PS"}, headers={"If-Match": '"1"'})
                assert r.status == 200, r
            r = admin.req("POST", "/api/v1/staff", json={"username": unique("led."), "full_name": "Hồ Sổ Cái",
                                                         "password": "demo1234", "unit_id": cujut["id"]})
            assert r.status == 201, r
            r = Client(s).req("POST", "/api/v1/citizens", json={"phone": unique_phone(), "full_name": "Dân Sổ Cái",
                                                                "password": "demo1234"})
            assert r.status == 201, r
            r = admin.req("POST", "/api/v1/tokens", json={"name": "ledger"})
            assert r.status == 201, r
            cls.writes = 8
            cls.events_added = s.db.counts()["events"] - before
        finally:
            cls.problems = s.stop()

    def test_server_stopped_cleanly(self):
        self.assertEqual(self.problems, [])

    def test_each_write_is_one_event(self):
        self.assertEqual(self.events_added, self.writes)

    def test_verify_counts_every_event(self):
        rc, n, out = self.server.db.verify()
        self.assertEqual(rc, 0, out)
        self.assertEqual(n, self.server.db.counts()["events"], out)
        self.assertRegex(out, r"ledger OK: \d+ events")

    def tampered_copy(self, label):
        if self.server.db.is_pg and not shutil.which("psql"):
            self.skipTest("tampering with a PostgreSQL store needs psql")
        return self.server.db.copy(label)

    @staticmethod
    def run_sql(db, statement, params=()):
        """Run a statement with %s-free literal parameters on either engine; returns rows of text."""
        if not db.is_pg:
            return db.sql(statement, params)
        for p in params:
            statement = statement.replace("?", "$q$%s$q$" % p if isinstance(p, str) else str(p), 1)
        out = db.psql_exec(statement)
        return [(line,) for line in out.splitlines() if line]   # single-column queries only

    def verify_broken(self, db):
        cp = run_cli("verify", "--db", db.url)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 1, out)
        self.assertNotIn("ledger OK", out)
        return out

    def test_flipped_payload_byte_is_named(self):
        copy = self.tampered_copy("flip")
        seqs = [int(r[0]) for r in self.run_sql(copy, "SELECT seq FROM events ORDER BY seq")]
        seq = seqs[len(seqs) // 2]
        payload = self.run_sql(copy, "SELECT payload FROM events WHERE seq = ?", (seq,))[0][0]
        data = bytearray(payload.encode("utf-8"))
        # Flip one byte inside the text: the first ASCII letter after the middle, toggling its case.
        i = next(k for k in range(len(data) // 2, len(data)) if chr(data[k]).isalpha() and data[k] < 128)
        data[i] ^= 0x20
        self.run_sql(copy, "UPDATE events SET payload = ? WHERE seq = ?", (data.decode("utf-8"), seq))
        out = self.verify_broken(copy)
        self.assertRegex(out, r"\bevent %d\b" % seq)

    def test_removed_event_is_named(self):
        copy = self.tampered_copy("gap")
        seqs = [int(r[0]) for r in self.run_sql(copy, "SELECT seq FROM events ORDER BY seq")]
        seq = seqs[len(seqs) // 3]
        self.run_sql(copy, "DELETE FROM events WHERE seq = ?", (seq,))
        self.assertRegex(self.verify_broken(copy), r"\bevent %d\b" % seq)

    def test_removed_last_event_is_detected(self):
        copy = self.tampered_copy("tail")
        last = int(self.run_sql(copy, "SELECT MAX(seq) FROM events")[0][0])
        self.run_sql(copy, "DELETE FROM events WHERE seq = ?", (last,))
        self.assertRegex(self.verify_broken(copy), r"\bevent %d\b" % last)

    def head_of(self, db):
        cp = run_cli("verify", "--db", db.url)
        self.assertEqual(cp.returncode, 0, cp.stdout + cp.stderr)
        m = re.search(r"^head: node \w+ seq (\d+) hash ([0-9a-f]{64})$", cp.stdout, re.M)
        self.assertIsNotNone(m, cp.stdout)
        return "%s:%s" % (m.group(1), m.group(2))

    def test_chain_without_head_row_is_refused(self):
        copy = self.tampered_copy("nohead")
        self.run_sql(copy, "DELETE FROM ledger_head")
        self.assertIn("no ledger_head row", self.verify_broken(copy))

    def test_expected_head_catches_truncation(self):
        copy = self.tampered_copy("trunc")
        head = self.head_of(copy)
        ok = run_cli("verify", "--db", copy.url, "--expect-head", head)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        last = int(head.split(":")[0])
        self.run_sql(copy, "DELETE FROM events WHERE seq > ?", (last - 2,))
        self.run_sql(copy, "UPDATE ledger_head SET seq = ?, hash = (SELECT hash FROM events WHERE seq = ?) "
                           "WHERE is_self = 1", (last - 2, last - 2))
        self.head_of(copy)      # consistent in itself
        cp = run_cli("verify", "--db", copy.url, "--expect-head", head)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 1, out)
        self.assertIn("truncated", out)
        self.assertIn("sổ cái HỎNG", out)


if __name__ == "__main__":
    unittest.main()
