/* dossier.c — dossiers: validators, intake, actions, their events and apply functions, lists (see dossier.h).
 *
 * One column table (cols[]) says how each dossiers column is read from a row, written into an event payload and
 * bound back by the apply functions, so the row, the payload and the replay cannot drift apart: dossier.received
 * and dossier.submitted_online carry every column, every action event carries the mutable ones ("after") and one
 * control-sheet line ("log"). name_fold and search are derived in apply by utf8_fold(), a pure function. */
#include "domain/dossier.h"
#include "domain/document.h"
#include "domain/dossier_uploads.h"   /* dforms */
#include "domain/report.h"            /* report: the dashboards' counts */
#include "domain/dossier_notify.h"   /* dforms */
#include "domain/dossier_result.h"   /* signed results */
#include "domain/paper.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/account.h"
#include "domain/event.h"
#include "domain/holiday_store.h"
#include "domain/unit.h"

#include <assert.h>
#include <ctype.h>
#include <jansson.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

static const msg_id_t status_msgs[] = {MSG_DS_1, MSG_DS_2, MSG_DS_3, MSG_DS_4, MSG_DS_5,
                                       MSG_DS_6, MSG_DS_7, MSG_DS_8, MSG_DS_9, MSG_DS_10};

const char *dossier_status_name(int status, lang_t lang)
{
    if (status < 1 || status > 10) return "";
    return msg_text(status_msgs[status - 1], lang);
}

static const char *const action_names[DA__COUNT] = {
    "accept", "refuse", "assign", "forward", "return", "request_supplement", "resubmit", "request_payment",
    "record_payment", "extend", "approve", "attach_result", "deliver", "withdraw", "stop", "attach_paper",
    "hand_back"};

/* The event type of each action. */
static const char *const action_events[DA__COUNT] = {
    "dossier.accepted", "dossier.refused", "dossier.assigned", "dossier.forwarded", "dossier.returned",
    "dossier.supplement_requested", "dossier.resubmitted", "dossier.payment_requested", "dossier.payment_recorded",
    "dossier.extended", "dossier.approved", "dossier.result_attached", "dossier.delivered", "dossier.withdrawn",
    "dossier.stopped", "dossier.paper_attached", "dossier.handed_back"};

const char *dossier_action_name(dossier_action_t a) { return (unsigned)a < DA__COUNT ? action_names[a] : ""; }

int dossier_action_parse(const char *s, dossier_action_t *out)
{
    for (int i = 0; s && i < DA__COUNT; i++)
        if (!strcmp(s, action_names[i])) {
            *out = (dossier_action_t)i;
            return 0;
        }
    return -EINVAL;
}

static const char *const channel_names[] = {"", "desk", "online", "post"};

/* ---- validators ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i])) return false;
    return true;
}

bool dossier_citizen_id_valid(const char *s, int *birth_year)
{
    if (!s || strlen(s) != 12 || !all_digits(s, 12)) return false;
    int province = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (province < 1 || province > 96) return false;
    int century = (s[3] - '0') / 2;        /* 0,1: 1900s; 2,3: 2000s; 4,5: 2100s; 6,7: 2200s; 8,9: 2300s */
    int yy = (s[4] - '0') * 10 + (s[5] - '0');
    if (birth_year) *birth_year = 1900 + century * 100 + yy;
    return true;
}

bool dossier_tax_code_valid(const char *s)
{
    static const int w[9] = {31, 29, 23, 19, 17, 13, 7, 5, 3};
    if (!s) return false;
    size_t n = strlen(s);
    if (n != 10 && n != 14) return false;
    if (!all_digits(s, 10)) return false;
    if (n == 14 && (s[10] != '-' || !all_digits(s + 11, 3) || !strcmp(s + 11, "000"))) return false;
    int sum = 0;
    for (int i = 0; i < 9; i++) sum += w[i] * (s[i] - '0');
    int check = 10 - sum % 11;
    return check < 10 && check == s[9] - '0';
}

int dossier_phone_normalize(const char *in, char *out, size_t cap)
{
    char d[24], nat[24];
    size_t n = 0;
    if (!in) return -EINVAL;
    bool plus = *in == '+';
    for (const char *p = in + plus; *p; p++) {
        if (*p == ' ' || *p == '.' || *p == '-') continue;
        if (!isdigit((unsigned char)*p) || n >= 16) return -EINVAL;
        d[n++] = *p;
    }
    d[n] = '\0';
    if (n >= 11 && d[0] == '8' && d[1] == '4') {
        nat[0] = '0';
        memcpy(nat + 1, d + 2, n - 1);              /* the terminator included */
    } else if (plus) return -EINVAL;                  /* another country */
    else memcpy(nat, d, n + 1);
    size_t len = strlen(nat);
    if (nat[0] != '0') return -EINVAL;
    /* Mobile: 10 digits 03x 05x 07x 08x 09x (numbering plan of 2018); landline: 11 digits 02 + area code. */
    char c = nat[1];
    bool mobile = (c == '3' || c == '5' || c == '7' || c == '8' || c == '9') && len == 10;
    bool landline = c == '2' && len == 11;
    if (!mobile && !landline) return -EINVAL;
    return str_copy(out, cap, nat) < 0 ? -EINVAL : 0;
}

static bool email_valid(const char *s)
{
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > 254 || !at || at == s || strchr(at + 1, '@')) return false;
    const char *dot = strrchr(at, '.');
    if (!dot || dot == at + 1 || !dot[1]) return false;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == '"' || *p == ',') return false;
    return true;
}

int dossier_code_format(const char *edi, long long received_ms, long long seq, char *out, size_t cap)
{
    long day = calendar_minutes_from_utc_ms(received_ms) / CALENDAR_MINUTES_PER_DAY;
    int y, m, d;
    if (calendar_ymd_from_day(day, &y, &m, &d) < 0 || seq < 1) return -EINVAL;
    int n = snprintf(out, cap, "%s-%02d%02d%02d-%04lld", edi, y % 100, m, d, seq);
    return n < 0 || (size_t)n >= cap ? -E2BIG : 0;
}

static void day_key(long long ms, char out[8])
{
    long day = calendar_minutes_from_utc_ms(ms) / CALENDAR_MINUTES_PER_DAY;
    int y = 1970, m = 1, d = 1;
    calendar_ymd_from_day(day, &y, &m, &d);
    snprintf(out, 8, "%02d%02d%02d", y % 100, m, d);
}

static long to_min(long long ms) { return calendar_minutes_from_utc_ms(ms); }
static long long to_ms(long min) { return calendar_utc_ms_from_minutes(min); }

/* ---- the column table ---- */

enum { C_STR, C_PSTR, C_INT, C_I32, C_OPT, C_FEE };
struct col {
    const char *name;
    int         type;
    size_t      off;
    size_t      size;      /* C_STR: the array size */
    bool        mutable_;  /* in an action's "after" */
};
#define S(n, m) {#n, C_STR, offsetof(dossier_t, n), sizeof(((dossier_t *)0)->n), m}
#define P(n, m) {#n, C_PSTR, offsetof(dossier_t, n), 0, m}
#define L(n, m) {#n, C_INT, offsetof(dossier_t, n), 0, m}
#define I(n, m) {#n, C_I32, offsetof(dossier_t, n), 0, m}
#define O(n, m) {#n, C_OPT, offsetof(dossier_t, n), 0, m}
#define F(n, m) {#n, C_FEE, offsetof(dossier_t, n), 0, m}
static const struct col cols[] = {
    S(id, 0), S(code, 0), S(unit_id, 1), S(unit_path, 1), S(origin_path, 0), S(procedure_code, 0), L(procedure_version, 0),
    S(procedure_name, 0), S(field, 0), I(channel, 0), I(status, 1), I(step, 1), P(plan, 0), I(time_rule, 0),
    L(work_minutes, 0), I(supplement_rule, 0), S(assignee_id, 1), S(department, 1), S(applicant_kind, 0),
    S(applicant_name, 0), S(id_number, 0), S(phone, 0), S(address, 0), S(email, 0), P(representative, 0),
    P(content, 0), S(applicant_account, 0), S(received_by, 0), L(received_at, 0), O(accepted_at, 1), O(due_at, 1),
    O(original_due_at, 1), O(step_started_at, 1), O(step_due_at, 1), O(paused_at, 1), I(supplement_count, 1),
    I(extended, 1), F(fee_amount, 1), F(paid_amount, 1), P(result, 1), S(result_paper, 1), O(resolved_at, 1), S(timing, 1),
    O(delivered_at, 1), S(delivered_to, 1), P(reason, 1), L(created_at, 0), L(updated_at, 1), L(version, 1),
};
#undef S
#undef P
#undef L
#undef I
#undef O
#undef F
#define NCOLS (sizeof cols / sizeof cols[0])

/* Columns that are NOT NULL text: written as "" rather than null. */
static bool col_required_text(const struct col *c)
{
    static const char *const req[] = {"id", "code", "unit_id", "unit_path", "origin_path", "procedure_code",
                                      "procedure_name", "field", "plan", "applicant_kind", "applicant_name", "id_number", "phone",
                                      "address"};
    for (size_t i = 0; i < sizeof req / sizeof req[0]; i++)
        if (!strcmp(c->name, req[i])) return true;
    return false;
}

/* "id, code, ..." in cols[] order, built once (pthread_once: the first callers may be several worker threads). */
static char select_sql[2048];
static pthread_once_t select_once = PTHREAD_ONCE_INIT;

static void select_init(void)
{
    buf_t b;
    buf_init(&b, 0);
    for (size_t i = 0; i < NCOLS; i++) buf_printf(&b, "%s%s", i ? ", " : "", cols[i].name);
    str_copy(select_sql, sizeof select_sql, b.data);
    buf_free(&b);
}

static const char *select_cols(void)
{
    pthread_once(&select_once, select_init);
    return select_sql;
}

void dossier_free(dossier_t *d)
{
    if (!d) return;
    free(d->plan), free(d->representative), free(d->content), free(d->result), free(d->reason);
    d->plan = d->representative = d->content = d->result = d->reason = NULL;
}

static void row_to_dossier(db_stmt_t *s, dossier_t *d)
{
    dossier_free(d);
    memset(d, 0, sizeof *d);
    for (size_t i = 0; i < NCOLS; i++) {
        const struct col *c = &cols[i];
        char *p = (char *)d + c->off;
        bool null = db_col_is_null(s, (int)i);
        switch (c->type) {
        case C_STR: str_copy(p, c->size, null ? "" : db_col_text(s, (int)i)); break;
        case C_PSTR: *(char **)p = null ? NULL : xstrdup(db_col_text(s, (int)i)); break;
        case C_INT: case C_OPT: *(long long *)p = null ? 0 : db_col_int(s, (int)i); break;
        case C_FEE: *(long long *)p = null ? -1 : db_col_int(s, (int)i); break;
        case C_I32: *(int *)p = (int)db_col_int(s, (int)i); break;
        }
    }
}

static void write_col(jw_t *w, const struct col *c, const dossier_t *d)
{
    const char *p = (const char *)d + c->off;
    jw_key(w, c->name);
    switch (c->type) {
    case C_STR: jw_str(w, (*p || col_required_text(c)) ? p : NULL); break;
    case C_PSTR: jw_str(w, *(char *const *)p); break;
    case C_INT: jw_int(w, *(const long long *)p); break;
    case C_I32: jw_int(w, *(const int *)p); break;
    case C_OPT: if (*(const long long *)p) jw_int(w, *(const long long *)p); else jw_null(w); break;
    case C_FEE: if (*(const long long *)p >= 0) jw_int(w, *(const long long *)p); else jw_null(w); break;
    }
}

static void bind_json(db_stmt_t *s, int idx, json_t *v)
{
    if (json_is_string(v)) db_bind_text(s, idx, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v)) db_bind_int(s, idx, json_integer_value(v));
    else if (json_is_true(v)) db_bind_int(s, idx, 1);
    else if (json_is_false(v)) db_bind_int(s, idx, 0);
    else db_bind_null(s, idx);
}

static int step_done(db_stmt_t *s)
{
    int rc = db_step(s);
    db_reset(s);
    return rc < 0 ? rc : 0;
}

/* ---- apply ---- */

static int apply_log(db_t *db, const char *dossier_id, json_t *log)
{
    static const char *const f[] = {"n", "action", "step", "from_account", "to_account", "from_unit", "to_unit",
                                    "at", "step_due_at", "finished_step", "timing", "status_before",
                                    "status_after", "note"};
    db_stmt_t *s = db_prepare(db, "INSERT INTO dossier_steps (dossier_id, n, action, step, from_account, to_account, "
                                  "from_unit, to_unit, at, step_due_at, finished_step, timing, status_before, "
                                  "status_after, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
                                  "$13, $14, $15)");
    if (!s) return -EIO;
    db_bind_text(s, 1, dossier_id, DB_NTS);
    for (int i = 0; i < 14; i++) bind_json(s, i + 2, json_object_get(log, f[i]));
    return step_done(s);
}

static char *search_text(json_t *d)
{
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "%s %s %s %s", event_str(d, "code") ? event_str(d, "code") : "",
               event_str(d, "applicant_name") ? event_str(d, "applicant_name") : "", event_str(d, "id_number") ? event_str(d, "id_number") : "",
               event_str(d, "phone") ? event_str(d, "phone") : "");
    char *f = utf8_fold(b.data, b.len);
    buf_free(&b);
    return f ? f : xstrdup("");
}

/* "INSERT INTO dossiers (<cols>, name_fold, search) VALUES ($1, ...)", built once rather than per intake. */
static char insert_sql[2560];
static pthread_once_t insert_once = PTHREAD_ONCE_INIT;

static void insert_init(void)
{
    buf_t b;
    buf_init(&b, 0);
    buf_printf(&b, "INSERT INTO dossiers (%s, name_fold, search) VALUES (", select_cols());
    for (size_t i = 0; i < NCOLS + 2; i++) buf_printf(&b, "%s$%zu", i ? ", " : "", i + 1);
    buf_puts(&b, ")");
    str_copy(insert_sql, sizeof insert_sql, b.data);
    buf_free(&b);
}

static int apply_intake(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    json_t *d = json_object_get(payload, "dossier");
    if (!json_is_object(d)) return -EINVAL;
    pthread_once(&insert_once, insert_init);
    db_stmt_t *s = db_prepare(db, insert_sql);
    if (!s) return -EIO;
    for (size_t i = 0; i < NCOLS; i++) bind_json(s, (int)i + 1, json_object_get(d, cols[i].name));
    const char *name = event_str(d, "applicant_name") ? event_str(d, "applicant_name") : "";
    char *fold = utf8_fold(name, strlen(name));
    char *search = search_text(d);
    db_bind_text(s, (int)NCOLS + 1, fold ? fold : "", DB_NTS);
    db_bind_text(s, (int)NCOLS + 2, search, DB_NTS);
    int rc = step_done(s);
    free(fold);
    free(search);
    if (rc < 0) return rc;
    const char *id = event_str(d, "id");
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(payload, "papers"), i, p) {
        long long n = db_run(db, "INSERT INTO dossier_papers (dossier_id, paper_id, name, copies, form, mandatory) "
                                 "VALUES ($1, $2, $3, $4, $5, $6)", "tttiti", id, event_str(p, "paper"), event_str(p, "name"),
                             (long long)json_integer_value(json_object_get(p, "copies")), event_str(p, "form"),
                             (long long)json_is_true(json_object_get(p, "mandatory")));
        if (n < 0) return (int)n;
    }
    if ((rc = dossier_uploads_apply(db, id, json_object_get(payload, "papers"))) < 0) return rc;   /* dforms */
    json_t *c = json_object_get(payload, "counter");
    long long n = db_run(db, "INSERT INTO dossier_counters (agency, day, seq) VALUES ($1, $2, $3) "
                             "ON CONFLICT (agency, day) DO UPDATE SET seq = excluded.seq", "tti",
                         event_str(c, "agency"), event_str(c, "day"), (long long)json_integer_value(json_object_get(c, "seq")));
    if (n < 0) return (int)n;
    json_t *k = json_object_get(payload, "idempotency");
    if (json_is_object(k)) {
        n = db_run(db, "INSERT INTO dossier_idempotency (actor, key, dossier_id) VALUES ($1, $2, $3)", "ttt",
                   event_str(k, "actor"), event_str(k, "key"), id);
        if (n < 0) return (int)n;
    }
    if ((rc = apply_log(db, id, json_object_get(payload, "log"))) < 0) return rc;
    report_snap_t none = {0};
    return report_snap_apply(db, id, &none);   /* report: the new dossier's cells */
}

static int action_rows(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    (void)ev;
    json_t *a = json_object_get(payload, "after");
    const char *id = event_str(payload, "id");
    if (!json_is_object(a) || !id) return -EINVAL;
    buf_t sql;
    buf_init(&sql, 0);
    buf_puts(&sql, "UPDATE dossiers SET ");
    int k = 0;
    for (size_t i = 0; i < NCOLS; i++)
        if (cols[i].mutable_) buf_printf(&sql, "%s%s = $%d", k ? ", " : "", cols[i].name, k + 1), k++;
    buf_printf(&sql, " WHERE id = $%d", k + 1);
    db_stmt_t *s = db_prepare(db, sql.data);
    buf_free(&sql);
    if (!s) return -EIO;
    k = 0;
    for (size_t i = 0; i < NCOLS; i++)
        if (cols[i].mutable_) bind_json(s, ++k, json_object_get(a, cols[i].name));
    db_bind_text(s, k + 1, id, DB_NTS);
    int rc = step_done(s);
    if (rc < 0) return rc;
    if (db_changes(db) != 1) return -ENOENT;
    return apply_log(db, id, json_object_get(payload, "log"));
}

/* The checklist items a resubmission or an attach_paper brought (payload "papers", resolved before recording):
 * each replaces the dossier's row for its item; an upload replaces the item's earlier upload. */
static int apply_papers(db_t *db, const char *id, const json_t *papers)
{
    size_t i;
    json_t *p;
    json_array_foreach(papers, i, p) {
        const char *item = event_str(p, "paper");
        if (!item) return -EINVAL;
        long long n = db_run(db, "DELETE FROM dossier_papers WHERE dossier_id = $1 AND paper_id = $2", "tt", id, item);
        if (n >= 0)
            n = db_run(db, "INSERT INTO dossier_papers (dossier_id, paper_id, name, copies, form, mandatory) "
                           "VALUES ($1, $2, $3, $4, $5, $6)", "tttiti", id, item, event_str(p, "name"),
                       (long long)json_integer_value(json_object_get(p, "copies")), event_str(p, "form"),
                       (long long)json_is_true(json_object_get(p, "mandatory")));
        if (n >= 0 && event_str(p, "upload"))
            n = db_run(db, "DELETE FROM dossier_uploads WHERE dossier_id = $1 AND paper_id = $2", "tt", id, item);
        if (n < 0) return (int)n;
    }
    return dossier_uploads_apply(db, id, papers);
}

/* dossier.resubmitted and dossier.paper_attached: the action's state and log, then its papers (none: as before). */
static int action_paper_rows(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    int rc = action_rows(db, ev, payload);
    if (rc < 0) return rc;
    json_t *papers = json_object_get(payload, "papers");
    return json_is_array(papers) ? apply_papers(db, event_str(payload, "id"), papers) : 0;
}

/* report: every action's rows are written between a snapshot of the dossier's cells and their difference. */
static int tracked(db_t *db, const event_meta_t *ev, const json_t *payload, event_apply_fn rows)
{
    return report_tracked(db, ev, payload, "id", rows);
}

static int apply_action(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    return tracked(db, ev, payload, action_rows);
}

static int apply_action_papers(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    return tracked(db, ev, payload, action_paper_rows);
}

/* dossier.handed_back: ownership returns to the receiving unit. The payload's "after" carries the new unit_id and
 * unit_path (computed from origin_path before recording), so the apply needs nothing else; one that lacks them or
 * names a unit other than the origin is refused rather than guessed. */
static int apply_handed_back(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    json_t *a = json_object_get(payload, "after");
    const char *path = event_str(a, "unit_path"), *uid = event_str(a, "unit_id");
    if (!path || !uid || !event_str(payload, "id")) return -EINVAL;
    size_t n = strlen(path), k = strlen(uid);
    if (n < k + 2 || path[n - 1] != '/' || strncmp(path + n - 1 - k, uid, k) != 0) return -EINVAL;
    return apply_action(db, ev, payload);
}

/* dossier.approved: the action's rows, then the signed result's row when it was signed (dossier_result.h). */
static int action_result_rows(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    int rc = action_rows(db, ev, payload);
    return rc < 0 ? rc : dossier_result_apply(db, event_str(payload, "id"), payload);
}

static int apply_action_result(db_t *db, const event_meta_t *ev, const json_t *payload)
{
    return tracked(db, ev, payload, action_result_rows);
}

/* ---- the replica guard (replication, domain/sync.c) ----
 * A node may ship only events of dossiers its units own: the entity names the payload's dossier, the payload's
 * unit columns lie in the node's subtree with unit_path the unit's very path here, the dossier already at the hub
 * (if any) belongs to the subtree, and the rows the payload refers to (its counter's agency, its idempotency key's
 * actor, uploaded papers, the result paper) are the subtree's. */

static const char *const dossier_path_sql = "SELECT unit_path FROM dossiers WHERE id = $1";

/* The papers of a payload ("papers"[].upload) and a result paper: each one the node may refer to. */
static int guard_papers(db_t *db, const event_meta_t *ev, const json_t *payload, const json_t *row, const char *sub)
{
    size_t i;
    json_t *p;
    int rc = 1;
    json_array_foreach(json_object_get(payload, "papers"), i, p)
        if (rc == 1) rc = paper_replica_owned(db, event_str(p, "upload"), ev->node, sub);
    if (rc == 1) rc = paper_replica_owned(db, event_str(row, "result_paper"), ev->node, sub);
    json_t *doc = json_object_get(json_object_get(payload, "result_doc"), "signed");
    if (rc == 1) rc = paper_replica_owned(db, event_str(doc, "paper"), ev->node, sub);
    return rc;
}

static int guard_intake(db_t *db, const event_meta_t *ev, const json_t *payload, const char *sub)
{
    const json_t *d = json_object_get(payload, "dossier"), *c = json_object_get(payload, "counter");
    const char *id = event_str(d, "id"), *code = event_str(d, "code"), *agency = event_str(c, "agency");
    if (!event_entity_is(ev, "dossier", id) || !code || !agency) return 0;
    int rc = event_unit_path_in(db, event_str(d, "unit_id"), event_str(d, "unit_path"), sub);
    const char *origin = event_str(d, "origin_path");
    if (rc == 1 && (!origin || !auth_path_prefix(sub, origin))) rc = 0;
    /* The code and the counter are the agency's (an edi_code of a unit of the subtree): another commune's day
     * sequence cannot be taken or moved. */
    size_t n = strlen(agency);
    if (rc == 1 && (strncmp(code, agency, n) || code[n] != '-')) rc = 0;
    if (rc == 1) {
        db_stmt_t *s;
        char like[AUTH_PATH_MAX + 2];
        snprintf(like, sizeof like, "%s%%", sub);
        rc = db_query(db, &s, "SELECT 1 FROM units WHERE edi_code = $1 AND path LIKE $2", "tt", agency, like);
        if (s) db_reset(s);
        rc = rc < 0 ? rc : rc == DB_ROW;
    }
    bool found = false;
    if (rc == 1) rc = event_row_in(db, dossier_path_sql, id, true, sub, &found);
    if (rc == 1 && found) rc = 0;                  /* an intake of a dossier the hub already holds */
    const json_t *k = json_object_get(payload, "idempotency");
    if (rc == 1 && json_is_object(k)) {
        const char *actor = event_str(k, "actor");
        if (!actor || !ev->actor || strcmp(actor, ev->actor)) rc = 0;
        else rc = event_row_in(db, "SELECT unit_id FROM accounts WHERE id = $1", actor, false, sub, &found);
    }
    if (rc == 1) rc = guard_papers(db, ev, payload, d, sub);
    return rc;
}

static int guard_action(db_t *db, const event_meta_t *ev, const json_t *payload, const char *sub)
{
    const char *id = event_str(payload, "id");
    const json_t *a = json_object_get(payload, "after");
    if (!event_entity_is(ev, "dossier", id) || !json_is_object(a)) return 0;
    bool found;
    int rc = event_row_in(db, dossier_path_sql, id, true, sub, &found);
    if (rc == 1 && !found) rc = 0;
    if (rc == 1) rc = event_unit_path_in(db, event_str(a, "unit_id"), event_str(a, "unit_path"), sub);
    if (rc == 1) rc = guard_papers(db, ev, payload, a, sub);
    return rc;
}

static int dossier_guard(db_t *db, const event_meta_t *ev, const json_t *payload, const char *sub)
{
    if (!strcmp(ev->type, "dossier.received") || !strcmp(ev->type, "dossier.submitted_online"))
        return guard_intake(db, ev, payload, sub);
    return guard_action(db, ev, payload, sub);
}

static const event_kind_t kinds[] = {
    {"dossier.received", apply_intake},
    {"dossier.submitted_online", apply_intake},
    {"dossier.accepted", apply_action},
    {"dossier.refused", apply_action},
    {"dossier.assigned", apply_action},
    {"dossier.forwarded", apply_action},
    {"dossier.returned", apply_action},
    {"dossier.supplement_requested", apply_action},
    {"dossier.resubmitted", apply_action_papers},
    {"dossier.payment_requested", apply_action},
    {"dossier.payment_recorded", apply_action},
    {"dossier.extended", apply_action},
    {"dossier.approved", apply_action_result},
    {"dossier.result_attached", apply_action},
    {"dossier.delivered", apply_action},
    {"dossier.withdrawn", apply_action},
    {"dossier.stopped", apply_action},
    {"dossier.paper_attached", apply_action_papers},
    {"dossier.handed_back", apply_handed_back},
    {NULL, NULL},
};

static const event_table_t tables[] = {
    {"dossier_steps", "dossier_id, n"},
    {"dossier_papers", "dossier_id, paper_id"},
    {"dossier_idempotency", "actor, key"},
    {"dossier_counters", "agency, day"},
    {"dossiers", "code"},
    {NULL, NULL},
};

const event_module_t dossier_events = {"dossier", kinds, tables, dossier_guard};

/* ---- reading ---- */

/* d->step_unit_path (dossier.h): the department of the current step by name — a department of the owning unit or a
 * sub-unit of one of its departments (through units_parent: no scan of the units) — the nearer one first. */
static int load_step_unit(db_t *db, dossier_t *d)
{
    str_copy(d->step_unit_path, sizeof d->step_unit_path, d->unit_path);
    if (!d->department[0]) return 0;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT path FROM units WHERE kind = 'department' AND active = 1 AND name = $1 "
                              "AND (parent_id = $2 OR parent_id IN (SELECT id FROM units WHERE parent_id = $2 "
                              "AND kind = 'department')) ORDER BY LENGTH(path), path LIMIT 1",
                      "tt", d->department, d->unit_id);
    if (rc == DB_ROW) str_copy(d->step_unit_path, sizeof d->step_unit_path, db_col_text(s, 0));
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int get_by(db_t *db, const char *where, const char *key, dossier_t *out)
{
    char sql[2300];
    snprintf(sql, sizeof sql, "SELECT %s FROM dossiers WHERE %s = $1", select_cols(), where);
    db_stmt_t *s;
    int rc = db_query(db, &s, sql, "t", key);
    if (rc == DB_ROW) row_to_dossier(s, out);
    if (s) db_reset(s);
    if (rc == DB_ROW) return load_step_unit(db, out);
    return rc < 0 ? rc : -ENOENT;
}

int dossier_get(db_t *db, const char *code, dossier_t *out) { return get_by(db, "code", code, out); }
int dossier_get_by_id(db_t *db, const char *id, dossier_t *out) { return get_by(db, "id", id, out); }

static bool grant_covers(const principal_t *who, const char *path)
{
    for (int i = 0; i < who->ngrants; i++)
        if (!strncmp(who->grants[i].unit_path, path, strlen(who->grants[i].unit_path))) return true;
    return false;
}

static bool is_applicant(const principal_t *who, const dossier_t *d)
{
    return !strcmp(who->kind, "citizen") && d->applicant_account[0] && !strcmp(who->account_id, d->applicant_account);
}

/* The unit the current step belongs to (dossier.h: step_unit_path), the owning unit when not loaded. */
static const char *step_path(const dossier_t *d)
{
    return d->step_unit_path[0] ? d->step_unit_path : d->unit_path;
}

/* Staff see the dossiers of their units (owning or receiving), and a department's staff those whose current step
 * belongs to their department (step_path lies under the owning unit's path, so the commune's grants cover it too). */
bool dossier_visible_to(const principal_t *who, const dossier_t *d)
{
    return is_applicant(who, d) ||
           (strcmp(who->kind, "citizen") && (grant_covers(who, step_path(d)) || grant_covers(who, d->origin_path)));
}

/* ---- the rules: which roles and states each action needs ---- */

#define ST(s) (1u << (s))
#define RO(r) (1u << (r))
static const struct rule {
    unsigned states;
    unsigned roles;
    bool     applicant;      /* the applicant citizen may do it */
} rules[DA__COUNT] = {
    [DA_ACCEPT] = {ST(DS_NEW), RO(ROLE_DESK), false},
    [DA_REFUSE] = {ST(DS_NEW) | ST(DS_ACCEPTED), RO(ROLE_DESK) | RO(ROLE_LEADER), false},
    /* A leader or an administrator over the unit of the current step: the commune's (or above), or the
     * department's when the step belongs to that department (role_ok tests step_path). */
    [DA_ASSIGN] = {ST(DS_ACCEPTED) | ST(DS_PROCESSING), RO(ROLE_LEADER) | RO(ROLE_ADMIN), false},
    [DA_FORWARD] = {ST(DS_ACCEPTED) | ST(DS_PROCESSING), RO(ROLE_DESK) | RO(ROLE_SPECIALIST) | RO(ROLE_LEADER), false},
    [DA_RETURN] = {ST(DS_PROCESSING), RO(ROLE_SPECIALIST) | RO(ROLE_LEADER), false},
    [DA_REQUEST_SUPPLEMENT] = {ST(DS_ACCEPTED) | ST(DS_PROCESSING),
                               RO(ROLE_DESK) | RO(ROLE_SPECIALIST) | RO(ROLE_LEADER), false},
    [DA_RESUBMIT] = {ST(DS_SUPPLEMENT), RO(ROLE_DESK), true},
    [DA_REQUEST_PAYMENT] = {ST(DS_ACCEPTED) | ST(DS_PROCESSING), RO(ROLE_DESK) | RO(ROLE_SPECIALIST) | RO(ROLE_LEADER),
                            false},
    [DA_RECORD_PAYMENT] = {ST(DS_PAYMENT), RO(ROLE_DESK), false},
    [DA_EXTEND] = {ST(DS_ACCEPTED) | ST(DS_PROCESSING), RO(ROLE_LEADER), false},
    [DA_APPROVE] = {ST(DS_PROCESSING), RO(ROLE_LEADER), false},
    /* The result: while processing, the draft the leader approves (and signs: dossier_result.h); once resolved,
     * as before approval had a file. */
    [DA_ATTACH_RESULT] = {ST(DS_PROCESSING) | ST(DS_RESOLVED), RO(ROLE_DESK) | RO(ROLE_SPECIALIST) | RO(ROLE_LEADER),
                          false},
    [DA_DELIVER] = {ST(DS_RESOLVED), RO(ROLE_DESK), false},
    [DA_WITHDRAW] = {ST(DS_NEW) | ST(DS_ACCEPTED) | ST(DS_PROCESSING) | ST(DS_SUPPLEMENT) | ST(DS_PAYMENT),
                     RO(ROLE_DESK), true},
    [DA_STOP] = {ST(DS_ACCEPTED) | ST(DS_PROCESSING) | ST(DS_SUPPLEMENT) | ST(DS_PAYMENT), RO(ROLE_LEADER), false},
    /* A paper of the application brought or uploaded after intake, while the dossier is still being handled: not
     * once it is resolved (the result is decided on what was there), refused, withdrawn or stopped; and not while
     * a supplement is awaited, whose papers come with resubmit (which resumes the clock). */
    [DA_ATTACH_PAPER] = {ST(DS_NEW) | ST(DS_ACCEPTED) | ST(DS_PROCESSING) | ST(DS_PAYMENT),
                         RO(ROLE_DESK) | RO(ROLE_SPECIALIST), false},
    /* Inter-agency hand-back (Decree 118/2025 liên thông, second-hand): the unit that worked the last inter-agency
     * step passes the dossier back to the unit that received it; the same workers as forward. */
    [DA_HAND_BACK] = {ST(DS_PROCESSING), RO(ROLE_DESK) | RO(ROLE_SPECIALIST) | RO(ROLE_LEADER), false},
};

static bool role_ok(const principal_t *who, const dossier_t *d, dossier_action_t a)
{
    const struct rule *r = &rules[a];
    if (r->applicant && is_applicant(who, d)) return true;
    if (!strcmp(who->kind, "citizen")) return false;
    for (int role = 0; role < ROLE__COUNT; role++)
        if ((r->roles & RO(role)) && auth_role_covers(who, (role_t)role, step_path(d))) return true;
    return false;
}

/* One step of the plan: its budget, role, department, inter-agency flag. */
typedef struct plan_step {
    long budget;
    char role[16];
    char department[128];
    bool inter_agency;
    char other_level[16];
} plan_step_t;

static int plan_step(const dossier_t *d, int i, plan_step_t *out);

/* The receiving unit's id: the last segment of origin_path ("/<root>/<prov>/<id>/"); false when malformed. */
static bool origin_unit_id(const dossier_t *d, char out[ID_LEN + 1])
{
    size_t n = strlen(d->origin_path);
    if (n < ID_LEN + 2 || d->origin_path[n - 1] != '/' || d->origin_path[n - 2 - ID_LEN] != '/') return false;
    memcpy(out, d->origin_path + n - 1 - ID_LEN, ID_LEN);
    out[ID_LEN] = '\0';
    return id_valid(out);
}

/* hand_back is possible when the dossier is away from the unit that received it, its current step is an
 * inter-agency one and the next step exists and is not: the last inter-agency step of a run is done, the rest of
 * the plan (typically approval and the result return at the desk) belongs to the receiving unit. */
static bool hand_back_ready(const dossier_t *d)
{
    plan_step_t cur, next;
    char oid[ID_LEN + 1];
    return strcmp(d->unit_path, d->origin_path) != 0 && origin_unit_id(d, oid) && plan_step(d, d->step, &cur) == 0 &&
           cur.inter_agency && plan_step(d, d->step + 1, &next) == 0 && !next.inter_agency;
}

/* Preconditions that do not depend on the request body (so allowed_actions can tell them). */
static msg_id_t precondition(const dossier_t *d, dossier_action_t a)
{
    if (a == DA_HAND_BACK && !hand_back_ready(d)) return MSG_DOSSIER_HAND_BACK_STEP;
    if (a == DA_REQUEST_SUPPLEMENT && d->supplement_count > 0) return MSG_DOSSIER_SUPPLEMENT_ONCE;
    if (a == DA_EXTEND && d->extended) return MSG_DOSSIER_EXTEND_ONCE;
    if (a == DA_RETURN && d->step == 0) return MSG_DOSSIER_FIRST_STEP;
    if (a == DA_DELIVER && !d->result) return MSG_DOSSIER_NO_RESULT;
    return MSG_OK;
}

/* Who works the current step (forward, return and hand_back are theirs): the step's role covering the dossier's
 * unit, its assignee, or a leader. The one check behind both dossier_act() and dossier_allowed_actions(). */
static bool works_current_step(const principal_t *who, const dossier_t *d)
{
    plan_step_t cur;
    role_t r;
    if (plan_step(d, d->step, &cur) < 0) cur.role[0] = '\0';
    return (cur.role[0] && role_parse(cur.role, &r) == 0 && auth_role_covers(who, r, step_path(d))) ||
           !strcmp(d->assignee_id, who->account_id) || auth_role_covers(who, ROLE_LEADER, step_path(d));
}

static int plan_len(const dossier_t *d)
{
    json_t *p = json_loads(d->plan ? d->plan : "[]", 0, NULL);
    int n = json_is_array(p) ? (int)json_array_size(p) : 0;
    json_decref(p);
    return n;
}

unsigned dossier_allowed_actions(const principal_t *who, const dossier_t *d)
{
    unsigned mask = 0;
    int n = plan_len(d);
    for (int a = 0; a < DA__COUNT; a++) {
        if (!(rules[a].states & ST(d->status)) || !role_ok(who, d, (dossier_action_t)a)) continue;
        if (precondition(d, (dossier_action_t)a) != MSG_OK) continue;
        if (a == DA_FORWARD && d->step + 1 >= n) continue;
        if ((a == DA_FORWARD || a == DA_RETURN || a == DA_HAND_BACK) && !works_current_step(who, d)) continue;
        mask |= 1u << a;
    }
    return mask;
}

static void allowed_text(unsigned mask, char *out, size_t cap)
{
    buf_t b;
    buf_init(&b, 0);
    for (int a = 0; a < DA__COUNT; a++)
        if (mask & (1u << a)) buf_printf(&b, "%s%s", b.len ? ", " : "", action_names[a]);
    str_copy(out, cap, b.len ? b.data : "-");
    buf_free(&b);
}

/* ---- JSON ---- */

static void kinstant(jw_t *w, const char *k, long long ms)
{
    jw_key(w, k);
    if (!ms) {
        jw_null(w);
        return;
    }
    char iso[CLOCK_ISO_LEN];
    clock_iso_vn(ms, iso);
    jw_str(w, iso);
}

static int plan_step(const dossier_t *d, int i, plan_step_t *out)
{
    memset(out, 0, sizeof *out);
    json_t *p = json_loads(d->plan ? d->plan : "[]", 0, NULL);
    json_t *s = json_array_get(p, (size_t)i);
    int rc = -ENOENT;
    if (json_is_object(s)) {
        out->budget = (long)json_integer_value(json_object_get(s, "budget"));
        str_copy(out->role, sizeof out->role, event_str(s, "role") ? event_str(s, "role") : "");
        str_copy(out->department, sizeof out->department, event_str(s, "department") ? event_str(s, "department") : "");
        out->inter_agency = json_is_true(json_object_get(s, "inter_agency"));
        str_copy(out->other_level, sizeof out->other_level, event_str(s, "other_level") ? event_str(s, "other_level") : "");
        rc = 0;
    }
    json_decref(p);
    return rc;
}

/* The role the assignee of the current step holds: the step's, a specialist when it names none. */
static role_t assign_role(const dossier_t *d)
{
    plan_step_t cur;
    role_t r = ROLE_SPECIALIST;
    if (plan_step(d, d->step, &cur) == 0 && cur.role[0] && role_parse(cur.role, &r) < 0) r = ROLE_SPECIALIST;
    return r;
}

bool dossier_assignee_ok(const dossier_t *d, role_t r, const account_t *a)
{
    if (a->disabled || strcmp(a->kind, "staff")) return false;
    const char *step = step_path(d);
    bool dept = strcmp(step, d->unit_path) != 0;
    for (int i = 0; i < a->ngrants; i++) {
        const char *g = a->grants[i].unit_path;
        /* Never an officer of another unit (nor of the province above): the grant lies within the owning unit
         * and covers the step's unit, so that the assignee sees and works it. */
        if (a->grants[i].role != r || !auth_path_prefix(d->unit_path, g) || !auth_path_prefix(g, step)) continue;
        if (!dept || strcmp(g, d->unit_path)) return true;
        if (a->unit_path[0] && auth_path_prefix(step, a->unit_path)) return true;
    }
    return false;
}

/* The name of the unit at path, for a refusal's text ("" when unknown). */
static void unit_name_at(db_t *db, const char *path, char *out, size_t cap)
{
    db_stmt_t *s;
    out[0] = '\0';
    if (db_query(db, &s, "SELECT name FROM units WHERE path = $1", "t", path) == DB_ROW)
        str_copy(out, cap, db_col_text(s, 0));
    if (s) db_reset(s);
}

void dossier_brief_json(jw_t *w, const dossier_t *d, lang_t lang)
{
    (void)lang;
    jw_kstr(w, "code", d->code);
    jw_kint(w, "status", d->status);
    jw_key(w, "status_name");
    jw_obj_begin(w);
    jw_kstr(w, "vi", dossier_status_name(d->status, LANG_VI));
    jw_kstr(w, "en", dossier_status_name(d->status, LANG_EN));
    jw_obj_end(w);
    jw_kint(w, "version", d->version);
    jw_kstr(w, "channel", channel_names[d->channel]);
    jw_kstr(w, "unit_id", d->unit_id);
    jw_key(w, "procedure");
    jw_obj_begin(w);
    jw_kstr(w, "code", d->procedure_code);
    jw_kint(w, "version", d->procedure_version);
    jw_kstr(w, "name", d->procedure_name);
    jw_kstr(w, "field", d->field);
    jw_obj_end(w);
    jw_key(w, "applicant");
    jw_obj_begin(w);
    jw_kstr(w, "kind", d->applicant_kind);
    jw_kstr(w, "name", d->applicant_name);
    jw_kstr(w, "id_number", d->id_number);
    jw_kstr(w, "phone", d->phone);
    jw_kstr(w, "address", d->address);
    jw_kstr(w, "email", domain_nz(d->email));
    jw_obj_end(w);
    kinstant(w, "received_at", d->received_at);
    kinstant(w, "accepted_at", d->accepted_at);
    kinstant(w, "due_at", d->due_at);
    kinstant(w, "original_due_at", d->original_due_at);
    jw_kint(w, "step", d->step);
    kinstant(w, "step_due_at", d->step_due_at);
    jw_kstr(w, "assignee", domain_nz(d->assignee_id));
    jw_kstr(w, "department", domain_nz(d->department));
    /* The role of the current step, so that a work list can tell the leader's approvals and the steps waiting for an
     * assignee without reading every dossier's plan. */
    plan_step_t cur;
    jw_kstr(w, "step_role", plan_step(d, d->step, &cur) == 0 && cur.role[0] ? cur.role : NULL);
}

static int papers_json(db_t *db, jw_t *w, const dossier_t *d)
{
    db_stmt_t *s;
    jw_key(w, "papers");
    jw_arr_begin(w);
    /* The upload given for an item at intake (dforms: dossier_uploads), so that a page can offer its download. */
    int rc = db_query(db, &s, "SELECT p.paper_id, p.name, p.copies, p.form, p.mandatory, u.upload_id "
                              "FROM dossier_papers p LEFT JOIN dossier_uploads u "
                              "ON u.dossier_id = p.dossier_id AND u.paper_id = p.paper_id "
                              "WHERE p.dossier_id = $1 ORDER BY p.paper_id", "t", d->id);
    while (rc == DB_ROW) {
        jw_obj_begin(w);
        jw_kstr(w, "paper", db_col_text(s, 0));
        jw_kstr(w, "name", db_col_text(s, 1));
        jw_kint(w, "copies", db_col_int(s, 2));
        jw_kstr(w, "form", db_col_text(s, 3));
        jw_kbool(w, "mandatory", db_col_int(s, 4) != 0);
        jw_kstr(w, "upload", db_col_text(s, 5));
        jw_obj_end(w);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    return rc < 0 ? rc : 0;
}

/* A name of the control sheet the caller may read: staff all of them (the sheet is theirs, form 06); the owning
 * citizen only their own, as before the names were added (officers and units stay ids to them, and the public
 * lookup shows neither: docs/lookup.md "What is public"). */
static const char *sheet_name(const principal_t *who, const char *account_id, const char *name)
{
    if (strcmp(who->kind, "citizen")) return name;
    return account_id && !strcmp(account_id, who->account_id) ? name : NULL;
}

static int steps_json(db_t *db, jw_t *w, const principal_t *who, const dossier_t *d)
{
    db_stmt_t *s;
    bool citizen = !strcmp(who->kind, "citizen");
    jw_key(w, "steps");
    jw_arr_begin(w);
    /* The names of the giver, the receiver and their units beside the ids: the sheet is read by people (form 06). */
    int rc = db_query(db, &s, "SELECT s.n, s.action, s.step, s.from_account, s.to_account, s.from_unit, s.to_unit, "
                              "s.at, s.step_due_at, s.finished_step, s.timing, s.status_before, s.status_after, "
                              "s.note, fa.full_name, ta.full_name, fu.name, tu.name FROM dossier_steps s "
                              "LEFT JOIN accounts fa ON fa.id = s.from_account "
                              "LEFT JOIN accounts ta ON ta.id = s.to_account "
                              "LEFT JOIN units fu ON fu.id = s.from_unit LEFT JOIN units tu ON tu.id = s.to_unit "
                              "WHERE s.dossier_id = $1 ORDER BY s.n", "t", d->id);
    while (rc == DB_ROW) {
        jw_obj_begin(w);
        jw_kint(w, "n", db_col_int(s, 0));
        jw_kstr(w, "action", db_col_text(s, 1));
        jw_kint(w, "step", db_col_int(s, 2));
        jw_kstr(w, "from", db_col_text(s, 3));
        jw_kstr(w, "to", db_col_text(s, 4));
        jw_kstr(w, "from_unit", db_col_text(s, 5));
        jw_kstr(w, "to_unit", db_col_text(s, 6));
        kinstant(w, "at", db_col_int(s, 7));
        kinstant(w, "step_due_at", db_col_is_null(s, 8) ? 0 : db_col_int(s, 8));
        jw_key(w, "finished_step");
        if (db_col_is_null(s, 9)) jw_null(w); else jw_int(w, db_col_int(s, 9));
        jw_kstr(w, "timing", db_col_text(s, 10));
        jw_kint(w, "status_before", db_col_int(s, 11));
        jw_kint(w, "status_after", db_col_int(s, 12));
        jw_kstr(w, "note", db_col_text(s, 13));
        jw_kstr(w, "from_name", sheet_name(who, db_col_text(s, 3), db_col_text(s, 14)));
        jw_kstr(w, "to_name", sheet_name(who, db_col_text(s, 4), db_col_text(s, 15)));
        jw_kstr(w, "from_unit_name", citizen ? NULL : db_col_text(s, 16));
        jw_kstr(w, "to_unit_name", citizen ? NULL : db_col_text(s, 17));
        jw_obj_end(w);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    jw_arr_end(w);
    return rc < 0 ? rc : 0;
}

/* signed results: the leader's signature of the result document (its result_paper is then the signed copy), or
 * null before a signed approval. */
static int result_signature_json(db_t *db, jw_t *w, const dossier_t *d)
{
    dossier_result_doc_t row;
    int rc = dossier_result_get(db, d->id, &row);
    if (rc < 0 && rc != -ENOENT) return rc;
    jw_key(w, "result_signature");
    if (rc == -ENOENT) {
        jw_null(w);
        return 0;
    }
    jw_obj_begin(w);
    jw_kstr(w, "sha256", row.signed_sha256);
    kinstant(w, "signed_at", row.signed_at);
    jw_obj_end(w);
    return 0;
}

int dossier_json(db_t *db, jw_t *w, const principal_t *who, const dossier_t *d, lang_t lang)
{
    jw_obj_begin(w);
    dossier_brief_json(w, d, lang);
    if (d->representative) {
        jw_key(w, "representative");
        jw_raw(w, d->representative, strlen(d->representative));
    }
    jw_kstr(w, "content", d->content);
    char src_id[ID_LEN + 1], src_symbol[256];   /* the incoming document that started it (document_start_dossier) */
    int src = document_of_dossier(db, d->code, src_id, src_symbol, sizeof src_symbol);
    if (src < 0 && src != -ENOENT) return src;
    if (src == 0) {
        jw_key(w, "source_document");
        jw_obj_begin(w);
        jw_kstr(w, "id", src_id);
        jw_kstr(w, "symbol", src_symbol);
        jw_obj_end(w);
    }
    jw_key(w, "plan");
    jw_raw(w, d->plan, strlen(d->plan));
    jw_kint(w, "supplement_count", d->supplement_count);
    jw_kbool(w, "extended", d->extended != 0);
    jw_key(w, "fee_amount");
    if (d->fee_amount >= 0) jw_int(w, d->fee_amount); else jw_null(w);
    jw_key(w, "paid_amount");
    if (d->paid_amount >= 0) jw_int(w, d->paid_amount); else jw_null(w);
    jw_kstr(w, "result", d->result);
    jw_kstr(w, "result_paper", domain_nz(d->result_paper));
    int rc = result_signature_json(db, w, d);
    if (rc < 0) return rc;
    kinstant(w, "resolved_at", d->resolved_at);
    jw_kstr(w, "timing", domain_nz(d->timing));
    kinstant(w, "delivered_at", d->delivered_at);
    jw_kstr(w, "delivered_to", domain_nz(d->delivered_to));
    jw_kstr(w, "reason", d->reason);
    unsigned mask = dossier_allowed_actions(who, d);
    jw_key(w, "allowed_actions");
    jw_arr_begin(w);
    for (int a = 0; a < DA__COUNT; a++)
        if (mask & (1u << a)) jw_str(w, action_names[a]);
    jw_arr_end(w);
    rc = papers_json(db, w, d);
    if (rc == 0) rc = steps_json(db, w, who, d);
    jw_obj_end(w);
    return rc;
}

/* ---- calendar and unit ---- */

struct cal_ctx {
    const char    *unit_id;
    unit_t         u;
    working_time_t wt;
};

static int cal_fn(db_t *db, void *arg)
{
    struct cal_ctx *c = arg;
    int rc = unit_get(db, c->unit_id, &c->u);
    if (rc == 0) rc = working_time_get(db, c->unit_id, &c->wt);
    return rc;
}

int dossier_calendar(store_t *st, const char *unit_id, holiday_calendar_t **out)
{
    struct cal_ctx *c = xcalloc(1, sizeof *c);
    c->unit_id = unit_id;
    int rc = store_read(st, cal_fn, c);
    if (rc == 0) rc = holiday_calendar_get(st, c->u.province_id, &c->wt.cfg, out);
    free(c);
    return rc;
}

int dossier_intake_unit(const principal_t *who, const char *requested, char *unit_id, size_t cap)
{
    if (requested && *requested) return str_copy(unit_id, cap, requested) < 0 ? -EINVAL : 0;
    for (int i = 0; i < who->ngrants; i++)
        if (who->grants[i].role == ROLE_DESK) return str_copy(unit_id, cap, who->grants[i].unit_id);
    return -ENOENT;
}

/* ---- intake ---- */

static void log_json(jw_t *w, long long n, const char *action, int step, const char *from, const char *to,
                     const char *from_unit, const char *to_unit, long long at, long long step_due, int finished,
                     const char *timing, int before, int after, const char *note)
{
    jw_key(w, "log");
    jw_obj_begin(w);
    jw_kint(w, "n", n);
    jw_kstr(w, "action", action);
    jw_kint(w, "step", step);
    jw_kstr(w, "from_account", domain_nz(from));
    jw_kstr(w, "to_account", domain_nz(to));
    jw_kstr(w, "from_unit", domain_nz(from_unit));
    jw_kstr(w, "to_unit", domain_nz(to_unit));
    jw_kint(w, "at", at);
    jw_key(w, "step_due_at");
    if (step_due) jw_int(w, step_due); else jw_null(w);
    jw_key(w, "finished_step");
    if (finished >= 0) jw_int(w, finished); else jw_null(w);
    jw_kstr(w, "timing", domain_nz(timing));
    jw_kint(w, "status_before", before);
    jw_kint(w, "status_after", after);
    jw_kstr(w, "note", domain_nz(note));
    jw_obj_end(w);
}

/* The intake's event payload is built as a JSON value (event_record_payload) on the HTTP worker, outside the write
 * transaction; only the code and the counter's seq are filled in inside it. `ok` turns false when a value could
 * not be made (a string that is not UTF-8): the intake is then refused like a payload jw_finish() refuses. */
static void jput(json_t *o, const char *k, json_t *v, bool *ok)
{
    if (!v || json_object_set_new(o, k, v) < 0) *ok = false;
}

static json_t *jstr_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *col_value(const struct col *c, const dossier_t *d)
{
    const char *p = (const char *)d + c->off;
    switch (c->type) {
    case C_STR: return (*p || col_required_text(c)) ? json_string(p) : json_null();
    case C_PSTR: return jstr_or_null(*(char *const *)p);
    case C_INT: return json_integer(*(const long long *)p);
    case C_I32: return json_integer(*(const int *)p);
    case C_OPT: return *(const long long *)p ? json_integer(*(const long long *)p) : json_null();
    case C_FEE: return *(const long long *)p >= 0 ? json_integer(*(const long long *)p) : json_null();
    }
    return NULL;
}

/* The payload of dossier.received / dossier.submitted_online: the keys and order the jw-written payload had (its
 * "log" entry has log_json()'s keys), so stored events of both eras read the same; *dobj and *counter get the
 * objects holding the two holes ("code", "seq"). */
static json_t *intake_value(const dossier_t *d, const procedure_t *p, const dossier_intake_t *in, const char *agency,
                            const char *day, const char *actor, json_t **dobj, json_t **counter, bool *ok)
{
    json_t *root = json_object(), *o = json_object();
    jput(root, "dossier", o, ok);
    for (size_t i = 0; i < NCOLS; i++) jput(o, cols[i].name, col_value(&cols[i], d), ok);
    *dobj = o;
    json_t *papers = json_array();
    jput(root, "papers", papers, ok);
    for (int i = 0; i < in->npapers; i++) {
        const dossier_paper_in_t *pi = &in->papers[i];
        const procedure_paper_t *pp = NULL;
        for (int k = 0; k < p->n_papers; k++)
            if (!strcmp(p->papers[k].id, pi->paper)) pp = &p->papers[k];
        json_t *e = json_object();
        jput(e, "paper", jstr_or_null(pi->paper), ok);
        jput(e, "name", jstr_or_null(pp ? pp->name : pi->paper), ok);
        jput(e, "copies", json_integer(pi->copies), ok);
        jput(e, "form", jstr_or_null(pi->form), ok);
        jput(e, "mandatory", json_boolean(pp && pp->mandatory), ok);
        if (in->uploads[i]) jput(e, "upload", json_string(in->uploads[i]), ok);     /* dforms */
        if (!e || json_array_append_new(papers, e) < 0) *ok = false;
    }
    json_t *c = json_object();
    jput(root, "counter", c, ok);
    jput(c, "agency", jstr_or_null(agency), ok);
    jput(c, "day", jstr_or_null(day), ok);
    jput(c, "seq", json_integer(0), ok);       /* the day's sequence: a hole filled in the write transaction */
    *counter = c;
    if (in->idem_key) {
        json_t *k = json_object();
        jput(root, "idempotency", k, ok);
        jput(k, "actor", jstr_or_null(actor), ok);
        jput(k, "key", json_string(in->idem_key), ok);
    } else jput(root, "idempotency", json_null(), ok);
    json_t *l = json_object();
    jput(root, "log", l, ok);
    jput(l, "n", json_integer(1), ok);
    jput(l, "action", json_string(d->status == DS_NEW ? "submit" : "receive"), ok);
    jput(l, "step", json_integer(0), ok);
    jput(l, "from_account", jstr_or_null(domain_nz(actor)), ok);
    jput(l, "to_account", jstr_or_null(domain_nz(d->received_by)), ok);
    jput(l, "from_unit", json_null(), ok);
    jput(l, "to_unit", jstr_or_null(domain_nz(d->unit_id)), ok);
    jput(l, "at", json_integer(d->received_at), ok);
    jput(l, "step_due_at", d->step_due_at ? json_integer(d->step_due_at) : json_null(), ok);
    jput(l, "finished_step", json_null(), ok);
    jput(l, "timing", json_null(), ok);
    jput(l, "status_before", json_integer(0), ok);
    jput(l, "status_after", json_integer(d->status), ok);
    jput(l, "note", json_null(), ok);
    if (!root) *ok = false;
    return root;
}

static int check_party(const dossier_party_t *p, const char *prefix, bool applicant, char *phone, size_t cap,
                       derr_t *err)
{
    char f[48];
#define FIELD(n) (snprintf(f, sizeof f, "%s.%s", prefix, n), f)
    bool org = applicant && p->kind && !strcmp(p->kind, "organisation");
    if (applicant && (!p->kind || (strcmp(p->kind, "person") && !org)))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, FIELD("kind"), FIELD("kind"), "person | organisation", NULL);
    if (!p->name || !utf8_valid(p->name, strlen(p->name)) || utf8_length(p->name, strlen(p->name)) < 2 ||
        utf8_length(p->name, strlen(p->name)) > 200)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, FIELD("name"), FIELD("name"), "2", "200");
    if (org ? !dossier_tax_code_valid(p->id_number) : !dossier_citizen_id_valid(p->id_number, NULL))
        return derr_set(err, -EINVAL, 400, org ? MSG_DOSSIER_TAX_CODE : MSG_DOSSIER_ID_NUMBER, FIELD("id_number"),
                        NULL, NULL, NULL);
    if (!p->phone || dossier_phone_normalize(p->phone, phone, cap) < 0)
        return derr_set(err, -EINVAL, 400, MSG_DOSSIER_PHONE, FIELD("phone"), NULL, NULL, NULL);
    if (applicant && (!p->address || utf8_length(p->address, strlen(p->address)) < 2 ||
                      utf8_length(p->address, strlen(p->address)) > 300))
        return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, FIELD("address"), FIELD("address"), "2", "300");
    if (p->email && *p->email && !email_valid(p->email))
        return derr_set(err, -EINVAL, 400, MSG_DOSSIER_EMAIL, FIELD("email"), NULL, NULL, NULL);
#undef FIELD
    return 0;
}

static int check_papers(const dossier_intake_t *in, const procedure_t *p, derr_t *err)
{
    static const char *const forms[] = {"original", "copy", "electronic"};
    for (int i = 0; i < in->npapers; i++) {
        const dossier_paper_in_t *pi = &in->papers[i];
        bool known = false, form_ok = false;
        for (int k = 0; k < p->n_papers; k++) known |= !strcmp(p->papers[k].id, pi->paper);
        for (int k = 0; k < 3; k++) form_ok |= pi->form && !strcmp(pi->form, forms[k]);
        if (!known) return derr_set(err, -EINVAL, 400, MSG_DOSSIER_PAPER_UNKNOWN, "papers", pi->paper, NULL, NULL);
        if (!form_ok)
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "papers", "papers.form", "original | copy | electronic",
                            NULL);
        if (pi->copies < 1 || pi->copies > 99)
            return derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "papers", "papers.copies", "1", "99");
        for (int j = 0; j < i; j++)
            if (!strcmp(in->papers[j].paper, pi->paper))
                return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "papers", "papers", pi->paper, NULL);
    }
    char missing[128] = "";
    size_t used = 0;
    for (int k = 0; k < p->n_papers; k++) {
        if (!p->papers[k].mandatory) continue;
        bool have = false;
        for (int i = 0; i < in->npapers; i++) have |= !strcmp(in->papers[i].paper, p->papers[k].id);
        if (have) continue;
        int n = snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", p->papers[k].id);
        if (n > 0) used = used + (size_t)n < sizeof missing ? used + (size_t)n : sizeof missing - 1;
    }
    if (used) return derr_set(err, -EINVAL, 422, MSG_DOSSIER_PAPERS_MISSING, "papers", missing, NULL, NULL);
    return 0;
}

/* The process template as the dossier keeps it: budgets in working minutes of this unit's calendar. With no
 * template, one step of the whole statutory time done by a specialist. */
static char *plan_json(const procedure_t *p, const calendar_t *cal, long work)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_arr_begin(&w);
    for (int i = 0; i < p->n_steps; i++) {
        const procedure_step_t *s = &p->steps[i];
        long budget = 0;
        if (calendar_work_from_days(cal, s->budget_days, &budget) < 0) budget = 0;
        jw_obj_begin(&w);
        jw_kstr(&w, "name", s->name);
        jw_kstr(&w, "role", s->role);
        jw_kstr(&w, "department", domain_nz(s->department));
        jw_kint(&w, "budget", budget);
        jw_kbool(&w, "inter_agency", s->inter_agency);
        jw_kstr(&w, "other_level", domain_nz(s->other_level));
        jw_kbool(&w, "counted", s->counted);
        jw_obj_end(&w);
    }
    if (p->n_steps == 0) {
        jw_obj_begin(&w);
        jw_kstr(&w, "name", "Giải quyết");
        jw_kstr(&w, "role", "specialist");
        jw_kstr(&w, "department", NULL);
        jw_kint(&w, "budget", work);
        jw_kbool(&w, "inter_agency", false);
        jw_kstr(&w, "other_level", NULL);
        jw_kbool(&w, "counted", true);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    if (jw_finish(&w) < 0) {
        buf_free(&b);
        return xstrdup("[]");
    }
    return buf_steal(&b);
}

static int idem_lookup(db_t *db, const char *actor, const char *key, char *dossier_id)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT dossier_id FROM dossier_idempotency WHERE actor = $1 AND key = $2", "tt",
                      actor, key);
    if (rc == DB_ROW) str_copy(dossier_id, ID_LEN + 1, db_col_text(s, 0));
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : (rc < 0 ? rc : -ENOENT);
}

/* The next sequence of the agency's day. The no-op UPDATE takes the counter row's lock, so on PostgreSQL (READ
 * COMMITTED) a concurrent intake of the same agency and day waits for this transaction and then re-reads the row:
 * RETURNING gives the committed value, and codes are gap-free (one statement, one round trip). A first intake of
 * the day inserts the row in apply; two processes racing on that insert collide on the primary key and the loser
 * is retried (-ECONFLICT). */
static int next_seq(db_t *db, const char *agency, const char *day, long long *seq)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "UPDATE dossier_counters SET seq = seq WHERE agency = $1 AND day = $2 RETURNING seq",
                      "tt", agency, day);
    *seq = rc == DB_ROW ? db_col_int(s, 0) + 1 : 1;
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* ---- intake in two halves ----
 * The writer thread runs every write of the store one after another, so what it does per intake bounds the intake
 * rate whatever the number of HTTP workers. dossier_intake_prepare() therefore does everything that does not need
 * the write transaction — the checks of the request, the unit and the procedure read from a snapshot, the plan,
 * the due instants and the event payload — on the caller's thread; dossier_receive_prepared() does, in the write
 * transaction, only what needs it: the Idempotency-Key lookup, a check that the unit and procedure read are still
 * the current rows (one query; when either changed in between, the first half is done again inside the
 * transaction, so a dossier is always built from the rows current at its commit), the uploads' check, the day's
 * counter, and the event (ledger append + apply, on the payload value itself). */
struct dossier_intake_prep {
    int         rc;                  /* the first half's result; a refusal waits for the Idempotency-Key lookup */
    derr_t      err;
    char        unit_id[ID_LEN + 1];
    long long   unit_version;
    char        province_id[ID_LEN + 1];
    char        edi_code[32];
    char        proc_scope[ID_LEN + 1], proc_code[PROCEDURE_CODE_MAX];
    long long   proc_version, proc_updated_at;
    char        day[8];
    dossier_t   d;                   /* the new dossier but its code */
    event_payload_t payload;         /* the event's payload, but the code and the counter's seq */
};

static void prep_clear(dossier_intake_prep_t *x)
{
    dossier_free(&x->d);
    event_payload_free(&x->payload);
    memset(x, 0, sizeof *x);
}

void dossier_intake_prep_free(dossier_intake_prep_t *x)
{
    if (!x) return;
    prep_clear(x);
    free(x);
}

static int prepare(db_t *db, const principal_t *who, const dossier_intake_t *in, dossier_intake_prep_t *x,
                   derr_t *err)
{
    prep_clear(x);
    int channel = 0;
    for (int i = 1; i <= 3; i++)
        if (in->channel && !strcmp(in->channel, channel_names[i])) channel = i;
    if (!channel) return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "channel", "channel", "desk | online | post", NULL);
    bool citizen = !strcmp(who->kind, "citizen");
    if (channel == CH_ONLINE && !citizen) return derr_set(err, -EACCES, 403, MSG_DOSSIER_ONLINE_CITIZEN, "channel", NULL, NULL, NULL);
    if (channel != CH_ONLINE && citizen) return derr_set(err, -EACCES, 403, MSG_DOSSIER_ONLINE_CITIZEN, "channel", NULL, NULL, NULL);
    char unit_id[ID_LEN + 1];
    if (citizen ? (!in->unit_id || str_copy(unit_id, sizeof unit_id, in->unit_id) < 0)
                : dossier_intake_unit(who, in->unit_id, unit_id, sizeof unit_id) < 0)
        return derr_set(err, -EINVAL, 400, MSG_DOSSIER_UNIT_REQUIRED, "unit", NULL, NULL, NULL);
    unit_t *u = xmalloc(sizeof *u);
    procedure_t *p = xmalloc(sizeof *p);
    int rc = unit_get(db, unit_id, u);
    /* A citizen addresses an online dossier to a commune or ward: the units GET /api/v1/public/units lists (the
     * tier that receives citizens' dossiers since the two-tier government of 1 July 2025). Any other unit (a
     * province, a department) answers as an unknown one does, like an inactive commune: a citizen's view of the
     * units is that public list, so the answer does not tell whether an unlisted id names some unit. */
    if (rc == 0 && citizen && strcmp(u->kind, "commune") && strcmp(u->kind, "ward")) rc = -ENOENT;
    bool receives = rc == 0 && (citizen || auth_role_covers(who, ROLE_DESK, u->path) ||
                    (in->from_document &&
                     (auth_role_covers(who, ROLE_CLERK, u->path) || auth_role_covers(who, ROLE_LEADER, u->path))));
    if (rc == -ENOENT || (rc == 0 && (!u->active || !receives))) {
        rc = rc == 0 && !citizen && auth_sees_path(who, u->path)
                 ? derr_set(err, -EACCES, 403, MSG_FORBIDDEN, "unit", NULL, NULL, NULL)
                 : derr_set(err, -ENOENT, 404, MSG_UNIT_UNKNOWN, "unit", unit_id, NULL, NULL);
        goto out;
    }
    if (rc < 0) goto out;
    if (!u->edi_code[0]) {
        rc = derr_set(err, -EINVAL, 422, MSG_FIELD_INVALID, "unit", "unit.edi_code", "000.00.00.H00", NULL);
        goto out;
    }
    rc = in->procedure ? procedure_get(db, unit_id, in->procedure, p) : -ENOENT;
    if (rc == -ENOENT || (rc == 0 && !p->active)) {
        rc = derr_set(err, -ENOENT, 404, MSG_DOSSIER_PROCEDURE_UNKNOWN, "procedure", in->procedure ? in->procedure : "",
                      NULL, NULL);
        goto out;
    }
    if (rc < 0) goto out;
    /* Online submission only where the procedure is offered online (partly or fully): a procedure of level
     * "none" is applied for at the desk. The citizen portal offers only those procedures; this holds for any
     * client. */
    if (channel == CH_ONLINE && p->online == ONLINE_NONE) {
        rc = derr_set(err, -EINVAL, 422, MSG_DOSSIER_NOT_ONLINE, "procedure", p->code, NULL, NULL);
        goto out;
    }
    char phone[16], rep_phone[16];
    if ((rc = check_party(&in->applicant, "applicant", true, phone, sizeof phone, err)) < 0) goto out;
    if (in->has_rep && (rc = check_party(&in->rep, "representative", false, rep_phone, sizeof rep_phone, err)) < 0)
        goto out;
    if (in->content && utf8_length(in->content, strlen(in->content)) > DOSSIER_TEXT_MAX) {
        rc = derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "content", "content", "0", "1000");
        goto out;
    }
    if ((rc = check_papers(in, p, err)) < 0) goto out;

    long work = 0;
    if ((rc = procedure_work_minutes(p, in->cal, &work)) < 0) goto out;
    day_key(in->now_ms, x->day);
    str_copy(x->unit_id, sizeof x->unit_id, u->id);
    x->unit_version = u->version;
    str_copy(x->province_id, sizeof x->province_id, u->province_id);
    if (str_copy(x->edi_code, sizeof x->edi_code, u->edi_code) < 0) {
        rc = -E2BIG;
        goto out;
    }
    str_copy(x->proc_scope, sizeof x->proc_scope, p->scope);
    str_copy(x->proc_code, sizeof x->proc_code, p->code);
    x->proc_version = p->version;
    x->proc_updated_at = p->updated_at;

    dossier_t *d = &x->d;
    id_new(d->id);
    str_copy(d->unit_id, sizeof d->unit_id, u->id);
    str_copy(d->unit_path, sizeof d->unit_path, u->path);
    str_copy(d->origin_path, sizeof d->origin_path, u->path);
    str_copy(d->procedure_code, sizeof d->procedure_code, p->code);
    d->procedure_version = p->version;
    str_copy(d->procedure_name, sizeof d->procedure_name, p->name);
    str_copy(d->field, sizeof d->field, p->field);
    d->channel = channel;
    d->plan = plan_json(p, in->cal, work);
    d->time_rule = (int)p->time_rule;
    d->work_minutes = work;
    d->supplement_rule = (int)p->supplement;
    str_copy(d->applicant_kind, sizeof d->applicant_kind, in->applicant.kind);
    str_copy(d->applicant_name, sizeof d->applicant_name, in->applicant.name);
    str_copy(d->id_number, sizeof d->id_number, in->applicant.id_number);
    str_copy(d->phone, sizeof d->phone, phone);
    str_copy(d->address, sizeof d->address, in->applicant.address);
    str_copy(d->email, sizeof d->email, in->applicant.email ? in->applicant.email : "");
    if (in->has_rep) {
        buf_t b;
        buf_init(&b, 0);
        jw_t w;
        jw_init(&w, &b);
        jw_obj_begin(&w);
        jw_kstr(&w, "name", in->rep.name);
        jw_kstr(&w, "id_number", in->rep.id_number);
        jw_kstr(&w, "phone", rep_phone);
        jw_kstr(&w, "address", domain_nz(in->rep.address));
        jw_kstr(&w, "email", domain_nz(in->rep.email));
        jw_obj_end(&w);
        d->representative = jw_finish(&w) == 0 ? buf_steal(&b) : NULL;
        buf_free(&b);
    }
    d->content = in->content && *in->content ? xstrdup(in->content) : NULL;
    if (citizen) str_copy(d->applicant_account, sizeof d->applicant_account, who->account_id);
    else str_copy(d->received_by, sizeof d->received_by, who->account_id);
    d->received_at = in->now_ms;
    d->fee_amount = p->fee_amount >= 0 ? p->fee_amount : -1;
    d->paid_amount = -1;
    d->created_at = d->updated_at = in->now_ms;
    d->version = 1;
    if (channel == CH_ONLINE) d->status = DS_NEW;
    else {
        /* Received at the desk or by post: accepted at once, the clock starts now (Decree 118/2025 art. 15). */
        long due = 0, sdue = 0;
        plan_step_t ps;
        d->status = DS_ACCEPTED;
        d->accepted_at = in->now_ms;
        rc = calendar_due(in->cal, to_min(in->now_ms), (due_rule_t)d->time_rule, work, &due);
        if (rc == 0 && plan_step(d, 0, &ps) == 0) rc = calendar_step_due(in->cal, to_min(in->now_ms), ps.budget, &sdue);
        if (rc < 0) goto out;
        d->due_at = d->original_due_at = to_ms(due);
        d->step_started_at = in->now_ms;
        d->step_due_at = to_ms(sdue);
        str_copy(d->department, sizeof d->department, ps.department);
    }
    bool ok = true;
    json_t *dobj = NULL, *counter = NULL;
    json_t *v = intake_value(d, p, in, x->edi_code, x->day, who->account_id, &dobj, &counter, &ok);
    json_t *const objs[] = {dobj, counter};
    static const char *const keys[] = {"code", "seq"};
    rc = event_payload_init(&x->payload, v, 2, objs, keys);   /* takes v */
    if (rc == 0 && !ok) rc = -EILSEQ;
out:
    free(u);
    free(p);
    return rc;
}

dossier_intake_prep_t *dossier_intake_prepare(db_t *db, const principal_t *who, const dossier_intake_t *in)
{
    dossier_intake_prep_t *x = xcalloc(1, sizeof *x);
    derr_t err = {0};
    int rc = prepare(db, who, in, x, &err);
    if (rc < 0) prep_clear(x);
    x->rc = rc;
    x->err = err;
    return x;
}

int dossier_intake_prep_result(const dossier_intake_prep_t *x, derr_t *err)
{
    if (x->rc < 0 && err) *err = x->err;
    return x->rc;
}

/* Are the unit and the procedure the first half read still the rows procedure_get() would read now? The same
 * unit version, the same (scope, code) record active at the same version and instant, and, when that is the
 * national record, still no active adaptation of the unit's province. */
static int prep_fresh(db_t *db, const dossier_intake_prep_t *x)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT CASE WHEN (SELECT version FROM units WHERE id = $1) = $2 "
                      "AND (SELECT COUNT(*) FROM procedures WHERE scope = $3 AND code = $4 AND active = 1 "
                      "AND version = $5 AND updated_at = $6) = 1 "
                      "AND ($3 <> '' OR $7 = '' OR NOT EXISTS (SELECT 1 FROM procedures WHERE scope = $7 "
                      "AND code = $4 AND active = 1)) THEN 1 ELSE 0 END",
                      "tittiit", x->unit_id, x->unit_version, x->proc_scope, x->proc_code, x->proc_version,
                      x->proc_updated_at, x->province_id);
    int fresh = rc == DB_ROW ? (int)db_col_int(s, 0) : 0;
    if (s) db_reset(s);
    return rc < 0 ? rc : fresh;
}

int dossier_receive_prepared(db_t *db, const principal_t *who, const dossier_intake_t *in, dossier_intake_prep_t *x,
                             dossier_t *out, bool *replayed, derr_t *err)
{
    *replayed = false;
    if (in->idem_key) {
        char id[ID_LEN + 1];
        int rc = idem_lookup(db, who->account_id, in->idem_key, id);
        if (rc == 0) {
            rc = get_by(db, "id", id, out);
            if (rc == 0) *replayed = true;
            return rc;
        }
        if (rc != -ENOENT) return rc;
    }
    if (x->rc < 0) {
        *err = x->err;
        return x->rc;
    }
    int rc = prep_fresh(db, x);
    if (rc < 0) return rc;
    if (rc == 0 && (rc = prepare(db, who, in, x, err)) < 0) return rc;   /* changed meanwhile: again, in here */
    if ((rc = dossier_uploads_check(db, who, in, err)) < 0) return rc;     /* dforms */
    long long seq;
    if ((rc = next_seq(db, x->edi_code, x->day, &seq)) < 0) return rc;
    dossier_t *d = &x->d;
    if ((rc = dossier_code_format(x->edi_code, in->now_ms, seq, d->code, sizeof d->code)) < 0) return rc;
    json_t *const fills[] = {json_string(d->code), json_integer(seq)};
    long long ev_seq = 0;                      /* dforms: the event's sequence, for the notifications' keys */
    rc = event_record_payload(db, d->unit_id, who->account_id,
                              d->channel == CH_ONLINE ? "dossier.submitted_online" : "dossier.received", "dossier",
                              d->id, &x->payload, fills, &ev_seq);
    json_decref(fills[0]);
    json_decref(fills[1]);
    if (rc == -EEXIST) rc = -ECONFLICT;        /* a concurrent first intake of the day, or the same key: retry */
    if (rc == 0) rc = dossier_notify_after(db, NULL, d, DA__COUNT, ev_seq);   /* dforms: same transaction */
    if (rc == 0) {
        /* The row apply just wrote holds exactly these values (it was built from the payload made of them): no
         * second read. */
        dossier_free(out);
        *out = *d;
        out->plan = d->plan ? xstrdup(d->plan) : NULL;
        out->representative = d->representative ? xstrdup(d->representative) : NULL;
        out->content = d->content ? xstrdup(d->content) : NULL;
        out->result = out->reason = NULL;
    }
    return rc;
}

int dossier_receive(db_t *db, const principal_t *who, const dossier_intake_t *in, dossier_t *out, bool *replayed,
                    derr_t *err)
{
    dossier_intake_prep_t *x = dossier_intake_prepare(db, who, in);
    int rc = dossier_receive_prepared(db, who, in, x, out, replayed, err);
    dossier_intake_prep_free(x);
    return rc;
}

/* ---- actions ---- */

struct action_payload {
    const dossier_t *d;        /* the state after */
    const char      *type;
    long long        n;
    const char      *action, *from, *to, *from_unit, *to_unit, *timing, *note;
    int              step, finished, before;
    long long        at, step_due;
    const char      *papers;   /* resubmit / attach_paper: the resolved papers array, serialized; or NULL */
    const char      *result_doc;   /* approve with a signed result: dossier_result.h, or NULL */
};

static void action_payload(jw_t *w, const void *arg)
{
    const struct action_payload *c = arg;
    jw_obj_begin(w);
    jw_kstr(w, "id", c->d->id);
    jw_kstr(w, "code", c->d->code);
    jw_key(w, "after");
    jw_obj_begin(w);
    for (size_t i = 0; i < NCOLS; i++)
        if (cols[i].mutable_) write_col(w, &cols[i], c->d);
    jw_obj_end(w);
    log_json(w, c->n, c->action, c->step, c->from, c->to, c->from_unit, c->to_unit, c->at, c->step_due, c->finished,
             c->timing, c->before, c->d->status, c->note);
    if (c->papers) {
        jw_key(w, "papers");
        jw_raw(w, c->papers, strlen(c->papers));
    }
    if (c->result_doc) {
        jw_key(w, "result_doc");
        jw_raw(w, c->result_doc, strlen(c->result_doc));
    }
    jw_obj_end(w);
}

static const char *timing_name(calendar_timing_t t)
{
    return t == CALENDAR_EARLY ? "early" : t == CALENDAR_LATE ? "late" : "on_time";
}

/* Resolve "to" (username or id) to a staff account holding role r at path. */
/* "to" of assign and forward (an id or a username): an account dossier_assignee_ok accepts for role r at d's
 * current step, into id_out. Every other account — unknown, disabled, a citizen, of another unit or department,
 * without the role — is the same 422, so that the answer tells nothing about accounts the caller could not assign
 * anyway. */
static int resolve_to(db_t *db, const char *to, role_t r, const dossier_t *d, char *id_out, derr_t *err)
{
    account_t *a = xmalloc(sizeof *a);
    int rc = id_valid(to) ? account_get(db, to, a) : -ENOENT;
    if (rc == -ENOENT) rc = account_get_by_username(db, to, a);
    if (rc == 0 && !dossier_assignee_ok(d, r, a)) rc = -ENOENT;
    if (rc == 0) str_copy(id_out, ID_LEN + 1, a->id);
    else if (rc == -ENOENT) {
        char name[256];
        unit_name_at(db, step_path(d), name, sizeof name);
        rc = derr_set(err, -EINVAL, 422, MSG_DOSSIER_ASSIGNEE, "to", to, role_name(r), name);
    }
    free(a);
    return rc;
}

static int last_log_n(db_t *db, const char *id, long long *n)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COALESCE(MAX(n), 0) FROM dossier_steps WHERE dossier_id = $1", "t", id);
    *n = rc == DB_ROW ? db_col_int(s, 0) : 0;
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static bool text_ok(const char *s, size_t max)
{
    return s && utf8_valid(s, strlen(s)) && utf8_length(s, strlen(s)) >= 2 && utf8_length(s, strlen(s)) <= max;
}

/* The dossier's row for checklist item `item`, if any (name, copies, form, mandatory); 0 found, -ENOENT, or < 0. */
static int dossier_paper_row(db_t *db, const char *id, const char *item, json_t *e)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT name, copies, form, mandatory FROM dossier_papers "
                              "WHERE dossier_id = $1 AND paper_id = $2", "tt", id, item);
    if (rc == DB_ROW) {
        json_object_set_new(e, "name", json_string(db_col_text(s, 0)));
        json_object_set_new(e, "copies", json_integer(db_col_int(s, 1)));
        json_object_set_new(e, "form", json_string(db_col_text(s, 2)));
        json_object_set_new(e, "mandatory", json_boolean(db_col_int(s, 3) != 0));
    }
    if (s) db_reset(s);
    return rc == DB_ROW ? 0 : rc < 0 ? rc : -ENOENT;
}

/* Validate the papers of a resubmit / attach_paper (as at intake: an item of the procedure's checklist, the
 * dossier's own rows included when the procedure changed since, copies 1..99, a known form, an upload who may
 * see) and resolve each to the full row the apply writes; *out gets the serialized array (malloc'd) or NULL when
 * there are none. need_upload: every entry must name an upload (attach_paper). */
static int resolve_papers(db_t *db, const principal_t *who, const dossier_t *d, const json_t *papers,
                          bool need_upload, char **out, derr_t *err)
{
    static const char *const forms[] = {"original", "copy", "electronic"};
    *out = NULL;
    size_t n = json_is_array(papers) ? json_array_size(papers) : 0;
    if (papers && !json_is_array(papers))
        return derr_set(err, -EINVAL, 400, MSG_WRONG_TYPE, "papers", "papers", "object[]", NULL);
    if (need_upload && n == 0) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "papers", "papers", NULL, NULL);
    if (n == 0) return 0;
    if (n > PROCEDURE_PAPERS_MAX) {
        char max[16];
        snprintf(max, sizeof max, "%d", PROCEDURE_PAPERS_MAX);
        return derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "papers", "papers", "1", max);
    }
    procedure_t *p = xcalloc(1, sizeof *p);
    int rc = procedure_get(db, d->unit_id, d->procedure_code, p);
    if (rc == -ENOENT) p->n_papers = 0, rc = 0;         /* only the dossier's own rows are known then */
    json_t *res = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_t *e = json_array_get(papers, i);
        json_t *cp = json_object_get(e, "copies"), *fm = json_object_get(e, "form"), *up = json_object_get(e, "upload");
        const char *item = event_str(e, "paper");
        if (!json_is_object(e)) {
            rc = derr_set(err, -EINVAL, 400, MSG_WRONG_TYPE, "papers", "papers", "object[]", NULL);
            break;
        }
        const char *key;
        json_t *val;
        json_object_foreach(e, key, val) {
            if (strcmp(key, "paper") && strcmp(key, "copies") && strcmp(key, "form") && strcmp(key, "upload")) {
                rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "papers", key, NULL, NULL);
                break;
            }
        }
        if (rc < 0) break;
        if (!item || !*item || strlen(item) > 23) {
            rc = derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "papers", "papers.paper", NULL, NULL);
            break;
        }
        if (cp && (!json_is_integer(cp) || json_integer_value(cp) < 1 || json_integer_value(cp) > 99)) {
            rc = derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "papers", "papers.copies", "1", "99");
            break;
        }
        bool form_ok = !fm;
        for (int k = 0; fm && k < 3; k++) form_ok |= json_is_string(fm) && !strcmp(json_string_value(fm), forms[k]);
        if (!form_ok) {
            rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "papers", "papers.form", "original | copy | electronic",
                          NULL);
            break;
        }
        if (up && (!json_is_string(up) || json_string_length(up) != ID_LEN)) {
            rc = derr_set(err, -EINVAL, 400, MSG_WRONG_TYPE, "papers", "papers.upload", "id", NULL);
            break;
        }
        if (need_upload && !up) {
            rc = derr_set(err, -EINVAL, 400, MSG_DF_ATTACH_NEEDS_UPLOAD, "papers", item, NULL, NULL);
            break;
        }
        for (size_t j = 0; j < i && rc == 0; j++)      /* the earlier entries passed the checks above */
            if (!strcmp(event_str(json_array_get(papers, j), "paper"), item))
                rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "papers", "papers", item, NULL);
        if (rc < 0) break;
        json_t *r = json_object();
        json_object_set_new(r, "paper", json_string(item));
        json_array_append_new(res, r);
        /* The dossier's row first (it keeps the name the applicant was received under), else the checklist's. */
        rc = dossier_paper_row(db, d->id, item, r);
        if (rc == -ENOENT) {
            const procedure_paper_t *pp = NULL;
            for (int k = 0; k < p->n_papers; k++)
                if (!strcmp(p->papers[k].id, item)) pp = &p->papers[k];
            if (!pp) {
                rc = derr_set(err, -EINVAL, 400, MSG_DOSSIER_PAPER_UNKNOWN, "papers", item, NULL, NULL);
                break;
            }
            json_object_set_new(r, "name", json_string(pp->name));
            json_object_set_new(r, "copies", json_integer(1));
            json_object_set_new(r, "form", json_string("original"));
            json_object_set_new(r, "mandatory", json_boolean(pp->mandatory));
            rc = 0;
        }
        if (rc < 0) break;
        if (cp) json_object_set_new(r, "copies", json_integer(json_integer_value(cp)));
        if (fm) json_object_set_new(r, "form", json_string(json_string_value(fm)));
        if (up) {
            if ((rc = dossier_upload_check_one(db, who, json_string_value(up), item, err)) < 0) break;
            json_object_set_new(r, "upload", json_string(json_string_value(up)));
        }
    }
    if (rc == 0) *out = json_dumps(res, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (rc == 0 && !*out) rc = -ENOMEM;
    json_decref(res);
    free(p);
    return rc;
}

int dossier_act_check(db_t *db, const principal_t *who, const char *code, const dossier_action_in_t *in, dossier_t *d,
                      derr_t *err)
{
    int rc = dossier_get(db, code, d);
    if (rc == 0 && !dossier_visible_to(who, d)) rc = -ENOENT;
    if (rc < 0) {
        if (rc == -ENOENT) derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
        return rc;
    }
    dossier_action_t a = in->action;
    if (!role_ok(who, d, a)) return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, "action", NULL, NULL, NULL);
    if (in->version != d->version) {
        char v[24];
        snprintf(v, sizeof v, "%lld", d->version);
        return derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, "version", v, NULL, NULL);
    }
    if (!(rules[a].states & ST(d->status))) {
        char allowed[128];
        allowed_text(dossier_allowed_actions(who, d), allowed, sizeof allowed);
        return derr_set(err, -EBUSY, 409, MSG_DOSSIER_WRONG_STATE, "action", dossier_status_name(d->status, LANG_VI),
                        action_names[a], allowed);
    }
    msg_id_t pre = precondition(d, a);
    if (pre != MSG_OK) return derr_set(err, -EPERM, 422, pre, "action", NULL, NULL, NULL);
    return 0;
}

/* approve with a signed result: the result document must still be the PDF that was signed (409 when it was
 * replaced meanwhile); *doc gets the payload's "result_doc" member (malloc'd JSON). attach_result: the result
 * document is fixed once signed (422). The signed file's paper is recorded by the caller in the same transaction. */
static int result_doc(db_t *db, const dossier_t *d, const dossier_action_in_t *in, char **doc, derr_t *err)
{
    *doc = NULL;
    dossier_result_doc_t row;
    int rc = dossier_result_get(db, d->id, &row);
    if (rc < 0 && rc != -ENOENT) return rc;
    if (in->action == DA_ATTACH_RESULT)
        return rc == 0 ? derr_set(err, -EPERM, 422, MSG_SIGNRES_SIGNED_ALREADY, "result_paper", NULL, NULL, NULL) : 0;
    char sha[SHA256_HEX_LEN + 1];
    if (rc == 0) return derr_set(err, -EPERM, 422, MSG_SIGNRES_SIGNED_ALREADY, "sign", NULL, NULL, NULL);
    rc = dossier_result_pdf(db, d, sha);
    if (rc == -ENOENT) return derr_set(err, -EPERM, 422, MSG_SIGNRES_NO_PDF, "sign", NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (strcmp(sha, in->signed_result->from_sha256))
        return derr_set(err, -EBUSY, 409, MSG_SIGNRES_CHANGED, "sign", NULL, NULL, NULL);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    dossier_result_signed_json(&w, in->signed_result);
    rc = jw_finish(&w);
    if (rc == 0) *doc = xstrdup(b.data);
    buf_free(&b);
    return rc;
}

int dossier_act(db_t *db, const principal_t *who, const char *code, const dossier_action_in_t *in, dossier_t *out,
                derr_t *err)
{
    dossier_t *d = xcalloc(1, sizeof *d);
    dossier_action_t a = in->action;
    int rc = dossier_act_check(db, who, code, in, d, err);
    if (rc < 0) goto done;

    /* The new state, computed here from the old one, the body, now and the calendar. */
    dossier_t nd = *d;            /* shallow: pointer members still belong to d */
    const calendar_t *cal = in->cal;
    long now = to_min(in->now_ms);
    struct action_payload c = {.d = &nd, .type = action_events[a], .action = action_names[a], .from = who->account_id,
                               .from_unit = d->unit_id, .to_unit = d->unit_id, .step = d->step, .finished = -1,
                               .before = d->status, .at = in->now_ms};
    plan_step_t cur, next;
    plan_step(d, d->step, &cur);
    calendar_timing_t t;
    bool needs_reason = a == DA_REFUSE || a == DA_RETURN || a == DA_REQUEST_SUPPLEMENT || a == DA_EXTEND ||
                        a == DA_STOP;
    if (needs_reason && !text_ok(in->reason, DOSSIER_TEXT_MAX)) {
        rc = in->reason ? derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "reason", "reason", "2", "1000")
                        : derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "reason", "reason", NULL, NULL);
        goto done;
    }
    if (in->reason && !needs_reason && !text_ok(in->reason, DOSSIER_TEXT_MAX)) {
        rc = derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "reason", "reason", "2", "1000");
        goto done;
    }
    c.note = in->reason;
    char to_id[ID_LEN + 1] = "";
    char unit_id[ID_LEN + 1], unit_path[AUTH_PATH_MAX];
    buf_t note;
    buf_init(&note, 0);
    char *papers_out = NULL, *doc = NULL;
    if (in->signed_result && a != DA_APPROVE) {
        rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "sign", "sign", NULL, NULL);
        goto out;
    }
    if (in->signed_result || (a == DA_ATTACH_RESULT && in->result_paper)) {
        if ((rc = result_doc(db, d, in, &doc, err)) < 0) goto out;
        c.result_doc = doc;
    }
    switch (a) {
    case DA_ACCEPT: {
        long due, sdue;
        rc = calendar_due(cal, now, (due_rule_t)d->time_rule, d->work_minutes, &due);
        if (rc == 0) rc = calendar_step_due(cal, now, cur.budget, &sdue);
        if (rc < 0) break;
        nd.status = DS_ACCEPTED;
        nd.accepted_at = in->now_ms;
        nd.due_at = nd.original_due_at = to_ms(due);
        nd.step_started_at = in->now_ms;
        nd.step_due_at = to_ms(sdue);
        str_copy(nd.department, sizeof nd.department, cur.department);
        c.step_due = nd.step_due_at;
        break;
    }
    case DA_REFUSE:
    case DA_STOP:
    case DA_WITHDRAW:
        nd.status = a == DA_REFUSE ? DS_REFUSED : a == DA_STOP ? DS_STOPPED : DS_WITHDRAWN;
        nd.reason = (char *)in->reason;
        nd.assignee_id[0] = '\0';
        break;
    case DA_ASSIGN: {
        if (!in->to) {
            rc = derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "to", "to", NULL, NULL);
            break;
        }
        if ((rc = resolve_to(db, in->to, assign_role(d), d, to_id, err)) < 0) break;
        str_copy(nd.assignee_id, sizeof nd.assignee_id, to_id);
        nd.status = DS_PROCESSING;
        c.to = to_id;
        c.step_due = d->step_due_at;
        break;
    }
    case DA_FORWARD:
    case DA_HAND_BACK:
    case DA_RETURN: {
        int target = a == DA_RETURN ? d->step - 1 : d->step + 1;
        if (!works_current_step(who, d)) {
            rc = derr_set(err, -EACCES, 403, MSG_FORBIDDEN, "action", NULL, NULL, NULL);
            break;
        }
        if (plan_step(d, target, &next) < 0) {
            rc = derr_set(err, -EPERM, 422, MSG_DOSSIER_LAST_STEP, "action", NULL, NULL, NULL);
            break;
        }
        str_copy(unit_id, sizeof unit_id, d->unit_id);
        str_copy(unit_path, sizeof unit_path, d->unit_path);
        if (a == DA_HAND_BACK) {
            /* Back to the unit that received it (origin_path; precondition checked it is well formed): no body
             * field names it, so a "unit" is refused as for a plain forward. */
            if (in->unit) {
                rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "unit", "unit", NULL, NULL);
                break;
            }
            origin_unit_id(d, unit_id);
            str_copy(unit_path, sizeof unit_path, d->origin_path);
        } else if (a == DA_FORWARD && next.inter_agency) {
            /* Inter-agency: ownership passes to a unit of the other level (Decree 118/2025, liên thông). */
            unit_t *u = xmalloc(sizeof *u);
            int urc = in->unit && id_valid(in->unit) ? unit_get(db, in->unit, u) : -ENOENT;
            bool kind_ok = urc == 0 && u->active &&
                           (!strcmp(next.other_level, "province") ? !strcmp(u->kind, "province")
                                                                    : (!strcmp(u->kind, "commune") || !strcmp(u->kind, "ward")));
            if (urc == 0 && kind_ok) {
                str_copy(unit_id, sizeof unit_id, u->id);
                str_copy(unit_path, sizeof unit_path, u->path);
            }
            free(u);
            if (urc < 0 && urc != -ENOENT) {
                rc = urc;
                break;
            }
            if (!kind_ok) {
                rc = derr_set(err, -EINVAL, 422, MSG_DOSSIER_TARGET_UNIT, "unit", in->unit ? in->unit : "",
                              next.other_level, NULL);
                break;
            }
        } else if (in->unit) {
            rc = derr_set(err, -EINVAL, 400, MSG_UNKNOWN_FIELD, "unit", "unit", NULL, NULL);
            break;
        }
        if (in->to) {
            /* The officer named for the target step: the rule of assign, applied to that step at its unit. */
            dossier_t *tx = xmalloc(sizeof *tx);
            *tx = *d;                 /* shallow: only the step, its department and unit are read */
            tx->step = target;
            str_copy(tx->department, sizeof tx->department, next.department);
            str_copy(tx->unit_path, sizeof tx->unit_path, unit_path);
            rc = load_step_unit(db, tx);
            if (rc == 0) rc = resolve_to(db, in->to, assign_role(tx), tx, to_id, err);
            free(tx);
            if (rc < 0) break;
        }
        long sdue;
        if ((rc = calendar_step_due(cal, now, next.budget, &sdue)) < 0) break;
        if (d->step_due_at && calendar_classify(cal, to_min(d->step_due_at), now, &t) == 0) c.timing = timing_name(t);
        c.finished = d->step;
        nd.step = target;
        nd.status = DS_PROCESSING;
        str_copy(nd.assignee_id, sizeof nd.assignee_id, to_id);
        str_copy(nd.department, sizeof nd.department, next.department);
        str_copy(nd.unit_id, sizeof nd.unit_id, unit_id);
        str_copy(nd.unit_path, sizeof nd.unit_path, unit_path);
        nd.step_started_at = in->now_ms;
        nd.step_due_at = to_ms(sdue);
        c.to = to_id;
        c.to_unit = nd.unit_id;
        c.step = target;
        c.step_due = nd.step_due_at;
        break;
    }
    case DA_REQUEST_SUPPLEMENT: {
        /* Once per dossier; the clock pauses (Decree 118/2025; Circular 03/2025 form 02). */
        size_t i;
        json_t *it;
        buf_puts(&note, in->reason);
        if (in->items) json_array_foreach(in->items, i, it) {
            if (!json_is_string(it) || !text_ok(json_string_value(it), 300)) {
                rc = derr_set(err, -EINVAL, 400, MSG_WRONG_TYPE, "items", "items", "string[]", NULL);
                break;
            }
            buf_printf(&note, "%s%s", i ? "; " : " — ", json_string_value(it));
        }
        if (rc < 0) break;
        nd.status = DS_SUPPLEMENT;
        nd.supplement_count = d->supplement_count + 1;
        nd.paused_at = in->now_ms;
        nd.reason = note.data;
        c.note = note.data;
        break;
    }
    case DA_RESUBMIT: {
        long due, sdue = 0, odue = 0, paused = to_min(d->paused_at);
        /* The supplement's papers when the desk names them (Decree 118/2025 on supplements: not read). */
        if ((rc = resolve_papers(db, who, d, in->papers, false, &papers_out, err)) < 0) break;
        c.papers = papers_out;
        if (d->supplement_rule == SUPPLEMENT_RESTART) {
            rc = calendar_due(cal, now, (due_rule_t)d->time_rule, d->work_minutes, &due);
            odue = due;
            if (rc == 0) rc = calendar_step_due(cal, now, cur.budget, &sdue);
        } else {
            rc = calendar_due_after_pause(cal, to_min(d->due_at), paused, now, &due);
            if (rc == 0) rc = calendar_due_after_pause(cal, to_min(d->original_due_at), paused, now, &odue);
            if (rc == 0 && d->step_due_at) rc = calendar_due_after_pause(cal, to_min(d->step_due_at), paused, now, &sdue);
        }
        if (rc < 0) break;
        nd.status = d->step == 0 && !d->assignee_id[0] ? DS_ACCEPTED : DS_PROCESSING;
        nd.due_at = to_ms(due);
        nd.original_due_at = d->extended ? to_ms(odue) : to_ms(due);
        nd.step_due_at = sdue ? to_ms(sdue) : 0;
        nd.paused_at = 0;
        c.step_due = nd.step_due_at;
        break;
    }
    case DA_REQUEST_PAYMENT:
        if (!in->has_amount || in->amount < 1) {
            rc = derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "amount", "amount", "1", "1000000000");
            break;
        }
        nd.status = DS_PAYMENT;
        nd.fee_amount = in->amount;
        break;
    case DA_RECORD_PAYMENT:
        if (in->has_amount && in->amount != d->fee_amount) {
            char v[24];
            snprintf(v, sizeof v, "%lld", d->fee_amount);
            rc = derr_set(err, -EINVAL, 422, MSG_DOSSIER_PAYMENT_AMOUNT, "amount", v, NULL, NULL);
            break;
        }
        nd.paid_amount = d->fee_amount;
        nd.status = d->step == 0 && !d->assignee_id[0] ? DS_ACCEPTED : DS_PROCESSING;
        break;
    case DA_EXTEND: {
        /* Apology and extension (Circular 03/2025 form 04): once, at least one working day before the due, by the
         * head of the agency; the original due is kept for the statistics. */
        long nd_due;
        if (in->days < 1 || in->days > 60) {
            rc = derr_set(err, -EINVAL, 400, MSG_FIELD_RANGE, "days", "days", "1", "60");
            break;
        }
        rc = calendar_extend(cal, to_min(d->due_at), now, (long)in->days * calendar_day_length(cal), &nd_due);
        if (rc == -EPERM) {
            char due[CLOCK_ISO_LEN];
            clock_iso_vn(d->due_at, due);
            rc = derr_set(err, -EPERM, 422, MSG_DOSSIER_EXTEND_LATE, "action", due, NULL, NULL);
            break;
        }
        if (rc < 0) break;
        nd.extended = 1;
        nd.due_at = to_ms(nd_due);
        nd.reason = (char *)in->reason;
        break;
    }
    case DA_APPROVE:
        if (calendar_classify(cal, to_min(d->due_at), now, &t) == 0) str_copy(nd.timing, sizeof nd.timing, timing_name(t));
        if (d->step_due_at && calendar_classify(cal, to_min(d->step_due_at), now, &t) == 0) c.timing = timing_name(t);
        c.finished = d->step;
        nd.status = DS_RESOLVED;
        nd.resolved_at = in->now_ms;
        nd.assignee_id[0] = '\0';
        /* signed results: the signed copy becomes the result document (the applicant's data store holds it) */
        if (in->signed_result) str_copy(nd.result_paper, sizeof nd.result_paper, in->signed_result->paper_id);
        break;
    case DA_ATTACH_RESULT:
        if (!text_ok(in->result, DOSSIER_TEXT_MAX)) {
            rc = in->result ? derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "result", "result", "2", "1000")
                            : derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "result", "result", NULL, NULL);
            break;
        }
        nd.result = (char *)in->result;
        /* The result document (a staff upload the officer may see): it joins the applicant's data store
         * (GET /api/v1/me/papers), reusable in a later dossier. An unknown or invisible id is 404, as at intake. */
        if (in->result_paper && (rc = dossier_result_paper_check(db, who, in->result_paper, err)) < 0) break;
        if (in->result_paper) str_copy(nd.result_paper, sizeof nd.result_paper, in->result_paper);
        break;
    case DA_ATTACH_PAPER: {
        /* A paper received after intake: the state and the clock do not move; the log names the items. */
        if ((rc = resolve_papers(db, who, d, in->papers, true, &papers_out, err)) < 0) break;
        c.papers = papers_out;
        c.step_due = d->step_due_at;
        size_t i;
        json_t *e;
        json_array_foreach(in->papers, i, e) buf_printf(&note, "%s%s", i ? ", " : "", event_str(e, "paper"));
        if (!in->reason) c.note = note.data;
        break;
    }
    case DA_DELIVER: {
        static const char *const hows[] = {"in_person", "post", "online"};
        bool how_ok = !in->how;
        for (int i = 0; i < 3; i++) how_ok |= in->how && !strcmp(in->how, hows[i]);
        if (!text_ok(in->received_by, 200)) {
            rc = in->received_by ? derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, "received_by", "received_by", "2", "200")
                                 : derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, "received_by", "received_by", NULL, NULL);
            break;
        }
        if (!how_ok) {
            rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "how", "how", "in_person | post | online", NULL);
            break;
        }
        long long at = in->now_ms;
        if (in->when) {
            long m;
            if (calendar_instant_parse(in->when, &m) < 0 || to_ms(m) > in->now_ms || to_ms(m) < d->resolved_at - 60000) {
                rc = derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "when", "when", "YYYY-MM-DDTHH:MM", NULL);
                break;
            }
            at = to_ms(m);
        }
        nd.status = DS_RETURNED;
        nd.delivered_at = at;
        str_copy(nd.delivered_to, sizeof nd.delivered_to, in->received_by);
        buf_printf(&note, "%s (%s)", in->received_by, in->how ? in->how : "in_person");
        c.note = note.data;
        break;
    }
    default:
        rc = -EINVAL;
    }
    if (rc == 0 && in->signed_result) {
        /* The signed file is a paper of its own (content-addressed, committed before the transaction), recorded
         * here so that the approve event can name it; both events commit together or not at all. */
        const dossier_signed_t *s = in->signed_result;
        paper_upload_t up = {.at = s->at, .sha256 = s->sha256, .name = s->name, .media_type = "application/pdf",
                             .unit_id = d->unit_id, .size = s->size, .digitized = true};
        str_copy(up.id, sizeof up.id, s->paper_id);
        rc = paper_record_upload(db, who, &up, NULL, err);
    }
    if (rc == 0) rc = last_log_n(db, d->id, &c.n);
    if (rc == 0) {
        /* Invariants of a transition (checked above, asserted here for the reader): the action is one the state
         * it leaves allows, and it lands in a known state. */
        assert(rules[a].states & ST(d->status));
        assert(nd.status >= DS_NEW && nd.status <= DS_RETURNED);
        c.n++;
        nd.version = d->version + 1;
        nd.updated_at = in->now_ms;
        long long ev_seq = 0;                  /* dforms: the event's sequence, for the notifications' keys */
        rc = event_record(db, nd.unit_id, who->account_id, c.type, "dossier", d->id, action_payload, &c, &ev_seq);
        if (rc == 0) rc = dossier_notify_after(db, d, &nd, (int)a, ev_seq);     /* dforms: same transaction */
    }
out:
    buf_free(&note);
    free(papers_out);
    free(doc);
    if (rc == 0) rc = dossier_get(db, code, out);
done:
    dossier_free(d);
    free(d);
    return rc;
}

/* ---- work lists ---- */

/* The count of a list stops after dossier_total_cap() + 1 matching rows: counting every match of a frequent name
 * (a surname matches a third of a commune's dossiers) would cost as much as reading them. MOTCUA_DOSSIER_TOTAL_CAP
 * lowers it for the tests (1..100000; read once), so that "more than the cap" needs a few dossiers, not 1,001. */
static long long total_cap = DOSSIER_TOTAL_CAP;
static pthread_once_t total_cap_once = PTHREAD_ONCE_INIT;

static void total_cap_init(void)
{
    const char *e = getenv("MOTCUA_DOSSIER_TOTAL_CAP");
    if (!e || !*e) return;
    char *end;
    long long v = strtoll(e, &end, 10);
    if (*end == '\0' && v >= 1 && v <= 100000) total_cap = v;
}

long long dossier_total_cap(void)
{
    pthread_once(&total_cap_once, total_cap_init);
    return total_cap;
}

/* How a search text is matched. M_TRIGRAM: through the trigram index (dossier_search), which yields the matches
 * in no useful order, so the page sorts them all: right when they are few. M_SCAN: a plain substring test on the
 * row (instr / strpos, which no trigram index serves, so that the planner keeps reading `id` newest first and stops
 * at the page size): right when matches are many, and the only way for texts under 3 characters, which have no
 * trigram. Both are exact: search and the needle are folded (lowercase), and the needle holds no LIKE wildcard. */
enum match { M_NONE, M_TRIGRAM, M_SCAN };

static int id_cmp_desc(const void *a, const void *b) { return strcmp((const char *)b, (const char *)a); }

/* "FROM ... WHERE <scope><match>" of a list statement; the match text is parameter $arg. */
/* 1 when g is at a department unit: *parent gets the path of the unit above it, *name its name; else 0. */
static int department_of_grant(db_t *db, const grant_t *g, char parent[AUTH_PATH_MAX], char name[808])
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT d.name, p.path FROM units d JOIN units p ON p.id = d.parent_id "
                              "WHERE d.id = $1 AND d.kind = 'department' AND d.active = 1", "t", g->unit_id);
    if (rc == DB_ROW) {
        str_copy(name, 808, db_col_text(s, 0));
        str_copy(parent, AUTH_PATH_MAX, db_col_text(s, 1));
    }
    if (s) db_reset(s);
    return rc == DB_ROW ? 1 : 0;
}

static void list_from(buf_t *sql, bool sqlite, enum match m, const char *where, int arg)
{
    if (m == M_TRIGRAM && sqlite)
        /* Joined on id (stored in the FTS table), not on rowid: a rowid is not stable across VACUUM here. */
        buf_printf(sql, "(SELECT id AS mid FROM dossier_search WHERE search LIKE $%d) m "
                        "JOIN dossiers ON dossiers.id = m.mid WHERE %s", arg, where);
    else if (m == M_TRIGRAM)
        buf_printf(sql, "dossiers WHERE %s AND search LIKE $%d", where, arg);
    else if (m == M_SCAN)
        buf_printf(sql, "dossiers WHERE %s AND %s(search, $%d) > 0", where, sqlite ? "instr" : "strpos", arg);
    else
        buf_printf(sql, "dossiers WHERE %s", where);
}

int dossier_list(db_t *db, const principal_t *who, const dossier_query_t *q, dossier_cb cb, void *arg,
                 long long *total)
{
    bool citizen = !strcmp(who->kind, "citizen");
    bool sqlite = !strcmp(db_engine(db), "sqlite");
    /* Scope: the caller's grant paths (at most AUTH_MAX_GRANTS, OR-ed) or the citizen's own dossiers. */
    buf_t where;
    buf_init(&where, 0);
    const char *args[3 * AUTH_MAX_GRANTS + 8];
    int na = 0;
    char likes[AUTH_MAX_GRANTS][AUTH_PATH_MAX + 2];
    /* A department's grant also covers the dossiers of the unit above it whose current step is the department's
     * (dossier_visible_to through step_unit_path): same owning unit, department = its name. */
    char parents[AUTH_MAX_GRANTS][AUTH_PATH_MAX], dnames[AUTH_MAX_GRANTS][808];
    if (citizen) {
        args[na++] = who->account_id;
        buf_printf(&where, "applicant_account = $%d", na);
    } else {
        buf_puts(&where, "(");
        for (int i = 0; i < who->ngrants; i++) {
            snprintf(likes[i], sizeof likes[i], "%s%%", who->grants[i].unit_path);
            args[na++] = likes[i];
            buf_printf(&where, "%sunit_path LIKE $%d OR origin_path LIKE $%d", i ? " OR " : "", na, na);
            if (department_of_grant(db, &who->grants[i], parents[i], dnames[i]) == 1) {
                args[na++] = parents[i];
                args[na++] = dnames[i];
                buf_printf(&where, " OR (unit_path = $%d AND department = $%d)", na - 1, na);
            }
        }
        if (!who->ngrants) buf_puts(&where, "1 = 0");
        buf_puts(&where, ")");
    }
    /* The folded search text without LIKE's wildcards and escape (they match themselves nowhere in a folded
     * search column that could matter, and dropping them keeps LIKE and instr/strpos equivalent). */
    char *needle = NULL, *pattern = NULL;
    if (q->q && *q->q) {
        char *f = utf8_fold(q->q, strlen(q->q));
        buf_t p;
        buf_init(&p, 0);
        for (const char *s = f ? f : ""; *s; s++)
            if (*s != '%' && *s != '_' && *s != '\\') buf_putc(&p, *s);
        free(f);
        if (p.len) {
            needle = buf_steal(&p);
            size_t n = strlen(needle);
            pattern = xmalloc(n + 3);
            pattern[0] = '%';
            memcpy(pattern + 1, needle, n);
            memcpy(pattern + 1 + n, "%", 2);
        } else buf_free(&p);
    }
    char num[3][24];
    switch (q->view) {
    case DV_MINE:
        if (!citizen) {
            args[na++] = who->account_id;
            buf_printf(&where, " AND assignee_id = $%d AND status IN (2, 4)", na);
        }
        break;
    case DV_DEPARTMENT:
        args[na++] = who->unit_id;
        buf_printf(&where, " AND status IN (2, 4, 5, 6) AND department = (SELECT name FROM units WHERE id = $%d)", na);
        break;
    case DV_DUE_SOON:
        snprintf(num[0], sizeof num[0], "%lld", q->due_before);
        snprintf(num[1], sizeof num[1], "%lld", q->now_ms);
        args[na++] = num[0];
        buf_printf(&where, " AND status IN (2, 4) AND due_at <= CAST($%d AS BIGINT)", na);
        args[na++] = num[1];
        buf_printf(&where, " AND due_at >= CAST($%d AS BIGINT)", na);
        break;
    case DV_OVERDUE:
        snprintf(num[1], sizeof num[1], "%lld", q->now_ms);
        args[na++] = num[1];
        buf_printf(&where, " AND status IN (2, 4, 6) AND due_at < CAST($%d AS BIGINT)", na);
        break;
    case DV_WAITING: buf_puts(&where, " AND status IN (5, 6)"); break;
    case DV_UNIT: break;
    }
    if (q->status) {
        snprintf(num[2], sizeof num[2], "%d", q->status);
        args[na++] = num[2];
        buf_printf(&where, " AND status = CAST($%d AS INTEGER)", na);
    }
    /* Texts of 3 characters or more are counted through the trigram index; shorter ones have no trigram. */
    enum match count_m = !needle ? M_NONE : utf8_length(needle, strlen(needle)) >= 3 ? M_TRIGRAM : M_SCAN;
    long long cap = dossier_total_cap();
    /* The count through the trigram index keeps the ids it met, so that up to the cap the page is cut from them
     * (sorted here bytewise, as strcmp: SQLite's BINARY and PostgreSQL's "C" order) instead of asking the index a
     * second time, which would cost as much again: the index's price is about the same for 5 matches as for 1,000
     * when the text holds a frequent trigram (the "ngu" of Nguyễn is in 38% of the rows). */
    bool keep = count_m == M_TRIGRAM;
    char(*ids)[ID_LEN + 1] = keep ? xcalloc((size_t)cap + 1, sizeof *ids) : NULL;
    int rc = 0;
    buf_t sql;
    buf_init(&sql, 0);
    buf_printf(&sql, "SELECT %s FROM (SELECT %s FROM ", keep ? "id" : "COUNT(*)", keep ? "dossiers.id" : "1");
    list_from(&sql, sqlite, count_m, where.data, na + 1);
    buf_printf(&sql, " LIMIT %lld) c", cap + 1);
    db_stmt_t *s = db_prepare(db, sql.data);
    if (!s) rc = -EIO;
    for (int i = 0; rc == 0 && i < na; i++) db_bind_text(s, i + 1, args[i], DB_NTS);
    if (rc == 0 && count_m != M_NONE) db_bind_text(s, na + 1, count_m == M_TRIGRAM ? pattern : needle, DB_NTS);
    *total = 0;
    while (rc == 0 && (rc = db_step(s)) == DB_ROW) {
        rc = 0;
        if (!keep) {
            *total = db_col_int(s, 0);
            break;
        }
        if (*total <= cap) str_copy(ids[*total], sizeof ids[0], db_col_text(s, 0) ? db_col_text(s, 0) : "");
        ++*total;
    }
    if (rc > 0) rc = 0;
    if (s) db_reset(s);
    int n = 0;
    if (rc == 0) {
        /* Up to the cap the matches are few: sort them (the trigram index found them). Beyond it they are at least
         * cap in 1 of the table, so reading newest first meets a page of them soon; the cap bounds the first read
         * and sets where the second one starts to pay. */
        enum match page_m = count_m == M_TRIGRAM && *total > cap ? M_SCAN : count_m;
        buf_reset(&sql);
        buf_printf(&sql, "SELECT %s FROM ", select_cols());
        int nk = 0;                                   /* keep: the ids of the page, newest first */
        if (keep && page_m == M_TRIGRAM) {
            qsort(ids, (size_t)*total, sizeof *ids, id_cmp_desc);
            long long from = 0;
            while (q->after_id && *q->after_id && from < *total && strcmp(ids[from], q->after_id) >= 0) from++;
            buf_puts(&sql, "dossiers WHERE id IN (");
            for (long long i = from; i < *total && nk < q->limit; i++, nk++) buf_printf(&sql, "%s$%d", nk ? ", " : "", nk + 1);
            if (!nk) buf_puts(&sql, "NULL");
            buf_puts(&sql, sqlite ? ") ORDER BY id DESC" : ") ORDER BY id COLLATE \"C\" DESC");
            memmove(ids, ids + from, (size_t)nk * sizeof *ids);
        } else {
            list_from(&sql, sqlite, page_m, where.data, na + 1);
            int ca = na + 1 + (page_m != M_NONE);
            buf_printf(&sql, " AND ($%d = '' OR id < $%d) ORDER BY id DESC LIMIT %lld", ca, ca, q->limit);
        }
        s = db_prepare(db, sql.data);
        if (!s) rc = -EIO;
        if (keep && page_m == M_TRIGRAM) {
            for (int i = 0; rc == 0 && i < nk; i++) db_bind_text(s, i + 1, ids[i], DB_NTS);
        } else {
            for (int i = 0; rc == 0 && i < na; i++) db_bind_text(s, i + 1, args[i], DB_NTS);
            if (rc == 0 && page_m != M_NONE) db_bind_text(s, na + 1, page_m == M_TRIGRAM ? pattern : needle, DB_NTS);
            if (rc == 0) db_bind_text(s, na + 1 + (page_m != M_NONE), q->after_id ? q->after_id : "", DB_NTS);
        }
        dossier_t *d = xcalloc(1, sizeof *d);
        while (rc == 0 && (rc = db_step(s)) == DB_ROW) {
            rc = 0;
            row_to_dossier(s, d);
            n++;
            if (cb(d, arg) < 0) break;
        }
        if (rc > 0) rc = 0;
        dossier_free(d);
        free(d);
        if (s) db_reset(s);
    }
    free(ids);
    buf_free(&sql);
    buf_free(&where);
    free(needle);
    free(pattern);
    return rc < 0 ? rc : n;
}

/* The order of dossier_assignees: qualified first, then least open, fewest due soon, username. */
static int assignee_cmp(const void *x, const void *y)
{
    const dossier_assignee_t *a = x, *b = y;
    if (a->qualified != b->qualified) return a->qualified ? -1 : 1;
    if (a->open != b->open) return a->open < b->open ? -1 : 1;
    if (a->due_soon != b->due_soon) return a->due_soon < b->due_soon ? -1 : 1;
    return strcmp(a->username, b->username);
}

/* The cursor "<0|1>.<open>.<due_soon>.<username>" (0 = qualified) back into the sort key of a row. */
static int assignee_cursor_parse(const char *c, dossier_assignee_t *k)
{
    int q = -1, n = 0;
    long long open = -1, due = -1;
    memset(k, 0, sizeof *k);
    if (sscanf(c, "%1d.%18lld.%18lld.%n", &q, &open, &due, &n) != 3 || n == 0 || (q != 0 && q != 1) || open < 0 ||
        due < 0 || !isdigit((unsigned char)c[0]) || !account_username_valid(c + n))
        return -EINVAL;
    k->qualified = q == 0;
    k->open = open;
    k->due_soon = due;
    str_copy(k->username, sizeof k->username, c + n);
    return 0;
}

/* The load of one officer: open dossiers assigned (status 2, 4), those due by due_before, the earliest due. */
static int assignee_load(db_t *db, dossier_assignee_t *a, long long due_before)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_at <= $2 THEN 1 ELSE 0 END), 0), "
                              "COALESCE(MIN(due_at), 0) FROM dossiers WHERE assignee_id = $1 AND status IN (2, 4)",
                      "ti", a->account_id, due_before);
    if (rc == DB_ROW) {
        a->open = db_col_int(s, 0);
        a->due_soon = db_col_int(s, 1);
        a->next_due_at = db_col_int(s, 2);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

int dossier_assignees(db_t *db, const principal_t *who, const char *code, long long due_before, const char *after,
                      long long limit, dossier_assignee_cb cb, void *arg, long long *total, derr_t *err)
{
    *total = 0;
    dossier_assignee_t key;
    if (after && assignee_cursor_parse(after, &key) < 0)
        return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "cursor", "cursor", NULL, NULL);
    dossier_t *d = xcalloc(1, sizeof *d);
    int rc = dossier_get(db, code, d);
    if (rc == 0 && (!dossier_visible_to(who, d) || !strcmp(who->kind, "citizen"))) rc = -ENOENT;
    if (rc == -ENOENT) derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    else if (rc == 0 && !role_ok(who, d, DA_ASSIGN))
        rc = derr_set(err, -EACCES, 403, MSG_FORBIDDEN, "action", NULL, NULL, NULL);
    char(*ids)[ID_LEN + 1] = xcalloc(DOSSIER_ASSIGNEES_MAX, sizeof *ids);
    dossier_assignee_t *all = NULL;
    account_t *acc = xmalloc(sizeof *acc);
    int nids = 0, n = 0;
    role_t r = assign_role(d);
    if (rc == 0) {
        /* Candidates: enabled staff holding the role at a unit within the owning unit that covers the step's unit;
         * dossier_assignee_ok then decides (the home-unit rule of a department's step). */
        char like[AUTH_PATH_MAX + 2];
        snprintf(like, sizeof like, "%s%%", d->unit_path);
        db_stmt_t *s;
        rc = db_query(db, &s, "SELECT DISTINCT a.id FROM accounts a JOIN roles r ON r.account_id = a.id "
                              "JOIN units u ON u.id = r.unit_id WHERE r.role = $1 AND a.kind = 'staff' "
                              "AND a.disabled = 0 AND u.path LIKE $2 AND CAST($3 AS TEXT) LIKE u.path || '%' "
                              "ORDER BY a.id LIMIT 500",
                      "ttt", role_name(r), like, step_path(d));
        while (rc == DB_ROW && nids < DOSSIER_ASSIGNEES_MAX) {
            str_copy(ids[nids++], ID_LEN + 1, db_col_text(s, 0));
            rc = db_step(s);
        }
        if (s) db_reset(s);
        if (rc > 0) rc = 0;
    }
    char *field = rc == 0 ? utf8_fold(d->field, strlen(d->field)) : NULL;
    if (rc == 0) all = xcalloc((size_t)nids + 1, sizeof *all);
    for (int i = 0; rc == 0 && i < nids; i++) {
        if ((rc = account_get(db, ids[i], acc)) < 0) break;
        if (!dossier_assignee_ok(d, r, acc)) continue;
        dossier_assignee_t *a = &all[n++];
        str_copy(a->account_id, sizeof a->account_id, acc->id);
        str_copy(a->username, sizeof a->username, acc->username);
        str_copy(a->full_name, sizeof a->full_name, acc->full_name);
        for (int k = 0; k < acc->nfields && !a->qualified; k++) {
            char *f = utf8_fold(acc->fields[k], strlen(acc->fields[k]));
            a->qualified = f && field && !strcmp(f, field);
            free(f);
        }
        rc = assignee_load(db, a, due_before);
        snprintf(a->cursor, sizeof a->cursor, "%d.%lld.%lld.%s", a->qualified ? 0 : 1, a->open, a->due_soon,
                 a->username);
    }
    if (rc == 0) {
        qsort(all, (size_t)n, sizeof *all, assignee_cmp);
        *total = n;
        int from = 0;
        while (after && from < n && assignee_cmp(&all[from], &key) <= 0) from++;
        for (int i = from; i < n && i - from < limit; i++)
            if (cb(&all[i], arg) < 0) break;
    }
    free(field);
    free(all);
    free(acc);
    free(ids);
    dossier_free(d);
    free(d);
    return rc;
}
