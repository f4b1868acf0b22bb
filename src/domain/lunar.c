/* lunar.c — the Vietnamese lunisolar calendar computed astronomically for UTC+7.
 *
 * The unit of work is a "span": the months from the month 11 (tháng Một) that contains the winter solstice of
 * Gregorian year y up to, not including, the month 11 of year y+1. A span has 12 or 13 months; with 13, the
 * first month in which the sun enters no new 30° sector (no major solar term, trung khí) is the leap month and
 * takes the number of the month before it. Months 11 and 12 at the head of span(y) belong to lunar year y;
 * months 1..10 belong to lunar year y+1.
 *
 * Astronomy: mean new moon k (k = 0 near 1900-01-01) corrected by the principal periodic terms of the lunar
 * and solar anomalies and the moon's argument of latitude, and by ΔT; the apparent sun longitude from the
 * mean longitude plus the equation of the centre. Both are accurate to minutes over 1900–2199, which is what
 * the published Vietnamese calendar uses; a day is "the local day" at UTC+7.
 *
 * Invariant: span_compute() yields strictly increasing month starts, each month 29 or 30 days long, and the
 * last start equals the first start of the next span. */
#include "domain/lunar.h"

#include <string.h>

#include <errno.h>
#include <math.h>
#include <stddef.h>

#define LUNAR_TZ_HOURS 7.0
#define LUNAR_SYNODIC 29.530588853
#define LUNAR_EPOCH_NEW_MOON 2415021.076998695 /* JD of the mean new moon k = 0 (1900-01-01 local) */
#define LUNAR_PI 3.14159265358979323846
#define LUNAR_DEG (LUNAR_PI / 180.0)
#define LUNAR_SPAN_MAX 14 /* 13 months + the start of the next span */

/* JDN range of the served Gregorian dates, 1900-01-01 .. 2199-12-31. */
#define LUNAR_JDN_MIN 2415021L
#define LUNAR_JDN_MAX 2524593L

typedef struct lunar_span {
    int first_year;                  /* Gregorian year y whose month 11 opens the span */
    int months;                      /* 12 or 13 */
    int leap_index;                  /* index of the leap month, or -1 */
    long start[LUNAR_SPAN_MAX];      /* JDN of the first day of month i; start[months] opens the next span */
} lunar_span_t;

long lunar_jdn_from_ymd(int year, int month, int day)
{
    /* Days from March of the shifted year, so that February is the last month and leap days fall at the end. */
    long a = (14 - month) / 12;
    long y = (long)year + 4800 - a;
    long m = month + 12 * a - 3;
    return day + (153 * m + 2) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 32045;
}

void lunar_ymd_from_jdn(long jdn, int *year, int *month, int *day)
{
    long a = jdn + 32044;
    long b = (4 * a + 3) / 146097;
    long c = a - (146097 * b) / 4;
    long d = (4 * c + 3) / 1461;
    long e = c - (1461 * d) / 4;
    long m = (5 * e + 2) / 153;
    *day = (int)(e - (153 * m + 2) / 5 + 1);
    *month = (int)(m + 3 - 12 * (m / 10));
    *year = (int)(100 * b + d - 4800 + m / 10);
}

static int lunar_is_leap_gregorian(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int lunar_solar_valid(int year, int month, int day)
{
    static const int days_in[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (month < 1 || month > 12 || day < 1)
        return -EINVAL;
    int max = days_in[month - 1] + (month == 2 && lunar_is_leap_gregorian(year) ? 1 : 0);
    if (day > max)
        return -EINVAL;
    if (year < LUNAR_MIN_YEAR || year > LUNAR_MAX_YEAR)
        return -ERANGE;
    return 0;
}

int lunar_weekday(long jdn)
{
    long r = jdn % 7; /* JDN 0 was a Monday */
    return (int)(r < 0 ? r + 7 : r);
}

/* Julian date (UT) of the true new moon number k. */
static double lunar_new_moon_jd(long k)
{
    double t = (double)k / 1236.85; /* Julian centuries from 1900 */
    double t2 = t * t, t3 = t2 * t;
    double jd = 2415020.75933 + 29.53058868 * (double)k + 0.0001178 * t2 - 0.000000155 * t3;
    jd += 0.00033 * sin((166.56 + 132.87 * t - 0.009173 * t2) * LUNAR_DEG);
    double sun_anomaly = (359.2242 + 29.10535608 * (double)k - 0.0000333 * t2 - 0.00000347 * t3) * LUNAR_DEG;
    double moon_anomaly = (306.0253 + 385.81691806 * (double)k + 0.0107306 * t2 + 0.00001236 * t3) * LUNAR_DEG;
    double latitude_arg = (21.2964 + 390.67050646 * (double)k - 0.0016528 * t2 - 0.00000239 * t3) * LUNAR_DEG;
    double corr = (0.1734 - 0.000393 * t) * sin(sun_anomaly) + 0.0021 * sin(2 * sun_anomaly)
        - 0.4068 * sin(moon_anomaly) + 0.0161 * sin(2 * moon_anomaly) - 0.0004 * sin(3 * moon_anomaly)
        + 0.0104 * sin(2 * latitude_arg) - 0.0051 * sin(sun_anomaly + moon_anomaly)
        - 0.0074 * sin(sun_anomaly - moon_anomaly) + 0.0004 * sin(2 * latitude_arg + sun_anomaly)
        - 0.0004 * sin(2 * latitude_arg - sun_anomaly) - 0.0006 * sin(2 * latitude_arg + moon_anomaly)
        + 0.0010 * sin(2 * latitude_arg - moon_anomaly) + 0.0005 * sin(2 * moon_anomaly + sun_anomaly);
    /* ΔT (TT - UT) in days: a polynomial fit before 1748 (T < -11), another one after. */
    double delta_t;
    if (t < -11)
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3;
    else
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2;
    return jd + corr - delta_t;
}

/* The local (UTC+7) day, as a JDN, on which new moon k falls. */
static long lunar_new_moon_day(long k)
{
    return (long)floor(lunar_new_moon_jd(k) + 0.5 + LUNAR_TZ_HOURS / 24.0);
}

/* Apparent longitude of the sun, radians in [0, 2π), at Julian date jd (UT). */
static double lunar_sun_longitude(double jd)
{
    double t = (jd - 2451545.0) / 36525.0; /* Julian centuries from J2000 */
    double t2 = t * t;
    double mean_anomaly = (357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2) * LUNAR_DEG;
    double mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2;
    double centre = (1.914600 - 0.004817 * t - 0.000014 * t2) * sin(mean_anomaly)
        + (0.019993 - 0.000101 * t) * sin(2 * mean_anomaly) + 0.000290 * sin(3 * mean_anomaly);
    double l = (mean_longitude + centre) * LUNAR_DEG;
    l -= 2 * LUNAR_PI * floor(l / (2 * LUNAR_PI));
    return l;
}

/* Which 30° sector (0..11; 9 starts at the winter solstice, 270°) the sun is in at local midnight opening
 * day `jdn`. */
static int lunar_sun_sector(long jdn)
{
    double l = lunar_sun_longitude((double)jdn - 0.5 - LUNAR_TZ_HOURS / 24.0);
    int s = (int)floor(l / (LUNAR_PI / 6.0));
    return s > 11 ? 11 : s;
}

/* JDN of the first day of the month 11 that contains the winter solstice of Gregorian year `year`. */
static long lunar_month11_start(int year)
{
    long off = lunar_jdn_from_ymd(year, 12, 31) - 2415021L;
    long k = (long)floor((double)off / LUNAR_SYNODIC);
    long nm = lunar_new_moon_day(k);
    /* At or past 270° when this month opens: the solstice came in the month before. */
    if (lunar_sun_sector(nm) >= 9)
        nm = lunar_new_moon_day(k - 1);
    return nm;
}

static void lunar_span_compute(int year, lunar_span_t *sp)
{
    long a = lunar_month11_start(year);
    long b = lunar_month11_start(year + 1);
    long k = (long)floor(((double)a - LUNAR_EPOCH_NEW_MOON) / LUNAR_SYNODIC + 0.5);
    /* The rounded mean index lands on the new moon of `a`; step if the true moon fell across a day edge. */
    while (lunar_new_moon_day(k) > a)
        k--;
    while (lunar_new_moon_day(k) < a)
        k++;
    sp->first_year = year;
    sp->months = (b - a > 365) ? 13 : 12;
    sp->leap_index = -1;
    for (int i = 0; i <= sp->months; i++)
        sp->start[i] = lunar_new_moon_day(k + i);
    if (sp->months == 13) {
        int prev = lunar_sun_sector(sp->start[1]);
        for (int i = 1; i < 13; i++) {
            int next = lunar_sun_sector(sp->start[i + 1]);
            if (next == prev) {
                sp->leap_index = i;
                break;
            }
            prev = next;
        }
    }
}

/* Number, leap flag and lunar year of month `i` of a span. */
static void lunar_span_label(const lunar_span_t *sp, int i, int *year, int *month, int *leap)
{
    int ordinal = i; /* months counted from month 11, the leap month not counted */
    *leap = 0;
    if (sp->leap_index >= 0 && i >= sp->leap_index) {
        ordinal = i - 1;
        if (i == sp->leap_index)
            *leap = 1;
    }
    int m = 11 + ordinal;
    if (m > 12)
        m -= 12;
    *month = m;
    *year = (m >= 11 && i < 4) ? sp->first_year : sp->first_year + 1;
}

int lunar_from_solar(int year, int month, int day, lunar_date_t *out)
{
    int rc = lunar_solar_valid(year, month, day);
    if (rc < 0)
        return rc;
    if (!out)
        return -EINVAL;
    long jdn = lunar_jdn_from_ymd(year, month, day);
    lunar_span_t sp;
    lunar_span_compute(jdn >= lunar_month11_start(year) ? year : year - 1, &sp);
    int i = sp.months - 1;
    while (i > 0 && sp.start[i] > jdn)
        i--;
    lunar_span_label(&sp, i, &out->year, &out->month, &out->leap);
    out->day = (int)(jdn - sp.start[i] + 1);
    return 0;
}

/* Finds the span and index of a lunar month; -EINVAL if that month does not exist. */
static int lunar_locate(int lyear, int month, int leap, lunar_span_t *sp, int *index)
{
    /* Months 11 and 12 open span(lyear); months 1..10 lie in span(lyear - 1). */
    lunar_span_compute(month >= 11 ? lyear : lyear - 1, sp);
    for (int i = 0; i < sp->months; i++) {
        int y, m, l;
        lunar_span_label(sp, i, &y, &m, &l);
        if (y == lyear && m == month && l == (leap ? 1 : 0)) {
            *index = i;
            return 0;
        }
    }
    return -EINVAL;
}

int lunar_to_solar(const lunar_date_t *in, int *year, int *month, int *day)
{
    if (!in || !year || !month || !day)
        return -EINVAL;
    if (in->month < 1 || in->month > 12 || in->day < 1 || in->day > 30)
        return -EINVAL;
    if (in->year < LUNAR_MIN_YEAR - 1 || in->year > LUNAR_MAX_YEAR)
        return -ERANGE;
    lunar_span_t sp;
    int i;
    int rc = lunar_locate(in->year, in->month, in->leap, &sp, &i);
    if (rc < 0)
        return rc;
    if (in->day > sp.start[i + 1] - sp.start[i])
        return -EINVAL;
    long jdn = sp.start[i] + in->day - 1;
    if (jdn < LUNAR_JDN_MIN || jdn > LUNAR_JDN_MAX)
        return -ERANGE;
    lunar_ymd_from_jdn(jdn, year, month, day);
    return 0;
}

int lunar_leap_month(int lunar_year, int *leap_month)
{
    if (!leap_month)
        return -EINVAL;
    if (lunar_year < LUNAR_MIN_YEAR - 1 || lunar_year > LUNAR_MAX_YEAR)
        return -ERANGE;
    *leap_month = 0;
    /* A leap 11 or 12 would sit at the head of span(year); any other leap month in span(year - 1). */
    for (int s = lunar_year - 1; s <= lunar_year; s++) {
        lunar_span_t sp;
        lunar_span_compute(s, &sp);
        if (sp.leap_index < 0)
            continue;
        int y, m, l;
        lunar_span_label(&sp, sp.leap_index, &y, &m, &l);
        if (y == lunar_year)
            *leap_month = m;
    }
    return 0;
}

int lunar_month_length(int lunar_year, int month, int leap, int *days)
{
    if (!days || month < 1 || month > 12)
        return -EINVAL;
    if (lunar_year < LUNAR_MIN_YEAR - 1 || lunar_year > LUNAR_MAX_YEAR)
        return -ERANGE;
    lunar_span_t sp;
    int i;
    int rc = lunar_locate(lunar_year, month, leap, &sp, &i);
    if (rc < 0)
        return rc;
    *days = (int)(sp.start[i + 1] - sp.start[i]);
    return 0;
}

/* ---- text forms ---- */

/* Exactly n decimal digits at s. */
static int read_digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int lunar_solar_parse(const char *s, int *year, int *month, int *day)
{
    int y, m, d;
    if (!s || strnlen(s, 11) != 10 || s[4] != '-' || s[7] != '-')
        return -EINVAL;
    if (read_digits(s, 4, &y) || read_digits(s + 5, 2, &m) || read_digits(s + 8, 2, &d))
        return -EINVAL;
    int rc = lunar_solar_valid(y, m, d);
    if (rc < 0)
        return rc;
    *year = y;
    *month = m;
    *day = d;
    return 0;
}

int lunar_parse(const char *s, lunar_date_t *out)
{
    size_t n = s ? strnlen(s, 12) : 0;
    int leap = n == 11;
    if ((n != 10 && n != 11) || s[4] != '-' || (leap && s[7] != 'L') || s[7 + leap] != '-')
        return -EINVAL;
    lunar_date_t ld = {0, 0, 0, leap};
    if (read_digits(s, 4, &ld.year) || read_digits(s + 5, 2, &ld.month) || read_digits(s + 8 + leap, 2, &ld.day))
        return -EINVAL;
    *out = ld;
    return 0;
}
