/* holiday_store.h — the holiday decisions and working time as data in the store, and the calendars built from them.
 *
 * Rows of holiday_entries are {scope, date, kind, names, source}; scope "" is national, otherwise a province's unit
 * id. A calendar for a province is built from three layers (holiday_store_load()):
 *   1. the statutory rules of holiday.h for years without a national decision;
 *   2. the shipped decisions (holiday_builtin()) plus the stored national entries, a stored entry replacing the
 *      shipped entry of the same date (so a year with no stored rows is exactly the shipped decision, and an
 *      administrator corrects a shipped day by storing that date); a stored `day_off` makes its year "decided";
 *   3. the province's own entries (`extra_day_off`, `working_day`; a province never stores `day_off`).
 * Working time: a unit uses its own working_time row, else its nearest ancestor's, else the default
 * (07:30–11:30, 13:30–17:30, cutoff 15:00).
 *
 * Invariants: every write checks the actor's admin grant over the scope (national entries need admin at the
 * national root), changes one row with optimistic versioning (-ESTALE / 412 on a version mismatch) and appends its
 * ledger event (calendar.entry_saved, calendar.entry_deleted, calendar.working_time_saved) in the same
 * transaction; a refused call changes nothing. Writes bump a process-wide generation; the calendar cache also
 * re-reads a fingerprint of holiday_entries (row count, newest updated_at, sum of versions) at most every
 * HOLIDAY_CACHE_CHECK_MS, so processes sharing one PostgreSQL database see each other's edits. */
#ifndef MOTCUA_HOLIDAY_STORE_H
#define MOTCUA_HOLIDAY_STORE_H
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/calendar.h"
#include "domain/domain.h"
#include "domain/holiday.h"

#define HOLIDAY_TEXT_MAX 120                          /* characters of a name or source */
#define HOLIDAY_TEXT_BYTES (HOLIDAY_TEXT_MAX * 4 + 1) /* UTF-8 bytes, terminator included */
#define HOLIDAY_CACHE_SLOTS 16                        /* calendars kept in memory (about 1 MB each) */
#define HOLIDAY_CACHE_CHECK_MS 3000                   /* how often the store's fingerprint is re-read */

typedef struct holiday_record {
    char           id[ID_LEN + 1];
    char           scope_unit_id[ID_LEN + 1]; /* "" = national */
    char           date[11];                  /* YYYY-MM-DD */
    holiday_kind_t kind;
    char           name_vi[HOLIDAY_TEXT_BYTES];
    char           name_en[HOLIDAY_TEXT_BYTES];
    char           source[HOLIDAY_TEXT_BYTES];
    long long      created_at, updated_at, version;
} holiday_record_t;

typedef struct holiday_input {
    const char *scope_unit_id; /* NULL or "" = national; the national root's id is national too; else a province */
    const char *date;          /* YYYY-MM-DD, 1900..2199 */
    const char *kind;          /* "day_off" | "working_day" | "extra_day_off" */
    const char *name_vi;       /* required, 1..HOLIDAY_TEXT_MAX characters */
    const char *name_en;       /* optional */
    const char *source;        /* optional: the decision or law */
} holiday_input_t;

typedef struct working_time {
    char              unit_id[ID_LEN + 1];
    char              from_unit_id[ID_LEN + 1]; /* whose row applies: the unit, an ancestor, or "" (default) */
    calendar_config_t cfg;
    long long         version;                  /* of the unit's own row; 0 when it has none */
    long long         updated_at;
} working_time_t;

const char *holiday_kind_name(holiday_kind_t kind);           /* "day_off", ... */
int holiday_kind_parse(const char *s, holiday_kind_t *out);   /* 0 or -EINVAL */

/* The holiday set of a province (province_id NULL or "": the national calendar only), built as described above.
 * The caller frees it with holiday_set_free(). 0, -EIO (a stored row is invalid) or a store error. */
int holiday_store_load(db_t *db, const char *province_id, holiday_set_t **out);

/* Insert (expected_version 0) or update (expected_version = the row's version) the entry of in->date in its
 * scope. actor NULL = the system. Refusals fill err: 400 bad field, 403 not an admin of the scope, 404 unknown or
 * invisible scope, 428 the entry exists and no version was given, 412 stale version. */
int holiday_store_put(db_t *db, const principal_t *actor, const holiday_input_t *in, long long expected_version,
                      holiday_record_t *out, derr_t *err);
/* Delete the entry of `date` in `scope`; expected_version 0 = any version. *out gets the deleted row. */
int holiday_store_delete(db_t *db, const principal_t *actor, const char *scope, const char *date,
                         long long expected_version, holiday_record_t *out, derr_t *err);

typedef int (*holiday_record_cb)(const holiday_record_t *rec, void *arg); /* < 0 stops */
/* The stored entries of `scope` in `year`, by date. viewer NULL = no scope check; else it must see the scope.
 * Returns the number of rows or < 0. */
int holiday_store_list(db_t *db, const principal_t *viewer, const char *scope, int year, holiday_record_cb cb,
                       void *arg, derr_t *err);
void holiday_record_json(jw_t *w, const holiday_record_t *rec);

/* The effective working time of a unit (own row, nearest ancestor's, or the default). -ENOENT unknown unit. */
int working_time_get(db_t *db, const char *unit_id, working_time_t *out);
/* Set a unit's own working time (cfg->weekdays is ignored: Monday–Friday). expected_version 0 = create. */
int working_time_put(db_t *db, const principal_t *actor, const char *unit_id, const calendar_config_t *cfg,
                     long long expected_version, working_time_t *out, derr_t *err);
void working_time_json(jw_t *w, const working_time_t *wt);

/* ---- the calendar cache ---- */
typedef struct holiday_calendar holiday_calendar_t; /* a shared, read-only, reference-counted calendar */

/* The calendar of a province (NULL or "": national) under working time cfg (NULL: the default), from the cache or
 * built now. Thread-safe; release it with holiday_calendar_release(). 0, -EINVAL (cfg) or a store error. */
int holiday_calendar_get(store_t *st, const char *province_id, const calendar_config_t *cfg,
                         holiday_calendar_t **out);
const calendar_t *holiday_calendar_cal(const holiday_calendar_t *hc);
const holiday_set_t *holiday_calendar_days(const holiday_calendar_t *hc);
void holiday_calendar_release(holiday_calendar_t *hc);
/* Mark every cached calendar stale and re-read the fingerprint at the next lookup. holiday_store_put/delete call
 * it inside their transaction; call it again after the commit, so no lookup keeps a pre-commit calendar. */
void holiday_store_changed(void);

/* The projection of calendar.entry_saved / entry_deleted / working_time_saved (tables holiday_entries,
 * working_time): registered in event.c. */
struct event_module;
extern const struct event_module calendar_event_module;
long long holiday_store_generation(void);
/* Drop every cached calendar not in use (tests, shutdown). */
void holiday_calendar_flush(void);
#endif
