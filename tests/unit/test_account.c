/* test_account.c — domain/account.h: creating staff, citizen and system accounts (field validation reported in
 * derr_t, unit references, role placement, duplicates), reading them back (by id, by username, profile), updates
 * with optimistic versions, disabling (sessions ended, tokens revoked), the last-administrator rule, password
 * changes, visibility and management rights of principals, listing with search / role filter / cursor, the JSON
 * forms, and the ledger events (which never carry a password hash). */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/clock.h"
#include "core/mem.h"
#include "domain/account.h"
#include "domain/ledger.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$placeholder"

/* root / P (communes A with department D, B) / Q (commune C); accounts: root admin, desk at A (home D),
 * leader at A, specialist at B, admin of A. */
static unit_t root, P, A, B, Q, C, D;
static account_t radmin, desk, leader, spec, aadmin;

static void accounts_setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &P);
    tu_make_unit(P.id, "commune", "Xã Cư Jút", "cujut", &A);
    tu_make_unit(P.id, "commune", "Xã Thuận An", "thuanan", &B);
    tu_make_unit(root.id, "province", "Tỉnh Gia Lai", "gialai", &Q);
    tu_make_unit(Q.id, "commune", "Xã Ia Ly", "ialy", &C);
    tu_make_unit(A.id, "department", "Trung tâm Phục vụ hành chính công", "cujut.ttpvhcc", &D);
    tu_make_staff("root.admin", "Quản trị hệ thống", root.id, ROLE_ADMIN, root.id, &radmin);
    tu_make_staff("cujut.desk", "Nguyễn Văn An", D.id, ROLE_DESK, A.id, &desk);
    tu_make_staff("cujut.leader", "Trần Thị Bình", A.id, ROLE_LEADER, A.id, &leader);
    tu_make_staff("thuanan.specialist", "Lê Minh Châu", B.id, ROLE_SPECIALIST, B.id, &spec);
    tu_make_staff("cujut.admin", "Phạm Thị Dung", A.id, ROLE_ADMIN, A.id, &aadmin);
}

TestSuite(account, .init = accounts_setup, .fini = tu_close);

static principal_t principal_of(const account_t *a)
{
    principal_t p;
    cr_assert_eq(tu_load_principal(a->id, &p), 0, "principal of %s", a->username);
    return p;
}

/* A fresh input for a staff account at home unit `unit` with one role there. */
static account_input_t staff_input(const char *username, const char *unit, role_t role)
{
    account_input_t in = {.kind = "staff", .username = username, .full_name = "Hoàng Quốc Hùng", .unit_id = unit,
                          .password_hash = HASH, .disabled = -1, .nroles = 1};
    in.roles[0].role = role;
    in.roles[0].unit_id = unit;
    return in;
}

/* An update input that changes nothing unless told. */
static account_input_t no_change(void)
{
    return (account_input_t){.disabled = -1, .nroles = -1};
}

static void expect_create_error(const account_input_t *in, int rc_want, int status, const char *field, msg_id_t msg)
{
    account_t out;
    derr_t e = {0};
    int rc = tu_account_create(NULL, in, &out, &e);
    cr_assert_eq(rc, rc_want, "field %s: rc %d", field, rc);
    cr_assert_eq(e.status, status, "field %s: status %d", field, e.status);
    cr_assert_str_eq(e.field, field);
    cr_assert_eq(e.msg, msg, "field %s: %s", field, msg_name(e.msg));
}

/* ---- username ---- */

Test(account, username_validator)
{
    static const char *ok[] = {"abc", "a.b_c-d", "cujut.desk", "0ab", "nguyen.van.an"};
    static const char *bad[] = {"", "ab", "Abc", ".abc", "_abc", "-abc", "ab c", "đạt", "a@b", "abc/"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) cr_assert(account_username_valid(ok[i]), "%s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cr_assert_not(account_username_valid(bad[i]), "%s", bad[i]);
    char s[66];
    memset(s, 'a', 65);
    s[65] = '\0';
    cr_assert_not(account_username_valid(s));
    s[64] = '\0';
    cr_assert(account_username_valid(s));
}

/* ---- create ---- */

Test(account, create_staff)
{
    account_input_t in = staff_input("cujut.clerk", A.id, ROLE_CLERK);
    in.email = "clerk@cujut.lamdong.gov.vn";
    in.phone = "+84912345678";
    in.national_id = "066090001234";
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_create(NULL, &in, &a, &e), 0, "field %s", e.field);
    cr_assert(id_valid(a.id));
    cr_assert_str_eq(a.kind, "staff");
    cr_assert_str_eq(a.username, "cujut.clerk");
    cr_assert_str_eq(a.full_name, "Hoàng Quốc Hùng");
    cr_assert_str_eq(a.email, "clerk@cujut.lamdong.gov.vn");
    cr_assert_str_eq(a.phone, "+84912345678");
    cr_assert_str_eq(a.national_id, "066090001234");
    cr_assert_str_eq(a.unit_id, A.id);
    cr_assert_str_eq(a.unit_path, A.path);
    cr_assert_not(a.disabled);
    cr_assert_eq(a.version, 1);
    cr_assert_eq(a.ngrants, 1);
    cr_assert_eq(a.grants[0].role, ROLE_CLERK);
    cr_assert_str_eq(a.grants[0].unit_path, A.path);
    char stored[128];
    cr_assert_eq(tu_text("SELECT password_hash FROM accounts WHERE id = $1", a.id, stored, sizeof stored), 0);
    cr_assert_str_eq(stored, HASH);
    /* The event: account.created, without the password hash. */
    char payload[4096];
    cr_assert_eq(tu_text("SELECT payload FROM events WHERE entity = 'account:' || $1 AND type = 'account.created'",
                         a.id, payload, sizeof payload), 0);
    cr_assert_null(strstr(payload, "argon2"), "%s", payload);
    cr_assert_null(strstr(payload, "password"), "%s", payload);
    cr_assert_not_null(strstr(payload, "cujut.clerk"));
    char unit[ID_LEN + 1];
    cr_assert_eq(tu_text("SELECT unit_id FROM events WHERE entity = 'account:' || $1", a.id, unit, sizeof unit), 0);
    cr_assert_str_eq(unit, A.id, "the event belongs to the home unit");
}

Test(account, create_citizen_and_system)
{
    account_input_t in = {.kind = "citizen", .username = "nguyen.thi.lan", .full_name = "Nguyễn Thị Lan",
                          .password_hash = HASH, .disabled = -1, .unit_id = A.id};
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_create(NULL, &in, &a, &e), 0, "field %s", e.field);
    cr_assert_str_eq(a.kind, "citizen");
    cr_assert_str_eq(a.unit_id, "", "citizens have no home unit");
    cr_assert_eq(a.ngrants, 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'citizen.registered' AND entity = 'account:' || $1",
                        a.id), 1);
    in.username = "citizen.with.roles";
    in.nroles = 1;
    in.roles[0].role = ROLE_DESK;
    in.roles[0].unit_id = A.id;
    expect_create_error(&in, -EINVAL, 422, "roles", MSG_ROLE_PLACEMENT);
    account_input_t sys = {.kind = "system", .username = "portal.sync", .full_name = "Đồng bộ Cổng DVC",
                           .unit_id = P.id, .disabled = -1, .nroles = 1};
    sys.roles[0].role = ROLE_OFFICIAL;
    sys.roles[0].unit_id = P.id;
    cr_assert_eq(tu_account_create(NULL, &sys, &a, &e), 0, "a system account needs no password (field %s)", e.field);
    cr_assert_str_eq(a.kind, "system");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE id = $1 AND password_hash IS NULL", a.id), 1);
    account_input_t nopw = staff_input("no.password", A.id, ROLE_DESK);
    nopw.password_hash = NULL;
    expect_create_error(&nopw, -EINVAL, 400, "password", MSG_MISSING_FIELD);
}

Test(account, create_field_validation)
{
    account_input_t in = staff_input("new.staff", A.id, ROLE_DESK);
    in.kind = "robot";
    expect_create_error(&in, -EINVAL, 400, "kind", MSG_FIELD_INVALID);
    in.kind = NULL;
    expect_create_error(&in, -EINVAL, 400, "kind", MSG_FIELD_INVALID);
    in = staff_input("Bad Name", A.id, ROLE_DESK);
    expect_create_error(&in, -EINVAL, 400, "username", MSG_FIELD_INVALID);
    in.username = NULL;
    expect_create_error(&in, -EINVAL, 400, "username", MSG_FIELD_INVALID);
    in = staff_input("new.staff", A.id, ROLE_DESK);
    in.full_name = NULL;
    expect_create_error(&in, -EINVAL, 400, "full_name", MSG_MISSING_FIELD);
    in.full_name = "Đ";
    expect_create_error(&in, -EINVAL, 400, "full_name", MSG_FIELD_LENGTH);
    in.full_name = "Hồ \xC3";
    expect_create_error(&in, -EINVAL, 400, "full_name", MSG_FIELD_LENGTH);
    in.full_name = "Hồ Lan";
    static const char *bad_email[] = {"a@b", "@b.vn", "a@", "a@@b.vn", "a@b@c.vn", "a b@c.vn", "<a@b.vn>", "\"a\"@b.vn"};
    for (size_t i = 0; i < sizeof bad_email / sizeof bad_email[0]; i++) {
        in.email = bad_email[i];
        expect_create_error(&in, -EINVAL, 400, "email", MSG_FIELD_INVALID);
    }
    in.email = "";
    static const char *bad_phone[] = {"1234567", "0912-345-678", "0912 345 678", "1234567890123456", "84+912345678"};
    for (size_t i = 0; i < sizeof bad_phone / sizeof bad_phone[0]; i++) {
        in.phone = bad_phone[i];
        expect_create_error(&in, -EINVAL, 400, "phone", MSG_FIELD_INVALID);
    }
    in.phone = "0912345678";
    static const char *bad_nid[] = {"06609000123", "0660900012345", "06609000123a", "+66090001234"};
    for (size_t i = 0; i < sizeof bad_nid / sizeof bad_nid[0]; i++) {
        in.national_id = bad_nid[i];
        expect_create_error(&in, -EINVAL, 400, "national_id", MSG_FIELD_INVALID);
    }
    in.national_id = "066090001234";
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE username = 'new.staff'", NULL), 0);
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_create(NULL, &in, &a, &e), 0, "field %s", e.field);
    cr_assert_str_eq(a.email, "", "an empty email is no email");
}

Test(account, create_unit_and_role_checks)
{
    account_input_t in = staff_input("new.staff", A.id, ROLE_DESK);
    in.unit_id = NULL;
    expect_create_error(&in, -EINVAL, 400, "unit_id", MSG_MISSING_FIELD);
    in.unit_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    expect_create_error(&in, -ENOENT, 422, "unit_id", MSG_UNIT_UNKNOWN);
    in.unit_id = "not-an-id";
    expect_create_error(&in, -ENOENT, 422, "unit_id", MSG_UNIT_UNKNOWN);
    in.unit_id = A.id;
    in.roles[0].unit_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    expect_create_error(&in, -ENOENT, 422, "roles", MSG_UNIT_UNKNOWN);
    in.roles[0].unit_id = A.id;
    in.roles[0].role = ROLE_OFFICIAL;
    expect_create_error(&in, -EINVAL, 422, "roles", MSG_ROLE_PLACEMENT);
    in.roles[0].role = ROLE_DESK;
    in.roles[0].unit_id = root.id;
    expect_create_error(&in, -EINVAL, 422, "roles", MSG_ROLE_PLACEMENT);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE username = 'new.staff'", NULL), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM roles", NULL), 5, "no role rows left behind");
}

Test(account, create_duplicate_username)
{
    account_input_t in = staff_input("cujut.desk", B.id, ROLE_DESK);
    expect_create_error(&in, -EEXIST, 409, "username", MSG_ALREADY_EXISTS);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE username = 'cujut.desk'", NULL), 1);
}

Test(account, create_same_grant_twice_is_one_grant)
{
    account_input_t in = staff_input("twice", A.id, ROLE_DESK);
    in.nroles = 3;
    in.roles[1] = in.roles[0];
    in.roles[2].role = ROLE_SPECIALIST;
    in.roles[2].unit_id = A.id;
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_create(NULL, &in, &a, &e), 0, "field %s", e.field);
    cr_assert_eq(a.ngrants, 2);
}

Test(account, create_by_a_commune_admin_stays_in_scope)
{
    principal_t adm = principal_of(&aadmin);
    account_input_t in = staff_input("cujut.new", D.id, ROLE_SPECIALIST);
    in.roles[0].unit_id = A.id;
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_create(&adm, &in, &a, &e), 0, "field %s", e.field);
    char actor[ID_LEN + 1];
    cr_assert_eq(tu_text("SELECT actor FROM events WHERE entity = 'account:' || $1", a.id, actor, sizeof actor), 0);
    cr_assert_str_eq(actor, aadmin.id);
    /* Home unit or grant outside the commune: "unknown unit". */
    in = staff_input("thuanan.new", B.id, ROLE_DESK);
    account_t out;
    cr_assert_eq(tu_account_create(&adm, &in, &out, &e), -ENOENT);
    cr_assert_eq(e.status, 422);
    cr_assert_str_eq(e.field, "unit_id");
    in = staff_input("cujut.new2", A.id, ROLE_DESK);
    in.nroles = 2;
    in.roles[1].role = ROLE_LEADER;
    in.roles[1].unit_id = B.id;
    cr_assert_eq(tu_account_create(&adm, &in, &out, &e), -ENOENT);
    cr_assert_str_eq(e.field, "roles");
    /* A leader is not an administrator. */
    principal_t lead = principal_of(&leader);
    in = staff_input("cujut.new3", A.id, ROLE_DESK);
    cr_assert_eq(tu_account_create(&lead, &in, &out, &e), -ENOENT);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE username LIKE 'cujut.new%' OR username = 'thuanan.new'",
                        NULL), 1);
}

/* ---- read ---- */

Test(account, get_by_id_and_username)
{
    account_t a;
    cr_assert_eq(tu_account_by_username("cujut.desk", &a), 0);
    cr_assert_str_eq(a.id, desk.id);
    cr_assert_str_eq(a.unit_path, D.path);
    cr_assert_eq(a.ngrants, 1);
    cr_assert_eq(tu_account_get(spec.id, &a), 0);
    cr_assert_str_eq(a.username, "thuanan.specialist");
    cr_assert_eq(tu_account_get("01ARZ3NDEKTSV4RRFFQ69G5FAV", &a), -ENOENT);
    cr_assert_eq(tu_account_by_username("nobody", &a), -ENOENT);
}

struct profile_ctx {
    const char        *id;
    account_profile_t *p;
};

static int profile_fn(db_t *db, void *arg)
{
    struct profile_ctx *c = arg;
    return account_profile(db, c->id, c->p);
}

Test(account, profile_with_home_and_grant_units)
{
    cr_assert_eq(tu_execf("INSERT INTO roles (account_id, role, unit_id) VALUES ('%s', 'clerk', '%s')", desk.id, D.id),
                 0);
    account_profile_t *p = xmalloc(sizeof *p);
    struct profile_ctx c = {desk.id, p};
    cr_assert_eq(store_read(tu_env.st, profile_fn, &c), 0);
    cr_assert_str_eq(p->a.username, "cujut.desk");
    cr_assert(p->has_home);
    cr_assert_str_eq(p->home.id, D.id);
    cr_assert_str_eq(p->home.kind, "department");
    cr_assert_str_eq(p->home.name, "Trung tâm Phục vụ hành chính công");
    cr_assert_str_eq(p->home.slug, "cujut.ttpvhcc");
    cr_assert_eq(p->a.ngrants, 2);
    cr_assert_eq(p->a.grants[0].role, ROLE_DESK, "ordered by path: the commune before its department");
    cr_assert_str_eq(p->grant_units[0].id, A.id);
    cr_assert_str_eq(p->grant_units[0].name, "Xã Cư Jút");
    cr_assert_eq(p->a.grants[1].role, ROLE_CLERK);
    cr_assert_str_eq(p->grant_units[1].id, D.id);
    cr_assert_str_eq(p->grant_units[1].kind, "department");
    c.id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    cr_assert_eq(store_read(tu_env.st, profile_fn, &c), -ENOENT);
    account_input_t in = {.kind = "citizen", .username = "citizen.one", .full_name = "Vũ Thu Hà",
                          .password_hash = HASH, .disabled = -1};
    account_t cit;
    derr_t e;
    cr_assert_eq(tu_account_create(NULL, &in, &cit, &e), 0);
    c.id = cit.id;
    cr_assert_eq(store_read(tu_env.st, profile_fn, &c), 0);
    cr_assert_not(p->has_home);
    cr_assert_str_eq(p->home.id, "");
    cr_assert_eq(p->a.ngrants, 0);
    free(p);
}

Test(account, unit_brief_json_form)
{
    unit_brief_t u = {0};
    str_copy(u.id, sizeof u.id, A.id);
    str_copy(u.kind, sizeof u.kind, "commune");
    str_copy(u.name, sizeof u.name, "Xã Cư Jút");
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    unit_brief_json(&w, &u);
    cr_assert_eq(jw_finish(&w), 0);
    char want[256];
    snprintf(want, sizeof want, "{\"id\":\"%s\",\"kind\":\"commune\",\"name\":\"Xã Cư Jút\",\"slug\":null}", A.id);
    cr_assert_str_eq(b.data, want);
    buf_free(&b);
}

/* ---- visibility ---- */

Test(account, visibility_and_management)
{
    principal_t r = principal_of(&radmin), aa = principal_of(&aadmin), l = principal_of(&leader),
                d = principal_of(&desk), s = principal_of(&spec);
    /* desk (home D inside A): */
    cr_assert(account_visible_to(&r, &desk), "root admin");
    cr_assert(account_visible_to(&aa, &desk), "admin of the commune");
    cr_assert(account_visible_to(&l, &desk), "leader of the commune");
    cr_assert(account_visible_to(&d, &desk), "oneself");
    cr_assert_not(account_visible_to(&s, &desk), "a specialist of another commune");
    cr_assert(account_manageable_by(&r, &desk));
    cr_assert(account_manageable_by(&aa, &desk));
    cr_assert_not(account_manageable_by(&l, &desk), "leaders see but do not manage");
    cr_assert_not(account_manageable_by(&d, &desk), "staff do not manage themselves");
    /* spec (home B): the admin and leader of A do not see it. */
    cr_assert_not(account_visible_to(&aa, &spec));
    cr_assert_not(account_visible_to(&l, &spec));
    cr_assert_not(account_manageable_by(&aa, &spec));
    /* The root admin's own account (home: root) is invisible to a commune admin. */
    cr_assert_not(account_visible_to(&aa, &radmin));
    /* An account without a home unit is seen only by itself. */
    account_t cit = desk;
    cit.unit_path[0] = '\0';
    str_copy(cit.id, sizeof cit.id, "01ARZ3NDEKTSV4RRFFQ69G5FAV");
    cr_assert_not(account_visible_to(&r, &cit));
    cr_assert_not(account_manageable_by(&r, &cit));
}

/* ---- update ---- */

Test(account, update_fields_and_version)
{
    account_input_t in = no_change();
    in.full_name = "Nguyễn Văn An (mới)";
    in.email = "an@cujut.gov.vn";
    in.phone = "0912345678";
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_update(NULL, desk.id, 1, &in, &a, &e), 0, "field %s", e.field);
    cr_assert_eq(a.version, 2);
    cr_assert_str_eq(a.full_name, "Nguyễn Văn An (mới)");
    cr_assert_str_eq(a.email, "an@cujut.gov.vn");
    cr_assert_eq(a.ngrants, 1, "nroles -1 keeps the roles");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'account.updated' AND entity = 'account:' || $1",
                        desk.id), 1);
    /* "" clears email; NULL leaves the name. */
    in = no_change();
    in.email = "";
    cr_assert_eq(tu_account_update(NULL, desk.id, 2, &in, &a, &e), 0);
    cr_assert_str_eq(a.email, "");
    cr_assert_str_eq(a.phone, "0912345678");
    cr_assert_str_eq(a.full_name, "Nguyễn Văn An (mới)");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM accounts WHERE id = $1 AND email IS NULL", desk.id), 1);
    /* Roles replaced, then cleared. */
    in = no_change();
    in.nroles = 2;
    in.roles[0].role = ROLE_SPECIALIST;
    in.roles[0].unit_id = A.id;
    in.roles[1].role = ROLE_CLERK;
    in.roles[1].unit_id = D.id;
    cr_assert_eq(tu_account_update(NULL, desk.id, 3, &in, &a, &e), 0, "field %s", e.field);
    cr_assert_eq(a.ngrants, 2);
    cr_assert_eq(a.grants[0].role, ROLE_SPECIALIST);
    cr_assert_eq(a.grants[1].role, ROLE_CLERK);
    in.nroles = 0;
    cr_assert_eq(tu_account_update(NULL, desk.id, 4, &in, &a, &e), 0);
    cr_assert_eq(a.ngrants, 0);
    /* Move to another home unit. */
    in = no_change();
    in.unit_id = B.id;
    cr_assert_eq(tu_account_update(NULL, desk.id, 5, &in, &a, &e), 0);
    cr_assert_str_eq(a.unit_path, B.path);
    /* The name search key follows the name. */
    char fold[128];
    cr_assert_eq(tu_text("SELECT name_fold FROM accounts WHERE id = $1", desk.id, fold, sizeof fold), 0);
    cr_assert_str_eq(fold, "nguyen van an (moi)");
}

Test(account, update_refusals)
{
    account_input_t in = no_change();
    in.full_name = "Tên mới";
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_update(NULL, desk.id, 2, &in, &a, &e), -ESTALE);
    cr_assert_eq(e.status, 412);
    cr_assert_str_eq(e.arg[0], "1");
    cr_assert_eq(tu_account_update(NULL, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 1, &in, &a, &e), -ENOENT);
    cr_assert_eq(e.status, 404);
    cr_assert_eq(tu_account_update(NULL, "bad", 1, &in, &a, &e), -ENOENT);
    in.full_name = "X";
    cr_assert_eq(tu_account_update(NULL, desk.id, 1, &in, &a, &e), -EINVAL);
    cr_assert_str_eq(e.field, "full_name");
    in = no_change();
    in.unit_id = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    cr_assert_eq(tu_account_update(NULL, desk.id, 1, &in, &a, &e), -ENOENT);
    cr_assert_str_eq(e.field, "unit_id");
    in = no_change();
    in.nroles = 1;
    in.roles[0].role = ROLE_OFFICIAL;
    in.roles[0].unit_id = A.id;
    cr_assert_eq(tu_account_update(NULL, desk.id, 1, &in, &a, &e), -EINVAL);
    cr_assert_eq(e.msg, MSG_ROLE_PLACEMENT);
    account_t now;
    cr_assert_eq(tu_account_get(desk.id, &now), 0);
    cr_assert_eq(now.version, 1);
    cr_assert_eq(now.ngrants, 1);
    cr_assert_eq(now.grants[0].role, ROLE_DESK);
}

Test(account, update_by_principals)
{
    principal_t aa = principal_of(&aadmin), l = principal_of(&leader);
    account_input_t in = no_change();
    in.full_name = "Đổi bởi quản trị xã";
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_update(&aa, desk.id, 1, &in, &a, &e), 0);
    cr_assert_eq(tu_account_update(&l, desk.id, 2, &in, &a, &e), -EACCES, "a leader sees but cannot change");
    cr_assert_eq(e.status, 403);
    cr_assert_eq(tu_account_update(&aa, spec.id, 1, &in, &a, &e), -ENOENT, "another commune: not found");
    cr_assert_eq(e.status, 404);
    cr_assert_eq(tu_account_update(&aa, radmin.id, 1, &in, &a, &e), -ENOENT);
    /* Moving staff out of the admin's scope is refused. */
    in = no_change();
    in.unit_id = B.id;
    cr_assert_eq(tu_account_update(&aa, desk.id, 2, &in, &a, &e), -ENOENT);
    cr_assert_str_eq(e.field, "unit_id");
    /* Granting a role outside the admin's scope is refused. */
    in = no_change();
    in.nroles = 1;
    in.roles[0].role = ROLE_LEADER;
    in.roles[0].unit_id = P.id;
    cr_assert_eq(tu_account_update(&aa, desk.id, 2, &in, &a, &e), -ENOENT);
    cr_assert_str_eq(e.field, "roles");
}

/* A commune administrator replacing the roles of an account must not silently remove grants it does not
 * administer (here: official at the province, granted by the root administrator). */
Test(account, role_replacement_keeps_grants_outside_the_actors_scope)
{
    cr_assert_eq(tu_execf("INSERT INTO roles (account_id, role, unit_id) VALUES ('%s', 'official', '%s')", leader.id,
                          P.id), 0);
    principal_t aa = principal_of(&aadmin);
    account_input_t in = no_change();
    in.nroles = 1;
    in.roles[0].role = ROLE_SPECIALIST;
    in.roles[0].unit_id = A.id;
    account_t a;
    derr_t e = {0};
    int rc = tu_account_update(&aa, leader.id, 1, &in, &a, &e);
    long long kept = tu_int("SELECT COUNT(*) FROM roles WHERE account_id = $1 AND role = 'official'", leader.id);
    cr_assert(rc < 0 || kept == 1,
              "account_update by the admin of commune A returned %d and deleted the official grant at the province "
              "(outside the actor's scope)", rc);
    if (rc == 0) {
        /* Inside the actor's scope the replacement did happen. */
        cr_assert_eq(tu_int("SELECT COUNT(*) FROM roles WHERE account_id = $1 AND role = 'leader'", leader.id), 0);
        cr_assert_eq(tu_int("SELECT COUNT(*) FROM roles WHERE account_id = $1 AND role = 'specialist'", leader.id), 1);
        cr_assert_eq(a.ngrants, 2, "the returned account shows both grants");
    }
}

Test(account, disabling_ends_sessions_and_tokens)
{
    long long now = clock_now_ms();
    cr_assert_eq(tu_execf("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) "
                          "VALUES ('s1', '%s', 'c', %lld, %lld, %lld), ('s2', '%s', 'c', %lld, %lld, %lld)",
                          desk.id, now, now + 3600000, now, spec.id, now, now + 3600000, now), 0);
    cr_assert_eq(tu_execf("INSERT INTO api_tokens (id, account_id, name, token_hash, created_at, expires_at) VALUES "
                          "('T1', '%s', 't', 'h1', %lld, %lld)", desk.id, now, now + 3600000), 0);
    account_input_t in = no_change();
    in.disabled = 1;
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_update(NULL, desk.id, 1, &in, &a, &e), 0);
    cr_assert(a.disabled);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE account_id = $1", desk.id), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions", NULL), 1, "other accounts keep their sessions");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NOT NULL", NULL), 1);
    /* Enabling again. */
    in.disabled = 0;
    cr_assert_eq(tu_account_update(NULL, desk.id, 2, &in, &a, &e), 0);
    cr_assert_not(a.disabled);
}

/* ---- the last administrator ---- */

Test(account, last_root_admin_cannot_be_disabled_or_demoted)
{
    account_input_t in = no_change();
    in.disabled = 1;
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_update(NULL, radmin.id, 1, &in, &a, &e), -EINVAL);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_LAST_ADMIN);
    in = no_change();
    in.nroles = 0;
    cr_assert_eq(tu_account_update(NULL, radmin.id, 1, &in, &a, &e), -EINVAL, "removing the role");
    cr_assert_eq(e.msg, MSG_LAST_ADMIN);
    in.nroles = 1;
    in.roles[0].role = ROLE_ADMIN;
    in.roles[0].unit_id = P.id;
    cr_assert_eq(tu_account_update(NULL, radmin.id, 1, &in, &a, &e), -EINVAL, "moving the admin role down");
    cr_assert_eq(e.msg, MSG_LAST_ADMIN);
    /* Keeping the root admin role while adding another is fine. */
    in.nroles = 2;
    in.roles[1].role = ROLE_ADMIN;
    in.roles[1].unit_id = root.id;
    cr_assert_eq(tu_account_update(NULL, radmin.id, 1, &in, &a, &e), 0, "msg %s", msg_name(e.msg));
    cr_assert_eq(a.ngrants, 2);
    account_t now;
    cr_assert_eq(tu_account_get(radmin.id, &now), 0);
    cr_assert_not(now.disabled);
}

Test(account, a_second_root_admin_lifts_the_rule)
{
    account_t second;
    tu_make_staff("root.admin2", "Quản trị hai", root.id, ROLE_ADMIN, root.id, &second);
    account_input_t in = no_change();
    in.disabled = 1;
    account_t a;
    derr_t e = {0};
    cr_assert_eq(tu_account_update(NULL, radmin.id, 1, &in, &a, &e), 0);
    /* Now the second one is the last enabled one. */
    cr_assert_eq(tu_account_update(NULL, second.id, 1, &in, &a, &e), -EINVAL);
    cr_assert_eq(e.msg, MSG_LAST_ADMIN);
    /* A province admin is not a root admin and may be disabled freely. */
    account_t padm;
    tu_make_staff("lamdong.admin", "Quản trị tỉnh", P.id, ROLE_ADMIN, P.id, &padm);
    cr_assert_eq(tu_account_update(NULL, padm.id, 1, &in, &a, &e), 0);
}

/* ---- passwords ---- */

Test(account, set_password)
{
    long long now = clock_now_ms();
    cr_assert_eq(tu_execf("INSERT INTO sessions (token_hash, account_id, csrf, created_at, expires_at, last_seen) "
                          "VALUES ('keep', '%s', 'c', %lld, %lld, %lld), ('drop', '%s', 'c', %lld, %lld, %lld)",
                          desk.id, now, now + 3600000, now, desk.id, now, now + 3600000, now), 0);
    cr_assert_eq(tu_execf("UPDATE accounts SET failed_logins = 5, locked_until = %lld WHERE id = '%s'", now + 60000,
                          desk.id), 0);
    principal_t self = principal_of(&desk);
    derr_t e = {0};
    cr_assert_eq(tu_set_password(&self, desk.id, "$argon2id$new", "keep", &e), 0, "one may change one's own password");
    char h[64];
    cr_assert_eq(tu_text("SELECT password_hash FROM accounts WHERE id = $1", desk.id, h, sizeof h), 0);
    cr_assert_str_eq(h, "$argon2id$new");
    cr_assert_eq(tu_int("SELECT version FROM accounts WHERE id = $1", desk.id), 2);
    cr_assert_eq(tu_int("SELECT failed_logins + locked_until FROM accounts WHERE id = $1", desk.id), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = 'keep'", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE token_hash = 'drop'", NULL), 0);
    char payload[256];
    cr_assert_eq(tu_text("SELECT payload FROM events WHERE type = 'account.password_changed'", NULL, payload,
                         sizeof payload), 0);
    cr_assert_null(strstr(payload, "argon2"), "%s", payload);
    /* An administrator resetting it ends every session. */
    principal_t aa = principal_of(&aadmin);
    cr_assert_eq(tu_set_password(&aa, desk.id, "$argon2id$reset", NULL, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM sessions WHERE account_id = $1", desk.id), 0);
    /* Refusals. */
    principal_t l = principal_of(&leader), s = principal_of(&spec);
    cr_assert_eq(tu_set_password(&l, desk.id, "$x", NULL, &e), -EACCES, "a leader cannot reset passwords");
    cr_assert_eq(e.status, 403);
    cr_assert_eq(tu_set_password(&s, desk.id, "$x", NULL, &e), -ENOENT, "another commune's staff");
    cr_assert_eq(e.status, 404);
    cr_assert_eq(tu_set_password(NULL, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "$x", NULL, &e), -ENOENT);
    cr_assert_eq(tu_text("SELECT password_hash FROM accounts WHERE id = $1", desk.id, h, sizeof h), 0);
    cr_assert_str_eq(h, "$argon2id$reset");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'account.password_changed'", NULL), 2);
}

/* ---- list ---- */

struct alist {
    account_query_t q;
    int             n, rc;
    char            names[16][72];
};

static int alist_cb(const account_t *a, void *arg)
{
    struct alist *c = arg;
    if (c->n < 16) str_copy(c->names[c->n], sizeof c->names[0], a->username);
    c->n++;
    return 0;
}

static int alist_fn(db_t *db, void *arg)
{
    struct alist *c = arg;
    c->rc = account_list(db, &c->q, alist_cb, c);
    return c->rc < 0 ? c->rc : 0;
}

static struct alist run_list(account_query_t q)
{
    struct alist c = {.q = q};
    if (!c.q.limit) c.q.limit = 50;
    cr_assert_eq(store_read(tu_env.st, alist_fn, &c), 0, "account_list = %d", c.rc);
    cr_assert_eq(c.rc, c.n);
    return c;
}

Test(account, list_search_filter_and_cursor)
{
    struct alist c = run_list((account_query_t){.under_path = root.path});
    cr_assert_eq(c.n, 5);
    for (int i = 1; i < c.n; i++) cr_assert_lt(strcmp(c.names[i - 1], c.names[i]), 0, "ordered by username");
    c = run_list((account_query_t){.under_path = A.path});
    cr_assert_eq(c.n, 3, "desk (in D), leader and admin of A");
    c = run_list((account_query_t){.under_path = B.path});
    cr_assert_eq(c.n, 1);
    cr_assert_str_eq(c.names[0], "thuanan.specialist");
    c = run_list((account_query_t){.under_path = root.path, .q = "nguyen van"});
    cr_assert_eq(c.n, 1);
    cr_assert_str_eq(c.names[0], "cujut.desk");
    c = run_list((account_query_t){.under_path = root.path, .q = "TRẦN THỊ"});
    cr_assert_eq(c.n, 1);
    cr_assert_str_eq(c.names[0], "cujut.leader");
    c = run_list((account_query_t){.under_path = root.path, .q = "cujut"});
    cr_assert_eq(c.n, 3, "usernames match too");
    c = run_list((account_query_t){.under_path = root.path, .q = "_"});
    cr_assert_eq(c.n, 0, "_ is a literal");
    c = run_list((account_query_t){.under_path = root.path, .role = "admin"});
    cr_assert_eq(c.n, 2);
    c = run_list((account_query_t){.under_path = A.path, .role = "specialist"});
    cr_assert_eq(c.n, 0);
    c = run_list((account_query_t){.under_path = root.path, .limit = 2});
    cr_assert_eq(c.n, 2);
    struct alist next = run_list((account_query_t){.under_path = root.path, .after_username = c.names[1], .limit = 10});
    cr_assert_eq(next.n, 3);
    cr_assert_gt(strcmp(next.names[0], c.names[1]), 0);
}

/* ---- JSON ---- */

Test(account, json_form)
{
    account_t a;
    cr_assert_eq(tu_account_get(desk.id, &a), 0);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    account_json(&w, NULL, &a);
    cr_assert_eq(jw_finish(&w), 0);
    json_error_t err;
    json_t *j = json_loads(b.data, 0, &err);
    cr_assert_not_null(j, "%s", err.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), desk.id);
    cr_assert_str_eq(json_string_value(json_object_get(j, "username")), "cujut.desk");
    cr_assert_str_eq(json_string_value(json_object_get(j, "full_name")), "Nguyễn Văn An");
    cr_assert(json_is_null(json_object_get(j, "email")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "unit_id")), D.id);
    cr_assert(json_is_false(json_object_get(j, "disabled")));
    json_t *roles = json_object_get(j, "roles");
    cr_assert_eq(json_array_size(roles), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(roles, 0), "role")), "desk");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(roles, 0), "unit_id")), A.id);
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    cr_assert_null(json_object_get(j, "password_hash"));
    cr_assert_null(strstr(b.data, "argon2"));
    json_decref(j);
    buf_free(&b);
}

Test(account, ledger_stays_valid)
{
    account_input_t in = no_change();
    in.full_name = "Tên khác";
    account_t a;
    derr_t e;
    cr_assert_eq(tu_account_update(NULL, desk.id, 1, &in, &a, &e), 0);
    cr_assert_eq(tu_set_password(NULL, desk.id, "$x", NULL, &e), 0);
    ledger_report_t rep;
    cr_assert_eq(ledger_verify(tu_env.st, &rep), 0);
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, 7 + 5 + 2);
}
