/* calendar.c — the legal clock: per-day tables built once, O(1) working-time arithmetic afterwards.
 *
 * Tables, indexed by day (0 = 1900-01-01 .. CAL_DAYS-1 = 2199-12-31):
 *   working[d]     1 if day d is a working day;
 *   ord_before[d]  number of working days before day d (CAL_DAYS + 1 entries);
 *   workday[k]     day index of the k-th working day (0-based).
 * Every working day holds exactly `day_len` working minutes, so the working-minute position of an instant is
 * W(t) = ord_before[d] * day_len + (minutes worked so far that day), and its inverse is a division and one
 * lookup in workday[]. Invariant: ord_before is non-decreasing, ord_before[CAL_DAYS] == nworkdays, and
 * workday[ord_before[d]] == d for every working day d. */
#include "domain/calendar.h"
#include "core/mem.h"

#include "domain/lunar.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAL_JDN_EPOCH 2440588L                   /* 1970-01-01 */
#define CAL_JDN_FIRST 2415021L                   /* 1900-01-01 */
#define CAL_JDN_LAST 2524593L                    /* 2199-12-31 */
#define CAL_DAY_OFFSET (CAL_JDN_EPOCH - CAL_JDN_FIRST) /* epoch day + offset = table index */
#define CAL_DAYS (CAL_JDN_LAST - CAL_JDN_FIRST + 1)
#define CAL_MS_PER_MINUTE 60000LL
#define CAL_TZ_MS (7LL * 3600LL * 1000LL)

struct calendar {
    calendar_config_t cfg;
    long day_len;      /* working minutes per working day */
    long morning_len;  /* minutes of the morning session */
    long close;        /* minute of day at which the last session ends */
    long nworkdays;
    uint8_t *working;
    int32_t *ord_before;
    int32_t *workday;
};

void calendar_config_default(calendar_config_t *cfg)
{
    if (!cfg)
        return;
    cfg->morning_start = 7 * 60 + 30;
    cfg->morning_end = 11 * 60 + 30;
    cfg->afternoon_start = 13 * 60 + 30;
    cfg->afternoon_end = 17 * 60 + 30;
    cfg->cutoff = 15 * 60;
    cfg->weekdays = 0x1fu;
}

static int calendar_config_check(const calendar_config_t *c)
{
    if (c->morning_start < 0 || c->morning_start >= c->morning_end || c->morning_end > c->afternoon_start
        || c->afternoon_start > c->afternoon_end || c->afternoon_end > 1440)
        return -EINVAL;
    if (c->cutoff < 0 || c->cutoff > 1440 || c->weekdays == 0 || (c->weekdays & ~0x7fu))
        return -EINVAL;
    return 0;
}

static long cal_floor_div(long a, long b)
{
    long q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void calendar_close(calendar_t *cal)
{
    if (!cal)
        return;
    free(cal->working);
    free(cal->ord_before);
    free(cal->workday);
    free(cal);
}


int calendar_open(calendar_t **out, const holiday_set_t *days, const calendar_config_t *cfg)
{
    if (!out)
        return -EINVAL;
    calendar_config_t c;
    if (cfg)
        c = *cfg;
    else
        calendar_config_default(&c);
    int rc = calendar_config_check(&c);
    if (rc < 0)
        return rc;

    calendar_t *cal = xcalloc(1, sizeof *cal);
    cal->cfg = c;
    cal->morning_len = c.morning_end - c.morning_start;
    cal->day_len = cal->morning_len + (c.afternoon_end - c.afternoon_start);
    cal->close = c.afternoon_end > c.afternoon_start ? c.afternoon_end : c.morning_end;
    cal->working = xcalloc((size_t)CAL_DAYS, 1);
    cal->ord_before = xcalloc((size_t)CAL_DAYS + 1, sizeof(int32_t));
    uint8_t *off = xcalloc((size_t)CAL_DAYS, 1);
    uint8_t *forced = xcalloc((size_t)CAL_DAYS, 1);

    for (int year = LUNAR_MIN_YEAR; days && year <= LUNAR_MAX_YEAR; year++) {
        holiday_entry_t *e;
        size_t n;
        rc = holiday_set_year(days, year, &e, &n);
        if (rc < 0) {
            free(off);
            free(forced);
            calendar_close(cal);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            long d = lunar_jdn_from_ymd(e[i].year, e[i].month, e[i].day) - CAL_JDN_FIRST;
            if (d < 0 || d >= CAL_DAYS)
                continue; /* a compensatory day pushed past 2199-12-31 */
            if (e[i].kind == HOLIDAY_WORKING_DAY)
                forced[d] = 1;
            else
                off[d] = 1; /* a day off wins over a conflicting working-day entry */
        }
        free(e);
    }
    long k = 0;
    for (long d = 0; d < CAL_DAYS; d++) {
        int wd = lunar_weekday(d + CAL_JDN_FIRST);
        int w = !off[d] && (((c.weekdays >> wd) & 1u) || forced[d]);
        cal->working[d] = (uint8_t)w;
        cal->ord_before[d] = (int32_t)k;
        k += w;
    }
    cal->ord_before[CAL_DAYS] = (int32_t)k;
    cal->nworkdays = k;
    cal->workday = xcalloc((size_t)(k ? k : 1), sizeof(int32_t));
    for (long d = 0; d < CAL_DAYS; d++)
        if (cal->working[d])
            cal->workday[cal->ord_before[d]] = (int32_t)d;
    free(off);
    free(forced);
    *out = cal;
    return 0;
}

long calendar_day_length(const calendar_t *cal)
{
    return cal ? cal->day_len : 0;
}

long calendar_minutes_from_utc_ms(long long ms)
{
    long long local = ms + CAL_TZ_MS;
    long long q = local / CAL_MS_PER_MINUTE;
    if (local % CAL_MS_PER_MINUTE != 0 && local < 0)
        q--;
    return (long)q;
}

long long calendar_utc_ms_from_minutes(long minutes)
{
    return (long long)minutes * CAL_MS_PER_MINUTE - CAL_TZ_MS;
}

int calendar_day_from_ymd(int year, int month, int day, long *out)
{
    if (!out)
        return -EINVAL;
    int rc = lunar_solar_valid(year, month, day);
    if (rc < 0)
        return rc;
    *out = lunar_jdn_from_ymd(year, month, day) - CAL_JDN_EPOCH;
    return 0;
}

int calendar_ymd_from_day(long day, int *year, int *month, int *mday)
{
    if (!year || !month || !mday)
        return -EINVAL;
    long idx = day + CAL_DAY_OFFSET;
    if (idx < 0 || idx >= CAL_DAYS)
        return -ERANGE;
    lunar_ymd_from_jdn(day + CAL_JDN_EPOCH, year, month, mday);
    return 0;
}

int calendar_instant_from_parts(int year, int month, int day, int hour, int minute, long *out)
{
    if (!out || hour < 0 || hour > 23 || minute < 0 || minute > 59)
        return -EINVAL;
    long d;
    int rc = calendar_day_from_ymd(year, month, day, &d);
    if (rc < 0)
        return rc;
    *out = d * CALENDAR_MINUTES_PER_DAY + hour * 60L + minute;
    return 0;
}

int calendar_amount_parse(const char *text, double *out)
{
    size_t n = text ? strnlen(text, CALENDAR_AMOUNT_MAX + 1) : 0;
    if (!out || n == 0 || n > CALENDAR_AMOUNT_MAX || text[0] == '.' || text[n - 1] == '.')
        return -EINVAL;
    int dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '.')
            dots++;
        else if (text[i] < '0' || text[i] > '9')
            return -EINVAL;
    }
    if (dots > 1)
        return -EINVAL;
    double v = strtod(text, NULL);
    if (!isfinite(v) || v <= 0)
        return -EINVAL;
    *out = v;
    return 0;
}

int calendar_instant_parse(const char *text, long *out)
{
    if (!text || !out || strnlen(text, 17) != 16)
        return -EINVAL;
    if ((text[10] != 'T' && text[10] != ' ') || text[13] != ':')
        return -EINVAL;
    for (int i = 11; i < 16; i++)
        if (i != 13 && (text[i] < '0' || text[i] > '9'))
            return -EINVAL;
    char date[11];
    memcpy(date, text, 10);
    date[10] = '\0';
    int y, mo, d;
    int rc = lunar_solar_parse(date, &y, &mo, &d);
    if (rc < 0)
        return rc;
    int h = (text[11] - '0') * 10 + (text[12] - '0'), mi = (text[14] - '0') * 10 + (text[15] - '0');
    return calendar_instant_from_parts(y, mo, d, h, mi, out);
}

int calendar_instant_format(long instant, char *buf, size_t cap)
{
    if (!buf || cap < 17)
        return -EINVAL;
    long day = cal_floor_div(instant, CALENDAR_MINUTES_PER_DAY);
    long mod = instant - day * CALENDAR_MINUTES_PER_DAY;
    int y, m, d;
    int rc = calendar_ymd_from_day(day, &y, &m, &d);
    if (rc < 0)
        return rc;
    int n = snprintf(buf, cap, "%04d-%02d-%02dT%02ld:%02ld", y, m, d, mod / 60, mod % 60);
    return (n == 16) ? 0 : -EINVAL;
}

int calendar_work_from_days(const calendar_t *cal, double days, long *work)
{
    if (!cal || !work || !isfinite(days) || days < 0 || days > 100000.0)
        return -EINVAL;
    *work = lround(days * (double)cal->day_len);
    return 0;
}

int calendar_work_from_hours(double hours, long *work)
{
    if (!work || !isfinite(hours) || hours < 0 || hours > 1000000.0)
        return -EINVAL;
    *work = lround(hours * 60.0);
    return 0;
}

/* ---- the O(1) core --------------------------------------------------------------------------------------- */

/* Table index and minute of day of an instant; -ERANGE outside 1900..2199. */
static inline int cal_split(long t, long *idx, long *mod)
{
    long day = cal_floor_div(t, CALENDAR_MINUTES_PER_DAY);
    long i = day + CAL_DAY_OFFSET;
    if (i < 0 || i >= CAL_DAYS)
        return -ERANGE;
    *idx = i;
    *mod = t - day * CALENDAR_MINUTES_PER_DAY;
    return 0;
}

static inline long cal_clamp(long v, long lo, long hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Working minutes of a working day elapsed at minute-of-day `mod`. */
static inline long cal_within(const calendar_t *cal, long mod)
{
    const calendar_config_t *c = &cal->cfg;
    return cal_clamp(mod - c->morning_start, 0, cal->morning_len)
        + cal_clamp(mod - c->afternoon_start, 0, c->afternoon_end - c->afternoon_start);
}

static inline long cal_position(const calendar_t *cal, long idx, long mod)
{
    long w = (long)cal->ord_before[idx] * cal->day_len;
    return cal->working[idx] ? w + cal_within(cal, mod) : w;
}

/* The earliest instant u with W(u) == target (target >= 1). */
static inline int cal_instant_at(const calendar_t *cal, long target, long *out)
{
    if (target < 1)
        return -EINVAL;
    long k = (target - 1) / cal->day_len;
    if (k >= cal->nworkdays)
        return -ERANGE;
    long r = target - k * cal->day_len; /* 1..day_len */
    long mod = r <= cal->morning_len ? cal->cfg.morning_start + r
                                     : cal->cfg.afternoon_start + (r - cal->morning_len);
    *out = ((long)cal->workday[k] - CAL_DAY_OFFSET) * CALENDAR_MINUTES_PER_DAY + mod;
    return 0;
}

/* W at which work on a dossier received at `t` starts: with the cutoff, receipt after it on a working day
 * counts from the next working day. */
static inline long cal_start_position(const calendar_t *cal, long idx, long mod, int with_cutoff)
{
    if (with_cutoff && cal->working[idx] && mod > cal->cfg.cutoff)
        return (long)cal->ord_before[idx + 1] * cal->day_len;
    return cal_position(cal, idx, mod);
}

static inline int cal_work_ok(const calendar_t *cal, long work)
{
    if (work < 0)
        return -EINVAL;
    if (work > cal->nworkdays * cal->day_len)
        return -ERANGE;
    return 0;
}

int calendar_due(const calendar_t *cal, long from, due_rule_t rule, long work, long *due)
{
    if (!cal || !due)
        return -EINVAL;
    long idx, mod;
    int rc = cal_split(from, &idx, &mod);
    if (rc < 0)
        return rc;
    switch (rule) {
    case DUE_DAYS:
    case DUE_HOURS:
        if (work <= 0)
            return -EINVAL;
        if ((rc = cal_work_ok(cal, work)) < 0)
            return rc;
        return cal_instant_at(cal, cal_start_position(cal, idx, mod, rule == DUE_DAYS) + work, due);
    case DUE_SAME_DAY: {
        long k = cal_start_position(cal, idx, mod, 1) / cal->day_len;
        if (k >= cal->nworkdays)
            return -ERANGE;
        *due = ((long)cal->workday[k] - CAL_DAY_OFFSET) * CALENDAR_MINUTES_PER_DAY + cal->close;
        return 0;
    }
    }
    return -EINVAL;
}

int calendar_add_working_minutes(const calendar_t *cal, long from, long minutes, long *out)
{
    if (!cal || !out)
        return -EINVAL;
    long idx, mod;
    int rc = cal_split(from, &idx, &mod);
    if (rc < 0)
        return rc;
    if ((rc = cal_work_ok(cal, minutes)) < 0)
        return rc;
    if (minutes == 0) {
        *out = from;
        return 0;
    }
    return cal_instant_at(cal, cal_position(cal, idx, mod) + minutes, out);
}

int calendar_working_minutes_between(const calendar_t *cal, long from, long to, long *out)
{
    if (!cal || !out || from > to)
        return -EINVAL;
    long i1, m1, i2, m2;
    int rc;
    if ((rc = cal_split(from, &i1, &m1)) < 0 || (rc = cal_split(to, &i2, &m2)) < 0)
        return rc;
    *out = cal_position(cal, i2, m2) - cal_position(cal, i1, m1);
    return 0;
}

int calendar_is_working_day(const calendar_t *cal, long day, int *working)
{
    if (!cal || !working)
        return -EINVAL;
    long idx = day + CAL_DAY_OFFSET;
    if (idx < 0 || idx >= CAL_DAYS)
        return -ERANGE;
    *working = cal->working[idx];
    return 0;
}

int calendar_workdays(const calendar_t *cal, long first, long last, long *count)
{
    if (!cal || !count || first > last)
        return -EINVAL;
    long a = first + CAL_DAY_OFFSET, b = last + CAL_DAY_OFFSET;
    if (a < 0 || b >= CAL_DAYS)
        return -ERANGE;
    *count = (long)cal->ord_before[b + 1] - (long)cal->ord_before[a];
    return 0;
}

int calendar_due_after_pause(const calendar_t *cal, long due, long paused_at, long resumed_at, long *new_due)
{
    if (!cal || !new_due || paused_at > resumed_at)
        return -EINVAL;
    long waited, di, dm;
    int rc = calendar_working_minutes_between(cal, paused_at, resumed_at, &waited);
    if (rc < 0)
        return rc;
    if ((rc = cal_split(due, &di, &dm)) < 0)
        return rc;
    if (waited == 0) {
        *new_due = due;
        return 0;
    }
    return cal_instant_at(cal, cal_position(cal, di, dm) + waited, new_due);
}

int calendar_extend(const calendar_t *cal, long due, long requested_at, long extra, long *new_due)
{
    if (!cal || !new_due || extra <= 0)
        return -EINVAL;
    long left;
    if (requested_at > due)
        return -EPERM;
    int rc = calendar_working_minutes_between(cal, requested_at, due, &left);
    if (rc < 0)
        return rc;
    if (left < cal->day_len)
        return -EPERM;
    if ((rc = cal_work_ok(cal, extra)) < 0)
        return rc;
    long di, dm;
    if ((rc = cal_split(due, &di, &dm)) < 0)
        return rc;
    return cal_instant_at(cal, cal_position(cal, di, dm) + extra, new_due);
}

int calendar_plan_steps(const calendar_t *cal, long received, due_rule_t rule, const long *budgets, size_t n,
                        long *dues)
{
    if (!cal || (n && (!budgets || !dues)) || (rule != DUE_DAYS && rule != DUE_HOURS))
        return -EINVAL;
    long idx, mod;
    int rc = cal_split(received, &idx, &mod);
    if (rc < 0)
        return rc;
    long start = cal_start_position(cal, idx, mod, rule == DUE_DAYS);
    long sum = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = cal_work_ok(cal, budgets[i])) < 0)
            return rc;
        sum += budgets[i];
        if ((rc = cal_work_ok(cal, sum)) < 0)
            return rc;
        if (sum == 0)
            dues[i] = received; /* nothing budgeted yet (e.g. returning the result is not counted) */
        else if (budgets[i] == 0)
            dues[i] = dues[i - 1];
        else if ((rc = cal_instant_at(cal, start + sum, &dues[i])) < 0)
            return rc;
    }
    return 0;
}

int calendar_step_due(const calendar_t *cal, long start, long budget, long *due)
{
    return calendar_due(cal, start, DUE_HOURS, budget, due);
}

int calendar_classify(const calendar_t *cal, long due, long finished, calendar_timing_t *out)
{
    if (!cal || !out)
        return -EINVAL;
    long idx, mod, fi, fm;
    int rc;
    if ((rc = cal_split(due, &idx, &mod)) < 0 || (rc = cal_split(finished, &fi, &fm)) < 0)
        return rc;
    long day_open = (due - mod) + cal->cfg.morning_start;
    if (finished > due)
        *out = CALENDAR_LATE;
    else if (finished < day_open)
        *out = CALENDAR_EARLY;
    else
        *out = CALENDAR_ON_TIME;
    return 0;
}
