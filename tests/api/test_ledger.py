"""The ledger behind the API: after a batch of writes through the API, `motcua verify` prints "ledger OK: N events"
with N the events count; tampering with one event's payload (one byte) or removing an event is detected and the
broken event's sequence number is named (exit 1)."""
import re
import shutil
import unittest

from harness import Database, Server, Client, run_cli, unit_by_slug, unique, unique_phone


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
        db = self.server.db
        if db.is_pg:
            self.skipTest("tampering is done on a SQLite copy; the PostgreSQL store is left as it is")
        path = db.sqlite_path.parent / ("tampered-%s.db" % label)
        shutil.copyfile(db.sqlite_path, path)
        for ext in ("-wal",):
            src = str(db.sqlite_path) + ext
            try:
                shutil.copyfile(src, str(path) + ext)
            except FileNotFoundError:
                pass
        return Database(str(path), path)

    def test_flipped_payload_byte_is_named(self):
        copy = self.tampered_copy("flip")
        rows = copy.sql("SELECT seq, payload FROM events ORDER BY seq")
        seq, payload = rows[len(rows) // 2]
        data = bytearray(payload.encode("utf-8"))
        # Flip one byte inside a value: the first letter after the middle of the text, toggling its case.
        i = next(k for k in range(len(data) // 2, len(data)) if chr(data[k]).isalpha() and data[k] < 128)
        data[i] ^= 0x20
        copy.sql("UPDATE events SET payload = ? WHERE seq = ?", (data.decode("utf-8"), seq))
        cp = run_cli("verify", "--db", copy.url)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 1, out)
        self.assertNotIn("ledger OK", out)
        self.assertRegex(out, r"\bevent %d\b" % seq)

    def test_removed_event_is_named(self):
        copy = self.tampered_copy("gap")
        rows = copy.sql("SELECT seq FROM events ORDER BY seq")
        seq = rows[len(rows) // 3][0]
        copy.sql("DELETE FROM events WHERE seq = ?", (seq,))
        cp = run_cli("verify", "--db", copy.url)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 1, out)
        self.assertRegex(out, r"\bevent %d\b" % seq)

    def test_removed_last_event_is_detected(self):
        copy = self.tampered_copy("tail")
        last = copy.sql("SELECT MAX(seq) FROM events")[0][0]
        copy.sql("DELETE FROM events WHERE seq = ?", (last,))
        cp = run_cli("verify", "--db", copy.url)
        out = cp.stdout + cp.stderr
        self.assertEqual(cp.returncode, 1, out)
        self.assertRegex(out, r"\bevent %d\b" % last)


if __name__ == "__main__":
    unittest.main()
