/* test_calendar.c — the legal clock: due instants, pauses, extensions, step budgets and timeliness.
 *
 * Expectations are worked by hand from the rules in calendar.h and the published 2025/2026 schedules cited in
 * test_holiday.c (Tết 2026 16–20/2; 1/1–2/1/2026 off with Saturday 10/1 worked; 31/8/2026 off with Saturday
 * 22/8 worked; 27/4/2026 compensatory for Hùng Kings on Sunday 26/4; 30/4–1/5). Working time 07:30–11:30,
 * 13:30–17:30 (8 h = 480 min); cutoff 15:00 (Decree 63/2024/NĐ-CP art. 7). */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain/calendar.h"
#include "domain/holiday.h"

static holiday_set_t *g_set;
static calendar_t *g_cal;

static void setup(void)
{
    cr_assert_eq(holiday_set_new(&g_set, HOLIDAY_DEFAULT), 0);
    cr_assert_eq(calendar_open(&g_cal, g_set, NULL), 0);
}

static void teardown(void)
{
    calendar_close(g_cal);
    holiday_set_free(g_set);
}

static long T(const char *text)
{
    long t;
    cr_assert_eq(calendar_instant_parse(text, &t), 0, "bad instant %s", text);
    return t;
}

static void expect_due(const char *from, due_rule_t rule, long work, const char *want)
{
    long due;
    char buf[32];
    cr_assert_eq(calendar_due(g_cal, T(from), rule, work, &due), 0, "%s", from);
    cr_assert_eq(calendar_instant_format(due, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, want, "from %s rule %d work %ld", from, (int)rule, work);
}

TestSuite(calendar, .init = setup, .fini = teardown);

Test(calendar, due_days_cutoff_at_15)
{
    /* Friday 13/2/2026, the last working day before Tết (16–20/2). */
    expect_due("2026-02-13T14:59", DUE_DAYS, 480, "2026-02-23T14:59");
    expect_due("2026-02-13T15:00", DUE_DAYS, 480, "2026-02-23T15:00");
    expect_due("2026-02-13T15:01", DUE_DAYS, 480, "2026-02-23T17:30");
    expect_due("2026-03-05T17:31", DUE_DAYS, 480, "2026-03-06T17:30");
    expect_due("2026-03-05T06:00", DUE_DAYS, 480, "2026-03-05T17:30");
    expect_due("2026-03-05T12:15", DUE_DAYS, 240, "2026-03-05T17:30");
}

Test(calendar, due_days_received_on_a_weekend)
{
    expect_due("2026-03-07T09:00", DUE_DAYS, 480, "2026-03-09T17:30"); /* Saturday → Monday */
    expect_due("2026-03-08T16:00", DUE_DAYS, 960, "2026-03-10T17:30"); /* Sunday after 15:00 */
}

Test(calendar, make_up_saturday_is_a_working_day)
{
    expect_due("2026-08-21T16:00", DUE_DAYS, 480, "2026-08-22T17:30");
    expect_due("2026-08-22T09:00", DUE_DAYS, 480, "2026-08-24T09:00");
    /* and the swapped Monday 31/8 plus 1–2/9 are off: Friday 28/8 + 1 day → Thursday 3/9 */
    expect_due("2026-08-28T10:00", DUE_DAYS, 480, "2026-09-03T10:00");
    expect_due("2026-01-09T15:30", DUE_DAYS, 480, "2026-01-10T17:30");
}

Test(calendar, tet_spanning_a_weekend)
{
    expect_due("2026-02-12T10:00", DUE_DAYS, 3 * 480, "2026-02-24T10:00");
    long n;
    cr_assert_eq(calendar_working_minutes_between(g_cal, T("2026-02-13T17:30"), T("2026-02-23T07:30"), &n), 0);
    cr_assert_eq(n, 0);
}

Test(calendar, year_end)
{
    /* Wednesday 31/12/2025 after 15:00; 1/1 and 2/1/2026 off, then the weekend. */
    expect_due("2025-12-31T16:00", DUE_DAYS, 2 * 480, "2026-01-06T17:30");
    expect_due("2025-12-31T16:00", DUE_SAME_DAY, 0, "2026-01-05T17:30");
}

Test(calendar, due_on_a_session_boundary_is_the_end_of_the_earlier_session)
{
    expect_due("2026-03-02T07:30", DUE_DAYS, 480, "2026-03-02T17:30");
    expect_due("2026-03-02T07:30", DUE_HOURS, 240, "2026-03-02T11:30");
    expect_due("2026-03-02T13:30", DUE_HOURS, 240, "2026-03-02T17:30");
    expect_due("2026-03-02T11:30", DUE_HOURS, 1, "2026-03-02T13:31");
}

Test(calendar, due_hours)
{
    expect_due("2026-03-02T12:00", DUE_HOURS, 60, "2026-03-02T14:30");
    expect_due("2026-03-02T17:45", DUE_HOURS, 120, "2026-03-03T09:30");
    expect_due("2026-03-02T15:30", DUE_HOURS, 60, "2026-03-02T16:30"); /* no 15:00 rule */
    expect_due("2026-08-21T15:01", DUE_HOURS, 180, "2026-08-22T08:01");
}

Test(calendar, due_same_day)
{
    expect_due("2026-03-02T10:00", DUE_SAME_DAY, 0, "2026-03-02T17:30");
    expect_due("2026-03-02T15:00", DUE_SAME_DAY, 0, "2026-03-02T17:30");
    expect_due("2026-03-02T15:01", DUE_SAME_DAY, 0, "2026-03-03T17:30");
    expect_due("2026-03-02T06:00", DUE_SAME_DAY, 0, "2026-03-02T17:30");
    expect_due("2026-02-13T15:01", DUE_SAME_DAY, 0, "2026-02-23T17:30");
    expect_due("2026-03-07T10:00", DUE_SAME_DAY, 0, "2026-03-09T17:30");
}

Test(calendar, fractional_days)
{
    long w;
    cr_assert_eq(calendar_work_from_days(g_cal, 0.25, &w), 0);
    cr_assert_eq(w, 120);
    cr_assert_eq(calendar_work_from_days(g_cal, 0.5, &w), 0);
    cr_assert_eq(w, 240);
    cr_assert_eq(calendar_work_from_days(g_cal, 15, &w), 0);
    cr_assert_eq(w, 7200);
    cr_assert_eq(calendar_work_from_hours(2.5, &w), 0);
    cr_assert_eq(w, 150);
    cr_assert_eq(calendar_work_from_days(g_cal, -1, &w), -EINVAL);
    expect_due("2026-03-02T08:00", DUE_DAYS, 120, "2026-03-02T10:00");
    expect_due("2026-03-02T10:00", DUE_DAYS, 240, "2026-03-02T16:00");
}

Test(calendar, holidays_2026_around_hung_kings_and_may_day)
{
    /* Friday 24/4 + 2 days: 27/4 (compensatory) off → 28/4, 29/4; 30/4, 1/5 off. */
    expect_due("2026-04-24T09:00", DUE_DAYS, 2 * 480, "2026-04-29T09:00");
    expect_due("2026-04-29T09:00", DUE_DAYS, 480, "2026-05-04T09:00");
}

Test(calendar, pause_straddling_a_holiday)
{
    long due, moved;
    cr_assert_eq(calendar_due(g_cal, T("2026-04-28T09:00"), DUE_DAYS, 5 * 480, &due), 0);
    char buf[32];
    calendar_instant_format(due, buf, sizeof buf);
    cr_assert_str_eq(buf, "2026-05-07T09:00");
    /* Supplement asked Wednesday 29/4 10:00, papers back Monday 4/5 10:00: 30/4, 1/5 and the weekend do not
     * count, so the clock stood still for 330 + 150 = 480 working minutes. */
    long waited;
    cr_assert_eq(calendar_working_minutes_between(g_cal, T("2026-04-29T10:00"), T("2026-05-04T10:00"), &waited), 0);
    cr_assert_eq(waited, 480);
    cr_assert_eq(calendar_due_after_pause(g_cal, due, T("2026-04-29T10:00"), T("2026-05-04T10:00"), &moved), 0);
    calendar_instant_format(moved, buf, sizeof buf);
    cr_assert_str_eq(buf, "2026-05-08T09:00");
    /* a pause entirely on days off moves nothing */
    cr_assert_eq(calendar_due_after_pause(g_cal, due, T("2026-04-30T08:00"), T("2026-05-03T20:00"), &moved), 0);
    cr_assert_eq(moved, due);
    cr_assert_eq(calendar_due_after_pause(g_cal, due, T("2026-05-04T10:00"), T("2026-04-29T10:00"), &moved),
                 -EINVAL);
    /* the restart variant is calendar_due from the resubmission */
    expect_due("2026-05-04T10:00", DUE_DAYS, 5 * 480, "2026-05-11T10:00");
}

Test(calendar, extension_needs_one_working_day_before_due)
{
    long due = T("2026-05-07T09:00"), nd;
    cr_assert_eq(calendar_extend(g_cal, due, T("2026-05-06T09:00"), 3 * 480, &nd), 0);
    char buf[32];
    calendar_instant_format(nd, buf, sizeof buf);
    cr_assert_str_eq(buf, "2026-05-12T09:00");
    cr_assert_eq(calendar_extend(g_cal, due, T("2026-05-06T09:01"), 480, &nd), -EPERM);
    cr_assert_eq(calendar_extend(g_cal, due, T("2026-05-07T10:00"), 480, &nd), -EPERM);
    cr_assert_eq(calendar_extend(g_cal, due, T("2026-05-01T09:00"), 0, &nd), -EINVAL);
    /* Friday 17:30 → Monday 17:30 of the next week is one working day only when Monday is not off. */
    cr_assert_eq(calendar_extend(g_cal, T("2026-05-04T17:30"), T("2026-04-29T17:30"), 480, &nd), 0);
}

Test(calendar, step_budgets)
{
    long budgets[3], dues[3];
    cr_assert_eq(calendar_work_from_days(g_cal, 0.25, &budgets[0]), 0);
    cr_assert_eq(calendar_work_from_days(g_cal, 0.5, &budgets[1]), 0);
    cr_assert_eq(calendar_work_from_days(g_cal, 0.25, &budgets[2]), 0);
    cr_assert_eq(calendar_plan_steps(g_cal, T("2026-03-02T08:00"), DUE_DAYS, budgets, 3, dues), 0);
    const char *want[] = { "2026-03-02T10:00", "2026-03-02T16:00", "2026-03-03T08:00" };
    for (int i = 0; i < 3; i++) {
        char buf[32];
        calendar_instant_format(dues[i], buf, sizeof buf);
        cr_assert_str_eq(buf, want[i], "step %d", i);
    }
    long total;
    cr_assert_eq(calendar_due(g_cal, T("2026-03-02T08:00"), DUE_DAYS, 480, &total), 0);
    cr_assert_eq(dues[2], total);
    /* received after 15:00: the plan starts the next working day */
    cr_assert_eq(calendar_plan_steps(g_cal, T("2026-03-02T15:30"), DUE_DAYS, budgets, 1, dues), 0);
    cr_assert_eq(dues[0], T("2026-03-03T09:30"));
    /* a zero budget (returning the result is not counted) keeps the previous due */
    long b2[2] = { 240, 0 }, d2[2];
    cr_assert_eq(calendar_plan_steps(g_cal, T("2026-03-02T08:00"), DUE_HOURS, b2, 2, d2), 0);
    cr_assert_eq(d2[1], d2[0]);
    cr_assert_eq(calendar_plan_steps(g_cal, T("2026-03-02T08:00"), DUE_SAME_DAY, b2, 2, d2), -EINVAL);
    long sd;
    cr_assert_eq(calendar_step_due(g_cal, T("2026-03-02T16:00"), 120, &sd), 0);
    cr_assert_eq(sd, T("2026-03-03T08:00"));
}

Test(calendar, classify_early_on_time_late)
{
    long due = T("2026-05-07T09:00");
    calendar_timing_t k;
    cr_assert_eq(calendar_classify(g_cal, due, T("2026-05-06T17:00"), &k), 0);
    cr_assert_eq(k, CALENDAR_EARLY);
    cr_assert_eq(calendar_classify(g_cal, due, T("2026-05-07T07:29"), &k), 0);
    cr_assert_eq(k, CALENDAR_EARLY);
    cr_assert_eq(calendar_classify(g_cal, due, T("2026-05-07T07:30"), &k), 0);
    cr_assert_eq(k, CALENDAR_ON_TIME);
    cr_assert_eq(calendar_classify(g_cal, due, due, &k), 0);
    cr_assert_eq(k, CALENDAR_ON_TIME);
    cr_assert_eq(calendar_classify(g_cal, due, T("2026-05-07T09:01"), &k), 0);
    cr_assert_eq(k, CALENDAR_LATE);
}

Test(calendar, workdays_in_a_closed_range)
{
    long a, b, n;
    cr_assert_eq(calendar_day_from_ymd(2025, 1, 1, &a), 0);
    cr_assert_eq(calendar_day_from_ymd(2025, 12, 31, &b), 0);
    cr_assert_eq(calendar_workdays(g_cal, a, b, &n), 0);
    cr_assert_eq(n, 250); /* 261 weekdays − 12 days off + 1 make-up Saturday */
    cr_assert_eq(calendar_day_from_ymd(2026, 1, 1, &a), 0);
    cr_assert_eq(calendar_day_from_ymd(2026, 12, 31, &b), 0);
    cr_assert_eq(calendar_workdays(g_cal, a, b, &n), 0);
    cr_assert_eq(n, 250); /* 261 − 13 + 2 */
    cr_assert_eq(calendar_day_from_ymd(2026, 2, 14, &a), 0);
    cr_assert_eq(calendar_day_from_ymd(2026, 2, 22, &b), 0);
    cr_assert_eq(calendar_workdays(g_cal, a, b, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(calendar_workdays(g_cal, a, a, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(calendar_workdays(g_cal, b, a, &n), -EINVAL);
    int w;
    cr_assert_eq(calendar_day_from_ymd(2026, 8, 22, &a), 0);
    cr_assert_eq(calendar_is_working_day(g_cal, a, &w), 0);
    cr_assert_eq(w, 1);
}

Test(calendar, time_conversions)
{
    cr_assert_eq(calendar_minutes_from_utc_ms(0), 420);
    cr_assert_eq(calendar_minutes_from_utc_ms(-1), 419);
    cr_assert_eq(calendar_minutes_from_utc_ms(59999), 420);
    cr_assert_eq(calendar_utc_ms_from_minutes(420), 0);
    /* 2026-02-17 00:00 in Vietnam is 2026-02-16 17:00 UTC = 1771261200000 ms */
    cr_assert_eq(calendar_minutes_from_utc_ms(1771261200000LL), T("2026-02-17T00:00"));
    cr_assert_eq(calendar_utc_ms_from_minutes(T("2026-02-17T00:00")), 1771261200000LL);
    long t;
    cr_assert_eq(calendar_instant_parse("2026-02-30T10:00", &t), -EINVAL);
    cr_assert_eq(calendar_instant_parse("2026-02-03T24:00", &t), -EINVAL);
    cr_assert_eq(calendar_instant_parse("2026-02-03T10:00x", &t), -EINVAL);
    cr_assert_eq(calendar_instant_parse("2200-01-01T10:00", &t), -ERANGE);
    cr_assert_eq(calendar_instant_parse("1900-01-01 00:00", &t), 0);
    char small[8];
    cr_assert_eq(calendar_instant_format(t, small, sizeof small), -EINVAL);
    int y, m, d;
    cr_assert_eq(calendar_ymd_from_day(0, &y, &m, &d), 0);
    cr_assert(y == 1970 && m == 1 && d == 1);
    cr_assert_eq(calendar_ymd_from_day(84006, &y, &m, &d), -ERANGE); /* 2200-01-01 */
    cr_assert_eq(calendar_instant_from_parts(2026, 2, 17, 7, 30, &t), 0);
    cr_assert_eq(t, T("2026-02-17T07:30"));
    cr_assert_eq(calendar_instant_from_parts(2026, 2, 17, 7, 60, &t), -EINVAL);
    cr_assert_eq(calendar_instant_from_parts(1899, 12, 31, 7, 0, &t), -ERANGE);
}

Test(calendar, without_holidays_every_weekday_works)
{
    calendar_t *cal;
    cr_assert_eq(calendar_open(&cal, NULL, NULL), 0);
    long day;
    int w;
    cr_assert_eq(calendar_day_from_ymd(2026, 2, 17, &day), 0); /* Tết, a Tuesday */
    cr_assert_eq(calendar_is_working_day(cal, day, &w), 0);
    cr_assert_eq(w, 1);
    cr_assert_eq(calendar_is_working_day(g_cal, day, &w), 0);
    cr_assert_eq(w, 0);
    cr_assert_eq(calendar_day_from_ymd(2026, 8, 22, &day), 0); /* no make-up Saturday either */
    cr_assert_eq(calendar_is_working_day(cal, day, &w), 0);
    cr_assert_eq(w, 0);
    calendar_close(cal);
}

Test(calendar, range_and_input_errors)
{
    long due;
    cr_assert_eq(calendar_due(g_cal, T("2199-12-30T10:00"), DUE_DAYS, 30 * 480, &due), -ERANGE);
    cr_assert_eq(calendar_due(g_cal, T("1900-01-01T00:00") - 1, DUE_DAYS, 480, &due), -ERANGE);
    cr_assert_eq(calendar_due(g_cal, T("2026-03-02T10:00"), DUE_DAYS, 0, &due), -EINVAL);
    cr_assert_eq(calendar_due(g_cal, T("2026-03-02T10:00"), DUE_HOURS, -5, &due), -EINVAL);
    cr_assert_eq(calendar_due(g_cal, T("2026-03-02T10:00"), (due_rule_t)9, 480, &due), -EINVAL);
    cr_assert_eq(calendar_due(g_cal, T("2026-03-02T10:00"), DUE_DAYS, 1L << 40, &due), -ERANGE);
    cr_assert_eq(calendar_add_working_minutes(g_cal, T("2026-03-02T10:00"), -1, &due), -EINVAL);
    cr_assert_eq(calendar_add_working_minutes(g_cal, T("2026-03-02T10:00"), 0, &due), 0);
    cr_assert_eq(due, T("2026-03-02T10:00"));
    long x;
    cr_assert_eq(calendar_working_minutes_between(g_cal, T("2026-03-03T10:00"), T("2026-03-02T10:00"), &x), -EINVAL);
    cr_assert_eq(calendar_day_from_ymd(2026, 2, 29, &x), -EINVAL);
    cr_assert_eq(calendar_day_from_ymd(2200, 1, 1, &x), -ERANGE);
}

Test(calendar, configuration)
{
    calendar_config_t c;
    calendar_config_default(&c);
    cr_assert_eq(c.morning_start, 450);
    cr_assert_eq(c.afternoon_end, 1050);
    calendar_t *cal;
    calendar_config_t bad = c;
    bad.morning_end = bad.morning_start;
    cr_assert_eq(calendar_open(&cal, NULL, &bad), -EINVAL);
    bad = c;
    bad.weekdays = 0;
    cr_assert_eq(calendar_open(&cal, NULL, &bad), -EINVAL);
    bad = c;
    bad.afternoon_end = 1500;
    cr_assert_eq(calendar_open(&cal, NULL, &bad), -EINVAL);

    /* A unit that also works Saturday and closes at 17:00, without holidays. */
    calendar_config_t six = c;
    six.afternoon_end = 17 * 60;
    six.weekdays = 0x3fu;
    cr_assert_eq(calendar_open(&cal, NULL, &six), 0);
    cr_assert_eq(calendar_day_length(cal), 450);
    long due;
    cr_assert_eq(calendar_due(cal, T("2026-02-13T15:01"), DUE_DAYS, 450, &due), 0);
    cr_assert_eq(due, T("2026-02-14T17:00"));
    calendar_close(cal);
}

/* Adding N working days and counting them back gives N, from every working day of 2024–2027. */
Test(calendar, add_then_count_back, .timeout = 60)
{
    long first, last;
    cr_assert_eq(calendar_day_from_ymd(2024, 1, 1, &first), 0);
    cr_assert_eq(calendar_day_from_ymd(2027, 12, 31, &last), 0);
    for (long day = first; day <= last; day++) {
        int working;
        cr_assert_eq(calendar_is_working_day(g_cal, day, &working), 0);
        if (!working)
            continue;
        long end = day * CALENDAR_MINUTES_PER_DAY + 17 * 60 + 30;
        for (long n = 1; n <= 25; n++) {
            long due, count, minutes;
            cr_assert_eq(calendar_add_working_minutes(g_cal, end, n * 480, &due), 0);
            long due_day = due / CALENDAR_MINUTES_PER_DAY;
            cr_assert_eq(due - due_day * CALENDAR_MINUTES_PER_DAY, 17 * 60 + 30);
            cr_assert_eq(calendar_workdays(g_cal, day + 1, due_day, &count), 0);
            cr_assert_eq(count, n, "day %ld + %ld", day, n);
            cr_assert_eq(calendar_working_minutes_between(g_cal, end, due, &minutes), 0);
            cr_assert_eq(minutes, n * 480);
        }
    }
}

/* From instants all over 2026, every due lands inside a session of a working day, and the working time
 * between the start and the due is exactly the work asked for. */
Test(calendar, dues_land_in_working_time, .timeout = 60)
{
    long from = T("2025-12-25T00:00"), to = T("2027-01-05T00:00");
    long works[] = { 1, 60, 120, 240, 479, 480, 481, 960, 2400, 7200 };
    for (long t = from; t < to; t += 37) {
        for (size_t i = 0; i < sizeof works / sizeof works[0]; i++) {
            long due, between;
            cr_assert_eq(calendar_due(g_cal, t, DUE_HOURS, works[i], &due), 0);
            long day = due / CALENDAR_MINUTES_PER_DAY, mod = due - day * CALENDAR_MINUTES_PER_DAY;
            int working;
            cr_assert_eq(calendar_is_working_day(g_cal, day, &working), 0);
            cr_assert(working);
            cr_assert((mod > 450 && mod <= 690) || (mod > 810 && mod <= 1050), "mod %ld", mod);
            cr_assert_eq(calendar_working_minutes_between(g_cal, t, due, &between), 0);
            cr_assert_eq(between, works[i]);
            long d2;
            cr_assert_eq(calendar_due(g_cal, t, DUE_DAYS, works[i], &d2), 0);
            cr_assert_geq(d2, due);
        }
    }
}

/* The amount the API (?amount=) and the CLI (--days, --hours) take: a positive plain decimal. */
Test(calendar, amount_parse)
{
    double v = -1;
    cr_assert_eq(calendar_amount_parse("2", &v), 0);
    cr_assert_float_eq(v, 2.0, 1e-12);
    cr_assert_eq(calendar_amount_parse("0.25", &v), 0);
    cr_assert_float_eq(v, 0.25, 1e-12);
    cr_assert_eq(calendar_amount_parse("15.5", &v), 0);
    cr_assert_float_eq(v, 15.5, 1e-12);
    static const char *const bad[] = {"", "0", "0.0", "-1", "+1", " 1", "1 ", ".5", "5.", "1.2.3", "1e2", "nan",
                                      "inf", "0x10", "abc", "123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = -1;
        cr_assert_eq(calendar_amount_parse(bad[i], &v), -EINVAL, "accepted '%s'", bad[i]);
        cr_assert_float_eq(v, -1.0, 0, "'%s' changed the output", bad[i]);
    }
    cr_assert_eq(calendar_amount_parse(NULL, &v), -EINVAL);
    cr_assert_eq(calendar_amount_parse("1", NULL), -EINVAL);
}
