/* test_setup.c — domain/setup.h: setup_init (migrations, node identity, the national root, the first
 * administrator, weak-password refusal, idempotence) and setup_demo (the demo provinces and communes of the field
 * reports — Lâm Đồng with cujut and thuanan, Lạng Sơn/locbinh, Gia Lai/ialy, An Giang/myhoahung — four departments
 * per commune, every account of setup_demo_usernames with its role, loaded once, a valid ledger afterwards, and a
 * demo sign-in that works). Each setup_demo call hashes its passwords with Argon2, so the demo tests are few. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "db/migrate.h"
#include "domain/auth.h"
#include "domain/ledger.h"
#include "domain/setup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void setup_open(void) { tu_open_store(0); }

TestSuite(setup, .init = setup_open, .fini = tu_close);

static int count_demo_usernames(void)
{
    int n = 0;
    while (setup_demo_usernames[n]) n++;
    return n;
}

Test(setup, init_fresh_and_again)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_init(tu_env.st, "xa-cujut", NULL, NULL, &r, &e), 0);
    cr_assert_eq(r.migrations_applied, migrate_latest());
    cr_assert_eq(r.admin_created, 0);
    cr_assert_eq(r.admin_exists, 0);
    cr_assert_eq(r.demo_loaded, 0);
    cr_assert_eq(migrate_version(tu_env.st), migrate_latest());
    unit_t root;
    cr_assert_eq(tu_unit_by_slug("vn", &root), 0);
    cr_assert_str_eq(root.kind, "national");
    cr_assert_str_eq(root.name, "Việt Nam");
    char node[ID_LEN + 1], name[64];
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_id'", NULL, node, sizeof node), 0);
    cr_assert(id_valid(node));
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_name'", NULL, name, sizeof name), 0);
    cr_assert_str_eq(name, "xa-cujut");
    /* Again: nothing new. */
    cr_assert_eq(setup_init(tu_env.st, "other", NULL, NULL, &r, &e), 0);
    cr_assert_eq(r.migrations_applied, 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units", NULL), 1);
    char node2[ID_LEN + 1];
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_id'", NULL, node2, sizeof node2), 0);
    cr_assert_str_eq(node2, node, "the node identity never changes");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), 1, "one event: the root was created");
    ledger_report_t rep;
    cr_assert_eq(ledger_verify(tu_env.st, &rep), 0);
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
}

Test(setup, init_refuses_a_weak_admin_password)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_init(tu_env.st, NULL, "admin", "abc", &r, &e), -EINVAL);
    cr_assert_eq(e.status, 400);
    cr_assert_eq(e.msg, MSG_WEAK_PASSWORD);
    cr_assert_str_eq(e.field, "password");
    cr_assert_str_eq(e.arg[0], "4");
    cr_assert_str_eq(e.arg[1], "128");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts", NULL), 0);
}

Test(setup, init_creates_the_first_admin_once)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_init(tu_env.st, NULL, "quantri", "mật khẩu tốt", &r, &e), 0, "field %s", e.field);
    cr_assert_eq(r.admin_created, 1);
    cr_assert_eq(r.admin_exists, 1);
    account_t a;
    cr_assert_eq(tu_account_by_username("quantri", &a), 0);
    unit_t root;
    cr_assert_eq(tu_unit_by_slug("vn", &root), 0);
    cr_assert_str_eq(a.unit_id, root.id);
    cr_assert_eq(a.ngrants, 1);
    cr_assert_eq(a.grants[0].role, ROLE_ADMIN);
    cr_assert_str_eq(a.grants[0].unit_id, root.id);
    signin_result_t s;
    cr_assert_eq(auth_sign_in(tu_env.st, "quantri", "mật khẩu tốt", "192.0.2.1", &s), 0);
    cr_assert_eq(s.status, 0, "the administrator can sign in");
    cr_assert(auth_has_role(&s.who, ROLE_ADMIN));
    /* A second call with a password does not create or change anything. */
    cr_assert_eq(setup_init(tu_env.st, NULL, "quantri", "khác hẳn", &r, &e), 0);
    cr_assert_eq(r.admin_created, 0);
    cr_assert_eq(r.admin_exists, 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts", NULL), 1);
    cr_assert_eq(auth_sign_in(tu_env.st, "quantri", "mật khẩu tốt", "192.0.2.1", &s), 0);
    cr_assert_eq(s.status, 0, "the password was not replaced");
}

/* ---- demo ---- */

static int unit_count_under(const char *slug, const char *kind)
{
    unit_t u;
    cr_assert_eq(tu_unit_by_slug(slug, &u), 0, "unit %s", slug);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM units WHERE parent_id = $1 AND kind = '%s'", kind);
    return (int)tu_int(sql, u.id);
}

static void check_parent(const char *slug, const char *parent_slug, const char *kind, const char *name)
{
    unit_t u, p;
    cr_assert_eq(tu_unit_by_slug(slug, &u), 0, "unit %s", slug);
    cr_assert_eq(tu_unit_by_slug(parent_slug, &p), 0, "unit %s", parent_slug);
    cr_assert_str_eq(u.parent_id, p.id, "%s under %s", slug, parent_slug);
    cr_assert_str_eq(u.kind, kind, "%s", slug);
    if (name) cr_assert_str_eq(u.name, name);
}

Test(setup, demo_loads_units_accounts_and_a_valid_ledger, .timeout = 120)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_demo(tu_env.st, &r, &e), 0, "field %s msg %s", e.field, msg_name(e.msg));
    cr_assert_eq(r.demo_loaded, 1);
    cr_assert_eq(r.accounts_created, count_demo_usernames());
    cr_assert_eq(count_demo_usernames(), 25);
    /* Provinces and communes. */
    check_parent("lamdong", "vn", "province", "Tỉnh Lâm Đồng");
    check_parent("langson", "vn", "province", "Tỉnh Lạng Sơn");
    check_parent("gialai", "vn", "province", "Tỉnh Gia Lai");
    check_parent("angiang", "vn", "province", "Tỉnh An Giang");
    check_parent("cujut", "lamdong", "commune", "Xã Cư Jút");
    check_parent("thuanan", "lamdong", "commune", "Xã Thuận An");
    check_parent("locbinh", "langson", "commune", "Xã Lộc Bình");
    check_parent("ialy", "gialai", "commune", "Xã Ia Ly");
    check_parent("myhoahung", "angiang", "commune", "Xã Mỹ Hòa Hưng");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE kind = 'province'", NULL), 4);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE kind IN ('commune', 'ward')", NULL), 5);
    cr_assert_eq(unit_count_under("lamdong", "commune"), 2);
    static const char *communes[] = {"cujut", "thuanan", "locbinh", "ialy", "myhoahung"};
    for (int i = 0; i < 5; i++) {
        cr_assert_eq(unit_count_under(communes[i], "department"), 4, "%s has 4 departments", communes[i]);
        char slug[64];
        snprintf(slug, sizeof slug, "%s.ttpvhcc", communes[i]);
        check_parent(slug, communes[i], "department", "Trung tâm Phục vụ hành chính công");
    }
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units", NULL), 1 + 4 + 5 + 20);
    /* Every code the demo writes is well-formed. */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE edi_code IS NULL AND kind <> 'national'", NULL), 0);
    unit_t u;
    cr_assert_eq(tu_unit_by_slug("lamdong", &u), 0);
    cr_assert_str_eq(u.edi_code, "000.00.00.H41");
    cr_assert_eq(tu_unit_by_slug("thuanan", &u), 0);
    cr_assert(unit_edi_code_valid(u.edi_code), "%s", u.edi_code);
    cr_assert_not_null(strstr(u.merged_from, "Đức Minh"), "%s", u.merged_from);
    /* Accounts and their roles. */
    for (int i = 0; setup_demo_usernames[i]; i++) {
        account_t a;
        cr_assert_eq(tu_account_by_username(setup_demo_usernames[i], &a), 0, "%s", setup_demo_usernames[i]);
        cr_assert_eq(a.ngrants, 1, "%s", a.username);
        cr_assert_not(a.disabled);
    }
    static const struct { const char *user, *role_unit, *home; role_t role; } roles[] = {
        {"admin", "vn", "vn", ROLE_ADMIN},
        {"lamdong.official", "lamdong", "lamdong", ROLE_OFFICIAL},
        {"cujut.desk", "cujut", "cujut.ttpvhcc", ROLE_DESK},
        {"cujut.specialist", "cujut", "cujut.pkt", ROLE_SPECIALIST},
        {"cujut.leader", "cujut", "cujut.vp", ROLE_LEADER},
        {"cujut.clerk", "cujut", "cujut.vp", ROLE_CLERK},
        {"myhoahung.desk", "myhoahung", "myhoahung.ttpvhcc", ROLE_DESK},
        {"angiang.official", "angiang", "angiang", ROLE_OFFICIAL},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        account_t a;
        unit_t ru, hu;
        cr_assert_eq(tu_account_by_username(roles[i].user, &a), 0);
        cr_assert_eq(tu_unit_by_slug(roles[i].role_unit, &ru), 0);
        cr_assert_eq(tu_unit_by_slug(roles[i].home, &hu), 0);
        cr_assert_eq(a.grants[0].role, roles[i].role, "%s", roles[i].user);
        cr_assert_str_eq(a.grants[0].unit_id, ru.id, "%s role unit", roles[i].user);
        cr_assert_str_eq(a.unit_id, hu.id, "%s home unit", roles[i].user);
    }
    /* Each account has its own salt. */
    cr_assert_eq(tu_int("SELECT COUNT(DISTINCT password_hash) FROM accounts", NULL), 25);
    /* The ledger recorded every unit and account and verifies. */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'unit.created'", NULL), 30);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'account.created'", NULL), 25);
    ledger_report_t rep;
    cr_assert_eq(ledger_verify(tu_env.st, &rep), 0);
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    /* catalog: the shipped procedures, one procedure.saved event each (national records) */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'procedure.saved'", NULL), 48);
    cr_assert_eq(rep.events, 55 + 48);
    /* A demo sign-in works with the documented password. */
    signin_result_t s;
    cr_assert_eq(auth_sign_in(tu_env.st, "cujut.desk", "demo", "192.0.2.1", &s), 0);
    cr_assert_eq(s.status, 0);
    cr_assert(auth_has_role(&s.who, ROLE_DESK));
    /* setup.h: admin_exists means "an enabled national administrator exists now" — the demo just created one. */
    cr_assert_eq(r.admin_exists, 1, "setup_demo created the national admin but reports admin_exists = 0");
}

Test(setup, demo_twice_loads_nothing_new, .timeout = 180)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_demo(tu_env.st, &r, &e), 0);
    long long units = tu_int("SELECT COUNT(*) FROM units", NULL), accounts = tu_int("SELECT COUNT(*) FROM accounts", NULL),
              events = tu_int("SELECT COUNT(*) FROM events", NULL);
    char hash[160];
    cr_assert_eq(tu_text("SELECT password_hash FROM accounts WHERE username = 'cujut.desk'", NULL, hash, sizeof hash), 0);
    cr_assert_eq(setup_demo(tu_env.st, &r, &e), 0);
    cr_assert_eq(r.demo_loaded, 0);
    cr_assert_eq(r.accounts_created, 0);
    cr_assert_eq(r.migrations_applied, 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units", NULL), units);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts", NULL), accounts);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events);
    char hash2[160];
    cr_assert_eq(tu_text("SELECT password_hash FROM accounts WHERE username = 'cujut.desk'", NULL, hash2, sizeof hash2),
                 0);
    cr_assert_str_eq(hash2, hash, "passwords are not reset");
    ledger_report_t rep;
    cr_assert_eq(ledger_verify(tu_env.st, &rep), 0);
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
}

/* A deployment that ran init with its own administrator and then loads the demo keeps that administrator. */
Test(setup, demo_after_init_with_admin, .timeout = 120)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_init(tu_env.st, "hub", "admin", "riêng tư 123", &r, &e), 0);
    cr_assert_eq(setup_demo(tu_env.st, &r, &e), 0);
    cr_assert_eq(r.demo_loaded, 1);
    cr_assert_eq(r.accounts_created, count_demo_usernames() - 1, "admin already existed");
    signin_result_t s;
    cr_assert_eq(auth_sign_in(tu_env.st, "admin", "riêng tư 123", "192.0.2.1", &s), 0);
    cr_assert_eq(s.status, 0, "the existing admin password is kept");
    char name[64];
    cr_assert_eq(tu_text("SELECT value FROM meta WHERE key = 'node_name'", NULL, name, sizeof name), 0);
    cr_assert_str_eq(name, "hub", "the node keeps its name");
}

Test(setup, demo_usernames_are_unique_and_valid)
{
    int n = count_demo_usernames();
    for (int i = 0; i < n; i++) {
        cr_assert(account_username_valid(setup_demo_usernames[i]), "%s", setup_demo_usernames[i]);
        for (int k = i + 1; k < n; k++)
            cr_assert_str_neq(setup_demo_usernames[i], setup_demo_usernames[k]);
    }
    cr_assert_str_eq(setup_demo_usernames[0], "admin");
}

/* Every event carries the province of its unit (the partition key of a hub, migration 4); national events none. */
Test(setup, events_carry_the_province_of_their_unit, .timeout = 120)
{
    setup_result_t r;
    derr_t e;
    cr_assert_eq(setup_demo(tu_env.st, &r, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events e JOIN units u ON u.id = e.unit_id "
                        "WHERE u.province_id IS NOT NULL AND (e.province_id IS NULL OR e.province_id <> u.province_id)",
                        NULL),
                 0, "an event of a unit inside a province lacks that province");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events e JOIN units u ON u.id = e.unit_id "
                        "WHERE u.slug = 'cujut' AND e.province_id = (SELECT id FROM units WHERE slug = 'lamdong')",
                        NULL),
                 1, "Cư Jút's creation is filed under Lâm Đồng");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE province_id IS NULL AND unit_id IN "
                        "(SELECT id FROM units WHERE kind = 'national')",
                        NULL),
                 tu_int("SELECT COUNT(*) FROM events WHERE province_id IS NULL", NULL),
                 "only national events have no province");
}
