#!/usr/bin/env python3
"""documents_search.py — the document search benchmark (issue 12 item 9: full-text search p50 < 50 ms at 100,000
documents), run by bench/run_docsearch.

  documents_search.py gen DB N     add N generated documents to the registers of Cư Jút in DB (a SQLite file or a
                                   postgres:// URL made by `motcua demo`)
  documents_search.py time URL COOKIE [PASSES [all|attachments]]
                                   run the query list PASSES times (default 2; the first pass warms the caches and
                                   is not counted) as GET /api/v1/documents?q=...; print "p50_ms p99_ms n"; "all"
                                   (default) the register queries and the attachment ones, "attachments" only words
                                   that only the attachments' text holds

Rows go straight into the `documents` projection with the derived columns the apply computes (search = the folded
"symbol summary agency recipients signer", the folding of core/utf8.c), half outgoing and half incoming, numbered
per register and year, over 2025 and 2026. The index is the real one of migration 17: SQLite's FTS5 trigram table
filled by its insert trigger, PostgreSQL's pg_trgm GIN index (dropped for the COPY and created again with the
migration's statement). Each document has one attachment whose text (about ATTACH_CHARS characters, folded, as
document_attachments.search holds what pdftotext read) goes into document_attachments, indexed as migration 18
does. Deterministic (seeded)."""
import os
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


# The text of one attachment per document (issue 12 item 6: what pdftotext gives for a PDF, generated here rather
# than extracted 100,000 times), about ATTACH_CHARS characters of sentences of a plan or a report; RARE words (one
# in ten texts holds one) are the queries only attachments answer.
PHRASES = ["Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015", "Ủy ban nhân dân xã giao",
           "các thôn, buôn tổ chức thực hiện", "kinh phí thực hiện từ nguồn ngân sách xã", "thời gian hoàn thành",
           "báo cáo kết quả về Văn phòng trước ngày", "phối hợp với các ban, ngành, đoàn thể", "tuyên truyền sâu rộng",
           "kiểm tra, giám sát việc thực hiện", "nơi nhận như trên", "chịu trách nhiệm thi hành quyết định này",
           "danh sách kèm theo", "tổng hợp những khó khăn, vướng mắc", "đề xuất giải pháp tháo gỡ",
           "bảo đảm đúng tiến độ và chất lượng", "rà soát, cập nhật số liệu", "hộ gia đình, cá nhân trên địa bàn"]
RARE = ["hồ Thuồng Luồng", "đập Ea Súp", "cầu treo Buôn Trấp", "đồi chè Cầu Đất", "thác Dray Nur", "suối Đắk Mâm",
        "mỏ đá Ea Pô", "nghĩa trang Nam Dong", "chợ phiên Đắk Wil", "trạm bơm Ea T'ling"]
ATTACH_CHARS = 1000
ACOLS = ["id", "document_id", "n", "sha256", "name", "media_type", "size", "source", "added_by", "added_at",
         "text_state", "text_reason", "text_chars", "text_at", "search"]


def attachment(doc_id, at, r):
    parts, n = [], 0
    while n < ATTACH_CHARS:
        p = PHRASES[r.randrange(len(PHRASES))] + " " + TOPICS[r.randrange(len(TOPICS))] + "."
        parts.append(p)
        n += len(p) + 1
    if r.randrange(10) == 0:
        parts.insert(r.randrange(len(parts)), "Công trình " + RARE[r.randrange(len(RARE))] + ".")
    text = fold(" ".join(parts))
    return [ulid(at + 1, r.getrandbits(80)), doc_id, 1, "%064x" % r.getrandbits(256), "van-ban.pdf",
            "application/pdf", 40000 + r.randrange(200000), "upload", None, at + 1, "text", None, len(text), at + 2,
            text]


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
        doc = [ulid(at, r.getrandbits(80)), direction, uid, path, year, num, symbol, code, None, agency, recipients,
               dated, arrival, summary, "normal", "normal", signer, None, "issued" if direction == "out" else "registered",
               None, None, dedupe, None, search, at, at, 1]
        yield doc, attachment(doc[0], at, r)


def gen(db, n):
    t0 = time.time()
    if db.startswith("postgres"):
        unit = unit_pg(db)
        subprocess.run(["psql", "-X", "-q", db, "-c", "DROP INDEX documents_search_trgm", "-c",
                        "DROP INDEX document_attachments_search_trgm"], check=True)
        p = subprocess.Popen(["psql", "-X", "-q", db, "-c", "\\copy documents (%s) FROM STDIN" % ",".join(COLS)],
                             stdin=subprocess.PIPE, text=True)
        atts = open(db_side_file(n), "w")
        for v, a in rows(unit, n):
            p.stdin.write("\t".join(copy_escape(x) for x in v) + "\n")
            atts.write("\t".join(copy_escape(x) for x in a) + "\n")
        p.stdin.close()
        atts.close()
        if p.wait() != 0:
            sys.exit("documents_search: COPY failed")
        subprocess.run(["psql", "-X", "-q", db, "-c", "\\copy document_attachments (%s) FROM '%s'"
                        % (",".join(ACOLS), db_side_file(n))], check=True)
        os.unlink(db_side_file(n))
        t1 = time.time()
        # migrations 17 and 18's own statements (src/db/migrate.c)
        subprocess.run(["psql", "-X", "-q", db, "-c", "SET maintenance_work_mem = '512MB'", "-c",
                        "CREATE INDEX documents_search_trgm ON documents USING gin (search gin_trgm_ops)", "-c",
                        "CREATE INDEX document_attachments_search_trgm ON document_attachments USING gin "
                        "(search gin_trgm_ops)", "-c", "ANALYZE documents", "-c", "ANALYZE document_attachments"],
                       check=True)
        print("documents_search: %d rows and %d attachment texts copied in %.0f s, trigram indexes built in %.0f s"
              % (n, n, t1 - t0, time.time() - t1))
    else:
        c, unit = unit_sqlite(db)
        c.execute("PRAGMA journal_mode=WAL")
        sql = "INSERT INTO documents (%s) VALUES (%s)" % (",".join(COLS), ",".join("?" * len(COLS)))
        asql = "INSERT INTO document_attachments (%s) VALUES (%s)" % (",".join(ACOLS), ",".join("?" * len(ACOLS)))
        batch, abatch = [], []
        for v, a in rows(unit, n):
            batch.append(v)
            abatch.append(a)
            if len(batch) >= 20000:
                with c:
                    c.executemany(sql, batch)
                    c.executemany(asql, abatch)
                batch, abatch = [], []
        if batch:
            with c:
                c.executemany(sql, batch)
                c.executemany(asql, abatch)
        c.execute("ANALYZE")
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()
        print("documents_search: %d rows and %d attachment texts inserted (FTS5 trigram indexes kept by the triggers) in "
              "%.0f s" % (n, n, time.time() - t0))


def queries():
    q = []
    for t in TOPICS:
        q += [t, fold(t), t.split()[-1] + " " + t.split()[0]]
    q += [a for a in AGENCIES] + [fold(s) for s in SIGNERS] + ["kế hoạch", "bao cao", "quyết định", "giấy mời"]
    q += ["%02d/KH-UBND" % i for i in range(1, 30, 3)] + ["2025", "2026", "dot 7", "nam 2026"]
    return q


def attachment_queries():
    """Words only the attachments' text holds: the rare places (one text in 100 each), with and without
    diacritics, and phrases of the body text (in most texts)."""
    q = []
    for w in RARE:
        q += [w, fold(w)]
    q += ["kinh phí thực hiện", "thoi gian hoan thanh", "tháo gỡ", "danh sach kem theo", "giám sát việc"]
    return q


def time_queries(url, cookie, passes=2, which="all"):
    qs = attachment_queries() if which == "attachments" else queries() + attachment_queries()
    search_1m.time_queries(url, cookie, passes, "/api/v1/documents?q=", qs)


def db_side_file(n):
    return "/tmp/motcua-benchdocs-attachments-%d-%d.tsv" % (os.getpid(), n)

if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "gen":
        gen(a[1], int(a[2]))
    elif len(a) in (3, 4, 5) and a[0] == "time":
        time_queries(a[1], a[2], int(a[3]) if len(a) >= 4 else 2, a[4] if len(a) == 5 else "all")
    else:
        sys.exit(__doc__)
