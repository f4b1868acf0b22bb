/* test_unit.c — domain/unit.h, administrative units: the kind/parent rules of the two-tier tree, derived path and
 * province_id, validation of every field (name, slug, edi_code per Decision 20/2020, abbr, admin_code, merged_from)
 * reported in derr_t, uniqueness (409), get by id and slug, updates with optimistic versions (-ESTALE / 412),
 * scope checks with principals (404 outside, 403 without admin), listing with filters, cursor and Vietnamese
 * search, the JSON form, and the ledger events every change appends. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/mem.h"
#include "domain/ledger.h"
#include "domain/unit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unit_t root, prov, ca, cb, prov2, cc;

/* root vn / province lamdong (communes cujut, thuanan) / province langson (commune locbinh). */
static void units_setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &prov);
    tu_make_unit(prov.id, "commune", "Xã Cư Jút", "cujut", &ca);
    tu_make_unit(prov.id, "ward", "Phường Thuận An", "thuanan", &cb);
    tu_make_unit(root.id, "province", "Tỉnh Lạng Sơn", "langson", &prov2);
    tu_make_unit(prov2.id, "commune", "Xã Lộc Bình", "locbinh", &cc);
}

TestSuite(unit, .init = units_setup, .fini = tu_close);

static int create(const principal_t *actor, const char *parent, const char *kind, const char *name, unit_t *out,
                  derr_t *e)
{
    unit_input_t in = {.parent_id = parent, .kind = kind, .name = name, .active = 1};
    memset(e, 0, sizeof *e);
    return tu_unit_create(actor, &in, out, e);
}

/* ---- tree rules ---- */

Test(unit, created_units_have_path_province_and_version)
{
    cr_assert(id_valid(root.id));
    char want[AUTH_PATH_MAX + ID_LEN + 2];
    snprintf(want, sizeof want, "/%s/", root.id);
    cr_assert_str_eq(root.path, want);
    cr_assert_str_eq(root.parent_id, "");
    cr_assert_str_eq(root.province_id, "");
    snprintf(want, sizeof want, "/%s/%s/", root.id, prov.id);
    cr_assert_str_eq(prov.path, want);
    cr_assert_str_eq(prov.province_id, prov.id, "a province is its own province");
    cr_assert_str_eq(prov.parent_id, root.id);
    snprintf(want, sizeof want, "%s%s/", prov.path, ca.id);
    cr_assert_str_eq(ca.path, want);
    cr_assert_str_eq(ca.province_id, prov.id);
    cr_assert_str_eq(cb.kind, "ward");
    cr_assert_eq(ca.version, 1);
    cr_assert(ca.active);
    cr_assert_str_eq(ca.merged_from, "[]");
    cr_assert_eq(ca.created_at, ca.updated_at);
    unit_t dep;
    derr_t e;
    cr_assert_eq(create(NULL, ca.id, "department", "Văn phòng", &dep, &e), 0);
    cr_assert_str_eq(dep.province_id, prov.id);
    unit_t pdep;
    cr_assert_eq(create(NULL, prov.id, "department", "Sở Nội vụ", &pdep, &e), 0, "provinces have departments too");
    /* What was returned is what was stored. */
    unit_t got;
    cr_assert_eq(tu_unit_get(dep.id, &got), 0);
    cr_assert_str_eq(got.path, dep.path);
    cr_assert_str_eq(got.name, "Văn phòng");
    cr_assert_str_eq(got.kind, "department");
    cr_assert_eq(got.version, 1);
    cr_assert_eq(got.created_at, dep.created_at);
}

Test(unit, parent_kind_rules)
{
    static const struct { int parent; const char *kind; } bad[] = {
        {-1, "province"},     /* a province needs the national root */
        {-1, "commune"},
        {0, "national"},      /* one root only, no parent */
        {0, "commune"},       /* communes belong to provinces */
        {0, "department"},
        {1, "province"},
        {2, "commune"},
        {2, "province"},
    };
    unit_t dep, out;
    derr_t e;
    cr_assert_eq(create(NULL, ca.id, "department", "Phòng Kinh tế", &dep, &e), 0);
    const char *parents[] = {root.id, prov.id, ca.id};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *parent = bad[i].parent < 0 ? NULL : parents[bad[i].parent];
        int rc = create(NULL, parent, bad[i].kind, "Đơn vị thử", &out, &e);
        cr_assert_eq(rc, -EINVAL, "case %zu (%s) = %d", i, bad[i].kind, rc);
        cr_assert_eq(e.status, 422, "case %zu", i);
        cr_assert_eq(e.msg, MSG_UNIT_PARENT, "case %zu", i);
        cr_assert_str_eq(e.field, "parent_id");
        cr_assert_str_eq(e.arg[0], bad[i].kind);
    }
    cr_assert_eq(create(NULL, dep.id, "department", "Tổ con", &out, &e), -EINVAL, "no department under a department");
    cr_assert_str_eq(e.arg[1], "department");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units", NULL), 7, "nothing stored by refused creates");
}

Test(unit, unknown_parent)
{
    unit_t out;
    derr_t e;
    cr_assert_eq(create(NULL, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "commune", "Xã Ma", &out, &e), -ENOENT);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_UNIT_UNKNOWN);
    cr_assert_str_eq(e.field, "parent_id");
    cr_assert_str_eq(e.arg[0], "01ARZ3NDEKTSV4RRFFQ69G5FAV");
}

/* ---- validation ---- */

static void expect_invalid(const unit_input_t *in, const char *field, msg_id_t msg)
{
    unit_t out;
    derr_t e = {0};
    int rc = tu_unit_create(NULL, in, &out, &e);
    cr_assert_eq(rc, -EINVAL, "field %s: rc %d", field, rc);
    cr_assert_eq(e.status, 400, "field %s", field);
    cr_assert_str_eq(e.field, field);
    cr_assert_eq(e.msg, msg, "field %s: %s", field, msg_name(e.msg));
}

Test(unit, validation_of_kind_and_name)
{
    unit_input_t in = {.parent_id = prov.id, .kind = "district", .name = "Huyện cũ", .active = 1};
    expect_invalid(&in, "kind", MSG_FIELD_INVALID);
    in.kind = NULL;
    expect_invalid(&in, "kind", MSG_FIELD_INVALID);
    in.kind = "commune";
    in.name = NULL;
    expect_invalid(&in, "name", MSG_MISSING_FIELD);
    in.name = "X";
    expect_invalid(&in, "name", MSG_FIELD_LENGTH);
    in.name = "Đ";          /* one character, two bytes */
    expect_invalid(&in, "name", MSG_FIELD_LENGTH);
    in.name = "X\xFFY";
    expect_invalid(&in, "name", MSG_FIELD_LENGTH);
    char name[4 * 202];
    name[0] = '\0';
    for (int i = 0; i < 201; i++) memcpy(name + 3 * i, "ệ", 4);
    in.name = name;
    expect_invalid(&in, "name", MSG_FIELD_LENGTH);
    name[3 * 200] = '\0';       /* 200 characters, 600 bytes */
    unit_t out;
    derr_t e;
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), 0);
    cr_assert_str_eq(out.name, name);
    in.name = "Xã";
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), 0, "two characters is enough");
}

Test(unit, slug_validator)
{
    static const char *ok[] = {"ab", "cujut", "cu-jut.vp", "a1", "9x", "lamdong.ttpvhcc"};
    static const char *bad[] = {"", "a", "Ab", "-ab", "ab-", "a b", "a_b", "đa", "ab/", "ab%",
                                "a23456789012345678901234567890123456789012"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) cr_assert(unit_slug_valid(ok[i]), "%s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cr_assert_not(unit_slug_valid(bad[i]), "%s", bad[i]);
    char forty[41];
    memset(forty, 'a', 40);
    forty[40] = '\0';
    cr_assert(unit_slug_valid(forty));
    unit_input_t in = {.parent_id = prov.id, .kind = "commune", .name = "Xã Mới", .slug = "Bad Slug", .active = 1};
    expect_invalid(&in, "slug", MSG_FIELD_INVALID);
}

Test(unit, edi_code_validator)
{
    static const char *ok[] = {"000.00.06.H56", "000.00.00.H41", "G01.00.00.G12", "ABC.DE.FG.H12"};
    static const char *bad[] = {"", "000.00.06.h56", "000.00.06.156", "00.00.06.H56", "000.00.06.H567",
                                "000.00.06.H5", "000-00-06-H56", "000.00.06.H56 ", "000.000.6.H56", "000.00.06."};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) cr_assert(unit_edi_code_valid(ok[i]), "%s", ok[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cr_assert_not(unit_edi_code_valid(bad[i]), "%s", bad[i]);
    unit_input_t in = {.parent_id = prov.id, .kind = "commune", .name = "Xã Mới", .edi_code = "000.00.06.h56",
                       .active = 1};
    expect_invalid(&in, "edi_code", MSG_FIELD_INVALID);
}

Test(unit, abbr_and_admin_code)
{
    unit_input_t in = {.parent_id = prov.id, .kind = "commune", .name = "Xã Mới", .abbr = "ubnd", .active = 1};
    expect_invalid(&in, "abbr", MSG_FIELD_INVALID);
    in.abbr = "UBND VP";
    expect_invalid(&in, "abbr", MSG_FIELD_INVALID);
    in.abbr = "TTPVHCC-ĐB";
    in.admin_code = "1";
    expect_invalid(&in, "admin_code", MSG_FIELD_INVALID);
    in.admin_code = "123456";
    expect_invalid(&in, "admin_code", MSG_FIELD_INVALID);
    in.admin_code = "12a";
    expect_invalid(&in, "admin_code", MSG_FIELD_INVALID);
    in.admin_code = "24616";
    unit_t out;
    derr_t e;
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), 0, "field %s", e.field);
    cr_assert_str_eq(out.abbr, "TTPVHCC-ĐB");
    cr_assert_str_eq(out.admin_code, "24616");
    /* Empty optional strings mean "none". */
    unit_input_t in2 = {.parent_id = prov.id, .kind = "commune", .name = "Xã Khác", .slug = "", .abbr = "",
                        .admin_code = "", .edi_code = "", .active = 1};
    cr_assert_eq(tu_unit_create(NULL, &in2, &out, &e), 0, "field %s", e.field);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE id = $1 AND slug IS NULL AND edi_code IS NULL", out.id), 1);
}

Test(unit, merged_from_validation)
{
    static const char *bad[] = {
        "", "{}", "null", "[1]", "[\"xã A\"]", "[{}]", "[{\"code\":\"1\"}]", "[{\"name\":1}]",
        "[{\"name\":\"a\",\"extra\":\"b\"}]", "[{\"name\":\"a\",\"code\":2}]", "[{\"name\":\"a\",\"name\":\"b\"}]",
        "[{\"name\":\"a\"}", "[{\"name\":\"a\"}] x",
    };
    unit_input_t in = {.parent_id = prov.id, .kind = "commune", .name = "Xã Mới", .active = 1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        in.merged_from = bad[i];
        expect_invalid(&in, "merged_from", MSG_FIELD_INVALID);
    }
    /* At most 50 entries, names at most 200 characters. */
    buf_t b;
    buf_init(&b, 0);
    buf_putc(&b, '[');
    for (int i = 0; i < 51; i++) buf_printf(&b, "%s{\"name\":\"x%d\"}", i ? "," : "", i);
    buf_putc(&b, ']');
    in.merged_from = b.data;
    expect_invalid(&in, "merged_from", MSG_FIELD_INVALID);
    buf_reset(&b);
    buf_puts(&b, "[{\"name\":\"");
    for (int i = 0; i < 201; i++) buf_putc(&b, 'n');
    buf_puts(&b, "\"}]");
    in.merged_from = b.data;
    expect_invalid(&in, "merged_from", MSG_FIELD_INVALID);
    buf_free(&b);
    in.merged_from = "[{\"name\":\"xã Tâm Thắng\",\"code\":\"24631\"},{\"name\":\"thị trấn Ea T'ling\"}]";
    unit_t out;
    derr_t e;
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), 0, "field %s", e.field);
    cr_assert_str_eq(out.merged_from, in.merged_from);
    unit_t got;
    cr_assert_eq(tu_unit_get(out.id, &got), 0);
    cr_assert_str_eq(got.merged_from, in.merged_from);
}

Test(unit, duplicate_slug_and_edi_code)
{
    unit_input_t in = {.parent_id = prov2.id, .kind = "commune", .name = "Xã Trùng", .slug = "cujut", .active = 1};
    unit_t out;
    derr_t e = {0};
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), -EEXIST);
    cr_assert_eq(e.status, 409);
    cr_assert_eq(e.msg, MSG_ALREADY_EXISTS);
    cr_assert_str_eq(e.arg[0], "cujut");
    in.slug = "trung";
    in.edi_code = "000.00.01.H39";
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), 0);
    in.slug = "trung2";
    cr_assert_eq(tu_unit_create(NULL, &in, &out, &e), -EEXIST);
    cr_assert_eq(e.status, 409);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE name = 'Xã Trùng'", NULL), 1);
}

/* ---- reads ---- */

Test(unit, get_and_get_by_slug)
{
    unit_t u;
    cr_assert_eq(tu_unit_by_slug("cujut", &u), 0);
    cr_assert_str_eq(u.id, ca.id);
    cr_assert_str_eq(u.name, "Xã Cư Jút");
    cr_assert_eq(tu_unit_by_slug("nowhere", &u), -ENOENT);
    cr_assert_eq(tu_unit_get("01ARZ3NDEKTSV4RRFFQ69G5FAV", &u), -ENOENT);
    cr_assert_eq(tu_unit_get(prov2.id, &u), 0);
    cr_assert_str_eq(u.slug, "langson");
}

/* ---- events ---- */

Test(unit, create_and_update_append_events)
{
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'unit.created'", NULL), 6);
    char entity[64], payload[2048];
    snprintf(entity, sizeof entity, "unit:%s", ca.id);
    cr_assert_eq(tu_text("SELECT payload FROM events WHERE entity = $1", entity, payload, sizeof payload), 0);
    json_t *j = json_loads(payload, 0, NULL);
    cr_assert_not_null(j, "payload is JSON: %s", payload);
    cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "Xã Cư Jút");
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), ca.id);
    json_decref(j);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE entity = $1 AND unit_id = substr($1, 6) AND actor IS NULL",
                        entity), 1);
    unit_input_t up = {.name = "Xã Cư Jút mới", .active = -1};
    unit_t out;
    derr_t e;
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'unit.updated' AND entity = $1", entity), 1);
    ledger_report_t rep;
    cr_assert_eq(ledger_verify(tu_env.st, &rep), 0);
    cr_assert_eq(rep.broken, 0, "%s", rep.reason);
    cr_assert_eq(rep.events, 7);
}

Test(unit, actor_is_recorded)
{
    principal_t admin;
    tu_principal(&admin, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "staff");
    tu_grant(&admin, ROLE_ADMIN, prov.id, prov.path);
    unit_t out;
    derr_t e;
    cr_assert_eq(create(&admin, prov.id, "commune", "Xã Đắk Sắk", &out, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE entity = 'unit:' || $1 AND actor = '01ARZ3NDEKTSV4RRFFQ69G5FAV'",
                        out.id), 1);
}

/* ---- update ---- */

Test(unit, update_fields_and_version)
{
    unit_input_t up = {.name = "Xã Cư Jút (mới)", .slug = "cujut2", .abbr = "UBND", .admin_code = "24616",
                       .edi_code = "000.00.01.H41", .merged_from = "[{\"name\":\"xã Trúc Sơn\"}]", .active = -1};
    unit_t out;
    derr_t e = {0};
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), 0, "field %s", e.field);
    cr_assert_eq(out.version, 2);
    cr_assert_str_eq(out.name, "Xã Cư Jút (mới)");
    cr_assert_str_eq(out.slug, "cujut2");
    cr_assert_str_eq(out.edi_code, "000.00.01.H41");
    cr_assert_str_eq(out.merged_from, "[{\"name\":\"xã Trúc Sơn\"}]");
    cr_assert(out.active);
    cr_assert_str_eq(out.path, ca.path, "the path never changes");
    cr_assert_str_eq(out.kind, "commune");
    cr_assert_geq(out.updated_at, ca.updated_at);
    cr_assert_eq(out.created_at, ca.created_at);
    /* NULL fields are unchanged; "" clears an optional field; active 0 deactivates. */
    unit_input_t up2 = {.slug = "", .active = 0};
    cr_assert_eq(tu_unit_update(NULL, ca.id, 2, &up2, &out, &e), 0);
    cr_assert_eq(out.version, 3);
    cr_assert_str_eq(out.slug, "");
    cr_assert_str_eq(out.name, "Xã Cư Jút (mới)");
    cr_assert_str_eq(out.abbr, "UBND");
    cr_assert_not(out.active);
    unit_input_t up3 = {.active = 1};
    cr_assert_eq(tu_unit_update(NULL, ca.id, 3, &up3, &out, &e), 0);
    cr_assert(out.active);
    cr_assert_eq(out.version, 4);
}

Test(unit, update_with_stale_version)
{
    unit_input_t up = {.name = "Tên mới", .active = -1};
    unit_t out;
    derr_t e = {0};
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), 0);
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), -ESTALE);
    cr_assert_eq(e.status, 412);
    cr_assert_eq(e.msg, MSG_VERSION_MISMATCH);
    cr_assert_str_eq(e.arg[0], "2", "the current version is reported");
    cr_assert_eq(tu_unit_update(NULL, ca.id, 3, &up, &out, &e), -ESTALE);
    unit_t got;
    cr_assert_eq(tu_unit_get(ca.id, &got), 0);
    cr_assert_eq(got.version, 2);
}

Test(unit, update_validation_and_unknown)
{
    unit_input_t up = {.name = "X", .active = -1};
    unit_t out;
    derr_t e = {0};
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), -EINVAL);
    cr_assert_str_eq(e.field, "name");
    up.name = NULL;
    up.slug = "BAD";
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), -EINVAL);
    cr_assert_str_eq(e.field, "slug");
    up.slug = "langson";
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), -EEXIST, "slug taken by another unit");
    cr_assert_eq(e.status, 409);
    up.slug = NULL;
    cr_assert_eq(tu_unit_update(NULL, "01ARZ3NDEKTSV4RRFFQ69G5FAV", 1, &up, &out, &e), -ENOENT);
    cr_assert_eq(e.status, 404);
    unit_t got;
    cr_assert_eq(tu_unit_get(ca.id, &got), 0);
    cr_assert_eq(got.version, 1, "refused updates change nothing");
    cr_assert_str_eq(got.slug, "cujut");
}

/* ---- scope ---- */

Test(unit, scope_of_a_province_admin)
{
    principal_t admin;
    tu_principal(&admin, "ADMINLAMDONG", "staff");
    tu_grant(&admin, ROLE_ADMIN, prov.id, prov.path);
    unit_t out;
    derr_t e;
    /* Inside: create and update. */
    cr_assert_eq(create(&admin, prov.id, "commune", "Xã Nam Dong", &out, &e), 0);
    cr_assert_eq(create(&admin, ca.id, "department", "Văn phòng", &out, &e), 0);
    unit_input_t up = {.name = "Xã Cư Jút", .active = -1};
    cr_assert_eq(tu_unit_update(&admin, ca.id, 1, &up, &out, &e), 0);
    cr_assert_eq(tu_unit_update(&admin, prov.id, 1, &up, &out, &e), 0, "its own province");
    /* Another province: invisible, so "unknown" / "not found". */
    cr_assert_eq(create(&admin, prov2.id, "commune", "Xã Lạ", &out, &e), -ENOENT);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_UNIT_UNKNOWN);
    cr_assert_eq(tu_unit_update(&admin, cc.id, 1, &up, &out, &e), -ENOENT);
    cr_assert_eq(e.status, 404);
    /* The root: visible (an ancestor) but not administered. */
    cr_assert_eq(create(&admin, root.id, "province", "Tỉnh Mới", &out, &e), -EACCES);
    cr_assert_eq(e.status, 403);
    cr_assert_eq(tu_unit_update(&admin, root.id, 1, &up, &out, &e), -EACCES);
    cr_assert_eq(e.status, 403);
    /* No parent at all: only the system creates the root. */
    cr_assert_neq(create(&admin, NULL, "national", "Quốc gia 2", &out, &e), 0);
    unit_t got;
    cr_assert_eq(tu_unit_get(root.id, &got), 0);
    cr_assert_eq(got.version, 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM units WHERE kind = 'national'", NULL), 1);
}

Test(unit, non_admin_roles_cannot_write)
{
    principal_t leader;
    tu_principal(&leader, "LEADER", "staff");
    tu_grant(&leader, ROLE_LEADER, ca.id, ca.path);
    tu_grant(&leader, ROLE_OFFICIAL, prov.id, prov.path);
    unit_t out;
    derr_t e;
    cr_assert_eq(create(&leader, ca.id, "department", "Phòng Kinh tế", &out, &e), -EACCES);
    cr_assert_eq(e.status, 403);
    unit_input_t up = {.name = "Tên khác", .active = -1};
    cr_assert_eq(tu_unit_update(&leader, ca.id, 1, &up, &out, &e), -EACCES);
    principal_t commune_admin;
    tu_principal(&commune_admin, "CADMIN", "staff");
    tu_grant(&commune_admin, ROLE_ADMIN, ca.id, ca.path);
    cr_assert_eq(create(&commune_admin, ca.id, "department", "Phòng Kinh tế", &out, &e), 0);
    cr_assert_eq(tu_unit_update(&commune_admin, cb.id, 1, &up, &out, &e), -ENOENT, "a sibling commune is invisible");
    cr_assert_eq(tu_unit_update(&commune_admin, prov.id, 1, &up, &out, &e), -EACCES);
}

/* ---- list ---- */

struct list_ctx {
    unit_query_t q;
    int          n, stop_after, rc;
    char         ids[32][ID_LEN + 1];
    char         paths[32][AUTH_PATH_MAX];
};

static int collect(const unit_t *u, void *arg)
{
    struct list_ctx *c = arg;
    if (c->n < 32) {
        memcpy(c->ids[c->n], u->id, sizeof c->ids[0]);
        str_copy(c->paths[c->n], sizeof c->paths[0], u->path);
    }
    c->n++;
    return c->stop_after && c->n >= c->stop_after ? -1 : 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    c->rc = unit_list(db, &c->q, collect, c);
    return c->rc < 0 ? c->rc : 0;
}

static struct list_ctx *list(unit_query_t q)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->q = q;
    if (!c->q.limit) c->q.limit = 100;
    cr_assert_eq(store_read(tu_env.st, list_fn, c), 0, "unit_list = %d", c->rc);
    cr_assert_eq(c->rc, c->n < 32 ? c->n : c->rc);
    return c;
}

Test(unit, list_subtree_in_path_order)
{
    struct list_ctx *c = list((unit_query_t){.under_path = root.path});
    cr_assert_eq(c->n, 6);
    cr_assert_str_eq(c->ids[0], root.id);
    for (int i = 1; i < c->n; i++) cr_assert_lt(strcmp(c->paths[i - 1], c->paths[i]), 0, "not in path order");
    free(c);
    c = list((unit_query_t){.under_path = prov.path});
    cr_assert_eq(c->n, 3, "the province and its two communes");
    for (int i = 0; i < c->n; i++)
        cr_assert(!strcmp(c->ids[i], prov.id) || !strcmp(c->ids[i], ca.id) || !strcmp(c->ids[i], cb.id));
    free(c);
    c = list((unit_query_t){.under_path = cc.path});
    cr_assert_eq(c->n, 1);
    cr_assert_str_eq(c->ids[0], cc.id);
    free(c);
}

Test(unit, list_filters)
{
    struct list_ctx *c = list((unit_query_t){.under_path = root.path, .kind = "province"});
    cr_assert_eq(c->n, 2);
    free(c);
    c = list((unit_query_t){.under_path = root.path, .kind = "ward"});
    cr_assert_eq(c->n, 1);
    cr_assert_str_eq(c->ids[0], cb.id);
    free(c);
    c = list((unit_query_t){.under_path = root.path, .parent_id = prov.id});
    cr_assert_eq(c->n, 2);
    free(c);
    c = list((unit_query_t){.under_path = prov2.path, .parent_id = prov.id});
    cr_assert_eq(c->n, 0, "filters combine with the subtree");
    free(c);
}

Test(unit, list_pages_with_cursor_and_limit)
{
    struct list_ctx *all = list((unit_query_t){.under_path = root.path});
    char after[AUTH_PATH_MAX] = "";
    int seen = 0;
    for (int page = 0; page < 10; page++) {
        struct list_ctx *c = list((unit_query_t){.under_path = root.path, .after_path = after, .limit = 4});
        cr_assert_leq(c->n, 4);
        for (int i = 0; i < c->n; i++) cr_assert_str_eq(c->ids[i], all->ids[seen + i], "page %d row %d", page, i);
        seen += c->n;
        if (c->n < 4) {
            free(c);
            break;
        }
        str_copy(after, sizeof after, c->paths[c->n - 1]);
        free(c);
    }
    cr_assert_eq(seen, all->n);
    free(all);
}

Test(unit, list_callback_stops)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->q = (unit_query_t){.under_path = root.path, .limit = 100};
    c->stop_after = 2;
    cr_assert_eq(store_read(tu_env.st, list_fn, c), 0);
    cr_assert_eq(c->n, 2);
    cr_assert_eq(c->rc, 2);
    free(c);
}

static int search_count(const char *q)
{
    struct list_ctx *c = list((unit_query_t){.under_path = root.path, .q = q});
    int n = c->n;
    free(c);
    return n;
}

Test(unit, vietnamese_search)
{
    cr_assert_eq(search_count("dong"), 1, "lam dong");
    cr_assert_eq(search_count("Lâm Đồng"), 1);
    cr_assert_eq(search_count("LAM DONG"), 1);
    cr_assert_eq(search_count("CƯ JÚT"), 1);
    cr_assert_eq(search_count("cu jut"), 1);
    cr_assert_eq(search_count("xa"), 2, "Xã Cư Jút, Xã Lộc Bình");
    cr_assert_eq(search_count("son"), 1, "Lạng Sơn");
    cr_assert_eq(search_count("thuanan"), 1, "the slug matches too");
    cr_assert_eq(search_count("%"), 0, "% is a literal, not a wildcard");
    cr_assert_eq(search_count("_"), 0, "_ is a literal, not a wildcard");
    cr_assert_eq(search_count("hà nội"), 0);
    cr_assert_eq(search_count(""), 6, "an empty search lists everything");
    /* The fold follows renames. */
    unit_input_t up = {.name = "Xã Đắk Wil", .active = -1};
    unit_t out;
    derr_t e;
    cr_assert_eq(tu_unit_update(NULL, ca.id, 1, &up, &out, &e), 0);
    cr_assert_eq(search_count("cu jut"), 0);
    cr_assert_eq(search_count("dak wil"), 1);
}

/* ---- JSON ---- */

Test(unit, json_form)
{
    unit_t u;
    cr_assert_eq(tu_unit_get(ca.id, &u), 0);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    unit_json(&w, &u);
    cr_assert_eq(jw_finish(&w), 0);
    json_error_t err;
    json_t *j = json_loads(b.data, 0, &err);
    cr_assert_not_null(j, "%s: %s", err.text, b.data);
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), ca.id);
    cr_assert_str_eq(json_string_value(json_object_get(j, "parent_id")), prov.id);
    cr_assert_str_eq(json_string_value(json_object_get(j, "kind")), "commune");
    cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "Xã Cư Jút");
    cr_assert_str_eq(json_string_value(json_object_get(j, "slug")), "cujut");
    cr_assert(json_is_null(json_object_get(j, "admin_code")), "empty optional fields are null");
    cr_assert(json_is_null(json_object_get(j, "edi_code")));
    cr_assert(json_is_null(json_object_get(j, "abbr")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "province_id")), prov.id);
    cr_assert(json_is_array(json_object_get(j, "merged_from")));
    cr_assert(json_is_true(json_object_get(j, "active")));
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    cr_assert_eq(json_integer_value(json_object_get(j, "created_at")), u.created_at);
    cr_assert_null(json_object_get(j, "path"), "the internal path is not part of the JSON form");
    cr_assert_eq(json_object_size(j), 14);
    json_decref(j);
    /* The root has no parent. */
    buf_reset(&b);
    jw_init(&w, &b);
    unit_json(&w, &root);
    cr_assert_eq(jw_finish(&w), 0);
    cr_assert_not_null(strstr(b.data, "\"parent_id\":null"), "%s", b.data);
    buf_free(&b);
}
