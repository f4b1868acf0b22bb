/* test_holiday_store.c — holiday decisions and working time as data (domain/holiday_store.h).
 *
 * Each test opens a fresh migrated SQLite store (testutil.h) with a national root, two provinces and a commune,
 * writes entries through the domain functions inside real write transactions, and checks the calendars built from
 * the store: the shipped decisions when the table is empty, stored national entries replacing shipped ones of the
 * same date, province days applying to that province only, make-up Saturdays counted as working, optimistic
 * versions (-ESTALE), the admin-scope rules, ledger events, and the calendar cache's invalidation. Write callbacks
 * run on the SQLite writer thread, so they only carry results back; the assertions run on the test thread. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/mem.h"
#include "domain/calendar.h"
#include "domain/holiday_store.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static unit_t hs_root, hs_prov_a, hs_prov_b, hs_commune;
static principal_t hs_national_admin;

static void hs_setup(void)
{
    tu_open();
    holiday_calendar_flush();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &hs_root);
    tu_make_unit(hs_root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &hs_prov_a);
    tu_make_unit(hs_root.id, "province", "Tỉnh Lạng Sơn", "langson", &hs_prov_b);
    tu_make_unit(hs_prov_a.id, "commune", "Xã Cư Jút", "cujut", &hs_commune);
    tu_principal(&hs_national_admin, "01ACCOUNTADMIN000000000000", "staff");
    tu_grant(&hs_national_admin, ROLE_ADMIN, hs_root.id, hs_root.path);
}

static void hs_teardown(void)
{
    holiday_calendar_flush();
    tu_close();
}

/* ---- synchronous wrappers ---- */

struct hs_op {
    int                    op; /* 0 put, 1 delete, 2 working time put */
    const principal_t     *actor;
    holiday_input_t        in;
    long long              version;
    const calendar_config_t *cfg;
    holiday_record_t       rec;
    working_time_t         wt;
    derr_t                 err;
};

static int hs_write_fn(db_t *db, void *arg)
{
    struct hs_op *c = arg;
    if (c->op == 0) return holiday_store_put(db, c->actor, &c->in, c->version, &c->rec, &c->err);
    if (c->op == 1)
        return holiday_store_delete(db, c->actor, c->in.scope_unit_id, c->in.date, c->version, &c->rec, &c->err);
    return working_time_put(db, c->actor, c->in.scope_unit_id, c->cfg, c->version, &c->wt, &c->err);
}

static int hs_put(struct hs_op *c, const principal_t *actor, const char *scope, const char *date, const char *kind,
                  const char *name, long long version)
{
    memset(c, 0, sizeof *c);
    c->op = 0;
    c->actor = actor;
    c->in = (holiday_input_t){scope, date, kind, name, "English name", "Quyết định thử"};
    c->version = version;
    int rc = store_write(tu_env.st, hs_write_fn, c);
    if (rc == 0) holiday_store_changed();
    return rc;
}

static int hs_delete(struct hs_op *c, const principal_t *actor, const char *scope, const char *date,
                     long long version)
{
    memset(c, 0, sizeof *c);
    c->op = 1;
    c->actor = actor;
    c->in.scope_unit_id = scope;
    c->in.date = date;
    c->version = version;
    int rc = store_write(tu_env.st, hs_write_fn, c);
    if (rc == 0) holiday_store_changed();
    return rc;
}

static int hs_wt_put(struct hs_op *c, const principal_t *actor, const char *unit, const calendar_config_t *cfg,
                     long long version)
{
    memset(c, 0, sizeof *c);
    c->op = 2;
    c->actor = actor;
    c->in.scope_unit_id = unit;
    c->cfg = cfg;
    c->version = version;
    return store_write(tu_env.st, hs_write_fn, c);
}

struct hs_load {
    const char    *province;
    holiday_set_t *set;
    const char    *unit;
    working_time_t wt;
};

static int hs_load_fn(db_t *db, void *arg)
{
    struct hs_load *c = arg;
    return holiday_store_load(db, c->province, &c->set);
}

static int hs_wt_get_fn(db_t *db, void *arg)
{
    struct hs_load *c = arg;
    return working_time_get(db, c->unit, &c->wt);
}

/* Whether y-m-d is a working day in the calendar loaded from the store for `province` (NULL: national). */
static int hs_working(const char *province, int y, int m, int d)
{
    struct hs_load c = {.province = province};
    cr_assert_eq(store_read(tu_env.st, hs_load_fn, &c), 0);
    calendar_t *cal;
    cr_assert_eq(calendar_open(&cal, c.set, NULL), 0);
    long day;
    int working = -1;
    cr_assert_eq(calendar_day_from_ymd(y, m, d, &day), 0);
    cr_assert_eq(calendar_is_working_day(cal, day, &working), 0);
    calendar_close(cal);
    holiday_set_free(c.set);
    return working;
}

static long hs_workdays(const char *province, int year)
{
    struct hs_load c = {.province = province};
    cr_assert_eq(store_read(tu_env.st, hs_load_fn, &c), 0);
    calendar_t *cal;
    cr_assert_eq(calendar_open(&cal, c.set, NULL), 0);
    long first, last, n = -1;
    calendar_day_from_ymd(year, 1, 1, &first);
    calendar_day_from_ymd(year, 12, 31, &last);
    cr_assert_eq(calendar_workdays(cal, first, last, &n), 0);
    calendar_close(cal);
    holiday_set_free(c.set);
    return n;
}

static long long hs_events(const char *type)
{
    return tu_int("SELECT COUNT(*) FROM events WHERE type = $1", type);
}

static long long hs_rows(void)
{
    return tu_int("SELECT COUNT(*) FROM holiday_entries", NULL);
}

TestSuite(holiday_store, .init = hs_setup, .fini = hs_teardown);

/* ---- loading ---- */

Test(holiday_store, empty_table_uses_the_shipped_decisions)
{
    cr_assert_eq(hs_rows(), 0);
    cr_assert_eq(hs_workdays(NULL, 2026), 250);   /* 261 weekdays − 13 days off + 2 make-up Saturdays */
    cr_assert_eq(hs_working(NULL, 2026, 8, 22), 1); /* Saturday worked for 31/8 */
    cr_assert_eq(hs_working(NULL, 2026, 8, 31), 0);
    cr_assert_eq(hs_working(NULL, 2026, 2, 16), 0); /* Tết Bính Ngọ */
    cr_assert_eq(hs_working(NULL, 2025, 4, 26), 1); /* Saturday worked for 2/5/2025 */
    cr_assert_eq(hs_working(NULL, 2027, 4, 16), 0); /* rules: Hùng Kings 2027 */
}

Test(holiday_store, stored_national_entry_overrides_the_shipped_one)
{
    struct hs_op c;
    /* 1/9/2026 is a shipped day off; a stored working_day on that date replaces it. */
    cr_assert_eq(hs_put(&c, &hs_national_admin, NULL, "2026-09-01", "working_day", "Đi làm bình thường", 0), 0,
                 "put: %s", c.err.field);
    cr_assert_eq(hs_working(NULL, 2026, 9, 1), 1);
    cr_assert_eq(hs_working(NULL, 2026, 9, 2), 0, "the other shipped days stay");
    cr_assert_eq(hs_working(NULL, 2026, 8, 22), 1);
    cr_assert_eq(hs_workdays(NULL, 2026), 251);
    /* A stored day off on an ordinary date adds to the year's decision. */
    cr_assert_eq(hs_put(&c, &hs_national_admin, NULL, "2026-11-24", "day_off", "Ngày Văn hóa Việt Nam", 0), 0);
    cr_assert_eq(hs_working(NULL, 2026, 11, 24), 0);
    cr_assert_eq(hs_workdays(NULL, 2026), 250);
    /* Deleting the override restores the shipped entry. */
    cr_assert_eq(hs_delete(&c, &hs_national_admin, NULL, "2026-09-01", 0), 0);
    cr_assert_eq(hs_working(NULL, 2026, 9, 1), 0);
    /* The national root's id names the national scope too. */
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_root.id, "2026-12-31", "extra_day_off", "Nghỉ thêm", 0), 0);
    cr_assert_str_empty(c.rec.scope_unit_id);
    cr_assert_eq(hs_working(NULL, 2026, 12, 31), 0);
}

Test(holiday_store, province_days_apply_only_to_that_province)
{
    struct hs_op c;
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "Ngày giải phóng", 0),
                 0);
    cr_assert_str_eq(c.rec.scope_unit_id, hs_prov_a.id);
    cr_assert_eq(hs_working(hs_prov_a.id, 2026, 3, 24), 0);
    cr_assert_eq(hs_working(hs_prov_b.id, 2026, 3, 24), 1);
    cr_assert_eq(hs_working(NULL, 2026, 3, 24), 1);
    cr_assert_eq(hs_working(hs_prov_a.id, 2026, 8, 31), 0, "national days still apply in the province");
    cr_assert_eq(hs_workdays(hs_prov_a.id, 2026), 249);
    cr_assert_eq(hs_workdays(hs_prov_b.id, 2026), 250);
}

Test(holiday_store, makeup_saturday_counts_as_working)
{
    struct hs_op c;
    cr_assert_eq(hs_working(NULL, 2027, 1, 9), 0); /* a plain Saturday */
    cr_assert_eq(hs_put(&c, &hs_national_admin, NULL, "2027-01-09", "working_day", "Làm bù", 0), 0);
    cr_assert_eq(hs_working(NULL, 2027, 1, 9), 1);
    /* A province's own make-up Saturday. */
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_b.id, "2027-03-13", "working_day", "Làm bù tỉnh", 0), 0);
    cr_assert_eq(hs_working(hs_prov_b.id, 2027, 3, 13), 1);
    cr_assert_eq(hs_working(hs_prov_a.id, 2027, 3, 13), 0);
}

/* ---- writes ---- */

Test(holiday_store, versions_conflict_with_estale)
{
    struct hs_op c;
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "A", 0), 0);
    cr_assert_eq(c.rec.version, 1);
    /* Exists, no version given: refused (the API answers 428). */
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "B", 0), -EEXIST);
    cr_assert_eq(c.err.status, 428);
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "B", 7), -ESTALE);
    cr_assert_eq(c.err.status, 412);
    cr_assert_str_eq(c.err.arg[0], "1");
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "B", 1), 0);
    cr_assert_eq(c.rec.version, 2);
    cr_assert_str_eq(c.rec.name_vi, "B");
    /* A version for an entry that does not exist is stale too. */
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-25", "extra_day_off", "C", 1), -ESTALE);
    cr_assert_eq(hs_delete(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", 1), -ESTALE);
    cr_assert_eq(c.err.status, 412);
    cr_assert_eq(hs_rows(), 1);
    cr_assert_eq(hs_delete(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", 2), 0);
    cr_assert_eq(hs_rows(), 0);
    cr_assert_eq(hs_delete(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", 0), -ENOENT);
    cr_assert_eq(c.err.status, 404);
}

Test(holiday_store, every_change_appends_an_event)
{
    struct hs_op c;
    long long before = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(hs_put(&c, &hs_national_admin, NULL, "2027-02-01", "day_off", "Tết", 0), 0);
    cr_assert_eq(hs_put(&c, &hs_national_admin, NULL, "2027-02-01", "day_off", "Tết Đinh Mùi", 1), 0);
    cr_assert_eq(hs_events("calendar.entry_saved"), 2);
    char payload[2048];
    cr_assert_eq(tu_text("SELECT payload FROM events WHERE type = 'calendar.entry_saved' ORDER BY seq DESC LIMIT 1",
                         NULL, payload, sizeof payload), 0);
    cr_assert(strstr(payload, "\"date\":\"2027-02-01\"") && strstr(payload, "\"version\":2"), "%s", payload);
    char entity[64];
    snprintf(entity, sizeof entity, "holiday:%s", c.rec.id);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE entity = $1", entity), 2);
    cr_assert_eq(hs_delete(&c, &hs_national_admin, NULL, "2027-02-01", 2), 0);
    cr_assert_eq(hs_events("calendar.entry_deleted"), 1);
    calendar_config_t cfg;
    calendar_config_default(&cfg);
    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_prov_a.id, &cfg, 0), 0);
    cr_assert_eq(hs_events("calendar.working_time_saved"), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), before + 4);
}

Test(holiday_store, admin_scope_rules_and_refusals_change_nothing)
{
    struct hs_op c;
    principal_t prov_admin, commune_admin, prov_official;
    tu_principal(&prov_admin, "01ACCOUNTPROVADMIN00000000", "staff");
    tu_grant(&prov_admin, ROLE_ADMIN, hs_prov_a.id, hs_prov_a.path);
    tu_principal(&commune_admin, "01ACCOUNTCOMADMIN000000000", "staff");
    tu_grant(&commune_admin, ROLE_ADMIN, hs_commune.id, hs_commune.path);
    tu_principal(&prov_official, "01ACCOUNTOFFICIAL000000000", "staff");
    tu_grant(&prov_official, ROLE_OFFICIAL, hs_prov_a.id, hs_prov_a.path);
    long long events = tu_int("SELECT COUNT(*) FROM events", NULL);

    cr_assert_eq(hs_put(&c, &prov_admin, NULL, "2026-03-24", "day_off", "X", 0), -EACCES, "national needs root");
    cr_assert_eq(c.err.status, 403);
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_b.id, "2026-03-24", "extra_day_off", "X", 0), -ENOENT);
    cr_assert_eq(c.err.status, 404, "another province is invisible");
    cr_assert_eq(hs_put(&c, &commune_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "X", 0), -EACCES);
    cr_assert_eq(c.err.status, 403, "a commune admin is not the province's admin");
    cr_assert_eq(hs_put(&c, &prov_official, hs_prov_a.id, "2026-03-24", "extra_day_off", "X", 0), -EACCES);
    cr_assert_eq(hs_put(&c, &prov_admin, hs_commune.id, "2026-03-24", "extra_day_off", "X", 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "scope");
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2026-03-24", "day_off", "X", 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "kind");
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2026-02-30", "extra_day_off", "X", 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "date");
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2200-01-01", "extra_day_off", "X", 0), -EINVAL);
    cr_assert_eq(c.err.msg, MSG_CAL_RANGE);
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2026-03-24", "holiday", "X", 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "kind");
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "", 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "name_vi");
    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "a\nb", 0), -EINVAL);
    cr_assert_eq(hs_put(&c, &prov_admin, "not-an-id", "2026-03-24", "extra_day_off", "X", 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "scope");
    cr_assert_eq(hs_rows(), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events);

    cr_assert_eq(hs_put(&c, &prov_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "Ngày của tỉnh", 0), 0);
    cr_assert_eq(hs_delete(&c, &commune_admin, hs_prov_a.id, "2026-03-24", 0), -EACCES);
    cr_assert_eq(hs_rows(), 1);
}

struct hs_list {
    const principal_t *viewer;
    const char        *scope;
    int                year;
    int                n;
    char               dates[8][11];
    derr_t             err;
};

static int hs_list_cb(const holiday_record_t *r, void *arg)
{
    struct hs_list *l = arg;
    if (l->n < 8) str_copy(l->dates[l->n], sizeof l->dates[0], r->date);
    l->n++;
    return 0;
}

static int hs_list_fn(db_t *db, void *arg)
{
    struct hs_list *l = arg;
    int rc = holiday_store_list(db, l->viewer, l->scope, l->year, hs_list_cb, l, &l->err);
    return rc < 0 ? rc : 0;
}

Test(holiday_store, list_by_scope_and_year)
{
    struct hs_op c;
    cr_assert_eq(hs_put(&c, NULL, NULL, "2026-12-31", "extra_day_off", "N1", 0), 0);
    cr_assert_eq(hs_put(&c, NULL, NULL, "2027-01-02", "working_day", "N2", 0), 0);
    cr_assert_eq(hs_put(&c, NULL, hs_prov_a.id, "2026-03-24", "extra_day_off", "P1", 0), 0);
    cr_assert_eq(hs_put(&c, NULL, hs_prov_a.id, "2026-01-05", "extra_day_off", "P0", 0), 0);
    struct hs_list l = {.scope = hs_prov_a.id, .year = 2026};
    cr_assert_eq(store_read(tu_env.st, hs_list_fn, &l), 0);
    cr_assert_eq(l.n, 2);
    cr_assert_str_eq(l.dates[0], "2026-01-05");
    cr_assert_str_eq(l.dates[1], "2026-03-24");
    struct hs_list n = {.scope = NULL, .year = 2026};
    cr_assert_eq(store_read(tu_env.st, hs_list_fn, &n), 0);
    cr_assert_eq(n.n, 1);
    cr_assert_str_eq(n.dates[0], "2026-12-31");
    struct hs_list bad = {.scope = NULL, .year = 2200};
    cr_assert_eq(store_read(tu_env.st, hs_list_fn, &bad), -EINVAL);
    cr_assert_str_eq(bad.err.field, "year");
}

/* ---- working time ---- */

Test(holiday_store, working_time_inherits_and_versions)
{
    struct hs_load g = {.unit = hs_commune.id};
    cr_assert_eq(store_read(tu_env.st, hs_wt_get_fn, &g), 0);
    cr_assert_eq(g.wt.cfg.morning_start, 450);
    cr_assert_eq(g.wt.cfg.afternoon_end, 1050);
    cr_assert_eq(g.wt.cfg.cutoff, 900);
    cr_assert_eq(g.wt.version, 0);
    cr_assert_str_empty(g.wt.from_unit_id);

    struct hs_op c;
    calendar_config_t cfg = {420, 660, 780, 1020, 960, 0x1f};
    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_prov_a.id, &cfg, 0), 0);
    cr_assert_eq(c.wt.version, 1);
    cr_assert_eq(store_read(tu_env.st, hs_wt_get_fn, &g), 0);
    cr_assert_eq(g.wt.cfg.morning_start, 420, "the commune inherits its province's working time");
    cr_assert_eq(g.wt.cfg.cutoff, 960);
    cr_assert_str_eq(g.wt.from_unit_id, hs_prov_a.id);
    cr_assert_eq(g.wt.version, 0);

    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_prov_a.id, &cfg, 0), -EEXIST);
    cr_assert_eq(c.err.status, 428);
    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_prov_a.id, &cfg, 3), -ESTALE);
    cfg.cutoff = 900;
    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_prov_a.id, &cfg, 1), 0);
    cr_assert_eq(c.wt.version, 2);

    calendar_config_t bad = {660, 420, 780, 1020, 960, 0x1f};
    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_commune.id, &bad, 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "morning_end");
    calendar_config_t late_cutoff = {420, 660, 780, 1020, 1100, 0x1f};
    cr_assert_eq(hs_wt_put(&c, &hs_national_admin, hs_commune.id, &late_cutoff, 0), -EINVAL);
    cr_assert_str_eq(c.err.field, "cutoff");
    principal_t other;
    tu_principal(&other, "01ACCOUNTPROVBADMIN0000000", "staff");
    tu_grant(&other, ROLE_ADMIN, hs_prov_b.id, hs_prov_b.path);
    cr_assert_eq(hs_wt_put(&c, &other, hs_commune.id, &cfg, 0), -ENOENT);
    cr_assert_eq(c.err.status, 404);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM working_time", NULL), 1);
}

/* ---- the calendar cache ---- */

Test(holiday_store, cache_serves_and_invalidates)
{
    holiday_calendar_t *a, *b;
    cr_assert_eq(holiday_calendar_get(tu_env.st, hs_prov_a.id, NULL, &a), 0);
    cr_assert_eq(holiday_calendar_get(tu_env.st, hs_prov_a.id, NULL, &b), 0);
    cr_assert_eq(a, b, "the second lookup is served from the cache");
    holiday_calendar_release(b);
    long day;
    int working;
    calendar_day_from_ymd(2026, 3, 24, &day);
    calendar_is_working_day(holiday_calendar_cal(a), day, &working);
    cr_assert_eq(working, 1);

    long long gen = holiday_store_generation();
    struct hs_op c;
    cr_assert_eq(hs_put(&c, &hs_national_admin, hs_prov_a.id, "2026-03-24", "extra_day_off", "Ngày tỉnh", 0), 0);
    cr_assert_gt(holiday_store_generation(), gen);
    cr_assert_eq(holiday_calendar_get(tu_env.st, hs_prov_a.id, NULL, &b), 0);
    cr_assert_neq(a, b, "a write makes the cached calendar stale");
    calendar_is_working_day(holiday_calendar_cal(b), day, &working);
    cr_assert_eq(working, 0);
    calendar_is_working_day(holiday_calendar_cal(a), day, &working);
    cr_assert_eq(working, 1, "a calendar still held stays valid and unchanged");
    holiday_calendar_release(a);
    holiday_calendar_release(b);

    /* A change made behind the process's back (another server on the same database) is seen through the
     * fingerprint, without any generation bump here. */
    cr_assert_eq(holiday_calendar_get(tu_env.st, NULL, NULL, &a), 0);
    holiday_calendar_release(a);
    cr_assert_eq(tu_exec("INSERT INTO holiday_entries (id, scope_unit_id, date, kind, name_vi, created_at, "
                         "updated_at, version) VALUES ('01HOLIDAYEXTERNAL000000000', '', '2026-10-06', "
                         "'extra_day_off', 'Ngoài', 1, 1, 1)"),
                 0);
    holiday_calendar_flush(); /* forget the last check time, as HOLIDAY_CACHE_CHECK_MS passing would */
    cr_assert_eq(holiday_calendar_get(tu_env.st, NULL, NULL, &a), 0);
    calendar_day_from_ymd(2026, 10, 6, &day);
    calendar_is_working_day(holiday_calendar_cal(a), day, &working);
    cr_assert_eq(working, 0);
    holiday_calendar_release(a);

    /* Different working times are different calendars. */
    calendar_config_t cfg = {420, 660, 780, 1020, 960, 0x1f};
    cr_assert_eq(holiday_calendar_get(tu_env.st, NULL, &cfg, &a), 0);
    cr_assert_eq(calendar_day_length(holiday_calendar_cal(a)), 480);
    cr_assert_eq(holiday_calendar_get(tu_env.st, NULL, NULL, &b), 0);
    cr_assert_neq(a, b);
    holiday_calendar_release(a);
    holiday_calendar_release(b);
}

struct hs_thread {
    int  failures;
    long lookups;
};

static void *hs_reader(void *arg)
{
    struct hs_thread *t = arg;
    const char *provs[3] = {NULL, hs_prov_a.id, hs_prov_b.id};
    long day;
    calendar_day_from_ymd(2026, 8, 31, &day);
    for (int i = 0; i < 60; i++) {
        holiday_calendar_t *hc;
        if (holiday_calendar_get(tu_env.st, provs[i % 3], NULL, &hc) < 0) { t->failures++; continue; }
        int working = -1;
        calendar_is_working_day(holiday_calendar_cal(hc), day, &working);
        if (working != 0) t->failures++;
        holiday_calendar_release(hc);
        t->lookups++;
    }
    return NULL;
}

Test(holiday_store, cache_is_safe_under_concurrent_lookups_and_writes)
{
    pthread_t th[3];
    struct hs_thread ts[3];
    memset(ts, 0, sizeof ts);
    for (int i = 0; i < 3; i++) cr_assert_eq(pthread_create(&th[i], NULL, hs_reader, &ts[i]), 0);
    struct hs_op c;
    char date[32];
    for (int d = 1; d <= 10; d++) {
        snprintf(date, sizeof date, "2026-10-%02d", d);
        cr_assert_eq(hs_put(&c, NULL, (d & 1) ? hs_prov_a.id : NULL, date, "extra_day_off", "Thử", 0), 0);
    }
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(ts[i].failures, 0);
        cr_assert_eq(ts[i].lookups, 60);
    }
}
