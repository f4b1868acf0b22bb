/* dossier.h — dossiers (hồ sơ): intake at the desk or online, the dossier code, statuses and actions on the legal
 * clock.
 *
 * Every change is ONE ledger event (dossier.received, dossier.accepted, ...) recorded with event_record(); the rows
 * of dossiers, dossier_steps, dossier_papers, dossier_counters and dossier_idempotency are built only by this
 * module's apply functions from the payload. Everything an apply needs — the code and its day sequence, every
 * instant (received, due, step due, the new due after a pause or an extension), the new assignee and owning unit —
 * is computed BEFORE recording, on the caller's clock (now_ms) and the unit's calendar, and put in the payload: an
 * action's payload carries the dossier's whole mutable state after the action ("after") and its control-sheet line
 * ("log"), so rebuilding from the ledger gives the same rows.
 *
 * The public status is the National Public Service Portal's (1 new .. 10 result returned); the current step of
 * the process template (copied into the dossier at intake as `plan`), the assignee and the department are kept
 * beside it. A dossier is owned by one unit (unit_id / unit_path); an inter-agency forward passes the ownership,
 * and hand_back (after the last inter-agency step of a run) returns it to the receiving unit (origin_path).
 * Scope: staff whose grant covers the owning unit or the receiving unit (origin_path: it follows the dossier it
 * received, read-only once handed over) and the applicant citizen see a dossier; anyone else gets -ENOENT (404),
 * never a hint that it exists. Only staff of the owning unit act on it. */
#ifndef MOTCUA_DOSSIER_H
#define MOTCUA_DOSSIER_H
#include <jansson.h>
#include <stdbool.h>

#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/account.h"
#include "domain/auth.h"
#include "domain/calendar.h"
#include "domain/domain.h"
#include "domain/procedure.h"

#define DOSSIER_CODE_MAX 48
#define DOSSIER_TEXT_MAX 1000        /* characters of a reason, content or result */

typedef enum {
    DS_NEW = 1, DS_ACCEPTED = 2, DS_REFUSED = 3, DS_PROCESSING = 4, DS_SUPPLEMENT = 5, DS_PAYMENT = 6,
    DS_WITHDRAWN = 7, DS_STOPPED = 8, DS_RESOLVED = 9, DS_RETURNED = 10
} dossier_status_t;

typedef enum { CH_DESK = 1, CH_ONLINE = 2, CH_POST = 3 } dossier_channel_t;

typedef enum {
    DA_ACCEPT, DA_REFUSE, DA_ASSIGN, DA_FORWARD, DA_RETURN, DA_REQUEST_SUPPLEMENT, DA_RESUBMIT,
    DA_REQUEST_PAYMENT, DA_RECORD_PAYMENT, DA_EXTEND, DA_APPROVE, DA_ATTACH_RESULT, DA_DELIVER, DA_WITHDRAW,
    DA_STOP, DA_ATTACH_PAPER, DA_HAND_BACK, DA__COUNT
} dossier_action_t;

const char *dossier_status_name(int status, lang_t lang);     /* "Mới" / "New" ... */
const char *dossier_action_name(dossier_action_t a);         /* "accept" ... */
int dossier_action_parse(const char *s, dossier_action_t *out); /* 0 or -EINVAL */

/* ---- validators (shared with the tests) ---- */
/* Citizen identity number (căn cước, Circular 59/2021/TT-BCA art. 7): 12 digits = 3-digit province code of
 * birth registration (001..096), the century/sex digit (0/1 = 20th century male/female, 2/3 = 21st, 4/5 = 22nd,
 * 6/7 = 23rd, 8/9 = 24th), 2 digits of the birth year, 6 random digits. *birth_year (may be NULL) gets the year. */
bool dossier_citizen_id_valid(const char *s, int *birth_year);
/* Organisation tax code (Circular 105/2020/TT-BTC art. 5): 10 digits whose 10th is the check digit of the first 9
 * (weights 31 29 23 19 17 13 7 5 3; 10 - sum mod 11), optionally followed by "-" and a 3-digit branch number. */
bool dossier_tax_code_valid(const char *s);
/* A Vietnamese phone number normalised to its national form (0 + 9 digits): mobile 03x 05x 07x 08x 09x,
 * landline 02xx; "+84" / "84" prefixes, spaces, dots and dashes accepted. 0 or -EINVAL. */
int dossier_phone_normalize(const char *in, char *out, size_t cap);
/* "<edi>-<yyMMdd>-<seq, at least 4 digits>" for a dossier received at received_ms (its Vietnam local date). */
int dossier_code_format(const char *edi, long long received_ms, long long seq, char *out, size_t cap);

/* ---- intake ---- */
typedef struct dossier_party {
    const char *kind;        /* applicant: "person" | "organisation"; representative: NULL */
    const char *name, *id_number, *phone, *address, *email;
} dossier_party_t;

typedef struct dossier_paper_in {
    const char *paper;
    long long   copies;
    const char *form;        /* "original" | "copy" | "electronic" */
} dossier_paper_in_t;

typedef struct dossier_intake {
    const char        *procedure;
    const char        *channel;      /* "desk" | "online" | "post" */
    const char        *unit_id;      /* the receiving unit (NULL: the desk officer's unit) */
    dossier_party_t    applicant;
    bool               has_rep;
    dossier_party_t    rep;
    int                npapers;
    dossier_paper_in_t papers[PROCEDURE_PAPERS_MAX];
    const char        *content;
    const char        *idem_key;     /* Idempotency-Key, or NULL */
    long long          now_ms;       /* the caller's clock */
    const calendar_t  *cal;          /* the receiving unit's calendar (dossier_calendar) */
    const char        *uploads[PROCEDURE_PAPERS_MAX];   /* dforms: papers[i]'s uploaded paper id, or NULL */
    bool               from_document; /* started from an incoming document (document_start_dossier): a clerk or
                                       * leader covering the unit receives it as the desk would */
} dossier_intake_t;

typedef struct dossier {
    char      id[ID_LEN + 1];
    char      code[DOSSIER_CODE_MAX];
    char      unit_id[ID_LEN + 1];
    char      unit_path[AUTH_PATH_MAX];
    char      origin_path[AUTH_PATH_MAX]; /* the receiving unit's path: it keeps reading after a hand-off */
    char      procedure_code[PROCEDURE_CODE_MAX];
    long long procedure_version;
    char      procedure_name[1024];
    char      field[128];
    int       channel, status, step;
    char     *plan;                  /* JSON array, malloc'd (dossier_free) */
    int       time_rule;
    long long work_minutes;
    int       supplement_rule;
    char      assignee_id[ID_LEN + 1];
    char      department[128];
    char      applicant_kind[16];
    char      applicant_name[808];
    char      id_number[24];
    char      phone[16];
    char      address[808];
    char      email[256];
    char     *representative;        /* JSON object or NULL, malloc'd */
    char     *content;               /* malloc'd or NULL */
    char      applicant_account[ID_LEN + 1];
    char      received_by[ID_LEN + 1];
    long long received_at, accepted_at, due_at, original_due_at, step_started_at, step_due_at, paused_at;
    int       supplement_count, extended;
    long long fee_amount, paid_amount;   /* -1 when none */
    char     *result;                /* malloc'd or NULL */
    char      result_paper[ID_LEN + 1];  /* attach_result: the result document (papers.id), "" when none */
    long long resolved_at, delivered_at; /* 0 when none (also accepted_at.. above) */
    char      timing[16];
    char      delivered_to[808];
    char     *reason;                /* malloc'd or NULL */
    long long created_at, updated_at, version;
    /* Derived on reading (dossier_get), not stored: the unit the current step belongs to — the department unit
     * (kind department, active) named `department` among the owning unit's departments and their sub-units, the
     * nearer one first — or unit_path when the step names no department or none of that name exists. Scope
     * checks use it. */
    char      step_unit_path[AUTH_PATH_MAX];
} dossier_t;

void dossier_free(dossier_t *d);     /* frees the malloc'd members, not d */

/* The calendar of a unit: its working time and its province's days off (holiday_calendar_get). */
struct holiday_calendar;
int dossier_calendar(store_t *st, const char *unit_id, struct holiday_calendar **out);
/* The unit that receives an intake by `who` (in->unit_id, else who's first desk grant): *unit_id gets it. */
int dossier_intake_unit(const principal_t *who, const char *requested, char *unit_id, size_t cap);

/* Receive a dossier: validate, compute code and instants, record dossier.received (desk, post) or
 * dossier.submitted_online (a citizen). A replayed Idempotency-Key returns the first dossier with *replayed set.
 * Refusals: 400 bad field, 403 role, 404 unknown procedure or unit, 422 a mandatory paper missing. */
int dossier_receive(db_t *db, const principal_t *who, const dossier_intake_t *in, dossier_t *out, bool *replayed,
                    derr_t *err);
/* dossier_receive() in two halves, so that the write transaction (serialised on the store's writer) does only
 * what needs it (see dossier.c). dossier_intake_prepare() runs in a read snapshot (or any transaction) and checks
 * the request, reads the unit and the procedure, computes the plan, the due instants and the event payload; it
 * always returns an object (free with dossier_intake_prep_free()), whose refusal, if any,
 * dossier_intake_prep_result() tells (0, or the negative errno with *err). dossier_receive_prepared() then runs
 * in the write transaction: an Idempotency-Key replay, else that refusal, else the intake (redoing the first half
 * inside the transaction when the unit or the procedure changed since). `in` must stay valid between the two. */
typedef struct dossier_intake_prep dossier_intake_prep_t;
dossier_intake_prep_t *dossier_intake_prepare(db_t *db, const principal_t *who, const dossier_intake_t *in);
int dossier_intake_prep_result(const dossier_intake_prep_t *x, derr_t *err);
int dossier_receive_prepared(db_t *db, const principal_t *who, const dossier_intake_t *in, dossier_intake_prep_t *x,
                             dossier_t *out, bool *replayed, derr_t *err);
void dossier_intake_prep_free(dossier_intake_prep_t *x);

/* ---- reading ---- */
int dossier_get(db_t *db, const char *code, dossier_t *out);           /* no scope check; -ENOENT */
int dossier_get_by_id(db_t *db, const char *id, dossier_t *out);       /* no scope check; -ENOENT */
bool dossier_visible_to(const principal_t *who, const dossier_t *d);
/* The actions who may take now (bit per dossier_action_t). */
unsigned dossier_allowed_actions(const principal_t *who, const dossier_t *d);
/* The full JSON of GET /api/v1/dossiers/{code} for who (papers, steps history, allowed actions). */
int dossier_json(db_t *db, jw_t *w, const principal_t *who, const dossier_t *d, lang_t lang);

/* ---- actions ---- */
typedef struct dossier_action_in {
    dossier_action_t action;
    long long        version;
    const char      *reason;
    const char      *to;             /* assign / forward: username or account id */
    const char      *unit;           /* forward to another level: unit id */
    const char      *received_by;    /* deliver */
    const char      *how;            /* deliver: "in_person" | "post" | "online" */
    const char      *when;           /* deliver: "YYYY-MM-DDTHH:MM" local, or NULL = now */
    const char      *result;         /* attach_result */
    const char      *result_paper;   /* attach_result (optional): the id of an uploaded paper, the result document */
    long long        amount;         /* request_payment / record_payment (VND) */
    bool             has_amount;
    long long        days;           /* extend: working days added */
    json_t          *items;          /* request_supplement: array of strings */
    /* resubmit (optional) / attach_paper (required, each with "upload"): [{paper, upload?, copies?, form?}], the
     * checklist items received or replaced; the event's payload carries them resolved (name, mandatory, ...). */
    json_t          *papers;
    /* approve {"sign": true}: the signed result made by dossier_result_sign() before the write, or NULL */
    const struct dossier_signed *signed_result;
    long long        now_ms;
    const calendar_t *cal;
} dossier_action_in_t;

/* Take one action. Refusals: 404 not visible, 403 role, 412 stale version, 409 wrong state (naming it and the
 * allowed actions), 422 a rule (second supplement, late extension, ...), 400 bad field. *out is the new state. */
int dossier_act(db_t *db, const principal_t *who, const char *code, const dossier_action_in_t *in, dossier_t *out,
                derr_t *err);
/* The checks of dossier_act that do not depend on the body (visible 404, role 403, version 412, state 409, the
 * action's precondition 422), for work done before the write (signing a result): 0 with *out filled (free with
 * dossier_free), or the refusal with err. */
int dossier_act_check(db_t *db, const principal_t *who, const char *code, const dossier_action_in_t *in, dossier_t *out,
                      derr_t *err);

/* ---- work lists ---- */
typedef enum { DV_UNIT, DV_MINE, DV_DEPARTMENT, DV_DUE_SOON, DV_OVERDUE, DV_WAITING } dossier_view_t;
typedef struct dossier_query {
    dossier_view_t view;
    const char    *q;                /* search text (code, name, identifier, phone), folded */
    int            status;           /* 0 = any */
    long long      due_before;       /* DV_DUE_SOON: the instant N working hours from now */
    long long      now_ms;
    const char    *after_id;         /* cursor */
    long long      limit;
} dossier_query_t;
typedef int (*dossier_cb)(const dossier_t *d, void *arg);   /* < 0 stops */
/* Rows visible to who, newest first; *total gets the count of the matching rows, counted up to
 * dossier_total_cap() + 1 only (a larger *total means "more than the cap"). Returns rows read or < 0. */
#define DOSSIER_TOTAL_CAP 1000
long long dossier_total_cap(void);      /* DOSSIER_TOTAL_CAP, or MOTCUA_DOSSIER_TOTAL_CAP for the tests */
int dossier_list(db_t *db, const principal_t *who, const dossier_query_t *q, dossier_cb cb, void *arg,
                 long long *total);
void dossier_brief_json(jw_t *w, const dossier_t *d, lang_t lang);

/* ---- assignees (GET /api/v1/dossiers/{code}/assignees) ----
 * The officers who may be assigned the dossier's current step (dossier_assignee_ok), for a caller who may assign
 * it (404 not visible, 403 not a leader or admin over the step's unit): qualified ones first (a field of work
 * of theirs is the procedure's field), then least open dossiers assigned (status 2, 4), then fewest of those due
 * by due_before, then username. `after` is the cursor of the previous page (dossier_assignee_t.cursor; 400 when
 * malformed); up to limit rows are given to cb; *total gets the number of candidates. */
#define DOSSIER_ASSIGNEES_MAX 500
typedef struct dossier_assignee {
    char      account_id[ID_LEN + 1];
    char      username[72];
    char      full_name[808];
    bool      qualified;
    long long open, due_soon, next_due_at;   /* next_due_at: the earliest due_at of the open ones, 0 when none */
    char      cursor[96];                    /* "<0|1>.<open>.<due_soon>.<username>" */
} dossier_assignee_t;
typedef int (*dossier_assignee_cb)(const dossier_assignee_t *a, void *arg);
int dossier_assignees(db_t *db, const principal_t *who, const char *code, long long due_before, const char *after,
                      long long limit, dossier_assignee_cb cb, void *arg, long long *total, derr_t *err);
/* Whether account a may be assigned d's current step with role r: an enabled staff account holding r at a unit
 * within the owning unit that covers the step's unit, and, when the step belongs to a department, that grant is
 * at the department (or between it and the owning unit), or at the owning unit with a's home in the department. */
bool dossier_assignee_ok(const dossier_t *d, role_t r, const account_t *a);

extern const struct event_module dossier_events;
#endif
