#!/usr/bin/env python3
"""search_1m.py — the name-search benchmark of bench/run_dossier (issue 9 item 10): many dossier rows, fast, then
GET /api/v1/dossiers?q=... timed client-side.

  search_1m.py gen DB FROM TO add the generated dossiers FROM..TO-1 to DB (a SQLite file or a postgres:// URL made
                              by `motcua demo` on which one dossier was received through the API: that row is the
                              template), so that 0 100000 then 100000 1000000 grows one database
  search_1m.py queries        print the fixed list of queries (one a line)
  search_1m.py time URL COOKIE [PASSES]
                              run every query PASSES times (default 2; the first pass warms the caches and is
                              not counted) against URL (http://127.0.0.1:PORT) with the session cookie; print
                              "p50_ms p99_ms n" over the counted requests

The rows are written straight into the `dossiers` projection (not through HTTP nor events: 1M intakes through
the API would take hours on this machine), in big transactions, with the same derived columns that the dossier
apply computes: name_fold = folded applicant name, search = folded "code name id_number phone" (the folding of
core/utf8.c: NFKD, marks stripped, case folded, đ -> d). The search index is the real one of migration 7: on
SQLite the FTS5 trigram table filled by the migration's insert trigger, on PostgreSQL the pg_trgm GIN index
(dropped during the bulk COPY and created again with the migration's own statement, which is how one loads a
large table). Only `dossiers` rows are made (no steps, papers, events): the benchmark database is not a ledger
to rebuild, it is a search load. Every row belongs to the template's unit (the commune of the desk officer who
searches), so every match is in scope and counted: the worst case for one commune.

Names follow the frequency of Vietnamese surnames (Nguyễn about 38%, Trần 11%, Lê 9.5%, ...), with common middle
and given names; identity numbers are valid 12-digit numbers (province 001..096, century/sex digit, year, 6
digits), phones valid mobiles. Deterministic (seeded), so the query list hits known rows."""
import random
import subprocess
import sys
import time
import unicodedata

SURNAMES = [("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 71), ("Hoàng", 51), ("Huỳnh", 40), ("Phan", 45),
            ("Vũ", 39), ("Võ", 30), ("Đặng", 21), ("Bùi", 20), ("Đỗ", 14), ("Hồ", 13), ("Ngô", 13), ("Dương", 10),
            ("Lý", 5), ("Đinh", 8), ("Trương", 8), ("Lương", 5), ("H'Niê", 3), ("Ksor", 3), ("Y Bhin", 2)]
MIDDLES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Xuân", "Thu", "Hoài", "Công", "Bảo", "Gia"]
GIVENS = ["An", "Anh", "Bình", "Châu", "Cường", "Dũng", "Duy", "Đức", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa",
          "Hòa", "Hùng", "Hương", "Huy", "Khánh", "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân",
          "Nhung", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Thủy", "Tiến", "Trang", "Trung",
          "Tú", "Tuấn", "Uyên", "Việt", "Vinh", "Vy", "Xuân", "Yến", "Đào"]
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DAY_MS = 86400000


def fold(s):
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).casefold()
    return s.replace("đ", "d")


def ulid(ms, rnd):
    v = (ms << 80) | rnd
    return "".join(CROCKFORD[(v >> (5 * (25 - i))) & 31] for i in range(26))


def people(n, seed=9):
    """The n applicants (name, id_number, phone), deterministic."""
    r = random.Random(seed)
    names = [s for s, _ in SURNAMES]
    weights = [w for _, w in SURNAMES]
    for i in range(n):
        name = "%s %s %s" % (r.choices(names, weights)[0], r.choice(MIDDLES), r.choice(GIVENS))
        idn = "%03d%d%02d%06d" % (r.randint(1, 96), r.randint(0, 3), r.randint(0, 99), r.randint(0, 999999))
        phone = "0%s%07d" % (r.choice(["32", "33", "35", "37", "38", "39", "86", "90", "91", "94", "96", "97", "98"]),
                             r.randint(0, 9999999))
        yield name, idn, phone


# ---- generation ----

def template_sqlite(db):
    import sqlite3
    c = sqlite3.connect(db)
    cur = c.execute("SELECT * FROM dossiers ORDER BY rowid LIMIT 1")
    cols = [d[0] for d in cur.description]
    return c, cols, list(cur.fetchone())


def template_pg(url):
    out = subprocess.run(["psql", "-X", "-q", url, "-c",
                          "\\copy (SELECT * FROM dossiers ORDER BY created_at LIMIT 1) TO STDOUT"],
                         check=True, capture_output=True, text=True).stdout
    head = subprocess.run(["psql", "-X", "-At", url, "-c",
                           "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns "
                           "WHERE table_name = 'dossiers' AND table_schema = current_schema()"],
                          check=True, capture_output=True, text=True).stdout.strip()
    cols = head.split(",")
    vals = [None if v == "\\N" else v.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")
            for v in out.rstrip("\n").split("\t")]
    assert len(vals) == len(cols), (len(vals), len(cols))
    return cols, vals


def rows(cols, tpl, lo, n):
    ix = {c: i for i, c in enumerate(cols)}
    code = tpl[ix["code"]]
    agency = code.split("-")[0]
    base_ms = int(tpl[ix["received_at"]]) - 1000 * DAY_MS      # about 1000 days back, 1000 dossiers a day
    r = random.Random(1)
    statuses = [2, 4, 4, 9, 10, 10, 10, 5, 3, 7]
    for i, (name, idn, phone) in enumerate(people(n)):
        rnd = r.getrandbits(80)
        if i < lo:
            continue
        day, seq = divmod(i, 1000)
        at = base_ms + day * DAY_MS + seq * 30000
        t = time.gmtime((at + 7 * 3600000) // 1000)
        c = "%s-%02d%02d%02d-%04d" % (agency, t.tm_year % 100, t.tm_mon, t.tm_mday, seq + 1)
        v = list(tpl)
        v[ix["id"]] = ulid(at, rnd)
        v[ix["code"]] = c
        v[ix["applicant_name"]] = name
        v[ix["name_fold"]] = fold(name)
        v[ix["id_number"]] = idn
        v[ix["phone"]] = phone
        v[ix["search"]] = fold("%s %s %s %s" % (c, name, idn, phone))
        v[ix["status"]] = statuses[i % len(statuses)]
        for k in ("received_at", "created_at", "updated_at", "accepted_at", "step_started_at"):
            if v[ix[k]] is not None:
                v[ix[k]] = at
        if v[ix["due_at"]] is not None:
            v[ix["due_at"]] = at + 7 * DAY_MS
        yield v


def copy_escape(x):
    """One value in PostgreSQL's COPY text format."""
    if x is None:
        return "\\N"
    return str(x).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def gen(db, lo, n):
    t0 = time.time()
    if db.startswith("postgres"):
        cols, tpl = template_pg(db)
        subprocess.run(["psql", "-X", "-q", db, "-c", "DROP INDEX dossiers_search_trgm"], check=True)
        p = subprocess.Popen(["psql", "-X", "-q", db, "-c", "\\copy dossiers (%s) FROM STDIN" % ",".join(cols)],
                             stdin=subprocess.PIPE, text=True)
        buf = []
        for v in rows(cols, tpl, lo, n):
            buf.append("\t".join(copy_escape(x) for x in v))
            if len(buf) >= 10000:
                p.stdin.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            p.stdin.write("\n".join(buf) + "\n")
        p.stdin.close()
        if p.wait() != 0:
            sys.exit("search_1m: COPY failed")
        t1 = time.time()
        # migration 7's own statement (src/db/migrate.c, pg_sql of version 7)
        subprocess.run(["psql", "-X", "-q", db, "-c", "SET maintenance_work_mem = '512MB'", "-c",
                        "CREATE INDEX dossiers_search_trgm ON dossiers USING gin (search gin_trgm_ops)",
                        "-c", "ANALYZE dossiers"], check=True)
        print("search_1m: %d rows copied in %.0f s, trigram index built in %.0f s" % (n - lo, t1 - t0, time.time() - t1))
    else:
        c, cols, tpl = template_sqlite(db)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA cache_size=-262144")
        sql = "INSERT INTO dossiers (%s) VALUES (%s)" % (",".join(cols), ",".join("?" * len(cols)))
        batch = []
        for v in rows(cols, tpl, lo, n):
            batch.append(v)
            if len(batch) >= 50000:
                with c:
                    c.executemany(sql, batch)
                batch = []
        if batch:
            with c:
                c.executemany(sql, batch)
        c.execute("ANALYZE")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        print("search_1m: %d rows inserted (FTS5 trigram index kept by the migration's trigger) in %.0f s"
              % (n - lo, time.time() - t0))


# ---- queries ----

def queries():
    """About 200 queries: surnames with and without marks, given names, full names, partial identity numbers and
    phones, codes; taken from the generated people so that the specific ones match."""
    q = ["Nguyễn", "nguyen", "Trần", "tran", "Lê", "Phạm", "pham", "Hoàng", "Huỳnh", "Võ", "Đặng", "dang", "Bùi",
         "Ngô", "Dương", "H'Niê", "Ksor"]
    q += GIVENS[:30]
    q += [fold(g) for g in GIVENS[30:]]
    pp = list(people(2000))
    r = random.Random(5)
    for name, idn, phone in r.sample(pp, 53):
        q.append(name)                                   # a full name, with marks
    for name, idn, phone in r.sample(pp, 20):
        q.append(fold(" ".join(name.split()[1:])))        # middle + given, no marks
    for name, idn, phone in r.sample(pp, 25):
        q.append(idn[-8:])                               # partial identity number
    for name, idn, phone in r.sample(pp, 25):
        q.append(phone[-7:])                             # partial phone
    for name, idn, phone in r.sample(pp, 10):
        q.append(idn)
    return q[:200]


def time_queries(url, cookie, passes=2, prefix="/api/v1/dossiers?q=", qs=None):
    """Also the timing of bench/documents_search.py (its prefix and queries)."""
    import http.client
    import urllib.parse
    host, port = urllib.parse.urlparse(url).hostname, urllib.parse.urlparse(url).port
    conn = http.client.HTTPConnection(host, port, timeout=60)
    qs = qs if qs is not None else queries()
    lat = []
    for p in range(passes):
        for q in qs:
            path = prefix + urllib.parse.quote(q)
            t = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie})
            resp = conn.getresponse()
            body = resp.read()
            dt = (time.perf_counter() - t) * 1000
            if resp.status != 200:
                sys.exit("search_1m: %s -> %d %s" % (path, resp.status, body[:200]))
            if p > 0:
                lat.append(dt)
    lat.sort()
    p50 = lat[len(lat) // 2]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print("%.2f %.2f %d" % (p50, p99, len(lat)))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["gen"] and len(a) == 4:
        gen(a[1], int(a[2]), int(a[3]))
    elif a[:1] == ["queries"]:
        print("\n".join(queries()))
    elif a[:1] == ["time"] and len(a) in (3, 4):
        time_queries(a[1], a[2], int(a[3]) if len(a) == 4 else 2)
    else:
        sys.exit(__doc__)
