/* procedure.h — the catalog of administrative procedures (thủ tục hành chính) a unit receives dossiers for.
 *
 * A procedure has its national code (1.001193, 2.000908 ...), name, field (lĩnh vực), level, statutory time with
 * its counting rule on the legal clock (days / hours / same_day), fee, online service level, required papers and
 * a process template (steps with role, department and budget in fractions of a working day; the return step is
 * not counted; inter-agency steps name a unit of the other level). The national record is scope '' (empty);
 * a province may adapt a procedure (its own fee, steps, papers) as a record with scope = the province's unit id,
 * without changing the national one: procedure_get() for a unit returns the province's adaptation when there is
 * one, else the national record. Every change is an event (procedure.saved, ...) applied by this module's apply
 * functions; `version` counts the saves of one (scope, code) record.
 *
 * THIS HEADER IS THE CONTRACT between the catalog (domain/procedure.c) and the dossier module: keep these
 * names and fields; add to them freely. */
#ifndef MOTCUA_PROCEDURE_H
#define MOTCUA_PROCEDURE_H
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/calendar.h"
#include "domain/domain.h"
#include "domain/event.h"

#define PROCEDURE_CODE_MAX   32      /* national codes are "d.dddddd"; local ones may be longer */
#define PROCEDURE_PAPERS_MAX 32
#define PROCEDURE_STEPS_MAX  16

typedef enum { ONLINE_NONE = 0, ONLINE_PARTIAL = 1, ONLINE_FULL = 2 } online_level_t;
typedef enum { SUPPLEMENT_RESUME = 0, SUPPLEMENT_RESTART = 1 } supplement_rule_t;

typedef struct procedure_paper {
    char id[24];             /* stable within the procedure: "p1", "don-de-nghi" ... */
    char name[512];
    bool mandatory;
    char form[16];           /* "original" | "copy" | "either" (what the applicant must bring) */
    int  copies;             /* number of copies required (>= 1) */
} procedure_paper_t;

typedef struct procedure_step {
    char   name[256];
    char   role[16];         /* role_t name performing it: "desk", "specialist", "leader" ... (domain/auth.h) */
    char   department[128];  /* department name hint inside the unit, may be empty */
    double budget_days;      /* fraction of working days: 0.25, 0.5, 1 ... */
    bool   inter_agency;     /* handled by a unit of the other level (commune <-> province) */
    char   other_level[16];  /* "province" | "commune" when inter_agency, else empty */
    bool   counted;          /* false for the result-return step (not counted in the statutory time) */
} procedure_step_t;

typedef struct procedure {
    char              scope[ID_LEN + 1];      /* '' national, else a province unit id (its adaptation) */
    char              code[PROCEDURE_CODE_MAX];
    char              name[1024];
    char              field[128];             /* "Chứng thực", "Hộ tịch", "Đất đai" ... */
    char              level[16];              /* "commune" | "province" */
    due_rule_t        time_rule;              /* DUE_DAYS | DUE_HOURS | DUE_SAME_DAY */
    double            time_amount;            /* days or hours (0 for same_day) */
    long long         fee_amount;             /* VND; -1 when only fee_text applies */
    char              fee_text[512];          /* "Không", "50.000 đồng/di chúc", "theo Nghị quyết HĐND tỉnh" */
    online_level_t    online;
    supplement_rule_t supplement;
    bool              seal;                   /* the result bears the agency's seal: approve signs it with the
                                               * unit's seal after the leader (domain/dossier_result.h) */
    char              source[1024];           /* where its data was read (decision, dataset file) */
    char              time_text[1024];        /* the time limit as the source words it (may be empty) */
    bool              active;
    int               n_papers;
    procedure_paper_t papers[PROCEDURE_PAPERS_MAX];
    int               n_steps;
    procedure_step_t  steps[PROCEDURE_STEPS_MAX];
    long long         version;
    long long         created_at, updated_at; /* ms UTC, from the events */
} procedure_t;

/* The procedure `code` as it applies in unit `unit_id` (its province's adaptation if any, else the national
 * record); unit_id NULL: the national record. 0 or -ENOENT. A retired adaptation is passed over; a retired national
 * record is returned with active = false (dossiers received under it still read it; refuse new ones). */
int procedure_get(db_t *db, const char *unit_id, const char *code, procedure_t *out);
/* The procedure as the JSON object of the API (GET /api/v1/procedures/{code}). */
void procedure_json(jw_t *w, const procedure_t *p);
/* The working minutes of its statutory time on cal (calendar_work_from_days / _hours); 0 for same_day. */
int procedure_work_minutes(const procedure_t *p, const calendar_t *cal, long *work);

/* ---- added by the catalog (domain/procedure.c; docs/procedures.md) ---- */

#define PROCEDURE_EVENT_SAVED   "procedure.saved"
#define PROCEDURE_EVENT_RETIRED "procedure.retired"

/* The event module of the catalog (listed in event.c): table `procedures`, one row per (scope, code). */
extern const struct event_module procedure_event_module;

/* The exact record (scope, code): scope "" national, else a province id; no fallback. 0 or -ENOENT. */
int procedure_get_scoped(db_t *db, const char *scope, const char *code, procedure_t *out);

/* Parse a JSON object in the API form (procedure_json's keys) into out and validate it. allow_meta accepts the
 * read-only keys procedure_json writes (scope, version, active, created_at, updated_at) and ignores them, so an
 * export can be imported again. Omitted papers / steps get procedure_default_papers / _steps. 0, or -EINVAL
 * with err naming the field (status 400 shape, 422 rule). */
int procedure_from_json(const json_t *o, bool allow_meta, procedure_t *out, derr_t *err);
/* The rules every saved record obeys (code format, time rule/amount, fee, papers, steps, budgets). */
int procedure_validate(const procedure_t *p, derr_t *err);
bool procedure_code_valid(const char *code);
/* The default commune process template for p's statutory time (docs/procedures.md: desk 10 %, specialist 60 %,
 * leader 20 % of the time, each rounded down to a working hour (1/8 day), at least one hour; return step not
 * counted) and the generic paper used when the source lists none. */
void procedure_default_steps(procedure_t *p);
void procedure_default_papers(procedure_t *p);

typedef enum { PROCEDURE_CREATED, PROCEDURE_UPDATED, PROCEDURE_UNCHANGED } procedure_saved_t;
/* Save (create or update) the record (scope, p->code) as one procedure.saved event. actor NULL is the system
 * (demo, CLI); else a national record needs ROLE_ADMIN at the national root and a province adaptation ROLE_ADMIN
 * covering that province (scope must be a province unit). expected_version: -1 any, 0 must not exist (create),
 * N must be the current version (-ESTALE, 412). *how (may be NULL) tells what happened: a record
 * identical to the stored one records no event (PROCEDURE_UNCHANGED). */
int procedure_save(db_t *db, const principal_t *actor, const char *scope, const procedure_t *p,
                   long long expected_version, procedure_t *out, procedure_saved_t *how, derr_t *err);
/* Retire (active = false) or restore a record: one procedure.retired event. Same rights and versions. */
int procedure_set_active(db_t *db, const principal_t *actor, const char *scope, const char *code, bool active,
                         long long expected_version, procedure_t *out, derr_t *err);

typedef struct procedure_query {
    const char *scope;         /* "" national (default when NULL) */
    const char *q;             /* code, folded name or field */
    const char *field;         /* folded equality on the field */
    int         online;        /* -1 any, else online_level_t */
    bool        include_retired;
    const char *after_code;    /* cursor */
    long long   limit;
} procedure_query_t;
typedef int (*procedure_cb)(const procedure_t *p, void *arg);
/* Rows in code order; cb returns < 0 to stop. Returns the number of rows or < 0. */
int procedure_list(db_t *db, const procedure_query_t *q, procedure_cb cb, void *arg);
/* The number of rows matching q (after_code and limit ignored). */
int procedure_count(db_t *db, const procedure_query_t *q, long long *total);

/* Import: a JSON array of records or a CSV text (header line naming columns; data/procedures-commune.csv is one),
 * all or nothing. Rows whose time rule is empty are skipped (reported): a procedure without a statutory time
 * cannot drive the legal clock. Each imported record is saved with expected_version -1. */
#define PROCEDURE_IMPORT_ERRORS_MAX 50
typedef struct procedure_import_error {
    int    line;              /* CSV line (1 = header) or JSON array index + 1 */
    derr_t err;
} procedure_import_error_t;
typedef struct procedure_import_report {
    int created, updated, unchanged, skipped;
    int n_errors;             /* errors found (only the first PROCEDURE_IMPORT_ERRORS_MAX are kept) */
    procedure_import_error_t errors[PROCEDURE_IMPORT_ERRORS_MAX];
    int skipped_lines[128];
    int n_skipped_lines;
} procedure_import_report_t;
/* Parse and validate every row first, then save them; any error saves nothing (-EINVAL, rep->errors). */
int procedure_import(db_t *db, const principal_t *actor, const char *scope, const char *text, size_t len,
                     bool csv, procedure_import_report_t *rep);
/* The parse-and-validate half of procedure_import, saving nothing: the number of rows that would be saved, or
 * -EINVAL with rep->errors (the fuzz target and dry runs). */
int procedure_import_check(const char *text, size_t len, bool csv, procedure_import_report_t *rep);
void procedure_import_report_json(jw_t *w, const procedure_import_report_t *rep, lang_t lang);
/* Export every record of scope (retired ones too) as a JSON array of procedure_json objects or CSV with the
 * columns procedure_import reads (papers and steps as JSON cells). */
int procedure_export(db_t *db, const char *scope, bool csv, buf_t *out);

/* The shipped catalog (data/procedures-commune.csv, linked into the program) and its loader for the demo. */
extern const char procedure_data_csv[];
extern const char procedure_data_csv_end[];
int procedure_load_shipped(db_t *db, procedure_import_report_t *rep);
#endif
