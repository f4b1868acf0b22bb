/* test_dossier_book.c — domain/dossier_book.h on a real SQLite store: which dossiers a book holds (the unit's subtree
 * by origin_path, the period in Vietnam dates, oldest first), who may read it (403 / 404), the range rules (400),
 * and each column's value (hand-overs, timing, method, notes) in both languages, read back through the CSV export.
 * The rows are written in SQL (the projections the book reads), so each case states exactly what it reads. Suite
 * dossier_book; the same book through HTTP on both engines is tests/api/test_exports.py. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "domain/calendar.h"
#include "domain/dossier.h"
#include "domain/dossier_book.h"
#include "testutil.h"

static unit_t P, A, D, B;         /* province, commune A, a department of A, commune B */
static account_t desk, spec;

static long long at(int y, int m, int d, int h, int mi)
{
    long minutes;
    calendar_instant_from_parts(y, m, d, h, mi, &minutes);
    return calendar_utc_ms_from_minutes(minutes);
}

static void dossier(const char *id, const char *code, const unit_t *owner, const unit_t *origin, long long received,
                    int status, long long due, long long resolved, const char *timing, long long delivered,
                    const char *delivered_to, const char *reason, int extended)
{
    char due_s[24] = "NULL", res_s[24] = "NULL", del_s[24] = "NULL";
    if (due) snprintf(due_s, sizeof due_s, "%lld", due);
    if (resolved) snprintf(res_s, sizeof res_s, "%lld", resolved);
    if (delivered) snprintf(del_s, sizeof del_s, "%lld", delivered);
    int rc = tu_execf(
        "INSERT INTO dossiers (id, code, unit_id, unit_path, origin_path, procedure_code, procedure_version, "
        "procedure_name, field, channel, status, step, plan, time_rule, work_minutes, supplement_rule, applicant_kind, "
        "applicant_name, name_fold, id_number, phone, address, received_at, due_at, resolved_at, timing, delivered_at, "
        "delivered_to, reason, extended, search, created_at, updated_at) VALUES ('%s', '%s', '%s', '%s', '%s', "
        "'1.001193', 1, 'Đăng ký khai sinh', 'Hộ tịch', 1, %d, 0, '[]', 0, 2400, 0, 'person', 'Nguyễn Thị Ộ %s', "
        "'x', '034186001234', '0912345678', 'Thôn Đặng Xá, xã Đồng Tiến', %lld, %s, %s, %s%s%s, %s, %s%s%s, %s%s%s, "
        "%d, 'x', %lld, %lld)",
        id, code, owner->id, owner->path, origin->path, status, code, received, due_s, res_s, timing ? "'" : "",
        timing ? timing : "NULL", timing ? "'" : "", del_s, delivered_to ? "'" : "",
        delivered_to ? delivered_to : "NULL", delivered_to ? "'" : "", reason ? "'" : "", reason ? reason : "NULL",
        reason ? "'" : "", extended, received, received);
    cr_assert_eq(rc, 0, "insert dossier %s", code);
}

static void step(const char *dossier_id, int n, const char *action, const char *from, const char *to,
                 const char *from_unit, const char *to_unit, long long when, const char *timing, const char *note)
{
#define Q(s) (s) ? "'" : "", (s) ? (s) : "NULL", (s) ? "'" : ""
    int rc = tu_execf("INSERT INTO dossier_steps (dossier_id, n, action, step, from_account, to_account, from_unit, "
                      "to_unit, at, timing, status_before, status_after, note) VALUES ('%s', %d, '%s', 0, %s%s%s, "
                      "%s%s%s, %s%s%s, %s%s%s, %lld, %s%s%s, 2, 4, %s%s%s)",
                      dossier_id, n, action, Q(from), Q(to), Q(from_unit), Q(to_unit), when, Q(timing), Q(note));
#undef Q
    cr_assert_eq(rc, 0, "insert step %s/%d", dossier_id, n);
}

static void setup(void)
{
    tu_open();
    unit_t root;
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &P);
    tu_make_unit(P.id, "commune", "Xã Cư Jút", "cujut", &A);
    tu_make_unit(A.id, "department", "Bộ phận một cửa", "cujut-motcua", &D);
    tu_make_unit(P.id, "commune", "Xã Thuận An", "thuanan", &B);
    tu_make_staff("a.desk", "Lê Minh Châu", A.id, ROLE_DESK, A.id, &desk);
    tu_make_staff("a.spec", "Phạm Ngọc Lan", A.id, ROLE_SPECIALIST, A.id, &spec);
    /* d1: received by A, resolved early, delivered by post; d2: received by A's department, handed to the
     * province, in progress past its due date; d3: received by A, refused; d4: commune B; d5: A, next month. */
    dossier("d1", "000.00.01.H41-270302-0001", &A, &A, at(2027, 3, 2, 8, 0), DS_RETURNED, at(2027, 3, 9, 8, 0),
            at(2027, 3, 4, 10, 0), "early", at(2027, 3, 5, 9, 30), "Nguyễn Văn Đức", NULL, 0);
    dossier("d2", "000.00.01.H41-270303-0001", &P, &D, at(2027, 3, 3, 14, 0), DS_PROCESSING, at(2027, 3, 10, 14, 0),
            0, NULL, 0, NULL, NULL, 1);
    dossier("d3", "000.00.01.H41-270302-0002", &A, &A, at(2027, 3, 2, 9, 0), DS_REFUSED, 0, 0, NULL, 0, NULL,
            "Không thuộc thẩm quyền", 0);
    dossier("d4", "000.00.02.H41-270302-0001", &B, &B, at(2027, 3, 2, 8, 0), DS_PROCESSING, at(2027, 3, 9, 8, 0), 0,
            NULL, 0, NULL, NULL, 0);
    dossier("d5", "000.00.01.H41-270401-0001", &A, &A, at(2027, 4, 1, 8, 0), DS_ACCEPTED, at(2027, 4, 8, 8, 0), 0,
            NULL, 0, NULL, NULL, 0);
    step("d1", 1, "receive", desk.id, desk.id, NULL, A.id, at(2027, 3, 2, 8, 0), NULL, NULL);
    step("d1", 2, "forward", desk.id, NULL, A.id, A.id, at(2027, 3, 2, 8, 30), "on_time", NULL);
    step("d1", 3, "assign", desk.id, spec.id, A.id, A.id, at(2027, 3, 2, 9, 0), NULL, NULL);
    step("d1", 4, "attach_result", desk.id, NULL, A.id, A.id, at(2027, 3, 4, 10, 0), NULL, NULL);
    step("d1", 5, "deliver", desk.id, NULL, A.id, A.id, at(2027, 3, 5, 9, 30), NULL, "Nguyễn Văn Đức (post)");
    step("d2", 1, "forward", spec.id, NULL, D.id, P.id, at(2027, 3, 4, 8, 0), "late", NULL);
}

static void teardown(void) { tu_close(); }

TestSuite(dossier_book, .init = setup, .fini = teardown);

struct run {
    dossier_book_req_t q;
    dossier_book_t     b;
    derr_t             err;
};

static int run_fn(db_t *db, void *arg)
{
    struct run *r = arg;
    return dossier_book_build(db, &r->q, &r->b, &r->err);
}

/* Builds the book and returns it as CSV (malloc'd), or NULL with *rc set. */
static char *book(const principal_t *who, const char *unit, const char *from, const char *to, lang_t lang, int *rc,
                  derr_t *err)
{
    struct run r = {.q = {.who = who, .unit_id = unit, .from = from, .to = to, .lang = lang,
                          .now_ms = at(2027, 3, 20, 10, 0)}};
    *rc = store_read(tu_env.st, run_fn, &r);
    if (err) *err = r.err;
    if (*rc < 0) {
        cr_assert_null(r.b.table);
        return NULL;
    }
    buf_t out;
    buf_init(&out, 0);
    cr_assert_eq(export_write(r.b.table, EXPORT_CSV, &out), 0);
    export_free(r.b.table);
    return buf_steal(&out);
}

static void leader(principal_t *p, const unit_t *u, role_t role)
{
    tu_principal(p, "01HZZZZZZZZZZZZZZZZZZZZZZZ", "staff");
    tu_grant(p, role, u->id, u->path);
}

Test(dossier_book, subtree_period_and_order)
{
    principal_t who;
    leader(&who, &A, ROLE_LEADER);
    int rc;
    char *csv = book(&who, A.id, "2027-03-01", "2027-03-31", LANG_VI, &rc, NULL);
    cr_assert_eq(rc, 0);
    const char *p1 = strstr(csv, "000.00.01.H41-270302-0001"), *p3 = strstr(csv, "000.00.01.H41-270302-0002"),
               *p2 = strstr(csv, "000.00.01.H41-270303-0001");
    cr_assert(p1 && p2 && p3, "%s", csv);
    cr_assert(p1 < p3 && p3 < p2, "ordered by received_at");
    cr_assert_null(strstr(csv, "000.00.02.H41"), "another commune's dossier");
    cr_assert_null(strstr(csv, "270401"), "a dossier of the next month");
    cr_assert_not_null(strstr(csv, "Xã Cư Jút — từ ngày 01/03/2027 đến ngày 31/03/2027"));
    /* d1: every column */
    cr_assert_not_null(strstr(csv, "\r\n1,000.00.01.H41-270302-0001,Đăng ký khai sinh,Nguyễn Thị Ộ 000.00.01.H41-"
                                   "270302-0001,\"Thôn Đặng Xá, xã Đồng Tiến; 0912345678\",Xã Cư Jút,02/03/2027 08:00,"
                                   "09/03/2027 08:00,\"02/03/2027 08:30: Lê Minh Châu → Xã Cư Jút (Đúng hạn)\n"
                                   "02/03/2027 09:00: Lê Minh Châu → Phạm Ngọc Lan\",04/03/2027 10:00,Trước hạn,"
                                   "05/03/2027 09:30,Bưu chính,Nguyễn Văn Đức,\r\n"), "%s", csv);
    /* d3: refused: no timing, the reason in the notes */
    cr_assert_not_null(strstr(csv, ",Xã Cư Jút,02/03/2027 09:00,,,,,,,,Từ chối tiếp nhận: Không thuộc thẩm quyền\r\n"),
                       "%s", csv);
    /* d2: received by A's department, owned by the province now, overdue, extended */
    cr_assert_not_null(strstr(csv, ",Tỉnh Lâm Đồng,03/03/2027 14:00,10/03/2027 14:00,04/03/2027 08:00: Phạm Ngọc "
                                   "Lan → Tỉnh Lâm Đồng (Quá hạn),,\"Đang giải quyết, đã quá hạn\",,,,Đã gia hạn\r\n"),
                       "%s", csv);
    free(csv);
    /* the department's own book holds d2 only; the province's holds A's and B's */
    csv = book(&who, D.id, "2027-03-01", "2027-03-31", LANG_VI, &rc, NULL);
    cr_assert_eq(rc, 0);
    cr_assert_not_null(strstr(csv, "270303-0001"));
    cr_assert_null(strstr(csv, "270302-0001"));
    free(csv);
    principal_t off;
    leader(&off, &P, ROLE_OFFICIAL);
    csv = book(&off, P.id, "2027-03-02", "2027-03-02", LANG_EN, &rc, NULL);
    cr_assert_eq(rc, 0);
    cr_assert_not_null(strstr(csv, "000.00.02.H41-270302-0001"));
    cr_assert_not_null(strstr(csv, "000.00.01.H41-270302-0001"));
    cr_assert_null(strstr(csv, "270303"), "the 3rd is outside the period");
    cr_assert_not_null(strstr(csv, "DOSSIER TRACKING BOOK"));
    cr_assert_not_null(strstr(csv, ",Early,05/03/2027 09:30,By post,"), "%s", csv);
    free(csv);
}

Test(dossier_book, who_may_read)
{
    int rc;
    derr_t e;
    principal_t who;
    static const role_t no[] = {ROLE_DESK, ROLE_SPECIALIST, ROLE_CLERK};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        leader(&who, &A, no[i]);
        cr_assert_null(book(&who, A.id, "2027-03-01", "2027-03-31", LANG_VI, &rc, &e));
        cr_assert_eq(rc, -EPERM);
        cr_assert_eq(e.status, 403);
    }
    tu_principal(&who, "01HZZZZZZZZZZZZZZZZZZZZZZZ", "citizen");
    cr_assert_null(book(&who, A.id, NULL, NULL, LANG_VI, &rc, &e));
    cr_assert_eq(e.status, 403);
    /* a leader of A: B, the province and unknown ids are 404 naming "unit" */
    leader(&who, &A, ROLE_LEADER);
    const char *ids[] = {B.id, P.id, "01HAAAAAAAAAAAAAAAAAAAAAAA", "x"};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_null(book(&who, ids[i], "2027-03-01", "2027-03-31", LANG_VI, &rc, &e));
        cr_assert_eq(rc, -ENOENT, "%s", ids[i]);
        cr_assert_eq(e.status, 404);
        cr_assert_eq(e.msg, MSG_UNIT_UNKNOWN);
        cr_assert_str_eq(e.field, "unit");
    }
    /* a desk grant at A beside a leader grant at B does not open A's book */
    leader(&who, &B, ROLE_LEADER);
    tu_grant(&who, ROLE_DESK, A.id, A.path);
    cr_assert_null(book(&who, A.id, "2027-03-01", "2027-03-31", LANG_VI, &rc, &e));
    cr_assert_eq(e.status, 404);
    char *own = book(&who, NULL, "2027-03-02", "2027-03-02", LANG_VI, &rc, NULL);   /* B's, the reading grant */
    cr_assert_eq(rc, 0);
    cr_assert_not_null(strstr(own, "000.00.02.H41-270302-0001"));
    cr_assert_null(strstr(own, "000.00.01.H41"));
    free(own);
    /* no unit: the reading grant's own; admin of A reads it too */
    leader(&who, &A, ROLE_LEADER);
    char *csv = book(&who, NULL, "2027-03-02", "2027-03-02", LANG_VI, &rc, NULL);
    cr_assert_eq(rc, 0);
    cr_assert_not_null(strstr(csv, "270302-0001"));
    free(csv);
    leader(&who, &A, ROLE_ADMIN);
    csv = book(&who, A.id, "2027-03-02", "2027-03-02", LANG_VI, &rc, NULL);
    cr_assert_eq(rc, 0);
    free(csv);
}

Test(dossier_book, ranges)
{
    int rc;
    derr_t e;
    principal_t who;
    leader(&who, &A, ROLE_LEADER);
    static const struct { const char *from, *to, *field; msg_id_t msg; } bad[] = {
        {"2027-02-30", "2027-03-01", "from", MSG_PARAM_INVALID}, {"2027-3-01", "2027-03-01", "from", MSG_PARAM_INVALID},
        {"2027-03-01", "2027-03-01x", "to", MSG_PARAM_INVALID}, {"1899-12-31", "1900-01-01", "from", MSG_PARAM_INVALID},
        {"2027-03-02", "2027-03-01", "to", MSG_BOOK_RANGE},       {"2026-03-01", "2027-03-02", "to", MSG_BOOK_RANGE},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_null(book(&who, A.id, bad[i].from, bad[i].to, LANG_VI, &rc, &e));
        cr_assert_eq(rc, -EINVAL, "case %zu", i);
        cr_assert_eq(e.status, 400);
        cr_assert_eq(e.msg, bad[i].msg, "case %zu", i);
        cr_assert_str_eq(e.field, bad[i].field);
    }
    char *csv = book(&who, A.id, "2026-03-02", "2027-03-02", LANG_VI, &rc, NULL);   /* 366 days */
    cr_assert_eq(rc, 0);
    free(csv);
    /* defaults: the 1st of the caller's month .. the caller's day (now = 20/03/2027) */
    struct run r = {.q = {.who = &who, .unit_id = A.id, .lang = LANG_VI, .now_ms = at(2027, 3, 20, 23, 30)}};
    cr_assert_eq(store_read(tu_env.st, run_fn, &r), 0);
    cr_assert_str_eq(r.b.from, "2027-03-01");
    cr_assert_str_eq(r.b.to, "2027-03-20");
    cr_assert_eq(r.b.rows, 3);
    export_free(r.b.table);
}
