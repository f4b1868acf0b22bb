#!/usr/bin/env python3
"""dossier_codes.py — concurrent dossier intakes through one URL (two `motcua serve` processes behind haproxy on
one database), then checks that the dossier codes are unique and gap-free per agency and day.

Used by tests/integration/test_two_processes.sh. The codes are read from the database (dossiers.code, the
dossier_counters row), not from the answers alone, so a code handed out twice or skipped by the two processes is
found either way. Prints "PASS name" / "FAIL name: detail" lines (the caller counts them) and "info" lines.
"""
import argparse
import re
import threading
import urllib.parse

from hammer import Client, Db, check

CODE_RE = re.compile(r"^(.+)-(\d{6})-(\d{4,})$")
BODY = {"procedure": "2.000806", "channel": "desk",
        "applicant": {"kind": "person", "name": "Lò Văn Sinh", "id_number": "068095001234", "phone": "0912345678",
                      "address": "Thôn 2, xã Cư Jút"},
        "papers": [{"paper": "don-de-nghi", "copies": 1, "form": "original"}]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--per-client", type=int, default=20)
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    db = Db(a.sqlite, a.pg_url)
    clients = []
    for _ in range(a.clients):              # sign in one by one: Argon2 runs are capped per core
        c = Client(u.hostname, u.port)
        c.sign_in("cujut.desk", "demo")
        clients.append(c)
    answers, lock = [], threading.Lock()

    def run(c):
        for _ in range(a.per_client):
            st, _, js, raw = c.request("POST", "/api/v1/dossiers", BODY)
            with lock:
                answers.append((st, js.get("code") if st == 201 and js else raw[:200]))

    threads = [threading.Thread(target=run, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.close()
    n = a.clients * a.per_client
    bad = [x for x in answers if x[0] != 201]
    check("dossiers: %d concurrent intakes all 201" % n, not bad, repr(bad[:3]))
    codes = [x[1] for x in answers if x[0] == 201]
    check("dossiers: %d distinct codes in the answers" % n, len(set(codes)) == n, "%d distinct" % len(set(codes)))
    rows = db.rows("SELECT code FROM dossiers")
    by_day = {}
    for (code,) in rows:
        m = CODE_RE.match(code)
        by_day.setdefault((m.group(1), m.group(2)), []).append(int(m.group(3)))
    gaps = {k: v for k, v in by_day.items() if sorted(v) != list(range(1, len(v) + 1))}
    check("dossiers: %d rows, codes 1..N per agency and day without gap or repeat" % len(rows),
          len(rows) == n and not gaps, repr(list(gaps.items())[:2]))
    counters = db.rows("SELECT agency, day, seq FROM dossier_counters")
    ok = all(int(seq) == len(by_day.get((ag, day), [])) for ag, day, seq in counters) and len(counters) == len(by_day)
    check("dossiers: the day counters equal the number of codes", ok, repr(counters))
    events = int(db.one("SELECT COUNT(*) FROM events WHERE type = 'dossier.received'")[0])
    check("dossiers: one dossier.received event per dossier", events == n, "%d events" % events)
    print("info dossiers: %s" % ", ".join("%s-%s: %d" % (k[0], k[1], len(v)) for k, v in by_day.items()))


if __name__ == "__main__":
    main()
