/* report.c — the dashboards' read model (see report.h and docs/indicators.md).
 *
 * One function, cells_of(), turns a dossier's facts into its cells; the incremental upkeep (snapshot before an
 * apply, difference after), the recount of `report check` / `report rebuild` and the drill-down list of a figure
 * all go through it, so the three cannot disagree. */
#include "domain/report.h"
#include "domain/portal.h"   /* portal: indicator 1.4 */

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "domain/calendar.h"
#include "domain/dossier.h"
#include "domain/event.h"

/* ---- dates ---- */

int report_day_of_ms(long long ms)
{
    long min = calendar_minutes_from_utc_ms(ms);
    long day = min >= 0 ? min / 1440 : -((-min + 1439) / 1440);
    int y, m, d;
    if (calendar_ymd_from_day(day, &y, &m, &d) < 0) return 0;
    return y * 10000 + m * 100 + d;
}

static long day_number(int ymd)
{
    long n = 0;
    if (calendar_day_from_ymd(ymd / 10000, ymd / 100 % 100, ymd % 100, &n) < 0) return 0;
    return n;
}

static int ymd_of(long n)
{
    int y, m, d;
    if (calendar_ymd_from_day(n, &y, &m, &d) < 0) return 0;
    return y * 10000 + m * 100 + d;
}

int report_day_add(int ymd, int days) { return ymd_of(day_number(ymd) + days); }
int report_days_between(int a, int b) { return (int)(day_number(b) - day_number(a)); }
int report_today(long long now_ms) { return report_day_of_ms(now_ms); }

int report_date_parse(const char *s, int *out)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -EINVAL;
    int v[3] = {0, 0, 0}, pos[3][2] = {{0, 4}, {5, 2}, {8, 2}};
    for (int k = 0; k < 3; k++)
        for (int i = 0; i < pos[k][1]; i++) {
            char c = s[pos[k][0] + i];
            if (c < '0' || c > '9') return -EINVAL;
            v[k] = v[k] * 10 + (c - '0');
        }
    long n;
    if (calendar_day_from_ymd(v[0], v[1], v[2], &n) < 0) return -EINVAL;
    *out = v[0] * 10000 + v[1] * 100 + v[2];
    return 0;
}

/* ---- a dossier's facts and cells ---- */

typedef struct facts {
    char      unit[ID_LEN + 1];
    char      field[128], procedure[PROCEDURE_CODE_MAX], officer[ID_LEN + 1];
    int       channel, status, supplement_count;
    long long received_at, due_at, resolved_at, delivered_at, paused_at, end_at;
    char      timing[16];
    bool      digitized;
    /* events on the control sheet: supplement requests and extensions, by day */
    int       nsteps, capsteps;
    struct { int metric, day; } *steps;
    bool      rated, satisfied;
    long long rated_at;
    int       ncomplaints, capcomplaints;
    int      *complaints;      /* days */
    char      last_assignee[ID_LEN + 1];
} facts_t;

static void facts_free(facts_t *f)
{
    free(f->steps);
    free(f->complaints);
    memset(f, 0, sizeof *f);
}

static void facts_step(facts_t *f, const char *action, long long at, const char *to, int status_after)
{
    int metric = -1;
    if (!strcmp(action, "request_supplement")) metric = RM_SUPP_REQ;
    else if (!strcmp(action, "extend")) metric = RM_EXTENDED;
    else if (!strcmp(action, "assign") && to && *to) str_copy(f->last_assignee, sizeof f->last_assignee, to);
    /* the instant a dossier reached a final status other than resolved (refused, withdrawn, stopped) */
    if ((status_after == DS_REFUSED || status_after == DS_WITHDRAWN || status_after == DS_STOPPED) && !f->end_at)
        f->end_at = at;
    if (metric < 0) return;
    if (f->nsteps == f->capsteps) {
        f->capsteps = f->capsteps ? f->capsteps * 2 : 8;
        f->steps = xrealloc(f->steps, (size_t)f->capsteps * sizeof *f->steps);
    }
    f->steps[f->nsteps].metric = metric;
    f->steps[f->nsteps].day = report_day_of_ms(at);
    f->nsteps++;
}

static void facts_complaint(facts_t *f, long long at)
{
    if (f->ncomplaints == f->capcomplaints) {
        f->capcomplaints = f->capcomplaints ? f->capcomplaints * 2 : 4;
        f->complaints = xrealloc(f->complaints, (size_t)f->capcomplaints * sizeof *f->complaints);
    }
    f->complaints[f->ncomplaints++] = report_day_of_ms(at);
}

/* The last segment of a unit path "/a/b/c/" -> "c". */
static void path_leaf(const char *path, char out[ID_LEN + 1])
{
    out[0] = '\0';
    size_t n = path ? strlen(path) : 0;
    if (n < 2) return;
    size_t e = n - 1, b = e;
    while (b > 0 && path[b - 1] != '/') b--;
    if (e - b > ID_LEN) return;
    memcpy(out, path + b, e - b);
    out[e - b] = '\0';
}

#define FACT_COLS "d.id, d.origin_path, d.field, d.procedure_code, d.assignee_id, d.channel, d.status, " \
                  "d.supplement_count, d.received_at, d.due_at, d.resolved_at, d.delivered_at, d.paused_at, d.timing, " \
                  "(SELECT COUNT(*) FROM dossier_uploads u WHERE u.dossier_id = d.id), " \
                  "r.satisfied, r.rated_at"
#define FACT_FROM " FROM dossiers d LEFT JOIN dossier_ratings r ON r.dossier_id = d.id"

static void facts_from_row(db_stmt_t *s, facts_t *f)
{
    memset(f, 0, sizeof *f);
    path_leaf(db_col_text(s, 1), f->unit);
    str_copy(f->field, sizeof f->field, db_col_text(s, 2) ? db_col_text(s, 2) : "");
    str_copy(f->procedure, sizeof f->procedure, db_col_text(s, 3) ? db_col_text(s, 3) : "");
    str_copy(f->officer, sizeof f->officer, db_col_text(s, 4) ? db_col_text(s, 4) : "");
    f->channel = (int)db_col_int(s, 5);
    f->status = (int)db_col_int(s, 6);
    f->supplement_count = (int)db_col_int(s, 7);
    f->received_at = db_col_int(s, 8);
    f->due_at = db_col_is_null(s, 9) ? 0 : db_col_int(s, 9);
    f->resolved_at = db_col_is_null(s, 10) ? 0 : db_col_int(s, 10);
    f->delivered_at = db_col_is_null(s, 11) ? 0 : db_col_int(s, 11);
    f->paused_at = db_col_is_null(s, 12) ? 0 : db_col_int(s, 12);
    str_copy(f->timing, sizeof f->timing, db_col_text(s, 13) ? db_col_text(s, 13) : "");
    f->digitized = db_col_int(s, 14) > 0;
    if (!db_col_is_null(s, 15)) {
        f->rated = true;
        f->satisfied = db_col_int(s, 15) != 0;
        f->rated_at = db_col_int(s, 16);
    }
}

/* The facts of one dossier from its rows: 1 found, 0 none, < 0 error. */
static int facts_load(db_t *db, const char *id, facts_t *f)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " FACT_COLS FACT_FROM " WHERE d.id = $1", "t", id);
    if (rc < 0) return rc;
    if (rc != DB_ROW) {
        db_reset(s);
        return 0;
    }
    facts_from_row(s, f);
    db_reset(s);
    rc = db_query(db, &s, "SELECT action, at, to_account, status_after FROM dossier_steps WHERE dossier_id = $1 "
                          "ORDER BY n", "t", id);
    while (rc == DB_ROW) {
        facts_step(f, db_col_text(s, 0), db_col_int(s, 1), db_col_text(s, 2), (int)db_col_int(s, 3));
        rc = db_step(s);
    }
    db_reset(s);
    if (rc < 0) return rc;
    rc = db_query(db, &s, "SELECT filed_at FROM complaints WHERE dossier_id = $1", "t", id);
    while (rc == DB_ROW) {
        facts_complaint(f, db_col_int(s, 0));
        rc = db_step(s);
    }
    db_reset(s);
    return rc < 0 ? rc : 1;
}

/* ---- cells ---- */

static void snap_push(report_snap_t *s, const char *unit, const char *dim, int metric, int day, long long n)
{
    if (!day) return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    report_cell_t *c = &s->v[s->n++];
    str_copy(c->unit, sizeof c->unit, unit);
    str_copy(c->dim, sizeof c->dim, dim);
    c->metric = metric;
    c->day = day;
    c->n = n;
}

void report_snap_free(report_snap_t *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

static bool is_ended(int status) { return status == DS_REFUSED || status == DS_WITHDRAWN || status == DS_STOPPED ||
                                          status == DS_RESOLVED || status == DS_RETURNED; }

/* The (metric, day) pairs of one dossier, before the dimensions multiply them. */
typedef struct { int metric, day; } md_t;

static int facts_md(const facts_t *f, md_t *out, int cap)
{
    int n = 0;
#define ADD(m, d) do { if ((d) && n < cap) { out[n].metric = (m); out[n].day = (d); n++; } } while (0)
    int rcv = report_day_of_ms(f->received_at);
    ADD(f->channel == CH_ONLINE ? RM_RCV_ONLINE : f->channel == CH_POST ? RM_RCV_POST : RM_RCV_DESK, rcv);
    if (f->digitized) ADD(RM_DIGITIZED, rcv);
    bool resolved = f->status == DS_RESOLVED || f->status == DS_RETURNED;
    long long end = resolved ? (f->resolved_at ? f->resolved_at : f->delivered_at) : is_ended(f->status) ? f->end_at : 0;
    if (is_ended(f->status) && !end) end = f->received_at;      /* a final status with no instant: its receipt */
    int endd = end ? report_day_of_ms(end) : 0;
    bool many_supp = f->supplement_count > 1;                    /* Decision 766: more than one request is late */
    int dued = f->due_at ? report_day_of_ms(f->due_at) : 0;
    if (end) {
        ADD(resolved ? RM_END_RES : f->status == DS_REFUSED ? RM_END_REF : f->status == DS_WITHDRAWN ? RM_END_WD
                                                                                                      : RM_END_ST, endd);
        if (resolved && !strcmp(f->timing, "early") && !many_supp) ADD(RM_EARLY, endd);
        /* standard: on time when the end instant <= the due instant (the legal clock's timing for a resolution) */
        bool late = many_supp || (f->due_at && (resolved && f->timing[0] ? !strcmp(f->timing, "late") : end > f->due_at));
        if (late) {
            ADD(resolved ? RM_LATE_RES : RM_LATE_OTHER, endd);
            long long from = many_supp ? f->received_at : (f->due_at && f->due_at < end ? f->due_at : end);
            ADD(RM_OD_IN, report_day_of_ms(from));
            ADD(RM_OD_OUT, endd);
        }
        /* dates: compare dates only; a withdrawal is on time */
        bool dlate = f->status != DS_WITHDRAWN && dued && endd > dued;
        if (dlate) {
            ADD(resolved ? RM_DLATE_RES : RM_DLATE_OTHER, endd);
            ADD(RM_DOD_IN, report_day_add(dued, 1));
            ADD(RM_DOD_OUT, endd);
        }
    } else {
        /* open: overdue from the due instant on; while a supplement is awaited the request instant is the end
         * (standard), or the dossier is in progress on time (dates) */
        bool paused = f->status == DS_SUPPLEMENT;
        if (many_supp) ADD(RM_OD_IN, rcv);
        else if (f->due_at && (!paused || (f->paused_at && f->paused_at > f->due_at))) ADD(RM_OD_IN, dued);
        if (!paused && dued) ADD(RM_DOD_IN, report_day_add(dued, 1));
    }
    if (f->delivered_at && f->status == DS_RETURNED) ADD(RM_DELIVERED, report_day_of_ms(f->delivered_at));
    for (int i = 0; i < f->nsteps; i++) ADD(f->steps[i].metric, f->steps[i].day);
    if (f->rated) {
        int d = report_day_of_ms(f->rated_at);
        ADD(RM_RATED, d);
        if (f->satisfied) ADD(RM_SATISFIED, d);
    }
    for (int i = 0; i < f->ncomplaints; i++) ADD(RM_COMPLAINT, f->complaints[i]);
#undef ADD
    return n;
}

static void facts_dims(const facts_t *f, char dims[4][REPORT_DIM_MAX], int *ndims)
{
    int n = 0;
    dims[n++][0] = '\0';
    if (f->field[0]) snprintf(dims[n++], REPORT_DIM_MAX, "f:%s", f->field);
    if (f->procedure[0]) snprintf(dims[n++], REPORT_DIM_MAX, "p:%s", f->procedure);
    const char *off = f->officer[0] ? f->officer : f->last_assignee;
    if (off[0]) snprintf(dims[n++], REPORT_DIM_MAX, "o:%s", off);
    *ndims = n;
}

#define MD_MAX 512

static void cells_of(const facts_t *f, report_snap_t *s)
{
    md_t md[MD_MAX];
    int n = facts_md(f, md, MD_MAX), nd;
    char dims[4][REPORT_DIM_MAX];
    facts_dims(f, dims, &nd);
    for (int k = 0; k < nd; k++)
        for (int i = 0; i < n; i++) snap_push(s, f->unit, dims[k], md[i].metric, md[i].day, 1);
}

int report_snap_take(db_t *db, const char *id, report_snap_t *s)
{
    memset(s, 0, sizeof *s);
    facts_t f;
    int rc = facts_load(db, id, &f);
    if (rc <= 0) return rc;
    cells_of(&f, s);
    facts_free(&f);
    return 0;
}

static int cell_cmp(const void *a, const void *b)
{
    const report_cell_t *x = a, *y = b;
    int c = strcmp(x->unit, y->unit);
    if (!c) c = strcmp(x->dim, y->dim);
    if (!c) c = x->metric - y->metric;
    if (!c) c = x->day - y->day;
    return c;
}

static int upsert(db_t *db, const char *unit, const char *dim, int kind, int bucket, int metric, long long n)
{
    long long rc = db_run(db, "INSERT INTO report_counts (unit_id, dim, kind, bucket, metric, n) VALUES ($1, $2, $3, $4, $5, $6) "
                              "ON CONFLICT (unit_id, dim, kind, bucket, metric) DO UPDATE SET n = report_counts.n + excluded.n",
                          "ttiiii", unit, dim, (long long)kind, (long long)bucket, (long long)metric, n);
    if (rc >= 0 && n < 0)
        rc = db_run(db, "DELETE FROM report_counts WHERE unit_id = $1 AND dim = $2 AND kind = $3 AND bucket = $4 "
                        "AND metric = $5 AND n = 0", "ttiii", unit, dim, (long long)kind, (long long)bucket, (long long)metric);
    return rc < 0 ? (int)rc : 0;
}

/* Write the cells' counts as day rows and month rows; cells sorted, n signed. */
/* report_defer_begin(): the cells of this thread's applies, gathered until report_defer_end(). */
static _Thread_local report_snap_t *deferred;

static int write_cells_now(db_t *db, report_cell_t *v, size_t n);

static int write_cells(db_t *db, report_cell_t *v, size_t n)
{
    if (!deferred) return write_cells_now(db, v, n);
    for (size_t i = 0; i < n; i++) snap_push(deferred, v[i].unit, v[i].dim, v[i].metric, v[i].day, v[i].n);
    return 0;
}

void report_defer_begin(void)
{
    if (!deferred) deferred = xcalloc(1, sizeof *deferred);
}

int report_defer_end(db_t *db, bool write)
{
    report_snap_t *s = deferred;
    deferred = NULL;
    if (!s) return 0;
    int rc = write && s->n ? write_cells_now(db, s->v, s->n) : 0;
    report_snap_free(s);
    free(s);
    return rc;
}

static int write_cells_now(db_t *db, report_cell_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cell_cmp);
    long long month_n = 0;
    for (size_t i = 0; i < n; i++) {
        /* merge equal cells */
        long long d = v[i].n;
        while (i + 1 < n && !cell_cmp(&v[i], &v[i + 1])) d += v[++i].n;
        if (d) {
            int rc = upsert(db, v[i].unit, v[i].dim, 0, v[i].day, v[i].metric, d);
            if (rc < 0) return rc;
        }
        month_n += d;
        bool last = i + 1 == n || strcmp(v[i].unit, v[i + 1].unit) || strcmp(v[i].dim, v[i + 1].dim) ||
                    v[i].metric != v[i + 1].metric || v[i].day / 100 != v[i + 1].day / 100;
        if (last) {
            if (month_n) {
                int rc = upsert(db, v[i].unit, v[i].dim, 1, v[i].day / 100, v[i].metric, month_n);
                if (rc < 0) return rc;
            }
            month_n = 0;
        }
    }
    return 0;
}

int report_tracked(db_t *db, const event_meta_t *ev, const json_t *payload, const char *id_key,
                   int (*rows)(db_t *db, const event_meta_t *ev, const json_t *payload))
{
    json_t *v = json_object_get(payload, id_key);
    const char *id = json_is_string(v) ? json_string_value(v) : NULL;
    if (!id) return -EINVAL;
    report_snap_t before;
    int rc = report_snap_take(db, id, &before);
    if (rc >= 0) rc = rows(db, ev, payload);
    if (rc < 0) {
        report_snap_free(&before);
        return rc;
    }
    return report_snap_apply(db, id, &before);
}

int report_snap_apply(db_t *db, const char *id, report_snap_t *before)
{
    report_snap_t after;
    int rc = report_snap_take(db, id, &after);
    if (rc < 0) {
        report_snap_free(before);
        return rc;
    }
    for (size_t i = 0; i < before->n; i++) {
        report_cell_t c = before->v[i];
        c.n = -c.n;
        snap_push(&after, c.unit, c.dim, c.metric, c.day, c.n);
    }
    rc = write_cells(db, after.v, after.n);
    report_snap_free(&after);
    report_snap_free(before);
    return rc;
}

/* ---- recount ---- */

/* The recount's accumulator. A (unit, dimension) pair is interned once (names: "unit\tdim" -> a small id), and
 * each count is keyed by one 64-bit integer: id << 32 | kind << 31 | bucket << 5 | metric (bucket < 2^26: a
 * yyyymmdd up to 2199; metric < 32), so the millions of additions of a large recount hash integers, not strings. */
typedef struct rkey {
    char     *key;             /* "unit\tdim" */
    long long n;               /* its id (-1 until given one) */
} rkey_t;

typedef struct rmap {
    rkey_t *v;
    size_t  cap, len;
} rmap_t;

typedef struct ient {
    uint64_t  key;
    long long n;
    bool      used, seen;
} ient_t;

typedef struct acc {
    rmap_t   names;
    char   **name_of;          /* id -> "unit\tdim" (owned by names) */
    size_t   nnames, capnames;
    ient_t  *v;
    size_t   cap, len;
    const char *last_unit, *last_dim;   /* the last pair interned, and its id */
    long     last_id;
} acc_t;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static rkey_t *rmap_slot(rmap_t *m, const char *key, bool add)
{
    if (add && (m->len + 1) * 10 > m->cap * 7) {
        size_t ncap = m->cap ? m->cap * 2 : 1 << 10;
        rkey_t *nv = xcalloc(ncap, sizeof *nv);
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->v[i].key) continue;
            size_t j = fnv(m->v[i].key) & (ncap - 1);
            while (nv[j].key) j = (j + 1) & (ncap - 1);
            nv[j] = m->v[i];
        }
        free(m->v);
        m->v = nv;
        m->cap = ncap;
    }
    if (!m->cap) return NULL;
    size_t j = fnv(key) & (m->cap - 1);
    while (m->v[j].key) {
        if (!strcmp(m->v[j].key, key)) return &m->v[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!add) return NULL;
    m->v[j].key = xstrdup(key);
    m->v[j].n = -1;            /* new: no id yet */
    m->len++;
    return &m->v[j];
}

/* The id of (unit, dim), or -1 when it is not interned and add is false. */
static long acc_name(acc_t *a, const char *unit, const char *dim, bool add)
{
    if (a->last_unit && !strcmp(a->last_unit, unit) && !strcmp(a->last_dim, dim)) return a->last_id;
    char k[ID_LEN + REPORT_DIM_MAX + 4];
    snprintf(k, sizeof k, "%s\t%s", unit, dim);
    rkey_t *e = rmap_slot(&a->names, k, add);
    if (!e) return -1;
    if (e->n < 0) {
        if (a->nnames == a->capnames) {
            a->capnames = a->capnames ? a->capnames * 2 : 256;
            a->name_of = xrealloc(a->name_of, a->capnames * sizeof *a->name_of);
        }
        e->n = (long long)a->nnames;
        a->name_of[a->nnames++] = e->key;
    }
    return (long)e->n;
}

static uint64_t acc_key(long id, int kind, int bucket, int metric)
{
    return (uint64_t)id << 32 | (uint64_t)(kind & 1) << 31 | (uint64_t)(bucket & 0x3ffffff) << 5 | (uint64_t)(metric & 31);
}

static ient_t *acc_slot(acc_t *a, uint64_t key, bool add)
{
    if (add && (a->len + 1) * 10 > a->cap * 7) {
        size_t ncap = a->cap ? a->cap * 2 : 1 << 16;
        ient_t *nv = xcalloc(ncap, sizeof *nv);
        for (size_t i = 0; i < a->cap; i++) {
            if (!a->v[i].used) continue;
            size_t j = mix(a->v[i].key) & (ncap - 1);
            while (nv[j].used) j = (j + 1) & (ncap - 1);
            nv[j] = a->v[i];
        }
        free(a->v);
        a->v = nv;
        a->cap = ncap;
    }
    if (!a->cap) return NULL;
    size_t j = mix(key) & (a->cap - 1);
    while (a->v[j].used) {
        if (a->v[j].key == key) return &a->v[j];
        j = (j + 1) & (a->cap - 1);
    }
    if (!add) return NULL;
    a->v[j].used = true;
    a->v[j].key = key;
    a->len++;
    return &a->v[j];
}

static void acc_free(acc_t *a)
{
    for (size_t i = 0; i < a->names.cap; i++) free(a->names.v[i].key);
    free(a->names.v);
    free(a->name_of);
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* "unit\tdim\tkind\tbucket\tmetric" of a key, as the check prints it. */
static void acc_text(const acc_t *a, uint64_t key, char *out, size_t cap)
{
    long id = (long)(key >> 32);
    snprintf(out, cap, "%s\t%d\t%d\t%d", id >= 0 && (size_t)id < a->nnames ? a->name_of[id] : "?", (int)(key >> 31 & 1),
             (int)(key >> 5 & 0x3ffffff), (int)(key & 31));
}

static void acc_add_cells(acc_t *a, const report_snap_t *s)
{
    for (size_t i = 0; i < s->n; i++) {
        const report_cell_t *c = &s->v[i];
        long id = acc_name(a, c->unit, c->dim, true);
        a->last_unit = c->unit;      /* valid until the cells are freed; reset after each dossier */
        a->last_dim = c->dim;
        a->last_id = id;
        acc_slot(a, acc_key(id, 0, c->day, c->metric), true)->n += c->n;
        acc_slot(a, acc_key(id, 1, c->day / 100, c->metric), true)->n += c->n;
    }
    a->last_unit = a->last_dim = NULL;
}

#define RECOUNT_BATCH 2000

/* Every dossier's cells into m, in batches of ids (bounded memory on both engines: PostgreSQL results are read
 * whole). */
static int recount(db_t *db, acc_t *m, long long *dossiers, report_progress_fn progress, void *arg)
{
    long long total = 0, done = 0;
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT COUNT(*) FROM dossiers", "");
    if (rc == DB_ROW) total = db_col_int(s, 0);
    db_reset(s);
    if (rc < 0) return rc;
    char last[ID_LEN + 1] = "";
    facts_t *batch = xcalloc(RECOUNT_BATCH, sizeof *batch);
    char (*ids)[ID_LEN + 1] = xcalloc(RECOUNT_BATCH, sizeof *ids);
    for (;;) {
        int n = 0;
        rc = db_query(db, &s, "SELECT " FACT_COLS FACT_FROM " WHERE d.id > $1 ORDER BY d.id LIMIT $2", "ti", last,
                      (long long)RECOUNT_BATCH);
        while (rc == DB_ROW && n < RECOUNT_BATCH) {
            str_copy(ids[n], sizeof ids[n], db_col_text(s, 0));
            facts_from_row(s, &batch[n]);
            n++;
            rc = db_step(s);
        }
        db_reset(s);
        if (rc < 0 || n == 0) break;
        /* the batch's steps and complaints, merged by id (both lists ordered) */
        int j = 0;
        rc = db_query(db, &s, "SELECT dossier_id, action, at, to_account, status_after FROM dossier_steps "
                              "WHERE dossier_id >= $1 AND dossier_id <= $2 ORDER BY dossier_id, n", "tt", ids[0], ids[n - 1]);
        while (rc == DB_ROW) {
            const char *did = db_col_text(s, 0);
            while (j < n && strcmp(ids[j], did) < 0) j++;
            if (j < n && !strcmp(ids[j], did))
                facts_step(&batch[j], db_col_text(s, 1), db_col_int(s, 2), db_col_text(s, 3), (int)db_col_int(s, 4));
            rc = db_step(s);
        }
        db_reset(s);
        if (rc < 0) break;
        j = 0;
        rc = db_query(db, &s, "SELECT dossier_id, filed_at FROM complaints WHERE dossier_id >= $1 AND dossier_id <= $2 "
                              "ORDER BY dossier_id", "tt", ids[0], ids[n - 1]);
        while (rc == DB_ROW) {
            const char *did = db_col_text(s, 0);
            while (j < n && strcmp(ids[j], did) < 0) j++;
            if (j < n && !strcmp(ids[j], did)) facts_complaint(&batch[j], db_col_int(s, 1));
            rc = db_step(s);
        }
        db_reset(s);
        if (rc < 0) break;
        for (int i = 0; i < n; i++) {
            report_snap_t c = {0};
            cells_of(&batch[i], &c);
            acc_add_cells(m, &c);
            report_snap_free(&c);
            facts_free(&batch[i]);
        }
        str_copy(last, sizeof last, ids[n - 1]);
        done += n;
        if (progress) progress(done, total, arg);
        if (n < RECOUNT_BATCH) break;
    }
    for (int i = 0; i < RECOUNT_BATCH; i++) facts_free(&batch[i]);
    free(batch);
    free(ids);
    if (dossiers) *dossiers = done;
    return rc < 0 ? rc : 0;
}

int report_check(db_t *db, FILE *out, long long *diffs, long long *dossiers, report_progress_fn progress, void *arg)
{
    acc_t m;
    memset(&m, 0, sizeof m);
    *diffs = 0;
    int rc = recount(db, &m, dossiers, progress, arg);
    if (rc < 0) {
        acc_free(&m);
        return rc;
    }
    /* every stored row, unit by unit (bounded result sets) */
    db_stmt_t *u;
    char unit[ID_LEN + 1] = "";
    for (;;) {
        rc = db_query(db, &u, "SELECT DISTINCT unit_id FROM report_counts WHERE unit_id > $1 ORDER BY unit_id LIMIT 1", "t", unit);
        if (rc != DB_ROW) {
            db_reset(u);
            break;
        }
        str_copy(unit, sizeof unit, db_col_text(u, 0));
        db_reset(u);
        db_stmt_t *s;
        int r2 = db_query(db, &s, "SELECT dim, kind, bucket, metric, n FROM report_counts WHERE unit_id = $1", "t", unit);
        while (r2 == DB_ROW) {
            const char *dim = db_col_text(s, 0) ? db_col_text(s, 0) : "";
            int kind = (int)db_col_int(s, 1), bucket = (int)db_col_int(s, 2), metric = (int)db_col_int(s, 3);
            long long n = db_col_int(s, 4);
            long id = acc_name(&m, unit, dim, false);
            ient_t *e = id >= 0 && kind >= 0 && kind <= 1 && bucket >= 0 && bucket < (1 << 26) && metric >= 0 && metric < 32
                            ? acc_slot(&m, acc_key(id, kind, bucket, metric), false) : NULL;
            long long want = e ? e->n : 0;
            if (e) e->seen = true;
            if (want != n) {
                (*diffs)++;
                if (out) fprintf(out, "differs\t%s\t%s\t%d\t%d\t%d\tstored %lld\trecount %lld\n", unit, dim, kind, bucket,
                                 metric, n, want);
            }
            r2 = db_step(s);
        }
        db_reset(s);
        if (r2 < 0) {
            rc = r2;
            break;
        }
    }
    if (rc >= 0) {
        rc = 0;
        char k[ID_LEN + REPORT_DIM_MAX + 48];
        for (size_t i = 0; i < m.cap; i++)
            if (m.v[i].used && !m.v[i].seen && m.v[i].n) {
                (*diffs)++;
                acc_text(&m, m.v[i].key, k, sizeof k);
                if (out) fprintf(out, "missing\t%s\tstored 0\trecount %lld\n", k, m.v[i].n);
            }
    }
    acc_free(&m);
    return rc;
}

int report_rebuild(db_t *db, long long *dossiers, long long *rows, report_progress_fn progress, void *arg)
{
    acc_t m;
    memset(&m, 0, sizeof m);
    int rc = recount(db, &m, dossiers, progress, arg);
    if (rc >= 0 && db_run(db, "DELETE FROM report_counts", "") < 0) rc = -EIO;
    long long nrows = 0;
    for (size_t i = 0; rc >= 0 && i < m.cap; i++) {
        if (!m.v[i].used || !m.v[i].n) continue;
        uint64_t key = m.v[i].key;
        long id = (long)(key >> 32);
        if (id < 0 || (size_t)id >= m.nnames) { rc = -EINVAL; break; }
        const char *name = m.name_of[id], *tab = strchr(name, '\t');
        if (!tab) { rc = -EINVAL; break; }
        char unit[ID_LEN + 1];
        snprintf(unit, sizeof unit, "%.*s", (int)(tab - name), name);
        long long r = db_run(db, "INSERT INTO report_counts (unit_id, dim, kind, bucket, metric, n) VALUES ($1, $2, $3, $4, $5, $6)",
                             "ttiiii", unit, tab + 1, (long long)(key >> 31 & 1), (long long)(key >> 5 & 0x3ffffff),
                             (long long)(key & 31), m.v[i].n);
        if (r < 0) rc = (int)r;
        nrows++;
    }
    if (rows) *rows = nrows;
    acc_free(&m);
    return rc < 0 ? rc : 0;
}

/* ---- reading ---- */

static const char *const figure_keys[RF__COUNT] = {
    "carried_over", "received_online", "received_desk", "received_post", "received", "to_handle",
    "resolved_early", "resolved_on_time", "resolved_late", "resolved",
    "in_progress_on_time", "in_progress_overdue", "in_progress",
    "supplement_requests", "refused", "withdrawn", "stopped", "delivered", "extended", "digitized",
    "rated", "satisfied", "complaints", "ended_late", "portal_synced", "portal_counted"};

const char *report_figure_key(report_figure_t f) { return (unsigned)f < RF__COUNT ? figure_keys[f] : ""; }

int report_figure_parse(const char *s, report_figure_t *out)
{
    for (int i = 0; s && i < RF__PUBLIC; i++)
        if (!strcmp(s, figure_keys[i])) {
            *out = (report_figure_t)i;
            return 0;
        }
    return -EINVAL;
}

int report_view_parse(const char *s, report_view_t *out)
{
    if (!s || !strcmp(s, "standard")) *out = RV_STANDARD;
    else if (!strcmp(s, "dates")) *out = RV_DATES;
    else return -EINVAL;
    return 0;
}

const char *report_view_name(report_view_t v) { return v == RV_DATES ? "dates" : "standard"; }

/* Sums per metric over [a, b] (yyyymmdd; a = 0: from the beginning): full months from month rows, the rest from
 * day rows. */
typedef struct range_sql {
    long long m1, m2, d1, d2, d3, d4;
} range_sql_t;

static void range_split(int a, int b, range_sql_t *r)
{
    /* month rows strictly inside; day rows for the partial first and last months */
    int ma = a / 100, mb = b / 100;
    int a_first = a % 100 == 1 || a == 0;
    int b_last = report_day_add(b, 1) / 100 != mb;
    memset(r, 0, sizeof *r);
    r->m1 = a_first ? ma : ma + (ma % 100 == 12 ? 89 : 1);
    r->m2 = b_last ? mb : mb - (mb % 100 == 1 ? 89 : 1);
    r->d1 = r->d2 = r->d3 = r->d4 = -1;
    if (ma == mb && !(a_first && b_last)) {
        r->d1 = a; r->d2 = b;
        r->m1 = 1; r->m2 = 0;
        return;
    }
    if (!a_first) { r->d1 = a; r->d2 = ma * 100 + 31; }
    if (!b_last) { r->d3 = mb * 100 + 1; r->d4 = b; }
}

/* One branch per range (whole months, the partial first month, the partial last month), each an equality on the
 * primary key's first three columns (unit_id, dim, kind) and a range on the fourth (bucket), with the subtree's
 * units as the outer loop: the primary key serves every branch whatever the planner's statistics (none on a
 * SQLite database, which motcua never analyzes). A branch with an empty range costs one index probe. */
#define RANGE_BRANCH(sel, kind, lo, hi, group) \
    "SELECT " sel ", SUM(r.n) FROM units u CROSS JOIN report_counts r WHERE u.path LIKE $1 AND r.unit_id = u.id " \
    "AND r.dim = $2 AND r.kind = " kind " AND r.bucket BETWEEN " lo " AND " hi " GROUP BY " group
#define RANGE_SQL(sel, group) \
    RANGE_BRANCH(sel, "1", "$3", "$4", group) " UNION ALL " RANGE_BRANCH(sel, "0", "$5", "$6", group) \
    " UNION ALL " RANGE_BRANCH(sel, "0", "$7", "$8", group)

static int sum_range(db_t *db, const char *path, const char *dim, int a, int b, long long out[RM__COUNT])
{
    memset(out, 0, RM__COUNT * sizeof *out);
    if (b < a) return 0;
    range_sql_t r;
    range_split(a, b, &r);
    char like[AUTH_PATH_MAX + 2];
    snprintf(like, sizeof like, "%s%%", path);
    db_stmt_t *s;
    int rc = db_query(db, &s, RANGE_SQL("r.metric", "r.metric"), "ttiiiiii", like, dim, r.m1, r.m2, r.d1, r.d2,
                      r.d3, r.d4);
    while (rc == DB_ROW) {
        long long m = db_col_int(s, 0);
        if (m >= 0 && m < RM__COUNT) out[m] += db_col_int(s, 1);
        rc = db_step(s);
    }
    db_reset(s);
    return rc < 0 ? rc : 0;
}

static void figures_of(const long long before[RM__COUNT], const long long in[RM__COUNT], report_view_t v,
                       report_figures_t *f)
{
    memset(f, 0, sizeof *f);
#define ENDS(x) ((x)[RM_END_RES] + (x)[RM_END_REF] + (x)[RM_END_WD] + (x)[RM_END_ST])
#define RCVS(x) ((x)[RM_RCV_DESK] + (x)[RM_RCV_ONLINE] + (x)[RM_RCV_POST])
    int late_res = v == RV_DATES ? RM_DLATE_RES : RM_LATE_RES, late_other = v == RV_DATES ? RM_DLATE_OTHER : RM_LATE_OTHER;
    int od_in = v == RV_DATES ? RM_DOD_IN : RM_OD_IN, od_out = v == RV_DATES ? RM_DOD_OUT : RM_OD_OUT;
    long long *x = f->v;
    x[RF_CARRIED_OVER] = RCVS(before) - ENDS(before);
    x[RF_RECEIVED_ONLINE] = in[RM_RCV_ONLINE];
    x[RF_RECEIVED_DESK] = in[RM_RCV_DESK];
    x[RF_RECEIVED_POST] = in[RM_RCV_POST];
    x[RF_RECEIVED] = RCVS(in);
    x[RF_TO_HANDLE] = x[RF_CARRIED_OVER] + x[RF_RECEIVED];
    x[RF_RESOLVED] = in[RM_END_RES];
    x[RF_RESOLVED_LATE] = in[late_res];
    x[RF_RESOLVED_EARLY] = in[RM_EARLY];
    x[RF_RESOLVED_ON_TIME] = x[RF_RESOLVED] - x[RF_RESOLVED_LATE] - x[RF_RESOLVED_EARLY];
    x[RF_IN_PROGRESS] = x[RF_TO_HANDLE] - ENDS(in);
    x[RF_IN_PROGRESS_OVERDUE] = before[od_in] + in[od_in] - before[od_out] - in[od_out];
    x[RF_IN_PROGRESS_ON_TIME] = x[RF_IN_PROGRESS] - x[RF_IN_PROGRESS_OVERDUE];
    x[RF_SUPPLEMENT_REQUESTS] = in[RM_SUPP_REQ];
    x[RF_REFUSED] = in[RM_END_REF];
    x[RF_WITHDRAWN] = in[RM_END_WD];
    x[RF_STOPPED] = in[RM_END_ST];
    x[RF_DELIVERED] = in[RM_DELIVERED];
    x[RF_EXTENDED] = in[RM_EXTENDED];
    x[RF_DIGITIZED] = in[RM_DIGITIZED];
    x[RF_RATED] = in[RM_RATED];
    x[RF_SATISFIED] = in[RM_SATISFIED];
    x[RF_COMPLAINTS] = in[RM_COMPLAINT];
    x[RF_ENDED_LATE] = in[late_res] + in[late_other];
#undef ENDS
#undef RCVS
}

int report_figures(db_t *db, const report_query_t *q, report_figures_t *out)
{
    long long before[RM__COUNT], in[RM__COUNT];
    int rc = sum_range(db, q->unit_path, q->dim, 0, report_day_add(q->from, -1), before);
    if (rc >= 0) rc = sum_range(db, q->unit_path, q->dim, q->from, q->to, in);
    if (rc < 0) return rc;
    figures_of(before, in, q->view, out);
    /* portal: indicator 1.4 from the daily reconciliations (domain/portal.h) */
    return portal_sync_ratio(db, q->unit_path, q->from, q->to, &out->v[RF_PORTAL_SYNCED],
                             &out->v[RF_PORTAL_COUNTED]);
}

/* The children's sums: one query grouped by the leaf unit's path, folded into the child whose path prefixes it. */
typedef struct child {
    char      id[ID_LEN + 1];
    char      path[AUTH_PATH_MAX];
    long long before[RM__COUNT], in[RM__COUNT];
} child_t;

static int children_sum(db_t *db, const report_query_t *q, child_t *c, int nc, int a, int b, bool into_before)
{
    if (b < a) return 0;
    range_sql_t r;
    range_split(a, b, &r);
    char like[AUTH_PATH_MAX + 2];
    snprintf(like, sizeof like, "%s%%", q->unit_path);
    db_stmt_t *s;
    int rc = db_query(db, &s, RANGE_SQL("u.path, r.metric", "u.path, r.metric"), "ttiiiiii", like, q->dim, r.m1,
                      r.m2, r.d1, r.d2, r.d3, r.d4);
    while (rc == DB_ROW) {
        const char *p = db_col_text(s, 0);
        long long m = db_col_int(s, 1);
        for (int i = 0; i < nc && m >= 0 && m < RM__COUNT; i++)
            if (!strncmp(p, c[i].path, strlen(c[i].path))) {
                (into_before ? c[i].before : c[i].in)[m] += db_col_int(s, 2);
                break;
            }
        rc = db_step(s);
    }
    db_reset(s);
    return rc < 0 ? rc : 0;
}

#define CHILDREN_MAX 4096

int report_children(db_t *db, const report_query_t *q, report_child_cb cb, void *arg)
{
    db_stmt_t *s;
    int nc = 0, cap = 64;
    child_t *c = xcalloc((size_t)cap, sizeof *c);
    int rc = db_query(db, &s, "SELECT u.id, u.path FROM units u JOIN units p ON p.id = u.parent_id "
                              "WHERE p.path = $1 ORDER BY u.path", "t", q->unit_path);
    while (rc == DB_ROW && nc < CHILDREN_MAX) {
        if (nc == cap) {
            cap *= 2;
            c = xrealloc(c, (size_t)cap * sizeof *c);
        }
        memset(&c[nc], 0, sizeof c[nc]);
        str_copy(c[nc].id, sizeof c[nc].id, db_col_text(s, 0));
        str_copy(c[nc].path, sizeof c[nc].path, db_col_text(s, 1));
        nc++;
        rc = db_step(s);
    }
    db_reset(s);
    if (rc >= 0) rc = children_sum(db, q, c, nc, 0, report_day_add(q->from, -1), true);
    if (rc >= 0) rc = children_sum(db, q, c, nc, q->from, q->to, false);
    for (int i = 0; rc >= 0 && i < nc; i++) {
        report_figures_t f;
        figures_of(c[i].before, c[i].in, q->view, &f);
        rc = portal_sync_ratio(db, c[i].path, q->from, q->to, &f.v[RF_PORTAL_SYNCED], &f.v[RF_PORTAL_COUNTED]);
        if (rc >= 0) rc = cb(c[i].id, &f, arg);
    }
    free(c);
    return rc < 0 ? rc : 0;
}

double report_on_time_ratio(const report_figures_t *f)
{
    long long den = f->v[RF_TO_HANDLE];
    if (den <= 0) return -1;
    long long late = f->v[RF_ENDED_LATE] + f->v[RF_IN_PROGRESS_OVERDUE];
    return (double)(den - late) / (double)den;
}

/* Decision 766/QĐ-TTg rows (see docs/indicators.md for their sources and what is not measured here). */
void report_index(const report_figures_t *f, bool commune, report_index_t *x)
{
    static const struct { const char *key, *group; double max, thr; bool measured, commune; } def[REPORT_ROWS] = {
        {"1.1-1.3", "transparency", 12, 1.0, false, false},   /* publication of procedures: the province's job */
        {"1.4", "transparency", 6, 1.0, true, true},          /* synced to the national portal: reconciliations */
        {"2.1", "progress", 20, 1.0, true, true},
        {"3.1", "online", 12, 0.8, true, true},
        {"3.3", "payment", 10, 0.5, false, true},             /* online payment: the method is not recorded yet */
        {"4.2", "digitization", 11, 0.8, true, true},
        {"4.3", "digitization", 11, 0.8, false, true},        /* reuse of digitized results: not tracked yet */
        {"5.4", "satisfaction", 18, 0.9, true, true},
    };
    const long long *v = f->v;
    long long late = v[RF_ENDED_LATE] + v[RF_IN_PROGRESS_OVERDUE];
    memset(x, 0, sizeof *x);
    for (int i = 0; i < REPORT_ROWS; i++) {
        report_row_t *r = &x->rows[i];
        r->key = def[i].key;
        r->group = def[i].group;
        r->max = def[i].max;
        r->threshold = def[i].thr;
        r->measured = def[i].measured;
        r->applies = commune ? def[i].commune : true;
        r->ratio = r->score = -1;
        if (!r->measured || !r->applies) continue;
        switch (i) {
        case 1:
            /* measured only once a reconciliation covers a day of the period */
            r->measured = v[RF_PORTAL_COUNTED] > 0;
            r->num = v[RF_PORTAL_SYNCED];
            r->den = v[RF_PORTAL_COUNTED];
            break;
        case 2: r->num = v[RF_TO_HANDLE] - late; r->den = v[RF_TO_HANDLE]; break;
        case 3: r->num = v[RF_RECEIVED_ONLINE]; r->den = v[RF_RECEIVED]; break;
        case 5: r->num = v[RF_DIGITIZED]; r->den = v[RF_RECEIVED]; break;
        case 7: {
            /* 100% - (late rate + rate of dissatisfied ratings and complaints), over the dossiers to handle */
            long long bad = late + (v[RF_RATED] - v[RF_SATISFIED]) + v[RF_COMPLAINTS];
            r->den = v[RF_TO_HANDLE];
            r->num = r->den - bad > 0 ? r->den - bad : 0;
            break;
        }
        default: break;
        }
        if (r->den <= 0) continue;
        r->ratio = (double)r->num / (double)r->den;
        r->score = r->ratio >= r->threshold ? r->max : r->ratio * r->max / r->threshold;
        x->score += r->score;
        x->measured_max += r->max;
    }
}

void report_json_number(jw_t *w, double v, int digits)
{
    if (v < 0 || isnan(v) || isinf(v)) {
        jw_null(w);
        return;
    }
    char t[48];
    int n = snprintf(t, sizeof t, "%.*f", digits, v);
    if (n <= 0 || (size_t)n >= sizeof t) {
        jw_null(w);
        return;
    }
    if (strchr(t, '.')) {
        while (n > 0 && t[n - 1] == '0') t[--n] = '\0';
        if (n > 0 && t[n - 1] == '.') t[--n] = '\0';
    }
    jw_raw(w, t, (size_t)n);
}

static void kratio(jw_t *w, const char *k, double v)
{
    jw_key(w, k);
    report_json_number(w, v, 4);
}

void report_json_figures(jw_t *w, const report_figures_t *f)
{
    jw_obj_begin(w);
    for (int i = 0; i < RF__PUBLIC; i++) jw_kint(w, figure_keys[i], f->v[i]);
    jw_obj_end(w);
}

static void share(jw_t *w, const char *key, long long num, long long den, bool measured)
{
    jw_obj_begin(w);
    jw_kstr(w, "key", key);
    jw_key(w, "numerator");
    if (measured) jw_int(w, num); else jw_null(w);
    jw_key(w, "denominator");
    if (measured) jw_int(w, den); else jw_null(w);
    kratio(w, "ratio", measured && den > 0 ? (double)num / (double)den : -1);
    jw_kbool(w, "measured", measured);
    jw_obj_end(w);
}

void report_shares(const report_figures_t *f, report_share_t out[REPORT_SHARES])
{
    const long long *v = f->v;
    long long late = v[RF_ENDED_LATE] + v[RF_IN_PROGRESS_OVERDUE];
    out[0] = (report_share_t){"on_time", v[RF_TO_HANDLE] - late, v[RF_TO_HANDLE], true};
    out[1] = (report_share_t){"online", v[RF_RECEIVED_ONLINE], v[RF_RECEIVED], true};
    out[2] = (report_share_t){"digitized", v[RF_DIGITIZED], v[RF_RECEIVED], true};
    out[3] = (report_share_t){"satisfaction", v[RF_SATISFIED], v[RF_RATED], true};
    out[4] = (report_share_t){"online_payment", 0, 0, false};
}

void report_json_shares(jw_t *w, const report_figures_t *f)
{
    report_share_t sh[REPORT_SHARES];
    report_shares(f, sh);
    jw_arr_begin(w);
    for (int i = 0; i < REPORT_SHARES; i++) share(w, sh[i].key, sh[i].num, sh[i].den, sh[i].measured);
    jw_arr_end(w);
}

static void kscore(jw_t *w, const char *k, double v)
{
    jw_key(w, k);
    report_json_number(w, v, 2);
}

void report_json_index(jw_t *w, const report_index_t *x)
{
    static const struct { const char *key; double max; } groups[] = {
        {"transparency", 18}, {"progress", 20}, {"online", 12}, {"payment", 10}, {"digitization", 22}, {"satisfaction", 18}};
    jw_obj_begin(w);
    kscore(w, "score", x->score);
    jw_kint(w, "max", 100);
    kscore(w, "measured_max", x->measured_max);
    jw_key(w, "groups");
    jw_arr_begin(w);
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        double sc = 0;
        for (int i = 0; i < REPORT_ROWS; i++)
            if (!strcmp(x->rows[i].group, groups[g].key) && x->rows[i].score >= 0) sc += x->rows[i].score;
        jw_obj_begin(w);
        jw_kstr(w, "key", groups[g].key);
        jw_kint(w, "max", (long long)groups[g].max);
        kscore(w, "score", sc);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "rows");
    jw_arr_begin(w);
    for (int i = 0; i < REPORT_ROWS; i++) {
        const report_row_t *r = &x->rows[i];
        jw_obj_begin(w);
        jw_kstr(w, "key", r->key);
        jw_kstr(w, "group", r->group);
        jw_kint(w, "max", (long long)r->max);
        jw_key(w, "threshold");
        report_json_number(w, r->threshold, 2);
        bool has = r->measured && r->applies && r->den > 0;
        jw_key(w, "numerator");
        if (has) jw_int(w, r->num); else jw_null(w);
        jw_key(w, "denominator");
        if (has) jw_int(w, r->den); else jw_null(w);
        kratio(w, "ratio", has ? r->ratio : -1);
        kscore(w, "score", has ? r->score : -1);
        jw_kbool(w, "measured", r->measured);
        jw_kbool(w, "applies", r->applies);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}

/* ---- drill-down: does a dossier's cell set count for figure fig over [from, to]? ---- */

static bool dim_ok(const char *want, const char dims[4][REPORT_DIM_MAX], int nd)
{
    for (int i = 0; i < nd; i++)
        if (!strcmp(dims[i], want)) return true;
    return false;
}

static long long counts_for(const facts_t *f, const report_query_t *q, report_figure_t fig)
{
    md_t md[MD_MAX];
    int n = facts_md(f, md, MD_MAX);
    long long before[RM__COUNT] = {0}, in[RM__COUNT] = {0};
    for (int i = 0; i < n; i++) {
        if (md[i].day < q->from) before[md[i].metric]++;
        else if (md[i].day <= q->to) in[md[i].metric]++;
    }
    report_figures_t x;
    figures_of(before, in, q->view, &x);
    return x.v[fig];
}

#define DRILL_SCAN_MAX 5000

int report_dossier_ids(db_t *db, const report_query_t *q, report_figure_t fig, const char *after_id, long long limit,
                       report_id_cb cb, void *arg, char next[ID_LEN + 1])
{
    /* candidates: the subtree's dossiers received up to the period's end, newest id first, at most
     * DRILL_SCAN_MAX per page (the caller gets a cursor to go on) */
    long long end_ms = 0;
    {
        long mins;
        int nx = report_day_add(q->to, 1);
        if (calendar_instant_from_parts(nx / 10000, nx / 100 % 100, nx % 100, 0, 0, &mins) < 0) return -EINVAL;
        end_ms = calendar_utc_ms_from_minutes(mins);
    }
    char like[AUTH_PATH_MAX + 2];
    snprintf(like, sizeof like, "%s%%", q->unit_path);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT d.id FROM dossiers d WHERE d.origin_path LIKE $1 "
                              "AND d.received_at < $2 AND ($3 = '' OR d.id < $3) ORDER BY d.id DESC LIMIT $4",
                      "titi", like, end_ms, after_id ? after_id : "", (long long)DRILL_SCAN_MAX);
    int found = 0;
    size_t seen = 0;
    /* collect ids first: the per-dossier step queries must not interleave with this statement on PostgreSQL */
    size_t cap = 256, nid = 0;
    char (*ids)[ID_LEN + 1] = xmalloc(cap * sizeof *ids);
    while (rc == DB_ROW) {
        if (nid == cap) {
            cap *= 2;
            ids = xrealloc(ids, cap * sizeof *ids);
        }
        str_copy(ids[nid++], sizeof ids[0], db_col_text(s, 0));
        rc = db_step(s);
    }
    db_reset(s);
    for (size_t i = 0; rc >= 0 && i < nid && found < limit; i++) {
        facts_t f;
        seen++;
        int r = facts_load(db, ids[i], &f);
        if (r < 0) { rc = r; break; }
        if (r == 0) continue;
        char dims[4][REPORT_DIM_MAX];
        int nd;
        facts_dims(&f, dims, &nd);
        bool ok = dim_ok(q->dim, dims, nd) && counts_for(&f, q, fig) > 0;
        facts_free(&f);
        if (ok) {
            found++;
            if ((r = cb(ids[i], arg)) < 0) { rc = r; break; }
        }
    }
    /* a cursor when the page is full or the scan stopped at its bound */
    next[0] = '\0';
    if (rc >= 0 && seen > 0 && (found >= limit || nid == DRILL_SCAN_MAX)) str_copy(next, ID_LEN + 1, ids[seen - 1]);
    free(ids);
    return rc < 0 ? rc : found;
}

int report_workload(db_t *db, const char *unit_path, long long now_ms, long long soon_ms, report_load_cb cb, void *arg)
{
    char like[AUTH_PATH_MAX + 2];
    snprintf(like, sizeof like, "%s%%", unit_path);
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT d.assignee_id, a.username, a.full_name, d.field, COUNT(*), "
                              "SUM(CASE WHEN d.status <> 5 AND d.due_at < $2 THEN 1 ELSE 0 END), "
                              "SUM(CASE WHEN d.status <> 5 AND d.due_at >= $2 AND d.due_at < $3 THEN 1 ELSE 0 END) "
                              "FROM dossiers d JOIN accounts a ON a.id = d.assignee_id "
                              "WHERE d.status IN (2, 4, 5, 6) AND d.unit_path LIKE $1 AND d.assignee_id IS NOT NULL "
                              "GROUP BY d.assignee_id, a.username, a.full_name, d.field ORDER BY a.username, d.field",
                      "tii", like, now_ms, soon_ms);
    int n = 0;
    while (rc == DB_ROW) {
        int r = cb(db_col_text(s, 0), db_col_text(s, 1), db_col_text(s, 2), db_col_text(s, 3), db_col_int(s, 4),
                   db_col_int(s, 5), db_col_int(s, 6), arg);
        if (r < 0) {
            rc = r;
            break;
        }
        n++;
        rc = db_step(s);
    }
    db_reset(s);
    return rc < 0 ? rc : n;
}

/* ---- registry: report_counts is emptied by a rebuild and refilled by the dossier applies ---- */

static const event_kind_t kinds[] = {{NULL, NULL}};
static const event_table_t tables[] = {{"report_counts", "unit_id, dim, kind, bucket, metric"}, {NULL, NULL}};
const event_module_t report_events = {"report", kinds, tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};
