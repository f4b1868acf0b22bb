#!/usr/bin/env python3
"""hammer.py — concurrent writes, racing PATCHes and reads against one motcua URL, then checks of the database.

Used by tests/integration/test_two_processes.sh (two `motcua serve` processes behind haproxy on one database).
Only Python's standard library; the database is read with the sqlite3 module (--sqlite PATH, read-only) or with
psql (--pg-url URL). Prints one line per check, "PASS name" or "FAIL name: detail", and, for information, lines
starting with "info". The caller counts the PASS/FAIL lines. Every loop is bounded; every request has a timeout.
"""
import argparse
import http.client
import json
import re
import sqlite3
import subprocess
import threading
import time
import urllib.parse

TIMEOUT = 60


class Client:
    """One keep-alive connection with its own session (cookie + CSRF token)."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None):
        h = {"Accept": "application/json"}
        if self.cookie:
            h["Cookie"] = self.cookie
        if self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                raw = resp.read()
                status, rh = resp.status, resp.getheaders()
                if resp.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A keep-alive connection closed by the proxy between requests: retry once on a new one, but only
                # for reads, so that a write is never sent twice.
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != "GET":
                    raise
        try:
            js = json.loads(raw) if raw else None
        except ValueError:
            js = None
        return status, dict((k.lower(), v) for k, v in rh), js, raw

    def sign_in(self, username, password):
        st, hd, js, raw = self.request("POST", "/api/v1/session", {"username": username, "password": password})
        if st != 200:
            raise RuntimeError("sign-in failed: %d %r" % (st, raw[:300]))
        m = re.match(r"([^=]+=[^;]+)", hd.get("set-cookie", ""))
        self.cookie = m.group(1)
        self.csrf = js["csrf"]

    def close(self):
        if self.conn:
            self.conn.close()


class Db:
    """Read-only queries on the store under test."""

    def __init__(self, sqlite_path=None, pg_url=None):
        self.sqlite_path, self.pg_url = sqlite_path, pg_url

    def rows(self, sql):
        if self.sqlite_path:
            con = sqlite3.connect("file:%s?mode=ro" % urllib.parse.quote(self.sqlite_path), uri=True, timeout=30)
            try:
                return [tuple(str(v) if v is not None else "" for v in r) for r in con.execute(sql).fetchall()]
            finally:
                con.close()
        cp = subprocess.run(["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", self.pg_url, "-c", sql],
                            capture_output=True, text=True, timeout=60)
        if cp.returncode != 0:
            raise RuntimeError("psql: %s" % cp.stderr)
        return [tuple(line.split("\t")) for line in cp.stdout.splitlines() if line]

    def one(self, sql):
        return self.rows(sql)[0]


results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, detail)), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="http://127.0.0.1:PORT (the proxy)")
    ap.add_argument("--sqlite")
    ap.add_argument("--pg-url")
    ap.add_argument("--label", required=True, help="slug prefix, unique per run (a-z0-9)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--per-client", type=int, default=50)
    ap.add_argument("--racers", type=int, default=8)
    ap.add_argument("--race-rounds", type=int, default=10)
    ap.add_argument("--readers", type=int, default=2)
    a = ap.parse_args()
    u = urllib.parse.urlparse(a.url)
    db = Db(a.sqlite, a.pg_url)

    # Sessions: one per writer, racer and reader (each sign-in may land on either process).
    n_sessions = a.clients + a.racers + a.readers + 1
    clients = [Client(u.hostname, u.port) for _ in range(n_sessions)]
    errors = []

    def sign(c):
        try:
            c.sign_in("admin", "demo")
        except Exception as e:  # noqa: BLE001 - reported as a failed check below
            errors.append(repr(e))

    # One after another: concurrent sign-ins of one username count as concurrent guesses until each has been
    # checked (docs/security.md, section 3), so a burst of them is spaced out by design.
    for c in clients:
        sign(c)
    check("all %d sign-ins through the proxy succeed" % n_sessions, not errors, "; ".join(errors[:3]))
    if errors:
        return
    main_c = clients[0]
    writers = clients[1:1 + a.clients]
    racers = clients[1 + a.clients:1 + a.clients + a.racers]
    readers = clients[1 + a.clients + a.racers:]

    st, _, js, raw = main_c.request("GET", "/api/v1/units?q=cujut&kind=commune&limit=10")
    commune = next((it for it in (js or {}).get("items", []) if it.get("slug") == "cujut"), None)
    check("the demo commune cujut is listed", st == 200 and commune is not None, "%d %r" % (st, raw[:300]))
    if commune is None:
        return
    cid = commune["id"]
    node = db.one("SELECT node FROM ledger_head WHERE is_self = 1")[0]
    units_before = int(db.one("SELECT COUNT(*) FROM units")[0])
    events_before = int(db.one("SELECT COUNT(*) FROM events")[0])

    # The unit the racers PATCH.
    st, _, js, raw = main_c.request("POST", "/api/v1/units", {"parent_id": cid, "kind": "department",
                                                            "name": "Race target", "slug": a.label + "-race"})
    check("create the race target: 201", st == 201, "%d %r" % (st, raw[:300]))
    if st != 201:
        return
    target = js["id"]

    creates = []          # (client, i, status, id or None, body excerpt)
    races = []            # (round, [statuses])
    reads = []            # statuses
    stop_reading = threading.Event()
    lock = threading.Lock()

    def write_loop(ci, c):
        for i in range(a.per_client):
            slug = "%s-%d-%d" % (a.label, ci, i)
            try:
                st, hd, js, raw = c.request("POST", "/api/v1/units", {"parent_id": cid, "kind": "department",
                                                                     "name": "Phòng thử %d.%d" % (ci, i), "slug": slug})
            except Exception as e:  # noqa: BLE001 - recorded as a failed request
                st, hd, js, raw = -1, {}, None, repr(e).encode()
            uid = js.get("id") if st == 201 and js else None
            if st == 201 and hd.get("location") != "/api/v1/units/%s" % uid:
                uid = None
            with lock:
                creates.append((ci, i, slug, st, uid, raw[:300]))

    def read_loop(c):
        n = 0
        while not stop_reading.is_set() and n < 5000:
            n += 1
            path = "/api/v1/units/%s" % cid if n % 2 else "/api/v1/units?under=%s&limit=20" % cid
            try:
                st = c.request("GET", path)[0]
            except Exception:  # noqa: BLE001 - recorded as a failed read
                st = -1
            with lock:
                reads.append(st)

    def race_loop():
        version = 1
        for rnd in range(a.race_rounds):
            barrier = threading.Barrier(a.racers)
            statuses = [None] * a.racers

            def one(k, c):
                try:
                    barrier.wait(TIMEOUT)
                    statuses[k] = c.request("PATCH", "/api/v1/units/%s" % target,
                                            {"name": "Race %d by %d" % (rnd, k)},
                                            {"If-Match": '"%d"' % version})[0]
                except Exception as e:  # noqa: BLE001 - recorded as a failed race
                    statuses[k] = repr(e)

            ts = [threading.Thread(target=one, args=(k, c)) for k, c in enumerate(racers)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(TIMEOUT * 2)
            races.append((rnd, version, statuses))
            version += 1 if statuses.count(200) == 1 else 0
            if statuses.count(200) != 1:
                # Resynchronise on the stored version so that the next rounds still mean something.
                st, _, js, _ = racers[0].request("GET", "/api/v1/units/%s" % target)
                if st == 200:
                    version = js["version"]

    t0 = time.monotonic()
    wts = [threading.Thread(target=write_loop, args=(ci, c)) for ci, c in enumerate(writers)]
    rts = [threading.Thread(target=read_loop, args=(c,)) for c in readers]
    race_t = threading.Thread(target=race_loop)
    for t in wts + rts + [race_t]:
        t.start()
    for t in wts + [race_t]:
        t.join(600)
    stop_reading.set()
    for t in rts:
        t.join(TIMEOUT * 2)
    elapsed = time.monotonic() - t0
    n_posts = a.clients * a.per_client
    print("info %d POSTs, %d PATCHes, %d GETs in %.1f s" % (len(creates), a.racers * a.race_rounds, len(reads),
                                                             elapsed), flush=True)

    # ---- HTTP outcomes ----
    by_status = {}
    for cr in creates:
        by_status[cr[3]] = by_status.get(cr[3], 0) + 1
    bad = [cr for cr in creates if cr[3] != 201 or cr[4] is None]
    check("all %d POST /api/v1/units answered 201 with Location and id" % n_posts,
          len(creates) == n_posts and not bad,
          "statuses %r; first failures: %s" % (by_status, "; ".join(
              "slug %s -> %s %r" % (cr[2], cr[3], cr[5]) for cr in bad[:5])))
    ids = [cr[4] for cr in creates if cr[3] == 201 and cr[4]]
    check("every 201 returned a distinct id", len(set(ids)) == len(ids), "%d ids, %d distinct" % (len(ids), len(set(ids))))
    bad_races = [r for r in races if r[2].count(200) != 1 or r[2].count(412) != a.racers - 1]
    check("each of %d PATCH races (%d racers, same If-Match): exactly one 200, the rest 412" % (a.race_rounds, a.racers),
          len(races) == a.race_rounds and not bad_races,
          "; ".join("round %d If-Match %d -> %r" % r for r in bad_races[:5]))
    n_patched = sum(r[2].count(200) for r in races)
    read_bad = {}
    for s in reads:
        if s != 200:
            read_bad[s] = read_bad.get(s, 0) + 1
    check("all %d concurrent reads answered 200" % len(reads), reads and not read_bad, "non-200: %r" % read_bad)

    # ---- the database ----
    created_rows = db.rows("SELECT u.id, u.slug, u.parent_id, (SELECT COUNT(*) FROM events e WHERE e.entity = "
                           "'unit:' || u.id AND e.type = 'unit.created') FROM units u WHERE u.slug LIKE '%s-%%'"
                           % a.label)
    by_id = {r[0]: r for r in created_rows}
    missing = [i for i in ids if i not in by_id]
    not_one_event = [r for r in created_rows if r[3] != "1"]
    wrong_parent = [r for r in created_rows if r[2] != cid]
    check("every 201 created exactly one unit (under the commune) and one unit.created event",
          not missing and not not_one_event and not wrong_parent and len(created_rows) == len(ids) + 1,
          "missing %r; event counts %r; wrong parent %r; rows %d for %d ids + target" % (
              missing[:3], [(r[0], r[3]) for r in not_one_event[:3]], wrong_parent[:3], len(created_rows), len(ids)))
    units_after = int(db.one("SELECT COUNT(*) FROM units")[0])
    check("units grew by exactly the 201s (+1 race target)", units_after - units_before == len(ids) + 1,
          "before %d after %d, 201s %d" % (units_before, units_after, len(ids)))
    events_after = int(db.one("SELECT COUNT(*) FROM events")[0])
    expected = len(ids) + 1 + n_patched
    check("events grew by exactly creates + successful PATCHes (%d)" % expected, events_after - events_before == expected,
          "before %d after %d" % (events_before, events_after))
    cnt, mn, mx, dist = db.one("SELECT COUNT(*), MIN(seq), MAX(seq), COUNT(DISTINCT seq) FROM events WHERE node = '%s'"
                               % node)
    head = db.one("SELECT seq FROM ledger_head WHERE node = '%s'" % node)[0]
    check("events.seq is exactly 1..N, N = count = ledger_head.seq (no gap, no double)",
          mn == "1" and mx == cnt and dist == cnt and head == cnt,
          "count %s min %s max %s distinct %s head %s" % (cnt, mn, mx, dist, head))
    upd = db.one("SELECT COUNT(*) FROM events WHERE entity = 'unit:%s' AND type = 'unit.updated'" % target)[0]
    ver = db.one("SELECT version FROM units WHERE id = '%s'" % target)[0]
    check("race target: one unit.updated event per 200 and version = 1 + 200s",
          int(upd) == n_patched and int(ver) == 1 + n_patched, "events %s, version %s, 200s %d" % (upd, ver, n_patched))
    for c in clients:
        c.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - any crash is one failed check
        check("hammer ran to the end", False, repr(e))
