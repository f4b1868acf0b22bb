/* test_event_core.c — the oldest modules are apply-based (domain/event.h): units, accounts with their roles,
 * holiday entries and working time are written by their events' apply functions, so a rebuild from the ledger
 * gives the same rows (same digest) — in place for units and accounts, whose sessions, API tokens and password
 * hashes survive it — and events written before the payloads carried everything (no unit path, no national_id,
 * no working-time created_at, no version in account.password_changed) replay to the same rows too. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/json.h"
#include "domain/account.h"
#include "domain/event.h"
#include "domain/holiday_store.h"
#include "domain/unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unit_t ec_root, ec_prov, ec_commune, ec_dept;
static account_t ec_admin, ec_officer, ec_citizen;

struct ec_op {
    int                      op;   /* 0 holiday put, 1 holiday delete, 2 working time put */
    holiday_input_t          in;
    long long                version;
    const calendar_config_t *cfg;
    const char              *unit_id;
    holiday_record_t         rec;
    working_time_t           wt;
    derr_t                   err;
};

static int ec_write_fn(db_t *db, void *arg)
{
    struct ec_op *c = arg;
    if (c->op == 0) return holiday_store_put(db, NULL, &c->in, c->version, &c->rec, &c->err);
    if (c->op == 1) return holiday_store_delete(db, NULL, c->in.scope_unit_id, c->in.date, c->version, &c->rec, &c->err);
    return working_time_put(db, NULL, c->unit_id, c->cfg, c->version, &c->wt, &c->err);
}

static long long ec_holiday(const char *scope, const char *date, const char *kind, const char *name, long long v)
{
    struct ec_op c = {.op = 0, .in = {scope, date, kind, name, "Holiday", "QĐ 1/2026"}, .version = v};
    cr_assert_eq(store_write(tu_env.st, ec_write_fn, &c), 0, "holiday %s: %s", date, c.err.field);
    return c.rec.version;
}

static long long ec_working_time(const char *unit_id, int morning_start, long long v)
{
    calendar_config_t cfg;
    calendar_config_default(&cfg);
    cfg.morning_start = morning_start;
    struct ec_op c = {.op = 2, .cfg = &cfg, .unit_id = unit_id, .version = v};
    cr_assert_eq(store_write(tu_env.st, ec_write_fn, &c), 0, "working time: %s", c.err.field);
    return c.wt.version;
}

/* A database with every kind of event of these modules. */
static void ec_history(void)
{
    derr_t err = {0};
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &ec_root);
    tu_make_unit(ec_root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &ec_prov);
    tu_make_unit(ec_prov.id, "commune", "Xã Cư Jút", "cujut", &ec_commune);
    unit_input_t din = {.parent_id = ec_commune.id, .kind = "department", .name = "Phòng Tư pháp", .slug = "tp",
                        .edi_code = "000.05.01.H41", .abbr = "PTP",
                        .merged_from = "[{\"name\":\"Phòng Tư pháp cũ\",\"code\":\"01\"}]", .active = 1};
    cr_assert_eq(tu_unit_create(NULL, &din, &ec_dept, &err), 0);
    /* the slug and the EDI code move from one unit to another: the in-place replay must allow it */
    unit_input_t up = {.slug = "tp-old", .edi_code = "", .name = "Phòng Tư pháp (cũ)", .active = 0};
    cr_assert_eq(tu_unit_update(NULL, ec_dept.id, 1, &up, &ec_dept, &err), 0);
    unit_t dept2;
    unit_input_t d2 = {.parent_id = ec_commune.id, .kind = "department", .name = "Phòng Tư pháp mới", .slug = "tp",
                       .edi_code = "000.05.01.H41", .active = 1};
    cr_assert_eq(tu_unit_create(NULL, &d2, &dept2, &err), 0);

    tu_make_staff("ec.admin", "Quản trị", ec_root.id, ROLE_ADMIN, ec_root.id, &ec_admin);
    tu_make_staff("ec.officer", "Nguyễn Văn A", ec_commune.id, ROLE_SPECIALIST, ec_commune.id, &ec_officer);
    account_input_t cin = {.kind = "citizen", .username = "ec.citizen", .full_name = "Trần Thị B",
                           .national_id = "012345678901", .password_hash = "$argon2id$placeholder", .disabled = -1,
                           .nroles = 0};
    cr_assert_eq(tu_account_create(NULL, &cin, &ec_citizen, &err), 0);
    account_input_t ou = {.full_name = "Nguyễn Văn An", .email = "an@example.vn", .disabled = -1, .nroles = 2,
                          .roles = {{ROLE_SPECIALIST, ec_commune.id}, {ROLE_LEADER, ec_commune.id}}};
    cr_assert_eq(tu_account_update(NULL, ec_officer.id, ec_officer.version, &ou, &ec_officer, &err), 0, "%s",
                 err.field);
    cr_assert_eq(tu_set_password(NULL, ec_officer.id, "$argon2id$second", NULL, &err), 0);
    cr_assert_eq(tu_account_get(ec_officer.id, &ec_officer), 0);
    cr_assert_eq(ec_officer.version, 3);

    long long v = ec_holiday("", "2026-09-01", "day_off", "Nghỉ bù", 0);
    ec_holiday("", "2026-09-01", "day_off", "Nghỉ bù Quốc khánh", v);
    ec_holiday(ec_prov.id, "2026-04-10", "extra_day_off", "Ngày giải phóng", 0);
    ec_holiday("", "2026-12-31", "working_day", "Làm bù", 0);
    struct ec_op del = {.op = 1, .in = {.scope_unit_id = "", .date = "2026-12-31"}};
    cr_assert_eq(store_write(tu_env.st, ec_write_fn, &del), 0);
    ec_holiday("", "2026-12-31", "day_off", "Nghỉ", 0);   /* the same date again, a new entry */
    v = ec_working_time(ec_commune.id, 450, 0);
    ec_working_time(ec_commune.id, 480, v);
    ec_working_time(ec_prov.id, 420, 0);
}

static void ec_setup(void)
{
    tu_open();
    holiday_calendar_flush();
}

static void ec_teardown(void)
{
    holiday_calendar_flush();
    tu_close();
}

TestSuite(event_core, .init = ec_setup, .fini = ec_teardown);

static void rebuild_ok(event_rebuild_report_t *rep)
{
    int rc = event_rebuild(tu_env.st, rep, NULL, NULL);
    cr_assert_eq(rc, 0, "rebuild: %d at %s %s", rc, rep->failed_type, rep->failed_entity);
}

Test(event_core, writes_go_through_the_apply_functions)
{
    ec_history();
    /* every event of these modules is replayed: none is skipped */
    const char *types[] = {"unit.created", "unit.updated", "account.created", "citizen.registered", "account.updated",
                           "account.password_changed", "calendar.entry_saved", "calendar.entry_deleted",
                           "calendar.working_time_saved"};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) cr_assert_not_null(event_find(types[i]), "%s", types[i]);
    /* the rows are the events' */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units", NULL), 5);
    cr_assert_eq(tu_int("SELECT version FROM units WHERE slug = 'tp-old'", NULL), 2);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE edi_code = '000.05.01.H41'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM roles WHERE account_id = $1", ec_officer.id), 2);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE national_id = '012345678901'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE id = $1 AND password_hash = '$argon2id$second'",
                        ec_officer.id),
                 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM holiday_entries", NULL), 3);
    cr_assert_eq(tu_int("SELECT version FROM working_time WHERE unit_id = $1", ec_commune.id), 2);
    /* the unit's event carries its province, as when the row was written before the event */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'unit.created' AND entity = 'unit:' || $1 "
                        "AND province_id = unit_id",
                        ec_prov.id),
                 1);
    /* no secret in any event */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE payload LIKE '%argon2%'", NULL), 0);
}

Test(event_core, rebuild_in_place_gives_the_same_rows_and_keeps_operational_state)
{
    ec_history();
    cr_assert_eq(tu_execf("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) "
                          "VALUES ('h1', '%s', 'c', 1, 9999999999999, 1)",
                          ec_officer.id),
                 0);
    char before[65], damaged[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    /* damage every projection: the rebuild must restore it from the events alone */
    cr_assert_eq(tu_execf("UPDATE units SET name = 'x', version = 9 WHERE id = '%s';"
                          "DELETE FROM roles WHERE account_id = '%s';"
                          "UPDATE accounts SET full_name = 'y', disabled = 1;"
                          "DELETE FROM holiday_entries WHERE scope_unit_id = '';"
                          "INSERT INTO holiday_entries (id, date, kind, name_vi, created_at, updated_at) "
                          "VALUES ('stray', '2026-01-05', 'day_off', 's', 1, 1);"
                          "UPDATE working_time SET cutoff = 600;"
                          "INSERT INTO units (id, kind, name, name_fold, path, created_at, updated_at) "
                          "VALUES ('01STRAYUNIT000000000000000', 'national', 'Stray', 'stray', '/s/', 1, 1);",
                          ec_dept.id, ec_officer.id),
                 0);
    cr_assert_eq(event_digest(tu_env.st, damaged), 0);
    cr_assert_str_neq(damaged, before);
    event_rebuild_report_t rep;
    rebuild_ok(&rep);
    cr_assert_eq(rep.applied, rep.events, "every event of these modules has an apply function");
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(after, before);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE id = '01STRAYUNIT000000000000000'", NULL), 0);
    /* operational state survives: the session, the password hash */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = 'h1'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE id = $1 AND password_hash = '$argon2id$second'",
                        ec_officer.id),
                 1);
    /* a second rebuild changes nothing either */
    rebuild_ok(&rep);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(after, before);
}

/* Strip from the stored payloads of type the member key (the form the code before this change wrote). */
static void strip(const char *type, const char *key)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM events WHERE type = '%s'", type);
    long long n = tu_int(sql, NULL);
    for (long long i = 0; i < n; i++) {
        char payload[8192], seq[24];
        snprintf(sql, sizeof sql, "SELECT payload FROM events WHERE type = '%s' ORDER BY seq LIMIT 1 OFFSET %lld",
                 type, i);
        cr_assert_eq(tu_text(sql, NULL, payload, sizeof payload), 0);
        snprintf(sql, sizeof sql, "SELECT seq FROM events WHERE type = '%s' ORDER BY seq LIMIT 1 OFFSET %lld", type,
                 i);
        cr_assert_eq(tu_text(sql, NULL, seq, sizeof seq), 0);
        json_t *p = json_loads(payload, 0, NULL);
        cr_assert_not_null(p);
        json_object_del(p, key);
        char *text = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(p);
        buf_t q;
        buf_init(&q, 0);
        buf_append(&q, "UPDATE events SET payload = '", 29);
        for (const char *c = text; *c; c++) buf_append(&q, *c == '\'' ? "''" : c, *c == '\'' ? 2 : 1);
        buf_append(&q, "' WHERE seq = ", 14);
        buf_append(&q, seq, strlen(seq));
        buf_append(&q, "", 1);
        cr_assert_eq(tu_exec(q.data), 0);
        buf_free(&q);
        free(text);
    }
}

Test(event_core, events_of_the_older_form_replay_to_the_same_rows)
{
    ec_history();
    char units_before[4096], accounts_before[8192];
    cr_assert_eq(tu_text("SELECT group_concat(id || path || COALESCE(slug, '-') || version, ',') FROM "
                         "(SELECT * FROM units ORDER BY id)",
                         NULL, units_before, sizeof units_before),
                 0);
    cr_assert_eq(tu_text("SELECT group_concat(id || full_name || COALESCE(national_id, '-') || version || disabled, "
                         "',') FROM (SELECT * FROM accounts ORDER BY id)",
                         NULL, accounts_before, sizeof accounts_before),
                 0);
    static const event_module_t *const exact[] = {&unit_event_module, &calendar_event_module, NULL};
    char before[65], after[65];
    event_use_modules(exact);
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_use_modules(NULL);
    strip("unit.created", "path");
    strip("unit.updated", "path");
    strip("citizen.registered", "national_id");
    strip("account.created", "national_id");
    strip("account.updated", "national_id");
    strip("calendar.working_time_saved", "created_at");
    strip("account.password_changed", "version");
    strip("account.password_changed", "updated_at");
    cr_assert_eq(tu_exec("UPDATE units SET path = '/', version = 7; UPDATE working_time SET created_at = 0"), 0);
    event_rebuild_report_t rep;
    rebuild_ok(&rep);
    event_use_modules(exact);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    event_use_modules(NULL);
    cr_assert_str_eq(after, before);
    char units_after[4096], accounts_after[8192];
    cr_assert_eq(tu_text("SELECT group_concat(id || path || COALESCE(slug, '-') || version, ',') FROM "
                         "(SELECT * FROM units ORDER BY id)",
                         NULL, units_after, sizeof units_after),
                 0);
    cr_assert_eq(tu_text("SELECT group_concat(id || full_name || COALESCE(national_id, '-') || version || disabled, "
                         "',') FROM (SELECT * FROM accounts ORDER BY id)",
                         NULL, accounts_after, sizeof accounts_after),
                 0);
    cr_assert_str_eq(units_after, units_before);
    cr_assert_str_eq(accounts_after, accounts_before);
    /* the password change of the older form moves updated_at to its event's instant */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts a JOIN events e ON e.entity = 'account:' || a.id "
                        "AND e.type = 'account.password_changed' WHERE a.updated_at = e.at",
                        NULL),
                 1);
}
