#!/usr/bin/env python3
"""documents_search.py — the document search benchmark (issue 12 item 9: full-text search p50 < 50 ms at 100,000
documents), run by bench/run_docsearch.

  documents_search.py gen DB N     add N generated documents to the registers of Cư Jút in DB (a SQLite file or a
                                   postgres:// URL made by `motcua demo`)
  documents_search.py time URL COOKIE [PASSES]
                                   run the query list PASSES times (default 2; the first pass warms the caches and
                                   is not counted) as GET /api/v1/documents?q=...; print "p50_ms p99_ms n"

Rows go straight into the `documents` projection with the derived columns the apply computes (search = the folded
"symbol summary agency recipients signer", the folding of core/utf8.c), half outgoing and half incoming, numbered
per register and year, over 2025 and 2026. The index is the real one of migration 17: SQLite's FTS5 trigram table
filled by its insert trigger, PostgreSQL's pg_trgm GIN index (dropped for the COPY and created again with the
migration's statement). Deterministic (seeded)."""
import random
import subprocess
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import search_1m  # noqa: E402  (one folding, one id shape, one timing loop for the benchmarks)
from search_1m import copy_escape, fold, ulid  # noqa: E402

TOPICS = ["phòng chống thiên tai", "cải cách hành chính", "chuyển đổi số", "giải phóng mặt bằng", "an toàn giao thông",
          "phòng cháy chữa cháy", "tiêm chủng mở rộng", "xây dựng nông thôn mới", "quản lý đất đai", "thu ngân sách",
          "bảo hiểm y tế", "bầu cử đại biểu", "tuyển quân", "phổ cập giáo dục", "vệ sinh an toàn thực phẩm",
          "khuyến nông", "bảo vệ rừng", "dịch tả lợn châu Phi", "chỉnh trang đô thị", "hộ nghèo"]
KINDS = [("ke-hoach", "KH", "Kế hoạch"), ("bao-cao", "BC", "Báo cáo"), ("quyet-dinh", "QĐ", "Quyết định"),
         ("thong-bao", "TB", "Thông báo"), ("cong-van", None, "Công văn"), ("giay-moi", "GM", "Giấy mời")]
AGENCIES = ["Sở Nội vụ tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng", "Sở Tài chính", "Sở Nông nghiệp và Môi trường",
            "Công an tỉnh", "Ban Chỉ huy Quân sự", "Sở Y tế", "Sở Giáo dục và Đào tạo", "Kho bạc Nhà nước"]
SIGNERS = ["Nguyễn Văn Hùng", "Trần Thị Mai", "Lê Quốc Việt", "Phạm Minh Châu", "Đặng Thu Hà"]
COLS = ["id", "direction", "unit_id", "unit_path", "year", "number", "symbol", "type_code", "department_id", "agency",
        "recipients", "dated", "arrival_date", "summary", "urgency", "confidentiality", "signer", "deadline", "status",
        "lead_unit_id", "lead_account_id", "dedupe_key", "registered_by", "search", "created_at", "updated_at",
        "version"]


def unit_sqlite(db):
    import sqlite3
    c = sqlite3.connect(db)
    return c, c.execute("SELECT id, path FROM units WHERE slug = 'cujut'").fetchone()


def unit_pg(url):
    out = subprocess.run(["psql", "-X", "-At", "-F", "\t", url, "-c", "SELECT id, path FROM units WHERE slug = 'cujut'"],
                         check=True, capture_output=True, text=True).stdout.strip()
    return tuple(out.split("\t"))


def rows(unit, n):
    uid, path = unit
    r = random.Random(12)
    numbers = {}
    base = 1735689600000                     # 2025-01-01 00:00 UTC
    for i in range(n):
        at = base + i * (730 * 86400000 // max(n, 1))
        year = time.gmtime((at + 7 * 3600000) // 1000).tm_year
        direction = "out" if i % 2 == 0 else "in"
        code, abbr, tname = KINDS[r.randrange(len(KINDS))]
        topic = TOPICS[r.randrange(len(TOPICS))]
        key = (direction, year)
        numbers[key] = numbers.get(key, 0) + 1
        num = numbers[key]
        dated = time.strftime("%Y-%m-%d", time.gmtime((at + 7 * 3600000) // 1000))
        summary = "%s về %s năm %d, đợt %d" % (tname, topic, year, r.randrange(1, 13))
        signer = SIGNERS[r.randrange(len(SIGNERS))]
        if direction == "out":
            symbol = "%02d/%s-UBND" % (num, abbr) if abbr else "%02d/UBND-VP" % num
            agency, recipients, arrival, dedupe = None, "Các thôn; Lưu VT", None, None
        else:
            agency = AGENCIES[r.randrange(len(AGENCIES))]
            symbol = "%d/%s-%s" % (r.randrange(1, 3000), abbr or "CV", "SNV")
            recipients, arrival = None, dated
            dedupe = fold("%s|%s|%s|%d" % (agency, symbol, dated, i))
        search = " ".join(fold(x) for x in (symbol, summary, agency, recipients, signer) if x)
        yield [ulid(at, r.getrandbits(80)), direction, uid, path, year, num, symbol, code, None, agency, recipients,
               dated, arrival, summary, "normal", "normal", signer, None, "issued" if direction == "out" else "registered",
               None, None, dedupe, None, search, at, at, 1]


def gen(db, n):
    t0 = time.time()
    if db.startswith("postgres"):
        unit = unit_pg(db)
        subprocess.run(["psql", "-X", "-q", db, "-c", "DROP INDEX documents_search_trgm"], check=True)
        p = subprocess.Popen(["psql", "-X", "-q", db, "-c", "\\copy documents (%s) FROM STDIN" % ",".join(COLS)],
                             stdin=subprocess.PIPE, text=True)
        for v in rows(unit, n):
            p.stdin.write("\t".join(copy_escape(x) for x in v) + "\n")
        p.stdin.close()
        if p.wait() != 0:
            sys.exit("documents_search: COPY failed")
        t1 = time.time()
        # migration 17's own statement (src/db/migrate.c)
        subprocess.run(["psql", "-X", "-q", db, "-c", "SET maintenance_work_mem = '512MB'", "-c",
                        "CREATE INDEX documents_search_trgm ON documents USING gin (search gin_trgm_ops)",
                        "-c", "ANALYZE documents"], check=True)
        print("documents_search: %d rows copied in %.0f s, trigram index built in %.0f s" % (n, t1 - t0, time.time() - t1))
    else:
        c, unit = unit_sqlite(db)
        c.execute("PRAGMA journal_mode=WAL")
        sql = "INSERT INTO documents (%s) VALUES (%s)" % (",".join(COLS), ",".join("?" * len(COLS)))
        batch = []
        for v in rows(unit, n):
            batch.append(v)
            if len(batch) >= 20000:
                with c:
                    c.executemany(sql, batch)
                batch = []
        if batch:
            with c:
                c.executemany(sql, batch)
        c.execute("ANALYZE")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        print("documents_search: %d rows inserted (FTS5 trigram index kept by the trigger) in %.0f s" % (n, time.time() - t0))


def queries():
    q = []
    for t in TOPICS:
        q += [t, fold(t), t.split()[-1] + " " + t.split()[0]]
    q += [a for a in AGENCIES] + [fold(s) for s in SIGNERS] + ["kế hoạch", "bao cao", "quyết định", "giấy mời"]
    q += ["%02d/KH-UBND" % i for i in range(1, 30, 3)] + ["2025", "2026", "dot 7", "nam 2026"]
    return q


def time_queries(url, cookie, passes=2):
    search_1m.time_queries(url, cookie, passes, "/api/v1/documents?q=", queries())

if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "gen":
        gen(a[1], int(a[2]))
    elif len(a) in (3, 4) and a[0] == "time":
        time_queries(a[1], a[2], int(a[3]) if len(a) == 4 else 2)
    else:
        sys.exit(__doc__)
