/* test_dossier.c — domain/dossier.h: the validators of intake (citizen identity number, tax code, phone), the
 * dossier code, the action names; and, on a real store, intake (codes gap-free per agency and day, missing papers,
 * idempotency), the state machine (role, state, version, once-only rules) and the legal clock on pause and
 * extension, with `rebuild` giving the same projections; an intake prepared before its procedure changed is built
 * from the procedure current at its commit. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "core/clock.h"
#include "domain/calendar.h"
#include "domain/dossier.h"

#include <string.h>

Test(dossier_validate, citizen_id_structure)
{
    int y = 0;
    cr_assert(dossier_citizen_id_valid("068095001234", &y));        /* Lâm Đồng, male, 20th century */
    cr_assert_eq(y, 1995);
    cr_assert(dossier_citizen_id_valid("001305123456", &y));        /* Hà Nội, female, 21st century */
    cr_assert_eq(y, 2005);
    cr_assert(dossier_citizen_id_valid("096199000001", &y));        /* Cà Mau, the last province code */
    cr_assert_eq(y, 1999);
    cr_assert_not(dossier_citizen_id_valid("000095001234", NULL));  /* province 000 */
    cr_assert_not(dossier_citizen_id_valid("097095001234", NULL));  /* province 097 does not exist */
    cr_assert_not(dossier_citizen_id_valid("06809500123", NULL));   /* 11 digits */
    cr_assert_not(dossier_citizen_id_valid("0680950012345", NULL)); /* 13 digits */
    cr_assert_not(dossier_citizen_id_valid("06809500123a", NULL));
    cr_assert_not(dossier_citizen_id_valid("", NULL));
    cr_assert_not(dossier_citizen_id_valid(NULL, NULL));
}

Test(dossier_validate, tax_code_checksum)
{
    cr_assert(dossier_tax_code_valid("0100109106"));       /* check digit 6 */
    cr_assert(dossier_tax_code_valid("0300588569"));
    cr_assert(dossier_tax_code_valid("0101243150"));       /* 10 - sum mod 11 = 0 */
    cr_assert(dossier_tax_code_valid("0100109106-001"));   /* a branch */
    cr_assert_not(dossier_tax_code_valid("0100109107"));   /* wrong check digit */
    cr_assert_not(dossier_tax_code_valid("0312345678"));
    cr_assert_not(dossier_tax_code_valid("0100109106-000"));
    cr_assert_not(dossier_tax_code_valid("0100109106-01"));
    cr_assert_not(dossier_tax_code_valid("0100109106_001"));
    cr_assert_not(dossier_tax_code_valid("010010910"));
    cr_assert_not(dossier_tax_code_valid(NULL));
}

Test(dossier_validate, phone_normalised)
{
    char out[16];
    cr_assert_eq(dossier_phone_normalize("0912345678", out, sizeof out), 0);
    cr_assert_str_eq(out, "0912345678");
    cr_assert_eq(dossier_phone_normalize("+84 912 345 678", out, sizeof out), 0);
    cr_assert_str_eq(out, "0912345678");
    cr_assert_eq(dossier_phone_normalize("84-386.123.456", out, sizeof out), 0);
    cr_assert_str_eq(out, "0386123456");
    cr_assert_eq(dossier_phone_normalize("0263 3822 123", out, sizeof out), 0);   /* Lâm Đồng landline */
    cr_assert_str_eq(out, "02633822123");
    cr_assert_eq(dossier_phone_normalize("+84 263 3822 123", out, sizeof out), 0);
    cr_assert_str_eq(out, "02633822123");
    static const char *const bad[] = {"0123456789", "0612345678", "0412345678", "091234567", "09123456789",
                                      "+1 912 345 678", "0912a45678", "", "0263382212", "+840912345678x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(dossier_phone_normalize(bad[i], out, sizeof out), -EINVAL, "%s", bad[i]);
}

Test(dossier_validate, code_format_uses_vietnam_date)
{
    char code[DOSSIER_CODE_MAX];
    /* 2023-10-27 16:59 UTC is 23:59 in Vietnam, still the 27th; 17:00 UTC is the 28th. */
    long long ms = 1698425940000LL;
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 361, code, sizeof code), 0);
    cr_assert_str_eq(code, "000.00.06.H56-231027-0361");
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms + 60000, 1, code, sizeof code), 0);
    cr_assert_str_eq(code, "000.00.06.H56-231028-0001");
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 12345, code, sizeof code), 0);
    cr_assert_str_eq(code, "000.00.06.H56-231027-12345");          /* at least 4 digits, more when needed */
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 0, code, sizeof code), -EINVAL);
    char tiny[8];
    cr_assert_eq(dossier_code_format("000.00.06.H56", ms, 1, tiny, sizeof tiny), -E2BIG);
}

Test(dossier_validate, names)
{
    dossier_action_t a;
    cr_assert_eq(dossier_action_parse("request_supplement", &a), 0);
    cr_assert_eq(a, DA_REQUEST_SUPPLEMENT);
    cr_assert_str_eq(dossier_action_name(a), "request_supplement");
    cr_assert_eq(dossier_action_parse("Accept", &a), -EINVAL);
    cr_assert_eq(dossier_action_parse(NULL, &a), -EINVAL);
    for (int i = 0; i < DA__COUNT; i++) {
        cr_assert_eq(dossier_action_parse(dossier_action_name((dossier_action_t)i), &a), 0);
        cr_assert_eq((int)a, i);
    }
    cr_assert_str_eq(dossier_status_name(1, LANG_EN), "New (online, not yet accepted)");
    cr_assert_str_eq(dossier_status_name(10, LANG_VI), "Đã trả kết quả");
    cr_assert_str_eq(dossier_status_name(11, LANG_VI), "");
}

/* ---- on a store: intake, actions and the clock ---- */

#include "core/mem.h"
#include "domain/event.h"

#include <stdlib.h>

static unit_t root, prov, com_a, com_b;
static account_t a_desk, a_spec, a_lead, b_desk, p_off;
static principal_t desk, spec, lead, other_desk, official;
static calendar_t *cal;

static void make_unit(const char *parent, const char *kind, const char *name, const char *slug, const char *edi,
                      unit_t *out)
{
    derr_t e = {0};
    unit_input_t in = {.parent_id = parent, .kind = kind, .name = name, .slug = slug, .edi_code = edi, .active = 1};
    int rc = tu_unit_create(NULL, &in, out, &e);
    cr_assert_eq(rc, 0, "fixture: unit %s = %d (%s)", slug, rc, e.field);
}

static struct procedure_save_ctx {
    procedure_t p, out;
    derr_t      err;
} *psave;

static int psave_fn(db_t *db, void *arg)
{
    struct procedure_save_ctx *c = arg;
    return procedure_save(db, NULL, "", &c->p, -1, &c->out, NULL, &c->err);
}

/* The online level save_procedure gives (a test sets another one around its own save). */
static online_level_t fixture_online = ONLINE_FULL;
/* The unit a citizen's intake names in receive(): NULL = commune A. */
static const char *citizen_unit;

/* A procedure of 5 working days: desk 0.5, specialist 2, an inter-agency step at the province 1, leader 0.5, and
 * the return (not counted); paper "don" mandatory, "anh" optional. */
static void save_procedure(const char *code, supplement_rule_t rule, bool inter_agency)
{
    psave = xcalloc(1, sizeof *psave);
    procedure_t *p = &psave->p;
    str_copy(p->code, sizeof p->code, code);
    str_copy(p->name, sizeof p->name, "Thủ tục thử nghiệm");
    str_copy(p->field, sizeof p->field, "Hộ tịch");
    str_copy(p->level, sizeof p->level, "commune");
    p->time_rule = DUE_DAYS;
    p->time_amount = 5;
    p->fee_amount = 0;
    str_copy(p->fee_text, sizeof p->fee_text, "Không");
    p->online = fixture_online;
    p->supplement = rule;
    str_copy(p->source, sizeof p->source, "test");
    p->active = true;
    p->n_papers = 2;
    str_copy(p->papers[0].id, sizeof p->papers[0].id, "don");
    str_copy(p->papers[0].name, sizeof p->papers[0].name, "Đơn đề nghị");
    p->papers[0].mandatory = true;
    str_copy(p->papers[0].form, sizeof p->papers[0].form, "original");
    p->papers[0].copies = 1;
    str_copy(p->papers[1].id, sizeof p->papers[1].id, "anh");
    str_copy(p->papers[1].name, sizeof p->papers[1].name, "Ảnh 4x6");
    str_copy(p->papers[1].form, sizeof p->papers[1].form, "original");
    p->papers[1].copies = 1;
    static const struct { const char *name, *role; double days; bool inter, counted; } st[] = {
        {"Tiếp nhận", "desk", 0.5, false, true}, {"Thẩm định", "specialist", 2, false, true},
        {"Liên thông tỉnh", "specialist", 1, true, true}, {"Phê duyệt", "leader", 0.5, false, true},
        {"Trả kết quả", "desk", 0.125, false, false}};
    int k = 0;
    for (int i = 0; i < 5; i++) {
        if (st[i].inter && !inter_agency) continue;
        procedure_step_t *s = &p->steps[k++];
        str_copy(s->name, sizeof s->name, st[i].name);
        str_copy(s->role, sizeof s->role, st[i].role);
        s->budget_days = st[i].days;
        s->inter_agency = st[i].inter;
        if (st[i].inter) str_copy(s->other_level, sizeof s->other_level, "province");
        s->counted = st[i].counted;
    }
    p->n_steps = k;
    int rc = store_write(tu_env.st, psave_fn, psave);
    cr_assert_eq(rc, 0, "fixture: procedure_save = %d (%s)", rc, psave->err.field);
    free(psave);
}

static void setup(void)
{
    tu_open();
    make_unit(NULL, "national", "Việt Nam", "vn", NULL, &root);
    make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", "000.00.00.H41", &prov);
    make_unit(prov.id, "commune", "Xã Cư Jút", "cujut", "000.00.01.H41", &com_a);
    make_unit(prov.id, "commune", "Xã Thuận An", "thuanan", "000.00.02.H41", &com_b);
    tu_make_staff("a.desk", "Nguyễn Thị Tiếp", com_a.id, ROLE_DESK, com_a.id, &a_desk);
    tu_make_staff("a.spec", "Trần Văn Chuyên", com_a.id, ROLE_SPECIALIST, com_a.id, &a_spec);
    tu_make_staff("a.lead", "Lê Văn Trưởng", com_a.id, ROLE_LEADER, com_a.id, &a_lead);
    tu_make_staff("b.desk", "Phạm Thị Khác", com_b.id, ROLE_DESK, com_b.id, &b_desk);
    tu_make_staff("p.off", "Hoàng Văn Tỉnh", prov.id, ROLE_SPECIALIST, prov.id, &p_off);
    cr_assert_eq(tu_load_principal(a_desk.id, &desk), 0);
    cr_assert_eq(tu_load_principal(a_spec.id, &spec), 0);
    cr_assert_eq(tu_load_principal(a_lead.id, &lead), 0);
    cr_assert_eq(tu_load_principal(b_desk.id, &other_desk), 0);
    cr_assert_eq(tu_load_principal(p_off.id, &official), 0);
    save_procedure("9.000001", SUPPLEMENT_RESUME, false);
    save_procedure("9.000002", SUPPLEMENT_RESTART, false);
    save_procedure("9.000003", SUPPLEMENT_RESUME, true);
    cr_assert_eq(calendar_open(&cal, NULL, NULL), 0);
}

static void teardown(void)
{
    calendar_close(cal);
    tu_close();
}

TestSuite(dossier, .init = setup, .fini = teardown);

/* Vietnam local "YYYY-MM-DDTHH:MM" -> UTC ms, and back. */
static long long at(const char *local)
{
    long m;
    cr_assert_eq(calendar_instant_parse(local, &m), 0, "%s", local);
    return calendar_utc_ms_from_minutes(m);
}

static const char *local(long long ms, char buf[17])
{
    calendar_instant_format(calendar_minutes_from_utc_ms(ms), buf, 17);
    return buf;
}

struct recv_ctx {
    const principal_t *who;
    dossier_intake_t   in;
    dossier_t          out;
    bool               replayed;
    derr_t             err;
};

static int recv_fn(db_t *db, void *arg)
{
    struct recv_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return dossier_receive(db, c->who, &c->in, &c->out, &c->replayed, &c->err);
}

/* Receive a dossier of `proc` at `when`; the code into code (may be NULL). Returns the domain result. */
static int receive(const principal_t *who, const char *proc, const char *when, const char *channel, int npapers,
                   const char *key, char *code, derr_t *err)
{
    struct recv_ctx *c = xcalloc(1, sizeof *c);
    c->who = who;
    c->in = (dossier_intake_t){.procedure = proc, .channel = channel, .unit_id = NULL,
                               .applicant = {"person", "Nguyễn Văn Đức", "068095001234", "0912345678", "Thôn 1", NULL},
                               .npapers = npapers, .idem_key = key, .now_ms = at(when), .cal = cal};
    if (!strcmp(who->kind, "citizen")) c->in.unit_id = citizen_unit ? citizen_unit : com_a.id;
    c->in.papers[0] = (dossier_paper_in_t){"don", 1, "original"};
    c->in.papers[1] = (dossier_paper_in_t){"anh", 2, "copy"};
    int rc = store_write(tu_env.st, recv_fn, c);
    if (rc == 0 && code) str_copy(code, DOSSIER_CODE_MAX, c->out.code);
    if (err) *err = c->err;
    dossier_free(&c->out);
    free(c);
    return rc;
}

struct act_ctx {
    const principal_t  *who;
    const char         *code;
    dossier_action_in_t in;
    dossier_t           out;
    derr_t              err;
};

static int act_fn(db_t *db, void *arg)
{
    struct act_ctx *c = arg;
    memset(&c->err, 0, sizeof c->err);
    return dossier_act(db, c->who, c->code, &c->in, &c->out, &c->err);
}

static int get_fn(db_t *db, void *arg)
{
    struct act_ctx *c = arg;
    return dossier_get(db, c->code, &c->out);
}

/* The dossier as stored now (the caller frees it with dossier_free). */
static void load(const char *code, dossier_t *out)
{
    struct act_ctx *c = xcalloc(1, sizeof *c);
    c->code = code;
    cr_assert_eq(store_read(tu_env.st, get_fn, c), 0);
    *out = c->out;
    free(c);
}

/* Take action a at `when` with the dossier's current version (version 0) or the given one. */
static int act(const principal_t *who, const char *code, dossier_action_t a, const char *when, long long version,
               const dossier_action_in_t *extra, derr_t *err)
{
    struct act_ctx *c = xcalloc(1, sizeof *c);
    c->who = who;
    c->code = code;
    if (extra) c->in = *extra;
    c->in.action = a;
    c->in.now_ms = at(when);
    c->in.cal = cal;
    if (!version) {
        dossier_t d = {0};
        load(code, &d);
        version = d.version;
        dossier_free(&d);
    }
    c->in.version = version;
    int rc = store_write(tu_env.st, act_fn, c);
    if (err) *err = c->err;
    dossier_free(&c->out);
    free(c);
    return rc;
}

Test(dossier, codes_gap_free_per_agency_and_day)
{
    char code[DOSSIER_CODE_MAX];
    derr_t e;
    static const char *const want[] = {"000.00.01.H41-261130-0001", "000.00.01.H41-261130-0002",
                                       "000.00.01.H41-261130-0003"};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T08:00", "desk", 1, NULL, code, &e), 0, "%s", e.field);
        cr_assert_str_eq(code, want[i]);
    }
    /* A refused intake takes no number. */
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T09:00", "desk", 0, NULL, code, &e), -EINVAL);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_DOSSIER_PAPERS_MISSING);
    cr_assert_str_eq(e.arg[0], "don");
    cr_assert_eq(receive(&desk, "9.000001", "2026-12-01T08:00", "desk", 1, NULL, code, &e), 0);
    cr_assert_str_eq(code, "000.00.01.H41-261201-0001");
    /* 23:59 in Vietnam is still the same day; another agency has its own sequence. */
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T23:59", "post", 1, NULL, code, &e), 0);
    cr_assert_str_eq(code, "000.00.01.H41-261130-0004");
    cr_assert_eq(receive(&other_desk, "9.000001", "2026-11-30T10:00", "desk", 1, NULL, code, &e), 0);
    cr_assert_str_eq(code, "000.00.02.H41-261130-0001");
    cr_assert_eq(tu_int("SELECT seq FROM dossier_counters WHERE agency = '000.00.01.H41' AND day = '261130'", NULL), 4);
    /* Idempotency: the same key of the same caller gives the first dossier. */
    char again[DOSSIER_CODE_MAX];
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T11:00", "desk", 1, "k-1", code, &e), 0);
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T11:05", "desk", 1, "k-1", again, &e), 0);
    cr_assert_str_eq(again, code);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossiers", NULL), 7);
}

Test(dossier, due_at_intake_follows_the_clock)
{
    char code[DOSSIER_CODE_MAX], buf[17];
    dossier_t d = {0};
    /* 5 working days from Monday 08:00 end on the next Monday 08:00. */
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T08:00", "desk", 1, NULL, code, NULL), 0);
    load(code, &d);
    cr_assert_eq(d.status, DS_ACCEPTED);
    cr_assert_str_eq(local(d.due_at, buf), "2026-12-07T08:00");
    cr_assert_eq(d.original_due_at, d.due_at);
    cr_assert_str_eq(local(d.step_due_at, buf), "2026-11-30T14:00");   /* half a day: 3.5 h before noon + 0.5 h */
    dossier_free(&d);
    /* After the 15:00 cutoff the count starts the next working day: due the next Monday at 17:30. */
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T16:00", "desk", 1, NULL, code, NULL), 0);
    load(code, &d);
    cr_assert_str_eq(local(d.due_at, buf), "2026-12-07T17:30");
    dossier_free(&d);
}

Test(dossier, online_waits_for_acceptance)
{
    principal_t cit;
    account_t acc;
    derr_t e = {0};
    account_input_t in = {.kind = "citizen", .username = "0987654321", .full_name = "Trần Thị Đào",
                          .phone = "0987654321", .password_hash = "$argon2id$placeholder", .disabled = -1};
    cr_assert_eq(tu_account_create(NULL, &in, &acc, &e), 0);
    cr_assert_eq(tu_load_principal(acc.id, &cit), 0);
    char code[DOSSIER_CODE_MAX], buf[17];
    cr_assert_eq(receive(&cit, "9.000001", "2026-11-30T08:00", "online", 1, NULL, code, &e), 0);
    dossier_t d = {0};
    load(code, &d);
    cr_assert_eq(d.status, DS_NEW);
    cr_assert_eq(d.due_at, 0);
    cr_assert(dossier_visible_to(&cit, &d));
    cr_assert_eq(dossier_allowed_actions(&cit, &d), 1u << DA_WITHDRAW);
    cr_assert_eq(dossier_allowed_actions(&desk, &d) & (1u << DA_ACCEPT), 1u << DA_ACCEPT);
    dossier_free(&d);
    /* The desk accepts on Wednesday: the clock starts then. */
    cr_assert_eq(act(&desk, code, DA_ACCEPT, "2026-12-02T08:00", 0, NULL, &e), 0);
    load(code, &d);
    cr_assert_eq(d.status, DS_ACCEPTED);
    cr_assert_str_eq(local(d.due_at, buf), "2026-12-09T08:00");
    dossier_free(&d);
    /* A staff member may not file online, a citizen not at the desk. */
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T08:00", "online", 1, NULL, code, &e), -EACCES);
    cr_assert_eq(receive(&cit, "9.000001", "2026-11-30T08:00", "desk", 1, NULL, code, &e), -EACCES);
}

/* Online only for a procedure offered online, and only at a commune or ward: anything else is answered as an
 * unknown unit (the citizen's units are the public list of communes and wards). The desk is not concerned. */
Test(dossier, online_only_where_offered_at_communes)
{
    principal_t cit;
    account_t acc;
    derr_t e = {0};
    account_input_t in = {.kind = "citizen", .username = "0987654322", .full_name = "Trần Văn Mạnh",
                          .phone = "0987654322", .password_hash = "$argon2id$placeholder", .disabled = -1};
    cr_assert_eq(tu_account_create(NULL, &in, &acc, &e), 0);
    cr_assert_eq(tu_load_principal(acc.id, &cit), 0);
    fixture_online = ONLINE_NONE;
    save_procedure("9.000009", SUPPLEMENT_RESUME, false);
    fixture_online = ONLINE_FULL;
    char code[DOSSIER_CODE_MAX];
    cr_assert_eq(receive(&cit, "9.000009", "2026-11-30T08:00", "online", 1, NULL, code, &e), -EINVAL);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_DOSSIER_NOT_ONLINE);
    cr_assert_str_eq(e.field, "procedure");
    citizen_unit = prov.id;
    int rc = receive(&cit, "9.000001", "2026-11-30T08:00", "online", 1, NULL, code, &e);
    citizen_unit = NULL;
    cr_assert_eq(rc, -ENOENT);
    cr_assert_eq(e.status, 404);
    cr_assert_eq(e.msg, MSG_UNIT_UNKNOWN);
    cr_assert_str_eq(e.field, "unit");
    cr_assert_eq(receive(&desk, "9.000009", "2026-11-30T08:00", "desk", 1, NULL, code, &e), 0);
    cr_assert_eq(receive(&cit, "9.000001", "2026-11-30T08:00", "online", 1, NULL, code, &e), 0);
}

Test(dossier, supplement_pauses_the_clock_once)
{
    char code[DOSSIER_CODE_MAX], buf[17];
    derr_t e;
    dossier_t d = {0};
    dossier_action_in_t why = {.reason = "Thiếu giấy tờ chứng minh nơi cư trú"};
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T08:00", "desk", 1, NULL, code, NULL), 0);
    cr_assert_eq(act(&desk, code, DA_FORWARD, "2026-11-30T09:00", 0, NULL, &e), 0);
    cr_assert_eq(act(&spec, code, DA_REQUEST_SUPPLEMENT, "2026-12-01T08:00", 0, &why, &e), 0);
    load(code, &d);
    cr_assert_eq(d.status, DS_SUPPLEMENT);
    cr_assert_str_eq(local(d.paused_at, buf), "2026-12-01T08:00");
    dossier_free(&d);
    /* Papers back two working days later: due and the step's due move by the two days waited. */
    cr_assert_eq(act(&desk, code, DA_RESUBMIT, "2026-12-03T08:00", 0, NULL, &e), 0);
    load(code, &d);
    cr_assert_eq(d.status, DS_PROCESSING);
    cr_assert_str_eq(local(d.due_at, buf), "2026-12-09T08:00");
    cr_assert_str_eq(local(d.original_due_at, buf), "2026-12-09T08:00");
    cr_assert_str_eq(local(d.step_due_at, buf), "2026-12-04T09:00");   /* 2 days from Mon 09:00, + 2 paused */
    cr_assert_eq(d.paused_at, 0);
    long long v = d.version;
    dossier_free(&d);
    cr_assert_eq(act(&spec, code, DA_REQUEST_SUPPLEMENT, "2026-12-03T09:00", 0, &why, &e), -EPERM);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_DOSSIER_SUPPLEMENT_ONCE);
    load(code, &d);
    cr_assert_eq(d.version, v);
    dossier_free(&d);
    /* Under the restart rule the whole statutory time runs again from the resubmission. */
    cr_assert_eq(receive(&desk, "9.000002", "2026-11-30T08:00", "desk", 1, NULL, code, NULL), 0);
    cr_assert_eq(act(&desk, code, DA_REQUEST_SUPPLEMENT, "2026-11-30T09:00", 0, &why, &e), 0);
    cr_assert_eq(act(&desk, code, DA_RESUBMIT, "2026-12-02T10:00", 0, NULL, &e), 0);
    load(code, &d);
    cr_assert_eq(d.status, DS_ACCEPTED);
    cr_assert_str_eq(local(d.due_at, buf), "2026-12-09T10:00");
    dossier_free(&d);
}

Test(dossier, extension_once_and_one_working_day_before)
{
    char code[DOSSIER_CODE_MAX], buf[17];
    derr_t e;
    dossier_t d = {0};
    dossier_action_in_t ext = {.reason = "Cần xác minh thêm", .days = 3};
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T08:00", "desk", 1, NULL, code, NULL), 0);
    /* Due Monday 12-07 08:00: on Friday 09:00 only 7 working hours are left, less than a working day. */
    cr_assert_eq(act(&lead, code, DA_EXTEND, "2026-12-04T09:00", 0, &ext, &e), -EPERM);
    cr_assert_eq(e.status, 422);
    cr_assert_eq(e.msg, MSG_DOSSIER_EXTEND_LATE);
    cr_assert_eq(act(&desk, code, DA_EXTEND, "2026-12-03T08:00", 0, &ext, &e), -EACCES);
    cr_assert_eq(e.status, 403);
    cr_assert_eq(act(&lead, code, DA_EXTEND, "2026-12-04T08:00", 0, &ext, &e), 0);
    load(code, &d);
    cr_assert(d.extended);
    cr_assert_str_eq(local(d.due_at, buf), "2026-12-10T08:00");
    cr_assert_str_eq(local(d.original_due_at, buf), "2026-12-07T08:00");
    dossier_free(&d);
    cr_assert_eq(act(&lead, code, DA_EXTEND, "2026-12-04T08:30", 0, &ext, &e), -EPERM);
    cr_assert_eq(e.msg, MSG_DOSSIER_EXTEND_ONCE);
    /* Approved after the original due but on the day of the extended one: on time for the new appointment (the
     * original due stays in the row for the statistics). */
    cr_assert_eq(act(&desk, code, DA_FORWARD, "2026-12-08T08:00", 0, NULL, &e), 0);
    cr_assert_eq(act(&lead, code, DA_APPROVE, "2026-12-10T08:00", 0, NULL, &e), 0);
    load(code, &d);
    cr_assert_str_eq(d.timing, "on_time");
    dossier_free(&d);
}

Test(dossier, refusals_role_state_version_scope)
{
    char code[DOSSIER_CODE_MAX];
    derr_t e;
    dossier_action_in_t dl = {.received_by = "Nguyễn Văn Đức"};
    cr_assert_eq(receive(&desk, "9.000001", "2026-11-30T08:00", "desk", 1, NULL, code, NULL), 0);
    cr_assert_eq(act(&desk, code, DA_DELIVER, "2026-11-30T09:00", 0, &dl, &e), -EBUSY);
    cr_assert_eq(e.status, 409);
    cr_assert_eq(e.msg, MSG_DOSSIER_WRONG_STATE);
    cr_assert_str_eq(e.arg[0], "Đã tiếp nhận");
    cr_assert_str_eq(e.arg[1], "deliver");
    cr_assert(strstr(e.arg[2], "forward") != NULL);
    cr_assert_eq(act(&desk, code, DA_FORWARD, "2026-11-30T09:00", 5, NULL, &e), -ESTALE);
    cr_assert_eq(e.status, 412);
    cr_assert_eq(act(&spec, code, DA_APPROVE, "2026-11-30T09:00", 0, NULL, &e), -EACCES);
    cr_assert_eq(e.status, 403);
    cr_assert_eq(act(&other_desk, code, DA_FORWARD, "2026-11-30T09:00", 0, NULL, &e), -ENOENT);
    cr_assert_eq(e.status, 404);
    cr_assert_eq(tu_int("SELECT version FROM dossiers", NULL), 1);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossier_steps", NULL), 1);
    /* Assigning to someone without the step's role at the unit is refused. */
    dossier_action_in_t to = {.to = "b.desk"};
    cr_assert_eq(act(&desk, code, DA_FORWARD, "2026-11-30T09:00", 0, NULL, &e), 0);
    cr_assert_eq(act(&lead, code, DA_ASSIGN, "2026-11-30T09:30", 0, &to, &e), -EINVAL);
    cr_assert_eq(e.msg, MSG_DOSSIER_ASSIGNEE);
    to.to = "a.spec";
    cr_assert_eq(act(&lead, code, DA_ASSIGN, "2026-11-30T09:30", 0, &to, &e), 0);
}

Test(dossier, inter_agency_forward_passes_ownership_and_rebuild_is_identical)
{
    char code[DOSSIER_CODE_MAX];
    derr_t e;
    dossier_t d = {0};
    cr_assert_eq(receive(&desk, "9.000003", "2026-11-30T08:00", "desk", 2, NULL, code, NULL), 0);
    cr_assert_eq(act(&desk, code, DA_FORWARD, "2026-11-30T09:00", 0, NULL, &e), 0);
    /* The next step is at the province: a commune is refused as its unit, the province takes the dossier. */
    dossier_action_in_t fw = {.unit = com_b.id};
    cr_assert_eq(act(&spec, code, DA_FORWARD, "2026-12-02T08:00", 0, &fw, &e), -EINVAL);
    cr_assert_eq(e.msg, MSG_DOSSIER_TARGET_UNIT);
    fw.unit = prov.id;
    fw.to = "p.off";
    cr_assert_eq(act(&spec, code, DA_FORWARD, "2026-12-02T08:00", 0, &fw, &e), 0, "%s", e.field);
    load(code, &d);
    cr_assert_str_eq(d.unit_id, prov.id);
    cr_assert_str_eq(d.assignee_id, p_off.id);
    cr_assert(dossier_visible_to(&official, &d));
    /* The commune that received it still reads it, but acts on it no more; another commune never sees it. */
    cr_assert(dossier_visible_to(&desk, &d));
    cr_assert_eq(dossier_allowed_actions(&desk, &d), 0u);
    cr_assert_eq(dossier_allowed_actions(&spec, &d), 0u);
    cr_assert_not(dossier_visible_to(&other_desk, &d));
    dossier_free(&d);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events WHERE type = 'dossier.forwarded' AND unit_id = $1", prov.id), 1);
    /* Both finished steps ended on their due day, before the due instant: on time (early means an earlier day). The
     * desk's step was due Monday 14:00 and handed over at 09:00; the specialist's due Wednesday 09:00, done 08:00. */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossier_steps WHERE action = 'forward' AND timing = 'on_time'", NULL), 2);
    /* Late: the province works past the whole dossier's due (Monday 12-07 08:00). */
    cr_assert_eq(act(&official, code, DA_FORWARD, "2026-12-08T08:00", 0, NULL, &e), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossier_steps WHERE timing = 'late'", NULL), 1);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossier_steps", NULL), 4);
    /* The search index was rebuilt with the rows (SQLite: kept by triggers). */
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossier_search WHERE search LIKE '%nguyen van duc%'", NULL), 1);
}

/* The intake in two halves: when the procedure changes between the first half (a read snapshot, on the HTTP
 * worker) and the write, the write notices and builds the dossier from the procedure current at its commit. */
struct prep_ctx {
    struct recv_ctx       *c;
    dossier_intake_prep_t *x;
};

static int prep_fn(db_t *db, void *arg)
{
    struct prep_ctx *p = arg;
    p->x = dossier_intake_prepare(db, p->c->who, &p->c->in);
    return 0;
}

static int recv_prepared_fn(db_t *db, void *arg)
{
    struct prep_ctx *p = arg;
    return dossier_receive_prepared(db, p->c->who, &p->c->in, p->x, &p->c->out, &p->c->replayed, &p->c->err);
}

Test(dossier, prepared_intake_follows_a_procedure_changed_meanwhile)
{
    struct recv_ctx *c = xcalloc(1, sizeof *c);
    c->who = &desk;
    c->in = (dossier_intake_t){.procedure = "9.000001", .channel = "desk",
                               .applicant = {"person", "Nguyễn Văn Đức", "068095001234", "0912345678", "Thôn 1", NULL},
                               .npapers = 1, .now_ms = at("2026-03-02 08:00"), .cal = cal};
    c->in.papers[0] = (dossier_paper_in_t){"don", 1, "original"};
    struct prep_ctx p = {c, NULL};
    cr_assert_eq(store_read(tu_env.st, prep_fn, &p), 0);
    cr_assert_eq(dossier_intake_prep_result(p.x, NULL), 0);
    long long v0 = tu_int("SELECT version FROM procedures WHERE scope = '' AND code = '9.000001'", NULL);
    save_procedure("9.000001", SUPPLEMENT_RESTART, false);   /* a new version, another supplement rule */
    cr_assert_eq(store_write(tu_env.st, recv_prepared_fn, &p), 0, "%s", c->err.field);
    cr_assert_eq(c->out.procedure_version, v0 + 1);
    cr_assert_eq(c->out.supplement_rule, (int)SUPPLEMENT_RESTART);
    cr_assert_eq(tu_int("SELECT procedure_version FROM dossiers WHERE code = $1", c->out.code), v0 + 1);
    /* unchanged since: the prepared half is used as is (same result) */
    dossier_intake_prep_free(p.x);
    dossier_free(&c->out);
    cr_assert_eq(store_read(tu_env.st, prep_fn, &p), 0);
    cr_assert_eq(store_write(tu_env.st, recv_prepared_fn, &p), 0, "%s", c->err.field);
    cr_assert_eq(c->out.procedure_version, v0 + 1);
    dossier_intake_prep_free(p.x);
    dossier_free(&c->out);
    free(c);
}

/* The other half of that promise, as an attacker would time it: a unit deactivated, or a procedure retired, after
 * the first half passed and before the write, refuses the intake in the write (404, 403) and records nothing. */
static int retire_fn(db_t *db, void *arg)
{
    (void)arg;
    procedure_t out;
    derr_t e = {0};
    return procedure_set_active(db, NULL, "", "9.000002", false, -1, &out, &e);
}

Test(dossier, prepared_intake_refused_when_unit_or_procedure_gone_meanwhile)
{
    struct recv_ctx *c = xcalloc(1, sizeof *c);
    c->who = &desk;
    c->in = (dossier_intake_t){.procedure = "9.000001", .channel = "desk",
                               .applicant = {"person", "Nguyễn Văn Đức", "068095001234", "0912345678", "Thôn 1", NULL},
                               .npapers = 1, .now_ms = at("2026-03-02 08:00"), .cal = cal};
    c->in.papers[0] = (dossier_paper_in_t){"don", 1, "original"};
    long long events = tu_int("SELECT COUNT(*) FROM events", NULL);
    /* The procedure retired in between. */
    c->in.procedure = "9.000002";
    struct prep_ctx p = {c, NULL};
    cr_assert_eq(store_read(tu_env.st, prep_fn, &p), 0);
    cr_assert_eq(dossier_intake_prep_result(p.x, NULL), 0);
    cr_assert_eq(store_write(tu_env.st, retire_fn, NULL), 0);
    events = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(store_write(tu_env.st, recv_prepared_fn, &p), -ENOENT);
    cr_assert_eq(c->err.status, 404);
    cr_assert_eq(c->err.msg, MSG_DOSSIER_PROCEDURE_UNKNOWN);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events);
    dossier_intake_prep_free(p.x);
    /* The unit deactivated in between. */
    c->in.procedure = "9.000001";
    memset(&c->err, 0, sizeof c->err);
    cr_assert_eq(store_read(tu_env.st, prep_fn, &p), 0);
    cr_assert_eq(dossier_intake_prep_result(p.x, NULL), 0);
    unit_input_t off = {.active = 0};
    unit_t u;
    derr_t e = {0};
    cr_assert_eq(tu_unit_update(NULL, com_a.id, com_a.version, &off, &u, &e), 0, "%s", e.field);
    events = tu_int("SELECT COUNT(*) FROM events", NULL);
    /* 403, as the first half answers for an inactive unit the desk still sees */
    cr_assert_eq(store_write(tu_env.st, recv_prepared_fn, &p), -EACCES);
    cr_assert_eq(c->err.status, 403);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossiers", NULL), 0);
    dossier_intake_prep_free(p.x);
    free(c);
}

/* dossier_assignee_ok: who may be given the current step. The owning unit /r/p/c/, its departments /r/p/c/d/ (the
 * step's) and /r/p/c/e/, another commune /r/p/x/, the province /r/p/. */
static account_t *officer(const char *home, role_t role, const char *grant_path)
{
    static account_t a;
    memset(&a, 0, sizeof a);
    str_copy(a.kind, sizeof a.kind, "staff");
    str_copy(a.unit_path, sizeof a.unit_path, home);
    a.ngrants = 1;
    a.grants[0].role = role;
    str_copy(a.grants[0].unit_path, sizeof a.grants[0].unit_path, grant_path);
    return &a;
}

Test(dossier_validate, assignee_of_a_department_step)
{
    dossier_t d;
    memset(&d, 0, sizeof d);
    str_copy(d.unit_path, sizeof d.unit_path, "/r/p/c/");
    str_copy(d.step_unit_path, sizeof d.step_unit_path, "/r/p/c/d/");
    cr_assert(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/d/", ROLE_SPECIALIST, "/r/p/c/d/")));
    cr_assert(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/d/", ROLE_SPECIALIST, "/r/p/c/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/e/", ROLE_SPECIALIST, "/r/p/c/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/e/", ROLE_SPECIALIST, "/r/p/c/e/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/x/", ROLE_SPECIALIST, "/r/p/x/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/d/", ROLE_SPECIALIST, "/r/p/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/d/", ROLE_CLERK, "/r/p/c/d/")));
    account_t *off = officer("/r/p/c/d/", ROLE_SPECIALIST, "/r/p/c/d/");
    off->disabled = true;
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, off));
    off = officer("/r/p/c/d/", ROLE_SPECIALIST, "/r/p/c/d/");
    str_copy(off->kind, sizeof off->kind, "citizen");
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, off));
    /* A step of the commune itself: commune grants only (a department's grant does not cover the commune). */
    str_copy(d.step_unit_path, sizeof d.step_unit_path, "/r/p/c/");
    cr_assert(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/e/", ROLE_SPECIALIST, "/r/p/c/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/c/d/", ROLE_SPECIALIST, "/r/p/c/d/")));
    cr_assert_not(dossier_assignee_ok(&d, ROLE_SPECIALIST, officer("/r/p/", ROLE_SPECIALIST, "/r/p/")));
}
