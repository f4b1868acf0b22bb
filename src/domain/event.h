/* event.h — events are the source of truth: each change is one ledger event, applied to the projections.
 *
 * event_record() appends the event to the ledger and then runs the apply function registered for its type on the
 * payload parsed back from the very bytes that were appended, in the same write transaction. Projection rows
 * (dossiers, steps, counters, the procedure catalog, ...) are therefore built from the event alone, never from the
 * caller's structs, and event_rebuild() — which empties the projection tables and replays the ledger through the
 * same functions — gives the same rows; a provincial hub builds its rows from replicated events the same way.
 *
 * Registry: every module that owns projections exports one event_module_t (its event types with their apply
 * functions, and its tables in the order they are emptied) and is listed once in event.c. An event type with no
 * apply function (the API tokens' token.* events: an audit trail of operational state, see docs/architecture.md)
 * is simply not replayed.
 *
 * Tables rebuilt in place: units and accounts are referenced by foreign keys from operational state (sessions,
 * api_tokens keep their rows across a rebuild: nobody is logged out), so they are never emptied. Their
 * event_inplace_t (listed once in event.c, in force when a registered module lists the table) gives a `mark`
 * statement, run where the other tables are emptied, that marks every row stale (version 0) and clears what the
 * replay sets again under a unique key (a unit's slug and edi_code, which may have moved from one unit to another
 * in the history); the apply functions upsert (every event carries the row's version, >= 1); after the replay,
 * `sweep` deletes the rows no event made (still version 0), accounts before units. Operational columns of such a
 * row (an account's password_hash and sign-in counters) are left as they are, and `columns` names what
 * event_digest() reads, so that they do not count. The roles table is emptied and refilled as usual.
 *
 * Apply functions must be deterministic: they may read the event (meta + payload) and the projection rows built by
 * earlier events, never the clock, random numbers or anything outside the transaction. */
#ifndef MOTCUA_EVENT_H
#define MOTCUA_EVENT_H
#include <jansson.h>

#include "core/buf.h"
#include "db/db.h"
#include "domain/ledger.h"

typedef struct event_meta {
    const char *node;        /* origin node id */
    long long   seq;         /* sequence in the origin's chain */
    long long   at;          /* milliseconds since the epoch (UTC) when it was appended */
    const char *unit_id;     /* NULL when none */
    const char *actor;       /* NULL for the system */
    const char *type;
    const char *entity;      /* "<kind>:<id>" */
} event_meta_t;

/* Build the projection rows of one event. Returns 0 or a negative errno (the transaction then rolls back). */
typedef int (*event_apply_fn)(db_t *db, const event_meta_t *ev, const json_t *payload);

typedef struct event_kind {
    const char     *type;    /* "dossier.received" */
    event_apply_fn  apply;
} event_kind_t;

typedef struct event_table {
    const char *name;        /* a projection table, emptied by a rebuild */
    const char *order_by;    /* its key columns, for event_digest(): "code" or "dossier_id, n" */
} event_table_t;

/* A table rebuilt in place (see above), listed once in event.c; it applies when a registered module lists the
 * table. */
typedef struct event_inplace {
    const char *table;
    const char *columns;     /* the projection's columns for event_digest() (the operational ones left out) */
    const char *mark;        /* marks every row stale, run where the other tables are emptied */
    const char *sweep;       /* deletes the rows the replay did not make again */
} event_inplace_t;

/* Replication (domain/sync.c): may an event a node shipped be applied at the hub? 1 when it only touches rows of
 * units inside subtree_path (the node's enrolled unit's path): the entity's id is the payload's row id, the
 * payload's unit columns (before and after) lie in the subtree, and the row already at the hub, if any, belongs to
 * the subtree; 0 when it does not (a forged or buggy event: the hub refuses the batch); < 0 on store errors. It
 * runs in the batch's transaction just before the apply, so it sees the rows of the batch's earlier events. */
typedef int (*event_guard_fn)(db_t *db, const event_meta_t *ev, const json_t *payload, const char *subtree_path);

typedef struct event_module {
    const char          *name;     /* "dossier" */
    const event_kind_t  *kinds;    /* terminated by {NULL, NULL} */
    const event_table_t *tables;   /* terminated by {NULL, NULL}; emptied in this order (children first) */
    /* NULL: a hub keeps a replicated event of this module's types in the chain but does not apply it. */
    event_guard_fn       replica_guard;
} event_module_t;

/* The modules in force: the built-in list, or the one given to event_use_modules() (tests). */
const event_module_t *const *event_modules(void);
/* Replace the registry (NULL-terminated list; NULL restores the built-in one). For tests; not thread-safe. */
void event_use_modules(const event_module_t *const *list);
/* The apply function for type, or NULL. */
event_apply_fn event_find(const char *type);

/* Append an event whose payload fn(arg) writes, then apply it. Same arguments as ledger_append_json(); *meta_seq
 * (may be NULL) gets the event's sequence number. A type with no apply function is refused (-ENOSYS): a new
 * module's changes always go through a projection. */
int event_record(db_t *db, const char *unit_id, const char *actor_id, const char *type, const char *entity_kind,
                 const char *entity_id, ledger_payload_fn fn, const void *arg, long long *seq_out);
/* A payload made outside the write transaction (on the HTTP worker), so that the writer thread, which runs every
 * write of the store one after another, neither writes nor parses it: event_payload_init() takes the value (its
 * reference) and serialises it once, leaving out the values of up to EVENT_HOLES_MAX members (objs[i], keys[i])
 * that only the transaction knows (a dossier's code, a counter); they must be given in the order they appear in
 * the value and hold a placeholder meanwhile. event_record_payload() then sets fills[i] (references borrowed) in
 * those members, splices their text in, appends the bytes and hands the value itself to the apply function: it
 * sees exactly what a replay of the stored bytes gives (the writer's output parses back to equal values; the
 * sanitizer builds check it on every call). Values must be strings, integers, booleans, null, arrays and objects. */
#define EVENT_HOLES_MAX 4
typedef struct event_payload {
    json_t *value;
    buf_t   text;                /* the value's JSON text without the holes' values */
    int     nholes;
    struct {
        json_t     *obj;
        const char *key;
        size_t      at;          /* where its value goes in text */
    } hole[EVENT_HOLES_MAX];
} event_payload_t;
int event_payload_init(event_payload_t *p, json_t *value, int nholes, json_t *const objs[], const char *const keys[]);
void event_payload_free(event_payload_t *p);   /* the value and the text; p may be all zero */
int event_record_payload(db_t *db, const char *unit_id, const char *actor_id, const char *type,
                         const char *entity_kind, const char *entity_id, event_payload_t *p, json_t *const fills[],
                         long long *seq_out);
/* For apply functions: the payload member k as a string (NULL when absent or not a string) and as an integer (0). */
const char *event_str(const json_t *payload, const char *k);
long long event_int(const json_t *payload, const char *k);
/* For payloads built as values: a new string, or null when s is NULL or empty. */
json_t *event_opt_str(const char *s);
/* Apply one stored event (payload as text): 0 when applied or when its type has no apply function. */
int event_apply(db_t *db, const event_meta_t *ev, const char *payload, size_t payload_len);

/* Apply at a hub one event a node shipped, whose node owns the units under subtree_path: EVENT_REPLICA_APPLIED
 * when its module's guard allowed it and it was applied; EVENT_REPLICA_KEPT when its module has no guard (or its
 * type no apply function): nothing is applied, the caller keeps it in the chain; -EPERM when the guard said no;
 * -EILSEQ when the payload is not a JSON object (whatever its type); other negative errnos from the guard or
 * the apply. */
enum { EVENT_REPLICA_APPLIED = 0, EVENT_REPLICA_KEPT = 1 };
int event_apply_replica(db_t *db, const event_meta_t *ev, const char *payload, size_t payload_len,
                        const char *subtree_path);

/* Whether a hub applies replicated events of type (its module has a replica guard and the type an apply). */
bool event_replica_applies(const char *type);
/* Helpers for guards. Whether the unit (NULL: no) exists and lies in subtree_path: 1, 0, < 0 on errors. */
int event_unit_in(db_t *db, const char *unit_id, const char *subtree_path);
/* Whether unit_id lies in subtree_path and unit_path is exactly its path at this database: 1, 0, < 0. */
int event_unit_path_in(db_t *db, const char *unit_id, const char *unit_path, const char *subtree_path);
/* Whether the event's entity is "<kind>:<id>" (id NULL: no). */
bool event_entity_is(const event_meta_t *ev, const char *kind, const char *id);
/* The row a guard protects: sql takes one text parameter (key) and returns one text column, a unit path (is_path)
 * or a unit id. 1 when no row comes back (*found false) or its value lies in subtree_path; 0 when it does not (a
 * NULL value included); < 0 on errors. */
int event_row_in(db_t *db, const char *sql, const char *key, bool is_path, const char *subtree_path, bool *found);

typedef struct event_rebuild_report {
    long long events;        /* events read */
    long long applied;       /* of which replayed through an apply function */
    char      failed_type[64];
    char      failed_entity[96];
    long long failed_seq;    /* the event that failed, when rc < 0 */
} event_rebuild_report_t;
/* Progress callback, called every few thousand events with the counts so far. */
typedef void (*event_progress_fn)(long long done, long long total, void *arg);

/* In one write transaction: empty every registered projection table (mark the ones rebuilt in place) and replay
 * every event in (at, node, seq) order through its apply function (an enrolled node's events at a hub: only those
 * event_replica_applies()), then sweep the in-place tables. All or nothing: a failing apply rolls the whole rebuild
 * back (so does a sweep whose stale row operational state still references). */
int event_rebuild(store_t *st, event_rebuild_report_t *rep, event_progress_fn progress, void *arg);

/* SHA-256 (hex) over every registered projection table's rows in key order, one line per row, columns
 * tab-separated, NULL as \N: two databases with the same projections give the same digest. */
int event_digest(store_t *st, char out[65]);
#endif
