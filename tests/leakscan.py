#!/usr/bin/env python3
"""leakscan.py LOG — LeakSanitizer reports in a Criterion run, sorted into ours and not ours.

Criterion runs each test in a child process and judges it by its assertions, so a leak in a test (a LeakSanitizer
report from the child) would not fail anything by itself; and the runner process of libcriterion itself sometimes
leaves one allocation of its own at exit. This reads the run's output: a leak report whose allocation stack passes
through motcua's code (src/ or tests/) is a failure, printed in full; a report with no such frame (wholly inside a
third-party library) is only counted. Prints "leakscan: N passed, N failed" (1 failed per leak of ours, 1 passed
when there is none); exits 1 when a leak of ours was found."""
import re
import sys


def main(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    blocks = re.findall(r"^((?:Direct|Indirect) leak of .*?)(?=^\s*$)", text, flags=re.M | re.S)
    ours = [b for b in blocks if re.search(r"\s(?:/\S*)?(?:src|tests)/\S+\.c:\d+", b)]
    for b in ours:
        print("LEAK in motcua code:\n" + b)
    print("leakscan: %d leak report(s), %d in motcua code, %d only in third-party libraries"
          % (len(blocks), len(ours), len(blocks) - len(ours)))
    print("leakscan: %d passed, %d failed" % (0 if ours else 1, len(ours)))
    return 1 if ours else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
