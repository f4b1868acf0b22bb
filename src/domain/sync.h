/* sync.h — a provincial hub and its commune nodes: roles, enrolment, the seed, node -> hub event batches, the
 * monitoring figures (docs/architecture.md, "Replication"; the contract of issue 13).
 *
 * Roles: meta 'role' = standalone (no row) | node | hub. A hub issues one-time enrolment tokens for a unit (only
 * the token's SHA-256 is kept), a node enrols with one (its Ed25519 key pair made on the node, sign/nodekey.h),
 * the hub registers the node and answers with the seed, the rows the node needs to work alone, which the node
 * imports in one transaction. From then on the node ships its own chain to the hub in batches; the hub applies a
 * batch in one write transaction: events it has (same node, seq and hash) are skipped, the rest must continue its
 * head of the node's chain, with hashes recomputed (ledger_event_hash) and every event's unit inside the node's
 * unit subtree (or none); each event is inserted and run through event_apply(), and the head moves. A gap is
 * answered with the checkpoint (409), a chain that does not continue is refused (422): the batch is kept as
 * evidence (sync_refused) and the node flagged until an admin clears it (423 meanwhile).
 *
 * Events: sync.token_issued, sync.node_enrolled, sync.node_flagged and sync.node_cleared build sync_enrolments and
 * sync_nodes (the projections of sync_event_module). The evidence (sync_refused) and what a node last reported
 * (sync_node_seen) are written beside them: they are records of what arrived, not state built from events. */
#ifndef MOTCUA_SYNC_H
#define MOTCUA_SYNC_H
#include <jansson.h>
#include <stdbool.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/event.h"
#include "sign/nodekey.h"

#define SYNC_BATCH_MAX_EVENTS 1000
#define SYNC_BATCH_MAX_BYTES  ((size_t)4 << 20)
#define SYNC_TOKEN_TTL_HOURS  72
#define SYNC_CLOCK_SKEW_MS    (15LL * 60 * 1000)
#define SYNC_REASON_MAX       255

extern const event_module_t sync_event_module;

/* ---- roles and meta ---- */
/* The role of this database: "standalone", "node" or "hub" into out (cap >= 16). */
int sync_role(db_t *db, char *out, size_t cap);
/* meta key = value (inserted or replaced) / the value of key into out (-ENOENT when absent). */
int sync_meta_set(db_t *db, const char *key, const char *value);
int sync_meta_get(db_t *db, const char *key, char *out, size_t cap);

/* ---- enrolment tokens (hub) ---- */
typedef struct sync_token {
    const principal_t *who;           /* the admin issuing it; NULL: the command line (system) */
    const char *unit_id;
    long long   ttl_ms;               /* <= 0: SYNC_TOKEN_TTL_HOURS */
    long long   now;
    char        token[RAND_TOKEN_LEN + 1];   /* out: shown once */
    long long   expires_at;                  /* out */
    derr_t      err;
} sync_token_t;
/* store_write callback (arg sync_token_t *): checks the unit (a commune, ward or department, in who's admin
 * scope), records sync.token_issued. 0 or < 0 (err filled for refusals). */
int sync_token_create(db_t *db, void *arg);

/* ---- enrolment (hub) ---- */
typedef struct sync_enrol {
    const char *token, *node_id, *name, *public_key;   /* public_key: base64 of 32 bytes (checked by the caller) */
    long long   now;
    buf_t       answer;               /* out: {"hub_node_id":..,"node_id":..,"unit_id":..,"seed":{..}} */
    derr_t      err;
} sync_enrol_t;
/* store_write callback: the token must be known, unused and unexpired, node_id a fresh id; records
 * sync.node_enrolled, the node's ledger_head row (seq 0, genesis) and writes the answer with the seed. */
int sync_enrol(db_t *db, void *arg);

/* ---- the seed (node) ---- */
typedef struct sync_import {
    const json_t *answer;             /* the hub's answer to the enrolment */
    const char   *hub_url;
    const char   *node_id;            /* the id the node enrolled with: it becomes this database's own chain */
    const char   *name;
    long long     rows;               /* out: rows inserted */
    derr_t        err;
} sync_import_t;
/* store_write callback: refuses (-EEXIST, err) a database holding dossiers; replaces the units, staff, calendars
 * and catalog with the seed's rows, makes node_id this database's chain (the previous own chain, when it holds
 * events, stays as a closed chain), and sets meta role, hub_url, hub_node_id, enrolled_unit. */
int sync_import(db_t *db, void *arg);
/* The number of dossiers of this database. */
int sync_count_dossiers(db_t *db, long long *out);

/* ---- nodes (hub) ---- */
typedef struct sync_node {
    char      node_id[ID_LEN + 1];
    char      unit_id[ID_LEN + 1];
    char      unit_path[AUTH_PATH_MAX];
    char      public_key[NODEKEY_PUB_B64_LEN + 1];
    char      name[128];
    char      state[8];               /* active | flagged */
    char      flagged_reason[SYNC_REASON_MAX + 1];
    long long enrolled_at;
    long long seq;                    /* the hub's head of its chain */
    char      hash[65];
    long long at;                     /* instant of the event at seq (0: none) */
    long long node_head_seq, node_head_at, last_seen_at;
    long long lag_events, lag_seconds;   /* filled by sync_status_each */
} sync_node_t;
/* One enrolled node with its head: 0 or -ENOENT. */
int sync_node_get(db_t *db, const char *node_id, sync_node_t *out);
/* Record that node_id made a verified request now (best effort: its own write). */
int sync_node_seen(db_t *db, const char *node_id, long long now);

/* ---- batches (hub) ---- */
/* The shape of a batch body {node, events[], head?}: 0, or -EINVAL with err (400) filled. */
int sync_batch_check(const json_t *body, const char *node_id, derr_t *err);
typedef struct sync_batch {
    const char   *node_id;
    const json_t *events;             /* checked by sync_batch_check */
    long long     head_seq, head_at;  /* what the node says its chain holds (0: not said) */
    long long     now;
    int           status;             /* out: 200, 409 (gap), 422 (refused), 423 (flagged) */
    long long     seq;                /* out: the checkpoint (the hub's head after the batch) */
    char          hash[65];
    long long     applied, skipped;
    long long     kept;          /* of the new events, kept in the chain but not applied (no replica guard) */
    char          reason[SYNC_REASON_MAX + 1];   /* 422: why (English, for the evidence and the log) */
    msg_id_t      msg;                           /* 422: the same for the answer */
    long long     bad_seq;                       /* 422: the first event refused */
} sync_batch_t;
/* store_write callback. Status 200/409/423 return 0 (409/423 write nothing); a refusal returns -EBADMSG with
 * reason and bad_seq set, everything rolled back: then record it with sync_refuse. */
int sync_batch_apply(db_t *db, void *arg);
typedef struct sync_refusal {
    const char *node_id, *reason, *body;
    size_t      body_len;
    long long   bad_seq, now;
    char        id[ID_LEN + 1];       /* out: the evidence row */
} sync_refusal_t;
/* store_write callback: keep the batch as evidence and flag the node (sync.node_flagged). */
int sync_refuse(db_t *db, void *arg);
typedef struct sync_clear {
    const principal_t *who;           /* NULL: the command line */
    const char        *node_id;
    derr_t             err;
} sync_clear_t;
/* store_write callback: clear a flagged node (sync.node_cleared); -ENOENT / err when not in who's scope. */
int sync_clear_node(db_t *db, void *arg);

/* ---- monitoring ---- */
/* Every node whose unit lies under under_path ("" or NULL: all), with lag_events (what the node last reported
 * minus the hub's head) and lag_seconds (how old the hub's view of a lagging node is: now minus the instant of
 * the last event applied, or of the enrolment; 0 when not lagging). cb returns < 0 to stop. */
typedef int (*sync_node_cb)(const sync_node_t *n, void *arg);
int sync_status_each(db_t *db, const char *under_path, long long now, sync_node_cb cb, void *arg);
typedef struct sync_totals {
    long long nodes, flagged, refused;
} sync_totals_t;
int sync_totals(db_t *db, const char *under_path, sync_totals_t *out);
/* One node as the JSON object of GET /api/v1/sync/status and `motcua sync status --json`. */
void sync_node_json(jw_t *w, const sync_node_t *n);
/* On a node: its own chain's head, what the hub acknowledged, and the lag. */
typedef struct sync_self {
    char      node_id[ID_LEN + 1];
    char      hub_url[512];
    long long head_seq, acked_seq, lag_events, lag_seconds, acked_at;
} sync_self_t;
int sync_self_status(db_t *db, long long now, sync_self_t *out);
/* On a node: the hub acknowledged seq (meta sync_acked_seq / sync_acked_at). */
typedef struct sync_ack {
    long long seq, now;
} sync_ack_t;
int sync_record_ack(db_t *db, void *arg);

/* The signed string of a node request: "METHOD\nPATH\nTIME\n<hex sha256 of body>" into out. */
int sync_signed_string(buf_t *out, const char *method, const char *path, const char *time, const void *body,
                       size_t body_len);
#endif
