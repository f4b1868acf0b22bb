/* portal.h — the National Public Service Portal connector's domain side (issue 13 item 3, docs/portal.md): the
 * outbox of dossier changes to push, the mapping of a dossier to the portal's record, acknowledgements, dead
 * letters, the Decree 63/2024 art. 7 deadlines and the daily reconciliation.
 *
 * Enqueue. event.c calls portal_event_applied() once for every event applied on this database (recorded here or
 * arriving in a replicated batch), never during event_rebuild(): a dossier event the portal shows, on a database
 * where the connector is enabled (meta 'portal_enabled' = '1'), inserts one portal_outbox row keyed by the event's
 * (node, seq) with ON CONFLICT DO NOTHING — in the event's transaction, idempotent, sending nothing itself.
 *
 * Push (sync/portal_sender.h): a row is claimed under a lease, the dossier's CURRENT record (portal_record_load)
 * is sent (create, or update once the portal accepted a create; "đã tồn tại" → update), then its progress
 * entries; the outcome is recorded by portal_record_outcome(). Rows whose attempts run out, or that the portal
 * refuses for good, become dead letters an admin lists and replays.
 *
 * Like notify_outbox, every table here is OPERATIONAL state: no event describes it and a rebuild leaves it alone. */
#ifndef MOTCUA_PORTAL_H
#define MOTCUA_PORTAL_H
#include <stdbool.h>

#include "core/json.h"
#include "db/db.h"
#include "domain/auth.h"
#include "domain/domain.h"
#include "domain/event.h"

#define PORTAL_PUSH_DEADLINE_MS (10LL * 60 * 1000)   /* Decree 63/2024 art. 7: pushed within 10 minutes */
#define PORTAL_ACK_WORK_MINUTES 120                   /* ... and acknowledged within 2 working hours */
#define PORTAL_ERROR_MAX 300
#define PORTAL_STEPS_MAX 64
#define PORTAL_TEXT_MAX 512

/* ---- enqueue ---- */
/* 1 when an event of this type changes what the portal shows of a dossier. */
bool portal_event_shown(const char *type);
/* The hook (see above): 0 (queued, already queued, or nothing to queue) or a store error. */
int portal_event_applied(db_t *db, const event_meta_t *ev);
/* store_write callback (arg: const int *, 1 or 0): enable or disable the connector on this database. */
int portal_set_enabled(db_t *db, void *arg);
/* 1 enabled, 0 not, or a store error. */
int portal_enabled(db_t *db);

/* ---- the record ---- */
/* yyyyMMddHHmmss in Vietnam time (UTC+7) of ms since the epoch into out (cap >= 15); "" for ms <= 0. */
void portal_instant(long long ms, char *out, size_t cap);
/* The inverse: ms since the epoch, or -1 when text is not 14 digits of a valid instant. */
long long portal_instant_parse(const char *text);

typedef struct portal_step {
    long long at, due_at;
    int       status;
    char      officer[PORTAL_TEXT_MAX], department[PORTAL_TEXT_MAX], action[64], note[PORTAL_TEXT_MAX];
} portal_step_t;

typedef struct portal_record {
    char      dossier_id[ID_LEN + 1], unit_id[ID_LEN + 1], unit_path[512];
    char      code[64], agency_code[64], agency_name[PORTAL_TEXT_MAX];
    char      procedure_code[64], procedure_name[PORTAL_TEXT_MAX], field[PORTAL_TEXT_MAX];
    char      applicant_kind[16], applicant_name[PORTAL_TEXT_MAX], id_number[64], phone[64], email[256];
    char      address[PORTAL_TEXT_MAX], content[PORTAL_TEXT_MAX], result[PORTAL_TEXT_MAX];
    int       channel, status;
    long long received_at, due_at, resolved_at, delivered_at, refused_at;
    int       nsteps;
    portal_step_t steps[PORTAL_STEPS_MAX];
} portal_record_t;

/* Inside a store_read: fill r from the dossier's rows (-ENOENT when there is none). */
int portal_record_load(db_t *db, const char *dossier_id, portal_record_t *r);
/* The portal's dossier record (service DongBoHoSoMC's data item; every value a string, as the portal takes
 * them). Pure: no store. */
void portal_record_json(const portal_record_t *r, jw_t *w);
/* The progress entries (service CapNhatTienDoHoSoMC's data array). */
void portal_progress_json(const portal_record_t *r, jw_t *w);

/* ---- the outbox, used by the sender ---- */
typedef struct portal_job {
    char      node[ID_LEN + 1];
    long long seq;
    char      dossier_id[ID_LEN + 1];
    long long changed_at;
    int       attempts;               /* including this one */
    bool      created;                /* the portal accepted a create of this dossier already */
} portal_job_t;

#define PORTAL_CLAIM_MAX 16
typedef struct portal_claim {
    long long    now, lease_ms;       /* in */
    const char  *owner;               /* in: random per claim */
    int          limit;               /* in: 1..PORTAL_CLAIM_MAX */
    int          n;                   /* out */
    portal_job_t jobs[PORTAL_CLAIM_MAX];
} portal_claim_t;
/* store_write callback: claim due pending rows (or expired leases), oldest first; each claim is one attempt and
 * sets first_push_at / pushed_at. */
int portal_claim(db_t *db, void *arg);

typedef enum { PORTAL_OK = 0, PORTAL_RETRY, PORTAL_PERMANENT } portal_result_t;
typedef struct portal_outcome {
    const portal_job_t *job;
    const char   *owner;
    portal_result_t result;
    bool          created;            /* a create was accepted (or answered "already exists") */
    int           answers;            /* success answers received (an answer given twice counts twice) */
    const char   *service;            /* of the acknowledgement */
    const char   *answer;             /* the portal's answer text (bounded by the caller) */
    long          http_status;
    const char   *error;
    long long     now, next_at;
    int           max_attempts;
} portal_outcome_t;
/* store_write callback: record the outcome of one claimed row while owner holds its lease: done (acked_at, the
 * acknowledgement rows, portal_dossiers), pending again at next_at, or dead (a dead letter). */
int portal_record_outcome(db_t *db, void *arg);

/* store_write callback (arg: const long long *now): flag the deadlines that passed (push_missed, ack_missed),
 * logging each newly missed one; rows with no ack_due_at yet get it computed by the caller
 * (portal_fill_ack_due). Returns the number newly flagged. */
int portal_sweep_deadlines(db_t *db, void *arg);
/* Fill ack_due_at (2 working hours after the change, in each unit's calendar) of up to 100 rows lacking it. */
int portal_fill_ack_due(store_t *st);

/* ---- monitoring ---- */
typedef struct portal_stats {
    long long now;                    /* in */
    bool      enabled;
    long long depth;                  /* rows not acknowledged and not dead */
    long long oldest_unacked_s;       /* age of the oldest of them (0: none) */
    long long missed_push, missed_ack; /* deadlines missed, all time */
    long long dead;                   /* dead letters not replayed */
    long long done;
} portal_stats_t;
int portal_stats(db_t *db, void *arg);   /* store_read callback (arg: portal_stats_t *) */

/* ---- admin (API) ---- */
/* The status as JSON: the stats, "deadline_status" ("ok" | "missed") and the items that missed a deadline that
 * who's admin scope covers (newest first, at most 50). */
int portal_status_json(db_t *db, const principal_t *who, long long now, jw_t *w);
/* Every outbox item of the dossier with this code, oldest first: {dossier_id, dossier_code, items: [{node, seq,
 * event_type, state, attempts, changed_at, first_pushed_at, pushed_at, acked_at, push_due_at, ack_due_at,
 * push_missed, ack_missed, last_error}]}. -ENOENT when there is none or who's admin scope does not cover it. */
int portal_dossier_items_json(db_t *db, const principal_t *who, const char *code, jw_t *w);
/* The dead letters not replayed that who's admin scope covers (newest first, at most limit). */
int portal_dead_letters_json(db_t *db, const principal_t *who, int limit, jw_t *w);
/* Inside a store_write: put dead letter id back in the outbox (attempts 0, due now). 404 when who's admin scope
 * does not cover it or it does not exist, 409 when replayed already. */
int portal_replay(db_t *db, const principal_t *who, const char *id, long long now, derr_t *err);
/* Inside a store_write: queue the current record of the dossier with this id, or else this code, once more (node
 * 'repush'); marks the reconciliation differences of that dossier re-pushed; its id into id_out (may be NULL).
 * 404 when who's admin scope does not cover it. */
int portal_repush(db_t *db, const principal_t *who, const char *dossier_id, const char *dossier_code, long long now,
                  char id_out[ID_LEN + 1], derr_t *err);

/* ---- reconciliation ---- */
/* The portal's view of one dossier in the period answer. */
typedef struct portal_seen {
    char      code[64];
    int       status;
    long long received_at, due_at, resolved_at;
} portal_seen_t;

typedef struct portal_recon {
    const char    *id;                /* in: the run id */
    const char    *day;               /* in: YYYY-MM-DD (Vietnam time) */
    const char    *run_by;            /* in: NULL for the command line */
    long long      started_at, now;   /* in */
    const portal_seen_t *seen;        /* in: the portal's view */
    int            nseen;
    int            local, portal, synced, differences;   /* out */
} portal_recon_t;
/* 0 and the [from, to) ms of day ("YYYY-MM-DD", Vietnam time), or -EINVAL. */
int portal_day_range(const char *day, long long *from, long long *to);
/* store_write callback: compare the portal's view with the dossiers received that day on this database, store
 * the run and every difference (missing, extra, status, date). */
int portal_reconcile_store(db_t *db, void *arg);
/* One run as JSON (run_id NULL: the latest), its differences that who's admin scope covers (who NULL: all).
 * -ENOENT when there is none. */
int portal_recon_json(db_t *db, const principal_t *who, const char *run_id, jw_t *w);
/* Decision 766 indicator 1.4 from the latest reconciliation of each day in [from_day, to_day] (yyyymmdd), for the
 * dossiers of the unit subtree unit_path: *den the dossiers received on those days, *num those of them the run
 * found the same on the portal (no difference). A dossier only the portal has (extra) belongs to no unit here: it
 * counts in the run's own ratio (max(local, portal)), not in a unit's. 0, with *den 0 when no run covers the
 * period. */
int portal_sync_ratio(db_t *db, const char *unit_path, int from_day, int to_day, long long *num, long long *den);
#endif
