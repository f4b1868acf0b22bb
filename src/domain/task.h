/* task.h — tasks ("giao việc", issue 14 item 1): a clear person, work, time and result (docs/tasks.md).
 *
 * A task names its assigner (the caller), ONE lead person and their home unit, co-ordinators (persons and/or units),
 * a source (document | meeting | target | recommendation | other, with a reference: a document id in the
 * assigner's reading scope, or a text), a deadline on the legal clock of the lead's unit (a working day, not in the
 * past), the expected result and how it will be judged.
 *
 * Lifecycle: assigned -> (clarification asked by the lead -> answered by the assigner -> assigned) -> accepted by the
 * lead: in_progress -> progress reports (percentage rising, 0..100, with a text) and evidence files, an extension
 * requested by the lead and decided by the assigner (approved moves the deadline) -> done (the lead's result) ->
 * judged by the assigner: accepted (closed) or returned (in_progress again, with the reason).
 *
 * Every change is ONE task.* ledger event with one apply function per event type; the projections (tasks,
 * task_coordinators, task_log, task_files, task_extensions; migration 26) are built from the payloads alone and
 * rebuilt by `motcua dossier rebuild`. Versions are optimistic (If-Match / "version": 412 when stale).
 *
 * Who: an official assigns to staff of the province it covers; a leader to staff of the commune it covers. The lead
 * acts on the task; co-ordinators read it and report progress; the leaders and officials covering the task's scope
 * unit read it (the assigner's leaders: overdue tasks are their escalations). Anyone else: -ENOENT (404). */
#ifndef MOTCUA_TASK_H
#define MOTCUA_TASK_H
#include <stdbool.h>

#include "core/json.h"
#include "core/msg.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/calendar.h"
#include "domain/domain.h"

#define TASK_TITLE_MAX        300
#define TASK_TEXT_MAX         4000
#define TASK_COORDINATORS_MAX 8

#define TASK_EVENT_ASSIGNED      "task.assigned"
#define TASK_EVENT_ACCEPTED      "task.accepted"
#define TASK_EVENT_ASKED         "task.clarification_asked"
#define TASK_EVENT_ANSWERED      "task.clarification_answered"
#define TASK_EVENT_PROGRESS      "task.progress_reported"
#define TASK_EVENT_EVIDENCE      "task.evidence_added"
#define TASK_EVENT_EXT_REQUESTED "task.extension_requested"
#define TASK_EVENT_EXT_DECIDED   "task.extension_decided"
#define TASK_EVENT_DONE          "task.done"
#define TASK_EVENT_JUDGED        "task.judged"

typedef struct task_in {
    const char *title, *content;
    const char *source_kind;      /* document | meeting | target | recommendation | other */
    const char *source_ref;       /* a document id (kind document) or a text */
    const char *lead_account_id;  /* required: a staff member; the lead unit is their home unit */
    int         ncoordinators;
    const char *coordinators[TASK_COORDINATORS_MAX];   /* account or unit ids */
    const char *deadline;         /* YYYY-MM-DD: a working day of the lead's unit, not before today */
    const char *expected_result, *criteria;
    const calendar_t *cal;        /* the lead unit's calendar (task_lead_unit + dossier_calendar) */
    long long   now_ms;
} task_in_t;

typedef struct task {
    char      id[ID_LEN + 1];
    char      title[1216], content[16004];
    char      source_kind[16], source_ref[1216];
    char      assigner_id[ID_LEN + 1], scope_unit_id[ID_LEN + 1], scope_path[AUTH_PATH_MAX];
    char      lead_account_id[ID_LEN + 1], lead_unit_id[ID_LEN + 1], lead_unit_path[AUTH_PATH_MAX];
    char      deadline[11];
    char      expected_result[16004], criteria[16004];
    char      state[16];                /* assigned | clarification | in_progress | done | closed */
    int       percent;
    char      result[16004];
    char      pending_deadline[11];     /* an extension requested and not decided ("" none) */
    long long created_at, updated_at, version;
} task_t;

typedef struct task_action_in {
    const char *action;   /* accept | ask | answer | progress | extend | decide | done | judge */
    long long   version;
    const char *note;     /* ask, answer, progress, extend (reason), decide/judge (reason; required to refuse/return) */
    long long   percent;  /* progress: 0..100, not below the last */
    const char *deadline; /* extend: the new date (a working day, after the current deadline) */
    int         approve;  /* decide: 1 approved / 0 refused; judge: 1 accepted / 0 returned; -1 missing */
    const calendar_t *cal;
    long long   now_ms;
} task_action_in_t;

typedef struct task_evidence_in {
    const char *task_id, *sha256, *name, *media_type;
    long long   size, version;
} task_evidence_in_t;

int task_create(db_t *db, const principal_t *who, const task_in_t *in, task_t *out, derr_t *err);
int task_act(db_t *db, const principal_t *who, const char *id, const task_action_in_t *in, task_t *out, derr_t *err);
/* Evidence: the lead or a co-ordinator, while in_progress. task_evidence_allowed checks before the body streams. */
int task_evidence_allowed(db_t *db, const principal_t *who, const char *id, derr_t *err);
int task_evidence_add(db_t *db, const principal_t *who, const task_evidence_in_t *in, task_t *out, derr_t *err);
/* The stored evidence file n of a readable task: sha256, name, media type and size. -ENOENT otherwise. */
int task_evidence_get(db_t *db, const principal_t *who, const char *id, long long n, char sha[65], char *name,
                      size_t cap, char media[64], long long *size);

/* The lead's home unit (for its calendar) of an account (create) or of a task (actions); -ENOENT. */
int task_lead_unit(db_t *db, const char *account_id, const char *task_id, char unit_id[ID_LEN + 1]);

int task_get(db_t *db, const char *id, task_t *out);   /* no scope check */
bool task_readable(db_t *db, const principal_t *who, const task_t *t);
/* Whether the task is escalated at now_ms: open (not done/closed) and its deadline before today. */
bool task_overdue(const task_t *t, long long now_ms);
/* The task with its co-ordinators, log lines, files and the actions who may take. */
int task_json_full(db_t *db, jw_t *w, const principal_t *who, const task_t *t, long long now_ms);
void task_json(jw_t *w, const task_t *t, long long now_ms);

typedef struct task_query {
    enum { TASK_VIEW_ALL, TASK_VIEW_ASSIGNED, TASK_VIEW_LEAD, TASK_VIEW_COORDINATING, TASK_VIEW_UNIT,
           TASK_VIEW_ESCALATED } view;
    enum { TASK_DUE_ANY, TASK_DUE_SOON, TASK_DUE_OVERDUE } due;
    const char *state;      /* NULL any */
    const char *q;          /* folded substring of title, content, expected result */
    const char *after_id;
    long long   limit, now_ms;
    int         due_days;
} task_query_t;
typedef int (*task_cb)(const task_t *t, void *arg);
int task_list(db_t *db, const principal_t *who, const task_query_t *q, task_cb cb, void *arg);

bool task_state_valid(const char *s);

/* The staff and units who may lead or co-ordinate a task of who (inside the units who assigns over), name order,
 * folded q on the name, at most limit of each: cb(kind "account" | "unit", id, name, unit id, arg). */
typedef int (*task_assignee_cb)(const char *kind, const char *id, const char *name, const char *unit_id, void *arg);
int task_assignees(db_t *db, const principal_t *who, const char *q, long long limit, task_assignee_cb cb, void *arg);

extern const struct event_module task_events;
#endif
