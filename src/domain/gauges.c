/* gauges.c — the store-derived figures of GET /metrics (see gauges.h). */
#include "domain/gauges.h"
#include "core/mem.h"
#include "domain/notify.h"
#include "domain/sync.h"

#include <stdlib.h>

#include <string.h>

const char *gauges_status_slug(int status)
{
    static const char *const slugs[GAUGES_STATUS_MAX + 1] = {
        "", "new", "accepted", "refused", "processing", "supplement_requested", "payment_requested", "withdrawn",
        "stopped", "resolved", "returned"};
    return status >= 1 && status <= GAUGES_STATUS_MAX ? slugs[status] : "";
}

int gauges_read(db_t *db, void *arg)
{
    gauges_t *g = arg;
    memset(g, 0, sizeof *g);
    db_stmt_t *s = NULL;
    int rc = db_query(db, &s, "SELECT status, COUNT(*) FROM dossiers GROUP BY status", "");
    while (rc == DB_ROW) {
        long long st = db_col_int(s, 0);
        if (st >= 1 && st <= GAUGES_STATUS_MAX) g->dossiers[st] = db_col_int(s, 1);
        rc = db_step(s);
    }
    if (s) db_reset(s);
    if (rc < 0) return rc;

    notify_counts_t nc = {.channels = 0};
    if ((rc = notify_counts(db, &nc)) < 0) return rc;
    g->outbox_pending = nc.pending;
    g->outbox_sending = nc.sending;
    g->outbox_sent = nc.sent;
    g->outbox_failed = nc.failed;

    s = NULL;
    rc = db_query(db, &s, "SELECT is_self, COUNT(*), COALESCE(SUM(seq), 0) FROM ledger_head GROUP BY is_self", "");
    while (rc == DB_ROW) {
        long long chains = db_col_int(s, 1), events = db_col_int(s, 2);
        g->ledger_chains += chains;
        if (db_col_int(s, 0)) g->ledger_self_events += events;
        else g->ledger_other_events += events;
        rc = db_step(s);
    }
    if (s) db_reset(s);
    return rc < 0 ? rc : 0;
}

static int gauge_node_cb(const sync_node_t *n, void *arg)
{
    gauges_sync_t *g = arg;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->nodes = xrealloc(g->nodes, (size_t)g->cap * sizeof *g->nodes);
    }
    gauges_sync_node_t *o = &g->nodes[g->n++];
    str_copy(o->node, sizeof o->node, n->node_id);
    o->lag_events = n->lag_events;
    o->lag_seconds = n->lag_seconds;
    return 0;
}

int gauges_sync_read(db_t *db, void *arg)
{
    gauges_sync_t *g = arg;
    g->n = 0;
    sync_totals_t t;
    int rc = sync_status_each(db, "", g->now, gauge_node_cb, g);
    if (rc == 0) rc = sync_totals(db, "", &t);
    if (rc == 0) {
        g->refused = t.refused;
        g->flagged = t.flagged;
    }
    return rc;
}

void gauges_sync_free(gauges_sync_t *g)
{
    free(g->nodes);
    g->nodes = NULL;
    g->n = g->cap = 0;
}
