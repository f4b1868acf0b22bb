/* lunar.h — the Vietnamese lunisolar calendar (âm lịch), 1900–2199, and Gregorian day arithmetic.
 *
 * The calendar is computed astronomically for the meridian of UTC+7, following the method published by
 * Hồ Ngọc Đức: lunar months start on the local day of the new moon; month 11 is the month that contains the
 * winter solstice; a "year" between two months 11 that holds 13 months gets a leap month, the first month of
 * it with no major solar term (sun longitude a multiple of 30°). See docs/legal-clock.md.
 *
 * Invariants: a lunar_date_t with leap != 0 names the repeated (second) month of that number; every function
 * that succeeds leaves the Gregorian result within 1900-01-01..2199-12-31, and lunar_from_solar() followed by
 * lunar_to_solar() is the identity on that range. Functions are pure and thread-safe. */
#ifndef MOTCUA_LUNAR_H
#define MOTCUA_LUNAR_H

#define LUNAR_MIN_YEAR 1900 /* first Gregorian year served */
#define LUNAR_MAX_YEAR 2199 /* last Gregorian year served */

typedef struct lunar_date {
    int year;  /* lunar year, named after the Gregorian year in which its month 1 starts */
    int month; /* 1..12 */
    int day;   /* 1..30 */
    int leap;  /* 1 if this is the leap (nhuận) month repeating `month`, else 0 */
} lunar_date_t;

/* Julian day number of a Gregorian date (proleptic). Does not validate; see lunar_solar_valid(). */
long lunar_jdn_from_ymd(int year, int month, int day);

/* The Gregorian date of a Julian day number. */
void lunar_ymd_from_jdn(long jdn, int *year, int *month, int *day);

/* 0 if year-month-day is a real Gregorian date within 1900..2199; -EINVAL if it is not a date (2026-02-30);
 * -ERANGE if it is a date outside the range. */
int lunar_solar_valid(int year, int month, int day);

/* Text forms, shared by the CLI, the API and the store. "YYYY-MM-DD": a valid solar date in 1900..2199 (0,
 * -EINVAL malformed or impossible, -ERANGE out of range). "YYYY-MM-DD" or "YYYY-MML-DD" (leap month): the fields
 * of a lunar date, not yet checked against the calendar (lunar_to_solar does that). */
int lunar_solar_parse(const char *s, int *year, int *month, int *day);
int lunar_parse(const char *s, lunar_date_t *out);

/* Day of the week of a Gregorian date: 0 = Monday .. 6 = Sunday. */
int lunar_weekday(long jdn);

/* Converts a Gregorian date to the Vietnamese lunar date. 0, -EINVAL (not a date) or -ERANGE. */
int lunar_from_solar(int year, int month, int day, lunar_date_t *out);

/* Converts a Vietnamese lunar date to the Gregorian date. -EINVAL if the lunar date does not exist (day 30 of a
 * 29-day month, a leap month the year lacks), -ERANGE if the Gregorian result would fall outside 1900..2199. */
int lunar_to_solar(const lunar_date_t *in, int *year, int *month, int *day);

/* The leap month of lunar year `lunar_year` (1..12), or 0 when it has none, in *leap_month. 0 or -ERANGE. */
int lunar_leap_month(int lunar_year, int *leap_month);

/* Number of days (29 or 30) of a lunar month. -EINVAL if the month does not exist, -ERANGE outside range. */
int lunar_month_length(int lunar_year, int month, int leap, int *days);

#endif
