#!/usr/bin/env python3
"""ledger_chain.py — fill a motcua SQLite database with one correctly hashed foreign chain of N events (and its
ledger_head row), for measuring `motcua verify` (time, max RSS) on a long ledger. The canonical form is the one in
src/domain/ledger.h; usage: bench/ledger_chain.py DB N (DB made by `motcua init` first)."""
import hashlib
import sqlite3
import sys

db, n = sys.argv[1], int(sys.argv[2])
node = "0000000000BENCHCHAIN0000000"
con = sqlite3.connect(db)
prev = "0" * 64
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
