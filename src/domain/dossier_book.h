/* dossier_book.h — the tracking book (sổ theo dõi hồ sơ) of a unit's subtree as a report table (domain/export.h):
 * one row per dossier received in a period by the unit or any unit below it (dossiers.origin_path), oldest first.
 *
 * The columns follow Mẫu số 07 of Circular 03/2025/TT-VPCP (no., code, procedure, applicant, address/phone, lead
 * agency, received, due, returned, how the result was received, signature) with the reporting columns of the
 * electronic book beside them: the hand-overs of the control sheet (dossier_steps), when the result came, whether
 * it came early / on time / late, and a note (status, reason, extension). docs/exports.md lists each column's
 * source. Unlike the per-unit Mẫu 07 print of dossier_forms.h (31 days, the unit itself), this book spans a
 * year and a subtree, for leaders and province officials. Read-only: call inside store_read. */
#ifndef MOTCUA_DOSSIER_BOOK_H
#define MOTCUA_DOSSIER_BOOK_H
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/export.h"

#define DOSSIER_BOOK_SPAN_DAYS 366      /* days of one book */
#define DOSSIER_BOOK_LINES_MAX 20000    /* dossiers of one book (else 422: a shorter range) */
#define DOSSIER_BOOK_HANDOVERS_MAX 12   /* hand-overs written out in one cell; the rest are counted */

typedef struct dossier_book_req {
    const principal_t *who;
    const char        *unit_id;         /* NULL or "": the caller's first grant as leader, official or admin */
    const char        *from, *to;       /* "YYYY-MM-DD" Vietnam dates, inclusive; NULL: 1st of this month, today */
    lang_t             lang;            /* the headers' and values' language */
    long long          now_ms;          /* the caller's clock: defaults, and "in progress, overdue" */
} dossier_book_req_t;

typedef struct dossier_book {
    export_table_t *table;              /* the caller's to export_free() */
    char            from[11], to[11];   /* the period actually used */
    char            unit_name[808];
    long            rows;
} dossier_book_t;

/* Builds the book. Who may read it: leader, official or admin whose grant covers the unit; anyone else 403
 * (-EPERM), a unit that does not exist or is outside those grants 404 (-ENOENT, MSG_UNIT_UNKNOWN "unit"); a date
 * that is not a date, an inverted range or one over DOSSIER_BOOK_SPAN_DAYS 400 (-EINVAL); more than
 * DOSSIER_BOOK_LINES_MAX dossiers 422 (-E2BIG, MSG_BOOK_TOO_MANY). err says which. 0 or < 0 (a store error). */
int dossier_book_build(db_t *db, const dossier_book_req_t *q, dossier_book_t *out, derr_t *err);
#endif
