/* api_calendar.c — the legal clock over HTTP: public conversions and deadlines, admin editing of holiday entries
 * and of a unit's working time.
 *
 * Public (no sign-in): /calendar/lunar, /solar, /holidays, /due, /workdays. Every query parameter is parsed
 * strictly (whole string, bounded length, range-checked) and a bad one is a 400 problem naming it. Calendars come
 * from the per-province cache of domain/holiday_store.h and are released before replying.
 * Admin (staff): /calendar/entries and /units/{id}/working-time. A scope outside the caller's view is 404, a
 * caller without the admin role over it 403; updates of an existing record need If-Match (428 without, 412 when
 * stale); a write that does not commit changes nothing. After every committed write the cache is told again
 * (holiday_store_changed), so the next lookup never serves a calendar read before the commit. */
#include "api/api.h"
#include "core/mem.h"
#include "domain/calendar.h"
#include "domain/holiday_store.h"
#include "domain/lunar.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int bad_param(req_t *r, const char *name)
{
    return reply_problem(r, 400, "invalid-parameter", MSG_PARAM_INVALID, name, name, NULL, NULL);
}

static int out_of_range(req_t *r, const char *name)
{
    return reply_problem(r, 400, "invalid-parameter", MSG_CAL_RANGE, name, name, NULL, NULL);
}

/* A required date parameter. Returns 0, or -1 after replying. */
static int q_date(req_t *r, const char *name, int *y, int *m, int *d)
{
    int rc = lunar_solar_parse(req_query(r, name), y, m, d);
    if (rc == -ERANGE) return out_of_range(r, name), -1;
    if (rc < 0) return bad_param(r, name), -1;
    return 0;
}

static int q_year(req_t *r, int *year)
{
    const char *s = req_query(r, "year");
    if (!s || strnlen(s, 5) != 4) return bad_param(r, "year"), -1;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9') return bad_param(r, "year"), -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < LUNAR_MIN_YEAR || v > LUNAR_MAX_YEAR) return out_of_range(r, "year"), -1;
    *year = v;
    return 0;
}

/* ---- resolving a unit parameter to its province and working time ---- */

struct unit_ctx {
    const char    *id;
    bool           want_wt;
    unit_t         u;
    working_time_t wt;
};

static int unit_ctx_fn(db_t *db, void *arg)
{
    struct unit_ctx *c = arg;
    int rc = unit_get(db, c->id, &c->u);
    if (rc == 0 && c->want_wt) rc = working_time_get(db, c->id, &c->wt);
    return rc;
}

/* Query parameter `name` naming a province (or the national root): its province id into prov ("" = national).
 * Absent: national. Any other id, existing or not, is the same 404. Returns 0, or -1 after replying. */
static int q_province(req_t *r, const char *name, char prov[ID_LEN + 1])
{
    prov[0] = '\0';
    const char *id = req_query(r, name);
    if (!id) return 0;
    if (!id_valid(id)) return bad_param(r, name), -1;
    struct unit_ctx *c = xcalloc(1, sizeof *c);
    c->id = id;
    int rc = store_read(r->app->store, unit_ctx_fn, c);
    /* A unit that exists but is no province is answered exactly as an unknown id: this endpoint is public, and
     * telling the two apart would let anyone probe which unit ids exist and what kind they are. */
    if (rc == 0 && strcmp(c->u.kind, "province") && strcmp(c->u.kind, "national")) rc = -ENOENT;
    if (rc == 0 && !strcmp(c->u.kind, "province")) str_copy(prov, ID_LEN + 1, c->u.id);
    free(c);
    if (rc == -ENOENT) return reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, name, id, NULL, NULL), -1;
    if (rc < 0) return reply_errno(r, rc), -1;
    return 0;
}

static int calendar_for(req_t *r, const char *prov, const calendar_config_t *cfg, holiday_calendar_t **hc)
{
    int rc = holiday_calendar_get(r->app->store, prov, cfg, hc);
    if (rc < 0) return reply_errno(r, rc), -1;
    return 0;
}

/* ---- public endpoints ---- */

static void fmt_date(char out[16], int y, int m, int d)
{
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

int api_calendar_lunar(req_t *r)
{
    int y, m, d;
    if (q_date(r, "date", &y, &m, &d) < 0) return 0;
    lunar_date_t ld;
    int rc = lunar_from_solar(y, m, d, &ld);
    if (rc == -ERANGE) return out_of_range(r, "date");
    if (rc < 0) return bad_param(r, "date");
    char solar[16], lunar[24];
    fmt_date(solar, y, m, d);
    snprintf(lunar, sizeof lunar, "%04d-%02d%s-%02d", ld.year, ld.month, ld.leap ? "L" : "", ld.day);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "solar", solar);
    jw_kstr(&w, "lunar", lunar);
    jw_kint(&w, "year", ld.year);
    jw_kint(&w, "month", ld.month);
    jw_kint(&w, "day", ld.day);
    jw_kbool(&w, "leap", ld.leap != 0);
    jw_obj_end(&w);
    return api_reply_writer(r, 200, &w, &b);
}

/* "YYYY-MM-DD" or "YYYY-MML-DD" → lunar fields, unchecked against the calendar. */
int api_calendar_solar(req_t *r)
{
    const char *date = req_query(r, "date"), *leap = req_query(r, "leap");
    lunar_date_t ld;
    if (lunar_parse(date, &ld) < 0) return bad_param(r, "date");
    if (leap) {
        if (!strcmp(leap, "true")) ld.leap = 1;
        else if (strcmp(leap, "false") || ld.leap) return bad_param(r, "leap");
    }
    if (ld.year < LUNAR_MIN_YEAR || ld.year > LUNAR_MAX_YEAR) return out_of_range(r, "date");
    int y, m, d;
    int rc = lunar_to_solar(&ld, &y, &m, &d);
    if (rc == -ERANGE) return out_of_range(r, "date");
    char lunar[24];
    snprintf(lunar, sizeof lunar, "%04d-%02d%s-%02d", ld.year, ld.month, ld.leap ? "L" : "", ld.day);
    if (rc < 0) return reply_problem(r, 400, "invalid-parameter", MSG_CAL_LUNAR_MISSING, "date", lunar, NULL, NULL);
    char solar[16];
    fmt_date(solar, y, m, d);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "solar", solar);
    jw_kstr(&w, "lunar", lunar);
    jw_obj_end(&w);
    return api_reply_writer(r, 200, &w, &b);
}

/* The entry on month-day of the year's list: a working-day entry when `working`, else a day off; or NULL. */
static const holiday_entry_t *entry_on(const holiday_entry_t *e, size_t n, int m, int d, bool working)
{
    for (size_t i = 0; i < n; i++)
        if (e[i].month == m && e[i].day == d && ((e[i].kind == HOLIDAY_WORKING_DAY) == working)) return &e[i];
    return NULL;
}

int api_calendar_holidays(req_t *r)
{
    int year;
    char prov[ID_LEN + 1];
    if (q_year(r, &year) < 0 || q_province(r, "province", prov) < 0) return 0;
    holiday_calendar_t *hc;
    if (calendar_for(r, prov, NULL, &hc) < 0) return 0;
    const calendar_t *cal = holiday_calendar_cal(hc);
    holiday_entry_t *e = NULL;
    size_t n = 0;
    int rc = holiday_set_year(holiday_calendar_days(hc), year, &e, &n);
    if (rc < 0) {
        holiday_calendar_release(hc);
        return reply_errno(r, rc);
    }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kint(&w, "year", year);
    jw_kstr(&w, "province", prov[0] ? prov : NULL);
    jw_key(&w, "days");
    jw_arr_begin(&w);
    long first, last;
    calendar_day_from_ymd(year, 1, 1, &first);
    calendar_day_from_ymd(year, 12, 31, &last);
    for (long day = first; day <= last; day++) {
        int working = 0, y, m, d;
        calendar_is_working_day(cal, day, &working);
        calendar_ymd_from_day(day, &y, &m, &d);
        bool weekend = lunar_weekday(lunar_jdn_from_ymd(y, m, d)) >= 5;
        if (weekend != (working != 0)) continue; /* an ordinary weekday or weekend */
        const holiday_entry_t *x = entry_on(e, n, m, d, working != 0);
        char date[16];
        fmt_date(date, y, m, d);
        jw_obj_begin(&w);
        jw_kstr(&w, "date", date);
        jw_kstr(&w, "kind", holiday_kind_name(x ? x->kind : (working ? HOLIDAY_WORKING_DAY : HOLIDAY_DAY_OFF)));
        jw_kstr(&w, "name_vi", x ? x->name_vi : NULL);
        jw_kstr(&w, "name_en", x ? x->name_en : NULL);
        jw_kstr(&w, "source", x ? x->source : NULL);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    free(e);
    holiday_calendar_release(hc);
    return api_reply_writer(r, 200, &w, &b);
}

int api_calendar_due(req_t *r)
{
    const char *from = req_query(r, "from"), *rule_s = req_query(r, "rule"), *amount_s = req_query(r, "amount");
    long t;
    int rc = from ? calendar_instant_parse(from, &t) : -EINVAL;
    if (rc == -ERANGE) return out_of_range(r, "from");
    if (rc < 0) return bad_param(r, "from");
    due_rule_t rule;
    if (!rule_s) return bad_param(r, "rule");
    if (!strcmp(rule_s, "days")) rule = DUE_DAYS;
    else if (!strcmp(rule_s, "hours")) rule = DUE_HOURS;
    else if (!strcmp(rule_s, "same_day")) rule = DUE_SAME_DAY;
    else return bad_param(r, "rule");
    double amount = 0;
    if ((rule != DUE_SAME_DAY || amount_s) && calendar_amount_parse(amount_s, &amount) < 0) return bad_param(r, "amount");

    char prov[ID_LEN + 1] = "";
    calendar_config_t cfg;
    calendar_config_default(&cfg);
    const char *unit = req_query(r, "unit");
    if (unit) {
        if (!id_valid(unit)) return bad_param(r, "unit");
        struct unit_ctx *c = xcalloc(1, sizeof *c);
        c->id = unit;
        c->want_wt = true;
        rc = store_read(r->app->store, unit_ctx_fn, c);
        if (rc == 0) {
            str_copy(prov, sizeof prov, c->u.province_id);
            cfg = c->wt.cfg;
        }
        free(c);
        if (rc == -ENOENT) return reply_problem(r, 404, "not-found", MSG_UNIT_UNKNOWN, "unit", unit, NULL, NULL);
        if (rc < 0) return reply_errno(r, rc);
    }
    holiday_calendar_t *hc;
    if (calendar_for(r, prov, &cfg, &hc) < 0) return 0;
    const calendar_t *cal = holiday_calendar_cal(hc);
    long work = 0, due = 0;
    rc = 0;
    if (rule == DUE_DAYS) rc = calendar_work_from_days(cal, amount, &work);
    else if (rule == DUE_HOURS) rc = calendar_work_from_hours(amount, &work);
    if (rc == 0 && rule != DUE_SAME_DAY && work <= 0) rc = -EINVAL;
    if (rc < 0) {
        holiday_calendar_release(hc);
        return bad_param(r, "amount");
    }
    rc = calendar_due(cal, t, rule, work, &due);
    holiday_calendar_release(hc);
    if (rc == -ERANGE) return out_of_range(r, "amount");
    if (rc < 0) return bad_param(r, "amount");
    char due_s[32], from_s[32], amount_txt[40];
    calendar_instant_format(due, due_s, sizeof due_s);
    calendar_instant_format(t, from_s, sizeof from_s);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kstr(&w, "due", due_s);
    jw_kstr(&w, "rule", rule_s);
    jw_key(&w, "amount");
    if (rule == DUE_SAME_DAY && !amount_s) {
        jw_null(&w);
    } else {
        int k = snprintf(amount_txt, sizeof amount_txt, "%.10g", amount);
        jw_raw(&w, amount_txt, (size_t)k);
    }
    jw_kstr(&w, "from", from_s);
    jw_kstr(&w, "unit", unit);
    jw_obj_end(&w);
    return api_reply_writer(r, 200, &w, &b);
}

int api_calendar_workdays(req_t *r)
{
    int y, m, d;
    long first, last;
    if (q_date(r, "from", &y, &m, &d) < 0) return 0;
    calendar_day_from_ymd(y, m, d, &first);
    if (q_date(r, "to", &y, &m, &d) < 0) return 0;
    calendar_day_from_ymd(y, m, d, &last);
    if (first > last) return bad_param(r, "to");
    char prov[ID_LEN + 1];
    if (q_province(r, "province", prov) < 0) return 0;
    holiday_calendar_t *hc;
    if (calendar_for(r, prov, NULL, &hc) < 0) return 0;
    long count = 0;
    int rc = calendar_workdays(holiday_calendar_cal(hc), first, last, &count);
    holiday_calendar_release(hc);
    if (rc < 0) return reply_errno(r, rc);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_kint(&w, "workdays", count);
    jw_obj_end(&w);
    return api_reply_writer(r, 200, &w, &b);
}

/* ---- admin: holiday entries ---- */

/* A domain refusal; 428 (the record exists, no If-Match) gets its own slug. */
static int reply_derr(req_t *r, int rc, const derr_t *e)
{
    if (e->status == 428)
        return reply_problem(r, 428, "precondition-required", MSG_PRECONDITION_REQUIRED, "If-Match", NULL, NULL,
                             NULL);
    return api_reply_derr(r, rc, e);
}

/* If-Match when given (0 when absent: create only). Returns 0, or -1 after replying. */
static int if_match_opt(req_t *r, long long *version)
{
    *version = 0;
    return req_header(r, "If-Match") ? api_if_match(r, version) : 0;
}

static int q_scope(req_t *r, const char **scope)
{
    *scope = req_query(r, "scope");
    if (*scope && **scope && !id_valid(*scope)) return bad_param(r, "scope"), -1;
    return 0;
}

struct list_ctx {
    const principal_t *who;
    const char        *scope;
    int                year;
    jw_t              *w;
    derr_t             err;
};

static int list_cb(const holiday_record_t *rec, void *arg)
{
    struct list_ctx *c = arg;
    holiday_record_json(c->w, rec);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = holiday_store_list(db, c->who, c->scope, c->year, list_cb, c, &c->err);
    return rc < 0 ? rc : 0;
}

int api_calendar_entries_list(req_t *r)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    if (q_year(r, &c->year) < 0 || q_scope(r, &c->scope) < 0) { free(c); return 0; }
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    c->w = &w;
    api_list_begin(&w);
    int rc = store_read(r->app->store, list_fn, c);
    if (rc < 0) {
        buf_free(&b);
        reply_derr(r, rc, &c->err);
        free(c);
        return 0;
    }
    free(c);
    api_list_end(&w, NULL);
    return api_reply_writer(r, 200, &w, &b);
}

struct entry_ctx {
    const principal_t *who;
    holiday_input_t    in;
    long long          version;
    holiday_record_t   out;
    derr_t             err;
};

static int put_fn(db_t *db, void *arg)
{
    struct entry_ctx *c = arg;
    return holiday_store_put(db, c->who, &c->in, c->version, &c->out, &c->err);
}

static int delete_fn(db_t *db, void *arg)
{
    struct entry_ctx *c = arg;
    return holiday_store_delete(db, c->who, c->in.scope_unit_id, c->in.date, c->version, &c->out, &c->err);
}

int api_calendar_entries_put(req_t *r)
{
    const char *scope;
    long long version;
    if (q_scope(r, &scope) < 0 || if_match_opt(r, &version) < 0) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    struct entry_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->version = version;
    c->in.scope_unit_id = scope;
    c->in.date = req_param(r, 0);
    const field_t fields[] = {
        {"kind", FT_STRING, true, 1, 16, &c->in.kind, NULL},
        {"name_vi", FT_STRING, true, 1, HOLIDAY_TEXT_MAX, &c->in.name_vi, NULL},
        {"name_en", FT_STRING, false, 0, HOLIDAY_TEXT_MAX, &c->in.name_en, NULL},
        {"source", FT_STRING, false, 0, HOLIDAY_TEXT_MAX, &c->in.source, NULL},
    };
    if (req_fields(r, body, fields, sizeof fields / sizeof fields[0]) == 0) {
        int rc = store_write(r->app->store, put_fn, c);
        if (rc < 0) {
            reply_derr(r, rc, &c->err);
        } else {
            holiday_store_changed();
            buf_t b;
            buf_init(&b, 0);
            jw_t w;
            jw_init(&w, &b);
            holiday_record_json(&w, &c->out);
            api_etag(r, c->out.version);
            api_reply_writer(r, version == 0 ? 201 : 200, &w, &b);
        }
    }
    free(c);
    json_decref(body);
    return 0;
}

int api_calendar_entries_delete(req_t *r)
{
    const char *scope;
    long long version;
    if (q_scope(r, &scope) < 0 || if_match_opt(r, &version) < 0) return 0;
    struct entry_ctx *c = xcalloc(1, sizeof *c);
    c->who = &r->who;
    c->version = version;
    c->in.scope_unit_id = scope;
    c->in.date = req_param(r, 0);
    int rc = store_write(r->app->store, delete_fn, c);
    if (rc < 0) reply_derr(r, rc, &c->err);
    else {
        holiday_store_changed();
        reply_status(r, 204);
    }
    free(c);
    return 0;
}

/* ---- admin: working time ---- */

static int reply_wt(req_t *r, int status, const working_time_t *wt)
{
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    working_time_json(&w, wt);
    if (wt->version > 0) api_etag(r, wt->version);
    return api_reply_writer(r, status, &w, &b);
}

int api_working_time_get(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    struct unit_ctx *c = xcalloc(1, sizeof *c);
    c->id = id;
    c->want_wt = true;
    int rc = store_read(r->app->store, unit_ctx_fn, c);
    if (rc == 0 && !auth_sees_path(&r->who, c->u.path)) rc = -ENOENT;
    if (rc < 0) reply_errno(r, rc);
    else reply_wt(r, 200, &c->wt);
    free(c);
    return 0;
}

/* "HH:MM", 00:00..24:00 → minutes after midnight; -EINVAL otherwise. */
static int parse_hhmm(const char *s, int *out)
{
    if (!s || strnlen(s, 6) != 5 || s[2] != ':') return -EINVAL;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -EINVAL;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0)) return -EINVAL;
    *out = h * 60 + m;
    return 0;
}

struct wt_ctx {
    const principal_t *who;
    const char        *unit_id;
    calendar_config_t  cfg;
    long long          version;
    working_time_t     out;
    derr_t             err;
};

static int wt_put_fn(db_t *db, void *arg)
{
    struct wt_ctx *c = arg;
    return working_time_put(db, c->who, c->unit_id, &c->cfg, c->version, &c->out, &c->err);
}

int api_working_time_put(req_t *r)
{
    const char *id = req_param(r, 0);
    if (!id_valid(id)) return reply_problem(r, 404, "not-found", MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    long long version;
    if (if_match_opt(r, &version) < 0) return 0;
    json_t *body;
    if (req_json(r, &body) < 0) return 0;
    const char *text[5] = {NULL, NULL, NULL, NULL, NULL};
    static const char *const names[5] = {"morning_start", "morning_end", "afternoon_start", "afternoon_end",
                                         "cutoff"};
    const field_t fields[] = {
        {names[0], FT_STRING, true, 5, 5, &text[0], NULL}, {names[1], FT_STRING, true, 5, 5, &text[1], NULL},
        {names[2], FT_STRING, true, 5, 5, &text[2], NULL}, {names[3], FT_STRING, true, 5, 5, &text[3], NULL},
        {names[4], FT_STRING, true, 5, 5, &text[4], NULL},
    };
    struct wt_ctx *c = xcalloc(1, sizeof *c);
    if (req_fields(r, body, fields, 5) < 0) goto out;
    int *slot[5] = {&c->cfg.morning_start, &c->cfg.morning_end, &c->cfg.afternoon_start, &c->cfg.afternoon_end,
                    &c->cfg.cutoff};
    for (int i = 0; i < 5; i++)
        if (parse_hhmm(text[i], slot[i]) < 0) {
            reply_problem(r, 400, "invalid-field", MSG_FIELD_INVALID, names[i], names[i], "HH:MM", NULL);
            goto out;
        }
    c->cfg.weekdays = 0x1fu;
    c->who = &r->who;
    c->unit_id = id;
    c->version = version;
    int rc = store_write(r->app->store, wt_put_fn, c);
    if (rc < 0) reply_derr(r, rc, &c->err);
    else reply_wt(r, version == 0 ? 201 : 200, &c->out);
out:
    free(c);
    json_decref(body);
    return 0;
}
