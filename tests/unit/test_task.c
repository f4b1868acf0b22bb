/* test_task.c — tasks (domain/task.h): the lead's scope, the lifecycle through task_act, a percentage going down,
 * a stale version, the scope of reading, and the rebuild from the ledger giving the same digest. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/mem.h"
#include "domain/account.h"
#include "domain/event.h"
#include "domain/task.h"
#include "testutil.h"

/* 2027-03-02 08:00 in Vietnam */
#define NOW_MS 1803949200000LL

static unit_t root, prov, ca, cb;
static account_t lead_a, lead_b, boss_a;
static principal_t boss, lead, other;

static void setup(void)
{
    tu_open();
    tu_make_unit(NULL, "national", "Việt Nam", "vn", &root);
    tu_make_unit(root.id, "province", "Tỉnh Lâm Đồng", "lamdong", &prov);
    tu_make_unit(prov.id, "commune", "Xã Cư Jút", "cujut", &ca);
    tu_make_unit(prov.id, "commune", "Xã Thuận An", "thuanan", &cb);
    tu_make_staff("a.leader", "Lãnh Đạo A", ca.id, ROLE_LEADER, ca.id, &boss_a);
    tu_make_staff("a.spec", "Chuyên Viên A", ca.id, ROLE_SPECIALIST, ca.id, &lead_a);
    tu_make_staff("b.spec", "Chuyên Viên B", cb.id, ROLE_SPECIALIST, cb.id, &lead_b);
    cr_assert_eq(tu_load_principal(boss_a.id, &boss), 0);
    cr_assert_eq(tu_load_principal(lead_a.id, &lead), 0);
    cr_assert_eq(tu_load_principal(lead_b.id, &other), 0);
}

struct call {
    const principal_t *who;
    const char        *id;
    task_in_t          in;
    task_action_in_t   act;
    task_t            *out;
    derr_t             err;
};

static int create_fn(db_t *db, void *arg)
{
    struct call *c = arg;
    return task_create(db, c->who, &c->in, c->out, &c->err);
}

static int act_fn(db_t *db, void *arg)
{
    struct call *c = arg;
    return task_act(db, c->who, c->id, &c->act, c->out, &c->err);
}

static int create(const principal_t *who, const char *lead_id, task_t *out, derr_t *err)
{
    struct call c = {.who = who, .out = out,
                     .in = {.title = "Rà soát", .content = "Rà soát hồ sơ", .source_kind = "meeting",
                            .lead_account_id = lead_id, .deadline = "2027-03-10", .expected_result = "Báo cáo",
                            .criteria = "Đủ", .now_ms = NOW_MS}};
    int rc = store_write(tu_env.st, create_fn, &c);
    *err = c.err;
    return rc;
}

static int act(const principal_t *who, task_t *t, const char *action, long long percent, derr_t *err)
{
    struct call c = {.who = who, .id = t->id, .out = t,
                     .act = {.action = action, .version = t->version, .note = "ghi chú", .percent = percent,
                             .approve = 1, .now_ms = NOW_MS}};
    int rc = store_write(tu_env.st, act_fn, &c);
    *err = c.err;
    return rc;
}

Test(task, lifecycle_scope_and_rebuild, .init = setup, .fini = tu_close)
{
    task_t *t = xcalloc(1, sizeof *t);
    derr_t e;
    cr_assert_eq(create(&boss, lead_b.id, t, &e), -EINVAL);   /* another commune's staff */
    cr_assert_eq(e.status, 422);
    cr_assert_eq(create(&lead, lead_a.id, t, &e), -EACCES);   /* no assigning role */
    cr_assert_eq(create(&boss, lead_a.id, t, &e), 0, "%s", e.field);
    cr_assert_str_eq(t->state, "assigned");
    cr_assert_str_eq(t->lead_unit_id, ca.id);
    cr_assert_eq(act(&other, t, "accept", 0, &e), -ENOENT);   /* not readable: 404 */
    cr_assert_eq(act(&boss, t, "accept", 0, &e), -EACCES);    /* the assigner is not the lead */
    cr_assert_eq(act(&lead, t, "accept", 0, &e), 0);
    cr_assert_str_eq(t->state, "in_progress");
    cr_assert_eq(act(&lead, t, "progress", 40, &e), 0);
    cr_assert_eq(act(&lead, t, "progress", 30, &e), -EINVAL);   /* going down */
    cr_assert_eq(e.status, 422);
    long long v = t->version;
    t->version = 1;
    cr_assert_eq(act(&lead, t, "progress", 50, &e), -ESTALE);
    t->version = v;
    cr_assert_eq(act(&lead, t, "done", 0, &e), 0);
    cr_assert_eq(t->percent, 100);
    cr_assert_eq(act(&boss, t, "judge", 0, &e), 0);
    cr_assert_str_eq(t->state, "closed");
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM task_log WHERE task_id = $1", t->id), 5);
    char before[65], after[65];
    cr_assert_eq(event_digest(tu_env.st, before), 0);
    event_rebuild_report_t rep;
    cr_assert_eq(event_rebuild(tu_env.st, &rep, NULL, NULL), 0);
    cr_assert_eq(event_digest(tu_env.st, after), 0);
    cr_assert_str_eq(before, after);
    free(t);
}
