/* test_demo_gen.c — domain/demo_gen.h: demo_gen_parse_day (dates and non-dates) and demo_gen_run (refused counts and
 * ranges, no commune to work in, then 60 histories on the demo units: counts agree with the database, every
 * history ends in a portal status, the ledger verifies, nothing waits in the outbox). tests/cli/test_cli_demo.sh
 * runs 2,000 and checks the proportions, the determinism per seed and the rebuild. */
#include <criterion/criterion.h>

#include "testutil.h"

#include "domain/calendar.h"
#include "domain/demo_gen.h"
#include "domain/ledger.h"
#include "domain/setup.h"

static void dg_open(void) { tu_open_store(0); }

TestSuite(demo_gen, .init = dg_open, .fini = tu_close);

Test(demo_gen, parse_day)
{
    long d, want;
    cr_assert_eq(calendar_day_from_ymd(2025, 7, 1, &want), 0);
    cr_assert_eq(demo_gen_parse_day("2025-07-01", &d), 0);
    cr_assert_eq(d, want);
    const char *bad[] = {"2025-7-01", "2025-02-30", "20250701", "2025-07-01x", "2025/07/01", "", "abcd-ef-gh"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(demo_gen_parse_day(bad[i], &d), -EINVAL, "%s", bad[i]);
    cr_assert_eq(demo_gen_parse_day(NULL, &d), -EINVAL);
}

static demo_gen_opts_t opts(long long n)
{
    demo_gen_opts_t o = {.dossiers = n, .seed = 3, .batch = 25};
    demo_gen_parse_day("2025-09-01", &o.from_day);
    demo_gen_parse_day("2025-10-01", &o.to_day);
    return o;
}

Test(demo_gen, refuses_bad_counts_and_ranges)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_init(tu_env.st, "demo", NULL, NULL, &r, &e), 0);
    demo_gen_report_t rep;
    demo_gen_opts_t o = opts(0);
    cr_assert_eq(demo_gen_run(tu_env.st, &o, NULL, NULL, &rep, &e), -EINVAL);
    o = opts(DEMO_GEN_MAX + 1);
    cr_assert_eq(demo_gen_run(tu_env.st, &o, NULL, NULL, &rep, &e), -EINVAL);
    o = opts(10);
    o.to_day = o.from_day;
    cr_assert_eq(demo_gen_run(tu_env.st, &o, NULL, NULL, &rep, &e), -EINVAL);
    /* No commune with a desk, a specialist and a leader yet: nothing to generate in. */
    o = opts(10);
    cr_assert_eq(demo_gen_run(tu_env.st, &o, NULL, NULL, &rep, &e), -ENOENT);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossiers", NULL), 0);
}

static long long progress_last;
static void on_progress(long long done, long long total, void *arg)
{
    (void)arg;
    cr_assert_leq(done, total);
    progress_last = done;
}

Test(demo_gen, sixty_histories_on_the_demo_units, .timeout = 240)
{
    setup_result_t r;
    derr_t e = {0};
    cr_assert_eq(setup_demo(tu_env.st, &r, &e), 0);
    long long seq0 = tu_int("SELECT seq FROM ledger_head WHERE is_self = 1", NULL);
    demo_gen_report_t rep;
    demo_gen_opts_t o = opts(60);
    int rc = demo_gen_run(tu_env.st, &o, on_progress, NULL, &rep, &e);
    cr_assert_eq(rc, 0, "rc %d field %s msg %s", rc, e.field, msg_name(e.msg));
    cr_assert_eq(rep.dossiers, 60);
    cr_assert_eq(progress_last, 60);
    cr_assert_eq(rep.units, 5);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossiers", NULL), 60);
    long long sum = 0;
    for (int i = 1; i <= 10; i++) sum += rep.status[i];
    cr_assert_eq(sum, 60);
    cr_assert_eq(rep.status[10], tu_int("SELECT COUNT(*) FROM dossiers WHERE status = 10", NULL));
    cr_assert_eq(rep.online + rep.desk + rep.post, 60);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM dossiers WHERE channel = 2", NULL), rep.online);
    /* Every history ended within the range: the last instant of any step is before 2025-10-01 00:00 +07. */
    cr_assert_lt(tu_int("SELECT MAX(at) FROM dossier_steps", NULL), 1759251600000LL);
    cr_assert_geq(tu_int("SELECT MIN(received_at) FROM dossiers", NULL), 1756659600000LL);   /* 2025-09-01 +07 */
    /* The events recorded after the setup's own are the histories'. */
    cr_assert_gt(rep.events, 60 * 4);
    cr_assert_leq(rep.events, tu_int("SELECT seq FROM ledger_head WHERE is_self = 1", NULL) - seq0);
    cr_assert_eq(tu_int("SELECT COUNT(*) FROM notify_outbox", NULL), 0);
    ledger_report_t lr;
    cr_assert_eq(ledger_verify(tu_env.st, &lr), 0);
    cr_assert(!lr.broken, "ledger broken at %lld: %s", lr.seq, lr.reason);
}
