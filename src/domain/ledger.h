/* ledger.h — the append-only, hash-chained event log: the audit trail of every state change.
 *
 * Each origin node has one chain. An event's hash is SHA-256 over the previous event's hash (64 hex digits) and
 * the event's canonical form, a JSON object with keys in a fixed order:
 *   {"v":1,"node":..,"seq":..,"at":..,"unit":..,"actor":..,"type":..,"entity":..,"payload":<payload>}
 * The payload is stored exactly as written and hashed as those bytes. ledger_append() must run inside the same
 * write transaction as the change it records: it takes the next sequence number by updating the chain head row
 * (UPDATE ... RETURNING), which serialises appenders on every engine, so sequences are gap-free. */
#ifndef MOTCUA_LEDGER_H
#define MOTCUA_LEDGER_H
#include <stdio.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/rand.h"
#include "db/db.h"

#define LEDGER_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct ledger_event {
    const char *unit_id;     /* the unit the change belongs to, or NULL */
    const char *actor;       /* account id, or NULL for the system */
    const char *type;        /* "unit.created", "staff.updated", ... */
    const char *entity;      /* "unit:<id>", "account:<id>", ... */
    const char *payload;     /* JSON text (from the json writer) */
    size_t      payload_len;
} ledger_event_t;

/* Create this database's node identity and its empty chain, once. */
int ledger_init_node(db_t *db, const char *node_name);
/* This database's node id into out (ID_LEN + 1 bytes). */
int ledger_self_node(db_t *db, char *out, size_t cap);
/* Where an appended event landed: its chain (this node), sequence number and instant. */
typedef struct ledger_appended {
    char      node[ID_LEN + 1];
    long long seq;
    long long at;
} ledger_appended_t;

/* Append one event in the current write transaction; *seq_out (may be NULL) gets its sequence number. */
int ledger_append(db_t *db, const ledger_event_t *ev, long long *seq_out);
/* ledger_append(), telling where the event landed (out may be NULL). */
int ledger_append_to(db_t *db, const ledger_event_t *ev, ledger_appended_t *out);
/* Writes an event's JSON payload for arg. */
typedef void (*ledger_payload_fn)(jw_t *w, const void *arg);
/* The one way to record a change: build the payload with fn(arg), name the entity "<entity_kind>:<entity_id>" and
 * append the event in the current write transaction. unit_id and actor_id may be NULL or empty (none). */
int ledger_append_json(db_t *db, const char *unit_id, const char *actor_id, const char *type, const char *entity_kind,
                       const char *entity_id, ledger_payload_fn fn, const void *arg);
/* ledger_append_json() that also hands back the payload bytes (the caller frees *payload_out with buf_free) and
 * where the event landed. */
int ledger_append_json_to(db_t *db, const char *unit_id, const char *actor_id, const char *type,
                          const char *entity_kind, const char *entity_id, ledger_payload_fn fn, const void *arg,
                          buf_t *payload_out, ledger_appended_t *out);
/* The canonical bytes that are hashed, for one stored event. */
int ledger_canonical(buf_t *out, const char *node, long long seq, long long at, const char *unit, const char *actor,
                     const char *type, const char *entity, const char *payload, size_t payload_len);
/* The chain hash of one event given the previous event's hash prev (64 hex digits): SHA-256 over prev and the
 * event's canonical form, as 64 hex digits into out. The one computation of ledger_append() and of a hub checking a
 * replicated event (domain/sync.c). 0 or a negative errno (text that cannot be put in canonical form). */
int ledger_event_hash(const char *prev, const char *node, long long seq, long long at, const char *unit,
                      const char *actor, const char *type, const char *entity, const char *payload,
                      size_t payload_len, char out[65]);

typedef struct ledger_report {
    long long events;        /* events checked */
    long long chains;        /* nodes seen */
    int       broken;        /* 1 when a problem was found */
    char      node[64];      /* where: the first broken event */
    long long seq;
    char      reason[160];
    /* This database's own chain head as verified (empty node when it has none): write it down as an anchor. */
    char      head_node[64];
    long long head_seq;
    char      head_hash[65];
} ledger_report_t;

/* An anchor: an event of this database's own chain written down earlier (SEQ:HASH). */
typedef struct ledger_expect {
    long long seq;
    char      hash[65];
} ledger_expect_t;

/* Recompute every chain; fills rep. Returns 0 (even when broken: see rep->broken) or < 0 on store errors.
 * Every chain must have a ledger_head row matching its last event; text columns must hold no NUL byte. */
int ledger_verify(store_t *st, ledger_report_t *rep);
/* ledger_verify(), and the own chain must contain event expect->seq with hash expect->hash (NULL: no anchor). */
int ledger_verify_expect(store_t *st, const ledger_expect_t *expect, ledger_report_t *rep);
/* Parse "SEQ:HASH" (SEQ >= 1, HASH 64 lower-case hex digits): 0 or -EINVAL. */
int ledger_parse_expect(const char *text, ledger_expect_t *out);
#endif
