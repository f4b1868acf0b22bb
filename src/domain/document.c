/* document.c — outgoing and incoming document registers: types, numbering, symbols, events, lists (see
 * document.h and docs/documents.md). */
#include "domain/document.h"
#include "domain/document_attach.h"
#include "domain/dossier.h"
#include "core/buf.h"
#include "core/json.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/calendar.h"
#include "domain/event.h"
#include "domain/account.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- types: Decree 30/2020/NĐ-CP Article 7 (the 29 kinds of administrative document) with the abbreviations
 * of Appendix III section I. Công văn and thư công have none: a công văn's symbol is the issuing unit's and the
 * drafting department's abbreviations (Appendix I). ---- */
static const document_type_t types[] = {
    {"nghi-quyet", "NQ", "Nghị quyết (cá biệt)", "Resolution (individual)"},
    {"quyet-dinh", "QĐ", "Quyết định (cá biệt)", "Decision (individual)"},
    {"chi-thi", "CT", "Chỉ thị", "Directive"},
    {"quy-che", "QC", "Quy chế", "Regulation"},
    {"quy-dinh", "QyĐ", "Quy định", "Rules"},
    {"thong-cao", "TC", "Thông cáo", "Communiqué"},
    {"thong-bao", "TB", "Thông báo", "Notice"},
    {"huong-dan", "HD", "Hướng dẫn", "Guidance"},
    {"chuong-trinh", "CTr", "Chương trình", "Programme"},
    {"ke-hoach", "KH", "Kế hoạch", "Plan"},
    {"phuong-an", "PA", "Phương án", "Option plan"},
    {"de-an", "ĐA", "Đề án", "Scheme"},
    {"du-an", "DA", "Dự án", "Project"},
    {"bao-cao", "BC", "Báo cáo", "Report"},
    {"bien-ban", "BB", "Biên bản", "Minutes"},
    {"to-trinh", "TTr", "Tờ trình", "Submission"},
    {"hop-dong", "HĐ", "Hợp đồng", "Contract"},
    {"cong-van", NULL, "Công văn", "Official letter"},
    {"cong-dien", "CĐ", "Công điện", "Official dispatch"},
    {"ban-ghi-nho", "BGN", "Bản ghi nhớ", "Memorandum of understanding"},
    {"ban-thoa-thuan", "BTT", "Bản thỏa thuận", "Agreement"},
    {"giay-uy-quyen", "GUQ", "Giấy ủy quyền", "Letter of authorisation"},
    {"giay-moi", "GM", "Giấy mời", "Invitation"},
    {"giay-gioi-thieu", "GGT", "Giấy giới thiệu", "Letter of introduction"},
    {"giay-nghi-phep", "GNP", "Giấy nghỉ phép", "Leave permit"},
    {"phieu-gui", "PG", "Phiếu gửi", "Dispatch slip"},
    {"phieu-chuyen", "PC", "Phiếu chuyển", "Transfer slip"},
    {"phieu-bao", "PB", "Phiếu báo", "Notification slip"},
    {"thu-cong", NULL, "Thư công", "Public letter"},
};

const document_type_t *document_types(size_t *n)
{
    *n = sizeof types / sizeof types[0];
    return types;
}

const document_type_t *document_type_find(const char *code)
{
    for (size_t i = 0; code && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(types[i].code, code)) return &types[i];
    return NULL;
}

static const char *const urgencies[] = {"normal", "urgent", "very_urgent", "flash", NULL};
static const char *const secrecies[] = {"normal", "confidential", "secret", "top_secret", NULL};

static bool in_list(const char *s, const char *const *list)
{
    for (int i = 0; s && list[i]; i++)
        if (!strcmp(s, list[i])) return true;
    return false;
}

bool document_urgency_valid(const char *s) { return in_list(s, urgencies); }
bool document_confidentiality_valid(const char *s) { return in_list(s, secrecies); }

int document_symbol_format(long long number, const char *type_abbr, const char *unit_abbr, const char *dept_abbr,
                           char *out, size_t cap)
{
    if (number < 1 || !unit_abbr || !*unit_abbr) return -EINVAL;
    int n;
    if (type_abbr && *type_abbr) n = snprintf(out, cap, "%02lld/%s-%s", number, type_abbr, unit_abbr);
    else if (dept_abbr && *dept_abbr) n = snprintf(out, cap, "%02lld/%s-%s", number, unit_abbr, dept_abbr);
    else return -EINVAL;
    return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

/* ---- rows ---- */

#define COLS "id, direction, unit_id, unit_path, year, number, symbol, type_code, department_id, agency, " \
             "recipients, dated, arrival_date, summary, urgency, confidentiality, signer, deadline, status, " \
             "registered_by, created_at, updated_at, version, lead_unit_id, lead_account_id, " \
             "(SELECT h.coordinators FROM document_handling h WHERE h.document_id = documents.id " \
             "AND h.action = 'assigned' ORDER BY h.n DESC LIMIT 1), " \
             "(SELECT x.dossier_code FROM document_dossiers x WHERE x.document_id = documents.id)"

static void row_to_document(db_stmt_t *s, document_t *d)
{
    memset(d, 0, sizeof *d);
    db_col_copy(s, 0, d->id, sizeof d->id);
    db_col_copy(s, 1, d->direction, sizeof d->direction);
    db_col_copy(s, 2, d->unit_id, sizeof d->unit_id);
    db_col_copy(s, 3, d->unit_path, sizeof d->unit_path);
    d->year = (int)db_col_int(s, 4);
    d->number = db_col_int(s, 5);
    db_col_copy(s, 6, d->symbol, sizeof d->symbol);
    db_col_copy(s, 7, d->type, sizeof d->type);
    db_col_copy(s, 8, d->department_id, sizeof d->department_id);
    db_col_copy(s, 9, d->agency, sizeof d->agency);
    db_col_copy(s, 10, d->recipients, sizeof d->recipients);
    db_col_copy(s, 11, d->dated, sizeof d->dated);
    db_col_copy(s, 12, d->arrival_date, sizeof d->arrival_date);
    db_col_copy(s, 13, d->summary, sizeof d->summary);
    db_col_copy(s, 14, d->urgency, sizeof d->urgency);
    db_col_copy(s, 15, d->confidentiality, sizeof d->confidentiality);
    db_col_copy(s, 16, d->signer, sizeof d->signer);
    db_col_copy(s, 17, d->deadline, sizeof d->deadline);
    db_col_copy(s, 18, d->status, sizeof d->status);
    db_col_copy(s, 19, d->registered_by, sizeof d->registered_by);
    d->created_at = db_col_int(s, 20);
    d->updated_at = db_col_int(s, 21);
    d->version = db_col_int(s, 22);
    db_col_copy(s, 23, d->lead_unit_id, sizeof d->lead_unit_id);
    db_col_copy(s, 24, d->lead_account_id, sizeof d->lead_account_id);
        const char *co = db_col_text(s, 25);
    str_copy(d->coordinators, sizeof d->coordinators, co && (size_t)db_col_len(s, 25) < sizeof d->coordinators ? co : "[]");
    db_col_copy(s, 26, d->dossier_code, sizeof d->dossier_code);
}

int document_get(db_t *db, const char *id, document_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " COLS " FROM documents WHERE id = $1", "t", id);
    if (rc == DB_ROW) row_to_document(s, out);
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

/* ---- scope ---- */

static bool is_reader_role(role_t r) { return r == ROLE_CLERK || r == ROLE_LEADER || r == ROLE_OFFICIAL; }

bool document_reader(const principal_t *who)
{
    for (int i = 0; i < who->ngrants; i++)
        if (is_reader_role(who->grants[i].role)) return true;
    return false;
}

static bool prefix(const char *p, const char *s) { return !strncmp(s, p, strlen(p)); }

/* The lead of an assigned document: the lead person, or staff whose home unit is the lead department. */
static bool is_lead(const principal_t *who, const document_t *d)
{
    if (d->lead_account_id[0] && !strcmp(who->account_id, d->lead_account_id)) return true;
    return d->lead_unit_id[0] && who->unit_id[0] && !strcmp(who->unit_id, d->lead_unit_id);
}

/* The quoted id as it appears in the coordinators array ("\"<id>\""). */
static void quoted_id(const char *id, char out[ID_LEN + 3])
{
    snprintf(out, ID_LEN + 3, "\"%s\"", id);
}

bool document_coordinator(const principal_t *who, const document_t *d)
{
    if (!who->unit_id[0] || !id_valid(who->unit_id)) return false;
    char q[ID_LEN + 3];
    quoted_id(who->unit_id, q);
    return memmem(d->coordinators, strnlen(d->coordinators, sizeof d->coordinators), q, strlen(q)) != NULL;
}

bool document_readable(const principal_t *who, const document_t *d)
{
    for (int i = 0; i < who->ngrants; i++)
        if (is_reader_role(who->grants[i].role) && prefix(who->grants[i].unit_path, d->unit_path)) return true;
    return is_lead(who, d) || document_coordinator(who, d);
}

static bool may_register(const principal_t *who, const char *unit_path)
{
    return auth_role_covers(who, ROLE_CLERK, unit_path) || auth_role_covers(who, ROLE_LEADER, unit_path);
}

bool document_registrar(const principal_t *who, const document_t *d) { return may_register(who, d->unit_path); }

/* ---- events ---- */

/* The folded text searched by ?q=. */
static char *search_text(const json_t *p)
{
    buf_t b;
    buf_init(&b, 0);
    static const char *const keys[] = {"symbol", "summary", "agency", "recipients", "signer"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = event_str(p, keys[i]);
        if (!v) continue;
        char *f = utf8_fold(v, strlen(v));
        if (f) {
            if (b.len) buf_putc(&b, ' ');
            buf_puts(&b, f);
        }
        free(f);
    }
    if (!b.len) buf_puts(&b, "");
    return buf_steal(&b);
}

/* One apply for both registers: the row and the counter, from the payload alone. The counter keeps the highest
 * number applied (a replay in (at, node, seq) order gives the same value); the unique key of documents on
 * (unit, direction, year, number) is what refuses a number taken twice. */
static int apply_registered(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *dir = event_str(p, "direction"), *unit = event_str(p, "unit_id");
    if (!id || !dir || !unit) return -EINVAL;
    long long year = event_int(p, "year"), number = event_int(p, "number");
    char *search = search_text(p);
    long long n = db_run(db,
                         "INSERT INTO documents (id, direction, unit_id, unit_path, year, number, symbol, type_code, "
                         "department_id, agency, recipients, dated, arrival_date, summary, urgency, confidentiality, "
                         "signer, deadline, status, dedupe_key, registered_by, search, created_at, updated_at, version) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, "
                         "$20, $21, $22, $23, $23, 1)",
                         "ttttii" "tttttttttttttttt" "i", id, dir, unit, event_str(p, "unit_path"), year, number,
                         event_str(p, "symbol"), event_str(p, "type"), event_str(p, "department_id"), event_str(p, "agency"),
                         event_str(p, "recipients"), event_str(p, "dated"), event_str(p, "arrival_date"), event_str(p, "summary"),
                         event_str(p, "urgency"), event_str(p, "confidentiality"), event_str(p, "signer"), event_str(p, "deadline"),
                         event_str(p, "status"), event_str(p, "dedupe_key"), ev->actor, search, ev->at);
    free(search);
    if (n < 0) return (int)n;
    n = db_run(db,
               "INSERT INTO document_counters (unit_id, direction, year, last) VALUES ($1, $2, $3, $4) "
               "ON CONFLICT (unit_id, direction, year) DO UPDATE SET last = CASE WHEN document_counters.last < "
               "excluded.last THEN excluded.last ELSE document_counters.last END",
               "ttii", unit, dir, year, number);
    return n < 0 ? (int)n : 0;
}

/* The handling events: one line of document_handling and the document's state after it, from the payload. */
static int apply_handling(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *action = event_str(p, "action"), *status = event_str(p, "status");
    if (!id || !action || !status) return -EINVAL;
    const json_t *co = json_object_get(p, "coordinators");
    char *coj = json_is_array(co) ? json_dumps(co, JSON_COMPACT) : NULL;
    long long n = db_run(db,
                         "INSERT INTO document_handling (document_id, n, action, actor, lead_unit_id, lead_account_id, "
                         "coordinators, deadline, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                         "tittttttti", id, event_int(p, "n"), action, ev->actor, event_str(p, "lead_unit_id"),
                         event_str(p, "lead_account_id"), coj ? coj : "[]", event_str(p, "deadline"), event_str(p, "note"), ev->at);
    free(coj);
    if (n < 0) return (int)n;
    n = db_run(db,
               "UPDATE documents SET status = $2, lead_unit_id = $3, lead_account_id = $4, deadline = $5, "
               "updated_at = $6, version = version + 1 WHERE id = $1",
               "ttttti", id, status, event_str(p, "lead_unit_id"), event_str(p, "lead_account_id"), event_str(p, "deadline"), ev->at);
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

/* document.dossier_started: the row of document_dossiers; the document's version moves on. */
static int apply_dossier_started(db_t *db, const event_meta_t *ev, const json_t *p)
{
    const char *id = event_str(p, "id"), *dossier = event_str(p, "dossier_id"), *code = event_str(p, "dossier_code");
    if (!id || !dossier || !code) return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO document_dossiers (document_id, dossier_id, dossier_code, actor, at) "
                         "VALUES ($1, $2, $3, $4, $5)",
                         "tttti", id, dossier, code, ev->actor, ev->at);
    if (n < 0) return (int)n;
    n = db_run(db, "UPDATE documents SET updated_at = $2, version = version + 1 WHERE id = $1", "ti", id, ev->at);
    return n < 0 ? (int)n : n == 1 ? 0 : -ENOENT;
}

/* The replica guard (replication, domain/sync.c): a node registers documents of its own units only (unit_id and
 * unit_path in its subtree, a department of the subtree, an id the hub does not hold yet, so the unique number
 * and the counter are the unit's own); handling and dossier links touch its own documents only, a lead unit of the
 * subtree and a dossier of the subtree. */
static int document_guard(db_t *db, const event_meta_t *ev, const json_t *p, const char *sub)
{
    static const char *const doc_sql = "SELECT unit_path FROM documents WHERE id = $1";
    const char *id = event_str(p, "id");
    if (!event_entity_is(ev, "document", id)) return 0;
    bool found;
    int rc;
    if (!strcmp(ev->type, DOCUMENT_EVENT_OUTGOING) || !strcmp(ev->type, DOCUMENT_EVENT_INCOMING)) {
        rc = event_unit_path_in(db, event_str(p, "unit_id"), event_str(p, "unit_path"), sub);
        if (rc == 1 && event_str(p, "department_id")) rc = event_unit_in(db, event_str(p, "department_id"), sub);
        if (rc == 1) rc = event_row_in(db, doc_sql, id, true, sub, &found);
        return rc == 1 && found ? 0 : rc;
    }
    rc = event_row_in(db, doc_sql, id, true, sub, &found);
    if (rc == 1 && !found) rc = 0;
    if (rc == 1 && !strcmp(ev->type, DOCUMENT_EVENT_DOSSIER)) {
        rc = event_row_in(db, "SELECT unit_path FROM dossiers WHERE id = $1", event_str(p, "dossier_id"), true, sub,
                          &found);
        if (rc == 1 && !found) rc = 0;
    } else if (rc == 1 && event_str(p, "lead_unit_id"))
        rc = event_unit_in(db, event_str(p, "lead_unit_id"), sub);
    return rc;
}

static const event_kind_t kinds[] = {
    {DOCUMENT_EVENT_OUTGOING, apply_registered},
    {DOCUMENT_EVENT_INCOMING, apply_registered},
    {DOCUMENT_EVENT_ASSIGNED, apply_handling},
    {DOCUMENT_EVENT_PROGRESS, apply_handling},
    {DOCUMENT_EVENT_DONE, apply_handling},
    {DOCUMENT_EVENT_DOSSIER, apply_dossier_started},
    {NULL, NULL},
};
static const event_table_t tables[] = {
    {"document_handling", "document_id, n"},
    {"document_dossiers", "document_id"},
    {"documents", "id"},
    {"document_counters", "unit_id, direction, year"},
    {NULL, NULL},
};
const event_module_t document_events = {"document", kinds, tables, document_guard};

/* ---- validation ---- */

static int text_field(const char *v, const char *field, bool required, size_t max, derr_t *err)
{
    if (!v || !*v) {
        if (!required) return 0;
        return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL);
    }
    size_t n = strlen(v);
    char maxs[16];
    snprintf(maxs, sizeof maxs, "%zu", max);
    if (!utf8_valid(v, n) || utf8_length(v, n) > max)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, field, field, required ? "1" : "0", maxs);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] < 0x20 && v[i] != '\n' && v[i] != '\t')
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, field, field, "control character", NULL);
    return 0;
}

/* "YYYY-MM-DD" exactly -> day number. */
static int parse_date(const char *s, long *day)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -EINVAL;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -EINVAL;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return calendar_day_from_ymd(y, m, d, day) < 0 ? -EINVAL : 0;
}

static void format_day(long day, char out[11], int *year)
{
    int y = 0, m = 0, d = 0;
    calendar_ymd_from_day(day, &y, &m, &d);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    str_copy(out, 11, tmp);
    if (year) *year = y;
}

/* The registering unit: in->unit_id, else who's first clerk grant, else first leader grant. */
static int pick_unit(db_t *db, const principal_t *who, const char *requested, unit_t *u, derr_t *err)
{
    const char *id = requested;
    for (int pass = 0; !id && who && pass < 2; pass++)
        for (int i = 0; !id && i < who->ngrants; i++)
            if (who->grants[i].role == (pass ? ROLE_LEADER : ROLE_CLERK)) id = who->grants[i].unit_id;
    if (!id) return derr_set(err, -EACCES, 403, MSG_DOC_ROLE, "unit", "register", NULL, NULL);
    if (!id_valid(id)) return derr_set(err, -ENOENT, 404, MSG_UNIT_UNKNOWN, "unit", id, NULL, NULL);
    int rc = unit_get(db, id, u);
    if (rc == -ENOENT || (rc == 0 && who && !auth_sees_path(who, u->path)))
        return derr_set(err, -ENOENT, 404, MSG_UNIT_UNKNOWN, "unit", id, NULL, NULL);
    if (rc < 0) return rc;
    if (who && !may_register(who, u->path)) return derr_set(err, -EACCES, 403, MSG_DOC_ROLE, "unit", "register", NULL, NULL);
    if (strcmp(u->kind, "commune") && strcmp(u->kind, "ward") && strcmp(u->kind, "province"))
        return derr_set(err, -EINVAL, 422, MSG_DOC_UNIT_KIND, "unit", u->kind, NULL, NULL);
    if (!u->abbr[0]) return derr_set(err, -EINVAL, 422, MSG_DOC_UNIT_ABBR, "unit", u->name, NULL, NULL);
    return 0;
}

static int check_common(const document_in_t *in, derr_t *err)
{
    int rc;
    if (!in->type || !*in->type) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "type", "type", NULL, NULL);
    if (!document_type_find(in->type))
        return derr_set(err, -EINVAL, 400, MSG_DOC_TYPE_UNKNOWN, "type", strlen(in->type) < 64 ? in->type : "?",
                        NULL, NULL);
    if ((rc = text_field(in->summary, "summary", true, DOCUMENT_SUMMARY_MAX, err)) < 0) return rc;
    if ((rc = text_field(in->signer, "signer", false, DOCUMENT_SIGNER_MAX, err)) < 0) return rc;
    if (in->urgency && !document_urgency_valid(in->urgency))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "urgency", "urgency",
                        "normal | urgent | very_urgent | flash", NULL);
    if (in->confidentiality && !document_confidentiality_valid(in->confidentiality))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "confidentiality", "confidentiality",
                        "normal | confidential | secret | top_secret", NULL);
    if (in->deadline) {
        long day, today = calendar_minutes_from_utc_ms(in->now_ms) / 1440;
        if (parse_date(in->deadline, &day) < 0 || day < today)
            return derr_set(err, -EINVAL, 400, MSG_DOC_DATE, "deadline", "deadline", "not before today", NULL);
    }
    return 0;
}

/* The next number of the unit's register of the year. The no-op UPDATE takes the counter row's lock, so on
 * PostgreSQL (READ COMMITTED) a concurrent registration in the same register waits for this transaction and then
 * reads the committed value: numbers stay gap-free across processes. The first registration of a year has no row:
 * two racing processes both take 1 and the loser's insert of the document collides on the unique key, which
 * the caller turns into a retry (-ECONFLICT). SQLite serialises all writers (BEGIN IMMEDIATE). */
static int next_number(db_t *db, const char *unit_id, const char *dir, int year, long long *number)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "UPDATE document_counters SET last = last WHERE unit_id = $1 AND direction = $2 AND year = $3 "
                      "RETURNING last",
                      "tti", unit_id, dir, (long long)year);
    *number = rc == DB_ROW ? db_col_int(s, 0) + 1 : 1;
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

struct reg {
    const document_t *d;
    const char       *dedupe;
};

static void kv(jw_t *w, const char *k, const char *v) { jw_kstr(w, k, v && *v ? v : NULL); }

static void reg_payload(jw_t *w, const void *arg)
{
    const struct reg *r = arg;
    const document_t *d = r->d;
    jw_obj_begin(w);
    kv(w, "id", d->id);
    kv(w, "direction", d->direction);
    kv(w, "unit_id", d->unit_id);
    kv(w, "unit_path", d->unit_path);
    jw_kint(w, "year", d->year);
    jw_kint(w, "number", d->number);
    kv(w, "symbol", d->symbol);
    kv(w, "type", d->type);
    kv(w, "department_id", d->department_id);
    kv(w, "agency", d->agency);
    kv(w, "recipients", d->recipients);
    kv(w, "dated", d->dated);
    kv(w, "arrival_date", d->arrival_date);
    kv(w, "summary", d->summary);
    kv(w, "urgency", d->urgency);
    kv(w, "confidentiality", d->confidentiality);
    kv(w, "signer", d->signer);
    kv(w, "deadline", d->deadline);
    kv(w, "status", d->status);
    kv(w, "dedupe_key", r->dedupe);
    jw_obj_end(w);
}

static int record(db_t *db, const principal_t *who, document_t *d, const char *dedupe, document_t *out)
{
    struct reg r = {d, dedupe};
    int rc = event_record(db, d->unit_id, who ? who->account_id : NULL,
                          !strcmp(d->direction, "out") ? DOCUMENT_EVENT_OUTGOING : DOCUMENT_EVENT_INCOMING,
                          "document", d->id, reg_payload, &r, NULL);
    if (rc == -EEXIST) return -ECONFLICT;     /* a concurrent first number of the year: the store retries */
    if (rc < 0) return rc;
    return document_get(db, d->id, out);
}

static void fill_common(document_t *d, const document_in_t *in, const unit_t *u, const char *dir)
{
    memset(d, 0, sizeof *d);
    id_new(d->id);
    str_copy(d->direction, sizeof d->direction, dir);
    str_copy(d->unit_id, sizeof d->unit_id, u->id);
    str_copy(d->unit_path, sizeof d->unit_path, u->path);
    str_copy(d->type, sizeof d->type, in->type);
    str_copy(d->summary, sizeof d->summary, in->summary);
    str_copy(d->signer, sizeof d->signer, in->signer ? in->signer : "");
    str_copy(d->urgency, sizeof d->urgency, in->urgency ? in->urgency : "normal");
    str_copy(d->confidentiality, sizeof d->confidentiality, in->confidentiality ? in->confidentiality : "normal");
    str_copy(d->deadline, sizeof d->deadline, in->deadline ? in->deadline : "");
}

int document_register_outgoing(db_t *db, const principal_t *who, const document_in_t *in, document_t *out,
                               derr_t *err)
{
    int rc = check_common(in, err);
    if (rc == 0) rc = text_field(in->recipients, "recipients", true, DOCUMENT_RECIPIENTS_MAX, err);
    if (rc == 0 && in->agency) rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "agency", "agency", NULL, NULL);
    if (rc == 0 && in->symbol) rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "symbol", "symbol", NULL, NULL);
    if (rc == 0 && in->dated) rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "dated", "dated", NULL, NULL);
    if (rc < 0) return rc;
    unit_t *u = xmalloc(sizeof *u), *dep = xmalloc(sizeof *dep);
    document_t *d = xmalloc(sizeof *d);
    const document_type_t *t = document_type_find(in->type);
    if ((rc = pick_unit(db, who, in->unit_id, u, err)) < 0) goto out;
    dep->abbr[0] = '\0';
    if (in->department_id || !t->abbr) {
        if (!in->department_id || !id_valid(in->department_id) || unit_get(db, in->department_id, dep) < 0 ||
            strcmp(dep->kind, "department") || strcmp(dep->parent_id, u->id) || !dep->abbr[0]) {
            rc = derr_set(err, -EINVAL, 422, MSG_DOC_DEPARTMENT, "department", NULL, NULL, NULL);
            goto out;
        }
    }
    fill_common(d, in, u, "out");
    if (in->department_id) str_copy(d->department_id, sizeof d->department_id, dep->id);
    str_copy(d->recipients, sizeof d->recipients, in->recipients);
    str_copy(d->status, sizeof d->status, "issued");
    /* Article 15: numbered in the order of issuance within the year; the issuance date is the registration date. */
    format_day(calendar_minutes_from_utc_ms(in->now_ms) / 1440, d->dated, &d->year);
    if ((rc = next_number(db, u->id, "out", d->year, &d->number)) < 0) goto out;
    if ((rc = document_symbol_format(d->number, t->abbr, u->abbr, dep->abbr, d->symbol, sizeof d->symbol)) < 0) {
        rc = derr_set(err, rc, 422, MSG_DOC_UNIT_ABBR, "unit", u->name, NULL, NULL);
        goto out;
    }
    rc = record(db, who, d, NULL, out);
out:
    free(u);
    free(dep);
    free(d);
    return rc;
}

int document_register_incoming(db_t *db, const principal_t *who, const document_in_t *in, document_t *out,
                               derr_t *err)
{
    int rc = check_common(in, err);
    if (rc == 0) rc = text_field(in->agency, "agency", true, DOCUMENT_AGENCY_MAX, err);
    if (rc == 0) rc = text_field(in->symbol, "symbol", true, DOCUMENT_SYMBOL_MAX, err);
    long dated = 0, today = calendar_minutes_from_utc_ms(in->now_ms) / 1440;
    if (rc == 0 && !in->dated) rc = derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "dated", "dated", NULL, NULL);
    if (rc == 0 && (parse_date(in->dated, &dated) < 0 || dated > today))
        rc = derr_set(err, -EINVAL, 400, MSG_DOC_DATE, "dated", "dated", "not after the arrival date", NULL);
    if (rc == 0 && in->recipients)
        rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "recipients", "recipients", NULL, NULL);
    if (rc == 0 && in->department_id)
        rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "department", "department", NULL, NULL);
    if (rc < 0) return rc;
    unit_t *u = xmalloc(sizeof *u);
    document_t *d = xmalloc(sizeof *d);
    char *key = NULL;
    if ((rc = pick_unit(db, who, in->unit_id, u, err)) < 0) goto out;
    fill_common(d, in, u, "in");
    str_copy(d->agency, sizeof d->agency, in->agency);
    str_copy(d->symbol, sizeof d->symbol, in->symbol);
    str_copy(d->dated, sizeof d->dated, in->dated);
    str_copy(d->status, sizeof d->status, "registered");
    format_day(today, d->arrival_date, &d->year);
    /* The same document: issuing agency, number and symbol, date; folded, so spacing of case and marks agree. */
    {
        buf_t k;
        buf_init(&k, 0);
        char *fa = utf8_fold(in->agency, strlen(in->agency)), *fs = utf8_fold(in->symbol, strlen(in->symbol));
        buf_printf(&k, "%s|%s|%s", fa ? fa : "", fs ? fs : "", in->dated);
        free(fa);
        free(fs);
        key = buf_steal(&k);
    }
    db_stmt_t *s;
    rc = db_query(db, &s, "SELECT number, year FROM documents WHERE unit_id = $1 AND dedupe_key = $2", "tt", u->id,
                  key);
    if (rc == DB_ROW) {
        char num[24], year[16];
        snprintf(num, sizeof num, "%02lld", db_col_int(s, 0));
        snprintf(year, sizeof year, "%lld", db_col_int(s, 1));
        db_reset(s);
        rc = derr_set(err, -EEXIST, 409, MSG_DOC_DUPLICATE, "symbol", num, year, NULL);
        goto out;
    }
    if (s) db_reset(s);
    if (rc < 0) goto out;
    if ((rc = next_number(db, u->id, "in", d->year, &d->number)) < 0) goto out;
    rc = record(db, who, d, key, out);
out:
    free(key);
    free(u);
    free(d);
    return rc;
}

/* ---- handling ---- */

struct handling {
    const document_t           *d;       /* the state after */
    long long                   n;
    const char                 *action;  /* assigned | progress | done */
    const document_action_in_t *in;
    bool                        assign;
};

static void handling_payload(jw_t *w, const void *arg)
{
    const struct handling *h = arg;
    jw_obj_begin(w);
    kv(w, "id", h->d->id);
    jw_kint(w, "n", h->n);
    kv(w, "action", h->action);
    kv(w, "status", h->d->status);
    kv(w, "lead_unit_id", h->d->lead_unit_id);
    kv(w, "lead_account_id", h->d->lead_account_id);
    jw_key(w, "coordinators");
    jw_arr_begin(w);
    for (int i = 0; h->assign && i < h->in->ncoordinators; i++) jw_str(w, h->in->coordinators[i]);
    jw_arr_end(w);
    kv(w, "deadline", h->d->deadline);
    kv(w, "note", h->in->note);
    jw_obj_end(w);
}

/* A department whose parent is the document's unit. */
static bool department_of(db_t *db, const char *id, const document_t *d)
{
    if (!id || !id_valid(id)) return false;
    unit_t *u = xmalloc(sizeof *u);
    bool ok = unit_get(db, id, u) == 0 && !strcmp(u->kind, "department") && !strcmp(u->parent_id, d->unit_id) &&
              u->active;
    free(u);
    return ok;
}

static bool reporter(const principal_t *who, const document_t *d)
{
    return may_register(who, d->unit_path) || is_lead(who, d);   /* clerk or leader covering the unit, or the lead */
}

int document_handle(db_t *db, const principal_t *who, const char *id, const document_action_in_t *in,
                    document_t *out, derr_t *err)
{
    document_t *d = xmalloc(sizeof *d);
    int rc = document_get(db, id, d);
    if (rc == 0 && !document_readable(who, d)) rc = -ENOENT;
    if (rc == -ENOENT) derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) goto out;
    const char *action = in->action ? in->action : "";
    bool assign = !strcmp(action, "assign"), progress = !strcmp(action, "progress"), done = !strcmp(action, "done");
    if (!assign && !progress && !done) {
        rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "action", "action", "assign | progress | done", NULL);
        goto out;
    }
    /* co-ordinating departments add progress notes; assigning is the leaders', done the lead's */
    if (assign ? !auth_role_covers(who, ROLE_LEADER, d->unit_path)
               : !reporter(who, d) && !(progress && document_coordinator(who, d))) {
        rc = derr_set(err, -EACCES, 403, MSG_DOC_HANDLE_ROLE, NULL,
                      assign ? "lãnh đạo đơn vị / the unit's leaders" : "người được giao / the assignees", NULL, NULL);
        goto out;
    }
    if (in->version != d->version) {
        char v[24];
        snprintf(v, sizeof v, "%lld", d->version);
        rc = derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, "version", v, NULL, NULL);
        goto out;
    }
    bool state_ok = !strcmp(d->direction, "in") &&
                    (assign ? strcmp(d->status, "done") != 0
                            : !strcmp(d->status, "assigned") || !strcmp(d->status, "in_progress"));
    if (!state_ok) {
        rc = derr_set(err, -EBUSY, 409, MSG_DOC_STATE, "action", !strcmp(d->direction, "in") ? d->status : "issued",
                      action, NULL);
        goto out;
    }
    if ((rc = text_field(in->note, "note", progress, DOCUMENT_SUMMARY_MAX, err)) < 0) goto out;
    if (assign) {
        if (!!in->lead_unit_id == !!in->lead_account_id) {
            rc = derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "lead_unit", "lead_unit | lead_account", NULL, NULL);
            goto out;
        }
        if (in->lead_unit_id && !department_of(db, in->lead_unit_id, d)) {
            rc = derr_set(err, -EINVAL, 422, MSG_DOC_LEAD, "lead_unit", "lead_unit", NULL, NULL);
            goto out;
        }
        if (in->lead_account_id) {
            account_t *a = xmalloc(sizeof *a);
            bool ok = id_valid(in->lead_account_id) && account_get(db, in->lead_account_id, a) == 0 &&
                      !strcmp(a->kind, "staff") && !a->disabled && prefix(d->unit_path, a->unit_path);
            free(a);
            if (!ok) {
                rc = derr_set(err, -EINVAL, 422, MSG_DOC_LEAD, "lead_account", "lead_account", NULL, NULL);
                goto out;
            }
        }
        for (int i = 0; i < in->ncoordinators; i++) {
            bool dup = in->lead_unit_id && !strcmp(in->coordinators[i], in->lead_unit_id);
            for (int j = 0; j < i; j++) dup = dup || !strcmp(in->coordinators[i], in->coordinators[j]);
            if (dup || !department_of(db, in->coordinators[i], d)) {
                rc = derr_set(err, -EINVAL, 422, MSG_DOC_LEAD, "coordinators", "coordinators", NULL, NULL);
                goto out;
            }
        }
        if (in->deadline) {
            long day, today = calendar_minutes_from_utc_ms(in->now_ms) / 1440;
            if (parse_date(in->deadline, &day) < 0 || day < today) {
                rc = derr_set(err, -EINVAL, 400, MSG_DOC_DATE, "deadline", "deadline", "not before today", NULL);
                goto out;
            }
            str_copy(d->deadline, sizeof d->deadline, in->deadline);
        }
        str_copy(d->lead_unit_id, sizeof d->lead_unit_id, in->lead_unit_id ? in->lead_unit_id : "");
        str_copy(d->lead_account_id, sizeof d->lead_account_id, in->lead_account_id ? in->lead_account_id : "");
        str_copy(d->status, sizeof d->status, "assigned");
    } else str_copy(d->status, sizeof d->status, progress ? "in_progress" : "done");
    db_stmt_t *s;
    long long n = 1;
    rc = db_query(db, &s, "SELECT COALESCE(MAX(n), 0) FROM document_handling WHERE document_id = $1", "t", d->id);
    if (rc == DB_ROW) n = db_col_int(s, 0) + 1;
    if (s) db_reset(s);
    if (rc < 0) goto out;
    struct handling h = {d, n, assign ? "assigned" : progress ? "progress" : "done", in, assign};
    rc = event_record(db, d->unit_id, who->account_id,
                      assign ? DOCUMENT_EVENT_ASSIGNED : progress ? DOCUMENT_EVENT_PROGRESS : DOCUMENT_EVENT_DONE,
                      "document", d->id, handling_payload, &h, NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
    if (rc == 0) rc = document_get(db, d->id, out);
out:
    free(d);
    return rc;
}

/* ---- a document starts a dossier ---- */

int document_dossier_code(db_t *db, const char *document_id, char *code, size_t cap)
{
    db_stmt_t *s;
    if (cap) code[0] = '\0';
    int rc = db_query(db, &s,
                      "SELECT dossier_code FROM document_dossiers WHERE document_id = $1",
                      "t", document_id);
    if (rc == DB_ROW) db_col_copy(s, 0, code, cap);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

int document_of_dossier(db_t *db, const char *dossier_code, char id[ID_LEN + 1], char *symbol, size_t cap)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT d.id, d.symbol FROM document_dossiers x JOIN documents d ON d.id = x.document_id "
                      "WHERE x.dossier_code = $1",
                      "t", dossier_code);
    if (rc == DB_ROW) {
        db_col_copy(s, 0, id, ID_LEN + 1);
        db_col_copy(s, 1, symbol, cap);
    }
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

struct started {
    const document_t *d;
    const dossier_t  *x;
};

static void started_payload(jw_t *w, const void *arg)
{
    const struct started *st = arg;
    jw_obj_begin(w);
    kv(w, "id", st->d->id);
    kv(w, "dossier_id", st->x->id);
    kv(w, "dossier_code", st->x->code);
    kv(w, "procedure", st->x->procedure_code);
    jw_obj_end(w);
}

int document_start_dossier(db_t *db, const principal_t *who, const char *id, dossier_intake_t *in, dossier_t *out,
                           derr_t *err)
{
    document_t *d = xmalloc(sizeof *d);
    char code[DOSSIER_CODE_MAX];
    int rc = document_get(db, id, d);
    /* the unit's desk officers start dossiers from its documents too, without reading its registers */
    bool starts = rc == 0 && (may_register(who, d->unit_path) || auth_role_covers(who, ROLE_DESK, d->unit_path));
    if (rc == 0 && !starts && !document_readable(who, d)) rc = -ENOENT;
    if (rc == -ENOENT) derr_set(err, rc, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    if (rc < 0) goto out;
    if (!starts) {
        rc = derr_set(err, -EACCES, 403, MSG_DOC_DOSSIER_ROLE, NULL, NULL, NULL, NULL);
        goto out;
    }
    if (strcmp(d->direction, "in")) {
        rc = derr_set(err, -EBUSY, 409, MSG_DOC_STATE, "id", "issued", "dossier", NULL);
        goto out;
    }
    if ((rc = document_dossier_code(db, d->id, code, sizeof code)) < 0) goto out;
    if (code[0]) {
        rc = derr_set(err, -EEXIST, 409, MSG_DOC_DOSSIER_EXISTS, "id", code, NULL, NULL);
        goto out;
    }
    in->unit_id = d->unit_id;
    in->channel = "desk";
    in->from_document = true;
    in->idem_key = NULL;
    bool replayed = false;
    if ((rc = dossier_receive(db, who, in, out, &replayed, err)) < 0) goto out;
    struct started st = {d, out};
    rc = event_record(db, d->unit_id, who->account_id, DOCUMENT_EVENT_DOSSIER, "document", d->id, started_payload,
                      &st, NULL);
    if (rc == -EEXIST) rc = -ECONFLICT;
out:
    free(d);
    return rc;
}

/* ---- JSON ---- */

static void json_members(jw_t *w, const document_t *d, lang_t lang)
{
    const document_type_t *t = document_type_find(d->type);
    jw_kstr(w, "id", d->id);
    jw_kstr(w, "direction", d->direction);
    jw_kstr(w, "unit_id", d->unit_id);
    jw_kint(w, "year", d->year);
    jw_kint(w, "number", d->number);
    char num[24];
    snprintf(num, sizeof num, "%02lld", d->number);
    jw_kstr(w, "number_text", num);
    jw_kstr(w, "symbol", d->symbol);
    jw_kstr(w, "type", d->type);
    jw_kstr(w, "type_name", t ? (lang == LANG_EN ? t->name_en : t->name_vi) : d->type);
    kv(w, "department_id", d->department_id);
    kv(w, "agency", d->agency);
    kv(w, "recipients", d->recipients);
    jw_kstr(w, "dated", d->dated);
    kv(w, "arrival_date", d->arrival_date);
    jw_kstr(w, "summary", d->summary);
    jw_kstr(w, "urgency", d->urgency);
    jw_kstr(w, "confidentiality", d->confidentiality);
    kv(w, "signer", d->signer);
    kv(w, "deadline", d->deadline);
    jw_kstr(w, "status", d->status);
    kv(w, "lead_unit_id", d->lead_unit_id);
    kv(w, "lead_account_id", d->lead_account_id);
    jw_key(w, "coordinators");
    jw_raw(w, d->coordinators[0] ? d->coordinators : "[]", d->coordinators[0] ? strlen(d->coordinators) : 2);
    kv(w, "registered_by", d->registered_by);
    if (!strcmp(d->direction, "in")) kv(w, "dossier_code", d->dossier_code);
    jw_kint(w, "created_at", d->created_at);
    jw_kint(w, "version", d->version);
}

void document_json(jw_t *w, const document_t *d, lang_t lang)
{
    jw_obj_begin(w);
    json_members(w, d, lang);
    jw_obj_end(w);
}

int document_json_full(db_t *db, jw_t *w, const document_t *d, lang_t lang)
{
    jw_obj_begin(w);
    json_members(w, d, lang);
    jw_key(w, "handling");
    int rc = document_handling_json(db, w, d->id);
    jw_key(w, "attachments");
    if (rc == 0) rc = document_attachments_json(db, w, d->id);
    jw_obj_end(w);
    return rc;
}

int document_handling_json(db_t *db, jw_t *w, const char *id)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT n, action, actor, lead_unit_id, lead_account_id, coordinators, deadline, note, at "
                      "FROM document_handling WHERE document_id = $1 ORDER BY n",
                      "t", id);
    jw_arr_begin(w);
    while (rc == DB_ROW) {
        jw_obj_begin(w);
        jw_kint(w, "n", db_col_int(s, 0));
        jw_kstr(w, "action", db_col_text(s, 1));
        jw_kstr(w, "actor", db_col_text(s, 2));
        jw_kstr(w, "lead_unit_id", db_col_text(s, 3));
        jw_kstr(w, "lead_account_id", db_col_text(s, 4));
        jw_key(w, "coordinators");
        const char *co = db_col_text(s, 5);
        jw_raw(w, co ? co : "[]", co ? db_col_len(s, 5) : 2);   /* written by apply from a JSON array of ids */
        jw_kstr(w, "deadline", db_col_text(s, 6));
        jw_kstr(w, "note", db_col_text(s, 7));
        jw_kint(w, "at", db_col_int(s, 8));
        jw_obj_end(w);
        rc = db_step(s);
    }
    jw_arr_end(w);
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* ---- list ---- */

/* Attachment texts matching a pattern, counted up to this many through the index: at or past it the needle is
 * "broad" (document_list reads the newest documents in order instead of building the whole set). */
#define DOCUMENT_SEARCH_BROAD 100

static int attachments_broad(db_t *db, const char *pattern)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT COUNT(*) FROM (SELECT 1 FROM document_attachment_search WHERE search LIKE $1 LIMIT "
                      "100) AS t",
                      "t", pattern);
    long long n = rc == DB_ROW ? db_col_int(s, 0) : 0;
    if (s) db_reset(s);
    return rc < 0 ? rc : n >= DOCUMENT_SEARCH_BROAD;
}

int document_list(db_t *db, const principal_t *who, const document_query_t *q, document_cb cb, void *arg)
{
    bool sqlite = !strcmp(db_engine(db), "sqlite");
    buf_t sql;
    buf_init(&sql, 0);
    const char *args[AUTH_MAX_GRANTS + 16];
    char likes[AUTH_MAX_GRANTS][AUTH_PATH_MAX + 2];
    int na = 0;
    buf_printf(&sql, "SELECT " COLS " FROM documents WHERE (");
    for (int i = 0; i < who->ngrants; i++) {
        if (!is_reader_role(who->grants[i].role)) continue;
        snprintf(likes[na], sizeof likes[na], "%s%%", who->grants[i].unit_path);
        args[na] = likes[na];
        na++;
        buf_printf(&sql, "%sunit_path LIKE $%d", na > 1 ? " OR " : "", na);
    }
    /* ... and the documents the caller leads (assigned to them or to their home department) */
    args[na++] = who->account_id;
    buf_printf(&sql, "%slead_account_id = $%d", na > 1 ? " OR " : "", na);
    /* ... and those their home department co-ordinates (the latest assignment's line names it) */
    char co_like[ID_LEN + 8];
#define CO_SQL "id IN (SELECT h.document_id FROM document_handling h WHERE h.action = 'assigned' AND " \
               "h.coordinators LIKE $%d AND h.n = (SELECT MAX(h2.n) FROM document_handling h2 WHERE " \
               "h2.document_id = h.document_id AND h2.action = 'assigned'))"
    int co_arg = 0;
    if (who->unit_id[0] && id_valid(who->unit_id)) {
        args[na++] = who->unit_id;
        buf_printf(&sql, " OR lead_unit_id = $%d", na);
        snprintf(co_like, sizeof co_like, "%%\"%s\"%%", who->unit_id);
        args[na++] = co_like;
        co_arg = na;
        buf_puts(&sql, " OR ");
        buf_printf(&sql, CO_SQL, na);
    }
    buf_puts(&sql, ")");
    if (q->view != DOCUMENT_VIEW_ALL || q->due != DOCUMENT_DUE_ANY)
        buf_puts(&sql, " AND direction = 'in' AND status IN ('assigned', 'in_progress')");
    if (q->view == DOCUMENT_VIEW_LEAD) {
        args[na++] = who->account_id;
        buf_printf(&sql, " AND (lead_account_id = $%d", na);
        if (co_arg) buf_printf(&sql, " OR lead_unit_id = $%d", co_arg - 1);
        buf_puts(&sql, ")");
    } else if (q->view == DOCUMENT_VIEW_COORDINATING) {
        if (!co_arg) buf_puts(&sql, " AND 1 = 0");   /* no home department: co-ordinates nothing */
        else {
            buf_puts(&sql, " AND ");
            buf_printf(&sql, CO_SQL, co_arg);
        }
    }
    char today[11], until[11];
    int y_unused;
    long day = calendar_minutes_from_utc_ms(q->now_ms) / 1440;
    format_day(day, today, &y_unused);
    format_day(day + (q->due_days > 0 ? q->due_days : 0), until, &y_unused);
    if (q->due == DOCUMENT_DUE_SOON) {
        args[na++] = today;
        args[na++] = until;
        buf_printf(&sql, " AND deadline IS NOT NULL AND deadline >= $%d AND deadline <= $%d", na - 1, na);
    } else if (q->due == DOCUMENT_DUE_OVERDUE) {
        args[na++] = today;
        buf_printf(&sql, " AND deadline IS NOT NULL AND deadline < $%d", na);
    }
    char under[AUTH_PATH_MAX + 2], year[16], *needle = NULL;
    if (q->direction) {
        args[na++] = q->direction;
        buf_printf(&sql, " AND direction = $%d", na);
    }
    if (q->under_path) {
        snprintf(under, sizeof under, "%s%%", q->under_path);
        args[na++] = under;
        buf_printf(&sql, " AND unit_path LIKE $%d", na);
    }
    if (q->year) {
        snprintf(year, sizeof year, "%d", q->year);
        args[na++] = year;
        buf_printf(&sql, " AND year = CAST($%d AS INTEGER)", na);
    }
    if (q->type) {
        args[na++] = q->type;
        buf_printf(&sql, " AND type_code = $%d", na);
    }
    char *pattern = NULL;
    int rc0 = 0;
    if (q->q && *q->q) {
        needle = utf8_fold(q->q, strlen(q->q));
        /* LIKE's own characters are dropped from the needle: they would be wildcards in the pattern. */
        size_t k = 0;
        for (size_t i = 0; needle && needle[i]; i++)
            if (needle[i] != '%' && needle[i] != '_' && needle[i] != '\\') needle[k++] = needle[i];
        if (needle) needle[k] = '\0';
        if (needle && *needle && utf8_length(needle, k) >= 3) {
            /* three characters or more: through the trigram index (document_search, migration 17) */
            pattern = xmalloc(k + 3);
            pattern[0] = '%';
            memcpy(pattern + 1, needle, k);
            memcpy(pattern + 1 + k, "%", 2);
            args[na++] = pattern;
            /* ... in the register fields or in the text of an attachment (document_attachment_search, migration 22).
             * A needle found in few attachment texts: through that index too. One found in many (a phrase of every
             * plan): the set would be built whole before the page is cut, so the newest documents are read in order
             * instead, each one's attachments looked up by document, until the page is full (the hits are dense).
             * Both give the same rows; only the plan differs. */
            int broad = attachments_broad(db, pattern);
            if (broad < 0) {
                rc0 = broad;
            } else if (!broad) {
                buf_printf(&sql,
                           " AND (id IN (SELECT id FROM document_search WHERE search LIKE $%d) OR id IN "
                           "(SELECT id FROM document_attachment_search WHERE search LIKE $%d))",
                           na, na);
            } else {
                /* a scalar subquery, not EXISTS: PostgreSQL would hash an EXISTS under OR (the whole set again) */
                buf_printf(&sql,
                           " AND (id IN (SELECT id FROM document_search WHERE search LIKE $%d) OR (SELECT 1 FROM "
                           "document_attachments a WHERE a.document_id = documents.id AND a.search LIKE $%d LIMIT 1) "
                           "IS NOT NULL)",
                           na, na);
            }
        } else if (needle && *needle) {
            args[na++] = needle;
            buf_printf(&sql,
                       " AND (%s(search, $%d) > 0 OR (SELECT 1 FROM document_attachments a WHERE "
                       "a.document_id = documents.id AND %s(a.search, $%d) > 0 LIMIT 1) IS NOT NULL)",
                       sqlite ? "instr" : "strpos", na, sqlite ? "instr" : "strpos", na);
        }
    }
    if (q->after_id && *q->after_id) {
        args[na++] = q->after_id;
        buf_printf(&sql, " AND id %s $%d", q->oldest_first ? ">" : "<", na);
    }
    buf_printf(&sql, " ORDER BY id %s LIMIT %lld", q->oldest_first ? "ASC" : "DESC", q->limit);
    int rc = rc0, n = 0;
    db_stmt_t *s = rc < 0 ? NULL : db_prepare(db, sql.data);
    if (!s && rc == 0) rc = -EIO;
    for (int i = 0; rc == 0 && i < na; i++) rc = db_bind_text(s, i + 1, args[i], DB_NTS);
    document_t *d = xmalloc(sizeof *d);
    while (rc == 0 && (rc = db_step(s)) == DB_ROW) {
        rc = 0;
        row_to_document(s, d);
        n++;
        if (cb(d, arg) < 0) break;
    }
    if (rc > 0) rc = 0;
    if (s) db_reset(s);
    free(d);
    free(needle);
    free(pattern);
    buf_free(&sql);
    return rc < 0 ? rc : n;
}
