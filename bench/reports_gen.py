#!/usr/bin/env python3
"""reports_gen.py — the dashboards' benchmark of bench/run_reports (issue 11 item 8): many realistic dossiers, fast,
then GET /api/v1/reports/{overview,indicators} timed client-side.

  reports_gen.py gen DB N [--sheet full|short] [--no-search-index]
                          add N generated dossiers to DB (a SQLite file or a postgres:// URL made by `motcua demo`
                          on which one dossier was received through the API: that row is the template of the
                          columns no figure reads: plan, address, ...); run `motcua report rebuild` after it
  reports_gen.py grow DB FACTOR
                          multiply the dossiers by FACTOR with copies made in SQL (see grow(): the 10M case is
                          the 1M generation x 10, because 10M rows through Python take hours on this machine)
  reports_gen.py explain DB [--patched]
                          the plans of report.c's sum_range() and children_sum() statements for the timed units
                          (--patched: those of the patch proposed in docs/benchmarks.md)
  reports_gen.py queries DB
                          print the timed requests (one path a line) for DB's demo units and specialists
  reports_gen.py time URL COOKIE DB [PASSES]
                          run every request PASSES times (default 3; the first pass warms the caches and is not
                          counted) against URL with the session cookie; print one line per request kind:
                          "kind p50_ms p99_ms n"

The rows are written straight into the projections the read model reads (dossiers, dossier_steps,
dossier_uploads, dossier_ratings, complaints), in transactions of 20,000 dossiers on SQLite and one COPY per table
on PostgreSQL; report_counts is then filled through the real code by `motcua report rebuild`. Realistic spread:
every demo commune (kind commune or ward), the procedure catalog of the database (the 48 of
data/procedures-commune.csv, weighted: certifications and civil status are most of a commune's work), received
on working days (Monday to Friday) from 2025-07-01 to today between 7:30 and 17:00 Vietnam time, about 75% online
(23% at the desk, 2% by post), due after the procedure's time limit counted in working days (same day: 17:00, or
the next working day after 15:00). Outcomes: about 5% still open (recent ones in progress, some stuck past their
due: overdue), some waiting for a supplement (status 5, paused_at, a request_supplement line); of the ended ones
9/10 resolved (55% early, 37% on time, 8% late; 85% of them delivered, status 10), the rest refused, withdrawn or
stopped (the end instant is the control-sheet line reaching status 3, 7 or 8); 5% had a supplement request (1 in
10 of those two: late under Decision 766), 1% an extension; uploads (digitized) for 80% of online and 30% of desk
dossiers; ratings for 20% of resolved dossiers (93% satisfied); complaints for 0.05%. assignee_id is the commune's
specialist. --sheet full (default) writes a real control sheet (receive or submit + accept, assign, the supplement
and extension lines, approve, deliver, or refuse / withdraw / stop: 4-5 lines a dossier); --sheet short only the
lines the read model reads (supplement, extension, refuse / withdraw / stop), to make 10M rows in less time.
--no-search-index: SQLite drops the FTS5 insert trigger for the load and leaves those rows out of dossier_search
(the trigger is created again after); PostgreSQL drops the trigram index and does not build it again (the
dashboards read neither). Names, identity numbers and ids come from search_1m.py. Deterministic (seeded by N and
the rows already there)."""
import datetime
import json
import os
import random
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from search_1m import DAY_MS, copy_escape, fold, people, template_pg, template_sqlite, ulid  # noqa: E402

HOUR_MS = 3600000
VN_MS = 7 * HOUR_MS
START = datetime.date(2025, 7, 1)
BATCH = 20000

STEP_COLS = ["dossier_id", "n", "action", "step", "from_account", "to_account", "from_unit", "to_unit", "at",
             "step_due_at", "finished_step", "timing", "status_before", "status_after", "note"]
RATING_COLS = ["dossier_id", "unit_id", "satisfied", "comment", "by_account", "rated_at"]
UPLOAD_COLS = ["dossier_id", "paper_id", "upload_id"]
COMPLAINT_COLS = ["id", "dossier_id", "text", "status", "by_account", "filed_at", "answer", "answered_by",
                  "answered_at", "version"]


# ---- the database's units, staff and procedures ----

def is_pg(db):
    return db.startswith("postgres")


def sql_rows(db, sql):
    if is_pg(db):
        out = subprocess.run(["psql", "-X", "-At", "-F", "\t", db, "-c", sql], check=True, capture_output=True,
                             text=True).stdout
        return [ln.split("\t") for ln in out.splitlines() if ln]
    import sqlite3
    c = sqlite3.connect(db)
    r = [[("" if v is None else str(v)) for v in row] for row in c.execute(sql)]
    c.close()
    return r


def communes(db):
    """[(id, path, edi_code, specialist id, desk id, leader id)] of every active commune or ward."""
    rows = sql_rows(db, "SELECT u.id, u.path, COALESCE(u.edi_code, ''), "
                        "COALESCE((SELECT MIN(account_id) FROM roles WHERE unit_id = u.id AND role = 'specialist'), ''), "
                        "COALESCE((SELECT MIN(account_id) FROM roles WHERE unit_id = u.id AND role = 'desk'), ''), "
                        "COALESCE((SELECT MIN(account_id) FROM roles WHERE unit_id = u.id AND role = 'leader'), '') "
                        "FROM units u WHERE u.kind IN ('commune', 'ward') AND u.active = 1 ORDER BY u.path")
    return [tuple(r) for r in rows]


def procedures(db):
    """[(code, name, field, rule, amount, weight)] of the national catalog."""
    rows = sql_rows(db, "SELECT code, record FROM procedures WHERE scope = '' AND active = 1 ORDER BY code")
    out = []
    for code, rec in rows:
        r = json.loads(rec)
        t = r.get("time") or {}
        field = r.get("field", "")
        w = 8 if field == "Chứng thực" else 4 if field == "Hộ tịch" else 1
        out.append((code, r["name"], field, t.get("rule", "days"), int(t.get("amount") or 0), w))
    return out


def admin_and_units(db):
    """(a province id with communes, a commune id of it, that commune's specialist id, a field of the catalog)."""
    cs = communes(db)
    prov = sql_rows(db, "SELECT p.id FROM units p JOIN units c ON c.parent_id = p.id WHERE c.id = '%s'" % cs[0][0])[0][0]
    return prov, cs[0][0], cs[0][3]


# ---- calendar ----

def local_day_ms(d):
    """ms UTC of 00:00 Vietnam time on date d."""
    return (d - datetime.date(1970, 1, 1)).days * DAY_MS - VN_MS


def working_days(until):
    d, out = START, []
    while d <= until:
        if d.weekday() < 5:
            out.append(d)
        d += datetime.timedelta(days=1)
    return out


# ---- generation ----

class Gen:
    def __init__(self, db, n, sheet):
        self.db, self.n, self.sheet = db, n, sheet
        self.cs = communes(db)
        self.procs = procedures(db)
        if not self.cs or not self.procs:
            sys.exit("reports_gen: no commune or no procedure in %s (run motcua demo first)" % db)
        now = time.time()
        self.now_ms = int(now * 1000)
        today = (datetime.datetime.utcfromtimestamp(now) + datetime.timedelta(hours=7)).date()
        self.days = working_days(today + datetime.timedelta(days=200))
        self.nrecv = sum(1 for d in self.days if d <= today)
        self.day_ms = [local_day_ms(d) for d in self.days]
        self.pw = [p[5] for p in self.procs]

    def due_index(self, proc, di, hour):
        rule, amount = proc[3], proc[4]
        if rule == "same_day":
            return di + (1 if hour >= 15 else 0)
        if rule == "hours":
            return di + max(1, (amount + 7) // 8)
        return di + max(1, amount)

    def at(self, di, frac_hours):
        """ms of working day di at 7:30 + frac_hours (capped to the working day's 17:00)."""
        return self.day_ms[di] + int((7.5 + min(frac_hours, 9.5)) * HOUR_MS)

    def dossiers(self, base, r, seq_of):
        """Yields (dossier row dict, steps, rating, upload, complaint) for n dossiers in time order."""
        per_day = self.n / self.nrecv
        made = 0
        for di in range(self.nrecv):
            cnt = int(round(per_day * (di + 1))) - int(round(per_day * di))
            if di == self.nrecv - 1:
                cnt = self.n - made
            for k in range(cnt):
                hours = 9.5 * (k + r.random()) / max(cnt, 1)
                recv = self.at(di, hours)
                if recv > self.now_ms:
                    recv = self.now_ms - r.randint(1000, 600000)
                yield self.one(r, di, recv, hours, base + made, seq_of)
                made += 1

    def one(self, r, di, recv, hours, idx, seq_of):
        c = self.cs[r.randrange(len(self.cs))]
        cid, cpath, edi, spec, desk, leader = c
        proc = r.choices(self.procs, self.pw)[0]
        ch = r.random()
        channel = 2 if ch < 0.75 else 1 if ch < 0.98 else 3
        dix = self.due_index(proc, di, 7.5 + hours)
        due = self.at(min(dix, len(self.days) - 1), 9.5)
        span = max(due - recv, HOUR_MS)
        did = ulid(recv, r.getrandbits(80))
        day = self.days[di]
        key = (edi, day)
        seq_of[key] = seq_of.get(key, 0) + 1
        code = "%s-%02d%02d%02d-%04d" % (edi or "000.00.00.X00", day.year % 100, day.month, day.day, seq_of[key])
        d = {"id": did, "code": code, "unit_id": cid, "unit_path": cpath, "origin_path": cpath,
             "procedure_code": proc[0], "procedure_name": proc[1], "field": proc[2], "channel": channel,
             "assignee_id": spec or None, "received_by": None if channel == 2 else (desk or None),
             "received_at": recv, "accepted_at": recv, "due_at": due, "original_due_at": due,
             "step_started_at": recv, "step_due_at": due, "paused_at": None, "supplement_count": 0, "extended": 0,
             "resolved_at": None, "timing": None, "delivered_at": None, "delivered_to": None, "reason": None,
             "created_at": recv, "updated_at": recv, "status": 4, "step": 1}
        steps = []
        rating = upload = complaint = None

        def step(action, at, before, after, frm=None, to=None, note=None):
            steps.append([did, len(steps) + 1, action, d["step"], frm, to, cid, cid, at, due, None, None, before,
                          after, note])

        full = self.sheet == "full"
        if full:
            if channel == 2:
                step("submit", recv, 0, 1)
                step("accept", recv + r.randint(60000, 4 * HOUR_MS), 1, 2, desk, desk)
            else:
                step("receive", recv, 0, 2, desk, desk)
        # outcome: recent dossiers are mostly still open, older ones rarely (stuck: overdue)
        age = self.nrecv - 1 - di
        due_wd = dix - di
        p_open = 0.8 if age <= due_wd + 5 else 0.025
        refused_early = r.random() < 0.04
        t_assign = recv + r.randint(HOUR_MS // 2, 6 * HOUR_MS)
        if full and not refused_early:
            step("assign", min(t_assign, self.now_ms), 2, 4, leader, spec)
        supp = r.random() < 0.05
        if supp and not refused_early:
            t_req = recv + int(span * r.uniform(0.1, 0.4))
            if t_req < self.now_ms:
                d["supplement_count"] = 2 if r.random() < 0.1 else 1
                for k in range(d["supplement_count"]):
                    tq = t_req + k * DAY_MS
                    step("request_supplement", min(tq, self.now_ms), 4, 5, spec, None, "Bổ sung giấy tờ — bản sao")
                    if full or k + 1 < d["supplement_count"]:
                        step("resubmit", min(tq + DAY_MS // 2, self.now_ms), 5, 4)
            else:
                supp = False
        open_ = not refused_early and r.random() < p_open
        if open_ and not supp and r.random() < 0.15:
            # waiting for a supplement asked since the receipt
            supp, d["supplement_count"] = True, 1
            step("request_supplement", min(recv + int(span * 0.3), self.now_ms - 1000), 4, 5, spec, None,
                 "Bổ sung giấy tờ — bản sao")
        if open_:
            if supp and r.random() < 0.7:
                # waiting for the supplement: the last request has no resubmit line yet
                if steps[-1][2] == "resubmit":
                    steps.pop()
                d["status"], d["paused_at"] = 5, steps[-1][8]
            else:
                d["status"] = 6 if r.random() < 0.05 else 4
        elif refused_early:
            d["status"] = 3
            d["reason"] = "Hồ sơ không thuộc thẩm quyền"
            step("refuse", min(recv + r.randint(600000, 3 * HOUR_MS), self.now_ms), 1 if channel == 2 else 2, 3, desk)
        else:
            u = r.random()
            if u < 0.937:        # with the 4% refused at intake: 9/10 resolved
                tm = r.random()
                if tm < 0.55:
                    timing, end = "early", recv + int(span * r.uniform(0.05, 0.8))
                elif tm < 0.92:
                    timing, end = "on_time", recv + int(span * r.uniform(0.8, 1.0))
                else:
                    timing, end = "late", due + r.randint(HOUR_MS, 5 * DAY_MS)
                if timing == "late" and r.random() < 0.12:
                    d["extended"] = 1
                    step("extend", min(due - HOUR_MS, self.now_ms), 4, 4, spec, None, "Thư xin lỗi, hẹn lại ngày trả")
                if end >= self.now_ms:
                    d["status"] = 4              # not decided yet: still open
                else:
                    d["resolved_at"], d["timing"] = end, timing
                    d["result"] = "Đã giải quyết"
                    step("approve", end, 4, 9, leader, None)
                    d["status"] = 9
                    if r.random() < 0.85:
                        dl = end + r.randint(HOUR_MS, 2 * DAY_MS)
                        if dl < self.now_ms:
                            d["status"], d["delivered_at"] = 10, dl
                            d["delivered_to"] = "Người nộp hồ sơ"
                            if full:
                                step("deliver", dl, 9, 10, desk)
                    if r.random() < 0.2:
                        ra = (d["delivered_at"] or end) + r.randint(HOUR_MS, 3 * DAY_MS)
                        if ra < self.now_ms:
                            rating = [did, cid, 1 if r.random() < 0.93 else 0, None, None, ra]
            else:
                kind = r.random()
                end = min(recv + int(span * r.uniform(0.1, 0.9)), self.now_ms - 1000)
                if kind < 0.5:
                    d["status"], act = 7, "withdraw"
                    d["reason"] = "Người nộp rút hồ sơ"
                else:
                    d["status"], act = 8, "stop"
                    d["reason"] = "Dừng giải quyết theo quy định"
                step(act, end, 4, d["status"], spec)
        if r.random() < (0.8 if channel == 2 else 0.3):
            upload = [did, "don-de-nghi", ulid(recv, r.getrandbits(80))]
        if r.random() < 0.0005:
            fa = min(recv + DAY_MS, self.now_ms - 1000)
            complaint = [ulid(fa, r.getrandbits(80)), did, "Phản ánh chậm trả kết quả", "open", None, fa, None, None,
                         None, 1]
        d["step"] = 3 if d["status"] in (9, 10) else 1
        d["updated_at"] = max([recv] + [s[8] for s in steps])
        return d, steps, rating, upload, complaint


_folded = {}


def row_of(cols, tpl, ix, d, people_it):
    name, idn, phone = next(people_it)
    nf = _folded.get(name)
    if nf is None:
        nf = _folded[name] = fold(name)
    v = list(tpl)
    for k, x in d.items():
        if k in ix:
            v[ix[k]] = x
    v[ix["applicant_name"]] = name
    v[ix["name_fold"]] = nf
    v[ix["id_number"]] = idn
    v[ix["phone"]] = phone
    v[ix["search"]] = "%s %s %s %s" % (d["code"].lower(), nf, idn, phone)     # the code is ASCII
    for k in ("version",):
        if k in ix:
            v[ix[k]] = 1 + (d["status"] != 2)
    return v


def existing(db):
    """(dossiers already there, the day sequences already used per (edi code, date))."""
    n = int(sql_rows(db, "SELECT COUNT(*) FROM dossiers")[0][0])
    seq = {}
    for code, mx in sql_rows(db, "SELECT substr(code, 1, length(code) - 5), MAX(code) FROM dossiers GROUP BY 1"):
        edi, ymd = code.rsplit("-", 1)
        seq[(edi, datetime.date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:6])))] = int(mx[-4:])
    return n, seq


def gen(db, n, sheet, no_search):
    t0 = time.time()
    g = Gen(db, n, sheet)
    have, seq_of = existing(db)
    r = random.Random(1000003 * have + n)
    pit = iter(people(n, seed=have + 11))
    counts = {"dossiers": 0, "steps": 0, "ratings": 0, "uploads": 0, "complaints": 0}
    stat = {}
    if is_pg(db):
        cols, tpl = template_pg(db)
        if subprocess.run(["psql", "-X", "-q", db, "-c", "DROP INDEX IF EXISTS dossiers_search_trgm"]).returncode:
            sys.exit("reports_gen: cannot drop the trigram index")
        procs = {}
        for t, tc in (("dossiers", cols), ("dossier_steps", STEP_COLS), ("dossier_ratings", RATING_COLS),
                      ("dossier_uploads", UPLOAD_COLS), ("complaints", COMPLAINT_COLS)):
            procs[t] = subprocess.Popen(["psql", "-X", "-q", db, "-c", "\\copy %s (%s) FROM STDIN" % (t, ",".join(tc))],
                                        stdin=subprocess.PIPE, text=True)
        bufs = {t: [] for t in procs}

        def put(t, v):
            bufs[t].append("\t".join(copy_escape(x) for x in v))
            if len(bufs[t]) >= 10000:
                procs[t].stdin.write("\n".join(bufs[t]) + "\n")
                bufs[t] = []
    else:
        import sqlite3
        c, cols, tpl = template_sqlite(db)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA cache_size=-524288")
        trig = None
        if no_search:
            trig = c.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'dossiers_search_ins'").fetchone()
            c.execute("DROP TRIGGER IF EXISTS dossiers_search_ins")
        sqls = {"dossiers": (cols, []), "dossier_steps": (STEP_COLS, []), "dossier_ratings": (RATING_COLS, []),
                "dossier_uploads": (UPLOAD_COLS, []), "complaints": (COMPLAINT_COLS, [])}

        def flush():
            with c:
                for t, (tc, b) in sqls.items():
                    if b:
                        c.executemany("INSERT INTO %s (%s) VALUES (%s)" % (t, ",".join(tc), ",".join("?" * len(tc))), b)
                        b.clear()

        def put(t, v):
            sqls[t][1].append(v)
    ix = {k: i for i, k in enumerate(cols)}
    for d, steps, rating, upload, complaint in g.dossiers(have, r, seq_of):
        put("dossiers", row_of(cols, tpl, ix, d, pit))
        counts["dossiers"] += 1
        stat[d["status"]] = stat.get(d["status"], 0) + 1
        for s in steps:
            put("dossier_steps", s)
        counts["steps"] += len(steps)
        for t, v, k in (("dossier_ratings", rating, "ratings"), ("dossier_uploads", upload, "uploads"),
                        ("complaints", complaint, "complaints")):
            if v:
                put(t, v)
                counts[k] += 1
        if not is_pg(db) and counts["dossiers"] % BATCH == 0:
            flush()
    if is_pg(db):
        for t, p in procs.items():
            if bufs[t]:
                p.stdin.write("\n".join(bufs[t]) + "\n")
            p.stdin.close()
        if any(p.wait() for p in procs.values()):
            sys.exit("reports_gen: COPY failed")
        t1 = time.time()
        if not no_search:
            subprocess.run(["psql", "-X", "-q", db, "-c", "SET maintenance_work_mem = '512MB'", "-c",
                            "CREATE INDEX dossiers_search_trgm ON dossiers USING gin (search gin_trgm_ops)"], check=True)
        subprocess.run(["psql", "-X", "-q", db, "-c", "ANALYZE"], check=True)
        how = "COPY %.0f s, %s %.0f s" % (t1 - t0, "ANALYZE" if no_search else "trigram index + ANALYZE", time.time() - t1)
    else:
        flush()
        if trig:
            c.execute(trig[0])
        # no ANALYZE: motcua never runs it, so a served SQLite database has no sqlite_stat1 (bench/run_reports
        # times both ways)
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        how = "%.0f s%s" % (time.time() - t0, ", FTS5 trigger dropped during the load" if no_search else
                            " (FTS5 trigram index kept by the migration's trigger)")
    total = counts["dossiers"]
    print("reports_gen: %d dossiers, %d steps, %d uploads, %d ratings, %d complaints (sheet %s) in %s; status %s"
          % (total, counts["steps"], counts["uploads"], counts["ratings"], counts["complaints"], sheet, how,
             " ".join("%d:%.1f%%" % (k, 100.0 * v / total) for k, v in sorted(stat.items()))))


# ---- growing by copies (the 10M case) ----

CROCK = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def grow(db, factor):
    """Make the database's dossiers factor times as many: factor - 1 copies of every dossier and of its steps,
    uploads, rating and complaints, in SQL (no Python per row). Copy k keeps every column but the keys: the id's
    11th character (the first random one of the ULID) is moved k places in the Crockford alphabet (same instant,
    another id), the code gets k before its 4-digit day sequence. So a copy is received, handled and ended exactly
    like its original, in the same commune, procedure and days: the figures are multiplied by factor, the number
    of report_counts rows hardly changes (it is bounded by units x dimensions x days x metrics)."""
    t0 = time.time()
    pg = is_pg(db)
    pos = "strpos" if pg else "instr"

    def idmap(x, k):
        return ("substr(%s, 1, 10) || substr('%s', ((%s('%s', substr(%s, 11, 1)) - 1 + %s) %% 32) + 1, 1) || "
                "substr(%s, 12)" % (x, CROCK, pos, CROCK, x, k, x))
    cols = [c for c in (template_pg(db)[0] if pg else template_sqlite(db)[1])]
    tables = [("dossiers", cols), ("dossier_steps", STEP_COLS), ("dossier_ratings", RATING_COLS),
              ("dossier_uploads", UPLOAD_COLS), ("complaints", COMPLAINT_COLS)]
    keys = {"id": 1, "dossier_id": 1, "upload_id": 1}
    newcode = ("left(code, length(code) - 4) || %s || right(code, 4)" if pg else
               "substr(code, 1, length(code) - 4) || %s || substr(code, -4)")

    def expr(t, c, k):
        if c in keys:
            return idmap(c, k)
        if t == "dossiers" and c == "code":
            return newcode % k
        if t == "dossiers" and c == "search":
            return "replace(search, lower(code), lower(%s))" % (newcode % k)
        return c
    if pg:
        stmts = ["DROP INDEX IF EXISTS dossiers_search_trgm", "SET work_mem = '256MB'"]
        for t, tc in tables:
            # one statement per table: the SELECT sees the rows before the statement only
            stmts.append("INSERT INTO %s (%s) SELECT %s FROM %s, generate_series(1, %d) AS g(k)"
                         % (t, ",".join(tc), ",".join(expr(t, c, "g.k") for c in tc), t, factor - 1))
        stmts.append("ANALYZE")
        args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", db]
        for x in stmts:
            args += ["-c", x]
        subprocess.run(args, check=True)
    else:
        import sqlite3
        c = sqlite3.connect(db)
        c.execute("PRAGMA journal_mode=WAL")
        c.execute("PRAGMA synchronous=NORMAL")
        c.execute("PRAGMA cache_size=-524288")
        c.execute("PRAGMA temp_store=FILE")
        trig = c.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'dossiers_search_ins'").fetchone()
        c.execute("DROP TRIGGER IF EXISTS dossiers_search_ins")
        top = {t: c.execute("SELECT MAX(rowid) FROM %s" % t).fetchone()[0] or 0 for t, _ in tables}
        for k in range(1, factor):
            with c:
                for t, tc in tables:
                    c.execute("INSERT INTO %s (%s) SELECT %s FROM %s WHERE rowid <= %d"
                              % (t, ",".join(tc), ",".join(expr(t, x, k) for x in tc), t, top[t]))
            print("reports_gen grow: copy %d/%d done at %.0f s" % (k, factor - 1, time.time() - t0), flush=True)
        if trig:
            c.execute(trig[0])
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
    n = sql_rows(db, "SELECT COUNT(*) FROM dossiers")[0][0]
    print("reports_gen grow: x%d -> %s dossiers in %.0f s (%s)" % (factor, n, time.time() - t0,
          "trigram index dropped" if pg else "the copies are not in the FTS5 index dossier_search"))


# ---- plans of report.c's two statements ----

def range_split(a, b):
    """report.c range_split(): (m1, m2, d1, d2, d3, d4) for [a, b] (yyyymmdd; a = 0: from the beginning)."""
    def nxt(ymd):
        d = datetime.date(ymd // 10000, ymd // 100 % 100, ymd % 100) + datetime.timedelta(days=1)
        return d.year * 10000 + d.month * 100 + d.day
    ma, mb = a // 100, b // 100
    a_first = a % 100 == 1 or a == 0
    b_last = nxt(b) // 100 != mb
    m1 = ma if a_first else ma + (89 if ma % 100 == 12 else 1)
    m2 = mb if b_last else mb - (89 if mb % 100 == 1 else 1)
    d = [-1, -1, -1, -1]
    if ma == mb and not (a_first and b_last):
        return (1, 0, a, b, -1, -1)
    if not a_first:
        d[0], d[1] = a, ma * 100 + 31
    if not b_last:
        d[2], d[3] = mb * 100 + 1, b
    return (m1, m2, d[0], d[1], d[2], d[3])


RANGE_COND = ("((r.kind = 1 AND r.bucket BETWEEN %d AND %d) OR (r.kind = 0 AND r.bucket BETWEEN %d AND %d) "
              "OR (r.kind = 0 AND r.bucket BETWEEN %d AND %d))")


def branch_sql(sel, group, path, rs):
    """The statement of the proposed report.c patch (docs/benchmarks.md "Dashboards"): one UNION ALL branch per
    range, units as the outer loop."""
    parts = []
    for kind, lo, hi in ((1, rs[0], rs[1]), (0, rs[2], rs[3]), (0, rs[4], rs[5])):
        parts.append("SELECT %s, SUM(r.n) FROM units u CROSS JOIN report_counts r WHERE u.path LIKE '%s%%' AND "
                     "r.unit_id = u.id AND r.dim = '' AND r.kind = %d AND r.bucket BETWEEN %d AND %d GROUP BY %s"
                     % (sel, path, kind, lo, hi, group))
    return " UNION ALL ".join(parts)


def explain(db, patched=False):
    """The plans of sum_range() (a commune, its one-year period) and children_sum() (the province, same period),
    the statements of src/domain/report.c with the values of a request: SQLite EXPLAIN QUERY PLAN and the time of
    one run; PostgreSQL EXPLAIN ANALYZE of the prepared statement after 6 runs (the plan the server's prepared
    statements settle on)."""
    prov, commune, _ = admin_and_units(db)
    ppath = sql_rows(db, "SELECT path FROM units WHERE id = '%s'" % prov)[0][0]
    cpath = sql_rows(db, "SELECT path FROM units WHERE id = '%s'" % commune)[0][0]
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()
    frm = today - datetime.timedelta(days=364)
    a = frm.year * 10000 + frm.month * 100 + frm.day
    b = today.year * 10000 + today.month * 100 + today.day
    before = frm - datetime.timedelta(days=1)
    stmts = []
    for label, (x, y) in (("in [%d, %d]" % (a, b), (a, b)),
                          ("before [0, %d]" % (before.year * 10000 + before.month * 100 + before.day),
                           (0, before.year * 10000 + before.month * 100 + before.day))):
        rs = range_split(x, y)
        if patched:
            stmts.append(("patched sum_range %s, commune" % label, branch_sql("r.metric", "r.metric", cpath, rs)))
            stmts.append(("patched children_sum %s, province" % label,
                          branch_sql("u.path, r.metric", "u.path, r.metric", ppath, rs)))
            continue
        stmts.append(("sum_range %s, commune" % label,
                      "SELECT r.metric, SUM(r.n) FROM report_counts r WHERE r.unit_id IN "
                      "(SELECT id FROM units WHERE path LIKE '%s%%') AND r.dim = '' AND %s GROUP BY r.metric"
                      % (cpath, RANGE_COND % rs)))
        stmts.append(("children_sum %s, province" % label,
                      "SELECT u.path, r.metric, SUM(r.n) FROM report_counts r JOIN units u ON u.id = r.unit_id "
                      "WHERE u.path LIKE '%s%%' AND r.dim = '' AND %s GROUP BY u.path, r.metric"
                      % (ppath, RANGE_COND % rs)))
    for label, q in stmts:
        print("-- %s\n%s" % (label, q))
        if is_pg(db):
            args = ["psql", "-X", "-q", db, "-c", "PREPARE q AS " + q, "-c", "\\o /dev/null"]
            args += ["-c", "EXECUTE q"] * 6
            args += ["-c", "\\o", "-c", "EXPLAIN (ANALYZE, BUFFERS) EXECUTE q"]
            out = subprocess.run(args, capture_output=True, text=True)
            print(out.stdout.rstrip() or out.stderr)
        else:
            import sqlite3
            c = sqlite3.connect(db)
            for row in c.execute("EXPLAIN QUERY PLAN " + q):
                print("  " + row[3])
            t = time.perf_counter()
            n = len(c.execute(q).fetchall())
            print("  (%d rows, %.1f ms)" % (n, (time.perf_counter() - t) * 1000))
            c.close()


# ---- timing ----

def queries(db):
    """[(kind, path)]: the province overview (this month, a one-year period), the commune dashboard (default period,
    one year, field=, officer=)."""
    prov, commune, spec = admin_and_units(db)
    fields = [p[2] for p in sorted(procedures(db), key=lambda p: -p[5])]
    today = (datetime.datetime.utcnow() + datetime.timedelta(hours=7)).date()
    year = "from=%s&to=%s" % ((today - datetime.timedelta(days=364)).isoformat(), today.isoformat())
    f = urllib.parse.quote(fields[0])
    return [("overview", "/api/v1/reports/overview?unit=%s" % prov),
            ("overview_year", "/api/v1/reports/overview?unit=%s&%s" % (prov, year)),
            ("indicators", "/api/v1/reports/indicators?unit=%s" % commune),
            ("indicators_year", "/api/v1/reports/indicators?unit=%s&%s" % (commune, year)),
            ("indicators_field", "/api/v1/reports/indicators?unit=%s&field=%s&%s" % (commune, f, year)),
            ("indicators_officer", "/api/v1/reports/indicators?unit=%s&officer=%s&%s" % (commune, spec, year))]


def time_queries(url, cookie, db, passes=3, reps=30):
    import http.client
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
    qs = queries(db)
    lat = {k: [] for k, _ in qs}
    for p in range(passes):
        for k, path in qs:
            for _ in range(reps):
                t = time.perf_counter()
                conn.request("GET", path, headers={"Cookie": cookie})
                resp = conn.getresponse()
                body = resp.read()
                dt = (time.perf_counter() - t) * 1000
                if resp.status != 200:
                    sys.exit("reports_gen: %s -> %d %s" % (path, resp.status, body[:300]))
                if p > 0:
                    lat[k].append(dt)
    for k, path in qs:
        v = sorted(lat[k])
        print("%s %.2f %.2f %d %s" % (k, v[len(v) // 2], v[min(len(v) - 1, int(len(v) * 0.99))], len(v), path))


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[:1] == ["gen"] and len(a) >= 3:
        sheet = "full"
        if "--sheet" in a:
            sheet = a[a.index("--sheet") + 1]
        gen(a[1], int(a[2]), sheet, "--no-search-index" in a)
    elif a[:1] == ["grow"] and len(a) == 3:
        grow(a[1], int(a[2]))
    elif a[:1] == ["explain"] and len(a) in (2, 3):
        explain(a[1], a[2:] == ["--patched"])
    elif a[:1] == ["queries"] and len(a) == 2:
        for k, p in queries(a[1]):
            print(k, p)
    elif a[:1] == ["time"] and len(a) in (4, 5):
        time_queries(a[1], a[2], a[3], int(a[4]) if len(a) == 5 else 3)
    else:
        sys.exit(__doc__)
