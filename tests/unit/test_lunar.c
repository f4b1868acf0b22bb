/* test_lunar.c — the Vietnamese lunar calendar against published tables, plus exhaustive properties.
 *
 * Published data used (never produced by motcua's code):
 *   tests/data/tet-1900-2100.tsv        Tết (1/1 lunar) 1900–2100, from python-holidays' Vietnamese calendar
 *                                       table (github.com/vacanza/holidays, holidays/calendars/chinese.py).
 *   tests/data/hung-kings-1901-2100.tsv Hùng Kings' day (10/3 lunar), same source.
 *   Leap month 6 of 2025 (25/7–22/8/2025, 29 days; month 6 from 25/6, 30 days; month 7 from 23/8; the year
 *   Ất Tỵ has 384 days): thanhnien.vn, 2025-08-22, "Lịch âm hôm nay 22.8: ngày cuối tháng 6 nhuận".
 *   Leap month 2 of 2023 (from 22/3/2023) and leap month 4 of 2020 (from 23/5/2020): the Vietnamese calendar
 *   as printed (lịch vạn niên); Đoan Ngọ 2020 (5/5 lunar) on 25/6/2020 and Tết 2021 on 12/2/2021 bound them.
 * Tests run from the repository root. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "domain/lunar.h"

typedef struct row {
    int key, y, m, d;
} row_t;

/* Reads "key<TAB>YYYY-MM-DD" lines, skipping '#' comments; returns the count. */
static size_t read_table(const char *path, row_t *rows, size_t cap)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "cannot open %s (run the tests from the repository root)", path);
    char line[256];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        cr_assert_lt(n, cap);
        int got = sscanf(line, "%d\t%d-%d-%d", &rows[n].key, &rows[n].y, &rows[n].m, &rows[n].d);
        cr_assert_eq(got, 4, "bad line in %s: %s", path, line);
        n++;
    }
    fclose(f);
    return n;
}

Test(lunar, tet_1900_2100_matches_published_table)
{
    row_t rows[400];
    size_t n = read_table("tests/data/tet-1900-2100.tsv", rows, 400);
    cr_assert_eq(n, 201);
    for (size_t i = 0; i < n; i++) {
        lunar_date_t tet = { rows[i].key, 1, 1, 0 };
        int y, m, d;
        cr_assert_eq(lunar_to_solar(&tet, &y, &m, &d), 0);
        cr_expect(y == rows[i].y && m == rows[i].m && d == rows[i].d, "Tết %d: got %04d-%02d-%02d, published %04d-%02d-%02d",
                  rows[i].key, y, m, d, rows[i].y, rows[i].m, rows[i].d);
        lunar_date_t back;
        cr_assert_eq(lunar_from_solar(rows[i].y, rows[i].m, rows[i].d, &back), 0);
        cr_expect(back.year == rows[i].key && back.month == 1 && back.day == 1 && back.leap == 0,
                  "%04d-%02d-%02d should be 1/1 of %d", rows[i].y, rows[i].m, rows[i].d, rows[i].key);
    }
}

Test(lunar, hung_kings_1901_2100_matches_published_table)
{
    row_t rows[400];
    size_t n = read_table("tests/data/hung-kings-1901-2100.tsv", rows, 400);
    cr_assert_eq(n, 200);
    for (size_t i = 0; i < n; i++) {
        lunar_date_t hk = { rows[i].key, 3, 10, 0 };
        int y, m, d;
        cr_assert_eq(lunar_to_solar(&hk, &y, &m, &d), 0);
        cr_expect(y == rows[i].y && m == rows[i].m && d == rows[i].d, "Hùng Kings %d: got %04d-%02d-%02d", rows[i].key, y,
                  m, d);
    }
}

/* The years in which the Vietnamese calendar (UTC+7) and the Chinese one (UTC+8) place Tết differently. */
Test(lunar, tet_differs_from_china_in_1968_1985_2007)
{
    static const int want[][4] = { { 1968, 1968, 1, 29 }, { 1985, 1985, 1, 21 }, { 2007, 2007, 2, 17 } };
    for (size_t i = 0; i < 3; i++) {
        lunar_date_t tet = { want[i][0], 1, 1, 0 };
        int y, m, d;
        cr_assert_eq(lunar_to_solar(&tet, &y, &m, &d), 0);
        cr_assert(y == want[i][1] && m == want[i][2] && d == want[i][3], "Tết %d", want[i][0]);
    }
    /* China: 30/1/1968, 20/2/1985, 18/2/2007 — in Vietnam those are the 2nd of Tết or still the old year. */
    lunar_date_t l;
    cr_assert_eq(lunar_from_solar(1968, 1, 30, &l), 0);
    cr_assert(l.year == 1968 && l.month == 1 && l.day == 2);
    cr_assert_eq(lunar_from_solar(1985, 2, 20, &l), 0);
    cr_assert(l.year == 1985 && l.month == 2 && l.leap == 0, "1985-02-20 is %d-%d-%d", l.year, l.month, l.day);
    cr_assert_eq(lunar_from_solar(2007, 2, 18, &l), 0);
    cr_assert(l.year == 2007 && l.month == 1 && l.day == 2);
}

Test(lunar, leap_months_2020_2023_2025)
{
    int lm;
    cr_assert_eq(lunar_leap_month(2020, &lm), 0);
    cr_assert_eq(lm, 4);
    cr_assert_eq(lunar_leap_month(2023, &lm), 0);
    cr_assert_eq(lm, 2);
    cr_assert_eq(lunar_leap_month(2025, &lm), 0);
    cr_assert_eq(lm, 6);
    cr_assert_eq(lunar_leap_month(2024, &lm), 0);
    cr_assert_eq(lm, 0);

    lunar_date_t l;
    cr_assert_eq(lunar_from_solar(2025, 7, 25, &l), 0);
    cr_assert(l.year == 2025 && l.month == 6 && l.leap == 1 && l.day == 1);
    cr_assert_eq(lunar_from_solar(2025, 7, 24, &l), 0);
    cr_assert(l.year == 2025 && l.month == 6 && l.leap == 0 && l.day == 30);
    cr_assert_eq(lunar_from_solar(2025, 8, 22, &l), 0);
    cr_assert(l.month == 6 && l.leap == 1 && l.day == 29);
    cr_assert_eq(lunar_from_solar(2025, 8, 23, &l), 0);
    cr_assert(l.month == 7 && l.leap == 0 && l.day == 1);
    int days;
    cr_assert_eq(lunar_month_length(2025, 6, 0, &days), 0);
    cr_assert_eq(days, 30);
    cr_assert_eq(lunar_month_length(2025, 6, 1, &days), 0);
    cr_assert_eq(days, 29);

    cr_assert_eq(lunar_from_solar(2023, 3, 22, &l), 0);
    cr_assert(l.year == 2023 && l.month == 2 && l.leap == 1 && l.day == 1);
    cr_assert_eq(lunar_from_solar(2020, 5, 23, &l), 0);
    cr_assert(l.year == 2020 && l.month == 4 && l.leap == 1 && l.day == 1);
    lunar_date_t doan_ngo = { 2020, 5, 5, 0 };
    int y, m, d;
    cr_assert_eq(lunar_to_solar(&doan_ngo, &y, &m, &d), 0);
    cr_assert(y == 2020 && m == 6 && d == 25);

    lunar_date_t leap15 = { 2023, 2, 15, 1 };
    cr_assert_eq(lunar_to_solar(&leap15, &y, &m, &d), 0);
    cr_assert(y == 2023 && m == 4 && d == 5);
}

Test(lunar, year_ty_2025_has_384_days)
{
    long total = 0;
    for (int month = 1; month <= 12; month++) {
        int days;
        cr_assert_eq(lunar_month_length(2025, month, 0, &days), 0);
        total += days;
    }
    int days;
    cr_assert_eq(lunar_month_length(2025, 6, 1, &days), 0);
    total += days;
    cr_assert_eq(total, 384);
}

Test(lunar, rejects_bad_input)
{
    lunar_date_t l;
    int y, m, d;
    cr_assert_eq(lunar_from_solar(2026, 2, 30, &l), -EINVAL);
    cr_assert_eq(lunar_from_solar(2026, 13, 1, &l), -EINVAL);
    cr_assert_eq(lunar_from_solar(2023, 2, 29, &l), -EINVAL);
    cr_assert_eq(lunar_from_solar(1899, 12, 31, &l), -ERANGE);
    cr_assert_eq(lunar_from_solar(2200, 1, 1, &l), -ERANGE);
    cr_assert_eq(lunar_from_solar(2024, 2, 29, &l), 0);

    lunar_date_t no_leap = { 2024, 2, 1, 1 };
    cr_assert_eq(lunar_to_solar(&no_leap, &y, &m, &d), -EINVAL);
    lunar_date_t wrong_leap = { 2025, 5, 1, 1 };
    cr_assert_eq(lunar_to_solar(&wrong_leap, &y, &m, &d), -EINVAL);
    int len;
    cr_assert_eq(lunar_month_length(2025, 6, 1, &len), 0);
    lunar_date_t day30 = { 2025, 6, 30, 1 }; /* leap 6 of 2025 has 29 days */
    cr_assert_eq(lunar_to_solar(&day30, &y, &m, &d), -EINVAL);
    lunar_date_t month13 = { 2025, 13, 1, 0 };
    cr_assert_eq(lunar_to_solar(&month13, &y, &m, &d), -EINVAL);
    lunar_date_t far = { 2300, 1, 1, 0 };
    cr_assert_eq(lunar_to_solar(&far, &y, &m, &d), -ERANGE);
    lunar_date_t late = { 2199, 12, 1, 0 }; /* falls in January 2200 */
    cr_assert_eq(lunar_to_solar(&late, &y, &m, &d), -ERANGE);
    cr_assert_eq(lunar_to_solar(NULL, &y, &m, &d), -EINVAL);
}

Test(lunar, gregorian_helpers)
{
    cr_assert_eq(lunar_jdn_from_ymd(2000, 1, 1), 2451545L);
    cr_assert_eq(lunar_jdn_from_ymd(1970, 1, 1), 2440588L);
    int y, m, d;
    lunar_ymd_from_jdn(2451545L, &y, &m, &d);
    cr_assert(y == 2000 && m == 1 && d == 1);
    cr_assert_eq(lunar_weekday(lunar_jdn_from_ymd(2026, 2, 17)), 1); /* Tuesday */
    cr_assert_eq(lunar_weekday(lunar_jdn_from_ymd(2026, 8, 22)), 5); /* Saturday */
    cr_assert_eq(lunar_solar_valid(2100, 2, 29), -EINVAL);           /* not a leap year */
    cr_assert_eq(lunar_solar_valid(2000, 2, 29), 0);
}

/* Every day of 1900..2199: Gregorian → lunar → Gregorian is the identity, and consecutive days step the
 * lunar date by one (or to day 1 of the next month, never skipping a day). */
Test(lunar, round_trip_every_day_1900_2199, .timeout = 120)
{
    long first = lunar_jdn_from_ymd(1900, 1, 1), last = lunar_jdn_from_ymd(2199, 12, 31);
    lunar_date_t prev = { 0, 0, 0, 0 };
    long months = 0;
    for (long j = first; j <= last; j++) {
        int y, m, d, y2, m2, d2;
        lunar_ymd_from_jdn(j, &y, &m, &d);
        lunar_date_t l;
        cr_assert_eq(lunar_from_solar(y, m, d, &l), 0, "%04d-%02d-%02d", y, m, d);
        cr_assert_eq(lunar_to_solar(&l, &y2, &m2, &d2), 0, "%04d-%02d-%02d", y, m, d);
        cr_assert(y == y2 && m == m2 && d == d2, "%04d-%02d-%02d -> %d-%d%s-%d -> %04d-%02d-%02d", y, m, d, l.year,
                  l.month, l.leap ? "L" : "", l.day, y2, m2, d2);
        if (j > first) {
            if (l.day == 1) {
                months++;
                cr_assert(prev.day == 29 || prev.day == 30, "month before %04d-%02d-%02d had %d days", y, m, d,
                          prev.day);
            } else {
                cr_assert(l.day == prev.day + 1 && l.month == prev.month && l.leap == prev.leap && l.year == prev.year);
            }
        }
        prev = l;
    }
    /* 300 Gregorian years hold about 3710.5 synodic months. */
    cr_assert(months >= 3709 && months <= 3712, "months %ld", months);
}

/* A lunar year has 12 months, or 13 with exactly one leap month, and 353..385 days. */
Test(lunar, year_structure_1900_2199)
{
    for (int year = 1900; year <= 2198; year++) {
        int leap;
        cr_assert_eq(lunar_leap_month(year, &leap), 0);
        long total = 0;
        for (int month = 1; month <= 12; month++) {
            int days;
            cr_assert_eq(lunar_month_length(year, month, 0, &days), 0, "%d/%d", month, year);
            total += days;
        }
        if (leap) {
            int days;
            cr_assert_eq(lunar_month_length(year, leap, 1, &days), 0);
            total += days;
        }
        lunar_date_t a = { year, 1, 1, 0 }, b = { year + 1, 1, 1, 0 };
        int y, m, d;
        cr_assert_eq(lunar_to_solar(&a, &y, &m, &d), 0);
        long ja = lunar_jdn_from_ymd(y, m, d);
        cr_assert_eq(lunar_to_solar(&b, &y, &m, &d), 0);
        long jb = lunar_jdn_from_ymd(y, m, d);
        cr_assert_eq(total, jb - ja, "year %d", year);
        cr_assert(leap ? (total >= 383 && total <= 385) : (total >= 353 && total <= 355), "year %d: %ld days", year,
                  total);
    }
}

/* The shared text forms: "YYYY-MM-DD" (solar, validated) and "YYYY-MM[L]-DD" (lunar fields). */
Test(lunar_text, solar_parse_accepts_real_dates_and_refuses_the_rest)
{
    int y = 0, m = 0, d = 0;
    cr_assert_eq(lunar_solar_parse("2026-02-16", &y, &m, &d), 0);
    cr_assert(y == 2026 && m == 2 && d == 16);
    cr_assert_eq(lunar_solar_parse("2024-02-29", &y, &m, &d), 0, "a leap day");
    cr_assert_eq(lunar_solar_parse("2026-02-29", &y, &m, &d), -EINVAL, "not a leap year");
    cr_assert_eq(lunar_solar_parse("2026-02-30", &y, &m, &d), -EINVAL);
    cr_assert_eq(lunar_solar_parse("2026-13-01", &y, &m, &d), -EINVAL);
    cr_assert_eq(lunar_solar_parse("1899-12-31", &y, &m, &d), -ERANGE);
    cr_assert_eq(lunar_solar_parse("2200-01-01", &y, &m, &d), -ERANGE);
    cr_assert_eq(lunar_solar_parse("2026-2-16", &y, &m, &d), -EINVAL, "two-digit month required");
    cr_assert_eq(lunar_solar_parse("2026-02-16 ", &y, &m, &d), -EINVAL, "nothing after the date");
    cr_assert_eq(lunar_solar_parse("2026/02/16", &y, &m, &d), -EINVAL);
    cr_assert_eq(lunar_solar_parse("2O26-02-16", &y, &m, &d), -EINVAL, "a letter O");
    cr_assert_eq(lunar_solar_parse(NULL, &y, &m, &d), -EINVAL);
    cr_assert(y == 2024 && m == 2 && d == 29, "a refused input leaves the outputs alone");
}

Test(lunar_text, lunar_parse_reads_leap_months)
{
    lunar_date_t ld;
    cr_assert_eq(lunar_parse("2023-02L-15", &ld), 0);
    cr_assert(ld.year == 2023 && ld.month == 2 && ld.day == 15 && ld.leap == 1);
    cr_assert_eq(lunar_parse("2026-01-01", &ld), 0);
    cr_assert(ld.year == 2026 && ld.month == 1 && ld.day == 1 && ld.leap == 0);
    cr_assert_eq(lunar_parse("2023-02X-15", &ld), -EINVAL);
    cr_assert_eq(lunar_parse("2023-02-L15", &ld), -EINVAL);
    cr_assert_eq(lunar_parse("2023-2-15", &ld), -EINVAL);
    cr_assert_eq(lunar_parse("", &ld), -EINVAL);
    int y, m, d;
    cr_assert_eq(lunar_parse("2023-02L-01", &ld), 0);
    cr_assert_eq(lunar_to_solar(&ld, &y, &m, &d), 0);
    cr_assert(y == 2023 && m == 3 && d == 22, "2023-02L-01 is 22 March 2023 (the CLI and API example)");
}
