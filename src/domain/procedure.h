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
    char              source[512];            /* where its data was read (decision, dataset file) */
    bool              active;
    int               n_papers;
    procedure_paper_t papers[PROCEDURE_PAPERS_MAX];
    int               n_steps;
    procedure_step_t  steps[PROCEDURE_STEPS_MAX];
    long long         version;
    long long         created_at, updated_at; /* ms UTC, from the events */
} procedure_t;

/* The procedure `code` as it applies in unit `unit_id` (its province's adaptation if any, else the national
 * record); unit_id NULL: the national record. 0 or -ENOENT. */
int procedure_get(db_t *db, const char *unit_id, const char *code, procedure_t *out);
/* The procedure as the JSON object of the API (GET /api/v1/procedures/{code}). */
void procedure_json(jw_t *w, const procedure_t *p);
/* The working minutes of its statutory time on cal (calendar_work_from_days / _hours); 0 for same_day. */
int procedure_work_minutes(const procedure_t *p, const calendar_t *cal, long *work);
#endif
