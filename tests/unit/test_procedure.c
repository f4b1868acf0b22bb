/* test_procedure.c — domain/procedure.h: the shipped catalog loads, saves are events whose apply builds the rows
 * (a rebuild gives the same digest), versions and 412, a province adaptation leaves the national record alone and
 * procedure_get falls back to it, every validation rule refuses with its field, folded search (đ = d), rights per
 * scope, CSV/JSON import all or nothing with line numbers, export round trip, and the statutory work minutes. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/buf.h"
#include "core/mem.h"
#include "domain/event.h"
#include "domain/procedure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unit_t root, prov_a, prov_b, com_a, com_b;

static void setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &prov_a);
    tu_make_unit(root.id, "province", "Tỉnh Gia Lai", "gialai", &prov_b);
    tu_make_unit(prov_a.id, "commune", "Xã Cư Jút", "cujut", &com_a);
    tu_make_unit(prov_b.id, "commune", "Xã Ia Ly", "ialy", &com_b);
}

TestSuite(procedure, .init = setup, .fini = tu_close);

/* ---- synchronous wrappers (the write callbacks run on the writer thread) ---- */

struct save_ctx {
    const principal_t *actor;
    const char        *scope;
    const procedure_t *in;
    long long          expected;
    procedure_t       *out;
    procedure_saved_t  how;
    derr_t             err;
};

static int save_fn(db_t *db, void *arg)
{
    struct save_ctx *c = arg;
    return procedure_save(db, c->actor, c->scope, c->in, c->expected, c->out, &c->how, &c->err);
}

static int save(const principal_t *actor, const char *scope, const procedure_t *in, long long expected,
                procedure_t *out, procedure_saved_t *how, derr_t *err)
{
    struct save_ctx *c = xcalloc(1, sizeof *c);
    *c = (struct save_ctx){actor, scope, in, expected, out, 0, {0}};
    int rc = store_write(tu_env.st, save_fn, c);
    if (how) *how = c->how;
    if (err) *err = c->err;
    free(c);
    return rc;
}

struct active_ctx {
    const char *scope, *code;
    bool        active;
    long long   expected;
    derr_t      err;
};

static int active_fn(db_t *db, void *arg)
{
    struct active_ctx *c = arg;
    return procedure_set_active(db, NULL, c->scope, c->code, c->active, c->expected, NULL, &c->err);
}

static int set_active(const char *scope, const char *code, bool active, long long expected)
{
    struct active_ctx c = {scope, code, active, expected, {0}};
    return store_write(tu_env.st, active_fn, &c);
}

struct get_ctx {
    const char  *unit, *code;
    procedure_t *out;
};

static int get_fn(db_t *db, void *arg)
{
    struct get_ctx *c = arg;
    return procedure_get(db, c->unit, c->code, c->out);
}

static int get(const char *unit, const char *code, procedure_t *out)
{
    struct get_ctx c = {unit, code, out};
    return store_read(tu_env.st, get_fn, &c);
}

struct import_ctx {
    const principal_t         *actor;
    const char                *text;
    bool                       csv;
    procedure_import_report_t *rep;
};

static int import_fn(db_t *db, void *arg)
{
    struct import_ctx *c = arg;
    if (!c->text) return procedure_load_shipped(db, c->rep);
    return procedure_import(db, c->actor, "", c->text, strlen(c->text), c->csv, c->rep);
}

static int import(const char *text, bool csv, procedure_import_report_t *rep)
{
    struct import_ctx c = {NULL, text, csv, rep};
    return store_write(tu_env.st, import_fn, &c);
}

struct export_ctx {
    bool   csv;
    buf_t *out;
};

static int export_fn(db_t *db, void *arg)
{
    struct export_ctx *c = arg;
    return procedure_export(db, "", c->csv, c->out);
}

struct list_ctx {
    procedure_query_t q;
    char              codes[64][PROCEDURE_CODE_MAX];
    int               n;
    long long         total;
};

static int list_cb(const procedure_t *p, void *arg)
{
    struct list_ctx *c = arg;
    if (c->n < 64) str_copy(c->codes[c->n], sizeof c->codes[0], p->code);
    c->n++;
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    int rc = procedure_list(db, &c->q, list_cb, c);
    if (rc >= 0) rc = procedure_count(db, &c->q, &c->total);
    return rc;
}

static struct list_ctx *list(const char *q, const char *field, int online, const char *after, long long limit)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->q = (procedure_query_t){.scope = "", .q = q, .field = field, .online = online, .after_code = after,
                               .limit = limit};
    cr_assert_eq(store_read(tu_env.st, list_fn, c), 0);
    return c;
}

static int digest_now(char out[65]) { return event_digest(tu_env.st, out); }

/* A valid national record: 2 working days, default papers and steps. */
static procedure_t *sample(const char *code)
{
    procedure_t *p = xcalloc(1, sizeof *p);
    str_copy(p->code, sizeof p->code, code);
    str_copy(p->name, sizeof p->name, "Chứng thực di chúc");
    str_copy(p->field, sizeof p->field, "Chứng thực");
    str_copy(p->level, sizeof p->level, "commune");
    p->time_rule = DUE_DAYS;
    p->time_amount = 2;
    p->fee_amount = 50000;
    str_copy(p->fee_text, sizeof p->fee_text, "50.000 đồng/di chúc");
    p->online = ONLINE_PARTIAL;
    p->active = true;
    procedure_default_papers(p);
    procedure_default_steps(p);
    return p;
}

/* ---- tests ---- */

Test(procedure, shipped_catalog_loads_and_rebuilds_identically)
{
    procedure_import_report_t *rep = xcalloc(1, sizeof *rep);
    cr_assert_eq(import(NULL, true, rep), 0);
    cr_assert_eq(rep->created, 48, "created %d", rep->created);
    cr_assert_eq(rep->skipped, 20);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM procedures", NULL), 48);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'procedure.saved'", NULL), 48);
    procedure_t *p = xmalloc(sizeof *p);
    cr_assert_eq(get(NULL, "2.000815", p), 0);
    cr_assert_eq(p->time_rule, DUE_SAME_DAY);
    cr_assert_eq(p->n_papers, 2);
    cr_assert_eq(p->version, 1);
    cr_assert_eq(get(NULL, "1.000656", p), -ENOENT);   /* khai tử: no time in the source, skipped */
    /* loading again changes nothing and records nothing */
    cr_assert_eq(import(NULL, true, rep), 0);
    cr_assert_eq(rep->unchanged, 48);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'procedure.saved'", NULL), 48);
    char before[65], after[65];
    cr_assert_eq(digest_now(before), 0);
    event_rebuild_report_t rr;
    cr_assert_eq(event_rebuild(tu_env.st, &rr, NULL, NULL), 0);
    /* the 48 procedures, and the fixture's units and accounts (apply-based too) */
    cr_assert_eq(rr.applied, 48 + tu_int("SELECT COUNT(*) FROM events WHERE type LIKE 'unit.%' OR type LIKE 'account.%'",
                                         NULL));
    cr_assert_eq(digest_now(after), 0);
    cr_assert_str_eq(before, after);
    free(p);
    free(rep);
}

Test(procedure, save_versions_and_stale)
{
    procedure_t *p = sample("2.001019"), *out = xmalloc(sizeof *out);
    procedure_saved_t how;
    derr_t e;
    cr_assert_eq(save(NULL, "", p, 0, out, &how, &e), 0);
    cr_assert_eq(how, PROCEDURE_CREATED);
    cr_assert_eq(out->version, 1);
    cr_assert_eq(save(NULL, "", p, 0, out, &how, &e), -EEXIST);
    cr_assert_eq(e.status, 409);
    p->fee_amount = 60000;
    cr_assert_eq(save(NULL, "", p, 1, out, &how, &e), 0);
    cr_assert_eq(how, PROCEDURE_UPDATED);
    cr_assert_eq(out->version, 2);
    cr_assert_eq(out->fee_amount, 60000);
    cr_assert_gt(out->updated_at, 0);
    p->fee_amount = 70000;
    cr_assert_eq(save(NULL, "", p, 1, out, &how, &e), -ESTALE);
    cr_assert_eq(e.status, 412);
    cr_assert_str_eq(e.arg[0], "2");
    cr_assert_eq(get(NULL, "2.001019", out), 0);
    cr_assert_eq(out->fee_amount, 60000, "a stale save changed nothing");
    cr_assert_eq(save(NULL, "", p, 5, out, &how, &e), -ESTALE);
    procedure_t *q = sample("2.999999");
    cr_assert_eq(save(NULL, "", q, 3, out, &how, &e), -ENOENT);
    /* retire, then restore: versions move on; retired records leave the public list */
    cr_assert_eq(set_active("", "2.001019", false, 1), -ESTALE);
    cr_assert_eq(set_active("", "2.001019", false, 2), 0);
    cr_assert_eq(get(NULL, "2.001019", out), 0);
    cr_assert(!out->active);
    cr_assert_eq(out->version, 3);
    struct list_ctx *c = list(NULL, NULL, -1, NULL, 0);
    cr_assert_eq(c->n, 0);
    free(c);
    cr_assert_eq(set_active("", "2.001019", true, 3), 0);
    c = list(NULL, NULL, -1, NULL, 0);
    cr_assert_eq(c->n, 1);
    char before[65], after[65];
    cr_assert_eq(digest_now(before), 0);
    event_rebuild_report_t rr;
    cr_assert_eq(event_rebuild(tu_env.st, &rr, NULL, NULL), 0);
    cr_assert_eq(digest_now(after), 0);
    cr_assert_str_eq(before, after);
    free(c);
    free(p);
    free(q);
    free(out);
}

Test(procedure, adaptation_falls_back_to_national)
{
    procedure_t *p = sample("2.001019"), *out = xmalloc(sizeof *out);
    derr_t e;
    cr_assert_eq(save(NULL, prov_a.id, p, -1, out, NULL, &e), -EINVAL, "no national record yet");
    cr_assert_eq(e.status, 422);
    cr_assert_eq(save(NULL, "", p, -1, out, NULL, &e), 0);
    p->fee_amount = 40000;
    str_copy(p->fee_text, sizeof p->fee_text, "40.000 đồng/di chúc (Nghị quyết HĐND tỉnh)");
    cr_assert_eq(save(NULL, prov_a.id, p, 0, out, NULL, &e), 0);
    cr_assert_str_eq(out->scope, prov_a.id);
    cr_assert_eq(save(NULL, com_a.id, p, 0, out, NULL, &e), -EINVAL, "a commune cannot hold an adaptation");
    cr_assert_eq(e.status, 422);
    cr_assert_eq(get(com_a.id, "2.001019", out), 0);
    cr_assert_eq(out->fee_amount, 40000);
    cr_assert_eq(get(prov_a.id, "2.001019", out), 0);
    cr_assert_eq(out->fee_amount, 40000);
    cr_assert_eq(get(com_b.id, "2.001019", out), 0);
    cr_assert_eq(out->fee_amount, 50000);
    cr_assert_eq(get(NULL, "2.001019", out), 0);
    cr_assert_eq(out->fee_amount, 50000, "the national record is untouched");
    cr_assert_eq(out->version, 1);
    cr_assert_eq(set_active(prov_a.id, "2.001019", false, 1), 0);
    cr_assert_eq(get(com_a.id, "2.001019", out), 0);
    cr_assert_eq(out->fee_amount, 50000, "a retired adaptation falls back to the national record");
    cr_assert_eq(get(com_a.id, "9.999999", out), -ENOENT);
    free(p);
    free(out);
}

Test(procedure, rights_per_scope)
{
    procedure_t *p = sample("2.001019"), *out = xmalloc(sizeof *out);
    derr_t e;
    principal_t nat, pa, ca, desk;
    tu_principal(&nat, "acc-national", "staff");
    tu_grant(&nat, ROLE_ADMIN, root.id, root.path);
    tu_principal(&pa, "acc-prov-a", "staff");
    tu_grant(&pa, ROLE_ADMIN, prov_a.id, prov_a.path);
    tu_principal(&ca, "acc-com-a", "staff");
    tu_grant(&ca, ROLE_ADMIN, com_a.id, com_a.path);
    tu_principal(&desk, "acc-desk", "staff");
    tu_grant(&desk, ROLE_DESK, com_a.id, com_a.path);
    cr_assert_eq(save(&pa, "", p, -1, out, NULL, &e), -EACCES);
    cr_assert_eq(save(&ca, "", p, -1, out, NULL, &e), -EACCES);
    cr_assert_eq(save(&nat, "", p, -1, out, NULL, &e), 0);
    p->fee_amount = 1;
    cr_assert_eq(save(&pa, prov_a.id, p, -1, out, NULL, &e), 0);
    cr_assert_eq(save(&pa, prov_b.id, p, -1, out, NULL, &e), -ENOENT, "another province is invisible");
    cr_assert_eq(e.status, 404);
    cr_assert_eq(save(&ca, prov_a.id, p, -1, out, NULL, &e), -EACCES, "a commune admin sees its province");
    cr_assert_eq(save(&desk, prov_a.id, p, -1, out, NULL, &e), -EACCES);
    cr_assert_eq(save(&nat, prov_b.id, p, -1, out, NULL, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM procedures", NULL), 3);
    free(p);
    free(out);
}

static int reject(const char *json, const char *field, int status)
{
    json_error_t jerr;
    json_t *o = json_loads(json, 0, &jerr);
    cr_assert(o, "test JSON: %s", jerr.text);
    procedure_t *p = xmalloc(sizeof *p);
    derr_t e;
    memset(&e, 0, sizeof e);
    int rc = procedure_from_json(o, false, p, &e);
    json_decref(o);
    free(p);
    cr_assert_lt(rc, 0, "accepted: %s", json);
    cr_assert_str_eq(e.field, field, "%s: field %s", json, e.field);
    cr_assert_eq(e.status, status, "%s: status %d", json, e.status);
    return rc;
}

#define BASE "\"code\":\"2.001019\",\"name\":\"Chứng thực di chúc\",\"field\":\"Chứng thực\""

Test(procedure, validation_names_the_field)
{
    json_error_t jerr;
    json_t *o = json_loads("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2}}", 0, &jerr);
    procedure_t *p = xmalloc(sizeof *p);
    derr_t e;
    cr_assert_eq(procedure_from_json(o, false, p, &e), 0);
    cr_assert_eq(p->n_steps, 4);
    cr_assert_eq(p->n_papers, 1);
    json_decref(o);
    free(p);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"colour\":1}", "colour", 400);
    reject("{\"code\":\"1 001\",\"name\":\"x\",\"field\":\"y\",\"time\":{\"rule\":\"days\",\"amount\":2}}", "code", 400);
    reject("{\"code\":\".1\",\"name\":\"x\",\"field\":\"y\",\"time\":{\"rule\":\"days\",\"amount\":2}}", "code", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"weeks\",\"amount\":2}}", "time.rule", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"same_day\",\"amount\":2}}", "time.amount", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":0}}", "time.amount", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\"}}", "time.amount", 400);
    reject("{" BASE "}", "time", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"fee\":{\"amount\":-5}}", "fee.amount", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"fee\":{\"amount\":\"5\"}}", "fee.amount", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"online_level\":\"yes\"}", "online_level", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"papers\":[]}", "papers", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"papers\":[{\"id\":\"a\",\"name\":\"A\"},"
           "{\"id\":\"a\",\"name\":\"B\"}]}", "papers[1].id", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"papers\":[{\"id\":\"a\",\"name\":\"A\","
           "\"form\":\"fax\"}]}", "papers[0].form", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"steps\":[{\"name\":\"A\",\"role\":\"desk\","
           "\"budget_days\":1.5},{\"name\":\"B\",\"role\":\"leader\",\"budget_days\":0.75}]}", "steps", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"steps\":[{\"name\":\"A\",\"role\":\"pilot\","
           "\"budget_days\":1}]}", "steps[0].role", 400);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"steps\":[{\"name\":\"A\",\"role\":\"desk\","
           "\"budget_days\":0}]}", "steps[0].budget_days", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"steps\":[{\"name\":\"A\",\"role\":\"desk\","
           "\"budget_days\":1,\"inter_agency\":true}]}", "steps[0].other_level", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"steps\":[{\"name\":\"A\",\"role\":\"desk\","
           "\"budget_days\":1,\"counted\":false}]}", "steps", 422);
    reject("{" BASE ",\"time\":{\"rule\":\"hours\",\"amount\":4},\"steps\":[{\"name\":\"A\",\"role\":\"desk\","
           "\"budget_days\":0.75}]}", "steps", 422);
    /* 33 papers, 17 steps */
    buf_t b;
    buf_init(&b, 0);
    buf_puts(&b, "{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"papers\":[");
    for (int i = 0; i < 33; i++) buf_printf(&b, "%s{\"id\":\"p%d\",\"name\":\"P\"}", i ? "," : "", i);
    buf_puts(&b, "]}");
    reject(b.data, "papers", 422);
    buf_reset(&b);
    buf_puts(&b, "{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":20},\"steps\":[");
    for (int i = 0; i < 17; i++) buf_printf(&b, "%s{\"name\":\"S\",\"role\":\"desk\",\"budget_days\":1}", i ? "," : "");
    buf_puts(&b, "]}");
    reject(b.data, "steps", 422);
    buf_free(&b);
}

Test(procedure, folded_search_filters_and_pages)
{
    procedure_import_report_t *rep = xcalloc(1, sizeof *rep);
    cr_assert_eq(import(NULL, true, rep), 0);
    free(rep);
    struct list_ctx *c = list("chung thuc", NULL, -1, NULL, 0);
    cr_assert_eq(c->n, 12, "chung thuc: %d", c->n);
    cr_assert_eq(c->total, 12);
    free(c);
    c = list("CHỨNG THỰC", NULL, -1, NULL, 0);
    cr_assert_eq(c->n, 12);
    free(c);
    c = list("dang ky", NULL, -1, NULL, 0);
    long long n_dk = c->n;
    cr_assert_geq(n_dk, 5);
    free(c);
    c = list("đăng ký", NULL, -1, NULL, 0);
    cr_assert_eq(c->n, n_dk, "d = đ");
    free(c);
    c = list("1.0011", NULL, -1, NULL, 0);
    cr_assert_eq(c->n, 1);
    cr_assert_str_eq(c->codes[0], "1.001193");
    free(c);
    c = list(NULL, "ho tich", -1, NULL, 0);
    cr_assert_eq(c->n, 9, "Hộ tịch rows with a time: %d", c->n);
    free(c);
    c = list(NULL, NULL, ONLINE_FULL, NULL, 0);
    cr_assert_eq(c->n, 8);
    free(c);
    c = list("zzzz-nothing", NULL, -1, NULL, 0);
    cr_assert_eq(c->n, 0);
    cr_assert_eq(c->total, 0);
    free(c);
    /* pages of 10 in code order cover all 48 once */
    char after[PROCEDURE_CODE_MAX] = "";
    int seen = 0;
    for (int page = 0; page < 10; page++) {
        c = list(NULL, NULL, -1, after, 10);
        cr_assert_eq(c->total, 48);
        for (int i = 1; i < c->n; i++) cr_assert_lt(strcmp(c->codes[i - 1], c->codes[i]), 0);
        seen += c->n;
        if (c->n) str_copy(after, sizeof after, c->codes[c->n - 1]);
        int n = c->n;
        free(c);
        if (n < 10) break;
    }
    cr_assert_eq(seen, 48);
}

Test(procedure, import_is_all_or_nothing_and_export_round_trips)
{
    procedure_import_report_t *rep = xcalloc(1, sizeof *rep);
    const char *bad = "code,name,field,time_rule,time_amount,fee_text\n"
                      "2.000001,Thủ tục một,Chứng thực,days,2,Không\n"
                      "\"2.000002\",\"Thủ tục, hai\",Chứng thực,same_day,,\n"
                      "2.000003,Thủ tục ba,Chứng thực,days,abc,\n"
                      "2.000004,Thủ tục bốn,Chứng thực,,,\n"
                      "2.000001,Thủ tục lặp,Chứng thực,days,2,\n";
    cr_assert_eq(import(bad, true, rep), -EINVAL);
    cr_assert_eq(rep->n_errors, 2);
    cr_assert_eq(rep->errors[0].line, 4);
    cr_assert_str_eq(rep->errors[0].err.field, "time.amount");
    cr_assert_eq(rep->errors[1].line, 6);
    cr_assert_str_eq(rep->errors[1].err.field, "code");
    cr_assert_eq(rep->skipped, 1);
    cr_assert_eq(rep->skipped_lines[0], 5);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM procedures", NULL), 0, "nothing saved");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type LIKE 'procedure.%'", NULL), 0);
    cr_assert_eq(import("code,name,colour\n", true, rep), -EINVAL);
    cr_assert_str_eq(rep->errors[0].err.field, "colour");
    cr_assert_eq(import("code,name,field,time_rule\n\"2.1,x\n", true, rep), -EINVAL);
    cr_assert_eq(import("[{\"code\":\"2.000001\"}]", false, rep), -EINVAL);
    cr_assert_eq(rep->errors[0].line, 1);
    cr_assert_eq(import("{}", false, rep), -EINVAL);

    cr_assert_eq(import(NULL, true, rep), 0);
    for (int fmt = 0; fmt < 2; fmt++) {
        buf_t out;
        buf_init(&out, 0);
        struct export_ctx ec = {fmt == 1, &out};
        cr_assert_eq(store_read(tu_env.st, export_fn, &ec), 0);
        buf_putc(&out, '\0');
        cr_assert_eq(import(out.data, fmt == 1, rep), 0, "%s re-import: %d errors (%s line %d)",
                     fmt ? "csv" : "json", rep->n_errors, rep->n_errors ? rep->errors[0].err.field : "",
                     rep->n_errors ? rep->errors[0].line : 0);
        cr_assert_eq(rep->unchanged, 48, "%s round trip: %d unchanged, %d updated", fmt ? "csv" : "json",
                     rep->unchanged, rep->updated);
        buf_free(&out);
    }
    free(rep);
}

Test(procedure, work_minutes_and_json)
{
    calendar_t *cal;
    cr_assert_eq(calendar_open(&cal, NULL, NULL), 0);
    procedure_t *p = sample("2.001019");
    long work = -1;
    cr_assert_eq(procedure_work_minutes(p, cal, &work), 0);
    cr_assert_eq(work, 960);
    p->time_rule = DUE_HOURS;
    p->time_amount = 12;
    cr_assert_eq(procedure_work_minutes(p, cal, &work), 0);
    cr_assert_eq(work, 720);
    p->time_rule = DUE_SAME_DAY;
    p->time_amount = 0;
    cr_assert_eq(procedure_work_minutes(p, cal, &work), 0);
    cr_assert_eq(work, 0);
    calendar_close(cal);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    procedure_json(&w, p);
    cr_assert_eq(jw_finish(&w), 0);
    buf_putc(&b, '\0');
    cr_assert(strstr(b.data, "\"time\":{\"rule\":\"same_day\",\"amount\":0"), "%s", b.data);
    cr_assert(strstr(b.data, "\"online_level\":\"partial\""));
    cr_assert(strstr(b.data, "\"papers\":[{\"id\":\"don-de-nghi\""));
    /* default template: 2 days → desk 0.125 (0.2 rounded down to the hour), specialist 1.125, leader 0.375 */
    procedure_t *q = sample("2.001019");
    cr_assert_eq(q->steps[0].budget_days, 0.125);
    cr_assert_eq(q->steps[1].budget_days, 1.125);
    cr_assert_eq(q->steps[2].budget_days, 0.375);
    cr_assert(!q->steps[3].counted);
    buf_free(&b);
    free(p);
    free(q);
}

Test(procedure, csv_reading_and_check)
{
    procedure_import_report_t *rep = xcalloc(1, sizeof *rep);
    /* a byte-order mark, CRLF line ends, a quoted cell with a comma, a doubled quote and a line break */
    const char *csv = "\xEF\xBB\xBF" "code,name,field,time_rule,time_amount\r\n"
                      "2.000001,\"Tên \"\"một\"\", có dấu phẩy\nvà xuống dòng\",Chứng thực,days,2\r\n"
                      "\r\n"
                      "2.000002,Hai,Chứng thực,hours,12\r\n";
    cr_assert_eq(procedure_import_check(csv, strlen(csv), true, rep), 2);
    cr_assert_eq(rep->n_errors, 0);
    cr_assert_eq(procedure_import_check("code,name,field,time_rule\n2.1,\"x\"y,z,days\n", 41, true, rep), -EINVAL);
    cr_assert_eq(rep->errors[0].line, 2);
    cr_assert_eq(procedure_import_check("", 0, true, rep), -EINVAL);
    cr_assert_eq(procedure_import_check("[]", 2, false, rep), -EINVAL);
    cr_assert_eq(rep->errors[0].err.msg, MSG_PROC_IMPORT_EMPTY);
    cr_assert_eq(import(csv, true, rep), 0);
    procedure_t *p = xmalloc(sizeof *p);
    cr_assert_eq(get(NULL, "2.000001", p), 0);
    cr_assert_str_eq(p->name, "Tên \"một\", có dấu phẩy\nvà xuống dòng");
    cr_assert_eq(get(NULL, "2.000002", p), 0);
    cr_assert_eq(p->time_rule, DUE_HOURS);
    cr_assert_eq(p->steps[1].budget_days, 0.875, "60 %% of 1.5 days, rounded down to the hour");
    free(p);
    free(rep);
}

/* An apply function refuses a payload it cannot build a row from (the transaction then rolls back). */
Test(procedure, apply_refuses_a_malformed_payload)
{
    event_apply_fn saved = event_find(PROCEDURE_EVENT_SAVED), retired = event_find(PROCEDURE_EVENT_RETIRED);
    cr_assert(saved && retired);
    event_meta_t m = {.node = "n", .seq = 1, .at = 1, .type = PROCEDURE_EVENT_SAVED, .entity = "procedure:x"};
    json_error_t jerr;
    json_t *bad = json_loads("{\"scope\":\"\",\"version\":1,\"at\":1,\"record\":{\"code\":\"x\"}}", 0, &jerr);
    json_t *noat = json_loads("{\"scope\":\"\",\"version\":1}", 0, &jerr);
    db_t *db = NULL;   /* never reached: each payload is refused before any SQL */
    cr_assert_lt(saved(db, &m, bad), 0);
    cr_assert_lt(saved(db, &m, noat), 0);
    json_t *half = json_loads("{\"scope\":\"\",\"code\":\"9.9\",\"version\":2,\"at\":1}", 0, &jerr);
    cr_assert_lt(retired(db, &m, half), 0, "no active member");
    json_decref(half);
    json_decref(bad);
    json_decref(noat);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM procedures", NULL), 0);
}

/* signed results: the seal flag (the result bears the agency's seal) in the API form, the CSV and the export. */
Test(procedure, seal_flag_round_trip)
{
    json_error_t jerr;
    json_t *o = json_loads("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"seal\":true}", 0, &jerr);
    procedure_t *p = xmalloc(sizeof *p);
    derr_t e;
    cr_assert_eq(procedure_from_json(o, false, p, &e), 0);
    json_decref(o);
    cr_assert(p->seal);
    buf_t b;
    buf_init(&b, 0);
    jw_t w;
    jw_init(&w, &b);
    procedure_json(&w, p);
    cr_assert_eq(jw_finish(&w), 0);
    cr_assert(strstr(b.data, "\"seal\":true"));
    buf_free(&b);
    o = json_loads("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2}}", 0, &jerr);
    cr_assert_eq(procedure_from_json(o, false, p, &e), 0);
    json_decref(o);
    cr_assert(!p->seal, "no seal unless asked");
    free(p);
    reject("{" BASE ",\"time\":{\"rule\":\"days\",\"amount\":2},\"seal\":\"yes\"}", "seal", 400);
    procedure_import_report_t *rep = xcalloc(1, sizeof *rep);
    const char *csv = "code,name,field,time_rule,time_amount,seal\n2.000001,Một,Hộ tịch,days,2,yes\n"
                      "2.000002,Hai,Hộ tịch,days,2,\n";
    cr_assert_eq(procedure_import_check(csv, strlen(csv), true, rep), 2);
    const char *bad = "code,name,field,time_rule,time_amount,seal\n2.000001,Một,Hộ tịch,days,2,có\n";
    cr_assert_eq(procedure_import_check(bad, strlen(bad), true, rep), -EINVAL);
    cr_assert_str_eq(rep->errors[0].err.field, "seal");
    cr_assert_eq(import(csv, true, rep), 0);
    p = xmalloc(sizeof *p);
    cr_assert_eq(get(NULL, "2.000001", p), 0);
    cr_assert(p->seal);
    cr_assert_eq(get(NULL, "2.000002", p), 0);
    cr_assert(!p->seal);
    free(p);
    buf_t out;
    buf_init(&out, 0);
    struct export_ctx x = {true, &out};
    cr_assert_eq(store_read(tu_env.st, export_fn, &x), 0);
    cr_assert(strstr(out.data, ",seal\r\n") || strstr(out.data, ",seal\n"), "the export has the column");
    cr_assert(strstr(out.data, ",yes\r\n") || strstr(out.data, ",yes\n"), "2.000001 exported with its seal");
    buf_free(&out);
    free(rep);
}
