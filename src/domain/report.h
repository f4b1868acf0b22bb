/* report.h — the dashboards' read model: dossier counts per unit, dimension, day and month, kept incrementally.
 *
 * Every dossier contributes a small set of cells (unit, dimension, metric, local day) -> +1, a pure function of its
 * projection rows (the dossiers row, its control-sheet steps, its uploads, its rating and complaints): received on
 * day X by channel, ended on day Y (resolved, refused, withdrawn, stopped) with its timing under each view, the
 * interval during which it is overdue (od_in .. od_out), delivered, digitized, supplement requests, extensions,
 * ratings and complaints. The dimensions are the whole unit (""), its field ("f:<field>"), its procedure
 * ("p:<code>") and its officer ("o:<account id>": the assignee, or the last one a leader assigned). The unit is
 * the RECEIVING unit (origin_path): a dossier forwarded to another agency still counts for the commune that
 * received it, and once only at every level above it (levels are summed by unit path at read time).
 *
 * Each apply function of an event that changes those rows takes a snapshot of the dossier's cells before it
 * changes them (report_snap_take) and, after, writes the difference (report_snap_apply) to report_counts, as a
 * day row and a month row per cell, in the same transaction. A full recount (report_recount) computes the cells of
 * every dossier from the same function, so `motcua report check` can compare the two exactly and
 * `motcua report rebuild` can refill the table; docs/indicators.md gives the definitions.
 *
 * Periods are Vietnam local dates; a stock at a day's end (carried over, in progress, overdue) is the cumulative
 * sum of flows up to it: open = received - ended, overdue = od_in - od_out. */
#ifndef MOTCUA_REPORT_H
#define MOTCUA_REPORT_H
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"

typedef enum {
    RM_RCV_DESK, RM_RCV_ONLINE, RM_RCV_POST,
    RM_END_RES, RM_END_REF, RM_END_WD, RM_END_ST,
    RM_EARLY,
    RM_LATE_RES, RM_LATE_OTHER, RM_OD_IN, RM_OD_OUT,          /* view "standard" (Decision 766) */
    RM_DLATE_RES, RM_DLATE_OTHER, RM_DOD_IN, RM_DOD_OUT,      /* view "dates" */
    RM_DELIVERED, RM_DIGITIZED, RM_SUPP_REQ, RM_EXTENDED, RM_RATED, RM_SATISFIED, RM_COMPLAINT,
    RM__COUNT
} report_metric_t;

#define REPORT_DIM_MAX 176

/* ---- incremental upkeep (called by the apply functions) ---- */
typedef struct report_cell {
    char unit[ID_LEN + 1];
    char dim[REPORT_DIM_MAX];
    int  metric;
    int  day;                /* yyyymmdd, Vietnam local date */
    long long n;
} report_cell_t;

typedef struct report_snap {
    report_cell_t *v;
    size_t         n, cap;
} report_snap_t;

/* Many applies in one transaction (a replicated batch at the hub): report_defer_begin() makes the dashboard counts
 * of this thread's applies gather in memory, and report_defer_end(db, true) writes their sums once, each (unit,
 * dimension, metric, day) cell in one upsert instead of one per event (the same rows as one at a time: a count
 * is a sum). report_defer_end(db, false) drops them (the transaction rolls back). Nothing may read report_counts
 * in between. Not nested. */
void report_defer_begin(void);
int report_defer_end(db_t *db, bool write);

/* The cells of dossier `id` as its rows are now (none if it does not exist). 0 or < 0. */
int report_snap_take(db_t *db, const char *dossier_id, report_snap_t *s);
/* Write (its cells now) - (before) to report_counts; frees before. 0 or < 0. */
int report_snap_apply(db_t *db, const char *dossier_id, report_snap_t *before);
void report_snap_free(report_snap_t *s);
/* An apply function's rows(db, ev, payload) between a snapshot of the cells of the dossier whose id is payload's
 * member id_key and the writing of their difference: what every event that changes a dossier's rows runs. */
struct event_meta;
int report_tracked(db_t *db, const struct event_meta *ev, const json_t *payload, const char *id_key,
                   int (*rows)(db_t *db, const struct event_meta *ev, const json_t *payload));

/* ---- recount, check, rebuild ---- */
typedef void (*report_progress_fn)(long long done, long long total, void *arg);
/* Compare report_counts with a recount of every dossier; every difference is printed to out (may be NULL) and
 * counted in *diffs. 0 or < 0. Runs in one read transaction. */
int report_check(db_t *db, FILE *out, long long *diffs, long long *dossiers, report_progress_fn progress, void *arg);
/* Empty report_counts and fill it from the recount. 0 or < 0 (in a write transaction). */
int report_rebuild(db_t *db, long long *dossiers, long long *rows, report_progress_fn progress, void *arg);

/* ---- reading ---- */
typedef enum { RV_STANDARD, RV_DATES } report_view_t;

typedef enum {
    RF_CARRIED_OVER, RF_RECEIVED_ONLINE, RF_RECEIVED_DESK, RF_RECEIVED_POST, RF_RECEIVED, RF_TO_HANDLE,
    RF_RESOLVED_EARLY, RF_RESOLVED_ON_TIME, RF_RESOLVED_LATE, RF_RESOLVED,
    RF_IN_PROGRESS_ON_TIME, RF_IN_PROGRESS_OVERDUE, RF_IN_PROGRESS,
    RF_SUPPLEMENT_REQUESTS, RF_REFUSED, RF_WITHDRAWN, RF_STOPPED, RF_DELIVERED, RF_EXTENDED, RF_DIGITIZED,
    RF_RATED, RF_SATISFIED, RF_COMPLAINTS,
    RF_ENDED_LATE,           /* internal: every dossier ended late in the period (not a published figure) */
    RF_PORTAL_SYNCED,        /* internal, portal: dossiers the latest reconciliation of each day found the same */
    RF_PORTAL_COUNTED,       /* internal, portal: dossiers received on the reconciled days (1.4's denominator) */
    RF__COUNT
} report_figure_t;
#define RF__PUBLIC RF_ENDED_LATE

const char *report_figure_key(report_figure_t f);
int report_figure_parse(const char *s, report_figure_t *out);   /* a public key; 0 or -EINVAL */
int report_view_parse(const char *s, report_view_t *out);        /* "standard" | "dates" */
const char *report_view_name(report_view_t v);

typedef struct report_query {
    const char   *unit_path;          /* the unit whose subtree is counted */
    char          dim[REPORT_DIM_MAX]; /* "" or one dimension */
    int           from, to;           /* yyyymmdd, inclusive */
    report_view_t view;
} report_query_t;

typedef struct report_figures { long long v[RF__COUNT]; } report_figures_t;

/* The figures of q's unit subtree over [from, to]. */
int report_figures(db_t *db, const report_query_t *q, report_figures_t *out);
/* The figures of each direct child of q's unit, inactive ones too (their dossiers count in the parent's totals, so
 * the children add up to it): cb(child unit id, figures) in path order. */
typedef int (*report_child_cb)(const char *unit_id, const report_figures_t *f, void *arg);
int report_children(db_t *db, const report_query_t *q, report_child_cb cb, void *arg);

/* The Decision 766 index of a period's figures; commune = the unit is a commune/ward (rows for provinces only
 * are marked "applies": false). */
#define REPORT_ROWS 8
typedef struct report_row {
    const char *key, *group;
    double      max, threshold;
    bool        measured, applies;
    long long   num, den;         /* valid when measured and den > 0 */
    double      ratio, score;     /* ratio < 0: no value */
} report_row_t;
typedef struct report_index {
    report_row_t rows[REPORT_ROWS];
    double       score, measured_max;
} report_index_t;
void report_index(const report_figures_t *f, bool commune, report_index_t *out);
/* Shares: on_time, online, digitized, satisfaction, online_payment (not measured), in that order. */
#define REPORT_SHARES 5
typedef struct report_share {
    const char *key;
    long long   num, den;
    bool        measured;
} report_share_t;
void report_shares(const report_figures_t *f, report_share_t out[REPORT_SHARES]);
void report_json_figures(jw_t *w, const report_figures_t *f);
void report_json_shares(jw_t *w, const report_figures_t *f);
void report_json_index(jw_t *w, const report_index_t *x);
double report_on_time_ratio(const report_figures_t *f);   /* < 0 when nothing to handle */
/* A ratio or a score as a JSON number with at most `digits` decimals (trailing zeros dropped); null when v < 0. */
void report_json_number(jw_t *w, double v, int digits);

/* Dates: "YYYY-MM-DD" -> yyyymmdd (0 or -EINVAL); today's local yyyymmdd; a day's neighbours. */
int report_date_parse(const char *s, int *out);
int report_today(long long now_ms);
int report_day_add(int yyyymmdd, int days);
int report_days_between(int a, int b);     /* b - a in days */
int report_day_of_ms(long long ms);

/* The dossiers a figure counts (reports/dossiers), newest id first, keyset by id: cb gets each id (at most limit);
 * next gets the cursor to go on ("" at the end). At most a bounded number of candidates is examined per call, so a
 * page may hold fewer than limit rows and still have a next cursor. Returns the rows given or < 0. */
typedef int (*report_id_cb)(const char *dossier_id, void *arg);
int report_dossier_ids(db_t *db, const report_query_t *q, report_figure_t f, const char *after_id, long long limit,
                       report_id_cb cb, void *arg, char next[ID_LEN + 1]);

/* Officer workload of a unit's subtree (dossiers owned there, open, with an assignee): per officer and field,
 * open, overdue (due before now, not waiting for a supplement) and due soon (due in [now, soon)). Rows ordered by
 * officer username, then field. */
typedef int (*report_load_cb)(const char *account_id, const char *username, const char *full_name, const char *field,
                              long long open, long long overdue, long long due_soon, void *arg);
int report_workload(db_t *db, const char *unit_path, long long now_ms, long long soon_ms, report_load_cb cb, void *arg);

extern const struct event_module report_events;
#endif
