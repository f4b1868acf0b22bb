/* bare_intake.c — the reference of the intake benchmark (bench/run_dossier): the rows that one HTTP intake
 * writes, inserted with the SQLite API directly, with motcua's durability (WAL, synchronous=FULL) and batching
 * (BEGIN IMMEDIATE ... COMMIT around 64 intakes, each in its own SAVEPOINT as motcua's writer thread does).
 *
 * Usage: bare_intake DB N. DB is a database made by `motcua demo` on which exactly one dossier was received
 * through POST /api/v1/dossiers: that dossier, its control-sheet line, its paper and its dossier.received event
 * are the template. Per intake this writes what the API intake wrote (counted on such a database): one dossiers
 * row (and through the FTS5 trigger of migration 7 its dossier_search row), one dossier_steps row, one
 * dossier_papers row, the dossier_counters upsert, and the ledger append — ledger_head taken with UPDATE ...
 * RETURNING, the event row with its SHA-256 chain hash over the canonical bytes (the same ledger_canonical and
 * sha256 as motcua, so `motcua verify` accepts the result), the new head hash. The event payload is the
 * template's with the new dossier id in place of the old (same length). Each dossier gets a fresh id, code, name,
 * identity number and phone (so its search text differs). What it does not do — and what the server's figure
 * therefore also pays for — is HTTP, JSON parsing, validation, the reads of the procedure, unit, calendar and
 * counter, the payload's construction and the apply from it.
 * Prints "bare_intake: N dossiers in S s: R dossiers/s". Without arguments it says how it is run and exits 0
 * (bench/run runs every build/bench/ program). */
#include "core/buf.h"
#include "core/clock.h"
#include "core/rand.h"
#include "core/sha256.h"
#include "domain/ledger.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 64

static sqlite3 *db;

static void die(const char *what)
{
    fprintf(stderr, "bare_intake: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static sqlite3_stmt *prep(const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) die(sql);
    return s;
}

static void run(sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) die(what);
    sqlite3_reset(s);
}

static void exec(const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) die(sql);
}

/* One template row of TABLE (the columns and their values), read once. */
typedef struct {
    int            n;
    char          *names[80];
    sqlite3_value *vals[80];
    sqlite3_stmt  *insert;
} row_t;

static void load_row(row_t *r, const char *table, const char *where)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT * FROM %s WHERE %s", table, where);
    sqlite3_stmt *s = prep(sql);
    if (sqlite3_step(s) != SQLITE_ROW) die(sql);
    r->n = sqlite3_column_count(s);
    buf_t ins, vals;
    buf_init(&ins, 0);
    buf_init(&vals, 0);
    buf_printf(&ins, "INSERT INTO %s (", table);
    for (int i = 0; i < r->n; i++) {
        r->names[i] = strdup(sqlite3_column_name(s, i));
        r->vals[i] = sqlite3_value_dup(sqlite3_column_value(s, i));
        buf_printf(&ins, "%s%s", i ? ", " : "", r->names[i]);
        buf_printf(&vals, "%s?%d", i ? ", " : "", i + 1);
    }
    buf_printf(&ins, ") VALUES (%s)", vals.data);
    sqlite3_finalize(s);
    r->insert = prep(ins.data);
    buf_free(&ins);
    buf_free(&vals);
}

static int col(const row_t *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (!strcmp(r->names[i], name)) return i + 1;
    fprintf(stderr, "bare_intake: no column %s\n", name);
    exit(1);
}

/* Binds the template values, then the caller overrides the columns that differ. */
static void bind_template(const row_t *r)
{
    for (int i = 0; i < r->n; i++) sqlite3_bind_value(r->insert, i + 1, r->vals[i]);
}

static const char *surnames[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng"};
static const char *givens[] = {"Văn An", "Thị Bình", "Hữu Cường", "Đức Dũng", "Thị Hà", "Minh Hải", "Thị Hương",
                               "Quốc Khánh", "Ngọc Lan", "Thanh Sơn", "Thị Thảo", "Văn Việt"};
static const char *surnames_fold[] = {"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang"};
static const char *givens_fold[] = {"van an", "thi binh", "huu cuong", "duc dung", "thi ha", "minh hai", "thi huong",
                                    "quoc khanh", "ngoc lan", "thanh son", "thi thao", "van viet"};

int main(int argc, char **argv)
{
    if (argc != 3) {
        printf("bare_intake: the reference of bench/run_dossier (usage: bare_intake DB N); nothing to do alone\n");
        return 0;
    }
    long long total = strtoll(argv[2], NULL, 10);
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) die("open");
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");

    row_t dos, step, paper;
    load_row(&dos, "dossiers", "rowid = (SELECT min(rowid) FROM dossiers)");
    char tid[ID_LEN + 1];
    snprintf(tid, sizeof tid, "%s", (const char *)sqlite3_value_text(dos.vals[col(&dos, "id") - 1]));
    char where[80];
    snprintf(where, sizeof where, "dossier_id = '%s'", tid);
    load_row(&step, "dossier_steps", where);
    load_row(&paper, "dossier_papers", where);
    sqlite3_stmt *ev = prep("SELECT unit_id, actor, type, entity, payload FROM events WHERE type = 'dossier.received'");
    if (sqlite3_step(ev) != SQLITE_ROW) die("template event");
    char *unit = strdup((const char *)sqlite3_column_text(ev, 0));
    char *actor = strdup((const char *)sqlite3_column_text(ev, 1));
    char *type = strdup((const char *)sqlite3_column_text(ev, 2));
    char *payload = strdup((const char *)sqlite3_column_text(ev, 4));
    size_t plen = strlen(payload);
    sqlite3_finalize(ev);
    const char *tcode = (const char *)sqlite3_value_text(dos.vals[col(&dos, "code") - 1]);
    char prefix[64];   /* "<edi>-<yyMMdd>-" */
    snprintf(prefix, sizeof prefix, "%.*s", (int)(strrchr(tcode, '-') - tcode + 1), tcode);

    sqlite3_stmt *head = prep("UPDATE ledger_head SET seq = seq + 1 WHERE is_self = 1 RETURNING node, seq, hash");
    sqlite3_stmt *ins_ev = prep("INSERT INTO events (node, seq, at, unit_id, actor, type, entity, payload, prev_hash, "
                                "hash, province_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
                                "(SELECT u.province_id FROM units u WHERE u.id = ?4))");
    sqlite3_stmt *set_head = prep("UPDATE ledger_head SET hash = ?1 WHERE node = ?2");
    sqlite3_stmt *counter = prep("INSERT INTO dossier_counters (agency, day, seq) VALUES (?1, ?2, ?3) "
                                 "ON CONFLICT (agency, day) DO UPDATE SET seq = excluded.seq");
    sqlite3_stmt *sp = prep("SAVEPOINT j"), *rel = prep("RELEASE j");
    sqlite3_stmt *begin = prep("BEGIN IMMEDIATE"), *commit = prep("COMMIT");
    char agency[64], day[16];
    snprintf(agency, sizeof agency, "%.*s", (int)(strchr(tcode, '-') - tcode), tcode);
    snprintf(day, sizeof day, "%.6s", strchr(tcode, '-') + 1);

    int c_id = col(&dos, "id"), c_code = col(&dos, "code"), c_name = col(&dos, "applicant_name"),
        c_fold = col(&dos, "name_fold"), c_idn = col(&dos, "id_number"), c_phone = col(&dos, "phone"),
        c_search = col(&dos, "search"), c_sdoss = col(&step, "dossier_id"), c_pdoss = col(&paper, "dossier_id");
    buf_t canon;
    buf_init(&canon, 0);
    long long t0 = clock_mono_us();
    for (long long i = 0; i < total; i++) {
        if (i % BATCH == 0) run(begin, "begin");
        run(sp, "savepoint");
        long long seq = 2 + i;   /* the template dossier was 1 */
        char id[ID_LEN + 1], code[128], name[128], fold[128], idn[32], phone[32], search[512];
        id_new(id);
        snprintf(code, sizeof code, "%s%04lld", prefix, seq);
        snprintf(name, sizeof name, "%s %s", surnames[i % 10], givens[(i / 10) % 12]);
        snprintf(fold, sizeof fold, "%s %s", surnames_fold[i % 10], givens_fold[(i / 10) % 12]);
        snprintf(idn, sizeof idn, "%03lld%d85%06lld", i % 96 + 1, (int)(i % 2), i % 1000000);
        snprintf(phone, sizeof phone, "09%08lld", i % 100000000);
        snprintf(search, sizeof search, "%s %s %s %s", code, fold, idn, phone);
        for (char *p = search; *p; p++)
            if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');

        /* the ledger append */
        if (sqlite3_step(head) != SQLITE_ROW) die("ledger_head");
        char node[ID_LEN + 1], prev[SHA256_HEX_LEN + 1], hash[SHA256_HEX_LEN + 1];
        snprintf(node, sizeof node, "%s", (const char *)sqlite3_column_text(head, 0));
        long long eseq = sqlite3_column_int64(head, 1);
        snprintf(prev, sizeof prev, "%s", (const char *)sqlite3_column_text(head, 2));
        sqlite3_reset(head);
        for (char *p = payload; (p = strstr(p, tid)) != NULL; p += ID_LEN) memcpy(p, id, ID_LEN);
        memcpy(tid, id, sizeof tid);
        long long at = clock_now_ms();
        buf_reset(&canon);
        if (ledger_canonical(&canon, node, eseq, at, unit, actor, type, id, payload, plen) < 0) die("canonical");
        sha256_ctx_t *h = sha256_new();
        sha256_update(h, prev, SHA256_HEX_LEN);
        sha256_update(h, canon.data, canon.len);
        unsigned char d[SHA256_LEN];
        sha256_final(h, d);
        hex_encode(d, SHA256_LEN, hash);
        sqlite3_bind_text(ins_ev, 1, node, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins_ev, 2, eseq);
        sqlite3_bind_int64(ins_ev, 3, at);
        sqlite3_bind_text(ins_ev, 4, unit, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 5, actor, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 6, type, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 7, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 8, payload, (int)plen, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 9, prev, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins_ev, 10, hash, -1, SQLITE_STATIC);
        run(ins_ev, "event");
        sqlite3_bind_text(set_head, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(set_head, 2, node, -1, SQLITE_STATIC);
        run(set_head, "head hash");

        /* the projection rows */
        bind_template(&dos);
        sqlite3_bind_text(dos.insert, c_id, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(dos.insert, c_code, code, -1, SQLITE_STATIC);
        sqlite3_bind_text(dos.insert, c_name, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(dos.insert, c_fold, fold, -1, SQLITE_STATIC);
        sqlite3_bind_text(dos.insert, c_idn, idn, -1, SQLITE_STATIC);
        sqlite3_bind_text(dos.insert, c_phone, phone, -1, SQLITE_STATIC);
        sqlite3_bind_text(dos.insert, c_search, search, -1, SQLITE_STATIC);
        run(dos.insert, "dossier");
        bind_template(&step);
        sqlite3_bind_text(step.insert, c_sdoss, id, -1, SQLITE_STATIC);
        run(step.insert, "step");
        bind_template(&paper);
        sqlite3_bind_text(paper.insert, c_pdoss, id, -1, SQLITE_STATIC);
        run(paper.insert, "paper");
        sqlite3_bind_text(counter, 1, agency, -1, SQLITE_STATIC);
        sqlite3_bind_text(counter, 2, day, -1, SQLITE_STATIC);
        sqlite3_bind_int64(counter, 3, seq);
        run(counter, "counter");
        run(rel, "release");
        if (i % BATCH == BATCH - 1 || i == total - 1) run(commit, "commit");
    }
    double s = (double)(clock_mono_us() - t0) / 1e6;
    printf("bare_intake: %lld dossiers in %.2f s: %.0f dossiers/s\n", total, s, (double)total / (s > 0 ? s : 1e-3));
    buf_free(&canon);
    sqlite3_close(db);
    return 0;
}
