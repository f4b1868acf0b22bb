#!/usr/bin/env python3
"""bench/book_export.py — time GET /api/v1/reports/book at its bounds: 20,000 dossiers as CSV and XLSX, 5,000 as
PDF (docs/exports.md, "Limits"). Not part of `make bench` (it takes about half a minute).

Usage: MOTCUA_BIN=build/motcua python3 bench/book_export.py   (add MOTCUA_TEST_PG_URL=... for PostgreSQL)
It starts a server of its own through the API test harness, files one dossier through the API, copies it in SQL
(tests/api/test_exports.py BookTooManyTests.copy_dossier) and prints one line per download: rows, seconds, bytes."""
import sys
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "api"))
import test_exports as te  # noqa: E402


class BookExportBench(te.BookTooManyTests):
    def test_bounds(self):   # replaces the test: only the timings
        pass

    def test_timings(self):
        code = self.new()["code"]
        q = {"unit": self.cujut["id"], "from": te.DAY, "to": te.DAY}
        for copies, formats in ((4999, ("pdf",)), (15000, ("csv", "xlsx"))):
            self.copy_dossier(code, 1 if copies == 4999 else 5000, copies)
            for fmt in formats:
                t0 = time.monotonic()
                r = self.book(self.lead, format=fmt, **q)
                print("book %-4s %6s rows: %6.2f s, %9d bytes" % (fmt, "5000" if copies == 4999 else "20000",
                                                                 time.monotonic() - t0, len(r.raw)))


if __name__ == "__main__":
    suite = unittest.TestSuite([BookExportBench("test_timings")])
    sys.exit(0 if unittest.TextTestRunner(verbosity=0).run(suite).wasSuccessful() else 1)
