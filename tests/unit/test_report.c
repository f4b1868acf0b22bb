/* test_report.c — the dashboards' pure helpers: dates, keys, views and the Decision 766 scoring (report.h).
 * The cells of dossiers and the counts are tested through the API (tests/api/test_reports*.py) and the check
 * command, which recounts them. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/buf.h"
#include "core/json.h"
#include "domain/report.h"

Test(report_dates, parse_and_arithmetic)
{
    int d;
    cr_assert_eq(report_date_parse("2027-03-02", &d), 0);
    cr_assert_eq(d, 20270302);
    const char *bad[] = {"2027-02-30", "2027-13-01", "2027-3-02", "20270302", "2027/03/02", "abcd-ef-gh", "",
                         "2027-03-021", "1899-12-31"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(report_date_parse(bad[i], &d), -EINVAL, "%s", bad[i]);
    cr_assert_eq(report_date_parse(NULL, &d), -EINVAL);
    cr_assert_eq(report_day_add(20270228, 1), 20270301);
    cr_assert_eq(report_day_add(20280228, 1), 20280229);            /* a leap year */
    cr_assert_eq(report_day_add(20261231, 1), 20270101);
    cr_assert_eq(report_day_add(20270301, -1), 20270228);
    cr_assert_eq(report_days_between(20270101, 20271231), 364);
    cr_assert_eq(report_days_between(20270302, 20270302), 0);
}

Test(report_dates, vietnam_local_day)
{
    /* 2027-03-01 17:30 UTC is 2027-03-02 00:30 in Vietnam (UTC+7) */
    long long ms = 1803922200000LL;   /* 2027-03-01T17:30:00Z */
    cr_assert_eq(report_day_of_ms(ms), 20270302);
    cr_assert_eq(report_day_of_ms(ms - 3600000LL), 20270301);   /* 23:30 the day before */
}

Test(report_keys, figures_and_views)
{
    report_figure_t f;
    cr_assert_eq(report_figure_parse("received", &f), 0);
    cr_assert_eq(f, RF_RECEIVED);
    cr_assert_eq(report_figure_parse("in_progress_overdue", &f), 0);
    cr_assert_eq(f, RF_IN_PROGRESS_OVERDUE);
    cr_assert_str_eq(report_figure_key(RF_COMPLAINTS), "complaints");
    cr_assert_eq(report_figure_parse("ended_late", &f), -EINVAL);   /* internal, not a public measure */
    cr_assert_eq(report_figure_parse("bogus", &f), -EINVAL);
    cr_assert_eq(report_figure_parse(NULL, &f), -EINVAL);
    cr_assert_str_eq(report_figure_key((report_figure_t)999), "");
    report_view_t v = RV_DATES;
    cr_assert_eq(report_view_parse(NULL, &v), 0);
    cr_assert_eq(v, RV_STANDARD);
    cr_assert_eq(report_view_parse("dates", &v), 0);
    cr_assert_eq(v, RV_DATES);
    cr_assert_str_eq(report_view_name(v), "dates");
    cr_assert_eq(report_view_parse("Dates", &v), -EINVAL);
}

static const report_row_t *row(const report_index_t *x, const char *key)
{
    for (int i = 0; i < REPORT_ROWS; i++)
        if (!strcmp(x->rows[i].key, key)) return &x->rows[i];
    cr_assert_fail("no row %s", key);
    return NULL;
}

Test(report_index, thresholds_and_missing_rows)
{
    report_figures_t f;
    memset(&f, 0, sizeof f);
    f.v[RF_TO_HANDLE] = 10;
    f.v[RF_RECEIVED] = 10;
    f.v[RF_RECEIVED_ONLINE] = 9;          /* 90% >= the 80% threshold of 3.1: full points */
    f.v[RF_DIGITIZED] = 4;                /* 40% < 80%: 11 x 0.4 / 0.8 = 5.5 */
    f.v[RF_ENDED_LATE] = 1;
    f.v[RF_IN_PROGRESS_OVERDUE] = 1;      /* 8 of 10 on time: 2.1 = 20 x 0.8 = 16 (threshold 100%) */
    f.v[RF_RATED] = 2;
    f.v[RF_SATISFIED] = 1;                /* 5.4 = 1 - (2 late + 1 dissatisfied) / 10 = 70% < 90%: 18 x 0.7 / 0.9 = 14 */
    report_index_t x;
    report_index(&f, true, &x);
    cr_assert_float_eq(row(&x, "3.1")->score, 12, 1e-9);
    cr_assert_float_eq(row(&x, "4.2")->score, 5.5, 1e-9);
    cr_assert_float_eq(row(&x, "2.1")->score, 16, 1e-9);
    cr_assert_float_eq(row(&x, "5.4")->score, 14, 1e-9);
    cr_assert_eq(row(&x, "2.1")->num, 8);
    cr_assert_float_eq(x.score, 12 + 5.5 + 16 + 14, 1e-9);
    cr_assert_float_eq(x.measured_max, 12 + 11 + 20 + 18, 1e-9);
    cr_assert(!row(&x, "1.1-1.3")->applies);     /* a commune does not publish procedures */
    cr_assert(row(&x, "1.4")->applies && !row(&x, "1.4")->measured);
    cr_assert_lt(row(&x, "3.3")->score, 0);
    report_index(&f, false, &x);
    cr_assert(row(&x, "1.1-1.3")->applies);      /* a province: applies, still not measured */
    /* nothing to handle: no ratio, no score, nothing measured */
    memset(&f, 0, sizeof f);
    report_index(&f, true, &x);
    cr_assert_float_eq(x.score, 0, 1e-9);
    cr_assert_float_eq(x.measured_max, 0, 1e-9);
    cr_assert_lt(row(&x, "2.1")->ratio, 0);
    cr_assert_lt(report_on_time_ratio(&f), 0);
    /* more bad than dossiers: 5.4 is 0, never negative */
    f.v[RF_TO_HANDLE] = 2;
    f.v[RF_ENDED_LATE] = 2;
    f.v[RF_COMPLAINTS] = 5;
    report_index(&f, true, &x);
    cr_assert_float_eq(row(&x, "5.4")->score, 0, 1e-9);
    cr_assert_float_eq(report_on_time_ratio(&f), 0, 1e-9);
}

Test(report_index, json)
{
    report_figures_t f;
    memset(&f, 0, sizeof f);
    f.v[RF_TO_HANDLE] = 3;
    f.v[RF_RECEIVED] = 3;
    f.v[RF_IN_PROGRESS_OVERDUE] = 1;
    report_index_t x;
    report_index(&f, true, &x);
    buf_t b;
    jw_t w;
    buf_init(&b, 0);
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "figures");
    report_json_figures(&w, &f);
    jw_key(&w, "shares");
    report_json_shares(&w, &f);
    jw_key(&w, "index");
    report_json_index(&w, &x);
    jw_obj_end(&w);
    cr_assert(strstr(b.data, "\"to_handle\":3"), "%s", b.data);
    cr_assert(!strstr(b.data, "ended_late"), "internal figure leaked: %s", b.data);
    cr_assert(strstr(b.data, "{\"key\":\"on_time\",\"numerator\":2,\"denominator\":3,\"ratio\":0.6667"), "%s", b.data);
    cr_assert(strstr(b.data, "{\"key\":\"online_payment\",\"numerator\":null,\"denominator\":null,\"ratio\":null,\"measured\":false}"),
              "%s", b.data);
    cr_assert(strstr(b.data, "\"key\":\"2.1\",\"group\":\"progress\",\"max\":20"), "%s", b.data);
    cr_assert(strstr(b.data, "\"score\":13.33}"), "%s", b.data);
    buf_free(&b);
}
