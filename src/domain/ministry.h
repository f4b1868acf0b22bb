/* ministry.h — inter-agency processing (liên thông) with ministry systems, issue 13 item 4: a dossier handed off to
 * an external system (the land registry, Văn phòng đăng ký đất đai, is the worked example), its acknowledgement,
 * its result or a request for more papers, and the outbox the adapter (sync/ministry_sender.h) delivers.
 *
 * Systems. `serve --ministry-systems FILE`: lines "NAME KIND URL TOKEN-FILE" ('#' comments); NAME [a-z0-9_-]{1,31},
 * KIND rest | soap, URL http(s)://host[:port][/prefix]. Tokens stay in memory, are only handed to libcurl and are
 * never logged nor stored. The wire shapes are ours (docs/interagency.md): no ministry publishes one.
 *
 * Events (the projection ministry_handoffs, migration 27):
 *   ministry.sent {id, unit_id, dossier_id, dossier_code, system, kind, sha256, sent_by, at, ack_due_at}
 *       an officer of the owning unit hands the dossier off; recorded in ONE transaction with its outbox row
 *       (the request body, built here from the dossier's fields and papers);
 *   ministry.acknowledged {id, receipt, at, missed}  the system's receipt number (Decree 63/2024: within two
 *       working hours of the hand-off on the unit's legal clock; missed when later);
 *   ministry.result {id, outcome "accepted" | "more_requested", text, items, at}  the system's answer, found by
 *       polling (the dossier goes back to its officer: a hand-off may be sent again once the previous one ended);
 *   ministry.failed {id, http_status, reason, at}  refused for good or attempts exhausted.
 * Retries are not events (the outbox's bookkeeping). */
#ifndef MOTCUA_MINISTRY_H
#define MOTCUA_MINISTRY_H
#include <stdbool.h>

#include "core/buf.h"
#include "core/json.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/calendar.h"
#include "domain/domain.h"
#include "domain/event.h"

#define MINISTRY_SYSTEMS_MAX 16
#define MINISTRY_NAME_MAX    32
#define MINISTRY_URL_MAX     512
#define MINISTRY_ERROR_MAX   300
#define MINISTRY_RECEIPT_MAX 64
#define MINISTRY_TEXT_MAX    2000          /* bytes of a result text kept */
#define MINISTRY_ACK_MINUTES 120           /* Decree 63/2024: two working hours */

extern const event_module_t ministry_event_module;

typedef enum { MINISTRY_REST = 1, MINISTRY_SOAP = 2 } ministry_kind_t;

typedef struct ministry_system {
    char            name[MINISTRY_NAME_MAX];
    ministry_kind_t kind;
    char            url[MINISTRY_URL_MAX];     /* no trailing slash */
    char            token_file[MINISTRY_URL_MAX];
    char           *token;                     /* secret (malloc'd; wiped by the owner) */
} ministry_system_t;

typedef struct ministry_systems {
    int               n;
    ministry_system_t sys[MINISTRY_SYSTEMS_MAX];
} ministry_systems_t;

/* Parse the systems file's text (tokens not read). 0, or -EINVAL with the line and reason in why. */
int ministry_systems_parse(const char *text, ministry_systems_t *out, char *why, size_t why_len);
const ministry_system_t *ministry_system_find(const ministry_systems_t *s, const char *name);
const char *ministry_kind_name(ministry_kind_t k);   /* "rest" | "soap" */

/* ---- hand-off ---- */
typedef struct ministry_handoff {
    char      id[ID_LEN + 1], unit_id[ID_LEN + 1], dossier_id[ID_LEN + 1], dossier_code[48];
    char      system[MINISTRY_NAME_MAX], kind[8], sha256[65], state[16], sent_by[ID_LEN + 1];
    char      receipt[MINISTRY_RECEIPT_MAX + 1];
    char      result_text[MINISTRY_TEXT_MAX + 1];
    char     *result_items;                    /* JSON array text, malloc'd (ministry_handoff_free) */
    char      last_error[MINISTRY_ERROR_MAX + 1];
    long long created_at, ack_due_at, acknowledged_at, result_at, updated_at, http_status;
    bool      ack_missed;                      /* as recorded at the acknowledgement */
    int       attempts;                        /* from the outbox */
    long long next_attempt_at;                 /* from the outbox, while pending */
    char      unit_path[AUTH_PATH_MAX];
} ministry_handoff_t;
void ministry_handoff_free(ministry_handoff_t *h);

typedef struct ministry_send_in {
    const char              *dossier_code;
    const ministry_system_t *system;
    long long                now_ms;
    const calendar_t        *cal;              /* the owning unit's calendar (dossier_calendar) */
} ministry_send_in_t;

/* The request body of a hand-off (REST: our JSON shape, docs/interagency.md) from the dossier's fields and papers,
 * inside a transaction. 0, or a store error. */
int ministry_request_json(db_t *db, const char *handoff_id, const char *dossier_id, buf_t *out);

/* The acknowledgement's due instant (UTC ms): two working hours after now_ms on cal. */
long long ministry_ack_due(const calendar_t *cal, long long now_ms);

/* Inside a store_write: check who may hand the dossier off (visible 404; a specialist or leader covering its owning
 * unit 403; status processing 409; an open hand-off of it to any system 409), record ministry.sent and the outbox
 * row. id chosen before. out filled. */
int ministry_send(db_t *db, const principal_t *who, const char *id, const ministry_send_in_t *in,
                  ministry_handoff_t *out, derr_t *err);

/* ---- reading ---- */
int ministry_handoff_get(db_t *db, const char *id, ministry_handoff_t *out);   /* no scope check; -ENOENT */
/* Whether who may see h: staff covering its unit. */
bool ministry_handoff_visible(const principal_t *who, const ministry_handoff_t *h);
/* h as JSON; now_ms gives ack_missed while still unacknowledged (now past the due instant). */
void ministry_handoff_json(jw_t *w, const ministry_handoff_t *h, long long now_ms);
typedef int (*ministry_handoff_cb)(db_t *db, const ministry_handoff_t *h, void *arg);
/* Hand-offs who may see, newest first, of one dossier (its code) when given, ids before `before`, at most
 * limit. The count given to cb, or a negative errno. */
int ministry_handoff_list(db_t *db, const principal_t *who, const char *dossier_code, const char *before,
                          long long limit, ministry_handoff_cb cb, void *arg);

/* ---- the outbox, used by the sender ---- */
typedef struct ministry_job {
    char   id[ID_LEN + 1];
    char   kind[8];                            /* "send" | "poll" */
    char   system[MINISTRY_NAME_MAX];
    char   receipt[MINISTRY_RECEIPT_MAX + 1];
    char  *body;                               /* malloc'd */
    size_t len;
    int    attempts;
} ministry_job_t;

#define MINISTRY_CLAIM_MAX 16
typedef struct ministry_claim {
    long long      now, lease_ms;
    const char    *owner;
    int            limit, n;
    ministry_job_t jobs[MINISTRY_CLAIM_MAX];
} ministry_claim_t;
int  ministry_claim(db_t *db, void *arg);     /* store_write callback */
void ministry_claim_free(ministry_claim_t *c);

typedef enum {
    MINISTRY_OK,           /* send: receipt given; poll: an answer (result, more, or still processing) */
    MINISTRY_RETRY,        /* network, 408, 429, 5xx */
    MINISTRY_PERMANENT,    /* other 4xx, an answer we cannot read */
} ministry_delivery_t;

typedef enum { MINISTRY_POLL_PENDING, MINISTRY_POLL_DONE, MINISTRY_POLL_MORE } ministry_poll_state_t;

typedef struct ministry_outcome {
    const ministry_job_t *job;
    const char           *owner;
    ministry_delivery_t   result;
    long long             http_status, now, next_at, poll_every_ms;
    int                   max_attempts;
    const char           *error;
    const char           *receipt;             /* send OK */
    ministry_poll_state_t poll;                /* poll OK */
    const char           *text;                /* poll DONE / MORE */
    const json_t         *items;               /* poll MORE: array of strings */
} ministry_outcome_t;
int ministry_record_outcome(db_t *db, void *arg);   /* store_write callback */

/* Parse the system's answers (REST JSON). 0, or -EINVAL. receipt: 1..MINISTRY_RECEIPT_MAX printable ASCII. */
int ministry_parse_receipt(const char *body, size_t n, char *receipt, size_t cap);
/* The poll answer: state "processing" | "done" {result} | "more_papers" {items[], note}; *text / *items borrow
 * from *root (json_decref it). */
int ministry_parse_poll(const char *body, size_t n, json_t **root, ministry_poll_state_t *st, const char **text,
                        const json_t **items);

/* ---- monitoring ---- */
typedef struct ministry_gauge {
    char      system[MINISTRY_NAME_MAX];
    long long outbox_depth, ack_missed, oldest_unacked_ms;   /* oldest: created_at of the oldest queued, 0 none */
} ministry_gauge_t;
typedef struct ministry_gauges {
    int              n;
    ministry_gauge_t g[MINISTRY_SYSTEMS_MAX * 2];
} ministry_gauges_t;
int ministry_gauges(db_t *db, void *arg);   /* store_read callback filling a ministry_gauges_t */
#endif
