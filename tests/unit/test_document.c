/* test_document.c — the document registers (domain/document.h): the types of Decree 30/2020, symbols,
 * validators, numbering per unit / direction / year, duplicates, scope, attachments and their text, and rebuild
 * from the ledger. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/mem.h"
#include "domain/document.h"
#include "domain/document_attach.h"
#include "domain/event.h"
#include "testutil.h"

static unit_t root, prov, ca, cb, dep;
static principal_t clerk_a, desk_a, official;

/* 2027-03-02 08:00 in Vietnam, and 2027-12-31 23:59 / 2028-01-01 00:01 in Vietnam. */
#define NOW_MS 1803949200000LL
#define LAST_MINUTE_MS 1830272340000LL
#define FIRST_MINUTE_MS 1830272460000LL

static void make(const char *parent, const char *kind, const char *name, const char *slug, const char *abbr,
                 unit_t *out)
{
    unit_input_t in = {.parent_id = parent, .kind = kind, .name = name, .slug = slug, .abbr = abbr, .active = 1};
    derr_t e;
    int rc = tu_unit_create(NULL, &in, out, &e);
    cr_assert_eq(rc, 0, "unit %s: %d %s", slug, rc, e.field);
}

static void setup(void)
{
    tu_open();
    make(NULL, "national", "Việt Nam", "vn", NULL, &root);
    make(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", "UBND", &prov);
    make(prov.id, "commune", "Xã Cư Jút", "cujut", "UBND", &ca);
    make(prov.id, "commune", "Xã Thuận An", "thuanan", NULL, &cb);
    make(ca.id, "department", "Văn phòng HĐND và UBND", "cujut.vp", "VP", &dep);
    tu_principal(&clerk_a, "01M00000000000000000000CLK", "staff");
    tu_grant(&clerk_a, ROLE_CLERK, ca.id, ca.path);
    tu_principal(&desk_a, "01M00000000000000000000DSK", "staff");
    tu_grant(&desk_a, ROLE_DESK, ca.id, ca.path);
    tu_principal(&official, "01M00000000000000000000OFF", "staff");
    tu_grant(&official, ROLE_OFFICIAL, prov.id, prov.path);
}

struct reg {
    const principal_t *who;
    bool               out;
    document_in_t      in;
    document_t         doc;
    derr_t             err;
};

static int reg_fn(db_t *db, void *arg)
{
    struct reg *r = arg;
    memset(&r->err, 0, sizeof r->err);
    return r->out ? document_register_outgoing(db, r->who, &r->in, &r->doc, &r->err)
                  : document_register_incoming(db, r->who, &r->in, &r->doc, &r->err);
}

static int reg(struct reg *r) { return store_write(tu_env.st, reg_fn, r); }

static struct reg out_req(const principal_t *who, const char *type, long long now)
{
    return (struct reg){.who = who, .out = true,
                        .in = {.type = type, .summary = "Về việc thành lập Tổ công tác", .recipients = "Như Điều 3",
                               .now_ms = now}};
}

static struct reg in_req(const principal_t *who, const char *symbol, long long now)
{
    return (struct reg){.who = who, .out = false,
                        .in = {.type = "thong-bao", .summary = "Lịch họp", .agency = "UBND tỉnh Lâm Đồng",
                               .symbol = symbol, .dated = "2027-02-27", .now_ms = now}};
}

Test(document, types_are_the_29_of_the_decree)
{
    size_t n;
    const document_type_t *t = document_types(&n);
    cr_assert_eq(n, 29);
    int without = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(document_type_find(t[i].code) == &t[i]);
        for (size_t j = 0; j < i; j++) {
            cr_assert_str_neq(t[i].code, t[j].code);
            if (t[i].abbr && t[j].abbr) cr_assert_str_neq(t[i].abbr, t[j].abbr);
        }
        if (!t[i].abbr) without++;
    }
    cr_assert_eq(without, 2, "công văn and thư công have no abbreviation");
    cr_assert_str_eq(document_type_find("quyet-dinh")->abbr, "QĐ");
    cr_assert_str_eq(document_type_find("quy-dinh")->abbr, "QyĐ");
    cr_assert_str_eq(document_type_find("chuong-trinh")->abbr, "CTr");
    cr_assert_null(document_type_find("thong-tu"));
    cr_assert_null(document_type_find(NULL));
}

Test(document, symbols_and_enumerations)
{
    char s[64];
    cr_assert_eq(document_symbol_format(15, "QĐ", "UBND", NULL, s, sizeof s), 0);
    cr_assert_str_eq(s, "15/QĐ-UBND");
    cr_assert_eq(document_symbol_format(1, "TB", "UBND", "VP", s, sizeof s), 0);
    cr_assert_str_eq(s, "01/TB-UBND", "a typed document ignores the department; numbers under 10 get a 0");
    cr_assert_eq(document_symbol_format(123, NULL, "UBND", "VP", s, sizeof s), 0);
    cr_assert_str_eq(s, "123/UBND-VP");
    cr_assert_eq(document_symbol_format(1, NULL, "UBND", NULL, s, sizeof s), -EINVAL);
    cr_assert_eq(document_symbol_format(1, "QĐ", "", NULL, s, sizeof s), -EINVAL);
    cr_assert_eq(document_symbol_format(0, "QĐ", "UBND", NULL, s, sizeof s), -EINVAL);
    cr_assert_eq(document_symbol_format(15, "QĐ", "UBND", NULL, s, 8), -E2BIG);
    cr_assert(document_urgency_valid("flash") && !document_urgency_valid("Flash") && !document_urgency_valid(NULL));
    cr_assert(document_confidentiality_valid("top_secret") && !document_confidentiality_valid("mật"));
}

Test(document, outgoing_numbers_per_unit_direction_and_year, .init = setup, .fini = tu_close)
{
    const char *want[] = {"01/QĐ-UBND", "02/TB-UBND", "03/KH-UBND"};
    const char *types[] = {"quyet-dinh", "thong-bao", "ke-hoach"};
    for (int i = 0; i < 3; i++) {
        struct reg r = out_req(&clerk_a, types[i], NOW_MS);
        cr_assert_eq(reg(&r), 0, "field %s", r.err.field);
        cr_assert_eq(r.doc.number, i + 1);
        cr_assert_str_eq(r.doc.symbol, want[i]);
        cr_assert_eq(r.doc.year, 2027);
        cr_assert_str_eq(r.doc.dated, "2027-03-02");
        cr_assert_str_eq(r.doc.unit_id, ca.id);
    }
    struct reg cv = out_req(&clerk_a, "cong-van", NOW_MS);
    cv.in.department_id = dep.id;
    cr_assert_eq(reg(&cv), 0);
    cr_assert_str_eq(cv.doc.symbol, "04/UBND-VP");
    /* the incoming register of the same unit counts on its own */
    struct reg in = in_req(&clerk_a, "12/TB-UBND", NOW_MS);
    cr_assert_eq(reg(&in), 0);
    cr_assert_eq(in.doc.number, 1);
    /* 23:59 on 31 December, then 00:01 on 1 January (Vietnam): the new year starts at 01 */
    struct reg late = out_req(&clerk_a, "quyet-dinh", LAST_MINUTE_MS);
    cr_assert_eq(reg(&late), 0);
    cr_assert_eq(late.doc.number, 5);
    cr_assert_eq(late.doc.year, 2027);
    struct reg first = out_req(&clerk_a, "quyet-dinh", FIRST_MINUTE_MS);
    cr_assert_eq(reg(&first), 0);
    cr_assert_eq(first.doc.number, 1);
    cr_assert_eq(first.doc.year, 2028);
    cr_assert_str_eq(first.doc.dated, "2028-01-01");
    cr_assert_eq(tu_int("SELECT last FROM document_counters WHERE direction = 'out' AND year = 2027", NULL), 5);
}

Test(document, refusals_change_nothing, .init = setup, .fini = tu_close)
{
    struct reg ok = in_req(&clerk_a, "15/QĐ-UBND", NOW_MS);
    cr_assert_eq(reg(&ok), 0);
    long long events = tu_int("SELECT COUNT(*) FROM events", NULL);
    struct reg r;
    r = in_req(&clerk_a, "15/qđ-ubnd", NOW_MS);           /* the same document, other case */
    cr_assert_eq(reg(&r), -EEXIST);
    cr_assert_eq(r.err.status, 409);
    cr_assert_eq(r.err.msg, MSG_DOC_DUPLICATE);
    r = in_req(&desk_a, "16/QĐ-UBND", NOW_MS);
    cr_assert_eq(reg(&r), -EACCES);
    cr_assert_eq(r.err.status, 403);
    r = in_req(&official, "16/QĐ-UBND", NOW_MS);
    r.in.unit_id = ca.id;
    cr_assert_eq(reg(&r), -EACCES, "an official reads, never registers");
    r = out_req(&clerk_a, "quyet-dinh", NOW_MS);
    r.in.unit_id = cb.id;
    cr_assert_eq(reg(&r), -ENOENT, "another commune is not even seen");
    cr_assert_eq(r.err.status, 404);
    r = out_req(NULL, "quyet-dinh", NOW_MS);
    r.in.unit_id = cb.id;
    cr_assert_eq(reg(&r), -EINVAL, "a unit without an abbreviation cannot number");
    cr_assert_eq(r.err.msg, MSG_DOC_UNIT_ABBR);
    r = out_req(&clerk_a, "quyet-dinh", NOW_MS);
    r.in.unit_id = dep.id;
    cr_assert_eq(reg(&r), -EINVAL);
    cr_assert_eq(r.err.msg, MSG_DOC_UNIT_KIND);
    r = out_req(&clerk_a, "thong-tu", NOW_MS);
    cr_assert_eq(reg(&r), -EINVAL);
    cr_assert_str_eq(r.err.field, "type");
    r = out_req(&clerk_a, "cong-van", NOW_MS);
    cr_assert_eq(reg(&r), -EINVAL);
    cr_assert_str_eq(r.err.field, "department");
    r = in_req(&clerk_a, "17/QĐ-UBND", NOW_MS);
    r.in.dated = "2027-03-03";
    cr_assert_eq(reg(&r), -EINVAL, "dated after the arrival");
    cr_assert_str_eq(r.err.field, "dated");
    r = in_req(&clerk_a, "17/QĐ-UBND", NOW_MS);
    r.in.deadline = "2027-03-01";
    cr_assert_eq(reg(&r), -EINVAL, "a deadline in the past");
    r = in_req(&clerk_a, "17/QĐ-UBND", NOW_MS);
    r.in.urgency = "now";
    cr_assert_eq(reg(&r), -EINVAL);
    char big[1100];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    r = in_req(&clerk_a, "17/QĐ-UBND", NOW_MS);
    r.in.summary = big;
    cr_assert_eq(reg(&r), -EINVAL);
    cr_assert_str_eq(r.err.field, "summary");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM documents", NULL), 1);
    cr_assert_eq(tu_int("SELECT last FROM document_counters", NULL), 1);
}

struct list_ctx {
    const principal_t *who;
    document_query_t   q;
    int                n;
    char               first[ID_LEN + 1];
};

static int list_cb(const document_t *d, void *arg)
{
    struct list_ctx *c = arg;
    if (!c->n++) str_copy(c->first, sizeof c->first, d->id);
    return 0;
}

static int list_fn(db_t *db, void *arg)
{
    struct list_ctx *c = arg;
    c->n = 0;
    return document_list(db, c->who, &c->q, list_cb, c) < 0 ? -EIO : 0;
}

static int count(const principal_t *who, const char *q)
{
    struct list_ctx c = {.who = who, .q = {.q = q, .limit = 100}};
    cr_assert_eq(store_read(tu_env.st, list_fn, &c), 0);
    return c.n;
}

Test(document, scope_search_and_rebuild, .init = setup, .fini = tu_close)
{
    struct reg a = out_req(&clerk_a, "ke-hoach", NOW_MS);
    a.in.summary = "Kế hoạch phòng chống thiên tai năm 2027";
    cr_assert_eq(reg(&a), 0);
    struct reg b = in_req(NULL, "20/CV-STC", NOW_MS);      /* the system (the exchange inbox) registers too */
    b.in.unit_id = ca.id;
    b.in.agency = "Sở Tài chính tỉnh Lâm Đồng";
    cr_assert_eq(reg(&b), 0);
    cr_assert_str_eq(b.doc.registered_by, "");
    cr_assert_eq(count(&clerk_a, NULL), 2);
    cr_assert_eq(count(&official, NULL), 2, "the province's official reads its communes");
    cr_assert_eq(count(&desk_a, NULL), 0, "a desk officer reads no register");
    cr_assert_eq(count(&clerk_a, "phong chong THIEN TAI"), 1);
    cr_assert_eq(count(&clerk_a, "so tai chinh"), 1);
    cr_assert_eq(count(&clerk_a, "không có"), 0);
    cr_assert(document_readable(&clerk_a, &a.doc));
    cr_assert(document_readable(&official, &a.doc));
    cr_assert(!document_readable(&desk_a, &a.doc));
    cr_assert(document_reader(&official) && !document_reader(&desk_a));
    /* rebuild: the same rows from the ledger */
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    tu_exec("UPDATE documents SET summary = 'tampered'");
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM documents WHERE summary = 'tampered'", NULL), 0);
    cr_assert_eq(tu_int("SELECT last FROM document_counters WHERE direction = 'in'", NULL), 1);
}

struct act {
    const principal_t   *who;
    const char          *id;
    document_action_in_t in;
    document_t           doc;
    derr_t               err;
};

static int act_fn(db_t *db, void *arg)
{
    struct act *a = arg;
    memset(&a->err, 0, sizeof a->err);
    return document_handle(db, a->who, a->id, &a->in, &a->doc, &a->err);
}

static int act(struct act *a) { return store_write(tu_env.st, act_fn, a); }

Test(document, handling_assign_progress_done, .init = setup, .fini = tu_close)
{
    principal_t leader;
    tu_principal(&leader, "01M00000000000000000000LDR", "staff");
    tu_grant(&leader, ROLE_LEADER, ca.id, ca.path);
    struct reg r = in_req(&clerk_a, "30/KH-UBND", NOW_MS);
    cr_assert_eq(reg(&r), 0);
    long long events = tu_int("SELECT COUNT(*) FROM events", NULL);
    struct act a = {.who = &clerk_a, .id = r.doc.id,
                    .in = {.action = "assign", .version = 1, .lead_unit_id = dep.id, .now_ms = NOW_MS}};
    cr_assert_eq(act(&a), -EACCES, "a clerk does not assign");
    a.who = &leader;
    a.in.version = 2;
    cr_assert_eq(act(&a), -ESTALE);
    a.in.version = 1;
    a.in.lead_unit_id = ca.id;
    cr_assert_eq(act(&a), -EINVAL, "the lead is a department of the unit");
    a.in.lead_unit_id = dep.id;
    a.in.coordinators[0] = dep.id;
    a.in.ncoordinators = 1;
    cr_assert_eq(act(&a), -EINVAL, "the lead does not co-ordinate with itself");
    a.in.ncoordinators = 0;
    a.in.action = "progress";
    a.in.note = "x";
    cr_assert_eq(act(&a), -EBUSY, "not assigned yet");
    cr_assert_eq(a.err.status, 409);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events);
    a.in.action = "assign";
    a.in.deadline = "2027-03-10";
    cr_assert_eq(act(&a), 0, "field %s", a.err.field);
    cr_assert_str_eq(a.doc.status, "assigned");
    cr_assert_str_eq(a.doc.lead_unit_id, dep.id);
    cr_assert_str_eq(a.doc.deadline, "2027-03-10");
    cr_assert_eq(a.doc.version, 2);
    principal_t staff;                        /* a specialist of the lead department: no reading role */
    tu_principal(&staff, "01M00000000000000000000SPC", "staff");
    str_copy(staff.unit_id, sizeof staff.unit_id, dep.id);
    tu_grant(&staff, ROLE_SPECIALIST, ca.id, ca.path);
    cr_assert(document_readable(&staff, &a.doc));
    cr_assert(!document_readable(&desk_a, &a.doc));
    cr_assert_eq(count(&staff, NULL), 1);
    cr_assert_eq(count(&desk_a, NULL), 0);
    struct act p = {.who = &clerk_a, .id = r.doc.id, .in = {.action = "progress", .version = 2, .now_ms = NOW_MS}};
    cr_assert_eq(act(&p), -EINVAL, "progress needs a note");
    p.in.note = "Đang soạn";
    cr_assert_eq(act(&p), 0);
    cr_assert_str_eq(p.doc.status, "in_progress");
    p.in.action = "done";
    p.in.version = 3;
    cr_assert_eq(act(&p), 0);
    cr_assert_str_eq(p.doc.status, "done");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM document_handling", NULL), 3);
    /* an outgoing document is not handled */
    struct reg o = out_req(&clerk_a, "quyet-dinh", NOW_MS);
    cr_assert_eq(reg(&o), 0);
    struct act x = {.who = &leader, .id = o.doc.id,
                    .in = {.action = "assign", .version = 1, .lead_unit_id = dep.id, .now_ms = NOW_MS}};
    cr_assert_eq(act(&x), -EBUSY);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
}

/* ---- attachments (domain/document_attach.h) ---- */

struct att {
    const principal_t    *who;
    document_attach_in_t  in;
    document_attachment_t out;
    derr_t                err;
    document_text_in_t    text;
};

static int att_fn(db_t *db, void *arg)
{
    struct att *a = arg;
    memset(&a->err, 0, sizeof a->err);
    id_new(a->in.id);
    return document_attach(db, a->who, &a->in, &a->out, &a->err);
}

static int text_fn(db_t *db, void *arg) { return document_attachment_set_text(db, &((struct att *)arg)->text); }

static int pending_fn(db_t *db, void *arg) { return document_attachment_next_pending(db, arg); }

Test(document, attachments_text_search_and_rebuild, .init = setup, .fini = tu_close)
{
    struct reg a = out_req(&clerk_a, "bien-ban", NOW_MS);
    cr_assert_eq(reg(&a), 0);
    const char *sha1 = "1111111111111111111111111111111111111111111111111111111111111111";
    struct att t = {.who = &clerk_a, .in = {.at = NOW_MS, .document_id = a.doc.id, .sha256 = sha1, .name = "bb.pdf",
                                            .media_type = "application/pdf", .source = "upload", .size = 10}};
    cr_assert_eq(store_write(tu_env.st, att_fn, &t), 0);
    cr_assert_eq(t.out.n, 1);
    cr_assert_str_eq(t.out.text_state, "pending");
    /* the same file again: 409; an official reads but does not attach: 403; a desk officer: 404 */
    long long events = tu_int("SELECT COUNT(*) FROM events", NULL);
    cr_assert_eq(store_write(tu_env.st, att_fn, &t), -EEXIST);
    cr_assert_eq(t.err.status, 409);
    struct att o = t;
    o.who = &official;
    o.in.sha256 = "2222222222222222222222222222222222222222222222222222222222222222";
    cr_assert_eq(store_write(tu_env.st, att_fn, &o), -EACCES);
    o.who = &desk_a;
    cr_assert_eq(store_write(tu_env.st, att_fn, &o), -ENOENT);
    o.who = &clerk_a;
    o.in.name = "a/b.pdf";
    cr_assert_eq(store_write(tu_env.st, att_fn, &o), -EINVAL);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM events", NULL), events, "refusals record nothing");
    /* the extractor's queue: the pending row; its text, once */
    document_attachment_t *p = xmalloc(sizeof *p);
    cr_assert_eq(store_read(tu_env.st, pending_fn, p), 0);
    cr_assert_str_eq(p->id, t.out.id);
    static const char text[] = "Biên bản nghiệm thu hồ Thuồng Luồng";
    t.text = (document_text_in_t){.id = t.out.id, .text = text, .len = sizeof text - 1, .at = NOW_MS + 1};
    cr_assert_eq(store_write(tu_env.st, text_fn, &t), 0);
    cr_assert_eq(store_write(tu_env.st, text_fn, &t), 1, "recorded once: a second extractor writes nothing");
    cr_assert_eq(store_read(tu_env.st, pending_fn, p), -ENOENT);
    free(p);
    cr_assert_eq(count(&clerk_a, "thuong luong"), 1);
    cr_assert_eq(count(&clerk_a, "THUỒNG LUỒNG"), 1);
    cr_assert_eq(count(&clerk_a, "hồ"), 1, "a needle under three characters scans the attachments too");
    cr_assert_eq(count(&official, "thuong luong"), 1);
    cr_assert_eq(count(&desk_a, "thuong luong"), 0);
    /* a second attachment without text: recorded as none with its reason */
    struct att n2 = t;
    n2.in.sha256 = "3333333333333333333333333333333333333333333333333333333333333333";
    cr_assert_eq(store_write(tu_env.st, att_fn, &n2), 0);
    cr_assert_eq(n2.out.n, 2);
    n2.text = (document_text_in_t){.id = n2.out.id, .reason = "no text layer", .at = NOW_MS + 2};
    cr_assert_eq(store_write(tu_env.st, text_fn, &n2), 0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM document_attachments WHERE text_state = 'none' AND text_reason = "
                        "'no text layer'", NULL), 1);
    /* rebuild: the same rows and the same index from the ledger */
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    tu_exec("UPDATE document_attachments SET search = 'tampered', text_state = 'pending'");
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    cr_assert_eq(count(&clerk_a, "thuong luong"), 1);
    cr_assert_eq(count(&clerk_a, "tampered"), 0);
    /* a needle in many attachment texts takes the other plan (newest documents in order): the same answers */
    struct reg b = out_req(&clerk_a, "ke-hoach", NOW_MS);
    cr_assert_eq(reg(&b), 0);
    tu_exec("WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 150) "
            "INSERT INTO document_attachments (id, document_id, n, sha256, name, media_type, size, source, added_at, "
            "text_state, text_chars, search) SELECT printf('01M%023d', i), (SELECT id FROM documents WHERE "
            "type_code = 'bien-ban'), 100 + i, printf('%064d', i), 'x.pdf', 'application/pdf', 1, 'upload', 1, "
            "'text', 20, 'kinh phi thuc hien nam ' || i FROM k");
    cr_assert_eq(count(&clerk_a, "kinh phi thuc hien"), 1);
    cr_assert_eq(count(&official, "KINH PHÍ thực hiện"), 1);
    cr_assert_eq(count(&desk_a, "kinh phi thuc hien"), 0);
    cr_assert_eq(count(&clerk_a, "kinh phi thuc hien nam 150"), 1, "a needle in one text: through the index");
    cr_assert_eq(count(&clerk_a, "thuong luong"), 1);
    cr_assert_eq(count(&clerk_a, "ph"), 1, "a short needle, matched by document");
}
