/* calendar.h — the legal clock: working time, due instants, pauses, extensions and timeliness.
 *
 * All instants are `long` minutes since 1970-01-01 00:00 Vietnam local time (UTC+7, no DST); days are `long`
 * days since 1970-01-01 (the same epoch). A calendar_t is built once from a holiday set and a working-time
 * configuration and is read-only afterwards, so worker threads share it without locks. It precomputes, for
 * every day of 1900..2199, whether it is a working day and how many working days precede it, which makes
 * every query below O(1).
 *
 * Working time: W(t) is the number of working minutes elapsed from 1900-01-01 00:00 to instant t. It rises
 * during the sessions of working days and is flat elsewhere. "N minutes of work from t" ends at the EARLIEST
 * instant u with W(u) = W(t) + N, so a due instant landing on a session boundary is the end of the earlier
 * session (17:30, never 07:30 of the next day; 11:30, never 13:30), and it never falls on a day off.
 *
 * Rules (Decree 63/2024/NĐ-CP art. 7 and provincial rules; see docs/legal-clock.md):
 *   DUE_DAYS     — `work` working minutes (N days = N × day length, 480 by default; N may be fractional)
 *                  counted from receipt; a dossier received after the cutoff (15:00) of a working day, or
 *                  outside working time, starts at the next working session.
 *   DUE_HOURS    — `work` working minutes from receipt; outside working time from the next session; no cutoff.
 *   DUE_SAME_DAY — the end of the last session of the day of receipt; received after the cutoff or on a day
 *                  off: the end of the next working day. `work` is ignored.
 *
 * Timeliness (Form 05 "Phiếu kiểm soát quá trình giải quyết hồ sơ", Decision 766/QĐ-TTg progress criteria):
 *   CALENDAR_LATE    — finished after the due instant (finished > due);
 *   CALENDAR_EARLY   — finished before the start of the first session of the day on which the due instant
 *                      falls (i.e. on an earlier day than the appointment day);
 *   CALENDAR_ON_TIME — otherwise (on the appointment day, at or before the due instant).
 *
 * Every function returns 0 or a negative errno: -EINVAL bad input, -ERANGE outside 1900..2199, -EPERM a
 * request the rules forbid (late extension). Out-of-memory aborts. */
#ifndef MOTCUA_CALENDAR_H
#define MOTCUA_CALENDAR_H

#include <stddef.h>

#include "domain/holiday.h"

typedef struct calendar calendar_t; /* opaque: callers never see the per-day tables */

typedef enum due_rule { DUE_DAYS = 0, DUE_HOURS = 1, DUE_SAME_DAY = 2 } due_rule_t;

typedef enum calendar_timing { CALENDAR_EARLY = 0, CALENDAR_ON_TIME = 1, CALENDAR_LATE = 2 } calendar_timing_t;

/* Working time of a unit, in minutes after local midnight. */
typedef struct calendar_config {
    int morning_start, morning_end;     /* default 07:30–11:30 */
    int afternoon_start, afternoon_end; /* default 13:30–17:30 */
    int cutoff;                         /* DUE_DAYS / DUE_SAME_DAY cutoff, default 15:00 (received after it:
                                           next working day) */
    unsigned weekdays;                  /* bit 0 = Monday .. bit 6 = Sunday; default Monday–Friday (0x1f) */
} calendar_config_t;

#define CALENDAR_MINUTES_PER_DAY 1440L

void calendar_config_default(calendar_config_t *cfg);

/* Builds a calendar from `days` (may be NULL: no holidays) and `cfg` (NULL: the default). 0 or -EINVAL. */
int calendar_open(calendar_t **out, const holiday_set_t *days, const calendar_config_t *cfg);
void calendar_close(calendar_t *cal);

/* Working minutes in one working day (480 by default). */
long calendar_day_length(const calendar_t *cal);

/* Conversions between UTC milliseconds since the Unix epoch and local minutes (floor). */
long calendar_minutes_from_utc_ms(long long ms);
long long calendar_utc_ms_from_minutes(long minutes);

/* Days and instants. calendar_day_from_ymd: -EINVAL not a date, -ERANGE outside 1900..2199. */
int calendar_day_from_ymd(int year, int month, int day, long *out);
int calendar_ymd_from_day(long day, int *year, int *month, int *mday);
int calendar_instant_from_parts(int year, int month, int day, int hour, int minute, long *out);
/* "YYYY-MM-DDTHH:MM" exactly (16 characters) ↔ instant. */
int calendar_instant_parse(const char *text, long *out);
int calendar_instant_format(long instant, char *buf, size_t cap); /* cap >= 17 */

/* Working minutes for a statutory time of `days` working days (fractional allowed, rounded to the minute) or
 * `hours` working hours. -EINVAL if negative, not finite or absurdly large. */
int calendar_work_from_days(const calendar_t *cal, double days, long *work);
int calendar_work_from_hours(double hours, long *work);
/* A statutory amount as the API (?amount=) and the CLI (--days, --hours) take it: a positive decimal written with
 * digits and at most one inner '.', at most CALENDAR_AMOUNT_MAX characters ("2", "0.25"; not "1e2", "-1", ".5",
 * "nan"). 0, or -EINVAL. */
#define CALENDAR_AMOUNT_MAX 32
int calendar_amount_parse(const char *text, double *out);

/* The due instant of a dossier received at `from` under `rule` with `work` working minutes (> 0 unless
 * DUE_SAME_DAY). */
int calendar_due(const calendar_t *cal, long from, due_rule_t rule, long work, long *due);

/* The instant at which `minutes` (>= 0) working minutes counted from `from` run out (0 → `from`). */
int calendar_add_working_minutes(const calendar_t *cal, long from, long minutes, long *out);

/* Working minutes in [from, to]; from <= to. */
int calendar_working_minutes_between(const calendar_t *cal, long from, long to, long *out);

/* Whether `day` is a working day (1) or not (0). */
int calendar_is_working_day(const calendar_t *cal, long day, int *working);

/* Number of working days in the closed range [first, last] of days; first <= last. */
int calendar_workdays(const calendar_t *cal, long first, long last, long *count);

/* A paused clock (supplement requested at `paused_at`, papers back at `resumed_at`): the due instant moves
 * later by the working time spent waiting, W(new) = W(due) + W(resumed_at) − W(paused_at). When the
 * procedure restarts the statutory time instead, call calendar_due() from the resubmission instant. */
int calendar_due_after_pause(const calendar_t *cal, long due, long paused_at, long resumed_at, long *new_due);

/* Apology and extension (Form "Phiếu xin lỗi và đề nghị gia hạn"): allowed only when requested at least one
 * working day (day length of working time) before `due`; the new due is `due` plus `extra` (> 0) working
 * minutes. The caller keeps the original due. -EPERM if requested too late. */
int calendar_extend(const calendar_t *cal, long due, long requested_at, long extra, long *new_due);

/* Step budgets: step i of a process template gets budgets[i] working minutes (a fraction of a working day,
 * see calendar_work_from_days). dues[i] is the due of step i when the steps run back to back from receipt
 * at `received` under `rule` (DUE_DAYS applies the cutoff, DUE_HOURS not). */
int calendar_plan_steps(const calendar_t *cal, long received, due_rule_t rule, const long *budgets, size_t n,
                        long *dues);

/* The due of one step handed over at `start` with `budget` working minutes (DUE_HOURS semantics). */
int calendar_step_due(const calendar_t *cal, long start, long budget, long *due);

/* Classifies a dossier or step finished at `finished` against its due instant (see the definition above). */
int calendar_classify(const calendar_t *cal, long due, long finished, calendar_timing_t *out);

#endif
