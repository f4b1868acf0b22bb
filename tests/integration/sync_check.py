#!/usr/bin/env python3
"""sync_check.py — the load and the database checks of tests/integration/test_sync_faults.sh (a hub on PostgreSQL,
nodes on SQLite, node -> hub replication of issue 13). Standard library only: the node databases are read with the
sqlite3 module (read-only), the hub with psql. Prints "PASS name" / "FAIL name: detail" / "info" lines (lib.sh
count_lines counts them).

  sync_check.py intake --url URL --user NAME --count N [--clients C]
      N dossier intakes (POST /api/v1/dossiers) through C parallel signed-in clients; all must be 201.
  sync_check.py wait --hub-pg URL --node PATH [--timeout S] [--label L]
      until the hub's head of the node's chain equals the node's own head (seq and hash), bounded.
  sync_check.py heads --hub-pg URL --node PATH
      one JSON line {node, node_seq, node_hash, hub_seq, hub_hash}.
  sync_check.py compare --hub-pg URL --node PATH [--node PATH ...]
      after healing: every event of each node's chain is at the hub with the same (seq, hash) and nothing else is
      (0 lost, none extra); the hub's foreign chains are exactly the nodes' chains; no dossier applied twice (row
      counts); the hub's dossier rows (dossiers, dossier_steps, dossier_papers) inside each node's enrolled unit
      equal the node's, column by column; the node is active (not flagged) and nothing was refused.
"""
import argparse
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hammer import Client  # noqa: E402

fails = 0


def check(name, ok, detail=""):
    global fails
    fails += 0 if ok else 1
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, detail)), flush=True)


# ---- reading the two engines ----
def lite(path, sql, args=()):
    con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(path), uri=True, timeout=30)
    try:
        return [tuple(None if v is None else str(v) for v in r) for r in con.execute(sql, args).fetchall()]
    finally:
        con.close()


def unescape_copy(field):
    """A field of COPY ... TO STDOUT (text format): \\N is NULL, backslash escapes otherwise."""
    if field == "\\N":
        return None
    if "\\" not in field:
        return field
    out, i = [], 0
    esc = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}
    while i < len(field):
        c = field[i]
        if c == "\\" and i + 1 < len(field):
            out.append(esc.get(field[i + 1], field[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def pg(url, sql):
    """Rows of a SELECT on the hub, NULL kept apart from '' (COPY text format)."""
    cp = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c",
                         "COPY (%s) TO STDOUT" % sql], capture_output=True, timeout=120)
    if cp.returncode != 0:
        raise RuntimeError("psql: %s" % cp.stderr.decode(errors="replace"))
    text = cp.stdout.decode("utf-8")
    return [tuple(unescape_copy(f) for f in line.split("\t")) for line in text.split("\n") if line != ""]


def q(s):
    return "'" + s.replace("'", "''") + "'"


def node_meta(path):
    m = dict(lite(path, "SELECT key, value FROM meta"))
    return m


def heads(hub, node):
    m = node_meta(node)
    nid = m.get("node_id", "")
    own = lite(node, "SELECT seq, hash FROM ledger_head WHERE is_self = 1")
    h = pg(hub, "SELECT seq, hash FROM ledger_head WHERE node = %s" % q(nid))
    return {"node": nid, "node_seq": int(own[0][0]) if own else -1, "node_hash": own[0][1] if own else "",
            "hub_seq": int(h[0][0]) if h else -1, "hub_hash": h[0][1] if h else ""}


# ---- subcommands ----
BODY = {"procedure": "2.000806", "channel": "desk",
        "applicant": {"kind": "person", "name": "Lò Văn Sinh", "id_number": "068095001234", "phone": "0912345678",
                      "address": "Thôn 2"},
        "papers": [{"paper": "don-de-nghi", "copies": 1, "form": "original"}]}


def intake(a):
    u = urllib.parse.urlparse(a.url)
    clients = []
    for _ in range(a.clients):
        c = Client(u.hostname, u.port)
        c.sign_in(a.user, a.password)
        clients.append(c)
    per = [a.count // a.clients + (1 if i < a.count % a.clients else 0) for i in range(a.clients)]
    bad, lock = [], threading.Lock()

    forwarded = [0]

    def run(c, n):
        for i in range(n):
            try:
                st, _, js, raw = c.request("POST", "/api/v1/dossiers", BODY)
                if st == 201 and a.forward_every and i % a.forward_every == 0:
                    # an action event too: the desk forwards the dossier to the specialist's step
                    st, _, _, raw = c.request("POST", "/api/v1/dossiers/%s/actions" % js["code"],
                                              {"action": "forward", "version": js["version"]})
                    st = 201 if st == 200 else st
                    with lock:
                        forwarded[0] += 1
            except OSError as e:
                st, raw = 0, repr(e).encode()
            if st != 201:
                with lock:
                    bad.append((st, raw[:200]))

    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(c, n)) for c, n in zip(clients, per)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.monotonic() - t0
    for c in clients:
        c.close()
    print("info %s: %d intakes in %.1f s (%.0f/s) by %d clients" % (a.label, a.count, dt, a.count / dt, a.clients))
    check("%s: %d dossier intakes on the node all 201, %d of them forwarded (200)" % (a.label, a.count, forwarded[0]),
          not bad, repr(bad[:3]))


def wait(a):
    t0 = time.monotonic()
    last = None
    while time.monotonic() - t0 < a.timeout:
        try:
            last = heads(a.hub_pg, a.node)
        except (RuntimeError, sqlite3.Error) as e:
            last = {"error": str(e)}
        if last.get("node_seq", -1) >= 0 and last.get("node_seq") == last.get("hub_seq") \
                and last.get("node_hash") == last.get("hub_hash"):
            break
        time.sleep(0.2)
    dt = time.monotonic() - t0
    ok = last and last.get("node_seq") == last.get("hub_seq") and last.get("node_hash") == last.get("hub_hash")
    check("%s: the hub caught up with the node (seq %s) within %.0f s (%.1f s)" %
          (a.label, last.get("node_seq") if last else "?", a.timeout, dt), bool(ok), json.dumps(last))


TABLES = {
    "dossiers": ("SELECT {cols} FROM dossiers d WHERE d.unit_path LIKE {pfx}", "dossiers"),
    "dossier_steps": ("SELECT {cols} FROM dossier_steps s JOIN dossiers d ON d.id = s.dossier_id "
                      "WHERE d.unit_path LIKE {pfx}", "dossier_steps"),
    "dossier_papers": ("SELECT {cols} FROM dossier_papers p JOIN dossiers d ON d.id = p.dossier_id "
                       "WHERE d.unit_path LIKE {pfx}", "dossier_papers"),
}


def compare(a):
    hub = a.hub_pg
    hub_self = pg(hub, "SELECT node FROM ledger_head WHERE is_self = 1")
    hub_self = hub_self[0][0] if hub_self else ""
    node_ids = []
    for path in a.node:
        name = os.path.basename(path)
        m = node_meta(path)
        nid = m.get("node_id", "")
        node_ids.append(nid)
        check("%s: the node is enrolled (role %s, node id %s)" % (name, m.get("role"), nid),
              m.get("role") == "node" and nid != "", repr(m))
        mine = set(lite(path, "SELECT seq, hash FROM events WHERE node = ?", (nid,)))
        theirs_rows = pg(hub, "SELECT seq, hash FROM events WHERE node = %s" % q(nid))
        theirs = set(theirs_rows)
        lost = sorted(mine - theirs, key=lambda r: int(r[0]))
        extra = sorted(theirs - mine, key=lambda r: int(r[0]))
        check("%s: 0 lost: the hub holds all %d events of the node's chain" % (name, len(mine)),
              not lost and len(mine) > 0, "%d missing, first %s" % (len(lost), lost[:3]))
        check("%s: nothing extra: the hub holds no event of the chain the node does not (%d)" % (name, len(extra)),
              not extra, repr(extra[:3]))
        check("%s: one row per (node, seq) at the hub (%d rows, %d distinct)" % (name, len(theirs_rows), len(theirs)),
              len(theirs_rows) == len(theirs))
        h = heads(hub, path)
        check("%s: the hub's checkpoint equals the node's head (%d)" % (name, h["node_seq"]),
              h["node_seq"] == h["hub_seq"] and h["node_hash"] == h["hub_hash"], json.dumps(h))
        st = pg(hub, "SELECT state, COALESCE(flagged_reason, '') FROM sync_nodes WHERE node_id = %s" % q(nid))
        check("%s: the node is active at the hub, not flagged (%s)" % (name, st), st and st[0][0] == "active", repr(st))
        # the dossier projection rows of the node's units, column by column
        unit = m.get("enrolled_unit", "")
        upath = lite(path, "SELECT path FROM units WHERE id = ?", (unit,))
        if not upath:
            check("%s: the enrolled unit %s is in the node's units" % (name, unit), False, "no row")
            continue
        pfx = q(upath[0][0] + "%")
        for table, (sql, tname) in TABLES.items():
            cols = [r[1] for r in lite(path, "PRAGMA table_info(%s)" % tname)]
            alias = {"dossiers": "d", "dossier_steps": "s", "dossier_papers": "p"}[table]
            sel = ", ".join("%s.%s" % (alias, c) for c in cols)
            mine_rows = sorted(lite(path, sql.format(cols=sel, pfx=pfx)), key=repr)
            hub_rows = sorted(pg(hub, sql.format(cols=sel, pfx=pfx)), key=repr)
            same = mine_rows == hub_rows
            detail = ""
            if not same:
                ms, hs = set(mine_rows), set(hub_rows)
                only_n, only_h = sorted(ms - hs, key=repr), sorted(hs - ms, key=repr)
                diff = ""
                if only_n and only_h:
                    diff = "; first differing columns: %s" % [
                        (c, x, y) for c, x, y in zip(cols, only_n[0], only_h[0]) if x != y][:4]
                detail = "node %d rows, hub %d; only on the node %d, only at the hub %d%s" % (
                    len(mine_rows), len(hub_rows), len(only_n), len(only_h), diff)
            check("%s: %s rows of the node's units equal at the hub (%d rows)" % (name, table, len(mine_rows)),
                  same and (table != "dossiers" or len(mine_rows) >= a.min_dossiers), detail or "too few rows")
    foreign = {r[0] for r in pg(hub, "SELECT DISTINCT node FROM events WHERE node <> %s" % q(hub_self))}
    check("the hub's foreign chains are exactly the nodes' chains (%d)" % len(foreign),
          foreign == set(node_ids), "hub %s, nodes %s" % (sorted(foreign), sorted(node_ids)))
    total_n = sum(len(lite(p, "SELECT seq FROM events WHERE node = ?", (i,))) for p, i in zip(a.node, node_ids))
    total_h = int(pg(hub, "SELECT COUNT(*) FROM events WHERE node <> %s" % q(hub_self))[0][0])
    check("the hub holds exactly the union of the nodes' events (%d = %d)" % (total_h, total_n), total_h == total_n)
    try:
        refused = int(pg(hub, "SELECT COUNT(*) FROM sync_refused")[0][0])
        check("no batch was refused as evidence at the hub (%d)" % refused, refused == 0)
    except RuntimeError as e:
        check("sync_refused is readable", False, str(e))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("intake")
    p.add_argument("--url", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", default="demo")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--label", default="intake")
    p.add_argument("--forward-every", type=int, default=0, help="forward one dossier in N right after its intake")
    for name in ("wait", "heads", "compare"):
        p = sub.add_parser(name)
        p.add_argument("--hub-pg", required=True)
        p.add_argument("--node", required=True, action="append" if name == "compare" else "store")
        p.add_argument("--timeout", type=float, default=60)
        p.add_argument("--label", default="sync")
        p.add_argument("--min-dossiers", type=int, default=1)
    a = ap.parse_args()
    if a.cmd == "intake":
        intake(a)
    elif a.cmd == "wait":
        wait(a)
    elif a.cmd == "heads":
        print(json.dumps(heads(a.hub_pg, a.node)))
    else:
        compare(a)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
