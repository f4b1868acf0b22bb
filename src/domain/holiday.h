/* holiday.h — public holidays, compensatory days off and make-up working days, as data.
 *
 * A holiday set answers one question per Gregorian year: which dates are days off on top of the weekly rest,
 * and which weekend dates are worked. It combines three layers:
 *   1. the statutory rules (Labour Code 2019 art. 112, with compensation under art. 111(3)), generated for
 *      every year that has no government decision in the set (HOLIDAY_RULES);
 *   2. government decisions: entries of kind HOLIDAY_DAY_OFF / HOLIDAY_WORKING_DAY; a year with at least one
 *      HOLIDAY_DAY_OFF entry is "decided" and its national days off are exactly its entries (the shipped
 *      2025 and 2026 decisions come with HOLIDAY_BUILTIN);
 *   3. local additions: HOLIDAY_EXTRA_DAY_OFF entries (a province's own days off), applied on top of 1 or 2.
 * A set is mutable while it is being filled (not thread-safe then) and read-only afterwards; a calendar_t is
 * built from it (see calendar.h). Strings given to holiday_set_add() are copied. */
#ifndef MOTCUA_HOLIDAY_H
#define MOTCUA_HOLIDAY_H

#include <stddef.h>

typedef enum holiday_kind {
    HOLIDAY_DAY_OFF = 0,       /* a national day off set by law or by the year's decision */
    HOLIDAY_WORKING_DAY = 1,   /* a weekend day that is worked (make-up Saturday, "làm bù") */
    HOLIDAY_EXTRA_DAY_OFF = 2  /* an additional day off (province, one-off); never suppresses the rules */
} holiday_kind_t;

typedef struct holiday_entry {
    int year, month, day; /* Gregorian date */
    holiday_kind_t kind;
    const char *name_vi;  /* e.g. "Tết Nguyên đán" */
    const char *name_en;  /* e.g. "Lunar New Year (Tết)" */
    const char *source;   /* the legal text or decision, e.g. "Thông báo 9441/TB-BNV ngày 16/10/2025" */
} holiday_entry_t;

typedef struct holiday_set holiday_set_t; /* opaque */

#define HOLIDAY_RULES 1u   /* generate the statutory days for years without a decision */
#define HOLIDAY_BUILTIN 2u /* load the shipped decisions (2025, 2026) */
#define HOLIDAY_DEFAULT (HOLIDAY_RULES | HOLIDAY_BUILTIN)

/* A new set. flags: HOLIDAY_RULES, HOLIDAY_BUILTIN, both, or 0 (no days off at all). 0 or -EINVAL. */
int holiday_set_new(holiday_set_t **out, unsigned flags);
void holiday_set_free(holiday_set_t *set);

/* Adds one entry (a decision's day, a make-up Saturday, a province's extra day off). The strings are copied;
 * name_vi is required, name_en and source may be NULL. 0, -EINVAL (bad date, kind or name), -ERANGE (year
 * outside 1900..2199). A HOLIDAY_DAY_OFF entry makes its year "decided": the rules no longer apply to it. */
int holiday_set_add(holiday_set_t *set, const holiday_entry_t *entry);

/* Declares a new fixed-date statutory holiday (e.g. Vietnam Culture Day 24/11 once a law adds it to art. 112)
 * applying to rule-generated years from `from_year` on, with weekend compensation. 0, -EINVAL, -ERANGE, or
 * -ENOMEM when the set already holds 8 such days. */
int holiday_set_add_statutory(holiday_set_t *set, int month, int day, int from_year, const char *name_vi,
                              const char *name_en, const char *source);

/* 1 if `year` has a government decision in the set, else 0. */
int holiday_set_is_decided(const holiday_set_t *set, int year);

/* The effective entries of `year`, sorted by date (ties: day off, working day, extra), in a malloc'd array the
 * caller frees with free(); the strings stay owned by the set and live as long as it. 0, -EINVAL, -ERANGE,
 * -ENOMEM. */
int holiday_set_year(const holiday_set_t *set, int year, holiday_entry_t **entries, size_t *count);

/* The shipped decisions (2025 and 2026) as a static table. */
const holiday_entry_t *holiday_builtin(size_t *count);

#endif
