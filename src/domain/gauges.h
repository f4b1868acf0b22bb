/* gauges.h — the store-derived figures that GET /metrics exposes: dossiers per portal status, the notification
 * outbox per state, the ledger's length.
 *
 * One read snapshot, three small aggregate queries: dossiers GROUP BY status (answered from the dossiers_due index
 * (status, due_at) without touching the rows), the outbox's per-state counts (notify_counts) and the ledger heads,
 * whose seq is each chain's length because sequences are gap-free (so the events table is never counted). */
#ifndef MOTCUA_GAUGES_H
#define MOTCUA_GAUGES_H
#include "db/db.h"

#define GAUGES_STATUS_MAX 10          /* portal statuses 1 .. 10 */

typedef struct gauges {
    long long dossiers[GAUGES_STATUS_MAX + 1];        /* [status]; [0] unused */
    long long outbox_pending, outbox_sending, outbox_sent, outbox_failed;
    long long ledger_self_events, ledger_other_events; /* this node's chain; the chains replicated from others */
    long long ledger_chains;
} gauges_t;

/* store_read callback, arg gauges_t *: fills every figure. 0 or a negative error. */
int gauges_read(db_t *db, void *arg);
/* sync: the figures of a hub's nodes (domain/sync.h): lag per node, refused batches, flagged nodes. */
typedef struct gauges_sync_node {
    char      node[27];
    long long lag_events, lag_seconds;
} gauges_sync_node_t;
typedef struct gauges_sync {
    gauges_sync_node_t *nodes;        /* malloc'd; free with gauges_sync_free */
    int                 n, cap;
    long long           refused, flagged;
    long long           now;          /* set by the caller */
} gauges_sync_t;
/* store_read callback, arg gauges_sync_t * (now set): every enrolled node and the totals. */
int  gauges_sync_read(db_t *db, void *arg);
void gauges_sync_free(gauges_sync_t *g);
/* The fixed English slug of a portal status for a label ("new", "accepted", ...), "" outside 1..10. */
const char *gauges_status_slug(int status);
#endif
