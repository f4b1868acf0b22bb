#!/usr/bin/env python3
"""ledger_chain.py — fill a motcua database with one correctly hashed foreign chain of N events (and its
ledger_head row), for measuring `motcua verify` (time, max RSS) on a long ledger. The canonical form is the one in
src/domain/ledger.h; usage: bench/ledger_chain.py DB N, DB a SQLite file or a postgres:// URL made by `motcua init`
first (PostgreSQL: the rows go in through `psql \\copy`)."""
import hashlib
import sqlite3
import subprocess
import sys

db, n = sys.argv[1], int(sys.argv[2])
node = "0000000000BENCHCHAIN0000000"
prev = "0" * 64

if db.startswith(("postgres://", "postgresql://")):
    cols = "node, seq, at, type, entity, payload, prev_hash, hash"
    copy = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db, "-c",
                             "\\copy events (%s) FROM STDIN" % cols], stdin=subprocess.PIPE, text=True)
    for seq in range(1, n + 1):
        payload = '{"i":%d,"note":"benchmark event of the ledger verification"}' % seq
        canon = ('{"v":1,"node":"%s","seq":%d,"at":%d,"unit":null,"actor":null,"type":"bench.event",'
                 '"entity":"bench:1","payload":%s}') % (node, seq, 1000 + seq, payload)
        h = hashlib.sha256((prev + canon).encode()).hexdigest()
        copy.stdin.write("\t".join((node, str(seq), str(1000 + seq), "bench.event", "bench:1", payload, prev, h)) + "\n")
        prev = h
    copy.stdin.close()
    if copy.wait() != 0:
        sys.exit("psql \\copy failed")
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db, "-c",
                    "INSERT INTO ledger_head (node, is_self, seq, hash) VALUES ('%s', 0, %d, '%s')" % (node, n, prev)],
                   check=True)
    sys.exit(0)

con = sqlite3.connect(db)
rows = []
for seq in range(1, n + 1):
    payload = '{"i":%d,"note":"benchmark event of the ledger verification"}' % seq
    canon = ('{"v":1,"node":"%s","seq":%d,"at":%d,"unit":null,"actor":null,"type":"bench.event",'
             '"entity":"bench:1","payload":%s}') % (node, seq, 1000 + seq, payload)
    h = hashlib.sha256((prev + canon).encode()).hexdigest()
    rows.append((node, seq, 1000 + seq, "bench.event", "bench:1", payload, prev, h))
    prev = h
    if len(rows) == 10000 or seq == n:
        con.executemany("INSERT INTO events (node, seq, at, type, entity, payload, prev_hash, hash) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        rows = []
con.execute("INSERT INTO ledger_head (node, is_self, seq, hash) VALUES (?, 0, ?, ?)", (node, n, prev))
con.commit()
