/* api_reports.c — the dashboards: indicators, the overview of a unit's children, officer workload, monthly trends
 * and the dossiers a figure counts (domain/report.h; docs/indicators.md).
 *
 * Parameters shared by all: unit (a unit id; default: the caller's first grant that may read reports), from / to
 * (Vietnam local dates, inclusive; default: the first of this month .. today), one of field / procedure /
 * officer, view (standard | dates). Who may read: leaders, province officials and administrators whose grant
 * covers the unit; anyone else on staff only their own figures (officer = their account id) in a unit their grant
 * covers. A unit outside every grant is 404 (it reveals nothing); one the caller sees but may not report on, 403. */
#include "api/api.h"
#include "api/api_export.h"
#include "core/clock.h"
#include "core/mem.h"
#include "domain/dossier.h"
#include "domain/report.h"
#include "domain/unit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_SPAN_MAX 3660          /* days in one period: ten years */
#define TREND_MONTHS_MAX 60

static const unsigned report_roles = (1u << ROLE_LEADER) | (1u << ROLE_OFFICIAL) | (1u << ROLE_ADMIN);

typedef struct params {
    unit_t         unit;
    report_query_t q;
    const char    *field, *procedure, *officer;
    bool           commune;
} params_t;

struct unit_ctx {
    const char *id;
    unit_t     *u;
};

static int unit_fn(db_t *db, void *arg)
{
    struct unit_ctx *c = arg;
    return unit_get(db, c->id, c->u);
}

static bool covered(const principal_t *who, const char *path, unsigned roles)
{
    for (int i = 0; i < who->ngrants; i++)
        if ((roles & (1u << who->grants[i].role)) && !strncmp(who->grants[i].unit_path, path, strlen(who->grants[i].unit_path)))
            return true;
    return false;
}

static int bad(req_t *r, const char *name)
{
    return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, name, name, NULL, NULL), -1;
}

static int date_param(req_t *r, const char *name, int dflt, int *out)
{
    const char *s = req_query(r, name);
    if (!s) {
        *out = dflt;
        return 0;
    }
    if (report_date_parse(s, out) < 0)
        return reply_problem(r, 400, "invalid-parameter", MSG_REPORT_DATE, name, name, "YYYY-MM-DD", NULL), -1;
    return 0;
}

/* "YYYY-MM" -> yyyymm01. */
static int month_param(req_t *r, const char *name, int dflt, int *out)
{
    const char *s = req_query(r, name);
    if (!s) {
        *out = dflt;
        return 0;
    }
    char d[16];
    if (strlen(s) != 7 || snprintf(d, sizeof d, "%s-01", s) != 10 || report_date_parse(d, out) < 0)
        return reply_problem(r, 400, "invalid-parameter", MSG_REPORT_DATE, name, name, "YYYY-MM", NULL), -1;
    return 0;
}

static int check_range(req_t *r, int from, int to)
{
    int today = report_today(clock_now_ms());
    int last = (today / 10000 + 1) * 10000 + 1231;
    if (from > to || from < 20000101 || to > last || report_days_between(from, to) + 1 > REPORT_SPAN_MAX) {
        char span[16];
        snprintf(span, sizeof span, "%d", REPORT_SPAN_MAX);
        return reply_problem(r, 400, "invalid-period", MSG_REPORT_RANGE, "from", "from", "to", span), -1;
    }
    return 0;
}

/* The shared parameters; needs_report_role: the overview and the workload (no "own figures" there). */
static int parse(req_t *r, params_t *p, bool period, bool needs_report_role)
{
    memset(p, 0, sizeof *p);
    const principal_t *who = &r->who;
    p->field = req_query(r, "field");
    p->procedure = req_query(r, "procedure");
    p->officer = req_query(r, "officer");
    if (p->field && (!*p->field || strlen(p->field) > 120)) return bad(r, "field");
    if (p->procedure && (!*p->procedure || strlen(p->procedure) >= PROCEDURE_CODE_MAX)) return bad(r, "procedure");
    if (p->officer && !id_valid(p->officer)) return bad(r, "officer");
    if (!!p->field + !!p->procedure + !!p->officer > 1)
        return reply_problem(r, 400, "invalid-parameter", MSG_REPORT_ONE_FILTER, "field", NULL, NULL, NULL), -1;
    if (report_view_parse(req_query(r, "view"), &p->q.view) < 0) return bad(r, "view");
    if (period) {
        int today = report_today(clock_now_ms());
        if (date_param(r, "from", today / 100 * 100 + 1, &p->q.from) < 0) return -1;
        if (date_param(r, "to", today, &p->q.to) < 0) return -1;
        if (check_range(r, p->q.from, p->q.to) < 0) return -1;
    }
    const char *uid = req_query(r, "unit");
    bool self = p->officer && !strcmp(p->officer, who->account_id) && !needs_report_role;
    if (!uid) {
        for (int i = 0; i < who->ngrants && !uid; i++)
            if ((report_roles & (1u << who->grants[i].role)) || self) uid = who->grants[i].unit_id;
        if (!uid) return reply_problem(r, 403, "forbidden", MSG_REPORT_ROLE, "unit", NULL, NULL, NULL), -1;
    }
    if (!id_valid(uid)) return bad(r, "unit");
    struct unit_ctx c = {uid, &p->unit};
    int rc = store_read(r->app->store, unit_fn, &c);
    if (rc < 0 && rc != -ENOENT) return reply_errno(r, rc), -1;
    bool ok = rc == 0 && (covered(who, p->unit.path, report_roles) || (self && covered(who, p->unit.path, ~0u)));
    if (!ok) {
        if (rc == 0 && auth_sees_path(who, p->unit.path))
            return reply_problem(r, 403, "forbidden", MSG_REPORT_ROLE, "unit", NULL, NULL, NULL), -1;
        return reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", uid, NULL, NULL), -1;
    }
    p->q.unit_path = p->unit.path;
    if (p->field) snprintf(p->q.dim, sizeof p->q.dim, "f:%s", p->field);
    else if (p->procedure) snprintf(p->q.dim, sizeof p->q.dim, "p:%s", p->procedure);
    else if (p->officer) snprintf(p->q.dim, sizeof p->q.dim, "o:%s", p->officer);
    p->commune = !strcmp(p->unit.kind, "commune") || !strcmp(p->unit.kind, "ward");
    return 0;
}

static void ymd_text(int ymd, char out[16])
{
    snprintf(out, 16, "%04d-%02d-%02d", ymd / 10000 % 10000, ymd / 100 % 100, ymd % 100);
}

static void unit_brief(jw_t *w, const unit_t *u)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", u->id);
    jw_kstr(w, "kind", u->kind);
    jw_kstr(w, "name", u->name);
    jw_kstr(w, "path", u->path);
    jw_obj_end(w);
}

static void head(jw_t *w, const params_t *p, bool period)
{
    jw_key(w, "unit");
    unit_brief(w, &p->unit);
    if (period) {
        char d[16];
        ymd_text(p->q.from, d);
        jw_kstr(w, "from", d);
        ymd_text(p->q.to, d);
        jw_kstr(w, "to", d);
    }
    jw_kstr(w, "view", report_view_name(p->q.view));
    jw_kstr(w, "field", p->field);
    jw_kstr(w, "procedure", p->procedure);
    jw_kstr(w, "officer", p->officer);
}

static void kratio(jw_t *w, const char *k, double v)
{
    jw_key(w, k);
    report_json_number(w, v, 4);
}

/* ---- exports (format=csv|xlsx|pdf): the same tables, labelled through the catalog ---- */

/* 0 and *want false: answer JSON; 0 and *want true: export as *f; -1: replied 400. */
static int want_export(req_t *r, export_format_t *f, bool *want)
{
    *want = req_query(r, "format") != NULL;
    return *want ? api_export_format(r, EXPORT_CSV, f) : 0;
}

static void dmy(int ymd, char out[16])
{
    snprintf(out, 16, "%02d/%02d/%04d", ymd % 100, ymd / 100 % 100, ymd / 10000 % 10000);
}

static export_table_t *export_begin(req_t *r, msg_id_t title, const params_t *p, bool period)
{
    buf_t sub;
    buf_init(&sub, 0);
    if (period) {
        char a[16], b[16];
        dmy(p->q.from, a);
        dmy(p->q.to, b);
        const char *args[3] = {p->unit.name, a, b};
        msg_format(&sub, MSG_REPORT_PERIOD, r->lang, args, 3);
    } else buf_puts(&sub, p->unit.name);
    export_table_t *t = export_new(msg_text(title, r->lang), sub.data);
    buf_free(&sub);
    return t;
}

static int export_send(req_t *r, export_table_t *t, export_format_t f, const char *base, const params_t *p)
{
    char name[96];
    snprintf(name, sizeof name, "%s-%s-%d-%d", base, p->unit.slug[0] ? p->unit.slug : p->unit.id, p->q.from, p->q.to);
    int rc = api_send_export(r, t, f, name);
    export_free(t);
    return rc;
}

static msg_id_t figure_label(int i) { return (msg_id_t)(MSG_REPORT_FIG_CARRIED_OVER + i); }

static int export_indicators(req_t *r, export_format_t f, const params_t *p, const report_figures_t *fig,
                             const report_index_t *x)
{
    lang_t l = r->lang;
    export_table_t *t = export_begin(r, MSG_REPORT_TITLE_INDICATORS, p, true);
    export_section(t, msg_text(MSG_REPORT_SECTION_FIGURES, l));
    export_column(t, msg_text(MSG_REPORT_COL_FIGURE, l), false);
    export_column(t, msg_text(MSG_REPORT_COL_VALUE, l), true);
    for (int i = 0; i < RF__PUBLIC; i++) {
        export_text(t, msg_text(figure_label(i), l));
        export_int(t, fig->v[i]);
        export_end_row(t);
    }
    export_section(t, msg_text(MSG_REPORT_SECTION_SHARES, l));
    export_column(t, msg_text(MSG_REPORT_COL_FIGURE, l), false);
    export_column(t, msg_text(MSG_REPORT_COL_NUMERATOR, l), true);
    export_column(t, msg_text(MSG_REPORT_COL_DENOMINATOR, l), true);
    export_column(t, msg_text(MSG_REPORT_COL_RATIO, l), true);
    report_share_t sh[REPORT_SHARES];
    report_shares(fig, sh);
    for (int i = 0; i < REPORT_SHARES; i++) {
        export_text(t, msg_text((msg_id_t)(MSG_REPORT_SHARE_ON_TIME + i), l));
        if (sh[i].measured) {
            export_int(t, sh[i].num);
            export_int(t, sh[i].den);
            export_ratio(t, sh[i].den > 0 ? (double)sh[i].num / (double)sh[i].den : -1);
        } else {
            export_text(t, msg_text(MSG_REPORT_NOT_MEASURED, l));
        }
        export_end_row(t);
    }
    export_section(t, msg_text(MSG_REPORT_SECTION_INDEX, l));
    static const char *const groups[] = {"transparency", "progress", "online", "payment", "digitization", "satisfaction"};
    const msg_id_t cols[] = {MSG_REPORT_COL_ROW, MSG_REPORT_COL_GROUP, MSG_REPORT_COL_MAX, MSG_REPORT_COL_NUMERATOR,
                             MSG_REPORT_COL_DENOMINATOR, MSG_REPORT_COL_RATIO, MSG_REPORT_COL_SCORE, MSG_REPORT_COL_NOTE};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        export_column(t, msg_text(cols[i], l), i >= 2 && i <= 6);
    for (int i = 0; i < REPORT_ROWS; i++) {
        const report_row_t *row = &x->rows[i];
        int g = 0;
        while (g < 5 && strcmp(groups[g], row->group)) g++;
        bool has = row->measured && row->applies && row->den > 0;
        export_text(t, row->key);
        export_text(t, msg_text((msg_id_t)(MSG_REPORT_GROUP_TRANSPARENCY + g), l));
        export_int(t, (long long)row->max);
        if (has) {
            export_int(t, row->num);
            export_int(t, row->den);
            export_ratio(t, row->ratio);
            char sc[24];
            snprintf(sc, sizeof sc, "%.2f", row->score);
            export_text(t, sc);
        } else {
            export_text(t, NULL);
            export_text(t, NULL);
            export_text(t, NULL);
            export_text(t, NULL);
        }
        export_text(t, !row->applies ? msg_text(MSG_REPORT_NOT_FOR_COMMUNES, l)
                       : !row->measured ? msg_text(MSG_REPORT_NOT_MEASURED, l) : NULL);
        export_end_row(t);
    }
    return export_send(r, t, f, "indicators", p);
}

/* ---- indicators ---- */

struct ind_ctx {
    params_t         p;
    report_figures_t f;
};

static int ind_fn(db_t *db, void *arg)
{
    struct ind_ctx *c = arg;
    return report_figures(db, &c->p.q, &c->f);
}

int api_reports_indicators(req_t *r)
{
    export_format_t ef;
    bool exp;
    if (want_export(r, &ef, &exp) < 0) return 0;
    struct ind_ctx *c = xcalloc(1, sizeof *c);
    if (parse(r, &c->p, true, false) < 0) {
        free(c);
        return 0;
    }
    int rc = store_read(r->app->store, ind_fn, c);
    if (rc < 0) {
        free(c);
        return reply_errno(r, rc);
    }
    report_index_t x;
    report_index(&c->f, c->p.commune, &x);
    if (exp) {
        export_indicators(r, ef, &c->p, &c->f, &x);
        free(c);
        return 0;
    }
    buf_t b;
    jw_t w;
    buf_init(&b, 0);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    head(&w, &c->p, true);
    jw_key(&w, "figures");
    report_json_figures(&w, &c->f);
    jw_key(&w, "shares");
    report_json_shares(&w, &c->f);
    jw_key(&w, "index");
    report_json_index(&w, &x);
    jw_obj_end(&w);
    free(c);
    return api_reply_writer(r, 200, &w, &b);
}

/* ---- overview ---- */

typedef struct child_row {
    unit_t           u;
    report_figures_t f;
    double           score, on_time;
} child_row_t;

struct ov_ctx {
    params_t     p;
    child_row_t *rows;
    int          n, cap;
};

static int ov_cb(const char *unit_id, const report_figures_t *f, void *arg)
{
    struct ov_ctx *c = arg;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->rows = xrealloc(c->rows, (size_t)c->cap * sizeof *c->rows);
    }
    child_row_t *x = &c->rows[c->n];
    memset(x, 0, sizeof *x);
    str_copy(x->u.id, sizeof x->u.id, unit_id);
    x->f = *f;
    c->n++;
    return 0;
}

static int ov_fn(db_t *db, void *arg)
{
    struct ov_ctx *c = arg;
    c->n = 0;
    int rc = report_children(db, &c->p.q, ov_cb, c);
    for (int i = 0; rc >= 0 && i < c->n; i++) rc = unit_get(db, c->rows[i].u.id, &c->rows[i].u);
    return rc < 0 ? rc : 0;
}

static int rank_cmp(const void *a, const void *b)
{
    const child_row_t *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    if (x->on_time != y->on_time) return x->on_time < y->on_time ? 1 : -1;
    return strcmp(x->u.path, y->u.path);
}

static void export_overview(req_t *r, export_format_t f, struct ov_ctx *c)
{
    lang_t l = r->lang;
    export_table_t *t = export_begin(r, MSG_REPORT_TITLE_OVERVIEW, &c->p, true);
    const msg_id_t cols[] = {MSG_REPORT_COL_RANK, MSG_REPORT_COL_UNIT, MSG_REPORT_FIG_RECEIVED, MSG_REPORT_FIG_TO_HANDLE,
                             MSG_REPORT_FIG_RESOLVED, MSG_REPORT_FIG_RESOLVED_LATE, MSG_REPORT_FIG_IN_PROGRESS_OVERDUE,
                             MSG_REPORT_SHARE_ON_TIME, MSG_REPORT_COL_SCORE};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) export_column(t, msg_text(cols[i], l), i != 1);
    for (int i = 0; i < c->n; i++) {
        const report_figures_t *fg = &c->rows[i].f;
        export_int(t, i + 1);
        export_text(t, c->rows[i].u.name);
        export_int(t, fg->v[RF_RECEIVED]);
        export_int(t, fg->v[RF_TO_HANDLE]);
        export_int(t, fg->v[RF_RESOLVED]);
        export_int(t, fg->v[RF_RESOLVED_LATE]);
        export_int(t, fg->v[RF_IN_PROGRESS_OVERDUE]);
        export_ratio(t, c->rows[i].on_time);
        char sc[24];
        snprintf(sc, sizeof sc, "%.2f", c->rows[i].score);
        export_text(t, sc);
        export_end_row(t);
    }
    export_send(r, t, f, "overview", &c->p);
}

int api_reports_overview(req_t *r)
{
    export_format_t ef;
    bool exp;
    if (want_export(r, &ef, &exp) < 0) return 0;
    struct ov_ctx *c = xcalloc(1, sizeof *c);
    if (parse(r, &c->p, true, true) < 0) {
        free(c);
        return 0;
    }
    int rc = store_read(r->app->store, ov_fn, c);
    if (rc < 0) {
        free(c->rows);
        free(c);
        return reply_errno(r, rc);
    }
    for (int i = 0; i < c->n; i++) {
        report_index_t x;
        bool commune = !strcmp(c->rows[i].u.kind, "commune") || !strcmp(c->rows[i].u.kind, "ward");
        report_index(&c->rows[i].f, commune, &x);
        c->rows[i].score = x.score;
        c->rows[i].on_time = report_on_time_ratio(&c->rows[i].f);
    }
    qsort(c->rows, (size_t)c->n, sizeof *c->rows, rank_cmp);
    if (exp) {
        export_overview(r, ef, c);
        free(c->rows);
        free(c);
        return 0;
    }
    buf_t b;
    jw_t w;
    buf_init(&b, 0);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    head(&w, &c->p, true);
    jw_key(&w, "items");
    jw_arr_begin(&w);
    for (int i = 0; i < c->n; i++) {
        jw_obj_begin(&w);
        jw_key(&w, "unit");
        unit_brief(&w, &c->rows[i].u);
        jw_key(&w, "figures");
        report_json_figures(&w, &c->rows[i].f);
        kratio(&w, "on_time_ratio", c->rows[i].on_time);
        jw_key(&w, "score");
        report_json_number(&w, c->rows[i].score, 2);
        jw_kint(&w, "rank", i + 1);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    free(c->rows);
    free(c);
    return api_reply_writer(r, 200, &w, &b);
}

/* ---- workload ---- */

struct wl_ctx {
    params_t  p;
    long long now, soon;
    buf_t     b;
    jw_t      w;
    char      cur[ID_LEN + 1];
    long long open, overdue, due_soon;
    buf_t     fields;        /* the current officer's fields, as JSON array members */
    jw_t      fw;
    char      username[128], full_name[808];
    export_table_t *t;       /* format=: the rows also go into this table */
};

static void wl_flush(struct wl_ctx *c)
{
    if (!c->cur[0]) return;
    jw_t *w = &c->w;
    jw_obj_begin(w);
    jw_key(w, "officer");
    jw_obj_begin(w);
    jw_kstr(w, "id", c->cur);
    jw_kstr(w, "username", c->username);
    jw_kstr(w, "full_name", c->full_name);
    jw_obj_end(w);
    jw_kint(w, "open", c->open);
    jw_kint(w, "due_soon", c->due_soon);
    jw_kint(w, "overdue", c->overdue);
    jw_key(w, "fields");
    jw_arr_end(&c->fw);
    jw_raw(w, c->fields.data, c->fields.len);
    jw_obj_end(w);
    c->cur[0] = '\0';
}

static int wl_cb(const char *id, const char *username, const char *full_name, const char *field, long long open,
                 long long overdue, long long due_soon, void *arg)
{
    struct wl_ctx *c = arg;
    if (strcmp(c->cur, id ? id : "")) {
        wl_flush(c);
        str_copy(c->cur, sizeof c->cur, id ? id : "");
        str_copy(c->username, sizeof c->username, username ? username : "");
        str_copy(c->full_name, sizeof c->full_name, full_name ? full_name : "");
        c->open = c->overdue = c->due_soon = 0;
        buf_reset(&c->fields);
        jw_init(&c->fw, &c->fields);
        jw_arr_begin(&c->fw);
    }
    c->open += open;
    c->overdue += overdue;
    c->due_soon += due_soon;
    if (c->t) {
        export_text(c->t, full_name && *full_name ? full_name : username);
        export_text(c->t, field);
        export_int(c->t, open);
        export_int(c->t, due_soon);
        export_int(c->t, overdue);
        export_end_row(c->t);
    }
    jw_obj_begin(&c->fw);
    jw_kstr(&c->fw, "field", field ? field : "");
    jw_kint(&c->fw, "open", open);
    jw_kint(&c->fw, "due_soon", due_soon);
    jw_kint(&c->fw, "overdue", overdue);
    jw_obj_end(&c->fw);
    return 0;
}

static int wl_fn(db_t *db, void *arg)
{
    struct wl_ctx *c = arg;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    c->cur[0] = '\0';
    jw_obj_begin(&c->w);
    head(&c->w, &c->p, false);
    long long days = (c->soon - c->now) / 86400000LL;
    jw_kint(&c->w, "days", days);
    jw_key(&c->w, "items");
    jw_arr_begin(&c->w);
    int rc = report_workload(db, c->p.unit.path, c->now, c->soon, wl_cb, c);
    wl_flush(c);
    jw_arr_end(&c->w);
    jw_obj_end(&c->w);
    return rc < 0 ? rc : 0;
}

int api_reports_workload(req_t *r)
{
    export_format_t ef;
    bool exp;
    if (want_export(r, &ef, &exp) < 0) return 0;
    struct wl_ctx *c = xcalloc(1, sizeof *c);
    if (parse(r, &c->p, false, true) < 0) {
        free(c);
        return 0;
    }
    if (c->p.field || c->p.procedure || c->p.officer) {
        const char *which = c->p.field ? "field" : c->p.procedure ? "procedure" : "officer";
        free(c);
        return bad(r, which), 0;
    }
    long long days = 3;
    const char *ds = req_query(r, "days");
    char *end;
    if (ds && (days = strtoll(ds, &end, 10), end == ds || *end || days < 1 || days > 30)) {
        free(c);
        return reply_problem(r, 400, "invalid-parameter", MSG_FIELD_RANGE, "days", "days", "1", "30");
    }
    c->now = clock_now_ms();
    c->soon = c->now + days * 86400000LL;
    if (exp) {
        lang_t l = r->lang;
        c->p.q.from = c->p.q.to = report_today(c->now);
        c->t = export_begin(r, MSG_REPORT_TITLE_WORKLOAD, &c->p, false);
        const msg_id_t cols[] = {MSG_REPORT_COL_OFFICER, MSG_REPORT_COL_FIELD, MSG_REPORT_COL_OPEN,
                                 MSG_REPORT_COL_DUE_SOON, MSG_REPORT_COL_OVERDUE};
        for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) export_column(c->t, msg_text(cols[i], l), i >= 2);
    }
    buf_init(&c->b, 0);
    buf_init(&c->fields, 0);
    int rc = store_read(r->app->store, wl_fn, c);
    buf_free(&c->fields);
    if (rc < 0 || c->t) {
        buf_free(&c->b);
        if (rc >= 0) export_send(r, c->t, ef, "workload", &c->p);
        else export_free(c->t);
        free(c);
        return rc < 0 ? reply_errno(r, rc) : 0;
    }
    api_reply_writer(r, 200, &c->w, &c->b);
    free(c);
    return 0;
}

/* ---- trend ---- */

struct tr_ctx {
    params_t         p;
    int              months[TREND_MONTHS_MAX];     /* yyyymm01 */
    int              n;
    report_figures_t f[TREND_MONTHS_MAX];
};

static int tr_fn(db_t *db, void *arg)
{
    struct tr_ctx *c = arg;
    for (int i = 0; i < c->n; i++) {
        report_query_t q = c->p.q;
        q.from = c->months[i];
        q.to = report_day_add(i + 1 < c->n ? c->months[i + 1] : report_day_add(c->months[i], 31) / 100 * 100 + 1, -1);
        int rc = report_figures(db, &q, &c->f[i]);
        if (rc < 0) return rc;
    }
    return 0;
}

static void export_trend(req_t *r, export_format_t f, struct tr_ctx *c)
{
    lang_t l = r->lang;
    export_table_t *t = export_begin(r, MSG_REPORT_TITLE_TREND, &c->p, true);
    const msg_id_t cols[] = {MSG_REPORT_COL_MONTH, MSG_REPORT_FIG_RECEIVED, MSG_REPORT_FIG_RESOLVED,
                             MSG_REPORT_FIG_RESOLVED_LATE, MSG_REPORT_FIG_IN_PROGRESS, MSG_REPORT_FIG_IN_PROGRESS_OVERDUE,
                             MSG_REPORT_SHARE_ON_TIME};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) export_column(t, msg_text(cols[i], l), i > 0);
    for (int i = 0; i < c->n; i++) {
        char mt[16];
        snprintf(mt, sizeof mt, "%02d/%04d", c->months[i] / 100 % 100, c->months[i] / 10000);
        const report_figures_t *fg = &c->f[i];
        export_text(t, mt);
        export_int(t, fg->v[RF_RECEIVED]);
        export_int(t, fg->v[RF_RESOLVED]);
        export_int(t, fg->v[RF_RESOLVED_LATE]);
        export_int(t, fg->v[RF_IN_PROGRESS]);
        export_int(t, fg->v[RF_IN_PROGRESS_OVERDUE]);
        export_ratio(t, report_on_time_ratio(fg));
        export_end_row(t);
    }
    export_send(r, t, f, "trend", &c->p);
}

int api_reports_trend(req_t *r)
{
    export_format_t ef;
    bool exp;
    if (want_export(r, &ef, &exp) < 0) return 0;
    struct tr_ctx *c = xcalloc(1, sizeof *c);
    if (parse(r, &c->p, false, false) < 0) {
        free(c);
        return 0;
    }
    int today = report_today(clock_now_ms()), from, to;
    int dflt_from = ((today / 10000) - (today / 100 % 100 == 12 ? 0 : 1)) * 10000 + (today / 100 % 100 % 12 + 1) * 100 + 1;
    if (month_param(r, "from", dflt_from, &from) < 0 || month_param(r, "to", today / 100 * 100 + 1, &to) < 0) {
        free(c);
        return 0;
    }
    int months = (to / 10000 - from / 10000) * 12 + (to / 100 % 100 - from / 100 % 100) + 1;
    if (from > to || from < 20000101 || to > (today / 10000 + 1) * 10000 + 1231 || months > TREND_MONTHS_MAX) {
        free(c);
        char span[16];
        snprintf(span, sizeof span, "%d", TREND_MONTHS_MAX * 31);
        return reply_problem(r, 400, "invalid-period", MSG_REPORT_RANGE, "from", "from", "to", span);
    }
    c->n = months;
    int m = from;
    for (int i = 0; i < months; i++) {
        c->months[i] = m;
        m = report_day_add(m, 31) / 100 * 100 + 1;
    }
    /* the months' range, for the header */
    c->p.q.from = from;
    c->p.q.to = report_day_add(report_day_add(to, 31) / 100 * 100 + 1, -1);
    int rc = store_read(r->app->store, tr_fn, c);
    if (rc < 0) {
        free(c);
        return reply_errno(r, rc);
    }
    if (exp) {
        export_trend(r, ef, c);
        free(c);
        return 0;
    }
    buf_t b;
    jw_t w;
    buf_init(&b, 0);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    head(&w, &c->p, false);
    char mt[16];
    snprintf(mt, sizeof mt, "%04d-%02d", from / 10000, from / 100 % 100);
    jw_kstr(&w, "from", mt);
    snprintf(mt, sizeof mt, "%04d-%02d", to / 10000, to / 100 % 100);
    jw_kstr(&w, "to", mt);
    jw_key(&w, "months");
    jw_arr_begin(&w);
    for (int i = 0; i < c->n; i++) {
        jw_obj_begin(&w);
        snprintf(mt, sizeof mt, "%04d-%02d", c->months[i] / 10000, c->months[i] / 100 % 100);
        jw_kstr(&w, "month", mt);
        jw_key(&w, "figures");
        report_json_figures(&w, &c->f[i]);
        kratio(&w, "on_time_ratio", report_on_time_ratio(&c->f[i]));
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    free(c);
    return api_reply_writer(r, 200, &w, &b);
}

/* ---- the dossiers a figure counts ---- */

struct dd_ctx {
    params_t        p;
    report_figure_t fig;
    const char     *after;
    long long       limit, n;
    lang_t          lang;
    buf_t           b;
    jw_t            w;
    char            next[ID_LEN + 1];
    db_t           *db;
};

static int dd_cb(const char *id, void *arg)
{
    struct dd_ctx *c = arg;
    dossier_t d;
    memset(&d, 0, sizeof d);           /* dossier_get_by_id frees what d held */
    int rc = dossier_get_by_id(c->db, id, &d);
    if (rc < 0) return rc;
    jw_obj_begin(&c->w);
    dossier_brief_json(&c->w, &d, c->lang);
    jw_obj_end(&c->w);
    dossier_free(&d);
    c->n++;
    return 0;
}

static int dd_fn(db_t *db, void *arg)
{
    struct dd_ctx *c = arg;
    c->db = db;
    buf_reset(&c->b);
    jw_init(&c->w, &c->b);
    c->n = 0;
    jw_obj_begin(&c->w);
    head(&c->w, &c->p, true);
    jw_kstr(&c->w, "measure", report_figure_key(c->fig));
    jw_key(&c->w, "items");
    jw_arr_begin(&c->w);
    int rc = report_dossier_ids(db, &c->p.q, c->fig, c->after, c->limit, dd_cb, c, c->next);
    jw_arr_end(&c->w);
    jw_kstr(&c->w, "next_cursor", c->next[0] ? c->next : NULL);
    jw_obj_end(&c->w);
    return rc < 0 ? rc : 0;
}

int api_reports_dossiers(req_t *r)
{
    page_t pg;
    if (req_page(r, &pg) < 0) return 0;
    struct dd_ctx *c = xcalloc(1, sizeof *c);
    if (parse(r, &c->p, true, false) < 0) {
        free(c);
        return 0;
    }
    if (report_figure_parse(req_query(r, "measure"), &c->fig) < 0) {
        free(c);
        return bad(r, "measure"), 0;
    }
    if (pg.cursor && !id_valid(pg.cursor)) {
        free(c);
        return bad(r, "cursor"), 0;
    }
    c->after = pg.cursor;
    c->limit = pg.limit;
    c->lang = r->lang;
    buf_init(&c->b, 0);
    int rc = store_read(r->app->store, dd_fn, c);
    if (rc < 0) {
        buf_free(&c->b);
        free(c);
        return reply_errno(r, rc);
    }
    api_reply_writer(r, 200, &c->w, &c->b);
    free(c);
    return 0;
}
