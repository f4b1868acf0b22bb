#!/usr/bin/env python3
"""run.py — run the HTTP API suite (tests/api/test_*.py) against real `motcua serve` processes.

Usage: python3 tests/api/run.py [-v] [-k PATTERN] [MODULE ...]
Prints one line per failed test with its traceback, and ends with exactly one line "N passed, N failed" (N counts
test methods; an error is a failure; a test class whose server exits non-zero or reports a sanitizer finding fails
all its methods). Exit code 0 only when none failed. Skipped tests (each with a stated reason) count in neither.
"""
import argparse
import re
import sys
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402

_CLASS_FIXTURE = re.compile(r"^(setUpClass|tearDownClass) \((.+)\)$")
_MODULE_FIXTURE = re.compile(r"^(setUpModule|tearDownModule) \((.+)\)$")


class CountingResult(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.passed_ids = set()
        self.failed_ids = {}
        self.skipped_ids = {}
        self.failed_prefixes = {}
        self.t0 = {}

    def startTest(self, test):
        self.t0[test.id()] = time.monotonic()
        super().startTest(test)

    def _fixture(self, test, err):
        desc = getattr(test, "description", "")
        m = _CLASS_FIXTURE.match(desc) or _MODULE_FIXTURE.match(desc)
        if m:
            self.failed_prefixes[m.group(2) + "."] = self._exc_info_to_string(err, test)
            return True
        return False

    def addError(self, test, err):
        super().addError(test, err)
        if isinstance(test, unittest.TestCase):
            self.failed_ids[test.id()] = self._exc_info_to_string(err, test)
        else:
            self._fixture(test, err)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.failed_ids[test.id()] = self._exc_info_to_string(err, test)

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            prev = self.failed_ids.get(test.id(), "")
            self.failed_ids[test.id()] = prev + "[%s]\n%s" % (subtest._subDescription(),
                                                             self._exc_info_to_string(err, test))

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed_ids.add(test.id())

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.skipped_ids[test.id()] = reason

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.failed_ids[test.id()] = "expected failures are not allowed in this suite"

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed_ids[test.id()] = "unexpected success"

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            t = time.monotonic() - self.t0.get(test.id(), time.monotonic())
            self.stream.writeln("      (%.2fs)" % t)


def all_ids(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from all_ids(t)
        else:
            yield t.id()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("-k", dest="patterns", action="append", help="only tests whose id contains this substring")
    ap.add_argument("modules", nargs="*", help="test modules (default: every test_*.py here)")
    opts = ap.parse_args()

    if not Path(harness.BIN).exists():
        print("motcua binary %s not found (build it with 'make build/san/motcua' or set MOTCUA_BIN)" % harness.BIN)
        print("0 passed, 1 failed")
        return 1

    loader = unittest.TestLoader()
    if opts.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in opts.patterns]
    if opts.modules:
        names = [Path(m).stem for m in opts.modules]
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in names)
    else:
        suite = loader.discover(str(HERE), pattern="test_*.py", top_level_dir=str(HERE))
    ids = list(all_ids(suite))

    start = time.monotonic()
    runner = unittest.TextTestRunner(stream=sys.stdout, verbosity=2 if opts.verbose else 1,
                                     resultclass=CountingResult, buffer=False)
    try:
        result = runner.run(suite)
    finally:
        harness.cleanup()
    elapsed = time.monotonic() - start

    passed = failed = 0
    class_failures_shown = set()
    for tid in ids:
        prefix = next((p for p in result.failed_prefixes if tid.startswith(p)), None)
        if tid in result.failed_ids or prefix:
            failed += 1
            if prefix and prefix not in class_failures_shown:
                class_failures_shown.add(prefix)
                print("CLASS FAILED: %s (all its tests count as failed)" % prefix[:-1])
            print("FAIL: %s" % tid)
        elif tid in result.passed_ids:
            passed += 1
        elif tid in result.skipped_ids:
            print("SKIP: %s (%s)" % (tid, result.skipped_ids[tid]))
        else:
            failed += 1
            print("FAIL: %s (did not run)" % tid)
    print("api suite: %d tests in %.1f s on %s" % (len(ids), elapsed, "PostgreSQL" if harness.PG_URL else "SQLite"))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
