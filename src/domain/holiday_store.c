/* holiday_store.c — holiday decisions and working time in the store, and the per-province calendar cache (see
 * holiday_store.h).
 *
 * Invariants: a row of holiday_entries always holds a valid date of 1900..2199, a known kind, a national scope ('')
 * or a province id, and names within HOLIDAY_TEXT_MAX characters; every write re-reads the row it changes inside
 * its transaction and matches its version in the UPDATE/DELETE itself, so a concurrent writer gets -ESTALE. The
 * cache (hc_*) is guarded by hc_mu; a cached calendar is immutable and freed only when it is out of the table
 * and no caller holds it (refs == 0). A cached calendar is served only while the process-wide generation and the
 * last fingerprint read from the store both equal the ones it was built under. */
#include "domain/holiday_store.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/utf8.h"
#include "domain/event.h"
#include "domain/ledger.h"
#include "domain/lunar.h"
#include "domain/setup.h"
#include "domain/unit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HS_COLS "id, scope_unit_id, date, kind, name_vi, name_en, source, created_at, updated_at, version"

static const char *const kind_names[] = {"day_off", "working_day", "extra_day_off"};

const char *holiday_kind_name(holiday_kind_t kind)
{
    return (unsigned)kind < 3 ? kind_names[kind] : "day_off";
}

int holiday_kind_parse(const char *s, holiday_kind_t *out)
{
    for (int i = 0; s && i < 3; i++)
        if (!strcmp(s, kind_names[i])) {
            *out = (holiday_kind_t)i;
            return 0;
        }
    return -EINVAL;
}

static void row_to_record(db_stmt_t *s, holiday_record_t *r)
{
    memset(r, 0, sizeof *r);
    str_copy(r->id, sizeof r->id, db_col_text(s, 0));
    str_copy(r->scope_unit_id, sizeof r->scope_unit_id, db_col_text(s, 1));
    str_copy(r->date, sizeof r->date, db_col_text(s, 2));
    holiday_kind_parse(db_col_text(s, 3), &r->kind);
    str_copy(r->name_vi, sizeof r->name_vi, db_col_text(s, 4));
    str_copy(r->name_en, sizeof r->name_en, db_col_text(s, 5));
    str_copy(r->source, sizeof r->source, db_col_text(s, 6));
    r->created_at = db_col_int(s, 7);
    r->updated_at = db_col_int(s, 8);
    r->version = db_col_int(s, 9);
}

void holiday_record_json(jw_t *w, const holiday_record_t *r)
{
    jw_obj_begin(w);
    jw_kstr(w, "id", r->id);
    jw_kstr(w, "scope", r->scope_unit_id[0] ? r->scope_unit_id : NULL);
    jw_kstr(w, "date", r->date);
    jw_kstr(w, "kind", holiday_kind_name(r->kind));
    jw_kstr(w, "name_vi", r->name_vi);
    jw_kstr(w, "name_en", r->name_en);
    jw_kstr(w, "source", r->source);
    jw_kint(w, "created_at", r->created_at);
    jw_kint(w, "updated_at", r->updated_at);
    jw_kint(w, "version", r->version);
    jw_obj_end(w);
}

/* ---- loading a holiday set ---- */

static int day_cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Adds the rows of one scope to the set; when `dates` is given, records each row's day number there. */
static int load_scope(db_t *db, const char *scope, holiday_set_t *set, long **dates, size_t *ndates)
{
    db_stmt_t *s = db_prepare(db, "SELECT date, kind, name_vi, name_en, source FROM holiday_entries "
                                  "WHERE scope_unit_id = $1 ORDER BY date");
    if (!s) return -EIO;
    db_bind_text(s, 1, scope, DB_NTS);
    int rc;
    size_t cap = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        holiday_entry_t e = {0};
        const char *date = db_col_text(s, 0);
        int bad = lunar_solar_parse(date, &e.year, &e.month, &e.day) < 0 ||
                  holiday_kind_parse(db_col_text(s, 1), &e.kind) < 0;
        const char *en = db_col_text(s, 3), *src = db_col_text(s, 4);
        e.name_vi = db_col_text(s, 2);
        e.name_en = en && *en ? en : NULL;
        e.source = src && *src ? src : NULL;
        if (bad || holiday_set_add(set, &e) < 0) {
            log_error("calendar: invalid stored holiday entry (scope '%s', date '%.10s')", scope,
                      date ? date : "");
            rc = -EIO;
            break;
        }
        if (dates) {
            if (*ndates == cap) {
                cap = cap ? cap * 2 : 32;
                *dates = xrealloc(*dates, cap * sizeof **dates);
            }
            (*dates)[(*ndates)++] = lunar_jdn_from_ymd(e.year, e.month, e.day);
        }
    }
    db_reset(s);
    return rc < 0 ? rc : 0;
}

int holiday_store_load(db_t *db, const char *province_id, holiday_set_t **out)
{
    holiday_set_t *set;
    int rc = holiday_set_new(&set, HOLIDAY_RULES);
    if (rc < 0) return rc;
    long *dates = NULL;
    size_t ndates = 0;
    rc = load_scope(db, "", set, &dates, &ndates);
    if (rc == 0) {
        /* The shipped decisions, except the dates a stored national entry replaces. */
        if (ndates) qsort(dates, ndates, sizeof *dates, day_cmp);
        size_t n;
        const holiday_entry_t *b = holiday_builtin(&n);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            long jdn = lunar_jdn_from_ymd(b[i].year, b[i].month, b[i].day);
            if (ndates && bsearch(&jdn, dates, ndates, sizeof *dates, day_cmp)) continue;
            rc = holiday_set_add(set, &b[i]);
        }
    }
    free(dates);
    if (rc == 0 && province_id && *province_id) rc = load_scope(db, province_id, set, NULL, NULL);
    if (rc < 0) {
        holiday_set_free(set);
        return rc;
    }
    *out = set;
    return 0;
}

/* ---- scope and validation ---- */

/* Resolves a scope parameter to the stored key (scope_out: "" national or a province id) and its unit path; checks
 * that actor sees it, and when need_admin, that actor is an admin over it. */
static int scope_resolve(db_t *db, const principal_t *actor, const char *scope, bool need_admin, char *scope_out,
                         char *path, size_t cap, derr_t *err)
{
    scope_out[0] = '\0';
    path[0] = '\0';
    if (!scope || !*scope) {
        char id[ID_LEN + 1];
        int rc = setup_find_root(db, id, path, cap);
        if (rc < 0 && rc != -ENOENT) return rc;
    } else {
        if (!id_valid(scope)) return derr_set(err, -EINVAL, 400, MSG_PARAM_INVALID, "scope", "scope", NULL, NULL);
        unit_t *u = xmalloc(sizeof *u);
        int rc = unit_get(db, scope, u);
        if (rc == 0 && actor && !auth_sees_path(actor, u->path)) rc = -ENOENT;
        if (rc < 0) {
            free(u);
            if (rc != -ENOENT) return rc;
            return derr_set(err, -ENOENT, 404, MSG_UNIT_UNKNOWN, "scope", scope, NULL, NULL);
        }
        bool national = !strcmp(u->kind, "national"), province = !strcmp(u->kind, "province");
        if (!national && !province) {
            derr_set(err, -EINVAL, 400, MSG_CAL_SCOPE, "scope", u->kind, NULL, NULL);
            free(u);
            return -EINVAL;
        }
        if (province) str_copy(scope_out, ID_LEN + 1, u->id);
        str_copy(path, cap, u->path);
        free(u);
    }
    if (need_admin && actor && (!path[0] || !auth_role_covers(actor, ROLE_ADMIN, path)))
        return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    return 0;
}

static int check_text(const char *field, const char *s, bool required, derr_t *err)
{
    if (!s || !*s) {
        if (required) return derr_set(err, -EINVAL, 400, MSG_MISSING_FIELD, field, field, NULL, NULL);
        return 0;
    }
    size_t n = strnlen(s, HOLIDAY_TEXT_BYTES);
    bool ok = n < HOLIDAY_TEXT_BYTES && utf8_valid(s, n) && utf8_length(s, n) <= HOLIDAY_TEXT_MAX;
    for (size_t i = 0; ok && i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ok = false;
    if (!ok) return derr_set(err, -EINVAL, 400, MSG_FIELD_LENGTH, field, field, required ? "1" : "0", "120");
    return 0;
}

static int check_date(const char *field, const char *date, derr_t *err)
{
    int y, m, d;
    int rc = lunar_solar_parse(date, &y, &m, &d);
    if (rc == -ERANGE) return derr_set(err, -EINVAL, 400, MSG_CAL_RANGE, field, field, NULL, NULL);
    if (rc < 0) return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, field, field, "YYYY-MM-DD", NULL);
    return 0;
}

static int get_record(db_t *db, const char *scope, const char *date, holiday_record_t *out)
{
    db_stmt_t *s;
    int rc = db_query(db, &s, "SELECT " HS_COLS " FROM holiday_entries WHERE scope_unit_id = $1 AND date = $2", "tt",
                      scope, date);
    if (rc == DB_ROW) row_to_record(s, out);
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW ? 0 : -ENOENT;
}

static int stale(derr_t *err, long long current)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", current);
    return derr_set(err, -ESTALE, 412, MSG_VERSION_MISMATCH, NULL, v, NULL, NULL);
}

static void record_payload(jw_t *w, const void *r) { holiday_record_json(w, r); }

static int record_entry_event(db_t *db, const principal_t *actor, const char *type, const holiday_record_t *r)
{
    return event_record(db, r->scope_unit_id, actor ? actor->account_id : NULL, type, "holiday", r->id,
                        record_payload, r, NULL);
}

/* ---- writes ---- */

int holiday_store_put(db_t *db, const principal_t *actor, const holiday_input_t *in, long long expected_version,
                      holiday_record_t *out, derr_t *err)
{
    holiday_kind_t kind;
    int rc = check_date("date", in->date, err);
    if (rc < 0) return rc;
    if (holiday_kind_parse(in->kind, &kind) < 0)
        return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, "kind", "kind", "day_off | working_day | extra_day_off",
                        NULL);
    if ((rc = check_text("name_vi", in->name_vi, true, err)) < 0 ||
        (rc = check_text("name_en", in->name_en, false, err)) < 0 ||
        (rc = check_text("source", in->source, false, err)) < 0)
        return rc;
    if (expected_version < 0) return stale(err, 0);
    char scope[ID_LEN + 1], path[AUTH_PATH_MAX];
    rc = scope_resolve(db, actor, in->scope_unit_id, true, scope, path, sizeof path, err);
    if (rc < 0) return rc;
    if (scope[0] && kind == HOLIDAY_DAY_OFF)
        return derr_set(err, -EINVAL, 400, MSG_CAL_KIND_SCOPE, "kind", "day_off", NULL, NULL);

    /* Lock the row before reading it (see unit.c update_unit): racing If-Match writers get one 200. */
    long long lk = db_run(db, "UPDATE holiday_entries SET version = version WHERE scope_unit_id = $1 AND date = $2", "tt",
                          scope, in->date);
    if (lk < 0) return (int)lk;
    rc = get_record(db, scope, in->date, out);
    if (rc < 0 && rc != -ENOENT) return rc;
    bool exists = rc == 0;
    if (exists && expected_version == 0)
        return derr_set(err, -EEXIST, 428, MSG_PRECONDITION_REQUIRED, "If-Match", NULL, NULL, NULL);
    if (exists && out->version != expected_version) return stale(err, out->version);
    if (!exists && expected_version != 0) return stale(err, 0);
    /* The row after the change, written by the event's apply. */
    long long now = clock_now_ms();
    if (exists) {
        out->updated_at = now;
        out->version++;
    } else {
        memset(out, 0, sizeof *out);
        id_new(out->id);
        str_copy(out->scope_unit_id, sizeof out->scope_unit_id, scope);
        str_copy(out->date, sizeof out->date, in->date);
        out->created_at = out->updated_at = now;
        out->version = 1;
    }
    out->kind = kind;
    str_copy(out->name_vi, sizeof out->name_vi, in->name_vi);
    str_copy(out->name_en, sizeof out->name_en, in->name_en ? in->name_en : "");
    str_copy(out->source, sizeof out->source, in->source ? in->source : "");
    rc = record_entry_event(db, actor, "calendar.entry_saved", out);
    if (rc == -EEXIST) return derr_set(err, -EEXIST, 409, MSG_ALREADY_EXISTS, "date", in->date, NULL, NULL);
    return rc;
}

int holiday_store_delete(db_t *db, const principal_t *actor, const char *scope_in, const char *date,
                         long long expected_version, holiday_record_t *out, derr_t *err)
{
    int rc = check_date("date", date, err);
    if (rc < 0) return rc;
    char scope[ID_LEN + 1], path[AUTH_PATH_MAX];
    rc = scope_resolve(db, actor, scope_in, true, scope, path, sizeof path, err);
    if (rc < 0) return rc;
    long long lk = db_run(db, "UPDATE holiday_entries SET version = version WHERE scope_unit_id = $1 AND date = $2", "tt",
                          scope, date);   /* the row's lock first (see holiday_store_put) */
    if (lk < 0) return (int)lk;
    rc = get_record(db, scope, date, out);
    if (rc == -ENOENT) return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, "date", NULL, NULL, NULL);
    if (rc < 0) return rc;
    if (expected_version != 0 && out->version != expected_version) return stale(err, out->version);
    return record_entry_event(db, actor, "calendar.entry_deleted", out);
}

/* ---- the projection: calendar.entry_saved upserts the entry, calendar.entry_deleted deletes it ---- */

static int apply_entry_saved(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id"), *date = event_str(p, "date"), *kind = event_str(p, "kind");
    const char *scope = event_str(p, "scope"), *vi = event_str(p, "name_vi"), *en = event_str(p, "name_en");
    const char *src = event_str(p, "source");
    holiday_kind_t k;
    if (!id || !date || !vi || holiday_kind_parse(kind, &k) < 0) return -EINVAL;
    long long n = db_run(db,
                         "INSERT INTO holiday_entries (id, scope_unit_id, date, kind, name_vi, name_en, source, "
                         "created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                         "ON CONFLICT (id) DO UPDATE SET scope_unit_id = excluded.scope_unit_id, date = excluded.date, "
                         "kind = excluded.kind, name_vi = excluded.name_vi, name_en = excluded.name_en, "
                         "source = excluded.source, created_at = excluded.created_at, "
                         "updated_at = excluded.updated_at, version = excluded.version",
                         "tttttttiii", id, scope ? scope : "", date, kind_names[k], vi, en ? en : "", src ? src : "",
                         event_int(p, "created_at"), event_int(p, "updated_at"), event_int(p, "version"));
    if (n < 0) return (int)n;
    holiday_store_changed();
    return 0;
}

static int apply_entry_deleted(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *id = event_str(p, "id");
    if (!id) return -EINVAL;
    long long n = db_run(db, "DELETE FROM holiday_entries WHERE id = $1", "t", id);
    if (n < 0) return (int)n;
    holiday_store_changed();
    return 0;
}

int holiday_store_list(db_t *db, const principal_t *viewer, const char *scope_in, int year, holiday_record_cb cb,
                       void *arg, derr_t *err)
{
    if (year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR)
        return derr_set(err, -EINVAL, 400, MSG_CAL_RANGE, "year", "year", NULL, NULL);
    char scope[ID_LEN + 1], path[AUTH_PATH_MAX];
    int rc = scope_resolve(db, viewer, scope_in, false, scope, path, sizeof path, err);
    if (rc < 0) return rc;
    char first[16], last[16];
    snprintf(first, sizeof first, "%04d-01-01", year);
    snprintf(last, sizeof last, "%04d-12-31", year);
    db_stmt_t *s = db_prepare(db, "SELECT " HS_COLS " FROM holiday_entries WHERE scope_unit_id = $1 "
                                  "AND date >= $2 AND date <= $3 ORDER BY date");
    if (!s) return -EIO;
    db_bind_text(s, 1, scope, DB_NTS);
    db_bind_text(s, 2, first, DB_NTS);
    db_bind_text(s, 3, last, DB_NTS);
    holiday_record_t *r = xmalloc(sizeof *r);
    int n = 0;
    while ((rc = db_step(s)) == DB_ROW) {
        row_to_record(s, r);
        n++;
        if (cb && cb(r, arg) < 0) break;
    }
    free(r);
    db_reset(s);
    return rc < 0 ? rc : n;
}

/* ---- working time ---- */

static int wt_row(db_t *db, const char *unit_id, working_time_t *out, bool *found)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT morning_start, morning_end, afternoon_start, afternoon_end, cutoff, version, updated_at "
                      "FROM working_time WHERE unit_id = $1",
                      "t", unit_id);
    *found = rc == DB_ROW;
    if (rc == DB_ROW) {
        out->cfg.morning_start = (int)db_col_int(s, 0);
        out->cfg.morning_end = (int)db_col_int(s, 1);
        out->cfg.afternoon_start = (int)db_col_int(s, 2);
        out->cfg.afternoon_end = (int)db_col_int(s, 3);
        out->cfg.cutoff = (int)db_col_int(s, 4);
        out->version = db_col_int(s, 5);
        out->updated_at = db_col_int(s, 6);
        str_copy(out->from_unit_id, sizeof out->from_unit_id, unit_id);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

/* The effective working time for a unit whose path is known: the deepest unit on the path with a row. */
static int wt_effective(db_t *db, const char *unit_id, const char *path, working_time_t *out)
{
    memset(out, 0, sizeof *out);
    str_copy(out->unit_id, sizeof out->unit_id, unit_id);
    calendar_config_default(&out->cfg);
    size_t len = strlen(path);
    /* path = "/<id>/<id>/.../"; walk the ids from the last one up. */
    for (size_t end = len; end >= ID_LEN + 2; end -= ID_LEN + 1) {
        char id[ID_LEN + 1];
        memcpy(id, path + end - 1 - ID_LEN, ID_LEN);
        id[ID_LEN] = '\0';
        bool found;
        int rc = wt_row(db, id, out, &found);
        if (rc < 0) return rc;
        if (found) {
            out->cfg.weekdays = 0x1fu;
            if (strcmp(id, unit_id) != 0) out->version = 0, out->updated_at = 0;
            return 0;
        }
    }
    return 0;
}

int working_time_get(db_t *db, const char *unit_id, working_time_t *out)
{
    unit_t *u = xmalloc(sizeof *u);
    int rc = unit_get(db, unit_id, u);
    if (rc == 0) rc = wt_effective(db, u->id, u->path, out);
    free(u);
    return rc;
}

static int wt_check(const calendar_config_t *c, derr_t *err)
{
    static const char order[] = "morning_start < morning_end <= afternoon_start <= afternoon_end <= 24:00";
    const struct { const char *name; int v; } f[] = {
        {"morning_start", c->morning_start}, {"morning_end", c->morning_end},
        {"afternoon_start", c->afternoon_start}, {"afternoon_end", c->afternoon_end}, {"cutoff", c->cutoff}};
    for (size_t i = 0; i < 5; i++)
        if (f[i].v < 0 || f[i].v > 1440)
            return derr_set(err, -EINVAL, 400, MSG_FIELD_INVALID, f[i].name, f[i].name, "00:00..24:00", NULL);
    if (c->morning_end <= c->morning_start)
        return derr_set(err, -EINVAL, 400, MSG_CAL_WORKING_TIME, "morning_end", order, NULL, NULL);
    if (c->afternoon_start < c->morning_end)
        return derr_set(err, -EINVAL, 400, MSG_CAL_WORKING_TIME, "afternoon_start", order, NULL, NULL);
    if (c->afternoon_end < c->afternoon_start)
        return derr_set(err, -EINVAL, 400, MSG_CAL_WORKING_TIME, "afternoon_end", order, NULL, NULL);
    if (c->cutoff < c->morning_start || c->cutoff > c->afternoon_end)
        return derr_set(err, -EINVAL, 400, MSG_CAL_WORKING_TIME, "cutoff", "morning_start <= cutoff <= afternoon_end",
                        NULL, NULL);
    return 0;
}

static void hhmm(char out[8], int minutes)
{
    snprintf(out, 8, "%02d:%02d", (minutes / 60) % 100, minutes % 60);
}

static void working_time_members(jw_t *w, const working_time_t *wt)
{
    char t[8];
    jw_kstr(w, "unit_id", wt->unit_id);
    jw_kstr(w, "inherited_from", strcmp(wt->from_unit_id, wt->unit_id) ? (wt->from_unit_id[0] ? wt->from_unit_id
                                                                                                 : "default")
                                                                       : NULL);
    hhmm(t, wt->cfg.morning_start);
    jw_kstr(w, "morning_start", t);
    hhmm(t, wt->cfg.morning_end);
    jw_kstr(w, "morning_end", t);
    hhmm(t, wt->cfg.afternoon_start);
    jw_kstr(w, "afternoon_start", t);
    hhmm(t, wt->cfg.afternoon_end);
    jw_kstr(w, "afternoon_end", t);
    hhmm(t, wt->cfg.cutoff);
    jw_kstr(w, "cutoff", t);
    jw_kint(w, "updated_at", wt->updated_at);
    jw_kint(w, "version", wt->version);
}

void working_time_json(jw_t *w, const working_time_t *wt)
{
    jw_obj_begin(w);
    working_time_members(w, wt);
    jw_obj_end(w);
}

/* The event's payload: the unit's own row as the API shows it, and its created_at (older payloads lack it: their
 * first version's updated_at is the row's created_at). */
struct wt_event {
    const working_time_t *wt;
    long long             created_at;
};

static void working_time_payload(jw_t *w, const void *arg)
{
    const struct wt_event *e = arg;
    jw_obj_begin(w);
    working_time_members(w, e->wt);
    jw_kint(w, "created_at", e->created_at);
    jw_obj_end(w);
}

/* "HH:MM" (00:00..24:00) as minutes after midnight, or -1. */
static int hhmm_parse(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':') return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9')) return -1;
    int m = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
    return m <= 1440 ? m : -1;
}

static int apply_working_time(db_t *db, const event_meta_t *ev, const json_t *p)
{
    (void)ev;
    const char *unit_id = event_str(p, "unit_id");
    static const char *const keys[] = {"morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff"};
    long long v[5];
    for (int i = 0; i < 5; i++)
        if ((v[i] = hhmm_parse(event_str(p, keys[i]))) < 0) return -EINVAL;
    if (!unit_id) return -EINVAL;
    long long updated = event_int(p, "updated_at");
    long long created = json_is_integer(json_object_get(p, "created_at")) ? event_int(p, "created_at") : updated;
    /* created_at stays the first version's when a later one comes (an older payload's is only its updated_at) */
    long long n = db_run(db,
                         "INSERT INTO working_time (unit_id, morning_start, morning_end, afternoon_start, "
                         "afternoon_end, cutoff, created_at, updated_at, version) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                         "ON CONFLICT (unit_id) DO UPDATE SET morning_start = excluded.morning_start, "
                         "morning_end = excluded.morning_end, afternoon_start = excluded.afternoon_start, "
                         "afternoon_end = excluded.afternoon_end, cutoff = excluded.cutoff, "
                         "updated_at = excluded.updated_at, version = excluded.version",
                         "tiiiiiiii", unit_id, v[0], v[1], v[2], v[3], v[4], created, updated,
                         event_int(p, "version"));
    return n < 0 ? (int)n : 0;
}

static const event_kind_t calendar_kinds[] = {
    {"calendar.entry_saved", apply_entry_saved},
    {"calendar.entry_deleted", apply_entry_deleted},
    {"calendar.working_time_saved", apply_working_time},
    {NULL, NULL},
};

static const event_table_t calendar_tables[] = {
    {"holiday_entries", "id"},
    {"working_time", "unit_id"},
    {NULL, NULL},
};

const event_module_t calendar_event_module = {"calendar", calendar_kinds, calendar_tables,
                                  NULL /* no replica guard: a hub keeps its nodes' events, unapplied */};

int working_time_put(db_t *db, const principal_t *actor, const char *unit_id, const calendar_config_t *cfg,
                     long long expected_version, working_time_t *out, derr_t *err)
{
    int rc = wt_check(cfg, err);
    if (rc < 0) return rc;
    if (expected_version < 0) return stale(err, 0);
    unit_t *u = xmalloc(sizeof *u);
    rc = unit_get(db, unit_id, u);
    if (rc == 0 && actor && !auth_sees_path(actor, u->path)) rc = -ENOENT;
    if (rc < 0) {
        free(u);
        if (rc != -ENOENT) return rc;
        return derr_set(err, -ENOENT, 404, MSG_NOT_FOUND, NULL, NULL, NULL, NULL);
    }
    bool admin = !actor || auth_role_covers(actor, ROLE_ADMIN, u->path);
    free(u);
    if (!admin) return derr_set(err, -EACCES, 403, MSG_FORBIDDEN, NULL, NULL, NULL, NULL);
    working_time_t cur;
    bool found;
    memset(&cur, 0, sizeof cur);
    long long lk = db_run(db, "UPDATE working_time SET version = version WHERE unit_id = $1", "t", unit_id);
    if (lk < 0) return (int)lk;   /* the row's lock first (see holiday_store_put) */
    if ((rc = wt_row(db, unit_id, &cur, &found)) < 0) return rc;
    if (found && expected_version == 0)
        return derr_set(err, -EEXIST, 428, MSG_PRECONDITION_REQUIRED, "If-Match", NULL, NULL, NULL);
    if (found && cur.version != expected_version) return stale(err, cur.version);
    if (!found && expected_version != 0) return stale(err, 0);
    /* The unit's own row after the change, written by the event's apply. */
    memset(out, 0, sizeof *out);
    str_copy(out->unit_id, sizeof out->unit_id, unit_id);
    str_copy(out->from_unit_id, sizeof out->from_unit_id, unit_id);
    out->cfg = *cfg;
    out->cfg.weekdays = 0x1fu;
    out->updated_at = clock_now_ms();
    out->version = found ? cur.version + 1 : 1;
    long long created = out->updated_at;
    if (found) {
        db_stmt_t *s;
        rc = db_query(db, &s, "SELECT created_at FROM working_time WHERE unit_id = $1", "t", unit_id);
        if (rc == DB_ROW) created = db_col_int(s, 0);
        if (s) db_reset(s);
        if (rc < 0) return rc;
    }
    struct wt_event e = {out, created};
    return event_record(db, unit_id, actor ? actor->account_id : NULL, "calendar.working_time_saved", "working_time",
                        unit_id, working_time_payload, &e, NULL);
}

/* ---- the calendar cache ---- */

typedef struct hc_fp {
    long long rows, newest, versions;
} hc_fp_t;

struct holiday_calendar {
    store_t          *st;
    char              province[ID_LEN + 1];
    calendar_config_t cfg;
    long long         gen;     /* generation it was built under */
    hc_fp_t           fp;      /* fingerprint of the snapshot it was built from */
    holiday_set_t    *set;
    calendar_t       *cal;
    int               refs;    /* callers holding it (hc_mu) */
    bool              cached;  /* in hc_slots (hc_mu) */
    long long         used;    /* LRU tick (hc_mu) */
};

static pthread_mutex_t hc_mu = PTHREAD_MUTEX_INITIALIZER;
static holiday_calendar_t *hc_slots[HOLIDAY_CACHE_SLOTS];
static atomic_llong hc_gen;
static store_t *hc_seen_st;      /* the store hc_seen was read from */
static hc_fp_t hc_seen;          /* the last fingerprint read */
static bool hc_seen_valid;
static long long hc_checked_us;  /* monotonic time of the last check; 0 = check at the next lookup */
static long long hc_tick;

void holiday_store_changed(void)
{
    atomic_fetch_add(&hc_gen, 1);
    pthread_mutex_lock(&hc_mu);
    hc_checked_us = 0;
    pthread_mutex_unlock(&hc_mu);
}

long long holiday_store_generation(void) { return atomic_load(&hc_gen); }

static bool fp_eq(const hc_fp_t *a, const hc_fp_t *b)
{
    return a->rows == b->rows && a->newest == b->newest && a->versions == b->versions;
}

static bool cfg_eq(const calendar_config_t *a, const calendar_config_t *b)
{
    return a->morning_start == b->morning_start && a->morning_end == b->morning_end &&
           a->afternoon_start == b->afternoon_start && a->afternoon_end == b->afternoon_end &&
           a->cutoff == b->cutoff && a->weekdays == b->weekdays;
}

static int fp_read(db_t *db, hc_fp_t *fp)
{
    db_stmt_t *s;
    int rc = db_query(db, &s,
                      "SELECT COUNT(*), COALESCE(MAX(updated_at), 0), COALESCE(SUM(version), 0) FROM holiday_entries",
                      "");
    if (rc == DB_ROW) {
        fp->rows = db_col_int(s, 0);
        fp->newest = db_col_int(s, 1);
        fp->versions = db_col_int(s, 2);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;
    return rc == DB_ROW ? 0 : -EIO;
}

static int fp_fn(db_t *db, void *arg) { return fp_read(db, arg); }

struct build_ctx {
    const char    *province;
    hc_fp_t        fp;
    holiday_set_t *set;
};

static int build_fn(db_t *db, void *arg)
{
    struct build_ctx *c = arg;
    int rc = fp_read(db, &c->fp);
    if (rc == 0) rc = holiday_store_load(db, c->province, &c->set);
    return rc;
}

static void hc_free(holiday_calendar_t *hc)
{
    calendar_close(hc->cal);
    holiday_set_free(hc->set);
    free(hc);
}

/* Take hc out of the table (hc_mu held); frees it when nobody holds it. */
static void hc_evict(int slot)
{
    holiday_calendar_t *hc = hc_slots[slot];
    hc_slots[slot] = NULL;
    if (!hc) return;
    hc->cached = false;
    if (hc->refs == 0) hc_free(hc);
}

/* Re-read the fingerprint when the last check is older than HOLIDAY_CACHE_CHECK_MS (or was invalidated). */
static int hc_check(store_t *st)
{
    long long now = clock_mono_us();
    pthread_mutex_lock(&hc_mu);
    bool due = hc_seen_st != st || !hc_seen_valid || hc_checked_us == 0 ||
               now - hc_checked_us >= HOLIDAY_CACHE_CHECK_MS * 1000LL;
    if (due) hc_checked_us = now ? now : 1;  /* claim the check: other threads use the cache meanwhile */
    pthread_mutex_unlock(&hc_mu);
    if (!due) return 0;
    hc_fp_t fp;
    int rc = store_read(st, fp_fn, &fp);
    pthread_mutex_lock(&hc_mu);
    if (rc < 0) {
        hc_checked_us = 0;
    } else if (hc_seen_st != st || !hc_seen_valid || !fp_eq(&fp, &hc_seen)) {
        if (hc_seen_valid) atomic_fetch_add(&hc_gen, 1);
        hc_seen = fp;
        hc_seen_st = st;
        hc_seen_valid = true;
    }
    pthread_mutex_unlock(&hc_mu);
    return rc;
}

int holiday_calendar_get(store_t *st, const char *province_id, const calendar_config_t *cfg,
                         holiday_calendar_t **out)
{
    calendar_config_t c;
    if (cfg) c = *cfg;
    else calendar_config_default(&c);
    const char *prov = province_id ? province_id : "";
    if (strlen(prov) > ID_LEN) return -EINVAL;
    int rc = hc_check(st);
    if (rc < 0) return rc;

    pthread_mutex_lock(&hc_mu);
    long long gen = atomic_load(&hc_gen);
    for (int i = 0; i < HOLIDAY_CACHE_SLOTS; i++) {
        holiday_calendar_t *hc = hc_slots[i];
        if (hc && hc->st == st && !strcmp(hc->province, prov) && cfg_eq(&hc->cfg, &c) && hc->gen == gen &&
            hc_seen_valid && fp_eq(&hc->fp, &hc_seen)) {
            hc->refs++;
            hc->used = ++hc_tick;
            pthread_mutex_unlock(&hc_mu);
            *out = hc;
            return 0;
        }
    }
    pthread_mutex_unlock(&hc_mu);

    /* Build outside the lock: other provinces keep being served meanwhile. */
    holiday_calendar_t *hc = xcalloc(1, sizeof *hc);
    hc->st = st;
    str_copy(hc->province, sizeof hc->province, prov);
    hc->cfg = c;
    hc->gen = gen;
    struct build_ctx bc = {.province = prov};
    rc = store_read(st, build_fn, &bc);
    if (rc == 0) {
        hc->set = bc.set;
        hc->fp = bc.fp;
        rc = calendar_open(&hc->cal, hc->set, &c);
    } else if (bc.set) {
        holiday_set_free(bc.set);
    }
    if (rc < 0) {
        hc_free(hc);
        return rc;
    }
    pthread_mutex_lock(&hc_mu);
    hc->refs = 1;
    if (hc->gen == atomic_load(&hc_gen) && hc_seen_valid && hc_seen_st == st && fp_eq(&hc->fp, &hc_seen)) {
        int slot = -1;
        for (int i = 0; i < HOLIDAY_CACHE_SLOTS; i++) {
            holiday_calendar_t *o = hc_slots[i];
            if (o && o->st == st && !strcmp(o->province, prov) && cfg_eq(&o->cfg, &c)) { slot = i; break; }
        }
        for (int i = 0; slot < 0 && i < HOLIDAY_CACHE_SLOTS; i++)
            if (!hc_slots[i]) slot = i;
        if (slot < 0) {
            slot = 0;
            for (int i = 1; i < HOLIDAY_CACHE_SLOTS; i++)
                if (hc_slots[i]->used < hc_slots[slot]->used) slot = i;
        }
        hc_evict(slot);
        hc->cached = true;
        hc->used = ++hc_tick;
        hc_slots[slot] = hc;
    }
    pthread_mutex_unlock(&hc_mu);
    *out = hc;
    return 0;
}

const calendar_t *holiday_calendar_cal(const holiday_calendar_t *hc) { return hc->cal; }

const holiday_set_t *holiday_calendar_days(const holiday_calendar_t *hc) { return hc->set; }

void holiday_calendar_release(holiday_calendar_t *hc)
{
    if (!hc) return;
    pthread_mutex_lock(&hc_mu);
    bool gone = --hc->refs == 0 && !hc->cached;
    pthread_mutex_unlock(&hc_mu);
    if (gone) hc_free(hc);
}

void holiday_calendar_flush(void)
{
    pthread_mutex_lock(&hc_mu);
    for (int i = 0; i < HOLIDAY_CACHE_SLOTS; i++) hc_evict(i);
    hc_seen_valid = false;
    hc_seen_st = NULL;
    hc_checked_us = 0;
    pthread_mutex_unlock(&hc_mu);
}
